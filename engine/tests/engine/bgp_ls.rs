//! The TED from BGP-LS: a topology originated as BGP-LS and received
//! back is the topology of the file; withdrawals, a lost peer, faults and
//! out-of-order NLRIs get their treatment.

use std::collections::BTreeMap;
use std::path::PathBuf;

use bgpls::ls::{Attribute, Nlri, NlriType};
use bgpls::message::Update;
use pce_engine::topology::bgp_ls::{originate, LsDatabase};
use pce_engine::topology::{Direction, Topology, TopologyFile};

use super::support::{link_spec, node_spec, numbered};

fn file(name: &str) -> TopologyFile {
    TopologyFile::read(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/topologies")
            .join(name),
    )
    .unwrap()
}

type LinkKey = (String, String, Option<String>, Option<u32>);

/// Every node and directed link, by names and interfaces.
fn contents(t: &Topology) -> (BTreeMap<String, String>, BTreeMap<LinkKey, String>) {
    let nodes = t
        .nodes()
        .iter()
        .map(|n| {
            let mut addrs = n.addresses.clone();
            addrs.sort();
            (
                n.name.clone(),
                format!("{} {:?} {:?}", n.router_id, addrs, n.node_sid),
            )
        })
        .collect();
    let links = t
        .links()
        .iter()
        .map(|l| {
            let name = |id: pce_engine::topology::NodeId| t.node(id).unwrap().name.clone();
            (
                (
                    name(l.from),
                    name(l.to),
                    l.local_address.map(|a| a.to_string()),
                    l.local_interface_id,
                ),
                format!(
                    "igp {} te {} delay {} bw {:.0} ag {} srlgs {:?} adj {:?} remote {:?} {:?}",
                    l.igp,
                    l.te,
                    l.delay_us,
                    // BGP-LS carries bandwidth as a 32-bit float.
                    (l.bandwidth as f32) as f64,
                    l.admin_groups,
                    t.srlgs(l),
                    l.adj_sid,
                    l.remote_address,
                    l.remote_interface_id
                ),
            )
        })
        .collect();
    (nodes, links)
}

fn received(updates: &[Update]) -> (LsDatabase, TopologyFile) {
    let mut db = LsDatabase::new();
    for u in updates {
        let applied = db.apply(1, u);
        assert!(applied.faults.is_empty(), "{:?}", applied.faults);
    }
    let (f, report) = db.topology();
    assert!(report.unused.is_empty(), "{:?}", report.unused);
    (db, f)
}

/// 40 nodes with SIDs and node SRLGs, parallel links with per-direction
/// values.
fn generated() -> TopologyFile {
    let mut generated = TopologyFile {
        nodes: (0..40)
            .map(|i| {
                let mut n = node_spec(i);
                n.node_sid = Some(16_000 + i as u32);
                if i % 7 == 0 {
                    n.srlgs = vec![900 + i as u32];
                }
                n
            })
            .collect(),
        links: numbered(
            (0..40)
                .flat_map(|i| [(i, (i + 1) % 40), (i, (i + 7) % 40), (i, (i + 1) % 40)])
                .map(|(a, b)| {
                    let mut l = link_spec(a, b, 1 + (a * 7 + b) as u32 % 50, (a % 3) as u32);
                    l.te_metric = Some(100 + a as u32);
                    l.delay_us = 10 * b as u32;
                    l.srlgs = vec![a as u32 % 5];
                    l.a_adj_sid = Some(24_000 + a as u32);
                    l.b_adj_sid = Some(25_000 + b as u32);
                    if a % 4 == 0 {
                        l.b_to_a = Some(Direction {
                            igp_metric: Some(77),
                            bandwidth_bps: Some(4e8),
                            ..Direction::default()
                        });
                    }
                    l
                })
                .collect(),
        ),
    };
    generated.nodes[3].addresses = vec!["192.0.2.3".parse().unwrap()];
    generated
}

#[test]
fn a_topology_over_bgp_ls_is_the_topology_of_its_file() {
    for f in [
        file("draft-topology-a.json"),
        file("draft-topology-b.json"),
        file("parallel-links.json"),
        generated(),
    ] {
        let (_, back) = received(&originate(&f, 65000));
        assert_eq!(
            contents(&back.build().unwrap()),
            contents(&f.build().unwrap())
        );
    }
}

fn kind(u: &Update) -> NlriType {
    Nlri::decode(&u.announced[0]).unwrap().kind
}

#[test]
fn withdrawals_and_a_lost_peer_take_elements_away() {
    let f = file("draft-topology-a.json");
    let updates = originate(&f, 65000);
    let (mut db, _) = received(&updates);
    let full = db.topology().0.build().unwrap();
    // Withdraw one direction of the first link: the link leaves the
    // topology (its reverse alone is not used), and is reported.
    let first_link = updates.iter().find(|u| kind(u) == NlriType::Link).unwrap();
    let w = Update {
        withdrawn: first_link.announced.clone(),
        ..Update::default()
    };
    assert_eq!(db.apply(1, &w).withdrawn, 1);
    let (less, report) = db.topology();
    assert_eq!(less.build().unwrap().link_count(), full.link_count() - 2);
    assert_eq!(report.unused.len(), 1, "{:?}", report.unused);
    assert!(report.unused[0].contains("reverse direction"));
    // Announced again: back.
    db.apply(1, first_link);
    assert_eq!(
        db.topology().0.build().unwrap().link_count(),
        full.link_count()
    );
    // The same NLRIs from a second peer, then the first peer goes: the
    // second's copies stay.
    for u in &updates {
        db.apply(2, u);
    }
    assert_eq!(db.peer_down(1), updates.len());
    assert_eq!(
        db.topology().0.build().unwrap().link_count(),
        full.link_count()
    );
    assert_eq!(db.peer_down(2), updates.len());
    assert!(db.is_empty());
}

#[test]
fn links_before_their_nodes_wait_for_them() {
    let f = file("draft-topology-a.json");
    let mut updates = originate(&f, 65000);
    // Links first, then prefixes, then nodes.
    updates.sort_by_key(|u| match kind(u) {
        NlriType::Link => 0,
        NlriType::Prefix4 | NlriType::Prefix6 => 1,
        NlriType::Node => 2,
    });
    let mut db = LsDatabase::new();
    let links = updates.iter().filter(|u| kind(u) == NlriType::Link).count();
    for u in &updates[..links] {
        db.apply(1, u);
    }
    let (t, report) = db.topology();
    assert!(t.nodes.is_empty() && t.links.is_empty());
    assert_eq!(report.unused.len(), links);
    for u in &updates[links..] {
        db.apply(1, u);
    }
    let (t, report) = db.topology();
    assert!(report.unused.is_empty(), "{:?}", report.unused);
    assert_eq!(contents(&t.build().unwrap()), contents(&f.build().unwrap()));
}

#[test]
fn faults_are_treated_as_withdrawals_and_never_corrupt_the_ted() {
    let f = file("draft-topology-a.json");
    let updates = originate(&f, 65000);
    let (mut db, _) = received(&updates);
    let before = db.topology().0;
    let link = updates.iter().find(|u| kind(u) == NlriType::Link).unwrap();
    // The same link re-announced with a malformed attribute (an IGP metric
    // TLV of 5 bytes): treat-as-withdraw.
    let mut bad = link.clone();
    bad.ls_attribute = Some(vec![0x04, 0x47, 0, 5, 0, 0, 0, 0, 9]);
    let applied = db.apply(1, &bad);
    assert_eq!(applied.withdrawn, 1);
    assert_eq!(applied.faults.len(), 1);
    let (t, report) = db.topology();
    assert_eq!(t.links.len(), before.links.len() - 1);
    assert_eq!(report.unused.len(), 1);
    // The session's verdict (RFC 7606) also withdraws.
    db.apply(1, link);
    let mut verdict = link.clone();
    verdict.treat_as_withdraw = Some("malformed ORIGIN".into());
    assert_eq!(db.apply(1, &verdict).withdrawn, 1);
    db.apply(1, link);
    assert_eq!(db.topology().0, before);
    // A malformed NLRI among good ones: only it is refused.
    let mut mixed = updates[0].clone();
    mixed.announced.push(vec![0, 1, 0, 3, 2, 0, 0]);
    let applied = db.apply(1, &mixed);
    assert_eq!((applied.announced, applied.faults.len()), (1, 1));
    // An NLRI of an unknown type is ignored; a link without an IGP metric
    // is held out of the topology.
    let unknown = Update {
        announced: vec![vec![0, 99, 0, 1, 7]],
        ..Update::default()
    };
    assert_eq!(db.apply(1, &unknown).announced, 0);
    let mut no_metric = link.clone();
    let mut a = Attribute::decode(link.ls_attribute.as_deref().unwrap()).unwrap();
    a.igp_metric = None;
    let mut raw = Vec::new();
    a.encode(&mut raw).unwrap();
    no_metric.ls_attribute = Some(raw);
    db.apply(1, &no_metric);
    let (t, report) = db.topology();
    assert_eq!(t.links.len(), before.links.len() - 1);
    assert!(report.unused.iter().any(|u| u.contains("no IGP metric")));
    assert!(t.build().is_ok());
}

/// What `GET /snapshot` exports: the topology as a file and what is down
/// as events give the same topology back, links down one way and parallel
/// links included.
#[test]
fn a_topology_exported_as_a_file_builds_again() {
    use pce_engine::topology::{LinkPatch, TopologyEvent};
    let down = |a: &str, b: &str, one_way| TopologyEvent::Link {
        a: a.into(),
        b: b.into(),
        a_interface: None,
        one_way,
        set: LinkPatch {
            up: Some(false),
            ..LinkPatch::default()
        },
    };
    for (f, events) in [
        (
            file("draft-topology-a.json"),
            vec![down("R1", "R3", true), down("R2", "R4", false)],
        ),
        (
            file("draft-topology-b.json"),
            vec![TopologyEvent::NodeState {
                node: "R3".into(),
                up: false,
            }],
        ),
        (
            file("parallel-links.json"),
            vec![TopologyEvent::Link {
                a: "R2".into(),
                b: "R1".into(),
                a_interface: Some(pce_engine::topology::Interface::Id(9)),
                one_way: true,
                set: LinkPatch {
                    up: Some(false),
                    ..LinkPatch::default()
                },
            }],
        ),
        (generated(), vec![down("N1", "N8", false)]),
    ] {
        let t = f.build().unwrap().apply_all(&events).unwrap();
        let (exported, down) = t.to_file();
        let back = exported.build().unwrap().apply_all(&down).unwrap();
        assert_eq!(contents(&back), contents(&t));
        let ups = |t: &Topology| {
            let links: BTreeMap<String, bool> = (0..t.link_count() as u32)
                .map(pce_engine::topology::LinkId)
                .map(|l| (t.link_name(l), t.link_up(l)))
                .collect();
            let nodes: BTreeMap<String, bool> =
                t.nodes().iter().map(|n| (n.name.clone(), n.up)).collect();
            (links, nodes)
        };
        assert_eq!(ups(&back), ups(&t));
        assert_eq!(
            down.len(),
            events
                .iter()
                .map(|e| match e {
                    TopologyEvent::Link { one_way: true, .. } | TopologyEvent::NodeState { .. } =>
                        1,
                    _ => 2,
                })
                .sum::<usize>()
        );
    }
}
