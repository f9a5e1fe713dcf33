//! Simulator throughput: packets per second of a day's in-memory stream and
//! of a day written as pcap into memory, and the cost of planning.
//!
//! `cargo bench -p darkdca-sim --bench generate`; figures in
//! `docs/benchmarks/sim.md`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use darkdca_sim::{Scenario, Simulation};
use darkdca_trace::{PcapWriter, WriterOptions};

fn stream(c: &mut Criterion) {
    let mut g = c.benchmark_group("day_stream");
    g.sample_size(10);
    for name in ["standard", "large"] {
        let sim = Simulation::new(&Scenario::preset(name).unwrap()).unwrap();
        let n = sim.truth(0).unwrap().n_packets;
        g.throughput(Throughput::Elements(n));
        g.bench_function(name, |b| {
            b.iter(|| sim.day_stream(0).unwrap().fold(0i64, |acc, p| acc ^ black_box(p.ts_ns)));
        });
    }
    g.finish();
}

fn pcap(c: &mut Criterion) {
    let mut g = c.benchmark_group("day_pcap_in_memory");
    g.sample_size(10);
    let sim = Simulation::new(&Scenario::preset("standard").unwrap()).unwrap();
    let n = sim.truth(0).unwrap().n_packets;
    g.throughput(Throughput::Elements(n));
    g.bench_function("standard", |b| {
        b.iter(|| {
            let mut w =
                PcapWriter::new(Vec::with_capacity(128 << 20), WriterOptions::default()).unwrap();
            for p in sim.day_stream(0).unwrap() {
                w.write_record(&p).unwrap();
            }
            black_box(w.finish().unwrap().len())
        });
    });
    g.finish();
}

fn plan(c: &mut Criterion) {
    let mut g = c.benchmark_group("plan");
    g.sample_size(10);
    for name in ["standard", "large"] {
        let s = Scenario::preset(name).unwrap();
        g.bench_function(name, |b| b.iter(|| black_box(Simulation::new(&s).unwrap().n_days())));
    }
    g.finish();
}

criterion_group!(benches, stream, pcap, plan);
criterion_main!(benches);
