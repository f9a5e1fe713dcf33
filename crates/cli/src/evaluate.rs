//! `darkdca evaluate`: scores a run's day outputs against the truth of the
//! simulated scenario it was run on.

use anyhow::{Context, Result};
use darkdca_eval::Error;
use tracing::warn;

use crate::cli::EvaluateArgs;

/// Prints the scores of `args.out` against `args.scenario`.
pub fn evaluate(args: &EvaluateArgs) -> Result<()> {
    let params = darkdca_eval::Params { min_group_size: args.min_group_size, ..Default::default() };
    params.check()?;
    let (out, scenario) = (args.out.display(), args.scenario.display());
    let scores = darkdca_eval::evaluate_dir(&args.out, &args.scenario, &params)
        .map_err(|e| {
            let hint = match &e {
                Error::MissingDay { run_days, .. } if run_days.is_empty() => Some(format!(
                    "none of the days in {out} is a day of the scenario {scenario}: was the run \
                     made on this scenario's captures?"
                )),
                Error::MissingDay { .. } => Some(format!(
                    "a run is scored on the scenario's days from its first one, without gaps: \
                     {out} lacks a day that it would need"
                )),
                Error::ForeignRun { .. } => Some(format!(
                    "the senders in {out} are not those of the scenario {scenario}: was the run \
                     made on this scenario's captures?"
                )),
                _ => None,
            };
            let e = anyhow::Error::new(e);
            match hint {
                Some(h) => e.context(h),
                None => e,
            }
        })
        .with_context(|| format!("could not score {out} against the truth of {scenario}"))?;
    if let Some(note) = scores.partial_note() {
        warn!("{out}: {note}");
    }
    let text = if args.json {
        format!("{}\n", serde_json::to_string_pretty(&scores)?)
    } else {
        format!("{scores}\n")
    };
    crate::stdout(&text)?;
    Ok(())
}
