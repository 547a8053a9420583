//! The PCE side of a PCEP session fed any byte stream, cut anywhere, with
//! time passing between pieces: the state machine never panics, and every
//! byte it transmits frames and decodes (an error it sends is a message).
//! The first byte picks the PCEPS policy (RFC 8253: off, optional,
//! required); after a StartTLS exchange the bytes are TLS and the session
//! is told the handshake is done, so the rest runs over "TLS".
#![no_main]

use std::time::{Duration, Instant};

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use pcep::session::{Event, OpenPolicy, Role, Session, SessionConfig, TlsPolicy};
use pcep::wire::object::Open;
use pcep::wire::tlv::{StatefulCapability, Tlv};
use pcep::wire::{Framer, Message, WireConfig};

fuzz_target!(|data: &[u8]| {
    let Some((&policy, data)) = data.split_first() else {
        return;
    };
    let tls = match policy % 3 {
        0 => TlsPolicy::Off,
        1 => TlsPolicy::Optional,
        _ => TlsPolicy::Required,
    };
    let wire = WireConfig::default();
    let mut session = Session::new(SessionConfig {
        role: Role::Pce,
        open: Open {
            tlvs: vec![Tlv::StatefulPceCapability(StatefulCapability(
                StatefulCapability::UPDATE | StatefulCapability::INSTANTIATION,
            ))],
            ..Open::default()
        },
        policy: OpenPolicy::default(),
        wire,
    })
    .with_tls(tls);
    // One origin; every later instant derives from it.
    #[allow(clippy::disallowed_methods)]
    let t0 = Instant::now();
    let mut now = t0;
    session.start(now);
    let mut sent = Framer::new(wire);
    // Each piece: a length byte, a time byte (tenths of a second), bytes.
    let mut rest = data;
    while let [len, tick, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (piece, next) = tail.split_at(n);
        rest = next;
        now += Duration::from_millis(u64::from(*tick) * 100);
        session.handle_timeout(now);
        session.handle_bytes(piece, now);
        while let Some(ev) = session.poll_event() {
            if ev == Event::StartTls {
                let _ = session.take_received();
                session.tls_established(now);
            }
        }
        while let Some(out) = session.poll_transmit() {
            sent.extend(&out);
        }
    }
    while let Ok(Some(frame)) = sent.next_frame() {
        Message::decode(Bytes::from(frame.to_vec()), &wire)
            .expect("what the session sends decodes");
    }
});
