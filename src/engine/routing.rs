//! Routing rules: given the eligible candidates for a lead, pick one.
//!
//! Eligibility (who may receive the lead) is decided by the engine, which
//! owns partner state; this module only applies a rule to the candidates.
//! Candidates always arrive in file order, which is what breaks ties. Every
//! rule costs time proportional to the number of candidates.

use rand_distr::{Beta, Distribution};

use super::rng::{Purpose, Streams};
use crate::model::{Partner, Rule};

/// What the learning rules know about a partner: only outcomes that have
/// already happened in the simulation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Learning {
    /// Leads resolved for this partner: disqualified at contact, closed won
    /// or lost, or taken back by an SLA (a loss).
    pub resolved: u32,
    pub wins: u32,
    /// Observed times from assignment to first contact (an SLA take-back
    /// counts as the SLA's hours: the partner was at least that slow).
    pub response_sum_hours: f64,
    pub responses: u32,
}

impl Learning {
    /// Posterior mean of wins per resolved lead, from a Beta prior worth 2
    /// leads centred on the partner's declared mean.
    pub fn win_rate_mean(&self, prior: f64) -> f64 {
        (2.0 * prior + self.wins as f64) / (2.0 + self.resolved as f64)
    }

    /// Beta posterior parameters (alpha, beta) of wins per resolved lead.
    pub fn win_rate_posterior(&self, prior: f64) -> (f64, f64) {
        (
            2.0 * prior + self.wins as f64,
            2.0 * (1.0 - prior) + (self.resolved - self.wins) as f64,
        )
    }

    /// Mean first-response time, with the declared median as one prior
    /// observation.
    pub fn response_mean(&self, prior_median: f64) -> f64 {
        (prior_median + self.response_sum_hours) / (1.0 + self.responses as f64)
    }
}

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
    /// Learning rules: what has been observed of each partner, and priors.
    pub learning: &'a [Learning],
    pub partners: &'a [Partner],
    /// Random draws (`weighted`, `thompson`) are keyed by lead and attempt.
    pub streams: Streams,
    pub lead: u64,
    pub attempt: u64,
}

/// The first candidate with the best `value` (lowest when `lowest`).
fn best_by(candidates: &[u32], lowest: bool, mut value: impl FnMut(u32) -> f64) -> Option<u32> {
    let mut best: Option<(u32, f64)> = None;
    for &p in candidates {
        let v = value(p);
        let better = match best {
            None => true,
            Some((_, b)) if lowest => v < b,
            Some((_, b)) => v > b,
        };
        if better {
            best = Some((p, v));
        }
    }
    best.map(|(p, _)| p)
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
                let u = c.streams.uniform(Purpose::Route, c.lead, c.attempt);
                let mut target = u * total;
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
            Rule::LeastLoaded => best_by(c.candidates, true, |p| (c.load)(p)),
            Rule::Fastest => best_by(c.candidates, true, |p| {
                c.learning[p as usize].response_mean(c.partners[p as usize].response_median_hours)
            }),
            Rule::BestWinRate => best_by(c.candidates, false, |p| {
                c.learning[p as usize].win_rate_mean(c.partners[p as usize].prior_win_rate)
            }),
            Rule::Thompson => {
                let mut rng = c.streams.rng(Purpose::Route, c.lead, c.attempt);
                best_by(c.candidates, false, |p| {
                    let (a, b) = c.learning[p as usize]
                        .win_rate_posterior(c.partners[p as usize].prior_win_rate);
                    // a, b > 0 always (the prior is kept inside (0, 1)).
                    Beta::new(a, b).map_or(a / (a + b), |beta| beta.sample(&mut rng))
                })
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

    struct Fixture {
        weights: Vec<f64>,
        learning: Vec<Learning>,
        partners: Vec<Partner>,
    }

    fn partner(prior: f64, median: f64) -> Partner {
        let text = r#"{"name": "x", "leads": {}, "partners": [{"name": "a"}], "policies": [{"name": "p"}]}"#;
        let mut p = crate::load_text(text, std::path::Path::new("t.json"))
            .unwrap()
            .partners
            .remove(0);
        p.prior_win_rate = prior;
        p.response_median_hours = median;
        p
    }

    fn fixture(n: usize) -> Fixture {
        Fixture {
            weights: vec![1.0; n],
            learning: vec![Learning::default(); n],
            partners: (0..n).map(|_| partner(0.1, 4.0)).collect(),
        }
    }

    fn choose(
        s: &mut RuleState,
        rule: Rule,
        f: &Fixture,
        candidates: &[u32],
        lead: u64,
        load: &dyn Fn(u32) -> f64,
    ) -> Option<u32> {
        let c = Choice {
            candidates,
            weights: &f.weights,
            load,
            learning: &f.learning,
            partners: &f.partners,
            streams: Streams::new(9),
            lead,
            attempt: 0,
        };
        s.pick(rule, &c)
    }

    #[test]
    fn round_robin_takes_the_next_after_the_last_and_wraps() {
        let f = fixture(5);
        let mut s = RuleState::default();
        let all = [0, 1, 2, 3, 4];
        let picks: Vec<u32> = (0..7)
            .map(|i| choose(&mut s, Rule::RoundRobin, &f, &all, i, &|_| 0.0).unwrap())
            .collect();
        assert_eq!(picks, vec![0, 1, 2, 3, 4, 0, 1]);
        // Partner 2 is ineligible now: after 1 comes 3.
        assert_eq!(
            choose(&mut s, Rule::RoundRobin, &f, &[0, 1, 3, 4], 8, &|_| 0.0),
            Some(3)
        );
    }

    #[test]
    fn weighted_follows_the_weights() {
        let mut f = fixture(3);
        f.weights = vec![1.0, 0.0, 3.0];
        let mut s = RuleState::default();
        let mut counts = [0u32; 3];
        for lead in 0..40_000 {
            counts[choose(&mut s, Rule::Weighted, &f, &[0, 1, 2], lead, &|_| 0.0).unwrap()
                as usize] += 1;
        }
        assert_eq!(counts[1], 0);
        // Share of partner 0 is 1/4; its standard error over 40,000 draws is
        // 0.0022, so 0.011 is 5 standard errors.
        assert!(
            (counts[0] as f64 / 40_000.0 - 0.25).abs() < 0.011,
            "{counts:?}"
        );
        assert_eq!(choose(&mut s, Rule::Weighted, &f, &[1], 0, &|_| 0.0), None);
    }

    #[test]
    fn least_loaded_breaks_ties_in_file_order() {
        let f = fixture(4);
        let mut s = RuleState::default();
        let loads = [0.5, 0.25, 0.25, 0.9];
        assert_eq!(
            choose(&mut s, Rule::LeastLoaded, &f, &[0, 1, 2, 3], 0, &|p| loads
                [p as usize]),
            Some(1)
        );
    }

    #[test]
    fn learning_rules_use_posteriors_with_a_two_lead_prior() {
        let mut f = fixture(3);
        // Partner 1: 3 wins in 10 resolved; partner 2: 1 in 10.
        f.learning[1] = Learning {
            resolved: 10,
            wins: 3,
            response_sum_hours: 10.0,
            responses: 4,
        };
        f.learning[2] = Learning {
            resolved: 10,
            wins: 1,
            response_sum_hours: 40.0,
            responses: 4,
        };
        // Posterior means: (0.2 + 0) / 2 = 0.1, (0.2 + 3) / 12 = 0.267, (0.2 + 1) / 12 = 0.1.
        assert!((f.learning[1].win_rate_mean(0.1) - 3.2 / 12.0).abs() < 1e-12);
        let mut s = RuleState::default();
        assert_eq!(
            choose(&mut s, Rule::BestWinRate, &f, &[0, 1, 2], 0, &|_| 0.0),
            Some(1)
        );
        // Fastest: (4 + 10) / 5 = 2.8 h beats the prior 4 h and (4 + 40) / 5.
        assert_eq!(
            choose(&mut s, Rule::Fastest, &f, &[0, 1, 2], 0, &|_| 0.0),
            Some(1)
        );
        assert_eq!(
            choose(&mut s, Rule::Fastest, &f, &[0, 2], 0, &|_| 0.0),
            Some(0)
        );
        // Thompson mostly picks partner 1 but still explores.
        let mut counts = [0u32; 3];
        for lead in 0..2000 {
            counts[choose(&mut s, Rule::Thompson, &f, &[0, 1, 2], lead, &|_| 0.0).unwrap()
                as usize] += 1;
        }
        assert!(counts[1] > counts[0] && counts[1] > counts[2], "{counts:?}");
        assert!(counts[0] > 0 && counts[2] > 0, "{counts:?}");
    }
}
