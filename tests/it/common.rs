//! Helpers shared by the integration tests.

use std::path::Path;

use leadsim::metrics::index_of;
use leadsim::model::Model;
use leadsim::runner::RunConfig;
use leadsim::stats::Estimate;
use leadsim::summary::Summary;

pub fn model(json: &str) -> Model {
    leadsim::load_text(json, Path::new("test.json")).unwrap_or_else(|e| panic!("{e}"))
}

pub fn run(model: &Model, replications: u64, seed: u64) -> Summary {
    let config = RunConfig {
        replications,
        seed,
        threads: None,
    };
    leadsim::simulate(model, &config, &|_| {}).expect("run")
}

pub fn metric(summary: &Summary, policy: &str, name: &str) -> Estimate {
    let cell = summary
        .cells
        .iter()
        .find(|c| c.policy == policy)
        .expect("policy");
    cell.metrics[index_of(name).expect("metric")].unwrap_or_else(|| panic!("{name} undefined"))
}

pub fn diff(summary: &Summary, policy: &str, name: &str) -> Estimate {
    let cell = summary
        .cells
        .iter()
        .find(|c| c.policy == policy)
        .expect("policy");
    cell.vs_baseline[index_of(name).expect("metric")].unwrap_or_else(|| panic!("{name} undefined"))
}

/// Standard error of an estimate's mean, recovered from its 95 % interval.
pub fn standard_error(e: &Estimate) -> f64 {
    e.half_width().expect("more than one replication") / leadsim::stats::t_975(e.n - 1)
}

pub fn bin() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("leadsim").expect("binary")
}

pub fn repo_file(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}
