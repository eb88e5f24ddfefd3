//! The `leadsim` binary: parse the command line, call the library, print
//! the error chain, exit with the documented code (0 ok, 1 failed `expect`,
//! 2 bad input or failure).

mod app;
mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match app::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
