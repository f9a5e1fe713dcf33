//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while loading a run or its truth and
/// scoring it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A day's result file is not a valid `DayResult` record.
    #[error("{} is not a day result", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// The simulator's files (manifest, truth) could not be loaded, or a
    /// scenario could not be planned.
    #[error("simulator truth")]
    Sim {
        /// The cause.
        #[from]
        source: darkdca_sim::Error,
    },
    /// The pipeline failed while processing a day.
    #[error("pipeline")]
    Pipeline {
        /// The cause.
        #[from]
        source: darkdca::Error,
    },
    /// A truth day has no pipeline result with the same start.
    #[error("no pipeline result for truth day {day} (starting at {start_unix} s)")]
    MissingDay {
        /// The truth's day index.
        day: u32,
        /// Its start, seconds since the Unix epoch.
        start_unix: i64,
    },
    /// A cluster member of a pipeline result is not an IPv4 address.
    #[error(
        "cluster {lineage} of the result starting at {start_unix} s has a member {address:?} that is not an ipv4 address"
    )]
    BadAddress {
        /// Start of the result's batch, seconds since the Unix epoch.
        start_unix: i64,
        /// The cluster's lineage.
        lineage: u64,
        /// The text found.
        address: String,
    },
    /// A transition record names an unknown transition.
    #[error("the result starting at {start_unix} s has an unknown transition {name:?}")]
    UnknownTransition {
        /// Start of the result's batch, seconds since the Unix epoch.
        start_unix: i64,
        /// The name found.
        name: String,
    },
    /// Nothing to score: no truth days.
    #[error("no days to score")]
    NoDays,
    /// A scoring parameter is out of range.
    #[error("invalid evaluation parameter {name}: {reason}")]
    Params {
        /// The parameter.
        name: &'static str,
        /// The rule it breaks.
        reason: String,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}
