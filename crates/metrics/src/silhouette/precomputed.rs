//! Silhouette from a caller-supplied distance matrix.

use ndarray::ArrayView2;
use rayon::prelude::*;

use super::{Clusters, IntraInter};
use crate::{Element, Error, Result};

pub(super) fn intra_inter<T: Element>(
    d: ArrayView2<'_, T>,
    clusters: &Clusters,
) -> Result<Vec<IntraInter>> {
    check(d, clusters)?;
    let k = clusters.n_clusters();
    let scores = (0..clusters.rows.len())
        .into_par_iter()
        .map(|p| {
            let row = d.row(clusters.rows[p]);
            let mut sums = vec![0.0; k];
            for (&column, &c) in clusters.rows.iter().zip(&clusters.of) {
                sums[c] += row[column].to_f64();
            }
            let own = clusters.of[p];
            let own_size = clusters.size(own);
            let a = if own_size > 1 { sums[own] / (own_size - 1) as f64 } else { f64::NAN };
            let b = (0..k)
                .filter(|&c| c != own)
                .map(|c| sums[c] / clusters.size(c) as f64)
                .fold(f64::INFINITY, f64::min);
            IntraInter { a, b }
        })
        .collect();
    Ok(scores)
}

/// Rejects a non-zero diagonal or a negative distance among scored points.
fn check<T: Element>(d: ArrayView2<'_, T>, clusters: &Clusters) -> Result<()> {
    // scikit-learn's tolerance for the diagonal of a float matrix.
    let tolerance = 100.0 * T::EPSILON;
    let mut rows = clusters.rows.clone();
    rows.sort_unstable();
    for &row in &rows {
        let value = d[[row, row]].to_f64();
        if value.abs() > tolerance {
            return Err(Error::NonZeroDiagonal { row, value });
        }
        for &column in &rows {
            let value = d[[row, column]].to_f64();
            if value < 0.0 {
                return Err(Error::NegativeDistance { row, column, value });
            }
        }
    }
    Ok(())
}
