//! An exact reference for path computation, of the project's own and
//! independent of the engine's code: seeded random instances with every
//! constraint the engine takes, two exact solvers (an exhaustive search of
//! simple paths for small graphs, a MILP solved by COIN-OR CBC for medium
//! and large ones), and a judge that compares the engine's answer with
//! theirs.
//!
//! What the engine promises and the judge checks:
//! * every returned path is a simple path from head to tail satisfying
//!   every constraint of its member (bandwidth against an empty network,
//!   affinities, excluded nodes, links and SRLGs, include-nodes in order,
//!   bounds on IGP, TE, delay and hops);
//! * a group's paths are disjoint as asked (N and S imply L) unless T=0
//!   fell back; the disjointness it reports achieved holds;
//! * "no path" is right, and proven only when there is none;
//! * a claim of optimality is true: the engine's value equals the exact
//!   optimum. Single paths: the objective. Groups at the level asked: the
//!   sum (min-sum) or (largest, sum) (min-max). T=0 fallback: fewest shared
//!   elements of the kinds asked, then fewest shared links (which N and S
//!   imply), then the objective.
//!
//! The MILP: per member and per segment between consecutive waypoints
//! (head, include-nodes, tail) a 0/1 flow on the admissible arcs; each node
//! enters and leaves at most once over all segments (so the union is a
//! simple path plus cycles, which only cost); bounds and sharing are
//! linear in the arcs. Lexicographic objectives are solved in turn, each
//! optimum fixed before the next.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use pce_engine::solver::cspf::{
    compute, Constraints, NoPath, Objective, Path, PathRequest, Reservations, Workspace,
};
use pce_engine::solver::disjoint::{
    solve_with, Disjointness, Effort, GroupError, GroupObjective, GroupRequest,
};
use pce_engine::solver::Prepared;
use pce_engine::topology::{LinkId, LinkSpec, NodeId, NodeSpec, TopologyFile};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// An undirected link of an instance.
#[derive(Clone, Debug)]
pub struct ULink {
    /// Ends.
    pub a: usize,
    /// Other end.
    pub b: usize,
    /// Metrics: IGP, TE, delay.
    pub igp: u64,
    /// TE metric.
    pub te: u64,
    /// Delay.
    pub delay: u64,
    /// Reservable bandwidth.
    pub bandwidth: f64,
    /// Admin groups.
    pub admin_groups: u32,
    /// The link's own SRLGs.
    pub srlgs: Vec<u32>,
}

/// One member (or the single path) of an instance.
#[derive(Clone, Debug)]
pub struct Member {
    /// Head end.
    pub s: usize,
    /// Tail end.
    pub t: usize,
    /// What to minimize.
    pub objective: Objective,
    /// Bandwidth.
    pub bandwidth: f64,
    /// Affinities.
    pub exclude_any: u32,
    /// Include-any.
    pub include_any: u32,
    /// Include-all.
    pub include_all: u32,
    /// Excluded SRLGs.
    pub exclude_srlgs: Vec<u32>,
    /// Excluded nodes.
    pub exclude_nodes: Vec<usize>,
    /// Excluded links (both directions).
    pub exclude_links: Vec<usize>,
    /// Include-nodes in order.
    pub include_nodes: Vec<usize>,
    /// Bounds.
    pub max_igp: Option<u64>,
    /// Bound on TE.
    pub max_te: Option<u64>,
    /// Bound on delay.
    pub max_delay: Option<u64>,
    /// Bound on hops.
    pub max_hops: Option<u64>,
}

/// A random instance: a single path (one member) or a group.
#[derive(Clone, Debug)]
pub struct Instance {
    /// Nodes.
    pub nodes: usize,
    /// Each node's own SRLGs (they belong to every link through it).
    pub node_srlgs: Vec<Vec<u32>>,
    /// Links.
    pub links: Vec<ULink>,
    /// Members; one for a single path.
    pub members: Vec<Member>,
    /// Disjointness asked (groups).
    pub disjointness: Disjointness,
    /// T flag.
    pub strict: bool,
    /// Min-max instead of min-sum.
    pub min_max: bool,
}

/// A path as the oracle sees it: arcs `(link, forward)`.
pub type Arcs = Vec<(usize, bool)>;

/// The exact answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exact {
    /// No path (single), or some member has none alone (group).
    NoPath,
    /// A group whose disjointness cannot be met, with T=1.
    NotDisjoint,
    /// The optimum: the lexicographic value the engine's answer must equal.
    Optimum(Vec<u64>),
}

impl Member {
    /// The bounds set, with the metric each bounds.
    pub fn bounds(&self) -> impl Iterator<Item = (u64, Objective)> {
        [
            (self.max_igp, Objective::Igp),
            (self.max_te, Objective::Te),
            (self.max_delay, Objective::Delay),
            (self.max_hops, Objective::Hops),
        ]
        .into_iter()
        .filter_map(|(b, o)| Some((b?, o)))
    }

    /// The include-nodes, a node listed twice in a row once (an interface
    /// address and the loopback of one router name the same node).
    pub fn includes(&self) -> Vec<usize> {
        let mut v = self.include_nodes.clone();
        v.dedup();
        v
    }
}

// ===== generation =====

/// Sizes and shapes to draw from.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Nodes, inclusive range.
    pub nodes: (usize, usize),
    /// Members: 1 is a single path; 2..=4 groups.
    pub members: (usize, usize),
}

impl Instance {
    /// A seeded random instance.
    pub fn random(seed: u64, shape: Shape) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let n = rng.random_range(shape.nodes.0..=shape.nodes.1);
        let mut links = Vec::new();
        let link = |rng: &mut ChaCha8Rng, a: usize, b: usize| ULink {
            a,
            b,
            // Zero metrics too: IGPs allow them.
            igp: rng.random_range(0..=20),
            te: rng.random_range(0..=20),
            delay: rng.random_range(0..=100),
            bandwidth: if rng.random_bool(0.2) { 1e9 } else { 1e10 },
            admin_groups: if rng.random_bool(0.2) {
                rng.random_range(1..8)
            } else {
                0
            },
            srlgs: (0..rng.random_range(0..=2))
                .map(|_| rng.random_range(1..=(n as u32 / 2).max(3)))
                .collect(),
        };
        // A random spanning tree keeps it connected, then chords (parallel
        // links included) to about two links per node, as in carrier
        // cores.
        for v in 1..n {
            let u = rng.random_range(0..v);
            links.push(link(&mut rng, u, v));
        }
        let extra = n + rng.random_range(0..=n / 2);
        for _ in 0..extra {
            let (a, b) = (rng.random_range(0..n), rng.random_range(0..n));
            if a != b {
                links.push(link(&mut rng, a, b));
            }
        }
        let node_srlgs = (0..n)
            .map(|_| {
                if rng.random_bool(0.1) {
                    vec![1000 + rng.random_range(0..5)]
                } else {
                    vec![]
                }
            })
            .collect();
        let count = rng.random_range(shape.members.0..=shape.members.1);
        let group = count > 1;
        // Group members share ends now and then, as PCCs pair up.
        let mut members: Vec<Member> = Vec::with_capacity(count);
        for i in 0..count {
            let (s, t) = if i > 0 && rng.random_bool(0.3) {
                (members[0].s, members[0].t)
            } else {
                let s = rng.random_range(0..n);
                let mut t = rng.random_range(0..n);
                while t == s {
                    t = rng.random_range(0..n);
                }
                (s, t)
            };
            members.push(Self::member(&mut rng, n, links.len(), s, t, group));
        }
        let disjointness = match rng.random_range(0..6) {
            0 | 1 => Disjointness::LINK,
            2 => Disjointness::NODE,
            3 => Disjointness::SRLG,
            4 => Disjointness {
                link: true,
                node: true,
                srlg: false,
            },
            _ => Disjointness {
                link: false,
                node: true,
                srlg: true,
            },
        };
        Self {
            nodes: n,
            node_srlgs,
            links,
            members,
            disjointness,
            strict: rng.random_bool(0.5),
            min_max: rng.random_bool(0.3),
        }
    }

    fn member(
        rng: &mut ChaCha8Rng,
        n: usize,
        links: usize,
        s: usize,
        t: usize,
        group: bool,
    ) -> Member {
        // Groups get fewer constraints each, or they are mostly infeasible.
        let p = if group { 0.06 } else { 0.2 };
        let node = |rng: &mut ChaCha8Rng| rng.random_range(0..n);
        Member {
            s,
            t,
            objective: match rng.random_range(0..5) {
                0 | 1 => Objective::Igp,
                2 => Objective::Te,
                3 => Objective::Delay,
                _ => Objective::Hops,
            },
            bandwidth: if rng.random_bool(p) { 5e9 } else { 0.0 },
            exclude_any: if rng.random_bool(p) { 1 } else { 0 },
            include_any: if rng.random_bool(p / 2.0) { 6 } else { 0 },
            include_all: 0,
            exclude_srlgs: if rng.random_bool(p) { vec![1] } else { vec![] },
            exclude_nodes: if rng.random_bool(p) {
                vec![node(rng)]
            } else {
                vec![]
            },
            exclude_links: if rng.random_bool(p) {
                vec![rng.random_range(0..links)]
            } else {
                vec![]
            },
            include_nodes: (0..if rng.random_bool(p) {
                rng.random_range(1..=2)
            } else {
                0
            })
                .map(|_| node(rng))
                .collect(),
            max_igp: rng.random_bool(p).then(|| rng.random_range(10..80)),
            max_te: rng.random_bool(p / 2.0).then(|| rng.random_range(10..80)),
            max_delay: rng.random_bool(p / 2.0).then(|| rng.random_range(50..400)),
            max_hops: rng.random_bool(p).then(|| rng.random_range(2..8)),
        }
    }

    /// The SRLGs of a link, its nodes' included.
    pub fn srlgs(&self, l: usize) -> BTreeSet<u32> {
        let link = &self.links[l];
        link.srlgs
            .iter()
            .chain(&self.node_srlgs[link.a])
            .chain(&self.node_srlgs[link.b])
            .copied()
            .collect()
    }

    /// Arc ends: (from, to).
    pub fn ends(&self, (l, forward): (usize, bool)) -> (usize, usize) {
        let link = &self.links[l];
        if forward {
            (link.a, link.b)
        } else {
            (link.b, link.a)
        }
    }

    fn metric(&self, (l, _): (usize, bool), o: Objective) -> u64 {
        let link = &self.links[l];
        match o {
            Objective::Igp => link.igp,
            Objective::Te => link.te,
            Objective::Delay => link.delay,
            Objective::Hops => 1,
        }
    }

    /// Whether member `m` may use an arc (everything but bounds and
    /// include-nodes).
    pub fn admits(&self, m: &Member, arc: (usize, bool)) -> bool {
        let link = &self.links[arc.0];
        let (from, to) = self.ends(arc);
        let ag = link.admin_groups;
        link.bandwidth >= m.bandwidth
            && ag & m.exclude_any == 0
            && (m.include_any == 0 || ag & m.include_any != 0)
            && ag & m.include_all == m.include_all
            && !m.exclude_links.contains(&arc.0)
            && !m.exclude_nodes.contains(&from)
            && !m.exclude_nodes.contains(&to)
            && self
                .srlgs(arc.0)
                .iter()
                .all(|g| !m.exclude_srlgs.contains(g))
    }

    /// The value of `arcs` on objective `o`.
    pub fn cost(&self, arcs: &[(usize, bool)], o: Objective) -> u64 {
        arcs.iter().map(|&a| self.metric(a, o)).sum()
    }

    /// Why `arcs` is not a feasible path of `m`, if it is not.
    pub fn infeasibility(&self, m: &Member, arcs: &[(usize, bool)]) -> Option<String> {
        let mut at = m.s;
        let mut seen = vec![m.s];
        for &arc in arcs {
            let (from, to) = self.ends(arc);
            if from != at {
                return Some(format!("not connected at node {at}"));
            }
            if !self.admits(m, arc) {
                return Some(format!("link {} breaks a constraint", arc.0));
            }
            if seen.contains(&to) {
                return Some(format!("node {to} visited twice"));
            }
            seen.push(to);
            at = to;
        }
        if at != m.t {
            return Some(format!("ends at {at}, not {}", m.t));
        }
        if m.exclude_nodes.contains(&m.s) {
            return Some("head end excluded".into());
        }
        // Include-nodes: a subsequence of the nodes, in order.
        let include = m.includes();
        let mut next = 0;
        for n in &seen {
            if include.get(next) == Some(n) {
                next += 1;
            }
        }
        if next < include.len() {
            return Some("include-nodes not traversed in order".into());
        }
        for (b, o) in m.bounds() {
            if self.cost(arcs, o) > b {
                return Some(format!("{o:?} above its bound {b}"));
            }
        }
        None
    }

    /// Nodes of a path of `m`.
    fn nodes_of(&self, m: &Member, arcs: &[(usize, bool)]) -> Vec<usize> {
        std::iter::once(m.s)
            .chain(arcs.iter().map(|&a| self.ends(a).1))
            .collect()
    }

    /// Elements two paths share, of the kinds in `d`: links, nodes other
    /// than an end of both, SRLGs.
    pub fn shared(
        &self,
        (ma, pa): (&Member, &[(usize, bool)]),
        (mb, pb): (&Member, &[(usize, bool)]),
        d: Disjointness,
    ) -> u64 {
        let mut n = 0;
        if d.link {
            let la: BTreeSet<usize> = pa.iter().map(|a| a.0).collect();
            let lb: BTreeSet<usize> = pb.iter().map(|a| a.0).collect();
            n += la.intersection(&lb).count() as u64;
        }
        if d.node {
            let ends = |m: &Member, v: usize| v == m.s || v == m.t;
            let na: BTreeSet<usize> = self.nodes_of(ma, pa).into_iter().collect();
            let nb: BTreeSet<usize> = self.nodes_of(mb, pb).into_iter().collect();
            n += na
                .intersection(&nb)
                .filter(|&&v| !(ends(ma, v) && ends(mb, v)))
                .count() as u64;
        }
        if d.srlg {
            let of = |p: &[(usize, bool)]| -> BTreeSet<u32> {
                p.iter().flat_map(|a| self.srlgs(a.0)).collect()
            };
            n += of(pa).intersection(&of(pb)).count() as u64;
        }
        n
    }

    /// Whether a combination is disjoint as `d` asks (N and S imply L).
    pub fn disjoint(&self, paths: &[Arcs], d: Disjointness) -> bool {
        let d = Disjointness { link: d.any(), ..d };
        self.pairs(paths, d) == 0
    }

    fn pairs(&self, paths: &[Arcs], d: Disjointness) -> u64 {
        let mut n = 0;
        for i in 0..paths.len() {
            for j in i + 1..paths.len() {
                n += self.shared(
                    (&self.members[i], &paths[i]),
                    (&self.members[j], &paths[j]),
                    d,
                );
            }
        }
        n
    }

    /// The value the engine's answer is ranked by (see the module docs);
    /// `fallback` when the level asked was not met.
    pub fn value(&self, paths: &[Arcs], fallback: bool) -> Vec<u64> {
        let costs: Vec<u64> = paths
            .iter()
            .zip(&self.members)
            .map(|(p, m)| self.cost(p, m.objective))
            .collect();
        let sum: u64 = costs.iter().sum();
        let mut v = Vec::new();
        if fallback {
            v.push(self.pairs(paths, self.disjointness));
            v.push(self.pairs(paths, Disjointness::LINK));
        }
        if self.members.len() > 1 && self.min_max {
            v.push(costs.iter().copied().max().unwrap_or(0));
        }
        v.push(sum);
        v
    }
}

// ===== the engine's view =====

impl Instance {
    /// The topology file the engine reads: interface ID `l + 1` at both
    /// ends of link `l`, which is how the engine's links map back.
    pub fn file(&self) -> TopologyFile {
        TopologyFile {
            nodes: (0..self.nodes)
                .map(|i| NodeSpec {
                    name: format!("N{i}"),
                    router_id: format!("10.{}.{}.1", i / 256, i % 256).parse().unwrap(),
                    addresses: vec![],
                    node_sid: None,
                    srlgs: self.node_srlgs[i].clone(),
                })
                .collect(),
            links: self
                .links
                .iter()
                .enumerate()
                .map(|(i, l)| LinkSpec {
                    a: format!("N{}", l.a),
                    b: format!("N{}", l.b),
                    igp_metric: l.igp as u32,
                    te_metric: Some(l.te as u32),
                    delay_us: l.delay as u32,
                    bandwidth_bps: Some(l.bandwidth),
                    admin_groups: l.admin_groups,
                    srlgs: l.srlgs.clone(),
                    a_address: None,
                    b_address: None,
                    a_adj_sid: None,
                    b_adj_sid: None,
                    a_interface_id: Some(i as u32 + 1),
                    b_interface_id: Some(i as u32 + 1),
                    b_to_a: None,
                })
                .collect(),
        }
    }

    /// The engine's request for member `m` on `topo`.
    pub fn request(&self, topo: &Prepared, m: &Member) -> PathRequest {
        let node = |i: usize| NodeId(i as u32);
        let both = |l: usize| -> Vec<LinkId> {
            topo.links()
                .iter()
                .enumerate()
                .filter(|(_, x)| x.local_interface_id == Some(l as u32 + 1))
                .map(|(i, _)| LinkId(i as u32))
                .collect()
        };
        PathRequest {
            source: node(m.s),
            destination: node(m.t),
            objective: m.objective,
            constraints: Constraints {
                bandwidth: m.bandwidth,
                exclude_any: m.exclude_any,
                include_any: m.include_any,
                include_all: m.include_all,
                exclude_srlgs: m.exclude_srlgs.clone(),
                exclude_nodes: m.exclude_nodes.iter().map(|&n| node(n)).collect(),
                exclude_links: m.exclude_links.iter().flat_map(|&l| both(l)).collect(),
                include_nodes: m.include_nodes.iter().map(|&n| node(n)).collect(),
                max_igp: m.max_igp,
                max_te: m.max_te,
                max_delay: m.max_delay,
                max_hops: m.max_hops.map(|h| h as u32),
            },
        }
    }

    /// An engine path as arcs.
    pub fn arcs(&self, topo: &Prepared, p: &Path) -> Arcs {
        p.links
            .iter()
            .map(|&l| {
                let link = topo.link(l).expect("a link of the snapshot");
                let i = link.local_interface_id.expect("numbered by file()") as usize - 1;
                (i, link.from.index() == self.links[i].a)
            })
            .collect()
    }
}

/// What the engine answered, in the oracle's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Paths, whether the level asked was met (groups), the disjointness
    /// reported achieved, and the claim of optimality.
    Paths {
        /// One per member.
        paths: Vec<Arcs>,
        /// Reported achieved (groups).
        achieved: Disjointness,
        /// Claimed optimal.
        optimal: bool,
    },
    /// No path (single) or a member without one (group).
    NoPath {
        /// Claimed proven.
        proven: bool,
    },
    /// Strict group not disjoint.
    NotDisjoint {
        /// Claimed proven.
        proven: bool,
    },
}

/// Run the engine on an instance, at full effort.
pub fn engine(inst: &Instance) -> Answer {
    engine_with(inst, Effort::FULL)
}

/// Run the engine on an instance, its exact group searches within `effort`.
pub fn engine_with(inst: &Instance, effort: Effort) -> Answer {
    let topo = Prepared::from(inst.file().build().expect("a valid generated topology"));
    let res = Reservations::new(topo.link_count());
    let mut ws = Workspace::new();
    let requests: Vec<PathRequest> = inst
        .members
        .iter()
        .map(|m| inst.request(&topo, m))
        .collect();
    let proven = |e: &NoPath| !matches!(e, NoPath::Infeasible { proven: false });
    if requests.len() == 1 {
        return match compute(&topo, &res, &requests[0], &mut ws) {
            Ok(p) => Answer::Paths {
                paths: vec![inst.arcs(&topo, &p)],
                achieved: Disjointness::NONE,
                optimal: p.optimal,
            },
            Err(e) => Answer::NoPath { proven: proven(&e) },
        };
    }
    let group = GroupRequest {
        members: requests,
        disjointness: inst.disjointness,
        strict: inst.strict,
        objective: if inst.min_max {
            GroupObjective::MinMax
        } else {
            GroupObjective::MinSum
        },
        pinned: vec![],
    };
    match solve_with(&topo, &res, &group, effort, &mut ws) {
        Ok(r) => Answer::Paths {
            paths: r.paths.iter().map(|p| inst.arcs(&topo, p)).collect(),
            achieved: r.achieved,
            optimal: r.optimal,
        },
        Err(GroupError::Member { reason, .. }) => Answer::NoPath {
            proven: proven(&reason),
        },
        Err(GroupError::NotDisjoint { proven }) => Answer::NotDisjoint { proven },
        Err(GroupError::Empty) => unreachable!("instances have members"),
    }
}

// ===== the judge =====

/// How an answer compares with the exact one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Right, and optimal where a path was returned.
    Agrees,
    /// Feasible and right in status, not claimed optimal, `gap` above the
    /// optimum in its first differing component (or a "not found" that
    /// was not claimed proven, on an instance that has no answer).
    Unproven {
        /// How far from the optimum.
        gap: u64,
    },
    /// Wrong: an infeasible path, a wrong status, a false claim.
    Wrong(String),
}

/// Judge the engine's answer against the exact one.
pub fn judge(inst: &Instance, answer: &Answer, exact: &Exact) -> Verdict {
    use Verdict::{Agrees, Unproven, Wrong};
    match (answer, exact) {
        (
            Answer::Paths {
                paths,
                achieved,
                optimal,
            },
            _,
        ) => {
            for (p, m) in paths.iter().zip(&inst.members) {
                if let Some(why) = inst.infeasibility(m, p) {
                    return Wrong(format!("infeasible path: {why}"));
                }
            }
            let met = inst.members.len() == 1 || inst.disjoint(paths, inst.disjointness);
            for (claimed, kind) in [
                (achieved.link, Disjointness::LINK),
                (achieved.node, Disjointness::NODE),
                (achieved.srlg, Disjointness::SRLG),
            ] {
                if claimed && inst.pairs(paths, kind) > 0 {
                    return Wrong(format!("reports {kind:?} achieved, which does not hold"));
                }
            }
            if inst.strict && !met {
                return Wrong("T=1 but the paths are not disjoint as asked".into());
            }
            let Exact::Optimum(best) = exact else {
                return Wrong(format!(
                    "returned paths where the exact answer is {exact:?}"
                ));
            };
            let got = inst.value(paths, !met);
            // A fallback answer is ranked with the sharing counts first.
            // The level asked was met by the exact answer (ranked without
            // sharing counts) but not by the engine: a fallback where a
            // disjoint combination exists.
            let best_here = if best.len() == got.len() {
                best.clone()
            } else if !met && !*optimal {
                return Unproven { gap: got[0] };
            } else {
                return Wrong(format!(
                    "met the level asked: {met}, claimed optimal: {optimal}; the exact answer ranks {best:?}, the engine {got:?}"
                ));
            };
            if got == best_here {
                Agrees
            } else if got < best_here {
                Wrong(format!(
                    "better than the optimum? engine {got:?}, exact {best_here:?}"
                ))
            } else if *optimal {
                Wrong(format!(
                    "claims optimal: engine {got:?}, exact {best_here:?}"
                ))
            } else {
                let gap = got
                    .iter()
                    .zip(&best_here)
                    .find(|(a, b)| a != b)
                    .map_or(0, |(a, b)| a - b);
                Unproven { gap }
            }
        }
        (Answer::NoPath { proven }, Exact::NoPath)
        | (Answer::NotDisjoint { proven }, Exact::NotDisjoint) => {
            if *proven {
                Agrees
            } else {
                Unproven { gap: 0 }
            }
        }
        (Answer::NoPath { proven }, e) | (Answer::NotDisjoint { proven }, e) => {
            if *proven {
                Wrong(format!(
                    "claims a proven {answer:?}, the exact answer is {e:?}"
                ))
            } else {
                Wrong(format!("found nothing, the exact answer is {e:?}"))
            }
        }
    }
}

// ===== exhaustive search =====

/// Every feasible simple path of member `m`.
pub fn all_paths(inst: &Instance, m: &Member) -> Vec<Arcs> {
    all_paths_within(inst, m, u64::MAX).unwrap_or_default()
}

/// Every feasible simple path of member `m`, or `None` when the search
/// takes more than `budget` steps.
pub fn all_paths_within(inst: &Instance, m: &Member, budget: u64) -> Option<Vec<Arcs>> {
    let mut out = Vec::new();
    if m.exclude_nodes.contains(&m.s) || m.exclude_nodes.contains(&m.t) {
        return Some(out);
    }
    let mut adjacency = vec![Vec::new(); inst.nodes];
    for l in 0..inst.links.len() {
        for forward in [true, false] {
            let arc = (l, forward);
            if inst.admits(m, arc) {
                adjacency[inst.ends(arc).0].push(arc);
            }
        }
    }
    #[allow(clippy::too_many_arguments)]
    fn walk(
        inst: &Instance,
        m: &Member,
        adjacency: &[Vec<(usize, bool)>],
        at: usize,
        seen: &mut Vec<bool>,
        arcs: &mut Arcs,
        out: &mut Vec<Arcs>,
        budget: &mut u64,
    ) {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        if at == m.t {
            if inst.infeasibility(m, arcs).is_none() {
                out.push(arcs.clone());
            }
            return;
        }
        // Bounds only grow along a path: prune.
        if m.max_hops.is_some_and(|h| arcs.len() as u64 >= h)
            || m.max_igp
                .is_some_and(|b| inst.cost(arcs, Objective::Igp) > b)
            || m.max_te.is_some_and(|b| inst.cost(arcs, Objective::Te) > b)
            || m.max_delay
                .is_some_and(|b| inst.cost(arcs, Objective::Delay) > b)
        {
            return;
        }
        for &arc in &adjacency[at] {
            let to = inst.ends(arc).1;
            if !seen[to] {
                seen[to] = true;
                arcs.push(arc);
                walk(inst, m, adjacency, to, seen, arcs, out, budget);
                arcs.pop();
                seen[to] = false;
            }
        }
    }
    let mut seen = vec![false; inst.nodes];
    seen[m.s] = true;
    let mut left = budget;
    walk(
        inst,
        m,
        &adjacency,
        m.s,
        &mut seen,
        &mut Vec::new(),
        &mut out,
        &mut left,
    );
    (left > 0).then_some(out)
}

/// The exact answer by enumeration (small instances only: the number of
/// simple paths, and of their combinations, grows fast).
pub fn exhaustive(inst: &Instance) -> Exact {
    let lists: Vec<Vec<Arcs>> = inst.members.iter().map(|m| all_paths(inst, m)).collect();
    if lists.iter().any(Vec::is_empty) {
        return Exact::NoPath;
    }
    let mut best_met: Option<Vec<u64>> = None;
    let mut best_any: Option<Vec<u64>> = None;
    let mut choice = vec![0usize; lists.len()];
    loop {
        let paths: Vec<Arcs> = choice
            .iter()
            .zip(&lists)
            .map(|(&c, l)| l[c].clone())
            .collect();
        if inst.members.len() == 1 || inst.disjoint(&paths, inst.disjointness) {
            let v = inst.value(&paths, false);
            if best_met.as_ref().is_none_or(|b| v < *b) {
                best_met = Some(v);
            }
        }
        if !inst.strict {
            let v = inst.value(&paths, true);
            if best_any.as_ref().is_none_or(|b| v < *b) {
                best_any = Some(v);
            }
        }
        // Next combination.
        let mut i = 0;
        loop {
            if i == choice.len() {
                return match (best_met, best_any) {
                    (Some(v), _) => Exact::Optimum(v),
                    (None, Some(v)) => Exact::Optimum(v),
                    (None, None) => Exact::NotDisjoint,
                };
            }
            choice[i] += 1;
            if choice[i] < lists[i].len() {
                break;
            }
            choice[i] = 0;
            i += 1;
        }
    }
}

/// The number of combinations [`exhaustive`] would enumerate, `None`
/// when listing one member's paths takes more than a million steps.
pub fn combinations(inst: &Instance) -> Option<u128> {
    let mut n = 1u128;
    for m in &inst.members {
        n = n.saturating_mul(all_paths_within(inst, m, 1_000_000)?.len() as u128);
    }
    Some(n)
}

// ===== MILP =====

/// The exact answer by MILP, solved by CBC (`cbc` on the PATH, Debian's
/// `coinor-cbc`).
pub fn milp(inst: &Instance) -> Result<Exact, String> {
    let model = Model::new(inst);
    if model.trivially_infeasible {
        return Ok(Exact::NoPath);
    }
    // Each member alone: a member without a path is the answer whatever
    // the group (the engine reports it so).
    for i in 0..inst.members.len() {
        let mut lp = model.base(Some(i));
        lp.minimize(&model.cost_terms(i));
        if lp.solve()?.is_none() {
            return Ok(Exact::NoPath);
        }
    }
    let single = inst.members.len() == 1;
    // The level asked.
    let mut lp = model.base(None);
    if !single {
        model.disjoint(&mut lp, inst.disjointness);
    }
    if let Some(v) = model.lexicographic(&mut lp, &[])? {
        return Ok(Exact::Optimum(v));
    }
    if inst.strict {
        return Ok(Exact::NotDisjoint);
    }
    // T=0: fewest shared of the kinds asked, then links, then the rest.
    let mut lp = model.base(None);
    let asked = model.sharing(&mut lp, inst.disjointness, "a");
    let links = model.sharing(&mut lp, Disjointness::LINK, "l");
    match model.lexicographic(&mut lp, &[asked, links])? {
        Some(v) => Ok(Exact::Optimum(v)),
        None => Err("the fallback MILP is infeasible although every member has a path".into()),
    }
}

/// A linear expression: (coefficient, variable).
type Terms = Vec<(f64, String)>;

struct Model<'a> {
    inst: &'a Instance,
    /// Per member: waypoints (head, include-nodes, tail) and the
    /// admissible arcs.
    waypoints: Vec<Vec<usize>>,
    arcs: Vec<Vec<(usize, bool)>>,
    trivially_infeasible: bool,
}

impl<'a> Model<'a> {
    fn new(inst: &'a Instance) -> Self {
        let mut trivially_infeasible = false;
        let mut waypoints = Vec::new();
        let mut arcs = Vec::new();
        for m in &inst.members {
            // Head, include-nodes, tail, a node listed twice in a row
            // once (so an include-node equal to the head can only be the
            // first, to the tail only the last); any other repeat would be
            // a second visit.
            let mut w = vec![m.s];
            w.extend(m.includes());
            w.push(m.t);
            w.dedup();
            let distinct: BTreeSet<usize> = w.iter().copied().collect();
            if distinct.len() != w.len() || w.iter().any(|n| m.exclude_nodes.contains(n)) {
                trivially_infeasible = true;
            }
            waypoints.push(w);
            arcs.push(
                (0..inst.links.len())
                    .flat_map(|l| [(l, true), (l, false)])
                    .filter(|&a| inst.admits(m, a))
                    .collect(),
            );
        }
        Self {
            inst,
            waypoints,
            arcs,
            trivially_infeasible,
        }
    }

    fn x(m: usize, seg: usize, (l, forward): (usize, bool)) -> String {
        format!("x{m}_{seg}_{l}{}", if forward { 'f' } else { 'r' })
    }

    /// Every arc variable of member `m` on link `l` (both directions, all
    /// segments).
    fn on_link(&self, m: usize, l: usize) -> Terms {
        let mut t = Vec::new();
        for seg in 0..self.waypoints[m].len() - 1 {
            for &a in &self.arcs[m] {
                if a.0 == l {
                    t.push((1.0, Self::x(m, seg, a)));
                }
            }
        }
        t
    }

    /// Member `m`'s arcs entering `v`, all segments.
    fn entering(&self, m: usize, v: usize) -> Terms {
        let mut t = Vec::new();
        for seg in 0..self.waypoints[m].len() - 1 {
            for &a in &self.arcs[m] {
                if self.inst.ends(a).1 == v {
                    t.push((1.0, Self::x(m, seg, a)));
                }
            }
        }
        t
    }

    fn cost_terms(&self, m: usize) -> Terms {
        self.metric_terms(m, self.inst.members[m].objective)
    }

    fn metric_terms(&self, m: usize, o: Objective) -> Terms {
        let mut t = Vec::new();
        for seg in 0..self.waypoints[m].len() - 1 {
            for &a in &self.arcs[m] {
                let c = self.inst.metric(a, o);
                if c > 0 {
                    t.push((c as f64, Self::x(m, seg, a)));
                }
            }
        }
        t
    }

    /// Paths for every member (or only `only`): flows, simple-path degree
    /// constraints, bounds.
    fn base(&self, only: Option<usize>) -> Lp {
        let mut lp = Lp::default();
        for (i, m) in self.inst.members.iter().enumerate() {
            if only.is_some_and(|o| o != i) {
                continue;
            }
            let w = &self.waypoints[i];
            for seg in 0..w.len() - 1 {
                for &a in &self.arcs[i] {
                    lp.binary.push(Self::x(i, seg, a));
                }
                for v in 0..self.inst.nodes {
                    let mut t: Terms = Vec::new();
                    for &a in &self.arcs[i] {
                        let (from, to) = self.inst.ends(a);
                        if from == v {
                            t.push((1.0, Self::x(i, seg, a)));
                        }
                        if to == v {
                            t.push((-1.0, Self::x(i, seg, a)));
                        }
                    }
                    let rhs =
                        f64::from(u8::from(v == w[seg])) - f64::from(u8::from(v == w[seg + 1]));
                    if t.is_empty() {
                        if rhs != 0.0 {
                            lp.infeasible = true;
                        }
                        continue;
                    }
                    lp.row(t, "=", rhs);
                }
            }
            for v in 0..self.inst.nodes {
                let into = self.entering(i, v);
                let mut out: Terms = Vec::new();
                for seg in 0..w.len() - 1 {
                    for &a in &self.arcs[i] {
                        if self.inst.ends(a).0 == v {
                            out.push((1.0, Self::x(i, seg, a)));
                        }
                    }
                }
                let into_max = if v == m.s { 0.0 } else { 1.0 };
                let out_max = if v == m.t { 0.0 } else { 1.0 };
                if !into.is_empty() {
                    lp.row(into, "<=", into_max);
                }
                if !out.is_empty() {
                    lp.row(out, "<=", out_max);
                }
            }
            for (b, o) in m.bounds() {
                let t = self.metric_terms(i, o);
                if !t.is_empty() {
                    lp.row(t, "<=", b as f64);
                }
            }
        }
        lp
    }

    /// Usage of node `v` by member `m`: 1 at its ends, else arcs entering.
    fn node_use(&self, m: usize, v: usize) -> Option<Terms> {
        let mem = &self.inst.members[m];
        if v == mem.s || v == mem.t {
            None
        } else {
            Some(self.entering(m, v))
        }
    }

    /// SRLG usage variables: u{m}_{g} >= every arc carrying g.
    fn srlg_use(&self, lp: &mut Lp, m: usize, g: u32) -> String {
        let name = format!("u{m}_{g}");
        if lp.declared.insert(name.clone()) {
            lp.binary.push(name.clone());
            for seg in 0..self.waypoints[m].len() - 1 {
                for &a in &self.arcs[m] {
                    if self.inst.srlgs(a.0).contains(&g) {
                        lp.row(
                            vec![(1.0, name.clone()), (-1.0, Self::x(m, seg, a))],
                            ">=",
                            0.0,
                        );
                    }
                }
            }
        }
        name
    }

    fn all_srlgs(&self) -> BTreeSet<u32> {
        (0..self.inst.links.len())
            .flat_map(|l| self.inst.srlgs(l))
            .collect()
    }

    /// Disjointness as asked (N and S imply L), as constraints.
    fn disjoint(&self, lp: &mut Lp, d: Disjointness) {
        let inst = self.inst;
        let n = inst.members.len();
        if d.any() {
            for l in 0..inst.links.len() {
                let t: Terms = (0..n).flat_map(|m| self.on_link(m, l)).collect();
                if t.len() > 1 {
                    lp.row(t, "<=", 1.0);
                }
            }
        }
        for i in 0..n {
            for j in i + 1..n {
                if d.node {
                    for v in 0..inst.nodes {
                        match (self.node_use(i, v), self.node_use(j, v)) {
                            (None, None) => {}
                            (Some(a), None) | (None, Some(a)) => {
                                if !a.is_empty() {
                                    lp.row(a, "<=", 0.0);
                                }
                            }
                            (Some(mut a), Some(b)) => {
                                a.extend(b);
                                if !a.is_empty() {
                                    lp.row(a, "<=", 1.0);
                                }
                            }
                        }
                    }
                }
                if d.srlg {
                    for g in self.all_srlgs() {
                        let (a, b) = (self.srlg_use(lp, i, g), self.srlg_use(lp, j, g));
                        lp.row(vec![(1.0, a), (1.0, b)], "<=", 1.0);
                    }
                }
            }
        }
    }

    /// The number of shared elements of the kinds in `d`, summed over the
    /// pairs, as an expression over new sharing variables.
    fn sharing(&self, lp: &mut Lp, d: Disjointness, tag: &str) -> Terms {
        let inst = self.inst;
        let n = inst.members.len();
        let mut total: Terms = Vec::new();
        let mut share = |lp: &mut Lp, name: String, mut a: Terms, b: Terms, constant: f64| {
            // s >= a + b - 1 (+ constant for an end's usage of 1).
            lp.continuous.push(name.clone());
            a.extend(b);
            let mut t: Terms = vec![(1.0, name.clone())];
            t.extend(a.into_iter().map(|(c, v)| (-c, v)));
            lp.row(t, ">=", constant - 1.0);
            total.push((1.0, name));
        };
        for i in 0..n {
            for j in i + 1..n {
                if d.link {
                    for l in 0..inst.links.len() {
                        let (a, b) = (self.on_link(i, l), self.on_link(j, l));
                        if !a.is_empty() && !b.is_empty() {
                            share(lp, format!("s{tag}l{i}_{j}_{l}"), a, b, 0.0);
                        }
                    }
                }
                if d.node {
                    for v in 0..inst.nodes {
                        let (a, b) = (self.node_use(i, v), self.node_use(j, v));
                        let name = format!("s{tag}n{i}_{j}_{v}");
                        match (a, b) {
                            (None, None) => {}
                            (Some(a), None) | (None, Some(a)) => {
                                if !a.is_empty() {
                                    share(lp, name, a, vec![], 1.0);
                                }
                            }
                            (Some(a), Some(b)) => {
                                if !a.is_empty() && !b.is_empty() {
                                    share(lp, name, a, b, 0.0);
                                }
                            }
                        }
                    }
                }
                if d.srlg {
                    for g in self.all_srlgs() {
                        let (a, b) = (self.srlg_use(lp, i, g), self.srlg_use(lp, j, g));
                        share(
                            lp,
                            format!("s{tag}s{i}_{j}_{g}"),
                            vec![(1.0, a)],
                            vec![(1.0, b)],
                            0.0,
                        );
                    }
                }
            }
        }
        total
    }

    /// Minimize `first` in turn, then (min-max) the largest cost, then the
    /// sum; each optimum fixed before the next. `None` when infeasible.
    fn lexicographic(&self, lp: &mut Lp, first: &[Terms]) -> Result<Option<Vec<u64>>, String> {
        let n = self.inst.members.len();
        let mut goals: Vec<Terms> = first.to_vec();
        if n > 1 && self.inst.min_max {
            lp.continuous.push("tmax".into());
            for m in 0..n {
                let mut t = vec![(1.0, "tmax".to_string())];
                t.extend(self.cost_terms(m).into_iter().map(|(c, v)| (-c, v)));
                lp.row(t, ">=", 0.0);
            }
            goals.push(vec![(1.0, "tmax".into())]);
        }
        goals.push((0..n).flat_map(|m| self.cost_terms(m)).collect());
        let mut values = Vec::new();
        for g in goals {
            lp.minimize(&g);
            let Some(v) = lp.solve()? else {
                return Ok(None);
            };
            let v = v.round().max(0.0);
            values.push(v as u64);
            if !g.is_empty() {
                lp.row(g, "<=", v + 0.5);
            }
        }
        Ok(Some(values))
    }
}

/// A MILP in CPLEX LP format.
#[derive(Clone, Default)]
struct Lp {
    objective: Terms,
    rows: Vec<(Terms, &'static str, f64)>,
    binary: Vec<String>,
    continuous: Vec<String>,
    /// The SRLG usage variables declared.
    declared: BTreeSet<String>,
    /// A flow row with no variable and a non-zero right-hand side.
    infeasible: bool,
}

static SOLVES: AtomicU64 = AtomicU64::new(0);

impl Lp {
    fn row(&mut self, t: Terms, sense: &'static str, rhs: f64) {
        self.rows.push((t, sense, rhs));
    }

    fn minimize(&mut self, t: &Terms) {
        self.objective = t.clone();
    }

    /// Terms, a few per line (LP readers limit the line length).
    fn terms(out: &mut String, t: &Terms) {
        for (i, (c, v)) in t.iter().enumerate() {
            let sign = if *c < 0.0 { '-' } else { '+' };
            if i > 0 && i % 8 == 0 {
                out.push_str("\n   ");
            }
            let _ = write!(out, " {sign} {} {v}", c.abs());
        }
    }

    fn text(&self) -> String {
        let mut out = String::from("Minimize\n obj:");
        if self.objective.is_empty() {
            // A constant objective: some variable times zero.
            let v = self
                .binary
                .first()
                .cloned()
                .unwrap_or_else(|| "dummy".into());
            let _ = write!(out, " 0 {v}");
        } else {
            Self::terms(&mut out, &self.objective);
        }
        out.push_str("\nSubject To\n");
        for (i, (t, sense, rhs)) in self.rows.iter().enumerate() {
            let _ = write!(out, " r{i}:");
            Self::terms(&mut out, t);
            let _ = writeln!(out, " {sense} {rhs}");
        }
        out.push_str("Bounds\n");
        for v in &self.continuous {
            let _ = writeln!(out, " 0 <= {v} <= 1e9");
        }
        if self.binary.is_empty() {
            out.push_str(" 0 <= dummy <= 0\n");
        }
        out.push_str("Binary\n");
        for v in &self.binary {
            let _ = writeln!(out, " {v}");
        }
        out.push_str("End\n");
        out
    }

    /// Solve: the optimal objective value, `None` when infeasible.
    fn solve(&self) -> Result<Option<f64>, String> {
        if self.infeasible {
            return Ok(None);
        }
        let n = SOLVES.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir();
        let base: PathBuf = dir.join(format!("pce-oracle-{}-{n}", std::process::id()));
        let lp = base.with_extension("lp");
        let sol = base.with_extension("sol");
        std::fs::write(&lp, self.text()).map_err(|e| e.to_string())?;
        let out = Command::new("cbc")
            .arg(&lp)
            .args(["solve", "solu"])
            .arg(&sol)
            .output()
            .map_err(|e| format!("cannot run cbc (Debian package coinor-cbc): {e}"))?;
        let text = std::fs::read_to_string(&sol).map_err(|e| {
            format!(
                "cbc wrote no solution ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        });
        let _ = std::fs::remove_file(&lp);
        let _ = std::fs::remove_file(&sol);
        let text = text?;
        let first = text.lines().next().unwrap_or_default();
        if first.to_ascii_lowercase().contains("infeasible") {
            return Ok(None);
        }
        if !first.starts_with("Optimal") {
            return Err(format!("cbc: {first}"));
        }
        first
            .rsplit(' ')
            .next()
            .and_then(|v| v.parse().ok())
            .map(Some)
            .ok_or_else(|| format!("cbc: cannot read {first:?}"))
    }
}
