//! Landmark lower bounds for goal-directed search (A*, "ALT": A*,
//! landmarks, triangle inequality).
//!
//! For a few landmark nodes L, the distances d(L, v) and d(v, L) to every
//! node, per metric, give the lower bound
//! `d(v, t) >= max_L max(d(L, t) - d(L, v), d(v, L) - d(t, L))`.
//! They are computed on the snapshot's up links. A query only removes links
//! (constraints, exclusions), which only lengthens distances, so the bound
//! stays admissible and consistent for every constrained query on the same
//! snapshot. A snapshot is immutable: a topology event builds a new one,
//! whose tables are rebuilt on first use. Landmarks are chosen farthest
//! first (in hops) from node 0, so the choice is deterministic.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::OnceLock;

use super::cspf::Objective;
use crate::topology::{HotLink, LinkId, NodeId, Topology};

/// Landmarks per snapshot.
pub(crate) const LANDMARKS: usize = 16;

const UNREACHABLE: u32 = u32::MAX;

/// Distance tables, per objective, built on first use.
#[derive(Debug, Default)]
pub(crate) struct Landmarks {
    nodes: Vec<u32>,
    tables: [OnceLock<Table>; 4],
}

/// Node-major tables: `from[v * L + l]` = d(L_l, v), `to[v * L + l]` =
/// d(v, L_l), so one node's distances are contiguous (one or two cache
/// lines). Saturated at `u32::MAX - 1`; `u32::MAX` is unreachable.
#[derive(Debug, Default)]
pub(crate) struct Table {
    from: Vec<u32>,
    to: Vec<u32>,
}

/// The tail end's row, copied once per query.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target {
    from: [u32; LANDMARKS],
    to: [u32; LANDMARKS],
}

impl Table {
    /// A node's row: exactly [`LANDMARKS`] columns (unused ones unreachable).
    #[inline]
    fn row(v: &[u32], node: usize) -> Option<&[u32; LANDMARKS]> {
        v.get(node * LANDMARKS..(node + 1) * LANDMARKS)
            .and_then(|r| r.try_into().ok())
    }

    /// The row of the query's tail end.
    pub(crate) fn target(&self, t: u32) -> Target {
        let unreachable = [UNREACHABLE; LANDMARKS];
        Target {
            from: *Self::row(&self.from, t as usize).unwrap_or(&unreachable),
            to: *Self::row(&self.to, t as usize).unwrap_or(&unreachable),
        }
    }

    /// A lower bound on the distance from `v` to the target.
    #[inline]
    pub(crate) fn bound(&self, target: &Target, v: u32) -> u64 {
        let (Some(vf), Some(vt)) = (
            Self::row(&self.from, v as usize),
            Self::row(&self.to, v as usize),
        ) else {
            return 0;
        };
        // d(v,t) >= d(L,t) - d(L,v) and d(v,t) >= d(v,L) - d(t,L), with
        // unreachable = u32::MAX and no branches: where L cannot reach v (or
        // t cannot reach L) the difference saturates to 0; where L reaches v
        // but not t (or v cannot reach L but t can), v cannot reach t in the
        // landmark graph, so in no query's subgraph either, and the huge
        // bound is still admissible (and consistent). Unused columns are
        // unreachable on every row and contribute 0. Fixed-size arrays let
        // the compiler vectorize this loop.
        let mut best = 0u32;
        for (((lv, lt), vl), tl) in vf.iter().zip(&target.from).zip(vt).zip(&target.to) {
            best = best.max(lt.saturating_sub(*lv)).max(vl.saturating_sub(*tl));
        }
        u64::from(best)
    }
}

#[inline]
fn weight(h: &HotLink, o: Objective) -> u64 {
    match o {
        Objective::Igp => u64::from(h.igp),
        Objective::Te => u64::from(h.te),
        Objective::Delay => u64::from(h.delay_us),
        Objective::Hops => 1,
    }
}

impl Landmarks {
    pub(crate) fn memory_bytes(&self) -> usize {
        self.tables
            .iter()
            .filter_map(OnceLock::get)
            .map(|t| (t.from.capacity() + t.to.capacity()) * 4)
            .sum()
    }

    pub(crate) fn build(topo: &Topology) -> Self {
        let n = topo.node_count();
        let mut nodes: Vec<u32> = Vec::new();
        if n > 0 {
            // Farthest first in hops: start from node 0's farthest node.
            let mut min_hops = vec![u32::MAX; n];
            let mut next = farthest(&bfs(topo, 0));
            while nodes.len() < LANDMARKS.min(n) {
                let Some(l) = next else { break };
                nodes.push(l);
                let d = bfs(topo, l);
                for (m, x) in min_hops.iter_mut().zip(&d) {
                    *m = (*m).min(*x);
                }
                next = farthest(&min_hops).filter(|c| !nodes.contains(c));
            }
        }
        Self {
            nodes,
            tables: Default::default(),
        }
    }

    /// The table for `objective`, built on first use.
    pub(crate) fn table(&self, topo: &Topology, objective: Objective) -> &Table {
        let [igp, te, delay, hops] = &self.tables;
        let cell = match objective {
            Objective::Igp => igp,
            Objective::Te => te,
            Objective::Delay => delay,
            Objective::Hops => hops,
        };
        cell.get_or_init(|| {
            // Rows always have LANDMARKS columns (fixed-size bound loop);
            // unused columns stay unreachable and contribute nothing.
            let (n, k) = (topo.node_count(), LANDMARKS);
            let mut from = vec![UNREACHABLE; k * n];
            let mut to = vec![UNREACHABLE; k * n];
            for (l, &root) in self.nodes.iter().enumerate().take(k) {
                let forward = dijkstra(topo, root, objective, false);
                let backward = dijkstra(topo, root, objective, true);
                for (v, (f, b)) in forward.into_iter().zip(backward).enumerate() {
                    if let (Some(x), Some(y)) = (from.get_mut(v * k + l), to.get_mut(v * k + l)) {
                        (*x, *y) = (f, b);
                    }
                }
            }
            Table { from, to }
        })
    }
}

fn bfs(topo: &Topology, from: u32) -> Vec<u32> {
    let mut d = vec![u32::MAX; topo.node_count()];
    let mut q = VecDeque::new();
    if let Some(x) = d.get_mut(from as usize) {
        *x = 0;
        q.push_back(from);
    }
    while let Some(v) = q.pop_front() {
        let dv = d.get(v as usize).copied().unwrap_or(0);
        for id in topo.out_links(NodeId(v)) {
            let Some(h) = topo.hot().get(id as usize) else {
                continue;
            };
            if h.flags & HotLink::UP != 0 {
                if let Some(x) = d.get_mut(h.to as usize) {
                    if *x == u32::MAX {
                        *x = dv + 1;
                        q.push_back(h.to);
                    }
                }
            }
        }
    }
    d
}

/// The reachable node with the largest score (lowest index on ties).
fn farthest(score: &[u32]) -> Option<u32> {
    score
        .iter()
        .enumerate()
        .filter(|(_, &s)| s != u32::MAX)
        .max_by_key(|(i, &s)| (s, Reverse(*i)))
        .map(|(i, _)| i as u32)
}

/// Distances from (`backward`: to) `root` on up links.
fn dijkstra(topo: &Topology, root: u32, objective: Objective, backward: bool) -> Vec<u32> {
    let n = topo.node_count();
    let mut dist = vec![u64::MAX; n];
    let mut heap = BinaryHeap::new();
    if let Some(d) = dist.get_mut(root as usize) {
        *d = 0;
        heap.push(Reverse((0u64, root)));
    }
    while let Some(Reverse((d, v))) = heap.pop() {
        if dist.get(v as usize).is_some_and(|&x| x < d) {
            continue;
        }
        for id in topo.out_links(NodeId(v)) {
            // Backward: the link arriving at v is the reverse of v's outgoing one.
            let lid = if backward {
                topo.reverse(LinkId(id)).map_or(id, |r| r.0)
            } else {
                id
            };
            let (Some(h), Some(out)) = (topo.hot().get(lid as usize), topo.hot().get(id as usize))
            else {
                continue;
            };
            if h.flags & HotLink::UP == 0 {
                continue;
            }
            let next = out.to;
            let nd = d + weight(h, objective);
            if let Some(x) = dist.get_mut(next as usize) {
                if nd < *x {
                    *x = nd;
                    heap.push(Reverse((nd, next)));
                }
            }
        }
    }
    dist.into_iter()
        .map(|d| {
            if d == u64::MAX {
                UNREACHABLE
            } else {
                d.min(u64::from(UNREACHABLE - 1)) as u32
            }
        })
        .collect()
}
