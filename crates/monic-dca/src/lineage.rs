//! Stable global cluster ids and the lineage graph over (batch, cluster, lineage).

use std::fmt::Write as _;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::{Deserialize, Serialize};

use crate::analysis::TransitionKind;
use crate::error::{Error, Result};
use crate::partition::{BatchId, ClusterId};

/// Stable global id of a cluster across batches (a lineage).
///
/// A survivor inherits its predecessor's id; a re-identified emerged cluster takes back
/// the id of the earlier cluster it matches when no other cluster of its batch holds it;
/// every other cluster, the first batch's included, gets a fresh id. Ids are handed out
/// in increasing order, within a batch by increasing [`ClusterId`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct LineageId(pub u64);

impl std::fmt::Display for LineageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "L{}", self.0)
    }
}

/// A node: one cluster of one batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineageNode {
    /// The batch.
    pub batch: BatchId,
    /// The cluster, local to the batch.
    pub cluster: ClusterId,
    /// Its lineage.
    pub lineage: LineageId,
    /// Number of members.
    pub n_members: usize,
    /// Total weight.
    pub weight: f64,
    /// Whether it emerged as a novelty.
    pub novel: bool,
    /// Its transition to the next batch, once that batch is pushed.
    pub transition: Option<TransitionKind>,
}

/// Kind of a lineage edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EdgeKind {
    /// `X` survived into `Y`.
    Survived,
    /// `X` was absorbed into `Y`.
    Absorbed,
    /// `Y` is a part of the split `X`.
    Split,
    /// The emerged `Y` was re-identified with the earlier `X`.
    Reidentified,
}

/// An edge from an earlier cluster to a later one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineageEdge {
    /// What the edge records.
    pub kind: EdgeKind,
    /// `OL(X, Y)` (the backward overlap of the novelty test for re-identifications).
    pub overlap: f64,
}

/// The lineage graph: one node per cluster of every pushed batch, one edge per targeted
/// transition (survival, absorption, each split part) and per re-identification.
///
/// Inactive and disappeared clusters have no edge; their node records the transition.
/// Node indices follow push order (batch by batch, clusters by increasing id).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LineageGraph {
    graph: DiGraph<LineageNode, LineageEdge>,
}

/// The flat form used by [`LineageGraph::to_json`].
#[derive(Serialize)]
struct JsonGraph<'a> {
    nodes: Vec<&'a LineageNode>,
    edges: Vec<JsonEdge<'a>>,
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    from: usize,
    to: usize,
    #[serde(flatten)]
    edge: &'a LineageEdge,
}

impl LineageGraph {
    /// The underlying petgraph graph.
    pub fn graph(&self) -> &DiGraph<LineageNode, LineageEdge> {
        &self.graph
    }

    /// Number of nodes (clusters over all batches).
    pub fn n_nodes(&self) -> usize {
        self.graph.node_count()
    }

    /// Number of edges.
    pub fn n_edges(&self) -> usize {
        self.graph.edge_count()
    }

    /// The nodes of one lineage, in push order.
    pub fn lineage(&self, lineage: LineageId) -> Vec<&LineageNode> {
        self.graph.node_weights().filter(|n| n.lineage == lineage).collect()
    }

    pub(crate) fn add_node(&mut self, node: LineageNode) -> u32 {
        let idx = self.graph.add_node(node).index();
        u32::try_from(idx).unwrap_or(u32::MAX)
    }

    pub(crate) fn add_edge(&mut self, from: u32, to: u32, edge: LineageEdge) {
        self.graph.add_edge(NodeIndex::new(from as usize), NodeIndex::new(to as usize), edge);
    }

    pub(crate) fn node(&self, idx: u32) -> &LineageNode {
        &self.graph[NodeIndex::new(idx as usize)]
    }

    pub(crate) fn node_mut(&mut self, idx: u32) -> &mut LineageNode {
        &mut self.graph[NodeIndex::new(idx as usize)]
    }

    /// The graph as JSON: `{"nodes": [...], "edges": [{"from", "to", "kind", "overlap"}]}`,
    /// with `from` and `to` indices into `nodes`.
    ///
    /// # Errors
    ///
    /// [`Error::Export`] if serialisation fails (it does not for finite overlaps).
    pub fn to_json(&self) -> Result<String> {
        let json = JsonGraph {
            nodes: self.graph.node_weights().collect(),
            edges: self
                .graph
                .edge_references()
                .map(|e| JsonEdge {
                    from: e.source().index(),
                    to: e.target().index(),
                    edge: e.weight(),
                })
                .collect(),
        };
        serde_json::to_string(&json).map_err(|e| Error::Export { message: e.to_string() })
    }

    /// The graph in Graphviz DOT, one node per cluster labelled `batch/cluster lineage`,
    /// edges labelled with their kind and overlap. Clusters of one batch share a rank.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph lineage {\n  rankdir=LR;\n  node [shape=box];\n");
        let mut batch: Option<BatchId> = None;
        for idx in self.graph.node_indices() {
            let n = &self.graph[idx];
            if batch != Some(n.batch) {
                if batch.is_some() {
                    out.push_str("  }\n");
                }
                let _ = writeln!(out, "  subgraph batch_{} {{\n    rank=same;", n.batch);
                batch = Some(n.batch);
            }
            let style = if n.novel { ", style=bold" } else { "" };
            let _ = writeln!(
                out,
                "    n{} [label=\"{}/{} {}\"{}];",
                idx.index(),
                n.batch,
                n.cluster,
                n.lineage,
                style
            );
        }
        if batch.is_some() {
            out.push_str("  }\n");
        }
        for e in self.graph.edge_references() {
            let (kind, style) = match e.weight().kind {
                EdgeKind::Survived => ("survived", ""),
                EdgeKind::Absorbed => ("absorbed", ""),
                EdgeKind::Split => ("split", ""),
                EdgeKind::Reidentified => ("reidentified", ", style=dashed"),
            };
            let _ = writeln!(
                out,
                "  n{} -> n{} [label=\"{} {:.2}\"{}];",
                e.source().index(),
                e.target().index(),
                kind,
                e.weight().overlap,
                style
            );
        }
        out.push_str("}\n");
        out
    }
}
