//! Regression tests of the command: damaged state files, a failed first
//! run, configuration errors, exit codes, `--state` equal to `--out` and
//! reproducible reports.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{darkdca, darkdca_env, s, text, two_groups_day as day, write_pcap};

/// `day-<d>.pcap` for days 0 to 2 and a small fast configuration.
struct Setup {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    state: PathBuf,
    out: PathBuf,
    small: PathBuf,
}

impl Setup {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        for d in 0..3 {
            write_pcap(&dir.join(format!("day-{d}.pcap")), &day(d));
        }
        let small = dir.join("small.toml");
        std::fs::write(
            &small,
            "[embedding]\nvector_size = 16\nbootstrap_epochs = 3\nepochs = 2\nthreads = 1\n",
        )
        .unwrap();
        Self { state: dir.join("state"), out: dir.join("out"), small, dir, _tmp: tmp }
    }

    fn cap(&self, d: i64) -> PathBuf {
        self.dir.join(format!("day-{d}.pcap"))
    }

    /// Runs day `d` on the state, with the small configuration.
    fn run_day(&self, d: i64) -> Output {
        self.run_day_with(d, &["--no-report"])
    }

    /// Runs day `d` on the state, with the small configuration and `extra`
    /// arguments.
    fn run_day_with(&self, d: i64, extra: &[&str]) -> Output {
        let cap = self.cap(d);
        let (state, out, config) = (s(&self.state), s(&self.out), s(&self.small));
        let mut args = vec!["run", s(&cap), "--state", state, "--out", out, "--config", config];
        args.extend_from_slice(extra);
        darkdca(&args)
    }

    fn meta(&self) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.state.join("meta.json")).unwrap()).unwrap()
    }

    fn blob(&self, name: &str) -> PathBuf {
        let generation = self.meta()["generation"].as_u64().unwrap();
        self.state.join(format!("{name}-{generation}.bin"))
    }
}

#[test]
fn a_flipped_bit_in_any_state_file_is_refused_naming_the_file() {
    let t = Setup::new();
    let o = t.run_day(0);
    assert!(o.status.success(), "{}", text(&o));
    for name in ["tracker", "clustered", "model"] {
        let path = t.blob(name);
        let good = std::fs::read(&path).unwrap();
        let mut offsets = vec![7, 20, good.len() / 2, good.len() - 1];
        if good.len() > 4097 {
            offsets.push(4097);
        }
        for at in offsets {
            let mut bad = good.clone();
            bad[at] ^= 1;
            std::fs::write(&path, &bad).unwrap();
            let o = t.run_day(1);
            assert_eq!(o.status.code(), Some(3), "{name} byte {at}: {}", text(&o));
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(text(&o).contains(&file), "{name} byte {at}: {}", text(&o));
            assert!(text(&o).contains("corrupt"), "{name} byte {at}: {}", text(&o));
            assert!(!text(&o).contains("Invalid"), "debug text: {}", text(&o));
        }
        std::fs::write(&path, &good).unwrap();
    }
    // Undamaged, the next day goes through, and its files have headers.
    let o = t.run_day(1);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(t.meta()["format_version"], darkdca::state::STATE_FORMAT_VERSION);
    for name in ["tracker", "clustered"] {
        assert!(std::fs::read(t.blob(name)).unwrap().starts_with(b"DDCSTATE"));
    }
}

#[test]
fn a_changed_day_result_in_the_state_is_refused() {
    let t = Setup::new();
    assert!(t.run_day(0).status.success());
    let path = t.state.join("days/2026-01-01.json");
    let good = std::fs::read(&path).unwrap();
    // Change one digit: still valid JSON, but not what was written.
    let at = good.windows(12).position(|w| w == b"\"n_packets\":").unwrap() + 12;
    let mut bad = good.clone();
    bad[at] = if bad[at] == b'9' { b'8' } else { bad[at] + 1 };
    std::fs::write(&path, &bad).unwrap();
    let report = ["report", "--state", s(&t.state), "--out", s(&t.out)];
    let o = darkdca(&report);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("2026-01-01.json") && text(&o).contains("checksum"), "{}", text(&o));
    std::fs::write(&path, &good).unwrap();
    assert!(darkdca(&report).status.success());
}

#[test]
fn a_state_written_before_the_headers_is_still_read() {
    let t = Setup::new();
    assert!(t.run_day(0).status.success());
    // Make it a format 1 state: bare payloads, format_version 1.
    for name in ["tracker", "clustered"] {
        let path = t.blob(name);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[28..]).unwrap();
    }
    let meta_path = t.state.join("meta.json");
    let meta = std::fs::read_to_string(&meta_path).unwrap();
    let old = meta.replace(
        &format!("\"format_version\": {}", darkdca::state::STATE_FORMAT_VERSION),
        "\"format_version\": 1",
    );
    assert_ne!(meta, old);
    // Format 1 had no checksum of meta.json either.
    let mut old: serde_json::Value = serde_json::from_str(&old).unwrap();
    old.as_object_mut().unwrap().remove("checksum");
    std::fs::write(&meta_path, serde_json::to_vec_pretty(&old).unwrap()).unwrap();

    let o = t.run_day(1);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(t.meta()["format_version"], darkdca::state::STATE_FORMAT_VERSION);
    assert_eq!(t.meta()["days"].as_array().unwrap().len(), 2);
    assert!(std::fs::read(t.blob("tracker")).unwrap().starts_with(b"DDCSTATE"));
}

#[test]
fn a_failed_first_run_does_not_lock_the_configuration() {
    let t = Setup::new();
    let bad = t.dir.join("bad.pcap.gz");
    std::fs::write(&bad, b"not a capture at all, not even gzip").unwrap();
    let o = darkdca(&["run", s(&bad), "--state", s(&t.state), "--out", s(&t.out)]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));

    // Another configuration is accepted: no day was committed.
    let o = t.run_day(0);
    assert!(o.status.success(), "{}", text(&o));

    // Once a day is in, a different configuration is refused, naming the
    // differing settings and the presets.
    let cap = t.cap(1);
    let o = darkdca(&[
        "run",
        s(&cap),
        "--state",
        s(&t.state),
        "--out",
        s(&t.out),
        "--preset",
        "paper",
        "--no-report",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let err = text(&o);
    // The first eight differences, in name order, then a count.
    assert!(err.contains("embedding.bootstrap_epochs (state: 3, given: 1)"), "{err}");
    assert!(err.contains("and 6 more"), "{err}");
    assert!(err.contains("preset recommended") && err.contains("preset paper"), "{err}");
    assert!(err.contains("without --preset"), "{err}");
}

#[test]
fn configuration_errors_name_the_key_and_line() {
    let t = Setup::new();
    let cases: [(&str, &str, &[&str]); 4] = [
        (
            "neg.toml",
            "[clustering]\nmin_cluster_size = -3\n",
            &["clustering.min_cluster_size", "line 2", "-3"],
        ),
        (
            "big.toml",
            "# sizes\n[embedding]\nwindow = 5\nvector_size = \"big\"\n",
            &["embedding.vector_size", "line 4"],
        ),
        (
            "neg.json",
            "{\"clustering\": {\"min_cluster_size\": -3}}",
            &["clustering.min_cluster_size"],
        ),
        ("typo.toml", "[tracking]\nmatch_treshold = 0.5\n", &["tracking.match_treshold", "line 2"]),
    ];
    for (name, content, wanted) in cases {
        let path = t.dir.join(name);
        std::fs::write(&path, content).unwrap();
        let o = darkdca(&["config", "--config", s(&path)]);
        assert_eq!(o.status.code(), Some(3), "{name}: {}", text(&o));
        for w in wanted {
            assert!(text(&o).contains(w), "{name}: {w:?} missing in {}", text(&o));
        }
    }
}

#[test]
fn config_and_run_refuse_the_same_values_in_the_same_words() {
    let t = Setup::new();
    let huge = t.dir.join("huge.toml");
    std::fs::write(&huge, "[embedding]\nvector_size = 1000000000\n").unwrap();
    let cap = t.cap(0);
    let wanted = format!(
        "invalid configuration in {}: embedding.vector_size must be at most 65536, got 1000000000",
        huge.display()
    );
    let wanted = wanted.as_str();
    for args in [
        vec!["config", "--config", s(&huge)],
        vec!["run", s(&cap), "--state", s(&t.state), "--out", s(&t.out), "--config", s(&huge)],
    ] {
        let o = darkdca(&args);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(wanted), "{args:?}: {}", text(&o));
    }
}

#[test]
fn bad_inputs_and_states_exit_3_in_plain_words() {
    let t = Setup::new();
    let with_labels = |labels: &Path| t.run_day_with(0, &["--labels", s(labels)]);
    // A binary file as labels.
    let labels = t.dir.join("labels.txt");
    std::fs::write(&labels, [0xff_u8, 0xfe, 0x00, 0x80, 0x81]).unwrap();
    let o = with_labels(&labels);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("labels.txt") && text(&o).contains("UTF-8"), "{}", text(&o));
    // A labels file that does not exist is bad input too.
    let o = with_labels(&t.dir.join("no-such-labels.csv"));
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("no-such-labels.csv"), "{}", text(&o));

    assert!(t.run_day(0).status.success());
    // A deleted model: named, with the reason in words.
    let model = t.blob("model");
    let saved = std::fs::read(&model).unwrap();
    std::fs::remove_file(&model).unwrap();
    let o = t.run_day(1);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("model-1.bin") && text(&o).contains("missing"), "{}", text(&o));
    std::fs::write(&model, saved).unwrap();

    // A meta.json that is not UTF-8.
    let meta_path = t.state.join("meta.json");
    let meta = std::fs::read(&meta_path).unwrap();
    let mut bad = meta.clone();
    bad[3] = 0xff;
    std::fs::write(&meta_path, &bad).unwrap();
    let o = t.run_day(1);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("corrupt") && text(&o).contains("UTF-8"), "{}", text(&o));
    std::fs::write(&meta_path, &meta).unwrap();

    // Scoring outputs against a scenario they were not made from.
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scenario");
    let o = darkdca(&["evaluate", "--out", s(&t.out), "--scenario", s(&scenario)]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("this scenario"), "{}", text(&o));
}

#[test]
fn the_state_and_the_outputs_must_be_two_directories() {
    let t = Setup::new();
    let cap = t.cap(0);
    std::fs::create_dir_all(&t.out).unwrap();
    let same = t.dir.join("out/../out/.");
    let o = darkdca(&["run", s(&cap), "--state", s(&same), "--out", s(&t.out)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--state and --out are the same directory"), "{}", text(&o));
    assert!(!t.out.join("meta.json").exists());
    // The state inside the outputs is fine.
    let inner = t.out.join("state");
    let o = darkdca(&[
        "run",
        s(&cap),
        "--state",
        s(&inner),
        "--out",
        s(&t.out),
        "--config",
        s(&t.small),
        "--no-report",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    // `report` refuses the same, in the same words.
    let o = darkdca(&["report", "--state", s(&inner), "--out", s(&inner.join("."))]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--state and --out are the same directory"), "{}", text(&o));
    assert!(!inner.join("index.html").exists() && !inner.join("report_input.json").exists());
}

#[test]
fn a_state_that_lost_its_meta_json_is_refused_and_keeps_its_files() {
    let t = Setup::new();
    for d in 0..2 {
        assert!(t.run_day(d).status.success());
    }
    std::fs::remove_file(t.state.join("meta.json")).unwrap();
    std::fs::write(t.state.join("archive-2024.bin"), "the user's archive").unwrap();
    let names = |dir: &Path| {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    };
    let before = names(&t.state);
    let o = t.run_day(2);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("no meta.json but holds clustered-2.bin"), "{}", text(&o));
    assert_eq!(names(&t.state), before);
    assert_eq!(std::fs::read(t.state.join("archive-2024.bin")).unwrap(), b"the user's archive");
}

#[test]
fn a_damaged_earlier_day_stops_the_run_before_the_next_day() {
    let t = Setup::new();
    for d in 0..2 {
        assert!(t.run_day(d).status.success());
    }
    let path = t.state.join("days/2026-01-01.json");
    let good = std::fs::read(&path).unwrap();
    let meta = std::fs::read(t.state.join("meta.json")).unwrap();
    for damaged in [Some(&good[..good.len() / 2]), None] {
        match damaged {
            Some(bytes) => std::fs::write(&path, bytes).unwrap(),
            None => std::fs::remove_file(&path).unwrap(),
        }
        // With or without the report: the state's record is broken.
        for extra in [&["--no-report"][..], &[]] {
            let o = t.run_day_with(2, extra);
            assert_eq!(o.status.code(), Some(3), "{}", text(&o));
            assert!(text(&o).contains("2026-01-01.json"), "{}", text(&o));
            assert_eq!(std::fs::read(t.state.join("meta.json")).unwrap(), meta);
            assert!(!t.state.join("days/2026-01-03.json").exists());
        }
    }
    std::fs::write(&path, &good).unwrap();
    assert!(t.run_day(2).status.success());
}

#[test]
fn a_report_failing_after_the_day_was_saved_says_the_day_is_in() {
    let t = Setup::new();
    assert!(t.run_day(0).status.success());
    // The report's input cannot replace a folder.
    std::fs::create_dir_all(t.out.join("report_input.json")).unwrap();
    let o = t.run_day_with(1, &[]);
    assert!(!o.status.success(), "{}", text(&o));
    let wanted = format!(
        "day 2026-01-02 was processed and saved in the state; only the report failed: \
         rebuild it with darkdca report --state {} --out {}",
        t.state.display(),
        t.out.display()
    );
    assert!(text(&o).contains(&wanted), "{}", text(&o));
    assert_eq!(t.meta()["days"].as_array().unwrap().len(), 2);
}

#[test]
fn reports_honour_source_date_epoch() {
    let t = Setup::new();
    assert!(t.run_day(0).status.success());
    let env = [("SOURCE_DATE_EPOCH", "1767225600")];
    let mut pages = Vec::new();
    for _ in 0..2 {
        let o = darkdca_env(&["report", "--state", s(&t.state), "--out", s(&t.out)], &env);
        assert!(o.status.success(), "{}", text(&o));
        pages.push((
            std::fs::read(t.out.join("index.html")).unwrap(),
            std::fs::read_to_string(t.out.join("report_input.json")).unwrap(),
        ));
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    assert!(pages[0] == pages[1], "two reports of the same run differ");
    assert!(pages[0].1.contains("2026-01-01T00:00:00Z"), "{}", pages[0].1);

    let o = darkdca_env(
        &["report", "--state", s(&t.state), "--out", s(&t.out)],
        &[("SOURCE_DATE_EPOCH", "yesterday")],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("SOURCE_DATE_EPOCH"), "{}", text(&o));
}
