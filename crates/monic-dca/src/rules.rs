//! The MONIC rules, one function each, with the formulas and the decisions taken where
//! the paper leaves a case open.
//!
//! Notation: `X` is a cluster of batch `t`, `Y` a cluster of batch `t + 1`, `N` the noise
//! of `t + 1`, `U` all members of `t + 1` (clusters and noise), `w(S)` the total weight of
//! a set (its size with unit weights). Weights of an intersection are taken from the
//! batch of the set in the denominator, so that `OL(X, ·)` shares add up over the
//! disjoint clusters of `t + 1`.
//!
//! These functions work on the summed weights of one cluster (an [`OverlapRow`]); the
//! [`crate::Tracker`] computes the rows with an index and calls them.

use std::collections::HashSet;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::partition::{ClusterId, Group, Partition};

/// Overlap `OL(X, Y) = w(X ∩ Y) / w(X)`: the share of `X`'s weight found in `Y`.
///
/// Not symmetric. Member weights are `X`'s. An empty `X` has overlap 0.
///
/// # Examples
///
/// `X = {a, b, c, d}`, `Y = {c, d, e}`: `OL(X, Y) = 2/4 = 0.5`, `OL(Y, X) = 2/3`.
///
/// ```
/// use monic_dca::{ClusterId, Partition, rules::overlap};
///
/// let p = Partition::from_clusters([(0u32, vec!['a', 'b', 'c', 'd'])], vec![])?;
/// let q = Partition::from_clusters([(0u32, vec!['c', 'd', 'e'])], vec![])?;
/// let (x, y) = (p.cluster(ClusterId(0)).unwrap(), q.cluster(ClusterId(0)).unwrap());
/// assert_eq!(overlap(x, y), 0.5);
/// assert_eq!(overlap(y, x), 2.0 / 3.0);
/// # Ok::<(), monic_dca::Error>(())
/// ```
pub fn overlap<M: Eq + Hash>(x: &Group<M>, y: &Group<M>) -> f64 {
    let y: HashSet<&M> = y.members().iter().collect();
    let shared: f64 = x
        .members()
        .iter()
        .enumerate()
        .filter(|(_, m)| y.contains(m))
        .map(|(i, _)| x.weight(i))
        .sum();
    ratio(shared, x.total_weight())
}

/// Activity `A(X) = Σ_{Y ∈ ζ_{t+1} ∪ {N}} OL(X, Y) = w(X ∩ U) / w(X)`: the share of `X`'s
/// weight present anywhere in the next batch, noise included.
///
/// # Examples
///
/// `X = {a, b, c, d}`, next batch `{a} ∪ {b}` plus noise `{c}`, `d` absent:
/// `A(X) = 1/4 + 1/4 + 1/4 = 0.75`.
pub fn activity<M: Eq + Hash>(x: &Group<M>, next: &Partition<M>) -> f64 {
    let present: HashSet<&M> =
        next.clusters().flat_map(|(_, g)| g.members()).chain(next.noise().members()).collect();
    let active: f64 = x
        .members()
        .iter()
        .enumerate()
        .filter(|(_, m)| present.contains(m))
        .map(|(i, _)| x.weight(i))
        .sum();
    ratio(active, x.total_weight())
}

/// Where the weight of one cluster `X` of batch `t` went in batch `t + 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverlapRow {
    /// `w(X)`.
    pub weight: f64,
    /// `w(X ∩ N)`, with `X`'s weights.
    pub to_noise: f64,
    /// For every cluster `Y` of `t + 1` sharing a member with `X`, in increasing id order.
    pub to_clusters: Vec<Flow>,
}

/// The part of `X` found in one cluster `Y` of the next batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flow {
    /// `Y`.
    pub cluster: ClusterId,
    /// `w(X ∩ Y)` with `X`'s weights (numerator of `OL(X, Y)`).
    pub forward: f64,
    /// `w(X ∩ Y)` with `Y`'s weights (numerator of `OL(Y, X)`).
    pub backward: f64,
    /// `w(Y)`.
    pub target_weight: f64,
}

impl OverlapRow {
    /// `w(X ∩ U)`: the weight of `X` present in the next batch.
    pub fn active_weight(&self) -> f64 {
        self.to_noise + self.to_clusters.iter().map(|f| f.forward).sum::<f64>()
    }

    /// `A(X)`, see [`activity`].
    pub fn activity(&self) -> f64 {
        ratio(self.active_weight(), self.weight)
    }

    /// `r(Y) = OL(X, Y) / A(X) = w(X ∩ Y) / w(X ∩ U)` for a flow of this row: the share
    /// of `X`'s active weight that went to `Y`. Computed with a single division so that
    /// a share equal to a threshold compares equal.
    pub fn share(&self, flow: &Flow) -> f64 {
        ratio(flow.forward, self.active_weight())
    }

    /// `r(N)`: the share of `X`'s active weight that went to noise.
    pub fn noise_share(&self) -> f64 {
        ratio(self.to_noise, self.active_weight())
    }
}

/// Why a cluster disappeared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DisappearanceCause {
    /// `r(N) ≥ τ0`: most of the active weight went to noise.
    IntoNoise,
    /// No cluster other than noise received `r ≥ τ1`: the members scattered.
    Scattered,
}

/// The outcome of [`decide`] for one cluster, before strong matches are resolved into
/// survivals and absorptions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Decision {
    /// `A(X) < τ1`.
    Inactive,
    /// See [`DisappearanceCause`].
    Disappeared(DisappearanceCause),
    /// No unique strong match, parts (`r ≥ τ1`, noise excluded) in increasing id order.
    Split(Vec<ClusterId>),
    /// `X` strongly matches exactly one cluster `Y`: `r(Y) ≥ τ0`.
    StrongMatch(ClusterId),
}

/// The transition decision for one cluster `X` of batch `t`, given τ0 and τ1.
///
/// In order, the first rule that applies wins:
///
/// 1. **Inactive** when `A(X) < τ1` (this includes `A(X) = 0`, where `r` is undefined).
/// 2. **Disappeared into noise** when `r(N) ≥ τ0`.
/// 3. **Strong match** with `Y` when exactly one cluster other than noise has `r(Y) ≥ τ0`;
///    [`resolve_strong_matches`] then makes it Survived or Absorbed.
/// 4. **Split** when at least one cluster other than noise has `r ≥ τ1`; the parts are
///    those clusters.
/// 5. **Disappeared, scattered** otherwise.
///
/// Thresholds are inclusive (`r = τ` counts as reaching `τ`), activity is strict
/// (`A(X) = τ1` is active).
///
/// # Decisions on open cases
///
/// - *Largest share to noise, below τ0, no other cluster at τ1.* `X` has 10 members, all
///   present: 5 in noise, 2 in `Y1`, 2 in `Y2`, 1 in `Y3`. `A = 1`, `r(N) = 0.5 < 0.65`,
///   the best cluster has `r = 0.2 < 0.3`: **Disappeared (scattered)**. The paper's
///   disappearance rule ("no cluster other than noise has r ≥ τ1") applies as written;
///   the noise share only decides the cause.
/// - *A split with a single part.* 10 members, all present: 5 in `Y1`, 4 in noise, 1 in
///   `Y2`. `r(Y1) = 0.5` is in `[τ1, τ0)`, `r(N) = 0.4 < τ0`: **Split into `[Y1]`**, as
///   the rule says "one other than noise has r ≥ τ1"; the rest is scattered or noise.
///   Noise is never a part.
/// - *Two strong matches (only possible with τ0 = 0.5).* 4 members: 2 in `Y1`, 2 in `Y2`:
///   `r = 0.5` each. No cluster is *the* strong match, so **Split into `[Y1, Y2]`**. With
///   2 in noise and 2 in `Y1`, rule 2 comes first: **Disappeared into noise**.
/// - *Partly absent.* Shares are taken over the active weight: 10 members, 6 absent,
///   3 in `Y`, 1 in noise: `A = 0.4 ≥ 0.3`, `r(Y) = 3/4 = 0.75 ≥ 0.65`: strong match
///   with `Y`, although `OL(X, Y) = 0.3`.
pub fn decide(row: &OverlapRow, match_threshold: f64, split_threshold: f64) -> Decision {
    if row.activity() < split_threshold || row.active_weight() <= 0.0 {
        return Decision::Inactive;
    }
    if row.noise_share() >= match_threshold {
        return Decision::Disappeared(DisappearanceCause::IntoNoise);
    }
    let strong: Vec<ClusterId> = row
        .to_clusters
        .iter()
        .filter(|f| row.share(f) >= match_threshold)
        .map(|f| f.cluster)
        .collect();
    if let [only] = strong[..] {
        return Decision::StrongMatch(only);
    }
    let parts: Vec<ClusterId> = row
        .to_clusters
        .iter()
        .filter(|f| row.share(f) >= split_threshold)
        .map(|f| f.cluster)
        .collect();
    if parts.is_empty() {
        Decision::Disappeared(DisappearanceCause::Scattered)
    } else {
        Decision::Split(parts)
    }
}

/// Resolves the clusters of `t` that strongly match one cluster `Y` of `t + 1` into
/// survivals and absorptions; returns `true` (survived) or `false` (absorbed) per input.
///
/// `candidates` holds `OL(Y, X)` for each `X` strongly matching `Y`.
///
/// - A single candidate **survives**, whatever `OL(Y, X)`.
/// - Among several, `X` **survives** when it holds at least τ0 of `Y`
///   (`OL(Y, X) ≥ τ0`), the others are **absorbed**.
///
/// # Decision on an open case
///
/// Since τ0 ≥ 0.5 and the candidates are disjoint, two of them can both hold τ0 of `Y`
/// only when τ0 = 0.5 and each holds exactly half. Then no candidate is *the* survivor:
/// **all are absorbed** and `Y` emerges, so that at most one cluster survives into `Y`.
/// Example with τ0 = 0.5: `Y = {a, b, c, d}`, `X1 = {a, b}`, `X2 = {c, d}`, both fully
/// in `Y`, `OL(Y, X1) = OL(Y, X2) = 0.5`: both absorbed.
pub fn resolve_strong_matches(candidates: &[f64], match_threshold: f64) -> Vec<bool> {
    if candidates.len() == 1 {
        return vec![true];
    }
    let holders = candidates.iter().filter(|&&b| b >= match_threshold).count();
    candidates.iter().map(|&b| holders == 1 && b >= match_threshold).collect()
}

/// How a survivor's size compares with its predecessor's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SizeChange {
    /// `w(Y)/w(X) - 1 > threshold`.
    Grew,
    /// `1 - w(Y)/w(X) > threshold`.
    Shrank,
    /// Within the threshold.
    Unchanged,
}

/// The size transition of a survivor: compares `w(Y) / w(X)` with `1 ± threshold`
/// (strictly: a change equal to the threshold is unchanged).
///
/// Example with threshold 0.1: `w(X) = 20`, `w(Y) = 23`: ratio 1.15, **grew**.
pub fn size_change(x_weight: f64, y_weight: f64, threshold: f64) -> SizeChange {
    let r = ratio(y_weight, x_weight);
    if r - 1.0 > threshold {
        SizeChange::Grew
    } else if 1.0 - r > threshold {
        SizeChange::Shrank
    } else {
        SizeChange::Unchanged
    }
}

/// Where an emerged cluster's weight came from, in its own weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProvenanceKind {
    /// Most of it was in the noise of batch `t`.
    Noise,
    /// Most of it was absent from batch `t`.
    Absent,
    /// Most of it came from clusters of batch `t` (pieces of them).
    Clusters,
}

/// The provenance of an emerged `Y`: the largest of its three sources,
/// `OL(Y, N_t)` (noise of `t`), `1 - OL(Y, U_t)` (absent from `t`) and
/// `Σ_X OL(Y, X)` (clusters of `t`).
///
/// "Mostly" is read as *the largest source*, so that every emerged cluster gets one
/// kind; ties go to noise, then absent, then clusters. The reference code labels only
/// `OL(Y, N_t) ≥ τ` (from noise) and `OL(Y, U_t) < τ_loose` (new senders) and leaves the
/// rest unlabelled; the three shares are reported, so either reading can be applied.
///
/// Example: `Y` has 10 members, 4 were noise, 3 absent, 2 in `X1`, 1 in `X2`: noise 0.4,
/// absent 0.3, clusters 0.3: **Noise**.
pub fn provenance_kind(from_noise: f64, from_absent: f64, from_clusters: f64) -> ProvenanceKind {
    if from_noise >= from_absent && from_noise >= from_clusters {
        ProvenanceKind::Noise
    } else if from_absent >= from_clusters {
        ProvenanceKind::Absent
    } else {
        ProvenanceKind::Clusters
    }
}

/// The backward test of novelty for a past cluster `X` and an emerged `Y`.
///
/// Without normalisation `OL(X, Y) = w(X ∩ Y) / w(X)` (the paper). With it,
/// `OL(X, Y) / A_{t+1}(X) = w(X ∩ Y) / w(X ∩ U_{t+1})`: the share of those members of
/// `X` that are active today found in `Y`, so that a cluster that comes back with part
/// of its members silent is still recognised. Weights are `X`'s.
///
/// Example: `X` had 10 members; today 4 are absent, 5 are in `Y`: `OL = 0.5` (below
/// 0.65), normalised `5/6 ≈ 0.83` (re-identified).
pub fn backward_overlap(shared: f64, x_weight: f64, x_active_weight: f64, normalise: bool) -> f64 {
    if normalise { ratio(shared, x_active_weight) } else { ratio(shared, x_weight) }
}

/// `num / den`, or 0 for an empty denominator.
pub(crate) fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 { num / den } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(weight: f64, to_noise: f64, flows: &[(u32, f64)]) -> OverlapRow {
        OverlapRow {
            weight,
            to_noise,
            to_clusters: flows
                .iter()
                .map(|&(c, w)| Flow {
                    cluster: ClusterId(c),
                    forward: w,
                    backward: w,
                    target_weight: 100.0,
                })
                .collect(),
        }
    }

    const T0: f64 = 0.65;
    const T1: f64 = 0.3;

    #[test]
    fn inactive_below_split_threshold_and_at_zero() {
        // 10 members, 2 present: A = 0.2 < 0.3.
        assert_eq!(decide(&row(10.0, 0.0, &[(1, 2.0)]), T0, T1), Decision::Inactive);
        // Nobody present: A = 0, r undefined.
        assert_eq!(decide(&row(10.0, 0.0, &[]), T0, T1), Decision::Inactive);
        // A = 3/10 = 0.3 exactly is active; r(Y1) = 1: strong match.
        assert_eq!(
            decide(&row(10.0, 0.0, &[(1, 3.0)]), T0, T1),
            Decision::StrongMatch(ClusterId(1))
        );
    }

    #[test]
    fn disappeared_into_noise_and_scattered() {
        // 20 present, 13 in noise: r(N) = 0.65 = τ0.
        let d = decide(&row(20.0, 13.0, &[(1, 7.0)]), T0, T1);
        assert_eq!(d, Decision::Disappeared(DisappearanceCause::IntoNoise));
        // Open case: 5 noise, 2/2/1 elsewhere: r(N) = 0.5, best cluster 0.2.
        let d = decide(&row(10.0, 5.0, &[(1, 2.0), (2, 2.0), (3, 1.0)]), T0, T1);
        assert_eq!(d, Decision::Disappeared(DisappearanceCause::Scattered));
    }

    #[test]
    fn split_including_single_part_and_tie() {
        // 10 present: 4 in Y1, 3 in Y2, 3 in Y3: r = 0.4, 0.3, 0.3.
        let d = decide(&row(10.0, 0.0, &[(1, 4.0), (2, 3.0), (3, 3.0)]), T0, T1);
        assert_eq!(d, Decision::Split(vec![ClusterId(1), ClusterId(2), ClusterId(3)]));
        // Single part: 5 in Y1, 4 noise, 1 in Y2.
        let d = decide(&row(10.0, 4.0, &[(1, 5.0), (2, 1.0)]), T0, T1);
        assert_eq!(d, Decision::Split(vec![ClusterId(1)]));
        // τ0 = 0.5 tie: 2 and 2.
        let d = decide(&row(4.0, 0.0, &[(1, 2.0), (2, 2.0)]), 0.5, T1);
        assert_eq!(d, Decision::Split(vec![ClusterId(1), ClusterId(2)]));
        // τ0 = 0.5, noise 2 and Y1 2: noise first.
        let d = decide(&row(4.0, 2.0, &[(1, 2.0)]), 0.5, T1);
        assert_eq!(d, Decision::Disappeared(DisappearanceCause::IntoNoise));
    }

    #[test]
    fn partly_absent_strong_match() {
        // 10 members, 6 absent, 3 in Y, 1 noise: A = 0.4, r(Y) = 0.75.
        let r = row(10.0, 1.0, &[(7, 3.0)]);
        assert!((r.activity() - 0.4).abs() < 1e-12);
        assert_eq!(decide(&r, T0, T1), Decision::StrongMatch(ClusterId(7)));
    }

    #[test]
    fn strong_match_resolution() {
        assert_eq!(resolve_strong_matches(&[0.1], T0), vec![true]);
        // Two candidates, one holds 0.7 of Y: it survives, the other is absorbed.
        assert_eq!(resolve_strong_matches(&[0.7, 0.3], T0), vec![true, false]);
        // Neither holds τ0: both absorbed.
        assert_eq!(resolve_strong_matches(&[0.5, 0.5], T0), vec![false, false]);
        // τ0 = 0.5 tie: both absorbed.
        assert_eq!(resolve_strong_matches(&[0.5, 0.5], 0.5), vec![false, false]);
    }

    #[test]
    fn size_change_and_provenance() {
        assert_eq!(size_change(20.0, 23.0, 0.1), SizeChange::Grew);
        assert_eq!(size_change(20.0, 17.0, 0.1), SizeChange::Shrank);
        assert_eq!(size_change(20.0, 21.0, 0.1), SizeChange::Unchanged);
        assert_eq!(provenance_kind(0.4, 0.3, 0.3), ProvenanceKind::Noise);
        assert_eq!(provenance_kind(0.2, 0.5, 0.3), ProvenanceKind::Absent);
        assert_eq!(provenance_kind(0.1, 0.2, 0.7), ProvenanceKind::Clusters);
        assert_eq!(provenance_kind(0.0, 0.5, 0.5), ProvenanceKind::Absent);
        assert_eq!(backward_overlap(5.0, 10.0, 6.0, false), 0.5);
        assert!((backward_overlap(5.0, 10.0, 6.0, true) - 5.0 / 6.0).abs() < 1e-15);
    }
}
