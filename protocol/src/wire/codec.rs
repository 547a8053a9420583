//! Bounded reads and checked, back-patched writes (STYLE R5, R6).
//!
//! Every read checks the bytes left in its unit first; every length written
//! is computed after the body and checked against its field.

use bytes::{BufMut, Bytes, BytesMut};

use super::error::{EncodeError, Problem};

/// What decoding reads from: the whole message (so zero-copy fields can be
/// sliced out of it) and the configuration.
pub(crate) struct Dcx<'a> {
    pub(crate) cfg: &'a super::config::WireConfig,
    src: &'a Bytes,
}

impl<'a> Dcx<'a> {
    pub(crate) const fn new(cfg: &'a super::config::WireConfig, src: &'a Bytes) -> Self {
        Self { cfg, src }
    }

    /// A zero-copy `Bytes` for `part`, which is a slice of the message.
    /// Parsing itself runs on `&[u8]` cursors: creating a `Bytes` costs an
    /// atomic reference-count update, paid only for fields that are kept.
    #[inline]
    pub(crate) fn bytes(&self, part: &[u8]) -> Bytes {
        if part.is_empty() {
            Bytes::new()
        } else {
            self.src.slice_ref(part)
        }
    }
}

/// Fail unless `buf` holds at least `need` more bytes.
#[inline]
pub(crate) fn need(buf: &[u8], need: usize) -> Result<(), Problem> {
    if buf.len() < need {
        Err(Problem::Truncated {
            need,
            have: buf.len(),
        })
    } else {
        Ok(())
    }
}

#[inline]
fn array<const N: usize>(buf: &mut &[u8]) -> Result<[u8; N], Problem> {
    match buf.split_first_chunk::<N>() {
        Some((head, rest)) => {
            *buf = rest;
            Ok(*head)
        }
        None => Err(Problem::Truncated {
            need: N,
            have: buf.len(),
        }),
    }
}

#[inline]
pub(crate) fn get_u8(buf: &mut &[u8]) -> Result<u8, Problem> {
    array::<1>(buf).map(|[b]| b)
}

#[inline]
pub(crate) fn get_u16(buf: &mut &[u8]) -> Result<u16, Problem> {
    array(buf).map(u16::from_be_bytes)
}

#[inline]
pub(crate) fn get_u32(buf: &mut &[u8]) -> Result<u32, Problem> {
    array(buf).map(u32::from_be_bytes)
}

#[inline]
pub(crate) fn get_u64(buf: &mut &[u8]) -> Result<u64, Problem> {
    array(buf).map(u64::from_be_bytes)
}

#[inline]
pub(crate) fn get_f32(buf: &mut &[u8]) -> Result<f32, Problem> {
    array(buf).map(f32::from_be_bytes)
}

#[inline]
pub(crate) fn get_ipv4(buf: &mut &[u8]) -> Result<std::net::Ipv4Addr, Problem> {
    array::<4>(buf).map(std::net::Ipv4Addr::from)
}

#[inline]
pub(crate) fn get_ipv6(buf: &mut &[u8]) -> Result<std::net::Ipv6Addr, Problem> {
    array::<16>(buf).map(std::net::Ipv6Addr::from)
}

/// Split off the next `len` bytes as their own bounded unit.
#[inline]
pub(crate) fn take<'a>(buf: &mut &'a [u8], len: usize) -> Result<&'a [u8], Problem> {
    if buf.len() < len {
        return Err(Problem::Overrun {
            length: len,
            remaining: buf.len(),
        });
    }
    let (head, rest) = buf.split_at(len);
    *buf = rest;
    Ok(head)
}

/// Fail if anything is left in a unit that should be fully consumed.
#[inline]
pub(crate) fn ensure_empty(buf: &[u8]) -> Result<(), Problem> {
    if buf.is_empty() {
        Ok(())
    } else {
        Err(Problem::TrailingBytes { extra: buf.len() })
    }
}

/// Bytes of padding that bring `len` to a multiple of 4.
#[inline]
pub(crate) const fn pad4(len: usize) -> usize {
    (4 - (len % 4)) % 4
}

/// Write a zero placeholder for a 16-bit length and return its position.
#[inline]
pub(crate) fn placeholder_u16(out: &mut BytesMut) -> usize {
    let pos = out.len();
    out.put_u16(0);
    pos
}

/// Back-patch a 16-bit length field at `pos` with `len`, refusing to truncate.
#[inline]
pub(crate) fn patch_u16(
    out: &mut BytesMut,
    pos: usize,
    len: usize,
    what: &'static str,
) -> Result<(), EncodeError> {
    let value = u16::try_from(len).map_err(|_| EncodeError::TooLong { what, length: len })?;
    if let Some(slot) = out.get_mut(pos..pos + 2) {
        slot.copy_from_slice(&value.to_be_bytes());
    }
    Ok(())
}

/// Back-patch an 8-bit length field at `pos` with `len`, refusing to truncate.
#[inline]
pub(crate) fn patch_u8(
    out: &mut BytesMut,
    pos: usize,
    len: usize,
    what: &'static str,
) -> Result<(), EncodeError> {
    let value = u8::try_from(len).map_err(|_| EncodeError::TooLong { what, length: len })?;
    if let Some(slot) = out.get_mut(pos) {
        *slot = value;
    }
    Ok(())
}

/// Zero padding up to the next multiple of 4 of the bytes written since `start`.
#[inline]
pub(crate) fn put_padding(out: &mut BytesMut, start: usize) {
    let n = pad4(out.len() - start);
    out.put_bytes(0, n);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad4_rounds_up_to_the_next_word() {
        assert_eq!([0, 1, 2, 3, 4, 5].map(pad4), [0, 3, 2, 1, 0, 3]);
    }

    #[test]
    fn patch_u16_refuses_to_truncate() {
        let mut out = BytesMut::new();
        let pos = placeholder_u16(&mut out);
        assert_eq!(
            patch_u16(&mut out, pos, 70_000, "x"),
            Err(EncodeError::TooLong {
                what: "x",
                length: 70_000
            })
        );
        patch_u16(&mut out, pos, 0x1234, "x").unwrap();
        assert_eq!(&out[..], &[0x12, 0x34]);
    }

    #[test]
    fn take_is_bounded() {
        let mut b: &[u8] = &[1, 2, 3];
        assert_eq!(
            take(&mut b, 4),
            Err(Problem::Overrun {
                length: 4,
                remaining: 3
            })
        );
        assert_eq!(take(&mut b, 2).unwrap(), &[1, 2]);
        assert_eq!(ensure_empty(b), Err(Problem::TrailingBytes { extra: 1 }));
        assert_eq!(
            get_u16(&mut b),
            Err(Problem::Truncated { need: 2, have: 1 })
        );
    }
}
