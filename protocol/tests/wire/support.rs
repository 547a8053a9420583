//! Test helpers: hex parsing, message assembly, hex-diff assertions.

use bytes::Bytes;
use pcep::wire::{Message, WireConfig};

/// Parse hex with any whitespace, `#` comments to end of line allowed.
pub(crate) fn hex(s: &str) -> Bytes {
    let clean: String = s
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    Bytes::from(::hex::decode(clean).expect("valid hex"))
}

/// An object: class, type, P/I flag bits, body.
pub(crate) fn obj(class: u8, ot: u8, pi: u8, body: &[u8]) -> Vec<u8> {
    let len = u16::try_from(body.len() + 4).unwrap();
    let mut v = vec![class, ot << 4 | pi];
    v.extend_from_slice(&len.to_be_bytes());
    v.extend_from_slice(body);
    v
}

/// A message of type `ty` made of `objects`, with a correct header.
pub(crate) fn msg(ty: u8, objects: &[Vec<u8>]) -> Bytes {
    let body: Vec<u8> = objects.concat();
    let len = u16::try_from(body.len() + 4).unwrap();
    let mut v = vec![0x20, ty];
    v.extend_from_slice(&len.to_be_bytes());
    v.extend_from_slice(&body);
    Bytes::from(v)
}

/// A TLV with padding.
pub(crate) fn tlv(ty: u16, value: &[u8]) -> Vec<u8> {
    let mut v = ty.to_be_bytes().to_vec();
    v.extend_from_slice(&u16::try_from(value.len()).unwrap().to_be_bytes());
    v.extend_from_slice(value);
    v.resize(v.len() + (4 - value.len() % 4) % 4, 0);
    v
}

pub(crate) fn cfg() -> WireConfig {
    WireConfig::default()
}

pub(crate) fn decode(bytes: &Bytes) -> Message {
    Message::decode(bytes.clone(), &cfg()).unwrap_or_else(|e| panic!("decode failed: {e}"))
}

pub(crate) fn encode(m: &Message) -> Bytes {
    m.to_bytes(&cfg())
        .unwrap_or_else(|e| panic!("encode failed: {e}"))
}

/// Assert equal bytes, printing both in hex on failure.
#[track_caller]
pub(crate) fn assert_eq_hex(got: &[u8], want: &[u8]) {
    if got != want {
        panic!(
            "bytes differ\n got: {}\nwant: {}",
            pcep::wire::hex(got),
            pcep::wire::hex(want)
        );
    }
}
