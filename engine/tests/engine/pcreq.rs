//! PCReq to PCRep on the draft's Topology A.

use pce_engine::pcreq::{respond, NO_PATH_UNKNOWN_DESTINATION};
use pce_engine::solver::cspf::{Reservations, Workspace};
use pcep::session::Negotiated;
use pcep::wire::object::{EndPoints, HeaderFlags, Metric, Nai, Open, Rp, Subobject, Xro};
use pcep::wire::tlv::{PathSetupTypeCapability, SrPceCapability, SubTlv, Tlv};
use pcep::wire::{
    Attributes, Message, MetricType, PathSetupType, PcRep, PcReq, Request, StateSyncCodepoints,
    WireConfig,
};

use super::support::load;

pub(super) fn request(dst: &str, sr: bool, attributes: Attributes) -> PcReq {
    request_between("192.0.2.1", dst, sr, attributes)
}

/// A PCReq from `src` to `dst`, request ID 7.
pub(super) fn request_between(src: &str, dst: &str, sr: bool, attributes: Attributes) -> PcReq {
    PcReq {
        svecs: vec![],
        requests: vec![Request {
            rp: Rp {
                header: HeaderFlags::PROCESSING,
                rp_flags: 0,
                request_id: 7,
                tlvs: if sr {
                    vec![Tlv::PathSetupType(PathSetupType::SR_TE)]
                } else {
                    vec![]
                },
            },
            end_points: EndPoints::Ipv4 {
                header: HeaderFlags::default(),
                source: src.parse().unwrap(),
                destination: dst.parse().unwrap(),
            },
            lsp: None,
            associations: vec![],
            attributes,
            rro: None,
            rro_bandwidth: None,
            load_balancing: None,
            unknown: vec![],
        }],
    }
}

fn sr_session(msd: u8) -> Negotiated {
    let open = Open {
        tlvs: vec![Tlv::PathSetupTypeCapability(Box::new(
            PathSetupTypeCapability {
                path_setup_types: vec![PathSetupType::RSVP_TE, PathSetupType::SR_TE],
                sub_tlvs: vec![SubTlv::SrPceCapability(SrPceCapability { flags: 0, msd })],
            },
        ))],
        ..Open::default()
    };
    Negotiated::new(&Open::default(), &open, &StateSyncCodepoints::default())
}

fn answer(req: &PcReq, session: Option<&Negotiated>) -> PcRep {
    let topo = load("draft-topology-a.json");
    let rep = respond(
        &topo,
        &Reservations::new(topo.link_count()),
        req,
        session,
        &mut Workspace::new(),
    );
    // The reply encodes and decodes as itself.
    let cfg = WireConfig::default();
    let bytes = Message::PcRep(rep.clone()).to_bytes(&cfg).unwrap();
    assert_eq!(
        Message::decode(bytes, &cfg).unwrap(),
        Message::PcRep(rep.clone())
    );
    rep
}

pub(super) fn hops(rep: &PcRep) -> Vec<String> {
    rep.responses[0].paths[0]
        .ero
        .subobjects
        .iter()
        .map(|s| match s {
            Subobject::Ipv4Prefix { address, .. } => address.to_string(),
            Subobject::Sr(sr) => format!("{:?}", sr.label()),
            other => format!("{other:?}"),
        })
        .collect()
}

fn metric(t: MetricType, flags: u8, value: f32) -> Metric {
    Metric {
        metric_type: t,
        metric_flags: flags,
        value,
        ..Metric::default()
    }
}

#[test]
fn rsvp_path_with_computed_metric() {
    let attrs = Attributes {
        metrics: vec![metric(MetricType::IGP, Metric::COMPUTED, 0.0)],
        ..Attributes::default()
    };
    let rep = answer(&request("192.0.2.2", false, attrs), None);
    let r = &rep.responses[0];
    assert_eq!((r.rp.request_id, r.rp.header.processing), (7, true));
    // R1 R3 R4 R2 PCC2 by router ID (10.0.0.5, .7, .8, .6, .2).
    assert_eq!(
        hops(&rep),
        ["10.0.0.5", "10.0.0.7", "10.0.0.8", "10.0.0.6", "10.0.0.2"]
    );
    assert_eq!(
        r.paths[0].attributes.metrics,
        vec![metric(MetricType::IGP, Metric::COMPUTED, 5.0)]
    );
}

#[test]
fn xro_and_bounds_shape_the_path() {
    // Exclude R3 (10.0.0.7): R1-R2 (12).
    let xro = Xro {
        subobjects: vec![Subobject::Ipv4Prefix {
            loose: false,
            address: "10.0.0.7".parse().unwrap(),
            prefix_length: 32,
            attribute: 1,
        }],
        ..Xro::default()
    };
    let attrs = Attributes {
        xro: Some(Box::new(xro)),
        metrics: vec![metric(MetricType::IGP, Metric::COMPUTED, 0.0)],
        ..Attributes::default()
    };
    let rep = answer(&request("192.0.2.2", false, attrs), None);
    assert_eq!(hops(&rep), ["10.0.0.5", "10.0.0.6", "10.0.0.2"]);
    // A hop bound of 2: nothing fits; NO-PATH.
    let attrs = Attributes {
        metrics: vec![metric(MetricType::HOP_COUNT, Metric::BOUND, 2.0)],
        ..Attributes::default()
    };
    let rep = answer(&request("192.0.2.2", false, attrs), None);
    assert!(rep.responses[0].no_path.is_some() && rep.responses[0].paths.is_empty());
}

#[test]
fn sr_path_within_the_pcc_msd() {
    let session = sr_session(10);
    let rep = answer(
        &request("192.0.2.2", true, Attributes::default()),
        Some(&session),
    );
    let Subobject::Sr(first) = &rep.responses[0].paths[0].ero.subobjects[0] else {
        panic!()
    };
    assert_eq!(first.label(), Some(16002));
    assert_eq!(
        first.nai,
        Some(Nai::Ipv4Node {
            address: "10.0.0.2".parse().unwrap()
        })
    );
    // Avoiding R3 needs 3 segments; an MSD of 2 cannot carry them.
    let xro = Xro {
        subobjects: vec![Subobject::Ipv4Prefix {
            loose: false,
            address: "10.0.0.7".parse().unwrap(),
            prefix_length: 32,
            attribute: 1,
        }],
        ..Xro::default()
    };
    let attrs = Attributes {
        xro: Some(Box::new(xro)),
        ..Attributes::default()
    };
    let rep = answer(
        &request("192.0.2.2", true, attrs.clone()),
        Some(&sr_session(10)),
    );
    assert_eq!(hops(&rep).len(), 3);
    let rep = answer(&request("192.0.2.2", true, attrs), Some(&sr_session(2)));
    assert!(rep.responses[0].no_path.is_some());
}

#[test]
fn unknown_destination_says_so() {
    let rep = answer(&request("198.51.100.9", false, Attributes::default()), None);
    let no_path = rep.responses[0].no_path.as_ref().unwrap();
    assert_eq!(
        no_path.tlvs,
        vec![Tlv::NoPathVector(NO_PATH_UNKNOWN_DESTINATION)]
    );
}
