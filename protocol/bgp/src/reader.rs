//! A bounded reader over a byte slice: every read checks what is left.

/// Too few bytes for a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Short;

pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Short> {
        if n > self.buf.len() {
            return Err(Short);
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.buf)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Short> {
        let (&b, tail) = self.buf.split_first().ok_or(Short)?;
        self.buf = tail;
        Ok(b)
    }

    pub(crate) fn u16(&mut self) -> Result<u16, Short> {
        let mut a = [0u8; 2];
        a.copy_from_slice(self.take(2)?);
        Ok(u16::from_be_bytes(a))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, Short> {
        let mut a = [0u8; 4];
        a.copy_from_slice(self.take(4)?);
        Ok(u32::from_be_bytes(a))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, Short> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(a))
    }

    /// A TLV with 2-byte type and 2-byte length: (type, value).
    pub(crate) fn tlv(&mut self) -> Result<(u16, &'a [u8]), Short> {
        let t = self.u16()?;
        let l = self.u16()?;
        Ok((t, self.take(usize::from(l))?))
    }
}

/// A 3-byte big-endian value.
pub(crate) fn u24(b: &[u8]) -> Option<u32> {
    match *b {
        [x, y, z] => Some(u32::from_be_bytes([0, x, y, z])),
        _ => None,
    }
}

/// A value too long for its length field: encoding never truncates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a value is too long for its length field")]
pub struct TooLong;

/// Append a TLV (2-byte type, 2-byte length), the value written by `f`.
pub(crate) fn put_tlv(
    out: &mut Vec<u8>,
    t: u16,
    f: impl FnOnce(&mut Vec<u8>) -> Result<(), TooLong>,
) -> Result<(), TooLong> {
    out.extend_from_slice(&t.to_be_bytes());
    let at = out.len();
    out.extend_from_slice(&[0, 0]);
    f(out)?;
    let len = u16::try_from(out.len() - at - 2).map_err(|_| TooLong)?;
    if let Some(slot) = out.get_mut(at..at + 2) {
        slot.copy_from_slice(&len.to_be_bytes());
    }
    Ok(())
}
