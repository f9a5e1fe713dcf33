//! The truth written beside the captures: who belongs to which group on each
//! day, and which fate each group was scripted to meet.
//!
//! See the crate documentation for the file layout and the JSON schema.

use std::collections::HashMap;
use std::io::Write;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::scenario::{GroupKind, Ipv4Prefix, Scenario};

/// Format tag of a day's truth file.
pub const TRUTH_FORMAT: &str = "darkdca-sim-truth";
/// Format tag of a scenario's manifest.
pub const MANIFEST_FORMAT: &str = "darkdca-sim-scenario";
/// Version of both file formats written by this crate.
pub const FORMAT_VERSION: u32 = 1;

/// Threshold τ0 of the paper's transition rules (0.65), used to predict
/// whether the larger side of a merge survives or is absorbed.
pub const MATCH_THRESHOLD: f64 = 0.65;

/// A planted group's id, unique over the whole scenario; a group keeps it
/// across days while it survives, goes silent and returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GroupId(pub u32);

/// The transition names of `monic-dca`, which the tracker is expected to
/// report for a scripted fate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Transition {
    /// The group continues as one cluster.
    Survived,
    /// The group's members spread over several clusters.
    Split,
    /// The group joined a cluster that also took in another group.
    Absorbed,
    /// The group's members are still active but no longer clustered.
    Disappeared,
    /// The group's members stopped sending.
    Inactive,
    /// A cluster that no cluster of the day before survived into.
    Emerged,
}

/// What a scripted event does to the groups it involves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FateKind {
    /// The group goes on (bots replaced, victims shrinking, but coordinated).
    Survive,
    /// The group splits in two new groups.
    Split,
    /// Two groups merge into one.
    Merge,
    /// The group's members go on sending, each on its own (noise).
    Dissolve,
    /// The group stops sending for some days.
    Silence,
    /// A silenced group sends again, with the same members and id.
    Return,
    /// The group keeps its members and moves to other ports.
    ChangePorts,
    /// A brand-new group of never-seen senders.
    Appear,
    /// A shrinking group fell below its minimum size and stopped.
    Fade,
}

/// The transition expected for one group of the day before the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedTransition {
    /// The group, as it was on the day before the event.
    pub group: GroupId,
    /// What the tracker should report for it.
    pub transition: Transition,
}

/// A group of the event's day expected to be reported as emerged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedEmergence {
    /// The group.
    pub group: GroupId,
    /// Whether it is new: made of senders never seen in any group before.
    /// False for split halves, merge results and returning groups.
    pub novelty: bool,
}

/// One scripted event. `day` is the first day on which its effect shows:
/// the tracker sees it when comparing day `day - 1` with day `day`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FateEvent {
    /// The day the effect first shows.
    pub day: u32,
    /// What happens.
    pub kind: FateKind,
    /// Groups of the day before involved (empty for `appear` and `return`).
    pub from: Vec<GroupId>,
    /// Groups of `day` that result (empty when the group is gone).
    pub to: Vec<GroupId>,
    /// The transition expected for each group in `from`.
    pub transitions: Vec<ExpectedTransition>,
    /// The groups of `to` expected to be reported as emerged.
    pub emerged: Vec<ExpectedEmergence>,
}

/// How a group came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Present on day 0.
    Initial,
    /// Appeared later with fresh senders.
    Appeared,
    /// One half of a split.
    Split,
    /// The result of a merge.
    Merge,
}

/// A group over its whole life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInfo {
    /// Its id.
    pub id: GroupId,
    /// Its kind.
    pub kind: GroupKind,
    /// How it came to be.
    pub origin: Origin,
    /// The groups it came from (split or merge).
    pub parents: Vec<GroupId>,
    /// First day it sends.
    pub first_day: u32,
    /// Last day it sends as a group.
    pub last_day: u32,
    /// Whether it is a novelty (origin `appeared`, after day 0).
    pub novelty: bool,
}

/// One sender of one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderTruth {
    /// Its address.
    pub addr: Ipv4Addr,
    /// Its group, `None` for noise.
    pub group: Option<GroupId>,
    /// Packets it sends that day.
    pub packets: u32,
}

/// One group on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDayTruth {
    /// The group.
    pub id: GroupId,
    /// Its kind.
    pub kind: GroupKind,
    /// Members sending that day.
    pub n_senders: u32,
    /// Packets they send.
    pub n_packets: u64,
    /// Its services as `proto/port` (`tcp/23`, `udp/53`, `icmp`, `gre`),
    /// most probable first, at most 20.
    pub services: Vec<String>,
    /// Number of services it uses.
    pub n_services: u32,
}

/// The truth of one day: file `day-NNN.truth.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// Always [`TRUTH_FORMAT`].
    pub format: String,
    /// Always [`FORMAT_VERSION`].
    pub version: u32,
    /// The scenario's name.
    pub scenario: String,
    /// The scenario's seed.
    pub seed: u64,
    /// The day, from 0.
    pub day: u32,
    /// Start of the day, nanoseconds since the Unix epoch.
    pub start_ns: i64,
    /// End of the day (exclusive).
    pub end_ns: i64,
    /// The telescope's prefix.
    pub telescope: Ipv4Prefix,
    /// Packets in the day's capture.
    pub n_packets: u64,
    /// Distinct senders.
    pub n_senders: u32,
    /// Senders with more than 5 packets.
    pub n_active_senders: u32,
    /// Groups sending that day, by id.
    pub groups: Vec<GroupDayTruth>,
    /// Events whose effect first shows that day.
    pub events: Vec<FateEvent>,
    /// Every sender of the day, by address.
    pub senders: Vec<SenderTruth>,
}

/// Packets a sender must exceed in a day to be active (the paper's filter).
pub const ACTIVE_MIN_PACKETS: u32 = 5;

impl Truth {
    /// Loads and checks a day's truth file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if it cannot be read, [`Error::Json`] if it does not
    /// parse, [`Error::Format`] or [`Error::Version`] if it is another kind
    /// of file or another version.
    pub fn load(path: &Path) -> Result<Self> {
        let t: Self = load_json(path)?;
        check_format(path, TRUTH_FORMAT, &t.format, t.version)?;
        Ok(t)
    }

    /// Each sender's group (`None` for noise), by address.
    #[must_use]
    pub fn labels(&self) -> HashMap<Ipv4Addr, Option<GroupId>> {
        self.senders.iter().map(|s| (s.addr, s.group)).collect()
    }

    /// The senders with more than 5 packets.
    pub fn active_senders(&self) -> impl Iterator<Item = &SenderTruth> {
        self.senders.iter().filter(|s| s.packets > ACTIVE_MIN_PACKETS)
    }
}

/// One day's entry in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayEntry {
    /// The day.
    pub day: u32,
    /// Capture file name, relative to the manifest's directory.
    pub pcap: String,
    /// Truth file name, relative to the manifest's directory.
    pub truth: String,
    /// Start of the day, nanoseconds since the Unix epoch.
    pub start_ns: i64,
    /// End of the day (exclusive).
    pub end_ns: i64,
    /// Packets in the capture.
    pub n_packets: u64,
    /// Distinct senders.
    pub n_senders: u32,
    /// Senders with more than 5 packets.
    pub n_active_senders: u32,
}

/// The scenario's manifest: file `scenario.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`MANIFEST_FORMAT`].
    pub format: String,
    /// Always [`FORMAT_VERSION`].
    pub version: u32,
    /// The scenario that produced the files.
    pub scenario: Scenario,
    /// The days, in order.
    pub days: Vec<DayEntry>,
    /// Every group of the scenario, by id.
    pub groups: Vec<GroupInfo>,
    /// Every scripted event, by day.
    pub events: Vec<FateEvent>,
}

/// File name of the manifest in an output directory.
pub const MANIFEST_FILE: &str = "scenario.json";

impl Manifest {
    /// Loads and checks a manifest, given its path or its directory.
    ///
    /// # Errors
    ///
    /// As [`Truth::load`], and [`Error::Params`] if the scenario inside is
    /// invalid.
    pub fn load(path: &Path) -> Result<Self> {
        let path = if path.is_dir() { path.join(MANIFEST_FILE) } else { path.to_path_buf() };
        let m: Self = load_json(&path)?;
        check_format(&path, MANIFEST_FORMAT, &m.format, m.version)?;
        m.scenario.check()?;
        Ok(m)
    }

    /// Paths of a day's capture and truth, given the manifest's directory.
    #[must_use]
    pub fn day_paths(&self, dir: &Path, day: &DayEntry) -> (PathBuf, PathBuf) {
        (dir.join(&day.pcap), dir.join(&day.truth))
    }
}

fn load_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_reader(std::io::BufReader::new(file))
        .map_err(|source| Error::Json { path: path.into(), source })
}

fn check_format(path: &Path, expected: &'static str, found: &str, version: u32) -> Result<()> {
    if found != expected {
        return Err(Error::Format { path: path.into(), expected, found: found.to_owned() });
    }
    if version != FORMAT_VERSION {
        return Err(Error::Version {
            path: path.into(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    Ok(())
}

/// Writes `value` as JSON to `path` atomically: a temporary file in the same
/// directory, flushed and synced, then renamed over `path`.
pub(crate) fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, |w| {
        serde_json::to_writer(&mut *w, value).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })
}

/// Runs `fill` on a temporary file beside `path`, syncs it and renames it
/// over `path`; the temporary file is removed on failure.
pub(crate) fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    let tmp = temp_path(path);
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(std::io::IntoInnerError::into_error)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        // Best effort: the error that matters is the one returned.
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(std::ffi::OsString::from).unwrap_or_default();
    name.push(format!(".tmp{}", std::process::id()));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_serialise_as_documented() {
        let json = |v: &dyn erased::Ser| v.json();
        assert_eq!(json(&Transition::Absorbed), "\"Absorbed\"");
        assert_eq!(json(&FateKind::ChangePorts), "\"change_ports\"");
        assert_eq!(json(&Origin::Appeared), "\"appeared\"");
        assert_eq!(json(&GroupId(4)), "4");
    }

    mod erased {
        pub trait Ser {
            fn json(&self) -> String;
        }
        impl<T: serde::Serialize> Ser for T {
            fn json(&self) -> String {
                serde_json::to_string(self).unwrap()
            }
        }
    }

    #[test]
    fn load_rejects_other_formats_and_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        let mut t = Truth {
            format: TRUTH_FORMAT.into(),
            version: FORMAT_VERSION,
            scenario: "x".into(),
            seed: 1,
            day: 0,
            start_ns: 0,
            end_ns: 86_400_000_000_000,
            telescope: "198.51.100.0/24".parse().unwrap(),
            n_packets: 7,
            n_senders: 1,
            n_active_senders: 1,
            groups: vec![],
            events: vec![],
            senders: vec![SenderTruth { addr: Ipv4Addr::new(1, 2, 3, 4), group: None, packets: 7 }],
        };
        write_json_atomic(&path, &t).unwrap();
        assert_eq!(Truth::load(&path).unwrap(), t);
        assert_eq!(Truth::load(&path).unwrap().active_senders().count(), 1);
        t.version = 2;
        write_json_atomic(&path, &t).unwrap();
        assert!(matches!(Truth::load(&path), Err(Error::Version { found: 2, .. })));
        t.version = 1;
        t.format = "other".into();
        write_json_atomic(&path, &t).unwrap();
        assert!(matches!(Truth::load(&path), Err(Error::Format { .. })));
        std::fs::write(&path, b"{").unwrap();
        assert!(matches!(Truth::load(&path), Err(Error::Json { .. })));
        assert!(matches!(Truth::load(&dir.path().join("none")), Err(Error::Io { .. })));
        assert!(!temp_path(&path).exists());
    }
}
