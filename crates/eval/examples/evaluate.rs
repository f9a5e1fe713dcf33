//! Runs the pipeline on a simulated scenario under one or more
//! configurations and prints their scores: the measurements behind
//! `docs/EVALUATION.md`.
//!
//! ```text
//! cargo run --release -p darkdca-eval --example evaluate -- \
//!     --preset small \
//!     --variant 'paper' \
//!     --variant 'bootstrap;embedding.bootstrap_epochs=10' \
//!     --variant 'novtrack;base=novtrack'
//! ```
//!
//! Options:
//! - `--preset NAME` (simulator preset, `small` by default) or `--dir PATH`
//!   (a scenario directory written by the simulator);
//! - `--days N`: keep only the first N days of a preset;
//! - `--variant 'LABEL;key=value;...'`, repeatable:
//!   `base=paper|novtrack|recommended` picks the facade preset (paper by
//!   default, so that the variant lines of docs/EVALUATION.md keep their
//!   meaning), `gate.KEY=VALUE` sets a [`NoveltyGate`] field (`min_size`, `min_silhouette`, `quiet_batches`,
//!   `max_known_share`, `persistence`, `persistence_accepts_split`), any other `a.b=value` sets that
//!   configuration field (value parsed as JSON, else taken as a string);
//! - `--details`: print every variant's full markdown scores;
//! - `--json PATH`: write every variant's scores as a JSON array.
//!
//! Runs use one thread. Variants that differ only in their gate share one
//! pipeline run.

#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a command-line example")]

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use darkdca::{Config, DayResult, Preset};
use darkdca_eval::{
    NoveltyGate, Params, RunDay, Scores, evaluate_run, run_scenario_dir, run_simulation,
};
use darkdca_sim::{Scenario, Truth};
use serde_json::Value;

struct Variant {
    label: String,
    config: Config,
    gate: NoveltyGate,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut preset = "small".to_owned();
    let mut dir: Option<PathBuf> = None;
    let mut days: Option<u32> = None;
    let mut specs: Vec<String> = Vec::new();
    let mut details = false;
    let mut json: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--preset" => preset = args.next().ok_or("--preset needs a name")?,
            "--dir" => dir = Some(args.next().ok_or("--dir needs a path")?.into()),
            "--days" => days = Some(args.next().ok_or("--days needs a number")?.parse()?),
            "--variant" => specs.push(args.next().ok_or("--variant needs a spec")?),
            "--details" => details = true,
            "--json" => json = Some(args.next().ok_or("--json needs a path")?.into()),
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    if specs.is_empty() {
        specs.push("paper".into());
    }
    let variants = specs.iter().map(|s| parse_variant(s)).collect::<Result<Vec<_>, _>>()?;

    let scenario = match &dir {
        Some(_) => None,
        None => {
            let mut s = Scenario::preset(&preset)?;
            if let Some(n) = days {
                s.n_days = n.min(s.n_days);
            }
            Some(s)
        }
    };
    let name = dir.as_ref().map_or(preset.clone(), |d| d.display().to_string());
    println!("scenario {name}\n");
    println!("{} run time |\n{} --- |", header_line(0), header_line(1));

    let mut runs: HashMap<String, (Vec<DayResult>, Vec<Truth>, f64)> = HashMap::new();
    let mut all = Vec::new();
    for v in &variants {
        let key = serde_json::to_string(&v.config)?;
        if !runs.contains_key(&key) {
            let clock = Instant::now();
            let checked = v.config.clone().check()?;
            let (results, truths) = match (&dir, &scenario) {
                (Some(d), _) => run_scenario_dir(checked, d)?,
                (None, Some(s)) => run_simulation(checked, s)?,
                (None, None) => unreachable!("a preset is chosen when no directory is"),
            };
            runs.insert(key.clone(), (results, truths, clock.elapsed().as_secs_f64()));
        }
        let (results, truths, secs) = &runs[&key];
        let mut run = RunDay::from_results(results)?;
        v.gate.apply(&mut run);
        let scores = evaluate_run(&run, truths, &Params::default())?;
        println!("{} | {secs:.0} s |", scores.summary_row(&v.label).trim_end_matches(" |"));
        all.push((v.label.clone(), scores));
    }
    if details {
        for (label, s) in &all {
            println!("\n# {label}\n\n{s}");
        }
    }
    if let Some(path) = json {
        let list: Vec<Value> =
            all.iter().map(|(l, s)| serde_json::json!({ "variant": l, "scores": s })).collect();
        std::fs::write(path, serde_json::to_vec_pretty(&list)?)?;
    }
    Ok(())
}

/// Line `i` of the summary table's header.
fn header_line(i: usize) -> &'static str {
    Scores::summary_header().lines().nth(i).unwrap_or_default()
}

/// `LABEL;key=value;...`.
fn parse_variant(spec: &str) -> Result<Variant, Box<dyn std::error::Error>> {
    let mut parts = spec.split(';');
    let label = parts.next().unwrap_or_default().trim().to_owned();
    let mut base = Preset::Paper;
    let mut sets: Vec<(String, Value)> = Vec::new();
    let mut gate = NoveltyGate::default();
    for p in parts.map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = p.split_once('=').ok_or_else(|| format!("{p:?} is not key=value"))?;
        let value: Value = serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.to_owned()));
        match k {
            "base" => base = v.parse()?,
            "gate.min_size" => gate.min_size = Some(v.parse()?),
            "gate.min_silhouette" => gate.min_silhouette = Some(v.parse()?),
            "gate.quiet_batches" => gate.quiet_batches = v.parse()?,
            "gate.max_known_share" => gate.max_known_share = Some(v.parse()?),
            "gate.persistence" => gate.persistence = v.parse()?,
            "gate.persistence_accepts_split" => gate.persistence_accepts_split = v.parse()?,
            _ => sets.push((k.to_owned(), value)),
        }
    }
    let mut config = serde_json::to_value(Config::preset(base))?;
    for (k, v) in sets {
        let mut node = &mut config;
        for part in k.split('.') {
            node = node.get_mut(part).ok_or_else(|| format!("no configuration field {k:?}"))?;
        }
        *node = v;
    }
    let mut config: Config = serde_json::from_value(config)?;
    config.embedding.threads = 1;
    Ok(Variant { label, config, gate })
}
