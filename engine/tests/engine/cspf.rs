//! CSPF against exhaustive search on random small graphs, and the draft's
//! topologies.

use pce_engine::solver::cspf::{
    compute, Constraints, NoPath, Objective, PathMetrics, PathRequest, Reservations, Workspace,
};
use pce_engine::solver::disjoint::k_shortest;
use pce_engine::solver::Prepared;
use pce_engine::topology::{
    Interface, LinkId, LinkSpec, NodeId, NodeSpec, Topology, TopologyEvent, TopologyFile,
};
use proptest::prelude::*;

use super::support::{link_spec, load, names, node_spec, numbered};

fn shortest(
    topo: &Prepared,
    from: &str,
    to: &str,
    c: Constraints,
) -> Result<(Vec<String>, u64), NoPath> {
    let req = PathRequest {
        source: topo.node_by_name(from).unwrap(),
        destination: topo.node_by_name(to).unwrap(),
        objective: Objective::Igp,
        constraints: c,
    };
    let p = compute(
        topo,
        &Reservations::new(topo.link_count()),
        &req,
        &mut Workspace::new(),
    )?;
    Ok((names(topo, &p.links), p.metrics.igp))
}

/// DIGEST §9.0, computed facts of the draft's topologies.
#[test]
fn draft_topology_facts() {
    let a = load("draft-topology-a.json");
    assert_eq!(
        shortest(&a, "PCC1", "PCC2", Constraints::default()).unwrap(),
        (
            vec![
                "R1".into(),
                "R3".into(),
                "R4".into(),
                "R2".into(),
                "PCC2".into()
            ],
            5
        )
    );
    assert_eq!(
        shortest(&a, "PCC3", "PCC4", Constraints::default()).unwrap(),
        (vec!["R3".into(), "R4".into(), "PCC4".into()], 3)
    );
    // Excluding R3-R4's SRLG (each link has its own) leaves LSP1 only R1-R2.
    let r3r4 = a
        .link(
            a.link_between(a.node_by_name("R3").unwrap(), a.node_by_name("R4").unwrap())
                .unwrap(),
        )
        .unwrap();
    let avoid = Constraints {
        exclude_srlgs: a.srlgs(r3r4).to_vec(),
        ..Constraints::default()
    };
    assert_eq!(
        shortest(&a, "PCC1", "PCC2", avoid.clone()).unwrap(),
        (vec!["R1".into(), "R2".into(), "PCC2".into()], 12)
    );
    // ... and PCC3 has no way to PCC4 without R3-R4 or R2-R4 alternatives: R3-R1-R2-R4.
    assert_eq!(shortest(&a, "PCC3", "PCC4", avoid).unwrap().1, 14);

    let b = load("draft-topology-b.json");
    assert_eq!(
        shortest(&b, "PCC1", "PCC2", Constraints::default()).unwrap(),
        (vec!["R1".into(), "PCC2".into()], 2)
    );
    assert_eq!(
        shortest(&b, "PCC3", "PCC4", Constraints::default()).unwrap(),
        (
            vec!["R3".into(), "R1".into(), "PCC2".into(), "PCC4".into()],
            6
        )
    );
    // A hop limit of 2 forces PCC3->PCC4 onto R3->PCC4 (11).
    let two_hops = Constraints {
        max_hops: Some(2),
        ..Constraints::default()
    };
    assert_eq!(
        shortest(&b, "PCC3", "PCC4", two_hops).unwrap(),
        (vec!["R3".into(), "PCC4".into()], 11)
    );
}

#[test]
fn bandwidth_is_reserved_and_released() {
    let b = load("draft-topology-b.json");
    let (pcc1, pcc2) = (
        b.node_by_name("PCC1").unwrap(),
        b.node_by_name("PCC2").unwrap(),
    );
    let req = PathRequest {
        source: pcc1,
        destination: pcc2,
        objective: Objective::Igp,
        constraints: Constraints {
            bandwidth: 6e9,
            ..Constraints::default()
        },
    };
    let mut res = Reservations::new(b.link_count());
    let mut ws = Workspace::new();
    let first = compute(&b, &res, &req, &mut ws).unwrap();
    assert_eq!(first.metrics.igp, 2);
    res.add(&first.links, 6e9);
    // 4 Gb/s left on PCC1-R1 and R1-PCC2: the next 6 Gb/s LSP goes round,
    // PCC1-PCC3-R3-PCC4-PCC2 (19); the one after takes the direct link.
    let second = compute(&b, &res, &req, &mut ws).unwrap();
    assert_eq!(names(&b, &second.links), ["PCC3", "R3", "PCC4", "PCC2"]);
    assert_eq!(second.metrics.igp, 19);
    res.add(&second.links, 6e9);
    let third = compute(&b, &res, &req, &mut ws).unwrap();
    assert_eq!(
        (names(&b, &third.links), third.metrics.igp),
        (vec!["PCC2".to_string()], 100)
    );
    res.add(&third.links, 6e9);
    assert_eq!(
        compute(&b, &res, &req, &mut ws),
        Err(NoPath::Infeasible { proven: true })
    );
    res.add(&first.links, -6e9);
    assert_eq!(compute(&b, &res, &req, &mut ws).unwrap().metrics.igp, 2);
}

// ===== properties against exhaustive search =====

#[derive(Clone, Debug)]
struct Case {
    file: TopologyFile,
    src: u32,
    dst: u32,
    objective: Objective,
    c: Constraints,
    reserved: Vec<(usize, f64)>,
}

fn case() -> impl Strategy<Value = Case> {
    (2usize..7)
        .prop_flat_map(|n| {
            let link = (
                0..n,
                0..n,
                0u32..10,
                0u32..10,
                0u32..20,
                prop_oneof![Just(10.0), Just(100.0)],
                0u32..8,
                proptest::collection::vec(1u32..4, 0..2),
                any::<bool>(),
            );
            (
                Just(n),
                proptest::collection::vec(link, 1..(n * 4)),
                0..n as u32,
                0..n as u32,
                prop_oneof![
                    Just(Objective::Igp),
                    Just(Objective::Te),
                    Just(Objective::Delay),
                    Just(Objective::Hops)
                ],
                (
                    prop_oneof![2 => Just(0.0), 1 => Just(5.0), 1 => Just(50.0)],
                    prop_oneof![3 => Just(0u32), 1 => 0u32..8],
                    prop_oneof![3 => Just(0u32), 1 => 0u32..8],
                    prop_oneof![3 => Just(0u32), 1 => 0u32..4],
                    prop_oneof![2 => Just(vec![]), 1 => proptest::collection::vec(1u32..4, 1..2)],
                ),
                (
                    prop_oneof![2 => Just(None), 1 => (5u64..40).prop_map(Some)],
                    prop_oneof![2 => Just(None), 1 => (5u64..40).prop_map(Some)],
                    prop_oneof![2 => Just(None), 1 => (10u64..60).prop_map(Some)],
                    prop_oneof![2 => Just(None), 1 => (1u32..5).prop_map(Some)],
                ),
                prop_oneof![3 => Just(vec![]), 1 => proptest::collection::vec(0..n as u32, 1..2)],
                prop_oneof![3 => Just(vec![]), 1 => proptest::collection::vec(0..n as u32, 1..3)],
                proptest::collection::vec((0usize..40, prop_oneof![Just(5.0), Just(95.0)]), 0..3),
            )
        })
        .prop_map(
            |(
                n,
                links,
                src,
                dst,
                objective,
                (bandwidth, exclude_any, include_any, include_all, exclude_srlgs),
                (max_igp, max_te, max_delay, max_hops),
                exclude_nodes,
                include_nodes,
                reserved,
            )| {
                let nodes = (0..n)
                    .map(|i| NodeSpec {
                        name: format!("N{i}"),
                        router_id: format!("10.0.0.{}", i + 1).parse().unwrap(),
                        addresses: vec![],
                        node_sid: None,
                        srlgs: vec![],
                    })
                    .collect();
                let links = links
                    .into_iter()
                    .filter(|l| l.0 != l.1)
                    .map(|(a, b, igp, te, delay, bw, ag, srlgs, _)| LinkSpec {
                        a: format!("N{a}"),
                        b: format!("N{b}"),
                        igp_metric: igp,
                        te_metric: Some(te),
                        delay_us: delay,
                        bandwidth_bps: Some(bw),
                        admin_groups: ag,
                        srlgs,
                        a_address: None,
                        b_address: None,
                        a_adj_sid: None,
                        b_adj_sid: None,
                        a_interface_id: None,
                        b_interface_id: None,
                        b_to_a: None,
                    })
                    .collect();
                Case {
                    file: TopologyFile {
                        nodes,
                        links: numbered(links),
                    },
                    src,
                    dst,
                    objective,
                    c: Constraints {
                        bandwidth,
                        exclude_any,
                        include_any,
                        include_all,
                        exclude_srlgs,
                        exclude_nodes: exclude_nodes.into_iter().map(NodeId).collect(),
                        exclude_links: vec![],
                        include_nodes: include_nodes.into_iter().map(NodeId).collect(),
                        max_igp,
                        max_te,
                        max_delay,
                        max_hops,
                    },
                    reserved,
                }
            },
        )
}

/// The constraints, checked independently of the solver.
fn link_ok(topo: &Topology, res: &Reservations, l: LinkId, c: &Constraints) -> bool {
    let link = topo.link(l).unwrap();
    let ag = link.admin_groups;
    // A zero-bandwidth request reserves nothing: even an over-subscribed
    // link (capacity reduced under placed LSPs) may carry it.
    (c.bandwidth <= 0.0 || link.bandwidth - res.reserved(l) >= c.bandwidth)
        && ag & c.exclude_any == 0
        && (c.include_any == 0 || ag & c.include_any != 0)
        && ag & c.include_all == c.include_all
        && !topo.srlgs(link).iter().any(|s| c.exclude_srlgs.contains(s))
        && !c.exclude_nodes.contains(&link.to)
        && !c.exclude_nodes.contains(&link.from)
}

fn metrics(topo: &Topology, path: &[LinkId]) -> PathMetrics {
    let mut m = PathMetrics::default();
    for l in path {
        let l = topo.link(*l).unwrap();
        m.igp += u64::from(l.igp);
        m.te += u64::from(l.te);
        m.delay_us += u64::from(l.delay_us);
        m.hops += 1;
    }
    m
}

fn bounds_ok(m: &PathMetrics, c: &Constraints) -> bool {
    c.max_igp.is_none_or(|b| m.igp <= b)
        && c.max_te.is_none_or(|b| m.te <= b)
        && c.max_delay.is_none_or(|b| m.delay_us <= b)
        && c.max_hops.is_none_or(|b| m.hops <= b)
}

/// The IRO nodes a path, ends included, must visit in order (RFC 5440
/// §7.12; a node repeated in a row counts once): a head end listed other
/// than first, or a tail end other than last, cannot be met by a simple
/// path.
fn waypoints(c: &Constraints, _src: NodeId, _dst: NodeId) -> Vec<NodeId> {
    let mut w = c.include_nodes.clone();
    w.dedup();
    w
}

/// Whether `nodes` contains `w` as an ordered subsequence.
fn in_order(nodes: &[NodeId], w: &[NodeId]) -> bool {
    let mut it = nodes.iter();
    w.iter().all(|x| it.any(|n| n == x))
}

/// The case's reservations on its topology.
fn reservations(topo: &Topology, case: &Case) -> Reservations {
    let mut res = Reservations::new(topo.link_count());
    for (l, bw) in &case.reserved {
        if *l < topo.link_count() {
            res.add(&[LinkId(*l as u32)], *bw);
        }
    }
    res
}

/// Every feasible simple path, exhaustively: (objective value, hops) of
/// each, in increasing order.
fn feasible(
    topo: &Topology,
    res: &Reservations,
    src: NodeId,
    dst: NodeId,
    obj: Objective,
    c: &Constraints,
) -> Vec<(u64, u32)> {
    #[allow(clippy::too_many_arguments)]
    fn walk(
        topo: &Topology,
        res: &Reservations,
        at: NodeId,
        dst: NodeId,
        obj: Objective,
        c: &Constraints,
        visited: &mut Vec<NodeId>,
        path: &mut Vec<LinkId>,
        found: &mut Vec<(u64, u32)>,
    ) {
        if at == dst {
            let m = metrics(topo, path);
            if bounds_ok(&m, c) && in_order(visited, &waypoints(c, visited[0], dst)) {
                found.push((m.of(obj), m.hops));
            }
            return;
        }
        for l in topo.out_links(at).map(LinkId) {
            let link = topo.link(l).unwrap();
            if visited.contains(&link.to) || !link_ok(topo, res, l, c) {
                continue;
            }
            visited.push(link.to);
            path.push(l);
            walk(topo, res, link.to, dst, obj, c, visited, path, found);
            path.pop();
            visited.pop();
        }
    }
    let mut found = Vec::new();
    walk(
        topo,
        res,
        src,
        dst,
        obj,
        c,
        &mut vec![src],
        &mut Vec::new(),
        &mut found,
    );
    found.sort_unstable();
    found
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// Yen's k shortest simple paths under every constraint, include-nodes
    /// and bounds too: the first k feasible paths in (cost, hops) order,
    /// as exhaustive enumeration gives them (the spur paths owe only the
    /// include-nodes their root has not passed).
    #[test]
    fn k_shortest_matches_exhaustive_enumeration(case in case()) {
        let topo = Prepared::from(case.file.build().unwrap());
        let res = reservations(&topo, &case);
        let (src, dst) = (NodeId(case.src), NodeId(case.dst));
        if src == dst || case.c.exclude_nodes.contains(&src) || case.c.exclude_nodes.contains(&dst) {
            return Ok(());
        }
        let req = PathRequest { source: src, destination: dst, objective: case.objective, constraints: case.c.clone() };
        const K: usize = 6;
        let want: Vec<(u64, u32)> = feasible(&topo, &res, src, dst, case.objective, &case.c)
            .into_iter()
            .take(K)
            .collect();
        match k_shortest(&topo, &res, &req, K, &mut Workspace::new()) {
            Ok(paths) => {
                let got: Vec<(u64, u32)> = paths.iter().map(|p| (p.metrics.of(case.objective), p.metrics.hops)).collect();
                prop_assert_eq!(got, want);
            }
            Err(e) => {
                prop_assert!(want.is_empty(), "{:?} but {:?}", e, want);
            }
        }
    }

    #[test]
    fn cspf_matches_exhaustive_search(case in case()) {
        let topo = Prepared::from(case.file.build().unwrap());
        let res = reservations(&topo, &case);
        let (src, dst) = (NodeId(case.src), NodeId(case.dst));
        let req = PathRequest { source: src, destination: dst, objective: case.objective, constraints: case.c.clone() };
        let got = compute(&topo, &res, &req, &mut Workspace::new());
        if src == dst {
            prop_assert_eq!(got, Err(NoPath::SameEndpoints));
            return Ok(());
        }
        if case.c.exclude_nodes.contains(&src) || case.c.exclude_nodes.contains(&dst) {
            prop_assert!(got.is_err());
            return Ok(());
        }
        let best = feasible(&topo, &res, src, dst, case.objective, &case.c).first().map(|v| v.0);
        match got {
            Ok(p) => {
                // A real path from src to dst, every link admissible, simple.
                let mut at = src;
                let mut seen = vec![src];
                for l in &p.links {
                    let link = topo.link(*l).unwrap();
                    prop_assert_eq!(link.from, at);
                    prop_assert!(link_ok(&topo, &res, *l, &case.c));
                    prop_assert!(!seen.contains(&link.to), "not simple");
                    seen.push(link.to);
                    at = link.to;
                }
                prop_assert_eq!(at, dst);
                prop_assert_eq!(p.metrics, metrics(&topo, &p.links));
                prop_assert!(bounds_ok(&p.metrics, &case.c));
                prop_assert!(in_order(&seen, &waypoints(&case.c, src, dst)), "IRO not followed");
                // Small graphs: every answer is exact, with or without IRO.
                prop_assert!(p.optimal, "not proven optimal");
                prop_assert_eq!(Some(p.metrics.of(case.objective)), best, "not the optimum");
            }
            Err(e) => {
                match e {
                    NoPath::Infeasible { proven: true } => prop_assert_eq!(best, None, "exhaustive search found a path"),
                    other => prop_assert!(false, "{other:?}"),
                }
            }
        }
    }
}

/// The canonical shortest path, by definition and without any bound:
/// lexicographic (IGP, hops) distances by plain Dijkstra over the links
/// that pass the affinities, then, walking back from the tail end, the
/// lowest-numbered optimal link into each node.
fn canonical(topo: &Topology, src: NodeId, dst: NodeId, c: &Constraints) -> Option<Vec<LinkId>> {
    let res = Reservations::new(topo.link_count());
    let ok = |l: LinkId| topo.link_up(l) && link_ok(topo, &res, l, c);
    let best = reference_distances(topo, src, c);
    best[dst.index()]?;
    let mut path = Vec::new();
    let mut at = dst;
    while at != src {
        let (d, h) = best[at.index()].unwrap();
        let (i, l) = topo
            .links()
            .iter()
            .enumerate()
            .find(|(i, l)| {
                l.to == at
                    && ok(LinkId(*i as u32))
                    && best[l.from.index()]
                        .is_some_and(|(du, hu)| (du + u64::from(l.igp), hu + 1) == (d, h))
            })
            .unwrap();
        path.push(LinkId(i as u32));
        at = l.from;
    }
    path.reverse();
    Some(path)
}

/// Lexicographic (IGP, hops) distances from `src` over the up links that
/// pass `c`, by plain Dijkstra without any bound (`None`: unreachable).
fn reference_distances(topo: &Topology, src: NodeId, c: &Constraints) -> Vec<Option<(u64, u32)>> {
    let res = Reservations::new(topo.link_count());
    let ok = |l: LinkId| topo.link_up(l) && link_ok(topo, &res, l, c);
    let n = topo.node_count();
    let mut best = vec![None::<(u64, u32)>; n];
    let mut done = vec![false; n];
    best[src.index()] = Some((0, 0));
    while let Some(v) = (0..n)
        .filter(|&v| !done[v] && best[v].is_some())
        .min_by_key(|&v| best[v])
    {
        done[v] = true;
        let (d, h) = best[v].unwrap();
        for (i, l) in topo.links().iter().enumerate() {
            if l.from.index() == v && ok(LinkId(i as u32)) {
                let next = (d + u64::from(l.igp), h + 1);
                if best[l.to.index()].is_none_or(|b| next < b) {
                    best[l.to.index()] = Some(next);
                }
            }
        }
    }
    best
}

/// Graphs large enough that landmarks are not every node, with metrics of
/// 1 or 2 (many equal-cost paths) and admin groups on a third of links.
fn tie_heavy_case() -> impl Strategy<Value = (TopologyFile, u32, u32, u32)> {
    (40usize..90).prop_flat_map(|n| {
        (
            proptest::collection::vec((0..n, 1u32..3, 0u32..3), n * 2..n * 3),
            0..n as u32,
            0..n as u32,
            1u32..3,
        )
            .prop_map(move |(extra, src, dst, exclude)| {
                let nodes = (0..n).map(node_spec).collect();
                // A ring (connected), plus random chords.
                let links = (0..n)
                    .map(|i| (i, (i + 1) % n, 1, 0))
                    .chain(
                        extra
                            .into_iter()
                            .enumerate()
                            .map(|(k, (b, m, ag))| (k % n, b, m, ag)),
                    )
                    .filter(|(a, b, _, _)| a != b)
                    .map(|(a, b, igp, ag)| link_spec(a, b, igp, ag))
                    .collect();
                (
                    TopologyFile {
                        nodes,
                        links: numbered(links),
                    },
                    src,
                    dst,
                    exclude,
                )
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Ties are broken canonically, so the path does not depend on which
    /// lower bound guided the search: the first queries of an affinity
    /// class run on the base landmark tables, later ones on the class's
    /// own; every answer must be the canonical path.
    #[test]
    fn cspf_path_is_canonical_whatever_the_bound((file, src, dst, exclude) in tie_heavy_case()) {
        let topo = Prepared::from(file.build().unwrap());
        prop_assume!(src != dst);
        let res = Reservations::new(topo.link_count());
        let (src, dst) = (NodeId(src), NodeId(dst));
        let mut ws = Workspace::new();
        for c in [
            Constraints::default(),
            Constraints { exclude_any: exclude, ..Constraints::default() },
        ] {
            let want = canonical(&topo, src, dst, &c);
            let req = PathRequest { source: src, destination: dst, objective: Objective::Igp, constraints: c };
            for _ in 0..40 {
                let got = compute(&topo, &res, &req, &mut ws).ok().map(|p| p.links);
                prop_assert_eq!(&got, &want);
                topo.prepare();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// After failures, repairs and metric increases the next snapshot
    /// keeps the landmark tables of the one before (no rebuild), and every
    /// answer on it is still the canonical path of the new topology
    /// (exhaustive reference), with and without an affinity class of its
    /// own.
    #[test]
    fn tables_kept_across_failures_still_bound_the_new_distances(
        (file, src, dst, exclude) in tie_heavy_case(),
        changes in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, 1u32..20), 1..8),
    ) {
        prop_assume!(src != dst);
        let before = Prepared::from(file.build().unwrap());
        // Give the class its own tables before the change, so that those
        // are kept too.
        let mut ws = Workspace::new();
        let res = Reservations::new(before.link_count());
        let (src, dst) = (NodeId(src), NodeId(dst));
        let class = Constraints { exclude_any: exclude, ..Constraints::default() };
        let class_req = PathRequest { source: src, destination: dst, objective: Objective::Igp, constraints: class.clone() };
        for _ in 0..20 {
            let _ = compute(&before, &res, &class_req, &mut ws);
        }
        before.prepare();
        let mut next: Topology = Topology::clone(before.topology());
        for (i, kind, more) in changes {
            let spec = &file.links[i.index(file.links.len())];
            let (a, b) = (next.node_by_name(&spec.a).unwrap(), next.node_by_name(&spec.b).unwrap());
            // The one link of the spec, among parallel ones.
            let a_interface = spec.a_interface_id.map(Interface::Id);
            let link = next
                .out_links(a)
                .map(LinkId)
                .filter_map(|l| next.link(l))
                .find(|l| l.to == b && l.local_interface_id == spec.a_interface_id)
                .unwrap();
            let event = if kind < 2 {
                TopologyEvent::LinkState { a: spec.a.clone(), b: spec.b.clone(), up: kind == 1, a_interface }
            } else {
                TopologyEvent::LinkMetric { a: spec.a.clone(), b: spec.b.clone(), igp: link.igp + more, te: link.te + more, a_interface }
            };
            next = next.apply(&event).unwrap();
        }
        let next = std::sync::Arc::new(next);
        let after = before.after(std::sync::Arc::clone(&next));
        prop_assert!(after.shares_tables_with(&before));
        // Directed by exact distances (a plan's), computed before the
        // change: kept, and the same answers.
        let exact = before.with_exact_distances();
        let after_exact = exact.after(next);
        prop_assert!(exact.has_exact_distances() && after_exact.has_exact_distances());
        for c in [Constraints::default(), class] {
            let want = canonical(&after, src, dst, &c);
            let req = PathRequest { source: src, destination: dst, objective: Objective::Igp, constraints: c };
            let got = compute(&after, &res, &req, &mut ws).ok().map(|p| p.links);
            prop_assert_eq!(&got, &want);
            let got = compute(&after_exact, &res, &req, &mut ws).ok().map(|p| p.links);
            prop_assert_eq!(&got, &want);
            let got = compute(&exact, &res, &req, &mut ws).ok().map(|p| p.links);
            prop_assert_eq!(got, canonical(&before, src, dst, &req.constraints));
        }
    }
}

/// The tables are computed on every link, up or down: a failure, its
/// repair, a cost-out and its cost-in back to the metric the tables were
/// computed on keep them; a metric below that one is built anew, and the
/// paths stay the canonical ones throughout.
#[test]
fn tables_are_kept_until_a_link_is_shorter_than_they_were_computed_on() {
    let base = load("draft-topology-a.json");
    let state = |up| TopologyEvent::LinkState {
        a: "R1".into(),
        b: "R2".into(),
        up,
        a_interface: None,
    };
    let failed = base.after(std::sync::Arc::new(base.apply(&state(false)).unwrap()));
    assert!(failed.shares_tables_with(&base));
    let repaired = failed.after(std::sync::Arc::new(failed.apply(&state(true)).unwrap()));
    assert!(repaired.shares_tables_with(&failed));
    let (r1, r2) = (
        base.node_by_name("R1").unwrap(),
        base.node_by_name("R2").unwrap(),
    );
    let l = base.link(base.link_between(r1, r2).unwrap()).unwrap();
    assert!(l.igp > 1);
    let metric = |igp, te| TopologyEvent::LinkMetric {
        a: "R1".into(),
        b: "R2".into(),
        igp,
        te,
        a_interface: None,
    };
    let shorter = base.after(std::sync::Arc::new(
        base.apply(&metric(l.igp - 1, l.te)).unwrap(),
    ));
    assert!(!shorter.shares_tables_with(&base));
    // Exact distances go the same way: kept by a failure, not by a
    // shorter link.
    let exact = base.with_exact_distances();
    assert!(exact.has_exact_distances());
    assert!(exact
        .after(std::sync::Arc::clone(failed.topology()))
        .has_exact_distances());
    assert!(!exact
        .after(std::sync::Arc::clone(shorter.topology()))
        .has_exact_distances());
    let costed_out = base.after(std::sync::Arc::new(
        base.apply(&metric(l.igp * 100, l.te * 100)).unwrap(),
    ));
    assert!(costed_out.shares_tables_with(&base));
    let costed_in = costed_out.after(std::sync::Arc::new(
        costed_out.apply(&metric(l.igp, l.te)).unwrap(),
    ));
    assert!(costed_in.shares_tables_with(&base));
    // Below the tables' own metric, from a snapshot that was above it.
    let below = costed_out.after(std::sync::Arc::new(
        costed_out.apply(&metric(l.igp - 1, l.te)).unwrap(),
    ));
    assert!(!below.shares_tables_with(&base));
    let mut ws = Workspace::new();
    for topo in [&failed, &repaired, &costed_out, &costed_in, &below] {
        let res = Reservations::new(topo.link_count());
        for (s, d) in [
            ("R1", "R2"),
            ("R2", "R1"),
            ("PCC1", "PCC3"),
            ("PCC4", "PCC2"),
        ] {
            let (s, d) = (topo.node_by_name(s).unwrap(), topo.node_by_name(d).unwrap());
            let req = PathRequest {
                source: s,
                destination: d,
                objective: Objective::Igp,
                constraints: Constraints::default(),
            };
            let got = compute(topo, &res, &req, &mut ws).ok().map(|p| p.links);
            assert_eq!(got, canonical(topo, s, d, &Constraints::default()));
        }
    }
}

/// A 5 x 5 grid, IGP 10 everywhere; links of column 2 (vertical ones)
/// carry admin group 1, and every link into node "g4x4" carries group 2.
fn grid() -> Prepared {
    let name = |x: usize, y: usize| format!("g{x}x{y}");
    let mut nodes = Vec::new();
    let mut links = Vec::new();
    for y in 0..5 {
        for x in 0..5 {
            nodes.push(NodeSpec {
                name: name(x, y),
                router_id: format!("10.1.{x}.{y}").parse().unwrap(),
                addresses: vec![],
                node_sid: None,
                srlgs: vec![],
            });
            let mut link = |a: String, b: String, ag: u32| {
                links.push(LinkSpec {
                    a,
                    b,
                    igp_metric: 10,
                    te_metric: None,
                    delay_us: 1,
                    bandwidth_bps: Some(1e10),
                    admin_groups: ag,
                    srlgs: vec![],
                    a_address: None,
                    b_address: None,
                    a_adj_sid: None,
                    b_adj_sid: None,
                    a_interface_id: None,
                    b_interface_id: None,
                    b_to_a: None,
                });
            };
            let corner = |x2, y2| if (x2, y2) == (4, 4) { 2 } else { 0 };
            if x < 4 {
                link(name(x, y), name(x + 1, y), corner(x + 1, y));
            }
            if y < 4 {
                link(
                    name(x, y),
                    name(x, y + 1),
                    u32::from(x == 2) | corner(x, y + 1),
                );
            }
        }
    }
    Prepared::from(
        TopologyFile {
            nodes,
            links: numbered(links),
        }
        .build()
        .unwrap(),
    )
}

/// The [`grid`], no reservations, and an IGP request from its corner g0x0
/// to `to`, excluding the links of `exclude_any`.
fn grid_query(to: &str, exclude_any: u32) -> (Prepared, Reservations, PathRequest) {
    let topo = grid();
    let req = PathRequest {
        source: topo.node_by_name("g0x0").unwrap(),
        destination: topo.node_by_name(to).unwrap(),
        objective: Objective::Igp,
        constraints: Constraints {
            exclude_any,
            ..Constraints::default()
        },
    };
    let res = Reservations::new(topo.link_count());
    (topo, res, req)
}

/// A recurring affinity class gets its own landmark tables; the answers
/// stay the same and cost less work once it has them.
#[test]
fn affinity_class_gets_its_own_bounds() {
    // Column 2's vertical links, and nothing else, are excluded: the row-0
    // path stays feasible.
    let (topo, res, req) = grid_query("g4x0", 1);
    let mut ws = Workspace::new();
    let first = compute(&topo, &res, &req, &mut ws).unwrap();
    assert_eq!(first.metrics.igp, 40);
    assert_eq!(
        topo.landmark_classes(),
        0,
        "one query does not build tables"
    );
    assert_eq!(
        topo.prepare(),
        0,
        "one query does not make a class recurrent"
    );
    let mut built_after = None;
    for i in 1..64 {
        assert_eq!(compute(&topo, &res, &req, &mut ws).unwrap(), first);
        assert_eq!(topo.landmark_classes(), 0, "queries build nothing");
        topo.prepare();
        if topo.landmark_classes() == 1 {
            built_after = Some(i);
            break;
        }
    }
    let built_after = built_after.expect("the recurring class got tables");
    assert!(built_after > 1, "{built_after}");
    assert_eq!(compute(&topo, &res, &req, &mut ws).unwrap(), first);
    // Exclude-any bits no link carries are the base class: no new table.
    let unused = PathRequest {
        constraints: Constraints {
            exclude_any: 1 << 20,
            ..Constraints::default()
        },
        ..req.clone()
    };
    for _ in 0..64 {
        compute(&topo, &res, &unused, &mut ws).unwrap();
    }
    topo.prepare();
    assert_eq!(topo.landmark_classes(), 1);
}

/// When a class's tables prove the tail end cut off, the query fails
/// without a search.
#[test]
fn class_bounds_prove_infeasibility_without_search() {
    let (topo, res, req) = grid_query("g4x4", 2); // every link into g4x4
    let mut ws = Workspace::new();
    let mut scanned = Vec::new();
    for _ in 0..64 {
        assert_eq!(
            compute(&topo, &res, &req, &mut ws),
            Err(NoPath::Infeasible { proven: true })
        );
        scanned.push(ws.scanned);
        topo.prepare();
    }
    assert_eq!(topo.landmark_classes(), 1);
    // Before the class had tables, the search explored the grid; after,
    // nothing.
    assert!(scanned[0] > 0, "{scanned:?}");
    assert_eq!(scanned.last(), Some(&0), "{scanned:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The landmark bound that tools read (`Topology::distance_bound`) is
    /// what the searches rely on: at most the true distance, 0 from a node
    /// to itself, and consistent on every link.
    #[test]
    fn distance_bound_is_admissible_and_consistent((file, _, _, _) in tie_heavy_case()) {
        let topo = Prepared::from(file.build().unwrap());
        let n = topo.node_count();
        let bound = |a: usize, b: usize| {
            topo.distance_bound(Objective::Igp, NodeId(a as u32), NodeId(b as u32))
        };
        for v in 0..n {
            prop_assert_eq!(bound(v, v), 0);
            let dist = reference_distances(&topo, NodeId(v as u32), &Constraints::default());
            for (t, d) in dist.iter().enumerate() {
                if let Some((d, _)) = *d {
                    prop_assert!(bound(v, t) <= d, "bound {} > distance {d}", bound(v, t));
                }
            }
        }
        for t in 0..n {
            for (_, l) in topo
                .links()
                .iter()
                .enumerate()
                .filter(|(i, _)| topo.link_up(LinkId(*i as u32)))
            {
                prop_assert!(
                    bound(l.from.index(), t) <= u64::from(l.igp) + bound(l.to.index(), t)
                );
            }
        }
    }
}

/// An include-node equal to an end point: first (the head end) or last
/// (the tail end) it is met anyway; anywhere else no simple path meets it,
/// and the answer is a proven "no path" (it was silently dropped before).
#[test]
fn an_include_node_equal_to_an_end_point() {
    let a = load("draft-topology-a.json");
    let id = |n: &str| a.node_by_name(n).unwrap();
    let through = |nodes: &[&str]| Constraints {
        include_nodes: nodes.iter().map(|n| id(n)).collect(),
        ..Constraints::default()
    };
    let via_r2 = shortest(&a, "PCC1", "PCC2", through(&["R2"])).unwrap();
    for ends in [
        &["PCC1", "R2"][..],
        &["R2", "PCC2"],
        &["PCC1", "R2", "PCC2"],
    ] {
        assert_eq!(
            shortest(&a, "PCC1", "PCC2", through(ends)).unwrap(),
            via_r2,
            "{ends:?}"
        );
    }
    for misplaced in [&["R2", "PCC1"][..], &["PCC2", "R2"], &["R3", "PCC1", "R4"]] {
        assert_eq!(
            shortest(&a, "PCC1", "PCC2", through(misplaced)),
            Err(NoPath::Infeasible { proven: true }),
            "{misplaced:?}"
        );
    }
}
