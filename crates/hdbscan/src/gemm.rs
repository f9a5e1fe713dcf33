//! Blocked `f32` matrix products that filter candidates for exact `f64` keys.
//!
//! For rows `a`, `b` with squared norms `na`, `nb`, the approximate key is
//! `na + nb - 2 * fl32(a . b)`. Rounding the rows to `f32` and summing `d`
//! products in `f32` (any order, with or without FMA) moves the dot product
//! by at most `(d + 3) u |a| |b|` with `u = 2^-24`, so the approximate key is
//! within `delta = (d + 4) u (na + nb)` of the exact one. Every decision is
//! then taken on exact keys of the candidates that this bound cannot rule
//! out, so the answers are exact and independent of the blocking and of the
//! thread count.
//!
//! Products are symmetric: a block of rows `I` against a later block of
//! columns `J` serves the rows of `I` and, read by columns, the rows of `J`,
//! so a full pass costs half the products of `n` times `n`.

use std::borrow::Cow;

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};
use rayon::prelude::*;

use crate::knn::{Neighbours, keep_smallest};
use crate::mst::{Edge, KEPT_COMPONENTS, OutsideScan, keep_component};
use crate::space::{Space, Vectors, sq_dist};

/// Rows per product block.
const ROW_BLOCK: usize = 512;
/// Columns per product block.
const COL_BLOCK: usize = 2048;
/// Columns one task reads together when a block is visited by columns.
const COL_CHUNK: usize = 16;

/// Rounding bound factor: `delta(a, b) = factor * (na + nb)`.
fn bound_factor(dims: usize) -> f64 {
    #[allow(clippy::cast_precision_loss)] // dims is far below 2^52.
    let d = dims as f64;
    // 1% head-room over the proven (d + 4) u.
    1.01 * (d + 4.0) * f64::from(f32::EPSILON) / 2.0
}

/// Points in pass order: the first `n_states` have a state and see every
/// other point; the rest are only seen.
struct Layout<'a> {
    dims: usize,
    order: Cow<'a, [u32]>,
    rows: Cow<'a, [f32]>,
    n_states: usize,
}

impl Layout<'_> {
    fn block(&self, start: usize, end: usize) -> ArrayView2<'_, f32> {
        let rows = &self.rows[start * self.dims..end * self.dims];
        ArrayView2::from_shape((end - start, self.dims), rows).expect("block of rows")
    }
}

/// Calls `visit(state, other point, product)` once for every pair of a point
/// with a state and any other point, in blocks, in parallel.
fn for_each_pair<T: Send>(
    lay: &Layout<'_>,
    states: &mut [T],
    visit: impl Fn(&mut T, u32, f32) + Sync,
) {
    let n = lay.order.len();
    let mut buf = vec![0.0_f32; ROW_BLOCK * COL_BLOCK.max(ROW_BLOCK)];
    for i0 in (0..lay.n_states).step_by(ROW_BLOCK) {
        let i1 = (i0 + ROW_BLOCK).min(lay.n_states);
        let (head, tail) = states.split_at_mut(i1);
        let rows_i = &mut head[i0..];
        let a = lay.block(i0, i1);

        // The block against itself: every ordered pair, by rows.
        let g = product(&a, &lay.block(i0, i1), &mut buf);
        visit_rows(rows_i, g, i1 - i0, &lay.order[i0..i1], &visit);

        // Later blocks: by rows, and by columns while they have states too.
        let mut j0 = i1;
        while j0 < n {
            let limit = if j0 < lay.n_states { lay.n_states } else { n };
            let j1 = (j0 + COL_BLOCK).min(limit);
            let g = product(&a, &lay.block(j0, j1), &mut buf);
            visit_rows(rows_i, g, j1 - j0, &lay.order[j0..j1], &visit);
            if j0 < lay.n_states {
                visit_columns(&mut tail[j0 - i1..j1 - i1], g, j1 - j0, &lay.order[i0..i1], &visit);
            }
            j0 = j1;
        }
    }
}

/// `a * b^T` into the front of `buf`, row-major.
fn product<'b>(a: &ArrayView2<'_, f32>, b: &ArrayView2<'_, f32>, buf: &'b mut [f32]) -> &'b [f32] {
    let (m, w) = (a.nrows(), b.nrows());
    let out = &mut buf[..m * w];
    let mut view = ArrayViewMut2::from_shape((m, w), &mut *out).expect("product block");
    general_mat_mul(1.0, a, &b.t(), 0.0, &mut view);
    out
}

fn visit_rows<T: Send>(
    states: &mut [T],
    g: &[f32],
    width: usize,
    others: &[u32],
    visit: &(impl Fn(&mut T, u32, f32) + Sync),
) {
    states.par_iter_mut().zip(g.par_chunks(width)).for_each(|(s, row)| {
        for (&b, &p) in others.iter().zip(row) {
            visit(s, b, p);
        }
    });
}

fn visit_columns<T: Send>(
    states: &mut [T],
    g: &[f32],
    width: usize,
    others: &[u32],
    visit: &(impl Fn(&mut T, u32, f32) + Sync),
) {
    states.par_chunks_mut(COL_CHUNK).enumerate().for_each(|(k, chunk)| {
        let c0 = k * COL_CHUNK;
        for (i, &b) in others.iter().enumerate() {
            let row = &g[i * width + c0..i * width + c0 + chunk.len()];
            for (s, &p) in chunk.iter_mut().zip(row) {
                visit(s, b, p);
            }
        }
    });
}

/// Per-point candidate buffer of the neighbour pass.
struct ListState {
    id: u32,
    /// Twice the rounding bound of this point against any other.
    slack: f64,
    /// The `len`-th smallest approximate key seen so far (an upper bound).
    kth: f64,
    /// Approximate keys and indices that may still be among the nearest.
    cands: Vec<(f64, u32)>,
}

/// Exact neighbour lists of length `len` with one blocked pass.
pub(crate) fn neighbours(v: &Vectors, len: usize) -> Neighbours {
    let factor = bound_factor(v.dims);
    let max_norm = v.sq_norms.iter().fold(0.0_f64, |a, &b| a.max(b));
    let cap = 4 * len + 64;
    #[allow(clippy::cast_possible_truncation)] // n < u32::MAX is checked on input.
    let mut states: Vec<ListState> = (0..v.n)
        .map(|a| ListState {
            id: a as u32,
            slack: 2.0 * factor * (v.sq_norms[a] + max_norm),
            kth: f64::INFINITY,
            cands: Vec::with_capacity(cap),
        })
        .collect();
    #[allow(clippy::cast_possible_truncation)] // n < u32::MAX is checked on input.
    let order: Vec<u32> = (0..v.n as u32).collect();
    let lay = Layout {
        dims: v.dims,
        order: Cow::Owned(order),
        rows: Cow::Borrowed(&v.approx),
        n_states: v.n,
    };
    for_each_pair(&lay, &mut states, |s, b, g| {
        let approx = v.sq_norms[s.id as usize] + v.sq_norms[b as usize] - 2.0 * f64::from(g);
        if approx <= s.kth + s.slack && b != s.id {
            s.cands.push((approx, b));
            if s.cands.len() >= cap {
                prune_list(s, len);
            }
        }
    });
    let per_point: Vec<Vec<(f64, u32)>> = states
        .into_par_iter()
        .map(|mut s| {
            prune_list(&mut s, len);
            let a = s.id as usize;
            let mut exact: Vec<(f64, u32)> =
                s.cands.iter().map(|&(_, b)| (v.key(a, b as usize), b)).collect();
            keep_smallest(&mut exact, len);
            exact
        })
        .collect();
    Neighbours::from_candidates(len, per_point)
}

/// Drops candidates that the `len` best approximate keys rule out.
fn prune_list(s: &mut ListState, len: usize) {
    if s.cands.len() >= len && len > 0 {
        let (_, kth, _) = s.cands.select_nth_unstable_by(len - 1, |x, y| x.0.total_cmp(&y.0));
        s.kth = s.kth.min(kth.0);
    }
    let limit = s.kth + s.slack;
    s.cands.retain(|c| c.0 <= limit);
}

/// Per-point state of a scan for the lightest edges leaving the component.
struct ScanState {
    id: u32,
    /// Smallest upper bounds on real edges to the nearest few components.
    top: Vec<(u32, f64)>,
    /// Lower bounds and indices of points that may still count.
    cands: Vec<(f64, u32)>,
}

impl ScanState {
    /// Edges above this cannot be among the kept components' lightest.
    fn bound(&self) -> f64 {
        if self.top.len() < KEPT_COMPONENTS {
            f64::INFINITY
        } else {
            self.top[KEPT_COMPONENTS - 1].1
        }
    }

    fn offer(&mut self, c: u32, upper: f64) {
        if let Some(t) = self.top.iter_mut().find(|t| t.0 == c) {
            t.1 = t.1.min(upper);
        } else if self.top.len() < KEPT_COMPONENTS {
            self.top.push((c, upper));
        } else if upper < self.top[KEPT_COMPONENTS - 1].1 {
            self.top[KEPT_COMPONENTS - 1] = (c, upper);
        } else {
            return;
        }
        self.top.sort_unstable_by(|x, y| x.1.total_cmp(&y.1));
    }
}

/// Scans with the blocked products.
pub(crate) struct GemmScan<'a>(pub(crate) &'a Vectors);

impl OutsideScan for GemmScan<'_> {
    fn lightest_outside(
        &self,
        rows: &[u32],
        comp: &[u32],
        core: &[f64],
        upper: &[Option<Edge>],
    ) -> Vec<Vec<Edge>> {
        let v = self.0;
        if rows.is_empty() {
            return Vec::new();
        }
        let d = v.dims;
        let factor = bound_factor(d);

        // Scanned points first (their pairs are shared), then the others.
        let mut scanned = vec![false; v.n];
        rows.iter().for_each(|&a| scanned[a as usize] = true);
        #[allow(clippy::cast_possible_truncation)] // n < u32::MAX is checked on input.
        let order: Vec<u32> =
            rows.iter().copied().chain((0..v.n as u32).filter(|&b| !scanned[b as usize])).collect();
        let mut gathered = Vec::with_capacity(v.n * d);
        for &a in &order {
            gathered.extend_from_slice(&v.approx[a as usize * d..(a as usize + 1) * d]);
        }
        let lay = Layout {
            dims: d,
            order: Cow::Owned(order),
            rows: Cow::Owned(gathered),
            n_states: rows.len(),
        };
        let mut states: Vec<ScanState> = rows
            .iter()
            .zip(upper)
            .map(|(&id, e)| {
                let mut s =
                    ScanState { id, top: Vec::with_capacity(KEPT_COMPONENTS), cands: vec![] };
                if let Some(e) = e {
                    let other = if e.lo == id { e.hi } else { e.lo };
                    s.offer(comp[other as usize], e.w);
                }
                s
            })
            .collect();
        for_each_pair(&lay, &mut states, |s, b, g| {
            let (a, b_us) = (s.id as usize, b as usize);
            if comp[b_us] == comp[a] {
                return;
            }
            let floor = core[a].max(core[b_us]);
            let bound = s.bound();
            if floor > bound {
                return;
            }
            let norms = v.sq_norms[a] + v.sq_norms[b_us];
            let approx = norms - 2.0 * f64::from(g);
            let delta = factor * norms;
            let lower = floor.max(approx - delta);
            if lower <= bound {
                s.offer(comp[b_us], floor.max(approx + delta));
                s.cands.push((lower, b));
                if s.cands.len() > 256 {
                    let limit = s.bound();
                    s.cands.retain(|c| c.0 <= limit);
                }
            }
        });
        drop(lay);
        states
            .into_par_iter()
            .map(|s| {
                let a = s.id as usize;
                let bound = s.bound();
                let mut top = Vec::with_capacity(KEPT_COMPONENTS);
                for &(lower, b) in &s.cands {
                    if lower <= bound {
                        let key = sq_dist(v.row(a), v.row(b as usize));
                        let w = key.max(core[a]).max(core[b as usize]);
                        keep_component(&mut top, comp[b as usize], Edge::new(w, s.id, b));
                    }
                }
                top.into_iter().map(|t| t.1).collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mst::BruteScan;
    use ndarray::Array2;

    #[test]
    fn scan_matches_brute_force_on_a_large_subset() {
        let mut state = 17_u64;
        let mut next = move || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            f64::from(u32::try_from(state >> 40).unwrap()) / f64::from(1_u32 << 24)
        };
        let x = Array2::from_shape_fn((1200, 16), |_| next() - 0.5);
        let v = Vectors::new(x.view(), crate::Metric::Cosine).expect("non-zero rows");
        #[allow(clippy::cast_possible_truncation)]
        let comp: Vec<u32> = (0..1200_u32).map(|i| i % 37).collect();
        let core: Vec<f64> = (0..1200).map(|i| if i % 5 == 0 { 0.3 } else { 0.0 }).collect();
        // 700 scanned rows: more than one row block, scattered over the points.
        let rows: Vec<u32> = (0..1200_u32).filter(|i| i % 12 < 7).collect();
        let upper = vec![None; rows.len()];
        let fast = GemmScan(&v).lightest_outside(&rows, &comp, &core, &upper);
        let slow = BruteScan(&v).lightest_outside(&rows, &comp, &core, &upper);
        assert_eq!(fast, slow);
    }
}
