//! Silhouette coefficients without the n-by-n distance matrix.
//!
//! For a scored point `i` in cluster `C`, `a(i)` is its mean distance to the
//! other members of `C` and `b(i)` the smallest mean distance to the members of
//! another cluster; `s(i) = (b(i) - a(i)) / max(a(i), b(i))`. The conventions
//! (scikit-learn's) are listed in the crate documentation. Each metric module
//! computes `a(i)` and `b(i)`; this module validates input, groups points by
//! cluster and turns `a`, `b` into coefficients and means.

mod cosine;
mod euclidean;
mod precomputed;

use std::collections::BTreeMap;

use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{Element, Error, Result};

/// The label HDBSCAN gives to points that belong to no cluster.
pub const NOISE: i32 = -1;

/// The distance used by the silhouette.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Metric {
    /// `1 - cos(x, y)`, as scikit-learn's `metric="cosine"`. Zero vectors are
    /// rejected. Exact, in `O(n * k * d)` time for `k` clusters.
    Cosine,
    /// The euclidean distance. Exact, in `O(n^2 * d)` time and `O(n * k)` memory.
    Euclidean,
    /// The input is an `n x n` matrix of distances (scikit-learn's
    /// `metric="precomputed"`).
    Precomputed,
}

/// What to do with points labelled [`NOISE`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum NoiseHandling {
    /// Leave noise points out entirely (the default, as the analysis of
    /// telescope clusters does).
    #[default]
    Exclude,
    /// Treat the noise points as one more cluster with label `-1`.
    AsCluster,
}

/// Settings of a silhouette computation.
///
/// Every combination of settings is valid, so there is nothing to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SilhouetteParams {
    metric: Metric,
    noise: NoiseHandling,
}

impl SilhouetteParams {
    /// Settings for `metric`, with noise excluded.
    #[must_use]
    pub fn new(metric: Metric) -> Self {
        Self { metric, noise: NoiseHandling::Exclude }
    }

    /// Sets how noise points are treated (default [`NoiseHandling::Exclude`]).
    #[must_use]
    pub fn noise(mut self, noise: NoiseHandling) -> Self {
        self.noise = noise;
        self
    }

    /// The metric.
    #[must_use]
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// The noise handling.
    #[must_use]
    pub fn noise_handling(&self) -> NoiseHandling {
        self.noise
    }

    /// Computes the silhouette of `labels` on the points `x`.
    ///
    /// `x` holds one point per row, or for [`Metric::Precomputed`] the square
    /// matrix of distances between points.
    ///
    /// # Errors
    ///
    /// [`Error::Empty`] for no points or no columns, [`Error::LengthMismatch`]
    /// if `labels` does not have one entry per point, [`Error::InvalidLabel`] for
    /// labels below -1, [`Error::NonFinite`] for NaN or infinite entries,
    /// [`Error::ZeroVector`] for a zero row under the cosine metric,
    /// [`Error::NotSquare`], [`Error::NonZeroDiagonal`] and
    /// [`Error::NegativeDistance`] for a bad precomputed matrix, and
    /// [`Error::ClusterCount`] if the scored points form fewer than 2 clusters
    /// or only singletons.
    pub fn compute<T: Element>(&self, x: ArrayView2<'_, T>, labels: &[i32]) -> Result<Silhouette> {
        check_shape(x, labels, self.metric)?;
        check_finite(x)?;
        let clusters = Clusters::new(labels, self.noise)?;
        let scores = match self.metric {
            Metric::Cosine => cosine::intra_inter(x, &clusters)?,
            Metric::Euclidean => euclidean::intra_inter(x, &clusters),
            Metric::Precomputed => precomputed::intra_inter(x, &clusters)?,
        };
        Ok(clusters.finish(&scores, labels.len()))
    }
}

/// Computes the silhouette of `labels` on `x` with noise left out.
///
/// Shorthand for `SilhouetteParams::new(metric).compute(x, labels)`.
///
/// # Errors
///
/// As [`SilhouetteParams::compute`].
pub fn silhouette<T: Element>(
    x: ArrayView2<'_, T>,
    labels: &[i32],
    metric: Metric,
) -> Result<Silhouette> {
    SilhouetteParams::new(metric).compute(x, labels)
}

/// The silhouette of a clustering: per point, per cluster and overall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Silhouette {
    /// `s(i)` for every input point, in input order; `None` for the points
    /// that were not scored (noise under [`NoiseHandling::Exclude`]).
    pub samples: Vec<Option<f64>>,
    /// Mean `s(i)` over the members of each cluster, keyed by cluster label.
    pub per_cluster: BTreeMap<i32, f64>,
    /// Mean `s(i)` over all scored points (scikit-learn's `silhouette_score`).
    pub score: f64,
    /// Number of scored points.
    pub n_scored: usize,
}

impl Silhouette {
    /// Number of clusters that were scored.
    #[must_use]
    pub fn n_clusters(&self) -> usize {
        self.per_cluster.len()
    }
}

/// The mean distance of one point to its own cluster (`NaN` when it is alone)
/// and the smallest mean distance to another cluster.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IntraInter {
    pub(crate) a: f64,
    pub(crate) b: f64,
}

impl IntraInter {
    /// The coefficient with scikit-learn's conventions: `0` when `a` is
    /// undefined (singleton) or when `a = b = 0`.
    fn coefficient(self) -> f64 {
        if self.a.is_nan() {
            return 0.0;
        }
        // Rounding can push a mean cosine distance a hair below zero; distances
        // are non-negative, so clamp before dividing.
        let (a, b) = (self.a.max(0.0), self.b.max(0.0));
        let m = a.max(b);
        if m == 0.0 { 0.0 } else { (b - a) / m }
    }
}

/// The scored points grouped by cluster.
///
/// Scored points are listed cluster by cluster (clusters in ascending label
/// order, points in input order within a cluster), so that each cluster is one
/// contiguous range of positions.
pub(crate) struct Clusters {
    /// Input row of each scored point.
    pub(crate) rows: Vec<usize>,
    /// Dense cluster index of each scored point (non-decreasing).
    pub(crate) of: Vec<usize>,
    /// Cluster `c` occupies positions `starts[c]..starts[c + 1]`.
    pub(crate) starts: Vec<usize>,
    /// Original label of each dense cluster index.
    labels: Vec<i32>,
}

impl Clusters {
    fn new(labels: &[i32], noise: NoiseHandling) -> Result<Self> {
        let mut members: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
        for (index, &label) in labels.iter().enumerate() {
            if label < NOISE {
                return Err(Error::InvalidLabel { index, label });
            }
            if label == NOISE && noise == NoiseHandling::Exclude {
                continue;
            }
            members.entry(label).or_default().push(index);
        }

        let n_samples: usize = members.values().map(Vec::len).sum();
        let n_clusters = members.len();
        if n_clusters < 2 || n_clusters >= n_samples {
            return Err(Error::ClusterCount { n_clusters, n_samples });
        }

        let mut clusters = Self {
            rows: Vec::with_capacity(n_samples),
            of: Vec::with_capacity(n_samples),
            starts: vec![0],
            labels: Vec::with_capacity(n_clusters),
        };
        for (c, (label, rows)) in members.into_iter().enumerate() {
            clusters.of.extend(std::iter::repeat_n(c, rows.len()));
            clusters.rows.extend(rows);
            clusters.starts.push(clusters.rows.len());
            clusters.labels.push(label);
        }
        Ok(clusters)
    }

    pub(crate) fn n_clusters(&self) -> usize {
        self.labels.len()
    }

    pub(crate) fn size(&self, c: usize) -> usize {
        self.starts[c + 1] - self.starts[c]
    }

    /// Turns the per-position `a`, `b` values into the public result.
    fn finish(&self, scores: &[IntraInter], n_points: usize) -> Silhouette {
        let mut samples = vec![None; n_points];
        let mut per_cluster = BTreeMap::new();
        for (c, &label) in self.labels.iter().enumerate() {
            let range = self.starts[c]..self.starts[c + 1];
            let mut sum = 0.0;
            for p in range {
                let s = scores[p].coefficient();
                samples[self.rows[p]] = Some(s);
                sum += s;
            }
            per_cluster.insert(label, sum / self.size(c) as f64);
        }
        // Sum in input order, as scikit-learn's mean does.
        let total: f64 = samples.iter().flatten().sum();
        let n_scored = self.rows.len();
        Silhouette { samples, per_cluster, score: total / n_scored as f64, n_scored }
    }
}

fn check_shape<T>(x: ArrayView2<'_, T>, labels: &[i32], metric: Metric) -> Result<()> {
    let (rows, columns) = x.dim();
    if rows == 0 {
        return Err(Error::Empty { what: "points" });
    }
    if columns == 0 {
        return Err(Error::Empty { what: "dimensions" });
    }
    if metric == Metric::Precomputed && rows != columns {
        return Err(Error::NotSquare { rows, columns });
    }
    if labels.len() != rows {
        return Err(Error::LengthMismatch { what: "labels", expected: rows, found: labels.len() });
    }
    Ok(())
}

fn check_finite<T: Element>(x: ArrayView2<'_, T>) -> Result<()> {
    let first_bad = x
        .outer_iter()
        .into_par_iter()
        .enumerate()
        .filter_map(|(row, values)| {
            let bad = |(column, value): (usize, f64)| {
                (!value.is_finite()).then_some(Error::NonFinite { row, column, value })
            };
            match values.as_slice() {
                // Fast path: a contiguous row that is all finite.
                Some(slice) if all_finite(slice) => None,
                _ => values.iter().map(|v| v.to_f64()).enumerate().find_map(bad),
            }
        })
        .min_by_key(|e| match e {
            Error::NonFinite { row, .. } => *row,
            _ => usize::MAX,
        });
    first_bad.map_or(Ok(()), Err)
}

/// `a . b` with eight independent partial sums, so that the loop vectorises
/// and is not bound by the latency of one chain of additions.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    const LANES: usize = 8;
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f64 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    let mut lanes = [0.0f64; LANES];
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES {
            lanes[l] += x[l] * y[l];
        }
    }
    lanes.iter().sum::<f64>() + tail
}

/// `sum of v^2` in `f64` with eight independent partial sums (see [`dot`]).
pub(crate) fn sum_squares<T: Element>(values: &[T]) -> f64 {
    const LANES: usize = 8;
    let chunks = values.chunks_exact(LANES);
    let tail: f64 = chunks.remainder().iter().map(|v| v.to_f64() * v.to_f64()).sum();
    let mut lanes = [0.0f64; LANES];
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane += v.to_f64() * v.to_f64();
        }
    }
    lanes.iter().sum::<f64>() + tail
}

/// Whether every value is finite, in a form that vectorises: `v * 0` is 0
/// for a finite `v` and NaN otherwise, and NaN survives any sum.
fn all_finite<T: Element>(values: &[T]) -> bool {
    const LANES: usize = 8;
    let chunks = values.chunks_exact(LANES);
    let tail = chunks.remainder().iter().all(|v| v.to_f64().is_finite());
    let mut lanes = [0.0f64; LANES];
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane += v.to_f64() * 0.0;
        }
    }
    tail && lanes.iter().all(|&lane| lane == 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coefficient_follows_scikit_learn_conventions() {
        // Singleton: a is undefined, s = 0.
        assert_eq!(IntraInter { a: f64::NAN, b: 0.7 }.coefficient(), 0.0);
        // Duplicates everywhere: a = b = 0, s = 0.
        assert_eq!(IntraInter { a: 0.0, b: 0.0 }.coefficient(), 0.0);
        // a = 0.2, b = 0.8: s = 0.6 / 0.8 = 0.75.
        assert!((IntraInter { a: 0.2, b: 0.8 }.coefficient() - 0.75).abs() < 1e-15);
        // a = 0.8, b = 0.2: s = -0.6 / 0.8 = -0.75.
        assert!((IntraInter { a: 0.8, b: 0.2 }.coefficient() + 0.75).abs() < 1e-15);
        // A mean cosine distance rounded below zero is clamped: s = 1.
        assert_eq!(IntraInter { a: -1e-17, b: 0.5 }.coefficient(), 1.0);
    }

    #[test]
    fn dot_matches_a_plain_sum() {
        for n in 0..30 {
            let a: Vec<f64> = (0..n).map(|i| f64::from(i) * 0.5 - 3.0).collect();
            let b: Vec<f64> = (0..n).map(|i| f64::from(i % 7) + 0.25).collect();
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            // Small integers and halves: every partial sum is exact.
            assert_eq!(dot(&a, &b), plain, "n = {n}");
        }
    }

    #[test]
    fn all_finite_sees_every_position() {
        for n in 0..20 {
            let mut values = vec![1.5f32; n];
            assert!(all_finite(&values));
            for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                for i in 0..n {
                    values[i] = bad;
                    assert!(!all_finite(&values), "n = {n}, {bad} at {i}");
                    values[i] = 1.5;
                }
            }
        }
    }

    #[test]
    fn clusters_group_members_in_label_order() -> Result<()> {
        let clusters = Clusters::new(&[5, -1, 2, 5, 2, 2], NoiseHandling::Exclude)?;
        assert_eq!(clusters.rows, [2, 4, 5, 0, 3]);
        assert_eq!(clusters.of, [0, 0, 0, 1, 1]);
        assert_eq!(clusters.starts, [0, 3, 5]);
        assert_eq!(clusters.labels, [2, 5]);

        let with_noise = Clusters::new(&[5, -1, 2, 5, 2, 2], NoiseHandling::AsCluster)?;
        assert_eq!(with_noise.labels, [-1, 2, 5]);
        assert_eq!(with_noise.rows, [1, 2, 4, 5, 0, 3]);
        Ok(())
    }

    #[test]
    fn cluster_count_limits() {
        // One cluster after removing noise.
        assert_eq!(
            Clusters::new(&[0, 0, -1], NoiseHandling::Exclude).err(),
            Some(Error::ClusterCount { n_clusters: 1, n_samples: 2 })
        );
        // Only singletons: n_clusters == n_samples.
        assert_eq!(
            Clusters::new(&[0, 1, 2], NoiseHandling::Exclude).err(),
            Some(Error::ClusterCount { n_clusters: 3, n_samples: 3 })
        );
        // Only noise.
        assert_eq!(
            Clusters::new(&[-1, -1], NoiseHandling::Exclude).err(),
            Some(Error::ClusterCount { n_clusters: 0, n_samples: 0 })
        );
        assert_eq!(
            Clusters::new(&[0, -3], NoiseHandling::Exclude).err(),
            Some(Error::InvalidLabel { index: 1, label: -3 })
        );
    }
}
