//! The pipeline end to end on generated traffic: clusters, lineages,
//! novelty, state persistence and refusal of repeated days.

mod common;

use common::{day_records, newcomer, three_groups};
use darkdca::trace::PacketRecord;
use darkdca::{CheckedConfig, Config, DayResult, Error, Pipeline};

const DAY0: i64 = 19_000;

/// Small embeddings and a few epochs keep the test fast and stable.
fn config() -> CheckedConfig {
    let mut c = Config::default();
    c.embedding.vector_size = 32;
    c.embedding.bootstrap_epochs = 10;
    c.embedding.epochs = 5;
    c.check().unwrap()
}

/// Days 0 and 1: the three groups; day 2: the three groups and a newcomer.
fn days() -> Vec<Vec<PacketRecord>> {
    (0..3)
        .map(|d| {
            let mut groups = three_groups();
            if d == 2 {
                groups.push(newcomer());
            }
            day_records(DAY0 + d, &groups, 8, 200, 7)
        })
        .collect()
}

/// [`config`] with every novel flag a candidate: the newcomer's cluster is
/// so well separated that the default's confirming silhouette would make
/// its flag final at once.
fn candidate_config(wait: u32) -> CheckedConfig {
    let mut c = config().get().clone();
    c.tracking.novelty_confirm_silhouette = None;
    c.tracking.novelty_wait_inactive = wait;
    c.check().unwrap()
}

fn run_all(p: &mut Pipeline) -> Vec<DayResult> {
    days().iter().flat_map(|rs| p.process_records(rs).unwrap()).collect()
}

#[test]
fn groups_become_clusters_that_keep_their_lineage() {
    let mut p = Pipeline::new(config()).unwrap();
    let results = run_all(&mut p);
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].day, "2022-01-08");

    // 90 group members are active; the 200 one-off senders are not.
    let d0 = &results[0];
    assert_eq!(d0.stats.n_active, 90);
    assert_eq!(
        d0.stats.n_clusters,
        3,
        "{:?}",
        d0.clusters.iter().map(|c| c.size).collect::<Vec<_>>()
    );
    assert!(d0.clusters.iter().all(|c| c.size == 30 && c.origin == "first"));
    assert!(d0.stats.silhouette.unwrap() > 0.5);

    // The Mirai-like group is labelled and pure.
    let mirai = d0.clusters.iter().find(|c| c.majority_label == "mirai-like").unwrap();
    assert_eq!(mirai.purity, 1.0);
    assert!(mirai.profile.top_services.iter().any(|s| s.key == "23/tcp"));
    assert_eq!(mirai.profile.mirai_share, 1.0);

    // Day 1: every cluster survives under the same lineage.
    let d1 = &results[1];
    assert_eq!(d1.transitions.len(), 3);
    assert!(d1.transitions.iter().all(|t| t.kind == "survived"), "{:?}", d1.transitions);
    let mut l0: Vec<u64> = d0.clusters.iter().map(|c| c.lineage).collect();
    let mut l1: Vec<u64> = d1.clusters.iter().map(|c| c.lineage).collect();
    l0.sort_unstable();
    l1.sort_unstable();
    assert_eq!(l0, l1);
    assert!(d1.emerged.is_empty() && d1.novel.is_empty());

    // Day 2: the newcomer emerges as a novel cluster of absent senders.
    let d2 = &results[2];
    assert_eq!(d2.stats.n_clusters, 4);
    assert_eq!(d2.novel.len(), 1);
    let novel = d2.cluster(d2.novel[0]).unwrap();
    assert_eq!(novel.size, 30);
    assert_eq!(novel.provenance.as_deref(), Some("absent"));
    assert!(novel.members.iter().all(|m| m.starts_with("10.4.")));

    // Every active sender has a CSV row; group members have a lineage.
    assert_eq!(d2.senders.len(), 120);
    assert!(d2.senders.iter().all(|s| s.lineage.is_some()));
}

#[test]
fn a_resumed_run_equals_an_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = days();

    let mut straight = Pipeline::new(config()).unwrap();
    let expected = run_all(&mut straight);

    // Day 0 and 1, save, drop; reopen and do day 2.
    {
        let mut p = Pipeline::create(dir.path(), config(), None).unwrap();
        for rs in &data[..2] {
            p.process_records(rs).unwrap();
            p.save().unwrap();
        }
    }
    let mut p = Pipeline::open(dir.path()).unwrap();
    assert_eq!(p.days().len(), 2);
    let mut last = p.process_records(&data[2]).unwrap();
    p.save().unwrap();
    let mut got = last.pop().unwrap();
    let mut want = expected[2].clone();
    got.stats.timings_ms = Default::default();
    want.stats.timings_ms = Default::default();
    assert_eq!(got, want);

    // The stored day results and metadata are there.
    let state = darkdca::state::StateDir::new(dir.path());
    assert_eq!(state.read_meta().unwrap().days.len(), 3);
    assert_eq!(state.read_day(&want.day).unwrap().clusters.len(), want.clusters.len());
}

#[test]
fn a_processed_day_is_refused_and_not_counted_twice() {
    let dir = tempfile::tempdir().unwrap();
    let data = days();
    let mut p = Pipeline::create(dir.path(), config(), None).unwrap();
    p.process_records(&data[0]).unwrap();
    p.process_records(&data[1]).unwrap();
    p.save().unwrap();
    let err = p.process_records(&data[1]).unwrap_err();
    assert!(matches!(err, Error::DayAlreadyProcessed { .. }), "{err}");
    let err = p.process_records(&data[0]).unwrap_err();
    assert!(matches!(err, Error::DayAlreadyProcessed { .. }), "{err}");
    assert_eq!(p.days().len(), 2);

    // After reopening, too.
    let mut p = Pipeline::open(dir.path()).unwrap();
    assert!(matches!(p.process_records(&data[1]), Err(Error::DayAlreadyProcessed { .. })));
}

#[test]
fn another_configuration_is_refused_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    Pipeline::create(dir.path(), config(), None).unwrap();
    // No day committed yet: the state takes another configuration.
    let other = Config::default().check().unwrap();
    let p = Pipeline::open_or_create(dir.path(), other.clone(), None).unwrap();
    assert_eq!(p.config().hash(), other.hash());
    let mut p = Pipeline::open_or_create(dir.path(), config(), None).unwrap();
    p.process_records(&days()[0]).unwrap();
    p.save().unwrap();
    // Once a day is in, it does not.
    let err = Pipeline::open_or_create(dir.path(), other, None).unwrap_err();
    assert!(matches!(err, Error::ConfigMismatch { .. }), "{err}");
    assert!(err.to_string().contains("embedding.vector_size"), "{err}");
    assert!(Pipeline::open_or_create(dir.path(), config(), None).is_ok());
}

#[test]
fn a_day_without_active_senders_makes_every_cluster_inactive() {
    let mut p = Pipeline::new(config()).unwrap();
    let data = days();
    p.process_records(&data[0]).unwrap();
    // Only noise on the next day.
    let noise = day_records(DAY0 + 1, &[], 1, 50, 3);
    let r = p.process_records(&noise).unwrap().pop().unwrap();
    assert_eq!(r.stats.n_active, 0);
    assert_eq!(r.stats.n_clusters, 0);
    assert_eq!(r.transitions.len(), 3);
    assert!(r.transitions.iter().all(|t| t.kind == "inactive"));
}

#[test]
fn the_novelty_gate_keeps_emerged_clusters_below_it_from_being_novel() {
    let mut c = config().get().clone();
    // No silhouette reaches 1: every emerged cluster stays un-novel.
    c.tracking.novelty_min_silhouette = Some(1.0);
    let mut p = Pipeline::new(c.check().unwrap()).unwrap();
    let results = run_all(&mut p);
    let d2 = &results[2];
    assert_eq!(d2.emerged.len(), 1);
    assert!(d2.novel.is_empty());
    assert!(d2.clusters.iter().all(|c| !c.novel));
}

#[test]
fn a_single_cluster_has_no_silhouette_and_its_day_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let one = vec![three_groups().remove(0)];
    // HDBSCAN reports a lone group only when a single cluster is allowed.
    let mut c = config().get().clone();
    c.clustering.allow_single_cluster = true;
    let mut p = Pipeline::create(dir.path(), c.check().unwrap(), None).unwrap();
    let r = p.process_records(&day_records(DAY0, &one, 8, 50, 1)).unwrap().pop().unwrap();
    p.save().unwrap();
    assert_eq!(r.stats.n_clusters, 1);
    assert_eq!(r.stats.silhouette, None);
    assert_eq!(r.clusters[0].silhouette, None);
    // Timings are compared apart: JSON parsing may move a float's last bit.
    let state = darkdca::state::StateDir::new(dir.path());
    let mut back = state.read_day(&r.day).unwrap();
    let mut r = r;
    back.stats.timings_ms = Default::default();
    r.stats.timings_ms = Default::default();
    assert_eq!(back, r);
}

#[test]
fn the_known_share_gate_keeps_new_senders_novel() {
    let mut c = config().get().clone();
    c.tracking.novelty_max_known_share = Some(0.5);
    let mut p = Pipeline::new(c.check().unwrap()).unwrap();
    let results = run_all(&mut p);
    let d2 = &results[2];
    // The newcomer's members were never clustered before: still novel.
    assert_eq!(d2.novel.len(), 1);
    assert!(d2.clusters.iter().all(|c| c.novelty_gate.is_none()));
    let n_members: usize = results.iter().flat_map(|r| &r.clusters).map(|c| c.size).sum();
    assert!(p.clustered_senders().len() >= 120 && p.clustered_senders().len() <= n_members);
}

#[test]
fn the_clustered_senders_survive_a_resume_and_are_rebuilt_for_old_states() {
    let data = days();
    let mut straight = Pipeline::new(config()).unwrap();
    for rs in &data[..2] {
        straight.process_records(rs).unwrap();
    }
    let want = straight.clustered_senders().clone();
    assert!(!want.is_empty());

    let dir = tempfile::tempdir().unwrap();
    {
        let mut p = Pipeline::create(dir.path(), config(), None).unwrap();
        for rs in &data[..2] {
            p.process_records(rs).unwrap();
            p.save().unwrap();
        }
    }
    assert_eq!(Pipeline::open(dir.path()).unwrap().clustered_senders(), &want);

    // A state written before the set existed: no file, no meta flag (and
    // no checksum of meta.json, which came later still).
    let meta_path = dir.path().join("meta.json");
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&meta_path).unwrap()).unwrap();
    let generation = meta["generation"].as_u64().unwrap();
    assert_eq!(meta["has_clustered"], serde_json::Value::Bool(true));
    meta.as_object_mut().unwrap().remove("has_clustered");
    meta.as_object_mut().unwrap().remove("checksum");
    std::fs::write(&meta_path, serde_json::to_vec(&meta).unwrap()).unwrap();
    std::fs::remove_file(dir.path().join(format!("clustered-{generation}.bin"))).unwrap();
    assert_eq!(Pipeline::open(dir.path()).unwrap().clustered_senders(), &want);
}

/// Day 3 for the confirmation tests: the three groups, and the newcomer
/// when `newcomer_back`.
fn day3(newcomer_back: bool) -> Vec<PacketRecord> {
    let mut groups = three_groups();
    if newcomer_back {
        groups.push(newcomer());
    }
    day_records(DAY0 + 3, &groups, 8, 200, 7)
}

#[test]
fn a_novelty_candidate_is_confirmed_when_it_survives_and_across_a_resume() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut p = Pipeline::create(dir.path(), candidate_config(7), None).unwrap();
        let results = run_all(&mut p);
        p.save().unwrap();
        let d2 = &results[2];
        assert_eq!(d2.novel.len(), 1);
        let flagged = d2.cluster(d2.novel[0]).unwrap();
        assert!(flagged.novel);
        assert_eq!(flagged.novelty_status.as_deref(), Some("pending"));
        assert!(results.iter().all(|r| r.novelty_decisions.is_empty()));
        assert_eq!(p.novelty_candidates().len(), 1);
    }
    // The candidate is kept in meta.json and decided after the resume.
    let mut p = Pipeline::open(dir.path()).unwrap();
    assert_eq!(p.novelty_candidates().len(), 1);
    let lineage = p.novelty_candidates()[0].lineage;
    let d3 = p.process_records(&day3(true)).unwrap().pop().unwrap();
    p.save().unwrap();
    assert_eq!(d3.novelty_decisions.len(), 1, "{:?}", d3.novelty_decisions);
    let decision = &d3.novelty_decisions[0];
    assert_eq!((decision.lineage, decision.confirmed), (lineage, true));
    assert_eq!(
        (decision.flagged_day.as_str(), decision.transition.as_str()),
        ("2022-01-10", "survived")
    );
    assert!(d3.novel.is_empty(), "the newcomer survives, it does not emerge again");
    assert!(p.novelty_candidates().is_empty());
    let state = darkdca::state::StateDir::new(dir.path());
    assert!(state.read_meta().unwrap().novelty_candidates.is_empty());
    assert_eq!(state.read_day("2022-01-11").unwrap().novelty_decisions, d3.novelty_decisions);
}

/// Day `DAY0 + day` with the three groups, and the newcomer when `back`.
fn later_day(day: i64, back: bool) -> Vec<PacketRecord> {
    let mut groups = three_groups();
    if back {
        groups.push(newcomer());
    }
    day_records(DAY0 + day, &groups, 8, 200, 7)
}

#[test]
fn a_novelty_candidate_that_does_not_come_back_is_rejected() {
    // Without a wait, the first silent day rejects.
    let mut p = Pipeline::new(candidate_config(0)).unwrap();
    let results = run_all(&mut p);
    let lineage = results[2].novel[0];
    let d3 = p.process_records(&day3(false)).unwrap().pop().unwrap();
    assert_eq!(d3.novelty_decisions.len(), 1);
    let decision = &d3.novelty_decisions[0];
    assert_eq!((decision.lineage, decision.confirmed), (lineage, false));
    assert_eq!(decision.transition, "inactive");
    assert_eq!(d3.novelty_decision(lineage, results[2].batch_id), Some(decision));

    // Waiting two days, the third silent day rejects.
    let mut p = Pipeline::new(candidate_config(2)).unwrap();
    let results = run_all(&mut p);
    let lineage = results[2].novel[0];
    for day in 3..5 {
        let r = p.process_records(&later_day(day, false)).unwrap().pop().unwrap();
        assert!(r.novelty_decisions.is_empty(), "day {day}: {:?}", r.novelty_decisions);
        assert_eq!(p.novelty_candidates()[0].silent_since, Some(results[2].batch_id + 1));
    }
    let d5 = p.process_records(&later_day(5, false)).unwrap().pop().unwrap();
    let decision = &d5.novelty_decisions[0];
    assert_eq!((decision.lineage, decision.confirmed), (lineage, false));
    assert_eq!(decision.transition, "inactive");
    assert!(p.novelty_candidates().is_empty());
}

#[test]
fn a_novelty_candidate_whose_group_comes_back_is_confirmed_across_a_resume() {
    let dir = tempfile::tempdir().unwrap();
    let (lineage, flagged) = {
        let mut p = Pipeline::create(dir.path(), candidate_config(7), None).unwrap();
        let results = run_all(&mut p);
        // Silent on day 3: the candidate waits, and the state keeps it.
        let d3 = p.process_records(&day3(false)).unwrap().pop().unwrap();
        assert!(d3.novelty_decisions.is_empty());
        p.save().unwrap();
        (results[2].novel[0], results[2].batch_id)
    };
    let state = darkdca::state::StateDir::new(dir.path());
    let kept = state.read_meta().unwrap().novelty_candidates;
    assert_eq!((kept.len(), kept[0].lineage), (1, lineage));
    assert_eq!(kept[0].silent_since, Some(flagged + 1), "silent since day 3");

    // Back on day 4, re-identified under its lineage: confirmed.
    let mut p = Pipeline::open(dir.path()).unwrap();
    let d4 = p.process_records(&later_day(4, true)).unwrap().pop().unwrap();
    let back = d4.clusters.iter().find(|c| c.lineage == lineage).expect("the newcomer is back");
    assert_eq!(back.reidentified_from, Some(lineage));
    assert!(!back.novel);
    let decision = d4.novelty_decision(lineage, flagged).unwrap();
    assert!(decision.confirmed);
    assert_eq!(
        (decision.flagged_day.as_str(), decision.transition.as_str()),
        ("2022-01-10", "returned")
    );
    assert!(p.novelty_candidates().is_empty());
}

#[test]
fn a_well_separated_novel_cluster_is_final_at_once() {
    // The default confirms at a silhouette of 0.95; the newcomer's is higher.
    let mut p = Pipeline::new(config()).unwrap();
    let results = run_all(&mut p);
    let d2 = &results[2];
    let flagged = d2.cluster(d2.novel[0]).unwrap();
    assert!(flagged.silhouette.unwrap() >= 0.95, "{:?}", flagged.silhouette);
    assert_eq!(flagged.novelty_status, None);
    assert!(p.novelty_candidates().is_empty());
    let d3 = p.process_records(&day3(false)).unwrap().pop().unwrap();
    assert!(d3.novelty_decisions.is_empty());
}

#[test]
fn without_confirmation_novel_flags_are_final() {
    let mut c = Config::default();
    c.embedding.vector_size = 32;
    c.tracking.novelty_confirm_batches = 0;
    let mut p = Pipeline::new(c.check().unwrap()).unwrap();
    let results = run_all(&mut p);
    let d2 = &results[2];
    assert_eq!(d2.novel.len(), 1);
    assert_eq!(d2.cluster(d2.novel[0]).unwrap().novelty_status, None);
    let d3 = p.process_records(&day3(false)).unwrap().pop().unwrap();
    assert!(d3.novelty_decisions.is_empty());
    assert!(p.novelty_candidates().is_empty());
}

/// Day 2 of `days()` with the second group dissolved: each of its members
/// still sends 8 packets, but to a port of its own, alone.
fn dissolved_day() -> Vec<PacketRecord> {
    let groups = three_groups();
    let kept = [groups[0].clone(), groups[2].clone()];
    let mut day = day_records(DAY0 + 2, &kept, 8, 200, 7);
    let start = (DAY0 + 2) * common::DAY_NS;
    for (i, src) in groups[1].senders().into_iter().enumerate() {
        for k in 0..8i64 {
            let ts = start + k * 3_600_000_000_000 + i as i64 * 7_000_000;
            let port = 30_000 + i as u16;
            day.push(common::syn(ts, src, std::net::Ipv4Addr::new(192, 0, 2, 9), port, false));
        }
    }
    day.sort_by_key(|r| r.ts_ns);
    day
}

/// What became of the second group's lineage on the dissolution day.
fn fate_of_dissolved_group(min_support: f64) -> String {
    let mut c = Config::default();
    c.embedding.vector_size = 32;
    c.embedding.bootstrap_epochs = 10;
    c.embedding.epochs = 5;
    c.clustering.min_support = min_support;
    let mut p = Pipeline::new(c.check().unwrap()).unwrap();
    let all = days();
    let d1 = p.process_records(&all[0]).unwrap().pop().unwrap();
    let d1 = [d1, p.process_records(&all[1]).unwrap().pop().unwrap()];
    let member = "10.2.0.0";
    let lineage = d1[1].senders.iter().find(|s| s.address == member).unwrap().lineage.unwrap();
    let d2 = p.process_records(&dissolved_day()).unwrap().pop().unwrap();
    let t = d2.transitions.iter().find(|t| t.lineage == lineage).unwrap();
    t.kind.clone()
}

#[test]
fn the_support_gate_lets_a_dissolved_group_disappear() {
    // The model still places the members together: without the gate the
    // cluster survives on memory alone.
    assert_eq!(fate_of_dissolved_group(0.0), "survived");
    assert_eq!(fate_of_dissolved_group(0.1), "disappeared");
}

/// Senders a long run no longer sees leave the model after
/// `embedding.retire_after` days, so a state that runs every day does not
/// grow without end; the others keep their vectors.
#[test]
fn senders_unseen_for_retire_after_days_leave_the_model() {
    let groups = three_groups();
    let gone = groups[1].sender(0);
    let kept = groups[0].sender(0);
    let model_after = |retire_after: Option<u32>| {
        let mut c = Config::default();
        c.embedding.vector_size = 32;
        c.embedding.retire_after = retire_after;
        let mut p = Pipeline::new(c.check().unwrap()).unwrap();
        for d in 0..4 {
            // Group 1 sends on day 0 only.
            let today: Vec<_> = groups
                .iter()
                .enumerate()
                .filter(|&(i, _)| d == 0 || i != 1)
                .map(|(_, g)| g.clone())
                .collect();
            p.process_records(&day_records(DAY0 + d, &today, 8, 50, 7)).unwrap();
        }
        let m = p.model().unwrap();
        (m.contains(&gone), m.contains(&kept))
    };
    assert_eq!(model_after(Some(2)), (false, true));
    assert_eq!(model_after(None), (true, true));
}

#[test]
fn a_failed_save_names_its_days_and_keeps_the_last_generation() {
    let dir = tempfile::tempdir().unwrap();
    let data = days();
    let mut p = Pipeline::create(dir.path(), config(), None).unwrap();
    p.process_records(&data[0]).unwrap();
    p.save().unwrap();
    let a = p.process_records(&data[1]).unwrap().pop().unwrap();
    let b = p.process_records(&data[2]).unwrap().pop().unwrap();
    // Something in the way of the next model file: the save fails.
    let blocker = dir.path().join("model-2.bin");
    std::fs::create_dir_all(blocker.join("in-the-way")).unwrap();
    let err = p.save().unwrap_err().to_string();
    let days = format!("save stage failed on day {} to {}", a.day, b.day);
    assert!(err.contains(&days) && err.contains("model-2.bin"), "{err}");
    // The state still holds the first day only, and reopens.
    let state = darkdca::state::StateDir::new(dir.path());
    assert_eq!(state.read_meta().unwrap().days.len(), 1);
    std::fs::remove_dir_all(&blocker).unwrap();
    assert_eq!(Pipeline::open(dir.path()).unwrap().days().len(), 1);
}
