//! Link-layer types of captures (the pcap `LINKTYPE_*` registry).

/// The link-layer header types this crate reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LinkType {
    /// BSD loopback (`LINKTYPE_NULL`, 0): a 4-byte address family in the
    /// capturing host's byte order.
    Null,
    /// Ethernet II (`LINKTYPE_ETHERNET`, 1), with 802.1Q and QinQ tags.
    Ethernet,
    /// Raw IPv4 or IPv6, version taken from the first nibble
    /// (`LINKTYPE_RAW`, 101; also the historic DLT values 12 and 14).
    Raw,
    /// OpenBSD loopback (`LINKTYPE_LOOP`, 108): a 4-byte address family in
    /// network byte order.
    Loop,
    /// Linux cooked capture v1 (`LINKTYPE_LINUX_SLL`, 113).
    LinuxSll,
    /// Raw IPv4 only (`LINKTYPE_IPV4`, 228).
    Ipv4,
    /// Raw IPv6 only (`LINKTYPE_IPV6`, 229).
    Ipv6,
    /// Linux cooked capture v2 (`LINKTYPE_LINUX_SLL2`, 276).
    LinuxSll2,
}

impl LinkType {
    /// The type for a `LINKTYPE_*` number, or `None` if unsupported.
    #[must_use]
    pub fn from_code(code: u32) -> Option<Self> {
        Some(match code {
            0 => Self::Null,
            1 => Self::Ethernet,
            12 | 14 | 101 => Self::Raw,
            108 => Self::Loop,
            113 => Self::LinuxSll,
            228 => Self::Ipv4,
            229 => Self::Ipv6,
            276 => Self::LinuxSll2,
            _ => return None,
        })
    }

    /// The `LINKTYPE_*` number written into file headers.
    #[must_use]
    pub fn code(self) -> u32 {
        match self {
            Self::Null => 0,
            Self::Ethernet => 1,
            Self::Raw => 101,
            Self::Loop => 108,
            Self::LinuxSll => 113,
            Self::Ipv4 => 228,
            Self::Ipv6 => 229,
            Self::LinuxSll2 => 276,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for lt in [
            LinkType::Null,
            LinkType::Ethernet,
            LinkType::Raw,
            LinkType::Loop,
            LinkType::LinuxSll,
            LinkType::Ipv4,
            LinkType::Ipv6,
            LinkType::LinuxSll2,
        ] {
            assert_eq!(LinkType::from_code(lt.code()), Some(lt));
        }
        assert_eq!(LinkType::from_code(12), Some(LinkType::Raw));
        assert_eq!(LinkType::from_code(147), None);
    }
}
