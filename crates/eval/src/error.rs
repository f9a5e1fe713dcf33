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
    /// A truth day has no pipeline result with the same start, while a
    /// later one has (or no truth day has any): only a run of the
    /// scenario's first days can be scored.
    #[error(
        "no pipeline result for truth day {day} (starting at {start_unix} s): the run has {} of the scenario's {}",
        day_list(run_days),
        day_list(scenario_days)
    )]
    MissingDay {
        /// The truth's day index.
        day: u32,
        /// Its start, seconds since the Unix epoch.
        start_unix: i64,
        /// The truth days the run has a result for.
        run_days: Vec<u32>,
        /// Every truth day of the scenario.
        scenario_days: Vec<u32>,
    },
    /// On a truth day, the run's senders are (mostly) not the scenario's:
    /// the run was made on other captures.
    #[error("{}", foreign_run(*day, *start_unix, *n_run, *n_found, *n_truth))]
    ForeignRun {
        /// The truth's day index.
        day: u32,
        /// Its start, seconds since the Unix epoch.
        start_unix: i64,
        /// Senders of the run's result for that day (clustered or not).
        n_run: usize,
        /// Those that are senders of the truth day.
        n_found: usize,
        /// Senders of the truth day.
        n_truth: usize,
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

/// `days 0 to 2, 4`, `day 3` or `no day`.
fn day_list(days: &[u32]) -> String {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &d in days {
        match runs.last_mut() {
            Some((_, hi)) if d == *hi + 1 => *hi = d,
            _ => runs.push((d, d)),
        }
    }
    let text: Vec<String> = runs
        .iter()
        .map(|&(lo, hi)| match hi - lo {
            0 => lo.to_string(),
            1 => format!("{lo}, {hi}"),
            _ => format!("{lo} to {hi}"),
        })
        .collect();
    match days.len() {
        0 => "no day".to_owned(),
        1 => format!("day {}", text.join(", ")),
        _ => format!("days {}", text.join(", ")),
    }
}

fn foreign_run(day: u32, start_unix: i64, n_run: usize, n_found: usize, n_truth: usize) -> String {
    let found = match n_found {
        0 => "none".to_owned(),
        n => format!("only {n}"),
    };
    let verb = if n_found == 1 || n_found == 0 { "is" } else { "are" };
    format!(
        "{found} of the run's {n_run} senders of truth day {day} (starting at {start_unix} s) {verb} among the scenario's {n_truth} senders of that day"
    )
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}
