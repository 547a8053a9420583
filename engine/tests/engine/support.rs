//! Helpers shared by the engine tests.

use std::path::PathBuf;

use pce_engine::solver::cspf::{Constraints, Objective, Path, PathRequest};
use pce_engine::solver::Prepared;
use pce_engine::topology::{LinkId, LinkSpec, NodeId, NodeSpec, Topology, TopologyFile};

/// A topology from `examples/topologies/`, prepared for the solver.
pub(crate) fn load(name: &str) -> Prepared {
    Prepared::from(
        TopologyFile::load(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../examples/topologies")
                .join(name),
        )
        .unwrap(),
    )
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

/// Where `links` lead when followed from `from`, or `None` when one of
/// them does not start where the previous one ended (not a walk).
pub(crate) fn end_of(topo: &Topology, links: &[LinkId], from: NodeId) -> Option<NodeId> {
    links.iter().try_fold(from, |at, l| {
        let link = topo.link(*l)?;
        (link.from == at).then_some(link.to)
    })
}

/// [`names`] of a path.
pub(crate) fn hops(topo: &Topology, p: &Path) -> Vec<String> {
    names(topo, &p.links)
}

/// Node `N{i}` of a generated graph, router ID 10.0.x.y.
pub(crate) fn node_spec(i: usize) -> NodeSpec {
    NodeSpec {
        name: format!("N{i}"),
        router_id: format!("10.0.{}.{}", i / 250, i % 250 + 1).parse().unwrap(),
        addresses: vec![],
        node_sid: None,
        srlgs: vec![],
    }
}

/// A link of a generated graph between `N{a}` and `N{b}`: IGP metric and
/// admin groups given, everything else defaulted.
pub(crate) fn link_spec(a: usize, b: usize, igp: u32, admin_groups: u32) -> LinkSpec {
    LinkSpec {
        a: format!("N{a}"),
        b: format!("N{b}"),
        igp_metric: igp,
        te_metric: None,
        delay_us: 0,
        bandwidth_bps: Some(1e9),
        admin_groups,
        srlgs: vec![],
        a_address: None,
        b_address: None,
        a_adj_sid: None,
        b_adj_sid: None,
        a_interface_id: None,
        b_interface_id: None,
        b_to_a: None,
    }
}

/// `links` with an interface ID at both ends (the link's index), as parallel
/// links need: generated graphs may join two nodes more than once.
pub(crate) fn numbered(mut links: Vec<LinkSpec>) -> Vec<LinkSpec> {
    for (i, l) in links.iter_mut().enumerate() {
        let id = Some(i as u32 + 1);
        (l.a_interface_id, l.b_interface_id) = (id, id);
    }
    links
}

/// An `n` x `n` grid (nodes `g{row}_{column}`, router ID 10.0.row.column)
/// with uneven metrics and 1,000 b/s per link: LSPs contend for it. With
/// `coloured`, admin groups 1 and 2 on some links.
pub(crate) fn grid_file(n: usize, coloured: bool) -> TopologyFile {
    let name = |r: usize, c: usize| format!("g{r}_{c}");
    let mut file = TopologyFile::default();
    for r in 0..n {
        for c in 0..n {
            file.nodes.push(NodeSpec {
                name: name(r, c),
                router_id: format!("10.0.{r}.{c}").parse().unwrap(),
                addresses: vec![],
                node_sid: None,
                srlgs: vec![],
            });
        }
    }
    let mut k = 0u32;
    let mut link = |a: String, b: String| {
        k += 1;
        file.links.push(LinkSpec {
            a,
            b,
            igp_metric: 1 + (k * 7) % 5,
            bandwidth_bps: Some(1000.0),
            admin_groups: if coloured {
                u32::from(k % 3 == 0) | (u32::from(k % 5 == 0) << 1)
            } else {
                0
            },
            ..link_spec(0, 0, 0, 0)
        });
    };
    for r in 0..n {
        for c in 0..n {
            if c + 1 < n {
                link(name(r, c), name(r, c + 1));
            }
            if r + 1 < n {
                link(name(r, c), name(r + 1, c));
            }
        }
    }
    file
}

/// The LSP-IDENTIFIERS TLV of an RSVP tunnel from `sender` to `endpoint`
/// (LSP-ID 1, tunnel 1, the sender as extended tunnel ID).
pub(crate) fn identifiers(sender: &str, endpoint: &str) -> pcep::wire::tlv::Tlv {
    pcep::wire::tlv::Tlv::Ipv4LspIdentifiers(pcep::wire::tlv::Ipv4LspIdentifiers {
        sender: sender.parse().unwrap(),
        lsp_id: 1,
        tunnel_id: 1,
        extended_tunnel_id: sender.parse().unwrap(),
        endpoint: endpoint.parse().unwrap(),
    })
}

/// The origin of a test's explicit time (the only clock read; every later
/// instant is derived from it).
#[allow(clippy::disallowed_methods)]
pub(crate) fn origin() -> std::time::Instant {
    std::time::Instant::now()
}
