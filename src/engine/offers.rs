//! Offers (docs/scenario-format.md, "Offers"): a lead is offered before it
//! is assigned. `single` offers it to the rule's choice; `broadcast` to the
//! rule's first `to` at once, and the first to accept takes it. A refusal
//! by everyone offered, or the window closing, starts the next round among
//! partners not yet offered this lead; after `max_rounds` rounds the lead
//! goes to `then`.

use super::events::{EventKind, Lane};
use super::rng::Purpose;
use super::sim::team_of;
use super::{Observer, Phase, Sim, NONE};
use crate::model::{OfferMode, SlaThen};

/// An offer's answer, drawn when the offer is made.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reply {
    /// When it comes; infinite when it would come after the window closes
    /// (silence).
    pub at: f64,
    pub accept: bool,
}

/// What decides a round next: the answer at an index, or the window closing.
enum Next {
    Answer(f64, u32),
    Expire,
}

/// Finds what decides a round from its answers, seen one by one (in any
/// order), after the answer `after` (none: from the round's start): the
/// first acceptance; failing that, the last answer when every offer is
/// answered; failing that, the window's end.
struct Decider {
    after: Option<(f64, u32)>,
    accept: Option<(f64, u32)>,
    last: Option<(f64, u32)>,
    silent: bool,
}

impl Decider {
    fn new(after: Option<(f64, u32)>) -> Self {
        Decider {
            after,
            accept: None,
            last: None,
            silent: false,
        }
    }

    fn is_after(&self, key: (f64, u32)) -> bool {
        self.after.is_none_or(|a| later(key, a))
    }

    /// Answer `reply` of the offers made (its index in `Scratch::replies`).
    #[inline]
    fn see(&mut self, r: Reply, reply: u32) {
        let key = (r.at, reply);
        if !r.at.is_finite() {
            self.silent = true;
            return;
        }
        if r.accept && self.is_after(key) && self.accept.is_none_or(|a| later(a, key)) {
            self.accept = Some(key);
        }
        if self.last.is_none_or(|l| later(key, l)) {
            self.last = Some(key);
        }
    }

    fn next(&self) -> Next {
        match (self.accept, self.last) {
            (Some((at, i)), _) => Next::Answer(at, i),
            (None, Some((at, i))) if !self.silent && self.is_after((at, i)) => Next::Answer(at, i),
            _ => Next::Expire,
        }
    }
}

/// Orders answers as the event calendar would have: by time, then in the
/// order the offers were made.
#[inline]
fn later(a: (f64, u32), b: (f64, u32)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 > b.1)
}

impl<O: Observer + ?Sized> Sim<'_, '_, O> {
    /// Starts a routing by offers: a first routing or a re-routing.
    pub(super) fn start_offers(&mut self, lead: u32, t: f64) {
        let st = &mut self.scratch.lead_states[lead as usize];
        st.offered_head = NONE;
        st.offered_mask = 0;
        st.offered_n = 0;
        st.round = 0;
        st.pending = 0;
        st.routing_since = t;
        self.offer_round(lead, t);
    }

    /// The next round: offers to the rule's next choices, or `then`.
    ///
    /// Every answer is drawn when its offer is made (the draws are keyed,
    /// so when they are drawn changes nothing), and only the answer that
    /// decides the round goes on the calendar: the first acceptance, the
    /// last refusal when everyone refuses, or else the window's end.
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
        let first = self.scratch.offered.len() as u32;
        let mut sent = 0u16;
        let mut decider = Decider::new(None);
        for &partner in &picks {
            let st = &mut self.scratch.lead_states[lead as usize];
            super::push_partner(
                &mut self.scratch.offered,
                &mut st.offered_head,
                &mut st.offered_mask,
                partner,
            );
            st.offered_n = st.offered_n.saturating_add(1);
            self.observer.offered(t, lead, partner);
            let reply = self.reply(lead, partner, round, t, offer.window_hours);
            decider.see(reply, first + sent as u32);
            self.scratch.replies.push(reply);
            sent += 1;
        }
        self.scratch.picks = picks;
        self.tally(lead).offers += sent as u32;
        if sent == 0 {
            // Nobody eligible is left to ask.
            return self.offers_exhausted(lead, t);
        }
        let st = &mut self.scratch.lead_states[lead as usize];
        st.pending = sent;
        st.round_first = first;
        st.round_since = t;
        st.phase = Phase::Offered;
        self.schedule_next(lead, decider.next());
    }

    /// `partner`'s answer to an offer made at `t`: refused at once when it
    /// is full and refuses then; otherwise accepted with its acceptance
    /// chance (moved by the lead's score and its selectivity), after its
    /// answer time in working hours. An answer later than the window is
    /// silence.
    fn reply(&mut self, lead: u32, partner: u32, round: u16, t: f64, window: f64) -> Reply {
        let team = team_of(self.model, partner);
        if team.reject_when_full && !self.scratch.holders.has_room(partner) {
            return Reply {
                at: t,
                accept: false,
            };
        }
        if let Some(hours) = &team.hours {
            // Closed past the window: silence, whatever the draws would be.
            let span = self.scratch.holders.span(partner);
            if hours.earliest_from(span, t) - t > window {
                return Reply {
                    at: f64::INFINITY,
                    accept: false,
                };
            }
        }
        let st = &self.scratch.lead_states[lead as usize];
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
            Some(hours) => hours.add_working_from(self.scratch.holders.span(partner), t, delay),
        };
        Reply {
            at: if answer_at - t <= window {
                answer_at
            } else {
                f64::INFINITY
            },
            accept,
        }
    }

    /// Puts on the calendar what decides the lead's round next, after the
    /// answer `after` (see [`Decider`]).
    fn schedule_decision(&mut self, lead: u32, after: Option<(f64, u32)>) {
        let st = &self.scratch.lead_states[lead as usize];
        let first = st.round_first;
        let replies = &self.scratch.replies[first as usize..][..st.pending as usize];
        let mut decider = Decider::new(after);
        for (i, &r) in replies.iter().enumerate() {
            decider.see(r, first + i as u32);
        }
        self.schedule_next(lead, decider.next());
    }

    /// Puts `next` on the calendar for the lead's current round.
    #[inline(always)]
    fn schedule_next(&mut self, lead: u32, next: Next) {
        let st = &self.scratch.lead_states[lead as usize];
        let (attempt, round, round_since) = (st.attempt, st.round, st.round_since);
        match next {
            Next::Answer(at, reply) => self.scratch.calendar.schedule(
                at,
                EventKind::OfferAnswer {
                    lead,
                    attempt,
                    round,
                    reply,
                },
            ),
            Next::Expire => self.schedule_expiry(lead, attempt, round, round_since),
        }
    }

    /// Puts the end of the round's window (it began at `since`) on the
    /// calendar.
    fn schedule_expiry(&mut self, lead: u32, attempt: u16, round: u16, since: f64) {
        let window = self.policy.offer.expect("offers are on").window_hours;
        // Windows mostly end in the order they opened.
        self.scratch.calendar.schedule_in_order(
            Lane::Windows,
            since + window,
            EventKind::OfferExpire {
                lead,
                attempt,
                round,
            },
        );
    }

    /// Counts the round's refusals that came up to `until` (all of them
    /// when `None`), and tells the observer, in the order they came.
    #[inline(always)]
    fn count_refusals(&mut self, lead: u32, until: Option<(f64, u32)>) {
        let st = &self.scratch.lead_states[lead as usize];
        let first = st.round_first;
        let replies = &self.scratch.replies[first as usize..][..st.pending as usize];
        let refused = replies.iter().enumerate().filter(|&(i, r)| {
            !r.accept
                && r.at.is_finite()
                && until.is_none_or(|u| !later((r.at, first + i as u32), u))
        });
        if !self.observer.hears_refusals() {
            let count = refused.count() as u32;
            self.tally(lead).rejections += count;
            return;
        }
        let mut refusals = std::mem::take(&mut self.scratch.refusals);
        refusals.clear();
        refusals.extend(refused.map(|(i, r)| (r.at, first + i as u32)));
        refusals.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        self.tally(lead).rejections += refusals.len() as u32;
        for &(at, i) in &refusals {
            let partner = self.scratch.offered[i as usize].0;
            self.observer.rejected(at, lead, partner);
        }
        self.scratch.refusals = refusals;
    }

    /// The answer that decides the round, if nothing has changed since:
    /// an acceptance assigns the lead, the last refusal starts the next
    /// round. A partner that left since the offer does neither: its answer
    /// is passed over.
    pub(super) fn offer_answer(&mut self, lead: u32, attempt: u16, round: u16, reply: u32, t: f64) {
        let st = self.scratch.lead_states[lead as usize];
        if st.phase != Phase::Offered || st.attempt != attempt || st.round != round {
            return;
        }
        let partner = self.scratch.offered[reply as usize].0;
        let accept = self.scratch.replies[reply as usize].accept;
        let gone = self
            .scratch
            .partner_states
            .get(partner as usize)
            .is_some_and(|p| p.left);
        if accept && gone {
            return self.schedule_decision(lead, Some((t, reply)));
        }
        if !accept && gone {
            // Everyone answered, the last from a partner that has left:
            // the round waits for its window to close.
            return self.schedule_expiry(lead, attempt, round, st.round_since);
        }
        self.count_refusals(lead, Some((t, reply)));
        if accept {
            if st.counted {
                self.scratch.accept_times.push(t - st.routing_since);
            }
            let st = &mut self.scratch.lead_states[lead as usize];
            st.phase = Phase::Unassigned;
            st.pending = 0;
            if st.rerouted {
                self.assign(lead, partner, t);
            } else {
                self.first_assignment(lead, partner, t);
            }
        } else {
            // Everyone asked said no: the next round at once.
            self.offer_round(lead, t);
        }
    }

    pub(super) fn offer_expired(&mut self, lead: u32, attempt: u16, round: u16, t: f64) {
        let st = self.scratch.lead_states[lead as usize];
        if st.phase != Phase::Offered || st.attempt != attempt || st.round != round {
            return;
        }
        self.count_refusals(lead, None);
        let replies = &self.scratch.replies[st.round_first as usize..][..st.pending as usize];
        let timeouts = replies.iter().filter(|r| !r.at.is_finite()).count() as u32;
        self.tally(lead).offer_timeouts += timeouts;
        self.observer.offers_expired(t, lead);
        self.offer_round(lead, t);
    }

    /// No partner took the lead: the SLA's `then` if there is an SLA, else
    /// the house; with neither, a first routing leaves the lead unrouted and
    /// a re-routing drops it.
    fn offers_exhausted(&mut self, lead: u32, t: f64) {
        let then = match self.policy.sla {
            // An escalation pool takes leads whose SLA re-routes ran out;
            // a lead every offered partner refused goes to the house.
            Some(sla) => match sla.then {
                SlaThen::House | SlaThen::Pool => self.house,
                SlaThen::Drop => None,
            },
            None => self.house,
        };
        let first = !self.scratch.lead_states[lead as usize].rerouted;
        self.scratch.lead_states[lead as usize].phase = Phase::Unassigned;
        self.scratch.router.nobody_eligible();
        match (then, first) {
            (Some(house), true) => self.first_assignment(lead, house, t),
            (Some(house), false) => self.assign(lead, house, t),
            (None, true) => self.end_unrouted(lead, t),
            (None, false) => self.end_dropped(lead, t),
        }
    }
}
