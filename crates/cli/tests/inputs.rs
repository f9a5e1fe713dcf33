//! What `darkdca run` reads: capture folders holding the run's own files,
//! and the telescope's prefixes (`--telescope`, `trace.telescope`).

mod common;

use std::net::Ipv4Addr;
use std::path::Path;

use common::{darkdca, n_days, s, text, two_groups_day as day, write_pcap};
use darkdca::trace::{Addr, PacketRecord, tcp_flags};

const SMALL: &str =
    "[embedding]\nvector_size = 16\nbootstrap_epochs = 3\nepochs = 2\nthreads = 1\n";

#[test]
fn a_capture_folder_holding_the_state_outputs_and_labels_is_read_again() {
    // As a tester ran it: state, outputs and labels inside the capture
    // folder, tomorrow's capture added to it after the first run.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let caps = dir.join("caps");
    std::fs::create_dir_all(&caps).unwrap();
    write_pcap(&caps.join("day-0.pcap"), &day(0));
    std::fs::write(caps.join("big_gt.csv"), "address,label\n10.1.0.1,scanner\n").unwrap();
    let small = dir.join("small.toml");
    std::fs::write(&small, SMALL).unwrap();
    let (state, labels) = (caps.join("state"), caps.join("big_gt.csv"));
    let args = [
        "run",
        s(&caps),
        "--state",
        s(&state),
        "--out",
        s(&caps),
        "--labels",
        s(&labels),
        "--config",
        s(&small),
        "--no-report",
        "-vv",
    ];
    let o = darkdca(&args);
    assert!(o.status.success(), "{}", text(&o));
    assert!(caps.join("days/2026-01-01.senders.csv").is_file());
    assert!(text(&o).contains("big_gt.csv: skipped, a --labels file"), "{}", text(&o));

    write_pcap(&caps.join("day-1.pcap"), &day(1));
    let o = darkdca(&[&args[..], &["--skip-processed"]].concat());
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(n_days(&state), 2, "{}", text(&o));
    let log = text(&o);
    assert!(log.contains("2026-01-01.senders.csv: skipped, an output of --out"), "{log}");
    assert!(log.contains("skipped, the --state folder"), "{log}");
}

/// A SYN-ACK from the sensor 192.0.2.1 back to `to`.
fn reply(ts_ns: i64, to: Addr, port: u16) -> PacketRecord {
    PacketRecord {
        ts_ns,
        src: Addr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        dst: Some(to),
        src_port: Some(port),
        dst_port: Some(40_000),
        tcp_flags: Some(tcp_flags::SYN | tcp_flags::ACK),
        ..common::syn(ts_ns, to, port)
    }
}

/// Day `d` of the two groups, each probe answered by the sensor.
fn day_with_replies(d: i64) -> Vec<PacketRecord> {
    let mut out = Vec::new();
    for p in day(d) {
        out.push(p);
        out.push(reply(p.ts_ns + 1000, p.src, p.dst_port.unwrap()));
    }
    out
}

fn day_json(out: &Path, day: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join(format!("days/{day}.json"))).unwrap()).unwrap()
}

fn has_sensor(day: &serde_json::Value) -> bool {
    day["senders"].as_array().unwrap().iter().any(|s| s["address"] == "192.0.2.1")
}

#[test]
fn telescope_prefixes_leave_the_sensors_replies_out() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let caps = dir.join("caps");
    std::fs::create_dir_all(&caps).unwrap();
    write_pcap(&caps.join("day-0.pcap"), &day_with_replies(0));
    let small = dir.join("small.toml");
    std::fs::write(&small, SMALL).unwrap();
    let run = |name: &str, extra: &[&str]| {
        let (state, out) = (dir.join(name).join("state"), dir.join(name).join("out"));
        let args = ["run", s(&caps), "--state", s(&state), "--out", s(&out), "--config", s(&small)];
        (darkdca(&[&args[..], extra, &["--no-report"]].concat()), state, out)
    };

    // Without prefixes the sensor answering every probe is an active sender.
    let (o, _, out) = run("all", &[]);
    assert!(o.status.success(), "{}", text(&o));
    let all = day_json(&out, "2026-01-01");
    assert!(has_sensor(&all), "{all}");
    assert_eq!(all["stats"]["n_senders"], 25);

    // With them only the 24 inbound senders are counted and clustered.
    let (o, state, out) = run("inbound", &["--telescope", "192.0.2.0/24"]);
    assert!(o.status.success(), "{}", text(&o));
    let inbound = day_json(&out, "2026-01-01");
    assert!(!has_sensor(&inbound), "{inbound}");
    assert_eq!(inbound["stats"]["n_senders"], 24);
    assert_eq!(inbound["stats"]["n_packets"], 144);
    assert!(
        text(&o).contains("input: 144 record(s) not addressed to the telescope left out"),
        "{}",
        text(&o)
    );
    let o = darkdca(&["config", "--state", s(&state)]);
    assert!(text(&o).contains("telescope = [\"192.0.2.0/24\"]"), "{}", text(&o));

    // The state keeps them: resumed without the flag or with the same
    // prefixes, refused with others (a configuration mismatch).
    write_pcap(&caps.join("day-1.pcap"), &day_with_replies(1));
    let other = ["--telescope", "192.0.2.0/25", "--telescope", "2001:db8::/48", "--skip-processed"];
    let (o, _, _) = run("inbound", &other);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("trace.telescope"), "{}", text(&o));
    // The same with the flag alone, over the state's own configuration.
    let resume = ["run", s(&caps), "--state", s(&state), "--out", s(&out), "--skip-processed"];
    let o = darkdca(&[&resume[..], &other[..4]].concat());
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("trace.telescope"), "{}", text(&o));
    assert_eq!(n_days(&state), 1);
    let o = darkdca(&[&resume[..], &["--telescope", "192.0.2.7/24", "--no-report"]].concat());
    assert!(o.status.success(), "{}", text(&o));
    assert!(!has_sensor(&day_json(&out, "2026-01-02")));
    assert_eq!(n_days(&state), 2);

    // Prefixes that no packet is addressed to: bad input, not an empty run.
    let (o, state, _) = run("elsewhere", &["--telescope", "203.0.113.0/24"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("is addressed to the telescope's prefixes (203.0.113.0/24)"));
    assert!(!state.join("meta.json").exists() || n_days(&state) == 0);

    // A prefix that is not one is a usage error.
    let (o, _, _) = run("bad", &["--telescope", "192.0.2.0/33"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("\"192.0.2.0/33\""), "{}", text(&o));
}

#[test]
fn a_file_with_no_usable_record_gives_the_reasons() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let csv = dir.join("port.csv");
    std::fs::write(
        &csv,
        "datetime,host,src,proto,type,spt,dpt\n\
         2013-03-03 21:53:59,groucho-oregon,hello world,TCP,,6000,1433\n",
    )
    .unwrap();
    let (state, out) = (dir.join("state"), dir.join("out"));
    let o =
        darkdca(&["run", s(&csv), "--csv-layout", "marx", "--state", s(&state), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("(1 frames or rows, 1 malformed: 1 csv_field)"), "{}", text(&o));
}

#[test]
fn records_without_a_destination_are_said_to_be_unchecked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let csv = dir.join("marx.csv");
    std::fs::write(
        &csv,
        "datetime,host,src,proto,type,spt,dpt\n\
         2013-03-03 21:53:59,groucho-oregon,61.131.218.218,TCP,,6000,1433\n\
         2013-03-03 21:54:00,groucho-oregon,61.131.218.219,TCP,,6000,1433\n",
    )
    .unwrap();
    let (state, out) = (dir.join("state"), dir.join("out"));
    let o = darkdca(&[
        "run",
        s(&csv),
        "--csv-layout",
        "marx",
        "--telescope",
        "198.51.100.0/24",
        "--state",
        s(&state),
        "--out",
        s(&out),
        "--no-report",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("2 of 2 records have no destination address"), "{t}");
    assert!(t.contains("2 record(s) without a destination address kept unchecked"), "{t}");
}
