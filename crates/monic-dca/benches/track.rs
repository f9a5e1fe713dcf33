//! One batch's analysis (transitions, emergence, novelty, lineages) with one million
//! members in 5,000 clusters per batch and 365 batches of history.
//!
//! The history is built once per hasher by pushing 365 synthetic batches (this takes a
//! few minutes each and about 2.7 GiB); the measured routine is `Tracker::analyse` of
//! batch 366, which does everything `push` does except recording the batch. Two
//! trackers are measured, one after the other: member ids hashed with std's
//! `RandomState` (the default) and with `FastHashBuilder`. Set `MONIC_BENCH_BATCHES`
//! to build a shorter history and `MONIC_BENCH_HASHER=std|fast` to run one of them.
//!
//! Synthetic batches: member ids slide by 20,000 a batch over a window of 1,000,000
//! (2 % churn a day, members live 50 batches); groups of 200 consecutive ids form the
//! clusters; one member in 20 is noise on any given day; one group in 50 is silent on
//! any given day and comes back the next (re-identified), and the 100 groups entering
//! the window each day are novel.
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a benchmark reports its setup")]

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hash::{BuildHasher, RandomState};

use monic_dca::{FastHashBuilder, Params, Partition, Tracker};

const WINDOW: u64 = 1_000_000;
const SHIFT: u64 = 20_000;
const GROUP: u64 = 200;

fn batch(b: u64) -> Partition<u64> {
    let start = b * SHIFT;
    let labels = (start..start + WINDOW).filter_map(move |m| {
        let group = m / GROUP;
        if (group + b).is_multiple_of(50) {
            return None; // silent group today
        }
        let noise = (m.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ b).wrapping_mul(0xff51_afd7_ed55_8ccd)
            >> 59
            == 0;
        let label = (!noise).then_some((group % (WINDOW / GROUP)) as u32);
        Some((m, label))
    });
    Partition::from_labels(labels).expect("synthetic members are distinct")
}

fn history<S: BuildHasher + Default>(n_batches: u64) -> Tracker<u64, S> {
    let mut tracker = Tracker::<u64, S>::with_hasher(Params::paper());
    let (cpu0, t0) = (cpu_seconds(), Instant::now());
    let mut last = Vec::new();
    for b in 0..n_batches {
        let p = batch(b);
        let t = Instant::now();
        let a = tracker.push(b, p).expect("increasing batches");
        last.push(t.elapsed().as_secs_f64());
        if b + 1 == n_batches {
            eprintln!(
                "batch {b}: {} survived, {} emerged ({} novel, {} re-identified), {} inactive",
                a.counts.survived,
                a.counts.emerged,
                a.counts.novel,
                a.counts.reidentified,
                a.counts.inactive
            );
        }
    }
    let tail = &last[last.len().saturating_sub(10)..];
    let cpu = cpu_seconds().zip(cpu0).map_or(f64::NAN, |(b, a)| b - a);
    eprintln!(
        "history of {n_batches} batches built in {:.1} s wall, {cpu:.1} s CPU; \
         push of the last {} batches: mean {:.3} s wall",
        t0.elapsed().as_secs_f64(),
        tail.len(),
        tail.iter().sum::<f64>() / tail.len() as f64
    );
    if let Ok(statm) = std::fs::read_to_string("/proc/self/statm") {
        let pages: u64 = statm.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        eprintln!("resident memory after setup: {} MiB", pages * 4096 / (1 << 20));
    }
    tracker
}

fn bench_hasher<S: BuildHasher + Default>(c: &mut Criterion, name: &str, n_batches: u64) {
    let tracker = history::<S>(n_batches);
    let next = batch(n_batches);
    let mut group = c.benchmark_group("track");
    group.sample_size(10);
    let id = format!("analyse_1M_members_5000_clusters_{n_batches}_batches_{name}");
    group.bench_function(id, |b| {
        b.iter(|| black_box(tracker.analyse(n_batches, black_box(&next)).expect("valid")));
    });
    group.finish();

    // The machine is shared: report CPU time beside criterion's wall time.
    let (cpu0, t0) = (cpu_seconds(), Instant::now());
    for _ in 0..10 {
        black_box(tracker.analyse(n_batches, &next).expect("valid"));
    }
    if let (Some(a), Some(b)) = (cpu0, cpu_seconds()) {
        eprintln!(
            "{name}: 10 analyses, CPU {:.3} s each, wall {:.3} s each",
            (b - a) / 10.0,
            t0.elapsed().as_secs_f64() / 10.0
        );
    }
}

/// User plus system CPU time of this process, from `/proc/self/stat` (Linux only).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which ends with ')'): utime and stime are the
    // 12th and 13th, in clock ticks of 1/100 s on Linux.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn bench_track(c: &mut Criterion) {
    let n_batches =
        std::env::var("MONIC_BENCH_BATCHES").ok().and_then(|s| s.parse().ok()).unwrap_or(365);
    let which = std::env::var("MONIC_BENCH_HASHER").unwrap_or_default();
    if which.is_empty() || which == "std" {
        bench_hasher::<RandomState>(c, "std_hasher", n_batches);
    }
    if which.is_empty() || which == "fast" {
        bench_hasher::<FastHashBuilder>(c, "fast_hasher", n_batches);
    }
}

criterion_group!(benches, bench_track);
criterion_main!(benches);
