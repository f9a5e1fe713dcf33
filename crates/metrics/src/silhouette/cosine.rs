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

use super::{Clusters, IntraInter, dot, sum_squares};
use crate::{Element, Error, Result};

/// Entries of one block of the `U S^T` product (8 MiB of `f32`).
const BLOCK_ENTRIES: usize = 1 << 21;

/// Scored points per block: as many as fit in [`BLOCK_ENTRIES`], so that few
/// clusters mean few blocks (each block is a synchronisation of the threads),
/// within 512 to 16,384 rows.
fn block_rows(n: usize, k: usize) -> usize {
    (BLOCK_ENTRIES / k.max(1)).clamp(512, 16_384).min(n)
}

/// Cluster sums in `f64` (exact pass) and cluster means in `f32` (screening).
struct Sums {
    /// `k x d` sums of unit vectors, row-major.
    exact: Vec<f64>,
    dims: usize,
    /// `k x d` means of unit vectors (`S / |C|`), rounded to `f32`.
    screen: Array2<f32>,
    /// `1 / |C|` per cluster.
    inv_sizes: Vec<f64>,
    /// Bound on the error of an `f32` mean similarity, per cluster.
    bounds: Vec<f32>,
}

pub(super) fn intra_inter<T: Element>(
    x: ArrayView2<'_, T>,
    clusters: &Clusters,
) -> Result<Vec<IntraInter>> {
    intra_inter_in_blocks(x, clusters, block_rows(clusters.rows.len(), clusters.n_clusters()))
}

fn intra_inter_in_blocks<T: Element>(
    x: ArrayView2<'_, T>,
    clusters: &Clusters,
    block_rows: usize,
) -> Result<Vec<IntraInter>> {
    let inv_norms = inverse_norms(x, &clusters.rows)?;
    let sums = Sums::new(x, clusters, &inv_norms);

    let n = clusters.rows.len();
    let mut out = Vec::with_capacity(n);
    let k = clusters.n_clusters();
    let mut units = Array2::<f32>::zeros((block_rows, x.ncols()));
    let mut products = Array2::<f32>::zeros((block_rows, k));
    for start in (0..n).step_by(block_rows) {
        let end = (start + block_rows).min(n);
        let mut block = units.slice_mut(s![..end - start, ..]);
        fill_units(x, &clusters.rows[start..end], &inv_norms[start..end], &mut block);

        // The product uses both cores through matrixmultiply's threading.
        let mut dots = products.slice_mut(s![..end - start, ..]);
        general_mat_mul(1.0, &block, &sums.screen.t(), 0.0, &mut dots);

        let scores: Vec<IntraInter> = (start..end)
            .into_par_iter()
            .zip(dots.axis_iter(Axis(0)))
            .map_init(Vec::new, |row, (p, dots)| {
                row.clear();
                let values = x.row(clusters.rows[p]);
                match values.as_slice() {
                    Some(slice) => row.extend(slice.iter().map(|v| v.to_f64())),
                    None => row.extend(values.iter().map(|v| v.to_f64())),
                }
                let own = clusters.of[p];
                let size = clusters.size(own);
                // Rows of the standard-layout product are contiguous; the copy
                // is only a fallback.
                match dots.as_slice() {
                    Some(dots) => sums.means(row, inv_norms[p], dots, own, size),
                    None => sums.means(row, inv_norms[p], &dots.to_vec(), own, size),
                }
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
            let members = clusters.starts[c]..clusters.starts[c + 1];
            for (&row, &scale) in clusters.rows[members.clone()].iter().zip(&inv_norms[members]) {
                let values = x.row(row);
                match values.as_slice() {
                    Some(values) => add_scaled(sum, values, scale),
                    None => add_scaled(sum, &values.to_vec(), scale),
                }
            }
        });
        let inv_sizes: Vec<f64> = (0..k).map(|c| (clusters.size(c) as f64).recip()).collect();
        let bounds = exact
            .chunks(dims)
            .zip(&inv_sizes)
            .map(|(sum, inv_size)| {
                let norm = sum.iter().map(|s| s * s).sum::<f64>().sqrt();
                screening_bound(dims, norm * inv_size) as f32
            })
            .collect();
        let screen =
            Array2::from_shape_fn((k, dims), |(c, j)| (exact[c * dims + j] * inv_sizes[c]) as f32);
        Self { exact, dims, screen, inv_sizes, bounds }
    }

    /// `a` and `b` of one point from its `f32` dot products with every cluster
    /// mean, refined in `f64`. `row` is the input point and `inv_norm` the
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
            dot(row, sum) * inv_norm
        };
        let a = if own_size > 1 {
            let self_dot = dot(row, row) * inv_norm * inv_norm;
            1.0 - (exact_dot(own) - self_dot) / (own_size - 1) as f64
        } else {
            f64::NAN
        };

        // Screening on mean similarities m_c = u . S_c / |C| (the distance is
        // 1 - m_c): the largest f32 similarity minus its error bound is a
        // lower bound on the true largest one, and only clusters whose f32
        // similarity plus their bound reaches it can hold the true maximum.
        let floor = lower_max(&dots[..own], &self.bounds[..own])
            .max(lower_max(&dots[own + 1..], &self.bounds[own + 1..]));
        let mut b = f64::INFINITY;
        for (chunk, (d, bounds)) in dots.chunks(LANES).zip(self.bounds.chunks(LANES)).enumerate() {
            // Test eight clusters at once; most chunks hold no candidate.
            if !d.iter().zip(bounds).fold(false, |hit, (d, bound)| hit | (d + bound >= floor)) {
                continue;
            }
            for (l, (d, bound)) in d.iter().zip(bounds).enumerate() {
                let c = chunk * LANES + l;
                if d + bound >= floor && c != own {
                    b = b.min(1.0 - exact_dot(c) * self.inv_sizes[c]);
                }
            }
        }
        IntraInter { a, b }
    }
}

/// `sum += scale * values`, widened to `f64`.
fn add_scaled<T: Element>(sum: &mut [f64], values: &[T], scale: f64) {
    for (s, v) in sum.iter_mut().zip(values) {
        *s += v.to_f64() * scale;
    }
}

/// Lanes of the screening loops; eight `f32` fill one AVX register.
const LANES: usize = 8;

/// `max(dots[c] - bounds[c])`, written lane-wise so that it vectorises.
fn lower_max(dots: &[f32], bounds: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; LANES];
    let (dot_chunks, bound_chunks) = (dots.chunks_exact(LANES), bounds.chunks_exact(LANES));
    let tail = dot_chunks.remainder().iter().zip(bound_chunks.remainder());
    for (d, b) in dot_chunks.zip(bound_chunks) {
        for l in 0..LANES {
            let v = d[l] - b[l];
            lanes[l] = if v > lanes[l] { v } else { lanes[l] };
        }
    }
    let tail = tail.map(|(d, b)| d - b).fold(f32::NEG_INFINITY, f32::max);
    lanes.into_iter().fold(tail, f32::max)
}

/// Bound on the error of an `f32` mean similarity `u . S / |C|` for a cluster
/// whose mean unit vector has norm `mean_norm`, in `dims` dimensions.
///
/// The `f32` product rounds `u` and `m = S / |C|` to `f32` (relative error
/// `2^-24` each) and accumulates `dims` products (error at most
/// `dims * 2^-24 * sum |u_k m_k|`, and `sum |u_k m_k| <= |u| |m| = |m|` by
/// Cauchy-Schwarz with `|u| = 1`), then the screening adds or subtracts the
/// bound in `f32`. All of this is below `(dims + 3) * 2^-24 * |m|`; the bound
/// is twice that, a wide margin for the rounding of the bound itself.
fn screening_bound(dims: usize, mean_norm: f64) -> f64 {
    let unit_roundoff = f64::from(f32::EPSILON) / 2.0;
    2.0 * (dims as f64 + 3.0) * unit_roundoff * mean_norm + f64::MIN_POSITIVE
}

/// `1 / |x_i|` for every scored point, in scored order.
fn inverse_norms<T: Element>(x: ArrayView2<'_, T>, rows: &[usize]) -> Result<Vec<f64>> {
    let norms: Vec<f64> = rows.par_iter().map(|&row| norm(x.row(row))).collect();
    if let Some(row) = rows.iter().zip(&norms).filter(|(_, n)| **n == 0.0).map(|(r, _)| *r).min() {
        return Err(Error::ZeroVector { row });
    }
    Ok(norms.into_iter().map(f64::recip).collect())
}

/// The euclidean norm, without overflow for `f64` coordinates beyond `1e154`.
fn norm<T: Element>(row: ndarray::ArrayView1<'_, T>) -> f64 {
    let plain = match row.as_slice() {
        Some(slice) => sum_squares(slice).sqrt(),
        None => row.iter().map(|v| v.to_f64() * v.to_f64()).sum::<f64>().sqrt(),
    };
    if plain.is_finite() {
        return plain;
    }
    // The squares overflowed: scale by the largest magnitude first.
    let largest = row.iter().map(|v| v.to_f64().abs()).fold(0.0, f64::max);
    largest * row.iter().map(|v| (v.to_f64() / largest).powi(2)).sum::<f64>().sqrt()
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
        let values = x.row(rows[q]);
        match (unit.as_slice_mut(), values.as_slice()) {
            (Some(unit), Some(values)) => {
                for (u, v) in unit.iter_mut().zip(values) {
                    *u = (v.to_f64() * scale) as f32;
                }
            }
            _ => unit.zip_mut_with(&values, |u, v| *u = (v.to_f64() * scale) as f32),
        }
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
    fn huge_coordinates_do_not_overflow_the_norm() {
        let row = ndarray::array![3e200f64, 4e200];
        assert!((norm(row.view()) / 5e200 - 1.0).abs() < 1e-15);
        let small = ndarray::array![3.0f32, 4.0];
        assert_eq!(norm(small.view()), 5.0);
    }

    #[test]
    fn block_size_does_not_change_the_result() -> Result<()> {
        // 300 points in 6 dimensions, 5 clusters, from a small LCG.
        let mut state = 7u64;
        let mut uniform = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let x = Array2::from_shape_simple_fn((300, 6), &mut uniform);
        let labels: Vec<i32> = (0..300).map(|i| i % 5).collect();
        let clusters = Clusters::new(&labels, NoiseHandling::Exclude)?;
        let whole = intra_inter_in_blocks(x.view(), &clusters, 300)?;
        for block_rows in [1, 7, 64, 299] {
            let blocked = intra_inter_in_blocks(x.view(), &clusters, block_rows)?;
            for (w, b) in whole.iter().zip(&blocked) {
                assert_eq!((w.a, w.b), (b.a, b.b), "block of {block_rows} rows");
            }
        }
        Ok(())
    }

    #[test]
    fn blocks_are_bounded() {
        assert_eq!(block_rows(8_000, 60), 8_000);
        assert_eq!(block_rows(50_000, 600), (1 << 21) / 600);
        assert_eq!(block_rows(100_000, 20_000), 512);
        assert_eq!(block_rows(100, 20_000), 100);
    }

    #[test]
    fn lower_max_handles_every_tail_length() {
        for n in 0..20 {
            let dots: Vec<f32> = (0..n).map(|i| ((i * 7) % 5) as f32 - 0.5 * i as f32).collect();
            let bounds: Vec<f32> = (0..n).map(|i| 0.01 * i as f32).collect();
            let naive =
                dots.iter().zip(&bounds).map(|(d, b)| d - b).fold(f32::NEG_INFINITY, f32::max);
            assert_eq!(lower_max(&dots, &bounds), naive, "n = {n}");
        }
    }

    #[test]
    fn screening_bound_covers_the_f32_error() {
        // Worst case of the bound's derivation at d = 200: about 2.4e-5.
        let bound = screening_bound(200, 1.0);
        assert!(bound > 200.0 * f64::from(f32::EPSILON) / 2.0);
        assert!(bound < 3e-5);
    }
}
