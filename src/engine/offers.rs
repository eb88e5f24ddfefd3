//! Offers (docs/scenario-format.md, "Offers"): a lead is offered before it
//! is assigned. `single` offers it to the rule's choice; `broadcast` to the
//! rule's first `to` at once, and the first to accept takes it. A refusal
//! by everyone offered, or the window closing, starts the next round among
//! partners not yet offered this lead; after `max_rounds` rounds the lead
//! goes to `then`.

use super::events::EventKind;
use super::rng::Purpose;
use super::{team_of, Observer, Phase, Sim, NONE};
use crate::model::{OfferMode, SlaThen};

/// An offered partner's answer, as its event carries it.
pub(super) struct Answer {
    pub lead: u32,
    pub partner: u32,
    pub attempt: u16,
    pub round: u16,
    pub accept: bool,
}

impl<O: Observer + ?Sized> Sim<'_, '_, O> {
    /// Starts a routing by offers: a first routing or a re-routing.
    pub(super) fn start_offers(&mut self, lead: u32, t: f64) {
        let st = &mut self.scratch.lead_states[lead as usize];
        st.offered_head = NONE;
        st.round = 0;
        st.pending = 0;
        st.routing_since = t;
        self.offer_round(lead, t);
    }

    /// The next round: offers to the rule's next choices, or `then`.
    fn offer_round(&mut self, lead: u32, t: f64) {
        let offer = self.policy.offer.expect("offers are on");
        let st = &mut self.scratch.lead_states[lead as usize];
        st.round += 1;
        st.pending = 0;
        let round = st.round;
        if round as u32 > offer.max_rounds {
            return self.offers_exhausted(lead, t);
        }
        let k = match offer.mode {
            OfferMode::Single => 1,
            OfferMode::Broadcast => offer.to,
        };
        // The rule ranks: its successive choices among partners not yet
        // offered (one choice for a single offer, where a first routing can
        // use its fixed candidates).
        let mut picks = std::mem::take(&mut self.scratch.picks);
        if k == 1 {
            picks.clear();
            picks.extend(self.route(lead, t));
        } else {
            self.rank(lead, t, k, &mut picks);
        }
        let mut sent = 0u16;
        for &partner in &picks {
            let st = &mut self.scratch.lead_states[lead as usize];
            super::push_partner(&mut self.scratch.offered, &mut st.offered_head, partner);
            sent += 1;
            self.run.offers += 1;
            self.observer.offered(t, lead, partner);
            self.send_offer(lead, partner, round, t, offer.window_hours);
        }
        self.scratch.picks = picks;
        if sent == 0 {
            // Nobody eligible is left to ask.
            return self.offers_exhausted(lead, t);
        }
        let st = &mut self.scratch.lead_states[lead as usize];
        st.pending = sent;
        st.phase = Phase::Offered;
        let st = *st;
        self.scratch.calendar.schedule(
            t + offer.window_hours,
            EventKind::OfferExpire {
                lead,
                attempt: st.attempt,
                round,
            },
        );
    }

    /// Puts `partner`'s answer on the calendar: refused at once when it is
    /// full and refuses then; otherwise accepted with its acceptance chance
    /// (moved by the lead's score and its selectivity), after its answer
    /// time in working hours. An answer later than the window is silence.
    fn send_offer(&mut self, lead: u32, partner: u32, round: u16, t: f64, window: f64) {
        let team = team_of(self.model, partner);
        let h = &self.scratch.holders[partner as usize];
        if team.reject_when_full && h.working >= h.capacity {
            self.scratch.calendar.schedule(
                t,
                EventKind::OfferAnswer {
                    lead,
                    partner,
                    attempt: self.scratch.lead_states[lead as usize].attempt,
                    round,
                    accept: false,
                },
            );
            return;
        }
        let st = self.scratch.lead_states[lead as usize];
        // One draw per (lead, routing, round, partner): paired across
        // policies that make the same offer.
        let key = ((st.attempt as u64) << 40) | ((round as u64) << 24) | partner as u64;
        let chance = (self.world.skills[partner as usize].accept_rate
            + team.selectivity * (st.score - 0.5))
            .clamp(0.0, 1.0);
        let accept = self
            .world
            .streams
            .uniform(Purpose::Accept, lead as u64, key)
            < chance;
        let delay = team
            .accept_hours
            .sample(
                &mut self
                    .world
                    .streams
                    .rng(Purpose::AcceptTime, lead as u64, key),
            )
            .max(0.0);
        let answer_at = match &team.hours {
            None => t + delay,
            Some(hours) => hours.add_working(t, delay),
        };
        if answer_at - t <= window {
            self.scratch.calendar.schedule(
                answer_at,
                EventKind::OfferAnswer {
                    lead,
                    partner,
                    attempt: st.attempt,
                    round,
                    accept,
                },
            );
        }
    }

    pub(super) fn offer_answer(&mut self, answer: Answer, t: f64) {
        let Answer {
            lead,
            partner,
            attempt,
            round,
            accept,
        } = answer;
        let st = self.scratch.lead_states[lead as usize];
        if st.phase != Phase::Offered || st.attempt != attempt || st.round != round {
            // Withdrawn: another partner took the lead, or the round ended.
            return;
        }
        let gone = self
            .scratch
            .partner_states
            .get(partner as usize)
            .is_some_and(|p| p.left);
        if accept && !gone {
            self.scratch.accept_times.push(t - st.routing_since);
            let st = &mut self.scratch.lead_states[lead as usize];
            st.phase = Phase::Unassigned;
            st.pending = 0;
            if st.rerouted {
                self.assign(lead, partner, t);
            } else {
                self.first_assignment(lead, partner, t);
            }
            return;
        }
        if !accept {
            self.run.rejections += 1;
            self.observer.rejected(t, lead, partner);
        }
        let st = &mut self.scratch.lead_states[lead as usize];
        st.pending -= 1;
        if st.pending == 0 && !gone {
            // Everyone asked said no: the next round at once.
            self.offer_round(lead, t);
        }
    }

    pub(super) fn offer_expired(&mut self, lead: u32, attempt: u16, round: u16, t: f64) {
        let st = self.scratch.lead_states[lead as usize];
        if st.phase != Phase::Offered || st.attempt != attempt || st.round != round {
            return;
        }
        self.run.offer_timeouts += st.pending as u32;
        self.observer.offers_expired(t, lead);
        self.offer_round(lead, t);
    }

    /// No partner took the lead: the SLA's `then` if there is an SLA, else
    /// the house; with neither, a first routing leaves the lead unrouted and
    /// a re-routing drops it.
    fn offers_exhausted(&mut self, lead: u32, t: f64) {
        let then = match self.policy.sla {
            Some(sla) => match sla.then {
                SlaThen::House => self.house,
                SlaThen::Drop => None,
            },
            None => self.house,
        };
        let first = !self.scratch.lead_states[lead as usize].rerouted;
        self.scratch.lead_states[lead as usize].phase = Phase::Unassigned;
        self.last_eligible = 0;
        match (then, first) {
            (Some(house), true) => self.first_assignment(lead, house, t),
            (Some(house), false) => self.assign(lead, house, t),
            (None, true) => self.end_unrouted(lead, t),
            (None, false) => self.end_dropped(lead, t),
        }
    }
}
