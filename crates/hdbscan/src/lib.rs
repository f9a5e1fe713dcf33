//! Exact HDBSCAN with cosine, euclidean and precomputed metrics that never
//! builds the n-by-n matrix.
//!
//! The crate clusters any set of vectors (not only sender embeddings) with
//! the HDBSCAN of Campello, Moulavi and Sander, computing what the Python
//! [`hdbscan`](https://github.com/scikit-learn-contrib/hdbscan) package
//! (0.8.x) computes: core distances from `min_samples` neighbours, mutual
//! reachability, the minimum spanning tree, the single-linkage tree, the tree
//! condensed by `min_cluster_size`, excess-of-mass or leaf selection,
//! `cluster_selection_epsilon`, `allow_single_cluster` and
//! `max_cluster_size`; then labels (noise is `-1`), membership
//! probabilities, GLOSH outlier scores, cluster persistence and the
//! condensed tree.
//!
//! # Example
//!
//! ```
//! use darkdca_hdbscan::{Metric, Params};
//! use ndarray::Array2;
//!
//! // Two tight groups of directions and one stray vector.
//! let mut rows = Vec::new();
//! for i in 0..6 {
//!     let t = f64::from(i) * 1e-3;
//!     rows.extend([1.0, t, 0.0]);
//!     rows.extend([0.0, t, 1.0]);
//! }
//! rows.extend([1.0, 1.0, 1.0]);
//! let x = Array2::from_shape_vec((13, 3), rows)?;
//!
//! let model = Params::new(3).metric(Metric::Cosine).build()?;
//! let clustering = model.fit(x.view())?;
//! assert_eq!(clustering.n_clusters(), 2);
//! assert_eq!(clustering.labels[0], clustering.labels[2]);
//! assert_ne!(clustering.labels[0], clustering.labels[1]);
//! assert_eq!(clustering.labels[12], -1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Main types
//!
//! [`Params`] holds the parameters (required `min_cluster_size`, setters for
//! the rest, defaults of the reference); [`Params::build`] validates them into
//! an [`Hdbscan`], whose [`Hdbscan::fit`] takes an `ndarray` view of `f32` or
//! `f64` rows (or a distance matrix for [`Metric::Precomputed`]) and returns a
//! [`Clustering`]. Errors are [`ParamsError`] and [`Error`].
//!
//! # How it runs
//!
//! For cosine and euclidean the distance matrix is never built.
//!
//! 1. Rows are checked, copied to `f64` (unit length for cosine, whose
//!    distance is then `0.5 * |u - v|^2`) and rounded to an `f32` copy.
//! 2. One blocked pass of `f32` matrix products (each block of pairs computed
//!    once and read by rows and by columns) proposes neighbours; a proven
//!    rounding bound says which candidates could still be among the nearest,
//!    and their exact `f64` distances give every point its list of
//!    `core neighbour + 16` nearest neighbours and its core distance.
//! 3. Borůvka rounds build the exact minimum spanning tree of the
//!    mutual-reachability graph, with edges ordered by (weight, indices). A
//!    point's list proves its lightest edge leaving its component whenever
//!    that edge is lighter than `max(core distance, distance to the end of
//!    the list)`, and a proven edge stays valid until its far end joins the
//!    point's component. Only points whose bounds cannot rule them out are
//!    scanned against all points, again with the blocked products.
//! 4. The spanning tree gives the single-linkage tree, which is condensed,
//!    selected and labelled as the reference does.
//!
//! Memory stays proportional to `n * (dims + list length)` (about 310 MiB
//! for 50,000 rows of 200 dimensions); rayon and the threaded matrix
//! product use all cores. Decisions use exact `f64` distances only, so the
//! result does not depend on the thread count or the blocking. A
//! precomputed matrix is read as given (checked square, symmetric, finite,
//! non-negative, zero diagonal) with the same algorithm.
//!
//! # Ties and duplicates
//!
//! Spanning-tree edges of equal weight are merged together, as one node of
//! the single-linkage tree with several children. The components at every
//! height are unique, so labels, probabilities and scores do not depend on
//! the row order or on which of several equal-weight spanning trees exists.
//! The reference merges ties one edge at a time in the order its sort leaves
//! them, so on data with ties (duplicates, or equal mutual-reachability
//! distances that decide a split) its answer can change with the row order
//! while this crate's does not. Without ties the two agree.
//!
//! # Limitations
//!
//! - `alpha`, `cluster_selection_persistence`, `cluster_selection_epsilon_max`
//!   and `match_reference_implementation` of the reference are not offered.
//! - Excess of mass sums child stabilities in `f64`; the reference sums them
//!   in `f32`, which can only matter when two stabilities agree to about
//!   seven digits.
//! - Where the reference's GLOSH score is `NaN` (a point that leaves at a
//!   finite lambda below a cluster with infinite lambda, which needs exact
//!   duplicates), this crate returns the limit, `1.0`.
//! - Euclidean keys are squared distances in `f64`: coordinates beyond about
//!   `1e150` overflow. Rows longer than `1e15` cannot use the `f32`
//!   products and fall back to evaluating every pair (quadratic time, still
//!   linear memory).
//!
//! # References
//!
//! - R. J. G. B. Campello, D. Moulavi, J. Sander. Density-based clustering
//!   based on hierarchical density estimates. PAKDD 2013.
//! - R. J. G. B. Campello, D. Moulavi, A. Zimek, J. Sander. Hierarchical
//!   density estimates for data clustering, visualization, and outlier
//!   detection. ACM TKDD 10(1), 2015 (GLOSH).
//! - C. Malzer, M. Baum. A hybrid approach to hierarchical density-based
//!   cluster selection. MFI 2020 (`cluster_selection_epsilon`).
//! - L. McInnes, J. Healy. Accelerated hierarchical density based clustering.
//!   ICDMW 2017.
//! - O. Borůvka. O jistém problému minimálním. 1926.

mod error;
mod gemm;
mod knn;
mod mst;
mod params;
mod space;
mod tree;

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

pub use error::{Error, ParamsError};
pub use params::{ClusterSelection, Hdbscan, Metric, MinSamplesConvention, Params};
pub use space::Element;
pub use tree::{CondensedRow, CondensedTree};

use crate::mst::{BruteScan, Edge};
use crate::space::{Matrix, Space, Vectors};

/// Extra neighbours kept beyond the core neighbour, to prove spanning-tree edges.
const EXTRA_NEIGHBOURS: usize = 16;

/// The result of [`Hdbscan::fit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clustering {
    /// Cluster of every point, `0..n_clusters()`, or `-1` for noise.
    pub labels: Vec<i32>,
    /// Membership strength in `[0, 1]`; `0` for noise.
    pub probabilities: Vec<f64>,
    /// GLOSH outlier score in `[0, 1]`; larger is more outlying.
    pub outlier_scores: Vec<f64>,
    /// Persistence (the reference's `cluster_persistence_`) per cluster label.
    pub persistence: Vec<f64>,
    /// The condensed tree.
    pub condensed_tree: CondensedTree,
    /// Work done, for benchmarks and diagnostics.
    pub stats: FitStats,
}

impl Clustering {
    /// Number of clusters (labels `0..n_clusters()`).
    pub fn n_clusters(&self) -> usize {
        self.persistence.len()
    }
}

/// Work done by one fit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FitStats {
    /// Number of points.
    pub n_points: usize,
    /// The neighbour whose distance is the core distance (0: core distance zero).
    pub core_neighbour: usize,
    /// Length of the neighbour lists kept per point.
    pub list_len: usize,
    /// Borůvka rounds.
    pub boruvka_rounds: usize,
    /// Points scanned against all points while building the spanning tree.
    pub scanned_rows: usize,
    /// Per Borůvka round: components at its start, points scanned in it.
    pub rounds: Vec<(usize, usize)>,
}

impl Hdbscan {
    /// Clusters the rows of `x` (or, for [`Metric::Precomputed`], the
    /// points of the square distance matrix `x`).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] without rows or columns, [`Error::NonFinite`] for
    /// NaN or infinity, [`Error::ZeroVector`] for a zero row under cosine,
    /// [`Error::TooManyPoints`] beyond `u32` indices, and for precomputed
    /// matrices [`Error::NotSquare`], [`Error::NegativeDistance`],
    /// [`Error::NotSymmetric`] and [`Error::NonZeroDiagonal`].
    pub fn fit<F: Element>(&self, x: ArrayView2<'_, F>) -> Result<Clustering, Error> {
        let (rows, cols) = x.dim();
        if rows == 0 || cols == 0 {
            return Err(Error::EmptyInput { rows, cols });
        }
        let max = u32::MAX as usize - 1;
        if rows > max {
            return Err(Error::TooManyPoints { rows, max });
        }
        match self.params.metric {
            Metric::Precomputed => {
                let space = Matrix::new(x)?;
                Ok(self.run(&space, |len| knn::brute_force(&space, len), &BruteScan(&space)))
            }
            Metric::Cosine | Metric::Euclidean => {
                let space = Vectors::new(x, self.params.metric)?;
                if space.fits_f32() {
                    Ok(self.run(
                        &space,
                        |len| gemm::neighbours(&space, len),
                        &gemm::GemmScan(&space),
                    ))
                } else {
                    // Rows too long for f32 products: exact pairs only.
                    Ok(self.run(&space, |len| knn::brute_force(&space, len), &BruteScan(&space)))
                }
            }
        }
    }

    /// Clusters rows given as slices, checking that they have one length.
    ///
    /// # Errors
    ///
    /// [`Error::RaggedRows`] if a row's length differs from the first row's,
    /// then as [`Hdbscan::fit`].
    pub fn fit_rows<F: Element, R: AsRef<[F]>>(&self, rows: &[R]) -> Result<Clustering, Error> {
        let expected = rows.first().map_or(0, |r| r.as_ref().len());
        let mut values = Vec::with_capacity(rows.len() * expected);
        for (row, r) in rows.iter().enumerate() {
            let r = r.as_ref();
            if r.len() != expected {
                return Err(Error::RaggedRows { row, expected, found: r.len() });
            }
            values.extend_from_slice(r);
        }
        let x = ArrayView2::from_shape((rows.len(), expected), &values)
            .map_err(|_| Error::EmptyInput { rows: rows.len(), cols: expected })?;
        self.fit(x)
    }

    /// Neighbour lists, spanning tree, dendrogram, condensed tree, selection.
    fn run<S: Space>(
        &self,
        space: &S,
        neighbours: impl FnOnce(usize) -> knn::Neighbours,
        scan: &impl mst::OutsideScan,
    ) -> Clustering {
        let n = space.n();
        let core_neighbour = self.params.core_neighbour(n);
        let list_len = (core_neighbour.max(1) + EXTRA_NEIGHBOURS).min(n - 1);
        let mut stats = FitStats { n_points: n, core_neighbour, list_len, ..FitStats::default() };
        if n == 1 {
            return single_point(stats);
        }
        let lists = neighbours(list_len);
        let core = lists.core_keys(core_neighbour);
        let (mut edges, work) = mst::boruvka(&lists, &core, scan);
        drop(lists);
        stats.boruvka_rounds = work.rounds;
        stats.scanned_rows = work.scanned_rows;
        stats.rounds = work.per_round;
        edges.sort_unstable_by(Edge::cmp_total);
        let dendrogram = tree::dendrogram(n, &edges, |key| space.distance(key));
        let condensed_tree = tree::condense(&dendrogram, self.params.min_cluster_size);
        let flat = tree::flat(&condensed_tree, &self.params);
        Clustering {
            labels: flat.labels,
            probabilities: flat.probabilities,
            outlier_scores: flat.outlier_scores,
            persistence: flat.persistence,
            condensed_tree,
            stats,
        }
    }
}

/// One point: noise, as the reference has no tree to condense.
fn single_point(stats: FitStats) -> Clustering {
    Clustering {
        labels: vec![-1],
        probabilities: vec![0.0],
        outlier_scores: vec![0.0],
        persistence: vec![],
        condensed_tree: CondensedTree { n_points: 1, rows: vec![] },
        stats,
    }
}
