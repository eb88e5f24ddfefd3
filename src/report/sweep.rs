//! The sweep's files: `sweep.csv`, its charts and its Pareto frontiers.

use super::csv::text_cell;
use crate::analyses::sweep::{candidates, coordinates, Axis};
use crate::format::file_number;
use crate::metrics::Metric;
use crate::plot::sweep as charts;
use crate::summary::Summary;

/// The files a sweep writes: `sweep.csv`, `sweep.svg` (one field) or
/// `sweep-heatmap.svg` (two), and per metric pair `pareto-A-B.csv/.svg`.
/// `heatmap_policy` is the policy the two-field heatmap shows.
pub fn outputs(
    axes: &[Axis],
    runs: &[Summary],
    pareto_pairs: &[(Metric, Metric)],
    heatmap_policy: usize,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let coordinates = |i: usize| coordinates(axes, i);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = axes.iter().map(|a| text_cell(&a.path)).collect();
    header.extend(["policy", "world", "metric", "mean", "ci95_low", "ci95_high"].map(String::from));
    w.write_record(&header)?;
    for (i, s) in runs.iter().enumerate() {
        for c in &s.cells {
            for (m, &e) in c.metrics.iter() {
                let mut row: Vec<String> = coordinates(i).iter().map(|v| file_number(*v)).collect();
                row.extend([
                    text_cell(&c.policy),
                    text_cell(&c.world),
                    m.name().to_string(),
                    e.map_or(String::new(), |e| file_number(e.mean)),
                    e.and_then(|e| e.ci95)
                        .map_or(String::new(), |ci| file_number(ci.0)),
                    e.and_then(|e| e.ci95)
                        .map_or(String::new(), |ci| file_number(ci.1)),
                ]);
                w.write_record(&row)?;
            }
        }
    }
    let mut files = vec![("sweep.csv".to_string(), w.into_inner()?)];
    let chart_error =
        |e: Box<dyn std::error::Error>| anyhow::anyhow!("cannot draw the sweep charts: {e}");
    if axes.len() == 1 {
        files.push((
            "sweep.svg".into(),
            charts::lines(&axes[0], runs)
                .map_err(chart_error)?
                .into_bytes(),
        ));
    } else {
        let metric = Metric::LeadToWin;
        files.push((
            "sweep-heatmap.svg".into(),
            charts::heatmap(axes, runs, heatmap_policy, metric)
                .map_err(chart_error)?
                .into_bytes(),
        ));
    }
    for &(x, y) in pareto_pairs {
        let candidates = candidates(axes, runs, x, y);
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["candidate", x.name(), y.name(), "on_frontier"])?;
        for c in &candidates {
            w.write_record([
                text_cell(&c.label),
                file_number(c.x),
                file_number(c.y),
                c.on_frontier.to_string(),
            ])?;
        }
        let stem = format!("pareto-{}-{}", x.name(), y.name());
        files.push((format!("{stem}.csv"), w.into_inner()?));
        files.push((
            format!("{stem}.svg"),
            charts::pareto_chart(&candidates, x, y)
                .map_err(chart_error)?
                .into_bytes(),
        ));
    }
    Ok(files)
}
