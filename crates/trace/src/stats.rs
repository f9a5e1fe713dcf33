//! Building blocks of the sender statistics: a fast hasher and a radix
//! sort.

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

/// Sorts `v` by bits `lo..hi` of its values (least significant digit
/// radix sort, 11 bits per pass, stable), ignoring the other bits.
pub(crate) fn radix_sort(v: &mut Vec<u64>, lo: u32, hi: u32) {
    const DIGIT: u32 = 11;
    let mut buf = vec![0u64; v.len()];
    let hi = hi.min(64);
    let mut shift = lo;
    while shift < hi {
        let mask = (1u64 << DIGIT.min(hi - shift)) - 1;
        let mut counts = [0usize; 1 << DIGIT];
        for &x in v.iter() {
            counts[((x >> shift) & mask) as usize] += 1;
        }
        // A pass where every value has the same digit changes nothing.
        if counts.contains(&v.len()) {
            shift += DIGIT;
            continue;
        }
        let mut sum = 0;
        for c in counts.iter_mut() {
            let t = *c;
            *c = sum;
            sum += t;
        }
        for &x in v.iter() {
            let d = ((x >> shift) & mask) as usize;
            buf[counts[d]] = x;
            counts[d] += 1;
        }
        std::mem::swap(v, &mut buf);
        shift += DIGIT;
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
        let mut v: Vec<u64> = (0..5000)
            .map(|_| {
                x = mix64(x);
                x
            })
            .collect();
        let mut want: Vec<u64> = v.clone();
        want.sort_by_key(|e| (e >> 14) & ((1 << 30) - 1));
        radix_sort(&mut v, 14, 44);
        assert!(v == want, "stable and ordered by bits 14..44");
        let mut all = want.clone();
        radix_sort(&mut all, 0, 64);
        want.sort_unstable();
        assert!(all == want);
    }
}
