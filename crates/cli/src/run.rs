//! `darkdca run` and `darkdca config`.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use darkdca::day::batch_id_of;
use darkdca::input::{CsvChoice, DayBatch, DayStream, RecordSource};
use darkdca::output::{self, Formats};
use darkdca::result::InputIssue;
use darkdca::state::{DayEntry, StateDir, StateLock};
use darkdca::trace::{CsvLayout, Malformed};
use darkdca::{Config, Error, GroundTruth, Observer, Pipeline, Preset, Stage};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tracing::{info, warn};

use crate::cli::{ConfigArgs, CsvLayoutArg, FormatArg, PresetArg, RunArgs};
use crate::inputs::BadCapture;
use crate::{inputs, summary};

/// Runs the pipeline over the captures.
pub fn run(args: &RunArgs, quiet: bool) -> Result<()> {
    let skip = inputs::Skip::new(&args.state, &args.out, &args.labels);
    let files = inputs::expand(&args.captures, &skip)?;
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
        unplaced: Vec::new(),
    };

    let seconds = runner.pipeline.config().trace.batch_seconds;
    let max_disorder = i64::from(args.max_disorder) * 1_000_000_000;
    // A record jumping further than the disorder tolerance from its file's
    // neighbours and back is a timestamp outlier; at least a minute, so
    // that `--max-disorder 0` does not take every change of time for one.
    let max_jump = max_disorder.max(MIN_TIME_JUMP_NS);
    let mut stream = DayStream::new(runner.pipeline.config(), max_disorder)?;
    let mut totals = InputTotals::default();
    for path in &files {
        bar.set_message(format!("reading {}", path.display()));
        let mut source = match RecordSource::open(path, &csv) {
            Ok(source) => source.max_time_jump_ns(Some(max_jump)),
            Err(e) if args.allow_partial => {
                // Nothing of the file is read; the next day lists it.
                let message = match &e {
                    Error::Trace { source } => source.to_string(),
                    other => other.to_string(),
                };
                warn!("skipped: {message}");
                runner.unplaced.push(InputIssue {
                    file: path.display().to_string(),
                    error: Some(message),
                    n_malformed: 0,
                    n_records: 0,
                    n_timestamp_outliers: 0,
                    n_late: 0,
                });
                totals.n_files_skipped += 1;
                bar.inc(1);
                continue;
            }
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!(
                    "cannot read {}; rerun with --allow-partial to skip unreadable files",
                    path.display()
                )));
            }
        };
        let late_before = stream.report().n_late_dropped;
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
        totals.n_records += report.n_records;
        totals.n_outliers += report.malformed(Malformed::TimestampOutlier);
        let reasons: Vec<String> =
            report.malformed_counts().map(|(m, n)| format!("{n} {}", m.name())).collect();
        if report.n_records == 0 {
            let message = format!(
                "no records read from {} ({} frames or rows, {} malformed{}{})",
                path.display(),
                report.n_frames,
                report.n_malformed(),
                if reasons.is_empty() {
                    String::new()
                } else {
                    format!(": {}", reasons.join(", "))
                },
                error.as_deref().map(|e| format!("; {e}")).unwrap_or_default()
            );
            if !args.allow_partial {
                return Err(BadCapture(message).into());
            }
            warn!("skipped: {message}");
            runner.unplaced.push(InputIssue {
                file: path.display().to_string(),
                error: Some(error.unwrap_or(message)),
                n_malformed: report.n_malformed(),
                n_records: 0,
                n_timestamp_outliers: report.malformed(Malformed::TimestampOutlier),
                n_late: 0,
            });
            totals.n_files_skipped += 1;
            bar.inc(1);
            continue;
        }
        if report.n_malformed() > 0 {
            warn!(
                "{}: {} frames or rows skipped ({})",
                path.display(),
                report.n_malformed(),
                reasons.join(", ")
            );
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
                    n_timestamp_outliers: report.malformed(Malformed::TimestampOutlier),
                    n_late: 0,
                },
            ));
        }
        // Records of this file whose day was committed before they came:
        // that day cannot list them any more, the next one does.
        let late = stream.report().n_late_dropped - late_before;
        if late > 0 {
            warn!(
                "{}: {late} records arrived after their day was closed and were left out (see --max-disorder)",
                path.display()
            );
            runner.unplaced.push(InputIssue {
                file: path.display().to_string(),
                error: None,
                n_malformed: 0,
                n_records: report.n_records,
                n_timestamp_outliers: 0,
                n_late: late,
            });
            totals.n_late += late;
        }
        info!(file = %path.display(), records = report.n_records, "read");
        bar.inc(1);
    }
    totals.n_outside = stream.report().n_outside;
    totals.n_unchecked = stream.report().n_unchecked;
    if totals.n_unchecked > 0 {
        warn!(
            "{} of {} records have no destination address (or a pseudonymous one): the \
             telescope's prefixes ({}) cannot tell whether they were sent to it, so they are kept",
            totals.n_unchecked,
            totals.n_records,
            runner.pipeline.config().trace.telescope.join(", ")
        );
    }
    if totals.n_records == 0 {
        return Err(BadCapture(format!(
            "no records read from any of the {} input file(s)",
            files.len()
        ))
        .into());
    }
    if totals.n_outside == totals.n_records {
        // Every record was left out: the prefixes are not the telescope's.
        return Err(BadCapture(format!(
            "none of the {} records read is addressed to the telescope's prefixes ({}): \
             check trace.telescope or --telescope",
            totals.n_records,
            runner.pipeline.config().trace.telescope.join(", ")
        ))
        .into());
    }
    for b in stream.finish() {
        runner.day(&b)?;
    }
    bar.finish_and_clear();
    if !args.no_report && !runner.pipeline.days().is_empty() {
        let page = crate::report::write(&args.state, &args.out, args.title.clone())
            .with_context(|| report_failed(args, runner.pipeline.days(), runner.n_done))?;
        info!(page = %page.display(), "report written");
    }
    if !runner.unplaced.is_empty() {
        // No day was processed after these problems: the log keeps them.
        for issue in &runner.unplaced {
            warn!(
                "{}: not listed in any day: {}",
                issue.file,
                issue.error.as_deref().unwrap_or("")
            );
        }
    }
    if !quiet {
        crate::stdout(&format!(
            "{} day(s) processed, {} skipped{}; state in {}, outputs and report in {}\n",
            runner.n_done,
            runner.n_skipped,
            totals.describe(),
            args.state.display(),
            args.out.display()
        ))?;
    }
    Ok(())
}

/// What a failed report after the run's days means for the state: the
/// last `n_done` of `days` were processed and saved, only the page is
/// missing, and the command that rebuilds it.
fn report_failed(args: &RunArgs, days: &[DayEntry], n_done: usize) -> String {
    let saved = &days[days.len().saturating_sub(n_done)..];
    let done = match saved {
        [] => "no day was added to the state".to_owned(),
        [one] => format!("day {} was processed and saved in the state", one.day),
        [first, .., last] => {
            format!("days {} to {} were processed and saved in the state", first.day, last.day)
        }
    };
    let title = args.title.as_ref().map(|t| format!(" --title {t:?}")).unwrap_or_default();
    format!(
        "{done}; only the report failed: rebuild it with darkdca report --state {} --out {}{title}",
        args.state.display(),
        args.out.display(),
    )
}

/// Smallest jump in time taken for a timestamp outlier, whatever
/// `--max-disorder` says: one minute.
const MIN_TIME_JUMP_NS: i64 = 60_000_000_000;

/// What the inputs lost over the whole run, for the closing line.
#[derive(Debug, Default)]
struct InputTotals {
    n_records: u64,
    n_outliers: u64,
    n_late: u64,
    /// Records not addressed to the telescope (`trace.telescope`).
    n_outside: u64,
    /// Records kept without that check: no destination address (a flow
    /// CSV without one, or pseudonymised).
    n_unchecked: u64,
    n_files_skipped: usize,
}

impl InputTotals {
    /// `""` when nothing was lost, else `"; input: ..."`.
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.n_files_skipped > 0 {
            parts.push(format!("{} unreadable file(s) skipped", self.n_files_skipped));
        }
        if self.n_outliers > 0 {
            parts.push(format!("{} record(s) with an outlier timestamp skipped", self.n_outliers));
        }
        if self.n_late > 0 {
            parts.push(format!(
                "{} record(s) left out for arriving after their day was closed",
                self.n_late
            ));
        }
        if self.n_outside > 0 {
            parts.push(format!(
                "{} record(s) not addressed to the telescope left out",
                self.n_outside
            ));
        }
        if self.n_unchecked > 0 {
            parts.push(format!(
                "{} record(s) without a destination address kept unchecked by the telescope's \
                 prefixes",
                self.n_unchecked
            ));
        }
        if parts.is_empty() { String::new() } else { format!("; input: {}", parts.join(", ")) }
    }
}

/// Opens the state: resumed as stored when no configuration is given,
/// otherwise created or checked against the given configuration.
fn open_pipeline(args: &RunArgs) -> Result<Pipeline> {
    let exists = StateDir::new(&args.state).exists();
    if exists && args.preset.is_none() && args.config.is_none() {
        let p = Pipeline::open(&args.state)?;
        let mut config = p.config().get().clone();
        if !args.telescope.is_empty() {
            config.trace.telescope.clone_from(&args.telescope);
        }
        // Compared checked, so that the same prefixes in another order or
        // spelling resume without opening the state twice.
        let config = config.check()?;
        if config.hash() == p.config().hash() {
            info!(days = p.days().len(), "resuming state");
            return Ok(p);
        }
        // --telescope alone changes the state's own configuration, which
        // is refused once a day is committed.
        let preset = p.preset();
        drop(p);
        return Ok(Pipeline::open_or_create(&args.state, config, preset)?);
    }
    let (mut config, preset) = resolve_config(args.preset, args.config.as_deref())?;
    if !args.telescope.is_empty() {
        config.trace.telescope.clone_from(&args.telescope);
    }
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
        // Checked here as well, so that a broken rule names the file.
        config.clone().check().map_err(|e| e.in_config_file(f))?;
    }
    Ok((config, preset))
}

/// Prints a configuration as TOML.
pub fn print_config(args: &ConfigArgs) -> Result<()> {
    let (config, preset, recorded_hash) = match &args.state {
        Some(dir) => {
            let meta = StateDir::new(dir).read_meta()?;
            // States made before the default changed started from a preset
            // the command always recorded; `paper` was the default then.
            let preset = meta.preset.as_deref().and_then(|p| p.parse().ok());
            (meta.config, preset.unwrap_or(Preset::Paper), Some(meta.config_hash))
        }
        None => {
            let (config, preset) = resolve_config(args.preset, args.config.as_deref())?;
            (config, preset, None)
        }
    };
    let checked = config.check()?;
    if let Some(recorded) = recorded_hash.filter(|h| *h != checked.hash()) {
        // Printed anyway, to help repair it; `run` refuses such a state.
        warn!(
            "the state's configuration hashes to {} but its config_hash says {recorded}: it \
             was edited by hand, and `darkdca run` refuses this state",
            checked.hash()
        );
    }
    let text = checked.to_toml_string();
    // The preset line makes the file mean the same when passed back with
    // --config: optional settings left unset are not written in TOML.
    let file = |base: Preset| format!("preset = \"{base}\"\n\n{text}");
    let means_this = |base: Preset| {
        Config::from_toml_str(&file(base))
            .and_then(Config::check)
            .is_ok_and(|c| c.hash() == checked.hash())
    };
    let body = if means_this(preset) {
        file(preset)
    } else {
        // A state made before its preset set an option the state leaves
        // unset: over that preset the file would set it. `paper` leaves
        // every option unset, and every other field is written.
        format!(
            "# made with preset \"{preset}\" as it was then; written over \"{paper}\", which \
             sets no optional field, so that\n# this file means the state's configuration\n{}",
            file(Preset::Paper),
            paper = Preset::Paper,
        )
    };
    crate::stdout(&format!("# darkdca configuration, hash {}\n{body}", checked.hash()))?;
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
    /// Input problems no day can be told from (a file skipped, records
    /// late for a day already committed): listed by the next day processed.
    unplaced: Vec<InputIssue>,
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
        let mut issues: Vec<InputIssue> = self
            .issues
            .iter()
            .filter(|(lo, hi, _)| (*lo..=*hi).contains(&id))
            .map(|(_, _, i)| i.clone())
            .collect();
        issues.append(&mut self.unplaced);
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
            let fell_silent: Vec<u64> = self
                .pipeline
                .novelty_candidates()
                .iter()
                .filter(|c| c.silent_since == Some(result.batch_id))
                .map(|c| c.lineage)
                .collect();
            self.bar.suspend(|| crate::stdout(&summary::day(&result, &fell_silent)))?;
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

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;
    use std::path::{Path, PathBuf};

    use clap::Parser;
    use darkdca::trace::{Addr, PacketRecord, PcapWriter, WriterOptions, proto, tcp_flags};

    use super::*;
    use crate::cli::{Cli, Command};

    const DAY_NS: i64 = 86_400_000_000_000;
    /// 2026-01-01.
    const DAY0: i64 = 20_454;

    /// Two groups of 12 senders probing their own port, one packet a
    /// second from the start of day `d`.
    fn day(d: i64) -> Vec<PacketRecord> {
        (0..144i64)
            .map(|k| PacketRecord {
                ts_ns: (DAY0 + d) * DAY_NS + (k + 1) * 1_000_000_000,
                src: Addr::V4(Ipv4Addr::new(10, (k % 2) as u8 + 1, 0, ((k / 2) % 12) as u8)),
                dst: Some(Addr::V4(Ipv4Addr::new(192, 0, 2, 1))),
                proto: proto::TCP,
                src_port: Some(40_000),
                dst_port: Some(if k % 2 == 0 { 22 } else { 445 }),
                tcp_flags: Some(tcp_flags::SYN),
                tcp_seq: Some(1),
                len: 40,
                count: 1,
                mirai_label: None,
            })
            .collect()
    }

    fn write_pcap(path: &Path, records: &[PacketRecord]) {
        let file = std::fs::File::create(path).unwrap();
        let mut w = PcapWriter::new(file, WriterOptions::default()).unwrap();
        for r in records {
            w.write_record(r).unwrap();
        }
        w.finish().unwrap();
    }

    /// Runs `darkdca run` quietly on `inputs` with a small configuration.
    fn run_on(dir: &Path, inputs: &[PathBuf], extra: &[&str]) -> Result<()> {
        let small = dir.join("small.toml");
        std::fs::write(
            &small,
            "[embedding]\nvector_size = 16\nbootstrap_epochs = 3\nepochs = 2\nthreads = 1\n",
        )?;
        let mut argv: Vec<String> = vec!["darkdca".into(), "run".into()];
        argv.extend(inputs.iter().map(|p| p.display().to_string()));
        for (k, v) in [("--state", dir.join("state")), ("--out", dir.join("out"))] {
            argv.extend([k.to_string(), v.display().to_string()]);
        }
        argv.extend(["--config".into(), small.display().to_string(), "--no-report".into()]);
        argv.extend(extra.iter().map(|s| (*s).to_string()));
        let Command::Run(args) = Cli::try_parse_from(argv)?.command else {
            unreachable!("a run command was parsed")
        };
        run(&args, true)
    }

    fn day_json(dir: &Path, day: &str) -> serde_json::Value {
        let path = dir.join(format!("out/days/{day}.json"));
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    fn days_done(dir: &Path) -> Vec<String> {
        let mut days: Vec<String> = std::fs::read_dir(dir.join("out/days"))
            .unwrap()
            .filter_map(|e| {
                e.unwrap().file_name().to_str()?.strip_suffix(".json").map(String::from)
            })
            .collect();
        days.sort();
        days
    }

    #[test]
    fn an_outlier_packet_neither_cuts_a_day_nor_invents_one() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        for odd_day in [1_461, -9_000] {
            let _ = std::fs::remove_dir_all(dir.join("state"));
            let _ = std::fs::remove_dir_all(dir.join("out"));
            let mut recs = day(0);
            recs[70].ts_ns = (DAY0 + odd_day) * DAY_NS; // 2030 or 2001
            write_pcap(&dir.join("a.pcap"), &recs);
            write_pcap(&dir.join("b.pcap"), &day(1));
            run_on(dir, &[dir.join("a.pcap")], &[]).unwrap();
            assert_eq!(days_done(dir), vec!["2026-01-01"]);
            let json = day_json(dir, "2026-01-01");
            let issue = &json["stats"]["input_issues"][0];
            assert_eq!(issue["n_malformed"], 1, "{json}");
            assert_eq!(issue["n_timestamp_outliers"], 1, "{json}");
            assert_eq!(issue["n_records"], 143, "{json}");
            // The next real day is not refused.
            run_on(dir, &[dir.join("b.pcap")], &[]).unwrap();
            assert_eq!(days_done(dir), vec!["2026-01-01", "2026-01-02"]);
        }
    }

    #[test]
    fn empty_files_stop_the_run_unless_partial_input_is_allowed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let caps = dir.join("caps");
        std::fs::create_dir_all(&caps).unwrap();
        write_pcap(&caps.join("a.pcap"), &day(0));
        std::fs::write(caps.join("b.pcap"), b"").unwrap();
        write_pcap(&caps.join("c.pcap"), &[]);
        let err = run_on(dir, std::slice::from_ref(&caps), &[]).unwrap_err();
        assert!(format!("{err:#}").contains("b.pcap"), "{err:#}");
        assert!(format!("{err:#}").contains("--allow-partial"), "{err:#}");
        run_on(dir, &[caps], &["--allow-partial"]).unwrap();
        assert_eq!(days_done(dir), vec!["2026-01-01"]);
        let json = day_json(dir, "2026-01-01");
        let issues = json["stats"]["input_issues"].as_array().unwrap();
        let files: Vec<&str> = issues.iter().map(|i| i["file"].as_str().unwrap()).collect();
        assert!(files.len() == 2 && files[0].ends_with("b.pcap"), "{json}");
        assert!(files[1].ends_with("c.pcap"), "{json}");
        assert!(issues[0]["error"].as_str().unwrap().contains("truncated"), "{json}");
    }

    #[test]
    fn only_unreadable_files_are_bad_input_even_when_allowed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("b.pcap"), b"").unwrap();
        let err = run_on(dir, &[dir.join("b.pcap")], &["--allow-partial"]).unwrap_err();
        assert!(err.downcast_ref::<BadCapture>().is_some(), "{err:#}");
    }

    #[test]
    fn records_late_for_a_committed_day_are_listed_by_the_next_day() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write_pcap(&dir.join("d0.pcap"), &day(0));
        write_pcap(&dir.join("d2.pcap"), &day(2));
        write_pcap(&dir.join("late.pcap"), &day(0)[..10]);
        let inputs = ["d0.pcap", "d2.pcap", "late.pcap"].map(|f| dir.join(f));
        run_on(dir, &inputs, &[]).unwrap();
        assert_eq!(days_done(dir), vec!["2026-01-01", "2026-01-03"]);
        let json = day_json(dir, "2026-01-03");
        let issue = &json["stats"]["input_issues"][0];
        assert!(issue["file"].as_str().unwrap().ends_with("late.pcap"), "{json}");
        assert_eq!(issue["n_late"], 10, "{json}");
        assert!(issue.get("error").is_none() && issue.get("n_timestamp_outliers").is_none());
    }

    #[test]
    fn the_closing_line_names_what_the_inputs_lost() {
        assert_eq!(InputTotals::default().describe(), "");
        let t = InputTotals {
            n_records: 5,
            n_outliers: 2,
            n_late: 3,
            n_outside: 4,
            n_unchecked: 6,
            n_files_skipped: 1,
        };
        assert_eq!(
            t.describe(),
            "; input: 1 unreadable file(s) skipped, 2 record(s) with an outlier timestamp \
             skipped, 3 record(s) left out for arriving after their day was closed, 4 \
             record(s) not addressed to the telescope left out, 6 record(s) without a \
             destination address kept unchecked by the telescope's prefixes"
        );
    }
}
