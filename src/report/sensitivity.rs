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
    header.push("sign_change_value".into());
    for k in 1..=2 {
        for part in ["value", "difference", "verdict"] {
            header.push(format!("verdict_change_{k}_{part}"));
        }
    }
    w.write_record(&header).expect("writing to memory");
    for r in &a.rows {
        let mut row = vec![text_cell(&r.assumption.path)];
        row.extend(end_cells(&r.low));
        row.extend(end_cells(&r.high));
        match &r.break_even() {
            Some(e) => row.extend(end_cells(e)),
            None => row.extend(std::iter::repeat_n(String::new(), 5)),
        }
        row.push(number(r.swing));
        row.push(r.sign_change.map_or(String::new(), |e| number(e.value)));
        for k in 0..2 {
            match r.verdict_changes.get(k) {
                Some(e) => row.extend([
                    number(e.value),
                    e.difference.map_or(String::new(), |d| number(d.mean)),
                    verdict(e.verdict).to_string(),
                ]),
                None => row.extend(std::iter::repeat_n(String::new(), 3)),
            }
        }
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
            let Some(e) = &r.break_even() else {
                return format!("{ends}; the recommendation holds across the range.");
            };
            let at = format!(
                "{ends}; it changes at {} = {} (difference {}, {})",
                r.assumption.path,
                number(e.value),
                diff(e),
                verdict(e.verdict).replace('_', " ")
            );
            // Where the verdict changes, when that is not the point above.
            if r.sign_change.is_none() || r.verdict_changes.is_empty() {
                return format!("{at}.");
            }
            let mut from = r.low.verdict;
            let changes: Vec<String> = r
                .verdict_changes
                .iter()
                .map(|c| {
                    let said = format!(
                        "{} ({} to {})",
                        number(c.value),
                        from.label(),
                        c.verdict.label()
                    );
                    from = c.verdict;
                    said
                })
                .collect();
            format!(
                "{at}; the verdict changes at {} = {}.",
                r.assumption.path,
                changes.join(" and ")
            )
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
