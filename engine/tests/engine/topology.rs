//! The topology file: validation errors, CSR structure, events.

use std::path::PathBuf;

use pce_engine::topology::{TopologyError, TopologyEvent, TopologyFile};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/topologies")
        .join(name)
}

#[test]
fn draft_topologies_load() {
    let a = TopologyFile::load(&example("draft-topology-a.json")).unwrap();
    assert_eq!((a.node_count(), a.link_count()), (8, 16));
    let b = TopologyFile::load(&example("draft-topology-b.json")).unwrap();
    assert_eq!((b.node_count(), b.link_count()), (6, 16));
    // CSR: every node's outgoing links start at it, and reverse is an involution.
    for topo in [&a, &b] {
        for (i, _) in topo.nodes().iter().enumerate() {
            let id = pce_engine::topology::NodeId(i as u32);
            for l in topo.out_links(id) {
                let link = topo.link(pce_engine::topology::LinkId(l)).unwrap();
                assert_eq!(link.from, id);
                let r = topo.reverse(pce_engine::topology::LinkId(l)).unwrap();
                let rev = topo.link(r).unwrap();
                assert_eq!((rev.from, rev.to), (link.to, link.from));
                assert_eq!(topo.reverse(r), Some(pce_engine::topology::LinkId(l)));
                assert_eq!(topo.srlgs(rev), topo.srlgs(link));
            }
        }
    }
    // PCEP addresses map onto nodes.
    let pcc1 = a.node_by_address("192.0.2.1".parse().unwrap()).unwrap();
    assert_eq!(a.node(pcc1).unwrap().name, "PCC1");
    assert_eq!(
        a.node_by_address("10.0.0.1".parse().unwrap()),
        Some(pcc1),
        "router ID too"
    );
}

fn err(json: &str) -> TopologyError {
    TopologyFile::parse(json, "t.json")
        .and_then(|f| f.build())
        .unwrap_err()
}

#[test]
fn bad_files_are_refused_with_what_is_wrong() {
    let node = |n: &str, ip: &str| format!(r#"{{"name":"{n}","router_id":"{ip}"}}"#);
    let two = format!("{},{}", node("A", "10.0.0.1"), node("B", "10.0.0.2"));
    assert!(matches!(
        err(&format!(r#"{{"nodes":[{two}],"links":[{{"a":"A","b":"C","igp_metric":1}}]}}"#)),
        TopologyError::UnknownNode { node } if node == "C"
    ));
    assert!(matches!(
        err(&format!(
            r#"{{"nodes":[{two}],"links":[{{"a":"A","b":"A","igp_metric":1}}]}}"#
        )),
        TopologyError::SelfLoop { .. }
    ));
    // An IGP metric of 0 is a metric (the oracles run with zeros too).
    assert!(TopologyFile::parse(
        &format!(r#"{{"nodes":[{two}],"links":[{{"a":"A","b":"B","igp_metric":0}}]}}"#),
        "zero.json"
    )
    .unwrap()
    .build()
    .is_ok());
    assert!(matches!(
        err(&format!(
            r#"{{"nodes":[{two}],"links":[{{"a":"A","b":"B","igp_metric":1,"bandwidth_bps":-1}}]}}"#
        )),
        TopologyError::BadBandwidth { .. }
    ));
    assert!(matches!(
        err(&format!(r#"{{"nodes":[{two},{}]}}"#, node("A", "10.0.0.3"))),
        TopologyError::DuplicateNode { .. }
    ));
    assert!(matches!(
        err(&format!(r#"{{"nodes":[{two},{}]}}"#, node("C", "10.0.0.1"))),
        TopologyError::DuplicateAddress { .. }
    ));
    assert!(matches!(
        err(r#"{"nodes":[{"name":"A","router_id":"10.0.0.1","node_sid":3}]}"#),
        TopologyError::BadSid { sid: 3, .. }
    ));
    // Unknown keys are refused, with the position.
    match err(r#"{"nodes":[{"name":"A","router_id":"10.0.0.1","nodesid":16001}]}"#) {
        TopologyError::Parse { path, reason } => {
            assert_eq!(path, "t.json");
            assert!(
                reason.contains("unknown field `nodesid`") && reason.contains("line 1"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        TopologyFile::load(std::path::Path::new("/nonexistent/topo.json")).unwrap_err(),
        TopologyError::Read { .. }
    ));
}

#[test]
fn events_make_new_snapshots_and_old_ones_stay_valid() {
    let before = TopologyFile::load(&example("draft-topology-a.json")).unwrap();
    let after = before
        .apply(&TopologyEvent::LinkState {
            a: "R1".into(),
            b: "R2".into(),
            up: false,
            a_interface: None,
        })
        .unwrap();
    let (r1, r2) = (
        before.node_by_name("R1").unwrap(),
        before.node_by_name("R2").unwrap(),
    );
    let l = before.link_between(r1, r2).unwrap();
    assert!(
        before.link_up(l),
        "a reader's snapshot never changes under it"
    );
    assert!(!after.link_up(l));
    assert!(!after.link_up(after.reverse(l).unwrap()), "both directions");
    assert!(matches!(
        after.apply(&TopologyEvent::LinkState {
            a: "R1".into(),
            b: "PCC4".into(),
            up: false,
            a_interface: None,
        }),
        Err(TopologyError::UnknownLink { .. })
    ));
    let m = after
        .apply(&TopologyEvent::LinkMetric {
            a: "R1".into(),
            b: "R2".into(),
            igp: 3,
            te: 4,
            a_interface: None,
        })
        .unwrap();
    assert_eq!((m.link(l).unwrap().igp, m.link(l).unwrap().te), (3, 4));
}

/// A node's SRLGs (its chassis, its site) belong to every link through it:
/// excluding one avoids the node, and two SRLG-disjoint paths do not both
/// cross it (the issue's "node SRLGs").
#[test]
fn node_srlgs_belong_to_every_link_through_the_node() {
    use pce_engine::solver::cspf::{
        compute, Constraints, Objective, PathRequest, Reservations, Workspace,
    };
    use pce_engine::solver::disjoint::{
        solve, Disjointness, GroupError, GroupObjective, GroupRequest,
    };
    let file = TopologyFile::parse(
        r#"{
          "nodes": [
            { "name": "A", "router_id": "10.0.0.1" },
            { "name": "X", "router_id": "10.0.0.2", "srlgs": [9] },
            { "name": "Y", "router_id": "10.0.0.3" },
            { "name": "Z", "router_id": "10.0.0.4", "srlgs": [9] },
            { "name": "B", "router_id": "10.0.0.5" }
          ],
          "links": [
            { "a": "A", "b": "X", "igp_metric": 1 }, { "a": "X", "b": "B", "igp_metric": 1 },
            { "a": "A", "b": "Y", "igp_metric": 5 }, { "a": "Y", "b": "B", "igp_metric": 5, "srlgs": [3] },
            { "a": "A", "b": "Z", "igp_metric": 2 }, { "a": "Z", "b": "B", "igp_metric": 2 }
          ]
        }"#,
        "node-srlgs.json",
    )
    .unwrap();
    let topo = pce_engine::solver::Prepared::from(file.build().unwrap());
    let id = |n: &str| topo.node_by_name(n).unwrap();
    for l in topo.links() {
        let through_x = l.from == id("X") || l.to == id("X");
        assert_eq!(
            topo.srlgs(l).contains(&9),
            through_x || l.from == id("Z") || l.to == id("Z")
        );
        if through_x {
            assert!(!topo.srlgs(l).contains(&3));
        }
    }
    let r = Reservations::new(topo.link_count());
    let req = |exclude: Vec<u32>| PathRequest {
        source: id("A"),
        destination: id("B"),
        objective: Objective::Igp,
        constraints: Constraints {
            exclude_srlgs: exclude,
            ..Constraints::default()
        },
    };
    let via = |p: &pce_engine::solver::cspf::Path| {
        topo.node(topo.link(p.links[0]).unwrap().to)
            .unwrap()
            .name
            .clone()
    };
    assert_eq!(
        via(&compute(&topo, &r, &req(vec![]), &mut Workspace::new()).unwrap()),
        "X"
    );
    assert_eq!(
        via(&compute(&topo, &r, &req(vec![9]), &mut Workspace::new()).unwrap()),
        "Y"
    );
    let group = |n: usize| GroupRequest {
        members: vec![req(vec![]); n],
        disjointness: Disjointness::SRLG,
        strict: true,
        objective: GroupObjective::MinSum,
        pinned: vec![],
    };
    // Two SRLG-disjoint paths: one through X (or Z), one through Y.
    let two = solve(&topo, &r, &group(2), &mut Workspace::new()).unwrap();
    let mut got: Vec<String> = two.paths.iter().map(via).collect();
    got.sort();
    assert_eq!(got, ["X", "Y"]);
    // Three cannot be: X and Z share SRLG 9.
    assert_eq!(
        solve(&topo, &r, &group(3), &mut Workspace::new()).map(|g| g.achieved),
        Err(GroupError::NotDisjoint { proven: true })
    );
}
