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

use super::leads::{sourced_lead, Lead};
use super::rng::{Purpose, Streams};
use crate::model::Model;

/// The most leads a partner's MDF can buy in one payout period (a bound on
/// memory, far above any real programme; docs/scenario-format.md).
pub const MAX_MDF_LEADS_PER_PERIOD: u64 = 100_000;

/// When partner-sourced leads stop arriving: the horizon's end, or the
/// readout when it comes first.
pub(super) fn arrivals_end(model: &Model) -> f64 {
    model
        .readout_hours
        .map_or(model.horizon_hours, |r| r.min(model.horizon_hours))
}

/// Partner `p`'s own leads arriving from `from` to `end` (hours), Poisson
/// at its `rate` an hour: the gaps from its stream, each lead from its own
/// (in `mix`'s segments), handed to `each` in order.
pub(super) fn own_leads(
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
pub(super) fn mdf_leads(
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
