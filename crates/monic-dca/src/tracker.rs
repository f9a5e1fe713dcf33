//! The [`Tracker`]: batches in, one [`BatchAnalysis`] per batch out, with the history
//! needed for novelty and the lineage graph.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::analysis::{
    BatchAnalysis, ClusterTransition, Emergence, InternalChange, NextCluster, Novelty, Origin,
    Piece, Provenance, Reidentification, Target, Transition, TransitionKind,
};
use crate::error::{Error, Result};
use crate::index::{IPartition, IndexMap, Interner, intern};
use crate::lineage::{EdgeKind, LineageEdge, LineageGraph, LineageId, LineageNode};
use crate::params::Params;
use crate::partition::{BatchId, ClusterId, Partition};
use crate::rules::{self, Decision, Flow, OverlapRow, ratio};

/// Slot of a member in the next batch: its cluster index, or noise.
const NOISE: u32 = u32::MAX;

/// Follows clusters batch after batch.
///
/// Each [`Tracker::push`] compares the new batch `t + 1` with the previous batch `t`
/// (transitions, emergence, provenance, internal changes), tests every emerged cluster
/// against the earlier batches within the look-back (novelty or re-identification),
/// assigns lineage ids and extends the lineage graph.
///
/// The history kept for novelty is an inverted index from member to the past clusters
/// that held it, so testing an emerged cluster costs the number of its members times
/// the number of past clusters each belonged to within the look-back, whatever the
/// number of stored batches. With a bounded look-back, entries older than the window
/// are dropped when their member is seen again.
///
/// The tracker derives `Serialize`/`Deserialize`: save and restore it with any serde
/// format (the facade uses bincode). Member ids are stored once, as a list.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(
    serialize = "M: Serialize",
    deserialize = "M: Deserialize<'de> + Clone + Eq + Hash"
))]
pub struct Tracker<M> {
    members: Interner<M>,
    core: Core,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Core {
    params: Params,
    /// The previous batch, compared with the next push.
    prev: Option<PrevBatch>,
    /// `(batch, index of its first node)` for every pushed batch.
    batch_starts: Vec<(BatchId, u32)>,
    /// Per node (past cluster): member weights sorted by member, `None` for unit weights.
    past_weights: Vec<Option<Vec<(u32, f64)>>>,
    /// Per member: the nodes (past clusters) holding it, increasing.
    postings: Vec<Vec<u32>>,
    next_lineage: u64,
    graph: LineageGraph,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PrevBatch {
    batch: BatchId,
    partition: IPartition,
    /// Node index of each cluster.
    nodes: Vec<u32>,
}

/// What the analysis decided that the commit needs beyond the [`BatchAnalysis`].
struct Plan {
    /// Node of the earlier cluster each next cluster was re-identified with.
    reidentified_nodes: Vec<Option<u32>>,
}

impl<M: Clone + Eq + Hash> Tracker<M> {
    /// An empty tracker.
    pub fn new(params: Params) -> Self {
        Self {
            members: Interner::default(),
            core: Core {
                params,
                prev: None,
                batch_starts: Vec::new(),
                past_weights: Vec::new(),
                postings: Vec::new(),
                next_lineage: 0,
                graph: LineageGraph::default(),
            },
        }
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.core.params
    }

    /// The last pushed batch.
    pub fn last_batch(&self) -> Option<BatchId> {
        self.core.batch_starts.last().map(|&(b, _)| b)
    }

    /// Number of pushed batches.
    pub fn n_batches(&self) -> usize {
        self.core.batch_starts.len()
    }

    /// Number of distinct members seen.
    pub fn n_members(&self) -> usize {
        self.members.len()
    }

    /// The lineage graph so far.
    pub fn lineage_graph(&self) -> &LineageGraph {
        &self.core.graph
    }

    /// Analyses a batch against the history and records it.
    ///
    /// # Errors
    ///
    /// [`Error::BatchOutOfOrder`] when `batch` does not exceed the last pushed id,
    /// [`Error::Capacity`] beyond 2³² − 1 distinct members or clusters. On error the
    /// tracker is unchanged.
    pub fn push(
        &mut self,
        batch: impl Into<BatchId>,
        partition: Partition<M>,
    ) -> Result<BatchAnalysis> {
        let batch = batch.into();
        let (next, new_members) = self.prepare(batch, &partition)?;
        let (analysis, plan) = self.core.analyse(batch, &next);
        for m in new_members {
            self.members.push(m);
        }
        self.core.commit(batch, next, &analysis, &plan, self.members.len());
        Ok(analysis)
    }

    /// Analyses a batch as [`Tracker::push`] would, without recording it.
    ///
    /// # Errors
    ///
    /// As [`Tracker::push`].
    pub fn analyse(
        &self,
        batch: impl Into<BatchId>,
        partition: &Partition<M>,
    ) -> Result<BatchAnalysis> {
        let batch = batch.into();
        let (next, _) = self.prepare(batch, partition)?;
        Ok(self.core.analyse(batch, &next).0)
    }

    fn prepare(&self, batch: BatchId, partition: &Partition<M>) -> Result<(IPartition, Vec<M>)> {
        if let Some(last) = self.last_batch()
            && batch <= last
        {
            return Err(Error::BatchOutOfOrder { batch: batch.0, last: last.0 });
        }
        let limit = u64::from(u32::MAX - 1);
        let n_members = self.members.len() + partition.n_members();
        if n_members as u64 > limit {
            return Err(Error::Capacity { what: "members", limit });
        }
        if (self.core.graph.n_nodes() + partition.n_clusters()) as u64 > limit {
            return Err(Error::Capacity { what: "clusters over all batches", limit });
        }
        Ok(intern(&self.members, partition))
    }
}

/// Two-batch comparison: the analysis of `next` against `prev`, as the second push of a
/// fresh tracker (batch ids 0 and 1; novelty then only sees `prev`).
///
/// # Errors
///
/// None in practice: the batch ids are fixed and increasing.
pub fn compare<M: Clone + Eq + Hash>(
    prev: &Partition<M>,
    next: &Partition<M>,
    params: Params,
) -> Result<BatchAnalysis> {
    let mut tracker = Tracker::new(params);
    tracker.push(0, prev.clone())?;
    tracker.push(1, next.clone())
}

/// Per next cluster: the flows in from clusters of `t`, `(cluster index of t, w_Y(X∩Y))`.
type Columns = Vec<Vec<(usize, f64)>>;

impl Core {
    fn analyse(&self, batch: BatchId, next: &IPartition) -> (BatchAnalysis, Plan) {
        let mut analysis = BatchAnalysis {
            batch,
            previous: self.prev.as_ref().map(|p| p.batch),
            transitions: Vec::new(),
            clusters: Vec::new(),
            counts: Default::default(),
        };
        let mut plan = Plan { reidentified_nodes: vec![None; next.ids.len()] };
        let Some(prev) = &self.prev else {
            analysis.clusters = first_batch(next, self.next_lineage);
            analysis.count();
            return (analysis, plan);
        };

        // Where every member of t + 1 sits, then where each cluster of t went.
        let slots = slot_map(next);
        let rows = overlap_rows(&prev.partition, next, &slots);
        let noise_in = backward_noise(&prev.partition, next, &slots);
        let mut columns: Columns = vec![Vec::new(); next.ids.len()];
        for (i, row) in rows.iter().enumerate() {
            for f in &row.to_clusters {
                columns[cluster_index(next, f.cluster)].push((i, f.backward));
            }
        }

        // Transitions of t, then the one survivor (if any) of each cluster of t + 1.
        let p = &self.params;
        let decisions: Vec<Decision> = rows
            .iter()
            .map(|r| rules::decide(r, p.match_threshold(), p.split_threshold()))
            .collect();
        let survived = resolve(&rows, &decisions, next, p.match_threshold());
        let mut predecessor: Vec<Option<usize>> = vec![None; next.ids.len()];
        let mut absorbed_into: Vec<Vec<ClusterId>> = vec![Vec::new(); next.ids.len()];
        for (i, row) in rows.iter().enumerate() {
            let lineage = self.graph.node(prev.nodes[i]).lineage;
            let transition = transition(row, &decisions[i], survived[i], next, p);
            match &transition {
                Transition::Survived { into, .. } => {
                    predecessor[cluster_index(next, into.cluster)] = Some(i);
                }
                Transition::Absorbed { into } => {
                    absorbed_into[cluster_index(next, into.cluster)].push(prev.partition.ids[i]);
                }
                _ => {}
            }
            analysis.transitions.push(ClusterTransition {
                cluster: prev.partition.ids[i],
                lineage,
                n_members: prev.partition.clusters[i].members.len(),
                weight: row.weight,
                activity: row.activity(),
                noise_share: if decisions[i] == Decision::Inactive {
                    0.0
                } else {
                    row.noise_share()
                },
                transition,
            });
        }

        // Origins of t + 1: survivors first, then emerged clusters with novelty.
        let novelty = self.novelty(batch, next, &predecessor);
        let mut used: HashSet<LineageId> = HashSet::new();
        for (j, group) in next.clusters.iter().enumerate() {
            let (origin, lineage) = match predecessor[j] {
                Some(i) => {
                    let lineage = self.graph.node(prev.nodes[i]).lineage;
                    used.insert(lineage);
                    (Origin::Survived { from: prev.partition.ids[i] }, lineage)
                }
                None => {
                    let provenance =
                        provenance(&prev.partition, group.total, noise_in[j], &columns[j]);
                    let (novelty, node) = match novelty[j] {
                        Some((node, overlap)) => {
                            let n = self.graph.node(node);
                            let r = Reidentification {
                                batch: n.batch,
                                cluster: n.cluster,
                                lineage: n.lineage,
                                overlap,
                                restored: false,
                            };
                            (Novelty::Reidentified(r), Some(node))
                        }
                        None => (Novelty::Novel, None),
                    };
                    plan.reidentified_nodes[j] = node;
                    let absorbed = std::mem::take(&mut absorbed_into[j]);
                    (Origin::Emerged(Emergence { provenance, absorbed, novelty }), LineageId(0))
                }
            };
            analysis.clusters.push(NextCluster {
                cluster: next.ids[j],
                lineage,
                n_members: group.members.len(),
                weight: group.total,
                origin,
            });
        }
        assign_lineages(&mut analysis.clusters, &mut used, self.next_lineage);
        analysis.count();
        (analysis, plan)
    }

    /// For every emerged cluster of `t + 1`, the best earlier cluster within the
    /// look-back reaching the threshold: `(node, backward overlap)`.
    fn novelty(
        &self,
        batch: BatchId,
        next: &IPartition,
        predecessor: &[Option<usize>],
    ) -> Vec<Option<(u32, f64)>> {
        let lb = self.params.look_back();
        let mut out = vec![None; next.ids.len()];
        let Some((lo, hi)) = self.node_window(batch) else { return out };
        if predecessor.iter().all(Option::is_some) {
            return out;
        }
        let mut acc = vec![0.0f64; hi as usize - lo as usize];
        let mut touched: Vec<u32> = Vec::new();
        for (j, group) in next.clusters.iter().enumerate() {
            if predecessor[j].is_some() {
                continue;
            }
            for &m in &group.members {
                for g in self.postings_in(m, lo, hi) {
                    let a = &mut acc[(g - lo) as usize];
                    if *a == 0.0 {
                        touched.push(g);
                    }
                    *a += self.member_weight(g, m);
                }
            }
            let active = if lb.normalise {
                self.active_weights(next, &touched, lo, hi)
            } else {
                IndexMap::default()
            };
            let mut best: Option<(u32, f64)> = None;
            for &g in &touched {
                let shared = acc[(g - lo) as usize];
                let total = self.graph.node(g).weight;
                let x_active = active.get(&g).copied().unwrap_or(0.0);
                let ol = rules::backward_overlap(shared, total, x_active, lb.normalise);
                if ol >= lb.threshold && best.is_none_or(|b| self.better((g, ol), b)) {
                    best = Some((g, ol));
                }
            }
            for &g in &touched {
                acc[(g - lo) as usize] = 0.0;
            }
            touched.clear();
            out[j] = best;
        }
        out
    }

    /// Whether candidate `a` beats `b`: larger overlap, then later batch, then smaller
    /// cluster id.
    fn better(&self, a: (u32, f64), b: (u32, f64)) -> bool {
        let (na, nb) = (self.graph.node(a.0), self.graph.node(b.0));
        match a.1.partial_cmp(&b.1) {
            Some(Ordering::Greater) => true,
            Some(Ordering::Equal) => (na.batch, std::cmp::Reverse(na.cluster))
                .cmp(&(nb.batch, std::cmp::Reverse(nb.cluster)))
                .is_gt(),
            _ => false,
        }
    }

    /// `w(X ∩ U_{t+1})` for the candidate nodes, by one pass over today's members.
    fn active_weights(
        &self,
        next: &IPartition,
        candidates: &[u32],
        lo: u32,
        hi: u32,
    ) -> IndexMap<f64> {
        let mut active: IndexMap<f64> = candidates.iter().map(|&g| (g, 0.0)).collect();
        let groups = next.clusters.iter().chain(std::iter::once(&next.noise));
        for &m in groups.flat_map(|g| g.members.iter()) {
            for g in self.postings_in(m, lo, hi) {
                if let Some(a) = active.get_mut(&g) {
                    *a += self.member_weight(g, m);
                }
            }
        }
        active
    }

    /// The node range `[lo, hi)` of the batches within the look-back of `batch`.
    fn node_window(&self, batch: BatchId) -> Option<(u32, u32)> {
        let lb = self.params.look_back();
        let n_nodes = self.past_weights.len() as u32;
        let starts = &self.batch_starts;
        // Batches increase, so "too old" holds for a prefix and "old enough" for a prefix.
        let first =
            starts.partition_point(|&(b, _)| lb.max_lag.is_some_and(|max| batch.0 - b.0 > max));
        let end = starts.partition_point(|&(b, _)| batch.0 - b.0 >= lb.min_lag);
        if first >= end {
            return None;
        }
        let lo = starts[first].1;
        let hi = starts.get(end).map_or(n_nodes, |&(_, n)| n);
        (lo < hi).then_some((lo, hi))
    }

    fn postings_in(&self, m: u32, lo: u32, hi: u32) -> impl Iterator<Item = u32> + '_ {
        let list = self.postings.get(m as usize).map_or(&[][..], Vec::as_slice);
        let start = list.partition_point(|&g| g < lo);
        list[start..].iter().copied().take_while(move |&g| g < hi)
    }

    fn member_weight(&self, node: u32, m: u32) -> f64 {
        match &self.past_weights[node as usize] {
            None => 1.0,
            Some(w) => w.binary_search_by_key(&m, |&(k, _)| k).map_or(0.0, |i| w[i].1),
        }
    }

    fn commit(
        &mut self,
        batch: BatchId,
        next: IPartition,
        analysis: &BatchAnalysis,
        plan: &Plan,
        n_members: usize,
    ) {
        // Close the previous batch's nodes with their transitions.
        if let Some(prev) = &self.prev {
            for (t, &node) in analysis.transitions.iter().zip(&prev.nodes) {
                self.graph.node_mut(node).transition = Some(t.transition.kind());
            }
        }

        // One node per new cluster, then its edges.
        let first_node = self.past_weights.len() as u32;
        let mut nodes = Vec::with_capacity(next.ids.len());
        for (c, group) in analysis.clusters.iter().zip(&next.clusters) {
            nodes.push(self.graph.add_node(LineageNode {
                batch,
                cluster: c.cluster,
                lineage: c.lineage,
                n_members: c.n_members,
                weight: c.weight,
                novel: c.is_novel(),
                transition: None,
            }));
            self.past_weights.push(group.weights.as_ref().map(|w| {
                let mut pairs: Vec<(u32, f64)> =
                    group.members.iter().copied().zip(w.iter().copied()).collect();
                pairs.sort_unstable_by_key(|&(m, _)| m);
                pairs
            }));
        }
        if let Some(prev) = &self.prev {
            for (t, &from) in analysis.transitions.iter().zip(&prev.nodes) {
                let kind = match t.transition.kind() {
                    TransitionKind::Survived => EdgeKind::Survived,
                    TransitionKind::Absorbed => EdgeKind::Absorbed,
                    TransitionKind::Split => EdgeKind::Split,
                    TransitionKind::Inactive | TransitionKind::Disappeared => continue,
                };
                for target in t.transition.targets() {
                    let to = nodes[cluster_index(&next, target.cluster)];
                    self.graph.add_edge(from, to, LineageEdge { kind, overlap: target.overlap });
                }
            }
        }
        for (j, c) in analysis.clusters.iter().enumerate() {
            if let (Some(from), Some(r)) = (plan.reidentified_nodes[j], c.reidentification()) {
                let edge = LineageEdge { kind: EdgeKind::Reidentified, overlap: r.overlap };
                self.graph.add_edge(from, nodes[j], edge);
            }
        }

        // Index the new clusters' members, dropping postings out of the look-back.
        self.postings.resize_with(n_members, Vec::new);
        self.batch_starts.push((batch, first_node));
        let cut = self.prune_before(batch);
        for (group, &node) in next.clusters.iter().zip(&nodes) {
            for &m in &group.members {
                let list = &mut self.postings[m as usize];
                if cut > 0 && list.first().is_some_and(|&g| g < cut) {
                    let keep = list.partition_point(|&g| g < cut);
                    list.drain(..keep);
                }
                list.push(node);
            }
        }
        let max_lineage = analysis.clusters.iter().map(|c| c.lineage.0 + 1).max().unwrap_or(0);
        self.next_lineage = self.next_lineage.max(max_lineage);
        self.prev = Some(PrevBatch { batch, partition: next, nodes });
    }

    /// First node still reachable by a later batch's look-back.
    fn prune_before(&self, batch: BatchId) -> u32 {
        let Some(max) = self.params.look_back().max_lag else { return 0 };
        // A later batch q > batch sees lags q - b >= batch + 1 - b; keep b + max > batch.
        let idx = self.batch_starts.partition_point(|&(b, _)| b.0 + max <= batch.0);
        self.batch_starts.get(idx).map_or(self.past_weights.len() as u32, |&(_, n)| n)
    }
}

fn first_batch(next: &IPartition, next_lineage: u64) -> Vec<NextCluster> {
    next.ids
        .iter()
        .zip(&next.clusters)
        .zip(next_lineage..)
        .map(|((&cluster, g), l)| NextCluster {
            cluster,
            lineage: LineageId(l),
            n_members: g.members.len(),
            weight: g.total,
            origin: Origin::FirstBatch,
        })
        .collect()
}

fn cluster_index(p: &IPartition, id: ClusterId) -> usize {
    // Targets always come from `p.ids`, so the search cannot fail.
    p.ids.binary_search(&id).unwrap_or(0)
}

/// Member → (cluster index or [`NOISE`], position in its group) for one partition.
fn slot_map(p: &IPartition) -> IndexMap<(u32, u32)> {
    let n = p.clusters.iter().map(|g| g.members.len()).sum::<usize>() + p.noise.members.len();
    let mut slots = IndexMap::with_capacity_and_hasher(n, Default::default());
    for (j, g) in p.clusters.iter().enumerate() {
        for (pos, &m) in g.members.iter().enumerate() {
            slots.insert(m, (j as u32, pos as u32));
        }
    }
    for (pos, &m) in p.noise.members.iter().enumerate() {
        slots.insert(m, (NOISE, pos as u32));
    }
    slots
}

/// One [`OverlapRow`] per cluster of `prev`.
fn overlap_rows(
    prev: &IPartition,
    next: &IPartition,
    slots: &IndexMap<(u32, u32)>,
) -> Vec<OverlapRow> {
    let mut fwd = vec![0.0f64; next.clusters.len()];
    let mut bwd = vec![0.0f64; next.clusters.len()];
    let mut touched: Vec<u32> = Vec::new();
    prev.clusters
        .iter()
        .map(|x| {
            let mut to_noise = 0.0;
            for (pos, &m) in x.members.iter().enumerate() {
                let Some(&(slot, npos)) = slots.get(&m) else { continue };
                if slot == NOISE {
                    to_noise += x.weight(pos);
                    continue;
                }
                let j = slot as usize;
                if fwd[j] == 0.0 {
                    touched.push(slot);
                }
                fwd[j] += x.weight(pos);
                bwd[j] += next.clusters[j].weight(npos as usize);
            }
            touched.sort_unstable();
            let to_clusters = touched
                .drain(..)
                .map(|j| {
                    let j = j as usize;
                    let flow = Flow {
                        cluster: next.ids[j],
                        forward: fwd[j],
                        backward: bwd[j],
                        target_weight: next.clusters[j].total,
                    };
                    fwd[j] = 0.0;
                    bwd[j] = 0.0;
                    flow
                })
                .collect();
            OverlapRow { weight: x.total, to_noise, to_clusters }
        })
        .collect()
}

/// `w_Y(Y ∩ N_t)` for every cluster `Y` of `next`.
fn backward_noise(prev: &IPartition, next: &IPartition, slots: &IndexMap<(u32, u32)>) -> Vec<f64> {
    let mut out = vec![0.0; next.clusters.len()];
    for &m in &prev.noise.members {
        if let Some(&(slot, pos)) = slots.get(&m)
            && slot != NOISE
        {
            out[slot as usize] += next.clusters[slot as usize].weight(pos as usize);
        }
    }
    out
}

/// Per cluster of `t`: whether its strong match survived (see
/// [`rules::resolve_strong_matches`]).
fn resolve(rows: &[OverlapRow], decisions: &[Decision], next: &IPartition, t0: f64) -> Vec<bool> {
    let mut by_target: Vec<Vec<(usize, f64)>> = vec![Vec::new(); next.ids.len()];
    for (i, d) in decisions.iter().enumerate() {
        if let Decision::StrongMatch(y) = d {
            let flow = rows[i].to_clusters.iter().find(|f| f.cluster == *y);
            let back = flow.map_or(0.0, |f| ratio(f.backward, f.target_weight));
            by_target[cluster_index(next, *y)].push((i, back));
        }
    }
    let mut survived = vec![false; rows.len()];
    for candidates in &by_target {
        let backs: Vec<f64> = candidates.iter().map(|&(_, b)| b).collect();
        for (&(i, _), ok) in candidates.iter().zip(rules::resolve_strong_matches(&backs, t0)) {
            survived[i] = ok;
        }
    }
    survived
}

fn target(row: &OverlapRow, flow: &Flow) -> Target {
    Target {
        cluster: flow.cluster,
        overlap: ratio(flow.forward, row.weight),
        share: row.share(flow),
        backward_overlap: ratio(flow.backward, flow.target_weight),
    }
}

fn transition(
    row: &OverlapRow,
    d: &Decision,
    survived: bool,
    next: &IPartition,
    p: &Params,
) -> Transition {
    let flow_to = |y: ClusterId| row.to_clusters.iter().find(|f| f.cluster == y);
    match d {
        Decision::Inactive => Transition::Inactive,
        Decision::Disappeared(cause) => Transition::Disappeared { cause: *cause },
        Decision::Split(parts) => Transition::Split {
            parts: parts.iter().filter_map(|&y| flow_to(y)).map(|f| target(row, f)).collect(),
        },
        Decision::StrongMatch(y) => {
            // `decide` only names clusters taken from the row's flows.
            let Some(flow) = flow_to(*y) else { return Transition::Inactive };
            let into = target(row, flow);
            if !survived {
                return Transition::Absorbed { into };
            }
            let y_weight = next.clusters[cluster_index(next, *y)].total;
            let internal = InternalChange {
                size_ratio: ratio(y_weight, row.weight),
                size: rules::size_change(row.weight, y_weight, p.size_change_threshold()),
                left: 1.0 - into.overlap,
                joined: 1.0 - into.backward_overlap,
            };
            Transition::Survived { into, internal }
        }
    }
}

fn provenance(
    prev: &IPartition,
    y_weight: f64,
    from_noise_w: f64,
    column: &[(usize, f64)],
) -> Provenance {
    let pieces: Vec<Piece> = column
        .iter()
        .map(|&(i, w)| Piece { cluster: prev.ids[i], share: ratio(w, y_weight) })
        .collect();
    let from_noise = ratio(from_noise_w, y_weight);
    let present: f64 = from_noise_w + column.iter().map(|&(_, w)| w).sum::<f64>();
    let from_absent = ratio(y_weight - present, y_weight).max(0.0);
    let from_clusters: f64 = pieces.iter().map(|p| p.share).sum();
    Provenance {
        kind: rules::provenance_kind(from_noise, from_absent, from_clusters),
        from_noise,
        from_absent,
        pieces,
    }
}

/// Survivors already hold their lineage (`used`). Re-identified clusters, best overlap
/// first (ties: smaller cluster id), take their old lineage back when free; every other
/// emerged cluster gets a fresh id, in increasing cluster id order.
fn assign_lineages(clusters: &mut [NextCluster], used: &mut HashSet<LineageId>, next_lineage: u64) {
    let mut claims: Vec<(usize, f64, LineageId)> = clusters
        .iter()
        .enumerate()
        .filter_map(|(j, c)| c.reidentification().map(|r| (j, r.overlap, r.lineage)))
        .collect();
    claims.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    for (j, _, lineage) in claims {
        if used.insert(lineage) {
            clusters[j].lineage = lineage;
            if let Origin::Emerged(Emergence { novelty: Novelty::Reidentified(r), .. }) =
                &mut clusters[j].origin
            {
                r.restored = true;
            }
        }
    }
    let mut fresh = next_lineage;
    for c in clusters.iter_mut() {
        let restored = c.reidentification().is_some_and(|r| r.restored);
        if c.is_emerged() && !restored {
            c.lineage = LineageId(fresh);
            fresh += 1;
        }
    }
}
