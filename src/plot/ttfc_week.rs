//! Time to first contact by the hour of the week the lead arrived in: one
//! line per policy, Monday to Sunday (UTC), so the evening and weekend
//! effect of working hours is visible.

use plotters::prelude::*;

use super::{cells, policy_lines, DrawResult, FONT};
use crate::calendar::{WEEKDAYS, WEEK_HOURS};
use crate::summary::Summary;

pub fn render(summary: &Summary) -> DrawResult<String> {
    let cells = cells(summary);
    let lines: Vec<(String, Vec<(f64, f64)>)> = cells
        .iter()
        .map(|c| {
            let points = c
                .ttfc_by_hour
                .iter()
                .enumerate()
                .filter_map(|(h, v)| v.map(|v| (h as f64 + 0.5, v)))
                .collect();
            (c.policy.clone(), points)
        })
        .collect();
    let top = lines
        .iter()
        .flat_map(|(_, p)| p.iter().map(|v| v.1))
        .fold(0.0f64, f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 520)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Mean time to first contact by hour of the week of arrival (UTC)",
                (FONT, 20),
            )
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..WEEK_HOURS, super::safe_range(0.0..top * 1.1))?;
        let y_max = super::safe_range(0.0..top * 1.1).end;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(8)
            .x_label_formatter(&|h| format!("{:.0}", h))
            .x_desc("hour of the week of arrival (0 = Monday 00:00 UTC)")
            .y_desc("hours to first contact")
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()?;
        // Day boundaries, each day named along the bottom (the lines stay
        // above it: nobody is contacted at once after hours).
        for (d, name) in WEEKDAYS.iter().enumerate() {
            let x = d as f64 * 24.0;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, 0.0), (x, y_max)],
                BLACK.mix(0.25),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                name.to_string(),
                (x + 9.0, y_max * 0.07),
                (FONT, 14),
            )))?;
        }
        policy_lines(&mut chart, lines)?;
        root.present()?;
    }
    Ok(svg)
}
