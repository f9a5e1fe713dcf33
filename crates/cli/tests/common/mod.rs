//! What the command's integration tests share: running the binary, and
//! tiny generated captures.

// Each test file uses a different part.
#![allow(dead_code)]

use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Command, Output};

use darkdca::trace::{Addr, PacketRecord, PcapWriter, WriterOptions, proto, tcp_flags};

pub const DAY_NS: i64 = 86_400_000_000_000;
/// 2026-01-01.
pub const DAY0: i64 = 20_454;

/// How many days the state in `state` has committed.
pub fn n_days(state: &Path) -> usize {
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.join("meta.json")).unwrap()).unwrap();
    meta["days"].as_array().unwrap().len()
}

/// Runs the binary with `args`, `SOURCE_DATE_EPOCH` unset.
pub fn darkdca(args: &[&str]) -> Output {
    darkdca_env(args, &[])
}

/// As [`darkdca`], with extra environment variables.
pub fn darkdca_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_darkdca"));
    c.args(args).env_remove("SOURCE_DATE_EPOCH");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("the binary runs")
}

/// Standard output then standard error, as text.
pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A TCP SYN from `src` to 192.0.2.1 on `port`.
pub fn syn(ts_ns: i64, src: Addr, port: u16) -> PacketRecord {
    PacketRecord {
        ts_ns,
        src,
        dst: Some(Addr::V4(Ipv4Addr::new(192, 0, 2, 1))),
        proto: proto::TCP,
        src_port: Some(40_000),
        dst_port: Some(port),
        tcp_flags: Some(tcp_flags::SYN),
        tcp_seq: Some(1),
        len: 40,
        count: 1,
        mirai_label: None,
    }
}

/// One day: two groups of 12 senders probing their own port in 6 rounds.
pub fn two_groups_day(d: i64) -> Vec<PacketRecord> {
    let mut out = Vec::new();
    let mut k: i64 = 0;
    for round in 0..6u8 {
        for (g, port) in [22u16, 445].into_iter().enumerate() {
            for m in 0..12u8 {
                let m = (m + round * 5) % 12;
                k += 1;
                let src = Addr::V4(Ipv4Addr::new(10, g as u8 + 1, 0, m));
                out.push(syn((DAY0 + d) * DAY_NS + k * 1_000_000_000, src, port));
            }
        }
    }
    out
}

pub fn write_pcap(path: &Path, records: &[PacketRecord]) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = PcapWriter::new(file, WriterOptions::default()).unwrap();
    for r in records {
        w.write_record(r).unwrap();
    }
    w.finish().unwrap();
}
