//! Hand-made day results for the unit tests of the outputs: a run that
//! confirms novelty after one day.
//!
//! - 2026-01-09: lineage 1 (first day), candidates 12 and 14;
//! - 2026-01-10: 1 and 12 survive, 12 is confirmed, 14 went inactive and is
//!   rejected; candidate 15 emerges;
//! - 2026-01-11: 1 and 12 survive, 15 disappeared and is rejected;
//!   candidate 16 emerges and is still pending at the end of the run.

use darkdca::DayResult;
use serde_json::{Value, json};

/// 2026-01-09 as a batch id (days since 1970-01-01).
pub const FIRST_BATCH: u64 = 20_462;

fn cluster(lineage: u64, origin: &str, candidate: bool) -> Value {
    let members: Vec<String> = (0..3).map(|i| format!("10.0.{lineage}.{i}")).collect();
    let mut c = json!({
        "lineage": lineage, "local_id": lineage as u32, "size": 3, "silhouette": 0.5,
        "majority_label": "unknown", "purity": 1.0, "n_labelled": 0,
        "labelled_majority": null, "labelled_purity": null, "origin": origin,
        "provenance": if origin == "emerged" { json!("absent") } else { Value::Null },
        "reidentified_from": null, "novel": candidate, "members": members,
        "profile": {
            "n_senders": 3, "packets": 30, "mirai_share": 0.0, "n_mirai_senders": 0,
            "top_services": [{"key": "23/tcp", "count": 30}], "top_protocols": [],
            "top_slash24": [], "top_slash16": [], "activity": vec![0; 24]
        }
    });
    if candidate {
        c["novelty_status"] = json!("pending");
    }
    c
}

/// A decision on candidate `lineage`, flagged on day `flagged` of the run.
fn decision(lineage: u64, flagged: u64, confirmed: bool, transition: &str) -> Value {
    json!({
        "lineage": lineage, "flagged_day": format!("2026-01-{:02}", 9 + flagged),
        "flagged_batch_id": FIRST_BATCH + flagged, "confirmed": confirmed,
        "transition": transition
    })
}

fn day(
    i: u64,
    clusters: Vec<Value>,
    transitions: Value,
    novel: &[u64],
    decisions: Vec<Value>,
) -> DayResult {
    let senders: Vec<Value> = clusters
        .iter()
        .flat_map(|c| {
            let lineage = c["lineage"].clone();
            c["members"].as_array().unwrap().iter().map(move |m| {
                json!({"address": m, "cluster": 0, "lineage": lineage, "packets": 10,
                       "label": null})
            })
        })
        .collect();
    let emerged: Vec<u64> = clusters
        .iter()
        .filter(|c| c["origin"] == "emerged")
        .map(|c| c["lineage"].as_u64().unwrap())
        .collect();
    let value = json!({
        "schema_version": 1, "day": format!("2026-01-{:02}", 9 + i),
        "batch_id": FIRST_BATCH + i, "start_unix": (FIRST_BATCH + i) * 86_400,
        "batch_seconds": 86_400,
        "stats": {
            "n_packets": 90, "n_senders": 9, "n_active": 9, "n_embedded": 9, "n_noise": 0,
            "n_clusters": clusters.len(), "silhouette": 0.5, "purity": null,
            "timings_ms": {"corpus": 0.0, "embed": 0.0, "cluster": 0.0, "metrics": 0.0,
                           "track": 0.0, "profile": 0.0}
        },
        "clusters": clusters, "transitions": transitions, "emerged": emerged,
        "novel": novel, "novelty_decisions": decisions, "senders": senders
    });
    serde_json::from_value(value).expect("a valid day result")
}

/// The three days of the run, oldest first.
pub fn run() -> Vec<DayResult> {
    let survived = |l: u64| json!({"lineage": l, "kind": "survived", "into": [l]});
    vec![
        day(
            0,
            vec![
                cluster(1, "first", false),
                cluster(12, "first", true),
                cluster(14, "first", true),
            ],
            json!([]),
            &[12, 14],
            vec![],
        ),
        day(
            1,
            vec![
                cluster(1, "survived", false),
                cluster(12, "survived", false),
                cluster(15, "emerged", true),
            ],
            json!([survived(1), survived(12), {"lineage": 14, "kind": "inactive", "into": []}]),
            &[15],
            vec![decision(12, 0, true, "survived"), decision(14, 0, false, "inactive")],
        ),
        day(
            2,
            vec![
                cluster(1, "survived", false),
                cluster(12, "survived", false),
                cluster(16, "emerged", true),
            ],
            json!([survived(1), survived(12), {"lineage": 15, "kind": "disappeared", "into": []}]),
            &[16],
            vec![decision(15, 1, false, "disappeared")],
        ),
    ]
}

/// The same run without confirmation: every flag final, no decisions.
pub fn run_without_confirmation() -> Vec<DayResult> {
    let mut days = run();
    for d in &mut days {
        d.novelty_decisions.clear();
        for c in &mut d.clusters {
            c.novelty_status = None;
        }
    }
    days
}
