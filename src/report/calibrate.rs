//! `leadsim calibrate`'s report: `calibration.csv` (one row per fitted
//! quantity, with what the export shows and how many rows it rests on) and
//! `calibration.html` (the same, with each fit drawn against the data).

use minijinja::{context, Environment};
use serde::Serialize;

use crate::analyses::calibrate::{curve_points, Calibration, HolderFit, WEEKDAYS};
use crate::plot::calibrate::Interval;

use super::csv::{finite as number, text_cell};

const TEMPLATE: &str = include_str!("../../templates/calibration.html");

/// One fitted quantity.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub kind: &'static str,
    pub name: String,
    pub quantity: &'static str,
    pub fitted: f64,
    /// The 90 % interval where the fit carries one (rates).
    pub low90: Option<f64>,
    pub high90: Option<f64>,
    pub observed: Option<f64>,
    /// Rows (or trials) the fit rests on, and how many were censored.
    pub n: f64,
    pub censored: Option<usize>,
    pub note: String,
}

fn holder_lines(h: &HolderFit) -> Vec<Line> {
    let kind = if h.house { "house" } else { "partner" };
    let pooled = |p: bool| {
        if p {
            "pooled: too few to fit alone"
        } else {
            ""
        }
    };
    let (qlo, qhi) = h.qualify.interval();
    let (wlo, whi) = h.win.interval();
    let line = |quantity, fitted, observed, n: f64, censored, note: &str| Line {
        kind,
        name: h.name.clone(),
        quantity,
        fitted,
        low90: None,
        high90: None,
        observed,
        n,
        censored,
        note: note.to_string(),
    };
    vec![
        line(
            "response_median_hours",
            h.response.median(),
            h.observed_median,
            h.contacted as f64,
            Some(h.censored),
            pooled(h.response_pooled),
        ),
        line(
            "response_p90_hours",
            h.response.p90(),
            None,
            h.contacted as f64,
            Some(h.censored),
            pooled(h.response_pooled),
        ),
        line(
            "work_median_days",
            h.work.median(),
            None,
            h.closed as f64,
            Some(h.open),
            pooled(h.work_pooled),
        ),
        Line {
            low90: Some(qlo),
            high90: Some(qhi),
            ..line(
                "qualify_rate",
                h.qualify.mean(),
                h.qualify.observed(),
                h.qualify.n,
                None,
                "per unit of score and of the speed-to-lead curve",
            )
        },
        Line {
            low90: Some(wlo),
            high90: Some(whi),
            ..line(
                "win_rate",
                h.win.mean(),
                h.win.observed(),
                h.win.n,
                None,
                "of closed opportunities",
            )
        },
        line(
            "capacity",
            h.capacity as f64,
            None,
            h.leads as f64,
            None,
            "the most leads held at once",
        ),
    ]
}

/// Every fitted quantity, in the order the report shows them.
pub fn lines(c: &Calibration) -> Vec<Line> {
    let plain = |kind, name: String, quantity, fitted, observed, n: f64, note: &str| Line {
        kind,
        name,
        quantity,
        fitted,
        low90: None,
        high90: None,
        observed,
        n,
        censored: None,
        note: note.to_string(),
    };
    let mut out = vec![plain(
        "arrivals",
        "all".into(),
        "per_day",
        c.per_day,
        Some(c.per_day),
        c.leads as f64,
        "",
    )];
    for (d, w) in WEEKDAYS.iter().zip(c.weekdays) {
        out.push(plain(
            "arrivals",
            d.to_string(),
            "weekday_weight",
            w,
            None,
            c.leads as f64,
            "",
        ));
    }
    for (h, w) in c.hours.iter().enumerate() {
        out.push(plain(
            "arrivals",
            format!("{h:02}h"),
            "hour_weight",
            *w,
            None,
            c.leads as f64,
            "UTC",
        ));
    }
    for s in &c.segments {
        out.push(plain(
            "segment",
            s.name.clone(),
            "share",
            s.leads as f64 / c.leads as f64,
            Some(s.leads as f64 / c.leads as f64),
            s.leads as f64,
            "",
        ));
        if let Some(d) = s.deal_size {
            let note = if s.deal_pooled {
                "pooled: too few wins to fit alone"
            } else {
                ""
            };
            out.push(plain(
                "segment",
                s.name.clone(),
                "deal_size_median",
                d.median(),
                s.observed_median_amount,
                s.wins as f64,
                note,
            ));
            out.push(plain(
                "segment",
                s.name.clone(),
                "deal_size_p90",
                d.p90(),
                None,
                s.wins as f64,
                note,
            ));
        }
        if let Some((m, k)) = s.quality {
            out.push(plain(
                "segment",
                s.name.clone(),
                "quality_mean",
                m,
                None,
                s.leads as f64,
                "",
            ));
            out.push(plain(
                "segment",
                s.name.clone(),
                "quality_concentration",
                k,
                None,
                s.leads as f64,
                "",
            ));
        }
    }
    for h in &c.holders {
        out.extend(holder_lines(h));
    }
    for b in &c.curve {
        out.push(plain(
            "speed_to_lead",
            format!("{}-{}h", b.from, b.to),
            "qualify_multiplier",
            b.fitted,
            Some(b.observed),
            b.contacted as f64,
            "observational",
        ));
    }
    out
}

/// A number for a person: four significant figures.
fn show(v: f64) -> String {
    format!("{}", crate::analyses::calibrate::sig(v))
}

pub fn csv(c: &Calibration) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "kind", "name", "quantity", "fitted", "low90", "high90", "observed", "n", "censored",
        "note",
    ])
    .expect("writing to memory");
    for l in lines(c) {
        w.write_record([
            l.kind.to_string(),
            text_cell(&l.name),
            l.quantity.to_string(),
            number(l.fitted),
            l.low90.map_or(String::new(), number),
            l.high90.map_or(String::new(), number),
            l.observed.map_or(String::new(), number),
            number(l.n),
            l.censored.map_or(String::new(), |c| c.to_string()),
            l.note,
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// One chart of the calibration report.
#[derive(Serialize)]
struct Figure {
    title: &'static str,
    caption: String,
    svg: String,
}

/// The report's charts: arrivals, time to first contact, qualification
/// and win rates, speed to lead.
fn figures(c: &Calibration) -> anyhow::Result<Vec<Figure>> {
    let draw =
        |r: crate::plot::DrawResult<String>| r.map_err(|e| anyhow::anyhow!("drawing a chart: {e}"));
    let response: Vec<Interval> = c
        .holders
        .iter()
        .map(|h| Interval {
            label: h.name.clone(),
            low: h.response.p10(),
            mid: h.response.median(),
            high: h.response.p90(),
            observed: h.observed_median,
        })
        .collect();
    let rate = |f: &dyn Fn(&HolderFit) -> crate::analyses::calibrate::RateFit| -> Vec<Interval> {
        c.holders
            .iter()
            .map(|h| {
                let r = f(h);
                let (lo, hi) = r.interval();
                Interval {
                    label: h.name.clone(),
                    low: lo,
                    mid: r.mean(),
                    high: hi,
                    observed: r.observed(),
                }
            })
            .collect()
    };
    let figures = vec![
        (
            "Arrivals",
            "Dots: leads the export shows in each hour of the week (summed over its weeks); line: what the fitted rate and pattern expect.".to_string(),
            draw(crate::plot::calibrate::week(&c.week_observed, &c.week_fitted))?,
        ),
        (
            "Time to first contact",
            "Bars: each holder's fitted lognormal from its p10 to its p90, the tick its median; crosses: the median of the leads it contacted, which leaves out the ones never contacted and so sits low where many were censored.".to_string(),
            draw(crate::plot::calibrate::intervals(
                "Time to first contact (hours, log scale)",
                "hours",
                &response,
                true,
            ))?,
        ),
        (
            "Qualification rates",
            format!("Bars: the 90 % interval of each holder's fitted qualify_rate (empirical Bayes across partners: prior mean {:.2}, concentration {:.0}), the tick its mean; crosses: the observed rate per unit of score and curve. A partner with few leads gets a wide interval pulled to the prior.", c.qualify_prior.0 / (c.qualify_prior.0 + c.qualify_prior.1), c.qualify_prior.0 + c.qualify_prior.1),
            draw(crate::plot::calibrate::intervals(
                "qualify_rate: fitted 90 % interval and observed",
                "rate",
                &rate(&|h| h.qualify),
                false,
            ))?,
        ),
        (
            "Win rates",
            format!("As above, for the win rate of closed opportunities (prior mean {:.2}, concentration {:.0}).", c.win_prior.0 / (c.win_prior.0 + c.win_prior.1), c.win_prior.0 + c.win_prior.1),
            draw(crate::plot::calibrate::intervals(
                "win_rate: fitted 90 % interval and observed",
                "rate",
                &rate(&|h| h.win),
                false,
            ))?,
        ),
        (
            "Speed to lead",
            "Crosses: qualified leads per unit of score (and of the holder's rate) in each bin of time to first contact, relative to the fastest bin; line: the fitted curve (made non-increasing). Fitted within partners (with their rates), so a skilled partner that also answers fast does not steepen it; still observational: leads answered late may differ in ways the export does not show.".to_string(),
            draw(crate::plot::calibrate::curve(
                &c.curve.iter().map(|b| (b.mean_hours, b.observed)).collect::<Vec<_>>(),
                &curve_points(&c.curve),
            ))?,
        ),
    ];
    Ok(figures
        .into_iter()
        .map(|(title, caption, svg)| Figure {
            title,
            caption,
            svg,
        })
        .collect())
}

/// One row of the report's table.
#[derive(Serialize)]
struct Row {
    kind: &'static str,
    name: String,
    quantity: &'static str,
    fitted: String,
    interval: String,
    observed: String,
    n: String,
    censored: String,
    note: String,
}

/// The report's table: every fitted quantity (the hour weights left out).
fn rows(c: &Calibration) -> Vec<Row> {
    let fmt = |v: Option<f64>| v.map_or("—".to_string(), show);
    lines(c)
        .into_iter()
        .filter(|l| l.quantity != "hour_weight")
        .map(|l| Row {
            kind: l.kind,
            name: l.name,
            quantity: l.quantity,
            fitted: show(l.fitted),
            interval: match (l.low90, l.high90) {
                (Some(a), Some(b)) => format!("{} – {}", show(a), show(b)),
                _ => String::new(),
            },
            observed: fmt(l.observed),
            n: format!("{:.0}", l.n),
            censored: l.censored.map_or(String::new(), |c| c.to_string()),
            note: l.note,
        })
        .collect()
}

pub fn html(c: &Calibration, scenario_path: &str) -> anyhow::Result<Vec<u8>> {
    let figures = figures(c)?;
    let rows = rows(c);
    let mut env = Environment::new();
    env.add_filter("prose", super::html::prose);
    env.add_template("calibration.html", TEMPLATE)?;
    let html = env.get_template("calibration.html")?.render(context! {
        source => c.source,
        scenario => scenario_path,
        leads => c.leads,
        set_aside => c.set_aside.iter().map(|(line, why)| format!("line {line}: {why}")).collect::<Vec<_>>(),
        unassigned => c.unassigned,
        start => crate::analyses::history::format_time(c.start),
        end => crate::analyses::history::format_time(c.end),
        horizon_days => c.horizon_days,
        figures => figures,
        rows => rows,
        version => env!("CARGO_PKG_VERSION"),
    })?;
    Ok(html.into_bytes())
}
