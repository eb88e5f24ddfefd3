//! The charts of `leadsim calibrate`'s `calibration.html`: each fit against
//! what the export shows.

use plotters::prelude::*;

use super::{colour, DrawResult, FONT};

/// One category of an interval chart: a fitted interval with a fitted
/// centre, and what the data show (`None`: nothing observed).
pub struct Interval {
    pub label: String,
    pub low: f64,
    pub mid: f64,
    pub high: f64,
    pub observed: Option<f64>,
}

/// Fitted intervals (bars with a centre tick) against observed points
/// (crosses), one column per category; `log` puts the value axis on a
/// log scale.
pub fn intervals(title: &str, y_desc: &str, rows: &[Interval], log: bool) -> DrawResult<String> {
    let values = rows
        .iter()
        .flat_map(|r| [r.low, r.mid, r.high, r.observed.unwrap_or(r.mid)])
        .filter(|v| v.is_finite() && (!log || *v > 0.0));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let n = rows.len().max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 420)).into_drawing_area();
        root.fill(&WHITE)?;
        let names: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(title, (FONT, 17))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(70);
        let x = -0.5..n as f64 - 0.5;
        let label = |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                names[i as usize].clone()
            } else {
                String::new()
            }
        };
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .disable_x_mesh()
                    .x_labels(n + 1)
                    .x_label_formatter(&label)
                    .y_desc(y_desc)
                    .label_style((FONT, 11))
                    .axis_desc_style((FONT, 12))
                    .draw()?;
                for (i, r) in rows.iter().enumerate() {
                    let x = i as f64;
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(x - 0.25, r.low), (x + 0.25, r.high)],
                        colour(0).mix(0.35).filled(),
                    )))?;
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(x - 0.25, r.mid), (x + 0.25, r.mid)],
                        colour(0).stroke_width(2),
                    )))?;
                    if let Some(o) = r.observed.filter(|o| o.is_finite() && (!log || *o > 0.0)) {
                        chart.draw_series(std::iter::once(Cross::new(
                            (x, o),
                            6,
                            colour(2).stroke_width(2),
                        )))?;
                    }
                }
            }};
        }
        if log {
            let (lo, hi) = (lo.max(1e-3) / 1.5, hi.max(1e-3) * 1.5);
            draw!(builder.build_cartesian_2d(x, (lo..hi).log_scale())?);
        } else {
            let pad = ((hi - lo) * 0.08).max(1e-9);
            draw!(builder.build_cartesian_2d(x, super::safe_range((lo - pad).min(0.0)..hi + pad))?);
        }
        root.present()?;
    }
    Ok(svg)
}

/// Leads created by hour of the week: the export's counts (points) and
/// what the fitted pattern expects (line).
pub fn week(observed: &[f64], fitted: &[f64]) -> DrawResult<String> {
    let top = observed
        .iter()
        .chain(fitted)
        .copied()
        .fold(1.0f64, f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 360)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Leads created by hour of the week (UTC)", (FONT, 17))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..168.0, 0.0..top * 1.1)?;
        let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        chart
            .configure_mesh()
            .x_labels(8)
            .x_label_formatter(&|h: &f64| {
                let d = (*h / 24.0).round() as usize;
                days.get(d).map_or(String::new(), |d| d.to_string())
            })
            .y_desc("leads")
            .label_style((FONT, 11))
            .axis_desc_style((FONT, 12))
            .draw()?;
        chart.draw_series(
            observed
                .iter()
                .enumerate()
                .map(|(h, &n)| Circle::new((h as f64 + 0.5, n), 2, colour(2).filled())),
        )?;
        chart.draw_series(LineSeries::new(
            fitted.iter().enumerate().map(|(h, &n)| (h as f64 + 0.5, n)),
            colour(0).stroke_width(2),
        ))?;
        root.present()?;
    }
    Ok(svg)
}

/// The speed-to-lead curve: each bin's observed multiplier (crosses) and
/// the fitted, non-increasing curve (line), against hours to first
/// contact on a log scale.
pub fn curve(observed: &[(f64, f64)], fitted: &[(f64, f64)]) -> DrawResult<String> {
    let far = observed
        .iter()
        .chain(fitted)
        .map(|p| p.0)
        .fold(2.0f64, f64::max)
        * 1.5;
    let top = observed
        .iter()
        .chain(fitted)
        .map(|p| p.1)
        .fold(1.0f64, f64::max)
        * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 360)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Qualification by time to first contact (relative to the fastest bin)",
                (FONT, 17),
            )
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((0.1..far).log_scale(), 0.0..top)?;
        chart
            .configure_mesh()
            .x_desc("hours to first contact")
            .y_desc("multiplier")
            .label_style((FONT, 11))
            .axis_desc_style((FONT, 12))
            .draw()?;
        chart.draw_series(LineSeries::new(
            fitted.iter().map(|&(h, m)| (h.max(0.1), m)),
            colour(0).stroke_width(2),
        ))?;
        chart.draw_series(
            observed
                .iter()
                .map(|&(h, m)| Cross::new((h.max(0.1), m), 6, colour(2).stroke_width(2))),
        )?;
        root.present()?;
    }
    Ok(svg)
}
