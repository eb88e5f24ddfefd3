//! The terminal comparison table: one row per policy, headline metrics as
//! mean ± 95 % CI half-width, then the paired differences from the baseline.

use std::fmt::Write;

use crate::format::human;
use crate::metrics::{Direction, Metric, Verdict, HEADLINE, ROBUSTNESS};
use crate::summary::Summary;

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

/// The comparison for every world, then (with stress worlds) robustness.
pub fn render(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} replications, seed {}, baseline `{}` (mean ± 95% CI half-width; {})\n{}",
        s.scenario,
        s.replications,
        s.seed,
        s.baseline,
        crate::format::terms(s.horizon_days, s.currency.as_deref()),
        crate::format::window(s.horizon_days, s.warmup_days, s.readout_day)
    );
    for line in super::decision::sentences(s) {
        let _ = writeln!(out, "{line}");
    }
    for world in &s.worlds {
        if s.worlds.len() > 1 {
            let _ = write!(out, "\n== world `{world}` ==\n");
        }
        out.push('\n');
        render_world(s, world, &mut out);
    }
    if !s.robustness.is_empty() {
        render_robustness(s, &mut out);
    }
    let summary = super::executive::sentences(s);
    if !summary.is_empty() {
        let _ = write!(out, "\nIn short:\n");
        for line in summary {
            let _ = writeln!(out, "- {line}");
        }
    }
    out
}

fn render_world(s: &Summary, world: &str, out: &mut String) {
    let cells = s.world_cells(world);
    let header: Vec<String> = std::iter::once("policy".to_string())
        .chain(HEADLINE.iter().map(|m| m.info().column.to_string()))
        .collect();
    let row = |c: &crate::summary::Cell, diff: bool| -> Vec<String> {
        std::iter::once(c.policy.clone())
            .chain(HEADLINE.iter().map(|&k| {
                let text = crate::format::estimate_text(
                    if diff { c.vs_baseline[k] } else { c.metrics[k] },
                    k.unit(),
                    diff,
                );
                if !diff || k.direction() == Direction::Neutral {
                    return text;
                }
                let mark = match c.verdicts[k] {
                    Verdict::Better => "✔",
                    Verdict::Worse => "✘",
                    Verdict::NoClearDifference => "≈",
                };
                format!("{text} {mark}")
            }))
            .collect()
    };
    let mut rows = vec![header.clone()];
    rows.extend(cells.iter().map(|c| row(c, false)));
    out.push_str(&render_grid(&rows));
    if cells.len() > 1 {
        let _ = writeln!(
            out,
            "\nPaired difference from `{}` (policy − baseline, same simulated leads); ✔ better, ✘ worse, ≈ no clear difference (paired t-tests, Holm-adjusted at 5% within this world; the ± interval is unadjusted):\n",
            s.baseline
        );
        let mut rows = vec![header];
        rows.extend(
            cells
                .iter()
                .filter(|c| c.policy != s.baseline)
                .map(|c| row(c, true)),
        );
        out.push_str(&render_grid(&rows));
    }
}

fn render_robustness(s: &Summary, out: &mut String) {
    let _ = writeln!(
        out,
        "\n== robustness across {} worlds: worst value (world) and worst rank (world) ==\n",
        s.worlds.len()
    );
    let mut header = vec!["policy".to_string()];
    header.extend(ROBUSTNESS.iter().map(|m| m.name().to_string()));
    let mut rows = vec![header];
    for cell in s.world_cells(crate::summary::BASE_WORLD) {
        let mut row = vec![cell.policy.clone()];
        for metric in ROBUSTNESS {
            let unit = metric.unit();
            row.push(
                s.robustness
                    .iter()
                    .find(|r| r.policy == cell.policy && r.metric == metric)
                    .map_or("n/a".into(), |r| {
                        format!(
                            "{} ({}), #{} ({})",
                            human(r.worst_value, unit),
                            r.worst_world,
                            r.worst_rank,
                            r.worst_rank_world
                        )
                    }),
            );
        }
        rows.push(row);
    }
    out.push_str(&render_grid(&rows));
}

/// The sweep's points as a table: one row per grid point (and per policy
/// when the swept fields are not one policy's), the headline metrics as
/// mean ± 95 % CI half-width in the base world, and `*` on the best mean of
/// each column that has a better side.
pub fn render_sweep(
    axes: &[crate::analyses::sweep::Axis],
    runs: &[Summary],
    policy: Option<usize>,
) -> String {
    let mut header: Vec<String> = axes.iter().map(|a| a.path.clone()).collect();
    if policy.is_none() {
        header.push("policy".into());
    }
    header.extend(HEADLINE.iter().map(|m| m.info().column.to_string()));
    // (coordinates, policy, cell) for every row shown.
    let mut rows_cells = Vec::new();
    for (i, s) in runs.iter().enumerate() {
        for (p, c) in s
            .world_cells(crate::summary::BASE_WORLD)
            .into_iter()
            .enumerate()
        {
            if policy.is_none_or(|only| only == p) {
                rows_cells.push((crate::analyses::sweep::coordinates(axes, i), c));
            }
        }
    }
    let best: Vec<Option<f64>> = HEADLINE
        .iter()
        .map(|&k: &Metric| {
            let means = rows_cells
                .iter()
                .filter_map(|(_, c)| c.metrics[k].map(|e| e.mean));
            match k.direction() {
                Direction::HigherIsBetter => means.reduce(f64::max),
                Direction::LowerIsBetter => means.reduce(f64::min),
                Direction::Neutral => None,
            }
        })
        .collect();
    let mut rows = vec![header];
    for (at, c) in &rows_cells {
        let mut row: Vec<String> = at.iter().map(|v| crate::format::file_number(*v)).collect();
        if policy.is_none() {
            row.push(c.policy.clone());
        }
        for (&k, best) in HEADLINE.iter().zip(&best) {
            let text = crate::format::estimate_text(c.metrics[k], k.unit(), false);
            let is_best = best.is_some() && c.metrics[k].map(|e| e.mean) == *best;
            row.push(if is_best { format!("{text} *") } else { text });
        }
        rows.push(row);
    }
    let mut out = String::new();
    if let Some(p) = policy {
        let name = runs
            .first()
            .and_then(|s| {
                s.world_cells(crate::summary::BASE_WORLD)
                    .get(p)
                    .map(|c| c.policy.clone())
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "policy `{name}` at each point (mean ± 95% CI half-width; * best point per column):\n"
        );
    } else {
        let _ = writeln!(
            out,
            "every policy at each point (mean ± 95% CI half-width; * best row per column):\n"
        );
    }
    out.push_str(&render_grid(&rows));
    out
}
