//! What each command does, between the command line and the library.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{Cli, Command, Format, RunArgs};
use leadsim::runner::RunConfig;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        None => run_scenario(cli.run),
        Some(Command::Run(args)) => run_scenario(args),
        Some(Command::Validate { scenario }) => validate(&scenario),
    }
}

fn load(scenario: Option<&Path>) -> anyhow::Result<leadsim::model::Model> {
    Ok(match scenario {
        Some(path) => leadsim::load_file(path)?,
        None => leadsim::load_text(
            leadsim::DEFAULT_SCENARIO,
            Path::new(leadsim::DEFAULT_SCENARIO_FILE),
        )?,
    })
}

fn validate(path: &Path) -> anyhow::Result<ExitCode> {
    let model = leadsim::load_file(path)?;
    print!("{}", leadsim::describe::describe(&model));
    println!("\n{}: ok", path.display());
    Ok(ExitCode::SUCCESS)
}

fn run_scenario(args: RunArgs) -> anyhow::Result<ExitCode> {
    let model = load(args.scenario.as_deref())?;
    let config = RunConfig {
        replications: args.replications.unwrap_or(model.replications),
        seed: args.seed.unwrap_or(model.seed),
        threads: args.threads.map(|t| t as usize),
    };
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&model.name));
    let summary = leadsim::simulate(&model, &config, &|_| {})?;
    let files = leadsim::report::render_all(&summary);
    let written = leadsim::report::write_all(&out_dir, &files)?;

    let mut stdout = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            stdout
                .write_all(&leadsim::report::json::render(&summary))
                .context("cannot write to standard output")?;
        }
        Format::Table if !args.quiet => {
            write!(stdout, "{}", leadsim::report::table::render(&summary))
                .context("cannot write to standard output")?;
        }
        Format::Table => {}
    }
    if !args.quiet {
        eprintln!("wrote {} files to {}", written.len(), out_dir.display());
    }
    Ok(ExitCode::SUCCESS)
}
