//! Raw JSON to [`Dist`]: every check on a distribution's parameters, with
//! the field path of each problem. Parameters are checked once, when the
//! file loads, and the sampler is constructed here too (see `crate::dist`).

use rand_distr::{Exp, Gamma, LogNormal, Triangular, Weibull};

pub use crate::dist::{Dist, Rate};

use super::errors::FieldErrors;
use super::raw::{
    RawBeta, RawDist, RawEmpirical, RawExponential, RawGamma, RawLognormal, RawRate, RawTriangular,
    RawUniform, RawWeibull,
};

/// z such that Phi(z) = 0.9: `sigma = ln(p90 / median) / Z90` (docs/scenario-format.md, "Distributions").
pub const Z90: f64 = 1.281_551_565_544_600_5;

pub use super::limits::MAX_MAGNITUDE;

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

/// Builds a distribution from its raw form, recording every problem in
/// `errors` under `path`. Returns `None` when anything was wrong. One
/// function per family checks its parameters and builds its sampler; the
/// checks every family shares (support, magnitude) follow.
pub fn build(
    raw: &RawDist,
    path: &str,
    support: Support,
    errors: &mut FieldErrors,
) -> Option<Dist> {
    let before = errors.len();
    let mut p = Params {
        path,
        errors,
        before,
    };
    let dist = match raw {
        RawDist::Fixed(v) => p.fixed(*v),
        RawDist::Exponential(r) => p.exponential(r),
        RawDist::Lognormal(r) => p.lognormal(r),
        RawDist::Gamma(r) => p.gamma(r),
        RawDist::Weibull(r) => p.weibull(r),
        RawDist::Uniform(r) => p.uniform(r),
        RawDist::Triangular(r) => p.triangular(r),
        RawDist::Beta(r) => p.beta(r),
        RawDist::Empirical(r) => p.empirical(r),
    }?;
    check_support(&dist, path, support, errors);
    check_magnitude(&dist, path, errors);
    (errors.len() == before).then_some(dist)
}

/// One of two alternative ways to give a parameter.
pub enum OneOf<A, B> {
    First(A),
    Second(B),
}

/// Exactly one of two alternatives (`names`) must be given; otherwise the
/// problem is recorded at `path` (`neither` says what is missing).
pub fn exactly_one<A, B>(
    first: Option<A>,
    second: Option<B>,
    path: &str,
    names: (&str, &str),
    neither: &str,
    errors: &mut FieldErrors,
) -> Option<OneOf<A, B>> {
    match (first, second) {
        (Some(a), None) => Some(OneOf::First(a)),
        (None, Some(b)) => Some(OneOf::Second(b)),
        (Some(_), Some(_)) => {
            errors.push(
                path.to_string(),
                format!("give one of `{}` or `{}`, not both", names.0, names.1),
            );
            None
        }
        (None, None) => {
            errors.push(path.to_string(), neither.to_string());
            None
        }
    }
}

/// The checks of one distribution's parameters, recorded under `path`.
struct Params<'a> {
    path: &'a str,
    errors: &'a mut FieldErrors,
    /// How many errors there were before this distribution.
    before: usize,
}

impl Params<'_> {
    fn failed(&self) -> bool {
        self.errors.len() > self.before
    }

    fn push(&mut self, field: String, message: String) {
        self.errors.push(field, message);
    }

    /// A positive parameter within [lo, hi].
    fn within(&mut self, family: &str, name: &str, v: f64, lo: f64, hi: f64) {
        let path = self.path;
        if !(v.is_finite() && v > 0.0) {
            self.push(
                format!("{path}.{family}.{name}"),
                format!("must be a positive number, got {v}"),
            );
        } else if !(lo..=hi).contains(&v) {
            self.push(
                format!("{path}.{family}.{name}"),
                format!("must lie between {lo:e} and {hi:e}, got {v:e}"),
            );
        }
    }

    /// A scale parameter: a mean, median or scale.
    fn positive(&mut self, family: &str, name: &str, v: f64) {
        self.within(family, name, v, MIN_POSITIVE, MAX_MAGNITUDE);
    }

    /// A shape-like parameter.
    fn shape(&mut self, family: &str, name: &str, v: f64) {
        self.within(family, name, v, MIN_SHAPE, MAX_SHAPE);
    }

    /// The sampler, unless the checks so far failed or `rand_distr` refuses.
    fn sampler<T, E: std::fmt::Display>(
        &mut self,
        built: impl FnOnce() -> Result<T, E>,
    ) -> Option<T> {
        if self.failed() {
            return None;
        }
        sampler(built(), self.path, self.errors)
    }

    fn fixed(&mut self, v: f64) -> Option<Dist> {
        if !v.is_finite() {
            let path = self.path;
            self.push(
                format!("{path}.fixed"),
                format!("must be a finite number, got {v}"),
            );
        }
        Some(Dist::Fixed(v))
    }

    fn exponential(&mut self, p: &RawExponential) -> Option<Dist> {
        self.positive("exponential", "mean", p.mean);
        Some(Dist::Exponential {
            mean: p.mean,
            sampler: self.sampler(|| Exp::new(1.0 / p.mean))?,
        })
    }

    fn lognormal(&mut self, p: &RawLognormal) -> Option<Dist> {
        let path = self.path;
        self.positive("lognormal", "median", p.median);
        let spread = exactly_one(
            p.p90,
            p.sigma,
            &format!("{path}.lognormal"),
            ("p90", "sigma"),
            "missing `p90` (or `sigma`): the spread of the distribution",
            self.errors,
        );
        let sigma = match spread? {
            OneOf::First(p90) => {
                if !(p90.is_finite() && p90 > p.median) {
                    self.push(
                        format!("{path}.lognormal.p90"),
                        format!("p90 ({p90}) must exceed median ({})", p.median),
                    );
                    return None;
                }
                let sigma = (p90 / p.median).ln() / Z90;
                if !(sigma.is_finite() && sigma <= MAX_SIGMA) {
                    self.push(
                        format!("{path}.lognormal.p90"),
                        format!(
                            "p90 / median ({:e}) is beyond the supported spread (sigma up to {MAX_SIGMA}, a ratio of about {:.0})",
                            p90 / p.median,
                            (MAX_SIGMA * Z90).exp()
                        ),
                    );
                }
                sigma
            }
            OneOf::Second(sigma) => {
                if !(sigma.is_finite() && sigma > 0.0 && sigma <= MAX_SIGMA) {
                    self.push(
                        format!("{path}.lognormal.sigma"),
                        format!("must lie in (0, {MAX_SIGMA}], got {sigma}"),
                    );
                }
                sigma
            }
        };
        Some(Dist::LogNormal {
            median: p.median,
            sigma,
            sampler: self.sampler(|| LogNormal::new(p.median.ln(), sigma))?,
        })
    }

    fn gamma(&mut self, p: &RawGamma) -> Option<Dist> {
        let path = self.path;
        self.shape("gamma", "shape", p.shape);
        let scale = match exactly_one(
            p.mean,
            p.scale,
            &format!("{path}.gamma"),
            ("mean", "scale"),
            "missing `mean` (or `scale`)",
            self.errors,
        )? {
            OneOf::First(mean) => {
                self.positive("gamma", "mean", mean);
                mean / p.shape
            }
            OneOf::Second(scale) => {
                self.positive("gamma", "scale", scale);
                scale
            }
        };
        Some(Dist::Gamma {
            shape: p.shape,
            scale,
            sampler: self.sampler(|| Gamma::new(p.shape, scale))?,
        })
    }

    fn weibull(&mut self, p: &RawWeibull) -> Option<Dist> {
        self.shape("weibull", "shape", p.shape);
        self.positive("weibull", "scale", p.scale);
        Some(Dist::Weibull {
            shape: p.shape,
            scale: p.scale,
            sampler: self.sampler(|| Weibull::new(p.scale, p.shape))?,
        })
    }

    fn uniform(&mut self, p: &RawUniform) -> Option<Dist> {
        if !(p.min.is_finite() && p.max.is_finite()) || p.min > p.max {
            let path = self.path;
            self.push(
                format!("{path}.uniform"),
                format!("min ({}) must not exceed max ({})", p.min, p.max),
            );
            return None;
        }
        Some(Dist::Uniform {
            min: p.min,
            max: p.max,
        })
    }

    fn triangular(&mut self, p: &RawTriangular) -> Option<Dist> {
        let ok = [p.min, p.mode, p.max].iter().all(|v| v.is_finite())
            && p.min <= p.mode
            && p.mode <= p.max;
        if !ok {
            let path = self.path;
            self.push(
                format!("{path}.triangular"),
                format!(
                    "expected min <= mode <= max, got min {}, mode {}, max {}",
                    p.min, p.mode, p.max
                ),
            );
            return None;
        }
        if p.min == p.max {
            return Some(Dist::Fixed(p.min));
        }
        Some(Dist::Triangular {
            min: p.min,
            mode: p.mode,
            max: p.max,
            sampler: self.sampler(|| Triangular::new(p.min, p.max, p.mode))?,
        })
    }

    fn beta(&mut self, p: &RawBeta) -> Option<Dist> {
        let path = self.path;
        let (alpha, beta) = match (p.mean, p.concentration, p.alpha, p.beta) {
            (Some(mean), Some(conc), None, None) => {
                if !(mean > 0.0 && mean < 1.0) {
                    self.push(
                        format!("{path}.beta.mean"),
                        format!("must lie strictly between 0 and 1, got {mean}"),
                    );
                }
                self.shape("beta", "concentration", conc);
                let (a, b) = (mean * conc, (1.0 - mean) * conc);
                // NaN-safe: a NaN parameter is "too small".
                let too_small = !(a >= MIN_SHAPE && b >= MIN_SHAPE);
                if !self.failed() && too_small {
                    self.push(
                        format!("{path}.beta"),
                        format!(
                            "mean x concentration and (1 - mean) x concentration must both be at least {MIN_SHAPE}, got {a:e} and {b:e}"
                        ),
                    );
                }
                (a, b)
            }
            (None, None, Some(a), Some(b)) => {
                self.shape("beta", "alpha", a);
                self.shape("beta", "beta", b);
                (a, b)
            }
            _ => {
                self.push(
                    format!("{path}.beta"),
                    "expected either `mean` and `concentration`, or `alpha` and `beta`".into(),
                );
                return None;
            }
        };
        Some(Dist::Beta {
            alpha,
            beta,
            sampler: self.sampler(|| rand_distr::Beta::new(alpha, beta))?,
        })
    }

    fn empirical(&mut self, p: &RawEmpirical) -> Option<Dist> {
        let path = self.path;
        let values = match p {
            RawEmpirical::Values(values) => values,
            RawEmpirical::Csv(_) => {
                self.push(
                    format!("{path}.empirical"),
                    "CSV-backed empirical distributions are not supported by this version; give the observed values inline as a list".into(),
                );
                return None;
            }
        };
        if values.is_empty() {
            self.push(
                format!("{path}.empirical"),
                "needs at least one observed value".into(),
            );
            return None;
        }
        if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            self.push(
                format!("{path}.empirical[{i}]"),
                format!("must be a finite number, got {v}"),
            );
            return None;
        }
        Some(Dist::Empirical(values.clone().into()))
    }
}

/// Parameters beyond [`MAX_MAGNITUDE`] would overflow while sampling
/// (a triangular draw squares its range), so they are refused.
fn check_magnitude(dist: &Dist, path: &str, errors: &mut FieldErrors) {
    let (lo, hi) = dist.bounds();
    let typical = dist.mean();
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

fn check_support(dist: &Dist, path: &str, support: Support, errors: &mut FieldErrors) {
    let (lo, hi) = dist.bounds();
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

/// Builds a rate: a probability in [0, 1], or a distribution on [0, 1].
pub fn rate(raw: &RawRate, path: &str, errors: &mut FieldErrors) -> Option<Rate> {
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
        RawRate::Dist(d) => build(d, path, Support::Unit, errors).map(Rate::Dist),
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
        super::build(&raw, "x", support, &mut errors).ok_or(errors)
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
