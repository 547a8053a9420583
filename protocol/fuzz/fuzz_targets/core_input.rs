//! The core's input stream: any bytes become a run of inputs (sessions of
//! a few PCCs up and down, PCEP messages of any content on them, time
//! passing), each through its serde form as `pce serve --record` writes
//! it, into one core. The core never panics, every message it emits
//! encodes, and its LSP database stays within what the PCCs reported.
#![no_main]

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use pce_engine::lspdb::LspDb;
use pce_engine::pce::{Input, Output, Pce, PceConfig, SessionId};
use pce_engine::runtime::config::EMBEDDED_TOPOLOGY;
use pce_engine::solver::Prepared;
use pce_engine::topology::TopologyFile;
use pcep::session::Negotiated;
use pcep::wire::object::Open;
use pcep::wire::tlv::{StatefulCapability, Tlv};
use pcep::wire::{Message, StateSyncCodepoints, WireConfig};

fn topology() -> Arc<Prepared> {
    static TOPOLOGY: std::sync::OnceLock<Arc<Prepared>> = std::sync::OnceLock::new();
    Arc::clone(TOPOLOGY.get_or_init(|| {
        let file = TopologyFile::parse(EMBEDDED_TOPOLOGY, "embedded").expect("topology A parses");
        Arc::new(Prepared::from(file.build().expect("topology A builds")))
    }))
}

fn negotiated(flags: u8) -> Negotiated {
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
        &open(u32::from(flags) & 0x3f),
        &StateSyncCodepoints::default(),
    )
}

fuzz_target!(|data: &[u8]| {
    let wire = WireConfig::default();
    let mut pce = Pce::new(
        PceConfig {
            update_window: 4,
            max_lsps_per_pcc: 64,
            ..PceConfig::default()
        },
        topology(),
        LspDb::new(),
    );
    #[allow(clippy::disallowed_methods)]
    let t0 = Instant::now();
    let mut now = t0;
    // Each op: a byte saying what, a byte saying which session (of 4),
    // then for a message a length byte and that many bytes of PCEP.
    let mut rest = data;
    while let [op, which, tail @ ..] = rest {
        let session = SessionId(u64::from(which % 4));
        let peer = IpAddr::from([192, 0, 2, 1 + which % 4]);
        let input = match op % 5 {
            0 => {
                rest = tail;
                Input::SessionUp {
                    session,
                    peer,
                    negotiated: Box::new(negotiated(*which)),
                }
            }
            1 | 2 => {
                let Some((&len, tail)) = tail.split_first() else {
                    return;
                };
                let n = usize::from(len).min(tail.len());
                let (bytes, next) = tail.split_at(n);
                rest = next;
                match Message::decode(Bytes::copy_from_slice(bytes), &wire) {
                    Ok(message) => Input::Message {
                        session,
                        message: Box::new(message),
                    },
                    Err(_) => continue,
                }
            }
            3 => {
                rest = tail;
                Input::SessionDown { session }
            }
            _ => {
                rest = tail;
                now += Duration::from_secs(u64::from(*which));
                Input::Timer
            }
        };
        // Through its recorded form, as a replay would read it.
        let json = serde_json::to_string(&input).expect("an input serializes");
        let input: Input = serde_json::from_str(&json).expect("an input deserializes");
        pce.handle(input, now);
        while let Some(out) = pce.poll_output() {
            if let Output::Send { message, .. } = out {
                message
                    .to_bytes(&wire)
                    .expect("what the core sends encodes");
            }
        }
        assert!(pce.lspdb().len() <= 4 * 64, "max_lsps_per_pcc holds");
    }
});
