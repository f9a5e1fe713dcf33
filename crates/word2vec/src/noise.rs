//! The noise distribution of negative sampling: unigram counts raised to the
//! power 0.75, drawn in O(1) with Walker's alias method.
//!
//! The original word2vec fills a table of 10^8 entries with token indices; the
//! alias table is exact, takes 8 bytes per token and needs two memory reads
//! per draw.

use crate::rng::Rng;

/// The exponent applied to counts (Mikolov et al., 2013).
const POWER: f64 = 0.75;

/// Walker/Vose alias table over the vocabulary.
#[derive(Debug, Clone)]
pub(crate) struct NoiseTable {
    /// Per bucket: acceptance threshold scaled to `u32`, and the token drawn
    /// when the bucket rejects; side by side so a draw reads one cache line.
    buckets: Vec<(u32, u32)>,
}

impl NoiseTable {
    /// Builds the table from counts. Returns `None` when every count is zero.
    pub(crate) fn new(counts: &[f64]) -> Option<Self> {
        let n = counts.len();
        let weights: Vec<f64> = counts.iter().map(|&c| c.max(0.0).powf(POWER)).collect();
        let total: f64 = weights.iter().sum();
        if n == 0 || !(total > 0.0 && total.is_finite()) {
            return None;
        }

        // Scale so that the mean bucket is 1, then pair small with large buckets.
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut accept = vec![u32::MAX; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            accept[s] = to_threshold(scaled[s]);
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }

        // Leftovers are 1 up to rounding: they always accept.
        Some(NoiseTable { buckets: accept.into_iter().zip(alias).collect() })
    }

    /// Draws one token index.
    #[inline]
    pub(crate) fn draw(&self, rng: &mut Rng) -> u32 {
        let bits = rng.next_u64();
        let bucket = (((bits >> 32) * self.buckets.len() as u64) >> 32) as usize;
        let (accept, alias) = self.buckets[bucket];
        if (bits as u32) < accept { bucket as u32 } else { alias }
    }
}

/// Maps a probability in [0, 1] to a `u32` threshold.
fn to_threshold(p: f64) -> u32 {
    (p.clamp(0.0, 1.0) * f64::from(u32::MAX)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_follow_count_power() {
        let counts = [1.0, 16.0, 0.0, 81.0];
        let table = NoiseTable::new(&counts).unwrap();
        let mut rng = Rng::new(3);
        let mut hits = [0u32; 4];
        let n = 200_000;
        for _ in 0..n {
            hits[table.draw(&mut rng) as usize] += 1;
        }
        // Weights 1, 8, 0, 27 over a total of 36.
        let expected = [1.0 / 36.0, 8.0 / 36.0, 0.0, 27.0 / 36.0];
        for (h, e) in hits.iter().zip(expected) {
            assert!((f64::from(*h) / f64::from(n) - e).abs() < 0.005, "{hits:?}");
        }
    }

    #[test]
    fn all_zero_counts_give_none() {
        assert!(NoiseTable::new(&[0.0, 0.0]).is_none());
        assert!(NoiseTable::new(&[]).is_none());
    }
}
