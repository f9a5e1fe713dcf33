//! Regression tests of the state directory: states without a model yet.

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
