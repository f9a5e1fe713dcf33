//! Exact nearest-neighbour lists and core distances.

use rayon::prelude::*;

use crate::space::Space;

/// The `len` nearest other points of every point, ordered by (key, index),
/// with their exact keys.
pub(crate) struct Neighbours {
    pub(crate) len: usize,
    pub(crate) idx: Vec<u32>,
    pub(crate) keys: Vec<f64>,
}

impl Neighbours {
    /// Indices and keys of the list of point `a`.
    pub(crate) fn list(&self, a: usize) -> (&[u32], &[f64]) {
        let range = a * self.len..(a + 1) * self.len;
        (&self.idx[range.clone()], &self.keys[range])
    }

    /// Key of the last list entry: every point outside the list is at least this far.
    pub(crate) fn radius(&self, a: usize) -> f64 {
        if self.len == 0 { f64::INFINITY } else { self.keys[(a + 1) * self.len - 1] }
    }

    /// Core keys: the key of the `k`-th list entry (zero for `k == 0`).
    pub(crate) fn core_keys(&self, k: usize) -> Vec<f64> {
        let n = self.idx.len().checked_div(self.len).unwrap_or(0);
        (0..n).map(|a| if k == 0 { 0.0 } else { self.keys[a * self.len + k - 1] }).collect()
    }

    /// Assembles lists from per-point candidate sets with exact keys.
    pub(crate) fn from_candidates(len: usize, mut per_point: Vec<Vec<(f64, u32)>>) -> Self {
        let n = per_point.len();
        let mut idx = Vec::with_capacity(n * len);
        let mut keys = Vec::with_capacity(n * len);
        for cands in &mut per_point {
            keep_smallest(cands, len);
            for &(key, b) in cands.iter() {
                idx.push(b);
                keys.push(key);
            }
        }
        Neighbours { len, idx, keys }
    }
}

/// Orders candidates by (key, index) and keeps the first `len`.
pub(crate) fn keep_smallest(cands: &mut Vec<(f64, u32)>, len: usize) {
    let cmp = |x: &(f64, u32), y: &(f64, u32)| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1));
    if cands.len() > len && len > 0 {
        cands.select_nth_unstable_by(len - 1, cmp);
    }
    cands.truncate(len);
    cands.sort_unstable_by(cmp);
}

/// Exact lists by evaluating every pair (used for precomputed matrices and as a test oracle).
pub(crate) fn brute_force<S: Space>(space: &S, len: usize) -> Neighbours {
    let n = space.n();
    let per_point: Vec<Vec<(f64, u32)>> = (0..n)
        .into_par_iter()
        .map(|a| {
            #[allow(clippy::cast_possible_truncation)] // n < u32::MAX is checked on input.
            let mut cands: Vec<(f64, u32)> =
                (0..n).filter(|&b| b != a).map(|b| (space.key(a, b), b as u32)).collect();
            keep_smallest(&mut cands, len);
            cands
        })
        .collect();
    Neighbours::from_candidates(len, per_point)
}
