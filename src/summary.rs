//! From raw results to the summary every report reads: estimates per policy
//! and metric, paired differences from the baseline, per-partner means.

use crate::metrics::{METRICS, N_METRICS};
use crate::model::Model;
use crate::runner::{Results, RunConfig};
use crate::stats::histogram::ttfc_upper_edge;
use crate::stats::Estimate;

pub use crate::model::BASE_WORLD;

#[derive(Debug, Clone)]
pub struct Summary {
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    pub replications: u64,
    pub baseline: String,
    /// Each policy's `description`, in policy order.
    pub policy_descriptions: Vec<String>,
    pub cells: Vec<Cell>,
    pub warnings: Vec<String>,
}

/// One policy in one world.
#[derive(Debug, Clone)]
pub struct Cell {
    pub policy: String,
    pub world: String,
    /// In [`METRICS`] order; `None` where undefined in every replication.
    pub metrics: Vec<Option<Estimate>>,
    /// Paired difference (this policy minus the baseline), replication by
    /// replication, over replications where both are defined.
    pub vs_baseline: Vec<Option<Estimate>>,
    pub partners: Vec<PartnerRow>,
    /// Share of contacted leads first contacted within each bin's upper
    /// edge, pooled over replications: (hours, cumulative share).
    pub ttfc_cdf: Vec<(f64, f64)>,
}

/// Per-partner means over replications.
#[derive(Debug, Clone)]
pub struct PartnerRow {
    pub partner: String,
    pub tier: String,
    pub capacity: u32,
    pub leads: f64,
    pub opportunities: f64,
    pub wins: f64,
    pub revenue: f64,
    pub payouts: f64,
    /// Mean over replications in which it contacted a lead; `None` if never.
    pub ttfc_mean_hours: Option<f64>,
    /// Share of replications in which the partner left the programme, and
    /// the mean day it left in those; `None` if it never left.
    pub left_share: f64,
    pub left_mean_day: Option<f64>,
}

pub fn summarise(model: &Model, config: &RunConfig, results: &Results) -> Summary {
    let reps = results.replications.max(1) as f64;
    let cells = model
        .worlds
        .iter()
        .enumerate()
        .flat_map(|(w, world)| {
            model
                .policies
                .iter()
                .enumerate()
                .map(move |(p, policy)| (w, world, p, policy))
        })
        .map(|(w, world, policy_index, policy)| {
            let p = w * model.policies.len() + policy_index;
            let metrics = results.metrics[p].iter().map(|a| a.estimate()).collect();
            let vs_baseline = results.vs_baseline[p]
                .iter()
                .map(|a| a.estimate())
                .collect();
            let partners = model
                .partners
                .iter()
                .zip(&results.partners[p])
                .map(|(partner, s)| PartnerRow {
                    partner: partner.name.clone(),
                    tier: model.tiers[partner.tier].clone(),
                    capacity: partner.team.capacity,
                    leads: s.leads / reps,
                    opportunities: s.opportunities / reps,
                    wins: s.wins / reps,
                    revenue: s.revenue / reps,
                    payouts: s.payouts / reps,
                    left_share: s.left_replications as f64 / reps,
                    left_mean_day: (s.left_replications > 0)
                        .then(|| s.left_day_sum / s.left_replications as f64),
                    ttfc_mean_hours: (s.ttfc_replications > 0)
                        .then(|| s.ttfc_mean_sum / s.ttfc_replications as f64),
                })
                .collect();
            let counts = &results.ttfc_histogram[p];
            let contacted: u64 = counts.iter().sum();
            let ttfc_cdf = (0..counts.len().saturating_sub(1))
                .scan(0u64, |seen, k| {
                    *seen += counts[k];
                    Some((ttfc_upper_edge(k), *seen as f64 / contacted.max(1) as f64))
                })
                .collect();
            Cell {
                ttfc_cdf,
                policy: policy.name.clone(),
                world: world.name.clone(),
                metrics,
                vs_baseline,
                partners,
            }
        })
        .collect();
    debug_assert_eq!(METRICS.len(), N_METRICS);
    Summary {
        scenario: model.name.clone(),
        description: model.description.clone(),
        seed: config.seed,
        replications: results.replications,
        baseline: model.policies[model.baseline].name.clone(),
        policy_descriptions: model
            .policies
            .iter()
            .map(|p| p.description.clone())
            .collect(),
        cells,
        warnings: model.warnings.clone(),
    }
}
