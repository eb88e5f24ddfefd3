//! `leadsim optimize`'s outputs: `optimize.csv` (every setting evaluated),
//! the charts, the guarantee in words, and the report's section.

use crate::analyses::optimize::{plain, Domain, Prepared, Search, SELECTION_ALPHA};
use crate::analyses::optimum::Chosen;
use crate::format::human;
use crate::metrics::{Metric, HEADLINE};

use super::csv::{finite as number, text_cell};
use super::html::Section;

/// The metrics `optimize.csv` gives: the objective, the constraints', and
/// the headline metrics, once each.
fn columns(prepared: &Prepared) -> Vec<Metric> {
    let p = &prepared.problem;
    let mut out = vec![p.objective];
    for m in p.constraints.iter().map(|c| c.metric).chain(HEADLINE) {
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out
}

/// Every evaluated setting: its fields, feasibility, score, and each
/// metric's mean and 95 % interval in the base world.
pub fn csv(prepared: &Prepared, search: &Search, chosen: Option<&Chosen>) -> Vec<u8> {
    let metrics = columns(prepared);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["evaluation".to_string()];
    header.extend(prepared.problem.varies.iter().map(|v| v.path.clone()));
    header.extend(
        [
            "feasible",
            "violation",
            "score",
            "finalist",
            "chosen",
            "selection_replications",
            "selection_mean",
        ]
        .map(String::from),
    );
    for m in &metrics {
        for part in ["mean", "ci95_low", "ci95_high"] {
            header.push(format!("{m}.{part}"));
        }
    }
    w.write_record(&header).expect("writing to memory");
    for (i, e) in search.evaluations.iter().enumerate() {
        let finalist = chosen.and_then(|c| c.finalists.iter().position(|&f| f == i));
        let mut row = vec![(i + 1).to_string()];
        row.extend(e.values.iter().map(|v| text_cell(&plain(v))));
        row.push(e.feasible.to_string());
        row.push(number(e.violation));
        row.push(number(e.score));
        row.push(finalist.is_some().to_string());
        row.push(chosen.is_some_and(|c| c.best() == i).to_string());
        match (chosen, finalist) {
            (Some(c), Some(f)) => {
                row.push(c.selection.replications[f].to_string());
                let sign = if prepared.problem.maximize { 1.0 } else { -1.0 };
                row.push(number(sign * c.selection.means[f]));
            }
            _ => row.extend([String::new(), String::new()]),
        }
        for &m in &metrics {
            match e.worlds[0][m] {
                Some(est) => {
                    let (lo, hi) = est.ci95.unwrap_or((est.mean, est.mean));
                    row.extend([number(est.mean), number(lo), number(hi)]);
                }
                None => row.extend([String::new(), String::new(), String::new()]),
            }
        }
        w.write_record(&row).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// The guarantee the selection gives, in plain words.
pub fn guarantee(prepared: &Prepared, chosen: &Chosen) -> String {
    let s = &chosen.selection;
    let k = chosen.finalists.len();
    let total: u64 = s.replications.iter().sum();
    let delta = human(chosen.delta, prepared.problem.objective.unit());
    let pct = prepared.problem.delta * 100.0;
    let confidence = (1.0 - SELECTION_ALPHA) * 100.0;
    if k == 1 {
        return "One setting was feasible, so there was nothing to choose between.".to_string();
    }
    if !s.complete {
        let left = s.eliminated_at.iter().filter(|e| e.is_none()).count();
        return format!(
            "The {k} best feasible settings were compared again on fresh replications (Kim and Nelson's procedure, {total} replications in all); it stopped at its cap with {left} still in contention, so they are within the noise of each other at an indifference zone of {delta} ({pct}% of the objective): the one with the best mean was chosen, without the {confidence:.0}% guarantee."
        );
    }
    format!(
        "The {k} best feasible settings the search tried were compared again on fresh replications, paired (Kim and Nelson's fully sequential procedure, {total} replications in all). The guarantee: if one of them is at least {delta} ({pct}% of the objective) better than every other, it is the one chosen with probability at least {confidence:.0}%; settings closer than that to the best count as equally good."
    )
}

/// A chart's file name and SVG, with its title.
pub struct Figure {
    pub file: String,
    pub title: String,
    pub svg: String,
}

/// The convergence chart and the explored settings on each pair of range
/// fields (one range field: against the objective).
pub fn figures(
    prepared: &Prepared,
    search: &Search,
    chosen: Option<&Chosen>,
) -> anyhow::Result<Vec<Figure>> {
    let p = &prepared.problem;
    let name = p.objective.name();
    let best: Vec<Option<f64>> = search
        .best_after
        .iter()
        .map(|b| b.map(|i| search.evaluations[i].score))
        .collect();
    let mut out = vec![Figure {
        file: "optimize-convergence.svg".into(),
        title: format!("Best feasible {name} after each evaluation"),
        svg: crate::plot::optimize::convergence(name, &best).map_err(|e| anyhow::anyhow!("{e}"))?,
    }];
    let ranges: Vec<usize> = (0..p.varies.len())
        .filter(|&i| matches!(p.varies[i].domain, Domain::Range { .. }))
        .collect();
    let value = |e: &crate::analyses::optimize::Evaluation, i: usize| {
        e.values[i].as_f64().unwrap_or(f64::NAN)
    };
    let chosen_eval = chosen.map(|c| &search.evaluations[c.best()]);
    let mut pairs: Vec<(usize, Option<usize>)> = Vec::new();
    match ranges.len() {
        0 => {}
        1 => pairs.push((ranges[0], None)),
        _ => {
            for (a, &i) in ranges.iter().enumerate() {
                for &j in &ranges[a + 1..] {
                    pairs.push((i, Some(j)));
                }
            }
        }
    }
    for (i, j) in pairs {
        let y_name = j.map_or(name.to_string(), |j| p.varies[j].path.clone());
        let y = |e: &crate::analyses::optimize::Evaluation| j.map_or(e.score, |j| value(e, j));
        let points: Vec<(f64, f64, bool)> = search
            .evaluations
            .iter()
            .map(|e| (value(e, i), y(e), e.feasible))
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .collect();
        let mark = chosen_eval.map(|e| (value(e, i), y(e)));
        out.push(Figure {
            file: format!(
                "optimize-explored-{}-{}.svg",
                i + 1,
                j.map_or("objective".to_string(), |j| (j + 1).to_string())
            ),
            title: format!("Settings tried: {y_name} by {}", p.varies[i].path),
            svg: crate::plot::optimize::explored(&p.varies[i].path, &y_name, &points, mark)
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        });
    }
    Ok(out)
}

/// The report's section: the problem, what the search did, the chosen
/// setting and the guarantee.
pub fn section(
    prepared: &Prepared,
    search: &Search,
    chosen: &Chosen,
    figures: &[Figure],
    original_violations: &[String],
) -> Section {
    let p = &prepared.problem;
    let best = &search.evaluations[chosen.best()];
    let goal = format!(
        "{} {}{}",
        if p.maximize { "maximise" } else { "minimise" },
        p.objective,
        if p.all_worlds {
            format!(
                " in the worst of the {} worlds (each replication's worst world, averaged over replications)",
                prepared.worlds.len()
            )
        } else {
            String::new()
        }
    );
    let constraints = if p.constraints.is_empty() {
        "with no constraint".to_string()
    } else {
        format!(
            "subject to {} (met only when the 95% interval's unfavourable end meets it{})",
            p.constraints
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(" and "),
            if p.all_worlds { ", in every world" } else { "" }
        )
    };
    let fields = p
        .varies
        .iter()
        .map(|v| match &v.domain {
            Domain::Range { lo, hi, whole } => format!(
                "{} from {lo} to {hi}{}",
                v.path,
                if *whole { " (whole numbers)" } else { "" }
            ),
            Domain::Choices(c) => format!(
                "{} among {}",
                v.path,
                c.iter().map(plain).collect::<Vec<_>>().join(", ")
            ),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let feasible = search.evaluations.iter().filter(|e| e.feasible).count();
    Section {
        title: format!("How {} was found", prepared.optimized_name()),
        paragraphs: vec![
            format!(
                "leadsim optimize varied {fields} of policy {} to {goal}, {constraints}.",
                p.policy
            ),
            format!(
                "The search (a space-filling Halton design, then Nelder-Mead, on common random numbers: {} replications per setting, seed {}) evaluated {} settings, {feasible} of them feasible. The chosen setting: {} ({} {}).",
                p.replications,
                p.seed,
                search.evaluations.len(),
                prepared.describe(&best.values),
                p.objective,
                human(best.score, p.objective.unit())
            ),
            guarantee(prepared, chosen),
            format!(
                "The tables and charts below are an ordinary paired run of {} against {} on the scenario's worlds.{}",
                prepared.optimized_name(),
                p.policy,
                original_violations
                    .iter()
                    .map(|s| format!(" {s}"))
                    .collect::<String>()
            ),
        ],
        figures: figures
            .iter()
            .map(|f| (f.title.clone(), f.svg.clone()))
            .collect(),
    }
}
