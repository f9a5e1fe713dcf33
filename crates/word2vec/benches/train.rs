//! Training speed in words per second: vector size 200, window 5, negative
//! 5, one epoch, on 1 and 2 threads, for planted corpora with vocabularies of
//! 8,000 and 50,000 tokens. Criterion measures the training passes only (as
//! gensim's `train()` does), from the elapsed time in `TrainStats`.

#![allow(missing_docs)]

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use darkdca_word2vec::{Model, Params};

#[path = "../tests/common/planted.rs"]
mod planted;

use planted::bench_spec;

fn train(c: &mut Criterion) {
    let mut group = c.benchmark_group("train_words");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    for n_tokens in [8_000u32, 50_000] {
        let corpus = bench_spec(n_tokens).generate(0);
        let n_words: usize = corpus.iter().map(Vec::len).sum();
        group.throughput(Throughput::Elements(n_words as u64));
        for threads in [1usize, 2] {
            let params =
                Params::builder().epochs(1).threads(threads).seed(1).build().expect("valid params");
            let (mut model, _) = Model::train(&params, &corpus).expect("corpus trains");
            group.bench_with_input(
                BenchmarkId::new(format!("vocab{n_tokens}"), threads),
                &threads,
                |b, _| {
                    b.iter_custom(|iters| {
                        (0..iters)
                            .map(|_| model.update(&corpus).expect("update trains").elapsed)
                            .sum()
                    });
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, train);
criterion_main!(benches);
