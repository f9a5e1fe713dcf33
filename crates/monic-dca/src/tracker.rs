//! The [`Tracker`]: batches in, one [`BatchAnalysis`] per batch out, with the history
//! needed for novelty and the lineage graph.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hash, RandomState};

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

/// Slot of a member in the previous batch: its cluster index, or noise, or absent.
const NOISE: u32 = u32::MAX;
const ABSENT: u64 = u64::MAX;

/// Packs (cluster index or [`NOISE`], position in the group) into one word.
fn pack_slot(slot: u32, pos: usize) -> u64 {
    (u64::from(slot) << 32) | pos as u64
}

/// An earlier cluster matching an emerged one.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    node: u32,
    overlap: f64,
    shared: f64,
}

/// The overlaps between two batches, both ways.
struct Flows {
    /// One row per cluster of `t`.
    rows: Vec<OverlapRow>,
    /// Per cluster of `t + 1`: `(cluster index of t, w_Y(X ∩ Y))`, increasing.
    columns: Columns,
    /// Per cluster of `t + 1`: `w_Y(Y ∩ N_t)`.
    noise_in: Vec<f64>,
}

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
/// format (the facade uses bincode). Member ids are stored once, as a list; derived
/// lookup tables are rebuilt on load.
///
/// # Decisions on open cases
///
/// - *First batch.* Its clusters get fresh lineages and [`Origin::FirstBatch`]; they
///   are not counted as emerged and have no transitions. Novelty needs history, so
///   the first batch is the first one *with a cluster*: when the first batches hold
///   only noise (a cold start), the clusters of the first batch that has any are
///   `FirstBatch` too, not novel. Example: batch 0 all noise `{1..5}`, batch 1
///   `Y = {1..10}`: `Y` is `FirstBatch`, lineage L0.
/// - *Successors are not novel.* When lag 1 is in the look-back (the paper's rule),
///   the transition rules have already compared `t` with `t + 1`, using the active
///   shares `r`; an emerged `Y` into which a cluster of `t` split or was absorbed
///   continues that cluster, so when no earlier cluster reaches the look-back
///   threshold it is [`Novelty::Successor`] (fresh lineage), not novel. Example:
///   `X = {1..10}` splits into `Y1 = {1..5} ∪ {11..20}` (`r = 0.5`) and
///   `Y2 = {6..9} ∪ {21..30}` (`r = 0.4`), 10 in noise; `OL(X, Y1) = 0.5` and
///   `OL(X, Y2) = 0.4` stay below 0.65, yet both are successors of `X`. With the
///   reference preset (lags from 2) both are novel, as in the reference code.
/// - *Gaps.* Batch ids need only increase; `t` is always the previously pushed batch,
///   and look-back lags are id differences, so a missing day counts as a lag.
/// - *Lag 1 in the paper's look-back.* The paper tests every earlier batch, `t`
///   included, so an emerged cluster made of absorbed clusters of `t` is re-identified,
///   not novel. Example: `X0 = {1..6}`, `X1 = {11..16}` merge into `Y = X0 ∪ X1`: both
///   absorbed (`OL(Y, X) = 0.5 < τ0`), `OL(X0, Y) = OL(X1, Y) = 1`: `Y` is
///   re-identified with `X0` (tie, smaller id). The reference preset starts at lag 2
///   and calls `Y` novel.
/// - *Ranking earlier clusters.* Largest backward overlap, then largest shared weight,
///   then most recent batch, then smallest cluster id. Example: `B = {11..20}` of
///   batch 0 splits into `{11..15}` and `{16..20}` at batch 1 and comes back whole at
///   batch 3: overlap 1 with `B` and with each half; `B` shares 10 members, a half 5:
///   `B` wins.
/// - *Lineage claims.* Survivors keep their predecessor's lineage first. Re-identified
///   clusters then claim the lineage of their match, best overlap first (ties: smaller
///   cluster id); a claim on a lineage already held today fails and the cluster gets a
///   fresh id ([`Reidentification::restored`] is `false`). Example: `S = {1..10}`
///   (batch 0, L0) grows to `{1..30}` (L0), which at batch 2 survives as `{11..30}`
///   while `F = {1..10}` emerges: `F` matches `S` (overlap 1) but L0 is held, so `F`
///   is re-identified with a fresh id.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(
    serialize = "M: Serialize",
    deserialize = "M: Deserialize<'de> + Clone + Eq + Hash, S: BuildHasher + Default"
))]
#[serde(try_from = "Stored<M, S>")]
pub struct Tracker<M, S = RandomState> {
    members: Interner<M, S>,
    core: Core,
}

/// The serialised form of a [`Tracker`]; derived state is rebuilt on load.
#[derive(Deserialize)]
#[serde(bound(deserialize = "M: Deserialize<'de> + Clone + Eq + Hash, S: BuildHasher + Default"))]
struct Stored<M, S> {
    members: Interner<M, S>,
    core: Core,
}

impl<M, S> TryFrom<Stored<M, S>> for Tracker<M, S> {
    type Error = String;

    /// Checks every index of the stored form before rebuilding the derived
    /// state, so that a damaged file (one that still decodes) is refused
    /// instead of making a later push index out of bounds.
    fn try_from(stored: Stored<M, S>) -> Result<Self, String> {
        let mut core = stored.core;
        core.check_indices(stored.members.len())?;
        core.rebuild_prev_slots(stored.members.len());
        Ok(Self { members: stored.members, core })
    }
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
    /// Per member: its slot in the previous batch, packed by [`pack_slot`]; derived from
    /// `prev`, so not serialised.
    #[serde(skip)]
    prev_slots: Vec<u64>,
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
    /// An empty tracker hashing member ids with std's `RandomState`.
    pub fn new(params: Params) -> Self {
        Self::with_hasher(params)
    }
}

impl<M: Clone + Eq + Hash, S: BuildHasher + Default> Tracker<M, S> {
    /// An empty tracker hashing member ids with `S`, for example
    /// [`crate::FastHashBuilder`] (faster, not collision-resistant).
    pub fn with_hasher(params: Params) -> Self {
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
                prev_slots: Vec::new(),
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
/// fresh tracker (batch ids 0 and 1; novelty then only sees `prev`). When `prev` has no
/// cluster, `next`'s clusters are [`Origin::FirstBatch`] (see [`Tracker`]).
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
        // Novelty needs history: until some batch has had a cluster, every cluster is
        // of the first batch (see "Decisions on open cases").
        let prev = match &self.prev {
            Some(prev) if !self.past_weights.is_empty() => prev,
            _ => {
                analysis.clusters = first_batch(next, self.next_lineage);
                analysis.count();
                return (analysis, plan);
            }
        };

        // Where each cluster of t went, and where each cluster of t + 1 came from.
        let Flows { rows, columns, noise_in } = self.flows(&prev.partition, next);

        // Transitions of t, then the one survivor (if any) of each cluster of t + 1.
        let p = &self.params;
        let decisions: Vec<Decision> = rows
            .iter()
            .map(|r| rules::decide(r, p.match_threshold(), p.split_threshold()))
            .collect();
        let survived = resolve(&rows, &decisions, next, p.match_threshold());
        let mut predecessor: Vec<Option<usize>> = vec![None; next.ids.len()];
        let mut absorbed_into: Vec<Vec<ClusterId>> = vec![Vec::new(); next.ids.len()];
        let mut split_into: Vec<Vec<ClusterId>> = vec![Vec::new(); next.ids.len()];
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
                Transition::Split { parts } => {
                    for part in parts {
                        split_into[cluster_index(next, part.cluster)].push(prev.partition.ids[i]);
                    }
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
                    plan.reidentified_nodes[j] = novelty[j].map(|(node, _)| node);
                    let absorbed = std::mem::take(&mut absorbed_into[j]);
                    let split_from = std::mem::take(&mut split_into[j]);
                    let (from_noise, column) = (noise_in[j], columns[j].as_slice());
                    let mut e = self.emergence(
                        &prev.partition,
                        group.total,
                        from_noise,
                        column,
                        novelty[j],
                    );
                    // Lag 1 in the look-back: the transition rules already tie `Y` to the
                    // clusters of t that split into it or were absorbed into it.
                    let continues = !(absorbed.is_empty() && split_from.is_empty());
                    if e.novelty == Novelty::Novel && continues && p.look_back().contains(1) {
                        e.novelty = Novelty::Successor;
                    }
                    (Origin::Emerged(Emergence { absorbed, split_from, ..e }), LineageId(0))
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

    /// The emergence of a cluster of `t + 1` of weight `y_weight`, from its flows in
    /// (`w_Y(Y ∩ N_t)` and its column) and its best earlier match; `absorbed` and
    /// `split_from` are left empty for the caller.
    fn emergence(
        &self,
        prev: &IPartition,
        y_weight: f64,
        from_noise: f64,
        column: &[(usize, f64)],
        matched: Option<(u32, f64)>,
    ) -> Emergence {
        let novelty = match matched {
            Some((node, overlap)) => {
                let n = self.graph.node(node);
                Novelty::Reidentified(Reidentification {
                    batch: n.batch,
                    cluster: n.cluster,
                    lineage: n.lineage,
                    overlap,
                    restored: false,
                })
            }
            None => Novelty::Novel,
        };
        let provenance = provenance(prev, y_weight, from_noise, column);
        Emergence { provenance, absorbed: Vec::new(), split_from: Vec::new(), novelty }
    }

    /// One pass over the members of `t + 1`, each looked up in the previous batch's
    /// slot array: the rows of `t` and the columns of `t + 1`, flows in increasing id
    /// order on both sides.
    fn flows(&self, prev: &IPartition, next: &IPartition) -> Flows {
        let mut rows: Vec<OverlapRow> = prev
            .clusters
            .iter()
            .map(|x| OverlapRow { weight: x.total, to_noise: 0.0, to_clusters: Vec::new() })
            .collect();
        let mut columns: Columns = Vec::with_capacity(next.clusters.len());
        let mut noise_in = vec![0.0; next.clusters.len()];
        let mut fwd = vec![0.0f64; prev.clusters.len()];
        let mut bwd = vec![0.0f64; prev.clusters.len()];
        let mut touched: Vec<u32> = Vec::new();
        for (j, y) in next.clusters.iter().enumerate() {
            for (pos, &m) in y.members.iter().enumerate() {
                let Some((slot, ppos)) = self.prev_slot(m) else { continue };
                if slot == NOISE {
                    noise_in[j] += y.weight(pos);
                    continue;
                }
                let i = slot as usize;
                if bwd[i] == 0.0 {
                    touched.push(slot);
                }
                fwd[i] += prev.clusters[i].weight(ppos);
                bwd[i] += y.weight(pos);
            }
            touched.sort_unstable();
            let mut column = Vec::with_capacity(touched.len());
            for i in touched.drain(..).map(|i| i as usize) {
                rows[i].to_clusters.push(Flow {
                    cluster: next.ids[j],
                    forward: fwd[i],
                    backward: bwd[i],
                    target_weight: y.total,
                });
                column.push((i, bwd[i]));
                fwd[i] = 0.0;
                bwd[i] = 0.0;
            }
            columns.push(column);
        }
        for &m in &next.noise.members {
            if let Some((slot, ppos)) = self.prev_slot(m)
                && slot != NOISE
            {
                rows[slot as usize].to_noise += prev.clusters[slot as usize].weight(ppos);
            }
        }
        Flows { rows, columns, noise_in }
    }

    /// The slot of member `m` in the previous batch, `None` when absent.
    fn prev_slot(&self, m: u32) -> Option<(u32, usize)> {
        let packed = self.prev_slots.get(m as usize).copied().unwrap_or(ABSENT);
        (packed != ABSENT).then_some(((packed >> 32) as u32, (packed & 0xffff_ffff) as usize))
    }

    /// Rebuilds the slot array from `prev` (after deserialising).
    /// Whether every member and node index of a decoded tracker is in range
    /// and the batches increase: the invariants the analysis indexes by.
    fn check_indices(&self, n_members: usize) -> Result<(), String> {
        let n_nodes = self.graph.n_nodes();
        if self.past_weights.len() != n_nodes {
            return Err(format!(
                "{} past clusters but {n_nodes} lineage nodes",
                self.past_weights.len()
            ));
        }
        if self.postings.len() > n_members {
            return Err(format!("{} postings for {n_members} members", self.postings.len()));
        }
        let member = |m: u32| {
            if (m as usize) < n_members {
                Ok(())
            } else {
                Err(format!("member index {m} out of range ({n_members} members)"))
            }
        };
        let node = |n: u32| {
            if (n as usize) < n_nodes {
                Ok(())
            } else {
                Err(format!("cluster node {n} out of range ({n_nodes} nodes)"))
            }
        };
        for weights in self.past_weights.iter().flatten() {
            weights.iter().try_for_each(|&(m, _)| member(m))?;
        }
        for posting in &self.postings {
            posting.iter().try_for_each(|&n| node(n))?;
        }
        let mut last: Option<(BatchId, u32)> = None;
        for &(batch, first) in &self.batch_starts {
            if first as usize > n_nodes || last.is_some_and(|(b, f)| b >= batch || f > first) {
                return Err(format!("batch list out of order at batch {}", batch.0));
            }
            last = Some((batch, first));
        }
        if let Some(prev) = &self.prev {
            let p = &prev.partition;
            if p.ids.len() != p.clusters.len() || prev.nodes.len() != p.clusters.len() {
                return Err("previous batch: clusters, ids and nodes differ in number".to_owned());
            }
            for g in p.clusters.iter().chain(std::iter::once(&p.noise)) {
                g.members.iter().try_for_each(|&m| member(m))?;
                if g.weights.as_ref().is_some_and(|w| w.len() != g.members.len()) {
                    return Err("previous batch: weights and members differ in number".to_owned());
                }
            }
            prev.nodes.iter().try_for_each(|&n| node(n))?;
        }
        Ok(())
    }

    fn rebuild_prev_slots(&mut self, n_members: usize) {
        self.prev_slots = vec![ABSENT; n_members];
        if let Some(prev) = &self.prev {
            fill_slots(&mut self.prev_slots, &prev.partition);
        }
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
        // Shared weight with every earlier cluster, per emerged cluster.
        let mut acc = vec![0.0f64; hi as usize - lo as usize];
        let mut touched: Vec<u32> = Vec::new();
        let mut shared: Vec<Vec<(u32, f64)>> = vec![Vec::new(); next.ids.len()];
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
            shared[j] = touched
                .drain(..)
                .map(|g| (g, std::mem::take(&mut acc[(g - lo) as usize])))
                .collect();
        }

        // The normalised test needs w(X ∩ U_{t+1}) of every candidate: one pass for all.
        let active = if lb.normalise {
            let candidates: Vec<u32> = shared.iter().flatten().map(|&(g, _)| g).collect();
            self.active_weights(next, &candidates, lo, hi)
        } else {
            IndexMap::default()
        };
        for (j, candidates) in shared.iter().enumerate() {
            let mut best: Option<Candidate> = None;
            for &(g, shared) in candidates {
                let total = self.graph.node(g).weight;
                let x_active = active.get(&g).copied().unwrap_or(0.0);
                let overlap = rules::backward_overlap(shared, total, x_active, lb.normalise);
                let c = Candidate { node: g, overlap, shared };
                if overlap >= lb.threshold && best.is_none_or(|b| self.better(&c, &b)) {
                    best = Some(c);
                }
            }
            out[j] = best.map(|b| (b.node, b.overlap));
        }
        out
    }

    /// Whether candidate `a` beats `b`: larger overlap, then larger shared weight, then
    /// later batch, then smaller cluster id.
    fn better(&self, a: &Candidate, b: &Candidate) -> bool {
        let (na, nb) = (self.graph.node(a.node), self.graph.node(b.node));
        a.overlap
            .total_cmp(&b.overlap)
            .then(a.shared.total_cmp(&b.shared))
            .then(na.batch.cmp(&nb.batch))
            .then(nb.cluster.cmp(&na.cluster))
            .is_gt()
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
        // Point the slot array at the new batch.
        if let Some(old) = &self.prev {
            let groups = old.partition.clusters.iter().chain(std::iter::once(&old.partition.noise));
            for &m in groups.flat_map(|g| g.members.iter()) {
                self.prev_slots[m as usize] = ABSENT;
            }
        }
        self.prev_slots.resize(n_members, ABSENT);
        fill_slots(&mut self.prev_slots, &next);

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

fn fill_slots(slots: &mut [u64], p: &IPartition) {
    for (j, g) in p.clusters.iter().enumerate() {
        for (pos, &m) in g.members.iter().enumerate() {
            slots[m as usize] = pack_slot(j as u32, pos);
        }
    }
    for (pos, &m) in p.noise.members.iter().enumerate() {
        slots[m as usize] = pack_slot(NOISE, pos);
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
