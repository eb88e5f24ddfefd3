//! Sweep charts: headline metrics against one swept field (lines with 95 %
//! CI bands), a heatmap over two swept fields, and Pareto frontiers.

use plotters::prelude::*;

use super::{colour, DrawResult, FONT};
use crate::analyses::sweep::{Axis, Candidate};
use crate::format::human;
use crate::metrics::{Direction, Metric};
use crate::summary::Summary;

/// The panels of the one-field sweep chart.
const PANELS: [Metric; 6] = [
    Metric::LeadToWin,
    Metric::LeadToOpportunity,
    Metric::TtfcMedian,
    Metric::GrossProfit,
    Metric::GiniKept,
    Metric::PayoutRatio,
];

/// Headline metrics against the one swept field, one line per policy.
pub fn lines(axis: &Axis, runs: &[Summary]) -> DrawResult<String> {
    let policies: Vec<String> = runs[0]
        .world_cells(crate::summary::BASE_WORLD)
        .iter()
        .map(|c| c.policy.clone())
        .collect();
    let (x0, x1) = (
        axis.values[0],
        *axis.values.last().expect("an axis has values"),
    );
    let pad = ((x1 - x0) * 0.02).max(1e-9);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1200, 1060)).into_drawing_area();
        root.fill(&WHITE)?;
        let (title, body) = root.split_vertically(40);
        title.draw(&Text::new(
            format!("Sweep of {}", axis.path),
            (16, 10),
            (FONT, 20),
        ))?;
        let panels = body.split_evenly((3, 2));
        for (panel, k) in panels.iter().zip(PANELS) {
            let (scale, _) = k.info().chart_scale();
            let label = k.info().chart_title();
            let label = match runs.first() {
                Some(s) => super::with_money_units(s, k, &label),
                None => label,
            };
            let series: Vec<Vec<(f64, f64, f64, f64)>> = (0..policies.len())
                .map(|p| {
                    runs.iter()
                        .zip(&axis.values)
                        .filter_map(|(s, &x)| {
                            let e = s.world_cells(crate::summary::BASE_WORLD)[p].metrics[k]?;
                            let (lo, hi) = e.ci95.unwrap_or((e.mean, e.mean));
                            Some((x, e.mean * scale, lo * scale, hi * scale))
                        })
                        .collect()
                })
                .collect();
            let all = series.iter().flatten();
            let lo = all.clone().map(|v| v.2).fold(f64::INFINITY, f64::min);
            let hi = all.map(|v| v.3).fold(f64::NEG_INFINITY, f64::max);
            let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
            let span = (hi - lo).max(1e-9);
            let mut chart = ChartBuilder::on(panel)
                .caption(&label, (FONT, 16))
                .margin(10)
                .x_label_area_size(36)
                .y_label_area_size(56)
                .build_cartesian_2d(
                    super::safe_range((x0 - pad)..(x1 + pad)),
                    super::safe_range((lo - 0.05 * span)..(hi + 0.05 * span)),
                )?;
            chart
                .configure_mesh()
                .x_desc(axis.path.as_str())
                .label_style((FONT, 12))
                .axis_desc_style((FONT, 12))
                .draw()?;
            for (p, points) in series.iter().enumerate() {
                let c = colour(p);
                let mut band: Vec<(f64, f64)> = points.iter().map(|v| (v.0, v.3)).collect();
                band.extend(points.iter().rev().map(|v| (v.0, v.2)));
                chart.draw_series(std::iter::once(Polygon::new(band, c.mix(0.18).filled())))?;
                let line = chart.draw_series(LineSeries::new(
                    points.iter().map(|v| (v.0, v.1)),
                    c.stroke_width(2),
                ))?;
                if k == PANELS[0] {
                    line.label(policies[p].clone()).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2))
                    });
                }
            }
            if k == PANELS[0] {
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::UpperRight)
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .label_font((FONT, 12))
                    .draw()?;
            }
        }
        root.present()?;
    }
    Ok(svg)
}

/// A metric of one policy over two swept fields.
pub fn heatmap(
    axes: &[Axis],
    runs: &[Summary],
    policy: usize,
    metric: Metric,
) -> DrawResult<String> {
    let (a, b) = (&axes[0], &axes[1]);
    let m = metric.info();
    let value = |i: usize, j: usize| {
        runs[i * b.values.len() + j].world_cells(crate::summary::BASE_WORLD)[policy].metrics[metric]
            .map(|e| e.mean)
    };
    let values: Vec<f64> = (0..a.values.len())
        .flat_map(|i| (0..b.values.len()).filter_map(move |j| value(i, j)))
        .collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (cw, ch) = (90i32, 34i32);
    let (left, top) = (120i32, 90i32);
    let width = (left + cw * b.values.len() as i32 + 40).max(600) as u32;
    let height = (top + ch * a.values.len() as i32 + 70) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let policy_name = runs[0].world_cells(crate::summary::BASE_WORLD)[policy]
            .policy
            .clone();
        let better = if m.direction == Direction::LowerIsBetter {
            "darker is worse"
        } else {
            "darker is higher"
        };
        root.draw(&Text::new(
            format!("{} of {policy_name} ({better})", m.name),
            (16, 12),
            (FONT, 18),
        ))?;
        root.draw(&Text::new(
            format!("rows: {}   columns: {}", a.path, b.path),
            (16, 40),
            (FONT, 13),
        ))?;
        for (j, v) in b.values.iter().enumerate() {
            root.draw(&Text::new(
                format!("{v}"),
                (left + cw * j as i32 + 8, top - 20),
                (FONT, 12),
            ))?;
        }
        for (i, v) in a.values.iter().enumerate() {
            let y = top + ch * i as i32;
            root.draw(&Text::new(format!("{v}"), (16, y + 10), (FONT, 12)))?;
            for j in 0..b.values.len() {
                let x = left + cw * j as i32;
                let cell = super::heat_cell(value(i, j), lo, hi, m.unit);
                root.draw(&Rectangle::new(
                    [(x + 1, y + 1), (x + cw - 1, y + ch - 1)],
                    cell.fill.filled(),
                ))?;
                root.draw(&Text::new(
                    cell.text,
                    (x + 8, y + 10),
                    (FONT, 12)
                        .into_font()
                        .color(if cell.dark { &WHITE } else { &BLACK }),
                ))?;
            }
        }
        root.present()?;
    }
    Ok(svg)
}

pub fn pareto_chart(
    candidates: &[Candidate],
    x_metric: Metric,
    y_metric: Metric,
) -> DrawResult<String> {
    let (xm, ym) = (x_metric.info(), y_metric.info());
    let range = |f: &dyn Fn(&Candidate) -> f64| {
        let lo = candidates.iter().map(f).fold(f64::INFINITY, f64::min);
        let hi = candidates.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
        let pad = ((hi - lo) * 0.08).max(1e-9 + lo.abs() * 1e-6);
        (lo - pad)..(hi + pad)
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 640)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("Pareto frontier: {} against {}", ym.name, xm.name),
                (FONT, 18),
            )
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(
                super::safe_range(range(&|c| c.x)),
                super::safe_range(range(&|c| c.y)),
            )?;
        chart
            .configure_mesh()
            .x_desc(xm.name)
            .y_desc(ym.name)
            .x_label_formatter(&|v| human(*v, xm.unit))
            .y_label_formatter(&|v| human(*v, ym.unit))
            .label_style((FONT, 12))
            .draw()?;
        chart.draw_series(
            candidates
                .iter()
                .filter(|c| !c.on_frontier)
                .map(|c| Circle::new((c.x, c.y), 4, BLACK.mix(0.25).filled())),
        )?;
        let mut frontier: Vec<&Candidate> = candidates.iter().filter(|c| c.on_frontier).collect();
        frontier.sort_by(|a, b| a.x.total_cmp(&b.x));
        chart.draw_series(LineSeries::new(
            frontier.iter().map(|c| (c.x, c.y)),
            BLACK.stroke_width(1),
        ))?;
        for c in &frontier {
            chart.draw_series(std::iter::once(Circle::new(
                (c.x, c.y),
                6,
                colour(c.policy).filled(),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                c.label.clone(),
                (c.x, c.y),
                (FONT, 11),
            )))?;
        }
        root.present()?;
    }
    Ok(svg)
}
