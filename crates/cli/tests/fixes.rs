//! Regression tests of the command: outputs before the state, damaged
//! captures, broken pipes, the state lock, folder walks and exit codes.

mod common;

use std::path::Path;
use std::process::Command;

use common::{darkdca, n_days, s, text, two_groups_day as day, write_pcap};

/// `caps/` with day 0 and day 1, and a small fast configuration.
fn setup(dir: &Path) {
    let caps = dir.join("caps");
    std::fs::create_dir_all(&caps).unwrap();
    write_pcap(&caps.join("day-0.pcap"), &day(0));
    write_pcap(&caps.join("day-1.pcap"), &day(1));
    std::fs::write(
        dir.join("small.toml"),
        "[embedding]\nvector_size = 16\nbootstrap_epochs = 3\nepochs = 2\nthreads = 1\n",
    )
    .unwrap();
}

#[test]
fn failing_outputs_leave_the_day_out_of_the_state() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let (state, caps, small) = (dir.join("state"), dir.join("caps"), dir.join("small.toml"));
    // `--out` is a file: the day's outputs cannot be written.
    let out = dir.join("out");
    std::fs::write(&out, "in the way").unwrap();
    let args = ["run", s(&caps), "--state", s(&state), "--out", s(&out), "--config", s(&small)];
    let o = darkdca(&args);
    assert!(!o.status.success(), "{}", text(&o));
    assert_eq!(n_days(&state), 0, "the day must not be committed: {}", text(&o));
    // Fixed: the same run goes through and nothing is lost.
    std::fs::remove_file(&out).unwrap();
    let o = darkdca(&args);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(n_days(&state), 2);
    assert!(out.join("days/2026-01-01.json").is_file());
}

#[test]
fn a_damaged_capture_is_refused_unless_partial_days_are_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let (state, out, small) = (dir.join("state"), dir.join("out"), dir.join("small.toml"));
    let cut = dir.join("cut.pcap");
    let mut bytes = std::fs::read(dir.join("caps/day-0.pcap")).unwrap();
    bytes.truncate(bytes.len() - 7);
    std::fs::write(&cut, bytes).unwrap();
    let base = ["run", s(&cut), "--state", s(&state), "--out", s(&out), "--config", s(&small)];
    let o = darkdca(&base);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("cut.pcap") && text(&o).contains("byte"), "{}", text(&o));
    assert!(text(&o).contains("--allow-partial"), "{}", text(&o));
    assert_eq!(n_days(&state), 0, "the partial day must not be committed");

    let mut args = base.to_vec();
    args.push("--allow-partial");
    let o = darkdca(&args);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(n_days(&state), 1);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("days/2026-01-01.json")).unwrap()).unwrap();
    let issue = &json["stats"]["input_issues"][0];
    assert!(issue["file"].as_str().unwrap().ends_with("cut.pcap"), "{json}");
    assert!(issue["error"].as_str().unwrap().contains("byte"), "{issue}");
}

#[test]
fn inputs_without_any_record_exit_3() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (state, out) = (dir.join("state"), dir.join("out"));
    let empty = dir.join("empty.pcap");
    write_pcap(&empty, &[]);
    let csv = dir.join("bad.csv");
    std::fs::write(&csv, "datetime,host,src,proto,type,spt,dpt\nx,y,z,w,v,u,t\n").unwrap();
    for f in [&empty, &csv] {
        let o = darkdca(&["run", s(f), "--state", s(&state), "--out", s(&out)]);
        assert_eq!(o.status.code(), Some(3), "{}", text(&o));
        assert!(text(&o).contains("no records read from"), "{}", text(&o));
    }
}

#[test]
fn a_closed_stdout_is_a_quiet_normal_exit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let (state, out, caps, small) =
        (dir.join("state"), dir.join("out"), dir.join("caps"), dir.join("small.toml"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_darkdca"))
        .args(["run", s(&caps), "--state", s(&state), "--out", s(&out), "--config", s(&small)])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end at once, as `| head -0` would.
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(n_days(&state), 2);
}

#[test]
fn a_state_in_use_is_refused_and_a_stale_lock_taken_over() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let (state, out, caps, small) =
        (dir.join("state"), dir.join("out"), dir.join("caps"), dir.join("small.toml"));
    let args = ["run", s(&caps), "--state", s(&state), "--out", s(&out), "--config", s(&small)];
    std::fs::create_dir_all(&state).unwrap();
    // This test's own process is alive: the state is in use.
    let me = std::process::id();
    std::fs::write(state.join("lock"), format!("{me}\n")).unwrap();
    let o = darkdca(&args);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains(&format!("in use by pid {me}")), "{}", text(&o));
    assert!(!state.join("meta.json").exists());

    // A process that has ended left its lock behind: taken over.
    let mut gone = Command::new("true").spawn().unwrap();
    let pid = gone.id();
    gone.wait().unwrap();
    std::fs::write(state.join("lock"), format!("{pid}\n")).unwrap();
    let o = darkdca(&args);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("stale lock"), "{}", text(&o));
    assert_eq!(n_days(&state), 2);
    assert!(!state.join("lock").exists(), "the lock is removed at exit");
}

#[cfg(unix)]
#[test]
fn folder_walks_skip_linked_folders_and_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let (state, out, caps, small) =
        (dir.join("state"), dir.join("out"), dir.join("caps"), dir.join("small.toml"));
    std::fs::create_dir_all(caps.join("sub")).unwrap();
    std::os::unix::fs::symlink("..", caps.join("sub/up")).unwrap();
    std::os::unix::fs::symlink("day-0.pcap", caps.join("again.pcap")).unwrap();
    let o = darkdca(&[
        "run",
        s(&caps),
        s(&caps.join("day-1.pcap")),
        "--state",
        s(&state),
        "--out",
        s(&out),
        "--config",
        s(&small),
        "--no-report",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("2 day(s) processed, 0 skipped"), "{}", text(&o));
    assert!(text(&o).contains("more than once"), "{}", text(&o));
}

#[test]
fn states_that_are_missing_files_truncated_or_edited_exit_3() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let (state, out, caps, small) =
        (dir.join("state"), dir.join("out"), dir.join("caps"), dir.join("small.toml"));
    let nowhere = dir.join("nowhere");
    for args in [
        vec!["show", "1", "--state", s(&nowhere)],
        vec!["report", "--state", s(&nowhere), "--out", s(&out)],
        vec!["show", "1", "--state", s(&small)],
        vec!["run", s(&caps), "--state", s(&small), "--out", s(&out)],
    ] {
        let o = darkdca(&args);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("not a darkdca state"), "{args:?}: {}", text(&o));
    }

    let o = darkdca(&[
        "run",
        s(&caps),
        "--state",
        s(&state),
        "--out",
        s(&out),
        "--config",
        s(&small),
        "--no-report",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let resume = ["run", s(&caps), "--state", s(&state), "--out", s(&out), "--skip-processed"];

    // A configuration edited by hand without its hash.
    let meta_path = state.join("meta.json");
    let meta = std::fs::read_to_string(&meta_path).unwrap();
    let edited = meta.replace("\"min_cluster_size\": 10", "\"min_cluster_size\": 12");
    assert_ne!(meta, edited);
    std::fs::write(&meta_path, &edited).unwrap();
    let o = darkdca(&resume);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("checksum mismatch"), "{}", text(&o));
    // The same edit in a file without the checksum (an older state).
    let mut unsigned: serde_json::Value = serde_json::from_str(&edited).unwrap();
    unsigned.as_object_mut().unwrap().remove("checksum");
    std::fs::write(&meta_path, serde_json::to_vec_pretty(&unsigned).unwrap()).unwrap();
    let o = darkdca(&resume);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("config_hash"), "{}", text(&o));
    std::fs::write(&meta_path, &meta).unwrap();

    // A truncated tracker: named, with a readable reason.
    let tracker = std::fs::read_dir(&state)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("tracker-"))
        .unwrap();
    let bytes = std::fs::read(&tracker).unwrap();
    std::fs::write(&tracker, &bytes[..bytes.len() / 2]).unwrap();
    let o = darkdca(&resume);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("tracker-") && text(&o).contains("truncated"), "{}", text(&o));
    assert!(!text(&o).contains("UnexpectedEnd"), "{}", text(&o));
}

/// Every file under `dir`, relative path and bytes, sorted.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            for (name, bytes) in tree(&p) {
                out.push((format!("{}/{name}", e.file_name().to_string_lossy()), bytes));
            }
        } else {
            out.push((e.file_name().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn two_runs_without_timings_write_identical_outputs() {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scenario");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let small = dir.join("small.toml");
    std::fs::write(
        &small,
        "[embedding]\nvector_size = 16\nbootstrap_epochs = 2\nepochs = 1\nthreads = 1\n",
    )
    .unwrap();
    let mut trees = Vec::new();
    for k in 0..2 {
        let (state, out) = (dir.join(format!("state{k}")), dir.join(format!("out{k}")));
        let o = darkdca(&[
            "run",
            s(&scenario.join("day-000.pcap.gz")),
            s(&scenario.join("day-001.pcap.gz")),
            "--state",
            s(&state),
            "--out",
            s(&out),
            "--config",
            s(&small),
            "--no-report",
            "--no-timings",
        ]);
        assert!(o.status.success(), "{}", text(&o));
        trees.push(tree(&out.join("days")));
    }
    let names: Vec<&str> = trees[0].iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.iter().any(|n| n.ends_with(".json")), "{names:?}");
    assert!(names.iter().any(|n| n.ends_with(".csv")), "{names:?}");
    assert!(trees[0] == trees[1], "the two runs differ");
}

#[test]
fn errors_read_cause_first_and_config_lists_optional_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let (state, out, caps, small) =
        (dir.join("state"), dir.join("out"), dir.join("caps"), dir.join("small.toml"));
    let args = ["run", s(&caps), "--state", s(&state), "--out", s(&out), "--config", s(&small)];
    assert!(darkdca(&args).status.success());
    // The report is titled after the capture folder, not the state.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let title = &html[html.find("<title>").unwrap()..html.find("</title>").unwrap()];
    assert!(title.contains("caps") && !title.contains("state"), "{title}");

    let o = darkdca(&args);
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let cause = err.find("is already in the state").expect(&err);
    let hint = err.find("--skip-processed").expect(&err);
    assert!(cause < hint, "the cause comes first: {err}");
    assert!(err.starts_with("error: day"), "{err}");

    let o = darkdca(&["config"]);
    assert!(o.status.success());
    let toml = String::from_utf8_lossy(&o.stdout);
    // The default (recommended) preset sets min_samples and retire_after;
    // these stay unset.
    assert!(toml.contains("retire_after = 31"), "{toml}");
    let unset = ["max_sentence_len", "look_back_max_lag", "novelty_min_silhouette"];
    for field in unset {
        assert!(
            toml.contains(&format!("# {field}: optional, not set")),
            "{field} missing:\n{toml}"
        );
    }
}

#[test]
fn a_printed_configuration_means_the_same_when_passed_back() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("paper.toml");
    let o = darkdca(&["config", "--preset", "paper"]);
    assert!(o.status.success());
    let printed = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(printed.contains("\npreset = \"paper\"\n"), "{printed}");
    std::fs::write(&file, &printed).unwrap();
    // Laid over its own preset, not over the default (recommended).
    let again = darkdca(&["config", "--config", s(&file)]);
    assert!(again.status.success());
    assert_eq!(String::from_utf8_lossy(&again.stdout), printed);
    // A different --preset is refused as bad input (exit 3).
    let o = darkdca(&["config", "--preset", "novtrack", "--config", s(&file)]);
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("conflicts with --preset novtrack"), "{err}");
}

#[test]
fn a_state_configuration_prints_as_a_file_that_means_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let (state, out, caps, small) =
        (dir.join("state"), dir.join("out"), dir.join("caps"), dir.join("small.toml"));
    let args = ["run", s(&caps), "--state", s(&state), "--out", s(&out), "--config", s(&small)];
    assert!(darkdca(&args).status.success());
    let hash_of = |printed: &str| printed.lines().next().unwrap().to_owned();
    let printed_file = dir.join("printed.toml");
    let passed_back = |printed: &str| {
        std::fs::write(&printed_file, printed).unwrap();
        let o = darkdca(&["config", "--config", s(&printed_file)]);
        assert!(o.status.success(), "{}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };

    let o = darkdca(&["config", "--state", s(&state)]);
    assert!(o.status.success(), "{}", text(&o));
    let printed = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(!String::from_utf8_lossy(&o.stderr).contains("config_hash"), "{}", text(&o));
    assert!(printed.contains("\npreset = \"recommended\"\n"), "{printed}");
    assert!(printed.contains("vector_size = 16"), "{printed}");
    assert_eq!(hash_of(&passed_back(&printed)), hash_of(&printed));

    // A state made when `recommended` set neither min_samples nor the
    // known-share gate (a file from before the checksum, as those were).
    let meta_path = state.join("meta.json");
    let mut meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
    let o = meta.as_object_mut().unwrap();
    o.remove("checksum");
    o["config"]["clustering"]["min_samples"] = serde_json::Value::Null;
    o["config"]["tracking"].as_object_mut().unwrap().remove("novelty_max_known_share");
    std::fs::write(&meta_path, serde_json::to_vec_pretty(&meta).unwrap()).unwrap();
    let o = darkdca(&["config", "--state", s(&state)]);
    assert!(o.status.success(), "{}", text(&o));
    let printed = String::from_utf8_lossy(&o.stdout).into_owned();
    // The edit left config_hash behind: said, since `run` refuses it.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("but its config_hash says") && err.contains("refuses"), "{err}");
    assert!(printed.contains("made with preset \"recommended\""), "{printed}");
    assert!(printed.contains("\npreset = \"paper\"\n"), "{printed}");
    for field in ["min_samples", "novelty_max_known_share"] {
        assert!(printed.contains(&format!("\n# {field}: optional, not set\n")), "{printed}");
    }
    // The state's settings, not paper's: every field is written.
    assert!(printed.contains("retire_after = 31") && printed.contains("vector_size = 16"));
    assert_eq!(hash_of(&passed_back(&printed)), hash_of(&printed));
}
