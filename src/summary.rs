//! From raw results to the summary every report reads: estimates per policy
//! and metric, paired differences from the baseline, per-partner means.

use crate::metrics::{Direction, Metric, PerMetric, Verdict, ROBUSTNESS};
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
    /// World names, base first.
    pub worlds: Vec<String>,
    /// Cells in world order, then policy order.
    pub cells: Vec<Cell>,
    /// With stress worlds: each policy's worst showing on each headline
    /// metric across worlds.
    pub robustness: Vec<Robustness>,
    /// The scenario's `expect` assertions, evaluated.
    pub checks: Vec<crate::checks::CheckResult>,
    pub warnings: Vec<String>,
    /// The simulated horizon: every total is per this many days.
    pub horizon_days: f64,
    /// The run's window: leads arriving in the first `warmup_days` are
    /// left out; with `readout_day` only what happened by then counts.
    pub warmup_days: f64,
    pub readout_day: Option<f64>,
    /// The ISO 4217 code money is in, when the scenario says.
    pub currency: Option<String>,
    /// With `tiers`: the tier names partner rows' `tier_days` follow.
    pub tier_names: Vec<String>,
    /// The recommendation on the scenario's `decision` objective.
    pub decision: crate::decision::Decision,
    /// What makes the figures unfit to act on, one entry per kind.
    pub health: Vec<crate::decision::health::Health>,
    /// Some partner sources leads (`sourced_per_day`, `leads_per_mdf_1000`):
    /// `partners.csv` and the report's partner tables show them.
    pub partner_sourcing: bool,
}

/// How a policy holds up on one metric across all worlds.
#[derive(Debug, Clone, PartialEq)]
pub struct Robustness {
    pub policy: String,
    pub metric: Metric,
    /// The worst mean across worlds and the world it came in.
    pub worst_value: f64,
    pub worst_world: String,
    /// The worst rank among policies (1 = best) across worlds, and where.
    pub worst_rank: usize,
    pub worst_rank_world: String,
}

/// One policy in one world.
#[derive(Debug, Clone)]
pub struct Cell {
    pub policy: String,
    pub world: String,
    /// `None` where undefined in every replication.
    pub metrics: PerMetric<Option<Estimate>>,
    /// Paired difference (this policy minus the baseline), replication by
    /// replication, over replications where both are defined.
    pub vs_baseline: PerMetric<Option<Estimate>>,
    /// Verdicts on the paired differences, Holm-adjusted across every
    /// non-baseline policy and every directional metric of the world.
    pub verdicts: PerMetric<Verdict>,
    /// The Holm-adjusted p-value behind each verdict; `None` for the
    /// baseline, metrics with no better side, and undefined differences.
    pub p_holm: PerMetric<Option<f64>>,
    pub partners: Vec<PartnerRow>,
    /// Share of contacted leads first contacted within each bin's upper
    /// edge, pooled over replications: (hours, cumulative share).
    pub ttfc_cdf: Vec<(f64, f64)>,
    /// Mean time to first contact by the hour of the week (from Monday
    /// 00:00 UTC) the lead arrived in, every contact of every replication
    /// pooled; `None` for an hour in which no contacted lead arrived.
    pub ttfc_by_hour: Vec<Option<f64>>,
}

/// Per-partner means over replications.
#[derive(Debug, Clone)]
pub struct PartnerRow {
    pub partner: String,
    pub tier: String,
    pub capacity: u32,
    /// Leads offered (assignments), per replication.
    pub leads: f64,
    /// Leads kept to first contact, and their expected value (score x deal
    /// size), per replication.
    pub kept: f64,
    pub value_kept: f64,
    pub opportunities: f64,
    pub wins: f64,
    pub revenue: f64,
    pub payouts: f64,
    /// Its own leads and their won revenue, per replication.
    pub sourced: f64,
    pub sourced_revenue: f64,
    /// Mean over replications in which it contacted a lead; `None` if never.
    pub ttfc_mean_hours: Option<f64>,
    /// Share of replications in which the partner left the programme, and
    /// the mean day it left in those; `None` if it never left.
    pub left_share: f64,
    pub left_mean_day: Option<f64>,
    /// Share of replications in which it lost its exclusive territory, and
    /// the mean day it did in those; `None` if it never did.
    pub exclusivity_revoked_share: f64,
    pub exclusivity_revoked_mean_day: Option<f64>,
    /// With `tiers`: the tier it most often ended in, and its mean days in
    /// each tier (in `Summary::tier_names` order).
    pub tier_end: Option<String>,
    pub tier_days: Vec<f64>,
}

/// Each partner's row of cell `p` (tallies per replication, the share of
/// replications it left or lost its territory in, tiers).
fn partner_rows(model: &Model, results: &Results, p: usize) -> Vec<PartnerRow> {
    let reps = results.replications.max(1) as f64;
    let n_tiers = model.tiers.len();
    let tier_days = results.tier_days.get(p).filter(|d| !d.is_empty());
    let tier_end = results.tier_end.get(p).filter(|d| !d.is_empty());
    model
        .partners
        .iter()
        .zip(&results.partners[p])
        .enumerate()
        .map(|(i, (partner, s))| PartnerRow {
            tier_end: tier_end.map(|ends| {
                let counts = &ends[i * n_tiers..(i + 1) * n_tiers];
                let most =
                    (0..n_tiers).fold(0, |best, t| if counts[t] > counts[best] { t } else { best });
                model.tiers[most].clone()
            }),
            tier_days: tier_days.map_or(Vec::new(), |days| {
                days[i * n_tiers..(i + 1) * n_tiers]
                    .iter()
                    .map(|d| d / reps)
                    .collect()
            }),
            partner: partner.name.clone(),
            tier: model.tiers[partner.tier].clone(),
            capacity: partner.team.capacity,
            leads: s.leads / reps,
            kept: s.kept / reps,
            value_kept: s.value_kept / reps,
            opportunities: s.opportunities / reps,
            wins: s.wins / reps,
            revenue: s.revenue / reps,
            payouts: s.payouts / reps,
            sourced: s.sourced / reps,
            sourced_revenue: s.sourced_revenue / reps,
            left_share: s.left_replications as f64 / reps,
            left_mean_day: (s.left_replications > 0)
                .then(|| s.left_day_sum / s.left_replications as f64),
            exclusivity_revoked_share: s.revoked_replications as f64 / reps,
            exclusivity_revoked_mean_day: (s.revoked_replications > 0)
                .then(|| s.revoked_day_sum / s.revoked_replications as f64),
            ttfc_mean_hours: (s.ttfc_replications > 0)
                .then(|| s.ttfc_mean_sum / s.ttfc_replications as f64),
        })
        .collect()
}

pub fn summarise(model: &Model, config: &RunConfig, results: &Results) -> Summary {
    let cells: Vec<Cell> = model
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
            let p = results.cell(w, policy_index);
            let metrics = PerMetric::from_fn(|m| results.metrics[p][m].estimate());
            let vs_baseline = PerMetric::from_fn(|m| results.vs_baseline[p][m].estimate());
            let partners = partner_rows(model, results, p);
            let counts = &results.ttfc_histogram[p];
            let contacted: u64 = counts.iter().sum();
            let ttfc_cdf = (0..counts.len().saturating_sub(1))
                .scan(0u64, |seen, k| {
                    *seen += counts[k];
                    Some((ttfc_upper_edge(k), *seen as f64 / contacted.max(1) as f64))
                })
                .collect();
            let ttfc_by_hour = results.ttfc_by_hour[p]
                .iter()
                .map(|&(sum, n)| (n > 0).then(|| sum / n as f64))
                .collect();
            Cell {
                ttfc_by_hour,
                verdicts: PerMetric::filled(Verdict::NoClearDifference),
                p_holm: PerMetric::filled(None),
                ttfc_cdf,
                policy: policy.name.clone(),
                world: world.name.clone(),
                metrics,
                vs_baseline,
                partners,
            }
        })
        .collect();
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
        worlds: model.worlds.iter().map(|w| w.name.clone()).collect(),
        robustness: robustness(model, &cells),
        checks: crate::checks::evaluate(model, results),
        warnings: model
            .warnings
            .iter()
            .cloned()
            .chain(thin_comparisons(model, &cells, results.replications))
            .collect(),
        decision: crate::decision::decide(model, results),
        health: crate::decision::health::health(model, results),
        cells: with_verdicts(model, cells),
        horizon_days: model.horizon_days(),
        warmup_days: model.warmup_hours / crate::model::HOURS_PER_DAY,
        readout_day: model.readout_hours.map(|h| h / crate::model::HOURS_PER_DAY),
        currency: model.currency.clone(),
        partner_sourcing: model
            .partners
            .iter()
            .any(|p| p.sourced_per_hour > 0.0 || p.leads_per_mdf > 0.0),
        tier_names: if model.tier_programme.is_some() {
            model.tiers.clone()
        } else {
            Vec::new()
        },
    }
}

impl Summary {
    /// The cells of one world, in policy order.
    pub fn world_cells(&self, world: &str) -> Vec<&Cell> {
        self.cells.iter().filter(|c| c.world == world).collect()
    }

    /// Policies per world.
    pub fn policies(&self) -> usize {
        self.policy_descriptions.len()
    }

    /// The cell of policy `policy` in world `world` (both indices).
    pub fn cell(&self, world: usize, policy: usize) -> &Cell {
        &self.cells[world * self.policies() + policy]
    }
}

/// Worst value and worst rank of each policy on each robustness metric,
/// across worlds. Empty without stress worlds.
fn robustness(model: &Model, cells: &[Cell]) -> Vec<Robustness> {
    if model.worlds.len() < 2 {
        return Vec::new();
    }
    let n = model.policies.len();
    let mut out = Vec::new();
    for metric in ROBUSTNESS {
        let k = metric;
        let lower_is_better = metric.direction() == Direction::LowerIsBetter;
        // "Worse" as an ordering key: larger is worse.
        let badness = |v: f64| if lower_is_better { v } else { -v };
        for (p, policy) in model.policies.iter().enumerate() {
            let mut worst: Option<(f64, &str)> = None;
            let mut worst_rank: Option<(usize, &str)> = None;
            for (world, row) in model.worlds.iter().zip(cells.chunks(n)) {
                let Some(mine) = row[p].metrics[k].map(|e| e.mean) else {
                    continue;
                };
                if worst.is_none_or(|(v, _)| badness(mine) > badness(v)) {
                    worst = Some((mine, &world.name));
                }
                let rank = 1 + row
                    .iter()
                    .filter_map(|c| c.metrics[k].map(|e| e.mean))
                    .filter(|&other| badness(other) < badness(mine))
                    .count();
                if worst_rank.is_none_or(|(r, _)| rank > r) {
                    worst_rank = Some((rank, &world.name));
                }
            }
            if let (Some((value, world)), Some((rank, rank_world))) = (worst, worst_rank) {
                out.push(Robustness {
                    policy: policy.name.clone(),
                    metric,
                    worst_value: value,
                    worst_world: world.to_string(),
                    worst_rank: rank,
                    worst_rank_world: rank_world.to_string(),
                });
            }
        }
    }
    out
}

/// A comparison resting on fewer than this share of the replications (the
/// metric undefined for one policy or the other in the rest) is flagged.
pub const THIN_COMPARISON_SHARE: f64 = 0.8;

/// Warnings for paired comparisons that rest on fewer than
/// [`THIN_COMPARISON_SHARE`] of the replications: a mean over the
/// replications where both policies are defined can disagree even in sign
/// with the difference of the two policies' own means (each over its own
/// replications).
fn thin_comparisons(model: &Model, cells: &[Cell], replications: u64) -> Vec<String> {
    let n = model.policies.len();
    let mut out = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        if i % n == model.baseline {
            continue;
        }
        let thin: Vec<String> = c
            .vs_baseline
            .iter()
            .filter(|(m, _)| m.direction() != Direction::Neutral)
            .filter_map(|(m, d)| {
                let d = (*d)?;
                ((d.n as f64) < THIN_COMPARISON_SHARE * replications as f64)
                    .then(|| format!("{} ({} of {replications})", m.name(), d.n))
            })
            .collect();
        if !thin.is_empty() {
            out.push(format!(
                "policy `{}` in world `{}`: these comparisons with the baseline rest on fewer than {:.0}% of the replications (the metric was undefined for one of the two in the rest), so they may disagree with the difference of the two means: {}",
                c.policy,
                c.world,
                THIN_COMPARISON_SHARE * 100.0,
                thin.join(", ")
            ));
        }
    }
    out
}

/// Family-wise error rate of the verdicts.
pub const VERDICT_ALPHA: f64 = 0.05;

/// Fills each cell's verdicts: within each world, one family of paired
/// t-tests (every non-baseline policy x every metric with a better side
/// whose paired differences are not all exactly 0), Holm-adjusted at
/// [`VERDICT_ALPHA`]. Each world is its own family: each
/// stress world is a separate question ("which policy is better if EMEA
/// surges?"), so the chance of any false verdict is 5 % per world, not for
/// the whole run (docs/scenario-format.md, "Verdicts").
fn with_verdicts(model: &Model, mut cells: Vec<Cell>) -> Vec<Cell> {
    use crate::stats::hypothesis::{holm_adjusted, paired_p_value};
    for world in cells.chunks_mut(model.policies.len()) {
        let mut family = Vec::new();
        for (p, cell) in world.iter_mut().enumerate() {
            if p == model.baseline {
                continue;
            }
            for k in Metric::ALL {
                if k.direction() == Direction::Neutral {
                    continue;
                }
                match cell.vs_baseline[k] {
                    // The two policies gave the same value in every
                    // replication: there is no difference to test, and
                    // counting it would only weaken the others' tests (a
                    // metric of a feature the scenario does not use, such
                    // as `volume.unreached` without a reach curve, is 0 for
                    // every policy). Its p-value is 1 by construction.
                    Some(d) if d.mean == 0.0 && d.sd.is_none_or(|sd| sd == 0.0) => {
                        cell.p_holm[k] = Some(1.0);
                    }
                    Some(d) => family.push((p, k, d.mean, paired_p_value(&d))),
                    None => {}
                }
            }
        }
        let p_values: Vec<f64> = family.iter().map(|f| f.3).collect();
        for ((p, k, mean, _), adjusted) in family.into_iter().zip(holm_adjusted(&p_values)) {
            world[p].p_holm[k] = Some(adjusted);
            if adjusted > VERDICT_ALPHA {
                continue;
            }
            let higher = mean > 0.0;
            let better = (k.direction() == Direction::HigherIsBetter) == higher;
            world[p].verdicts[k] = if better {
                Verdict::Better
            } else {
                Verdict::Worse
            };
        }
    }
    cells
}
