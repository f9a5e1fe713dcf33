//! The [`Pipeline`]: one batch in, one [`DayResult`] out, state kept between
//! batches.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::Instant;

use ndarray::{Array2, ArrayView2};

use crate::config::{
    CheckedConfig, ClusterSelection, ClusteringConfig, CountPolicy, EmbeddingConfig, Preset,
    TrackingConfig,
};
use crate::day::{batch_id_of, batch_label, batch_start};
use crate::error::{Error, Result};
use crate::input::{DayBatch, DayStream};
use crate::labels::GroundTruth;
use crate::profile::{self, ActivityTable};
use crate::result::{
    ClusterResult, DayResult, DayStats, InputIssue, NoveltyDecision, SCHEMA_VERSION, SenderRecord,
    StageTimings, TransitionRecord,
};
use crate::state::{DayEntry, NoveltyCandidate, RunMeta, STATE_FORMAT_VERSION, StateDir};
use crate::trace::{Addr, Batch, CorpusParams, PacketRecord, Vocabulary};
use crate::{dca, hdbscan, metrics, word2vec};

/// The stages of one batch, in order, as reported to an [`Observer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stage {
    /// Aggregating packets per sender and building the corpus.
    Corpus,
    /// Training or updating the embedding model.
    Embed,
    /// HDBSCAN over the active senders' embeddings.
    Cluster,
    /// Silhouette and purity.
    Metrics,
    /// MONIC transitions and lineages.
    Track,
    /// Cluster profiles and the result record.
    Profile,
}

impl Stage {
    /// The stage's name as shown to users.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Corpus => "corpus",
            Self::Embed => "embed",
            Self::Cluster => "cluster",
            Self::Metrics => "metrics",
            Self::Track => "track",
            Self::Profile => "profile",
        }
    }
}

/// Receives progress while a batch is processed (the command draws a
/// progress bar from it). Every method has an empty default.
pub trait Observer {
    /// `stage` starts on the batch named `day`.
    fn stage_started(&mut self, day: &str, stage: Stage) {
        let _ = (day, stage);
    }
}

impl Observer for () {}

/// The daily pipeline: corpus, incremental embedding, clustering, metrics,
/// tracking and profiles.
///
/// A pipeline lives in memory ([`Pipeline::new`]) or is attached to a state
/// directory ([`Pipeline::create`], [`Pipeline::open`]); then
/// [`Pipeline::save`] persists the model, the tracker, the run metadata and
/// the results of the batches processed since the last save.
pub struct Pipeline {
    config: CheckedConfig,
    preset: Option<Preset>,
    truth: GroundTruth,
    model: Option<word2vec::Model<Addr>>,
    tracker: dca::Tracker<Addr>,
    days: Vec<DayEntry>,
    pending: Vec<DayResult>,
    state: Option<StateDir>,
    generation: u64,
    sources: Vec<String>,
    next_input_issues: Vec<InputIssue>,
    /// Senders that have been in a cluster on some processed batch (the
    /// novelty known-share gate), persisted as `clustered-<gen>.bin`.
    clustered: HashSet<Addr>,
    /// Novelty flags waiting for confirmation, persisted in `meta.json`.
    candidates: Vec<NoveltyCandidate>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("config_hash", &self.config.hash())
            .field("preset", &self.preset)
            .field("n_days", &self.days.len())
            .field("state", &self.state.as_ref().map(StateDir::path))
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// A fresh in-memory pipeline.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] when a stage crate rejects a parameter that
    /// [`crate::Config::check`] let through (a bug to report).
    pub fn new(config: CheckedConfig) -> Result<Self> {
        let tracker = dca::Tracker::new(tracker_params(&config.tracking)?);
        word2vec_params(&config.embedding, config.embedding.epochs)?;
        Ok(Self {
            config,
            preset: None,
            truth: GroundTruth::new(),
            model: None,
            tracker,
            days: Vec::new(),
            pending: Vec::new(),
            state: None,
            generation: 0,
            sources: Vec::new(),
            next_input_issues: Vec::new(),
            clustered: HashSet::new(),
            candidates: Vec::new(),
        })
    }

    /// Records the preset the configuration came from (shown in reports).
    #[must_use]
    pub fn with_preset(mut self, preset: Option<Preset>) -> Self {
        self.preset = preset;
        self
    }

    /// Sets the ground truth that labels senders (in addition to the
    /// Mirai-like label); it is not stored in the state.
    #[must_use]
    pub fn with_ground_truth(mut self, truth: GroundTruth) -> Self {
        self.truth = truth;
        self
    }

    /// A fresh pipeline attached to a new state directory, created (with
    /// its `meta.json`) at once.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the directory cannot be written, and those of
    /// [`Pipeline::new`]. A directory that already holds a state is refused
    /// with [`Error::CorruptState`] naming it; use [`Pipeline::open`]. A
    /// directory without `meta.json` holding anything but what a run that
    /// never committed leaves (see [`StateDir::check_fresh`]) is refused
    /// with [`Error::NotAState`]: a state that lost its `meta.json`, or
    /// files of the user's, which the new state's commits could remove.
    pub fn create(dir: &Path, config: CheckedConfig, preset: Option<Preset>) -> Result<Self> {
        let state = StateDir::new(dir);
        if state.exists() {
            return Err(Error::CorruptState {
                path: dir.to_owned(),
                reason: "a state already exists here; open it to resume".into(),
            });
        }
        state.check_fresh()?;
        let mut p = Self::new(config)?.with_preset(preset);
        p.state = Some(state);
        p.commit_meta()?;
        Ok(p)
    }

    /// Reopens a state directory to resume a run.
    ///
    /// # Errors
    ///
    /// [`Error::NotAState`] without a `meta.json`, [`Error::Io`] when files
    /// cannot be read, [`Error::StateVersion`] for another format version,
    /// [`Error::CorruptState`] when a file is missing or cannot be decoded
    /// or the stored configuration does not match its `config_hash`,
    /// [`Error::InvalidConfig`] when the
    /// stored configuration no longer validates. Every day result
    /// `meta.json` lists is checked ([`StateDir::check_days`]).
    pub fn open(dir: &Path) -> Result<Self> {
        let state = StateDir::new(dir);
        let meta = state.read_meta()?;
        // The day results are the state's record of the run (the report
        // and `show` read them): one that is missing or changed is refused
        // here, before a new day is added to a state whose record is
        // broken, whether or not this run writes the report. Reading and
        // hashing them is cheap: 50 ms for the 30 days (23 MB) of a
        // `standard` run, a tenth of the 0.5 s this function takes on that
        // state (dev profile, 2 cores, load 5.4, 2026-12-05).
        state.check_days(&meta)?;
        let config = meta.config.clone().check()?;
        if config.hash() != meta.config_hash {
            return Err(Error::CorruptState {
                path: dir.join("meta.json"),
                reason: format!(
                    "its configuration hashes to {} but config_hash says {}; \
                     was the configuration edited by hand?",
                    config.hash(),
                    meta.config_hash
                ),
            });
        }
        let mut p = Self::new(config)?;
        p.preset = meta.preset.as_deref().and_then(|s| s.parse().ok());
        p.days.clone_from(&meta.days);
        p.candidates.clone_from(&meta.novelty_candidates);
        p.generation = meta.generation;
        p.sources.clone_from(&meta.sources);
        if meta.generation > 0 {
            let model_path = state.path().join(format!("model-{}.bin", meta.generation));
            // Legacy states (no `has_model`) wrote no model while no day had
            // a sender to embed.
            if meta.has_model.unwrap_or_else(|| model_path.is_file()) {
                p.model = Some(state.load_model(meta.generation)?);
            }
            p.tracker = state.decode_blob(&meta, "tracker", "the tracker")?;
            p.clustered = if meta.has_clustered == Some(true) {
                let set: Vec<Addr> =
                    state.decode_blob(&meta, "clustered", "the clustered senders")?;
                set.into_iter().collect()
            } else {
                // States written before the set existed: rebuild it from
                // the stored day results.
                clustered_from_days(&state, &p.days)?
            };
        }
        p.state = Some(state);
        Ok(p)
    }

    /// Opens the state at `dir` when it exists, checking that it was made
    /// with `config`; creates it otherwise. A state with no committed day
    /// (a first run that failed) takes `config` instead.
    ///
    /// # Errors
    ///
    /// [`Error::ConfigMismatch`] when the stored configuration differs and
    /// a day is committed, and those of [`Pipeline::open`] and
    /// [`Pipeline::create`].
    pub fn open_or_create(
        dir: &Path,
        config: CheckedConfig,
        preset: Option<Preset>,
    ) -> Result<Self> {
        if !StateDir::new(dir).exists() {
            return Self::create(dir, config, preset);
        }
        let p = Self::open(dir)?;
        if p.config.hash() != config.hash() {
            if p.days.is_empty() {
                // Nothing committed yet (a first run that failed): the
                // state takes the configuration given now.
                let mut fresh = Self::new(config)?.with_preset(preset);
                fresh.state = p.state;
                fresh.commit_meta()?;
                return Ok(fresh);
            }
            return Err(crate::state::config_mismatch(dir, &p.config, p.preset, &config, preset));
        }
        Ok(p)
    }

    /// Notes inputs read by the run (files, folders or globs as given),
    /// stored in the state's metadata at the next save; repeats are kept
    /// once.
    pub fn note_sources<S: AsRef<str>>(&mut self, sources: &[S]) {
        for s in sources {
            if !self.sources.iter().any(|k| k == s.as_ref()) {
                self.sources.push(s.as_ref().to_owned());
            }
        }
    }

    /// Input problems to record in the next processed batch's
    /// [`DayStats::input_issues`] (replacing any not yet used).
    pub fn set_input_issues(&mut self, issues: Vec<InputIssue>) {
        self.next_input_issues = issues;
    }

    /// The inputs noted so far.
    #[must_use]
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &CheckedConfig {
        &self.config
    }

    /// The senders that have been in a cluster on some processed batch
    /// (what the novelty known-share gate counts as known).
    #[must_use]
    pub fn clustered_senders(&self) -> &HashSet<Addr> {
        &self.clustered
    }

    /// Novelty flags still waiting for confirmation
    /// (`tracking.novelty_confirm_batches`), oldest first.
    #[must_use]
    pub fn novelty_candidates(&self) -> &[NoveltyCandidate] {
        &self.candidates
    }

    /// The preset the configuration came from, if known.
    #[must_use]
    pub fn preset(&self) -> Option<Preset> {
        self.preset
    }

    /// The processed days, oldest first (saved or not).
    #[must_use]
    pub fn days(&self) -> &[DayEntry] {
        &self.days
    }

    /// The tracker (lineage graph, history).
    #[must_use]
    pub fn tracker(&self) -> &dca::Tracker<Addr> {
        &self.tracker
    }

    /// The embedding model, once a batch was processed.
    #[must_use]
    pub fn model(&self) -> Option<&word2vec::Model<Addr>> {
        self.model.as_ref()
    }

    /// The state directory, when attached.
    #[must_use]
    pub fn state(&self) -> Option<&StateDir> {
        self.state.as_ref()
    }

    /// Whether the batch `batch_id` may be processed next: it must come
    /// after every processed batch.
    ///
    /// # Errors
    ///
    /// [`Error::DayAlreadyProcessed`] for a processed batch,
    /// [`Error::DayOutOfOrder`] for a batch before the last one.
    pub fn check_next(&self, batch_id: u64) -> Result<()> {
        let Some(last) = self.days.last() else { return Ok(()) };
        let day = batch_label(batch_id, self.config.trace.batch_seconds);
        if self.days.iter().any(|d| d.batch_id == batch_id) {
            return Err(Error::DayAlreadyProcessed { day, last: last.day.clone() });
        }
        if batch_id < last.batch_id {
            return Err(Error::DayOutOfOrder { day, last: last.day.clone() });
        }
        Ok(())
    }

    /// Processes the records of one or more batches (any time order):
    /// cuts them into batches and processes each in turn.
    ///
    /// # Errors
    ///
    /// [`Error::TimestampOutOfRange`] for a record before 1970 or after
    /// [`crate::input::MAX_TS_NS`] (nothing is processed then), and as
    /// [`Pipeline::process_batch`] for the first batch that fails.
    pub fn process_records(&mut self, records: &[PacketRecord]) -> Result<Vec<DayResult>> {
        let mut stream = DayStream::new(&self.config, i64::MAX / 4)?;
        for r in records {
            stream.try_push(r)?;
        }
        stream.finish().iter().map(|b| self.process_batch(b)).collect()
    }

    /// Processes one batch.
    ///
    /// # Errors
    ///
    /// [`Error::DayAlreadyProcessed`] / [`Error::DayOutOfOrder`] (see
    /// [`Pipeline::check_next`]), [`Error::Stage`] when a stage fails. On
    /// error the tracker and the list of days are unchanged; the embedding
    /// model may have been updated (it is not saved until
    /// [`Pipeline::save`]).
    pub fn process_batch(&mut self, batch: &DayBatch) -> Result<DayResult> {
        self.process_batch_observed(&batch.batch, Some(&batch.activity), &mut ())
    }

    /// As [`Pipeline::process_batch`] for a bare [`Batch`] (its profiles
    /// then have no activity over time), reporting each stage to
    /// `observer`.
    ///
    /// # Errors
    ///
    /// As [`Pipeline::process_batch`].
    pub fn process_batch_observed(
        &mut self,
        batch: &Batch,
        activity: Option<&ActivityTable>,
        observer: &mut dyn Observer,
    ) -> Result<DayResult> {
        let seconds = self.config.trace.batch_seconds;
        let batch_id = batch_id_of(batch.id().0, seconds);
        self.check_next(batch_id)?;
        let day = batch_label(batch_id, seconds);
        let mut timings = StageTimings::default();

        observer.stage_started(&day, Stage::Corpus);
        let clock = Instant::now();
        let min_packets = self.config.trace.min_packets;
        let mut active: Vec<Addr> = batch.active_senders(min_packets).map(|s| s.addr).collect();
        active.sort_unstable();
        let corpus_params = CorpusParams::default()
            .min_packets(min_packets)
            .vocabulary(Vocabulary::TopServices { n: self.config.trace.top_services });
        let corpus = batch.corpus(&corpus_params).map_err(|e| Error::stage("corpus", &day, &e))?;
        let sentences: Vec<&[Addr]> =
            corpus.sentences.iter().map(|s| s.senders.as_slice()).collect();
        timings.corpus = ms(clock);

        observer.stage_started(&day, Stage::Embed);
        let clock = Instant::now();
        let (senders, x) = self.embed(&day, &sentences, &active)?;
        timings.embed = ms(clock);

        observer.stage_started(&day, Stage::Cluster);
        let clock = Instant::now();
        let (mut labels, probabilities) = cluster_labels(x.view(), &self.config.clustering)
            .map_err(|e| Error::stage("cluster", &day, e.as_ref()))?;
        let min_probability = self.config.clustering.new_cluster_min_probability;
        // With nothing clustered yet (the first batch), every cluster would
        // be new: there is no history to tell a new group from.
        let cuts = if min_probability > 0.0 && !self.clustered.is_empty() {
            trim_new_clusters(
                &mut labels,
                &probabilities,
                |i| !self.clustered.contains(&senders[i]),
                min_probability,
                self.config.clustering.min_cluster_size,
            )
        } else {
            Vec::new()
        };
        let min_support = self.config.clustering.min_support;
        if min_support > 0.0 {
            let window = self.config.embedding.window;
            drop_unsupported(&mut labels, &senders, &sentences, window, min_support)
                .map_err(|e| Error::stage("cluster", &day, &e))?;
        }
        let fringe = fringe_of(x.view(), &labels, &cuts);
        timings.cluster = ms(clock);

        observer.stage_started(&day, Stage::Metrics);
        let clock = Instant::now();
        let truth: Vec<Option<String>> = senders.iter().map(|a| self.label_of(a, batch)).collect();
        let scores = Scores::compute(x.view(), &labels, &truth, &day)?;
        timings.metrics = ms(clock);

        observer.stage_started(&day, Stage::Track);
        let clock = Instant::now();
        let partition = dca::Partition::from_labels(
            senders.iter().copied().zip(labels.iter().map(|&l| u32::try_from(l).ok())),
        )
        .map_err(|e| Error::stage("track", &day, &e))?;
        let analysis =
            self.tracker.push(batch_id, partition).map_err(|e| Error::stage("track", &day, &e))?;
        timings.track = ms(clock);

        observer.stage_started(&day, Stage::Profile);
        let clock = Instant::now();
        let mut result = self.assemble(
            Assembly {
                batch_id,
                day,
                batch,
                activity,
                n_active: active.len(),
                senders: &senders,
                labels: &labels,
                truth: &truth,
                fringe: &fringe,
            },
            &scores,
            &analysis,
        );
        let present: Vec<u64> = result.clusters.iter().map(|c| c.lineage).collect();
        result.novelty_decisions = decide_candidates(
            &mut self.candidates,
            &result.transitions,
            &present,
            batch_id,
            Confirmation {
                need: self.config.tracking.novelty_confirm_batches,
                wait: self.config.tracking.novelty_wait_inactive,
            },
        );
        if self.config.tracking.novelty_confirm_batches > 0 {
            // A flag at or above the confirming silhouette is final at once.
            // A cluster cut to its core is judged with its fringe: cutting
            // the fringe off a cluster of one-off senders can leave a tight
            // core.
            let sure = self.config.tracking.novelty_confirm_silhouette.map(f64::from);
            let waits = |c: &ClusterResult| {
                let s = if c.n_fringe > 0 { c.silhouette_whole } else { c.silhouette };
                c.novel && !sure.is_some_and(|t| s.is_some_and(|s| s >= t))
            };
            for c in result.clusters.iter_mut().filter(|c| waits(c)) {
                c.novelty_status = Some("pending".to_owned());
                self.candidates.push(NoveltyCandidate {
                    lineage: c.lineage,
                    flagged_day: result.day.clone(),
                    flagged_batch_id: batch_id,
                    survived: 0,
                    silent_since: None,
                });
            }
        }
        result.stats.timings_ms = StageTimings { profile: ms(clock), ..timings };
        self.clustered
            .extend(senders.iter().zip(&labels).filter(|&(_, &l)| l >= 0).map(|(addr, _)| *addr));
        result.stats.input_issues = std::mem::take(&mut self.next_input_issues);
        self.days.push(DayEntry::of(&result));
        self.pending.push(result.clone());
        Ok(result)
    }

    /// The label of a sender: ground truth first, then Mirai-like.
    fn label_of(&self, addr: &Addr, batch: &Batch) -> Option<String> {
        if let Some(l) = self.truth.label_of(addr) {
            return Some(l.to_owned());
        }
        let s = batch.sender(addr)?;
        let share = s.n_mirai as f64 / s.n_packets.max(1) as f64;
        (s.n_mirai > 0 && share >= self.config.labels.mirai_min_share)
            .then(|| self.config.labels.mirai_label.clone())
    }

    /// Trains or updates the model on the corpus and returns the embedded
    /// active senders (sorted) with their unit-length embeddings.
    fn embed(
        &mut self,
        day: &str,
        sentences: &[&[Addr]],
        active: &[Addr],
    ) -> Result<(Vec<Addr>, Array2<f32>)> {
        let e = &self.config.embedding;
        let n_tokens: usize = sentences.iter().map(|s| s.len()).sum();
        if n_tokens > 0 {
            match &mut self.model {
                None => {
                    let params = word2vec_params(e, e.bootstrap_epochs)?;
                    let (model, _) = word2vec::Model::train(&params, sentences)
                        .map_err(|err| Error::stage("embed", day, &err))?;
                    self.model = Some(model);
                }
                Some(model) => {
                    model.forget(e.forget).map_err(|err| Error::stage("embed", day, &err))?;
                    model
                        .update_with_epochs(sentences, e.epochs)
                        .map_err(|err| Error::stage("embed", day, &err))?;
                }
            }
        }
        let Some(model) = &self.model else {
            return Ok((Vec::new(), Array2::zeros((0, e.vector_size))));
        };
        let senders: Vec<Addr> = active.iter().filter(|a| model.contains(a)).copied().collect();
        let x = model
            .normalized_embeddings_for(&senders)
            .map_err(|err| Error::stage("embed", day, &err))?;
        Ok((senders, x))
    }

    fn assemble(
        &self,
        a: Assembly<'_>,
        scores: &Scores,
        analysis: &dca::BatchAnalysis,
    ) -> DayResult {
        let cfg = &self.config;
        let seconds = cfg.trace.batch_seconds;

        // Members of each local cluster, in sender order (sorted).
        let mut members: BTreeMap<u32, Vec<Addr>> = BTreeMap::new();
        for (addr, &l) in a.senders.iter().zip(a.labels) {
            if let Ok(l) = u32::try_from(l) {
                members.entry(l).or_default().push(*addr);
            }
        }
        let lineage_of: HashMap<u32, u64> =
            analysis.clusters.iter().map(|c| (c.cluster.0, c.lineage.0)).collect();

        let mut clusters = Vec::with_capacity(analysis.clusters.len());
        let mut emerged = Vec::new();
        let mut novel = Vec::new();
        for c in &analysis.clusters {
            let local = c.cluster.0;
            let ms = members.get(&local).map(Vec::as_slice).unwrap_or_default();
            let silhouette =
                scores.per_cluster.get(&(local as i32)).copied().filter(|s| s.is_finite());
            let purity = scores.purity.get(&(local as i32));
            let mut novelty_gate: Option<&str> = None;
            let (origin, provenance, reidentified_from, is_novel) = match &c.origin {
                dca::Origin::FirstBatch => ("first", None, None, false),
                dca::Origin::Survived { .. } => ("survived", None, None, false),
                dca::Origin::Emerged(e) => {
                    let prov = match e.provenance.kind {
                        dca::ProvenanceKind::Noise => "noise",
                        dca::ProvenanceKind::Absent => "absent",
                        _ => "clusters",
                    };
                    let re = c.reidentification().map(|r| r.lineage.0);
                    let gate = cfg
                        .tracking
                        .novelty_min_silhouette
                        .is_none_or(|g| silhouette.is_some_and(|s| s >= f64::from(g)));
                    if c.is_novel() && !gate {
                        novelty_gate = Some("silhouette");
                    }
                    if c.is_novel()
                        && gate
                        && let Some(max) = cfg.tracking.novelty_max_known_share
                    {
                        let known = ms.iter().filter(|m| self.clustered.contains(*m)).count();
                        #[allow(clippy::cast_precision_loss)]
                        let share =
                            if ms.is_empty() { 0.0 } else { known as f64 / ms.len() as f64 };
                        if share > max {
                            novelty_gate = Some("known_share");
                        }
                    }
                    ("emerged", Some(prov.to_owned()), re, c.is_novel() && novelty_gate.is_none())
                }
            };
            if c.is_emerged() {
                emerged.push(c.lineage.0);
            }
            if is_novel {
                novel.push(c.lineage.0);
            }
            clusters.push(ClusterResult {
                lineage: c.lineage.0,
                local_id: local,
                size: ms.len(),
                silhouette,
                majority_label: purity
                    .and_then(|p| p.majority.clone())
                    .unwrap_or_else(|| cfg.labels.unknown_label.clone()),
                purity: purity.map_or(1.0, |p| p.purity),
                n_labelled: purity.map_or(0, |p| p.n_labelled),
                labelled_majority: purity.and_then(|p| p.labelled_majority.clone()),
                labelled_purity: purity.and_then(|p| p.labelled_purity),
                origin: origin.to_owned(),
                provenance,
                reidentified_from,
                novel: is_novel,
                novelty_gate: novelty_gate.map(str::to_owned),
                novelty_status: None,
                n_fringe: a.fringe.get(&local).map_or(0, |f| f.n),
                silhouette_whole: a.fringe.get(&local).and_then(|f| f.silhouette_whole),
                members: ms.iter().map(addr_text).collect(),
                profile: profile::profile(a.batch, a.activity, ms, cfg.profile.top_n),
            });
        }

        let transitions = analysis
            .transitions
            .iter()
            .map(|t| TransitionRecord {
                lineage: t.lineage.0,
                kind: transition_name(t.transition.kind()).to_owned(),
                into: t
                    .transition
                    .targets()
                    .iter()
                    .filter_map(|g| lineage_of.get(&g.cluster.0).copied())
                    .collect(),
            })
            .collect();

        let senders = a
            .senders
            .iter()
            .zip(a.labels)
            .zip(a.truth)
            .map(|((addr, &l), label)| SenderRecord {
                address: addr_text(addr),
                cluster: i64::from(l),
                lineage: u32::try_from(l).ok().and_then(|l| lineage_of.get(&l).copied()),
                packets: a.batch.sender(addr).map_or(0, |s| s.n_packets),
                label: label.clone(),
            })
            .collect();

        let n_noise = a.labels.iter().filter(|&&l| l < 0).count();
        DayResult {
            schema_version: SCHEMA_VERSION,
            day: a.day,
            batch_id: a.batch_id,
            start_unix: batch_start(a.batch_id, seconds),
            batch_seconds: seconds,
            stats: DayStats {
                n_packets: a.batch.n_packets(),
                n_senders: a.batch.n_senders(),
                n_active: a.n_active,
                n_embedded: a.senders.len(),
                n_noise,
                n_clusters: clusters.len(),
                silhouette: scores.overall,
                purity: scores.overall_purity,
                timings_ms: StageTimings::default(),
                input_issues: Vec::new(),
            },
            clusters,
            transitions,
            emerged,
            novel,
            novelty_decisions: Vec::new(),
            senders,
        }
    }

    /// Persists the model, the tracker, the results of the batches
    /// processed since the last save and the run metadata, as a new
    /// generation (see [`crate::state`]). Does nothing without a state
    /// directory or without new batches.
    ///
    /// # Errors
    ///
    /// [`Error::Io`], [`Error::Json`] or [`Error::Stage`] when a file cannot
    /// be written; the previous generation then stays in force.
    pub fn save(&mut self) -> Result<()> {
        let Some(state) = &self.state else { return Ok(()) };
        if self.pending.is_empty() {
            return Ok(());
        }
        let generation = self.generation + 1;
        for r in &self.pending {
            state.write_day(r)?;
        }
        // The days this save commits, for messages.
        let days = match (self.pending.first(), self.pending.last()) {
            (Some(a), Some(b)) if a.day != b.day => format!("{} to {}", a.day, b.day),
            (_, Some(b)) => b.day.clone(),
            _ => String::new(),
        };
        if let Some(model) = &self.model {
            let path = state.path().join(format!("model-{generation}.bin"));
            model.save(&path).map_err(|e| Error::stage("save", &days, &e))?;
        }
        let tracker = bincode::serde::encode_to_vec(&self.tracker, bincode::config::standard())
            .map_err(|e| Error::stage("save", &days, &e))?;
        state.write_blob("tracker", generation, &tracker)?;
        let mut clustered: Vec<Addr> = self.clustered.iter().copied().collect();
        clustered.sort_unstable();
        let clustered = bincode::serde::encode_to_vec(&clustered, bincode::config::standard())
            .map_err(|e| Error::stage("save", &days, &e))?;
        state.write_blob("clustered", generation, &clustered)?;
        self.generation = generation;
        self.commit_meta()?;
        self.pending.clear();
        Ok(())
    }

    fn commit_meta(&self) -> Result<()> {
        let Some(state) = &self.state else { return Ok(()) };
        state.commit(&RunMeta {
            format_version: STATE_FORMAT_VERSION,
            tool_version: concat!("darkdca ", env!("CARGO_PKG_VERSION")).to_owned(),
            preset: self.preset.map(|p| p.name().to_owned()),
            config_hash: self.config.hash(),
            config: self.config.get().clone(),
            generation: self.generation,
            days: self.days.clone(),
            sources: self.sources.clone(),
            has_model: Some(self.model.is_some()),
            has_clustered: Some(true),
            novelty_candidates: self.candidates.clone(),
        })
    }
}

/// What [`Pipeline::assemble`] needs about the batch.
struct Assembly<'a> {
    batch_id: u64,
    day: String,
    batch: &'a Batch,
    activity: Option<&'a ActivityTable>,
    n_active: usize,
    senders: &'a [Addr],
    labels: &'a [i32],
    truth: &'a [Option<String>],
    /// The new clusters cut to their core (by final label).
    fringe: &'a HashMap<u32, FringeOf>,
}

/// What was cut from a new cluster.
#[derive(Debug, Clone, Copy)]
struct FringeOf {
    /// Members cut.
    n: usize,
    /// Silhouette of the cluster with those members.
    silhouette_whole: Option<f64>,
}

/// The new clusters cut to their core, by final label, after the support
/// gate: follows each cut by a member its cluster kept (the gate renumbers
/// labels) and measures the cluster's silhouette with its fringe put back.
/// A cluster the gate dropped is left out.
fn fringe_of(x: ArrayView2<'_, f32>, labels: &[i32], cuts: &[Cut]) -> HashMap<u32, FringeOf> {
    let kept: Vec<(&Cut, u32)> = cuts
        .iter()
        .filter_map(|c| u32::try_from(labels[c.kept_member]).ok().map(|l| (c, l)))
        .collect();
    if kept.is_empty() {
        return HashMap::new();
    }
    let mut whole = labels.to_vec();
    for &(c, l) in &kept {
        for &i in &c.fringe {
            whole[i] = l as i32;
        }
    }
    // Undefined (fewer than two clusters): no silhouette, so no flag is
    // final at once.
    let per_cluster = metrics::silhouette(x, &whole, metrics::Metric::Cosine)
        .map(|s| s.per_cluster)
        .unwrap_or_default();
    kept.into_iter()
        .map(|(c, l)| {
            let silhouette_whole = per_cluster.get(&(l as i32)).copied().filter(|s| s.is_finite());
            (l, FringeOf { n: c.fringe.len(), silhouette_whole })
        })
        .collect()
}

/// Silhouette and purity of a batch's clustering.
struct Scores {
    per_cluster: BTreeMap<i32, f64>,
    overall: Option<f64>,
    purity: BTreeMap<i32, PurityOf>,
    overall_purity: Option<f64>,
}

struct PurityOf {
    /// `None` when unlabelled members are the majority.
    majority: Option<String>,
    purity: f64,
    n_labelled: usize,
    labelled_majority: Option<String>,
    labelled_purity: Option<f64>,
}

impl Scores {
    fn compute(
        x: ArrayView2<'_, f32>,
        labels: &[i32],
        truth: &[Option<String>],
        day: &str,
    ) -> Result<Self> {
        let mut s = Self {
            per_cluster: BTreeMap::new(),
            overall: None,
            purity: BTreeMap::new(),
            overall_purity: None,
        };
        if labels.iter().all(|&l| l < 0) {
            return Ok(s);
        }
        // Fewer than two clusters has no silhouette: leave it undefined.
        if let Ok(sil) = metrics::silhouette(x, labels, metrics::Metric::Cosine) {
            s.per_cluster = sil.per_cluster;
            s.overall = Some(sil.score);
        }
        let purity =
            metrics::purity(labels, truth).map_err(|e| Error::stage("metrics", day, &e))?;
        s.overall_purity = metrics::overall_purity(&purity);
        for p in purity {
            let majority = match &p.majority_label {
                metrics::Label::Known(l) => Some(l.clone()),
                metrics::Label::Unknown => None,
            };
            s.purity.insert(
                p.cluster,
                PurityOf {
                    majority,
                    purity: p.purity,
                    n_labelled: p.n_labelled,
                    labelled_majority: p.labelled_majority,
                    labelled_purity: p.labelled_purity,
                },
            );
        }
        Ok(s)
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

/// The text form of a sender: the address, or `#n` for a pseudonym.
#[must_use]
pub(crate) fn addr_text(a: &Addr) -> String {
    match a {
        Addr::V4(v) => v.to_string(),
        Addr::V6(v) => v.to_string(),
        Addr::Opaque(n) => format!("#{n}"),
    }
}

/// How novelty candidates are decided (`tracking.novelty_confirm_batches`
/// and `tracking.novelty_wait_inactive`).
#[derive(Debug, Clone, Copy)]
struct Confirmation {
    /// Batches a candidate's lineage must survive.
    need: u32,
    /// Batches a candidate whose group fell silent may wait for it.
    wait: u32,
}

/// Moves the novelty candidates on by one batch. A candidate whose lineage
/// survived gains a batch and is confirmed once it has `rule.need` of them.
/// One whose lineage went inactive in batch `s` waits, when `rule.wait`
/// allows, for the group to return: a batch in which the lineage is among
/// `present` (the lineages of the batch's clusters: the group re-identified)
/// counts as a survival when it is batch `s + rule.wait` or earlier, and
/// any later batch, or batch `s + rule.wait` without the lineage, rejects
/// the candidate. The wait is counted in batch ids, so batches missing
/// from the run (a capture outage) count as silent. Any other fate
/// (split, absorbed, disappeared, or a lineage missing from `transitions`,
/// which the tracker never produces) rejects it. `batch_id` is this batch's.
/// Returns the decisions, in candidate order.
fn decide_candidates(
    candidates: &mut Vec<NoveltyCandidate>,
    transitions: &[TransitionRecord],
    present: &[u64],
    batch_id: u64,
    rule: Confirmation,
) -> Vec<NoveltyDecision> {
    let mut decisions = Vec::new();
    candidates.retain_mut(|c| {
        let kind = if let Some(since) = c.silent_since {
            // Silent groups have no transition: they are not among the
            // previous batch's clusters. Batches `since` to
            // `since + wait - 1` may be silent; the group must be back by
            // batch `since + wait`.
            let deadline = since.saturating_add(u64::from(rule.wait));
            if batch_id <= deadline && present.contains(&c.lineage) {
                c.silent_since = None;
                "returned"
            } else if batch_id < deadline {
                return true;
            } else {
                "inactive"
            }
        } else {
            let kind = transitions
                .iter()
                .find(|t| t.lineage == c.lineage)
                .map_or("absent", |t| t.kind.as_str());
            if kind == "inactive" && rule.wait > 0 {
                c.silent_since = Some(batch_id);
                return true;
            }
            kind
        };
        let survived = matches!(kind, "survived" | "returned");
        if survived {
            c.survived = c.survived.saturating_add(1);
            if c.survived < rule.need {
                return true;
            }
        }
        decisions.push(NoveltyDecision {
            lineage: c.lineage,
            flagged_day: c.flagged_day.clone(),
            flagged_batch_id: c.flagged_batch_id,
            confirmed: survived,
            transition: kind.to_owned(),
        });
        false
    });
    decisions
}

fn transition_name(k: dca::TransitionKind) -> &'static str {
    match k {
        dca::TransitionKind::Inactive => "inactive",
        dca::TransitionKind::Disappeared => "disappeared",
        dca::TransitionKind::Split => "split",
        dca::TransitionKind::Survived => "survived",
        dca::TransitionKind::Absorbed => "absorbed",
    }
}

/// The word2vec parameters of the configuration, with `epochs` passes for
/// a cold start.
fn word2vec_params(e: &EmbeddingConfig, epochs: usize) -> Result<word2vec::Params> {
    let policy = match e.count_policy {
        CountPolicy::Accumulate => word2vec::CountPolicy::Accumulate,
        CountPolicy::Replace => word2vec::CountPolicy::Replace,
        CountPolicy::Decay(f) => word2vec::CountPolicy::Decay(f),
    };
    let b = word2vec::Params::builder()
        .vector_size(e.vector_size)
        .window(e.window)
        .negative(e.negative)
        .sample(e.sample)
        .min_count(1)
        .epochs(epochs)
        .update_epochs(Some(e.epochs))
        .alpha(e.alpha)
        .min_alpha(e.min_alpha)
        .seed(e.seed)
        .threads(e.threads)
        .count_policy(policy)
        .max_sentence_len(e.max_sentence_len)
        .retire_after(e.retire_after);
    b.build().map_err(|err| Error::InvalidConfig { field: "embedding", reason: err.to_string() })
}

/// The monic-dca parameters of the configuration.
fn tracker_params(t: &TrackingConfig) -> Result<dca::Params> {
    dca::Params::builder()
        .match_threshold(t.match_threshold)
        .split_threshold(t.split_threshold)
        .look_back(dca::LookBack {
            min_lag: t.look_back_min_lag,
            max_lag: t.look_back_max_lag,
            threshold: t.look_back_threshold,
            normalise: t.look_back_normalise,
        })
        .size_change_threshold(t.size_change_threshold)
        .build()
        .map_err(|err| Error::InvalidConfig { field: "tracking", reason: err.to_string() })
}

/// Turns the clusters that the day's sentences do not hold together (a
/// support share below `min_support`) into noise, and renumbers the others
/// from 0 in their order. Returns how many clusters were dropped.
fn drop_unsupported(
    labels: &mut [i32],
    senders: &[Addr],
    sentences: &[&[Addr]],
    window: usize,
    min_support: f64,
) -> std::result::Result<usize, metrics::Error> {
    let cluster: HashMap<Addr, i32> =
        senders.iter().copied().zip(labels.iter().copied()).filter(|&(_, l)| l >= 0).collect();
    let support =
        metrics::window_support(sentences, |a| cluster.get(a).copied().unwrap_or(-1), window)?;
    let n_clusters = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut renumber = vec![-1; usize::try_from(n_clusters).unwrap_or(0)];
    let mut next = 0;
    for (c, slot) in renumber.iter_mut().enumerate() {
        let share = support.get(&(c as i32)).map_or(0.0, metrics::WindowSupport::share);
        if share >= min_support {
            *slot = next;
            next += 1;
        }
    }
    for l in labels.iter_mut().filter(|l| **l >= 0) {
        *l = renumber[*l as usize];
    }
    let dropped = renumber.len() - next as usize;
    if dropped > 0 {
        tracing::debug!(
            dropped,
            kept = next,
            min_support,
            "clusters without support in the day's sentences"
        );
    }
    Ok(dropped)
}

/// A cluster [`trim_new_clusters`] cut.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cut {
    /// Index of a member the cluster kept.
    kept_member: usize,
    /// Indices of the members that became noise.
    fringe: Vec<usize>,
}

/// Cuts the new clusters to their core (`new_cluster_min_probability`):
/// in a cluster at least half of whose members are new (`is_new` of their
/// index), the members whose membership probability is below
/// `min_probability` become noise, unless fewer than `min_cluster_size`
/// would remain. Returns the clusters cut.
fn trim_new_clusters(
    labels: &mut [i32],
    probabilities: &[f64],
    is_new: impl Fn(usize) -> bool,
    min_probability: f64,
    min_cluster_size: usize,
) -> Vec<Cut> {
    let n_clusters = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut members = vec![Vec::new(); usize::try_from(n_clusters).unwrap_or(0)];
    for (i, &l) in labels.iter().enumerate() {
        if let Ok(l) = usize::try_from(l) {
            members[l].push(i);
        }
    }
    let mut cuts = Vec::new();
    for m in &members {
        if 2 * m.iter().filter(|&&i| is_new(i)).count() < m.len() {
            continue;
        }
        let (core, fringe): (Vec<usize>, Vec<usize>) =
            m.iter().partition(|&&i| probabilities[i] >= min_probability);
        if fringe.is_empty() || core.len() < min_cluster_size {
            continue;
        }
        for &i in &fringe {
            labels[i] = -1;
        }
        cuts.push(Cut { kept_member: core[0], fringe });
    }
    if !cuts.is_empty() {
        let fringe: usize = cuts.iter().map(|c| c.fringe.len()).sum();
        tracing::debug!(
            clusters = cuts.len(),
            fringe,
            min_probability,
            "new clusters cut to their core"
        );
    }
    cuts
}

/// HDBSCAN labels (`-1` noise) of unit-length embeddings under cosine
/// distance, with each point's membership probability; every point is
/// noise when there are fewer than `min_cluster_size` of them.
fn cluster_labels(
    x: ArrayView2<'_, f32>,
    c: &ClusteringConfig,
) -> std::result::Result<(Vec<i32>, Vec<f64>), Box<dyn std::error::Error + Send + Sync>> {
    if x.nrows() < c.min_cluster_size.max(2) {
        return Ok((vec![-1; x.nrows()], vec![0.0; x.nrows()]));
    }
    let selection = match c.cluster_selection {
        ClusterSelection::Eom => hdbscan::ClusterSelection::ExcessOfMass,
        ClusterSelection::Leaf => hdbscan::ClusterSelection::Leaf,
    };
    let model = hdbscan::Params::new(c.min_cluster_size)
        .min_samples(c.min_samples)
        .metric(hdbscan::Metric::Cosine)
        .cluster_selection(selection)
        .cluster_selection_epsilon(c.cluster_selection_epsilon)
        .allow_single_cluster(c.allow_single_cluster)
        .build()?;
    let fit = model.fit(x)?;
    Ok((fit.labels, fit.probabilities))
}

/// The senders in some cluster of the stored day results `days`.
fn clustered_from_days(state: &StateDir, days: &[DayEntry]) -> Result<HashSet<Addr>> {
    let mut set = HashSet::new();
    for d in days {
        let r = state.read_day(&d.day)?;
        set.extend(r.clusters.iter().flat_map(|c| c.members.iter()).filter_map(|m| parse_addr(m)));
    }
    Ok(set)
}

/// The inverse of [`addr_text`].
fn parse_addr(text: &str) -> Option<Addr> {
    if let Some(n) = text.strip_prefix('#') {
        return n.parse().ok().map(Addr::Opaque);
    }
    match text.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(v) => Some(Addr::V4(v)),
        std::net::IpAddr::V6(v) => Some(Addr::V6(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(lineage: u64, survived: u32) -> NoveltyCandidate {
        NoveltyCandidate {
            lineage,
            flagged_day: format!("day-{lineage}"),
            flagged_batch_id: 100 + lineage,
            survived,
            silent_since: None,
        }
    }

    const NO_WAIT: Confirmation = Confirmation { need: 1, wait: 0 };

    fn transition(lineage: u64, kind: &str) -> TransitionRecord {
        TransitionRecord { lineage, kind: kind.to_owned(), into: Vec::new() }
    }

    /// Candidates 1 to 4 meet survived, split, inactive and nothing at all;
    /// candidate 5 survives but needs a second batch.
    #[test]
    fn candidates_are_confirmed_by_survival_only() {
        let mut cands = vec![
            candidate(1, 0),
            candidate(2, 0),
            candidate(3, 0),
            candidate(4, 0),
            candidate(5, 0),
        ];
        let ts = [
            transition(1, "survived"),
            transition(2, "split"),
            transition(3, "inactive"),
            transition(5, "survived"),
        ];
        let d = decide_candidates(&mut cands, &ts, &[], 110, NO_WAIT);
        let got: Vec<(u64, bool, &str)> =
            d.iter().map(|d| (d.lineage, d.confirmed, d.transition.as_str())).collect();
        assert_eq!(
            got,
            [
                (1, true, "survived"),
                (2, false, "split"),
                (3, false, "inactive"),
                (4, false, "absent"),
                (5, true, "survived")
            ]
        );
        assert!(cands.is_empty());
        assert_eq!((d[0].flagged_day.as_str(), d[0].flagged_batch_id), ("day-1", 101));

        // Two batches needed: the first survival keeps it pending, the
        // second confirms; an absorption on the way rejects.
        let mut cands = vec![candidate(1, 0), candidate(2, 0)];
        let two = Confirmation { need: 2, wait: 0 };
        let d = decide_candidates(
            &mut cands,
            &[transition(1, "survived"), transition(2, "survived")],
            &[1, 2],
            110,
            two,
        );
        assert!(d.is_empty());
        assert_eq!(cands, [candidate(1, 1), candidate(2, 1)]);
        let d = decide_candidates(
            &mut cands,
            &[transition(1, "survived"), transition(2, "absorbed")],
            &[1],
            111,
            two,
        );
        assert_eq!(d.len(), 2);
        assert!(d[0].confirmed && !d[1].confirmed);
        assert_eq!(d[1].transition, "absorbed");
        assert!(cands.is_empty());
    }

    /// With a wait of 3, groups falling silent in batch 110: candidate 1's
    /// is back in batch 112 (confirmed, "returned"); candidate 2's stays
    /// silent and is rejected in batch 113, its fourth silent batch;
    /// candidate 3 does not wait, since it disappeared (active but not
    /// clustered) rather than fell silent.
    #[test]
    fn a_candidate_whose_group_falls_silent_waits_for_its_return() {
        let rule = Confirmation { need: 1, wait: 3 };
        let mut cands = vec![candidate(1, 0), candidate(2, 0), candidate(3, 0)];
        let ts =
            [transition(1, "inactive"), transition(2, "inactive"), transition(3, "disappeared")];
        let d = decide_candidates(&mut cands, &ts, &[], 110, rule);
        assert_eq!(d.iter().map(|d| (d.lineage, d.confirmed)).collect::<Vec<_>>(), [(3, false)]);
        assert_eq!(
            cands.iter().map(|c| (c.lineage, c.silent_since)).collect::<Vec<_>>(),
            [(1, Some(110)), (2, Some(110))]
        );
        // Silent lineages have no transitions; lineage 7 is another cluster.
        assert!(decide_candidates(&mut cands, &[], &[7], 111, rule).is_empty());
        let d = decide_candidates(&mut cands, &[], &[1, 7], 112, rule);
        let got = |d: &[NoveltyDecision]| -> Vec<(u64, bool, String)> {
            d.iter().map(|d| (d.lineage, d.confirmed, d.transition.clone())).collect()
        };
        assert_eq!(got(&d), [(1, true, "returned".to_owned())]);
        assert_eq!(cands, [NoveltyCandidate { silent_since: Some(110), ..candidate(2, 0) }]);
        let d = decide_candidates(&mut cands, &[], &[], 113, rule);
        assert_eq!(got(&d), [(2, false, "inactive".to_owned())]);
        assert!(cands.is_empty());

        // Batches missing from the run count as silent: after an outage
        // in 111 and 112, back in batch 113 is in time, in 114 too late.
        for (back, confirmed, kind) in [(113, true, "returned"), (114, false, "inactive")] {
            let mut cands = vec![candidate(1, 0)];
            let ts = [transition(1, "inactive")];
            assert!(decide_candidates(&mut cands, &ts, &[], 110, rule).is_empty());
            let d = decide_candidates(&mut cands, &[], &[1], back, rule);
            assert_eq!(got(&d), [(1, confirmed, kind.to_owned())]);
        }

        // Needing two batches, a return counts as one and the candidate
        // goes on as usual.
        let rule = Confirmation { need: 2, wait: 3 };
        let mut cands = vec![candidate(1, 0)];
        assert!(
            decide_candidates(&mut cands, &[transition(1, "inactive")], &[], 110, rule).is_empty()
        );
        assert!(decide_candidates(&mut cands, &[], &[1], 111, rule).is_empty());
        assert_eq!(cands, [candidate(1, 1)]);
        let d = decide_candidates(&mut cands, &[transition(1, "survived")], &[1], 112, rule);
        assert!(d[0].confirmed && cands.is_empty());
    }

    #[test]
    fn clusters_the_day_does_not_hold_together_become_noise() {
        let a = |i: u32| Addr::Opaque(i);
        // Cluster 0 = {0, 1, 2} sends together; cluster 1 = {3, 4} was kept
        // by memory only (never within the window of each other); cluster
        // 2 = {5, 6} sends together; 7 is noise.
        let senders: Vec<Addr> = (0..8).map(a).collect();
        let mut labels = vec![0, 0, 0, 1, 1, 2, 2, -1];
        let s1 = [a(0), a(1), a(3), a(7), a(7), a(2), a(0)];
        let s2 = [a(4), a(9), a(9), a(9), a(5), a(6)];
        let sentences: Vec<&[Addr]> = vec![&s1, &s2];
        let dropped = drop_unsupported(&mut labels, &senders, &sentences, 2, 0.5).unwrap();
        assert_eq!(dropped, 1);
        assert_eq!(labels, vec![0, 0, 0, -1, -1, 1, 1, -1]);
        // Nothing below the bar: unchanged.
        let mut again = labels.clone();
        assert_eq!(drop_unsupported(&mut again, &senders, &sentences, 2, 0.5).unwrap(), 0);
        assert_eq!(again, labels);
        // A cluster absent from the sentences has no support at all.
        let mut absent = vec![0, 0, 0, -1, -1, -1, -1, 1];
        let only_s1: Vec<&[Addr]> = vec![&s1[..3]];
        drop_unsupported(&mut absent, &senders, &only_s1, 2, 0.01).unwrap();
        assert_eq!(absent, vec![0, 0, 0, -1, -1, -1, -1, -1]);
    }

    #[test]
    fn new_clusters_are_cut_to_their_core() {
        // Cluster 0: five members, four new, two on the fringe. Cluster 1:
        // four members, two new (half: new), one on the fringe. Cluster 2:
        // three members, one new (not new). Cluster 3: new, but only two of
        // its three members would remain. Point 15 is noise.
        let labels = vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, -1];
        let p = [1.0, 0.9, 0.3, 0.1, 0.2, 1.0, 0.5, 0.4, 0.29, 1.0, 0.1, 0.1, 1.0, 0.8, 0.1, 0.0];
        let new = [true, true, true, true, false, false, true, true, false, true, false, false];
        let is_new = |i: usize| new.get(i).copied().unwrap_or(true);
        let mut cut = labels.clone();
        let cuts = trim_new_clusters(&mut cut, &p, is_new, 0.3, 3);
        let expected =
            [Cut { kept_member: 0, fringe: vec![3, 4] }, Cut { kept_member: 5, fringe: vec![8] }];
        assert_eq!(cuts, expected);
        assert_eq!(cut, vec![0, 0, 0, -1, -1, 1, 1, 1, -1, 2, 2, 2, 3, 3, 3, -1]);
        // A probability of 0 keeps every member.
        let mut kept = labels.clone();
        assert!(trim_new_clusters(&mut kept, &p, is_new, 0.0, 3).is_empty());
        assert_eq!(kept, labels);
        // With a smaller size bar, cluster 3 is cut too.
        let mut small = labels;
        assert_eq!(trim_new_clusters(&mut small, &p, is_new, 0.3, 2).len(), 3);
        assert_eq!(small[12..], [3, 3, -1, -1]);
    }

    #[test]
    fn a_cut_cluster_keeps_the_silhouette_it_had_whole() {
        // Cluster 0: a tight core of three, and a fringe of two halfway to
        // cluster 1, cut off. Cluster 1: three points, not cut.
        let rows = [
            [1.0, 0.0, 0.0],
            [0.999, 0.045, 0.0],
            [0.999, 0.0, 0.045],
            [0.7, 0.0, 0.714],
            [0.714, 0.0, 0.7],
            [0.0, 0.0, 1.0],
            [0.045, 0.0, 0.999],
            [0.0, 0.045, 0.999],
        ];
        let x = Array2::from_shape_fn((rows.len(), 3), |(i, j)| rows[i][j]);
        let labels = [0, 0, 0, -1, -1, 1, 1, 1];
        let cuts = [Cut { kept_member: 1, fringe: vec![3, 4] }];
        let f = fringe_of(x.view(), &labels, &cuts);
        assert_eq!(f.len(), 1);
        let whole = f[&0];
        assert_eq!(whole.n, 2);
        let cut = metrics::silhouette(x.view(), &labels, metrics::Metric::Cosine).unwrap();
        let (cut, whole) = (cut.per_cluster[&0], whole.silhouette_whole.unwrap());
        assert!(cut > 0.95 && whole < 0.8, "cut {cut}, whole {whole}");
        // A cut cluster the support gate dropped is not followed.
        let dropped = [-1, -1, -1, -1, -1, 0, 0, 0];
        assert!(fringe_of(x.view(), &dropped, &cuts).is_empty());
    }
}
