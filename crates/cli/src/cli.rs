//! Command-line arguments.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Find coordinated senders in network-telescope traffic, follow them day to
/// day and flag new groups (i-DarkVec embeddings, HDBSCAN, MONIC tracking).
#[derive(Debug, Parser)]
#[command(name = "darkdca", version, about, long_about = None)]
#[command(after_help = "\
Examples:
  darkdca run fixtures/scenario --state out/state --out out
  darkdca run 'captures/*.pcap.gz' --state st --out out --preset novtrack
  darkdca run marx.csv.gz --csv-layout marx --labels scanners.ipset --state st --out out
  darkdca report --state out/state --out out
  darkdca show 12 --state out/state
  darkdca config --preset novtrack > my.toml
  darkdca evaluate --out out --scenario fixtures/scenario

Exit status: 0 success, 1 runtime error, 2 usage error, 3 bad input or state
(unreadable or empty input, invalid configuration, a state of another version
or configuration, a day already processed).")]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr, and no summaries or progress bars.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Process captures day by day into the state and write each day's results.
    #[command(after_help = "\
Examples:
  darkdca run fixtures/scenario --state out/state --out out
  darkdca run day1.pcap day2.pcapng --state st --out out --labels big_gt.csv
  darkdca run 'logs/*.csv.gz' --csv-layout darkvec --state st --out out --format json

Days are cut from packet timestamps (UTC). At the end the HTML report of the
whole state is written to OUT/index.html (unless --no-report). A state
directory that already
exists is resumed with its own configuration; giving --config or --preset
that differ from it is refused. A day already in the state is refused
(exit 3) unless --skip-processed is given. Folders are searched
recursively; darkdca's own files in them (the --state folder, the --out
folder or its days/*.senders.csv, the --labels files) are skipped.")]
    Run(RunArgs),
    /// Write the HTML report of a state (index.html and report_input.json).
    #[command(after_help = "Example:\n  darkdca report --state out/state --out out")]
    Report(ReportArgs),
    /// Show one lineage's history, the clusters it came from, and its latest profile.
    #[command(
        after_help = "Examples:\n  darkdca show 12 --state out/state\n  darkdca show 12 --state out/state --json"
    )]
    Show(ShowArgs),
    /// Print a configuration as TOML (a preset, or the one of a state).
    #[command(
        after_help = "Examples:\n  darkdca config --preset novtrack\n  darkdca config --state out/state"
    )]
    Config(ConfigArgs),
    /// Score a run's day outputs against a simulated scenario's planted truth.
    #[command(after_help = "\
Example:
  darkdca run fixtures/scenario --state out/state --out out
  darkdca evaluate --out out --scenario fixtures/scenario

Prints the adjusted Rand index of each day's clusters against the planted
groups, the share of planted fates recovered as the right transition, and
the precision and recall of the novelty flag (docs/EVALUATION.md).")]
    Evaluate(EvaluateArgs),
}

/// Parameter presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PresetArg {
    /// The paper's values.
    Paper,
    /// The authors' public code (NovTrack).
    Novtrack,
    /// The default: the paper's values with the changes docs/EVALUATION.md
    /// measured as better on the simulator (every service its own sentence,
    /// more epochs, 40% of the model forgotten before each update,
    /// negatives drawn by the day's own counts, min_samples 4, clusters the
    /// day's traffic does not hold together dropped, new clusters cut to
    /// their core at a membership probability of 0.25, known-share novelty
    /// gate, novelty confirmed after one more day or on the return of a
    /// group that fell silent, or at once from a silhouette of 0.95).
    Recommended,
}

impl From<PresetArg> for darkdca::Preset {
    fn from(p: PresetArg) -> Self {
        match p {
            PresetArg::Paper => Self::Paper,
            PresetArg::Novtrack => Self::Novtrack,
            PresetArg::Recommended => Self::Recommended,
        }
    }
}

/// Output files per day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// `days/<day>.json`.
    Json,
    /// `days/<day>.senders.csv`.
    Csv,
}

/// Layouts of flow CSV files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CsvLayoutArg {
    /// Recognise marx or darkvec from the header.
    Auto,
    /// i-DarkVec traces (`ts,src_ip,dst_port,proto,...`).
    Darkvec,
    /// The AWS honeypot log (`datetime,host,src,proto,type,spt,dpt`).
    Marx,
}

/// Arguments of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Capture files, folders or quoted glob patterns. A folder is searched
    /// recursively for pcap, pcapng, cap and csv files (optionally .gz),
    /// sorted by path; it skips the --state folder, the --out folder (or,
    /// when the output goes to the capture folder itself, its
    /// days/*.senders.csv) and the --labels files.
    #[arg(required = true, value_name = "CAPTURES")]
    pub captures: Vec<String>,
    /// State directory (created if missing, resumed otherwise).
    #[arg(long, value_name = "DIR")]
    pub state: PathBuf,
    /// Output directory for per-day JSON and CSV files.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Configuration file (TOML, or JSON by extension), laid over the preset.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Parameter preset [default: recommended, or the one a --config file
    /// names, or the state's own when resuming].
    #[arg(long, value_enum)]
    pub preset: Option<PresetArg>,
    /// Ground-truth labels: CSV `address,label` or ipset text; repeatable.
    #[arg(long, value_name = "FILE")]
    pub labels: Vec<PathBuf>,
    /// The telescope's own address prefix, e.g. 198.51.100.0/24 or
    /// 2001:db8::/48; repeatable. Packets addressed elsewhere (a honeypot's
    /// own replies) are left out. Sets `trace.telescope` in place of the
    /// configuration's; a state made with other prefixes is refused, as for
    /// any other setting [default: every packet kept].
    #[arg(long, value_name = "PREFIX", value_parser = telescope_prefix)]
    pub telescope: Vec<String>,
    /// Output formats, comma separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values = ["json", "csv"])]
    pub format: Vec<FormatArg>,
    /// Layout of flow CSV inputs.
    #[arg(long, value_enum, default_value = "auto")]
    pub csv_layout: CsvLayoutArg,
    /// Seconds a record may arrive out of time order and still be counted.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub max_disorder: u32,
    /// Skip days already in the state instead of stopping with exit 3.
    #[arg(long)]
    pub skip_processed: bool,
    /// Do not write the HTML report (OUT/index.html) at the end.
    #[arg(long)]
    pub no_report: bool,
    /// Keep the records read before a read error in a damaged capture
    /// (the day JSON lists the error under `stats.input_issues`) instead of
    /// stopping with exit 3.
    #[arg(long)]
    pub allow_partial: bool,
    /// Leave the stage timings out of the day JSON (they are zero), so
    /// that two runs on the same input write identical files.
    #[arg(long)]
    pub no_timings: bool,
    /// Title of the HTML report [default: the name of the first capture
    /// folder].
    #[arg(long)]
    pub title: Option<String>,
}

/// A `--telescope` prefix, in its canonical form (host bits cleared).
fn telescope_prefix(text: &str) -> Result<String, String> {
    match text.parse::<darkdca::trace::Prefix>() {
        Ok(p) => Ok(p.to_string()),
        Err(_) => {
            Err(format!("not an address prefix such as 198.51.100.0/24 or 2001:db8::/48: {text:?}"))
        }
    }
}

/// Arguments of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// State directory of the run.
    #[arg(long, value_name = "DIR")]
    pub state: PathBuf,
    /// Directory for index.html and report_input.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Name of the sensor or data set shown in the header [default: the
    /// name of the first capture folder, else the state directory's].
    #[arg(long, visible_alias = "title")]
    pub name: Option<String>,
}

/// Arguments of `show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Global id of the lineage (the `lineage` field of the outputs).
    #[arg(value_name = "CLUSTER_ID")]
    pub lineage: u64,
    /// State directory of the run.
    #[arg(long, value_name = "DIR")]
    pub state: PathBuf,
    /// Print JSON (the lineage's cluster on every day) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Preset to print [default: recommended].
    #[arg(long, value_enum, conflicts_with = "state")]
    pub preset: Option<PresetArg>,
    /// Print the configuration stored in this state instead.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// A configuration file laid over the preset.
    #[arg(long, value_name = "FILE", conflicts_with = "state")]
    pub config: Option<PathBuf>,
}

/// Arguments of `darkdca evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The output directory of a `darkdca run` (its `days/*.json` are read).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The simulated scenario the run processed (its `scenario.json` and
    /// `day-*.truth.json`), e.g. fixtures/scenario.
    #[arg(long, value_name = "DIR")]
    pub scenario: PathBuf,
    /// Print the scores as JSON instead of a markdown table.
    #[arg(long)]
    pub json: bool,
    /// A new planted group counts towards novelty recall only with at least
    /// this many active members on its first day.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub min_group_size: usize,
}

/// Two arguments that cannot go together (exit status 2).
#[derive(Debug)]
pub struct Conflict(pub String);

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Conflict {}

/// Refuses a `--state` directory that is the `--out` directory (through
/// `.`, `..` or symbolic links too): the state keeps its own copy of each
/// day's JSON under `days/`, which would replace the output's.
///
/// # Errors
///
/// [`Conflict`] when they are the same directory.
pub fn check_separate(state: &Path, out: &Path) -> anyhow::Result<()> {
    if resolved(state) == resolved(out) {
        return Err(Conflict(format!(
            "--state and --out are the same directory ({}); the state keeps its own \
             days/<day>.json, which would overwrite the outputs: give two directories, \
             e.g. --state {} --out {}",
            out.display(),
            out.join("state").display(),
            out.display()
        ))
        .into());
    }
    Ok(())
}

/// `path` made absolute, with `.`, `..` and symbolic links resolved as far
/// as it exists.
fn resolved(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut missing = Vec::new();
    let mut base = abs.as_path();
    loop {
        if let Ok(real) = std::fs::canonicalize(base) {
            let mut out = real;
            for part in missing.iter().rev() {
                out.push(part);
            }
            return lexical(&out);
        }
        match (base.parent(), base.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name.to_owned());
                base = parent;
            }
            _ => return lexical(&abs),
        }
    }
}

/// `path` with `.` and `..` components folded away.
fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}
