//! Optimisation charts: the best feasible objective after each evaluation
//! (convergence), and the settings tried on each pair of varied range
//! fields (feasible or not, the chosen one marked).

use plotters::prelude::*;

use super::{colour, DrawResult, FONT};

/// The best feasible objective after each evaluation; `best` holds `None`
/// until a feasible setting is found.
pub fn convergence(objective: &str, best: &[Option<f64>]) -> DrawResult<String> {
    let points: Vec<(f64, f64)> = best
        .iter()
        .enumerate()
        .filter_map(|(i, b)| b.map(|v| ((i + 1) as f64, v)))
        .collect();
    let n = best.len().max(1) as f64;
    let lo = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let span = (hi - lo).abs().max(hi.abs() * 1e-6).max(1e-9);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 480)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("Best feasible {objective} after each evaluation"),
                (FONT, 18),
            )
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(
                super::safe_range(0.0..n + 1.0),
                super::safe_range((lo - 0.08 * span)..(hi + 0.08 * span)),
            )?;
        chart
            .configure_mesh()
            .x_desc("evaluations")
            .y_desc(objective)
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 12))
            .draw()?;
        let c = colour(0);
        chart.draw_series(LineSeries::new(points.iter().copied(), c.stroke_width(2)))?;
        chart.draw_series(
            points
                .iter()
                .map(|&(x, y)| Circle::new((x, y), 2, c.filled())),
        )?;
        root.present()?;
    }
    Ok(svg)
}

/// The settings tried on fields `x` and `y` (their values per evaluation):
/// feasible in colour, infeasible in grey, the chosen one ringed.
pub fn explored(
    x_name: &str,
    y_name: &str,
    points: &[(f64, f64, bool)],
    chosen: Option<(f64, f64)>,
) -> DrawResult<String> {
    let range = |v: &mut dyn Iterator<Item = f64>| {
        let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
        let pad = ((hi - lo) * 0.05).max(1e-9);
        if lo.is_finite() {
            (lo - pad)..(hi + pad)
        } else {
            0.0..1.0
        }
    };
    let xr = range(&mut points.iter().map(|p| p.0));
    let yr = range(&mut points.iter().map(|p| p.1));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 560)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("Settings tried: {y_name} by {x_name}"), (FONT, 15))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(super::safe_range(xr), super::safe_range(yr))?;
        chart
            .configure_mesh()
            .x_desc(x_name)
            .y_desc(y_name)
            .label_style((FONT, 11))
            .axis_desc_style((FONT, 11))
            .draw()?;
        let c = colour(0);
        chart.draw_series(points.iter().map(|&(x, y, feasible)| {
            if feasible {
                Circle::new((x, y), 4, c.filled())
            } else {
                Circle::new((x, y), 4, RGBColor(170, 170, 170).filled())
            }
        }))?;
        if let Some((x, y)) = chosen {
            chart.draw_series(std::iter::once(Circle::new(
                (x, y),
                9,
                colour(2).stroke_width(3),
            )))?;
        }
        root.present()?;
    }
    Ok(svg)
}
