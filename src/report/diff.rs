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
    /// "policy / world / metric" with a value in only one of the two (a
    /// metric missing, or undefined, on one side): a change too.
    pub metric_only_old: Vec<String>,
    pub metric_only_new: Vec<String>,
}

impl Diff {
    /// Whether anything differs beyond the intervals.
    pub fn changed(&self) -> bool {
        !(self.moved.is_empty()
            && self.only_old.is_empty()
            && self.only_new.is_empty()
            && self.metric_only_old.is_empty()
            && self.metric_only_new.is_empty())
    }
}

/// Refuses a summary that lists one policy in one world twice: which entry
/// to compare would be a guess.
pub fn check(summary: &SummaryJson, which: &str) -> Result<(), String> {
    for (i, r) in summary.results.iter().enumerate() {
        if summary.results[..i]
            .iter()
            .any(|o| o.policy == r.policy && o.world == r.world)
        {
            return Err(format!(
                "{which} lists policy {} in world {} twice",
                crate::format::quote_value(&r.policy),
                crate::format::quote_value(&r.world)
            ));
        }
    }
    Ok(())
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
        let at = |metric: &str| format!("{} / {} / {metric}", o.policy, o.world);
        for (metric, os) in &o.metrics.0 {
            let ns = n.metrics.get(metric);
            let (old_defined, new_defined) =
                (os.mean.is_some(), ns.is_some_and(|s| s.mean.is_some()));
            if old_defined && !new_defined {
                d.metric_only_old.push(at(metric));
                continue;
            }
            if new_defined && !old_defined {
                d.metric_only_new.push(at(metric));
                continue;
            }
            let Some(ns) = ns else { continue };
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
        if let Some(o) = old
            .results
            .iter()
            .find(|o| o.policy == n.policy && o.world == n.world)
        {
            for (metric, ns) in &n.metrics.0 {
                if ns.mean.is_some() && o.metrics.get(metric).is_none() {
                    d.metric_only_new
                        .push(format!("{} / {} / {metric}", n.policy, n.world));
                }
            }
        }
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
    for s in &d.metric_only_old {
        out.push_str(&format!(
            "gone  {s}: a value in the old summary, none in the new\n"
        ));
    }
    for s in &d.metric_only_new {
        out.push_str(&format!(
            "new  {s}: a value in the new summary, none in the old\n"
        ));
    }
    out.push_str(&format!(
        "{} of {} metrics moved beyond their 95% confidence intervals\n",
        d.moved.len(),
        d.compared
    ));
    out
}
