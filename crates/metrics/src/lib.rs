//! Cluster quality for darkdca: silhouette, purity and partition agreement.
//!
//! This crate judges one clustering of sender embeddings. It is used by the
//! pipeline's per-batch report and by the evaluation against planted truth.
//!
//! - [`silhouette`] / [`SilhouetteParams`]: the silhouette coefficient of every
//!   point, the mean of every cluster and the overall score, for the
//!   [`Metric::Cosine`], [`Metric::Euclidean`] and [`Metric::Precomputed`]
//!   distances. Results equal scikit-learn's `silhouette_samples` and
//!   `silhouette_score` (tested to 1e-6 on stored fixtures). Noise (label `-1`)
//!   is left out unless [`NoiseHandling::AsCluster`] is chosen.
//! - [`purity`]: majority label, purity and label distribution of every
//!   cluster against a ground truth that labels only some points.
//! - [`adjusted_rand_index`], [`normalized_mutual_info`],
//!   [`adjusted_mutual_info`]: agreement between two partitions, equal to
//!   scikit-learn's scores with its default (arithmetic) normalisation.
//! - [`window_support`]: how much of each cluster the batch's own sequences
//!   hold together (members within a skip-gram window of each other), to
//!   tell a group that still acts together from one kept only by an
//!   incremental model's memory.
//!
//! # Example
//!
//! ```
//! use darkdca_metrics::{Metric, adjusted_rand_index, purity, silhouette};
//! use ndarray::array;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Two tight groups of directions and one noise point.
//! let embeddings = array![
//!     [1.0f32, 0.1],
//!     [1.0, 0.0],
//!     [0.0, 1.0],
//!     [0.1, 1.0],
//!     [-1.0, -1.0],
//! ];
//! let labels = [0, 0, 1, 1, -1];
//! let sil = silhouette(embeddings.view(), &labels, Metric::Cosine)?;
//! assert!(sil.score > 0.8);
//! assert_eq!(sil.samples[4], None); // noise is not scored
//! assert_eq!(sil.per_cluster.len(), 2);
//!
//! let truth = [Some("mirai"), Some("mirai"), None, Some("censys"), None];
//! let report = purity(&labels, &truth)?;
//! assert_eq!(report[0].purity, 1.0);
//!
//! assert_eq!(adjusted_rand_index(&labels, &[7, 7, 3, 3, 9])?, 1.0);
//! # Ok(())
//! # }
//! ```
//!
//! # Silhouette conventions
//!
//! For a scored point `i` in cluster `C`, `a(i)` is its mean distance to the
//! other members of `C`, `b(i)` the smallest mean distance to the members of
//! another cluster, and `s(i) = (b(i) - a(i)) / max(a(i), b(i))`. The rules are
//! those of scikit-learn's `silhouette_samples` and `silhouette_score` (1.x),
//! applied to the scored points:
//!
//! - a point alone in its cluster gets `s(i) = 0`, and so does a point with
//!   `a(i) = b(i) = 0` (for example when all points are copies of each other);
//! - the scored points must form between 2 and `n_samples - 1` clusters, else
//!   [`Error::ClusterCount`]: a single cluster, or only singletons, has no
//!   silhouette (scikit-learn raises `ValueError` there);
//! - a precomputed matrix must have a zero diagonal, within 100 machine
//!   epsilons of its element type, and no negative entry;
//! - the score is the mean of `s(i)` over the scored points, and a cluster's
//!   value the mean over its members (singletons included, with their 0).
//!
//! Noise points (label [`NOISE`], `-1`) are left out by default: they get no
//! coefficient, are nobody's neighbours and are not a cluster, which equals
//! scikit-learn on the non-noise rows. [`NoiseHandling::AsCluster`] scores
//! them as one more cluster instead, which is what the NovTrack reference code
//! gets by passing HDBSCAN's labels unchanged to scikit-learn. Labels below
//! `-1` are rejected.
//!
//! # Main types
//!
//! - [`SilhouetteParams`] ([`Metric`], [`NoiseHandling`]) in, [`Silhouette`]
//!   out: `samples` per input point (`None` for noise), `per_cluster` means
//!   keyed by cluster label, the overall `score`.
//! - [`ClusterPurity`] per cluster, with ground-truth labels as [`Label`]
//!   (`Known` or `Unknown`); [`overall_purity`] sums them up.
//! - [`AverageMethod`] chooses the normalisation of NMI and AMI.
//! - [`Element`]: the input element types, `f32` and `f64`.
//! - [`Error`]: one enum for every bad input.
//!
//! Labels are `i32` cluster ids as produced by HDBSCAN, with [`NOISE`] (`-1`)
//! for noise; the agreement scores accept any hashable label type.
//!
//! # How the silhouette stays fast
//!
//! The `n x n` distance matrix is never built. Under the cosine metric the mean
//! distance from a point to a cluster is `1 - u . S / |C|`, with `u` the point's
//! unit vector and `S` the sum of the cluster's unit vectors, so one product of
//! the unit vectors with the `k` cluster sums gives every `a(i)` and `b(i)`
//! exactly, in `O(n k d)` time and `O(k d)` memory besides the input. That
//! product runs in `f32` with a proven error bound and only selects the
//! nearest other cluster; the point's own cluster and every candidate are then
//! recomputed in `f64`, so the result is the `f64` result. The euclidean metric
//! has no such shortcut: it uses blocked `f64` matrix products
//! (`|x|^2 + |y|^2 - 2 x . y`, recomputed directly where this cancels) in
//! `O(n^2 d)` time and `O(n k)` memory. The products run on both cores through
//! ndarray's `matrixmultiply-threading` feature, the per-point work through
//! rayon. Scores are computed in `f64` for `f32` input as well, and do not
//! depend on the number of threads.
//!
//! On this project's 2-core machine (docs/benchmarks/metrics.md) the cosine
//! silhouette of 50,000 embeddings of 200 dimensions in 600 clusters takes
//! about 0.9 s under heavy load (scikit-learn: about 170 s and 1.5 GiB in the
//! same sitting), using about 17 MB beyond the input.
//!
//! # Limitations
//!
//! - Sub-sampling (scikit-learn's `sample_size`) is not offered: the exact
//!   score is cheap enough.
//! - The euclidean silhouette is quadratic in the number of points (about
//!   `2 n^2 d` flops), about as fast as scikit-learn's; `f64` coordinates
//!   beyond about `1e154` overflow its squared norms.
//! - Agreement scores reject empty input, where scikit-learn returns 1.
//! - The expected mutual information behind AMI costs up to `O(R C n)` for
//!   `R` and `C` groups (0.4 s for 50,000 points in 600 x 500 groups).
//!
//! # References
//!
//! - P. J. Rousseeuw, "Silhouettes: a graphical aid to the interpretation and
//!   validation of cluster analysis", J. Comput. Appl. Math. 20, 1987.
//! - L. Hubert and P. Arabie, "Comparing partitions", J. Classification 2, 1985.
//! - N. X. Vinh, J. Epps and J. Bailey, "Information theoretic measures for
//!   clusterings comparison", JMLR 11, 2010.
//! - scikit-learn, `sklearn.metrics.cluster` (silhouette, ARI, NMI, AMI): the
//!   conventions followed here.

mod agreement;
mod element;
mod error;
mod purity;
mod silhouette;
mod special;
mod support;

pub use agreement::{
    AverageMethod, adjusted_mutual_info, adjusted_mutual_info_with, adjusted_rand_index,
    normalized_mutual_info, normalized_mutual_info_with,
};
pub use element::Element;
pub use error::{Error, Result};
pub use purity::{ClusterPurity, Label, overall_purity, purity};
pub use silhouette::{Metric, NOISE, NoiseHandling, Silhouette, SilhouetteParams, silhouette};
pub use support::{WindowSupport, window_support};
