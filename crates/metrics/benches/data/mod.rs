//! Deterministic synthetic embeddings shared by the bench and the scale example.
//!
//! `docs/scripts/metrics_bench.py` generates the very same `f32` values with
//! numpy, so scores can be compared with scikit-learn's on identical input.

use ndarray::Array2;

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64 output number `index` of stream `seed`, as a uniform in [0, 1).
fn uniform(seed: u64, index: u64) -> f64 {
    let mut z = seed.wrapping_add(index.wrapping_add(1).wrapping_mul(GAMMA));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// `n` points in `dims` dimensions around `k` centres (point `i` in cluster
/// `i % k`), each coordinate `centre + spread * (u - 0.5)`.
pub fn blobs(n: usize, dims: usize, k: usize, spread: f64) -> (Array2<f32>, Vec<i32>) {
    let labels: Vec<i32> = (0..n).map(|i| (i % k) as i32).collect();
    let x = Array2::from_shape_fn((n, dims), |(i, j)| {
        let centre = uniform(1, ((i % k) * dims + j) as u64) - 0.5;
        (centre + spread * (uniform(2, (i * dims + j) as u64) - 0.5)) as f32
    });
    (x, labels)
}
