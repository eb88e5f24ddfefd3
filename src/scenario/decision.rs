//! `decision`: the objective a run recommends a policy on, the guardrails
//! every policy must meet, and the world it is judged in.

use super::checker::Checker;
use super::raw::{RawDecision, RawGuardrail};
use crate::metrics::{Direction, Metric};
use crate::model::{DecisionSpec, DecisionWorlds, Guardrail};

/// `decision`, or the default (gross profit, no guardrails, worst world).
pub(super) fn decision(c: &mut Checker, raw: Option<&RawDecision>) -> DecisionSpec {
    let Some(raw) = raw else {
        return DecisionSpec::default();
    };
    let mut spec = DecisionSpec {
        stated: true,
        ..DecisionSpec::default()
    };
    if let Some(o) = &raw.objective {
        let path = "decision.objective";
        if c.exactly_one(
            path,
            &[o.maximize.is_some(), o.minimize.is_some()],
            "an objective has exactly one of `maximize` and `minimize`",
        ) {
            let (field, name, maximize) = match (&o.maximize, &o.minimize) {
                (Some(m), _) => ("maximize", m, true),
                (_, Some(m)) => ("minimize", m, false),
                _ => unreachable!("exactly one is given"),
            };
            let at = format!("{path}.{field}");
            if let Some(k) = c.resolve(&at, name, Metric::names(), "is no metric") {
                let metric = Metric::ALL[k];
                let natural = match metric.direction() {
                    Direction::HigherIsBetter => Some(true),
                    Direction::LowerIsBetter => Some(false),
                    Direction::Neutral => None,
                };
                if natural.is_some_and(|n| n != maximize) {
                    let other = if maximize { "minimize" } else { "maximize" };
                    c.fail(
                        at,
                        format!(
                            "`{}` is better {}, so it cannot be {field}d: use `{other}`",
                            metric.name(),
                            if maximize { "lower" } else { "higher" }
                        ),
                    );
                }
                spec.objective = metric;
                spec.maximize = maximize;
            }
        }
    }
    if c.at_most(
        "decision.guardrails",
        raw.guardrails.len(),
        super::limits::GUARDRAILS,
    ) {
        spec.guardrails = raw
            .guardrails
            .iter()
            .enumerate()
            .filter_map(|(i, g)| guardrail(c, &format!("decision.guardrails[{i}]"), g))
            .collect();
    }
    if let Some(w) = &raw.worlds {
        let at = "decision.worlds";
        if let Some(k) = c.resolve(
            at,
            w,
            DecisionWorlds::NAMES.into_iter(),
            "is not one of `worst`, `base`, `each`",
        ) {
            spec.worlds = [
                DecisionWorlds::Worst,
                DecisionWorlds::Base,
                DecisionWorlds::Each,
            ][k];
        }
    }
    spec
}

/// One guardrail: a metric and exactly one finite bound.
fn guardrail(c: &mut Checker, path: &str, g: &RawGuardrail) -> Option<Guardrail> {
    let metric = c
        .resolve(
            format!("{path}.metric"),
            &g.metric,
            Metric::names(),
            "is no metric",
        )
        .map(|k| Metric::ALL[k]);
    if !c.exactly_one(
        path,
        &[g.max.is_some(), g.min.is_some()],
        "a guardrail has exactly one of `max` and `min`",
    ) {
        return None;
    }
    let (at_most, bound, field) = match (g.max, g.min) {
        (Some(v), _) => (true, v, "max"),
        (_, Some(v)) => (false, v, "min"),
        _ => return None,
    };
    if !bound.is_finite() {
        c.fail(
            format!("{path}.{field}"),
            format!("must be a finite number, got {bound}"),
        );
        return None;
    }
    Some(Guardrail {
        metric: metric?,
        at_most,
        bound,
    })
}
