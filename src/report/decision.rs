//! The decision in words and in `summary.json`: the recommended policy, by
//! how much against the baseline and the runner-up, in how many simulated
//! periods it wins, its worst world and the guardrails that ruled others
//! out; and the run's health, one line per kind of problem.

use serde::{Deserialize, Serialize};

use super::executive::{list, value};
use crate::decision::{Decision, Judged};
use crate::format::{human_diff, round_sig};
use crate::model::DecisionWorlds;
use crate::stats::Estimate;
use crate::summary::Summary;

/// How `could_be_best` is computed, as `summary.json` states it.
pub const METHOD: &str = "multiple comparisons with the best (Hsu's MCB, subset form): a policy is ruled out when another beats it in a one-sided paired t-test at 5% / (policies - 1) (Bonferroni); the set holds the best policy with probability at least 95%";

/// `summary.json`'s `decision`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionJson {
    /// The metric the recommendation weighs, and `maximize` or `minimize`.
    pub objective: String,
    pub direction: String,
    /// `worst`, `base` or `each`.
    pub worlds: String,
    /// False when the scenario states no `decision` (the default: gross
    /// profit, maximised, in each policy's worst world).
    pub stated: bool,
    pub recommended: Option<String>,
    /// Why no policy is recommended; `null` when one is.
    pub why: Option<String>,
    pub runner_up: Option<String>,
    pub could_be_best: Vec<String>,
    pub could_be_best_method: String,
    /// Policy -> the share of replications in which it beats the baseline
    /// on the objective (the baseline itself left out).
    pub win_share: crate::format::OrderedMap<Option<f64>>,
    /// Policy -> the guardrails it fails, each with its measured interval.
    pub guardrail_failures: crate::format::OrderedMap<Vec<FailureJson>>,
    /// Each policy on the objective in the world it is judged in.
    pub policies: Vec<JudgedJson>,
    /// The decision within each world on its own.
    pub per_world: Vec<WorldJson>,
    /// The one or two sentences the terminal and the report open with.
    pub sentence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureJson {
    pub metric: String,
    pub max: Option<f64>,
    pub min: Option<f64>,
    pub world: String,
    pub mean: Option<f64>,
    pub ci95: Option<[f64; 2]>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgedJson {
    pub policy: String,
    pub world: String,
    pub mean: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    /// Minus the baseline (positive: better on the objective).
    pub vs_baseline: Option<f64>,
    pub vs_baseline_ci95: Option<[f64; 2]>,
    pub win_share: Option<f64>,
    pub passes_guardrails: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldJson {
    pub world: String,
    pub recommended: Option<String>,
    pub runner_up: Option<String>,
    pub could_be_best: Vec<String>,
}

/// `summary.json`'s `health` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthJson {
    pub kind: String,
    pub policies: Vec<String>,
    pub worlds: Vec<String>,
    pub figure: f64,
    pub sentence: String,
    pub details: Vec<String>,
}

fn ci(e: &Estimate) -> Option<[f64; 2]> {
    e.ci95.map(|(lo, hi)| [round_sig(lo), round_sig(hi)])
}

/// A contrast's two-sided 95 % interval (better side positive).
fn contrast_ci(c: &crate::stats::mcb::Contrast) -> Option<[f64; 2]> {
    (c.df > 0).then(|| {
        let hw = crate::stats::t_975(c.df) * c.se;
        [round_sig(c.mean - hw), round_sig(c.mean + hw)]
    })
}

impl DecisionJson {
    pub fn from_summary(s: &Summary) -> Self {
        let d = &s.decision;
        let name = |p: usize| s.cells[p].policy.clone();
        let world = |w: usize| s.worlds[w].clone();
        let names = |ps: &[usize]| ps.iter().map(|&p| name(p)).collect::<Vec<_>>();
        let mut failures: Vec<(String, Vec<FailureJson>)> = Vec::new();
        for f in &d.failures {
            let entry = FailureJson {
                metric: f.guardrail.metric.name().to_string(),
                max: f.guardrail.at_most.then_some(f.guardrail.bound),
                min: (!f.guardrail.at_most).then_some(f.guardrail.bound),
                world: world(f.world),
                mean: f.estimate.map(|e| round_sig(e.mean)),
                ci95: f.estimate.as_ref().and_then(ci),
            };
            match failures.iter_mut().find(|(p, _)| *p == name(f.policy)) {
                Some((_, list)) => list.push(entry),
                None => failures.push((name(f.policy), vec![entry])),
            }
        }
        DecisionJson {
            objective: d.objective.name().to_string(),
            direction: if d.maximize { "maximize" } else { "minimize" }.to_string(),
            worlds: d.worlds.name().to_string(),
            stated: d.stated,
            recommended: d.recommended.map(name),
            why: d.why_none.clone(),
            runner_up: d.runner_up.map(name),
            could_be_best: names(&d.could_be_best),
            could_be_best_method: if d.paired {
                METHOD.to_string()
            } else {
                format!("{METHOD}; some pairs compared unpaired (on their own intervals: wider, so the guarantee holds)")
            },
            win_share: crate::format::OrderedMap(
                d.judged
                    .iter()
                    .filter(|j| j.vs_baseline.is_some() || j.win_share.is_some())
                    .map(|j| (name(j.policy), j.win_share.map(round_sig)))
                    .collect(),
            ),
            guardrail_failures: crate::format::OrderedMap(failures),
            policies: d
                .judged
                .iter()
                .map(|j| JudgedJson {
                    policy: name(j.policy),
                    world: world(j.world),
                    mean: j.estimate.map(|e| round_sig(e.mean)),
                    ci95: j.estimate.as_ref().and_then(ci),
                    vs_baseline: j.vs_baseline.map(|c| round_sig(c.mean)),
                    vs_baseline_ci95: j.vs_baseline.as_ref().and_then(contrast_ci),
                    win_share: j.win_share.map(round_sig),
                    passes_guardrails: j.passes,
                })
                .collect(),
            per_world: d
                .per_world
                .iter()
                .map(|w| WorldJson {
                    world: world(w.world),
                    recommended: w.recommended.map(name),
                    runner_up: w.runner_up.map(name),
                    could_be_best: names(&w.could_be_best),
                })
                .collect(),
            sentence: sentences(s).join(" "),
        }
    }
}

impl HealthJson {
    pub fn all(s: &Summary) -> Vec<HealthJson> {
        s.health
            .iter()
            .map(|h| HealthJson {
                kind: h.kind.to_string(),
                policies: h.policies.clone(),
                worlds: h.worlds.clone(),
                figure: round_sig(h.figure),
                sentence: h.sentence.clone(),
                details: h.details.clone(),
            })
            .collect()
    }
}

/// The objective as a sentence names it, with where it is judged.
pub fn objective_phrase(d: &Decision, stress_worlds: bool) -> String {
    let phrase = d.objective.info().phrase;
    let how = if d.maximize { "highest" } else { "lowest" };
    let place = match (d.worlds, stress_worlds) {
        (_, false) => "",
        (DecisionWorlds::Worst, true) => ", each policy in its worst world",
        (DecisionWorlds::Base, true) => " in the base world",
        (DecisionWorlds::Each, true) => " in every world",
    };
    format!("{how} {phrase}{place}")
}

/// A contrast in the objective's unit, with its interval: "+1.2M (95% CI
/// +0.8M to +1.6M)".
fn by_how_much(s: &Summary, c: &crate::stats::mcb::Contrast) -> String {
    let unit = s.decision.objective.unit();
    let text = human_diff(c.mean, unit);
    match contrast_ci(c) {
        Some([lo, hi]) => format!(
            "{text} (95% CI {} to {})",
            human_diff(lo, unit),
            human_diff(hi, unit)
        ),
        None => text,
    }
}

/// The share of periods as words: "62 of 100 simulated periods".
fn periods(share: f64, n: u64) -> String {
    format!(
        "{} of {n} simulated periods",
        (share * n as f64).round() as u64
    )
}

/// The sentences the terminal and the report open with.
pub fn sentences(s: &Summary) -> Vec<String> {
    let d = &s.decision;
    let stress = s.worlds.len() > 1;
    let name = |p: usize| format!("`{}`", s.cells[p].policy);
    let on = objective_phrase(d, stress);
    let mut out = Vec::new();
    match d.recommended {
        None => out.push(format!(
            "No policy recommended on {on}: {}.",
            d.why_none.as_deref().unwrap_or("no policy qualifies")
        )),
        Some(r) => {
            let j: &Judged = &d.judged[r];
            let mean = j
                .estimate
                .map_or("n/a".to_string(), |e| value(s, d.objective, e.mean));
            let mut parts = vec![format!("Recommended: {} ({on}: {mean}", name(r))];
            if stress {
                parts[0].push_str(&format!(", worst in `{}`", s.worlds[j.world]));
            }
            parts[0].push(')');
            if r == s
                .cells
                .iter()
                .position(|c| c.policy == s.baseline)
                .unwrap_or(0)
            {
                parts[0] = format!("{}, the baseline: keep it", parts[0]);
            } else if let Some(c) = &j.vs_baseline {
                let mut against = format!("{} against `{}`", by_how_much(s, c), s.baseline);
                if let Some(share) = j.win_share {
                    against.push_str(&format!(", ahead in {}", periods(share, s.replications)));
                }
                parts.push(against);
            }
            let baseline_is = |p: usize| s.cells[p].policy == s.baseline;
            if let (Some(u), Some(c)) = (
                d.runner_up.filter(|&u| !baseline_is(u) || baseline_is(r)),
                &d.vs_runner_up,
            ) {
                parts.push(format!(
                    "{} against the runner-up {}",
                    by_how_much(s, c),
                    name(u)
                ));
            }
            let mut sentence = format!("{}.", parts.join("; "));
            let others: Vec<String> = d
                .could_be_best
                .iter()
                .filter(|&&p| p != r)
                .map(|&p| name(p))
                .collect();
            let others: Vec<&str> = others.iter().map(String::as_str).collect();
            if !others.is_empty() {
                sentence.push_str(&format!(
                    " Not a clear winner: {} cannot be ruled out as the best at 95%.",
                    list(&others)
                ));
            }
            out.push(sentence);
        }
    }
    let mut ruled: Vec<String> = Vec::new();
    for p in 0..s.policies() {
        let fails: Vec<String> = d
            .failures
            .iter()
            .filter(|f| f.policy == p)
            .map(|f| {
                let g = f.guardrail;
                let op = if g.at_most { "at most" } else { "at least" };
                let measured = f.estimate.map_or("undefined".to_string(), |e| {
                    let hw = e.half_width().unwrap_or(0.0);
                    let (word, end) = if g.at_most {
                        ("up to", e.mean + hw)
                    } else {
                        ("down to", e.mean - hw)
                    };
                    format!("{word} {}", value(s, g.metric, end))
                });
                let place = if stress {
                    format!(" in `{}`", s.worlds[f.world])
                } else {
                    String::new()
                };
                format!(
                    "{} {op} {} ({measured}{place})",
                    g.metric.info().phrase,
                    value(s, g.metric, g.bound)
                )
            })
            .collect();
        if !fails.is_empty() {
            ruled.push(format!("{} fails {}", name(p), fails.join(" and ")));
        }
    }
    if !ruled.is_empty() {
        out.push(format!("Ruled out by guardrails: {}.", ruled.join("; ")));
    }
    out
}

/// What no run of this model prices: the decision page says so, so that a
/// reader does not take the recommendation for more than it is.
pub const NOT_PRICED: [&str; 5] = [
    "what a partner that leaves costs beyond its lost leads (recruiting and onboarding a replacement, the pipeline it takes elsewhere)",
    "customers' value after the first deal (renewals and expansion)",
    "how partners react to a change of policy beyond the scenario's own behaviour fields (a switch is simulated from day 0 for every lead, not phased in)",
    "anything the scenario's assumptions leave out: run `leadsim decide` to see which of them would flip the recommendation",
    "the chance that the real programme differs from the scenario: the intervals cover simulation noise only",
];

/// The decision page's per-world rows: each world's recommendation, and
/// what the world costs each policy on the objective against the base
/// world.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WorldView {
    pub world: String,
    pub recommended: String,
    pub could_be_best: String,
    /// Per policy: the objective's mean, and its change from the base world.
    pub values: Vec<String>,
}

/// The per-world rows, base world first; empty without stress worlds.
pub fn world_views(s: &Summary) -> Vec<WorldView> {
    if s.worlds.len() < 2 {
        return Vec::new();
    }
    let d = &s.decision;
    let k = d.objective;
    let n = s.policies();
    d.per_world
        .iter()
        .map(|w| {
            let name = |p: usize| s.cells[p].policy.clone();
            WorldView {
                world: s.worlds[w.world].clone(),
                recommended: w.recommended.map_or("none".into(), name),
                could_be_best: w
                    .could_be_best
                    .iter()
                    .map(|&p| name(p))
                    .collect::<Vec<_>>()
                    .join(", "),
                values: (0..n)
                    .map(|p| {
                        let here = s.cell(w.world, p).metrics[k];
                        let base = s.cell(0, p).metrics[k];
                        match (here, base) {
                            (Some(h), Some(b)) if w.world > 0 => format!(
                                "{} ({})",
                                value(s, k, h.mean),
                                human_diff(h.mean - b.mean, k.unit())
                            ),
                            (Some(h), _) => value(s, k, h.mean),
                            _ => "n/a".into(),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}
