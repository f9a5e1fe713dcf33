//! Regression tests of the state directory: states without a model yet, a
//! folder that lost its `meta.json`, damaged day results.

mod common;

use std::net::Ipv4Addr;

use common::{DAY_NS, syn};
use darkdca::trace::{Addr, PacketRecord};
use darkdca::{CheckedConfig, Config, Pipeline};

const DAY0: i64 = 19_000;

fn config() -> CheckedConfig {
    let mut c = Config::default();
    c.embedding.vector_size = 16;
    c.embedding.bootstrap_epochs = 2;
    c.embedding.epochs = 1;
    c.check().unwrap()
}

/// A day of one-packet senders only: nobody is active, nothing is embedded.
fn quiet_day(d: i64) -> Vec<PacketRecord> {
    (0..20u8)
        .map(|i| {
            let src = Addr::V4(Ipv4Addr::new(203, 0, 113, i));
            syn(
                (DAY0 + d) * DAY_NS + i64::from(i) * 1_000_000_000,
                src,
                [192, 0, 2, 1].into(),
                23,
                false,
            )
        })
        .collect()
}

#[test]
fn a_state_with_no_model_yet_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let mut p = Pipeline::create(&state, config(), None).unwrap();
    let r = p.process_records(&quiet_day(0)).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].stats.n_active, 0);
    p.save().unwrap();
    assert!(p.model().is_none());
    drop(p);

    let mut p = Pipeline::open(&state).expect("a state without a model must reopen");
    assert_eq!(p.days().len(), 1);
    assert!(p.model().is_none());
    p.process_records(&quiet_day(1)).unwrap();
    p.save().unwrap();
    let p = Pipeline::open(&state).unwrap();
    assert_eq!(p.days().len(), 2);
}

#[test]
fn impossible_record_times_are_typed_errors() {
    for ts_ns in [i64::MIN, i64::MIN + 1, -1, -DAY_NS, i64::MAX] {
        let mut p = Pipeline::new(config()).unwrap();
        let mut rec = quiet_day(0).remove(0);
        rec.ts_ns = ts_ns;
        let err = p.process_records(&[rec]).unwrap_err();
        assert!(matches!(err, darkdca::Error::TimestampOutOfRange { .. }), "{ts_ns}: {err}");
        assert!(p.days().is_empty(), "{ts_ns}: a pre-1970 time must not become 1970-01-01");
    }
}

#[test]
fn a_record_with_count_zero_counts_as_one_packet() {
    let mut p = Pipeline::new(config()).unwrap();
    let mut recs = quiet_day(0);
    for r in &mut recs {
        r.count = 0;
    }
    let r = p.process_records(&recs).unwrap();
    assert_eq!(r[0].stats.n_packets, 20);
}

#[test]
fn window_is_bounded_and_nan_names_its_field() {
    let err = Config::from_toml_str("[embedding]\nwindow = 101\n").unwrap().check().unwrap_err();
    assert!(err.to_string().contains("embedding.window"), "{err}");
    let ok = Config::from_toml_str("[embedding]\nwindow = 100\n").unwrap().check();
    assert!(ok.is_ok());
    let err = Config::from_toml_str("[tracking]\nmatch_threshold = nan\n").unwrap_err();
    assert!(err.to_string().contains("tracking.match_threshold"), "{err}");
}

/// A state at `dir` holding the quiet days 0 and 1.
fn two_quiet_days(dir: &std::path::Path) {
    let mut p = Pipeline::create(dir, config(), None).unwrap();
    for d in 0..2 {
        p.process_records(&quiet_day(d)).unwrap();
        p.save().unwrap();
    }
}

#[test]
fn a_folder_that_lost_its_meta_json_is_not_taken_for_a_new_state() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    two_quiet_days(&state);
    std::fs::remove_file(state.join("meta.json")).unwrap();
    std::fs::write(state.join("archive-2024.bin"), "the user's").unwrap();
    let before = listing(&state);
    assert!(before.contains(&"tracker-2.bin".to_owned()), "{before:?}");
    for err in [
        Pipeline::create(&state, config(), None).unwrap_err(),
        Pipeline::open_or_create(&state, config(), None).unwrap_err(),
    ] {
        assert!(matches!(err, darkdca::Error::NotAState { .. }), "{err}");
        assert!(err.to_string().contains("no meta.json but holds clustered-2.bin"), "{err}");
    }
    assert_eq!(listing(&state), before);

    // What a first run that stopped before its first commit leaves is fine.
    let fresh = dir.path().join("fresh");
    std::fs::create_dir(&fresh).unwrap();
    std::fs::write(fresh.join(".meta.json.tmp-99"), "{").unwrap();
    let _lock = darkdca::state::StateLock::acquire(&fresh).unwrap();
    Pipeline::create(&fresh, config(), None).unwrap();
}

/// The names in `dir` and in its `days/`, sorted.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = [dir.to_owned(), dir.join("days")]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_damaged_day_result_is_refused_when_the_state_is_reopened() {
    let dir = tempfile::tempdir().unwrap();
    two_quiet_days(dir.path());
    let day = dir
        .path()
        .join("days")
        .join(format!("{}.json", Pipeline::open(dir.path()).unwrap().days()[0].day));
    let good = std::fs::read(&day).unwrap();
    std::fs::write(&day, &good[..good.len() / 2]).unwrap();
    let err = Pipeline::open(dir.path()).unwrap_err();
    assert!(
        matches!(&err, darkdca::Error::CorruptState { path, reason }
            if *path == day && reason.contains("checksum mismatch")),
        "{err}"
    );
    std::fs::remove_file(&day).unwrap();
    let err = Pipeline::open(dir.path()).unwrap_err();
    assert!(
        matches!(&err, darkdca::Error::CorruptState { path, reason }
            if *path == day && reason.contains("missing")),
        "{err}"
    );
    std::fs::write(&day, &good).unwrap();
    assert_eq!(Pipeline::open(dir.path()).unwrap().days().len(), 2);
}
