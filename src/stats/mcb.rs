//! Which systems cannot be ruled out as the best: a subset that holds the
//! true best with probability at least 1 - alpha.
//!
//! System i stays in the subset unless some other system j beats it
//! clearly: the one-sided paired t-test of mu_i - mu_j >= 0 rejects at
//! alpha / (k - 1). The true best b has mu_b - mu_j >= 0 for every j, so
//! each of its k - 1 tests rejects with probability at most alpha / (k - 1),
//! and by Bonferroni's inequality it leaves the subset with probability at
//! most alpha. This is Hsu's multiple comparisons with the best (MCB) in
//! its subset-selection form, with Bonferroni's bound in place of the
//! equal-variance constant, so it needs neither equal variances nor
//! independence across systems: common random numbers only make the paired
//! differences' variances smaller (D. J. Nelson, J. Swann, D. Goldsman and
//! W. Song, "Simple procedures for selecting the best simulated system when
//! the number of alternatives is large", Operations Research 49(6), 2001,
//! the screening step). Means of replications are taken as near-normal.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// System i minus system j: the mean difference, its standard error and
/// the degrees of freedom of that standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contrast {
    pub mean: f64,
    pub se: f64,
    pub df: u64,
}

impl Contrast {
    /// The lower end of a one-sided `1 - alpha` interval for the
    /// difference (the mean itself when there is no spread to estimate).
    pub fn lower(&self, alpha: f64) -> f64 {
        if self.se == 0.0 || self.df == 0 {
            return self.mean;
        }
        let t = StudentsT::new(0.0, 1.0, self.df as f64)
            .map(|t| t.inverse_cdf(1.0 - alpha))
            .unwrap_or(f64::INFINITY);
        self.mean - t * self.se
    }
}

/// For `k` systems, larger is better: which cannot be ruled out as the
/// best at `1 - alpha`. `contrast(i, j)` is system i minus system j
/// (`None` when it cannot be estimated: such a pair rules nothing out).
pub fn could_be_best(
    k: usize,
    alpha: f64,
    contrast: &dyn Fn(usize, usize) -> Option<Contrast>,
) -> Vec<bool> {
    let per_test = alpha / (k.saturating_sub(1).max(1)) as f64;
    (0..k)
        .map(|i| {
            (0..k)
                .filter(|&j| j != i)
                .filter_map(|j| contrast(j, i))
                .all(|beats| beats.lower(per_test) <= 0.0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clear_best_stands_alone_and_ties_stay_together() {
        // System 2 is ahead of both by 10 standard errors; 0 and 1 tie.
        let means = [0.0, 0.0, 1.0];
        let contrast = |i: usize, j: usize| {
            Some(Contrast {
                mean: means[i] - means[j],
                se: 0.1,
                df: 99,
            })
        };
        assert_eq!(could_be_best(3, 0.05, &contrast), vec![false, false, true]);
        let tied = |i: usize, j: usize| {
            Some(Contrast {
                mean: means[i.min(1)] - means[j.min(1)],
                se: 0.1,
                df: 99,
            })
        };
        assert_eq!(could_be_best(3, 0.05, &tied), vec![true, true, true]);
    }

    #[test]
    fn the_bonferroni_bound_uses_alpha_over_k_minus_1() {
        // A difference 2.2 standard errors ahead: out of the subset at
        // one-sided 5 % (t = 1.66), kept at 0.05 / 9 (t = 2.59).
        let c = |i: usize, j: usize| {
            Some(Contrast {
                mean: if i == 0 {
                    2.2
                } else if j == 0 {
                    -2.2
                } else {
                    0.0
                },
                se: 1.0,
                df: 99,
            })
        };
        assert!(!could_be_best(2, 0.05, &c)[1]);
        assert!(could_be_best(10, 0.05, &c)[1]);
    }
}
