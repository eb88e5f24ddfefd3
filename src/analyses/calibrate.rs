//! `leadsim calibrate`: a scenario fitted to a CRM export ([`crate::analyses::history`]).
//!
//! What is fitted, and how (docs/calibrate.md says it for users):
//!
//! - **Arrivals**: the rate (leads a day over the days the creations span)
//!   and the hour-of-week shape as `weekdays × hours` weights, each
//!   weekday's count divided by how often that weekday occurs in the span
//!   (the maximum-likelihood fit of a separable Poisson rate).
//! - **Segments**: one per (region, vertical) seen, with its share; deal
//!   sizes lognormal by maximum likelihood on the won amounts (pooled over
//!   every segment where one has fewer than [`MIN_FIT`]); quality a Beta by
//!   moments of the scores less the signal's noise.
//! - **Per holder** (each partner, and the house for contacted rows with no
//!   partner): time to first contact lognormal by maximum likelihood with
//!   leads never contacted right-censored at the export's end, not dropped;
//!   the time from contact to close likewise, open opportunities censored;
//!   qualification and win rates as Beta distributions by empirical Bayes
//!   across partners (the prior maximises the beta-binomial marginal
//!   likelihood; each partner's posterior is what the scenario carries, so
//!   the simulator draws a skill per replication from it); capacity as the
//!   most leads the holder held at once.
//! - **Speed to lead**: qualification per unit of score by bins of time to
//!   first contact, made non-increasing (pool adjacent violators) and
//!   divided by the first bin's: a `qualify` curve of points. Observational.

use std::collections::BTreeMap;

use argmin::core::{CostFunction, Error as ArgminError, Executor};
use argmin::solver::neldermead::NelderMead;
use serde_json::{json, Map, Value};
use statrs::distribution::{Beta, ContinuousCDF};
use statrs::function::beta::ln_beta;
use statrs::function::erf::erfc;

use crate::analyses::history::{weekday, History, Row};

/// Fewer observations than this and a fit is pooled over every holder (or
/// segment) instead.
pub const MIN_FIT: usize = 5;

/// Times below a minute are read as a minute (a lognormal has no zero).
pub const MIN_HOURS: f64 = 1.0 / 60.0;

/// The signal noise the fitted scenario keeps (the format's default): the
/// quality fit removes its variance from the scores'.
pub const SIGNAL_NOISE: f64 = 0.1;

/// Upper edges (hours) of the time-to-first-contact bins of the qualify
/// curve; bins with fewer than [`MIN_BIN`] contacted leads are merged
/// into the next.
pub const CURVE_EDGES: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, f64::INFINITY];
pub const MIN_BIN: usize = 30;

/// The z of the 90th percentile of a standard normal.
const Z90: f64 = 1.281_551_565_544_600_5;

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
    fn json(&self) -> Value {
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
    fn new(k: f64, n: f64, prior: (f64, f64)) -> RateFit {
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
    fn json(&self) -> Value {
        json!({"beta": {"alpha": sig(self.alpha), "beta": sig(self.beta)}})
    }
}

/// One holder's fit: a partner, or the house.
#[derive(Debug, Clone, PartialEq)]
pub struct HolderFit {
    pub name: String,
    pub house: bool,
    pub leads: usize,
    pub regions: Vec<String>,
    pub verticals: Vec<String>,
    /// Time to first contact: contacted, censored (never contacted), and
    /// the fit (pooled when `response_pooled`).
    pub contacted: usize,
    pub censored: usize,
    pub response: LogNormal,
    pub response_pooled: bool,
    /// The observed median of the contacted leads' times (biased low by
    /// the censoring; shown beside the fit).
    pub observed_median: Option<f64>,
    pub work: LogNormal,
    pub work_pooled: bool,
    pub closed: usize,
    pub open: usize,
    pub qualify: RateFit,
    pub win: RateFit,
    pub capacity: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SegmentFit {
    pub name: String,
    pub region: Option<String>,
    pub vertical: Option<String>,
    pub leads: usize,
    pub wins: usize,
    pub deal_size: Option<LogNormal>,
    pub deal_pooled: bool,
    pub observed_median_amount: Option<f64>,
    /// Beta (mean, concentration) of quality, when the rows have scores.
    pub quality: Option<(f64, f64)>,
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

/// Everything calibrate found, for the scenario and its report.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub source: String,
    pub leads: usize,
    pub set_aside: Vec<(u64, String)>,
    /// Hours since the epoch of day 0 (midnight UTC of the first creation).
    pub start: f64,
    /// The export's end: its latest time of any kind.
    pub end: f64,
    pub horizon_days: u32,
    pub per_day: f64,
    /// Leads created per hour of the week (Monday 00:00 UTC first),
    /// observed and as the fitted pattern expects.
    pub week_observed: Vec<f64>,
    pub week_fitted: Vec<f64>,
    pub weekdays: [f64; 7],
    pub hours: [f64; 24],
    pub segments: Vec<SegmentFit>,
    pub holders: Vec<HolderFit>,
    pub unassigned: usize,
    pub curve: Vec<CurveBin>,
    pub qualify_prior: (f64, f64),
    pub win_prior: (f64, f64),
}

pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Segment name of a region and vertical.
pub fn segment_name(region: Option<&str>, vertical: Option<&str>) -> String {
    match (region, vertical) {
        (Some(r), Some(v)) => format!("{r}-{v}"),
        (Some(x), None) | (None, Some(x)) => x.to_string(),
        (None, None) => "all".to_string(),
    }
}

/// For an error about a fitted scenario, which fits it concerns: each
/// `partners[i]` and `leads.segments[i]` the error names, with the
/// partner's or segment's name (a partner with a dozen leads, say).
pub fn which_fits(scenario: &Value, error: &str, history: &History) -> String {
    let mut named = Vec::new();
    for (list, label) in [("partners", "partner"), ("segments", "segment")] {
        let items = if list == "partners" {
            scenario.get("partners")
        } else {
            scenario.get("leads").and_then(|l| l.get("segments"))
        };
        let Some(items) = items.and_then(Value::as_array) else {
            continue;
        };
        let prefix = if list == "partners" {
            "partners["
        } else {
            "leads.segments["
        };
        for (i, item) in items.iter().enumerate() {
            if error.contains(&format!("{prefix}{i}]")) {
                let name = item.get("name").and_then(Value::as_str).unwrap_or("?");
                let rows: Vec<u64> = history
                    .rows
                    .iter()
                    .filter(|r| list == "partners" && r.partner.as_deref() == Some(name))
                    .map(|r| r.line)
                    .collect();
                let lines = match rows.first() {
                    Some(first) => format!(", {} rows of the export from line {first}", rows.len()),
                    None => String::new(),
                };
                named.push(format!(
                    "{prefix}{i}] is the {label} {}{lines}",
                    crate::format::quote_value(name)
                ));
            }
        }
    }
    let more = named.len().saturating_sub(3);
    named.truncate(3);
    if more > 0 {
        named.push(format!("and {more} more"));
    }
    if named.is_empty() {
        String::new()
    } else {
        format!(
            " ({}: their fits are the ones to check in the export)",
            named.join("; ")
        )
    }
}

/// How a calibrated scenario's description starts.
const CALIBRATED_BY: &str = "Calibrated by `leadsim calibrate`";

/// Whether a file's first bytes are a scenario `calibrate` wrote (so that
/// `calibrate --out` may replace it): its description says so.
pub fn is_calibrated_scenario(head: &[u8]) -> bool {
    let needle = format!("\"description\": \"{CALIBRATED_BY}");
    head.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Fits a history. `source` names the export in descriptions.
pub fn fit(source: &str, history: &History) -> anyhow::Result<Calibration> {
    let rows = &history.rows;
    let (Some(first), Some(end)) = (history.first_created(), history.end()) else {
        anyhow::bail!("{source}: no usable rows, nothing to calibrate");
    };
    let last = rows
        .iter()
        .map(|r| r.created)
        .fold(f64::NEG_INFINITY, f64::max);
    let owners: std::collections::HashSet<&str> =
        rows.iter().filter_map(|r| r.partner.as_deref()).collect();
    let most = crate::scenario::limits::PARTNERS as usize;
    if owners.len() > most {
        anyhow::bail!(
            "{source}: {} distinct partners (owners) in the partner column; a scenario holds at most {most}: map the column to the partner organisations rather than to individual people, or split the export",
            owners.len()
        );
    }
    let start = (first / 24.0).floor() * 24.0;
    let horizon_days = (((last - start) / 24.0).floor() as u32 + 1).max(1);
    let per_day = rows.len() as f64 / horizon_days as f64;

    // Arrivals by hour of the week.
    let mut week_observed = vec![0.0; 168];
    for r in rows {
        let h = (r.created.floor() as i64).rem_euclid(24) as usize;
        week_observed[weekday(r.created) * 24 + h] += 1.0;
    }
    let mut exposure = [0.0f64; 7];
    for d in 0..horizon_days {
        exposure[weekday(start + 24.0 * d as f64)] += 1.0;
    }
    let mut weekdays = [0.0; 7];
    let mut hours = [0.0; 24];
    for (i, &n) in week_observed.iter().enumerate() {
        weekdays[i / 24] += n;
        hours[i % 24] += n;
    }
    for d in 0..7 {
        weekdays[d] = if exposure[d] > 0.0 {
            weekdays[d] / exposure[d]
        } else {
            0.0
        };
    }
    let norm = |w: &mut [f64]| {
        let max = w.iter().copied().fold(0.0, f64::max);
        if max > 0.0 {
            w.iter_mut().for_each(|x| *x = sig(*x / max));
        }
    };
    norm(&mut weekdays);
    norm(&mut hours);
    // Expected counts under the fitted pattern, for the report.
    let total_w: f64 = (0..168)
        .map(|i| weekdays[i / 24] * hours[i % 24] * exposure[i / 24])
        .sum();
    let week_fitted: Vec<f64> = (0..168)
        .map(|i| {
            if total_w > 0.0 {
                rows.len() as f64 * weekdays[i / 24] * hours[i % 24] * exposure[i / 24] / total_w
            } else {
                0.0
            }
        })
        .collect();

    let mean_score = {
        let s: Vec<f64> = rows.iter().filter_map(|r| r.score).collect();
        if s.is_empty() {
            None
        } else {
            Some(s.iter().sum::<f64>() / s.len() as f64)
        }
    };
    let score = |r: &Row| r.score.or(mean_score).unwrap_or(0.5);

    let segments = fit_segments(rows);

    // Holders, in order of first appearance.
    let mut order: Vec<Option<String>> = Vec::new();
    let mut by_holder: BTreeMap<Option<String>, Vec<&Row>> = BTreeMap::new();
    let mut unassigned = 0;
    for r in rows {
        let key = r.partner.clone();
        if key.is_none() && r.first_contact.is_none() {
            unassigned += 1;
            continue;
        }
        if !by_holder.contains_key(&key) {
            order.push(key.clone());
        }
        by_holder.entry(key).or_default().push(r);
    }
    let all_held: Vec<&Row> = order.iter().flat_map(|k| by_holder[k].clone()).collect();
    // The curve and the holders' qualification rates, fitted together:
    // the curve from every contact weighted by its holder's rate, each
    // rate from its contacts weighted by the curve, in turn until they
    // settle, so that skilled partners who also answer fast do not make
    // speed look like it buys more than it does.
    let contacts: Vec<Vec<(f64, bool, f64)>> = order
        .iter()
        .map(|k| {
            by_holder[k]
                .iter()
                .filter_map(|r| Some((r.ttfc()?, r.qualified(), score(r))))
                .collect()
        })
        .collect();
    let mut rates = vec![1.0; order.len()];
    let mut curve = Vec::new();
    for _ in 0..CURVE_ROUNDS {
        curve = fit_curve(
            contacts
                .iter()
                .zip(&rates)
                .flat_map(|(cs, &rate)| cs.iter().map(move |&(d, q, s)| (d, q, s * rate))),
        );
        let points = curve_points(&curve);
        for (rate, cs) in rates.iter_mut().zip(&contacts) {
            let (k, n) = cs.iter().fold((0.0, 0.0), |(k, n), &(d, q, s)| {
                (k + q as u8 as f64, n + s * curve_at(&points, d))
            });
            *rate = if n > 0.0 { (k / n).max(1e-3) } else { 1.0 };
        }
    }
    let points = curve_points(&curve);
    let multiplier = |d: f64| curve_at(&points, d);
    let response_of = |rs: &[&Row]| response_times(rs, end);
    let work_of = |rs: &[&Row]| {
        let closed: Vec<f64> = rs
            .iter()
            .filter(|r| r.qualified() && r.first_contact.is_some())
            .filter_map(|r| Some((r.closed? - r.first_contact?) / 24.0))
            .collect();
        let open: Vec<f64> = rs
            .iter()
            .filter(|r| r.qualified() && r.closed.is_none())
            .filter_map(|r| Some((end - r.first_contact?) / 24.0))
            .collect();
        (closed, open)
    };
    let (po, pc) = response_of(&all_held);
    let pooled_response = lognormal_censored(&po, &pc).unwrap_or(LogNormal {
        mu: 4f64.ln(),
        sigma: (24f64 / 4.0).ln() / Z90,
    });
    let (wc, wo) = work_of(&all_held);
    let pooled_work = lognormal_censored(&wc, &wo).unwrap_or(LogNormal {
        mu: 20f64.ln(),
        sigma: 1.0,
    });

    // Rates: (qualified, score-and-curve-weighted contacts) and (won,
    // closed opportunities) per holder.
    // A contact qualifies with probability r × w (w: its score times
    // the curve), so k / Σw estimates r with variance Σ r w (1 − r w) /
    // (Σw)²; the Beta carries it as the `n` plain trials of equal
    // information, n = r (1 − r) (Σw)² / Σ r w (1 − r w), and k = r n.
    let qualify_counts = |rs: &[&Row]| {
        let contacts: Vec<(bool, f64)> = rs
            .iter()
            .filter_map(|r| Some((r.qualified(), score(r) * multiplier(r.ttfc()?))))
            .collect();
        effective_trials(&contacts)
    };
    let win_counts = |rs: &[&Row]| {
        rs.iter()
            .filter(|r| r.qualified() && r.closed.is_some())
            .fold((0.0, 0.0), |(k, n), r| {
                (k + (r.won == Some(true)) as u8 as f64, n + 1.0)
            })
    };
    let partners: Vec<&Option<String>> = order.iter().filter(|k| k.is_some()).collect();
    let qualify_prior = beta_prior(
        &partners
            .iter()
            .map(|k| qualify_counts(&by_holder[*k]))
            .collect::<Vec<_>>(),
    );
    let win_prior = beta_prior(
        &partners
            .iter()
            .map(|k| win_counts(&by_holder[*k]))
            .collect::<Vec<_>>(),
    );
    // The house is one team, not a draw from the partners: Jeffreys'
    // prior.
    let jeffreys = (0.5, 0.5);
    let holders = order
        .iter()
        .map(|key| {
            let rs = &by_holder[key];
            let house = key.is_none();
            let (observed, censored) = response_of(rs);
            let fitted = (observed.len() >= MIN_FIT)
                .then(|| lognormal_censored(&observed, &censored))
                .flatten();
            let (closed, open) = work_of(rs);
            let work = (closed.len() >= MIN_FIT)
                .then(|| lognormal_censored(&closed, &open))
                .flatten();
            let prior = |p| if house { jeffreys } else { p };
            let (qk, qn) = qualify_counts(rs);
            let (wk, wn) = win_counts(rs);
            let mut sorted = observed.clone();
            sorted.sort_by(f64::total_cmp);
            let mut regions: Vec<String> = rs.iter().filter_map(|r| r.region.clone()).collect();
            regions.sort();
            regions.dedup();
            let mut verticals: Vec<String> = rs.iter().filter_map(|r| r.vertical.clone()).collect();
            verticals.sort();
            verticals.dedup();
            HolderFit {
                name: key.clone().unwrap_or_else(|| "house".into()),
                house,
                leads: rs.len(),
                regions,
                verticals,
                contacted: observed.len(),
                censored: censored.len(),
                response: fitted.unwrap_or(pooled_response),
                response_pooled: fitted.is_none(),
                observed_median: (!sorted.is_empty())
                    .then(|| crate::stats::quantile_sorted(&sorted, 0.5)),
                work: work.unwrap_or(pooled_work),
                work_pooled: work.is_none(),
                closed: closed.len(),
                open: open.len(),
                qualify: RateFit::new(qk, qn, prior(qualify_prior)),
                win: RateFit::new(wk, wn, prior(win_prior)),
                capacity: most_held(rs, end),
            }
        })
        .collect();
    Ok(Calibration {
        source: source.to_string(),
        leads: rows.len(),
        set_aside: history.set_aside.clone(),
        start,
        end,
        horizon_days,
        per_day,
        week_observed,
        week_fitted,
        weekdays,
        hours,
        segments,
        holders,
        unassigned,
        curve,
        qualify_prior,
        win_prior,
    })
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

/// The most leads held at once: from creation until disqualification at
/// first contact, the close, or the export's end.
fn most_held(rows: &[&Row], end: f64) -> u32 {
    let mut events: Vec<(f64, i32)> = Vec::with_capacity(rows.len() * 2);
    for r in rows {
        let release = if r.qualified() {
            r.closed.unwrap_or(end)
        } else {
            r.first_contact.unwrap_or(end)
        };
        events.push((r.created, 1));
        events.push((release, -1));
    }
    // Releases before arrivals at the same instant.
    events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut held, mut most) = (0i32, 0i32);
    for (_, step) in events {
        held += step;
        most = most.max(held);
    }
    most.max(1) as u32
}

fn fit_segments(rows: &[Row]) -> Vec<SegmentFit> {
    let mut groups: BTreeMap<(Option<String>, Option<String>), Vec<&Row>> = BTreeMap::new();
    for r in rows {
        groups
            .entry((r.region.clone(), r.vertical.clone()))
            .or_default()
            .push(r);
    }
    let amounts = |rs: &[&Row]| -> Vec<f64> {
        rs.iter()
            .filter(|r| r.won == Some(true))
            .filter_map(|r| r.amount)
            .filter(|&a| a > 0.0)
            .collect()
    };
    let all: Vec<&Row> = rows.iter().collect();
    let pooled = lognormal_censored(&amounts(&all), &[]);
    groups
        .into_iter()
        .map(|((region, vertical), rs)| {
            let won = amounts(&rs);
            let own = (won.len() >= MIN_FIT)
                .then(|| lognormal_censored(&won, &[]))
                .flatten();
            let mut sorted = won.clone();
            sorted.sort_by(f64::total_cmp);
            let scores: Vec<f64> = rs.iter().filter_map(|r| r.score).collect();
            let quality = (scores.len() >= 2).then(|| {
                let n = scores.len() as f64;
                let m = (scores.iter().sum::<f64>() / n).clamp(0.01, 0.99);
                let v = scores.iter().map(|s| (s - m).powi(2)).sum::<f64>() / (n - 1.0);
                let v = (v - SIGNAL_NOISE * SIGNAL_NOISE).max(1e-4);
                let c = (m * (1.0 - m) / v - 1.0).clamp(0.5, 10_000.0);
                (sig(m), sig(c))
            });
            SegmentFit {
                name: segment_name(region.as_deref(), vertical.as_deref()),
                region,
                vertical,
                leads: rs.len(),
                wins: won.len(),
                deal_pooled: own.is_none(),
                deal_size: own.or(pooled),
                observed_median_amount: (!sorted.is_empty())
                    .then(|| crate::stats::quantile_sorted(&sorted, 0.5)),
                quality,
            }
        })
        .collect()
}

/// Rounds of the alternating fit of the curve and the rates.
const CURVE_ROUNDS: usize = 30;

/// The curve from contacts `(hours to first contact, qualified, weight)`,
/// the weight being the lead's score times its holder's rate.
fn fit_curve(contacts: impl Iterator<Item = (f64, bool, f64)>) -> Vec<CurveBin> {
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
fn curve_at(points: &[(f64, f64)], d: f64) -> f64 {
    for w in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if d < x1 {
            return y0 + (y1 - y0) * (d - x0).max(0.0) / (x1 - x0);
        }
    }
    points.last().map_or(1.0, |p| p.1)
}

impl Calibration {
    /// The fitted scenario. `template` (a scenario's JSON) gives
    /// everything not fitted: policies, economics, payouts, partner fields
    /// calibrate does not fit; its partners absent from the export are
    /// kept as they are.
    pub fn scenario(&self, name: &str, template: Option<&Value>) -> Value {
        let mut s: Map<String, Value> = match template {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        s.insert("name".into(), json!(name));
        let description = format!(
            "{CALIBRATED_BY} from {} ({} leads over {} days from {}; {} rows set aside). Response times, rates and deal sizes are fitted; capacities are the most leads each partner held at once. The speed-to-lead curve is observational: faster partners may differ in other ways. See calibration.html for each fit against the data.{}",
            self.source,
            self.leads,
            self.horizon_days,
            crate::analyses::history::format_time(self.start),
            self.set_aside.len(),
            match s.get("description").and_then(Value::as_str) {
                Some(d) if !d.is_empty() => format!(" Template: {d}"),
                _ => String::new(),
            }
        );
        s.insert("description".into(), json!(description));
        s.insert("horizon_days".into(), json!(self.horizon_days));
        let mut calendar = s
            .get("calendar")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        calendar.insert("start_weekday".into(), json!(WEEKDAYS[weekday(self.start)]));
        s.insert("calendar".into(), Value::Object(calendar));

        let mut leads = s
            .get("leads")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        leads.remove("replay");
        leads.insert("arrivals_per_day".into(), json!(sig(self.per_day)));
        leads.insert(
            "arrival_pattern".into(),
            json!({"weekdays": self.weekdays, "hours": self.hours}),
        );
        leads.insert(
            "segments".into(),
            Value::Array(
                self.segments
                    .iter()
                    .map(|g| {
                        let mut o = Map::new();
                        o.insert("name".into(), json!(g.name));
                        o.insert("share".into(), json!(g.leads));
                        if let Some(r) = &g.region {
                            o.insert("region".into(), json!(r));
                        }
                        if let Some(v) = &g.vertical {
                            o.insert("vertical".into(), json!(v));
                        }
                        if let Some(d) = &g.deal_size {
                            o.insert("deal_size".into(), d.json());
                        }
                        if let Some((m, c)) = g.quality {
                            o.insert(
                                "quality".into(),
                                json!({"beta": {"mean": m, "concentration": c}}),
                            );
                        }
                        Value::Object(o)
                    })
                    .collect(),
            ),
        );
        s.insert("leads".into(), Value::Object(leads));

        let mut speed = s
            .get("speed_to_lead")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        speed.remove("half_life_hours");
        speed.remove("floor");
        let points: Vec<Value> = curve_points(&self.curve)
            .into_iter()
            .map(|(h, m)| json!([h, m]))
            .collect();
        speed.insert("qualify".into(), json!({"points": points}));
        s.insert("speed_to_lead".into(), Value::Object(speed));

        let fitted = |h: &HolderFit, base: Option<&Map<String, Value>>| {
            let mut o = base.cloned().unwrap_or_default();
            if !h.house {
                o.insert("name".into(), json!(h.name));
                if base.is_none() {
                    if !h.regions.is_empty() {
                        o.insert("regions".into(), json!(h.regions));
                    }
                    if !h.verticals.is_empty() {
                        o.insert("verticals".into(), json!(h.verticals));
                    }
                }
            }
            if !o.contains_key("capacity") {
                o.insert("capacity".into(), json!(h.capacity));
            }
            o.insert("response_hours".into(), h.response.json());
            o.insert("work_days".into(), h.work.json());
            o.insert("qualify_rate".into(), h.qualify.json());
            o.insert("win_rate".into(), h.win.json());
            Value::Object(o)
        };
        let template_partners: Vec<Map<String, Value>> = s
            .get("partners")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|p| p.as_object().cloned()).collect())
            .unwrap_or_default();
        let named = |name: &str| {
            template_partners
                .iter()
                .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
        };
        let mut partners: Vec<Value> = self
            .holders
            .iter()
            .filter(|h| !h.house)
            .map(|h| fitted(h, named(&h.name)))
            .collect();
        for p in &template_partners {
            let name = p.get("name").and_then(Value::as_str).unwrap_or("");
            if !self.holders.iter().any(|h| !h.house && h.name == name) {
                partners.push(Value::Object(p.clone()));
            }
        }
        s.insert("partners".into(), Value::Array(partners));
        if let Some(h) = self.holders.iter().find(|h| h.house) {
            let base = s.get("house").and_then(Value::as_object).cloned();
            s.insert("house".into(), fitted(h, base.as_ref()));
        }
        if !s.contains_key("policies") {
            s.insert(
                "policies".into(),
                json!([{
                    "name": "round-robin",
                    "description": "A placeholder: replace it with the policy in force when the export was taken (or pass --template with your policies).",
                    "routing": {"rule": "round_robin"}
                }]),
            );
        }
        // Keys in the order a reader expects.
        let order = [
            "$schema",
            "name",
            "description",
            "horizon_days",
            "warmup_days",
            "readout_day",
            "replications",
            "seed",
            "baseline",
            "currency",
            "calendar",
            "leads",
            "speed_to_lead",
            "economics",
            "house",
            "tiers",
            "partners",
            "policies",
            "stress",
            "expect",
        ];
        let mut out = Map::new();
        for k in order {
            if let Some(v) = s.remove(k) {
                out.insert(k.into(), v);
            }
        }
        out.extend(s);
        Value::Object(out)
    }
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
