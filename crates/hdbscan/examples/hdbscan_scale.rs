//! Times one fit on seeded Gaussian blobs and reports peak memory.
//!
//! ```text
//! cargo run --release -p darkdca-hdbscan --example hdbscan_scale -- 8000 \
//!     [--floor] [--write PATH] [--labels PATH] [--threads N] [--scattered]
//! ```
//!
//! `--floor` times one exact all-pairs cosine pass instead (products in
//! blocks, the nearest other point per row kept); `--write` stores the
//! vectors as little-endian `f32` rows for the Python comparison script;
//! `--labels` writes the labels, one per line; `--scattered` uses vectors
//! without cluster structure.
#![allow(clippy::print_stdout, clippy::print_stderr)] // A command-line measurement tool.

use std::time::Instant;

use darkdca_hdbscan::{Metric, Params};

#[path = "../benches/support/data.rs"]
mod data;
use data::{blobs, floor};

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN);
    kib / 1024.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).map_or(Ok(8000), |s| s.parse())?;
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1));
    if let Some(threads) = flag("--threads") {
        rayon::ThreadPoolBuilder::new().num_threads(threads.parse()?).build_global()?;
    }
    let mut x = blobs(n, 200, 42);
    if args.iter().any(|a| a == "--scattered") {
        // Every row drawn like the scattered rows: no cluster structure.
        x = data::scattered(n, 200, 42);
    }
    if let Some(path) = flag("--write") {
        let bytes: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(path, bytes)?;
        println!("wrote {n} x 200 f32 to {path}");
        return Ok(());
    }
    let rss_before = peak_rss_mib();
    let start = Instant::now();
    if args.iter().any(|a| a == "--floor") {
        let total = floor(&x);
        println!(
            "floor n={n} time={:.3}s peak_rss={:.0}MiB (input {:.0}MiB) check={total:.3}",
            start.elapsed().as_secs_f64(),
            peak_rss_mib(),
            rss_before
        );
        return Ok(());
    }
    let model = Params::new(10).metric(Metric::Cosine).build()?;
    let c = model.fit(x.view())?;
    let noise = c.labels.iter().filter(|&&l| l < 0).count();
    if let Some(path) = flag("--labels") {
        let text: String = c.labels.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(path, text)?;
    }
    println!(
        "hdbscan n={n} time={:.3}s peak_rss={:.0}MiB (after input {:.0}MiB) \
         clusters={} noise={noise} stats={:?}",
        start.elapsed().as_secs_f64(),
        peak_rss_mib(),
        rss_before,
        c.n_clusters(),
        c.stats
    );
    Ok(())
}
