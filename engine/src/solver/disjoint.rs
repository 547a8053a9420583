//! Disjoint association groups (RFC 8800): 2 to N LSPs, head and tail ends
//! all possibly different, link / node / SRLG disjoint (combinable),
//! objective min-sum or min-max, strict (T=1) or with fallback.
//!
//! Method: for each member, candidate paths in increasing cost (Yen's
//! k-shortest simple paths under the member's own constraints); then a
//! branch and bound over combinations of pairwise-disjoint candidates.
//! Optimality is *proven* when no solution can use a path beyond a member's
//! candidate list and do better: for min-sum, the member's next candidate
//! (or infinity when its list is exhausted) plus the other members' best
//! candidates is at least the best found; for min-max, the next candidate
//! alone is. Otherwise the candidate budget grows up to [`MAX_CANDIDATES`];
//! past it the best combination found is returned with `optimal: false`.
//!
//! Without T (not strict), when the requested disjointness has no solution,
//! the group falls back to weaker disjointness, and finally to each
//! member's own best path (RFC 8800 §5.2, the draft's scenario 4); the
//! result says which disjointness was achieved, for DISJOINTNESS-STATUS.

use serde::Serialize;

use super::cspf::{compute, metrics_of, NoPath, Path, PathRequest, Reservations, Workspace};
use super::{conflicts, milp, Prepared};
use crate::topology::{LinkId, NodeId, Topology};

/// Largest candidate list per member.
pub const MAX_CANDIDATES: usize = 64;

/// Which disjointness (RFC 8800 DISJOINTNESS-CONFIGURATION L, N, S).
///
/// N and S each imply L: two LSPs on the same link share its two nodes and
/// every risk it carries, SRLG or not, so an N-only or S-only group never
/// shares a link either (two LSPs between the same ends may not both take
/// the link joining them, although it has no transit node and perhaps no
/// SRLG). [`shared`] counts only the kinds asked, for the fallback's
/// ranking.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Disjointness {
    /// L: no link in common (a physical link, either direction).
    pub link: bool,
    /// N: no node in common other than an end shared by both LSPs.
    pub node: bool,
    /// S: no SRLG in common.
    pub srlg: bool,
}

impl Disjointness {
    /// No disjointness.
    pub const NONE: Self = Self {
        link: false,
        node: false,
        srlg: false,
    };
    /// Link-disjoint.
    pub const LINK: Self = Self {
        link: true,
        node: false,
        srlg: false,
    };
    /// Node-disjoint.
    pub const NODE: Self = Self {
        link: false,
        node: true,
        srlg: false,
    };
    /// SRLG-disjoint.
    pub const SRLG: Self = Self {
        link: false,
        node: false,
        srlg: true,
    };

    /// Whether any disjointness is requested.
    pub const fn any(self) -> bool {
        self.link || self.node || self.srlg
    }
}

/// What a group minimizes (RFC 5541 / RFC 8800 objective functions).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum GroupObjective {
    /// Sum of the members' path costs.
    #[default]
    MinSum,
    /// The largest member path cost.
    MinMax,
}

/// A disjoint group to compute.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupRequest {
    /// The members, each with its own ends, objective and constraints.
    pub members: Vec<PathRequest>,
    /// Requested disjointness.
    pub disjointness: Disjointness,
    /// T: no fallback when the requested disjointness cannot be met.
    pub strict: bool,
    /// Objective.
    pub objective: GroupObjective,
    /// Members whose path is given, not computed (LSPs of the group this
    /// PCE does not control: their reported paths), by member index; empty
    /// or `None` for a member that is computed.
    pub pinned: Vec<Option<Path>>,
}

/// A computed group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupResult {
    /// One path per member, in request order.
    pub paths: Vec<Path>,
    /// The disjointness achieved (for DISJOINTNESS-STATUS).
    pub achieved: Disjointness,
    /// Whether the result is proven optimal: the achieved disjointness is
    /// the strongest possible (every stronger level asked for proven
    /// impossible) and no combination at it does better.
    pub optimal: bool,
}

/// Why a group has no solution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum GroupError {
    /// A member has no path at all.
    #[error("member {member} has no path: {reason}")]
    Member {
        /// Its index.
        member: usize,
        /// Why.
        reason: NoPath,
    },
    /// No combination meets the requested (strict) disjointness: proven,
    /// or not found among the candidates searched.
    #[error("{}", if *proven {
        "no combination of paths is disjoint as required (proven)"
    } else {
        "no disjoint combination found among the candidate paths searched (not proven impossible)"
    })]
    NotDisjoint {
        /// Whether the search was exhaustive.
        proven: bool,
    },
    /// An empty group.
    #[error("empty group")]
    Empty,
}

// ===== candidate paths =====

/// Yen's k-shortest simple paths for `req`, up to `k`, in increasing cost
/// (ties by hops, then discovery order).
pub fn k_shortest(
    topo: &Prepared,
    r: &Reservations,
    req: &PathRequest,
    k: usize,
    ws: &mut Workspace,
) -> Result<Vec<Path>, NoPath> {
    let first = compute(topo, r, req, ws)?;
    let mut found = vec![first];
    let mut pool: Vec<Path> = Vec::new();
    while found.len() < k {
        let Some(last) = found.last().cloned() else {
            break;
        };
        let nodes = nodes_of(topo, &last.links, req.source);
        for i in 0..last.links.len() {
            let spur = nodes.get(i).copied().unwrap_or(req.source);
            let root = last.links.get(..i).unwrap_or_default();
            let mut sub = req.clone();
            sub.source = spur;
            // Links leaving the spur node along any found path with this root.
            for p in &found {
                if p.links.get(..i) == Some(root) {
                    if let Some(l) = p.links.get(i) {
                        sub.constraints.exclude_links.push(*l);
                    }
                }
            }
            // Root nodes (but the spur) stay off the spur path: simple paths.
            sub.constraints
                .exclude_nodes
                .extend(nodes.get(..i).unwrap_or_default());
            // The include-nodes the root (spur included) already passed, in
            // order, are behind: the spur path owes only the rest (keeping
            // them asked for nodes it must also avoid, and every deviation
            // after a waypoint failed).
            // (A node listed twice in a row counts once, RFC 5440 §7.12.)
            sub.constraints.include_nodes.dedup();
            let passed = nodes.get(..=i).unwrap_or_default().iter().fold(0, |k, n| {
                k + usize::from(sub.constraints.include_nodes.get(k) == Some(n))
            });
            sub.constraints.include_nodes.drain(..passed);
            // Bounds shrink by what the root already used.
            let used = metrics_of(topo, root);
            let shrink = |b: Option<u64>, u: u64| b.map(|b| b.saturating_sub(u));
            sub.constraints.max_igp = shrink(sub.constraints.max_igp, used.igp);
            sub.constraints.max_te = shrink(sub.constraints.max_te, used.te);
            sub.constraints.max_delay = shrink(sub.constraints.max_delay, used.delay_us);
            sub.constraints.max_hops = sub
                .constraints
                .max_hops
                .map(|b| b.saturating_sub(used.hops));
            if let Ok(spur_path) = compute(topo, r, &sub, ws) {
                let mut links = root.to_vec();
                links.extend(&spur_path.links);
                let metrics = metrics_of(topo, &links);
                let candidate = Path {
                    links,
                    metrics,
                    optimal: spur_path.optimal,
                };
                if !found
                    .iter()
                    .chain(&pool)
                    .any(|p| p.links == candidate.links)
                {
                    pool.push(candidate);
                }
            }
        }
        // The cheapest pooled candidate is the next path.
        let key = |p: &Path| (p.metrics.of(req.objective), p.metrics.hops);
        let Some(best) = (0..pool.len()).min_by_key(|&i| pool.get(i).map(key)) else {
            break;
        };
        found.push(pool.swap_remove(best));
    }
    Ok(found)
}

/// A physical link: the lower ID of its two directions.
pub(crate) fn physical_link(topo: &Topology, l: LinkId) -> LinkId {
    topo.reverse(l).map_or(l, |r| r.min(l))
}

/// The SRLGs of a path's links, sorted, each once.
pub(crate) fn srlgs_of(topo: &Topology, links: &[LinkId]) -> Vec<u32> {
    let mut v: Vec<u32> = links
        .iter()
        .filter_map(|l| topo.link(*l))
        .flat_map(|l| topo.srlgs(l).iter().copied())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The nodes of a path from `source`, in order.
pub(crate) fn nodes_of(topo: &Topology, links: &[LinkId], source: NodeId) -> Vec<NodeId> {
    let mut v = Vec::with_capacity(links.len() + 1);
    v.push(source);
    v.extend(links.iter().filter_map(|l| topo.link(*l)).map(|l| l.to));
    v
}

// ===== disjointness =====

/// Whether two paths (with their requests' ends) are disjoint as `d` asks
/// (node or SRLG disjointness includes link disjointness).
pub fn disjoint(
    topo: &Topology,
    a: (&PathRequest, &Path),
    b: (&PathRequest, &Path),
    d: Disjointness,
) -> bool {
    let d = Disjointness { link: d.any(), ..d };
    count_shared(topo, a, b, d, true) == 0
}

// ===== the group search =====

/// How hard the exact searches try on a group the candidate lists leave
/// unproven (the rare tail: see BENCHMARKS.md, "Agreement with the exact
/// oracle"). Both budgets count work, not time, so an answer is the same
/// on any machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Effort {
    /// Branches of the search by conflicts ([`conflicts`]).
    pub conflict_branches: usize,
    /// Work of the MILP ([`milp`], [`milp::MILP_WORK`]); `None`: no MILP.
    pub milp_work: Option<u64>,
}

impl Effort {
    /// Every exact search at full budget: `pce compute`, `POST /compute`,
    /// the tests. A give-up costs up to about 1 s in the search by
    /// conflicts and up to about two minutes in the MILP (BENCHMARKS.md).
    pub const FULL: Self = Self {
        conflict_branches: conflicts::CONFLICT_BUDGET,
        milp_work: Some(milp::MILP_WORK),
    };
    /// The stateful core's, which computes on its own task: a tenth of the
    /// search by conflicts (a give-up costs about 60 ms), no MILP; what is
    /// not settled stays marked not proven.
    pub const CORE: Self = Self {
        conflict_branches: conflicts::CONFLICT_BUDGET / 10,
        milp_work: None,
    };
}

/// Compute a disjoint group, at [`Effort::FULL`].
pub fn solve(
    topo: &Prepared,
    r: &Reservations,
    group: &GroupRequest,
    ws: &mut Workspace,
) -> Result<GroupResult, GroupError> {
    solve_with(topo, r, group, Effort::FULL, ws)
}

/// Compute a disjoint group, the exact searches within `effort`.
pub fn solve_with(
    topo: &Prepared,
    r: &Reservations,
    group: &GroupRequest,
    effort: Effort,
    ws: &mut Workspace,
) -> Result<GroupResult, GroupError> {
    if group.members.is_empty() {
        return Err(GroupError::Empty);
    }
    let wanted = group.disjointness;
    let failure = match solve_at(topo, r, group, wanted, effort, ws) {
        Ok(result) => return Ok(result),
        Err(e @ GroupError::Member { .. }) => return Err(e),
        Err(e) if !wanted.any() => return Err(e),
        Err(GroupError::NotDisjoint { proven: true }) if group.strict => {
            return Err(GroupError::NotDisjoint { proven: true })
        }
        Err(e) => e,
    };
    // T=0 and no combination is as disjoint as asked: the combination
    // sharing the fewest links, nodes or SRLGs (as asked: RFC 8800 §5.4's
    // MSL, MSN, MSS), then the fewest shared links (what N and S imply),
    // then the
    // best objective among those. When the level
    // asked for was not proven impossible, nothing after it is proven.
    // With T=1 this search still serves: its candidates include exact
    // pairs the plain lists may lack, and a combination sharing nothing
    // meets the level asked (not proven optimal).
    let stronger_unproven = failure == GroupError::NotDisjoint { proven: false };
    let mut result = least_shared(topo, r, group, ws)?;
    // Not proven the least sharing: the search by conflicts settles it,
    // within its budget (only once the level asked is proven impossible:
    // else nothing after it is proven anyway).
    if !result.optimal && !stronger_unproven {
        let goal = conflicts::Goal::LeastShared(wanted);
        if let conflicts::Outcome::Optimal(paths) = exact(topo, r, group, goal, effort, ws) {
            result = GroupResult {
                achieved: achieved(topo, &group.members, &paths),
                paths,
                optimal: true,
            };
        }
    }
    let a = result.achieved;
    let meets = (a.link || !wanted.link) && (a.node || !wanted.node) && (a.srlg || !wanted.srlg);
    if group.strict && !meets {
        return Err(failure);
    }
    Ok(GroupResult {
        optimal: result.optimal && !stronger_unproven,
        ..result
    })
}

/// Elements two paths share, of the kinds `d` asks to keep apart: physical
/// links (L), nodes other than an end both LSPs have (N), SRLGs (S).
pub fn shared(
    topo: &Topology,
    a: (&PathRequest, &Path),
    b: (&PathRequest, &Path),
    d: Disjointness,
) -> u64 {
    count_shared(topo, a, b, d, false)
}

/// [`shared`]; with `any`, stops at the first shared element (1) without
/// sorting anything: the disjointness test of the group searches' inner
/// loop.
fn count_shared(
    topo: &Topology,
    a: (&PathRequest, &Path),
    b: (&PathRequest, &Path),
    d: Disjointness,
    any: bool,
) -> u64 {
    let physical = |l: &LinkId| physical_link(topo, *l);
    let mut n = 0u64;
    if d.link {
        let la: Vec<LinkId> = a.1.links.iter().map(physical).collect();
        if any {
            if b.1.links.iter().any(|l| la.contains(&physical(l))) {
                return 1;
            }
        } else {
            let mut lb: Vec<LinkId> = b.1.links.iter().map(physical).collect();
            lb.sort_unstable();
            lb.dedup();
            n += lb.iter().filter(|l| la.contains(l)).count() as u64;
        }
    }
    if d.node {
        let shared_ends = |x: &NodeId| {
            (*x == a.0.source || *x == a.0.destination)
                && (*x == b.0.source || *x == b.0.destination)
        };
        let na = nodes_of(topo, &a.1.links, a.0.source);
        let nb = nodes_of(topo, &b.1.links, b.0.source);
        n += nb
            .iter()
            .filter(|x| na.contains(x) && !shared_ends(x))
            .count() as u64;
        if any && n > 0 {
            return n;
        }
    }
    if d.srlg {
        let srlgs = |p: &Path| srlgs_of(topo, &p.links);
        let sa = srlgs(a.1);
        if any {
            let hit =
                b.1.links
                    .iter()
                    .filter_map(|l| topo.link(*l))
                    .any(|l| topo.srlgs(l).iter().any(|x| sa.contains(x)));
            return u64::from(hit);
        }
        n += srlgs(b.1).iter().filter(|x| sa.contains(x)).count() as u64;
    }
    n
}

/// The fallback of a group whose disjointness cannot be met: the fewest
/// shared elements of the kinds asked, summed over the pairs of members,
/// then the fewest shared links (N and S imply L: two members on one path
/// share more than
/// two that only cross), then the objective;
/// by branch and bound over the candidate lists, with the same proof as
/// [`solve_at`] (a combination using a candidate beyond a list shares at
/// least one element, the level being impossible).
fn least_shared(
    topo: &Prepared,
    r: &Reservations,
    group: &GroupRequest,
    ws: &mut Workspace,
) -> Result<GroupResult, GroupError> {
    let members = &group.members;
    let wanted = group.disjointness;
    let pinned = |i: usize| group.pinned.get(i).and_then(Option::as_ref);
    let mut lists = Vec::with_capacity(members.len());
    for (i, m) in members.iter().enumerate() {
        lists.push(match pinned(i) {
            Some(p) => vec![p.clone()],
            None => k_shortest(topo, r, m, MAX_CANDIDATES + 1, ws)
                .map_err(|reason| GroupError::Member { member: i, reason })?,
        });
    }
    let cost = |i: usize, p: &Path| members.get(i).map_or(0, |m| p.metrics.of(m.objective));
    // What lies beyond each list, for the proof, before it grows.
    let beyond: Vec<u64> = lists
        .iter()
        .enumerate()
        .map(|(i, l)| l.get(MAX_CANDIDATES).map_or(u64::MAX, |p| cost(i, p)))
        .collect();
    for l in &mut lists {
        l.truncate(MAX_CANDIDATES);
    }
    // The cheapest candidates of equal cost can all share the same links
    // (128 equal paths through seven diamonds): the best combinations at
    // each single level (exact pairs by Suurballe among them) join the
    // lists, which stay in increasing cost.
    for level in [Disjointness::NODE, Disjointness::SRLG, Disjointness::LINK] {
        if let Ok(found) = by_candidates(topo, r, group, level, ws) {
            for (i, p) in found.paths.into_iter().enumerate() {
                if let Some(l) = lists.get_mut(i) {
                    if pinned(i).is_none() && !l.iter().any(|q| q.links == p.links) {
                        let c = cost(i, &p);
                        let at = l.partition_point(|q| {
                            members.get(i).map_or(0, |m| q.metrics.of(m.objective)) <= c
                        });
                        l.insert(at, p);
                    }
                }
            }
        }
    }
    let combine = |(value, sum): Value, c: u64| {
        let sum = sum.saturating_add(c);
        match group.objective {
            GroupObjective::MinSum => (sum, sum),
            GroupObjective::MinMax => (value.max(c), sum),
        }
    };
    // Depth-first over members, candidates in increasing cost; a branch
    // stops when its (shared, value) cannot beat the best.
    type Sharing = (u64, u64);
    type Best = Option<((Sharing, Value), Vec<usize>)>;
    #[allow(clippy::too_many_arguments)]
    fn go(
        topo: &Topology,
        members: &[PathRequest],
        lists: &[Vec<Path>],
        wanted: Disjointness,
        combine: &dyn Fn(Value, u64) -> Value,
        cost: &dyn Fn(usize, &Path) -> u64,
        at: (Sharing, Value),
        choice: &mut Vec<usize>,
        best: &mut Best,
    ) {
        let every = Disjointness::LINK;
        let member = choice.len();
        let Some(list) = lists.get(member) else {
            if best.as_ref().is_none_or(|(b, _)| at < *b) {
                *best = Some((at, choice.clone()));
            }
            return;
        };
        for (c, p) in list.iter().enumerate() {
            let value = combine(at.1, cost(member, p));
            let mut sharing = at.0;
            for (j, &cj) in choice.iter().enumerate() {
                if let (Some(mj), Some(mm), Some(pj)) = (
                    members.get(j),
                    members.get(member),
                    lists.get(j).and_then(|l| l.get(cj)),
                ) {
                    sharing.0 += shared(topo, (mj, pj), (mm, p), wanted);
                    sharing.1 += shared(topo, (mj, pj), (mm, p), every);
                }
            }
            if best.as_ref().is_some_and(|(b, _)| (at.0, value) >= *b) {
                // Later candidates cost more and share at least `at.0`.
                break;
            }
            if best.as_ref().is_some_and(|(b, _)| (sharing, value) >= *b) {
                continue;
            }
            choice.push(c);
            go(
                topo,
                members,
                lists,
                wanted,
                combine,
                cost,
                (sharing, value),
                choice,
                best,
            );
            choice.pop();
        }
    }
    let mut best: Best = None;
    go(
        topo,
        members,
        &lists,
        wanted,
        &combine,
        &cost,
        ((0, 0), (0, 0)),
        &mut Vec::new(),
        &mut best,
    );
    let Some((found, choice)) = best else {
        return Err(GroupError::NotDisjoint { proven: true });
    };
    // The proof: a combination with a candidate beyond member i's list
    // does not meet the level asked (impossible), and costs at least `b`
    // for it and the others' cheapest for the rest. Not meeting it, it
    // shares an element of the kinds asked, or a link (which N and S
    // imply): sharing at least (1, 0) when links are asked (a shared link
    // counts as asked), else (0, 1) (two LSPs between the same ends on the
    // link joining them share no transit node, and perhaps no SRLG).
    let shares_at_least = if wanted.link { (1, 0) } else { (0, 1) };
    let optimal = beyond_bounds(group.objective, &lists, &beyond, &cost)
        .into_iter()
        .all(|lower| lower.is_none_or(|lower| (shares_at_least, lower) >= found));
    let paths: Vec<Path> = choice
        .iter()
        .enumerate()
        .filter_map(|(i, &c)| lists.get(i).and_then(|l| l.get(c)).cloned())
        .collect();
    Ok(GroupResult {
        achieved: achieved(topo, members, &paths),
        paths,
        optimal,
    })
}

/// What paths achieve, pair by pair, for DISJOINTNESS-STATUS.
fn achieved(topo: &Topology, members: &[PathRequest], paths: &[Path]) -> Disjointness {
    let holds = |d: Disjointness| {
        paths.iter().enumerate().all(|(i, p)| {
            paths.iter().enumerate().skip(i + 1).all(|(j, q)| {
                match (members.get(i), members.get(j)) {
                    (Some(mi), Some(mj)) => disjoint(topo, (mi, p), (mj, q), d),
                    _ => false,
                }
            })
        })
    };
    Disjointness {
        link: holds(Disjointness::LINK),
        node: holds(Disjointness::NODE),
        srlg: holds(Disjointness::SRLG),
    }
}

fn solve_at(
    topo: &Prepared,
    r: &Reservations,
    group: &GroupRequest,
    level: Disjointness,
    effort: Effort,
    ws: &mut Workspace,
) -> Result<GroupResult, GroupError> {
    let found = by_candidates(topo, r, group, level, ws);
    // Not proven either way: the search by conflicts settles it, within
    // its budget.
    let unproven = match &found {
        Ok(g) => !g.optimal,
        Err(e) => *e == GroupError::NotDisjoint { proven: false },
    };
    if !unproven {
        return found;
    }
    match exact(topo, r, group, conflicts::Goal::Strict(level), effort, ws) {
        conflicts::Outcome::Optimal(paths) => Ok(GroupResult {
            paths,
            achieved: level,
            optimal: true,
        }),
        conflicts::Outcome::Impossible => Err(GroupError::NotDisjoint { proven: true }),
        conflicts::Outcome::GaveUp => found,
    }
}

/// The exact searches for what the candidate lists leave unproven: by
/// conflicts (fast where few elements are contested), then the MILP
/// (where the conflicts are too many to branch on).
fn exact(
    topo: &Prepared,
    r: &Reservations,
    group: &GroupRequest,
    goal: conflicts::Goal,
    effort: Effort,
    ws: &mut Workspace,
) -> conflicts::Outcome {
    match conflicts::search(topo, r, group, goal, effort.conflict_branches, ws) {
        conflicts::Outcome::GaveUp => match effort.milp_work {
            Some(work) => milp::search(topo, r, group, goal, work),
            None => conflicts::Outcome::GaveUp,
        },
        settled => settled,
    }
}

/// [`solve_at`] from the members' cheapest paths: exact pairs by
/// Suurballe where they apply, else branch and bound over growing
/// candidate lists, proven when what lies beyond the lists cannot do
/// better.
fn by_candidates(
    topo: &Prepared,
    r: &Reservations,
    group: &GroupRequest,
    level: Disjointness,
    ws: &mut Workspace,
) -> Result<GroupResult, GroupError> {
    let members = &group.members;
    // Two LSPs with the same ends and constraints, link or node disjoint,
    // min-sum: Suurballe/Bhandari, exact and polynomial, for the link
    // constraints it applies (affinities, bandwidth, exclusions); not with
    // include-nodes, metric bounds or a hop limit, which it does not know.
    let pinned = |i: usize| group.pinned.get(i).and_then(Option::as_ref);
    if let [a, b] = members.as_slice() {
        let c = &a.constraints;
        let per_link_only = c.include_nodes.is_empty() && !c.bounded();
        if a == b
            && per_link_only
            && pinned(0).is_none()
            && pinned(1).is_none()
            && group.objective == GroupObjective::MinSum
            && !level.srlg
            && (level.link || level.node)
        {
            return match super::suurballe::disjoint_pair(topo, r, a, level.node, ws) {
                Ok(Some((p, q))) => Ok(GroupResult {
                    paths: vec![p, q],
                    achieved: level,
                    optimal: true,
                }),
                Ok(None) => Err(GroupError::NotDisjoint { proven: true }),
                Err(reason) => Err(GroupError::Member { member: 0, reason }),
            };
        }
    }
    let mut k = 4usize;
    loop {
        let mut lists = Vec::with_capacity(members.len());
        for (i, m) in members.iter().enumerate() {
            // One extra candidate tells whether the list is exhausted, and
            // gives the bound for the optimality proof.
            let list = match pinned(i) {
                Some(p) => vec![p.clone()],
                None => k_shortest(topo, r, m, k + 1, ws)
                    .map_err(|reason| GroupError::Member { member: i, reason })?,
            };
            lists.push(list);
        }
        let cost = |i: usize, p: &Path| members.get(i).map_or(0, |m| p.metrics.of(m.objective));
        let best = search(topo, group, level, &lists, k, &cost);
        // The proof, member by member: a combination using a candidate
        // beyond member i's list cannot beat (value, sum).
        let beyond: Vec<u64> = (0..members.len())
            .map(|i| {
                lists
                    .get(i)
                    .and_then(|l| l.get(k))
                    .map_or(u64::MAX, |p| cost(i, p))
            })
            .collect();
        let bounds = beyond_bounds(group.objective, &lists, &beyond, &cost);
        let proven = |value: u64, sum: u64| {
            bounds
                .iter()
                .all(|lower| lower.is_none_or(|lower| lower >= (value, sum)))
        };
        match best {
            Some(((value, sum), choice)) if proven(value, sum) || k >= MAX_CANDIDATES => {
                let optimal = proven(value, sum);
                let paths = choice
                    .iter()
                    .enumerate()
                    .filter_map(|(i, &c)| lists.get(i).and_then(|l| l.get(c)).cloned())
                    .collect();
                return Ok(GroupResult {
                    paths,
                    achieved: level,
                    optimal,
                });
            }
            None if proven(u64::MAX, u64::MAX) => {
                return Err(GroupError::NotDisjoint { proven: true })
            }
            None if k >= MAX_CANDIDATES => return Err(GroupError::NotDisjoint { proven: false }),
            _ => k = (k * 2).min(MAX_CANDIDATES),
        }
    }
}

/// Per member, the least value of any combination using a candidate
/// beyond its list: that candidate's cost (`beyond`, `u64::MAX` when the
/// list holds every path) for it and the others' cheapest for the rest;
/// `None` when there is no such combination.
fn beyond_bounds(
    objective: GroupObjective,
    lists: &[Vec<Path>],
    beyond: &[u64],
    cost: &dyn Fn(usize, &Path) -> u64,
) -> Vec<Option<Value>> {
    let mins: Vec<u64> = lists
        .iter()
        .enumerate()
        .map(|(i, l)| l.first().map_or(0, |p| cost(i, p)))
        .collect();
    let total: u64 = mins.iter().sum();
    mins.iter()
        .zip(beyond)
        .map(|(&m, &b)| {
            (b != u64::MAX).then(|| {
                let least = b.saturating_add(total - m);
                match objective {
                    GroupObjective::MinSum => (least, least),
                    GroupObjective::MinMax => (b, least),
                }
            })
        })
        .collect()
}

/// The value of a combination: (objective, sum). Min-sum: (sum, sum);
/// min-max: (maximum, sum), so that equal maxima go to the least total.
/// Compared lexicographically; adding a member never lowers it.
type Value = (u64, u64);

/// Branch and bound over the first `k` candidates of each member.
fn search(
    topo: &Prepared,
    group: &GroupRequest,
    level: Disjointness,
    lists: &[Vec<Path>],
    k: usize,
    cost: &dyn Fn(usize, &Path) -> u64,
) -> Option<(Value, Vec<usize>)> {
    struct State<'a> {
        topo: &'a Topology,
        group: &'a GroupRequest,
        level: Disjointness,
        lists: &'a [Vec<Path>],
        k: usize,
        best: Option<(Value, Vec<usize>)>,
        choice: Vec<usize>,
    }
    fn combine(obj: GroupObjective, (value, sum): Value, c: u64) -> Value {
        let sum = sum.saturating_add(c);
        match obj {
            GroupObjective::MinSum => (sum, sum),
            GroupObjective::MinMax => (value.max(c), sum),
        }
    }
    fn go(s: &mut State<'_>, member: usize, acc: Value, cost: &dyn Fn(usize, &Path) -> u64) {
        let Some(list) = s.lists.get(member) else {
            if s.best.as_ref().is_none_or(|(b, _)| acc < *b) {
                s.best = Some((acc, s.choice.clone()));
            }
            return;
        };
        for (c, p) in list.iter().enumerate().take(s.k) {
            let next = combine(s.group.objective, acc, cost(member, p));
            // Candidates come in increasing cost: nothing later can do better.
            if s.best.as_ref().is_some_and(|(b, _)| next >= *b) {
                break;
            }
            let ok = s.choice.iter().enumerate().all(|(j, &cj)| {
                match (
                    s.group.members.get(j),
                    s.group.members.get(member),
                    s.lists.get(j).and_then(|l| l.get(cj)),
                ) {
                    (Some(rj), Some(rm), Some(pj)) => disjoint(s.topo, (rj, pj), (rm, p), s.level),
                    _ => false,
                }
            });
            if ok {
                s.choice.push(c);
                go(s, member + 1, next, cost);
                s.choice.pop();
            }
        }
    }
    let mut s = State {
        topo,
        group,
        level,
        lists,
        k,
        best: None,
        choice: Vec::new(),
    };
    go(&mut s, 0, (0, 0), cost);
    s.best
}
