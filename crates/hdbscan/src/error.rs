//! The crate's error types: [`Error`] for bad input, [`ParamsError`] for bad parameters.

use thiserror::Error;

/// A parameter rule that [`Params::check`](crate::Params::check) enforces.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// `min_cluster_size` must be at least 2.
    #[error("min_cluster_size must be at least 2, got {min_cluster_size}")]
    MinClusterSizeTooSmall {
        /// The rejected value.
        min_cluster_size: usize,
    },
    /// `min_samples` must be at least 1.
    #[error("min_samples must be at least 1, got {min_samples}")]
    MinSamplesTooSmall {
        /// The rejected value.
        min_samples: usize,
    },
    /// `cluster_selection_epsilon` must be finite and not negative.
    #[error("cluster_selection_epsilon must be finite and >= 0, got {epsilon}")]
    InvalidEpsilon {
        /// The rejected value.
        epsilon: f64,
    },
    /// `max_cluster_size`, when set, must be at least 1.
    #[error("max_cluster_size must be at least 1 when set, got {max_cluster_size}")]
    MaxClusterSizeZero {
        /// The rejected value.
        max_cluster_size: usize,
    },
}

/// Why [`Hdbscan::fit`](crate::Hdbscan::fit) rejected its input.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum Error {
    /// The input has no rows, or its rows have no columns.
    #[error("empty input: {rows} rows of {cols} columns")]
    EmptyInput {
        /// Number of rows given.
        rows: usize,
        /// Number of columns given.
        cols: usize,
    },
    /// A value is NaN or infinite.
    #[error("value at row {row}, column {col} is not finite")]
    NonFinite {
        /// Row of the value.
        row: usize,
        /// Column of the value.
        col: usize,
    },
    /// A row is all zeros, so its cosine distance is undefined.
    #[error("row {row} is a zero vector, which has no cosine distance")]
    ZeroVector {
        /// The zero row.
        row: usize,
    },
    /// Rows passed to [`Hdbscan::fit_rows`](crate::Hdbscan::fit_rows) differ in length.
    #[error("row {row} has {found} values, expected {expected} like row 0")]
    RaggedRows {
        /// The first row whose length differs from row 0.
        row: usize,
        /// Length of row 0.
        expected: usize,
        /// Length of the offending row.
        found: usize,
    },
    /// A precomputed distance matrix is not square.
    #[error("precomputed distance matrix is {rows} by {cols}, not square")]
    NotSquare {
        /// Number of rows.
        rows: usize,
        /// Number of columns.
        cols: usize,
    },
    /// A precomputed distance is negative.
    #[error("precomputed distance at ({row}, {col}) is negative")]
    NegativeDistance {
        /// Row of the entry.
        row: usize,
        /// Column of the entry.
        col: usize,
    },
    /// A precomputed distance matrix differs from its transpose.
    #[error("precomputed distance matrix is not symmetric at ({row}, {col})")]
    NotSymmetric {
        /// Row of the entry.
        row: usize,
        /// Column of the entry.
        col: usize,
    },
    /// A precomputed distance matrix has a non-zero diagonal entry.
    #[error("precomputed distance at ({row}, {row}) is not zero")]
    NonZeroDiagonal {
        /// Row (and column) of the entry.
        row: usize,
    },
    /// More points than the `u32` indices used inside can address.
    #[error("{rows} points exceed the supported maximum of {max}")]
    TooManyPoints {
        /// Number of rows given.
        rows: usize,
        /// Largest supported number of rows.
        max: usize,
    },
}
