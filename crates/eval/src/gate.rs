//! Novelty quality gates applied after the run, to measure what a gate in
//! the pipeline would buy before the facade offers it.
//!
//! A [`NoveltyGate`] clears the `novel` flag of clusters that fail any of
//! its tests; the cluster stays emerged. Every test is off by default, and
//! [`NoveltyGate::apply`] with the default gate changes nothing.

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;

use darkdca_sim::Transition;
use serde::{Deserialize, Serialize};

use crate::observed::RunDay;

/// Tests a novel cluster must pass to keep its flag.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NoveltyGate {
    /// Smallest size of a novel cluster.
    pub min_size: Option<usize>,
    /// Smallest mean silhouette of a novel cluster.
    pub min_silhouette: Option<f64>,
    /// No flag during the first `quiet_batches` batches of the run (batch
    /// 0 never has flags): a bootstrap period while the model warms up.
    pub quiet_batches: usize,
    /// Largest share of a novel cluster's members that were in some
    /// cluster on an earlier batch of the run. Known senders regrouping
    /// (split halves, pieces of a cold-start lump, a group back from
    /// silence) are not new.
    pub max_known_share: Option<f64>,
    /// Keep a flag only if the cluster's lineage survives into the next
    /// batch (one batch of delay). Flags of the last batch are cleared.
    pub persistence: bool,
    /// With [`NoveltyGate::persistence`], also keep a flag whose lineage
    /// splits on the next batch (the group is still there, in pieces).
    #[serde(default)]
    pub persistence_accepts_split: bool,
}

impl NoveltyGate {
    /// Whether every test is off.
    #[must_use]
    pub fn is_off(&self) -> bool {
        *self == Self::default()
    }

    /// Clears the flags that fail the gate, in place; `days` must be in
    /// batch order.
    pub fn apply(&self, days: &mut [RunDay]) {
        let mut known: HashSet<Ipv4Addr> = HashSet::new();
        let survivors: Vec<HashMap<u64, Transition>> =
            days.iter().map(|d| d.transitions.iter().copied().collect()).collect();
        for (i, day) in days.iter_mut().enumerate() {
            for c in &mut day.clusters {
                if !c.novel {
                    continue;
                }
                let n = c.members.len();
                let n_known = c.members.iter().filter(|m| known.contains(*m)).count();
                let known_share = if n > 0 { n_known as f64 / n as f64 } else { 0.0 };
                let next = survivors.get(i + 1).and_then(|t| t.get(&c.lineage));
                let fails = i < self.quiet_batches
                    || self.min_size.is_some_and(|m| n < m)
                    || self.min_silhouette.is_some_and(|m| !c.silhouette.is_some_and(|s| s >= m))
                    || self.max_known_share.is_some_and(|m| known_share > m)
                    || (self.persistence
                        && !(next == Some(&Transition::Survived)
                            || (self.persistence_accepts_split
                                && next == Some(&Transition::Split))));
                if fails {
                    c.novel = false;
                }
            }
            known.extend(day.clusters.iter().flat_map(|c| c.members.iter().copied()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observed::RunCluster;

    fn ip(i: u8) -> Ipv4Addr {
        Ipv4Addr::new(10, 0, 0, i)
    }

    fn cluster(lineage: u64, members: &[u8], silhouette: Option<f64>, novel: bool) -> RunCluster {
        RunCluster {
            lineage,
            members: members.iter().map(|&i| ip(i)).collect(),
            silhouette,
            emerged: novel,
            novel,
            novelty_undecided: false,
        }
    }

    /// Day 0: cluster 1 = {1,2,3,4}. Day 1: lineage 2 = {3,4,5,6} (half
    /// known), lineage 3 = {7,8} (small, silhouette 0.2), both novel.
    /// Day 2: lineage 2 survives, lineage 3 is inactive.
    fn run() -> Vec<RunDay> {
        vec![
            RunDay {
                start_unix: 0,
                clusters: vec![cluster(1, &[1, 2, 3, 4], Some(0.9), false)],
                transitions: vec![],
                senders: vec![],
            },
            RunDay {
                start_unix: 86_400,
                clusters: vec![
                    cluster(2, &[3, 4, 5, 6], Some(0.8), true),
                    cluster(3, &[7, 8], Some(0.2), true),
                ],
                transitions: vec![(1, Transition::Split)],
                senders: vec![],
            },
            RunDay {
                start_unix: 172_800,
                clusters: vec![cluster(2, &[3, 4, 5, 6], Some(0.8), false)],
                transitions: vec![(2, Transition::Survived), (3, Transition::Inactive)],
                senders: vec![],
            },
        ]
    }

    fn flags(gate: &NoveltyGate) -> Vec<u64> {
        let mut days = run();
        gate.apply(&mut days);
        days.iter().flat_map(|d| d.clusters.iter().filter(|c| c.novel).map(|c| c.lineage)).collect()
    }

    #[test]
    fn the_default_gate_changes_nothing() {
        assert!(NoveltyGate::default().is_off());
        assert_eq!(flags(&NoveltyGate::default()), [2, 3]);
    }

    #[test]
    fn each_test_clears_the_flags_it_should() {
        // Size 2 < 3 fails; size 4 passes.
        assert_eq!(flags(&NoveltyGate { min_size: Some(3), ..NoveltyGate::default() }), [2]);
        // Silhouette 0.2 < 0.5 fails.
        assert_eq!(
            flags(&NoveltyGate { min_silhouette: Some(0.5), ..NoveltyGate::default() }),
            [2]
        );
        // Lineage 2 has 2 of 4 members known (0.5 > 0.4); lineage 3 none.
        assert_eq!(
            flags(&NoveltyGate { max_known_share: Some(0.4), ..NoveltyGate::default() }),
            [3]
        );
        assert_eq!(
            flags(&NoveltyGate { max_known_share: Some(0.5), ..NoveltyGate::default() }),
            [2, 3]
        );
        // Lineage 2 survives into day 2, lineage 3 goes inactive.
        assert_eq!(flags(&NoveltyGate { persistence: true, ..NoveltyGate::default() }), [2]);
        let split_ok = NoveltyGate {
            persistence: true,
            persistence_accepts_split: true,
            ..NoveltyGate::default()
        };
        assert_eq!(flags(&split_ok), [2], "lineage 3 goes inactive, not split");
        // Batches 0 and 1 are quiet.
        assert!(flags(&NoveltyGate { quiet_batches: 2, ..NoveltyGate::default() }).is_empty());
    }
}
