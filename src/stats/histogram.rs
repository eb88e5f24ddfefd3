//! Fixed log-spaced bins for time to first contact, so the distribution of
//! every contacted lead can be pooled across replications in bounded memory
//! (integer counts: merging is exact and order-free).

/// Hours: bin 0 holds [0, 0.1); bins 1..=100 are 20 per decade from 0.1 h to
/// 10,000 h; the last bin holds everything above.
pub const TTFC_BIN_COUNT: usize = 102;
const FIRST_EDGE_HOURS: f64 = 0.1;
const BINS_PER_DECADE: f64 = 20.0;

/// The upper edge of bin `k` (infinite for the last).
pub fn ttfc_upper_edge(k: usize) -> f64 {
    if k + 1 >= TTFC_BIN_COUNT {
        f64::INFINITY
    } else {
        FIRST_EDGE_HOURS * 10f64.powf(k as f64 / BINS_PER_DECADE)
    }
}

/// The bins' upper edges but the last (which is infinite).
fn edges() -> &'static [f64; TTFC_BIN_COUNT - 1] {
    static EDGES: std::sync::OnceLock<[f64; TTFC_BIN_COUNT - 1]> = std::sync::OnceLock::new();
    EDGES.get_or_init(|| std::array::from_fn(ttfc_upper_edge))
}

/// Adds `values`, in any order, into `counts` (length [`TTFC_BIN_COUNT`]).
pub fn count(values: &[f64], counts: &mut [u64]) {
    let edges = edges();
    for &v in values {
        counts[edges.partition_point(|&e| e <= v)] += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_land_in_their_bins() {
        let mut counts = vec![0u64; TTFC_BIN_COUNT];
        // In any order.
        count(&[1e6, 0.05, 0.1, 0.99, 0.0, 9_999.0, 1.0], &mut counts);
        assert_eq!(counts[0], 2);
        assert_eq!(counts[1], 1, "0.1 opens bin 1");
        // 0.99 h is just under 1 h, the upper edge of bin 20.
        assert_eq!(counts[20], 1);
        assert_eq!(counts[21], 1);
        assert_eq!(counts[100], 1);
        assert_eq!(counts[101], 1);
        assert_eq!(counts.iter().sum::<u64>(), 7);
        assert!((ttfc_upper_edge(20) - 1.0).abs() < 1e-12);
    }
}
