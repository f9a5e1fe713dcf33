//! Cutting a record stream into batches (UTC days by default) with
//! per-sender statistics and the compact packet log the corpus needs.

use std::collections::{HashMap, VecDeque};
use std::fmt;

use crate::error::{Error, Result};
use crate::prefix::Prefix;
use crate::record::{Addr, PacketRecord, proto};
use crate::service::{N_KEYS, Service, service_key};
use crate::stats::{FxBuild, mix64, radix_sort};
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

/// Running statistics of one sender, stored in its hash-table slot so that
/// a packet costs one random memory access (two adjacent cache lines).
/// Distinct counts and top ports are computed when the batch is finished,
/// from the sorted logs. The ICMP, GRE and Mirai-like counters saturate at
/// 2^32 - 1 packets per batch.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(128))]
struct Slot {
    addr: Addr,
    /// Sender index, `EMPTY` for a free slot.
    id: u32,
    n_packets: u64,
    first_ns: i64,
    last_ns: i64,
    tcp: u64,
    udp: u64,
    icmp: u32,
    gre: u32,
    n_mirai: u32,
    /// The latest destination key logged for this sender.
    last_dst: u32,
    has_dst: bool,
}

const EMPTY: u32 = u32::MAX;

impl Slot {
    const FREE: Slot = Slot {
        addr: Addr::Opaque(0),
        id: EMPTY,
        n_packets: 0,
        first_ns: 0,
        last_ns: 0,
        tcp: 0,
        udp: 0,
        icmp: 0,
        gre: 0,
        n_mirai: 0,
        last_dst: 0,
        has_dst: false,
    };

    fn new(addr: Addr, id: u32, ts: i64) -> Self {
        Self { addr, id, first_ns: ts, last_ns: ts, ..Self::FREE }
    }

    fn protocols(&self) -> ProtocolCounts {
        let (icmp, gre) = (u64::from(self.icmp), u64::from(self.gre));
        let known = self.tcp + self.udp + icmp + gre;
        ProtocolCounts {
            tcp: self.tcp,
            udp: self.udp,
            icmp,
            gre,
            other: self.n_packets.saturating_sub(known),
        }
    }
}

/// Saturating add of a packet count to a 32-bit counter.
#[inline]
fn add32(x: &mut u32, c: u64) {
    *x = u32::try_from(u64::from(*x) + c).unwrap_or(u32::MAX);
}

/// An open-addressing table of senders (linear probing, at most half
/// full). The slot for a hash can be touched ahead of use, which lets the
/// processor fetch several senders' slots at once.
#[derive(Debug, Default)]
struct SenderTable {
    slots: Vec<Slot>,
    len: usize,
}

impl SenderTable {
    #[inline]
    fn hash(a: &Addr) -> u64 {
        use std::hash::BuildHasher;
        FxBuild::default().hash_one(a)
    }

    #[inline]
    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// Loads the home slot of `h` (the value only feeds a dummy sum).
    #[inline]
    fn touch(&self, h: u64) -> u32 {
        self.slots.get(h as usize & self.mask()).map_or(0, |s| s.id)
    }

    /// The slot of `a`, created with index `next` and time `ts` if absent.
    #[inline]
    fn get_or_insert(&mut self, a: Addr, h: u64, next: u32, ts: i64) -> &mut Slot {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.mask();
        let mut i = h as usize & mask;
        loop {
            let slot = &self.slots[i];
            if slot.id == EMPTY {
                self.slots[i] = Slot::new(a, next, ts);
                self.len += 1;
                break;
            }
            if slot.addr == a {
                break;
            }
            i = (i + 1) & mask;
        }
        &mut self.slots[i]
    }

    fn grow(&mut self) {
        let cap = (self.slots.len() * 2).max(1024);
        let old = std::mem::replace(&mut self.slots, vec![Slot::FREE; cap]);
        let mask = cap - 1;
        for slot in old.into_iter().filter(|s| s.id != EMPTY) {
            let mut i = Self::hash(&slot.addr) as usize & mask;
            while self.slots[i].id != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = slot;
        }
    }
}

/// Records staged between touching their sender's slot and applying them.
const STAGE: usize = 8;

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

/// An open batch being filled.
#[derive(Debug)]
struct BatchBuilder {
    start_ns: i64,
    end_ns: i64,
    table: SenderTable,
    n_senders: u32,
    /// Records whose slot was touched, applied `STAGE` records later.
    staged: VecDeque<(PacketRecord, u64)>,
    touched: u32,
    log: Vec<u64>,
    /// `(sender << 32) | destination key`, one per packet whose destination
    /// differs from the sender's previous one.
    dst_log: Vec<u64>,
    /// Per service key, the position of its latest log entry (or `usize::MAX`).
    last_entry: Vec<usize>,
    /// The sender of the latest log entries, and where its streak began.
    streak_sender: u32,
    streak_start: usize,
    n_packets: u64,
    n_records: u64,
}

impl BatchBuilder {
    fn new(start_ns: i64, window_ns: i64) -> Self {
        Self {
            start_ns,
            end_ns: start_ns.saturating_add(window_ns),
            table: SenderTable::default(),
            n_senders: 0,
            staged: VecDeque::with_capacity(STAGE + 1),
            touched: 0,
            log: Vec::new(),
            dst_log: Vec::new(),
            last_entry: vec![usize::MAX; N_KEYS],
            streak_sender: u32::MAX,
            streak_start: 0,
            n_packets: 0,
            n_records: 0,
        }
    }

    /// Stages a record: its sender's slot is loaded now and the record is
    /// applied a few records later, so that the memory accesses of several
    /// records overlap. Order is kept (first in, first out).
    #[inline]
    fn apply(&mut self, rec: &PacketRecord) {
        let h = SenderTable::hash(&rec.src);
        self.touched ^= self.table.touch(h);
        self.staged.push_back((*rec, h));
        if self.staged.len() > STAGE
            && let Some((r, h)) = self.staged.pop_front()
        {
            self.apply_now(&r, h);
        }
    }

    fn flush(&mut self) {
        while let Some((r, h)) = self.staged.pop_front() {
            self.apply_now(&r, h);
        }
    }

    #[inline]
    fn apply_now(&mut self, rec: &PacketRecord, h: u64) {
        let c = u64::from(rec.count.max(1));
        let next = self.n_senders;
        let acc = self.table.get_or_insert(rec.src, h, next, rec.ts_ns);
        let sid = acc.id;
        if sid == next {
            self.n_senders += 1;
        }
        acc.n_packets += c;
        acc.first_ns = acc.first_ns.min(rec.ts_ns);
        acc.last_ns = acc.last_ns.max(rec.ts_ns);
        match rec.proto {
            proto::TCP => acc.tcp += c,
            proto::UDP => acc.udp += c,
            proto::ICMP | proto::ICMPV6 => add32(&mut acc.icmp, c),
            proto::GRE => add32(&mut acc.gre, c),
            _ => {}
        }
        if rec.is_mirai_like() {
            add32(&mut acc.n_mirai, c);
        }
        if let Some(d) = &rec.dst {
            let k = addr_key(d);
            if !acc.has_dst || acc.last_dst != k {
                acc.last_dst = k;
                acc.has_dst = true;
                self.dst_log.push((u64::from(sid) << 32) | u64::from(k));
            }
        }
        self.log_push(sid, service_key(rec.proto, rec.dst_port), c);
        self.n_packets += c;
        self.n_records += 1;
    }

    /// Appends `c` packets of `sid` to service `key`. When every log entry
    /// since the service's latest one is from this same sender, that entry's
    /// run is extended instead: whatever services are later grouped together,
    /// no other sender can come between these packets, so the sentence
    /// (which collapses consecutive repeats) is the same, and per-service
    /// packet counts stay exact.
    #[inline]
    fn log_push(&mut self, sid: u32, key: u32, mut c: u64) {
        let last = self.last_entry[key as usize];
        if sid == self.streak_sender && last != usize::MAX && last >= self.streak_start {
            let (_, _, reps) = log_fields(self.log[last]);
            let add = c.min(MAX_REPS - reps);
            self.log[last] += add;
            c -= add;
        }
        if c > 0 && sid != self.streak_sender {
            self.streak_sender = sid;
            self.streak_start = self.log.len();
        }
        while c > 0 {
            let reps = c.min(MAX_REPS);
            self.last_entry[key as usize] = self.log.len();
            self.log.push(log_entry(sid, key, reps));
            c -= reps;
        }
    }

    fn finish(mut self, n_top: usize) -> Batch {
        self.flush();
        let n = self.n_senders as usize;
        let sender_bits = u64::BITS - (n as u64).leading_zeros();
        let mut slots: Vec<Slot> = vec![Slot::FREE; n];
        for slot in self.table.slots.iter().filter(|s| s.id != EMPTY) {
            slots[slot.id as usize] = *slot;
        }
        let mut index: HashMap<Addr, u32, FxBuild> = HashMap::default();
        index.reserve(n);
        for (i, s) in slots.iter().enumerate() {
            index.insert(s.addr, i as u32);
        }

        // Packets per (sender, service): sort a copy of the log by those
        // fields (bits 14 and up) and add up the runs.
        let mut services = self.log.clone();
        radix_sort(&mut services, REPS_BITS, REPS_BITS + 18 + sender_bits);
        let mut per_sender: Vec<Vec<(u32, u64)>> = vec![Vec::new(); n];
        for e in services {
            let (sid, key, reps) = log_fields(e);
            let list = &mut per_sender[sid as usize];
            match list.last_mut() {
                Some((k, c)) if *k == key => *c += reps,
                _ => list.push((key, reps)),
            }
        }

        // Distinct destinations per sender: sort and count changes.
        let mut dsts = self.dst_log;
        radix_sort(&mut dsts, 0, 32 + sender_bits);
        let mut n_dsts = vec![0u64; n];
        let mut prev = None;
        for e in dsts {
            if prev != Some(e) {
                n_dsts[(e >> 32) as usize] += 1;
                prev = Some(e);
            }
        }

        let senders = (0..n)
            .map(|i| {
                let acc = &slots[i];
                let list = &mut per_sender[i];
                let n_dst_ports =
                    list.iter().filter(|(k, _)| (*k as usize) < 2 * 65_536).count() as u64;
                list.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                list.truncate(n_top);
                SenderStats {
                    addr: acc.addr,
                    n_packets: acc.n_packets,
                    n_dst_ports,
                    n_dst_addrs: n_dsts[i],
                    top_ports: list.iter().map(|&(k, c)| (Service::from_key(k), c)).collect(),
                    protocols: acc.protocols(),
                    first_seen_ns: acc.first_ns,
                    last_seen_ns: acc.last_ns,
                    n_mirai: u64::from(acc.n_mirai),
                }
            })
            .collect();
        Batch {
            id: BatchId(self.start_ns),
            end_ns: self.end_ns,
            senders,
            index,
            log: self.log,
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
    pending: VecDeque<PacketRecord>,
    /// Latest timestamp pushed.
    watermark: i64,
    /// Timestamp of the latest record released in order.
    released: i64,
    /// End of the latest closed batch: earlier records are dropped.
    closed_until: i64,
    open: Vec<BatchBuilder>,
    done: VecDeque<Batch>,
    report: BatchReport,
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
            params,
            pending: VecDeque::new(),
            watermark: i64::MIN,
            released: i64::MIN,
            closed_until: i64::MIN,
            open: Vec::new(),
            done: VecDeque::new(),
            report: BatchReport::default(),
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
        self.report.n_records += 1;
        if !self.params.telescope.is_empty() {
            match &rec.dst {
                Some(d @ (Addr::V4(_) | Addr::V6(_))) => {
                    if !self.params.telescope.iter().any(|p| p.contains(d)) {
                        self.report.n_outside += 1;
                        return;
                    }
                }
                _ => self.report.n_unchecked += 1,
            }
        }
        if rec.ts_ns < self.closed_until {
            self.report.n_late_dropped += 1;
            return;
        }
        if rec.ts_ns < self.released {
            // Too late to be put in order, but its batch is still open.
            self.report.n_late += 1;
            self.builder_for(rec.ts_ns).apply(rec);
            return;
        }
        // Keep the pending queue sorted by time (stable for equal times).
        if self.pending.back().is_none_or(|b| b.ts_ns <= rec.ts_ns) {
            self.pending.push_back(*rec);
        } else {
            let at = self.pending.partition_point(|r| r.ts_ns <= rec.ts_ns);
            self.pending.insert(at, *rec);
        }
        if rec.ts_ns > self.watermark {
            self.watermark = rec.ts_ns;
            self.release(self.watermark.saturating_sub(self.params.max_disorder_ns));
        }
    }

    /// Adds every record of an iterator of reader results, stopping at the
    /// first error (records before it are kept).
    ///
    /// # Errors
    ///
    /// The first error the iterator yields.
    pub fn feed<I>(&mut self, records: I) -> Result<()>
    where
        I: IntoIterator<Item = Result<PacketRecord>>,
    {
        for r in records {
            self.push(&r?);
        }
        Ok(())
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
            self.done.push_back(b.finish(n_top));
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
                self.builder_for(r.ts_ns).apply(&r);
            }
        }
        if self.open.iter().any(|b| b.end_ns <= frontier) {
            self.open.sort_by_key(|b| b.start_ns);
            let n_top = self.params.n_top_ports;
            while self.open.first().is_some_and(|b| b.end_ns <= frontier) {
                let b = self.open.remove(0);
                self.closed_until = self.closed_until.max(b.end_ns);
                self.done.push_back(b.finish(n_top));
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
        self.open.push(BatchBuilder::new(start, self.params.window_ns));
        let last = self.open.len() - 1;
        &mut self.open[last]
    }
}
