//! Renders a report input (by default the committed sample) into a directory.
//!
//! ```text
//! cargo run -p darkdca-report --example render_sample -- OUT_DIR [INPUT_JSON]
//! ```
//!
//! Prints the path of the written `index.html`.

#![allow(clippy::print_stdout, clippy::print_stderr)] // A command-line example reports on stdout.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use darkdca_report::{ReportInput, write_report};

/// The committed sample, relative to this crate.
const SAMPLE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/report/sample_input.json");

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(out_dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: render_sample OUT_DIR [INPUT_JSON]");
        return ExitCode::from(2);
    };
    let input_path = args.next().map_or_else(|| PathBuf::from(SAMPLE), PathBuf::from);
    match run(&input_path, &out_dir) {
        Ok(path) => {
            println!("{}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("render_sample: {e}");
            let mut source = std::error::Error::source(e.as_ref());
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::FAILURE
        }
    }
}

/// Reads the input and writes the report.
fn run(input_path: &Path, out_dir: &Path) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(input_path)
        .map_err(|e| format!("cannot read {}: {e}", input_path.display()))?;
    let input = ReportInput::from_json(&text)?;
    Ok(write_report(&input, out_dir)?)
}
