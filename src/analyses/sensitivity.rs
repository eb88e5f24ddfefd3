//! `leadsim sensitivity`: which assumptions a recommendation hangs on
//! (docs/sensitivity.md).
//!
//! For each assumption (a numeric field, addressed as `sweep` addresses
//! it) the paired difference B - A on one metric is measured at the low
//! and the high end of its range, on common random numbers, with the
//! verdict at each end. Inside the range, bisection finds where the sign
//! of the difference changes and where the verdict changes (one point, or
//! two when it goes from worse through no clear difference to better).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde_json::Value;

use crate::metrics::{Metric, Verdict};
use crate::runner::RunConfig;
use crate::scenario::load::LoadOptions;
use crate::stats::Estimate;
use crate::summary::Summary;

/// Bisection steps for a break-even value (the range shrinks 2^12-fold).
pub const BISECTION_STEPS: u32 = 12;

/// One assumption: a numeric field and its range.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumption {
    pub path: String,
    pub lo: f64,
    pub hi: f64,
    /// The field takes whole numbers.
    pub whole: bool,
}

/// The comparison at one value of an assumption.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct End {
    pub value: f64,
    /// The paired difference B - A, `None` where undefined.
    pub difference: Option<Estimate>,
    pub verdict: Verdict,
    /// B comes out ahead: B - A above zero, or (for `decide`) B is the
    /// recommendation.
    pub wins: bool,
}

impl End {
    fn mean(&self) -> f64 {
        self.difference.map_or(f64::NAN, |d| d.mean)
    }

    /// What decides the recommendation here: the sign of the difference
    /// and the verdict.
    fn outcome(&self) -> (bool, Verdict) {
        (self.wins, self.verdict)
    }
}

/// One assumption's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub assumption: Assumption,
    pub low: End,
    pub high: End,
    /// |difference at high - difference at low|.
    pub swing: f64,
    /// Where the difference's sign changes inside the range.
    pub sign_change: Option<End>,
    /// Where the verdict changes inside the range, from the low end's
    /// verdict towards the high end's: each the first value found with
    /// the new verdict (two when it goes from worse to better through no
    /// clear difference).
    pub verdict_changes: Vec<End>,
}

impl Row {
    /// The break-even: where the difference's sign changes inside the
    /// range, else where the verdict does (the first verdict change).
    pub fn break_even(&self) -> Option<End> {
        self.sign_change.or(self.verdict_changes.first().copied())
    }
}

/// The whole analysis.
pub struct Analysis {
    pub policy: String,
    pub versus: String,
    pub metric: Metric,
    /// The comparison at the file's own values.
    pub base: Summary,
    pub base_end: End,
    /// Largest swing first.
    pub rows: Vec<Row>,
}

/// The comparison's scenario: the two policies, A as the baseline.
struct Setup {
    doc: Value,
    /// The file's text, and which of its policies the document keeps (the
    /// comparison's, in order), for errors told against the file.
    text: String,
    kept: Vec<usize>,
    file: PathBuf,
    options: LoadOptions,
    policy: String,
    metric: Metric,
    config: RunConfig,
    /// Read the outcome from the run's decision (B recommended over A, on
    /// the scenario's objective, guardrails and worlds) instead of the
    /// base world's paired difference.
    by_decision: bool,
}

impl Setup {
    fn model(&self, at: Option<(&Assumption, f64)>) -> anyhow::Result<crate::model::Model> {
        let mut doc = self.doc.clone();
        if let Some((a, v)) = at {
            *crate::analyses::sweep::field_or_default(&mut doc, &a.path)? =
                crate::analyses::sweep::json_number(v);
        }
        crate::scenario::load::load_text_with(&doc.to_string(), &self.file, &self.options).map_err(
            |e| {
                let at = at.map_or(String::new(), |(a, v)| format!(" with {}={v}", a.path));
                let e = e.against(&self.text, &self.file, &self.kept);
                anyhow::anyhow!("the scenario{at} is not valid: {e}")
            },
        )
    }

    fn summary(&self, at: Option<(&Assumption, f64)>) -> anyhow::Result<Summary> {
        let model = self.model(at)?;
        crate::simulate::simulate(&model, &self.config, &|_| {})
    }

    fn end_of(&self, summary: &Summary, value: f64) -> End {
        if self.by_decision {
            return decision_end(summary, value);
        }
        let cell = summary
            .world_cells(crate::summary::BASE_WORLD)
            .into_iter()
            .find(|c| c.policy == self.policy)
            .expect("the policy is in the comparison");
        let difference = cell.vs_baseline[self.metric];
        End {
            value,
            difference,
            verdict: cell.verdicts[self.metric],
            wins: difference.is_some_and(|d| d.mean > 0.0),
        }
    }

    fn end(&self, a: &Assumption, value: f64) -> anyhow::Result<End> {
        let s = self.summary(Some((a, value)))?;
        Ok(self.end_of(&s, value))
    }
}

/// Parses `PATH=lo:hi`.
pub fn parse_assumption(spec: &str) -> anyhow::Result<Assumption> {
    let vary = crate::analyses::optimize::parse_vary(spec)?;
    match vary.domain {
        crate::analyses::optimize::Domain::Range { lo, hi, .. } => Ok(Assumption {
            path: vary.path,
            lo,
            hi,
            whole: false,
        }),
        crate::analyses::optimize::Domain::Choices(_) => {
            bail!("--vary `{spec}`: an assumption takes a range lo:hi")
        }
    }
}

/// Runs the analysis: the comparison at the file's values, then each
/// assumption at its two ends, and a bisection where the outcome changes.
/// Everything is checked (policies, paths, both ends of every range)
/// before the first simulation.
#[allow(clippy::too_many_arguments)]
pub fn analyse(
    text: &str,
    file: &Path,
    options: &LoadOptions,
    policy: &str,
    versus: &str,
    metric: Metric,
    assumptions: Vec<Assumption>,
    config: RunConfig,
    progress: &dyn Fn(&str),
) -> anyhow::Result<Analysis> {
    let question = Question {
        policy,
        versus,
        metric,
        by_decision: false,
    };
    analyse_question(text, file, options, question, assumptions, config, progress)
}

/// What an analysis asks: does B (`policy`) beat A (`versus`)?
pub struct Question<'q> {
    pub policy: &'q str,
    pub versus: &'q str,
    /// The metric compared (the objective, for a decision).
    pub metric: Metric,
    /// Whether "beats" means "is the scenario's recommendation", on its
    /// `decision` (objective, guardrails, worlds), rather than a positive
    /// paired difference in the base world.
    pub by_decision: bool,
}

/// [`analyse`], for any [`Question`].
pub fn analyse_question(
    text: &str,
    file: &Path,
    options: &LoadOptions,
    question: Question,
    assumptions: Vec<Assumption>,
    config: RunConfig,
    progress: &dyn Fn(&str),
) -> anyhow::Result<Analysis> {
    let Question {
        policy,
        versus,
        metric,
        by_decision,
    } = question;
    if assumptions.is_empty() {
        bail!("give at least one --vary assumption");
    }
    if policy == versus {
        bail!("--policy and --vs name the same policy `{policy}`");
    }
    crate::analyses::sweep::check_varied(
        "--vary",
        &assumptions
            .iter()
            .map(|a| a.path.as_str())
            .collect::<Vec<_>>(),
    )?;
    let mut doc: Value =
        serde_json::from_str(text).with_context(|| format!("{} is not JSON", file.display()))?;
    let policies = doc
        .get("policies")
        .and_then(Value::as_array)
        .context("the scenario has no `policies` list")?
        .clone();
    let names: Vec<&str> = policies
        .iter()
        .filter_map(|p| p.get("name")?.as_str())
        .collect();
    let find = |flag: &str, name: &str| -> anyhow::Result<Value> {
        policies
            .iter()
            .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
            .cloned()
            .with_context(|| {
                format!(
                    "{flag} `{name}`: no such policy (policies: {}){}",
                    names.join(", "),
                    crate::scenario::errors::did_you_mean(name, names.iter().copied())
                )
            })
    };
    let (b, a) = (find("--policy", policy)?, find("--vs", versus)?);
    let index = |name: &str| names.iter().position(|n| *n == name).unwrap_or(0);
    let kept = vec![index(versus), index(policy)];
    doc["policies"] = Value::Array(vec![a, b]);
    doc["baseline"] = Value::String(versus.to_string());
    if let Some(map) = doc.as_object_mut() {
        map.remove("expect");
    }
    let setup = Setup {
        doc,
        text: text.to_string(),
        kept,
        file: file.to_path_buf(),
        options: options.clone(),
        policy: policy.to_string(),
        metric,
        config,
        by_decision,
    };
    let mut assumptions = assumptions;
    for a in &mut assumptions {
        a.whole = crate::analyses::optimize::range_field(
            &setup.doc,
            &a.path,
            &mut a.lo,
            &mut a.hi,
            &setup.file,
            &setup.options,
        )?;
        setup.model(Some((a, a.lo)))?;
        setup.model(Some((a, a.hi)))?;
    }
    progress("the file's values");
    let base = setup.summary(None)?;
    let base_end = setup.end_of(&base, f64::NAN);
    let mut rows = Vec::new();
    for a in assumptions {
        progress(&a.path);
        let low = setup.end(&a, a.lo)?;
        let high = setup.end(&a, a.hi)?;
        let sign_change = if low.outcome().0 != high.outcome().0 {
            let sign = high.outcome().0;
            Some(bisect(&setup, &a, low, high, &|e| e.outcome().0 == sign)?)
        } else {
            None
        };
        let verdict_changes = verdict_changes(&setup, &a, low, high)?;
        rows.push(Row {
            swing: (high.mean() - low.mean()).abs(),
            assumption: a,
            low,
            high,
            sign_change,
            verdict_changes,
        });
    }
    rows.sort_by(|x, y| y.swing.total_cmp(&x.swing));
    Ok(Analysis {
        policy: policy.to_string(),
        versus: versus.to_string(),
        metric,
        base,
        base_end,
        rows,
    })
}

/// Where the verdict changes between the ends: none when they agree; one
/// point when it moves one step (worse or better to no clear difference,
/// or back); two when it goes from worse to better, or back: first where
/// it leaves the low end's verdict, then where it reaches the high end's.
fn verdict_changes(setup: &Setup, a: &Assumption, low: End, high: End) -> anyhow::Result<Vec<End>> {
    if low.verdict == high.verdict {
        return Ok(Vec::new());
    }
    let first = bisect(setup, a, low, high, &|e| e.verdict != low.verdict)?;
    if first.verdict == high.verdict {
        return Ok(vec![first]);
    }
    let second = bisect(setup, a, first, high, &|e| e.verdict == high.verdict)?;
    Ok(vec![first, second])
}

/// The first value inside (low, high] found `like_high` (true at `high`,
/// false at `low`), by bisection.
fn bisect(
    setup: &Setup,
    a: &Assumption,
    low: End,
    high: End,
    like_high: &dyn Fn(&End) -> bool,
) -> anyhow::Result<End> {
    let (mut lo, mut hi) = (low, high);
    for _ in 0..BISECTION_STEPS {
        let mid = (lo.value + hi.value) / 2.0;
        let mid = if a.whole {
            mid.round()
        } else {
            crate::format::round_sig(mid)
        };
        if mid == lo.value || mid == hi.value {
            break;
        }
        let e = setup.end(a, mid)?;
        if like_high(&e) {
            hi = e;
        } else {
            lo = e;
        }
    }
    Ok(hi)
}

/// The decision's reading of a two-policy run (A the baseline, B second):
/// B minus A on the objective in the worlds the decision judges them in
/// (positive: B better), its verdict from that interval, and whether B is
/// the recommendation.
fn decision_end(summary: &Summary, value: f64) -> End {
    let d = &summary.decision;
    let contrast = d.judged.get(1).and_then(|j| j.vs_baseline);
    let difference = contrast.map(|c| {
        let hw = if c.df > 0 {
            crate::stats::t_975(c.df) * c.se
        } else {
            0.0
        };
        let n = c.df + 1;
        Estimate {
            n,
            mean: c.mean,
            sd: (c.df > 0).then(|| c.se * (n as f64).sqrt()),
            ci95: (c.df > 0).then_some((c.mean - hw, c.mean + hw)),
            p10: f64::NAN,
            p50: f64::NAN,
            p90: f64::NAN,
        }
    });
    let verdict = match difference.and_then(|e| e.ci95) {
        Some((lo, _)) if lo > 0.0 => Verdict::Better,
        Some((_, hi)) if hi < 0.0 => Verdict::Worse,
        _ => Verdict::NoClearDifference,
    };
    End {
        value,
        difference,
        verdict,
        wins: d.recommended == Some(1),
    }
}
