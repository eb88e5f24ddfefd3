//! The distributions the engine samples: validated parameters with their
//! `rand_distr` samplers ready, so sampling on the hot path never
//! re-validates or allocates. How a scenario file's JSON becomes a [`Dist`]
//! (and every check on its parameters) lives in `scenario::dist`; this
//! module knows nothing about the file format, leads or partners.

use std::sync::Arc;

use rand::Rng;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Triangular, Weibull};

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
    /// Draws one value. Inlined at every call site, so that each site's
    /// choice of distribution is predicted on its own (a site mostly draws
    /// from one kind).
    #[inline(always)]
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
}

/// A rate or probability: fixed, or drawn from a distribution on [0, 1].
#[derive(Debug, Clone)]
pub enum Rate {
    Fixed(f64),
    Dist(Dist),
}
impl Rate {
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
