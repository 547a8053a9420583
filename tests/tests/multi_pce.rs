//! Several PCE cores and simulated PCCs in memory, with explicit time: the
//! draft's split-brain scenarios (DIGEST §9) as acceptance tests.

#[path = "multi_pce/net.rs"]
mod net;

use std::net::IpAddr;

use net::Net;
use pce_engine::pce::{PceConfig, PeerPce, StateSync};
use pce_tools::sim::{DisjointGroup, SimLsp};

const PCE1: &str = "192.0.2.101";
const PCE2: &str = "192.0.2.102";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// An LSP of the disjoint group {2, 1, 192.0.2.100} between two routers.
fn member(name: &str, from: &str, to: &str) -> SimLsp {
    SimLsp {
        disjoint_group: Some(DisjointGroup::link(1, ip("192.0.2.100"), false)),
        ..SimLsp::delegated(name, from.parse().unwrap(), to.parse().unwrap())
    }
}

/// Scenario 5's layout: PCC1 sessions to PCE1 (delegating) and PCE2, PCC3
/// to PCE2 (delegating) and PCE1; both LSPs configured at the same time.
/// Returns (PCC1, LSP1, PCC3, LSP2).
fn scenario_5_layout(net: &mut Net) -> (usize, u32, usize, u32) {
    let pcc1 = net.add_pcc("192.0.2.1", &[0, 1]);
    let pcc3 = net.add_pcc("192.0.2.3", &[1, 0]);
    for (pcc, slot) in [(pcc1, 0), (pcc1, 1), (pcc3, 0), (pcc3, 1)] {
        net.pcc_up(pcc, slot);
    }
    assert!(net.run(1000));
    let l1 = net.pccs[pcc1].add_lsp(member("lsp1", "10.0.0.1", "10.0.0.2"));
    let l2 = net.pccs[pcc3].add_lsp(member("lsp2", "10.0.0.3", "10.0.0.4"));
    (pcc1, l1, pcc3, l2)
}

/// Example 1's layout: PCC1 on PCE 0 only, PCC3 on PCE 1 only, both LSPs
/// (one disjoint group) configured. Returns (PCC1, LSP1, PCC3, LSP2).
fn example_1_layout(net: &mut Net) -> (usize, u32, usize, u32) {
    let pcc1 = net.add_pcc("192.0.2.1", &[0]);
    let pcc3 = net.add_pcc("192.0.2.3", &[1]);
    net.pcc_up(pcc1, 0);
    net.pcc_up(pcc3, 0);
    let l1 = net.pccs[pcc1].add_lsp(member("lsp1", "10.0.0.1", "10.0.0.2"));
    let l2 = net.pccs[pcc3].add_lsp(member("lsp2", "10.0.0.3", "10.0.0.4"));
    (pcc1, l1, pcc3, l2)
}

/// Scenario 5 (Topology B) without state-sync: PCC1 delegates LSP1 to
/// PCE1, PCC3 delegates LSP2 to PCE2, each reports to both. Each PCE makes
/// its LSP disjoint from the other's current path, and they chase each
/// other forever: the network never goes quiet and the updates keep coming.
#[test]
fn scenario_5_loops_without_state_sync() {
    let mut net = Net::new(
        "draft-topology-b.json",
        vec![
            (ip(PCE1), PceConfig::default()),
            (ip(PCE2), PceConfig::default()),
        ],
    );
    let (pcc1, l1, pcc3, l2) = scenario_5_layout(&mut net);
    let quiet = net.run(3000);
    assert!(!quiet, "a computation loop never goes quiet");
    let (u1, u2) = (net.updates_of(pcc1, l1), net.updates_of(pcc3, l2));
    assert!(
        u1 > 20 && u2 > 20,
        "paths keep flapping: {u1} and {u2} updates"
    );
}

fn sync_config(me: &str, priority: u32, peer: &str, peer_priority: u32) -> PceConfig {
    PceConfig {
        state_sync: Some(StateSync::new(
            ip(me),
            priority,
            vec![PeerPce {
                address: ip(peer),
                priority: peer_priority,
            }],
        )),
        ..PceConfig::default()
    }
}

/// Two PCEs with a state-sync session on `topology`, priorities given.
fn two_pces(topology: &str, p1: u32, p2: u32) -> Net {
    let mut net = Net::new(
        topology,
        vec![
            (ip(PCE1), sync_config(PCE1, p1, PCE2, p2)),
            (ip(PCE2), sync_config(PCE2, p2, PCE1, p1)),
        ],
    );
    net.pce_up(0, 1, true);
    net
}

/// No LSP is controlled (computed) by two PCEs at once.
fn single_controller(net: &Net) {
    let mut holders: std::collections::HashMap<_, Vec<usize>> = std::collections::HashMap::new();
    for (i, pce) in net.pces.iter().enumerate() {
        for key in pce.lspdb().keys() {
            if pce.lspdb().get(&key).is_some_and(|e| e.control.delegated) {
                holders.entry(key).or_default().push(i);
            }
        }
    }
    for (key, h) in holders {
        assert!(h.len() <= 1, "{key:?} is controlled by PCEs {h:?}");
    }
    // And no PCE had to complain about another.
    for (i, pce) in net.pces.iter().enumerate() {
        assert_eq!(pce.counters().errors_sent, 0, "PCE {i} sent a PCErr");
    }
}

/// Example 2 (scenario 5's layout with state-sync and priorities, Topology
/// B): PCE1 (200) computes; PCE2 sub-delegates LSP2 to it. The first joint
/// computation gives LSP1 = R1-PCC2 and LSP2 = R3-PCC4 (total 13) and
/// nothing moves after: quiet, at most 2 updates per LSP.
#[test]
fn example_2_state_sync_stops_the_loop() {
    let mut net = two_pces("draft-topology-b.json", 200, 100);
    let (pcc1, l1, pcc3, l2) = scenario_5_layout(&mut net);
    assert!(net.run(3000), "converges");
    assert_eq!(net.path(pcc1, l1), ["10.0.0.5", "10.0.0.2"]);
    assert_eq!(net.path(pcc3, l2), ["10.0.0.6", "10.0.0.4"]);
    assert!(net.updates_of(pcc1, l1) <= 2, "{:?}", net.updates);
    assert!(net.updates_of(pcc3, l2) <= 2, "{:?}", net.updates);
    // LSP2 was computed by PCE1 and relayed by PCE2.
    assert!(net.pces[1].counters().relayed_updates >= 1);
    assert!(net.pces[1].counters().forwarded_reports >= 1);
    single_controller(&net);
}

/// Example 1 (Topology A): PCC1 only on PCE1, PCC3 only on PCE2; PCE2
/// (200) computes both; LSP1 = R1-R2-PCC2, LSP2 = R3-R4-PCC4 (total 15).
#[test]
fn example_1_sub_delegation_and_relayed_update() {
    let mut net = two_pces("draft-topology-a.json", 100, 200);
    let pcc1 = net.add_pcc("192.0.2.1", &[0]);
    let pcc3 = net.add_pcc("192.0.2.3", &[1]);
    net.pcc_up(pcc1, 0);
    net.pcc_up(pcc3, 0);
    assert!(net.run(1000));
    let l1 = net.pccs[pcc1].add_lsp(member("lsp1", "10.0.0.1", "10.0.0.2"));
    assert!(net.run(3000));
    // LSP1 alone: its shortest path, computed by PCE2 through PCE1.
    assert_eq!(
        net.path(pcc1, l1),
        ["10.0.0.5", "10.0.0.7", "10.0.0.8", "10.0.0.6", "10.0.0.2"]
    );
    let l2 = net.pccs[pcc3].add_lsp(member("lsp2", "10.0.0.3", "10.0.0.4"));
    assert!(net.run(3000));
    assert_eq!(net.path(pcc1, l1), ["10.0.0.5", "10.0.0.6", "10.0.0.2"]);
    assert_eq!(net.path(pcc3, l2), ["10.0.0.7", "10.0.0.8", "10.0.0.4"]);
    // PCE1 never computed: every update of LSP1 came through it.
    assert_eq!(net.pces[0].counters().computations, 0);
    assert_eq!(
        net.pces[0].counters().relayed_updates as usize,
        net.updates_of(pcc1, l1)
    );
    // The PCC's acknowledgements reached PCE2: nothing pending there.
    let pce2 = &net.pces[1];
    for key in pce2.lspdb().keys() {
        assert_eq!(
            pce2.lspdb().get(&key).unwrap().control.pending_srp,
            None,
            "{key:?}"
        );
    }
    single_controller(&net);
}

/// The computing PCE goes away (state-sync session down): PCE1 takes back
/// the LSP it had sub-delegated (next highest: itself). What PCE2 taught it
/// stays for the grace period (the State Timeout), so LSP1 stays disjoint
/// from LSP2's path: paths stay, nothing is lost, nothing is controlled
/// twice. After the grace period LSP2 is gone from PCE1. When the session
/// returns the PCEs resync and PCE2 computes again, paths unchanged.
#[test]
fn losing_the_computing_pce_and_resync() {
    let mut net = Net::new(
        "draft-topology-a.json",
        vec![
            (ip(PCE1), sync_config(PCE1, 100, PCE2, 200)),
            (ip(PCE2), sync_config(PCE2, 200, PCE1, 100)),
        ],
    );
    let (s1, _) = net.pce_up(0, 1, true);
    let (pcc1, l1, pcc3, l2) = example_1_layout(&mut net);
    assert!(net.run(3000));
    let before = (net.path(pcc1, l1), net.path(pcc3, l2));
    let updates = net.updates.len();
    net.pce_down(0, s1);
    assert!(net.run(3000));
    single_controller(&net);
    let key1 = net.pces[0]
        .lspdb()
        .by_name(pce_engine::lspdb::PccId::Addr(ip("192.0.2.1")), b"lsp1")
        .unwrap();
    let c = net.pces[0].lspdb().get(&key1).unwrap().control.clone();
    assert!(
        c.delegated && c.inter().sub_delegated_to.is_none(),
        "PCE1 took LSP1 back: {c:?}"
    );
    assert_eq!(
        net.pces[0].lspdb().len(),
        2,
        "LSP2 kept during the grace period"
    );
    assert_eq!((net.path(pcc1, l1), net.path(pcc3, l2)), before);
    assert_eq!(net.updates.len(), updates, "nothing moved");
    net.advance(std::time::Duration::from_secs(61));
    assert_eq!(
        net.pces[0].lspdb().len(),
        1,
        "then PCE2's LSP is gone from PCE1"
    );
    // Back: resync, PCE2 computes both again, disjoint.
    net.pce_up(0, 1, true);
    assert!(net.run(3000));
    single_controller(&net);
    assert_eq!(net.pces[0].lspdb().len(), 2);
    assert_eq!(net.pces[1].lspdb().len(), 2);
    assert_eq!((net.path(pcc1, l1), net.path(pcc3, l2)), before);
}

/// Motivation B, delegation drift (DIGEST §9.2): PCC3 loses its session to
/// PCE1 and delegates LSP2 to PCE2. With state-sync PCE2 sub-delegates it
/// to PCE1, which keeps computing the whole group: no split-brain, the
/// paths do not move.
#[test]
fn delegation_drift_does_not_split_the_group() {
    let mut net = two_pces("draft-topology-a.json", 200, 100);
    let pcc1 = net.add_pcc("192.0.2.1", &[0]);
    let pcc3 = net.add_pcc("192.0.2.3", &[0, 1]);
    net.pcc_up(pcc1, 0);
    net.pcc_up(pcc3, 0);
    net.pcc_up(pcc3, 1);
    let l1 = net.pccs[pcc1].add_lsp(member("lsp1", "10.0.0.1", "10.0.0.2"));
    let l2 = net.pccs[pcc3].add_lsp(member("lsp2", "10.0.0.3", "10.0.0.4"));
    assert!(net.run(3000));
    let disjoint = (net.path(pcc1, l1), net.path(pcc3, l2));
    assert_eq!(disjoint.0, ["10.0.0.5", "10.0.0.6", "10.0.0.2"]);
    let updates = net.updates.len();
    net.pcc_down(pcc3, 0);
    assert!(net.run(3000));
    assert_eq!(
        net.pccs[pcc3].delegate(),
        Some(1),
        "PCC3 now delegates to PCE2"
    );
    let key2 = net.pces[1]
        .lspdb()
        .by_name(pce_engine::lspdb::PccId::Addr(ip("192.0.2.3")), b"lsp2")
        .unwrap();
    let c = net.pces[1].lspdb().get(&key2).unwrap().control.clone();
    assert_eq!(c.inter().sub_delegated_to, Some(ip(PCE1)), "{c:?}");
    assert_eq!((net.path(pcc1, l1), net.path(pcc3, l2)), disjoint);
    assert_eq!(net.updates.len(), updates, "nothing moved");
    single_controller(&net);
}

const PCE3: &str = "192.0.2.103";

fn mesh_config(me: &str, priority: u32, peers: &[(&str, u32)]) -> PceConfig {
    PceConfig {
        state_sync: Some(StateSync::new(
            ip(me),
            priority,
            peers
                .iter()
                .map(|(a, p)| PeerPce {
                    address: ip(a),
                    priority: *p,
                })
                .collect(),
        )),
        ..PceConfig::default()
    }
}

/// Example 3 (Topology A, partial mesh): PCE1-PCE2 and PCE2-PCE3 only.
/// PCE2 does not pass LSP1 on to PCE3 (no transit) and, PCE3 being higher,
/// does not compute it either (no second sub-delegation); PCE3 computes
/// LSP2 alone: the shortest path. Disjointness is not achieved, and there
/// is no loop.
#[test]
fn example_3_partial_mesh_no_transit_no_loop() {
    let peers = [(PCE1, 100), (PCE2, 200), (PCE3, 300)];
    let others = |me: &str| -> Vec<(&str, u32)> {
        peers.iter().filter(|(a, _)| *a != me).copied().collect()
    };
    let mut net = Net::new(
        "draft-topology-a.json",
        vec![
            (ip(PCE1), mesh_config(PCE1, 100, &others(PCE1))),
            (ip(PCE2), mesh_config(PCE2, 200, &others(PCE2))),
            (ip(PCE3), mesh_config(PCE3, 300, &others(PCE3))),
        ],
    );
    net.pce_up(0, 1, true);
    net.pce_up(1, 2, true);
    let (pcc1, l1, pcc3, l2) = example_1_layout(&mut net);
    assert!(net.run(3000), "no loop");
    assert_eq!(net.pces[2].lspdb().len(), 1, "PCE3 never hears of LSP1");
    assert_eq!(net.updates_of(pcc1, l1), 0, "LSP1 has no computing PCE");
    assert_eq!(net.path(pcc3, l2), ["10.0.0.7", "10.0.0.8", "10.0.0.4"]);
    assert_eq!(
        net.pces[1].counters().computations,
        0,
        "PCE2 computes nothing"
    );
    single_controller(&net);
}

/// LSP "init" on PCC3, from 10.0.0.3 to 10.0.0.4, RSVP-TE.
fn init_on_pcc3() -> pce_engine::pce::InitiateSpec {
    pce_engine::pce::InitiateSpec {
        pcc: ip("192.0.2.3"),
        name: "init".into(),
        source: ip("10.0.0.3"),
        destination: ip("10.0.0.4"),
        setup: pcep::wire::PathSetupType::RSVP_TE,
        attributes: pcep::wire::Attributes::default(),
        color: None,
        disjoint_group: None,
    }
}

/// §3.7: PCE1 initiates an LSP on PCC3, with which only PCE2 has a
/// session: PCE2 creates it for PCE1, the PCC's report reaches PCE1 through
/// PCE2 with D=1, and PCE1 (the initiator) keeps control.
#[test]
fn pce_initiated_lsp_through_a_peer() {
    let mut net = two_pces("draft-topology-a.json", 100, 200);
    let pcc3 = net.add_pcc("192.0.2.3", &[1]);
    net.pcc_up(pcc3, 0);
    assert!(net.run(1000));
    let srp = net.pces[0].initiate(init_on_pcc3()).unwrap();
    assert_ne!(srp, 0);
    assert!(net.run(1000));
    let lsp = net.pccs[pcc3]
        .lsps()
        .find(|l| l.name == "init")
        .cloned()
        .unwrap();
    assert_eq!(
        lsp.initiated_by,
        Some(0),
        "created on PCC3's session with PCE2"
    );
    assert_eq!(
        net.path(pcc3, lsp.plsp_id),
        ["10.0.0.7", "10.0.0.8", "10.0.0.4"]
    );
    let owner = pce_engine::lspdb::PccId::Addr(ip("192.0.2.3"));
    let k1 = net.pces[0].lspdb().by_name(owner, b"init").unwrap();
    let c1 = net.pces[0].lspdb().get(&k1).unwrap().control.clone();
    assert!(
        c1.initiated && c1.delegated && c1.inter().delegated_by == Some(ip(PCE2)),
        "{c1:?}"
    );
    let k2 = net.pces[1].lspdb().by_name(owner, b"init").unwrap();
    let c2 = net.pces[1].lspdb().get(&k2).unwrap().control.clone();
    assert_eq!(c2.inter().sub_delegated_to, Some(ip(PCE1)), "{c2:?}");
    single_controller(&net);
}

/// §3.7 and RFC 8281 §5.2: PCE1 deletes the LSP it initiated on PCC3
/// through PCE2 (it has no session with PCC3): PCE2 relays the R=1
/// PCInitiate, PCC3 removes the LSP, and neither PCE holds it any more.
#[test]
fn pce_initiated_lsp_deleted_through_a_peer() {
    let mut net = two_pces("draft-topology-a.json", 100, 200);
    let pcc3 = net.add_pcc("192.0.2.3", &[1]);
    net.pcc_up(pcc3, 0);
    assert!(net.run(1000));
    let spec = init_on_pcc3();
    net.pces[0].initiate(spec.clone()).unwrap();
    assert!(net.run(1000));
    assert!(net.pccs[pcc3].lsps().any(|l| l.name == "init"));
    // PCE2 did not initiate it: it cannot delete it.
    assert!(net.pces[1]
        .delete_initiated(ip("192.0.2.3"), "init")
        .is_err());
    let srp = net.pces[0]
        .delete_initiated(ip("192.0.2.3"), "init")
        .unwrap();
    assert_ne!(srp, 0, "sent through PCE2");
    assert!(net.run(1000));
    assert!(
        !net.pccs[pcc3].lsps().any(|l| l.name == "init"),
        "removed on the PCC"
    );
    let owner = pce_engine::lspdb::PccId::Addr(ip("192.0.2.3"));
    for pce in &net.pces {
        assert_eq!(pce.lspdb().by_name(owner, b"init"), None);
    }
    // The name is free again, and an LSP of that name PCE2 initiates is
    // its own (not PCE1's any more).
    net.pces[1].initiate(spec).unwrap();
    assert!(net.run(1000));
    let k2 = net.pces[1].lspdb().by_name(owner, b"init").unwrap();
    let c2 = net.pces[1].lspdb().get(&k2).unwrap().control.clone();
    assert!(c2.initiated && c2.delegated, "{c2:?}");
    single_controller(&net);
}

/// §3.6: PCC1 (on PCE1 only) asks for a path for LSP1, which PCE2
/// computes: PCE1 forwards the PCReq to PCE2 and relays its PCRep back,
/// with PCC1's Request-ID and no SPEAKER-ENTITY-ID.
#[test]
fn pcreq_for_an_lsp_computed_by_a_peer_is_forwarded() {
    let mut net = two_pces("draft-topology-a.json", 100, 200);
    let pcc1 = net.add_pcc("192.0.2.1", &[0]);
    net.pcc_up(pcc1, 0);
    let l1 = net.pccs[pcc1].add_lsp(member("lsp1", "10.0.0.1", "10.0.0.2"));
    assert!(net.run(2000));
    let req = pcep::wire::PcReq {
        svecs: vec![],
        requests: vec![pcep::wire::Request {
            lsp: Some(pcep::wire::object::Lsp {
                plsp_id: l1,
                ..pcep::wire::object::Lsp::default()
            }),
            ..pcep::wire::Request::new(
                pcep::wire::object::Rp {
                    header: pcep::wire::object::HeaderFlags::PROCESSING,
                    rp_flags: 0,
                    request_id: 4242,
                    tlvs: vec![],
                },
                pcep::wire::object::EndPoints::Ipv4 {
                    header: pcep::wire::object::HeaderFlags::PROCESSING,
                    source: "10.0.0.1".parse().unwrap(),
                    destination: "10.0.0.2".parse().unwrap(),
                },
            )
        }],
    };
    net.pcc_sends(pcc1, 0, pcep::wire::Message::PcReq(req));
    assert!(net.run(1000));
    assert_eq!(net.pces[0].counters().forwarded_requests, 1);
    assert_eq!(net.pces[1].counters().requests, 1, "PCE2 computed it");
    let (to, rep) = net.replies.last().unwrap();
    assert_eq!(*to, pcc1);
    let r = &rep.responses[0];
    assert_eq!(r.rp.request_id, 4242);
    assert!(r.lsp.as_ref().unwrap().speaker_entity_id().is_none());
    assert_eq!(r.paths.len(), 1, "{r:?}");
}

/// A priority reload (SIGHUP in `pce serve`): PCE1 becomes the highest on
/// both sides; PCE2 hands LSP2 over by sub-delegating it, PCE1 stops
/// sub-delegating LSP1; one PCE still computes both, paths unchanged.
#[test]
fn priority_reload_moves_the_computation() {
    let mut net = two_pces("draft-topology-a.json", 100, 200);
    let (pcc1, l1, pcc3, l2) = example_1_layout(&mut net);
    assert!(net.run(3000));
    let before = (net.path(pcc1, l1), net.path(pcc3, l2));
    net.pces[0].reload_state_sync(sync_config(PCE1, 300, PCE2, 200).state_sync);
    net.pces[1].reload_state_sync(sync_config(PCE2, 200, PCE1, 300).state_sync);
    assert!(net.run(3000));
    let owner3 = pce_engine::lspdb::PccId::Addr(ip("192.0.2.3"));
    let k2 = net.pces[1].lspdb().by_name(owner3, b"lsp2").unwrap();
    assert_eq!(
        net.pces[1]
            .lspdb()
            .get(&k2)
            .unwrap()
            .control
            .inter()
            .sub_delegated_to,
        Some(ip(PCE1))
    );
    let k1 = net.pces[0]
        .lspdb()
        .by_name(pce_engine::lspdb::PccId::Addr(ip("192.0.2.1")), b"lsp1")
        .unwrap();
    let c1 = net.pces[0].lspdb().get(&k1).unwrap().control.clone();
    assert!(
        c1.delegated && c1.inter().sub_delegated_to.is_none(),
        "{c1:?}"
    );
    assert_eq!((net.path(pcc1, l1), net.path(pcc3, l2)), before);
    single_controller(&net);
}
