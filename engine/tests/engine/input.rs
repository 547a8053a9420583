//! The core's inputs are serde values: every kind survives JSON exactly
//! (what `pce serve --record` writes, `pce replay` reads back).

use std::net::IpAddr;

use pce_engine::pce::{Command, InitiateSpec, Input, SessionId, TopologyChange};
use pce_engine::topology::{TopologyEvent, TopologyFile};
use pcep::session::Negotiated;
use pcep::wire::object::{Bandwidth, Metric};
use pcep::wire::{Attributes, MetricType, PathSetupType, StateSyncCodepoints, WireConfig};

fn round_trip(input: &Input) {
    let json = serde_json::to_string(input).unwrap();
    let back: Input = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, input, "{json}");
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn every_input_kind_survives_json() {
    let cp = StateSyncCodepoints::default();
    for (name, message) in pcep::samples::all(&cp) {
        let input = Input::Message {
            session: SessionId(3),
            message: Box::new(message),
        };
        let json = serde_json::to_string(&input).unwrap();
        let back: Input = serde_json::from_str(&json).unwrap();
        assert_eq!(back, input, "sample {name}");
    }
    let open = pcep::samples::pce_open(&cp);
    for inter_pce in [false, true] {
        let mut negotiated = Negotiated::new(&open, &open, &cp);
        assert!(negotiated.capabilities.inter_pce, "the sample Open sets it");
        negotiated.capabilities.inter_pce = inter_pce;
        round_trip(&Input::SessionUp {
            session: SessionId(1),
            peer: ip("192.0.2.1"),
            negotiated: Box::new(negotiated),
        });
    }
    round_trip(&Input::SessionDown {
        session: SessionId(1),
    });
    round_trip(&Input::Timer);
    let attributes = Attributes {
        bandwidth: Some(Bandwidth {
            bandwidth: 1e6,
            ..Bandwidth::default()
        }),
        metrics: vec![Metric {
            metric_type: MetricType::TE,
            metric_flags: Metric::BOUND,
            value: 40.0,
            ..Metric::default()
        }],
        ..Attributes::default()
    };
    round_trip(&Input::Command(Command::Initiate(Box::new(InitiateSpec {
        pcc: ip("192.0.2.1"),
        name: "gold".into(),
        source: ip("10.0.0.1"),
        destination: ip("10.0.0.4"),
        setup: PathSetupType::SR_TE,
        attributes: attributes.clone(),
        color: Some(7),
        disjoint_group: None,
    }))));
    round_trip(&Input::Command(Command::UpdateLsp {
        pcc: ip("192.0.2.1"),
        name: "gold".into(),
        attributes: Box::new(attributes),
    }));
    round_trip(&Input::Command(Command::DeleteInitiated {
        pcc: ip("192.0.2.1"),
        name: "gold".into(),
    }));
    round_trip(&Input::Command(Command::ReturnDelegation {
        pcc: ip("192.0.2.1"),
        name: "gold".into(),
    }));
    round_trip(&Input::Command(Command::Reoptimize));
    let file = TopologyFile::read(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/topologies/draft-topology-a.json"),
    )
    .unwrap();
    round_trip(&Input::Command(Command::Reload {
        topology: Some(Box::new(file.clone())),
        state_sync: Some(Box::new(pce_engine::pce::StateSync::new(
            ip("192.0.2.101"),
            100,
            vec![],
        ))),
    }));
    round_trip(&Input::Topology(TopologyChange::replace(file.clone())));
    // What the shell built of a new topology is not recorded: the record
    // is the file's, and reads back as the file alone.
    let built = Input::Topology(TopologyChange::Replace(pce_engine::pce::Replacement {
        file: Box::new(file.clone()),
        built: Some(pce_engine::pce::Built::Topology(std::sync::Arc::new(
            file.build().unwrap(),
        ))),
    }));
    let plain = Input::Topology(TopologyChange::replace(file));
    let text = serde_json::to_string(&built).unwrap();
    assert_eq!(text, serde_json::to_string(&plain).unwrap());
    let back: Input = serde_json::from_str(&text).unwrap();
    assert!(matches!(&back, Input::Topology(TopologyChange::Replace(r)) if r.built.is_none()));
    assert_eq!(back, built);
    round_trip(&Input::Topology(TopologyChange::Event(
        TopologyEvent::LinkState {
            a: "R1".into(),
            b: "R2".into(),
            up: false,
            a_interface: None,
        },
    )));
}

/// Messages are written with the configured code points: a state-sync TLV
/// at a non-default code point reads back as itself under the same
/// configuration.
#[test]
fn messages_use_the_configured_code_points() {
    let mut wire = WireConfig::default();
    wire.state_sync.original_lsp_db_version_tlv = 65_000;
    let cp = wire.state_sync;
    let _ = cp;
    let report = pcep::wire::Message::PcRpt(pcep::wire::PcRpt {
        reports: vec![pcep::wire::StateReport {
            lsp: pcep::wire::object::Lsp {
                plsp_id: 7,
                tlvs: vec![
                    pcep::wire::tlv::Tlv::SymbolicPathName(b"a".to_vec().into()),
                    pcep::wire::tlv::Tlv::OriginalLspDbVersion(9),
                ],
                ..pcep::wire::object::Lsp::default()
            },
            ..pcep::wire::StateReport::default()
        }],
    });
    let input = Input::Message {
        session: SessionId(1),
        message: Box::new(report),
    };
    let json = pce_engine::pce::with_wire_config(wire, || serde_json::to_string(&input).unwrap());
    let back: Input =
        pce_engine::pce::with_wire_config(wire, || serde_json::from_str(&json).unwrap());
    assert_eq!(back, input);
    // Read with the defaults, the TLV is not the same one.
    let other: Input = serde_json::from_str(&json).unwrap();
    assert_ne!(other, input);
}
