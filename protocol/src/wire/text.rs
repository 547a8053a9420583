//! Serialization helpers that keep JSON output readable (used by pcep-dump
//! and by engine snapshots): opaque bytes become `"text"` when they are
//! printable ASCII and `"0x…"` hex otherwise.

use serde::Serializer;

/// Serialize bytes as printable text when possible, else as `0x` hex.
pub(crate) fn text_or_hex<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    if !bytes.is_empty() && bytes.iter().all(|b| (0x20..0x7f).contains(b)) {
        // Checked above: every byte is printable ASCII.
        s.serialize_str(std::str::from_utf8(bytes).unwrap_or_default())
    } else {
        s.serialize_str(&hex(bytes))
    }
}

/// Serialize bytes as `0x` hex.
pub(crate) fn as_hex<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex(bytes))
}

/// Lower-case hex with a `0x` prefix (`0x` alone for no bytes).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(2 + bytes.len() * 2);
    out.push_str("0x");
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}
