#![allow(clippy::print_stdout, missing_docs)]
use darkdca_sim::{Scenario, Simulation};
use darkdca_trace::Addr;
use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;

#[test]
fn per_group_context() {
    for name in ["small", "standard"] {
        let sim = Simulation::new(&Scenario::preset(name).unwrap()).unwrap();
        let day = 1;
        let truth = sim.truth(day).unwrap();
        let labels = truth.labels();
        let active: HashSet<Ipv4Addr> = truth.active_senders().map(|s| s.addr).collect();
        let mut counts: HashMap<(u8, Option<u16>), u32> = HashMap::new();
        let recs: Vec<_> = sim.day_stream(day).unwrap().collect();
        for p in &recs {
            *counts.entry((p.proto, p.dst_port)).or_default() += 1;
        }
        let mut top: Vec<_> = counts.iter().map(|(k, v)| (*v, *k)).collect();
        top.sort_by(|a, b| b.cmp(a));
        let topset: HashSet<_> = top.iter().take(2500).map(|x| x.1).collect();
        let mut sentences: HashMap<(u8, Option<u16>), Vec<Ipv4Addr>> = HashMap::new();
        for p in &recs {
            let Addr::V4(src) = p.src else { panic!() };
            if !active.contains(&src) {
                continue;
            }
            let key = (p.proto, p.dst_port);
            let key = if topset.contains(&key) { key } else { (0, None) };
            let s = sentences.entry(key).or_default();
            if s.last() != Some(&src) {
                s.push(src);
            }
        }
        let mut per: HashMap<u32, (u64, u64)> = HashMap::new();
        for s in sentences.values() {
            for (i, a) in s.iter().enumerate() {
                let Some(g) = labels[a] else { continue };
                let e = per.entry(g.0).or_default();
                for b in &s[i.saturating_sub(5)..(i + 6).min(s.len())] {
                    if b != a {
                        e.1 += 1;
                        e.0 += u64::from(labels[b] == Some(g));
                    }
                }
            }
        }
        let mut ids: Vec<_> = per.keys().copied().collect();
        ids.sort();
        for g in ids {
            let (s, t) = per[&g];
            let gt = truth.groups.iter().find(|x| x.id.0 == g).unwrap();
            println!(
                "{name} g{g} {:?} n={} share={:.2} ctx={}",
                gt.kind,
                gt.n_senders,
                s as f64 / t as f64,
                t
            );
        }
    }
}
