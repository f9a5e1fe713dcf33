//! Exact euclidean silhouette by blocked matrix products.
//!
//! Squared distances come from `|x|^2 + |y|^2 - 2 x . y` on row and column
//! blocks, so the `n x n` matrix never exists: memory is
//! `O(ROWS * COLUMNS + ROWS * k)` besides the input. The data are centred first
//! (distances do not change) to keep the norms small, and a pair whose squared
//! distance is tiny next to the norms, where the formula cancels badly, is
//! recomputed directly as a sum of squared differences.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis, s};
use rayon::prelude::*;

use super::{Clusters, IntraInter};
use crate::Element;

/// Scored points per row block.
const ROWS: usize = 512;
/// Scored points per column block.
const COLUMNS: usize = 2048;
/// Below this fraction of `|x|^2 + |y|^2` a squared distance is recomputed.
const CANCELLATION: f64 = 1e-4;

pub(super) fn intra_inter<T: Element>(
    x: ArrayView2<'_, T>,
    clusters: &Clusters,
) -> Vec<IntraInter> {
    let n = clusters.rows.len();
    let k = clusters.n_clusters();
    let mean = mean_row(x, &clusters.rows);
    let mut row_block = Array2::<f64>::zeros((ROWS.min(n), x.ncols()));
    let mut column_block = Array2::<f64>::zeros((COLUMNS.min(n), x.ncols()));
    let mut out = Vec::with_capacity(n);

    for r0 in (0..n).step_by(ROWS) {
        let r1 = (r0 + ROWS).min(n);
        let mut rows = row_block.slice_mut(s![..r1 - r0, ..]);
        fill_centred(x, &clusters.rows[r0..r1], &mean, &mut rows);
        let rows = rows.view();
        let row_norms = squared_norms(rows);
        let mut sums = Array2::<f64>::zeros((r1 - r0, k));

        for c0 in (0..n).step_by(COLUMNS) {
            let c1 = (c0 + COLUMNS).min(n);
            let mut columns = column_block.slice_mut(s![..c1 - c0, ..]);
            fill_centred(x, &clusters.rows[c0..c1], &mean, &mut columns);
            let columns = columns.view();
            let column_norms = squared_norms(columns);

            // The product uses both cores through matrixmultiply's threading.
            let dots = rows.dot(&columns.t());

            let block = Block { rows, columns, row_norms: &row_norms, column_norms: &column_norms };
            sums.axis_iter_mut(Axis(0)).into_par_iter().enumerate().for_each(|(q, mut sum)| {
                let dots = dots.row(q);
                block.accumulate(q, r0 + q, c0, &dots, clusters, &mut sum);
            });
        }

        out.extend((r0..r1).map(|p| {
            let own = clusters.of[p];
            means(sums.row(p - r0).as_slice().unwrap_or(&[]), own, clusters)
        }));
    }
    out
}

/// One row block against one column block.
struct Block<'a> {
    rows: ArrayView2<'a, f64>,
    columns: ArrayView2<'a, f64>,
    row_norms: &'a [f64],
    column_norms: &'a [f64],
}

impl Block<'_> {
    /// Adds the distances from row `q` (scored position `p`) to every column of
    /// the block, which starts at scored position `c0`, into per-cluster `sum`.
    fn accumulate(
        &self,
        q: usize,
        p: usize,
        c0: usize,
        dots: &ndarray::ArrayView1<'_, f64>,
        clusters: &Clusters,
        sum: &mut ndarray::ArrayViewMut1<'_, f64>,
    ) {
        let norm = self.row_norms[q];
        for (j, (&dot, &column_norm)) in dots.iter().zip(self.column_norms).enumerate() {
            if c0 + j == p {
                continue;
            }
            let scale = norm + column_norm;
            let mut d2 = scale - 2.0 * dot;
            if d2 < CANCELLATION * scale {
                d2 = self
                    .rows
                    .row(q)
                    .iter()
                    .zip(self.columns.row(j))
                    .map(|(a, b)| (a - b).powi(2))
                    .sum();
            }
            sum[clusters.of[c0 + j]] += d2.max(0.0).sqrt();
        }
    }
}

/// `a` and `b` from the per-cluster sums of distances of one point.
fn means(sums: &[f64], own: usize, clusters: &Clusters) -> IntraInter {
    let own_size = clusters.size(own);
    let a = if own_size > 1 { sums[own] / (own_size - 1) as f64 } else { f64::NAN };
    let b = sums
        .iter()
        .enumerate()
        .filter(|&(c, _)| c != own)
        .map(|(c, sum)| sum / clusters.size(c) as f64)
        .fold(f64::INFINITY, f64::min);
    IntraInter { a, b }
}

fn mean_row<T: Element>(x: ArrayView2<'_, T>, rows: &[usize]) -> Vec<f64> {
    let mut mean = vec![0.0; x.ncols()];
    for &row in rows {
        for (m, v) in mean.iter_mut().zip(x.row(row)) {
            *m += v.to_f64();
        }
    }
    let n = rows.len() as f64;
    mean.iter_mut().for_each(|m| *m /= n);
    mean
}

fn fill_centred<T: Element>(
    x: ArrayView2<'_, T>,
    rows: &[usize],
    mean: &[f64],
    block: &mut ArrayViewMut2<'_, f64>,
) {
    block.axis_iter_mut(Axis(0)).into_par_iter().enumerate().for_each(|(q, mut out)| {
        for ((o, v), m) in out.iter_mut().zip(x.row(rows[q])).zip(mean) {
            *o = v.to_f64() - m;
        }
    });
}

fn squared_norms(block: ArrayView2<'_, f64>) -> Vec<f64> {
    block.outer_iter().map(|row| row.dot(&row)).collect()
}
