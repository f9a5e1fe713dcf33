//! A tiny deterministic traffic generator for tests and benchmarks: groups
//! of senders that probe their own services in interleaved rounds, plus
//! one-off noise.

#![allow(dead_code, reason = "each test binary uses a part of the helpers")]

use std::net::Ipv4Addr;

use darkdca::trace::{Addr, PacketRecord, proto, tcp_flags};

/// Nanoseconds in a day.
pub const DAY_NS: i64 = 86_400_000_000_000;

/// A coordinated group: `n` senders of the /16 `a.b.0.0`, numbered from
/// `first`, probing `ports` together.
#[derive(Debug, Clone)]
pub struct Group {
    /// The first two octets of the senders.
    pub prefix: [u8; 2],
    /// Index of the first sender (the sender's last two octets).
    pub first: u16,
    /// Number of senders.
    pub n: u16,
    /// Destination ports probed (TCP).
    pub ports: Vec<u16>,
    /// Whether probes are Mirai-like (sequence number = destination).
    pub mirai: bool,
}

impl Group {
    /// The `i`-th sender of the group.
    pub fn sender(&self, i: u16) -> Addr {
        let k = self.first + i;
        Addr::V4(Ipv4Addr::new(self.prefix[0], self.prefix[1], (k >> 8) as u8, k as u8))
    }

    /// All senders.
    pub fn senders(&self) -> Vec<Addr> {
        (0..self.n).map(|i| self.sender(i)).collect()
    }
}

/// splitmix64: a small seeded generator.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Shuffles a slice (Fisher-Yates).
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

/// One TCP SYN.
pub fn syn(ts_ns: i64, src: Addr, dst: Ipv4Addr, port: u16, mirai: bool) -> PacketRecord {
    PacketRecord {
        ts_ns,
        src,
        dst: Some(Addr::V4(dst)),
        proto: proto::TCP,
        src_port: Some(40_000),
        dst_port: Some(port),
        tcp_flags: Some(tcp_flags::SYN),
        tcp_seq: Some(if mirai { u32::from(dst) } else { 1 }),
        len: 40,
        count: 1,
        mirai_label: None,
    }
}

/// The records of day `day` (days since the epoch): each group sends
/// `rounds` rounds over the day, each round every member probing every
/// port of the group once, in shuffled order; `n_noise` one-off senders
/// send 1 to 3 packets to random ports.
pub fn day_records(
    day: i64,
    groups: &[Group],
    rounds: u32,
    n_noise: u32,
    seed: u64,
) -> Vec<PacketRecord> {
    let mut rng = Rng::new(seed ^ (day as u64).wrapping_mul(0x1000_0000_01b3));
    let start = day * DAY_NS;
    let step = DAY_NS / i64::from(rounds.max(1) + 1);
    let mut out = Vec::new();
    for r in 0..rounds {
        for g in groups {
            let mut order = g.senders();
            rng.shuffle(&mut order);
            for (k, &src) in order.iter().enumerate() {
                for &port in &g.ports {
                    let ts = start
                        + i64::from(r) * step
                        + (k as i64) * 1_000_000
                        + rng.below(1_000) as i64;
                    let dst = Ipv4Addr::new(192, 0, 2, rng.below(256) as u8);
                    out.push(syn(ts, src, dst, port, g.mirai));
                }
            }
        }
    }
    for i in 0..n_noise {
        let src = Addr::V4(Ipv4Addr::new(203, (i >> 16) as u8, (i >> 8) as u8, i as u8));
        for _ in 0..=rng.below(3) {
            let ts = start + rng.below(DAY_NS as u64 - 1) as i64;
            let port = 1024 + rng.below(60_000) as u16;
            out.push(syn(ts, src, Ipv4Addr::new(192, 0, 2, 1), port, false));
        }
    }
    out.sort_by_key(|r| r.ts_ns);
    out
}

/// Three groups of 30 senders with distinct services; the third is
/// Mirai-like.
pub fn three_groups() -> Vec<Group> {
    vec![
        Group { prefix: [10, 1], first: 0, n: 30, ports: vec![22, 2222], mirai: false },
        Group { prefix: [10, 2], first: 0, n: 30, ports: vec![445, 139], mirai: false },
        Group { prefix: [10, 3], first: 0, n: 30, ports: vec![23, 2323], mirai: true },
    ]
}

/// A fourth group that appears later.
pub fn newcomer() -> Group {
    Group { prefix: [10, 4], first: 0, n: 30, ports: vec![5555, 6379], mirai: false }
}
