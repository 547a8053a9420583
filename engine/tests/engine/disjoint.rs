//! Disjoint groups: the draft's topologies, fallback, and exhaustive search.

use pce_engine::solver::conflicts::{Goal, Outcome};
use pce_engine::solver::cspf::{
    Constraints, Objective, Path, PathRequest, Reservations, Workspace,
};
use pce_engine::solver::disjoint::{
    disjoint, shared, solve, Disjointness, GroupError, GroupObjective, GroupRequest,
};
use pce_engine::solver::milp;
use pce_engine::solver::Prepared;
use pce_engine::topology::{LinkId, LinkSpec, NodeId, NodeSpec, Topology, TopologyFile};
use proptest::prelude::*;

use super::support::{end_of, hops, link_spec, load, node_spec, numbered, req};

fn pair(topo: &Topology, d: Disjointness, strict: bool) -> GroupRequest {
    GroupRequest {
        members: vec![req(topo, "PCC1", "PCC2"), req(topo, "PCC3", "PCC4")],
        disjointness: d,
        strict,
        objective: GroupObjective::MinSum,
        pinned: Vec::new(),
    }
}

/// DIGEST §9.0: the optimum disjoint pairs of the draft's topologies.
#[test]
fn draft_disjoint_pairs() {
    let a = load("draft-topology-a.json");
    for d in [Disjointness::LINK, Disjointness::NODE, Disjointness::SRLG] {
        let g = solve(
            &a,
            &Reservations::new(a.link_count()),
            &pair(&a, d, true),
            &mut Workspace::new(),
        )
        .unwrap();
        assert_eq!(hops(&a, &g.paths[0]), ["R1", "R2", "PCC2"], "{d:?}");
        assert_eq!(hops(&a, &g.paths[1]), ["R3", "R4", "PCC4"], "{d:?}");
        assert_eq!(g.paths[0].metrics.igp + g.paths[1].metrics.igp, 15);
        assert!(g.optimal && g.achieved == d);
    }
    let b = load("draft-topology-b.json");
    let g = solve(
        &b,
        &Reservations::new(b.link_count()),
        &pair(&b, Disjointness::LINK, true),
        &mut Workspace::new(),
    )
    .unwrap();
    assert_eq!(
        (hops(&b, &g.paths[0]), hops(&b, &g.paths[1])),
        (
            vec!["R1".into(), "PCC2".into()],
            vec!["R3".into(), "PCC4".into()]
        )
    );
    assert_eq!(g.paths[0].metrics.igp + g.paths[1].metrics.igp, 13);
    assert!(g.optimal);
}

/// Scenario 3 (strict: no solution) against scenario 4 (fallback) when a
/// member's ends leave no disjoint option: R3-R4 down in Topology A leaves
/// PCC3 only R3-R1-R2-R4, which PCC1->PCC2 must cross.
#[test]
fn strict_fails_and_fallback_reports_what_was_achieved() {
    let a = load("draft-topology-a.json");
    let n = |x: &str| a.node_by_name(x).unwrap();
    let mut g = pair(&a, Disjointness::NODE, true);
    // Keep PCC1's LSP on R1 and R2 (exclude R3, R4), forcing the conflict.
    g.members[0].constraints.exclude_nodes = vec![n("R3"), n("R4")];
    g.members[1].constraints.exclude_links = vec![a.link_between(n("R3"), n("R4")).unwrap()];
    let r = Reservations::new(a.link_count());
    assert_eq!(
        solve(&a, &r, &g, &mut Workspace::new()),
        Err(GroupError::NotDisjoint { proven: true })
    );
    g.strict = false;
    let got = solve(&a, &r, &g, &mut Workspace::new()).unwrap();
    assert_eq!(got.achieved, Disjointness::NONE);
    assert_eq!(hops(&a, &got.paths[1]), ["R3", "R1", "R2", "R4", "PCC4"]);
}

// ===== exhaustive =====

fn all_paths(topo: &Topology, r: &PathRequest) -> Vec<Path> {
    fn walk(
        topo: &Topology,
        at: NodeId,
        r: &PathRequest,
        seen: &mut Vec<NodeId>,
        p: &mut Vec<LinkId>,
        out: &mut Vec<Path>,
    ) {
        if at == r.destination {
            let mut m = pce_engine::solver::cspf::PathMetrics::default();
            for l in p.iter() {
                let l = topo.link(*l).unwrap();
                m.igp += u64::from(l.igp);
                m.te += u64::from(l.te);
                m.delay_us += u64::from(l.delay_us);
                m.hops += 1;
            }
            out.push(Path {
                links: p.clone(),
                metrics: m,
                optimal: true,
            });
            return;
        }
        for l in topo.out_links(at).map(LinkId) {
            let to = topo.link(l).unwrap().to;
            if !seen.contains(&to) {
                seen.push(to);
                p.push(l);
                walk(topo, to, r, seen, p, out);
                p.pop();
                seen.pop();
            }
        }
    }
    let mut out = Vec::new();
    walk(
        topo,
        r.source,
        r,
        &mut vec![r.source],
        &mut Vec::new(),
        &mut out,
    );
    out
}

/// (objective, sum) of members' costs.
fn value_of(objective: GroupObjective, costs: &[u64]) -> (u64, u64) {
    let sum = costs.iter().sum();
    match objective {
        GroupObjective::MinSum => (sum, sum),
        GroupObjective::MinMax => (costs.iter().copied().max().unwrap_or(0), sum),
    }
}

/// (objective, sum) of the members' paths.
fn value_of_paths(g: &GroupRequest, paths: &[Path]) -> (u64, u64) {
    let costs: Vec<u64> = paths
        .iter()
        .zip(&g.members)
        .map(|(p, m)| p.metrics.of(m.objective))
        .collect();
    value_of(g.objective, &costs)
}

/// The best value of any combination of simple paths: (objective, sum), as
/// the solver ranks them (min-max breaks ties on the sum).
fn best_combination(topo: &Topology, g: &GroupRequest, level: Disjointness) -> Option<(u64, u64)> {
    let lists: Vec<Vec<Path>> = g.members.iter().map(|m| all_paths(topo, m)).collect();
    fn go(
        topo: &Topology,
        g: &GroupRequest,
        level: Disjointness,
        lists: &[Vec<Path>],
        chosen: &mut Vec<Path>,
        best: &mut Option<(u64, u64)>,
    ) {
        let i = chosen.len();
        if i == lists.len() {
            let v = value_of_paths(g, chosen);
            *best = Some(best.map_or(v, |b| b.min(v)));
            return;
        }
        for p in &lists[i] {
            if chosen
                .iter()
                .zip(&g.members)
                .all(|(q, mq)| disjoint(topo, (mq, q), (&g.members[i], p), level))
            {
                chosen.push(p.clone());
                go(topo, g, level, lists, chosen, best);
                chosen.pop();
            }
        }
    }
    let mut best = None;
    go(topo, g, level, &lists, &mut Vec::new(), &mut best);
    best
}

/// (shared of the kinds asked, shared links), over the pairs.
fn sharing_of(topo: &Topology, g: &GroupRequest, paths: &[Path]) -> (u64, u64) {
    let every = Disjointness::LINK;
    let mut n = (0, 0);
    for (i, (pi, mi)) in paths.iter().zip(&g.members).enumerate() {
        for (pj, mj) in paths.iter().zip(&g.members).skip(i + 1) {
            n.0 += shared(topo, (mi, pi), (mj, pj), g.disjointness);
            n.1 += shared(topo, (mi, pi), (mj, pj), every);
        }
    }
    n
}

/// (sharing, (objective, sum)), as the fallback ranks combinations.
type Ranked = ((u64, u64), (u64, u64));

/// The least [`Ranked`] over every combination of simple paths,
/// exhaustively.
fn least_sharing(topo: &Topology, g: &GroupRequest) -> Option<Ranked> {
    let lists: Vec<Vec<Path>> = g.members.iter().map(|m| all_paths(topo, m)).collect();
    fn go(
        topo: &Topology,
        g: &GroupRequest,
        lists: &[Vec<Path>],
        chosen: &mut Vec<Path>,
        best: &mut Option<Ranked>,
    ) {
        let i = chosen.len();
        if i == lists.len() {
            let v = (sharing_of(topo, g, chosen), value_of_paths(g, chosen));
            *best = Some(best.map_or(v, |b| b.min(v)));
            return;
        }
        for p in &lists[i] {
            chosen.push(p.clone());
            go(topo, g, lists, chosen, best);
            chosen.pop();
        }
    }
    let mut best = None;
    go(topo, g, &lists, &mut Vec::new(), &mut best);
    best
}

fn group() -> impl Strategy<
    Value = (
        TopologyFile,
        Vec<(u32, u32)>,
        Disjointness,
        GroupObjective,
        bool,
    ),
> {
    (3usize..7)
        .prop_flat_map(|n| {
            (
                Just(n),
                proptest::collection::vec((0..n, 0..n, 0u32..6, 0u32..3), n..(n * 3)),
                proptest::collection::vec((0..n as u32, 0..n as u32), 2..4),
                prop_oneof![
                    Just(Disjointness::LINK),
                    Just(Disjointness::NODE),
                    Just(Disjointness::SRLG),
                    Just(Disjointness {
                        link: true,
                        node: true,
                        srlg: true
                    })
                ],
                prop_oneof![Just(GroupObjective::MinSum), Just(GroupObjective::MinMax)],
                any::<bool>(),
            )
        })
        .prop_map(|(n, links, members, d, obj, strict)| {
            let file = TopologyFile {
                nodes: (0..n)
                    .map(|i| NodeSpec {
                        name: format!("N{i}"),
                        router_id: format!("10.0.0.{}", i + 1).parse().unwrap(),
                        addresses: vec![],
                        node_sid: None,
                        srlgs: vec![],
                    })
                    .collect(),
                links: links
                    .into_iter()
                    .filter(|l| l.0 != l.1)
                    .map(|(a, b, igp, srlg)| LinkSpec {
                        a: format!("N{a}"),
                        b: format!("N{b}"),
                        igp_metric: igp,
                        te_metric: None,
                        delay_us: 0,
                        bandwidth_bps: None,
                        admin_groups: 0,
                        srlgs: vec![srlg],
                        a_address: None,
                        b_address: None,
                        a_adj_sid: None,
                        b_adj_sid: None,
                        a_interface_id: None,
                        b_interface_id: None,
                        b_to_a: None,
                    })
                    .collect(),
            };
            let file = TopologyFile {
                links: numbered(file.links),
                ..file
            };
            (file, members, d, obj, strict)
        })
}

/// Unconstrained IGP members between the distinct pairs of `ends`.
fn igp_members(ends: &[(u32, u32)]) -> Vec<PathRequest> {
    ends.iter()
        .filter(|(a, b)| a != b)
        .map(|&(a, b)| PathRequest {
            source: NodeId(a),
            destination: NodeId(b),
            objective: Objective::Igp,
            constraints: Constraints::default(),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn groups_match_exhaustive_search((file, ends, d, objective, strict) in group()) {
        let topo = Prepared::from(file.build().unwrap());
        let members = igp_members(&ends);
        if members.len() < 2 {
            return Ok(());
        }
        let g = GroupRequest { members, disjointness: d, strict, objective, pinned: vec![] };
        let got = solve(&topo, &Reservations::new(topo.link_count()), &g, &mut Workspace::new());
        let wanted = best_combination(&topo, &g, d);
        match got {
            Ok(res) => {
                // Every pair is disjoint at the achieved level; paths connect their ends.
                for (i, (pi, mi)) in res.paths.iter().zip(&g.members).enumerate() {
                    prop_assert_eq!(end_of(&topo, &pi.links, mi.source), Some(mi.destination));
                    for (pj, mj) in res.paths.iter().zip(&g.members).skip(i + 1) {
                        prop_assert!(disjoint(&topo, (mi, pi), (mj, pj), res.achieved));
                    }
                }
                let costs: Vec<u64> = res.paths.iter().map(|p| p.metrics.igp).collect();
                let value = value_of(objective, &costs);
                if res.achieved == d {
                    prop_assert_eq!(Some(value), wanted);
                } else {
                    prop_assert!(!strict);
                    prop_assert_eq!(wanted, None, "fell back although {:?} was possible", d);
                    // RFC 8800 MSL/MSN/MSS: the least sharing, then the
                    // objective, as exhaustive search ranks them.
                    let got = (sharing_of(&topo, &g, &res.paths), value);
                    if res.optimal {
                        prop_assert_eq!(Some(got), least_sharing(&topo, &g));
                    }
                    for (i, (pi, mi)) in res.paths.iter().zip(&g.members).enumerate() {
                        for (pj, mj) in res.paths.iter().zip(&g.members).skip(i + 1) {
                            prop_assert!(disjoint(&topo, (mi, pi), (mj, pj), res.achieved));
                        }
                    }
                }
                if res.achieved == d && res.optimal {
                    prop_assert_eq!(Some(value), wanted);
                }
            }
            Err(GroupError::NotDisjoint { proven }) => {
                prop_assert!(strict);
                if proven {
                    prop_assert_eq!(wanted, None);
                }
            }
            Err(GroupError::Member { member, .. }) => {
                prop_assert!(all_paths(&topo, &g.members[member]).is_empty());
            }
            Err(GroupError::Empty) => prop_assert!(false),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// The MILP alone (no candidate lists, no search by conflicts before
    /// it) finds what exhaustive search finds: the optimum at the level, a
    /// proof that none exists, and the fallback's least sharing.
    #[test]
    fn the_milp_matches_exhaustive_search((file, ends, d, objective, strict) in group()) {
        let topo = Prepared::from(file.build().unwrap());
        let members = igp_members(&ends);
        if members.len() < 2 || members.iter().any(|m| all_paths(&topo, m).is_empty()) {
            return Ok(());
        }
        let g = GroupRequest { members, disjointness: d, strict, objective, pinned: vec![] };
        let r = Reservations::new(topo.link_count());
        let wanted = best_combination(&topo, &g, d);
        match (milp::search(&topo, &r, &g, Goal::Strict(d), milp::MILP_WORK), wanted) {
            (Outcome::Optimal(paths), Some(best)) => {
                for (i, (pi, mi)) in paths.iter().zip(&g.members).enumerate() {
                    prop_assert_eq!(end_of(&topo, &pi.links, mi.source), Some(mi.destination));
                    for (pj, mj) in paths.iter().zip(&g.members).skip(i + 1) {
                        prop_assert!(disjoint(&topo, (mi, pi), (mj, pj), d));
                    }
                }
                prop_assert_eq!(value_of_paths(&g, &paths), best);
            }
            (Outcome::Impossible, None) => {
                let Outcome::Optimal(paths) = milp::search(&topo, &r, &g, Goal::LeastShared(d), milp::MILP_WORK) else {
                    return Err(TestCaseError::fail("the fallback MILP settles nothing"));
                };
                let got = (sharing_of(&topo, &g, &paths), value_of_paths(&g, &paths));
                prop_assert_eq!(Some(got), least_sharing(&topo, &g));
            }
            (got, wanted) => prop_assert!(false, "MILP {:?}, exhaustive {:?}", got, wanted),
        }
    }
}

/// Two unconstrained IGP LSPs from `s` to `t`, link or node disjoint,
/// strict, min-sum: the shared-end pair Suurballe/Bhandari solves.
fn shared_end_pair(s: NodeId, t: NodeId, node: bool) -> GroupRequest {
    let m = PathRequest {
        source: s,
        destination: t,
        objective: Objective::Igp,
        constraints: Constraints::default(),
    };
    GroupRequest {
        members: vec![m.clone(), m],
        disjointness: if node {
            Disjointness::NODE
        } else {
            Disjointness::LINK
        },
        strict: true,
        objective: GroupObjective::MinSum,
        pinned: vec![],
    }
}

fn shared_ends() -> impl Strategy<Value = (TopologyFile, u32, u32, bool)> {
    group().prop_flat_map(|(file, _, _, _, _)| {
        let n = file.nodes.len() as u32;
        (Just(file), 0..n, 0..n, any::<bool>())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    /// Suurballe/Bhandari on shared-end pairs against exhaustive search.
    #[test]
    fn shared_end_pairs_are_exact((file, s, t, node) in shared_ends()) {
        prop_assume!(s != t);
        let topo = Prepared::from(file.build().unwrap());
        let g = shared_end_pair(NodeId(s), NodeId(t), node);
        let d = g.disjointness;
        let wanted = best_combination(&topo, &g, d);
        match solve(&topo, &Reservations::new(topo.link_count()), &g, &mut Workspace::new()) {
            Ok(res) => {
                prop_assert!(res.optimal);
                for (p, mi) in res.paths.iter().zip(&g.members) {
                    prop_assert_eq!(end_of(&topo, &p.links, mi.source), Some(mi.destination));
                }
                prop_assert!(disjoint(&topo, (&g.members[0], &res.paths[0]), (&g.members[1], &res.paths[1]), d));
                prop_assert_eq!(Some(res.paths[0].metrics.igp + res.paths[1].metrics.igp), wanted.map(|w| w.0));
            }
            Err(GroupError::NotDisjoint { proven: true }) => prop_assert_eq!(wanted, None),
            Err(GroupError::Member { .. }) => prop_assert!(all_paths(&topo, &g.members[0]).is_empty()),
            Err(e) => prop_assert!(false, "{e}"),
        }
    }
}

/// DIGEST §9.5-9.6: a member this PCE does not control is pinned on its
/// reported path; the others are made disjoint from it, or, strict and
/// impossible, get no path; not strict, they fall back.
#[test]
fn pinned_members_constrain_the_others() {
    let a = load("draft-topology-a.json");
    let r = Reservations::new(a.link_count());
    let mut ws = Workspace::new();
    let shortest = |from: &str, to: &str, ws: &mut Workspace| {
        pce_engine::solver::cspf::compute(&a, &r, &req(&a, from, to), ws).unwrap()
    };
    // Scenario 4: LSP2 sits on its shortest path R3-R4-PCC4 (not ours):
    // LSP1 moves to R1-R2-PCC2.
    let mut g = pair(&a, Disjointness::LINK, false);
    g.pinned = vec![None, Some(shortest("PCC3", "PCC4", &mut ws))];
    let res = solve(&a, &r, &g, &mut ws).unwrap();
    assert_eq!(hops(&a, &res.paths[0]), ["R1", "R2", "PCC2"]);
    assert_eq!(hops(&a, &res.paths[1]), ["R3", "R4", "PCC4"]);
    assert_eq!(res.achieved, Disjointness::LINK);
    // Scenario 3: LSP1 sits on its shortest path R1-R3-R4-R2-PCC2 (not
    // ours): no path for LSP2 is link-disjoint from it.
    let mut g = pair(&a, Disjointness::LINK, true);
    g.pinned = vec![Some(shortest("PCC1", "PCC2", &mut ws)), None];
    assert!(matches!(
        solve(&a, &r, &g, &mut ws),
        Err(GroupError::NotDisjoint { .. })
    ));
    // Not strict: LSP2 falls back to its shortest path, sharing R3-R4.
    g.strict = false;
    let res = solve(&a, &r, &g, &mut ws).unwrap();
    assert_eq!(hops(&a, &res.paths[1]), ["R3", "R4", "PCC4"]);
    assert_eq!(res.achieved, Disjointness::NONE);
}

/// The least total cost of two link- (or node-) disjoint paths, as a
/// min-cost flow of 2 units, computed independently of the solver:
/// successive shortest paths with Bellman-Ford on the residual graph. Each
/// physical link is a unit-capacity arc in each direction; for node
/// disjointness every node but the ends is split into in/out halves joined
/// by a unit-capacity arc.
fn min_cost_two_flow(topo: &Topology, s: NodeId, t: NodeId, node: bool) -> Option<u64> {
    let n = topo.node_count();
    // Arc: (to, capacity, cost, index of the reverse arc).
    let mut graph: Vec<Vec<(usize, i64, i64, usize)>> = vec![Vec::new(); 2 * n];
    let add = |g: &mut Vec<Vec<(usize, i64, i64, usize)>>, a: usize, b: usize, cost: i64| {
        let (ra, rb) = (g[b].len(), g[a].len());
        g[a].push((b, 1, cost, ra));
        g[b].push((a, 0, -cost, rb));
    };
    let split = |v: usize| node && v != s.index() && v != t.index();
    // Node v: in-half v, out-half n + v (the same node when not split).
    let out_half = |v: usize| if split(v) { n + v } else { v };
    for v in 0..n {
        if split(v) {
            add(&mut graph, v, n + v, 0);
        }
    }
    for (i, l) in topo.links().iter().enumerate() {
        if topo.link_up(LinkId(i as u32)) {
            add(
                &mut graph,
                out_half(l.from.index()),
                l.to.index(),
                i64::from(l.igp),
            );
        }
    }
    let mut total = 0i64;
    for _ in 0..2 {
        let mut dist = vec![i64::MAX; 2 * n];
        let mut prev: Vec<Option<(usize, usize)>> = vec![None; 2 * n];
        dist[s.index()] = 0;
        for _ in 0..2 * n {
            let mut changed = false;
            for u in 0..2 * n {
                if dist[u] == i64::MAX {
                    continue;
                }
                for (k, &(v, cap, cost, _)) in graph[u].iter().enumerate() {
                    if cap > 0 && dist[u] + cost < dist[v] {
                        dist[v] = dist[u] + cost;
                        prev[v] = Some((u, k));
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        if dist[t.index()] == i64::MAX {
            return None;
        }
        total += dist[t.index()];
        let mut v = t.index();
        while let Some((u, k)) = prev[v] {
            let (_, _, _, r) = graph[u][k];
            graph[u][k].1 -= 1;
            graph[v][r].1 += 1;
            v = u;
        }
    }
    Some(total as u64)
}

/// Medium random graphs (too large for exhaustive search), metrics 1-9.
fn medium_pair_case() -> impl Strategy<Value = (TopologyFile, u32, u32, bool)> {
    (20usize..60).prop_flat_map(|n| {
        (
            proptest::collection::vec((0..n, 0..n, 1u32..10), n..n * 3),
            0..n as u32,
            0..n as u32,
            any::<bool>(),
        )
            .prop_map(move |(links, s, t, node)| {
                let nodes = (0..n).map(node_spec).collect();
                let links = links
                    .into_iter()
                    .filter(|(a, b, _)| a != b)
                    .map(|(a, b, igp)| link_spec(a, b, igp, 0))
                    .collect();
                (
                    TopologyFile {
                        nodes,
                        links: numbered(links),
                    },
                    s,
                    t,
                    node,
                )
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    /// Suurballe/Bhandari on graphs where the landmarks are not every node
    /// and the bidirectional second search meets in the middle: the pair's
    /// total equals an independent min-cost flow, and the paths are real
    /// and disjoint.
    #[test]
    fn shared_end_pairs_match_min_cost_flow((file, s, t, node) in medium_pair_case()) {
        prop_assume!(s != t);
        let topo = Prepared::from(file.build().unwrap());
        let (s, t) = (NodeId(s), NodeId(t));
        let g = shared_end_pair(s, t, node);
        let (m, d) = (&g.members[0], g.disjointness);
        let wanted = min_cost_two_flow(&topo, s, t, node);
        match solve(&topo, &Reservations::new(topo.link_count()), &g, &mut Workspace::new()) {
            Ok(res) => {
                for p in &res.paths {
                    prop_assert_eq!(end_of(&topo, &p.links, s), Some(t));
                }
                prop_assert!(disjoint(&topo, (m, &res.paths[0]), (m, &res.paths[1]), d));
                prop_assert_eq!(Some(res.paths[0].metrics.igp + res.paths[1].metrics.igp), wanted);
            }
            Err(GroupError::NotDisjoint { proven: true }) => prop_assert_eq!(wanted, None),
            Err(GroupError::Member { .. }) => prop_assert_eq!(wanted, None),
            Err(e) => prop_assert!(false, "{e}"),
        }
    }
}

/// Two identical members with a hop limit or an include-node: the
/// Suurballe shortcut (which knows neither) must not answer. N0 to N1: a
/// direct link (10), a 4-hop path of cost 4 (N0-N2-N3-N4-N1) and a 2-hop
/// path of cost 20 (N0-N5-N1). The min-sum pair is direct + 4-hop; with at
/// most 2 hops it is direct + 2-hop, and with N5 included, every member
/// passes N5 and no disjoint pair exists.
#[test]
fn identical_members_keep_their_hop_limit_and_include_nodes() {
    let file = TopologyFile {
        nodes: (0..6).map(node_spec).collect(),
        links: vec![
            link_spec(0, 1, 10, 0),
            link_spec(0, 2, 1, 0),
            link_spec(2, 3, 1, 0),
            link_spec(3, 4, 1, 0),
            link_spec(4, 1, 1, 0),
            link_spec(0, 5, 10, 0),
            link_spec(5, 1, 10, 0),
        ],
    };
    let topo = Prepared::from(file.build().unwrap());
    let n = |i: u32| NodeId(i);
    let member = |c: Constraints| PathRequest {
        source: n(0),
        destination: n(1),
        objective: Objective::Igp,
        constraints: c,
    };
    let group = |c: Constraints| GroupRequest {
        members: vec![member(c.clone()), member(c)],
        disjointness: Disjointness::LINK,
        strict: true,
        objective: GroupObjective::MinSum,
        pinned: Vec::new(),
    };
    let res = Reservations::new(topo.link_count());
    let mut ws = Workspace::new();
    let free = solve(&topo, &res, &group(Constraints::default()), &mut ws).unwrap();
    let sum = |g: &pce_engine::solver::disjoint::GroupResult| {
        g.paths.iter().map(|p| p.metrics.igp).sum::<u64>()
    };
    assert_eq!(sum(&free), 14, "direct + the 4-hop path");
    let limited = solve(
        &topo,
        &res,
        &group(Constraints {
            max_hops: Some(2),
            ..Constraints::default()
        }),
        &mut ws,
    )
    .unwrap();
    assert!(
        limited.paths.iter().all(|p| p.links.len() <= 2),
        "{limited:?}"
    );
    assert_eq!(sum(&limited), 30, "direct + the 2-hop path");
    let through_n5 = solve(
        &topo,
        &res,
        &group(Constraints {
            include_nodes: vec![n(5)],
            ..Constraints::default()
        }),
        &mut ws,
    );
    match through_n5 {
        Err(GroupError::NotDisjoint { .. }) => {}
        Ok(g) => panic!("both members through N5 share a link: {g:?}"),
        Err(e) => panic!("{e:?}"),
    }
}

/// Min-max breaks ties on the sum (RFC 8800 §5.1's objective, then the
/// least total): N0 to N1 and N2 to N3, link-disjoint. The first pair met
/// (N0-N4-N5-N1 at 5 with N2-N3 at 10) and the better one (N0-N1 at 10 with
/// N2-N4-N5-N3 at 3) have the same maximum, 10; the answer is the one of
/// sum 13, not 15.
#[test]
fn min_max_breaks_ties_on_the_sum() {
    let file = TopologyFile {
        nodes: (0..6).map(node_spec).collect(),
        links: vec![
            link_spec(4, 5, 1, 0),
            link_spec(0, 4, 2, 0),
            link_spec(5, 1, 2, 0),
            link_spec(0, 1, 10, 0),
            link_spec(2, 4, 1, 0),
            link_spec(5, 3, 1, 0),
            link_spec(2, 3, 10, 0),
        ],
    };
    let topo = Prepared::from(file.build().unwrap());
    let member = |a: u32, b: u32| PathRequest {
        source: NodeId(a),
        destination: NodeId(b),
        objective: Objective::Igp,
        constraints: Constraints::default(),
    };
    let g = GroupRequest {
        members: vec![member(0, 1), member(2, 3)],
        disjointness: Disjointness::LINK,
        strict: true,
        objective: GroupObjective::MinMax,
        pinned: Vec::new(),
    };
    let res = Reservations::new(topo.link_count());
    let got = solve(&topo, &res, &g, &mut Workspace::new()).unwrap();
    let costs: Vec<u64> = got.paths.iter().map(|p| p.metrics.igp).collect();
    assert_eq!(costs, [10, 3], "{got:?}");
    assert!(got.optimal);
}

/// Seven diamonds in a row between N0 and N7 (128 equal paths of cost 14,
/// every link in SRLG 1) and one long way round through N22 (cost 200, no
/// SRLG): the only SRLG-disjoint pair puts one member on the long way,
/// the 129th candidate, beyond the candidate limit.
fn diamonds() -> Prepared {
    let mut links = Vec::new();
    for i in 0..7 {
        let (u, d) = (8 + 2 * i, 9 + 2 * i);
        for (a, b) in [(i, u), (u, i + 1), (i, d), (d, i + 1)] {
            links.push(LinkSpec {
                srlgs: vec![1],
                ..link_spec(a, b, 1, 0)
            });
        }
    }
    links.push(link_spec(0, 22, 100, 0));
    links.push(link_spec(22, 7, 100, 0));
    let file = TopologyFile {
        nodes: (0..23).map(node_spec).collect(),
        links,
    };
    Prepared::from(file.build().unwrap())
}

/// Class 1 of the exactness issue: the SRLG-disjoint pair lies beyond the
/// 64 cheapest candidates, where the candidate search cannot prove it
/// optimal (the exact node- and link-disjoint pairs it adds find it); the
/// search by conflicts does, strict or not, at the exhaustive optimum.
#[test]
fn beyond_the_candidate_limit_the_conflict_search_proves_it() {
    let topo = diamonds();
    let m = req(&topo, "N0", "N7");
    let group = |strict| GroupRequest {
        members: vec![m.clone(), m.clone()],
        disjointness: Disjointness::SRLG,
        strict,
        objective: GroupObjective::MinSum,
        pinned: vec![],
    };
    let r = Reservations::new(topo.link_count());
    // The exhaustive reference: an SRLG-disjoint pair costing 214.
    assert_eq!(
        best_combination(&topo, &group(true), Disjointness::SRLG),
        Some((214, 214))
    );
    for strict in [true, false] {
        let got = solve(&topo, &r, &group(strict), &mut Workspace::new()).unwrap();
        assert!(got.achieved.srlg, "{:?}", got.achieved);
        assert_eq!(got.paths.iter().map(|p| p.metrics.igp).sum::<u64>(), 214);
        assert!(got.optimal, "proven by the search by conflicts");
    }
    // And an unproven "no" says so.
    let text = GroupError::NotDisjoint { proven: false }.to_string();
    assert!(text.contains("not proven"), "{text}");
}

/// N-only and S-only groups never share a link: two LSPs between the same
/// ends may not both take the direct link, although it has no transit node
/// and no SRLG.
#[test]
fn node_only_and_srlg_only_imply_link_disjointness() {
    let file = TopologyFile::parse(
        r#"{"nodes": [
              {"name": "A", "router_id": "10.0.0.1"},
              {"name": "B", "router_id": "10.0.0.2"},
              {"name": "Z", "router_id": "10.0.0.3"}],
            "links": [
              {"a": "A", "b": "Z", "igp_metric": 1},
              {"a": "A", "b": "B", "igp_metric": 5},
              {"a": "B", "b": "Z", "igp_metric": 5}]}"#,
        "inline",
    )
    .unwrap();
    let topo = Prepared::from(file.build().unwrap());
    let r = Reservations::new(topo.link_count());
    for d in [Disjointness::NODE, Disjointness::SRLG] {
        let g = GroupRequest {
            members: vec![req(&topo, "A", "Z"), req(&topo, "A", "Z")],
            disjointness: d,
            strict: true,
            objective: GroupObjective::MinSum,
            pinned: vec![],
        };
        let got = solve(&topo, &r, &g, &mut Workspace::new()).unwrap();
        let mut h: Vec<Vec<String>> = got.paths.iter().map(|p| hops(&topo, p)).collect();
        h.sort();
        assert_eq!(h, [vec!["B", "Z"], vec!["Z"]], "{d:?}");
        assert!(got.optimal);
    }
}
