//! The report's input model: what a run hands over to be drawn.
//!
//! Every type here is plain data with public fields and serde derives, so the
//! facade can fill it from its own results and a run can store it as JSON
//! (`report_input.json`) to redraw the page later. The JSON field names are the
//! Rust field names; enums are written in `snake_case`.
//!
//! Days are addressed by their position in [`ReportInput::days`] (`day_idx`,
//! starting at 0), never by their label, so a report can hold any batch length
//! the run used; the label is only what the analyst reads.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The version of the input schema this library reads and writes.
///
/// It changes whenever a field is removed or changes meaning, so a stored
/// `report_input.json` of another version is refused rather than misread.
/// Optional fields with a default may be added within a version: inputs
/// written before they existed still load (as "not given"), and an older
/// library ignores them.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything the report shows about one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportInput {
    /// Must equal [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Who produced the run and with which settings.
    pub run: RunInfo,
    /// One summary per processed day (batch), oldest first.
    #[serde(default)]
    pub days: Vec<DaySummary>,
    /// Every lineage (global cluster id) seen during the run, in any order.
    #[serde(default)]
    pub lineages: Vec<Lineage>,
    /// Split, absorption, survival and re-identification links between lineages.
    #[serde(default)]
    pub links: Vec<LineageLink>,
    /// Clusters flagged as novel, on any day, with their [`NoveltyStatus`]
    /// when the run confirms novelty (rejected candidates are left out); the
    /// report shows those confirmed on the last day first, then the last
    /// day's flags.
    #[serde(default)]
    pub novel_clusters: Vec<NovelCluster>,
}

/// How the run was made: shown in the page header.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// A short name of the sensor or data set, e.g. `darknet-a` (may be empty).
    #[serde(default)]
    pub name: String,
    /// The version of the tool that made the run, e.g. `darkdca 0.1.0`.
    #[serde(default)]
    pub tool_version: String,
    /// The parameter preset, e.g. `paper` or `novtrack`.
    #[serde(default)]
    pub preset: String,
    /// The run's parameters as name/value pairs, shown in the given order.
    #[serde(default)]
    pub params: Vec<Param>,
    /// The format version of the persistent state the run used.
    #[serde(default)]
    pub state_format_version: u32,
    /// When the report input was made, as text supplied by the caller (the
    /// library reads no clock), e.g. `2026-12-04T18:00:00Z`.
    #[serde(default)]
    pub generated_at: String,
    /// The capture files or folders the run read, as given on the command line.
    #[serde(default)]
    pub sources: Vec<String>,
}

/// One named parameter value, already formatted for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    /// The parameter's name, e.g. `match_threshold`.
    pub name: String,
    /// Its value as text, e.g. `0.65`.
    pub value: String,
}

impl Param {
    /// A parameter from anything printable.
    pub fn new(name: impl Into<String>, value: impl std::fmt::Display) -> Self {
        Self { name: name.into(), value: value.to_string() }
    }
}

/// The figures of one processed day (one batch).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DaySummary {
    /// The day's label, normally `YYYY-MM-DD`.
    pub day: String,
    /// Packets in the day's batch.
    pub n_packets: u64,
    /// Distinct senders seen that day.
    pub n_senders: u64,
    /// Senders above the activity threshold (the ones embedded and clustered).
    pub n_active: u64,
    /// Clusters found that day.
    pub n_clusters: u64,
    /// Active senders left unclustered (noise).
    pub n_noise: u64,
    /// What happened to the previous day's clusters (all zero on the first day).
    #[serde(default)]
    pub transitions: TransitionCounts,
    /// Clusters of this day that match no cluster of the previous day.
    pub n_emerged: u64,
    /// Emerged clusters that also match no earlier lineage: the novel ones
    /// listed in [`ReportInput::novel_clusters`] for this day, final,
    /// confirmed or awaiting confirmation (rejected candidates excluded).
    pub n_novel: u64,
    /// Novelty candidates of earlier days rejected on this day, when novelty
    /// needs confirmation: their lineage split, was absorbed, disappeared or
    /// went inactive before it was confirmed. 0 otherwise.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub n_novel_rejected: u64,
    /// Mean silhouette of each cluster, in the order of `cluster_sizes`; `None`
    /// (JSON `null`) where it is undefined. NaN values are also skipped.
    #[serde(default)]
    pub silhouettes: Vec<Option<f64>>,
    /// The number of senders in each cluster.
    #[serde(default)]
    pub cluster_sizes: Vec<u64>,
}

/// How many of the previous day's clusters went through each MONIC transition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitionCounts {
    /// Clusters that survived into one cluster of this day.
    pub survived: u64,
    /// Clusters that split into several clusters of this day.
    pub split: u64,
    /// Clusters absorbed, with others, into one cluster of this day.
    pub absorbed: u64,
    /// Clusters whose senders are active but no longer grouped.
    pub disappeared: u64,
    /// Clusters whose senders fell (mostly) below the activity threshold.
    pub inactive: u64,
}

impl TransitionCounts {
    /// The sum over all kinds: the number of previous-day clusters accounted for.
    pub fn total(&self) -> u64 {
        self.survived + self.split + self.absorbed + self.disappeared + self.inactive
    }

    /// Counts one transition given by name: `survived`, `split`, `absorbed`,
    /// `disappeared` or `inactive` (the words of darkdca's day results).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownKind`] for any other word; nothing is counted then.
    pub fn record(&mut self, kind: &str) -> Result<()> {
        let slot = match kind {
            "survived" => &mut self.survived,
            "split" => &mut self.split,
            "absorbed" => &mut self.absorbed,
            "disappeared" => &mut self.disappeared,
            "inactive" => &mut self.inactive,
            _ => return Err(Error::UnknownKind { what: "transition", kind: kind.to_owned() }),
        };
        *slot += 1;
        Ok(())
    }
}

/// One lineage: a global cluster id followed over the days.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Lineage {
    /// The global id, unique among `lineages`.
    pub id: u64,
    /// The days on which a cluster of this lineage existed, with its size.
    /// Any order; a day listed twice keeps the larger size.
    #[serde(default)]
    pub presence: Vec<Presence>,
    /// The day on which the lineage was born as a novel cluster, if it was.
    #[serde(default)]
    pub novel_on: Option<usize>,
    /// The majority ground-truth label of its latest cluster, where labels exist.
    #[serde(default)]
    pub majority_label: Option<String>,
}

/// One day on which a lineage was alive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    /// Index into [`ReportInput::days`].
    pub day_idx: usize,
    /// The cluster's size (senders) that day.
    pub size: u64,
}

/// The kind of a link between two lineages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// `from` survived into a cluster that carries another id `to`.
    Survived,
    /// `from` split; `to` is one of its parts.
    Split,
    /// `from` was absorbed into `to` together with other clusters.
    Absorbed,
    /// `to` emerged and was matched back to the older lineage `from`.
    Reidentified,
}

impl LinkKind {
    /// All kinds, in the order the legend shows them.
    pub const ALL: [LinkKind; 4] =
        [LinkKind::Split, LinkKind::Absorbed, LinkKind::Survived, LinkKind::Reidentified];

    /// The word shown in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Survived => "survived",
            LinkKind::Split => "split",
            LinkKind::Absorbed => "absorbed",
            LinkKind::Reidentified => "re-identified",
        }
    }
}

/// A link drawn between two lineage rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineageLink {
    /// What happened.
    pub kind: LinkKind,
    /// The older lineage.
    pub from: u64,
    /// The lineage that received its senders.
    pub to: u64,
    /// The day on which the transition was observed (the day of `to`).
    pub day_idx: usize,
}

/// A cluster flagged as novel, with what an analyst needs to triage it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NovelCluster {
    /// Its global id; must be in [`ReportInput::lineages`].
    pub lineage_id: u64,
    /// The day on which it was flagged.
    pub day_idx: usize,
    /// Senders in the cluster.
    pub size: u64,
    /// Its mean silhouette, if defined.
    #[serde(default)]
    pub silhouette: Option<f64>,
    /// Its majority ground-truth label, where labels exist.
    #[serde(default)]
    pub majority_label: Option<String>,
    /// Where the flag stands when novelty needs confirmation by later days;
    /// `None` (absent from the JSON) when the flag was final at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<NoveltyStatus>,
    /// The day on which the flag was confirmed: required with
    /// [`NoveltyStatus::Confirmed`], after `day_idx`; `None` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_on: Option<usize>,
    /// Set when the cluster was cut to its core on the day it was flagged
    /// (darkdca's `clustering.new_cluster_min_probability`): `size` and
    /// `silhouette` are then those of the core.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut: Option<CoreCut>,
    /// What its senders sent that day.
    pub profile: Profile,
    /// When its senders were active.
    #[serde(default)]
    pub raster: Raster,
}

/// Members cut from a new cluster: those the clustering placed in it with a
/// low probability, reported as noise instead.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CoreCut {
    /// How many members were cut (at least 1).
    pub n_fringe: u64,
    /// The cluster's mean silhouette with them put back, if defined.
    #[serde(default)]
    pub silhouette_whole: Option<f64>,
}

/// Where a novel flag stands when the run confirms novelty on later days.
///
/// A candidate that a later day rejected is not a novel cluster at all: it
/// is left out of [`ReportInput::novel_clusters`] and only counted in
/// [`DaySummary::n_novel_rejected`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoveltyStatus {
    /// A candidate that no later day of the input has decided yet (typically
    /// one flagged on the last day).
    Pending,
    /// A candidate that a later day ([`NovelCluster::confirmed_on`]) confirmed.
    Confirmed,
}

/// The traffic profile of one cluster on one day.
///
/// The serde aliases accept the field names of darkdca's own cluster profile
/// (`packets`, `top_slash24`, `top_slash16`, `count`), so a profile serialised
/// by the pipeline deserialises into this type directly; fields this type does
/// not know are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Packets sent by the cluster's senders that day.
    #[serde(alias = "packets")]
    pub n_packets: u64,
    /// Share of those packets that are Mirai-like probes, in `[0, 1]`.
    pub mirai_share: f64,
    /// Top services (protocol and destination port class, e.g. `23/tcp`).
    #[serde(default)]
    pub top_services: Vec<Count>,
    /// Top protocols (`tcp`, `udp`, `icmp`, ...); may be empty.
    #[serde(default)]
    pub top_protocols: Vec<Count>,
    /// Top source /24 prefixes, e.g. `192.0.2.0/24`.
    #[serde(default, alias = "top_slash24")]
    pub top_prefixes24: Vec<Count>,
    /// Top source /16 prefixes, e.g. `192.0.0.0/16`.
    #[serde(default, alias = "top_slash16")]
    pub top_prefixes16: Vec<Count>,
    /// Packets per equal time bin over the day, oldest first: with 24 bins,
    /// the hours of the day (UTC). Empty or all zero when not recorded.
    #[serde(default)]
    pub activity: Vec<u64>,
}

/// One row of a "top N" table: a key and its packet count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// What is counted: a service or a prefix.
    pub key: String,
    /// Packets for that key.
    #[serde(alias = "count")]
    pub n_packets: u64,
}

impl Count {
    /// A row from a key and a packet count.
    pub fn new(key: impl Into<String>, n_packets: u64) -> Self {
        Self { key: key.into(), n_packets }
    }
}

/// Packets per sender and time bin: the activity raster of a cluster.
///
/// The bins are chosen by the caller, typically the days from two weeks before
/// the cluster was flagged up to that day, or the 24 hours of that day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Raster {
    /// Labels of the time bins, oldest first.
    #[serde(default)]
    pub columns: Vec<String>,
    /// Sender addresses, one per row.
    #[serde(default)]
    pub senders: Vec<String>,
    /// `n_packets[row][column]`: packets of sender `row` in bin `column`.
    #[serde(default)]
    pub n_packets: Vec<Vec<u64>>,
}

impl ReportInput {
    /// An empty input for `run` at the current [`SCHEMA_VERSION`].
    pub fn new(run: RunInfo) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            run,
            days: Vec::new(),
            lineages: Vec::new(),
            links: Vec::new(),
            novel_clusters: Vec::new(),
        }
    }

    /// Parses and checks an input stored as JSON.
    ///
    /// # Errors
    ///
    /// [`Error::Json`] if the text is not a valid input, and any error of
    /// [`ReportInput::check`].
    pub fn from_json(text: &str) -> Result<Self> {
        let input: Self = serde_json::from_str(text).map_err(|source| Error::Json { source })?;
        input.check()?;
        Ok(input)
    }

    /// The input as pretty-printed JSON.
    ///
    /// # Errors
    ///
    /// [`Error::Json`] if serialisation fails, which plain data cannot do in
    /// practice; NaN silhouettes are written as `null`.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|source| Error::Json { source })
    }

    /// The most recent day, if any.
    pub fn last_day(&self) -> Option<&DaySummary> {
        self.days.last()
    }

    /// The lineage with global id `id`, added empty if it is not there yet.
    ///
    /// Handy while walking day results: `input.lineage_mut(id).presence.push(..)`.
    /// Linear in the number of lineages.
    pub fn lineage_mut(&mut self, id: u64) -> &mut Lineage {
        let idx = match self.lineages.iter().position(|l| l.id == id) {
            Some(idx) => idx,
            None => {
                self.lineages.push(Lineage { id, ..Lineage::default() });
                self.lineages.len() - 1
            }
        };
        &mut self.lineages[idx]
    }

    /// Checks the references and shapes that rendering relies on.
    ///
    /// # Errors
    ///
    /// - [`Error::UnsupportedSchema`] if `schema_version` is not [`SCHEMA_VERSION`];
    /// - [`Error::DayOutOfRange`] for a day index past the end of `days`;
    /// - [`Error::DuplicateLineage`] for a lineage id given twice;
    /// - [`Error::UnknownLineage`] for a link or novel cluster naming no lineage;
    /// - [`Error::LengthMismatch`] for a raster whose rows do not match its
    ///   senders and columns;
    /// - [`Error::OutOfRange`] for a Mirai-like share outside `[0, 1]` or a
    ///   silhouette outside `[-1, 1]` (NaN silhouettes are allowed: undefined);
    /// - [`Error::NoveltyStatus`] for a confirmed novel cluster without a
    ///   confirmation day, or one not after its flag, and a confirmation day
    ///   given for a cluster that is not confirmed.
    pub fn check(&self) -> Result<()> {
        if self.schema_version != SCHEMA_VERSION {
            return Err(Error::UnsupportedSchema {
                found: self.schema_version,
                supported: SCHEMA_VERSION,
            });
        }
        let n_days = self.days.len();
        let day_ok = |day_idx: usize, context: &dyn Fn() -> String| {
            if day_idx < n_days {
                Ok(())
            } else {
                Err(Error::DayOutOfRange { context: context(), day_idx, n_days })
            }
        };

        for (d, day) in self.days.iter().enumerate() {
            for (i, s) in day.silhouettes.iter().enumerate() {
                check_silhouette(*s, &|| format!("day {d}, silhouette {i}"))?;
            }
        }

        let mut ids = std::collections::BTreeSet::new();
        for lineage in &self.lineages {
            if !ids.insert(lineage.id) {
                return Err(Error::DuplicateLineage { lineage_id: lineage.id });
            }
            for (i, presence) in lineage.presence.iter().enumerate() {
                day_ok(presence.day_idx, &|| format!("lineage {}, presence {i}", lineage.id))?;
            }
            if let Some(day_idx) = lineage.novel_on {
                day_ok(day_idx, &|| format!("lineage {}, novel_on", lineage.id))?;
            }
        }

        let known = |lineage_id: u64, context: &dyn Fn() -> String| {
            if ids.contains(&lineage_id) {
                Ok(())
            } else {
                Err(Error::UnknownLineage { context: context(), lineage_id })
            }
        };
        for (i, link) in self.links.iter().enumerate() {
            known(link.from, &|| format!("link {i}, from"))?;
            known(link.to, &|| format!("link {i}, to"))?;
            day_ok(link.day_idx, &|| format!("link {i}"))?;
        }

        for (i, novel) in self.novel_clusters.iter().enumerate() {
            known(novel.lineage_id, &|| format!("novel cluster {i}"))?;
            day_ok(novel.day_idx, &|| format!("novel cluster {i}"))?;
            if let Some(day_idx) = novel.confirmed_on {
                day_ok(day_idx, &|| format!("novel cluster {i}, confirmed_on"))?;
            }
            check_novel(i, novel)?;
        }
        Ok(())
    }
}

/// Checks that a confirmed cluster has a confirmation day after its flag,
/// and that no other cluster has one.
fn check_status(i: usize, novel: &NovelCluster) -> Result<()> {
    let problem = match (novel.status, novel.confirmed_on) {
        (Some(NoveltyStatus::Confirmed), None) => "confirmed without confirmed_on",
        (Some(NoveltyStatus::Confirmed), Some(on)) if on <= novel.day_idx => {
            "confirmed_on is not after the day it was flagged"
        }
        (Some(NoveltyStatus::Confirmed), Some(_)) | (_, None) => return Ok(()),
        (_, Some(_)) => "confirmed_on given but the status is not confirmed",
    };
    Err(Error::NoveltyStatus { context: format!("novel cluster {i}"), problem })
}

/// `skip_serializing_if` for counts written only when non-zero.
#[allow(clippy::trivially_copy_pass_by_ref, reason = "serde passes a reference")]
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Checks that a defined silhouette lies in `[-1, 1]` (NaN counts as undefined).
fn check_silhouette(value: Option<f64>, context: &dyn Fn() -> String) -> Result<()> {
    match value {
        Some(v) if v.is_infinite() || (v.is_finite() && !(-1.0..=1.0).contains(&v)) => {
            Err(Error::OutOfRange { context: context(), value: v, allowed: "[-1, 1]" })
        }
        _ => Ok(()),
    }
}

/// Checks the status, share, silhouette and raster shape of one novel cluster.
fn check_novel(i: usize, novel: &NovelCluster) -> Result<()> {
    check_status(i, novel)?;
    check_silhouette(novel.silhouette, &|| format!("novel cluster {i}, silhouette"))?;
    if let Some(cut) = novel.cut {
        if cut.n_fringe == 0 {
            return Err(Error::OutOfRange {
                context: format!("novel cluster {i}, cut.n_fringe"),
                value: 0.0,
                allowed: "at least 1",
            });
        }
        check_silhouette(cut.silhouette_whole, &|| {
            format!("novel cluster {i}, cut.silhouette_whole")
        })?;
    }

    let share = novel.profile.mirai_share;
    if !(0.0..=1.0).contains(&share) {
        return Err(Error::OutOfRange {
            context: format!("novel cluster {i}, profile.mirai_share"),
            value: share,
            allowed: "[0, 1]",
        });
    }

    let raster = &novel.raster;
    if raster.n_packets.len() != raster.senders.len() {
        return Err(Error::LengthMismatch {
            context: format!("novel cluster {i}, raster rows (one per sender)"),
            expected: raster.senders.len(),
            found: raster.n_packets.len(),
        });
    }
    for (row, values) in raster.n_packets.iter().enumerate() {
        if values.len() != raster.columns.len() {
            return Err(Error::LengthMismatch {
                context: format!("novel cluster {i}, raster row {row} (one value per column)"),
                expected: raster.columns.len(),
                found: values.len(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_days() -> ReportInput {
        let mut input = ReportInput::new(RunInfo::default());
        input.days = vec![
            DaySummary { day: "2026-01-01".into(), ..DaySummary::default() },
            DaySummary { day: "2026-01-02".into(), ..DaySummary::default() },
        ];
        input.lineages = vec![
            Lineage {
                id: 1,
                presence: vec![Presence { day_idx: 0, size: 12 }],
                ..Lineage::default()
            },
            Lineage {
                id: 2,
                presence: vec![Presence { day_idx: 1, size: 10 }],
                ..Lineage::default()
            },
        ];
        input
    }

    #[test]
    fn a_consistent_input_passes_and_round_trips() {
        let mut input = two_days();
        input.links.push(LineageLink { kind: LinkKind::Split, from: 1, to: 2, day_idx: 1 });
        input.check().unwrap();
        let back = ReportInput::from_json(&input.to_json().unwrap()).unwrap();
        assert_eq!(back, input);
    }

    #[test]
    fn another_schema_version_is_refused() {
        let mut input = two_days();
        input.schema_version = SCHEMA_VERSION + 1;
        assert!(matches!(input.check(), Err(Error::UnsupportedSchema { found, .. }) if found == 2));
    }

    #[test]
    fn a_day_past_the_end_is_named() {
        let mut input = two_days();
        input.lineages[1].presence[0].day_idx = 2;
        let err = input.check().unwrap_err();
        assert_eq!(
            err.to_string(),
            "lineage 2, presence 0: day index 2 is out of range (2 days in the input)"
        );
    }

    #[test]
    fn duplicate_and_unknown_lineages_are_refused() {
        let mut input = two_days();
        input.lineages[1].id = 1;
        assert!(matches!(input.check(), Err(Error::DuplicateLineage { lineage_id: 1 })));

        let mut input = two_days();
        input.links.push(LineageLink { kind: LinkKind::Absorbed, from: 1, to: 9, day_idx: 1 });
        assert!(matches!(input.check(), Err(Error::UnknownLineage { lineage_id: 9, .. })));
    }

    #[test]
    fn ragged_rasters_and_bad_shares_are_refused() {
        let mut input = two_days();
        let mut novel = NovelCluster { lineage_id: 2, day_idx: 1, size: 10, ..Default::default() };
        novel.raster = Raster {
            columns: vec!["a".into(), "b".into()],
            senders: vec!["192.0.2.1".into()],
            n_packets: vec![vec![1]],
        };
        input.novel_clusters.push(novel.clone());
        assert!(matches!(input.check(), Err(Error::LengthMismatch { expected: 2, found: 1, .. })));

        novel.raster.n_packets = vec![vec![1, 2]];
        novel.profile.mirai_share = 1.5;
        input.novel_clusters[0] = novel;
        assert!(matches!(input.check(), Err(Error::OutOfRange { .. })));
    }

    #[test]
    fn transitions_are_counted_by_name() {
        let mut t = TransitionCounts::default();
        for kind in ["survived", "survived", "split", "absorbed", "disappeared", "inactive"] {
            t.record(kind).unwrap();
        }
        assert_eq!((t.survived, t.total()), (2, 6));
        let err = t.record("emerged").unwrap_err();
        assert_eq!(err.to_string(), "unknown transition kind \"emerged\"");
        assert_eq!(t.total(), 6);
    }

    #[test]
    fn lineage_mut_finds_or_adds() {
        let mut input = two_days();
        input.lineage_mut(2).novel_on = Some(1);
        input.lineage_mut(5).presence.push(Presence { day_idx: 1, size: 11 });
        assert_eq!(input.lineages.len(), 3);
        assert_eq!(input.lineages[1].novel_on, Some(1));
        assert_eq!(input.lineages[2].id, 5);
    }

    #[test]
    fn silhouettes_outside_the_range_are_refused_but_nan_is_undefined() {
        let mut input = two_days();
        input.days[1].silhouettes = vec![Some(f64::NAN), None, Some(-1.0), Some(1.0)];
        input.check().unwrap();
        input.days[1].silhouettes.push(Some(1.5));
        let err = input.check().unwrap_err();
        assert_eq!(err.to_string(), "day 1, silhouette 4: value 1.5 is outside [-1, 1]");
        input.days[1].silhouettes = vec![Some(f64::NEG_INFINITY)];
        assert!(matches!(input.check(), Err(Error::OutOfRange { .. })));
    }

    #[test]
    fn malformed_json_is_a_typed_error() {
        assert!(matches!(
            ReportInput::from_json("{\"schema_version\": 1"),
            Err(Error::Json { .. })
        ));
    }

    #[test]
    fn a_profile_in_the_pipeline_s_field_names_is_read() {
        let text = r#"{"n_senders": 3, "packets": 40, "mirai_share": 0.5,
            "top_services": [{"key": "23/tcp", "count": 30}], "top_slash24": [],
            "top_slash16": [{"key": "192.0.0.0/16", "count": 40}], "activity": [1, 2]}"#;
        let profile: Profile = serde_json::from_str(text).unwrap();
        assert_eq!(profile.n_packets, 40);
        assert_eq!(profile.top_services, vec![Count::new("23/tcp", 30)]);
        assert_eq!(profile.top_prefixes16[0].n_packets, 40);
        assert_eq!(profile.activity, vec![1, 2]);
    }
}
