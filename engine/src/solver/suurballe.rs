//! Two disjoint paths with the same ends and the least total cost:
//! Suurballe's algorithm, with Bhandari's node splitting for node
//! disjointness (RFC 8800 L or N; min-sum). Exact and polynomial: two
//! shortest-path searches.
//!
//! 1. The shortest path P1, by A* with the landmark bound `h`; settled
//!    nodes get their exact distance `d` from the head end.
//! 2. Residual graph: P1's links (both directions of each physical link)
//!    are removed and replaced by their reverse, so a second path can
//!    "undo" part of P1. The potential `p(v) = min(d(v), D - h(v))` (D the
//!    length of P1; `d` where settled, else `D - h`, which is then the
//!    smaller) is feasible: both terms are, and so is their minimum. It is
//!    exact on P1, so P1's reversed links cost 0, and every residual link
//!    has a non-negative reduced cost: the second search is a
//!    bidirectional Dijkstra on reduced costs (see [`Second`]), whose
//!    forward side is, outside the first search's region, A* with the
//!    landmark bound.
//! 3. For node disjointness, a second path that reaches an inner node of P1
//!    over another link must leave it backwards along P1 (the split node's
//!    only way out), which keeps the two paths from sharing that node.
//! 4. Links used forwards by P1 and backwards by P2 cancel; the remaining
//!    links form two disjoint paths, taken apart from the head end.
//!
//! Buffers are stamped per call, never cleared: a call costs what its
//! searches touch, not the size of the graph.

use std::cmp::Reverse;

use radix_heap::RadixHeapMap;

use super::cspf::{
    admissible_for, metrics_of, weight, NoPath, Path, PathRequest, Reservations, Workspace,
};
use super::Prepared;
use crate::topology::{HotLink, LinkId, NodeId, Topology};

const NONE: u32 = u32::MAX;

/// Reusable buffers (part of a [`Workspace`]).
#[derive(Debug, Default)]
pub(crate) struct PairWorkspace {
    epoch: u32,
    nodes: Vec<PairNode>,
    /// Second-search states: node `v` is `2v` (free) and `2v + 1` (entered
    /// an inner P1 node from outside P1: must leave backwards along P1).
    states: Vec<State>,
    queue: RadixHeapMap<Reverse<(u64, u32)>, u32>,
    back_queue: RadixHeapMap<Reverse<u64>, u32>,
    fwd_queue: RadixHeapMap<Reverse<u64>, u32>,
}

#[derive(Clone, Copy, Debug, Default)]
struct PairNode {
    /// Valid this call when equal to the epoch: `dist`, `hops`, `prev`.
    seen: u32,
    /// Popped by the first search this call.
    settled: u32,
    /// `bound` computed this call.
    bounded: u32,
    /// `pot` and `psi` computed this call (second search).
    potted: u32,
    pot: i64,
    psi: i64,
    /// On P1 this call: `p1_in` is the P1 link arriving here (NONE at s),
    /// `p1_out` the one leaving (NONE at t).
    on_p1: u32,
    dist: u64,
    bound: u64,
    hops: u32,
    prev: u32,
    p1_in: u32,
    p1_out: u32,
}

/// One search state of the second search, as seen from both sides.
#[derive(Clone, Copy, Debug, Default)]
struct State {
    fwd: Half,
    bwd: Half,
}

/// A side's label: `dist` (reduced) valid when `seen` is the epoch; the arc
/// that reached the state from `other` (forward: the predecessor state;
/// backward: the successor), a link run backwards when `reversed`.
#[derive(Clone, Copy, Debug, Default)]
struct Half {
    seen: u32,
    done: u32,
    dist: u64,
    link: u32,
    reversed: bool,
    other: u32,
}

impl PairWorkspace {
    fn prepare(&mut self, n: usize) {
        if self.nodes.len() < n {
            self.nodes.resize(n, PairNode::default());
            self.states.resize(2 * n, State::default());
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.nodes.iter_mut().for_each(|x| *x = PairNode::default());
            self.states.iter_mut().for_each(|x| *x = State::default());
            self.epoch = 1;
        }
        self.queue.clear();
        self.fwd_queue.clear();
        self.back_queue.clear();
    }
}

/// The two paths, or why there are none.
pub(crate) fn disjoint_pair(
    topo: &Prepared,
    r: &Reservations,
    req: &PathRequest,
    node_disjoint: bool,
    ws: &mut Workspace,
) -> Result<Option<(Path, Path)>, NoPath> {
    let (s, t) = (req.source.0, req.destination.0);
    if topo.node(req.source).is_none() || topo.node(req.destination).is_none() {
        return Err(NoPath::UnknownNode);
    }
    if s == t {
        return Err(NoPath::SameEndpoints);
    }
    let c = &req.constraints;
    let hot = topo.hot();
    let admissible = |id: u32, h: &HotLink| admissible_for(topo, id, h, c, r);
    let w = |h: &HotLink| weight(h, req.objective);
    // The base table, not the affinity class's: which equal-cost pair the
    // second search meets on depends on the potential, so the bound must
    // not depend on how many queries of the class came before.
    let table = topo.landmarks().table(req.objective);
    let target = table.target(t);
    ws.scanned = 0;
    if table.separated(&target, s) {
        return Err(NoPath::Infeasible { proven: true });
    }
    let pw = &mut ws.pair;
    pw.prepare(topo.node_count());
    let epoch = pw.epoch;
    let mut scanned = 0u64;

    // 1. A* from s to t; canonical ties as in CSPF.
    let bound_of = |nodes: &mut [PairNode], v: u32| -> u64 {
        match nodes.get_mut(v as usize) {
            Some(x) if x.bounded == epoch => x.bound,
            Some(x) => {
                x.bounded = epoch;
                x.bound = table.bound(&target, v);
                x.bound
            }
            None => 0,
        }
    };
    let hs = bound_of(&mut pw.nodes, s);
    if let Some(x) = pw.nodes.get_mut(s as usize) {
        (x.seen, x.dist, x.hops, x.prev) = (epoch, 0, 0, NONE);
    }
    pw.queue.push(Reverse((hs, 0)), s);
    let mut found = false;
    while let Some((Reverse((f, hops)), v)) = pw.queue.pop() {
        let Some(&x) = pw.nodes.get(v as usize) else {
            continue;
        };
        if x.settled == epoch || (f, hops) > (x.dist + x.bound, x.hops) {
            continue; // stale
        }
        if let Some(x) = pw.nodes.get_mut(v as usize) {
            x.settled = epoch;
        }
        if v == t {
            found = true;
            break;
        }
        let range = topo.out_links(NodeId(v));
        let start = range.start;
        let Some(out) = hot.get(range.start as usize..range.end as usize) else {
            continue;
        };
        scanned += out.len() as u64;
        for (k, link) in out.iter().enumerate() {
            let id = start + k as u32;
            if !admissible(id, link) {
                continue;
            }
            let next = (x.dist + w(link), x.hops + 1);
            let to = link.to;
            let b = bound_of(&mut pw.nodes, to);
            let Some(y) = pw.nodes.get_mut(to as usize) else {
                continue;
            };
            if y.seen == epoch {
                if y.settled == epoch || next > (y.dist, y.hops) {
                    continue;
                }
                if next == (y.dist, y.hops) {
                    y.prev = y.prev.min(id);
                    continue;
                }
            }
            (y.seen, y.dist, y.hops, y.prev) = (epoch, next.0, next.1, id);
            let key = (next.0 + b, next.1);
            pw.queue.push(Reverse(key.max((f, hops))), to);
        }
    }
    if !found {
        ws.scanned = scanned;
        return Err(NoPath::Infeasible { proven: true });
    }
    let d_t = pw.nodes.get(t as usize).map_or(0, |x| x.dist);
    // Two disjoint paths need two usable links out of the head end and two
    // into the tail end (two different neighbours, for node disjointness
    // of a pair that does not run straight from one end to the other, is
    // left to the search). Affinities often leave an access node one.
    let usable = |v: u32, inbound: bool| {
        topo.out_links(NodeId(v))
            .filter(|&id| {
                let id = if inbound {
                    topo.reverse(LinkId(id)).map_or(id, |r| r.0)
                } else {
                    id
                };
                hot.get(id as usize).is_some_and(|h| admissible(id, h))
            })
            .count()
    };
    if usable(s, false) < 2 || usable(t, true) < 2 {
        ws.scanned = scanned;
        return Ok(None);
    }

    // P1, marked on its nodes (the P1 links arriving at and leaving each).
    let mut p1 = Vec::new();
    let mut at = t;
    let mut out = NONE;
    while let Some(y) = pw.nodes.get_mut(at as usize) {
        let into = if at == s { NONE } else { y.prev };
        (y.on_p1, y.p1_in, y.p1_out) = (epoch, into, out);
        if into == NONE {
            break;
        }
        p1.push(LinkId(into));
        out = into;
        at = topo.link(LinkId(into)).map_or(s, |l| l.from.0);
    }
    p1.reverse();

    // 2./3. Second search on reduced costs, bidirectional: forward from
    // (s, free), backward from (t, free). See `second_search`.
    let ctx = Second {
        topo,
        s,
        t,
        d_t,
        node_disjoint,
        epoch,
        admissible: &admissible,
        w: &w,
        table,
        target: &target,
        source: table.target(s),
    };
    let arcs = ctx.search(pw, &mut scanned);
    ws.scanned = scanned;
    let Some(arcs) = arcs else {
        return Ok(None);
    };

    // 4. P2's links; cancel the P1 links it runs backwards.
    let mut cancelled = Vec::new();
    let mut p2 = Vec::new();
    for (link, reversed) in arcs {
        if reversed {
            cancelled.push(LinkId(link));
        } else {
            p2.push(LinkId(link));
        }
    }
    let mut links: Vec<LinkId> = p1
        .iter()
        .filter(|l| !cancelled.contains(l))
        .chain(&p2)
        .copied()
        .collect();
    // Two paths out of the remaining links, each followed from the head end
    // (the links out of any node are few: a linear scan is cheapest).
    let mut take = || -> Vec<LinkId> {
        let mut path = Vec::new();
        let mut at = s;
        while at != t {
            let Some(i) = links
                .iter()
                .position(|l| topo.link(*l).is_some_and(|x| x.from.0 == at))
            else {
                break;
            };
            let l = links.swap_remove(i);
            path.push(l);
            at = topo.link(l).map_or(t, |x| x.to.0);
        }
        path
    };
    let (a, b) = (take(), take());
    let path = |links: Vec<LinkId>| {
        let metrics = metrics_of(topo, &links);
        Path {
            links,
            metrics,
            optimal: true,
        }
    };
    Ok(Some((path(a), path(b))))
}

/// The second search: the shortest path from (s, free) to (t, free) over
/// the residual graph's states, on reduced costs (all non-negative), by
/// bidirectional Dijkstra. The side with the smaller queue goes next, so a
/// detour that is local to one end (the usual case: P1's first or last
/// link gone, the second path has to go round that end's ring) is found by
/// that end's search, while the other side stays near its start; a
/// one-directional search would explore everything whose reduced distance
/// is below the detour's, which on a tiered network is most of the cheap
/// upper tiers. Stops when the two queue tops add up to the best meeting.
struct Second<'a, A, W> {
    topo: &'a Topology,
    s: u32,
    t: u32,
    d_t: u64,
    node_disjoint: bool,
    epoch: u32,
    admissible: &'a A,
    w: &'a W,
    table: &'a super::landmarks::Table,
    target: &'a super::landmarks::Target,
    source: super::landmarks::Row,
}

impl<A, W> Second<'_, A, W>
where
    A: Fn(u32, &HotLink) -> bool,
    W: Fn(&HotLink) -> u64,
{
    fn node<'n>(&self, nodes: &'n [PairNode], v: u32) -> Option<&'n PairNode> {
        nodes.get(v as usize).filter(|x| x.on_p1 == self.epoch)
    }

    /// A node's potential `p` (see the module doc) and the backward side's
    /// goal direction `psi`, computed once per call.
    ///
    /// `p` is signed: `D - h` is negative past the tail end's distance, and
    /// clamping it would flatten it. `psi(v) = max(0, hs(v) - p(v))`, with
    /// `hs` the landmark bound on the distance from the head end, is a
    /// lower bound on the reduced distance from the head end (the residual
    /// distance is at least the original one); it is 0 on P1 (settled,
    /// `p = d >= hs`) and consistent on every arc.
    fn pots(&self, nodes: &mut [PairNode], v: u32) -> (i64, i64) {
        let Some(x) = nodes.get_mut(v as usize) else {
            return (0, 0);
        };
        if x.potted != self.epoch {
            if x.bounded != self.epoch {
                x.bounded = self.epoch;
                x.bound = self.table.bound(self.target, v);
            }
            let via_bound = self.d_t as i64 - x.bound as i64;
            let (p, psi) = if x.settled == self.epoch {
                // Settled: d + h <= D, so p = d, exact, and psi = 0 (hs <=
                // d): no second bound to compute for the first search's
                // region, which the forward side crosses again.
                ((x.dist as i64).min(via_bound), 0)
            } else {
                let hs = self.table.bound_from(&self.source, v) as i64;
                (via_bound, (hs - via_bound).max(0))
            };
            (x.potted, x.pot, x.psi) = (self.epoch, p, psi);
        }
        (x.pot, x.psi)
    }

    /// The cost of the non-P1 link (`h` its record) from `u` (its `pots`)
    /// to `v`, in half units: `2c + psi(u) - psi(v)` with `c = w + p(u) -
    /// p(v)` the reduced cost. That is the average of the forward reduced
    /// cost and the backward one shifted by `psi`, the "average potential"
    /// that makes a bidirectional search goal-directed on both sides: every
    /// arc stays non-negative, and path lengths shift by a constant, so the
    /// shortest path is the same.
    fn cost(&self, nodes: &mut [PairNode], h: &HotLink, (pu, su): (i64, i64), v: u32) -> u64 {
        let (pv, sv) = self.pots(nodes, v);
        // Non-negative for feasible potentials; the clamp only guards.
        (2 * ((self.w)(h) as i64 + pu - pv) + su - sv).max(0) as u64
    }

    /// Whether the link `id` from `from` to `to` is a P1 link, either way.
    fn on_p1(&self, nodes: &[PairNode], id: u32, from: u32, to: u32) -> bool {
        self.node(nodes, to).is_some_and(|x| x.p1_in == id)
            || self
                .topo
                .reverse(LinkId(id))
                .is_some_and(|rv| self.node(nodes, from).is_some_and(|x| x.p1_in == rv.0))
    }

    /// Entering `v` over a non-P1 link: the split state when `v` is an
    /// inner P1 node and node disjointness is asked.
    fn entry(&self, nodes: &[PairNode], v: u32) -> u32 {
        let split =
            self.node_disjoint && v != self.s && v != self.t && self.node(nodes, v).is_some();
        2 * v + u32::from(split)
    }

    fn search(&self, pw: &mut PairWorkspace, scanned: &mut u64) -> Option<Vec<(u32, bool)>> {
        let epoch = self.epoch;
        let hot = self.topo.hot();
        let (start, goal) = (2 * self.s, 2 * self.t);
        let fresh = |other: u32| Half {
            seen: epoch,
            done: 0,
            dist: 0,
            link: NONE,
            reversed: false,
            other,
        };
        if let Some(x) = pw.states.get_mut(start as usize) {
            x.fwd = fresh(NONE);
            if x.bwd.seen == epoch {
                x.bwd.seen = 0;
            }
        }
        if let Some(x) = pw.states.get_mut(goal as usize) {
            x.bwd = fresh(NONE);
            if x.fwd.seen == epoch {
                x.fwd.seen = 0;
            }
        }
        pw.fwd_queue.push(Reverse(0), start);
        pw.back_queue.push(Reverse(0), goal);
        // Best meeting: (length, state).
        let mut best: Option<(u64, u32)> = None;
        // Arcs to relax: (from, to, cost, link, reversed).
        let mut arcs: Vec<(u32, u32, u64, u32, bool)> = Vec::new();
        // The last key each side popped: keys are monotone, so it is at
        // most that side's queue minimum, and stopping on it is safe.
        let (mut last_f, mut last_b) = (0u64, 0u64);
        loop {
            let forward = pw.fwd_queue.len() <= pw.back_queue.len();
            let popped = if forward {
                pw.fwd_queue.pop()
            } else {
                pw.back_queue.pop()
            };
            // A side that runs out has labelled everything it reaches.
            let Some((Reverse(d), st)) = popped else {
                break;
            };
            let other = if forward { last_b } else { last_f };
            if best.is_some_and(|(mu, _)| d + other >= mu) {
                break;
            }
            if forward {
                last_f = d;
            } else {
                last_b = d;
            }
            let Some(&cur) = pw.states.get(st as usize) else {
                continue;
            };
            let half = if forward { cur.fwd } else { cur.bwd };
            if half.seen != epoch || half.done == epoch || d > half.dist {
                continue; // stale
            }
            if let Some(x) = pw.states.get_mut(st as usize) {
                if forward {
                    x.fwd.done = epoch;
                } else {
                    x.bwd.done = epoch;
                }
            }
            let (v, back) = (st / 2, st % 2 == 1);
            arcs.clear();
            if forward {
                // Backwards along P1 (reduced cost 0), from any P1 node but s.
                if let Some(lp) = self
                    .node(&pw.nodes, v)
                    .map(|x| x.p1_in)
                    .filter(|&l| l != NONE)
                {
                    if let Some(u) = self.topo.link(LinkId(lp)).map(|l| l.from.0) {
                        arcs.push((st, 2 * u, 0, lp, true));
                    }
                }
                if !back {
                    // A split inner node's only exit is backwards.
                    let range = self.topo.out_links(NodeId(v));
                    *scanned += u64::from(range.end - range.start);
                    let here = self.pots(&mut pw.nodes, v);
                    for id in range {
                        let Some(h) = hot.get(id as usize) else {
                            continue;
                        };
                        if self.on_p1(&pw.nodes, id, v, h.to) || !(self.admissible)(id, h) {
                            continue;
                        }
                        let cost = self.cost(&mut pw.nodes, h, here, h.to);
                        arcs.push((st, self.entry(&pw.nodes, h.to), cost, id, false));
                    }
                }
            } else {
                // Into (v, free) from (x, free) and (x, back) backwards along
                // P1, where x is v's P1 successor.
                if !back {
                    if let Some(lp) = self
                        .node(&pw.nodes, v)
                        .map(|x| x.p1_out)
                        .filter(|&l| l != NONE)
                    {
                        if let Some(x) = self.topo.link(LinkId(lp)).map(|l| l.to.0) {
                            arcs.push((2 * x, st, 0, lp, true));
                            if self.entry(&pw.nodes, x) == 2 * x + 1 {
                                arcs.push((2 * x + 1, st, 0, lp, true));
                            }
                        }
                    }
                }
                // Into this state over non-P1 links u -> v, from (u, free).
                if self.entry(&pw.nodes, v) == st {
                    let range = self.topo.out_links(NodeId(v));
                    *scanned += u64::from(range.end - range.start);
                    for out in range {
                        let Some(id) = self.topo.reverse(LinkId(out)).map(|l| l.0) else {
                            continue;
                        };
                        let Some(h) = hot.get(id as usize) else {
                            continue;
                        };
                        let Some(u) = hot.get(out as usize).map(|o| o.to) else {
                            continue;
                        };
                        if self.on_p1(&pw.nodes, id, u, v) || !(self.admissible)(id, h) {
                            continue;
                        }
                        let pu = self.pots(&mut pw.nodes, u);
                        let cost = self.cost(&mut pw.nodes, h, pu, v);
                        arcs.push((2 * u, st, cost, id, false));
                    }
                }
            }
            for &(from, to, cost, link, reversed) in &arcs {
                let (next_state, here) = if forward { (to, from) } else { (from, to) };
                let nd = d + cost;
                let Some(y) = pw.states.get_mut(next_state as usize) else {
                    continue;
                };
                let side = if forward { &mut y.fwd } else { &mut y.bwd };
                if side.seen == epoch && nd >= side.dist {
                    continue;
                }
                *side = Half {
                    seen: epoch,
                    done: 0,
                    dist: nd,
                    link,
                    reversed,
                    other: here,
                };
                let opposite = if forward { y.bwd } else { y.fwd };
                if opposite.seen == epoch {
                    let total = nd + opposite.dist;
                    if best.is_none_or(|(mu, _)| total < mu) {
                        best = Some((total, next_state));
                    }
                }
                if forward {
                    pw.fwd_queue.push(Reverse(nd), next_state);
                } else {
                    pw.back_queue.push(Reverse(nd), next_state);
                }
            }
        }
        let (_, meet) = best?;
        // The arcs from the meeting state back to the start, then on to the goal.
        let chain = |side: fn(&State) -> Half, end: u32| -> Vec<(u32, bool)> {
            let mut arcs = Vec::new();
            let mut at = meet;
            while let Some(x) = pw.states.get(at as usize).map(side) {
                if at == end || x.link == NONE {
                    break;
                }
                arcs.push((x.link, x.reversed));
                at = x.other;
            }
            arcs
        };
        let mut path = chain(|x| x.fwd, start);
        path.reverse();
        path.extend(chain(|x| x.bwd, goal));
        Some(path)
    }
}
