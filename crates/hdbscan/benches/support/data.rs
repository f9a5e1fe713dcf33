//! Seeded benchmark vectors and the all-pairs floor, shared by the
//! criterion bench and the `hdbscan_scale` example.

use ndarray::Array2;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal, Uniform};

/// Blobs of 20 to 200 points in `dims` dimensions with different spreads,
/// plus 10% scattered points.
///
/// # Panics
///
/// Never: the distribution parameters are constants.
pub fn blobs(n: usize, dims: usize, seed: u64) -> Array2<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let normal = Normal::new(0.0_f32, 1.0).expect("valid normal");
    let sizes = Uniform::new(20_usize, 200).expect("valid range");
    let spreads = Uniform::new(0.3_f32, 0.9).expect("valid range");
    let mut x = Array2::<f32>::zeros((n, dims));
    let n_blob = n - n / 10;
    let mut i = 0;
    while i < n_blob {
        let size = sizes.sample(&mut rng).min(n_blob - i);
        let spread = spreads.sample(&mut rng);
        let centre: Vec<f32> = (0..dims).map(|_| normal.sample(&mut rng)).collect();
        for _ in 0..size {
            for (j, c) in centre.iter().enumerate() {
                x[[i, j]] = c + spread * normal.sample(&mut rng);
            }
            i += 1;
        }
    }
    for row in n_blob..n {
        for j in 0..dims {
            x[[row, j]] = normal.sample(&mut rng);
        }
    }
    x
}

/// One exact all-pairs pass: every cosine distance, nearest other point kept.
pub fn floor(x: &Array2<f32>) -> f32 {
    let norms: Vec<f32> = x.outer_iter().map(|r| r.dot(&r).sqrt()).collect();
    let mut u = x.clone();
    for (mut r, n) in u.outer_iter_mut().zip(&norms) {
        r.mapv_inplace(|v| v / n);
    }
    let n = u.nrows();
    let mut total = 0.0;
    for r0 in (0..n).step_by(1024) {
        let r1 = (r0 + 1024).min(n);
        let g = u.slice(ndarray::s![r0..r1, ..]).dot(&u.t());
        for (i, row) in g.outer_iter().enumerate() {
            let best = row
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != r0 + i)
                .fold(f32::INFINITY, |m, (_, &s)| m.min(1.0 - s));
            total += best;
        }
    }
    total
}

/// Independent standard normal rows: no cluster structure (a harder case for the tree).
///
/// # Panics
///
/// Never: the distribution parameters are constants.
pub fn scattered(n: usize, dims: usize, seed: u64) -> Array2<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let normal = Normal::new(0.0_f32, 1.0).expect("valid normal");
    Array2::from_shape_fn((n, dims), |_| normal.sample(&mut rng))
}
