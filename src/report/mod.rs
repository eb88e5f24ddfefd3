//! Exporters (pure: summary in, bytes out) and, in `output.rs`, the one
//! place that writes files: single files atomically, and a run's set of
//! files as a whole (staged, then swapped in), so a reader never sees a
//! half-written file or a mix of two runs.

pub mod backtest;
pub mod calibrate;
pub mod checks;
pub mod csv;
pub mod decide;
pub mod decision;
pub mod diff;
pub mod executive;
pub mod html;
pub mod json;
pub mod optimize;
pub mod output;
pub mod power;
pub mod sensitivity;
pub mod sweep;
pub mod table;
pub mod trace;

pub use output::write_atomic;

use std::path::{Path, PathBuf};

use crate::summary::Summary;

/// The files a run leaves in its output folder, with their bytes: the data,
/// every chart, and the report that embeds them.
pub fn render_all(
    summary: &Summary,
    heatmap_metric: crate::metrics::Metric,
) -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    render_all_with(summary, heatmap_metric, None)
}

/// [`render_all`], with a section of another command's in the report.
pub fn render_all_with(
    summary: &Summary,
    heatmap_metric: crate::metrics::Metric,
    section: Option<&html::Section>,
) -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    let charts = crate::plot::render_all(summary, heatmap_metric)?;
    let mut files = vec![
        ("summary.json", json::render(summary)),
        ("summary.csv", csv::summary_csv(summary)),
        ("comparison.csv", csv::comparison_csv(summary)),
        ("partners.csv", csv::partners_csv(summary)),
        ("report.html", html::render_with(summary, &charts, section)?),
    ];
    files.extend(charts.into_iter().map(|c| (c.file, c.svg.into_bytes())));
    Ok(files)
}

/// Writes a run's files into `dir` as one set (see [`output::write_set`]).
/// Everything is rendered before this is called, so a failure to render
/// leaves the folder untouched. Returns the paths written.
pub fn write_all(
    dir: &Path,
    command: &str,
    files: &[(&'static str, Vec<u8>)],
) -> anyhow::Result<Vec<PathBuf>> {
    output::write_set(dir, command, files)
}
