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
pub mod leads;
mod offers;
pub mod payout;
pub mod rng;
pub mod routing;
mod sourced;
mod stress;

use std::collections::VecDeque;

use events::{Calendar, EventKind};
use leads::{Lead, World};
use payout::Account;
use rng::Purpose;
use routing::{Learning, RuleState};

use crate::model::{Model, Policy, SlaThen, Team, HOURS_PER_DAY};

const NONE: u32 = u32::MAX;

/// Pushes `partner` onto the per-lead list that starts at `head`, in
/// `nodes` (entries are (partner, next entry)): a lead's earlier holders,
/// or the partners offered it in its current routing.
#[inline]
fn push_partner(nodes: &mut Vec<(u32, u32)>, head: &mut u32, mask: &mut u64, partner: u32) {
    nodes.push((partner, *head));
    *head = (nodes.len() - 1) as u32;
    *mask |= partner_bit(partner);
}

/// The partners on the list in `nodes` that starts at `head`, the last
/// pushed first.
fn listed(nodes: &[(u32, u32)], head: u32) -> impl Iterator<Item = u32> + '_ {
    std::iter::successors(
        (head != NONE).then(|| nodes[head as usize]),
        move |&(_, next)| (next != NONE).then(|| nodes[next as usize]),
    )
    .map(|(p, _)| p)
}

/// Partner `p`'s bit in a set of partners (none from 64 on: sets as bits
/// are only read when there are fewer partners).
#[inline]
fn partner_bit(p: u32) -> u64 {
    1u64.checked_shl(p).unwrap_or(0)
}

/// How a lead's story ended. Every arrived lead gets exactly one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcomes {
    pub below_threshold: u32,
    pub unrouted: u32,
    pub dropped: u32,
    pub disqualified: u32,
    /// Contacted, but the first contact never reached the buyer.
    pub unreached: u32,
    pub lost: u32,
    pub won: u32,
}

impl Outcomes {
    pub fn total(&self) -> u32 {
        self.below_threshold
            + self.unrouted
            + self.dropped
            + self.disqualified
            + self.unreached
            + self.lost
            + self.won
    }
}

/// One partner's tallies in one run.
#[derive(Debug, Clone, Copy, Default)]
pub struct PartnerTally {
    /// Assignments received (a lead rerouted to it counts once more).
    pub leads: u32,
    /// Leads whose first assignment was to this partner, and how many of
    /// them were won, by whoever closed them (the house after an SLA take-
    /// back included): each routed lead counts for one partner only, so a
    /// pilot's arm conversion is the sum over its partners.
    pub first_leads: u32,
    pub first_wins: u32,
    pub opportunities: u32,
    pub wins: u32,
    pub revenue: f64,
    /// Everything paid: per-lead fees, speed bonuses, commission.
    pub payouts: f64,
    pub clawbacks: f64,
    /// Leads it kept to first contact (contacted them).
    pub contacts: u32,
    /// Expected value of the leads it kept: score x deal size, summed.
    pub value_kept: f64,
    /// Sum over its contacts of the time from arrival to first contact.
    pub ttfc_sum_hours: f64,
    /// Sum of the scores of the leads it received.
    pub score_sum: f64,
    pub active_at_start: bool,
    /// Its own leads that arrived, and their won revenue (in `revenue`
    /// too).
    pub sourced: u32,
    pub sourced_revenue: f64,
    /// When it left the programme, if it did.
    pub left_at_hours: Option<f64>,
    /// When it lost its exclusive territory, if it did.
    pub exclusivity_revoked_at: Option<f64>,
}

/// Everything one policy did in one replication.
#[derive(Debug, Clone, Default)]
pub struct PolicyRun {
    pub leads: u32,
    /// Leads that passed the threshold and reached a partner or the house.
    pub routed: u32,
    /// Leads taken back (by an SLA, or from a leaving partner's queue) and
    /// routed again, at least once.
    pub rerouted: u32,
    /// Leads worked by the house (first routing or later).
    pub to_house: u32,
    /// Leads whose SLA re-routes ran out (sent to the SLA's `then`).
    pub escalated: u32,
    /// Leads the policy's reserve gave to a partner, bypassing the rule.
    pub reserved: u32,
    /// Leads that came back from nurture.
    pub recycled: u32,
    /// Registered leads whose first holder was not their registrant.
    pub channel_conflicts: u32,
    /// Partner-sourced leads that arrived, their won revenue, and the deal
    /// size of those a leaving partner took with it while open.
    pub sourced: u32,
    pub sourced_revenue: f64,
    pub sourced_pipeline_lost: f64,
    /// Routed leads that arrived while their first holder was not working.
    pub after_hours: u32,
    /// Offers made, offers refused, and offers unanswered within the window.
    pub offers: u32,
    pub rejections: u32,
    pub offer_timeouts: u32,
    /// Median hours from the start of a routing to the offer's acceptance.
    pub time_to_accept_median_hours: Option<f64>,
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
    /// Contacted leads by time to first contact, in `stats::histogram` bins.
    pub ttfc_histogram: Vec<u64>,
    /// Time to first contact summed, and contacts counted, by the hour of
    /// the week (from Monday 00:00 UTC) the lead arrived in.
    pub ttfc_by_hour: Vec<(f64, u64)>,
    pub revenue: f64,
    /// Sum of the discounts of won deals.
    pub discount_sum: f64,
    pub churned: u32,
    /// Revenue lost to churn (`economics.churn_revenue_loss` of each
    /// churned deal).
    pub churned_revenue: f64,
    /// Counted leads still undecided when the run was read (`readout_day`).
    pub open_at_readout: u32,
    /// Per holder (the partners, then the house): leads waiting in its
    /// queue at the middle and at the end of the horizon, and leads
    /// assigned to it over the horizon, warm-up included (for the
    /// overload warning).
    pub queues: Vec<QueueWatch>,
    pub payouts: f64,
    pub mdf: f64,
    pub clawbacks: f64,
    /// Spent on `enablement`.
    pub enablement: f64,
    /// Partner opportunities worked with the house (`co_sell`).
    pub co_sold: u32,
    /// Tier moves at reviews (`tiers`), up and down.
    pub promoted: u32,
    pub demoted: u32,
    /// With `tiers`: days each partner spent in each tier within the
    /// horizon (`partner * tiers + tier`), and its tier at the end.
    pub tier_days: Vec<f64>,
    pub tier_end: Vec<u32>,
    pub partners: Vec<PartnerTally>,
}

/// A holder's queue, watched for overload.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueWatch {
    pub mid_horizon: u32,
    pub end_of_horizon: u32,
    pub assigned: u32,
}

/// Why a lead was taken back from its holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakeBack {
    /// Its SLA deadline passed before first contact.
    Sla,
    /// Its holder left the programme while the lead waited in its queue.
    PartnerLeft,
}

/// Watches what happens to each lead. Every method defaults to doing
/// nothing, and `simulate` is generic over the observer, so an observer
/// that ignores everything costs nothing. A holder is a partner index, or
/// `partners.len()` for the house.
pub trait Observer {
    fn arrived(&mut self, _time: f64, _lead: u32, _score: f64) {}
    fn below_threshold(&mut self, _time: f64, _lead: u32) {}
    /// The lead went to `holder`; `eligible` partners could have had it.
    fn assigned(&mut self, _time: f64, _lead: u32, _holder: u32, _eligible: u32) {}
    fn queued(&mut self, _time: f64, _lead: u32, _holder: u32) {}
    fn started(&mut self, _time: f64, _lead: u32, _holder: u32) {}
    fn taken_back(&mut self, _time: f64, _lead: u32, _holder: u32, _why: TakeBack) {}
    fn contacted(&mut self, _time: f64, _lead: u32, _holder: u32, _opportunity: bool) {}
    fn closed(&mut self, _time: f64, _lead: u32, _holder: u32, _won: bool, _revenue: f64) {}
    /// A partner was paid `amount` (after caps) on account of the lead.
    fn paid(&mut self, _time: f64, _lead: u32, _holder: u32, _amount: f64) {}
    /// A partner reviewed its earnings: it saw `received` (money received
    /// since its last review) and set its effort.
    fn reviewed(&mut self, _time: f64, _partner: u32, _received: f64, _effort: f64) {}
    /// The reserve gave the lead to `partner`, bypassing the rule.
    fn reserved(&mut self, _time: f64, _lead: u32, _partner: u32) {}
    /// The lead was discarded and will come back at `back` (`nurture`).
    fn nurtured(&mut self, _time: f64, _lead: u32, _back: f64) {}
    /// A nurtured lead came back, scored `score`.
    fn came_back(&mut self, _time: f64, _lead: u32, _score: f64) {}
    /// A SPIFF of `amount` (after the cap) was paid on the lead's win.
    fn spiff(&mut self, _time: f64, _lead: u32, _holder: u32, _amount: f64) {}
    /// The partner's opportunity is worked with the house (`co_sell`).
    fn co_sold(&mut self, _time: f64, _lead: u32, _holder: u32) {}
    /// The lead went to `partner` under its exclusive territory.
    fn exclusive(&mut self, _time: f64, _lead: u32, _partner: u32) {}
    /// `partner` moved from tier `from` to tier `to` at a review.
    fn tier_changed(&mut self, _time: f64, _partner: u32, _from: usize, _to: usize) {}
    /// `partner` lost its exclusive territory at a review.
    fn exclusivity_revoked(&mut self, _time: f64, _partner: u32) {}
    /// A partner was paid its signing bonus.
    fn signed(&mut self, _time: f64, _partner: u32, _amount: f64) {}
    /// The lead moved from `from` to `to` with its state (consolidation).
    fn moved(&mut self, _time: f64, _lead: u32, _from: u32, _to: u32) {}
    /// The SLA's `max_reroutes` ran out: the lead goes to the SLA's `then`.
    fn escalated(&mut self, _time: f64, _lead: u32) {}
    fn unrouted(&mut self, _time: f64, _lead: u32) {}
    /// A partner-sourced lead in `segment` arrived at `partner`, which
    /// works it alone.
    fn sourced(&mut self, _time: f64, _lead: u32, _partner: u32, _segment: u32) {}
    /// The lead went to `partner` because it registered the deal
    /// (`registration`) or holds the account (otherwise).
    fn account(&mut self, _time: f64, _lead: u32, _partner: u32, _registration: bool) {}
    /// A registered lead's first holder is not its registrant.
    fn conflict(&mut self, _time: f64, _lead: u32, _registrant: u32) {}
    fn dropped(&mut self, _time: f64, _lead: u32) {}
    /// The lead was offered to `partner`.
    fn offered(&mut self, _time: f64, _lead: u32, _partner: u32) {}
    /// `partner` refused the offer.
    fn rejected(&mut self, _time: f64, _lead: u32, _partner: u32) {}
    /// Whether `rejected` is wanted: told of each refusal in the order
    /// they came, which takes a sort per offer round; when not, refusals
    /// are only counted.
    fn hears_refusals(&self) -> bool {
        true
    }
    /// The round's window closed with offers unanswered.
    fn offers_expired(&mut self, _time: f64, _lead: u32) {}
    /// First contact was made but never reached the buyer.
    fn unreached(&mut self, _time: f64, _lead: u32, _holder: u32) {}
    /// A won deal beyond the approved discount was renegotiated to it, and
    /// `won` says whether the buyer still signed.
    fn renegotiated(&mut self, _time: f64, _lead: u32, _holder: u32, _won: bool) {}
}

/// An observer that ignores everything.
pub struct Unobserved;
impl Observer for Unobserved {
    fn hears_refusals(&self) -> bool {
        false
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Unassigned,
    Queued,
    Working,
    Opportunity,
    /// Offered to partners, waiting for one to accept.
    Offered,
    /// Discarded, and coming back from nurture.
    Nurtured,
    Done,
}

#[derive(Debug, Clone, Copy)]
struct LeadState {
    score: f64,
    holder: u32,
    attempt: u16,
    /// Re-routes counted against the SLA's `max_reroutes`.
    reroutes: u16,
    phase: Phase,
    assigned_at: f64,
    contact_at: f64,
    /// Head of this lead's list of earlier holders in `Scratch::held`.
    held_head: u32,
    /// The same partners (and those of `offered_head`) as bits.
    held_mask: u64,
    offered_mask: u64,
    rerouted: bool,
    /// Its SLA re-routes ran out at least once (counted once).
    escalated: bool,
    to_house: bool,
    /// Arrived after the warm-up: its story counts in the metrics.
    counted: bool,
    /// When it (last) arrived, whether it came back from nurture, and
    /// whether it was ever routed.
    arrived_at: f64,
    recycled: bool,
    ever_routed: bool,
    /// A partner-sourced lead (its partner works it alone: no routing, no
    /// SLA, no per-lead fees).
    sourced: bool,
    /// The opportunity is co-sold with the house (`co_sell`), and is
    /// waiting for a house slot.
    co_sell: bool,
    co_sell_waiting: bool,
    /// The open opportunity gave its slot back at first contact (its
    /// holder's `opportunities_hold_slots` was false), so its close frees none.
    slot_released: bool,
    /// Partners offered the lead in its current routing (a list in
    /// `Scratch::offered`), the offer round, the offers made in it (the
    /// entries of `Scratch::offered` and `Scratch::replies` from
    /// `round_first` on), when the round began, and when this routing began.
    offered_head: u32,
    /// How many partners have been offered the lead in this routing.
    offered_n: u16,
    round: u16,
    pending: u16,
    round_first: u32,
    round_since: f64,
    routing_since: f64,
}

impl LeadState {
    /// The state of a lead that has not arrived (yet): no outcome is
    /// counted for it.
    fn waiting() -> Self {
        LeadState {
            score: 0.0,
            holder: NONE,
            attempt: 0,
            reroutes: 0,
            phase: Phase::Done,
            assigned_at: 0.0,
            contact_at: f64::INFINITY,
            held_head: NONE,
            held_mask: 0,
            offered_mask: 0,
            rerouted: false,
            escalated: false,
            to_house: false,
            counted: false,
            arrived_at: 0.0,
            recycled: false,
            ever_routed: false,
            sourced: false,
            co_sell: false,
            co_sell_waiting: false,
            slot_released: false,
            offered_head: NONE,
            offered_n: 0,
            round: 0,
            pending: 0,
            round_first: 0,
            round_since: 0.0,
            routing_since: 0.0,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Holder {
    capacity: u32,
    working: u32,
    /// Live entries in `queue` (taken-back entries stay until popped).
    queued: u32,
    queue: VecDeque<(u32, u16)>,
}

impl Holder {
    /// What `least_loaded` compares: (leads worked and waiting, capacity).
    #[inline]
    fn load(&self) -> (u64, u64) {
        ((self.working + self.queued) as u64, self.capacity as u64)
    }
}

/// A partner's changing state within one run.
#[derive(Debug, Clone, Copy)]
struct PartnerState {
    left: bool,
    /// Copied from the model so the per-lead pass stays in this small struct.
    joins_hours: f64,
    has_away: bool,
    effort: f64,
    /// Reviews in a row with earnings below `min_period_earnings`.
    strikes: u32,
    /// Earnings and leads since the last review.
    window_earnings: f64,
    window_leads: u32,
    /// Its current tier, since when (`tiers` moves it), and its won revenue
    /// since the last tier review.
    tier: usize,
    tier_since: f64,
    window_revenue: f64,
    /// Holds its exclusive territory (`exclusive`, honoured and not
    /// revoked).
    exclusive: bool,
    /// MDF received in the current payout period (`leads_per_mdf_1000`).
    mdf_window: f64,
    /// The partner that acquired it (its sourced leads go there), if any.
    successor: u32,
    /// For exclusivity's guardrails, since the start: leads worked (first
    /// contact made, or taken back by the SLA), opportunities, assignments
    /// under an SLA and SLA breaches.
    worked: u32,
    opportunities: u32,
    sla_assigned: u32,
    breaches: u32,
    /// Leads kept to first contact in payout period `kept_period` (the
    /// reserve's `least_served`).
    kept_period: u64,
    kept_in_period: u32,
    /// Cap counters: assignments on `day` and in payout `period`.
    day: u64,
    day_leads: u32,
    period: u64,
    period_leads: u32,
}

impl Default for PartnerState {
    fn default() -> Self {
        PartnerState {
            left: false,
            joins_hours: f64::NEG_INFINITY,
            has_away: false,
            effort: 1.0,
            strikes: 0,
            window_earnings: 0.0,
            window_leads: 0,
            tier: 0,
            tier_since: 0.0,
            window_revenue: 0.0,
            exclusive: false,
            mdf_window: 0.0,
            successor: NONE,
            worked: 0,
            opportunities: 0,
            sla_assigned: 0,
            breaches: 0,
            kept_period: 0,
            kept_in_period: 0,
            day: 0,
            day_leads: 0,
            period: 0,
            period_leads: 0,
        }
    }
}

/// Buffers reused from run to run so the hot path does not allocate.
#[derive(Debug, Default)]
pub struct Scratch {
    lead_states: Vec<LeadState>,
    holders: Vec<Holder>,
    /// Each holder's remembered stretch of working or closed time
    /// ([`crate::calendar::Span`]), beside `holders` so that the
    /// least-loaded scans stay dense.
    spans: Vec<crate::calendar::Span>,
    partner_states: Vec<PartnerState>,
    learning: Vec<Learning>,
    calendar: Calendar,
    /// Linked lists of earlier holders: (partner, next entry).
    held: Vec<(u32, u32)>,
    candidates: Vec<u32>,
    preferred: Vec<u32>,
    ttfc: Vec<f64>,
    accounts: Vec<Account>,
    /// Rule memory per (tier, pool), `[tier * n_pools + pool]`, for first
    /// routings in the first half and for re-routings (`sla.reroute_rule`,
    /// or the policy's) in the second: a re-route never moves the turn of
    /// first routings.
    rules: Vec<RuleState>,
    /// Per segment: partners the policy's region and vertical rules allow.
    pools: Vec<Vec<(u32, bool)>>,
    /// Per segment: its turn pool, an index shared by every segment whose
    /// leads could go to exactly the same partners (`round_robin` keeps one
    /// turn per pool; docs/scenario-format.md, "Routing").
    pool_of: Vec<u32>,
    /// How many distinct turn pools there are.
    n_pools: usize,
    /// A tier's candidates.
    in_tier: Vec<u32>,
    /// With the pools' masks: each `score_tiered` tier's partners, as bits.
    tier_masks: Vec<u64>,
    /// In a ranking, the candidates that do not cover the lead's vertical.
    others: Vec<u32>,
    /// `weighted`'s weight of each partner, as its current tier gives it.
    weights: Vec<f64>,
    /// Days in each tier so far (`partner * tiers + tier`), with `tiers`.
    tier_days: Vec<f64>,
    /// An offer round's chosen partners.
    picks: Vec<u32>,
    /// Linked lists of partners offered a lead: (partner, next entry).
    offered: Vec<(u32, u32)>,
    /// Per partner: on the history of the lead being routed (all false
    /// between routings).
    excluded: Vec<bool>,
    /// Per partner: money earned and not yet received (`pay_lag_days`), as
    /// (when it arrives, amount), in order.
    pending_pay: Vec<VecDeque<(f64, f64)>>,
    /// Each offer's answer, by the same index as `offered`.
    replies: Vec<offers::Reply>,
    /// A round's refusals in the order they came, for the observer.
    refusals: Vec<(f64, u32)>,
    /// Hours from the start of a routing to an acceptance, per acceptance.
    accept_times: Vec<f64>,
    /// Per segment: a first routing's candidates, when they cannot change.
    fast: Vec<Vec<u32>>,
    /// Per segment: the pool's partners, and those of them that cover the
    /// segment's vertical (what `fill_eligible` finds when eligibility
    /// cannot change and nobody has held or been offered the lead).
    pool_all: Vec<Vec<u32>>,
    pool_preferred: Vec<Vec<u32>>,
    /// The same lists as bit masks (partner `p` is bit `p`), when there are
    /// fewer than 64 partners and eligibility cannot change: a routing's
    /// candidates are then a mask less the lead's history
    /// (`Candidates::Bits`), with no list copied.
    pool_all_mask: Vec<u64>,
    pool_preferred_mask: Vec<u64>,
    /// Partner-sourced leads, with ids from the world's lead count on.
    sourced: Vec<Lead>,
    /// Per partner: the segments of its own leads (`leads::sourced_mix`).
    sourced_mix: Vec<Vec<(f64, u32)>>,
}

struct Sim<'a, 'o, O: Observer + ?Sized> {
    model: &'a Model,
    policy: &'a Policy,
    world: &'a World,
    scratch: &'a mut Scratch,
    observer: &'o mut O,
    run: PolicyRun,
    house: Option<u32>,
    sla_hours: f64,
    /// Partner assignments in the current payout period (for `max_share`).
    period: u64,
    period_routed: u32,
    /// Whether eligibility can change during the run (see `build_pools`).
    static_eligibility: bool,
    /// Eligibility cannot change and there are fewer than 64 partners: the
    /// pools' masks are filled.
    pool_masks: bool,
    /// Partners eligible at the last routing decision (for observers).
    last_eligible: u32,
    /// Where the tallies of warm-up leads go: simulated, never reported.
    warm: PolicyRun,
    /// Some partner holds an exclusive territory.
    exclusive_any: bool,
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
    scratch.excluded.clear();
    scratch.excluded.resize(n_partners + 1, false);
    scratch.accept_times.clear();
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
    scratch.spans.clear();
    scratch
        .spans
        .resize(scratch.holders.len(), crate::calendar::Span::default());
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
    scratch.accounts.clear();
    scratch.accounts.resize(n_partners, Account::default());
    scratch.pending_pay.resize_with(n_partners, VecDeque::new);
    scratch.pending_pay.truncate(n_partners);
    scratch.pending_pay.iter_mut().for_each(VecDeque::clear);

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
        period: 0,
        period_routed: 0,
        static_eligibility: false,
        pool_masks: false,
        last_eligible: 0,
        warm: PolicyRun::default(),
        exclusive_any: false,
    };
    sim.warm = sim.run.clone();
    sim.build_pools();
    sim.schedule_reviews();
    sim.schedule_world_events();
    sim.schedule_signing();
    sim.start_exclusivity();
    sim.start_tiers();
    sim.schedule_sourced();
    sim.play();
    sim.finish()
}

/// The payout a partner in `tier` is paid under: the policy's, or its
/// tier's (`payout.by_tier`).
fn payout_for(policy: &Policy, tier: usize) -> &crate::model::Payout {
    policy.payout_by_tier.get(tier).unwrap_or(&policy.payout)
}

/// The team working for `holder`: a partner's, or the house's.
fn team_of(model: &Model, holder: u32) -> &Team {
    match model.partners.get(holder as usize) {
        Some(p) => &p.team,
        None => model
            .house
            .as_ref()
            .expect("a holder beyond the partners is the house"),
    }
}

impl<O: Observer + ?Sized> Sim<'_, '_, O> {
    /// Lead `id`: a world lead, or a partner-sourced one after them.
    #[inline(always)]
    fn lead(&self, id: u32) -> Lead {
        let n = self.world.leads.len();
        match (id as usize).checked_sub(n) {
            None => self.world.leads[id as usize],
            Some(k) => self.scratch.sourced[k],
        }
    }

    fn play(&mut self) {
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
            let state = LeadState {
                score,
                phase: Phase::Unassigned,
                assigned_at: arrival,
                counted,
                arrived_at: arrival,
                round_since: arrival,
                routing_since: arrival,
                ..LeadState::waiting()
            };
            match self.scratch.lead_states.get_mut(i) {
                Some(waiting) => *waiting = state,
                None => self.scratch.lead_states.push(state),
            }
            self.observer.arrived(arrival, i as u32, score);
            self.enter(i as u32, arrival);
        }
        self.handle_until(readout, &mut watches);
    }

    /// A lead arrives (or comes back from nurture) at `t` with its score:
    /// the threshold, then offers or the rule.
    fn enter(&mut self, lead: u32, t: f64) {
        if self.scratch.lead_states[lead as usize].score < self.policy.scoring.threshold {
            self.observer.below_threshold(t, lead);
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
    fn nurture(&mut self, lead: u32, t: f64) -> bool {
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
        self.observer.nurtured(t, lead, back);
        self.scratch
            .calendar
            .schedule(back, EventKind::Return { lead });
        true
    }

    /// A nurtured lead comes back as a new arrival: the same lead (same
    /// quality and deal size), scored afresh from new signals, with no
    /// history of holders.
    fn come_back(&mut self, lead: u32, t: f64) {
        let quality = self.lead(lead).quality;
        let mut noise = self.world.streams.rng(Purpose::Nurture, lead as u64, 2);
        let score: f64 = self
            .model
            .leads
            .signals
            .iter()
            .zip(&self.policy.scoring.weights)
            .map(|(s, w)| {
                let z: f64 =
                    rand_distr::Distribution::sample(&rand_distr::StandardNormal, &mut noise);
                (quality + s.noise * z).clamp(0.0, 1.0) * w
            })
            .sum();
        self.tally(lead).recycled += 1;
        let st = &mut self.scratch.lead_states[lead as usize];
        st.recycled = true;
        st.score = score;
        st.arrived_at = t;
        st.assigned_at = t;
        st.holder = NONE;
        st.held_head = NONE;
        st.offered_head = NONE;
        st.held_mask = 0;
        st.offered_mask = 0;
        st.offered_n = 0;
        st.phase = Phase::Unassigned;
        st.routing_since = t;
        self.observer.came_back(t, lead, score);
        self.enter(lead, t);
    }

    /// Handles the events up to `until`, and looks at the queues at each
    /// watch time passed on the way.
    fn handle_until(
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
    fn watch_queues(&mut self, t: f64) {
        let mid = t < self.model.horizon_hours;
        for (watch, holder) in self.run.queues.iter_mut().zip(&self.scratch.holders) {
            if mid {
                watch.mid_horizon = holder.queued;
            } else {
                watch.end_of_horizon = holder.queued;
            }
        }
    }

    /// Where the lead's tallies go: the run's, or the warm-up's (never
    /// reported) for a lead that arrived during the warm-up.
    #[inline]
    fn tally(&mut self, lead: u32) -> &mut PolicyRun {
        if self.scratch.lead_states[lead as usize].counted {
            &mut self.run
        } else {
            &mut self.warm
        }
    }

    fn handle(&mut self, t: f64, kind: EventKind) {
        match kind {
            EventKind::Contact { lead, attempt } => self.contact(lead, attempt, t),
            EventKind::Deadline { lead, attempt } => self.deadline(lead, attempt, t),
            EventKind::Close { lead } => self.close(lead, t),
            EventKind::Review => self.review(t),
            EventKind::World { event } => self.world_event(event as usize, t),
            EventKind::Join { partner } => self.sign(partner, t),
            EventKind::ExclusivityReview => self.review_exclusivity(t),
            EventKind::TierReview => self.review_tiers(t),
            EventKind::Return { lead } => self.come_back(lead, t),
            EventKind::Sourced { lead } => self.sourced_arrives(lead, t),
            EventKind::MdfReview => self.review_mdf(t),
            EventKind::OfferAnswer {
                lead,
                attempt,
                round,
                reply,
            } => self.offer_answer(lead, attempt, round, reply, t),
            EventKind::OfferExpire {
                lead,
                attempt,
                round,
            } => self.offer_expired(lead, attempt, round, t),
        }
    }

    /// The lead reached nobody: no partner took it and there is no house.
    fn end_unrouted(&mut self, lead: u32, t: f64) {
        self.observer.unrouted(t, lead);
        self.tally(lead).outcomes.unrouted += 1;
        self.scratch.lead_states[lead as usize].phase = Phase::Done;
    }

    /// A lead taken back and given to nobody: lost.
    fn end_dropped(&mut self, lead: u32, t: f64) {
        self.observer.dropped(t, lead);
        self.tally(lead).outcomes.dropped += 1;
        self.scratch.lead_states[lead as usize].phase = Phase::Done;
    }

    /// A lead's first holder: counted as routed (and as arriving after
    /// hours when its holder was not working, and as a channel conflict
    /// when it is registered to another partner), then assigned.
    fn first_assignment(&mut self, lead: u32, holder: u32, t: f64) {
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
            self.observer
                .conflict(t, lead, self.world.registrant[lead as usize]);
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
    fn sla_deadline(&mut self, holder: u32, assigned_at: f64) -> f64 {
        match &team_of(self.model, holder).hours {
            Some(hours) if self.sla_on_business_clock() => hours.add_working_from(
                &mut self.scratch.spans[holder as usize],
                assigned_at,
                self.sla_hours,
            ),
            _ => assigned_at + self.sla_hours,
        }
    }

    /// Whether the policy's SLA counts its holders' working hours.
    fn sla_on_business_clock(&self) -> bool {
        self.policy
            .sla
            .is_some_and(|sla| sla.clock == crate::model::SlaClock::Business)
    }

    /// Puts the SLA's deadline for the lead's assignment `attempt` to
    /// `holder` on the calendar. On the calendar clock (or for a holder
    /// without hours) deadlines come in the order of their assignments.
    fn schedule_deadline(&mut self, lead: u32, attempt: u16, holder: u32, at: f64) {
        let kind = EventKind::Deadline { lead, attempt };
        if self.sla_on_business_clock() && team_of(self.model, holder).hours.is_some() {
            self.scratch.calendar.schedule(at, kind);
        } else {
            self.scratch
                .calendar
                .schedule_in_order(events::Lane::Deadlines, at, kind);
        }
    }

    fn is_partner(&self, holder: u32) -> bool {
        (holder as usize) < self.model.partners.len()
    }

    fn effort(&self, holder: u32) -> f64 {
        self.scratch
            .partner_states
            .get(holder as usize)
            .map_or(1.0, |p| p.effort)
    }

    /// Gives the lead to `holder` at time `t`: work starts now or it queues.
    fn assign(&mut self, lead: u32, holder: u32, t: f64) {
        let sourced = self.scratch.lead_states[lead as usize].sourced;
        if !sourced {
            let eligible = self.last_eligible;
            self.observer.assigned(t, lead, holder, eligible);
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
            self.count_assignment(holder, t);
        } else if !is_partner && !st.to_house {
            st.to_house = true;
            run.to_house += 1;
        }
        let attempt = self.scratch.lead_states[lead as usize].attempt;
        let h = &mut self.scratch.holders[holder as usize];
        if h.working < h.capacity {
            self.start(lead, t);
        } else {
            h.queue.push_back((lead, attempt));
            h.queued += 1;
            self.observer.queued(t, lead, holder);
            self.scratch.lead_states[lead as usize].phase = Phase::Queued;
            if routed_partner && self.policy.sla.is_some() {
                let deadline = self.sla_deadline(holder, t);
                self.schedule_deadline(lead, attempt, holder, deadline);
            }
        }
    }

    /// The holder takes a slot and works the lead: first contact is drawn.
    fn start(&mut self, lead: u32, t: f64) {
        let st = self.scratch.lead_states[lead as usize];
        let team = team_of(self.model, st.holder);
        self.scratch.holders[st.holder as usize].working += 1;
        self.observer.started(t, lead, st.holder);
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
                hours.add_working_from(&mut self.scratch.spans[st.holder as usize], t, response)
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
    fn free_slot(&mut self, holder: u32, t: f64) {
        self.scratch.holders[holder as usize].working -= 1;
        self.fill_slots(holder, t);
    }

    /// Starts queued leads while the holder has free slots.
    fn fill_slots(&mut self, holder: u32, t: f64) {
        loop {
            let h = &mut self.scratch.holders[holder as usize];
            if h.working >= h.capacity {
                return;
            }
            let Some((lead, attempt)) = h.queue.pop_front() else {
                return;
            };
            let st = &mut self.scratch.lead_states[lead as usize];
            if st.phase == Phase::Queued && st.attempt == attempt && st.holder == holder {
                h.queued -= 1;
                self.start(lead, t);
            } else if st.co_sell_waiting && st.attempt == attempt {
                // A co-sold opportunity that waited for a house slot.
                h.queued -= 1;
                h.working += 1;
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
    fn work_hours(&self, lead: u32, holder: u32) -> f64 {
        let mut rng = self.world.streams.rng(Purpose::Work, lead as u64, 0);
        (team_of(self.model, holder).work_days.sample(&mut rng) * HOURS_PER_DAY).max(0.0)
    }

    /// Works a partner opportunity with the house (`co_sell`): it takes a
    /// house slot for its work, or waits in the house's queue for one.
    fn start_co_sell(&mut self, lead: u32, t: f64) {
        let house = self.house.expect("co-selling needs a house (validated)");
        let st = &mut self.scratch.lead_states[lead as usize];
        st.co_sell = true;
        let holder = st.holder;
        let attempt = st.attempt;
        self.tally(lead).co_sold += 1;
        self.observer.co_sold(t, lead, holder);
        let h = &mut self.scratch.holders[house as usize];
        if h.working < h.capacity {
            h.working += 1;
            let work_hours = self.work_hours(lead, holder);
            self.scratch
                .calendar
                .schedule(t + work_hours, EventKind::Close { lead });
        } else {
            h.queue.push_back((lead, attempt));
            h.queued += 1;
            self.scratch.lead_states[lead as usize].co_sell_waiting = true;
        }
    }

    /// Takes a lead back from its holder and routes it again. `sla` says
    /// whether the SLA took it (which counts against `max_reroutes`).
    fn reroute(&mut self, lead: u32, t: f64, sla: bool) {
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
                self.last_eligible = 0;
                self.observer.escalated(t, lead);
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

    fn deadline(&mut self, lead: u32, attempt: u16, t: f64) {
        let st = self.scratch.lead_states[lead as usize];
        if st.attempt != attempt {
            return;
        }
        match st.phase {
            // Left in the queue as a stale entry; `queued` counts live ones.
            Phase::Queued => self.scratch.holders[st.holder as usize].queued -= 1,
            Phase::Working if st.contact_at > t => self.free_slot(st.holder, t),
            _ => return,
        }
        self.tally(lead).sla_breaches += 1;
        if let Some(ps) = self.scratch.partner_states.get_mut(st.holder as usize) {
            ps.worked += 1;
            ps.breaches += 1;
        }
        self.observer.taken_back(t, lead, st.holder, TakeBack::Sla);
        // The partner was at least this slow, and the lead is lost to it.
        let learned = &mut self.scratch.learning[st.holder as usize];
        learned.responded(self.sla_hours);
        learned.resolved(false);
        self.reroute(lead, t, true);
    }

    /// The fit of a holder to a lead: 1, or the mismatch fit for a partner
    /// that does not cover the lead's vertical.
    #[inline]
    fn fit(&self, lead: u32, holder: u32) -> f64 {
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
    fn pay(&mut self, time: f64, lead: u32, holder: u32, amount: f64) {
        if amount != 0.0 {
            self.observer.paid(time, lead, holder, amount);
        }
        let run = self.tally(lead);
        run.payouts += amount;
        run.partners[holder as usize].payouts += amount;
        self.earn(holder, time, amount);
    }

    /// The payout periods partner `p` is spent on by `enablement`: from the
    /// first period starting after it joins to the last starting before the
    /// horizon ends or it leaves, as (first, last) period numbers.
    fn enablement_periods(&self, p: usize) -> (f64, f64) {
        let period = self.policy.payout.period_hours;
        let joins = self.scratch.partner_states[p].joins_hours.max(0.0);
        let until = self.run.partners[p]
            .left_at_hours
            .map_or(self.model.horizon_hours, |left| {
                left.min(self.model.horizon_hours)
            });
        ((joins / period).ceil(), (until / period).ceil() - 1.0)
    }

    /// Enablement's gain on partner `holder`'s qualify and win rates at
    /// `t`: the gains of the periods spent on and completed by `t`, each
    /// capped at `max_gain`. None for the house.
    fn enabled(&self, holder: u32, t: f64) -> (f64, f64) {
        let Some(e) = self.policy.enablement else {
            return (0.0, 0.0);
        };
        if !self.is_partner(holder) {
            return (0.0, 0.0);
        }
        let (first, last) = self.enablement_periods(holder as usize);
        let completed = (t / self.policy.payout.period_hours).floor() - 1.0;
        let k = (last.min(completed) - first + 1.0).max(0.0);
        (
            (k * e.qualify_gain).min(e.max_gain),
            (k * e.win_gain).min(e.max_gain),
        )
    }

    /// Money earned by partner `p` at `t`: what its reviews see, at once or
    /// `pay_lag_days` later.
    fn earn(&mut self, p: u32, t: f64, amount: f64) {
        let lag =
            payout_for(self.policy, self.scratch.partner_states[p as usize].tier).pay_lag_hours;
        if lag > 0.0 {
            self.scratch.pending_pay[p as usize].push_back((t + lag, amount));
        } else {
            self.scratch.partner_states[p as usize].window_earnings += amount;
        }
    }

    /// Pays each partner its signing bonus when it joins: at the start, or
    /// at its `joins_day` (or a stress world's join).
    fn schedule_signing(&mut self) {
        let paid = |p: &crate::model::Payout| p.signing_bonus > 0.0;
        if !paid(&self.policy.payout) && !self.policy.payout_by_tier.iter().any(paid) {
            return;
        }
        for p in 0..self.model.partners.len() {
            let joins = self.scratch.partner_states[p].joins_hours.max(0.0);
            self.scratch
                .calendar
                .schedule(joins, EventKind::Join { partner: p as u32 });
        }
    }

    /// The signing bonus, counted in the metrics when paid within the
    /// run's window (after the warm-up).
    fn sign(&mut self, p: u32, t: f64) {
        if self.scratch.partner_states[p as usize].left {
            return;
        }
        let amount =
            payout_for(self.policy, self.scratch.partner_states[p as usize].tier).signing_bonus;
        if amount <= 0.0 {
            return;
        }
        self.observer.signed(t, p, amount);
        let run = if t >= self.model.warmup_hours {
            &mut self.run
        } else {
            &mut self.warm
        };
        run.payouts += amount;
        run.partners[p as usize].payouts += amount;
        self.earn(p, t, amount);
    }

    fn contact(&mut self, lead: u32, attempt: u16, t: f64) {
        let st = self.scratch.lead_states[lead as usize];
        if st.attempt != attempt || st.phase != Phase::Working {
            return;
        }
        let the_lead = self.lead(lead);
        let delay = t - st.arrived_at;
        let hour = crate::calendar::hour_of_week(self.model.start_weekday, st.arrived_at);
        let holder = st.holder;
        let is_partner = self.is_partner(holder);
        // Partner tallies, learning and per-lead fees are for the leads the
        // policy gives partners, not their own.
        let routed_partner = is_partner && !st.sourced;
        if st.counted {
            self.scratch.ttfc.push(delay);
        }
        let run = self.tally(lead);
        run.contacts += 1;
        run.ttfc_sum_hours += delay;
        let bin = &mut run.ttfc_by_hour[hour];
        bin.0 += delay;
        bin.1 += 1;
        if routed_partner {
            let period = (t / self.policy.payout.period_hours) as u64;
            let ps = &mut self.scratch.partner_states[holder as usize];
            if ps.kept_period != period {
                ps.kept_period = period;
                ps.kept_in_period = 0;
            }
            ps.kept_in_period += 1;
            ps.worked += 1;
            let run = if st.counted {
                &mut self.run
            } else {
                &mut self.warm
            };
            let tally = &mut run.partners[holder as usize];
            tally.contacts += 1;
            tally.value_kept += st.score * the_lead.deal_size;
            tally.ttfc_sum_hours += delay;
            self.scratch.learning[holder as usize].responded(t - st.assigned_at);
            let bonus = self.scratch.accounts[holder as usize].first_contact(
                payout_for(
                    self.policy,
                    self.scratch.partner_states[holder as usize].tier,
                ),
                t,
                t - st.assigned_at,
            );
            self.pay(t, lead, holder, bonus);
        }
        if let Some(reach) = &self.model.decay.reach {
            let u = self.world.streams.uniform(Purpose::Reach, lead as u64, 0);
            if u >= reach.at(delay) {
                self.observer.unreached(t, lead, holder);
                self.tally(lead).outcomes.unreached += 1;
                self.scratch.lead_states[lead as usize].phase = Phase::Done;
                if routed_partner {
                    self.scratch.learning[holder as usize].resolved(false);
                }
                self.free_slot(holder, t);
                return;
            }
        }
        let skill = self.world.skills[holder as usize];
        let qualify_rate = (skill.qualify_rate + self.enabled(holder, t).0).min(1.0);
        let p_opportunity = (the_lead.quality * qualify_rate * self.effort(holder)).min(1.0)
            * self.fit(lead, holder)
            * self.model.decay.qualify.at(delay);
        let u = self.world.streams.uniform(Purpose::Qualify, lead as u64, 0);
        self.observer.contacted(t, lead, holder, u < p_opportunity);
        if u < p_opportunity {
            self.tally(lead).opportunities += 1;
            self.scratch.lead_states[lead as usize].phase = Phase::Opportunity;
            if routed_partner {
                self.tally(lead).partners[holder as usize].opportunities += 1;
                self.scratch.partner_states[holder as usize].opportunities += 1;
                let fee = self.scratch.accounts[holder as usize].qualified_lead(
                    payout_for(
                        self.policy,
                        self.scratch.partner_states[holder as usize].tier,
                    ),
                    t,
                );
                self.pay(t, lead, holder, fee);
            }
            let co_sell = self.policy.co_sell.is_some_and(|c| {
                is_partner
                    && the_lead.deal_size * team_of(self.model, holder).deal_size_factor
                        >= c.min_deal_size
            });
            if co_sell {
                self.start_co_sell(lead, t);
            } else {
                let work_hours = self.work_hours(lead, holder);
                self.scratch
                    .calendar
                    .schedule(t + work_hours, EventKind::Close { lead });
            }
            if !team_of(self.model, holder).opportunities_hold_slots {
                self.scratch.lead_states[lead as usize].slot_released = true;
                self.free_slot(holder, t);
            }
        } else {
            if st.sourced || !self.nurture(lead, t) {
                self.tally(lead).outcomes.disqualified += 1;
                self.scratch.lead_states[lead as usize].phase = Phase::Done;
            }
            if routed_partner {
                self.scratch.learning[holder as usize].resolved(false);
            }
            self.free_slot(holder, t);
        }
    }

    fn close(&mut self, lead: u32, t: f64) {
        let st = self.scratch.lead_states[lead as usize];
        if st.phase != Phase::Opportunity {
            // A sourced opportunity its partner took with it when it left.
            debug_assert!(st.sourced && st.phase == Phase::Done);
            return;
        }
        let holder = st.holder;
        let is_partner = self.is_partner(holder);
        let skill = self.world.skills[holder as usize];
        let win_rate = (skill.win_rate + self.enabled(holder, t).1).min(1.0);
        let co_sell = self.policy.co_sell.filter(|_| st.co_sell);
        // An incumbent wins its own accounts more (or less) often.
        let incumbent = self.world.incumbent.get(lead as usize) == Some(&holder);
        let win_rate = if incumbent {
            win_rate * self.model.economics.incumbent_win_factor
        } else {
            win_rate
        };
        let p_win =
            (win_rate * self.fit(lead, holder) * co_sell.map_or(1.0, |c| c.win_factor)).min(1.0);
        let mut won = self.world.streams.uniform(Purpose::Win, lead as u64, 0) < p_win;
        let mut revenue = 0.0;
        let econ = self.model.economics;
        let mut discount = 0.0;
        if won {
            let team = team_of(self.model, holder);
            let mut rng = self.world.streams.rng(Purpose::Discount, lead as u64, 0);
            discount = team.discount.sample(&mut rng);
            // A disciplined partner keeps within the payout's `max_discount`
            // (where commission stops) with its `discount_discipline`.
            let cap = self
                .scratch
                .partner_states
                .get(holder as usize)
                .map_or(self.policy.payout.max_discount, |ps| {
                    payout_for(self.policy, ps.tier).max_discount
                });
            if let Some(p) = self.model.partners.get(holder as usize) {
                if discount > cap
                    && self
                        .world
                        .streams
                        .uniform(Purpose::Discipline, lead as u64, 0)
                        < p.discount_discipline
                {
                    discount = cap;
                }
            }
            // The margin floor: renegotiated to the approved discount, and
            // then won with `floor_win_factor`, else lost.
            if discount > econ.max_discount_approved {
                discount = econ.max_discount_approved;
                won = self
                    .world
                    .streams
                    .uniform(Purpose::Renegotiate, lead as u64, 0)
                    < econ.floor_win_factor;
                self.observer.renegotiated(t, lead, holder, won);
            }
        }
        if is_partner && !st.sourced {
            self.scratch.learning[holder as usize].resolved(won);
        }
        if won {
            let team = team_of(self.model, holder);
            revenue = self.lead(lead).deal_size * team.deal_size_factor * (1.0 - discount);
            let p_churn =
                (econ.churn_rate * (1.0 + econ.discount_churn_factor * discount)).min(1.0);
            let churned = self.world.streams.uniform(Purpose::Churn, lead as u64, 0) < p_churn;
            let run = self.tally(lead);
            run.churned += churned as u32;
            if churned {
                run.churned_revenue += revenue * econ.churn_revenue_loss;
            }
            run.outcomes.won += 1;
            run.revenue += revenue;
            if st.sourced {
                run.sourced_revenue += revenue;
                run.partners[holder as usize].sourced_revenue += revenue;
            }
            run.discount_sum += discount;
            // The lead's first partner: the tail of its list of holders.
            let head = self.scratch.lead_states[lead as usize].held_head;
            if let Some(p) = listed(&self.scratch.held, head).last() {
                self.tally(lead).partners[p as usize].first_wins += 1;
            }
            if is_partner {
                let payout = payout_for(
                    self.policy,
                    self.scratch.partner_states[holder as usize].tier,
                );
                self.scratch.partner_states[holder as usize].window_revenue += revenue;
                let account = &mut self.scratch.accounts[holder as usize];
                let mut deal = account.won_deal(payout, t, revenue, discount);
                // A co-sold deal pays the partner its share of the commission.
                if let Some(c) = co_sell {
                    deal.commission *= c.partner_share;
                }
                // Churn is decided at the close, so its clawback is booked then.
                let clawback = if churned {
                    account.churned(payout, deal.commission)
                } else {
                    0.0
                };
                self.pay(t, lead, holder, deal.commission);
                let segment = self.lead(lead).segment as usize;
                for spiff in &self.policy.spiffs {
                    if spiff.segments[segment] && t >= spiff.from_hours && t < spiff.to_hours {
                        let tier = self.scratch.partner_states[holder as usize].tier;
                        let paid = self.scratch.accounts[holder as usize].spiff(
                            payout_for(self.policy, tier),
                            t,
                            spiff.amount,
                        );
                        self.observer.spiff(t, lead, holder, paid);
                        self.pay(t, lead, holder, paid);
                    }
                }
                self.earn(holder, t, -clawback);
                self.scratch.partner_states[holder as usize].mdf_window += deal.mdf;
                let run = self.tally(lead);
                run.mdf += deal.mdf;
                run.clawbacks += clawback;
                let tally = &mut run.partners[holder as usize];
                tally.wins += 1;
                tally.revenue += revenue;
                tally.clawbacks += clawback;
            }
        } else {
            self.tally(lead).outcomes.lost += 1;
        }
        self.observer.closed(t, lead, holder, won, revenue);
        self.scratch.lead_states[lead as usize].phase = Phase::Done;
        if !st.slot_released {
            self.free_slot(holder, t);
        }
        if st.co_sell {
            let house = self.house.expect("co-selling needs a house (validated)");
            self.free_slot(house, t);
        }
    }

    fn finish(mut self) -> PolicyRun {
        let ttfc = &mut self.scratch.ttfc;
        // Two selections instead of a sort: O(n), and the same values.
        if !ttfc.is_empty() {
            self.run.ttfc_median_hours = Some(crate::stats::quantile_unsorted(ttfc, 0.5));
            self.run.ttfc_p90_hours = Some(crate::stats::quantile_unsorted(ttfc, 0.9));
        }
        if !self.scratch.accept_times.is_empty() {
            self.run.time_to_accept_median_hours = Some(crate::stats::quantile_unsorted(
                &mut self.scratch.accept_times,
                0.5,
            ));
        }
        self.run.ttfc_histogram = vec![0; crate::stats::histogram::TTFC_BIN_COUNT];
        crate::stats::histogram::count(ttfc, &mut self.run.ttfc_histogram);
        if let Some(e) = self.policy.enablement {
            // Once per partner and period spent on, within the run's window.
            let period = self.policy.payout.period_hours;
            let readout = self.model.readout_hours.unwrap_or(f64::INFINITY);
            for p in 0..self.model.partners.len() {
                let (first, last) = self.enablement_periods(p);
                let mut j = first;
                while j <= last {
                    let at = j * period;
                    if at >= self.model.warmup_hours && at <= readout {
                        self.run.enablement += e.per_partner_per_period;
                    }
                    j += 1.0;
                }
            }
        }
        if self.model.tier_programme.is_some() {
            // Days in the current tier, to the horizon's end (or leaving).
            let n_tiers = self.model.tiers.len();
            self.run.tier_days = vec![0.0; self.model.partners.len() * n_tiers];
            std::mem::swap(&mut self.run.tier_days, &mut self.scratch.tier_days);
            for (p, ps) in self.scratch.partner_states.iter().enumerate() {
                let end = self.run.partners[p]
                    .left_at_hours
                    .map_or(self.model.horizon_hours, |l| {
                        l.min(self.model.horizon_hours)
                    });
                self.run.tier_days[p * n_tiers + ps.tier] +=
                    ((end - ps.tier_since) / HOURS_PER_DAY).max(0.0);
            }
            self.run.tier_end = self
                .scratch
                .partner_states
                .iter()
                .map(|ps| ps.tier as u32)
                .collect();
        }
        self.run.open_at_readout = self
            .scratch
            .lead_states
            .iter()
            .filter(|s| s.counted && s.phase != Phase::Done)
            .count() as u32;
        debug_assert_eq!(
            self.run.outcomes.total() + self.run.open_at_readout,
            self.run.leads
        );
        self.run
    }
}
