//! The terminal comparison table: one row per policy, headline metrics as
//! mean ± 95 % CI half-width, then the paired differences from the baseline.

use std::fmt::Write;

use super::format::{human, human_diff, human_half_width};
use crate::metrics::{index_of, METRICS};
use crate::summary::Summary;

/// The headline columns, in order: (metric, column heading).
pub const HEADLINE: [(&str, &str); 10] = [
    ("conversion.lead_to_opportunity", "lead→opp"),
    ("conversion.lead_to_win", "lead→win"),
    ("speed.ttfc_median_hours", "TTFC p50 h"),
    ("speed.ttfc_p90_hours", "TTFC p90 h"),
    ("deals.avg_deal_size", "avg deal"),
    ("deals.revenue", "revenue"),
    ("economics.payouts", "payouts"),
    ("economics.gross_profit", "gross profit"),
    ("fairness.gini_leads", "Gini leads"),
    ("fairness.max_share", "max share"),
];

fn render_grid(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c == 0 {
                let _ = write!(out, "{cell}{}", " ".repeat(pad));
            } else {
                let _ = write!(out, "  {}{cell}", " ".repeat(pad));
            }
        }
        out.push('\n');
        if i == 0 {
            let total = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
            out.push_str(&"─".repeat(total));
            out.push('\n');
        }
    }
    out
}

/// The table for one world.
pub fn render(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} replications, seed {}, baseline `{}` (mean ± 95% CI half-width)\n",
        s.scenario, s.replications, s.seed, s.baseline
    );
    let header: Vec<String> = std::iter::once("policy".to_string())
        .chain(HEADLINE.iter().map(|(_, h)| h.to_string()))
        .collect();
    let mut rows = vec![header.clone()];
    for c in &s.cells {
        let mut row = vec![c.policy.clone()];
        for (name, _) in HEADLINE {
            let k = index_of(name).expect("headline metrics are in the catalogue");
            let unit = METRICS[k].unit;
            row.push(match c.metrics[k] {
                None => "n/a".into(),
                Some(e) => match e.half_width() {
                    Some(hw) => format!("{} ±{}", human(e.mean, unit), human_half_width(hw, unit)),
                    None => human(e.mean, unit),
                },
            });
        }
        rows.push(row);
    }
    out.push_str(&render_grid(&rows));

    if s.cells.len() > 1 {
        let _ = writeln!(
            out,
            "\nPaired difference from `{}` (policy − baseline, same simulated leads):\n",
            s.baseline
        );
        let mut rows = vec![header];
        for c in s.cells.iter().filter(|c| c.policy != s.baseline) {
            let mut row = vec![c.policy.clone()];
            for (name, _) in HEADLINE {
                let k = index_of(name).expect("headline metrics are in the catalogue");
                let unit = METRICS[k].unit;
                row.push(match c.vs_baseline[k] {
                    None => "n/a".into(),
                    Some(d) => match d.half_width() {
                        Some(hw) => format!(
                            "{} ±{}",
                            human_diff(d.mean, unit),
                            human_half_width(hw, unit)
                        ),
                        None => human_diff(d.mean, unit),
                    },
                });
            }
            rows.push(row);
        }
        out.push_str(&render_grid(&rows));
    }
    for w in &s.warnings {
        let _ = writeln!(out, "\nwarning: {w}");
    }
    out
}
