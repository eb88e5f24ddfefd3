//! Exporters (pure: summary in, bytes out) and the one place that writes
//! files: every output goes to a temporary file in the output folder and is
//! renamed into place, so a reader never sees a half-written file.

pub mod csv;
pub mod format;
pub mod json;
pub mod table;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::summary::Summary;

/// The files a run leaves in its output folder, with their bytes.
pub fn render_all(summary: &Summary) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("summary.json", json::render(summary)),
        ("summary.csv", csv::summary_csv(summary)),
        ("partners.csv", csv::partners_csv(summary)),
    ]
}

/// Writes every file into `dir` (created if needed), each atomically.
/// Returns the paths written.
pub fn write_all(dir: &Path, files: &[(&'static str, Vec<u8>)]) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output folder {}", dir.display()))?;
    let mut written = Vec::new();
    // Everything is rendered before anything is written; each file replaces
    // its predecessor by rename.
    for (name, bytes) in files {
        let target = dir.join(name);
        let mut tmp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        tmp.write_all(bytes)
            .with_context(|| format!("cannot write {}", target.display()))?;
        tmp.as_file()
            .sync_all()
            .with_context(|| format!("cannot write {}", target.display()))?;
        tmp.persist(&target)
            .with_context(|| format!("cannot write {}", target.display()))?;
        written.push(target);
    }
    Ok(written)
}
