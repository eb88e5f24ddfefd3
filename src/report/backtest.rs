//! `leadsim backtest`'s outputs: `backtest.csv`, the report's section and
//! the sentences printed.

use crate::analyses::backtest::{Backtest, Kpi};
use crate::format::human;

use super::csv::{finite as number, text_cell};
use super::html::Section;

fn verdict(k: &Kpi) -> &'static str {
    match (k.inside(), k.actual, k.p10) {
        (Some(true), ..) => "inside",
        (Some(false), Some(a), Some(lo)) if a < lo => "below_p10",
        (Some(false), ..) => "above_p90",
        (None, ..) => "undefined",
    }
}

/// One row per KPI.
pub fn csv(b: &Backtest) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["metric", "actual", "p10", "p50", "p90", "verdict"])
        .expect("writing to memory");
    let cell = |v: Option<f64>| v.map_or(String::new(), number);
    for k in &b.kpis {
        w.write_record([
            text_cell(k.metric.name()),
            cell(k.actual),
            cell(k.p10),
            cell(k.p50),
            cell(k.p90),
            verdict(k).to_string(),
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// A sentence per KPI: what happened, the band, and a flag when outside.
pub fn sentences(b: &Backtest) -> Vec<String> {
    let show =
        |k: &Kpi, v: Option<f64>| v.map_or("n/a".to_string(), |v| human(v, k.metric.info().unit));
    let mut out: Vec<String> = b
        .kpis
        .iter()
        .map(|k| {
            let flag = match verdict(k) {
                "below_p10" => " — FLAGGED: below the band",
                "above_p90" => " — FLAGGED: above the band",
                "undefined" => " — not comparable",
                _ => "",
            };
            format!(
                "{}: actual {}, simulated p10–p90 {} – {}{flag}",
                k.metric.info().label,
                show(k, k.actual),
                show(k, k.p10),
                show(k, k.p90)
            )
        })
        .collect();
    let flagged = b.flagged().count();
    out.push(if flagged == 0 {
        format!(
            "Every KPI of the {} leads replayed under {} falls inside its simulated p10–p90: the model would have predicted this period.",
            b.leads, b.policy
        )
    } else {
        format!(
            "{flagged} of {} KPIs fall outside their simulated p10–p90 under {}: recalibrate (or check the policy named was the one in force) before trusting the comparisons.",
            b.kpis.len(),
            b.policy
        )
    });
    out
}

/// The report's *Back-test* section, with the band chart.
pub fn section(b: &Backtest) -> anyhow::Result<Section> {
    let rows: Vec<crate::plot::calibrate::Interval> = b
        .kpis
        .iter()
        .filter_map(|k| {
            let mid = k.p50.filter(|m| *m != 0.0)?;
            Some(crate::plot::calibrate::Interval {
                label: k.metric.info().column.to_string(),
                low: k.p10? / mid,
                mid: 1.0,
                high: k.p90? / mid,
                observed: k.actual.map(|a| a / mid),
            })
        })
        .collect();
    let svg = crate::plot::calibrate::intervals(
        "Actual (cross) against the simulated p10–p90 (bar), relative to the simulated median",
        "relative to the simulated median",
        &rows,
        false,
    )
    .map_err(|e| anyhow::anyhow!("drawing the back-test chart: {e}"))?;
    let mut paragraphs = vec![format!(
        "The {} leads of {} replayed exactly under {}, read at the export's end (day {:.1}); {} rows set aside.",
        b.leads,
        b.source,
        b.policy,
        b.readout_day,
        b.set_aside.len()
    )];
    paragraphs.extend(sentences(b));
    Ok(Section {
        title: "Back-test: would the model have predicted this period?".into(),
        paragraphs,
        figures: vec![("Actual against the simulated band".into(), svg)],
    })
}
