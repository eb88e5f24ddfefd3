//! Hypothesis tests: the paired t-test's p-value and Holm's adjusted
//! p-values for many comparisons.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::Estimate;

/// Two-sided p-value of a paired t-test that the mean difference is 0,
/// from the differences' estimate (Student 1908). A difference that is
/// exactly constant has p = 1 when it is 0 and p = 0 otherwise.
pub fn paired_p_value(diff: &Estimate) -> f64 {
    let n = diff.n as f64;
    match diff.sd {
        None => 1.0,
        Some(0.0) => {
            if diff.mean == 0.0 {
                1.0
            } else {
                0.0
            }
        }
        Some(sd) => {
            let t = diff.mean / (sd / n.sqrt());
            match StudentsT::new(0.0, 1.0, n - 1.0) {
                Ok(dist) => (2.0 * dist.cdf(-t.abs())).min(1.0),
                Err(_) => 1.0,
            }
        }
    }
}

/// Holm-adjusted p-values (Holm 1979; as `statsmodels.stats.multitest.
/// multipletests(method="holm")` computes them): sorted ascending, the k-th
/// smallest becomes max over j <= k of min(1, (m - j + 1) p_(j)). A test is
/// rejected at family-wise level alpha exactly when its adjusted p-value is
/// at most alpha, which is Holm's step-down rule (checked against it in
/// the tests).
pub fn holm_adjusted(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]).then(a.cmp(&b)));
    let mut adjusted = vec![1.0; m];
    let mut running = 0.0f64;
    for (k, &i) in order.iter().enumerate() {
        running = running.max(((m - k) as f64 * p_values[i]).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Holm's step-down rule as he states it (Holm 1979), the independent
    /// reference for [`holm_adjusted`]: which of `p_values` are rejected at
    /// family-wise error rate `alpha`. Sort ascending; reject the k-th
    /// smallest while p_(k) <= alpha / (m - k + 1); stop at the first that
    /// is not.
    fn holm(p_values: &[f64], alpha: f64) -> Vec<bool> {
        let m = p_values.len();
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]).then(a.cmp(&b)));
        let mut rejected = vec![false; m];
        for (k, &i) in order.iter().enumerate() {
            if p_values[i] <= alpha / (m - k) as f64 {
                rejected[i] = true;
            } else {
                break;
            }
        }
        rejected
    }

    #[test]
    fn holm_adjusted_p_values_match_statsmodels() {
        // statsmodels 0.14: multipletests([0.03, 0.01, 0.04, 0.015],
        // method="holm")[1] = [0.06, 0.04, 0.06, 0.045].
        let adjusted = holm_adjusted(&[0.03, 0.01, 0.04, 0.015]);
        for (a, want) in adjusted.iter().zip([0.06, 0.04, 0.06, 0.045]) {
            assert!((a - want).abs() < 1e-12, "{adjusted:?}");
        }
        // Capped at 1, and rejection agrees with the step-down rule.
        assert_eq!(holm_adjusted(&[0.6, 0.9]), vec![1.0, 1.0]);
        let p = [0.001, 0.2, 0.012, 0.04, 0.013];
        let rejected = holm(&p, 0.05);
        for (a, r) in holm_adjusted(&p).iter().zip(rejected) {
            assert_eq!(*a <= 0.05, r);
        }
    }

    #[test]
    fn holm_matches_a_worked_example() {
        // m = 4, alpha = 0.05: thresholds 0.0125, 0.0167, 0.025, 0.05.
        // Sorted p: 0.01 (reject), 0.015 (reject), 0.03 (> 0.025: stop).
        assert_eq!(
            holm(&[0.03, 0.01, 0.04, 0.015], 0.05),
            vec![false, true, false, true]
        );
        assert_eq!(holm(&[0.2, 0.5], 0.05), vec![false, false]);
        assert_eq!(holm(&[0.001, 0.002], 0.05), vec![true, true]);
    }

    #[test]
    fn paired_p_values_match_tables() {
        // t = 2.228 with 10 degrees of freedom is the two-sided 5 % point.
        let e = Estimate {
            n: 11,
            mean: 2.228,
            sd: Some(11f64.sqrt()),
            ci95: None,
            p10: 0.0,
            p50: 0.0,
            p90: 0.0,
        };
        assert!((paired_p_value(&e) - 0.05).abs() < 1e-3);
        let zero = Estimate {
            sd: Some(0.0),
            mean: 0.0,
            ..e
        };
        assert_eq!(paired_p_value(&zero), 1.0);
    }
}
