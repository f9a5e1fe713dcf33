//! A small, seeded pseudo-random generator (SplitMix64).
//!
//! The crate uses its own generator rather than `rand` so that a seed gives the
//! same vectors on every platform and every future version of its dependencies.

/// SplitMix64 (Steele, Lea and Flood, 2014): one addition and a 64-bit mix per
/// draw, good enough statistically for window sizes, subsampling and noise draws.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    /// A generator for a seed; different seeds give unrelated streams.
    pub(crate) fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    /// A generator derived from several values (seed, epoch, job, ...).
    pub(crate) fn derived(parts: &[u64]) -> Self {
        let mut state = 0x243F_6A88_85A3_08D3_u64;
        for &part in parts {
            state = mix(state ^ part);
        }
        Rng::new(state)
    }

    /// The next 64 random bits.
    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.state)
    }

    /// A uniform integer in `0..n` (Lemire's multiply-shift, bias below 2^-32).
    #[inline]
    pub(crate) fn below(&mut self, n: u32) -> u32 {
        (((self.next_u64() >> 32) * u64::from(n)) >> 32) as u32
    }

    /// A uniform `f32` in [-0.5, 0.5).
    #[inline]
    pub(crate) fn centred_f32(&mut self) -> f32 {
        ((self.next_u64() >> 40) as f32) / ((1u64 << 24) as f32) - 0.5
    }
}

/// The SplitMix64 output function, also used to hash seeds together.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = Rng::new(7);
        let mut seen = [0u32; 5];
        for _ in 0..10_000 {
            seen[rng.below(5) as usize] += 1;
        }
        // 2,000 expected per bin; 5 sigma is about 200.
        assert!(seen.iter().all(|&c| (1_800..2_200).contains(&c)), "{seen:?}");
    }

    #[test]
    fn centred_f32_is_in_half_open_range() {
        let mut rng = Rng::derived(&[1, 2, 3]);
        let mut sum = 0.0f64;
        for _ in 0..10_000 {
            let x = rng.centred_f32();
            assert!((-0.5..0.5).contains(&x));
            sum += f64::from(x);
        }
        assert!((sum / 10_000.0).abs() < 0.02);
    }

    #[test]
    fn derived_streams_differ() {
        assert_ne!(Rng::derived(&[1, 2]).next_u64(), Rng::derived(&[2, 1]).next_u64());
    }
}
