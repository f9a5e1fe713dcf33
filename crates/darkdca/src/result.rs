//! One batch's result: the machine-readable record of a day, versioned.
//!
//! The JSON written by the `darkdca` command is exactly the serde form of
//! [`DayResult`]; `docs/OUTPUT.md` documents it field by field. Any change of
//! a field's meaning or a removal bumps [`SCHEMA_VERSION`]; new fields may be
//! added within a version.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::profile::ClusterProfile;

/// Version of the [`DayResult`] JSON schema.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything the pipeline found in one batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayResult {
    /// [`SCHEMA_VERSION`] of this record.
    pub schema_version: u32,
    /// The batch's name: `YYYY-MM-DD` for daily batches, the start time
    /// `YYYY-MM-DDTHH:MM:SSZ` otherwise.
    pub day: String,
    /// Batch id: the batch's start divided by its length (days since
    /// 1970-01-01 for daily batches).
    pub batch_id: u64,
    /// Start of the batch, seconds since the Unix epoch (UTC).
    pub start_unix: i64,
    /// Length of the batch in seconds.
    pub batch_seconds: u32,
    /// Counts and timings of the batch.
    pub stats: DayStats,
    /// The batch's clusters, by lineage id.
    pub clusters: Vec<ClusterResult>,
    /// What became of the previous batch's clusters.
    pub transitions: Vec<TransitionRecord>,
    /// Lineage ids of clusters that emerged in this batch.
    pub emerged: Vec<u64>,
    /// Lineage ids of emerged clusters that match no past cluster and pass
    /// the novelty gates (novelty). With `tracking.novelty_confirm_batches`
    /// above 0 these are candidates: each cluster's `novelty_status` is
    /// `pending`, and a later batch's [`DayResult::novelty_decisions`]
    /// confirms or rejects it.
    pub novel: Vec<u64>,
    /// Decisions taken in this batch on novelty candidates of earlier
    /// batches (only with `tracking.novelty_confirm_batches` above 0);
    /// absent from the JSON when there were none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub novelty_decisions: Vec<NoveltyDecision>,
    /// Every active sender and its cluster.
    pub senders: Vec<SenderRecord>,
}

/// Counts and timings of one batch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DayStats {
    /// Packets in the batch.
    pub n_packets: u64,
    /// Distinct senders in the batch.
    pub n_senders: usize,
    /// Senders with at least `trace.min_packets` packets.
    pub n_active: usize,
    /// Active senders that got an embedding (appear in the corpus).
    pub n_embedded: usize,
    /// Embedded senders HDBSCAN left as noise.
    pub n_noise: usize,
    /// Clusters found.
    pub n_clusters: usize,
    /// Mean silhouette over the clustered senders (noise excluded); `None`
    /// with fewer than two clusters.
    pub silhouette: Option<f64>,
    /// Purity of the clustering against the labels; `None` without labels.
    pub purity: Option<f64>,
    /// Wall time per stage in milliseconds.
    pub timings_ms: StageTimings,
    /// Problems met while reading the input files that fed this batch
    /// (a read error kept with `--allow-partial`, malformed frames or rows
    /// skipped); absent from the JSON when there were none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_issues: Vec<InputIssue>,
}

/// A problem met while reading one input file (see
/// [`DayStats::input_issues`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputIssue {
    /// The file as read.
    pub file: String,
    /// The read error that ended the file early, if any; the records before
    /// it were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Malformed frames or rows skipped in the file, the records with an
    /// outlier timestamp included.
    pub n_malformed: u64,
    /// Records read from the file.
    pub n_records: u64,
    /// Records skipped because their timestamp jumped away from the file's
    /// neighbouring records and back (read report reason
    /// `timestamp_outlier`; also counted in `n_malformed`). Added within
    /// schema version 1.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub n_timestamp_outliers: u64,
    /// Records of the file that arrived after their day was committed and
    /// were left out (listed on the next day processed). Added within schema
    /// version 1.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub n_late: u64,
}

fn is_zero<T: Default + PartialEq>(n: &T) -> bool {
    *n == T::default()
}

/// Wall time of each stage on one batch, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageTimings {
    /// Aggregating packets per sender and building the corpus.
    pub corpus: f64,
    /// Updating the embedding model.
    pub embed: f64,
    /// HDBSCAN.
    pub cluster: f64,
    /// Silhouette and purity.
    pub metrics: f64,
    /// MONIC transitions and lineages.
    pub track: f64,
    /// Profiles and the result record.
    pub profile: f64,
}

/// One cluster of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterResult {
    /// Global, stable id of the cluster's lineage.
    pub lineage: u64,
    /// The clustering's label for this cluster in this batch.
    pub local_id: u32,
    /// Number of member senders.
    pub size: usize,
    /// Mean silhouette of the members (cosine); `None` when undefined
    /// (a single cluster in the batch).
    pub silhouette: Option<f64>,
    /// Most frequent label among members, unlabelled members counted as
    /// the class `labels.unknown_label`.
    pub majority_label: String,
    /// Share of members carrying `majority_label`.
    pub purity: f64,
    /// Members with a label (ground truth or Mirai-like).
    pub n_labelled: usize,
    /// Most frequent label among labelled members, if any.
    pub labelled_majority: Option<String>,
    /// Share of labelled members carrying `labelled_majority`.
    pub labelled_purity: Option<f64>,
    /// How the cluster came to be: `first` (first batch of the run),
    /// `survived` or `emerged`.
    pub origin: String,
    /// For emerged clusters, where most members were the batch before:
    /// `noise`, `absent` (not active) or `clusters` (parts of earlier
    /// clusters), the largest of the three shares.
    pub provenance: Option<String>,
    /// For emerged clusters matched to an earlier cluster within the
    /// look-back: that cluster's lineage (equal to `lineage` when the
    /// lineage was restored).
    pub reidentified_from: Option<u64>,
    /// Whether the cluster is novel: emerged, matched to no earlier
    /// cluster, and past the novelty quality gate.
    pub novel: bool,
    /// Why an emerged cluster without a past match is not novel: the
    /// novelty gate it failed, `silhouette`
    /// (`tracking.novelty_min_silhouette`) or `known_share`
    /// (`tracking.novelty_max_known_share`). Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub novelty_gate: Option<String>,
    /// For novel clusters when novelty needs confirmation
    /// (`tracking.novelty_confirm_batches` above 0): `pending`, decided by
    /// a later batch's [`DayResult::novelty_decisions`]. Absent when the
    /// flag is final at once, and for clusters that are not novel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub novelty_status: Option<String>,
    /// For a new cluster cut to its core
    /// (`clustering.new_cluster_min_probability`): how many of its members
    /// HDBSCAN gave a lower membership probability and were reported as
    /// noise. Absent when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub n_fringe: usize,
    /// For a cluster cut to its core: its mean silhouette with the cut
    /// members, the value `tracking.novelty_confirm_silhouette` is compared
    /// with. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silhouette_whole: Option<f64>,
    /// Member addresses, sorted.
    pub members: Vec<String>,
    /// What the members did in the batch.
    pub profile: ClusterProfile,
}

/// The outcome of a novelty candidate: confirmed once its lineage has
/// survived `tracking.novelty_confirm_batches` batches (a group that fell
/// silent and came back within `tracking.novelty_wait_inactive` batches
/// counts its return as one), rejected as soon as it does anything else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoveltyDecision {
    /// Lineage id of the candidate cluster.
    pub lineage: u64,
    /// Name of the batch that flagged it (as [`DayResult::day`]).
    pub flagged_day: String,
    /// Id of that batch (as [`DayResult::batch_id`]).
    pub flagged_batch_id: u64,
    /// Whether the novelty is confirmed.
    pub confirmed: bool,
    /// What decided in this batch: `survived`, or `returned` (the silent
    /// group re-identified), for a confirmation; `split`, `absorbed`,
    /// `disappeared` or `inactive` (silent for longer than the wait) for a
    /// rejection.
    pub transition: String,
}

/// Where each novelty candidate of a run was decided, read from the
/// [`DayResult::novelty_decisions`] of the run's results (in batch order).
#[derive(Debug, Clone, Default)]
pub struct NoveltyOutcomes(HashMap<(u64, u64), (usize, bool)>);

impl NoveltyOutcomes {
    /// The decisions of `results`, oldest first; a candidate decided twice
    /// keeps its first decision.
    #[must_use]
    pub fn of(results: &[DayResult]) -> Self {
        let mut map = HashMap::new();
        for (d, r) in results.iter().enumerate() {
            for n in &r.novelty_decisions {
                map.entry((n.lineage, n.flagged_batch_id)).or_insert((d, n.confirmed));
            }
        }
        Self(map)
    }

    /// The decision on the candidate `lineage` flagged in batch
    /// `flagged_batch_id`: the index of the deciding result and whether it
    /// confirmed; `None` while undecided.
    #[must_use]
    pub fn get(&self, lineage: u64, flagged_batch_id: u64) -> Option<(usize, bool)> {
        self.0.get(&(lineage, flagged_batch_id)).copied()
    }
}

/// The fate of one cluster of the previous batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitionRecord {
    /// Lineage id of the previous batch's cluster.
    pub lineage: u64,
    /// `survived`, `absorbed`, `split`, `disappeared` or `inactive`.
    pub kind: String,
    /// Lineage ids of this batch's clusters it went into.
    pub into: Vec<u64>,
}

/// One active sender of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderRecord {
    /// The sender's address (or pseudonym).
    pub address: String,
    /// Local cluster id, `-1` for noise or senders without embedding.
    pub cluster: i64,
    /// Lineage id of its cluster, `None` for noise.
    pub lineage: Option<u64>,
    /// Packets it sent in the batch.
    pub packets: u64,
    /// Its label (ground truth or Mirai-like), if any.
    pub label: Option<String>,
}

impl DayResult {
    /// The cluster of a lineage in this batch, if present.
    #[must_use]
    pub fn cluster(&self, lineage: u64) -> Option<&ClusterResult> {
        self.clusters.iter().find(|c| c.lineage == lineage)
    }

    /// Whether this batch reports the previous batch's cluster of `lineage`
    /// inactive (its group fell silent).
    #[must_use]
    pub fn went_inactive(&self, lineage: u64) -> bool {
        self.transitions.iter().any(|t| t.lineage == lineage && t.kind == "inactive")
    }

    /// The decision of this batch on the candidate `lineage` flagged in
    /// batch `flagged_batch_id`, if this batch took one.
    #[must_use]
    pub fn novelty_decision(
        &self,
        lineage: u64,
        flagged_batch_id: u64,
    ) -> Option<&NoveltyDecision> {
        self.novelty_decisions
            .iter()
            .find(|d| d.lineage == lineage && d.flagged_batch_id == flagged_batch_id)
    }
}
