//! Parsing speed: a capture of small packets, from the page cache, into
//! daily sender statistics, compared with merely reading its bytes.
//!
//! The capture is generated once with `PcapWriter` into
//! `$TMPDIR/darkdca-trace-bench/` (never the repository) and reused by later
//! runs. Its size is `DARKDCA_TRACE_BENCH_BYTES` (default 1 GiB, the figure
//! the issue asks for). Every benchmark reports packets per second
//! (criterion's "elem/s"), so the ratio of the two numbers is the share of
//! raw read speed that parsing keeps.
//!
//! Run: `cargo bench -p darkdca-trace --bench parse`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use darkdca_trace::{
    Addr, BatchParams, Batcher, CaptureReader, DAY_NS, PacketRecord, PcapWriter, Prefix,
    WriterOptions, proto,
};

/// Bytes per packet on disk: 16-byte record header + 14 Ethernet + 40 IP/TCP.
const PACKET_BYTES: u64 = 16 + 54;

/// SplitMix64, enough for a reproducible synthetic day.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Distinct senders in the synthetic day (`DARKDCA_TRACE_BENCH_SENDERS`,
/// default 200,000).
fn n_senders() -> u64 {
    std::env::var("DARKDCA_TRACE_BENCH_SENDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000)
        .max(1)
}

fn target_bytes() -> u64 {
    std::env::var("DARKDCA_TRACE_BENCH_BYTES").ok().and_then(|v| v.parse().ok()).unwrap_or(1 << 30)
}

/// Writes (once) a capture of about `bytes` bytes spread over two UTC days:
/// `n_senders()` senders with skewed activity, 40-byte TCP SYNs (a few UDP and
/// Mirai-like) to a /16 telescope, 1,000 ports with a skewed choice, plus 2 %
/// of packets from the telescope outward (to be filtered).
fn capture(bytes: u64) -> (PathBuf, u64) {
    let dir = std::env::temp_dir().join("darkdca-trace-bench");
    std::fs::create_dir_all(&dir).expect("bench directory");
    let n_packets = (bytes.saturating_sub(24)) / PACKET_BYTES;
    let senders = n_senders();
    let path = dir.join(format!("small-packets-{n_packets}-{senders}.pcap"));
    let want = 24 + n_packets * PACKET_BYTES;
    if std::fs::metadata(&path).ok().map(|m| m.len()) == Some(want) {
        return (path, n_packets);
    }
    eprintln!("generating {} ({} packets)...", path.display(), n_packets);
    let tmp = path.with_extension("pcap.tmp");
    let file = File::create(&tmp).expect("create capture");
    let mut w =
        PcapWriter::new(BufWriter::with_capacity(1 << 20, file), WriterOptions::default()).unwrap();
    let mut rng = Rng(7);
    let start = 19_000 * DAY_NS + DAY_NS / 2;
    let step = (2 * DAY_NS) / n_packets.max(1) as i64;
    for i in 0..n_packets {
        let r = rng.next();
        // Skewed sender choice: a few heavy scanners, a long tail.
        let sender = ((r & 0xffff_ffff) % senders) >> ((r >> 32) % 8);
        let port = [23u16, 2323, 445, 80, 22, 3389, 5555, 8080][(r >> 40) as usize % 8]
            .wrapping_add(if (r >> 48).is_multiple_of(4) { ((r >> 50) % 1000) as u16 } else { 0 });
        let dst = Addr::V4([10, 20, (r >> 8) as u8, (r >> 16) as u8].into());
        // A third of the SYNs carry the Mirai fingerprint (seq == dst).
        let mirai_seq = u32::from_be_bytes([10, 20, (r >> 8) as u8, (r >> 16) as u8]);
        let src = Addr::V4(std::net::Ipv4Addr::from(0x2000_0000 + sender as u32));
        let outward = (r >> 56).is_multiple_of(50);
        let (src, dst) = if outward { (dst, src) } else { (src, dst) };
        let rec = PacketRecord {
            ts_ns: start + i as i64 * step,
            src,
            dst: Some(dst),
            proto: if (r >> 60) == 0 { proto::UDP } else { proto::TCP },
            src_port: Some(40_000 + (r % 20_000) as u16),
            dst_port: Some(port),
            tcp_flags: Some(0x02),
            tcp_seq: Some(if r.is_multiple_of(3) { mirai_seq } else { r as u32 }),
            len: 40,
            count: 1,
            mirai_label: None,
        };
        w.write_record(&rec).expect("write");
    }
    let mut out = w.finish().expect("flush");
    out.flush().expect("flush");
    out.get_ref().sync_all().expect("sync");
    drop(out);
    std::fs::rename(&tmp, &path).expect("rename");
    (path, n_packets)
}

fn read_bytes(path: &Path) -> u64 {
    let mut f = File::open(path).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    total
}

fn parse_only(path: &Path) -> u64 {
    let mut r = CaptureReader::open(path).unwrap();
    let mut n = 0u64;
    while let Some(rec) = r.next_record().unwrap() {
        n += u64::from(rec.count);
    }
    n
}

/// The capture into finished daily batches through the fast path for
/// captures, `Batcher::feed_capture`.
fn parse_to_daily_stats(path: &Path) -> usize {
    let telescope: Prefix = "10.20.0.0/16".parse().unwrap();
    let mut b = Batcher::new(BatchParams::default().telescope(vec![telescope])).unwrap();
    let mut r = CaptureReader::open(path).unwrap();
    b.feed_capture(&mut r).unwrap();
    b.finish().iter().map(|batch| batch.n_senders()).sum()
}

/// The same through the record path (`CaptureReader` as an iterator of
/// `PacketRecord`s into `Batcher::feed`), for comparison.
fn records_to_daily_stats(path: &Path) -> usize {
    let telescope: Prefix = "10.20.0.0/16".parse().unwrap();
    let mut b = Batcher::new(BatchParams::default().telescope(vec![telescope])).unwrap();
    b.feed(CaptureReader::open(path).unwrap()).unwrap();
    b.finish().iter().map(|batch| batch.n_senders()).sum()
}

/// CPU time of this thread in nanoseconds (Linux schedstat), or `None`.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Runs each workload three times and prints packets per CPU-second next to
/// packets per wall-second: on a shared machine the former approximates the
/// speed of one dedicated core.
fn cpu_report(path: &Path, n_packets: u64) {
    let runs: [(&str, &dyn Fn() -> u64); 4] = [
        ("read_bytes", &|| read_bytes(path)),
        ("parse_records", &|| parse_only(path)),
        ("parse_to_daily_stats", &|| parse_to_daily_stats(path) as u64),
        ("records_to_daily_stats (feed)", &|| records_to_daily_stats(path) as u64),
    ];
    for (name, f) in runs {
        let (mut best_cpu, mut best_wall) = (f64::MAX, f64::MAX);
        for _ in 0..3 {
            let (c0, t0) = (cpu_ns(), std::time::Instant::now());
            black_box(f());
            let wall = t0.elapsed().as_secs_f64();
            if let (Some(a), Some(b)) = (c0, cpu_ns()) {
                best_cpu = best_cpu.min((b - a) as f64 / 1e9);
            }
            best_wall = best_wall.min(wall);
        }
        let mpps = |secs: f64| n_packets as f64 / secs / 1e6;
        println!(
            "cpu-time {name}: {:.2} Mpps per CPU-second, {:.2} Mpps wall ({:.3} s CPU, {:.3} s wall, best of 3)",
            mpps(best_cpu),
            mpps(best_wall),
            best_cpu,
            best_wall
        );
    }
}

fn bench(c: &mut Criterion) {
    let (path, n_packets) = capture(target_bytes());
    // Warm the page cache.
    black_box(read_bytes(&path));
    cpu_report(&path, n_packets);
    let mut g = c.benchmark_group("trace_small_packets");
    g.throughput(Throughput::Elements(n_packets));
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("read_bytes", |b| b.iter(|| black_box(read_bytes(&path))));
    g.bench_function("parse_records", |b| b.iter(|| black_box(parse_only(&path))));
    g.bench_function("parse_to_daily_stats", |b| b.iter(|| black_box(parse_to_daily_stats(&path))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
