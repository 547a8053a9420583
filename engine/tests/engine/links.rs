//! Parallel links, unnumbered interfaces and RFC 5521 exclusions: how a
//! link is named (file, events, EROs, XROs, answers), on a topology where
//! R1 and R2 are joined twice (`examples/topologies/parallel-links.json`):
//!
//! ```text
//!        10.1.2.1 ---- 10.1.2.2   (igp 10, SRLG 100)
//!   R1  <                      >  R2 --- R4      (igp 10)
//!        R1%7 ------------ R2%9   (igp 10, SRLG 200, unnumbered)
//!   R1 --- R3 --- R4                              (igp 15 + 15)
//! ```

use std::net::Ipv4Addr;

use pce_engine::pcreq::respond;
use pce_engine::solver::cspf::{Reservations, Workspace};
use pce_engine::solver::{ero, Prepared};
use pce_engine::topology::{
    Interface, LinkId, Topology, TopologyError, TopologyEvent, TopologyFile,
};
use pcep::wire::object::{Iro, Metric, Subobject, Xro};
use pcep::wire::{Attributes, Message, MetricType, PcRep, PcReq, WireConfig};

fn file() -> TopologyFile {
    TopologyFile::read(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/topologies/parallel-links.json"),
    )
    .unwrap()
}

fn topo() -> Prepared {
    Prepared::from(file().build().unwrap())
}

fn v4(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn prefix(address: &str, attribute: u8, loose: bool) -> Subobject {
    Subobject::Ipv4Prefix {
        loose,
        address: v4(address),
        prefix_length: 32,
        attribute,
    }
}

/// A PCReq R1 -> R4 (RSVP-TE) with these attributes.
fn ask(attributes: Attributes) -> PcReq {
    super::pcreq::request_between("10.0.0.1", "10.0.0.4", false, attributes)
}

fn with_xro(subobjects: Vec<Subobject>) -> Attributes {
    Attributes {
        xro: Some(Box::new(Xro {
            subobjects,
            ..Xro::default()
        })),
        ..Attributes::default()
    }
}

/// The answer's ERO (empty for NO-PATH), after a wire round trip.
fn ero_of(topo: &Prepared, req: &PcReq) -> Vec<Subobject> {
    let rep = respond(
        topo,
        &Reservations::new(topo.link_count()),
        req,
        None,
        &mut Workspace::new(),
    );
    let cfg = WireConfig::default();
    let bytes = Message::PcRep(rep).to_bytes(&cfg).unwrap();
    let Message::PcRep(PcRep { responses }) = Message::decode(bytes, &cfg).unwrap() else {
        panic!("not a PCRep")
    };
    responses[0]
        .paths
        .first()
        .map(|p| p.ero.subobjects.clone())
        .unwrap_or_default()
}

/// The links an ERO takes from R1, named.
fn names(topo: &Prepared, ero_hops: &[Subobject]) -> Vec<String> {
    let head = topo.node_by_name("R1").unwrap();
    ero::links(topo, head, ero_hops, &mut Workspace::new())
        .unwrap()
        .into_iter()
        .map(|l| topo.link_name(l))
        .collect()
}

#[test]
fn parallel_links_must_be_named_and_interfaces_unique() {
    let mut f = file();
    f.links[1].a_interface_id = None;
    assert!(matches!(
        f.build(),
        Err(TopologyError::AmbiguousParallelLinks { .. })
    ));
    let mut f = file();
    f.links[3].a_address = Some("10.1.2.1".parse().unwrap());
    let e = f.build().unwrap_err();
    assert!(matches!(e, TopologyError::DuplicateInterface { .. }), "{e}");
    assert!(e.to_string().contains("10.1.2.1"), "{e}");
    let mut f = file();
    f.links[2].a_interface_id = Some(9);
    assert!(matches!(
        f.build(),
        Err(TopologyError::DuplicateInterface { .. })
    ));
    // Parallel links named at both ends are fine, single ones need nothing.
    let t = topo();
    let r1 = t.node_by_name("R1").unwrap();
    let names: Vec<String> = t.out_links(r1).map(|l| t.link_name(LinkId(l))).collect();
    assert_eq!(names, ["R1->R2 [10.1.2.1]", "R1->R2 [if 7]", "R1->R3"]);
}

#[test]
fn an_unnumbered_link_is_named_in_the_ero_and_read_back() {
    let t = topo();
    // The numbered R1-R2 link excluded by its interface: the unnumbered one.
    let hops = ero_of(&t, &ask(with_xro(vec![prefix("10.1.2.1", 0, false)])));
    assert_eq!(
        hops,
        [
            Subobject::Unnumbered {
                loose: false,
                router_id: v4("10.0.0.2"),
                interface_id: 9,
                attribute: 0,
            },
            prefix("10.2.4.4", 0, false),
        ]
    );
    assert_eq!(names(&t, &hops), ["R1->R2 [if 7]", "R2->R4"]);
    // The numbered one by its remote address.
    let hops = ero_of(
        &t,
        &ask(with_xro(vec![Subobject::Unnumbered {
            loose: false,
            router_id: v4("10.0.0.1"),
            interface_id: 7,
            attribute: 0,
        }])),
    );
    assert_eq!(
        hops,
        [prefix("10.1.2.2", 0, false), prefix("10.2.4.4", 0, false)]
    );
    assert_eq!(names(&t, &hops), ["R1->R2 [10.1.2.1]", "R2->R4"]);
}

#[test]
fn xro_attributes_exclude_interfaces_nodes_and_srlgs() {
    let t = topo();
    let unnumbered = |attribute| Subobject::Unnumbered {
        loose: false,
        router_id: v4("10.0.0.2"),
        interface_id: 9,
        attribute,
    };
    let via_r3 = vec![prefix("10.1.3.3", 0, false), prefix("10.3.4.4", 0, false)];
    // Both parallel interfaces: through R3.
    let hops = ero_of(
        &t,
        &ask(with_xro(vec![prefix("10.1.2.2", 0, false), unnumbered(0)])),
    );
    assert_eq!(hops, via_r3);
    // Node attribute on R2's router ID, and a loopback as "interface".
    assert_eq!(
        ero_of(&t, &ask(with_xro(vec![prefix("10.0.0.2", 1, false)]))),
        via_r3
    );
    assert_eq!(
        ero_of(&t, &ask(with_xro(vec![prefix("10.0.0.2", 0, false)]))),
        via_r3
    );
    // The router of an unnumbered interface, as a node.
    assert_eq!(ero_of(&t, &ask(with_xro(vec![unnumbered(1)]))), via_r3);
    // SRLG attribute: the SRLG of the numbered link (100) only.
    let hops = ero_of(&t, &ask(with_xro(vec![prefix("10.1.2.2", 2, false)])));
    assert_eq!(names(&t, &hops), ["R1->R2 [if 7]", "R2->R4"]);
    // A prefix: every interface in 10.1.2.0/24 (the numbered R1-R2 link).
    let hops = ero_of(
        &t,
        &ask(with_xro(vec![Subobject::Ipv4Prefix {
            loose: false,
            address: v4("10.1.2.0"),
            prefix_length: 24,
            attribute: 0,
        }])),
    );
    assert_eq!(names(&t, &hops), ["R1->R2 [if 7]", "R2->R4"]);
}

#[test]
fn x_bit_exclusions_give_way_only_when_nothing_avoids_them() {
    let t = topo();
    // R2 must go, R3 should: through R3 is the only way.
    let hops = ero_of(
        &t,
        &ask(with_xro(vec![
            prefix("10.0.0.2", 1, false),
            prefix("10.0.0.3", 1, true),
        ])),
    );
    assert_eq!(
        hops,
        [prefix("10.1.3.3", 0, false), prefix("10.3.4.4", 0, false)]
    );
    // Both only "should": R2's way is cheaper and both cannot be avoided.
    let hops = ero_of(
        &t,
        &ask(with_xro(vec![
            prefix("10.0.0.2", 1, true),
            prefix("10.0.0.3", 1, true),
        ])),
    );
    assert_eq!(hops.len(), 2);
    // Both must: no path.
    let hops = ero_of(
        &t,
        &ask(with_xro(vec![
            prefix("10.0.0.2", 1, false),
            prefix("10.0.0.3", 1, false),
        ])),
    );
    assert!(hops.is_empty());
    // A soft exclusion that can be met is met.
    let hops = ero_of(&t, &ask(with_xro(vec![prefix("10.0.0.2", 1, true)])));
    assert_eq!(
        hops,
        [prefix("10.1.3.3", 0, false), prefix("10.3.4.4", 0, false)]
    );
}

#[test]
fn iro_hops_name_nodes_or_fail_the_request() {
    let t = topo();
    let iro = |subobjects| Attributes {
        iro: Some(Box::new(Iro {
            subobjects,
            ..Iro::default()
        })),
        metrics: vec![Metric {
            metric_type: MetricType::IGP,
            ..Metric::default()
        }],
        ..Attributes::default()
    };
    // An interface address names its node (RFC 3209 abstract node).
    let hops = ero_of(&t, &ask(iro(vec![prefix("10.3.4.3", 0, false)])));
    assert_eq!(
        hops,
        [prefix("10.1.3.3", 0, false), prefix("10.3.4.4", 0, false)]
    );
    // An address the topology does not have: no path, never dropped.
    assert!(ero_of(&t, &ask(iro(vec![prefix("10.9.9.9", 0, false)]))).is_empty());
}

#[test]
fn events_name_one_of_parallel_links_by_its_interface() {
    let t: Topology = file().build().unwrap();
    let down = |a_interface| TopologyEvent::LinkState {
        a: "R1".into(),
        b: "R2".into(),
        up: false,
        a_interface,
    };
    let e = t.apply(&down(None)).unwrap_err();
    assert!(
        matches!(e, TopologyError::AmbiguousLink { count: 2, .. }),
        "{e}"
    );
    assert!(
        t.apply(&down(Some(Interface::Id(8)))).is_err(),
        "no such interface"
    );
    for (at, gone) in [
        (Interface::Id(7), ["R1->R2 [if 7]", "R2->R1 [if 9]"]),
        (
            Interface::Address("10.1.2.1".parse().unwrap()),
            ["R1->R2 [10.1.2.1]", "R2->R1 [10.1.2.2]"],
        ),
    ] {
        let next = t.apply(&down(Some(at))).unwrap();
        let mut down_links: Vec<String> = next
            .links()
            .iter()
            .enumerate()
            .filter(|(i, _)| !next.link_up(LinkId(*i as u32)))
            .map(|(i, _)| next.link_name(LinkId(i as u32)))
            .collect();
        down_links.sort();
        assert_eq!(down_links, gone);
    }
    // A single link needs no interface.
    assert!(t
        .apply(&TopologyEvent::LinkState {
            a: "R2".into(),
            b: "R4".into(),
            up: false,
            a_interface: None
        })
        .is_ok());
}
