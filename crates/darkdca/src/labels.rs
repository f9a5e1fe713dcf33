//! Ground truth: labels of known senders, from address lists.
//!
//! Two file formats are read:
//! - CSV `address,label` (a first line is skipped as a header when its
//!   first field is not an address; fields are trimmed, as DarkVec's
//!   `big_gt.csv` has trailing spaces), where the address may also be a
//!   CIDR prefix;
//! - `ipset restore` text (`create <set> ...` lines are skipped, each
//!   `add <set> <cidr>` line labels the prefix with the set's name), as the
//!   acknowledged-scanner lists are published.
//!
//! A file that gives no label at all is an error, as a malformed line is:
//! labels were asked for and none would be used.
//!
//! Lookups return the label of the longest matching prefix.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use crate::error::{Error, Result};
use crate::trace::Addr;

/// Labels of addresses and prefixes, looked up by longest prefix.
#[derive(Debug, Clone, Default)]
pub struct GroundTruth {
    /// (is IPv6, prefix length) → masked address → label index.
    prefixes: HashMap<(bool, u8), HashMap<u128, u32>>,
    /// Prefix lengths present, longest first, per family.
    lengths: [Vec<u8>; 2],
    labels: Vec<String>,
    n_entries: usize,
}

impl GroundTruth {
    /// An empty table.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a label file, choosing the format from its content: ipset text
    /// when a line starts with `create ` or `add `, CSV otherwise.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read, [`Error::BadLabels`]
    /// naming the first malformed line.
    pub fn from_path(path: &Path) -> Result<Self> {
        let mut gt = Self::new();
        gt.add_path(path)?;
        Ok(gt)
    }

    /// Adds the entries of a label file to the table; later entries for the
    /// same prefix replace earlier ones.
    ///
    /// # Errors
    ///
    /// As [`GroundTruth::from_path`].
    pub fn add_path(&mut self, path: &Path) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        self.add_text(&text, path)
    }

    /// Adds entries from text in either format; `path` only names the source
    /// in errors.
    ///
    /// # Errors
    ///
    /// [`Error::BadLabels`] naming the first malformed line, or line 1 when
    /// the text gives no label.
    pub fn add_text(&mut self, text: &str, path: &Path) -> Result<()> {
        let ipset = text.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("create ") || l.starts_with("add ")
        });
        let mut header = None;
        let mut n_labelled = 0;
        for (i, line) in text.lines().enumerate() {
            let bad =
                |reason: String| Error::BadLabels { path: path.to_owned(), line: i + 1, reason };
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if ipset {
                let mut words = line.split_whitespace();
                match words.next() {
                    Some("add") => {
                        let set = words.next().ok_or_else(|| bad("missing set name".into()))?;
                        let cidr = words.next().ok_or_else(|| bad("missing address".into()))?;
                        let (addr, len) = parse_cidr(cidr).map_err(bad)?;
                        self.insert(addr, len, set);
                        n_labelled += 1;
                    }
                    _ => continue,
                }
            } else {
                let mut fields = line.splitn(2, [',', ';', '\t']);
                let addr = fields.next().unwrap_or_default().trim();
                let label = fields.next().map(str::trim).unwrap_or_default();
                match parse_cidr(addr) {
                    Ok((addr, len)) if !label.is_empty() => {
                        self.insert(addr, len, label);
                        n_labelled += 1;
                    }
                    Ok(_) => return Err(bad("missing label".into())),
                    // A bad prefix of an address (`1.2.3.0/33`) is a bad
                    // line, not a header.
                    Err(_) if i == 0 && !is_address(addr) => header = Some(line),
                    Err(e) => return Err(bad(e)),
                }
            }
        }
        if n_labelled == 0 {
            let reason = match header {
                Some(h) => format!(
                    "no label in the file: line 1 ({h:?}) was read as a header, as {:?} is not an address, and no line after it gives a label",
                    h.split([',', ';', '\t']).next().unwrap_or_default().trim()
                ),
                None if ipset => {
                    "no label in the file: it has no `add <set> <address>` line".into()
                }
                None => "no label in the file: it has no `address,label` line".into(),
            };
            return Err(Error::BadLabels { path: path.to_owned(), line: 1, reason });
        }
        Ok(())
    }

    fn insert(&mut self, addr: IpAddr, len: u8, label: &str) {
        let idx = match self.labels.iter().position(|l| l == label) {
            Some(i) => i,
            None => {
                self.labels.push(label.to_owned());
                self.labels.len() - 1
            }
        } as u32;
        let (v6, bits) = key_bits(addr);
        let map = self.prefixes.entry((v6, len)).or_default();
        if map.insert(mask(bits, len, v6), idx).is_none() {
            self.n_entries += 1;
        }
        let lengths = &mut self.lengths[usize::from(v6)];
        if !lengths.contains(&len) {
            lengths.push(len);
            lengths.sort_unstable_by(|a, b| b.cmp(a));
        }
    }

    /// The label of the longest prefix containing `addr`, if any. Opaque
    /// (pseudonymised) senders have no label.
    #[must_use]
    pub fn label_of(&self, addr: &Addr) -> Option<&str> {
        let ip = match addr {
            Addr::V4(a) => IpAddr::V4(*a),
            Addr::V6(a) => IpAddr::V6(*a),
            Addr::Opaque(_) => return None,
        };
        let (v6, bits) = key_bits(ip);
        self.lengths[usize::from(v6)].iter().find_map(|&len| {
            let idx = self.prefixes.get(&(v6, len))?.get(&mask(bits, len, v6))?;
            Some(self.labels[*idx as usize].as_str())
        })
    }

    /// Number of distinct prefixes in the table.
    #[must_use]
    pub fn len(&self) -> usize {
        self.n_entries
    }

    /// Whether the table has no entry.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.n_entries == 0
    }

    /// The distinct labels, in order of first appearance.
    #[must_use]
    pub fn labels(&self) -> &[String] {
        &self.labels
    }
}

fn key_bits(addr: IpAddr) -> (bool, u128) {
    match addr {
        IpAddr::V4(a) => (false, u128::from(u32::from(a))),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

fn mask(bits: u128, len: u8, v6: bool) -> u128 {
    let width: u32 = if v6 { 128 } else { 32 };
    let drop = width - u32::from(len);
    if drop >= 128 { 0 } else { (bits >> drop) << drop }
}

/// Whether `s` is an address, or an address followed by `/` and anything.
fn is_address(s: &str) -> bool {
    let addr = s.split_once('/').map_or(s, |(a, _)| a);
    addr.trim().parse::<IpAddr>().is_ok()
}

/// Parses `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or an IPv6 prefix.
fn parse_cidr(s: &str) -> std::result::Result<(IpAddr, u8), String> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let addr: IpAddr = addr.trim().parse().map_err(|_| format!("{s:?} is not an ip address"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match len {
        Some(l) => l
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|l| *l <= max)
            .ok_or_else(|| format!("{s:?} has a bad prefix length"))?,
        None => max,
    };
    // An IPv4-mapped IPv6 prefix (`::ffff:1.2.3.0/120`) labels the IPv4
    // senders it maps: captures give those as IPv4.
    if let IpAddr::V6(a) = addr
        && let Some(v4) = a.to_ipv4_mapped()
        && len >= 96
    {
        return Ok((IpAddr::V4(v4), len - 96));
    }
    Ok((addr, len))
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn v4(s: &str) -> Addr {
        Addr::V4(s.parse::<Ipv4Addr>().unwrap())
    }

    #[test]
    fn reads_csv_with_header_and_spaces() {
        let mut gt = GroundTruth::new();
        gt.add_text("ip,class\n1.2.3.4,censys\n192.228.79.250 ,shodan\n", Path::new("t")).unwrap();
        assert_eq!(gt.label_of(&v4("1.2.3.4")), Some("censys"));
        assert_eq!(gt.label_of(&v4("192.228.79.250")), Some("shodan"));
        assert_eq!(gt.label_of(&v4("1.2.3.5")), None);
        assert_eq!(gt.len(), 2);
    }

    #[test]
    fn ipv4_mapped_prefixes_label_ipv4_senders() {
        let mut gt = GroundTruth::new();
        gt.add_text(
            "::ffff:1.31.21.225,scanner
::ffff:10.0.0.0/104,net
",
            Path::new("t"),
        )
        .unwrap();
        assert_eq!(gt.label_of(&v4("1.31.21.225")), Some("scanner"));
        assert_eq!(gt.label_of(&v4("10.1.2.3")), Some("net"));
        assert_eq!(gt.label_of(&v4("11.0.0.1")), None);
    }

    #[test]
    fn reads_ipset_and_prefers_longest_prefix() {
        let text = "create umich.edu hash:net family inet counters\n\
                    add umich.edu 141.212.0.0/16\n\
                    create shodan.io hash:net family inet\n\
                    add shodan.io 141.212.121.0/24\n";
        let gt = {
            let mut g = GroundTruth::new();
            g.add_text(text, Path::new("t")).unwrap();
            g
        };
        assert_eq!(gt.label_of(&v4("141.212.1.1")), Some("umich.edu"));
        assert_eq!(gt.label_of(&v4("141.212.121.9")), Some("shodan.io"));
        assert_eq!(gt.label_of(&v4("141.213.0.1")), None);
        assert_eq!(gt.labels(), ["umich.edu", "shodan.io"]);
    }

    #[test]
    fn bad_line_is_named() {
        let mut gt = GroundTruth::new();
        let err =
            gt.add_text("ip,class\n1.2.3.4,a\nnot-an-ip,b\n", Path::new("f.csv")).unwrap_err();
        match err {
            Error::BadLabels { line, .. } => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
        let err = gt.add_text("ip,class\n1.2.3.4/40,a\n", Path::new("f.csv")).unwrap_err();
        assert!(matches!(err, Error::BadLabels { line: 2, .. }));
        let err = gt.add_text("ip,class\n1.2.3.4\n", Path::new("f.csv")).unwrap_err();
        assert!(matches!(err, Error::BadLabels { line: 2, .. }));
    }

    #[test]
    fn a_file_without_labels_is_an_error() {
        // One line with a bad prefix: a bad line, not a header.
        let mut gt = GroundTruth::new();
        let err = gt.add_text("1.2.3.0/33,a\n", Path::new("one.csv")).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::BadLabels { line: 1, .. }), "{err:?}");
        assert!(text.contains("one.csv") && text.contains("bad prefix length"), "{text}");
        // A header alone, an empty file, an ipset file without `add`.
        for (file, needle) in [
            ("ip,class\n", "\"ip\" is not an address"),
            ("\n# nothing yet\n", "no `address,label` line"),
            ("create s hash:net family inet\n", "no `add <set> <address>` line"),
        ] {
            let err = gt.add_text(file, Path::new("empty.csv")).unwrap_err();
            let text = err.to_string();
            assert!(matches!(err, Error::BadLabels { line: 1, .. }), "{file:?}: {err:?}");
            assert!(text.contains("no label in the file") && text.contains(needle), "{text}");
        }
        assert!(gt.is_empty());
    }

    #[test]
    fn opaque_senders_have_no_label() {
        let mut gt = GroundTruth::new();
        gt.add_text("0.0.0.0/0,everything\n", Path::new("t")).unwrap();
        assert_eq!(gt.label_of(&Addr::Opaque(3)), None);
        assert_eq!(gt.label_of(&v4("8.8.8.8")), Some("everything"));
    }

    proptest::proptest! {
        /// The label found is the one of the longest prefix containing the
        /// address, as a brute-force scan over the entries finds it.
        #[test]
        fn longest_prefix_wins(
            entries in proptest::collection::vec((proptest::prelude::any::<u32>(), 0u8..=32), 1..20),
            probe in proptest::prelude::any::<u32>(),
        ) {
            let mut gt = GroundTruth::new();
            let mut text = String::new();
            for (i, (bits, len)) in entries.iter().enumerate() {
                text.push_str(&format!("{}/{len},l{i}\n", Ipv4Addr::from(*bits)));
            }
            gt.add_text(&text, Path::new("p")).unwrap();
            let contains = |bits: u32, len: u8| len == 0 || (bits ^ probe) >> (32 - u32::from(len)) == 0;
            // Later entries replace earlier ones for the same prefix.
            let mut best: Option<(u8, usize)> = None;
            for (i, &(bits, len)) in entries.iter().enumerate() {
                if contains(bits, len) && best.is_none_or(|(l, _)| len >= l) {
                    best = Some((len, i));
                }
            }
            let want = best.map(|(_, i)| format!("l{i}"));
            proptest::prop_assert_eq!(gt.label_of(&Addr::V4(Ipv4Addr::from(probe))).map(str::to_owned), want);
        }
    }
}
