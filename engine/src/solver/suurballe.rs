//! Two disjoint paths with the same ends and the least total cost:
//! Suurballe's algorithm, with Bhandari's node splitting for node
//! disjointness (RFC 8800 L or N; min-sum). Exact and polynomial: two
//! shortest-path searches.
//!
//! 1. The shortest path P1 and distances `d` from the head end.
//! 2. Residual graph: P1's links (both directions of each physical link)
//!    are removed and replaced by their reverse, so a second path can
//!    "undo" part of P1. With potentials `pi(v) = min(d(v), d(t))`, every
//!    residual link has a non-negative reduced cost (P1's reversed links
//!    cost 0), so Dijkstra applies.
//! 3. For node disjointness, a second path that reaches an inner node of P1
//!    over another link must leave it backwards along P1 (the split node's
//!    only way out), which keeps the two paths from sharing that node.
//! 4. Links used forwards by P1 and backwards by P2 cancel; the remaining
//!    links form two disjoint paths, taken apart from the head end.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::cspf::{NoPath, Path, PathMetrics, PathRequest, Reservations, Workspace};
use crate::topology::{HotLink, LinkId, NodeId, Topology};

/// The two paths, or why there are none.
pub fn disjoint_pair(
    topo: &Topology,
    r: &Reservations,
    req: &PathRequest,
    node_disjoint: bool,
    _ws: &mut Workspace,
) -> Result<Option<(Path, Path)>, NoPath> {
    let (s, t) = (req.source, req.destination);
    if topo.node(s).is_none() || topo.node(t).is_none() {
        return Err(NoPath::UnknownNode);
    }
    if s == t {
        return Err(NoPath::SameEndpoints);
    }
    let n = topo.node_count();
    let admissible = |id: u32| -> bool {
        let Some(h) = topo.hot().get(id as usize) else {
            return false;
        };
        super::cspf::admissible_for(topo, id, h, &req.constraints, r)
    };
    let w = |id: u32| topo.hot().get(id as usize).map_or(0, |h| weight(h, req));

    // 1. A* from s to t with the landmark bound h. Settled nodes get their
    // exact distance d; the potential is pi(v) = min(d(v), d(t) - h(v)),
    // the minimum of two feasible potentials (h is consistent), exact on P1
    // (where d(v) + h(v) <= d(t)), and computable for unsettled nodes too,
    // whose d(v) is at least d(t) - h(v).
    let table = topo.landmarks().table(topo, req.objective);
    let target = table.target(t.0);
    let mut h = vec![u64::MAX; n]; // cached bounds
    let bound = |v: usize, h: &mut Vec<u64>| -> u64 {
        match h.get(v) {
            Some(&x) if x != u64::MAX => x,
            _ => {
                let x = table.bound(&target, v as u32);
                if let Some(slot) = h.get_mut(v) {
                    *slot = x;
                }
                x
            }
        }
    };
    let mut dist = vec![u64::MAX; n];
    let mut settled = vec![false; n];
    let mut prev = vec![u32::MAX; n];
    let mut heap = BinaryHeap::new();
    set(&mut dist, s.index(), 0);
    heap.push(Reverse((bound(s.index(), &mut h), s.0)));
    while let Some(Reverse((f, v))) = heap.pop() {
        let vi = v as usize;
        let (Some(&d), false) = (dist.get(vi), settled.get(vi).copied().unwrap_or(true)) else {
            continue;
        };
        if f > d + bound(vi, &mut h) {
            continue; // stale
        }
        set_bool(&mut settled, vi);
        if v == t.0 {
            break;
        }
        for id in topo.out_links(NodeId(v)) {
            if !admissible(id) {
                continue;
            }
            let Some(to) = topo.hot().get(id as usize).map(|x| x.to as usize) else {
                continue;
            };
            let nd = d + w(id);
            if dist.get(to).is_some_and(|&x| nd < x) && !settled.get(to).copied().unwrap_or(true) {
                set(&mut dist, to, nd);
                if let Some(p) = prev.get_mut(to) {
                    *p = id;
                }
                heap.push(Reverse((nd + bound(to, &mut h), to as u32)));
            }
        }
    }
    let dt = if settled.get(t.index()).copied().unwrap_or(false) {
        dist.get(t.index()).copied().unwrap_or(u64::MAX)
    } else {
        u64::MAX
    };
    if dt == u64::MAX {
        return Err(NoPath::Infeasible { proven: true });
    }
    let p1 = walk_back(topo, &prev, s, t);
    let mut pi = |v: usize| -> u64 {
        let via_bound = dt.saturating_sub(bound(v, &mut h));
        if settled.get(v).copied().unwrap_or(false) {
            dist.get(v).copied().unwrap_or(u64::MAX).min(via_bound)
        } else {
            via_bound
        }
    };

    // P1 membership: its links (and their reverses) and inner nodes.
    let mut on_p1 = vec![false; topo.link_count()];
    let mut p1_prev_link = vec![u32::MAX; n]; // for a P1 node: the P1 link arriving at it
    for l in &p1 {
        set_bool(&mut on_p1, l.index());
        if let Some(rv) = topo.reverse(*l) {
            set_bool(&mut on_p1, rv.index());
        }
        if let Some(h) = topo.hot().get(l.index()) {
            if let Some(x) = p1_prev_link.get_mut(h.to as usize) {
                *x = l.0;
            }
        }
    }
    let inner = |v: usize| {
        v != s.index() && v != t.index() && p1_prev_link.get(v).is_some_and(|&x| x != u32::MAX)
    };

    // 2./3. Second search on reduced costs over (node, must_go_back) states.
    // An arc is (link id, reversed?): reversed arcs run P1 backwards.
    let state = |v: usize, back: bool| v * 2 + usize::from(back);
    let mut dist2 = vec![u64::MAX; 2 * n];
    let mut prev2: Vec<(u32, bool, u32)> = vec![(u32::MAX, false, u32::MAX); 2 * n];
    set(&mut dist2, state(s.index(), false), 0);
    heap.clear();
    heap.push(Reverse((0, state(s.index(), false) as u32)));
    let mut reached = None;
    while let Some(Reverse((d, st))) = heap.pop() {
        let st = st as usize;
        if dist2.get(st).is_some_and(|&x| x < d) {
            continue;
        }
        let (v, back) = (st / 2, st % 2 == 1);
        if v == t.index() {
            reached = Some(st);
            break;
        }
        let mut relax = |to: usize,
                         to_back: bool,
                         cost: u64,
                         link: u32,
                         reversed: bool,
                         heap: &mut BinaryHeap<Reverse<(u64, u32)>>| {
            let ts = state(to, to_back);
            let nd = d + cost;
            if dist2.get(ts).is_some_and(|&x| nd < x) {
                set(&mut dist2, ts, nd);
                if let Some(p) = prev2.get_mut(ts) {
                    *p = (link, reversed, st as u32);
                }
                heap.push(Reverse((nd, ts as u32)));
            }
        };
        // Backwards along P1 (reduced cost 0), allowed from any P1 node but s.
        if let Some(&lp) = p1_prev_link.get(v) {
            if lp != u32::MAX && v != s.index() {
                if let Some(from) = topo.link(LinkId(lp)).map(|l| l.from.index()) {
                    relax(from, false, 0, lp, true, &mut heap);
                }
            }
        }
        if back {
            continue; // a split inner node's only exit is backwards
        }
        for id in topo.out_links(NodeId(v as u32)) {
            if on_p1.get(id as usize).copied().unwrap_or(true) || !admissible(id) {
                continue;
            }
            let Some(to) = topo.hot().get(id as usize).map(|h| h.to as usize) else {
                continue;
            };
            let (pu, pv) = (pi(v), pi(to));
            if pu == u64::MAX || pv == u64::MAX {
                continue;
            }
            let reduced = (w(id) + pu).saturating_sub(pv);
            relax(
                to,
                node_disjoint && inner(to),
                reduced,
                id,
                false,
                &mut heap,
            );
        }
    }
    let Some(mut st) = reached else {
        return Ok(None);
    };

    // 4. P2's links; cancel P1 links it runs backwards.
    let mut cancelled = vec![false; topo.link_count()];
    let mut p2 = Vec::new();
    while st != state(s.index(), false) {
        let Some(&(link, reversed, from)) = prev2.get(st) else {
            break;
        };
        if link == u32::MAX {
            break;
        }
        if reversed {
            set_bool(&mut cancelled, link as usize);
        } else {
            p2.push(LinkId(link));
        }
        st = from as usize;
    }
    let mut out: Vec<Vec<LinkId>> = vec![Vec::new(); n];
    for l in p1
        .iter()
        .filter(|l| !cancelled.get(l.index()).copied().unwrap_or(false))
        .chain(&p2)
    {
        if let Some(from) = topo.link(*l).map(|x| x.from.index()) {
            if let Some(v) = out.get_mut(from) {
                v.push(*l);
            }
        }
    }
    let mut take = || -> Vec<LinkId> {
        let mut path = Vec::new();
        let mut at = s.index();
        while at != t.index() {
            let Some(l) = out.get_mut(at).and_then(Vec::pop) else {
                break;
            };
            path.push(l);
            at = topo.link(l).map_or(t.index(), |x| x.to.index());
        }
        path
    };
    let (a, b) = (take(), take());
    let path = |links: Vec<LinkId>| {
        let metrics = links.iter().filter_map(|l| topo.hot().get(l.index())).fold(
            PathMetrics::default(),
            |m, h| PathMetrics {
                igp: m.igp + u64::from(h.igp),
                te: m.te + u64::from(h.te),
                delay_us: m.delay_us + u64::from(h.delay_us),
                hops: m.hops + 1,
            },
        );
        Path {
            links,
            metrics,
            optimal: true,
        }
    };
    Ok(Some((path(a), path(b))))
}

fn weight(h: &HotLink, req: &PathRequest) -> u64 {
    use super::cspf::Objective;
    match req.objective {
        Objective::Igp => u64::from(h.igp),
        Objective::Te => u64::from(h.te),
        Objective::Delay => u64::from(h.delay_us),
        Objective::Hops => 1,
    }
}

fn walk_back(topo: &Topology, prev: &[u32], s: NodeId, t: NodeId) -> Vec<LinkId> {
    let mut links = Vec::new();
    let mut at = t.index();
    while at != s.index() {
        let Some(&l) = prev.get(at).filter(|&&l| l != u32::MAX) else {
            break;
        };
        links.push(LinkId(l));
        at = topo.link(LinkId(l)).map_or(s.index(), |x| x.from.index());
    }
    links.reverse();
    links
}

fn set(v: &mut [u64], i: usize, x: u64) {
    if let Some(slot) = v.get_mut(i) {
        *slot = x;
    }
}

fn set_bool(v: &mut [bool], i: usize) {
    if let Some(slot) = v.get_mut(i) {
        *slot = true;
    }
}
