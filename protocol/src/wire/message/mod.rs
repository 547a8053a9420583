//! PCEP messages (RFC 5440 §6 and later RFCs): the common header, the
//! message enum, and the object cursor every message grammar is read with.
//!
//! ```text
//! | Ver |  Flags  |  Message-Type |       Message-Length          |
//! ```
//!
//! Grammars are validated on decode: mandatory objects (with the PCErr each
//! RFC names when one is missing), objects in an allowed place, and the
//! object-header rules (RP's P flag). Within a grammar unit (a request, a
//! report, an attribute list) optional objects are accepted in any order, as
//! deployed PCCs differ; the encoder writes the RFC's canonical order.
//! Unknown objects that the [`UnknownObjectPolicy`] keeps are stored with
//! their position in their unit, so a well-ordered message re-encodes
//! byte for byte.
//!
//! [`UnknownObjectPolicy`]: super::UnknownObjectPolicy

mod basic;
mod request;
mod stateful;

use bytes::{BufMut, Bytes, BytesMut};
use serde::Serialize;

pub use self::basic::{ErrorUnit, NotifyUnit, PcErr, PcNtf};
pub use self::request::{Attributes, PathEntry, PcRep, PcReq, Request, Response, SvecEntry};
pub use self::stateful::{
    ActualPath, InitiateRequest, PcInitiate, PcRpt, PcUpd, StateReport, UpdateRequest,
};
use super::codec::{patch_u16, placeholder_u16, Dcx};
use super::config::WireConfig;
use super::error::{DecodeError, EncodeError};
use super::iana::{MessageType, ObjectClass};
use super::object::{next_raw, Close, DecodeObject, EncodeObject, Object, Open, UnknownObject};

/// Length of the common header.
pub const COMMON_HEADER_LEN: usize = 4;
/// The only PCEP version (RFC 5440 §6.1).
pub const PCEP_VERSION: u8 = 1;

/// A PCEP message.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "message", content = "body")]
pub enum Message {
    /// Open (RFC 5440 §6.2): exactly one OPEN object.
    Open(Open),
    /// Keepalive (RFC 5440 §6.3): the header alone.
    Keepalive,
    /// PCReq (RFC 5440 §6.4).
    PcReq(PcReq),
    /// PCRep (RFC 5440 §6.5).
    PcRep(PcRep),
    /// PCNtf (RFC 5440 §6.6).
    PcNtf(PcNtf),
    /// PCErr (RFC 5440 §6.7, RFC 8231 §6.3).
    PcErr(PcErr),
    /// Close (RFC 5440 §6.8): the first CLOSE object.
    Close(Close),
    /// PCRpt (RFC 8231 §6.1).
    PcRpt(PcRpt),
    /// PCUpd (RFC 8231 §6.2).
    PcUpd(PcUpd),
    /// PCInitiate (RFC 8281 §5.1).
    PcInitiate(PcInitiate),
    /// StartTLS (RFC 8253 §3.2): the header alone.
    StartTls,
}

impl Message {
    /// Its message type.
    pub const fn message_type(&self) -> MessageType {
        match self {
            Self::Open(_) => MessageType::OPEN,
            Self::Keepalive => MessageType::KEEPALIVE,
            Self::PcReq(_) => MessageType::PCREQ,
            Self::PcRep(_) => MessageType::PCREP,
            Self::PcNtf(_) => MessageType::PCNTF,
            Self::PcErr(_) => MessageType::PCERR,
            Self::Close(_) => MessageType::CLOSE,
            Self::PcRpt(_) => MessageType::PCRPT,
            Self::PcUpd(_) => MessageType::PCUPD,
            Self::PcInitiate(_) => MessageType::PCINITIATE,
            Self::StartTls => MessageType::STARTTLS,
        }
    }

    /// Decode one whole message (common header included), as split off a
    /// stream by [`super::Framer`].
    pub fn decode(msg: Bytes, cfg: &WireConfig) -> Result<Self, DecodeError> {
        let (version, message_type, length) = header(&msg, cfg)?;
        if length != msg.len() {
            return Err(DecodeError::MessageLengthMismatch {
                declared: length,
                actual: msg.len(),
            });
        }
        if version != PCEP_VERSION {
            return Err(DecodeError::UnsupportedVersion { version });
        }
        if length % 4 != 0 {
            return Err(DecodeError::MessageLengthUnaligned { length });
        }
        let dcx = Dcx::new(cfg, &msg);
        let mut objects = Objects::new(
            msg.get(COMMON_HEADER_LEN..).unwrap_or_default(),
            message_type,
            &dcx,
        );
        let message = match message_type {
            MessageType::OPEN => Self::Open(basic::decode_open(&mut objects)?),
            MessageType::KEEPALIVE => Self::Keepalive,
            MessageType::STARTTLS => Self::StartTls,
            MessageType::CLOSE => Self::Close(basic::decode_close(&mut objects)?),
            MessageType::PCNTF => Self::PcNtf(PcNtf::decode(&mut objects)?),
            MessageType::PCERR => Self::PcErr(PcErr::decode(&mut objects)?),
            MessageType::PCREQ => Self::PcReq(PcReq::decode(&mut objects)?),
            MessageType::PCREP => Self::PcRep(PcRep::decode(&mut objects)?),
            MessageType::PCRPT => Self::PcRpt(PcRpt::decode(&mut objects)?),
            MessageType::PCUPD => Self::PcUpd(PcUpd::decode(&mut objects)?),
            MessageType::PCINITIATE => Self::PcInitiate(PcInitiate::decode(&mut objects)?),
            other => return Err(DecodeError::UnknownMessageType(other)),
        };
        objects.finish()?;
        Ok(message)
    }

    /// Append the encoded message to `out`. On error `out` is left as it was.
    pub fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        let start = out.len();
        let result = self.encode_inner(out, cfg);
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// Encode into a fresh buffer.
    pub fn to_bytes(&self, cfg: &WireConfig) -> Result<Bytes, EncodeError> {
        let mut out = BytesMut::with_capacity(128);
        self.encode(&mut out, cfg)?;
        Ok(out.freeze())
    }

    /// A PCRpt of one report, encoded from the borrowed report (what a
    /// store of reports needs without copying each).
    pub fn report_to_bytes(report: &StateReport, cfg: &WireConfig) -> Result<Bytes, EncodeError> {
        let mut out = BytesMut::with_capacity(128);
        framed(&mut out, MessageType::PCRPT, cfg, |out| {
            PcRpt::encode_reports(std::slice::from_ref(report), out, cfg)
        })?;
        Ok(out.freeze())
    }

    fn encode_inner(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        framed(out, self.message_type(), cfg, |out| match self {
            Self::Open(open) => open.encode_object(out, cfg),
            Self::Keepalive | Self::StartTls => Ok(()),
            Self::Close(close) => close.encode_object(out, cfg),
            Self::PcNtf(m) => m.encode(out, cfg),
            Self::PcErr(m) => m.encode(out, cfg),
            Self::PcReq(m) => m.encode(out, cfg),
            Self::PcRep(m) => m.encode(out, cfg),
            Self::PcRpt(m) => m.encode(out, cfg),
            Self::PcUpd(m) => m.encode(out, cfg),
            Self::PcInitiate(m) => m.encode(out, cfg),
        })
    }
}

/// A message: the common header, the body `body` writes, the length
/// patched in and checked against the configured maximum.
fn framed(
    out: &mut BytesMut,
    message_type: MessageType,
    cfg: &WireConfig,
    body: impl FnOnce(&mut BytesMut) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let start = out.len();
    out.put_u8(PCEP_VERSION << 5);
    out.put_u8(message_type.0);
    let len_pos = placeholder_u16(out);
    body(out)?;
    let len = out.len() - start;
    if len > cfg.max_message_len {
        return Err(EncodeError::MessageTooLong {
            length: len,
            max: cfg.max_message_len,
        });
    }
    patch_u16(out, len_pos, len, "message")
}

/// Read and check a common header: (version, type, length).
pub(crate) fn header(
    buf: &[u8],
    cfg: &WireConfig,
) -> Result<(u8, MessageType, usize), DecodeError> {
    let [vf, ty, l0, l1, ..] = *buf else {
        return Err(DecodeError::MessageLengthMismatch {
            declared: COMMON_HEADER_LEN,
            actual: buf.len(),
        });
    };
    let length = usize::from(u16::from_be_bytes([l0, l1]));
    if length < COMMON_HEADER_LEN {
        return Err(DecodeError::MessageLengthTooShort { length });
    }
    if length > cfg.max_message_len {
        return Err(DecodeError::MessageTooLong {
            length,
            max: cfg.max_message_len,
        });
    }
    Ok((vf >> 5, MessageType(ty), length))
}

/// An unknown object kept in a grammar unit, with its position in the unit
/// (objects of the unit before it), so re-encoding puts it back in place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnknownAt {
    /// Objects of the unit before this one.
    pub index: usize,
    /// The object.
    pub object: UnknownObject,
}

/// The object cursor a message grammar reads with: one object of lookahead.
pub(crate) struct Objects<'a> {
    buf: &'a [u8],
    peeked: Option<Object>,
    message: MessageType,
    dcx: &'a Dcx<'a>,
    /// Objects consumed in the current unit (for [`UnknownAt::index`]).
    in_unit: usize,
}

impl<'a> Objects<'a> {
    fn new(buf: &'a [u8], message: MessageType, dcx: &'a Dcx<'a>) -> Self {
        Self {
            buf,
            peeked: None,
            message,
            dcx,
            in_unit: 0,
        }
    }

    /// Start a new grammar unit (a request, a report...).
    pub(crate) fn start_unit(&mut self) {
        self.in_unit = 0;
    }

    /// The next object, decoded but not consumed.
    pub(crate) fn peek(&mut self) -> Result<Option<&Object>, DecodeError> {
        if self.peeked.is_none() && !self.buf.is_empty() {
            let raw = next_raw(&mut self.buf)?;
            self.peeked = Some(Object::decode(raw, self.message, self.dcx)?);
        }
        Ok(self.peeked.as_ref())
    }

    /// The next known object, consumed; unknown objects before it are kept
    /// in `unknown` with their position in the unit.
    pub(crate) fn next_known(
        &mut self,
        unknown: &mut Vec<UnknownAt>,
    ) -> Result<Option<Object>, DecodeError> {
        loop {
            // Decode straight to the caller; the lookahead slot is used only
            // when an object was given back or peeked at.
            let object = match self.peeked.take() {
                Some(o) => o,
                None if self.buf.is_empty() => return Ok(None),
                None => Object::decode(next_raw(&mut self.buf)?, self.message, self.dcx)?,
            };
            self.in_unit += 1;
            match object {
                Object::Unknown(object) => unknown.push(UnknownAt {
                    index: self.in_unit - 1,
                    object,
                }),
                o => return Ok(Some(o)),
            }
        }
    }

    /// The next object if it is a `T` (unknown objects before it are kept
    /// in `unknown`); otherwise `None`, and the object stays for the next read.
    pub(crate) fn next_as<T: DecodeObject>(
        &mut self,
        unknown: &mut Vec<UnknownAt>,
    ) -> Result<Option<T>, DecodeError> {
        loop {
            if let Some(object) = self.peeked.take() {
                match object {
                    Object::Unknown(object) => {
                        unknown.push(UnknownAt {
                            index: self.in_unit,
                            object,
                        });
                        self.in_unit += 1;
                        continue;
                    }
                    object => {
                        return match T::from_object(object) {
                            Ok(t) => {
                                self.in_unit += 1;
                                Ok(Some(t))
                            }
                            Err(other) => {
                                self.peeked = Some(other);
                                Ok(None)
                            }
                        };
                    }
                }
            }
            let (Some(&class), Some(&type_flags)) = (self.buf.first(), self.buf.get(1)) else {
                // Empty (or a truncated header, which the generic path reports).
                if self.buf.is_empty() {
                    return Ok(None);
                }
                self.peek()?;
                continue;
            };
            if class == T::CLASS.0 && T::accepts(type_flags >> 4) {
                let raw = next_raw(&mut self.buf)?;
                self.in_unit += 1;
                return T::decode_raw(raw, self.dcx).map(Some);
            }
            self.peek()?;
        }
    }

    /// Give back an object [`Self::next_known`] returned that the current unit has no place for.
    pub(crate) fn push_back(&mut self, object: Object) {
        self.in_unit = self.in_unit.saturating_sub(1);
        self.peeked = Some(object);
    }

    /// Whether nothing is left (unknown objects must have been collected).
    pub(crate) fn at_end(&mut self) -> Result<bool, DecodeError> {
        Ok(self.peek()?.is_none())
    }

    /// Fail if an object is left that the grammar did not place.
    fn finish(mut self) -> Result<(), DecodeError> {
        let message = self.message;
        match self.peek()? {
            None => Ok(()),
            Some(o) => Err(DecodeError::UnexpectedObject {
                message,
                object: o.class(),
            }),
        }
    }

    /// The error for a missing mandatory object; `found` (if any) is given back.
    pub(crate) fn missing(&mut self, object: ObjectClass, found: Option<Object>) -> DecodeError {
        if let Some(o) = found {
            self.push_back(o);
        }
        DecodeError::MissingObject {
            message: self.message,
            object,
        }
    }
}

/// Writes a unit's objects, putting kept unknown objects back at their index.
pub(crate) struct UnitWriter<'a, 'o> {
    out: &'o mut BytesMut,
    cfg: &'a WireConfig,
    unknown: &'a [UnknownAt],
    next_unknown: usize,
    written: usize,
}

impl<'a, 'o> UnitWriter<'a, 'o> {
    pub(crate) fn new(
        out: &'o mut BytesMut,
        cfg: &'a WireConfig,
        unknown: &'a [UnknownAt],
    ) -> Self {
        Self {
            out,
            cfg,
            unknown,
            next_unknown: 0,
            written: 0,
        }
    }

    fn flush_due(&mut self) -> Result<(), EncodeError> {
        while let Some(u) = self.unknown.get(self.next_unknown) {
            if u.index > self.written {
                break;
            }
            u.object.encode(self.out)?;
            self.next_unknown += 1;
            self.written += 1;
        }
        Ok(())
    }

    /// Write one object.
    pub(crate) fn put(&mut self, object: &impl EncodeObject) -> Result<(), EncodeError> {
        self.flush_due()?;
        object.encode_object(self.out, self.cfg)?;
        self.written += 1;
        Ok(())
    }

    /// Write an optional object.
    pub(crate) fn put_opt(
        &mut self,
        object: Option<&impl EncodeObject>,
    ) -> Result<(), EncodeError> {
        object.map_or(Ok(()), |o| self.put(o))
    }

    /// Write a list of objects.
    pub(crate) fn put_all<T: EncodeObject>(&mut self, objects: &[T]) -> Result<(), EncodeError> {
        objects.iter().try_for_each(|o| self.put(o))
    }

    /// Write the unknown objects left.
    pub(crate) fn finish(mut self) -> Result<(), EncodeError> {
        while let Some(u) = self.unknown.get(self.next_unknown) {
            u.object.encode(self.out)?;
            self.next_unknown += 1;
        }
        Ok(())
    }
}
