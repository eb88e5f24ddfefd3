//! `leadsim diff OLD NEW`: which metrics moved beyond their confidence
//! intervals between two runs' summary.json, for the reviewer of a
//! scenario change. Reads only the stable JSON interface.

use crate::format::file_number;
use crate::report::json::SummaryJson;

/// One metric of one policy in one world that moved.
#[derive(Debug, Clone, PartialEq)]
pub struct Moved {
    pub policy: String,
    pub world: String,
    pub metric: String,
    pub old: (f64, [f64; 2]),
    pub new: (f64, [f64; 2]),
}

/// What changed between two summaries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    pub moved: Vec<Moved>,
    /// Compared metrics (defined in both, with intervals).
    pub compared: usize,
    /// "policy in world" present in only one of the two.
    pub only_old: Vec<String>,
    pub only_new: Vec<String>,
}

/// Compares `old` and `new`: a metric moved when its two 95 % intervals do
/// not overlap.
pub fn diff(old: &SummaryJson, new: &SummaryJson) -> Diff {
    let mut d = Diff::default();
    let label = |policy: &str, world: &str| format!("{policy} in {world}");
    for o in &old.results {
        let Some(n) = new
            .results
            .iter()
            .find(|n| n.policy == o.policy && n.world == o.world)
        else {
            d.only_old.push(label(&o.policy, &o.world));
            continue;
        };
        for (metric, os) in &o.metrics.0 {
            let Some(ns) = n.metrics.get(metric) else {
                continue;
            };
            let (Some(om), Some(oc), Some(nm), Some(nc)) = (os.mean, os.ci95, ns.mean, ns.ci95)
            else {
                continue;
            };
            d.compared += 1;
            if nc[0] > oc[1] || nc[1] < oc[0] {
                d.moved.push(Moved {
                    policy: o.policy.clone(),
                    world: o.world.clone(),
                    metric: metric.clone(),
                    old: (om, oc),
                    new: (nm, nc),
                });
            }
        }
    }
    for n in &new.results {
        if !old
            .results
            .iter()
            .any(|o| o.policy == n.policy && o.world == n.world)
        {
            d.only_new.push(label(&n.policy, &n.world));
        }
    }
    d
}

/// The diff for a terminal.
pub fn render(d: &Diff) -> String {
    let mut out = String::new();
    for m in &d.moved {
        out.push_str(&format!(
            "moved  {} / {} / {}: {} [{}, {}] -> {} [{}, {}]\n",
            m.policy,
            m.world,
            m.metric,
            file_number(m.old.0),
            file_number(m.old.1[0]),
            file_number(m.old.1[1]),
            file_number(m.new.0),
            file_number(m.new.1[0]),
            file_number(m.new.1[1]),
        ));
    }
    for s in &d.only_old {
        out.push_str(&format!("removed  {s}\n"));
    }
    for s in &d.only_new {
        out.push_str(&format!("added  {s}\n"));
    }
    out.push_str(&format!(
        "{} of {} metrics moved beyond their 95% confidence intervals\n",
        d.moved.len(),
        d.compared
    ));
    out
}
