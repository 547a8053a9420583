//! The baseline the path-computation benchmarks run beside the engine:
//! petgraph's Dijkstra on the same topology.

use pce_engine::topology::Topology;
use petgraph::graph::{DiGraph, NodeIndex};

/// The topology as a petgraph graph, IGP metric as the edge weight.
pub fn petgraph_of(topo: &Topology) -> DiGraph<(), u32> {
    let mut g = DiGraph::with_capacity(topo.node_count(), topo.link_count());
    for _ in 0..topo.node_count() {
        g.add_node(());
    }
    for l in topo.links() {
        g.add_edge(
            NodeIndex::new(l.from.index()),
            NodeIndex::new(l.to.index()),
            l.igp,
        );
    }
    g
}

/// petgraph's Dijkstra from `s`, stopping at `t`: the distance to `t`.
pub fn petgraph_distance(g: &DiGraph<(), u32>, s: u32, t: u32) -> Option<u32> {
    let t = NodeIndex::new(t as usize);
    petgraph::algo::dijkstra(g, NodeIndex::new(s as usize), Some(t), |e| *e.weight())
        .get(&t)
        .copied()
}
