//! Project chores, run as `cargo xtask <command>`.
//!
//! - `cargo xtask ci`: everything CI checks (system packages, fmt, clippy,
//!   tests, doc tests, docs, benches compiled); `.ci/run` calls it.
//! - `cargo xtask demo`: the README's main job: run the whole pipeline on
//!   the committed simulated scenario and write the report to `out/demo/`.
//! - `cargo xtask deps`: install the Debian packages the project needs
//!   (OpenBLAS to link, Chromium for the report's browser test), when
//!   they are missing.
//! - `cargo xtask scenario [--preset NAME | --scenario FILE] [--seed N]
//!   [--out DIR]`: write a simulated scenario (captures, truth, manifest);
//!   with no option it regenerates the committed `fixtures/scenario/`.
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a command-line tool")]

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

const USAGE: &str = "usage: cargo xtask <ci|demo|deps|scenario|help>
  ci        everything CI checks (system packages, fmt, clippy, tests, docs, benches compiled)
  demo      run the pipeline on the committed scenario; report in out/demo/index.html
  deps      install the Debian packages the project needs, when missing
  scenario  write a simulated scenario (captures, truth, manifest)";

const SCENARIO_USAGE: &str = "usage: cargo xtask scenario [--preset small|standard|large] \
[--scenario FILE.json|FILE.toml] [--seed N] [--out DIR]
  with no option it regenerates the committed fixtures/scenario/ (preset small);
  any other scenario needs --out DIR";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("deps") => deps(true),
        Some("demo") => demo(),
        Some("scenario") => scenario(&args[1..]),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}\n\n{SCENARIO_USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            bail!("unknown or missing command")
        }
    }
}

/// Runs every check CI runs, stopping at the first failure.
fn ci() -> Result<()> {
    deps(true)?;
    cargo(&["fmt", "--all", "--", "--check"], &[])?;
    cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], &[])?;
    cargo(&["test", "--workspace"], &[])?;
    cargo(&["doc", "--workspace", "--no-deps"], &[("RUSTDOCFLAGS", "-D warnings")])?;
    cargo(&["bench", "--workspace", "--no-run"], &[])?;
    Ok(())
}

/// Installs the Debian packages the project needs when they are missing:
/// OpenBLAS (linked by ndarray-linalg) and, with `for_tests`, Chromium (the
/// report's browser test renders the page in it; building and running do
/// not need it).
fn deps(for_tests: bool) -> Result<()> {
    let mut missing = Vec::new();
    let blas = Command::new("pkg-config").args(["--exists", "openblas"]).status();
    if !blas.is_ok_and(|s| s.success()) {
        missing.extend(["libopenblas-dev", "pkg-config"]);
    }
    if for_tests && !Path::new("/usr/bin/chromium").exists() {
        missing.push("chromium");
    }
    if missing.is_empty() {
        return Ok(());
    }
    println!("xtask: installing {} with apt-get", missing.join(" "));
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// Runs the pipeline on the committed scenario from a fresh state and
/// writes the day outputs and the report under `out/demo/`.
fn demo() -> Result<()> {
    deps(false)?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().context("xtask has a parent")?;
    let out = root.join("out/demo");
    if out.exists() {
        std::fs::remove_dir_all(&out)
            .with_context(|| format!("could not clear {}", out.display()))?;
    }
    let scenario = root.join("fixtures/scenario");
    let state = out.join("state");
    let (scenario, state, out_s) =
        (scenario.to_string_lossy(), state.to_string_lossy(), out.to_string_lossy());
    cargo(
        &[
            "run",
            "--release",
            "--quiet",
            "-p",
            "darkdca-cli",
            "--",
            "run",
            &scenario,
            "--state",
            &state,
            "--out",
            &out_s,
        ],
        &[],
    )?;
    println!("xtask: report written to {}", out.join("index.html").display());
    Ok(())
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

/// Writes a simulated scenario; by default the committed `small` one.
fn scenario(args: &[String]) -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().context("xtask has a parent")?;
    let mut preset = "small".to_owned();
    let mut file: Option<PathBuf> = None;
    let mut seed: Option<u64> = None;
    let mut out: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--preset" => preset = value()?.clone(),
            "--scenario" => file = Some(PathBuf::from(value()?)),
            "--seed" => seed = Some(value()?.parse().context("--seed takes an integer")?),
            "--out" => out = Some(PathBuf::from(value()?)),
            "-h" | "--help" => {
                println!("{SCENARIO_USAGE}");
                return Ok(());
            }
            _ => bail!("unknown option {flag}\n{SCENARIO_USAGE}"),
        }
    }
    let mut scenario = match &file {
        Some(path) => darkdca_sim::Scenario::load(path)?,
        None => darkdca_sim::Scenario::preset(&preset)?,
    };
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    // Only the committed scenario may go to the committed directory by default.
    let committed = darkdca_sim::Scenario::preset("small")?;
    let out = match out {
        Some(out) => out,
        None if scenario == committed => root.join("fixtures/scenario"),
        None => bail!("--out DIR is required for any scenario other than the committed one"),
    };
    let started = std::time::Instant::now();
    let generated = darkdca_sim::generate(&scenario, &out)?;
    let packets: u64 = generated.days.iter().map(|d| d.n_packets).sum();
    println!(
        "xtask: wrote scenario {:?} (seed {}): {} days, {packets} packets into {} in {:.1} s",
        scenario.name,
        scenario.seed,
        generated.days.len(),
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
