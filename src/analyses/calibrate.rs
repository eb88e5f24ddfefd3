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

use serde_json::{json, Map, Value};

pub use crate::analyses::fitting::*;
use crate::analyses::fitting::{curve_at, fit_curve, CURVE_ROUNDS, Z90};
use crate::analyses::history::{weekday, History, Row};

/// Fewer observations than this and a fit is pooled over every holder (or
/// segment) instead.
pub const MIN_FIT: usize = 5;

/// The signal noise the fitted scenario keeps (the format's default): the
/// quality fit removes its variance from the scores'.
pub const SIGNAL_NOISE: f64 = 0.1;

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
/// Arrivals by hour of the week: the counts the export shows (summed over
/// its weeks), the fitted weekday and hour weights (each day's count over
/// its exposure, both scaled to a maximum of 1 at four significant
/// figures), and the counts the fitted pattern expects.
struct ArrivalWeek {
    observed: Vec<f64>,
    fitted: Vec<f64>,
    weekdays: [f64; 7],
    hours: [f64; 24],
}

fn arrival_week(rows: &[Row], start: f64, horizon_days: u32) -> ArrivalWeek {
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
    ArrivalWeek {
        observed: week_observed,
        fitted: week_fitted,
        weekdays,
        hours,
    }
}

/// The export's holders (partners by name, `None` for the house), in order
/// of first appearance, with their rows; and how many rows nobody held
/// (no partner, never contacted).
type Holders<'r> = (
    Vec<Option<String>>,
    BTreeMap<Option<String>, Vec<&'r Row>>,
    usize,
);

fn holders_of(rows: &[Row]) -> Holders<'_> {
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
    (order, by_holder, unassigned)
}

/// The curve and the holders' qualification rates, fitted together from
/// each holder's contacts (hours to contact, qualified, score): the curve
/// from every contact weighted by its holder's rate, each rate from its
/// contacts weighted by the curve, in turn until they settle, so that
/// skilled partners who also answer fast do not make speed look like it
/// buys more than it does.
fn joint_curve(contacts: &[Vec<(f64, bool, f64)>]) -> Vec<CurveBin> {
    let mut rates = vec![1.0; contacts.len()];
    let mut curve = Vec::new();
    for _ in 0..CURVE_ROUNDS {
        curve = fit_curve(
            contacts
                .iter()
                .zip(&rates)
                .flat_map(|(cs, &rate)| cs.iter().map(move |&(d, q, s)| (d, q, s * rate))),
        );
        let points = curve_points(&curve);
        for (rate, cs) in rates.iter_mut().zip(contacts) {
            let (k, n) = cs.iter().fold((0.0, 0.0), |(k, n), &(d, q, s)| {
                (k + q as u8 as f64, n + s * curve_at(&points, d))
            });
            *rate = if n > 0.0 { (k / n).max(1e-3) } else { 1.0 };
        }
    }
    curve
}

/// Days from first contact to close of qualified leads: those closed, and
/// those still open, censored at the export's `end`.
fn work_times(rs: &[&Row], end: f64) -> (Vec<f64>, Vec<f64>) {
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
}

/// (won, closed opportunities) of a holder's rows.
fn win_counts(rs: &[&Row]) -> (f64, f64) {
    rs.iter()
        .filter(|r| r.qualified() && r.closed.is_some())
        .fold((0.0, 0.0), |(k, n), r| {
            (k + (r.won == Some(true)) as u8 as f64, n + 1.0)
        })
}

/// A row's score, or the export's mean score when it has none (0.5 when
/// no row has one).
fn score_of(r: &Row, mean_score: Option<f64>) -> f64 {
    r.score.or(mean_score).unwrap_or(0.5)
}

/// A holder's qualifications as effective trials, each contact weighted by
/// its score times the curve (`points`) at its time to contact. A contact
/// qualifies with probability r × w, so k / Σw estimates r with variance
/// Σ r w (1 − r w) / (Σw)²; the Beta carries it as the `n` plain trials of
/// equal information, n = r (1 − r) (Σw)² / Σ r w (1 − r w), and k = r n.
fn qualify_counts(rs: &[&Row], points: &[(f64, f64)], mean_score: Option<f64>) -> (f64, f64) {
    let contacts: Vec<(bool, f64)> = rs
        .iter()
        .filter_map(|r| {
            let w = score_of(r, mean_score) * curve_at(points, r.ttfc()?);
            Some((r.qualified(), w))
        })
        .collect();
    effective_trials(&contacts)
}

/// What every holder's fit shares: the export's end, the fitted curve,
/// the mean score (for rows without one), the pooled response and work
/// times (for holders with too few of their own) and the partners' priors.
struct Shared {
    end: f64,
    points: Vec<(f64, f64)>,
    mean_score: Option<f64>,
    response: LogNormal,
    work: LogNormal,
    qualify_prior: (f64, f64),
    win_prior: (f64, f64),
}

impl Shared {
    fn qualify_counts(&self, rs: &[&Row]) -> (f64, f64) {
        qualify_counts(rs, &self.points, self.mean_score)
    }

    /// One holder's fit from its rows. The house is one team, not a draw
    /// from the partners: its rates take Jeffreys' prior.
    fn holder(&self, key: &Option<String>, rs: &[&Row]) -> HolderFit {
        let house = key.is_none();
        let (observed, censored) = response_times(rs, self.end);
        let fitted = (observed.len() >= MIN_FIT)
            .then(|| lognormal_censored(&observed, &censored))
            .flatten();
        let (closed, open) = work_times(rs, self.end);
        let work = (closed.len() >= MIN_FIT)
            .then(|| lognormal_censored(&closed, &open))
            .flatten();
        let prior = |p| if house { (0.5, 0.5) } else { p };
        let (qk, qn) = self.qualify_counts(rs);
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
            response: fitted.unwrap_or(self.response),
            response_pooled: fitted.is_none(),
            observed_median: (!sorted.is_empty())
                .then(|| crate::stats::quantile_sorted(&sorted, 0.5)),
            work: work.unwrap_or(self.work),
            work_pooled: work.is_none(),
            closed: closed.len(),
            open: open.len(),
            qualify: RateFit::new(qk, qn, prior(self.qualify_prior)),
            win: RateFit::new(wk, wn, prior(self.win_prior)),
            capacity: most_held(rs, self.end),
        }
    }
}

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
    let week = arrival_week(rows, start, horizon_days);
    let mean_score = {
        let s: Vec<f64> = rows.iter().filter_map(|r| r.score).collect();
        if s.is_empty() {
            None
        } else {
            Some(s.iter().sum::<f64>() / s.len() as f64)
        }
    };
    let segments = fit_segments(rows);
    let (order, by_holder, unassigned) = holders_of(rows);
    let all_held: Vec<&Row> = order.iter().flat_map(|k| by_holder[k].clone()).collect();
    let contacts: Vec<Vec<(f64, bool, f64)>> = order
        .iter()
        .map(|k| {
            by_holder[k]
                .iter()
                .filter_map(|r| Some((r.ttfc()?, r.qualified(), score_of(r, mean_score))))
                .collect()
        })
        .collect();
    let curve = joint_curve(&contacts);
    let (po, pc) = response_times(&all_held, end);
    let (wc, wo) = work_times(&all_held, end);
    let points = curve_points(&curve);
    // The partners' priors, by empirical Bayes across them.
    let partners: Vec<&Option<String>> = order.iter().filter(|k| k.is_some()).collect();
    let qualify: Vec<(f64, f64)> = partners
        .iter()
        .map(|k| qualify_counts(&by_holder[*k], &points, mean_score))
        .collect();
    let wins: Vec<(f64, f64)> = partners
        .iter()
        .map(|k| win_counts(&by_holder[*k]))
        .collect();
    let shared = Shared {
        end,
        points,
        mean_score,
        response: lognormal_censored(&po, &pc).unwrap_or(LogNormal {
            mu: 4f64.ln(),
            sigma: (24f64 / 4.0).ln() / Z90,
        }),
        work: lognormal_censored(&wc, &wo).unwrap_or(LogNormal {
            mu: 20f64.ln(),
            sigma: 1.0,
        }),
        qualify_prior: beta_prior(&qualify),
        win_prior: beta_prior(&wins),
    };
    let holders = order
        .iter()
        .map(|key| shared.holder(key, &by_holder[key]))
        .collect();
    Ok(Calibration {
        source: source.to_string(),
        leads: rows.len(),
        set_aside: history.set_aside.clone(),
        start,
        end,
        horizon_days,
        per_day,
        week_observed: week.observed,
        week_fitted: week.fitted,
        weekdays: week.weekdays,
        hours: week.hours,
        segments,
        holders,
        unassigned,
        curve,
        qualify_prior: shared.qualify_prior,
        win_prior: shared.win_prior,
    })
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

        self.fit_leads(&mut s);

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

        self.fit_holders(&mut s);
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
        in_reading_order(s)
    }

    /// The scenario's `leads`: the fitted rate, arrival pattern and
    /// segments (a replay dropped).
    fn fit_leads(&self, s: &mut Map<String, Value>) {
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
    }

    /// The scenario's `partners` and `house`: each fitted holder's fields
    /// over its template entry (by name), the template's other partners
    /// kept.
    fn fit_holders(&self, s: &mut Map<String, Value>) {
        let fitted = |h: &HolderFit, base: Option<&Map<String, Value>>| -> Value {
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
    }
}

/// The scenario's keys in the order a reader expects, any others after.
fn in_reading_order(mut s: Map<String, Value>) -> Value {
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
