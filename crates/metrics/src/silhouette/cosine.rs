//! Exact cosine silhouette from per-cluster sums of unit vectors.
//!
//! With unit vectors `u_j`, the cosine distance is `1 - u_i . u_j`, so the mean
//! distance from `i` to a cluster `C` is `1 - u_i . S_C / |C|` where `S_C` is the
//! sum of the unit vectors of `C`. For `i`'s own cluster, `i` itself is taken
//! out: `1 - (u_i . S_C - u_i . u_i) / (|C| - 1)`. One product of the `n x d`
//! unit vectors with the `d x k` sums gives every mean: `O(n * k * d)` time and
//! no pairwise pass at all. Rows are processed in blocks so that memory stays
//! `O(block * k + k * d)` besides the input.
//!
//! The product is taken in `f32`, twice as fast as `f64`, and used only to
//! find the nearest other cluster: its error is bounded (see
//! [`screening_bound`]), and every cluster whose `f32` mean could be the
//! smallest is recomputed in `f64`, as is the point's own cluster. The result
//! is therefore the `f64` result, at the price of one `f64` dot product of
//! length `d` per candidate (usually one or two per point).

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis, s};
use rayon::prelude::*;

use super::{Clusters, IntraInter};
use crate::{Element, Error, Result};

/// Scored points per block of the `U S^T` product.
const BLOCK: usize = 1024;

/// Cluster sums in `f64` (exact pass) and `f32` (screening product).
struct Sums {
    /// `k x d` sums, row-major.
    exact: Vec<f64>,
    dims: usize,
    screen: Array2<f32>,
    /// `1 / |C|` per cluster.
    inv_sizes: Vec<f64>,
    /// `1 / |C|` per cluster, in `f32` for the screening.
    inv_sizes32: Vec<f32>,
    /// Bound on the error of an `f32` mean similarity, per cluster.
    bounds32: Vec<f32>,
}

pub(super) fn intra_inter<T: Element>(
    x: ArrayView2<'_, T>,
    clusters: &Clusters,
) -> Result<Vec<IntraInter>> {
    let inv_norms = inverse_norms(x, &clusters.rows)?;
    let sums = Sums::new(x, clusters, &inv_norms);

    let n = clusters.rows.len();
    let mut out = Vec::with_capacity(n);
    let k = clusters.n_clusters();
    let mut units = Array2::<f32>::zeros((BLOCK.min(n), x.ncols()));
    let mut products = Array2::<f32>::zeros((BLOCK.min(n), k));
    for start in (0..n).step_by(BLOCK) {
        let end = (start + BLOCK).min(n);
        let mut block = units.slice_mut(s![..end - start, ..]);
        fill_units(x, &clusters.rows[start..end], &inv_norms[start..end], &mut block);

        // The product uses both cores through matrixmultiply's threading.
        let mut dots = products.slice_mut(s![..end - start, ..]);
        general_mat_mul(1.0, &block, &sums.screen.t(), 0.0, &mut dots);
        // A prefix of rows of a freshly allocated (standard-layout) array is
        // contiguous, so this cannot fail.
        let dots = dots.into_slice().expect("row prefix of a standard-layout array");

        let scores: Vec<IntraInter> = (start..end)
            .into_par_iter()
            .zip(dots.par_chunks(k))
            .map_init(Vec::new, |row, (p, dots)| {
                row.clear();
                row.extend(x.row(clusters.rows[p]).iter().map(|v| v.to_f64()));
                let own = clusters.of[p];
                sums.means(row, inv_norms[p], dots, own, clusters.size(own))
            })
            .collect();
        out.extend(scores);
    }
    Ok(out)
}

impl Sums {
    fn new<T: Element>(x: ArrayView2<'_, T>, clusters: &Clusters, inv_norms: &[f64]) -> Self {
        let (k, dims) = (clusters.n_clusters(), x.ncols());
        let mut exact = vec![0.0; k * dims];
        exact.par_chunks_mut(dims).enumerate().for_each(|(c, sum)| {
            for p in clusters.starts[c]..clusters.starts[c + 1] {
                let scale = inv_norms[p];
                for (s, v) in sum.iter_mut().zip(x.row(clusters.rows[p])) {
                    *s += v.to_f64() * scale;
                }
            }
        });
        let inv_sizes: Vec<f64> = (0..k).map(|c| (clusters.size(c) as f64).recip()).collect();
        let bounds32 = exact
            .chunks(dims)
            .zip(&inv_sizes)
            .map(|(sum, inv_size)| {
                let norm = sum.iter().map(|s| s * s).sum::<f64>().sqrt();
                screening_bound(dims, norm * inv_size) as f32
            })
            .collect();
        let screen = Array2::from_shape_fn((k, dims), |(c, j)| exact[c * dims + j] as f32);
        let inv_sizes32 = inv_sizes.iter().map(|&v| v as f32).collect();
        Self { exact, dims, screen, inv_sizes, inv_sizes32, bounds32 }
    }

    /// `a` and `b` of one point from its `f32` dot products with every cluster
    /// sum, refined in `f64`. `row` is the input point and `inv_norm` the
    /// inverse of its norm.
    fn means(
        &self,
        row: &[f64],
        inv_norm: f64,
        dots: &[f32],
        own: usize,
        own_size: usize,
    ) -> IntraInter {
        let exact_dot = |c: usize| -> f64 {
            let sum = &self.exact[c * self.dims..(c + 1) * self.dims];
            row.iter().zip(sum).map(|(x, s)| x * s).sum::<f64>() * inv_norm
        };
        let a = if own_size > 1 {
            let self_dot = row.iter().map(|x| x * x).sum::<f64>() * inv_norm * inv_norm;
            1.0 - (exact_dot(own) - self_dot) / (own_size - 1) as f64
        } else {
            f64::NAN
        };

        // Screening on mean similarities m_c = u . S_c / |C| (the distance is
        // 1 - m_c): the largest f32 similarity minus its error bound is a
        // lower bound on the true largest one, and only clusters whose f32
        // similarity plus their bound reaches it can hold the true maximum.
        // Both passes are plain f32 loops that the compiler vectorises.
        let similarity = |range: std::ops::Range<usize>| {
            dots[range.clone()]
                .iter()
                .zip(&self.inv_sizes32[range.clone()])
                .zip(&self.bounds32[range])
                .map(|((&dot, &inv_size), &bound)| dot * inv_size - bound)
                .fold(f32::NEG_INFINITY, f32::max)
        };
        let floor = similarity(0..own).max(similarity(own + 1..dots.len()));
        let mut b = f64::INFINITY;
        for (c, ((&dot, &inv_size), &bound)) in
            dots.iter().zip(&self.inv_sizes32).zip(&self.bounds32).enumerate()
        {
            if dot * inv_size + bound >= floor && c != own {
                b = b.min(1.0 - exact_dot(c) * self.inv_sizes[c]);
            }
        }
        IntraInter { a, b }
    }
}

/// Bound on the error of an `f32` mean similarity `u . S / |C|` for a cluster
/// whose mean unit vector has norm `mean_norm`, in `dims` dimensions.
///
/// The `f32` product rounds `u` and `S` to `f32` (relative error `2^-24`
/// each) and accumulates `dims` products (error at most
/// `dims * 2^-24 * sum |u_k S_k|`, and `sum |u_k S_k| <= |u| |S| = |S|` by
/// Cauchy-Schwarz with `|u| = 1`); the screening then multiplies by `1 / |C|`
/// in `f32`. All of this is below `(dims + 3) * 2^-24 * |S| / |C|`; the bound is
/// twice that, a wide margin for the rounding of the bound itself.
fn screening_bound(dims: usize, mean_norm: f64) -> f64 {
    let unit_roundoff = f64::from(f32::EPSILON) / 2.0;
    2.0 * (dims as f64 + 3.0) * unit_roundoff * mean_norm + f64::MIN_POSITIVE
}

/// `1 / |x_i|` for every scored point, in scored order.
fn inverse_norms<T: Element>(x: ArrayView2<'_, T>, rows: &[usize]) -> Result<Vec<f64>> {
    let norms: Vec<f64> = rows
        .par_iter()
        .map(|&row| x.row(row).iter().map(|v| v.to_f64().powi(2)).sum::<f64>().sqrt())
        .collect();
    if let Some(row) = rows.iter().zip(&norms).filter(|(_, n)| **n == 0.0).map(|(r, _)| *r).min() {
        return Err(Error::ZeroVector { row });
    }
    Ok(norms.into_iter().map(f64::recip).collect())
}

/// Writes the `f32` unit vectors of `rows` into the first rows of `block`.
fn fill_units<T: Element>(
    x: ArrayView2<'_, T>,
    rows: &[usize],
    inv_norms: &[f64],
    block: &mut ArrayViewMut2<'_, f32>,
) {
    block.axis_iter_mut(Axis(0)).into_par_iter().enumerate().for_each(|(q, mut unit)| {
        let scale = inv_norms[q];
        unit.zip_mut_with(&x.row(rows[q]), |u, v| *u = (v.to_f64() * scale) as f32);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::silhouette::NoiseHandling;

    #[test]
    fn means_take_the_point_out_of_its_own_cluster() -> Result<()> {
        // Points (1,0), (1,0), (0,1) in cluster 0 and (0,1), (0,1) in
        // cluster 1. For point 0: S_0 = (2,1), u.S_0 - u.u = 1, a = 1 - 1/2;
        // S_1 = (0,2), b = 1 - 0/2 = 1.
        let x = ndarray::array![[1.0f64, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]];
        let clusters = Clusters::new(&[0, 0, 0, 1, 1], NoiseHandling::Exclude)?;
        let scores = intra_inter(x.view(), &clusters)?;
        assert!((scores[0].a - 0.5).abs() < 1e-15);
        assert!((scores[0].b - 1.0).abs() < 1e-15);
        // Point 3 (cluster 1): a = 1 - 1/1 = 0; to cluster 0: 1 - 1/3.
        assert!(scores[3].a.abs() < 1e-15);
        assert!((scores[3].b - 2.0 / 3.0).abs() < 1e-15);
        Ok(())
    }

    #[test]
    fn zero_vectors_are_rejected() -> Result<()> {
        let x = ndarray::array![[1.0f32, 0.0], [0.0, 0.0], [0.0, 1.0], [0.0, 0.0]];
        let clusters = Clusters::new(&[0, 0, 1, 1], NoiseHandling::Exclude)?;
        assert_eq!(intra_inter(x.view(), &clusters).err(), Some(Error::ZeroVector { row: 1 }));
        Ok(())
    }

    #[test]
    fn screening_bound_covers_the_f32_error() {
        // Worst case of the bound's derivation at d = 200: about 2.4e-5.
        let bound = screening_bound(200, 1.0);
        assert!(bound > 200.0 * f64::from(f32::EPSILON) / 2.0);
        assert!(bound < 3e-5);
    }
}
