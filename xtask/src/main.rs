//! Project chores, run as `cargo xtask <command>`.
//!
//! - `cargo xtask ci`: everything CI checks (system packages, fmt, clippy,
//!   tests, doc tests, docs, benches compiled); `.ci/run` calls it.
//! - `cargo xtask deps`: install the Debian packages the workspace links
//!   against, when they are missing.
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a command-line tool")]

use std::process::Command;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("deps") => deps(),
        _ => {
            eprintln!("usage: cargo xtask <ci|deps>");
            bail!("unknown or missing command")
        }
    }
}

/// Runs every check CI runs, stopping at the first failure.
fn ci() -> Result<()> {
    deps()?;
    cargo(&["fmt", "--all", "--", "--check"], &[])?;
    cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], &[])?;
    cargo(&["test", "--workspace"], &[])?;
    cargo(&["doc", "--workspace", "--no-deps"], &[("RUSTDOCFLAGS", "-D warnings")])?;
    cargo(&["bench", "--workspace", "--no-run"], &[])?;
    Ok(())
}

/// Installs OpenBLAS (linked by ndarray-linalg) when pkg-config cannot find it.
fn deps() -> Result<()> {
    let found = Command::new("pkg-config").args(["--exists", "openblas"]).status();
    if found.is_ok_and(|s| s.success()) {
        return Ok(());
    }
    println!("xtask: installing libopenblas-dev and pkg-config with apt-get");
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends", "libopenblas-dev", "pkg-config"])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

fn cargo(args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

fn run(cmd: &mut Command) -> Result<()> {
    println!("xtask: running {cmd:?}");
    let status = cmd.status().with_context(|| format!("could not start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}
