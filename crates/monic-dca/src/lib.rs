//! MONIC-style dynamic cluster analysis: overlap, transitions, novelty and lineage.
//!
//! Given one [`Partition`] per batch (clusters of members plus the noise), a
//! [`Tracker`] tells, for every cluster of batch `t`, what became of it in `t + 1`
//! (inactive, disappeared, split, survived, absorbed), for every cluster of `t + 1`
//! whether it survived or emerged, where an emerged cluster's members were the day
//! before, whether it is a novelty or the return of an earlier cluster, and which
//! stable global id ([`LineageId`]) it carries. A [`LineageGraph`] records it all and
//! exports JSON and Graphviz DOT.
//!
//! The crate is pure: no I/O, no clock, no randomness, and no knowledge of packets or
//! embeddings. Members are any `M: Clone + Eq + Hash` (sender addresses in darkdca).
//! Results are deterministic: every list is ordered by cluster id.
//!
//! # Example
//!
//! ```
//! use monic_dca::{ClusterId, Params, Partition, Tracker, TransitionKind};
//!
//! let mut tracker = Tracker::new(Params::default());
//! // Batch 0: two clusters of senders.
//! let day0 = Partition::from_clusters(
//!     [(0u32, vec![1, 2, 3, 4, 5]), (1, vec![10, 11, 12, 13])],
//!     vec![20],
//! )?;
//! tracker.push(0, day0)?;
//! // Batch 1: cluster 0 comes back as cluster 7; cluster 1 is gone; 20..24 group up.
//! let day1 = Partition::from_clusters(
//!     [(7u32, vec![1, 2, 3, 4, 6]), (8, vec![20, 21, 22, 23])],
//!     vec![],
//! )?;
//! let analysis = tracker.push(1, day1)?;
//! let t0 = analysis.transition(ClusterId(0)).expect("cluster 0 was in batch 0");
//! assert_eq!(t0.transition.kind(), TransitionKind::Survived);
//! let t1 = analysis.transition(ClusterId(1)).expect("cluster 1 was in batch 0");
//! assert_eq!(t1.transition.kind(), TransitionKind::Inactive);
//! let y = analysis.cluster(ClusterId(8)).expect("cluster 8 is in batch 1");
//! assert!(y.is_novel());
//! assert_eq!(analysis.counts.emerged, 1);
//! let dot = tracker.lineage_graph().to_dot();
//! assert!(dot.contains("survived"));
//! # Ok::<(), monic_dca::Error>(())
//! ```
//!
//! # Main types
//!
//! - [`Partition`]: one batch; built from labels, weighted labels or whole clusters.
//! - [`Params`]: τ0, τ1, the novelty [`LookBack`], the size-change threshold; validated
//!   once by [`ParamsBuilder::build`]. Presets [`Params::paper`] and [`Params::reference`].
//! - [`Tracker`]: [`Tracker::push`] one batch at a time, returns a [`BatchAnalysis`];
//!   [`Tracker::analyse`] does the same without recording. Serde-serialisable. Member
//!   ids are hashed with std's `RandomState` unless [`Tracker::with_hasher`] picks
//!   another hasher such as [`FastHashBuilder`].
//! - [`BatchAnalysis`]: [`ClusterTransition`] per cluster of `t` (with its
//!   [`Transition`] and [`Target`]s), [`NextCluster`] per cluster of `t + 1` (with its
//!   [`Origin`]: survived, or [`Emergence`] with [`Provenance`] and [`Novelty`]), and
//!   [`TransitionCounts`].
//! - [`rules`]: each rule as a function, with its formula and the decisions on the
//!   cases the paper leaves open.
//! - [`LineageGraph`]: petgraph graph over (batch, cluster, lineage).
//!
//! # The rules
//!
//! `OL(X, Y) = w(X ∩ Y) / w(X)` ([`rules::overlap`]); `A(X) = Σ_Y OL(X, Y)` over the
//! next partition, noise included ([`rules::activity`]); `r(Y) = OL(X, Y) / A(X)`. Each
//! cluster `X` of `t` gets exactly one transition ([`rules::decide`],
//! [`rules::resolve_strong_matches`]): inactive if `A(X) < τ1`; disappeared if
//! `r(noise) ≥ τ0`; survived or absorbed if it strongly matches (`r ≥ τ0`) a single
//! cluster `Y`; split if some cluster other than noise has `r ≥ τ1`; disappeared
//! otherwise. `X` survives into `Y` if it is the only strong match of `Y` or holds
//! `OL(Y, X) ≥ τ0`, else it is absorbed. A cluster `Y` of `t + 1` emerged when nothing
//! survived into it. It is re-identified when some earlier cluster `X` within the
//! look-back has a backward overlap ([`rules::backward_overlap`]) of at least the
//! look-back threshold, with the best one (largest backward overlap, then largest shared
//! weight, then most recent batch, then smallest cluster id). Otherwise, when lag 1 is in
//! the look-back and a cluster of `t` split into `Y` or was absorbed into it, `Y` is a
//! [`Novelty::Successor`]: it continues that cluster. Otherwise it is novel. Novelty
//! needs history: the clusters of the first batch that has any cluster are
//! [`Origin::FirstBatch`], never novel.
//!
//! # Paper and reference code
//!
//! The paper and the authors' public code (NovTrack) differ; both are available:
//!
//! | | paper ([`Params::paper`], default) | reference code ([`Params::reference`]) |
//! | --- | --- | --- |
//! | τ0 / τ1 | 0.65 / 0.3 | 0.6 / 0.35 |
//! | novelty look-back | every earlier batch, threshold τ0 | lags 2 to 14, threshold 0.6 |
//! | split parts | `r ≥ τ1` | `r > τ1` (strict) |
//! | emergence provenance | (not specified) | "from noise" if `OL(Y, N) ≥ τ`, "new" if `OL(Y, U_t) < τ1` |
//! | two candidates holding exactly τ0 = 0.5 of `Y` | (not specified) | both survive |
//! | earlier cluster chosen | (not specified) | the oldest match among clusters whose global id is unused today |
//!
//! This crate keeps the paper's inclusive split test under both presets, reports the
//! three provenance shares (noise, absent, clusters) with the largest as the kind,
//! absorbs both candidates in the τ0 = 0.5 tie (so that at most one cluster survives
//! into `Y`), and picks the best-matching earlier cluster, restoring its lineage only
//! when it is free today (see [`Tracker`] for the ranking and the claims).
//! The reference code also re-matches survivors against lags 2 to 4 ("robust
//! backmatch") and may rename their global id; this crate does not: a survivor always
//! keeps its predecessor's lineage.
//!
//! # Beyond the paper
//!
//! - Weighted members: every count becomes a sum of weights; intersections use the
//!   weights of the set in the denominator. Unit weights give the paper's rules.
//! - Internal transitions of survivors ([`InternalChange`]): size ratio and churn.
//! - Split parts and absorbing clusters are successors, not novelties (the paper would
//!   call them novel when their backward overlap is below τ0), and a cold start (first
//!   batches without clusters) does not make the first clusters novel.
//! - Lineage ids and the lineage graph.
//!
//! # Limitations
//!
//! - Member ids are interned to `u32`: at most 2³² − 2 distinct members and clusters
//!   over the whole history ([`Error::Capacity`]).
//! - With an unbounded look-back, the index keeps one 4-byte entry per (member,
//!   cluster) pair ever seen: the benchmark's year of a million members a day holds
//!   347 million entries, 2.8 GiB resident in all. A bounded look-back drops old
//!   entries when their member is seen again.
//! - Interning member ids is most of a batch's cost; with std's SipHash it is about
//!   four times slower than with [`FastHashBuilder`] (0.32 s against 0.07 s of CPU for
//!   a million members, see `docs/benchmarks/monic-dca.md`), which is not
//!   collision-resistant.
//! - Earlier clusters with the same backward overlap are ranked by shared weight, then
//!   recency, then the smaller cluster id, so in an exact tie relabelling can change
//!   which one is reported (never whether a cluster is novel).
//!
//! # References
//!
//! - M. Spiliopoulou, I. Ntoutsi, Y. Theodoridis, R. Schult. *MONIC: modeling and
//!   monitoring cluster transitions.* KDD 2006.
//! - L. Gioacchini, L. Vassio, M. Mellia, I. Drago, Z. Ben Houidi, D. Rossi.
//!   *i-DarkVec: incremental embeddings for darknet traffic analysis.* ACM TOIT 2023,
//!   and the authors' NovTrack code (SmartData-Polito/novtrack).

mod analysis;
mod error;
mod index;
mod lineage;
mod params;
mod partition;
pub mod rules;
mod tracker;

pub use analysis::{
    BatchAnalysis, ClusterTransition, Emergence, InternalChange, NextCluster, Novelty, Origin,
    Piece, Provenance, Reidentification, Target, Transition, TransitionCounts, TransitionKind,
};
pub use error::{Error, Result};
pub use index::{FastHashBuilder, FastHasher};
pub use lineage::{EdgeKind, LineageEdge, LineageGraph, LineageId, LineageNode};
pub use params::{LookBack, Params, ParamsBuilder};
pub use partition::{BatchId, ClusterId, Group, Partition};
pub use rules::{DisappearanceCause, ProvenanceKind, SizeChange};
pub use tracker::{Tracker, compare};
