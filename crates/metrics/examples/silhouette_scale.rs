//! Times one cosine silhouette on synthetic embeddings, for peak-memory runs:
//!
//! ```text
//! /usr/bin/time -v target/release/examples/silhouette_scale 50000 600 [cosine|euclidean]
//! ```
//!
//! Prints the elapsed time and the score (comparable with
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
    let (x, labels) = data::blobs(n, 200, k, 1.0);
    let start = Instant::now();
    let sil = silhouette(x.view(), &labels, metric)?;
    let elapsed = start.elapsed();
    println!(
        "n={n} k={k} d=200 metric={metric:?} seconds={:.4} score={:.9}",
        elapsed.as_secs_f64(),
        sil.score
    );
    Ok(())
}
