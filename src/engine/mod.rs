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
mod eligibility;
pub mod events;
mod holders;
mod lead;
pub mod leads;
pub mod money;
mod observer;
mod offers;
pub mod rng;
pub mod routing;
mod sim;
mod sourced;
mod stress;
mod tally;

use behaviour::PartnerState;
use eligibility::Router;
use events::Calendar;
use holders::Holders;
use lead::{history, listed, partner_bit, push_partner, LeadState, Phase, NONE};
use leads::{Lead, World};
use money::Money;
use routing::Learning;
use sim::Sim;

pub use observer::{Observer, TakeBack, Unobserved};
pub use tally::{Outcomes, PartnerTally, PolicyRun, QueueWatch};

use crate::model::{Model, Policy};

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
    /// Linked lists of partners offered a lead: (partner, next entry).
    offered: Vec<(u32, u32)>,
    /// Each offer's answer, by the same index as `offered`.
    replies: Vec<offers::Reply>,
    /// A round's refusals in the order they came, for the observer.
    refusals: Vec<(f64, u32)>,
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
    let n_partners = model.partners.len();
    scratch.lead_states.clear();
    // With partner-sourced leads, every world lead's state waits at its
    // index until the lead arrives, and sourced leads take the indices
    // after; without, states are pushed as leads arrive.
    if model
        .partners
        .iter()
        .any(|p| p.sourced_per_hour > 0.0 || p.leads_per_mdf > 0.0)
    {
        scratch
            .lead_states
            .resize(world.leads.len(), LeadState::waiting());
    }
    scratch.sourced.clear();
    scratch.held.clear();
    scratch.offered.clear();
    scratch.replies.clear();
    scratch.accept_times.clear();
    scratch.ttfc.clear();
    scratch.calendar.clear();
    let capacities = model
        .partners
        .iter()
        .map(|p| p.team.capacity)
        .chain(model.house.as_ref().map(|h| h.capacity));
    scratch.holders.start(capacities);
    scratch.partner_states.clear();
    scratch
        .partner_states
        .extend(model.partners.iter().map(|p| PartnerState {
            joins_hours: p.joins_hours.unwrap_or(f64::NEG_INFINITY),
            has_away: !p.away.is_empty(),
            tier: p.tier,
            tier_since: p.joins_hours.unwrap_or(0.0).max(0.0),
            ..PartnerState::default()
        }));
    scratch.learning.clear();
    scratch.learning.extend(
        model
            .partners
            .iter()
            .map(|p| Learning::new(p.prior_win_rate, p.response_median_hours)),
    );
    scratch.money.start(n_partners);

    let run = PolicyRun {
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
    let mut sim = Sim {
        model,
        policy,
        world,
        scratch,
        observer,
        run,
        house: model.house.as_ref().map(|_| n_partners as u32),
        sla_hours: policy.sla.map_or(f64::INFINITY, |s| s.first_contact_hours),
        warm: PolicyRun::default(),
    };
    sim.warm = sim.run.clone();
    let s = &mut *sim.scratch;
    s.router.start(model, policy, world, &s.partner_states);
    sim.schedule_reviews();
    sim.schedule_world_events();
    sim.schedule_signing();
    sim.start_exclusivity();
    sim.start_tiers();
    sim.schedule_sourced();
    sim.play();
    sim.finish()
}
