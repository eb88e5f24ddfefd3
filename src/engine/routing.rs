//! Routing rules: given the eligible candidates for a lead, pick one, or
//! (for an offer round, by the rules that need no draw) rank the first `k`.
//!
//! Eligibility (who may receive the lead) is decided by the engine, which
//! owns partner state; this module only applies a rule to the candidates.
//! Candidates always arrive in file order, which is what breaks ties. Every
//! choice costs time proportional to the number of candidates; a ranking by
//! least load, to that times `k`.

use rand::Rng;
use rand_distr::{Distribution, Gamma};

use super::rng::{Purpose, Streams};
use crate::model::Rule;

/// What the learning rules know about a partner: only outcomes that have
/// already happened in the simulation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Learning {
    /// The prior: the declared mean `qualify_rate x win_rate`, worth 2
    /// leads, and the declared median response time, worth 1 response.
    pub prior_win_rate: f64,
    pub prior_response_hours: f64,
    /// Leads resolved for this partner: disqualified at contact, closed won
    /// or lost, or taken back by an SLA (a loss).
    pub resolved: u32,
    pub wins: u32,
    /// Observed times from assignment to first contact (an SLA take-back
    /// counts as the SLA's hours: the partner was at least that slow).
    pub response_sum_hours: f64,
    pub responses: u32,
    /// `thompson`'s sampler for the current posterior, built on first use
    /// and dropped when an outcome changes the posterior: a partner is a
    /// candidate far more often than it resolves a lead.
    posterior: Option<Posterior>,
}

impl Learning {
    pub fn new(prior_win_rate: f64, prior_response_hours: f64) -> Self {
        Learning {
            prior_win_rate,
            prior_response_hours,
            ..Learning::default()
        }
    }

    /// A lead resolved for this partner, won or not.
    pub fn resolved(&mut self, won: bool) {
        self.resolved += 1;
        self.wins += won as u32;
        self.posterior = None;
    }

    /// A first response (or an SLA deadline) observed after `hours`.
    pub fn responded(&mut self, hours: f64) {
        self.response_sum_hours += hours;
        self.responses += 1;
    }

    /// True when the posterior's first parameter is below 1 (no win yet
    /// and a prior mean below 1/2): its draws are computed with a power.
    fn needs_boost(&self) -> bool {
        2.0 * self.prior_win_rate + (self.wins as f64) < 1.0
    }

    /// One draw from the Beta(a, b) posterior of wins per resolved lead,
    /// or any value <= `to_beat` when the draw cannot exceed `to_beat`.
    ///
    /// Beta(a, b) = X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b) (Devroye,
    /// Non-Uniform Random Variate Generation, 1986, IX.4.1); for a < 1,
    /// X = G U^(1/a) with G ~ Gamma(a + 1), U uniform (Marsaglia & Tsang
    /// 2000, section 6). Since U^(1/a) <= 1, G / (G + Y) bounds the draw, so
    /// U and the power are only drawn when that bound could win. Skipping
    /// them changes which numbers later candidates get, not their
    /// distribution: every draw is still independent of the others.
    fn thompson_draw(&mut self, rng: &mut rand_pcg::Pcg64Mcg, to_beat: f64) -> f64 {
        let (a, b) = self.win_rate_posterior();
        if self.posterior.is_none() {
            self.posterior = Posterior::new(a, b);
        }
        let Some(posterior) = &self.posterior else {
            return a / (a + b);
        };
        let g = posterior.x.sample(rng);
        let y = posterior.y.sample(rng);
        let bound = g / (g + y);
        match posterior.boost {
            None => bound,
            Some(_) if bound <= to_beat => bound,
            Some(inverse_a) => {
                let x = g * rng.random::<f64>().powf(inverse_a);
                x / (x + y)
            }
        }
    }

    /// Posterior mean of wins per resolved lead, from a Beta prior worth 2
    /// leads centred on the partner's declared mean.
    pub fn win_rate_mean(&self) -> f64 {
        (2.0 * self.prior_win_rate + self.wins as f64) / (2.0 + self.resolved as f64)
    }

    /// Beta posterior parameters (alpha, beta) of wins per resolved lead.
    pub fn win_rate_posterior(&self) -> (f64, f64) {
        (
            2.0 * self.prior_win_rate + self.wins as f64,
            2.0 * (1.0 - self.prior_win_rate) + (self.resolved - self.wins) as f64,
        )
    }

    /// Mean first-response time, with the declared median as one prior
    /// observation.
    pub fn response_mean(&self) -> f64 {
        (self.prior_response_hours + self.response_sum_hours) / (1.0 + self.responses as f64)
    }
}

/// The gamma samplers behind one Beta(a, b) posterior.
#[derive(Debug, Clone, Copy)]
struct Posterior {
    /// Gamma(a), or Gamma(a + 1) when a < 1 (see `boost`).
    x: Gamma<f64>,
    y: Gamma<f64>,
    /// 1 / a when a < 1.
    boost: Option<f64>,
}

impl Posterior {
    fn new(a: f64, b: f64) -> Option<Posterior> {
        let boost = (a < 1.0).then(|| 1.0 / a);
        let x_shape = if a < 1.0 { a + 1.0 } else { a };
        Some(Posterior {
            x: Gamma::new(x_shape, 1.0).ok()?,
            y: Gamma::new(b, 1.0).ok()?,
            boost,
        })
    }
}

/// Per-group memory a rule keeps between leads (one group per score tier).
#[derive(Debug, Clone, Default)]
pub struct RuleState {
    /// The partner `round_robin` chose last in this group.
    last: Option<u32>,
}

/// The eligible partners for a choice, in file order: a list, or a set of
/// partners as bits (partner `p` is bit `p`, so at most 64 partners). A
/// routing with fixed eligibility takes its segment's pool as bits with the
/// lead's earlier holders and offered partners cleared, instead of copying
/// the pool without them.
#[derive(Debug, Clone, Copy)]
pub enum Candidates<'a> {
    List(&'a [u32]),
    Bits(u64),
}

impl<'a> Candidates<'a> {
    /// Every partner on `list` (ascending).
    pub fn all(list: &'a [u32]) -> Self {
        Candidates::List(list)
    }

    /// How many candidates there are.
    pub fn len(&self) -> usize {
        match self {
            Candidates::List(list) => list.len(),
            Candidates::Bits(bits) => bits.count_ones() as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The candidates, in file order.
    #[inline]
    pub fn iter(&self) -> CandidateIter<'a> {
        match *self {
            Candidates::List(list) => CandidateIter::List(list.iter()),
            Candidates::Bits(bits) => CandidateIter::Bits(bits),
        }
    }
}

/// [`Candidates::iter`].
#[derive(Clone)]
pub enum CandidateIter<'a> {
    List(std::slice::Iter<'a, u32>),
    Bits(u64),
}

impl Iterator for CandidateIter<'_> {
    type Item = u32;

    #[inline]
    fn next(&mut self) -> Option<u32> {
        match self {
            CandidateIter::List(list) => list.next().copied(),
            CandidateIter::Bits(bits) => {
                if *bits == 0 {
                    return None;
                }
                let p = bits.trailing_zeros();
                *bits &= *bits - 1;
                Some(p)
            }
        }
    }
}

/// The bits of `bits` above bit `last` (all of them when there is no last).
#[inline]
fn bits_after(bits: u64, last: Option<u32>) -> u64 {
    match last {
        // Bits 0..=last cleared; none left when `last` is 63 or more.
        Some(last) => bits & 2u64.checked_shl(last).map_or(0, |b| b.wrapping_neg()),
        None => bits,
    }
}

/// The key of a routing's `draw`-th random choice (0 for its first): the
/// routing attempt alone for the first, so a routing that makes one choice
/// draws as it always did, and the attempt with the choice's number above
/// it for the later choices of an offer routing (attempts stay below 2^16).
#[inline]
pub fn draw_key(attempt: u64, draw: u64) -> u64 {
    attempt | (draw << 32)
}

/// What a rule may look at when choosing. `L` reads a partner's load
/// (generic, so the rule's pass over the candidates calls it inline).
pub struct Choice<'a, L: Fn(u32) -> (u64, u64) + ?Sized> {
    /// Eligible partner indices, ascending (file order).
    pub candidates: Candidates<'a>,
    /// `weighted`: weight of each partner, by partner index.
    pub weights: &'a [f64],
    /// `least_loaded`: (working + queued, capacity), by partner index.
    pub load: &'a L,
    /// Learning rules: what has been observed of each partner, and priors.
    pub learning: &'a mut [Learning],
    /// Random draws (`weighted`, `thompson`) are keyed by lead and by
    /// `attempt`: the routing attempt and the choice's number in it
    /// ([`draw_key`]).
    pub streams: &'a Streams,
    pub lead: u64,
    pub attempt: u64,
}

/// The first candidate with the best `value` (lowest when `lowest`).
fn best_by(candidates: Candidates, lowest: bool, mut value: impl FnMut(u32) -> f64) -> Option<u32> {
    let mut best: Option<(u32, f64)> = None;
    for p in candidates.iter() {
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
    pub fn pick<L: Fn(u32) -> (u64, u64) + ?Sized>(
        &mut self,
        rule: Rule,
        c: &mut Choice<L>,
    ) -> Option<u32> {
        let chosen = match rule {
            Rule::RoundRobin => match c.candidates {
                Candidates::Bits(bits) => {
                    let after = bits_after(bits, self.last);
                    let from = if after != 0 { after } else { bits };
                    (from != 0).then(|| from.trailing_zeros())
                }
                Candidates::List(list) => {
                    let after = self.last;
                    list.iter()
                        .copied()
                        .find(|&p| after.is_none_or(|last| p > last))
                        .or_else(|| list.first().copied())
                }
            },
            Rule::Weighted => {
                let total: f64 = c.candidates.iter().map(|p| c.weights[p as usize]).sum();
                if total <= 0.0 {
                    return None;
                }
                let u = c.streams.uniform(Purpose::Route, c.lead, c.attempt);
                let mut target = u * total;
                let mut chosen = None;
                for p in c.candidates.iter() {
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
                // Compared as fractions by cross-multiplying: exact, no
                // division, and equal loads tie (to file order).
                let mut best: Option<(u32, u64, u64)> = None;
                for p in c.candidates.iter() {
                    let (num, den) = (c.load)(p);
                    if best.is_none_or(|(_, bn, bd)| num * bd < bn * den) {
                        best = Some((p, num, den));
                    }
                }
                best.map(|(p, _, _)| p)
            }
            Rule::Fastest => best_by(c.candidates, true, |p| {
                c.learning[p as usize].response_mean()
            }),
            Rule::BestWinRate => best_by(c.candidates, false, |p| {
                c.learning[p as usize].win_rate_mean()
            }),
            Rule::Thompson => {
                // Partners with a win first: their draws set a high bar
                // early, which lets most draws of partners without one skip
                // their power. The order changes no draw's distribution.
                let mut rng = c.streams.rng(Purpose::Route, c.lead, c.attempt);
                let mut best: Option<(u32, f64)> = None;
                for boosted in [false, true] {
                    for p in c.candidates.iter() {
                        let learning = &mut c.learning[p as usize];
                        if learning.needs_boost() != boosted {
                            continue;
                        }
                        let to_beat = best.map_or(f64::NEG_INFINITY, |(_, v)| v);
                        let draw = learning.thompson_draw(&mut rng, to_beat);
                        if draw > to_beat {
                            best = Some((p, draw));
                        }
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

    /// Up to `k` choices among `candidates`, best first, appended to `out`:
    /// exactly what `k` calls of [`Self::pick`] would choose if each choice
    /// were removed from the candidates before the next, in one pass. Only
    /// for rules whose choices among fixed candidates need no draw:
    /// `round_robin` (the candidates in turn from the one after the last
    /// chosen) and `least_loaded` (the candidates by load, ties in file
    /// order); `false`, with nothing done, for any other rule.
    pub fn rank<L: Fn(u32) -> (u64, u64) + ?Sized>(
        &mut self,
        rule: Rule,
        candidates: Candidates,
        load: &L,
        k: usize,
        out: &mut Vec<u32>,
    ) -> bool {
        let n = k.min(candidates.len());
        match rule {
            Rule::RoundRobin => match candidates {
                // From the first after the last chosen, wrapping round.
                Candidates::Bits(bits) => {
                    let after = bits_after(bits, self.last);
                    out.extend(
                        CandidateIter::Bits(after)
                            .chain(CandidateIter::Bits(bits & !after))
                            .take(n),
                    );
                }
                Candidates::List(list) => {
                    let start = self
                        .last
                        .and_then(|last| list.iter().position(|&p| p > last))
                        .unwrap_or(0);
                    out.extend((0..n).map(|i| list[(start + i) % list.len()]));
                }
            },
            Rule::LeastLoaded => {
                // The n lowest loads, kept sorted as they come: a candidate
                // goes before the first kept one whose load is strictly
                // higher, so equal loads keep file order.
                let from = out.len();
                let lower = |p: u32, q: u32| {
                    let ((pn, pd), (qn, qd)) = (load(p), load(q));
                    pn * qd < qn * pd
                };
                for p in candidates.iter() {
                    let kept = out.len() - from;
                    if kept == n {
                        // Full: p enters only below the highest kept.
                        if n == 0 || !lower(p, out[out.len() - 1]) {
                            continue;
                        }
                        out.pop();
                    }
                    // Insertion: p moves down past every kept one it is
                    // strictly below.
                    out.push(p);
                    let mut i = out.len() - 1;
                    while i > from && lower(p, out[i - 1]) {
                        out.swap(i, i - 1);
                        i -= 1;
                    }
                }
            }
            _ => return false,
        }
        if let Some(&last) = out.last().filter(|_| n > 0) {
            self.last = Some(last);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture {
        weights: Vec<f64>,
        learning: Vec<Learning>,
    }

    fn fixture(n: usize) -> Fixture {
        Fixture {
            weights: vec![1.0; n],
            learning: vec![Learning::new(0.1, 4.0); n],
        }
    }

    fn choose(
        s: &mut RuleState,
        rule: Rule,
        f: &mut Fixture,
        candidates: &[u32],
        lead: u64,
        load: &dyn Fn(u32) -> (u64, u64),
    ) -> Option<u32> {
        let mut c = Choice {
            candidates: Candidates::all(candidates),
            weights: &f.weights,
            load,
            learning: &mut f.learning,
            streams: &Streams::new(9),
            lead,
            attempt: 0,
        };
        s.pick(rule, &mut c)
    }

    #[test]
    fn round_robin_takes_the_next_after_the_last_and_wraps() {
        let mut f = fixture(5);
        let mut s = RuleState::default();
        let all = [0, 1, 2, 3, 4];
        let picks: Vec<u32> = (0..7)
            .map(|i| choose(&mut s, Rule::RoundRobin, &mut f, &all, i, &|_| (0, 1)).unwrap())
            .collect();
        assert_eq!(picks, vec![0, 1, 2, 3, 4, 0, 1]);
        // Partner 2 is ineligible now: after 1 comes 3.
        assert_eq!(
            choose(&mut s, Rule::RoundRobin, &mut f, &[0, 1, 3, 4], 8, &|_| (
                0, 1
            )),
            Some(3)
        );
    }

    #[test]
    fn ranking_at_once_makes_the_choices_of_picking_one_at_a_time() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(3);
        let mut f = fixture(12);
        for case in 0..5_000 {
            // Ascending candidates (file order), small loads so ties are
            // common, capacities from 1.
            let candidates: Vec<u32> = (0..12).filter(|_| rng.random_bool(0.6)).collect();
            let loads: Vec<(u64, u64)> = (0..12)
                .map(|_| (rng.random_range(0..4), rng.random_range(1..4)))
                .collect();
            let load = |p: u32| loads[p as usize];
            let last = rng.random_bool(0.8).then(|| rng.random_range(0..12));
            let k = rng.random_range(0..6);
            for rule in [Rule::RoundRobin, Rule::LeastLoaded] {
                let mut at_once = RuleState { last };
                let mut ranked = vec![99];
                assert!(at_once.rank(rule, Candidates::all(&candidates), &load, k, &mut ranked));
                let mut one_by_one = RuleState { last };
                let mut left = candidates.clone();
                let mut picked = vec![99];
                while picked.len() <= k {
                    let Some(p) = choose(&mut one_by_one, rule, &mut f, &left, case, &load) else {
                        break;
                    };
                    picked.push(p);
                    left.retain(|&q| q != p);
                }
                assert_eq!(
                    ranked, picked,
                    "{rule:?} {candidates:?} {loads:?} {last:?} k {k}"
                );
                assert_eq!(at_once.last, one_by_one.last, "{rule:?} {candidates:?}");
            }
            assert!(!RuleState::default().rank(
                Rule::Weighted,
                Candidates::all(&candidates),
                &load,
                k,
                &mut vec![]
            ));
        }
    }

    #[test]
    fn a_set_of_bits_chooses_as_the_list_of_its_partners() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(4);
        let mut f = fixture(12);
        for p in 0..12 {
            f.weights[p] = rng.random_range(0..4) as f64;
            f.learning[p].resolved = rng.random_range(0..6);
            f.learning[p].wins = rng.random_range(0..=f.learning[p].resolved);
            f.learning[p].responses = 1;
            f.learning[p].response_sum_hours = rng.random_range(0..4) as f64;
        }
        let rules = Rule::ALL;
        for case in 0..3_000 {
            let list: Vec<u32> = (0..12).filter(|_| rng.random_bool(0.7)).collect();
            let mask = list.iter().fold(0u64, |m, &p| m | 1 << p);
            let skip: u64 = (0..12)
                .filter(|_| rng.random_bool(0.25))
                .fold(0, |m, p| m | 1 << p);
            let kept: Vec<u32> = list
                .iter()
                .copied()
                .filter(|&p| skip & 1 << p == 0)
                .collect();
            let view = Candidates::Bits(mask & !skip);
            assert_eq!(view.len(), kept.len());
            assert_eq!(view.iter().collect::<Vec<_>>(), kept);
            let loads: Vec<(u64, u64)> = (0..12)
                .map(|_| (rng.random_range(0..4), rng.random_range(1..4)))
                .collect();
            let load = |p: u32| loads[p as usize];
            let last = rng.random_bool(0.8).then(|| rng.random_range(0..12));
            for rule in rules {
                let mut on_view = RuleState { last };
                let mut c = Choice {
                    candidates: view,
                    weights: &f.weights,
                    load: &load,
                    learning: &mut f.learning,
                    streams: &Streams::new(9),
                    lead: case,
                    attempt: 0,
                };
                let from_view = on_view.pick(rule, &mut c);
                let mut on_copy = RuleState { last };
                let from_copy = choose(&mut on_copy, rule, &mut f, &kept, case, &load);
                assert_eq!(from_view, from_copy, "{rule:?} {list:?} skip {skip:b}");
                let k = rng.random_range(0..5);
                let (mut ranked_view, mut ranked_copy) = (vec![], vec![]);
                RuleState { last }.rank(rule, view, &load, k, &mut ranked_view);
                RuleState { last }.rank(rule, Candidates::all(&kept), &load, k, &mut ranked_copy);
                assert_eq!(ranked_view, ranked_copy, "{rule:?} {list:?} skip {skip:b}");
            }
        }
    }

    #[test]
    fn weighted_follows_the_weights() {
        let mut f = fixture(3);
        f.weights = vec![1.0, 0.0, 3.0];
        let mut s = RuleState::default();
        let mut counts = [0u32; 3];
        for lead in 0..40_000 {
            counts[choose(&mut s, Rule::Weighted, &mut f, &[0, 1, 2], lead, &|_| {
                (0, 1)
            })
            .unwrap() as usize] += 1;
        }
        assert_eq!(counts[1], 0);
        // Share of partner 0 is 1/4; its standard error over 40,000 draws is
        // 0.0022, so 0.011 is 5 standard errors.
        assert!(
            (counts[0] as f64 / 40_000.0 - 0.25).abs() < 0.011,
            "{counts:?}"
        );
        assert_eq!(
            choose(&mut s, Rule::Weighted, &mut f, &[1], 0, &|_| (0, 1)),
            None
        );
    }

    #[test]
    fn least_loaded_breaks_ties_in_file_order() {
        let mut f = fixture(4);
        let mut s = RuleState::default();
        let loads = [(2, 4), (1, 4), (2, 8), (9, 10)];
        assert_eq!(
            choose(&mut s, Rule::LeastLoaded, &mut f, &[0, 1, 2, 3], 0, &|p| {
                loads[p as usize]
            }),
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
            ..Learning::new(0.1, 4.0)
        };
        f.learning[2] = Learning {
            resolved: 10,
            wins: 1,
            response_sum_hours: 40.0,
            responses: 4,
            ..Learning::new(0.1, 4.0)
        };
        // Posterior means: (0.2 + 0) / 2 = 0.1, (0.2 + 3) / 12 = 0.267, (0.2 + 1) / 12 = 0.1.
        assert!((f.learning[1].win_rate_mean() - 3.2 / 12.0).abs() < 1e-12);
        let mut s = RuleState::default();
        assert_eq!(
            choose(&mut s, Rule::BestWinRate, &mut f, &[0, 1, 2], 0, &|_| (
                0, 1
            )),
            Some(1)
        );
        // Fastest: (4 + 10) / 5 = 2.8 h beats the prior 4 h and (4 + 40) / 5.
        assert_eq!(
            choose(&mut s, Rule::Fastest, &mut f, &[0, 1, 2], 0, &|_| (0, 1)),
            Some(1)
        );
        assert_eq!(
            choose(&mut s, Rule::Fastest, &mut f, &[0, 2], 0, &|_| (0, 1)),
            Some(0)
        );
        // Thompson mostly picks partner 1 but still explores.
        let mut counts = [0u32; 3];
        for lead in 0..2000 {
            counts[choose(&mut s, Rule::Thompson, &mut f, &[0, 1, 2], lead, &|_| {
                (0, 1)
            })
            .unwrap() as usize] += 1;
        }
        assert!(counts[1] > counts[0] && counts[1] > counts[2], "{counts:?}");
        assert!(counts[0] > 0 && counts[2] > 0, "{counts:?}");
    }
}
