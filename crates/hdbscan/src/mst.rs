//! Exact minimum spanning tree of the mutual-reachability graph (Borůvka).
//!
//! Edges are ordered by (weight, smaller index, larger index), a strict
//! total order, so the tree is unique and Borůvka can add every
//! component's lightest edge at once without creating a cycle.
//!
//! Each round finds, for every component, its lightest edge to another
//! component. A point first looks in its neighbour list: a point `b` outside
//! the list is at least `radius(a)` away, so `mrd(a, b) >= max(core(a),
//! radius(a))`, and a list edge lighter than that bound is exact. An exact
//! answer stays valid until its far end joins the point's component, and then
//! its weight is a lower bound for later rounds (the outside only shrinks).
//! Points whose bound cannot rule them out are scanned against all points.

use std::cmp::Ordering;

use rayon::prelude::*;

use crate::knn::Neighbours;

/// An edge of the mutual-reachability graph, `lo < hi`, weight as a key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Edge {
    pub(crate) w: f64,
    pub(crate) lo: u32,
    pub(crate) hi: u32,
}

impl Edge {
    pub(crate) fn new(w: f64, a: u32, b: u32) -> Self {
        Edge { w, lo: a.min(b), hi: a.max(b) }
    }

    /// The strict total order on edges.
    pub(crate) fn cmp_total(&self, other: &Edge) -> Ordering {
        self.w.total_cmp(&other.w).then(self.lo.cmp(&other.lo)).then(self.hi.cmp(&other.hi))
    }

    fn other(&self, p: u32) -> u32 {
        if self.lo == p { self.hi } else { self.lo }
    }
}

/// Keeps the lighter of two optional edges.
pub(crate) fn lighter(a: Option<Edge>, b: Option<Edge>) -> Option<Edge> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.cmp_total(&x).is_lt() { y } else { x }),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Components remembered per scanned point: when the nearest joins the
/// point's component, the next one still answers exactly without a rescan.
///
/// Measured at 8,000 blob vectors: 2 saved 3% of the scanned rows (7,389 to
/// 7,166) and no time, and held more candidates in memory, so it stays 1;
/// the scans and the cache support any value (the tests pass with 1 and 4).
pub(crate) const KEPT_COMPONENTS: usize = 1;

/// Finds the exact lightest edges from given points to other components.
pub(crate) trait OutsideScan: Sync {
    /// For each point in `rows`, the lightest edge to each of the (up to)
    /// [`KEPT_COMPONENTS`] nearest other components, lightest first
    /// (`comp` holds component ids); `upper` is an edge known to exist for
    /// that point, if any, and may be used to prune.
    fn lightest_outside(
        &self,
        rows: &[u32],
        comp: &[u32],
        core: &[f64],
        upper: &[Option<Edge>],
    ) -> Vec<Vec<Edge>>;
}

/// Keeps the lightest edge per component for the lightest few components.
pub(crate) fn keep_component(top: &mut Vec<(u32, Edge)>, c: u32, e: Edge) {
    if let Some(i) = top.iter().position(|t| t.0 == c) {
        if e.cmp_total(&top[i].1).is_lt() {
            top[i].1 = e;
        } else {
            return;
        }
    } else if top.len() < KEPT_COMPONENTS {
        top.push((c, e));
    } else if e.cmp_total(&top[KEPT_COMPONENTS - 1].1).is_lt() {
        top[KEPT_COMPONENTS - 1] = (c, e);
    } else {
        return;
    }
    top.sort_unstable_by(|x, y| x.1.cmp_total(&y.1));
}

/// Exact edges of one point to its nearest components, lightest first.
#[derive(Clone)]
struct Cached {
    edges: Vec<Edge>,
    /// Lower bound on the edges to every component not in `edges`.
    floor: f64,
}

impl Cached {
    fn new(edges: Vec<Edge>, complete: bool) -> Self {
        let floor = if complete { f64::INFINITY } else { edges.last().map_or(0.0, |e| e.w) };
        Cached { edges, floor }
    }
}

/// Work done while building the tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MstWork {
    pub(crate) rounds: usize,
    pub(crate) scanned_rows: usize,
    /// Components at the start of each round and points scanned in it.
    pub(crate) per_round: Vec<(usize, usize)>,
}

/// Union-find with path halving and union by size.
pub(crate) struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    pub(crate) fn new(n: usize) -> Self {
        #[allow(clippy::cast_possible_truncation)] // n < u32::MAX is checked on input.
        let parent = (0..n as u32).collect();
        UnionFind { parent, size: vec![1; n] }
    }

    pub(crate) fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    /// Joins the sets of two roots; returns the new root.
    pub(crate) fn union_roots(&mut self, a: u32, b: u32) -> u32 {
        let (big, small) =
            if self.size[a as usize] >= self.size[b as usize] { (a, b) } else { (b, a) };
        self.parent[small as usize] = big;
        self.size[big as usize] += self.size[small as usize];
        big
    }
}

/// What a point knows about its lightest edge leaving its component.
#[derive(Clone, Copy)]
enum Status {
    Exact(Edge),
    Open { lower: f64, upper: Option<Edge> },
}

/// Builds the exact minimum spanning tree; edges come back in no particular order.
pub(crate) fn boruvka<S: OutsideScan>(
    neighbours: &Neighbours,
    core: &[f64],
    scan: &S,
) -> (Vec<Edge>, MstWork) {
    let n = core.len();
    let mut uf = UnionFind::new(n);
    let mut comp = vec![0_u32; n];
    let mut cache: Vec<Option<Cached>> = vec![None; n];
    let mut lower = vec![0.0_f64; n];
    let mut edges = Vec::with_capacity(n.saturating_sub(1));
    let mut work = MstWork::default();
    let mut best = vec![None::<Edge>; n];

    while edges.len() + 1 < n {
        work.rounds += 1;
        #[allow(clippy::cast_possible_truncation)] // n < u32::MAX is checked on input.
        for (p, c) in comp.iter_mut().enumerate() {
            *c = uf.find(p as u32);
        }

        // Every point: an exact answer from its cache or its list, or bounds.
        let mut status: Vec<Status> = cache
            .par_iter_mut()
            .zip(lower.par_iter_mut())
            .enumerate()
            .map(|(p, (cached, low))| point_status(p, cached, low, neighbours, core, &comp))
            .collect();

        // Lightest known edge per component, then the points that could beat it.
        best.iter_mut().for_each(|b| *b = None);
        for (p, s) in status.iter().enumerate() {
            let known = match *s {
                Status::Exact(e) => Some(e),
                Status::Open { upper, .. } => upper,
            };
            let c = comp[p] as usize;
            best[c] = lighter(best[c], known);
        }
        #[allow(clippy::cast_possible_truncation)] // n < u32::MAX is checked on input.
        let (rows, uppers): (Vec<u32>, Vec<Option<Edge>>) = status
            .iter()
            .enumerate()
            .filter_map(|(p, s)| match *s {
                Status::Open { lower, upper } => {
                    let bound = best[comp[p] as usize].map_or(f64::INFINITY, |e| e.w);
                    (lower <= bound).then_some((p as u32, upper))
                }
                Status::Exact(_) => None,
            })
            .unzip();
        work.scanned_rows += rows.len();
        work.per_round.push((best.iter().filter(|b| b.is_some()).count(), rows.len()));
        let found = scan.lightest_outside(&rows, &comp, core, &uppers);
        for (&p, edges) in rows.iter().zip(found) {
            // Fewer components than kept means every other component is listed.
            let complete = edges.len() < KEPT_COMPONENTS;
            status[p as usize] = Status::Exact(edges[0]);
            cache[p as usize] = Some(Cached::new(edges, complete));
        }

        // Only exact answers now; points left open cannot beat them.
        best.iter_mut().for_each(|b| *b = None);
        for (p, s) in status.iter().enumerate() {
            if let Status::Exact(e) = *s {
                let c = comp[p] as usize;
                best[c] = lighter(best[c], Some(e));
            }
        }
        let mut chosen: Vec<Edge> = best.iter().flatten().copied().collect();
        chosen.sort_unstable_by(Edge::cmp_total);
        chosen.dedup();
        for e in chosen {
            let (ra, rb) = (uf.find(e.lo), uf.find(e.hi));
            if ra != rb {
                uf.union_roots(ra, rb);
                edges.push(e);
            }
        }
    }
    (edges, work)
}

/// Exact edge from the cache or the list, or bounds for a scan.
fn point_status(
    p: usize,
    cached: &mut Option<Cached>,
    low: &mut f64,
    neighbours: &Neighbours,
    core: &[f64],
    comp: &[u32],
) -> Status {
    #[allow(clippy::cast_possible_truncation)] // n < u32::MAX is checked on input.
    let p32 = p as u32;
    if let Some(c) = cached.take() {
        // The first listed component still outside is the nearest one.
        if let Some(&e) = c.edges.iter().find(|e| comp[e.other(p32) as usize] != comp[p]) {
            *cached = Some(c);
            return Status::Exact(e);
        }
        *low = low.max(c.floor);
    }
    let (idx, keys) = neighbours.list(p);
    let mut upper = None;
    for (&b, &key) in idx.iter().zip(keys) {
        if comp[b as usize] != comp[p] {
            let w = key.max(core[p]).max(core[b as usize]);
            upper = lighter(upper, Some(Edge::new(w, p32, b)));
        }
    }
    let bound = low.max(core[p]).max(neighbours.radius(p));
    match upper {
        Some(e) if e.w < bound => {
            *cached = Some(Cached::new(vec![e], false));
            Status::Exact(e)
        }
        _ => Status::Open { lower: bound.min(upper.map_or(f64::INFINITY, |e| e.w)), upper },
    }
}

/// Scans by evaluating every pair with a key function (precomputed matrices, tests).
pub(crate) struct BruteScan<'a, S>(pub(crate) &'a S);

impl<S: crate::space::Space> OutsideScan for BruteScan<'_, S> {
    fn lightest_outside(
        &self,
        rows: &[u32],
        comp: &[u32],
        core: &[f64],
        _upper: &[Option<Edge>],
    ) -> Vec<Vec<Edge>> {
        let n = comp.len();
        rows.par_iter()
            .map(|&a| {
                let a_us = a as usize;
                let mut top = Vec::with_capacity(KEPT_COMPONENTS);
                for b in 0..n {
                    if comp[b] != comp[a_us] {
                        let w = self.0.key(a_us, b).max(core[a_us]).max(core[b]);
                        #[allow(clippy::cast_possible_truncation)] // n < u32::MAX.
                        keep_component(&mut top, comp[b], Edge::new(w, a, b as u32));
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
    use crate::knn;
    use crate::space::{Space, Vectors};
    use ndarray::Array2;

    /// Prim's algorithm on the dense mutual-reachability graph: the oracle.
    fn prim_weights<S: Space>(space: &S, core: &[f64]) -> Vec<f64> {
        let n = space.n();
        let mut in_tree = vec![false; n];
        let mut dist = vec![f64::INFINITY; n];
        let mut current = 0;
        let mut weights = Vec::new();
        for _ in 1..n {
            in_tree[current] = true;
            let mut next = usize::MAX;
            for j in 0..n {
                if in_tree[j] {
                    continue;
                }
                let w = space.key(current, j).max(core[current]).max(core[j]);
                dist[j] = dist[j].min(w);
                if next == usize::MAX || dist[j] < dist[next] {
                    next = j;
                }
            }
            weights.push(dist[next]);
            current = next;
        }
        weights.sort_by(f64::total_cmp);
        weights
    }

    /// Points on a coarse grid (many equal distances) and a few duplicates.
    fn tied_points(n: usize, dims: usize, seed: u64) -> Array2<f64> {
        let mut state = seed;
        Array2::from_shape_fn((n, dims), |(i, _)| {
            if i % 7 == 3 {
                return 1.0;
            }
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            f64::from(u32::try_from(state >> 61).unwrap()) - 3.0
        })
    }

    fn check_against_prim(metric: crate::Metric, dims: usize, seed: u64) {
        check_against_prim_n(metric, 90, dims, seed);
    }

    fn check_against_prim_n(metric: crate::Metric, n: usize, dims: usize, seed: u64) {
        let x = tied_points(n, dims, seed);
        let v = Vectors::new(x.view(), metric).unwrap_or_else(|_| {
            Vectors::new((x.clone() + 10.0).view(), metric).expect("non-zero rows")
        });
        for core_k in [1, 3, 6] {
            let lists = crate::gemm::neighbours(&v, core_k + 4);
            let core = lists.core_keys(core_k);
            let brute = knn::brute_force(&v, core_k + 4);
            assert_eq!(lists.idx, brute.idx, "gemm lists equal brute-force lists");
            assert_eq!(lists.keys, brute.keys);
            let (edges, _) = boruvka(&lists, &core, &crate::gemm::GemmScan(&v));
            let (brute_edges, _) = boruvka(&brute, &core, &BruteScan(&v));
            let mut w: Vec<f64> = edges.iter().map(|e| e.w).collect();
            w.sort_by(f64::total_cmp);
            let mut bw: Vec<f64> = brute_edges.iter().map(|e| e.w).collect();
            bw.sort_by(f64::total_cmp);
            let prim = prim_weights(&v, &core);
            assert_eq!(w, prim, "Borůvka (products) and Prim weights agree");
            assert_eq!(bw, prim, "Borůvka (brute force) and Prim weights agree");
        }
    }

    #[test]
    fn boruvka_matches_prim_on_ties_euclidean() {
        check_against_prim(crate::Metric::Euclidean, 3, 1);
        check_against_prim(crate::Metric::Euclidean, 24, 2);
    }

    #[test]
    fn boruvka_matches_prim_on_ties_cosine() {
        check_against_prim(crate::Metric::Cosine, 5, 3);
        check_against_prim(crate::Metric::Cosine, 40, 4);
    }

    #[test]
    fn many_blocks_match_prim() {
        // More points than one product block: off-diagonal blocks, column
        // visits and scans of scattered subsets.
        check_against_prim_n(crate::Metric::Euclidean, 1300, 12, 5);
        check_against_prim_n(crate::Metric::Cosine, 1100, 30, 6);
    }

    #[test]
    fn spanning_tree_connects_everything() {
        let x = tied_points(60, 4, 9);
        let v = Vectors::new(x.view(), crate::Metric::Euclidean).expect("finite");
        let lists = knn::brute_force(&v, 5);
        let (edges, work) = boruvka(&lists, &lists.core_keys(2), &BruteScan(&v));
        assert_eq!(edges.len(), 59);
        assert!(work.rounds >= 1);
        let mut uf = UnionFind::new(60);
        for e in &edges {
            let (a, b) = (uf.find(e.lo), uf.find(e.hi));
            assert_ne!(a, b, "no cycle");
            uf.union_roots(a, b);
        }
    }
}
