//! The recommendation every run ends with: the policy to roll out on the
//! scenario's `decision` objective, among those that meet its guardrails,
//! how sure the run is (which policies cannot be ruled out as the best,
//! how often the choice beats the baseline in a single simulated period),
//! and which guardrails ruled others out.

pub mod health;

use crate::metrics::Metric;
use crate::model::{DecisionWorlds, Guardrail, Model};
use crate::runner::Results;
use crate::stats::mcb::{could_be_best, Contrast};
use crate::stats::Estimate;

/// The error rate of `could_be_best`: it holds the best policy with
/// probability at least 95 %.
pub const DECISION_ALPHA: f64 = 0.05;

/// What a run recommends.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub objective: Metric,
    pub maximize: bool,
    pub worlds: DecisionWorlds,
    /// The scenario stated its `decision` (false: the default).
    pub stated: bool,
    /// The policy to roll out, or `None` (with `why_none`).
    pub recommended: Option<usize>,
    pub why_none: Option<String>,
    pub runner_up: Option<usize>,
    /// The recommended policy minus the runner-up (positive: better), each
    /// in the world it is judged in.
    pub vs_runner_up: Option<Contrast>,
    /// Policies that meet the guardrails and cannot be ruled out as the
    /// best at 95 %, in policy order.
    pub could_be_best: Vec<usize>,
    /// Whether every comparison behind `could_be_best` was paired.
    pub paired: bool,
    /// Each guardrail a policy fails, in the world it fails worst.
    pub failures: Vec<Failure>,
    /// Each policy as the decision judges it.
    pub judged: Vec<Judged>,
    /// The decision within each world on its own, base first.
    pub per_world: Vec<WorldDecision>,
}

/// A guardrail a policy fails.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub policy: usize,
    pub guardrail: Guardrail,
    pub world: usize,
    pub estimate: Option<Estimate>,
}

/// A policy on the objective, in the world it is judged in.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub policy: usize,
    /// The world it is judged in (its worst, or the base world).
    pub world: usize,
    pub estimate: Option<Estimate>,
    /// This policy minus the baseline on the objective (each in the world
    /// it is judged in), replication by replication; `None` for the
    /// baseline.
    pub vs_baseline: Option<Contrast>,
    /// The share of replications in which it beats the baseline on the
    /// objective; `None` for the baseline or when the pair was not kept.
    pub win_share: Option<f64>,
    pub passes: bool,
}

/// The decision within one world.
#[derive(Debug, Clone, PartialEq)]
pub struct WorldDecision {
    pub world: usize,
    pub recommended: Option<usize>,
    pub runner_up: Option<usize>,
    pub could_be_best: Vec<usize>,
}

/// What the run at hand offers the decision: the objective's estimate per
/// cell and its paired comparisons.
struct Frame<'r> {
    results: &'r Results,
    objective: Vec<Option<Estimate>>,
    maximize: bool,
}

impl Frame<'_> {
    /// "Better" as a number: larger is better.
    fn score(&self, cell: usize) -> Option<f64> {
        let e = self.objective[cell]?;
        Some(if self.maximize { e.mean } else { -e.mean })
    }

    /// Cell `a` minus cell `b`, turned so that positive is better: paired
    /// when the run kept the pair, from the two cells' own intervals
    /// otherwise (wider, so what it rules out stays ruled out).
    fn contrast(&self, a: usize, b: usize) -> Option<(Contrast, bool)> {
        let sign = if self.maximize { 1.0 } else { -1.0 };
        if let Some(d) = self.results.duel(a, b) {
            let var = d.difference.variance()?;
            let n = d.difference.n;
            return Some((
                Contrast {
                    mean: sign * d.difference.mean,
                    se: (var / n as f64).sqrt(),
                    df: n - 1,
                },
                true,
            ));
        }
        let (ea, eb) = (self.objective[a]?, self.objective[b]?);
        let se = |e: Estimate| e.sd.map(|sd| sd / (e.n as f64).sqrt());
        Some((
            Contrast {
                mean: sign * (ea.mean - eb.mean),
                se: se(ea)?.hypot(se(eb)?),
                df: ea.n.min(eb.n).saturating_sub(1),
            },
            false,
        ))
    }

    /// The share of replications in which cell `a` beats cell `b`.
    fn win_share(&self, a: usize, b: usize) -> Option<f64> {
        let d = self.results.duel(a, b)?;
        let n = d.difference.n;
        let a_wins = if self.maximize {
            d.a_higher
        } else {
            n - d.a_higher - d.ties
        };
        (n > 0).then(|| a_wins as f64 / n as f64)
    }
}

/// The ranking among `cells` (one per policy, `None` where a policy is out):
/// the best, the runner-up, and who cannot be ruled out as the best.
fn rank(
    frame: &Frame,
    cells: &[Option<usize>],
) -> (Option<usize>, Option<usize>, Vec<usize>, bool) {
    let mut order: Vec<(usize, f64)> = cells
        .iter()
        .enumerate()
        .filter_map(|(p, c)| Some((p, frame.score((*c)?)?)))
        .collect();
    // Best first; equal scores keep file order.
    order.sort_by(|a, b| b.1.total_cmp(&a.1));
    let in_play: Vec<(usize, usize)> = cells
        .iter()
        .enumerate()
        .filter_map(|(p, c)| Some((p, (*c)?)))
        .collect();
    let paired = std::cell::Cell::new(true);
    let keep = could_be_best(in_play.len(), DECISION_ALPHA, &|i, j| {
        let (c, was_paired) = frame.contrast(in_play[i].1, in_play[j].1)?;
        paired.set(paired.get() && was_paired);
        Some(c)
    });
    let subset = in_play
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|((p, _), _)| *p)
        .collect();
    (
        order.first().map(|o| o.0),
        order.get(1).map(|o| o.0),
        subset,
        paired.get(),
    )
}

/// The decision on `results`, as the scenario's `decision` asks.
pub fn decide(model: &Model, results: &Results) -> Decision {
    let spec = &model.decision;
    let n_p = model.policies.len();
    let n_w = model.worlds.len();
    let frame = Frame {
        results,
        objective: results
            .metrics
            .iter()
            .map(|m| m[spec.objective].estimate())
            .collect(),
        maximize: spec.maximize,
    };
    let failures = guardrail_failures(model, results);
    let passes = |p: usize| !failures.iter().any(|f| f.policy == p);
    let per_world: Vec<WorldDecision> = (0..n_w)
        .map(|w| {
            let cells: Vec<Option<usize>> = (0..n_p)
                .map(|p| passes(p).then(|| results.cell(w, p)))
                .collect();
            let (recommended, runner_up, could_be_best, _) = rank(&frame, &cells);
            WorldDecision {
                world: w,
                recommended,
                runner_up,
                could_be_best,
            }
        })
        .collect();
    // The world each policy is judged in.
    let judged_world = |p: usize| match spec.worlds {
        DecisionWorlds::Worst => (0..n_w)
            .filter(|&w| frame.score(results.cell(w, p)).is_some())
            .min_by(|&a, &b| {
                let s = |w| frame.score(results.cell(w, p)).unwrap_or(f64::INFINITY);
                s(a).total_cmp(&s(b))
            })
            .unwrap_or(0),
        DecisionWorlds::Base | DecisionWorlds::Each => 0,
    };
    let cells: Vec<usize> = (0..n_p).map(|p| results.cell(judged_world(p), p)).collect();
    let base_cell = cells[model.baseline];
    let judged: Vec<Judged> = (0..n_p)
        .map(|p| Judged {
            policy: p,
            world: judged_world(p),
            estimate: frame.objective[cells[p]],
            vs_baseline: (p != model.baseline)
                .then(|| frame.contrast(cells[p], base_cell).map(|c| c.0))
                .flatten(),
            win_share: (p != model.baseline)
                .then(|| frame.win_share(cells[p], base_cell))
                .flatten(),
            passes: passes(p),
        })
        .collect();
    let eligible: Vec<Option<usize>> = (0..n_p).map(|p| passes(p).then_some(cells[p])).collect();
    let (mut recommended, runner_up, mut subset, paired) = rank(&frame, &eligible);
    let mut why_none = None;
    if spec.worlds == DecisionWorlds::Each && n_w > 1 {
        subset.retain(|p| per_world.iter().all(|w| w.could_be_best.contains(p)));
        let first = per_world[0].recommended;
        if per_world.iter().any(|w| w.recommended != first) {
            recommended = None;
            why_none = Some(format!(
                "the best policy depends on the world: {}",
                per_world
                    .iter()
                    .map(|w| format!(
                        "{} in `{}`",
                        w.recommended
                            .map_or("none", |p| model.policies[p].name.as_str()),
                        model.worlds[w.world].name
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if recommended.is_none() && why_none.is_none() {
        why_none = Some(if eligible.iter().all(Option::is_none) {
            "no policy meets every guardrail".to_string()
        } else {
            format!("`{}` is undefined for every policy", spec.objective.name())
        });
    }
    let runner_up = recommended.and(runner_up);
    let vs_runner_up = recommended
        .zip(runner_up)
        .and_then(|(r, u)| frame.contrast(cells[r], cells[u]))
        .map(|c| c.0);
    Decision {
        vs_runner_up,
        objective: spec.objective,
        maximize: spec.maximize,
        worlds: spec.worlds,
        stated: spec.stated,
        runner_up,
        recommended,
        why_none,
        could_be_best: subset,
        paired,
        failures,
        judged,
        per_world,
    }
}

/// Each guardrail each policy fails, in the world it fails worst. Under
/// `base` guardrails hold in the base world; otherwise in every world.
fn guardrail_failures(model: &Model, results: &Results) -> Vec<Failure> {
    let spec = &model.decision;
    let n_w = model.worlds.len();
    // Guardrails hold in the base world under `base`, in every world
    // otherwise.
    let guard_worlds = match spec.worlds {
        DecisionWorlds::Base => 0..1,
        _ => 0..n_w,
    };
    let mut failures = Vec::new();
    for p in 0..model.policies.len() {
        for g in &spec.guardrails {
            let failing = guard_worlds
                .clone()
                .map(|w| (w, results.metrics[results.cell(w, p)][g.metric].estimate()))
                .filter(|(_, e)| !g.holds(*e))
                .max_by(|a, b| shortfall(g, a.1).total_cmp(&shortfall(g, b.1)));
            if let Some((world, estimate)) = failing {
                failures.push(Failure {
                    policy: p,
                    guardrail: *g,
                    world,
                    estimate,
                });
            }
        }
    }
    failures
}

/// How far an estimate misses a guardrail on its unfavourable end
/// (infinite when undefined), to name the world it fails worst in.
fn shortfall(g: &Guardrail, e: Option<Estimate>) -> f64 {
    let Some(e) = e else {
        return f64::INFINITY;
    };
    let hw = e.half_width().unwrap_or(0.0);
    if g.at_most {
        e.mean + hw - g.bound
    } else {
        g.bound - (e.mean - hw)
    }
}
