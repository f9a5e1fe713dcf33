//! Hand-worked examples: every transition, emergence, novelty and the open cases.
//! Each expected value is derived from the definitions in the comment above it.

use monic_dca::{
    BatchAnalysis, ClusterId, DisappearanceCause, LineageId, LookBack, Novelty, Origin, Params,
    Partition, ProvenanceKind, Result, SizeChange, Tracker, Transition, TransitionKind, compare,
};

fn part(clusters: &[(u32, &[u32])], noise: &[u32]) -> Partition<u32> {
    Partition::from_clusters(clusters.iter().map(|(c, m)| (*c, m.to_vec())), noise.to_vec())
        .expect("test partitions have no duplicates")
}

fn range(a: u32, b: u32) -> Vec<u32> {
    (a..=b).collect()
}

fn kind(a: &BatchAnalysis, c: u32) -> TransitionKind {
    a.transition(ClusterId(c)).expect("cluster of t").transition.kind()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn survived_with_internal_change() -> Result<()> {
    // X0 = {1..10} → Y5 = {1..9, 11}; 10 is absent. A = 9/10 = 0.9; r(Y5) = 9/9 = 1 ≥
    // 0.65, the only strong match of Y5: Survived. OL(X0, Y5) = 0.9, OL(Y5, X0) = 9/10.
    // Size 10 → 10: ratio 1, unchanged; left 1 - 0.9 = 0.1, joined 1 - 0.9 = 0.1.
    let mut y5 = range(1, 9);
    y5.push(11);
    let a = compare(&part(&[(0, &range(1, 10))], &[]), &part(&[(5, &y5)], &[]), Params::paper())?;
    let t = a.transition(ClusterId(0)).expect("X0");
    assert!(close(t.activity, 0.9));
    let Transition::Survived { into, internal } = &t.transition else { panic!("{t:?}") };
    assert_eq!(into.cluster, ClusterId(5));
    assert!(close(into.overlap, 0.9) && close(into.share, 1.0));
    assert!(close(into.backward_overlap, 0.9));
    assert_eq!(internal.size, SizeChange::Unchanged);
    assert!(close(internal.left, 0.1) && close(internal.joined, 0.1));
    let y = a.cluster(ClusterId(5)).expect("Y5");
    assert_eq!(y.origin, Origin::Survived { from: ClusterId(0) });
    assert_eq!(y.lineage, t.lineage);
    assert_eq!((a.counts.survived, a.counts.emerged), (1, 0));
    Ok(())
}

#[test]
fn survivor_among_several_strong_matches_and_absorbed() -> Result<()> {
    // X0 = {1..10}, X1 = {11..13} → Y = {1..13}. Both have r(Y) = 1. OL(Y, X0) = 10/13
    // ≈ 0.77 ≥ 0.65: X0 survived; OL(Y, X1) = 3/13 ≈ 0.23 < 0.65: X1 absorbed.
    let prev = part(&[(0, &range(1, 10)), (1, &range(11, 13))], &[]);
    let a = compare(&prev, &part(&[(0, &range(1, 13))], &[]), Params::paper())?;
    assert_eq!(kind(&a, 0), TransitionKind::Survived);
    assert_eq!(kind(&a, 1), TransitionKind::Absorbed);
    let t1 = a.transition(ClusterId(1)).expect("X1");
    assert!(close(t1.transition.targets()[0].backward_overlap, 3.0 / 13.0));
    let Transition::Survived { internal, .. } = &a.transition(ClusterId(0)).expect("X0").transition
    else {
        panic!("X0 survived")
    };
    // Size 10 → 13: ratio 1.3 > 1.1: grew; joined 1 - 10/13 = 3/13.
    assert_eq!(internal.size, SizeChange::Grew);
    assert!(close(internal.joined, 3.0 / 13.0));
    assert!(!a.cluster(ClusterId(0)).expect("Y").is_emerged());
    Ok(())
}

#[test]
fn merge_absorbs_both_and_emerges() -> Result<()> {
    // X0 = {1..6}, X1 = {11..16} → Y = {1..6, 11..16, 21..30} (22 members). Each X has
    // r(Y) = 1 but OL(Y, X) = 6/22 < 0.65: both absorbed, Y emerged. Provenance:
    // pieces 6/22 each (clusters 12/22 ≈ 0.55), absent 10/22 ≈ 0.45, noise 0: Clusters.
    let prev = part(&[(0, &range(1, 6)), (1, &range(11, 16))], &[]);
    let mut y: Vec<u32> = range(1, 6);
    y.extend(range(11, 16));
    y.extend(range(21, 30));
    let a = compare(&prev, &part(&[(3, &y)], &[]), Params::paper())?;
    assert_eq!((kind(&a, 0), kind(&a, 1)), (TransitionKind::Absorbed, TransitionKind::Absorbed));
    let Origin::Emerged(e) = &a.cluster(ClusterId(3)).expect("Y").origin else { panic!() };
    assert_eq!(e.absorbed, vec![ClusterId(0), ClusterId(1)]);
    assert_eq!(e.provenance.kind, ProvenanceKind::Clusters);
    assert!(close(e.provenance.from_absent, 10.0 / 22.0));
    assert!(close(e.provenance.pieces[0].share, 6.0 / 22.0));
    // Paper look-back includes lag 1: OL(X0, Y) = OL(X1, Y) = 1 ≥ 0.65. Tie: same batch,
    // smaller cluster id, X0; its lineage L0 is free today, so Y takes it back.
    let Novelty::Reidentified(r) = &e.novelty else { panic!("not novel: {e:?}") };
    assert_eq!((r.cluster, r.lineage, r.restored), (ClusterId(0), LineageId(0), true));
    assert_eq!(a.cluster(ClusterId(3)).expect("Y").lineage, LineageId(0));
    // The reference code skips lag 1: the same merge is a novelty there.
    let a = compare(&prev, &part(&[(3, &y)], &[]), Params::reference())?;
    assert!(a.cluster(ClusterId(3)).expect("Y").is_novel());
    assert_eq!(a.cluster(ClusterId(3)).expect("Y").lineage, LineageId(2));
    Ok(())
}

#[test]
fn split_into_parts() -> Result<()> {
    // X0 = {1..10} → Y1 = {1..5}, Y2 = {6..9, 50}, noise {10}. A = 1; r = 0.5, 0.4 and
    // noise 0.1. No r ≥ 0.65, r ≥ 0.3 for Y1, Y2: Split into [Y1, Y2].
    let next = part(&[(1, &range(1, 5)), (2, &[6, 7, 8, 9, 50])], &[10]);
    let a = compare(&part(&[(0, &range(1, 10))], &[]), &next, Params::paper())?;
    let t = a.transition(ClusterId(0)).expect("X0");
    let Transition::Split { parts } = &t.transition else { panic!("{t:?}") };
    let got: Vec<(ClusterId, f64)> = parts.iter().map(|p| (p.cluster, p.overlap)).collect();
    assert_eq!(got, vec![(ClusterId(1), 0.5), (ClusterId(2), 0.4)]);
    assert!(close(t.noise_share, 0.1));
    // Both parts emerged. The backward overlaps OL(X0, Y1) = 0.5 and OL(X0, Y2) = 0.4
    // stay below 0.65, but X0 split into them at lag 1: successors, not novel.
    for c in [1, 2] {
        let y = a.cluster(ClusterId(c)).expect("part");
        let Origin::Emerged(e) = &y.origin else { panic!("{y:?}") };
        assert_eq!((&e.novelty, &e.split_from[..]), (&Novelty::Successor, &[ClusterId(0)][..]));
    }
    assert_eq!(
        (a.counts.split, a.counts.emerged, a.counts.successors, a.counts.novel),
        (1, 2, 2, 0)
    );
    Ok(())
}

/// Split parts made mostly of new senders (the shape of `marx` 2013-03-16).
#[test]
fn split_parts_mostly_new_are_successors_not_novel() -> Result<()> {
    // X0 = {1..43}; in t + 1 only 15 of its members are active: 5 in Y0 = {1..5} ∪
    // {101..109} (14), 7 in Y1 = {6..12} ∪ {201..214} (21), 3 in noise {13, 14, 15}.
    // A = 15/43 ≈ 0.35 ≥ 0.3; r(Y0) = 5/15 ≈ 0.33, r(Y1) = 7/15 ≈ 0.47, r(N) = 0.2:
    // no r ≥ 0.65, both ≥ 0.3: Split into [Y0, Y1].
    // Provenance of Y0: 9/14 ≈ 0.64 absent, 5/14 ≈ 0.36 from X0: Absent (likewise Y1,
    // 14/21 absent). Look-back at lag 1: OL(X0, Y0) = 5/43 ≈ 0.12, OL(X0, Y1) = 7/43
    // ≈ 0.16, both < 0.65: no re-identification. The old code called both novel, while
    // the transition said X0 split into them; they are successors of X0.
    let mut y0 = range(1, 5);
    y0.extend(range(101, 109));
    let mut y1 = range(6, 12);
    y1.extend(range(201, 214));
    let prev = part(&[(0, &range(1, 43))], &[]);
    let next = part(&[(0, &y0), (1, &y1)], &[13, 14, 15]);
    let a = compare(&prev, &next, Params::paper())?;
    let Transition::Split { parts } = &a.transition(ClusterId(0)).expect("X0").transition else {
        panic!("X0 split")
    };
    assert_eq!(parts.iter().map(|p| p.cluster).collect::<Vec<_>>(), [ClusterId(0), ClusterId(1)]);
    assert!(close(parts[0].share, 5.0 / 15.0) && close(parts[1].share, 7.0 / 15.0));
    for (c, absent) in [(0, 9.0 / 14.0), (1, 14.0 / 21.0)] {
        let y = a.cluster(ClusterId(c)).expect("part");
        let Origin::Emerged(e) = &y.origin else { panic!("{y:?}") };
        assert_eq!(e.provenance.kind, ProvenanceKind::Absent);
        assert!(close(e.provenance.from_absent, absent));
        assert_eq!(e.novelty, Novelty::Successor);
        assert!(y.is_emerged() && !y.is_novel() && y.reidentification().is_none());
    }
    // Fresh lineages: L0 was X0's, the parts get L1 and L2.
    let lineages: Vec<u64> = a.clusters.iter().map(|c| c.lineage.0).collect();
    assert_eq!(lineages, [1, 2]);
    // Reference preset: τ1 = 0.35 is also the activity floor, A ≈ 0.349 < 0.35: X0 is
    // inactive; the look-back starts at lag 2 anyway, so both are novel, as in NovTrack.
    let a = compare(&prev, &next, Params::reference())?;
    assert_eq!(kind(&a, 0), TransitionKind::Inactive);
    assert!(a.cluster(ClusterId(0)).expect("Y0").is_novel());
    assert!(a.cluster(ClusterId(1)).expect("Y1").is_novel());
    Ok(())
}

/// A merge of partly silent clusters into mostly new senders (the shape of `marx`
/// 2013-03-19).
#[test]
fn absorbing_cluster_of_partly_silent_clusters_is_a_successor() -> Result<()> {
    // X0 = {1..16} (9 active: 1..9), X1 = {21..35} (7 active: 21..27) → Y = {1..9} ∪
    // {21..27} ∪ {40} ∪ {101..139} (56 members; 40 was noise in t, 101..139 absent).
    // X0: A = 9/16 ≈ 0.56, r(Y) = 9/9 = 1 ≥ 0.65; X1: A = 7/15 ≈ 0.47, r(Y) = 1.
    // OL(Y, X0) = 9/56 ≈ 0.16, OL(Y, X1) = 7/56 = 0.125, both < 0.65: both absorbed,
    // Y emerged. Provenance: absent 39/56 ≈ 0.70, clusters 16/56 ≈ 0.29, noise 1/56:
    // Absent. Look-back (paper, lag 1 included): OL(X0, Y) = 9/16 = 0.5625 and
    // OL(X1, Y) = 7/15 ≈ 0.47, both < 0.65, so the old code called Y novel while
    // saying X0 and X1 were absorbed into it. Y is their successor.
    let prev = part(&[(0, &range(1, 16)), (1, &range(21, 35))], &[40]);
    let mut y = range(1, 9);
    y.extend(range(21, 27));
    y.push(40);
    y.extend(range(101, 139));
    assert_eq!(y.len(), 56);
    let a = compare(&prev, &part(&[(0, &y)], &[]), Params::paper())?;
    assert_eq!((kind(&a, 0), kind(&a, 1)), (TransitionKind::Absorbed, TransitionKind::Absorbed));
    let c = a.cluster(ClusterId(0)).expect("Y");
    let Origin::Emerged(e) = &c.origin else { panic!("{c:?}") };
    assert_eq!(e.absorbed, [ClusterId(0), ClusterId(1)]);
    assert!(e.split_from.is_empty());
    assert_eq!(e.provenance.kind, ProvenanceKind::Absent);
    assert!(close(e.provenance.from_absent, 39.0 / 56.0));
    assert_eq!(e.novelty, Novelty::Successor);
    assert!(!c.is_novel());
    assert_eq!((a.counts.absorbed, a.counts.successors, a.counts.novel), (2, 1, 0));
    // The lineage graph gets absorption edges into Y and no novel node.
    Ok(())
}

/// A cluster that takes few of X's senders is not a split part, and then not a
/// successor (the shape of the demo's 2026-01-08).
#[test]
fn single_part_split_leaves_out_a_cluster_below_the_split_share() -> Result<()> {
    // X0 = {1..100}, all active: 56 in Y0 = {1..56}, 26 in Y1 = {57..82}, 18 in noise.
    // r(Y0) = 0.56 < 0.65, r(Y1) = 0.26 < 0.3, r(N) = 0.18: Split into [Y0] only,
    // although Y1 is made only of X0's senders (OL(Y1, X0) = 1). Y0 is a successor;
    // Y1 is not a part, and OL(X0, Y1) = 0.26 < 0.65: novel under the paper's rule,
    // with provenance Clusters (the piece X0 holds all of it).
    let next = part(&[(0, &range(1, 56)), (1, &range(57, 82))], &range(83, 100));
    let a = compare(&part(&[(0, &range(1, 100))], &[]), &next, Params::paper())?;
    let t = &a.transition(ClusterId(0)).expect("X0").transition;
    assert_eq!(t.kind(), TransitionKind::Split);
    assert_eq!(t.targets().iter().map(|p| p.cluster).collect::<Vec<_>>(), [ClusterId(0)]);
    assert!(close(t.targets()[0].share, 0.56));
    let y0 = a.cluster(ClusterId(0)).expect("Y0");
    assert!(y0.is_emerged() && !y0.is_novel());
    let y1 = a.cluster(ClusterId(1)).expect("Y1");
    let Origin::Emerged(e) = &y1.origin else { panic!("{y1:?}") };
    assert!(e.split_from.is_empty() && e.novelty == Novelty::Novel);
    assert_eq!(e.provenance.kind, ProvenanceKind::Clusters);
    assert!(close(e.provenance.pieces[0].share, 1.0));
    Ok(())
}

/// Cold start: novelty needs history.
#[test]
fn first_batch_with_a_cluster_is_the_first_batch() -> Result<()> {
    // Batches 0 and 1 hold only noise ({1..5}, then nothing at all); batch 2 is the first
    // with clusters: Y0 = {1..10}, Y1 = {20..29}. There is no earlier cluster to
    // compare with, so both are FirstBatch (fresh L0, L1), not emerged and not novel,
    // exactly as if batch 2 had been the first pushed.
    let mut tr = Tracker::new(Params::paper());
    let a0 = tr.push(0, part(&[], &range(1, 5)))?;
    assert!(a0.clusters.is_empty());
    tr.push(1, part(&[], &[]))?;
    let a2 = tr.push(2, part(&[(0, &range(1, 10)), (1, &range(20, 29))], &[]))?;
    assert_eq!(a2.previous.map(|b| b.0), Some(1));
    assert!(a2.transitions.is_empty());
    for (c, l) in [(0, 0), (1, 1)] {
        let y = a2.cluster(ClusterId(c)).expect("cluster");
        assert_eq!((&y.origin, y.lineage), (&Origin::FirstBatch, LineageId(l)));
    }
    assert_eq!((a2.counts.emerged, a2.counts.novel), (0, 0));
    // The next batch is compared as usual: Y0 survives, {40..49} is novel.
    let a3 = tr.push(3, part(&[(0, &range(1, 10)), (1, &range(40, 49))], &[]))?;
    assert_eq!(kind(&a3, 0), TransitionKind::Survived);
    assert_eq!(kind(&a3, 1), TransitionKind::Inactive);
    assert!(a3.cluster(ClusterId(1)).expect("new").is_novel());
    assert_eq!(a3.cluster(ClusterId(1)).expect("new").lineage, LineageId(2));
    // A batch of noise only after clusters have been seen changes nothing: the batch
    // after it is compared with history (its cluster is emerged, here novel).
    tr.push(4, part(&[], &range(1, 10)))?;
    let a5 = tr.push(5, part(&[(0, &range(60, 69))], &[]))?;
    assert!(a5.clusters[0].is_novel());
    Ok(())
}

#[test]
fn split_with_a_single_part_open_case() -> Result<()> {
    // X0 = {1..10} → Y1 = {1..5}, Y2 = {6}, noise {7..10}: r(Y1) = 0.5, r(N) = 0.4,
    // r(Y2) = 0.1. Split into [Y1] only (noise is never a part).
    let next = part(&[(1, &range(1, 5)), (2, &[6])], &range(7, 10));
    let a = compare(&part(&[(0, &range(1, 10))], &[]), &next, Params::paper())?;
    let targets = a.transition(ClusterId(0)).expect("X0").transition.targets().to_vec();
    assert_eq!(kind(&a, 0), TransitionKind::Split);
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].cluster, ClusterId(1));
    Ok(())
}

#[test]
fn disappeared_into_noise() -> Result<()> {
    // X0 = {1..10} → noise {1..7}, Y = {8, 9, 10, 40}: r(N) = 0.7 ≥ 0.65.
    let next = part(&[(0, &[8, 9, 10, 40])], &range(1, 7));
    let a = compare(&part(&[(0, &range(1, 10))], &[]), &next, Params::paper())?;
    let t = a.transition(ClusterId(0)).expect("X0");
    assert_eq!(t.transition, Transition::Disappeared { cause: DisappearanceCause::IntoNoise });
    // Y emerged: 3/4 came from X0 (Clusters), not a survivor.
    let Origin::Emerged(e) = &a.cluster(ClusterId(0)).expect("Y").origin else { panic!() };
    assert_eq!(e.provenance.kind, ProvenanceKind::Clusters);
    assert!(e.absorbed.is_empty());
    Ok(())
}

#[test]
fn disappeared_scattered_open_case() -> Result<()> {
    // X0 = {1..10} → noise {1..5}, Y1 = {6, 7}, Y2 = {8, 9}, Y3 = {10}: r(N) = 0.5 < 0.65
    // although it is the largest share; best cluster r = 0.2 < 0.3: Disappeared,
    // scattered.
    let next = part(&[(1, &[6, 7]), (2, &[8, 9]), (3, &[10])], &range(1, 5));
    let a = compare(&part(&[(0, &range(1, 10))], &[]), &next, Params::paper())?;
    let t = a.transition(ClusterId(0)).expect("X0");
    assert_eq!(t.transition, Transition::Disappeared { cause: DisappearanceCause::Scattered });
    assert!(close(t.noise_share, 0.5));
    Ok(())
}

#[test]
fn inactive_and_partly_absent() -> Result<()> {
    // X0 = {1..10}: 2 present → A = 0.2 < 0.3: Inactive.
    // X1 = {11..20}: 6 absent, 3 in Y, 1 noise → A = 0.4, r(Y) = 3/4 = 0.75: Survived,
    // with OL(X1, Y) = 0.3.
    let prev = part(&[(0, &range(1, 10)), (1, &range(11, 20))], &[]);
    let next = part(&[(4, &[1, 2, 11, 12, 13])], &[14]);
    let a = compare(&prev, &next, Params::paper())?;
    assert_eq!(kind(&a, 0), TransitionKind::Inactive);
    let t1 = a.transition(ClusterId(1)).expect("X1");
    assert!(close(t1.activity, 0.4));
    let Transition::Survived { into, .. } = &t1.transition else { panic!("{t1:?}") };
    assert!(close(into.overlap, 0.3) && close(into.share, 0.75));
    Ok(())
}

#[test]
fn emerged_from_noise_and_from_absent() -> Result<()> {
    // Noise of t {1..8} → Y0 = {1..8, 9, 10}: from noise 0.8 → Noise.
    // Y1 = {100..104} never seen: absent 1.0 → Absent. Both novel.
    let next = part(&[(0, &range(1, 10)), (1, &range(100, 104))], &[]);
    let a = compare(&part(&[(0, &[50, 51])], &range(1, 8)), &next, Params::paper())?;
    for (c, k, share) in [(0, ProvenanceKind::Noise, 0.8), (1, ProvenanceKind::Absent, 1.0)] {
        let y = a.cluster(ClusterId(c)).expect("Y");
        let Origin::Emerged(e) = &y.origin else { panic!() };
        assert_eq!(e.provenance.kind, k);
        let got = if c == 0 { e.provenance.from_noise } else { e.provenance.from_absent };
        assert!(close(got, share));
        assert!(y.is_novel());
    }
    assert_eq!((a.counts.emerged, a.counts.novel), (2, 2));
    Ok(())
}

#[test]
fn threshold_ties_at_one_half() -> Result<()> {
    let p = Params::builder().match_threshold(0.5).build()?;
    // τ0 = 0.5. X0 = {1..4} → Y1 = {1, 2}, Y2 = {3, 4}: r = 0.5 each: no unique strong
    // match, Split into both.
    let a =
        compare(&part(&[(0, &range(1, 4))], &[]), &part(&[(1, &[1, 2]), (2, &[3, 4])], &[]), p)?;
    assert_eq!(kind(&a, 0), TransitionKind::Split);
    // X0 = {1, 2}, X1 = {3, 4} → Y = {1..4}: both strong, OL(Y, X) = 0.5 ≥ τ0 for both:
    // neither is the survivor, both absorbed, Y emerged.
    let a =
        compare(&part(&[(0, &[1, 2]), (1, &[3, 4])], &[]), &part(&[(9, &range(1, 4))], &[]), p)?;
    assert_eq!((kind(&a, 0), kind(&a, 1)), (TransitionKind::Absorbed, TransitionKind::Absorbed));
    assert!(a.cluster(ClusterId(9)).expect("Y").is_emerged());
    // X0 = {1..4} → noise {1, 2}, Y = {3, 4}: r(N) = 0.5 ≥ τ0 first: Disappeared.
    let a = compare(&part(&[(0, &range(1, 4))], &[]), &part(&[(1, &[3, 4])], &[1, 2]), p)?;
    assert_eq!(kind(&a, 0), TransitionKind::Disappeared);
    Ok(())
}

#[test]
fn grows_goes_silent_and_comes_back() -> Result<()> {
    let mut tr = Tracker::new(Params::paper());
    // Batch 0: X = {1..10} → lineage L0.
    let a0 = tr.push(0, part(&[(0, &range(1, 10))], &[]))?;
    assert_eq!(a0.clusters[0].origin, Origin::FirstBatch);
    assert_eq!(a0.counts.emerged, 0);
    // Batch 1: grows to {1..15}: r = 1 → Survived, ratio 1.5 → Grew, keeps L0.
    let a1 = tr.push(1, part(&[(0, &range(1, 15))], &[]))?;
    assert_eq!(kind(&a1, 0), TransitionKind::Survived);
    assert_eq!(a1.clusters[0].lineage, LineageId(0));
    // Batch 2: silent (only unrelated senders): A = 0 → Inactive.
    let a2 = tr.push(2, part(&[(0, &range(200, 210))], &[]))?;
    assert_eq!(kind(&a2, 0), TransitionKind::Inactive);
    assert!(a2.clusters[0].is_novel());
    assert_eq!(a2.clusters[0].lineage, LineageId(1));
    // Batch 3: back as Y = {3..14}. Emerged (nothing of batch 2 survived into it).
    // Backward: batch 1's cluster OL = 12/15 = 0.8, batch 0's OL = |{3..10}|/10 = 0.8.
    // Tie at 0.8 → the larger shared weight, 12 > 8: batch 1. Re-identified, not novel,
    // L0 restored.
    let a3 = tr.push(3, part(&[(7, &range(3, 14))], &[]))?;
    let y = a3.cluster(ClusterId(7)).expect("Y");
    assert!(y.is_emerged() && !y.is_novel());
    let r = y.reidentification().expect("re-identified");
    assert_eq!(
        (r.batch.0, r.cluster, r.lineage, r.restored),
        (1, ClusterId(0), LineageId(0), true)
    );
    assert!(close(r.overlap, 0.8));
    assert_eq!(y.lineage, LineageId(0));
    assert_eq!((a3.counts.reidentified, a3.counts.restored, a3.counts.novel), (1, 1, 0));
    // The lineage graph holds a re-identification edge into batch 3.
    assert!(tr.lineage_graph().to_json()?.contains("\"kind\":\"Reidentified\""));
    assert_eq!(tr.lineage_graph().lineage(LineageId(0)).len(), 3);
    Ok(())
}

#[test]
fn bounded_look_back_reference_window() -> Result<()> {
    // Reference look-back: lags 2..=14 at 0.6. X = {1..10} at batch 0, silent after.
    // Back at batch 14 (lag 14) → re-identified; at batch 15 (lag 15) → novel.
    for (back_at, novel) in [(14u64, false), (15, true)] {
        let mut tr = Tracker::new(Params::reference());
        tr.push(0, part(&[(0, &range(1, 10))], &[]))?;
        tr.push(1, part(&[], &[]))?;
        // 6 of 10 back: OL = 0.6 = threshold.
        let a = tr.push(back_at, part(&[(0, &range(1, 6))], &[]))?;
        assert_eq!(a.clusters[0].is_novel(), novel, "back at {back_at}");
    }
    Ok(())
}

#[test]
fn normalised_backward_test() -> Result<()> {
    // X = {1..10} at batch 0. Batch 1 empty. Batch 2: Y = {1..5}, members 6..10 absent.
    // OL(X, Y) = 0.5 < 0.65 → novel. Normalised: 5 / w(X ∩ U_2) = 5/5 = 1 → re-identified.
    for (normalise, novel) in [(false, true), (true, false)] {
        let lb = LookBack { normalise, ..LookBack::PAPER };
        let mut tr = Tracker::new(Params::builder().look_back(lb).build()?);
        tr.push(0, part(&[(0, &range(1, 10))], &[]))?;
        tr.push(1, part(&[], &[]))?;
        let a = tr.push(2, part(&[(0, &range(1, 5))], &[]))?;
        assert_eq!(a.clusters[0].is_novel(), novel);
        if let Some(r) = a.clusters[0].reidentification() {
            assert_eq!(r.overlap, 1.0);
        }
    }
    // Normalisation counts noise as active: with 6..10 in noise today, 5/10 = 0.5: novel.
    let lb = LookBack { normalise: true, ..LookBack::PAPER };
    let mut tr = Tracker::new(Params::builder().look_back(lb).build()?);
    tr.push(0, part(&[(0, &range(1, 10))], &[]))?;
    tr.push(1, part(&[], &[]))?;
    let a = tr.push(2, part(&[(0, &range(1, 5))], &range(6, 10)))?;
    assert!(a.clusters[0].is_novel());
    Ok(())
}

#[test]
fn reidentified_lineage_taken_gets_new_id() -> Result<()> {
    // Batch 0: S = {1..10} (L0). Batch 1: S' = {1..30}: r = 1 → S survived, L0.
    // Batch 2: S'' = {11..30}, F = {1..10}. For S': r(S'') = 20/30 ≈ 0.67 ≥ 0.65 →
    // Survived into S'' (L0). F emerged; backward: OL(S, F) = 10/10 = 1 (batch 0),
    // OL(S', F) = 10/30 (batch 1): best is S with lineage L0, held today by S'': F is
    // re-identified (not novel) but gets a fresh id L1, restored = false.
    let mut tr = Tracker::new(Params::paper());
    tr.push(0, part(&[(0, &range(1, 10))], &[]))?;
    tr.push(1, part(&[(0, &range(1, 30))], &[]))?;
    let a = tr.push(2, part(&[(0, &range(11, 30)), (1, &range(1, 10))], &[]))?;
    assert_eq!(kind(&a, 0), TransitionKind::Survived);
    assert_eq!(a.cluster(ClusterId(0)).expect("S''").lineage, LineageId(0));
    let f = a.cluster(ClusterId(1)).expect("F");
    let r = f.reidentification().expect("F re-identified");
    assert_eq!(
        (r.batch.0, r.cluster, r.lineage, r.restored),
        (0, ClusterId(0), LineageId(0), false)
    );
    assert_eq!(r.overlap, 1.0);
    assert_eq!(f.lineage, LineageId(1));
    assert_eq!((a.counts.reidentified, a.counts.restored, a.counts.novel), (1, 0, 0));
    Ok(())
}

#[test]
fn two_claims_on_one_lineage() -> Result<()> {
    // With disjoint clusters and a threshold above 0.5 only one emerged cluster can
    // reach an old cluster, so take threshold 0.5 (and τ0 = 0.5). Batch 0: X = {1..4}
    // (L0). Batch 1: an unrelated cluster (L1). Batch 2: Y1 = {1, 2}, Y2 = {3, 4}:
    // OL(X, Y1) = OL(X, Y2) = 0.5. Same overlap → the smaller cluster id, Y1, takes L0
    // back; Y2 is re-identified with X too but gets the fresh id L2.
    let lb = LookBack { threshold: 0.5, ..LookBack::PAPER };
    let p = Params::builder().match_threshold(0.5).look_back(lb).build()?;
    let mut tr = Tracker::new(p);
    tr.push(0, part(&[(0, &range(1, 4))], &[]))?;
    tr.push(1, part(&[(0, &[90])], &[]))?;
    let a = tr.push(2, part(&[(1, &[1, 2]), (2, &[3, 4])], &[]))?;
    let (y1, y2) = (a.cluster(ClusterId(1)).expect("Y1"), a.cluster(ClusterId(2)).expect("Y2"));
    assert_eq!(y1.lineage, LineageId(0));
    assert!(y1.reidentification().expect("Y1").restored);
    let r2 = y2.reidentification().expect("Y2");
    assert_eq!((r2.lineage, r2.restored), (LineageId(0), false));
    assert_eq!(y2.lineage, LineageId(2));
    assert_eq!((a.counts.reidentified, a.counts.restored), (2, 1));
    Ok(())
}

#[test]
fn weights_change_the_outcome() -> Result<()> {
    // X = {a:6, b:1, c:1, d:1} → Y = {a, e}, noise {b, c, d}.
    // Unweighted: r(N) = 3/4 = 0.75 ≥ 0.65 → Disappeared.
    // Weighted: w(X) = 9, r(Y) = 6/9 ≈ 0.67 ≥ 0.65 → Survived; r(N) = 3/9.
    let un = compare(
        &part(&[(0, &[1, 2, 3, 4])], &[]),
        &part(&[(0, &[1, 5])], &[2, 3, 4]),
        Params::paper(),
    )?;
    assert_eq!(kind(&un, 0), TransitionKind::Disappeared);
    let prev = Partition::from_weighted_labels([
        (1u32, Some(0u32), 6.0),
        (2, Some(0), 1.0),
        (3, Some(0), 1.0),
        (4, Some(0), 1.0),
    ])?;
    let next = Partition::from_weighted_labels([
        (1u32, Some(0u32), 6.0),
        (5, Some(0), 2.0),
        (2, None, 1.0),
        (3, None, 1.0),
        (4, None, 1.0),
    ])?;
    let w = compare(&prev, &next, Params::paper())?;
    let t = w.transition(ClusterId(0)).expect("X");
    let Transition::Survived { into, internal } = &t.transition else { panic!("{t:?}") };
    // OL(Y, X) with Y's weights: 6 / (6 + 2) = 0.75; size ratio 8/9.
    assert!(close(into.share, 6.0 / 9.0) && close(into.backward_overlap, 0.75));
    assert!(close(internal.size_ratio, 8.0 / 9.0));
    assert_eq!(internal.size, SizeChange::Shrank);
    Ok(())
}

#[test]
fn first_batch_out_of_order_and_analyse() -> Result<()> {
    let mut tr = Tracker::<u32>::new(Params::paper());
    let a = tr.push(5, part(&[(0, &[1, 2]), (3, &[4])], &[9]))?;
    assert!(a.transitions.is_empty() && a.previous.is_none());
    assert_eq!(a.counts, Default::default());
    assert_eq!(a.clusters.iter().map(|c| c.lineage.0).collect::<Vec<_>>(), vec![0, 1]);
    let err = tr.push(5, part(&[], &[])).expect_err("same batch id");
    assert_eq!(err, monic_dca::Error::BatchOutOfOrder { batch: 5, last: 5 });
    // analyse does not record: pushing afterwards gives the same analysis.
    let next = part(&[(0, &[1, 2, 7])], &[]);
    let dry = tr.analyse(6, &next)?;
    assert_eq!(tr.n_batches(), 1);
    assert_eq!(tr.push(6, next)?, dry);
    assert_eq!(tr.n_batches(), 2);
    Ok(())
}
