//! The coordinator: one replication of one policy, played lead by lead.
//! It owns the run's tallies and calls the parts (routing, holders, money,
//! partner behaviour) through their own types.

use super::events::{self, EventKind, Lane};
use super::leads::{Lead, World};
use super::money::{self, payout_for};
use super::offers::{Decider, Next};
use super::rng::Purpose;
use super::router::{Ctx, Note, Router};
use super::{push_partner, Event, LeadState, Observer, Phase, PolicyRun, Scratch, NONE};
use crate::model::{Model, OfferMode, Policy, SlaThen, Team, HOURS_PER_DAY};

pub(super) struct Sim<'a, 'o, O: Observer + ?Sized> {
    pub(super) model: &'a Model,
    pub(super) policy: &'a Policy,
    pub(super) world: &'a World,
    pub(super) scratch: &'a mut Scratch,
    pub(super) observer: &'o mut O,
    pub(super) run: PolicyRun,
    pub(super) house: Option<u32>,
    pub(super) sla_hours: f64,
    /// Where the tallies of warm-up leads go: simulated, never reported.
    pub(super) warm: PolicyRun,
}

/// The team working for `holder`: a partner's, or the house's.
pub(super) fn team_of(model: &Model, holder: u32) -> &Team {
    match model.partners.get(holder as usize) {
        Some(p) => &p.team,
        None => model
            .house
            .as_ref()
            .expect("a holder beyond the partners is the house"),
    }
}

impl<'a, O: Observer + ?Sized> Sim<'a, '_, O> {
    /// Lead `id`: a world lead, or a partner-sourced one after them.
    #[inline(always)]
    pub(super) fn lead(&self, id: u32) -> Lead {
        let n = self.world.leads.len();
        match (id as usize).checked_sub(n) {
            None => self.world.leads[id as usize],
            Some(k) => self.scratch.sourced[k],
        }
    }

    /// The run's tallies for something that happens at `t` to no lead in
    /// particular: the run's after the warm-up, else the warm-up's.
    pub(super) fn at(&mut self, t: f64) -> &mut PolicyRun {
        if t >= self.model.warmup_hours {
            &mut self.run
        } else {
            &mut self.warm
        }
    }

    /// Tells the observer of `event` at `t`.
    #[inline(always)]
    pub(super) fn tell(&mut self, t: f64, event: Event) {
        self.observer.event(t, event);
    }

    /// Routing's view of the run for `lead`, beside the router itself.
    pub(super) fn router(&mut self, lead: u32) -> (&mut Router, Ctx<'_>) {
        let segment = self.lead(lead).segment as usize;
        let s = &mut *self.scratch;
        let ctx = Ctx {
            model: self.model,
            policy: self.policy,
            world: self.world,
            lead,
            segment,
            state: &s.lead_states[lead as usize],
            held: &s.held,
            offered: &s.offers.offered,
            partners: &s.partner_states,
            holders: s.holders.all(),
            learning: &mut s.learning,
        };
        (&mut s.router, ctx)
    }

    /// Tells the observer what the last routing of `lead` did besides its
    /// choice, and counts it.
    pub(super) fn told(&mut self, lead: u32, t: f64) {
        if self.scratch.router.notes.is_empty() {
            return;
        }
        let mut notes = std::mem::take(&mut self.scratch.router.notes);
        for note in notes.drain(..) {
            match note {
                Note::Account {
                    partner,
                    registration,
                } => self.tell(
                    t,
                    Event::Account {
                        lead,
                        partner,
                        registration,
                    },
                ),
                Note::Exclusive { partner } => self.tell(t, Event::Exclusive { lead, partner }),
                Note::Reserved { partner } => {
                    self.tally(lead).reserved += 1;
                    self.tell(t, Event::Reserved { lead, partner });
                }
            }
        }
        self.scratch.router.notes = notes;
    }

    /// The rule's choice for the lead at `t` among the eligible partners.
    pub(super) fn route(&mut self, lead: u32, t: f64) -> Option<u32> {
        let (router, mut c) = self.router(lead);
        let chosen = router.route(&mut c, t);
        self.told(lead, t);
        chosen
    }

    /// The rule's first `k` choices for the lead at `t`, into `out`.
    pub(super) fn rank(&mut self, lead: u32, t: f64, k: u32, out: &mut Vec<u32>) {
        let (router, mut c) = self.router(lead);
        router.rank(&mut c, t, k, out);
        self.told(lead, t);
    }

    /// The escalation pool's choice for the lead at `t`.
    pub(super) fn route_to_pool(&mut self, lead: u32, t: f64) -> Option<u32> {
        let state = &mut self.scratch.lead_states[lead as usize];
        state.offered_head = NONE;
        state.offered_mask = 0;
        state.offered_n = 0;
        let (router, mut c) = self.router(lead);
        let chosen = router.route_to_pool(&mut c, t);
        self.told(lead, t);
        chosen
    }

    pub(super) fn play(&mut self) {
        let n_signals = self.model.leads.signals.len();
        let weights = &self.policy.scoring.weights;
        let readout = self.model.readout_hours.unwrap_or(f64::INFINITY);
        let horizon = self.model.horizon_hours;
        let mut watches = [horizon / 2.0, horizon].into_iter().peekable();
        for i in 0..self.world.leads.len() {
            let arrival = self.world.leads[i].arrival_hours;
            if arrival > readout {
                // Not yet arrived when the run is read.
                break;
            }
            self.handle_until(arrival, &mut watches);
            let counted = arrival >= self.model.warmup_hours;
            self.run.leads += counted as u32;
            let signals = self.world.signals_of(i, n_signals);
            let score: f64 = signals.iter().zip(weights).map(|(s, w)| s * w).sum();
            let state = LeadState::arriving(score, arrival, counted);
            match self.scratch.lead_states.get_mut(i) {
                Some(waiting) => *waiting = state,
                None => self.scratch.lead_states.push(state),
            }
            self.tell(
                arrival,
                Event::Arrived {
                    lead: i as u32,
                    score,
                },
            );
            self.enter(i as u32, arrival);
        }
        self.handle_until(readout, &mut watches);
    }

    /// A lead arrives (or comes back from nurture) at `t` with its score:
    /// the threshold, then offers or the rule.
    pub(super) fn enter(&mut self, lead: u32, t: f64) {
        if self.scratch.lead_states[lead as usize].score < self.policy.scoring.threshold {
            self.tell(t, Event::BelowThreshold { lead });
            if self.nurture(lead, t) {
                return;
            }
            self.tally(lead).outcomes.below_threshold += 1;
            self.scratch.lead_states[lead as usize].phase = Phase::Done;
            return;
        }
        if self.policy.offer.is_some() {
            self.start_offers(lead, t);
            return;
        }
        match self.route(lead, t).or(self.house) {
            Some(holder) => self.first_assignment(lead, holder, t),
            None => self.end_unrouted(lead, t),
        }
    }

    /// A lead discarded at `t` (below the threshold, or disqualified at
    /// first contact) is nurtured, once, with the policy's `nurture.share`:
    /// it comes back after `after_days`. True when it will.
    pub(super) fn nurture(&mut self, lead: u32, t: f64) -> bool {
        let Some(n) = &self.policy.nurture else {
            return false;
        };
        let st = &mut self.scratch.lead_states[lead as usize];
        if st.recycled || self.world.streams.uniform(Purpose::Nurture, lead as u64, 0) >= n.share {
            return false;
        }
        st.phase = Phase::Nurtured;
        st.attempt += 1;
        let mut rng = self.world.streams.rng(Purpose::Nurture, lead as u64, 1);
        let back = t + (n.after_days.sample(&mut rng) * HOURS_PER_DAY).max(0.0);
        self.tell(t, Event::Nurtured { lead, back });
        self.scratch
            .calendar
            .schedule(back, EventKind::Return { lead });
        true
    }

    /// Handles the events up to `until`, and looks at the queues at each
    /// watch time passed on the way.
    pub(super) fn handle_until(
        &mut self,
        until: f64,
        watches: &mut std::iter::Peekable<impl Iterator<Item = f64>>,
    ) {
        while let Some((t, kind)) = self.scratch.calendar.pop_until(until) {
            while let Some(w) = watches.next_if(|&w| w < t) {
                self.watch_queues(w);
            }
            self.handle(t, kind);
        }
        while let Some(w) = watches.next_if(|&w| w <= until) {
            self.watch_queues(w);
        }
    }

    /// Notes each holder's queue at the middle or the end of the horizon.
    pub(super) fn watch_queues(&mut self, t: f64) {
        let mid = t < self.model.horizon_hours;
        let holders = &self.scratch.holders;
        for (watch, holder) in self.run.queues.iter_mut().zip(0u32..) {
            if mid {
                watch.mid_horizon = holders.queued(holder);
            } else {
                watch.end_of_horizon = holders.queued(holder);
            }
        }
    }

    /// Where the lead's tallies go: the run's, or the warm-up's (never
    /// reported) for a lead that arrived during the warm-up.
    #[inline]
    pub(super) fn tally(&mut self, lead: u32) -> &mut PolicyRun {
        if self.scratch.lead_states[lead as usize].counted {
            &mut self.run
        } else {
            &mut self.warm
        }
    }

    /// The lead reached nobody: no partner took it and there is no house.
    pub(super) fn end_unrouted(&mut self, lead: u32, t: f64) {
        self.tell(t, Event::Unrouted { lead });
        self.tally(lead).outcomes.unrouted += 1;
        self.scratch.lead_states[lead as usize].phase = Phase::Done;
    }

    /// A lead taken back and given to nobody: lost.
    pub(super) fn end_dropped(&mut self, lead: u32, t: f64) {
        self.tell(t, Event::Dropped { lead });
        self.tally(lead).outcomes.dropped += 1;
        self.scratch.lead_states[lead as usize].phase = Phase::Done;
    }

    /// A lead's first holder: counted as routed (and as arriving after
    /// hours when its holder was not working, and as a channel conflict
    /// when it is registered to another partner), then assigned.
    pub(super) fn first_assignment(&mut self, lead: u32, holder: u32, t: f64) {
        // A lead routed again after nurture is routed once (and `assign`
        // counts its first partner once: `ever_routed` is set after it).
        if !self.scratch.lead_states[lead as usize].ever_routed {
            self.tally(lead).routed += 1;
        }
        if self
            .world
            .registrant
            .get(lead as usize)
            .is_some_and(|&r| r != NONE && r != holder)
        {
            self.tally(lead).channel_conflicts += 1;
            self.tell(
                t,
                Event::Conflict {
                    lead,
                    registrant: self.world.registrant[lead as usize],
                },
            );
        }
        let arrival = self.scratch.lead_states[lead as usize].arrived_at;
        if team_of(self.model, holder)
            .hours
            .as_ref()
            .is_some_and(|h| !h.is_working(arrival))
        {
            self.tally(lead).after_hours += 1;
        }
        self.assign(lead, holder, t);
        self.scratch.lead_states[lead as usize].ever_routed = true;
    }

    /// When the SLA takes back a lead `holder` got at `assigned_at`: the
    /// SLA's hours later on the calendar clock, or that many of the
    /// holder's working hours on the business clock.
    pub(super) fn sla_deadline(&mut self, holder: u32, assigned_at: f64) -> f64 {
        match &team_of(self.model, holder).hours {
            Some(hours) if self.sla_on_business_clock() => hours.add_working_from(
                self.scratch.holders.span(holder),
                assigned_at,
                self.sla_hours,
            ),
            _ => assigned_at + self.sla_hours,
        }
    }

    /// Whether the policy's SLA counts its holders' working hours.
    pub(super) fn sla_on_business_clock(&self) -> bool {
        self.policy
            .sla
            .is_some_and(|sla| sla.clock == crate::model::SlaClock::Business)
    }

    /// Puts the SLA's deadline for the lead's assignment `attempt` to
    /// `holder` on the calendar. On the calendar clock (or for a holder
    /// without hours) deadlines come in the order of their assignments.
    pub(super) fn schedule_deadline(&mut self, lead: u32, attempt: u16, holder: u32, at: f64) {
        let kind = EventKind::Deadline { lead, attempt };
        if self.sla_on_business_clock() && team_of(self.model, holder).hours.is_some() {
            self.scratch.calendar.schedule(at, kind);
        } else {
            self.scratch
                .calendar
                .schedule_in_order(events::Lane::Deadlines, at, kind);
        }
    }

    pub(super) fn is_partner(&self, holder: u32) -> bool {
        (holder as usize) < self.model.partners.len()
    }

    pub(super) fn effort(&self, holder: u32) -> f64 {
        self.scratch
            .partner_states
            .get(holder as usize)
            .map_or(1.0, |p| p.effort)
    }

    /// Gives the lead to `holder` at time `t`: work starts now or it queues.
    pub(super) fn assign(&mut self, lead: u32, holder: u32, t: f64) {
        let sourced = self.scratch.lead_states[lead as usize].sourced;
        if !sourced {
            let eligible = self.scratch.router.last_eligible;
            self.tell(
                t,
                Event::Assigned {
                    lead,
                    holder,
                    eligible,
                },
            );
        }
        let is_partner = self.is_partner(holder);
        // A sourced lead is its partner's own: no routing tallies, no SLA,
        // no caps.
        let routed_partner = is_partner && !sourced;
        if t < self.model.horizon_hours {
            self.run.queues[holder as usize].assigned += 1;
        }
        let st = &mut self.scratch.lead_states[lead as usize];
        st.holder = holder;
        st.assigned_at = t;
        st.contact_at = f64::INFINITY;
        let run = if st.counted {
            &mut self.run
        } else {
            &mut self.warm
        };
        if routed_partner {
            let tally = &mut run.partners[holder as usize];
            if st.held_head == NONE && !st.ever_routed {
                tally.first_leads += 1;
            }
            tally.leads += 1;
            tally.score_sum += st.score;
            if self.policy.sla.is_some() {
                run.sla_assignments += 1;
                self.scratch.partner_states[holder as usize].sla_assigned += 1;
            }
            push_partner(
                &mut self.scratch.held,
                &mut st.held_head,
                &mut st.held_mask,
                holder,
            );
            self.scratch.partner_states[holder as usize].window_leads += 1;
            self.scratch.router.count_assignment(self.policy, holder, t);
        } else if !is_partner && !st.to_house {
            st.to_house = true;
            run.to_house += 1;
        }
        let attempt = self.scratch.lead_states[lead as usize].attempt;
        if self.scratch.holders.has_room(holder) {
            self.start(lead, t);
        } else {
            self.scratch.holders.enqueue(holder, lead, attempt);
            self.tell(t, Event::Queued { lead, holder });
            self.scratch.lead_states[lead as usize].phase = Phase::Queued;
            if routed_partner && self.policy.sla.is_some() {
                let deadline = self.sla_deadline(holder, t);
                self.schedule_deadline(lead, attempt, holder, deadline);
            }
        }
    }

    /// The holder takes a slot and works the lead: first contact is drawn.
    pub(super) fn start(&mut self, lead: u32, t: f64) {
        let st = self.scratch.lead_states[lead as usize];
        let team = team_of(self.model, st.holder);
        self.scratch.holders.take_slot(st.holder);
        self.tell(
            t,
            Event::Started {
                lead,
                holder: st.holder,
            },
        );
        let mut rng = self
            .world
            .streams
            .rng(Purpose::Response, lead as u64, st.attempt as u64);
        // `max` also turns a non-number into 0: times never go backwards.
        let response = (team.response_hours.sample(&mut rng) / self.effort(st.holder)).max(0.0);
        let contact_at = match &team.hours {
            None => t + response,
            // Response time is working time: the clock runs while it works.
            Some(hours) => {
                hours.add_working_from(self.scratch.holders.span(st.holder), t, response)
            }
        };
        // Work started when the lead was assigned and counted on the clock
        // the SLA counts is within the SLA exactly when it takes no more
        // than the SLA's hours: no deadline to compute then.
        let sla_clock =
            team.hours.is_none() || self.policy.sla.is_none() || self.sla_on_business_clock();
        let within = sla_clock && st.assigned_at == t && response <= self.sla_hours;
        let deadline = (self.is_partner(st.holder) && !st.sourced && !within)
            .then(|| self.sla_deadline(st.holder, st.assigned_at))
            .filter(|&deadline| contact_at > deadline);
        let state = &mut self.scratch.lead_states[lead as usize];
        let was_queued = state.phase == Phase::Queued;
        state.phase = Phase::Working;
        state.contact_at = contact_at;
        let attempt = st.attempt;
        if let Some(deadline) = deadline {
            // Too late: the SLA takes it back at the deadline. A queued lead
            // already has its deadline on the calendar.
            if !was_queued {
                self.schedule_deadline(lead, attempt, st.holder, deadline);
            }
        } else {
            self.scratch
                .calendar
                .schedule(contact_at, EventKind::Contact { lead, attempt });
        }
    }

    /// Frees one of the holder's slots and starts its next queued lead.
    pub(super) fn free_slot(&mut self, holder: u32, t: f64) {
        self.scratch.holders.release_slot(holder);
        self.fill_slots(holder, t);
    }

    /// Starts queued leads while the holder has free slots.
    pub(super) fn fill_slots(&mut self, holder: u32, t: f64) {
        while let Some((lead, attempt)) = self.scratch.holders.next_waiting(holder) {
            let st = &mut self.scratch.lead_states[lead as usize];
            if st.phase == Phase::Queued && st.attempt == attempt && st.holder == holder {
                self.scratch.holders.forget_queued(holder);
                self.start(lead, t);
            } else if st.co_sell_waiting && st.attempt == attempt {
                // A co-sold opportunity that waited for a house slot.
                self.scratch.holders.forget_queued(holder);
                self.scratch.holders.take_slot(holder);
                st.co_sell_waiting = false;
                let partner = st.holder;
                let work_hours = self.work_hours(lead, partner);
                self.scratch
                    .calendar
                    .schedule(t + work_hours, EventKind::Close { lead });
            }
        }
    }

    /// How long the opportunity takes to close once worked: the holder's
    /// `work_days`, one draw per lead.
    pub(super) fn work_hours(&self, lead: u32, holder: u32) -> f64 {
        let mut rng = self.world.streams.rng(Purpose::Work, lead as u64, 0);
        (team_of(self.model, holder).work_days.sample(&mut rng) * HOURS_PER_DAY).max(0.0)
    }

    /// Works a partner opportunity with the house (`co_sell`): it takes a
    /// house slot for its work, or waits in the house's queue for one.
    pub(super) fn start_co_sell(&mut self, lead: u32, t: f64) {
        let house = self.house.expect("co-selling needs a house (validated)");
        let st = &mut self.scratch.lead_states[lead as usize];
        st.co_sell = true;
        let holder = st.holder;
        let attempt = st.attempt;
        self.tally(lead).co_sold += 1;
        self.tell(t, Event::CoSold { lead, holder });
        if self.scratch.holders.has_room(house) {
            self.scratch.holders.take_slot(house);
            let work_hours = self.work_hours(lead, holder);
            self.scratch
                .calendar
                .schedule(t + work_hours, EventKind::Close { lead });
        } else {
            self.scratch.holders.enqueue(house, lead, attempt);
            self.scratch.lead_states[lead as usize].co_sell_waiting = true;
        }
    }

    /// Takes a lead back from its holder and routes it again. `sla` says
    /// whether the SLA took it (which counts against `max_reroutes`).
    pub(super) fn reroute(&mut self, lead: u32, t: f64, sla: bool) {
        let state = &mut self.scratch.lead_states[lead as usize];
        if !state.rerouted {
            state.rerouted = true;
            if state.counted {
                self.run.rerouted += 1;
            } else {
                self.warm.rerouted += 1;
            }
        }
        state.attempt += 1;
        state.phase = Phase::Unassigned;
        let next = match self.policy.sla {
            Some(rules) if sla && state.reroutes as u32 >= rules.max_reroutes => {
                self.scratch.router.nobody_eligible();
                self.observer.event(t, Event::Escalated { lead });
                // A lead is counted once, however many pool holders in
                // turn miss the SLA with it.
                if !state.escalated {
                    state.escalated = true;
                    self.tally(lead).escalated += 1;
                }
                match rules.then {
                    SlaThen::House => self.house,
                    SlaThen::Drop => None,
                    SlaThen::Pool => self.route_to_pool(lead, t).or(self.house),
                }
            }
            _ => {
                if sla {
                    state.reroutes += 1;
                }
                if self.policy.offer.is_some() {
                    self.start_offers(lead, t);
                    return;
                }
                self.route(lead, t).or(self.house)
            }
        };
        match next {
            Some(holder) => self.assign(lead, holder, t),
            None => self.end_dropped(lead, t),
        }
    }

    /// The fit of a holder to a lead: 1, or the mismatch fit for a partner
    /// that does not cover the lead's vertical.
    #[inline]
    pub(super) fn fit(&self, lead: u32, holder: u32) -> f64 {
        match self.model.partners.get(holder as usize) {
            None => 1.0,
            Some(p) => {
                let segment = &self.model.leads.segments[self.lead(lead).segment as usize];
                if segment.vertical.is_none_or(|v| p.covers_vertical[v]) {
                    1.0
                } else {
                    self.policy.eligibility.vertical_mismatch_fit
                }
            }
        }
    }

    /// Pays a partner on account of a lead and books it everywhere it counts.
    pub(super) fn pay(&mut self, time: f64, lead: u32, holder: u32, amount: f64) {
        if amount != 0.0 {
            self.tell(
                time,
                Event::Paid {
                    lead,
                    holder,
                    amount,
                },
            );
        }
        let run = self.tally(lead);
        run.payouts += amount;
        run.partners[holder as usize].payouts += amount;
        self.earn(holder, time, amount);
    }

    /// The payout partner `p` is paid under now (its tier's, or the
    /// policy's).
    pub(super) fn payout_of(&self, p: u32) -> &'a crate::model::Payout {
        payout_for(self.policy, self.scratch.partner_states[p as usize].tier)
    }

    /// Enablement's gain on partner `holder`'s qualify and win rates at
    /// `t` (none for the house).
    pub(super) fn enabled(&self, holder: u32, t: f64) -> (f64, f64) {
        let Some(e) = self.policy.enablement else {
            return (0.0, 0.0);
        };
        if !self.is_partner(holder) {
            return (0.0, 0.0);
        }
        let p = holder as usize;
        let left = self.run.partners[p].left_at_hours;
        let joins = self.scratch.partner_states[p].joins_hours;
        let periods = money::enablement_periods(self.model, self.policy, joins, left);
        money::enablement_gain(&e, periods, self.policy.payout.period_hours, t)
    }

    /// Money earned by partner `p` at `t`: what its reviews see, at once or
    /// `pay_lag_days` later.
    pub(super) fn earn(&mut self, p: u32, t: f64, amount: f64) {
        let payout = self.payout_of(p);
        self.scratch.money.earn(p, payout, t, amount);
    }

    pub(super) fn finish(mut self) -> PolicyRun {
        let s = &mut *self.scratch;
        s.settle(self.model, self.policy, &mut self.run);
        self.run
    }

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
    pub(super) fn offer_round(&mut self, lead: u32, t: f64) {
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
        let first = self.scratch.offers.next();
        let mut sent = 0u16;
        let mut decider = Decider::new(None);
        for &partner in &picks {
            self.tell(t, Event::Offered { lead, partner });
            let reply = self.reply(lead, partner, round, t, offer.window_hours);
            decider.see(reply, first + sent as u32);
            let st = &mut self.scratch.lead_states[lead as usize];
            self.scratch.offers.make(st, partner, reply);
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

    /// No partner took the lead: the SLA's `then` if there is an SLA, else
    /// the house; with neither, a first routing leaves the lead unrouted and
    /// a re-routing drops it.
    pub(super) fn offers_exhausted(&mut self, lead: u32, t: f64) {
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

    /// Puts `next` on the calendar for the lead's current round.
    #[inline(always)]
    pub(super) fn schedule_next(&mut self, lead: u32, next: Next) {
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
    pub(super) fn schedule_expiry(&mut self, lead: u32, attempt: u16, round: u16, since: f64) {
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
}
