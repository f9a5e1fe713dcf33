//! Purity and label distribution of each cluster against a partial ground truth.
//!
//! In a telescope most senders have no ground-truth label. The DarkVec reports
//! list each cluster's classes with `unknown` as one class among the others,
//! and leave `unknown` out when they score classifiers. Both views are given
//! here:
//!
//! - [`ClusterPurity::majority_label`] and [`ClusterPurity::purity`] count
//!   [`Label::Unknown`] as a class, so a cluster of unlabelled senders has
//!   majority `Unknown` and purity 1;
//! - [`ClusterPurity::labelled_majority`] and
//!   [`ClusterPurity::labelled_purity`] look only at the labelled members, and
//!   are `None` for a cluster without any.
//!
//! Ties for the majority go to the smallest label in `Ord` order, with every
//! known label before `Unknown`. Noise points (cluster `-1`) are left out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::silhouette::NOISE;
use crate::{Error, Result};

/// A ground-truth label, or the lack of one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Label<L> {
    /// The point has this ground-truth label.
    Known(L),
    /// The point has no ground-truth label.
    Unknown,
}

impl<L> From<Option<L>> for Label<L> {
    fn from(label: Option<L>) -> Self {
        label.map_or(Self::Unknown, Self::Known)
    }
}

/// Purity and label distribution of one cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterPurity<L> {
    /// The cluster label.
    pub cluster: i32,
    /// Number of members.
    pub size: usize,
    /// Number of members with a ground-truth label.
    pub n_labelled: usize,
    /// The most frequent label, `Unknown` counted as a class.
    pub majority_label: Label<L>,
    /// Share of the members that carry `majority_label`, in `(0, 1]`.
    pub purity: f64,
    /// The most frequent label among labelled members, if any.
    pub labelled_majority: Option<L>,
    /// Share of the labelled members that carry `labelled_majority`, in
    /// `(0, 1]`; `None` when no member is labelled.
    pub labelled_purity: Option<f64>,
    /// Members per label, most frequent first (ties in label order).
    pub distribution: Vec<(Label<L>, usize)>,
}

/// Purity of every non-noise cluster, in ascending cluster order.
///
/// `labels[i]` is the cluster of point `i` (`-1` for noise, left out) and
/// `truth[i]` its ground-truth label, `None` if unknown.
///
/// Two views are reported. [`ClusterPurity::purity`] counts
/// [`Label::Unknown`] as a class, as the DarkVec cluster reports list it
/// beside the real classes: a cluster of unlabelled senders has majority
/// `Unknown` and purity 1. [`ClusterPurity::labelled_purity`] looks only at
/// labelled members, as DarkVec's classifier scores do, and is `None` for a
/// cluster without any. Ties for the majority go to the smallest label in
/// `Ord` order, every known label before `Unknown`.
///
/// # Errors
///
/// [`Error::Empty`] for no points, [`Error::LengthMismatch`] if `truth` does
/// not have one entry per point, [`Error::InvalidLabel`] for cluster labels
/// below -1.
pub fn purity<L: Ord + Clone>(
    labels: &[i32],
    truth: &[Option<L>],
) -> Result<Vec<ClusterPurity<L>>> {
    if labels.is_empty() {
        return Err(Error::Empty { what: "labels" });
    }
    if truth.len() != labels.len() {
        return Err(Error::LengthMismatch {
            what: "ground truth",
            expected: labels.len(),
            found: truth.len(),
        });
    }

    let mut counts: BTreeMap<i32, BTreeMap<Label<&L>, usize>> = BTreeMap::new();
    for (index, (&cluster, label)) in labels.iter().zip(truth).enumerate() {
        if cluster < NOISE {
            return Err(Error::InvalidLabel { index, label: cluster });
        }
        if cluster != NOISE {
            *counts.entry(cluster).or_default().entry(Label::from(label.as_ref())).or_default() +=
                1;
        }
    }
    Ok(counts.into_iter().map(|(cluster, counts)| summarise(cluster, counts)).collect())
}

/// The share of all non-noise points that carry their cluster's majority label
/// (`Unknown` counted as a class): the classic overall purity.
///
/// Returns `None` for an empty slice.
#[must_use]
pub fn overall_purity<L>(clusters: &[ClusterPurity<L>]) -> Option<f64> {
    let size: usize = clusters.iter().map(|c| c.size).sum();
    let majority: usize = clusters.iter().map(|c| c.distribution.first().map_or(0, |d| d.1)).sum();
    (size > 0).then(|| majority as f64 / size as f64)
}

fn summarise<L: Ord + Clone>(cluster: i32, counts: BTreeMap<Label<&L>, usize>) -> ClusterPurity<L> {
    let mut distribution: Vec<(Label<L>, usize)> = counts
        .into_iter()
        .map(|(label, count)| {
            let label = match label {
                Label::Known(l) => Label::Known(l.clone()),
                Label::Unknown => Label::Unknown,
            };
            (label, count)
        })
        .collect();
    // Stable sort: equal counts stay in label order.
    distribution.sort_by_key(|d| std::cmp::Reverse(d.1));

    let size: usize = distribution.iter().map(|d| d.1).sum();
    let n_unknown = distribution.iter().find(|d| d.0 == Label::Unknown).map_or(0, |d| d.1);
    let n_labelled = size - n_unknown;
    let (majority_label, majority) = distribution[0].clone();
    let labelled = distribution.iter().find_map(|(label, count)| match label {
        Label::Known(l) => Some((l.clone(), *count)),
        Label::Unknown => None,
    });
    ClusterPurity {
        cluster,
        size,
        n_labelled,
        majority_label,
        purity: majority as f64 / size as f64,
        labelled_purity: labelled.as_ref().map(|(_, count)| *count as f64 / n_labelled as f64),
        labelled_majority: labelled.map(|(label, _)| label),
        distribution,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_views_by_hand() -> Result<()> {
        // Cluster 0: mirai x2, censys x1, unknown x3 -> majority Unknown 3/6,
        // labelled majority mirai 2/3. Cluster 1: unknown x2 -> Unknown 2/2,
        // no labelled view. Noise is left out.
        let labels = [0, 0, 0, 0, 0, 0, 1, 1, -1];
        let truth = [
            Some("mirai"),
            None,
            Some("censys"),
            None,
            Some("mirai"),
            None,
            None,
            None,
            Some("shodan"),
        ];
        let p = purity(&labels, &truth)?;
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].majority_label, Label::Unknown);
        assert_eq!(p[0].purity, 0.5);
        assert_eq!(p[0].labelled_majority, Some("mirai"));
        assert_eq!(p[0].labelled_purity, Some(2.0 / 3.0));
        assert_eq!(p[0].n_labelled, 3);
        assert_eq!(
            p[0].distribution,
            [(Label::Unknown, 3), (Label::Known("mirai"), 2), (Label::Known("censys"), 1)]
        );
        assert_eq!(p[1].purity, 1.0);
        assert_eq!(p[1].labelled_purity, None);
        // Overall: (3 + 2) / 8.
        assert_eq!(overall_purity(&p), Some(5.0 / 8.0));
        Ok(())
    }

    #[test]
    fn ties_go_to_the_smallest_label_then_known_before_unknown() -> Result<()> {
        let p = purity(&[4, 4, 4, 4], &[Some(2), Some(1), None, Some(1)])?;
        assert_eq!(p[0].majority_label, Label::Known(1));
        let p = purity(&[4, 4], &[None, Some(9)])?;
        assert_eq!(p[0].majority_label, Label::Known(9));
        Ok(())
    }

    #[test]
    fn errors_on_bad_input() {
        let none: [Option<u8>; 0] = [];
        assert_eq!(purity(&[], &none), Err(Error::Empty { what: "labels" }));
        assert_eq!(
            purity(&[0, 1], &[Some(1u8)]),
            Err(Error::LengthMismatch { what: "ground truth", expected: 2, found: 1 })
        );
        assert_eq!(
            purity(&[0, -2], &[Some(1u8), None]),
            Err(Error::InvalidLabel { index: 1, label: -2 })
        );
    }
}
