//! Headline metrics per policy: bars with 95 % CI whiskers, one panel each.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use super::{
    category_font, category_name, cells, colour, estimate, inset, slots, DrawResult, FONT,
};
use crate::metrics::Metric;
use crate::summary::Summary;

/// The panels, in order. Money titles get their currency and period from
/// `with_money_units`.
const PANELS: [Metric; 6] = [
    Metric::LeadToOpportunity,
    Metric::LeadToWin,
    Metric::TtfcMedian,
    Metric::TtfcP90,
    Metric::AvgDealSize,
    Metric::GrossProfit,
];

pub fn render(summary: &Summary) -> DrawResult<String> {
    let cells = cells(summary);
    let names: Vec<String> = cells.iter().map(|c| c.policy.clone()).collect();
    let mut svg = String::new();
    {
        // Names that would not fit side by side under a panel are turned.
        let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(1);
        let rotate = names.len() * (longest * 7 + 8) > 520;
        let label_area = if rotate {
            (longest * 7 + 12) as u32
        } else {
            34
        };
        let root =
            SVGBackend::with_string(&mut svg, (1200, 3 * (260 + label_area))).into_drawing_area();
        root.fill(&WHITE)?;
        let panels = root.split_evenly((3, 2));
        for (panel, metric) in panels.iter().zip(PANELS) {
            let (scale, _) = metric.info().chart_scale();
            let title = super::with_money_units(summary, metric, &metric.info().chart_title());
            let values: Vec<Option<(f64, f64, f64)>> = cells
                .iter()
                .map(|c| {
                    estimate(c, metric).map(|e| {
                        let (lo, hi) = e.ci95.unwrap_or((e.mean, e.mean));
                        (e.mean * scale, lo * scale, hi * scale)
                    })
                })
                .collect();
            let top = values
                .iter()
                .flatten()
                .map(|v| v.2.max(v.0))
                .fold(0.0, f64::max);
            let bottom = values
                .iter()
                .flatten()
                .map(|v| v.1.min(v.0))
                .fold(0.0, f64::min);
            let span = (top - bottom).max(1e-9);
            let mut chart = ChartBuilder::on(panel)
                .caption(&title, (FONT, 17))
                .margin(12)
                .x_label_area_size(label_area)
                .y_label_area_size(56)
                .build_cartesian_2d(
                    slots(names.len()).into_segmented(),
                    super::safe_range((bottom - 0.02 * span)..(top + 0.1 * span)),
                )?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_label_formatter(&|v| category_name(&names, v))
                .x_label_style(category_font(rotate))
                .y_label_style((FONT, 12))
                .draw()?;
            for (i, v) in values.iter().enumerate() {
                let Some((mean, lo, hi)) = *v else { continue };
                let fill = colour(i).filled();
                chart.draw_series(std::iter::once(inset(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), mean),
                    ],
                    fill,
                    (0, 0, 12, 12),
                )))?;
                chart.draw_series(std::iter::once(ErrorBar::new_vertical(
                    SegmentValue::CenterOf(i),
                    lo,
                    mean,
                    hi,
                    BLACK.stroke_width(2),
                    12,
                )))?;
            }
        }
        root.present()?;
    }
    Ok(svg)
}
