//! Decoding of one captured frame, from its link-layer header down to the
//! transport header, into a [`PacketRecord`].
//!
//! The decoder reads only the fields the pipeline needs and never looks at
//! payloads; it borrows the frame and allocates nothing.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::link::LinkType;
use crate::record::{Addr, PacketRecord, proto, tcp_flags};

/// Why a frame inside an otherwise readable capture was left out.
///
/// These are counted in the [`ReadReport`](crate::ReadReport) instead of
/// stopping the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Malformed {
    /// The frame is shorter than its link-layer header (VLAN tags included).
    LinkTruncated,
    /// The IP version nibble is neither 4 nor 6, or does not match the
    /// link-layer type.
    IpVersion,
    /// The captured bytes end inside the IPv4 or IPv6 fixed header.
    IpTruncated,
    /// The IPv4 header length field is below 20 bytes or beyond the frame.
    IpHeaderLength,
    /// An IPv6 extension header is cut short or the chain is too long.
    Ipv6Extension,
    /// The captured bytes end before the TCP flags or the UDP ports.
    TransportTruncated,
    /// A CSV row has a cell that cannot be parsed, or lacks the timestamp
    /// or the sender.
    CsvField,
    /// A well-formed record whose timestamp jumps away from the records
    /// around it in its file and back (a corrupted or glitched time): see
    /// [`CaptureReader::max_time_jump_ns`](crate::CaptureReader::max_time_jump_ns).
    TimestampOutlier,
}

impl Malformed {
    /// Every reason, in declaration order.
    pub const ALL: [Malformed; 8] = [
        Malformed::LinkTruncated,
        Malformed::IpVersion,
        Malformed::IpTruncated,
        Malformed::IpHeaderLength,
        Malformed::Ipv6Extension,
        Malformed::TransportTruncated,
        Malformed::CsvField,
        Malformed::TimestampOutlier,
    ];

    /// A short, stable name (snake case) for reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Malformed::LinkTruncated => "link_truncated",
            Malformed::IpVersion => "ip_version",
            Malformed::IpTruncated => "ip_truncated",
            Malformed::IpHeaderLength => "ip_header_length",
            Malformed::Ipv6Extension => "ipv6_extension",
            Malformed::TransportTruncated => "transport_truncated",
            Malformed::CsvField => "csv_field",
            Malformed::TimestampOutlier => "timestamp_outlier",
        }
    }
}

/// Outcome of decoding a frame that produced no record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skip {
    /// A well-formed frame that carries no IP packet (ARP, LLDP, ...).
    NonIp,
    /// A broken frame.
    Malformed(Malformed),
}

type Decoded = Result<PacketRecord, Skip>;

const ETH_IPV4: u16 = 0x0800;
const ETH_IPV6: u16 = 0x86dd;

/// Decodes one frame. `orig_len` is the length on the wire (used when the IP
/// header does not carry a length, as with IPv6 jumbograms).
pub(crate) fn decode(link: LinkType, frame: &[u8], orig_len: u32, ts_ns: i64) -> Decoded {
    let (offset, version) = match link {
        LinkType::Ethernet => ethernet(frame)?,
        LinkType::Raw => (0, None),
        LinkType::Ipv4 => (0, Some(4)),
        LinkType::Ipv6 => (0, Some(6)),
        LinkType::Null => (4, Some(bsd_family(frame, false)?)),
        LinkType::Loop => (4, Some(bsd_family(frame, true)?)),
        LinkType::LinuxSll => cooked(frame, 14, 16)?,
        LinkType::LinuxSll2 => cooked(frame, 0, 20)?,
    };
    let ip = frame.get(offset..).ok_or(Skip::Malformed(Malformed::LinkTruncated))?;
    let wire_len = orig_len.saturating_sub(offset as u32);
    let first = *ip.first().ok_or(Skip::Malformed(Malformed::IpTruncated))?;
    let v = first >> 4;
    if version.is_some_and(|want| want != v) {
        return Err(Skip::Malformed(Malformed::IpVersion));
    }
    match v {
        4 => ipv4(ip, wire_len, ts_ns),
        6 => ipv6(ip, wire_len, ts_ns),
        _ => Err(Skip::Malformed(Malformed::IpVersion)),
    }
}

/// What a batch needs of an IPv4 packet, decoded straight from the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FastV4 {
    pub(crate) src: u32,
    pub(crate) dst: u32,
    pub(crate) proto: u8,
    pub(crate) dst_port: Option<u16>,
    /// [`PacketRecord::is_mirai_like`] of the same packet.
    pub(crate) mirai: bool,
}

/// The common case of [`decode`], without building a [`PacketRecord`]: an
/// untagged Ethernet frame carrying an IPv4 packet whose headers are whole.
/// Any other frame gives `None`, and the caller decodes it with
/// [`decode`]; for a frame accepted here, [`decode`] gives a record with
/// the same fields (test `fast_path_agrees_with_decode`).
#[inline]
pub(crate) fn fast_ethernet_ipv4(frame: &[u8]) -> Option<FastV4> {
    let eth: &[u8; 34] = frame.get(..34)?.try_into().ok()?;
    if eth[12..14] != [0x08, 0x00] || eth[14] >> 4 != 4 {
        return None;
    }
    let ip = &frame[14..];
    let ihl = usize::from(ip[0] & 0x0f) * 4;
    if ihl < 20 || ip.len() < ihl {
        return None;
    }
    let p = ip[9];
    let src = u32::from_be_bytes([ip[12], ip[13], ip[14], ip[15]]);
    let dst = u32::from_be_bytes([ip[16], ip[17], ip[18], ip[19]]);
    let first_fragment = u16::from_be_bytes([ip[6], ip[7]]) & 0x1fff == 0;
    let t = &ip[ihl..];
    let (dst_port, mirai) = match p {
        proto::TCP if first_fragment => {
            let t: &[u8; 14] = t.get(..14)?.try_into().ok()?;
            let seq = u32::from_be_bytes([t[4], t[5], t[6], t[7]]);
            let syn_only = t[13] & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN;
            (Some(u16::from_be_bytes([t[2], t[3]])), syn_only && seq == dst)
        }
        proto::UDP if first_fragment => {
            let t: &[u8; 4] = t.get(..4)?.try_into().ok()?;
            (Some(u16::from_be_bytes([t[2], t[3]])), false)
        }
        _ => (None, false),
    };
    Some(FastV4 { src, dst, proto: p, dst_port, mirai })
}

/// Walks the Ethernet header and any 802.1Q/802.1ad tags.
fn ethernet(frame: &[u8]) -> Result<(usize, Option<u8>), Skip> {
    let mut off = 12;
    loop {
        let et = be16(frame, off).ok_or(Skip::Malformed(Malformed::LinkTruncated))?;
        match et {
            ETH_IPV4 => return Ok((off + 2, Some(4))),
            ETH_IPV6 => return Ok((off + 2, Some(6))),
            // 802.1Q, 802.1ad (QinQ) and the pre-standard 0x9100 tag.
            0x8100 | 0x88a8 | 0x9100 if off < 12 + 4 * 8 => off += 4,
            _ => return Err(Skip::NonIp),
        }
    }
}

/// Linux cooked headers: the protocol field at `proto_at`, `len` bytes long.
fn cooked(frame: &[u8], proto_at: usize, len: usize) -> Result<(usize, Option<u8>), Skip> {
    if frame.len() < len {
        return Err(Skip::Malformed(Malformed::LinkTruncated));
    }
    match be16(frame, proto_at) {
        Some(ETH_IPV4) => Ok((len, Some(4))),
        Some(ETH_IPV6) => Ok((len, Some(6))),
        _ => Err(Skip::NonIp),
    }
}

/// The address family of a BSD loopback header: AF_INET is 2 everywhere,
/// AF_INET6 is 24, 28 or 30 depending on the BSD. `LINKTYPE_NULL` stores it
/// in the capturing host's byte order, so both orders are tried.
fn bsd_family(frame: &[u8], network_order: bool) -> Result<u8, Skip> {
    let b: [u8; 4] = frame
        .get(..4)
        .and_then(|s| s.try_into().ok())
        .ok_or(Skip::Malformed(Malformed::LinkTruncated))?;
    let be = u32::from_be_bytes(b);
    let fam = if network_order {
        be
    } else if be > 0xffff {
        u32::from_le_bytes(b)
    } else {
        be
    };
    match fam {
        2 => Ok(4),
        24 | 28 | 30 => Ok(6),
        _ => Err(Skip::NonIp),
    }
}

fn ipv4(ip: &[u8], wire_len: u32, ts_ns: i64) -> Decoded {
    if ip.len() < 20 {
        return Err(Skip::Malformed(Malformed::IpTruncated));
    }
    let ihl = usize::from(ip[0] & 0x0f) * 4;
    if ihl < 20 || ip.len() < ihl {
        return Err(Skip::Malformed(Malformed::IpHeaderLength));
    }
    let total = u32::from(u16::from_be_bytes([ip[2], ip[3]]));
    let frag_offset = u16::from_be_bytes([ip[6], ip[7]]) & 0x1fff;
    let p = ip[9];
    let src = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
    let dst = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
    let mut rec =
        base(ts_ns, Addr::V4(src), Addr::V4(dst), p, if total == 0 { wire_len } else { total });
    if frag_offset == 0 {
        transport(&mut rec, &ip[ihl..])?;
    }
    Ok(rec)
}

fn ipv6(ip: &[u8], wire_len: u32, ts_ns: i64) -> Decoded {
    if ip.len() < 40 {
        return Err(Skip::Malformed(Malformed::IpTruncated));
    }
    let payload = u32::from(u16::from_be_bytes([ip[4], ip[5]]));
    let src: [u8; 16] = ip[8..24].try_into().unwrap_or([0; 16]);
    let dst: [u8; 16] = ip[24..40].try_into().unwrap_or([0; 16]);
    let (p, off, first_fragment) = ipv6_chain(ip, ip[6])?;
    let len = if payload == 0 { wire_len } else { payload + 40 };
    let mut rec = base(ts_ns, Addr::V6(Ipv6Addr::from(src)), Addr::V6(Ipv6Addr::from(dst)), p, len);
    if first_fragment {
        transport(&mut rec, &ip[off..])?;
    }
    Ok(rec)
}

/// Walks IPv6 extension headers from `next` at offset 40; returns the
/// upper-layer protocol, its offset and whether this is the first (or only)
/// fragment.
fn ipv6_chain(ip: &[u8], mut next: u8) -> Result<(u8, usize, bool), Skip> {
    let bad = Skip::Malformed(Malformed::Ipv6Extension);
    let mut off = 40;
    let mut first_fragment = true;
    for _ in 0..16 {
        let hdr = ip.get(off..off + 2).ok_or(bad)?;
        let len = match next {
            // Hop-by-hop, routing, destination options, mobility, HIP, shim6.
            0 | 43 | 60 | 135 | 139 | 140 => (usize::from(hdr[1]) + 1) * 8,
            44 => {
                let f = ip.get(off..off + 8).ok_or(bad)?;
                if u16::from_be_bytes([f[2], f[3]]) >> 3 != 0 {
                    first_fragment = false;
                }
                8
            }
            // Authentication header: length in 4-byte units, minus 2.
            51 => (usize::from(hdr[1]) + 2) * 4,
            _ => return Ok((next, off, first_fragment)),
        };
        next = hdr[0];
        off += len;
        if off > ip.len() {
            return Err(bad);
        }
    }
    Err(bad)
}

fn base(ts_ns: i64, src: Addr, dst: Addr, p: u8, len: u32) -> PacketRecord {
    PacketRecord {
        ts_ns,
        src,
        dst: Some(dst),
        proto: p,
        src_port: None,
        dst_port: None,
        tcp_flags: None,
        tcp_seq: None,
        len,
        count: 1,
        mirai_label: None,
    }
}

/// Fills ports, flags and sequence number from the transport header.
fn transport(rec: &mut PacketRecord, t: &[u8]) -> Result<(), Skip> {
    let short = Skip::Malformed(Malformed::TransportTruncated);
    match rec.proto {
        proto::TCP => {
            if t.len() < 14 {
                return Err(short);
            }
            rec.src_port = Some(u16::from_be_bytes([t[0], t[1]]));
            rec.dst_port = Some(u16::from_be_bytes([t[2], t[3]]));
            rec.tcp_seq = Some(u32::from_be_bytes([t[4], t[5], t[6], t[7]]));
            rec.tcp_flags = Some(t[13]);
        }
        proto::UDP => {
            if t.len() < 4 {
                return Err(short);
            }
            rec.src_port = Some(u16::from_be_bytes([t[0], t[1]]));
            rec.dst_port = Some(u16::from_be_bytes([t[2], t[3]]));
        }
        _ => {}
    }
    Ok(())
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at + 2)?;
    Some(u16::from_be_bytes([s[0], s[1]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipv4_tcp(frag: u16, ihl_words: u8) -> Vec<u8> {
        let ihl = usize::from(ihl_words) * 4;
        let mut ip = vec![0u8; ihl + 20];
        ip[0] = 0x40 | ihl_words;
        ip[2..4].copy_from_slice(&((ihl + 20) as u16).to_be_bytes());
        ip[6..8].copy_from_slice(&frag.to_be_bytes());
        ip[9] = proto::TCP;
        ip[12..16].copy_from_slice(&[10, 0, 0, 1]);
        ip[16..20].copy_from_slice(&[10, 0, 0, 2]);
        let t = &mut ip[ihl..];
        t[0..2].copy_from_slice(&1234u16.to_be_bytes());
        t[2..4].copy_from_slice(&80u16.to_be_bytes());
        t[4..8].copy_from_slice(&0x0a00_0002u32.to_be_bytes());
        t[13] = 0x02;
        ip
    }

    #[test]
    fn ipv4_options_and_fragments() {
        let r = decode(LinkType::Raw, &ipv4_tcp(0, 7), 48, 5).unwrap();
        assert_eq!(r.dst_port, Some(80));
        assert!(r.is_mirai_like());
        assert_eq!(r.len, 48);
        // A later fragment has no ports.
        let r = decode(LinkType::Raw, &ipv4_tcp(0x0003, 5), 40, 5).unwrap();
        assert_eq!((r.proto, r.dst_port, r.tcp_seq), (proto::TCP, None, None));
        // A first fragment with "more fragments" set keeps them.
        let r = decode(LinkType::Raw, &ipv4_tcp(0x2000, 5), 40, 5).unwrap();
        assert_eq!(r.dst_port, Some(80));
    }

    #[test]
    fn vlan_qinq_and_non_ip() {
        let ip = ipv4_tcp(0, 5);
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x88, 0xa8, 0, 1, 0x81, 0x00, 0, 2, 0x08, 0x00]);
        f.extend_from_slice(&ip);
        assert_eq!(decode(LinkType::Ethernet, &f, f.len() as u32, 0).unwrap().dst_port, Some(80));
        let mut arp = vec![0u8; 12];
        arp.extend_from_slice(&[0x08, 0x06, 0, 0]);
        assert_eq!(decode(LinkType::Ethernet, &arp, 16, 0), Err(Skip::NonIp));
        assert_eq!(
            decode(LinkType::Ethernet, &f[..13], 13, 0),
            Err(Skip::Malformed(Malformed::LinkTruncated))
        );
    }

    #[test]
    fn ipv6_extension_headers_walked() {
        let mut ip = vec![0u8; 40];
        ip[0] = 0x60;
        ip[6] = 0; // hop-by-hop
        ip[8] = 0x20;
        ip[24] = 0x20;
        // Hop-by-hop (8 bytes) -> fragment (8 bytes, offset 0) -> UDP.
        ip.extend_from_slice(&[44, 0, 0, 0, 0, 0, 0, 0]);
        ip.extend_from_slice(&[17, 0, 0, 0, 0, 0, 0, 9]);
        ip.extend_from_slice(&[0, 53, 0, 123, 0, 8, 0, 0]);
        let n = (ip.len() - 40) as u16;
        ip[4..6].copy_from_slice(&n.to_be_bytes());
        let r = decode(LinkType::Ipv6, &ip, ip.len() as u32, 0).unwrap();
        assert_eq!((r.proto, r.src_port, r.dst_port), (proto::UDP, Some(53), Some(123)));
        assert_eq!(r.len, ip.len() as u32);
        // The same with a non-zero fragment offset: no ports.
        ip[50] = 0x01;
        let r = decode(LinkType::Ipv6, &ip, ip.len() as u32, 0).unwrap();
        assert_eq!(r.dst_port, None);
        // Cut inside the chain.
        assert_eq!(
            decode(LinkType::Ipv6, &ip[..45], 45, 0),
            Err(Skip::Malformed(Malformed::Ipv6Extension))
        );
        // Version mismatch with the link type.
        assert_eq!(decode(LinkType::Ipv4, &ip, 64, 0), Err(Skip::Malformed(Malformed::IpVersion)));
    }

    #[test]
    fn cooked_and_loopback_headers() {
        let ip = ipv4_tcp(0, 5);
        let mut sll = vec![0u8; 14];
        sll.extend_from_slice(&[0x08, 0x00]);
        sll.extend_from_slice(&ip);
        assert!(decode(LinkType::LinuxSll, &sll, sll.len() as u32, 0).is_ok());
        let mut sll2 = vec![0x08, 0x00];
        sll2.extend_from_slice(&[0u8; 18]);
        sll2.extend_from_slice(&ip);
        assert!(decode(LinkType::LinuxSll2, &sll2, sll2.len() as u32, 0).is_ok());
        for fam in [2u32.to_le_bytes(), 2u32.to_be_bytes()] {
            let mut f = fam.to_vec();
            f.extend_from_slice(&ip);
            assert!(decode(LinkType::Null, &f, f.len() as u32, 0).is_ok());
        }
        let mut f = 2u32.to_le_bytes().to_vec();
        f.extend_from_slice(&ip);
        assert_eq!(decode(LinkType::Loop, &f, f.len() as u32, 0), Err(Skip::NonIp));
    }

    #[test]
    fn fast_path_agrees_with_decode() {
        // Ethernet frames of IPv4 packets with options, fragments, TCP,
        // UDP, ICMP, cut at every length, with random bytes flipped.
        let mut x = 0x1234_5678_9abc_def0u64;
        let mut n_fast = 0;
        for i in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut ip = ipv4_tcp([0, 0x2000, 0x0003][i as usize % 3], 5 + (i % 3) as u8);
            ip[9] = [proto::TCP, proto::UDP, proto::ICMP, proto::TCP][(x >> 8) as usize % 4];
            let mut f = vec![0u8; 12];
            f.extend_from_slice(&[0x08, 0x00]);
            f.extend_from_slice(&ip);
            if x.is_multiple_of(4) {
                let at = (x >> 16) as usize % f.len();
                f[at] ^= (x >> 32) as u8 | 1;
            }
            f.truncate((x >> 40) as usize % (f.len() + 1));
            let Some(fast) = fast_ethernet_ipv4(&f) else { continue };
            n_fast += 1;
            let rec = decode(LinkType::Ethernet, &f, f.len() as u32, 0).unwrap();
            assert_eq!(
                (Addr::V4(fast.src.into()), Some(Addr::V4(fast.dst.into()))),
                (rec.src, rec.dst)
            );
            assert_eq!(
                (fast.proto, fast.dst_port, fast.mirai),
                (rec.proto, rec.dst_port, rec.is_mirai_like())
            );
        }
        assert!(n_fast > 1_000, "{n_fast} frames took the fast path");
    }

    #[test]
    fn truncated_transport_counted() {
        let ip = ipv4_tcp(0, 5);
        assert_eq!(
            decode(LinkType::Raw, &ip[..30], 40, 0),
            Err(Skip::Malformed(Malformed::TransportTruncated))
        );
        assert_eq!(
            decode(LinkType::Raw, &ip[..10], 40, 0),
            Err(Skip::Malformed(Malformed::IpTruncated))
        );
    }
}
