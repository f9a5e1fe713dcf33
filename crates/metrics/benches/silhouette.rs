//! Silhouette speed at the sizes: 8,000 and 50,000 embeddings of 200
//! dimensions in about 60 and 600 clusters (cosine), plus a small euclidean
//! case. Figures are recorded in docs/benchmarks/metrics.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use darkdca_metrics::{Metric, adjusted_mutual_info, adjusted_rand_index, silhouette};

mod data;

fn cosine(c: &mut Criterion) {
    let mut group = c.benchmark_group("silhouette_cosine");
    group.sample_size(20).measurement_time(Duration::from_secs(10));
    for (n, k) in [(8_000, 60), (50_000, 600)] {
        let (x, labels) = data::blobs(n, 200, k, 1.0);
        group.bench_with_input(BenchmarkId::new(format!("d200_k{k}"), n), &n, |b, _| {
            b.iter(|| silhouette(black_box(x.view()), black_box(&labels), Metric::Cosine))
        });
    }
    group.finish();
}

fn euclidean(c: &mut Criterion) {
    let mut group = c.benchmark_group("silhouette_euclidean");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    let (n, k) = (8_000, 60);
    let (x, labels) = data::blobs(n, 200, k, 1.0);
    group.bench_with_input(BenchmarkId::new(format!("d200_k{k}"), n), &n, |b, _| {
        b.iter(|| silhouette(black_box(x.view()), black_box(&labels), Metric::Euclidean))
    });
    group.finish();
}

fn agreement(c: &mut Criterion) {
    let mut group = c.benchmark_group("agreement");
    group.sample_size(10);
    let n = 50_000usize;
    let a: Vec<usize> = (0..n).map(|i| i % 600).collect();
    let b: Vec<usize> = (0..n).map(|i| (i * 7 + i / 13) % 500).collect();
    group.bench_function("ari_n50000", |bench| {
        bench.iter(|| adjusted_rand_index(black_box(&a), black_box(&b)))
    });
    group.bench_function("ami_n50000_600x500", |bench| {
        bench.iter(|| adjusted_mutual_info(black_box(&a), black_box(&b)))
    });
    group.finish();
}

criterion_group!(benches, cosine, euclidean, agreement);
criterion_main!(benches);
