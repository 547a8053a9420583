//! SR encoding: the draft topology, MSD, and a forwarding-equivalence
//! property checked by exhaustive search.

use pce_engine::solver::cspf::{
    compute, Constraints, Objective, PathRequest, Reservations, Workspace,
};
use pce_engine::solver::ero;
use pce_engine::solver::sr::{encode, to_ero, Segment, SrError};
use pce_engine::solver::Prepared;
use pce_engine::topology::{LinkId, LinkSpec, NodeId, NodeSpec, Topology, TopologyFile};
use pcep::wire::object::{Nai, Subobject};
use proptest::prelude::*;

use super::support::{link_spec, load, node_spec, numbered};

fn path(topo: &Topology, hops: &[&str]) -> Vec<LinkId> {
    hops.windows(2)
        .map(|w| {
            topo.link_between(
                topo.node_by_name(w[0]).unwrap(),
                topo.node_by_name(w[1]).unwrap(),
            )
            .unwrap()
        })
        .collect()
}

#[test]
fn draft_topology_a_segment_lists() {
    let a = load("draft-topology-a.json");
    let n = |name: &str| a.node_by_name(name).unwrap();
    // The IGP shortest path is one node SID.
    let shortest = path(&a, &["PCC1", "R1", "R3", "R4", "R2", "PCC2"]);
    assert_eq!(
        encode(&a, &shortest, Some(10)).unwrap(),
        vec![Segment::Node {
            node: n("PCC2"),
            label: a.node(n("PCC2")).unwrap().node_sid.unwrap()
        }]
    );
    // The disjoint path R1-R2 (10) is not the IGP shortest: node R1, adjacency R1->R2, node PCC2.
    let disjoint = path(&a, &["PCC1", "R1", "R2", "PCC2"]);
    let segs = encode(&a, &disjoint, Some(10)).unwrap();
    let r1r2 = a.link_between(n("R1"), n("R2")).unwrap();
    assert_eq!(
        segs,
        vec![
            Segment::Node {
                node: n("R1"),
                label: a.node(n("R1")).unwrap().node_sid.unwrap()
            },
            Segment::Adjacency {
                link: r1r2,
                label: a.link(r1r2).unwrap().adj_sid.unwrap()
            },
            Segment::Node {
                node: n("PCC2"),
                label: a.node(n("PCC2")).unwrap().node_sid.unwrap()
            },
        ]
    );
    assert_eq!(
        encode(&a, &disjoint, Some(2)),
        Err(SrError::ExceedsMsd { needed: 3, msd: 2 })
    );
    // As an SR-ERO: MPLS labels with IPv4 node NAIs (router IDs).
    let ero = to_ero(&a, &segs);
    let Subobject::Sr(first) = &ero[0] else {
        panic!()
    };
    assert_eq!(first.label(), a.node(n("R1")).unwrap().node_sid);
    assert_eq!(
        first.nai,
        Some(Nai::Ipv4Node {
            address: "10.0.0.5".parse().unwrap()
        })
    );
}

// ===== forwarding equivalence =====

/// Every simple path from `a` to `b` with the least IGP cost.
fn shortest_paths(topo: &Topology, a: NodeId, b: NodeId) -> Vec<Vec<LinkId>> {
    fn walk(
        topo: &Topology,
        at: NodeId,
        b: NodeId,
        seen: &mut Vec<NodeId>,
        p: &mut Vec<LinkId>,
        out: &mut Vec<(u64, Vec<LinkId>)>,
    ) {
        if at == b {
            let cost = p
                .iter()
                .map(|l| u64::from(topo.link(*l).unwrap().igp))
                .sum();
            out.push((cost, p.clone()));
            return;
        }
        for l in topo.out_links(at).map(LinkId) {
            let to = topo.link(l).unwrap().to;
            if !seen.contains(&to) {
                seen.push(to);
                p.push(l);
                walk(topo, to, b, seen, p, out);
                p.pop();
                seen.pop();
            }
        }
    }
    let mut all = Vec::new();
    walk(topo, a, b, &mut vec![a], &mut Vec::new(), &mut all);
    let min = all.iter().map(|(c, _)| *c).min().unwrap_or(0);
    all.into_iter()
        .filter(|(c, _)| *c == min)
        .map(|(_, p)| p)
        .collect()
}

/// What routers do with the segment list, starting at `head`.
fn forward(topo: &Topology, head: NodeId, segs: &[Segment]) -> Vec<LinkId> {
    let mut at = head;
    let mut out = Vec::new();
    for s in segs {
        match *s {
            Segment::Node { node, .. } => {
                let paths = shortest_paths(topo, at, node);
                assert_eq!(paths.len(), 1, "a node SID must not split over ECMP");
                out.extend(&paths[0]);
                at = node;
            }
            Segment::Adjacency { link, .. } => {
                assert_eq!(
                    topo.link(link).unwrap().from,
                    at,
                    "adjacency SID used away from its node"
                );
                out.push(link);
                at = topo.link(link).unwrap().to;
            }
        }
    }
    out
}

fn topology() -> impl Strategy<Value = TopologyFile> {
    (2usize..7)
        .prop_flat_map(|n| {
            (
                Just(n),
                proptest::collection::vec((0..n, 0..n, 0u32..5), 1..(n * 3)),
            )
        })
        .prop_map(|(n, links)| TopologyFile {
            nodes: (0..n)
                .map(|i| NodeSpec {
                    name: format!("N{i}"),
                    router_id: format!("10.0.0.{}", i + 1).parse().unwrap(),
                    addresses: vec![],
                    node_sid: Some(16000 + i as u32),
                    srlgs: vec![],
                })
                .collect(),
            links: links
                .into_iter()
                .enumerate()
                .filter(|(_, l)| l.0 != l.1)
                .map(|(k, (a, b, igp))| LinkSpec {
                    a: format!("N{a}"),
                    b: format!("N{b}"),
                    igp_metric: igp,
                    te_metric: Some(1 + (k as u32 * 7) % 5),
                    delay_us: 0,
                    bandwidth_bps: None,
                    admin_groups: 0,
                    srlgs: vec![],
                    a_address: None,
                    b_address: None,
                    a_adj_sid: Some(24000 + 2 * k as u32),
                    b_adj_sid: Some(24001 + 2 * k as u32),
                    a_interface_id: Some(k as u32 + 1),
                    b_interface_id: Some(k as u32 + 1),
                    b_to_a: None,
                })
                .collect(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    /// Paths optimized on the TE metric often leave the IGP shortest path:
    /// the segment list must steer traffic over exactly the computed path.
    #[test]
    fn segment_list_forwards_along_the_path(file in topology(), s in 0u32..6, d in 0u32..6) {
        let topo = Prepared::from(file.build().unwrap());
        let n = topo.node_count() as u32;
        let (src, dst) = (NodeId(s % n), NodeId(d % n));
        let req = PathRequest { source: src, destination: dst, objective: Objective::Te, constraints: Constraints::default() };
        let Ok(p) = compute(&topo, &Reservations::new(topo.link_count()), &req, &mut Workspace::new()) else {
            return Ok(());
        };
        let segs = encode(&topo, &p.links, None).unwrap();
        prop_assert!(segs.len() <= p.links.len());
        prop_assert_eq!(forward(&topo, src, &segs), p.links.clone());
        // Greedy is minimal: no list one shorter can exist if every jump was maximal;
        // at least, never more segments than links.
        match encode(&topo, &p.links, Some(segs.len() as u8)) {
            Ok(again) => prop_assert_eq!(again, segs.clone()),
            Err(e) => prop_assert!(false, "{e}"),
        }
        if !segs.is_empty() {
            let tight = encode(&topo, &p.links, Some(segs.len() as u8 - 1));
            prop_assert_eq!(tight, Err(SrError::ExceedsMsd { needed: segs.len(), msd: segs.len() as u8 - 1 }));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 800, ..ProptestConfig::default() })]

    /// A path sent as an SR-ERO reads back as exactly its links; sent as
    /// strict IP hops, as the same sequence of nodes (parallel links between
    /// two nodes are told apart by interface addresses, which these
    /// generated topologies do not have).
    #[test]
    fn reported_paths_read_back(file in topology(), s in 0u32..6, d in 0u32..6) {
        let topo = Prepared::from(file.build().unwrap());
        let n = topo.node_count() as u32;
        let (src, dst) = (NodeId(s % n), NodeId(d % n));
        let req = PathRequest { source: src, destination: dst, objective: Objective::Te, constraints: Constraints::default() };
        let mut ws = Workspace::new();
        let Ok(p) = compute(&topo, &Reservations::new(topo.link_count()), &req, &mut ws) else {
            return Ok(());
        };
        let sr_ero = to_ero(&topo, &encode(&topo, &p.links, None).unwrap());
        prop_assert_eq!(ero::links(&topo, src, &sr_ero, &mut ws), Some(p.links.clone()));
        let ip_ero = pce_engine::pcreq::rsvp_ero(&topo, &p.links);
        let back = ero::links(&topo, src, &ip_ero, &mut ws).unwrap();
        let nodes = |links: &[LinkId]| links.iter().map(|l| topo.link(*l).unwrap().to).collect::<Vec<_>>();
        prop_assert_eq!(nodes(&back), nodes(&p.links));
    }
}

/// Every simple path from `s` to `t` avoiding `avoid`.
fn simple_paths(topo: &Topology, s: NodeId, t: NodeId, avoid: Option<NodeId>) -> Vec<Vec<LinkId>> {
    fn walk(
        topo: &Topology,
        at: NodeId,
        t: NodeId,
        avoid: Option<NodeId>,
        seen: &mut Vec<NodeId>,
        path: &mut Vec<LinkId>,
        out: &mut Vec<Vec<LinkId>>,
    ) {
        if at == t {
            out.push(path.clone());
            return;
        }
        for l in topo.out_links(at).map(LinkId) {
            let to = topo.link(l).unwrap().to;
            if seen.contains(&to) || Some(to) == avoid {
                continue;
            }
            seen.push(to);
            path.push(l);
            walk(topo, to, t, avoid, seen, path, out);
            path.pop();
            seen.pop();
        }
    }
    let mut out = Vec::new();
    walk(topo, s, t, avoid, &mut vec![s], &mut Vec::new(), &mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    /// MSD-aware SR paths (issue 14): when the best path (on the TE metric,
    /// which leaves the IGP shortest paths) needs more segments than the
    /// head end's MSD, the answer is the best path whose segment list fits,
    /// as exhaustive search over every simple path finds it; "no path"
    /// only when none fits, and then proven.
    #[test]
    fn sr_paths_are_the_best_that_fit_the_msd(file in topology(), s in 0u32..6, d in 0u32..6, msd in 1u8..4) {
        use pce_engine::pcreq::{compute_path, PathAsk, Unreachable};
        use pcep::wire::object::Metric;
        use pcep::wire::tlv::SrPceCapability;
        use pcep::wire::{Attributes, MetricType, PathSetupType};
        let topo = Prepared::from(file.build().unwrap());
        let n = topo.node_count() as u32;
        let (src, dst) = (NodeId(s % n), NodeId(d % n));
        if src == dst {
            return Ok(());
        }
        let attributes = Attributes {
            metrics: vec![Metric { metric_type: MetricType::TE, ..Metric::default() }],
            ..Attributes::default()
        };
        let cost = |links: &[LinkId]| {
            links.iter().fold((0u64, 0u32), |(c, h), l| (c + u64::from(topo.link(*l).unwrap().te), h + 1))
        };
        let paths = simple_paths(&topo, src, dst, None);
        let best_fit = paths.iter().filter(|p| encode(&topo, p, Some(msd)).is_ok()).map(|p| cost(p)).min();
        let ask = PathAsk {
            source: topo.node(src).unwrap().router_id,
            destination: topo.node(dst).unwrap().router_id,
            attributes: &attributes,
            setup: PathSetupType::SR_TE,
            peer_sr: Some(SrPceCapability { flags: 0, msd }),
        };
        let res = Reservations::new(topo.link_count());
        match compute_path(&topo, &res, &ask, &mut Workspace::new()) {
            Ok(p) => {
                prop_assert_eq!(Some(cost(&p.links)), best_fit);
                prop_assert!(encode(&topo, &p.links, Some(msd)).is_ok());
                prop_assert!(p.optimal);
            }
            Err(Unreachable::NoPath { proven }) => {
                prop_assert_eq!(best_fit, None);
                // Small graphs: the candidates are every path there is.
                prop_assert!(proven || paths.len() >= pce_engine::pcreq::MSD_CANDIDATES);
            }
            Err(e) => prop_assert!(false, "{:?}", e),
        }
    }
}

/// More cheaper paths than the candidate lists hold, none of which fits:
/// seven diamonds in series (128 equal-cost paths by TE, ECMP by IGP, so
/// each takes an adjacency SID per link) and a bypass through X, dearer by
/// TE but the unique IGP shortest path (one node SID). The search over
/// segments finds the bypass and proves it optimal; with an MSD no path
/// meets, "no path" is proven.
#[test]
fn msd_aware_paths_beyond_the_candidate_lists() {
    use pce_engine::pcreq::{compute_path, PathAsk, Unreachable};
    use pcep::wire::object::Metric;
    use pcep::wire::tlv::SrPceCapability;
    use pcep::wire::{Attributes, MetricType, PathSetupType};
    // Nodes by index: S 0, X 1, then per diamond A, B and the joint J (the
    // last joint is D).
    let diamonds = 7;
    let (s_i, x_i) = (0usize, 1usize);
    let mut links = vec![(s_i, x_i, 1, 100)];
    let mut prev = s_i;
    let mut next = 2;
    for _ in 0..diamonds {
        let (a, b, joint) = (next, next + 1, next + 2);
        next += 3;
        for mid in [a, b] {
            links.push((prev, mid, 10, 1));
            links.push((mid, joint, 10, 1));
        }
        prev = joint;
    }
    let d_i = prev;
    links.push((x_i, d_i, 1, 100));
    let file = TopologyFile {
        nodes: (0..next)
            .map(|i| NodeSpec {
                node_sid: Some(16_000 + i as u32),
                ..node_spec(i)
            })
            .collect(),
        links: numbered(
            links
                .iter()
                .enumerate()
                .map(|(i, &(a, b, igp, te))| LinkSpec {
                    te_metric: Some(te),
                    a_adj_sid: Some(24_000 + 2 * i as u32),
                    b_adj_sid: Some(24_001 + 2 * i as u32),
                    ..link_spec(a, b, igp, 0)
                })
                .collect(),
        ),
    };
    let topo = Prepared::from(file.build().unwrap());
    let (s, d) = (NodeId(s_i as u32), NodeId(d_i as u32));
    let paths = simple_paths(&topo, s, d, None);
    assert!(paths.len() > pce_engine::pcreq::MSD_CANDIDATES);
    let attributes = Attributes {
        metrics: vec![Metric {
            metric_type: MetricType::TE,
            ..Metric::default()
        }],
        ..Attributes::default()
    };
    let te = |links: &[LinkId]| -> u64 {
        links
            .iter()
            .map(|l| u64::from(topo.link(*l).unwrap().te))
            .sum()
    };
    let res = Reservations::new(topo.link_count());
    for msd in [1u8, 3, 20] {
        let best_fit = paths
            .iter()
            .filter(|p| encode(&topo, p, Some(msd)).is_ok())
            .map(|p| te(p))
            .min();
        let ask = PathAsk {
            source: topo.node(s).unwrap().router_id,
            destination: topo.node(d).unwrap().router_id,
            attributes: &attributes,
            setup: PathSetupType::SR_TE,
            peer_sr: Some(SrPceCapability { flags: 0, msd }),
        };
        let p = compute_path(&topo, &res, &ask, &mut Workspace::new())
            .unwrap_or_else(|e| panic!("MSD {msd}: {e:?}"));
        assert_eq!(Some(te(&p.links)), best_fit, "MSD {msd}");
        assert!(p.optimal, "MSD {msd}");
    }
    // Without X's node SID nothing fits in 3 SIDs: proven.
    let mut file = file;
    file.nodes.iter_mut().for_each(|n| n.node_sid = None);
    let topo = Prepared::from(file.build().unwrap());
    let ask = PathAsk {
        source: topo.node(s).unwrap().router_id,
        destination: topo.node(d).unwrap().router_id,
        attributes: &attributes,
        setup: PathSetupType::SR_TE,
        peer_sr: Some(SrPceCapability { flags: 0, msd: 1 }),
    };
    assert!(matches!(
        compute_path(&topo, &res, &ask, &mut Workspace::new()),
        Err(Unreachable::NoPath { proven: true })
    ));
}
