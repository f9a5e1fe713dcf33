//! Scores a darkdca run against a simulator's planted truth.
//!
//! The simulator (`darkdca-sim`) writes, beside each day's capture, which
//! planted group every sender belongs to (or noise) and which fate each
//! group was scripted to meet, with the transition the tracker should
//! report. This crate compares a pipeline run (the facade's
//! [`darkdca::DayResult`]s, in memory or read back from an output
//! directory) with that truth and returns [`Scores`]: per day, per fate,
//! per novelty flag and over the run, as serde data and as markdown.
//!
//! # Example
//!
//! ```no_run
//! use std::path::Path;
//!
//! use darkdca::{Config, Preset};
//! use darkdca_eval::{Params, run_and_evaluate};
//!
//! let mut config = Config::preset(Preset::Paper);
//! config.embedding.threads = 1;
//! let scores = run_and_evaluate(config.check()?, Path::new("fixtures/scenario"), &Params::default())?;
//! println!("{scores}");
//! assert!(scores.summary.ari_mean.unwrap_or(0.0) > 0.5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Entry points
//!
//! - [`evaluate`]: the facade's results of a run + the truth of each day.
//! - [`evaluate_dir`]: the `days/*.json` of a `darkdca` output directory +
//!   a scenario directory (what `darkdca evaluate` calls).
//! - [`run_and_evaluate`]: runs a fresh pipeline over a scenario directory
//!   and scores it; [`run_scenario_dir`] and [`run_simulation`] (straight
//!   from the simulator, no files) return the results to score.
//! - [`evaluate_run`]: the core, on [`RunDay`]s (a result reduced to what
//!   scoring needs); [`NoveltyGate`] rewrites their novelty flags to
//!   measure a quality gate before the pipeline has it.
//!
//! # The rules
//!
//! **Days.** Each truth day is paired with the run's result of the same
//! start. A run of the scenario's first days only (cut short, or still
//! going) is scored on those days as if the scenario ended there
//! ([`Scores::n_scenario_days`] tells); a run that lacks a day before one
//! it has is refused ([`Error::MissingDay`]). So is a run whose senders on
//! a day are mostly not the truth's ([`Error::ForeignRun`]): a run of the
//! scenario's capture reports only its senders, whatever its filters.
//!
//! **Universe.** On each day the senders scored are the truth's active
//! senders: more than [`Params::min_packets`] (5) packets. A sender the
//! pipeline did not report (filtered out, not embedded) counts as pipeline
//! noise; a pipeline sender outside the universe is ignored.
//!
//! **Matching.** A cluster's *majority* is the most common class among its
//! truth-active members, counting planted noise as one class (ties go to
//! noise, then the smaller group id). A planted group is *matched* on a day
//! to the cluster holding most of its active members (ties: the first
//! cluster), provided the group is also that cluster's majority. A group
//! spread thin, drowned in a lump of other groups or mostly left as noise
//! has no match on that day.
//!
//! **ARI.** Three adjusted Rand indices per day (Hubert and Arabie, as
//! scikit-learn computes it):
//!
//! - `ari` (the headline): all active senders; a planted noise sender and a
//!   sender the pipeline left as noise each form a cluster of their own.
//!   Noise means "in no group", so two noise senders are never a pair: a
//!   cluster of unrelated noisy senders costs false pairs, a group member
//!   left as noise costs lost pairs.
//! - `ari_noise_label`: all active senders, noise one label on both sides
//!   (scikit-learn's habit with label −1). It does not penalise a cluster
//!   made only of noise senders against truth noise, so it reads higher.
//! - `ari_groups`: planted-group members only, pipeline noise as
//!   singletons: how well the groups are recovered, whatever happens to
//!   the noise.
//!
//! The run's figure is the mean over days (and the lowest day).
//!
//! **Fates.** Every scripted event of day `d` (`survive` included) lists
//! expected transitions for groups of day `d - 1` and expected emergences
//! of groups of day `d`. A transition is recovered when the group is
//! matched on day `d - 1` and the tracker's transition for that cluster's
//! lineage, reported on day `d`, is the expected one. An emergence is
//! recovered when the group is matched on day `d` to a cluster the tracker
//! reports as emerged, flagged novel exactly when the truth says novelty
//! (so a split half flagged novel is a miss). An event is recovered when
//! all its checks are. The run reports the share of events recovered, the
//! share of *changes* (events other than `survive`) and a count per kind.
//!
//! **Novelty.** A cluster flagged novel on day `d` is a true positive when
//! its majority is a group that is new that day (an emergence with
//! `novelty: true`), once per group: further flags of the same group are
//! duplicates; flags of known groups and of noise-majority clusters are
//! false positives. Recall is over the groups new on day `d` with at least
//! [`Params::min_group_size`] (10, the paper's `min_cluster_size`) active
//! members that day; one is found when a flag of day `d` has it as
//! majority. A group flagged only a day late counts as missed, and its late
//! flag as a false positive.
//!
//! **Confirmation.** When the pipeline asks for novelty confirmation, a
//! flag counts once a later day confirmed it (see
//! [`RunDay::from_results`]); a flag the pipeline made final at once
//! (`tracking.novelty_confirm_silhouette`) counts on its day. A candidate
//! still undecided when the run ends (a flag of the last
//! `tracking.novelty_confirm_batches` days) is neither a flag nor a miss:
//! it is left out of precision, and the new group it stands for is left out
//! of recall. A candidate still waiting at the end for its silent group to
//! return (`tracking.novelty_wait_inactive`) is different: the run saw the
//! group go silent and did not confirm it, so the group counts as missed.
//!
//! # Limitations
//!
//! - IPv4 only, like the simulator.
//! - Scores are only as good as the truth's expectations: they assume the
//!   paper's thresholds τ0 = 0.65, τ1 = 0.3 (see `darkdca-sim`). Under the
//!   `novtrack` preset (τ0 = 0.6, τ1 = 0.35) a borderline merge can be
//!   scored against the other expectation.
//! - The mutual-majority matching is strict: one lump of several groups
//!   matches at most one of them.
//!
//! # References
//!
//! - L. Hubert and P. Arabie, "Comparing partitions", J. Classification 2,
//!   1985 (the adjusted Rand index).
//! - M. Spiliopoulou et al., "MONIC: modeling and monitoring cluster
//!   transitions", KDD 2006 (the transitions scored).

mod error;
mod gate;
mod observed;
mod run;
mod score;
mod scores;

pub use error::{Error, Result};
pub use gate::NoveltyGate;
pub use observed::{RunCluster, RunDay, load_results};
pub use run::{
    evaluate, evaluate_dir, load_truth, run_and_evaluate, run_scenario_dir, run_simulation,
};
pub use score::{Params, evaluate_run};
pub use scores::{
    Check, DayScores, Expected, FateOutcome, Found, KindScore, NewGroupOutcome, NoveltyFlag,
    Scores, Summary, Verdict,
};
