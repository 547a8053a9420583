//! Properties: every value the encoder accepts decodes back to itself, and
//! no input makes the decoder or the framer panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::Bytes;
use pcep::samples;
use pcep::wire::object::{
    Association, Bandwidth, BandwidthKind, Close, EndPoints, Ero, HeaderFlags, Lsp, Lspa, Metric,
    Nai, NoPath, Notification, Of, Open, OperationalStatus, PcepError, Rp, Rro, SrSubobject, Srp,
    Subobject, VendorInformation,
};
use pcep::wire::tlv::{
    AssociationRange, DisjointnessFlags, Ipv4LspIdentifiers, Ipv6LspIdentifiers,
    PathSetupTypeCapability, SrPceCapability, StatefulCapability, SubTlv, Tlv,
};
use pcep::wire::{
    ActualPath, AssociationType, Attributes, CloseReason, ErrorType, ErrorUnit, Framer,
    InitiateRequest, Message, MetricType, NotificationType, NotifyUnit, OfCode, PathEntry,
    PathSetupType, PcErr, PcInitiate, PcNtf, PcRep, PcReq, PcRpt, PcUpd, Request, Response,
    StateReport, StateSyncCodepoints, TlvType, UpdateRequest, WireConfig,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

fn header() -> impl Strategy<Value = HeaderFlags> {
    (any::<bool>(), any::<bool>())
        .prop_map(|(processing, ignore)| HeaderFlags { processing, ignore })
}

fn ipv4() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

fn ipv6() -> impl Strategy<Value = Ipv6Addr> {
    any::<u128>().prop_map(Ipv6Addr::from)
}

fn float() -> impl Strategy<Value = f32> {
    prop_oneof![
        Just(0.0f32),
        prop::num::f32::NORMAL,
        prop::num::f32::POSITIVE
    ]
}

fn bytes(min: usize, max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), min..max).prop_map(Bytes::from)
}

/// TLV types this codec does not know (and not the configured draft type).
fn unknown_tlv_type() -> impl Strategy<Value = u16> {
    prop_oneof![100u16..65000, 65505u16..=65535]
}

fn tlv() -> impl Strategy<Value = Tlv> {
    prop_oneof![
        any::<u32>().prop_map(Tlv::NoPathVector),
        any::<u32>().prop_map(Tlv::OverloadedDuration),
        any::<u32>().prop_map(Tlv::ReqMissing),
        vec(any::<u16>(), 0..5).prop_map(|v| Tlv::OfList(v.into_iter().map(OfCode).collect())),
        (any::<u32>(), bytes(0, 9))
            .prop_map(|(enterprise, info)| Tlv::VendorInformation { enterprise, info }),
        any::<u32>().prop_map(|f| Tlv::StatefulPceCapability(StatefulCapability(f))),
        bytes(0, 20).prop_map(Tlv::SymbolicPathName),
        (ipv4(), any::<u16>(), any::<u16>(), ipv4(), ipv4()).prop_map(
            |(sender, lsp_id, tunnel_id, extended_tunnel_id, endpoint)| {
                Tlv::Ipv4LspIdentifiers(Ipv4LspIdentifiers {
                    sender,
                    lsp_id,
                    tunnel_id,
                    extended_tunnel_id,
                    endpoint,
                })
            }
        ),
        (ipv6(), any::<u16>(), any::<u16>(), ipv6(), ipv6()).prop_map(
            |(sender, lsp_id, tunnel_id, extended_tunnel_id, endpoint)| {
                Tlv::Ipv6LspIdentifiers(Box::new(Ipv6LspIdentifiers {
                    sender,
                    lsp_id,
                    tunnel_id,
                    extended_tunnel_id,
                    endpoint,
                }))
            }
        ),
        any::<u32>().prop_map(Tlv::LspErrorCode),
        bytes(0, 12).prop_map(Tlv::RsvpErrorSpec),
        any::<u64>().prop_map(Tlv::LspDbVersion),
        bytes(0, 12).prop_map(Tlv::SpeakerEntityId),
        (any::<u8>(), any::<u8>())
            .prop_map(|(flags, msd)| Tlv::SrPceCapability(SrPceCapability { flags, msd })),
        any::<u8>().prop_map(|p| Tlv::PathSetupType(PathSetupType(p))),
        vec((any::<u16>(), any::<u16>(), any::<u16>()), 0..3).prop_map(|v| {
            Tlv::OperatorConfiguredAssociationRange(
                v.into_iter()
                    .map(|(t, start, range)| AssociationRange {
                        association_type: AssociationType(t),
                        start,
                        range,
                    })
                    .collect(),
            )
        }),
        any::<u32>().prop_map(Tlv::GlobalAssociationSource),
        bytes(0, 10).prop_map(Tlv::ExtendedAssociationId),
        (
            vec(any::<u8>(), 0..6),
            vec(
                prop_oneof![
                    (any::<u8>(), any::<u8>()).prop_map(|(flags, msd)| SubTlv::SrPceCapability(
                        SrPceCapability { flags, msd }
                    )),
                    (27u16..100, bytes(0, 6)).prop_map(|(sub_tlv_type, value)| SubTlv::Unknown {
                        sub_tlv_type,
                        value
                    }),
                ],
                0..3
            )
        )
            .prop_map(|(p, sub_tlvs)| Tlv::PathSetupTypeCapability(Box::new(
                PathSetupTypeCapability {
                    path_setup_types: p.into_iter().map(PathSetupType).collect(),
                    sub_tlvs,
                }
            ))),
        vec(any::<u16>(), 0..5)
            .prop_map(|v| Tlv::AssocTypeList(v.into_iter().map(AssociationType).collect())),
        any::<u32>().prop_map(|f| Tlv::DisjointnessConfiguration(DisjointnessFlags(f))),
        any::<u32>().prop_map(|f| Tlv::DisjointnessStatus(DisjointnessFlags(f))),
        any::<u64>().prop_map(Tlv::OriginalLspDbVersion),
        (unknown_tlv_type(), bytes(0, 11)).prop_map(|(t, value)| Tlv::Unknown {
            tlv_type: TlvType(t),
            value
        }),
    ]
}

fn tlvs() -> impl Strategy<Value = Vec<Tlv>> {
    vec(tlv(), 0..4)
}

fn nai() -> impl Strategy<Value = Nai> {
    prop_oneof![
        ipv4().prop_map(|address| Nai::Ipv4Node { address }),
        ipv6().prop_map(|address| Nai::Ipv6Node { address }),
        (ipv4(), ipv4()).prop_map(|(local, remote)| Nai::Ipv4Adjacency { local, remote }),
        (ipv6(), ipv6()).prop_map(|(local, remote)| Nai::Ipv6Adjacency { local, remote }),
        (ipv4(), any::<u32>(), ipv4(), any::<u32>()).prop_map(
            |(local_node, local_interface, remote_node, remote_interface)| {
                Nai::UnnumberedAdjacency {
                    local_node,
                    local_interface,
                    remote_node,
                    remote_interface,
                }
            }
        ),
        (ipv6(), any::<u32>(), ipv6(), any::<u32>()).prop_map(
            |(local, local_interface, remote, remote_interface)| {
                Nai::Ipv6LinkLocalAdjacency {
                    local,
                    local_interface,
                    remote,
                    remote_interface,
                }
            }
        ),
    ]
}

/// SR subobjects, including inconsistent ones (the encoder must refuse those).
fn sr() -> impl Strategy<Value = Subobject> {
    (
        any::<bool>(),
        0u8..16,
        0u16..0x1000,
        option::of(any::<u32>()),
        option::of(nai()),
    )
        .prop_map(|(loose, nai_type, sr_flags, sid, nai)| {
            Subobject::Sr(SrSubobject {
                loose,
                nai_type,
                sr_flags,
                sid,
                nai,
            })
        })
}

/// Consistent SR subobjects.
fn good_sr() -> impl Strategy<Value = Subobject> {
    (
        any::<bool>(),
        any::<u32>(),
        option::of(nai()),
        any::<bool>(),
    )
        .prop_map(|(loose, sid, nai, m)| {
            let mut s = SrSubobject::mpls(sid >> 12, nai);
            s.loose = loose;
            if !m {
                s.sr_flags &= !SrSubobject::MPLS;
                s.sid = Some(sid);
            }
            Subobject::Sr(s)
        })
}

fn rsvp_subobject() -> impl Strategy<Value = Subobject> {
    prop_oneof![
        (any::<bool>(), ipv4(), any::<u8>(), any::<u8>()).prop_map(
            |(loose, address, prefix_length, attribute)| Subobject::Ipv4Prefix {
                loose,
                address,
                prefix_length,
                attribute
            }
        ),
        (any::<bool>(), ipv6(), any::<u8>(), any::<u8>()).prop_map(
            |(loose, address, prefix_length, attribute)| Subobject::Ipv6Prefix {
                loose,
                address,
                prefix_length,
                attribute
            }
        ),
        (any::<bool>(), ipv4(), any::<u32>(), any::<u8>()).prop_map(
            |(loose, router_id, interface_id, attribute)| Subobject::Unnumbered {
                loose,
                router_id,
                interface_id,
                attribute,
            }
        ),
        (any::<bool>(), any::<u16>()).prop_map(|(loose, asn)| Subobject::AsNumber { loose, asn }),
        (any::<bool>(), 40u8..100, vec(any::<u8>(), 0..3)).prop_map(
            |(loose, subobject_type, b)| Subobject::Unknown {
                loose,
                subobject_type,
                body: Bytes::from([&b[..], &[0u8; 2][..]].concat())
            }
        ),
    ]
}

fn route() -> impl Strategy<Value = Vec<Subobject>> {
    prop_oneof![
        vec(rsvp_subobject(), 0..5),
        vec(good_sr(), 0..9),
        vec(prop_oneof![sr(), rsvp_subobject()], 0..4)
    ]
}

fn lsp() -> impl Strategy<Value = Lsp> {
    (
        (
            header(),
            0u32..0x10_0001,
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            0u8..9,
            any::<bool>(),
            prop_oneof![Just(0u16), 0u16..0x1000],
            tlvs(),
        ),
    )
        .prop_map(
            |(
                (header, plsp_id, delegate, sync, remove, administrative),
                (o, create, extra_flags, tlvs),
            )| Lsp {
                header,
                plsp_id,
                delegate,
                sync,
                remove,
                administrative,
                operational: OperationalStatus(o),
                create,
                extra_flags,
                tlvs,
            },
        )
}

fn srp() -> impl Strategy<Value = Srp> {
    (header(), any::<u32>(), any::<u32>(), tlvs()).prop_map(|(header, srp_flags, srp_id, tlvs)| {
        Srp {
            header,
            srp_flags,
            srp_id,
            tlvs,
        }
    })
}

fn association() -> impl Strategy<Value = Association> {
    (
        header(),
        any::<u16>(),
        0u16..4,
        any::<u16>(),
        prop_oneof![ipv4().prop_map(IpAddr::V4), ipv6().prop_map(IpAddr::V6)],
        tlvs(),
    )
        .prop_map(
            |(header, association_flags, t, association_id, source, tlvs)| Association {
                header,
                association_flags,
                association_type: AssociationType(t),
                association_id,
                source,
                tlvs,
            },
        )
}

fn metric() -> impl Strategy<Value = Metric> {
    (header(), any::<u8>(), any::<u8>(), float()).prop_map(|(header, metric_flags, t, value)| {
        Metric {
            header,
            metric_flags,
            metric_type: MetricType(t),
            value,
        }
    })
}

fn bandwidth() -> impl Strategy<Value = Bandwidth> {
    (header(), any::<bool>(), float()).prop_map(|(header, existing, bandwidth)| Bandwidth {
        header,
        kind: if existing {
            BandwidthKind::Existing
        } else {
            BandwidthKind::Requested
        },
        bandwidth,
    })
}

fn lspa() -> impl Strategy<Value = Lspa> {
    (
        header(),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        tlvs(),
    )
        .prop_map(
            |(
                header,
                exclude_any,
                include_any,
                include_all,
                setup_priority,
                holding_priority,
                lspa_flags,
                tlvs,
            )| Lspa {
                header,
                exclude_any,
                include_any,
                include_all,
                setup_priority,
                holding_priority,
                lspa_flags,
                tlvs,
            },
        )
}

fn attributes() -> impl Strategy<Value = Attributes> {
    (
        option::of((header(), any::<u16>()).prop_map(|(header, c)| Of {
            header,
            code: OfCode(c),
            tlvs: Vec::new(),
        })),
        option::of(lspa()),
        option::of(bandwidth()),
        vec(metric(), 0..3),
        option::of(route().prop_map(pcep::wire::object::Iro::new)),
        option::of((header(), any::<u32>(), vec(any::<u32>(), 0..3)).prop_map(
            |(header, enterprise, words)| {
                VendorInformation {
                    header,
                    enterprise,
                    info: words
                        .iter()
                        .flat_map(|w| w.to_be_bytes())
                        .collect::<Vec<u8>>()
                        .into(),
                }
            },
        )),
    )
        .prop_map(|(of, lspa, bandwidth, metrics, iro, vendor)| Attributes {
            of: of.map(Box::new),
            lspa,
            bandwidth,
            metrics,
            iro: iro.map(Box::new),
            xro: None,
            vendor: vendor.into_iter().collect(),
        })
}

fn rp(processing: bool) -> impl Strategy<Value = Rp> {
    (any::<u32>(), any::<u32>(), tlvs()).prop_map(move |(rp_flags, request_id, tlvs)| Rp {
        header: HeaderFlags {
            processing,
            ignore: false,
        },
        rp_flags,
        request_id,
        tlvs,
    })
}

fn end_points() -> impl Strategy<Value = EndPoints> {
    prop_oneof![
        (header(), ipv4(), ipv4()).prop_map(|(header, source, destination)| EndPoints::Ipv4 {
            header,
            source,
            destination
        }),
        (header(), ipv6(), ipv6()).prop_map(|(header, source, destination)| EndPoints::Ipv6 {
            header,
            source,
            destination
        }),
    ]
}

fn open() -> impl Strategy<Value = Open> {
    (
        header(),
        0u8..8,
        0u8..32,
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        tlvs(),
    )
        .prop_map(
            |(header, version, open_flags, keepalive, dead_timer, session_id, tlvs)| Open {
                header,
                version,
                open_flags,
                keepalive,
                dead_timer,
                session_id,
                tlvs,
            },
        )
}

fn message() -> impl Strategy<Value = Message> {
    let report = (
        option::of(srp()),
        lsp(),
        vec(association(), 0..2),
        route(),
        option::of((attributes(), route())),
        attributes(),
    )
        .prop_map(
            |(srp, lsp, associations, ero, actual, intended)| StateReport {
                srp,
                lsp,
                associations,
                ero: Ero::new(ero),
                actual: actual.map(|(attributes, rro)| {
                    Box::new(ActualPath {
                        attributes,
                        rro: Rro::new(rro),
                    })
                }),
                intended,
                unknown: Vec::new(),
            },
        );
    let update = (
        srp(),
        lsp(),
        vec(association(), 0..2),
        route(),
        attributes(),
    )
        .prop_map(|(srp, lsp, associations, ero, attributes)| UpdateRequest {
            srp,
            lsp,
            associations,
            ero: Ero::new(ero),
            attributes,
            unknown: Vec::new(),
        });
    let initiate = (
        srp(),
        lsp(),
        option::of(end_points()),
        vec(association(), 0..2),
        option::of(route()),
        attributes(),
    )
        .prop_map(
            |(srp, lsp, end_points, associations, ero, attributes)| InitiateRequest {
                srp,
                lsp,
                end_points,
                associations,
                ero: ero.map(Ero::new),
                attributes,
                unknown: Vec::new(),
            },
        );
    let request = (
        rp(true),
        end_points(),
        option::of(lsp()),
        vec(association(), 0..2),
        attributes(),
        option::of(route()),
        option::of(bandwidth()),
    )
        .prop_map(
            |(rp, end_points, lsp, associations, attributes, rro, rro_bandwidth)| Request {
                rp,
                end_points,
                lsp,
                associations,
                attributes,
                rro: rro.map(Rro::new),
                rro_bandwidth,
                load_balancing: None,
                unknown: Vec::new(),
            },
        );
    let response = (
        rp(true),
        option::of(lsp()),
        option::of((header(), any::<u8>(), any::<u16>(), tlvs()).prop_map(
            |(header, nature_of_issue, no_path_flags, tlvs)| NoPath {
                header,
                nature_of_issue,
                no_path_flags,
                tlvs,
            },
        )),
        attributes(),
        vec(
            (route(), attributes()).prop_map(|(e, attributes)| PathEntry {
                ero: Ero::new(e),
                attributes,
            }),
            0..3,
        ),
    )
        .prop_map(|(rp, lsp, no_path, attributes, paths)| Response {
            rp,
            lsp,
            associations: Vec::new(),
            no_path,
            attributes,
            paths,
            unknown: Vec::new(),
        });
    let notification =
        (header(), any::<u8>(), any::<u8>(), tlvs()).prop_map(|(header, t, v, tlvs)| {
            Notification {
                header,
                notification_flags: 0,
                notification_type: NotificationType(t),
                notification_value: v,
                tlvs,
            }
        });
    let error = (any::<u8>(), any::<u8>(), tlvs()).prop_map(|(t, v, tlvs)| PcepError {
        header: HeaderFlags::default(),
        error_flags: 0,
        error_type: ErrorType(t),
        error_value: v,
        tlvs,
    });
    prop_oneof![
        open().prop_map(Message::Open),
        Just(Message::Keepalive),
        Just(Message::StartTls),
        any::<u8>().prop_map(|r| Message::Close(Close::new(CloseReason(r)))),
        vec(report, 0..3).prop_map(|reports| Message::PcRpt(PcRpt { reports })),
        vec(update, 0..3).prop_map(|updates| Message::PcUpd(PcUpd { updates })),
        vec(initiate, 0..3).prop_map(|requests| Message::PcInitiate(PcInitiate { requests })),
        vec(request, 0..3).prop_map(|requests| Message::PcReq(PcReq {
            svecs: Vec::new(),
            requests
        })),
        vec(response, 0..3).prop_map(|responses| Message::PcRep(PcRep { responses })),
        vec((vec(rp(false), 0..2), vec(notification, 0..3)), 0..3).prop_map(
            |units| Message::PcNtf(PcNtf {
                notifications: units
                    .into_iter()
                    .map(|(rps, notifications)| NotifyUnit {
                        rps,
                        notifications,
                        unknown: Vec::new()
                    })
                    .collect(),
            })
        ),
        (
            vec((vec(srp(), 0..2), vec(error, 0..3), vec(lsp(), 0..2)), 0..3),
            option::of(open())
        )
            .prop_map(|(units, open)| {
                Message::PcErr(PcErr {
                    errors: units
                        .into_iter()
                        .map(|(srps, errors, lsps)| ErrorUnit {
                            rps: Vec::new(),
                            srps,
                            errors,
                            lsps,
                            unknown: Vec::new(),
                        })
                        .collect(),
                    open,
                })
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Every value the encoder accepts decodes back to itself.
    #[test]
    fn accepted_values_round_trip(m in message()) {
        let cfg = WireConfig::default();
        if let Ok(bytes) = m.to_bytes(&cfg) {
            let back = Message::decode(bytes.clone(), &cfg);
            prop_assert_eq!(back.as_ref(), Ok(&m), "bytes {}", pcep::wire::hex(&bytes));
            prop_assert_eq!(back.unwrap().to_bytes(&cfg).unwrap(), bytes);
        }
    }

    /// A report encoded by reference is the PCRpt of that one report.
    #[test]
    fn a_borrowed_report_encodes_as_its_pcrpt(m in message()) {
        let cfg = WireConfig::default();
        if let Message::PcRpt(rpt) = &m {
            for r in &rpt.reports {
                let owned = Message::PcRpt(PcRpt { reports: vec![r.clone()] }).to_bytes(&cfg);
                prop_assert_eq!(Message::report_to_bytes(r, &cfg), owned);
            }
        }
    }

    /// Arbitrary bytes never panic the decoder.
    #[test]
    fn arbitrary_bytes_never_panic(data in vec(any::<u8>(), 0..300)) {
        let _ = Message::decode(Bytes::from(data), &WireConfig::default());
    }

    /// Arbitrary bodies behind a valid header (so the object layer is reached)
    /// never panic, under every unknown-object policy.
    #[test]
    fn arbitrary_bodies_never_panic(ty in 1u8..14, body in vec(any::<u8>(), 0..300), policy in 0usize..3) {
        let len = (body.len() + 4) as u16;
        let mut data = vec![0x20, ty];
        data.extend_from_slice(&len.to_be_bytes());
        data.extend_from_slice(&body);
        let unknown_objects = [
            pcep::wire::UnknownObjectPolicy::RejectProcessingInRequests,
            pcep::wire::UnknownObjectPolicy::RejectProcessing,
            pcep::wire::UnknownObjectPolicy::RejectAll,
        ][policy];
        let cfg = WireConfig { unknown_objects, ..WireConfig::default() };
        let _ = Message::decode(Bytes::from(data), &cfg);
    }

    /// Mutating a valid message anywhere never panics the decoder.
    #[test]
    fn mutated_samples_never_panic(which in 0usize..14, at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let cfg = WireConfig::default();
        let samples = samples::all(&StateSyncCodepoints::default());
        let m = &samples[which % samples.len()].1;
        let mut bytes = m.to_bytes(&cfg).unwrap().to_vec();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        let _ = Message::decode(Bytes::from(bytes), &cfg);
    }

    /// The framer never panics and never returns more bytes than it was given.
    #[test]
    fn framer_never_panics(chunks in vec(vec(any::<u8>(), 0..64), 0..16)) {
        let mut framer = Framer::new(WireConfig { max_message_len: 512, ..WireConfig::default() });
        let total: usize = chunks.iter().map(Vec::len).sum();
        let mut out = 0;
        for c in chunks {
            framer.extend(&c);
            while let Ok(Some(f)) = framer.next_frame() {
                out += f.len();
            }
        }
        prop_assert!(out <= total);
    }
}

/// Sanity check of the generator: most generated messages are accepted, so
/// the round-trip property is not vacuous.
#[test]
fn generator_mostly_produces_encodable_messages() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let cfg = WireConfig::default();
    let strategy = message();
    let accepted = (0..500)
        .filter(|_| {
            strategy
                .new_tree(&mut runner)
                .unwrap()
                .current()
                .to_bytes(&cfg)
                .is_ok()
        })
        .count();
    eprintln!("{accepted}/500 generated messages encode");
    assert!(
        accepted > 150,
        "only {accepted}/500 generated messages encode"
    );
}
