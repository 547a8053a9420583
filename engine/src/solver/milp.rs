//! The last resort of the group search: a mixed-integer program, solved
//! exactly by branch and bound (the `microlp` crate, pure Rust), for the
//! groups that neither the candidate lists of [`super::disjoint`] nor the
//! search by conflicts of [`super::conflicts`] settle within their budgets.
//!
//! The model: per member and per segment between its waypoints (head,
//! include-nodes in order, tail), a binary variable per admissible arc
//! (every constraint of the member but the bounds decides which), flow
//! conservation from one waypoint to the next, at most one arc into and
//! one out of every node over all segments (a simple path: a cycle apart
//! from the path may appear, it only adds cost and sharing and is dropped
//! when the path is read), the bounds on IGP, TE, delay and hops as rows.
//! Disjointness as asked (N and S imply L) as rows; for the fallback of
//! T=0, the elements two members share counted by sharing variables. The
//! criteria are minimized in turn, each optimum fixed before the next, each
//! stage starting from the previous stage's answer: T=1 the group
//! objective (min-max: the largest cost, then the sum); T=0 the shared
//! elements of the kinds asked, then shared links, then the objective:
//! the ranking of [`super::conflicts`].
//!
//! Three things make the branch and bound (which has no cuts of its own)
//! settle what it could not before: rows for the elements a member cannot
//! avoid (found by reachability, [`Model::forced`]); for three members or
//! more, the pairs sharing an element bounded below by the number of
//! members on it ([`Model::shared_by_pairs`]); and each stage starting
//! from the previous stage's paths with their stray cycles removed, with a
//! second chance for a stage the tree leaves open (its members re-searched
//! two at a time around the best answer, [`Model::lexicographic`]).
//!
//! Proofs are what the branch and bound proves: an infeasible first stage
//! proves the level impossible; an optimum at every stage is optimal. The
//! paths read back are checked against the engine's own definitions
//! (constraints, disjointness, the values of each stage) before any claim
//! is made; anything else, or a branch-and-bound node budget spent, proves
//! nothing.

use std::collections::{HashMap, VecDeque};

use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem, SolveOptions, Variable};

use super::conflicts::{Goal, Outcome};
use super::cspf::{
    admissible_for, metrics_of, weight, within_bounds, Path, PathRequest, Reservations,
};
use super::disjoint::{
    disjoint, physical_link, shared, Disjointness, GroupObjective, GroupRequest,
};
use super::Prepared;
use crate::topology::{Link, LinkId, NodeId, Topology};

/// Work the MILP may do before it gives up proving anything, at
/// [`super::disjoint::Effort::FULL`]: branch-and-bound nodes (over all
/// its stages and searches) times the model's variables, since a node's
/// cost grows with the model (measured 2-180 ms per node on 1,000-2,000
/// variables). About 1,000 nodes on a 1,000-variable model; the slowest of
/// the 1,000 small instances of BENCHMARKS.md takes 106 s (seed 575). (A
/// larger budget proves seed 10,080 of the CI test, whose last stage needs
/// 2,059 nodes, but lets other trees run for ten minutes; nodes are a poor
/// measure of time here, and resuming the tree to count simplex
/// iterations instead made every search slower.)
pub const MILP_WORK: u64 = 1_000_000;

/// Largest model (variables) the MILP is built for; a larger group is left
/// unproven.
pub const MILP_MAX_VARIABLES: usize = 200_000;

type Terms = Vec<(usize, f64)>;

/// A link's value under a bounded metric.
type Metric = fn(&Link) -> u64;

/// Each stage's optimum, and the variables' values at the last.
type Solved = (Vec<f64>, Vec<f64>);

/// A stage's outcome.
enum Stage {
    /// No answer at all.
    Infeasible,
    /// The budget ran out before any answer.
    Nothing,
    /// An answer, and the bound the tree proved.
    Found {
        optimal: bool,
        value: f64,
        bound: f64,
        values: Vec<f64>,
        spent: u64,
    },
}

/// A variable's domain.
#[derive(Clone, Copy)]
enum Domain {
    Binary,
    /// Continuous, from 0.
    NonNegative,
}

struct Model<'a> {
    topo: &'a Prepared,
    group: &'a GroupRequest,
    vars: Vec<Domain>,
    rows: Vec<(Terms, ComparisonOp, f64)>,
    /// Per member, per segment: (arc, variable).
    arcs: Vec<Vec<Vec<(LinkId, usize)>>>,
    /// Per member: its waypoints.
    waypoints: Vec<Vec<NodeId>>,
    /// A member with no admissible route at all (proven).
    empty: bool,
    /// Per (member, SRLG): the variable of the member's use of it.
    srlg_vars: HashMap<(usize, u32), usize>,
    /// Per variable: the member whose arc it is.
    member_of: Vec<Option<usize>>,
}

impl<'a> Model<'a> {
    fn var(&mut self, d: Domain) -> usize {
        self.vars.push(d);
        self.vars.len() - 1
    }

    fn topology(&self) -> &'a Topology {
        self.topo.topology()
    }

    /// Whether `v` is member `i`'s head or tail.
    fn end(&self, i: usize, v: NodeId) -> bool {
        self.group
            .members
            .get(i)
            .is_some_and(|m| m.source == v || m.destination == v)
    }

    /// Member `i`'s variables on arcs satisfying `f`, all segments.
    fn on(&self, i: usize, f: impl Fn(LinkId) -> bool) -> Terms {
        self.arcs
            .get(i)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|(l, _)| f(*l))
            .map(|&(_, v)| (v, 1.0))
            .collect()
    }

    /// Member `i`'s use of `v` as a transit node (arcs entering it); `None`
    /// at its ends (always used).
    fn transit(&self, i: usize, v: NodeId) -> Option<Terms> {
        let topo = self.topology();
        (!self.end(i, v)).then(|| self.on(i, |l| topo.link(l).is_some_and(|k| k.to == v)))
    }

    fn cost(&self, i: usize) -> Terms {
        let topo = self.topology();
        let Some(m) = self.group.members.get(i) else {
            return Vec::new();
        };
        self.arcs
            .get(i)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|&(l, v)| {
                let w = topo.hot().get(l.index()).map(|h| weight(h, m.objective))?;
                (w > 0).then_some((v, w as f64))
            })
            .collect()
    }

    fn build(topo: &'a Prepared, r: &Reservations, group: &'a GroupRequest, goal: Goal) -> Self {
        let mut model = Model {
            topo,
            group,
            vars: Vec::new(),
            rows: Vec::new(),
            arcs: Vec::new(),
            waypoints: Vec::new(),
            empty: false,
            srlg_vars: HashMap::new(),
            member_of: Vec::new(),
        };
        let t = topo.topology();
        let strict = match goal {
            Goal::Strict(d) => Some(Disjointness { link: d.any(), ..d }),
            Goal::LeastShared(_) => None,
        };
        let n = group.members.len();
        let ends: Vec<NodeId> = group
            .members
            .iter()
            .flat_map(|m| [m.source, m.destination])
            .collect();
        for (i, m) in group.members.iter().enumerate() {
            let pinned = group.pinned.get(i).and_then(Option::as_ref);
            let mut w = vec![m.source];
            if pinned.is_none() {
                w.extend(m.constraints.include_nodes.iter().copied());
            }
            w.push(m.destination);
            w.dedup();
            let mut distinct = w.clone();
            distinct.sort_unstable();
            distinct.dedup();
            if distinct.len() != w.len() {
                model.empty = true;
            }
            let admitted: Vec<LinkId> = match pinned {
                Some(p) => p.links.clone(),
                None => (0..t.link_count() as u32)
                    .filter(|&id| {
                        t.hot()
                            .get(id as usize)
                            .is_some_and(|h| admissible_for(topo, id, h, &m.constraints, r))
                    })
                    .map(LinkId)
                    .collect(),
            };
            let admitted: Vec<LinkId> = admitted
                .into_iter()
                .filter(|&l| {
                    let Some(k) = t.link(l) else { return false };
                    if k.to == m.source || k.from == m.destination {
                        return false;
                    }
                    // Strict N: no transit through another member's end.
                    !(strict.is_some_and(|d| d.node)
                        && k.to != m.destination
                        && ends.contains(&k.to))
                })
                .collect();
            let segments = (0..w.len() - 1)
                .map(|_| {
                    admitted
                        .iter()
                        .map(|&l| (l, model.var(Domain::Binary)))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>();
            model.member_of.resize(model.vars.len(), None);
            for &(_, v) in segments.iter().flatten() {
                if let Some(slot) = model.member_of.get_mut(v) {
                    *slot = Some(i);
                }
            }
            model.arcs.push(segments);
            model.waypoints.push(w);
        }
        // Flows and degrees.
        let push = |v: &mut [Terms], node: NodeId, term: (usize, f64)| {
            if let Some(slot) = v.get_mut(node.index()) {
                slot.push(term);
            }
        };
        for i in 0..n {
            let (Some(w), Some(segments), Some(m)) = (
                model.waypoints.get(i).cloned(),
                model.arcs.get(i).cloned(),
                group.members.get(i),
            ) else {
                continue;
            };
            for (seg, (from, to)) in segments.iter().zip(w.iter().zip(w.iter().skip(1))) {
                let mut balance: Vec<Terms> = vec![Vec::new(); t.node_count()];
                for &(l, v) in seg {
                    if let Some(k) = t.link(l) {
                        push(&mut balance, k.from, (v, 1.0));
                        push(&mut balance, k.to, (v, -1.0));
                    }
                }
                for (node, terms) in balance.into_iter().enumerate() {
                    let rhs = f64::from(u8::from(from.index() == node))
                        - f64::from(u8::from(to.index() == node));
                    if terms.is_empty() {
                        if rhs != 0.0 {
                            model.empty = true;
                        }
                        continue;
                    }
                    model.rows.push((terms, ComparisonOp::Eq, rhs));
                }
            }
            let mut into: Vec<Terms> = vec![Vec::new(); t.node_count()];
            let mut out: Vec<Terms> = vec![Vec::new(); t.node_count()];
            for &(l, v) in segments.iter().flatten() {
                if let Some(k) = t.link(l) {
                    push(&mut into, k.to, (v, 1.0));
                    push(&mut out, k.from, (v, 1.0));
                }
            }
            for terms in into.into_iter().chain(out).filter(|t| t.len() > 1) {
                model.rows.push((terms, ComparisonOp::Le, 1.0));
            }
            let pinned = group.pinned.get(i).and_then(Option::as_ref).is_some();
            let c = &m.constraints;
            let bounds: [(Option<u64>, Metric); 4] = [
                (c.max_igp, |l| u64::from(l.igp)),
                (c.max_te, |l| u64::from(l.te)),
                (c.max_delay, |l| u64::from(l.delay_us)),
                (c.max_hops.map(u64::from), |_| 1),
            ];
            for (bound, metric) in bounds {
                let Some(b) = bound.filter(|_| !pinned) else {
                    continue;
                };
                let terms: Terms = segments
                    .iter()
                    .flatten()
                    .filter_map(|&(l, v)| {
                        let x = metric(t.link(l)?);
                        (x > 0).then_some((v, x as f64))
                    })
                    .collect();
                if !terms.is_empty() {
                    model.rows.push((terms, ComparisonOp::Le, b as f64));
                }
            }
        }
        model
    }

    /// Every arc some member may take (once per member and segment).
    fn every_arc(&self) -> impl Iterator<Item = LinkId> + '_ {
        self.arcs.iter().flatten().flatten().map(|&(l, _)| l)
    }

    /// Each physical link some member may take, by its lower direction.
    fn physical_links(&self) -> Vec<LinkId> {
        let t = self.topology();
        sorted(self.every_arc().map(|l| physical_link(t, l)).collect())
    }

    fn on_physical(&self, i: usize, p: LinkId) -> Terms {
        let t = self.topology();
        self.on(i, |l| physical_link(t, l) == p)
    }

    /// Every node of the topology (a member may transit any).
    fn nodes(&self) -> Vec<NodeId> {
        (0..self.topology().node_count() as u32)
            .map(NodeId)
            .collect()
    }

    /// Every SRLG on an arc some member may take.
    fn srlgs(&self) -> Vec<u32> {
        let t = self.topology();
        sorted(
            self.every_arc()
                .filter_map(|l| t.link(l))
                .flat_map(|k| t.srlgs(k).iter().copied())
                .collect(),
        )
    }

    /// Member `i`'s use of SRLG `g`: a binary at least every arc carrying
    /// it; `None` when no arc of it does.
    fn srlg_use(&mut self, i: usize, g: u32) -> Option<usize> {
        if let Some(&v) = self.srlg_vars.get(&(i, g)) {
            return Some(v);
        }
        let t = self.topology();
        let arcs = self.on(i, |l| t.link(l).is_some_and(|k| t.srlgs(k).contains(&g)));
        if arcs.is_empty() {
            return None;
        }
        let u = self.var(Domain::Binary);
        for (x, _) in arcs {
            self.rows
                .push((vec![(u, 1.0), (x, -1.0)], ComparisonOp::Ge, 0.0));
        }
        self.srlg_vars.insert((i, g), u);
        Some(u)
    }

    /// Rows for what a member cannot avoid: each element (physical link,
    /// transit node, SRLG of a kind in `d`) that every walk of the member
    /// through its waypoints on its admissible arcs meets. Walks relax
    /// routes, so each row holds for every route; they lift the relaxation,
    /// whose split flows otherwise share nothing (many SRLGs of few values
    /// on nodes make most sharing unavoidable, and unseen).
    fn forced(&mut self, d: Disjointness) {
        let t = self.topology();
        let physical = self.physical_links();
        let nodes = if d.node { self.nodes() } else { Vec::new() };
        let srlgs = if d.srlg { self.srlgs() } else { Vec::new() };
        for i in 0..self.group.members.len() {
            let (Some(w), Some(arcs)) = (
                self.waypoints.get(i).cloned(),
                self.arcs.get(i).and_then(|s| s.first()),
            ) else {
                continue;
            };
            let mut out: Vec<Vec<(LinkId, NodeId)>> = vec![Vec::new(); t.node_count()];
            for &(l, _) in arcs {
                if let (Some(k), Some(slot)) = (
                    t.link(l),
                    t.link(l).and_then(|k| out.get_mut(k.from.index())),
                ) {
                    slot.push((l, k.to));
                }
            }
            let escapes = |avoid: &dyn Fn(LinkId, NodeId) -> bool| {
                w.windows(2).all(|seg| {
                    let [from, to] = seg else { return true };
                    let mut seen = vec![false; t.node_count()];
                    let mut queue = VecDeque::from([*from]);
                    while let Some(at) = queue.pop_front() {
                        if at == *to {
                            return true;
                        }
                        for &(l, next) in out.get(at.index()).into_iter().flatten() {
                            if avoid(l, next) {
                                continue;
                            }
                            if let Some(s) = seen.get_mut(next.index()).filter(|s| !**s) {
                                *s = true;
                                queue.push_back(next);
                            }
                        }
                    }
                    false
                })
            };
            for &p in &physical {
                if !escapes(&|l, _| physical_link(t, l) == p) {
                    let terms = self.on_physical(i, p);
                    self.rows.push((terms, ComparisonOp::Ge, 1.0));
                }
            }
            for &v in &nodes {
                if !self.end(i, v) && !escapes(&|_, next| next == v) {
                    if let Some(terms) = self.transit(i, v) {
                        self.rows.push((terms, ComparisonOp::Ge, 1.0));
                    }
                }
            }
            for &g in &srlgs {
                let carries = |l: LinkId| t.link(l).is_some_and(|k| t.srlgs(k).contains(&g));
                if !escapes(&|l, _| carries(l)) {
                    if let Some(u) = self.srlg_use(i, g) {
                        self.rows.push((vec![(u, 1.0)], ComparisonOp::Ge, 1.0));
                    }
                }
            }
        }
    }

    /// Disjointness `d` (link implied) as rows.
    fn disjoint(&mut self, d: Disjointness) {
        let n = self.group.members.len();
        for p in self.physical_links() {
            let terms: Terms = (0..n).flat_map(|i| self.on_physical(i, p)).collect();
            if terms.len() > 1 {
                self.rows.push((terms, ComparisonOp::Le, 1.0));
            }
        }
        if d.node {
            // Transit through another member's end was removed from the
            // arcs; the other nodes carry one member at most.
            for v in self.nodes() {
                if (0..n).any(|i| self.end(i, v)) {
                    continue;
                }
                let terms: Terms = (0..n)
                    .filter_map(|i| self.transit(i, v))
                    .flatten()
                    .collect();
                if terms.len() > 1 {
                    self.rows.push((terms, ComparisonOp::Le, 1.0));
                }
            }
        }
        if d.srlg {
            for g in self.srlgs() {
                let terms: Terms = (0..n)
                    .filter_map(|i| self.srlg_use(i, g))
                    .map(|u| (u, 1.0))
                    .collect();
                if terms.len() > 1 {
                    self.rows.push((terms, ComparisonOp::Le, 1.0));
                }
            }
        }
    }

    /// A sharing variable `s >= a + b - 1` (`a` and `b` a member's use of
    /// an element, 0 or 1; an end's use is the constant 1).
    fn share(&mut self, a: Option<Terms>, b: Option<Terms>) -> Option<usize> {
        let (terms, rhs) = match (a, b) {
            (None, None) => return None,
            (Some(a), None) | (None, Some(a)) => (a, 0.0),
            (Some(mut a), Some(b)) => {
                if a.is_empty() || b.is_empty() {
                    return None;
                }
                a.extend(b);
                (a, -1.0)
            }
        };
        if terms.is_empty() {
            return None;
        }
        let s = self.var(Domain::NonNegative);
        let mut row = vec![(s, 1.0)];
        row.extend(terms.into_iter().map(|(v, c)| (v, -c)));
        self.rows.push((row, ComparisonOp::Ge, rhs));
        Some(s)
    }

    /// The pairs' shared elements: (of the kinds asked, links).
    fn sharing(&mut self, d: Disjointness) -> (Terms, Terms) {
        let n = self.group.members.len();
        let (mut asked, mut links) = (Vec::new(), Vec::new());
        for p in self.physical_links() {
            let uses = (0..n).map(|i| Some(self.on_physical(i, p))).collect();
            let s = self.shared_by_pairs(uses);
            if d.link {
                asked.extend(s.iter().copied());
            }
            links.extend(s);
        }
        if d.node {
            for v in self.nodes() {
                let uses = (0..n).map(|i| self.transit(i, v)).collect();
                asked.extend(self.shared_by_pairs(uses));
            }
        }
        if d.srlg {
            for g in self.srlgs() {
                let uses = (0..n)
                    .map(|i| {
                        Some(
                            self.srlg_use(i, g)
                                .map(|u| vec![(u, 1.0)])
                                .unwrap_or_default(),
                        )
                    })
                    .collect();
                asked.extend(self.shared_by_pairs(uses));
            }
        }
        (asked, links)
    }

    /// The sharing variables of one element, a pair each, from each
    /// member's use of it (`None`: an end of the member, always used; an
    /// empty sum: never). With three members or more, the pairs' sum is
    /// also bounded below by the tangents of k(k-1)/2 at each m < n, in
    /// the number k of members on the element: m·k - m(m+1)/2, valid for
    /// every integer k; the pairwise rows alone let split flows share
    /// nothing (three members halved over two links out of their common
    /// head). Not for a node two members end at, whose pair is not counted.
    fn shared_by_pairs(&mut self, uses: Vec<Option<Terms>>) -> Terms {
        let n = uses.len();
        let mut pairs = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                let (Some(a), Some(b)) = (uses.get(i), uses.get(j)) else {
                    continue;
                };
                if let Some(s) = self.share(a.clone(), b.clone()) {
                    pairs.push((s, 1.0));
                }
            }
        }
        let ends = uses.iter().filter(|u| u.is_none()).count();
        if n >= 3 && pairs.len() >= 2 && ends <= 1 {
            let used: Terms = uses.iter().flatten().flatten().copied().collect();
            for m in 1..n {
                let m = m as f64;
                let mut row = pairs.clone();
                row.extend(used.iter().map(|&(v, c)| (v, -m * c)));
                let rhs = m * ends as f64 - m * (m + 1.0) / 2.0;
                self.rows.push((row, ComparisonOp::Ge, rhs));
            }
        }
        pairs
    }

    /// The group objective's criteria: (min-max) the largest cost, then the
    /// sum.
    fn objective(&mut self) -> Vec<Terms> {
        let n = self.group.members.len();
        let sum: Terms = (0..n).flat_map(|i| self.cost(i)).collect();
        if n > 1 && self.group.objective == GroupObjective::MinMax {
            let top = self.var(Domain::NonNegative);
            for i in 0..n {
                let mut row = vec![(top, 1.0)];
                row.extend(self.cost(i).into_iter().map(|(v, c)| (v, -c)));
                self.rows.push((row, ComparisonOp::Ge, 0.0));
            }
            vec![vec![(top, 1.0)], sum]
        } else {
            vec![sum]
        }
    }

    /// One stage: minimize `goal` under the rows within `nodes`
    /// branch-and-bound nodes, from `hint`; with `free`, the arcs of the
    /// members it does not name are fixed at the hint (a neighbourhood of
    /// the hint, searched for a better answer, proving nothing).
    fn stage(
        &self,
        goal: &Terms,
        hint: Option<&[f64]>,
        free: Option<&[usize]>,
        nodes: u64,
    ) -> Result<Stage, ()> {
        let mut p = Problem::new(OptimizationDirection::Minimize);
        let mut objective = vec![0.0; self.vars.len()];
        for &(v, c) in goal {
            if let Some(o) = objective.get_mut(v) {
                *o += c;
            }
        }
        let fixed = |v: usize| -> Option<f64> {
            let free = free?;
            let member = self.member_of.get(v).copied().flatten()?;
            (!free.contains(&member)).then(|| hint?.get(v).map(|x| x.round()))?
        };
        let vars: Vec<Variable> = self
            .vars
            .iter()
            .zip(&objective)
            .enumerate()
            .map(|(v, (d, &c))| match (fixed(v), d) {
                (Some(x), _) => p.add_var(c, (x, x)),
                (None, Domain::Binary) => p.add_binary_var(c),
                (None, Domain::NonNegative) => p.add_var(c, (0.0, f64::INFINITY)),
            })
            .collect();
        for (terms, op, rhs) in &self.rows {
            let mut e = LinearExpr::empty();
            for &(v, c) in terms {
                if let Some(&x) = vars.get(v) {
                    e.add(x, c);
                }
            }
            p.add_constraint(e, *op, *rhs);
        }
        let mut options = SolveOptions::default();
        options.node_limit = Some(nodes);
        // A hint names the arcs only (NaN elsewhere): the relaxation
        // completes it.
        options.warm_start = hint.map(|h| {
            vars.iter()
                .copied()
                .zip(h.iter().copied())
                .filter(|(_, x)| !x.is_nan())
                .collect()
        });
        let outcome = match p.solve_with(options) {
            Err(microlp::Error::Infeasible) => return Ok(Stage::Infeasible),
            Err(_) => return Err(()),
            Ok(outcome) => outcome,
        };
        let stats = outcome.stats();
        let optimal = outcome.is_optimal();
        let Ok(solution) = outcome.into_solution() else {
            return Ok(Stage::Nothing);
        };
        Ok(Stage::Found {
            optimal,
            value: solution.objective().round(),
            bound: stats.best_bound.unwrap_or(f64::NEG_INFINITY),
            values: vars.iter().map(|&v| solution.var_value(v)).collect(),
            spent: stats.nodes_solved,
        })
    }

    /// Solve the stages in turn within `nodes` branch-and-bound nodes:
    /// `Ok(Some(values))` at the optimum of every stage, `Ok(None)` when
    /// the first is infeasible, `Err(())` when nothing is proven.
    ///
    /// A stage the budget leaves open with an answer gets a second chance:
    /// its members are freed two at a time (one at a time in a pair), the
    /// others held where the answer has them, which finds better answers
    /// the whole tree's dives miss; one that reaches the bound the tree
    /// proved is optimal, else the stage is searched again from it.
    fn lexicographic(&mut self, stages: &[Terms], mut nodes: u64) -> Result<Option<Solved>, ()> {
        let mut hint: Option<Vec<f64>> = None;
        let mut optima = Vec::new();
        let n = self.group.members.len();
        let neighbourhoods: Vec<Vec<usize>> = if n >= 3 {
            (0..n)
                .flat_map(|i| (i + 1..n).map(move |j| vec![i, j]))
                .collect()
        } else {
            (0..n).map(|i| vec![i]).collect()
        };
        for (k, goal) in stages.iter().enumerate() {
            // Half the budget for the tree, the rest kept for a second
            // chance.
            let first = self.stage(goal, hint.as_deref(), None, nodes.div_ceil(2))?;
            let (value, values) = match first {
                Stage::Infeasible if k == 0 => return Ok(None),
                Stage::Infeasible | Stage::Nothing => return Err(()),
                Stage::Found {
                    optimal: true,
                    value,
                    values,
                    spent,
                    ..
                } => {
                    nodes = nodes.saturating_sub(spent);
                    (value, values)
                }
                Stage::Found {
                    optimal: false,
                    mut value,
                    mut values,
                    bound,
                    spent,
                } => {
                    nodes = nodes.saturating_sub(spent);
                    let each = nodes / (2 * neighbourhoods.len() as u64 + 1);
                    values = self.cleaned(&values).ok_or(())?;
                    for free in &neighbourhoods {
                        if value <= (bound - 1e-6).ceil() {
                            break;
                        }
                        if let Stage::Found {
                            value: better,
                            values: at,
                            spent,
                            ..
                        } = self.stage(goal, Some(&values), Some(free), each)?
                        {
                            nodes = nodes.saturating_sub(spent);
                            if better < value {
                                value = better;
                                values = self.cleaned(&at).ok_or(())?;
                            }
                        }
                    }
                    if value > (bound - 1e-6).ceil() {
                        match self.stage(goal, Some(&values), None, nodes)? {
                            Stage::Found {
                                optimal: true,
                                value: v,
                                values: at,
                                spent,
                                ..
                            } => {
                                nodes = nodes.saturating_sub(spent);
                                (value, values) = (v, at);
                            }
                            _ => return Err(()),
                        }
                    }
                    (value, values)
                }
            };
            if !goal.is_empty() {
                self.rows
                    .push((goal.clone(), ComparisonOp::Le, value + 0.5));
            }
            optima.push(value);
            if k + 1 == stages.len() {
                return Ok(Some((optima, values)));
            }
            hint = Some(self.cleaned(&values).ok_or(())?);
        }
        Err(())
    }

    /// The arcs of a solution's paths (stray cycles left out), as a hint:
    /// 1 on the paths, 0 on other arcs, each SRLG use as its arcs make it,
    /// NaN for every other variable.
    fn cleaned(&self, values: &[f64]) -> Option<Vec<f64>> {
        let t = self.topology();
        let mut hint = vec![f64::NAN; self.vars.len()];
        for (i, segments) in self.arcs.iter().enumerate() {
            let w = self.waypoints.get(i)?;
            for (s, seg) in segments.iter().enumerate() {
                for &(_, v) in seg {
                    *hint.get_mut(v)? = 0.0;
                }
                let (mut at, to) = (*w.get(s)?, *w.get(s + 1)?);
                let mut steps = 0;
                while at != to {
                    let &(l, v) = seg.iter().find(|&&(l, v)| {
                        values.get(v).is_some_and(|&x| x > 0.5)
                            && t.link(l).is_some_and(|k| k.from == at)
                    })?;
                    *hint.get_mut(v)? = 1.0;
                    at = t.link(l)?.to;
                    steps += 1;
                    if steps > t.link_count() {
                        return None;
                    }
                }
            }
        }
        // The SRLG uses follow the arcs (left to the relaxation, a use no
        // arc forces may come back fractional and the hint be refused).
        for (&(i, g), &u) in &self.srlg_vars {
            let used = self
                .on(i, |l| t.link(l).is_some_and(|k| t.srlgs(k).contains(&g)))
                .iter()
                .any(|&(v, _)| hint.get(v) == Some(&1.0));
            *hint.get_mut(u)? = f64::from(u8::from(used));
        }
        Some(hint)
    }

    /// The paths of a solution: from each waypoint, the arcs taken (a
    /// stray cycle is left out).
    fn paths(&self, values: &[f64]) -> Option<Vec<Path>> {
        let t = self.topology();
        let mut out = Vec::new();
        for (i, segments) in self.arcs.iter().enumerate() {
            if let Some(p) = self.group.pinned.get(i).and_then(Option::as_ref) {
                out.push(p.clone());
                continue;
            }
            let w = self.waypoints.get(i)?;
            let mut links = Vec::new();
            for (s, seg) in segments.iter().enumerate() {
                let (mut at, to) = (*w.get(s)?, *w.get(s + 1)?);
                while at != to {
                    let &(l, _) = seg.iter().find(|&&(l, v)| {
                        values.get(v).is_some_and(|&x| x > 0.5)
                            && t.link(l).is_some_and(|k| k.from == at)
                    })?;
                    links.push(l);
                    at = t.link(l)?.to;
                    if links.len() > t.link_count() {
                        return None;
                    }
                }
            }
            out.push(Path {
                metrics: metrics_of(t, &links),
                links,
                optimal: true,
            });
        }
        Some(out)
    }
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort_unstable();
    v.dedup();
    v
}

/// Search `group` for `goal` by MILP within `work` (see [`MILP_WORK`]; 0:
/// the root relaxations only).
pub fn search(
    topo: &Prepared,
    r: &Reservations,
    group: &GroupRequest,
    goal: Goal,
    work: u64,
) -> Outcome {
    let mut model = Model::build(topo, r, group, goal);
    if model.vars.len() > MILP_MAX_VARIABLES {
        return Outcome::GaveUp;
    }
    let nodes = work / model.vars.len().max(1) as u64;
    if model.empty {
        // Some member has no route at all: the callers have a path for
        // every member alone, so this is a strict level's doing.
        return match goal {
            Goal::Strict(_) => Outcome::Impossible,
            Goal::LeastShared(_) => Outcome::GaveUp,
        };
    }
    let mut stages = Vec::new();
    let (Goal::Strict(d) | Goal::LeastShared(d)) = goal;
    model.forced(Disjointness { link: true, ..d });
    match goal {
        Goal::Strict(d) => model.disjoint(Disjointness { link: d.any(), ..d }),
        Goal::LeastShared(d) => {
            let (asked, links) = model.sharing(d);
            stages.push(asked);
            stages.push(links);
        }
    }
    let objective = model.objective();
    stages.extend(objective);
    let (optima, values) = match model.lexicographic(&stages, nodes) {
        Ok(None) => {
            return match goal {
                Goal::Strict(_) => Outcome::Impossible,
                Goal::LeastShared(_) => Outcome::GaveUp,
            }
        }
        Ok(Some(found)) => found,
        Err(()) => return Outcome::GaveUp,
    };
    let Some(paths) = model.paths(&values) else {
        return Outcome::GaveUp;
    };
    if verified(topo, r, group, goal, &paths, &optima) {
        Outcome::Optimal(paths)
    } else {
        Outcome::GaveUp
    }
}

/// Whether `paths` meet every member's constraints and the goal's
/// disjointness, by the engine's own definitions, with the values the
/// stages found (an answer the solver's arithmetic got wrong proves
/// nothing).
fn verified(
    topo: &Prepared,
    r: &Reservations,
    group: &GroupRequest,
    goal: Goal,
    paths: &[Path],
    optima: &[f64],
) -> bool {
    let t = topo.topology();
    let members = &group.members;
    if paths.len() != members.len() {
        return false;
    }
    for (i, (m, p)) in members.iter().zip(paths).enumerate() {
        if group.pinned.get(i).and_then(Option::as_ref).is_none() && !route_ok(topo, r, m, p) {
            return false;
        }
    }
    // Every pair of (request, path).
    let pairs = || {
        let each: Vec<(&PathRequest, &Path)> = members.iter().zip(paths).collect();
        (0..each.len())
            .flat_map(|i| (i + 1..each.len()).map(move |j| (i, j)))
            .filter_map(|(i, j)| Some((*each.get(i)?, *each.get(j)?)))
            .collect::<Vec<_>>()
    };
    let mut expected: Vec<u64> = Vec::new();
    match goal {
        Goal::Strict(d) => {
            if !pairs().into_iter().all(|(a, b)| disjoint(t, a, b, d)) {
                return false;
            }
        }
        Goal::LeastShared(d) => {
            for kinds in [d, Disjointness::LINK] {
                expected.push(
                    pairs()
                        .into_iter()
                        .map(|(a, b)| shared(t, a, b, kinds))
                        .sum(),
                );
            }
        }
    }
    let costs: Vec<u64> = members
        .iter()
        .zip(paths)
        .map(|(m, p)| p.metrics.of(m.objective))
        .collect();
    if members.len() > 1 && group.objective == GroupObjective::MinMax {
        expected.push(costs.iter().copied().max().unwrap_or(0));
    }
    expected.push(costs.iter().sum());
    // Each stage's optimum is what the paths achieve.
    expected.len() == optima.len()
        && optima
            .iter()
            .zip(&expected)
            .all(|(&v, &e)| (v - e as f64).abs() < 0.5)
}

/// Whether `p` is a simple path from `m`'s head to its tail through its
/// include-nodes in order, on links its constraints admit, within its
/// bounds.
fn route_ok(topo: &Prepared, r: &Reservations, m: &PathRequest, p: &Path) -> bool {
    let t = topo.topology();
    let c = &m.constraints;
    let mut at = m.source;
    let mut seen = vec![m.source];
    for &l in &p.links {
        let (Some(k), Some(h)) = (t.link(l), t.hot().get(l.index())) else {
            return false;
        };
        if k.from != at || seen.contains(&k.to) || !admissible_for(topo, l.0, h, c, r) {
            return false;
        }
        at = k.to;
        seen.push(at);
    }
    let mut waypoints = c.include_nodes.iter().copied().peekable();
    if waypoints.peek() == Some(&m.source) {
        waypoints.next();
    }
    let mut remaining: Vec<NodeId> = waypoints.collect();
    if remaining.last() == Some(&m.destination) {
        remaining.pop();
    }
    let mut order = seen.iter().filter(|v| remaining.contains(v));
    let in_order = remaining.iter().all(|w| order.next() == Some(w));
    let metrics = metrics_of(t, &p.links);
    at == m.destination && in_order && within_bounds(&metrics, c)
}
