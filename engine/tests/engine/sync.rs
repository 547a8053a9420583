//! State-sync rules on one core, message by message (DIGEST §9.10): who
//! may be a state-sync peer, the initial sync, SPEAKER-ENTITY-ID, the
//! freshness rules, forwarding and its limits, priority and tie-break.

use std::net::IpAddr;
use std::sync::Arc;

use pce_engine::lspdb::{LspDb, LspKey, PccId, Source};
use pce_engine::pce::{
    owner_id, GroupPriority, Output, Pce, PceConfig, PeerPce, SessionId, StateSync,
};
use pcep::session::Negotiated;
use pcep::wire::object::{Lsp, Open};
use pcep::wire::tlv::{StatefulCapability, Tlv};
use pcep::wire::{Message, PcErrCode, PcRpt, StateReport, StateSyncCodepoints};

use super::support::load;

const ME: &str = "192.0.2.101";
const PEER: &str = "192.0.2.102";
const PCC: &str = "192.0.2.1";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn core(priority: u32, peer_priority: u32) -> Pce {
    let mut ss = StateSync::new(
        ip(ME),
        priority,
        vec![PeerPce {
            address: ip(PEER),
            priority: peer_priority,
        }],
    );
    ss.group_priorities.push(GroupPriority {
        association_type: 2,
        source: ip("0.0.0.0"),
        ids: (301, 500),
        priorities: vec![(ip(PEER), 300)],
    });
    Pce::new(
        PceConfig {
            state_sync: Some(ss),
            ..PceConfig::default()
        },
        Arc::new(load("draft-topology-a.json")),
        LspDb::new(),
    )
}

fn open(inter_pce: bool) -> Open {
    let mut f = StatefulCapability::UPDATE;
    if inter_pce {
        f |= StateSyncCodepoints::default().inter_pce_capability_mask;
    }
    Open {
        tlvs: vec![Tlv::StatefulPceCapability(StatefulCapability(f))],
        ..Open::default()
    }
}

fn negotiated(local: bool, remote: bool) -> Negotiated {
    Negotiated::new(&open(local), &open(remote), &StateSyncCodepoints::default())
}

const SP: SessionId = SessionId(1);
const SC: SessionId = SessionId(2);

fn drain(pce: &mut Pce) -> Vec<(SessionId, Message)> {
    std::iter::from_fn(|| pce.poll_output())
        .filter_map(|o| match o {
            Output::Send { session, message } => Some((session, message)),
            Output::Close { .. } => None,
        })
        .collect()
}

fn reports_to(out: &[(SessionId, Message)], s: SessionId) -> Vec<StateReport> {
    out.iter()
        .filter(|(x, _)| *x == s)
        .filter_map(|(_, m)| match m {
            Message::PcRpt(r) => Some(r.reports.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn errors(out: &[(SessionId, Message)]) -> Vec<PcErrCode> {
    out.iter()
        .filter_map(|(_, m)| match m {
            Message::PcErr(e) => Some(e.errors[0].errors[0].code()),
            _ => None,
        })
        .collect()
}

fn report(plsp_id: u32, name: &str, delegate: bool, version: Option<u64>) -> StateReport {
    let mut tlvs = vec![
        Tlv::SymbolicPathName(name.as_bytes().to_vec().into()),
        identifiers(),
    ];
    if let Some(v) = version {
        tlvs.push(Tlv::LspDbVersion(v));
    }
    StateReport {
        lsp: Lsp {
            plsp_id,
            delegate,
            administrative: true,
            tlvs,
            ..Lsp::default()
        },
        ..StateReport::default()
    }
}

/// As a peer forwards it: owner named, ORIGINAL-LSP-DB-VERSION.
fn forwarded(plsp_id: u32, name: &str, delegate: bool, version: Option<u64>) -> StateReport {
    let mut r = report(plsp_id, name, delegate, None);
    r.lsp
        .tlvs
        .push(Tlv::SpeakerEntityId(owner_id(PccId::Addr(ip(PCC)))));
    if let Some(v) = version {
        r.lsp.tlvs.push(Tlv::OriginalLspDbVersion(v));
    }
    r
}

fn eos() -> StateReport {
    StateReport {
        lsp: Lsp::end_of_sync(),
        ..StateReport::default()
    }
}

/// The state-sync peer (SP), then the PCC (SC), come up.
fn both_up(pce: &mut Pce) {
    pce.session_up(SP, ip(PEER), negotiated(true, true));
    pce.session_up(SC, ip(PCC), negotiated(false, false));
}

/// The PCC reports `reports`, then its end-of-sync marker.
fn pcc_sync(pce: &mut Pce, mut reports: Vec<StateReport>) {
    reports.push(eos());
    pce.handle_message(SC, Message::PcRpt(PcRpt { reports }));
}

/// The peer announces PCC `pcc` (PCNtf, Add PCC's Open Information): it may
/// then report its LSPs.
fn announce(pce: &mut Pce, pcc: &str) {
    pce.handle_message(SP, pcc_info(&owner_id(PccId::Addr(ip(pcc))), vec![]));
}

/// The peer sends `reports` in one PCRpt; what the PCE sends back.
fn from_peer(pce: &mut Pce, reports: Vec<StateReport>) -> Vec<(SessionId, Message)> {
    pce.handle_message(SP, Message::PcRpt(PcRpt { reports }));
    drain(pce)
}

fn key(plsp_id: u32) -> LspKey {
    LspKey {
        pcc: PccId::Addr(ip(PCC)),
        plsp_id,
    }
}

#[test]
fn only_configured_peers_become_state_sync_peers() {
    let mut pce = core(100, 200);
    // An unknown address that negotiated the capability: an ordinary
    // session (draft §3.1.1), neither refused nor synchronized.
    let stranger = ip("198.51.100.7");
    pce.session_up(SP, stranger, negotiated(true, true));
    let out: Vec<Output> = std::iter::from_fn(|| pce.poll_output()).collect();
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(pce.counters().peer_sessions, 0);
    pce.handle_message(
        SP,
        Message::PcRpt(PcRpt {
            reports: vec![report(3, "x", false, Some(1)), eos()],
        }),
    );
    let out = drain(&mut pce);
    assert!(errors(&out).is_empty(), "{out:?}");
    assert_eq!(
        pce.lspdb().of_pcc(PccId::Addr(stranger)).len(),
        1,
        "its own LSPs"
    );
    // A configured peer without the capability on one side: an ordinary
    // session, no sync sent to it.
    pce.session_up(SessionId(5), ip(PEER), negotiated(true, false));
    assert!(drain(&mut pce).is_empty());
    assert_eq!(pce.counters().peer_sessions, 0);
}

#[test]
fn initial_sync_sends_pcc_learned_lsps_with_their_owner_then_the_marker() {
    let mut pce = core(100, 200);
    pce.session_up(SC, ip(PCC), negotiated(false, false));
    pcc_sync(&mut pce, vec![report(7, "a", false, Some(3))]);
    drain(&mut pce);
    pce.session_up(SP, ip(PEER), negotiated(true, true));
    let out = drain(&mut pce);
    // The PCC's Open information comes first.
    assert!(matches!(&out[0].1, Message::PcNtf(_)), "{out:?}");
    let r = reports_to(&out, SP);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].lsp.plsp_id, 7, "the PCC's PLSP-ID, unchanged");
    assert!(r[0].lsp.sync);
    assert_eq!(r[0].lsp.speaker_entity_id().unwrap().as_ref(), b"192.0.2.1");
    assert_eq!(r[0].lsp.original_db_version(), Some(3));
    assert!(r[1].lsp.is_end_of_sync());
}

/// A peer that comes up late gets the initial synchronization (S=1
/// reports, then the end-of-sync marker) before any other report, here
/// the sub-delegation to it of an LSP we computed while it was away.
#[test]
fn a_late_peer_gets_its_synchronization_before_any_other_report() {
    let mut pce = core(100, 200);
    pce.session_up(SC, ip(PCC), negotiated(false, false));
    pcc_sync(&mut pce, vec![report(7, "a", true, Some(3))]);
    drain(&mut pce);
    assert!(pce.lspdb().get(&key(7)).unwrap().control.delegated);
    pce.session_up(SP, ip(PEER), negotiated(true, true));
    let r = reports_to(&drain(&mut pce), SP);
    let end = r
        .iter()
        .position(|r| r.lsp.is_end_of_sync())
        .expect("the end-of-sync marker");
    assert!(r[..end].iter().all(|r| r.lsp.sync), "{r:?}");
    assert_eq!(r[0].lsp.plsp_id, 7);
    // Then the sub-delegation to the higher-priority peer.
    let after: Vec<_> = r[end + 1..]
        .iter()
        .map(|r| (r.lsp.plsp_id, r.lsp.sync, r.lsp.delegate))
        .collect();
    assert_eq!(after, [(7, false, true)]);
    assert_eq!(sub_delegated_to(&pce, 7), Some(ip(PEER)));
}

#[test]
fn missing_speaker_entity_id_is_discarded_with_pcerr() {
    let mut pce = core(100, 200);
    pce.session_up(SP, ip(PEER), negotiated(true, true));
    drain(&mut pce);
    pce.handle_message(
        SP,
        Message::PcRpt(PcRpt {
            reports: vec![report(7, "a", false, Some(3))],
        }),
    );
    let out = drain(&mut pce);
    assert_eq!(errors(&out), [PcErrCode::new(6, 23)]);
    assert!(pce.lspdb().is_empty());
}

#[test]
fn freshness_and_removal_from_every_source() {
    let mut pce = core(100, 200);
    pce.session_up(SC, ip(PCC), negotiated(false, false));
    pce.session_up(SP, ip(PEER), negotiated(true, true));
    announce(&mut pce, PCC);
    pcc_sync(&mut pce, vec![report(7, "a", false, Some(101))]);
    drain(&mut pce);
    let sources = |pce: &Pce| {
        pce.lspdb()
            .get(&key(7))
            .map(|e| e.control.inter().sources.clone())
    };
    // An older version from the peer: ignored.
    pce.handle_message(
        SP,
        Message::PcRpt(PcRpt {
            reports: vec![forwarded(7, "a", false, Some(100))],
        }),
    );
    assert_eq!(sources(&pce), Some(vec![Source::Pcc]));
    // The same version: the peer is added as a source.
    pce.handle_message(
        SP,
        Message::PcRpt(PcRpt {
            reports: vec![forwarded(7, "a", false, Some(101))],
        }),
    );
    assert_eq!(
        sources(&pce),
        Some(vec![Source::Pcc, Source::Peer(ip(PEER))])
    );
    // A newer one: it replaces the state and the sources.
    pce.handle_message(
        SP,
        Message::PcRpt(PcRpt {
            reports: vec![forwarded(7, "a", false, Some(102))],
        }),
    );
    assert_eq!(sources(&pce), Some(vec![Source::Peer(ip(PEER))]));
    assert_eq!(
        pce.lspdb().get(&key(7)).unwrap().control.inter().version,
        Some(102)
    );
    // R=1 from the only source left: gone.
    let mut gone = forwarded(7, "a", false, Some(103));
    gone.lsp.remove = true;
    pce.handle_message(
        SP,
        Message::PcRpt(PcRpt {
            reports: vec![gone],
        }),
    );
    assert_eq!(sources(&pce), None);
}

#[test]
fn reports_from_a_pcc_are_forwarded_and_reports_from_a_peer_are_not() {
    let mut pce = core(100, 200);
    pce.session_up(SP, ip(PEER), negotiated(true, true));
    drain(&mut pce);
    // What the peer sends is never sent back to it (nor to any peer: the
    // three-PCE no-transit case is in tests/tests/multi_pce.rs).
    pce.handle_message(
        SP,
        Message::PcRpt(PcRpt {
            reports: vec![forwarded(8, "b", false, Some(5)), eos()],
        }),
    );
    assert!(
        reports_to(&drain(&mut pce), SP).is_empty(),
        "no echo, no transit"
    );
    pce.session_up(SC, ip(PCC), negotiated(false, false));
    pcc_sync(&mut pce, vec![report(7, "a", true, Some(6))]);
    let out = drain(&mut pce);
    let fwd = reports_to(&out, SP);
    // The PCC's LSP is forwarded, D=1 (sub-delegated: the peer has the
    // higher priority), owner and version added; the peer-learned one is not.
    assert_eq!(fwd.len(), 1, "{fwd:?}");
    assert_eq!(fwd[0].lsp.plsp_id, 7);
    assert!(
        fwd[0].lsp.delegate,
        "sub-delegated to the higher-priority peer"
    );
    assert_eq!(fwd[0].lsp.original_db_version(), Some(6));
    let c = pce.lspdb().get(&key(7)).unwrap().control.clone();
    assert_eq!(c.inter().sub_delegated_to, Some(ip(PEER)));
    assert!(!c.delegated, "the sub-delegating PCE gives up control");
}

#[test]
fn a_peer_cannot_report_for_a_pcc_it_has_not_announced() {
    let mut pce = core(200, 100);
    pce.session_up(SP, ip(PEER), negotiated(true, true));
    drain(&mut pce);
    let refused = |pce: &Pce| pce.counters().peer_reports_refused;
    // Not announced: 20/7, nothing stored, nothing computed.
    let out = from_peer(&mut pce, vec![forwarded(7, "a", true, Some(1))]);
    assert_eq!(errors(&out), [PcErrCode::INVALID_SPEAKER_ENTITY_ID]);
    assert!(!out.iter().any(|(_, m)| matches!(m, Message::PcUpd(_))));
    assert!(pce.lspdb().get(&key(7)).is_none());
    assert_eq!(refused(&pce), 1);
    // Announced: accepted (and, sub-delegated to us, computed).
    announce(&mut pce, PCC);
    let out = from_peer(&mut pce, vec![forwarded(7, "a", true, Some(1)), eos()]);
    assert!(errors(&out).is_empty(), "{out:?}");
    assert!(pce.lspdb().get(&key(7)).is_some());
    // The PCC's session with the peer goes down (value 2): the peer still
    // speaks for what it taught us (the State Timeout keeps it there) and
    // may withdraw it, but it cannot add another LSP of that PCC.
    let mut gone = pcc_info(&owner_id(PccId::Addr(ip(PCC))), vec![]);
    if let Message::PcNtf(n) = &mut gone {
        n.notifications[0].notifications[0].notification_value = 2;
    }
    pce.handle_message(SP, gone);
    let out = from_peer(
        &mut pce,
        vec![
            forwarded(7, "a", false, Some(2)),
            forwarded(8, "b", false, Some(2)),
        ],
    );
    assert_eq!(errors(&out), [PcErrCode::INVALID_SPEAKER_ENTITY_ID]);
    assert_eq!(
        pce.lspdb().get(&key(7)).unwrap().control.inter().version,
        Some(2)
    );
    assert!(pce.lspdb().get(&key(8)).is_none());
    let mut withdraw = forwarded(7, "a", false, Some(3));
    withdraw.lsp.remove = true;
    from_peer(&mut pce, vec![withdraw]);
    assert!(pce.lspdb().get(&key(7)).is_none());
    assert_eq!(refused(&pce), 2);
    // A peer built to a revision without the relay: accepted when
    // configured so.
    let mut pce = core(200, 100);
    let mut ss = StateSync::new(
        ip(ME),
        200,
        vec![PeerPce {
            address: ip(PEER),
            priority: 100,
        }],
    );
    ss.accept_unannounced_pccs = true;
    pce.reload_state_sync(Some(ss));
    pce.session_up(SP, ip(PEER), negotiated(true, true));
    drain(&mut pce);
    let out = from_peer(&mut pce, vec![forwarded(7, "a", false, Some(1))]);
    assert!(errors(&out).is_empty(), "{out:?}");
    assert!(pce.lspdb().get(&key(7)).is_some());
}

/// The PCE an LSP of PCC1 is sub-delegated to.
fn sub_delegated_to(pce: &Pce, plsp_id: u32) -> Option<std::net::IpAddr> {
    pce.lspdb()
        .get(&key(plsp_id))
        .and_then(|e| e.control.inter().sub_delegated_to)
}

#[test]
fn equal_priorities_go_to_the_highest_address_and_groups_have_their_own() {
    // Equal priority: the peer (…102) outranks us (…101).
    let mut pce = core(100, 100);
    both_up(&mut pce);
    pcc_sync(&mut pce, vec![report(7, "a", true, Some(1))]);
    assert_eq!(sub_delegated_to(&pce, 7), Some(ip(PEER)));
    // We outrank the peer globally, but association IDs 301-500 from
    // source 0.0.0.0 belong to it (the draft's scaling example).
    let mut pce = core(300, 100);
    both_up(&mut pce);
    let mut grouped = report(7, "a", true, Some(1));
    grouped.associations = vec![pcep::wire::object::Association {
        header: pcep::wire::object::HeaderFlags::default(),
        association_flags: 0,
        association_type: pcep::wire::AssociationType::DISJOINT,
        association_id: 400,
        source: ip("0.0.0.0"),
        tlvs: vec![Tlv::DisjointnessConfiguration(
            pcep::wire::tlv::DisjointnessFlags(1),
        )],
    }];
    let plain = report(8, "b", true, Some(2));
    pcc_sync(&mut pce, vec![grouped, plain]);
    assert_eq!(sub_delegated_to(&pce, 7), Some(ip(PEER)));
    let c = pce.lspdb().get(&key(8)).unwrap().control.clone();
    assert_eq!(c.inter().sub_delegated_to, None);
    assert!(c.delegated, "we compute the LSP outside the peer's range");
}

/// §3.7: a PCInitiate relayed by a peer for a head end this PCE has no
/// session with either: PCErr 24/TBD5 (default 24/4), echoing the SRP.
#[test]
fn relayed_initiation_without_head_end_session_is_24_tbd5() {
    let mut pce = core(100, 200);
    pce.session_up(SP, ip(PEER), negotiated(true, true));
    drain(&mut pce);
    let mut lsp = Lsp {
        tlvs: vec![
            Tlv::SymbolicPathName(b"x".to_vec().into()),
            Tlv::SpeakerEntityId(owner_id(PccId::Addr(ip("192.0.2.9")))),
        ],
        ..Lsp::default()
    };
    lsp.delegate = true;
    pce.handle_message(
        SP,
        Message::PcInitiate(pcep::wire::PcInitiate {
            requests: vec![pcep::wire::InitiateRequest {
                srp: pcep::wire::object::Srp {
                    srp_id: 77,
                    ..pcep::wire::object::Srp::default()
                },
                lsp,
                end_points: None,
                associations: vec![],
                ero: Some(pcep::wire::object::Ero::new(vec![])),
                attributes: pcep::wire::Attributes::default(),
                unknown: vec![],
            }],
        }),
    );
    let out = drain(&mut pce);
    assert_eq!(errors(&out), [PcErrCode::new(24, 4)]);
    assert!(out
        .iter()
        .any(|(_, m)| matches!(m, Message::PcErr(e) if e.errors[0].srps[0].srp_id == 77)));
}

/// Per-LSP priorities come before the group and global ones.
#[test]
fn per_lsp_priority_overrides_the_global_one() {
    let mut ss = StateSync::new(
        ip(ME),
        100,
        vec![PeerPce {
            address: ip(PEER),
            priority: 200,
        }],
    );
    ss.lsp_priorities.push(pce_engine::pce::LspPriority {
        pcc: ip(PCC),
        name: "gold".into(),
        priorities: vec![(ip(ME), 500)],
    });
    let mut pce = Pce::new(
        PceConfig {
            state_sync: Some(ss),
            ..PceConfig::default()
        },
        Arc::new(load("draft-topology-a.json")),
        LspDb::new(),
    );
    both_up(&mut pce);
    pce.handle_message(
        SC,
        Message::PcRpt(PcRpt {
            reports: vec![
                report(7, "gold", true, Some(1)),
                report(8, "lead", true, Some(1)),
                eos(),
            ],
        }),
    );
    let gold = pce.lspdb().get(&key(7)).unwrap().control.clone();
    assert!(
        gold.delegated && gold.inter().sub_delegated_to.is_none(),
        "{gold:?}"
    );
    let lead = pce.lspdb().get(&key(8)).unwrap().control.clone();
    assert_eq!(lead.inter().sub_delegated_to, Some(ip(PEER)));
}

fn update_for(plsp_id: u32, srp_id: u32, delegate: bool) -> Message {
    Message::PcUpd(pcep::wire::PcUpd {
        updates: vec![pcep::wire::UpdateRequest {
            srp: pcep::wire::object::Srp {
                srp_id,
                ..pcep::wire::object::Srp::default()
            },
            lsp: Lsp {
                plsp_id,
                delegate,
                tlvs: vec![Tlv::SpeakerEntityId(owner_id(PccId::Addr(ip(PCC))))],
                ..Lsp::default()
            },
            associations: vec![],
            ero: pcep::wire::object::Ero::new(vec![]),
            attributes: pcep::wire::Attributes::default(),
            unknown: vec![],
        }],
    })
}

/// A relayed update whose SR-ERO holds more segments than the head end's
/// MSD (from its Open) is refused back to the computing peer with 10/3
/// (RFC 8664 §6.2), never sent to the PCC; within the MSD it is relayed.
#[test]
fn a_relayed_update_beyond_the_head_ends_msd_is_refused_back() {
    use pcep::wire::object::{SrSubobject, Subobject};
    use pcep::wire::tlv::{PathSetupTypeCapability, SrPceCapability, SubTlv};
    let mut pce = core(100, 200);
    let mut pcc_open = open(false);
    pcc_open.tlvs.push(Tlv::PathSetupTypeCapability(Box::new(
        PathSetupTypeCapability {
            path_setup_types: vec![pcep::wire::PathSetupType::SR_TE],
            sub_tlvs: vec![SubTlv::SrPceCapability(SrPceCapability {
                flags: 0,
                msd: 2,
            })],
        },
    )));
    let cp = StateSyncCodepoints::default();
    pce.session_up(SP, ip(PEER), negotiated(true, true));
    pce.session_up(SC, ip(PCC), Negotiated::new(&open(false), &pcc_open, &cp));
    pcc_sync(&mut pce, vec![report(7, "a", true, Some(1))]);
    drain(&mut pce);
    assert_eq!(sub_delegated_to(&pce, 7), Some(ip(PEER)));
    let sr_update = |srp_id: u32, segments: u32| {
        let Message::PcUpd(mut m) = update_for(7, srp_id, true) else {
            unreachable!()
        };
        m.updates[0].ero = pcep::wire::object::Ero::new(
            (0..segments)
                .map(|i| {
                    Subobject::Sr(SrSubobject {
                        loose: false,
                        nai_type: 0,
                        sr_flags: 0x1, // M: the SID is an MPLS label
                        sid: Some((16_000 + i) << 12),
                        nai: None,
                    })
                })
                .collect(),
        );
        Message::PcUpd(m)
    };
    pce.handle_message(SP, sr_update(60, 3));
    let out = drain(&mut pce);
    assert!(
        out.iter().all(|(s, _)| *s == SP),
        "nothing to the PCC: {out:?}"
    );
    assert_eq!(errors(&out), [PcErrCode::SR_ERO_EXCEEDS_MSD]);
    assert!(
        matches!(&out[0].1, Message::PcErr(e) if e.errors[0].srps[0].srp_id == 60),
        "with the peer's SRP-ID: {out:?}"
    );
    pce.handle_message(SP, sr_update(61, 2));
    let out = drain(&mut pce);
    assert!(errors(&out).is_empty(), "{out:?}");
    assert!(sent_update(&out, SC), "{out:?}");
}

/// A peer may delete through us only an LSP we created for it: the PCC's
/// own LSP is 19/9, an unknown one 19/3, and neither reaches the PCC.
#[test]
fn a_peer_deletes_through_us_only_what_we_created_for_it() {
    let mut pce = core(100, 200);
    both_up(&mut pce);
    pcc_sync(&mut pce, vec![report(7, "a", false, Some(1))]);
    drain(&mut pce);
    let delete = |plsp_id: u32| {
        Message::PcInitiate(pcep::wire::PcInitiate {
            requests: vec![pcep::wire::InitiateRequest {
                srp: pcep::wire::object::Srp {
                    srp_id: 70 + plsp_id,
                    srp_flags: pcep::wire::object::Srp::REMOVE,
                    ..pcep::wire::object::Srp::default()
                },
                lsp: Lsp {
                    plsp_id,
                    tlvs: vec![Tlv::SpeakerEntityId(owner_id(PccId::Addr(ip(PCC))))],
                    ..Lsp::default()
                },
                end_points: None,
                associations: vec![],
                ero: None,
                attributes: pcep::wire::Attributes::default(),
                unknown: vec![],
            }],
        })
    };
    for (plsp_id, code) in [
        (7, PcErrCode::NOT_PCE_INITIATED),
        (9, PcErrCode::UNKNOWN_PLSP_ID),
    ] {
        pce.handle_message(SP, delete(plsp_id));
        let out = drain(&mut pce);
        assert!(out.iter().all(|(s, _)| *s == SP), "{out:?}");
        assert_eq!(errors(&out), [code]);
    }
    assert!(pce.lspdb().get(&key(7)).is_some());
}

fn pcerr_for(srp_id: u32) -> Message {
    Message::PcErr(pcep::wire::PcErr {
        errors: vec![pcep::wire::ErrorUnit {
            srps: vec![pcep::wire::object::Srp {
                srp_id,
                ..pcep::wire::object::Srp::default()
            }],
            errors: vec![pcep::wire::object::PcepError::new(PcErrCode::new(24, 3))],
            ..pcep::wire::ErrorUnit::default()
        }],
        open: None,
    })
}

/// The PCC refuses an update relayed for the computing peer: the PCErr goes
/// back to that peer with its SRP-ID; there, the update is no longer
/// pending and the error is on the LSP.
#[test]
fn a_refused_relayed_update_is_answered_back_to_the_computing_pce() {
    // The sub-delegating side.
    let mut pce = core(100, 200);
    both_up(&mut pce);
    pcc_sync(&mut pce, vec![report(7, "a", true, Some(1))]);
    drain(&mut pce);
    pce.handle_message(SP, update_for(7, 55, true));
    let out = drain(&mut pce);
    let local = out
        .iter()
        .find_map(|(s, m)| match m {
            Message::PcUpd(u) if *s == SC => Some(u.updates[0].srp.srp_id),
            _ => None,
        })
        .expect("relayed to the PCC");
    pce.handle_message(SC, pcerr_for(local));
    let out = drain(&mut pce);
    assert!(
        out.iter()
            .any(|(s, m)| *s == SP
                && matches!(m, Message::PcErr(e) if e.errors[0].srps[0].srp_id == 55)),
        "{out:?}"
    );

    // The computing side.
    let mut pce = core(200, 100);
    pce.session_up(SP, ip(PEER), negotiated(true, true));
    announce(&mut pce, PCC);
    let mut sub = forwarded(7, "a", true, Some(1));
    sub.lsp.tlvs.push(identifiers());
    pce.handle_message(
        SP,
        Message::PcRpt(PcRpt {
            reports: vec![sub, eos()],
        }),
    );
    let out = drain(&mut pce);
    let srp = out
        .iter()
        .find_map(|(_, m)| match m {
            Message::PcUpd(u) => Some(u.updates[0].srp.srp_id),
            _ => None,
        })
        .expect("the computing PCE updates it through the peer");
    assert_eq!(
        pce.lspdb().get(&key(7)).unwrap().control.pending_srp,
        Some(srp)
    );
    pce.handle_message(SP, pcerr_for(srp));
    let c = pce.lspdb().get(&key(7)).unwrap().control.clone();
    assert_eq!(c.pending_srp, None);
    assert_eq!(c.error, Some(PcErrCode::new(24, 3)));
}

/// A peer's refusal of an initiation it was to relay forgets that one
/// initiation: the same name initiated on another PCC is still this PCE's.
#[test]
fn a_refused_relayed_initiation_forgets_only_its_own_pcc() {
    let mut pce = core(100, 200);
    let caps = StatefulCapability::UPDATE | StatefulCapability::INSTANTIATION;
    let open_i = Open {
        tlvs: vec![Tlv::StatefulPceCapability(StatefulCapability(caps))],
        ..Open::default()
    };
    pce.session_up(SP, ip(PEER), negotiated(true, true));
    pce.handle_message(
        SP,
        Message::PcRpt(PcRpt {
            reports: vec![eos()],
        }),
    );
    pce.session_up(
        SC,
        ip(PCC),
        Negotiated::new(&open_i, &open_i, &StateSyncCodepoints::default()),
    );
    pcc_sync(&mut pce, vec![]);
    // The peer relays the Open of a PCC this PCE has no session with.
    let far = ip("192.0.2.9");
    pce.handle_message(
        SP,
        pcc_info(&owner_id(PccId::Addr(far)), open_i.tlvs.clone()),
    );
    drain(&mut pce);
    let spec = |pcc: &str| pce_engine::pce::InitiateSpec {
        pcc: ip(pcc),
        name: "x".into(),
        source: ip("10.0.0.1"),
        destination: ip("10.0.0.4"),
        setup: pcep::wire::PathSetupType::RSVP_TE,
        attributes: pcep::wire::Attributes::default(),
        color: None,
        disjoint_group: None,
    };
    pce.initiate(spec(PCC)).unwrap();
    let relayed = pce.initiate(spec("192.0.2.9")).unwrap();
    let out = drain(&mut pce);
    assert!(
        out.iter()
            .any(|(s, m)| *s == SP && matches!(m, Message::PcInitiate(_))),
        "relayed through the peer: {out:?}"
    );
    // The peer cannot create it.
    pce.handle_message(SP, pcerr_for(relayed));
    drain(&mut pce);
    // "x" on the far PCC is forgotten: it may be asked for again ...
    pce.initiate(spec("192.0.2.9")).unwrap();
    // ... while "x" on our own PCC still waits for its report.
    assert!(matches!(
        pce.initiate(spec(PCC)),
        Err(pce_engine::pce::CommandError::NameInUse { .. })
    ));
}

fn trigger(plsp_id: u32, owner: Option<&str>) -> Message {
    Message::PcUpd(pcep::wire::PcUpd {
        updates: vec![pcep::wire::UpdateRequest {
            srp: pcep::wire::object::Srp {
                srp_id: 9,
                ..Default::default()
            },
            lsp: Lsp {
                plsp_id,
                sync: true,
                tlvs: owner
                    .map(|o| vec![Tlv::SpeakerEntityId(owner_id(PccId::Addr(ip(o))))])
                    .unwrap_or_default(),
                ..Lsp::default()
            },
            ..pcep::wire::UpdateRequest::default()
        }],
    })
}

/// RFC 8232 §3.5 on a state-sync session (the draft lets the RFC 8232
/// procedures run there): with T on both sides a peer's trigger gets our
/// state again, all of it or one LSP, then the marker; without T, 20/4.
/// And we can ask a peer the same: what it does not report again is gone.
#[test]
fn a_peer_may_trigger_a_resynchronization_when_both_set_t() {
    let with_t = |t: bool| {
        let mut o = open(true);
        if t {
            o.tlvs = vec![Tlv::StatefulPceCapability(StatefulCapability(
                StatefulCapability::UPDATE
                    | StatefulCapability::TRIGGERED_RESYNC
                    | StateSyncCodepoints::default().inter_pce_capability_mask,
            ))];
        }
        Negotiated::new(&o, &o, &StateSyncCodepoints::default())
    };
    let mut pce = core(100, 200);
    pce.session_up(SC, ip(PCC), negotiated(false, false));
    pcc_sync(
        &mut pce,
        vec![
            report(7, "a", false, Some(3)),
            report(8, "b", false, Some(3)),
        ],
    );
    pce.session_up(SP, ip(PEER), with_t(true));
    pce.handle_message(
        SP,
        Message::PcRpt(PcRpt {
            reports: vec![eos()],
        }),
    );
    drain(&mut pce);
    pce.handle_message(SP, trigger(0, None));
    let r = reports_to(&drain(&mut pce), SP);
    let got: Vec<_> = r.iter().map(|r| (r.lsp.plsp_id, r.lsp.sync)).collect();
    assert_eq!(got, [(7, true), (8, true), (0, false)]);
    pce.handle_message(SP, trigger(8, Some(PCC)));
    let r = reports_to(&drain(&mut pce), SP);
    let got: Vec<_> = r.iter().map(|r| (r.lsp.plsp_id, r.lsp.sync)).collect();
    assert_eq!(got, [(8, true), (0, false)]);
    pce.handle_message(SP, trigger(99, Some(PCC)));
    assert_eq!(errors(&drain(&mut pce)), [PcErrCode::UNKNOWN_PLSP_ID]);

    // Our trigger to the peer: an LSP it taught us and does not report
    // again is dropped at its marker.
    const OTHER: &str = "192.0.2.50";
    let mut f = forwarded(4, "far", false, Some(1));
    f.lsp.tlvs.retain(|t| !matches!(t, Tlv::SpeakerEntityId(_)));
    f.lsp
        .tlvs
        .push(Tlv::SpeakerEntityId(owner_id(PccId::Addr(ip(OTHER)))));
    announce(&mut pce, OTHER);
    pce.handle_message(SP, Message::PcRpt(PcRpt { reports: vec![f] }));
    let far = LspKey {
        pcc: PccId::Addr(ip(OTHER)),
        plsp_id: 4,
    };
    assert!(pce.lspdb().get(&far).is_some());
    drain(&mut pce);
    let srp = pce.resync_peer(ip(PEER)).unwrap();
    let out = drain(&mut pce);
    let sent: Vec<_> = out
        .iter()
        .filter_map(|(s, m)| match m {
            Message::PcUpd(u) if *s == SP => Some((u.updates[0].srp.srp_id, u.updates[0].lsp.sync)),
            _ => None,
        })
        .collect();
    assert_eq!(sent, [(srp, true)]);
    pce.handle_message(
        SP,
        Message::PcRpt(PcRpt {
            reports: vec![eos()],
        }),
    );
    assert!(pce.lspdb().get(&far).is_none());

    // Without T on the session.
    let mut pce = core(100, 200);
    pce.session_up(SP, ip(PEER), with_t(false));
    drain(&mut pce);
    pce.handle_message(SP, trigger(0, None));
    assert_eq!(
        errors(&drain(&mut pce)),
        [PcErrCode::TRIGGER_WITHOUT_CAPABILITY]
    );
    assert!(matches!(
        pce.resync_peer(ip(PEER)),
        Err(pce_engine::pce::CommandError::NotSynchronized(_)
            | pce_engine::pce::CommandError::NoTriggeredResync(_))
    ));
}

/// A report as a peer forwards it, naming its owner `id`.
fn named_report(plsp_id: u32, name: &str, delegate: bool, id: &[u8]) -> StateReport {
    let mut r = report(plsp_id, name, delegate, None);
    r.lsp
        .tlvs
        .push(Tlv::SpeakerEntityId(bytes::Bytes::copy_from_slice(id)));
    r.lsp.tlvs.push(Tlv::OriginalLspDbVersion(1));
    r.lsp.tlvs.push(identifiers());
    r
}

/// LSP identifiers of a tunnel from 10.0.0.1 to 10.0.0.2.
fn identifiers() -> Tlv {
    super::support::identifiers("10.0.0.1", "10.0.0.2")
}

/// The peer's PCNtf relaying a PCC's Open information, naming it `id`, with
/// the PCC's own Open TLVs `open`.
fn pcc_info(id: &[u8], open: Vec<Tlv>) -> Message {
    let mut tlvs = vec![Tlv::SpeakerEntityId(bytes::Bytes::copy_from_slice(id))];
    tlvs.extend(open);
    Message::PcNtf(pcep::wire::PcNtf {
        notifications: vec![pcep::wire::NotifyUnit {
            rps: vec![],
            notifications: vec![pcep::wire::object::Notification {
                header: pcep::wire::object::HeaderFlags::default(),
                notification_flags: 0,
                notification_type: pcep::wire::NotificationType(
                    StateSyncCodepoints::default().pcc_open_notification_type,
                ),
                notification_value: 1,
                tlvs,
            }],
            unknown: vec![],
        }],
    })
}

fn sent_update(out: &[(SessionId, Message)], to: SessionId) -> bool {
    out.iter()
        .any(|(s, m)| *s == to && matches!(m, Message::PcUpd(_)))
}

fn speaker_ids(out: &[(SessionId, Message)], s: SessionId) -> Vec<Vec<u8>> {
    out.iter()
        .filter(|(x, _)| *x == s)
        .flat_map(|(_, m)| match m {
            Message::PcUpd(u) => u.updates.iter().map(|u| u.lsp.clone()).collect(),
            Message::PcRpt(r) => r.reports.iter().map(|r| r.lsp.clone()).collect(),
            _ => Vec::new(),
        })
        .filter_map(|l| l.speaker_entity_id().map(|b| b.to_vec()))
        .collect()
}

/// SPEAKER-ENTITY-ID is opaque (RFC 8232 §4.1.1): a peer that names a PCC
/// we do not know by a name of its own ("rtr-7", or one longer than any
/// address) gets its LSP stored under that name, computed when it is
/// sub-delegated to us, and updated through the peer under the very same
/// bytes.
#[test]
fn a_peer_may_name_a_pcc_any_way_it_likes() {
    let long: &[u8] = b"head-end-router-with-a-very-long-name.example.net";
    for id in [&b"rtr-7"[..], long] {
        let mut pce = core(200, 100);
        pce.session_up(SP, ip(PEER), negotiated(true, true));
        pce.handle_message(SP, pcc_info(id, vec![]));
        pce.handle_message(
            SP,
            Message::PcRpt(PcRpt {
                reports: vec![named_report(7, "a", true, id), eos()],
            }),
        );
        let out = drain(&mut pce);
        let keys = pce.lspdb().keys();
        assert_eq!(keys.len(), 1);
        let k = keys[0];
        assert!(matches!(k.pcc, PccId::Named(_)), "{k:?}");
        assert!(
            k.pcc.to_string().starts_with("speaker:head-end-router")
                || k.pcc.to_string() == "speaker:rtr-7",
            "{}",
            k.pcc
        );
        assert_eq!(speaker_ids(&out, SP), [id.to_vec()], "{out:?}");
        assert!(
            sent_update(&out, SP),
            "the update goes through the peer: {out:?}"
        );
    }
}

/// A PCC that advertises its own SPEAKER-ENTITY-ID (RFC 8232) is named by
/// it towards peers, and a peer naming it so, or naming it its own way
/// while relaying the PCC's Open (which carries that identifier), reaches
/// the same LSP; an identifier naming a PCE is 20/7.
/// The PCC comes up with its own SPEAKER-ENTITY-ID, `pcc-a`, and reports
/// LSP 7.
fn pcc_a_up(pce: &mut Pce) {
    let mut n = negotiated(false, false);
    n.peer
        .tlvs
        .push(Tlv::SpeakerEntityId(bytes::Bytes::from_static(b"pcc-a")));
    pce.session_up(SC, ip(PCC), n);
    pcc_sync(pce, vec![report(7, "a", false, Some(1))]);
}

/// The Notification-values of the PCNtfs in `out`.
fn notification_values(out: &[(SessionId, Message)]) -> Vec<u8> {
    out.iter()
        .filter_map(|(_, m)| match m {
            Message::PcNtf(n) => Some(n.notifications[0].notifications[0].notification_value),
            _ => None,
        })
        .collect()
}

/// A PCC's new session replaces an old one whose end the core hears later
/// (the shell's sessions are independent tasks): the PCC is still up, and
/// the peers are not told it went (they would refuse its reports after).
#[test]
fn a_stale_session_ending_does_not_withdraw_the_pcc_from_the_peers() {
    let mut pce = core(100, 200);
    pce.session_up(SP, ip(PEER), negotiated(true, true));
    pce.session_up(SC, ip(PCC), negotiated(false, false));
    const NEW: SessionId = SessionId(3);
    pce.session_up(NEW, ip(PCC), negotiated(false, false));
    drain(&mut pce);
    pce.session_down(SC, super::support::origin());
    let values = notification_values(&drain(&mut pce));
    assert!(values.is_empty(), "{values:?}");
    pce.session_down(NEW, super::support::origin());
    let values = notification_values(&drain(&mut pce));
    assert_eq!(values, [2], "its last session ends: the peers hear it");
}

/// The peer announces a PCC by the PCC's own SPEAKER-ENTITY-ID before the
/// PCC's session with us comes up: once it is up, that announcement names
/// it, and the peer may still report its LSPs (the relay lab found it lost).
#[test]
fn an_announcement_under_a_pcc_s_own_name_survives_its_session_with_us() {
    let mut pce = core(100, 200);
    pce.session_up(SP, ip(PEER), negotiated(true, true));
    pce.handle_message(SP, pcc_info(b"pcc-a", vec![]));
    pcc_a_up(&mut pce);
    drain(&mut pce);
    let relayed: Vec<_> = pce.peers()[0].pccs.iter().map(|r| r.pcc).collect();
    assert_eq!(relayed, [PccId::Addr(ip(PCC))]);
    pce.handle_message(
        SP,
        Message::PcRpt(PcRpt {
            reports: vec![named_report(8, "b", false, b"pcc-a")],
        }),
    );
    let out = drain(&mut pce);
    assert!(errors(&out).is_empty(), "{out:?}");
    assert_eq!(pce.lspdb().keys(), [key(7), key(8)]);
}

#[test]
fn a_pcc_s_own_speaker_entity_id_names_it_on_state_sync_sessions() {
    let mut pce = core(100, 200);
    pce.session_up(SP, ip(PEER), negotiated(true, true));
    pce.handle_message(
        SP,
        Message::PcRpt(PcRpt {
            reports: vec![eos()],
        }),
    );
    pcc_a_up(&mut pce);
    let out = drain(&mut pce);
    let ids = speaker_ids(&out, SP);
    assert!(
        !ids.is_empty() && ids.iter().all(|i| i == b"pcc-a"),
        "{ids:?}"
    );
    // The peer forwards the same LSP under the PCC's name: one LSP.
    pce.handle_message(
        SP,
        Message::PcRpt(PcRpt {
            reports: vec![named_report(7, "a", false, b"pcc-a")],
        }),
    );
    assert_eq!(pce.lspdb().keys(), [key(7)]);
    // Its own name for it, learnt from the Open it relays.
    pce.handle_message(
        SP,
        pcc_info(
            b"router-a",
            vec![Tlv::SpeakerEntityId(bytes::Bytes::from_static(b"pcc-a"))],
        ),
    );
    pce.handle_message(
        SP,
        Message::PcRpt(PcRpt {
            reports: vec![named_report(7, "a", false, b"router-a")],
        }),
    );
    assert_eq!(pce.lspdb().keys(), [key(7)]);
    drain(&mut pce);
    // A PCE is no PCC.
    pce.handle_message(
        SP,
        Message::PcRpt(PcRpt {
            reports: vec![named_report(9, "b", false, PEER.as_bytes())],
        }),
    );
    assert_eq!(
        errors(&drain(&mut pce)),
        [PcErrCode::INVALID_SPEAKER_ENTITY_ID]
    );
}

/// A peer that comes up while a PCC is in its State Timeout (its session
/// down, its LSPs kept): the synchronization carries only the LSPs of PCCs
/// announced to the peer, which would refuse the others (PCErr 20/7 for
/// each, 100,000 of them in `bench/state-sync.sh`). The PCC's own session,
/// once back, is what synchronizes them.
#[test]
fn a_peer_synchronizes_only_the_lsps_of_pccs_announced_to_it() {
    let mut pce = core(100, 200);
    pcc_a_up(&mut pce);
    drain(&mut pce);
    pce.session_down(SC, super::support::origin());
    drain(&mut pce);
    assert_eq!(
        pce.lspdb().keys(),
        [key(7)],
        "kept through the State Timeout"
    );
    pce.session_up(SP, ip(PEER), negotiated(true, true));
    let out = drain(&mut pce);
    let sent = reports_to(&out, SP);
    assert!(
        sent.iter().all(|r| r.lsp.is_end_of_sync()) && sent.len() == 1,
        "{sent:?}"
    );
    // Back: announced, then its LSPs go to the peer.
    pcc_a_up(&mut pce);
    let out = drain(&mut pce);
    assert_eq!(notification_values(&out), [1]);
    let sent = reports_to(&out, SP);
    assert!(sent.iter().any(|r| r.lsp.plsp_id == 7), "{sent:?}");
}

/// 2,000 PCCs' Open information is more than one PCNtf can carry (65,535
/// bytes): a peer that comes up gets it in several PCNtfs that all encode,
/// each PCC once, in order (before, one PCNtf failed to encode and the peer
/// learned no PCC, then refused every report).
#[test]
fn the_open_information_of_2000_pccs_reaches_a_peer_in_pcntfs_that_encode() {
    let mut pce = core(100, 200);
    for i in 0..2000u32 {
        let mut n = negotiated(false, false);
        n.peer
            .tlvs
            .push(Tlv::SpeakerEntityId(bytes::Bytes::from(format!(
                "router-{i:04}-of-the-metro-ring"
            ))));
        let a = std::net::Ipv4Addr::from(u32::from(std::net::Ipv4Addr::new(10, 0, 0, 0)) + i);
        pce.session_up(SessionId(100 + u64::from(i)), IpAddr::V4(a), n);
    }
    drain(&mut pce);
    pce.session_up(SP, ip(PEER), negotiated(true, true));
    let out = drain(&mut pce);
    let wire = pcep::wire::WireConfig::default();
    let mut announced = Vec::new();
    let mut messages = 0;
    for (_, m) in out.iter().filter(|(s, _)| *s == SP) {
        if let Message::PcNtf(n) = m {
            messages += 1;
            let bytes = m.to_bytes(&wire).expect("each PCNtf encodes");
            assert!(bytes.len() <= 65_535);
            assert_eq!(n.notifications.len(), 1, "one <notify> each");
            announced.extend(
                n.notifications[0]
                    .notifications
                    .iter()
                    .map(|x| x.notification_value),
            );
        }
    }
    assert_eq!(announced.len(), 2000);
    assert!(announced.iter().all(|v| *v == 1));
    assert!(messages > 1, "{messages}");
}
