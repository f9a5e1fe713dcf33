//! `Batcher::feed_capture` (classic pcap decoded straight into the batch)
//! against the general path (`CaptureReader::next_record` and
//! `Batcher::push`): same batches, same reports, same error, on captures
//! that mix the fast path's frames with everything it leaves to the
//! general decoder.

mod common;

use common::{frame_of, sample_records, v4};
use darkdca_trace::{
    Addr, Batch, BatchParams, BatchReport, Batcher, CaptureReader, CorpusParams, DAY_NS, LinkType,
    PacketRecord, PcapWriter, Prefix, ReadReport, TsResolution, Vocabulary, WriterOptions, proto,
    tcp_flags,
};
use proptest::prelude::*;

const T0: i64 = 18_748 * DAY_NS + DAY_NS - 3_600_000_000_000; // an hour before midnight
const S: i64 = 1_000_000_000;

/// Everything a batch exposes, for comparison.
fn view(b: &Batch) -> String {
    let mut out = format!(
        "{} {} {} {} {}\n{:?}\n",
        b.id(),
        b.end_ns(),
        b.n_packets(),
        b.n_records(),
        b.n_log_entries(),
        b.senders()
    );
    for vocabulary in [Vocabulary::TopServices { n: 3 }, Vocabulary::DomainKnowledge] {
        let params = CorpusParams::default().vocabulary(vocabulary).min_packets(0);
        out += &format!("{:?}\n", b.corpus(&params).unwrap());
    }
    out
}

type Outcome = (Vec<String>, BatchReport, ReadReport, Option<String>);

fn general(bytes: &[u8], params: &BatchParams) -> Outcome {
    let mut r = CaptureReader::from_reader("t.pcap", std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut b = Batcher::new(params.clone()).unwrap();
    let err = loop {
        match r.next_record() {
            Ok(Some(rec)) => b.push(&rec),
            Ok(None) => break None,
            Err(e) => break Some(e.to_string()),
        }
    };
    let rep = *b.report();
    (b.finish().iter().map(view).collect(), rep, r.report().clone(), err)
}

fn fast(bytes: &[u8], params: &BatchParams) -> Outcome {
    let mut r = CaptureReader::from_reader("t.pcap", std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut b = Batcher::new(params.clone()).unwrap();
    let err = b.feed_capture(&mut r).err().map(|e| e.to_string());
    // The reader is finished either way.
    assert!(r.next_record().unwrap().is_none());
    let rep = *b.report();
    (b.finish().iter().map(view).collect(), rep, r.report().clone(), err)
}

/// An Ethernet frame of an IPv4 packet, built by hand so that odd headers
/// (options, fragments, cut transport headers, wrong version) can be made.
fn eth_ipv4(
    src: [u8; 4],
    dst: [u8; 4],
    p: u8,
    ihl_words: u8,
    frag: u16,
    transport: &[u8],
) -> Vec<u8> {
    let mut f = vec![0u8; 12];
    f.extend_from_slice(&[0x08, 0x00]);
    let ihl = usize::from(ihl_words.max(5)) * 4;
    let mut ip = vec![0u8; ihl];
    ip[0] = 0x40 | ihl_words;
    ip[2..4].copy_from_slice(&((ihl + transport.len()) as u16).to_be_bytes());
    ip[6..8].copy_from_slice(&frag.to_be_bytes());
    ip[8] = 64;
    ip[9] = p;
    ip[12..16].copy_from_slice(&src);
    ip[16..20].copy_from_slice(&dst);
    f.extend_from_slice(&ip);
    f.extend_from_slice(transport);
    f
}

fn tcp_header(port: u16, seq: u32, flags: u8) -> Vec<u8> {
    let mut t = vec![0u8; 20];
    t[0..2].copy_from_slice(&40_000u16.to_be_bytes());
    t[2..4].copy_from_slice(&port.to_be_bytes());
    t[4..8].copy_from_slice(&seq.to_be_bytes());
    t[12] = 0x50;
    t[13] = flags;
    t
}

/// One frame of kind `kind` (0..16) from a small sender population.
fn frame(kind: u8, x: u64) -> Vec<u8> {
    let src = [192, 0, 2, (x % 23) as u8];
    let inside = [10, 20, (x >> 8) as u8 % 4, (x >> 16) as u8];
    // One packet in 8 goes out of the telescope.
    let dst = if (x >> 24).is_multiple_of(8) { [203, 0, 113, 9] } else { inside };
    let port = [23u16, 80, 445, 2323][(x >> 30) as usize % 4];
    let dst_u32 = u32::from_be_bytes(dst);
    match kind {
        // TCP SYN, one in three with the Mirai fingerprint; SYN-ACK.
        0..=3 => {
            let seq = if x.is_multiple_of(3) { dst_u32 } else { x as u32 };
            let flags = if kind == 3 { tcp_flags::SYN | tcp_flags::ACK } else { tcp_flags::SYN };
            eth_ipv4(src, dst, proto::TCP, 5, 0, &tcp_header(port, seq, flags))
        }
        4 => eth_ipv4(src, dst, proto::UDP, 5, 0, &[0, 53, 0, 123, 0, 8, 0, 0]),
        5 => eth_ipv4(src, dst, proto::ICMP, 5, 0, &[8, 0, 0, 0, 0, 0, 0, 0]),
        // IP options, then a later fragment (no ports) and a first fragment
        // with "more fragments".
        6 => eth_ipv4(src, dst, proto::TCP, 7, 0, &tcp_header(port, dst_u32, tcp_flags::SYN)),
        7 => eth_ipv4(src, dst, proto::TCP, 5, 0x0010, &tcp_header(port, dst_u32, 2)),
        8 => eth_ipv4(src, dst, proto::UDP, 5, 0x2000, &[0, 53, 0, 161, 0, 8, 0, 0]),
        // Cut transport header (malformed), bad IHL, version mismatch.
        9 => eth_ipv4(src, dst, proto::TCP, 5, 0, &tcp_header(port, 1, 2)[..10]),
        10 => eth_ipv4(src, dst, proto::TCP, 3, 0, &tcp_header(port, 1, 2)),
        11 => {
            let mut f = eth_ipv4(src, dst, proto::UDP, 5, 0, &[0, 1, 0, 2, 0, 8, 0, 0]);
            f[14] = 0x65;
            f
        }
        // 802.1Q tag, ARP, a runt.
        12 => {
            let f = eth_ipv4(src, dst, proto::TCP, 5, 0, &tcp_header(port, dst_u32, 2));
            let mut t = f[..12].to_vec();
            t.extend_from_slice(&[0x81, 0x00, 0, 7]);
            t.extend_from_slice(&f[12..]);
            t
        }
        13 => {
            let mut f = vec![0u8; 12];
            f.extend_from_slice(&[0x08, 0x06]);
            f.extend_from_slice(&[0u8; 28]);
            f
        }
        14 => vec![0u8; (x % 30) as usize],
        // IPv6 (and the writer's other records).
        _ => {
            let recs = sample_records();
            let mut rec = recs[(x % recs.len() as u64) as usize];
            if let (Addr::V4(_), true) = (rec.src, x.is_multiple_of(2)) {
                rec.src = v4(192, 0, 2, (x % 23) as u8);
                rec.dst = Some(Addr::V4(inside.into()));
            }
            frame_of(&rec, LinkType::Ethernet)
        }
    }
}

/// A capture of `n` frames: kinds and times from `seed`, times mostly
/// increasing with jitter (some beyond the disorder tolerance), across
/// midnight.
fn capture(seed: u64, n: usize, options: WriterOptions) -> Vec<u8> {
    let mut w = PcapWriter::new(Vec::new(), options).unwrap();
    let mut x = seed;
    for i in 0..n {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let r = x >> 11 ^ x << 7;
        let jitter = if r.is_multiple_of(5) { ((r >> 40) % 600) as i64 * S } else { 0 };
        let ts = T0 + i as i64 * 7 * S - jitter;
        w.write_raw(ts, &frame((r >> 3) as u8 % 16, r)).unwrap();
    }
    w.finish().unwrap()
}

fn params() -> BatchParams {
    let telescope = vec![
        "10.20.0.0/16".parse::<Prefix>().unwrap(),
        "2001:db8:ff00::/40".parse::<Prefix>().unwrap(),
    ];
    BatchParams::default().telescope(telescope).max_disorder_ns(300 * S)
}

#[test]
fn fast_path_equals_general_path_on_mixed_frames() {
    let bytes = capture(1, 3_000, WriterOptions::default());
    let (g, f) = (general(&bytes, &params()), fast(&bytes, &params()));
    assert!(g.1.n_outside > 0 && g.1.n_late > 0 && g.1.n_late_dropped > 0, "{:?}", g.1);
    assert!(g.2.n_non_ip > 0 && g.2.n_malformed() > 0, "{:?}", g.2);
    assert_eq!(g.0.len(), 2, "two days");
    assert!(g.0.iter().any(|b| b.contains("n_mirai: 2")), "Mirai-like packets counted");
    assert_eq!(g, f);
    // Without telescope prefixes too.
    let p = BatchParams::default();
    assert_eq!(general(&bytes, &p), fast(&bytes, &p));
}

#[test]
fn fast_path_on_other_byte_orders_resolutions_snaplen_and_links() {
    for (big_endian, resolution, snaplen) in [
        (true, TsResolution::Nanos, 262_144),
        (false, TsResolution::Micros, 262_144),
        (true, TsResolution::Micros, 40),
        (false, TsResolution::Nanos, 30),
    ] {
        let o = WriterOptions { big_endian, resolution, snaplen, ..WriterOptions::default() };
        let bytes = capture(2, 800, o);
        assert_eq!(general(&bytes, &params()), fast(&bytes, &params()), "{o:?}");
    }
    // Another link type takes the general decoder for every frame.
    let o = WriterOptions::with_link_type(LinkType::Raw);
    let mut w = PcapWriter::new(Vec::new(), o).unwrap();
    for (i, rec) in sample_records().iter().enumerate() {
        w.write_record(&PacketRecord { ts_ns: T0 + i as i64 * S, ..*rec }).unwrap();
    }
    let bytes = w.finish().unwrap();
    let g = general(&bytes, &BatchParams::default());
    assert_eq!(g.1.n_records, 10);
    assert_eq!(g, fast(&bytes, &BatchParams::default()));
}

#[test]
fn fast_path_stops_at_the_same_error_with_the_same_records() {
    let bytes = capture(3, 1_000, WriterOptions::default());
    // A record cut short, a corrupt length, a bad timestamp fraction.
    let cut = bytes[..bytes.len() - 7].to_vec();
    let mut corrupt = bytes.clone();
    let mut bad_frac = bytes.clone();
    // The 500th record header: walk the records.
    let mut at = 24;
    for _ in 0..500 {
        let incl = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
        at += 16 + incl;
    }
    corrupt[at + 8..at + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    bad_frac[at + 4..at + 8].copy_from_slice(&2_000_000_000u32.to_le_bytes());
    for b in [cut, corrupt, bad_frac] {
        let g = general(&b, &params());
        assert!(g.3.is_some());
        assert_eq!(g, fast(&b, &params()));
    }
}

#[test]
fn fast_path_falls_back_for_pcapng_and_gzip() {
    let bytes = capture(4, 500, WriterOptions::default());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &bytes).unwrap();
    let gz = gz.finish().unwrap();
    assert_eq!(general(&gz, &params()), fast(&gz, &params()));
    let mut ng = common::Pcapng::new(false);
    ng.section();
    ng.interface(1, Some(9));
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let ts = u64::from(u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()))
            * 1_000_000_000
            + u64::from(u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()));
        let incl = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
        ng.enhanced(0, ts, &bytes[at + 16..at + 16 + incl]);
        at += 16 + incl;
    }
    let g = general(&ng.bytes, &params());
    assert_eq!(g.2.n_frames, 500);
    assert_eq!(g, fast(&ng.bytes, &params()));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn fast_path_equals_general_path_on_random_captures(seed in any::<u64>(), n in 0usize..600) {
        let bytes = capture(seed, n, WriterOptions::default());
        prop_assert_eq!(general(&bytes, &params()), fast(&bytes, &params()));
    }
}
