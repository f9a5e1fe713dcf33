//! Building blocks of the sender statistics: a fast hasher, a radix sort
//! and grouping pass, and a small set for distinct counting.

use std::hash::{BuildHasherDefault, Hasher};

/// A small, fast, non-cryptographic hasher (multiply-rotate, as in rustc's
/// FxHash). Keys are addresses and ports, not attacker-chosen strings of
/// arbitrary length, and the maps are rebuilt every batch.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        let mut tail = 0u64;
        for (i, b) in chunks.remainder().iter().enumerate() {
            tail |= u64::from(*b) << (8 * i);
        }
        self.add(tail);
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    /// The multiply-rotate state only carries entropy upwards, so its low
    /// bits (which pick the hash-table bucket) can be nearly constant, for
    /// example for consecutive IPv4 addresses; a final mix spreads it.
    #[inline]
    fn finish(&self) -> u64 {
        mix64(self.hash)
    }
}

pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;

/// SplitMix64 finaliser: spreads a 64-bit key over all bits.
#[inline]
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Most bits sorted by one counting pass.
const MAX_DIGIT: u32 = 11;

/// Writes `src` sorted by bits `lo..hi` of its values (stable, the other
/// bits ignored) into `out`, reusing `out`'s buffer.
///
/// One counting pass over memory sorts by the upper half of the bits (at
/// most 11); each of the resulting buckets, small enough to stay in cache,
/// is then sorted by the lower bits with least-significant-digit passes (a
/// pass where every value of the bucket has the same digit is skipped).
pub(crate) fn radix_sort_copy(src: &[u64], lo: u32, hi: u32, out: &mut Vec<u64>) {
    let hi = hi.min(64);
    if src.len() < 2 || hi <= lo {
        out.clear();
        out.extend_from_slice(src);
        return;
    }
    let bits = hi - lo;
    let top = if bits <= MAX_DIGIT { bits } else { bits.div_ceil(2).min(MAX_DIGIT) };
    let mid = hi - top;
    let ends = partition(src, mid, top, out);
    if mid > lo {
        let mut tmp = Vec::new();
        let mut start = 0;
        for end in ends {
            if end - start > 1 {
                lsd_in_place(&mut out[start..end], &mut tmp, lo, mid);
            }
            start = end;
        }
    }
}

/// Writes `src` into `out` (reusing its buffer) grouped by bits
/// `mid..mid + top` of the values (`top` at most 16), stable within a
/// group, and returns where each group ends: one counting pass and one
/// staged scatter over memory.
pub(crate) fn partition(src: &[u64], mid: u32, top: u32, out: &mut Vec<u64>) -> Vec<usize> {
    debug_assert!(top <= 16 && mid + top <= 64, "bits {mid}..{}", mid + top);
    if top == 0 {
        out.clear();
        out.extend_from_slice(src);
        return vec![src.len()];
    }
    let mask = (1u64 << top) - 1;
    let mut pos = vec![0usize; 1 << top];
    for &x in src {
        pos[((x >> mid) & mask) as usize] += 1;
    }
    let mut sum = 0;
    for n in &mut pos {
        let t = *n;
        *n = sum;
        sum += t;
    }
    // Group `d` ends where group `d + 1` starts.
    let mut ends: Vec<usize> = pos[1..].to_vec();
    ends.push(src.len());
    // Every place is written by the scatter: old values may stay until then
    // (only a longer buffer's new part is zeroed, not the whole of it).
    out.truncate(src.len());
    out.resize(src.len(), 0);
    scatter(src, out, mid, mask, &mut pos);
    ends
}

/// A set of `u64` values for counting the distinct values of a group that
/// fits in cache: open addressing with linear probing, at most half full,
/// multiplicative hashing; its buffer is reused from group to group.
#[derive(Debug, Default)]
pub(crate) struct DistinctSet {
    slots: Vec<u64>,
    /// `64 - log2(slots.len())`.
    shift: u32,
    /// Whether `u64::MAX`, the free-slot mark, is in the set.
    has_max: bool,
}

impl DistinctSet {
    /// Empties the set, sized for at most `n` insertions.
    pub(crate) fn reset(&mut self, n: usize) {
        let cap = (2 * n).next_power_of_two().max(16);
        self.slots.clear();
        self.slots.resize(cap, u64::MAX);
        self.shift = 64 - cap.trailing_zeros();
        self.has_max = false;
    }

    /// Adds `x`; whether it was new. Only after [`DistinctSet::reset`], and
    /// at most the `n` insertions it was sized for.
    #[inline]
    pub(crate) fn insert(&mut self, x: u64) -> bool {
        if x == u64::MAX {
            return !std::mem::replace(&mut self.has_max, true);
        }
        let mask = self.slots.len() - 1;
        let mut i = (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize;
        loop {
            let s = self.slots[i];
            if s == x {
                return false;
            }
            if s == u64::MAX {
                self.slots[i] = x;
                return true;
            }
            i = (i + 1) & mask;
        }
    }
}

/// Least-significant-digit radix sort of a (small) slice by bits `lo..hi`,
/// with passes of at most [`MAX_DIGIT`] bits spread evenly.
fn lsd_in_place(v: &mut [u64], tmp: &mut Vec<u64>, lo: u32, hi: u32) {
    let bits = hi - lo;
    let digit = bits.div_ceil(bits.div_ceil(MAX_DIGIT));
    tmp.resize(v.len(), 0);
    let tmp = &mut tmp[..v.len()];
    let mut counts = [0usize; 1 << MAX_DIGIT];
    let mut shift = lo;
    while shift < hi {
        let mask = (1u64 << digit.min(hi - shift)) - 1;
        let counts = &mut counts[..=mask as usize];
        counts.fill(0);
        for &x in v.iter() {
            counts[((x >> shift) & mask) as usize] += 1;
        }
        if !counts.contains(&v.len()) {
            let mut sum = 0;
            for n in counts.iter_mut() {
                let t = *n;
                *n = sum;
                sum += t;
            }
            for &x in v.iter() {
                let d = ((x >> shift) & mask) as usize;
                tmp[counts[d]] = x;
                counts[d] += 1;
            }
            v.copy_from_slice(tmp);
        }
        shift += digit;
    }
}

/// One stable counting pass: `pos` holds each digit's first position.
///
/// Values are staged per digit in a cache-line-sized buffer and written
/// out eight at a time: the destination then sees a few long sequential
/// writes per bucket instead of one scattered write per value, which on a
/// large array halves the time spent waiting for destination lines.
fn scatter(from: &[u64], to: &mut [u64], shift: u32, mask: u64, pos: &mut [usize]) {
    const LINE: usize = 8;
    let n_buckets = mask as usize + 1;
    if from.len() < 64 * n_buckets {
        for &x in from {
            let d = ((x >> shift) & mask) as usize;
            to[pos[d]] = x;
            pos[d] += 1;
        }
        return;
    }
    let mut stage = vec![[0u64; LINE]; n_buckets];
    let mut fill = vec![0usize; n_buckets];
    for &x in from {
        let d = ((x >> shift) & mask) as usize;
        let f = fill[d];
        stage[d][f] = x;
        if f + 1 == LINE {
            let at = pos[d];
            let out = &mut to[at..at + LINE];
            let lead = stream::lead(out);
            if lead == 0 {
                stream::line(out, &stage[d]);
                pos[d] += LINE;
                fill[d] = 0;
            } else {
                // Up to the next line boundary with plain stores; every
                // later line of this bucket is then written whole.
                out[..lead].copy_from_slice(&stage[d][..lead]);
                stage[d].copy_within(lead.., 0);
                pos[d] += lead;
                fill[d] = LINE - lead;
            }
        } else {
            fill[d] = f + 1;
        }
    }
    stream::fence();
    for d in 0..n_buckets {
        let f = fill[d];
        to[pos[d]..pos[d] + f].copy_from_slice(&stage[d][..f]);
        pos[d] += f;
    }
}

/// Writing whole cache lines with non-temporal stores: the scatter of
/// [`partition`] writes each destination line once, in full, so reading it
/// into the cache first (as an ordinary store does) only costs memory
/// bandwidth and evicts useful lines. Measured in `docs/benchmarks/trace.md`.
#[allow(unsafe_code)]
mod stream {
    /// Values of `out` before its first 64-byte boundary (0 if it starts on
    /// one).
    #[inline]
    pub(super) fn lead(out: &[u64]) -> usize {
        (64 - out.as_ptr() as usize % 64) % 64 / 8
    }

    /// Copies `line` into `out` (eight values starting on a 64-byte
    /// boundary, see [`lead`]) without reading `out` into the cache.
    #[inline]
    pub(super) fn line(out: &mut [u64], line: &[u64; 8]) {
        #[cfg(target_arch = "x86_64")]
        if out.len() == 8 && lead(out) == 0 {
            use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_stream_si128};
            let (dst, src) = (out.as_mut_ptr().cast::<__m128i>(), line.as_ptr().cast::<__m128i>());
            for i in 0..4 {
                // SAFETY: `out` is an exclusive borrow of exactly 64 bytes
                // starting on a 64-byte boundary (both checked above), so
                // `dst.add(i)` for i < 4 is valid for a 16-byte write and
                // 16-byte aligned, as `_mm_stream_si128` needs; `src.add(i)`
                // reads 16 of the 64 bytes of `line` (no alignment needed
                // by `_mm_loadu_si128`); SSE2 is part of the x86_64
                // baseline.
                unsafe { _mm_stream_si128(dst.add(i), _mm_loadu_si128(src.add(i))) };
            }
            return;
        }
        out.copy_from_slice(line);
    }

    /// Orders the non-temporal stores before any later store or load.
    #[inline]
    pub(super) fn fence() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `sfence` only orders stores; SSE is part of the x86_64
        // baseline.
        unsafe {
            std::arch::x86_64::_mm_sfence();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_low_bits_spread_for_consecutive_addresses() {
        use std::hash::BuildHasher;
        let b = FxBuild::default();
        let low: std::collections::HashSet<u64> = (0..10_000u32)
            .map(|s| {
                b.hash_one(crate::Addr::V4(std::net::Ipv4Addr::from(0x2000_0000 + s))) & 0xffff
            })
            .collect();
        // 10,000 random 16-bit values have about 9,280 distinct ones.
        assert!(low.len() > 9_000, "{} distinct low halves", low.len());
    }

    #[test]
    fn radix_sort_matches_std_on_the_sorted_bits() {
        let mut x = 12345u64;
        // Large enough for the staged scatter (64 values per bucket).
        let v: Vec<u64> = (0..200_000)
            .map(|_| {
                x = mix64(x);
                x
            })
            .collect();
        let mut want: Vec<u64> = v.clone();
        want.sort_by_key(|e| (e >> 14) & ((1 << 30) - 1));
        let mut copy = Vec::new();
        radix_sort_copy(&v, 14, 44, &mut copy);
        assert!(copy == want);
        // Every value shares the sorted bits: no pass, the order is kept.
        let same: Vec<u64> = want.iter().map(|x| x >> 4).collect();
        let kept = same.clone();
        radix_sort_copy(&same, 60, 64, &mut copy);
        assert!(copy == kept);
        // A few bits, one pass; many bits, buckets sorted in several passes.
        for (lo, hi) in [(3, 9), (0, 40), (20, 64)] {
            let mut w = v.clone();
            w.sort_by_key(|e| (e >> lo) & (u64::MAX >> (64 - (hi - lo))));
            radix_sort_copy(&v, lo, hi, &mut copy);
            assert!(copy == w, "bits {lo}..{hi}");
        }
        radix_sort_copy(&v, 14, 44, &mut copy);
        assert!(copy == want);
        let all = want.clone();
        radix_sort_copy(&all, 0, 64, &mut copy);
        want.sort_unstable();
        assert!(copy == want);
    }

    /// Values whose bits `mid..mid + top` are the group.
    fn digit(x: u64, mid: u32, top: u32) -> u64 {
        (x >> mid) & ((1 << top) - 1)
    }

    #[test]
    fn partition_groups_stably_and_reports_group_ends() {
        let mut x = 777u64;
        // 300,000 values: the staged scatter with whole-line writes for 11
        // bits (64 values per group), the plain loop for 13 bits; skewed
        // groups (many empty, a few large).
        let v: Vec<u64> = (0..300_000)
            .map(|_| {
                x = mix64(x);
                x >> (x % 9)
            })
            .collect();
        let mut out = vec![1, 2, 3];
        for (mid, top) in [(40, 11), (30, 13), (50, 1), (0, 4), (60, 4)] {
            let ends = partition(&v, mid, top, &mut out);
            let mut want = v.clone();
            want.sort_by_key(|&e| digit(e, mid, top));
            assert!(out == want, "bits {mid}..{}", mid + top);
            assert_eq!(ends.len(), 1 << top);
            let mut start = 0;
            for (d, &end) in ends.iter().enumerate() {
                assert!(out[start..end].iter().all(|&e| digit(e, mid, top) == d as u64));
                start = end;
            }
            assert_eq!(start, v.len());
        }
        // No group bits: one group, the order kept.
        assert_eq!(partition(&v, 64, 0, &mut out), vec![v.len()]);
        assert!(out == v);
        assert_eq!(partition(&[], 3, 2, &mut out), vec![0; 4]);
        assert!(out.is_empty());
    }

    #[test]
    fn whole_line_writes_start_on_a_line_boundary_and_copy_exactly() {
        let mut buf = vec![0u64; 40];
        let line: [u64; 8] = std::array::from_fn(|i| 100 + i as u64);
        for at in 0..16 {
            let lead = stream::lead(&buf[at..]);
            assert!(lead < 8);
            assert_eq!((buf[at + lead..].as_ptr() as usize) % 64, 0, "start {at}");
            // Aligned or not, the values land where they should.
            buf.fill(0);
            stream::line(&mut buf[at..at + 8], &line);
            stream::fence();
            assert_eq!(buf[at..at + 8], line);
            assert!(buf[..at].iter().chain(&buf[at + 8..]).all(|&e| e == 0));
        }
    }

    #[test]
    fn distinct_set_counts_like_a_hash_set() {
        let mut set = DistinctSet::default();
        let mut x = 4242u64;
        for n in [0usize, 1, 5, 1_000, 20_000] {
            set.reset(n);
            let mut want = std::collections::HashSet::new();
            for i in 0..n {
                x = mix64(x);
                // Repeats, neighbours, zero and the free-slot mark.
                let v = match i % 5 {
                    0 => x % 64,
                    1 => u64::MAX,
                    2 => 0,
                    _ => x,
                };
                assert_eq!(set.insert(v), want.insert(v), "value {v:#x} after {i}");
            }
        }
    }
}
