//! Outcome bands: the p10 to p90 range of revenue and gross profit across
//! replications, per policy, with the median marked.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use super::{category_name, cells, colour, estimate, inset, slots, DrawResult, FONT};
use crate::metrics::Metric;
use crate::summary::Summary;

pub fn render(summary: &Summary) -> DrawResult<String> {
    let cells = cells(summary);
    let names: Vec<String> = cells.iter().map(|c| c.policy.clone()).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1100, 520)).into_drawing_area();
        root.fill(&WHITE)?;
        let panels = root.split_evenly((1, 2));
        for (panel, metric) in panels.iter().zip([Metric::NetRevenue, Metric::GrossProfit]) {
            let title = super::with_money_units(summary, metric, &metric.info().chart_title());
            let bands: Vec<Option<(f64, f64, f64)>> = cells
                .iter()
                .map(|c| estimate(c, metric).map(|e| (e.p10 / 1e6, e.p50 / 1e6, e.p90 / 1e6)))
                .collect();
            let lo = bands
                .iter()
                .flatten()
                .map(|b| b.0)
                .fold(f64::INFINITY, f64::min);
            let hi = bands
                .iter()
                .flatten()
                .map(|b| b.2)
                .fold(f64::NEG_INFINITY, f64::max);
            let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
            let pad = ((hi - lo) * 0.1).max(1e-6);
            let mut chart = ChartBuilder::on(panel)
                .caption(format!("{title}: p10 to p90, median marked"), (FONT, 17))
                .margin(12)
                .x_label_area_size(34)
                .y_label_area_size(60)
                .build_cartesian_2d(
                    slots(names.len()).into_segmented(),
                    super::safe_range((lo - pad)..(hi + pad)),
                )?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_label_formatter(&|v| category_name(&names, v))
                .label_style((FONT, 12))
                .draw()?;
            for (i, band) in bands.iter().enumerate() {
                let Some((p10, p50, p90)) = *band else {
                    continue;
                };
                let c = colour(i);
                chart.draw_series(std::iter::once(inset(
                    [
                        (SegmentValue::Exact(i), p10),
                        (SegmentValue::Exact(i + 1), p90),
                    ],
                    c.mix(0.6).filled(),
                    (0, 0, 20, 20),
                )))?;
                chart.draw_series(std::iter::once(
                    EmptyElement::at((SegmentValue::CenterOf(i), p50))
                        + PathElement::new(vec![(-34, 0), (34, 0)], BLACK.stroke_width(3)),
                ))?;
            }
        }
        root.present()?;
    }
    Ok(svg)
}
