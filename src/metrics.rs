//! The metric catalogue (MODEL.md section 8) and its computation from one
//! policy's run in one replication.
//!
//! The order of [`METRICS`] is the order of every output. A metric that is
//! undefined in a replication (a rate over zero leads, a Gini of all zeros)
//! is NaN here and is skipped by the estimates; if it is undefined in every
//! replication the outputs say `null`.

use crate::engine::PolicyRun;
use crate::model::Model;
use crate::stats::fairness::{gini, jain};

/// Which way is good, for verdicts and for marking the best value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
    /// A count or amount with no better side (volume, MDF spent).
    Neutral,
}

/// How a value reads to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Rate,
    Hours,
    Money,
    Index,
}

#[derive(Debug, Clone, Copy)]
pub struct Metric {
    pub name: &'static str,
    pub direction: Direction,
    pub unit: Unit,
}

const fn m(name: &'static str, direction: Direction, unit: Unit) -> Metric {
    Metric {
        name,
        direction,
        unit,
    }
}

use Direction::{HigherIsBetter as Up, LowerIsBetter as Down, Neutral};

pub const METRICS: [Metric; 32] = [
    m("volume.leads", Neutral, Unit::Count),
    m("volume.routed", Neutral, Unit::Count),
    m("volume.below_threshold", Neutral, Unit::Count),
    m("volume.unrouted", Down, Unit::Count),
    m("volume.rerouted", Down, Unit::Count),
    m("volume.to_house", Neutral, Unit::Count),
    m("volume.dropped", Down, Unit::Count),
    m("conversion.lead_to_opportunity", Up, Unit::Rate),
    m("conversion.lead_to_win", Up, Unit::Rate),
    m("conversion.opportunity_to_win", Up, Unit::Rate),
    m("speed.ttfc_mean_hours", Down, Unit::Hours),
    m("speed.ttfc_median_hours", Down, Unit::Hours),
    m("speed.ttfc_p90_hours", Down, Unit::Hours),
    m("speed.sla_breach_rate", Down, Unit::Rate),
    m("deals.wins", Up, Unit::Count),
    m("deals.avg_deal_size", Up, Unit::Money),
    m("deals.revenue", Up, Unit::Money),
    m("deals.avg_discount", Down, Unit::Rate),
    m("economics.payouts", Down, Unit::Money),
    m("economics.mdf", Neutral, Unit::Money),
    m("economics.clawbacks", Neutral, Unit::Money),
    m("economics.gross_profit", Up, Unit::Money),
    m("economics.payout_ratio", Down, Unit::Rate),
    m("economics.cost_per_win", Down, Unit::Money),
    m("fairness.gini_leads", Down, Unit::Index),
    m("fairness.jain_leads", Up, Unit::Index),
    m("fairness.max_share", Down, Unit::Rate),
    m("fairness.gini_earnings", Down, Unit::Index),
    m("fairness.quality_spread", Down, Unit::Index),
    m("fairness.starved_partners", Down, Unit::Count),
    m("partners.retained", Up, Unit::Count),
    m("partners.left", Down, Unit::Count),
];

pub const N_METRICS: usize = METRICS.len();

/// The index of a metric by its dotted name.
pub fn index_of(name: &str) -> Option<usize> {
    METRICS.iter().position(|m| m.name == name)
}

/// Partners need this many leads before their mean score counts towards
/// `fairness.quality_spread`.
pub const QUALITY_SPREAD_MIN_LEADS: u32 = 10;

#[inline]
fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 {
        num / den
    } else {
        f64::NAN
    }
}

/// Every metric of one run, in [`METRICS`] order; NaN where undefined.
pub fn compute(model: &Model, run: &PolicyRun) -> [f64; N_METRICS] {
    let o = &run.outcomes;
    let leads = run.leads as f64;
    let wins = o.won as f64;
    let net_partner_cost = run.payouts + run.mdf - run.clawbacks;
    let gross_profit =
        run.revenue * model.economics.gross_margin - run.payouts - run.mdf + run.clawbacks;

    let at_start: Vec<usize> = (0..run.partners.len())
        .filter(|&i| run.partners[i].active_at_start)
        .collect();
    let leads_per_capacity: Vec<f64> = at_start
        .iter()
        .map(|&i| run.partners[i].leads as f64 / model.partners[i].team.capacity as f64)
        .collect();
    let earnings: Vec<f64> = at_start.iter().map(|&i| run.partners[i].payouts).collect();
    let partner_leads: u32 = run.partners.iter().map(|p| p.leads).sum();
    let max_leads = run.partners.iter().map(|p| p.leads).max().unwrap_or(0);
    let mean_scores: Vec<f64> = run
        .partners
        .iter()
        .filter(|p| p.leads >= QUALITY_SPREAD_MIN_LEADS)
        .map(|p| p.score_sum / p.leads as f64)
        .collect();
    let quality_spread = if mean_scores.len() >= 2 {
        mean_scores
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
            - mean_scores.iter().copied().fold(f64::INFINITY, f64::min)
    } else {
        f64::NAN
    };
    let starved = at_start
        .iter()
        .filter(|&&i| run.partners[i].leads == 0)
        .count();
    let left = run
        .partners
        .iter()
        .filter(|p| p.left_at_hours.is_some())
        .count();

    [
        leads,
        run.routed as f64,
        o.below_threshold as f64,
        o.unrouted as f64,
        run.rerouted as f64,
        run.to_house as f64,
        o.dropped as f64,
        ratio(run.opportunities as f64, leads),
        ratio(wins, leads),
        ratio(wins, run.opportunities as f64),
        ratio(run.ttfc_sum_hours, run.contacts as f64),
        run.ttfc_median_hours.unwrap_or(f64::NAN),
        run.ttfc_p90_hours.unwrap_or(f64::NAN),
        ratio(run.sla_breaches as f64, run.sla_assignments as f64),
        wins,
        ratio(run.revenue, wins),
        run.revenue,
        ratio(run.discount_sum, wins),
        run.payouts,
        run.mdf,
        run.clawbacks,
        gross_profit,
        ratio(net_partner_cost, run.revenue),
        ratio(net_partner_cost, wins),
        gini(&leads_per_capacity).unwrap_or(f64::NAN),
        jain(&leads_per_capacity).unwrap_or(f64::NAN),
        ratio(max_leads as f64, partner_leads as f64),
        gini(&earnings).unwrap_or(f64::NAN),
        quality_spread,
        starved as f64,
        (run.partners.len() - left) as f64,
        left as f64,
    ]
}

/// What a paired difference from the baseline says, for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Better,
    Worse,
    /// Holm's adjusted p-value is above 5 %, or the metric has no better
    /// side. The unadjusted 95 % interval may still exclude 0: the verdict
    /// is adjusted for every comparison in the world, the interval is not.
    NoClearDifference,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::NoClearDifference => "no clear difference",
        }
    }
}
