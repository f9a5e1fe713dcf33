//! `darkdca evaluate`: scores a run's day outputs against the truth of the
//! simulated scenario it was run on.

use anyhow::{Context, Result};

use crate::cli::EvaluateArgs;

/// Prints the scores of `args.out` against `args.scenario`.
pub fn evaluate(args: &EvaluateArgs) -> Result<()> {
    let params = darkdca_eval::Params { min_group_size: args.min_group_size, ..Default::default() };
    params.check()?;
    let scores = darkdca_eval::evaluate_dir(&args.out, &args.scenario, &params)
        .map_err(|e| {
            let hint = matches!(e, darkdca_eval::Error::MissingDay { .. }).then(|| {
                format!(
                    "the days in {} are not those of the scenario {}: was the run made on \
                     this scenario's captures?",
                    args.out.display(),
                    args.scenario.display()
                )
            });
            let e = anyhow::Error::new(e);
            match hint {
                Some(h) => e.context(h),
                None => e,
            }
        })
        .with_context(|| {
            format!(
                "could not score {} against the truth of {}",
                args.out.display(),
                args.scenario.display()
            )
        })?;
    let text = if args.json {
        format!("{}\n", serde_json::to_string_pretty(&scores)?)
    } else {
        format!("{scores}\n")
    };
    crate::stdout(&text)?;
    Ok(())
}
