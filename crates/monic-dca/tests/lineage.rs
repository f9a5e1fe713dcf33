//! Lineage ids, the lineage graph and its exports, and saving/restoring a tracker.

use monic_dca::{EdgeKind, LineageId, Params, Partition, Result, Tracker, TransitionKind};

fn part(clusters: &[(u32, &[u32])], noise: &[u32]) -> Partition<u32> {
    Partition::from_clusters(clusters.iter().map(|(c, m)| (*c, m.to_vec())), noise.to_vec())
        .expect("test partitions have no duplicates")
}

fn range(a: u32, b: u32) -> Vec<u32> {
    (a..=b).collect()
}

/// Four batches exercising survival, split, absorption and re-identification.
fn story() -> Vec<Partition<u32>> {
    vec![
        // Batch 0: A = {1..10} (L0), B = {11..20} (L1), C = {21..24} (L2).
        part(&[(0, &range(1, 10)), (1, &range(11, 20)), (2, &range(21, 24))], &[]),
        // Batch 1: A survives as 0 (r = 1); B splits into 1 = {11..15} and 2 = {16..20}
        // (r = 0.5 each); C is absorbed into 0 (r = 1, OL(0, C) = 4/14 < 0.65, and A
        // holds 10/14 ≈ 0.71 ≥ 0.65, so A survives and C is absorbed).
        part(
            &[
                (0, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 21, 22, 23, 24]),
                (1, &range(11, 15)),
                (2, &range(16, 20)),
            ],
            &[],
        ),
        // Batch 2: everything silent except the split parts, which go to noise.
        part(&[], &range(11, 20)),
        // Batch 3: B comes back whole. OL = 1 with batch 0's B (10 shared) and with
        // batch 1's part {11..15} (5 shared) and {16..20}: tie on overlap, B shares more:
        // re-identified with B, L1 restored. (The parts were novel at batch 1:
        // OL(B, part) = 0.5 < 0.65, lineages L3 and L4.)
        part(&[(5, &range(11, 20))], &[]),
    ]
}

fn run(params: Params) -> Result<Tracker<u32>> {
    let mut tracker = Tracker::new(params);
    for (b, p) in story().into_iter().enumerate() {
        tracker.push(b as u64, p)?;
    }
    Ok(tracker)
}

#[test]
fn story_lineages_and_edges() -> Result<()> {
    let tracker = run(Params::paper())?;
    let g = tracker.lineage_graph();
    // Nodes: 3 + 3 + 0 + 1.
    assert_eq!(g.n_nodes(), 7);
    let kinds: Vec<EdgeKind> = g.graph().edge_weights().map(|e| e.kind).collect();
    // Batch 0 → 1: A survived, B split into two parts, C absorbed; batch 1 → 2: none
    // (all disappeared into noise or inactive); batch 3: one re-identification edge.
    let count = |k| kinds.iter().filter(|&&x| x == k).count();
    assert_eq!(count(EdgeKind::Survived), 1);
    assert_eq!(count(EdgeKind::Split), 2);
    assert_eq!(count(EdgeKind::Absorbed), 1);
    assert_eq!(count(EdgeKind::Reidentified), 1);
    // L1 is B at batch 0 and the returned cluster at batch 3.
    let l1: Vec<(u64, u32)> =
        g.lineage(LineageId(1)).iter().map(|n| (n.batch.0, n.cluster.0)).collect();
    assert_eq!(l1, vec![(0, 1), (3, 5)]);
    // Batch 1's clusters closed with their transitions at batch 2: the split parts went
    // to noise whole (r(N) = 1): disappeared; cluster 0 silent: inactive.
    let fates: Vec<Option<TransitionKind>> =
        g.graph().node_weights().filter(|n| n.batch.0 == 1).map(|n| n.transition).collect();
    assert_eq!(
        fates,
        vec![
            Some(TransitionKind::Inactive),
            Some(TransitionKind::Disappeared),
            Some(TransitionKind::Disappeared)
        ]
    );
    Ok(())
}

#[test]
fn json_and_dot_exports() -> Result<()> {
    let tracker = run(Params::paper())?;
    let json: serde_json::Value =
        serde_json::from_str(&tracker.lineage_graph().to_json()?).expect("valid JSON");
    assert_eq!(json["nodes"].as_array().map(Vec::len), Some(7));
    assert_eq!(json["edges"].as_array().map(Vec::len), Some(5));
    let reid = json["edges"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["kind"] == "Reidentified"))
        .expect("a re-identification edge");
    // From node 1 (batch 0, B) to node 6 (batch 3, cluster 5), overlap 1.
    assert_eq!((reid["from"].as_u64(), reid["to"].as_u64()), (Some(1), Some(6)));
    assert_eq!(reid["overlap"].as_f64(), Some(1.0));
    assert_eq!(json["nodes"][6]["lineage"], 1);

    let dot = tracker.lineage_graph().to_dot();
    assert!(dot.starts_with("digraph lineage {"));
    assert!(dot.contains("n0 [label=\"0/0 L0\"]"));
    assert!(dot.contains("n0 -> n3 [label=\"survived 1.00\"]"));
    assert!(dot.contains("n1 -> n6 [label=\"reidentified 1.00\", style=dashed]"));
    assert_eq!(dot.matches("subgraph").count(), 3);
    Ok(())
}

#[test]
fn save_and_restore_with_json_and_bincode() -> Result<()> {
    // Push the first two batches, save, restore, push the rest on both: same results.
    let batches = story();
    let mut tracker = Tracker::new(Params::paper());
    for (b, p) in batches.iter().take(2).enumerate() {
        tracker.push(b as u64, p.clone())?;
    }
    let json = serde_json::to_string(&tracker).expect("serialisable");
    let mut from_json: Tracker<u32> = serde_json::from_str(&json).expect("restorable");
    let cfg = bincode::config::standard();
    let bytes = bincode::serde::encode_to_vec(&tracker, cfg).expect("encode");
    let (mut from_bin, _): (Tracker<u32>, usize) =
        bincode::serde::decode_from_slice(&bytes, cfg).expect("decode");
    assert_eq!(from_json.n_batches(), 2);
    assert_eq!(from_bin.n_members(), tracker.n_members());
    for (b, p) in batches.iter().enumerate().skip(2) {
        let a = tracker.push(b as u64, p.clone())?;
        assert_eq!(from_json.push(b as u64, p.clone())?, a);
        assert_eq!(from_bin.push(b as u64, p.clone())?, a);
    }
    assert_eq!(from_json.lineage_graph().to_json()?, tracker.lineage_graph().to_json()?);
    Ok(())
}

#[test]
fn a_stored_tracker_with_indices_out_of_range_is_refused() -> Result<()> {
    let mut tracker = Tracker::new(Params::paper());
    for (b, p) in story().iter().take(2).enumerate() {
        tracker.push(b as u64, p.clone())?;
    }
    let good: serde_json::Value = serde_json::to_value(&tracker).expect("serialisable");
    assert!(serde_json::from_value::<Tracker<u32>>(good.clone()).is_ok());
    let n_members = good["members"].as_array().map_or(0, Vec::len) as u64;
    let damage = |path: &[&str], value: serde_json::Value| {
        let mut v = good.clone();
        let mut at = &mut v;
        for key in path {
            at = match key.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[*key],
            };
        }
        *at = value;
        serde_json::from_value::<Tracker<u32>>(v).map(|_| ()).map_err(|e| e.to_string())
    };
    // A member of the previous batch beyond the interned members (the case a
    // flipped bit produced: a later push indexed out of bounds).
    let err =
        damage(&["core", "prev", "partition", "clusters", "0", "members", "0"], n_members.into())
            .expect_err("a member out of range is refused");
    assert!(err.contains("member index"), "{err}");
    // A posting naming a node that does not exist.
    let err = damage(&["core", "postings", "0", "0"], 10_000.into()).expect_err("refused");
    assert!(err.contains("node"), "{err}");
    Ok(())
}
