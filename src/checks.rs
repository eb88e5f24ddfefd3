//! `expect` assertions evaluated on a run: what makes `run` and `check` exit
//! with code 1. This module returns values; `report::checks` words them.

use crate::metrics::{Direction, Metric};
use crate::model::{ExpectKind, Model};
use crate::runner::{PairKey, Results};

/// What an assertion asked.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// The mean is at most this.
    Max(f64),
    /// The mean is at least this.
    Min(f64),
    /// Clearly better than this policy: the 95 % interval of the paired
    /// difference lies on the better side of 0.
    BetterThan(String),
    /// Not worse than this policy by more than `margin`: the interval's
    /// worse end stays within the margin.
    NotWorseThan { other: String, margin: f64 },
}

/// What was measured for an assertion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measured {
    /// The metric was undefined in every replication.
    Undefined,
    /// The metric's mean and its 95 % interval (none from one replication).
    Value { mean: f64, ci95: Option<(f64, f64)> },
    /// The paired difference (policy minus the other) and its 95 % interval
    /// (none from one replication, so no difference can be shown).
    Difference { mean: f64, ci95: Option<(f64, f64)> },
}

/// One assertion's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    pub policy: String,
    /// The world's name (`base` for the scenario as written).
    pub world: String,
    pub metric: Metric,
    pub test: Test,
    pub passed: bool,
    pub measured: Measured,
}

/// Evaluates every assertion of the model on `results`.
pub fn evaluate(model: &Model, results: &Results) -> Vec<CheckResult> {
    model
        .expectations
        .iter()
        .map(|e| {
            let metric = e.metric;
            let (test, measured) = match e.kind {
                ExpectKind::Max(limit) | ExpectKind::Min(limit) => {
                    let cell = &results.metrics[results.cell(e.world, e.policy)][metric];
                    let test = match e.kind {
                        ExpectKind::Max(_) => Test::Max(limit),
                        _ => Test::Min(limit),
                    };
                    (test, measured(cell.estimate(), false))
                }
                ExpectKind::BetterThan(other) | ExpectKind::NotWorseThan { other, .. } => {
                    let key = PairKey {
                        world: e.world,
                        policy: e.policy,
                        other,
                        metric,
                    };
                    let pair = results.pair(&key).expect("every comparison has a pair");
                    let other = model.policies[other].name.clone();
                    let test = match e.kind {
                        ExpectKind::NotWorseThan { margin, .. } => {
                            Test::NotWorseThan { other, margin }
                        }
                        _ => Test::BetterThan(other),
                    };
                    (test, measured(pair.estimate(), true))
                }
            };
            CheckResult {
                policy: model.policies[e.policy].name.clone(),
                world: model.worlds[e.world].name.clone(),
                metric,
                passed: passes(&test, &measured, metric),
                test,
                measured,
            }
        })
        .collect()
}

/// What an estimate says: a value, or a paired difference.
fn measured(estimate: Option<crate::stats::Estimate>, difference: bool) -> Measured {
    match estimate {
        None => Measured::Undefined,
        Some(e) if difference => Measured::Difference {
            mean: e.mean,
            ci95: e.ci95,
        },
        Some(e) => Measured::Value {
            mean: e.mean,
            ci95: e.ci95,
        },
    }
}

/// Whether `measured` satisfies `test`. An undefined metric fails; so does
/// a comparison from one replication, which has no interval and so cannot
/// show a difference, whatever its point estimate says.
fn passes(test: &Test, measured: &Measured, metric: Metric) -> bool {
    match (test, *measured) {
        (_, Measured::Undefined) => false,
        (Test::Max(limit), Measured::Value { mean, .. }) => mean <= *limit,
        (Test::Min(limit), Measured::Value { mean, .. }) => mean >= *limit,
        (_, Measured::Difference { ci95: None, .. }) => false,
        (
            test,
            Measured::Difference {
                ci95: Some((lo, hi)),
                ..
            },
        ) => {
            // "Better side": up for higher-is-better metrics.
            let higher_better = metric.direction() == Direction::HigherIsBetter;
            let (toward_better, toward_worse) = if higher_better { (lo, -lo) } else { (-hi, hi) };
            match test {
                Test::NotWorseThan { margin, .. } => toward_worse < *margin,
                _ => toward_better > 0.0,
            }
        }
        // A limit is checked on a value, a comparison on a difference.
        (_, Measured::Value { .. }) => false,
    }
}
