//! Leads and earnings per partner, grouped by policy, partners sorted.
//! Horizontal bars, so 30 or more partner names never overlap.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use super::{category_name, cells, colour, money_label, slots, DrawResult, FONT};
use crate::summary::Summary;

pub fn render(summary: &Summary) -> DrawResult<String> {
    let cells = cells(summary);
    let n_partners = cells.first().map_or(0, |c| c.partners.len());
    let n_policies = cells.len().max(1);
    // Partners from most to fewest leads (mean over policies), top down.
    let mut order: Vec<usize> = (0..n_partners).collect();
    let total_leads = |p: usize| cells.iter().map(|c| c.partners[p].leads).sum::<f64>();
    order.sort_by(|&a, &b| total_leads(b).total_cmp(&total_leads(a)).then(a.cmp(&b)));
    // Slot 0 is the bottom row, so the names run bottom up.
    let names: Vec<String> = order
        .iter()
        .rev()
        .map(|&p| cells[0].partners[p].partner.clone())
        .collect();
    let row = (4 * n_policies + 6) as u32;
    let height = (n_partners as u32 * row + 140).max(360);
    let label_width = names.iter().map(|n| n.chars().count()).max().unwrap_or(4) as u32 * 8 + 16;

    // Legend places: (x, y) of each policy's swatch, wrapping at the width.
    let mut legend_places = Vec::new();
    let (mut x, mut y) = (16i32, 14i32);
    for c in &cells {
        let width = 20 + 8 * c.policy.chars().count() as i32 + 24;
        if x > 16 && x + width > 1184 {
            x = 16;
            y += 24;
        }
        legend_places.push((x, y));
        x += width;
    }
    let legend_height = (y + 28) as u32;
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (1200, height + legend_height)).into_drawing_area();
        root.fill(&WHITE)?;
        let (legend, body) = root.split_vertically(legend_height);
        // The legend: one swatch and name per policy, wrapped to the width.
        for (k, (x, y)) in legend_places.iter().enumerate() {
            legend.draw(&Rectangle::new(
                [(*x, *y), (x + 14, y + 14)],
                colour(k).filled(),
            ))?;
            legend.draw(&Text::new(
                cells[k].policy.clone(),
                (x + 20, *y),
                (FONT, 14),
            ))?;
        }
        let (left, right) = body.split_horizontally(600);
        type Panel<'p, A> = (
            &'p A,
            &'static str,
            fn(&crate::summary::PartnerRow) -> f64,
            fn(&f64) -> String,
        );
        let panels: [Panel<_>; 2] = [
            (&left, "Leads received", |p| p.leads, |v| format!("{v:.0}")),
            (&right, "Payouts", |p| p.payouts, |v| money_label(*v)),
        ];
        let per = crate::format::per_horizon(summary.horizon_days);
        for (area, title, value, x_label) in panels {
            let title = if title == "Payouts" {
                match summary.currency.as_deref() {
                    Some(c) => format!("Payouts ({c}, mean {per})"),
                    None => format!("Payouts (mean {per})"),
                }
            } else {
                format!("{title} (mean {per})")
            };
            let top = cells
                .iter()
                .flat_map(|c| c.partners.iter().map(value))
                .fold(0.0, f64::max)
                .max(1e-9);
            let mut chart = ChartBuilder::on(area)
                .caption(&title, (FONT, 17))
                .margin(12)
                .x_label_area_size(36)
                .y_label_area_size(label_width)
                .build_cartesian_2d(
                    super::safe_range(0.0..top * 1.05),
                    slots(n_partners).into_segmented(),
                )?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .x_label_formatter(&x_label)
                .y_labels(n_partners.max(1))
                .y_label_formatter(&|v| category_name(&names, v))
                .label_style((FONT, 12))
                .draw()?;
            for (k, cell) in cells.iter().enumerate() {
                let fill = colour(k).filled();
                chart.draw_series(order.iter().enumerate().map(|(rank, &p)| {
                    let slot = n_partners - 1 - rank;
                    let v = value(&cell.partners[p]);
                    // Each policy takes a thin band of the partner's row.
                    let mut bar = Rectangle::new(
                        [
                            (0.0, SegmentValue::Exact(slot)),
                            (v, SegmentValue::Exact(slot + 1)),
                        ],
                        fill,
                    );
                    let band = (row as i32 - 6) / n_policies as i32;
                    let above = 3 + band * k as i32;
                    let below = row as i32 - 3 - band * (k as i32 + 1);
                    bar.set_margin(above.max(0) as u32, below.max(0) as u32, 0, 0);
                    bar
                }))?;
            }
        }
        root.present()?;
    }
    Ok(svg)
}
