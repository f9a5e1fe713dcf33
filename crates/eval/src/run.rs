//! Entry points: score in-memory results or an output directory, or run
//! the pipeline on a scenario and score it.

use std::path::Path;

use darkdca::input::{CsvChoice, RecordSource};
use darkdca::{CheckedConfig, DayResult, Pipeline};
use darkdca_sim::{Manifest, Scenario, Simulation, Truth};

use crate::error::Result;
use crate::observed::{RunDay, load_results};
use crate::score::{Params, evaluate_run};
use crate::scores::Scores;

/// Scores the facade's results of a run against the truth of each day;
/// novelty candidates count once a later batch confirmed them
/// ([`RunDay::from_results`]).
///
/// # Errors
///
/// As [`RunDay::from_results`] and [`evaluate_run`].
pub fn evaluate(results: &[DayResult], truths: &[Truth], params: &Params) -> Result<Scores> {
    let run = RunDay::from_results(results)?;
    evaluate_run(&run, truths, params)
}

/// Loads a scenario directory written by the simulator: its manifest and
/// every day's truth, in day order.
///
/// # Errors
///
/// [`Error::Sim`](crate::Error::Sim) when the manifest or a truth file is missing or invalid.
pub fn load_truth(scenario_dir: &Path) -> Result<(Manifest, Vec<Truth>)> {
    let manifest = Manifest::load(scenario_dir)?;
    let truths = manifest
        .days
        .iter()
        .map(|d| Truth::load(&manifest.day_paths(scenario_dir, d).1))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok((manifest, truths))
}

/// Scores the per-day JSON results of an output directory (`<out>/days/`)
/// against a scenario directory's truth: what `darkdca evaluate` runs.
///
/// # Errors
///
/// As [`load_results`], [`load_truth`] and [`evaluate`].
pub fn evaluate_dir(out_dir: &Path, scenario_dir: &Path, params: &Params) -> Result<Scores> {
    let results = load_results(out_dir)?;
    let (_, truths) = load_truth(scenario_dir)?;
    evaluate(&results, &truths, params)
}

/// Runs a fresh in-memory pipeline over the captures of a scenario
/// directory, one day file at a time, and returns each day's result with
/// the truth.
///
/// # Errors
///
/// As [`load_truth`]; [`Error::Pipeline`](crate::Error::Pipeline) when a capture cannot be read or
/// a stage fails.
pub fn run_scenario_dir(
    config: CheckedConfig,
    scenario_dir: &Path,
) -> Result<(Vec<DayResult>, Vec<Truth>)> {
    let (manifest, truths) = load_truth(scenario_dir)?;
    let mut pipeline = Pipeline::new(config)?;
    let mut results = Vec::with_capacity(manifest.days.len());
    for day in &manifest.days {
        let (pcap, _) = manifest.day_paths(scenario_dir, day);
        let records = RecordSource::open(&pcap, &CsvChoice::Auto)?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|source| darkdca::Error::Trace { source })?;
        results.extend(pipeline.process_records(&records)?);
    }
    Ok((results, truths))
}

/// Runs a fresh in-memory pipeline over a simulated scenario without
/// writing any file (packets streamed from the simulator day by day).
///
/// # Errors
///
/// [`Error::Sim`](crate::Error::Sim) when the scenario cannot be planned, [`Error::Pipeline`](crate::Error::Pipeline)
/// when a stage fails.
pub fn run_simulation(
    config: CheckedConfig,
    scenario: &Scenario,
) -> Result<(Vec<DayResult>, Vec<Truth>)> {
    let sim = Simulation::new(scenario)?;
    let mut pipeline = Pipeline::new(config)?;
    let mut results = Vec::with_capacity(sim.n_days() as usize);
    let mut truths = Vec::with_capacity(sim.n_days() as usize);
    for day in 0..sim.n_days() {
        let records: Vec<_> = sim.day_stream(day)?.collect();
        results.extend(pipeline.process_records(&records)?);
        truths.push(sim.truth(day)?);
    }
    Ok((results, truths))
}

/// Runs the pipeline on a scenario directory and scores it.
///
/// # Errors
///
/// As [`run_scenario_dir`] and [`evaluate`].
pub fn run_and_evaluate(
    config: CheckedConfig,
    scenario_dir: &Path,
    params: &Params,
) -> Result<Scores> {
    let (results, truths) = run_scenario_dir(config, scenario_dir)?;
    evaluate(&results, &truths, params)
}
