//! `leadsim trace`: a per-lead audit log of one policy in one replication,
//! answering "why did this lead go there?".
//!
//! An [`Observer`] records what the engine does to each lead, as values;
//! `report::trace` words them and writes the CSV, one row per lead. The run it watches is the
//! same one `leadsim run` makes for that replication (same seed, same world).

use crate::engine::leads::draw_world;
use crate::engine::rng::{replication_seed, Streams};
use crate::engine::{simulate_observed, Event, Observer, PolicyRun, Scratch, TakeBack};
use crate::model::Model;

/// What happened to one lead.
#[derive(Debug, Clone, Default)]
pub struct LeadTrace {
    /// The lead arrived (a lead after the readout, or a partner's own lead
    /// after it left, never does).
    pub arrived: bool,
    /// The partner whose own lead it is (`sourced_per_day`, MDF); `None`
    /// for the vendor's leads.
    pub sourced_by: Option<u32>,
    pub arrival_hours: f64,
    pub segment: u32,
    pub score: f64,
    /// Each routing decision, in order.
    pub decisions: Vec<Decision>,
    pub sla_takebacks: u32,
    /// Hours spent waiting in holders' queues.
    pub queued_hours: f64,
    pub first_contact_hours: Option<f64>,
    /// When an opportunity closed, won or lost.
    pub closed_hours: Option<f64>,
    /// Index of the holder at the end (a partner, or the house).
    pub holder: Option<u32>,
    pub outcome: &'static str,
    pub revenue: f64,
    pub payouts: f64,
    queued_since: Option<f64>,
    /// Partners offered the lead that have not answered yet.
    awaiting: Vec<u32>,
}

/// One step of a lead's routing, at `hours` into the run.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// The policy's rule chose `partner` among `eligible` partners.
    Routed {
        hours: f64,
        partner: u32,
        eligible: u32,
    },
    /// The house team took the lead, and why.
    ToHouse { hours: f64, why: ToHouse },
    /// The SLA deadline passed and the lead was taken back.
    SlaTakeBack { hours: f64 },
    /// The holder left the programme and the lead was taken back.
    HolderLeft { hours: f64 },
    /// The holder was acquired: the lead moved to `to`.
    Moved { hours: f64, to: u32 },
    /// The SLA's re-routes were used up: its `then` applies.
    Escalated { hours: f64 },
    /// The lead was dropped.
    Dropped { hours: f64 },
    /// The lead was offered to `partner`.
    Offered { hours: f64, partner: u32 },
    /// `partner` refused the offer.
    Refused { hours: f64, partner: u32 },
    /// The offer round's window closed; `partners` had not answered.
    OffersExpired { hours: f64, partners: Vec<u32> },
    /// `partner` holds the exclusive territory the lead falls in.
    Exclusive { hours: f64, partner: u32 },
    /// `partner` lost its exclusive territory at a review (shown on the
    /// first lead to arrive after).
    ExclusivityRevoked { hours: f64, partner: u32 },
    /// `partner` moved to tier `to` at a tier review, up or down (shown on
    /// the first lead to arrive after).
    TierChanged {
        hours: f64,
        partner: u32,
        promoted: bool,
        to: String,
    },
    /// The policy's reserve gave the lead to `partner`, bypassing the rule.
    Reserved { hours: f64, partner: u32 },
    /// The opportunity is worked with the house (`co_sell`).
    CoSold { hours: f64 },
    /// A SPIFF of `amount` was paid on the win.
    Spiff { hours: f64, amount: f64 },
    /// Discarded and nurtured: it comes back at `back`.
    Nurtured { hours: f64, back: f64 },
    /// Back from nurture with a new score.
    CameBack { hours: f64, score: f64 },
    /// A won deal beyond the approved discount was renegotiated to it;
    /// `won` says whether the buyer still signed.
    Renegotiated { hours: f64, won: bool },
    /// The lead went to `partner` because it registered the deal
    /// (`registration`) or holds the account.
    Account {
        hours: f64,
        partner: u32,
        registration: bool,
    },
    /// The lead is registered to `registrant`, and went to someone else.
    Conflict { hours: f64, registrant: u32 },
}

/// Why the house took a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToHouse {
    /// No partner was eligible for it.
    NoneEligible,
    /// The SLA's re-routes were used up and its `then` is the house.
    Escalated,
    /// Its offers ran out: every partner asked refused or let the window
    /// close, and nobody was left to ask (or the rounds were used up).
    OffersRanOut,
}

/// Records every lead's story.
pub struct Recorder<'m> {
    model: &'m Model,
    pub leads: Vec<LeadTrace>,
    /// Partners that lost exclusivity or moved tier since the last
    /// arrival: the next lead to arrive carries the news, so the trace
    /// keeps time order.
    revoked: Vec<(f64, u32)>,
    news: Vec<Decision>,
}

impl<'m> Recorder<'m> {
    pub fn new(model: &'m Model) -> Self {
        Recorder {
            model,
            leads: Vec::new(),
            revoked: Vec::new(),
            news: Vec::new(),
        }
    }

    fn lead(&mut self, lead: u32) -> &mut LeadTrace {
        let i = lead as usize;
        if self.leads.len() <= i {
            self.leads.resize_with(i + 1, LeadTrace::default);
        }
        &mut self.leads[i]
    }
}

impl Observer for Recorder<'_> {
    fn event(&mut self, time: f64, event: Event) {
        match event {
            // The lead's life: where it is, how it ends.
            Event::Arrived { .. }
            | Event::Sourced { .. }
            | Event::BelowThreshold { .. }
            | Event::Assigned { .. }
            | Event::Queued { .. }
            | Event::Started { .. }
            | Event::TakenBack { .. }
            | Event::Contacted { .. }
            | Event::Unreached { .. }
            | Event::Closed { .. }
            | Event::Paid { .. }
            | Event::Unrouted { .. }
            | Event::Dropped { .. } => self.life(time, event),
            // Why it went where it did, and what the programme did.
            Event::Moved { .. }
            | Event::Escalated { .. }
            | Event::Nurtured { .. }
            | Event::CameBack { .. }
            | Event::Offered { .. }
            | Event::Rejected { .. }
            | Event::OffersExpired { .. }
            | Event::Account { .. }
            | Event::Conflict { .. }
            | Event::Exclusive { .. }
            | Event::Reserved { .. }
            | Event::CoSold { .. }
            | Event::Spiff { .. }
            | Event::Renegotiated { .. }
            | Event::TierChanged { .. }
            | Event::ExclusivityRevoked { .. } => self.why(time, event),
            Event::Reviewed { .. } | Event::Signed { .. } => {}
        }
    }
}

impl Recorder<'_> {
    /// An event of the lead's life.
    fn life(&mut self, time: f64, event: Event) {
        match event {
            Event::Arrived { lead, score } => {
                let revoked = std::mem::take(&mut self.revoked);
                let news = std::mem::take(&mut self.news);
                let l = self.lead(lead);
                l.arrived = true;
                l.arrival_hours = time;
                l.score = score;
                for (hours, partner) in revoked {
                    l.decisions
                        .push(Decision::ExclusivityRevoked { hours, partner });
                }
                l.decisions.extend(news);
            }
            Event::Sourced {
                lead,
                partner,
                segment,
            } => {
                let l = self.lead(lead);
                l.segment = segment;
                l.arrived = true;
                l.arrival_hours = time;
                l.sourced_by = Some(partner);
                l.holder = Some(partner);
            }
            Event::BelowThreshold { lead } => {
                self.lead(lead).outcome = "below_threshold";
            }
            Event::Assigned {
                lead,
                holder,
                eligible,
            } => {
                let partners = self.model.partners.len();
                let l = self.lead(lead);
                l.awaiting.clear();
                let decision = if (holder as usize) < partners {
                    Decision::Routed {
                        hours: time,
                        partner: holder,
                        eligible,
                    }
                } else {
                    let why = match l.decisions.last() {
                        Some(Decision::Escalated { .. }) => ToHouse::Escalated,
                        Some(Decision::Refused { .. } | Decision::OffersExpired { .. }) => {
                            ToHouse::OffersRanOut
                        }
                        _ => ToHouse::NoneEligible,
                    };
                    Decision::ToHouse { hours: time, why }
                };
                l.decisions.push(decision);
                l.holder = Some(holder);
            }
            Event::Queued { lead, .. } => {
                self.lead(lead).queued_since = Some(time);
            }
            Event::Started { lead, .. } => {
                let l = self.lead(lead);
                if let Some(since) = l.queued_since.take() {
                    l.queued_hours += time - since;
                }
            }
            Event::TakenBack { lead, why, .. } => {
                let l = self.lead(lead);
                if let Some(since) = l.queued_since.take() {
                    l.queued_hours += time - since;
                }
                match why {
                    TakeBack::Sla => {
                        l.sla_takebacks += 1;
                        l.decisions.push(Decision::SlaTakeBack { hours: time });
                    }
                    TakeBack::PartnerLeft => l.decisions.push(Decision::HolderLeft { hours: time }),
                }
            }
            Event::Contacted {
                lead, opportunity, ..
            } => {
                let l = self.lead(lead);
                l.first_contact_hours = Some(time);
                if !opportunity {
                    l.outcome = "disqualified";
                }
            }
            Event::Unreached { lead, .. } => {
                self.lead(lead).outcome = "unreached";
            }
            Event::Closed {
                lead, won, revenue, ..
            } => {
                let l = self.lead(lead);
                l.closed_hours = Some(time);
                l.outcome = if won { "won" } else { "lost" };
                l.revenue = revenue;
            }
            Event::Paid { lead, amount, .. } => {
                self.lead(lead).payouts += amount;
            }
            Event::Unrouted { lead } => {
                self.lead(lead).outcome = "unrouted";
            }
            Event::Dropped { lead } => {
                let l = self.lead(lead);
                l.outcome = "dropped";
                l.decisions.push(Decision::Dropped { hours: time });
            }
            _ => {}
        }
    }

    /// An event that explains a routing (a move, an escalation, nurture,
    /// offers, accounts, territories, the reserve, co-selling, SPIFFs,
    /// renegotiation), or the programme's news.
    fn why(&mut self, time: f64, event: Event) {
        match event {
            Event::Moved { lead, to, .. } => {
                let l = self.lead(lead);
                l.decisions.push(Decision::Moved { hours: time, to });
                l.holder = Some(to);
            }
            Event::Escalated { lead } => {
                self.lead(lead)
                    .decisions
                    .push(Decision::Escalated { hours: time });
            }
            Event::Nurtured { lead, back } => {
                self.lead(lead)
                    .decisions
                    .push(Decision::Nurtured { hours: time, back });
            }
            Event::CameBack { lead, score } => {
                let l = self.lead(lead);
                l.outcome = "";
                l.decisions.push(Decision::CameBack { hours: time, score });
            }
            Event::Offered { lead, partner } => {
                let l = self.lead(lead);
                l.decisions.push(Decision::Offered {
                    hours: time,
                    partner,
                });
                l.awaiting.push(partner);
            }
            Event::Rejected { lead, partner } => {
                let l = self.lead(lead);
                l.decisions.push(Decision::Refused {
                    hours: time,
                    partner,
                });
                l.awaiting.retain(|&p| p != partner);
            }
            Event::OffersExpired { lead } => {
                let l = self.lead(lead);
                let partners = std::mem::take(&mut l.awaiting);
                l.decisions.push(Decision::OffersExpired {
                    hours: time,
                    partners,
                });
            }
            Event::Account {
                lead,
                partner,
                registration,
            } => {
                self.lead(lead).decisions.push(Decision::Account {
                    hours: time,
                    partner,
                    registration,
                });
            }
            Event::Conflict { lead, registrant } => {
                self.lead(lead).decisions.push(Decision::Conflict {
                    hours: time,
                    registrant,
                });
            }
            Event::Exclusive { lead, partner } => {
                self.lead(lead).decisions.push(Decision::Exclusive {
                    hours: time,
                    partner,
                });
            }
            Event::Reserved { lead, partner } => {
                self.lead(lead).decisions.push(Decision::Reserved {
                    hours: time,
                    partner,
                });
            }
            Event::CoSold { lead, .. } => {
                self.lead(lead)
                    .decisions
                    .push(Decision::CoSold { hours: time });
            }
            Event::Spiff { lead, amount, .. } => {
                self.lead(lead).decisions.push(Decision::Spiff {
                    hours: time,
                    amount,
                });
            }
            Event::Renegotiated { lead, won, .. } => {
                self.lead(lead)
                    .decisions
                    .push(Decision::Renegotiated { hours: time, won });
            }
            Event::TierChanged { partner, from, to } => {
                let promoted = self
                    .model
                    .tier_programme
                    .as_ref()
                    .is_some_and(|p| p.rank(to) < p.rank(from));
                self.news.push(Decision::TierChanged {
                    hours: time,
                    partner,
                    promoted,
                    to: self.model.tiers[to].clone(),
                });
            }
            Event::ExclusivityRevoked { partner } => {
                self.revoked.push((time, partner));
            }
            _ => {}
        }
    }
}

/// Runs replication `replication` of policy `policy` in world `world` (an
/// index into `model.worlds`) and records it.
pub fn trace(
    model: &Model,
    seed: u64,
    policy: usize,
    world: usize,
    replication: u64,
) -> (Vec<LeadTrace>, PolicyRun) {
    let world = draw_world(
        model,
        replication,
        Streams::new(replication_seed(seed, replication)),
        world,
    );
    let mut recorder = Recorder::new(model);
    let run = simulate_observed(
        model,
        &model.policies[policy],
        &world,
        &mut Scratch::default(),
        &mut recorder,
    );
    // Partner-sourced leads come after the world's, and carry their own
    // segment.
    let mut leads = recorder.leads;
    if leads.len() < world.leads.len() {
        leads.resize_with(world.leads.len(), LeadTrace::default);
    }
    for (l, lead) in leads.iter_mut().zip(&world.leads) {
        l.segment = lead.segment;
    }
    (leads, run)
}
