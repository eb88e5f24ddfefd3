//! Replications over rayon, folded into mergeable accumulators.
//!
//! Replications are cut into fixed blocks (independent of the thread count);
//! each block runs sequentially into its own [`Results`], and blocks are
//! merged in replication order. So a run gives the same bits on 1 thread or
//! 64, and a partial result can be merged with another the same way.

pub mod duel;
pub mod measure;

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use crate::engine::leads::draw_world;
use crate::engine::rng::{replication_seed, Streams};
use crate::engine::{simulate, PolicyRun, Scratch};
use crate::metrics::{Metric, PerMetric};
use crate::model::Model;
use crate::stats::accumulator::Accumulator;
use crate::stats::histogram::TTFC_BIN_COUNT;
use duel::duel_keys;
pub use duel::{Duel, DuelKey, MAX_DUELS};
use measure::compute;

/// A handle that stops a run: workers finish the replication they are on
/// and the run returns [`RunError::Interrupted`]. Clones share one flag, so
/// a Ctrl-C handler can hold one and the run another; each run gets its own
/// handle (none is process-wide), so a library user can stop one run and
/// start the next.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Asks the runs holding this handle to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Why a run did not finish.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Stopped through its [`Cancel`] handle before it finished.
    #[error("interrupted after {done} of {total} replications")]
    Interrupted { done: u64, total: u64 },
    /// The worker threads could not be started.
    #[error("cannot start the worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
    /// A shard would keep more replications than a part may hold.
    #[error(
        "this shard would hold {replications} replications; a shard keeps each replication's \
         results until merge, so at most {MAX_SHARD_REPLICATIONS} per shard: use more shards"
    )]
    ShardTooLarge { replications: u64 },
}

/// Runs `work` on a pool of `threads` workers, or on rayon's global pool
/// (one per core) when `None`.
pub fn in_pool<R: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> R + Send,
) -> Result<R, RunError> {
    Ok(match threads {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?
            .install(work),
        None => work(),
    })
}

/// Replications per block. One: every replication is folded on its own and
/// merged in replication order, so a sharded run (replications I, I+N, ...)
/// merges into exactly the bits of a single run. Folding costs microseconds
/// against milliseconds of simulation per replication.
const BLOCK: u64 = 1;

/// Blocks in flight at once. It bounds memory, and has no effect on results
/// (blocks always merge in order).
const WAVE: usize = 64;

/// How to run a model.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub replications: u64,
    pub seed: u64,
    /// Worker threads; `None` lets rayon decide (one per core).
    pub threads: Option<usize>,
    /// Stops the run early (Ctrl-C, or a caller's own reason).
    pub cancel: Cancel,
}

impl RunConfig {
    pub fn from_model(model: &Model) -> Self {
        RunConfig {
            replications: model.replications,
            seed: model.seed,
            threads: None,
            cancel: Cancel::default(),
        }
    }
}

/// Per-partner sums across replications.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PartnerSums {
    /// Assignments (leads offered to it, take-backs included).
    pub leads: f64,
    /// Leads it kept to first contact, and their expected value (score x
    /// deal size).
    #[serde(default)]
    pub kept: f64,
    #[serde(default)]
    pub value_kept: f64,
    pub opportunities: f64,
    pub wins: f64,
    pub revenue: f64,
    pub payouts: f64,
    /// Sum over replications of the partner's mean time to first contact,
    /// and the number of replications in which it contacted anyone.
    pub ttfc_mean_sum: f64,
    pub ttfc_replications: u64,
    /// Its own leads, and their won revenue.
    #[serde(default)]
    pub sourced: f64,
    #[serde(default)]
    pub sourced_revenue: f64,
    /// Replications in which the partner left, and the sum of the days.
    pub left_replications: u64,
    pub left_day_sum: f64,
    /// Replications in which it lost its exclusive territory, and the sum
    /// of the days.
    #[serde(default)]
    pub revoked_replications: u64,
    #[serde(default)]
    pub revoked_day_sum: f64,
}

impl PartnerSums {
    /// Whether these sums could come from `replications` replications.
    fn is_plausible(&self, replications: u64) -> bool {
        let sums = [
            self.leads,
            self.kept,
            self.value_kept,
            self.opportunities,
            self.wins,
            self.revenue,
            self.payouts,
            self.sourced,
            self.sourced_revenue,
            self.ttfc_mean_sum,
            self.left_day_sum,
            self.revoked_day_sum,
        ];
        sums.iter().all(|v| v.is_finite() && *v >= 0.0)
            && self.ttfc_replications <= replications
            && self.left_replications <= replications
            && self.revoked_replications <= replications
    }

    fn merge(&mut self, o: &PartnerSums) {
        self.leads += o.leads;
        self.kept += o.kept;
        self.value_kept += o.value_kept;
        self.opportunities += o.opportunities;
        self.wins += o.wins;
        self.revenue += o.revenue;
        self.payouts += o.payouts;
        self.sourced += o.sourced;
        self.sourced_revenue += o.sourced_revenue;
        self.ttfc_mean_sum += o.ttfc_mean_sum;
        self.ttfc_replications += o.ttfc_replications;
        self.left_replications += o.left_replications;
        self.left_day_sum += o.left_day_sum;
        self.revoked_replications += o.revoked_replications;
        self.revoked_day_sum += o.revoked_day_sum;
    }
}

/// Per holder, summed over replications: its queue at the middle and at
/// the end of the horizon, and the leads assigned to it in the horizon.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QueueSums {
    pub mid_horizon: f64,
    pub end_of_horizon: f64,
    pub assigned: f64,
}

/// What a set of replications produced, in memory that does not grow with
/// the number of replications: an accumulator per policy and metric, one per
/// policy and metric for the paired difference from the baseline, and
/// per-partner sums. No per-lead data survives a replication.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Results {
    pub replications: u64,
    /// Policies per world: cell `world * policies + policy` holds one
    /// policy in one world.
    pub policies: usize,
    /// `metrics[cell][metric]`, cells as [`Results::cell`] numbers them.
    pub metrics: Vec<PerMetric<Accumulator>>,
    /// `vs_baseline[cell][metric]`: policy minus the baseline in the same
    /// world, replication by replication (NaN, so skipped, where either is
    /// undefined).
    pub vs_baseline: Vec<PerMetric<Accumulator>>,
    /// `partners[cell][partner]`.
    pub partners: Vec<Vec<PartnerSums>>,
    /// `ttfc_histogram[cell]`: contacted leads of every replication, by
    /// time to first contact (`stats::histogram` bins).
    pub ttfc_histogram: Vec<Vec<u64>>,
    /// `ttfc_by_hour[cell][hour of week]`: time to first contact summed
    /// and contacts counted over every replication.
    pub ttfc_by_hour: Vec<Vec<(f64, u64)>>,
    /// Paired differences `expect` assertions compare, and the accumulated
    /// policy-minus-other values (`pairs[k]` for `pair_keys[k]`).
    pub pair_keys: Vec<PairKey>,
    pub pairs: Vec<Accumulator>,
    /// `queues[cell][holder]` (the partners, then the house).
    #[serde(default)]
    pub queues: Vec<Vec<QueueSums>>,
    /// With `tiers`, `tier_days[cell][partner * tiers + tier]`: days in the
    /// tier summed over replications, and `tier_end[cell][..]`: the
    /// replications that ended with the partner in the tier.
    #[serde(default)]
    pub tier_days: Vec<Vec<f64>>,
    #[serde(default)]
    pub tier_end: Vec<Vec<u64>>,
    /// Paired comparisons of two cells on the decision's objective
    /// (`duels[k]` for `duel_keys[k]`): what the recommendation's multiple
    /// comparisons with the best and its win shares need.
    pub duel_keys: Vec<DuelKey>,
    pub duels: Vec<Duel>,
}

/// A paired comparison an `expect` assertion needs: `policy` minus `other`
/// on `metric` in `world`, replication by replication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PairKey {
    pub world: usize,
    pub policy: usize,
    pub other: usize,
    pub metric: Metric,
}

impl Results {
    /// The cell of `policy` in `world`: `world * policies + policy`.
    #[inline]
    pub fn cell(&self, world: usize, policy: usize) -> usize {
        world * self.policies + policy
    }

    /// The paired comparison of `key`, if the scenario asked for it.
    pub fn pair(&self, key: &PairKey) -> Option<&Accumulator> {
        let k = self.pair_keys.iter().position(|p| p == key)?;
        self.pairs.get(k)
    }

    pub fn empty(model: &Model) -> Self {
        let cells = model.policies.len() * model.worlds.len();
        let per_cell = vec![PerMetric::<Accumulator>::default(); cells];
        Results {
            replications: 0,
            policies: model.policies.len(),
            metrics: per_cell.clone(),
            vs_baseline: per_cell,
            ttfc_histogram: vec![vec![0; TTFC_BIN_COUNT]; cells],
            ttfc_by_hour: vec![vec![(0.0, 0); crate::calendar::WEEK_HOURS as usize]; cells],
            partners: vec![vec![PartnerSums::default(); model.partners.len()]; cells],
            pair_keys: pair_keys(model),
            pairs: vec![Accumulator::default(); pair_keys(model).len()],
            queues: vec![vec![QueueSums::default(); holders(model)]; cells],
            tier_days: vec![vec![0.0; tier_slots(model)]; cells],
            tier_end: vec![vec![0; tier_slots(model)]; cells],
            duels: vec![Duel::default(); duel_keys(model).len()],
            duel_keys: duel_keys(model),
        }
    }

    /// Checks results read from a file (a shard's part) against the
    /// scenario: every list the size the scenario gives it, every
    /// accumulator holding exactly `replications` values (defined or not),
    /// every number finite. Tampered or truncated parts fail here.
    pub fn check_shape(&self, model: &Model, replications: u64) -> Result<(), String> {
        let empty = Results::empty(model);
        if self.replications != replications {
            return Err(format!(
                "it holds {} replications, expected {replications}",
                self.replications
            ));
        }
        if self.policies != empty.policies || self.pair_keys != empty.pair_keys {
            return Err("its policies or assertions are not the scenario's".into());
        }
        if self.metrics.len() != empty.metrics.len()
            || self.vs_baseline.len() != empty.vs_baseline.len()
        {
            return Err("its metrics are truncated or extended".into());
        }
        if self.partners.len() != empty.partners.len()
            || self
                .partners
                .iter()
                .any(|c| c.len() != model.partners.len())
        {
            return Err("its partner results do not match the scenario's partners".into());
        }
        if self.ttfc_histogram.len() != empty.ttfc_histogram.len()
            || self
                .ttfc_histogram
                .iter()
                .any(|h| h.len() != TTFC_BIN_COUNT)
        {
            return Err("its time-to-first-contact histogram is malformed".into());
        }
        if self.ttfc_by_hour.len() != empty.ttfc_by_hour.len()
            || self.ttfc_by_hour.iter().any(|h| {
                h.len() != crate::calendar::WEEK_HOURS as usize
                    || h.iter().any(|&(sum, _)| !(sum.is_finite() && sum >= 0.0))
            })
        {
            return Err("its time to first contact by hour of the week is malformed".into());
        }
        if self.queues.len() != empty.queues.len()
            || self.queues.iter().flatten().count() != empty.queues.iter().flatten().count()
            || self.queues.iter().flatten().any(|q| {
                [q.mid_horizon, q.end_of_horizon, q.assigned]
                    .iter()
                    .any(|v| !(v.is_finite() && *v >= 0.0))
            })
        {
            return Err("its queue watches are malformed".into());
        }
        if self.tier_days.len() != empty.tier_days.len()
            || self.tier_end.len() != empty.tier_end.len()
            || self
                .tier_days
                .iter()
                .zip(&empty.tier_days)
                .any(|(a, b)| a.len() != b.len())
            || self
                .tier_end
                .iter()
                .zip(&empty.tier_end)
                .any(|(a, b)| a.len() != b.len())
            || self
                .tier_days
                .iter()
                .flatten()
                .any(|d| !(d.is_finite() && *d >= 0.0))
            || self.tier_end.iter().flatten().any(|&n| n > replications)
        {
            return Err("its tier tallies are malformed".into());
        }
        if self.pairs.len() != empty.pairs.len() {
            return Err("its assertion comparisons are truncated or extended".into());
        }
        if self.duel_keys != empty.duel_keys
            || self.duels.len() != empty.duels.len()
            || self.duels.iter().any(|d| !d.is_plausible(replications))
        {
            return Err("its comparisons on the decision's objective are malformed".into());
        }
        let all = self
            .metrics
            .iter()
            .chain(&self.vs_baseline)
            .flat_map(PerMetric::values)
            .chain(&self.pairs);
        for a in all {
            a.check(replications)?;
        }
        for p in self.partners.iter().flatten() {
            if !p.is_plausible(replications) {
                return Err("a partner's sums are impossible (negative, not finite, or counting more replications than it holds)".into());
            }
        }
        Ok(())
    }

    /// Adds one replication of one world: every policy's metrics and runs.
    fn add_world(
        &mut self,
        world: usize,
        baseline: usize,
        metrics: &[PerMetric<f64>],
        runs: &[PolicyRun],
    ) {
        for (policy, (values, run)) in metrics.iter().zip(runs).enumerate() {
            let p = self.cell(world, policy);
            for (m, &v) in values.iter() {
                self.metrics[p][m].push(v);
                self.vs_baseline[p][m].push(v - metrics[baseline][m]);
            }
            self.add_partners(p, run);
            for (sum, days) in self.tier_days[p].iter_mut().zip(&run.tier_days) {
                *sum += days;
            }
            if !run.tier_end.is_empty() {
                let n_tiers = self.tier_end[p].len() / run.tier_end.len();
                for (partner, &tier) in run.tier_end.iter().enumerate() {
                    self.tier_end[p][partner * n_tiers + tier as usize] += 1;
                }
            }
            for (sums, watch) in self.queues[p].iter_mut().zip(&run.queues) {
                sums.mid_horizon += watch.mid_horizon as f64;
                sums.end_of_horizon += watch.end_of_horizon as f64;
                sums.assigned += watch.assigned as f64;
            }
            for (total, n) in self.ttfc_histogram[p].iter_mut().zip(&run.ttfc_histogram) {
                *total += n;
            }
            for (total, bin) in self.ttfc_by_hour[p].iter_mut().zip(&run.ttfc_by_hour) {
                total.0 += bin.0;
                total.1 += bin.1;
            }
        }
        for (k, key) in self.pair_keys.iter().enumerate() {
            if key.world == world {
                self.pairs[k]
                    .push(metrics[key.policy][key.metric] - metrics[key.other][key.metric]);
            }
        }
    }

    fn add_partners(&mut self, policy: usize, run: &PolicyRun) {
        for (sums, tally) in self.partners[policy].iter_mut().zip(&run.partners) {
            sums.leads += tally.leads as f64;
            sums.kept += tally.contacts as f64;
            sums.value_kept += tally.value_kept;
            sums.opportunities += tally.opportunities as f64;
            sums.wins += tally.wins as f64;
            sums.revenue += tally.revenue;
            sums.payouts += tally.payouts;
            sums.sourced += tally.sourced as f64;
            sums.sourced_revenue += tally.sourced_revenue;
            if tally.contacts > 0 {
                sums.ttfc_mean_sum += tally.ttfc_sum_hours / tally.contacts as f64;
                sums.ttfc_replications += 1;
            }
            if let Some(hours) = tally.left_at_hours {
                sums.left_replications += 1;
                sums.left_day_sum += hours / crate::model::HOURS_PER_DAY;
            }
            if let Some(hours) = tally.exclusivity_revoked_at {
                sums.revoked_replications += 1;
                sums.revoked_day_sum += hours / crate::model::HOURS_PER_DAY;
            }
        }
    }

    /// Merges `other`, whose replications come after this one's.
    pub fn merge(&mut self, other: &Results) {
        self.replications += other.replications;
        for (mine, theirs) in self
            .metrics
            .iter_mut()
            .zip(&other.metrics)
            .chain(self.vs_baseline.iter_mut().zip(&other.vs_baseline))
        {
            for ((_, a), b) in mine.iter_mut().zip(theirs.values()) {
                a.merge(b);
            }
        }
        for (mine, theirs) in self.pairs.iter_mut().zip(&other.pairs) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self.duels.iter_mut().zip(&other.duels) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self.ttfc_by_hour.iter_mut().zip(&other.ttfc_by_hour) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                a.0 += b.0;
                a.1 += b.1;
            }
        }
        for (mine, theirs) in self.ttfc_histogram.iter_mut().zip(&other.ttfc_histogram) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
        for (mine, theirs) in self.partners.iter_mut().zip(&other.partners) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                a.merge(b);
            }
        }
        for (mine, theirs) in self.tier_days.iter_mut().zip(&other.tier_days) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
        for (mine, theirs) in self.tier_end.iter_mut().zip(&other.tier_end) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
        for (mine, theirs) in self.queues.iter_mut().zip(&other.queues) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                a.mid_horizon += b.mid_horizon;
                a.end_of_horizon += b.end_of_horizon;
                a.assigned += b.assigned;
            }
        }
    }
}

/// (partner, tier) slots for tier tallies: none without `tiers`.
fn tier_slots(model: &Model) -> usize {
    if model.tier_programme.is_some() {
        model.partners.len() * model.tiers.len()
    } else {
        0
    }
}

/// Holders: the partners, and the house if there is one.
fn holders(model: &Model) -> usize {
    model.partners.len() + model.house.is_some() as usize
}

/// One replication's metrics: per world, per policy.
pub type ReplicationMetrics = [Vec<PerMetric<f64>>];

/// Runs replications `range` of every policy, sequentially.
pub fn run_block(model: &Model, seed: u64, range: Range<u64>, scratch: &mut Scratch) -> Results {
    run_block_with(model, seed, range, scratch, &mut |_| {})
}

/// [`run_block`], handing each replication's metrics (per world, per
/// policy) to `each` as it finishes.
fn run_block_with(
    model: &Model,
    seed: u64,
    range: Range<u64>,
    scratch: &mut Scratch,
    each: &mut dyn FnMut(&ReplicationMetrics),
) -> Results {
    let mut results = Results::empty(model);
    let mut replication = Vec::with_capacity(model.worlds.len());
    for r in range {
        replication.clear();
        // Every world of a replication shares its streams (pairing worlds).
        let streams = Streams::new(replication_seed(seed, r));
        for w in 0..model.worlds.len() {
            let world = draw_world(model, r, streams, w);
            let runs: Vec<PolicyRun> = model
                .policies
                .iter()
                .map(|policy| simulate(model, policy, &world, scratch))
                .collect();
            let metrics: Vec<PerMetric<f64>> = runs.iter().map(|run| compute(model, run)).collect();
            results.add_world(w, model.baseline, &metrics, &runs);
            replication.push(metrics);
        }
        results.add_duels(model.decision.objective, &replication);
        each(&replication);
        results.replications += 1;
    }
    results
}

/// Runs every replication like [`run`], and also reduces each
/// replication's metrics (per world, per policy) to one number with
/// `value`: the results, and those numbers in replication order (for a
/// quantity no summary holds, such as each replication's worst world).
pub fn run_valued(
    model: &Model,
    config: &RunConfig,
    value: &(dyn Fn(&ReplicationMetrics) -> f64 + Sync),
) -> Result<(Results, Vec<f64>), RunError> {
    let mut results = Results::empty(model);
    let mut values = Vec::with_capacity(config.replications as usize);
    in_waves(
        config,
        0..config.replications,
        &|scratch, range| {
            let mut mine = Vec::with_capacity((range.end - range.start) as usize);
            let part = run_block_with(model, config.seed, range, scratch, &mut |m| {
                mine.push(value(m))
            });
            (part, mine)
        },
        &mut |(part, mine)| {
            results.merge(&part);
            values.extend_from_slice(&mine);
        },
    )?;
    Ok((results, values))
}

/// Runs `range` in blocks that start at multiples of [`BLOCK`], [`WAVE`]
/// blocks at a time in parallel; each wave's outputs go to `fold` in block
/// order before the next wave starts, so memory stays bounded by one wave
/// whatever the number of replications, and the order of folding never
/// depends on the threads. Stops between waves once the run is cancelled.
fn in_waves<T: Send>(
    config: &RunConfig,
    range: Range<u64>,
    block: &(dyn Fn(&mut Scratch, Range<u64>) -> T + Sync),
    fold: &mut (dyn FnMut(T) + Send),
) -> Result<(), RunError> {
    let work = || {
        let mut start = range.start;
        let mut wave = Vec::with_capacity(WAVE);
        while start < range.end {
            wave.clear();
            while wave.len() < WAVE && start < range.end {
                let end = ((start / BLOCK + 1) * BLOCK).min(range.end);
                wave.push(start..end);
                start = end;
            }
            let parts: Vec<T> = wave
                .par_iter()
                .map_init(Scratch::default, |scratch, range| {
                    block(scratch, range.clone())
                })
                .collect();
            parts.into_iter().for_each(&mut *fold);
            if config.cancel.is_cancelled() {
                return;
            }
        }
    };
    in_pool(config.threads, work)
}

/// Every metric of replication `r` (seed `seed`), per world and policy, as
/// [`run_block`] computes them: what a ranking-and-selection procedure
/// samples one replication at a time.
pub fn replication_metrics(
    model: &Model,
    seed: u64,
    r: u64,
    scratch: &mut Scratch,
) -> Vec<Vec<PerMetric<f64>>> {
    let streams = Streams::new(replication_seed(seed, r));
    (0..model.worlds.len())
        .map(|w| {
            let world = draw_world(model, r, streams, w);
            model
                .policies
                .iter()
                .map(|policy| compute(model, &simulate(model, policy, &world, scratch)))
                .collect()
        })
        .collect()
}

/// Runs every replication of every policy in parallel. `progress` is called
/// with the number of replications just finished (from worker threads).
pub fn run(
    model: &Model,
    config: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Results, RunError> {
    let mut results = Results::empty(model);
    run_more(
        model,
        config,
        0..config.replications,
        &mut results,
        progress,
    )?;
    Ok(results)
}

/// Runs replications `range` and merges them into `results` (which must
/// hold the replications before `range.start`). Blocks start at multiples of
/// [`BLOCK`], so a run made in several calls merges exactly as one would.
pub fn run_more(
    model: &Model,
    config: &RunConfig,
    range: Range<u64>,
    results: &mut Results,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), RunError> {
    in_waves(
        config,
        range.clone(),
        &|scratch, range| {
            // A cancelled run is discarded: skip what is left.
            if config.cancel.is_cancelled() {
                return Results::empty(model);
            }
            let part = run_block(model, config.seed, range, scratch);
            progress(part.replications);
            part
        },
        &mut |part| results.merge(&part),
    )?;
    if config.cancel.is_cancelled() {
        return Err(RunError::Interrupted {
            done: results.replications,
            total: range.end,
        });
    }
    Ok(())
}

/// Whether one estimate meets the precision: its 95 % half-width is at
/// most `precision` x |mean|. A metric undefined in every replication has
/// nothing to be precise about and counts as met.
pub fn meets_precision(e: Option<crate::stats::Estimate>, precision: f64) -> bool {
    match e {
        None => true,
        Some(e) => e
            .half_width()
            .is_some_and(|hw| hw <= precision * e.mean.abs()),
    }
}

/// Whether every headline metric is precise enough: in every cell, its 95 %
/// half-width is at most `precision` x |mean|. The rule looks at widths
/// only, never at whether a difference is significant: stopping when a
/// difference first looks clear is a test repeated at every batch, and
/// stops on a false difference far more often than 5 % (issue 20).
pub fn precise_enough(results: &Results, precision: f64, metrics: &[Metric]) -> bool {
    results.metrics.iter().all(|accumulators| {
        metrics
            .iter()
            .all(|&m| meets_precision(accumulators[m].estimate(), precision))
    })
}

/// The paired comparisons the scenario's `expect` assertions need, each once.
fn pair_keys(model: &Model) -> Vec<PairKey> {
    use crate::model::ExpectKind;
    let mut keys = Vec::new();
    for e in &model.expectations {
        let other = match e.kind {
            ExpectKind::BetterThan(o) | ExpectKind::NotWorseThan { other: o, .. } => o,
            _ => continue,
        };
        let key = PairKey {
            world: e.world,
            policy: e.policy,
            other,
            metric: e.metric,
        };
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// The most replications one shard may run (each is kept until merge).
pub const MAX_SHARD_REPLICATIONS: u64 = 100_000;

/// Runs shard `index` of `count`: replications index, index + count, ...
/// below `config.replications`, each folded on its own, in order.
pub fn run_shard(
    model: &Model,
    config: &RunConfig,
    index: u64,
    count: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<(u64, Results)>, RunError> {
    let step = count.max(1);
    let mine = config.replications.saturating_sub(index).div_ceil(step);
    if mine > MAX_SHARD_REPLICATIONS {
        return Err(RunError::ShardTooLarge { replications: mine });
    }
    let replications: Vec<u64> = (index..config.replications)
        .step_by(step as usize)
        .collect();
    let done = std::sync::atomic::AtomicU64::new(0);
    let work = || {
        replications
            .par_iter()
            .map_init(Scratch::default, |scratch, &r| {
                if config.cancel.is_cancelled() {
                    return (r, Results::empty(model));
                }
                let part = run_block(model, config.seed, r..r + 1, scratch);
                if !config.cancel.is_cancelled() {
                    done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                progress(1);
                (r, part)
            })
            .collect::<Vec<(u64, Results)>>()
    };
    let parts = in_pool(config.threads, work)?;
    if config.cancel.is_cancelled() {
        return Err(RunError::Interrupted {
            done: done.load(std::sync::atomic::Ordering::Relaxed),
            total: replications.len() as u64,
        });
    }
    Ok(parts)
}
