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

/// Most bits sorted by one counting pass.
const MAX_DIGIT: u32 = 11;

/// Sorts `v` by bits `lo..hi` of its values (stable radix sort, see
/// [`radix_sort_copy`]), ignoring the other bits. `buf` is scratch space,
/// kept by the caller so that its pages are reused (the two vectors swap
/// buffers).
pub(crate) fn radix_sort(v: &mut Vec<u64>, lo: u32, hi: u32, buf: &mut Vec<u64>) {
    let src = std::mem::replace(v, std::mem::take(buf));
    radix_sort_copy(&src, lo, hi, v);
    *buf = src;
}

/// Writes `src` sorted by bits `lo..hi` of its values (stable, the other
/// bits ignored) into `out`, reusing `out`'s buffer.
///
/// One counting pass over memory sorts by the upper half of the bits (at
/// most 11); each of the resulting buckets, small enough to stay in cache,
/// is then sorted by the lower bits with least-significant-digit passes (a
/// pass where every value of the bucket has the same digit is skipped).
pub(crate) fn radix_sort_copy(src: &[u64], lo: u32, hi: u32, out: &mut Vec<u64>) {
    let hi = hi.min(64);
    out.clear();
    if src.len() < 2 || hi <= lo {
        out.extend_from_slice(src);
        return;
    }
    let bits = hi - lo;
    let top = if bits <= MAX_DIGIT { bits } else { bits.div_ceil(2).min(MAX_DIGIT) };
    let mid = hi - top;
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
    // Bucket `d` ends where bucket `d + 1` starts.
    let mut ends: Vec<usize> = pos[1..].to_vec();
    ends.push(src.len());
    out.resize(src.len(), 0);
    scatter(src, out, mid, mask, &mut pos);
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
            to[pos[d]..pos[d] + LINE].copy_from_slice(&stage[d]);
            pos[d] += LINE;
            fill[d] = 0;
        } else {
            fill[d] = f + 1;
        }
    }
    for d in 0..n_buckets {
        let f = fill[d];
        to[pos[d]..pos[d] + f].copy_from_slice(&stage[d][..f]);
        pos[d] += f;
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
        let mut v: Vec<u64> = (0..200_000)
            .map(|_| {
                x = mix64(x);
                x
            })
            .collect();
        let mut want: Vec<u64> = v.clone();
        want.sort_by_key(|e| (e >> 14) & ((1 << 30) - 1));
        let mut buf = Vec::new();
        let mut copy = Vec::new();
        radix_sort_copy(&v, 14, 44, &mut copy);
        assert!(copy == want);
        // Every value shares the sorted bits: no pass, the order is kept.
        let mut same: Vec<u64> = want.iter().map(|x| x >> 4).collect();
        let kept = same.clone();
        radix_sort_copy(&same, 60, 64, &mut copy);
        assert!(copy == kept);
        radix_sort(&mut same, 60, 64, &mut buf);
        assert!(same == kept);
        // A few bits, one pass; many bits, buckets sorted in several passes.
        for (lo, hi) in [(3, 9), (0, 40), (20, 64)] {
            let mut w = v.clone();
            w.sort_by_key(|e| (e >> lo) & (u64::MAX >> (64 - (hi - lo))));
            radix_sort_copy(&v, lo, hi, &mut copy);
            assert!(copy == w, "bits {lo}..{hi}");
        }
        radix_sort(&mut v, 14, 44, &mut buf);
        assert!(v == want);
        let mut all = want.clone();
        radix_sort(&mut all, 0, 64, &mut buf);
        want.sort_unstable();
        assert!(all == want);
    }
}
