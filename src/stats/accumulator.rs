//! Mergeable accumulators of one metric across replications, in bounded
//! memory.
//!
//! Moments use Welford's update and Chan, Golub & LeVeque's merge ("Updating
//! formulae and a pairwise algorithm for computing sample variances", 1979).
//! Quantiles are exact (every value kept) up to [`EXACT_LIMIT`] values; past
//! that the values move into a log-bucketed histogram with relative accuracy
//! [`SKETCH_ALPHA`] (the DDSketch construction: Masson, Rim & Lee, VLDB
//! 2019), whose merge adds integer counts and so is order-independent. The
//! runner merges in a fixed order, so the same inputs give the same bits
//! whatever the thread count.

use std::collections::BTreeMap;

use super::{quantile_sorted, t_975, Estimate};

/// Values kept exactly before quantiles switch to the sketch.
pub const EXACT_LIMIT: usize = 2048;
/// Relative accuracy of sketched quantiles: 0.1 %.
pub const SKETCH_ALPHA: f64 = 0.001;

/// Count, mean and sum of squared deviations.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Moments {
    pub n: u64,
    pub mean: f64,
    pub m2: f64,
}

impl Moments {
    #[inline]
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    pub fn merge(&mut self, o: &Moments) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *o;
            return;
        }
        let n = self.n + o.n;
        let delta = o.mean - self.mean;
        self.mean += delta * o.n as f64 / n as f64;
        self.m2 += o.m2 + delta * delta * (self.n as f64 * o.n as f64 / n as f64);
        self.n = n;
    }

    /// Sample variance (n - 1).
    pub fn variance(&self) -> Option<f64> {
        (self.n > 1).then(|| (self.m2 / (self.n - 1) as f64).max(0.0))
    }
}

/// Quantiles: exact values while few, a log-bucket histogram past that.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Quantiles {
    exact: Vec<f64>,
    sketch: Option<Sketch>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct Sketch {
    /// Counts by bucket index of |v|, for negative and positive values.
    negative: BTreeMap<i32, u64>,
    positive: BTreeMap<i32, u64>,
    zeros: u64,
}

fn gamma() -> f64 {
    (1.0 + SKETCH_ALPHA) / (1.0 - SKETCH_ALPHA)
}

impl Sketch {
    fn add(&mut self, v: f64) {
        if v == 0.0 {
            self.zeros += 1;
            return;
        }
        let index = (v.abs().ln() / gamma().ln()).ceil() as i32;
        let side = if v < 0.0 {
            &mut self.negative
        } else {
            &mut self.positive
        };
        *side.entry(index).or_insert(0) += 1;
    }

    fn merge(&mut self, o: &Sketch) {
        for (k, c) in &o.negative {
            *self.negative.entry(*k).or_insert(0) += c;
        }
        for (k, c) in &o.positive {
            *self.positive.entry(*k).or_insert(0) += c;
        }
        self.zeros += o.zeros;
    }

    fn count(&self) -> u64 {
        // Saturating: a count read from a tampered file must not overflow.
        self.negative
            .values()
            .chain(self.positive.values())
            .fold(self.zeros, |total, c| total.saturating_add(*c))
    }

    /// The value of 0-based rank `rank`, within relative error alpha.
    fn value_at_rank(&self, rank: u64) -> f64 {
        let g = gamma();
        let representative = |index: i32| 2.0 * g.powi(index) / (g + 1.0);
        let mut seen = 0;
        for (&k, &c) in self.negative.iter().rev() {
            seen += c;
            if rank < seen {
                return -representative(k);
            }
        }
        seen += self.zeros;
        if rank < seen {
            return 0.0;
        }
        for (&k, &c) in &self.positive {
            seen += c;
            if rank < seen {
                return representative(k);
            }
        }
        self.positive
            .keys()
            .next_back()
            .map_or(0.0, |&k| representative(k))
    }
}

impl Quantiles {
    /// How many values the store holds.
    pub fn count(&self) -> u64 {
        (self.exact.len() as u64).saturating_add(self.sketch.as_ref().map_or(0, Sketch::count))
    }

    /// Whether every exact value is finite (sketch buckets are integers).
    pub fn all_finite(&self) -> bool {
        self.exact.iter().all(|v| v.is_finite())
    }

    pub fn push(&mut self, x: f64) {
        match &mut self.sketch {
            Some(s) => s.add(x),
            None => {
                self.exact.push(x);
                if self.exact.len() > EXACT_LIMIT {
                    self.spill();
                }
            }
        }
    }

    fn spill(&mut self) {
        let sketch = self.sketch.get_or_insert_with(Sketch::default);
        for v in self.exact.drain(..) {
            sketch.add(v);
        }
    }

    pub fn merge(&mut self, o: &Quantiles) {
        match (&mut self.sketch, &o.sketch) {
            (None, None) if self.exact.len() + o.exact.len() <= EXACT_LIMIT => {
                self.exact.extend_from_slice(&o.exact);
            }
            _ => {
                self.spill();
                let sketch = self.sketch.as_mut().expect("spilled");
                if let Some(theirs) = &o.sketch {
                    sketch.merge(theirs);
                }
                for &v in &o.exact {
                    sketch.add(v);
                }
            }
        }
    }

    /// p10, p50, p90; `None` when empty.
    pub fn deciles(&self) -> Option<(f64, f64, f64)> {
        match &self.sketch {
            None if self.exact.is_empty() => None,
            None => {
                let mut sorted = self.exact.clone();
                sorted.sort_unstable_by(f64::total_cmp);
                Some((
                    quantile_sorted(&sorted, 0.1),
                    quantile_sorted(&sorted, 0.5),
                    quantile_sorted(&sorted, 0.9),
                ))
            }
            Some(s) => {
                // Type-7 interpolation between the two order statistics
                // around h = p (n - 1), as below the cut-over: each order
                // statistic is within SKETCH_ALPHA of the true one, so is
                // the interpolation (a nearest rank was not: between two
                // order statistics far apart it was off by more).
                let n = s.count();
                let at = |p: f64| {
                    let h = p * (n - 1) as f64;
                    let lo = h.floor();
                    let (a, b) = (s.value_at_rank(lo as u64), s.value_at_rank(h.ceil() as u64));
                    a + (h - lo) * (b - a)
                };
                Some((at(0.1), at(0.5), at(0.9)))
            }
        }
    }
}

/// One metric across replications. NaN (undefined in a replication) is
/// counted apart and skipped.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Accumulator {
    pub moments: Moments,
    pub quantiles: Quantiles,
    pub undefined: u64,
}

impl Accumulator {
    /// Checks an accumulator read from a file: it holds exactly `values`
    /// values (defined ones plus undefined ones), its quantile store as many
    /// as its moments, and finite moments.
    pub fn check(&self, values: u64) -> Result<(), String> {
        let m = self.moments;
        if m.n.checked_add(self.undefined) != Some(values) {
            return Err(format!(
                "an accumulator holds {} values, expected {values}",
                m.n.saturating_add(self.undefined)
            ));
        }
        if self.quantiles.count() != m.n {
            return Err("an accumulator's quantiles disagree with its count".into());
        }
        if !(m.mean.is_finite() && m.m2.is_finite() && m.m2 >= 0.0) {
            return Err("an accumulator's moments are not finite".into());
        }
        if !self.quantiles.all_finite() {
            return Err("an accumulator's quantile store holds a number that is not finite".into());
        }
        Ok(())
    }

    #[inline]
    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            self.undefined += 1;
        } else {
            self.moments.push(x);
            self.quantiles.push(x);
        }
    }

    pub fn merge(&mut self, o: &Accumulator) {
        self.moments.merge(&o.moments);
        self.quantiles.merge(&o.quantiles);
        self.undefined += o.undefined;
    }

    /// The summary across replications; `None` if never defined.
    pub fn estimate(&self) -> Option<Estimate> {
        let m = self.moments;
        let (p10, p50, p90) = self.quantiles.deciles()?;
        let sd = m.variance().map(f64::sqrt);
        let ci95 = sd.map(|sd| {
            let half = t_975(m.n - 1) * sd / (m.n as f64).sqrt();
            (m.mean - half, m.mean + half)
        });
        Some(Estimate {
            n: m.n,
            mean: m.mean,
            sd,
            ci95,
            p10,
            p50,
            p90,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize) -> Vec<f64> {
        // A deterministic, skewed spread with negatives and zeros.
        (0..n)
            .map(|i| ((i * 7919) % 1000) as f64 / 10.0 - 20.0)
            .collect()
    }

    #[test]
    fn moments_match_the_two_pass_formula_and_merge_exactly_enough() {
        let xs = values(1000);
        let e = Estimate::of(&xs).unwrap();
        let mut whole = Accumulator::default();
        xs.iter().for_each(|&x| whole.push(x));
        let w = whole.estimate().unwrap();
        assert!((w.mean - e.mean).abs() < 1e-10);
        assert!((w.sd.unwrap() - e.sd.unwrap()).abs() < 1e-10);
        let (mut a, mut b) = (Accumulator::default(), Accumulator::default());
        xs[..300].iter().for_each(|&x| a.push(x));
        xs[300..].iter().for_each(|&x| b.push(x));
        a.merge(&b);
        let m = a.estimate().unwrap();
        assert!((m.mean - e.mean).abs() < 1e-10);
        assert!((m.sd.unwrap() - e.sd.unwrap()).abs() < 1e-10);
        assert_eq!(
            (m.p10, m.p50, m.p90),
            (e.p10, e.p50, e.p90),
            "exact below the limit"
        );
    }

    #[test]
    fn quantiles_stay_within_alpha_past_the_exact_limit_and_memory_is_bounded() {
        let xs: Vec<f64> = values(50_000).iter().map(|v| v + 25.0).collect();
        let mut acc = Accumulator::default();
        xs.iter().for_each(|&x| acc.push(x));
        let mut sorted = xs.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        let (p10, p50, p90) = acc.quantiles.deciles().unwrap();
        for (got, p) in [(p10, 0.1), (p50, 0.5), (p90, 0.9)] {
            let truth = quantile_sorted(&sorted, p);
            assert!(
                (got - truth).abs() <= 2.0 * SKETCH_ALPHA * truth.abs() + 0.1,
                "p{p}: {got} vs {truth}"
            );
        }
        assert!(acc.quantiles.exact.is_empty());
        let buckets = acc.quantiles.sketch.as_ref().unwrap().positive.len();
        assert!(buckets < 5000, "{buckets} buckets for 50,000 values");
    }

    #[test]
    fn sketched_quantiles_interpolate_between_order_statistics() {
        // 3,000 values, half 10 and half 20: type 7 puts the median at
        // h = 0.5 x 2999 = 1499.5, halfway between order statistics 1499
        // (10) and 1500 (20), so 15 (R: quantile(c(rep(10,1500),
        // rep(20,1500)), 0.5) = 15). A nearest rank gives 10 or 20.
        let mut acc = Accumulator::default();
        for i in 0..3000 {
            acc.push(if i % 2 == 0 { 10.0 } else { 20.0 });
        }
        assert!(acc.quantiles.sketch.is_some());
        let (p10, p50, p90) = acc.quantiles.deciles().unwrap();
        assert!((p50 - 15.0).abs() <= 20.0 * SKETCH_ALPHA, "{p50}");
        assert!((p10 - 10.0).abs() <= 10.0 * 2.0 * SKETCH_ALPHA, "{p10}");
        assert!((p90 - 20.0).abs() <= 20.0 * 2.0 * SKETCH_ALPHA, "{p90}");
    }

    #[test]
    fn undefined_values_are_counted_not_summarised() {
        let mut acc = Accumulator::default();
        acc.push(f64::NAN);
        assert_eq!(acc.estimate(), None);
        acc.push(2.0);
        assert_eq!(acc.undefined, 1);
        assert_eq!(acc.estimate().unwrap().mean, 2.0);
    }
}
