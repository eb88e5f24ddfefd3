//! `report.html`: one self-contained page (inline SVG, no script, no
//! network) built from a template with minijinja, which escapes every
//! string it is given.

use minijinja::{context, Environment};
use serde::Serialize;

use crate::format::{human, human_diff};
use crate::metrics::{Direction, Metric, Verdict, ROBUSTNESS};
use crate::plot::{css_colour, Chart};
use crate::summary::Summary;

const TEMPLATE: &str = include_str!("../../templates/report.html");

/// The metrics of the report's comparison table.
pub const REPORT_METRICS: [Metric; 14] = [
    Metric::LeadToOpportunity,
    Metric::LeadToWin,
    Metric::TtfcMedian,
    Metric::TtfcP90,
    Metric::SlaBreachRate,
    Metric::AvgDealSize,
    Metric::NetRevenue,
    Metric::Payouts,
    Metric::GrossProfit,
    Metric::PayoutRatio,
    Metric::GiniKept,
    Metric::MaxShare,
    Metric::StarvedPartners,
    Metric::PartnersLeft,
];

#[derive(Serialize)]
struct PolicyView {
    name: String,
    description: String,
    colour: String,
}

#[derive(Serialize)]
struct CellView {
    value: String,
    ci: String,
    best: bool,
    diff: String,
    verdict: &'static str,
    verdict_class: &'static str,
}

#[derive(Serialize)]
struct RowView {
    metric: &'static str,
    label: String,
    cells: Vec<CellView>,
}

#[derive(Serialize)]
struct ChartView<'a> {
    id: &'a str,
    title: &'a str,
    caption: &'a str,
    svg: &'a str,
}

#[derive(Serialize)]
struct WorldRow {
    policy: String,
    colour: String,
    values: Vec<String>,
}

#[derive(Serialize)]
struct WorldTable {
    metric: &'static str,
    label: String,
    rows: Vec<WorldRow>,
}

#[derive(Serialize)]
struct CheckView {
    passed: bool,
    assertion: String,
    measured: String,
}

#[derive(Serialize)]
struct RobustnessRow {
    policy: String,
    cells: Vec<String>,
}

/// Per-world tables of the metrics the worlds section shows.
const WORLD_METRICS: [Metric; 3] = [Metric::LeadToWin, Metric::GrossProfit, Metric::TtfcMedian];

fn world_tables(summary: &Summary) -> Vec<WorldTable> {
    if summary.worlds.len() < 2 {
        return Vec::new();
    }
    let base = summary.world_cells(crate::summary::BASE_WORLD);
    WORLD_METRICS
        .iter()
        .map(|&k| {
            let rows = base
                .iter()
                .enumerate()
                .map(|(p, c)| WorldRow {
                    policy: c.policy.clone(),
                    colour: css_colour(p),
                    values: summary
                        .worlds
                        .iter()
                        .map(|w| {
                            summary.world_cells(w)[p].metrics[k]
                                .map_or("n/a".into(), |e| human(e.mean, k.unit()))
                        })
                        .collect(),
                })
                .collect();
            WorldTable {
                metric: k.name(),
                label: crate::plot::with_money_units(summary, k, k.info().label),
                rows,
            }
        })
        .collect()
}

fn robustness_rows(summary: &Summary) -> Vec<RobustnessRow> {
    summary
        .world_cells(crate::summary::BASE_WORLD)
        .iter()
        .map(|c| RobustnessRow {
            policy: c.policy.clone(),
            cells: ROBUSTNESS
                .iter()
                .map(|metric| {
                    let unit = metric.unit();
                    summary
                        .robustness
                        .iter()
                        .find(|r| r.policy == c.policy && r.metric == *metric)
                        .map_or("n/a".into(), |r| {
                            format!(
                                "worst {} in {}; worst rank #{} in {}",
                                human(r.worst_value, unit),
                                r.worst_world,
                                r.worst_rank,
                                r.worst_rank_world
                            )
                        })
                })
                .collect(),
        })
        .collect()
}

#[derive(Serialize)]
struct PartnerView {
    partner: String,
    tier: String,
    capacity: u32,
    leads: String,
    kept: String,
    opportunities: String,
    wins: String,
    revenue: String,
    payouts: String,
    sourced: String,
    ttfc: String,
    left: String,
    exclusivity: String,
}

#[derive(Serialize)]
struct PartnerTable {
    policy: String,
    colour: String,
    rows: Vec<PartnerView>,
}

fn rows(summary: &Summary) -> Vec<RowView> {
    let cells: Vec<_> = summary
        .cells
        .iter()
        .filter(|c| c.world == crate::summary::BASE_WORLD)
        .collect();
    REPORT_METRICS
        .iter()
        .map(|&k| {
            let m = k.info();
            let means: Vec<Option<f64>> =
                cells.iter().map(|c| c.metrics[k].map(|e| e.mean)).collect();
            let best = match m.direction {
                Direction::HigherIsBetter => means
                    .iter()
                    .flatten()
                    .copied()
                    .fold(None, |b: Option<f64>, v| Some(b.map_or(v, |b| b.max(v)))),
                Direction::LowerIsBetter => means
                    .iter()
                    .flatten()
                    .copied()
                    .fold(None, |b: Option<f64>, v| Some(b.map_or(v, |b| b.min(v)))),
                Direction::Neutral => None,
            };
            let distinct = means.iter().flatten().any(|v| Some(*v) != best);
            let cells = cells
                .iter()
                .map(|c| {
                    let (value, ci) = match c.metrics[k] {
                        None => ("n/a".to_string(), String::new()),
                        Some(e) => (
                            human(e.mean, m.unit),
                            e.ci95
                                .map(|(lo, hi)| {
                                    format!("{} – {}", human(lo, m.unit), human(hi, m.unit))
                                })
                                .unwrap_or_default(),
                        ),
                    };
                    let is_baseline = c.policy == summary.baseline;
                    let (diff, verdict) = match (is_baseline, c.vs_baseline[k]) {
                        (false, Some(d)) => (human_diff(d.mean, m.unit), c.verdicts[k]),
                        _ => (String::new(), Verdict::NoClearDifference),
                    };
                    CellView {
                        best: distinct && best.is_some() && c.metrics[k].map(|e| e.mean) == best,
                        value,
                        ci,
                        diff,
                        verdict: verdict.label(),
                        verdict_class: match verdict {
                            Verdict::Better => "better",
                            Verdict::Worse => "worse",
                            Verdict::NoClearDifference => "unclear",
                        },
                    }
                })
                .collect();
            RowView {
                metric: k.name(),
                label: crate::plot::with_money_units(summary, k, m.label),
                cells,
            }
        })
        .collect()
}

fn partner_tables(summary: &Summary) -> Vec<PartnerTable> {
    use crate::metrics::Unit;
    summary
        .cells
        .iter()
        .enumerate()
        .map(|(i, c)| PartnerTable {
            policy: if summary.worlds.len() > 1 {
                format!("{} — world {}", c.policy, c.world)
            } else {
                c.policy.clone()
            },
            colour: css_colour(i % summary.policy_descriptions.len().max(1)),
            rows: c
                .partners
                .iter()
                .map(|p| PartnerView {
                    partner: p.partner.clone(),
                    // With `tiers`, where it most often ended when it moved.
                    tier: match &p.tier_end {
                        Some(end) if *end != p.tier => format!("{} → {end}", p.tier),
                        _ => p.tier.clone(),
                    },
                    capacity: p.capacity,
                    leads: format!("{:.1}", p.leads),
                    kept: format!("{:.1}", p.kept),
                    opportunities: format!("{:.1}", p.opportunities),
                    wins: format!("{:.1}", p.wins),
                    revenue: human(p.revenue, Unit::Money),
                    payouts: human(p.payouts, Unit::Money),
                    sourced: format!(
                        "{:.1} ({})",
                        p.sourced,
                        human(p.sourced_revenue, Unit::Money)
                    ),
                    ttfc: p
                        .ttfc_mean_hours
                        .map_or("n/a".into(), |h| format!("{h:.1}")),
                    left: match p.left_mean_day {
                        Some(day) => format!("{:.0}% (day {day:.0})", p.left_share * 100.0),
                        None => "—".into(),
                    },
                    exclusivity: match p.exclusivity_revoked_mean_day {
                        Some(day) => {
                            format!("{:.0}% (day {day:.0})", p.exclusivity_revoked_share * 100.0)
                        }
                        None => "—".into(),
                    },
                })
                .collect(),
        })
        .collect()
}

/// A section another command adds to the report (`optimize` says how the
/// optimised policy was found): a title, paragraphs and charts.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub title: String,
    pub paragraphs: Vec<String>,
    /// (title, SVG) of each chart.
    pub figures: Vec<(String, String)>,
}

/// A sentence for the page: escaped, with each `quoted` name (the
/// terminal's backticks) set as code instead of showing its backticks.
pub fn prose(text: &str) -> minijinja::Value {
    let escaped = minijinja::HtmlEscape(text).to_string();
    let parts: Vec<&str> = escaped.split('`').collect();
    // An odd backtick (no partner) stays as it is.
    let paired = parts.len() % 2 == 1;
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            if paired {
                out.push_str(if i % 2 == 1 { "<code>" } else { "</code>" });
            } else {
                out.push('`');
            }
        }
        out.push_str(part);
    }
    minijinja::Value::from_safe_string(out)
}

/// The bytes of `report.html`.
pub fn render(summary: &Summary, charts: &[Chart]) -> anyhow::Result<Vec<u8>> {
    render_with(summary, charts, None)
}

/// [`render`], with a section of another command's after the assertions.
pub fn render_with(
    summary: &Summary,
    charts: &[Chart],
    section: Option<&Section>,
) -> anyhow::Result<Vec<u8>> {
    let mut env = Environment::new();
    env.add_filter("prose", prose);
    env.add_template("report.html", TEMPLATE)?;
    let policies: Vec<PolicyView> = summary
        .world_cells(crate::summary::BASE_WORLD)
        .into_iter()
        .enumerate()
        .map(|(i, c)| PolicyView {
            name: c.policy.clone(),
            description: summary
                .policy_descriptions
                .get(i)
                .cloned()
                .unwrap_or_default(),
            colour: css_colour(i),
        })
        .collect();
    let charts: Vec<ChartView> = charts
        .iter()
        .map(|c| ChartView {
            id: c.file.trim_end_matches(".svg"),
            title: c.title,
            caption: c.caption,
            svg: &c.svg,
        })
        .collect();
    let html = env.get_template("report.html")?.render(context! {
        scenario => summary.scenario,
        description => summary.description,
        seed => summary.seed,
        replications => summary.replications,
        baseline => summary.baseline,
        version => env!("CARGO_PKG_VERSION"),
        warnings => summary.warnings,
        terms => crate::format::terms(summary.horizon_days, summary.currency.as_deref()),
        window => crate::format::window(summary.horizon_days, summary.warmup_days, summary.readout_day),
        executive => super::executive::sentences(summary),
        decision => super::decision::sentences(summary),
        objective => summary.decision.objective.info().label,
        health => summary.health,
        decision_worlds => super::decision::world_views(summary),
        not_priced => super::decision::NOT_PRICED,
        checks => summary.checks.iter().map(|c| CheckView {
            passed: c.passed,
            assertion: super::checks::assertion(c),
            measured: super::checks::measured(c),
        }).collect::<Vec<_>>(),
        checks_failed => summary.checks.iter().filter(|c| !c.passed).count(),
        policies => policies,
        rows => rows(summary),
        charts => charts,
        partner_tables => partner_tables(summary),
        partner_sourcing => summary.partner_sourcing,
        worlds => world_tables(summary),
        world_names => summary.worlds,
        robustness_metrics => ROBUSTNESS.map(|m| m.info().label),
        robustness => robustness_rows(summary),
        extra => section,
    })?;
    Ok(html.into_bytes())
}
