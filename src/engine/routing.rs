//! Routing rules: given the eligible candidates for a lead, pick one.
//!
//! Eligibility (who may receive the lead) is decided by the engine, which
//! owns partner state; this module only applies a rule to the candidates.
//! Candidates always arrive in file order, which is what breaks ties.

use crate::model::Rule;

/// Per-group memory a rule keeps between leads (one group per score tier).
#[derive(Debug, Clone, Default)]
pub struct RuleState {
    /// The partner `round_robin` chose last in this group.
    last: Option<u32>,
}

/// What a rule may look at when choosing.
pub struct Choice<'a> {
    /// Eligible partner indices, ascending (file order).
    pub candidates: &'a [u32],
    /// `weighted`: weight of each partner, by partner index.
    pub weights: &'a [f64],
    /// `least_loaded`: (working + queued) / capacity, by partner index.
    pub load: &'a dyn Fn(u32) -> f64,
    /// `weighted`: one uniform draw in [0, 1) keyed by lead and attempt.
    pub uniform: f64,
}

impl RuleState {
    /// The chosen partner, or `None` when no candidate can be chosen
    /// (no candidates, or every candidate's `weighted` weight is 0).
    pub fn pick(&mut self, rule: Rule, c: &Choice) -> Option<u32> {
        let chosen = match rule {
            Rule::RoundRobin => {
                let after = self.last;
                c.candidates
                    .iter()
                    .copied()
                    .find(|&p| after.is_none_or(|last| p > last))
                    .or_else(|| c.candidates.first().copied())
            }
            Rule::Weighted => {
                let total: f64 = c.candidates.iter().map(|&p| c.weights[p as usize]).sum();
                if total <= 0.0 {
                    return None;
                }
                let mut target = c.uniform * total;
                let mut chosen = None;
                for &p in c.candidates {
                    let w = c.weights[p as usize];
                    if w <= 0.0 {
                        continue;
                    }
                    chosen = Some(p);
                    if target < w {
                        break;
                    }
                    target -= w;
                }
                chosen
            }
            Rule::LeastLoaded => {
                let mut best: Option<(u32, f64)> = None;
                for &p in c.candidates {
                    let load = (c.load)(p);
                    if best.is_none_or(|(_, b)| load < b) {
                        best = Some((p, load));
                    }
                }
                best.map(|(p, _)| p)
            }
        };
        if chosen.is_some() {
            self.last = chosen;
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice<'a>(
        candidates: &'a [u32],
        weights: &'a [f64],
        load: &'a dyn Fn(u32) -> f64,
        u: f64,
    ) -> Choice<'a> {
        Choice {
            candidates,
            weights,
            load,
            uniform: u,
        }
    }

    #[test]
    fn round_robin_takes_the_next_after_the_last_and_wraps() {
        let mut s = RuleState::default();
        let w = [1.0; 5];
        let load = |_| 0.0;
        let all = [0, 1, 2, 3, 4];
        let picks: Vec<u32> = (0..7)
            .map(|_| {
                s.pick(Rule::RoundRobin, &choice(&all, &w, &load, 0.0))
                    .unwrap()
            })
            .collect();
        assert_eq!(picks, vec![0, 1, 2, 3, 4, 0, 1]);
        // Partner 2 is ineligible now: after 1 comes 3.
        assert_eq!(
            s.pick(Rule::RoundRobin, &choice(&[0, 1, 3, 4], &w, &load, 0.0)),
            Some(3)
        );
    }

    #[test]
    fn weighted_splits_the_unit_interval_by_weight() {
        let mut s = RuleState::default();
        let w = [1.0, 0.0, 3.0];
        let load = |_| 0.0;
        let c = [0, 1, 2];
        assert_eq!(s.pick(Rule::Weighted, &choice(&c, &w, &load, 0.2)), Some(0));
        assert_eq!(
            s.pick(Rule::Weighted, &choice(&c, &w, &load, 0.26)),
            Some(2)
        );
        assert_eq!(
            s.pick(Rule::Weighted, &choice(&c, &w, &load, 0.999)),
            Some(2)
        );
        assert_eq!(s.pick(Rule::Weighted, &choice(&[1], &w, &load, 0.5)), None);
    }

    #[test]
    fn least_loaded_breaks_ties_in_file_order() {
        let mut s = RuleState::default();
        let w = [1.0; 4];
        let loads = [0.5, 0.25, 0.25, 0.9];
        let load = |p: u32| loads[p as usize];
        assert_eq!(
            s.pick(Rule::LeastLoaded, &choice(&[0, 1, 2, 3], &w, &load, 0.0)),
            Some(1)
        );
    }
}
