//! Helpers shared by the engine tests.

use std::path::PathBuf;

use pce_engine::solver::cspf::{Constraints, Objective, Path, PathRequest};
use pce_engine::topology::{LinkId, Topology, TopologyFile};

/// A topology from `examples/topologies/`.
pub(crate) fn load(name: &str) -> Topology {
    TopologyFile::load(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/topologies")
            .join(name),
    )
    .unwrap()
}

/// An unconstrained IGP request between two named nodes.
pub(crate) fn req(topo: &Topology, a: &str, b: &str) -> PathRequest {
    PathRequest {
        source: topo.node_by_name(a).unwrap(),
        destination: topo.node_by_name(b).unwrap(),
        objective: Objective::Igp,
        constraints: Constraints::default(),
    }
}

/// The names of the nodes `links` lead to (the hops after the head end,
/// the draft's ERO notation).
pub(crate) fn names(topo: &Topology, links: &[LinkId]) -> Vec<String> {
    links
        .iter()
        .map(|l| topo.node(topo.link(*l).unwrap().to).unwrap().name.clone())
        .collect()
}

/// [`names`] of a path.
pub(crate) fn hops(topo: &Topology, p: &Path) -> Vec<String> {
    names(topo, &p.links)
}
