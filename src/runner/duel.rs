//! Paired comparisons of two cells on the decision's objective: what the
//! recommendation's multiple comparisons with the best and its win shares
//! need, mergeable like every other accumulator.

use super::Results;
use crate::model::Model;
use crate::stats::accumulator::Moments;

/// Two cells compared on the objective, `a < b` (cell numbers).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct DuelKey {
    pub a: u32,
    pub b: u32,
}

/// Cell `a` minus cell `b` on the objective, replication by replication,
/// over the replications where both are defined: the differences' moments,
/// and how often `a` came out higher and how often exactly equal.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Duel {
    pub difference: Moments,
    pub a_higher: u64,
    pub ties: u64,
}

impl Duel {
    pub(super) fn push(&mut self, a: f64, b: f64) {
        if a.is_nan() || b.is_nan() {
            return;
        }
        self.difference.push(a - b);
        self.a_higher += (a > b) as u64;
        self.ties += (a == b) as u64;
    }

    pub(super) fn merge(&mut self, o: &Duel) {
        self.difference.merge(&o.difference);
        self.a_higher += o.a_higher;
        self.ties += o.ties;
    }

    pub(super) fn is_plausible(&self, replications: u64) -> bool {
        let d = &self.difference;
        d.n <= replications
            && d.mean.is_finite()
            && d.m2.is_finite()
            && d.m2 >= 0.0
            && self.a_higher.saturating_add(self.ties) <= d.n
    }
}

/// The most cell pairs a run keeps paired for the decision. Past it, the
/// decision compares the remaining pairs on their own intervals (unpaired,
/// wider, so its guarantee still holds).
pub const MAX_DUELS: usize = 4096;

/// The cell pairs kept paired: every two policies in every world, and with
/// `decision.worlds` "worst" and stress worlds every two policies across
/// worlds too (each policy is judged in its own worst world), while they
/// stay within [`MAX_DUELS`].
pub fn duel_keys(model: &Model) -> Vec<DuelKey> {
    let (n_p, n_w) = (model.policies.len(), model.worlds.len());
    let across = model.decision.worlds == crate::model::DecisionWorlds::Worst && n_w > 1;
    let cell = |w: usize, p: usize| (w * n_p + p) as u32;
    let mut keys = Vec::new();
    for wa in 0..n_w {
        for wb in 0..n_w {
            if wa != wb && !across {
                continue;
            }
            for pa in 0..n_p {
                for pb in 0..n_p {
                    let (a, b) = (cell(wa, pa), cell(wb, pb));
                    if pa != pb && a < b {
                        keys.push(DuelKey { a, b });
                    }
                }
            }
        }
    }
    if keys.len() > MAX_DUELS && across {
        keys.retain(|k| k.a as usize / n_p == k.b as usize / n_p);
    }
    if keys.len() > MAX_DUELS {
        keys.clear();
    }
    keys.sort_unstable();
    keys
}

impl Results {
    /// Cell `a` minus cell `b` on the objective, if the run kept the pair
    /// (in either order; the duel is turned around when `a > b`).
    pub fn duel(&self, a: usize, b: usize) -> Option<Duel> {
        let key = DuelKey {
            a: a.min(b) as u32,
            b: a.max(b) as u32,
        };
        let d = *self.duels.get(self.duel_keys.binary_search(&key).ok()?)?;
        Some(if a <= b {
            d
        } else {
            let n = d.difference.n;
            Duel {
                difference: Moments {
                    mean: -d.difference.mean,
                    ..d.difference
                },
                a_higher: n - d.a_higher - d.ties,
                ties: d.ties,
            }
        })
    }

    /// Adds one replication's objective to every kept pair of cells.
    pub(super) fn add_duels(
        &mut self,
        objective: crate::metrics::Metric,
        replication: &super::ReplicationMetrics,
    ) {
        let n_p = self.policies;
        let value = |cell: u32| {
            let cell = cell as usize;
            replication[cell / n_p][cell % n_p][objective]
        };
        for (duel, key) in self.duels.iter_mut().zip(&self.duel_keys) {
            duel.push(value(key.a), value(key.b));
        }
    }
}
