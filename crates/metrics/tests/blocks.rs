//! The blocked silhouette kernels against a direct O(n^2) pass, on inputs
//! large enough to cross the euclidean kernel's block boundaries (512 rows x
//! 2,048 columns), with near-ties between clusters. (The cosine kernel's row
//! blocks are sized by the number of clusters; a unit test in
//! `src/silhouette/cosine.rs` checks that any block size gives the same result.)

use darkdca_metrics::{Metric, silhouette};
use ndarray::Array2;

/// A small deterministic generator (64-bit LCG, top bits as a uniform).
struct Lcg(u64);

impl Lcg {
    fn uniform(&mut self) -> f64 {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `n` points in `d` dimensions, cluster `i % 7` or noise every 11th point.
/// Most members of cluster 6 are twice a member of cluster 5 (same
/// direction), so under cosine the two clusters are near-ties as nearest
/// other cluster, which exercises the f32 screening of the cosine kernel.
fn data(n: usize, d: usize) -> (Array2<f64>, Vec<i32>) {
    let mut rng = Lcg(42);
    let centres: Vec<Vec<f64>> =
        (0..7).map(|_| (0..d).map(|_| rng.uniform() - 0.5).collect()).collect();
    let labels: Vec<i32> = (0..n).map(|i| if i % 11 == 10 { -1 } else { (i % 7) as i32 }).collect();
    let mut x =
        Array2::from_shape_fn((n, d), |(i, j)| centres[i % 7][j] + 0.8 * (rng.uniform() - 0.5));
    // Point i in cluster 6 is twice point i - 1 in cluster 5 (same direction).
    for i in (0..n).filter(|&i| labels[i] == 6 && labels[i - 1] == 5) {
        let twice = x.row(i - 1).mapv(|v| 2.0 * v);
        x.row_mut(i).assign(&twice);
    }
    (x, labels)
}

fn direct(labels: &[i32], distance: impl Fn(usize, usize) -> f64) -> Vec<Option<f64>> {
    let n = labels.len();
    let k = 7;
    let mut sizes = [0usize; 7];
    labels.iter().filter(|&&l| l >= 0).for_each(|&l| sizes[l as usize] += 1);
    (0..n)
        .map(|i| {
            if labels[i] < 0 {
                return None;
            }
            let mut sums = vec![0.0; k];
            for j in (0..n).filter(|&j| j != i && labels[j] >= 0) {
                sums[labels[j] as usize] += distance(i, j);
            }
            let own = labels[i] as usize;
            let a = sums[own] / (sizes[own] - 1) as f64;
            let b = (0..k)
                .filter(|&c| c != own)
                .map(|c| sums[c] / sizes[c] as f64)
                .fold(f64::INFINITY, f64::min);
            Some((b - a) / a.max(b))
        })
        .collect()
}

fn assert_close(got: &[Option<f64>], want: &[Option<f64>]) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        match (g, w) {
            (Some(g), Some(w)) => assert!((g - w).abs() < 1e-10, "point {i}: {g} vs {w}"),
            (None, None) => {}
            _ => panic!("point {i}: {g:?} vs {w:?}"),
        }
    }
}

#[test]
fn cosine_across_blocks() {
    let (x, labels) = data(2_300, 12);
    let norms: Vec<f64> = x.outer_iter().map(|r| r.dot(&r).sqrt()).collect();
    let want = direct(&labels, |i, j| 1.0 - x.row(i).dot(&x.row(j)) / (norms[i] * norms[j]));
    let got = silhouette(x.view(), &labels, Metric::Cosine).expect("valid input");
    assert_close(&got.samples, &want);
}

#[test]
fn euclidean_across_blocks() {
    let (x, labels) = data(2_300, 12);
    let want = direct(&labels, |i, j| (&x.row(i) - &x.row(j)).mapv(|v| v * v).sum().sqrt());
    let got = silhouette(x.view(), &labels, Metric::Euclidean).expect("valid input");
    assert_close(&got.samples, &want);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let (x, labels) = data(1_500, 8);
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let two = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("pool");
    for metric in [Metric::Cosine, Metric::Euclidean] {
        let a = one.install(|| silhouette(x.view(), &labels, metric));
        let b = two.install(|| silhouette(x.view(), &labels, metric));
        assert_eq!(a, b);
    }
}
