//! Facade of the darkdca pipeline: trace, embed, cluster, track, report.
//!
//! darkdca finds groups of coordinated senders in network-telescope traffic,
//! follows them from day to day and flags new groups. This crate composes
//! the stage crates into one [`Pipeline`] and re-exports them under short
//! names: [`trace`] (readers, batches, corpus), [`word2vec`] (incremental
//! skip-gram), [`hdbscan`] (clustering), [`metrics`] (silhouette, purity)
//! and [`dca`] (MONIC transitions, lineages, novelty).
//!
//! For each batch (a UTC day by default) [`Pipeline::process_batch`]:
//!
//! 1. builds the i-DarkVec corpus of the active senders (more than
//!    `trace.min_packets` packets), one sentence per service;
//! 2. trains the embedding model on the first batch and updates it on the
//!    next ones;
//! 3. clusters the unit-length embeddings with HDBSCAN (cosine distance);
//! 4. scores the clusters (silhouette, purity against ground-truth and
//!    Mirai-like labels);
//! 5. tracks them with MONIC against the previous batches (transitions,
//!    global lineage ids, emerged and novel clusters);
//! 6. profiles each cluster (services, protocols, source prefixes, volume,
//!    Mirai-like share, activity per hour)
//!
//! and returns a [`DayResult`], whose JSON form is the command's versioned
//! output ([`SCHEMA_VERSION`], `docs/OUTPUT.md`).
//!
//! # Example
//!
//! ```
//! use darkdca::trace::{Addr, PacketRecord, proto};
//! use darkdca::{Config, Pipeline, Preset};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::preset(Preset::Paper).check()?;
//! let mut pipeline = Pipeline::new(config)?;
//!
//! // Two senders probing port 23 twenty times each on 2026-01-01, and a
//! // third one that sends a single packet (not active).
//! let day = 20_454 * 86_400 * 1_000_000_000_i64;
//! let probe = |i: i64, last: u8| PacketRecord {
//!     ts_ns: day + i * 1_000_000_000,
//!     src: Addr::V4([198, 51, 100, last].into()),
//!     dst: Some(Addr::V4([192, 0, 2, 7].into())),
//!     proto: proto::TCP,
//!     src_port: Some(40_000),
//!     dst_port: Some(23),
//!     tcp_flags: Some(0x02),
//!     tcp_seq: Some(1),
//!     len: 40,
//!     count: 1,
//!     mirai_label: None,
//! };
//! let mut records: Vec<PacketRecord> = (0..40).map(|i| probe(i, 1 + (i % 2) as u8)).collect();
//! records.push(probe(50, 9));
//!
//! let days = pipeline.process_records(&records)?;
//! assert_eq!(days.len(), 1);
//! assert_eq!(days[0].day, "2026-01-01");
//! assert_eq!(days[0].stats.n_senders, 3);
//! assert_eq!(days[0].stats.n_active, 2);
//! // Two senders are fewer than `min_cluster_size`: no cluster yet.
//! assert_eq!(days[0].stats.n_clusters, 0);
//! # Ok(())
//! # }
//! ```
//!
//! # Main types
//!
//! - [`Config`] holds every parameter; its default is the `recommended`
//!   [`Preset`] (the paper with the changes measured in
//!   `docs/EVALUATION.md`), and `paper` and `novtrack` give the published
//!   values and the authors' code's; [`Config::check`] validates it into
//!   the [`CheckedConfig`] a pipeline takes.
//! - [`Pipeline`] runs batches in memory ([`Pipeline::new`]) or on a state
//!   directory ([`Pipeline::create`], [`Pipeline::open`],
//!   [`Pipeline::save`]; layout in [`state`]).
//! - [`input::DayStream`] cuts the records of [`input::RecordSource`]s
//!   (pcap, pcapng, flow CSV, gzip) into [`input::DayBatch`]es.
//! - [`GroundTruth`] labels senders from CSV or ipset files.
//! - [`DayResult`] is one batch's result; [`output`] writes it as JSON and
//!   CSV.
//!
//! # Limitations
//!
//! - Batches must be processed in time order; a batch already in the state
//!   is refused ([`Error::DayAlreadyProcessed`]), never counted twice, and
//!   cannot be replaced (start a new state directory to redo a run).
//! - Once a day is committed, the state accepts only the configuration it
//!   was created with ([`Error::ConfigMismatch`], which lists the settings
//!   that differ); a state with no committed day takes a new one.
//! - Ground-truth labels are not stored in the state: give the same files
//!   on every run for comparable purity figures.
//! - The novelty quality gates (`tracking.novelty_min_silhouette`,
//!   `tracking.novelty_max_known_share`) only change the facade's `novel`
//!   flags; the tracker's lineage graph keeps its own novelty marks.
//! - The known-share gate counts as known every sender that was in a
//!   cluster on an earlier batch of the run; the state keeps that set
//!   (`clustered-<gen>.bin`) and rebuilds it from the day results when it
//!   opens a state written before the set existed.
//!
//! # References
//!
//! - L. Gioacchini et al., *i-DarkVec: Incremental Embeddings for Darknet
//!   Traffic Analysis*, ACM TOIT 2023.
//! - M. Spiliopoulou et al., *MONIC: Modeling and Monitoring Cluster
//!   Transitions*, KDD 2006.
//! - The NovTrack paper and its public code (SmartData-Polito/novtrack), the
//!   source of the `novtrack` preset.

pub use darkdca_hdbscan as hdbscan;
pub use darkdca_metrics as metrics;
pub use darkdca_trace as trace;
pub use darkdca_word2vec as word2vec;
pub use monic_dca as dca;

pub mod config;
pub mod day;
mod error;
pub mod input;
pub mod labels;
pub mod output;
mod pipeline;
pub mod profile;
pub mod result;
pub mod state;

pub use config::{ALL_SERVICES, CheckedConfig, Config, Preset};
pub use error::{Error, Result};
pub use labels::GroundTruth;
pub use pipeline::{Observer, Pipeline, Stage};
pub use result::{DayResult, SCHEMA_VERSION};
