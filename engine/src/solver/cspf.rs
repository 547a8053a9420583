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
use smallvec::SmallVec;

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
    #[error("{}", if *proven {
        "no path satisfies the constraints (proven)"
    } else {
        "no path found within the search limits (not proven impossible)"
    })]
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
    /// The search from the tail end ([`dijkstra`]): its per-node state and
    /// queue.
    back: Vec<NodeState>,
    back_queue: RadixHeapMap<Reverse<(u64, u32)>, u32>,
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
            self.back.resize(n, NodeState::default());
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
            self.back.iter_mut().for_each(|s| s.seen = 0);
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
        self.back_queue.clear();
        self.scanned = 0;
    }
}

// ===== the search =====

/// Compute the best path for `req` on `topo`, given `reservations`.
///
/// With an IRO (`include_nodes`), the best simple path through them in
/// order, exactly ([`through_waypoints`]); past its label limit the answer
/// is a not-proven "no path".
pub fn compute(
    topo: &Prepared,
    reservations: &Reservations,
    req: &PathRequest,
    ws: &mut Workspace,
) -> Result<Path, NoPath> {
    if req.source != req.destination && topo.separated(req.source, req.destination) {
        return Err(NoPath::Infeasible { proven: true });
    }
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
    // A node listed twice apart would be passed twice: no simple path.
    let mut sorted = waypoints.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() < waypoints.len() {
        return Err(NoPath::Infeasible { proven: true });
    }
    for n in &waypoints {
        match topo.node(*n) {
            None => return Err(NoPath::UnknownNode),
            Some(node) if !node.up || c.exclude_nodes.contains(n) => {
                return Err(if *n == req.source {
                    NoPath::SourceUnavailable
                } else if *n == req.destination {
                    NoPath::DestinationUnavailable
                } else {
                    NoPath::Infeasible { proven: true }
                })
            }
            Some(_) => {}
        }
    }
    // The legs between waypoints, by conflict-based search: exact when no
    // bound applies, and a bounded request whose unbounded optimum keeps
    // its bounds is answered by it too.
    // (A path found but not proven optimal stays the answer if nothing
    // better is proven.)
    let mut fallback = None;
    match legs_search(topo, reservations, req, &waypoints, ws) {
        Search::Found(p) if !c.bounded() => return Ok(p),
        Search::Found(p) if within_bounds(&p.metrics, c) => {
            if p.optimal {
                return Ok(p);
            }
            fallback = Some(p);
        }
        Search::Found(_) => {}
        Search::Infeasible => return Err(NoPath::Infeasible { proven: true }),
        Search::GaveUp if !c.bounded() => return Err(NoPath::Infeasible { proven: false }),
        Search::GaveUp => {}
    }
    match through_waypoints(topo, reservations, req, &waypoints) {
        Search::Found(p) => Ok(p),
        Search::Infeasible => Err(NoPath::Infeasible { proven: true }),
        Search::GaveUp => fallback.ok_or(NoPath::Infeasible { proven: false }),
    }
}

/// Nodes the conflict-based search may open before it gives up (each one
/// a shortest-path query: about a millisecond at 10,000 nodes).
pub const MAX_LEG_NODES: usize = 1024;

/// The best simple path through `waypoints` without bounds, exactly, by
/// conflict-based search: each leg (between consecutive waypoints, off
/// every other waypoint) is a shortest path on its own; where two legs
/// meet at a node, one of them must avoid it in any simple path, so the
/// search branches on which, recomputing that leg with the node excluded.
/// Opened best first by the sum of the legs, a lower bound of everything
/// below: the first without a conflict is optimal (each leg a
/// lexicographic (cost, hops) minimum under its exclusions, so is the
/// sum).
fn legs_search(
    topo: &Prepared,
    r: &Reservations,
    req: &PathRequest,
    waypoints: &[NodeId],
    ws: &mut Workspace,
) -> Search {
    struct Open {
        key: (u64, u32),
        /// Per leg: nodes it must avoid (besides the other waypoints).
        avoid: Vec<Vec<NodeId>>,
        legs: Vec<Path>,
    }
    let legs = waypoints.len().saturating_sub(1);
    let leg_request = |k: usize, avoid: &[NodeId]| {
        let mut leg = req.clone();
        leg.source = waypoints.get(k).copied().unwrap_or(req.source);
        leg.destination = waypoints.get(k + 1).copied().unwrap_or(req.destination);
        let c = &mut leg.constraints;
        c.include_nodes.clear();
        c.max_igp = None;
        c.max_te = None;
        c.max_delay = None;
        c.max_hops = None;
        c.exclude_nodes.extend(
            waypoints
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != k && *j != k + 1)
                .map(|(_, n)| *n),
        );
        c.exclude_nodes.extend_from_slice(avoid);
        leg
    };
    let key_of = |legs: &[Path]| {
        legs.iter().fold((0u64, 0u32), |(c, h), p| {
            (
                c.saturating_add(p.metrics.of(req.objective)),
                h + p.metrics.hops,
            )
        })
    };
    let mut first = Vec::with_capacity(legs);
    for k in 0..legs {
        match compute_one(topo, r, &leg_request(k, &[]), ws) {
            Ok(p) => first.push(p),
            Err(_) => return Search::Infeasible,
        }
    }
    // Ordered by key, then the latest opened first: among equal lower
    // bounds (equal-cost detours abound) go deep, where conflicts run out.
    let mut heap = std::collections::BinaryHeap::new();
    let mut store: Vec<Option<Open>> = Vec::new();
    let root = Open {
        key: key_of(&first),
        avoid: vec![Vec::new(); legs],
        legs: first,
    };
    heap.push(Reverse((root.key, Reverse(0usize))));
    store.push(Some(root));
    let found = |legs: Vec<Path>| {
        let links: Vec<LinkId> = legs.into_iter().flat_map(|p| p.links).collect();
        let metrics = metrics_of(topo, &links);
        Search::Found(Path {
            links,
            metrics,
            optimal: true,
        })
    };
    while let Some(Reverse((_, Reverse(id)))) = heap.pop() {
        let Some(node) = store.get_mut(id).and_then(Option::take) else {
            continue;
        };
        // The first node two legs share (a leg's own end is the next one's
        // start: not a conflict; every leg keeps off the other waypoints,
        // and a shortest leg never repeats a node).
        let mut owner: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
        let mut conflict = None;
        'find: for (k, leg) in node.legs.iter().enumerate() {
            for l in &leg.links {
                let Some(to) = topo.link(*l).map(|l| l.to) else {
                    continue;
                };
                if k + 1 < legs && waypoints.get(k + 1) == Some(&to) {
                    continue;
                }
                if let Some(&j) = owner.get(&to.0) {
                    conflict = Some((to, j, k));
                    break 'find;
                }
                owner.insert(to.0, k);
            }
        }
        let Some((at, a, b)) = conflict else {
            return found(node.legs);
        };
        for k in [a, b] {
            let mut avoid = node.avoid.clone();
            if let Some(v) = avoid.get_mut(k) {
                v.push(at);
            }
            let Ok(p) = compute_one(
                topo,
                r,
                &leg_request(k, avoid.get(k).map_or(&[], Vec::as_slice)),
                ws,
            ) else {
                continue;
            };
            let mut child = node.legs.clone();
            if let Some(x) = child.get_mut(k) {
                *x = p;
            }
            if store.len() >= MAX_LEG_NODES {
                return Search::GaveUp;
            }
            let open = Open {
                key: key_of(&child),
                avoid,
                legs: child,
            };
            heap.push(Reverse((open.key, Reverse(store.len()))));
            store.push(Some(open));
        }
    }
    Search::Infeasible
}

/// Labels the waypoint search may create before it gives up (no proof).
pub const MAX_WAYPOINT_LABELS: usize = 1 << 18;

/// Words of visited-node bits the waypoint search may hold (32 MiB): on a
/// large topology it gives up with fewer labels.
const MAX_WAYPOINT_WORDS: usize = 1 << 22;

/// A partial path of the waypoint search.
#[derive(Clone, Copy)]
struct Partial {
    node: u32,
    /// Waypoints reached (the source counts as the first).
    stage: u32,
    cost: u64,
    m: PathMetrics,
    link: u32,
    pred: u32,
    alive: bool,
}

/// The best simple path through `waypoints` in order (source first, tail
/// end last), exactly: A* over partial simple paths, keyed by (cost, hops)
/// plus lower bounds (landmark distances to the next waypoint and between
/// the remaining ones), pruned by the bounds the same way; a partial path
/// is dropped when another at the same node and stage is no worse on every
/// measure and has visited a subset of its nodes (whatever completes it
/// completes the other). Simplicity makes the problem hard in general
/// (disjoint paths between waypoints): past [`MAX_WAYPOINT_LABELS`] the
/// search gives up, and the caller says so.
fn through_waypoints(
    topo: &Prepared,
    r: &Reservations,
    req: &PathRequest,
    waypoints: &[NodeId],
) -> Search {
    let c = &req.constraints;
    let last = waypoints.len() - 1;
    let (src, dst) = (req.source.0, req.destination.0);
    // The measures that order or bound: the objective, hops, and each
    // bounded metric, with lower bounds for what remains.
    let measures: Vec<(Objective, Option<u64>)> = {
        let mut v = vec![
            (req.objective, None),
            (Objective::Hops, c.max_hops.map(u64::from)),
        ];
        if let Some(b) = c.max_igp {
            v.push((Objective::Igp, Some(b)));
        }
        if let Some(b) = c.max_te {
            v.push((Objective::Te, Some(b)));
        }
        if let Some(b) = c.max_delay {
            v.push((Objective::Delay, Some(b)));
        }
        v
    };
    let value = |m: &PathMetrics, o: Objective| match o {
        Objective::Igp => m.igp,
        Objective::Te => m.te,
        Objective::Delay => m.delay_us,
        Objective::Hops => u64::from(m.hops),
    };
    // Per measure: the bound on the legs after waypoint j, summed.
    let legs: Vec<Vec<u64>> = measures
        .iter()
        .map(|(o, _)| {
            let mut after = vec![0u64; waypoints.len()];
            for j in (0..last).rev() {
                let (a, b) = (waypoints.get(j), waypoints.get(j + 1));
                let leg = match (a, b) {
                    (Some(a), Some(b)) => topo.distance_bound(*o, *a, *b),
                    _ => 0,
                };
                let next = after.get(j + 1).copied().unwrap_or(0);
                if let Some(x) = after.get_mut(j) {
                    *x = leg.saturating_add(next);
                }
            }
            after
        })
        .collect();
    // Lower bound of measure `k` on completing from `node` at `stage`.
    let rest = |k: usize, node: u32, stage: usize| -> u64 {
        let (Some((o, _)), Some(after), Some(next)) =
            (measures.get(k), legs.get(k), waypoints.get(stage + 1))
        else {
            return 0;
        };
        topo.distance_bound(*o, NodeId(node), *next)
            .saturating_add(after.get(stage + 1).copied().unwrap_or(0))
    };
    let words = topo.node_count().div_ceil(64);
    let mut visited: Vec<u64> = Vec::new();
    let mut labels: Vec<Partial> = Vec::new();
    let mut at: std::collections::HashMap<(u32, u32), Vec<u32>> = std::collections::HashMap::new();
    let mut heap = std::collections::BinaryHeap::new();
    let set = |bits: &mut [u64], n: u32| {
        if let Some(w) = bits.get_mut(n as usize / 64) {
            *w |= 1 << (n % 64);
        }
    };
    let mut bits = vec![0u64; words];
    set(&mut bits, src);
    visited.extend_from_slice(&bits);
    labels.push(Partial {
        node: src,
        stage: 0,
        cost: 0,
        m: PathMetrics::default(),
        link: NONE,
        pred: NONE,
        alive: true,
    });
    heap.push(Reverse((rest(0, src, 0), rest(1, src, 0), 0u32)));
    let hot = topo.hot();
    while let Some(Reverse((_, _, id))) = heap.pop() {
        let Some(&label) = labels.get(id as usize) else {
            continue;
        };
        if !label.alive {
            continue;
        }
        let stage = label.stage as usize;
        if label.node == dst && stage == last {
            let links = chain(label.link, label.pred, |i| {
                labels.get(i as usize).map(|l| (l.link, l.pred))
            });
            return Search::Found(Path {
                links,
                metrics: label.m,
                optimal: true,
            });
        }
        let base = id as usize * words;
        let Some(mine) = visited.get(base..base + words).map(<[u64]>::to_vec) else {
            continue;
        };
        let range = topo.out_links(NodeId(label.node));
        for lid in range {
            let Some(link) = hot.get(lid as usize) else {
                continue;
            };
            let to = link.to;
            let seen = mine
                .get(to as usize / 64)
                .is_some_and(|w| w & (1 << (to % 64)) != 0);
            if seen || !admissible_for(topo, lid, link, c, r) {
                continue;
            }
            // Only the next waypoint may be entered among them (a later
            // one, or the tail end, would have to be passed twice).
            let next_stage = match waypoints.iter().position(|w| w.0 == to) {
                Some(j) if j == stage + 1 => stage + 1,
                Some(_) => continue,
                None => stage,
            };
            let m = extend(&label.m, link);
            let within = measures.iter().enumerate().all(|(k, (o, b))| {
                b.is_none_or(|b| value(&m, *o).saturating_add(rest(k, to, next_stage)) <= b)
            });
            if !within {
                continue;
            }
            let mut bits = mine.clone();
            set(&mut bits, to);
            let new = Partial {
                node: to,
                stage: next_stage as u32,
                cost: label.cost + weight(link, req.objective),
                m,
                link: lid,
                pred: id,
                alive: true,
            };
            let no_worse = |a: &Partial, b: &Partial| {
                a.cost <= b.cost
                    && measures
                        .iter()
                        .all(|(o, _)| value(&a.m, *o) <= value(&b.m, *o))
            };
            let subset = |a: u32, b: &[u64]| {
                let base = a as usize * words;
                visited
                    .get(base..base + words)
                    .is_some_and(|va| va.iter().zip(b).all(|(x, y)| x & !y == 0))
            };
            let key = (to, next_stage as u32);
            let others = at.remove(&key).unwrap_or_default();
            if others.iter().any(|&o| {
                labels
                    .get(o as usize)
                    .is_some_and(|l| l.alive && no_worse(l, &new) && subset(o, &bits))
            }) {
                at.insert(key, others);
                continue;
            }
            if labels.len() >= MAX_WAYPOINT_LABELS || visited.len() >= MAX_WAYPOINT_WORDS {
                return Search::GaveUp;
            }
            let new_id = labels.len() as u32;
            let mut kept = Vec::with_capacity(others.len() + 1);
            for o in others {
                let dominated = labels.get(o as usize).is_some_and(|l| {
                    l.alive && no_worse(&new, l) && {
                        let base = o as usize * words;
                        visited
                            .get(base..base + words)
                            .is_some_and(|vo| bits.iter().zip(vo).all(|(x, y)| x & !y == 0))
                    }
                });
                if dominated {
                    if let Some(l) = labels.get_mut(o as usize) {
                        l.alive = false;
                    }
                } else {
                    kept.push(o);
                }
            }
            kept.push(new_id);
            at.insert(key, kept);
            visited.extend_from_slice(&bits);
            labels.push(new);
            let f = new.cost.saturating_add(rest(0, to, next_stage));
            let h = u64::from(new.m.hops).saturating_add(rest(1, to, next_stage));
            heap.push(Reverse((f, h, new_id)));
        }
    }
    Search::Infeasible
}

/// The links of a chain of labels, from the source: the last label's link
/// and predecessor, and `step` giving any label's.
fn chain(mut link: u32, mut pred: u32, step: impl Fn(u32) -> Option<(u32, u32)>) -> Vec<LinkId> {
    let mut links = Vec::new();
    while link != NONE {
        links.push(LinkId(link));
        match step(pred) {
            Some((l, p)) => (link, pred) = (l, p),
            None => break,
        }
    }
    links.reverse();
    links
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
        if cut_off(topo, reservations, req, ws) {
            return Err(NoPath::Infeasible { proven: true });
        }
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

/// Whether the tail end is cut off from the head end: the nodes that reach
/// it over admissible links (bounds aside) are few, and the head end is not
/// one of them. A search from the head end would prove the same by
/// exhausting everything the head end reaches, which after a failure in a
/// loaded network can be most of it; going backwards proves it from the
/// tail end's side, in a few nodes. Gives up (false) past
/// [`CUT_OFF_NODES`] nodes or when links in cannot be found.
fn cut_off(topo: &Prepared, r: &Reservations, req: &PathRequest, ws: &mut Workspace) -> bool {
    if !topo.links_in_known() {
        return false;
    }
    let mut seen: SmallVec<[u32; CUT_OFF_NODES]> = SmallVec::new();
    seen.push(req.destination.0);
    let mut next = 0;
    while let Some(&v) = seen.get(next) {
        next += 1;
        let range = topo.out_links(NodeId(v));
        ws.scanned += u64::from(range.end - range.start);
        for out in range {
            // The link into `v`: the reverse of one of its links out.
            let Some(into) = topo.reverse(LinkId(out)) else {
                return false;
            };
            let (Some(h), Some(from)) = (
                topo.hot().get(into.index()),
                topo.hot().get(out as usize).map(|o| o.to),
            ) else {
                return false;
            };
            if seen.contains(&from) || !admissible(topo, into.0, h, &req.constraints, r, ws) {
                continue;
            }
            if from == req.source.0 || seen.len() == CUT_OFF_NODES {
                return false;
            }
            seen.push(from);
        }
    }
    true
}

/// How many nodes [`cut_off`] looks at, at most.
const CUT_OFF_NODES: usize = 16;

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

/// Whether metrics `m` meet the bounds of `c`.
pub(crate) fn within_bounds(m: &PathMetrics, c: &Constraints) -> bool {
    c.max_igp.is_none_or(|b| m.igp <= b)
        && c.max_te.is_none_or(|b| m.te <= b)
        && c.max_delay.is_none_or(|b| m.delay_us <= b)
        && c.max_hops.is_none_or(|b| m.hops <= b)
}

/// The metrics of a path given as links (for callers outside the solver).
pub fn metrics_of_path(topo: &Topology, links: &[LinkId]) -> PathMetrics {
    metrics_of(topo, links)
}

/// The metrics of a path given as links.
pub(crate) fn metrics_of(topo: &Topology, links: &[LinkId]) -> PathMetrics {
    links
        .iter()
        .filter_map(|l| topo.hot().get(l.index()))
        .fold(PathMetrics::default(), |m, l| extend(&m, l))
}

/// Pops of the search from the head end alone before the search from the
/// tail end joins it ([`dijkstra`]).
const FORWARD_ALONE: u32 = 128;

/// The same, both searches directed by exact distances. Measured on the
/// full N-1 plan of the 2,000-node benchmark topology (50,000 LSPs, links
/// scanned by the 300,000 first searches that found a path): 128 pops
/// 193M, 32 89M, 16 70M, 8 61M, 3 72M, 1 77M.
const FORWARD_ALONE_EXACT: u32 = 8;

/// A step of one of [`dijkstra`]'s two searches.
enum Step {
    Going,
    /// Its queue ran out: no path.
    Exhausted,
    /// It reached the other end.
    Reached,
}

/// The best path by A* with landmark bounds, from the head end; joined,
/// when it has not arrived after [`FORWARD_ALONE`] pops, by an A* from
/// the tail end over the links backwards, one pop each in turn. Where the
/// snapshot has exact distances ([`Prepared::with_exact_distances`]: a
/// plan's scenarios), they direct both searches instead, and the search
/// from the tail end joins after [`FORWARD_ALONE_EXACT`] pops.
///
/// A lower bound is weakest where a failure forces a detour: a detour
/// near the tail end lets the search from the head end explore most of
/// the network, when from the tail end it is a few nodes (and the other
/// way round). Measured on the 2,000-node benchmark topology, LSPs on a
/// failed link (`bench/src/bin/search-sides.rs`): 3,787 links scanned per
/// query from the head end alone, 3,908 from the tail end alone, 541 the
/// better of the two; this search 1,157 (72 to 32 us). Without failure it
/// scans 3% more than the head end alone (437 against 423).
///
/// The path does not depend on which search arrives first: when the tail
/// end's does, it knows every node's exact distance to the tail end on
/// the best paths (a consistent bound settles every such node before the
/// head end), and a last pass from the head end over just the links of
/// best paths picks among them by the same rule as the search from the
/// head end (the lowest link ID among the best predecessors).
fn dijkstra(
    topo: &Prepared,
    r: &Reservations,
    req: &PathRequest,
    ws: &mut Workspace,
) -> Option<Path> {
    let (src, dst) = (req.source.0, req.destination.0);
    let table = topo.landmarks().table_for(req.objective, &req.constraints);
    // Exact distances, where the snapshot has them, are at least as tight
    // as any bound on the same links; an affinity class's own table may
    // be tighter still.
    let base = std::ptr::eq(table, topo.landmarks().table(req.objective));
    let exact = |t, backward| {
        base.then(|| topo.exact(req.objective, t, backward))
            .flatten()
    };
    let goal = match exact(dst, false) {
        Some(row) => Goal::Exact(row),
        None => Goal::To(table, table.target(dst)),
    };
    if goal.separated(src) || cut_off(topo, r, req, ws) {
        return None;
    }
    let epoch = ws.epoch;
    let src_bound = goal.bound(src);
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
    let both = topo.links_in_known();
    let alone = if matches!(goal, Goal::Exact(_)) {
        FORWARD_ALONE_EXACT
    } else {
        FORWARD_ALONE
    };
    let mut back_goal = None;
    let mut pops = 0u32;
    loop {
        match forward_step(topo, r, req, ws, &goal) {
            Step::Going => {}
            Step::Exhausted => return None,
            Step::Reached => return Some(path_to(topo, ws, src, dst)),
        }
        pops += 1;
        if !both || pops < alone {
            continue;
        }
        if pops == alone {
            let from = back_goal.insert(match exact(src, true) {
                Some(row) => Goal::Exact(row),
                None => Goal::From(table, table.target(src)),
            });
            if let Some(st) = ws.back.get_mut(dst as usize) {
                let bound = from.bound(dst);
                *st = NodeState {
                    dist: 0,
                    bound,
                    seen: epoch,
                    hops: 0,
                    prev: NONE,
                };
                ws.back_queue.push(Reverse((bound, 0)), dst);
            }
        }
        let Some(from) = &back_goal else {
            continue;
        };
        match backward_step(topo, r, req, ws, from) {
            Step::Going => {}
            Step::Exhausted => return None,
            Step::Reached => return best_links_pass(topo, r, req, ws),
        }
    }
}

/// The path the search from the head end found, from the predecessors.
fn path_to(topo: &Prepared, ws: &Workspace, src: u32, dst: u32) -> Path {
    let mut links = Vec::new();
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
    Path {
        links,
        metrics,
        optimal: true,
    }
}

/// What directs a search: landmark bounds to the tail end or from the
/// head end (its row), or exact distances.
enum Goal<'a> {
    To(&'a super::landmarks::Table, super::landmarks::Row),
    From(&'a super::landmarks::Table, super::landmarks::Row),
    Exact(&'a [u32]),
}

impl Goal<'_> {
    /// A lower bound on the distance from `v` to the tail end (from the
    /// head end to `v`), consistent.
    #[inline]
    fn bound(&self, v: u32) -> u64 {
        match self {
            Self::To(table, target) => table.bound(target, v),
            Self::From(table, source) => table.bound_from(source, v),
            Self::Exact(row) => row.get(v as usize).map_or(0, |&d| u64::from(d)),
        }
    }

    /// Whether `v` cannot reach the tail end on any link, up or down.
    fn separated(&self, v: u32) -> bool {
        match self {
            Self::To(table, target) => table.separated(target, v),
            Self::From(..) => false,
            Self::Exact(row) => row.get(v as usize) == Some(&u32::MAX),
        }
    }
}

/// One pop of the search from the head end.
#[inline]
fn forward_step(
    topo: &Prepared,
    r: &Reservations,
    req: &PathRequest,
    ws: &mut Workspace,
    goal: &Goal<'_>,
) -> Step {
    let (dst, c) = (req.destination.0, &req.constraints);
    let Some((Reverse((f, hops)), node)) = ws.queue.pop() else {
        return Step::Exhausted;
    };
    let Some(&st) = ws.state.get(node as usize) else {
        return Step::Going;
    };
    let g = st.dist;
    if (f, hops) > (g + st.bound, st.hops) {
        return Step::Going; // stale entry
    }
    if node == dst {
        return Step::Reached;
    }
    let epoch = ws.epoch;
    let hot = topo.hot();
    let range = topo.out_links(NodeId(node));
    let start = range.start;
    let Some(out) = hot.get(range.start as usize..range.end as usize) else {
        return Step::Going;
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
            to.bound = goal.bound(link.to);
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
    Step::Going
}

/// `prev` of a node the search from the tail end settled (its distance to
/// the tail end is exact).
const SETTLED: u32 = 0;

/// One pop of the search from the tail end: over the links into a node
/// (the reverses of its links out, [`Prepared::links_in_known`]), bounded
/// by the landmark distance from the head end (`source`'s row).
#[inline]
fn backward_step(
    topo: &Prepared,
    r: &Reservations,
    req: &PathRequest,
    ws: &mut Workspace,
    source: &Goal<'_>,
) -> Step {
    let (src, c) = (req.source.0, &req.constraints);
    let Some((Reverse((f, hops)), node)) = ws.back_queue.pop() else {
        return Step::Exhausted;
    };
    let Some(st) = ws.back.get_mut(node as usize) else {
        return Step::Going;
    };
    if (f, hops) > (st.dist + st.bound, st.hops) || st.prev == SETTLED {
        return Step::Going; // stale entry
    }
    st.prev = SETTLED;
    if node == src {
        return Step::Reached;
    }
    let (g, epoch) = (st.dist, ws.epoch);
    let hot = topo.hot();
    let range = topo.out_links(NodeId(node));
    ws.scanned += u64::from(range.end - range.start);
    for out in range {
        let (Some(into), Some(from)) = (
            topo.reverse(LinkId(out)),
            hot.get(out as usize).map(|o| o.to),
        ) else {
            continue;
        };
        let Some(link) = hot.get(into.index()) else {
            continue;
        };
        // The link into `node` as the search from the head end would take
        // it, and its far end as that search would enter it.
        if !admissible(topo, into.0, link, c, r, ws)
            || (from != src
                && !c.exclude_nodes.is_empty()
                && ws.node_excluded.get(from as usize) == Some(&epoch))
        {
            continue;
        }
        let next = (g + weight(link, req.objective), hops + 1);
        let Some(at) = ws.back.get_mut(from as usize) else {
            continue;
        };
        if at.seen != epoch {
            *at = NodeState {
                dist: next.0,
                bound: source.bound(from),
                seen: epoch,
                hops: next.1,
                prev: NONE,
            };
        } else if at.prev == SETTLED || next >= (at.dist, at.hops) {
            continue;
        } else {
            (at.dist, at.hops) = next;
        }
        let key = (next.0 + at.bound, next.1);
        debug_assert!(key >= (f, hops), "inconsistent bound");
        ws.back_queue.push(Reverse(key.max((f, hops))), from);
    }
    Step::Going
}

/// The path, once the search from the tail end has reached the head end:
/// from the head end over the links of best paths only (those into a node
/// whose exact distance to the tail end completes the best distance),
/// each node's predecessor the lowest link ID among its best ones, as the
/// search from the head end chooses.
fn best_links_pass(
    topo: &Prepared,
    r: &Reservations,
    req: &PathRequest,
    ws: &Workspace,
) -> Option<Path> {
    let (src, dst, c) = (req.source.0, req.destination.0, &req.constraints);
    let epoch = ws.epoch;
    let best = ws.back.get(src as usize).map(|s| (s.dist, s.hops))?;
    let hot = topo.hot();
    let mut label: std::collections::HashMap<u32, (u64, u32, u32)> =
        std::collections::HashMap::new();
    label.insert(src, (0, 0, NONE));
    let mut queue = BinaryHeap::new();
    queue.push(Reverse((0u64, 0u32, src)));
    while let Some(Reverse((g, hops, node))) = queue.pop() {
        if node == dst {
            let mut links = Vec::new();
            let mut at = dst;
            while let Some(&(_, _, l)) = label.get(&at).filter(|l| l.2 != NONE) {
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
        let out = hot.get(range.start as usize..range.end as usize)?;
        for (k, link) in out.iter().enumerate() {
            let id = start + k as u32;
            let Some(rest) = ws
                .back
                .get(link.to as usize)
                .filter(|b| b.seen == epoch && b.prev == SETTLED)
            else {
                continue;
            };
            let next = (g + weight(link, req.objective), hops + 1);
            if (next.0 + rest.dist, next.1 + rest.hops) != best
                || !admissible(topo, id, link, c, r, ws)
            {
                continue;
            }
            match label.entry(link.to) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert((next.0, next.1, id));
                    queue.push(Reverse((next.0, next.1, link.to)));
                }
                std::collections::hash_map::Entry::Occupied(mut e) => {
                    let l = e.get_mut();
                    if (l.0, l.1) == next {
                        l.2 = l.2.min(id);
                    }
                }
            }
        }
    }
    // Unreachable with exact distances; the search from the head end
    // would have found the same path.
    debug_assert!(false, "the best links do not join the ends");
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
            let links = chain(label.link, label.pred, |i| {
                ws.labels.get(i as usize).map(|l| (l.link, l.pred))
            });
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

/// A copy of a workspace is a fresh one: the buffers are scratch space,
/// never state.
impl Clone for Workspace {
    fn clone(&self) -> Self {
        Self::new()
    }
}
