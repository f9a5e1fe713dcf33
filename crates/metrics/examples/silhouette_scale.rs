//! Times one cosine silhouette on synthetic embeddings, for peak-memory runs:
//!
//! ```text
//! /usr/bin/time -v target/release/examples/silhouette_scale 50000 600 [cosine|euclidean] [repeats]
//! ```
//!
//! Prints the best elapsed time over the repeats and the score (comparable with
//! docs/scripts/metrics_bench.py, which builds the same data).

#![allow(clippy::print_stdout, reason = "an example reports on stdout")]

use std::time::Instant;

use darkdca_metrics::{Metric, silhouette};

#[path = "../benches/data/mod.rs"]
mod data;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().as_deref().unwrap_or("8000").parse()?;
    let k: usize = args.next().as_deref().unwrap_or("60").parse()?;
    let metric = match args.next().as_deref() {
        Some("euclidean") => Metric::Euclidean,
        _ => Metric::Cosine,
    };
    let repeats: usize = args.next().as_deref().unwrap_or("1").parse()?;
    let (x, labels) = data::blobs(n, 200, k, 1.0);
    let mut best = f64::INFINITY;
    let mut score = f64::NAN;
    for _ in 0..repeats.max(1) {
        let start = Instant::now();
        score = silhouette(x.view(), &labels, metric)?.score;
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "n={n} k={k} d=200 metric={metric:?} repeats={repeats} best_seconds={best:.4} score={score:.9}"
    );
    Ok(())
}
