//! Helpers shared by the integration tests: record builders and a small
//! pcapng block writer.
#![allow(dead_code)]

use std::net::{Ipv4Addr, Ipv6Addr};

use darkdca_trace::{Addr, PacketRecord, proto, tcp_flags};

pub fn v4(a: u8, b: u8, c: u8, d: u8) -> Addr {
    Addr::V4(Ipv4Addr::new(a, b, c, d))
}

/// A TCP SYN from `src` to `dst:port` at `ts_ns`.
pub fn syn(ts_ns: i64, src: Addr, dst: Addr, port: u16) -> PacketRecord {
    PacketRecord {
        ts_ns,
        src,
        dst: Some(dst),
        proto: proto::TCP,
        src_port: Some(40_000),
        dst_port: Some(port),
        tcp_flags: Some(tcp_flags::SYN),
        tcp_seq: Some(12_345),
        len: 40,
        count: 1,
        mirai_label: None,
    }
}

/// A spread of records over every protocol family the writer synthesises.
pub fn sample_records() -> Vec<PacketRecord> {
    let mut out = Vec::new();
    let v6s: Addr = Addr::V6("2001:db8::1".parse::<Ipv6Addr>().unwrap());
    let v6d: Addr = Addr::V6("2001:db8:ffff::7".parse::<Ipv6Addr>().unwrap());
    for (i, p) in [proto::TCP, proto::UDP, proto::ICMP, proto::GRE, 132].into_iter().enumerate() {
        let base = 1_620_000_000_000_000_000 + i as i64 * 1_000_123_456;
        let ported = p == proto::TCP || p == proto::UDP;
        let rec = PacketRecord {
            ts_ns: base,
            src: v4(192, 0, 2, 10 + i as u8),
            dst: Some(v4(198, 51, 100, 7)),
            proto: p,
            src_port: ported.then_some(1000 + i as u16),
            dst_port: ported.then_some(23 + i as u16),
            tcp_flags: (p == proto::TCP).then_some(tcp_flags::SYN | tcp_flags::ECE),
            tcp_seq: (p == proto::TCP).then_some(0xc633_6407),
            len: 60 + i as u32,
            count: 1,
            mirai_label: None,
        };
        out.push(rec);
        let p6 = if p == proto::ICMP { proto::ICMPV6 } else { p };
        out.push(PacketRecord {
            ts_ns: base + 7,
            src: v6s,
            dst: Some(v6d),
            proto: p6,
            len: 80 + i as u32,
            ..rec
        });
    }
    out
}

/// Builds pcapng files block by block.
pub struct Pcapng {
    pub bytes: Vec<u8>,
    pub big: bool,
}

impl Pcapng {
    pub fn new(big: bool) -> Self {
        let mut s = Self { bytes: Vec::new(), big };
        s.section();
        s
    }

    fn u16(&self, v: u16) -> [u8; 2] {
        if self.big { v.to_be_bytes() } else { v.to_le_bytes() }
    }

    fn u32(&self, v: u32) -> [u8; 4] {
        if self.big { v.to_be_bytes() } else { v.to_le_bytes() }
    }

    /// Appends a block with the given body (padded to 4 bytes).
    pub fn block(&mut self, btype: u32, body: &[u8]) {
        let pad = (4 - body.len() % 4) % 4;
        let total = (12 + body.len() + pad) as u32;
        let t = self.u32(btype);
        let l = self.u32(total);
        self.bytes.extend_from_slice(&t);
        self.bytes.extend_from_slice(&l);
        self.bytes.extend_from_slice(body);
        self.bytes.extend(std::iter::repeat_n(0u8, pad));
        self.bytes.extend_from_slice(&l);
    }

    /// A new section header block.
    pub fn section(&mut self) {
        let mut body = Vec::new();
        body.extend_from_slice(&self.u32(0x1a2b_3c4d));
        body.extend_from_slice(&self.u16(1));
        body.extend_from_slice(&self.u16(0));
        body.extend_from_slice(&[0xff; 8]);
        self.block(0x0a0d_0d0a, &body);
    }

    /// An interface description with an optional `if_tsresol` byte.
    pub fn interface(&mut self, link: u16, tsresol: Option<u8>) {
        let mut body = Vec::new();
        body.extend_from_slice(&self.u16(link));
        body.extend_from_slice(&self.u16(0));
        body.extend_from_slice(&self.u32(0));
        if let Some(r) = tsresol {
            body.extend_from_slice(&self.u16(9));
            body.extend_from_slice(&self.u16(1));
            body.extend_from_slice(&[r, 0, 0, 0]);
            body.extend_from_slice(&self.u16(0));
            body.extend_from_slice(&self.u16(0));
        }
        self.block(1, &body);
    }

    /// An enhanced packet block; `ts` in the interface's units.
    pub fn enhanced(&mut self, iface: u32, ts: u64, frame: &[u8]) {
        let mut body = Vec::new();
        body.extend_from_slice(&self.u32(iface));
        body.extend_from_slice(&self.u32((ts >> 32) as u32));
        body.extend_from_slice(&self.u32(ts as u32));
        body.extend_from_slice(&self.u32(frame.len() as u32));
        body.extend_from_slice(&self.u32(frame.len() as u32));
        body.extend_from_slice(frame);
        body.extend(std::iter::repeat_n(0u8, (4 - frame.len() % 4) % 4));
        self.block(6, &body);
    }

    /// A simple packet block (interface 0, no timestamp).
    pub fn simple(&mut self, frame: &[u8]) {
        let mut body = Vec::new();
        body.extend_from_slice(&self.u32(frame.len() as u32));
        body.extend_from_slice(frame);
        self.block(3, &body);
    }
}

/// The frame of one record, synthesised by the writer for `link`.
pub fn frame_of(rec: &PacketRecord, link: darkdca_trace::LinkType) -> Vec<u8> {
    let opts = darkdca_trace::WriterOptions::with_link_type(link);
    let mut w = darkdca_trace::PcapWriter::new(Vec::new(), opts).unwrap();
    w.write_record(rec).unwrap();
    w.finish().unwrap()[40..].to_vec()
}
