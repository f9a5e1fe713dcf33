//! Address prefixes (CIDR blocks) naming the telescope's own address space.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::error::Error;
use crate::record::Addr;

/// An IPv4 or IPv6 prefix such as `192.0.2.0/24` or `2001:db8::/32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prefix {
    net: IpAddr,
    len: u8,
}

impl Prefix {
    /// A prefix from its network address and length; host bits are cleared.
    ///
    /// # Errors
    ///
    /// [`Error::Params`] if `len` exceeds 32 (IPv4) or 128 (IPv6).
    pub fn new(addr: IpAddr, len: u8) -> Result<Self, Error> {
        let net = match addr {
            IpAddr::V4(a) if len <= 32 => IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask32(len))),
            IpAddr::V6(a) if len <= 128 => IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask128(len))),
            _ => {
                return Err(Error::Params {
                    name: "prefix",
                    reason: format!("length /{len} too long for {addr}"),
                });
            }
        };
        Ok(Self { net, len })
    }

    /// The network address.
    #[must_use]
    pub fn network(&self) -> IpAddr {
        self.net
    }

    /// The prefix length in bits.
    #[must_use]
    pub fn len(&self) -> u8 {
        self.len
    }

    /// Whether the prefix has length 0 (it then contains its whole family).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether `addr` lies inside the prefix (opaque ids never do).
    #[must_use]
    pub fn contains(&self, addr: &Addr) -> bool {
        match (self.net, addr) {
            (IpAddr::V4(n), Addr::V4(a)) => u32::from(*a) & mask32(self.len) == u32::from(n),
            (IpAddr::V6(n), Addr::V6(a)) => u128::from(*a) & mask128(self.len) == u128::from(n),
            _ => false,
        }
    }
}

fn mask32(len: u8) -> u32 {
    if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) }
}

fn mask128(len: u8) -> u128 {
    if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len)) }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.net, self.len)
    }
}

impl FromStr for Prefix {
    type Err = Error;

    /// Parses `addr/len`; a bare address is a host prefix (/32 or /128).
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::Params { name: "prefix", reason: format!("{s:?}: {why}") };
        let s = s.trim();
        let (a, l) = s.split_once('/').unwrap_or((s, ""));
        let addr: IpAddr = a.parse().map_err(|_| bad("not an IP address"))?;
        let len = if l.is_empty() {
            if addr.is_ipv4() { 32 } else { 128 }
        } else {
            l.parse().map_err(|_| bad("bad prefix length"))?
        };
        Self::new(addr, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_contain() {
        let p: Prefix = "192.0.2.77/24".parse().unwrap();
        assert_eq!(p.to_string(), "192.0.2.0/24");
        assert!(p.contains(&Addr::V4(Ipv4Addr::new(192, 0, 2, 1))));
        assert!(!p.contains(&Addr::V4(Ipv4Addr::new(192, 0, 3, 1))));
        assert!(!p.contains(&Addr::Opaque(1)));
        let all: Prefix = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(&Addr::V4(Ipv4Addr::new(1, 2, 3, 4))));
        let v6: Prefix = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(&Addr::V6("2001:db8::1".parse().unwrap())));
        assert!("10.0.0.0/33".parse::<Prefix>().is_err());
        assert!("nonsense".parse::<Prefix>().is_err());
        assert_eq!("10.1.2.3".parse::<Prefix>().unwrap().len(), 32);
    }
}
