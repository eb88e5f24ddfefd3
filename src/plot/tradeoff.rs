//! The trade-off map: fairness (Gini of leads) against lead-to-win, point
//! size by gross profit, with 95 % CI whiskers on both axes.

use plotters::prelude::*;

use super::{cells, colour, estimate, DrawResult, FONT};
use crate::metrics::Metric;
use crate::summary::Summary;

/// The range of (value, low, high) triples' intervals, padded by a quarter
/// of its width (at least 0.001) on each side; (0, 1) when there is none.
fn padded_range(points: impl Iterator<Item = (f64, f64, f64)> + Clone) -> (f64, f64) {
    let lo = points.clone().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = points.map(|p| p.2).fold(f64::NEG_INFINITY, f64::max);
    if lo.is_finite() && hi.is_finite() {
        let pad = ((hi - lo) * 0.25).max(1e-3);
        (lo - pad, hi + pad)
    } else {
        (0.0, 1.0)
    }
}

pub fn render(summary: &Summary) -> DrawResult<String> {
    let cells = cells(summary);
    struct Point {
        gini: (f64, f64, f64),
        win: (f64, f64, f64),
        profit: f64,
    }
    let spread = |e: crate::stats::Estimate, scale: f64| {
        let (lo, hi) = e.ci95.unwrap_or((e.mean, e.mean));
        (e.mean * scale, lo * scale, hi * scale)
    };
    let points: Vec<Option<Point>> = cells
        .iter()
        .map(|c| {
            Some(Point {
                gini: spread(estimate(c, Metric::GiniKept)?, 1.0),
                win: spread(estimate(c, Metric::LeadToWin)?, 100.0),
                profit: estimate(c, Metric::GrossProfit).map_or(0.0, |e| e.mean),
            })
        })
        .collect();
    let defined: Vec<&Point> = points.iter().flatten().collect();
    let (x0, x1) = padded_range(defined.iter().map(|p| p.gini));
    let (y0, y1) = padded_range(defined.iter().map(|p| p.win));
    let max_profit = defined
        .iter()
        .map(|p| p.profit.abs())
        .fold(0.0, f64::max)
        .max(1e-9);

    let money_units = format!(
        "({})",
        crate::format::money_units(summary.currency.as_deref(), "", Some(summary.horizon_days))
    );
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 620)).into_drawing_area();
        root.fill(&WHITE)?;
        let (plot_area, legend_area) = root.split_horizontally(700);
        let mut chart = ChartBuilder::on(&plot_area)
            .caption(
                "Fairness against conversion (point size: gross profit)",
                (FONT, 20),
            )
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(
                super::safe_range(x0.max(0.0)..x1),
                super::safe_range(y0.max(0.0)..y1),
            )?;
        chart
            .configure_mesh()
            .x_desc("Gini of leads kept per unit of capacity (lower is fairer)")
            .y_desc("lead to win (%)")
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()?;
        for (i, (cell, point)) in cells.iter().zip(&points).enumerate() {
            let Some(p) = point else { continue };
            let c = colour(i);
            let radius = 6 + (14.0 * p.profit.max(0.0) / max_profit) as i32;
            chart.draw_series(std::iter::once(ErrorBar::new_vertical(
                p.gini.0,
                p.win.1,
                p.win.0,
                p.win.2,
                c.stroke_width(2),
                8,
            )))?;
            chart.draw_series(std::iter::once(ErrorBar::new_horizontal(
                p.win.0,
                p.gini.1,
                p.gini.0,
                p.gini.2,
                c.stroke_width(2),
                8,
            )))?;
            chart.draw_series(std::iter::once(Circle::new(
                (p.gini.0, p.win.0),
                radius,
                c.mix(0.75).filled(),
            )))?;
            // The legend sits beside the plot, where no point can hide it.
            let y = 80 + 34 * i as i32;
            legend_area.draw(&Circle::new((16, y), 7, c.filled()))?;
            legend_area.draw(&Text::new(
                format!("{}: {}", cell.policy, super::money_label(p.profit)),
                (32, y - 8),
                (FONT, 14),
            ))?;
        }
        // Names live in the legend only: a label inside the plot would sit
        // on its own or a neighbour's point.
        legend_area.draw(&Text::new(
            "point size: gross profit",
            (8, 32),
            (FONT, 14).into_font().style(FontStyle::Italic),
        ))?;
        legend_area.draw(&Text::new(
            money_units,
            (8, 52),
            (FONT, 13).into_font().style(FontStyle::Italic),
        ))?;
        root.present()?;
    }
    Ok(svg)
}
