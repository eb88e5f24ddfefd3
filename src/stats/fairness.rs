//! Fairness indices over partners.
//!
//! Both return `None` when every value is 0 (the index is 0/0: undefined).

/// Gini coefficient: `sum_i sum_j |x_i - x_j| / (2 n^2 mean)` (docs/scenario-format.md,
/// "Metrics"). Computed in O(n log n) from the sorted values with the
/// identity `sum_i sum_j |x_i - x_j| = 2 sum_i (2i - n - 1) x_(i)` for
/// 1-based ranks i (Glasser 1962; Damgaard & Weiner 2000).
pub fn gini(values: &[f64]) -> Option<f64> {
    let n = values.len();
    let total: f64 = values.iter().sum();
    if n == 0 || total <= 0.0 {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let weighted: f64 = sorted
        .iter()
        .enumerate()
        .map(|(i, x)| (2.0 * (i as f64 + 1.0) - n as f64 - 1.0) * x)
        .sum();
    let mean = total / n as f64;
    Some(2.0 * weighted / (2.0 * (n * n) as f64 * mean))
}

/// Jain's fairness index: `(sum x)^2 / (n sum x^2)` (Jain, Chiu & Hawe
/// 1984). 1 when all are equal, 1/n when one partner has everything.
pub fn jain(values: &[f64]) -> Option<f64> {
    let n = values.len();
    let sum: f64 = values.iter().sum();
    let sum_sq: f64 = values.iter().map(|x| x * x).sum();
    if n == 0 || sum_sq <= 0.0 {
        return None;
    }
    Some(sum * sum / (n as f64 * sum_sq))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, literally, to check the fast form against.
    fn gini_by_definition(x: &[f64]) -> f64 {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let pairs: f64 = x
            .iter()
            .flat_map(|a| x.iter().map(move |b| (a - b).abs()))
            .sum();
        pairs / (2.0 * n * n * mean)
    }

    #[test]
    fn gini_matches_hand_computed_values() {
        // Equal shares: 0.
        assert_eq!(gini(&[3.0, 3.0, 3.0]), Some(0.0));
        // One of four holds everything: (n - 1) / n = 0.75.
        assert!((gini(&[0.0, 0.0, 0.0, 8.0]).unwrap() - 0.75).abs() < 1e-12);
        // [1, 2, 3, 4]: sum |xi - xj| over ordered pairs = 20; 20 / (2 * 16 * 2.5) = 0.25.
        assert!((gini(&[4.0, 1.0, 3.0, 2.0]).unwrap() - 0.25).abs() < 1e-12);
        let x = [5.0, 0.5, 17.0, 2.0, 2.0, 9.5];
        assert!((gini(&x).unwrap() - gini_by_definition(&x)).abs() < 1e-12);
        assert_eq!(gini(&[0.0, 0.0]), None);
    }

    #[test]
    fn jain_matches_hand_computed_values() {
        assert_eq!(jain(&[2.0, 2.0, 2.0, 2.0]), Some(1.0));
        assert!((jain(&[0.0, 0.0, 0.0, 8.0]).unwrap() - 0.25).abs() < 1e-12);
        // [1, 2, 3, 4]: 100 / (4 * 30) = 5/6.
        assert!((jain(&[1.0, 2.0, 3.0, 4.0]).unwrap() - 5.0 / 6.0).abs() < 1e-12);
        assert_eq!(jain(&[0.0]), None);
    }
}
