//! Invariants of the simulator on random scenarios.

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;

use darkdca_sim::{Error, Fates, GroupKind, Noise, Population, Scenario, Simulation};
use darkdca_trace::Addr;
use proptest::prelude::*;

fn population(kind: GroupKind, n_groups: u32, per_group: u32) -> Population {
    Population {
        kind,
        n_groups,
        n_senders: n_groups * per_group,
        min_size: 10,
        size_exponent: 1.2,
        min_packets: 6,
        max_packets: 12,
        churn: if kind == GroupKind::Botnet { 0.2 } else { 0.0 },
        decay: if kind == GroupKind::Backscatter { 0.3 } else { 0.0 },
        n_bursts: 2,
        burst_minutes: 30,
        n_ports: 5,
    }
}

prop_compose! {
    fn scenario()(
        seed in any::<u64>(),
        n_days in 2u32..6,
        groups in proptest::collection::vec(1u32..4, 4),
        per_group in 10u32..40,
        noise in 0u32..300,
        fates in proptest::collection::vec(0u32..2, 6),
    ) -> Scenario {
        let mut s = Scenario::preset("small").unwrap();
        s.seed = seed;
        s.n_days = n_days;
        s.populations = GroupKind::ALL
            .iter()
            .zip(&groups)
            .map(|(&k, &n)| population(k, n, per_group))
            .collect();
        s.noise = Noise { n_senders: noise, active_share: 0.2, max_packets: 20, linger: 0.5 };
        s.fates = Fates {
            splits: fates[0],
            merges: fates[1],
            dissolves: fates[2],
            silences: fates[3],
            silence_days: 1,
            port_changes: fates[4],
            appearances: fates[5],
        };
        s
    }
}

fn v4(a: Addr) -> Ipv4Addr {
    match a {
        Addr::V4(a) => a,
        other => panic!("not IPv4: {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn plans_are_consistent(s in scenario()) {
        let sim = match Simulation::new(&s) {
            Ok(sim) => sim,
            // Too few groups for the fates asked for is a legitimate outcome.
            Err(Error::Unplaceable { .. }) => return Ok(()),
            Err(e) => panic!("{e}"),
        };
        let mut seen_groups = HashSet::new();
        for day in 0..s.n_days {
            let truth = sim.truth(day).unwrap();
            let addrs: HashSet<Ipv4Addr> = truth.senders.iter().map(|s| s.addr).collect();
            prop_assert_eq!(addrs.len(), truth.senders.len());

            let mut counts: HashMap<Ipv4Addr, u32> = HashMap::new();
            let mut last = i64::MIN;
            for p in sim.day_stream(day).unwrap() {
                prop_assert!(p.ts_ns >= last && p.ts_ns < truth.end_ns);
                last = p.ts_ns;
                *counts.entry(v4(p.src)).or_default() += 1;
            }
            let want: HashMap<Ipv4Addr, u32> =
                truth.senders.iter().map(|s| (s.addr, s.packets)).collect();
            prop_assert_eq!(counts, want);

            let today: HashSet<_> = truth.groups.iter().map(|g| g.id).collect();
            for g in &truth.groups {
                prop_assert!(g.n_senders >= 10);
            }
            if day > 0 {
                let yesterday = sim.truth(day - 1).unwrap();
                let mut covered: Vec<_> = truth
                    .events
                    .iter()
                    .flat_map(|e| e.transitions.iter().map(|t| t.group))
                    .collect();
                covered.sort();
                let mut want: Vec<_> = yesterday.groups.iter().map(|g| g.id).collect();
                want.sort();
                prop_assert_eq!(covered, want);
                for e in &truth.events {
                    for em in &e.emerged {
                        prop_assert!(today.contains(&em.group));
                        // A novelty is a group never seen before.
                        prop_assert_eq!(em.novelty, !seen_groups.contains(&em.group)
                            && sim.groups()[em.group.0 as usize].parents.is_empty());
                    }
                }
            }
            seen_groups.extend(today);
        }
    }
}
