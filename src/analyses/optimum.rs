//! `leadsim optimize`'s choice: the best feasible settings of the search
//! compared again on fresh replications with Kim and Nelson's procedure
//! (a stated probability of correct selection), the winner written out as
//! a drop-in policy, and the final paired comparison with the original.

use anyhow::{bail, Context};
use serde_json::Value;

use super::optimize::{
    Prepared, Search, FINALISTS, SELECTION_ALPHA, SELECTION_MAX_REPLICATIONS, SELECTION_N0,
};
use crate::model::Model;

/// The selection among the best feasible settings.
pub struct Chosen {
    /// Indices into the search's evaluations, best search score first.
    pub finalists: Vec<usize>,
    pub selection: crate::stats::selection::Selection,
    /// The indifference zone in the objective's units.
    pub delta: f64,
}

impl Chosen {
    /// The chosen evaluation.
    pub fn best(&self) -> usize {
        self.finalists[self.selection.chosen]
    }
}

/// Compares the best feasible settings again on fresh replications (a seed
/// derived from the run's), with Kim and Nelson's procedure.
pub fn select(prepared: &Prepared, search: &Search) -> anyhow::Result<Option<Chosen>> {
    let mut feasible: Vec<usize> = (0..search.evaluations.len())
        .filter(|&i| search.evaluations[i].feasible)
        .collect();
    feasible.sort_by(|&a, &b| {
        prepared
            .rank_key(&search.evaluations[a])
            .total_cmp(&prepared.rank_key(&search.evaluations[b]))
            .then(a.cmp(&b))
    });
    feasible.truncate(FINALISTS);
    let Some(&first) = feasible.first() else {
        return Ok(None);
    };
    let scale = search.evaluations[first].score.abs();
    let delta = if scale > 0.0 {
        prepared.problem.delta * scale
    } else {
        prepared.problem.delta
    };
    let models: Vec<Model> = feasible
        .iter()
        .map(|&i| prepared.model(&search.evaluations[i].values))
        .collect::<anyhow::Result<_>>()?;
    let seed = crate::engine::rng::key(&[prepared.problem.seed, 0x005E_1EC7]);
    let objective = prepared.problem.objective;
    let mut undefined = None;
    let selection = crate::runner::in_pool(prepared.problem.threads, || {
        crate::stats::selection::kim_nelson(
            models.len(),
            SELECTION_N0,
            SELECTION_ALPHA,
            delta,
            SELECTION_MAX_REPLICATIONS,
            &mut |pairs| {
                use rayon::prelude::*;
                // The worst judged world of each replication, larger is
                // better; the pairs of a round are simulated in parallel.
                let values: Vec<f64> = pairs
                    .par_iter()
                    .map_init(crate::engine::Scratch::default, |scratch, &(i, r)| {
                        let metrics =
                            crate::runner::replication_metrics(&models[i], seed, r, scratch);
                        prepared.worst_world_value(&metrics)
                    })
                    .collect();
                for (&(i, _), v) in pairs.iter().zip(&values) {
                    if !v.is_finite() {
                        undefined.get_or_insert(feasible[i]);
                    }
                }
                values
                    .into_iter()
                    .map(|v| if v.is_finite() { v } else { 0.0 })
                    .collect()
            },
        )
    })?;
    if let Some(i) = undefined {
        bail!(
            "{} is undefined in a replication of the setting {}: optimise a metric defined in every replication",
            objective,
            prepared.describe(&search.evaluations[i].values)
        );
    }
    Ok(Some(Chosen {
        finalists: feasible,
        selection,
        delta,
    }))
}

impl Prepared {
    /// The winning policy as a drop-in policy object: the original with
    /// the fields set, named `NAME-optimized`, saying how it was found.
    pub fn best_policy(&self, values: &[Value], how: &str) -> anyhow::Result<Value> {
        let doc = self.document(values)?;
        let mut policy = doc["policies"][0].clone();
        policy["name"] = Value::String(self.optimized_name());
        policy["description"] = Value::String(how.to_string());
        Ok(policy)
    }

    pub fn optimized_name(&self) -> String {
        format!("{}-optimized", self.problem.policy)
    }

    /// The original scenario with the optimised policy added after the
    /// original one, the original as the baseline, and no assertions: the
    /// final paired comparison.
    /// The constraints the original policy itself does not meet in the
    /// final comparison (`summary`, the original as its first policy), in
    /// the judged worlds: a sentence each, to print beside the comparison.
    pub fn original_violations(&self, summary: &crate::summary::Summary) -> Vec<String> {
        let mut out = Vec::new();
        for w in self.judged_worlds() {
            if w * summary.policies() >= summary.cells.len() {
                break;
            }
            let cell = summary.cell(w, 0);
            for c in &self.problem.constraints {
                let unit = c.metric.unit();
                let shown = match cell.metrics[c.metric] {
                    None => Some("undefined".to_string()),
                    Some(e) => {
                        let (lo, hi) = e.ci95.unwrap_or((e.mean, e.mean));
                        let unmet = if c.at_most {
                            hi > c.bound
                        } else {
                            lo < c.bound
                        };
                        unmet.then(|| {
                            format!(
                                "{} (95% CI {} to {})",
                                crate::format::human(e.mean, unit),
                                crate::format::human(lo, unit),
                                crate::format::human(hi, unit)
                            )
                        })
                    }
                };
                if let Some(shown) = shown {
                    out.push(format!(
                        "The original policy {} does not meet {c} itself{}: {shown}.",
                        self.problem.policy,
                        if self.problem.all_worlds {
                            format!(" in world {}", cell.world)
                        } else {
                            String::new()
                        }
                    ));
                }
            }
        }
        out
    }

    pub fn comparison(&self, policy: Value) -> anyhow::Result<Model> {
        let mut doc = self.original.clone();
        let original = doc["policies"]
            .as_array()
            .and_then(|ps| {
                ps.iter()
                    .find(|p| p.get("name").and_then(Value::as_str) == Some(&self.problem.policy))
            })
            .cloned()
            .context("the policy is in the scenario")?;
        doc["policies"] = Value::Array(vec![original, policy]);
        doc["baseline"] = Value::String(self.problem.policy.clone());
        if let Some(map) = doc.as_object_mut() {
            map.remove("expect");
        }
        crate::scenario::load::load_text_with(&doc.to_string(), &self.file, &self.options)
            .map_err(|e| anyhow::anyhow!("{}: the final comparison: {e}", self.file.display()))
    }
}
