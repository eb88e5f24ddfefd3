//! `leadsim sensitivity`'s outputs: `sensitivity.csv`, the tornado chart,
//! and the report's section.

use crate::analyses::sensitivity::{Analysis, End};
use crate::format::human;
use crate::metrics::Verdict;

use super::csv::{finite as number, text_cell};
use super::html::Section;

fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Better => "better",
        Verdict::Worse => "worse",
        Verdict::NoClearDifference => "no_clear_difference",
    }
}

fn end_cells(e: &End) -> [String; 5] {
    let (lo, hi) = e
        .difference
        .and_then(|d| d.ci95)
        .unwrap_or((f64::NAN, f64::NAN));
    [
        number(e.value),
        e.difference.map_or(String::new(), |d| number(d.mean)),
        number(lo),
        number(hi),
        verdict(e.verdict).to_string(),
    ]
}

/// One row per assumption, largest swing first.
pub fn csv(a: &Analysis) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["assumption".to_string()];
    for side in ["low", "high", "break_even"] {
        for part in ["value", "difference", "ci95_low", "ci95_high", "verdict"] {
            header.push(format!("{side}_{part}"));
        }
    }
    header.push("swing".into());
    w.write_record(&header).expect("writing to memory");
    for r in &a.rows {
        let mut row = vec![text_cell(&r.assumption.path)];
        row.extend(end_cells(&r.low));
        row.extend(end_cells(&r.high));
        match &r.break_even {
            Some(e) => row.extend(end_cells(e)),
            None => row.extend(std::iter::repeat_n(String::new(), 5)),
        }
        row.push(number(r.swing));
        w.write_record(&row).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// The tornado chart's SVG.
pub fn tornado(a: &Analysis) -> anyhow::Result<String> {
    let bars: Vec<crate::plot::sensitivity::Bar> = a
        .rows
        .iter()
        .map(|r| crate::plot::sensitivity::Bar {
            label: format!(
                "{} ({} to {})",
                r.assumption.path,
                number(r.assumption.lo),
                number(r.assumption.hi)
            ),
            low: r.low.difference.map_or(f64::NAN, |d| d.mean),
            high: r.high.difference.map_or(f64::NAN, |d| d.mean),
        })
        .collect();
    let base = a.base_end.difference.map_or(f64::NAN, |d| d.mean);
    let unit = a.metric.unit();
    crate::plot::sensitivity::tornado(
        &format!("{}: {} - {}, by assumption", a.metric, a.policy, a.versus),
        &bars,
        base,
        &|v| crate::format::human_diff(v, unit),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
}

/// One sentence per assumption, in swing order.
pub fn sentences(a: &Analysis) -> Vec<String> {
    let unit = a.metric.unit();
    let diff = |e: &End| {
        e.difference
            .map_or("undefined".to_string(), |d| human(d.mean, unit))
    };
    a.rows
        .iter()
        .map(|r| {
            let ends = format!(
                "{} from {} to {}: the difference goes from {} ({}) to {} ({})",
                r.assumption.path,
                number(r.assumption.lo),
                number(r.assumption.hi),
                diff(&r.low),
                verdict(r.low.verdict).replace('_', " "),
                diff(&r.high),
                verdict(r.high.verdict).replace('_', " ")
            );
            match &r.break_even {
                Some(e) => format!(
                    "{ends}; it changes at {} = {} (difference {}, {}).",
                    r.assumption.path,
                    number(e.value),
                    diff(e),
                    verdict(e.verdict).replace('_', " ")
                ),
                None => format!("{ends}; the recommendation holds across the range."),
            }
        })
        .collect()
}

/// The report's section.
pub fn section(a: &Analysis, tornado: &str) -> Section {
    let mut paragraphs = vec![format!(
        "How {} - {} on {} moves with each assumption, at the low and high end of its range, on common random numbers (verdicts as in the comparison below); where the verdict or the sign changes inside the range, bisection finds where. At the file's own values the difference is {}.",
        a.policy,
        a.versus,
        a.metric,
        a.base_end
            .difference
            .map_or("undefined".to_string(), |d| human(d.mean, a.metric.unit()))
    )];
    paragraphs.extend(sentences(a));
    Section {
        title: format!(
            "What would change the comparison of {} and {}",
            a.policy, a.versus
        ),
        paragraphs,
        figures: vec![("Tornado".to_string(), tornado.to_string())],
    }
}
