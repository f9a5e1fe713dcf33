//! A pcap writer that synthesises frames from [`PacketRecord`]s.
//!
//! The writer exists so that the project can produce its own fixtures and
//! simulated telescope days. Every frame it writes is a valid packet: the
//! IPv4 header checksum and the TCP, UDP, ICMP and ICMPv6 checksums are
//! correct (computed over the pseudo-header, the header and an all-zero
//! payload), so tools such as Wireshark or dpkt accept the output.

use std::io::{BufWriter, Write};
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::error::{Error, Result};
use crate::link::LinkType;
use crate::record::{Addr, PacketRecord, proto, tcp_flags};

/// Resolution of the timestamps in a classic pcap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TsResolution {
    /// Microseconds (magic `0xa1b2c3d4`).
    Micros,
    /// Nanoseconds (magic `0xa1b23c4d`), the default.
    #[default]
    Nanos,
}

/// Options of a [`PcapWriter`].
///
/// The defaults are Ethernet frames, nanosecond timestamps, little-endian
/// headers and a snapshot length of 262,144 bytes (tcpdump's default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterOptions {
    /// Link type written in the file header and synthesised by
    /// [`PcapWriter::write_record`].
    pub link_type: LinkType,
    /// Timestamp resolution.
    pub resolution: TsResolution,
    /// Write big-endian headers instead of little-endian ones.
    pub big_endian: bool,
    /// Snapshot length: frames are cut to this many captured bytes (the
    /// original length is kept in the record header). At least 1.
    pub snaplen: u32,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self {
            link_type: LinkType::Ethernet,
            resolution: TsResolution::Nanos,
            big_endian: false,
            snaplen: 262_144,
        }
    }
}

impl WriterOptions {
    /// Default options with the given link type.
    #[must_use]
    pub fn with_link_type(link_type: LinkType) -> Self {
        Self { link_type, ..Self::default() }
    }
}

/// Largest link-layer header the writer synthesises (SLL2).
const MAX_LINK: usize = 20;
/// Largest frame header: link + IPv6 + TCP.
const MAX_HEADER: usize = MAX_LINK + 40 + 20;
/// A block of zero bytes used as payload.
static ZEROS: [u8; 4096] = [0; 4096];

/// Writes classic pcap files, one record at a time, without allocating per
/// packet.
///
/// Output is buffered internally; call [`PcapWriter::finish`] to flush and get
/// the inner writer back (dropping the writer flushes too, but ignores
/// errors).
///
/// # Examples
///
/// ```
/// use darkdca_trace::{Addr, PacketRecord, PcapWriter, WriterOptions, proto};
///
/// let mut w = PcapWriter::new(Vec::new(), WriterOptions::default())?;
/// let rec = PacketRecord {
///     ts_ns: 1_620_000_000_000_000_000,
///     src: Addr::V4("192.0.2.1".parse()?),
///     dst: Some(Addr::V4("198.51.100.7".parse()?)),
///     proto: proto::TCP,
///     src_port: Some(40000),
///     dst_port: Some(23),
///     tcp_flags: Some(0x02),
///     tcp_seq: Some(7),
///     len: 40,
///     count: 1,
///     mirai_label: None,
/// };
/// w.write_record(&rec)?;
/// let bytes = w.finish()?;
/// assert_eq!(bytes.len(), 24 + 16 + 14 + 40);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: BufWriter<W>,
    options: WriterOptions,
    ip_id: u16,
    n_written: u64,
}

impl<W: Write> PcapWriter<W> {
    /// Starts a capture: checks the options and writes the file header.
    ///
    /// # Errors
    ///
    /// [`Error::Params`] if the snapshot length is 0, [`Error::Write`] if the
    /// header cannot be written.
    pub fn new(out: W, options: WriterOptions) -> Result<Self> {
        if options.snaplen == 0 {
            return Err(Error::Params { name: "snaplen", reason: "must be at least 1".into() });
        }
        let mut w =
            Self { out: BufWriter::with_capacity(1 << 18, out), options, ip_id: 0, n_written: 0 };
        let magic = match options.resolution {
            TsResolution::Micros => 0xa1b2_c3d4_u32,
            TsResolution::Nanos => 0xa1b2_3c4d_u32,
        };
        let mut hdr = [0u8; 24];
        w.put_u32(&mut hdr[0..4], magic);
        w.put_u16(&mut hdr[4..6], 2);
        w.put_u16(&mut hdr[6..8], 4);
        // Bytes 8..16 (thiszone, sigfigs) stay zero.
        w.put_u32(&mut hdr[16..20], options.snaplen);
        w.put_u32(&mut hdr[20..24], options.link_type.code());
        w.out.write_all(&hdr).map_err(|source| Error::Write { source })?;
        Ok(w)
    }

    /// The options this writer was created with.
    #[must_use]
    pub fn options(&self) -> &WriterOptions {
        &self.options
    }

    /// Number of packets written so far.
    #[must_use]
    pub fn n_written(&self) -> u64 {
        self.n_written
    }

    /// Synthesises and writes one frame for `rec`.
    ///
    /// The frame is the link-layer header of the writer's link type, an IPv4
    /// or IPv6 header, and for TCP, UDP, ICMP/ICMPv6 and GRE a transport
    /// header, padded with zero bytes to the record's IP length (`len`, at
    /// least the headers). TCP gets the record's flags (SYN if absent),
    /// sequence number (0 if absent), ports (0 if absent) and a zero
    /// acknowledgement number; ICMP is an echo request. `count` is ignored:
    /// a record is written once.
    ///
    /// # Errors
    ///
    /// [`Error::Unwritable`] if the destination is missing, an address is
    /// opaque, source and destination families differ, the family does not
    /// fit the link type, or the timestamp is before 1970 or after 2106;
    /// [`Error::Write`] on I/O failure.
    pub fn write_record(&mut self, rec: &PacketRecord) -> Result<()> {
        let mut hdr = [0u8; MAX_HEADER];
        let (hdr_len, ip_total) = self.build_frame(rec, &mut hdr)?;
        let link_len = hdr_len - self.ip_and_transport_len(rec);
        let frame_len = link_len + ip_total;
        let captured = frame_len.min(self.options.snaplen as usize);
        self.write_record_header(rec.ts_ns, captured, frame_len)?;

        // The header, then zeros up to the captured length.
        let head = hdr_len.min(captured);
        self.write_bytes(&hdr[..head])?;
        let mut left = captured - head;
        while left > 0 {
            let n = left.min(ZEROS.len());
            self.write_bytes(&ZEROS[..n])?;
            left -= n;
        }
        self.n_written += 1;
        Ok(())
    }

    /// Writes one frame given as raw link-layer bytes, cut to the snapshot
    /// length.
    ///
    /// # Errors
    ///
    /// [`Error::Unwritable`] if the timestamp is out of pcap's range or the
    /// frame is longer than 4 GiB, [`Error::Write`] on I/O failure.
    pub fn write_raw(&mut self, ts_ns: i64, frame: &[u8]) -> Result<()> {
        let captured = frame.len().min(self.options.snaplen as usize);
        self.write_record_header(ts_ns, captured, frame.len())?;
        self.write_bytes(&frame[..captured])?;
        self.n_written += 1;
        Ok(())
    }

    /// Flushes buffered output and returns the inner writer.
    ///
    /// # Errors
    ///
    /// [`Error::Write`] if flushing fails.
    pub fn finish(self) -> Result<W> {
        self.out.into_inner().map_err(|e| Error::Write { source: e.into_error() })
    }

    fn write_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes).map_err(|source| Error::Write { source })
    }

    fn write_record_header(&mut self, ts_ns: i64, captured: usize, original: usize) -> Result<()> {
        if !(0..(1_i64 << 32) * 1_000_000_000).contains(&ts_ns) {
            return Err(Error::Unwritable { reason: "timestamp outside 1970..2106" });
        }
        let original = u32::try_from(original)
            .map_err(|_| Error::Unwritable { reason: "frame longer than 4 GiB" })?;
        // Both values fit: ts_ns < 2^32 s, and captured <= original.
        let secs = (ts_ns / 1_000_000_000) as u32;
        let nanos = (ts_ns % 1_000_000_000) as u32;
        let frac = match self.options.resolution {
            TsResolution::Micros => nanos / 1000,
            TsResolution::Nanos => nanos,
        };
        let mut rh = [0u8; 16];
        self.put_u32(&mut rh[0..4], secs);
        self.put_u32(&mut rh[4..8], frac);
        self.put_u32(&mut rh[8..12], captured as u32);
        self.put_u32(&mut rh[12..16], original);
        self.write_bytes(&rh)
    }

    fn put_u32(&self, dst: &mut [u8], v: u32) {
        let b = if self.options.big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
        dst.copy_from_slice(&b);
    }

    fn put_u16(&self, dst: &mut [u8], v: u16) {
        let b = if self.options.big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
        dst.copy_from_slice(&b);
    }

    /// IP header plus transport header length for `rec` (its family is
    /// known to be valid when called after `build_frame`).
    fn ip_and_transport_len(&self, rec: &PacketRecord) -> usize {
        let ip = if matches!(rec.src, Addr::V6(_)) { 40 } else { 20 };
        ip + transport_len(rec.proto)
    }

    /// Fills `hdr` with the link, IP and transport headers; returns the header
    /// length and the IP total length.
    fn build_frame(
        &mut self,
        rec: &PacketRecord,
        hdr: &mut [u8; MAX_HEADER],
    ) -> Result<(usize, usize)> {
        let dst = rec.dst.ok_or(Error::Unwritable { reason: "destination address missing" })?;
        let (is_v6, ip_len) = match (rec.src, dst) {
            (Addr::V4(_), Addr::V4(_)) => (false, 20),
            (Addr::V6(_), Addr::V6(_)) => (true, 40),
            (Addr::Opaque(_), _) | (_, Addr::Opaque(_)) => {
                return Err(Error::Unwritable { reason: "opaque addresses cannot be written" });
            }
            _ => {
                return Err(Error::Unwritable { reason: "source and destination families differ" });
            }
        };
        let t_len = transport_len(rec.proto);
        let ip_total = (rec.len as usize).max(ip_len + t_len);
        if !is_v6 && ip_total > 65_535 {
            return Err(Error::Unwritable { reason: "IPv4 length above 65535" });
        }
        if is_v6 && ip_total - 40 > 65_535 {
            return Err(Error::Unwritable { reason: "IPv6 payload above 65535" });
        }
        let link = self.link_header(is_v6, &mut hdr[..MAX_LINK])?;
        let (ip, rest) = hdr[link..].split_at_mut(ip_len);
        let transport = &mut rest[..t_len];
        let l4_len = ip_total - ip_len;
        self.ip_id = self.ip_id.wrapping_add(1);
        let pseudo = match (rec.src, dst) {
            (Addr::V4(s), Addr::V4(d)) => ipv4_header(ip, s, d, rec.proto, ip_total, self.ip_id),
            (Addr::V6(s), Addr::V6(d)) => ipv6_header(ip, s, d, rec.proto, l4_len),
            _ => unreachable!("families checked above"),
        };
        fill_transport(transport, rec, is_v6, pseudo, l4_len);
        Ok((link + ip_len + t_len, ip_total))
    }

    /// Writes the link-layer header into `out`; returns its length.
    fn link_header(&self, is_v6: bool, out: &mut [u8]) -> Result<usize> {
        let ethertype: u16 = if is_v6 { 0x86dd } else { 0x0800 };
        let mac_dst = [0x00, 0x00, 0x5e, 0x00, 0x53, 0x01];
        let mac_src = [0x00, 0x00, 0x5e, 0x00, 0x53, 0x02];
        // BSD's AF_INET6 is 24 on NetBSD/OpenBSD; readers accept 24, 28 and 30.
        let family: u32 = if is_v6 { 24 } else { 2 };
        Ok(match self.options.link_type {
            LinkType::Ethernet => {
                out[0..6].copy_from_slice(&mac_dst);
                out[6..12].copy_from_slice(&mac_src);
                out[12..14].copy_from_slice(&ethertype.to_be_bytes());
                14
            }
            LinkType::Raw => 0,
            LinkType::Ipv4 if !is_v6 => 0,
            LinkType::Ipv6 if is_v6 => 0,
            LinkType::Ipv4 | LinkType::Ipv6 => {
                return Err(Error::Unwritable {
                    reason: "address family does not match link type",
                });
            }
            LinkType::Null => {
                let b = if self.options.big_endian {
                    family.to_be_bytes()
                } else {
                    family.to_le_bytes()
                };
                out[0..4].copy_from_slice(&b);
                4
            }
            LinkType::Loop => {
                out[0..4].copy_from_slice(&family.to_be_bytes());
                4
            }
            LinkType::LinuxSll => {
                out[0..2].copy_from_slice(&0u16.to_be_bytes()); // addressed to us
                out[2..4].copy_from_slice(&1u16.to_be_bytes()); // ARPHRD_ETHER
                out[4..6].copy_from_slice(&6u16.to_be_bytes());
                out[6..12].copy_from_slice(&mac_src);
                out[12..14].copy_from_slice(&[0, 0]);
                out[14..16].copy_from_slice(&ethertype.to_be_bytes());
                16
            }
            LinkType::LinuxSll2 => {
                out[0..2].copy_from_slice(&ethertype.to_be_bytes());
                out[2..4].copy_from_slice(&[0, 0]);
                out[4..8].copy_from_slice(&1u32.to_be_bytes()); // interface index
                out[8..10].copy_from_slice(&1u16.to_be_bytes()); // ARPHRD_ETHER
                out[10] = 0; // addressed to us
                out[11] = 6;
                out[12..18].copy_from_slice(&mac_src);
                out[18..20].copy_from_slice(&[0, 0]);
                20
            }
        })
    }
}

/// Length of the transport header synthesised for `proto`.
fn transport_len(p: u8) -> usize {
    match p {
        proto::TCP => 20,
        proto::UDP | proto::ICMP | proto::ICMPV6 => 8,
        proto::GRE => 4,
        _ => 0,
    }
}

/// Fills a 20-byte IPv4 header; returns the pseudo-header checksum sum.
fn ipv4_header(ip: &mut [u8], src: Ipv4Addr, dst: Ipv4Addr, p: u8, total: usize, id: u16) -> u32 {
    ip[0] = 0x45;
    ip[1] = 0;
    ip[2..4].copy_from_slice(&(total as u16).to_be_bytes());
    ip[4..6].copy_from_slice(&id.to_be_bytes());
    ip[6..8].copy_from_slice(&[0, 0]);
    ip[8] = 64;
    ip[9] = p;
    ip[10..12].copy_from_slice(&[0, 0]);
    ip[12..16].copy_from_slice(&src.octets());
    ip[16..20].copy_from_slice(&dst.octets());
    let c = fold(sum_bytes(0, ip));
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    let l4 = (total - 20) as u32;
    sum_bytes(sum_bytes(0, &src.octets()), &dst.octets()) + u32::from(p) + l4
}

/// Fills a 40-byte IPv6 header; returns the pseudo-header checksum sum.
fn ipv6_header(ip: &mut [u8], src: Ipv6Addr, dst: Ipv6Addr, p: u8, payload: usize) -> u32 {
    ip[0..4].copy_from_slice(&0x6000_0000_u32.to_be_bytes());
    ip[4..6].copy_from_slice(&(payload as u16).to_be_bytes());
    ip[6] = p;
    ip[7] = 64;
    ip[8..24].copy_from_slice(&src.octets());
    ip[24..40].copy_from_slice(&dst.octets());
    sum_bytes(sum_bytes(0, &src.octets()), &dst.octets()) + u32::from(p) + payload as u32
}

/// Fills the transport header and its checksum (payload is all zeros, so it
/// adds nothing to the sum).
fn fill_transport(t: &mut [u8], rec: &PacketRecord, is_v6: bool, pseudo: u32, l4_len: usize) {
    let sport = rec.src_port.unwrap_or(0).to_be_bytes();
    let dport = rec.dst_port.unwrap_or(0).to_be_bytes();
    match rec.proto {
        proto::TCP => {
            t[0..2].copy_from_slice(&sport);
            t[2..4].copy_from_slice(&dport);
            t[4..8].copy_from_slice(&rec.tcp_seq.unwrap_or(0).to_be_bytes());
            t[8..12].copy_from_slice(&[0; 4]);
            t[12] = 5 << 4;
            t[13] = rec.tcp_flags.unwrap_or(tcp_flags::SYN);
            t[14..16].copy_from_slice(&1024u16.to_be_bytes());
            t[16..20].copy_from_slice(&[0; 4]);
            let c = fold(sum_bytes(pseudo, t));
            t[16..18].copy_from_slice(&c.to_be_bytes());
        }
        proto::UDP => {
            t[0..2].copy_from_slice(&sport);
            t[2..4].copy_from_slice(&dport);
            t[4..6].copy_from_slice(&(l4_len as u16).to_be_bytes());
            t[6..8].copy_from_slice(&[0, 0]);
            let mut c = fold(sum_bytes(pseudo, t));
            if c == 0 {
                // RFC 768: a computed zero is sent as all ones.
                c = 0xffff;
            }
            t[6..8].copy_from_slice(&c.to_be_bytes());
        }
        proto::ICMP | proto::ICMPV6 => {
            let echo_request = if rec.proto == proto::ICMPV6 { 128 } else { 8 };
            t[0] = echo_request;
            t[1] = 0;
            t[2..4].copy_from_slice(&[0, 0]);
            t[4..8].copy_from_slice(&[0, 0, 0, 1]);
            // ICMPv6 covers the pseudo-header; ICMPv4 does not.
            let start = if is_v6 && rec.proto == proto::ICMPV6 { pseudo } else { 0 };
            let c = fold(sum_bytes(start, t));
            t[2..4].copy_from_slice(&c.to_be_bytes());
        }
        proto::GRE => {
            t[0..2].copy_from_slice(&[0, 0]);
            t[2..4].copy_from_slice(&0x0800u16.to_be_bytes());
        }
        _ => {}
    }
}

/// Adds `bytes` as big-endian 16-bit words to `acc` (one's complement sum,
/// unfolded).
fn sum_bytes(mut acc: u32, bytes: &[u8]) -> u32 {
    let mut chunks = bytes.chunks_exact(2);
    for c in &mut chunks {
        acc += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u32::from(*last) << 8;
    }
    acc
}

/// Folds a sum to 16 bits and complements it.
fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// Verifies a one's-complement checksum over `parts` (sum must fold to 0).
#[cfg(test)]
pub(crate) fn checksum_ok(start: u32, bytes: &[u8]) -> bool {
    fold(sum_bytes(start, bytes)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(p: u8) -> PacketRecord {
        PacketRecord {
            ts_ns: 1_700_000_000_123_456_789,
            src: Addr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            dst: Some(Addr::V4(Ipv4Addr::new(198, 51, 100, 7))),
            proto: p,
            src_port: Some(40_000),
            dst_port: Some(23),
            tcp_flags: Some(tcp_flags::SYN),
            tcp_seq: Some(0xc633_6407),
            len: 60,
            count: 1,
            mirai_label: None,
        }
    }

    fn write(r: &PacketRecord, opts: WriterOptions) -> Vec<u8> {
        let mut w = PcapWriter::new(Vec::new(), opts).unwrap();
        w.write_record(r).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn tcp_frame_layout_and_checksums() {
        let bytes = write(&rec(proto::TCP), WriterOptions::default());
        assert_eq!(&bytes[0..4], &0xa1b2_3c4d_u32.to_le_bytes());
        let rh = &bytes[24..40];
        assert_eq!(u32::from_le_bytes(rh[0..4].try_into().unwrap()), 1_700_000_000);
        assert_eq!(u32::from_le_bytes(rh[4..8].try_into().unwrap()), 123_456_789);
        assert_eq!(u32::from_le_bytes(rh[8..12].try_into().unwrap()), 14 + 60);
        let frame = &bytes[40..];
        assert_eq!(frame.len(), 74);
        assert_eq!(&frame[12..14], &[0x08, 0x00]);
        let ip = &frame[14..34];
        assert!(checksum_ok(0, ip));
        assert_eq!(u16::from_be_bytes([ip[2], ip[3]]), 60);
        let tcp = &frame[34..];
        let pseudo = sum_bytes(sum_bytes(0, &ip[12..16]), &ip[16..20]) + 6 + 40;
        assert!(checksum_ok(pseudo, tcp));
        assert_eq!(u32::from_be_bytes(tcp[4..8].try_into().unwrap()), 0xc633_6407);
        assert_eq!(tcp[13], tcp_flags::SYN);
    }

    #[test]
    fn udp_icmp_checksums_valid() {
        for p in [proto::UDP, proto::ICMP] {
            let bytes = write(&rec(p), WriterOptions::with_link_type(LinkType::Raw));
            let ip = &bytes[40..60];
            assert!(checksum_ok(0, ip));
            let l4 = &bytes[60..];
            let start = if p == proto::UDP {
                sum_bytes(sum_bytes(0, &ip[12..16]), &ip[16..20]) + u32::from(p) + 40
            } else {
                0
            };
            assert!(checksum_ok(start, l4), "proto {p}");
        }
    }

    #[test]
    fn snaplen_cuts_but_keeps_original_length() {
        let opts = WriterOptions { snaplen: 30, big_endian: true, ..WriterOptions::default() };
        let bytes = write(&rec(proto::TCP), opts);
        assert_eq!(&bytes[0..4], &0xa1b2_3c4d_u32.to_be_bytes());
        assert_eq!(u32::from_be_bytes(bytes[32..36].try_into().unwrap()), 30);
        assert_eq!(u32::from_be_bytes(bytes[36..40].try_into().unwrap()), 74);
        assert_eq!(bytes.len(), 40 + 30);
    }

    #[test]
    fn rejects_unwritable_records() {
        let mut w = PcapWriter::new(Vec::new(), WriterOptions::default()).unwrap();
        let mut r = rec(proto::TCP);
        r.dst = None;
        assert!(matches!(w.write_record(&r), Err(Error::Unwritable { .. })));
        r.dst = Some(Addr::Opaque(3));
        assert!(matches!(w.write_record(&r), Err(Error::Unwritable { .. })));
        r = rec(proto::TCP);
        r.ts_ns = -1;
        assert!(matches!(w.write_record(&r), Err(Error::Unwritable { .. })));
        assert_eq!(w.n_written(), 0);
        assert!(
            PcapWriter::new(Vec::new(), WriterOptions { snaplen: 0, ..WriterOptions::default() })
                .is_err()
        );
    }
}
