//! Single-linkage dendrogram, condensed tree, cluster selection and the
//! per-point outputs, following the `hdbscan` package's definitions.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::mst::{Edge, UnionFind};
use crate::params::{ClusterSelection, Params};

/// One row of the condensed tree, as the reference's `condensed_tree_`.
///
/// Clusters are numbered from `n_points` (the root) upwards in breadth-first
/// order; a `child` below `n_points` is a point that leaves `parent` at
/// `lambda`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CondensedRow {
    /// Cluster id (`>= n_points`).
    pub parent: usize,
    /// Point index (`< n_points`) or cluster id.
    pub child: usize,
    /// `1 / distance` at which the child leaves or splits off; infinite for
    /// distance zero (serialised as `null`).
    #[serde(with = "lambda_serde")]
    pub lambda: f64,
    /// Points in the child (1 for a point).
    pub child_size: usize,
}

/// The condensed cluster tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CondensedTree {
    /// Number of points; also the id of the root cluster.
    pub n_points: usize,
    /// Rows in breadth-first order of the parents.
    pub rows: Vec<CondensedRow>,
}

mod lambda_serde {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[allow(clippy::trivially_copy_pass_by_ref)] // serde's `with` signature.
    pub(super) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        v.is_finite().then_some(*v).serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
    }
}

/// Multi-way single-linkage dendrogram: equal-weight merges form one node.
pub(crate) struct Dendrogram {
    n: usize,
    kid_start: Vec<usize>,
    kids: Vec<usize>,
    dist: Vec<f64>,
    size: Vec<usize>,
}

impl Dendrogram {
    fn n_nodes(&self) -> usize {
        self.n + self.dist.len()
    }

    fn kids(&self, node: usize) -> &[usize] {
        let i = node - self.n;
        &self.kids[self.kid_start[i]..self.kid_start[i + 1]]
    }

    fn size(&self, node: usize) -> usize {
        if node < self.n { 1 } else { self.size[node - self.n] }
    }

    /// Points below `node`, ascending.
    fn points(&self, node: usize, out: &mut Vec<usize>) {
        let start = out.len();
        let mut stack = vec![node];
        while let Some(x) = stack.pop() {
            if x < self.n { out.push(x) } else { stack.extend_from_slice(self.kids(x)) }
        }
        out[start..].sort_unstable();
    }
}

/// Builds the dendrogram from the spanning-tree edges sorted by weight.
///
/// All edges of one weight are merged together, so the components at every
/// height, and therefore the tree, do not depend on which of several
/// equal-weight spanning trees was found or on the row order.
pub(crate) fn dendrogram(n: usize, edges: &[Edge], to_distance: impl Fn(f64) -> f64) -> Dendrogram {
    let mut uf = UnionFind::new(n);
    let mut node_of: Vec<usize> = (0..n).collect();
    let mut min_point: Vec<usize> = (0..n).collect();
    let mut node_size = vec![1_usize; n];
    let mut d = Dendrogram { n, kid_start: vec![0], kids: vec![], dist: vec![], size: vec![] };
    let mut group: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut i = 0;
    while i < edges.len() {
        let w = edges[i].w;
        let mut j = i;
        while j < edges.len() && edges[j].w == w {
            let (ra, rb) = (uf.find(edges[j].lo), uf.find(edges[j].hi));
            let mut ka = group.remove(&ra).unwrap_or_else(|| vec![node_of[ra as usize]]);
            let kb = group.remove(&rb).unwrap_or_else(|| vec![node_of[rb as usize]]);
            ka.extend(kb);
            group.insert(uf.union_roots(ra, rb), ka);
            j += 1;
        }
        let mut merged: Vec<(usize, u32, Vec<usize>)> = group
            .drain()
            .map(|(root, mut kids)| {
                kids.sort_unstable_by_key(|&k| min_point[k]);
                (min_point[kids[0]], root, kids)
            })
            .collect();
        merged.sort_unstable_by_key(|m| m.0);
        for (first, root, kids) in merged {
            let id = d.n_nodes();
            let size = kids.iter().map(|&k| node_size[k]).sum();
            d.kids.extend_from_slice(&kids);
            d.kid_start.push(d.kids.len());
            d.dist.push(to_distance(w));
            d.size.push(size);
            node_of[root as usize] = id;
            min_point.push(first);
            node_size.push(size);
        }
        i = j;
    }
    d
}

/// Condenses the dendrogram by `min_cluster_size`, as the reference does:
/// a node with two or more children of at least `min_cluster_size` points
/// splits into new clusters; smaller children fall out as points.
pub(crate) fn condense(d: &Dendrogram, min_cluster_size: usize) -> CondensedTree {
    let n = d.n;
    let mut rows = Vec::with_capacity(2 * n);
    let mut next_label = n + 1;
    let mut queue = VecDeque::from([(d.n_nodes() - 1, n)]);
    let mut points = Vec::new();
    while let Some((node, label)) = queue.pop_front() {
        let dist = d.dist[node - n];
        let lambda = if dist > 0.0 { 1.0 / dist } else { f64::INFINITY };
        let kids = d.kids(node);
        let n_big = kids.iter().filter(|&&k| d.size(k) >= min_cluster_size).count();
        for &kid in kids {
            let size = d.size(kid);
            if size < min_cluster_size {
                points.clear();
                d.points(kid, &mut points);
                rows.extend(points.iter().map(|&p| CondensedRow {
                    parent: label,
                    child: p,
                    lambda,
                    child_size: 1,
                }));
            } else if n_big >= 2 {
                rows.push(CondensedRow {
                    parent: label,
                    child: next_label,
                    lambda,
                    child_size: size,
                });
                queue.push_back((kid, next_label));
                next_label += 1;
            } else {
                queue.push_back((kid, label));
            }
        }
    }
    CondensedTree { n_points: n, rows }
}

/// Flat clustering read from a condensed tree.
pub(crate) struct Flat {
    pub(crate) labels: Vec<i32>,
    pub(crate) probabilities: Vec<f64>,
    pub(crate) outlier_scores: Vec<f64>,
    pub(crate) persistence: Vec<f64>,
}

/// Per-cluster facts gathered from the rows (index = cluster id - n).
struct Clusters {
    parent: Vec<Option<usize>>,
    birth: Vec<f64>,
    size: Vec<usize>,
    stability: Vec<f64>,
    death: Vec<f64>,
    kids: Vec<Vec<usize>>,
    point_parent: Vec<usize>,
    point_lambda: Vec<f64>,
}

impl Clusters {
    fn new(tree: &CondensedTree) -> Self {
        let n = tree.n_points;
        let m =
            tree.rows.iter().map(|r| r.parent.max(r.child) + 1).max().unwrap_or(n + 1).max(n + 1)
                - n;
        let mut c = Clusters {
            parent: vec![None; m],
            birth: vec![0.0; m],
            size: vec![0; m],
            stability: vec![0.0; m],
            death: vec![0.0; m],
            kids: vec![Vec::new(); m],
            point_parent: vec![n; n],
            point_lambda: vec![0.0; n],
        };
        for r in &tree.rows {
            if r.child >= n {
                let k = r.child - n;
                c.parent[k] = Some(r.parent);
                c.birth[k] = r.lambda;
                c.size[k] = r.child_size;
                c.kids[r.parent - n].push(r.child);
            } else {
                c.point_parent[r.child] = r.parent;
                c.point_lambda[r.child] = r.lambda;
            }
            let death = &mut c.death[r.parent - n];
            *death = death.max(r.lambda);
        }
        for r in &tree.rows {
            let p = r.parent - n;
            #[allow(clippy::cast_precision_loss)] // sizes are far below 2^52.
            let weight = r.child_size as f64;
            c.stability[p] += (r.lambda - c.birth[p]) * weight;
        }
        c
    }
}

/// Selects clusters and computes labels, probabilities, GLOSH scores and persistence.
pub(crate) fn flat(tree: &CondensedTree, params: &Params) -> Flat {
    let n = tree.n_points;
    let mut c = Clusters::new(tree);
    let m = c.parent.len();
    let root = n;
    let single = params.allow_single_cluster;
    let epsilon = params.cluster_selection_epsilon;
    let has_tree = m > 1;
    if single {
        c.size[0] = c.kids[0].iter().map(|&k| c.size[k - n]).sum();
    }

    let selected: Vec<usize> = match params.cluster_selection {
        ClusterSelection::ExcessOfMass => {
            let eom = excess_of_mass(&mut c, n, params);
            if epsilon != 0.0 && has_tree {
                if eom == [root] {
                    if single { eom } else { Vec::new() }
                } else {
                    epsilon_search(&c, n, &eom, epsilon, single)
                }
            } else {
                eom
            }
        }
        ClusterSelection::Leaf => {
            let leaves: Vec<usize> = if has_tree {
                (n + 1..n + m).filter(|&k| c.kids[k - n].is_empty()).collect()
            } else {
                Vec::new()
            };
            if epsilon != 0.0 { epsilon_search(&c, n, &leaves, epsilon, single) } else { leaves }
        }
    };
    label_points(&c, n, &selected, params)
}

/// Excess of mass, bottom-up in descending id order (children have larger ids).
fn excess_of_mass(c: &mut Clusters, n: usize, params: &Params) -> Vec<usize> {
    let m = c.parent.len();
    let max_size = params.max_cluster_size.unwrap_or(usize::MAX);
    let first = if params.allow_single_cluster { 0 } else { 1 };
    let mut keep = vec![false; m];
    for k in (first..m).rev() {
        let subtree: f64 = c.kids[k].iter().map(|&kid| c.stability[kid - n]).sum();
        if subtree > c.stability[k] || c.size[k] > max_size {
            c.stability[k] = subtree;
        } else {
            keep[k] = true;
        }
    }
    // A kept cluster is selected unless an ancestor is kept too.
    let mut covered = vec![false; m];
    let mut selected = Vec::new();
    for k in 0..m {
        let above = c.parent[k].is_some_and(|p| covered[p - n]);
        if keep[k] && !above {
            selected.push(n + k);
        }
        covered[k] = above || keep[k];
    }
    selected
}

/// Replaces clusters born below `epsilon` by their lowest ancestor born above it.
fn epsilon_search(
    c: &Clusters,
    n: usize,
    from: &[usize],
    epsilon: f64,
    single: bool,
) -> Vec<usize> {
    let birth_eps = |k: usize| 1.0 / c.birth[k - n];
    let mut selected = Vec::new();
    let mut processed = vec![false; c.parent.len()];
    let mut sorted = from.to_vec();
    sorted.sort_unstable();
    for &leaf in &sorted {
        if birth_eps(leaf) < epsilon {
            if processed[leaf - n] {
                continue;
            }
            let mut node = leaf;
            let chosen = loop {
                let parent = c.parent[node - n].unwrap_or(n);
                if parent == n {
                    break if single { parent } else { node };
                }
                if birth_eps(parent) > epsilon {
                    break parent;
                }
                node = parent;
            };
            selected.push(chosen);
            let mut stack: Vec<usize> = c.kids[chosen - n].clone();
            while let Some(k) = stack.pop() {
                processed[k - n] = true;
                stack.extend_from_slice(&c.kids[k - n]);
            }
        } else {
            selected.push(leaf);
        }
    }
    selected.sort_unstable();
    selected.dedup();
    selected
}

/// Labels, probabilities, GLOSH scores and persistence for a selection.
fn label_points(c: &Clusters, n: usize, selected: &[usize], params: &Params) -> Flat {
    let m = c.parent.len();
    let mut label_of = vec![-1_i32; m];
    for (i, &k) in selected.iter().enumerate() {
        label_of[k - n] = i32::try_from(i).unwrap_or(i32::MAX);
    }
    // Nearest selected ancestor-or-self of every cluster, top-down.
    let mut owner: Vec<Option<usize>> = vec![None; m];
    for k in 0..m {
        owner[k] = if label_of[k] >= 0 { Some(k) } else { c.parent[k].and_then(|p| owner[p - n]) };
    }
    let only_root = selected == [n] && params.allow_single_cluster;
    let epsilon = params.cluster_selection_epsilon;
    let max_lambda = c.point_lambda.iter().chain(&c.birth).fold(0.0_f64, |a, &b| a.max(b));

    let mut labels = vec![-1_i32; n];
    let mut probabilities = vec![0.0; n];
    for p in 0..n {
        let lambda = c.point_lambda[p];
        let Some(k) = owner[c.point_parent[p] - n] else { continue };
        if k == 0 {
            let member = if !only_root {
                false
            } else if epsilon != 0.0 {
                lambda >= 1.0 / epsilon
            } else {
                lambda >= c.death[0]
            };
            if !member {
                continue;
            }
        }
        labels[p] = label_of[k];
        let death = c.death[k];
        probabilities[p] =
            if death == 0.0 || !lambda.is_finite() { 1.0 } else { lambda.min(death) / death };
    }

    let outlier_scores = glosh(c, n);
    let mut sizes = vec![0_usize; selected.len()];
    for &l in labels.iter().filter(|&&l| l >= 0) {
        sizes[l.unsigned_abs() as usize] += 1;
    }
    let persistence = selected
        .iter()
        .zip(&sizes)
        .map(|(&k, &size)| {
            if !max_lambda.is_finite() || max_lambda == 0.0 || size == 0 {
                1.0
            } else {
                #[allow(clippy::cast_precision_loss)] // sizes are far below 2^52.
                let s = size as f64;
                c.stability[k - n] / (s * max_lambda)
            }
        })
        .collect();
    Flat { labels, probabilities, outlier_scores, persistence }
}

/// GLOSH: `1 - lambda(point) / max lambda below the point's cluster`.
fn glosh(c: &Clusters, n: usize) -> Vec<f64> {
    let m = c.parent.len();
    let mut deepest = c.death.clone();
    for k in (1..m).rev() {
        if let Some(p) = c.parent[k] {
            deepest[p - n] = deepest[p - n].max(deepest[k]);
        }
    }
    (0..n)
        .map(|p| {
            let lambda = c.point_lambda[p];
            let top = deepest[c.point_parent[p] - n];
            if top == 0.0 || !lambda.is_finite() {
                0.0
            } else if !top.is_finite() {
                1.0
            } else {
                (top - lambda) / top
            }
        })
        .collect()
}
