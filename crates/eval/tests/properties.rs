//! Invariants of the scores on random truths and runs.

use std::net::Ipv4Addr;

use darkdca_eval::{Params, RunCluster, RunDay, evaluate_run};
use darkdca_sim::{ExpectedEmergence, FateEvent, FateKind, GroupId, SenderTruth, Truth};
use proptest::prelude::*;

/// One day of truth: sender `i` belongs to `groups[i]` (`None` = noise).
fn truth(groups: &[Option<u32>], new_group: Option<u32>) -> Truth {
    let events = new_group
        .map(|g| FateEvent {
            day: 0,
            kind: FateKind::Appear,
            from: vec![],
            to: vec![GroupId(g)],
            transitions: vec![],
            emerged: vec![ExpectedEmergence { group: GroupId(g), novelty: true }],
        })
        .into_iter()
        .collect();
    Truth {
        format: darkdca_sim::TRUTH_FORMAT.into(),
        version: darkdca_sim::FORMAT_VERSION,
        scenario: "prop".into(),
        seed: 0,
        day: 0,
        start_ns: 0,
        end_ns: 86_400_000_000_000,
        telescope: "198.51.100.0/24".parse().unwrap(),
        n_packets: 0,
        n_senders: groups.len() as u32,
        n_active_senders: groups.len() as u32,
        groups: vec![],
        events,
        senders: groups
            .iter()
            .enumerate()
            .map(|(i, g)| SenderTruth { addr: addr(i), group: g.map(GroupId), packets: 10 })
            .collect(),
    }
}

fn addr(i: usize) -> Ipv4Addr {
    Ipv4Addr::from(0x0a00_0000 + i as u32)
}

/// A run day whose clusters are given by `labels` (`None` = noise), all
/// emerged and flagged novel.
fn run(labels: &[Option<u32>]) -> RunDay {
    let mut ids: Vec<u32> = labels.iter().flatten().copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let clusters = ids
        .iter()
        .map(|&id| RunCluster {
            lineage: u64::from(id),
            members: labels
                .iter()
                .enumerate()
                .filter(|(_, l)| **l == Some(id))
                .map(|(i, _)| addr(i))
                .collect(),
            silhouette: None,
            emerged: true,
            novel: true,
            novelty_undecided: false,
        })
        .collect();
    RunDay { start_unix: 0, clusters, transitions: vec![], senders: vec![] }
}

fn labels() -> impl Strategy<Value = Vec<Option<u32>>> {
    prop::collection::vec(prop::option::weighted(0.8, 0u32..5), 2..60)
}

proptest! {
    #[test]
    fn scores_stay_in_range(truth_labels in labels(), run_labels in labels()) {
        let n = truth_labels.len().min(run_labels.len());
        let t = truth(&truth_labels[..n], Some(1));
        let s = evaluate_run(&[run(&run_labels[..n])], &[t], &Params { min_group_size: 1, ..Params::default() }).unwrap();
        let d = &s.days[0];
        for ari in [d.ari, d.ari_noise_label, d.ari_groups].into_iter().flatten() {
            prop_assert!((-1.0..=1.0 + 1e-12).contains(&ari));
        }
        for share in [s.summary.novelty_precision, s.summary.novelty_recall, s.summary.fates_recovered].into_iter().flatten() {
            prop_assert!((0.0..=1.0).contains(&share));
        }
        // Every flag gets exactly one verdict, and true positives are at most
        // one per new group.
        prop_assert_eq!(s.flags.len(), d.n_flagged);
        prop_assert!(d.n_true_novel <= 1);
        prop_assert!(d.n_matched <= d.n_groups.min(d.n_clusters));
    }

    #[test]
    fn a_run_equal_to_the_truth_scores_one(truth_labels in labels()) {
        let t = truth(&truth_labels, Some(1));
        let s = evaluate_run(&[run(&truth_labels)], &[t], &Params { min_group_size: 1, ..Params::default() }).unwrap();
        let d = &s.days[0];
        prop_assert_eq!(d.ari, Some(1.0));
        prop_assert_eq!(d.ari_noise_label, Some(1.0));
        prop_assert_eq!(d.n_matched, d.n_groups);
        // Group 1, when present, is the one true flag; the others are known.
        let has_1 = truth_labels.contains(&Some(1));
        prop_assert_eq!(s.summary.novelty_recall, has_1.then_some(1.0));
        prop_assert_eq!(d.n_true_novel, usize::from(has_1));
    }
}
