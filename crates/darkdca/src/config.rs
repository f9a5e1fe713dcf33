//! The pipeline's configuration: every parameter, its default, its presets
//! and its validation.
//!
//! [`Config`] is plain data (serde, TOML or JSON); [`Config::check`] turns it
//! into a [`CheckedConfig`], the only form a [`crate::Pipeline`] accepts.
//! A configuration file may set only some fields: the others keep the values
//! of the base it is laid over ([`Config::overlay_file`]), usually a preset.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::trace::Prefix;

/// A named set of parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// The values published in the NovTrack paper (and i-DarkVec for the
    /// embedding): senders with more than 5 packets a day, 200 dimensions,
    /// window 5, 5 negative samples, one epoch,
    /// `min_cluster_size` 10, τ0 = 0.65, τ1 = 0.3.
    Paper,
    /// The values of the authors' public code (SmartData-Polito/novtrack):
    /// at least 10 packets a day, window 5, one epoch, τ0 = 0.6, τ1 = 0.35,
    /// an emerged cluster matched against days t-2 to t-14 at overlap 0.6
    /// before it is novel, senders unseen for 31 days dropped from the model.
    Novtrack,
    /// The default: the paper's values with the changes docs/EVALUATION.md
    /// justifies on the simulator: every service its own sentence
    /// (`trace.top_services` [`ALL_SERVICES`]), `embedding.bootstrap_epochs`
    /// 10, `embedding.epochs` 5, `embedding.forget` 0.4,
    /// `embedding.count_policy` [`CountPolicy::Replace`],
    /// `embedding.retire_after` 31, `clustering.min_samples` 4, the support gate
    /// `clustering.min_support` 0.1, new clusters cut to their core,
    /// `clustering.new_cluster_min_probability` 0.25, the novelty known-share gate
    /// `tracking.novelty_max_known_share` 0.4, novelty confirmed after
    /// one more batch, `tracking.novelty_confirm_batches` 1, and a candidate
    /// whose group falls silent waiting a week for it to return,
    /// `tracking.novelty_wait_inactive` 7, unless its silhouette is at least
    /// `tracking.novelty_confirm_silhouette` 0.95, which makes it final at once.
    #[default]
    Recommended,
}

impl Preset {
    /// Every preset, in the order the command lists them.
    pub const ALL: [Self; 3] = [Self::Paper, Self::Novtrack, Self::Recommended];

    /// The preset's name as used in files and on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Paper => "paper",
            Self::Novtrack => "novtrack",
            Self::Recommended => "recommended",
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::UnknownPreset { name: s.to_owned() })
    }
}

/// Every parameter of the pipeline, grouped by stage.
///
/// `Config::default()` is the [`Preset::Recommended`] configuration; the
/// paper's exact values are [`Preset::Paper`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Cutting captures into batches and keeping active senders.
    pub trace: TraceConfig,
    /// The incremental skip-gram embedding of senders.
    pub embedding: EmbeddingConfig,
    /// HDBSCAN over the embeddings of the batch's active senders.
    pub clustering: ClusteringConfig,
    /// MONIC transitions, lineages and novelty.
    pub tracking: TrackingConfig,
    /// Labels used for purity and majority labels.
    pub labels: LabelConfig,
    /// The per-cluster profile in each day's result.
    pub profile: ProfileConfig,
}

/// Parameters of the trace stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TraceConfig {
    /// A sender is active in a batch when it sends **more than** this many
    /// packets (the trace crate's convention). Paper 5 (more than 5
    /// packets); NovTrack code 9 (its filter keeps senders with at least 10).
    pub min_packets: u64,
    /// Length of a batch in seconds, cut from packet timestamps (UTC).
    /// Default 86,400 (a day).
    pub batch_seconds: u32,
    /// Number of most frequent services (destination port and protocol)
    /// kept as their own sentence; the rest share an `other` sentence.
    /// Paper 2,500 (the authors' code); recommended [`ALL_SERVICES`]: a
    /// sender sweeping hundreds of ports that no one else visits is told
    /// apart by those ports, which a cut at 2,500 on a busy day lumps into
    /// `other` with every other sweeper (docs/EVALUATION.md).
    pub top_services: usize,
    /// The telescope's own address prefixes (CIDR, IPv4 or IPv6, e.g.
    /// `198.51.100.0/24` or `2001:db8::/48`; a bare address is one host).
    /// Packets addressed outside all of them, such as a honeypot's own
    /// replies in its capture, are left out before senders are counted,
    /// and the run's closing line says how many. Records without a
    /// destination address (a flow CSV without that column) cannot be
    /// checked and are kept. Empty (the default, every preset) keeps every
    /// packet. Set by `darkdca run --telescope`, which replaces this list.
    /// Their order, repeats and prefixes inside other listed ones do not
    /// matter.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telescope: Vec<String>,
}

impl TraceConfig {
    /// The prefixes of [`TraceConfig::telescope`], parsed.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] naming `trace.telescope` and the first
    /// entry that is not a prefix.
    pub fn telescope_prefixes(&self) -> Result<Vec<Prefix>> {
        self.telescope
            .iter()
            .map(|entry| {
                entry.parse::<Prefix>().map_err(|e| {
                    let why = match e {
                        crate::trace::Error::Params { reason, .. } => reason,
                        other => other.to_string(),
                    };
                    Error::InvalidConfig {
                        field: "trace.telescope",
                        reason: format!(
                            "must hold address prefixes such as 192.0.2.0/24 or \
                             2001:db8::/48, got {entry:?} ({why})"
                        ),
                    }
                })
            })
            .collect()
    }
}

/// A [`TraceConfig::top_services`] above the number of services a batch
/// can hold (65,536 TCP and 65,536 UDP ports, ICMP, GRE and the other IP
/// protocols): every service is its own sentence and none is `other`.
pub const ALL_SERVICES: usize = 1_000_000;

/// Parameters of the incremental skip-gram embedding (names as in
/// gensim and the word2vec crate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmbeddingConfig {
    /// Dimensions of an embedding. Default 200.
    pub vector_size: usize,
    /// Largest distance between a sender and its context, 1 to 100
    /// ([`MAX_WINDOW`]). Default 5.
    pub window: usize,
    /// Negative samples per positive pair. Default 5.
    pub negative: usize,
    /// Subsampling threshold of frequent senders; 0 turns it off.
    /// Default 0 (as DarkVec).
    pub sample: f64,
    /// Training passes over each batch's corpus once the model is warm.
    /// Default 1.
    pub epochs: usize,
    /// Training passes over the corpus of the first batch (a cold model).
    /// Default 1, as the paper; the evaluation may raise it.
    pub bootstrap_epochs: usize,
    /// Initial learning rate. Default 0.025.
    pub alpha: f32,
    /// Final learning rate. Default 0.0001.
    pub min_alpha: f32,
    /// Seed of the model's random numbers. Default 15 (the authors' code).
    pub seed: u64,
    /// Worker threads; 1 makes runs bit-identical for a seed. Default 1.
    pub threads: usize,
    /// Cut sentences after this many senders (gensim cuts at 10,000);
    /// `None` trains whole sentences. Default `None`.
    pub max_sentence_len: Option<usize>,
    /// How an update merges sender counts into the model's counts, which
    /// decide how often a sender is drawn as a negative sample:
    /// `accumulate` (gensim: every past batch counts forever), `replace`
    /// (only the new batch), or a decay factor in [0, 1]. Paper and
    /// NovTrack `accumulate`; recommended `replace`: accumulated counts
    /// spend a growing share of the draws on senders absent from the day
    /// (a quarter by day 4 of the `large` scenario), and the groups of
    /// long-lived scanners drift apart day after day (docs/EVALUATION.md,
    /// "Negatives from the day's own counts").
    pub count_policy: CountPolicy,
    /// Drop senders unseen for this many batches from the model (a sender
    /// that comes back later starts again as a new one). Paper `None`;
    /// NovTrack code and recommended 31: the model then holds about a
    /// month of senders instead of growing with every day a state runs
    /// (on the `large` scenario by about 25 MB a day). Runs shorter than
    /// that give the same results either way.
    pub retire_after: Option<u32>,
    /// Share of what the model learnt that each update forgets first, in
    /// [0, 1]: every sender's vector moves this share of the way back to a
    /// fresh random start before training on the new batch
    /// (`word2vec::Model::forget`). 0 keeps yesterday's vectors as they are
    /// (i-DarkVec, the paper); 1 retrains from scratch every batch. Senders
    /// whose company changed (a group that split or dissolved) then stop
    /// looking alike on the day it happens instead of days later.
    /// Default 0.
    #[serde(default, skip_serializing_if = "is_off")]
    pub forget: f32,
}

/// Whether a field that files and hashes leave out at its off value (its
/// type's default, 0) is off. Every field using it is also written by
/// [`Config::to_toml_string`] (its `off` list), so that a printed file
/// keeps its meaning over a preset where the field is on.
fn is_off<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// How an embedding update merges the new batch's counts into the model's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CountPolicy {
    /// `old + new`, as gensim.
    Accumulate,
    /// `new` only.
    Replace,
    /// `factor * old + new`, `factor` in [0, 1].
    Decay(f64),
}

/// Parameters of HDBSCAN (cosine distance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusteringConfig {
    /// Smallest group HDBSCAN reports as a cluster. Default 10.
    pub min_cluster_size: usize,
    /// Neighbours for core distances; `None` means `min_cluster_size`, as
    /// the Python `hdbscan` package does. Default `None`.
    pub min_samples: Option<usize>,
    /// How flat clusters are chosen: `eom` (excess of mass) or `leaf`.
    /// Default `eom`.
    pub cluster_selection: ClusterSelection,
    /// Clusters closer than this (cosine distance) are merged. Default 0.
    pub cluster_selection_epsilon: f64,
    /// Whether the whole data set may be one cluster. Default `false`.
    pub allow_single_cluster: bool,
    /// Smallest share of a cluster's occurrences in the day's sentences
    /// that have another member of the same cluster within
    /// `embedding.window` positions (`metrics::window_support`), in [0, 1].
    /// A cluster below it is not held together by the day's traffic, only
    /// by what the model remembers of earlier days (a group that dissolved,
    /// or unrelated senders that happen to lie close): its members are
    /// reported as noise. 0 keeps every cluster (the paper). Default 0.
    #[serde(default, skip_serializing_if = "is_off")]
    pub min_support: f64,
    /// Smallest HDBSCAN membership probability a member of a *new* cluster
    /// keeps, in [0, 1]. A cluster is new when at least half of its members
    /// were never in a cluster on an earlier day (so none is on the run's
    /// first day with clusters); its members below this
    /// probability are reported as noise, unless fewer than
    /// `min_cluster_size` would remain. The one-off senders a telescope sees
    /// every day lie close together in the embedding, and a group that
    /// appears among them is otherwise reported with them, noise for the
    /// most part. 0 keeps every member (the paper). Default 0.
    #[serde(default, skip_serializing_if = "is_off")]
    pub new_cluster_min_probability: f64,
}

/// How HDBSCAN chooses flat clusters from its tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterSelection {
    /// Excess of mass: the most stable clusters.
    Eom,
    /// The leaves of the condensed tree.
    Leaf,
}

/// Parameters of MONIC transitions and lineage tracking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrackingConfig {
    /// τ0, the overlap for a strong match (survival, absorption), in
    /// [0.5, 1]. Paper 0.65; NovTrack code 0.6.
    pub match_threshold: f64,
    /// τ1, the overlap for a loose match (split part) and the activity below
    /// which a cluster is inactive, in (0, 0.5). Paper 0.3; NovTrack code
    /// 0.35.
    pub split_threshold: f64,
    /// Smallest lag (in batches) at which an emerged cluster is compared
    /// with past clusters before it is called novel. Paper 1; NovTrack
    /// code 2 (lag 1 is left to the transition rules).
    pub look_back_min_lag: u64,
    /// Largest lag compared; `None` looks at the whole history. Paper
    /// `None`; NovTrack code 14.
    pub look_back_max_lag: Option<u64>,
    /// Overlap at which a past cluster re-identifies an emerged one, in
    /// (0, 1]. Paper 0.65; NovTrack code 0.6.
    pub look_back_threshold: f64,
    /// Divide the look-back overlap by the share of the past cluster active
    /// in the new batch. Default off (both presets).
    pub look_back_normalise: bool,
    /// Relative size change from which a survivor is reported as grown or
    /// shrunk (not in the paper). Default 0.1.
    pub size_change_threshold: f64,
    /// Novelty quality gate: an emerged cluster whose mean silhouette is
    /// below this value is reported as emerged but not novel. `None` (the
    /// paper) flags every emerged cluster without a past match.
    pub novelty_min_silhouette: Option<f32>,
    /// Novelty "known share" gate, in (0, 1]: an emerged cluster is
    /// reported as emerged but not novel when more than this share of its
    /// members were in some cluster on an earlier batch of the run (known
    /// senders regrouping are not new). `None` (the paper) turns it off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub novelty_max_known_share: Option<f64>,
    /// Novelty confirmation, in batches (0 to [`MAX_CONFIRM_BATCHES`]): a
    /// cluster flagged novel stays a *candidate* until its lineage has
    /// survived this many further batches; it is then confirmed, and
    /// rejected as soon as it does anything else (splits, is absorbed,
    /// disappears, or goes inactive for longer than
    /// `novelty_wait_inactive`). Clusters of unrelated one-off senders
    /// that happen to share a rare service do not come back, so they are
    /// never confirmed. 0 (the paper) makes every flag final at once.
    /// Absent from a file means 0, so configurations written before the
    /// field existed keep their meaning.
    #[serde(default, skip_serializing_if = "is_off")]
    pub novelty_confirm_batches: u32,
    /// Batches (0 to [`MAX_WAIT_INACTIVE`]) a novelty candidate whose group
    /// fell silent (went inactive) waits for it to return. A group that
    /// comes back within the wait, re-identified under its lineage, counts
    /// that batch as a survival; one still silent after it is rejected.
    /// The wait is counted in batch ids (days, by default), so days missing
    /// from the run, such as a capture outage, count as silent.
    /// Campaigns that scan once a week or pause for days are confirmed on
    /// their return instead of being rejected the day after they were
    /// flagged. 0 rejects a candidate the first batch its group is silent.
    /// Only used with `novelty_confirm_batches` above 0. Absent from a
    /// file means 0.
    #[serde(default, skip_serializing_if = "is_off")]
    pub novelty_wait_inactive: u32,
    /// Mean silhouette from which a novel cluster is final at once instead
    /// of waiting for confirmation: a group this well separated from every
    /// other cluster is not a chance gathering of unrelated senders, which
    /// lie in the diffuse cloud of new, one-off senders. It also flags a
    /// group that is seen on one day only. At least -1; a value above 1,
    /// which no silhouette reaches, sends every flag through confirmation
    /// and is read as `None` (the way a file turns the rule off, since a
    /// TOML file cannot unset an option). Only used with
    /// `novelty_confirm_batches` above 0.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "silhouette_or_off"
    )]
    pub novelty_confirm_silhouette: Option<f32>,
}

/// Reads [`TrackingConfig::novelty_confirm_silhouette`]: a value above 1,
/// which no silhouette reaches, is the rule turned off.
fn silhouette_or_off<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
    // NaN is kept, for `Config::check` to refuse.
    Ok(Option::<f32>::deserialize(d)?.filter(|s| s.is_nan() || *s <= 1.0))
}

/// Largest [`TrackingConfig::novelty_confirm_batches`].
pub const MAX_CONFIRM_BATCHES: u32 = 30;

/// Largest [`TrackingConfig::novelty_wait_inactive`].
pub const MAX_WAIT_INACTIVE: u32 = 366;

/// How senders get the labels that purity and majority labels use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LabelConfig {
    /// Label of Mirai-like senders. Default `mirai-like`.
    pub mirai_label: String,
    /// Share of a sender's packets that must be Mirai-like probes for the
    /// sender to get `mirai_label`. Default 0.5.
    pub mirai_min_share: f64,
    /// Label of senders without any label, counted as its own class by
    /// purity. Default `unknown`.
    pub unknown_label: String,
}

/// Parameters of the per-cluster profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProfileConfig {
    /// How many entries each top list keeps. Default 5.
    pub top_n: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self::preset(Preset::default())
    }
}

impl Default for TraceConfig {
    fn default() -> Self {
        Config::default().trace
    }
}

impl Default for EmbeddingConfig {
    fn default() -> Self {
        Config::default().embedding
    }
}

impl Default for ClusteringConfig {
    fn default() -> Self {
        Config::default().clustering
    }
}

impl Default for TrackingConfig {
    fn default() -> Self {
        Config::default().tracking
    }
}

impl Default for LabelConfig {
    fn default() -> Self {
        Config::default().labels
    }
}

impl Default for ProfileConfig {
    fn default() -> Self {
        Config::default().profile
    }
}

impl Config {
    /// The configuration of a preset.
    #[must_use]
    pub fn preset(preset: Preset) -> Self {
        let paper = Self::paper();
        match preset {
            Preset::Paper => paper,
            Preset::Novtrack => Self {
                trace: TraceConfig { min_packets: 9, ..paper.trace },
                embedding: EmbeddingConfig {
                    window: 5,
                    epochs: 1,
                    retire_after: Some(31),
                    ..paper.embedding
                },
                tracking: TrackingConfig {
                    match_threshold: 0.6,
                    split_threshold: 0.35,
                    look_back_min_lag: 2,
                    look_back_max_lag: Some(14),
                    look_back_threshold: 0.6,
                    ..paper.tracking
                },
                ..paper
            },
            Preset::Recommended => Self {
                trace: TraceConfig { top_services: ALL_SERVICES, ..paper.trace },
                embedding: EmbeddingConfig {
                    epochs: 5,
                    bootstrap_epochs: 10,
                    forget: 0.4,
                    count_policy: CountPolicy::Replace,
                    retire_after: Some(31),
                    ..paper.embedding
                },
                clustering: ClusteringConfig {
                    min_samples: Some(4),
                    min_support: 0.1,
                    new_cluster_min_probability: 0.25,
                    ..paper.clustering
                },
                tracking: TrackingConfig {
                    novelty_max_known_share: Some(0.4),
                    novelty_confirm_batches: 1,
                    novelty_wait_inactive: 7,
                    novelty_confirm_silhouette: Some(0.95),
                    ..paper.tracking
                },
                ..paper
            },
        }
    }

    fn paper() -> Self {
        Self {
            trace: TraceConfig {
                min_packets: 5,
                batch_seconds: 86_400,
                top_services: 2500,
                telescope: Vec::new(),
            },
            embedding: EmbeddingConfig {
                vector_size: 200,
                window: 5,
                negative: 5,
                sample: 0.0,
                epochs: 1,
                bootstrap_epochs: 1,
                alpha: 0.025,
                min_alpha: 0.0001,
                seed: 15,
                threads: 1,
                max_sentence_len: None,
                count_policy: CountPolicy::Accumulate,
                retire_after: None,
                forget: 0.0,
            },
            clustering: ClusteringConfig {
                min_cluster_size: 10,
                min_samples: None,
                cluster_selection: ClusterSelection::Eom,
                cluster_selection_epsilon: 0.0,
                allow_single_cluster: false,
                min_support: 0.0,
                new_cluster_min_probability: 0.0,
            },
            tracking: TrackingConfig {
                match_threshold: 0.65,
                split_threshold: 0.3,
                look_back_min_lag: 1,
                look_back_max_lag: None,
                look_back_threshold: 0.65,
                look_back_normalise: false,
                size_change_threshold: 0.1,
                novelty_min_silhouette: None,
                novelty_max_known_share: None,
                novelty_confirm_batches: 0,
                novelty_wait_inactive: 0,
                novelty_confirm_silhouette: None,
            },
            labels: LabelConfig {
                mirai_label: "mirai-like".to_owned(),
                mirai_min_share: 0.5,
                unknown_label: "unknown".to_owned(),
            },
            profile: ProfileConfig { top_n: 5 },
        }
    }

    /// Parses a complete or partial configuration in TOML; missing fields
    /// take the [`Config::default`] ([`Preset::Recommended`]) values.
    ///
    /// # Errors
    ///
    /// [`Error::ConfigSyntax`] when the text is not valid TOML or has an
    /// unknown field or a value of the wrong type (the path is `<toml>`).
    pub fn from_toml_str(text: &str) -> Result<Self> {
        Self::default().overlay_str(text, Format::Toml, Path::new("<toml>"))
    }

    /// Parses a complete or partial configuration in JSON; missing fields
    /// take the [`Config::default`] ([`Preset::Recommended`]) values.
    ///
    /// # Errors
    ///
    /// [`Error::ConfigSyntax`] as [`Config::from_toml_str`].
    pub fn from_json_str(text: &str) -> Result<Self> {
        Self::default().overlay_str(text, Format::Json, Path::new("<json>"))
    }

    /// The configuration as TOML text (every field written).
    #[must_use]
    pub fn to_toml_string(&self) -> String {
        // Serialising plain structs of numbers, strings and options cannot
        // fail; an error here would be a bug in this module.
        let text = toml::to_string_pretty(self).unwrap_or_default();
        // TOML has no null: list the optional fields left unset as comments
        // at the end of their section, so that every parameter shows.
        let json = serde_json::to_value(self).unwrap_or_default();
        let unset = |section: &str| -> Vec<String> {
            json.get(section)
                .and_then(serde_json::Value::as_object)
                .map(|o| {
                    o.iter()
                        .filter(|(_, v)| v.is_null())
                        .map(|(k, _)| format!("# {k}: optional, not set"))
                        .collect()
                })
                .unwrap_or_default()
        };
        // Fields left out of files and hashes at their off value (so that
        // older configurations keep their hash) are written here anyway:
        // laid over a preset where they are on, a file without them would
        // mean something else.
        let off = |section: &str| -> Vec<String> {
            match section {
                "trace" if self.trace.telescope.is_empty() => vec!["telescope = []".to_owned()],
                "embedding" if self.embedding.forget == 0.0 => vec!["forget = 0.0".to_owned()],
                "clustering" => [
                    ("min_support", self.clustering.min_support),
                    ("new_cluster_min_probability", self.clustering.new_cluster_min_probability),
                ]
                .into_iter()
                .filter(|&(_, v)| v == 0.0)
                .map(|(k, _)| format!("{k} = 0.0"))
                .collect(),
                "tracking" => [
                    ("novelty_confirm_batches", self.tracking.novelty_confirm_batches),
                    ("novelty_wait_inactive", self.tracking.novelty_wait_inactive),
                ]
                .into_iter()
                .filter(|&(_, v)| v == 0)
                .map(|(k, _)| format!("{k} = 0"))
                .chain(
                    self.tracking
                        .novelty_confirm_silhouette
                        .is_none()
                        .then(|| "novelty_confirm_silhouette = 2.0 # above 1: off".to_owned()),
                )
                // Left out of files and hashes when unset, so not among
                // the null fields below.
                .chain(
                    self.tracking
                        .novelty_max_known_share
                        .is_none()
                        .then(|| "# novelty_max_known_share: optional, not set".to_owned()),
                )
                .collect(),
                _ => Vec::new(),
            }
        };
        let mut out = String::with_capacity(text.len() + 256);
        let mut section: Option<String> = None;
        let flush = |out: &mut String, section: &Option<String>| {
            if let Some(name) = section {
                let mut lines = off(name);
                lines.extend(unset(name));
                // Keep the blank line between sections after the comments.
                let blank = out.ends_with("\n\n");
                if blank {
                    out.pop();
                }
                for l in lines {
                    out.push_str(&l);
                    out.push('\n');
                }
                if blank {
                    out.push('\n');
                }
            }
        };
        for line in text.lines() {
            let t = line.trim();
            if t.starts_with('[') && t.ends_with(']') && !t.starts_with("[[") {
                flush(&mut out, &section);
                section = Some(t.trim_matches(['[', ']']).to_owned());
            }
            out.push_str(line);
            out.push('\n');
        }
        flush(&mut out, &section);
        out
    }

    /// Reads a configuration file (TOML, or JSON when the name ends in
    /// `.json`) and lays the fields it sets over `self`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read, [`Error::ConfigSyntax`]
    /// when it cannot be parsed or names an unknown field.
    pub fn overlay_file(self, path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
        self.overlay_str(&text, if json { Format::Json } else { Format::Toml }, path)
    }

    fn overlay_str(self, text: &str, format: Format, path: &Path) -> Result<Self> {
        let syntax = |message: String| Error::ConfigSyntax { path: path.to_owned(), message };
        let (named, patch) = parse_patch(text, format, path)?;
        let base = named.map_or(self, Self::preset);
        let base = serde_json::to_value(&base).map_err(|e| syntax(e.to_string()))?;
        let mut merged = base.clone();
        merge(&mut merged, patch.clone());
        serde_json::from_value(merged).map_err(|e| {
            let message = match offending_key(&base, &patch) {
                Some((key, err)) => {
                    let line = match format {
                        Format::Toml => toml_line_of(text, &key),
                        Format::Json => None,
                    };
                    let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
                    format!("{}{at}: {err}", key.join("."))
                }
                None => e.to_string(),
            };
            syntax(message)
        })
    }

    /// The preset a configuration file names in a top-level
    /// `preset = "NAME"` line, if it names one. Such a file is laid over
    /// that preset whatever the base ([`Config::overlay_file`]), so the
    /// output of `darkdca config --preset paper` keeps meaning the paper's
    /// settings even though its unset optional fields are not written.
    ///
    /// # Errors
    ///
    /// As [`Config::overlay_file`].
    pub fn preset_named_in(path: &Path) -> Result<Option<Preset>> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
        Ok(parse_patch(&text, if json { Format::Json } else { Format::Toml }, path)?.0)
    }

    /// Validates every parameter.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] naming the first field that breaks its rule.
    pub fn check(self) -> Result<CheckedConfig> {
        let t = &self.trace;
        at_least("trace.batch_seconds", u64::from(t.batch_seconds), 1)?;
        at_least("trace.top_services", t.top_services as u64, 1)?;
        // Kept in canonical form (host bits cleared), sorted, without
        // repeats and without prefixes inside another listed one, so that
        // lists selecting the same addresses give one hash.
        let prefixes = t.telescope_prefixes()?;
        let network = |p: &Prefix| match p.network() {
            std::net::IpAddr::V4(a) => crate::trace::Addr::V4(a),
            std::net::IpAddr::V6(a) => crate::trace::Addr::V6(a),
        };
        let inside_another = |i: usize, p: &Prefix| {
            prefixes.iter().enumerate().any(|(j, q)| {
                j != i && q.contains(&network(p)) && (q.len() < p.len() || (q == p && j < i))
            })
        };
        let mut telescope: Vec<String> = prefixes
            .iter()
            .enumerate()
            .filter(|&(i, p)| !inside_another(i, p))
            .map(|(_, p)| p.to_string())
            .collect();
        telescope.sort_unstable();

        let e = &self.embedding;
        at_least("embedding.vector_size", e.vector_size as u64, 1)?;
        at_most("embedding.vector_size", e.vector_size as u64, MAX_VECTOR_SIZE as u64)?;
        at_least("embedding.window", e.window as u64, 1)?;
        if e.window > MAX_WINDOW {
            return invalid(
                "embedding.window",
                format!("must be at most {MAX_WINDOW}, got {}", e.window),
            );
        }
        at_least("embedding.negative", e.negative as u64, 1)?;
        at_least("embedding.epochs", e.epochs as u64, 1)?;
        at_least("embedding.bootstrap_epochs", e.bootstrap_epochs as u64, 1)?;
        at_least("embedding.threads", e.threads as u64, 1)?;
        if let Some(n) = e.max_sentence_len {
            at_least("embedding.max_sentence_len", n as u64, 2)?;
        }
        if let Some(n) = e.retire_after {
            at_least("embedding.retire_after", u64::from(n), 1)?;
        }
        if !(e.forget.is_finite() && (0.0..=1.0).contains(&e.forget)) {
            return invalid("embedding.forget", format!("must be in [0, 1], got {}", e.forget));
        }
        if !(e.sample.is_finite() && (0.0..1.0).contains(&e.sample)) {
            return invalid("embedding.sample", format!("must be in [0, 1), got {}", e.sample));
        }
        if let CountPolicy::Decay(f) = e.count_policy
            && !(0.0..=1.0).contains(&f)
        {
            return invalid("embedding.count_policy", format!("decay must be in [0, 1], got {f}"));
        }
        if !(e.alpha.is_finite() && e.alpha > 0.0 && e.alpha <= 1.0) {
            return invalid("embedding.alpha", format!("must be in (0, 1], got {}", e.alpha));
        }
        if !(e.min_alpha.is_finite() && e.min_alpha >= 0.0 && e.min_alpha <= e.alpha) {
            return invalid(
                "embedding.min_alpha",
                format!("must be in [0, alpha = {}], got {}", e.alpha, e.min_alpha),
            );
        }

        let c = &self.clustering;
        at_least("clustering.min_cluster_size", c.min_cluster_size as u64, 2)?;
        for (name, v) in [
            ("clustering.min_support", c.min_support),
            ("clustering.new_cluster_min_probability", c.new_cluster_min_probability),
        ] {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return invalid(name, format!("must be in [0, 1], got {v}"));
            }
        }
        if let Some(m) = c.min_samples {
            at_least("clustering.min_samples", m as u64, 1)?;
        }
        if !(c.cluster_selection_epsilon.is_finite() && c.cluster_selection_epsilon >= 0.0) {
            let got = c.cluster_selection_epsilon;
            return invalid(
                "clustering.cluster_selection_epsilon",
                format!("must be at least 0, got {got}"),
            );
        }

        let k = &self.tracking;
        if !(0.5..=1.0).contains(&k.match_threshold) {
            let got = k.match_threshold;
            return invalid("tracking.match_threshold", format!("must be in [0.5, 1], got {got}"));
        }
        if !(k.split_threshold > 0.0 && k.split_threshold < 0.5) {
            let got = k.split_threshold;
            return invalid("tracking.split_threshold", format!("must be in (0, 0.5), got {got}"));
        }
        unit_interval("tracking.look_back_threshold", k.look_back_threshold)?;
        at_least("tracking.look_back_min_lag", k.look_back_min_lag, 1)?;
        if let Some(max) = k.look_back_max_lag {
            at_least("tracking.look_back_max_lag", max, k.look_back_min_lag)?;
        }
        if !(k.size_change_threshold.is_finite() && k.size_change_threshold >= 0.0) {
            let got = k.size_change_threshold;
            return invalid(
                "tracking.size_change_threshold",
                format!("must be finite and at least 0, got {got}"),
            );
        }
        if let Some(s) = k.novelty_min_silhouette
            && !(-1.0..=1.0).contains(&s)
        {
            return invalid(
                "tracking.novelty_min_silhouette",
                format!("must be in [-1, 1], got {s}"),
            );
        }
        if let Some(s) = k.novelty_max_known_share
            && !(s > 0.0 && s <= 1.0)
        {
            return invalid(
                "tracking.novelty_max_known_share",
                format!("must be in (0, 1], got {s}"),
            );
        }
        at_most(
            "tracking.novelty_confirm_batches",
            u64::from(k.novelty_confirm_batches),
            u64::from(MAX_CONFIRM_BATCHES),
        )?;
        if let Some(s) = k.novelty_confirm_silhouette
            && (s.is_nan() || s < -1.0)
        {
            return invalid(
                "tracking.novelty_confirm_silhouette",
                format!("must be a number of at least -1 (above 1 turns it off), got {s}"),
            );
        }
        at_most(
            "tracking.novelty_wait_inactive",
            u64::from(k.novelty_wait_inactive),
            u64::from(MAX_WAIT_INACTIVE),
        )?;

        let l = &self.labels;
        if !(l.mirai_min_share > 0.0 && l.mirai_min_share <= 1.0) {
            return invalid(
                "labels.mirai_min_share",
                format!("must be in (0, 1], got {}", l.mirai_min_share),
            );
        }
        for (field, label) in
            [("labels.mirai_label", &l.mirai_label), ("labels.unknown_label", &l.unknown_label)]
        {
            if label.trim().is_empty() {
                return invalid(field, "must not be empty".to_owned());
            }
        }
        if l.mirai_label == l.unknown_label {
            return invalid("labels.unknown_label", "must differ from mirai_label".to_owned());
        }

        at_least("profile.top_n", self.profile.top_n as u64, 1)?;
        let mut config = self;
        config.trace.telescope = telescope;
        // Above 1 is the rule turned off, as a file says it.
        if config.tracking.novelty_confirm_silhouette.is_some_and(|s| s > 1.0) {
            config.tracking.novelty_confirm_silhouette = None;
        }
        Ok(CheckedConfig { config })
    }
}

#[derive(Clone, Copy)]
enum Format {
    Toml,
    Json,
}

/// Lays `patch` over `base`: objects merge key by key, anything else
/// replaces.
/// Parses a configuration file's text into a JSON patch, taking out the
/// top-level `preset` key.
fn parse_patch(
    text: &str,
    format: Format,
    path: &Path,
) -> Result<(Option<Preset>, serde_json::Value)> {
    let syntax = |message: String| Error::ConfigSyntax { path: path.to_owned(), message };
    let mut patch: serde_json::Value = match format {
        Format::Toml => {
            let table: toml::Table = toml::from_str(text).map_err(|e| syntax(e.to_string()))?;
            let value = toml::Value::Table(table);
            if let Some(field) = non_finite_field(&value, "") {
                return Err(syntax(format!("{field} must be a finite number")));
            }
            serde_json::to_value(value).map_err(|e| syntax(e.to_string()))?
        }
        Format::Json => {
            // The path names the field of a value the parser itself refuses
            // (a number out of range such as 1e400), as TOML errors do.
            let mut de = serde_json::Deserializer::from_str(text);
            serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let at = e.path().to_string();
                let inner = e.into_inner();
                if at.is_empty() || at == "." {
                    syntax(inner.to_string())
                } else {
                    syntax(format!("{at}: {inner}"))
                }
            })?
        }
    };
    let named = match patch.as_object_mut().and_then(|o| o.remove("preset")) {
        None => None,
        Some(serde_json::Value::String(name)) => Some(name.parse::<Preset>().map_err(|_| {
            syntax(format!(
                "preset {name:?} is not one of: {}",
                Preset::ALL.map(Preset::name).join(", ")
            ))
        })?),
        Some(other) => return Err(syntax(format!("preset must be a name, got {other}"))),
    };
    Ok((named, patch))
}

/// The key path of the first value in `patch` that `base` does not accept
/// on its own (a wrong type, an unknown field), with the parser's
/// message, e.g. `(["clustering", "min_cluster_size"], "invalid value:
/// integer `-3`, expected usize")`.
fn offending_key(
    base: &serde_json::Value,
    patch: &serde_json::Value,
) -> Option<(Vec<String>, String)> {
    fn walk(
        base: &serde_json::Value,
        at: &serde_json::Value,
        path: &mut Vec<String>,
        found: &mut Option<(Vec<String>, String)>,
    ) {
        let serde_json::Value::Object(fields) = at else { return };
        for (k, v) in fields {
            if found.is_some() {
                return;
            }
            path.push(k.clone());
            let slot = path.iter().try_fold(base, |b, key| b.get(key));
            if v.is_object() && slot.is_some_and(serde_json::Value::is_object) {
                walk(base, v, path, found);
            } else {
                // Lay this one value over the base alone.
                let mut single = serde_json::Value::Null;
                for key in path.iter().rev() {
                    let mut o = serde_json::Map::new();
                    o.insert(key.clone(), std::mem::take(&mut single));
                    single = serde_json::Value::Object(o);
                }
                let leaf = path.iter().try_fold(&mut single, |s, key| s.get_mut(key));
                if let Some(leaf) = leaf {
                    *leaf = v.clone();
                }
                let mut trial = base.clone();
                merge(&mut trial, single);
                if let Err(e) = serde_json::from_value::<Config>(trial) {
                    *found = Some((path.clone(), e.to_string()));
                }
            }
            path.pop();
        }
    }
    let mut found = None;
    walk(base, patch, &mut Vec::new(), &mut found);
    found
}

/// The line (1-based) of the value at `key` in the TOML `text`, when the
/// text parses and has it.
fn toml_line_of(text: &str, key: &[String]) -> Option<usize> {
    let doc = toml::de::DeTable::parse(text).ok()?;
    let mut table = doc.get_ref();
    let mut span = None;
    for (i, k) in key.iter().enumerate() {
        let (_, value) = table.iter().find(|(name, _)| name.get_ref().as_ref() == k.as_str())?;
        span = Some(value.span());
        match value.get_ref() {
            toml::de::DeValue::Table(t) if i + 1 < key.len() => table = t,
            _ if i + 1 < key.len() => return None,
            _ => {}
        }
    }
    let start = span?.start.min(text.len());
    Some(text[..start].matches('\n').count() + 1)
}

fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

fn invalid<T>(field: &'static str, reason: String) -> Result<T> {
    Err(Error::InvalidConfig { field, reason })
}

/// Largest accepted `embedding.vector_size` (the word2vec crate's limit).
pub const MAX_VECTOR_SIZE: usize = crate::word2vec::MAX_VECTOR_SIZE;

/// Largest accepted `embedding.window`: wider contexts cost time linearly
/// and the paper uses 5.
pub const MAX_WINDOW: usize = 100;

/// The dotted path of the first float that is not finite (`nan`, `inf`)
/// in a TOML value, e.g. `tracking.match_threshold`.
fn non_finite_field(v: &toml::Value, prefix: &str) -> Option<String> {
    match v {
        toml::Value::Float(f) if !f.is_finite() => Some(prefix.to_owned()),
        toml::Value::Table(t) => t.iter().find_map(|(k, v)| {
            let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            non_finite_field(v, &path)
        }),
        toml::Value::Array(a) => {
            a.iter().enumerate().find_map(|(i, v)| non_finite_field(v, &format!("{prefix}[{i}]")))
        }
        _ => None,
    }
}

fn at_least(field: &'static str, value: u64, min: u64) -> Result<()> {
    if value < min {
        return invalid(field, format!("must be at least {min}, got {value}"));
    }
    Ok(())
}

fn at_most(field: &'static str, value: u64, max: u64) -> Result<()> {
    if value > max {
        return invalid(field, format!("must be at most {max}, got {value}"));
    }
    Ok(())
}

fn unit_interval(field: &'static str, value: f64) -> Result<()> {
    if !(value > 0.0 && value <= 1.0) {
        return invalid(field, format!("must be in (0, 1], got {value}"));
    }
    Ok(())
}

/// A configuration that passed [`Config::check`]; read-only.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct CheckedConfig {
    config: Config,
}

impl CheckedConfig {
    /// The validated parameters.
    #[must_use]
    pub fn get(&self) -> &Config {
        &self.config
    }

    /// A stable fingerprint of every parameter (FNV-1a 64 of the canonical
    /// JSON, as 16 hex digits), stored in the state to refuse mixing runs
    /// made with different parameters.
    #[must_use]
    pub fn hash(&self) -> String {
        let json = serde_json::to_string(&self.config).unwrap_or_default();
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in json.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        format!("{h:016x}")
    }
}

impl std::ops::Deref for CheckedConfig {
    type Target = Config;

    fn deref(&self) -> &Config {
        &self.config
    }
}

impl<'de> Deserialize<'de> for CheckedConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let config = Config::deserialize(d)?;
        config.check().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_defaults_are_the_papers_values() {
        let c = Config::default();
        assert_eq!(c.trace.min_packets, 5, "more than 5 packets a day");
        assert_eq!(c.embedding.vector_size, 200);
        assert_eq!(c.embedding.negative, 5);
        assert_eq!(c.clustering.min_cluster_size, 10);
        assert_eq!(c.tracking.match_threshold, 0.65);
        assert_eq!(c.tracking.split_threshold, 0.3);
        assert!(c.check().is_ok());
    }

    #[test]
    fn novtrack_preset_is_the_authors_code() {
        let c = Config::preset(Preset::Novtrack);
        assert_eq!(c.trace.min_packets, 9, "at least 10 packets a day");
        assert_eq!(c.embedding.window, 5);
        assert_eq!(c.embedding.epochs, 1);
        assert_eq!(c.embedding.retire_after, Some(31));
        assert_eq!(c.tracking.match_threshold, 0.6);
        assert_eq!(c.tracking.split_threshold, 0.35);
        assert_eq!(c.tracking.look_back_min_lag, 2);
        assert_eq!(c.tracking.look_back_max_lag, Some(14));
        assert_eq!(c.tracking.look_back_threshold, 0.6);
        assert!(c.check().is_ok());
    }

    #[test]
    fn preset_names_round_trip() {
        for p in Preset::ALL {
            assert_eq!(p.name().parse::<Preset>().ok(), Some(p));
        }
        assert!(matches!("bogus".parse::<Preset>(), Err(Error::UnknownPreset { .. })));
    }

    #[test]
    fn recommended_is_the_paper_with_the_evaluated_changes() {
        let r = Config::preset(Preset::Recommended);
        let p = Config::preset(Preset::Paper);
        assert_eq!(r.embedding.bootstrap_epochs, 10);
        assert_eq!(r.embedding.epochs, 5);
        assert_eq!(r.clustering.min_samples, Some(4));
        assert_eq!(r.tracking.novelty_max_known_share, Some(0.4));
        assert_eq!(p.tracking.novelty_max_known_share, None);
        assert_eq!(
            (r.tracking.novelty_confirm_batches, p.tracking.novelty_confirm_batches),
            (1, 0)
        );
        assert_eq!((r.tracking.novelty_wait_inactive, p.tracking.novelty_wait_inactive), (7, 0));
        assert_eq!((r.embedding.forget, p.embedding.forget), (0.4, 0.0));
        assert_eq!((r.clustering.min_support, p.clustering.min_support), (0.1, 0.0));
        assert_eq!(
            (r.clustering.new_cluster_min_probability, p.clustering.new_cluster_min_probability),
            (0.25, 0.0)
        );
        assert_eq!(
            (r.embedding.count_policy, p.embedding.count_policy),
            (CountPolicy::Replace, CountPolicy::Accumulate)
        );
        assert_eq!((r.embedding.retire_after, p.embedding.retire_after), (Some(31), None));
        assert_eq!((r.trace.top_services, p.trace.top_services), (ALL_SERVICES, 2500));
        assert_eq!(
            TraceConfig { top_services: p.trace.top_services, ..r.trace.clone() },
            p.trace.clone()
        );
        assert_eq!(r.labels, p.labels);
        assert!(r.check().is_ok());
        let mut full = Config::default();
        full.tracking.novelty_max_known_share = Some(1.0);
        assert!(full.check().is_ok(), "1 is inside (0, 1]");
    }

    #[test]
    fn novelty_gates_are_optional_in_files() {
        // Configurations written before the gates existed (full paper
        // configurations, as in a state's meta.json) still load with the
        // gates off, and leaving them off keeps their hash.
        let paper = Config::preset(Preset::Paper);
        let json = serde_json::to_string(&paper).unwrap();
        assert!(!json.contains("novelty_max_known_share"), "{json}");
        assert!(!json.contains("novelty_confirm_batches"), "{json}");
        assert!(!json.contains("novelty_wait_inactive"), "{json}");
        let back: Config = serde_json::from_str(&json).unwrap();
        assert_eq!(back, paper);
        assert_eq!(back.tracking.novelty_max_known_share, None);
        assert_eq!(back.tracking.novelty_confirm_batches, 0);
        assert_eq!(back.tracking.novelty_wait_inactive, 0);
        // A recommended configuration stored before the wait existed keeps
        // rejecting candidates whose group falls silent.
        let mut json = serde_json::to_value(Config::default()).unwrap();
        json["tracking"].as_object_mut().unwrap().remove("novelty_wait_inactive");
        let back: Config = serde_json::from_value(json).unwrap();
        assert_eq!(back.tracking.novelty_wait_inactive, 0);
        let c = Config::from_toml_str("[tracking]\nnovelty_max_known_share = 0.25\n").unwrap();
        assert_eq!(c.tracking.novelty_max_known_share, Some(0.25));
        let c = Config::from_toml_str("[tracking]\nnovelty_confirm_batches = 0\n").unwrap();
        assert_eq!(c.tracking.novelty_confirm_batches, 0);
        let mut bad = Config::default();
        bad.tracking.novelty_confirm_batches = MAX_CONFIRM_BATCHES + 1;
        let err = bad.check().unwrap_err();
        assert!(err.to_string().contains("tracking.novelty_confirm_batches"), "{err}");
        let c = Config::from_toml_str("[tracking]\nnovelty_confirm_silhouette = 2.0\n").unwrap();
        assert_eq!(c.tracking.novelty_confirm_silhouette, None, "above 1: off");
        let c = Config::from_toml_str("[tracking]\nnovelty_confirm_silhouette = 1.0\n").unwrap();
        assert_eq!(c.tracking.novelty_confirm_silhouette, Some(1.0));
        for bad_value in [-1.5, f32::NAN, f32::NEG_INFINITY] {
            let mut bad = Config::default();
            bad.tracking.novelty_confirm_silhouette = Some(bad_value);
            let err = bad.check().unwrap_err();
            assert!(err.to_string().contains("novelty_confirm_silhouette"), "{err}");
        }
        let mut bad = Config::default();
        bad.tracking.novelty_wait_inactive = MAX_WAIT_INACTIVE + 1;
        let err = bad.check().unwrap_err();
        assert!(err.to_string().contains("tracking.novelty_wait_inactive"), "{err}");
    }

    #[test]
    fn forgetting_is_optional_in_files_and_checked() {
        // Configurations written before `embedding.forget` existed load
        // with it off, and leaving it off keeps their hash.
        let paper = Config::preset(Preset::Paper);
        let json = serde_json::to_string(&paper).unwrap();
        assert!(!json.contains("forget"), "{json}");
        let back: Config = serde_json::from_str(&json).unwrap();
        assert_eq!(back.embedding.forget, 0.0);
        let c = Config::from_toml_str("[embedding]\nforget = 0.25\n").unwrap();
        assert_eq!(c.embedding.forget, 0.25);
        assert!(c.check().is_ok());
        for bad in [-0.1f32, 1.01, f32::NAN] {
            let mut c = Config::default();
            c.embedding.forget = bad;
            let err = c.check().unwrap_err();
            assert!(err.to_string().contains("embedding.forget"), "{bad}: {err}");
        }
        let mut full = Config::default();
        full.embedding.forget = 1.0;
        assert!(full.check().is_ok(), "1 (retrain every batch) is allowed");
    }

    #[test]
    fn the_two_clustering_shares_are_optional_in_files_and_checked() {
        // Configurations written before `clustering.min_support` and
        // `clustering.new_cluster_min_probability` existed load with them
        // off, and leaving them off keeps their hash.
        type Field = fn(&mut ClusteringConfig) -> &mut f64;
        let fields: [(&str, Field, f64); 2] = [
            ("min_support", |c| &mut c.min_support, 0.2),
            ("new_cluster_min_probability", |c| &mut c.new_cluster_min_probability, 0.5),
        ];
        let paper = Config::preset(Preset::Paper);
        let json = serde_json::to_string(&paper).unwrap();
        let mut back: Config = serde_json::from_str(&json).unwrap();
        for (name, field, value) in fields {
            assert!(!json.contains(name), "{json}");
            assert_eq!(*field(&mut back.clustering), 0.0);
            let mut c =
                Config::from_toml_str(&format!("[clustering]\n{name} = {value}\n")).unwrap();
            assert_eq!(*field(&mut c.clustering), value);
            assert!(c.check().is_ok());
            for bad in [-0.1, 1.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                let mut c = Config::default();
                *field(&mut c.clustering) = bad;
                let err = c.check().unwrap_err().to_string();
                assert!(err.contains(&format!("clustering.{name}")), "{bad}: {err}");
                assert!(err.contains("must be in [0, 1]"), "{bad}: {err}");
            }
        }
    }

    #[test]
    fn telescope_prefixes_are_optional_in_files_and_checked() {
        // Empty by default in every preset, and left out of files and
        // hashes then, so that states made before the field keep their hash.
        for p in Preset::ALL {
            assert!(Config::preset(p).trace.telescope.is_empty(), "{p}");
        }
        let paper = Config::preset(Preset::Paper);
        let json = serde_json::to_string(&paper).unwrap();
        assert!(!json.contains("telescope"), "{json}");
        let back: Config = serde_json::from_str(&json).unwrap();
        assert_eq!(back, paper);
        // The hash of a configuration without the field, as stored before it.
        let before = "{\"trace\": {\"min_packets\": 5}}";
        let a = Config::from_json_str(before).unwrap().check().unwrap();
        assert_eq!(a.hash(), Config::default().check().unwrap().hash());
        let text = Config::default().check().unwrap().to_toml_string();
        assert!(text.contains("\ntelescope = []\n"), "{text}");
        assert_eq!(Config::from_toml_str(&text).unwrap(), Config::default());

        // Set in a file: IPv4 and IPv6, written back in canonical form.
        let c = Config::from_toml_str(
            "[trace]\ntelescope = [\"198.51.100.77/24\", \"2001:db8::/48\", \"192.0.2.1\"]\n",
        )
        .unwrap();
        let checked = c.check().unwrap();
        assert_eq!(checked.trace.telescope, ["192.0.2.1/32", "198.51.100.0/24", "2001:db8::/48"]);
        // In another order, repeated, or with a prefix inside another:
        // the same configuration.
        let c = Config::from_toml_str(
            "[trace]\ntelescope = [\"2001:db8::/48\", \"192.0.2.1/32\", \"198.51.100.0/24\", \
             \"198.51.100.9/24\", \"198.51.100.128/25\", \"2001:db8:0:1::/64\"]\n",
        )
        .unwrap();
        assert_eq!(c.check().unwrap().hash(), checked.hash());
        assert_ne!(checked.hash(), a.hash());
        let text = checked.to_toml_string();
        assert!(!text.contains("telescope = []"), "{text}");
        let again = Config::from_toml_str(&text).unwrap().check().unwrap();
        assert_eq!(again.hash(), checked.hash());
        let c = Config::from_json_str("{\"trace\": {\"telescope\": [\"198.51.100.0/24\"]}}");
        assert_eq!(c.unwrap().trace.telescope, ["198.51.100.0/24"]);

        for bad in ["10.0.0.0/33", "198.51.100.0/x", "telescope", "", "2001:db8::/129"] {
            let mut c = Config::default();
            c.trace.telescope = vec!["192.0.2.0/24".to_owned(), bad.to_owned()];
            match c.check() {
                Err(Error::InvalidConfig { field, reason }) => {
                    assert_eq!(field, "trace.telescope");
                    assert!(reason.contains(&format!("{bad:?}")), "{bad}: {reason}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_default_is_the_recommended_preset() {
        assert_eq!(Preset::default(), Preset::Recommended);
        assert_eq!(Config::default(), Config::preset(Preset::Recommended));
        assert_eq!(TrackingConfig::default(), Config::default().tracking);
        assert_eq!(Config::default().tracking.novelty_confirm_batches, 1);
        assert_eq!(Config::preset(Preset::Novtrack).tracking.novelty_confirm_batches, 0);
    }

    #[test]
    fn partial_toml_keeps_other_defaults() {
        let c = Config::from_toml_str("[tracking]\nmatch_threshold = 0.7\n").unwrap();
        assert_eq!(c.tracking.match_threshold, 0.7);
        assert_eq!(c.tracking.split_threshold, 0.3);
        assert_eq!(c.embedding.vector_size, 200);
        assert_eq!(c.embedding.epochs, 5, "laid over the default (recommended) preset");
    }

    #[test]
    fn overlay_keeps_the_base_preset() {
        let base = Config::preset(Preset::Novtrack);
        let c = base.overlay_str(
            "{\"embedding\": {\"vector_size\": 64}}",
            Format::Json,
            Path::new("x"),
        );
        let c = c.unwrap();
        assert_eq!(c.embedding.vector_size, 64);
        assert_eq!(c.trace.min_packets, 9, "at least 10 packets a day");
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let err = Config::from_toml_str("[tracking]\ntau = 0.7\n").unwrap_err();
        assert!(matches!(err, Error::ConfigSyntax { .. }), "{err}");
        assert!(err.to_string().contains("tau"), "{err}");
    }

    #[test]
    fn toml_round_trip() {
        for p in Preset::ALL {
            let c = Config::preset(p);
            let text = format!("preset = \"{p}\"\n{}", c.to_toml_string());
            assert_eq!(Config::from_toml_str(&text).unwrap(), c, "{p}");
        }
        // Without its preset line, the paper's file laid over the default
        // would keep the default's optional settings.
        let paper = Config::preset(Preset::Paper);
        assert_ne!(Config::from_toml_str(&paper.to_toml_string()).unwrap(), paper);
        // A state made before `embedding.forget` existed names the preset it
        // was made with, whose values have changed since: its off settings
        // are written, so the file still means what the state used.
        let mut old = Config::preset(Preset::Recommended);
        (old.embedding.forget, old.tracking.novelty_confirm_batches) = (0.0, 0);
        old.clustering.min_support = 0.0;
        old.clustering.new_cluster_min_probability = 0.0;
        old.tracking.novelty_wait_inactive = 0;
        let text = format!("preset = \"recommended\"\n{}", old.to_toml_string());
        assert!(text.contains("forget = 0.0") && text.contains("novelty_confirm_batches = 0"));
        assert!(text.contains("novelty_wait_inactive = 0"), "{text}");
        // So is an unset confirming silhouette.
        old.tracking.novelty_confirm_silhouette = None;
        let text = format!("preset = \"recommended\"\n{}", old.to_toml_string());
        assert!(text.contains("novelty_confirm_silhouette = 2.0"), "{text}");
        let back = Config::from_toml_str(&text).unwrap();
        assert_eq!(back, old);
        assert_eq!(back.check().unwrap().hash(), old.clone().check().unwrap().hash());
        assert!(text.contains("min_support = 0.0"), "{text}");
        assert!(text.contains("new_cluster_min_probability = 0.0"), "{text}");
        assert_eq!(Config::from_toml_str(&text).unwrap(), old);
        // An unset known share shows, though the file cannot unset it.
        assert!(!text.contains("novelty_max_known_share: optional"), "{text}");
        old.tracking.novelty_max_known_share = None;
        let text = old.to_toml_string();
        assert!(text.contains("\n# novelty_max_known_share: optional, not set\n"), "{text}");
    }

    #[test]
    fn a_file_may_name_its_base_preset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "preset = \"novtrack\"\n[embedding]\nepochs = 3\n").unwrap();
        assert_eq!(Config::preset_named_in(&path).unwrap(), Some(Preset::Novtrack));
        let c = Config::preset(Preset::Paper).overlay_file(&path).unwrap();
        assert_eq!((c.embedding.epochs, c.trace.min_packets), (3, 9));
        std::fs::write(&path, "[embedding]\nepochs = 3\n").unwrap();
        assert_eq!(Config::preset_named_in(&path).unwrap(), None);
        for bad in ["preset = \"gensim\"\n", "preset = 3\n"] {
            std::fs::write(&path, bad).unwrap();
            let err = Config::preset_named_in(&path).unwrap_err();
            assert!(matches!(err, Error::ConfigSyntax { .. }), "{err}");
            assert!(err.to_string().contains("preset"), "{err}");
        }
    }

    fn field_of(c: Config) -> &'static str {
        match c.check() {
            Err(Error::InvalidConfig { field, .. }) => field,
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn each_rule_names_its_field() {
        let d = Config::default;
        let cases: Vec<(Config, &str)> = vec![
            (
                Config { trace: TraceConfig { batch_seconds: 0, ..d().trace }, ..d() },
                "trace.batch_seconds",
            ),
            (
                Config { trace: TraceConfig { top_services: 0, ..d().trace }, ..d() },
                "trace.top_services",
            ),
            (
                Config { embedding: EmbeddingConfig { vector_size: 0, ..d().embedding }, ..d() },
                "embedding.vector_size",
            ),
            (
                Config { embedding: EmbeddingConfig { threads: 0, ..d().embedding }, ..d() },
                "embedding.threads",
            ),
            (
                Config {
                    embedding: EmbeddingConfig { max_sentence_len: Some(1), ..d().embedding },
                    ..d()
                },
                "embedding.max_sentence_len",
            ),
            (
                Config {
                    embedding: EmbeddingConfig { retire_after: Some(0), ..d().embedding },
                    ..d()
                },
                "embedding.retire_after",
            ),
            (
                Config { embedding: EmbeddingConfig { sample: -1.0, ..d().embedding }, ..d() },
                "embedding.sample",
            ),
            (
                Config {
                    embedding: EmbeddingConfig {
                        count_policy: CountPolicy::Decay(2.0),
                        ..d().embedding
                    },
                    ..d()
                },
                "embedding.count_policy",
            ),
            (
                Config { embedding: EmbeddingConfig { window: 0, ..d().embedding }, ..d() },
                "embedding.window",
            ),
            (
                Config { embedding: EmbeddingConfig { negative: 0, ..d().embedding }, ..d() },
                "embedding.negative",
            ),
            (
                Config { embedding: EmbeddingConfig { epochs: 0, ..d().embedding }, ..d() },
                "embedding.epochs",
            ),
            (
                Config {
                    embedding: EmbeddingConfig { bootstrap_epochs: 0, ..d().embedding },
                    ..d()
                },
                "embedding.bootstrap_epochs",
            ),
            (
                Config { embedding: EmbeddingConfig { alpha: -1.0, ..d().embedding }, ..d() },
                "embedding.alpha",
            ),
            (
                Config { embedding: EmbeddingConfig { min_alpha: 1.0, ..d().embedding }, ..d() },
                "embedding.min_alpha",
            ),
            (
                Config {
                    clustering: ClusteringConfig { min_cluster_size: 1, ..d().clustering },
                    ..d()
                },
                "clustering.min_cluster_size",
            ),
            (
                Config {
                    clustering: ClusteringConfig { min_samples: Some(0), ..d().clustering },
                    ..d()
                },
                "clustering.min_samples",
            ),
            (
                Config {
                    clustering: ClusteringConfig {
                        cluster_selection_epsilon: -1.0,
                        ..d().clustering
                    },
                    ..d()
                },
                "clustering.cluster_selection_epsilon",
            ),
            (
                Config { tracking: TrackingConfig { match_threshold: 1.5, ..d().tracking }, ..d() },
                "tracking.match_threshold",
            ),
            (
                Config { tracking: TrackingConfig { split_threshold: 0.0, ..d().tracking }, ..d() },
                "tracking.split_threshold",
            ),
            (
                Config { tracking: TrackingConfig { split_threshold: 0.9, ..d().tracking }, ..d() },
                "tracking.split_threshold",
            ),
            (
                Config { tracking: TrackingConfig { split_threshold: 0.5, ..d().tracking }, ..d() },
                "tracking.split_threshold",
            ),
            (
                Config {
                    tracking: TrackingConfig { look_back_threshold: f64::NAN, ..d().tracking },
                    ..d()
                },
                "tracking.look_back_threshold",
            ),
            (
                Config { tracking: TrackingConfig { look_back_min_lag: 0, ..d().tracking }, ..d() },
                "tracking.look_back_min_lag",
            ),
            (
                Config {
                    tracking: TrackingConfig { look_back_max_lag: Some(0), ..d().tracking },
                    ..d()
                },
                "tracking.look_back_max_lag",
            ),
            (
                Config {
                    tracking: TrackingConfig { size_change_threshold: -1.0, ..d().tracking },
                    ..d()
                },
                "tracking.size_change_threshold",
            ),
            (
                Config {
                    tracking: TrackingConfig { novelty_min_silhouette: Some(2.0), ..d().tracking },
                    ..d()
                },
                "tracking.novelty_min_silhouette",
            ),
            (
                Config {
                    tracking: TrackingConfig { novelty_max_known_share: Some(0.0), ..d().tracking },
                    ..d()
                },
                "tracking.novelty_max_known_share",
            ),
            (
                Config {
                    tracking: TrackingConfig { novelty_max_known_share: Some(1.5), ..d().tracking },
                    ..d()
                },
                "tracking.novelty_max_known_share",
            ),
            (
                Config {
                    tracking: TrackingConfig {
                        novelty_max_known_share: Some(f64::NAN),
                        ..d().tracking
                    },
                    ..d()
                },
                "tracking.novelty_max_known_share",
            ),
            (
                Config { labels: LabelConfig { mirai_min_share: 0.0, ..d().labels }, ..d() },
                "labels.mirai_min_share",
            ),
            (
                Config { labels: LabelConfig { mirai_label: " ".into(), ..d().labels }, ..d() },
                "labels.mirai_label",
            ),
            (
                Config {
                    labels: LabelConfig { unknown_label: "mirai-like".into(), ..d().labels },
                    ..d()
                },
                "labels.unknown_label",
            ),
            (Config { profile: ProfileConfig { top_n: 0 }, ..d() }, "profile.top_n"),
        ];
        for (config, field) in cases {
            assert_eq!(field_of(config), field);
        }
    }

    #[test]
    fn hash_changes_with_any_parameter() {
        let a = Config::default().check().unwrap();
        let b = Config::preset(Preset::Novtrack).check().unwrap();
        let mut c = Config::default();
        c.profile.top_n = 6;
        let c = c.check().unwrap();
        assert_eq!(a.hash(), Config::default().check().unwrap().hash());
        assert_ne!(a.hash(), b.hash());
        assert_ne!(a.hash(), c.hash());
        assert_eq!(a.hash().len(), 16);
    }

    #[test]
    fn checked_config_deserialises_only_valid_values() {
        let ok: CheckedConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(ok.get(), &Config::default());
        let bad = serde_json::from_str::<CheckedConfig>("{\"profile\": {\"top_n\": 0}}");
        assert!(bad.is_err());
    }

    fn syntax_message(text: &str, json: bool) -> String {
        let r = if json { Config::from_json_str(text) } else { Config::from_toml_str(text) };
        match r {
            Err(Error::ConfigSyntax { message, .. }) => message,
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn type_errors_name_the_key_and_the_line() {
        let m = syntax_message("[clustering]\nmin_cluster_size = -3\n", false);
        assert!(m.starts_with("clustering.min_cluster_size (line 2): "), "{m}");
        assert!(m.contains("-3"), "{m}");
        let m =
            syntax_message("[trace]\n\n[embedding]\nwindow = 4\nvector_size = \"big\"\n", false);
        assert!(m.starts_with("embedding.vector_size (line 5): "), "{m}");
        let m = syntax_message("embedding.seed = 1.5\n", false);
        assert!(m.starts_with("embedding.seed (line 1): "), "{m}");
        let m = syntax_message("[embedding]\nwindow = 3\nsize = 3\n", false);
        assert!(m.starts_with("embedding.size (line 3): unknown field"), "{m}");
        let m = syntax_message("[bogus]\nx = 1\n", false);
        assert!(m.starts_with("bogus (line 1): unknown field"), "{m}");
        let m = syntax_message("{\"tracking\": {\"look_back_min_lag\": \"two\"}}", true);
        assert!(m.starts_with("tracking.look_back_min_lag: "), "{m}");
        let m = syntax_message("{\"clustering\": 3}", true);
        assert!(m.starts_with("clustering: "), "{m}");
        // A number JSON cannot hold is refused by the parser itself.
        let m = syntax_message("{\"clustering\": {\"min_support\": 1e400}}", true);
        assert!(m.starts_with("clustering.min_support: number out of range"), "{m}");
    }

    #[test]
    fn what_check_accepts_the_pipeline_accepts() {
        let d = Config::default;
        let mut cases = Vec::new();
        for v in [0, 1, MAX_VECTOR_SIZE, MAX_VECTOR_SIZE + 1, usize::MAX] {
            cases.push(Config {
                embedding: EmbeddingConfig { vector_size: v, ..d().embedding },
                ..d()
            });
        }
        for sample in [0.0, 0.5, 0.999, 1.0, 2.0] {
            cases.push(Config { embedding: EmbeddingConfig { sample, ..d().embedding }, ..d() });
        }
        for alpha in [1e-6, 0.5, 1.0, 1.5] {
            let min_alpha = 0.0;
            let e = EmbeddingConfig { alpha, min_alpha, ..d().embedding };
            cases.push(Config { embedding: e, ..d() });
        }
        for (i, c) in cases.into_iter().enumerate() {
            let checked = c.clone().check();
            match checked {
                Ok(ok) => {
                    if let Err(e) = crate::Pipeline::new(ok) {
                        panic!(
                            "case {i}: check accepts {:?} but the pipeline says {e}",
                            c.embedding
                        );
                    }
                }
                Err(Error::InvalidConfig { field, .. }) => assert!(field.starts_with("embedding.")),
                Err(e) => panic!("case {i}: {e}"),
            }
        }
        let huge = Config {
            embedding: EmbeddingConfig { vector_size: 1_000_000_000, ..d().embedding },
            ..d()
        };
        assert_eq!(
            huge.check().unwrap_err().to_string(),
            "invalid configuration: embedding.vector_size must be at most 65536, got 1000000000"
        );
    }
}
