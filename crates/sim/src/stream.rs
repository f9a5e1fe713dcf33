//! One day's packets, generated lazily in time order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;
use std::net::Ipv4Addr;

use darkdca_trace::{Addr, PacketRecord, proto, tcp_flags};
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};

use crate::plan::{DAY_NS, DayPlan, Probe, sub_seed};
use crate::scenario::Ipv4Prefix;

/// Where a source's packets come from: a group (by index into the day's
/// groups) or the day's noise.
#[derive(Debug, Clone, Copy)]
enum Origin {
    Group(u32),
    Noise,
}

/// One burst of one group, or the whole day of noise: a shuffled list of
/// senders, one entry per packet, spread uniformly over `[start, end)`.
#[derive(Debug)]
struct Source {
    origin: Origin,
    /// Time of the last packet handed out, as an offset into the day (ns).
    at: f64,
    end: f64,
    /// (sender index, packets) before the source starts.
    pending: Vec<(u32, u32)>,
    started: bool,
    /// Sender index of every packet, in sending order.
    senders: Vec<u32>,
    next: usize,
}

/// The packets of one simulated day in time order, generated on the fly.
///
/// Created by [`crate::Simulation::day_stream`]. Memory is bounded by the
/// senders of the bursts under way, not by the day's packets. The stream is
/// deterministic: it depends only on the scenario and the day.
///
/// Every record is IPv4, addressed to the telescope, with `count` 1.
/// Within a burst, the group's members take turns at random, so that
/// coordinated senders interleave on the same services.
#[derive(Debug)]
pub struct DayStream<'a> {
    plan: &'a DayPlan,
    /// First address of the telescope and the mask of its host bits.
    dst_base: u32,
    dst_mask: u32,
    start_ns: i64,
    rng: Xoshiro256PlusPlus,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
    sources: Vec<Source>,
    remaining: u64,
}

const STREAM_TAG: u64 = 0x7374_7265_616d;

impl<'a> DayStream<'a> {
    pub(crate) fn new(plan: &'a DayPlan, telescope: Ipv4Prefix, start_ns: i64, seed: u64) -> Self {
        let tag = STREAM_TAG ^ (u64::from(plan.day) << 48);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(sub_seed(seed, tag));
        let mut sources = Vec::new();
        for (gi, g) in plan.groups.iter().enumerate() {
            let nb = g.bursts.len();
            let mut per_burst: Vec<Vec<(u32, u32)>> = vec![Vec::new(); nb];
            let mut counts = vec![0u32; nb];
            for (m, &n) in g.packets.iter().enumerate() {
                counts.fill(0);
                for _ in 0..n {
                    counts[rng.random_range(0..nb)] += 1;
                }
                for (b, &c) in counts.iter().enumerate() {
                    if c > 0 {
                        per_burst[b].push((m as u32, c));
                    }
                }
            }
            for (b, pending) in per_burst.into_iter().enumerate() {
                let (s, e) = g.bursts[b];
                sources.push(Source::new(Origin::Group(gi as u32), s, e, pending));
            }
        }
        let noise: Vec<(u32, u32)> =
            plan.noise.packets.iter().enumerate().map(|(i, &n)| (i as u32, n)).collect();
        sources.push(Source::new(Origin::Noise, 0, DAY_NS, noise));

        let heap = sources
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.pending.is_empty())
            .map(|(i, s)| Reverse((s.at as i64, i as u32)))
            .collect();
        Self {
            plan,
            dst_base: u32::from(telescope.addr()),
            // At most 2^32 - 1: a scenario's prefix is at least a /8.
            dst_mask: (telescope.n_addresses() - 1) as u32,
            start_ns,
            rng,
            heap,
            sources,
            remaining: plan.n_packets(),
        }
    }

    /// Builds the record of the source's next packet.
    fn record(&mut self, ts: i64, origin: Origin, sender: u32) -> PacketRecord {
        let rng = &mut self.rng;
        let (src, probe) = match origin {
            Origin::Group(g) => {
                let g = &self.plan.groups[g as usize];
                (g.members[sender as usize], g.mix.pick(rng))
            }
            Origin::Noise => {
                let n = &self.plan.noise;
                let probes = n.probes_of(sender as usize);
                (n.senders[sender as usize], probes[rng.random_range(0..probes.len())])
            }
        };
        let dst = self.dst_base | (rng.random::<u32>() & self.dst_mask);
        let ephemeral = rng.random_range(1024..=u16::MAX);
        let mut rec = PacketRecord {
            ts_ns: self.start_ns + ts,
            src: Addr::V4(Ipv4Addr::from(src)),
            dst: Some(Addr::V4(Ipv4Addr::from(dst))),
            proto: proto::TCP,
            src_port: Some(ephemeral),
            dst_port: None,
            tcp_flags: Some(tcp_flags::SYN),
            tcp_seq: None,
            len: 40,
            count: 1,
            mirai_label: None,
        };
        match probe {
            Probe::Syn(port) => {
                let seq: u32 = rng.random();
                // Only botnets send Mirai-like probes.
                rec.tcp_seq = Some(if seq == dst { seq ^ 1 } else { seq });
                rec.dst_port = Some(port);
            }
            Probe::Mirai(port) => {
                rec.tcp_seq = Some(dst);
                rec.dst_port = Some(port);
            }
            Probe::SynAck(from, to) | Probe::Rst(from, to) => {
                rec.src_port = Some(from);
                rec.dst_port = Some(to);
                rec.tcp_seq = Some(rng.random());
                rec.tcp_flags = Some(if matches!(probe, Probe::SynAck(..)) {
                    tcp_flags::SYN | tcp_flags::ACK
                } else {
                    tcp_flags::RST | tcp_flags::ACK
                });
            }
            Probe::Udp(port) => {
                rec.proto = proto::UDP;
                rec.dst_port = Some(port);
                rec.tcp_flags = None;
                rec.len = 28;
            }
            Probe::Echo => {
                rec.proto = proto::ICMP;
                rec.src_port = None;
                rec.tcp_flags = None;
                rec.len = 28;
            }
            Probe::Gre => {
                rec.proto = proto::GRE;
                rec.src_port = None;
                rec.tcp_flags = None;
                rec.len = 48;
            }
        }
        rec
    }
}

impl Source {
    fn new(origin: Origin, start: i64, end: i64, pending: Vec<(u32, u32)>) -> Self {
        Self {
            origin,
            at: start as f64,
            end: end as f64,
            pending,
            started: false,
            senders: Vec::new(),
            next: 0,
        }
    }

    /// Expands the pending counts into one shuffled entry per packet.
    fn start(&mut self, rng: &mut Xoshiro256PlusPlus) {
        let n: u32 = self.pending.iter().map(|&(_, c)| c).sum();
        let mut senders = Vec::with_capacity(n as usize);
        for &(s, c) in &self.pending {
            senders.extend(std::iter::repeat_n(s, c as usize));
        }
        senders.shuffle(rng);
        self.senders = senders;
        self.pending = Vec::new();
        self.started = true;
    }

    /// Time of the next packet: the minimum of the remaining `k` uniform
    /// times in `[at, end)`, drawn directly (sequential order statistics),
    /// so that no sort is needed.
    fn advance(&mut self, rng: &mut Xoshiro256PlusPlus) -> i64 {
        let k = (self.senders.len() - self.next) as f64;
        let u = 1.0 - rng.random::<f64>();
        self.at += (self.end - self.at) * (1.0 - u.powf(1.0 / k));
        (self.at as i64).min(self.end as i64 - 1)
    }
}

impl Iterator for DayStream<'_> {
    type Item = PacketRecord;

    fn next(&mut self) -> Option<PacketRecord> {
        loop {
            // Replacing the top in place sifts once, where pop and push would
            // sift twice.
            let mut top = self.heap.peek_mut()?;
            let Reverse((ts, idx)) = *top;
            let src = &mut self.sources[idx as usize];
            if !src.started {
                src.start(&mut self.rng);
                *top = Reverse((src.advance(&mut self.rng), idx));
                continue;
            }
            let sender = src.senders[src.next];
            src.next += 1;
            let origin = src.origin;
            if src.next < src.senders.len() {
                *top = Reverse((src.advance(&mut self.rng), idx));
                drop(top);
            } else {
                // Exhausted: never pushed again, so its memory can go.
                src.senders = Vec::new();
                PeekMut::pop(top);
            }
            self.remaining -= 1;
            return Some(self.record(ts, origin, sender));
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::try_from(self.remaining).unwrap_or(usize::MAX);
        (n, Some(n))
    }
}
