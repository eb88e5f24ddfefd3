//! `expect` assertions evaluated on a run: what `leadsim check` prints and
//! what makes `run` and `check` exit with code 1.

use crate::format::{human, human_diff};
use crate::metrics::{Direction, METRICS};
use crate::model::{ExpectKind, Model};
use crate::runner::Results;

/// One assertion's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    /// The assertion, as a person reads it.
    pub assertion: String,
    pub passed: bool,
    /// The measured value and its 95 % interval.
    pub measured: String,
}

fn interval(ci: Option<(f64, f64)>, unit: crate::metrics::Unit, diff: bool) -> String {
    let f = |v| {
        if diff {
            human_diff(v, unit)
        } else {
            human(v, unit)
        }
    };
    ci.map_or("no interval (one replication)".into(), |(lo, hi)| {
        format!("95% CI {} to {}", f(lo), f(hi))
    })
}

/// Evaluates every assertion of the model on `results`.
pub fn evaluate(model: &Model, results: &Results) -> Vec<CheckResult> {
    let n = model.policies.len();
    model
        .expectations
        .iter()
        .map(|e| {
            let metric = METRICS[e.metric];
            let unit = metric.unit;
            let name = &model.policies[e.policy].name;
            let world = &model.worlds[e.world].name;
            let place = if world == crate::model::BASE_WORLD {
                String::new()
            } else {
                format!(" in world `{world}`")
            };
            let cell = &results.metrics[e.world * n + e.policy][e.metric];
            match e.kind {
                ExpectKind::Max(limit) | ExpectKind::Min(limit) => {
                    let is_max = matches!(e.kind, ExpectKind::Max(_));
                    let assertion = format!(
                        "{name}{place}: {} {} {}",
                        metric.name,
                        if is_max { "<=" } else { ">=" },
                        human(limit, unit)
                    );
                    match cell.estimate() {
                        None => CheckResult {
                            assertion,
                            passed: false,
                            measured: "undefined in every replication".into(),
                        },
                        Some(est) => CheckResult {
                            assertion,
                            passed: if is_max {
                                est.mean <= limit
                            } else {
                                est.mean >= limit
                            },
                            measured: format!(
                                "{} ({})",
                                human(est.mean, unit),
                                interval(est.ci95, unit, false)
                            ),
                        },
                    }
                }
                ExpectKind::BetterThan(other) | ExpectKind::NotWorseThan { other, .. } => {
                    let other_name = &model.policies[other].name;
                    let key = (e.world, e.policy, other, e.metric);
                    let k = results
                        .pair_keys
                        .iter()
                        .position(|p| *p == key)
                        .expect("every comparison has a pair");
                    let higher_better = metric.direction == Direction::HigherIsBetter;
                    let (assertion, margin) = match e.kind {
                        ExpectKind::NotWorseThan { margin, .. } => (
                            format!(
                                "{name}{place}: {} not worse than {other_name} by more than {}",
                                metric.name,
                                human(margin, unit)
                            ),
                            Some(margin),
                        ),
                        _ => (
                            format!("{name}{place}: {} better than {other_name}", metric.name),
                            None,
                        ),
                    };
                    match results.pairs[k].estimate() {
                        None => CheckResult {
                            assertion,
                            passed: false,
                            measured: "undefined in every replication".into(),
                        },
                        // With one replication there is no interval: a
                        // comparison cannot be shown, whatever the point
                        // estimate says, so the assertion fails.
                        Some(d) if d.ci95.is_none() => CheckResult {
                            assertion,
                            passed: false,
                            measured: format!(
                                "difference {} from one replication: no interval, so no difference can be shown; run at least 2 replications",
                                human_diff(d.mean, unit)
                            ),
                        },
                        Some(d) => {
                            let (lo, hi) = d.ci95.unwrap_or((d.mean, d.mean));
                            // "Better side": up for higher-is-better metrics.
                            let (toward_better, toward_worse) =
                                if higher_better { (lo, -lo) } else { (-hi, hi) };
                            let passed = match margin {
                                None => toward_better > 0.0,
                                Some(m) => toward_worse < m,
                            };
                            CheckResult {
                                assertion,
                                passed,
                                measured: format!(
                                    "difference {} ({})",
                                    human_diff(d.mean, unit),
                                    interval(d.ci95, unit, true)
                                ),
                            }
                        }
                    }
                }
            }
        })
        .collect()
}

/// The checks as lines for a terminal.
pub fn render(checks: &[CheckResult]) -> String {
    let mut out = String::new();
    for c in checks {
        out.push_str(&format!(
            "{}  {}: {}\n",
            if c.passed { "PASS" } else { "FAIL" },
            c.assertion,
            c.measured
        ));
    }
    let failed = checks.iter().filter(|c| !c.passed).count();
    out.push_str(&format!(
        "{} of {} assertions passed\n",
        checks.len() - failed,
        checks.len()
    ));
    out
}
