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
/// head end's MSD, when the search over segments proves nothing.
pub const MSD_CANDIDATES: usize = 64;

/// Links the search over segments may scan in the IGP shortest-path trees
/// it computes (one per node it reaches, cheapest first) before it gives
/// up: about 250 trees on a 2,000-node topology, 50 on 10,000.
pub const SEGMENT_SEARCH_WORK: usize = 2_000_000;

/// The best path for `req` whose segment list fits `msd` (MSD-aware SR).
///
/// The best path, when its list fits; else the feasible paths in
/// increasing cost (Yen), the first that fits, optimal when the cost order
/// was exact, "no path" proven when fewer than [`MSD_CANDIDATES`] paths
/// exist. When none of those fits, a search over segments with the number
/// of SIDs as a resource: from each node, a node SID reaches every node
/// whose IGP shortest path from it is unique and admitted by the
/// constraints, an adjacency SID each admitted link; the cheapest walk of
/// at most `msd` such segments. Every path that fits is such a walk (its
/// greedy encoding is one), so no walk proves "no path", and a walk that is
/// a simple path within the bounds is the optimum. A walk that loops or
/// breaks a bound, include-nodes, or more than [`SEGMENT_SEARCH_WORK`]
/// leave "no path" not proven.
pub fn best_within(
    topo: &super::Prepared,
    reservations: &super::cspf::Reservations,
    req: &super::cspf::PathRequest,
    msd: Option<u8>,
    ws: &mut super::cspf::Workspace,
) -> Result<(super::cspf::Path, Vec<Segment>), super::cspf::NoPath> {
    use super::cspf::{compute, metrics_of, within_bounds, NoPath, Path};
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
    if exhausted {
        return Err(NoPath::Infeasible { proven: optimal });
    }
    // None of the candidates fits: the search over segments. Without an
    // MSD only a missing SID fails, which the candidates settle.
    if let (Some(msd), true) = (msd, req.constraints.include_nodes.is_empty()) {
        match by_segments(topo, reservations, req, msd) {
            Segments::Nothing => return Err(NoPath::Infeasible { proven: true }),
            Segments::Walk(links) => {
                let metrics = metrics_of(topo, &links);
                if within_bounds(&metrics, &req.constraints) && simple(topo, &links) {
                    if let Ok(segments) = encode(topo, &links, Some(msd)) {
                        let path = Path {
                            links,
                            metrics,
                            optimal: true,
                        };
                        return Ok((path, segments));
                    }
                }
            }
            Segments::TooLarge => {}
        }
    }
    Err(NoPath::Infeasible { proven: false })
}

/// From one head end, per node: the cost under the objective of the unique
/// IGP shortest path to it and that path's last link, when every link of it
/// is admitted.
type Reach = Vec<Option<(u64, LinkId)>>;

/// What the search over segments found.
enum Segments {
    /// No walk of at most MSD segments: no path fits.
    Nothing,
    /// The cheapest walk (links).
    Walk(Vec<LinkId>),
    /// More work than [`SEGMENT_SEARCH_WORK`].
    TooLarge,
}

/// Whether a path visits no node twice.
fn simple(topo: &Topology, links: &[LinkId]) -> bool {
    let mut seen: Vec<NodeId> = links
        .iter()
        .filter_map(|l| topo.link(*l))
        .flat_map(|l| [l.from, l.to])
        .collect();
    let n = links.len() + 1;
    seen.sort_unstable();
    seen.dedup();
    seen.len() == n
}

/// The cheapest walk of at most `msd` segments (see [`best_within`]):
/// Dijkstra over (node, segments used), cheapest first, a node's tree
/// computed when it is first reached (so only nodes cheaper than the answer
/// cost one); a state is dominated by one popped at the same node with no
/// more segments.
fn by_segments(
    topo: &super::Prepared,
    r: &super::cspf::Reservations,
    req: &super::cspf::PathRequest,
    msd: u8,
) -> Segments {
    use super::cspf::{admissible_for, weight};
    /// A state: its node, segments used, the state before it, and the
    /// segment's link (adjacency) or `None` (node SID).
    struct State {
        node: NodeId,
        parent: usize,
        link: Option<LinkId>,
    }
    let t: &Topology = topo.topology();
    let n = t.node_count();
    let admitted = |id: LinkId| {
        t.hot()
            .get(id.index())
            .is_some_and(|h| admissible_for(topo, id.0, h, &req.constraints, r))
    };
    let cost_of = |id: LinkId| {
        t.hot()
            .get(id.index())
            .map_or(u64::MAX, |h| weight(h, req.objective))
    };
    let mut trees: Vec<Option<Reach>> = vec![None; n];
    let mut scanned = 0usize;
    let mut spf = Spf::default();
    // The fewest segments a state at each node was settled with.
    let mut settled: Vec<u8> = vec![u8::MAX; n];
    let mut states = vec![State {
        node: req.source,
        parent: usize::MAX,
        link: None,
    }];
    let mut heap: BinaryHeap<Reverse<(u64, u8, usize)>> = BinaryHeap::new();
    heap.push(Reverse((0, 0, 0)));
    let mut found = None;
    while let Some(Reverse((cost, k, id))) = heap.pop() {
        let Some(u) = states.get(id).map(|s| s.node) else {
            continue;
        };
        let Some(done) = settled.get_mut(u.index()) else {
            continue;
        };
        if *done <= k {
            continue;
        }
        *done = k;
        if u == req.destination {
            found = Some(id);
            break;
        }
        if k >= msd {
            continue;
        }
        let next = k + 1;
        let open = |settled: &[u8], v: NodeId| settled.get(v.index()).is_some_and(|&d| d > next);
        // Adjacency SIDs.
        for link in t.out_links(u).map(LinkId) {
            let Some(l) = t.link(link) else { continue };
            if l.adj_sid.is_some() && admitted(link) && open(&settled, l.to) {
                heap.push(Reverse((
                    cost.saturating_add(cost_of(link)),
                    next,
                    states.len(),
                )));
                states.push(State {
                    node: l.to,
                    parent: id,
                    link: Some(link),
                });
            }
        }
        // Node SIDs, along the unique admitted IGP shortest paths from u.
        let Some(tree) = trees.get_mut(u.index()) else {
            continue;
        };
        if tree.is_none() {
            scanned += t.link_count();
            if scanned > SEGMENT_SEARCH_WORK {
                return Segments::TooLarge;
            }
            spf.run(t, u);
            let mut reach: Reach = vec![None; n];
            for &v in &spf.order {
                let Some(link) = spf.pred.get(v as usize).copied().map(LinkId) else {
                    continue;
                };
                let Some(l) = t.link(link) else { continue };
                let before = if l.from == u {
                    Some(0)
                } else {
                    reach.get(l.from.index()).copied().flatten().map(|(c, _)| c)
                };
                if let (Some(before), true) = (before, admitted(link)) {
                    if let Some(slot) = reach.get_mut(v as usize) {
                        *slot = Some((before.saturating_add(cost_of(link)), link));
                    }
                }
            }
            // Only where the shortest path is unique.
            for (v, slot) in reach.iter_mut().enumerate() {
                if spf.count.get(v) != Some(&1) {
                    *slot = None;
                }
            }
            *tree = Some(reach);
        }
        let Some(reach) = trees.get(u.index()).and_then(Option::as_ref) else {
            continue;
        };
        for (v, at) in reach.iter().enumerate() {
            let Some((c, _)) = *at else { continue };
            let v = NodeId(v as u32);
            if v != u && t.node(v).is_some_and(|x| x.node_sid.is_some()) && open(&settled, v) {
                heap.push(Reverse((cost.saturating_add(c), next, states.len())));
                states.push(State {
                    node: v,
                    parent: id,
                    link: None,
                });
            }
        }
    }
    let Some(mut id) = found else {
        return Segments::Nothing;
    };
    // Back from the destination, segment by segment.
    let mut links: Vec<LinkId> = Vec::new();
    while let Some(state) = states.get(id) {
        let Some(from) = states.get(state.parent).map(|p| p.node) else {
            break;
        };
        match state.link {
            Some(link) => links.push(link),
            None => {
                // The node SID's path: back along `from`'s tree.
                let Some(reach) = trees.get(from.index()).and_then(Option::as_ref) else {
                    return Segments::TooLarge;
                };
                let mut v = state.node;
                while v != from {
                    let Some(&Some((_, link))) = reach.get(v.index()) else {
                        return Segments::TooLarge;
                    };
                    links.push(link);
                    v = t.link(link).map_or(from, |l| l.from);
                }
            }
        }
        id = state.parent;
    }
    links.reverse();
    Segments::Walk(links)
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
    /// The link into each node on its first shortest path found.
    pred: Vec<u32>,
    /// Nodes in the order their distance was settled.
    order: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Spf {
    fn run(&mut self, topo: &Topology, from: NodeId) {
        let n = topo.node_count();
        self.dist.clear();
        self.dist.resize(n, u64::MAX);
        self.count.clear();
        self.count.resize(n, 0);
        self.pred.clear();
        self.pred.resize(n, u32::MAX);
        self.order.clear();
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
            self.order.push(v);
            let cv = self.count.get(v as usize).copied().unwrap_or(0);
            for id in topo.out_links(NodeId(v)) {
                let Some(l) = topo.link(LinkId(id)) else {
                    continue;
                };
                if !topo.link_up(LinkId(id)) || !topo.node(l.to).is_some_and(|n| n.up) {
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
                    if let Some(p) = self.pred.get_mut(l.to.index()) {
                        *p = id;
                    }
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
