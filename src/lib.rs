//! leadsim: a Monte Carlo, discrete-event simulator of channel-partner lead
//! distribution policies.
//!
//! The pipeline, in the order data flows:
//! scenario file → [`scenario`] (parse, validate) → [`model::Model`] →
//! [`runner`] (replications over rayon, each running [`engine`] per policy)
//! → [`runner::Results`] → [`summary::Summary`] → [`report`] (table, JSON, CSV).

pub mod analyses;
pub mod calendar;
pub mod checks;
pub mod decision;
pub mod dist;
pub mod engine;
pub mod files;
pub mod format;
pub mod metrics;
pub mod model;
pub mod plot;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod simulate;
pub mod stats;
pub mod summary;

pub use files::read_bounded;
pub use scenario::bundled::{starter_scenario, DEFAULT_SCENARIO, DEFAULT_SCENARIO_FILE};
pub use scenario::load::{
    load_file, load_file_with, load_text, load_text_with, read_scenario, LoadOptions,
    MAX_SCENARIO_BYTES,
};
pub use simulate::{
    check_work, estimated_work, precision_shortfalls, simulate, simulate_to_precision, MAX_WORK,
};
