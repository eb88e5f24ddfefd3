//! `leadsim decide`'s outputs: `decision.json`, the sentences that say
//! what would flip the recommendation, and the report's section.

use serde::{Deserialize, Serialize};

use crate::analyses::decide::Decided;
use crate::analyses::sensitivity::{Analysis, Row};
use crate::format::{human, round_sig};

use super::html::Section;

/// `decision.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionFile {
    pub objective: String,
    pub direction: String,
    pub recommended: Option<String>,
    pub runner_up: Option<String>,
    /// The run's own decision, as `summary.json` has it.
    pub decision: super::decision::DecisionJson,
    pub assumptions: Vec<AssumptionJson>,
}

/// One assumption: its range, whether the recommendation holds over all
/// of it, and where it flips.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssumptionJson {
    pub path: String,
    pub low: f64,
    pub high: f64,
    /// The recommendation stays at both ends and no flip was found.
    pub holds: bool,
    pub holds_at_low: bool,
    pub holds_at_high: bool,
    /// The first value found where the recommendation changes.
    pub break_even: Option<f64>,
    /// Recommended minus runner-up on the objective (positive: the
    /// recommendation is better) at the two ends.
    pub difference_at_low: Option<f64>,
    pub difference_at_high: Option<f64>,
}

fn assumption(r: &Row) -> AssumptionJson {
    AssumptionJson {
        path: r.assumption.path.clone(),
        low: round_sig(r.assumption.lo),
        high: round_sig(r.assumption.hi),
        holds: r.low.wins && r.high.wins,
        holds_at_low: r.low.wins,
        holds_at_high: r.high.wins,
        break_even: r.sign_change.map(|e| round_sig(e.value)),
        difference_at_low: r.low.difference.map(|d| round_sig(d.mean)),
        difference_at_high: r.high.difference.map(|d| round_sig(d.mean)),
    }
}

/// The bytes of `decision.json`.
pub fn json(d: &Decided) -> Vec<u8> {
    let s = &d.summary;
    let decision = super::decision::DecisionJson::from_summary(s);
    let file = DecisionFile {
        objective: decision.objective.clone(),
        direction: decision.direction.clone(),
        recommended: decision.recommended.clone(),
        runner_up: decision.runner_up.clone(),
        assumptions: d
            .flips
            .as_ref()
            .map_or(Vec::new(), |a| a.rows.iter().map(assumption).collect()),
        decision,
    };
    let mut out = serde_json::to_vec_pretty(&file).expect("decision serialises");
    out.push(b'\n');
    out
}

/// "house.cost_per_lead" as a sentence names a value of it.
fn number(v: f64) -> String {
    human(round_sig(v), crate::metrics::Unit::Count)
}

/// One sentence per assumption: where the recommendation holds and what
/// would flip it.
pub fn sentences(d: &Decided) -> Vec<String> {
    let s = &d.summary;
    let Some(a) = &d.flips else {
        return vec![match s.decision.recommended {
            None => "No policy is recommended, so there is nothing to flip.".to_string(),
            Some(r) => format!(
                "{} is the only policy that qualifies: nothing to weigh it against.",
                s.cells[r].policy
            ),
        }];
    };
    let mut out = vec![format!(
        "{} is recommended over the runner-up {}; each assumption below was run with only the two, at both ends of its range, with a bisection where the recommendation changes:",
        a.policy, a.versus
    )];
    out.extend(a.rows.iter().map(|r| flip(a, r)));
    out
}

fn flip(a: &Analysis, r: &Row) -> String {
    let path = &r.assumption.path;
    let (lo, hi) = (number(r.assumption.lo), number(r.assumption.hi));
    match (r.low.wins, r.high.wins, r.sign_change) {
        (true, true, _) => format!("`{path}`: holds from {lo} to {hi}."),
        (true, false, Some(e)) => format!(
            "`{path}`: holds unless it is above about {} ({} is recommended from there to {hi}).",
            number(e.value),
            a.versus
        ),
        (false, true, Some(e)) => format!(
            "`{path}`: holds unless it is below about {} ({} is recommended from {lo} to there).",
            number(e.value),
            a.versus
        ),
        _ => format!(
            "`{path}`: does not hold at either end of {lo} to {hi}: {} is recommended at both.",
            a.versus
        ),
    }
}

/// The report's section: the flips, then the tornado.
pub fn section(d: &Decided, tornado: Option<String>) -> Section {
    let mut paragraphs = sentences(d);
    paragraphs.push(format!(
        "The ranges: the house's cost per lead 0 to {} (with a house), the horizon {} to {} times the file's, churn's revenue loss 0 to 1 (with churn), the speed-to-lead half-life {} to {} hours (from the steep decay Oldroyd et al. measured within the first hour to a two-day fade); `--vary PATH=lo:hi` adds or overrides one (docs/decide.md).",
        crate::analyses::decide::HOUSE_COST_HIGH,
        crate::analyses::decide::HORIZON_FACTORS.0,
        crate::analyses::decide::HORIZON_FACTORS.1,
        crate::analyses::decide::HALF_LIFE_HOURS.0,
        crate::analyses::decide::HALF_LIFE_HOURS.1,
    ));
    Section {
        title: "What would flip the recommendation".to_string(),
        paragraphs,
        figures: tornado
            .map(|t| {
                (
                    "Recommended minus runner-up at each end of each assumption".to_string(),
                    t,
                )
            })
            .into_iter()
            .collect(),
    }
}
