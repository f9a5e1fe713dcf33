//! Reader coverage: pcap variants, pcapng, link types, gzip, round trips
//! through the writer, and typed errors on broken files.

mod common;

use std::io::{Cursor, Write};

use common::{Pcapng, frame_of, sample_records, syn, v4};
use darkdca_trace::{
    CaptureReader, Error, LinkType, Malformed, PacketRecord, PcapWriter, Result, TsResolution,
    WriterOptions,
};

fn write(recs: &[PacketRecord], opts: WriterOptions) -> Vec<u8> {
    let mut w = PcapWriter::new(Vec::new(), opts).unwrap();
    for r in recs {
        w.write_record(r).unwrap();
    }
    w.finish().unwrap()
}

fn read(bytes: Vec<u8>) -> (Vec<PacketRecord>, CaptureReader) {
    let mut r = CaptureReader::from_reader("mem.pcap", Cursor::new(bytes)).unwrap();
    let recs = (&mut r).collect::<Result<Vec<_>>>().unwrap();
    (recs, r)
}

#[test]
fn round_trip_every_link_type_and_byte_order() {
    let recs = sample_records();
    for link in [
        LinkType::Ethernet,
        LinkType::Raw,
        LinkType::Null,
        LinkType::Loop,
        LinkType::LinuxSll,
        LinkType::LinuxSll2,
    ] {
        for big_endian in [false, true] {
            let opts = WriterOptions { link_type: link, big_endian, ..WriterOptions::default() };
            let (back, _) = read(write(&recs, opts));
            assert_eq!(back, recs, "{link:?} big_endian={big_endian}");
        }
    }
}

#[test]
fn microsecond_magic_truncates_to_microseconds() {
    let recs = sample_records();
    let opts = WriterOptions {
        resolution: TsResolution::Micros,
        big_endian: true,
        ..WriterOptions::default()
    };
    let (back, _) = read(write(&recs, opts));
    for (a, b) in back.iter().zip(&recs) {
        assert_eq!(a.ts_ns, b.ts_ns / 1000 * 1000);
        assert_eq!(PacketRecord { ts_ns: b.ts_ns, ..*a }, *b);
    }
}

#[test]
fn snaplen_shorter_than_packet_keeps_headers_and_length() {
    let mut rec = syn(1_000, v4(192, 0, 2, 1), v4(198, 51, 100, 2), 445);
    rec.len = 1400;
    let opts = WriterOptions { snaplen: 54, ..WriterOptions::default() };
    let (back, _) = read(write(&[rec], opts));
    assert_eq!(back, vec![rec]);
}

#[test]
fn single_family_raw_link_types() {
    let recs = sample_records();
    let v4s: Vec<_> =
        recs.iter().copied().filter(|r| matches!(r.src, darkdca_trace::Addr::V4(_))).collect();
    let (back, _) = read(write(&v4s, WriterOptions::with_link_type(LinkType::Ipv4)));
    assert_eq!(back, v4s);
    let mut w = PcapWriter::new(Vec::new(), WriterOptions::with_link_type(LinkType::Ipv6)).unwrap();
    assert!(matches!(w.write_record(&v4s[0]), Err(Error::Unwritable { .. })));
}

#[test]
fn gzip_is_detected_by_magic() {
    let recs = sample_records();
    let plain = write(&recs, WriterOptions::default());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).unwrap();
    let (back, _) = read(gz.finish().unwrap());
    assert_eq!(back, recs);
}

#[test]
fn pcapng_interfaces_resolutions_and_block_kinds() {
    let recs = sample_records();
    for big in [false, true] {
        let mut ng = Pcapng::new(big);
        ng.interface(1, None); // Ethernet, microseconds
        ng.interface(101, Some(9)); // raw IP, nanoseconds
        ng.interface(276, Some(0x80 | 20)); // SLL2, 2^-20 s
        ng.block(0x0000_0bad, &[1, 2, 3, 4, 5, 6, 7, 8]); // unknown: skipped
        ng.block(4, &[0, 0, 0, 0]); // name resolution: skipped
        let r = recs[0];
        ng.enhanced(0, (r.ts_ns / 1000) as u64, &frame_of(&r, LinkType::Ethernet));
        let r = recs[1];
        ng.enhanced(1, r.ts_ns as u64, &frame_of(&r, LinkType::Raw));
        let r = recs[2];
        let units = ((r.ts_ns as u128) << 20) / 1_000_000_000;
        ng.enhanced(2, units as u64, &frame_of(&r, LinkType::LinuxSll2));
        // A simple packet block inherits the previous time.
        ng.simple(&frame_of(&recs[3], LinkType::Ethernet));
        let (back, reader) = read(ng.bytes);
        assert_eq!(back.len(), 4);
        assert_eq!(back[0], PacketRecord { ts_ns: recs[0].ts_ns / 1000 * 1000, ..recs[0] });
        assert_eq!(back[1], recs[1]);
        assert!((back[2].ts_ns - recs[2].ts_ns).abs() < 1000, "binary resolution");
        assert_eq!(PacketRecord { ts_ns: recs[2].ts_ns, ..back[2] }, recs[2]);
        assert_eq!(PacketRecord { ts_ns: recs[3].ts_ns, ..back[3] }, recs[3]);
        assert_eq!(back[3].ts_ns, back[2].ts_ns);
        assert_eq!(reader.report().n_records, 4);
    }
}

#[test]
fn pcapng_new_section_resets_interfaces_and_byte_order() {
    let r = sample_records()[0];
    let mut ng = Pcapng::new(false);
    ng.interface(1, Some(9));
    ng.enhanced(0, r.ts_ns as u64, &frame_of(&r, LinkType::Ethernet));
    let mut second = Pcapng::new(true);
    second.interface(101, Some(9));
    second.enhanced(0, r.ts_ns as u64, &frame_of(&r, LinkType::Raw));
    ng.bytes.extend_from_slice(&second.bytes);
    let (back, _) = read(ng.bytes);
    assert_eq!(back, vec![r, r]);
}

#[test]
fn truncated_last_record_keeps_earlier_ones() {
    let recs = sample_records();
    let mut bytes = write(&recs, WriterOptions::default());
    let full = bytes.len();
    bytes.truncate(full - 10);
    let mut reader = CaptureReader::from_reader("cut.pcap", Cursor::new(bytes)).unwrap();
    let mut got = Vec::new();
    let err = loop {
        match reader.next_record() {
            Ok(Some(r)) => got.push(r),
            Ok(None) => panic!("expected an error"),
            Err(e) => break e,
        }
    };
    assert_eq!(got, recs[..recs.len() - 1]);
    // The last record starts where the others end.
    let last_frame = 16 + 14 + recs.last().unwrap().len as u64;
    match err {
        Error::Truncated { path, offset, .. } => {
            assert_eq!(path.to_str(), Some("cut.pcap"));
            assert_eq!(offset, full as u64 - last_frame);
        }
        other => panic!("wrong error {other}"),
    }
    assert_eq!(reader.next_record().unwrap(), None, "finished after an error");
}

#[test]
fn corrupt_lengths_are_typed_errors() {
    // pcap: an absurd captured length in the second record.
    let recs = sample_records();
    let mut bytes = write(&recs[..2], WriterOptions::default());
    let second = 24 + 16 + 14 + recs[0].len as usize;
    bytes[second + 8..second + 12].copy_from_slice(&0x7fff_0000u32.to_le_bytes());
    let mut reader = CaptureReader::from_reader("bad.pcap", Cursor::new(bytes)).unwrap();
    assert_eq!(reader.next_record().unwrap(), Some(recs[0]));
    let err = reader.next_record().unwrap_err();
    assert!(matches!(err, Error::BadLength { offset, .. } if offset == second as u64), "{err}");

    // pcapng: a block length that is not a multiple of 4.
    let mut ng = Pcapng::new(false);
    ng.interface(1, Some(9));
    let at = ng.bytes.len();
    ng.enhanced(0, 5, &frame_of(&recs[0], LinkType::Ethernet));
    ng.bytes[at + 4] += 1;
    let mut reader = CaptureReader::from_reader("bad.pcapng", Cursor::new(ng.bytes)).unwrap();
    let err = reader.next_record().unwrap_err();
    assert!(matches!(err, Error::BadLength { offset, .. } if offset == at as u64), "{err}");
    assert!(err.to_string().contains("bad.pcapng"), "{err}");
}

#[test]
fn unknown_link_types_name_the_header() {
    let mut bytes = write(&sample_records(), WriterOptions::default());
    bytes[20..24].copy_from_slice(&147u32.to_le_bytes());
    let err = CaptureReader::from_reader("user.pcap", Cursor::new(bytes)).unwrap_err();
    assert!(matches!(err, Error::UnknownLinkType { offset: 20, link_type: 147, .. }), "{err}");

    // pcapng: the error comes with the first packet on that interface and
    // names the interface description's offset.
    let r = sample_records()[0];
    let mut ng = Pcapng::new(false);
    ng.interface(1, Some(9));
    let idb = ng.bytes.len() as u64;
    ng.interface(147, Some(9));
    ng.enhanced(0, 1, &frame_of(&r, LinkType::Ethernet));
    ng.enhanced(1, 2, &frame_of(&r, LinkType::Ethernet));
    let mut reader = CaptureReader::from_reader("two.pcapng", Cursor::new(ng.bytes)).unwrap();
    assert!(reader.next_record().unwrap().is_some());
    let err = reader.next_record().unwrap_err();
    assert!(
        matches!(err, Error::UnknownLinkType { offset, link_type: 147, .. } if offset == idb),
        "{err}"
    );
}

#[test]
fn not_a_capture() {
    let err =
        CaptureReader::from_reader("notes.txt", Cursor::new(b"hello world".to_vec())).unwrap_err();
    assert!(matches!(err, Error::UnknownFormat { .. }), "{err}");
    let err = CaptureReader::from_reader("empty.pcap", Cursor::new(Vec::new())).unwrap_err();
    assert!(matches!(err, Error::Truncated { offset: 0, .. }), "{err}");
}

#[test]
fn malformed_frames_are_counted_not_fatal() {
    let good = syn(1, v4(192, 0, 2, 1), v4(198, 51, 100, 2), 23);
    let mut w = PcapWriter::new(Vec::new(), WriterOptions::default()).unwrap();
    w.write_record(&good).unwrap();
    let frame = frame_of(&good, LinkType::Ethernet);
    w.write_raw(2, &frame[..20]).unwrap(); // cut inside the IPv4 header
    let mut bad_ihl = frame.clone();
    bad_ihl[14] = 0x43;
    w.write_raw(3, &bad_ihl).unwrap();
    let mut arp = frame.clone();
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    w.write_raw(4, &arp).unwrap();
    w.write_raw(5, &frame[..40]).unwrap(); // cut inside the TCP header
    w.write_record(&good).unwrap();
    let (back, reader) = read(w.finish().unwrap());
    assert_eq!(back, vec![good, good]);
    let rep = reader.report();
    assert_eq!(rep.n_frames, 6);
    assert_eq!(rep.n_non_ip, 1);
    assert_eq!(rep.malformed(Malformed::IpTruncated), 1);
    assert_eq!(rep.malformed(Malformed::IpHeaderLength), 1);
    assert_eq!(rep.malformed(Malformed::TransportTruncated), 1);
    assert_eq!(rep.n_malformed(), 3);
}

#[test]
fn open_names_the_missing_file() {
    let err = CaptureReader::open("/nonexistent/day.pcap").unwrap_err();
    assert!(matches!(err, Error::Open { .. }));
    assert!(err.to_string().contains("/nonexistent/day.pcap"));
}
