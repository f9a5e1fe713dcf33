//! The `darkdca` binary on tiny generated captures: outputs, resumption,
//! refusals and exit codes.

mod common;

use std::net::Ipv4Addr;
use std::path::Path;

use common::{DAY_NS, DAY0, darkdca, s, syn, text, write_pcap};
use darkdca::trace::{Addr, PacketRecord};

/// One day: three groups of 15 senders, each probing its own two ports in
/// 6 rounds, plus 20 one-packet senders.
fn day(d: i64) -> Vec<PacketRecord> {
    let ports = [[22u16, 2222], [445, 139], [23, 2323]];
    let mut out = Vec::new();
    let mut k: i64 = 0;
    for round in 0..6 {
        for (g, pair) in ports.iter().enumerate() {
            for m in 0..15u8 {
                // Rotate the order each round so neighbours change.
                let m = (m + round as u8 * 7) % 15;
                for &port in pair {
                    k += 1;
                    let src = Addr::V4(Ipv4Addr::new(10, g as u8 + 1, 0, m));
                    out.push(syn((DAY0 + d) * DAY_NS + k * 1_000_000_000, src, port));
                }
            }
        }
    }
    for i in 0..20u8 {
        out.push(syn(
            (DAY0 + d) * DAY_NS + 3600 * 1_000_000_000,
            Addr::V4(Ipv4Addr::new(203, 0, 113, i)),
            8080,
        ));
    }
    out
}

/// A folder with two day captures and a small, fast configuration.
fn setup(dir: &Path) {
    let caps = dir.join("caps");
    std::fs::create_dir_all(&caps).unwrap();
    write_pcap(&caps.join("day-0.pcap"), &day(0));
    write_pcap(&caps.join("day-1.pcap"), &day(1));
    std::fs::write(caps.join("notes.txt"), "not a capture").unwrap();
    std::fs::write(
        dir.join("small.toml"),
        "[embedding]\nvector_size = 24\nbootstrap_epochs = 15\nepochs = 5\n",
    )
    .unwrap();
}

#[test]
fn run_writes_outputs_and_resumes_without_counting_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let (state, out, caps) = (dir.join("state"), dir.join("out"), dir.join("caps"));
    let small = dir.join("small.toml");
    let args = ["run", s(&caps), "--state", s(&state), "--out", s(&out), "--config", s(&small)];
    let o = darkdca(&args);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("2 day(s) processed"), "{}", text(&o));

    // JSON: versioned, 45 active senders in 3 clusters.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("days/2026-01-01.json")).unwrap()).unwrap();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["stats"]["n_senders"], 65);
    assert_eq!(json["stats"]["n_active"], 45);
    assert_eq!(json["clusters"].as_array().unwrap().len(), 3, "{}", json["clusters"]);
    let day1: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("days/2026-01-02.json")).unwrap()).unwrap();
    let kinds: Vec<&str> = day1["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["survived"; 3]);

    // CSV: a header and one row per active sender.
    let csv = std::fs::read_to_string(out.join("days/2026-01-02.senders.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("address,day,cluster,lineage,packets,label"));
    assert_eq!(lines.count(), 45);

    // The same captures again: refused with exit 3, nothing counted twice.
    let again = darkdca(&["run", s(&caps), "--state", s(&state), "--out", s(&out)]);
    assert_eq!(again.status.code(), Some(3), "{}", text(&again));
    assert!(text(&again).contains("already"), "{}", text(&again));
    let skip =
        darkdca(&["run", s(&caps), "--state", s(&state), "--out", s(&out), "--skip-processed"]);
    assert!(skip.status.success(), "{}", text(&skip));
    assert!(text(&skip).contains("0 day(s) processed, 2 skipped"), "{}", text(&skip));
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["days"].as_array().unwrap().len(), 2);

    // Another preset than the state's is refused.
    let other =
        darkdca(&["run", s(&caps), "--state", s(&state), "--out", s(&out), "--preset", "novtrack"]);
    assert_eq!(other.status.code(), Some(3), "{}", text(&other));

    // show and report.
    let lineage = json["clusters"][0]["lineage"].as_u64().unwrap().to_string();
    let shown = darkdca(&["show", &lineage, "--state", s(&state)]);
    assert!(shown.status.success(), "{}", text(&shown));
    assert!(text(&shown).contains("2026-01-02"), "{}", text(&shown));
    let missing = darkdca(&["show", "999999", "--state", s(&state)]);
    assert_eq!(missing.status.code(), Some(3));
    let report = darkdca(&["report", "--state", s(&state), "--out", s(&out)]);
    assert!(report.status.success(), "{}", text(&report));
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("<svg"));
}

#[test]
fn exit_codes_for_usage_and_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let (state, out) = (dir.join("state"), dir.join("out"));

    // Usage error: clap's status 2.
    assert_eq!(darkdca(&["run", "x"]).status.code(), Some(2));
    // Nothing to read.
    let o = darkdca(&["run", s(&dir.join("nope")), "--state", s(&state), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    // Not a capture.
    let o =
        darkdca(&["run", s(&dir.join("caps/notes.txt")), "--state", s(&state), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    // A configuration with an unknown field, and one with a bad value.
    std::fs::write(dir.join("bad.toml"), "[tracking]\ntau = 0.7\n").unwrap();
    let o = darkdca(&[
        "run",
        s(&dir.join("caps")),
        "--state",
        s(&state),
        "--out",
        s(&out),
        "--config",
        s(&dir.join("bad.toml")),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("tau"), "{}", text(&o));
    std::fs::write(dir.join("bad2.toml"), "[tracking]\nmatch_threshold = 2.0\n").unwrap();
    let o = darkdca(&["config", "--config", s(&dir.join("bad2.toml"))]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("tracking.match_threshold"), "{}", text(&o));
    // A state of another format version.
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("meta.json"), "{\"format_version\": 99}").unwrap();
    let o = darkdca(&["run", s(&dir.join("caps")), "--state", s(&state), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("format version 99"), "{}", text(&o));
}

#[test]
fn help_has_examples_and_config_prints_presets() {
    let o = darkdca(&["--help"]);
    assert!(o.status.success());
    assert!(text(&o).contains("Examples:") && text(&o).contains("Exit status"));
    let o = darkdca(&["config", "--preset", "novtrack"]);
    assert!(o.status.success(), "{}", text(&o));
    let toml = String::from_utf8_lossy(&o.stdout).into_owned();
    let c = darkdca::Config::from_toml_str(&toml).unwrap();
    assert_eq!(c, darkdca::Config::preset(darkdca::Preset::Novtrack));
    let o = darkdca(&["config", "--preset", "recommended"]);
    assert!(o.status.success(), "{}", text(&o));
    let c = darkdca::Config::from_toml_str(&String::from_utf8_lossy(&o.stdout)).unwrap();
    assert_eq!(c, darkdca::Config::preset(darkdca::Preset::Recommended));
}

/// A day with the three groups and a fourth that the run has not seen:
/// 15 new senders probing 3389 and 5900 together, in 6 rounds.
fn day_with_newcomer(d: i64) -> Vec<PacketRecord> {
    let mut out = day(d);
    let mut k: i64 = 0;
    for round in 0..6u8 {
        for m in 0..15u8 {
            let m = (m + round * 7) % 15;
            for port in [3389u16, 5900] {
                k += 1;
                let src = Addr::V4(Ipv4Addr::new(10, 4, 0, m));
                out.push(syn((DAY0 + d) * DAY_NS + (7200 + k) * 1_000_000_000, src, port));
            }
        }
    }
    out.sort_by_key(|r| r.ts_ns);
    out
}

/// The lineage of the novel clusters in a day's JSON.
fn novel_lineages(out: &Path, day: &str) -> Vec<u64> {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(format!("days/{day}.json"))).unwrap())
            .unwrap();
    json["novel"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect()
}

#[test]
fn novelty_candidates_are_shown_pending_then_confirmed_or_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    // Every flag a candidate (the newcomers are so well separated that the
    // default's confirming silhouette would make their flag final at once),
    // rejected the first day its group is silent.
    let small = dir.join("candidates.toml");
    let base = std::fs::read_to_string(dir.join("small.toml")).unwrap();
    let tracking = "[tracking]\nnovelty_confirm_silhouette = 2.0\nnovelty_wait_inactive = 0\n";
    std::fs::write(&small, format!("{base}{tracking}")).unwrap();
    std::fs::remove_file(dir.join("caps/notes.txt")).unwrap();
    write_pcap(&dir.join("caps/day-2.pcap"), &day_with_newcomer(2));
    // Day 3 with the newcomers back, or without them.
    let (back, gone) = (dir.join("back"), dir.join("gone"));
    std::fs::create_dir_all(&back).unwrap();
    std::fs::create_dir_all(&gone).unwrap();
    write_pcap(&back.join("day-3.pcap"), &day_with_newcomer(3));
    write_pcap(&gone.join("day-3.pcap"), &day(3));

    // Days 0 to 2 under the default preset (confirmation after one day).
    let (state, out) = (dir.join("state"), dir.join("out"));
    let caps = dir.join("caps");
    let o =
        darkdca(&["run", s(&caps), "--state", s(&state), "--out", s(&out), "--config", s(&small)]);
    assert!(o.status.success(), "{}", text(&o));
    let novel = novel_lineages(&out, "2026-01-03");
    assert_eq!(novel.len(), 1, "{}", text(&o));
    let id = novel[0];
    assert!(text(&o).contains("novel candidates 1 (NOVEL?, confirmation pending)"), "{}", text(&o));
    assert!(text(&o).contains(&format!("#{id:<5} NOVEL?")), "{}", text(&o));
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("novel candidates, awaiting confirmation"));
    assert!(html.contains("? awaiting confirmation"));

    // A copy of the state for the rejection.
    let (state2, out2) = (dir.join("state2"), dir.join("out2"));
    std::fs::create_dir_all(&state2).unwrap();
    for e in std::fs::read_dir(&state).unwrap().flatten() {
        if e.path().is_dir() {
            std::fs::create_dir_all(state2.join(e.file_name())).unwrap();
            for f in std::fs::read_dir(e.path()).unwrap().flatten() {
                std::fs::copy(f.path(), state2.join(e.file_name()).join(f.file_name())).unwrap();
            }
        } else {
            std::fs::copy(e.path(), state2.join(e.file_name())).unwrap();
        }
    }

    // The newcomers come back: confirmed, in the terminal, show and report.
    let o = darkdca(&["run", s(&back), "--state", s(&state), "--out", s(&out)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("confirmed novel: lineage {id}, flagged 2026-01-03")),
        "{}",
        text(&o)
    );
    let shown = darkdca(&["show", &id.to_string(), "--state", s(&state)]);
    assert!(
        text(&shown).contains("novel candidate flagged 2026-01-03: confirmed on 2026-01-04"),
        "{}",
        text(&shown)
    );
    let shown = darkdca(&["show", &id.to_string(), "--state", s(&state), "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(json["history"][0]["cluster"]["novelty_status"], "pending");
    assert_eq!(json["novelty_decisions"][0]["day"], "2026-01-04");
    assert_eq!(json["novelty_decisions"][0]["decision"]["confirmed"], true);
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("✓ confirmed on 2026-01-04"));
    assert!(html.contains("data-kpi=\"confirmed\"><span class=\"v\">1</span>"));

    // They do not: rejected, and no longer a novel cluster of the report.
    let o = darkdca(&["run", s(&gone), "--state", s(&state2), "--out", s(&out2)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("not confirmed: lineage {id}, flagged 2026-01-03 (")),
        "{}",
        text(&o)
    );
    let shown = darkdca(&["show", &id.to_string(), "--state", s(&state2)]);
    assert!(
        text(&shown).contains("novel candidate flagged 2026-01-03: not confirmed on 2026-01-04"),
        "{}",
        text(&shown)
    );
    let input: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out2.join("report_input.json")).unwrap()).unwrap();
    assert_eq!(input["novel_clusters"], serde_json::json!([]));
    assert_eq!(input["days"][3]["n_novel_rejected"], 1);
}
