//! leadsim: a Monte Carlo, discrete-event simulator of channel-partner lead
//! distribution policies.
//!
//! The pipeline, in the order data flows:
//! scenario file → [`scenario`] (parse, validate) → [`model::Model`] →
//! [`runner`] (replications over rayon, each running [`engine`] per policy)
//! → [`runner::Results`] → [`summary::Summary`] → [`report`] (table, JSON, CSV).

pub mod checks;
pub mod describe;
pub mod diff;
pub mod dist;
pub mod engine;
pub mod files;
pub mod format;
pub mod metrics;
pub mod model;
pub mod plot;
pub mod power;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod schema;
pub mod shard;
pub mod stats;
pub mod summary;
pub mod sweep;
pub mod trace;

use std::path::{Path, PathBuf};

use model::Model;
use runner::RunConfig;
use scenario::ScenarioError;
use summary::Summary;

pub use files::read_bounded;

/// The bundled default scenario, embedded in the binary.
pub const DEFAULT_SCENARIO: &str = include_str!("../scenarios/baseline.json");

/// How the bundled scenario is named in messages.
pub const DEFAULT_SCENARIO_FILE: &str = "scenarios/baseline.json (bundled)";

/// How a scenario is loaded: where its data files may come from.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// A folder data files may come from besides the scenario's own folder
    /// tree (`--data-root`).
    pub data_root: Option<PathBuf>,
}

/// Parses and validates scenario text; `file` names it in errors.
pub fn load_text(text: &str, file: &Path) -> Result<Model, ScenarioError> {
    load_text_with(text, file, &LoadOptions::default())
}

/// [`load_text`] with options.
pub fn load_text_with(
    text: &str,
    file: &Path,
    options: &LoadOptions,
) -> Result<Model, ScenarioError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let raw = scenario::load::parse_str(text, file)?;
    let locate = |mut errors: scenario::errors::FieldErrors| {
        errors.locate(&scenario::locate::Locator::new(text));
        ScenarioError::Invalid {
            file: file.to_path_buf(),
            errors,
        }
    };
    // The text parsed as a scenario, so it parses as JSON.
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let too_big = scenario::validate::magnitudes(&value);
        if !too_big.is_empty() {
            return Err(locate(too_big));
        }
    }
    let base_dir = file.parent().filter(|d| !d.as_os_str().is_empty());
    let data = scenario::data::DataAccess::new(base_dir, options.data_root.as_deref());
    scenario::validate::validate(&raw, &data).map_err(locate)
}

/// Reads a scenario file's text.
pub fn read_scenario(file: &Path) -> Result<String, ScenarioError> {
    let bytes = read_bounded(file, MAX_SCENARIO_BYTES).map_err(|error| ScenarioError::Read {
        file: file.to_path_buf(),
        error,
    })?;
    String::from_utf8(bytes).map_err(|_| ScenarioError::Read {
        file: file.to_path_buf(),
        error: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is not UTF-8 text",
        ),
    })
}

/// The most lead-simulations (leads x policies x worlds x replications) a
/// run may be estimated at before it is refused unless forced: about a day
/// on a two-core machine at today's throughput.
pub const MAX_WORK: f64 = 1e12;

/// The estimated lead-simulations of `replications` replications of
/// `model`, times `points` grid points (1 for a plain run).
pub fn estimated_work(model: &Model, replications: u64, points: u64) -> f64 {
    let leads = model.leads.arrivals_per_hour * model.horizon_hours;
    leads * (model.policies.len() * model.worlds.len()) as f64 * replications as f64 * points as f64
}

/// Refuses work beyond [`MAX_WORK`] unless `force`: a typo such as
/// `--replications 100000000` on a large scenario should not occupy a
/// machine for months.
pub fn check_work(
    model: &Model,
    replications: u64,
    points: u64,
    force: bool,
) -> anyhow::Result<()> {
    let work = estimated_work(model, replications, points);
    if work > MAX_WORK && !force {
        anyhow::bail!(
            "this would simulate about {work:.1e} lead-simulations (leads x policies x worlds x replications{}), beyond the {MAX_WORK:.0e} leadsim runs without --force; at a few million a second per core that is {:.0} core-days",
            if points > 1 { " x grid points" } else { "" },
            work / 3e6 / 86_400.0
        );
    }
    Ok(())
}

/// The largest scenario file read, in bytes.
pub const MAX_SCENARIO_BYTES: u64 = 64 * 1024 * 1024;

/// Reads, parses and validates a scenario file.
pub fn load_file(file: &Path) -> Result<Model, ScenarioError> {
    load_text(&read_scenario(file)?, file)
}

/// [`load_file`] with options.
pub fn load_file_with(file: &Path, options: &LoadOptions) -> Result<Model, ScenarioError> {
    load_text_with(&read_scenario(file)?, file, options)
}

/// The headline metrics' estimates that are wider than `precision` x |mean|,
/// as (policy, world, metric, relative half-width), so a run can say which
/// metrics stopped short and which met the width.
pub fn precision_shortfalls(
    summary: &Summary,
    precision: f64,
) -> Vec<(String, String, &'static str, f64)> {
    let mut out = Vec::new();
    for c in &summary.cells {
        for (metric, _) in report::table::HEADLINE {
            let k = metrics::index_of(metric).expect("headline metrics are in the catalogue");
            if !runner::meets_precision(c.metrics[k], precision) {
                let e = c.metrics[k].expect("an undefined metric meets the precision");
                let relative = e.half_width().map_or(f64::INFINITY, |hw| hw / e.mean.abs());
                out.push((c.policy.clone(), c.world.clone(), metric, relative));
            }
        }
    }
    out
}

/// Runs replications in batches of `config.replications` until every
/// headline metric is precise to `precision` (see
/// [`runner::precise_enough`]) or `max_replications` are done. Returns the
/// summary and whether the precision was reached. Deterministic for a given
/// seed, precision and batch size; the stopping point depends on the data
/// (see [`precision_shortfalls`] for what stopped short).
pub fn simulate_to_precision(
    model: &Model,
    config: &RunConfig,
    precision: f64,
    max_replications: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<(Summary, bool)> {
    let headline: Vec<usize> = report::table::HEADLINE
        .iter()
        .map(|(m, _)| metrics::index_of(m).expect("headline metrics are in the catalogue"))
        .collect();
    let batch = config.replications.max(1);
    let mut results = runner::Results::empty(model);
    let mut done = 0;
    loop {
        let next = (done + batch).min(max_replications.max(batch));
        runner::run_more(model, config, done..next, &mut results, progress)?;
        done = next;
        let reached = runner::precise_enough(&results, precision, &headline);
        if reached || done >= max_replications {
            let config = RunConfig {
                replications: done,
                ..config.clone()
            };
            return Ok((summary::summarise(model, &config, &results), reached));
        }
    }
}

/// Runs every replication of every policy and summarises them.
pub fn simulate(
    model: &Model,
    config: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Summary> {
    let results = runner::run(model, config, progress)?;
    Ok(summary::summarise(model, config, &results))
}

/// A starter scenario named `name`: the smallest valid file, or one that
/// shows every feature (`full`). The text is checked to load before it is
/// returned.
pub fn starter_scenario(name: &str, full: bool) -> anyhow::Result<String> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        anyhow::bail!("`{name}` cannot name a scenario file: use letters, digits, `-` and `_`");
    }
    let template = if full {
        include_str!("../templates/full-scenario.json")
    } else {
        include_str!("../templates/minimal-scenario.json")
    };
    let text = template.replace("{{name}}", name);
    load_text(&text, Path::new(&format!("{name}.json")))?;
    Ok(text)
}
