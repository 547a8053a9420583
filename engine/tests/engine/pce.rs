//! The stateful core in memory, with explicit time: synchronization,
//! delegation and updates, acknowledgement, State Timeout, sync avoidance,
//! PCE-initiated LSPs and the PCErr for each misuse.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pce_engine::lspdb::{LspDb, PccId};
use pce_engine::pce::{CommandError, InitiateSpec, Output, Pce, PceConfig, SessionId};
use pcep::session::Negotiated;
use pcep::wire::iana::CloseReason;
use pcep::wire::object::{Ero, Lsp, Open, PcepError, Srp, Subobject};
use pcep::wire::tlv::{Ipv4LspIdentifiers, StatefulCapability, Tlv};
use pcep::wire::{
    Attributes, ErrorUnit, Message, PathSetupType, PcErr, PcErrCode, PcRpt, StateReport,
    StateSyncCodepoints, WireConfig,
};

use super::support::{load, origin};

const PCC1: &str = "192.0.2.1";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn core() -> Pce {
    Pce::new(
        PceConfig {
            state_timeout: Duration::from_secs(60),
            redelegation_timeout: Duration::from_secs(30),
            state_sync: None,
            ..PceConfig::default()
        },
        Arc::new(load("draft-topology-a.json")),
        LspDb::new(),
    )
}

fn negotiated(flags: u32) -> Negotiated {
    let open = |f| Open {
        tlvs: vec![Tlv::StatefulPceCapability(StatefulCapability(f))],
        ..Open::default()
    };
    Negotiated::new(
        &open(
            StatefulCapability::UPDATE
                | StatefulCapability::INSTANTIATION
                | StatefulCapability::INCLUDE_DB_VERSION
                | StatefulCapability::DELTA_LSP_SYNC,
        ),
        &open(flags),
        &StateSyncCodepoints::default(),
    )
}

const UI: u32 = StatefulCapability::UPDATE | StatefulCapability::INSTANTIATION;

/// A hop of the draft's ERO notation: the address of the node a strict
/// IPv4 subobject leads to.
fn hop(a: &str) -> Subobject {
    Subobject::Ipv4Prefix {
        loose: false,
        address: a.parse().unwrap(),
        prefix_length: 32,
        attribute: 0,
    }
}

fn report(
    plsp_id: u32,
    name: &str,
    delegate: bool,
    sync: bool,
    ero: Vec<Subobject>,
) -> StateReport {
    StateReport {
        lsp: Lsp {
            plsp_id,
            delegate,
            sync,
            administrative: true,
            tlvs: vec![
                Tlv::SymbolicPathName(name.as_bytes().to_vec().into()),
                Tlv::Ipv4LspIdentifiers(Ipv4LspIdentifiers {
                    sender: "192.0.2.1".parse().unwrap(),
                    lsp_id: 1,
                    tunnel_id: plsp_id as u16,
                    extended_tunnel_id: Ipv4Addr::UNSPECIFIED,
                    endpoint: "192.0.2.2".parse().unwrap(),
                }),
            ],
            ..Lsp::default()
        },
        ero: Ero::new(ero),
        ..StateReport::default()
    }
}

fn end_of_sync() -> StateReport {
    StateReport {
        lsp: Lsp::end_of_sync(),
        ..StateReport::default()
    }
}

fn rpt(reports: Vec<StateReport>) -> Message {
    Message::PcRpt(PcRpt { reports })
}

fn drain(pce: &mut Pce) -> Vec<Output> {
    let out: Vec<Output> = std::iter::from_fn(|| pce.poll_output()).collect();
    // Everything the core emits encodes and decodes as itself.
    let cfg = WireConfig::default();
    for o in &out {
        if let Output::Send { message, .. } = o {
            let bytes = message.to_bytes(&cfg).unwrap();
            assert_eq!(&Message::decode(bytes, &cfg).unwrap(), message);
        }
    }
    out
}

fn updates(out: &[Output]) -> Vec<(u32, u32, Vec<Subobject>)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send {
                message: Message::PcUpd(u),
                ..
            } => Some(u.updates.iter().map(|u| {
                assert!(u.lsp.delegate, "an accepting PCE keeps D=1");
                (u.lsp.plsp_id, u.srp.srp_id, u.ero.subobjects.clone())
            })),
            _ => None,
        })
        .flatten()
        .collect()
}

fn errors(out: &[Output]) -> Vec<PcErrCode> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send {
                message: Message::PcErr(e),
                ..
            } => Some(
                e.errors
                    .iter()
                    .flat_map(|u| u.errors.iter().map(PcepError::code)),
            ),
            _ => None,
        })
        .flatten()
        .collect()
}

fn closed(out: &[Output]) -> bool {
    out.iter().any(|o| matches!(o, Output::Close { .. }))
}

/// The reported path PCC1-R1-R2-PCC2 (IGP 12); the best is via R3 and R4
/// (IGP 5).
fn long_way() -> Vec<Subobject> {
    vec![hop("10.0.0.5"), hop("10.0.0.6"), hop("10.0.0.2")]
}

const S1: SessionId = SessionId(1);

fn synced_pcc(pce: &mut Pce, delegate: bool) {
    pce.session_up(S1, ip(PCC1), negotiated(UI));
    pce.handle_message(
        S1,
        rpt(vec![report(7, "lsp-a", delegate, true, long_way())]),
    );
    assert!(
        updates(&drain(pce)).is_empty(),
        "no update before the end of synchronization"
    );
    pce.handle_message(S1, rpt(vec![end_of_sync()]));
}

#[test]
fn delegated_lsp_is_updated_after_sync_and_acknowledged() {
    let mut pce = core();
    synced_pcc(&mut pce, true);
    let out = drain(&mut pce);
    let ups = updates(&out);
    assert_eq!(ups.len(), 1, "{out:?}");
    let (plsp, srp, ero) = ups[0].clone();
    assert_eq!(plsp, 7);
    assert_ne!(srp, 0);
    // The shortest path avoids the IGP-10 link R1-R2.
    let addrs: Vec<String> = ero
        .iter()
        .map(|s| match s {
            Subobject::Ipv4Prefix { address, .. } => address.to_string(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        addrs,
        ["10.0.0.5", "10.0.0.7", "10.0.0.8", "10.0.0.6", "10.0.0.2"]
    );
    let key = pce
        .lspdb()
        .by_name(PccId::Addr(ip(PCC1)), b"lsp-a")
        .unwrap();
    assert_eq!(
        pce.lspdb().get(&key).unwrap().control.pending_srp,
        Some(srp)
    );
    assert!(
        pce.lspdb().get(&key).unwrap().control.proven,
        "the claim is recorded: proven optimal"
    );

    // A progress report without the SRP-ID does not acknowledge, and no
    // second update goes out while one is in flight.
    pce.handle_message(S1, rpt(vec![report(7, "lsp-a", true, false, long_way())]));
    assert!(updates(&drain(&mut pce)).is_empty());

    // The PCC applies it and acknowledges with the SRP-ID.
    let mut ack = report(7, "lsp-a", true, false, ero.clone());
    ack.srp = Some(Srp {
        srp_id: srp,
        ..Srp::default()
    });
    pce.handle_message(S1, rpt(vec![ack]));
    assert!(updates(&drain(&mut pce)).is_empty(), "no update loop");
    let entry = pce.lspdb().get(&key).unwrap();
    assert_eq!(entry.control.pending_srp, None);
    assert_eq!(entry.control.updates, 1);
    assert_eq!(pce.counters().updates_acked, 1);
    assert_eq!(pce.counters().updates_sent, 1);

    // The PCC moves the LSP on its own: the PCE puts it back.
    pce.handle_message(S1, rpt(vec![report(7, "lsp-a", true, false, long_way())]));
    let again = updates(&drain(&mut pce));
    assert_eq!(again.len(), 1);
    assert!(again[0].1 > srp, "a fresh SRP-ID for every update");
}

#[test]
fn not_delegated_or_revoked_lsps_get_no_update() {
    let mut pce = core();
    synced_pcc(&mut pce, false);
    assert!(updates(&drain(&mut pce)).is_empty());
    // Delegation after the sync: computed at once.
    pce.handle_message(S1, rpt(vec![report(7, "lsp-a", true, false, long_way())]));
    assert_eq!(updates(&drain(&mut pce)).len(), 1);
    // Revocation (D=0) voids the pending update.
    pce.handle_message(S1, rpt(vec![report(7, "lsp-a", false, false, long_way())]));
    assert!(updates(&drain(&mut pce)).is_empty());
    let key = pce
        .lspdb()
        .by_name(PccId::Addr(ip(PCC1)), b"lsp-a")
        .unwrap();
    let c = pce.lspdb().get(&key).unwrap().control.clone();
    assert!(!c.delegated);
    assert_eq!(c.pending_srp, None);
}

#[test]
fn delegation_needs_the_update_capability() {
    let mut pce = core();
    // The PCC did not set U: passive stateful, its D flag is not honoured.
    pce.session_up(S1, ip(PCC1), negotiated(0));
    pce.handle_message(
        S1,
        rpt(vec![
            report(7, "lsp-a", true, true, long_way()),
            end_of_sync(),
        ]),
    );
    assert!(updates(&drain(&mut pce)).is_empty());
    assert_eq!(pce.lspdb().len(), 1);
}

#[test]
fn report_without_stateful_capability_is_19_5_and_closes() {
    let mut pce = core();
    let plain = Negotiated::new(
        &Open::default(),
        &Open::default(),
        &StateSyncCodepoints::default(),
    );
    pce.session_up(S1, ip(PCC1), plain);
    pce.handle_message(S1, rpt(vec![report(7, "lsp-a", true, false, long_way())]));
    let out = drain(&mut pce);
    assert_eq!(errors(&out), [PcErrCode::new(19, 5)]);
    assert!(closed(&out));
    assert!(pce.lspdb().is_empty());
}

#[test]
fn bad_report_during_sync_is_20_1_closes_and_is_cleaned_up() {
    let mut pce = core();
    let t0 = origin();
    pce.session_up(S1, ip(PCC1), negotiated(UI));
    pce.handle_message(S1, rpt(vec![report(7, "lsp-a", true, true, long_way())]));
    let mut unnamed = report(8, "x", true, true, long_way());
    unnamed.lsp.tlvs.remove(0);
    pce.handle_message(S1, rpt(vec![unnamed]));
    let out = drain(&mut pce);
    assert_eq!(errors(&out), [PcErrCode::new(20, 1)]);
    assert!(matches!(
        out.last(),
        Some(Output::Close {
            reason: CloseReason::NO_EXPLANATION,
            ..
        })
    ));
    // The PCErr names the LSP it is about.
    assert!(out.iter().any(|o| matches!(o,
        Output::Send { message: Message::PcErr(e), .. } if e.errors[0].lsps[0].plsp_id == 8)));
    pce.session_down(S1, t0);
    assert!(pce.lspdb().is_empty(), "an incomplete sync is cleaned up");
    // Told to the shell (which logs it), once.
    assert_eq!(
        pce.take_purges(),
        [pce_engine::pce::Purge {
            pcc: PccId::Addr(ip(PCC1)),
            purged: 1,
            kept: 0,
            why: pce_engine::pce::PurgeReason::IncompleteSync,
        }]
    );
    assert!(pce.take_purges().is_empty());
}

#[test]
fn bad_report_after_sync_gets_its_pcerr_and_the_session_stays() {
    let mut pce = core();
    synced_pcc(&mut pce, false);
    drain(&mut pce);
    let mut unnamed = report(9, "x", false, false, long_way());
    unnamed.lsp.tlvs.remove(0);
    pce.handle_message(S1, rpt(vec![unnamed]));
    // Another PLSP-ID under a name in use.
    pce.handle_message(S1, rpt(vec![report(10, "lsp-a", false, false, long_way())]));
    let out = drain(&mut pce);
    assert_eq!(
        errors(&out),
        [PcErrCode::SYMBOLIC_PATH_NAME_MISSING, PcErrCode::new(23, 1)]
    );
    assert!(!closed(&out));
    assert_eq!(pce.lspdb().len(), 1);
}

#[test]
fn rsvp_report_without_lsp_identifiers_is_6_11_not_stored_and_closes() {
    let mut pce = core();
    synced_pcc(&mut pce, false);
    drain(&mut pce);
    // An SR LSP needs none (RFC 8664); a removal names its PLSP-ID.
    let mut sr = report(11, "sr", false, false, Vec::new());
    sr.lsp.tlvs.truncate(1);
    sr.srp = Some(Srp {
        tlvs: vec![Tlv::PathSetupType(PathSetupType::SR_TE)],
        ..Srp::default()
    });
    let mut removal = report(7, "lsp-a", false, false, Vec::new());
    removal.lsp.tlvs.truncate(1);
    removal.lsp.remove = true;
    pce.handle_message(S1, rpt(vec![sr, removal]));
    let out = drain(&mut pce);
    assert!(errors(&out).is_empty(), "{out:?}");
    assert_eq!(pce.lspdb().len(), 1, "the SR LSP is stored, lsp-a removed");
    // RSVP-TE (no PATH-SETUP-TYPE) without IPV4-LSP-IDENTIFIERS (RFC 8231
    // §7.3.1).
    let mut rsvp = report(12, "rsvp", false, false, long_way());
    rsvp.lsp.tlvs.truncate(1);
    pce.handle_message(S1, rpt(vec![rsvp]));
    let out = drain(&mut pce);
    assert_eq!(errors(&out), [PcErrCode::LSP_IDENTIFIERS_MISSING]);
    assert!(out.iter().any(|o| matches!(o,
        Output::Send { message: Message::PcErr(e), .. } if e.errors[0].lsps[0].plsp_id == 12)));
    assert!(closed(&out));
    assert_eq!(pce.lspdb().len(), 1, "not stored");
}

#[test]
fn plsp_id_0_that_is_not_the_end_of_sync_marker_is_20_1() {
    let mut pce = core();
    synced_pcc(&mut pce, false);
    drain(&mut pce);
    // R=1 with PLSP-ID 0, and PLSP-ID 0 with a path: neither is a marker.
    let mut remove_all = end_of_sync();
    remove_all.lsp.remove = true;
    let mut with_path = end_of_sync();
    with_path.ero = Ero::new(long_way());
    pce.handle_message(S1, rpt(vec![remove_all]));
    pce.handle_message(S1, rpt(vec![with_path]));
    let out = drain(&mut pce);
    assert_eq!(
        errors(&out),
        [
            PcErrCode::REPORT_NOT_PROCESSED,
            PcErrCode::REPORT_NOT_PROCESSED
        ]
    );
    assert!(!closed(&out), "after the sync the session stays");
    assert_eq!(pce.lspdb().len(), 1, "lsp-a is untouched");
    // During a sync it ends the session (RFC 8231 §5.6).
    let s2 = SessionId(2);
    pce.session_up(s2, ip("192.0.2.2"), negotiated(UI));
    let mut remove_all = end_of_sync();
    remove_all.lsp.remove = true;
    pce.handle_message(s2, rpt(vec![remove_all]));
    let out = drain(&mut pce);
    assert_eq!(errors(&out), [PcErrCode::REPORT_NOT_PROCESSED]);
    assert!(closed(&out));
}

fn limited(max_lsps_per_pcc: usize, max_unknown_bytes_per_lsp: usize) -> Pce {
    Pce::new(
        PceConfig {
            max_lsps_per_pcc,
            max_unknown_bytes_per_lsp,
            ..PceConfig::default()
        },
        Arc::new(load("draft-topology-a.json")),
        LspDb::new(),
    )
}

fn notifications(out: &[Output]) -> Vec<(u8, u8)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send {
                message: Message::PcNtf(n),
                ..
            } => Some(n.notifications.iter().flat_map(|u| {
                u.notifications
                    .iter()
                    .map(|n| (n.notification_type.0, n.notification_value))
            })),
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn a_pcc_beyond_its_lsp_limit_is_refused_as_rfc_8231_says() {
    let t0 = origin();
    // During the synchronization: PCNtf 4/1, the session ends, and what it
    // reported is cleaned up.
    let mut pce = limited(2, 4096);
    pce.session_up(S1, ip(PCC1), negotiated(UI));
    let three = (1..=3)
        .map(|i| report(i, &format!("lsp-{i}"), false, true, long_way()))
        .collect();
    pce.handle_message(S1, rpt(three));
    let out = drain(&mut pce);
    assert_eq!(notifications(&out), [(4, 1)]);
    assert!(closed(&out));
    assert_eq!(pce.counters().lsp_limit_refusals, 1);
    pce.session_down(S1, t0);
    assert!(pce.lspdb().is_empty());
    // After it: the one LSP too many gets PCErr 20/1, the others and the
    // session stay, and once one is removed a new one fits.
    let mut pce = limited(2, 4096);
    pce.session_up(S1, ip(PCC1), negotiated(UI));
    let two = (1..=2)
        .map(|i| report(i, &format!("lsp-{i}"), false, true, long_way()))
        .collect();
    pce.handle_message(S1, rpt(two));
    pce.handle_message(S1, rpt(vec![end_of_sync()]));
    drain(&mut pce);
    pce.handle_message(S1, rpt(vec![report(3, "lsp-3", false, false, long_way())]));
    // Re-reporting one it has is no new LSP.
    pce.handle_message(S1, rpt(vec![report(1, "lsp-1", false, false, long_way())]));
    let out = drain(&mut pce);
    assert_eq!(errors(&out), [PcErrCode::REPORT_NOT_PROCESSED]);
    assert!(!closed(&out));
    assert_eq!(pce.lspdb().len(), 2);
    let mut gone = report(2, "lsp-2", false, false, Vec::new());
    gone.lsp.remove = true;
    pce.handle_message(S1, rpt(vec![gone]));
    pce.handle_message(S1, rpt(vec![report(3, "lsp-3", false, false, long_way())]));
    let out = drain(&mut pce);
    assert!(errors(&out).is_empty(), "{out:?}");
    assert_eq!(pce.lspdb().len(), 2);
    assert_eq!(pce.counters().lsp_limit_refusals, 1);
}

#[test]
fn unknown_tlvs_and_objects_beyond_the_budget_are_not_kept() {
    let mut pce = limited(100, 64);
    synced_pcc(&mut pce, false);
    drain(&mut pce);
    let mut r = report(8, "lsp-b", false, false, long_way());
    // 40 unknown TLVs of 8 bytes each (4 of header, 4 of value).
    for i in 0..40u16 {
        r.lsp.tlvs.push(Tlv::Unknown {
            tlv_type: pcep::wire::TlvType(60_000 + i),
            value: bytes::Bytes::from_static(b"abcd"),
        });
    }
    pce.handle_message(S1, rpt(vec![r]));
    let out = drain(&mut pce);
    assert!(errors(&out).is_empty(), "{out:?}");
    let key = pce
        .lspdb()
        .by_name(PccId::Addr(ip(PCC1)), b"lsp-b")
        .unwrap();
    let kept = pce.lspdb().get(&key).unwrap().report();
    let unknown: Vec<u16> = kept
        .lsp
        .tlvs
        .iter()
        .filter_map(|t| match t {
            Tlv::Unknown { tlv_type, .. } => Some(tlv_type.0),
            _ => None,
        })
        .collect();
    // The first eight, in order (64 bytes); the rest dropped and counted.
    assert_eq!(unknown, (60_000..60_008).collect::<Vec<_>>());
    assert_eq!(pce.counters().unknown_bytes_dropped, 32 * 8);
    // The known TLVs are all there.
    assert_eq!(
        kept.lsp.symbolic_name().map(|n| &n[..]),
        Some(&b"lsp-b"[..])
    );
}

#[test]
fn messages_only_a_pce_sends_are_refused_with_pcerr_2() {
    let mut pce = core();
    synced_pcc(&mut pce, false);
    drain(&mut pce);
    let samples = pcep::samples::all(&StateSyncCodepoints::default());
    let mut sent = Vec::new();
    for (name, m) in samples {
        if matches!(
            m,
            Message::PcUpd(_) | Message::PcInitiate(_) | Message::PcRep(_)
        ) {
            sent.push(name);
            pce.handle_message(S1, m);
        }
    }
    assert!(sent.len() >= 3, "{sent:?}");
    let out = drain(&mut pce);
    assert_eq!(
        errors(&out),
        vec![PcErrCode::CAPABILITY_NOT_SUPPORTED; sent.len()],
        "{sent:?}"
    );
    assert!(!closed(&out));
    assert_eq!(pce.lspdb().len(), 1, "nothing changed");
}

#[test]
fn state_timeout_keeps_then_purges() {
    let mut pce = core();
    let t0 = origin();
    synced_pcc(&mut pce, true);
    drain(&mut pce);
    pce.session_down(S1, t0);
    let key = pce
        .lspdb()
        .by_name(PccId::Addr(ip(PCC1)), b"lsp-a")
        .unwrap();
    let delegated = |pce: &Pce| pce.lspdb().get(&key).unwrap().control.delegated;
    assert!(delegated(&pce), "held during the Redelegation Timeout");
    assert_eq!(pce.poll_timeout(), Some(t0 + Duration::from_secs(30)));
    pce.handle_timeout(t0 + Duration::from_secs(30));
    assert!(!delegated(&pce), "the PCC has revoked it by now");
    assert_eq!(pce.poll_timeout(), Some(t0 + Duration::from_secs(60)));
    pce.handle_timeout(t0 + Duration::from_secs(59));
    assert_eq!(pce.lspdb().len(), 1, "kept during the State Timeout");
    assert!(pce.take_purges().is_empty());
    pce.handle_timeout(t0 + Duration::from_secs(60));
    assert!(pce.lspdb().is_empty(), "purged when it expires");
    assert_eq!(pce.poll_timeout(), None);
    assert_eq!(pce.counters().purged, 1);
    let told = pce.take_purges();
    assert_eq!(told.len(), 1);
    assert_eq!(
        (told[0].pcc, told[0].purged, told[0].why),
        (
            PccId::Addr(ip(PCC1)),
            1,
            pce_engine::pce::PurgeReason::StateTimeout
        )
    );
}

#[test]
fn reconnect_within_state_timeout_keeps_state_and_drops_what_is_not_reported() {
    let mut pce = core();
    let t0 = origin();
    pce.session_up(S1, ip(PCC1), negotiated(UI));
    pce.handle_message(
        S1,
        rpt(vec![
            report(7, "lsp-a", false, true, long_way()),
            report(8, "lsp-b", false, true, long_way()),
            end_of_sync(),
        ]),
    );
    pce.session_down(S1, t0);
    let s2 = SessionId(2);
    pce.session_up(s2, ip(PCC1), negotiated(UI));
    pce.handle_timeout(t0 + Duration::from_secs(120));
    assert_eq!(pce.lspdb().len(), 2, "the reconnection cancelled the purge");
    // The new session re-reports lsp-a only (under a new PLSP-ID).
    pce.handle_message(s2, rpt(vec![report(3, "lsp-a", false, true, long_way())]));
    assert!(
        errors(&drain(&mut pce)).is_empty(),
        "the old PLSP-ID 7 held the name"
    );
}

#[test]
fn same_db_version_skips_synchronization() {
    let mut pce = core();
    let t0 = origin();
    let flags = UI | StatefulCapability::INCLUDE_DB_VERSION;
    let versioned = |plsp, name: &str, v: u64, sync| {
        let mut r = report(plsp, name, true, sync, long_way());
        r.lsp.tlvs.push(Tlv::LspDbVersion(v));
        r
    };
    pce.session_up(S1, ip(PCC1), negotiated(flags));
    let mut eos = end_of_sync();
    eos.lsp.tlvs.push(Tlv::LspDbVersion(5));
    pce.handle_message(S1, rpt(vec![versioned(7, "lsp-a", 5, true), eos]));
    drain(&mut pce);
    // A report without the version when S is negotiated: 6/12.
    pce.handle_message(S1, rpt(vec![report(7, "lsp-a", true, false, long_way())]));
    assert_eq!(
        errors(&drain(&mut pce)),
        [PcErrCode::LSP_DB_VERSION_MISSING]
    );
    pce.session_down(S1, t0);

    // The PCC comes back with DB version 5 in its OPEN: no sync. The
    // delegation made on the old session is void (RFC 8231 §5.7): nothing
    // is computed until the PCC delegates again, in an ordinary report;
    // then the LSP is computed on the stored state.
    let mut n = negotiated(flags);
    n.peer_db_version = Some(5);
    let s2 = SessionId(2);
    pce.session_up(s2, ip(PCC1), n);
    assert_eq!(pce.synchronized(s2), Some(true));
    assert_eq!(updates(&drain(&mut pce)).len(), 0);
    let key = pce_engine::lspdb::LspKey {
        pcc: PccId::Addr(ip(PCC1)),
        plsp_id: 7,
    };
    assert_eq!(pce.lspdb().with(&key, |e| e.control.delegated), Some(false));
    pce.handle_message(s2, rpt(vec![versioned(7, "lsp-a", 5, false)]));
    assert_eq!(updates(&drain(&mut pce)).len(), 1);

    // Another version: a full sync is expected.
    pce.session_down(s2, t0);
    let mut n = negotiated(flags);
    n.peer_db_version = Some(6);
    pce.session_up(SessionId(3), ip(PCC1), n);
    assert_eq!(pce.synchronized(SessionId(3)), Some(false));
}

fn first_initiate(out: &[Output]) -> pcep::wire::PcInitiate {
    match out.first() {
        Some(Output::Send {
            message: Message::PcInitiate(init),
            ..
        }) => init.clone(),
        _ => panic!("{out:?}"),
    }
}

fn spec(name: &str) -> InitiateSpec {
    InitiateSpec {
        pcc: ip(PCC1),
        name: name.into(),
        source: ip("10.0.0.1"),
        destination: ip("10.0.0.4"),
        setup: PathSetupType::RSVP_TE,
        attributes: Attributes::default(),
        color: Some(7),
        disjoint_group: None,
    }
}

#[test]
fn pce_initiated_lsp_lifecycle() {
    let mut pce = core();
    assert_eq!(
        pce.initiate(spec("init-1")),
        Err(CommandError::NoSession(ip(PCC1)))
    );
    synced_pcc(&mut pce, false);
    drain(&mut pce);
    let srp = pce.initiate(spec("init-1")).unwrap();
    let init = first_initiate(&drain(&mut pce));
    let r = &init.requests[0];
    assert_eq!(r.srp.srp_id, srp);
    assert_eq!(r.lsp.plsp_id, 0, "RFC 8281: PLSP-ID 0 on creation");
    assert_eq!(r.attributes.vendor[0].color(), Some(7), "SR policy colour");
    assert_eq!(r.lsp.symbolic_name().unwrap().as_ref(), b"init-1");
    let ero = r.ero.clone().unwrap().subobjects;
    assert_eq!(
        ero,
        [
            hop("10.0.0.5"),
            hop("10.0.0.7"),
            hop("10.0.0.8"),
            hop("10.0.0.4")
        ],
        "PCC1-R1-R3-R4-PCC4"
    );
    // The name is taken while the instantiation is pending.
    assert!(matches!(
        pce.initiate(spec("init-1")),
        Err(CommandError::NameInUse { .. })
    ));
    // The PCC reports it with its PLSP-ID, C=1, D=1, echoing the SRP-ID.
    let mut created = report(21, "init-1", true, false, ero);
    created.lsp.create = true;
    created.srp = Some(Srp {
        srp_id: srp,
        ..Srp::default()
    });
    pce.handle_message(S1, rpt(vec![created.clone()]));
    assert!(
        updates(&drain(&mut pce)).is_empty(),
        "its path is the computed one"
    );
    let key = pce
        .lspdb()
        .by_name(PccId::Addr(ip(PCC1)), b"init-1")
        .unwrap();
    assert_eq!(key.plsp_id, 21);
    let c = pce.lspdb().get(&key).unwrap().control.clone();
    assert!(c.initiated && c.delegated);

    // Revoking a PCE-initiated LSP's delegation: 19/7.
    let mut revoke = created.clone();
    revoke.lsp.delegate = false;
    revoke.srp = None;
    pce.handle_message(S1, rpt(vec![revoke]));
    assert_eq!(errors(&drain(&mut pce)), [PcErrCode::new(19, 7)]);
    pce.handle_message(S1, rpt(vec![created]));
    drain(&mut pce);

    // Delete: SRP R=1 with the learned PLSP-ID.
    let del = pce.delete_initiated(ip(PCC1), "init-1").unwrap();
    let init = first_initiate(&drain(&mut pce));
    assert!(init.requests[0].srp.remove());
    assert_eq!(init.requests[0].srp.srp_id, del);
    assert_eq!(init.requests[0].lsp.plsp_id, 21);
    assert!(matches!(
        pce.delete_initiated(ip(PCC1), "init-1"),
        Err(CommandError::UnknownLsp { .. })
    ));
}

#[test]
fn initiation_refused_by_the_pcc_is_forgotten_and_needs_capability() {
    let mut pce = core();
    synced_pcc(&mut pce, false);
    drain(&mut pce);
    let srp = pce.initiate(spec("init-2")).unwrap();
    drain(&mut pce);
    pce.handle_message(S1, refusal(srp));
    // The name is free again.
    assert!(pce.initiate(spec("init-2")).is_ok());
    // Unknown end points: refused before anything is sent.
    let mut bad = spec("init-3");
    bad.destination = ip("203.0.113.9");
    assert!(matches!(pce.initiate(bad), Err(CommandError::NoPath(_))));

    let mut other = core();
    other.session_up(S1, ip(PCC1), negotiated(StatefulCapability::UPDATE));
    other.handle_message(S1, rpt(vec![end_of_sync()]));
    assert_eq!(
        other.initiate(spec("x")),
        Err(CommandError::NotCapable(ip(PCC1)))
    );
}

#[test]
fn initiated_lsps_missing_after_resync_are_initiated_again() {
    let mut pce = core();
    let t0 = origin();
    synced_pcc(&mut pce, false);
    drain(&mut pce);
    let srp = pce.initiate(spec("init-1")).unwrap();
    drain(&mut pce);
    let mut created = report(21, "init-1", true, false, vec![]);
    created.lsp.create = true;
    created.srp = Some(Srp {
        srp_id: srp,
        ..Srp::default()
    });
    pce.handle_message(S1, rpt(vec![created]));
    drain(&mut pce);
    pce.session_down(S1, t0);
    // The PCC restarted and lost it: after its sync the PCE initiates it again.
    let s2 = SessionId(2);
    pce.session_up(s2, ip(PCC1), negotiated(UI));
    pce.handle_message(s2, rpt(vec![end_of_sync()]));
    let out = drain(&mut pce);
    assert!(
        out.iter().any(|o| matches!(o,
            Output::Send { session, message: Message::PcInitiate(i) }
                if *session == s2 && i.requests[0].lsp.symbolic_name().unwrap().as_ref() == b"init-1")),
        "{out:?}"
    );
}

#[test]
fn operator_constraints_override_a_delegated_lsp() {
    let mut pce = core();
    synced_pcc(&mut pce, true);
    let (_, srp, ero) = updates(&drain(&mut pce))[0].clone();
    let mut ack = report(7, "lsp-a", true, false, ero);
    ack.srp = Some(Srp {
        srp_id: srp,
        ..Srp::default()
    });
    pce.handle_message(S1, rpt(vec![ack]));
    drain(&mut pce);
    // Minimum hop count instead of IGP: back over R1-R2.
    let hops = Attributes {
        metrics: vec![pcep::wire::object::Metric {
            metric_type: pcep::wire::MetricType::HOP_COUNT,
            ..pcep::wire::object::Metric::default()
        }],
        ..Attributes::default()
    };
    pce.update_lsp(ip(PCC1), "lsp-a", hops.clone()).unwrap();
    let ups = updates(&drain(&mut pce));
    assert_eq!(ups.len(), 1);
    assert_eq!(ups[0].2, long_way());
    // The same constraints again: same path, but the update is still sent
    // (the operator asked for it).
    pce.update_lsp(ip(PCC1), "lsp-a", hops.clone()).unwrap();
    assert_eq!(updates(&drain(&mut pce)).len(), 1);
    // Not delegated, unknown: refused.
    pce.handle_message(S1, rpt(vec![report(8, "lsp-b", false, false, long_way())]));
    assert!(matches!(
        pce.update_lsp(ip(PCC1), "lsp-b", hops.clone()),
        Err(CommandError::NotDelegated { .. })
    ));
    assert!(matches!(
        pce.update_lsp(ip(PCC1), "nope", hops),
        Err(CommandError::UnknownLsp { .. })
    ));
}

#[test]
fn delegation_is_returned_by_a_pcupd_with_d0() {
    let mut pce = core();
    synced_pcc(&mut pce, true);
    drain(&mut pce);
    let srp = pce.return_delegation(ip(PCC1), "lsp-a").unwrap();
    let out = drain(&mut pce);
    let Some(Output::Send {
        message: Message::PcUpd(u),
        ..
    }) = out.first()
    else {
        panic!("{out:?}")
    };
    let u = &u.updates[0];
    assert_eq!(
        (u.srp.srp_id, u.lsp.plsp_id, u.lsp.delegate),
        (srp, 7, false)
    );
    // It carries the path the LSP has: the PCC keeps it.
    assert_eq!(u.ero.subobjects, long_way());
    let key = pce
        .lspdb()
        .by_name(PccId::Addr(ip(PCC1)), b"lsp-a")
        .unwrap();
    assert!(!pce.lspdb().get(&key).unwrap().control.delegated);
    // Not delegated any more: a second return is refused, and no update
    // follows the PCC's next report with D=0.
    assert!(matches!(
        pce.return_delegation(ip(PCC1), "lsp-a"),
        Err(CommandError::NotDelegated { .. })
    ));
    pce.handle_message(S1, rpt(vec![report(7, "lsp-a", false, false, long_way())]));
    assert!(updates(&drain(&mut pce)).is_empty());
    // Operator intent: delegated again, it is returned again (a PCUpd with
    // D=0 and its path, no computation) ...
    let returned_again = |pce: &mut Pce| {
        let sent: Vec<(bool, Vec<Subobject>)> = drain(pce)
            .iter()
            .filter_map(|o| match o {
                Output::Send {
                    message: Message::PcUpd(u),
                    ..
                } => Some((
                    u.updates[0].lsp.delegate,
                    u.updates[0].ero.subobjects.clone(),
                )),
                _ => None,
            })
            .collect();
        sent == [(false, long_way())]
    };
    pce.handle_message(S1, rpt(vec![report(7, "lsp-a", true, false, long_way())]));
    assert!(returned_again(&mut pce));
    assert!(!pce.lspdb().get(&key).unwrap().control.delegated);
    // ... kept across a restart (given back whole, then delegated in the
    // PCC's synchronization) ...
    let intent = pce.intent();
    assert_eq!(
        intent.returned,
        [pce_engine::pce::Returned {
            pcc: ip(PCC1),
            name: "lsp-a".into()
        }]
    );
    assert!(pce.take_intent_changes().iter().any(|c| matches!(c,
        pce_engine::pce::IntentChange::Returned { now: true, name, .. } if name == "lsp-a")));
    let mut again = core();
    again.handle(
        pce_engine::pce::Input::Command(pce_engine::pce::Command::Restore(Box::new(intent))),
        origin(),
    );
    again.session_up(S1, ip(PCC1), negotiated(UI));
    again.handle_message(S1, rpt(vec![report(7, "lsp-a", true, true, long_way())]));
    again.handle_message(S1, rpt(vec![end_of_sync()]));
    assert!(returned_again(&mut again));
    // ... until the operator takes it back: then it is kept and computed.
    assert!(again.accept_delegation(ip(PCC1), "lsp-a"));
    assert!(again.intent().returned.is_empty());
    again.handle_message(S1, rpt(vec![report(7, "lsp-a", true, false, long_way())]));
    let out = drain(&mut again);
    assert_eq!(updates(&out).len(), 1, "{out:?}");
    assert!(again.lspdb().get(&key).unwrap().control.delegated);
}

// ===== disjoint association groups (RFC 8800; DIGEST §9.3-9.6 on one PCE) =====

const S3: SessionId = SessionId(3);
const PCC3: &str = "192.0.2.3";

fn grouped(
    plsp_id: u32,
    name: &str,
    (from, to): (&str, &str),
    delegate: bool,
    sync: bool,
    ero: Vec<Subobject>,
    flags: u32,
) -> StateReport {
    let mut r = report(plsp_id, name, delegate, sync, ero);
    r.lsp.tlvs[1] = Tlv::Ipv4LspIdentifiers(Ipv4LspIdentifiers {
        sender: from.parse().unwrap(),
        lsp_id: 1,
        tunnel_id: plsp_id as u16,
        extended_tunnel_id: Ipv4Addr::UNSPECIFIED,
        endpoint: to.parse().unwrap(),
    });
    r.associations = vec![pcep::wire::object::Association {
        header: pcep::wire::object::HeaderFlags::default(),
        association_flags: 0,
        association_type: pcep::wire::AssociationType::DISJOINT,
        association_id: 1,
        source: ip("192.0.2.100"),
        tlvs: vec![Tlv::DisjointnessConfiguration(
            pcep::wire::tlv::DisjointnessFlags(flags),
        )],
    }];
    r
}

const LINK: u32 = pcep::wire::tlv::DisjointnessFlags::LINK;
const STRICT: u32 = pcep::wire::tlv::DisjointnessFlags::STRICT;
const LSP1: (&str, &str) = ("192.0.2.1", "192.0.2.2");
const LSP2: (&str, &str) = ("192.0.2.3", "192.0.2.4");

fn addrs(ero: &[Subobject]) -> Vec<String> {
    ero.iter().map(ToString::to_string).collect()
}

fn ack(plsp: u32, name: &str, ends: (&str, &str), srp: u32, ero: Vec<Subobject>) -> StateReport {
    let mut r = grouped(plsp, name, ends, true, false, ero, LINK);
    r.srp = Some(Srp {
        srp_id: srp,
        ..Srp::default()
    });
    r
}

/// PCC3 comes up and synchronizes LSP2, delegated, in the group: what the
/// PCE sends then.
fn lsp2_joins(pce: &mut Pce) -> Vec<Output> {
    pce.session_up(S3, ip(PCC3), negotiated(UI));
    pce.handle_message(
        S3,
        rpt(vec![
            grouped(1, "lsp2", LSP2, true, true, vec![], LINK),
            end_of_sync(),
        ]),
    );
    drain(pce)
}

/// LSP1's shortest path: R1-R3-R4-R2-PCC2.
fn shortest_1_to_2() -> Vec<Subobject> {
    ["10.0.0.5", "10.0.0.7", "10.0.0.8", "10.0.0.6", "10.0.0.2"]
        .into_iter()
        .map(hop)
        .collect()
}

/// Scenario 1: both LSPs delegated to this PCE. LSP1 alone gets its
/// shortest path; when LSP2 comes, LSP1 moves to R1-R2-PCC2 and LSP2 gets
/// R3-R4-PCC4, with DISJOINTNESS-STATUS saying link-disjoint.
#[test]
fn scenario_1_group_computed_jointly() {
    let mut pce = core();
    pce.session_up(S1, ip(PCC1), negotiated(UI));
    pce.handle_message(
        S1,
        rpt(vec![
            grouped(1, "lsp1", LSP1, true, true, vec![], LINK),
            end_of_sync(),
        ]),
    );
    let ups = updates(&drain(&mut pce));
    assert_eq!(ups.len(), 1);
    assert_eq!(
        addrs(&ups[0].2),
        ["10.0.0.5", "10.0.0.7", "10.0.0.8", "10.0.0.6", "10.0.0.2"]
    );
    pce.handle_message(
        S1,
        rpt(vec![ack(1, "lsp1", LSP1, ups[0].1, ups[0].2.clone())]),
    );
    assert!(updates(&drain(&mut pce)).is_empty());

    let out = lsp2_joins(&mut pce);
    let mut by_session: Vec<(SessionId, Vec<String>, Vec<pcep::wire::object::Association>)> = out
        .iter()
        .filter_map(|o| match o {
            Output::Send {
                session,
                message: Message::PcUpd(u),
            } => Some((
                *session,
                addrs(&u.updates[0].ero.subobjects),
                u.updates[0].associations.clone(),
            )),
            _ => None,
        })
        .collect();
    by_session.sort_by_key(|x| x.0);
    assert_eq!(by_session.len(), 2, "{out:?}");
    assert_eq!(by_session[0].0, S1);
    assert_eq!(
        by_session[0].1,
        ["10.0.0.5", "10.0.0.6", "10.0.0.2"],
        "LSP1 over R1-R2"
    );
    assert_eq!(by_session[1].0, S3);
    assert_eq!(
        by_session[1].1,
        ["10.0.0.7", "10.0.0.8", "10.0.0.4"],
        "LSP2 over R3-R4"
    );
    for (_, _, assoc) in &by_session {
        assert!(assoc[0].tlvs.contains(&Tlv::DisjointnessStatus(
            pcep::wire::tlv::DisjointnessFlags(LINK)
        )));
    }
}

/// The P flag (RFC 8800 §5.2, "shortest path"): the member that sets it
/// keeps its shortest path as if it were alone, and the others are computed
/// around it. Scenario 1 with P on LSP1: LSP1 stays on R1-R3-R4-R2 (no
/// update), where the joint optimum would have moved it to R1-R2; LSP2 then
/// shares the fewest links with it (T=0).
#[test]
fn the_p_flag_keeps_that_member_on_its_shortest_path() {
    const P: u32 = pcep::wire::tlv::DisjointnessFlags::SHORTEST_PATH;
    let mut pce = core();
    pce.session_up(S1, ip(PCC1), negotiated(UI));
    pce.handle_message(
        S1,
        rpt(vec![
            grouped(1, "lsp1", LSP1, true, true, shortest_1_to_2(), LINK | P),
            end_of_sync(),
        ]),
    );
    assert!(
        updates(&drain(&mut pce)).is_empty(),
        "already on its shortest path"
    );
    let out = lsp2_joins(&mut pce);
    let sent: Vec<(SessionId, Vec<String>)> = out
        .iter()
        .filter_map(|o| match o {
            Output::Send {
                session,
                message: Message::PcUpd(u),
            } => Some((*session, addrs(&u.updates[0].ero.subobjects))),
            _ => None,
        })
        .collect();
    assert!(
        sent.iter().all(|(s, _)| *s != S1),
        "LSP1 keeps its path: {sent:?}"
    );
    assert_eq!(sent.len(), 1, "LSP2's update: {out:?}");
}

/// Scenario 4 on the PCE that controls LSP1 only: LSP2 sits on R3-R4-PCC4
/// (set by another PCE); LSP1 moves to R1-R2-PCC2.
#[test]
fn scenario_4_member_not_controlled_is_avoided() {
    let mut pce = core();
    let lsp2_path = vec![hop("10.0.0.7"), hop("10.0.0.8"), hop("10.0.0.4")];
    pce.session_up(S3, ip(PCC3), negotiated(UI));
    pce.handle_message(
        S3,
        rpt(vec![
            grouped(1, "lsp2", LSP2, false, true, lsp2_path, LINK),
            end_of_sync(),
        ]),
    );
    assert!(updates(&drain(&mut pce)).is_empty(), "LSP2 is not ours");
    let lsp1_path = shortest_1_to_2();
    pce.session_up(S1, ip(PCC1), negotiated(UI));
    pce.handle_message(
        S1,
        rpt(vec![
            grouped(1, "lsp1", LSP1, true, true, lsp1_path, LINK),
            end_of_sync(),
        ]),
    );
    let ups = updates(&drain(&mut pce));
    assert_eq!(ups.len(), 1);
    assert_eq!(addrs(&ups[0].2), ["10.0.0.5", "10.0.0.6", "10.0.0.2"]);
}

/// Scenario 3 on the PCE that controls LSP2 only, strict: LSP1 sits on its
/// shortest path through R3-R4; no link-disjoint path exists for LSP2, so
/// it gets no update and shows no_path (it keeps its path).
#[test]
fn scenario_3_strict_group_without_solution() {
    let mut pce = core();
    let lsp1_path = shortest_1_to_2();
    pce.session_up(S1, ip(PCC1), negotiated(UI));
    pce.handle_message(
        S1,
        rpt(vec![
            grouped(1, "lsp1", LSP1, false, true, lsp1_path, LINK | STRICT),
            end_of_sync(),
        ]),
    );
    pce.session_up(S3, ip(PCC3), negotiated(UI));
    pce.handle_message(
        S3,
        rpt(vec![
            grouped(1, "lsp2", LSP2, true, true, vec![], LINK | STRICT),
            end_of_sync(),
        ]),
    );
    assert!(updates(&drain(&mut pce)).is_empty());
    let key = pce.lspdb().by_name(PccId::Addr(ip(PCC3)), b"lsp2").unwrap();
    assert!(pce.lspdb().get(&key).unwrap().control.no_path);
}

/// RFC 8232 §4: with D negotiated and a different DB version, the PCC
/// sends only what changed; what it does not re-report is kept.
#[test]
fn incremental_sync_keeps_what_is_not_re_reported() {
    let mut pce = core();
    let t0 = origin();
    let flags = UI | StatefulCapability::INCLUDE_DB_VERSION | StatefulCapability::DELTA_LSP_SYNC;
    let versioned = |plsp, name: &str, v: u64| {
        let mut r = report(plsp, name, false, true, long_way());
        r.lsp.tlvs.push(Tlv::LspDbVersion(v));
        r
    };
    let eos = |v| {
        let mut e = end_of_sync();
        e.lsp.tlvs.push(Tlv::LspDbVersion(v));
        e
    };
    pce.session_up(S1, ip(PCC1), negotiated(flags));
    pce.handle_message(
        S1,
        rpt(vec![versioned(7, "a", 1), versioned(8, "b", 2), eos(2)]),
    );
    pce.session_down(S1, t0);
    let mut n = negotiated(flags);
    n.peer_db_version = Some(3);
    pce.session_up(SessionId(2), ip(PCC1), n);
    assert_eq!(pce.synchronized(SessionId(2)), Some(false));
    pce.handle_message(SessionId(2), rpt(vec![versioned(8, "b", 3), eos(3)]));
    assert_eq!(pce.lspdb().len(), 2, "the delta sync dropped nothing");
}

/// Names are bytes (RFC 8231 §7.3.2 does not make them UTF-8): operator
/// constraints for the LSP named "\u{FFFD}" do not apply to the LSP named
/// 0xFF, which a lossy UTF-8 conversion would turn into the same text.
#[test]
fn names_that_differ_in_bytes_are_different_lsps() {
    let mut pce = core();
    pce.session_up(S1, ip(PCC1), negotiated(UI));
    let text = report(7, "\u{FFFD}", true, true, long_way());
    let mut raw = report(8, "raw", true, true, long_way());
    raw.lsp.tlvs[0] = Tlv::SymbolicPathName(vec![0xFF].into());
    pce.handle_message(S1, rpt(vec![text.clone(), raw.clone(), end_of_sync()]));
    // Both move to the IGP shortest path; both acknowledge.
    let ups = updates(&drain(&mut pce));
    assert_eq!(ups.len(), 2);
    for (plsp, srp, ero) in ups {
        let mut ack = if plsp == 7 { text.clone() } else { raw.clone() };
        ack.lsp.sync = false;
        ack.ero = Ero::new(ero);
        ack.srp = Some(Srp {
            srp_id: srp,
            ..Srp::default()
        });
        pce.handle_message(S1, rpt(vec![ack]));
    }
    assert!(updates(&drain(&mut pce)).is_empty());
    // Minimum hop count for "\u{FFFD}" only: it goes back the long way.
    let hops = Attributes {
        metrics: vec![pcep::wire::object::Metric {
            metric_type: pcep::wire::MetricType::HOP_COUNT,
            ..pcep::wire::object::Metric::default()
        }],
        ..Attributes::default()
    };
    pce.update_lsp(ip(PCC1), "\u{FFFD}", hops).unwrap();
    let ups = updates(&drain(&mut pce));
    assert_eq!(
        ups.iter().map(|u| (u.0, u.2.clone())).collect::<Vec<_>>(),
        [(7, long_way())]
    );
    // Recomputing everything leaves 0xFF on its IGP path.
    pce.reoptimize();
    let moved: Vec<u32> = updates(&drain(&mut pce)).iter().map(|u| u.0).collect();
    assert!(!moved.contains(&8), "0xFF took the other LSP's constraints");
}

/// Topology changes are inputs of the core, in order with the rest: a link
/// going down moves the delegated LSP on it; an event the topology cannot
/// take is refused and changes nothing.
#[test]
fn topology_events_are_inputs_of_the_core() {
    use pce_engine::pce::{Input, TopologyChange};
    use pce_engine::topology::TopologyEvent;
    let t0 = origin();
    let mut pce = core();
    synced_pcc(&mut pce, true);
    let (_, srp, ero) = updates(&drain(&mut pce))[0].clone();
    let mut ack = report(7, "lsp-a", true, false, ero.clone());
    ack.srp = Some(Srp {
        srp_id: srp,
        ..Srp::default()
    });
    pce.handle(
        Input::Message {
            session: S1,
            message: Box::new(rpt(vec![ack])),
        },
        t0,
    );
    assert!(updates(&drain(&mut pce)).is_empty());
    let before = std::sync::Arc::clone(pce.topology());
    let bad = Input::Topology(TopologyChange::Event(TopologyEvent::LinkState {
        a: "R1".into(),
        b: "nowhere".into(),
        up: false,
        a_interface: None,
    }));
    assert!(matches!(
        pce.handle(bad, t0),
        Some(Err(CommandError::Topology(_)))
    ));
    assert!(std::sync::Arc::ptr_eq(&before, pce.topology()));
    assert!(drain(&mut pce).is_empty());
    // A link the LSP uses (R3-R4) goes down: it moves back the long way.
    let down = Input::Topology(TopologyChange::Event(TopologyEvent::LinkState {
        a: "R3".into(),
        b: "R4".into(),
        up: false,
        a_interface: None,
    }));
    assert_eq!(pce.handle(down, t0), Some(Ok(0)));
    let ups = updates(&drain(&mut pce));
    assert_eq!(ups.len(), 1, "{ups:?}");
    assert_ne!(ups[0].2, ero);
    assert_eq!(ups[0].2, long_way());
}

/// An update nobody acknowledges lapses after the update timeout: the LSP
/// is computed and updated again at once a bounded number of times in a
/// row, then with a backoff; an acknowledgement resets the count.
#[test]
fn unacknowledged_updates_are_sent_again_then_with_a_backoff() {
    use pce_engine::pce::Input;
    let t0 = origin();
    let mut pce = up_at(
        PceConfig {
            update_timeout: Duration::from_secs(30),
            update_retries: 2,
            ..PceConfig::default()
        },
        t0,
    );
    pce.handle(
        msg(rpt(vec![
            report(7, "lsp-a", true, true, long_way()),
            end_of_sync(),
        ])),
        t0,
    );
    let first = updates(&drain(&mut pce));
    assert_eq!(first.len(), 1);
    let key = pce
        .lspdb()
        .by_name(PccId::Addr(ip(PCC1)), b"lsp-a")
        .unwrap();
    let pending = |pce: &Pce| pce.lspdb().get(&key).unwrap().control.clone();
    assert_eq!(pending(&pce).pending_srp, Some(first[0].1));
    assert_eq!(pce.poll_timeout(), Some(t0 + Duration::from_secs(30)));
    // Nothing before the timeout.
    pce.handle(Input::Timer, t0 + Duration::from_secs(29));
    assert!(drain(&mut pce).is_empty());
    // Lapsed: sent again (same path, new SRP-ID), twice.
    let mut srps = vec![first[0].1];
    for n in 1..=2u32 {
        let t = t0 + Duration::from_secs(30 * u64::from(n));
        pce.handle(Input::Timer, t);
        let again = updates(&drain(&mut pce));
        assert_eq!(again.len(), 1, "retry {n}");
        assert_eq!(again[0].2, first[0].2);
        assert!(!srps.contains(&again[0].1));
        srps.push(again[0].1);
        assert_eq!(pending(&pce).unacknowledged, n);
    }
    // The third lapse: not at once any more, but after twice the timeout.
    pce.handle(Input::Timer, t0 + Duration::from_secs(90));
    assert!(drain(&mut pce).is_empty());
    let c = pending(&pce);
    assert_eq!((c.pending_srp, c.unacknowledged), (None, 3));
    assert_eq!(pce.poll_timeout(), Some(t0 + Duration::from_secs(150)));
    pce.handle(Input::Timer, t0 + Duration::from_secs(149));
    assert!(drain(&mut pce).is_empty());
    pce.handle(Input::Timer, t0 + Duration::from_secs(150));
    let (_, srp, ero) = updates(&drain(&mut pce))[0].clone();
    let mut ack = report(7, "lsp-a", true, false, ero);
    ack.srp = Some(Srp {
        srp_id: srp,
        ..Srp::default()
    });
    pce.handle(msg(rpt(vec![ack])), t0 + Duration::from_secs(151));
    let c = pending(&pce);
    assert_eq!((c.pending_srp, c.unacknowledged), (None, 0));
}

/// A PCC refusing an update (PCErr naming its SRP-ID): the update is no
/// longer pending and the error is on the LSP; a PCErr naming an SRP-ID
/// that is not pending changes nothing.
#[test]
fn a_refused_update_is_no_longer_pending() {
    let mut pce = core();
    synced_pcc(&mut pce, true);
    let (plsp, srp, _) = updates(&drain(&mut pce))[0].clone();
    let key = pce
        .lspdb()
        .by_name(PccId::Addr(ip(PCC1)), b"lsp-a")
        .unwrap();
    assert_eq!(key.plsp_id, plsp);
    let refuse = |srp_id| {
        Message::PcErr(PcErr {
            errors: vec![ErrorUnit {
                srps: vec![Srp {
                    srp_id,
                    ..Srp::default()
                }],
                errors: vec![PcepError::new(PcErrCode::new(24, 3))],
                ..ErrorUnit::default()
            }],
            open: None,
        })
    };
    pce.handle_message(S1, refuse(srp + 100));
    assert_eq!(
        pce.lspdb().get(&key).unwrap().control.pending_srp,
        Some(srp)
    );
    pce.handle_message(S1, refuse(srp));
    let c = pce.lspdb().get(&key).unwrap().control.clone();
    assert_eq!(c.pending_srp, None);
    assert_eq!(c.error, Some(PcErrCode::new(24, 3)));
}

/// Updates beyond a session's window wait in the core: a newer path for a
/// waiting LSP replaces the one waiting (one PCUpd per LSP), they go out
/// as acknowledgements come in or updates lapse, and each update's timeout
/// runs from when it is sent.
#[test]
fn updates_beyond_the_window_wait_coalesced_and_go_as_the_window_drains() {
    use pce_engine::pce::Input;
    let t0 = origin();
    let mut pce = up_at(
        PceConfig {
            update_timeout: Duration::from_secs(30),
            update_window: 2,
            ..PceConfig::default()
        },
        t0,
    );
    let mut sync: Vec<StateReport> = (1..=5)
        .map(|i| report(i, &format!("lsp-{i}"), true, true, long_way()))
        .collect();
    sync.push(end_of_sync());
    pce.handle(msg(rpt(sync)), t0);
    let sent = updates(&drain(&mut pce));
    let plsps = |u: &[(u32, u32, Vec<Subobject>)]| u.iter().map(|u| u.0).collect::<Vec<_>>();
    assert_eq!(plsps(&sent), [1, 2], "a window of two");
    assert_eq!(pce.counters().updates_waiting, 3);
    let best = sent[0].2.clone();

    // LSP 4 moves while its update waits: computed again, the waiting
    // update replaced, nothing sent.
    pce.handle(
        msg(rpt(vec![report(4, "lsp-4", true, false, long_way())])),
        t0 + Duration::from_secs(1),
    );
    assert!(updates(&drain(&mut pce)).is_empty());
    assert_eq!(pce.counters().updates_coalesced, 1);
    assert_eq!(pce.counters().updates_waiting, 3);

    // LSP 1 acknowledges: one more goes (LSP 3, the first waiting).
    let ack = |plsp: u32, srp: u32| {
        let mut r = report(plsp, &format!("lsp-{plsp}"), true, false, best.clone());
        r.srp = Some(Srp {
            srp_id: srp,
            ..Srp::default()
        });
        msg(rpt(vec![r]))
    };
    pce.handle(ack(1, sent[0].1), t0 + Duration::from_secs(2));
    let third = updates(&drain(&mut pce));
    assert_eq!(plsps(&third), [3]);
    assert_ne!(third[0].1, sent[1].1, "its own SRP-ID, given when sent");

    // LSP 2's update (sent at t0) lapses at t0 + 30 s, LSP 3's (sent at
    // t0 + 2 s) not yet: LSP 4 takes the place; LSP 2 queues behind LSP 5.
    pce.handle(Input::Timer, t0 + Duration::from_secs(30));
    let fourth = updates(&drain(&mut pce));
    assert_eq!(plsps(&fourth), [4]);
    assert_eq!(pce.counters().updates_waiting, 2);

    // Acknowledged one by one, the rest go in order, each LSP once.
    pce.handle(ack(3, third[0].1), t0 + Duration::from_secs(31));
    let fifth = updates(&drain(&mut pce));
    assert_eq!(plsps(&fifth), [5]);
    pce.handle(ack(4, fourth[0].1), t0 + Duration::from_secs(31));
    let again = updates(&drain(&mut pce));
    assert_eq!(plsps(&again), [2]);
    assert_eq!(pce.counters().updates_waiting, 0);
    pce.handle(ack(5, fifth[0].1), t0 + Duration::from_secs(31));
    pce.handle(ack(2, again[0].1), t0 + Duration::from_secs(31));
    assert!(updates(&drain(&mut pce)).is_empty(), "all settled");
    assert_eq!(pce.counters().updates_acked, 5);
    assert_eq!(pce.counters().updates_sent, 6, "five, and LSP 2 again");

    // What waits goes with its session.
    pce.handle(
        msg(rpt((1..=5)
            .map(|i| report(i, &format!("lsp-{i}"), true, false, long_way()))
            .collect())),
        t0 + Duration::from_secs(32),
    );
    assert_eq!(updates(&drain(&mut pce)).len(), 2);
    assert_eq!(pce.counters().updates_waiting, 3);
    pce.handle(
        Input::SessionDown { session: S1 },
        t0 + Duration::from_secs(33),
    );
    assert_eq!(pce.counters().updates_waiting, 0);
}

/// A core with `config` on topology A, PCC1's session up at `t0`.
fn up_at(config: PceConfig, t0: Instant) -> Pce {
    use pce_engine::pce::Input;
    let mut pce = Pce::new(
        config,
        Arc::new(load("draft-topology-a.json")),
        LspDb::new(),
    );
    pce.handle(
        Input::SessionUp {
            session: S1,
            peer: ip(PCC1),
            negotiated: Box::new(negotiated(UI)),
        },
        t0,
    );
    pce
}

/// A message on PCC1's session.
fn msg(m: Message) -> pce_engine::pce::Input {
    pce_engine::pce::Input::Message {
        session: S1,
        message: Box::new(m),
    }
}

/// A PCC acts on its own LSPs only: another PCC reporting the same
/// PLSP-ID and name (a removal, a revocation, another path) or refusing
/// the first PCC's update by its SRP-ID touches nothing of the first's.
#[test]
fn a_pcc_cannot_touch_another_pccs_lsps() {
    let mut pce = core();
    synced_pcc(&mut pce, true);
    let sent = updates(&drain(&mut pce));
    assert_eq!(sent.len(), 1);
    let (_, srp, _) = sent[0].clone();
    let pcc1 = PccId::Addr(ip(PCC1));
    let key = pce.lspdb().by_name(pcc1, b"lsp-a").unwrap();
    let before = pce.lspdb().get(&key).unwrap().clone();

    let s2 = SessionId(2);
    pce.session_up(s2, ip("192.0.2.2"), negotiated(UI));
    pce.handle_message(s2, rpt(vec![end_of_sync()]));
    // The same PLSP-ID and name: removed, not delegated, another path.
    let mut remove = report(7, "lsp-a", false, false, long_way());
    remove.lsp.remove = true;
    pce.handle_message(s2, rpt(vec![remove]));
    pce.handle_message(
        s2,
        rpt(vec![report(
            7,
            "lsp-a",
            false,
            false,
            vec![hop("10.0.0.5")],
        )]),
    );
    // A PCErr with the first PCC's SRP-ID.
    pce.handle_message(s2, refusal(srp));
    drain(&mut pce);
    let after = pce.lspdb().get(&key).unwrap().clone();
    assert_eq!(
        after.control.pending_srp,
        Some(srp),
        "its update still awaited"
    );
    assert!(after.control.delegated);
    assert_eq!(after.report(), before.report(), "its report untouched");
    assert_eq!(pce.lspdb().by_name(pcc1, b"lsp-a"), Some(key));
    // The second PCC's own LSP is its own.
    let theirs = pce
        .lspdb()
        .by_name(PccId::Addr(ip("192.0.2.2")), b"lsp-a")
        .unwrap();
    assert_ne!(theirs, key);
}

/// A PCC's PCErr 24/1 for the request with SRP-ID `srp`.
fn refusal(srp: u32) -> Message {
    Message::PcErr(PcErr {
        errors: vec![ErrorUnit {
            srps: vec![Srp {
                srp_id: srp,
                ..Srp::default()
            }],
            errors: vec![PcepError::new(PcErrCode::new(24, 1))],
            ..ErrorUnit::default()
        }],
        open: None,
    })
}

/// The operator's intent: each change is told once, as it now stands; the
/// whole goes through its stored (serde) form into a new core, which sends
/// nothing then and initiates what the PCC lacks once it has synchronized.
#[test]
fn intent_changes_are_told_and_a_restored_core_initiates_what_the_pcc_lacks() {
    use pce_engine::pce::{Command, Initiated, Input, Intent, IntentChange};
    let mut pce = core();
    synced_pcc(&mut pce, false);
    drain(&mut pce);
    assert!(pce.take_intent_changes().is_empty());
    // A refused initiation changes nothing.
    let mut bad = spec("x");
    bad.destination = ip("203.0.113.9");
    assert!(pce.initiate(bad).is_err());
    assert!(pce.take_intent_changes().is_empty());
    pce.initiate(spec("a")).unwrap();
    pce.initiate(spec("b")).unwrap();
    drain(&mut pce);
    let told: Vec<(String, bool)> = pce
        .take_intent_changes()
        .into_iter()
        .map(|c| match c {
            IntentChange::Initiated { name, now, .. } => (name, now.is_some()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(told, [("a".into(), true), ("b".into(), true)]);
    let wide = Attributes {
        bandwidth: Some(pcep::wire::object::Bandwidth {
            bandwidth: 1.25e6,
            ..Default::default()
        }),
        ..Attributes::default()
    };
    pce.update_lsp(ip(PCC1), "a", wide.clone()).unwrap();
    pce.delete_initiated(ip(PCC1), "b").unwrap();
    drain(&mut pce);
    let mut a = spec("a");
    a.attributes = wide.clone();
    assert_eq!(
        pce.take_intent_changes(),
        [
            IntentChange::Initiated {
                pcc: ip(PCC1),
                name: "a".into(),
                now: Some(Initiated(Box::new(a.clone()))),
            },
            IntentChange::Initiated {
                pcc: ip(PCC1),
                name: "b".into(),
                now: None,
            },
        ]
    );
    assert!(pce.take_intent_changes().is_empty(), "told once");
    let intent = pce.intent();
    assert_eq!(intent.initiated, [Initiated(Box::new(a))]);
    // The stored form.
    let stored: Intent = serde_json::from_str(&serde_json::to_string(&intent).unwrap()).unwrap();
    assert_eq!(stored, intent);

    let mut restarted = core();
    let result = restarted.handle(Input::Command(Command::Restore(Box::new(stored))), origin());
    assert_eq!(result, Some(Ok(1)));
    assert!(drain(&mut restarted).is_empty(), "nothing sent on restore");
    assert!(restarted.take_intent_changes().is_empty());
    assert_eq!(restarted.intent(), intent);
    // Its name is taken.
    assert!(matches!(
        restarted.initiate(spec("a")),
        Err(CommandError::NameInUse { .. })
    ));
    synced_pcc(&mut restarted, false);
    let out = drain(&mut restarted);
    let init = out
        .iter()
        .find_map(|o| match o {
            Output::Send {
                message: Message::PcInitiate(i),
                ..
            } => Some(i.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{out:?}"));
    assert_eq!(init.requests[0].lsp.symbolic_name().unwrap().as_ref(), b"a");
    assert_eq!(init.requests[0].attributes.bandwidth, wide.bandwidth);
}

/// The operator's topology changes are intent: kept (each link's merged),
/// told to the shell, held over a reloaded topology, restored after a
/// restart; bringing a link or node up lifts that part, and clearing them
/// all lets the next topology stand as it comes.
#[test]
fn operator_topology_changes_hold_over_reloads_and_restarts() {
    use pce_engine::pce::{Command, Input, IntentChange, TopologyChange};
    use pce_engine::topology::{LinkPatch, TopologyEvent, TopologyFile};
    let file = TopologyFile::read(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/topologies/draft-topology-a.json"),
    )
    .unwrap();
    let link = |pce: &Pce, a: &str, b: &str| {
        let t = pce.topology();
        let (a, b) = (t.node_by_name(a).unwrap(), t.node_by_name(b).unwrap());
        let l = t.link_between(a, b).unwrap();
        (t.link_up(l), t.link(l).unwrap().igp)
    };
    let node_up = |pce: &Pce, n: &str| {
        let t = pce.topology();
        t.node(t.node_by_name(n).unwrap()).unwrap().up
    };
    let patch = |a: &str, b: &str, set: LinkPatch| {
        Input::Topology(TopologyChange::Event(TopologyEvent::Link {
            a: a.into(),
            b: b.into(),
            a_interface: None,
            one_way: false,
            set,
        }))
    };
    let t0 = origin();
    let mut pce = core();
    // R1-R3 down, then its metric changed: one entry, both kept.
    for set in [
        LinkPatch {
            up: Some(false),
            ..LinkPatch::default()
        },
        LinkPatch {
            igp_metric: Some(77),
            ..LinkPatch::default()
        },
    ] {
        assert!(matches!(
            pce.handle(patch("R1", "R3", set), t0),
            Some(Ok(_))
        ));
    }
    let down = Input::Topology(TopologyChange::Event(TopologyEvent::NodeState {
        node: "R4".into(),
        up: false,
    }));
    assert!(matches!(pce.handle(down, t0), Some(Ok(_))));
    assert_eq!(
        (link(&pce, "R1", "R3"), node_up(&pce, "R4")),
        ((false, 77), false)
    );
    let intent = pce.intent();
    assert_eq!(intent.topology.len(), 2, "{:?}", intent.topology);
    let told = pce.take_intent_changes();
    assert!(
        matches!(told.as_slice(), [IntentChange::Topology { now }] if *now == intent.topology),
        "{told:?}"
    );
    // A reload of the file: the operator's changes hold over it.
    assert!(matches!(
        pce.handle(Input::Topology(TopologyChange::replace(file.clone())), t0),
        Some(Ok(_))
    ));
    assert_eq!(
        (link(&pce, "R1", "R3"), node_up(&pce, "R4")),
        ((false, 77), false)
    );
    // A restart: a new core over the file, the intent restored.
    let mut again = core();
    assert_eq!(link(&again, "R1", "R3"), (true, 1));
    again.handle(Input::Command(Command::Restore(Box::new(intent))), t0);
    assert_eq!(
        (link(&again, "R1", "R3"), node_up(&again, "R4")),
        ((false, 77), false)
    );
    // Up again: that part lifted (the metric stays asked for), and a
    // reload no longer takes the link down.
    let up = LinkPatch {
        up: Some(true),
        ..LinkPatch::default()
    };
    assert!(matches!(
        again.handle(patch("R1", "R3", up), t0),
        Some(Ok(_))
    ));
    again.handle(Input::Topology(TopologyChange::replace(file.clone())), t0);
    assert_eq!(link(&again, "R1", "R3"), (true, 77));
    // Cleared: the next topology is the file's.
    assert!(matches!(
        again.handle(Input::Command(Command::ClearOperatorTopology), t0),
        Some(Ok(2))
    ));
    assert!(again.intent().topology.is_empty());
    again.handle(Input::Topology(TopologyChange::replace(file)), t0);
    assert_eq!(
        (link(&again, "R1", "R3"), node_up(&again, "R4")),
        ((true, 1), true)
    );
}

/// The state file keeps every kind of intent: initiated LSPs, overrides,
/// returned delegations, topology changes; a change to "gone" removes it;
/// reopened, the file gives back what was stored.
#[test]
fn the_state_file_keeps_every_kind_of_intent() {
    use pce_engine::pce::{Initiated, IntentChange, Override, Returned};
    use pce_engine::runtime::store::Store;
    use pce_engine::topology::TopologyEvent;
    let dir = std::env::temp_dir().join(format!("pce-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.redb");
    let mut grouped = spec("blue");
    grouped.disjoint_group = Some(pce_engine::pce::DisjointGroup {
        id: 7,
        source: ip("192.0.2.7"),
        flags: 0x12,
    });
    let topology = vec![TopologyEvent::NodeState {
        node: "R4".into(),
        up: false,
    }];
    let all = vec![
        IntentChange::Initiated {
            pcc: ip(PCC1),
            name: "blue".into(),
            now: Some(Initiated(Box::new(grouped.clone()))),
        },
        IntentChange::Initiated {
            pcc: ip(PCC1),
            name: "gone".into(),
            now: Some(Initiated(Box::new(spec("gone")))),
        },
        IntentChange::Override {
            pcc: ip(PCC1),
            name: "lsp-a".into(),
            now: Some(Override {
                pcc: ip(PCC1),
                name: "lsp-a".into(),
                attributes: Box::default(),
            }),
        },
        IntentChange::Returned {
            pcc: ip(PCC1),
            name: "lsp-b".into(),
            now: true,
        },
        IntentChange::Returned {
            pcc: ip(PCC1),
            name: "lsp-c".into(),
            now: true,
        },
        IntentChange::Topology {
            now: topology.clone(),
        },
    ];
    {
        let store = Store::open(&path).unwrap();
        store.apply(&all).unwrap();
        store
            .apply(&[
                IntentChange::Initiated {
                    pcc: ip(PCC1),
                    name: "gone".into(),
                    now: None,
                },
                IntentChange::Returned {
                    pcc: ip(PCC1),
                    name: "lsp-c".into(),
                    now: false,
                },
            ])
            .unwrap();
    }
    let intent = Store::open(&path).unwrap().load().unwrap();
    assert_eq!(intent.initiated, [Initiated(Box::new(grouped))]);
    assert_eq!(intent.overrides.len(), 1);
    assert_eq!(
        intent.returned,
        [Returned {
            pcc: ip(PCC1),
            name: "lsp-b".into()
        }]
    );
    assert_eq!(intent.topology, topology);
    // No topology change left: the entry goes.
    {
        let store = Store::open(&path).unwrap();
        store
            .apply(&[IntentChange::Topology { now: Vec::new() }])
            .unwrap();
    }
    assert!(Store::open(&path)
        .unwrap()
        .load()
        .unwrap()
        .topology
        .is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The intent comes in pages: initiated LSPs, overrides, returned
/// delegations, each by head end and name, the topology changes with the
/// first page; every entry once, in that order, whatever the page size.
#[test]
fn the_intent_comes_in_pages() {
    use pce_engine::pce::{Command, Initiated, Input, Intent, Override, Returned};
    use pce_engine::topology::TopologyEvent;
    let whole = Intent {
        initiated: (0..7)
            .map(|i| Initiated(Box::new(spec(&format!("i{i}")))))
            .collect(),
        overrides: (0..5)
            .map(|i| Override {
                pcc: ip(PCC1),
                name: format!("o{i}"),
                attributes: Box::default(),
            })
            .collect(),
        returned: (0..4)
            .map(|i| Returned {
                pcc: ip(PCC1),
                name: format!("r{i}"),
            })
            .collect(),
        topology: vec![TopologyEvent::NodeState {
            node: "R4".into(),
            up: false,
        }],
    };
    let mut pce = core();
    pce.handle(
        Input::Command(Command::Restore(Box::new(whole.clone()))),
        origin(),
    );
    assert_eq!(pce.intent(), whole);
    for limit in [1, 3, 4, 16, 100] {
        let (mut all, mut after, mut pages) = (Intent::default(), None, 0);
        loop {
            let (page, next) = pce.intent_page(after.as_ref(), limit);
            pages += 1;
            assert!(page.initiated.len() + page.overrides.len() + page.returned.len() <= limit);
            assert_eq!(page.topology.is_empty(), pages > 1, "limit {limit}");
            all.initiated.extend(page.initiated);
            all.overrides.extend(page.overrides);
            all.returned.extend(page.returned);
            all.topology.extend(page.topology);
            match next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(all, whole, "limit {limit}");
        assert_eq!(pages, 16_usize.div_ceil(limit), "limit {limit}");
    }
}
