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
            syn((DAY0 + d) * DAY_NS + i64::from(i) * 1_000_000_000, src, [192, 0, 2, 1].into(), 23, false)
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
