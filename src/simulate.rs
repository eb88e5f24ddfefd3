//! Whole runs: every replication of every policy, summarised; runs that add
//! replications until the headline metrics are precise enough; and the
//! work budget that refuses a mistyped replication count.

use crate::metrics::{Metric, HEADLINE};
use crate::model::Model;
use crate::runner::{self, RunConfig};
use crate::summary::{self, Summary};

/// The most lead-simulations (leads x policies x worlds x replications) a
/// run may be estimated at before it is refused unless forced: about a day
/// on a two-core machine at today's throughput.
pub const MAX_WORK: f64 = 1e12;

/// The estimated lead-simulations of `replications` replications of
/// `model`, times `points` grid points (1 for a plain run). Every lead
/// counts, the vendor's and the partners' own (`sourced_per_day`), and
/// each is weighted by the work its policy can ask of it: its routings
/// (the first and every SLA re-route, at most one per partner), the
/// choices in each (every offer of every round), and the partners each
/// choice looks through. A scenario whose leads each ask for a thousand
/// re-routes among ten thousand partners is as much work as a thousand
/// million plain leads, and is counted so.
pub fn estimated_work(model: &Model, replications: u64, points: u64) -> f64 {
    let partners = model.partners.len() as f64;
    let sourced: f64 = model.partners.iter().map(|p| p.sourced_per_hour).sum();
    let leads = (model.leads.arrivals_per_hour + sourced) * model.horizon_hours;
    let per_lead: f64 = model
        .policies
        .iter()
        .map(|p| {
            let routings = 1.0 + p.sla.map_or(0.0, |s| (s.max_reroutes as f64).min(partners));
            let choices = p.offer.map_or(1.0, |o| {
                (o.to.max(1) as f64 * o.max_rounds.max(1) as f64).clamp(1.0, partners.max(1.0))
            });
            // Each re-route also steps around the lead's earlier holders:
            // a lead's cost grows with the square of its routings.
            routings * (1.0 + routings / 8.0) * choices * (1.0 + partners / PARTNERS_PER_UNIT)
        })
        .sum();
    leads * per_lead * model.worlds.len() as f64 * replications as f64 * points as f64
}

/// Partners a routing looks through for the price of one plain
/// lead-simulation (a lead-simulation of a 20-partner scenario costs a few
/// hundred nanoseconds; a pass over 64 candidates about as much).
const PARTNERS_PER_UNIT: f64 = 64.0;

/// Refuses work beyond [`MAX_WORK`] unless `force`: a typo such as
/// `--replications 100000000` on a large scenario should not occupy a
/// machine for months.
pub fn check_work(
    model: &Model,
    replications: u64,
    points: u64,
    force: bool,
) -> anyhow::Result<()> {
    let work = estimated_work(model, replications, points);
    if work > MAX_WORK && !force {
        anyhow::bail!(
            "this would simulate about {work:.1e} lead-simulations (leads x policies x worlds x replications{}, each lead weighted by the re-routes, offers and partners its policy can ask it to go through), beyond the {MAX_WORK:.0e} leadsim runs without --force; at a few million a second per core that is {:.0} core-days",
            if points > 1 { " x grid points" } else { "" },
            work / 3e6 / 86_400.0
        );
    }
    Ok(())
}

/// The headline metrics' estimates that are wider than `precision` x |mean|,
/// as (policy, world, metric, relative half-width), so a run can say which
/// metrics stopped short and which met the width.
pub fn precision_shortfalls(
    summary: &Summary,
    precision: f64,
) -> Vec<(String, String, Metric, f64)> {
    let mut out = Vec::new();
    for c in &summary.cells {
        for metric in HEADLINE {
            if let Some(e) =
                c.metrics[metric].filter(|_| !runner::meets_precision(c.metrics[metric], precision))
            {
                let relative = e.half_width().map_or(f64::INFINITY, |hw| hw / e.mean.abs());
                out.push((c.policy.clone(), c.world.clone(), metric, relative));
            }
        }
    }
    out
}

/// Runs replications in batches of `config.replications` until every
/// headline metric is precise to `precision` (see
/// [`runner::precise_enough`]) or `max_replications` are done. Returns the
/// summary and whether the precision was reached. Deterministic for a given
/// seed, precision and batch size; the stopping point depends on the data
/// (see [`precision_shortfalls`] for what stopped short).
pub fn simulate_to_precision(
    model: &Model,
    config: &RunConfig,
    precision: f64,
    max_replications: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<(Summary, bool)> {
    let batch = config.replications.max(1);
    let mut results = runner::Results::empty(model);
    let mut done = 0;
    loop {
        let next = (done + batch).min(max_replications.max(batch));
        runner::run_more(model, config, done..next, &mut results, progress)?;
        done = next;
        let reached = runner::precise_enough(&results, precision, &HEADLINE);
        if reached || done >= max_replications {
            let config = RunConfig {
                replications: done,
                ..config.clone()
            };
            return Ok((summary::summarise(model, &config, &results), reached));
        }
    }
}

/// Runs every replication of every policy and summarises them.
pub fn simulate(
    model: &Model,
    config: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Summary> {
    let results = runner::run(model, config, progress)?;
    Ok(summary::summarise(model, config, &results))
}
