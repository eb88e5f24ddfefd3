//! Exporters (pure: summary in, bytes out) and the one place that writes
//! files: every output goes to a temporary file in the output folder and is
//! renamed into place, so a reader never sees a half-written file.

pub mod csv;
pub mod executive;
pub mod format;
pub mod html;
pub mod json;
pub mod table;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::summary::Summary;

/// The files a run leaves in its output folder, with their bytes: the data,
/// every chart, and the report that embeds them.
pub fn render_all(
    summary: &Summary,
    heatmap_metric: usize,
) -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    let charts = crate::plot::render_all(summary, heatmap_metric)?;
    let mut files = vec![
        ("summary.json", json::render(summary)),
        ("summary.csv", csv::summary_csv(summary)),
        ("partners.csv", csv::partners_csv(summary)),
        ("report.html", html::render(summary, &charts)?),
    ];
    files.extend(charts.into_iter().map(|c| (c.file, c.svg.into_bytes())));
    Ok(files)
}

/// Writes `bytes` to `target` atomically: a temporary file in the same
/// folder, synced, then renamed over the target.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let mut builder = tempfile::Builder::new();
    // Temporary files are private (0600); results are ordinary files.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut tmp = builder
        .prefix(".leadsim-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("cannot write {}", target.display()))?;
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("cannot write {}", target.display()))?;
    tmp.persist(target)
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(())
}

/// Writes every file into `dir` (created if needed), each atomically.
/// Everything is rendered before this is called, so a failure to render
/// leaves the folder untouched. Returns the paths written.
pub fn write_all(dir: &Path, files: &[(&'static str, Vec<u8>)]) -> anyhow::Result<Vec<PathBuf>> {
    files
        .iter()
        .map(|(name, bytes)| {
            let target = dir.join(name);
            write_atomic(&target, bytes)?;
            Ok(target)
        })
        .collect()
}
