//! The discrete-event core: one policy, one replication's world, no I/O.
//!
//! `simulate` plays every lead of a [`World`] through a [`Policy`] (docs/scenario-format.md,
//! "How a policy handles one lead") and returns a [`PolicyRun`] of tallies. It never prints,
//! never writes, and keeps nothing beyond the replication: the runner folds
//! its result into accumulators and reuses the [`Scratch`] buffers. An
//! [`Observer`] may watch decisions as they happen (tests, traces).
//!
//! The lead's life is here; who may receive a lead is `eligibility.rs`, how
//! partners review their earnings and leave is `behaviour.rs`, the rules are
//! `routing.rs` and the money is `payout.rs`.

mod behaviour;
mod deal;
mod eligibility;
pub mod events;
mod handlers;
mod holders;
mod lead;
pub mod leads;
pub mod money;
mod observer;
mod offers;
pub mod rng;
mod router;
pub mod routing;
mod sim;
mod sourced;
mod tally;

use behaviour::PartnerState;
use events::{Calendar, EventKind};
use holders::Holders;
use lead::{history, listed, partner_bit, push_partner, LeadState, Phase, NONE};
use leads::{Lead, World};
use money::Money;
use offers::Offers;
use router::Router;
use routing::Learning;
use sim::Sim;

pub use observer::{Event, Observer, TakeBack, Unobserved};
pub use tally::{Outcomes, PartnerTally, PolicyRun, QueueWatch};

use crate::model::{Model, Policy, WorldEventKind};

/// Buffers reused from run to run so the hot path does not allocate.
#[derive(Debug, Default)]
pub struct Scratch {
    router: Router,
    lead_states: Vec<LeadState>,
    holders: Holders,
    partner_states: Vec<PartnerState>,
    learning: Vec<Learning>,
    calendar: Calendar,
    /// Linked lists of earlier holders: (partner, next entry).
    held: Vec<(u32, u32)>,
    ttfc: Vec<f64>,
    money: Money,
    /// Days in each tier so far (`partner * tiers + tier`), with `tiers`.
    tier_days: Vec<f64>,
    /// An offer round's chosen partners.
    picks: Vec<u32>,
    offers: Offers,
    /// Hours from the start of a routing to an acceptance, per acceptance.
    accept_times: Vec<f64>,
    /// Partner-sourced leads, with ids from the world's lead count on.
    sourced: Vec<Lead>,
    /// Per partner: the segments of its own leads (`leads::sourced_mix`).
    sourced_mix: Vec<Vec<(f64, u32)>>,
}

/// Plays one replication's leads through one policy.
pub fn simulate(model: &Model, policy: &Policy, world: &World, scratch: &mut Scratch) -> PolicyRun {
    simulate_observed(model, policy, world, scratch, &mut Unobserved)
}

/// [`simulate`], telling `observer` about each decision.
pub fn simulate_observed<O: Observer + ?Sized>(
    model: &Model,
    policy: &Policy,
    world: &World,
    scratch: &mut Scratch,
    observer: &mut O,
) -> PolicyRun {
    scratch.prepare(model, policy, world);
    let mut run = PolicyRun {
        ttfc_by_hour: vec![(0.0, 0); crate::calendar::WEEK_HOURS as usize],
        queues: vec![QueueWatch::default(); scratch.holders.len()],
        partners: model
            .partners
            .iter()
            .map(|p| PartnerTally {
                active_at_start: p.has_joined(0.0),
                ..PartnerTally::default()
            })
            .collect(),
        ..PolicyRun::default()
    };
    scratch.schedule(model, policy, world, &mut run);
    let mut sim = Sim {
        model,
        policy,
        world,
        scratch,
        observer,
        warm: run.clone(),
        run,
        house: model.house.as_ref().map(|_| model.partners.len() as u32),
        sla_hours: policy.sla.map_or(f64::INFINITY, |s| s.first_contact_hours),
    };
    sim.play();
    sim.finish()
}

impl Scratch {
    /// Every part ready for a run of `policy` in `world`: nothing held,
    /// queued, paid or on the calendar.
    fn prepare(&mut self, model: &Model, policy: &Policy, world: &World) {
        self.lead_states.clear();
        // With partner-sourced leads, every world lead's state waits at its
        // index until the lead arrives, and sourced leads take the indices
        // after; without, states are pushed as leads arrive.
        if model
            .partners
            .iter()
            .any(|p| p.sourced_per_hour > 0.0 || p.leads_per_mdf > 0.0)
        {
            self.lead_states
                .resize(world.leads.len(), LeadState::waiting());
        }
        self.sourced.clear();
        self.held.clear();
        self.offers.start();
        self.accept_times.clear();
        self.ttfc.clear();
        self.calendar.clear();
        let capacities = model
            .partners
            .iter()
            .map(|p| p.team.capacity)
            .chain(model.house.as_ref().map(|h| h.capacity));
        self.holders.start(capacities);
        self.partner_states.clear();
        self.partner_states
            .extend(model.partners.iter().map(PartnerState::joining));
        self.learning.clear();
        self.learning.extend(
            model
                .partners
                .iter()
                .map(|p| Learning::new(p.prior_win_rate, p.response_median_hours)),
        );
        self.money.start(model.partners.len());
        self.router
            .start(model, policy, world, &self.partner_states);
    }

    /// What the run starts with on the calendar, in this order: behaviour
    /// reviews, the world's partner events, signing bonuses, exclusivity
    /// (and its reviews), tier reviews, and partner-sourced leads (and MDF
    /// reviews). `run` notes partners a stress world has join later.
    fn schedule(&mut self, model: &Model, policy: &Policy, world: &World, run: &mut PolicyRun) {
        if model.partners.iter().any(|p| p.has_behaviour()) {
            self.schedule_every(model, model.economics.review_hours, EventKind::Review);
        }
        for (i, e) in model.worlds[world.spec].events.iter().enumerate() {
            match e.kind {
                WorldEventKind::PartnerJoin { partner } => {
                    self.partner_states[partner].joins_hours = e.hours;
                    run.partners[partner].active_at_start = e.hours <= 0.0;
                }
                WorldEventKind::PartnerExit { .. } | WorldEventKind::Consolidation { .. } => {
                    let event = EventKind::World { event: i as u16 };
                    self.calendar.schedule(e.hours, event);
                }
                WorldEventKind::MarketSkew { .. } | WorldEventKind::Demand { .. } => {}
            }
        }
        // Each partner's signing bonus when it joins: at the start, or at
        // its `joins_day` (or a stress world's join).
        let paid = |p: &crate::model::Payout| p.signing_bonus > 0.0;
        if paid(&policy.payout) || policy.payout_by_tier.iter().any(paid) {
            for (p, ps) in self.partner_states.iter().enumerate() {
                let partner = p as u32;
                self.calendar
                    .schedule(ps.joins_hours.max(0.0), EventKind::Join { partner });
            }
        }
        self.start_exclusivity(model, policy);
        if let Some(programme) = &model.tier_programme {
            self.tier_days.clear();
            self.tier_days
                .resize(model.partners.len() * model.tiers.len(), 0.0);
            self.schedule_every(model, programme.review_hours, EventKind::TierReview);
        }
        self.schedule_sourced(model, policy, world);
    }

    /// Puts `kind` on the calendar every `period` hours during the horizon
    /// (not at time 0).
    fn schedule_every(&mut self, model: &Model, period: f64, kind: EventKind) {
        let mut k = 1.0;
        while k * period <= model.horizon_hours {
            self.calendar.schedule(k * period, kind);
            k += 1.0;
        }
    }

    /// Grants each partner with an `exclusive` territory its exclusivity
    /// when the policy honours it, and puts the guardrail reviews on the
    /// calendar (during the horizon) when the policy has a guardrail.
    fn start_exclusivity(&mut self, model: &Model, policy: &Policy) {
        let ex = policy.exclusivity;
        if !ex.honor {
            return;
        }
        for (ps, p) in self.partner_states.iter_mut().zip(&model.partners) {
            ps.exclusive = p.exclusive.is_some();
        }
        let any = self.partner_states.iter().any(|p| p.exclusive);
        self.router.set_exclusive_any(any);
        if any && (ex.min_lead_to_opportunity.is_some() || ex.max_sla_breach_rate.is_some()) {
            self.schedule_every(model, ex.review_hours, EventKind::ExclusivityReview);
        }
    }

    /// Partners' own leads on the calendar, and the MDF reviews that buy
    /// more (each payout period during the horizon).
    fn schedule_sourced(&mut self, model: &Model, policy: &Policy, world: &World) {
        let mdf_buys = model.partners.iter().any(|p| p.leads_per_mdf > 0.0);
        let sources = model.partners.iter().any(|p| p.sourced_per_hour > 0.0);
        if !sources && !mdf_buys {
            return;
        }
        self.sourced_mix.clear();
        self.sourced_mix.extend(model.partners.iter().map(|p| {
            if p.sourced_per_hour > 0.0 || p.leads_per_mdf > 0.0 {
                leads::sourced_mix(model, p)
            } else {
                Vec::new()
            }
        }));
        let end = sourced::arrivals_end(model);
        for (p, partner) in model.partners.iter().enumerate() {
            let rate = partner.sourced_per_hour;
            if rate <= 0.0 {
                continue;
            }
            let from = self.partner_states[p].joins_hours.max(0.0);
            let mix = std::mem::take(&mut self.sourced_mix[p]);
            let streams = &world.streams;
            sourced::own_leads(model, &mix, streams, (p, rate), (from, end), |lead| {
                self.add_sourced(p as u32, lead)
            });
            self.sourced_mix[p] = mix;
        }
        if mdf_buys {
            self.schedule_every(model, policy.payout.period_hours, EventKind::MdfReview);
        }
    }

    /// The run's end: times read, enablement's spend, days in each tier,
    /// and the leads still open when it is read, into `run`.
    fn settle(&mut self, model: &Model, policy: &Policy, run: &mut PolicyRun) {
        run.settle_times(&mut self.ttfc, &mut self.accept_times);
        if let Some(e) = policy.enablement {
            // Once per partner and period spent on, within the run's window.
            let period = policy.payout.period_hours;
            let window = (
                model.warmup_hours,
                model.readout_hours.unwrap_or(f64::INFINITY),
            );
            for (p, ps) in self.partner_states.iter().enumerate() {
                let left = run.partners[p].left_at_hours;
                let periods = money::enablement_periods(model, policy, ps.joins_hours, left);
                money::add_enablement_spend(&e, periods, period, window, &mut run.enablement);
            }
        }
        if model.tier_programme.is_some() {
            // Days in the current tier, to the horizon's end (or leaving).
            let n_tiers = model.tiers.len();
            let horizon = model.horizon_hours;
            run.tier_days = std::mem::take(&mut self.tier_days);
            for (p, ps) in self.partner_states.iter().enumerate() {
                let end = run.partners[p]
                    .left_at_hours
                    .map_or(horizon, |l| l.min(horizon));
                ps.close_tier_days(end, &mut run.tier_days[p * n_tiers..][..n_tiers]);
            }
            run.tier_end = self
                .partner_states
                .iter()
                .map(|ps| ps.tier as u32)
                .collect();
        }
        run.open_at_readout = self
            .lead_states
            .iter()
            .filter(|s| s.counted && s.phase != Phase::Done)
            .count() as u32;
        debug_assert_eq!(run.outcomes.total() + run.open_at_readout, run.leads);
    }

    /// Partner `p`'s own lead, on the calendar for its arrival: its state
    /// waits after the world's leads.
    fn add_sourced(&mut self, p: u32, lead: Lead) {
        let id = self.lead_states.len() as u32;
        self.sourced.push(lead);
        self.lead_states.push(LeadState {
            holder: p,
            sourced: true,
            ..LeadState::waiting()
        });
        let arrives = EventKind::Sourced { lead: id };
        self.calendar.schedule(lead.arrival_hours, arrives);
    }
}
