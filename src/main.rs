//! The `leadsim` binary: parse the command line, call the library, print
//! the error chain, exit with the documented code (0 ok, 1 failed `expect`,
//! 2 bad input or failure, 130 interrupted by Ctrl-C).

mod app;
mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // Ctrl-C asks the workers to stop after their current replication;
    // nothing is written for a run that did not finish.
    let cancel = leadsim::runner::Cancel::default();
    let handler = cancel.clone();
    let _ = ctrlc::set_handler(move || handler.cancel());
    match app::run(cli, &cancel) {
        Ok(code) => code,
        // A run stopped by Ctrl-C fails with `RunError::Interrupted`, which
        // says how far it got.
        Err(err) if cancel.is_cancelled() => {
            eprintln!(
                "stopped: {err:#}; nothing was written, and earlier results in the output folder are untouched"
            );
            ExitCode::from(130)
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
