//! Cutting a record stream into batches (UTC days by default) with
//! per-sender statistics and the compact packet log the corpus needs.

use std::collections::{HashMap, VecDeque};
use std::fmt;

use crate::decode::{decode, fast_ethernet_ipv4};
use crate::error::{Error, Result};
use crate::link::LinkType;
use crate::outlier::TimeGuard;
use crate::prefix::Prefix;
use crate::record::{Addr, PacketRecord, proto};
use crate::service::{N_KEYS, Service, service_key};
use crate::stats::{DistinctSet, FxBuild, mix64, partition, radix_sort_copy};
use crate::time::format_utc;

/// Nanoseconds in a day.
pub const DAY_NS: i64 = 86_400_000_000_000;

/// Parameters of a [`Batcher`]. Build with [`BatchParams::default`] and the
/// setters; [`Batcher::new`] checks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchParams {
    window_ns: i64,
    origin_ns: i64,
    telescope: Vec<Prefix>,
    max_disorder_ns: i64,
    n_top_ports: usize,
}

impl Default for BatchParams {
    /// UTC days (window 86,400 s from the epoch), no telescope prefixes
    /// (every destination accepted), one hour of tolerated disorder, 5 top
    /// ports per sender.
    fn default() -> Self {
        Self {
            window_ns: DAY_NS,
            origin_ns: 0,
            telescope: Vec::new(),
            max_disorder_ns: 3_600_000_000_000,
            n_top_ports: 5,
        }
    }
}

impl BatchParams {
    /// Batch length in nanoseconds (default one day). Must be positive.
    #[must_use]
    pub fn window_ns(mut self, window_ns: i64) -> Self {
        self.window_ns = window_ns;
        self
    }

    /// A time at which a batch starts (default 0, the epoch, so batches are
    /// UTC days). Any value works: batches start at `origin + k * window`.
    #[must_use]
    pub fn origin_ns(mut self, origin_ns: i64) -> Self {
        self.origin_ns = origin_ns;
        self
    }

    /// The telescope's own prefixes. Packets whose IP destination is outside
    /// all of them (for example a sensor's replies) are counted in
    /// [`BatchReport::n_outside`] and left out. Empty (the default) accepts
    /// every destination. Records whose destination is missing or opaque
    /// cannot be checked and are kept (counted in
    /// [`BatchReport::n_unchecked`]).
    #[must_use]
    pub fn telescope(mut self, prefixes: Vec<Prefix>) -> Self {
        self.telescope = prefixes;
        self
    }

    /// How far back in time (nanoseconds, default 3,600 s) a record may
    /// arrive after a later one and still be put in time order. Later
    /// arrivals are counted as late: kept in arrival order if their batch is
    /// still open, dropped otherwise. Must not be negative.
    #[must_use]
    pub fn max_disorder_ns(mut self, ns: i64) -> Self {
        self.max_disorder_ns = ns;
        self
    }

    /// Number of top ports reported per sender (default 5).
    #[must_use]
    pub fn n_top_ports(mut self, n: usize) -> Self {
        self.n_top_ports = n;
        self
    }

    /// Checks every rule.
    ///
    /// # Errors
    ///
    /// [`Error::Params`] if the window is not positive or the disorder
    /// tolerance is negative.
    pub fn check(&self) -> Result<()> {
        if self.window_ns <= 0 {
            return Err(Error::Params { name: "window_ns", reason: "must be positive".into() });
        }
        if self.max_disorder_ns < 0 {
            return Err(Error::Params {
                name: "max_disorder_ns",
                reason: "must not be negative".into(),
            });
        }
        Ok(())
    }

    /// The start of the batch containing `ts_ns`.
    #[must_use]
    pub fn batch_start(&self, ts_ns: i64) -> i64 {
        // In 128 bits, since any i64 time and origin must work.
        let (t, o, w) = (i128::from(ts_ns), i128::from(self.origin_ns), i128::from(self.window_ns));
        let start = o + (t - o).div_euclid(w) * w;
        i64::try_from(start).unwrap_or(i64::MIN)
    }
}

/// A batch's identity: its start time in nanoseconds since the epoch (UTC).
///
/// Displayed as `YYYY-MM-DD` when it starts at midnight, otherwise as
/// `YYYY-MM-DDTHH:MM:SSZ`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct BatchId(pub i64);

impl BatchId {
    /// Start of the batch, nanoseconds since the epoch.
    #[must_use]
    pub fn start_ns(self) -> i64 {
        self.0
    }
}

impl fmt::Display for BatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_utc(self.0))
    }
}

/// Packets per protocol.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProtocolCounts {
    /// TCP packets.
    pub tcp: u64,
    /// UDP packets.
    pub udp: u64,
    /// ICMP and ICMPv6 packets.
    pub icmp: u64,
    /// GRE packets.
    pub gre: u64,
    /// Any other protocol.
    pub other: u64,
}

/// What one sender did in one batch.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SenderStats {
    /// The sender.
    pub addr: Addr,
    /// Packets sent.
    pub n_packets: u64,
    /// Distinct destination services with a port: (protocol, port) pairs,
    /// so TCP 80 and UDP 80 count twice.
    pub n_dst_ports: u64,
    /// Distinct destination addresses (IPv6 destinations are told apart by a
    /// 32-bit hash, so two may rarely count as one).
    pub n_dst_addrs: u64,
    /// The most targeted services with their packet counts, most first, ties
    /// by service (exact).
    pub top_ports: Vec<(Service, u64)>,
    /// Packets per protocol.
    pub protocols: ProtocolCounts,
    /// Time of the first packet, ns since the epoch.
    pub first_seen_ns: i64,
    /// Time of the last packet, ns since the epoch.
    pub last_seen_ns: i64,
    /// Mirai-like packets (see [`PacketRecord::is_mirai_like`]).
    pub n_mirai: u64,
}

impl SenderStats {
    /// The Mirai-like label: at least one Mirai-like packet in the batch.
    #[must_use]
    pub fn is_mirai_like(&self) -> bool {
        self.n_mirai > 0
    }

    /// Whether the sender is active: more than `min_packets` packets.
    #[must_use]
    pub fn is_active(&self, min_packets: u64) -> bool {
        self.n_packets > min_packets
    }
}

/// An open-addressing table from a 32-bit key to a dense id: one `u64` per
/// slot (`key << 32 | id`), linear probing, at most half full, Fibonacci
/// (multiplicative) hashing. 200,000 senders take 4 MiB.
#[derive(Debug, Default)]
struct IdTable {
    slots: Vec<u64>,
    len: usize,
    /// `64 - log2(slots.len())`.
    shift: u32,
}

const FREE: u64 = u64::MAX;

impl IdTable {
    #[inline]
    fn home(&self, key: u32) -> usize {
        (u64::from(key).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    /// The id of `key`, or `next` after inserting it.
    #[inline]
    fn get_or_insert(&mut self, key: u32, next: u32) -> u32 {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let s = self.slots[i];
            if s == FREE {
                self.slots[i] = (u64::from(key) << 32) | u64::from(next);
                self.len += 1;
                return next;
            }
            if (s >> 32) as u32 == key {
                return s as u32;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let cap = (self.slots.len() * 2).max(1024);
        let old = std::mem::replace(&mut self.slots, vec![FREE; cap]);
        self.shift = 64 - cap.trailing_zeros();
        let mask = cap - 1;
        for s in old.into_iter().filter(|&s| s != FREE) {
            let mut i = self.home((s >> 32) as u32);
            while self.slots[i] != FREE {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }
}

/// A cache prefetch hint, so that the memory accesses of several records
/// overlap (see `Batcher::feed`). Measured in `docs/benchmarks/trace.md`.
#[allow(unsafe_code)]
mod prefetch {
    /// Asks the processor to load the cache line holding `p`.
    #[inline]
    pub(super) fn line<T>(p: *const T) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `prefetcht0` is a hint: it never faults nor reads into a
        // register, whatever the address, and SSE is part of the x86_64
        // baseline.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = p;
    }
}

impl IdTable {
    /// Hints the processor to load the home slot of `key`.
    #[inline]
    fn prefetch(&self, key: u32) {
        if !self.slots.is_empty() {
            prefetch::line(self.slots.as_ptr().wrapping_add(self.home(key)));
        }
    }

    /// The id of `key`, if present (no insertion).
    #[inline]
    fn get(&self, key: u32) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let s = self.slots[i];
            if s == FREE {
                return None;
            }
            if (s >> 32) as u32 == key {
                return Some(s as u32);
            }
            i = (i + 1) & mask;
        }
    }
}

/// Interns senders to dense ids in order of arrival: IPv4 addresses and
/// opaque ids in compact [`IdTable`]s, IPv6 addresses in a hash map.
#[derive(Debug, Default)]
struct SenderIds {
    v4: IdTable,
    opaque: IdTable,
    v6: HashMap<std::net::Ipv6Addr, u32, FxBuild>,
    addrs: Vec<Addr>,
}

impl SenderIds {
    /// The id of `a`, and whether it is new.
    #[inline]
    fn intern(&mut self, a: Addr) -> (u32, bool) {
        let next = self.addrs.len() as u32;
        let id = match a {
            Addr::V4(v) => self.v4.get_or_insert(u32::from(v), next),
            Addr::Opaque(o) => self.opaque.get_or_insert(o, next),
            Addr::V6(v) => *self.v6.entry(v).or_insert(next),
        };
        let new = id == next;
        if new {
            self.addrs.push(a);
        }
        (id, new)
    }
}

impl BatchBuilder {
    /// First stage of a lookahead: load the table slot of the sender.
    #[inline]
    fn prefetch_slot(&self, a: &Addr) {
        match a {
            Addr::V4(v) => self.ids.v4.prefetch(u32::from(*v)),
            Addr::Opaque(o) => self.ids.opaque.prefetch(*o),
            Addr::V6(_) => {}
        }
    }

    /// Second stage: find the sender's id (its slot is loaded by now) and
    /// load its dense last-seen entry. Returns the id for `admit`.
    #[inline]
    fn prefetch_last(&self, a: &Addr) -> Option<u32> {
        let id = match a {
            Addr::V4(v) => self.ids.v4.get(u32::from(*v)),
            Addr::Opaque(o) => self.ids.opaque.get(*o),
            Addr::V6(_) => None,
        }?;
        prefetch::line(self.last.as_ptr().wrapping_add(id as usize));
        Some(id)
    }
}

/// A 32-bit key of a destination for distinct counting.
#[inline]
fn addr_key(a: &Addr) -> u32 {
    match a {
        Addr::V4(v) => u32::from(*v),
        Addr::V6(v) => {
            let x = u128::from(*v);
            mix64((x as u64) ^ mix64((x >> 64) as u64)) as u32
        }
        Addr::Opaque(id) => *id,
    }
}

/// The packet log: one `u64` per run of packets of one sender to one
/// service, in packet-time order. Bits 63..32 hold the sender index, bits
/// 31..14 the service key, bits 13..0 the run length (1..=16383).
const REPS_BITS: u32 = 14;
const MAX_REPS: u64 = (1 << REPS_BITS) - 1;

#[inline]
pub(crate) fn log_entry(sender: u32, key: u32, reps: u64) -> u64 {
    (u64::from(sender) << 32) | (u64::from(key) << REPS_BITS) | reps
}

#[inline]
pub(crate) fn log_fields(e: u64) -> (u32, u32, u64) {
    ((e >> 32) as u32, ((e >> REPS_BITS) & 0x3_ffff) as u32, e & MAX_REPS)
}

/// What the batcher keeps of a record: the fields the statistics and the
/// packet log need, checked against the telescope prefixes already.
#[derive(Debug, Clone, Copy)]
struct Item {
    ts_ns: i64,
    src: Addr,
    /// [`addr_key`] of the destination, `NO_DST` if there is none.
    dst_key: u64,
    /// [`service_key`] of the protocol and destination port.
    key: u32,
    /// Packets, at least 1.
    count: u32,
    mirai: bool,
}

const NO_DST: u64 = u64::MAX;

impl Item {
    #[inline]
    fn of(rec: &PacketRecord) -> Self {
        Self {
            ts_ns: rec.ts_ns,
            src: rec.src,
            dst_key: rec.dst.as_ref().map_or(NO_DST, |d| u64::from(addr_key(d))),
            key: service_key(rec.proto, rec.dst_port),
            count: rec.count.max(1),
            mirai: rec.is_mirai_like(),
        }
    }
}

/// A record waiting in the reorder queue: what the time-ordered packet log
/// needs, once its sender is interned and its order-independent statistics
/// applied (24 bytes instead of a 72-byte [`PacketRecord`]).
#[derive(Debug, Clone, Copy)]
struct Pending {
    ts_ns: i64,
    /// The serial number of the batch builder that admitted the record.
    batch: u32,
    sender: u32,
    key: u32,
    count: u32,
}

/// Buffers of finished batches, kept for the next ones: their pages are
/// already mapped, which saves the kernel's page faults and zeroing.
#[derive(Debug, Default)]
struct Scratch {
    /// The destination log grouped by sender.
    a: Vec<u64>,
    /// A destination log for the next batch.
    dst_log: Option<Vec<u64>>,
    /// The hash set counting distinct destinations.
    set: DistinctSet,
    /// Packets per service key of one sender, zero between senders.
    counts: Vec<u64>,
}

/// Distinct destinations are counted in groups of senders: at most
/// `2^MAX_GROUP_BITS` groups (their staging lines stay in cache), of about
/// `GROUP_ENTRIES` log entries or more (a group's hash set stays in cache).
const MAX_GROUP_BITS: u32 = 11;
const GROUP_ENTRIES: usize = 2048;

/// Log entries of one streak found by searching them; a longer streak is
/// indexed by service key.
const SEARCHED_STREAK: usize = 8;

/// An open batch being filled.
#[derive(Debug)]
struct BatchBuilder {
    /// Tells builders apart, even two with the same window.
    serial: u32,
    start_ns: i64,
    end_ns: i64,
    ids: SenderIds,
    /// First and last seen per intern id.
    first: Vec<i64>,
    last: Vec<i64>,
    /// The latest time admitted: an earlier record may lower a first-seen.
    max_ts: i64,
    /// `(intern id << 32) | packets`, one per Mirai-like record, in the
    /// first `n_mirai_entries` places.
    mirai_log: Vec<u64>,
    n_mirai_entries: usize,
    log: Vec<u64>,
    /// `(intern id << 32) | destination key`, one per record whose sender
    /// and destination differ from the previous such entry's (duplicates
    /// are harmless: distinct destinations are counted at batch end).
    dst_log: Vec<u64>,
    /// Per service key, the position of its latest log entry (or
    /// `usize::MAX`) while the streak is longer than `SEARCHED_STREAK`
    /// (empty until a streak first is).
    last_entry: Vec<usize>,
    /// The sender of the latest log entries, and where its streak began.
    streak_sender: u32,
    streak_start: usize,
    n_packets: u64,
    n_records: u64,
}

impl BatchBuilder {
    fn new(serial: u32, start_ns: i64, window_ns: i64, dst_log: Vec<u64>) -> Self {
        Self {
            serial,
            start_ns,
            end_ns: start_ns.saturating_add(window_ns),
            ids: SenderIds::default(),
            first: Vec::new(),
            last: Vec::new(),
            max_ts: i64::MIN,
            mirai_log: Vec::new(),
            n_mirai_entries: 0,
            log: Vec::new(),
            dst_log,
            last_entry: Vec::new(),
            streak_sender: u32::MAX,
            streak_start: 0,
            n_packets: 0,
            n_records: 0,
        }
    }

    /// Interns the sender (`id` if the caller found it already) and applies
    /// the statistics that do not depend on packet order (first and last
    /// seen, Mirai-like count, destinations). Returns what the ordered
    /// packet log still needs.
    #[inline]
    fn admit(&mut self, it: &Item, id: Option<u32>) -> Pending {
        let ts = it.ts_ns;
        let sid = match id {
            Some(sid) => sid,
            None => {
                let (sid, new) = self.ids.intern(it.src);
                if new {
                    self.first.push(ts);
                    self.last.push(ts);
                }
                sid
            }
        };
        let i = sid as usize;
        // In time order (the usual case) a known sender's first-seen cannot
        // move; only an earlier record needs the lookup.
        if ts < self.max_ts && ts < self.first[i] {
            self.first[i] = ts;
        }
        self.max_ts = self.max_ts.max(ts);
        if self.last[i] < ts {
            self.last[i] = ts;
        }
        // Without a branch (Mirai-like packets come at random): the entry is
        // written in any case and kept if the packet is Mirai-like.
        if self.n_mirai_entries == self.mirai_log.len() {
            self.mirai_log.resize((2 * self.mirai_log.len()).max(1024), 0);
        }
        self.mirai_log[self.n_mirai_entries] = (u64::from(sid) << 32) | u64::from(it.count);
        self.n_mirai_entries += usize::from(it.mirai);
        if it.dst_key != NO_DST {
            let e = (u64::from(sid) << 32) | it.dst_key;
            if self.dst_log.last() != Some(&e) {
                self.dst_log.push(e);
            }
        }
        self.n_packets += u64::from(it.count);
        self.n_records += 1;
        Pending { ts_ns: ts, batch: self.serial, sender: sid, key: it.key, count: it.count }
    }

    /// Appends `c` packets of `sid` to service `key`. When every log entry
    /// since the service's latest one is from this same sender, that entry's
    /// run is extended instead: whatever services are later grouped together,
    /// no other sender can come between these packets, so the sentence
    /// (which collapses consecutive repeats) is the same, and per-service
    /// packet counts stay exact.
    #[inline]
    fn log_push(&mut self, p: Pending) {
        let (sid, key, mut c) = (p.sender, p.key, u64::from(p.count));
        if sid == self.streak_sender {
            if let Some(at) = self.streak_entry(key) {
                let (_, _, reps) = log_fields(self.log[at]);
                let add = c.min(MAX_REPS - reps);
                self.log[at] += add;
                c -= add;
            }
        } else if c > 0 {
            self.streak_sender = sid;
            self.streak_start = self.log.len();
        }
        while c > 0 {
            let reps = c.min(MAX_REPS);
            self.push_entry(log_entry(sid, key, reps));
            c -= reps;
        }
    }

    /// The latest entry of service `key` in the current streak: a short
    /// streak (the usual case) is searched, a longer one has its entries
    /// indexed in `last_entry`.
    #[inline]
    fn streak_entry(&self, key: u32) -> Option<usize> {
        let len = self.log.len();
        if len - self.streak_start <= SEARCHED_STREAK {
            (self.streak_start..len).rev().find(|&i| log_fields(self.log[i]).1 == key)
        } else {
            let at = self.last_entry[key as usize];
            (at != usize::MAX && at >= self.streak_start).then_some(at)
        }
    }

    /// Appends a log entry of the current streak.
    #[inline]
    fn push_entry(&mut self, e: u64) {
        let at = self.log.len();
        self.log.push(e);
        let streak = at + 1 - self.streak_start;
        if streak > SEARCHED_STREAK {
            if streak == SEARCHED_STREAK + 1 {
                // The streak outgrows the search: index its entries so far.
                if self.last_entry.is_empty() {
                    self.last_entry = vec![usize::MAX; N_KEYS];
                }
                for i in self.streak_start..at {
                    self.last_entry[log_fields(self.log[i]).1 as usize] = i;
                }
            }
            self.last_entry[log_fields(e).1 as usize] = at;
        }
    }

    fn finish(self, n_top: usize, scratch: &mut Scratch) -> Batch {
        let n = self.first.len();
        let mut log = self.log;
        let mut n_mirai = vec![0u64; n];
        for &e in &self.mirai_log[..self.n_mirai_entries] {
            n_mirai[(e >> 32) as usize] += e & 0xffff_ffff;
        }

        // Senders are numbered by first appearance in the time-ordered log
        // (not by arrival): `old[new]` is the intern id of sender `new`.
        let mut new_of = vec![u32::MAX; n];
        let mut old = Vec::with_capacity(n);
        for e in &mut log {
            let o = (*e >> 32) as usize;
            let mut j = new_of[o];
            if j == u32::MAX {
                j = old.len() as u32;
                new_of[o] = j;
                old.push(o as u32);
            }
            *e = (u64::from(j) << 32) | (*e & 0xffff_ffff);
        }
        debug_assert_eq!(old.len(), n, "every interned sender is in the log");

        // Distinct destinations per intern id: the log grouped by the upper
        // sender bits in one pass over memory (see `partition`), then the
        // entries of each group (a few thousand, from a range of senders)
        // counted in a hash set that stays in cache.
        let sender_bits = u64::BITS - (n as u64).leading_zeros();
        let dsts = self.dst_log;
        let mut n_dsts = vec![0u64; n];
        let top = sender_bits
            .min(MAX_GROUP_BITS)
            .min(u64::BITS - (dsts.len() / GROUP_ENTRIES).leading_zeros());
        let ends = partition(&dsts, 32 + sender_bits - top, top, &mut scratch.a);
        let mut start = 0;
        for end in ends {
            let group = &scratch.a[start..end];
            scratch.set.reset(group.len());
            for &e in group {
                if scratch.set.insert(e) {
                    n_dsts[(e >> 32) as usize] += 1;
                }
            }
            start = end;
        }

        // Packets per (sender, service): a copy of the log radix-sorted by
        // sender, then each sender's runs added up in a table indexed by
        // service key (only the touched keys are read back and cleared). The
        // destination log's buffer is free again: it holds the copy.
        let mut services = dsts;
        radix_sort_copy(&log, 32, 32 + sender_bits, &mut services);
        let counts = &mut scratch.counts;
        counts.resize(N_KEYS, 0);
        let mut senders = Vec::with_capacity(n);
        let mut list: Vec<(u32, u64)> = Vec::new();
        let mut keys: Vec<u32> = Vec::new();
        let mut at = 0;
        for (j, &o) in old.iter().enumerate() {
            list.clear();
            let begin = at;
            while at < services.len() && (services[at] >> 32) as usize == j {
                at += 1;
            }
            let group = &services[begin..at];
            if keys.len() < group.len() {
                keys.resize(group.len(), 0);
            }
            // Without a branch: a key is kept when its count was zero.
            let mut m = 0;
            for &e in group {
                let (_, key, reps) = log_fields(e);
                let c = counts[key as usize];
                keys[m] = key;
                m += usize::from(c == 0);
                counts[key as usize] = c + reps;
            }
            list.extend(keys[..m].iter().map(|&k| (k, std::mem::take(&mut counts[k as usize]))));
            let (mut n_packets, mut tcp, mut udp, mut icmp, mut gre) = (0u64, 0, 0, 0, 0);
            for &(key, c) in &list {
                n_packets += c;
                match key {
                    0..65_536 => tcp += c,
                    65_536..131_072 => udp += c,
                    _ => match (key - 131_072) as u8 {
                        proto::TCP => tcp += c,
                        proto::UDP => udp += c,
                        proto::ICMP | proto::ICMPV6 => icmp += c,
                        proto::GRE => gre += c,
                        _ => {}
                    },
                }
            }
            // ICMP and GRE counters saturate at 2^32 - 1, as they always have.
            let (icmp, gre) = (icmp.min(u64::from(u32::MAX)), gre.min(u64::from(u32::MAX)));
            let n_dst_ports =
                list.iter().filter(|(k, _)| (*k as usize) < 2 * 65_536).count() as u64;
            // Most packets first, ties by key: a total order, so selecting
            // the top ones before sorting them gives the same list.
            let by_count = |a: &(u32, u64), b: &(u32, u64)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
            if n_top < list.len() {
                list.select_nth_unstable_by(n_top, by_count);
                list.truncate(n_top);
            }
            list.sort_unstable_by(by_count);
            senders.push(SenderStats {
                addr: self.ids.addrs[o as usize],
                n_packets,
                n_dst_ports,
                n_dst_addrs: n_dsts[o as usize],
                top_ports: list.iter().map(|&(k, c)| (Service::from_key(k), c)).collect(),
                protocols: ProtocolCounts {
                    tcp,
                    udp,
                    icmp,
                    gre,
                    other: n_packets.saturating_sub(tcp + udp + icmp + gre),
                },
                first_seen_ns: self.first[o as usize],
                last_seen_ns: self.last[o as usize],
                // Saturating at 2^32 - 1 per batch, as it always has.
                n_mirai: n_mirai[o as usize].min(u64::from(u32::MAX)),
            });
        }
        services.clear();
        scratch.dst_log = Some(services);
        let mut index: HashMap<Addr, u32, FxBuild> = HashMap::default();
        index.reserve(n);
        for (i, s) in senders.iter().enumerate() {
            index.insert(s.addr, i as u32);
        }
        Batch {
            id: BatchId(self.start_ns),
            end_ns: self.end_ns,
            senders,
            index,
            log,
            n_packets: self.n_packets,
            n_records: self.n_records,
        }
    }
}

/// One finished batch: sender statistics and the packet log from which the
/// corpus is built.
///
/// Memory: the sender table grows with the number of senders; the packet
/// log, which the i-DarkVec corpus needs to order senders by packet time,
/// holds at most 8 bytes per packet (packets of one sender to one service
/// share an entry while no other sender's packet comes in between).
#[derive(Debug, Clone)]
pub struct Batch {
    id: BatchId,
    end_ns: i64,
    senders: Vec<SenderStats>,
    index: HashMap<Addr, u32, FxBuild>,
    pub(crate) log: Vec<u64>,
    n_packets: u64,
    n_records: u64,
}

impl Batch {
    /// The batch's identity (its start).
    #[must_use]
    pub fn id(&self) -> BatchId {
        self.id
    }

    /// End of the batch (exclusive), ns since the epoch.
    #[must_use]
    pub fn end_ns(&self) -> i64 {
        self.end_ns
    }

    /// Every sender, in order of first appearance.
    #[must_use]
    pub fn senders(&self) -> &[SenderStats] {
        &self.senders
    }

    /// The statistics of one sender.
    #[must_use]
    pub fn sender(&self, addr: &Addr) -> Option<&SenderStats> {
        self.index.get(addr).map(|&i| &self.senders[i as usize])
    }

    /// Number of distinct senders.
    #[must_use]
    pub fn n_senders(&self) -> usize {
        self.senders.len()
    }

    /// Packets in the batch (flow rows count for their packet count).
    #[must_use]
    pub fn n_packets(&self) -> u64 {
        self.n_packets
    }

    /// Records in the batch.
    #[must_use]
    pub fn n_records(&self) -> u64 {
        self.n_records
    }

    /// The active senders: those with more than `min_packets` packets (the
    /// papers use 5), in order of first appearance.
    pub fn active_senders(&self, min_packets: u64) -> impl Iterator<Item = &SenderStats> + '_ {
        self.senders.iter().filter(move |s| s.is_active(min_packets))
    }

    /// Entries in the packet log (runs of one sender to one service).
    #[must_use]
    pub fn n_log_entries(&self) -> usize {
        self.log.len()
    }

    pub(crate) fn sender_at(&self, idx: u32) -> &SenderStats {
        &self.senders[idx as usize]
    }
}

/// What a [`Batcher`] counted besides the batches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Records pushed.
    pub n_records: u64,
    /// Records left out because their IP destination is outside the
    /// telescope prefixes.
    pub n_outside: u64,
    /// Records kept without a direction check (destination missing or
    /// opaque while prefixes are configured).
    pub n_unchecked: u64,
    /// Records that arrived too late to be put in time order but whose batch
    /// was still open (kept, in arrival order).
    pub n_late: u64,
    /// Records that arrived after their batch was closed (left out).
    pub n_late_dropped: u64,
    /// Batches emitted.
    pub n_batches: u64,
}

/// A record held by the timestamp check of [`Batcher::feed_capture`]:
/// a fast-path frame, not yet through the direction filter, or any other.
#[derive(Debug)]
enum Held {
    V4(Item),
    Record(PacketRecord),
}

/// Records on their way into a [`Batcher`]: each is pushed `AHEAD`
/// records after it arrives. Meanwhile its sender's table slot is
/// prefetched, then (half way) its id is looked up and its last-seen entry
/// prefetched, so that the cache misses of several records overlap. Nobody
/// can observe the batcher in between (the direction filter, which only
/// counts, has run already), so the result is exactly that of pushing each
/// record on arrival.
#[derive(Debug)]
struct Lookahead {
    /// A ring of `RING` records (a power of two above `AHEAD`).
    items: Vec<Item>,
    /// Per record, once looked up: `(builder serial, sender id)`.
    ids: Vec<Option<(u32, u32)>>,
    /// Position of the oldest record and number of records.
    head: usize,
    len: usize,
}

const AHEAD: usize = 32;
const RING: usize = 64;

impl Default for Lookahead {
    fn default() -> Self {
        let blank = Item {
            ts_ns: 0,
            src: Addr::Opaque(0),
            dst_key: NO_DST,
            key: 0,
            count: 1,
            mirai: false,
        };
        Self { items: vec![blank; RING], ids: vec![None; RING], head: 0, len: 0 }
    }
}

impl Lookahead {
    #[inline]
    fn add(&mut self, b: &mut Batcher, it: Item) {
        if let Some(builder) = b.open_for(it.ts_ns) {
            builder.prefetch_slot(&it.src);
        }
        let at = (self.head + self.len) % RING;
        self.items[at] = it;
        self.ids[at] = None;
        self.len += 1;
        if self.len > AHEAD {
            let mid = (self.head + AHEAD / 2) % RING;
            let m = &self.items[mid];
            if let Some(builder) = b.open_for(m.ts_ns) {
                self.ids[mid] = builder.prefetch_last(&m.src).map(|id| (builder.serial, id));
            }
            self.pop(b);
        }
    }

    #[inline]
    fn pop(&mut self, b: &mut Batcher) {
        let h = self.head;
        self.head = (h + 1) % RING;
        self.len -= 1;
        b.push_item(&self.items[h], self.ids[h]);
    }

    fn flush(&mut self, b: &mut Batcher) {
        while self.len > 0 {
            self.pop(b);
        }
    }
}

/// Cuts a stream of records into batches.
///
/// Records are buffered for [`BatchParams::max_disorder_ns`] and released in
/// time order, so several files of one day, files spanning midnight and
/// slightly out-of-order records all end up in the right batch in time
/// order. A batch is finished once the stream has moved past its end by more
/// than the disorder tolerance; batches without records are not emitted.
///
/// # Examples
///
/// ```
/// use darkdca_trace::{Addr, BatchParams, Batcher, PacketRecord, proto, DAY_NS};
///
/// let mut batcher = Batcher::new(BatchParams::default())?;
/// for i in 0..10 {
///     batcher.push(&PacketRecord {
///         ts_ns: i * DAY_NS / 4,
///         src: Addr::V4([192, 0, 2, 1].into()),
///         dst: Some(Addr::V4([198, 51, 100, 9].into())),
///         proto: proto::ICMP,
///         src_port: None,
///         dst_port: None,
///         tcp_flags: None,
///         tcp_seq: None,
///         len: 28,
///         count: 1,
///         mirai_label: None,
///     });
/// }
/// let batches = batcher.finish();
/// assert_eq!(batches.len(), 3);
/// assert_eq!(batches[0].id().to_string(), "1970-01-01");
/// assert_eq!(batches[2].n_packets(), 2);
/// # Ok::<(), darkdca_trace::Error>(())
/// ```
#[derive(Debug)]
pub struct Batcher {
    params: BatchParams,
    /// Admitted records waiting to enter their batch's log in time order.
    pending: VecDeque<Pending>,
    /// Latest timestamp pushed.
    watermark: i64,
    /// Timestamp of the latest record released in order.
    released: i64,
    /// End of the latest closed batch: earlier records are dropped.
    closed_until: i64,
    open: Vec<BatchBuilder>,
    /// Serial number of the next builder.
    next_serial: u32,
    done: VecDeque<Batch>,
    report: BatchReport,
    /// The IPv4 telescope prefixes as `(network, mask)`.
    v4_telescope: Vec<(u32, u32)>,
    scratch: Scratch,
}

impl Batcher {
    /// A batcher with checked parameters.
    ///
    /// # Errors
    ///
    /// [`Error::Params`] as [`BatchParams::check`].
    pub fn new(params: BatchParams) -> Result<Self> {
        params.check()?;
        Ok(Self {
            pending: VecDeque::new(),
            watermark: i64::MIN,
            released: i64::MIN,
            closed_until: i64::MIN,
            open: Vec::new(),
            next_serial: 0,
            done: VecDeque::new(),
            report: BatchReport::default(),
            scratch: Scratch::default(),
            v4_telescope: params
                .telescope
                .iter()
                .filter_map(|p| match p.network() {
                    std::net::IpAddr::V4(n) => {
                        let mask = u32::MAX.checked_shl(32 - u32::from(p.len())).unwrap_or(0);
                        Some((u32::from(n), mask))
                    }
                    std::net::IpAddr::V6(_) => None,
                })
                .collect(),
            params,
        })
    }

    /// The parameters.
    #[must_use]
    pub fn params(&self) -> &BatchParams {
        &self.params
    }

    /// Counts so far.
    #[must_use]
    pub fn report(&self) -> &BatchReport {
        &self.report
    }

    /// Adds one record.
    pub fn push(&mut self, rec: &PacketRecord) {
        if self.accept(rec) {
            self.push_item(&Item::of(rec), None);
        }
    }

    /// Counts a record and applies the direction filter (which depends on
    /// nothing but the record, so it may run ahead of `push_item`).
    #[inline]
    fn accept(&mut self, rec: &PacketRecord) -> bool {
        self.report.n_records += 1;
        if !self.params.telescope.is_empty() {
            match &rec.dst {
                Some(d @ (Addr::V4(_) | Addr::V6(_))) => {
                    if !self.params.telescope.iter().any(|p| p.contains(d)) {
                        self.report.n_outside += 1;
                        return false;
                    }
                }
                _ => self.report.n_unchecked += 1,
            }
        }
        true
    }

    /// [`Batcher::accept`] for an IPv4 destination.
    #[inline]
    fn accept_v4(&mut self, dst: u32) -> bool {
        self.report.n_records += 1;
        if self.params.telescope.is_empty()
            || self.v4_telescope.iter().any(|&(net, mask)| dst & mask == net)
        {
            return true;
        }
        self.report.n_outside += 1;
        false
    }

    /// Adds one accepted record; `id` is its sender's id in the builder of
    /// serial `id.0`, if a lookahead found it.
    #[inline]
    fn push_item(&mut self, it: &Item, id: Option<(u32, u32)>) {
        let ts = it.ts_ns;
        if ts < self.closed_until {
            self.report.n_late_dropped += 1;
            return;
        }
        let late = ts < self.released;
        if late {
            // Too late to be put in order, but its batch is still open.
            self.report.n_late += 1;
        }
        let b = self.builder_for(ts);
        let id = id.and_then(|(serial, id)| (serial == b.serial).then_some(id));
        let p = b.admit(it, id);
        if late {
            b.log_push(p);
            return;
        }
        // Keep the pending queue sorted by time (stable for equal times).
        // Order-independent statistics are applied now; only the log entry
        // waits for its place in time.
        if self.pending.back().is_none_or(|b| b.ts_ns <= ts) {
            self.pending.push_back(p);
        } else {
            let at = self.pending.partition_point(|r| r.ts_ns <= ts);
            self.pending.insert(at, p);
        }
        if ts > self.watermark {
            self.watermark = ts;
            self.release(self.watermark.saturating_sub(self.params.max_disorder_ns));
        }
    }

    /// Adds every record of an iterator of reader results, stopping at the
    /// first error (records before it are kept). The result is that of
    /// [`Batcher::push`] for each record, but faster on large batches: a
    /// record is pushed 32 records after it is read, and its sender's table
    /// entries are prefetched meanwhile. For a
    /// [`CaptureReader`](crate::CaptureReader), [`Batcher::feed_capture`] is
    /// faster still.
    ///
    /// # Errors
    ///
    /// The first error the iterator yields.
    pub fn feed<I>(&mut self, records: I) -> Result<()>
    where
        I: IntoIterator<Item = Result<PacketRecord>>,
    {
        let mut ahead = Lookahead::default();
        for r in records {
            match r {
                Ok(rec) => {
                    if self.accept(&rec) {
                        ahead.add(self, Item::of(&rec));
                    }
                }
                Err(e) => {
                    ahead.flush(self);
                    return Err(e);
                }
            }
        }
        ahead.flush(self);
        Ok(())
    }

    /// Adds every remaining record of a capture, stopping at the first
    /// error (records before it are kept, as with [`Batcher::feed`]). The
    /// result, the batcher's report and the reader's report are exactly
    /// those of [`Batcher::push`] for each record of
    /// [`CaptureReader::next_record`](crate::CaptureReader::next_record),
    /// but classic pcap input is decoded straight from the reader's buffer
    /// into the batch, without building a [`PacketRecord`] for the usual
    /// frame (Ethernet, IPv4); other frames and pcapng take the general
    /// path. This is the fastest way to batch a capture.
    ///
    /// # Errors
    ///
    /// The first error of the reader (see
    /// [`CaptureReader::next_record`](crate::CaptureReader::next_record)).
    pub fn feed_capture(&mut self, reader: &mut crate::CaptureReader) -> Result<()> {
        let mut ahead = Lookahead::default();
        if !reader.untouched() {
            // Records the reader's own timestamp check holds come first.
            return self.feed_records(reader, ahead);
        }
        // The reader's timestamp check, run here on what the sink decodes:
        // the usual record passes with one comparison; others wait in the
        // guard, before the direction filter, as in `next_record`.
        let mut guard = TimeGuard::new(reader.time_jump_ns());
        let drained = reader.drain_pcap(|link, frame, orig_len, ts_ns| {
            if link == LinkType::Ethernet
                && let Some(f) = fast_ethernet_ipv4(frame)
            {
                let item = |f: &crate::decode::FastV4| Item {
                    ts_ns,
                    src: Addr::V4(f.src.into()),
                    dst_key: u64::from(f.dst),
                    key: service_key(f.proto, f.dst_port),
                    count: 1,
                    mirai: f.mirai,
                };
                if guard.passes(ts_ns) {
                    if self.accept_v4(f.dst) {
                        ahead.add(self, item(&f));
                    }
                } else {
                    guard.hold(ts_ns, Held::V4(item(&f)), &mut |h| self.take_held(&mut ahead, h));
                }
                return Ok(());
            }
            let rec = decode(link, frame, orig_len, ts_ns)?;
            if guard.passes(ts_ns) {
                if self.accept(&rec) {
                    ahead.add(self, Item::of(&rec));
                }
            } else {
                guard.hold(ts_ns, Held::Record(rec), &mut |h| self.take_held(&mut ahead, h));
            }
            Ok(())
        });
        guard.finish(&mut |h| self.take_held(&mut ahead, h));
        reader.count_outliers(guard.take_outliers());
        match drained {
            Ok(false) => self.feed_records(reader, ahead),
            done => {
                ahead.flush(self);
                done.map(|_| ())
            }
        }
    }

    /// Pushes the remaining records of `reader` through `next_record`.
    fn feed_records(
        &mut self,
        reader: &mut crate::CaptureReader,
        mut ahead: Lookahead,
    ) -> Result<()> {
        while let Some(rec) = reader.next_record().inspect_err(|_| ahead.flush(self))? {
            if self.accept(&rec) {
                ahead.add(self, Item::of(&rec));
            }
        }
        ahead.flush(self);
        Ok(())
    }

    /// A record the timestamp check held and then let through.
    fn take_held(&mut self, ahead: &mut Lookahead, h: Held) {
        match h {
            Held::V4(it) => {
                if self.accept_v4(it.dst_key as u32) {
                    ahead.add(self, it);
                }
            }
            Held::Record(rec) => {
                if self.accept(&rec) {
                    ahead.add(self, Item::of(&rec));
                }
            }
        }
    }

    /// The open builder whose window holds `ts_ns`, if any.
    #[inline]
    fn open_for(&self, ts_ns: i64) -> Option<&BatchBuilder> {
        self.open.iter().rev().find(|b| b.start_ns <= ts_ns && ts_ns < b.end_ns)
    }

    /// The next finished batch, if any.
    pub fn pop_batch(&mut self) -> Option<Batch> {
        self.done.pop_front()
    }

    /// Ends the stream: releases every buffered record and returns all
    /// remaining batches, oldest first.
    #[must_use]
    pub fn finish(mut self) -> Vec<Batch> {
        self.release(i64::MAX);
        let n_top = self.params.n_top_ports;
        self.open.sort_by_key(|b| b.start_ns);
        for b in self.open.drain(..) {
            self.done.push_back(b.finish(n_top, &mut self.scratch));
            self.report.n_batches += 1;
        }
        self.done.into()
    }

    /// Applies pending records up to `frontier` and closes batches that end
    /// at or before it.
    fn release(&mut self, frontier: i64) {
        while self.pending.front().is_some_and(|r| r.ts_ns <= frontier) {
            if let Some(r) = self.pending.pop_front() {
                self.released = r.ts_ns;
                // The builder that admitted the record (a window that cannot
                // hold its own start, at the end of time, is not found again
                // by time). It is open: it ends after the record.
                if let Some(b) = self.open.iter_mut().rev().find(|b| b.serial == r.batch) {
                    b.log_push(r);
                }
            }
        }
        if self.open.iter().any(|b| b.end_ns <= frontier) {
            self.open.sort_by_key(|b| b.start_ns);
            let n_top = self.params.n_top_ports;
            while self.open.first().is_some_and(|b| b.end_ns <= frontier) {
                let b = self.open.remove(0);
                self.closed_until = self.closed_until.max(b.end_ns);
                self.done.push_back(b.finish(n_top, &mut self.scratch));
                self.report.n_batches += 1;
            }
        }
    }

    #[inline]
    fn builder_for(&mut self, ts_ns: i64) -> &mut BatchBuilder {
        if let Some(i) = self.open.iter().rposition(|b| b.start_ns <= ts_ns && ts_ns < b.end_ns) {
            return &mut self.open[i];
        }
        let start = self.params.batch_start(ts_ns);
        let dst_log = self.scratch.dst_log.take().unwrap_or_default();
        self.open.push(BatchBuilder::new(self.next_serial, start, self.params.window_ns, dst_log));
        self.next_serial = self.next_serial.wrapping_add(1);
        let last = self.open.len() - 1;
        &mut self.open[last]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records from many senders, out of order within and beyond the
    /// disorder tolerance, over three days.
    fn records() -> Vec<PacketRecord> {
        let mut x = 99u64;
        (0..5_000i64)
            .map(|i| {
                x = mix64(x);
                let jitter = (x % 7_200_000_000_000) as i64;
                PacketRecord {
                    ts_ns: i * 50_000_000_000 - jitter,
                    src: if x.is_multiple_of(11) {
                        Addr::Opaque((x >> 20) as u32 % 50)
                    } else {
                        Addr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + (x >> 32) as u32 % 700))
                    },
                    dst: Some(Addr::V4(std::net::Ipv4Addr::from((x >> 8) as u32 % 300))),
                    proto: [proto::TCP, proto::UDP, proto::ICMP, proto::GRE, 132][x as usize % 5],
                    src_port: None,
                    dst_port: Some((x >> 40) as u16 % 40),
                    tcp_flags: Some(2),
                    tcp_seq: Some((x >> 8) as u32 % 300),
                    len: 40,
                    count: 1 + (x >> 50) as u32 % 3,
                    mirai_label: None,
                }
            })
            .collect()
    }

    fn summary(batches: &[Batch]) -> Vec<(BatchId, Vec<SenderStats>, Vec<u64>, u64)> {
        batches
            .iter()
            .map(|b| (b.id(), b.senders().to_vec(), b.log.clone(), b.n_records()))
            .collect()
    }

    #[test]
    fn feed_with_lookahead_equals_push_one_by_one() {
        let recs = records();
        let mut one = Batcher::new(BatchParams::default()).unwrap();
        for r in &recs[..4_000] {
            one.push(r);
        }
        let mut fed = Batcher::new(BatchParams::default()).unwrap();
        let mut items: Vec<Result<PacketRecord>> = recs[..4_000].iter().map(|r| Ok(*r)).collect();
        items.push(Err(Error::Params { name: "test", reason: "stop".into() }));
        items.extend(recs[4_000..].iter().map(|r| Ok(*r)));
        assert!(fed.feed(items).is_err(), "the error is returned");
        assert_eq!(one.report(), fed.report(), "records before the error are all pushed");
        assert!(one.report().n_late > 0 && one.report().n_late_dropped > 0);
        let (a, b) = (one.finish(), fed.finish());
        assert_eq!(a.len(), 4, "the first jittered records fall on the day before");
        assert!(summary(&a) == summary(&b));
    }

    #[test]
    fn id_table_interns_in_order_and_grows() {
        let mut t = IdTable::default();
        for k in 0..5_000u32 {
            assert_eq!(t.get_or_insert(k.wrapping_mul(2_654_435_761), k), k);
        }
        for k in (0..5_000u32).rev() {
            assert_eq!(t.get(k.wrapping_mul(2_654_435_761)), Some(k));
            assert_eq!(t.get_or_insert(k.wrapping_mul(2_654_435_761), 9_999), k);
        }
        assert_eq!(t.get(3), None);
        assert!(t.slots.len() >= 10_000);
    }

    /// Many senders over two days, enough entries for the grouping passes of
    /// `finish` to stage whole lines, against counts taken record by record.
    #[test]
    fn finish_matches_direct_counts_on_many_senders() {
        use std::collections::{BTreeMap, HashSet};
        let mut x = 2024u64;
        let recs: Vec<PacketRecord> = (0..240_000i64)
            .map(|i| {
                x = mix64(x);
                let sender = (x % 3_000) >> (x >> 60);
                let p = [proto::TCP, proto::TCP, proto::UDP, proto::ICMP, proto::GRE, 132]
                    [(x >> 8) as usize % 6];
                let dst = std::net::Ipv4Addr::from(0x0a14_0000 | ((x >> 16) as u32 % 2_000));
                PacketRecord {
                    ts_ns: 5 * DAY_NS + i * 600_000_000 - (x >> 20) as i64 % 3_000_000_000_000,
                    src: Addr::V4(std::net::Ipv4Addr::from(0xc000_0000 + sender as u32)),
                    dst: Some(Addr::V4(dst)),
                    proto: p,
                    src_port: None,
                    dst_port: matches!(p, proto::TCP | proto::UDP)
                        .then_some((x >> 40) as u16 % 300),
                    tcp_flags: Some(2),
                    tcp_seq: Some(if x.is_multiple_of(3) { u32::from(dst) } else { 1 }),
                    len: 40,
                    count: 1 + u32::from(x.is_multiple_of(17)) * 3,
                    mirai_label: None,
                }
            })
            .collect();
        let mut b = Batcher::new(BatchParams::default()).unwrap();
        for r in &recs {
            b.push(r);
        }
        assert_eq!(b.report().n_late + b.report().n_late_dropped, 0);
        let batches = b.finish();
        // The first records, moved back by up to 50 minutes, open a day.
        assert_eq!(batches.len(), 3);
        for batch in &batches {
            let mut by_sender: BTreeMap<Addr, Vec<&PacketRecord>> = BTreeMap::new();
            for r in
                recs.iter().filter(|r| BatchId(r.ts_ns - r.ts_ns.rem_euclid(DAY_NS)) == batch.id())
            {
                by_sender.entry(r.src).or_default().push(r);
            }
            assert_eq!(batch.n_senders(), by_sender.len());
            for (addr, mine) in &by_sender {
                let s = batch.sender(addr).unwrap();
                let packets = |f: &dyn Fn(&PacketRecord) -> bool| {
                    mine.iter().filter(|r| f(r)).map(|r| u64::from(r.count)).sum::<u64>()
                };
                let mut per_key: BTreeMap<u32, u64> = BTreeMap::new();
                for r in mine {
                    *per_key.entry(service_key(r.proto, r.dst_port)).or_default() +=
                        u64::from(r.count);
                }
                let mut top: Vec<(u32, u64)> = per_key.iter().map(|(&k, &c)| (k, c)).collect();
                top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                top.truncate(5);
                let ports: HashSet<(u8, u16)> =
                    mine.iter().filter_map(|r| r.dst_port.map(|p| (r.proto, p))).collect();
                let dsts: HashSet<Addr> = mine.iter().filter_map(|r| r.dst).collect();
                assert_eq!(s.n_packets, packets(&|_| true));
                assert_eq!(s.n_dst_ports, ports.len() as u64);
                assert_eq!(s.n_dst_addrs, dsts.len() as u64);
                let want_top: Vec<(Service, u64)> =
                    top.iter().map(|&(k, c)| (Service::from_key(k), c)).collect();
                assert_eq!(s.top_ports, want_top);
                assert_eq!(s.protocols.tcp, packets(&|r| r.proto == proto::TCP));
                assert_eq!(s.protocols.udp, packets(&|r| r.proto == proto::UDP));
                assert_eq!(s.protocols.icmp, packets(&|r| r.proto == proto::ICMP));
                assert_eq!(s.protocols.gre, packets(&|r| r.proto == proto::GRE));
                assert_eq!(s.protocols.other, packets(&|r| r.proto == 132));
                assert_eq!(s.n_mirai, packets(&|r| r.is_mirai_like()));
                assert_eq!(s.first_seen_ns, mine.iter().map(|r| r.ts_ns).min().unwrap());
                assert_eq!(s.last_seen_ns, mine.iter().map(|r| r.ts_ns).max().unwrap());
            }
        }
    }

    /// The packet log against a direct construction: one sender's long
    /// streaks over many services (searched, then indexed by service),
    /// runs longer than an entry holds, and other senders in between.
    #[test]
    fn log_merges_runs_within_long_streaks() {
        let mut x = 31u64;
        let mut recs = Vec::new();
        for i in 0..20_000i64 {
            x = mix64(x);
            // Streaks of sender 0 up to 60 records long over 40 services.
            let sender = if x.is_multiple_of(60) { 1 + (x >> 8) % 5 } else { 0 };
            let port = if x.is_multiple_of(7) {
                9_000 + (x >> 20) as u16 % 40
            } else {
                (x >> 20) as u16 % 40
            };
            recs.push(PacketRecord {
                ts_ns: DAY_NS + i * 1_000_000,
                src: Addr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + sender as u32)),
                dst: Some(Addr::V4(std::net::Ipv4Addr::from(0x0b00_0000))),
                proto: proto::TCP,
                src_port: None,
                dst_port: Some(port),
                tcp_flags: Some(2),
                tcp_seq: Some(0),
                len: 40,
                count: if x.is_multiple_of(500) { 20_000 } else { 1 + (x >> 40) as u32 % 3 },
                mirai_label: None,
            });
        }
        let mut b = Batcher::new(BatchParams::default()).unwrap();
        for r in &recs {
            b.push(r);
        }
        let batches = b.finish();
        assert_eq!(batches.len(), 1);
        // Direct construction: search the whole streak for the service.
        let (mut log, mut number) = (Vec::<u64>::new(), HashMap::new());
        let (mut streak_sender, mut streak_start) = (u32::MAX, 0);
        for r in &recs {
            let n = number.len() as u32;
            let sid = *number.entry(r.src).or_insert(n);
            let key = service_key(r.proto, r.dst_port);
            let mut c = u64::from(r.count);
            if sid == streak_sender {
                if let Some(at) =
                    (streak_start..log.len()).rev().find(|&i| log_fields(log[i]).1 == key)
                {
                    let add = c.min(MAX_REPS - log_fields(log[at]).2);
                    log[at] += add;
                    c -= add;
                }
            } else {
                (streak_sender, streak_start) = (sid, log.len());
            }
            while c > 0 {
                let reps = c.min(MAX_REPS);
                log.push(log_entry(sid, key, reps));
                c -= reps;
            }
        }
        assert!(log.len() < recs.len() / 2, "runs were merged");
        assert!(batches[0].log == log);
    }
}
