//! The table of hand-derived cases in `fixtures/monic-dca/cases.json`, run under the
//! paper's and the reference code's presets.

use std::collections::BTreeMap;
use std::path::PathBuf;

use monic_dca::{BatchAnalysis, ClusterId, Params, Partition, Tracker, TransitionKind};
use serde::Deserialize;

#[derive(Deserialize)]
struct Corpus {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    batches: Vec<Batch>,
    paper: Expect,
    reference: Expect,
}

#[derive(Deserialize)]
struct Batch {
    clusters: BTreeMap<u32, Vec<u32>>,
    noise: Vec<u32>,
}

#[derive(Deserialize)]
struct Expect {
    transitions: BTreeMap<u32, TransitionKind>,
    #[serde(default)]
    parts: BTreeMap<u32, Vec<u32>>,
    emerged: Vec<u32>,
    novel: Vec<u32>,
    #[serde(default)]
    reidentified: BTreeMap<u32, (u64, u32)>,
    #[serde(default)]
    lineages: BTreeMap<u32, u64>,
}

fn corpus() -> Corpus {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/monic-dca/cases.json");
    let text = std::fs::read_to_string(&path).expect("fixture file is in the repository");
    serde_json::from_str(&text).expect("fixture file is valid")
}

fn run(case: &Case, params: Params) -> BatchAnalysis {
    let mut tracker = Tracker::new(params);
    let mut last = None;
    for (b, batch) in case.batches.iter().enumerate() {
        let p = Partition::from_clusters(batch.clusters.clone(), batch.noise.clone())
            .expect("fixture partitions are valid");
        last = Some(tracker.push(b as u64, p).expect("increasing batches"));
    }
    last.expect("every case has batches")
}

fn check(case: &Case, preset: &str, a: &BatchAnalysis, e: &Expect) {
    let ctx = format!("{} ({preset})", case.name);
    for (&c, &kind) in &e.transitions {
        let t = a.transition(ClusterId(c)).unwrap_or_else(|| panic!("{ctx}: no cluster {c}"));
        assert_eq!(t.transition.kind(), kind, "{ctx}: cluster {c}");
    }
    for (&c, parts) in &e.parts {
        let t = a.transition(ClusterId(c)).unwrap_or_else(|| panic!("{ctx}: no cluster {c}"));
        let got: Vec<u32> = t.transition.targets().iter().map(|x| x.cluster.0).collect();
        assert_eq!(&got, parts, "{ctx}: targets of {c}");
    }
    let ids = |f: fn(&monic_dca::NextCluster) -> bool| -> Vec<u32> {
        a.clusters.iter().filter(|y| f(y)).map(|y| y.cluster.0).collect()
    };
    assert_eq!(ids(|y| y.is_emerged()), e.emerged, "{ctx}: emerged");
    assert_eq!(ids(|y| y.is_novel()), e.novel, "{ctx}: novel");
    for (&c, &(batch, cluster)) in &e.reidentified {
        let y = a.cluster(ClusterId(c)).unwrap_or_else(|| panic!("{ctx}: no cluster {c}"));
        let r = y.reidentification().unwrap_or_else(|| panic!("{ctx}: {c} not re-identified"));
        assert_eq!((r.batch.0, r.cluster.0), (batch, cluster), "{ctx}: match of {c}");
    }
    for (&c, &lineage) in &e.lineages {
        let y = a.cluster(ClusterId(c)).unwrap_or_else(|| panic!("{ctx}: no cluster {c}"));
        assert_eq!(y.lineage.0, lineage, "{ctx}: lineage of {c}");
    }
}

#[test]
fn fixture_cases_under_both_presets() {
    let corpus = corpus();
    assert!(corpus.cases.len() >= 6);
    for case in &corpus.cases {
        check(case, "paper", &run(case, Params::paper()), &case.paper);
        check(case, "reference", &run(case, Params::reference()), &case.reference);
    }
}
