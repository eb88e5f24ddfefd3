//! The executive summary: two or three plain sentences derived from the
//! verdicts and means, never invented text. Which policy has the best mean
//! on each headline metric; for each policy against the baseline, what is
//! clearly better, clearly worse and not distinguishable; with stress
//! worlds, which policy holds up best. The terminal table and the HTML
//! report print the same sentences.

use crate::format::{human, per_horizon};
use crate::metrics::{Direction, Metric, Unit, Verdict, HEADLINE, ROBUSTNESS};
use crate::summary::{Summary, BASE_WORLD};

/// The metrics the "best on" sentence names.
const BEST_ON: [Metric; 4] = [
    Metric::LeadToWin,
    Metric::TtfcMedian,
    Metric::GrossProfit,
    Metric::GiniKept,
];

/// A value with its unit, for a sentence.
pub fn value(s: &Summary, metric: Metric, v: f64) -> String {
    let unit = metric.unit();
    let text = human(v, unit);
    match unit {
        Unit::Hours => format!("{text} h"),
        Unit::Money if metric.info().total => {
            let currency = s
                .currency
                .as_deref()
                .map_or(String::new(), |c| format!(" {c}"));
            format!("{text}{currency} {}", per_horizon(s.horizon_days))
        }
        Unit::Money => match s.currency.as_deref() {
            Some(c) => format!("{text} {c}"),
            None => text,
        },
        _ => text,
    }
}

/// "a, b and c".
pub fn list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The policy with the best mean on `metric` in `world`, with its mean.
fn best<'s>(s: &'s Summary, world: &str, k: Metric) -> Option<(&'s str, f64)> {
    let higher = match k.direction() {
        Direction::HigherIsBetter => true,
        Direction::LowerIsBetter => false,
        Direction::Neutral => return None,
    };
    s.world_cells(world)
        .into_iter()
        .filter_map(|c| c.metrics[k].map(|e| (c.policy.as_str(), e.mean)))
        .fold(None, |acc: Option<(&str, f64)>, (p, v)| match acc {
            Some((_, b)) if (higher && b >= v) || (!higher && b <= v) => acc,
            _ => Some((p, v)),
        })
}

/// The summary's sentences, in reading order.
pub fn sentences(s: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    let cells = s.world_cells(BASE_WORLD);
    if cells.is_empty() {
        return out;
    }
    let bests: Vec<String> = BEST_ON
        .iter()
        .filter_map(|&m| {
            best(s, BASE_WORLD, m)
                .map(|(p, v)| format!("{}: {p} ({})", m.info().phrase, value(s, m, v)))
        })
        .collect();
    if cells.len() > 1 && !bests.is_empty() {
        out.push(format!("Best mean on {}.", bests.join("; ")));
    }
    for c in cells.iter().filter(|c| c.policy != s.baseline) {
        let mut better = Vec::new();
        let mut worse = Vec::new();
        let mut unclear = Vec::new();
        for k in HEADLINE {
            let name = k.info().phrase;
            if k.direction() == Direction::Neutral || c.vs_baseline[k].is_none() {
                continue;
            }
            match c.verdicts[k] {
                Verdict::Better => better.push(name),
                Verdict::Worse => worse.push(name),
                Verdict::NoClearDifference => unclear.push(name),
            }
        }
        let mut parts = Vec::new();
        if !better.is_empty() {
            parts.push(format!("clearly better on {}", list(&better)));
        }
        if !worse.is_empty() {
            parts.push(format!("clearly worse on {}", list(&worse)));
        }
        if !unclear.is_empty() {
            parts.push(format!("not distinguishable on {}", list(&unclear)));
        }
        if !parts.is_empty() {
            out.push(format!(
                "Against {}, {} is {}.",
                s.baseline,
                c.policy,
                parts.join("; ")
            ));
        }
    }
    if !s.robustness.is_empty() && cells.len() > 1 {
        let mut parts = Vec::new();
        for metric in ROBUSTNESS {
            let higher = match metric.direction() {
                Direction::HigherIsBetter => true,
                Direction::LowerIsBetter => false,
                Direction::Neutral => continue,
            };
            let most_robust = s.robustness.iter().filter(|r| r.metric == metric).fold(
                None,
                |acc: Option<&crate::summary::Robustness>, r| match acc {
                    Some(b)
                        if (higher && b.worst_value >= r.worst_value)
                            || (!higher && b.worst_value <= r.worst_value) =>
                    {
                        acc
                    }
                    _ => Some(r),
                },
            );
            if let Some(r) = most_robust {
                let name = metric.info().phrase;
                let tied: Vec<&str> = s
                    .robustness
                    .iter()
                    .filter(|o| o.metric == metric && o.worst_value == r.worst_value)
                    .map(|o| o.policy.as_str())
                    .collect();
                if tied.len() == cells.len() {
                    parts.push(format!(
                        "{name}: every policy alike (worst {})",
                        value(s, metric, r.worst_value)
                    ));
                } else if tied.len() > 1 {
                    parts.push(format!(
                        "{name}: {} alike (worst {})",
                        list(&tied),
                        value(s, metric, r.worst_value)
                    ));
                } else {
                    parts.push(format!(
                        "{name}: {} (worst {} in `{}`)",
                        r.policy,
                        value(s, metric, r.worst_value),
                        r.worst_world
                    ));
                }
            }
        }
        if !parts.is_empty() {
            out.push(format!(
                "Most robust across the {} worlds (the best worst case) on {}.",
                s.worlds.len(),
                parts.join("; ")
            ));
        }
    }
    out.extend(pipeline_taken(s));
    out
}

/// For each stress world in which leaving partners took open sourced
/// pipeline with them: what it cost, per policy, against the base world.
fn pipeline_taken(s: &Summary) -> Vec<String> {
    let mean = |c: &crate::summary::Cell, m: Metric| c.metrics[m].map_or(0.0, |e| e.mean);
    let money = |v: f64| {
        let currency = s
            .currency
            .as_deref()
            .map_or(String::new(), |c| format!(" {c}"));
        format!("{}{currency}", human(v, Unit::Money))
    };
    let mut out = Vec::new();
    for world in s.worlds.iter().filter(|w| w.as_str() != BASE_WORLD) {
        let parts: Vec<String> = s
            .world_cells(world)
            .into_iter()
            .filter(|c| mean(c, Metric::SourcedPipelineLost) > 0.0)
            .map(|c| {
                let base = s
                    .world_cells(BASE_WORLD)
                    .into_iter()
                    .find(|b| b.policy == c.policy)
                    .map_or(0.0, |b| mean(b, Metric::PartnerSourcedRevenue));
                format!(
                    "under {} open pipeline worth {} in deal size, and partner-sourced revenue {} against {} in the base world",
                    c.policy,
                    money(mean(c, Metric::SourcedPipelineLost)),
                    money(mean(c, Metric::PartnerSourcedRevenue)),
                    money(base),
                )
            })
            .collect();
        if !parts.is_empty() {
            out.push(format!(
                "In `{world}`, partners that left took their own deals with them (means {}): {}.",
                per_horizon(s.horizon_days),
                parts.join("; ")
            ));
        }
    }
    out
}
