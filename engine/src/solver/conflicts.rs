//! An exact group search by conflicts: what proves a group optimal, or
//! impossible, when the candidate lists of [`super::disjoint`] cannot
//! (the optimal members lie beyond the cheapest paths, or no combination
//! of those is disjoint).
//!
//! Every member starts on its best path alone. While two members share an
//! element (a physical link, a node other than an end both have, an SRLG),
//! the search branches: one avoids it, or the other does (for the fallback
//! of T=0, also: both keep it, counted as shared; there the elements are
//! those of the kinds asked and links). Each branch recomputes
//! the one member it constrains, exactly (CSPF with the added
//! exclusions). A member's optimum only grows with exclusions, so the
//! value of a branch bounds every answer below it, and the first branch
//! popped without conflict, best first, is optimal; a tree that runs out
//! proves the group impossible. Any answer S survives in some branch: at
//! a conflict, S has one of the two members off the element, or (T=0)
//! both on it.
//!
//! Complete but exponential at worst: it stops after [`CONFLICT_BUDGET`]
//! branches and then proves nothing, leaving the candidate search's
//! answer as it was (not proven).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};

use super::cspf::{compute, NoPath, Path, PathRequest, Reservations, Workspace};
use super::disjoint::{
    nodes_of, physical_link, srlgs_of, Disjointness, GroupObjective, GroupRequest,
};
use super::Prepared;
use crate::topology::{LinkId, NodeId, Topology};

/// Branches the search may open before it gives up proving anything, at
/// [`super::disjoint::Effort::FULL`].
pub const CONFLICT_BUDGET: usize = 20_000;

/// What the search looks for.
#[derive(Clone, Copy, Debug)]
pub enum Goal {
    /// Disjoint at this level (N and S imply L), best objective.
    Strict(Disjointness),
    /// T=0: fewest shared elements of the kinds asked, then fewest shared
    /// links (which N and S imply), then the objective.
    LeastShared(Disjointness),
}

/// The outcome.
#[derive(Debug)]
pub enum Outcome {
    /// The optimal paths, one per member.
    Optimal(Vec<Path>),
    /// No combination meets the goal (proven).
    Impossible,
    /// The budget ran out, or a member's own search was not exact.
    GaveUp,
}

/// A shared element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Element {
    /// A physical link, by its lower direction's ID.
    Link(LinkId),
    /// A node.
    Node(NodeId),
    /// An SRLG.
    Srlg(u32),
}

impl Element {
    /// Whether it is of a kind `d` names.
    fn of(self, d: Disjointness) -> bool {
        match self {
            Self::Link(_) => d.link,
            Self::Node(_) => d.node,
            Self::Srlg(_) => d.srlg,
        }
    }
}

/// A branch: per member, the elements it avoids; the elements accepted as
/// shared (T=0) with the pair; the paths.
#[derive(Clone)]
struct Branch {
    avoid: Vec<Vec<Element>>,
    accepted: Vec<(usize, usize, Element)>,
    paths: Vec<Path>,
}

type Key = (u64, u64, u64, u64);

/// Search `group` for `goal` within `budget` branches (the pair pre-check
/// of a strict group of 3 or more: a tenth of it per pair).
pub fn search(
    topo: &Prepared,
    r: &Reservations,
    group: &GroupRequest,
    goal: Goal,
    budget: usize,
    ws: &mut Workspace,
) -> Outcome {
    // A group is disjoint only if each pair of its members is: a pair
    // proven impossible (a small tree) proves the group impossible, where
    // the group's own tree would branch on the other members too.
    if let (Goal::Strict(_), n @ 3..) = (goal, group.members.len()) {
        for i in 0..n {
            for j in i + 1..n {
                let pair = GroupRequest {
                    members: [i, j]
                        .iter()
                        .filter_map(|&k| group.members.get(k).cloned())
                        .collect(),
                    pinned: [i, j]
                        .iter()
                        .map(|&k| group.pinned.get(k).cloned().flatten())
                        .collect(),
                    ..group.clone()
                };
                if let Outcome::Impossible = branch(topo, r, &pair, goal, budget / 10, ws) {
                    return Outcome::Impossible;
                }
            }
        }
    }
    branch(topo, r, group, goal, budget, ws)
}

fn branch(
    topo: &Prepared,
    r: &Reservations,
    group: &GroupRequest,
    goal: Goal,
    budget: usize,
    ws: &mut Workspace,
) -> Outcome {
    let members = &group.members;
    let pinned = |i: usize| group.pinned.get(i).and_then(Option::as_ref);
    let mut first = Vec::with_capacity(members.len());
    for (i, m) in members.iter().enumerate() {
        match pinned(i) {
            Some(p) => first.push(p.clone()),
            None => match compute(topo, r, m, ws) {
                Ok(p) if p.optimal => first.push(p),
                Err(NoPath::Infeasible { proven: false }) | Ok(_) => return Outcome::GaveUp,
                Err(_) => return Outcome::Impossible,
            },
        }
    }
    let (kinds, asked) = match goal {
        Goal::Strict(d) => (Disjointness { link: d.any(), ..d }, d),
        Goal::LeastShared(d) => (Disjointness { link: true, ..d }, d),
    };
    let key = |b: &Branch| -> Key {
        let costs = b
            .paths
            .iter()
            .zip(members)
            .map(|(p, m)| p.metrics.of(m.objective));
        let sum: u64 = costs.clone().fold(0, u64::saturating_add);
        let value = match group.objective {
            GroupObjective::MinSum => sum,
            GroupObjective::MinMax => costs.max().unwrap_or(0),
        };
        let count = |d: Disjointness| b.accepted.iter().filter(|(_, _, e)| e.of(d)).count() as u64;
        (count(asked), count(Disjointness::LINK), value, sum)
    };
    let mut heap: BinaryHeap<Reverse<(Key, usize)>> = BinaryHeap::new();
    let mut store: Vec<Option<Branch>> = Vec::new();
    // Branches reached twice (the same exclusions in another order) are
    // searched once.
    let mut seen: HashSet<State> = HashSet::new();
    let root = Branch {
        avoid: vec![Vec::new(); members.len()],
        accepted: Vec::new(),
        paths: first,
    };
    heap.push(Reverse((key(&root), 0)));
    store.push(Some(root));
    while let Some(Reverse((_, id))) = heap.pop() {
        let Some(branch) = store.get_mut(id).and_then(Option::take) else {
            continue;
        };
        let Some((i, j, e)) = conflict(topo, members, &branch, kinds) else {
            return Outcome::Optimal(branch.paths);
        };
        // One of the two avoids it (a member cannot avoid its own end).
        for who in [i, j] {
            if pinned(who).is_some() {
                continue;
            }
            let Some(m) = members.get(who) else { continue };
            if let Element::Node(n) = e {
                if n == m.source || n == m.destination {
                    continue;
                }
            }
            let mut next = branch.clone();
            let Some(avoid) = next.avoid.get_mut(who) else {
                continue;
            };
            avoid.push(e);
            if !seen.insert(state(&next)) {
                continue;
            }
            let Some(avoid) = next.avoid.get(who) else {
                continue;
            };
            let req = constrained(topo, m, avoid);
            match compute(topo, r, &req, ws) {
                Ok(p) if p.optimal => {
                    if let Some(slot) = next.paths.get_mut(who) {
                        *slot = p;
                    }
                }
                Err(NoPath::Infeasible { proven: false }) | Ok(_) => return Outcome::GaveUp,
                Err(_) => continue,
            }
            if store.len() >= budget {
                return Outcome::GaveUp;
            }
            heap.push(Reverse((key(&next), store.len())));
            store.push(Some(next));
        }
        // T=0: or both keep it, counted as shared.
        if matches!(goal, Goal::LeastShared(_)) {
            let mut next = branch;
            next.accepted.push((i, j, e));
            if !seen.insert(state(&next)) {
                continue;
            }
            if store.len() >= budget {
                return Outcome::GaveUp;
            }
            heap.push(Reverse((key(&next), store.len())));
            store.push(Some(next));
        }
    }
    Outcome::Impossible
}

/// A branch's constraints, in a canonical order.
type State = (Vec<Vec<Element>>, Vec<(usize, usize, Element)>);

fn state(b: &Branch) -> State {
    let mut avoid = b.avoid.clone();
    for a in &mut avoid {
        a.sort_unstable();
    }
    let mut accepted = b.accepted.clone();
    accepted.sort_unstable();
    (avoid, accepted)
}

/// `m` with the elements it avoids added to its exclusions.
fn constrained(topo: &Topology, m: &PathRequest, avoid: &[Element]) -> PathRequest {
    let mut req = m.clone();
    for e in avoid {
        match *e {
            Element::Link(l) => {
                req.constraints.exclude_links.push(l);
                req.constraints.exclude_links.extend(topo.reverse(l));
            }
            Element::Node(n) => req.constraints.exclude_nodes.push(n),
            Element::Srlg(s) => req.constraints.exclude_srlgs.push(s),
        }
    }
    req
}

/// The first element two members share, of `kinds`, not yet accepted.
fn conflict(
    topo: &Topology,
    members: &[PathRequest],
    b: &Branch,
    kinds: Disjointness,
) -> Option<(usize, usize, Element)> {
    let physical = |l: LinkId| physical_link(topo, l);
    let nodes = |i: usize| -> Vec<NodeId> {
        match (members.get(i), b.paths.get(i)) {
            (Some(m), Some(p)) => nodes_of(topo, &p.links, m.source),
            _ => Vec::new(),
        }
    };
    let srlgs = |i: usize| {
        b.paths
            .get(i)
            .map(|p| srlgs_of(topo, &p.links))
            .unwrap_or_default()
    };
    let accepted = |i: usize, j: usize, e: Element| b.accepted.contains(&(i, j, e));
    let n = members.len();
    for i in 0..n {
        for j in i + 1..n {
            let (Some(pi), Some(pj), Some(mi), Some(mj)) = (
                b.paths.get(i),
                b.paths.get(j),
                members.get(i),
                members.get(j),
            ) else {
                continue;
            };
            if kinds.link {
                for &l in &pi.links {
                    let e = Element::Link(physical(l));
                    if pj.links.iter().any(|&k| physical(k) == physical(l)) && !accepted(i, j, e) {
                        return Some((i, j, e));
                    }
                }
            }
            if kinds.node {
                let nj = nodes(j);
                let end = |m: &PathRequest, v: NodeId| v == m.source || v == m.destination;
                for v in nodes(i) {
                    let e = Element::Node(v);
                    if nj.contains(&v) && !(end(mi, v) && end(mj, v)) && !accepted(i, j, e) {
                        return Some((i, j, e));
                    }
                }
            }
            if kinds.srlg {
                let sj = srlgs(j);
                for s in srlgs(i) {
                    let e = Element::Srlg(s);
                    if sj.contains(&s) && !accepted(i, j, e) {
                        return Some((i, j, e));
                    }
                }
            }
        }
    }
    None
}
