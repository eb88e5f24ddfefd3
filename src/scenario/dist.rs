//! Distributions: the validated, sampleable form of a `RawDist`.
//!
//! Parameters are checked once, when the file loads (`Dist::build`), and the
//! `rand_distr` sampler is constructed there too, so sampling on the engine's
//! hot path never re-validates or allocates. This file knows nothing about
//! leads or partners; it only turns parameters into numbers.

use std::sync::Arc;

use rand::Rng;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Triangular, Weibull};

use super::errors::FieldErrors;
use super::raw::{RawDist, RawEmpirical, RawRate};

/// z such that Phi(z) = 0.9: `sigma = ln(p90 / median) / Z90` (MODEL.md section 2).
pub const Z90: f64 = 1.281_551_565_544_600_5;

/// The largest parameter magnitude accepted (hours or money): far beyond any
/// real lead flow, small enough that no sampler overflows.
pub const MAX_MAGNITUDE: f64 = 1e12;

/// The smallest positive scale parameter accepted (a mean, median or
/// scale): below it logarithms and reciprocals leave the range where every
/// sampler stays finite.
pub const MIN_POSITIVE: f64 = 1e-9;

/// Shape-like parameters (gamma and Weibull shape, beta's alpha and beta,
/// its concentration) must lie in [`MIN_SHAPE`, `MAX_SHAPE`]: outside it the
/// samplers and the quantile functions used at load time lose precision or
/// take unbounded time (a gamma shape of 1e15 never finishes its median).
pub const MIN_SHAPE: f64 = 1e-3;
pub const MAX_SHAPE: f64 = 1e6;

/// The largest lognormal sigma accepted: p90 / median up to e^(10 x 1.28),
/// about 370,000.
pub const MAX_SIGMA: f64 = 10.0;

/// Records why a sampler could not be built (parameters that passed every
/// check above but that `rand_distr` still refuses), so that no failure is
/// silent.
fn sampler<T, E: std::fmt::Display>(
    built: Result<T, E>,
    path: &str,
    errors: &mut FieldErrors,
) -> Option<T> {
    built
        .map_err(|e| {
            errors.push(
                path.to_string(),
                format!("these parameters do not make a distribution: {e}"),
            )
        })
        .ok()
}

/// Where a distribution's values must lie, given the field it describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// Times and money: values must be >= 0.
    NonNegative,
    /// Probabilities and shares: values must lie in [0, 1].
    Unit,
}

/// A validated distribution with its sampler ready.
#[derive(Debug, Clone)]
pub enum Dist {
    Fixed(f64),
    Exponential {
        mean: f64,
        sampler: Exp<f64>,
    },
    LogNormal {
        median: f64,
        sigma: f64,
        sampler: LogNormal<f64>,
    },
    Gamma {
        shape: f64,
        scale: f64,
        sampler: Gamma<f64>,
    },
    Weibull {
        shape: f64,
        scale: f64,
        sampler: Weibull<f64>,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
        sampler: Triangular<f64>,
    },
    Beta {
        alpha: f64,
        beta: f64,
        sampler: rand_distr::Beta<f64>,
    },
    Empirical(Arc<[f64]>),
}

impl Dist {
    /// Draws one value.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Exponential { sampler, .. } => sampler.sample(rng),
            Dist::LogNormal { sampler, .. } => sampler.sample(rng),
            Dist::Gamma { sampler, .. } => sampler.sample(rng),
            Dist::Weibull { sampler, .. } => sampler.sample(rng),
            Dist::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
            Dist::Triangular { sampler, .. } => sampler.sample(rng),
            Dist::Beta { sampler, .. } => sampler.sample(rng),
            Dist::Empirical(values) => values[rng.random_range(0..values.len())],
        }
    }

    /// The distribution's mean, in closed form.
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Exponential { mean, .. } => *mean,
            Dist::LogNormal { median, sigma, .. } => median * (sigma * sigma / 2.0).exp(),
            Dist::Gamma { shape, scale, .. } => shape * scale,
            Dist::Weibull { shape, scale, .. } => {
                scale * statrs::function::gamma::gamma(1.0 + 1.0 / shape)
            }
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::Triangular { min, mode, max, .. } => (min + mode + max) / 3.0,
            Dist::Beta { alpha, beta, .. } => alpha / (alpha + beta),
            Dist::Empirical(values) => values.iter().sum::<f64>() / values.len() as f64,
        }
    }

    /// The distribution's median (closed forms; statrs's inverse CDFs for
    /// gamma and beta, which have none). Computed at load time, not on the
    /// hot path.
    pub fn median(&self) -> f64 {
        use statrs::distribution::ContinuousCDF;
        match self {
            Dist::Fixed(v) => *v,
            Dist::Exponential { mean, .. } => mean * std::f64::consts::LN_2,
            Dist::LogNormal { median, .. } => *median,
            Dist::Gamma { shape, scale, .. } => {
                statrs::distribution::Gamma::new(*shape, 1.0 / scale)
                    .map(|g| g.inverse_cdf(0.5))
                    .unwrap_or(shape * scale)
            }
            Dist::Weibull { shape, scale, .. } => scale * std::f64::consts::LN_2.powf(1.0 / shape),
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::Triangular { min, mode, max, .. } => {
                if mode - min >= (max - min) / 2.0 {
                    min + ((max - min) * (mode - min) / 2.0).sqrt()
                } else {
                    max - ((max - min) * (max - mode) / 2.0).sqrt()
                }
            }
            Dist::Beta { alpha, beta, .. } => statrs::distribution::Beta::new(*alpha, *beta)
                .map(|b| b.inverse_cdf(0.5))
                .unwrap_or(alpha / (alpha + beta)),
            Dist::Empirical(values) => {
                let mut sorted = values.to_vec();
                sorted.sort_unstable_by(f64::total_cmp);
                crate::stats::quantile_sorted(&sorted, 0.5)
            }
        }
    }

    /// Builds a distribution from its raw form, recording every problem in
    /// `errors` under `path`. Returns `None` when anything was wrong.
    pub fn build(
        raw: &RawDist,
        path: &str,
        support: Support,
        errors: &mut FieldErrors,
    ) -> Option<Dist> {
        let before = errors.len();
        // A positive parameter within [lo, hi].
        let within = |lo: f64, hi: f64| {
            move |name: &str, v: f64, errors: &mut FieldErrors, family: &str| {
                if !(v.is_finite() && v > 0.0) {
                    errors.push(
                        format!("{path}.{family}.{name}"),
                        format!("must be a positive number, got {v}"),
                    );
                } else if !(lo..=hi).contains(&v) {
                    errors.push(
                        format!("{path}.{family}.{name}"),
                        format!("must lie between {lo:e} and {hi:e}, got {v:e}"),
                    );
                }
            }
        };
        let positive = within(MIN_POSITIVE, MAX_MAGNITUDE);
        let shape = within(MIN_SHAPE, MAX_SHAPE);
        let dist = match raw {
            RawDist::Fixed(v) => {
                if !v.is_finite() {
                    errors.push(
                        format!("{path}.fixed"),
                        format!("must be a finite number, got {v}"),
                    );
                }
                Dist::Fixed(*v)
            }
            RawDist::Exponential(p) => {
                positive("mean", p.mean, errors, "exponential");
                if errors.len() > before {
                    return None;
                }
                Dist::Exponential {
                    mean: p.mean,
                    sampler: sampler(Exp::new(1.0 / p.mean), path, errors)?,
                }
            }
            RawDist::Lognormal(p) => {
                positive("median", p.median, errors, "lognormal");
                let sigma = match (p.p90, p.sigma) {
                    (Some(_), Some(_)) => {
                        errors.push(
                            format!("{path}.lognormal"),
                            "give one of `p90` or `sigma`, not both".into(),
                        );
                        None
                    }
                    (None, None) => {
                        errors.push(
                            format!("{path}.lognormal"),
                            "missing `p90` (or `sigma`): the spread of the distribution".into(),
                        );
                        None
                    }
                    (Some(p90), None) => {
                        if !(p90.is_finite() && p90 > p.median) {
                            errors.push(
                                format!("{path}.lognormal.p90"),
                                format!("p90 ({p90}) must exceed median ({})", p.median),
                            );
                            None
                        } else {
                            let sigma = (p90 / p.median).ln() / Z90;
                            if !(sigma.is_finite() && sigma <= MAX_SIGMA) {
                                errors.push(
                                    format!("{path}.lognormal.p90"),
                                    format!(
                                        "p90 / median ({:e}) is beyond the supported spread (sigma up to {MAX_SIGMA}, a ratio of about {:.0})",
                                        p90 / p.median,
                                        (MAX_SIGMA * Z90).exp()
                                    ),
                                );
                            }
                            Some(sigma)
                        }
                    }
                    (None, Some(sigma)) => {
                        if !(sigma.is_finite() && sigma > 0.0 && sigma <= MAX_SIGMA) {
                            errors.push(
                                format!("{path}.lognormal.sigma"),
                                format!("must lie in (0, {MAX_SIGMA}], got {sigma}"),
                            );
                        }
                        Some(sigma)
                    }
                };
                if errors.len() > before {
                    return None;
                }
                let sigma = sigma?;
                Dist::LogNormal {
                    median: p.median,
                    sigma,
                    sampler: sampler(LogNormal::new(p.median.ln(), sigma), path, errors)?,
                }
            }
            RawDist::Gamma(p) => {
                shape("shape", p.shape, errors, "gamma");
                let scale = match (p.mean, p.scale) {
                    (Some(_), Some(_)) => {
                        errors.push(
                            format!("{path}.gamma"),
                            "give one of `mean` or `scale`, not both".into(),
                        );
                        None
                    }
                    (None, None) => {
                        errors.push(
                            format!("{path}.gamma"),
                            "missing `mean` (or `scale`)".into(),
                        );
                        None
                    }
                    (Some(mean), None) => {
                        positive("mean", mean, errors, "gamma");
                        Some(mean / p.shape)
                    }
                    (None, Some(scale)) => {
                        positive("scale", scale, errors, "gamma");
                        Some(scale)
                    }
                };
                if errors.len() > before {
                    return None;
                }
                let scale = scale?;
                Dist::Gamma {
                    shape: p.shape,
                    scale,
                    sampler: sampler(Gamma::new(p.shape, scale), path, errors)?,
                }
            }
            RawDist::Weibull(p) => {
                shape("shape", p.shape, errors, "weibull");
                positive("scale", p.scale, errors, "weibull");
                if errors.len() > before {
                    return None;
                }
                Dist::Weibull {
                    shape: p.shape,
                    scale: p.scale,
                    sampler: sampler(Weibull::new(p.scale, p.shape), path, errors)?,
                }
            }
            RawDist::Uniform(p) => {
                if !(p.min.is_finite() && p.max.is_finite()) || p.min > p.max {
                    errors.push(
                        format!("{path}.uniform"),
                        format!("min ({}) must not exceed max ({})", p.min, p.max),
                    );
                    return None;
                }
                Dist::Uniform {
                    min: p.min,
                    max: p.max,
                }
            }
            RawDist::Triangular(p) => {
                let ok = [p.min, p.mode, p.max].iter().all(|v| v.is_finite())
                    && p.min <= p.mode
                    && p.mode <= p.max;
                if !ok {
                    errors.push(
                        format!("{path}.triangular"),
                        format!(
                            "expected min <= mode <= max, got min {}, mode {}, max {}",
                            p.min, p.mode, p.max
                        ),
                    );
                    return None;
                }
                if p.min == p.max {
                    Dist::Fixed(p.min)
                } else {
                    Dist::Triangular {
                        min: p.min,
                        mode: p.mode,
                        max: p.max,
                        sampler: sampler(Triangular::new(p.min, p.max, p.mode), path, errors)?,
                    }
                }
            }
            RawDist::Beta(p) => {
                let params = match (p.mean, p.concentration, p.alpha, p.beta) {
                    (Some(mean), Some(conc), None, None) => {
                        if !(mean > 0.0 && mean < 1.0) {
                            errors.push(
                                format!("{path}.beta.mean"),
                                format!("must lie strictly between 0 and 1, got {mean}"),
                            );
                        }
                        shape("concentration", conc, errors, "beta");
                        let (a, b) = (mean * conc, (1.0 - mean) * conc);
                        if errors.len() == before && !(a >= MIN_SHAPE && b >= MIN_SHAPE) {
                            errors.push(
                                format!("{path}.beta"),
                                format!(
                                    "mean x concentration and (1 - mean) x concentration must both be at least {MIN_SHAPE}, got {a:e} and {b:e}"
                                ),
                            );
                        }
                        Some((a, b))
                    }
                    (None, None, Some(a), Some(b)) => {
                        shape("alpha", a, errors, "beta");
                        shape("beta", b, errors, "beta");
                        Some((a, b))
                    }
                    _ => {
                        errors.push(
                            format!("{path}.beta"),
                            "expected either `mean` and `concentration`, or `alpha` and `beta`"
                                .into(),
                        );
                        None
                    }
                };
                if errors.len() > before {
                    return None;
                }
                let (alpha, beta) = params?;
                Dist::Beta {
                    alpha,
                    beta,
                    sampler: sampler(rand_distr::Beta::new(alpha, beta), path, errors)?,
                }
            }
            RawDist::Empirical(RawEmpirical::Values(values)) => {
                if values.is_empty() {
                    errors.push(
                        format!("{path}.empirical"),
                        "needs at least one observed value".into(),
                    );
                    return None;
                }
                if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                    errors.push(
                        format!("{path}.empirical[{i}]"),
                        format!("must be a finite number, got {v}"),
                    );
                    return None;
                }
                Dist::Empirical(values.clone().into())
            }
            RawDist::Empirical(RawEmpirical::Csv(_)) => {
                errors.push(
                    format!("{path}.empirical"),
                    "CSV-backed empirical distributions are not supported by this version; give the observed values inline as a list".into(),
                );
                return None;
            }
        };
        dist.check_support(path, support, errors);
        dist.check_magnitude(path, errors);
        (errors.len() == before).then_some(dist)
    }

    /// The smallest and largest value the distribution can produce.
    pub fn bounds(&self) -> (f64, f64) {
        match self {
            Dist::Fixed(v) => (*v, *v),
            Dist::Exponential { .. }
            | Dist::LogNormal { .. }
            | Dist::Gamma { .. }
            | Dist::Weibull { .. } => (0.0, f64::INFINITY),
            Dist::Uniform { min, max } | Dist::Triangular { min, max, .. } => (*min, *max),
            Dist::Beta { .. } => (0.0, 1.0),
            Dist::Empirical(values) => values
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(*v), hi.max(*v))
                }),
        }
    }

    /// Parameters beyond [`MAX_MAGNITUDE`] would overflow while sampling
    /// (a triangular draw squares its range), so they are refused.
    fn check_magnitude(&self, path: &str, errors: &mut FieldErrors) {
        let (lo, hi) = self.bounds();
        let typical = self.mean();
        let too_big = |v: f64| v.is_finite() && v.abs() > MAX_MAGNITUDE;
        if too_big(lo) || too_big(hi) || too_big(typical) || !typical.is_finite() {
            errors.push(
                path.to_string(),
                format!(
                    "values up to {MAX_MAGNITUDE:e} are supported; this distribution reaches {}",
                    if too_big(hi) { hi } else { typical }
                ),
            );
        }
    }

    fn check_support(&self, path: &str, support: Support, errors: &mut FieldErrors) {
        let (lo, hi) = self.bounds();
        match support {
            Support::NonNegative if lo < 0.0 => errors.push(
                path.to_string(),
                format!("values must be >= 0, but this distribution reaches {lo}"),
            ),
            Support::Unit if lo < 0.0 || hi > 1.0 => errors.push(
                path.to_string(),
                if hi.is_infinite() {
                    "expected a probability: a number in [0, 1] or a distribution on [0, 1] (beta, uniform, triangular, fixed or empirical)".to_string()
                } else {
                    format!("expected values in [0, 1], but this distribution spans [{lo}, {hi}]")
                },
            ),
            _ => {}
        }
    }
}

/// A rate or probability: fixed, or drawn from a distribution on [0, 1].
#[derive(Debug, Clone)]
pub enum Rate {
    Fixed(f64),
    Dist(Dist),
}

impl Rate {
    pub fn build(raw: &RawRate, path: &str, errors: &mut FieldErrors) -> Option<Rate> {
        match raw {
            RawRate::Value(v) => {
                if !(0.0..=1.0).contains(v) {
                    errors.push(
                        path.to_string(),
                        format!("must be a probability in [0, 1], got {v}"),
                    );
                    None
                } else {
                    Some(Rate::Fixed(*v))
                }
            }
            RawRate::Dist(d) => Dist::build(d, path, Support::Unit, errors).map(Rate::Dist),
        }
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Rate::Fixed(v) => *v,
            Rate::Dist(d) => d.sample(rng),
        }
    }

    pub fn mean(&self) -> f64 {
        match self {
            Rate::Fixed(v) => *v,
            Rate::Dist(d) => d.mean(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::raw::RawDist;
    use rand::SeedableRng;

    fn build(json: &str, support: Support) -> Result<Dist, FieldErrors> {
        let raw: RawDist = serde_json::from_str(json).unwrap();
        let mut errors = FieldErrors::default();
        Dist::build(&raw, "x", support, &mut errors).ok_or(errors)
    }

    #[test]
    fn lognormal_p90_parameterisation_puts_p90_where_declared() {
        let d = build(
            r#"{"lognormal": {"median": 10, "p90": 48}}"#,
            Support::NonNegative,
        )
        .unwrap();
        let Dist::LogNormal { sigma, .. } = d else {
            panic!()
        };
        // exp(ln(10) + sigma * z90) must be 48.
        assert!(((10f64.ln() + sigma * Z90).exp() - 48.0).abs() < 1e-9);
        // 10 % of a large sample lies above the declared p90: 200k draws, the
        // standard error of a proportion at 0.1 is 0.00067; allow 4.5 sigma.
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(3);
        let n = 200_000;
        let above = (0..n).filter(|_| d.sample(&mut rng) > 48.0).count() as f64 / n as f64;
        assert!((above - 0.1).abs() < 0.003, "{above}");
    }

    #[test]
    fn sample_means_match_closed_forms() {
        let cases = [
            r#"{"exponential": {"mean": 21}}"#,
            r#"{"gamma": {"shape": 2, "mean": 18}}"#,
            r#"{"weibull": {"shape": 1.5, "scale": 10}}"#,
            r#"{"uniform": {"min": 1, "max": 5}}"#,
            r#"{"triangular": {"min": 1, "mode": 8, "max": 72}}"#,
            r#"{"beta": {"mean": 0.3, "concentration": 60}}"#,
            r#"{"beta": {"alpha": 2, "beta": 5}}"#,
            r#"{"empirical": [1, 2, 3, 10]}"#,
        ];
        for case in cases {
            let d = build(case, Support::NonNegative).unwrap();
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(11);
            let n = 100_000;
            let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
            // Five standard errors: a false alarm has probability < 1e-6 per case.
            let tolerance = 5.0 * sd / (n as f64).sqrt();
            assert!(
                (mean - d.mean()).abs() < tolerance,
                "{case}: sample {mean}, closed form {}",
                d.mean()
            );
        }
    }

    #[test]
    fn medians_match_samples() {
        let cases = [
            r#"{"exponential": {"mean": 21}}"#,
            r#"{"gamma": {"shape": 2, "mean": 18}}"#,
            r#"{"weibull": {"shape": 1.5, "scale": 10}}"#,
            r#"{"triangular": {"min": 1, "mode": 8, "max": 72}}"#,
            r#"{"triangular": {"min": 0, "mode": 9, "max": 10}}"#,
            r#"{"beta": {"mean": 0.3, "concentration": 6}}"#,
            r#"{"lognormal": {"median": 4, "p90": 24}}"#,
        ];
        for case in cases {
            let d = build(case, Support::NonNegative).unwrap();
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(5);
            let n = 100_000;
            // The share of draws below the median is 1/2; its standard error
            // is 0.0016, so 0.008 is 5 standard errors.
            let below =
                (0..n).filter(|_| d.sample(&mut rng) < d.median()).count() as f64 / n as f64;
            assert!((below - 0.5).abs() < 0.008, "{case}: {below}");
        }
    }

    #[test]
    fn bad_parameters_name_the_field() {
        let cases = [
            (r#"{"exponential": {"mean": -3}}"#, "x.exponential.mean"),
            (
                r#"{"lognormal": {"median": 4, "p90": 3}}"#,
                "x.lognormal.p90",
            ),
            (r#"{"uniform": {"min": 5, "max": 1}}"#, "x.uniform"),
            (
                r#"{"beta": {"mean": 1.2, "concentration": 3}}"#,
                "x.beta.mean",
            ),
            (r#"{"gamma": {"shape": 2}}"#, "x.gamma"),
        ];
        for (json, path) in cases {
            let errors = build(json, Support::NonNegative).unwrap_err();
            assert_eq!(errors.iter().next().unwrap().path, path, "{json}");
        }
        let errors = build(
            r#"{"lognormal": {"median": 4, "p90": 3}}"#,
            Support::NonNegative,
        )
        .unwrap_err();
        assert!(errors
            .iter()
            .next()
            .unwrap()
            .message
            .contains("p90 (3) must exceed median (4)"));
    }

    #[test]
    fn probabilities_need_unit_support() {
        assert!(build(r#"{"exponential": {"mean": 0.3}}"#, Support::Unit).is_err());
        assert!(build(r#"{"uniform": {"min": 0.2, "max": 1.3}}"#, Support::Unit).is_err());
        assert!(build(
            r#"{"uniform": {"min": -1, "max": 3}}"#,
            Support::NonNegative
        )
        .is_err());
        assert!(build(
            r#"{"beta": {"mean": 0.3, "concentration": 4}}"#,
            Support::Unit
        )
        .is_ok());
    }
}
