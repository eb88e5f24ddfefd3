//! Partner behaviour (docs/scenario-format.md, "Partner behaviour"): every `review_days` each partner
//! sets its effort from its earnings per lead received since the last
//! review, and a partner whose earnings stay below `min_period_earnings` for
//! `patience_periods` reviews in a row leaves the programme.
//!
//! Reviews run during the horizon only (when leads arrive); after it,
//! efforts stay as they are while open work drains. Nothing here draws a
//! random number, so a scenario without behaviour gives the same bits with
//! or without these reviews.

use super::events::EventKind;
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

use super::{Phase, Sim};

impl<O: super::Observer + ?Sized> Sim<'_, '_, O> {
    /// Puts the reviews on the calendar, if any partner can change.
    pub(super) fn schedule_reviews(&mut self) {
        if !self.model.partners.iter().any(|p| p.has_behaviour()) {
            return;
        }
        self.schedule_every(self.model.economics.review_hours, EventKind::Review);
    }

    /// Puts `kind` on the calendar every `period` hours during the horizon
    /// (not at time 0).
    fn schedule_every(&mut self, period: f64, kind: EventKind) {
        let mut k = 1.0;
        while k * period <= self.model.horizon_hours {
            self.scratch.calendar.schedule(k * period, kind);
            k += 1.0;
        }
    }

    pub(super) fn review(&mut self, t: f64) {
        let econ = self.model.economics;
        for (p, partner) in self.model.partners.iter().enumerate() {
            let ps = &mut self.scratch.partner_states[p];
            if ps.left || !partner.has_joined(t) {
                continue;
            }
            // Money received by now (`pay_lag_days`).
            let earnings = self.scratch.money.take_received(p, t);
            let leaves = ps.review(partner, earnings, econ.reference_earnings_per_lead);
            self.observer.reviewed(t, p as u32, earnings, ps.effort);
            if leaves {
                self.leave(p as u32, t);
            }
        }
    }

    /// `weighted`'s weights for the run, and, with `tiers`, the reviews on
    /// the calendar (during the horizon).
    pub(super) fn start_tiers(&mut self) {
        let Some(programme) = &self.model.tier_programme else {
            return;
        };
        self.scratch.tier_days.clear();
        self.scratch
            .tier_days
            .resize(self.model.partners.len() * self.model.tiers.len(), 0.0);
        self.schedule_every(programme.review_hours, EventKind::TierReview);
    }

    /// Each partner whose starting tier is a level moves to the level its
    /// won revenue since the last review reaches; `weighted`'s weights
    /// follow.
    pub(super) fn review_tiers(&mut self, t: f64) {
        let Some(programme) = &self.model.tier_programme else {
            return;
        };
        let n_tiers = self.model.tiers.len();
        let routing = &self.policy.routing;
        for (p, partner) in self.model.partners.iter().enumerate() {
            let ps = &mut self.scratch.partner_states[p];
            if ps.left || !partner.has_joined(t) || programme.rank(partner.tier).is_none() {
                ps.window_revenue = 0.0;
                continue;
            }
            let days = &mut self.scratch.tier_days[p * n_tiers..][..n_tiers];
            let Some((from, to)) = ps.review_tier(programme, t, days) else {
                continue;
            };
            let counted = t >= self.model.warmup_hours;
            let up = programme.rank(to) < programme.rank(from);
            let run = if counted {
                &mut self.run
            } else {
                &mut self.warm
            };
            if up {
                run.promoted += 1;
            } else {
                run.demoted += 1;
            }
            let weight = routing
                .weights_by_name
                .get(p)
                .copied()
                .flatten()
                .unwrap_or_else(|| routing.weights_by_tier.get(to).copied().unwrap_or(1.0));
            self.scratch.router.set_weight(p, weight);
            self.observer.tier_changed(t, p as u32, from, to);
        }
        let s = &mut *self.scratch;
        s.router.fill_tier_masks(self.policy, &s.partner_states);
    }

    /// Grants each partner with an `exclusive` territory its exclusivity
    /// when the policy honours it, and puts the guardrail reviews on the
    /// calendar (during the horizon) when the policy has a guardrail.
    pub(super) fn start_exclusivity(&mut self) {
        let ex = self.policy.exclusivity;
        if !ex.honor {
            return;
        }
        for (ps, p) in self
            .scratch
            .partner_states
            .iter_mut()
            .zip(&self.model.partners)
        {
            ps.exclusive = p.exclusive.is_some();
        }
        let any = self.scratch.partner_states.iter().any(|p| p.exclusive);
        self.scratch.router.set_exclusive_any(any);
        if !any || (ex.min_lead_to_opportunity.is_none() && ex.max_sla_breach_rate.is_none()) {
            return;
        }
        self.schedule_every(ex.review_hours, EventKind::ExclusivityReview);
    }

    /// A partner whose results since the start break a guardrail (once it
    /// has worked [`EXCLUSIVITY_MIN_LEADS`] leads, or had that many under
    /// an SLA) loses its exclusivity for good.
    pub(super) fn review_exclusivity(&mut self, t: f64) {
        let ex = self.policy.exclusivity;
        for p in 0..self.scratch.partner_states.len() {
            let ps = &mut self.scratch.partner_states[p];
            if ps.exclusive && !ps.left && ps.breaks_guardrails(&ex) {
                ps.exclusive = false;
                self.run.partners[p].exclusivity_revoked_at = Some(t);
                self.observer.exclusivity_revoked(t, p as u32);
            }
        }
        let any = self.scratch.partner_states.iter().any(|p| p.exclusive);
        self.scratch.router.set_exclusive_any(any);
    }

    /// Partner `p` leaves at `t`: it takes no new leads, finishes the leads
    /// it is working, and its queue is routed again; its own (sourced)
    /// leads leave with it, worked or not.
    pub(super) fn leave(&mut self, p: u32, t: f64) {
        self.scratch.partner_states[p as usize].left = true;
        self.run.partners[p as usize].left_at_hours = Some(t);
        self.take_sourced(p, t);
        let queue = self.scratch.holders.take_queue(p);
        for &(lead, attempt) in &queue {
            let st = self.scratch.lead_states[lead as usize];
            if st.phase == Phase::Queued && st.attempt == attempt && st.holder == p {
                self.scratch.holders.forget_queued(p);
                self.observer
                    .taken_back(t, lead, p, super::TakeBack::PartnerLeft);
                self.reroute(lead, t, false);
            }
        }
        debug_assert_eq!(self.scratch.holders.queued(p), 0);
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
