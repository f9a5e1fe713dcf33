//! What one pushed batch produces: a transition for every cluster of the previous batch
//! and an origin and lineage for every cluster of the new batch.

use serde::{Deserialize, Serialize};

use crate::lineage::LineageId;
use crate::partition::{BatchId, ClusterId};
use crate::rules::{DisappearanceCause, ProvenanceKind, SizeChange};

/// A cluster of `t + 1` that a cluster `X` of `t` went to, with the overlaps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// `Y`, local to batch `t + 1`.
    pub cluster: ClusterId,
    /// `OL(X, Y)`: share of `X` found in `Y`.
    pub overlap: f64,
    /// `r(Y) = OL(X, Y) / A(X)`: share of `X`'s active weight found in `Y`.
    pub share: f64,
    /// `OL(Y, X)`: share of `Y` that comes from `X`.
    pub backward_overlap: f64,
}

/// Internal transition of a survivor `X → Y`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InternalChange {
    /// `w(Y) / w(X)`.
    pub size_ratio: f64,
    /// The size transition, see [`crate::rules::size_change`].
    pub size: SizeChange,
    /// Share of `X` that did not go to `Y`: `1 - OL(X, Y)` (left or absent).
    pub left: f64,
    /// Share of `Y` that was not in `X`: `1 - OL(Y, X)` (joined).
    pub joined: f64,
}

/// Kind of an external transition, without its data (for counts and the graph).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TransitionKind {
    /// `A(X) < τ1`.
    Inactive,
    /// Into noise or scattered.
    Disappeared,
    /// Into one or more parts.
    Split,
    /// Into its unique successor.
    Survived,
    /// Into a cluster that another cluster of `t` also strongly matches.
    Absorbed,
}

/// The external transition of one cluster of batch `t`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Transition {
    /// `A(X) < τ1`: most members are silent in `t + 1`.
    Inactive,
    /// Most active members went to noise, or they scattered.
    Disappeared {
        /// Which of the two.
        cause: DisappearanceCause,
    },
    /// No unique strong match; parts with `r ≥ τ1`, noise excluded.
    Split {
        /// The parts, in increasing cluster id order.
        parts: Vec<Target>,
    },
    /// `X` is the one predecessor of `Y`.
    Survived {
        /// The successor.
        into: Target,
        /// Size change and churn.
        internal: InternalChange,
    },
    /// `X` strongly matches `Y`, which has another strong match and `X` holds less than
    /// τ0 of it.
    Absorbed {
        /// The absorbing cluster.
        into: Target,
    },
}

impl Transition {
    /// The kind without data.
    pub fn kind(&self) -> TransitionKind {
        match self {
            Self::Inactive => TransitionKind::Inactive,
            Self::Disappeared { .. } => TransitionKind::Disappeared,
            Self::Split { .. } => TransitionKind::Split,
            Self::Survived { .. } => TransitionKind::Survived,
            Self::Absorbed { .. } => TransitionKind::Absorbed,
        }
    }

    /// The clusters of `t + 1` this transition points to.
    pub fn targets(&self) -> &[Target] {
        match self {
            Self::Split { parts } => parts,
            Self::Survived { into, .. } | Self::Absorbed { into } => std::slice::from_ref(into),
            Self::Inactive | Self::Disappeared { .. } => &[],
        }
    }
}

/// One cluster of batch `t` and its transition to `t + 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterTransition {
    /// `X`, local to batch `t`.
    pub cluster: ClusterId,
    /// The lineage `X` belonged to.
    pub lineage: LineageId,
    /// Number of members of `X`.
    pub n_members: usize,
    /// `w(X)`.
    pub weight: f64,
    /// `A(X)`.
    pub activity: f64,
    /// `r(N)`: share of the active weight that went to noise (0 when inactive).
    pub noise_share: f64,
    /// The transition.
    pub transition: Transition,
}

/// A piece of a cluster of `t` inside an emerged cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Piece {
    /// The cluster of batch `t`.
    pub cluster: ClusterId,
    /// `OL(Y, X)`: share of the emerged `Y` that came from it.
    pub share: f64,
}

/// Where an emerged cluster's members were in batch `t`, as shares of its weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The largest source, see [`crate::rules::provenance_kind`].
    pub kind: ProvenanceKind,
    /// `OL(Y, N_t)`.
    pub from_noise: f64,
    /// `1 - OL(Y, U_t)`: absent from batch `t`.
    pub from_absent: f64,
    /// `OL(Y, X)` for every cluster `X` of `t` sharing members, in increasing id order.
    pub pieces: Vec<Piece>,
}

impl Provenance {
    /// `Σ_X OL(Y, X)`.
    pub fn from_clusters(&self) -> f64 {
        self.pieces.iter().map(|p| p.share).sum()
    }
}

/// The earlier cluster an emerged cluster was matched with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reidentification {
    /// The earlier cluster's batch.
    pub batch: BatchId,
    /// The earlier cluster, local to that batch.
    pub cluster: ClusterId,
    /// The earlier cluster's lineage.
    pub lineage: LineageId,
    /// The backward overlap, see [`crate::rules::backward_overlap`].
    pub overlap: f64,
    /// Whether the emerged cluster took that lineage back (it was free today).
    pub restored: bool,
}

/// Novel, re-identified, or the successor of clusters of the previous batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Novelty {
    /// No earlier cluster in the look-back reaches the threshold, and no cluster of `t`
    /// split into it or was absorbed into it.
    Novel,
    /// The best-matching earlier cluster.
    Reidentified(Reidentification),
    /// No earlier cluster reaches the look-back threshold, but lag 1 is in the look-back
    /// and clusters of `t` split into it or were absorbed into it
    /// ([`Emergence::split_from`], [`Emergence::absorbed`]): it continues them, so it is
    /// not novel. It gets a fresh lineage, as a novelty would.
    Successor,
}

/// Why a cluster of `t + 1` has no survivor, and what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Emergence {
    /// Where its members were in batch `t`.
    pub provenance: Provenance,
    /// Clusters of `t` absorbed into it, in increasing id order.
    pub absorbed: Vec<ClusterId>,
    /// Clusters of `t` that split with it as one of their parts, in increasing id order.
    #[serde(default)]
    pub split_from: Vec<ClusterId>,
    /// Novel, re-identified or successor.
    pub novelty: Novelty,
}

/// How a cluster of `t + 1` came to be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Origin {
    /// The tracker's first batch with any cluster: no history to compare with, not
    /// counted as emerged (earlier batches, if any, had only noise).
    FirstBatch,
    /// A cluster of `t` survived into it.
    Survived {
        /// The predecessor, local to batch `t`.
        from: ClusterId,
    },
    /// No cluster of `t` survived into it.
    Emerged(Emergence),
}

/// One cluster of batch `t + 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextCluster {
    /// `Y`, local to batch `t + 1`.
    pub cluster: ClusterId,
    /// Its stable global id.
    pub lineage: LineageId,
    /// Number of members.
    pub n_members: usize,
    /// `w(Y)`.
    pub weight: f64,
    /// Survived, emerged or first batch.
    pub origin: Origin,
}

impl NextCluster {
    /// Whether it emerged (the first batch's clusters do not).
    pub fn is_emerged(&self) -> bool {
        matches!(self.origin, Origin::Emerged(_))
    }

    /// Whether it emerged as a novelty.
    pub fn is_novel(&self) -> bool {
        matches!(&self.origin, Origin::Emerged(e) if e.novelty == Novelty::Novel)
    }

    /// The re-identification, when it emerged and matched an earlier cluster.
    pub fn reidentification(&self) -> Option<&Reidentification> {
        match &self.origin {
            Origin::Emerged(Emergence { novelty: Novelty::Reidentified(r), .. }) => Some(r),
            _ => None,
        }
    }
}

/// Counts per transition kind, and of emerged, novel, re-identified and successor
/// clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TransitionCounts {
    /// Clusters of `t` that became inactive.
    pub inactive: usize,
    /// Clusters of `t` that disappeared.
    pub disappeared: usize,
    /// Clusters of `t` that split.
    pub split: usize,
    /// Clusters of `t` that survived.
    pub survived: usize,
    /// Clusters of `t` that were absorbed.
    pub absorbed: usize,
    /// Clusters of `t + 1` that emerged.
    pub emerged: usize,
    /// Emerged clusters that are novel.
    pub novel: usize,
    /// Emerged clusters that were re-identified.
    pub reidentified: usize,
    /// Re-identified clusters that took their old lineage back.
    pub restored: usize,
    /// Emerged clusters that continue split or absorbed clusters of `t`
    /// ([`Novelty::Successor`]).
    #[serde(default)]
    pub successors: usize,
}

/// The analysis of one pushed batch `t + 1` against the previous batch `t`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchAnalysis {
    /// The pushed batch, `t + 1`.
    pub batch: BatchId,
    /// The previous batch `t`, `None` for the first batch.
    pub previous: Option<BatchId>,
    /// One transition per cluster of `t`, in increasing id order.
    pub transitions: Vec<ClusterTransition>,
    /// One entry per cluster of `t + 1`, in increasing id order.
    pub clusters: Vec<NextCluster>,
    /// Counts over the two lists.
    pub counts: TransitionCounts,
}

impl BatchAnalysis {
    /// The transition of a cluster of `t`.
    pub fn transition(&self, cluster: ClusterId) -> Option<&ClusterTransition> {
        self.transitions.iter().find(|t| t.cluster == cluster)
    }

    /// The entry of a cluster of `t + 1`.
    pub fn cluster(&self, cluster: ClusterId) -> Option<&NextCluster> {
        self.clusters.iter().find(|c| c.cluster == cluster)
    }

    pub(crate) fn count(&mut self) {
        let mut c = TransitionCounts::default();
        for t in &self.transitions {
            match t.transition.kind() {
                TransitionKind::Inactive => c.inactive += 1,
                TransitionKind::Disappeared => c.disappeared += 1,
                TransitionKind::Split => c.split += 1,
                TransitionKind::Survived => c.survived += 1,
                TransitionKind::Absorbed => c.absorbed += 1,
            }
        }
        for y in &self.clusters {
            if let Origin::Emerged(e) = &y.origin {
                c.emerged += 1;
                match &e.novelty {
                    Novelty::Novel => c.novel += 1,
                    Novelty::Successor => c.successors += 1,
                    Novelty::Reidentified(r) => {
                        c.reidentified += 1;
                        c.restored += usize::from(r.restored);
                    }
                }
            }
        }
        self.counts = c;
    }
}
