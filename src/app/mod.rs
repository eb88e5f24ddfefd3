//! What each command does, between the command line and the library: one
//! file per family of commands (`run.rs`: run, check, shards and merge;
//! `analysis.rs`: sweep and power; `tools.rs`: validate, trace, diff, new).

mod analysis;
pub mod cli;
mod history;
mod run;
mod tools;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::app::cli::{Cli, Command};
use leadsim::metrics::Metric;
use leadsim::runner::Cancel;

pub fn run(cli: Cli, cancel: &Cancel) -> anyhow::Result<ExitCode> {
    let options = leadsim::LoadOptions {
        data_root: cli.data_root.clone(),
    };
    let options = &options;
    match cli.command {
        None => run::run_scenario(cli.run, false, options, cancel),
        Some(Command::Run(args)) => run::run_scenario(args, false, options, cancel),
        Some(Command::Check(args)) => run::run_scenario(args, true, options, cancel),
        Some(Command::Validate { scenario }) => tools::validate(&scenario, options),
        Some(Command::Trace(args)) => tools::trace(args, options),
        Some(Command::Diff {
            old,
            new,
            fail_on_change,
        }) => tools::diff(&old, &new, fail_on_change),
        Some(Command::Sweep(args)) => analysis::sweep(args, options, cancel),
        Some(Command::Merge {
            parts,
            scenario,
            out,
            heatmap,
            quiet,
        }) => run::merge(&parts, scenario.as_deref(), out, &heatmap, quiet, options),
        Some(Command::Power(args)) => analysis::power(args, options),
        Some(Command::Optimize(args)) => analysis::optimize(args, options),
        Some(Command::Sensitivity(args)) => analysis::sensitivity(args, options),
        Some(Command::Decide(args)) => analysis::decide(args, options),
        Some(Command::Calibrate(args)) => history::calibrate(args, options),
        Some(Command::Backtest(args)) => history::backtest(args, options),
        Some(Command::Schema) => {
            outln!("{}", leadsim::scenario::schema::render());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::New { name, full }) => tools::new_scenario(&name, full),
    }
}

/// A scenario's file name and text: the file's, or the bundled default's
/// when `scenario` is `None`.
pub(crate) fn source(scenario: Option<&Path>) -> anyhow::Result<(PathBuf, String)> {
    Ok(match scenario {
        Some(path) => (path.to_path_buf(), leadsim::read_scenario(path)?),
        None => (
            PathBuf::from(leadsim::DEFAULT_SCENARIO_FILE),
            leadsim::DEFAULT_SCENARIO.to_string(),
        ),
    })
}

/// A write to standard output: a closed pipe (`| head`) is the end of the
/// output, not a failure; any other error is one.
pub(crate) fn stdout_result(r: std::io::Result<()>) -> anyhow::Result<()> {
    match r {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("cannot write to standard output"))
        }
        _ => Ok(()),
    }
}

/// The key shard parts are sealed and checked with, from the environment
/// variable `LEADSIM_PART_KEY` (not a flag: a flag's value shows in the
/// process list). `None` when unset or empty.
pub(crate) fn part_key() -> Option<Vec<u8>> {
    std::env::var_os("LEADSIM_PART_KEY")
        .map(|k| k.into_encoded_bytes())
        .filter(|k| !k.is_empty())
}

/// Prints a scenario's warnings on standard error. Like a compiler's, they
/// are shown even with `--quiet`: quiet hides progress, not problems.
pub(crate) fn print_warnings(model: &leadsim::model::Model) {
    for w in &model.warnings {
        errln!("warning: {w}");
    }
}

/// The metric a command-line `flag` names, or an error that says which
/// names are close.
pub(crate) fn metric(flag: &str, name: &str) -> anyhow::Result<Metric> {
    leadsim::analyses::optimize::metric_named(flag, name)
}

pub(crate) fn heatmap_metric(name: &str) -> anyhow::Result<Metric> {
    metric("--heatmap", name)
}
