//! The estimators `calibrate` fits an export with: a lognormal by maximum
//! likelihood with right-censored values (leads never contacted, deals
//! still open), an empirical-Bayes Beta prior across partners (maximising
//! the beta-binomial marginal likelihood), effective trials for weighted
//! rates, pool adjacent violators for a non-increasing curve, and the
//! speed-to-lead curve's bins. Each is checked against a closed form or a
//! known answer in this file's tests.

use argmin::core::{CostFunction, Error as ArgminError, Executor};
use argmin::solver::neldermead::NelderMead;
use serde_json::{json, Value};
use statrs::distribution::{Beta, ContinuousCDF};
use statrs::function::beta::ln_beta;
use statrs::function::erf::erfc;

use crate::analyses::history::Row;

/// Times below a minute are read as a minute (a lognormal has no zero).
pub const MIN_HOURS: f64 = 1.0 / 60.0;

/// Upper edges (hours) of the time-to-first-contact bins of the qualify
/// curve; bins with fewer than [`MIN_BIN`] contacted leads are merged
/// into the next.
pub const CURVE_EDGES: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, f64::INFINITY];

pub const MIN_BIN: usize = 30;

/// The z of the 90th percentile of a standard normal.
pub(crate) const Z90: f64 = 1.281_551_565_544_600_5;

/// A lognormal fit: `ln X ~ Normal(mu, sigma)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogNormal {
    pub mu: f64,
    pub sigma: f64,
}

impl LogNormal {
    pub fn median(&self) -> f64 {
        self.mu.exp()
    }
    pub fn p90(&self) -> f64 {
        (self.mu + Z90 * self.sigma).exp()
    }
    pub fn p10(&self) -> f64 {
        (self.mu - Z90 * self.sigma).exp()
    }
    /// As a scenario writes it. A fit without spread (every observed
    /// time alike, to the digits written) is the fixed value it found: a
    /// lognormal needs its p90 above its median.
    pub(crate) fn json(&self) -> Value {
        let (median, p90) = (sig(self.median()), sig(self.p90()));
        if p90 > median {
            json!({"lognormal": {"median": median, "p90": p90}})
        } else {
            json!({"fixed": median})
        }
    }
}

/// Maximum-likelihood lognormal of `observed` times with `censored` ones
/// known only to exceed their value (right-censored). `None` with fewer
/// than two distinct observed values.
pub fn lognormal_censored(observed: &[f64], censored: &[f64]) -> Option<LogNormal> {
    let x: Vec<f64> = observed.iter().map(|t| t.max(MIN_HOURS).ln()).collect();
    let c: Vec<f64> = censored.iter().map(|t| t.max(MIN_HOURS).ln()).collect();
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    if x.len() < 2 || sd.is_nan() || sd <= 0.0 {
        return None;
    }
    if c.is_empty() {
        return Some(LogNormal {
            mu: mean,
            sigma: sd,
        });
    }
    struct Censored<'a> {
        x: &'a [f64],
        c: &'a [f64],
    }
    impl CostFunction for Censored<'_> {
        type Param = Vec<f64>;
        type Output = f64;
        fn cost(&self, p: &Vec<f64>) -> Result<f64, ArgminError> {
            let (mu, sigma) = (p[0], p[1].exp());
            let observed: f64 = self
                .x
                .iter()
                .map(|v| -sigma.ln() - 0.5 * ((v - mu) / sigma).powi(2))
                .sum();
            let survived: f64 = self
                .c
                .iter()
                .map(|v| {
                    (0.5 * erfc((v - mu) / sigma / std::f64::consts::SQRT_2))
                        .max(1e-300)
                        .ln()
                })
                .sum();
            Ok(-(observed + survived))
        }
    }
    let start = vec![mean, sd.ln()];
    let best = minimise(Censored { x: &x, c: &c }, start, 0.5)?;
    Some(LogNormal {
        mu: best[0],
        sigma: best[1].exp(),
    })
}

/// Nelder-Mead from `start` with a simplex of side `step`; the best point.
fn minimise<C>(cost: C, start: Vec<f64>, step: f64) -> Option<Vec<f64>>
where
    C: CostFunction<Param = Vec<f64>, Output = f64>,
{
    let mut simplex = vec![start.clone()];
    for i in 0..start.len() {
        let mut p = start.clone();
        p[i] += step;
        simplex.push(p);
    }
    let solver = NelderMead::new(simplex).with_sd_tolerance(1e-10).ok()?;
    let result = Executor::new(cost, solver)
        .configure(|s| s.max_iters(2000))
        .run()
        .ok()?;
    result.state().best_param.clone()
}

/// A Beta prior fitted by empirical Bayes to `(successes, trials)` per
/// group. The mean maximises the beta-binomial marginal likelihood; the
/// concentration is the *smallest* the data do not reject (the lower end
/// of its 95 % profile-likelihood interval, a drop of 1.92), within [0.5,
/// 10,000]. With a few dozen trials per partner the likelihood barely
/// tells a spread of skills from binomial noise, and its maximum often
/// sits at "all partners alike"; taking the lower end keeps partners'
/// intervals honest about how much they may differ.
pub fn beta_prior(groups: &[(f64, f64)]) -> (f64, f64) {
    const C_MIN: f64 = 0.5;
    const C_MAX: f64 = 10_000.0;
    const STEPS: usize = 160;
    // Groups with the same (successes, trials) contribute alike: summed
    // once with their multiplicity, so thousands of partners with a few
    // leads each cost what their few hundred distinct counts cost.
    let mut distinct: std::collections::BTreeMap<(u64, u64), (f64, f64, f64)> =
        std::collections::BTreeMap::new();
    for &(k, n) in groups {
        distinct
            .entry((k.to_bits(), n.to_bits()))
            .or_insert((k, n, 0.0))
            .2 += 1.0;
    }
    let total = groups.len() as f64;
    let ll = |m: f64, c: f64| -> f64 {
        let (a, b) = (m * c, (1.0 - m) * c);
        distinct
            .values()
            .map(|&(k, n, times)| times * ln_beta(k + a, n - k + b))
            .sum::<f64>()
            - total * ln_beta(a, b)
    };
    let means: Vec<f64> = (1..200).map(|i| i as f64 / 200.0).collect();
    let concentrations: Vec<f64> = (0..=STEPS)
        .map(|i| C_MIN * (C_MAX / C_MIN).powf(i as f64 / STEPS as f64))
        .collect();
    // Profile: the best mean at each concentration.
    let profile: Vec<(f64, f64)> = concentrations
        .iter()
        .map(|&c| {
            means
                .iter()
                .map(|&m| (ll(m, c), m))
                .fold(
                    (f64::NEG_INFINITY, 0.5),
                    |a, b| if b.0 > a.0 { b } else { a },
                )
        })
        .collect();
    let (best, best_i) = profile
        .iter()
        .enumerate()
        .fold(
            (f64::NEG_INFINITY, 0),
            |a, (i, p)| if p.0 > a.0 { (p.0, i) } else { a },
        );
    let m = profile[best_i].1;
    let c = concentrations
        .iter()
        .zip(&profile)
        .find(|(_, p)| p.0 >= best - 1.92)
        .map_or(concentrations[best_i], |(c, _)| *c);
    (m * c, (1.0 - m) * c)
}

/// Pool adjacent violators: the non-increasing sequence closest to
/// `values` in weighted least squares.
pub fn non_increasing(values: &[f64], weights: &[f64]) -> Vec<f64> {
    // Blocks of (mean, weight, length).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for (&v, &w) in values.iter().zip(weights) {
        blocks.push((v, w, 1));
        while blocks.len() > 1 && blocks[blocks.len() - 2].0 < blocks[blocks.len() - 1].0 {
            let (v2, w2, n2) = blocks.pop().expect("two blocks");
            let (v1, w1, n1) = blocks.pop().expect("two blocks");
            let w = w1 + w2;
            let v = if w > 0.0 {
                (v1 * w1 + v2 * w2) / w
            } else {
                (v1 + v2) / 2.0
            };
            blocks.push((v, w, n1 + n2));
        }
    }
    blocks
        .into_iter()
        .flat_map(|(v, _, n)| std::iter::repeat_n(v, n))
        .collect()
}

/// A number rounded to four significant figures, for a readable,
/// diffable scenario.
pub fn sig(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(3 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// A rate's fit: `k` successes in `n` trials, and the posterior
/// `Beta(alpha, beta)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateFit {
    pub k: f64,
    pub n: f64,
    pub alpha: f64,
    pub beta: f64,
}

impl RateFit {
    pub(crate) fn new(k: f64, n: f64, prior: (f64, f64)) -> RateFit {
        RateFit {
            k,
            n,
            alpha: prior.0 + k,
            beta: prior.1 + (n - k).max(0.0),
        }
    }
    pub fn mean(&self) -> f64 {
        self.alpha / (self.alpha + self.beta)
    }
    /// The observed rate, `k / n` (`None` without trials).
    pub fn observed(&self) -> Option<f64> {
        (self.n > 0.0).then(|| self.k / self.n)
    }
    /// The central 90 % interval of the posterior.
    pub fn interval(&self) -> (f64, f64) {
        match Beta::new(self.alpha, self.beta) {
            Ok(b) => (b.inverse_cdf(0.05), b.inverse_cdf(0.95)),
            Err(_) => (f64::NAN, f64::NAN),
        }
    }
    pub(crate) fn json(&self) -> Value {
        json!({"beta": {"alpha": sig(self.alpha), "beta": sig(self.beta)}})
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CurveBin {
    pub from: f64,
    pub to: f64,
    pub mean_hours: f64,
    pub contacted: usize,
    pub qualified: usize,
    /// Qualified per unit of score, relative to the first bin's, before
    /// and after it is made non-increasing.
    pub observed: f64,
    pub fitted: f64,
}

/// Hours to first contact of `rows`: those contacted, and those never
/// contacted, censored at the export's `end` (they took at least that).
pub fn response_times(rows: &[&Row], end: f64) -> (Vec<f64>, Vec<f64>) {
    let observed = rows.iter().filter_map(|r| r.ttfc()).collect();
    let censored = rows
        .iter()
        .filter(|r| r.first_contact.is_none())
        .map(|r| end - r.created)
        .collect();
    (observed, censored)
}

/// `(successes, trials)` of plain trials carrying the information of
/// contacts `(qualified, w)` that qualify with probability `r × w` (see
/// the fit of qualification rates).
pub fn effective_trials(contacts: &[(bool, f64)]) -> (f64, f64) {
    let k = contacts.iter().filter(|c| c.0).count() as f64;
    let w: f64 = contacts.iter().map(|c| c.1).sum();
    if w <= 0.0 {
        return (0.0, 0.0);
    }
    let r = (k / w).clamp(0.01, 0.99);
    let variance: f64 = contacts
        .iter()
        .map(|c| {
            let p = (r * c.1).min(1.0);
            p * (1.0 - p)
        })
        .sum();
    if variance <= 0.0 {
        return (r * w, w);
    }
    let n = r * (1.0 - r) * w * w / variance;
    (r * n, n)
}

/// Rounds of the alternating fit of the curve and the rates.
pub(crate) const CURVE_ROUNDS: usize = 30;

/// The curve from contacts `(hours to first contact, qualified, weight)`,
/// the weight being the lead's score times its holder's rate.
pub(crate) fn fit_curve(contacts: impl Iterator<Item = (f64, bool, f64)>) -> Vec<CurveBin> {
    /// A bin's tallies: its range, Σ delay, contacts, qualified, Σ weight.
    #[derive(Clone, Copy)]
    struct Bin {
        from: f64,
        to: f64,
        delay: f64,
        contacted: usize,
        qualified: usize,
        weight: f64,
    }
    impl Bin {
        /// This bin widened to take in `other`'s range and tallies.
        fn with(self, other: Bin) -> Bin {
            Bin {
                from: self.from.min(other.from),
                to: self.to.max(other.to),
                delay: self.delay + other.delay,
                contacted: self.contacted + other.contacted,
                qualified: self.qualified + other.qualified,
                weight: self.weight + other.weight,
            }
        }
    }
    let mut bins: Vec<Bin> = Vec::new();
    let mut from = 0.0;
    for &to in &CURVE_EDGES {
        bins.push(Bin {
            from,
            to,
            delay: 0.0,
            contacted: 0,
            qualified: 0,
            weight: 0.0,
        });
        from = to;
    }
    for (d, qualified, weight) in contacts {
        let i = CURVE_EDGES.iter().position(|&e| d < e).unwrap_or(8);
        let b = &mut bins[i];
        b.delay += d;
        b.contacted += 1;
        b.qualified += qualified as usize;
        b.weight += weight;
    }
    // Merge sparse bins into the next (the last into the one before).
    let mut merged: Vec<Bin> = Vec::new();
    let mut carry: Option<Bin> = None;
    for b in bins {
        let b = carry.take().map_or(b, |c| c.with(b));
        if b.contacted < MIN_BIN {
            carry = Some(b);
        } else {
            merged.push(b);
        }
    }
    if let Some(c) = carry {
        match merged.last_mut() {
            Some(l) => *l = l.with(c),
            None if c.contacted > 0 => merged.push(c),
            None => {}
        }
    }
    let rates: Vec<f64> = merged
        .iter()
        .map(|b| {
            if b.weight > 0.0 {
                b.qualified as f64 / b.weight
            } else {
                0.0
            }
        })
        .collect();
    let weights: Vec<f64> = merged.iter().map(|b| b.weight).collect();
    let monotone = non_increasing(&rates, &weights);
    let top = monotone.first().copied().filter(|&t| t > 0.0);
    merged
        .iter()
        .zip(rates.iter().zip(&monotone))
        .map(|(b, (&raw, &fitted))| CurveBin {
            from: b.from,
            to: b.to,
            mean_hours: if b.contacted > 0 {
                b.delay / b.contacted as f64
            } else {
                b.from
            },
            contacted: b.contacted,
            qualified: b.qualified,
            observed: top.map_or(1.0, |t| raw / t),
            fitted: top.map_or(1.0, |t| (fitted / t).min(1.0)),
        })
        .collect()
}

/// The curve's points: each bin's multiplier at its mean delay, the first
/// at hour 0.
pub fn curve_points(curve: &[CurveBin]) -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> = Vec::new();
    for (i, b) in curve.iter().enumerate() {
        let hour = if i == 0 { 0.0 } else { sig(b.mean_hours) };
        if points.last().is_some_and(|p| p.0 >= hour) {
            continue;
        }
        points.push((hour, sig(b.fitted)));
    }
    if points.is_empty() {
        points.push((0.0, 1.0));
    }
    points
}

/// The fitted curve's multiplier at `d` hours (linear between points,
/// constant after the last), as the simulator reads it.
pub(crate) fn curve_at(points: &[(f64, f64)], d: f64) -> f64 {
    for w in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if d < x1 {
            return y0 + (y1 - y0) * (d - x0).max(0.0) / (x1 - x0);
        }
    }
    points.last().map_or(1.0, |p| p.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, LogNormal as LN};

    #[test]
    fn censoring_recovers_a_lognormal_that_dropping_biases() {
        // Times LogNormal(ln 10, 1), censored at a uniform follow-up in
        // (0, 40): about a third censored. With 4,000 draws the fit's
        // standard error on mu is about 0.02; tolerance 0.08 (4 se).
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        let d = LN::new(10f64.ln(), 1.0).unwrap();
        let (mut obs, mut cens) = (Vec::new(), Vec::new());
        for _ in 0..4000 {
            let t: f64 = d.sample(&mut rng);
            let c = rand::Rng::random::<f64>(&mut rng) * 40.0;
            if t <= c {
                obs.push(t)
            } else {
                cens.push(c)
            }
        }
        assert!(cens.len() > 1000, "{}", cens.len());
        let f = lognormal_censored(&obs, &cens).unwrap();
        assert!((f.mu - 10f64.ln()).abs() < 0.08, "{f:?}");
        assert!((f.sigma - 1.0).abs() < 0.08, "{f:?}");
        let dropped = lognormal_censored(&obs, &[]).unwrap();
        assert!(dropped.median() < 0.7 * 10.0, "{dropped:?}");
    }

    #[test]
    fn pool_adjacent_violators() {
        assert_eq!(
            non_increasing(&[1.0, 0.5, 0.7, 0.2], &[1.0, 1.0, 1.0, 1.0]),
            vec![1.0, 0.6, 0.6, 0.2]
        );
        assert_eq!(non_increasing(&[0.5, 1.0], &[3.0, 1.0]), vec![0.625, 0.625]);
    }

    #[test]
    fn empirical_bayes_finds_the_spread_of_the_rates() {
        // Twenty groups with rates 0.1 .. 0.5 (mean 0.3, sd ~0.12), 2,000
        // trials each (binomial noise ~0.01, negligible): the prior's mean
        // within 0.03 of 0.3, and its sd at least the rates' sd less 10 %
        // and at most 50 % above it (the concentration is the lower end
        // of its 95 % interval, so the prior errs wide; with 20 groups
        // that interval spans about ±30 % of the sd).
        let rates: Vec<f64> = (0..20).map(|i| 0.1 + 0.4 * i as f64 / 19.0).collect();
        let groups: Vec<(f64, f64)> = rates
            .iter()
            .map(|r| ((r * 2000.0).round(), 2000.0))
            .collect();
        let (a, b) = beta_prior(&groups);
        let m = a / (a + b);
        let sd = (a * b / ((a + b).powi(2) * (a + b + 1.0))).sqrt();
        let true_sd = (rates.iter().map(|r| (r - 0.3f64).powi(2)).sum::<f64>() / 20.0).sqrt();
        assert!((m - 0.3).abs() < 0.03, "{m}");
        assert!(
            sd > 0.9 * true_sd && sd < 1.5 * true_sd,
            "{sd} vs {true_sd}"
        );
        // Identical groups, 1,000 trials each: the spread the data allow
        // is below the binomial noise of one group (0.0145).
        let (a, b) = beta_prior(&[(300.0, 1000.0); 10]);
        let sd = (a * b / ((a + b).powi(2) * (a + b + 1.0))).sqrt();
        assert!(sd < 0.0145, "{a} {b}: sd {sd}");
    }

    #[test]
    fn four_significant_figures() {
        assert_eq!(sig(123456.0), 123500.0);
        assert_eq!(sig(0.0123456), 0.01235);
        assert_eq!(sig(0.0), 0.0);
    }
}
