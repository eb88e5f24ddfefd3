//! Partner-sourced leads (docs/scenario-format.md, "Partner-sourced leads
//! and MDF"): each partner's own registered leads, Poisson at its
//! `sourced_per_day`, plus those its MDF buys (`leads_per_mdf_1000`). Its
//! partner works each alone: no routing, no SLA, no per-lead fees; a won
//! deal is paid by the policy's payout like any partner deal.
//!
//! A partner's own leads come from streams keyed by the partner (and, for
//! MDF, the payout period), so every policy of a replication sees the same
//! sourced leads until MDF, which policies pay differently, adds its own.

use rand::Rng;
use rand_distr::{Distribution, Exp1, Poisson};

use super::events::EventKind;
use super::leads::Lead;
use super::leads::{sourced_lead, sourced_mix};
use super::rng::{Purpose, Streams};
use super::{LeadState, Phase, Sim, NONE};
use crate::model::Model;

/// The most leads a partner's MDF can buy in one payout period (a bound on
/// memory, far above any real programme; docs/scenario-format.md).
pub const MAX_MDF_LEADS_PER_PERIOD: u64 = 100_000;

/// Partner `p`'s own leads arriving from `from` to `end` (hours), Poisson
/// at its `rate` an hour: the gaps from its stream, each lead from its own
/// (in `mix`'s segments), handed to `each` in order.
fn own_leads(
    model: &Model,
    mix: &[(f64, u32)],
    streams: &Streams,
    (p, rate): (usize, f64),
    (from, end): (f64, f64),
    mut each: impl FnMut(Lead),
) {
    let mut gaps = streams.rng(Purpose::Sourced, p as u64, 0);
    let mut t = from;
    for k in 1.. {
        let gap: f64 = Exp1.sample(&mut gaps);
        t += gap / rate;
        if t >= end {
            break;
        }
        let mut rng = streams.rng(Purpose::Sourced, p as u64, k);
        each(sourced_lead(model, mix, &mut rng, t));
    }
}

/// The leads a partner's MDF buys in the payout period of `period` hours
/// starting at `start`: Poisson with mean `mean` (at most
/// [`MAX_MDF_LEADS_PER_PERIOD`]), arriving uniformly over the period, all
/// drawn from `rng`; handed to `each` in the order drawn.
fn mdf_leads(
    model: &Model,
    mix: &[(f64, u32)],
    rng: &mut impl Rng,
    mean: f64,
    (start, period): (f64, f64),
    mut each: impl FnMut(Lead),
) {
    let n = Poisson::new(mean).map_or(0.0, |d| d.sample(rng)) as u64;
    for _ in 0..n.min(MAX_MDF_LEADS_PER_PERIOD) {
        let at = start + rng.random::<f64>() * period;
        each(sourced_lead(model, mix, rng, at));
    }
}

impl<O: super::Observer + ?Sized> Sim<'_, '_, O> {
    /// Draws each partner's own leads over the horizon (from when it joins,
    /// until the run is read) and puts their arrivals on the calendar; with
    /// MDF that buys leads, the payout periods' MDF reviews too.
    pub(super) fn schedule_sourced(&mut self) {
        let mdf_buys = self.model.partners.iter().any(|p| p.leads_per_mdf > 0.0);
        let sources = self.model.partners.iter().any(|p| p.sourced_per_hour > 0.0);
        if !sources && !mdf_buys {
            return;
        }
        let model = self.model;
        self.scratch.sourced_mix.clear();
        self.scratch
            .sourced_mix
            .extend(model.partners.iter().map(|p| {
                if p.sourced_per_hour > 0.0 || p.leads_per_mdf > 0.0 {
                    sourced_mix(model, p)
                } else {
                    Vec::new()
                }
            }));
        let end = self.arrivals_end();
        for (p, partner) in model.partners.iter().enumerate() {
            let rate = partner.sourced_per_hour;
            if rate <= 0.0 {
                continue;
            }
            let from = self.scratch.partner_states[p].joins_hours.max(0.0);
            let mix = std::mem::take(&mut self.scratch.sourced_mix[p]);
            let streams = &self.world.streams;
            own_leads(model, &mix, streams, (p, rate), (from, end), |lead| {
                self.add_sourced(p as u32, lead)
            });
            self.scratch.sourced_mix[p] = mix;
        }
        if mdf_buys {
            let period = self.policy.payout.period_hours;
            let mut k = 1.0;
            while k * period <= self.model.horizon_hours {
                self.scratch
                    .calendar
                    .schedule(k * period, EventKind::MdfReview);
                k += 1.0;
            }
        }
    }

    /// No lead arrives at or after this time: the horizon's end, or the
    /// readout if sooner.
    fn arrivals_end(&self) -> f64 {
        self.model
            .readout_hours
            .map_or(self.model.horizon_hours, |r| {
                r.min(self.model.horizon_hours)
            })
    }

    /// A sourced lead of partner `p` waits for its arrival.
    fn add_sourced(&mut self, p: u32, lead: super::Lead) {
        let id = self.scratch.lead_states.len() as u32;
        self.scratch.sourced.push(lead);
        self.scratch.lead_states.push(LeadState {
            holder: p,
            sourced: true,
            ..LeadState::waiting()
        });
        self.scratch
            .calendar
            .schedule(lead.arrival_hours, EventKind::Sourced { lead: id });
    }

    /// A sourced lead arrives: its partner (or the partner that acquired
    /// it) takes it. A partner that has left takes its leads with it: they
    /// never arrive.
    pub(super) fn sourced_arrives(&mut self, lead: u32, t: f64) {
        let mut p = self.scratch.lead_states[lead as usize].holder;
        while self.scratch.partner_states[p as usize].left {
            p = self.scratch.partner_states[p as usize].successor;
            if p == NONE {
                return;
            }
        }
        let counted = t >= self.model.warmup_hours;
        let st = &mut self.scratch.lead_states[lead as usize];
        st.counted = counted;
        st.phase = Phase::Unassigned;
        st.arrived_at = t;
        st.assigned_at = t;
        st.routing_since = t;
        st.round_since = t;
        let run = self.tally(lead);
        run.leads += 1;
        run.sourced += 1;
        run.partners[p as usize].sourced += 1;
        let segment = self.lead(lead).segment;
        self.observer.sourced(t, lead, p, segment);
        self.assign(lead, p, t);
    }

    /// At the end of a payout period each partner's MDF received in it buys
    /// `leads_per_mdf_1000` leads per 1,000, a Poisson number spread
    /// evenly over the next period.
    pub(super) fn review_mdf(&mut self, t: f64) {
        let period = self.policy.payout.period_hours;
        let index = (t / period).round() as u64;
        let end = self.arrivals_end();
        for p in 0..self.model.partners.len() {
            let per_unit = self.model.partners[p].leads_per_mdf;
            let mdf = self.scratch.money.take_mdf(p);
            let ps = &self.scratch.partner_states[p];
            let mean = per_unit * mdf;
            if ps.left || mean <= 0.0 {
                continue;
            }
            let mut rng = self.world.streams.rng(Purpose::Mdf, p as u64, index);
            let mix = std::mem::take(&mut self.scratch.sourced_mix[p]);
            mdf_leads(self.model, &mix, &mut rng, mean, (t, period), |lead| {
                if lead.arrival_hours < end {
                    self.add_sourced(p as u32, lead);
                }
            });
            self.scratch.sourced_mix[p] = mix;
        }
    }

    /// Partner `p` leaves at `t` with its own leads still open: each ends
    /// as dropped, and its deal size counts as pipeline lost.
    pub(super) fn take_sourced(&mut self, p: u32, t: f64) {
        let first = self.world.leads.len();
        for lead in first..self.scratch.lead_states.len() {
            let st = self.scratch.lead_states[lead];
            if !st.sourced
                || st.holder != p
                || !matches!(
                    st.phase,
                    Phase::Queued | Phase::Working | Phase::Opportunity
                )
            {
                continue;
            }
            let holders = &mut self.scratch.holders;
            match st.phase {
                // Its entry in the queue is skipped now that it is done.
                Phase::Queued => holders.forget_queued(p),
                Phase::Working => holders.release_slot(p),
                _ => {
                    if !st.slot_released {
                        holders.release_slot(p);
                    }
                    if st.co_sell {
                        self.leave_co_sell(lead as u32, t);
                    }
                }
            }
            let value = self.lead(lead as u32).deal_size
                * self.model.partners[p as usize].team.deal_size_factor;
            let run = self.tally(lead as u32);
            run.outcomes.dropped += 1;
            run.sourced_pipeline_lost += value;
            self.scratch.lead_states[lead].phase = Phase::Done;
            self.observer.dropped(t, lead as u32);
        }
    }

    /// A co-sold opportunity leaves: the house slot it held (or its place
    /// in the house's queue) is given up.
    fn leave_co_sell(&mut self, lead: u32, t: f64) {
        let house = self.house.expect("co-selling needs a house (validated)");
        let st = &mut self.scratch.lead_states[lead as usize];
        if std::mem::take(&mut st.co_sell_waiting) {
            self.scratch.holders.forget_queued(house);
        } else {
            self.free_slot(house, t);
        }
    }
}
