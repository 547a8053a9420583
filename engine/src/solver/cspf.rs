//! Constrained shortest path first (CSPF).
//!
//! Links are admitted by the request's constraints (bandwidth against what
//! placed LSPs already hold, affinities with RFC 3209/5440 semantics, SRLG,
//! node and link exclusions), then:
//! * without bounds, Dijkstra on the objective metric finds the optimum;
//! * with bounds on other metrics (METRIC with B=1) or a hop limit, the
//!   problem is a resource-constrained shortest path (NP-hard in general):
//!   an exact label-setting search keeps, per node, the labels no other
//!   label dominates on (objective, bounded metrics, hops). It is exact up
//!   to [`MAX_LABELS`] labels; beyond that it falls back to Dijkstra on
//!   the objective and the result says it is not proven optimal.
//!
//! Ties are broken by fewer hops, then by the lowest link ID into each
//! node, so results are deterministic and do not depend on which lower
//! bound guided the search. Buffers live in a [`Workspace`] reused across
//! queries (one per thread).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use radix_heap::RadixHeapMap;

use serde::Serialize;

use super::Prepared;
use crate::topology::{HotLink, LinkId, NodeId, Topology};

/// Labels the exact bounded search may create before it gives up proving
/// optimality.
pub const MAX_LABELS: usize = 1 << 20;

/// What a path minimizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum Objective {
    /// IGP metric.
    #[default]
    Igp,
    /// TE metric.
    Te,
    /// Delay.
    Delay,
    /// Number of hops.
    Hops,
}

/// Constraints on a path.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Constraints {
    /// Bandwidth to reserve, bits per second: links need that much unreserved.
    pub bandwidth: f64,
    /// LSPA Exclude-any: a link with any of these groups is excluded.
    pub exclude_any: u32,
    /// LSPA Include-any: when non-zero, a link needs at least one of these.
    pub include_any: u32,
    /// LSPA Include-all: a link needs all of these.
    pub include_all: u32,
    /// SRLGs to avoid.
    pub exclude_srlgs: Vec<u32>,
    /// Nodes to avoid (XRO).
    pub exclude_nodes: Vec<NodeId>,
    /// Links to avoid (XRO); each direction is its own link.
    pub exclude_links: Vec<LinkId>,
    /// Nodes to traverse, in this order (IRO).
    pub include_nodes: Vec<NodeId>,
    /// Upper bound on the IGP metric (METRIC T=1, B=1).
    pub max_igp: Option<u64>,
    /// Upper bound on the TE metric (METRIC T=2, B=1).
    pub max_te: Option<u64>,
    /// Upper bound on delay, microseconds (METRIC T=12, B=1).
    pub max_delay: Option<u64>,
    /// Upper bound on hops (METRIC T=3, B=1).
    pub max_hops: Option<u32>,
}

impl Constraints {
    /// Whether a bound on a path's metric or hops applies.
    pub(crate) fn bounded(&self) -> bool {
        self.max_igp.is_some()
            || self.max_te.is_some()
            || self.max_delay.is_some()
            || self.max_hops.is_some()
    }
}

/// A path computation request.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PathRequest {
    /// Head end.
    pub source: NodeId,
    /// Tail end.
    pub destination: NodeId,
    /// What to minimize.
    pub objective: Objective,
    /// Constraints.
    pub constraints: Constraints,
}

/// The metrics of a path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PathMetrics {
    /// Sum of IGP metrics.
    pub igp: u64,
    /// Sum of TE metrics.
    pub te: u64,
    /// Sum of delays, microseconds.
    pub delay_us: u64,
    /// Number of links.
    pub hops: u32,
}

impl PathMetrics {
    /// The value of `objective`.
    pub const fn of(&self, objective: Objective) -> u64 {
        match objective {
            Objective::Igp => self.igp,
            Objective::Te => self.te,
            Objective::Delay => self.delay_us,
            Objective::Hops => self.hops as u64,
        }
    }
}

/// A computed path.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Path {
    /// Links from head end to tail end.
    pub links: Vec<LinkId>,
    /// Its metrics.
    pub metrics: PathMetrics,
    /// Whether it is proven optimal (false only when the bounded search hit
    /// [`MAX_LABELS`] and fell back).
    pub optimal: bool,
}

/// Why no path was returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum NoPath {
    /// A node ID outside the snapshot.
    #[error("unknown node")]
    UnknownNode,
    /// Head end and tail end are the same node.
    #[error("head end and tail end are the same node")]
    SameEndpoints,
    /// The head end is down or excluded.
    #[error("head end is down or excluded")]
    SourceUnavailable,
    /// The tail end is down or excluded.
    #[error("tail end is down or excluded")]
    DestinationUnavailable,
    /// No path satisfies the constraints (`proven`: the search was complete).
    #[error("no path satisfies the constraints")]
    Infeasible {
        /// Whether the search was exhaustive.
        proven: bool,
    },
}

/// Bandwidth already reserved per directed link, bits per second.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reservations {
    reserved: Vec<f64>,
}

impl Reservations {
    /// No reservations on any topology.
    pub const EMPTY: Self = Self {
        reserved: Vec::new(),
    };

    /// No reservations on a topology with `links` directed links.
    pub fn new(links: usize) -> Self {
        Self {
            reserved: vec![0.0; links],
        }
    }

    /// Reserved on `link`.
    #[inline]
    pub fn reserved(&self, link: LinkId) -> f64 {
        self.reserved.get(link.index()).copied().unwrap_or(0.0)
    }

    /// Add (or, negative, release) `bandwidth` on every link of `path`.
    pub fn add(&mut self, path: &[LinkId], bandwidth: f64) {
        for l in path {
            if let Some(r) = self.reserved.get_mut(l.index()) {
                *r = (*r + bandwidth).max(0.0);
            }
        }
    }
}

/// Reusable per-thread buffers.
#[derive(Debug, Default)]
pub struct Workspace {
    /// Per-node search state, one 32-byte record per node (one cache line
    /// touched per reached node, not four).
    state: Vec<NodeState>,
    node_excluded: Vec<u32>,
    link_excluded: Vec<u32>,
    epoch: u32,
    /// The label-setting search's queue.
    heap: BinaryHeap<Reverse<(u64, u32, u32)>>,
    /// A*'s queue, keyed by (cost + bound, hops). A consistent bound makes
    /// keys monotone, so a radix heap applies: pushes are O(1), and pops
    /// redistribute a bucket instead of sifting (the binary heap's pop was
    /// a quarter of all CSPF cycles).
    queue: RadixHeapMap<Reverse<(u64, u32)>, u32>,
    labels: Vec<Label>,
    at_node: Vec<Vec<u32>>,
    touched: Vec<u32>,
    /// The disjoint-pair solver's buffers.
    pub(crate) pair: super::suurballe::PairWorkspace,
    /// Links scanned by the last query (a work counter for benchmarks).
    pub scanned: u64,
}

/// A node's A* state in the current query (valid when `seen` is the
/// workspace's epoch).
#[derive(Clone, Copy, Debug, Default)]
struct NodeState {
    dist: u64,
    bound: u64,
    seen: u32,
    hops: u32,
    prev: u32,
}

#[derive(Clone, Copy, Debug)]
struct Label {
    node: u32,
    cost: u64,
    m: PathMetrics,
    link: u32,
    pred: u32,
    alive: bool,
}

const NONE: u32 = u32::MAX;

impl Workspace {
    /// An empty workspace (buffers grow to the topology on first use).
    pub fn new() -> Self {
        Self::default()
    }

    fn prepare(&mut self, topo: &Prepared, c: &Constraints) {
        let (n, m) = (topo.node_count(), topo.link_count());
        if self.state.len() < n {
            self.state.resize(n, NodeState::default());
            self.node_excluded.resize(n, 0);
            self.at_node.resize_with(n, Vec::new);
        }
        if self.link_excluded.len() < m {
            self.link_excluded.resize(m, 0);
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            // Wrapped: clear the stamps once every 4 billion queries.
            self.state.iter_mut().for_each(|s| s.seen = 0);
            self.node_excluded.iter_mut().for_each(|s| *s = 0);
            self.link_excluded.iter_mut().for_each(|s| *s = 0);
            self.epoch = 1;
        }
        let epoch = self.epoch;
        for node in &c.exclude_nodes {
            if let Some(x) = self.node_excluded.get_mut(node.index()) {
                *x = epoch;
            }
        }
        for link in &c.exclude_links {
            if let Some(x) = self.link_excluded.get_mut(link.index()) {
                *x = epoch;
            }
        }
        self.heap.clear();
        self.queue.clear();
        self.scanned = 0;
    }
}

// ===== the search =====

/// Compute the best path for `req` on `topo`, given `reservations`.
///
/// With an IRO (`include_nodes`), the path is the concatenation of segments
/// between consecutive nodes. Each segment is first computed on its own:
/// when the concatenation is a simple path and no bound applies, it is
/// optimal (the sum of independent optima is a lower bound). Otherwise each
/// segment avoids the nodes earlier segments used (a heuristic: the result
/// says it is not proven optimal), and the bounds are checked on the whole.
pub fn compute(
    topo: &Prepared,
    reservations: &Reservations,
    req: &PathRequest,
    ws: &mut Workspace,
) -> Result<Path, NoPath> {
    if req.constraints.include_nodes.is_empty() || req.source == req.destination {
        return compute_one(topo, reservations, req, ws);
    }
    let c = &req.constraints;
    // The route passes the include-nodes in order (RFC 5440 §7.12): a head
    // end listed first or a tail end listed last is met anyway; either one
    // anywhere else would need the path to come back to it, which a simple
    // path never does.
    let mut include = c.include_nodes.as_slice();
    while let [first, rest @ ..] = include {
        if *first != req.source {
            break;
        }
        include = rest;
    }
    while let [rest @ .., last] = include {
        if *last != req.destination {
            break;
        }
        include = rest;
    }
    if include.contains(&req.source) || include.contains(&req.destination) {
        return Err(NoPath::Infeasible { proven: true });
    }
    let mut waypoints = vec![req.source];
    waypoints.extend_from_slice(include);
    waypoints.push(req.destination);
    waypoints.dedup();
    let segment = |from: NodeId, to: NodeId, exclude: &[NodeId]| {
        let mut r = req.clone();
        r.source = from;
        r.destination = to;
        r.constraints.include_nodes.clear();
        r.constraints.max_igp = None;
        r.constraints.max_te = None;
        r.constraints.max_delay = None;
        r.constraints.max_hops = None;
        r.constraints.exclude_nodes.extend_from_slice(exclude);
        r
    };
    let join = |parts: Vec<Path>| {
        let links: Vec<LinkId> = parts.into_iter().flat_map(|p| p.links).collect();
        let metrics = metrics_of(topo, &links);
        Path {
            links,
            metrics,
            optimal: true,
        }
    };
    // Independent segments. A segment without any path (an unusable
    // waypoint, say) proves the whole request infeasible.
    let mut parts = Vec::with_capacity(waypoints.len());
    for w in waypoints.windows(2) {
        if let [a, b] = *w {
            let part =
                compute_one(topo, reservations, &segment(a, b, &[]), ws).map_err(|e| match e {
                    NoPath::SourceUnavailable if a == req.source => e,
                    NoPath::DestinationUnavailable if b == req.destination => e,
                    NoPath::UnknownNode | NoPath::SameEndpoints => e,
                    _ => NoPath::Infeasible { proven: true },
                })?;
            parts.push(part);
        }
    }
    let independent = join(parts);
    let simple = is_simple(topo, req.source, &independent.links);
    if simple && !c.bounded() {
        return Ok(independent);
    }
    // Greedy: each segment keeps off the nodes already used.
    let mut used: Vec<NodeId> = Vec::new();
    let mut parts = Vec::with_capacity(waypoints.len());
    for w in waypoints.windows(2) {
        if let [a, b] = *w {
            let later: Vec<NodeId> = waypoints
                .iter()
                .copied()
                .filter(|n| *n != a && *n != b)
                .collect();
            let mut exclude = used.clone();
            exclude.extend(later);
            exclude.retain(|n| *n != a && *n != b);
            let p = compute_one(topo, reservations, &segment(a, b, &exclude), ws)
                .map_err(|_| NoPath::Infeasible { proven: false })?;
            used.push(a);
            used.extend(p.links.iter().filter_map(|l| topo.link(*l)).map(|l| l.to));
            parts.push(p);
        }
    }
    let greedy = Path {
        optimal: false,
        ..join(parts)
    };
    let candidates = [simple.then_some(independent), Some(greedy)];
    candidates
        .into_iter()
        .flatten()
        .filter(|p| within_bounds(&p.metrics, c) && is_simple(topo, req.source, &p.links))
        .min_by_key(|p| (p.metrics.of(req.objective), p.metrics.hops))
        .map(|p| Path {
            optimal: false,
            ..p
        })
        .ok_or(NoPath::Infeasible { proven: false })
}

fn is_simple(topo: &Topology, source: NodeId, links: &[LinkId]) -> bool {
    let mut seen = vec![source];
    for l in links {
        let Some(to) = topo.link(*l).map(|l| l.to) else {
            return false;
        };
        if seen.contains(&to) {
            return false;
        }
        seen.push(to);
    }
    true
}

/// One path without IRO.
fn compute_one(
    topo: &Prepared,
    reservations: &Reservations,
    req: &PathRequest,
    ws: &mut Workspace,
) -> Result<Path, NoPath> {
    let (src, dst) = (req.source, req.destination);
    let (Some(s), Some(d)) = (topo.node(src), topo.node(dst)) else {
        return Err(NoPath::UnknownNode);
    };
    if src == dst {
        return Err(NoPath::SameEndpoints);
    }
    let c = &req.constraints;
    if !s.up || c.exclude_nodes.contains(&src) {
        return Err(NoPath::SourceUnavailable);
    }
    if !d.up || c.exclude_nodes.contains(&dst) {
        return Err(NoPath::DestinationUnavailable);
    }
    ws.prepare(topo, c);
    if c.bounded() {
        match bounded(topo, reservations, req, ws) {
            Search::Found(p) => Ok(p),
            Search::Infeasible => Err(NoPath::Infeasible { proven: true }),
            Search::GaveUp => {
                // Heuristic: the unbounded optimum, if it happens to fit.
                ws.prepare(topo, c);
                match dijkstra(topo, reservations, req, ws) {
                    Some(p) if within_bounds(&p.metrics, c) => Ok(Path {
                        optimal: false,
                        ..p
                    }),
                    _ => Err(NoPath::Infeasible { proven: false }),
                }
            }
        }
    } else {
        dijkstra(topo, reservations, req, ws).ok_or(NoPath::Infeasible { proven: true })
    }
}

/// Whether a link with admin groups `ag` passes the affinities, with RFC
/// 3209 §4.7.4 / RFC 5440 §7.11 semantics: no exclude-any bit, some
/// include-any bit (when any is given), every include-all bit.
#[inline(always)]
pub(crate) fn affinities_admit(
    ag: u32,
    exclude_any: u32,
    include_any: u32,
    include_all: u32,
) -> bool {
    ag & exclude_any == 0
        && (include_any == 0 || ag & include_any != 0)
        && ag & include_all == include_all
}

/// Whether a link may carry a path under `c` (every constraint but the
/// bounds and the per-query exclusions of a [`Workspace`]), for other solvers.
pub(crate) fn admissible_for(
    topo: &Prepared,
    id: u32,
    h: &HotLink,
    c: &Constraints,
    r: &Reservations,
) -> bool {
    h.flags & HotLink::UP != 0
        && affinities_admit(h.admin_groups, c.exclude_any, c.include_any, c.include_all)
        && (c.bandwidth <= 0.0
            || topo
                .bandwidths()
                .get(id as usize)
                .is_some_and(|bw| bw - r.reserved(LinkId(id)) >= c.bandwidth))
        && !c.exclude_links.contains(&LinkId(id))
        && !c.exclude_nodes.contains(&NodeId(h.to))
        && (c.exclude_srlgs.is_empty()
            || h.flags & HotLink::HAS_SRLG == 0
            || topo
                .link(LinkId(id))
                .is_none_or(|l| !topo.srlgs(l).iter().any(|s| c.exclude_srlgs.contains(s))))
}

/// Whether a link may carry the path (every constraint but the bounds).
/// Deliberately a near-copy of [`admissible_for`] with the exclusions read
/// from the workspace: sharing the common part through an inlined helper
/// measured 8% slower on the constrained CSPF bench (23.5 vs 25.5 ms,
/// `cspf_2k/cspf_bandwidth_affinity`, same machine, back to back).
#[inline]
fn admissible(
    topo: &Prepared,
    id: u32,
    h: &HotLink,
    c: &Constraints,
    r: &Reservations,
    ws: &Workspace,
) -> bool {
    h.flags & HotLink::UP != 0
        && affinities_admit(h.admin_groups, c.exclude_any, c.include_any, c.include_all)
        && (c.bandwidth <= 0.0
            || topo
                .bandwidths()
                .get(id as usize)
                .is_some_and(|bw| bw - r.reserved(LinkId(id)) >= c.bandwidth))
        && (c.exclude_links.is_empty()
            || ws
                .link_excluded
                .get(id as usize)
                .is_none_or(|&e| e != ws.epoch))
        && (c.exclude_nodes.is_empty()
            || ws
                .node_excluded
                .get(h.to as usize)
                .is_none_or(|&e| e != ws.epoch))
        && (c.exclude_srlgs.is_empty()
            || h.flags & HotLink::HAS_SRLG == 0
            || topo
                .link(LinkId(id))
                .is_none_or(|l| !topo.srlgs(l).iter().any(|s| c.exclude_srlgs.contains(s))))
}

/// A link's length under `objective` (every solver's one definition).
#[inline]
pub(crate) fn weight(link: &HotLink, objective: Objective) -> u64 {
    match objective {
        Objective::Igp => u64::from(link.igp),
        Objective::Te => u64::from(link.te),
        Objective::Delay => u64::from(link.delay_us),
        Objective::Hops => 1,
    }
}

#[inline]
fn extend(m: &PathMetrics, link: &HotLink) -> PathMetrics {
    PathMetrics {
        igp: m.igp + u64::from(link.igp),
        te: m.te + u64::from(link.te),
        delay_us: m.delay_us + u64::from(link.delay_us),
        hops: m.hops + 1,
    }
}

fn within_bounds(m: &PathMetrics, c: &Constraints) -> bool {
    c.max_igp.is_none_or(|b| m.igp <= b)
        && c.max_te.is_none_or(|b| m.te <= b)
        && c.max_delay.is_none_or(|b| m.delay_us <= b)
        && c.max_hops.is_none_or(|b| m.hops <= b)
}

/// The metrics of a path given as links.
pub(crate) fn metrics_of(topo: &Topology, links: &[LinkId]) -> PathMetrics {
    links
        .iter()
        .filter_map(|l| topo.hot().get(l.index()))
        .fold(PathMetrics::default(), |m, l| extend(&m, l))
}

/// A* on the objective with landmark lower bounds (plain Dijkstra where a
/// bound is 0): pops nodes in order of (cost so far + bound, hops).
fn dijkstra(
    topo: &Prepared,
    r: &Reservations,
    req: &PathRequest,
    ws: &mut Workspace,
) -> Option<Path> {
    let (src, dst, c) = (req.source.0, req.destination.0, &req.constraints);
    let table = topo.landmarks().table_for(req.objective, c);
    let target = table.target(dst);
    if table.separated(&target, src) {
        return None;
    }
    let hot = topo.hot();
    let epoch = ws.epoch;
    let src_bound = table.bound(&target, src);
    if let Some(st) = ws.state.get_mut(src as usize) {
        *st = NodeState {
            dist: 0,
            bound: src_bound,
            seen: epoch,
            hops: 0,
            prev: NONE,
        };
    }
    ws.queue.push(Reverse((src_bound, 0)), src);
    while let Some((Reverse((f, hops)), node)) = ws.queue.pop() {
        let Some(&st) = ws.state.get(node as usize) else {
            continue;
        };
        let g = st.dist;
        if (f, hops) > (g + st.bound, st.hops) {
            continue; // stale entry
        }
        if node == dst {
            let mut links = Vec::with_capacity(hops as usize);
            let mut at = dst;
            while let Some(l) = ws
                .state
                .get(at as usize)
                .map(|s| s.prev)
                .filter(|&l| l != NONE)
            {
                links.push(LinkId(l));
                at = topo.link(LinkId(l)).map_or(src, |l| l.from.0);
            }
            links.reverse();
            let metrics = metrics_of(topo, &links);
            return Some(Path {
                links,
                metrics,
                optimal: true,
            });
        }
        let range = topo.out_links(NodeId(node));
        let start = range.start;
        let Some(out) = hot.get(range.start as usize..range.end as usize) else {
            continue;
        };
        ws.scanned += out.len() as u64;
        for (k, link) in out.iter().enumerate() {
            let id = start + k as u32;
            if !admissible(topo, id, link, c, r, ws) {
                continue;
            }
            let next = (g + weight(link, req.objective), hops + 1);
            let Some(to) = ws.state.get_mut(link.to as usize) else {
                continue;
            };
            if to.seen != epoch {
                to.seen = epoch;
                to.bound = table.bound(&target, link.to);
            } else if next > (to.dist, to.hops) {
                continue;
            } else if next == (to.dist, to.hops) {
                // Canonical tie-break: the lowest link ID among the optimal
                // predecessors. With a consistent bound every such
                // predecessor pops before the node (its key is strictly
                // smaller), so the path does not depend on the bound.
                to.prev = to.prev.min(id);
                continue;
            }
            (to.dist, to.hops, to.prev) = (next.0, next.1, id);
            // Keys never decrease with a consistent bound; the clamp only
            // guards the queue's monotonicity (it would panic otherwise).
            let key = (next.0 + to.bound, next.1);
            debug_assert!(key >= (f, hops), "inconsistent bound");
            ws.queue.push(Reverse(key.max((f, hops))), link.to);
        }
    }
    None
}

enum Search {
    Found(Path),
    Infeasible,
    GaveUp,
}

/// Exact label-setting search for the bounded problem.
fn bounded(topo: &Prepared, r: &Reservations, req: &PathRequest, ws: &mut Workspace) -> Search {
    let (src, dst, c) = (req.source.0, req.destination.0, &req.constraints);
    for n in ws.touched.drain(..) {
        if let Some(v) = ws.at_node.get_mut(n as usize) {
            v.clear();
        }
    }
    ws.labels.clear();
    // Label a dominates b: no worse on the objective and on every bounded
    // dimension (hops always, as the tie-breaker).
    let dominates = |a: &Label, b: &Label| {
        a.cost <= b.cost
            && a.m.hops <= b.m.hops
            && (c.max_igp.is_none() || a.m.igp <= b.m.igp)
            && (c.max_te.is_none() || a.m.te <= b.m.te)
            && (c.max_delay.is_none() || a.m.delay_us <= b.m.delay_us)
    };
    ws.labels.push(Label {
        node: src,
        cost: 0,
        m: PathMetrics::default(),
        link: NONE,
        pred: NONE,
        alive: true,
    });
    if let Some(v) = ws.at_node.get_mut(src as usize) {
        v.push(0);
        ws.touched.push(src);
    }
    ws.heap.push(Reverse((0, 0, 0)));
    while let Some(Reverse((_, _, id))) = ws.heap.pop() {
        let Some(&label) = ws.labels.get(id as usize) else {
            continue;
        };
        if !label.alive {
            continue;
        }
        if label.node == dst {
            let mut links = Vec::with_capacity(label.m.hops as usize);
            let mut at = label;
            while at.link != NONE {
                links.push(LinkId(at.link));
                match ws.labels.get(at.pred as usize) {
                    Some(p) => at = *p,
                    None => break,
                }
            }
            links.reverse();
            return Search::Found(Path {
                links,
                metrics: label.m,
                optimal: true,
            });
        }
        for lid in topo.out_links(NodeId(label.node)) {
            ws.scanned += 1;
            let Some(link) = topo.hot().get(lid as usize) else {
                continue;
            };
            if !admissible(topo, lid, link, c, r, ws) {
                continue;
            }
            let m = extend(&label.m, link);
            if !within_bounds(&m, c) {
                continue;
            }
            let new = Label {
                node: link.to,
                cost: label.cost + weight(link, req.objective),
                m,
                link: lid,
                pred: id,
                alive: true,
            };
            let to = link.to as usize;
            let Some(existing) = ws.at_node.get(to) else {
                continue;
            };
            if existing.iter().any(|&e| {
                ws.labels
                    .get(e as usize)
                    .is_some_and(|e| dominates(e, &new))
            }) {
                continue;
            }
            if ws.labels.len() >= MAX_LABELS {
                return Search::GaveUp;
            }
            let new_id = ws.labels.len() as u32;
            // Retire the labels the new one dominates.
            let mut kept = Vec::with_capacity(existing.len() + 1);
            for &e in existing {
                match ws.labels.get_mut(e as usize) {
                    Some(old) if dominates(&new, old) => old.alive = false,
                    Some(_) => kept.push(e),
                    None => {}
                }
            }
            kept.push(new_id);
            if let Some(v) = ws.at_node.get_mut(to) {
                if v.is_empty() {
                    ws.touched.push(to as u32);
                }
                *v = kept;
            }
            ws.labels.push(new);
            ws.heap.push(Reverse((new.cost, new.m.hops, new_id)));
        }
    }
    Search::Infeasible
}
