//! Partner behaviour (MODEL.md section 5): every `review_days` each partner
//! sets its effort from its earnings per lead received since the last
//! review, and a partner whose earnings stay below `min_period_earnings` for
//! `patience_periods` reviews in a row leaves the programme.
//!
//! Reviews run during the horizon only (when leads arrive); after it,
//! efforts stay as they are while open work drains. Nothing here draws a
//! random number, so a scenario without behaviour gives the same bits with
//! or without these reviews.

use super::events::EventKind;
use super::{Phase, Sim};

impl<O: super::Observer + ?Sized> Sim<'_, '_, O> {
    /// Puts the reviews on the calendar, if any partner can change.
    pub(super) fn schedule_reviews(&mut self) {
        if !self.model.partners.iter().any(|p| p.has_behaviour()) {
            return;
        }
        let every = self.model.economics.review_hours;
        let mut k = 1.0;
        while k * every <= self.model.horizon_hours {
            self.s.calendar.schedule(k * every, EventKind::Review);
            k += 1.0;
        }
    }

    pub(super) fn review(&mut self, t: f64) {
        let econ = self.model.economics;
        for (p, partner) in self.model.partners.iter().enumerate() {
            let ps = &mut self.s.partner_states[p];
            if ps.left || !partner.has_joined(t) {
                continue;
            }
            let earnings = ps.window_earnings;
            let per_lead = if ps.window_leads > 0 {
                earnings / ps.window_leads as f64
            } else {
                0.0
            };
            if partner.effort_elasticity > 0.0 {
                ps.effort = (per_lead / econ.reference_earnings_per_lead)
                    .max(0.0)
                    .powf(partner.effort_elasticity)
                    .clamp(0.5, 1.5);
            }
            ps.window_earnings = 0.0;
            ps.window_leads = 0;
            if partner.min_period_earnings > 0.0 {
                if earnings < partner.min_period_earnings {
                    ps.strikes += 1;
                } else {
                    ps.strikes = 0;
                }
                if ps.strikes >= partner.patience_periods {
                    self.leave(p as u32, t);
                }
            }
        }
    }

    /// Partner `p` leaves at `t`: it takes no new leads, finishes the leads
    /// it is working, and its queue is routed again.
    pub(super) fn leave(&mut self, p: u32, t: f64) {
        self.s.partner_states[p as usize].left = true;
        self.run.partners[p as usize].left_at_hours = Some(t);
        let queue = std::mem::take(&mut self.s.holders[p as usize].queue);
        for &(lead, attempt) in &queue {
            let st = self.s.lead_states[lead as usize];
            if st.phase == Phase::Queued && st.attempt == attempt && st.holder == p {
                self.s.holders[p as usize].queued -= 1;
                self.observer
                    .taken_back(t, lead, p, super::TakeBack::PartnerLeft);
                self.reroute(lead, t, false);
            }
        }
        debug_assert_eq!(self.s.holders[p as usize].queued, 0);
    }
}
