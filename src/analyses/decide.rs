//! `leadsim decide`: the recommendation and what would flip it
//! (docs/decide.md).
//!
//! The scenario runs once with every policy; its decision names the
//! recommended policy and the runner-up. Then each decision-relevant
//! assumption is varied over a plausible range with only those two
//! policies, on common random numbers, and where the recommendation
//! changes is found by bisection (`sensitivity`'s machinery, reading the
//! outcome from the decision: objective, guardrails and worlds as the
//! scenario states them).

use std::path::Path;

use serde_json::Value;

use super::sensitivity::{analyse_question, Analysis, Assumption, Question};
use crate::runner::RunConfig;
use crate::scenario::load::LoadOptions;
use crate::summary::Summary;

/// The house's cost per lead is varied from 0 to this (when there is a
/// house): from a free house to one dearer than most partners' margin on
/// a lead.
pub const HOUSE_COST_HIGH: f64 = 150.0;
/// The horizon is varied from half to four times the file's: a quarter's
/// pilot to a two-year programme for a half-year scenario.
pub const HORIZON_FACTORS: (f64, f64) = (0.5, 4.0);
/// The speed-to-lead curve's half-life, in hours: from Oldroyd et al.'s
/// steep decay within the first hour (HBR 2011, "The Short Life of Online
/// Sales Leads") to a slow two-day fade.
pub const HALF_LIFE_HOURS: (f64, f64) = (0.5, 48.0);

/// The outcome of `decide`.
pub struct Decided {
    /// The run with every policy.
    pub summary: Summary,
    /// The flips, one per assumption (empty when there is no runner-up).
    pub flips: Option<Analysis>,
}

/// The default assumptions for a scenario, as `decide` varies them:
/// the house's cost per lead (with a house), the horizon, churn's revenue
/// loss (with churn), the speed-to-lead curve's half-life (unless the
/// curve is given as points). `--vary` adds to them or overrides a path.
pub fn default_assumptions(doc: &Value, horizon_days: f64) -> Vec<Assumption> {
    let range = |path: &str, lo: f64, hi: f64| Assumption {
        path: path.to_string(),
        lo,
        hi,
        whole: false,
    };
    let mut out = Vec::new();
    if doc.get("house").is_some_and(|h| !h.is_null()) {
        out.push(range("house.cost_per_lead", 0.0, HOUSE_COST_HIGH));
    }
    out.push(range(
        "horizon_days",
        crate::format::round_sig(horizon_days * HORIZON_FACTORS.0),
        (horizon_days * HORIZON_FACTORS.1).min(crate::scenario::limits::MAX_HORIZON_DAYS),
    ));
    let economics = doc.get("economics");
    let churns = ["churn_rate", "discount_churn_factor"]
        .iter()
        .any(|k| economics.and_then(|e| e.get(k)).and_then(Value::as_f64) > Some(0.0));
    if churns {
        out.push(range("economics.churn_revenue_loss", 0.0, 1.0));
    }
    let speed = doc.get("speed_to_lead");
    let old_form = speed.and_then(|s| s.get("half_life_hours")).is_some();
    let points = speed
        .and_then(|s| s.get("qualify"))
        .and_then(|q| q.get("points"))
        .is_some();
    if old_form {
        out.push(range(
            "speed_to_lead.half_life_hours",
            HALF_LIFE_HOURS.0,
            HALF_LIFE_HOURS.1,
        ));
    } else if !points {
        out.push(range(
            "speed_to_lead.qualify.half_life_hours",
            HALF_LIFE_HOURS.0,
            HALF_LIFE_HOURS.1,
        ));
    }
    out
}

/// `defaults` with `extra` added; an `extra` path already there replaces it.
pub fn with_overrides(defaults: Vec<Assumption>, extra: Vec<Assumption>) -> Vec<Assumption> {
    let mut out: Vec<Assumption> = defaults
        .into_iter()
        .filter(|d| !extra.iter().any(|e| e.path == d.path))
        .collect();
    out.extend(extra);
    out
}

/// Runs `decide`: the full run, then the flips of its recommendation
/// against its runner-up.
pub fn decide(
    text: &str,
    file: &Path,
    options: &LoadOptions,
    model: &crate::model::Model,
    extra: Vec<Assumption>,
    config: RunConfig,
    progress: &dyn Fn(&str),
) -> anyhow::Result<Decided> {
    let doc: Value = serde_json::from_str(text)?;
    let assumptions = with_overrides(default_assumptions(&doc, model.horizon_days()), extra);
    progress("every policy");
    let summary = crate::simulate::simulate(model, &config, &|_| {})?;
    let d = &summary.decision;
    let flips = match (d.recommended, d.runner_up) {
        (Some(r), Some(u)) => {
            let question = Question {
                policy: &model.policies[r].name,
                versus: &model.policies[u].name,
                metric: d.objective,
                by_decision: true,
            };
            Some(analyse_question(
                text,
                file,
                options,
                question,
                assumptions,
                config,
                progress,
            )?)
        }
        _ => None,
    };
    Ok(Decided { summary, flips })
}
