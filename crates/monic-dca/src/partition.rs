//! One batch's partition: clusters plus the noise cluster, with optional member weights.

use std::collections::{BTreeMap, HashSet};
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Local id of a cluster within one batch (the clustering's label; noise has none).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct ClusterId(pub u32);

impl From<u32> for ClusterId {
    fn from(value: u32) -> Self {
        Self(value)
    }
}

impl std::fmt::Display for ClusterId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Id of a batch (a day at the CLI edge). Batch ids must increase from push to push;
/// look-back lags are differences of batch ids.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct BatchId(pub u64);

impl From<u64> for BatchId {
    fn from(value: u64) -> Self {
        Self(value)
    }
}

impl std::fmt::Display for BatchId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The members of one cluster (or of the noise), with their weights when weighted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group<M> {
    members: Vec<M>,
    weights: Option<Vec<f64>>,
}

impl<M> Group<M> {
    fn empty(weighted: bool) -> Self {
        Self { members: Vec::new(), weights: weighted.then(Vec::new) }
    }

    fn push(&mut self, member: M, weight: f64) {
        self.members.push(member);
        if let Some(w) = &mut self.weights {
            w.push(weight);
        }
    }

    /// The members, in input order.
    pub fn members(&self) -> &[M] {
        &self.members
    }

    /// The weight of the `i`-th member (1 when the partition is unweighted).
    pub fn weight(&self, i: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[i])
    }

    /// The weights, `None` for unit weights.
    pub fn weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether the group has no member.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The total weight `w(X) = Σ_{m ∈ X} w(m)` (the size for unit weights).
    pub fn total_weight(&self) -> f64 {
        self.weights.as_ref().map_or(self.members.len() as f64, |w| w.iter().sum())
    }
}

/// One batch's partition ζ_t: clusters keyed by [`ClusterId`] plus the noise cluster.
///
/// Every member belongs to exactly one cluster or to the noise; a member absent from the
/// batch is simply not in the partition. Members may carry a weight (finite, positive);
/// an unweighted partition counts every member once, which is the paper's setting.
///
/// # Examples
///
/// ```
/// use monic_dca::{ClusterId, Partition};
///
/// let p = Partition::from_labels([("a", Some(0)), ("b", Some(0)), ("c", None)])?;
/// assert_eq!(p.n_clusters(), 1);
/// assert_eq!(p.cluster(ClusterId(0)).map(|g| g.len()), Some(2));
/// assert_eq!(p.noise().len(), 1);
/// # Ok::<(), monic_dca::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partition<M> {
    clusters: BTreeMap<ClusterId, Group<M>>,
    noise: Group<M>,
    weighted: bool,
}

impl<M: Clone + Eq + Hash> Partition<M> {
    /// Builds an unweighted partition from `(member, label)` pairs; `None` is noise.
    ///
    /// # Errors
    ///
    /// [`Error::DuplicateMember`] when a member appears twice.
    pub fn from_labels<L: Into<ClusterId>>(
        labels: impl IntoIterator<Item = (M, Option<L>)>,
    ) -> Result<Self> {
        Self::build(false, labels.into_iter().map(|(m, l)| (m, l.map(Into::into), 1.0)))
    }

    /// Builds a weighted partition from `(member, label, weight)` triples.
    ///
    /// # Errors
    ///
    /// [`Error::DuplicateMember`] when a member appears twice, [`Error::InvalidWeight`]
    /// when a weight is not finite and positive.
    pub fn from_weighted_labels<L: Into<ClusterId>>(
        labels: impl IntoIterator<Item = (M, Option<L>, f64)>,
    ) -> Result<Self> {
        Self::build(true, labels.into_iter().map(|(m, l, w)| (m, l.map(Into::into), w)))
    }

    /// Builds an unweighted partition from whole clusters and the noise members.
    /// Empty clusters are dropped.
    ///
    /// # Errors
    ///
    /// [`Error::DuplicateMember`] when a member appears twice (positions count the
    /// clusters' members in order, then the noise).
    pub fn from_clusters<L: Into<ClusterId>>(
        clusters: impl IntoIterator<Item = (L, Vec<M>)>,
        noise: Vec<M>,
    ) -> Result<Self> {
        let labelled = clusters
            .into_iter()
            .flat_map(|(l, ms)| {
                let l = l.into();
                ms.into_iter().map(move |m| (m, Some(l), 1.0))
            })
            .chain(noise.into_iter().map(|m| (m, None, 1.0)));
        Self::build(false, labelled)
    }

    fn build(
        weighted: bool,
        items: impl Iterator<Item = (M, Option<ClusterId>, f64)>,
    ) -> Result<Self> {
        let mut seen = HashSet::new();
        let mut clusters: BTreeMap<ClusterId, Group<M>> = BTreeMap::new();
        let mut noise = Group::empty(weighted);
        for (position, (member, label, weight)) in items.enumerate() {
            if !(weight.is_finite() && weight > 0.0) {
                return Err(Error::InvalidWeight { position, weight });
            }
            if !seen.insert(member.clone()) {
                return Err(Error::DuplicateMember { position });
            }
            let group = match label {
                Some(id) => clusters.entry(id).or_insert_with(|| Group::empty(weighted)),
                None => &mut noise,
            };
            group.push(member, weight);
        }
        Ok(Self { clusters, noise, weighted })
    }
}

impl<M> Partition<M> {
    /// Number of clusters, noise excluded.
    pub fn n_clusters(&self) -> usize {
        self.clusters.len()
    }

    /// Number of members, noise included.
    pub fn n_members(&self) -> usize {
        self.noise.len() + self.clusters.values().map(Group::len).sum::<usize>()
    }

    /// The cluster with this id, if any.
    pub fn cluster(&self, id: ClusterId) -> Option<&Group<M>> {
        self.clusters.get(&id)
    }

    /// The clusters in increasing id order.
    pub fn clusters(&self) -> impl ExactSizeIterator<Item = (ClusterId, &Group<M>)> {
        self.clusters.iter().map(|(id, g)| (*id, g))
    }

    /// The noise cluster (possibly empty).
    pub fn noise(&self) -> &Group<M> {
        &self.noise
    }

    /// Whether the partition was built with explicit weights.
    pub fn is_weighted(&self) -> bool {
        self.weighted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_member_is_rejected_with_position() {
        let r = Partition::from_labels([(1, Some(0u32)), (2, None), (1, Some(1))]);
        assert_eq!(r, Err(Error::DuplicateMember { position: 2 }));
        let r = Partition::from_clusters([(0u32, vec![1, 2])], vec![2]);
        assert_eq!(r, Err(Error::DuplicateMember { position: 2 }));
    }

    #[test]
    fn bad_weights_are_rejected() {
        for w in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let r = Partition::from_weighted_labels([(1, Some(0u32), 1.0), (2, None, w)]);
            assert!(matches!(r, Err(Error::InvalidWeight { position: 1, .. })), "{w}");
        }
    }

    #[test]
    fn groups_and_totals() -> Result<()> {
        let p = Partition::from_weighted_labels([
            ("a", Some(3u32), 2.0),
            ("b", Some(1), 1.5),
            ("c", Some(3), 0.5),
            ("d", None, 4.0),
        ])?;
        let ids: Vec<_> = p.clusters().map(|(id, _)| id).collect();
        assert_eq!(ids, vec![ClusterId(1), ClusterId(3)]);
        assert_eq!(p.cluster(ClusterId(3)).map(Group::total_weight), Some(2.5));
        assert_eq!(p.noise().total_weight(), 4.0);
        assert_eq!(p.n_members(), 4);
        assert!(p.is_weighted());
        let q = Partition::from_clusters([(0u32, vec!["x"]), (2, vec![])], vec![])?;
        assert_eq!(q.n_clusters(), 1);
        assert_eq!(q.cluster(ClusterId(0)).map(Group::total_weight), Some(1.0));
        Ok(())
    }
}
