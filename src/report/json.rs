//! `summary.json`: the stable interface users' scripts read (docs/scenario-format.md,
//! "`summary.json`"). The structs here are the schema; a test reads the output
//! back into them with unknown fields denied, so the schema cannot drift.

use serde::{Deserialize, Serialize};

use crate::format::round_sig;
use crate::metrics::{Metric, Verdict};
use crate::stats::Estimate;
use crate::summary::Summary;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryJson {
    pub leadsim_version: String,
    pub scenario: String,
    pub seed: u64,
    pub replications: u64,
    pub baseline: String,
    /// Every total (revenue, payouts, counts) is per this many days.
    #[serde(default)]
    pub horizon_days: f64,
    /// The window the figures cover: leads arriving from `warmup_days` on,
    /// read at `readout_day` (`null`: every lead followed to its end).
    #[serde(default)]
    pub warmup_days: f64,
    #[serde(default)]
    pub readout_day: Option<f64>,
    /// The ISO 4217 code money is in; `null` when the scenario does not say.
    #[serde(default)]
    pub currency: Option<String>,
    /// What validation warned about; the run went ahead.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// What makes the figures unfit to act on, one entry per kind.
    pub health: Vec<super::decision::HealthJson>,
    /// The recommendation on the scenario's `decision` objective.
    pub decision: super::decision::DecisionJson,
    pub results: Vec<ResultJson>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultJson {
    pub policy: String,
    pub world: String,
    pub metrics: OrderedMap<StatJson>,
    pub vs_baseline: OrderedMap<DiffJson>,
}

/// A metric across replications; every field is `null` when the metric was
/// undefined in every replication, and `sd`/`ci95` are `null` with one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatJson {
    /// Replications in which the metric was defined: what `mean` averages.
    #[serde(default)]
    pub n: u64,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub p10: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
}

/// The paired difference from the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffJson {
    /// Replications in which the metric was defined for both policies.
    #[serde(default)]
    pub n: u64,
    pub mean: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    /// `"better"`, `"worse"` or `"no_clear_difference"` (paired t-tests,
    /// Holm-adjusted at 5 % within the world); `null` for the baseline
    /// itself and for metrics with no better side.
    #[serde(default)]
    pub verdict: Option<String>,
    /// The Holm-adjusted p-value behind the verdict.
    #[serde(default)]
    pub p_holm: Option<f64>,
}

pub use crate::format::OrderedMap;

fn stat(e: &Option<Estimate>) -> StatJson {
    match e {
        None => StatJson {
            n: 0,
            mean: None,
            sd: None,
            ci95: None,
            p10: None,
            p50: None,
            p90: None,
        },
        Some(e) => StatJson {
            n: e.n,
            mean: Some(round_sig(e.mean)),
            sd: e.sd.map(round_sig),
            ci95: e.ci95.map(|(lo, hi)| [round_sig(lo), round_sig(hi)]),
            p10: Some(round_sig(e.p10)),
            p50: Some(round_sig(e.p50)),
            p90: Some(round_sig(e.p90)),
        },
    }
}

fn diff(e: &Option<Estimate>, verdict: Option<&str>, p_holm: Option<f64>) -> DiffJson {
    DiffJson {
        n: e.map_or(0, |e| e.n),
        mean: e.map(|e| round_sig(e.mean)),
        ci95: e
            .and_then(|e| e.ci95)
            .map(|(lo, hi)| [round_sig(lo), round_sig(hi)]),
        verdict: verdict.map(str::to_string),
        p_holm: p_holm.map(round_sig),
    }
}

/// The verdict of a cell's metric `k` as `summary.json` spells it, or
/// `None` where there is no verdict (baseline, metric with no better side,
/// undefined difference).
pub fn verdict_word(c: &crate::summary::Cell, k: Metric) -> Option<&'static str> {
    c.p_holm[k]?;
    Some(match c.verdicts[k] {
        Verdict::Better => "better",
        Verdict::Worse => "worse",
        Verdict::NoClearDifference => "no_clear_difference",
    })
}

impl SummaryJson {
    pub fn from_summary(s: &Summary) -> Self {
        SummaryJson {
            leadsim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: s.scenario.clone(),
            seed: s.seed,
            replications: s.replications,
            baseline: s.baseline.clone(),
            horizon_days: round_sig(s.horizon_days),
            warmup_days: round_sig(s.warmup_days),
            readout_day: s.readout_day.map(round_sig),
            currency: s.currency.clone(),
            warnings: s.warnings.clone(),
            health: super::decision::HealthJson::all(s),
            decision: super::decision::DecisionJson::from_summary(s),
            results: s
                .cells
                .iter()
                .map(|c| ResultJson {
                    policy: c.policy.clone(),
                    world: c.world.clone(),
                    metrics: OrderedMap(
                        c.metrics
                            .iter()
                            .map(|(m, e)| (m.name().to_string(), stat(e)))
                            .collect(),
                    ),
                    vs_baseline: OrderedMap(
                        c.vs_baseline
                            .iter()
                            .map(|(k, e)| {
                                (
                                    k.name().to_string(),
                                    diff(e, verdict_word(c, k), c.p_holm[k]),
                                )
                            })
                            .collect(),
                    ),
                })
                .collect(),
        }
    }
}

/// The bytes of `summary.json`: pretty-printed, two-space indent, newline-terminated.
pub fn render(s: &Summary) -> Vec<u8> {
    let mut out =
        serde_json::to_vec_pretty(&SummaryJson::from_summary(s)).expect("summary serialises");
    out.push(b'\n');
    out
}
