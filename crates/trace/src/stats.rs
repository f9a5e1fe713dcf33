//! Per-sender accumulators with memory bounded per sender: a fast hasher,
//! a distinct-value counter (exact, then HyperLogLog), and a space-saving
//! top-k summary.

use std::collections::HashSet;
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

/// Values kept inline before a set is allocated.
const INLINE: usize = 8;
/// Distinct values counted exactly before switching to a sketch.
pub(crate) const EXACT_LIMIT: usize = 4096;
/// HyperLogLog registers (2^10: relative standard error 1.04/32 ≈ 3.3 %).
const HLL_BITS: u32 = 10;
const HLL_M: usize = 1 << HLL_BITS;

/// Counts distinct `u32` values: exactly up to [`EXACT_LIMIT`] values, then
/// with a HyperLogLog sketch, so memory per counter stays below about 40 KiB
/// whatever the traffic.
#[derive(Debug, Clone)]
pub(crate) enum Distinct {
    Inline { n: u8, vals: [u32; INLINE] },
    Set(HashSet<u32, FxBuild>),
    Sketch(Box<[u8; HLL_M]>),
}

impl Default for Distinct {
    fn default() -> Self {
        Distinct::Inline { n: 0, vals: [0; INLINE] }
    }
}

impl Distinct {
    #[inline]
    pub(crate) fn insert(&mut self, v: u32) {
        match self {
            Distinct::Inline { n, vals } => {
                let len = usize::from(*n);
                if vals[..len].contains(&v) {
                    return;
                }
                if len < INLINE {
                    vals[len] = v;
                    *n += 1;
                } else {
                    let mut set: HashSet<u32, FxBuild> = vals.iter().copied().collect();
                    set.insert(v);
                    *self = Distinct::Set(set);
                }
            }
            Distinct::Set(set) => {
                if set.insert(v) && set.len() > EXACT_LIMIT {
                    let mut regs = Box::new([0u8; HLL_M]);
                    for &x in set.iter() {
                        hll_add(&mut regs, x);
                    }
                    *self = Distinct::Sketch(regs);
                }
            }
            Distinct::Sketch(regs) => hll_add(regs, v),
        }
    }

    /// The number of distinct values (an estimate once above the exact
    /// limit).
    pub(crate) fn count(&self) -> u64 {
        match self {
            Distinct::Inline { n, .. } => u64::from(*n),
            Distinct::Set(set) => set.len() as u64,
            Distinct::Sketch(regs) => hll_estimate(regs),
        }
    }

    /// Whether [`Distinct::count`] is exact.
    pub(crate) fn is_exact(&self) -> bool {
        !matches!(self, Distinct::Sketch(_))
    }
}

#[inline]
fn hll_add(regs: &mut [u8; HLL_M], v: u32) {
    let h = mix64(u64::from(v));
    let idx = (h >> (64 - HLL_BITS)) as usize;
    let rest = (h << HLL_BITS) | (1 << (HLL_BITS - 1));
    let rank = rest.leading_zeros() as u8 + 1;
    if regs[idx] < rank {
        regs[idx] = rank;
    }
}

/// The HyperLogLog estimate with the small-range (linear counting)
/// correction of Flajolet et al. (2007).
fn hll_estimate(regs: &[u8; HLL_M]) -> u64 {
    let m = HLL_M as f64;
    let mut sum = 0.0;
    let mut zeros = 0u32;
    for &r in regs.iter() {
        sum += (-f64::from(r)).exp2();
        zeros += u32::from(r == 0);
    }
    let alpha = 0.7213 / (1.0 + 1.079 / m);
    let raw = alpha * m * m / sum;
    let est = if raw <= 2.5 * m && zeros > 0 { m * (m / f64::from(zeros)).ln() } else { raw };
    est.round() as u64
}

/// Counters of the space-saving summary (Metwally et al., 2005).
pub(crate) const TOP_K: usize = 8;

/// The most frequent keys of one sender. Counts are exact while the sender
/// uses at most [`TOP_K`] distinct keys; beyond that, a key's count may be
/// over-estimated by at most the smallest count in the summary.
#[derive(Debug, Clone, Default)]
pub(crate) struct TopK {
    n: u8,
    keys: [u32; TOP_K],
    counts: [u64; TOP_K],
}

impl TopK {
    #[inline]
    pub(crate) fn add(&mut self, key: u32, c: u64) {
        let len = usize::from(self.n);
        if let Some(i) = self.keys[..len].iter().position(|&k| k == key) {
            self.counts[i] += c;
        } else if len < TOP_K {
            self.keys[len] = key;
            self.counts[len] = c;
            self.n += 1;
        } else {
            let (i, _) = self.counts.iter().enumerate().min_by_key(|&(_, &n)| n).unwrap_or((0, &0));
            self.keys[i] = key;
            self.counts[i] += c;
        }
    }

    /// Up to `n` `(key, count)` pairs, most frequent first, ties by key.
    pub(crate) fn top(&self, n: usize) -> Vec<(u32, u64)> {
        let len = usize::from(self.n);
        let mut v: Vec<(u32, u64)> =
            self.keys[..len].iter().copied().zip(self.counts[..len].iter().copied()).collect();
        v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(n);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_low_bits_spread_for_consecutive_addresses() {
        use std::hash::BuildHasher;
        let b = FxBuild::default();
        let low: HashSet<u64> = (0..10_000u32)
            .map(|s| b.hash_one(crate::Addr::V4(std::net::Ipv4Addr::from(0x2000_0000 + s))) & 0xffff)
            .collect();
        // 10,000 random 16-bit values have about 9,280 distinct ones.
        assert!(low.len() > 9_000, "{} distinct low halves", low.len());
    }

    #[test]
    fn distinct_exact_then_estimated() {
        let mut d = Distinct::default();
        for i in 0..100u32 {
            d.insert(i % 50);
        }
        assert_eq!(d.count(), 50);
        assert!(d.is_exact());
        for i in 0..20_000u32 {
            d.insert(i.wrapping_mul(2_654_435_761));
        }
        assert!(!d.is_exact());
        let c = d.count() as f64;
        assert!((c - 20_000.0).abs() / 20_000.0 < 0.1, "estimate {c}");
    }

    #[test]
    fn top_k_exact_for_few_keys() {
        let mut t = TopK::default();
        for (k, n) in [(23u32, 5u64), (80, 2), (22, 9)] {
            for _ in 0..n {
                t.add(k, 1);
            }
        }
        assert_eq!(t.top(2), vec![(22, 9), (23, 5)]);
        for k in 100..120 {
            t.add(k, 1);
        }
        // The heavy key survives the churn of single hits.
        assert_eq!(t.top(1)[0].0, 22);
    }
}
