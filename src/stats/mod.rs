//! Statistics: estimates across replications, quantiles, fairness indices.
//!
//! Pure functions of numbers, each with its formula and reference; nothing
//! here knows about leads or partners.

pub mod accumulator;
pub mod fairness;
pub mod histogram;
pub mod hypothesis;
pub mod mcb;
pub mod selection;

use statrs::distribution::{ContinuousCDF, StudentsT};

/// The `p` quantile of ascending `sorted` values, by linear interpolation
/// between order statistics (Hyndman & Fan 1996, definition 7; the default
/// of R and NumPy). `sorted` must be non-empty.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    debug_assert!(!sorted.is_empty());
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// [`quantile_sorted`] of `values` without sorting them: selects the two
/// order statistics it interpolates between (O(n); reorders `values`).
pub fn quantile_unsorted(values: &mut [f64], p: f64) -> f64 {
    debug_assert!(!values.is_empty());
    let h = (values.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let (_, &mut low, above) = values.select_nth_unstable_by(lo, f64::total_cmp);
    if h == lo as f64 {
        return low;
    }
    let high = above.iter().copied().fold(f64::INFINITY, f64::min);
    low + (h - lo as f64) * (high - low)
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom: the
/// multiplier of the standard error in a two-sided 95 % interval.
pub fn t_975(df: u64) -> f64 {
    match StudentsT::new(0.0, 1.0, df as f64) {
        Ok(t) => t.inverse_cdf(0.975),
        Err(_) => f64::NAN,
    }
}

/// Summary of one metric's values across replications.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Replications in which the metric was defined.
    pub n: u64,
    pub mean: f64,
    /// Sample standard deviation (n - 1); `None` with a single value.
    pub sd: Option<f64>,
    /// `mean ± t(0.975, n-1) * sd / sqrt(n)`; `None` with a single value.
    pub ci95: Option<(f64, f64)>,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

impl Estimate {
    /// Half the width of the 95 % interval.
    pub fn half_width(&self) -> Option<f64> {
        self.ci95.map(|(lo, hi)| (hi - lo) / 2.0)
    }

    /// Summarises `values`, skipping NaN (a replication where the metric is
    /// undefined). `None` when no value is defined. Values are summed in the
    /// order given, so the same values in the same order give the same bits.
    pub fn of(values: &[f64]) -> Option<Estimate> {
        let mut defined: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        let n = defined.len();
        if n == 0 {
            return None;
        }
        let mean = defined.iter().sum::<f64>() / n as f64;
        let (sd, ci95) = if n > 1 {
            let var = defined.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let sd = var.sqrt();
            let half = t_975(n as u64 - 1) * sd / (n as f64).sqrt();
            (Some(sd), Some((mean - half, mean + half)))
        } else {
            (None, None)
        };
        defined.sort_unstable_by(f64::total_cmp);
        Some(Estimate {
            n: n as u64,
            mean,
            sd,
            ci95,
            p10: quantile_sorted(&defined, 0.1),
            p50: quantile_sorted(&defined, 0.5),
            p90: quantile_sorted(&defined, 0.9),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let xs = [1.0, 2.0, 3.0, 4.0, 10.0];
        // numpy.quantile([1,2,3,4,10], [0.1, 0.5, 0.9]) = [1.4, 3.0, 7.6]
        assert!((quantile_sorted(&xs, 0.1) - 1.4).abs() < 1e-12);
        assert!((quantile_sorted(&xs, 0.5) - 3.0).abs() < 1e-12);
        assert!((quantile_sorted(&xs, 0.9) - 7.6).abs() < 1e-12);
    }

    #[test]
    fn unsorted_quantiles_equal_sorted_ones() {
        let mut xs: Vec<f64> = (0..101).map(|i| ((i * 37) % 101) as f64 * 0.5).collect();
        let mut sorted = xs.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        for p in [0.0, 0.1, 0.5, 0.9, 0.999, 1.0] {
            assert_eq!(
                quantile_unsorted(&mut xs, p),
                quantile_sorted(&sorted, p),
                "{p}"
            );
        }
    }

    #[test]
    fn t_quantiles_match_tables() {
        // Standard t tables: t(0.975; 1) = 12.706, t(0.975; 10) = 2.228, t(0.975; 1000) = 1.962.
        assert!((t_975(1) - 12.7062).abs() < 1e-3);
        assert!((t_975(10) - 2.2281).abs() < 1e-3);
        assert!((t_975(1000) - 1.9623).abs() < 1e-3);
    }

    #[test]
    fn estimate_of_known_values() {
        let e = Estimate::of(&[2.0, 4.0, f64::NAN, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(e.n, 8);
        assert!((e.mean - 5.0).abs() < 1e-12);
        // Sample variance 32 / 7.
        assert!((e.sd.unwrap() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        let half = 2.364_624_25 * (32.0f64 / 7.0).sqrt() / 8f64.sqrt();
        assert!((e.half_width().unwrap() - half).abs() < 1e-6);
        assert!(Estimate::of(&[f64::NAN]).is_none());
        let single = Estimate::of(&[3.0]).unwrap();
        assert_eq!((single.sd, single.ci95, single.p50), (None, None, 3.0));
    }
}
