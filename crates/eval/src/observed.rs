//! What a pipeline run produced, reduced to what scoring needs.
//!
//! [`RunDay`] is built from the facade's [`DayResult`] (in memory, or read
//! back from the `days/*.json` files of an output directory); tests and
//! other producers may build it directly.

use std::net::Ipv4Addr;
use std::path::Path;

use darkdca::DayResult;
use darkdca::result::NoveltyOutcomes;
use darkdca_sim::Transition;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One cluster of one batch, as the pipeline reported it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunCluster {
    /// The cluster's lineage (global id).
    pub lineage: u64,
    /// Its member senders.
    pub members: Vec<Ipv4Addr>,
    /// Mean silhouette of its members, when defined.
    pub silhouette: Option<f64>,
    /// Whether the tracker reported it as emerged in this batch.
    pub emerged: bool,
    /// Whether it was flagged novel: at once, or, when the pipeline asks
    /// for confirmation, once a later batch confirmed the flag (see
    /// [`RunDay::from_results`]).
    pub novel: bool,
    /// A novelty candidate the run ended before deciding (its batch is
    /// among the last `tracking.novelty_confirm_batches`): novelty scoring
    /// leaves it out, and leaves out the new group it stands for.
    #[serde(default)]
    pub novelty_undecided: bool,
}

/// One batch of a pipeline run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDay {
    /// Start of the batch, seconds since the Unix epoch; matched against
    /// the truth's `start_ns`.
    pub start_unix: i64,
    /// The batch's clusters.
    pub clusters: Vec<RunCluster>,
    /// What the tracker said became of each cluster of the previous batch,
    /// by that cluster's lineage.
    pub transitions: Vec<(u64, Transition)>,
    /// Every sender the batch reported (clustered or not), to check that
    /// the run was made on the scenario's captures; when empty, the
    /// clusters' members stand in.
    #[serde(default)]
    pub senders: Vec<Ipv4Addr>,
}

impl RunDay {
    /// The reduced form of a facade result.
    ///
    /// # Errors
    ///
    /// [`Error::BadAddress`] when a member is not an IPv4 address (the
    /// simulator is IPv4 only), [`Error::UnknownTransition`] for a
    /// transition name other than the five the facade writes. A sender
    /// outside clusters that is not an IPv4 address is left out of
    /// [`RunDay::senders`] (it cannot be a scenario's sender).
    pub fn from_result(r: &DayResult) -> Result<Self> {
        let start_unix = r.start_unix;
        let clusters = r
            .clusters
            .iter()
            .map(|c| {
                let members = c
                    .members
                    .iter()
                    .map(|m| {
                        m.parse::<Ipv4Addr>().map_err(|_| Error::BadAddress {
                            start_unix,
                            lineage: c.lineage,
                            address: m.clone(),
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(RunCluster {
                    lineage: c.lineage,
                    members,
                    silhouette: c.silhouette,
                    emerged: c.origin == "emerged",
                    novel: c.novel,
                    novelty_undecided: false,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let transitions = r
            .transitions
            .iter()
            .map(|t| Ok((t.lineage, transition_of(&t.kind, start_unix)?)))
            .collect::<Result<Vec<_>>>()?;
        let senders = r.senders.iter().filter_map(|s| s.address.parse().ok()).collect();
        Ok(Self { start_unix, clusters, transitions, senders })
    }

    /// The reduced form of a whole run (results in batch order), with
    /// novelty candidates resolved: a cluster whose flag is `pending`
    /// confirmation counts as novel only if a later batch of the run
    /// confirmed it. A candidate still pending when the run ends is marked
    /// [`RunCluster::novelty_undecided`] and not counted as a flag, unless
    /// its group went inactive after the flag (a candidate waiting for a
    /// silent group to return, `tracking.novelty_wait_inactive`): that one
    /// is a flag the run did not confirm, so its group counts as missed.
    ///
    /// # Errors
    ///
    /// As [`RunDay::from_result`].
    pub fn from_results(results: &[DayResult]) -> Result<Vec<Self>> {
        let mut run = results.iter().map(Self::from_result).collect::<Result<Vec<_>>>()?;
        let outcomes = NoveltyOutcomes::of(results);
        for (i, (day, r)) in run.iter_mut().zip(results).enumerate() {
            for (c, rc) in day.clusters.iter_mut().zip(&r.clusters) {
                if c.novel && rc.novelty_status.as_deref() == Some("pending") {
                    let decision = outcomes.get(rc.lineage, r.batch_id).filter(|&(on, _)| on > i);
                    c.novel = decision.is_some_and(|(_, confirmed)| confirmed);
                    let went_silent =
                        || results[i + 1..].iter().any(|later| later.went_inactive(rc.lineage));
                    c.novelty_undecided = decision.is_none() && !went_silent();
                }
            }
        }
        Ok(run)
    }

    /// The transition reported for the previous batch's cluster `lineage`.
    #[must_use]
    pub fn transition_of(&self, lineage: u64) -> Option<Transition> {
        self.transitions.iter().find(|(l, _)| *l == lineage).map(|&(_, t)| t)
    }
}

/// The transition named by the facade's lowercase word.
fn transition_of(name: &str, start_unix: i64) -> Result<Transition> {
    Ok(match name {
        "survived" => Transition::Survived,
        "split" => Transition::Split,
        "absorbed" => Transition::Absorbed,
        "disappeared" => Transition::Disappeared,
        "inactive" => Transition::Inactive,
        _ => return Err(Error::UnknownTransition { start_unix, name: name.to_owned() }),
    })
}

/// Reads every day result (`<out>/days/*.json`) of an output directory
/// written by the `darkdca` command, oldest first.
///
/// # Errors
///
/// [`Error::Io`] when the directory or a file cannot be read,
/// [`Error::Json`] when a file is not a day result.
pub fn load_results(out_dir: &Path) -> Result<Vec<DayResult>> {
    let days = out_dir.join("days");
    let entries = std::fs::read_dir(&days).map_err(|e| Error::io(&days, e))?;
    let mut results = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(&days, e))?.path();
        let is_json = path.extension().is_some_and(|e| e == "json");
        if !is_json {
            continue;
        }
        let text = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let r: DayResult = serde_json::from_slice(&text)
            .map_err(|source| Error::Json { path: path.clone(), source })?;
        results.push(r);
    }
    results.sort_by_key(|r| r.start_unix);
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transition_names_are_the_facades() {
        assert_eq!(transition_of("absorbed", 0).unwrap(), Transition::Absorbed);
        assert_eq!(transition_of("inactive", 0).unwrap(), Transition::Inactive);
        assert!(matches!(
            transition_of("Survived", 7),
            Err(Error::UnknownTransition { start_unix: 7, name }) if name == "Survived"
        ));
    }

    #[test]
    fn unreadable_directories_and_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_results(dir.path()).unwrap_err();
        assert!(matches!(&err, Error::Io { path, .. } if path.ends_with("days")), "{err:?}");

        std::fs::create_dir(dir.path().join("days")).unwrap();
        std::fs::write(dir.path().join("days/2026-01-05.senders.csv"), "address\n").unwrap();
        assert!(load_results(dir.path()).unwrap().is_empty());
        std::fs::write(dir.path().join("days/2026-01-05.json"), "{}").unwrap();
        let err = load_results(dir.path()).unwrap_err();
        assert!(
            matches!(&err, Error::Json { path, .. } if path.ends_with("2026-01-05.json")),
            "{err:?}"
        );
    }
}
