//! `darkdca run` and `darkdca config`.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use darkdca::input::{CsvChoice, DayBatch, DayStream, RecordSource};
use darkdca::output::{self, Formats};
use darkdca::state::StateDir;
use darkdca::trace::CsvLayout;
use darkdca::{Config, Error, GroundTruth, Observer, Pipeline, Preset, Stage};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tracing::{info, warn};

use crate::cli::{ConfigArgs, CsvLayoutArg, FormatArg, PresetArg, RunArgs};
use crate::{inputs, summary};

/// Runs the pipeline over the captures.
pub fn run(args: &RunArgs, quiet: bool) -> Result<()> {
    let files = inputs::expand(&args.captures)?;
    info!(n_files = files.len(), "inputs found");
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
    let mut runner =
        Runner { pipeline, args, formats, bar: bar.clone(), quiet, n_done: 0, n_skipped: 0 };

    let max_disorder = i64::from(args.max_disorder) * 1_000_000_000;
    let mut stream = DayStream::new(runner.pipeline.config(), max_disorder)?;
    for path in &files {
        bar.set_message(format!("reading {}", path.display()));
        let mut source = RecordSource::open(path, &csv)
            .with_context(|| format!("cannot read {}", path.display()))?;
        for rec in source.by_ref() {
            match rec {
                Ok(r) => stream.push(&r),
                Err(e) => {
                    // Records before a broken spot are kept (a capture cut
                    // short by a crash is common); the rest of the file is lost.
                    warn!("{}: stopped reading: {e}", path.display());
                    break;
                }
            }
            while let Some(b) = stream.pop() {
                runner.day(&b)?;
            }
        }
        let report = source.report();
        if report.n_malformed() > 0 {
            warn!("{}: {} malformed frames or rows skipped", path.display(), report.n_malformed());
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
        let page = crate::report::write(&args.state, &args.out, None)?;
        info!(page = %page.display(), "report written");
    }
    if !quiet {
        println!(
            "{} day(s) processed, {} skipped; state in {}, outputs and report in {}",
            runner.n_done,
            runner.n_skipped,
            args.state.display(),
            args.out.display()
        );
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

/// The preset (paper by default) with the configuration file laid over it.
fn resolve_config(preset: Option<PresetArg>, file: Option<&Path>) -> Result<(Config, Preset)> {
    let preset: Preset = preset.map_or(Preset::Paper, Into::into);
    let mut config = Config::preset(preset);
    if let Some(f) = file {
        config = config.overlay_file(f)?;
    }
    Ok((config, preset))
}

/// Prints a configuration as TOML.
pub fn print_config(args: &ConfigArgs) -> Result<()> {
    let config = match &args.state {
        Some(dir) => StateDir::new(dir).read_meta()?.config,
        None => resolve_config(args.preset, args.config.as_deref())?.0,
    };
    let checked = config.check()?;
    print!("# darkdca configuration, hash {}\n{}", checked.hash(), checked.to_toml_string());
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
        let mut observer = BarObserver { bar: &self.bar };
        let result =
            self.pipeline.process_batch_observed(&b.batch, Some(&b.activity), &mut observer)?;
        self.pipeline.save()?;
        output::write_day(&self.args.out, &result, self.formats)?;
        let t = &result.stats.timings_ms;
        info!(
            day = %result.day,
            corpus_ms = t.corpus, embed_ms = t.embed, cluster_ms = t.cluster,
            metrics_ms = t.metrics, track_ms = t.track, profile_ms = t.profile,
            "day processed"
        );
        if !self.quiet {
            self.bar.suspend(|| print!("{}", summary::day(&result)));
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
