//! Wireshark's BGP dissector checks what the BGP-LS speaker emits: the
//! session's OPEN, KEEPALIVE and NOTIFICATIONs, and UPDATEs from the
//! encoder (Node, Link and Prefix NLRIs with every attribute TLV the
//! receiver decodes, and a withdrawal). Each must decode as the BGP
//! message it is, with no malformed packet and no warning or error
//! expert item.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Command;

use bgpls::ls::{
    protocol, AdjSid, Attribute, LinkDescriptor, Nlri, NlriType, NodeDescriptor, PrefixDescriptor,
    PrefixSid, Sid, SrRange,
};
use bgpls::message::{error, Message, Notification, Update};
use bgpls::session::{Config, Session};
use pce_tests::{scratch_dir, tshark_available, tshark_complaints};
use pce_tools::pcap::{write_capture, Segment};

fn node(sys: u8) -> NodeDescriptor {
    NodeDescriptor {
        asn: Some(65000),
        igp_router_id: vec![1, 0, 0, 0, 0, sys],
        ..NodeDescriptor::default()
    }
}

fn encoded(n: &Nlri) -> Vec<u8> {
    let mut v = Vec::new();
    n.encode(&mut v).unwrap();
    v
}

fn attribute(a: &Attribute) -> Vec<u8> {
    let mut v = Vec::new();
    a.encode(&mut v).unwrap();
    v
}

/// (expected BGP type, bytes).
fn messages() -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let cfg = Config {
        local_as: 65000,
        router_id: Ipv4Addr::new(127, 0, 0, 2),
        hold_time: 90,
        peer_as: 65000,
        end_of_rib: false,
    };
    let mut s = Session::new(cfg.clone(), 0);
    out.push((1, s.transmit()));
    out.push((4, Message::Keepalive.encode().unwrap()));
    for n in [
        Notification::new(error::HOLD_TIMER, 0),
        Notification::new(error::CEASE, error::CEASE_SHUTDOWN),
        Notification {
            code: error::OPEN,
            subcode: error::OPEN_UNSUPPORTED_CAPABILITY,
            data: vec![1, 4, 0x40, 0x04, 0, 71],
        },
        Notification {
            code: error::OPEN,
            subcode: error::OPEN_VERSION,
            data: vec![0, 4],
        },
    ] {
        out.push((3, Message::Notification(n).encode().unwrap()));
    }
    let node_nlri = Nlri {
        kind: NlriType::Node,
        protocol: protocol::ISIS_L2,
        identifier: 0,
        local: node(1),
        remote: None,
        link: LinkDescriptor::default(),
        prefix: None,
    };
    let node_attr = Attribute {
        node_name: Some("PCC1".into()),
        isis_area: Some(vec![0x49, 0, 1]),
        router_id_v4: Some(Ipv4Addr::new(10, 0, 0, 1)),
        sr_capabilities: Some((
            0x80,
            vec![SrRange {
                size: 8000,
                first: Sid::Label(16000),
            }],
        )),
        sr_algorithms: Some(vec![0]),
        node_msd: Some(vec![(1, 10)]),
        ..Attribute::default()
    };
    let link_nlri = Nlri {
        kind: NlriType::Link,
        remote: Some(node(2)),
        link: LinkDescriptor {
            ipv4_local: Some(Ipv4Addr::new(192, 0, 2, 1)),
            ipv4_remote: Some(Ipv4Addr::new(192, 0, 2, 2)),
            ..LinkDescriptor::default()
        },
        ..node_nlri.clone()
    };
    let link_attr = Attribute {
        router_id_v4: Some(Ipv4Addr::new(10, 0, 0, 1)),
        remote_router_id_v4: Some(Ipv4Addr::new(10, 0, 0, 2)),
        admin_group: Some(5),
        max_bandwidth: Some(1.25e9),
        max_reservable_bandwidth: Some(1.25e9),
        unreserved_bandwidth: Some([1.25e9; 8]),
        te_metric: Some(20),
        igp_metric: Some(10),
        srlgs: Some(vec![100, 200]),
        adj_sids: vec![AdjSid {
            flags: 0x30,
            weight: 0,
            sid: Sid::Label(24000),
        }],
        delay: Some((false, 1500)),
        ..Attribute::default()
    };
    let prefix_nlri = Nlri {
        kind: NlriType::Prefix4,
        prefix: Some(PrefixDescriptor {
            mt_ids: Vec::new(),
            ospf_route_type: None,
            prefix: (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 32),
        }),
        ..node_nlri.clone()
    };
    let prefix_attr = Attribute {
        igp_flags: Some(0),
        prefix_metric: Some(0),
        prefix_sids: vec![PrefixSid {
            flags: 0x40,
            algorithm: 0,
            sid: Sid::Index(1),
        }],
        ..Attribute::default()
    };
    for (n, a) in [
        (&node_nlri, &node_attr),
        (&link_nlri, &link_attr),
        (&prefix_nlri, &prefix_attr),
    ] {
        let u = Update {
            announced: vec![encoded(n)],
            ls_attribute: Some(attribute(a)),
            ..Update::default()
        };
        out.push((2, Message::Update(u).encode().unwrap()));
    }
    let w = Update {
        withdrawn: vec![encoded(&link_nlri)],
        ..Update::default()
    };
    out.push((2, Message::Update(w).encode().unwrap()));
    // A sender's OPEN announcing End-of-RIB (Graceful Restart capability),
    // and the marker (RFC 4724).
    let sender = Config {
        end_of_rib: true,
        ..cfg
    };
    out.push((1, Session::new(sender, 0).transmit()));
    let eor = Update {
        end_of_rib: true,
        ..Update::default()
    };
    out.push((2, Message::Update(eor).encode().unwrap()));
    out
}

#[test]
fn tshark_decodes_what_the_bgp_ls_speaker_emits() {
    if !tshark_available() {
        eprintln!("SKIPPED: tshark not installed (CI installs it via .ci/run)");
        return;
    }
    let dir = scratch_dir("tshark-bgp");
    let msgs = messages();
    let us: SocketAddr = "127.0.0.2:40179".parse().unwrap();
    let peer: SocketAddr = "127.0.0.1:179".parse().unwrap();
    let segments: Vec<Segment<'_>> = msgs
        .iter()
        .map(|(_, b)| Segment {
            src: us,
            dst: peer,
            payload: b,
        })
        .collect();
    let pcap = dir.join("bgp.pcap");
    write_capture(&pcap, &segments).unwrap();
    let fields = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(&pcap)
        .args(["-T", "fields", "-e", "bgp.type"])
        .output()
        .unwrap();
    assert!(fields.status.success());
    let types: Vec<String> = String::from_utf8_lossy(&fields.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let expected: Vec<String> = msgs.iter().map(|(t, _)| t.to_string()).collect();
    assert_eq!(types, expected, "one BGP message per packet, of its type");
    let bad = tshark_complaints(&pcap, "bgp");
    assert!(bad.is_empty(), "tshark complains: {bad}");
    // The NLRIs are recognized as link-state ones, with their attributes.
    let text = fields_of(
        &pcap,
        &[
            "bgp.ls.nlri_type",
            "bgp.ls.tlv.metric_value",
            "bgp.ls.tlv.node_name_value",
        ],
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[6], "1\t\tPCC1", "{text}");
    // The IGP metric (10), as tshark renders it.
    assert_eq!(lines[7], "2\t0x00000a\t", "{text}");
    assert_eq!(lines[8], "3\t\t", "{text}");
    assert_eq!(lines[9], "2\t\t", "{text}");
    // The sender's OPEN carries the Graceful Restart capability, and the
    // last UPDATE is an MP_UNREACH_NLRI of BGP-LS without NLRI.
    let text = fields_of(
        &pcap,
        &[
            "bgp.cap.type",
            "bgp.update.path_attribute.mp_unreach_nlri.afi",
            "bgp.ls.nlri_type",
        ],
    );
    let lines: Vec<&str> = text.lines().collect();
    let n = lines.len();
    assert!(
        lines[n - 2]
            .split('\t')
            .next()
            .unwrap()
            .split(',')
            .any(|c| c == "64"),
        "{text}"
    );
    assert_eq!(lines[n - 1], "\t16388\t", "{text}");
}

/// `fields` of each packet of `pcap`, as tshark prints them (one line per
/// packet, tab-separated).
fn fields_of(pcap: &std::path::Path, fields: &[&str]) -> String {
    let mut c = Command::new("tshark");
    c.args(["-n", "-r"]).arg(pcap).args(["-T", "fields"]);
    for f in fields {
        c.args(["-e", f]);
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
