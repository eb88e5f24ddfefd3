//! The one place that writes output: single files atomically, and a
//! command's whole set of files so that a folder holds exactly one
//! complete set.
//!
//! **Whose files.** Every folder written as a set holds a manifest,
//! `.leadsim.json`, naming the command and the files of its set. A later
//! command replaces exactly those files (so `optimize` then `run` leaves no
//! `best.json` behind) and carries everything else over untouched: a
//! user's notes, another command's subfolder (`sweep/`, `power/`), traces,
//! shard parts. leadsim writes a set only into a folder that is new, empty,
//! or already leadsim's (it has a manifest, or every entry in it is a name
//! leadsim writes: output of a version before manifests); a folder holding
//! anything else, the current folder or one that holds it, is refused
//! before anything is simulated or written ([`check_dir`]). A new file whose
//! name is taken by a file leadsim did not write is refused too. Single
//! files ([`write_own_file`]) replace only a file leadsim wrote, recognised
//! by its content.
//!
//! **How.** A set is staged in a hidden sibling folder
//! (`.leadsim-stage-<name>-XXXXXX`), every file synced, then swapped with
//! the output folder in one step (`renameat2(RENAME_EXCHANGE)` on Linux;
//! elsewhere two renames, with a window of a few microseconds in which the
//! folder is absent); then the entries that are not leadsim's are moved
//! back in. Writers of one folder are serialised by an advisory lock on
//! `.leadsim-<name>.lock` beside it, so two concurrent runs each replace the
//! set whole, one after the other. Leftovers of a writer that was killed
//! (staging folders, temporary files) are cleaned up by the next writer of
//! that folder; entries carried over by a writer killed mid-way are
//! recovered first. Names starting with `.leadsim` are refused as output
//! folders and as scenario, policy and world names, so nothing can claim
//! these working names.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

/// The prefix of every temporary file or folder leadsim creates.
const TEMP_PREFIX: &str = ".leadsim-";

/// The manifest every folder written as a set holds.
pub const MANIFEST: &str = ".leadsim.json";

/// How much of a file [`check_own_file`] reads to recognise it as leadsim's.
const OWN_FILE_HEAD_BYTES: u64 = 64 * 1024;

/// How many random characters end a staging folder's name.
const RANDOM_CHARS: usize = 6;

/// What a folder's manifest says: which command wrote the set, and the
/// top-level entries that are its files.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Manifest {
    written_by: String,
    files: Vec<String>,
}

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
    } else if t.is_file() {
        "a regular file"
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
/// is not a regular file is an error. For files the caller knows are its
/// own to replace (or new); a file a user may have put there goes through
/// [`write_own_file`].
pub fn write_atomic(target: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    check_regular_target(target)?;
    let dir = parent_of(target);
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    write_temp_then_rename(dir, target, bytes)
}

/// Refuses to replace `target` unless it is absent or leadsim wrote it:
/// `ours` recognises leadsim's file from its bytes (a trace's header, a
/// shard part's fields, a calibrated scenario's description) in its first
/// 64 KiB.
pub fn check_own_file(
    target: &Path,
    what: &str,
    ours: &dyn Fn(&[u8]) -> bool,
) -> anyhow::Result<()> {
    check_regular_target(target)?;
    if fs::symlink_metadata(target).is_err() {
        return Ok(());
    }
    let mut head = Vec::new();
    {
        use std::io::Read;
        File::open(target)
            .and_then(|f| f.take(OWN_FILE_HEAD_BYTES).read_to_end(&mut head))
            .with_context(|| format!("cannot read {}", target.display()))?;
    }
    if !ours(&head) {
        bail!(
            "{} exists and is not a {what} leadsim wrote; leadsim never replaces a file it did not write: move it or choose another --out",
            target.display()
        );
    }
    Ok(())
}

/// [`write_atomic`] after [`check_own_file`].
pub fn write_own_file(
    target: &Path,
    bytes: &[u8],
    what: &str,
    ours: &dyn Fn(&[u8]) -> bool,
) -> anyhow::Result<()> {
    check_own_file(target, what, ours)?;
    write_atomic(target, bytes)
}

fn write_temp_then_rename(dir: &Path, target: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut builder = tempfile::Builder::new();
    // Temporary files are private (0600); results are ordinary files.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut tmp = builder
        .prefix(TEMP_PREFIX)
        .rand_bytes(RANDOM_CHARS)
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
    fn acquire(dir: &Path, name: &str) -> anyhow::Result<FolderLock> {
        let path = parent_of(dir).join(format!("{TEMP_PREFIX}{name}.lock"));
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

/// Names of the files some command's set holds, for folders written before
/// manifests: such a folder is leadsim's when every entry in it is one of
/// these or one of [`is_carried_name`]'s.
fn is_set_name(name: &str) -> bool {
    matches!(
        name,
        "summary.json"
            | "summary.csv"
            | "partners.csv"
            | "report.html"
            | "best.json"
            | "optimize.csv"
            | "sensitivity.csv"
            | "power.csv"
            | "sweep.csv"
            | "backtest.csv"
            | "calibration.csv"
            | "calibration.html"
    ) || name.ends_with(".svg")
        || (name.starts_with("pareto-") && name.ends_with(".csv"))
}

/// Entries other commands leave inside a folder (traces, shard parts,
/// their own subfolders): leadsim's, but never part of a set.
fn is_carried_name(name: &str, is_dir: bool) -> bool {
    if is_dir {
        matches!(
            name,
            "sweep" | "power" | "optimize" | "sensitivity" | "calibration" | "backtest"
        )
    } else {
        (name.starts_with("trace-") && name.ends_with(".csv"))
            || (name.starts_with("part-") && name.ends_with(".json"))
            || (name.starts_with("sweep-part-") && name.ends_with(".json"))
    }
}

/// The last component of an output folder's path, refusing paths that have
/// none (`.`, `..`, `/`) and names leadsim keeps for its working files.
fn folder_name(dir: &Path) -> anyhow::Result<String> {
    let Some(name) = dir.file_name() else {
        bail!(
            "{} cannot be an output folder: leadsim replaces its output folder as a whole (staged beside it, then swapped in), so it must be a folder of its own; choose one such as {}",
            dir.display(),
            dir.join("leadsim-output").display()
        );
    };
    let name = name.to_string_lossy().into_owned();
    if name.starts_with(".leadsim") {
        bail!(
            "{}: names starting with `.leadsim` are leadsim's own working files (staging folders, locks, manifests); choose another output folder",
            dir.display()
        );
    }
    Ok(name)
}

/// What leadsim may do with an existing output folder: `None` when it is
/// absent, else the entries the set in it owns (to be replaced).
fn inspect(dir: &Path) -> anyhow::Result<Option<BTreeSet<String>>> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    if !meta.is_dir() {
        bail!(
            "{} exists and is not a folder ({}); choose another --out",
            dir.display(),
            describe(&meta.file_type())
        );
    }
    // The current folder, or one that holds it, cannot be swapped out.
    if let (Ok(here), Ok(there)) = (std::env::current_dir(), fs::canonicalize(dir)) {
        let here = fs::canonicalize(&here).unwrap_or(here);
        if here.starts_with(&there) {
            bail!(
                "{} is the folder you are in{}: leadsim replaces its output folder as a whole (staged beside it, then swapped in), so it must be a folder of its own; choose one such as {}",
                dir.display(),
                if here == there { "" } else { " or holds it" },
                dir.join("leadsim-output").display()
            );
        }
    }
    owned_entries(dir).map(Some)
}

/// The entries of a folder that the set in it owns, or an error when the
/// folder holds files leadsim did not write and no leadsim set.
fn owned_entries(dir: &Path) -> anyhow::Result<BTreeSet<String>> {
    let manifest_path = dir.join(MANIFEST);
    if fs::symlink_metadata(&manifest_path).is_ok() {
        let bytes = crate::files::read_bounded(&manifest_path, 1 << 20)
            .with_context(|| format!("cannot read {}", manifest_path.display()))?;
        let manifest: Manifest = serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{} is not a leadsim manifest; move it away or choose another --out",
                manifest_path.display()
            )
        })?;
        let mut owned: BTreeSet<String> = manifest
            .files
            .into_iter()
            // Only plain names inside this folder: a crafted manifest
            // cannot make leadsim remove anything else.
            .filter(|f| !f.is_empty() && !f.contains(['/', '\\']) && f != "." && f != "..")
            .collect();
        owned.insert(MANIFEST.to_string());
        return Ok(owned);
    }
    let entries = fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    let mut owned = BTreeSet::new();
    let mut foreign = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if name.starts_with(TEMP_PREFIX) {
            continue;
        }
        if !is_dir && is_set_name(&name) {
            owned.insert(name);
        } else if !is_carried_name(&name, is_dir) {
            foreign.push(if is_dir { format!("{name}/") } else { name });
        }
    }
    if !foreign.is_empty() {
        foreign.sort();
        let shown: Vec<String> = foreign
            .iter()
            .take(5)
            .map(|n| crate::format::quote_value(n))
            .collect();
        bail!(
            "{} holds files leadsim did not write ({}{}) and no leadsim output; leadsim never deletes or overwrites a file it did not write, and writes a set of files only into a new or empty folder or one it wrote before: choose another --out, such as {}",
            dir.display(),
            shown.join(", "),
            if foreign.len() > 5 {
                format!(" and {} more", foreign.len() - 5)
            } else {
                String::new()
            },
            dir.join("leadsim-output").display()
        );
    }
    Ok(owned)
}

/// Checks, before anything is simulated or written, that `dir` can take a
/// command's set of files: it is new, empty or leadsim's, not the current
/// folder or one that holds it, and its name is not one of leadsim's
/// working names. [`write_set`] checks again under its lock.
pub fn check_dir(dir: &Path) -> anyhow::Result<()> {
    folder_name(dir)?;
    inspect(dir).map(|_| ())
}

/// Writes a command's files as one set into `dir`: afterwards `dir` holds
/// exactly these files, the manifest naming them, and the entries it held
/// that the previous set did not own (a user's files, other commands'
/// subfolders, traces, shard parts); or, if anything failed, exactly what
/// it held before. `command` names the writer in the manifest. Returns the
/// paths written.
pub fn write_set(
    dir: &Path,
    command: &str,
    files: &[(&str, Vec<u8>)],
) -> anyhow::Result<Vec<PathBuf>> {
    let name = folder_name(dir)?;
    inspect(dir)?;
    let parent = parent_of(dir);
    fs::create_dir_all(parent)
        .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    let _lock = FolderLock::acquire(dir, &name)?;
    let stage_prefix = format!("{TEMP_PREFIX}stage-{name}-");
    let old_prefix = format!("{TEMP_PREFIX}old-{name}-");
    recover_and_clean(parent, dir, &stage_prefix, &old_prefix)?;
    // Under the lock: what the folder holds now decides what is replaced.
    let owned = inspect(dir)?.unwrap_or_default();
    let mut tops: BTreeSet<String> = BTreeSet::new();
    for (file, _) in files {
        let top = file.split('/').next().unwrap_or(file).to_string();
        let path = dir.join(&top);
        if !owned.contains(&top) && fs::symlink_metadata(&path).is_ok() {
            bail!(
                "{} exists and leadsim did not write it; leadsim never replaces a file it did not write: move it or choose another --out",
                path.display()
            );
        }
        tops.insert(top);
    }
    let mut manifest = serde_json::to_vec_pretty(&Manifest {
        written_by: format!("leadsim {command}"),
        files: tops.into_iter().collect(),
    })?;
    manifest.push(b'\n');

    // Stage every file, synced, in a hidden sibling folder.
    let stage = tempfile::Builder::new()
        .prefix(&stage_prefix)
        .rand_bytes(RANDOM_CHARS)
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a staging folder in {}", parent.display()))?;
    for (file, bytes) in files
        .iter()
        .map(|(f, b)| (*f, b.as_slice()))
        .chain(std::iter::once((MANIFEST, manifest.as_slice())))
    {
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
        // staging name; then carry over what the old set did not own.
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
        carry_over(&old, dir, &owned)?;
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

/// Moves every entry of `old` that its set did not own (`owned`) and `dir`
/// lacks into `dir`: a user's files and what other commands wrote (traces,
/// `sweep/`, `power/`, shard parts).
fn carry_over(old: &Path, dir: &Path, owned: &BTreeSet<String>) -> anyhow::Result<()> {
    let Ok(entries) = fs::read_dir(old) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let text = name.to_string_lossy();
        if text.starts_with(TEMP_PREFIX) || owned.contains(text.as_ref()) {
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

/// Whether `name` is `prefix` followed by exactly the random characters a
/// staging folder ends with: the folders of `a` are never mistaken for
/// those of `a-b`.
fn is_working_name(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == RANDOM_CHARS && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// Under the lock, nothing else writes this folder: a previous set left by a
/// writer killed after its swap still holds entries that were not its own,
/// so they are carried over; staging folders and temporary files are
/// removed.
fn recover_and_clean(
    parent: &Path,
    dir: &Path,
    stage_prefix: &str,
    old_prefix: &str,
) -> anyhow::Result<()> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if is_working_name(&name, old_prefix) {
            if dir.is_dir() {
                // What the killed writer's previous set owned is its own
                // manifest's list (or, before manifests, its names).
                let owned = owned_entries(&path).unwrap_or_default();
                carry_over(&path, dir, &owned)?;
            } else {
                // Killed between the two renames of the fallback swap.
                fs::rename(&path, dir)
                    .with_context(|| format!("cannot restore {}", dir.display()))?;
                continue;
            }
            let _ = fs::remove_dir_all(&path);
        } else if is_working_name(&name, stage_prefix) {
            let _ = fs::remove_dir_all(&path);
        }
    }
    // Temporary files of single-file writes killed mid-way.
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_working_name(&name, TEMP_PREFIX) && entry.path().is_file() {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
    Ok(())
}
