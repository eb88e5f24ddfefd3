//! Runs beyond one machine: `run --shard I/N` computes replications I,
//! I+N, I+2N, ... and writes a partial result of per-replication mergeable
//! accumulators; `merge` folds every shard's replications in replication
//! order, which is exactly what a single run does, so the merged output is
//! byte-identical to it.
//!
//! A partial carries the scenario's text (and where it was read, for CSV
//! data), the seed and the replication count, and a digest of them; merge
//! refuses parts that disagree or leave a replication out.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use crate::engine::rng::key;
use crate::metrics::Metric;
use crate::model::Model;
use crate::runner::{Results, RunConfig};

/// The largest partial result `merge` reads, in bytes.
pub const MAX_PART_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// Whether a file's first bytes are a shard part's (of `run --shard` or
/// `sweep --shard`), so that a shard may replace it.
pub fn is_part(head: &[u8]) -> bool {
    head.starts_with(br#"{"leadsim_version":"#)
}

/// One shard's output.
#[derive(Debug, Serialize, Deserialize)]
pub struct Partial {
    pub leadsim_version: String,
    pub scenario_file: PathBuf,
    pub scenario_text: String,
    pub seed: u64,
    pub replications: u64,
    pub shard: u64,
    pub shards: u64,
    /// Digest of version, scenario text, seed and replications.
    pub digest: u64,
    /// Each replication this shard ran, folded on its own.
    pub parts: Vec<(u64, Results)>,
    /// Whether [`Self::seal`] is keyed (HMAC-SHA-256) or a plain SHA-256.
    pub keyed: bool,
    /// The seal over everything above ([`seal`]), hex.
    pub seal: String,
}

/// Parses `I/N` (0 <= I < N).
pub fn parse_shard(spec: &str) -> anyhow::Result<(u64, u64)> {
    let parsed = spec
        .split_once('/')
        .and_then(|(i, n)| Some((i.trim().parse::<u64>().ok()?, n.trim().parse::<u64>().ok()?)));
    match parsed {
        Some((i, n)) if n >= 1 && i < n => Ok((i, n)),
        _ => bail!("--shard `{spec}`: expected I/N with 0 <= I < N, such as 0/3"),
    }
}

/// Digest of what makes shards one run: leadsim's version, the scenario's
/// text, the bytes of every data file it read, the seed and the
/// replication count. Merge recomputes it from each part's own contents,
/// so a part whose text was edited, or whose shard read a data file that
/// changed, is refused.
fn digest(model: &Model, text: &str, seed: u64, replications: u64) -> u64 {
    let mut words: Vec<u64> = env!("CARGO_PKG_VERSION").bytes().map(u64::from).collect();
    words.extend(text.bytes().map(u64::from));
    for f in &model.data_files {
        words.extend(f.path.bytes().map(u64::from));
        words.push(f.digest);
    }
    words.extend([seed, replications]);
    key(&words)
}

/// Runs one shard.
pub fn run(
    model: &Model,
    text: &str,
    file: &Path,
    config: &RunConfig,
    (shard, shards): (u64, u64),
    key: Option<&[u8]>,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Partial> {
    Ok(Partial {
        leadsim_version: env!("CARGO_PKG_VERSION").into(),
        scenario_file: file.to_path_buf(),
        scenario_text: text.to_string(),
        seed: config.seed,
        replications: config.replications,
        shard,
        shards,
        digest: digest(model, text, config.seed, config.replications),
        parts: crate::runner::run_shard(model, config, shard, shards, progress)?,
        keyed: key.is_some(),
        seal: String::new(),
    }
    .sealed(key))
}

/// Where a merge reads the scenario's data files from: the scenario the
/// user names (`merge --scenario FILE`, whose text must be the parts'), or
/// else the folder of the first part, as if the scenario file sat there. A
/// part's own `scenario_file` gives at most a file name: a part never
/// decides which folder is read (a crafted part could otherwise point the
/// data files at any file on the machine).
pub fn scenario_location(
    first_part: &Path,
    recorded: &Path,
    scenario_text: &str,
    named: Option<&Path>,
) -> anyhow::Result<PathBuf> {
    if let Some(named) = named {
        let text = crate::scenario::load::read_scenario(named)?;
        if text != scenario_text {
            bail!(
                "--scenario {}: not the scenario the parts ran (its text differs from theirs)",
                named.display()
            );
        }
        return Ok(named.to_path_buf());
    }
    let folder = match first_part.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = recorded
        .file_name()
        .filter(|n| !n.is_empty())
        .map_or_else(|| "scenario.json".into(), |n| n.to_os_string());
    Ok(folder.join(name))
}

/// Reads partial results and merges them: the model, the run's
/// configuration and the results of every replication, folded in order.
/// `key` is the key the parts were sealed with, if any ([`seal`]).
pub fn merge(
    paths: &[PathBuf],
    scenario: Option<&Path>,
    key: Option<&[u8]>,
    options: &crate::scenario::load::LoadOptions,
) -> anyhow::Result<(Model, RunConfig, Results)> {
    if paths.len() as u64 > MAX_PARTS {
        bail!(
            "{} parts; at most {MAX_PARTS} are merged at once",
            paths.len()
        );
    }
    let mut partials = Vec::new();
    for p in paths {
        let bytes = crate::files::read_bounded(p, MAX_PART_BYTES)
            .with_context(|| format!("cannot read {}", p.display()))?;
        let mut partial: Partial = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a leadsim partial result", p.display()))?;
        partial
            .check_seal(key)
            .map_err(|why| anyhow::anyhow!("{} is refused: {why}", p.display()))?;
        partials.push((p.clone(), partial));
    }
    let Some((first_path, first)) = partials.first() else {
        bail!("give the partial results to merge")
    };
    for (path, p) in &partials {
        if p.digest != first.digest || p.shards != first.shards {
            bail!(
                "{} and {} come from different runs (scenario, seed, replications, shard count or leadsim version differ)",
                first_path.display(),
                path.display()
            );
        }
    }
    let mut seen: Vec<u64> = partials.iter().map(|(_, p)| p.shard).collect();
    seen.sort_unstable();
    let expected: Vec<u64> = (0..first.shards).collect();
    if seen != expected {
        bail!(
            "merge needs shards 0 to {} exactly once each; got {:?}",
            first.shards - 1,
            seen
        );
    }
    let file = scenario_location(
        first_path,
        &first.scenario_file,
        &first.scenario_text,
        scenario,
    )?;
    let model = crate::scenario::load::load_text_with(&first.scenario_text, &file, options)?;
    for (path, p) in &partials {
        check_part(path, p, &model)?;
    }
    let config = RunConfig {
        replications: first.replications,
        seed: first.seed,
        threads: None,
        cancel: Default::default(),
    };
    let mut parts: Vec<(u64, Results)> = partials.into_iter().flat_map(|(_, p)| p.parts).collect();
    parts.sort_by_key(|(r, _)| *r);
    if parts.len() as u64 != config.replications
        || parts.iter().enumerate().any(|(i, (r, _))| *r != i as u64)
    {
        bail!(
            "the partial results do not hold every replication from 0 to {} once",
            config.replications - 1
        );
    }
    let mut results = Results::empty(&model);
    for (_, part) in &parts {
        results.merge(part);
    }
    Ok((model, config, results))
}

/// The most parts `merge` takes at once.
pub const MAX_PARTS: u64 = 100_000;

/// A seal over a part's whole content, so that `merge` can tell an edited
/// part: SHA-256 of the part as written (with an empty seal), or with a
/// key, HMAC-SHA-256 under it, hex. Without a key the seal only catches
/// accidents and careless edits: anyone who can edit a part can recompute
/// an unkeyed hash. With a key (`LEADSIM_PART_KEY`, the same for the shards
/// and the merge) a part cannot be forged without the key.
pub fn seal<T: Serialize>(value: &T, key: Option<&[u8]>) -> String {
    use hmac::{KeyInit, Mac};
    use sha2::Digest;
    /// Feeds serialized bytes to a hasher without holding them.
    struct Feed<F: FnMut(&[u8])>(F);
    impl<F: FnMut(&[u8])> std::io::Write for Feed<F> {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            (self.0)(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let bytes: Vec<u8> = match key {
        Some(key) => {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key)
                .expect("HMAC takes a key of any length");
            serde_json::to_writer(Feed(|b: &[u8]| mac.update(b)), value)
                .expect("a part serialises");
            mac.finalize().into_bytes().to_vec()
        }
        None => {
            let mut hash = sha2::Sha256::new();
            serde_json::to_writer(Feed(|b: &[u8]| hash.update(b)), value)
                .expect("a part serialises");
            hash.finalize().to_vec()
        }
    };
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A part whose seal can be set and checked.
pub trait Sealed: Serialize + Sized {
    fn seal_mut(&mut self) -> &mut String;
    fn keyed(&self) -> bool;
    /// The part with its seal set.
    fn sealed(mut self, key: Option<&[u8]>) -> Self {
        self.seal_mut().clear();
        let s = seal(&self, key);
        *self.seal_mut() = s;
        self
    }
    /// Whether the seal matches the content, under `key`; why not if not.
    fn check_seal(&mut self, key: Option<&[u8]>) -> Result<(), String> {
        match (self.keyed(), key.is_some()) {
            (true, false) => {
                return Err("it was sealed with a key: set LEADSIM_PART_KEY to the key the shards used".into())
            }
            (false, true) => {
                return Err("it was written without a key, and LEADSIM_PART_KEY is set: every part of a keyed run must carry the key's seal".into())
            }
            _ => {}
        }
        let claimed = std::mem::take(self.seal_mut());
        let actual = seal(&*self, key);
        *self.seal_mut() = claimed.clone();
        if claimed != actual {
            return Err(if key.is_some() {
                "its content does not match its seal under the key: it was edited, or sealed with another key".into()
            } else {
                "its content does not match its seal: it was edited or damaged after the shard wrote it".into()
            });
        }
        Ok(())
    }
}

impl Sealed for Partial {
    fn seal_mut(&mut self) -> &mut String {
        &mut self.seal
    }
    fn keyed(&self) -> bool {
        self.keyed
    }
}

impl Sealed for SweepPartial {
    fn seal_mut(&mut self) -> &mut String {
        &mut self.seal
    }
    fn keyed(&self) -> bool {
        self.keyed
    }
}

/// Checks a part against what it claims to be: its digest recomputed from
/// its own scenario text, the data files as they are now and its seed and
/// replication count; its replications those its shard runs; each
/// replication's results shaped for the scenario and holding exactly one
/// replication.
fn check_part(path: &Path, p: &Partial, model: &Model) -> anyhow::Result<()> {
    let refuse = |why: String| anyhow::anyhow!("{} is refused: {why}", path.display());
    if p.leadsim_version != env!("CARGO_PKG_VERSION") {
        return Err(refuse(format!(
            "it was written by leadsim {}, this is {}",
            p.leadsim_version,
            env!("CARGO_PKG_VERSION")
        )));
    }
    if p.replications == 0 || p.replications > crate::scenario::limits::MAX_REPLICATIONS as u64 {
        return Err(refuse(format!("it claims {} replications", p.replications)));
    }
    if p.shards == 0 || p.shard >= p.shards || p.shards > MAX_PARTS {
        return Err(refuse(format!(
            "it claims to be shard {} of {}",
            p.shard, p.shards
        )));
    }
    if digest(model, &p.scenario_text, p.seed, p.replications) != p.digest {
        return Err(refuse(
            "its digest does not match its scenario text, seed and replication count, or a \
             data file the scenario reads has changed since the shard ran"
                .into(),
        ));
    }
    let expected = p.replications.saturating_sub(p.shard).div_ceil(p.shards);
    if p.parts.len() as u64 != expected
        || p.parts
            .iter()
            .enumerate()
            .any(|(k, (r, _))| *r != p.shard + k as u64 * p.shards)
    {
        return Err(refuse(format!(
            "shard {}/{} must hold replications {}, {}, ... ({expected} in all); it holds {}",
            p.shard,
            p.shards,
            p.shard,
            p.shard + p.shards,
            p.parts.len()
        )));
    }
    for (r, results) in &p.parts {
        results
            .check_shape(model, 1)
            .map_err(|why| refuse(format!("replication {r}: {why}")))?;
    }
    Ok(())
}

/// One shard of a sweep: grid points I, I+N, ... with their results.
#[derive(Debug, Serialize, Deserialize)]
pub struct SweepPartial {
    pub leadsim_version: String,
    pub scenario_file: PathBuf,
    pub scenario_text: String,
    pub axes: Vec<(String, Vec<f64>)>,
    pub pareto: Vec<(Metric, Metric)>,
    pub heatmap_policy: usize,
    pub seed: u64,
    pub replications: u64,
    pub shard: u64,
    pub shards: u64,
    pub digest: u64,
    /// (grid point index, its results).
    pub points: Vec<(usize, Results)>,
    /// As [`Partial::keyed`] and [`Partial::seal`].
    pub keyed: bool,
    pub seal: String,
}

/// Runs grid points `shard`, `shard + shards`, ... of a sweep.
#[allow(clippy::too_many_arguments)]
pub fn run_sweep(
    points: &[crate::analyses::sweep::Point],
    axes: &[crate::analyses::sweep::Axis],
    pareto: &[(Metric, Metric)],
    heatmap_policy: usize,
    text: &str,
    file: &Path,
    config: &RunConfig,
    (shard, shards): (u64, u64),
    part_key: Option<&[u8]>,
) -> anyhow::Result<SweepPartial> {
    let mut done = Vec::new();
    for i in (shard as usize..points.len()).step_by(shards.max(1) as usize) {
        done.push((i, crate::runner::run(&points[i].model, config, &|_| {})?));
    }
    let base = points.first().map(|p| &p.model);
    let mut words = vec![base.map_or(0, |m| digest(m, text, config.seed, config.replications))];
    for a in axes {
        words.extend(a.path.bytes().map(u64::from));
        words.extend(a.values.iter().map(|v| v.to_bits()));
    }
    Ok(SweepPartial {
        leadsim_version: env!("CARGO_PKG_VERSION").into(),
        scenario_file: file.to_path_buf(),
        scenario_text: text.to_string(),
        axes: axes
            .iter()
            .map(|a| (a.path.clone(), a.values.clone()))
            .collect(),
        pareto: pareto.to_vec(),
        heatmap_policy,
        seed: config.seed,
        replications: config.replications,
        shard,
        shards,
        digest: key(&words),
        points: done,
        keyed: part_key.is_some(),
        seal: String::new(),
    }
    .sealed(part_key))
}

/// A sweep merged from its parts: what one machine's sweep would hand to
/// `report::sweep::outputs`.
pub struct MergedSweep {
    pub axes: Vec<crate::analyses::sweep::Axis>,
    pub summaries: Vec<crate::summary::Summary>,
    pub pareto: Vec<(Metric, Metric)>,
    pub heatmap_policy: usize,
}

/// Merges sweep partials into the sweep one machine would have run.
/// Merges sweep parts; `file` is where the scenario's data files are read
/// from ([`scenario_location`]).
pub fn merge_sweep(
    mut partials: Vec<SweepPartial>,
    file: &Path,
    part_key: Option<&[u8]>,
    options: &crate::scenario::load::LoadOptions,
) -> anyhow::Result<MergedSweep> {
    for (i, p) in partials.iter_mut().enumerate() {
        p.check_seal(part_key)
            .map_err(|why| anyhow::anyhow!("sweep part {} is refused: {why}", i + 1))?;
    }
    let Some(first) = partials.first() else {
        bail!("give the partial results to merge")
    };
    if partials
        .iter()
        .any(|p| p.digest != first.digest || p.shards != first.shards)
    {
        bail!("the sweep parts come from different sweeps (scenario, fields, seed, replications or shard count differ)");
    }
    let mut seen: Vec<u64> = partials.iter().map(|p| p.shard).collect();
    seen.sort_unstable();
    if seen != (0..first.shards).collect::<Vec<_>>() {
        bail!(
            "merge needs shards 0 to {} exactly once each; got {:?}",
            first.shards - 1,
            seen
        );
    }
    let axes: Vec<crate::analyses::sweep::Axis> = first
        .axes
        .iter()
        .map(|(path, values)| crate::analyses::sweep::Axis {
            path: path.clone(),
            values: values.clone(),
        })
        .collect();
    let points = crate::analyses::sweep::grid_with(&first.scenario_text, file, &axes, options)?;
    let base = points.first().map(|p| &p.model);
    let mut words = vec![base.map_or(0, |m| {
        digest(m, &first.scenario_text, first.seed, first.replications)
    })];
    for a in &axes {
        words.extend(a.path.bytes().map(u64::from));
        words.extend(a.values.iter().map(|v| v.to_bits()));
    }
    if key(&words) != first.digest || first.leadsim_version != env!("CARGO_PKG_VERSION") {
        bail!("the sweep parts' digest does not match their scenario text, fields, seed and replication count (edited, written by another leadsim version, or a data file changed)");
    }
    if first.replications == 0
        || first.replications > crate::scenario::limits::MAX_REPLICATIONS as u64
    {
        bail!("the sweep parts claim {} replications", first.replications);
    }
    let config = RunConfig {
        replications: first.replications,
        seed: first.seed,
        threads: None,
        cancel: Default::default(),
    };
    let (pareto, heatmap_policy) = (first.pareto.clone(), first.heatmap_policy);
    let replications = first.replications;
    let mut results: Vec<(usize, Results)> = partials.into_iter().flat_map(|p| p.points).collect();
    results.sort_by_key(|(i, _)| *i);
    if results.len() != points.len() || results.iter().enumerate().any(|(k, (i, _))| *i != k) {
        bail!("the sweep parts do not hold every grid point once");
    }
    for ((i, r), p) in results.iter().zip(&points) {
        r.check_shape(&p.model, replications)
            .map_err(|why| anyhow::anyhow!("sweep point {i} is refused: {why}"))?;
    }
    let summaries: Vec<crate::summary::Summary> = results
        .iter()
        .zip(&points)
        .map(|((_, r), p)| crate::summary::summarise(&p.model, &config, r))
        .collect();
    Ok(MergedSweep {
        axes,
        summaries,
        pareto,
        heatmap_policy,
    })
}
