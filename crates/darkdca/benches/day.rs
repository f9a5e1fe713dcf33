//! One simulated day through every stage: time and peak memory per stage.
//!
//! The day is day 0 and day 1 of the simulator's `standard` scenario (about
//! 8,000 active senders and 1.5 million packets a day), written to a pcap
//! first so that reading is measured too. Day 0 is a cold start (the model
//! is trained from scratch), day 1 a warm update, the daily case.
//!
//! Peak memory per stage is the process's resident high-water mark
//! (`VmHWM`), reset at the start of each stage through
//! `/proc/self/clear_refs` (Linux); elsewhere it is not reported.
//!
//! Run with `cargo bench -p darkdca --bench day`; a criterion measurement
//! of the small scenario's day follows the one-shot table. The environment
//! variable `DARKDCA_BENCH_THREADS` sets the embedding's worker threads
//! (default 1, the presets' deterministic setting), and
//! `DARKDCA_BENCH_PRESET` the preset (`paper` by default, the settings of
//! the figures in docs/benchmarks/pipeline.md; `recommended` is the
//! command's default).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark reports on the terminal"
)]

use std::path::Path;
use std::time::Instant;

use criterion::Criterion;
use darkdca::input::{CsvChoice, DayBatch, DayStream, RecordSource};
use darkdca::trace::{PcapWriter, WriterOptions};
use darkdca::{Config, Observer, Pipeline, Preset, Stage};
use darkdca_sim::{Scenario, Simulation};

/// Peak resident memory since the last reset, in MiB.
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU time (user + system) of the process so far, in milliseconds
/// (Linux, from `/proc/self/stat`, 100 ticks a second).
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the whole line.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0)
}

/// Resets the peak to the current resident size.
fn reset_peak() {
    // Not available everywhere; the figures then show the process peak.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Records the peak memory of each stage.
#[derive(Default)]
struct Peaks {
    current: Option<(Stage, Option<f64>)>,
    /// Stage, peak MiB, CPU milliseconds.
    peaks: Vec<(Stage, Option<f64>, Option<f64>)>,
}

impl Peaks {
    fn close(&mut self) {
        if let Some((s, cpu0)) = self.current.take() {
            let cpu = cpu_ms().zip(cpu0).map(|(b, a)| b - a);
            self.peaks.push((s, peak_mib(), cpu));
        }
    }
}

impl Observer for Peaks {
    fn stage_started(&mut self, _day: &str, stage: Stage) {
        self.close();
        reset_peak();
        self.current = Some((stage, cpu_ms()));
    }
}

fn write_day(sim: &Simulation, day: u32, path: &Path) -> u64 {
    let file = std::io::BufWriter::new(std::fs::File::create(path).expect("temp file"));
    let mut w = PcapWriter::new(file, WriterOptions::default()).expect("pcap header");
    let mut n = 0;
    for r in sim.day_stream(day).expect("day of the scenario") {
        w.write_record(&r).expect("record");
        n += 1;
    }
    w.finish().expect("flush");
    n
}

fn read_day(path: &Path, config: &Config) -> DayBatch {
    let mut stream = DayStream::new(config, 3_600_000_000_000).expect("stream");
    for r in RecordSource::open(path, &CsvChoice::Auto).expect("pcap") {
        stream.push(&r.expect("record"));
    }
    let mut days = stream.finish();
    assert_eq!(days.len(), 1, "one day per capture");
    days.remove(0)
}

fn full_scale() {
    let scenario = Scenario::preset("standard").expect("preset");
    let sim = Simulation::new(&scenario).expect("scenario");
    let dir = tempfile::tempdir().expect("temp dir");
    let preset: Preset = std::env::var("DARKDCA_BENCH_PRESET")
        .ok()
        .map_or(Preset::Paper, |p| p.parse().expect("DARKDCA_BENCH_PRESET names a preset"));
    let mut config = Config::preset(preset);
    let threads =
        std::env::var("DARKDCA_BENCH_THREADS").ok().and_then(|t| t.parse().ok()).unwrap_or(1);
    config.embedding.threads = threads;
    let mut pipeline =
        Pipeline::new(config.clone().check().expect("preset config")).expect("pipeline");
    println!(
        "one simulated day, preset {preset} (standard scenario), {threads} embedding thread(s)"
    );
    println!("| day | stage | wall (ms) | CPU (ms) | peak RSS (MiB) |");
    println!("| --- | --- | ---: | ---: | ---: |");
    for day in 0..2 {
        let path = dir.path().join(format!("day-{day}.pcap"));
        let n_written = write_day(&sim, day, &path);

        reset_peak();
        let clock = Instant::now();
        let cpu0 = cpu_ms();
        let batch = read_day(&path, &config);
        let read_ms = clock.elapsed().as_secs_f64() * 1e3;
        let read_cpu = cpu_ms().zip(cpu0).map(|(b, a)| b - a);
        let read_peak = peak_mib();

        let mut peaks = Peaks::default();
        let clock = Instant::now();
        let r = pipeline
            .process_batch_observed(&batch.batch, Some(&batch.activity), &mut peaks)
            .expect("day");
        let total_ms = read_ms + clock.elapsed().as_secs_f64() * 1e3;
        peaks.close();

        let label = if day == 0 { "0 (cold)" } else { "1 (warm)" };
        let num = |p: Option<f64>| p.map_or("-".to_owned(), |m| format!("{m:.0}"));
        println!(
            "| {label} | read + batch | {read_ms:.0} | {} | {} |",
            num(read_cpu),
            num(read_peak)
        );
        let t = &r.stats.timings_ms;
        let times = [t.corpus, t.embed, t.cluster, t.metrics, t.track, t.profile];
        for ((stage, peak, cpu), ms) in peaks.peaks.iter().zip(times) {
            println!("| {label} | {} | {ms:.0} | {} | {} |", stage.name(), num(*cpu), num(*peak));
        }
        let total_cpu: f64 = peaks.peaks.iter().filter_map(|p| p.2).chain(read_cpu).sum();
        let max_peak = peaks.peaks.iter().filter_map(|p| p.1).chain(read_peak).fold(0.0, f64::max);
        println!(
            "| {label} | **whole day** ({n_written} packets, {} active, {} clusters) | **{total_ms:.0}** | **{total_cpu:.0}** | **{max_peak:.0}** |",
            r.stats.n_active, r.stats.n_clusters
        );
    }
}

fn small_day(c: &mut Criterion) {
    let scenario = Scenario::preset("small").expect("preset");
    let sim = Simulation::new(&scenario).expect("scenario");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("day-0.pcap");
    write_day(&sim, 0, &path);
    let config = Config::preset(Preset::Paper);
    c.bench_function("small_scenario_day_cold", |b| {
        b.iter(|| {
            let batch = read_day(&path, &config);
            let mut p = Pipeline::new(config.clone().check().expect("config")).expect("pipeline");
            std::hint::black_box(p.process_batch(&batch).expect("day"))
        });
    });
}

fn main() {
    full_scale();
    let mut c = Criterion::default().sample_size(10).configure_from_args();
    small_day(&mut c);
    c.final_summary();
}
