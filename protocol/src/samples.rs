//! Representative messages: at least one of every message type, together
//! using every object, TLV and subobject the codec knows. Shared by the
//! codec's vector tests, the tshark cross-check, the benchmarks and the fuzz
//! seed corpus, so all of them exercise the same breadth.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::Bytes;

use crate::wire::object::{
    Association, Bandwidth, BandwidthKind, Close, EndPoints, Ero, HeaderFlags, Iro, LoadBalancing,
    Lsp, Lspa, Metric, Nai, NoPath, Notification, Of, Open, OperationalStatus, PcepError, Rp, Rro,
    SrSubobject, Subobject, Svec, VendorInformation, Xro,
};
use crate::wire::tlv::{
    AssociationRange, DisjointnessFlags, Ipv4LspIdentifiers, Ipv6LspIdentifiers,
    PathSetupTypeCapability, SrPceCapability, StatefulCapability, SubTlv, Tlv,
};
use crate::wire::{
    ActualPath, AssociationType, Attributes, CloseReason, ErrorUnit, InitiateRequest, Message,
    MetricType, NotificationType, NotifyUnit, OfCode, PathEntry, PathSetupType, PcErr, PcErrCode,
    PcInitiate, PcNtf, PcRep, PcReq, PcRpt, PcUpd, Request, Response, StateReport,
    StateSyncCodepoints, SvecEntry, TlvType, UpdateRequest,
};

fn v4(a: u8, b: u8, c: u8, d: u8) -> Ipv4Addr {
    Ipv4Addr::new(a, b, c, d)
}

fn v6(last: u16) -> Ipv6Addr {
    Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, last)
}

/// An SR node segment: MPLS label `label` for node 10.0.0.`n`.
pub fn sr_node(label: u32, n: u8) -> Subobject {
    Subobject::Sr(SrSubobject::mpls(
        label,
        Some(Nai::Ipv4Node {
            address: v4(10, 0, 0, n),
        }),
    ))
}

/// A disjoint ASSOCIATION (RFC 8800) with the given flags.
pub fn disjoint_association(id: u16, flags: u32) -> Association {
    Association {
        header: HeaderFlags::default(),
        association_flags: 0,
        association_type: AssociationType::DISJOINT,
        association_id: id,
        source: IpAddr::V4(v4(192, 0, 2, 1)),
        tlvs: vec![Tlv::DisjointnessConfiguration(DisjointnessFlags(flags))],
    }
}

/// The OPEN object of a stateful SR-capable PCE with state-sync.
pub fn pce_open(cp: &StateSyncCodepoints) -> Open {
    let caps = StatefulCapability::UPDATE
        | StatefulCapability::INCLUDE_DB_VERSION
        | StatefulCapability::INSTANTIATION
        | StatefulCapability::TRIGGERED_RESYNC
        | StatefulCapability::DELTA_LSP_SYNC
        | StatefulCapability::TRIGGERED_INITIAL_SYNC
        | cp.inter_pce_capability_mask;
    Open {
        session_id: 7,
        tlvs: vec![
            Tlv::StatefulPceCapability(StatefulCapability(caps)),
            Tlv::PathSetupTypeCapability(Box::new(PathSetupTypeCapability {
                path_setup_types: vec![PathSetupType::RSVP_TE, PathSetupType::SR_TE],
                sub_tlvs: vec![SubTlv::SrPceCapability(SrPceCapability {
                    flags: SrPceCapability::NAI_TO_SID,
                    msd: 10,
                })],
            })),
            Tlv::AssocTypeList(vec![
                AssociationType::PATH_PROTECTION,
                AssociationType::DISJOINT,
            ]),
            Tlv::OfList(vec![OfCode::MCP, OfCode::MSL, OfCode::MSS, OfCode::MSN]),
            Tlv::LspDbVersion(42),
            Tlv::SpeakerEntityId(Bytes::from_static(b"pce1.example")),
        ],
        ..Open::default()
    }
}

/// A symbolic-named LSP object.
fn lsp(plsp_id: u32, name: &'static [u8]) -> Lsp {
    Lsp {
        plsp_id,
        delegate: true,
        administrative: true,
        operational: OperationalStatus::UP,
        tlvs: vec![Tlv::SymbolicPathName(Bytes::from_static(name))],
        ..Lsp::default()
    }
}

fn metric(t: MetricType, flags: u8, value: f32) -> Metric {
    Metric {
        metric_type: t,
        metric_flags: flags,
        value,
        ..Metric::default()
    }
}

fn srp(id: u32, pst: Option<PathSetupType>) -> crate::wire::object::Srp {
    crate::wire::object::Srp {
        srp_id: id,
        tlvs: pst.map(Tlv::PathSetupType).into_iter().collect(),
        ..Default::default()
    }
}

/// The PCRpt the codec benchmarks use: an SR LSP with an 8-hop SR-ERO,
/// IPV4-LSP-IDENTIFIERS, a symbolic name, an ASSOCIATION and LSP-DB-VERSION.
pub fn bench_report(plsp_id: u32, db_version: u64) -> Message {
    let ero = (1..=8).map(|i| sr_node(16000 + u32::from(i), i)).collect();
    Message::PcRpt(PcRpt {
        reports: vec![StateReport {
            srp: Some(srp(0, Some(PathSetupType::SR_TE))),
            lsp: Lsp {
                plsp_id,
                delegate: true,
                sync: true,
                administrative: true,
                operational: OperationalStatus::ACTIVE,
                tlvs: vec![
                    Tlv::Ipv4LspIdentifiers(Ipv4LspIdentifiers {
                        sender: v4(10, 0, 0, 1),
                        lsp_id: 1,
                        tunnel_id: (plsp_id & 0xffff) as u16,
                        extended_tunnel_id: v4(10, 0, 0, 1),
                        endpoint: v4(10, 0, 0, 8),
                    }),
                    Tlv::SymbolicPathName(Bytes::from(format!("lsp-{plsp_id:06}"))),
                    Tlv::LspDbVersion(db_version),
                ],
                ..Lsp::default()
            },
            associations: vec![disjoint_association(1, DisjointnessFlags::LINK)],
            ero: Ero::new(ero),
            actual: None,
            intended: Attributes {
                bandwidth: Some(Bandwidth {
                    bandwidth: 125_000.0,
                    ..Bandwidth::default()
                }),
                metrics: vec![metric(MetricType::TE, 0, 80.0)],
                ..Attributes::default()
            },
            unknown: Vec::new(),
        }],
    })
}

/// At least one message of every type, with a representative set of objects,
/// TLVs and subobjects. Names are for test output.
pub fn all(cp: &StateSyncCodepoints) -> Vec<(&'static str, Message)> {
    let rp = |id: u32, pst: Option<PathSetupType>| Rp {
        header: HeaderFlags::PROCESSING,
        rp_flags: Rp::LOOSE | 3,
        request_id: id,
        tlvs: pst.map(Tlv::PathSetupType).into_iter().collect(),
    };
    let lspa = Lspa {
        exclude_any: 0x0000_0001,
        include_any: 0x0000_0006,
        include_all: 0x0000_0008,
        setup_priority: 7,
        holding_priority: 7,
        lspa_flags: Lspa::LOCAL_PROTECTION,
        ..Lspa::default()
    };
    let bw = |kind, bandwidth| Bandwidth {
        header: HeaderFlags::default(),
        kind,
        bandwidth,
    };

    let open = Message::Open(pce_open(cp));
    let open_legacy_sr = Message::Open(Open {
        keepalive: 60,
        dead_timer: 240,
        tlvs: vec![
            Tlv::StatefulPceCapability(StatefulCapability(StatefulCapability::UPDATE)),
            Tlv::SrPceCapability(SrPceCapability { flags: 0, msd: 5 }),
        ],
        ..Open::default()
    });

    let pcreq = Message::PcReq(PcReq {
        svecs: vec![SvecEntry {
            svec: Svec {
                svec_flags: 0x07,
                request_ids: vec![1, 2],
                ..Svec::default()
            },
            of: Some(Of {
                code: OfCode::MSL,
                ..Of::default()
            }),
            metrics: vec![metric(MetricType::TE, 0, 0.0)],
            unknown: Vec::new(),
        }],
        requests: vec![
            Request {
                rp: rp(1, Some(PathSetupType::SR_TE)),
                end_points: EndPoints::Ipv4 {
                    header: HeaderFlags::default(),
                    source: v4(10, 0, 0, 1),
                    destination: v4(10, 0, 0, 2),
                },
                lsp: Some(lsp(11, b"pcc1-to-pcc2")),
                associations: vec![disjoint_association(
                    1000,
                    DisjointnessFlags::LINK | DisjointnessFlags::STRICT,
                )],
                attributes: Attributes {
                    of: None,
                    lspa: Some(lspa.clone()),
                    bandwidth: Some(bw(BandwidthKind::Requested, 1.25e6)),
                    metrics: vec![
                        metric(MetricType::TE, Metric::BOUND, 100.0),
                        metric(MetricType::SID_DEPTH, Metric::BOUND, 6.0),
                        metric(MetricType::IGP, Metric::COMPUTED, 0.0),
                    ],
                    iro: Some(Box::new(Iro::new(vec![Subobject::Ipv4Prefix {
                        loose: true,
                        address: v4(10, 0, 0, 5),
                        prefix_length: 32,
                        attribute: 0,
                    }]))),
                    xro: Some(Box::new(Xro {
                        xro_flags: 0,
                        subobjects: vec![
                            Subobject::Srlg {
                                loose: false,
                                srlg: 77,
                                attribute: 0,
                            },
                            Subobject::Ipv4Prefix {
                                loose: false,
                                address: v4(10, 0, 0, 9),
                                prefix_length: 32,
                                attribute: 1,
                            },
                        ],
                        ..Xro::default()
                    })),
                    vendor: Vec::new(),
                },
                rro: Some(Rro::new(vec![Subobject::Ipv4Prefix {
                    loose: false,
                    address: v4(10, 1, 0, 2),
                    prefix_length: 32,
                    attribute: 0,
                }])),
                rro_bandwidth: Some(bw(BandwidthKind::Existing, 1.0e6)),
                load_balancing: Some(LoadBalancing {
                    max_lsp: 2,
                    min_bandwidth: 1.0e5,
                    ..Default::default()
                }),
                unknown: Vec::new(),
            },
            Request {
                rp: rp(2, None),
                end_points: EndPoints::Ipv6 {
                    header: HeaderFlags::PROCESSING,
                    source: v6(1),
                    destination: v6(2),
                },
                lsp: None,
                associations: Vec::new(),
                attributes: Attributes::default(),
                rro: None,
                rro_bandwidth: None,
                load_balancing: None,
                unknown: Vec::new(),
            },
        ],
    });

    let sr_ero = Ero::new(vec![
        sr_node(16002, 2),
        Subobject::Sr(SrSubobject {
            loose: false,
            nai_type: 3,
            sr_flags: SrSubobject::MPLS,
            sid: Some(24_001 << 12),
            nai: Some(Nai::Ipv4Adjacency {
                local: v4(10, 1, 2, 1),
                remote: v4(10, 1, 2, 2),
            }),
        }),
        Subobject::Sr(SrSubobject {
            loose: true,
            nai_type: 2,
            sr_flags: SrSubobject::SID_ABSENT,
            sid: None,
            nai: Some(Nai::Ipv6Node { address: v6(3) }),
        }),
        Subobject::Sr(SrSubobject {
            loose: false,
            nai_type: 4,
            sr_flags: SrSubobject::MPLS | SrSubobject::CONTROL,
            sid: Some(24_002 << 12 | 0x1ff),
            nai: Some(Nai::Ipv6Adjacency {
                local: v6(4),
                remote: v6(5),
            }),
        }),
        Subobject::Sr(SrSubobject {
            loose: false,
            nai_type: 5,
            sr_flags: SrSubobject::MPLS,
            sid: Some(24_003 << 12),
            nai: Some(Nai::UnnumberedAdjacency {
                local_node: v4(10, 0, 0, 5),
                local_interface: 5,
                remote_node: v4(10, 0, 0, 6),
                remote_interface: 6,
            }),
        }),
        Subobject::Sr(SrSubobject {
            loose: false,
            nai_type: 6,
            sr_flags: SrSubobject::MPLS,
            sid: Some(24_004 << 12),
            nai: Some(Nai::Ipv6LinkLocalAdjacency {
                local: Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1),
                local_interface: 1,
                remote: Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2),
                remote_interface: 2,
            }),
        }),
        Subobject::Sr(SrSubobject::mpls(16_008, None)),
    ]);

    let pcrep = Message::PcRep(PcRep {
        responses: vec![
            Response {
                rp: rp(1, Some(PathSetupType::SR_TE)),
                lsp: Some(lsp(11, b"pcc1-to-pcc2")),
                associations: vec![Association {
                    tlvs: vec![
                        Tlv::DisjointnessConfiguration(DisjointnessFlags(DisjointnessFlags::LINK)),
                        Tlv::DisjointnessStatus(DisjointnessFlags(DisjointnessFlags::LINK)),
                    ],
                    ..disjoint_association(1000, DisjointnessFlags::LINK)
                }],
                no_path: None,
                attributes: Attributes::default(),
                paths: vec![PathEntry {
                    ero: sr_ero.clone(),
                    attributes: Attributes {
                        metrics: vec![metric(MetricType::TE, Metric::COMPUTED, 42.0)],
                        ..Attributes::default()
                    },
                }],
                unknown: Vec::new(),
            },
            Response {
                rp: rp(2, None),
                lsp: None,
                associations: Vec::new(),
                no_path: Some(NoPath {
                    nature_of_issue: 0,
                    no_path_flags: NoPath::UNSATISFIED_CONSTRAINTS,
                    tlvs: vec![Tlv::NoPathVector(0x0010_0000)],
                    ..NoPath::default()
                }),
                attributes: Attributes {
                    bandwidth: Some(bw(BandwidthKind::Requested, 1.0e9)),
                    ..Attributes::default()
                },
                paths: Vec::new(),
                unknown: Vec::new(),
            },
            Response {
                rp: rp(3, None),
                lsp: None,
                associations: Vec::new(),
                no_path: None,
                attributes: Attributes::default(),
                paths: vec![PathEntry {
                    ero: Ero::new(vec![
                        Subobject::Ipv4Prefix {
                            loose: false,
                            address: v4(10, 1, 0, 2),
                            prefix_length: 32,
                            attribute: 0,
                        },
                        Subobject::Unnumbered {
                            loose: false,
                            router_id: v4(10, 0, 0, 3),
                            interface_id: 7,
                            attribute: 0,
                        },
                        Subobject::AsNumber {
                            loose: true,
                            asn: 64_512,
                        },
                        Subobject::Ipv6Prefix {
                            loose: true,
                            address: v6(9),
                            prefix_length: 128,
                            attribute: 0,
                        },
                    ]),
                    attributes: Attributes {
                        lspa: Some(lspa.clone()),
                        ..Attributes::default()
                    },
                }],
                unknown: Vec::new(),
            },
        ],
    });

    let pcntf = Message::PcNtf(PcNtf {
        notifications: vec![
            NotifyUnit {
                rps: vec![Rp {
                    header: HeaderFlags::default(),
                    ..rp(5, None)
                }],
                notifications: vec![Notification {
                    header: HeaderFlags::default(),
                    notification_flags: 0,
                    notification_type: NotificationType::PENDING_REQUEST_CANCELLED,
                    notification_value: 2,
                    tlvs: Vec::new(),
                }],
                unknown: Vec::new(),
            },
            NotifyUnit {
                rps: vec![Rp {
                    header: HeaderFlags::default(),
                    ..rp(6, None)
                }],
                notifications: vec![
                    Notification {
                        header: HeaderFlags::default(),
                        notification_flags: 0,
                        notification_type: NotificationType::OVERLOADED,
                        notification_value: 1,
                        tlvs: vec![Tlv::OverloadedDuration(30)],
                    },
                    // The state-sync draft's PCC Open relay (seed 003).
                    Notification {
                        header: HeaderFlags::default(),
                        notification_flags: 0,
                        notification_type: cp.pcc_open_notification(),
                        notification_value: 1,
                        tlvs: vec![
                            Tlv::SpeakerEntityId(Bytes::from_static(b"pcc1")),
                            Tlv::StatefulPceCapability(StatefulCapability(
                                StatefulCapability::UPDATE,
                            )),
                        ],
                    },
                ],
                unknown: Vec::new(),
            },
        ],
    });

    let pcerr_open = Message::PcErr(PcErr {
        errors: vec![ErrorUnit {
            errors: vec![PcepError::new(PcErrCode::UNACCEPTABLE_NEGOTIABLE)],
            ..ErrorUnit::default()
        }],
        open: Some(Open {
            keepalive: 30,
            dead_timer: 120,
            ..Open::default()
        }),
    });
    let pcerr_stateful = Message::PcErr(PcErr {
        errors: vec![
            ErrorUnit {
                srps: vec![srp(77, None)],
                errors: vec![PcepError::new(PcErrCode::NOT_DELEGATED)],
                lsps: vec![Lsp {
                    plsp_id: 11,
                    ..Lsp::default()
                }],
                ..ErrorUnit::default()
            },
            ErrorUnit {
                rps: vec![Rp {
                    header: HeaderFlags::default(),
                    ..rp(9, None)
                }],
                errors: vec![PcepError {
                    tlvs: vec![Tlv::ReqMissing(9)],
                    ..PcepError::new(PcErrCode::new(7, 0))
                }],
                ..ErrorUnit::default()
            },
        ],
        open: None,
    });

    let close = Message::Close(Close::new(CloseReason::DEAD_TIMER));

    let sr_report = bench_report(11, 7);
    let report_full = Message::PcRpt(PcRpt {
        reports: vec![
            StateReport {
                srp: Some(srp(0, Some(PathSetupType::SR_TE))),
                lsp: Lsp {
                    plsp_id: 12,
                    delegate: true,
                    create: true,
                    administrative: true,
                    operational: OperationalStatus::UP,
                    tlvs: vec![
                        Tlv::SymbolicPathName(Bytes::from_static(b"pcc1-to-pcc2-b")),
                        Tlv::LspDbVersion(8),
                        Tlv::SpeakerEntityId(Bytes::from_static(b"pcc1")),
                        Tlv::OriginalLspDbVersion(1234),
                        Tlv::Unknown {
                            tlv_type: TlvType(65505),
                            value: Bytes::from_static(&[0, 0, 5, 0xdd, 0x70, 0]),
                        },
                    ],
                    ..Lsp::default()
                },
                associations: vec![Association {
                    tlvs: vec![
                        Tlv::DisjointnessConfiguration(DisjointnessFlags(DisjointnessFlags::NODE)),
                        Tlv::DisjointnessStatus(DisjointnessFlags(DisjointnessFlags::LINK)),
                    ],
                    ..disjoint_association(1000, DisjointnessFlags::NODE)
                }],
                ero: sr_ero.clone(),
                actual: Some(Box::new(ActualPath {
                    attributes: Attributes {
                        bandwidth: Some(bw(BandwidthKind::Existing, 1.0e6)),
                        metrics: vec![metric(MetricType::TE, Metric::COMPUTED, 42.0)],
                        ..Attributes::default()
                    },
                    rro: Rro::new(vec![sr_node(16002, 2), sr_node(16008, 8)]),
                })),
                intended: Attributes {
                    lspa: Some(lspa.clone()),
                    bandwidth: Some(bw(BandwidthKind::Requested, 1.0e6)),
                    metrics: vec![metric(MetricType::TE, 0, 0.0)],
                    ..Attributes::default()
                },
                unknown: Vec::new(),
            },
            StateReport::end_of_sync(),
        ],
    });

    let report_rsvp_v6 = Message::PcRpt(PcRpt {
        reports: vec![StateReport {
            srp: None,
            lsp: Lsp {
                plsp_id: 13,
                sync: true,
                administrative: true,
                operational: OperationalStatus::DOWN,
                tlvs: vec![
                    Tlv::Ipv6LspIdentifiers(Box::new(Ipv6LspIdentifiers {
                        sender: v6(1),
                        lsp_id: 2,
                        tunnel_id: 13,
                        extended_tunnel_id: v6(1),
                        endpoint: v6(2),
                    })),
                    Tlv::SymbolicPathName(Bytes::from_static(b"rsvp-v6")),
                    Tlv::LspErrorCode(8),
                    Tlv::RsvpErrorSpec(Bytes::from_static(&[
                        0, 12, 6, 1, 10, 0, 0, 1, 0, 24, 0, 2,
                    ])),
                ],
                ..Lsp::default()
            },
            associations: vec![Association {
                header: HeaderFlags::default(),
                association_flags: 0,
                association_type: AssociationType::PATH_PROTECTION,
                association_id: 5,
                source: IpAddr::V6(v6(1)),
                tlvs: vec![
                    Tlv::GlobalAssociationSource(65_000),
                    Tlv::ExtendedAssociationId(Bytes::from_static(&[1, 2, 3, 4, 5, 6, 7, 8])),
                ],
            }],
            ero: Ero::new(vec![Subobject::Ipv6Prefix {
                loose: false,
                address: v6(2),
                prefix_length: 128,
                attribute: 0,
            }]),
            actual: None,
            intended: Attributes::default(),
            unknown: Vec::new(),
        }],
    });
    let open_assoc_range = Message::Open(Open {
        tlvs: vec![Tlv::OperatorConfiguredAssociationRange(vec![
            AssociationRange {
                association_type: AssociationType::DISJOINT,
                start: 1000,
                range: 100,
            },
        ])],
        ..Open::default()
    });

    let pcupd = Message::PcUpd(PcUpd {
        updates: vec![
            UpdateRequest {
                srp: srp(100, Some(PathSetupType::SR_TE)),
                lsp: Lsp {
                    plsp_id: 11,
                    delegate: true,
                    ..Lsp::default()
                },
                associations: Vec::new(),
                ero: Ero::new(vec![sr_node(16002, 2), sr_node(16004, 4)]),
                attributes: Attributes {
                    bandwidth: Some(bw(BandwidthKind::Requested, 1.0e6)),
                    metrics: vec![metric(MetricType::TE, Metric::COMPUTED, 20.0)],
                    ..Attributes::default()
                },
                unknown: Vec::new(),
            },
            UpdateRequest {
                srp: srp(101, None),
                lsp: Lsp {
                    plsp_id: 14,
                    delegate: true,
                    ..Lsp::default()
                },
                associations: Vec::new(),
                ero: Ero::default(),
                attributes: Attributes::default(),
                unknown: Vec::new(),
            },
        ],
    });

    let pcinitiate = Message::PcInitiate(PcInitiate {
        requests: vec![
            InitiateRequest {
                srp: srp(200, Some(PathSetupType::SR_TE)),
                lsp: Lsp {
                    plsp_id: 0,
                    delegate: true,
                    create: true,
                    administrative: true,
                    tlvs: vec![Tlv::SymbolicPathName(Bytes::from_static(b"initiated-1"))],
                    ..Lsp::default()
                },
                end_points: Some(EndPoints::Ipv4 {
                    header: HeaderFlags::default(),
                    source: v4(10, 0, 0, 1),
                    destination: v4(10, 0, 0, 4),
                }),
                associations: vec![disjoint_association(2000, DisjointnessFlags::SRLG)],
                ero: Some(Ero::new(vec![sr_node(16002, 2), sr_node(16004, 4)])),
                attributes: Attributes {
                    lspa: Some(lspa),
                    bandwidth: Some(bw(BandwidthKind::Requested, 5.0e5)),
                    metrics: vec![metric(MetricType::IGP, 0, 0.0)],
                    vendor: vec![VendorInformation {
                        header: HeaderFlags::default(),
                        enterprise: 9,
                        info: Bytes::from_static(&[0, 3, 0, 4, 0, 0, 0, 100]),
                    }],
                    ..Attributes::default()
                },
                unknown: Vec::new(),
            },
            InitiateRequest {
                srp: crate::wire::object::Srp {
                    srp_flags: crate::wire::object::Srp::REMOVE,
                    ..srp(201, None)
                },
                lsp: Lsp {
                    plsp_id: 15,
                    ..Lsp::default()
                },
                ..InitiateRequest::default()
            },
        ],
    });

    // RFC 8232 §3.4/§3.5: a synchronization trigger (S=1, empty ERO), of
    // every LSP (PLSP-ID 0) and of one LSP (D=1 kept).
    let sync_trigger = Message::PcUpd(PcUpd {
        updates: vec![
            UpdateRequest {
                srp: srp(300, None),
                lsp: Lsp {
                    sync: true,
                    ..Lsp::default()
                },
                ..UpdateRequest::default()
            },
            UpdateRequest {
                srp: srp(301, None),
                lsp: Lsp {
                    plsp_id: 11,
                    sync: true,
                    delegate: true,
                    ..Lsp::default()
                },
                ..UpdateRequest::default()
            },
        ],
    });

    vec![
        ("open", open),
        ("open-legacy-sr-capability", open_legacy_sr),
        ("keepalive", Message::Keepalive),
        ("pcreq", pcreq),
        ("pcrep", pcrep),
        ("pcntf", pcntf),
        ("pcerr-open", pcerr_open),
        ("pcerr-stateful", pcerr_stateful),
        ("close", close),
        ("pcrpt-sr", sr_report),
        ("pcrpt-full", report_full),
        ("pcrpt-rsvp-v6", report_rsvp_v6),
        ("open-assoc-range", open_assoc_range),
        ("pcupd", pcupd),
        ("pcupd-sync-trigger", sync_trigger),
        ("pcinitiate", pcinitiate),
        ("starttls", Message::StartTls),
    ]
}
