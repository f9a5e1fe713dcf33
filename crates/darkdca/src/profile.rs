//! What a cluster's senders do: services, protocols, source prefixes,
//! volume, Mirai-like share and activity over the batch.
//!
//! Profiles are summed from the batch's [`SenderStats`]; activity over time
//! comes from an [`ActivityTable`], filled beside the batcher by
//! [`crate::input::DayStream`] because a [`Batch`] keeps only first and last
//! packet times per sender.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::trace::{Addr, Batch, PacketRecord, SenderStats};

/// Number of equal time bins a batch is cut into for activity profiles
/// (hours when a batch is a day).
pub const ACTIVITY_BINS: usize = 24;

/// Packets per sender and time bin of one batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActivityTable {
    start_ns: i64,
    bin_ns: i64,
    bins: HashMap<Addr, [u32; ACTIVITY_BINS]>,
}

impl ActivityTable {
    /// An empty table for the batch starting at `start_ns` and lasting
    /// `length_ns`.
    #[must_use]
    pub fn new(start_ns: i64, length_ns: i64) -> Self {
        Self { start_ns, bin_ns: (length_ns / ACTIVITY_BINS as i64).max(1), bins: HashMap::new() }
    }

    /// Counts one record (its packet count) in its bin; records outside the
    /// batch are clamped into the first or last bin.
    pub fn add(&mut self, r: &PacketRecord) {
        let bin = ((r.ts_ns - self.start_ns) / self.bin_ns).clamp(0, ACTIVITY_BINS as i64 - 1);
        let slot = &mut self.bins.entry(r.src).or_insert([0; ACTIVITY_BINS])[bin as usize];
        *slot = slot.saturating_add(r.count.max(1));
    }

    /// One sender's packets per bin.
    #[must_use]
    pub fn get(&self, addr: &Addr) -> Option<&[u32; ACTIVITY_BINS]> {
        self.bins.get(addr)
    }

    /// Number of senders in the table.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bins.len()
    }

    /// Whether the table is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bins.is_empty()
    }
}

/// A counted key of a top list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// The key, e.g. `23/tcp`, `tcp`, `192.0.2.0/24`.
    pub key: String,
    /// Packets sent to (services, protocols) or from (prefixes) the key.
    pub count: u64,
}

/// Summary of what a set of senders did in one batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterProfile {
    /// Senders in the set.
    pub n_senders: usize,
    /// Packets they sent.
    pub packets: u64,
    /// Share of those packets that are Mirai-like probes.
    pub mirai_share: f64,
    /// Members with at least one Mirai-like probe.
    pub n_mirai_senders: usize,
    /// Most targeted services (`23/tcp`, `icmp`, ...) by packets. Summed
    /// from each sender's top 8 services, so exact for senders that used at
    /// most 8 services and a lower bound otherwise.
    pub top_services: Vec<Count>,
    /// Protocols (`tcp`, `udp`, `icmp`, `gre`, `other`) by packets.
    pub top_protocols: Vec<Count>,
    /// Source /24 prefixes (IPv4) by packets.
    pub top_slash24: Vec<Count>,
    /// Source /16 prefixes (IPv4) by packets.
    pub top_slash16: Vec<Count>,
    /// Packets per bin; the batch is cut into [`ACTIVITY_BINS`] equal bins
    /// (hours of the day, UTC, for daily batches). All zero when the
    /// activity was not recorded.
    pub activity: Vec<u64>,
}

/// Summarises what `members` did in `batch`; `top_n` bounds each top list.
#[must_use]
pub fn profile(
    batch: &Batch,
    activity: Option<&ActivityTable>,
    members: &[Addr],
    top_n: usize,
) -> ClusterProfile {
    let mut acc = Acc::default();
    for addr in members {
        if let Some(s) = batch.sender(addr) {
            acc.add(s);
        }
        if let Some(bins) = activity.and_then(|t| t.get(addr)) {
            for (a, &b) in acc.activity.iter_mut().zip(bins) {
                *a += u64::from(b);
            }
        }
    }
    acc.finish(members.len(), top_n)
}

#[derive(Default)]
struct Acc {
    packets: u64,
    mirai: u64,
    n_mirai_senders: usize,
    services: HashMap<String, u64>,
    protocols: HashMap<&'static str, u64>,
    s24: HashMap<u32, u64>,
    s16: HashMap<u32, u64>,
    activity: [u64; ACTIVITY_BINS],
}

impl Acc {
    fn add(&mut self, s: &SenderStats) {
        self.packets += s.n_packets;
        self.mirai += s.n_mirai;
        self.n_mirai_senders += usize::from(s.n_mirai > 0);
        for (service, n) in &s.top_ports {
            *self.services.entry(service.to_string()).or_default() += n;
        }
        let p = &s.protocols;
        for (name, n) in
            [("tcp", p.tcp), ("udp", p.udp), ("icmp", p.icmp), ("gre", p.gre), ("other", p.other)]
        {
            if n > 0 {
                *self.protocols.entry(name).or_default() += n;
            }
        }
        if let Addr::V4(a) = s.addr {
            let bits = u32::from(a);
            *self.s24.entry(bits & 0xffff_ff00).or_default() += s.n_packets;
            *self.s16.entry(bits & 0xffff_0000).or_default() += s.n_packets;
        }
    }

    fn finish(self, n_senders: usize, top_n: usize) -> ClusterProfile {
        ClusterProfile {
            n_senders,
            packets: self.packets,
            mirai_share: if self.packets == 0 {
                0.0
            } else {
                self.mirai as f64 / self.packets as f64
            },
            n_mirai_senders: self.n_mirai_senders,
            top_services: top(self.services, top_n, |k| k),
            top_protocols: top(self.protocols, top_n, str::to_owned),
            top_slash24: top(self.s24, top_n, |b| format!("{}/24", std::net::Ipv4Addr::from(b))),
            top_slash16: top(self.s16, top_n, |b| format!("{}/16", std::net::Ipv4Addr::from(b))),
            activity: self.activity.to_vec(),
        }
    }
}

/// The `n` largest counts, ties broken by the key's name.
fn top<K>(counts: HashMap<K, u64>, n: usize, name: impl Fn(K) -> String) -> Vec<Count> {
    let mut v: Vec<Count> =
        counts.into_iter().map(|(k, count)| Count { key: name(k), count }).collect();
    v.sort_unstable_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    v.truncate(n);
    v
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::trace::{BatchParams, Batcher, proto, tcp_flags};

    fn rec(src: [u8; 4], port: u16, ts_s: i64, mirai: bool) -> PacketRecord {
        let dst = Ipv4Addr::new(10, 0, 0, 1);
        PacketRecord {
            ts_ns: ts_s * 1_000_000_000,
            src: Addr::V4(Ipv4Addr::from(src)),
            dst: Some(Addr::V4(dst)),
            proto: proto::TCP,
            src_port: Some(40000),
            dst_port: Some(port),
            tcp_flags: Some(tcp_flags::SYN),
            tcp_seq: Some(if mirai { u32::from(dst) } else { 7 }),
            len: 40,
            count: 1,
            mirai_label: None,
        }
    }

    #[test]
    fn profile_counts_services_prefixes_and_hours() {
        let mut rs = Vec::new();
        // Sender A: 3 Mirai-like probes to 23 at 00:00:10, one to 2323 at 05:00.
        for _ in 0..3 {
            rs.push(rec([1, 2, 3, 4], 23, 10, true));
        }
        rs.push(rec([1, 2, 3, 4], 2323, 5 * 3600, false));
        // Sender B (same /24): 2 probes to 23 at 23:59:59.
        rs.push(rec([1, 2, 3, 5], 23, 86_399, false));
        rs.push(rec([1, 2, 3, 5], 23, 86_399, false));
        // Sender C, another /16, not a member.
        rs.push(rec([9, 9, 9, 9], 80, 0, false));
        let mut batcher = Batcher::new(BatchParams::default()).unwrap();
        let mut table = ActivityTable::new(0, 86_400 * 1_000_000_000);
        for r in &rs {
            batcher.push(r);
            table.add(r);
        }
        let batch = batcher.finish().pop().unwrap();

        let members = [Addr::V4(Ipv4Addr::new(1, 2, 3, 4)), Addr::V4(Ipv4Addr::new(1, 2, 3, 5))];
        let p = profile(&batch, Some(&table), &members, 5);
        assert_eq!(p.packets, 6);
        // 3 of 6 packets are Mirai-like, from one sender.
        assert!((p.mirai_share - 0.5).abs() < 1e-12);
        assert_eq!(p.n_mirai_senders, 1);
        assert_eq!(p.top_services[0], Count { key: "23/tcp".into(), count: 5 });
        assert_eq!(p.top_services[1], Count { key: "2323/tcp".into(), count: 1 });
        assert_eq!(p.top_protocols, vec![Count { key: "tcp".into(), count: 6 }]);
        assert_eq!(p.top_slash24, vec![Count { key: "1.2.3.0/24".into(), count: 6 }]);
        assert_eq!(p.top_slash16, vec![Count { key: "1.2.0.0/16".into(), count: 6 }]);
        assert_eq!(p.activity[0], 3);
        assert_eq!(p.activity[5], 1);
        assert_eq!(p.activity[23], 2);
        assert_eq!(p.activity.iter().sum::<u64>(), 6);

        let without = profile(&batch, None, &members, 1);
        assert_eq!(without.top_services.len(), 1);
        assert!(without.activity.iter().all(|&a| a == 0));
    }
}
