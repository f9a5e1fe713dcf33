//! The `darkdca` command: finds coordinated senders in network-telescope
//! captures day by day, follows them across days and flags new groups.
//!
//! See `darkdca --help` and `docs/OUTPUT.md`.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool writes to the terminal"
)]

mod cli;
mod evaluate;
mod inputs;
mod report;
mod run;
mod show;
mod summary;
#[cfg(test)]
mod testdays;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

/// Exit status: success.
const EXIT_OK: u8 = 0;
/// Exit status: a runtime failure (I/O, a stage failing).
const EXIT_RUNTIME: u8 = 1;
/// Exit status: a usage error (clap's own, and arguments that conflict).
const EXIT_USAGE: u8 = 2;
/// Exit status: bad input or state (unreadable captures, invalid
/// configuration, a state of another version, a day already processed).
const EXIT_BAD_INPUT: u8 = 3;

fn main() -> ExitCode {
    // Clap exits with status 2 on usage errors and 0 for --help/--version.
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    let result = match &cli.command {
        Command::Run(args) => {
            cli::check_separate(&args.state, &args.out).and_then(|()| run::run(args, cli.quiet))
        }
        Command::Report(args) => report::report(args, cli.quiet),
        Command::Show(args) => show::show(args),
        Command::Config(args) => run::print_config(args),
        Command::Evaluate(args) => evaluate::evaluate(args),
    };
    match result {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(err) => {
            // The root cause first, then what was being done and the hints.
            let messages: Vec<String> = err
                .chain()
                .map(ToString::to_string)
                .filter(|m| m != "trace stage failed")
                .collect();
            let mut messages = messages.iter().rev();
            if let Some(first) = messages.next() {
                eprintln!("error: {first}");
            }
            for m in messages {
                eprintln!("  {m}");
            }
            ExitCode::from(exit_code(&err))
        }
    }
}

/// Writes `text` to stdout; a closed stdout (`darkdca ... | head`) is not
/// an error: the text is dropped quietly.
///
/// # Errors
///
/// Any other write error.
pub(crate) fn stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

/// 2 for conflicting arguments, 3 when any error in the chain is bad
/// input, 1 otherwise.
fn exit_code(err: &anyhow::Error) -> u8 {
    if err.chain().any(|e| e.downcast_ref::<cli::Conflict>().is_some()) {
        return EXIT_USAGE;
    }
    let bad_input = err.chain().any(|e| {
        e.downcast_ref::<darkdca::Error>().is_some_and(darkdca::Error::is_bad_input)
            || e.downcast_ref::<inputs::NoInput>().is_some()
            || e.downcast_ref::<inputs::BadCapture>().is_some()
            || e.downcast_ref::<darkdca_report::Error>().is_some()
            || e.downcast_ref::<report::BadSourceDateEpoch>().is_some()
            || e.downcast_ref::<darkdca_eval::Error>().is_some_and(eval_bad_input)
    });
    if bad_input { EXIT_BAD_INPUT } else { EXIT_RUNTIME }
}

/// Whether an error of `evaluate` comes from its inputs (outputs or a
/// scenario that are missing, unreadable or do not belong together)
/// rather than from the environment.
fn eval_bad_input(e: &darkdca_eval::Error) -> bool {
    match e {
        darkdca_eval::Error::Io { source, .. } => matches!(
            source.kind(),
            std::io::ErrorKind::NotFound
                | std::io::ErrorKind::InvalidData
                | std::io::ErrorKind::NotADirectory
        ),
        // Its own cause decides, through the chain.
        darkdca_eval::Error::Pipeline { .. } => false,
        _ => true,
    }
}

/// Logs go to stderr: warnings by default, `-v` info, `-vv` debug, `-vvv`
/// trace, `-q` errors only; `RUST_LOG` overrides.
fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}
