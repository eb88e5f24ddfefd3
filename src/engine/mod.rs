//! The discrete-event core: one policy, one replication's world, no I/O.
//!
//! `simulate` plays every lead of a [`World`] through a [`Policy`] (MODEL.md
//! section 4) and returns a [`PolicyRun`] of tallies. It never prints, never
//! writes, and never keeps anything beyond the replication: the runner folds
//! its result into accumulators and reuses the [`Scratch`] buffers.

pub mod events;
pub mod leads;
pub mod payout;
pub mod rng;
pub mod routing;

use std::collections::VecDeque;

use events::{Calendar, EventKind};
use leads::World;
use payout::Account;
use rng::Purpose;
use routing::{Choice, RuleState};

use crate::model::{Model, Policy, RegionMode, SlaThen, VerticalMode, WhenFull, HOURS_PER_DAY};

const NONE: u32 = u32::MAX;

/// How a lead's story ended. Every arrived lead gets exactly one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcomes {
    pub below_threshold: u32,
    pub unrouted: u32,
    pub dropped: u32,
    pub disqualified: u32,
    pub lost: u32,
    pub won: u32,
}

impl Outcomes {
    pub fn total(&self) -> u32 {
        self.below_threshold
            + self.unrouted
            + self.dropped
            + self.disqualified
            + self.lost
            + self.won
    }
}

/// One partner's tallies in one run.
#[derive(Debug, Clone, Copy, Default)]
pub struct PartnerTally {
    /// Assignments received (a lead rerouted to it counts once more).
    pub leads: u32,
    pub opportunities: u32,
    pub wins: u32,
    pub revenue: f64,
    pub payouts: f64,
    pub contacts: u32,
    /// Sum over its contacts of the time from arrival to first contact.
    pub ttfc_sum_hours: f64,
    /// Sum of the scores of the leads it received.
    pub score_sum: f64,
    pub active_at_start: bool,
    pub left: bool,
}

/// Everything one policy did in one replication.
#[derive(Debug, Clone, Default)]
pub struct PolicyRun {
    pub leads: u32,
    /// Leads that passed the threshold and reached a partner or the house.
    pub routed: u32,
    /// Leads taken back by an SLA at least once.
    pub rerouted: u32,
    /// Leads worked by the house (first routing or after an SLA).
    pub to_house: u32,
    pub outcomes: Outcomes,
    pub opportunities: u32,
    /// Assignments to partners that were subject to an SLA, and how many of
    /// them missed their deadline.
    pub sla_assignments: u32,
    pub sla_breaches: u32,
    pub contacts: u32,
    pub ttfc_sum_hours: f64,
    pub ttfc_median_hours: Option<f64>,
    pub ttfc_p90_hours: Option<f64>,
    pub revenue: f64,
    /// Sum of the discounts of won deals.
    pub discount_sum: f64,
    pub churned: u32,
    pub payouts: f64,
    pub mdf: f64,
    pub clawbacks: f64,
    pub partners: Vec<PartnerTally>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Unassigned,
    Queued,
    Working,
    Opportunity,
    Done,
}

#[derive(Debug, Clone, Copy)]
struct LeadState {
    score: f64,
    holder: u32,
    attempt: u16,
    reroutes: u16,
    phase: Phase,
    assigned_at: f64,
    contact_at: f64,
    /// Head of this lead's list of earlier holders in `Scratch::held`.
    held_head: u32,
    rerouted: bool,
    to_house: bool,
}

#[derive(Debug, Clone, Default)]
struct Holder {
    capacity: u32,
    working: u32,
    /// Live entries in `queue` (taken-back entries stay until popped).
    queued: u32,
    queue: VecDeque<(u32, u16)>,
}

/// Buffers reused from run to run so the hot path does not allocate.
#[derive(Debug, Default)]
pub struct Scratch {
    lead_states: Vec<LeadState>,
    holders: Vec<Holder>,
    calendar: Calendar,
    /// Linked lists of earlier holders: (partner, next entry).
    held: Vec<(u32, u32)>,
    candidates: Vec<u32>,
    preferred: Vec<u32>,
    ttfc: Vec<f64>,
    accounts: Vec<Account>,
    rules: Vec<RuleState>,
}

struct Sim<'a> {
    model: &'a Model,
    policy: &'a Policy,
    world: &'a World,
    s: &'a mut Scratch,
    run: PolicyRun,
    house: Option<u32>,
    sla_hours: f64,
}

/// Plays one replication's leads through one policy.
pub fn simulate(model: &Model, policy: &Policy, world: &World, scratch: &mut Scratch) -> PolicyRun {
    let n_partners = model.partners.len();
    let house = model.house.as_ref().map(|_| n_partners as u32);
    scratch.lead_states.clear();
    scratch.held.clear();
    scratch.ttfc.clear();
    scratch.calendar.clear();
    scratch.holders.clear();
    let capacities = model
        .partners
        .iter()
        .map(|p| p.team.capacity)
        .chain(model.house.as_ref().map(|h| h.capacity));
    for capacity in capacities {
        scratch.holders.push(Holder {
            capacity,
            ..Holder::default()
        });
    }
    scratch.accounts.clear();
    scratch.accounts.resize(n_partners, Account::default());
    scratch.rules.clear();
    scratch
        .rules
        .resize(policy.routing.tiers.len().max(1), RuleState::default());

    let run = PolicyRun {
        leads: world.leads.len() as u32,
        partners: model
            .partners
            .iter()
            .map(|p| PartnerTally {
                active_at_start: p.joins_hours.is_none(),
                ..PartnerTally::default()
            })
            .collect(),
        ..PolicyRun::default()
    };
    let mut sim = Sim {
        model,
        policy,
        world,
        s: scratch,
        run,
        house,
        sla_hours: policy.sla.map_or(f64::INFINITY, |s| s.first_contact_hours),
    };
    sim.play();
    sim.finish()
}

impl<'a> Sim<'a> {
    fn play(&mut self) {
        let n_signals = self.model.leads.signals.len();
        let weights = &self.policy.scoring.weights;
        for i in 0..self.world.leads.len() {
            let arrival = self.world.leads[i].arrival_hours;
            while self.s.calendar.peek_time().is_some_and(|t| t <= arrival) {
                let (t, kind) = self.s.calendar.pop().expect("peeked");
                self.handle(t, kind);
            }
            let signals = self.world.signals_of(i, n_signals);
            let score: f64 = signals.iter().zip(weights).map(|(s, w)| s * w).sum();
            self.s.lead_states.push(LeadState {
                score,
                holder: NONE,
                attempt: 0,
                reroutes: 0,
                phase: Phase::Unassigned,
                assigned_at: arrival,
                contact_at: f64::INFINITY,
                held_head: NONE,
                rerouted: false,
                to_house: false,
            });
            if score < self.policy.scoring.threshold {
                self.run.outcomes.below_threshold += 1;
                self.s.lead_states[i].phase = Phase::Done;
                continue;
            }
            match self.route(i as u32).or(self.house) {
                Some(holder) => {
                    self.run.routed += 1;
                    self.assign(i as u32, holder, arrival);
                }
                None => {
                    self.run.outcomes.unrouted += 1;
                    self.s.lead_states[i].phase = Phase::Done;
                }
            }
        }
        while let Some((t, kind)) = self.s.calendar.pop() {
            self.handle(t, kind);
        }
    }

    fn handle(&mut self, t: f64, kind: EventKind) {
        match kind {
            EventKind::Contact { lead, attempt } => self.contact(lead, attempt, t),
            EventKind::Deadline { lead, attempt } => self.deadline(lead, attempt, t),
            EventKind::Close { lead } => self.close(lead, t),
        }
    }

    /// Picks a partner for the lead among the eligible ones, or `None`.
    fn route(&mut self, lead: u32) -> Option<u32> {
        let world = self.world;
        let model = self.model;
        let policy = self.policy;
        let state = self.s.lead_states[lead as usize];
        let segment = &model.leads.segments[world.leads[lead as usize].segment as usize];
        let when_full_skip = policy.caps.when_full == WhenFull::Skip;
        self.s.candidates.clear();
        self.s.preferred.clear();
        for (p, partner) in model.partners.iter().enumerate() {
            let holder = &self.s.holders[p];
            if when_full_skip && holder.working >= holder.capacity {
                continue;
            }
            let (region_ok, vertical_ok) = partner.covers(segment.region, segment.vertical);
            if policy.eligibility.region == RegionMode::Require && !region_ok {
                continue;
            }
            if policy.eligibility.vertical == VerticalMode::Require && !vertical_ok {
                continue;
            }
            if self.has_held(state.held_head, p as u32) {
                continue;
            }
            self.s.candidates.push(p as u32);
            if vertical_ok {
                self.s.preferred.push(p as u32);
            }
        }
        if policy.eligibility.vertical == VerticalMode::Prefer && !self.s.preferred.is_empty() {
            std::mem::swap(&mut self.s.candidates, &mut self.s.preferred);
        }
        let uniform = world
            .streams
            .uniform(Purpose::Route, lead as u64, state.attempt as u64);
        let holders = &self.s.holders;
        let load = |p: u32| {
            let h = &holders[p as usize];
            (h.working + h.queued) as f64 / h.capacity as f64
        };
        let routing = &policy.routing;
        if routing.tiers.is_empty() {
            let choice = Choice {
                candidates: &self.s.candidates,
                weights: &routing.weights,
                load: &load,
                uniform,
            };
            return self.s.rules[0].pick(routing.rule, &choice);
        }
        // score_tiered: the first tier the score reaches that has a candidate.
        for (k, tier) in routing.tiers.iter().enumerate() {
            if state.score < tier.min_score {
                continue;
            }
            self.s.preferred.clear();
            self.s.preferred.extend(
                self.s
                    .candidates
                    .iter()
                    .copied()
                    .filter(|&p| tier.partner_tiers[model.partners[p as usize].tier]),
            );
            let choice = Choice {
                candidates: &self.s.preferred,
                weights: &routing.weights,
                load: &load,
                uniform,
            };
            if let Some(p) = self.s.rules[k].pick(routing.rule, &choice) {
                return Some(p);
            }
        }
        None
    }

    fn has_held(&self, mut entry: u32, partner: u32) -> bool {
        while entry != NONE {
            let (p, next) = self.s.held[entry as usize];
            if p == partner {
                return true;
            }
            entry = next;
        }
        false
    }

    fn is_partner(&self, holder: u32) -> bool {
        (holder as usize) < self.model.partners.len()
    }

    /// Gives the lead to `holder` at time `t`: work starts now or it queues.
    fn assign(&mut self, lead: u32, holder: u32, t: f64) {
        let is_partner = self.is_partner(holder);
        let st = &mut self.s.lead_states[lead as usize];
        st.holder = holder;
        st.assigned_at = t;
        st.contact_at = f64::INFINITY;
        if is_partner {
            let entry = self.s.held.len() as u32;
            self.s.held.push((holder, st.held_head));
            st.held_head = entry;
            let tally = &mut self.run.partners[holder as usize];
            tally.leads += 1;
            tally.score_sum += st.score;
            if self.policy.sla.is_some() {
                self.run.sla_assignments += 1;
            }
        } else if !st.to_house {
            st.to_house = true;
            self.run.to_house += 1;
        }
        let attempt = st.attempt;
        let h = &mut self.s.holders[holder as usize];
        if h.working < h.capacity {
            self.start(lead, t);
        } else {
            h.queue.push_back((lead, attempt));
            h.queued += 1;
            self.s.lead_states[lead as usize].phase = Phase::Queued;
            if is_partner && self.policy.sla.is_some() {
                self.s
                    .calendar
                    .schedule(t + self.sla_hours, EventKind::Deadline { lead, attempt });
            }
        }
    }

    /// The holder takes a slot and works the lead: first contact is drawn.
    fn start(&mut self, lead: u32, t: f64) {
        let st = self.s.lead_states[lead as usize];
        let team = self.team(st.holder);
        self.s.holders[st.holder as usize].working += 1;
        let mut rng = self
            .world
            .streams
            .rng(Purpose::Response, lead as u64, st.attempt as u64);
        let response = team.response_hours.sample(&mut rng);
        let contact_at = t + response;
        let deadline = st.assigned_at + self.sla_hours;
        let state = &mut self.s.lead_states[lead as usize];
        let was_queued = state.phase == Phase::Queued;
        state.phase = Phase::Working;
        state.contact_at = contact_at;
        let attempt = st.attempt;
        if self.is_partner(st.holder) && contact_at > deadline {
            // Too late: the SLA takes it back at the deadline. A queued lead
            // already has its deadline on the calendar.
            if !was_queued {
                self.s
                    .calendar
                    .schedule(deadline, EventKind::Deadline { lead, attempt });
            }
        } else {
            self.s
                .calendar
                .schedule(contact_at, EventKind::Contact { lead, attempt });
        }
    }

    /// The team working for `holder` (borrowed from the model, not `self`).
    fn team(&self, holder: u32) -> &'a crate::model::Team {
        let model: &'a Model = self.model;
        match model.partners.get(holder as usize) {
            Some(p) => &p.team,
            None => model
                .house
                .as_ref()
                .expect("holder beyond partners is the house"),
        }
    }

    /// Frees one of the holder's slots and starts its next queued lead.
    fn free_slot(&mut self, holder: u32, t: f64) {
        let h = &mut self.s.holders[holder as usize];
        h.working -= 1;
        while let Some((lead, attempt)) = h.queue.pop_front() {
            let st = &self.s.lead_states[lead as usize];
            if st.phase == Phase::Queued && st.attempt == attempt && st.holder == holder {
                h.queued -= 1;
                self.start(lead, t);
                return;
            }
        }
    }

    fn deadline(&mut self, lead: u32, attempt: u16, t: f64) {
        let st = self.s.lead_states[lead as usize];
        if st.attempt != attempt {
            return;
        }
        match st.phase {
            Phase::Queued => {
                // Left in the queue as a stale entry; `queued` counts live ones.
                self.s.holders[st.holder as usize].queued -= 1;
            }
            Phase::Working if st.contact_at > t => {
                self.free_slot(st.holder, t);
            }
            _ => return,
        }
        self.run.sla_breaches += 1;
        let sla = self.policy.sla.expect("deadlines exist only under an SLA");
        let state = &mut self.s.lead_states[lead as usize];
        if !state.rerouted {
            state.rerouted = true;
            self.run.rerouted += 1;
        }
        state.attempt += 1;
        state.phase = Phase::Unassigned;
        let next = if state.reroutes as u32 >= sla.max_reroutes {
            match sla.then {
                SlaThen::House => self.house,
                SlaThen::Drop => None,
            }
        } else {
            state.reroutes += 1;
            self.route(lead).or(self.house)
        };
        match next {
            Some(holder) => self.assign(lead, holder, t),
            None => {
                self.run.outcomes.dropped += 1;
                self.s.lead_states[lead as usize].phase = Phase::Done;
            }
        }
    }

    /// The fit of a holder to a lead: 1, or the mismatch fit for a partner
    /// that does not cover the lead's vertical.
    fn fit(&self, lead: u32, holder: u32) -> f64 {
        match self.model.partners.get(holder as usize) {
            None => 1.0,
            Some(p) => {
                let segment =
                    &self.model.leads.segments[self.world.leads[lead as usize].segment as usize];
                if segment.vertical.is_none_or(|v| p.covers_vertical[v]) {
                    1.0
                } else {
                    self.policy.eligibility.vertical_mismatch_fit
                }
            }
        }
    }

    fn contact(&mut self, lead: u32, attempt: u16, t: f64) {
        let st = self.s.lead_states[lead as usize];
        if st.attempt != attempt || st.phase != Phase::Working {
            return;
        }
        let the_lead = self.world.leads[lead as usize];
        let delay = t - the_lead.arrival_hours;
        self.run.contacts += 1;
        self.run.ttfc_sum_hours += delay;
        self.s.ttfc.push(delay);
        let holder = st.holder;
        if self.is_partner(holder) {
            let tally = &mut self.run.partners[holder as usize];
            tally.contacts += 1;
            tally.ttfc_sum_hours += delay;
        }
        let skill = self.world.skills[holder as usize];
        let effort = 1.0;
        let p_opportunity = (the_lead.quality * skill.qualify_rate * effort).min(1.0)
            * self.fit(lead, holder)
            * self.model.decay.decay(delay);
        let u = self.world.streams.uniform(Purpose::Qualify, lead as u64, 0);
        if u < p_opportunity {
            self.run.opportunities += 1;
            self.s.lead_states[lead as usize].phase = Phase::Opportunity;
            if self.is_partner(holder) {
                let paid = self.s.accounts[holder as usize].qualified_lead(&self.policy.payout, t);
                let tally = &mut self.run.partners[holder as usize];
                tally.opportunities += 1;
                tally.payouts += paid;
                self.run.payouts += paid;
            }
            let mut rng = self.world.streams.rng(Purpose::Work, lead as u64, 0);
            let work_hours = self.team(holder).work_days.sample(&mut rng) * HOURS_PER_DAY;
            self.s
                .calendar
                .schedule(t + work_hours, EventKind::Close { lead });
        } else {
            self.run.outcomes.disqualified += 1;
            self.s.lead_states[lead as usize].phase = Phase::Done;
            self.free_slot(holder, t);
        }
    }

    fn close(&mut self, lead: u32, t: f64) {
        let st = self.s.lead_states[lead as usize];
        debug_assert_eq!(st.phase, Phase::Opportunity);
        let holder = st.holder;
        let skill = self.world.skills[holder as usize];
        let p_win = skill.win_rate * self.fit(lead, holder);
        let u = self.world.streams.uniform(Purpose::Win, lead as u64, 0);
        if u < p_win {
            let team = self.team(holder);
            let mut rng = self.world.streams.rng(Purpose::Discount, lead as u64, 0);
            let discount = team.discount.sample(&mut rng);
            let revenue = self.world.leads[lead as usize].deal_size
                * team.deal_size_factor
                * (1.0 - discount);
            let econ = self.model.economics;
            let p_churn =
                (econ.churn_rate * (1.0 + econ.discount_churn_factor * discount)).min(1.0);
            if self.world.streams.uniform(Purpose::Churn, lead as u64, 0) < p_churn {
                self.run.churned += 1;
            }
            self.run.outcomes.won += 1;
            self.run.revenue += revenue;
            self.run.discount_sum += discount;
            if self.is_partner(holder) {
                let paid =
                    self.s.accounts[holder as usize].won_deal(&self.policy.payout, t, revenue);
                let tally = &mut self.run.partners[holder as usize];
                tally.wins += 1;
                tally.revenue += revenue;
                tally.payouts += paid;
                self.run.payouts += paid;
            }
        } else {
            self.run.outcomes.lost += 1;
        }
        self.s.lead_states[lead as usize].phase = Phase::Done;
        self.free_slot(holder, t);
    }

    fn finish(mut self) -> PolicyRun {
        let ttfc = &mut self.s.ttfc;
        if !ttfc.is_empty() {
            ttfc.sort_unstable_by(f64::total_cmp);
            self.run.ttfc_median_hours = Some(crate::stats::quantile_sorted(ttfc, 0.5));
            self.run.ttfc_p90_hours = Some(crate::stats::quantile_sorted(ttfc, 0.9));
        }
        debug_assert_eq!(self.run.outcomes.total(), self.run.leads);
        self.run
    }
}
