//! The scenario: every knob of a simulation, its validation and the presets.

use std::fmt;
use std::net::Ipv4Addr;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// An IPv4 prefix such as `198.51.100.0/24`, serialised as that text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ipv4Prefix {
    base: u32,
    len: u8,
}

impl Ipv4Prefix {
    /// The prefix `addr/len`.
    ///
    /// # Errors
    ///
    /// [`Error::Params`] if `len` is above 32 or `addr` has bits set beyond
    /// the prefix length.
    pub fn new(addr: Ipv4Addr, len: u8) -> Result<Self> {
        if len > 32 {
            return Err(Error::params("telescope", format!("prefix length {len} is above 32")));
        }
        let base = u32::from(addr);
        if base & !Self::mask(len) != 0 {
            return Err(Error::params(
                "telescope",
                format!(
                    "{addr}/{len} has host bits set (did you mean {}?)",
                    Self::masked(base, len)
                ),
            ));
        }
        Ok(Self { base, len })
    }

    fn mask(len: u8) -> u32 {
        if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) }
    }

    fn masked(base: u32, len: u8) -> Ipv4Addr {
        Ipv4Addr::from(base & Self::mask(len))
    }

    /// The first address of the prefix.
    #[must_use]
    pub fn addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.base)
    }

    /// The prefix length in bits.
    #[must_use]
    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    /// Number of addresses in the prefix.
    #[must_use]
    pub fn n_addresses(&self) -> u64 {
        1u64 << (32 - u32::from(self.len))
    }

    /// Whether `addr` lies inside the prefix.
    #[must_use]
    pub fn contains(&self, addr: Ipv4Addr) -> bool {
        u32::from(addr) & Self::mask(self.len) == self.base
    }
}

impl fmt::Display for Ipv4Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr(), self.len)
    }
}

impl FromStr for Ipv4Prefix {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::params("telescope", format!("{s:?} is not an IPv4 prefix like 198.51.100.0/24"))
        };
        let (addr, len) = s.split_once('/').ok_or_else(bad)?;
        let addr: Ipv4Addr = addr.trim().parse().map_err(|_| bad())?;
        let len: u8 = len.trim().parse().map_err(|_| bad())?;
        Self::new(addr, len)
    }
}

impl TryFrom<String> for Ipv4Prefix {
    type Error = Error;

    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<Ipv4Prefix> for String {
    fn from(p: Ipv4Prefix) -> Self {
        p.to_string()
    }
}

/// What kind of coordinated senders a group models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// A research or commercial scanner: a fixed set of senders packed in one
    /// or a few /24s, sweeping many TCP ports at fixed times every day.
    ResearchScanner,
    /// A Mirai-like botnet: TCP SYNs whose sequence number equals the
    /// destination address, mostly to ports 23 and 2323, with members
    /// replaced day by day.
    Botnet,
    /// A few senders hammering a small fixed set of ports.
    TargetedScanner,
    /// Replies of a DDoS victim's addresses to spoofed requests (TCP SYN-ACK
    /// or RST, or GRE), shrinking day by day.
    Backscatter,
}

impl GroupKind {
    /// All kinds, in a fixed order.
    pub const ALL: [Self; 4] =
        [Self::ResearchScanner, Self::Botnet, Self::TargetedScanner, Self::Backscatter];
}

/// How the capture files frame each packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// Ethernet II frames (`LINKTYPE_ETHERNET`), as telescopes usually capture.
    #[default]
    Ethernet,
    /// Bare IP packets (`LINKTYPE_RAW`), 14 bytes a packet smaller.
    Raw,
}

/// One population of groups of the same kind.
///
/// On day 0 the population's `n_senders` senders are shared among its
/// `n_groups` groups with heavy-tailed sizes: weights are drawn from a Pareto
/// distribution of shape `size_exponent`, scaled to the total, and every group
/// keeps at least `min_size` members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// The kind of every group of this population.
    pub kind: GroupKind,
    /// Groups on day 0.
    pub n_groups: u32,
    /// Senders over all groups on day 0.
    pub n_senders: u32,
    /// Smallest group (default 10, HDBSCAN's `min_cluster_size` in the paper).
    #[serde(default = "default_min_size")]
    pub min_size: u32,
    /// Pareto shape of the group-size weights (default 1.2; smaller is more
    /// skewed).
    #[serde(default = "default_size_exponent")]
    pub size_exponent: f64,
    /// Fewest packets a member sends a day; at least 6, so that every member
    /// passes the paper's activity filter (more than 5 packets a day).
    pub min_packets: u32,
    /// Most packets a member sends a day (uniform between the two).
    pub max_packets: u32,
    /// Share of members replaced by fresh senders every day (botnet churn).
    #[serde(default)]
    pub churn: f64,
    /// Share of members that stop every day without replacement (a
    /// backscatter victim's shrinking set of replying addresses). A group
    /// whose size falls below `min_size` ends.
    #[serde(default)]
    pub decay: f64,
    /// Bursts of activity per group and day; members interleave within them.
    pub n_bursts: u32,
    /// Length of a burst in minutes.
    pub burst_minutes: u32,
    /// Ports per group: swept by research scanners, hammered by targeted
    /// scanners, added to 23 and 2323 by botnets; for backscatter, the
    /// spoofed source ports the victim's replies go to (unused for GRE).
    pub n_ports: u32,
}

fn default_min_size() -> u32 {
    10
}

fn default_size_exponent() -> f64 {
    1.2
}

/// The one-off senders that belong to no group, fresh every day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Noise {
    /// Noise senders per day.
    pub n_senders: u32,
    /// Share of them that send more than 5 packets (6 to `max_packets`); the
    /// others send 1 to 5.
    pub active_share: f64,
    /// Most packets a noise sender sends in a day.
    pub max_packets: u32,
    /// Share of a dissolved group's former members still sending, as noise,
    /// on each later day (default 0.5).
    #[serde(default = "default_linger")]
    pub linger: f64,
}

fn default_linger() -> f64 {
    0.5
}

/// How many of each scripted fate to plant. Fates are spread evenly over days
/// 1 to `n_days - 1` and applied to groups picked with the seed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fates {
    /// A group splits in two (halves of 40 to 60% each, the second half with
    /// new ports).
    #[serde(default)]
    pub splits: u32,
    /// Two groups of the same kind and comparable size merge.
    #[serde(default)]
    pub merges: u32,
    /// A group dissolves: its members go on sending, uncoordinated.
    #[serde(default)]
    pub dissolves: u32,
    /// A group goes silent for `silence_days` days, then returns.
    #[serde(default)]
    pub silences: u32,
    /// Days a silenced group stays silent (default 2).
    #[serde(default = "default_silence_days")]
    pub silence_days: u32,
    /// A group keeps its members and moves to other ports.
    #[serde(default)]
    pub port_changes: u32,
    /// A brand-new group of fresh senders appears.
    #[serde(default)]
    pub appearances: u32,
}

fn default_silence_days() -> u32 {
    2
}

/// Everything that defines a simulated telescope and its traffic over days.
///
/// Load one from JSON or TOML ([`Scenario::load`]) or start from a preset
/// ([`Scenario::preset`]); [`Scenario::check`] validates it, and every
/// function that uses a scenario calls it first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name, written into the truth files.
    pub name: String,
    /// Seed of every random choice: the same scenario gives the same bytes.
    pub seed: u64,
    /// Number of days (batches).
    pub n_days: u32,
    /// Start of day 0, seconds since the Unix epoch; a UTC midnight, so that
    /// the simulated days are the pipeline's default daily batches.
    pub start_unix_s: i64,
    /// The telescope's address block; every packet is addressed to it.
    pub telescope: Ipv4Prefix,
    /// Framing of the capture files.
    #[serde(default)]
    pub link: Link,
    /// Write `day-NNN.pcap.gz` instead of `day-NNN.pcap`.
    #[serde(default)]
    pub compress: bool,
    /// The coordinated groups on day 0, by kind.
    pub populations: Vec<Population>,
    /// The uncoordinated one-off senders.
    pub noise: Noise,
    /// The scripted fates.
    #[serde(default)]
    pub fates: Fates,
}

/// 2026-01-05T00:00:00Z, a Monday: day 0 of the presets.
const PRESET_START: i64 = 1_767_571_200;

impl Scenario {
    /// Names accepted by [`Scenario::preset`].
    pub const PRESETS: [&'static str; 3] = ["small", "standard", "large"];

    /// A named preset:
    ///
    /// - `small`: 6 days of a /24, about 1,300 group members and 1,500 noise
    ///   senders a day, about 25,000 packets a day, gzip-compressed captures;
    ///   one of each fate and two new groups. This is the committed scenario
    ///   under `fixtures/scenario/`.
    /// - `standard`: 10 days of a /24, about 8,000 active senders and 1.5
    ///   million packets a day (the pipeline benchmark's day).
    /// - `large`: 7 days of a /16, about 50,000 active senders and 10 million
    ///   packets a day.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownPreset`] for any other name.
    pub fn preset(name: &str) -> Result<Self> {
        match name {
            "small" => Ok(small()),
            "standard" => Ok(standard()),
            "large" => Ok(large()),
            _ => Err(Error::UnknownPreset { name: name.to_owned() }),
        }
    }

    /// Parses a scenario from JSON text and checks it.
    ///
    /// # Errors
    ///
    /// [`Error::Json`] if the text is not a scenario, [`Error::Params`] if a
    /// value is out of range.
    pub fn from_json_str(text: &str) -> Result<Self> {
        let s: Self = serde_json::from_str(text)
            .map_err(|source| Error::Json { path: "<string>".into(), source })?;
        s.check()?;
        Ok(s)
    }

    /// Parses a scenario from TOML text and checks it.
    ///
    /// # Errors
    ///
    /// [`Error::Toml`] if the text is not a scenario, [`Error::Params`] if a
    /// value is out of range.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        let s: Self = toml::from_str(text)
            .map_err(|source| Error::Toml { path: "<string>".into(), source })?;
        s.check()?;
        Ok(s)
    }

    /// Loads a scenario from a `.toml` file, or from JSON for any other
    /// extension, and checks it.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be read, [`Error::Json`] or
    /// [`Error::Toml`] if it does not parse, [`Error::Params`] if a value is
    /// out of range.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let is_toml = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        let s: Self = if is_toml {
            toml::from_str(&text).map_err(|source| Error::Toml { path: path.into(), source })?
        } else {
            serde_json::from_str(&text)
                .map_err(|source| Error::Json { path: path.into(), source })?
        };
        s.check()?;
        Ok(s)
    }

    /// Checks every rule on the parameters.
    ///
    /// # Errors
    ///
    /// [`Error::Params`] naming the first parameter that breaks a rule.
    pub fn check(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::params("name", "must not be empty"));
        }
        if self.n_days == 0 {
            return Err(Error::params("n_days", "must be at least 1"));
        }
        if !(8..=30).contains(&self.telescope.prefix_len()) {
            return Err(Error::params("telescope", "prefix length must be 8 to 30"));
        }
        let end = i128::from(self.start_unix_s) + i128::from(self.n_days) * 86_400;
        if self.start_unix_s < 0 || end >= 1i128 << 32 {
            return Err(Error::params("start_unix_s", "days must lie within 1970..2106"));
        }
        if self.start_unix_s % 86_400 != 0 {
            return Err(Error::params(
                "start_unix_s",
                "must be a UTC midnight, so that days match the pipeline's daily batches",
            ));
        }
        for (i, p) in self.populations.iter().enumerate() {
            p.check(&format!("populations[{i}]"))?;
        }
        self.noise.check()?;
        if self.fates.silence_days == 0 {
            return Err(Error::params("fates.silence_days", "must be at least 1"));
        }
        Ok(())
    }

    /// The scenario as pretty-printed JSON.
    ///
    /// # Panics
    ///
    /// Never: every field serialises to JSON (the expect documents it).
    #[must_use]
    pub fn to_json_string(&self) -> String {
        serde_json::to_string_pretty(self).expect("a scenario always serialises")
    }
}

impl Population {
    fn check(&self, at: &str) -> Result<()> {
        let p = |field: &str, reason: &str| Err(Error::params(format!("{at}.{field}"), reason));
        if self.n_groups == 0 {
            return p("n_groups", "must be at least 1");
        }
        if self.min_size < 2 {
            return p("min_size", "must be at least 2");
        }
        if u64::from(self.n_senders) < u64::from(self.n_groups) * u64::from(self.min_size) {
            return p("n_senders", "must be at least n_groups * min_size");
        }
        if !(self.size_exponent.is_finite() && self.size_exponent > 0.0) {
            return p("size_exponent", "must be a positive number");
        }
        if self.min_packets < 6 {
            return p("min_packets", "must be at least 6 so that every member is active");
        }
        if self.max_packets < self.min_packets {
            return p("max_packets", "must be at least min_packets");
        }
        if !(0.0..1.0).contains(&self.churn) {
            return p("churn", "must be in [0, 1)");
        }
        if !(0.0..1.0).contains(&self.decay) {
            return p("decay", "must be in [0, 1)");
        }
        if self.n_bursts == 0 {
            return p("n_bursts", "must be at least 1");
        }
        if !(1..=1440).contains(&self.burst_minutes) {
            return p("burst_minutes", "must be 1 to 1440");
        }
        if self.n_ports == 0 || self.n_ports > 10_000 {
            return p("n_ports", "must be 1 to 10000");
        }
        Ok(())
    }
}

impl Noise {
    fn check(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.active_share) {
            return Err(Error::params("noise.active_share", "must be in [0, 1]"));
        }
        if self.active_share > 0.0 && self.max_packets < 6 {
            return Err(Error::params(
                "noise.max_packets",
                "must be at least 6 when active_share is above 0",
            ));
        }
        if !(0.0..=1.0).contains(&self.linger) {
            return Err(Error::params("noise.linger", "must be in [0, 1]"));
        }
        Ok(())
    }
}

#[allow(clippy::too_many_arguments, reason = "a table row of population knobs")]
fn pop(
    kind: GroupKind,
    n_groups: u32,
    n_senders: u32,
    packets: (u32, u32),
    churn: f64,
    decay: f64,
    bursts: (u32, u32),
    n_ports: u32,
) -> Population {
    Population {
        kind,
        n_groups,
        n_senders,
        min_size: default_min_size(),
        size_exponent: default_size_exponent(),
        min_packets: packets.0,
        max_packets: packets.1,
        churn,
        decay,
        n_bursts: bursts.0,
        burst_minutes: bursts.1,
        n_ports,
    }
}

fn telescope(text: &str) -> Ipv4Prefix {
    // The presets' prefixes are literals, checked by the presets' unit test.
    text.parse().unwrap_or(Ipv4Prefix { base: 0xc633_6400, len: 24 })
}

fn small() -> Scenario {
    use GroupKind::{Backscatter, Botnet, ResearchScanner, TargetedScanner};
    Scenario {
        name: "small".into(),
        seed: 7,
        n_days: 6,
        start_unix_s: PRESET_START,
        telescope: telescope("198.51.100.0/24"),
        link: Link::Ethernet,
        compress: true,
        populations: vec![
            pop(ResearchScanner, 3, 90, (20, 40), 0.0, 0.0, (4, 20), 40),
            pop(Botnet, 3, 900, (8, 16), 0.2, 0.0, (3, 30), 2),
            pop(TargetedScanner, 4, 60, (30, 60), 0.0, 0.0, (3, 20), 3),
            pop(Backscatter, 2, 160, (10, 30), 0.0, 0.25, (2, 40), 8),
        ],
        noise: Noise { n_senders: 1500, active_share: 0.12, max_packets: 20, linger: 0.5 },
        fates: Fates {
            splits: 1,
            merges: 1,
            dissolves: 1,
            silences: 1,
            silence_days: 2,
            port_changes: 1,
            appearances: 2,
        },
    }
}

fn standard() -> Scenario {
    use GroupKind::{Backscatter, Botnet, ResearchScanner, TargetedScanner};
    Scenario {
        name: "standard".into(),
        seed: 11,
        n_days: 10,
        start_unix_s: PRESET_START,
        telescope: telescope("198.51.100.0/24"),
        link: Link::Ethernet,
        compress: false,
        populations: vec![
            pop(ResearchScanner, 12, 1200, (250, 550), 0.0, 0.0, (6, 20), 200),
            pop(Botnet, 6, 4300, (80, 220), 0.2, 0.0, (4, 45), 3),
            pop(TargetedScanner, 15, 300, (300, 900), 0.0, 0.0, (4, 30), 4),
            pop(Backscatter, 6, 800, (100, 300), 0.0, 0.2, (2, 60), 16),
        ],
        noise: Noise { n_senders: 20_000, active_share: 0.08, max_packets: 60, linger: 0.5 },
        fates: Fates {
            splits: 3,
            merges: 2,
            dissolves: 2,
            silences: 2,
            silence_days: 3,
            port_changes: 3,
            appearances: 4,
        },
    }
}

fn large() -> Scenario {
    use GroupKind::{Backscatter, Botnet, ResearchScanner, TargetedScanner};
    Scenario {
        name: "large".into(),
        seed: 13,
        n_days: 7,
        start_unix_s: PRESET_START,
        telescope: telescope("198.18.0.0/16"),
        link: Link::Ethernet,
        compress: false,
        populations: vec![
            pop(ResearchScanner, 30, 5000, (600, 1250), 0.0, 0.0, (6, 20), 500),
            pop(Botnet, 12, 32_000, (60, 180), 0.2, 0.0, (4, 45), 3),
            pop(TargetedScanner, 40, 1500, (300, 900), 0.0, 0.0, (4, 30), 4),
            pop(Backscatter, 15, 4000, (100, 300), 0.0, 0.2, (2, 60), 24),
        ],
        noise: Noise { n_senders: 80_000, active_share: 0.12, max_packets: 80, linger: 0.5 },
        fates: Fates {
            splits: 6,
            merges: 4,
            dissolves: 4,
            silences: 3,
            silence_days: 2,
            port_changes: 5,
            appearances: 8,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_round_trip() {
        for name in Scenario::PRESETS {
            let s = Scenario::preset(name).unwrap();
            s.check().unwrap();
            assert_eq!(s.name, name);
            assert_eq!(Scenario::from_json_str(&s.to_json_string()).unwrap(), s);
            let toml_text = toml::to_string(&s).unwrap();
            assert_eq!(Scenario::from_toml_str(&toml_text).unwrap(), s);
        }
        assert_eq!(Scenario::preset("small").unwrap().telescope.to_string(), "198.51.100.0/24");
        assert_eq!(Scenario::preset("large").unwrap().telescope.to_string(), "198.18.0.0/16");
        assert!(matches!(Scenario::preset("huge"), Err(Error::UnknownPreset { .. })));
    }

    #[test]
    fn prefix_parsing() {
        let p: Ipv4Prefix = "10.1.0.0/16".parse().unwrap();
        assert_eq!(p.n_addresses(), 65_536);
        assert!(p.contains(Ipv4Addr::new(10, 1, 200, 3)));
        assert!(!p.contains(Ipv4Addr::new(10, 2, 0, 0)));
        for bad in ["10.1.0.1/16", "10.1.0.0", "10.1.0.0/33", "x/8"] {
            assert!(bad.parse::<Ipv4Prefix>().is_err(), "{bad}");
        }
    }

    fn broken(f: impl FnOnce(&mut Scenario)) -> String {
        let mut s = Scenario::preset("small").unwrap();
        f(&mut s);
        match s.check() {
            Err(Error::Params { name, .. }) => name,
            other => panic!("expected a params error, got {other:?}"),
        }
    }

    #[test]
    fn each_rule_names_its_parameter() {
        assert_eq!(broken(|s| s.name = " ".into()), "name");
        assert_eq!(broken(|s| s.n_days = 0), "n_days");
        assert_eq!(broken(|s| s.telescope = "10.0.0.0/31".parse().unwrap()), "telescope");
        assert_eq!(broken(|s| s.start_unix_s = -86_400), "start_unix_s");
        assert_eq!(broken(|s| s.start_unix_s += 3600), "start_unix_s");
        assert_eq!(broken(|s| s.populations[1].n_groups = 0), "populations[1].n_groups");
        assert_eq!(broken(|s| s.populations[0].min_size = 1), "populations[0].min_size");
        assert_eq!(broken(|s| s.populations[2].n_senders = 39), "populations[2].n_senders");
        assert_eq!(
            broken(|s| s.populations[0].size_exponent = f64::NAN),
            "populations[0].size_exponent"
        );
        assert_eq!(broken(|s| s.populations[0].min_packets = 5), "populations[0].min_packets");
        assert_eq!(broken(|s| s.populations[0].max_packets = 7), "populations[0].max_packets");
        assert_eq!(broken(|s| s.populations[1].churn = 1.0), "populations[1].churn");
        assert_eq!(broken(|s| s.populations[3].decay = -0.1), "populations[3].decay");
        assert_eq!(broken(|s| s.populations[0].n_bursts = 0), "populations[0].n_bursts");
        assert_eq!(broken(|s| s.populations[0].burst_minutes = 0), "populations[0].burst_minutes");
        assert_eq!(broken(|s| s.populations[0].n_ports = 0), "populations[0].n_ports");
        assert_eq!(broken(|s| s.noise.active_share = 1.5), "noise.active_share");
        assert_eq!(broken(|s| s.noise.max_packets = 5), "noise.max_packets");
        assert_eq!(broken(|s| s.noise.linger = 2.0), "noise.linger");
        assert_eq!(broken(|s| s.fates.silence_days = 0), "fates.silence_days");
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let mut v: serde_json::Value =
            serde_json::from_str(&Scenario::preset("small").unwrap().to_json_string()).unwrap();
        v["n_dayz"] = 3.into();
        assert!(matches!(Scenario::from_json_str(&v.to_string()), Err(Error::Json { .. })));
    }
}
