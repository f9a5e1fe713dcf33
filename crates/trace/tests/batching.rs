//! Batches, sender statistics, the active-sender filter, the Mirai-like
//! label and the i-DarkVec corpus.

mod common;

use common::{syn, v4};
use darkdca_trace::{
    Addr, BatchParams, Batcher, CorpusParams, DAY_NS, PacketRecord, Service, ServiceClass,
    Vocabulary, proto,
};
use proptest::prelude::*;

const T0: i64 = 18_748 * DAY_NS; // 2021-05-01T00:00:00Z
const S: i64 = 1_000_000_000;

fn run(
    recs: &[PacketRecord],
    params: BatchParams,
) -> (Vec<darkdca_trace::Batch>, darkdca_trace::BatchReport) {
    let mut b = Batcher::new(params).unwrap();
    for r in recs {
        b.push(r);
    }
    let rep = *b.report();
    (b.finish(), rep)
}

#[test]
fn files_spanning_midnight_and_many_files_per_day() {
    let a = v4(192, 0, 2, 1);
    let t = v4(198, 51, 100, 1);
    // File 1 covers 23:00..00:30, file 2 00:30..02:00, fed in order.
    let file1: Vec<_> = (0..90).map(|m| syn(T0 - 3600 * S + m * 60 * S, a, t, 23)).collect();
    let file2: Vec<_> = (90..180).map(|m| syn(T0 - 3600 * S + m * 60 * S, a, t, 23)).collect();
    let all: Vec<_> = file1.iter().chain(&file2).copied().collect();
    let (b, rep) = run(&all, BatchParams::default());
    assert_eq!(b.len(), 2);
    assert_eq!(b[0].id().to_string(), "2021-04-30");
    assert_eq!(b[0].n_packets(), 60);
    assert_eq!(b[1].id().to_string(), "2021-05-01");
    assert_eq!(b[1].n_packets(), 120);
    assert_eq!(rep.n_batches, 1, "the first day was finished while streaming");
    assert_eq!(rep.n_late + rep.n_late_dropped, 0);
}

#[test]
fn slightly_out_of_order_records_are_reordered() {
    let t = v4(198, 51, 100, 1);
    let (a, b_) = (v4(192, 0, 2, 1), v4(192, 0, 2, 2));
    // Two sensors' files interleaved with a 10-minute skew.
    let mut recs = Vec::new();
    for i in 0..20 {
        recs.push(syn(T0 + (i * 60 + 600) * S, a, t, 23));
        recs.push(syn(T0 + i * 60 * S, b_, t, 23));
    }
    let (b, rep) = run(&recs, BatchParams::default());
    assert_eq!(rep.n_late, 0);
    let c = b[0].corpus(&CorpusParams::default()).unwrap();
    // In time order: b alone for 10 minutes (one word), then a and b
    // alternating for 10 minutes (at equal times, a arrived first), then a
    // alone (one word).
    let words = &c.sentences[0].senders;
    let mut want = vec![b_];
    want.extend([a, b_].repeat(10));
    want.push(a);
    assert_eq!(words, &want);
}

#[test]
fn late_records_kept_while_open_dropped_after_close() {
    let (a, t) = (v4(192, 0, 2, 1), v4(198, 51, 100, 1));
    let params = BatchParams::default().max_disorder_ns(60 * S);
    let recs = vec![
        syn(T0 + 1000 * S, a, t, 23),
        syn(T0 + 2000 * S, a, t, 23), // releases the first
        syn(T0 + 100 * S, a, t, 23),  // 900 s late, same day still open
        syn(T0 + DAY_NS + 120 * S, a, t, 23),
        syn(T0 + 5 * S, a, t, 23), // day 1 is closed by now
    ];
    let (b, rep) = run(&recs, params);
    assert_eq!((rep.n_late, rep.n_late_dropped), (1, 1));
    assert_eq!(b.iter().map(|x| x.n_packets()).collect::<Vec<_>>(), vec![3, 1]);
}

#[test]
fn window_and_origin_are_configurable() {
    let (a, t) = (v4(192, 0, 2, 1), v4(198, 51, 100, 1));
    let recs: Vec<_> = (0..24).map(|h| syn(T0 + h * 3600 * S, a, t, 23)).collect();
    let params = BatchParams::default().window_ns(6 * 3600 * S).origin_ns(T0 + 3 * 3600 * S);
    let (b, _) = run(&recs, params);
    let ids: Vec<String> = b.iter().map(|x| x.id().to_string()).collect();
    assert_eq!(
        ids,
        [
            "2021-04-30T21:00:00Z",
            "2021-05-01T03:00:00Z",
            "2021-05-01T09:00:00Z",
            "2021-05-01T15:00:00Z",
            "2021-05-01T21:00:00Z"
        ]
    );
    assert_eq!(b.iter().map(|x| x.n_packets()).sum::<u64>(), 24);
    assert!(Batcher::new(BatchParams::default().window_ns(0)).is_err());
    assert!(Batcher::new(BatchParams::default().max_disorder_ns(-1)).is_err());
    assert_eq!(
        Batcher::new(BatchParams::default().n_top_ports(9)).unwrap().params().clone(),
        BatchParams::default().n_top_ports(9)
    );
}

#[test]
fn sender_statistics_and_labels() {
    let a = v4(192, 0, 2, 1);
    let mut recs = Vec::new();
    for i in 0..6u8 {
        let dst = v4(198, 51, 100, i);
        let mut r = syn(T0 + i64::from(i) * S, a, dst, if i < 4 { 23 } else { 2323 });
        if i == 0 {
            // Mirai fingerprint: sequence number equals the destination.
            r.tcp_seq = Some(u32::from(std::net::Ipv4Addr::new(198, 51, 100, 0)));
        }
        recs.push(r);
    }
    let mut icmp = syn(T0 + 10 * S, a, v4(198, 51, 100, 1), 0);
    icmp.proto = proto::ICMP;
    icmp.dst_port = None;
    icmp.src_port = None;
    recs.push(icmp);
    let (b, _) = run(&recs, BatchParams::default());
    let s = b[0].sender(&a).unwrap();
    assert_eq!(s.n_packets, 7);
    assert_eq!(s.n_dst_ports, 2);
    assert_eq!(s.n_dst_addrs, 6);
    assert_eq!(s.protocols.tcp, 6);
    assert_eq!(s.protocols.icmp, 1);
    assert_eq!(s.first_seen_ns, T0);
    assert_eq!(s.last_seen_ns, T0 + 10 * S);
    assert_eq!(s.n_mirai, 1);
    assert!(s.is_mirai_like());
    let tcp = |port| Service::Port { proto: proto::TCP, port };
    assert_eq!(
        s.top_ports,
        vec![(tcp(23), 4), (tcp(2323), 2), (Service::Protocol(proto::ICMP), 1)]
    );
}

#[test]
fn active_filter_is_strictly_more_than_min_packets() {
    let t = v4(198, 51, 100, 1);
    let (five, six) = (v4(192, 0, 2, 5), v4(192, 0, 2, 6));
    let mut recs: Vec<_> = (0..5).map(|i| syn(T0 + i * S, five, t, 23)).collect();
    recs.extend((0..6).map(|i| syn(T0 + i * S, six, t, 23)));
    let (b, _) = run(&recs, BatchParams::default());
    let active: Vec<Addr> = b[0].active_senders(5).map(|s| s.addr).collect();
    assert_eq!(active, vec![six]);
    let c = b[0].corpus(&CorpusParams::default()).unwrap();
    assert_eq!(c.n_active_senders, 1);
    assert_eq!(c.sentences[0].senders, vec![six]);
    let c = b[0].corpus(&CorpusParams::default().min_packets(4)).unwrap();
    assert_eq!(c.n_active_senders, 2);
}

#[test]
fn flow_rows_count_as_their_packets() {
    let (a, t) = (v4(192, 0, 2, 1), v4(198, 51, 100, 1));
    let mut r = syn(T0, a, t, 22);
    r.count = 40_000; // more than one log run can hold
    let (b, _) = run(&[r], BatchParams::default());
    assert_eq!(b[0].n_packets(), 40_000);
    assert_eq!(b[0].sender(&a).unwrap().n_packets, 40_000);
    let c = b[0].corpus(&CorpusParams::default()).unwrap();
    assert_eq!(c.sentences[0].senders, vec![a], "runs of one sender collapse");
}

/// Six packets per sender to each listed port, interleaved in time.
fn traffic(plan: &[(Addr, &[u16])]) -> Vec<PacketRecord> {
    let t = v4(198, 51, 100, 1);
    let mut recs = Vec::new();
    let mut ts = T0;
    for round in 0..6 {
        for (a, ports) in plan {
            for &p in *ports {
                ts += S;
                let _ = round;
                recs.push(syn(ts, *a, t, p));
            }
        }
    }
    recs
}

#[test]
fn top_services_vocabulary_groups_the_rest_as_other() {
    let (a, b_, c_) = (v4(192, 0, 2, 1), v4(192, 0, 2, 2), v4(192, 0, 2, 3));
    let recs = traffic(&[(a, &[23, 80]), (b_, &[23]), (c_, &[445])]);
    let (b, _) = run(&recs, BatchParams::default());
    let c =
        b[0].corpus(&CorpusParams::default().vocabulary(Vocabulary::TopServices { n: 1 })).unwrap();
    let tcp23 = Service::Port { proto: proto::TCP, port: 23 };
    assert_eq!(c.services, vec![tcp23, Service::Other]);
    assert_eq!(c.sentences[0].senders.len(), 12, "a and b alternate on 23/tcp");
    // Other merges 80/tcp (a) and 445/tcp (c) in time order: a c a c ...
    assert_eq!(c.sentences[1].senders, [a, c_].repeat(6));
    assert!(CorpusParams::default().vocabulary(Vocabulary::TopServices { n: 0 }).check().is_err());
}

#[test]
fn domain_knowledge_vocabulary_uses_classes() {
    let (a, b_) = (v4(192, 0, 2, 1), v4(192, 0, 2, 2));
    let recs = traffic(&[(a, &[23]), (b_, &[2323, 41_107])]);
    let (b, _) = run(&recs, BatchParams::default());
    let c = b[0].corpus(&CorpusParams::default().vocabulary(Vocabulary::DomainKnowledge)).unwrap();
    assert_eq!(
        c.services,
        vec![Service::Class(ServiceClass::Telnet), Service::Class(ServiceClass::UnknownUser)]
    );
    assert_eq!(c.sentences[0].senders, [a, b_].repeat(6));
    assert_eq!(c.sentences[1].senders, vec![b_]);
}

#[test]
fn explicit_cap_splits_without_dropping() {
    let senders: Vec<Addr> = (1..=10).map(|i| v4(192, 0, 2, i)).collect();
    let plan: Vec<(Addr, &[u16])> = senders.iter().map(|&a| (a, &[23u16][..])).collect();
    let (b, _) = run(&traffic(&plan), BatchParams::default());
    let full = b[0].corpus(&CorpusParams::default()).unwrap();
    assert_eq!(full.sentences.len(), 1);
    assert_eq!(full.n_words(), 60);
    let capped = b[0].corpus(&CorpusParams::default().max_sentence_len(Some(25))).unwrap();
    assert_eq!(
        capped.sentences.iter().map(|s| s.senders.len()).collect::<Vec<_>>(),
        vec![25, 25, 10]
    );
    let joined: Vec<Addr> = capped.sentences.iter().flat_map(|s| s.senders.clone()).collect();
    assert_eq!(joined, full.sentences[0].senders);
    assert!(CorpusParams::default().max_sentence_len(Some(0)).check().is_err());
}

/// The i-DarkVec construction written plainly: filter senders with more
/// than 5 packets, rank (proto, port) pairs by their packets, keep `n`,
/// walk the time-sorted packets per service and drop immediate repeats.
fn naive_corpus(sorted: &[PacketRecord], n: usize) -> darkdca_trace::Corpus {
    use std::collections::{BTreeMap, HashMap};
    let mut per_sender: HashMap<Addr, u64> = HashMap::new();
    for r in sorted {
        *per_sender.entry(r.src).or_default() += 1;
    }
    let active: Vec<&PacketRecord> = sorted.iter().filter(|r| per_sender[&r.src] > 5).collect();
    let service = |r: &PacketRecord| match r.dst_port {
        Some(port) => Service::Port { proto: r.proto, port },
        None => Service::Protocol(r.proto),
    };
    let mut counts: BTreeMap<Service, u64> = BTreeMap::new();
    for r in &active {
        *counts.entry(service(r)).or_default() += 1;
    }
    let mut ranked: Vec<(Service, u64)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let top: Vec<Service> = ranked.iter().take(n).map(|x| x.0).collect();
    let mut sentences: BTreeMap<Service, Vec<Addr>> = BTreeMap::new();
    for r in &active {
        let s = if top.contains(&service(r)) { service(r) } else { Service::Other };
        let words = sentences.entry(s).or_default();
        if words.last() != Some(&r.src) {
            words.push(r.src);
        }
    }
    darkdca_trace::Corpus {
        services: sentences.keys().copied().collect(),
        sentences: sentences
            .into_iter()
            .map(|(service, senders)| darkdca_trace::Sentence { service, senders })
            .collect(),
        n_active_senders: per_sender.values().filter(|&&c| c > 5).count(),
    }
}

fn arb_record() -> impl Strategy<Value = PacketRecord> {
    (0..3600i64, 0..12u8, 0..4u16, 0..3u8).prop_map(|(t, s, port, p)| {
        let mut r = syn(T0 + t * S, v4(10, 0, 0, s), v4(198, 51, 100, 1), 20 + port);
        if p == 2 {
            r.proto = proto::ICMP;
            r.dst_port = None;
        }
        r
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever the arrival order: every packet is counted once, and each
    /// sentence holds only active senders with no immediate repeats, equal
    /// to the sentence built from the time-sorted packets.
    #[test]
    fn corpus_invariants(mut recs in prop::collection::vec(arb_record(), 1..300)) {
        let (b, _) = run(&recs, BatchParams::default());
        prop_assert_eq!(b.iter().map(|x| x.n_packets()).sum::<u64>(), recs.len() as u64);
        let c = b[0].corpus(&CorpusParams::default()).unwrap();
        for s in &c.sentences {
            prop_assert!(s.senders.windows(2).all(|w| w[0] != w[1]));
            for a in &s.senders {
                prop_assert!(b[0].sender(a).unwrap().n_packets > 5);
            }
        }
        recs.sort_by_key(|r| r.ts_ns);
        let (sorted, _) = run(&recs, BatchParams::default().max_disorder_ns(0));
        prop_assert_eq!(&sorted[0].corpus(&CorpusParams::default()).unwrap(), &c);

        // A direct construction from the time-sorted packets, with a top-2
        // vocabulary so that "other" merges several pairs.
        let params = CorpusParams::default().vocabulary(Vocabulary::TopServices { n: 2 });
        prop_assert_eq!(b[0].corpus(&params).unwrap(), naive_corpus(&recs, 2));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Sender statistics equal a direct count over the packets.
    #[test]
    fn sender_stats_match_direct_counts(
        raw in prop::collection::vec((0..600i64, 0..6u8, 0..5u8, 0..7u16, 0..3u8, 1..4u32), 1..400),
    ) {
        use std::collections::{BTreeMap, HashSet};
        let recs: Vec<PacketRecord> = raw
            .iter()
            .map(|&(t, s, d, port, p, count)| {
                let mut r = syn(T0 + t * S, v4(10, 0, 0, s), v4(198, 51, 100, d), 20 + port);
                r.count = count;
                if p == 1 {
                    r.proto = proto::UDP;
                } else if p == 2 {
                    r.proto = proto::ICMP;
                    r.dst_port = None;
                }
                r
            })
            .collect();
        let (b, _) = run(&recs, BatchParams::default().n_top_ports(3));
        prop_assert_eq!(b.len(), 1);
        for s in b[0].senders() {
            let mine: Vec<&PacketRecord> = recs.iter().filter(|r| r.src == s.addr).collect();
            let n: u64 = mine.iter().map(|r| u64::from(r.count)).sum();
            prop_assert_eq!(s.n_packets, n);
            let ports: HashSet<(u8, u16)> = mine.iter().filter_map(|r| r.dst_port.map(|p| (r.proto, p))).collect();
            prop_assert_eq!(s.n_dst_ports, ports.len() as u64);
            let dsts: HashSet<Addr> = mine.iter().filter_map(|r| r.dst).collect();
            prop_assert_eq!(s.n_dst_addrs, dsts.len() as u64);
            let mut per: BTreeMap<Service, u64> = BTreeMap::new();
            for r in &mine {
                let svc = match r.dst_port {
                    Some(port) => Service::Port { proto: r.proto, port },
                    None => Service::Protocol(r.proto),
                };
                *per.entry(svc).or_default() += u64::from(r.count);
            }
            let mut top: Vec<(Service, u64)> = per.into_iter().collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            top.truncate(3);
            prop_assert_eq!(&s.top_ports, &top);
            prop_assert_eq!(s.first_seen_ns, mine.iter().map(|r| r.ts_ns).min().unwrap());
            prop_assert_eq!(s.last_seen_ns, mine.iter().map(|r| r.ts_ns).max().unwrap());
            prop_assert_eq!(s.protocols.tcp + s.protocols.udp + s.protocols.icmp, n);
        }
    }
}
