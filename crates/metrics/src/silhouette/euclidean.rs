//! Exact euclidean silhouette by blocked matrix products.
//!
//! Squared distances come from `|x|^2 + |y|^2 - 2 x . y` on row and column
//! blocks, so the `n x n` matrix never exists: memory is
//! `O(ROWS * COLUMNS + ROWS * k)` besides the input. The data are centred first
//! (distances do not change) to keep the norms small, and a pair whose squared
//! distance is tiny next to the norms, where the formula cancels badly, is
//! recomputed directly as a sum of squared differences.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis, s};
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
    let mut products = Array2::<f64>::zeros((ROWS.min(n), COLUMNS.min(n)));
    let mut out = Vec::with_capacity(n);

    for r0 in (0..n).step_by(ROWS) {
        let r1 = (r0 + ROWS).min(n);
        let mut rows = row_block.slice_mut(s![..r1 - r0, ..]);
        fill_centred(x, &clusters.rows[r0..r1], &mean, &mut rows);
        let rows = rows.view();
        let row_norms = squared_norms(rows);
        let mut sums = vec![0.0; (r1 - r0) * k];

        for c0 in (0..n).step_by(COLUMNS) {
            let c1 = (c0 + COLUMNS).min(n);
            let mut columns = column_block.slice_mut(s![..c1 - c0, ..]);
            fill_centred(x, &clusters.rows[c0..c1], &mean, &mut columns);
            let columns = columns.view();
            let column_norms = squared_norms(columns);

            // The product uses both cores through matrixmultiply's threading.
            let mut dots = products.slice_mut(s![..r1 - r0, ..c1 - c0]);
            general_mat_mul(1.0, &rows, &columns.t(), 0.0, &mut dots);

            let block =
                Block { rows, columns, row_norms: &row_norms, column_norms: &column_norms, c0 };
            sums.par_chunks_mut(k)
                .zip(dots.axis_iter(Axis(0)))
                .enumerate()
                .for_each_init(Vec::new, |distances, (q, (sum, dots))| {
                    block.accumulate(q, dots, clusters, sum, distances)
                });
        }

        out.extend(
            (r0..r1).zip(sums.chunks(k)).map(|(p, sums)| means(sums, clusters.of[p], clusters)),
        );
    }
    out
}

/// One row block against one column block.
struct Block<'a> {
    rows: ArrayView2<'a, f64>,
    columns: ArrayView2<'a, f64>,
    row_norms: &'a [f64],
    column_norms: &'a [f64],
    /// Scored position of the first column.
    c0: usize,
}

impl Block<'_> {
    /// Adds the distances from row `q` to every column of the block into the
    /// per-cluster `sum`; `distances` is scratch space.
    fn accumulate(
        &self,
        q: usize,
        dots: ArrayView1<'_, f64>,
        clusters: &Clusters,
        sum: &mut [f64],
        distances: &mut Vec<f64>,
    ) {
        let norm = self.row_norms[q];
        distances.clear();
        distances.extend(dots.iter().zip(self.column_norms).map(|(dot, c)| norm + c - 2.0 * dot));

        // Where the formula cancels (including the point against itself),
        // recompute the squared distance directly; it is rare.
        for (j, d2) in distances.iter_mut().enumerate() {
            if *d2 < CANCELLATION * (norm + self.column_norms[j]) {
                let (a, b) = (self.rows.row(q), self.columns.row(j));
                *d2 = a.iter().zip(b).map(|(a, b)| (a - b) * (a - b)).sum();
            }
        }
        for d in distances.iter_mut() {
            *d = d.max(0.0).sqrt();
        }

        // Columns are sorted by cluster: add each cluster's run in one go.
        let end = self.c0 + distances.len();
        let mut start = self.c0;
        while start < end {
            let c = clusters.of[start];
            let stop = clusters.starts[c + 1].min(end);
            sum[c] += distances[start - self.c0..stop - self.c0].iter().sum::<f64>();
            start = stop;
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
