//! Partner behaviour (docs/scenario-format.md, "Partner behaviour"): every `review_days` each partner
//! sets its effort from its earnings per lead received since the last
//! review, and a partner whose earnings stay below `min_period_earnings` for
//! `patience_periods` reviews in a row leaves the programme.
//!
//! Reviews run during the horizon only (when leads arrive); after it,
//! efforts stay as they are while open work drains. Nothing here draws a
//! random number, so a scenario without behaviour gives the same bits with
//! or without these reviews.

use super::NONE;
use crate::model::{Exclusivity, Partner, TierProgramme, EXCLUSIVITY_MIN_LEADS, HOURS_PER_DAY};

/// A partner's changing state within one run.
#[derive(Debug, Clone, Copy)]
pub(super) struct PartnerState {
    pub(super) left: bool,
    /// Copied from the model so the per-lead pass stays in this small struct.
    pub(super) joins_hours: f64,
    pub(super) has_away: bool,
    pub(super) effort: f64,
    /// Reviews in a row with earnings below `min_period_earnings`.
    pub(super) strikes: u32,
    /// Leads received since the last review (its earnings are
    /// [`super::money::Money`]'s).
    pub(super) window_leads: u32,
    /// Its current tier, since when (`tiers` moves it), and its won revenue
    /// since the last tier review.
    pub(super) tier: usize,
    pub(super) tier_since: f64,
    pub(super) window_revenue: f64,
    /// Holds its exclusive territory (`exclusive`, honoured and not
    /// revoked).
    pub(super) exclusive: bool,
    /// The partner that acquired it (its sourced leads go there), if any.
    pub(super) successor: u32,
    /// For exclusivity's guardrails, since the start: leads worked (first
    /// contact made, or taken back by the SLA), opportunities, assignments
    /// under an SLA and SLA breaches.
    pub(super) worked: u32,
    pub(super) opportunities: u32,
    pub(super) sla_assigned: u32,
    pub(super) breaches: u32,
    /// Leads kept to first contact in payout period `kept_period` (the
    /// reserve's `least_served`).
    pub(super) kept_period: u64,
    pub(super) kept_in_period: u32,
}

impl Default for PartnerState {
    fn default() -> Self {
        PartnerState {
            left: false,
            joins_hours: f64::NEG_INFINITY,
            has_away: false,
            effort: 1.0,
            strikes: 0,
            window_leads: 0,
            tier: 0,
            tier_since: 0.0,
            window_revenue: 0.0,
            exclusive: false,
            successor: NONE,
            worked: 0,
            opportunities: 0,
            sla_assigned: 0,
            breaches: 0,
            kept_period: 0,
            kept_in_period: 0,
        }
    }
}

impl PartnerState {
    /// The state `partner` starts a run in.
    pub(super) fn joining(partner: &Partner) -> Self {
        PartnerState {
            joins_hours: partner.joins_hours.unwrap_or(f64::NEG_INFINITY),
            has_away: !partner.away.is_empty(),
            tier: partner.tier,
            tier_since: partner.joins_hours.unwrap_or(0.0).max(0.0),
            ..PartnerState::default()
        }
    }

    /// A behaviour review at which the partner saw `earnings` (received
    /// since its last review): its effort follows its earnings per lead
    /// received (with its elasticity, against `reference` a lead), and a
    /// new window begins. True when it leaves: its earnings stayed below
    /// `min_period_earnings` for `patience_periods` reviews in a row.
    pub(super) fn review(&mut self, partner: &Partner, earnings: f64, reference: f64) -> bool {
        let per_lead = if self.window_leads > 0 {
            earnings / self.window_leads as f64
        } else {
            0.0
        };
        if partner.effort_elasticity > 0.0 {
            self.effort = effort(per_lead, reference, partner.effort_elasticity);
        }
        self.window_leads = 0;
        if partner.min_period_earnings <= 0.0 {
            return false;
        }
        if earnings < partner.min_period_earnings {
            self.strikes += 1;
        } else {
            self.strikes = 0;
        }
        self.strikes >= partner.patience_periods
    }

    /// A tier review at `t`: the partner's tier for its won revenue since
    /// the last review (which starts afresh), with the days spent in the
    /// tier it leaves added to `days` (its row of days per tier). The
    /// move (from, to), if it moves.
    pub(super) fn review_tier(
        &mut self,
        programme: &TierProgramme,
        t: f64,
        days: &mut [f64],
    ) -> Option<(usize, usize)> {
        let revenue = std::mem::take(&mut self.window_revenue);
        let to = programme.level_for(revenue);
        let from = self.tier;
        if to == from {
            return None;
        }
        days[from] += (t - self.tier_since) / 24.0;
        self.tier = to;
        self.tier_since = t;
        Some((from, to))
    }

    /// The partner kept a lead to first contact in payout period `period`
    /// (the reserve's `least_served` counts them per period).
    pub(super) fn kept(&mut self, period: u64) {
        if self.kept_period != period {
            self.kept_period = period;
            self.kept_in_period = 0;
        }
        self.kept_in_period += 1;
        self.worked += 1;
    }

    /// The SLA took a lead back from the partner: worked (and lost), and a
    /// breach.
    pub(super) fn breached(&mut self) {
        self.worked += 1;
        self.breaches += 1;
    }

    /// Adds the days the partner spent in its current tier, to `end`, to
    /// `days` (its row of days per tier).
    pub(super) fn close_tier_days(&self, end: f64, days: &mut [f64]) {
        days[self.tier] += ((end - self.tier_since) / HOURS_PER_DAY).max(0.0);
    }

    /// Whether the partner breaks one of exclusivity's guardrails (judged
    /// once it has worked `EXCLUSIVITY_MIN_LEADS`): too few of its leads
    /// became opportunities, or too many of its SLA assignments breached.
    pub(super) fn breaks_guardrails(&self, ex: &Exclusivity) -> bool {
        let min = EXCLUSIVITY_MIN_LEADS;
        let slow_to_qualify = ex.min_lead_to_opportunity.is_some_and(|m| {
            self.worked >= min && (self.opportunities as f64) < m * self.worked as f64
        });
        let breaches = ex.max_sla_breach_rate.is_some_and(|m| {
            self.sla_assigned >= min && self.breaches as f64 > m * self.sla_assigned as f64
        });
        slow_to_qualify || breaches
    }
}

/// The lowest and highest effort a review can set.
pub const EFFORT_RANGE: (f64, f64) = (0.5, 1.5);

/// A partner's effort after a review: (earnings per lead / reference) to the
/// power of the elasticity, clamped to [`EFFORT_RANGE`]
/// (docs/scenario-format.md, "Partner behaviour").
pub fn effort(per_lead: f64, reference: f64, elasticity: f64) -> f64 {
    (per_lead / reference)
        .max(0.0)
        .powf(elasticity)
        .clamp(EFFORT_RANGE.0, EFFORT_RANGE.1)
}

#[cfg(test)]
mod tests {
    use super::effort;

    #[test]
    fn effort_follows_earnings_with_the_elasticity_and_is_clamped() {
        // Inside the range: (ratio)^elasticity, computed by hand.
        assert!((effort(100.0, 100.0, 0.3) - 1.0).abs() < 1e-12);
        // 1.2^0.5 = 1.0954451150103321; 0.8^2 = 0.64.
        assert!((effort(120.0, 100.0, 0.5) - 1.095_445_115_010_332).abs() < 1e-12);
        assert!((effort(80.0, 100.0, 2.0) - 0.64).abs() < 1e-12);
        // At the clamp: 3^1 = 3 -> 1.5; 0.1^1 = 0.1 -> 0.5; nothing -> 0.5.
        assert_eq!(effort(300.0, 100.0, 1.0), 1.5);
        assert_eq!(effort(10.0, 100.0, 1.0), 0.5);
        assert_eq!(effort(0.0, 100.0, 0.7), 0.5);
        assert_eq!(effort(-50.0, 100.0, 0.7), 0.5);
        // Just inside each end: 1.49 and 0.51 stay as they are.
        assert!((effort(149.0, 100.0, 1.0) - 1.49).abs() < 1e-12);
        assert!((effort(51.0, 100.0, 1.0) - 0.51).abs() < 1e-12);
    }
}
