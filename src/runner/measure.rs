//! Computing every metric of the catalogue from one policy's run in one
//! replication. A metric that is undefined in a replication (a rate over
//! zero leads, a Gini of all zeros) is NaN here and is skipped by the
//! estimates; if it is undefined in every replication the outputs say
//! `null`.

use crate::engine::PolicyRun;
use crate::metrics::{Metric, PerMetric};
use crate::model::Model;
use crate::stats::fairness::{gini, jain};

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

/// Every metric of one run; NaN where undefined. The match is exhaustive,
/// so a metric added to the catalogue without a value here does not compile.
pub fn compute(model: &Model, run: &PolicyRun) -> PerMetric<f64> {
    let o = &run.outcomes;
    let leads = run.leads as f64;
    let wins = o.won as f64;
    let net_partner_cost = run.payouts + run.mdf - run.clawbacks;
    let net_revenue = run.revenue - run.churned_revenue;
    let house_cost = run.to_house as f64 * model.economics.house_cost_per_lead;
    let gross_profit = net_revenue * model.economics.gross_margin - run.payouts - run.mdf
        + run.clawbacks
        - house_cost
        - run.enablement;

    let at_start: Vec<usize> = (0..run.partners.len())
        .filter(|&i| run.partners[i].active_at_start)
        .collect();
    let leads_per_capacity: Vec<f64> = at_start
        .iter()
        .map(|&i| run.partners[i].leads as f64 / model.partners[i].team.capacity as f64)
        .collect();
    let per_capacity = |value: &dyn Fn(&crate::engine::PartnerTally) -> f64| -> Vec<f64> {
        at_start
            .iter()
            .map(|&i| value(&run.partners[i]) / model.partners[i].team.capacity as f64)
            .collect()
    };
    let kept_per_capacity = per_capacity(&|p| p.contacts as f64);
    let value_per_capacity = per_capacity(&|p| p.value_kept);
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

    PerMetric::from_fn(|metric| match metric {
        Metric::Leads => leads,
        Metric::Routed => run.routed as f64,
        Metric::BelowThreshold => o.below_threshold as f64,
        Metric::Unrouted => o.unrouted as f64,
        Metric::Rerouted => run.rerouted as f64,
        Metric::ToHouse => run.to_house as f64,
        Metric::Dropped => o.dropped as f64,
        Metric::Escalated => run.escalated as f64,
        Metric::Reserved => run.reserved as f64,
        Metric::ChannelConflicts => run.channel_conflicts as f64,
        Metric::Sourced => run.sourced as f64,
        Metric::Recycled => run.recycled as f64,
        Metric::Unreached => o.unreached as f64,
        Metric::Offers => run.offers as f64,
        Metric::Rejections => run.rejections as f64,
        Metric::OfferTimeouts => run.offer_timeouts as f64,
        Metric::OpenAtReadout => run.open_at_readout as f64,
        Metric::LeadToOpportunity => ratio(run.opportunities as f64, leads),
        Metric::LeadToWin => ratio(wins, leads),
        Metric::OpportunityToWin => ratio(wins, run.opportunities as f64),
        Metric::TtfcMean => ratio(run.ttfc_sum_hours, run.contacts as f64),
        Metric::TtfcMedian => run.ttfc_median_hours.unwrap_or(f64::NAN),
        Metric::TtfcP90 => run.ttfc_p90_hours.unwrap_or(f64::NAN),
        Metric::SlaBreachRate => ratio(run.sla_breaches as f64, run.sla_assignments as f64),
        Metric::AfterHoursShare => ratio(run.after_hours as f64, run.routed as f64),
        Metric::TimeToAcceptMedian => run.time_to_accept_median_hours.unwrap_or(f64::NAN),
        Metric::Wins => wins,
        Metric::AvgDealSize => ratio(run.revenue, wins),
        Metric::Revenue => run.revenue,
        Metric::ChurnedRevenue => run.churned_revenue,
        Metric::NetRevenue => net_revenue,
        Metric::AvgDiscount => ratio(run.discount_sum, wins),
        Metric::Payouts => run.payouts,
        Metric::Mdf => run.mdf,
        Metric::Clawbacks => run.clawbacks,
        Metric::HouseCost => house_cost,
        Metric::Enablement => run.enablement,
        Metric::PartnerSourcedRevenue => run.sourced_revenue,
        Metric::SourcedPipelineLost => run.sourced_pipeline_lost,
        Metric::CoSold => run.co_sold as f64,
        Metric::GrossProfit => gross_profit,
        Metric::PayoutRatio => ratio(net_partner_cost, run.revenue),
        Metric::CostPerWin => ratio(net_partner_cost, wins),
        Metric::GiniKept => gini(&kept_per_capacity).unwrap_or(f64::NAN),
        Metric::GiniValue => gini(&value_per_capacity).unwrap_or(f64::NAN),
        Metric::GiniLeads => gini(&leads_per_capacity).unwrap_or(f64::NAN),
        Metric::JainLeads => jain(&leads_per_capacity).unwrap_or(f64::NAN),
        Metric::MaxShare => ratio(max_leads as f64, partner_leads as f64),
        Metric::GiniEarnings => gini(&earnings).unwrap_or(f64::NAN),
        Metric::QualitySpread => quality_spread,
        Metric::StarvedPartners => starved as f64,
        Metric::PartnersRetained => (run.partners.len() - left) as f64,
        Metric::PartnersLeft => left as f64,
        Metric::Promoted => run.promoted as f64,
        Metric::Demoted => run.demoted as f64,
        Metric::ExclusivityRevoked => run
            .partners
            .iter()
            .filter(|p| p.exclusivity_revoked_at.is_some())
            .count() as f64,
    })
}
