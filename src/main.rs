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
    let _ = ctrlc::set_handler(|| {
        leadsim::runner::STOP.store(true, std::sync::atomic::Ordering::Relaxed)
    });
    match app::run(cli) {
        Ok(code) => code,
        Err(err) => {
            if let Some(stop) = err.downcast_ref::<leadsim::runner::Interrupted>() {
                eprintln!(
                    "stopped: {stop}; nothing was written, and earlier results in the output folder are untouched"
                );
                return ExitCode::from(130);
            }
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
