//! leadsim: a Monte Carlo, discrete-event simulator of channel-partner lead
//! distribution policies.
//!
//! The pipeline, in the order data flows:
//! scenario file → [`scenario`] (parse, validate) → [`model::Model`] →
//! [`runner`] (replications over rayon, each running [`engine`] per policy)
//! → [`runner::Results`] → [`summary::Summary`] → [`report`] (table, JSON, CSV).

pub mod describe;
pub mod engine;
pub mod metrics;
pub mod model;
pub mod plot;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod stats;
pub mod summary;
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
    scenario::validate::validate(&raw).map_err(|mut errors| {
        errors.locate(&scenario::locate::Locator::new(text));
        ScenarioError::Invalid {
            file: file.to_path_buf(),
            errors,
        }
    })
}

/// Reads, parses and validates a scenario file.
pub fn load_file(file: &Path) -> Result<Model, ScenarioError> {
    let text = std::fs::read_to_string(file).map_err(|source| ScenarioError::Read {
        file: file.to_path_buf(),
        source,
    })?;
    load_text(&text, file)
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
