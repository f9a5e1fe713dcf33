//! Bounded fuzzing: random and mutated bytes never make a reader panic.
//!
//! Runs a fixed number of proptest cases (seeded by proptest's default
//! deterministic configuration in CI) so that the whole file takes a few
//! seconds; the readers must return records, counted skips or typed errors.

mod common;

use std::io::Cursor;

use common::{Pcapng, frame_of, sample_records};
use darkdca_trace::{
    BatchParams, Batcher, CaptureReader, CorpusParams, CsvLayout, CsvReader, LinkType, PcapWriter,
    WriterOptions,
};
use proptest::prelude::*;

/// Reads everything a capture reader yields, feeding a batcher, and checks
/// that the report agrees with what was returned.
fn drain_capture(bytes: Vec<u8>) {
    let Ok(mut reader) = CaptureReader::from_reader("fuzz.pcap", Cursor::new(bytes)) else {
        return;
    };
    let mut batcher = Batcher::new(BatchParams::default()).unwrap();
    let mut n = 0u64;
    while let Ok(Some(rec)) = reader.next_record() {
        batcher.push(&rec);
        n += 1;
    }
    assert_eq!(reader.report().n_records, n);
    for b in batcher.finish() {
        let _ = b.corpus(&CorpusParams::default()).unwrap();
    }
}

fn valid_pcap(link: LinkType, big_endian: bool) -> Vec<u8> {
    let opts = WriterOptions { link_type: link, big_endian, ..WriterOptions::default() };
    let mut w = PcapWriter::new(Vec::new(), opts).unwrap();
    for r in sample_records() {
        w.write_record(&r).unwrap();
    }
    w.finish().unwrap()
}

fn valid_pcapng() -> Vec<u8> {
    let recs = sample_records();
    let mut ng = Pcapng::new(false);
    ng.interface(1, Some(9));
    ng.interface(113, Some(6));
    for (i, r) in recs.iter().enumerate() {
        let link = if i % 2 == 0 { LinkType::Ethernet } else { LinkType::LinuxSll };
        ng.enhanced((i % 2) as u32, r.ts_ns as u64, &frame_of(r, link));
    }
    ng.simple(&frame_of(&recs[0], LinkType::Ethernet));
    ng.bytes
}

fn seeds() -> Vec<Vec<u8>> {
    vec![
        valid_pcap(LinkType::Ethernet, false),
        valid_pcap(LinkType::Raw, true),
        valid_pcap(LinkType::LinuxSll2, false),
        valid_pcap(LinkType::Null, true),
        valid_pcapng(),
    ]
}

/// A mutation: overwrite, insert or delete bytes, or truncate.
#[derive(Debug, Clone)]
enum Edit {
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Truncate(usize),
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = bytes.len().max(1);
        match e {
            Edit::Set(i, v) => {
                if let Some(b) = bytes.get_mut(i % n) {
                    *b = *v;
                }
            }
            Edit::Insert(i, v) => {
                let at = (i % n).min(bytes.len());
                bytes.splice(at..at, v.iter().copied());
            }
            Edit::Delete(i, len) => {
                let at = (i % n).min(bytes.len());
                let end = (at + len).min(bytes.len());
                bytes.drain(at..end);
            }
            Edit::Truncate(i) => bytes.truncate(i % n),
        }
    }
    bytes
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(i, v)| Edit::Set(i, v)),
        1 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16)).prop_map(|(i, v)| Edit::Insert(i, v)),
        1 => (any::<usize>(), 1..32usize).prop_map(|(i, n)| Edit::Delete(i, n)),
        1 => any::<usize>().prop_map(Edit::Truncate),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn mutated_captures_never_panic(seed in 0..5usize, edits in prop::collection::vec(edit(), 1..8)) {
        drain_capture(apply(seeds()[seed].clone(), &edits));
    }

    #[test]
    fn random_bytes_after_a_valid_magic_never_panic(
        magic in prop::sample::select(vec![
            vec![0xd4, 0xc3, 0xb2, 0xa1], vec![0xa1, 0xb2, 0x3c, 0x4d], vec![0x0a, 0x0d, 0x0d, 0x0a],
            vec![0x1f, 0x8b],
        ]),
        body in prop::collection::vec(any::<u8>(), 0..600),
    ) {
        let mut bytes = magic;
        bytes.extend(body);
        drain_capture(bytes);
    }

    #[test]
    fn random_csv_never_panics(body in "[-a-z0-9:., \"\n]{0,400}") {
        let text = format!("datetime,host,src,proto,type,spt,dpt\n{body}");
        if let Ok(r) = CsvReader::from_reader("fuzz.csv", Cursor::new(text.into_bytes()), CsvLayout::marx()) {
            for rec in r {
                if rec.is_err() {
                    break;
                }
            }
        }
    }
}
