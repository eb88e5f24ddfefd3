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
pub mod engine;
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

use std::path::Path;

use model::Model;
use runner::RunConfig;
use scenario::ScenarioError;
use summary::Summary;

/// The bundled default scenario, embedded in the binary.
pub const DEFAULT_SCENARIO: &str = include_str!("../scenarios/baseline.json");

/// How the bundled scenario is named in messages.
pub const DEFAULT_SCENARIO_FILE: &str = "scenarios/baseline.json (bundled)";

/// Parses and validates scenario text; `file` names it in errors.
pub fn load_text(text: &str, file: &Path) -> Result<Model, ScenarioError> {
    let raw = scenario::load::parse_str(text, file)?;
    let base_dir = file.parent().filter(|d| !d.as_os_str().is_empty());
    scenario::validate::validate(&raw, base_dir).map_err(|mut errors| {
        errors.locate(&scenario::locate::Locator::new(text));
        ScenarioError::Invalid {
            file: file.to_path_buf(),
            errors,
        }
    })
}

/// Reads a scenario file's text.
pub fn read_scenario(file: &Path) -> Result<String, ScenarioError> {
    std::fs::read_to_string(file).map_err(|error| ScenarioError::Read {
        file: file.to_path_buf(),
        error,
    })
}

/// Reads, parses and validates a scenario file.
pub fn load_file(file: &Path) -> Result<Model, ScenarioError> {
    load_text(&read_scenario(file)?, file)
}

/// Runs replications in batches of `config.replications` until every
/// headline metric is precise to `precision` (see
/// [`runner::precise_enough`]) or `max_replications` are done. Returns the
/// summary and whether the precision was reached. Deterministic for a given
/// seed, precision and batch size.
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
        let reached = runner::precise_enough(model, &results, precision, &headline);
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
