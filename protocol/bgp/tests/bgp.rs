//! The BGP-LS codec and session against byte vectors and RFC 7606 / RFC
//! 9552 §8.2 faults.
//!
//! Vectors from a capture of GoBGP 3.10 originating the draft's Topology A
//! (`shared/interop/gobgp-bgpls/samples/topology-a.pcapng`, frames 6, 12,
//! 14, 44, 80), IS-IS level 2, AS 65000.

use std::net::{IpAddr, Ipv4Addr};

use bgpls::ls::{protocol, Attribute, LsError, Nlri, NlriType, NodeDescriptor, Sid};
use bgpls::message::{error, frame_len, Capability, Message, Notification, Open, Update};
use bgpls::session::{Config, Event, Session, State, OPEN_HOLD_MS};
use bgpls::{AFI_LS, SAFI_LS};

const GOBGP_OPEN: &str = "ffffffffffffffffffffffffffffffff003b0104fde8005a7f0000011e021c0200490402766d0001044004004741040000fde80506400400470002";
const NODE_UPDATE: &str = "ffffffffffffffffffffffffffffffff0083020000006c4001010040020040050400000064800e2c400447047f000001000001001f02000000000000000001000012020000040000fde802030006010000000001801d2c040200045043433104030003490001040400040a000001040a000c8000001f4004890003003e80040b000100";
const PREFIX_UPDATE: &str = "ffffffffffffffffffffffffffffffff0071020000005a4001010040020040050400000064800e35400447047f000001000003002802000000000000000001000012020000040000fde80203000601000000000101090005200a000001801d110480000100048600084000000000000001";
const LINK_UPDATE: &str = "ffffffffffffffffffffffffffffffff00e702000000d04001010040020040050400000064800e4e400447047f000001000002004102000000000000000001000012020000040000fde80203000601000000000101010012020000040000fde802030006010000000005010200080000000100000002801d6e040400040a000001040600040a0000050440000400000000044100044e9502f9044200044e9502f9044300204e9502f94e9502f94e9502f94e9502f94e9502f94e9502f94e9502f94e9502f90444000400000001044700030000010448000400000064044b000730000000005dc0";
const LINK_WITHDRAW: &str = "ffffffffffffffffffffffffffffffff0062020000004b800f484004470002004102000000000000000001000012020000040000fde80203000601000000000101010012020000040000fde802030006010000000005010200080000000100000002";

fn bytes(h: &str) -> Vec<u8> {
    hex::decode(h).unwrap()
}

fn update(h: &str) -> Update {
    match Message::decode(&bytes(h), true).unwrap() {
        Message::Update(u) => u,
        other => panic!("not an UPDATE: {other:?}"),
    }
}

fn isis(sys: u8) -> NodeDescriptor {
    NodeDescriptor {
        asn: Some(65000),
        igp_router_id: vec![1, 0, 0, 0, 0, sys],
        ..NodeDescriptor::default()
    }
}

#[test]
fn gobgp_open_decodes_with_its_capabilities() {
    let Message::Open(open) = Message::decode(&bytes(GOBGP_OPEN), false).unwrap() else {
        panic!("not an OPEN")
    };
    assert_eq!(open.asn, 65000);
    assert_eq!(open.hold_time, 90);
    assert_eq!(open.identifier, Ipv4Addr::new(127, 0, 0, 1));
    assert!(open.supports(AFI_LS, SAFI_LS));
    assert!(open.capabilities.contains(&Capability::RouteRefresh));
    assert!(open.capabilities.contains(&Capability::FourOctetAs(65000)));
    // Extended next hop (5) and FQDN (73) are kept, not refused.
    assert!(open
        .capabilities
        .iter()
        .any(|c| matches!(c, Capability::Other(5, _))));
    assert!(open
        .capabilities
        .iter()
        .any(|c| matches!(c, Capability::Other(73, _))));
}

#[test]
fn gobgp_node_update_decodes() {
    let u = update(NODE_UPDATE);
    assert_eq!(u.treat_as_withdraw, None);
    assert!(u.withdrawn.is_empty());
    let [raw] = u.announced.as_slice() else {
        panic!("one NLRI")
    };
    let n = Nlri::decode(raw).unwrap();
    assert_eq!(n.kind, NlriType::Node);
    assert_eq!(n.protocol, protocol::ISIS_L2);
    assert_eq!(n.identifier, 0);
    assert_eq!(n.local, isis(1));
    assert_eq!(n.local.router_id_text(), "0100.0000.0001");
    let a = Attribute::decode(u.ls_attribute.as_deref().unwrap()).unwrap();
    assert_eq!(a.node_name.as_deref(), Some("PCC1"));
    assert_eq!(a.router_id_v4, Some(Ipv4Addr::new(10, 0, 0, 1)));
    assert_eq!(a.isis_area, Some(vec![0x49, 0, 1]));
    let (_, ranges) = a.sr_capabilities.clone().unwrap();
    assert_eq!(ranges.len(), 1);
    assert_eq!(ranges[0].size, 8000);
    assert_eq!(ranges[0].first, Sid::Label(16000));
    assert_eq!(a.sr_algorithms, Some(vec![0]));
    // Re-encoding gives the same bytes.
    let mut again = Vec::new();
    n.encode(&mut again).unwrap();
    assert_eq!(&again, raw);
    let mut attr = Vec::new();
    a.encode(&mut attr).unwrap();
    assert_eq!(Some(attr), u.ls_attribute);
}

#[test]
fn gobgp_prefix_update_decodes_with_its_prefix_sid() {
    let u = update(PREFIX_UPDATE);
    let n = Nlri::decode(&u.announced[0]).unwrap();
    assert_eq!(n.kind, NlriType::Prefix4);
    let p = n.prefix.unwrap();
    assert_eq!(p.prefix, (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 32));
    let a = Attribute::decode(u.ls_attribute.as_deref().unwrap()).unwrap();
    assert_eq!(a.igp_flags, Some(0));
    assert_eq!(a.prefix_sids.len(), 1);
    assert_eq!(a.prefix_sids[0].flags, 0x40); // N
    assert_eq!(a.prefix_sids[0].algorithm, 0);
    assert_eq!(a.prefix_sids[0].sid, Sid::Index(1));
}

#[test]
fn gobgp_link_update_and_withdrawal_decode() {
    let u = update(LINK_UPDATE);
    let n = Nlri::decode(&u.announced[0]).unwrap();
    assert_eq!(n.kind, NlriType::Link);
    assert_eq!(n.local, isis(1));
    assert_eq!(n.remote, Some(isis(5)));
    assert_eq!(n.link.ids, Some((1, 2)));
    let a = Attribute::decode(u.ls_attribute.as_deref().unwrap()).unwrap();
    assert_eq!(a.router_id_v4, Some(Ipv4Addr::new(10, 0, 0, 1)));
    assert_eq!(a.remote_router_id_v4, Some(Ipv4Addr::new(10, 0, 0, 5)));
    assert_eq!(a.igp_metric, Some(1));
    assert_eq!(a.te_metric, Some(1));
    assert_eq!(a.admin_group, Some(0));
    assert_eq!(a.srlgs, Some(vec![100]));
    // 10 Gb/s as bytes per second.
    assert_eq!(a.max_reservable_bandwidth, Some(1.25e9));
    assert_eq!(a.adj_sids.len(), 1);
    assert_eq!(a.adj_sids[0].flags, 0x30);
    assert_eq!(a.adj_sids[0].sid, Sid::Label(24000));
    // The withdrawal names the same NLRI bytes.
    let w = update(LINK_WITHDRAW);
    assert!(w.announced.is_empty());
    assert_eq!(w.withdrawn, u.announced);
}

#[test]
fn an_update_round_trips_through_the_encoder() {
    let nlri = Nlri {
        kind: NlriType::Link,
        protocol: protocol::OSPFV2,
        identifier: 7,
        local: NodeDescriptor {
            asn: Some(65001),
            ospf_area: Some(0),
            igp_router_id: vec![10, 0, 0, 1],
            ..NodeDescriptor::default()
        },
        remote: Some(NodeDescriptor {
            asn: Some(65001),
            ospf_area: Some(0),
            igp_router_id: vec![10, 0, 0, 2],
            ..NodeDescriptor::default()
        }),
        link: bgpls::ls::LinkDescriptor {
            ipv4_local: Some(Ipv4Addr::new(192, 0, 2, 1)),
            ipv4_remote: Some(Ipv4Addr::new(192, 0, 2, 2)),
            ..Default::default()
        },
        prefix: None,
    };
    let mut raw = Vec::new();
    nlri.encode(&mut raw).unwrap();
    assert_eq!(Nlri::decode(&raw).unwrap(), nlri);
    let attr = Attribute {
        igp_metric: Some(10),
        te_metric: Some(20),
        delay: Some((false, 1500)),
        srlgs: Some(vec![1, 2]),
        extended_admin_group: Some(vec![0x8000_0001, 3]),
        other: vec![(1117, vec![0, 0, 0, 9])],
        ..Attribute::default()
    };
    let mut a = Vec::new();
    attr.encode(&mut a).unwrap();
    assert_eq!(Attribute::decode(&a).unwrap(), attr);
    let u = Update {
        announced: vec![raw.clone()],
        ls_attribute: Some(a),
        as_path: vec![65001],
        ..Update::default()
    };
    let wire = Message::Update(u.clone()).encode().unwrap();
    assert_eq!(Message::decode(&wire, true).unwrap(), Message::Update(u));
}

/// An UPDATE with these path attributes (flags, type, value).
fn with_attrs(attrs: &[(u8, u8, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (f, t, v) in attrs {
        body.extend_from_slice(&[*f, *t, v.len() as u8]);
        body.extend_from_slice(v);
    }
    raw_update(&body)
}

fn raw_update(attrs: &[u8]) -> Vec<u8> {
    let mut m = vec![0xFF; 16];
    let len = 19 + 4 + attrs.len();
    m.extend_from_slice(&(len as u16).to_be_bytes());
    m.push(2);
    m.extend_from_slice(&[0, 0]);
    m.extend_from_slice(&(attrs.len() as u16).to_be_bytes());
    m.extend_from_slice(attrs);
    m
}

fn node_nlri(sys: u8) -> Vec<u8> {
    let n = Nlri {
        kind: NlriType::Node,
        protocol: protocol::ISIS_L2,
        identifier: 0,
        local: isis(sys),
        remote: None,
        link: Default::default(),
        prefix: None,
    };
    let mut raw = Vec::new();
    n.encode(&mut raw).unwrap();
    raw
}

fn mp_reach(nlris: &[Vec<u8>]) -> Vec<u8> {
    let mut v = AFI_LS.to_be_bytes().to_vec();
    v.extend_from_slice(&[SAFI_LS, 4, 127, 0, 0, 1, 0]);
    for n in nlris {
        v.extend_from_slice(n);
    }
    v
}

fn origin() -> (u8, u8, Vec<u8>) {
    (0x40, 1, vec![0])
}

fn as_path() -> (u8, u8, Vec<u8>) {
    (0x40, 2, vec![])
}

fn decode(m: &[u8]) -> Result<Update, Notification> {
    Message::decode(m, true).map(|m| match m {
        Message::Update(u) => u,
        other => panic!("not an UPDATE: {other:?}"),
    })
}

#[test]
fn rfc7606_faults_get_their_treatment() {
    let good = || (0x80, 14, mp_reach(&[node_nlri(1)]));
    // Well formed.
    let u = decode(&with_attrs(&[origin(), as_path(), good()])).unwrap();
    assert_eq!(u.treat_as_withdraw, None);
    assert_eq!(u.announced.len(), 1);
    // A bad ORIGIN: treat-as-withdraw, the NLRIs still located.
    let u = decode(&with_attrs(&[(0x40, 1, vec![7]), as_path(), good()])).unwrap();
    assert!(u.treat_as_withdraw.is_some());
    assert_eq!(u.announced.len(), 1);
    // ORIGIN missing.
    let u = decode(&with_attrs(&[as_path(), good()])).unwrap();
    assert!(u.treat_as_withdraw.is_some());
    // A BGP-LS attribute marked transitive: treat-as-withdraw.
    let u = decode(&with_attrs(&[
        origin(),
        as_path(),
        good(),
        (0xC0, 29, vec![]),
    ]))
    .unwrap();
    assert!(u.treat_as_withdraw.is_some());
    // A second MP_REACH_NLRI: session reset, malformed attribute list.
    let n = decode(&with_attrs(&[origin(), as_path(), good(), good()])).unwrap_err();
    assert_eq!(
        (n.code, n.subcode),
        (error::UPDATE, error::UPDATE_MALFORMED_LIST)
    );
    // An NLRI longer than its MP_REACH_NLRI: the rest cannot be located.
    let mut bad = mp_reach(&[node_nlri(1)]);
    bad[12] = 0xFF; // the first NLRI's length, low byte
    let n = decode(&with_attrs(&[origin(), as_path(), (0x80, 14, bad)])).unwrap_err();
    assert_eq!((n.code, n.subcode), (error::UPDATE, error::UPDATE_OPTIONAL));
    // An attribute overrunning the list after MP_REACH_NLRI:
    // treat-as-withdraw; before it: session reset.
    let mut attrs = Vec::new();
    for (f, t, v) in [origin(), as_path(), good()] {
        attrs.extend_from_slice(&[f, t, v.len() as u8]);
        attrs.extend_from_slice(&v);
    }
    attrs.extend_from_slice(&[0x80, 29, 200, 1, 2]);
    let u = decode(&raw_update(&attrs)).unwrap();
    assert!(u.treat_as_withdraw.is_some());
    assert_eq!(u.announced.len(), 1);
    let n = decode(&raw_update(&[0x40, 1, 9, 0])).unwrap_err();
    assert_eq!(
        (n.code, n.subcode),
        (error::UPDATE, error::UPDATE_MALFORMED_LIST)
    );
    // An unknown attribute flagged well-known (RFC 4271 §6.3).
    let n = decode(&with_attrs(&[origin(), as_path(), (0x40, 99, vec![1])])).unwrap_err();
    assert_eq!(
        (n.code, n.subcode),
        (error::UPDATE, error::UPDATE_UNRECOGNIZED_WELL_KNOWN)
    );
    // Another address family is ignored, not an error.
    let mut v4 = 1u16.to_be_bytes().to_vec();
    v4.extend_from_slice(&[1, 4, 1, 2, 3, 4, 0, 24, 10, 0, 0]);
    let u = decode(&with_attrs(&[origin(), as_path(), (0x80, 14, v4)])).unwrap();
    assert!(u.announced.is_empty());
    assert_eq!(u.ignored.len(), 1);
}

#[test]
fn malformed_nlris_and_attributes_are_errors() {
    let mut raw = node_nlri(1);
    // Total length one short of the body.
    raw[3] -= 1;
    assert!(Nlri::decode(&raw).is_err());
    // Local node descriptors missing.
    let mut raw = vec![0, 1, 0, 9, 2];
    raw.extend_from_slice(&0u64.to_be_bytes());
    assert_eq!(
        Nlri::decode(&raw),
        Err(LsError::Missing {
            what: "NLRI",
            tlv: 256
        })
    );
    // An IGP Router-ID of 5 bytes.
    let n = Nlri {
        local: NodeDescriptor {
            igp_router_id: vec![1, 2, 3, 4, 5],
            ..isis(1)
        },
        ..Nlri::decode(&node_nlri(1)).unwrap()
    };
    let mut raw = Vec::new();
    n.encode(&mut raw).unwrap();
    assert!(matches!(
        Nlri::decode(&raw),
        Err(LsError::BadLength { tlv: 515, .. })
    ));
    // Unknown NLRI type.
    assert_eq!(
        Nlri::decode(&[0, 9, 0, 0]),
        Err(LsError::UnknownNlriType(9))
    );
    // Attribute: a TLV past the end, an IGP metric of 4 bytes, an SRLG
    // list of 6 bytes, a TE metric twice.
    assert!(Attribute::decode(&[4, 0x47, 0, 5, 0, 0, 1]).is_err());
    assert!(Attribute::decode(&[4, 0x47, 0, 4, 0, 0, 0, 1]).is_err());
    assert!(Attribute::decode(&[4, 0x48, 0, 6, 0, 0, 0, 1, 0, 0]).is_err());
    assert!(Attribute::decode(&[4, 0x44, 0, 4, 0, 0, 0, 1, 4, 0x44, 0, 4, 0, 0, 0, 2]).is_err());
    // An unknown TLV is kept.
    let a = Attribute::decode(&[0x7F, 0x00, 0, 2, 9, 9]).unwrap();
    assert_eq!(a.other, vec![(0x7F00, vec![9, 9])]);
}

#[test]
fn framing_faults_are_header_errors() {
    let mut m = Message::Keepalive.encode().unwrap();
    assert_eq!(frame_len(&m), Ok(Some(19)));
    assert_eq!(frame_len(&m[..10]), Ok(None));
    m[0] = 0;
    assert_eq!(
        frame_len(&m).unwrap_err().subcode,
        error::HEADER_NOT_SYNCHRONIZED
    );
    let mut m = Message::Keepalive.encode().unwrap();
    m[17] = 20;
    m.push(0);
    let n = frame_len(&m).unwrap_err();
    assert_eq!(
        (n.code, n.subcode, n.data.clone()),
        (error::HEADER, error::HEADER_BAD_LENGTH, vec![0, 20])
    );
    let mut m = Message::Keepalive.encode().unwrap();
    m[18] = 9;
    let n = Message::decode(&m, true).unwrap_err();
    assert_eq!(
        (n.code, n.subcode, n.data),
        (error::HEADER, error::HEADER_BAD_TYPE, vec![9])
    );
}

fn config() -> Config {
    Config {
        local_as: 65000,
        router_id: Ipv4Addr::new(127, 0, 0, 2),
        hold_time: 90,
        peer_as: 65000,
        end_of_rib: false,
    }
}

fn peer_open(asn: u32, hold: u16, mut caps: Vec<Capability>) -> Vec<u8> {
    for c in &mut caps {
        if let Capability::FourOctetAs(a) = c {
            *a = asn;
        }
    }
    Message::Open(Open {
        asn,
        hold_time: hold,
        identifier: Ipv4Addr::new(127, 0, 0, 1),
        capabilities: caps,
    })
    .encode()
    .unwrap()
}

fn ls_caps() -> Vec<Capability> {
    vec![
        Capability::Multiprotocol(AFI_LS, SAFI_LS),
        Capability::FourOctetAs(65000),
    ]
}

fn sent(s: &mut Session) -> Vec<Message> {
    let out = s.transmit();
    let mut msgs = Vec::new();
    let mut at = 0;
    while at < out.len() {
        let len = frame_len(&out[at..]).unwrap().unwrap();
        msgs.push(Message::decode(&out[at..at + len], true).unwrap());
        at += len;
    }
    msgs
}

fn established(now: u64) -> Session {
    let mut s = Session::new(config(), now);
    let msgs = sent(&mut s);
    assert!(matches!(&msgs[..], [Message::Open(o)] if o.supports(AFI_LS, SAFI_LS)));
    assert!(s.receive(now, &peer_open(65000, 30, ls_caps())).is_empty());
    assert_eq!(s.state(), State::OpenConfirm);
    assert_eq!(sent(&mut s), vec![Message::Keepalive]);
    let events = s.receive(now, &Message::Keepalive.encode().unwrap());
    assert!(matches!(&events[..], [Event::Established(o)] if o.hold_time == 30));
    s
}

#[test]
fn the_session_comes_up_keeps_alive_and_expires() {
    let mut s = established(1000);
    // Hold time min(90, 30) = 30 s: a keepalive every 10 s.
    assert_eq!(s.deadline(), Some(11_000));
    assert_eq!(s.tick(10_999), None);
    assert!(sent(&mut s).is_empty());
    assert_eq!(s.tick(11_000), None);
    assert_eq!(sent(&mut s), vec![Message::Keepalive]);
    // An UPDATE restarts the hold timer and comes out as an event.
    let events = s.receive(20_000, &bytes(NODE_UPDATE));
    assert!(matches!(&events[..], [Event::Update(u)] if u.announced.len() == 1));
    // Split across reads: nothing until whole.
    let link = bytes(LINK_UPDATE);
    assert!(s.receive(21_000, &link[..50]).is_empty());
    assert_eq!(s.receive(21_000, &link[50..]).len(), 1);
    // Nothing heard for 30 s: Hold Timer Expired.
    for now in (21_000..51_000).step_by(5000) {
        assert_eq!(s.tick(now), None);
    }
    let e = s.tick(51_000).unwrap();
    assert!(matches!(e, Event::Closed { sent: Some(ref n), .. } if n.code == error::HOLD_TIMER));
    assert!(sent(&mut s)
        .iter()
        .any(|m| matches!(m, Message::Notification(n) if n.code == error::HOLD_TIMER)));
    assert_eq!(s.state(), State::Closed);
    assert_eq!(s.deadline(), None);
}

fn refused(open: Vec<u8>) -> Notification {
    let mut s = Session::new(config(), 0);
    sent(&mut s);
    let events = s.receive(0, &open);
    let [Event::Closed { sent: Some(n), .. }] = events.as_slice() else {
        panic!("not closed: {events:?}")
    };
    assert_eq!(s.state(), State::Closed);
    assert_eq!(sent(&mut s), vec![Message::Notification(n.clone())]);
    n.clone()
}

#[test]
fn bad_opens_are_refused_with_the_rfc_notification() {
    let n = refused(peer_open(65001, 90, ls_caps()));
    assert_eq!((n.code, n.subcode), (error::OPEN, error::OPEN_BAD_PEER_AS));
    let n = refused(peer_open(65000, 2, ls_caps()));
    assert_eq!((n.code, n.subcode), (error::OPEN, error::OPEN_HOLD_TIME));
    let n = refused(peer_open(
        65000,
        90,
        vec![
            Capability::Multiprotocol(1, 1),
            Capability::FourOctetAs(65000),
        ],
    ));
    assert_eq!(
        (n.code, n.subcode, n.data),
        (
            error::OPEN,
            error::OPEN_UNSUPPORTED_CAPABILITY,
            vec![1, 4, 0x40, 0x04, 0, 71]
        )
    );
    let mut v3 = peer_open(65000, 90, ls_caps());
    v3[19] = 3;
    let n = refused(v3);
    assert_eq!(
        (n.code, n.subcode, n.data),
        (error::OPEN, error::OPEN_VERSION, vec![0, 4])
    );
    // The same identifier as this side over iBGP.
    let mut same = peer_open(65000, 90, ls_caps());
    same[24..28].copy_from_slice(&[127, 0, 0, 2]);
    let n = refused(same);
    assert_eq!(
        (n.code, n.subcode),
        (error::OPEN, error::OPEN_BAD_IDENTIFIER)
    );
    // An UPDATE before the OPEN: FSM error (RFC 6608 subcode 1).
    let n = refused(bytes(NODE_UPDATE));
    assert_eq!((n.code, n.subcode), (error::FSM, 1));
}

#[test]
fn the_open_wait_is_bounded_and_notifications_close() {
    let mut s = Session::new(config(), 0);
    assert_eq!(s.deadline(), Some(OPEN_HOLD_MS));
    assert!(matches!(s.tick(OPEN_HOLD_MS), Some(Event::Closed { .. })));
    let mut s = established(0);
    let cease = Message::Notification(Notification::new(error::CEASE, error::CEASE_SHUTDOWN));
    let events = s.receive(5, &cease.encode().unwrap());
    assert!(
        matches!(&events[..], [Event::Closed { sent: None, received: Some(n), .. }] if n.code == error::CEASE)
    );
    let mut s = established(0);
    assert!(s.shutdown().is_some());
    assert_eq!(
        sent(&mut s),
        vec![Message::Notification(Notification::new(
            error::CEASE,
            error::CEASE_SHUTDOWN
        ))]
    );
}

#[test]
fn an_as_path_loop_is_an_implicit_withdrawal() {
    let mut s = established(0);
    let u = Update {
        announced: vec![node_nlri(1)],
        as_path: vec![65000],
        ..Update::default()
    };
    let events = s.receive(1, &Message::Update(u).encode().unwrap());
    assert!(matches!(&events[..], [Event::Update(u)] if u.treat_as_withdraw.is_some()));
}

mod hostile {
    //! Whatever bytes a peer sends, nothing panics: each decoder answers
    //! with a value or an error, and the session with events.
    use super::*;
    use proptest::prelude::*;

    fn vectors() -> Vec<Vec<u8>> {
        [
            GOBGP_OPEN,
            NODE_UPDATE,
            PREFIX_UPDATE,
            LINK_UPDATE,
            LINK_WITHDRAW,
        ]
        .iter()
        .map(|h| bytes(h))
        .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn mutated_messages_decode_or_fail_cleanly(
            which in 0usize..5,
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
            four in any::<bool>(),
        ) {
            let mut m = vectors()[which].clone();
            for (i, b) in edits {
                let at = i.index(m.len());
                m[at] = b;
            }
            if let Ok(Message::Update(u)) = Message::decode(&m, four) {
                for n in &u.announced {
                    let _ = Nlri::decode(n);
                }
                if let Some(a) = &u.ls_attribute {
                    let _ = Attribute::decode(a);
                }
            }
            let mut s = Session::new(config(), 0);
            let _ = s.receive(0, &m);
        }

        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = Nlri::decode(&data);
            let _ = Attribute::decode(&data);
            let _ = Message::decode(&data, true);
            let mut framed = vec![0xFF; 16];
            framed.extend_from_slice(&((19 + data.len()) as u16).to_be_bytes());
            framed.push(2);
            framed.extend_from_slice(&data);
            let _ = Message::decode(&framed, true);
            let mut s = established(0);
            let events = s.receive(1, &framed);
            // A fault closes the session with a NOTIFICATION queued.
            if let Some(Event::Closed { sent: Some(n), .. }) = events.last() {
                let out = s.transmit();
                prop_assert!(out.ends_with(&Message::Notification(n.clone()).encode().unwrap()));
            }
        }
    }
}

/// The End-of-RIB marker of BGP-LS (RFC 4724 §2): an UPDATE whose only
/// attribute is an MP_UNREACH_NLRI of AFI 16388 / SAFI 71 without NLRI.
/// A withdrawal, or the same attribute beside another one, is not it; the
/// Graceful Restart capability (64) announces it.
#[test]
fn end_of_rib_is_recognized_and_encoded() {
    let afi_safi = {
        let mut v = AFI_LS.to_be_bytes().to_vec();
        v.push(SAFI_LS);
        v
    };
    let eor = with_attrs(&[(0x80, 15, afi_safi.clone())]);
    let u = decode(&eor).unwrap();
    assert!(u.end_of_rib && u.withdrawn.is_empty() && u.announced.is_empty());
    // Ours is byte for byte that.
    let ours = Message::Update(Update {
        end_of_rib: true,
        ..Update::default()
    })
    .encode()
    .unwrap();
    assert_eq!(ours, eor);
    // Not markers: a withdrawal, another attribute beside it, another
    // address family (IPv4 unicast, ignored here), an empty UPDATE.
    let mut withdrawal = afi_safi.clone();
    withdrawal.extend_from_slice(&node_nlri(1));
    assert!(
        !decode(&with_attrs(&[(0x80, 15, withdrawal)]))
            .unwrap()
            .end_of_rib
    );
    assert!(
        !decode(&with_attrs(&[origin(), (0x80, 15, afi_safi)]))
            .unwrap()
            .end_of_rib
    );
    assert!(
        !decode(&with_attrs(&[(0x80, 15, vec![0, 1, 1])]))
            .unwrap()
            .end_of_rib
    );
    assert!(!decode(&raw_update(&[])).unwrap().end_of_rib);
    // The capability that announces it.
    let mut caps = ls_caps();
    let open = |caps: Vec<Capability>| match Message::decode(&peer_open(65000, 90, caps), true) {
        Ok(Message::Open(o)) => o,
        other => panic!("{other:?}"),
    };
    assert!(!open(caps.clone()).sends_end_of_rib());
    caps.push(Capability::Other(64, vec![0, 0]));
    assert!(open(caps).sends_end_of_rib());
    let mut ours = config();
    ours.end_of_rib = true;
    assert!(Session::new(ours, 0).local_open().sends_end_of_rib());
    assert!(!Session::new(config(), 0).local_open().sends_end_of_rib());
}
