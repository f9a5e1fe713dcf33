//! The facade's one error type.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while configuring, running or persisting the
/// pipeline.
///
/// Errors of the stage crates are wrapped with the stage they come from, so
/// that a message names where the problem happened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value breaks a rule.
    #[error("invalid configuration: {field} {reason}")]
    InvalidConfig {
        /// Dotted path of the offending field, e.g. `tracking.match_threshold`.
        field: &'static str,
        /// The rule that was broken, e.g. `must be in (0, 1], got 1.5`.
        reason: String,
    },
    /// A value set by a configuration file breaks a rule
    /// ([`Error::InvalidConfig`] with the file, see [`Error::in_config_file`]).
    #[error("invalid configuration in {}: {field} {reason}", path.display())]
    InvalidConfigFile {
        /// The file.
        path: PathBuf,
        /// Dotted path of the offending field.
        field: &'static str,
        /// The rule that was broken.
        reason: String,
    },
    /// A configuration file could not be parsed.
    #[error("cannot parse configuration {}: {message}", path.display())]
    ConfigSyntax {
        /// The file.
        path: PathBuf,
        /// The parser's message (it names line and column where it can).
        message: String,
    },
    /// A preset name is unknown.
    #[error("unknown preset {name:?} (expected one of: paper, novtrack, recommended)")]
    UnknownPreset {
        /// The name that was given.
        name: String,
    },
    /// Reading or writing a file failed.
    #[error("i/o error on {}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A file's content cannot be read as what it should be (e.g. a text
    /// file that is not UTF-8).
    #[error("cannot read {}: not valid text, or a damaged compressed file", path.display())]
    BadData {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A ground-truth label file has a malformed line.
    #[error("bad label file {}, line {line}: {reason}", path.display())]
    BadLabels {
        /// The file.
        path: PathBuf,
        /// One-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The state directory was written by another format version.
    #[error(
        "state in {} has format version {found}, this build reads versions {} to {expected}{}",
        path.display(),
        crate::state::OLDEST_READABLE_FORMAT,
        if *found > *expected { " (it was written by a newer darkdca)" } else { "" }
    )]
    StateVersion {
        /// The state directory.
        path: PathBuf,
        /// The version found on disk.
        found: u32,
        /// The version this build writes and reads.
        expected: u32,
    },
    /// A state file is missing or cannot be decoded.
    #[error("corrupt or incomplete state in {}: {reason}", path.display())]
    CorruptState {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The state was produced with another configuration.
    #[error(
        "state in {} was made with another configuration ({}) than the one given now ({}); {}; \
         resume with the state's own configuration (darkdca run without --preset, --config \
         and --telescope) or use a new state directory",
        path.display(),
        describe(*found_preset, found),
        describe(*expected_preset, expected),
        differing(differences)
    )]
    ConfigMismatch {
        /// The state directory.
        path: PathBuf,
        /// Hash of the configuration stored in the state.
        found: String,
        /// Hash of the configuration given now.
        expected: String,
        /// Preset the stored configuration started from, if known.
        found_preset: Option<crate::Preset>,
        /// Preset the given configuration started from, if known.
        expected_preset: Option<crate::Preset>,
        /// The settings that differ, as `section.key (state: X, given: Y)`.
        differences: Vec<String>,
    },
    /// A day was already processed into this state.
    #[error("day {day} is already in the state (processed days end at {last})")]
    DayAlreadyProcessed {
        /// The day that was given again.
        day: String,
        /// The last day already in the state.
        last: String,
    },
    /// A day comes before the last processed day.
    #[error("day {day} comes before the last processed day {last}; days must be given in order")]
    DayOutOfOrder {
        /// The day that was given.
        day: String,
        /// The last day already in the state.
        last: String,
    },
    /// A path given as a state directory holds no state.
    #[error("not a darkdca state: {} ({reason})", path.display())]
    NotAState {
        /// The path given.
        path: PathBuf,
        /// Why, e.g. `no meta.json` or `a file, not a directory`.
        reason: String,
    },
    /// Another process holds the state directory's lock.
    #[error(
        "state {} is in use by pid {pid} (remove {}/lock if that process is gone)",
        path.display(), path.display()
    )]
    StateInUse {
        /// The state directory.
        path: PathBuf,
        /// The process id written in the lock file (0 when unreadable).
        pid: u32,
    },
    /// A record's time is before 1970 or after 2100
    /// ([`crate::input::MAX_TS_NS`]).
    #[error("record time {ts_ns} ns since 1970-01-01 is out of range (1970-01-01 to 2100-01-01)")]
    TimestampOutOfRange {
        /// The record's time, nanoseconds since the Unix epoch.
        ts_ns: i64,
    },
    /// A lineage id is not in the state.
    #[error("no lineage with id {id} in the state")]
    UnknownLineage {
        /// The id that was asked for.
        id: u64,
    },
    /// Reading or batching the captures failed.
    #[error("trace stage failed")]
    Trace {
        /// The trace crate's error.
        #[source]
        source: crate::trace::Error,
    },
    /// A stage failed on this batch.
    #[error("{stage} stage failed on day {day}: {message}")]
    Stage {
        /// Name of the stage (`embed`, `cluster`, `metrics`, `track`).
        stage: &'static str,
        /// The day being processed.
        day: String,
        /// The stage's error message, with its sources joined.
        message: String,
    },
    /// Encoding or decoding JSON failed.
    #[error("json error on {}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
    /// Writing a CSV file failed.
    #[error("csv error on {}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: csv::Error,
    },
}

/// An error's message followed by those of its causes, joined by `: `.
pub(crate) fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut message = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        message.push_str(": ");
        message.push_str(&c.to_string());
        cause = c.source();
    }
    message
}

/// `preset paper, hash 0123...` or `hash 0123...`.
fn describe(preset: Option<crate::Preset>, hash: &str) -> String {
    match preset {
        Some(p) => format!("preset {p}, hash {hash}"),
        None => format!("hash {hash}"),
    }
}

/// The list of differing settings for [`Error::ConfigMismatch`].
fn differing(differences: &[String]) -> String {
    const SHOWN: usize = 8;
    match differences.len() {
        0 => "the settings differ".to_owned(),
        n if n <= SHOWN => format!("differing settings: {}", differences.join(", ")),
        n => format!(
            "differing settings: {} and {} more",
            differences[..SHOWN].join(", "),
            n - SHOWN
        ),
    }
}

/// The facade's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Names the configuration file an [`Error::InvalidConfig`] comes from;
    /// other errors are returned as they are.
    #[must_use]
    pub fn in_config_file(self, path: &std::path::Path) -> Self {
        match self {
            Self::InvalidConfig { field, reason } => {
                Self::InvalidConfigFile { path: path.to_path_buf(), field, reason }
            }
            other => other,
        }
    }

    /// Wraps an I/O error with the path it happened on.
    /// Content that cannot be read (`InvalidData`, e.g. a text file that
    /// is not UTF-8) is [`Error::BadData`].
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        if source.kind() == io::ErrorKind::InvalidData {
            return Self::BadData { path: path.into(), source };
        }
        Self::Io { path: path.into(), source }
    }

    /// Wraps a stage crate's error, keeping its chain of causes as text.
    pub(crate) fn stage(
        stage: &'static str,
        day: impl ToString,
        err: &(dyn std::error::Error + 'static),
    ) -> Self {
        Self::Stage { stage, day: day.to_string(), message: chain_text(err) }
    }

    /// Whether the error comes from bad input or state (exit code 3 in the
    /// command) rather than from the environment. A file that does not exist
    /// (a label or configuration file named by the user) is bad input.
    #[must_use]
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Self::InvalidConfig { .. }
                | Self::InvalidConfigFile { .. }
                | Self::ConfigSyntax { .. }
                | Self::UnknownPreset { .. }
                | Self::BadLabels { .. }
                | Self::BadData { .. }
                | Self::StateVersion { .. }
                | Self::CorruptState { .. }
                | Self::ConfigMismatch { .. }
                | Self::DayAlreadyProcessed { .. }
                | Self::DayOutOfOrder { .. }
                | Self::UnknownLineage { .. }
                | Self::StateInUse { .. }
                | Self::NotAState { .. }
                | Self::TimestampOutOfRange { .. }
                | Self::Trace { .. }
        ) || matches!(self, Self::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }
}
