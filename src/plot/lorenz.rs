//! Lorenz curves of leads kept (to first contact) per unit of capacity
//! across partners, per policy.

use plotters::prelude::*;

use super::{cells, estimate, policy_lines, DrawResult, FONT};
use crate::summary::Summary;

/// The Lorenz curve of `values`: (cumulative share of partners, cumulative
/// share of the total), starting at (0, 0).
pub fn lorenz_points(values: &[f64]) -> Vec<(f64, f64)> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let total: f64 = sorted.iter().sum();
    let n = sorted.len() as f64;
    let mut points = vec![(0.0, 0.0)];
    let mut running = 0.0;
    for (i, v) in sorted.iter().enumerate() {
        running += v;
        points.push((
            (i + 1) as f64 / n,
            if total > 0.0 { running / total } else { 0.0 },
        ));
    }
    points
}

pub fn render(summary: &Summary) -> DrawResult<String> {
    let cells = cells(summary);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 640)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Leads kept per unit of capacity across partners",
                (FONT, 20),
            )
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0f64..1.0, 0.0f64..1.0)?;
        chart
            .configure_mesh()
            .x_desc("share of partners, fewest leads first")
            .y_desc("share of leads kept")
            .x_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()?;
        chart
            .draw_series(LineSeries::new(
                vec![(0.0, 0.0), (1.0, 1.0)],
                BLACK.mix(0.4).stroke_width(1),
            ))?
            .label("perfect equality")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.4)));
        policy_lines(
            &mut chart,
            cells.iter().map(|cell| {
                let per_capacity: Vec<f64> = cell
                    .partners
                    .iter()
                    .map(|p| p.kept / p.capacity as f64)
                    .collect();
                let gini = estimate(cell, crate::metrics::Metric::GiniKept)
                    .map_or("n/a".to_string(), |e| format!("{:.3}", e.mean));
                (
                    format!("{} (Gini {gini})", cell.policy),
                    lorenz_points(&per_capacity),
                )
            }),
        )?;
        root.present()?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lorenz_of_equal_and_concentrated_values() {
        assert_eq!(
            lorenz_points(&[2.0, 2.0]),
            vec![(0.0, 0.0), (0.5, 0.5), (1.0, 1.0)]
        );
        assert_eq!(
            lorenz_points(&[0.0, 4.0]),
            vec![(0.0, 0.0), (0.5, 0.0), (1.0, 1.0)]
        );
    }
}
