//! Landmark lower bounds for goal-directed search (A*, "ALT": A*,
//! landmarks, triangle inequality).
//!
//! For a few landmark nodes L, the distances d(L, v) and d(v, L) to every
//! node, per metric, give the lower bound
//! `d(v, t) >= max_L max(d(L, t) - d(L, v), d(v, L) - d(t, L))`.
//! They are computed on all the snapshot's links, up or down. A query only
//! removes links (links down, constraints, exclusions), which only
//! lengthens distances, so the bound stays admissible and consistent for
//! every constrained query on the same snapshot, and on every later one
//! whose links are no shorter: a failure and its repair, a cost-out and
//! its cost-in keep the tables. A change that shortens a link (or changes
//! the structure) makes [`super::Prepared`] build the tables of every
//! objective anew, at once, in parallel. Landmarks are chosen farthest
//! first (in hops, on all links) from node 0, so the choice is
//! deterministic and independent of which links are up.
//!
//! **Affinity classes.** Bounds from the whole graph are weak for a query
//! whose affinities remove links its unconstrained path would take: the
//! search then explores everything shorter than the detour (measured: the
//! 16% of queries that detour scanned 9x the links of the others, twice
//! the average). Operators use a handful of affinity profiles, so a class
//! (objective, exclude-any, include-any, include-all) that keeps coming
//! back gets its own tables, computed on the links it admits: still
//! admissible and consistent for every query of the class (bandwidth and
//! exclusions only remove more links), and much tighter. Queries count
//! their classes, in one of [`CLASS_SLOTS`] slots per snapshot; a class
//! met [`CLASS_THRESHOLD`] times gets its tables at the next
//! [`super::Prepared::prepare`], between queries (never inside one); until
//! then, and for other classes, the base tables serve. Which table a CSPF
//! query uses never changes its result: the search breaks ties canonically
//! (see `cspf`), independent of the bound.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use rayon::prelude::*;

use super::cspf::{affinities_admit, weight, Constraints, Objective};
use crate::topology::{HotLink, LinkId, NodeId, Topology};

/// Landmarks per snapshot. Measured on the carrier topologies (links
/// scanned per query at 2k / 10k nodes): 8 landmarks 1,295 / 6,756; 16:
/// 707 / 3,594; 32: 386 / 1,817, and 32 is the fastest in time too (the
/// bound loop is vectorized; the row is 256 bytes, four adjacent lines).
/// Memory: 256 bytes per node per table.
pub(crate) const LANDMARKS: usize = 32;

const UNREACHABLE: u32 = u32::MAX;

/// Affinity classes with their own tables, per snapshot.
pub(crate) const CLASS_SLOTS: usize = 8;

/// Queries of an affinity class before its own tables are built: one-off
/// classes never pay for tables (2 x 16 searches over the whole graph).
pub(crate) const CLASS_THRESHOLD: u32 = 16;

/// Distance tables, per objective, and per recurring affinity class.
#[derive(Debug, Default)]
pub(crate) struct Landmarks {
    nodes: Vec<u32>,
    /// Every admin-group bit some link carries.
    groups: u32,
    /// By objective: IGP, TE, delay, hops.
    tables: [Table; 4],
    classes: [OnceLock<ClassSlot>; CLASS_SLOTS],
    /// The lengths of the links the tables were computed on
    /// ([`Topology::lengths`]).
    base: Topology,
}

pub(crate) const OBJECTIVES: [Objective; 4] = [
    Objective::Igp,
    Objective::Te,
    Objective::Delay,
    Objective::Hops,
];

/// What a class table is computed for: links that pass these affinities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Class {
    objective: Objective,
    exclude_any: u32,
    include_any: u32,
    include_all: u32,
}

impl Class {
    #[inline]
    fn admits(&self, h: &HotLink) -> bool {
        affinities_admit(
            h.admin_groups,
            self.exclude_any,
            self.include_any,
            self.include_all,
        )
    }
}

#[derive(Debug)]
struct ClassSlot {
    class: Class,
    queries: AtomicU32,
    table: OnceLock<Table>,
}

/// Node-major table: node `v`'s row holds d(L_l, v) (`from`) and d(v, L_l)
/// (`to`) side by side, [`Row`]s of 256 bytes aligned to a cache line: the
/// four lines a bound reads are adjacent, so the prefetcher brings them
/// together (two separate arrays measured 21% of all CSPF cycles on the
/// first load). Saturated at `u32::MAX - 1`; `u32::MAX` is unreachable.
#[derive(Debug, Default)]
pub(crate) struct Table {
    rows: Vec<Row>,
}

/// One node's distances to and from every landmark, or the tail end's row,
/// copied once per query.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
pub(crate) struct Row {
    from: [u32; LANDMARKS],
    to: [u32; LANDMARKS],
}

/// The tail end's row.
pub(crate) type Target = Row;

impl Row {
    const UNREACHABLE: Self = Self {
        from: [UNREACHABLE; LANDMARKS],
        to: [UNREACHABLE; LANDMARKS],
    };
}

impl Table {
    /// The row of the query's tail end.
    pub(crate) fn target(&self, t: u32) -> Target {
        self.rows
            .get(t as usize)
            .copied()
            .unwrap_or(Row::UNREACHABLE)
    }

    /// Whether the table proves that `v` cannot reach the target, on the
    /// links it was computed on (so in no query that uses it either): a
    /// landmark reaches `v` but not the target, or the target reaches a
    /// landmark that `v` cannot.
    pub(crate) fn separated(&self, target: &Target, v: u32) -> bool {
        let Some(row) = self.rows.get(v as usize) else {
            return false;
        };
        let mut from = row.from.iter().zip(&target.from);
        let mut to = row.to.iter().zip(&target.to);
        from.any(|(&v, &t)| t == UNREACHABLE && v != UNREACHABLE)
            || to.any(|(&v, &t)| v == UNREACHABLE && t != UNREACHABLE)
    }

    /// A lower bound on the distance from `source` (its row) to `v`.
    #[inline]
    pub(crate) fn bound_from(&self, source: &Row, v: u32) -> u64 {
        self.rows
            .get(v as usize)
            .map_or(0, |row| lower_bound(source, row))
    }

    /// A lower bound on the distance from `v` to the target.
    #[inline]
    pub(crate) fn bound(&self, target: &Target, v: u32) -> u64 {
        self.rows
            .get(v as usize)
            .map_or(0, |row| lower_bound(row, target))
    }
}

/// A lower bound on d(a, b) from their rows: d(a,b) >= d(L,b) - d(L,a) and
/// d(a,b) >= d(a,L) - d(b,L), for every landmark L.
///
/// Unreachable is u32::MAX and there are no branches: where L cannot reach
/// a (or b cannot reach L) the difference saturates to 0; where L reaches
/// a but not b (or a cannot reach L but b can), a cannot reach b in the
/// landmark graph, so in no query's subgraph either, and the huge bound is
/// still admissible (and consistent). Unused columns are unreachable on
/// every row and contribute 0. Fixed-size arrays let the compiler
/// vectorize this loop.
#[inline]
fn lower_bound(a: &Row, b: &Row) -> u64 {
    let mut best = 0u32;
    for (((la, lb), al), bl) in a.from.iter().zip(&b.from).zip(&a.to).zip(&b.to) {
        best = best.max(lb.saturating_sub(*la)).max(al.saturating_sub(*bl));
    }
    u64::from(best)
}

impl Landmarks {
    pub(crate) fn memory_bytes(&self) -> usize {
        self.tables
            .iter()
            .chain(
                self.classes
                    .iter()
                    .filter_map(OnceLock::get)
                    .filter_map(|c| c.table.get()),
            )
            .map(|t| t.rows.capacity() * size_of::<Row>())
            .sum()
    }

    /// Affinity classes whose tables are built.
    pub(crate) fn class_tables(&self) -> usize {
        self.classes
            .iter()
            .filter_map(OnceLock::get)
            .filter(|c| c.table.get().is_some())
            .count()
    }

    /// Choose the landmarks and build the base table of every objective
    /// (in parallel, on the current rayon pool).
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
        let groups = topo.hot().iter().fold(0, |g, h| g | h.admin_groups);
        let mut tables: [Table; 4] = Default::default();
        tables
            .par_iter_mut()
            .zip(OBJECTIVES)
            .for_each(|(t, o)| *t = build_table(&nodes, topo, o, |_| true));
        Self {
            nodes,
            groups,
            tables,
            classes: Default::default(),
            base: topo.lengths(),
        }
    }

    /// The lengths of the links the tables were computed on: they bound
    /// the distances of every snapshot whose links are no shorter
    /// ([`Topology::only_lengthens`]).
    pub(crate) fn base(&self) -> &Topology {
        &self.base
    }

    /// The tightest table built for a query with constraints `c`: its
    /// affinity class's own, or the base table for `objective`. Counts the
    /// class (see [`Self::build_due`]); builds nothing.
    pub(crate) fn table_for(&self, objective: Objective, c: &Constraints) -> &Table {
        // Exclude-any bits no link carries exclude nothing.
        let class = Class {
            objective,
            exclude_any: c.exclude_any & self.groups,
            include_any: c.include_any,
            include_all: c.include_all,
        };
        if class.exclude_any == 0 && class.include_any == 0 && class.include_all == 0 {
            return self.table(objective);
        }
        for slot in &self.classes {
            let s = slot.get_or_init(|| ClassSlot {
                class,
                queries: AtomicU32::new(0),
                table: OnceLock::new(),
            });
            if s.class != class {
                continue;
            }
            if let Some(t) = s.table.get() {
                return t;
            }
            s.queries.fetch_add(1, Ordering::Relaxed);
            break;
        }
        self.table(objective)
    }

    /// The base table for `objective`.
    pub(crate) fn table(&self, objective: Objective) -> &Table {
        let [igp, te, delay, hops] = &self.tables;
        match objective {
            Objective::Igp => igp,
            Objective::Te => te,
            Objective::Delay => delay,
            Objective::Hops => hops,
        }
    }

    /// Build the tables of the classes met [`CLASS_THRESHOLD`] times (on
    /// the current rayon pool); how many were built.
    pub(crate) fn build_due(&self, topo: &Topology) -> usize {
        let mut built = 0;
        for slot in self.classes.iter().filter_map(OnceLock::get) {
            if slot.table.get().is_none() && slot.queries.load(Ordering::Relaxed) >= CLASS_THRESHOLD
            {
                let class = slot.class;
                let table = build_table(&self.nodes, topo, class.objective, |h| class.admits(h));
                if slot.table.set(table).is_ok() {
                    built += 1;
                }
            }
        }
        built
    }
}

/// Tables on the links that `admit` accepts, up or down: the 2 x LANDMARKS searches
/// in parallel (rayon; never called from inside a query, so a worker that
/// waits here never re-enters it).
fn build_table(
    landmarks: &[u32],
    topo: &Topology,
    objective: Objective,
    admit: impl Fn(&HotLink) -> bool + Copy + Sync + Send,
) -> Table {
    // Rows always have LANDMARKS columns (fixed-size bound loop); unused
    // columns stay unreachable and contribute nothing.
    let searches: Vec<(Vec<u32>, Vec<u32>)> = landmarks
        .par_iter()
        .take(LANDMARKS)
        .map(|&root| {
            rayon::join(
                || dijkstra(topo, root, objective, false, admit),
                || dijkstra(topo, root, objective, true, admit),
            )
        })
        .collect();
    let mut rows = vec![Row::UNREACHABLE; topo.node_count()];
    for (l, (forward, backward)) in searches.into_iter().enumerate() {
        for ((row, f), b) in rows.iter_mut().zip(forward).zip(backward) {
            if let (Some(x), Some(y)) = (row.from.get_mut(l), row.to.get_mut(l)) {
                (*x, *y) = (f, b);
            }
        }
    }
    Table { rows }
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
            if let Some(x) = d.get_mut(h.to as usize) {
                if *x == u32::MAX {
                    *x = dv + 1;
                    q.push_back(h.to);
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

/// Distances from (`backward`: to) `root` on the links `admit` accepts,
/// up or down.
pub(crate) fn dijkstra(
    topo: &Topology,
    root: u32,
    objective: Objective,
    backward: bool,
    admit: impl Fn(&HotLink) -> bool,
) -> Vec<u32> {
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
            if !admit(h) {
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
