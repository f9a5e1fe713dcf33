//! The crate's error type.

/// Everything that can go wrong when scoring a clustering.
///
/// Every variant names what was wrong and where, so a caller can point at the
/// offending row or label.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input had no entries (no points, no labels or no dimensions).
    #[error("{what} is empty")]
    Empty {
        /// Which input was empty.
        what: &'static str,
    },
    /// Two inputs that must have one entry per point disagree in length.
    #[error("{what} has {found} entries but there are {expected} points")]
    LengthMismatch {
        /// Which input has the wrong length.
        what: &'static str,
        /// The number of points.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A coordinate or distance is NaN or infinite.
    #[error("non-finite value {value} at row {row}, column {column}")]
    NonFinite {
        /// Row of the value.
        row: usize,
        /// Column of the value.
        column: usize,
        /// The value itself.
        value: f64,
    },
    /// A point has norm zero, so its cosine distance is undefined.
    #[error("row {row} is a zero vector, which has no cosine distance")]
    ZeroVector {
        /// Row of the zero vector.
        row: usize,
    },
    /// A cluster label is negative but not the noise label -1.
    #[error("label {label} at index {index} is negative; only -1 (noise) may be")]
    InvalidLabel {
        /// Position of the label.
        index: usize,
        /// The label.
        label: i32,
    },
    /// The silhouette is defined for 2 to `n_samples - 1` clusters only.
    #[error(
        "silhouette needs between 2 and n_samples - 1 clusters, \
         found {n_clusters} clusters among {n_samples} scored points"
    )]
    ClusterCount {
        /// Number of clusters among the scored points.
        n_clusters: usize,
        /// Number of scored (non-noise) points.
        n_samples: usize,
    },
    /// A precomputed distance matrix is not square.
    #[error("precomputed distance matrix must be square, got {rows} x {columns}")]
    NotSquare {
        /// Number of rows.
        rows: usize,
        /// Number of columns.
        columns: usize,
    },
    /// A precomputed distance matrix has a non-zero diagonal entry.
    #[error("precomputed distance matrix has {value} on its diagonal at row {row}; it must be 0")]
    NonZeroDiagonal {
        /// Row (and column) of the entry.
        row: usize,
        /// The entry.
        value: f64,
    },
    /// A precomputed distance matrix has a negative entry.
    #[error("precomputed distance matrix has negative value {value} at row {row}, column {column}")]
    NegativeDistance {
        /// Row of the entry.
        row: usize,
        /// Column of the entry.
        column: usize,
        /// The entry.
        value: f64,
    },
    /// The context window of [`crate::window_support`] is 0.
    #[error("the support window must be at least 1 position")]
    ZeroWindow,
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
