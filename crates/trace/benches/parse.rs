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
//! Before the criterion runs, a CPU-time report prints each workload's
//! packets per CPU-second, including four floors (module `floor`): tight
//! loops that do only part of the work, to show what share of read speed
//! an exact design can reach at all.
//!
//! Run: `cargo bench -p darkdca-trace --bench parse` (the CPU-time report
//! alone: `... -- nomatch`).
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

/// Lower bounds: the least work any exact daily statistics must do, written
/// as one tight loop over the bench's own capture (little-endian pcap of
/// untagged Ethernet/IPv4 frames to 10.20.0.0/16), so that the share of
/// read speed a design can reach is measured, not guessed. Each level adds
/// one piece to the one before; none builds a batch, a corpus, distinct
/// ports or top ports, so each is a floor for that much of the work.
#[allow(unsafe_code)]
mod floor {
    use std::fs::File;
    use std::io::Read;
    use std::path::Path;

    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    pub enum Level {
        /// Read, walk the records, decode the addresses, protocol and port,
        /// drop packets not to the telescope.
        Decode,
        /// Also the sender's id in a compact open-addressing table
        /// (prefetched 16 packets ahead) and a packet count per id.
        Count,
        /// Also the last-seen time per id.
        LastSeen,
        /// Also an exact distinct-destination count per sender, by a hash
        /// set of (sender, destination) pairs, prefetched with the sender.
        Distinct,
        /// The same count the other way (instead of `Distinct`): each
        /// packet appends (id, destination) to a log, dropping a repeat of
        /// the entry before; at the day's end the log is grouped by a hash
        /// of the entry in one counting pass and one scatter, and each
        /// group (about 4,096 entries) is counted in a small hash set that
        /// stays in cache.
        DistinctLog,
    }

    fn prefetch<T>(p: *const T) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `prefetcht0` is a hint that never faults, whatever the
        // address; SSE is part of the x86_64 baseline.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = p;
    }

    fn slot(key: u64, bits: u32) -> usize {
        ((key ^ (key >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits)) as usize
    }

    /// Open addressing over non-zero `u64` values, at most half full; a
    /// value is found by its key, `key_of(value)`.
    struct Set {
        bits: u32,
        values: Vec<u64>,
        len: usize,
        key_of: fn(u64) -> u64,
    }

    impl Set {
        fn new(bits: u32, key_of: fn(u64) -> u64) -> Self {
            Set { bits, values: vec![0; 1 << bits], len: 0, key_of }
        }
        fn prefetch(&self, key: u64) {
            prefetch(&self.values[slot(key, self.bits)]);
        }
        /// The value stored under `key`, or `value` and `true` once added.
        fn insert(&mut self, key: u64, value: u64) -> (u64, bool) {
            let mask = self.values.len() - 1;
            let mut i = slot(key, self.bits);
            loop {
                let v = self.values[i];
                if v == 0 {
                    self.values[i] = value;
                    self.len += 1;
                    if self.len * 2 > self.values.len() {
                        self.grow();
                    }
                    return (value, true);
                }
                if (self.key_of)(v) == key {
                    return (v, false);
                }
                i = (i + 1) & mask;
            }
        }
        #[cold]
        fn grow(&mut self) {
            self.bits += 1;
            let old = std::mem::replace(&mut self.values, vec![0; 1 << self.bits]);
            let mask = self.values.len() - 1;
            for v in old.into_iter().filter(|&v| v != 0) {
                let mut i = slot((self.key_of)(v), self.bits);
                while self.values[i] != 0 {
                    i = (i + 1) & mask;
                }
                self.values[i] = v;
            }
        }
    }

    #[derive(Clone, Copy, Default)]
    struct Packet {
        ts: i64,
        src: u32,
        dst: u32,
    }

    struct Day {
        level: Level,
        ids: Set,
        pairs: Set,
        count: Vec<u32>,
        last: Vec<i64>,
        distinct: Vec<u32>,
        log: Vec<u64>,
        grouped: Vec<u64>,
        digest: u64,
    }

    impl Day {
        fn prefetch(&self, p: &Packet) {
            if self.level >= Level::Count {
                self.ids.prefetch(u64::from(p.src));
            }
            if self.level == Level::Distinct {
                self.pairs.prefetch(u64::from(p.src) << 32 | u64::from(p.dst));
            }
        }
        fn apply(&mut self, p: &Packet) {
            if self.level == Level::Decode {
                self.digest = self.digest.wrapping_add(u64::from(p.src ^ p.dst));
                return;
            }
            // The id table stores id << 32 | source, found by the source.
            let next = self.count.len() as u64;
            let (v, added) = self.ids.insert(u64::from(p.src), next << 32 | u64::from(p.src));
            let id = (v >> 32) as usize;
            if added {
                self.count.push(0);
                self.last.push(0);
                self.distinct.push(0);
            }
            self.count[id] += 1;
            if self.level >= Level::LastSeen {
                self.last[id] = p.ts;
            }
            if self.level == Level::Distinct {
                let key = u64::from(p.src) << 32 | u64::from(p.dst);
                if self.pairs.insert(key, key).1 {
                    self.distinct[id] += 1;
                }
            }
            if self.level == Level::DistinctLog {
                let entry = (id as u64) << 32 | u64::from(p.dst);
                if self.log.last() != Some(&entry) {
                    self.log.push(entry);
                }
            }
        }

        /// Distinct destinations per id from the log: grouped by a hash of
        /// the entry, then counted group by group in a cache-sized set.
        fn count_log(&mut self) {
            // Groups by a hash of the whole entry, of about 4,096 entries
            // each whatever the number of ids.
            let group_bits =
                (self.log.len() / 4096).max(1).next_power_of_two().trailing_zeros().min(12);
            let n_groups = 1usize << group_bits;
            let group = |e: u64| {
                if group_bits == 0 {
                    0
                } else {
                    ((e ^ (e >> 31)).wrapping_mul(0xff51_afd7_ed55_8ccd) >> (64 - group_bits))
                        as usize
                }
            };
            let mut start = vec![0usize; n_groups + 1];
            for &e in &self.log {
                start[group(e) + 1] += 1;
            }
            for g in 0..n_groups {
                start[g + 1] += start[g];
            }
            self.grouped.clear();
            self.grouped.resize(self.log.len(), 0);
            let mut at = start.clone();
            for &e in &self.log {
                let g = group(e);
                self.grouped[at[g]] = e;
                at[g] += 1;
            }
            let mut set: Vec<u64> = Vec::new();
            for g in 0..n_groups {
                let entries = &self.grouped[start[g]..start[g + 1]];
                let cap = (entries.len() * 2).next_power_of_two().max(16);
                set.clear();
                // Entries are never u64::MAX (ids are below 2^32 - 1).
                set.resize(cap, u64::MAX);
                let bits = cap.trailing_zeros();
                for &e in entries {
                    let mut i = slot(e, bits);
                    loop {
                        if set[i] == e {
                            break;
                        }
                        if set[i] == u64::MAX {
                            set[i] = e;
                            self.distinct[(e >> 32) as usize] += 1;
                            break;
                        }
                        i = (i + 1) & (cap - 1);
                    }
                }
            }
            self.log.clear();
        }
        fn finish(&mut self) {
            if self.level == Level::DistinctLog {
                self.count_log();
            }
            let active = self.count.iter().filter(|&&c| c > 5).count() as u64;
            let last = self.last.iter().fold(0u64, |a, &t| a.wrapping_add(t as u64));
            let distinct: u64 = self.distinct.iter().map(|&d| u64::from(d)).sum();
            self.digest =
                self.digest.wrapping_add(active).wrapping_add(last).wrapping_add(distinct);
            self.ids = Set::new(self.ids.bits, self.ids.key_of);
            self.pairs = Set::new(self.pairs.bits, self.pairs.key_of);
            self.count.clear();
            self.last.clear();
            self.distinct.clear();
        }
    }

    /// Runs `level` over the capture at `path`; returns a digest.
    pub fn run(path: &Path, level: Level) -> u64 {
        const AHEAD: usize = 16;
        const DAY_NS: i64 = 86_400 * 1_000_000_000;
        let mut f = File::open(path).unwrap();
        let mut buf = vec![0u8; 1 << 20];
        let mut have = f.read(&mut buf).unwrap();
        let nanos = match u32::from_le_bytes(buf[..4].try_into().unwrap()) {
            0xa1b2_c3d4 => false,
            0xa1b2_3c4d => true,
            m => panic!("not the bench's capture (magic {m:#x})"),
        };
        let mut day = Day {
            level,
            ids: Set::new(19, |v| v & 0xffff_ffff),
            pairs: Set::new(22, |v| v),
            count: Vec::new(),
            last: Vec::new(),
            distinct: Vec::new(),
            log: Vec::new(),
            grouped: Vec::new(),
            digest: 0,
        };
        let mut ring = [Packet::default(); AHEAD];
        let (mut n, mut pos, mut day_idx) = (0usize, 24usize, None);
        loop {
            while pos + 16 <= have {
                let h = &buf[pos..pos + 16];
                let len = u32::from_le_bytes(h[8..12].try_into().unwrap()) as usize;
                if pos + 16 + len > have {
                    break;
                }
                let secs = i64::from(u32::from_le_bytes(h[..4].try_into().unwrap()));
                let frac = i64::from(u32::from_le_bytes(h[4..8].try_into().unwrap()));
                let ts = secs * 1_000_000_000 + if nanos { frac } else { frac * 1000 };
                let frame = &buf[pos + 16..pos + 16 + len];
                pos += 16 + len;
                if frame.len() < 38 || frame[12..14] != [8, 0] || frame[14] >> 4 != 4 {
                    continue;
                }
                let dst = u32::from_be_bytes(frame[30..34].try_into().unwrap());
                if dst >> 16 != 0x0a14 {
                    continue;
                }
                let p =
                    Packet { ts, src: u32::from_be_bytes(frame[26..30].try_into().unwrap()), dst };
                let d = ts.div_euclid(DAY_NS);
                if day_idx != Some(d) {
                    for i in n.saturating_sub(AHEAD)..n {
                        day.apply(&ring[i % AHEAD]);
                    }
                    if day_idx.is_some() {
                        day.finish();
                    }
                    (n, day_idx) = (0, Some(d));
                }
                day.prefetch(&p);
                if n >= AHEAD {
                    let old = ring[n % AHEAD];
                    day.apply(&old);
                }
                ring[n % AHEAD] = p;
                n += 1;
            }
            buf.copy_within(pos..have, 0);
            (have, pos) = (have - pos, 0);
            let got = f.read(&mut buf[have..]).unwrap();
            if got == 0 {
                break;
            }
            have += got;
        }
        for i in n.saturating_sub(AHEAD)..n {
            day.apply(&ring[i % AHEAD]);
        }
        day.finish();
        day.digest
    }
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
    use floor::Level;
    // The two ways of counting distinct destinations must agree.
    assert_eq!(
        floor::run(path, Level::Distinct),
        floor::run(path, Level::DistinctLog),
        "the floors' distinct-destination counts differ"
    );
    let runs: [(&str, &dyn Fn() -> u64); 9] = [
        ("read_bytes", &|| read_bytes(path)),
        ("parse_records", &|| parse_only(path)),
        ("parse_to_daily_stats", &|| parse_to_daily_stats(path) as u64),
        ("records_to_daily_stats (feed)", &|| records_to_daily_stats(path) as u64),
        ("floor: decode", &|| floor::run(path, Level::Decode)),
        ("floor: + id and packet count", &|| floor::run(path, Level::Count)),
        ("floor: + last seen", &|| floor::run(path, Level::LastSeen)),
        ("floor: + exact distinct destinations", &|| floor::run(path, Level::Distinct)),
        ("floor: + exact distinct destinations by a grouped log", &|| {
            floor::run(path, Level::DistinctLog)
        }),
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
