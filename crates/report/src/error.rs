//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while checking, rendering or writing a report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was made for another version of the report schema.
    #[error("report input has schema version {found}, this library reads version {supported}")]
    UnsupportedSchema {
        /// The `schema_version` found in the input.
        found: u32,
        /// The version this library reads ([`crate::SCHEMA_VERSION`]).
        supported: u32,
    },

    /// The input is not valid JSON for [`crate::ReportInput`].
    #[error("report input is not valid JSON")]
    Json {
        /// What serde_json found wrong, with line and column.
        #[source]
        source: serde_json::Error,
    },

    /// A day index points past the end of `days`.
    #[error("{context}: day index {day_idx} is out of range ({n_days} days in the input)")]
    DayOutOfRange {
        /// Which record holds the index, e.g. `lineage 17, presence 3`.
        context: String,
        /// The offending index.
        day_idx: usize,
        /// How many days the input has.
        n_days: usize,
    },

    /// A lineage id is used twice in `lineages`.
    #[error("lineage {lineage_id} appears more than once in the lineages")]
    DuplicateLineage {
        /// The repeated id.
        lineage_id: u64,
    },

    /// A link or novel cluster refers to a lineage that `lineages` does not hold.
    #[error("{context}: lineage {lineage_id} is not in the lineages")]
    UnknownLineage {
        /// Which record holds the id, e.g. `link 4`.
        context: String,
        /// The unknown id.
        lineage_id: u64,
    },

    /// A table that must be rectangular or of a fixed length is not.
    #[error("{context}: expected {expected} values, found {found}")]
    LengthMismatch {
        /// Which table and row, e.g. `novel cluster 2, raster row 5`.
        context: String,
        /// The required length.
        expected: usize,
        /// The length found.
        found: usize,
    },

    /// A number is outside the range its field allows.
    #[error("{context}: value {value} is outside {allowed}")]
    OutOfRange {
        /// Which field, e.g. `novel cluster 0, profile.mirai_share`.
        context: String,
        /// The offending value.
        value: f64,
        /// The allowed range, in words.
        allowed: &'static str,
    },

    /// A novel cluster's status and confirmation day do not fit together.
    #[error("{context}: {problem}")]
    NoveltyStatus {
        /// Which record, e.g. `novel cluster 3`.
        context: String,
        /// What is wrong, in words.
        problem: &'static str,
    },

    /// A transition or link kind given as text is not one this crate knows.
    #[error("unknown {what} kind {kind:?}")]
    UnknownKind {
        /// `transition` or `link`.
        what: &'static str,
        /// The text given.
        kind: String,
    },

    /// Plotters failed while drawing a plot into its SVG string.
    #[error("drawing the {plot} plot failed: {message}")]
    Plot {
        /// Which plot, e.g. `lineages`.
        plot: &'static str,
        /// The drawing error, as text.
        message: String,
    },

    /// Reading or writing a file failed.
    #[error("i/o error on {}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
