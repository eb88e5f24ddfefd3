//! `leadsim optimize`: the best setting of one policy's fields for an
//! objective under constraints (docs/optimize.md).
//!
//! Fields are addressed as `sweep` addresses them. Each candidate is the
//! scenario with that one policy, the fields set, simulated on the run's
//! seed, so every candidate sees the same leads (common random numbers) and
//! the sample-average objective is a deterministic function of the fields.
//! The search is Nelder-Mead (the `argmin` crate) on the fields scaled to
//! [0, 1], from the best point of a space-filling (Halton) design, restarted with a
//! smaller simplex while the budget lasts; list fields (choices) are
//! enumerated, and the budget shared between their combinations. A
//! constraint counts as met only when its 95 % interval's unfavourable end
//! meets it. Afterwards the best settings found are compared again, on
//! fresh replications, with Kim and Nelson's fully sequential
//! ranking-and-selection procedure (`stats::selection`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use argmin::core::{CostFunction, Error as ArgminError, Executor};
use argmin::solver::neldermead::NelderMead;
use serde_json::Value;

use crate::metrics::{Metric, PerMetric};
use crate::model::Model;
use crate::runner::RunConfig;
use crate::scenario::load::LoadOptions;
use crate::stats::Estimate;

/// The most evaluations `--budget` may ask for.
pub const MAX_BUDGET: usize = 10_000;
/// The most combinations of list fields.
pub const MAX_COMBINATIONS: usize = 200;
/// The most settings the selection procedure compares.
pub const FINALISTS: usize = 10;
/// The selection procedure's first-stage replications, error, and cap.
pub const SELECTION_N0: u64 = 10;
pub const SELECTION_ALPHA: f64 = 0.05;
pub const SELECTION_MAX_REPLICATIONS: u64 = 10_000;

/// What a varied field may take.
#[derive(Debug, Clone, PartialEq)]
pub enum Domain {
    /// A range [lo, hi], searched over whole numbers when the field takes
    /// only whole numbers.
    Range { lo: f64, hi: f64, whole: bool },
    /// A list of choices, each tried.
    Choices(Vec<Value>),
}

/// One varied field.
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    pub path: String,
    pub domain: Domain,
}

/// Parses `PATH=lo:hi` or `PATH=a,b,c` (numbers, or names such as rules).
pub fn parse_vary(spec: &str) -> anyhow::Result<Vary> {
    let (path, range) = crate::analyses::sweep::split_assignment(spec)
        .with_context(|| format!("--vary `{spec}`: expected PATH=lo:hi or PATH=a,b,c"))?;
    let path = path.trim().to_string();
    let number = |s: &str| s.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    let domain = if let Some((lo, hi)) = range.split_once(':') {
        let (Some(lo), Some(hi)) = (number(lo), number(hi)) else {
            bail!("--vary `{spec}`: `{range}` is not lo:hi with two numbers");
        };
        if lo >= hi {
            bail!("--vary `{spec}`: the range's low end must be below its high end");
        }
        Domain::Range {
            lo,
            hi,
            whole: false,
        }
    } else {
        let choices: Vec<Value> = range
            .split(',')
            .map(|c| match number(c) {
                Some(v) => crate::analyses::sweep::json_number(v),
                None => Value::String(c.trim().to_string()),
            })
            .collect();
        if choices.len() < 2 || choices.iter().any(|c| c.as_str() == Some("")) {
            bail!("--vary `{spec}`: give a range lo:hi or at least two choices a,b");
        }
        Domain::Choices(choices)
    };
    Ok(Vary { path, domain })
}

/// A constraint: the same bound, held the same way, as a scenario's
/// `decision` guardrail.
pub use crate::model::Guardrail as Constraint;

/// A metric by name, or an error suggesting the nearest.
pub fn metric_named(flag: &str, name: &str) -> anyhow::Result<Metric> {
    let name = name.trim();
    Metric::from_name(name).with_context(|| {
        format!(
            "{flag}: `{name}` is no metric{}",
            crate::scenario::errors::did_you_mean(name, Metric::names())
        )
    })
}

/// Parses `METRIC<=BOUND` or `METRIC>=BOUND`.
pub fn parse_constraint(spec: &str) -> anyhow::Result<Constraint> {
    let (name, bound, at_most) = if let Some((m, b)) = spec.split_once("<=") {
        (m, b, true)
    } else if let Some((m, b)) = spec.split_once(">=") {
        (m, b, false)
    } else {
        bail!("--subject-to `{spec}`: expected METRIC<=BOUND or METRIC>=BOUND");
    };
    let metric = metric_named("--subject-to", name)?;
    let bound = bound
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .with_context(|| format!("--subject-to `{spec}`: `{}` is not a number", bound.trim()))?;
    Ok(Constraint {
        metric,
        at_most,
        bound,
    })
}

/// The problem as the command line states it.
#[derive(Debug, Clone)]
pub struct Problem {
    pub policy: String,
    pub varies: Vec<Vary>,
    pub objective: Metric,
    pub maximize: bool,
    pub constraints: Vec<Constraint>,
    /// Score each candidate by its worst world (else the base world).
    pub all_worlds: bool,
    pub budget: usize,
    /// The indifference zone, as a fraction of the objective.
    pub delta: f64,
    pub replications: u64,
    pub seed: u64,
    pub threads: Option<usize>,
}

/// A problem checked against its scenario, ready to run.
pub struct Prepared {
    pub problem: Problem,
    /// The scenario with the one policy (named as in the file), its
    /// baseline, and no assertions.
    base: Value,
    /// The original scenario, for the final comparison.
    pub(crate) original: Value,
    /// Its text, and the position of the policy among its policies, for
    /// errors told against the file.
    text: String,
    index: usize,
    pub(crate) file: PathBuf,
    pub(crate) options: LoadOptions,
    /// World names, base first.
    pub worlds: Vec<String>,
}

/// One evaluated candidate.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The varied fields' values, in `--vary` order.
    pub values: Vec<Value>,
    /// Every metric's estimate in each world (base first).
    pub worlds: Vec<PerMetric<Option<Estimate>>>,
    /// The objective's mean over replications of each replication's worst
    /// judged world (the base world's mean under `--world base`); NaN when
    /// undefined in a replication.
    pub score: f64,
    pub feasible: bool,
    /// How far the constraints are from met (0 when feasible): the sum of
    /// each unmet constraint's shortfall relative to its bound.
    pub violation: f64,
}

impl Prepared {
    /// The candidate scenario at `values`.
    pub(crate) fn document(&self, values: &[Value]) -> anyhow::Result<Value> {
        let mut doc = self.base.clone();
        for (vary, v) in self.problem.varies.iter().zip(values) {
            *crate::analyses::sweep::field_or_default(&mut doc, &vary.path)? = v.clone();
        }
        Ok(doc)
    }

    /// The candidate's model, or why it is not a valid scenario.
    pub fn model(&self, values: &[Value]) -> anyhow::Result<Model> {
        let doc = self.document(values)?;
        crate::scenario::load::load_text_with(&doc.to_string(), &self.file, &self.options).map_err(
            |e| {
                let e = e.against(&self.text, &self.file, &[self.index]);
                anyhow::anyhow!(
                    "the setting {} is not a valid scenario: {e}",
                    self.describe(values)
                )
            },
        )
    }

    /// "path=value, path=value".
    pub fn describe(&self, values: &[Value]) -> String {
        self.problem
            .varies
            .iter()
            .zip(values)
            .map(|(v, x)| format!("{}={}", v.path, plain(x)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The worlds a candidate is judged in.
    pub(crate) fn judged_worlds(&self) -> std::ops::Range<usize> {
        if self.problem.all_worlds {
            0..self.worlds.len()
        } else {
            0..1
        }
    }

    /// Simulates the candidate at `values` and judges it.
    pub fn evaluate(&self, values: &[Value]) -> anyhow::Result<Evaluation> {
        let model = self.model(values)?;
        let config = RunConfig {
            replications: self.problem.replications,
            seed: self.problem.seed,
            threads: self.problem.threads,
            cancel: Default::default(),
        };
        // The objective of each replication in its worst judged world:
        // the quantity the search ranks by and the final selection samples.
        let (results, worst) =
            crate::runner::run_valued(&model, &config, &|m| self.worst_world_value(m))?;
        let summary = crate::summary::summarise(&model, &config, &results);
        let worlds: Vec<PerMetric<Option<Estimate>>> =
            summary.cells.iter().map(|c| c.metrics).collect();
        let score = if worst.iter().all(|v| v.is_finite()) && !worst.is_empty() {
            let sign = if self.problem.maximize { 1.0 } else { -1.0 };
            sign * worst.iter().sum::<f64>() / worst.len() as f64
        } else {
            f64::NAN
        };
        Ok(self.judge(values.to_vec(), worlds, score))
    }

    /// One replication's objective in its worst judged world, signed so
    /// that larger is better (the base world's alone under `--world base`);
    /// not finite when the objective is undefined in a judged world.
    pub(crate) fn worst_world_value(&self, metrics: &[Vec<PerMetric<f64>>]) -> f64 {
        let sign = if self.problem.maximize { 1.0 } else { -1.0 };
        self.judged_worlds()
            .map(|w| sign * metrics[w][0][self.problem.objective])
            .fold(f64::INFINITY, |a, b| {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else {
                    a.min(b)
                }
            })
    }

    fn judge(
        &self,
        values: Vec<Value>,
        worlds: Vec<PerMetric<Option<Estimate>>>,
        score: f64,
    ) -> Evaluation {
        let p = &self.problem;
        let mut violation = 0.0;
        for w in self.judged_worlds() {
            for c in &p.constraints {
                let Some(e) = worlds[w][c.metric] else {
                    violation += 1.0;
                    continue;
                };
                let (lo, hi) = e.ci95.unwrap_or((e.mean, e.mean));
                let shortfall = if c.at_most {
                    hi - c.bound
                } else {
                    c.bound - lo
                };
                if shortfall > 0.0 {
                    violation += shortfall / c.bound.abs().max(1e-9);
                }
            }
        }
        Evaluation {
            values,
            worlds,
            score,
            feasible: violation == 0.0 && score.is_finite(),
            violation,
        }
    }

    /// The order the search minimises: feasible candidates by objective,
    /// then infeasible ones by how far they are from feasible.
    pub(crate) fn rank_key(&self, e: &Evaluation) -> f64 {
        if !e.score.is_finite() {
            return 2e300;
        }
        if !e.feasible {
            return 1e300 * (1.0 + e.violation.min(1e6) * 1e-7);
        }
        if self.problem.maximize {
            -e.score
        } else {
            e.score
        }
    }
}

/// `x` to four significant digits: settings closer than that are the
/// same setting (and print as people write them).
fn four_digits(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(3 - x.abs().log10().floor() as i32);
    let rounded = (x * scale).round() / scale;
    crate::format::round_sig(rounded)
}

/// A JSON value as a person reads it (strings without quotes).
pub fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Checks the problem against the scenario before anything runs: the
/// policy exists, every field exists (ranges on numeric fields), every
/// choice and the ranges' ends load.
pub fn prepare(
    problem: Problem,
    text: &str,
    file: &Path,
    options: &LoadOptions,
) -> anyhow::Result<Prepared> {
    if problem.varies.is_empty() {
        bail!("give at least one --vary field");
    }
    if !(1..=MAX_BUDGET).contains(&problem.budget) {
        bail!("--budget must be between 1 and {MAX_BUDGET}");
    }
    if !(problem.delta > 0.0 && problem.delta < 1.0) {
        bail!(
            "--delta must be a fraction in (0, 1), got {}",
            problem.delta
        );
    }
    let original: Value =
        serde_json::from_str(text).with_context(|| format!("{} is not JSON", file.display()))?;
    let policies = original
        .get("policies")
        .and_then(Value::as_array)
        .context("the scenario has no `policies` list")?;
    let names: Vec<&str> = policies
        .iter()
        .filter_map(|p| p.get("name")?.as_str())
        .collect();
    let index = names
        .iter()
        .position(|n| *n == problem.policy)
        .with_context(|| {
            format!(
                "--policy `{}`: no such policy (policies: {}){}",
                problem.policy,
                names.join(", "),
                crate::scenario::errors::did_you_mean(&problem.policy, names.iter().copied())
            )
        })?;
    let mut base = original.clone();
    base["policies"] = Value::Array(vec![policies[index].clone()]);
    base["baseline"] = Value::String(problem.policy.clone());
    if let Some(map) = base.as_object_mut() {
        map.remove("expect");
    }
    crate::analyses::sweep::check_varied(
        "--vary",
        &problem
            .varies
            .iter()
            .map(|v| v.path.as_str())
            .collect::<Vec<_>>(),
    )?;
    let mut problem = problem;
    let mut seen = std::collections::BTreeSet::new();
    for vary in &mut problem.varies {
        // `policies[2].x` means the chosen policy's field only if 2 is it;
        // it is written by name from here on.
        let mut steps = crate::analyses::sweep::parse_path(&vary.path)
            .with_context(|| format!("--vary `{}`", vary.path))?;
        let of_policy = crate::analyses::sweep::policy_of_path(&vary.path, &names);
        if of_policy == Some(index) {
            steps[1] = crate::analyses::sweep::Step::Name(problem.policy.clone());
            vary.path = crate::analyses::sweep::render_path(&steps);
        }
        let names_a_policy = matches!(&steps[..], [crate::analyses::sweep::Step::Key(k), crate::analyses::sweep::Step::Index(_) | crate::analyses::sweep::Step::Name(_), ..] if k == "policies");
        if names_a_policy && of_policy != Some(index) {
            bail!(
                "--vary `{}`: only the fields of --policy `{}` (and of the rest of the scenario) can be varied",
                vary.path,
                problem.policy
            );
        }
        if !seen.insert(vary.path.clone()) {
            bail!("--vary `{}` is given twice", vary.path);
        }
        if let Domain::Range { lo, hi, whole } = &mut vary.domain {
            *whole = range_field(&base, &vary.path, lo, hi, file, options)?;
        }
    }
    let worlds = original
        .get("stress")
        .and_then(Value::as_array)
        .map(|s| {
            std::iter::once(crate::summary::BASE_WORLD.to_string())
                .chain(
                    s.iter()
                        .filter_map(|w| w.get("name")?.as_str().map(str::to_string)),
                )
                .collect()
        })
        .unwrap_or_else(|| vec![crate::summary::BASE_WORLD.to_string()]);
    let prepared = Prepared {
        problem,
        base,
        original,
        text: text.to_string(),
        index,
        file: file.to_path_buf(),
        options: options.clone(),
        worlds,
    };
    // Every choice, and the ranges' ends, must make a valid scenario.
    let combos = combinations(&prepared.problem.varies)?;
    for combo in &combos {
        for end in [0.0, 1.0] {
            let u = vec![end; continuous(&prepared.problem.varies)];
            prepared.model(&prepared.values(combo, &u))?;
        }
    }
    Ok(prepared)
}

/// Checks that `path` in `doc` can take a range: a numeric field, or one
/// the file leaves to its default (added; the scenario's validation judges
/// its name at the range's ends). A field that refuses a fraction takes
/// whole numbers: `[lo, hi]` is narrowed to them, and the answer is true.
pub(crate) fn range_field(
    doc: &Value,
    path: &str,
    lo: &mut f64,
    hi: &mut f64,
    file: &Path,
    options: &LoadOptions,
) -> anyhow::Result<bool> {
    let mut probe = doc.clone();
    let here = crate::analyses::sweep::field_or_default(&mut probe, path)?;
    if !(here.is_number() || here.is_null()) {
        bail!(
            "--vary `{path}`: a range needs a numeric field, and this one holds {}",
            crate::analyses::sweep::describe_value(here)
        );
    }
    *here = crate::analyses::sweep::json_number(lo.floor() + 0.5);
    let refused = crate::scenario::load::load_text_with(&probe.to_string(), file, options)
        .is_err_and(|e| e.to_string().contains("whole number"));
    if refused {
        *lo = lo.ceil();
        *hi = hi.floor();
        if lo >= hi {
            bail!("--vary `{path}` takes whole numbers: the range holds fewer than two");
        }
    }
    Ok(refused)
}

/// How many varied fields are ranges.
fn continuous(varies: &[Vary]) -> usize {
    varies
        .iter()
        .filter(|v| matches!(v.domain, Domain::Range { .. }))
        .count()
}

/// Every combination of the list fields' choices (one empty combination
/// when there are none).
fn combinations(varies: &[Vary]) -> anyhow::Result<Vec<Vec<Value>>> {
    let mut out: Vec<Vec<Value>> = vec![Vec::new()];
    for v in varies {
        if let Domain::Choices(choices) = &v.domain {
            out = out
                .into_iter()
                .flat_map(|c| {
                    choices.iter().map(move |x| {
                        let mut c = c.clone();
                        c.push(x.clone());
                        c
                    })
                })
                .collect();
            if out.len() > MAX_COMBINATIONS {
                bail!("the list fields have more than {MAX_COMBINATIONS} combinations");
            }
        }
    }
    Ok(out)
}

impl Prepared {
    /// The fields' values at scaled point `u` (each in [0, 1], clamped)
    /// with list fields from `combo`.
    fn values(&self, combo: &[Value], u: &[f64]) -> Vec<Value> {
        let (mut k, mut c) = (0, 0);
        self.problem
            .varies
            .iter()
            .map(|v| match &v.domain {
                Domain::Range { lo, hi, whole } => {
                    let t = u[k].clamp(0.0, 1.0);
                    k += 1;
                    let x = lo + t * (hi - lo);
                    if *whole {
                        crate::analyses::sweep::json_number(x.round())
                    } else {
                        crate::analyses::sweep::json_number(four_digits(x))
                    }
                }
                Domain::Choices(_) => {
                    c += 1;
                    combo[c - 1].clone()
                }
            })
            .collect()
    }
}

/// Everything the search found, in evaluation order.
pub struct Search {
    pub evaluations: Vec<Evaluation>,
    /// The best feasible evaluation after each evaluation (`None` before
    /// the first feasible one): the convergence curve.
    pub best_after: Vec<Option<usize>>,
}

impl Search {
    /// The best feasible evaluation.
    pub fn best(&self) -> Option<usize> {
        self.best_after.last().copied().flatten()
    }

    /// The infeasible evaluation closest to feasible.
    pub fn closest(&self) -> Option<usize> {
        (0..self.evaluations.len())
            .filter(|&i| !self.evaluations[i].feasible)
            .min_by(|&a, &b| {
                self.evaluations[a]
                    .violation
                    .total_cmp(&self.evaluations[b].violation)
            })
    }
}

/// The search's memory: every distinct setting evaluated, once.
struct Ledger<'p> {
    prepared: &'p Prepared,
    search: Search,
    seen: HashMap<String, usize>,
    progress: &'p dyn Fn(usize, Option<&Evaluation>),
    error: Option<anyhow::Error>,
    /// No evaluation past this count (the current combination's share).
    limit: usize,
}

impl Ledger<'_> {
    fn budget_left(&self) -> bool {
        self.search.evaluations.len() < self.limit
    }

    /// The rank key of the setting at `values`, simulating it if new.
    fn key(&mut self, values: Vec<Value>) -> Option<f64> {
        let id = serde_json::to_string(&values).expect("values serialise");
        if let Some(&i) = self.seen.get(&id) {
            return Some(self.prepared.rank_key(&self.search.evaluations[i]));
        }
        if !self.budget_left() || self.error.is_some() {
            return None;
        }
        match self.prepared.evaluate(&values) {
            Ok(e) => {
                let key = self.prepared.rank_key(&e);
                let i = self.search.evaluations.len();
                self.search.evaluations.push(e);
                self.seen.insert(id, i);
                let best = self.search.best();
                let better = self.search.evaluations[i].feasible
                    && best
                        .is_none_or(|b| key < self.prepared.rank_key(&self.search.evaluations[b]));
                self.search
                    .best_after
                    .push(if better { Some(i) } else { best });
                let shown = self.search.best().map(|b| &self.search.evaluations[b]);
                (self.progress)(self.search.evaluations.len(), shown);
                Some(key)
            }
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }
}

/// Bases of the Halton sequence, one per range field (cycled beyond 12).
const PRIMES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];

/// The i-th element of the van der Corput sequence in `base`: the Halton
/// sequence's coordinate, evenly spread over [0, 1).
fn halton(mut i: u64, base: u64) -> f64 {
    let (mut f, mut r) = (1.0, 0.0);
    while i > 0 {
        f /= base as f64;
        r += f * (i % base) as f64;
        i /= base;
    }
    r
}

/// The cost of a point not evaluated because the budget is spent: above
/// every evaluated point's (infeasible ones' included).
const SPENT: f64 = 3e300;

/// Nelder-Mead's view of one combination: scaled fields in, rank key out.
struct Objective<'l, 'p> {
    ledger: std::cell::RefCell<&'l mut Ledger<'p>>,
    combo: Vec<Value>,
}

impl CostFunction for Objective<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    /// Once the budget is spent (or an evaluation failed), every new
    /// point costs more than any evaluated one and is not simulated: the
    /// solver winds down on its own (argmin's Nelder-Mead does not take a
    /// cost error), and the search stops after it.
    fn cost(&self, u: &Self::Param) -> Result<f64, ArgminError> {
        let mut ledger = self.ledger.borrow_mut();
        let values = ledger.prepared.values(&self.combo, u);
        Ok(ledger.key(values).unwrap_or(SPENT))
    }
}

/// Runs the search. `progress(done, best)` is called after each new
/// evaluation.
pub fn search(
    prepared: &Prepared,
    progress: &dyn Fn(usize, Option<&Evaluation>),
) -> anyhow::Result<Search> {
    let combos = combinations(&prepared.problem.varies)?;
    let d = continuous(&prepared.problem.varies);
    let mut ledger = Ledger {
        prepared,
        search: Search {
            evaluations: Vec::new(),
            best_after: Vec::new(),
        },
        seen: HashMap::new(),
        progress,
        error: None,
        limit: 0,
    };
    let budget = prepared.problem.budget;
    for (c, combo) in combos.iter().enumerate() {
        // Each combination gets an equal share of what is left.
        let share = (budget - ledger.search.evaluations.len()) / (combos.len() - c);
        let stop_at = ledger.search.evaluations.len() + share.max(1);
        ledger.limit = stop_at;
        if d == 0 {
            ledger.key(prepared.values(combo, &[]));
            continue;
        }
        // A space-filling start: the centre, then a Halton sequence, for
        // about two fifths of the share (at least 2d + 1 points).
        let n_design = (2 * d + 1).max(share * 2 / 5).min(share.max(1));
        let design: Vec<Vec<f64>> = std::iter::once(vec![0.5; d])
            .chain((1..).map(|i| {
                (0..d)
                    .map(|j| halton(i, PRIMES[j % PRIMES.len()]))
                    .collect()
            }))
            .take(n_design)
            .collect();
        let mut best_u = design[0].clone();
        let mut best_key = f64::INFINITY;
        for u in design {
            if ledger.search.evaluations.len() >= stop_at {
                break;
            }
            if let Some(k) = ledger.key(prepared.values(combo, &u)) {
                if k < best_key {
                    best_key = k;
                    best_u = u;
                }
            }
        }
        // Nelder-Mead from the best design point, restarted smaller.
        let mut size = 0.25;
        while ledger.search.evaluations.len() < stop_at && ledger.error.is_none() && size > 1e-3 {
            let simplex: Vec<Vec<f64>> = std::iter::once(best_u.clone())
                .chain((0..d).map(|i| {
                    let mut u = best_u.clone();
                    u[i] = if u[i] + size <= 1.0 {
                        u[i] + size
                    } else {
                        u[i] - size
                    };
                    u
                }))
                .collect();
            let local_budget = stop_at - ledger.search.evaluations.len();
            let found = {
                let objective = Objective {
                    ledger: std::cell::RefCell::new(&mut ledger),
                    combo: combo.clone(),
                };
                let solver = NelderMead::new(simplex)
                    .with_sd_tolerance(1e-9)
                    .expect("a positive tolerance");
                Executor::new(objective, solver)
                    .configure(|s| s.max_iters(4 * local_budget as u64 + 50))
                    .run()
                    .ok()
                    .and_then(|r| {
                        let state = r.state();
                        state.best_param.clone().map(|p| (p, state.best_cost))
                    })
                    .filter(|&(_, k)| k < SPENT)
            };
            if let Some((u, k)) = found {
                if k < best_key {
                    best_key = k;
                    best_u = u.iter().map(|x| x.clamp(0.0, 1.0)).collect();
                }
            } else {
                // The budget ran out mid-run: the ledger's best stands.
                break;
            }
            // Restart around the best point, closer in.
            size /= 2.0;
        }
        if let Some(e) = ledger.error.take() {
            return Err(e);
        }
    }
    if let Some(e) = ledger.error.take() {
        return Err(e);
    }
    Ok(ledger.search)
}
