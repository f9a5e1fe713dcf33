//! Invariants on random partitions (proptest with a fixed seed).

use std::collections::{BTreeMap, HashMap, HashSet};

use monic_dca::{
    BatchAnalysis, ClusterId, FastHashBuilder, Novelty, Origin, Params, Partition, Tracker,
    Transition, TransitionKind, compare,
};
use proptest::prelude::*;

/// Per member 0..n: absent (`None`), noise (`Some(None)`) or a cluster label.
type Labels = Vec<Option<Option<u32>>>;

fn labels(n: usize, k: u32) -> impl Strategy<Value = Labels> {
    prop::collection::vec(
        prop_oneof![
            1 => Just(None),
            1 => Just(Some(None)),
            4 => (0..k).prop_map(|c| Some(Some(c))),
        ],
        n,
    )
}

fn partition(l: &Labels) -> Partition<u32> {
    let items = l.iter().enumerate().filter_map(|(m, s)| s.map(|c| (m as u32, c)));
    Partition::from_labels(items).expect("members are distinct")
}

fn weighted(l: &Labels, w: &[f64]) -> Partition<u32> {
    let items = l.iter().enumerate().filter_map(|(m, s)| s.map(|c| (m as u32, c, w[m])));
    Partition::from_weighted_labels(items).expect("members are distinct")
}

fn members(p: &Partition<u32>) -> HashMap<u32, Option<ClusterId>> {
    let mut out = HashMap::new();
    for (id, g) in p.clusters() {
        out.extend(g.members().iter().map(|&m| (m, Some(id))));
    }
    out.extend(p.noise().members().iter().map(|&m| (m, None)));
    out
}

/// The number of clusters `Y` with `|X ∩ Y| / |X ∩ U| ≥ τ0`, computed directly.
fn strong_matches(x: &[u32], next: &HashMap<u32, Option<ClusterId>>, t0: f64) -> Vec<ClusterId> {
    let mut counts: BTreeMap<ClusterId, usize> = BTreeMap::new();
    let mut active = 0usize;
    for m in x {
        if let Some(slot) = next.get(m) {
            active += 1;
            if let Some(c) = slot {
                *counts.entry(*c).or_default() += 1;
            }
        }
    }
    counts.into_iter().filter(|&(_, n)| n as f64 / active as f64 >= t0).map(|(c, _)| c).collect()
}

fn check_invariants(prev: &Partition<u32>, next: &Partition<u32>, a: &BatchAnalysis) {
    let t0 = Params::paper().match_threshold();
    // Exactly one transition per cluster of t, in id order.
    let ids: Vec<ClusterId> = prev.clusters().map(|(id, _)| id).collect();
    let got: Vec<ClusterId> = a.transitions.iter().map(|t| t.cluster).collect();
    assert_eq!(got, ids);
    let next_ids: Vec<ClusterId> = next.clusters().map(|(id, _)| id).collect();
    assert_eq!(a.clusters.iter().map(|c| c.cluster).collect::<Vec<_>>(), next_ids);

    // At most one strong match, and a strong match means survived or absorbed into it
    // (unless inactive or gone to noise first).
    let slots = members(next);
    for t in &a.transitions {
        let x = prev.cluster(t.cluster).expect("cluster of t").members();
        let strong = strong_matches(x, &slots, t0);
        assert!(strong.len() <= 1);
        let kind = t.transition.kind();
        match (strong.first(), kind) {
            (Some(y), TransitionKind::Survived | TransitionKind::Absorbed) => {
                assert_eq!(t.transition.targets()[0].cluster, *y);
            }
            (Some(_), k) => {
                assert!(matches!(k, TransitionKind::Inactive | TransitionKind::Disappeared))
            }
            (None, k) => assert!(!matches!(k, TransitionKind::Survived | TransitionKind::Absorbed)),
        }
    }

    // At most one survivor per next cluster, and the origin says which.
    let mut survivors: HashMap<ClusterId, Vec<ClusterId>> = HashMap::new();
    for t in &a.transitions {
        if let Transition::Survived { into, .. } = &t.transition {
            survivors.entry(into.cluster).or_default().push(t.cluster);
        }
    }
    for y in &a.clusters {
        let s = survivors.get(&y.cluster).map_or(&[][..], Vec::as_slice);
        assert!(s.len() <= 1);
        match &y.origin {
            Origin::Survived { from } => assert_eq!(s, &[*from]),
            Origin::Emerged(_) => assert!(s.is_empty()),
            // A first batch of noise only leaves no history (cold start).
            Origin::FirstBatch => assert_eq!(prev.n_clusters(), 0),
        }
    }

    // With lag 1 in the look-back, a cluster of t + 1 that a split or an absorption
    // points to is never novel: novel clusters have no predecessor at all.
    let mut targeted: HashMap<ClusterId, Vec<ClusterId>> = HashMap::new();
    for t in &a.transitions {
        if matches!(t.transition.kind(), TransitionKind::Split | TransitionKind::Absorbed) {
            for y in t.transition.targets() {
                targeted.entry(y.cluster).or_default().push(t.cluster);
            }
        }
    }
    for y in &a.clusters {
        let from = targeted.get(&y.cluster);
        if let Origin::Emerged(e) = &y.origin {
            let mut listed: Vec<ClusterId> =
                e.absorbed.iter().chain(&e.split_from).copied().collect();
            listed.sort_unstable();
            let mut expected = from.cloned().unwrap_or_default();
            expected.sort_unstable();
            assert_eq!(listed, expected);
            match &e.novelty {
                Novelty::Novel => assert!(from.is_none()),
                Novelty::Successor => assert!(from.is_some()),
                Novelty::Reidentified(_) => {}
            }
        }
    }

    // Lineage ids are unique within the batch.
    let lineages: HashSet<_> = a.clusters.iter().map(|c| c.lineage).collect();
    assert_eq!(lineages.len(), a.clusters.len());
    let c = a.counts;
    assert_eq!(c.inactive + c.disappeared + c.split + c.survived + c.absorbed, ids.len());
    assert_eq!(c.emerged + c.survived, next_ids.len());
}

fn relabel(l: &Labels, perm: &[u32]) -> Labels {
    l.iter().map(|s| s.map(|c| c.map(|c| perm[c as usize]))).collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_204),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn invariants_hold(prev in labels(60, 6), next in labels(60, 6)) {
        let (p, q) = (partition(&prev), partition(&next));
        let a = compare(&p, &q, Params::paper()).expect("valid");
        check_invariants(&p, &q, &a);
    }

    #[test]
    fn relabelling_changes_only_names(
        prev in labels(50, 5),
        next in labels(50, 5),
        perm_a in Just((0..5u32).collect::<Vec<_>>()).prop_shuffle(),
        perm_b in Just((0..5u32).collect::<Vec<_>>()).prop_shuffle(),
    ) {
        let a = compare(&partition(&prev), &partition(&next), Params::paper()).expect("valid");
        let b = compare(
            &partition(&relabel(&prev, &perm_a)),
            &partition(&relabel(&next, &perm_b)),
            Params::paper(),
        )
        .expect("valid");
        let map_y = |c: ClusterId| ClusterId(perm_b[c.0 as usize]);
        for t in &a.transitions {
            let u = b.transition(ClusterId(perm_a[t.cluster.0 as usize])).expect("renamed");
            prop_assert_eq!(t.transition.kind(), u.transition.kind());
            prop_assert_eq!(t.activity, u.activity);
            let mut ty: Vec<_> = t.transition.targets().iter().map(|x| (map_y(x.cluster), x.overlap)).collect();
            let mut uy: Vec<_> = u.transition.targets().iter().map(|x| (x.cluster, x.overlap)).collect();
            ty.sort_by_key(|x| x.0);
            uy.sort_by_key(|x| x.0);
            prop_assert_eq!(ty, uy);
        }
        for y in &a.clusters {
            let z = b.cluster(map_y(y.cluster)).expect("renamed");
            prop_assert_eq!(y.is_emerged(), z.is_emerged());
            prop_assert_eq!(y.is_novel(), z.is_novel());
            prop_assert_eq!(y.reidentification().map(|r| r.overlap), z.reidentification().map(|r| r.overlap));
        }
        prop_assert_eq!(a.counts, b.counts);
    }

    #[test]
    fn identical_partitions_all_survive(prev in labels(60, 6)) {
        let p = partition(&prev);
        let a = compare(&p, &p, Params::paper()).expect("valid");
        prop_assert!(a.transitions.iter().all(|t| t.transition.kind() == TransitionKind::Survived));
        prop_assert_eq!(a.counts.emerged, 0);
        prop_assert_eq!(a.counts.survived, p.n_clusters());
        for (t, y) in a.transitions.iter().zip(&a.clusters) {
            prop_assert_eq!(t.lineage, y.lineage);
        }
    }

    #[test]
    fn disjoint_partitions_inactive_and_novel(prev in labels(40, 5), next in labels(40, 5)) {
        let p = partition(&prev);
        let shifted = next.iter().enumerate().filter_map(|(m, s)| s.map(|c| (m as u32 + 1000, c)));
        let q = Partition::from_labels(shifted).expect("distinct");
        let a = compare(&p, &q, Params::paper()).expect("valid");
        prop_assert!(a.transitions.iter().all(|t| t.transition.kind() == TransitionKind::Inactive));
        prop_assert!(a.clusters.iter().all(|y| y.is_novel()));
        prop_assert_eq!(a.counts.novel, q.n_clusters());
    }

    #[test]
    fn unit_weights_reproduce_unweighted(prev in labels(60, 6), next in labels(60, 6)) {
        let ones = vec![1.0; 60];
        let a = compare(&partition(&prev), &partition(&next), Params::paper()).expect("valid");
        let b = compare(&weighted(&prev, &ones), &weighted(&next, &ones), Params::paper()).expect("valid");
        prop_assert_eq!(a, b);
    }

    #[test]
    fn weighted_invariants_hold(
        prev in labels(60, 6),
        next in labels(60, 6),
        w in prop::collection::vec(0.1f64..10.0, 60),
    ) {
        let (p, q) = (weighted(&prev, &w), weighted(&next, &w));
        let a = compare(&p, &q, Params::paper()).expect("valid");
        prop_assert_eq!(a.transitions.len(), p.n_clusters());
        let mut survivors = HashSet::new();
        for t in &a.transitions {
            if let Transition::Survived { into, .. } = &t.transition {
                prop_assert!(survivors.insert(into.cluster));
            }
        }
    }

    #[test]
    fn fast_hasher_gives_the_same_results(days in prop::collection::vec(labels(40, 4), 1..6)) {
        let mut std_tracker = Tracker::new(Params::paper());
        let mut fast = Tracker::<u32, FastHashBuilder>::with_hasher(Params::paper());
        for (b, l) in days.iter().enumerate() {
            let a = std_tracker.push(b as u64, partition(l)).expect("valid");
            prop_assert_eq!(fast.push(b as u64, partition(l)).expect("valid"), a);
        }
        let bytes = bincode::serde::encode_to_vec(&fast, bincode::config::standard()).expect("encode");
        let (back, _): (Tracker<u32, FastHashBuilder>, usize) =
            bincode::serde::decode_from_slice(&bytes, bincode::config::standard()).expect("decode");
        prop_assert_eq!(back.n_members(), std_tracker.n_members());
    }

    #[test]
    fn long_runs_keep_lineages_unique(days in prop::collection::vec(labels(40, 4), 2..8)) {
        // Over several batches: lineage ids unique per batch, every transition counted,
        // and saving/restoring mid-way changes nothing.
        let mut tr = Tracker::new(Params::reference());
        let mut restored: Option<Tracker<u32>> = None;
        for (b, l) in days.iter().enumerate() {
            let a = tr.push(b as u64, partition(l)).expect("valid");
            if let Some(r) = &mut restored {
                prop_assert_eq!(&r.push(b as u64, partition(l)).expect("valid"), &a);
            }
            let lineages: HashSet<_> = a.clusters.iter().map(|c| c.lineage).collect();
            prop_assert_eq!(lineages.len(), a.clusters.len());
            if b == 0 {
                let bytes = bincode::serde::encode_to_vec(&tr, bincode::config::standard()).expect("encode");
                let (back, _): (Tracker<u32>, usize) =
                    bincode::serde::decode_from_slice(&bytes, bincode::config::standard()).expect("decode");
                restored = Some(back);
            }
        }
    }
}
