//! Power against pilot length: how likely a pilot of each length is to show
//! the difference, with Monte Carlo error bars and the 80 % line.

use plotters::prelude::*;

use super::{colour, DrawResult, FONT};
use crate::analyses::power::PowerResult;

pub fn render(title: &str, curve: &[PowerResult]) -> DrawResult<String> {
    let max_weeks = curve.iter().map(|p| p.weeks).fold(1.0, f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(super::safe_range(0.0..max_weeks * 1.05), 0.0..1.0)?;
        chart
            .configure_mesh()
            .x_desc("pilot length (weeks)")
            .y_desc("power: chance the pilot shows the difference")
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()?;
        chart.draw_series(LineSeries::new(
            vec![(0.0, 0.8), (max_weeks * 1.05, 0.8)],
            BLACK.mix(0.4).stroke_width(1),
        ))?;
        let c = colour(0);
        chart.draw_series(LineSeries::new(
            curve.iter().map(|p| (p.weeks, p.power)),
            c.stroke_width(3),
        ))?;
        chart.draw_series(curve.iter().map(|p| {
            ErrorBar::new_vertical(
                p.weeks,
                (p.power - 2.0 * p.power_se).max(0.0),
                p.power,
                (p.power + 2.0 * p.power_se).min(1.0),
                c.stroke_width(2),
                8,
            )
        }))?;
        root.present()?;
    }
    Ok(svg)
}
