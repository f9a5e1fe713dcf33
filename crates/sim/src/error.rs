//! The crate's one error type.

use std::io;
use std::path::PathBuf;

use crate::truth::FateKind;

/// Everything that can go wrong while planning, generating or loading a
/// simulated scenario.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A scenario parameter is out of its valid range.
    #[error("invalid scenario parameter {name}: {reason}")]
    Params {
        /// The parameter, as a path into the scenario (`populations[2].n_groups`).
        name: String,
        /// The rule it breaks.
        reason: String,
    },
    /// No preset has this name.
    #[error("unknown scenario preset {name:?} (known: small, standard, large)")]
    UnknownPreset {
        /// The name asked for.
        name: String,
    },
    /// A scripted fate found no group it could apply to on any remaining day.
    #[error("cannot place a {kind:?} fate on day {day} or later: no eligible group")]
    Unplaceable {
        /// The fate.
        kind: FateKind,
        /// The first day it was tried on.
        day: u32,
    },
    /// A day index beyond the scenario.
    #[error("day {day} is outside the scenario's {n_days} days")]
    DayOutOfRange {
        /// The day asked for.
        day: u32,
        /// Days in the scenario.
        n_days: u32,
    },
    /// A file could not be read, written or renamed.
    #[error("i/o error on {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A JSON file could not be parsed.
    #[error("cannot parse {} as JSON", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
    /// A TOML file could not be parsed.
    #[error("cannot parse {} as TOML", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: toml::de::Error,
    },
    /// A file holds another kind of document than expected.
    #[error("{} is not a {expected} file (format {found:?})", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// The format tag expected.
        expected: &'static str,
        /// The format tag found.
        found: String,
    },
    /// A file was written by an unsupported version of the format.
    #[error("{} has format version {found}, this crate reads version {supported}", path.display())]
    Version {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: u32,
        /// The version this crate reads and writes.
        supported: u32,
    },
    /// The pcap writer refused a record or failed to write.
    #[error("cannot write capture {}", path.display())]
    Capture {
        /// The capture file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: darkdca_trace::Error,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn params(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Params { name: name.into(), reason: reason.into() }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}
