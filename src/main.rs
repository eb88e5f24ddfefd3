//! The `leadsim` binary: parse the command line, call the library, print
//! the error chain, exit with the documented code (0 ok, 1 failed `expect`,
//! 2 bad input or failure, 130 interrupted by Ctrl-C).

// Printing never panics: `println!` and `eprintln!` panic when the
// stream is closed (`leadsim run X | head -1`, or standard error closed
// while a warning is printed). A closed stream is the end of that output;
// the command goes on (its files are still written) and exits as it would.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}
macro_rules! errln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}
macro_rules! err {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($t)*);
    }};
}

mod app;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = app::cli::Cli::parse();
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
            errln!(
                "stopped: {err:#}; nothing was written, and earlier results in the output folder are untouched"
            );
            ExitCode::from(130)
        }
        Err(err) => {
            errln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
