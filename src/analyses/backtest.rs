//! `leadsim backtest`: would the model have predicted last quarter?
//!
//! The export's leads are replayed exactly (`leads.replay` `exact`: their
//! times, segments and scores) under the named policy, read at the
//! export's end (`readout_day`), so leads the export shows undecided are
//! undecided in the simulation too. Each headline KPI of what really
//! happened is set beside the simulated p10-p90 across replications; one
//! outside is flagged.
//!
//! Day 0 is the last midnight (UTC) at or before the first lead's creation
//! that falls on the scenario's `calendar.start_weekday`, so the working
//! week lines up. A won lead's deal size is its amount; any other lead's is
//! drawn once from its segment's `deal_size` (the same draws in every
//! replication, from the run's seed), since what a lost deal would have
//! been worth is not in the export.

use rand::SeedableRng;

use crate::analyses::history::{History, Row};
use crate::metrics::Metric;
use crate::model::{Model, Replay, ReplayLead};
use crate::runner::RunConfig;
use crate::summary::Summary;

/// The KPIs set beside their bands, in the order shown.
pub const KPIS: [Metric; 8] = [
    Metric::LeadToOpportunity,
    Metric::LeadToWin,
    Metric::OpportunityToWin,
    Metric::TtfcMedian,
    Metric::TtfcP90,
    Metric::Wins,
    Metric::Revenue,
    Metric::AvgDealSize,
];

/// One KPI: what happened, and the simulated band.
#[derive(Debug, Clone, PartialEq)]
pub struct Kpi {
    pub metric: Metric,
    pub actual: Option<f64>,
    pub p10: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
}

impl Kpi {
    /// `Some(true)` inside [p10, p90], `Some(false)` outside, `None` when
    /// either side is undefined.
    pub fn inside(&self) -> Option<bool> {
        Some(self.actual? >= self.p10? && self.actual? <= self.p90?)
    }
}

#[derive(Debug, Clone)]
pub struct Backtest {
    pub policy: String,
    pub source: String,
    pub leads: usize,
    /// Rows set aside by the reader, and rows no segment of the scenario
    /// matches.
    pub set_aside: Vec<(u64, String)>,
    pub readout_day: f64,
    pub kpis: Vec<Kpi>,
    pub summary: Summary,
}

impl Backtest {
    pub fn flagged(&self) -> impl Iterator<Item = &Kpi> {
        self.kpis.iter().filter(|k| k.inside() == Some(false))
    }
}

/// What the export shows for `metric` over `rows`.
pub fn actual(metric: Metric, rows: &[&Row]) -> Option<f64> {
    let n = rows.len() as f64;
    let opportunities = rows.iter().filter(|r| r.qualified()).count() as f64;
    let won: Vec<f64> = rows
        .iter()
        .filter(|r| r.won == Some(true))
        .map(|r| r.amount.unwrap_or(0.0))
        .collect();
    let ratio = |a: f64, b: f64| (b > 0.0).then(|| a / b);
    let mut ttfc: Vec<f64> = rows.iter().filter_map(|r| r.ttfc()).collect();
    ttfc.sort_by(f64::total_cmp);
    let quantile = |p| (!ttfc.is_empty()).then(|| crate::stats::quantile_sorted(&ttfc, p));
    match metric {
        Metric::LeadToOpportunity => ratio(opportunities, n),
        Metric::LeadToWin => ratio(won.len() as f64, n),
        Metric::OpportunityToWin => ratio(won.len() as f64, opportunities),
        Metric::TtfcMedian => quantile(0.5),
        Metric::TtfcP90 => quantile(0.9),
        Metric::Wins => Some(won.len() as f64),
        Metric::Revenue => Some(won.iter().sum()),
        Metric::AvgDealSize => ratio(won.iter().sum(), won.len() as f64),
        _ => None,
    }
}

/// Replays `history` under policy `policy` of `model` and compares.
/// The scenario as the back-test runs it: the export's `leads` replayed
/// exactly under policy `index` alone, in the base world, read at
/// `readout`, with no warm-up, no assertions and no partner-sourced leads
/// (the export holds every lead, partners' own included).
fn replay_only(model: &mut Model, leads: Vec<ReplayLead>, index: usize, readout: f64) {
    model.leads.replay = Some(Replay::Exact(leads));
    model.leads.arrival_pattern = None;
    let chosen = model.policies.swap_remove(index);
    model.policies = vec![chosen];
    model.baseline = 0;
    model.worlds.truncate(1);
    model.expectations.clear();
    model.warmup_hours = 0.0;
    model.readout_hours = Some(readout);
    for p in &mut model.partners {
        p.sourced_per_hour = 0.0;
        p.leads_per_mdf = 0.0;
    }
    model.name = format!("{}-backtest", model.name);
}

pub fn backtest(
    mut model: Model,
    source: &str,
    history: &History,
    policy: &str,
    config: &RunConfig,
) -> anyhow::Result<Backtest> {
    let names: Vec<&str> = model.policies.iter().map(|p| p.name.as_str()).collect();
    let index = names.iter().position(|n| *n == policy).ok_or_else(|| {
        anyhow::anyhow!(
            "--policy: `{policy}` names no policy (policies: {}){}",
            names.join(", "),
            crate::scenario::errors::did_you_mean(policy, names.iter().copied())
        )
    })?;
    let (Some(first), Some(end)) = (history.first_created(), history.end()) else {
        anyhow::bail!("{source}: no usable rows to replay");
    };
    // The last midnight on the scenario's first weekday.
    let mut start = (first / 24.0).floor() * 24.0;
    while crate::analyses::history::weekday(start) != model.start_weekday as usize {
        start -= 24.0;
    }

    let index_of = |names: &[String], v: &Option<String>| -> Result<Option<usize>, ()> {
        match v {
            None => Ok(None),
            Some(v) => names.iter().position(|n| n == v).map(Some).ok_or(()),
        }
    };
    let mut set_aside = history.set_aside.clone();
    let mut rng = rand_pcg::Pcg64::seed_from_u64(config.seed ^ 0x6261_636b_7465_7374);
    let mut leads = Vec::new();
    let mut used: Vec<&Row> = Vec::new();
    for r in &history.rows {
        let region = index_of(&model.regions, &r.region);
        let vertical = index_of(&model.verticals, &r.vertical);
        let segment = match (region, vertical) {
            (Ok(region), Ok(vertical)) => model
                .leads
                .segments
                .iter()
                .position(|s| s.region == region && s.vertical == vertical),
            _ => None,
        };
        let Some(segment) = segment else {
            set_aside.push((
                r.line,
                format!(
                    "no segment of the scenario has region {} and vertical {}",
                    r.region.as_deref().unwrap_or("(none)"),
                    r.vertical.as_deref().unwrap_or("(none)")
                ),
            ));
            continue;
        };
        let s = &model.leads.segments[segment];
        // Drawn for every replayed row, won or not, so one row's outcome
        // does not move the draws of the rows after it.
        let drawn = s.deal_size.sample(&mut rng);
        let deal_size = match (r.won, r.amount) {
            (Some(true), Some(a)) => a,
            _ => drawn,
        };
        leads.push(ReplayLead {
            arrival_hours: r.created - start,
            segment: segment as u32,
            quality: r.score.unwrap_or_else(|| s.quality.mean()),
            score: r.score,
            deal_size,
        });
        used.push(r);
    }
    if leads.is_empty() {
        anyhow::bail!(
            "{source}: no row matches a segment of the scenario (the first set aside: {})",
            set_aside.last().map_or("", |s| s.1.as_str())
        );
    }
    leads.sort_by(|a, b| a.arrival_hours.total_cmp(&b.arrival_hours));
    let last = leads.last().map_or(0.0, |l| l.arrival_hours);
    if last >= model.horizon_hours {
        anyhow::bail!(
            "{source}: leads arrive until day {:.1} after the scenario's day 0 ({}), beyond its horizon of {} days: lengthen `horizon_days`",
            last / 24.0,
            crate::analyses::history::format_time(start),
            model.horizon_hours / 24.0
        );
    }
    let readout = (end - start).max(last);
    replay_only(&mut model, leads, index, readout);
    let summary = crate::simulate::simulate(&model, config, &|_| {})?;
    let cell = summary.cell(0, 0);
    let kpis = KPIS
        .iter()
        .map(|&m| {
            let e = cell.metrics[m];
            Kpi {
                metric: m,
                actual: actual(m, &used),
                p10: e.map(|e| e.p10),
                p50: e.map(|e| e.p50),
                p90: e.map(|e| e.p90),
            }
        })
        .collect();
    Ok(Backtest {
        policy: policy.to_string(),
        source: source.to_string(),
        leads: used.len(),
        set_aside,
        readout_day: readout / 24.0,
        kpis,
        summary,
    })
}
