//! Framing a byte stream: split anywhere, several messages per segment,
//! oversized messages refused from their header.

use bytes::BytesMut;
use pcep::samples;
use pcep::wire::{DecodeError, Framer, Message, StateSyncCodepoints, WireConfig};

fn stream() -> (Vec<Message>, Vec<u8>) {
    let cfg = WireConfig::default();
    let msgs: Vec<Message> = samples::all(&StateSyncCodepoints::default())
        .into_iter()
        .map(|(_, m)| m)
        .collect();
    let mut out = BytesMut::new();
    for m in &msgs {
        m.encode(&mut out, &cfg).unwrap();
    }
    (msgs, out.to_vec())
}

fn drain(framer: &mut Framer, cfg: &WireConfig, got: &mut Vec<Message>) {
    while let Some(frame) = framer.next_frame().unwrap() {
        got.push(Message::decode(frame, cfg).unwrap());
    }
}

#[test]
fn split_at_every_position() {
    let cfg = WireConfig::default();
    let (msgs, bytes) = stream();
    for cut in 0..=bytes.len() {
        let mut framer = Framer::new(cfg);
        let mut got = Vec::new();
        framer.extend(&bytes[..cut]);
        drain(&mut framer, &cfg, &mut got);
        framer.extend(&bytes[cut..]);
        drain(&mut framer, &cfg, &mut got);
        assert_eq!(got, msgs, "cut at {cut}");
        assert_eq!(framer.buffered(), 0);
    }
}

#[test]
fn byte_by_byte_and_in_odd_chunks() {
    let cfg = WireConfig::default();
    let (msgs, bytes) = stream();
    for chunk in [1, 3, 7, 61, 1500] {
        let mut framer = Framer::new(cfg);
        let mut got = Vec::new();
        for piece in bytes.chunks(chunk) {
            framer.extend(piece);
            drain(&mut framer, &cfg, &mut got);
        }
        assert_eq!(got, msgs, "chunk {chunk}");
    }
}

#[test]
fn oversized_message_is_refused_from_its_header() {
    let cfg = WireConfig {
        max_message_len: 1024,
        ..WireConfig::default()
    };
    let mut framer = Framer::new(cfg);
    // Only the 4-byte header of a 60,000-byte message has arrived.
    framer.extend(&[0x20, 0x0a, 0xea, 0x60]);
    let err = framer.next_frame().unwrap_err();
    assert_eq!(
        err,
        DecodeError::MessageTooLong {
            length: 60_000,
            max: 1024
        }
    );
    // The stream stays failed: nothing after it can be framed.
    framer.extend(&[0x20, 0x02, 0x00, 0x04]);
    assert_eq!(framer.next_frame().unwrap_err(), err);
}

#[test]
fn partial_header_waits() {
    let cfg = WireConfig::default();
    let mut framer = Framer::new(cfg);
    framer.extend(&[0x20, 0x02, 0x00]);
    assert_eq!(framer.next_frame().unwrap(), None);
    framer.extend(&[0x04]);
    assert_eq!(
        Message::decode(framer.next_frame().unwrap().unwrap(), &cfg).unwrap(),
        Message::Keepalive
    );
}
