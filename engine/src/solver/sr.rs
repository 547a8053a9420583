//! Encoding a path as an SR-MPLS segment list (RFC 8664 SR-ERO).
//!
//! Traffic steered by a node SID follows the IGP's shortest paths to that
//! node, splitting over equal-cost paths. A stretch of the computed path can
//! therefore be one node SID only if it is the *unique* IGP shortest path
//! between its ends; anywhere else an adjacency SID pins the next link.
//! Walking the path, the encoder jumps each time to the farthest node the
//! unique-shortest property reaches (greedy is optimal: every sub-path of a
//! unique shortest path is itself one), so the list is as short as this
//! strategy allows, and it must fit the head end's MSD.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::IpAddr;

use pcep::wire::object::{Nai, SrSubobject, Subobject};
use serde::Serialize;

use crate::topology::{LinkId, NodeId, Topology};

/// One segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Segment {
    /// Node SID of a node: shortest path to it.
    Node {
        /// The node.
        node: NodeId,
        /// Its label.
        label: u32,
    },
    /// Adjacency SID of a link: that link.
    Adjacency {
        /// The link.
        link: LinkId,
        /// Its label.
        label: u32,
    },
}

/// Why a path cannot be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum SrError {
    /// The path is empty or not connected.
    #[error("not a connected path")]
    BadPath,
    /// A segment needs a SID the topology does not give.
    #[error("no SID to steer over link {0:?}")]
    MissingSid(LinkId),
    /// More segments than the head end's MSD.
    #[error("{needed} segments needed, the head end's MSD is {msd}")]
    ExceedsMsd {
        /// Segments needed.
        needed: usize,
        /// The MSD.
        msd: u8,
    },
}

/// Paths tried, in increasing cost, for one whose segment list fits the
/// head end's MSD.
pub const MSD_CANDIDATES: usize = 64;

/// The best path for `req` whose segment list fits `msd` (MSD-aware SR):
/// the feasible paths in increasing cost (Yen), the first that encodes
/// within `msd`. Optimal when the cost order was exact and the path is
/// among the first [`MSD_CANDIDATES`]; "no path" is proven when fewer than
/// that many paths exist and none fits.
pub fn best_within(
    topo: &super::Prepared,
    reservations: &super::cspf::Reservations,
    req: &super::cspf::PathRequest,
    msd: Option<u8>,
    ws: &mut super::cspf::Workspace,
) -> Result<(super::cspf::Path, Vec<Segment>), super::cspf::NoPath> {
    use super::cspf::{compute, NoPath};
    let best = compute(topo, reservations, req, ws)?;
    let optimal = best.optimal;
    if let Ok(segments) = encode(topo, &best.links, msd) {
        return Ok((best, segments));
    }
    let candidates = super::disjoint::k_shortest(topo, reservations, req, MSD_CANDIDATES, ws)?;
    let exhausted = candidates.len() < MSD_CANDIDATES;
    for mut c in candidates.into_iter().skip(1) {
        if let Ok(segments) = encode(topo, &c.links, msd) {
            c.optimal &= optimal;
            return Ok((c, segments));
        }
    }
    Err(NoPath::Infeasible {
        proven: exhausted && optimal,
    })
}

/// Encode `path` (links from its head end) as a segment list of at most
/// `msd` segments (`None`: unlimited, the SR capability's X flag).
pub fn encode(topo: &Topology, path: &[LinkId], msd: Option<u8>) -> Result<Vec<Segment>, SrError> {
    let mut nodes = Vec::with_capacity(path.len() + 1);
    let first = path
        .first()
        .and_then(|l| topo.link(*l))
        .ok_or(SrError::BadPath)?;
    nodes.push(first.from);
    let mut prefix = vec![0u64];
    for l in path {
        let link = topo.link(*l).ok_or(SrError::BadPath)?;
        if Some(&link.from) != nodes.last() {
            return Err(SrError::BadPath);
        }
        nodes.push(link.to);
        prefix.push(prefix.last().copied().unwrap_or(0) + u64::from(link.igp));
    }
    let mut spf = Spf::default();
    let mut segments = Vec::new();
    let mut i = 0;
    while i < path.len() {
        let at = nodes.get(i).copied().ok_or(SrError::BadPath)?;
        spf.run(topo, at);
        // Farthest j such that nodes[i..=j] is the unique shortest path.
        let base = prefix.get(i).copied().unwrap_or(0);
        let mut reach = i;
        for j in i + 1..nodes.len() {
            let (Some(&n), Some(&cost)) = (nodes.get(j), prefix.get(j)) else {
                break;
            };
            if spf.unique_at(n, cost - base) {
                reach = j;
            } else {
                break;
            }
        }
        let target = nodes
            .get(reach)
            .and_then(|n| topo.node(*n))
            .and_then(|n| n.node_sid);
        match (reach > i, target) {
            (true, Some(label)) => {
                segments.push(Segment::Node {
                    node: nodes.get(reach).copied().ok_or(SrError::BadPath)?,
                    label,
                });
                i = reach;
            }
            _ => {
                // Not steerable by a node SID: pin the next link.
                let link = path.get(i).copied().ok_or(SrError::BadPath)?;
                let label = topo
                    .link(link)
                    .and_then(|l| l.adj_sid)
                    .ok_or(SrError::MissingSid(link))?;
                segments.push(Segment::Adjacency { link, label });
                i += 1;
            }
        }
    }
    if let Some(msd) = msd {
        if segments.len() > usize::from(msd) {
            return Err(SrError::ExceedsMsd {
                needed: segments.len(),
                msd,
            });
        }
    }
    Ok(segments)
}

/// The segments as SR-ERO subobjects: MPLS label SIDs with an IPv4 node or
/// adjacency NAI where the topology has IPv4 addresses.
pub fn to_ero(topo: &Topology, segments: &[Segment]) -> Vec<Subobject> {
    segments
        .iter()
        .map(|s| {
            let (label, nai) = match *s {
                Segment::Node { node, label } => {
                    let nai = topo.node(node).map(|n| match n.router_id {
                        IpAddr::V4(address) => Nai::Ipv4Node { address },
                        IpAddr::V6(address) => Nai::Ipv6Node { address },
                    });
                    (label, nai)
                }
                Segment::Adjacency { link, label } => {
                    let nai =
                        topo.link(link)
                            .and_then(|l| match (l.local_address, l.remote_address) {
                                (Some(IpAddr::V4(local)), Some(IpAddr::V4(remote))) => {
                                    Some(Nai::Ipv4Adjacency { local, remote })
                                }
                                (Some(IpAddr::V6(local)), Some(IpAddr::V6(remote))) => {
                                    Some(Nai::Ipv6Adjacency { local, remote })
                                }
                                _ => None,
                            });
                    (label, nai)
                }
            };
            Subobject::Sr(SrSubobject::mpls(label, nai))
        })
        .collect()
}

/// IGP shortest-path tree with path counts (saturating at 2), over every
/// link that is up: node SIDs follow the IGP, not the TE constraints.
#[derive(Debug, Default)]
struct Spf {
    dist: Vec<u64>,
    count: Vec<u8>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Spf {
    fn run(&mut self, topo: &Topology, from: NodeId) {
        let n = topo.node_count();
        self.dist.clear();
        self.dist.resize(n, u64::MAX);
        self.count.clear();
        self.count.resize(n, 0);
        if let (Some(d), Some(c)) = (
            self.dist.get_mut(from.index()),
            self.count.get_mut(from.index()),
        ) {
            (*d, *c) = (0, 1);
        }
        self.heap.push(Reverse((0, from.0)));
        while let Some(Reverse((d, v))) = self.heap.pop() {
            if self.dist.get(v as usize).is_some_and(|&x| x < d) {
                continue;
            }
            let cv = self.count.get(v as usize).copied().unwrap_or(0);
            for id in topo.out_links(NodeId(v)) {
                let Some(l) = topo.link(LinkId(id)) else {
                    continue;
                };
                if !l.up || !topo.node(l.to).is_some_and(|n| n.up) {
                    continue;
                }
                let nd = d + u64::from(l.igp);
                let (Some(dt), Some(ct)) = (
                    self.dist.get_mut(l.to.index()),
                    self.count.get_mut(l.to.index()),
                ) else {
                    continue;
                };
                if nd < *dt {
                    (*dt, *ct) = (nd, cv);
                    self.heap.push(Reverse((nd, l.to.0)));
                } else if nd == *dt {
                    *ct = ct.saturating_add(cv).min(2);
                }
            }
        }
    }

    /// Whether `node` is at distance `cost` over exactly one shortest path.
    fn unique_at(&self, node: NodeId, cost: u64) -> bool {
        self.dist.get(node.index()) == Some(&cost) && self.count.get(node.index()) == Some(&1)
    }
}
