//! `darkdca run` and `darkdca config`.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use darkdca::day::batch_id_of;
use darkdca::input::{CsvChoice, DayBatch, DayStream, RecordSource};
use darkdca::output::{self, Formats};
use darkdca::result::InputIssue;
use darkdca::state::{StateDir, StateLock};
use darkdca::trace::CsvLayout;
use darkdca::{Config, Error, GroundTruth, Observer, Pipeline, Preset, Stage};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tracing::{info, warn};

use crate::cli::{ConfigArgs, CsvLayoutArg, FormatArg, PresetArg, RunArgs};
use crate::inputs::BadCapture;
use crate::{inputs, summary};

/// Runs the pipeline over the captures.
pub fn run(args: &RunArgs, quiet: bool) -> Result<()> {
    let files = inputs::expand(&args.captures)?;
    info!(n_files = files.len(), "inputs found");
    // Held until the run ends: one run at a time per state.
    let _lock = StateLock::acquire(&args.state)?;
    let mut pipeline = open_pipeline(args)?;
    let mut truth = GroundTruth::new();
    for path in &args.labels {
        truth.add_path(path)?;
    }
    if !args.labels.is_empty() {
        info!(n_prefixes = truth.len(), n_labels = truth.labels().len(), "ground truth loaded");
    }
    pipeline = pipeline.with_ground_truth(truth);
    pipeline.note_sources(&args.captures);

    let csv = match args.csv_layout {
        CsvLayoutArg::Auto => CsvChoice::Auto,
        CsvLayoutArg::Darkvec => CsvChoice::Layout(Box::new(CsvLayout::darkvec())),
        CsvLayoutArg::Marx => CsvChoice::Layout(Box::new(CsvLayout::marx())),
    };
    let formats = Formats {
        json: args.format.contains(&FormatArg::Json),
        csv: args.format.contains(&FormatArg::Csv),
    };
    let bar = progress_bar(files.len() as u64, quiet);
    let mut runner = Runner {
        pipeline,
        args,
        formats,
        bar: bar.clone(),
        quiet,
        n_done: 0,
        n_skipped: 0,
        issues: Vec::new(),
    };

    let seconds = runner.pipeline.config().trace.batch_seconds;
    let max_disorder = i64::from(args.max_disorder) * 1_000_000_000;
    let mut stream = DayStream::new(runner.pipeline.config(), max_disorder)?;
    for path in &files {
        bar.set_message(format!("reading {}", path.display()));
        let mut source = RecordSource::open(path, &csv)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut range: Option<(u64, u64)> = None;
        let mut error = None;
        for rec in source.by_ref() {
            match rec {
                Ok(r) => {
                    stream.try_push(&r).with_context(|| {
                        format!("{}: a record has an impossible time", path.display())
                    })?;
                    let id = batch_id_of(r.ts_ns, seconds);
                    range = Some(range.map_or((id, id), |(lo, hi)| (lo.min(id), hi.max(id))));
                }
                Err(e) if args.allow_partial => {
                    // Records before the broken spot are kept; the rest of
                    // the file is lost, and the day JSON says so.
                    warn!("{}: stopped reading: {e}", path.display());
                    error = Some(e.to_string());
                    break;
                }
                Err(e) => {
                    // The day still open is not committed: nothing of the
                    // broken spot's day reaches the state.
                    return Err(anyhow::Error::new(Error::Trace { source: e }).context(format!(
                        "{} is damaged; rerun with --allow-partial to keep the records read before the error",
                        path.display()
                    )));
                }
            }
            while let Some(b) = stream.pop() {
                runner.day(&b)?;
            }
        }
        let report = source.report();
        if report.n_records == 0 {
            return Err(BadCapture(format!(
                "no records read from {} ({} frames or rows, {} malformed)",
                path.display(),
                report.n_frames,
                report.n_malformed()
            ))
            .into());
        }
        if report.n_malformed() > 0 {
            warn!("{}: {} malformed frames or rows skipped", path.display(), report.n_malformed());
        }
        if let Some((lo, hi)) = range.filter(|_| error.is_some() || report.n_malformed() > 0) {
            runner.issues.push((
                lo,
                hi,
                InputIssue {
                    file: path.display().to_string(),
                    error,
                    n_malformed: report.n_malformed(),
                    n_records: report.n_records,
                },
            ));
        }
        info!(file = %path.display(), records = report.n_records, "read");
        bar.inc(1);
    }
    let late = stream.report().n_late_dropped;
    for b in stream.finish() {
        runner.day(&b)?;
    }
    bar.finish_and_clear();
    if late > 0 {
        warn!(
            "{late} records arrived after their day was closed and were left out (see --max-disorder)"
        );
    }
    if !args.no_report && !runner.pipeline.days().is_empty() {
        let page = crate::report::write(&args.state, &args.out, args.title.clone())?;
        info!(page = %page.display(), "report written");
    }
    if !quiet {
        crate::stdout(&format!(
            "{} day(s) processed, {} skipped; state in {}, outputs and report in {}\n",
            runner.n_done,
            runner.n_skipped,
            args.state.display(),
            args.out.display()
        ))?;
    }
    Ok(())
}

/// Opens the state: resumed as stored when no configuration is given,
/// otherwise created or checked against the given configuration.
fn open_pipeline(args: &RunArgs) -> Result<Pipeline> {
    let exists = StateDir::new(&args.state).exists();
    if exists && args.preset.is_none() && args.config.is_none() {
        let p = Pipeline::open(&args.state)?;
        info!(days = p.days().len(), "resuming state");
        return Ok(p);
    }
    let (config, preset) = resolve_config(args.preset, args.config.as_deref())?;
    Ok(Pipeline::open_or_create(&args.state, config.check()?, Some(preset))?)
}

/// The preset with the configuration file laid over it. The preset is the
/// one given, else the one the file names (`preset = "..."`), else the
/// default (`recommended`); a file naming another preset than the one
/// given is refused.
fn resolve_config(preset: Option<PresetArg>, file: Option<&Path>) -> Result<(Config, Preset)> {
    let named = file.map(Config::preset_named_in).transpose()?.flatten();
    let preset: Preset = match (preset.map(Preset::from), named) {
        (Some(given), Some(named)) if given != named => {
            return Err(Error::ConfigSyntax {
                path: file.map(Path::to_path_buf).unwrap_or_default(),
                message: format!("preset = \"{named}\" conflicts with --preset {given}"),
            }
            .into());
        }
        (Some(given), _) => given,
        (None, named) => named.unwrap_or_default(),
    };
    let mut config = Config::preset(preset);
    if let Some(f) = file {
        config = config.overlay_file(f)?;
    }
    Ok((config, preset))
}

/// Prints a configuration as TOML.
pub fn print_config(args: &ConfigArgs) -> Result<()> {
    let (config, preset) = match &args.state {
        Some(dir) => {
            let meta = StateDir::new(dir).read_meta()?;
            // States made before the default changed started from a preset
            // the command always recorded; `paper` was the default then.
            let preset = meta.preset.as_deref().and_then(|p| p.parse().ok());
            (meta.config, preset.unwrap_or(Preset::Paper))
        }
        None => resolve_config(args.preset, args.config.as_deref())?,
    };
    let checked = config.check()?;
    // The preset line makes the file mean the same when passed back with
    // --config: optional settings left unset are not written in TOML.
    crate::stdout(&format!(
        "# darkdca configuration, hash {}\npreset = \"{preset}\"\n\n{}",
        checked.hash(),
        checked.to_toml_string()
    ))?;
    Ok(())
}

/// Processes finished days one by one.
struct Runner<'a> {
    pipeline: Pipeline,
    args: &'a RunArgs,
    formats: Formats,
    bar: ProgressBar,
    quiet: bool,
    n_done: usize,
    n_skipped: usize,
    /// Input problems with the range of batch ids their file covered.
    issues: Vec<(u64, u64, InputIssue)>,
}

impl Runner<'_> {
    fn day(&mut self, b: &DayBatch) -> Result<()> {
        let id = b.batch_id(self.pipeline.config().trace.batch_seconds);
        match self.pipeline.check_next(id) {
            Ok(()) => {}
            Err(e @ (Error::DayAlreadyProcessed { .. } | Error::DayOutOfOrder { .. }))
                if self.args.skip_processed =>
            {
                warn!("skipped: {e}");
                self.n_skipped += 1;
                return Ok(());
            }
            Err(e) => {
                return Err(anyhow::Error::new(e).context("use --skip-processed to skip such days"));
            }
        }
        let issues = self
            .issues
            .iter()
            .filter(|(lo, hi, _)| (*lo..=*hi).contains(&id))
            .map(|(_, _, i)| i.clone())
            .collect();
        self.pipeline.set_input_issues(issues);
        let mut observer = BarObserver { bar: &self.bar };
        let mut result =
            self.pipeline.process_batch_observed(&b.batch, Some(&b.activity), &mut observer)?;
        let timings = result.stats.timings_ms.clone();
        if self.args.no_timings {
            result.stats.timings_ms = Default::default();
        }
        // Outputs first, the state last: a failure to write the outputs
        // leaves the day out of the state, so the same run can be repeated.
        output::write_day(&self.args.out, &result, self.formats)?;
        self.pipeline.save()?;
        let t = &timings;
        info!(
            day = %result.day,
            corpus_ms = t.corpus, embed_ms = t.embed, cluster_ms = t.cluster,
            metrics_ms = t.metrics, track_ms = t.track, profile_ms = t.profile,
            "day processed"
        );
        if !self.quiet {
            // The day is committed: a closed stdout only stops the printing.
            self.bar.suspend(|| crate::stdout(&summary::day(&result)))?;
        }
        self.n_done += 1;
        Ok(())
    }
}

/// Shows the stage in the progress bar's message.
struct BarObserver<'a> {
    bar: &'a ProgressBar,
}

impl Observer for BarObserver<'_> {
    fn stage_started(&mut self, day: &str, stage: Stage) {
        self.bar.set_message(format!("{day}: {}", stage.name()));
    }
}

/// A bar over the input files, drawn on stderr only when it is a terminal.
fn progress_bar(n_files: u64, quiet: bool) -> ProgressBar {
    let target = if quiet { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() };
    let bar = ProgressBar::with_draw_target(Some(n_files), target);
    let style = ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} files  {wide_msg}")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
