//! Records whose timestamp jumps far from the rest of their file and back
//! are skipped by the readers and counted, and never open a batch; real
//! gaps in time are kept.

mod common;

use common::{syn, v4};
use darkdca_trace::{
    Batch, BatchParams, BatchReport, Batcher, CaptureReader, CsvLayout, CsvReader, DAY_NS,
    Malformed, PacketRecord, PcapWriter, ReadReport, TimeFormat, WriterOptions,
};

const S: i64 = 1_000_000_000;
/// 2021-06-05T00:00:00Z.
const DAY: i64 = 18_783 * DAY_NS;
/// 2030-01-01T00:00:00Z and 2000-01-01T00:00:00Z.
const Y2030: i64 = 21_915 * DAY_NS;
const Y2000: i64 = 10_957 * DAY_NS;

/// `n` SYNs from a few senders, one every 10 s from `from`.
fn dense(from: i64, n: i64) -> Vec<PacketRecord> {
    (0..n)
        .map(|i| syn(from + i * 10 * S, v4(192, 0, 2, (i % 7) as u8), v4(10, 0, 0, 1), 23))
        .collect()
}

fn pcap(recs: &[PacketRecord]) -> Vec<u8> {
    let mut w = PcapWriter::new(Vec::new(), WriterOptions::default()).unwrap();
    for r in recs {
        w.write_record(r).unwrap();
    }
    w.finish().unwrap()
}

fn reader(bytes: &[u8]) -> CaptureReader {
    CaptureReader::from_reader("t.pcap", std::io::Cursor::new(bytes.to_vec())).unwrap()
}

/// Records one by one through `next_record` and `push`.
fn general(bytes: &[u8]) -> (Vec<i64>, Vec<Batch>, BatchReport, ReadReport) {
    let mut r = reader(bytes);
    let mut b = Batcher::new(BatchParams::default()).unwrap();
    let mut times = Vec::new();
    while let Some(rec) = r.next_record().unwrap() {
        times.push(rec.ts_ns);
        b.push(&rec);
    }
    let rep = *b.report();
    (times, b.finish(), rep, r.report().clone())
}

/// The fast path: `feed_capture`.
fn fast(bytes: &[u8]) -> (Vec<Batch>, BatchReport, ReadReport) {
    let mut r = reader(bytes);
    let mut b = Batcher::new(BatchParams::default()).unwrap();
    b.feed_capture(&mut r).unwrap();
    let rep = *b.report();
    (b.finish(), rep, r.report().clone())
}

fn days(batches: &[Batch]) -> Vec<(String, u64)> {
    batches.iter().map(|b| (b.id().to_string(), b.n_packets())).collect()
}

fn outliers(report: &ReadReport) -> u64 {
    report.malformed(Malformed::TimestampOutlier)
}

#[test]
fn one_packet_from_another_year_is_skipped_and_counted() {
    for odd in [Y2030, Y2000] {
        // The middle record of a day, then the first and the last.
        for at in [4_000, 0, 7_999] {
            let mut recs = dense(DAY + 600 * S, 8_000);
            recs[at].ts_ns = odd + 12 * S;
            let want: Vec<i64> =
                recs.iter().enumerate().filter(|&(i, _)| i != at).map(|(_, r)| r.ts_ns).collect();
            let bytes = pcap(&recs);
            let (times, batches, rep, read) = general(&bytes);
            assert_eq!(times, want, "odd time {odd} at {at}");
            assert_eq!(days(&batches), vec![("2021-06-05".to_string(), 7_999)]);
            assert_eq!(rep.n_late + rep.n_late_dropped, 0);
            assert_eq!((read.n_records, outliers(&read)), (7_999, 1));
            assert_eq!(read.n_malformed(), 1);
            let (fb, frep, fread) = fast(&bytes);
            assert_eq!(days(&fb), days(&batches));
            assert_eq!((frep, fread), (rep, read));
        }
    }
}

#[test]
fn short_runs_of_odd_packets_are_skipped() {
    let mut recs = dense(DAY + 600 * S, 1_000);
    recs[300].ts_ns = Y2030;
    recs[301].ts_ns = Y2000;
    recs[700].ts_ns = Y2030;
    recs[701].ts_ns = Y2030 + S;
    recs[702].ts_ns = Y2030 + 2 * S;
    let bytes = pcap(&recs);
    let (times, batches, _, read) = general(&bytes);
    assert_eq!(times.len(), 995);
    assert_eq!(days(&batches), vec![("2021-06-05".to_string(), 995)]);
    assert_eq!(outliers(&read), 5);
    let (fb, _, fread) = fast(&bytes);
    assert_eq!((days(&fb), fread), (days(&batches), read));
}

#[test]
fn real_gaps_missing_days_and_midnight_are_kept() {
    // A file over midnight, then two missing days, then a sparse tail.
    let mut recs = dense(DAY - 1_800 * S, 400);
    recs.extend(dense(DAY + 3 * DAY_NS, 50));
    recs.extend(
        (0..5).map(|i| {
            syn(DAY + 5 * DAY_NS + i * 6 * 3_600 * S, v4(192, 0, 2, 1), v4(10, 0, 0, 1), 23)
        }),
    );
    let bytes = pcap(&recs);
    let (times, batches, rep, read) = general(&bytes);
    assert_eq!(times, recs.iter().map(|r| r.ts_ns).collect::<Vec<_>>());
    assert_eq!(
        days(&batches),
        vec![
            ("2021-06-04".to_string(), 180),
            ("2021-06-05".to_string(), 220),
            ("2021-06-08".to_string(), 50),
            ("2021-06-10".to_string(), 4),
            ("2021-06-11".to_string(), 1),
        ]
    );
    assert_eq!(rep.n_late + rep.n_late_dropped, 0);
    assert_eq!(outliers(&read), 0);
    let (fb, frep, fread) = fast(&bytes);
    assert_eq!((days(&fb), frep, fread), (days(&batches), rep, read));
}

#[test]
fn outliers_are_judged_per_file() {
    // The end of one file and the start of the next are a day apart: each
    // file is dense on its own, so nothing is an outlier.
    let a = pcap(&dense(DAY, 100));
    let b = pcap(&dense(DAY + DAY_NS, 100));
    let mut batcher = Batcher::new(BatchParams::default()).unwrap();
    for bytes in [&a, &b] {
        let mut r = reader(bytes);
        batcher.feed_capture(&mut r).unwrap();
        assert_eq!((r.report().n_records, outliers(r.report())), (100, 0));
    }
    assert_eq!(days(&batcher.finish()).len(), 2);
}

#[test]
fn the_guard_can_be_set_or_disabled() {
    let mut recs = dense(DAY + 600 * S, 100);
    recs[50].ts_ns += 1_200 * S; // 20 minutes off
    let bytes = pcap(&recs);
    let mut r = reader(&bytes).max_time_jump_ns(Some(600 * S));
    while r.next_record().unwrap().is_some() {}
    assert_eq!((r.report().n_records, outliers(r.report())), (99, 1));
    let mut r = reader(&bytes);
    while r.next_record().unwrap().is_some() {}
    assert_eq!((r.report().n_records, outliers(r.report())), (100, 0), "within the default hour");
    recs[50].ts_ns = Y2030;
    let mut r = reader(&pcap(&recs)).max_time_jump_ns(None);
    while r.next_record().unwrap().is_some() {}
    assert_eq!((r.report().n_records, outliers(r.report())), (100, 0), "disabled");
}

#[test]
fn held_records_come_before_a_read_error() {
    let mut recs = dense(DAY, 50);
    recs[49].ts_ns = Y2030; // held when the file breaks
    let mut bytes = pcap(&recs);
    bytes.extend_from_slice(&[1, 2, 3]); // a cut record header
    let mut r = reader(&bytes);
    let mut n = 0;
    let err = loop {
        match r.next_record() {
            Ok(Some(_)) => n += 1,
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    assert!(err.is_some(), "the cut header is reported");
    assert_eq!((n, outliers(r.report())), (49, 1));
    assert!(r.next_record().unwrap().is_none());
}

#[test]
fn csv_logs_are_guarded_too() {
    let mut text = String::from("ts,src_ip\n");
    for i in 0..40i64 {
        let ts = if i == 20 { Y2030 / S } else { DAY / S + i };
        text += &format!("{ts},192.0.2.{}\n", i % 5);
    }
    let layout = CsvLayout::new("ts", TimeFormat::EpochSeconds, "src_ip");
    let mut r = CsvReader::from_reader("t.csv", std::io::Cursor::new(text), layout).unwrap();
    let mut times = Vec::new();
    while let Some(rec) = r.next_record().unwrap() {
        times.push(rec.ts_ns);
    }
    assert_eq!(times.len(), 39);
    assert!(times.iter().all(|&t| t < DAY + DAY_NS));
    assert_eq!(outliers(r.report()), 1);
}

mod property {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Dense captures with isolated odd records sprinkled in: every odd
        /// record is skipped, no other is, and the fast path agrees.
        #[test]
        fn isolated_odd_records_are_exactly_the_outliers(
            n in 10usize..400,
            odd in proptest::collection::btree_set(0usize..400, 0..8),
            far in proptest::collection::vec(prop_oneof![Just(Y2030), Just(Y2000), Just(DAY + 30 * DAY_NS)], 8),
        ) {
            let mut recs = dense(DAY + 23 * 3_600 * S, n as i64);
            // Odd records at least 4 apart, so each one is isolated.
            let mut last = None;
            let mut marked = Vec::new();
            for (k, &i) in odd.iter().filter(|&&i| i < n).enumerate() {
                if last.is_none_or(|l| i >= l + 4) {
                    recs[i].ts_ns = far[k % far.len()] + i as i64 * S;
                    marked.push(i);
                    last = Some(i);
                }
            }
            let bytes = pcap(&recs);
            let (times, batches, rep, read) = general(&bytes);
            let want: Vec<i64> = recs
                .iter()
                .enumerate()
                .filter(|(i, _)| !marked.contains(i))
                .map(|(_, r)| r.ts_ns)
                .collect();
            prop_assert_eq!(&times, &want);
            prop_assert_eq!(outliers(&read), marked.len() as u64);
            prop_assert!(batches.iter().all(|b| b.id().0 >= DAY && b.id().0 < DAY + 2 * DAY_NS));
            let (fb, frep, fread) = fast(&bytes);
            prop_assert_eq!(days(&fb), days(&batches));
            prop_assert_eq!((frep, fread), (rep, read));
        }
    }
}
