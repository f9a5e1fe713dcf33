//! HDBSCAN (cosine, `min_cluster_size` 10) on 8,000, 20,000 and 50,000
//! seeded vectors of 200 dimensions, beside the floor: one exact all-pairs
//! cosine pass over the same vectors; at 8,000 also vectors without
//! cluster structure.
//!
//! `cargo bench -p darkdca-hdbscan --bench hdbscan`; add a filter such as
//! `-- /8000` to run one size.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use darkdca_hdbscan::{Metric, Params};

#[path = "support/data.rs"]
mod data;

fn bench(c: &mut Criterion) {
    let model = Params::new(10).metric(Metric::Cosine).build().expect("valid params");
    let mut group = c.benchmark_group("hdbscan_cosine_200d");
    group.sample_size(10);
    for n in [8_000, 20_000, 50_000] {
        let x = data::blobs(n, 200, 42);
        if n > 8_000 {
            group.measurement_time(Duration::from_secs(1));
            group.warm_up_time(Duration::from_millis(1));
        }
        group.bench_with_input(BenchmarkId::new("all_pairs_floor", n), &x, |b, x| {
            b.iter(|| black_box(data::floor(x)));
        });
        group.bench_with_input(BenchmarkId::new("hdbscan", n), &x, |b, x| {
            b.iter(|| black_box(model.fit(x.view()).expect("finite input")));
        });
        if n == 8_000 {
            // No cluster structure: the neighbour lists prove every edge.
            let y = data::scattered(n, 200, 42);
            group.bench_with_input(BenchmarkId::new("hdbscan_scattered", n), &y, |b, y| {
                b.iter(|| black_box(model.fit(y.view()).expect("finite input")));
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
