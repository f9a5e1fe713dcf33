//! The pipeline on the real captures in `../shared/fixtures-real` (skipped
//! with a message when that directory is missing): every day processed,
//! day, packet and sender counts equal to an independent count of the same
//! file, clusters found and lineages spanning days.
#![allow(clippy::print_stderr, reason = "a skipped test says why")]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use darkdca::input::{CsvChoice, DayStream, RecordSource};
use darkdca::{Config, DayResult, GroundTruth, Pipeline};

/// `../shared/fixtures-real` beside the workspace, if present.
fn real() -> Option<PathBuf> {
    // `DARKDCA_FIXTURES_REAL` points elsewhere, for a clone not beside `shared`.
    let dir = std::env::var_os("DARKDCA_FIXTURES_REAL").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures-real"),
        PathBuf::from,
    );
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: {} is missing (real captures are not in the repository; \
             set DARKDCA_FIXTURES_REAL to their folder)",
            dir.display()
        );
        None
    }
}

/// The settings documented for small sensors (docs/benchmarks/pipeline.md).
fn honeypot_config() -> Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/pipeline/honeypot.toml");
    Config::default().overlay_file(&path).unwrap()
}

/// Runs the files through an in-memory pipeline, day by day.
fn run(files: &[PathBuf], config: Config, truth: GroundTruth) -> Vec<DayResult> {
    let mut p = Pipeline::new(config.check().unwrap()).unwrap().with_ground_truth(truth);
    let mut stream = DayStream::new(p.config(), 3600 * 1_000_000_000).unwrap();
    let mut out = Vec::new();
    for f in files {
        for r in RecordSource::open(f, &CsvChoice::Auto).unwrap() {
            stream.push(&r.unwrap());
            while let Some(b) = stream.pop() {
                out.push(p.process_batch(&b).unwrap());
            }
        }
    }
    assert_eq!(stream.report().n_late_dropped, 0);
    for b in stream.finish() {
        out.push(p.process_batch(&b).unwrap());
    }
    out
}

/// Per day: packets, senders, and senders with more than `min_packets`.
type Counts = BTreeMap<String, (u64, usize, usize)>;

fn counts(per_day: BTreeMap<String, HashMap<String, u64>>, min_packets: u64) -> Counts {
    per_day
        .into_iter()
        .map(|(day, senders)| {
            let packets = senders.values().sum();
            let active = senders.values().filter(|&&n| n > min_packets).count();
            (day, (packets, senders.len(), active))
        })
        .collect()
}

fn observed(results: &[DayResult]) -> Counts {
    results
        .iter()
        .map(|r| (r.day.clone(), (r.stats.n_packets, r.stats.n_senders, r.stats.n_active)))
        .collect()
}

fn gunzip_lines(path: &Path) -> Vec<String> {
    let f = std::fs::File::open(path).unwrap();
    BufReader::new(flate2::read::MultiGzDecoder::new(f)).lines().map(Result::unwrap).collect()
}

#[test]
fn marx_honeypot_190_days() {
    let Some(real) = real() else { return };
    let path = real.join("aws-honeypot-marx/marx.csv.gz");
    let mut truth = GroundTruth::new();
    truth.add_path(&real.join("acknowledged-scanners/acknowledged_scanners.ipset")).unwrap();
    let config = honeypot_config();
    let min_packets = config.trace.min_packets;
    let results = run(std::slice::from_ref(&path), config, truth);

    // Independent count: the date is the first 10 characters of a row, the
    // sender the third field.
    let mut per_day: BTreeMap<String, HashMap<String, u64>> = BTreeMap::new();
    for line in gunzip_lines(&path).iter().skip(1) {
        let src = line.split(',').nth(2).unwrap();
        *per_day.entry(line[..10].to_owned()).or_default().entry(src.to_owned()).or_default() += 1;
    }
    assert_eq!(per_day.len(), 190);
    assert_eq!(observed(&results), counts(per_day, min_packets));

    // Clusters on almost every day, and lineages that last.
    let with_clusters = results.iter().filter(|r| r.stats.n_clusters > 0).count();
    assert!(with_clusters >= 150, "{with_clusters} days with clusters");
    let mut days_of: HashMap<u64, usize> = HashMap::new();
    for r in &results {
        for c in &r.clusters {
            *days_of.entry(c.lineage).or_default() += 1;
        }
    }
    let longest = days_of.values().copied().max().unwrap_or(0);
    assert!(longest >= 20, "longest lineage spans {longest} days");
}

#[test]
fn darkvec_traces_two_days() {
    let Some(real) = real() else { return };
    let files: Vec<PathBuf> = ["darknet01_20210501.csv.gz", "darknet01_20210502.csv.gz"]
        .iter()
        .map(|f| real.join("darkvec").join(f))
        .collect();
    let config = Config::default();
    let results = run(&files, config.clone(), GroundTruth::new());

    // Independent count: one file per day, sender in the `src_ip` column.
    // Pseudonyms restart in each file, so each file is its own day.
    let mut per_day: BTreeMap<String, HashMap<String, u64>> = BTreeMap::new();
    for (f, day) in files.iter().zip(["2021-05-01", "2021-05-02"]) {
        let lines = gunzip_lines(f);
        let col = lines[0].split(',').position(|h| h == "src_ip").unwrap();
        for line in &lines[1..] {
            let src = line.split(',').nth(col).unwrap().to_owned();
            *per_day.entry(day.to_owned()).or_default().entry(src).or_default() += 1;
        }
    }
    assert_eq!(observed(&results), counts(per_day, config.trace.min_packets));
    assert_eq!(results[0].stats.n_senders, 509);
}

/// Counts IPv4 packets per source of a classic pcap (Ethernet or raw IP),
/// independently of the trace crate.
fn pcap_ipv4_sources(path: &Path) -> (i64, HashMap<[u8; 4], u64>) {
    let mut bytes = Vec::new();
    std::fs::File::open(path).unwrap().read_to_end(&mut bytes).unwrap();
    let le = bytes[..4] == [0xd4, 0xc3, 0xb2, 0xa1] || bytes[..4] == [0x4d, 0x3c, 0xb2, 0xa1];
    let u32_at = |b: &[u8], i: usize| {
        let w = [b[i], b[i + 1], b[i + 2], b[i + 3]];
        if le { u32::from_le_bytes(w) } else { u32::from_be_bytes(w) }
    };
    let link = u32_at(&bytes, 20) & 0x0fff_ffff;
    let mut first_ts = -1;
    let mut sources: HashMap<[u8; 4], u64> = HashMap::new();
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let caplen = u32_at(&bytes, at + 8) as usize;
        if first_ts < 0 {
            first_ts = i64::from(u32_at(&bytes, at));
        }
        let frame = &bytes[at + 16..at + 16 + caplen];
        at += 16 + caplen;
        let ip = match link {
            1 => {
                let mut off = 12;
                while frame[off..off + 2] == [0x81, 0x00] {
                    off += 4;
                }
                if frame[off..off + 2] != [0x08, 0x00] {
                    continue;
                }
                &frame[off + 2..]
            }
            101 => frame,
            other => panic!("link type {other}"),
        };
        if ip.len() >= 20 && ip[0] >> 4 == 4 {
            *sources.entry([ip[12], ip[13], ip[14], ip[15]]).or_default() += 1;
        }
    }
    (first_ts, sources)
}

#[test]
fn real_pcaps_one_day_each() {
    let Some(real) = real() else { return };
    for name in [
        "stopddos/amp.TCP.reflection.SYNACK.pcap",
        "greynoise-noise-storm/brazil-storm-small-tcp-sample.pcap",
    ] {
        let path = real.join(name);
        let results = run(std::slice::from_ref(&path), Config::default(), GroundTruth::new());
        let (_, sources) = pcap_ipv4_sources(&path);
        assert_eq!(results.len(), 1, "{name}: one day");
        let r = &results[0];
        assert_eq!(r.stats.n_senders, sources.len(), "{name}: senders");
        assert_eq!(r.stats.n_packets, sources.values().sum::<u64>(), "{name}: packets");
        let active: HashSet<&[u8; 4]> =
            sources.iter().filter(|(_, n)| **n > 5).map(|(a, _)| a).collect();
        assert_eq!(r.stats.n_active, active.len(), "{name}: active senders");
    }
}
