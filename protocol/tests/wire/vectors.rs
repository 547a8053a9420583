//! Codec vectors in both directions: bytes -> value -> the same bytes, and
//! value -> bytes -> the same value.
//!
//! Real messages published by other implementations are facts and are used
//! here with their provenance. Source of the `FRR_*` vectors: FRRouting,
//! `pceplib/test/pcep_msg_tools_test.c` (messages captured from
//! OpenDaylight, a Cisco PCE and a Cisco PCC, kept there as hex byte arrays).

use std::net::Ipv4Addr;

use pcep::samples;
use pcep::wire::object::{Nai, Object, Subobject};
use pcep::wire::tlv::Tlv;
use pcep::wire::{Message, MetricType, PathSetupType, StateSyncCodepoints, TlvType};

use super::support::{assert_eq_hex, decode, encode, hex};

/// OPEN from OpenDaylight: stateful capability 0x3f, deprecated SR-PCE-CAPABILITY (MSD 0).
const FRR_ODL_OPEN: &str =
    "20 01 00 1c 01 10 00 18 20 1e 78 55 00 10 00 04 00 00 00 3f 00 1a 00 04 00 00 00 00";
/// PCInitiate from OpenDaylight: SRP, LSP (D, A, symbolic name), END-POINTS, ERO with two IPv4 prefixes.
const FRR_ODL_INITIATE: &str =
    "20 0c 00 44 21 12 00 0c 00 00 00 00 00 00 00 01 20 10 00 14 00 00 00 09
    00 11 00 08 66 61 39 33 33 39 32 39 04 10 00 0c 7f 00 00 01 28 28 28 28
    07 10 00 14 01 08 0a 00 01 01 18 00 01 08 0a 00 07 04 18 00";
/// PCInitiate from OpenDaylight with an SR ERO in the pre-RFC 8664 subobject type 5.
const FRR_ODL_INITIATE2: &str =
    "20 0c 00 48 21 12 00 14 00 00 00 00 00 00 00 01 00 1c 00 04 00 00 00 01
    20 10 00 14 00 00 00 09 00 11 00 08 36 65 31 31 38 39 32 31 04 10 00 0c
    c0 a8 14 05 01 01 01 01 07 10 00 10 05 0c 10 01 03 e8 a0 00 01 01 01 01";
/// PCUpd from OpenDaylight (pre-RFC 8664 SR subobject type 5).
const FRR_ODL_UPDATE: &str =
    "20 0b 00 30 21 12 00 14 00 00 00 00 00 00 00 01 00 1c 00 04 00 00 00 01
    20 10 00 08 00 02 a0 09 07 10 00 10 05 0c 10 01 03 e8 a0 00 01 01 01 01";
/// OPEN from a Cisco PCE: keepalive 60, dead 120, U|I, SR MSD 10 (deprecated TLV 26).
const FRR_CISCO_PCE_OPEN: &str =
    "20 01 00 1c 01 10 00 18 20 3c 78 00 00 10 00 04 00 00 00 05 00 1a 00 04 00 00 00 0a";
/// PCUpd from a Cisco PCE: SRP (PST SR), LSP with VENDOR-INFORMATION TLV, 3 SR-ERO hops, METRIC TE 30.
const FRR_CISCO_PCE_UPDATE: &str =
    "20 0b 00 64 21 10 00 14 00 00 00 00 00 00 00 01 00 1c 00 04 00 00 00 01
    20 10 00 18 80 00 f0 89 00 07 00 0c 00 00 00 09 00 03 00 04 00 00 00 01
    07 10 00 28 24 0c 10 01 04 65 50 00 0a 0a 0a 05 24 0c 10 01 04 65 20 00
    0a 0a 0a 02 24 0c 10 01 04 65 10 00 0a 0a 0a 01 06 10 00 0c 00 00 00 02
    41 f0 00 00";
/// PCRpt from a Cisco PCC: SRP (PST SR), LSP (IPv4 LSP IDs, NUL-terminated
/// symbolic name, unregistered TLV 65505), empty ERO, LSPA, BANDWIDTH (P),
/// BANDWIDTH object-type 5 (unregistered, P), two METRICs.
const FRR_CISCO_PCC_REPORT: &str =
    "20 0a 00 94 21 10 00 14 00 00 00 00 00 00 00 00 00 1c 00 04 00 00 00 01
    20 10 00 3c 80 00 f0 09 00 12 00 10 0a 0a 0a 06 00 02 00 0f 0a 0a 0a 06
    0a 0a 0a 01 00 11 00 0d 63 66 67 5f 52 36 2d 74 6f 2d 52 31 00 00 00 00
    ff e1 00 06 00 00 05 dd 70 00 00 00 07 10 00 04 09 10 00 14 00 00 00 00
    00 00 00 00 00 00 00 00 07 07 01 00 05 12 00 08 00 00 00 00 05 52 00 08
    00 00 00 00 06 10 00 0c 00 00 00 02 00 00 00 00 06 10 00 0c 00 00 01 04
    41 80 00 00";
/// PCInitiate from a Cisco PCE: SRP, LSP, END-POINTS, INTER-LAYER (class 36)
/// and SWITCH-LAYER (class 37) objects this codec does not know, empty ERO.
const FRR_CISCO_PCC_INITIATE: &str =
    "20 0c 00 68 21 10 00 14 00 00 00 00 00 00 00 01 00 1c 00 04 00 00 00 01
    20 10 00 30 00 00 00 89 00 11 00 13 50 4f 4c 31 5f 50 43 49 4e 49 54 41
    54 45 5f 54 45 53 54 00 00 07 00 0c 00 00 00 09 00 03 00 04 00 00 00 01
    04 10 00 0c 0a 0a 0a 0a 0a 0a 0a 04 24 10 00 08 00 00 01 4d 25 10 00 08
    00 00 00 64 07 10 00 04";

/// bytes -> value -> bytes, exactly.
fn round_trip_bytes(hex_str: &str) -> Message {
    let bytes = hex(hex_str);
    let m = decode(&bytes);
    assert_eq_hex(&encode(&m), &bytes);
    m
}

#[test]
fn frr_odl_open() {
    let Message::Open(open) = round_trip_bytes(FRR_ODL_OPEN) else {
        panic!("not an Open")
    };
    assert_eq!(
        (
            open.version,
            open.keepalive,
            open.dead_timer,
            open.session_id
        ),
        (1, 30, 120, 85)
    );
    let caps = open.stateful_capability().unwrap();
    assert!(caps.update() && caps.include_db_version() && caps.instantiation());
    assert!(caps.triggered_resync() && caps.delta_lsp_sync() && caps.triggered_initial_sync());
    assert_eq!(open.sr_capability().unwrap().msd, 0);
}

#[test]
fn frr_odl_initiate() {
    let Message::PcInitiate(m) = round_trip_bytes(FRR_ODL_INITIATE) else {
        panic!()
    };
    let r = &m.requests[0];
    assert!(
        r.srp.header.processing,
        "P flag of the SRP is kept as received"
    );
    assert_eq!(r.srp.srp_id, 1);
    assert!(r.lsp.delegate && r.lsp.administrative && !r.lsp.create);
    assert_eq!(r.lsp.symbolic_name().unwrap().as_ref(), b"fa933929");
    let ero = &r.ero.as_ref().unwrap().subobjects;
    assert_eq!(
        ero[0],
        Subobject::Ipv4Prefix {
            loose: false,
            address: Ipv4Addr::new(10, 0, 1, 1),
            prefix_length: 24,
            attribute: 0
        }
    );
    assert_eq!(ero.len(), 2);
}

#[test]
fn frr_odl_initiate2_and_update_keep_pre_rfc_sr_subobjects() {
    for v in [FRR_ODL_INITIATE2, FRR_ODL_UPDATE] {
        let m = round_trip_bytes(v);
        let ero = match &m {
            Message::PcInitiate(i) => i.requests[0].ero.clone().unwrap(),
            Message::PcUpd(u) => {
                assert_eq!(u.updates[0].lsp.plsp_id, 42);
                assert_eq!(u.updates[0].srp.path_setup_type(), PathSetupType::SR_TE);
                u.updates[0].ero.clone()
            }
            other => panic!("unexpected {other:?}"),
        };
        assert!(matches!(
            ero.subobjects[0],
            Subobject::Unknown {
                subobject_type: 5,
                ..
            }
        ));
    }
}

#[test]
fn frr_cisco_pce_open() {
    let Message::Open(open) = round_trip_bytes(FRR_CISCO_PCE_OPEN) else {
        panic!()
    };
    assert_eq!((open.keepalive, open.dead_timer), (60, 120));
    let caps = open.stateful_capability().unwrap();
    assert!(caps.update() && caps.instantiation() && !caps.include_db_version());
    assert_eq!(open.sr_capability().unwrap().msd, 10);
}

#[test]
fn frr_cisco_pce_update() {
    let Message::PcUpd(m) = round_trip_bytes(FRR_CISCO_PCE_UPDATE) else {
        panic!()
    };
    let u = &m.updates[0];
    assert_eq!(u.lsp.plsp_id, 524_303);
    assert!(u.lsp.delegate && u.lsp.administrative && u.lsp.create);
    assert!(matches!(
        u.lsp.tlvs[0],
        Tlv::VendorInformation { enterprise: 9, .. }
    ));
    let labels: Vec<_> = u
        .ero
        .subobjects
        .iter()
        .map(|s| match s {
            Subobject::Sr(sr) => (sr.label().unwrap(), sr.nai),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        labels[0],
        (
            18_005,
            Some(Nai::Ipv4Node {
                address: Ipv4Addr::new(10, 10, 10, 5)
            })
        )
    );
    assert_eq!(labels.len(), 3);
    assert_eq!(u.attributes.metrics[0].metric_type, MetricType::TE);
    assert_eq!(u.attributes.metrics[0].value, 30.0);
}

#[test]
fn frr_cisco_pcc_report_keeps_unregistered_objects_and_tlvs() {
    let Message::PcRpt(m) = round_trip_bytes(FRR_CISCO_PCC_REPORT) else {
        panic!()
    };
    let r = &m.reports[0];
    assert_eq!(r.lsp.plsp_id, 524_303);
    assert_eq!(r.lsp.symbolic_name().unwrap().as_ref(), b"cfg_R6-to-R1\0");
    assert!(matches!(
        r.lsp.tlvs[2],
        Tlv::Unknown {
            tlv_type: TlvType(65505),
            ..
        }
    ));
    assert_eq!(r.lsp.ipv4_identifiers().unwrap().tunnel_id, 15);
    assert!(r.ero.subobjects.is_empty());
    assert!(r.intended.bandwidth.unwrap().header.processing);
    assert_eq!(r.intended.metrics.len(), 2);
    assert!(r.intended.metrics[1].bound());
    // BANDWIDTH object-type 5 (P=1) is not registered: kept in place.
    assert_eq!(r.unknown.len(), 1);
    assert_eq!(
        (r.unknown[0].object.class.0, r.unknown[0].object.object_type),
        (5, 5)
    );
}

#[test]
fn frr_cisco_pcc_initiate_keeps_unknown_classes_in_place() {
    let Message::PcInitiate(m) = round_trip_bytes(FRR_CISCO_PCC_INITIATE) else {
        panic!()
    };
    let r = &m.requests[0];
    assert_eq!(
        r.lsp.symbolic_name().unwrap().as_ref(),
        b"POL1_PCINITATE_TEST"
    );
    assert!(r.ero.as_ref().unwrap().subobjects.is_empty());
    let classes: Vec<_> = r
        .unknown
        .iter()
        .map(|u| (u.index, u.object.class.0))
        .collect();
    assert_eq!(classes, vec![(3, 36), (4, 37)]);
}

/// Hand-assembled from the RFC layouts, independent of the encoder.
#[test]
fn hand_written_vectors() {
    // Keepalive (RFC 5440 §6.3).
    assert_eq!(round_trip_bytes("20 02 00 04"), Message::Keepalive);
    // StartTLS (RFC 8253 §3.2).
    assert_eq!(round_trip_bytes("20 0d 00 04"), Message::StartTls);
    // Close, reason 2 (DeadTimer).
    let Message::Close(c) = round_trip_bytes("20 07 00 0c 0f 10 00 08 00 00 00 02") else {
        panic!()
    };
    assert_eq!(c.reason.0, 2);
    // PCErr 1/2 with no request list.
    let Message::PcErr(e) = round_trip_bytes("20 06 00 0c 0d 10 00 08 00 00 01 02") else {
        panic!()
    };
    assert_eq!(
        e.errors[0].errors[0].code(),
        pcep::wire::PcErrCode::NO_OPEN_BEFORE_OPENWAIT
    );
    // PCNtf: PCE congestion (2/1) with OVERLOADED-DURATION 60 s.
    let Message::PcNtf(n) =
        round_trip_bytes("20 05 00 14 0c 10 00 10 00 00 02 01 00 02 00 04 00 00 00 3c")
    else {
        panic!()
    };
    assert_eq!(
        n.notifications[0].notifications[0].tlvs,
        vec![Tlv::OverloadedDuration(60)]
    );
    // PCReq: RP (P) id 1, END-POINTS 10.0.0.1 -> 10.0.0.2.
    let Message::PcReq(q) = round_trip_bytes(
        "20 03 00 1c 02 12 00 0c 00 00 00 00 00 00 00 01 04 10 00 0c 0a 00 00 01 0a 00 00 02",
    ) else {
        panic!()
    };
    assert_eq!(q.requests[0].rp.request_id, 1);
    // PCRep: RP (P) id 1, NO-PATH NI 0.
    let Message::PcRep(p) =
        round_trip_bytes("20 04 00 18 02 12 00 0c 00 00 00 00 00 00 00 01 03 10 00 08 00 00 00 00")
    else {
        panic!()
    };
    assert!(p.responses[0].no_path.is_some());
    // PCRpt end-of-sync marker (RFC 8231 §5.6): LSP PLSP-ID 0, S=0, empty ERO.
    let Message::PcRpt(r) = round_trip_bytes("20 0a 00 10 20 10 00 08 00 00 00 00 07 10 00 04")
    else {
        panic!()
    };
    assert!(r.reports[0].lsp.is_end_of_sync());
}

/// Every sample message: value -> bytes -> the same value -> the same bytes.
#[test]
fn samples_round_trip() {
    let cp = StateSyncCodepoints::default();
    let samples = samples::all(&cp);
    let mut types: Vec<_> = samples.iter().map(|(_, m)| m.message_type().0).collect();
    types.sort_unstable();
    types.dedup();
    assert_eq!(
        types,
        vec![1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13],
        "every message type is sampled"
    );
    for (name, m) in samples {
        let bytes = encode(&m);
        let back = decode(&bytes);
        assert_eq!(back, m, "{name}");
        assert_eq_hex(&encode(&back), &bytes);
    }
}

/// The samples use every object class the codec knows.
#[test]
fn samples_cover_every_object_class() {
    use std::collections::BTreeSet;
    let cp = StateSyncCodepoints::default();
    let mut seen = BTreeSet::new();
    for (_, m) in samples::all(&cp) {
        let bytes = encode(&m);
        let mut body = bytes.slice(4..);
        while body.len() >= 4 {
            seen.insert(body[0]);
            let len = usize::from(u16::from_be_bytes([body[2], body[3]]));
            body = body.slice(len..);
        }
    }
    let known: BTreeSet<u8> = [
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 21, 32, 33, 34, 40,
    ]
    .into();
    assert_eq!(seen, known);
}

/// The state-sync code points are configuration: ORIGINAL-LSP-DB-VERSION is
/// read at whatever type is configured, and is an unknown TLV otherwise.
#[test]
fn state_sync_tlv_type_is_configurable() {
    let mut cfg = pcep::wire::WireConfig::default();
    cfg.state_sync.original_lsp_db_version_tlv = 65_520;
    cfg.state_sync.validate().unwrap();
    let m = samples::all(&cfg.state_sync)
        .into_iter()
        .find(|(n, _)| *n == "pcrpt-full")
        .unwrap()
        .1;
    let bytes = m.to_bytes(&cfg).unwrap();
    assert!(bytes.windows(2).any(|w| w == 65_520u16.to_be_bytes()));
    assert_eq!(Message::decode(bytes.clone(), &cfg).unwrap(), m);
    // Read with the default type, the TLV is unknown and kept raw.
    let Message::PcRpt(r) = Message::decode(bytes, &pcep::wire::WireConfig::default()).unwrap()
    else {
        panic!()
    };
    assert!(r.reports[0].lsp.original_db_version().is_none());
    assert!(r.reports[0].lsp.tlvs.iter().any(|t| matches!(
        t,
        Tlv::Unknown {
            tlv_type: TlvType(65_520),
            ..
        }
    )));
    // Colliding choices are refused.
    cfg.state_sync.original_lsp_db_version_tlv = 23;
    assert!(cfg.state_sync.validate().is_err());
    cfg.state_sync = StateSyncCodepoints {
        inter_pce_capability_mask: 0x1,
        ..StateSyncCodepoints::default()
    };
    assert!(cfg.state_sync.validate().is_err());
}

#[test]
fn object_enum_encodes_standalone() {
    let cp = StateSyncCodepoints::default();
    let open = samples::pce_open(&cp);
    let mut out = bytes::BytesMut::new();
    Object::Open(open)
        .encode(&mut out, &pcep::wire::WireConfig::default())
        .unwrap();
    assert_eq!(out[0], 1);
    assert_eq!(usize::from(u16::from_be_bytes([out[2], out[3]])), out.len());
}

/// Fuzz regression (decode_message, first run): a METRIC whose value is a
/// NaN must survive a round trip bit for bit (NaN is not equal to itself,
/// so values are compared through their bytes).
#[test]
fn nan_metric_survives_bit_for_bit() {
    let bytes = hex(
        "20 0b 00 30 21 10 00 0c 00 00 00 00 00 00 00 01 20 10 00 08 00 00 20 09
                     07 10 00 04 05 10 00 08 7f 80 00 00 06 10 00 0c 00 00 ff ff 7f c0 00 01",
    );
    let m = decode(&bytes);
    let Message::PcUpd(u) = &m else { panic!() };
    assert!(u.updates[0].attributes.metrics[0].value.is_nan());
    assert_eq_hex(&encode(&m), &bytes);
}

/// TLV vectors from OpenDaylight bgpcep,
/// `pcep/ietf-stateful/src/test/java/org/opendaylight/protocol/pcep/ietf/PCEPTlvParserTest.java`
/// (STATEFUL_BYTES, STATEFUL_SYNC_OPT_BYTES, SYMBOLIC_NAME_BYTES,
/// LSP_UPDATE_ERROR_BYTES, LSP_IDENTIFIERS4_BYTES, LSP_IDENTIFIERS6_BYTES,
/// RSVP_ERROR_BYTES, RSVP_ERROR6_BYTES, USER_ERROR_BYTES), carried here in an
/// LSP object of a PCRpt (and an OPEN for the capabilities), decoded to the
/// values ODL's test asserts and re-encoded byte for byte.
#[test]
fn odl_tlv_vectors() {
    use super::support::{msg, obj};
    use std::net::Ipv6Addr;
    const STATEFUL: &str = "00 10 00 04 00 00 00 01";
    const STATEFUL_SYNC_OPT: &str = "00 10 00 04 00 00 00 33";
    const SYMBOLIC_NAME: &str = "00 11 00 1C 4d 65 64 20 74 65 73 74 20 6f 66 20 73 79 6d 62 6f 6c 69 63 20 6e 61 6d 65 65 65 65";
    const LSP_UPDATE_ERROR: &str = "00 14 00 04 25 68 95 03";
    const LSP_IDENTIFIERS4: &str = "00 12 00 10 12 34 56 78 FF FF 12 34 12 34 56 78 12 34 56 78";
    const LSP_IDENTIFIERS6: &str = "00 13 00 34 12 34 56 78 9A BC DE F0 12 34 56 78 9A BC DE F0 12 34 FF FF
        12 34 56 78 12 34 56 78 01 23 45 67 01 23 45 67 12 34 56 78 9A BC DE F0 12 34 56 78 9A BC DE F0";
    const RSVP_ERROR: &str = "00 15 00 0c 00 0c 06 01 12 34 56 78 02 92 16 02";
    const RSVP_ERROR6: &str =
        "00 15 00 18 00 18 06 02 12 34 56 78 9a bc de f0 12 34 56 78 9a bc de f0 02 d5 c5 d9";
    const USER_ERROR: &str =
        "00 15 00 18 00 18 c2 01 00 00 30 39 05 09 00 26 75 73 65 72 20 64 65 73 63 00 00 00";

    // Capabilities, in an OPEN.
    for (tlv, want) in [(STATEFUL, 0x01), (STATEFUL_SYNC_OPT, 0x33)] {
        let body = [&[0x20, 30, 120, 1][..], &hex(tlv)].concat();
        let bytes = msg(1, &[obj(1, 1, 0, &body)]);
        let Message::Open(open) = decode(&bytes) else {
            panic!()
        };
        let caps = open.stateful_capability().unwrap();
        assert_eq!(caps.0, want);
        assert_eq!(
            caps.include_db_version() && caps.delta_lsp_sync() && caps.triggered_initial_sync(),
            want == 0x33
        );
        assert_eq_hex(&encode(&Message::Open(open)), &bytes);
    }
    // LSP TLVs, in a PCRpt.
    let tlvs = [
        SYMBOLIC_NAME,
        LSP_UPDATE_ERROR,
        LSP_IDENTIFIERS4,
        LSP_IDENTIFIERS6,
        RSVP_ERROR,
        RSVP_ERROR6,
        USER_ERROR,
    ]
    .map(|t| hex(t).to_vec())
    .concat();
    let lsp = obj(32, 1, 0, &[&[0, 0, 0x10, 0x09][..], &tlvs].concat());
    let bytes = msg(10, &[lsp, obj(7, 1, 0, &[])]);
    let Message::PcRpt(r) = decode(&bytes) else {
        panic!()
    };
    let lsp = &r.reports[0].lsp;
    assert_eq!(
        lsp.symbolic_name().unwrap().as_ref(),
        b"Med test of symbolic nameeee"
    );
    assert_eq!(lsp.error_code(), Some(627_610_883));
    let v4 = lsp.ipv4_identifiers().unwrap();
    assert_eq!(
        (v4.sender, v4.lsp_id, v4.tunnel_id),
        (Ipv4Addr::new(0x12, 0x34, 0x56, 0x78), 65535, 4660)
    );
    let v6 = lsp.ipv6_identifiers().unwrap();
    assert_eq!((v6.lsp_id, v6.tunnel_id), (4660, 65535));
    assert_eq!(
        v6.extended_tunnel_id,
        "1234:5678:1234:5678:123:4567:123:4567"
            .parse::<Ipv6Addr>()
            .unwrap()
    );
    let specs: Vec<_> = lsp
        .tlvs
        .iter()
        .filter(|t| matches!(t, Tlv::RsvpErrorSpec(_)))
        .collect();
    assert_eq!(
        specs.len(),
        3,
        "RSVP-ERROR-SPEC kept opaque, IPv4, IPv6 and USER_ERROR_SPEC"
    );
    assert_eq_hex(&encode(&Message::PcRpt(r)), &bytes);
}

/// The state-sync code points are configuration: a TOML/JSON document can
/// override any of them, and unknown keys are refused.
#[test]
fn state_sync_code_points_deserialize_with_defaults() {
    let cp: StateSyncCodepoints =
        serde_json::from_str(r#"{ "inter_pce_capability_mask": 65536, "no_headend_session": 9 }"#)
            .unwrap();
    assert_eq!(cp.inter_pce_capability_mask, 0x1_0000);
    assert_eq!(
        cp.no_headend_session_error(),
        pcep::wire::PcErrCode::new(24, 9)
    );
    assert_eq!(
        cp.speaker_entity_id_missing,
        StateSyncCodepoints::DEFAULT_SPEAKER_ENTITY_ID_MISSING
    );
    assert_eq!(
        cp.speaker_entity_id_missing_error(),
        pcep::wire::PcErrCode::new(6, 23)
    );
    cp.validate().unwrap();
    assert!(serde_json::from_str::<StateSyncCodepoints>(r#"{ "inter_pce_bit": 1 }"#).is_err());
    // The assigned RELAX flag (bit 17) is refused.
    let relax = StateSyncCodepoints {
        inter_pce_capability_mask: 0x4000,
        ..cp
    };
    assert!(relax.validate().is_err());
    let caps = pcep::wire::tlv::StatefulCapability(0x1_0001);
    assert!(
        caps.update() && caps.inter_pce(&cp) && !caps.inter_pce(&StateSyncCodepoints::default())
    );
}
