//! Health: what makes a run's figures unfit to act on, one line per kind
//! of problem, naming the cause and the policies, before any table.
//!
//! - `partners_leaving`: partners leave on their own (earnings under their
//!   floor; partners a stress world scripts out do not count) in at least
//!   [`LEAVING_MIN`] partner per replication on average;
//! - `queue_growing`: partners' queues still growing when the horizon ends
//!   (more than a day of their leads waiting, up [`QUEUE_GROWTH`] from the
//!   middle of the horizon);
//! - `house_overflow`: the same of the house's queue;
//! - `unreached`: at least [`UNREACHED_SHARE`] of the leads never contacted
//!   (routed to nobody, or dropped after waiting).

use crate::format::human;
use crate::metrics::Metric;
use crate::metrics::Unit;
use crate::model::{Model, WorldEventKind, HOURS_PER_DAY};
use crate::runner::Results;

/// Partners leaving per replication, on average, that make a problem.
pub const LEAVING_MIN: f64 = 1.0;
/// How much a queue must grow from the middle to the end of the horizon to
/// count as still growing (10 %, and at least one lead: less is within the
/// noise of a steady queue).
pub const QUEUE_GROWTH: f64 = 1.1;
/// The share of leads never contacted that makes a problem.
pub const UNREACHED_SHARE: f64 = 0.05;

/// One kind of problem.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Health {
    /// `partners_leaving`, `queue_growing`, `house_overflow`, `unreached`.
    pub kind: &'static str,
    /// The policies and worlds it shows in.
    pub policies: Vec<String>,
    pub worlds: Vec<String>,
    /// The worst figure: partners leaving per replication, days of leads
    /// waiting, the share of leads never contacted.
    pub figure: f64,
    pub sentence: String,
    /// The long form, one line per policy and world (the report's detail).
    pub details: Vec<String>,
}

/// One cell's finding: the figure and its detail line.
struct Finding {
    policy: usize,
    world: usize,
    figure: f64,
    detail: String,
}

/// Every kind of problem the run shows, in a fixed order.
pub fn health(model: &Model, results: &Results) -> Vec<Health> {
    let reps = results.replications.max(1) as f64;
    let mut leaving = Vec::new();
    let mut queues = Vec::new();
    let mut house = Vec::new();
    let mut unreached = Vec::new();
    for (w, world) in model.worlds.iter().enumerate() {
        let scripted: Vec<usize> = world
            .events
            .iter()
            .filter_map(|e| match e.kind {
                WorldEventKind::PartnerExit { partner } => Some(partner),
                WorldEventKind::Consolidation { acquired, .. } => Some(acquired),
                _ => None,
            })
            .collect();
        for (p, policy) in model.policies.iter().enumerate() {
            let cell = results.cell(w, p);
            let sums = &results.partners[cell];
            let (mut left, mut day_sum) = (0.0, 0.0);
            for (i, s) in sums.iter().enumerate() {
                if !scripted.contains(&i) {
                    left += s.left_replications as f64 / reps;
                    day_sum += s.left_day_sum / reps;
                }
            }
            if left >= LEAVING_MIN {
                let lag = policy.payout.pay_lag_hours / HOURS_PER_DAY;
                let lag = if lag > 0.0 {
                    format!(", paid {} days after a win", human(lag, Unit::Count))
                } else {
                    String::new()
                };
                leaving.push(Finding {
                    policy: p,
                    world: w,
                    figure: left,
                    detail: format!(
                        "{} of {} partners leave, around day {}, after their earnings stayed under their floor (`min_period_earnings`) for `patience_periods` reviews in a row{lag}",
                        human(left, Unit::Count),
                        sums.len(),
                        human(day_sum / left, Unit::Count)
                    ),
                });
            }
            for (h, figure, detail) in growing(model, results, cell) {
                let finding = Finding {
                    policy: p,
                    world: w,
                    figure,
                    detail,
                };
                if h < model.partners.len() {
                    queues.push(finding);
                } else {
                    house.push(finding);
                }
            }
            let m = &results.metrics[cell];
            let mean = |k: Metric| m[k].estimate().map_or(0.0, |e| e.mean);
            let leads = mean(Metric::Leads);
            let never = mean(Metric::Unrouted) + mean(Metric::Dropped);
            if leads > 0.0 && never / leads >= UNREACHED_SHARE {
                unreached.push(Finding {
                    policy: p,
                    world: w,
                    figure: never / leads,
                    detail: format!(
                        "{} of {} leads never contacted ({} routed to nobody, {} dropped after waiting)",
                        human(never, Unit::Count),
                        human(leads, Unit::Count),
                        human(mean(Metric::Unrouted), Unit::Count),
                        human(mean(Metric::Dropped), Unit::Count)
                    ),
                });
            }
        }
    }
    let mut out = Vec::new();
    let kinds = [
        ("partners_leaving", leaving),
        ("queue_growing", merge_queues(queues)),
        ("house_overflow", house),
        ("unreached", unreached),
    ];
    for (kind, findings) in kinds {
        if let Some(h) = gather(model, kind, findings) {
            out.push(h);
        }
    }
    out
}

/// Several holders' findings in one cell become one.
fn merge_queues(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for f in findings {
        match out.last_mut() {
            Some(last) if last.policy == f.policy && last.world == f.world => {
                last.figure = last.figure.max(f.figure);
                last.detail = format!("{}, {}", last.detail, f.detail);
            }
            _ => out.push(f),
        }
    }
    out
}

/// Holders of `cell` whose queue at the end of the horizon holds more than
/// a day of their arrivals and is still growing: (holder, days of its leads
/// waiting, the detail).
fn growing(model: &Model, results: &Results, cell: usize) -> Vec<(usize, f64, String)> {
    let reps = results.replications.max(1) as f64;
    let days = model.horizon_days();
    let Some(queues) = results.queues.get(cell) else {
        return Vec::new();
    };
    queues
        .iter()
        .enumerate()
        .filter_map(|(h, q)| {
            let (mid, end) = (q.mid_horizon / reps, q.end_of_horizon / reps);
            let per_day = q.assigned / reps / days;
            let growing = end > mid * QUEUE_GROWTH && end - mid >= 1.0;
            (per_day > 0.0 && end > per_day && growing).then(|| {
                let holder = model
                    .partners
                    .get(h)
                    .map_or("the house".to_string(), |p| format!("`{}`", p.name));
                let detail = format!(
                    "{holder} ({end:.0} waiting at the end, {:.1} days of its leads, up from {mid:.0} at mid-horizon)",
                    end / per_day
                );
                (h, end / per_day, detail)
            })
        })
        .collect()
}

/// One line for a kind: the policies and worlds it shows in, the worst
/// figure, and the cause.
fn gather(model: &Model, kind: &'static str, findings: Vec<Finding>) -> Option<Health> {
    let worst = findings
        .iter()
        .max_by(|a, b| a.figure.total_cmp(&b.figure))?;
    let mut policies: Vec<usize> = findings.iter().map(|f| f.policy).collect();
    policies.sort_unstable();
    policies.dedup();
    let mut worlds: Vec<usize> = findings.iter().map(|f| f.world).collect();
    worlds.sort_unstable();
    worlds.dedup();
    let names = |ps: &[usize]| -> Vec<String> {
        ps.iter().map(|&p| model.policies[p].name.clone()).collect()
    };
    let quoted = |ps: &[usize]| -> Vec<String> {
        ps.iter()
            .map(|&p| format!("`{}`", model.policies[p].name))
            .collect()
    };
    let world_names: Vec<String> = worlds
        .iter()
        .map(|&w| model.worlds[w].name.clone())
        .collect();
    let under = if policies.len() == model.policies.len() && policies.len() > 1 {
        "under every policy".to_string()
    } else {
        format!("under {}", quoted(&policies).join(", "))
    };
    let place = if worlds.len() == 1 && worlds[0] == 0 {
        String::new()
    } else {
        format!(" (worlds: {})", world_names.join(", "))
    };
    let worst_at = if findings.len() > 1 {
        format!(
            " (worst: {} in `{}`)",
            model.policies[worst.policy].name, model.worlds[worst.world].name
        )
    } else {
        String::new()
    };
    let sentence = match kind {
        "partners_leaving" => format!(
            "Partners leaving {under}{place}: {}{worst_at}.",
            worst.detail
        ),
        "queue_growing" => format!(
            "Queues are still growing when the horizon ends {under}{place}, so time to first contact, wins and revenue depend on `horizon_days`: up to {:.1} days of a partner's leads waiting{worst_at}.",
            worst.figure
        ),
        "house_overflow" => format!(
            "The house cannot keep up {under}{place}: {:.1} days of its leads waiting at the end and growing{worst_at}.",
            worst.figure
        ),
        _ => format!(
            "Leads go uncontacted {under}{place}: {}{worst_at}.",
            worst.detail
        ),
    };
    let details = findings
        .iter()
        .map(|f| {
            format!(
                "`{}` in `{}`: {}",
                model.policies[f.policy].name, model.worlds[f.world].name, f.detail
            )
        })
        .collect();
    Some(Health {
        kind,
        policies: names(&policies),
        worlds: world_names,
        figure: worst.figure,
        sentence,
        details,
    })
}
