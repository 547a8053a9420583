//! A malformed vector for every `DecodeError` variant, each asserting the
//! exact PCErr (Error-Type, Error-value) and close behaviour it maps to.

use std::collections::BTreeSet;

use bytes::Bytes;
use pcep::wire::{
    CloseReason, DecodeError, Framer, Message, PcErrCode, UnknownObjectPolicy, WireConfig,
};

use super::support::{cfg, hex, msg, obj, tlv};

/// The variant's name, by an exhaustive match: a new variant does not
/// compile until it is named here, and `every_variant_has_a_vector` then
/// fails until it has a vector below.
fn variant(e: &DecodeError) -> &'static str {
    match e {
        DecodeError::UnsupportedVersion { .. } => "UnsupportedVersion",
        DecodeError::MessageLengthTooShort { .. } => "MessageLengthTooShort",
        DecodeError::MessageLengthUnaligned { .. } => "MessageLengthUnaligned",
        DecodeError::MessageTooLong { .. } => "MessageTooLong",
        DecodeError::MessageLengthMismatch { .. } => "MessageLengthMismatch",
        DecodeError::UnknownMessageType(_) => "UnknownMessageType",
        DecodeError::ObjectLength { .. } => "ObjectLength",
        DecodeError::ObjectBody { .. } => "ObjectBody",
        DecodeError::UnknownObjectClass { .. } => "UnknownObjectClass",
        DecodeError::UnknownObjectType { .. } => "UnknownObjectType",
        DecodeError::Tlv { .. } => "Tlv",
        DecodeError::TlvFraming { .. } => "TlvFraming",
        DecodeError::Subobject { .. } => "Subobject",
        DecodeError::SrSidAndNaiAbsent { .. } => "SrSidAndNaiAbsent",
        DecodeError::MixedSrSubobjects { .. } => "MixedSrSubobjects",
        DecodeError::UnsupportedNaiType { .. } => "UnsupportedNaiType",
        DecodeError::MissingObject { .. } => "MissingObject",
        DecodeError::UnexpectedObject { .. } => "UnexpectedObject",
        DecodeError::ProcessingFlag { .. } => "ProcessingFlag",
        DecodeError::MissingDisjointnessConfiguration => "MissingDisjointnessConfiguration",
        DecodeError::MissingSymbolicPathName => "MissingSymbolicPathName",
    }
}

const ALL_VARIANTS: &[&str] = &[
    "UnsupportedVersion",
    "MessageLengthTooShort",
    "MessageLengthUnaligned",
    "MessageTooLong",
    "MessageLengthMismatch",
    "UnknownMessageType",
    "ObjectLength",
    "ObjectBody",
    "UnknownObjectClass",
    "UnknownObjectType",
    "Tlv",
    "TlvFraming",
    "Subobject",
    "SrSidAndNaiAbsent",
    "MixedSrSubobjects",
    "UnsupportedNaiType",
    "MissingObject",
    "UnexpectedObject",
    "ProcessingFlag",
    "MissingDisjointnessConfiguration",
    "MissingSymbolicPathName",
];

/// Common objects.
fn rp(p: bool) -> Vec<u8> {
    obj(2, 1, if p { 2 } else { 0 }, &[0, 0, 0, 0, 0, 0, 0, 1])
}
fn endpoints() -> Vec<u8> {
    obj(4, 1, 0, &[10, 0, 0, 1, 10, 0, 0, 2])
}
fn srp() -> Vec<u8> {
    obj(33, 1, 0, &[0, 0, 0, 0, 0, 0, 0, 5])
}
fn lsp(plsp: u32, tlvs: &[u8]) -> Vec<u8> {
    let mut body = (plsp << 12 | 0x9).to_be_bytes().to_vec();
    body.extend_from_slice(tlvs);
    obj(32, 1, 0, &body)
}
fn ero(subobjects: &[u8]) -> Vec<u8> {
    obj(7, 1, 0, subobjects)
}
fn rro(subobjects: &[u8]) -> Vec<u8> {
    obj(8, 1, 0, subobjects)
}
/// SR-ERO subobject: NT 1, M, label 16001, NAI 10.0.0.1.
fn sr_hop() -> Vec<u8> {
    let mut v = vec![0x24, 12, 0x10, 0x01];
    v.extend_from_slice(&(16001u32 << 12).to_be_bytes());
    v.extend_from_slice(&[10, 0, 0, 1]);
    v
}
const IPV4_HOP: [u8; 8] = [0x01, 8, 10, 0, 0, 1, 32, 0];

struct Case {
    name: &'static str,
    bytes: Bytes,
    cfg: WireConfig,
    want: PcErrCode,
    closes: bool,
}

fn case(name: &'static str, bytes: Bytes, want: PcErrCode) -> Case {
    Case {
        name,
        bytes,
        cfg: cfg(),
        want,
        closes: false,
    }
}

fn cases() -> Vec<Case> {
    let small = WireConfig {
        max_message_len: 64,
        ..cfg()
    };
    let strict = WireConfig {
        unknown_objects: UnknownObjectPolicy::RejectAll,
        ..cfg()
    };
    let report = |objects: &[Vec<u8>]| msg(10, objects);
    vec![
        Case {
            closes: true,
            ..case(
                "version 2",
                hex("40 02 00 04"),
                PcErrCode::VERSION_NOT_SUPPORTED,
            )
        },
        Case {
            closes: true,
            ..case(
                "length below header",
                hex("20 02 00 02"),
                PcErrCode::MALFORMED_OBJECT,
            )
        },
        Case {
            closes: true,
            ..case(
                "length 6",
                hex("20 02 00 06 00 00"),
                PcErrCode::MALFORMED_OBJECT,
            )
        },
        Case {
            cfg: small,
            closes: true,
            ..case(
                "over the maximum",
                msg(2, &[vec![0; 64]]),
                PcErrCode::MALFORMED_OBJECT,
            )
        },
        Case {
            closes: true,
            ..case(
                "header 12, 8 bytes given",
                hex("20 02 00 0c 00 00 00 00"),
                PcErrCode::MALFORMED_OBJECT,
            )
        },
        case(
            "message type 9",
            hex("20 09 00 04"),
            PcErrCode::CAPABILITY_NOT_SUPPORTED,
        ),
        case(
            "object length 6",
            msg(7, &[hex("0f 10 00 06 00 00 00 02").to_vec()]),
            PcErrCode::MALFORMED_OBJECT,
        ),
        case(
            "object length 2",
            msg(7, &[hex("0f 10 00 02 00 00 00 02").to_vec()]),
            PcErrCode::MALFORMED_OBJECT,
        ),
        case(
            "object overruns message",
            msg(7, &[hex("0f 10 00 10 00 00 00 02").to_vec()]),
            PcErrCode::MALFORMED_OBJECT,
        ),
        case(
            "END-POINTS body 4 bytes",
            msg(3, &[rp(true), obj(4, 1, 0, &[10, 0, 0, 1])]),
            PcErrCode::MALFORMED_OBJECT,
        ),
        case(
            "METRIC with trailing bytes",
            msg(3, &[rp(true), endpoints(), obj(6, 1, 0, &[0; 12])]),
            PcErrCode::MALFORMED_OBJECT,
        ),
        case(
            "unknown class, P, in PCReq",
            msg(3, &[rp(true), endpoints(), obj(200, 1, 2, &[0; 4])]),
            PcErrCode::UNRECOGNIZED_OBJECT_CLASS,
        ),
        Case {
            cfg: strict,
            ..case(
                "unknown class, no P, strict policy",
                msg(10, &[srp(), obj(200, 1, 0, &[0; 4])]),
                PcErrCode::UNRECOGNIZED_OBJECT_CLASS,
            )
        },
        case(
            "unknown END-POINTS type 9, P, in PCReq",
            msg(3, &[rp(true), endpoints(), obj(4, 9, 2, &[0; 8])]),
            PcErrCode::UNRECOGNIZED_OBJECT_TYPE,
        ),
        case(
            "LSP-DB-VERSION of 4 bytes",
            report(&[lsp(1, &tlv(23, &[0, 0, 0, 1])), ero(&[])]),
            PcErrCode::MALFORMED_OBJECT,
        ),
        case(
            "empty SYMBOLIC-PATH-NAME",
            report(&[lsp(1, &tlv(17, &[])), ero(&[])]),
            PcErrCode::MALFORMED_OBJECT,
        ),
        case(
            "PST-CAPABILITY with no PST",
            msg(
                1,
                &[obj(
                    1,
                    1,
                    0,
                    &[&[0x20, 30, 120, 1][..], &tlv(34, &[0, 0, 0, 0])].concat(),
                )],
            ),
            PcErrCode::MALFORMED_OBJECT,
        ),
        case(
            "TLV overruns its object",
            report(&[lsp(1, &[0, 17, 0, 12, b'a', b'b', b'c', b'd']), ero(&[])]),
            PcErrCode::MALFORMED_OBJECT,
        ),
        case(
            "IPv4 subobject of length 6",
            report(&[lsp(1, &[]), ero(&[0x01, 6, 10, 0, 0, 1, 0, 0])]),
            PcErrCode::MALFORMED_OBJECT,
        ),
        case(
            "SR-ERO with S and F",
            report(&[lsp(1, &[]), ero(&[0x24, 4, 0x00, 0x0c])]),
            PcErrCode::SR_ERO_SID_NAI_ABSENT,
        ),
        case(
            "SR-RRO with S and F",
            report(&[lsp(1, &[]), ero(&[]), rro(&[0x24, 4, 0x00, 0x0c])]),
            PcErrCode::SR_RRO_SID_NAI_ABSENT,
        ),
        case(
            "ERO mixing SR and IPv4",
            report(&[lsp(1, &[]), ero(&[sr_hop(), IPV4_HOP.to_vec()].concat())]),
            PcErrCode::ERO_MIXES_SR,
        ),
        case(
            "RRO mixing SR and IPv4",
            report(&[
                lsp(1, &[]),
                ero(&[]),
                rro(&[IPV4_HOP.to_vec(), sr_hop()].concat()),
            ]),
            PcErrCode::RRO_MIXES_SR,
        ),
        case(
            "SR-ERO NAI type 9",
            report(&[
                lsp(1, &[]),
                ero(&[0x24, 12, 0x90, 0x01, 0, 0, 0, 0, 10, 0, 0, 1]),
            ]),
            PcErrCode::UNSUPPORTED_NAI_TYPE,
        ),
        case(
            "PCRpt without LSP",
            report(&[srp(), ero(&[])]),
            PcErrCode::LSP_MISSING,
        ),
        case(
            "PCRpt without ERO",
            report(&[srp(), lsp(1, &[])]),
            PcErrCode::ERO_MISSING,
        ),
        case(
            "PCUpd without SRP",
            msg(11, &[lsp(1, &[]), ero(&[])]),
            PcErrCode::SRP_MISSING,
        ),
        case(
            "PCUpd without ERO",
            msg(11, &[srp(), lsp(1, &[])]),
            PcErrCode::ERO_MISSING,
        ),
        case(
            "PCInitiate without LSP",
            msg(12, &[srp(), ero(&[])]),
            PcErrCode::LSP_MISSING,
        ),
        case(
            "PCInitiate instantiation without ERO",
            msg(12, &[srp(), lsp(0, &tlv(17, b"x"))]),
            PcErrCode::ERO_MISSING,
        ),
        case(
            "PCReq without RP",
            msg(3, &[endpoints()]),
            PcErrCode::RP_MISSING,
        ),
        case(
            "PCReq without END-POINTS",
            msg(3, &[rp(true)]),
            PcErrCode::END_POINTS_MISSING,
        ),
        case("Open without OPEN", msg(1, &[]), PcErrCode::INVALID_OPEN),
        case(
            "Open with two OPEN objects",
            msg(
                1,
                &[
                    obj(1, 1, 0, &[0x20, 30, 120, 1]),
                    obj(1, 1, 0, &[0x20, 30, 120, 1]),
                ],
            ),
            PcErrCode::INVALID_OPEN,
        ),
        // After a complete report, a NOTIFICATION can only start a second report, which lacks its LSP.
        case(
            "PCRpt with a NOTIFICATION",
            report(&[lsp(1, &[]), ero(&[]), obj(12, 1, 0, &[0, 0, 1, 1])]),
            PcErrCode::LSP_MISSING,
        ),
        case(
            "Keepalive with an object",
            msg(2, &[obj(12, 1, 0, &[0, 0, 1, 1])]),
            PcErrCode::MALFORMED_OBJECT,
        ),
        case(
            "PCReq RP without P",
            msg(3, &[rp(false), endpoints()]),
            PcErrCode::P_FLAG_NOT_SET,
        ),
        case(
            "PCErr RP with P",
            msg(6, &[rp(true), obj(13, 1, 0, &[0, 0, 7, 0])]),
            PcErrCode::P_FLAG_NOT_SET,
        ),
        case(
            "disjoint association without configuration",
            report(&[
                lsp(1, &[]),
                obj(40, 1, 0, &[0, 0, 0, 0, 0, 2, 0, 1, 192, 0, 2, 1]),
                ero(&[]),
            ]),
            PcErrCode::DISJOINTNESS_CONFIGURATION_MISSING,
        ),
        case(
            "instantiation without SYMBOLIC-PATH-NAME",
            msg(12, &[srp(), lsp(0, &[]), ero(&[])]),
            PcErrCode::SYMBOLIC_PATH_NAME_MISSING,
        ),
    ]
}

/// Decode the way a session does: frame, then decode.
fn decode_stream(c: &Case) -> Result<Message, DecodeError> {
    let mut framer = Framer::new(c.cfg);
    framer.extend(&c.bytes);
    match framer.next_frame()? {
        Some(frame) => Message::decode(frame, &c.cfg),
        // Fewer bytes than announced: decode what is there to get the error.
        None => Message::decode(c.bytes.clone(), &c.cfg),
    }
}

#[test]
fn every_malformed_vector_maps_to_its_pcerr() {
    for c in cases() {
        let err = decode_stream(&c).expect_err(c.name);
        assert_eq!(err.pcerr(), c.want, "{}: {err}", c.name);
        assert_eq!(err.close_reason().is_some(), c.closes, "{}: {err}", c.name);
        if c.closes {
            assert_eq!(err.close_reason(), Some(CloseReason::MALFORMED));
        }
    }
}

#[test]
fn every_variant_has_a_vector() {
    let seen: BTreeSet<&str> = cases()
        .iter()
        .filter_map(|c| decode_stream(c).err())
        .map(|e| variant(&e))
        .collect();
    let all: BTreeSet<&str> = ALL_VARIANTS.iter().copied().collect();
    let missing: Vec<_> = all.difference(&seen).collect();
    assert!(
        missing.is_empty(),
        "variants without a malformed vector: {missing:?}"
    );
}

#[test]
fn unknown_objects_without_p_are_kept_by_default() {
    // Same bytes as the strict-policy case above: accepted and round-tripped.
    let bytes = msg(
        10,
        &[srp(), lsp(1, &[]), obj(200, 1, 0, &[1, 2, 3, 4]), ero(&[])],
    );
    let m = Message::decode(bytes.clone(), &cfg()).unwrap();
    assert_eq!(m.to_bytes(&cfg()).unwrap(), bytes);
    // With P, outside a PCReq, the default keeps it too (RFC 5440 §7.2 scopes P to PCReq).
    let bytes = msg(
        10,
        &[srp(), lsp(1, &[]), ero(&[]), obj(200, 1, 2, &[1, 2, 3, 4])],
    );
    assert!(Message::decode(bytes.clone(), &cfg()).is_ok());
    let strict_p = WireConfig {
        unknown_objects: UnknownObjectPolicy::RejectProcessing,
        ..cfg()
    };
    assert_eq!(
        Message::decode(bytes, &strict_p).unwrap_err().pcerr(),
        PcErrCode::UNRECOGNIZED_OBJECT_CLASS
    );
}

#[test]
fn messages_display_what_is_wrong() {
    let e = Message::decode(msg(11, &[lsp(1, &[]), ero(&[])]), &cfg()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "PCUpd(11) without its mandatory SRP(33) object"
    );
}
