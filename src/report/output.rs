//! The one place that writes output: single files atomically, and a run's
//! whole set of files so that the folder holds exactly one complete set.
//!
//! A set is staged in a hidden sibling folder (`.leadsim-stage-<name>-*`),
//! every file synced, then swapped with the output folder in one step
//! (`renameat2(RENAME_EXCHANGE)` on Linux; elsewhere two renames, with a
//! window of a few microseconds in which the folder is absent). Files in
//! the folder that the run does not write (traces, `sweep/`, `power/`,
//! shard parts) are carried over into the new folder. Writers of one folder
//! are serialised by an advisory lock on `.leadsim-<name>.lock` beside it,
//! so two concurrent runs each replace the set whole, one after the other.
//! Leftovers of a writer that was killed (staging folders, temporary files)
//! are cleaned up by the next writer of that folder; files carried over by
//! a writer killed mid-way are recovered first.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

/// The prefix of every temporary file or folder leadsim creates.
const TEMP_PREFIX: &str = ".leadsim-";

/// Refuses a target that exists and is not a regular file (a folder, a
/// device, a FIFO, or a symbolic link to anything): writing would replace
/// it with a regular file, or write through the link.
fn check_regular_target(target: &Path) -> anyhow::Result<()> {
    match fs::symlink_metadata(target) {
        Ok(meta) if !meta.file_type().is_file() => bail!(
            "{} exists and is not a regular file ({}); leadsim only replaces regular files",
            target.display(),
            describe(&meta.file_type())
        ),
        _ => Ok(()),
    }
}

fn describe(t: &fs::FileType) -> &'static str {
    if t.is_dir() {
        "a folder"
    } else if t.is_symlink() {
        "a symbolic link"
    } else {
        "a device, FIFO or socket"
    }
}

/// The folder `target` goes in ("." for a bare file name).
fn parent_of(target: &Path) -> &Path {
    match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `target` atomically: a temporary file in the same
/// folder, synced, then renamed over the target. A target that exists and
/// is not a regular file is an error.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    check_regular_target(target)?;
    let dir = parent_of(target);
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    write_temp_then_rename(dir, target, bytes)
}

fn write_temp_then_rename(dir: &Path, target: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut builder = tempfile::Builder::new();
    // Temporary files are private (0600); results are ordinary files.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut tmp = builder
        .prefix(TEMP_PREFIX)
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

/// An advisory lock on one output folder, held while its set is replaced.
struct FolderLock {
    _file: File,
}

impl FolderLock {
    /// Waits for any other leadsim writing `dir` to finish.
    fn acquire(dir: &Path) -> anyhow::Result<FolderLock> {
        let parent = parent_of(dir);
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let path = parent.join(format!("{TEMP_PREFIX}{name}.lock"));
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot create the lock file {}", path.display()))?;
        file.lock()
            .with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(FolderLock { _file: file })
    }
}

/// Where commands write by default: `output/` in the current folder.
pub const DEFAULT_ROOT: &str = "output";

/// A scenario's default output folder, `output/<scenario name>/`; `sweep`,
/// `power` and `trace` write below it.
pub fn default_dir(scenario: &str) -> PathBuf {
    Path::new(DEFAULT_ROOT).join(scenario)
}

/// Writes a command's files as one set into `dir`: afterwards `dir` holds
/// exactly these files plus the entries it held that the command does not
/// own (`owned` says which names belong to the command's set, so that a
/// file an earlier run wrote and this one does not, such as a stress
/// heatmap, is dropped rather than mixed in); or, if anything failed,
/// exactly what it held before. Returns the paths written.
pub fn write_set(
    dir: &Path,
    files: &[(&str, Vec<u8>)],
    owned: &dyn Fn(&str) -> bool,
) -> anyhow::Result<Vec<PathBuf>> {
    if let Ok(meta) = fs::symlink_metadata(dir) {
        if !meta.is_dir() {
            bail!(
                "{} exists and is not a folder ({}); choose another --out",
                dir.display(),
                describe(&meta.file_type())
            );
        }
    }
    let parent = parent_of(dir);
    fs::create_dir_all(parent)
        .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    let _lock = FolderLock::acquire(dir)?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let stage_prefix = format!("{TEMP_PREFIX}stage-{name}-");
    let old_prefix = format!("{TEMP_PREFIX}old-{name}-");
    recover_and_clean(parent, dir, &stage_prefix, &old_prefix, owned)?;

    // Stage every file, synced, in a hidden sibling folder.
    let stage = tempfile::Builder::new()
        .prefix(&stage_prefix)
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a staging folder in {}", parent.display()))?;
    for (file, bytes) in files {
        let target = stage.path().join(file);
        if let Some(sub) = target.parent() {
            fs::create_dir_all(sub)
                .with_context(|| format!("cannot create the folder {}", sub.display()))?;
        }
        let mut f = File::create(&target)
            .with_context(|| format!("cannot write {}", dir.join(file).display()))?;
        f.write_all(bytes)
            .and_then(|_| f.sync_all())
            .with_context(|| format!("cannot write {}", dir.join(file).display()))?;
    }
    #[cfg(unix)]
    fs::set_permissions(
        stage.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .with_context(|| format!("cannot prepare {}", dir.display()))?;
    let stage = stage.keep();

    if dir.exists() {
        // Swap: the new set takes the folder's name, the old set the
        // staging name; then carry over what the run does not write.
        let old = parent.join(format!(
            "{old_prefix}{}",
            stage
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
                .trim_start_matches(&stage_prefix)
        ));
        swap(&stage, dir, &old).with_context(|| {
            let _ = fs::remove_dir_all(&stage);
            format!("cannot replace {}", dir.display())
        })?;
        carry_over(&old, dir, owned)?;
        fs::remove_dir_all(&old)
            .with_context(|| format!("cannot remove the previous set {}", old.display()))?;
    } else {
        fs::rename(&stage, dir).with_context(|| {
            let _ = fs::remove_dir_all(&stage);
            format!("cannot create {}", dir.display())
        })?;
    }
    Ok(files.iter().map(|(f, _)| dir.join(f)).collect())
}

/// Exchanges the staged folder and the output folder: afterwards `dir` is
/// the new set and `old` the previous one.
#[cfg(target_os = "linux")]
fn swap(stage: &Path, dir: &Path, old: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    match renameat_with(CWD, stage, CWD, dir, RenameFlags::EXCHANGE) {
        Ok(()) => fs::rename(stage, old),
        // File systems without the exchange fall back to two renames.
        Err(_) => {
            fs::rename(dir, old)?;
            fs::rename(stage, dir)
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn swap(stage: &Path, dir: &Path, old: &Path) -> std::io::Result<()> {
    fs::rename(dir, old)?;
    fs::rename(stage, dir)
}

/// Moves every entry of `old` that the set does not own and `dir` lacks
/// into `dir`: the files other commands wrote (traces, `sweep/`, `power/`,
/// shard parts).
fn carry_over(old: &Path, dir: &Path, owned: &dyn Fn(&str) -> bool) -> anyhow::Result<()> {
    let Ok(entries) = fs::read_dir(old) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let text = name.to_string_lossy();
        if text.starts_with(TEMP_PREFIX) || owned(&text) {
            continue;
        }
        let to = dir.join(&name);
        if fs::symlink_metadata(&to).is_err() {
            fs::rename(entry.path(), &to)
                .with_context(|| format!("cannot keep {}", to.display()))?;
        }
    }
    Ok(())
}

/// Under the lock, nothing else writes this folder: a previous set left by a
/// writer killed after its swap still holds other commands' files, so they
/// are carried over; staging folders and temporary files are removed.
fn recover_and_clean(
    parent: &Path,
    dir: &Path,
    stage_prefix: &str,
    old_prefix: &str,
    owned: &dyn Fn(&str) -> bool,
) -> anyhow::Result<()> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name.starts_with(old_prefix) {
            if dir.is_dir() {
                carry_over(&path, dir, owned)?;
            } else {
                // Killed between the two renames of the fallback swap.
                fs::rename(&path, dir)
                    .with_context(|| format!("cannot restore {}", dir.display()))?;
                continue;
            }
            let _ = fs::remove_dir_all(&path);
        } else if name.starts_with(stage_prefix) {
            let _ = fs::remove_dir_all(&path);
        }
    }
    // Temporary files of single-file writes killed mid-way.
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(TEMP_PREFIX) && entry.path().is_file() {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
    Ok(())
}
