//! Replications over rayon, folded into mergeable accumulators.
//!
//! Replications are cut into fixed blocks (independent of the thread count);
//! each block runs sequentially into its own [`Results`], and blocks are
//! merged in replication order. So a run gives the same bits on 1 thread or
//! 64, and a partial result can be merged with another the same way.

use std::ops::Range;

use rayon::prelude::*;

use crate::engine::leads::draw_world;
use crate::engine::rng::{replication_seed, Streams};
use crate::engine::{simulate, PolicyRun, Scratch};
use crate::metrics::{compute, N_METRICS};
use crate::model::Model;

/// Replications per block: small enough to balance two to many cores,
/// large enough that scheduling costs nothing.
const BLOCK: u64 = 4;

/// How to run a model.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub replications: u64,
    pub seed: u64,
    /// Worker threads; `None` lets rayon decide (one per core).
    pub threads: Option<usize>,
}

impl RunConfig {
    pub fn from_model(model: &Model) -> Self {
        RunConfig {
            replications: model.replications,
            seed: model.seed,
            threads: None,
        }
    }
}

/// Per-partner sums across replications.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PartnerSums {
    pub leads: f64,
    pub opportunities: f64,
    pub wins: f64,
    pub revenue: f64,
    pub payouts: f64,
    /// Sum over replications of the partner's mean time to first contact,
    /// and the number of replications in which it contacted anyone.
    pub ttfc_mean_sum: f64,
    pub ttfc_replications: u64,
}

impl PartnerSums {
    fn merge(&mut self, o: &PartnerSums) {
        self.leads += o.leads;
        self.opportunities += o.opportunities;
        self.wins += o.wins;
        self.revenue += o.revenue;
        self.payouts += o.payouts;
        self.ttfc_mean_sum += o.ttfc_mean_sum;
        self.ttfc_replications += o.ttfc_replications;
    }
}

/// What a set of replications produced: one value per replication for each
/// policy and metric (in replication order; 8 bytes each, no per-lead data),
/// and per-partner sums.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub replications: u64,
    /// `values[policy][metric][k]`: the metric in the k-th replication.
    pub values: Vec<Vec<Vec<f64>>>,
    /// `partners[policy][partner]`.
    pub partners: Vec<Vec<PartnerSums>>,
}

impl Results {
    pub fn empty(model: &Model) -> Self {
        Results {
            replications: 0,
            values: vec![vec![Vec::new(); N_METRICS]; model.policies.len()],
            partners: vec![
                vec![PartnerSums::default(); model.partners.len()];
                model.policies.len()
            ],
        }
    }

    fn add(&mut self, policy: usize, metrics: &[f64; N_METRICS], run: &PolicyRun) {
        for (series, &v) in self.values[policy].iter_mut().zip(metrics) {
            series.push(v);
        }
        for (sums, tally) in self.partners[policy].iter_mut().zip(&run.partners) {
            sums.leads += tally.leads as f64;
            sums.opportunities += tally.opportunities as f64;
            sums.wins += tally.wins as f64;
            sums.revenue += tally.revenue;
            sums.payouts += tally.payouts;
            if tally.contacts > 0 {
                sums.ttfc_mean_sum += tally.ttfc_sum_hours / tally.contacts as f64;
                sums.ttfc_replications += 1;
            }
        }
    }

    /// Appends `other`, whose replications come after this one's.
    pub fn merge(&mut self, other: Results) {
        self.replications += other.replications;
        for (mine, theirs) in self.values.iter_mut().zip(other.values) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                a.extend(b);
            }
        }
        for (mine, theirs) in self.partners.iter_mut().zip(&other.partners) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                a.merge(b);
            }
        }
    }
}

/// Runs replications `range` of every policy, sequentially.
pub fn run_block(model: &Model, seed: u64, range: Range<u64>, scratch: &mut Scratch) -> Results {
    let mut results = Results::empty(model);
    for r in range {
        let world = draw_world(model, r, Streams::new(replication_seed(seed, r)));
        for (p, policy) in model.policies.iter().enumerate() {
            let run = simulate(model, policy, &world, scratch);
            results.add(p, &compute(model, &run), &run);
        }
        results.replications += 1;
    }
    results
}

/// Runs every replication of every policy in parallel. `progress` is called
/// with the number of replications just finished (from worker threads).
pub fn run(
    model: &Model,
    config: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Results> {
    let blocks: Vec<Range<u64>> = (0..config.replications)
        .step_by(BLOCK as usize)
        .map(|start| start..(start + BLOCK).min(config.replications))
        .collect();
    let work = || {
        blocks
            .par_iter()
            .map_init(Scratch::default, |scratch, range| {
                let part = run_block(model, config.seed, range.clone(), scratch);
                progress(part.replications);
                part
            })
            .collect::<Vec<Results>>()
    };
    let parts = match config.threads {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?
            .install(work),
        None => work(),
    };
    let mut results = Results::empty(model);
    for part in parts {
        results.merge(part);
    }
    Ok(results)
}
