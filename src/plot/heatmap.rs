//! The policy x world matrix: one cell per policy and world, coloured by
//! one metric (lead-to-win unless the user picks another), its value
//! written in the cell.

use plotters::prelude::*;

use super::{DrawResult, FONT};
use crate::metrics::{Direction, Metric};
use crate::summary::Summary;

pub fn render(summary: &Summary, metric: Metric) -> DrawResult<String> {
    let policies: Vec<String> = summary
        .world_cells(crate::summary::BASE_WORLD)
        .iter()
        .map(|c| c.policy.clone())
        .collect();
    let worlds = &summary.worlds;
    let m = metric.info();
    let value = |p: usize, w: usize| summary.cell(w, p).metrics[metric].map(|e| e.mean);
    let values: Vec<f64> = (0..policies.len())
        .flat_map(|p| (0..worlds.len()).filter_map(move |w| value(p, w)))
        .collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let cell_w = 170i32;
    let cell_h = 46i32;
    let left = 20
        + 8 * policies
            .iter()
            .map(|p| p.chars().count())
            .max()
            .unwrap_or(6) as i32;
    let top = 110i32;
    let width = (left + cell_w * worlds.len() as i32 + 30).max(560) as u32;
    let height = (top + cell_h * policies.len() as i32 + 70) as u32;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let better = match m.direction {
            Direction::HigherIsBetter => "darker is better",
            Direction::LowerIsBetter => "darker is worse",
            Direction::Neutral => "darker is higher",
        };
        root.draw(&Text::new(
            format!("{} by policy and world ({better})", m.name),
            (16, 16),
            (FONT, 20),
        ))?;
        for (w, world) in worlds.iter().enumerate() {
            let x = left + cell_w * w as i32 + cell_w / 2;
            let style =
                (FONT, 13)
                    .into_font()
                    .color(&BLACK)
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Bottom,
                    ));
            root.draw(&Text::new(world.clone(), (x, top - 8), style))?;
        }
        for (p, policy) in policies.iter().enumerate() {
            let y = top + cell_h * p as i32;
            root.draw(&Text::new(
                policy.clone(),
                (12, y + cell_h / 2 - 7),
                (FONT, 14),
            ))?;
            for w in 0..worlds.len() {
                let x = left + cell_w * w as i32;
                let cell = super::heat_cell(value(p, w), lo, hi, m.unit);
                root.draw(&Rectangle::new(
                    [(x + 2, y + 2), (x + cell_w - 2, y + cell_h - 2)],
                    cell.fill.filled(),
                ))?;
                let colour = if cell.dark { WHITE } else { BLACK };
                let style = (FONT, 15).into_font().color(&colour).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    ),
                );
                root.draw(&Text::new(
                    cell.text,
                    (x + cell_w / 2, y + cell_h / 2),
                    style,
                ))?;
            }
        }
        root.present()?;
    }
    Ok(svg)
}
