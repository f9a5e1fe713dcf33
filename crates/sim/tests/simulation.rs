//! Integration tests of the simulator: determinism, truth consistency,
//! planted fates and the shape of the traffic.

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::path::Path;

use darkdca_sim::{
    FateKind, GroupId, GroupKind, Manifest, Origin, Scenario, Simulation, Transition, Truth,
    generate,
};
use darkdca_trace::Addr;

fn small() -> Scenario {
    Scenario::preset("small").unwrap()
}

fn v4(a: Addr) -> Ipv4Addr {
    match a {
        Addr::V4(a) => a,
        other => panic!("not IPv4: {other:?}"),
    }
}

/// Counts the records of a classic little-endian nanosecond pcap.
fn pcap_records(bytes: &[u8]) -> u64 {
    assert_eq!(&bytes[0..4], &0xa1b2_3c4d_u32.to_le_bytes());
    let (mut at, mut n) = (24, 0);
    while at < bytes.len() {
        let incl = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
        at += 16 + incl;
        n += 1;
    }
    assert_eq!(at, bytes.len());
    n
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn two_generations_are_byte_identical() {
    let mut s = small();
    s.n_days = 4;
    s.fates.silences = 0;
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    generate(&s, a.path()).unwrap();
    generate(&s, b.path()).unwrap();
    let (fa, fb) = (files(a.path()), files(b.path()));
    assert_eq!(fa.len(), 4 * 2 + 1);
    assert_eq!(fa, fb);

    // Another seed gives other bytes.
    s.seed += 1;
    let c = tempfile::tempdir().unwrap();
    generate(&s, c.path()).unwrap();
    assert_ne!(files(c.path())[0].1, fa[0].1);
}

#[test]
fn captures_and_truth_agree() {
    let s = small();
    let dir = tempfile::tempdir().unwrap();
    let out = generate(&s, dir.path()).unwrap();
    let manifest = Manifest::load(dir.path()).unwrap();
    assert_eq!(manifest.scenario, s);
    assert_eq!(out.days.len(), s.n_days as usize);
    let sim = Simulation::new(&s).unwrap();
    for (files, entry) in out.days.iter().zip(&manifest.days) {
        let truth = Truth::load(&files.truth).unwrap();
        assert_eq!(truth, sim.truth(files.day).unwrap());
        let mut bytes = std::fs::read(&files.pcap).unwrap();
        if files.pcap.extension().is_some_and(|e| e == "gz") {
            let mut plain = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut plain)
                .unwrap();
            bytes = plain;
        }
        assert_eq!(pcap_records(&bytes), truth.n_packets);
        assert_eq!(files.n_packets, truth.n_packets);
        assert_eq!(entry.n_packets, truth.n_packets);
        assert_eq!(entry.n_senders, truth.n_senders);
        assert_eq!(entry.n_active_senders, truth.n_active_senders);

        // Per-sender counts of the stream are the truth's.
        let mut counts: HashMap<Ipv4Addr, u32> = HashMap::new();
        let mut last = i64::MIN;
        for p in sim.day_stream(files.day).unwrap() {
            assert!(p.ts_ns >= last, "time order");
            last = p.ts_ns;
            assert!((truth.start_ns..truth.end_ns).contains(&p.ts_ns));
            assert!(s.telescope.contains(v4(p.dst.unwrap())));
            *counts.entry(v4(p.src)).or_default() += 1;
        }
        let expected: HashMap<Ipv4Addr, u32> =
            truth.senders.iter().map(|s| (s.addr, s.packets)).collect();
        assert_eq!(counts, expected, "day {}", files.day);
        assert_eq!(truth.senders.len(), expected.len(), "senders unique");
        let active = truth.senders.iter().filter(|s| s.packets > 5).count();
        assert_eq!(active as u32, truth.n_active_senders);

        // Every group member is active; group totals add up.
        for g in &truth.groups {
            let members: Vec<_> = truth.senders.iter().filter(|s| s.group == Some(g.id)).collect();
            assert_eq!(members.len() as u32, g.n_senders);
            assert!(members.len() >= 10);
            assert!(members.iter().all(|m| m.packets > 5));
            assert_eq!(members.iter().map(|m| u64::from(m.packets)).sum::<u64>(), g.n_packets);
        }
        // Some noise is active, most is not.
        let noise: Vec<_> = truth.senders.iter().filter(|s| s.group.is_none()).collect();
        let noise_active = noise.iter().filter(|s| s.packets > 5).count();
        assert!(noise_active > 0 && noise_active * 3 < noise.len(), "{noise_active}");
    }
}

#[test]
fn botnet_packets_and_only_they_are_mirai_like() {
    let sim = Simulation::new(&small()).unwrap();
    for day in [0, 3] {
        let truth = sim.truth(day).unwrap();
        let kind: HashMap<GroupId, GroupKind> =
            truth.groups.iter().map(|g| (g.id, g.kind)).collect();
        let labels = truth.labels();
        let (mut bot, mut bot_mirai, mut other_mirai) = (0u64, 0u64, 0u64);
        for p in sim.day_stream(day).unwrap() {
            let g = labels[&v4(p.src)];
            if g.is_some_and(|g| kind[&g] == GroupKind::Botnet) {
                bot += 1;
                bot_mirai += u64::from(p.is_mirai_like());
            } else {
                other_mirai += u64::from(p.is_mirai_like());
            }
        }
        assert!(bot > 1000);
        assert_eq!(bot_mirai, bot, "every botnet packet is Mirai-like");
        assert_eq!(other_mirai, 0);
    }
}

#[test]
fn botnets_go_mostly_to_telnet() {
    let sim = Simulation::new(&small()).unwrap();
    let truth = sim.truth(0).unwrap();
    let bots: HashSet<Ipv4Addr> = truth
        .senders
        .iter()
        .filter(|s| {
            s.group.is_some_and(|g| {
                truth.groups.iter().any(|x| x.id == g && x.kind == GroupKind::Botnet)
            })
        })
        .map(|s| s.addr)
        .collect();
    let ports: Vec<u16> = sim
        .day_stream(0)
        .unwrap()
        .filter(|p| bots.contains(&v4(p.src)))
        .map(|p| p.dst_port.unwrap())
        .collect();
    let telnet = ports.iter().filter(|&&p| p == 23 || p == 2323).count();
    let share = telnet as f64 / ports.len() as f64;
    assert!((0.8..0.9).contains(&share), "{share}");
}

#[test]
fn every_preset_plants_its_fates() {
    for name in ["small", "standard"] {
        let s = Scenario::preset(name).unwrap();
        let sim = Simulation::new(&s).unwrap();
        let count = |k: FateKind| sim.events().iter().filter(|e| e.kind == k).count() as u32;
        let f = &s.fates;
        assert_eq!(count(FateKind::Split), f.splits, "{name}");
        assert_eq!(count(FateKind::Merge), f.merges, "{name}");
        assert_eq!(count(FateKind::Dissolve), f.dissolves, "{name}");
        assert_eq!(count(FateKind::Silence), f.silences, "{name}");
        assert_eq!(count(FateKind::Return), f.silences, "{name}");
        assert_eq!(count(FateKind::ChangePorts), f.port_changes, "{name}");
        assert_eq!(count(FateKind::Appear), f.appearances, "{name}");
        check_events(&sim);
    }
}

/// Cross-checks the events against the per-day truth.
fn check_events(sim: &Simulation) {
    let days: Vec<Truth> = (0..sim.n_days()).map(|d| sim.truth(d).unwrap()).collect();
    let groups_on =
        |d: usize| -> HashSet<GroupId> { days[d].groups.iter().map(|g| g.id).collect() };
    let members = |d: usize, g: GroupId| -> HashSet<Ipv4Addr> {
        days[d].senders.iter().filter(|s| s.group == Some(g)).map(|s| s.addr).collect()
    };
    for d in 1..days.len() {
        let (before, now) = (groups_on(d - 1), groups_on(d));
        let events = &days[d].events;
        // Every group of yesterday gets exactly one expected transition.
        let mut seen: Vec<GroupId> =
            events.iter().flat_map(|e| e.transitions.iter().map(|t| t.group)).collect();
        seen.sort();
        let mut want: Vec<GroupId> = before.iter().copied().collect();
        want.sort();
        assert_eq!(seen, want, "day {d}");
        for e in events {
            assert_eq!(e.day as usize, d);
            assert!(e.from.iter().all(|g| before.contains(g)));
            assert!(e.to.iter().all(|g| now.contains(g)));
            match e.kind {
                FateKind::Split => {
                    let parent = members(d - 1, e.from[0]);
                    let (a, b) = (members(d, e.to[0]), members(d, e.to[1]));
                    assert!(a.is_disjoint(&b));
                    let union: HashSet<_> = a.union(&b).copied().collect();
                    assert_eq!(union, parent);
                    for half in [&a, &b] {
                        let share = half.len() as f64 / parent.len() as f64;
                        assert!((0.3..0.65).contains(&share), "{share}");
                    }
                }
                FateKind::Merge => {
                    let union: HashSet<_> =
                        e.from.iter().flat_map(|&g| members(d - 1, g)).collect();
                    assert_eq!(members(d, e.to[0]), union);
                }
                FateKind::Dissolve => {
                    // Former members are all still active, as noise.
                    let old = members(d - 1, e.from[0]);
                    let now: HashMap<Ipv4Addr, _> =
                        days[d].senders.iter().map(|s| (s.addr, s)).collect();
                    for a in &old {
                        let s = now[a];
                        assert!(s.group.is_none() && s.packets > 5);
                    }
                }
                FateKind::Silence => assert!(!now.contains(&e.from[0])),
                FateKind::Return => assert!(!before.contains(&e.to[0])),
                FateKind::Survive | FateKind::ChangePorts => {
                    // Churned bots and decayed victims leave altogether: of
                    // the members still sending, all stay in the group, and
                    // enough of them send for the group not to look inactive.
                    let (old, new) = (members(d - 1, e.from[0]), members(d, e.to[0]));
                    let present: HashSet<Ipv4Addr> =
                        days[d].senders.iter().map(|s| s.addr).collect();
                    let still = old.intersection(&present).count();
                    assert_eq!(old.intersection(&new).count(), still);
                    assert!(still as f64 / old.len() as f64 >= 0.5, "{still} of {}", old.len());
                    assert_eq!(e.transitions[0].transition, Transition::Survived);
                }
                FateKind::Appear => {
                    let fresh = members(d, e.to[0]);
                    for past in &days[..d] {
                        assert!(past.senders.iter().all(|s| !fresh.contains(&s.addr)));
                    }
                    assert!(e.emerged[0].novelty);
                }
                FateKind::Fade => assert_eq!(e.transitions[0].transition, Transition::Inactive),
            }
        }
    }
    for g in sim.groups() {
        assert_eq!(g.novelty, g.origin == Origin::Appeared && g.first_day > 0);
    }
}

/// A sender's share of same-group neighbours within a window of 5 in the
/// per-service sentences (active senders in time order, repeats collapsed;
/// services are (protocol, destination port), as in i-DarkVec), for every
/// group and overall: a skip-gram can only find groups whose members share
/// contexts.
#[test]
fn group_members_share_contexts() {
    let sim = Simulation::new(&small()).unwrap();
    for day in [1, 4] {
        let truth = sim.truth(day).unwrap();
        let labels = truth.labels();
        let active: HashSet<Ipv4Addr> = truth.active_senders().map(|s| s.addr).collect();
        let mut sentences: HashMap<(u8, Option<u16>), Vec<Ipv4Addr>> = HashMap::new();
        for p in sim.day_stream(day).unwrap() {
            let src = v4(p.src);
            if !active.contains(&src) {
                continue;
            }
            let s = sentences.entry((p.proto, p.dst_port)).or_default();
            if s.last() != Some(&src) {
                s.push(src);
            }
        }
        let mut per_group: HashMap<GroupId, (u64, u64)> = HashMap::new();
        for s in sentences.values() {
            for (i, a) in s.iter().enumerate() {
                let Some(g) = labels[a] else { continue };
                let entry = per_group.entry(g).or_default();
                for b in &s[i.saturating_sub(5)..(i + 6).min(s.len())] {
                    if b != a {
                        entry.1 += 1;
                        entry.0 += u64::from(labels[b] == Some(g));
                    }
                }
            }
        }
        assert_eq!(per_group.len(), truth.groups.len());
        for (g, &(same, total)) in &per_group {
            let share = same as f64 / total as f64;
            assert!(total > 1000 && share > 0.5, "day {day} group {g:?}: {share} of {total}");
        }
        let (same, total) = per_group.values().fold((0, 0), |(s, t), &(a, b)| (s + a, t + b));
        let share = same as f64 / total as f64;
        assert!(share > 0.8, "day {day}: same-group context share {share}");
    }
}

/// A dissolved group dissolves into noise: on the day of the event its
/// former members still send (actively, see `check_events`) but no longer
/// to the group's services nor next to each other.
#[test]
fn dissolved_members_no_longer_send_together() {
    let sim = Simulation::new(&small()).unwrap();
    let days: Vec<Truth> = (0..sim.n_days()).map(|d| sim.truth(d).unwrap()).collect();
    let dissolves: Vec<(u32, GroupId)> = days
        .iter()
        .flat_map(|t| &t.events)
        .filter(|e| e.kind == FateKind::Dissolve)
        .map(|e| (e.day, e.from[0]))
        .collect();
    assert!(!dissolves.is_empty());
    for (day, g) in dissolves {
        let former: HashSet<Ipv4Addr> = days[day as usize - 1]
            .senders
            .iter()
            .filter(|s| s.group == Some(g))
            .map(|s| s.addr)
            .collect();
        let services = |d: u32| -> HashMap<(u8, Option<u16>), u64> {
            let mut n = HashMap::new();
            for p in sim.day_stream(d).unwrap() {
                if former.contains(&v4(p.src)) {
                    *n.entry((p.proto, p.dst_port)).or_default() += 1;
                }
            }
            n
        };
        let (before, now) = (services(day - 1), services(day));
        let on_old: u64 = now.iter().filter(|(k, _)| before.contains_key(k)).map(|(_, n)| n).sum();
        let all: u64 = now.values().sum();
        let share = on_old as f64 / all as f64;
        assert!(share < 0.5, "day {day} group {g:?}: {share} of {all} packets on old services");

        // Neighbours within a window of 5 in the per-service sentences of
        // all senders (repeats collapsed): former members seldom meet.
        let mut sentences: HashMap<(u8, Option<u16>), Vec<Ipv4Addr>> = HashMap::new();
        for p in sim.day_stream(day).unwrap() {
            let s = sentences.entry((p.proto, p.dst_port)).or_default();
            let src = v4(p.src);
            if s.last() != Some(&src) {
                s.push(src);
            }
        }
        let (mut same, mut total) = (0u64, 0u64);
        for s in sentences.values() {
            for (i, a) in s.iter().enumerate().filter(|(_, a)| former.contains(a)) {
                for b in &s[i.saturating_sub(5)..(i + 6).min(s.len())] {
                    if b != a {
                        total += 1;
                        same += u64::from(former.contains(b));
                    }
                }
            }
        }
        let share = same as f64 / total as f64;
        assert!(
            share < 0.1,
            "day {day} group {g:?}: {share} of {total} neighbours are former members"
        );
    }
}

#[test]
fn day_out_of_range_is_an_error() {
    let sim = Simulation::new(&small()).unwrap();
    assert!(matches!(sim.day_stream(6), Err(darkdca_sim::Error::DayOutOfRange { .. })));
    assert!(matches!(sim.truth(99), Err(darkdca_sim::Error::DayOutOfRange { .. })));
}

#[test]
fn impossible_fates_are_reported() {
    let mut s = small();
    s.fates.merges = 40;
    assert!(matches!(
        Simulation::new(&s),
        Err(darkdca_sim::Error::Unplaceable { kind: FateKind::Merge, .. })
    ));
    let mut s = small();
    s.n_days = 3;
    assert!(matches!(
        Simulation::new(&s),
        Err(darkdca_sim::Error::Unplaceable { kind: FateKind::Silence, .. })
    ));
}

#[test]
fn the_example_toml_scenario_loads_and_plans() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sim/example.toml");
    let s = Scenario::load(&path).unwrap();
    assert_eq!(s.name, "example");
    assert_eq!(s.telescope.to_string(), "203.0.113.0/24");
    let sim = Simulation::new(&s).unwrap();
    let kinds: HashSet<FateKind> = sim.events().iter().map(|e| e.kind).collect();
    for k in [FateKind::Split, FateKind::Silence, FateKind::Return, FateKind::Appear] {
        assert!(kinds.contains(&k), "{k:?}");
    }
    check_events(&sim);
}
