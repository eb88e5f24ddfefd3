//! The distribution of time to first contact: one CDF per policy.

use plotters::prelude::*;

use super::{cells, colour, estimate, policy_lines, DrawResult, FONT};
use crate::summary::Summary;

pub fn render(summary: &Summary) -> DrawResult<String> {
    let cells = cells(summary);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Time to first contact, all contacted leads", (FONT, 20))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d((0.1f64..10_000.0).log_scale(), 0.0f64..1.0)?;
        chart
            .configure_mesh()
            .x_desc("hours from arrival to first contact (log scale)")
            .y_desc("share of contacted leads")
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .x_label_formatter(&|v| {
                if *v < 1.0 {
                    format!("{v:.1}")
                } else {
                    format!("{v:.0}")
                }
            })
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()?;
        policy_lines(
            &mut chart,
            cells
                .iter()
                .map(|cell| (cell.policy.clone(), cell.ttfc_cdf.clone())),
        )?;
        // The table's estimand on the pooled curves: each policy's median
        // time to first contact as the table gives it (the mean of the
        // replications' medians), marked at the 50 % line.
        for (i, cell) in cells.iter().enumerate() {
            if let Some(e) = estimate(cell, crate::metrics::Metric::TtfcMedian) {
                let x = e.mean.clamp(0.1, 10_000.0);
                chart.draw_series(std::iter::once(Cross::new(
                    (x, 0.5),
                    7,
                    colour(i).stroke_width(3),
                )))?;
            }
        }
        root.present()?;
    }
    Ok(svg)
}
