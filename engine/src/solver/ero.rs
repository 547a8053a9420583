//! The links a reported path takes: the inverse of [`super::sr::to_ero`]
//! and [`crate::pcreq::rsvp_ero`], for constraining a computation by the
//! paths of LSPs this PCE does not control (the other members of a disjoint
//! group).
//!
//! * A strict IP hop is the link from the current node whose remote
//!   interface address it is, or the link to the node that owns it.
//! * A loose IP hop, and a node SID, follow the IGP shortest path to that
//!   node. Where equal-cost paths exist the PCC may spread traffic over all
//!   of them; the first one (in link order) stands for them here, so a
//!   disjointness check against it is as good as the path is unique, which
//!   is what [`super::sr::encode`] guarantees for the paths this PCE sends.
//! * An unnumbered hop (RFC 3477) is the link from the current node whose
//!   interface it names, at either end; else its router, as an IP hop.
//! * An adjacency SID (by label, or by its adjacency NAI) is its link.

use std::net::IpAddr;

use pcep::wire::object::{Nai, Subobject};

use super::cspf::{compute, Constraints, Objective, PathRequest, Reservations, Workspace};
use super::Prepared;
use crate::topology::{Link, LinkId, NodeId, Topology};

/// The links of `ero` from `head`, or `None` when a hop is not in the
/// topology (or the path is not connected).
pub fn links(
    topo: &Prepared,
    head: NodeId,
    ero: &[Subobject],
    ws: &mut Workspace,
) -> Option<Vec<LinkId>> {
    let mut at = head;
    let mut out = Vec::new();
    let out_link = |at: NodeId, pick: &dyn Fn(&Link) -> bool| out_link(topo, at, pick);
    for hop in ero {
        let (next, direct) = match hop {
            Subobject::Ipv4Prefix { address, loose, .. } => {
                ip_hop(topo, at, IpAddr::V4(*address), *loose)?
            }
            Subobject::Ipv6Prefix { address, loose, .. } => {
                ip_hop(topo, at, IpAddr::V6(*address), *loose)?
            }
            Subobject::Unnumbered {
                router_id,
                interface_id,
                loose,
                ..
            } => {
                let router = IpAddr::V4(*router_id);
                let here = topo.node(at).is_some_and(|n| n.router_id == router);
                let id = Some(*interface_id);
                match out_link(at, &|l| {
                    (here && l.local_interface_id == id)
                        || (l.remote_interface_id == id
                            && topo.node(l.to).is_some_and(|n| n.router_id == router))
                }) {
                    Some(l) => (None, Some(l)),
                    None => ip_hop(topo, at, router, *loose)?,
                }
            }
            Subobject::Sr(sr) => {
                let by_label = sr.label().and_then(|label| {
                    out_link(at, &|l| l.adj_sid == Some(label))
                        .map(|l| (None, Some(l)))
                        .or_else(|| {
                            topo.nodes()
                                .iter()
                                .position(|n| n.node_sid == Some(label))
                                .map(|i| (Some(NodeId(i as u32)), None))
                        })
                });
                let by_nai = || match sr.nai? {
                    Nai::Ipv4Node { address } => topo
                        .node_by_address(IpAddr::V4(address))
                        .map(|n| (Some(n), None)),
                    Nai::Ipv6Node { address } => topo
                        .node_by_address(IpAddr::V6(address))
                        .map(|n| (Some(n), None)),
                    Nai::Ipv4Adjacency { local, remote } => out_link(at, &|l| {
                        l.local_address == Some(IpAddr::V4(local))
                            && l.remote_address == Some(IpAddr::V4(remote))
                    })
                    .map(|l| (None, Some(l))),
                    Nai::Ipv6Adjacency { local, remote } => out_link(at, &|l| {
                        l.local_address == Some(IpAddr::V6(local))
                            && l.remote_address == Some(IpAddr::V6(remote))
                    })
                    .map(|l| (None, Some(l))),
                    _ => None,
                };
                by_label.or_else(by_nai)?
            }
            _ => return None,
        };
        match (next, direct) {
            (_, Some(link)) => {
                out.push(link);
                at = topo.link(link)?.to;
            }
            (Some(node), None) if node == at => {}
            (Some(node), None) => {
                let req = PathRequest {
                    source: at,
                    destination: node,
                    objective: Objective::Igp,
                    constraints: Constraints::default(),
                };
                let p = compute(topo, &Reservations::EMPTY, &req, ws).ok()?;
                out.extend(p.links);
                at = node;
            }
            (None, None) => return None,
        }
    }
    Some(out)
}

/// The first link up from `at` that `pick` accepts.
fn out_link(topo: &Topology, at: NodeId, pick: &dyn Fn(&Link) -> bool) -> Option<LinkId> {
    topo.out_links(at)
        .map(LinkId)
        .find(|&l| topo.link_up(l) && topo.link(l).is_some_and(pick))
}

/// An IP hop: the link whose remote address it is, else the node owning it
/// (reached directly when strict and adjacent, else along the IGP).
fn ip_hop(
    topo: &Topology,
    at: NodeId,
    addr: IpAddr,
    loose: bool,
) -> Option<(Option<NodeId>, Option<LinkId>)> {
    if let Some(l) = out_link(topo, at, &|l| l.remote_address == Some(addr)) {
        return Some((None, Some(l)));
    }
    let node = topo.node_by_address(addr)?;
    if !loose {
        if let Some(l) = out_link(topo, at, &|l| l.to == node) {
            return Some((None, Some(l)));
        }
    }
    Some((Some(node), None))
}
