//! The one record every reader produces: a packet (or a flow row) seen by the telescope.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

/// IP protocol numbers the pipeline names; any other protocol is kept by number.
pub mod proto {
    /// ICMP for IPv4.
    pub const ICMP: u8 = 1;
    /// TCP.
    pub const TCP: u8 = 6;
    /// UDP.
    pub const UDP: u8 = 17;
    /// GRE.
    pub const GRE: u8 = 47;
    /// ICMP for IPv6.
    pub const ICMPV6: u8 = 58;
}

/// TCP flag bits as they appear in the TCP header's flag byte.
pub mod tcp_flags {
    /// FIN.
    pub const FIN: u8 = 0x01;
    /// SYN.
    pub const SYN: u8 = 0x02;
    /// RST.
    pub const RST: u8 = 0x04;
    /// PSH.
    pub const PSH: u8 = 0x08;
    /// ACK.
    pub const ACK: u8 = 0x10;
    /// URG.
    pub const URG: u8 = 0x20;
    /// ECE.
    pub const ECE: u8 = 0x40;
    /// CWR.
    pub const CWR: u8 = 0x80;
}

/// An endpoint of a packet: an IP address, or an opaque identifier for
/// published data whose addresses were pseudonymised (`src_ipaddr17`).
///
/// Opaque identifiers are indices into the [`crate::OpaqueNames`] table of
/// the reader that produced them; address-based features (prefixes, the
/// Mirai-like label) are absent for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Addr {
    /// An IPv4 address.
    V4(Ipv4Addr),
    /// An IPv6 address.
    V6(Ipv6Addr),
    /// A pseudonym, interned by the reader.
    Opaque(u32),
}

/// One packet seen by the telescope (or one row of a flow log, which may
/// stand for several packets, see [`PacketRecord::count`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PacketRecord {
    /// Capture time, nanoseconds since the Unix epoch (UTC).
    pub ts_ns: i64,
    /// The sender.
    pub src: Addr,
    /// The destination, absent in logs that do not record it.
    pub dst: Option<Addr>,
    /// IP protocol number (see [`proto`]).
    pub proto: u8,
    /// Source port for TCP and UDP (and only in the first fragment).
    pub src_port: Option<u16>,
    /// Destination port for TCP and UDP (and only in the first fragment).
    pub dst_port: Option<u16>,
    /// TCP flag byte (see [`tcp_flags`]), for TCP only.
    pub tcp_flags: Option<u8>,
    /// TCP sequence number, for TCP only.
    pub tcp_seq: Option<u32>,
    /// IP total length in bytes as on the wire (not the captured length).
    pub len: u32,
    /// Packets this record stands for: 1 for captures, possibly more for flow rows.
    pub count: u32,
    /// A Mirai label given by the source itself, such as the `mirai`
    /// column of the i-DarkVec logs ([`crate::CsvLayout::darkvec`]), whose
    /// pseudonymised destinations rule out the sequence-number test.
    /// `None` (captures, and logs without such a column): the label is
    /// computed by [`PacketRecord::is_mirai_like`]. Not written to pcap.
    #[serde(default)]
    pub mirai_label: Option<bool>,
}

impl PacketRecord {
    /// Whether this is a Mirai-like probe: the source's own label
    /// ([`PacketRecord::mirai_label`]) when it has one, otherwise whether
    /// this is a TCP SYN (without ACK) whose sequence number equals its
    /// IPv4 destination address.
    #[must_use]
    pub fn is_mirai_like(&self) -> bool {
        if let Some(label) = self.mirai_label {
            return label;
        }
        let syn_only =
            self.tcp_flags.is_some_and(|f| f & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN);
        match (self.proto, self.dst, self.tcp_seq) {
            (proto::TCP, Some(Addr::V4(dst)), Some(seq)) => syn_only && seq == u32::from(dst),
            _ => false,
        }
    }
}
