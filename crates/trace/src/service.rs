//! Services: what a packet asks for, as a (protocol, destination port) pair,
//! and the two vocabularies that group pairs into corpus services.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::record::proto;

/// Number of dense service keys: 65,536 TCP ports, 65,536 UDP ports, and
/// one key per protocol number for packets without a port.
pub(crate) const N_KEYS: usize = 2 * 65_536 + 256;

/// The dense key of a (protocol, destination port) pair. Ports count only
/// for TCP and UDP; anything else (including a TCP or UDP fragment without
/// its header) is keyed by protocol alone.
#[inline]
pub(crate) fn service_key(p: u8, port: Option<u16>) -> u32 {
    match (p, port) {
        (proto::TCP, Some(port)) => u32::from(port),
        (proto::UDP, Some(port)) => 65_536 + u32::from(port),
        _ => 131_072 + u32::from(p),
    }
}

/// A service of the corpus: one word2vec "sentence" is built per service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Service {
    /// A TCP or UDP destination port.
    Port {
        /// IP protocol number ([`proto::TCP`] or [`proto::UDP`]).
        proto: u8,
        /// Destination port.
        port: u16,
    },
    /// A protocol without ports (ICMP, GRE, ...), or TCP/UDP packets whose
    /// ports are unknown (later IP fragments, flow rows without ports).
    Protocol(u8),
    /// A class of the domain-knowledge vocabulary (see
    /// [`ServiceClass`]).
    Class(ServiceClass),
    /// Every pair outside the top-N vocabulary.
    Other,
}

impl Service {
    pub(crate) fn from_key(key: u32) -> Self {
        match key {
            0..65_536 => Service::Port { proto: proto::TCP, port: key as u16 },
            65_536..131_072 => Service::Port { proto: proto::UDP, port: (key - 65_536) as u16 },
            _ => Service::Protocol((key - 131_072) as u8),
        }
    }
}

impl fmt::Display for Service {
    /// `23/tcp`, `53/udp`, `icmp`, `gre`, `proto132`, a class name, `other`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Service::Port { proto: p, port } => {
                write!(f, "{port}/{}", if p == proto::TCP { "tcp" } else { "udp" })
            }
            Service::Protocol(proto::ICMP) => f.write_str("icmp"),
            Service::Protocol(proto::ICMPV6) => f.write_str("icmpv6"),
            Service::Protocol(proto::GRE) => f.write_str("gre"),
            Service::Protocol(proto::TCP) => f.write_str("tcp"),
            Service::Protocol(proto::UDP) => f.write_str("udp"),
            Service::Protocol(p) => write!(f, "proto{p}"),
            Service::Class(c) => f.write_str(c.name()),
            Service::Other => f.write_str("other"),
        }
    }
}

/// The classes of the domain-knowledge vocabulary.
///
/// DarkVec (Gioacchini et al., 2021) groups ports by domain knowledge, but
/// its service file is not public. This map is ours: well-known services by
/// port (the same class for TCP and UDP), remaining ports by IANA range
/// (system 0–1023, user 1024–49151, ephemeral 49152–65535, named after the
/// DarkVec code's `unk_sys`, `unk_usr`, `unk_eph`), ICMP (v4 and v6) and GRE
/// each their own, and any other protocol or port-less TCP/UDP in
/// [`ServiceClass::OtherProtocol`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[non_exhaustive]
#[allow(missing_docs)] // Each variant is documented by its port list in `ServiceClass::of`.
pub enum ServiceClass {
    Ftp,
    Ssh,
    Telnet,
    Mail,
    Dns,
    Http,
    Https,
    Proxy,
    Ntp,
    NetBios,
    Smb,
    Snmp,
    Ldap,
    Rpc,
    Database,
    RemoteDesktop,
    Vnc,
    Sip,
    Upnp,
    Adb,
    IotExploit,
    Memcached,
    UnknownSystem,
    UnknownUser,
    UnknownEphemeral,
    Icmp,
    Gre,
    OtherProtocol,
}

impl ServiceClass {
    /// The class of a (protocol, destination port) pair.
    #[must_use]
    pub fn of(p: u8, port: Option<u16>) -> Self {
        use ServiceClass as C;
        let port = match (p, port) {
            (proto::TCP | proto::UDP, Some(port)) => port,
            (proto::ICMP | proto::ICMPV6, _) => return C::Icmp,
            (proto::GRE, _) => return C::Gre,
            _ => return C::OtherProtocol,
        };
        match port {
            20 | 21 | 990 => C::Ftp,
            22 | 2222 => C::Ssh,
            23 | 2323 | 992 => C::Telnet,
            25 | 110 | 143 | 465 | 587 | 993 | 995 => C::Mail,
            53 | 5353 | 853 => C::Dns,
            80 | 81 | 8000 | 8008 | 8080 | 8081 | 8088 | 8888 => C::Http,
            443 | 8443 => C::Https,
            1080 | 3128 => C::Proxy,
            123 => C::Ntp,
            137 | 138 => C::NetBios,
            139 | 445 => C::Smb,
            161 | 162 => C::Snmp,
            389 | 636 => C::Ldap,
            111 | 135 | 593 => C::Rpc,
            1433 | 1434 | 1521 | 3306 | 5432 | 6379 | 9200 | 27017 => C::Database,
            3389 => C::RemoteDesktop,
            5900..=5903 => C::Vnc,
            5060 | 5061 => C::Sip,
            1900 => C::Upnp,
            5555 => C::Adb,
            37215 | 52869 | 7547 => C::IotExploit,
            11211 => C::Memcached,
            0..=1023 => C::UnknownSystem,
            1024..=49151 => C::UnknownUser,
            _ => C::UnknownEphemeral,
        }
    }

    /// A short name (snake case).
    #[must_use]
    pub fn name(self) -> &'static str {
        use ServiceClass as C;
        match self {
            C::Ftp => "ftp",
            C::Ssh => "ssh",
            C::Telnet => "telnet",
            C::Mail => "mail",
            C::Dns => "dns",
            C::Http => "http",
            C::Https => "https",
            C::Proxy => "proxy",
            C::Ntp => "ntp",
            C::NetBios => "netbios",
            C::Smb => "smb",
            C::Snmp => "snmp",
            C::Ldap => "ldap",
            C::Rpc => "rpc",
            C::Database => "database",
            C::RemoteDesktop => "rdp",
            C::Vnc => "vnc",
            C::Sip => "sip",
            C::Upnp => "upnp",
            C::Adb => "adb",
            C::IotExploit => "iot_exploit",
            C::Memcached => "memcached",
            C::UnknownSystem => "unk_sys",
            C::UnknownUser => "unk_usr",
            C::UnknownEphemeral => "unk_eph",
            C::Icmp => "icmp",
            C::Gre => "gre",
            C::OtherProtocol => "other_proto",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_dense_and_invertible() {
        assert_eq!(
            Service::from_key(service_key(proto::TCP, Some(23))),
            Service::Port { proto: 6, port: 23 }
        );
        assert_eq!(
            Service::from_key(service_key(proto::UDP, Some(65_535))),
            Service::Port { proto: 17, port: 65_535 }
        );
        assert_eq!(Service::from_key(service_key(proto::ICMP, None)), Service::Protocol(1));
        assert_eq!(Service::from_key(service_key(proto::TCP, None)), Service::Protocol(6));
        assert!((service_key(255, None) as usize) < N_KEYS);
        assert_eq!(Service::Port { proto: 6, port: 23 }.to_string(), "23/tcp");
        assert_eq!(Service::Protocol(47).to_string(), "gre");
    }

    #[test]
    fn domain_classes() {
        assert_eq!(ServiceClass::of(proto::TCP, Some(2323)), ServiceClass::Telnet);
        assert_eq!(ServiceClass::of(proto::UDP, Some(123)), ServiceClass::Ntp);
        assert_eq!(ServiceClass::of(proto::TCP, Some(1000)), ServiceClass::UnknownSystem);
        assert_eq!(ServiceClass::of(proto::TCP, Some(41_107)), ServiceClass::UnknownUser);
        assert_eq!(ServiceClass::of(proto::TCP, Some(60_000)), ServiceClass::UnknownEphemeral);
        assert_eq!(ServiceClass::of(proto::ICMPV6, None), ServiceClass::Icmp);
        assert_eq!(ServiceClass::of(proto::GRE, None), ServiceClass::Gre);
        assert_eq!(ServiceClass::of(proto::TCP, None), ServiceClass::OtherProtocol);
    }
}
