//! Open, Close, PCNtf and PCErr (RFC 5440 §6.2, §6.6-6.8; RFC 8231 §6.3).

use bytes::BytesMut;
use serde::Serialize;

use super::{Objects, UnitWriter, UnknownAt};
use crate::wire::config::WireConfig;
use crate::wire::error::{DecodeError, EncodeError};
use crate::wire::iana::{MessageType, ObjectClass};
use crate::wire::object::{Close, Lsp, Notification, Object, Open, PcepError, Rp, Srp};

/// `Open ::= <Common Header> <OPEN>`: exactly one OPEN object (RFC 5440 §6.2;
/// anything else is PCErr 1/1).
pub(super) fn decode_open(objects: &mut Objects<'_>) -> Result<Open, DecodeError> {
    let mut unknown = Vec::new();
    let open = match objects.next_known(&mut unknown)? {
        Some(Object::Open(open)) => open,
        other => return Err(objects.missing(ObjectClass::OPEN, other)),
    };
    if let Some(u) = unknown.first() {
        return Err(DecodeError::UnexpectedObject {
            message: MessageType::OPEN,
            object: u.object.class,
        });
    }
    // A second OPEN, or anything after it, is caught by `Objects::finish` as
    // an unexpected object, which maps to 1/1 in an Open message.
    Ok(open)
}

/// `Close ::= <Common Header> <CLOSE>`; "if more than one CLOSE object is
/// present, the first MUST be processed and the others ignored" (RFC 5440 §6.8).
pub(super) fn decode_close(objects: &mut Objects<'_>) -> Result<Close, DecodeError> {
    let mut unknown = Vec::new();
    let close = match objects.next_known(&mut unknown)? {
        Some(Object::Close(close)) => close,
        other => return Err(objects.missing(ObjectClass::CLOSE, other)),
    };
    while let Some(o) = objects.next_known(&mut unknown)? {
        if !matches!(o, Object::Close(_)) {
            objects.push_back(o);
            break;
        }
    }
    Ok(close)
}

/// Check the RP object's P flag (RFC 5440 §7.4): set in PCReq and PCRep,
/// clear in PCNtf and PCErr; otherwise PCErr 10/1.
pub(super) fn check_rp_processing(rp: &Rp, message: MessageType) -> Result<(), DecodeError> {
    let must_be_set = message == MessageType::PCREQ || message == MessageType::PCREP;
    if rp.header.processing == must_be_set {
        Ok(())
    } else {
        Err(DecodeError::ProcessingFlag { message })
    }
}

/// The encoder's side of [`check_rp_processing`].
pub(super) fn check_rp_encode(rps: &[Rp], message: MessageType) -> Result<(), EncodeError> {
    if rps
        .iter()
        .all(|rp| check_rp_processing(rp, message).is_ok())
    {
        Ok(())
    } else {
        Err(EncodeError::InvalidField {
            field: "RP P flag (RFC 5440 §7.4)",
        })
    }
}

/// PCNtf (RFC 5440 §6.6).
///
/// ```text
/// <PCNtf Message> ::= <Common Header> <notify>+
/// <notify> ::= [<request-id-list>] <notification-list>
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PcNtf {
    /// The notify units, at least one.
    pub notifications: Vec<NotifyUnit>,
}

/// One `<notify>` unit.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NotifyUnit {
    /// Requests the notifications are about (RP objects, P clear).
    pub rps: Vec<Rp>,
    /// NOTIFICATION objects, at least one.
    pub notifications: Vec<Notification>,
    /// Unknown objects kept, with their position.
    pub unknown: Vec<UnknownAt>,
}

impl PcNtf {
    pub(super) fn decode(objects: &mut Objects<'_>) -> Result<Self, DecodeError> {
        let mut units = Vec::new();
        loop {
            objects.start_unit();
            let mut unit = NotifyUnit::default();
            while let Some(o) = objects.next_known(&mut unit.unknown)? {
                match o {
                    Object::Rp(rp) if unit.notifications.is_empty() => {
                        check_rp_processing(&rp, MessageType::PCNTF)?;
                        unit.rps.push(rp);
                    }
                    Object::Notification(n) => unit.notifications.push(n),
                    other => {
                        objects.push_back(other);
                        break;
                    }
                }
            }
            if unit.notifications.is_empty() {
                return Err(DecodeError::MissingObject {
                    message: MessageType::PCNTF,
                    object: ObjectClass::NOTIFICATION,
                });
            }
            units.push(unit);
            if objects.at_end()? {
                return Ok(Self {
                    notifications: units,
                });
            }
        }
    }

    pub(super) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        if self.notifications.is_empty() {
            return Err(EncodeError::Empty {
                message: MessageType::PCNTF,
                what: "notify unit",
            });
        }
        for (i, unit) in self.notifications.iter().enumerate() {
            // Units are delimited by their RP list: a later unit without one
            // would merge into the previous unit on the wire.
            if i > 0 && unit.rps.is_empty() {
                return Err(EncodeError::InvalidField {
                    field: "PCNtf unit after the first without RP",
                });
            }
            if unit.notifications.is_empty() {
                return Err(EncodeError::Empty {
                    message: MessageType::PCNTF,
                    what: "NOTIFICATION",
                });
            }
            check_rp_encode(&unit.rps, MessageType::PCNTF)?;
            let mut w = UnitWriter::new(out, cfg, &unit.unknown);
            w.put_all(&unit.rps)?;
            w.put_all(&unit.notifications)?;
            w.finish()?;
        }
        Ok(())
    }
}

/// PCErr (RFC 5440 §6.7, RFC 8231 §6.3).
///
/// ```text
/// <PCErr Message> ::= <Common Header>
///                     ( <error-obj-list> [<Open>] ) | ( <error> [<error-list>] )
/// <error> ::= [<request-id-list> | <stateful-request-id-list>] <error-obj-list>
/// ```
/// RFC 8231 §5.7 and §5.6: a PCEP-ERROR about an LSP is followed by the LSP
/// object; those are kept in [`ErrorUnit::lsps`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PcErr {
    /// Error units, at least one.
    pub errors: Vec<ErrorUnit>,
    /// An OPEN object proposing acceptable session characteristics (1/4).
    pub open: Option<Open>,
}

/// One `<error>` unit.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ErrorUnit {
    /// Requests in error (RP objects, P clear).
    pub rps: Vec<Rp>,
    /// Stateful requests in error (SRP objects).
    pub srps: Vec<Srp>,
    /// PCEP-ERROR objects, at least one.
    pub errors: Vec<PcepError>,
    /// LSP objects following the errors.
    pub lsps: Vec<Lsp>,
    /// Unknown objects kept, with their position.
    pub unknown: Vec<UnknownAt>,
}

impl PcErr {
    /// A PCErr with one PCEP-ERROR object.
    pub fn new(error: PcepError) -> Self {
        Self {
            errors: vec![ErrorUnit {
                errors: vec![error],
                ..ErrorUnit::default()
            }],
            open: None,
        }
    }

    pub(super) fn decode(objects: &mut Objects<'_>) -> Result<Self, DecodeError> {
        let mut errors = Vec::new();
        let mut open = None;
        loop {
            objects.start_unit();
            let mut unit = ErrorUnit::default();
            while let Some(o) = objects.next_known(&mut unit.unknown)? {
                match o {
                    Object::Rp(rp) if unit.errors.is_empty() && unit.srps.is_empty() => {
                        check_rp_processing(&rp, MessageType::PCERR)?;
                        unit.rps.push(rp);
                    }
                    Object::Srp(srp) if unit.errors.is_empty() && unit.rps.is_empty() => {
                        unit.srps.push(srp);
                    }
                    Object::PcepError(e) if unit.lsps.is_empty() => unit.errors.push(e),
                    Object::Lsp(lsp) if !unit.errors.is_empty() => unit.lsps.push(lsp),
                    other => {
                        objects.push_back(other);
                        break;
                    }
                }
            }
            if unit.errors.is_empty() {
                return Err(DecodeError::MissingObject {
                    message: MessageType::PCERR,
                    object: ObjectClass::PCEP_ERROR,
                });
            }
            let next = objects.next_known(&mut unit.unknown)?;
            let plain = unit.rps.is_empty() && unit.srps.is_empty() && unit.lsps.is_empty();
            errors.push(unit);
            match next {
                None => break,
                // The `[<Open>]` form: only after a plain error-object list.
                Some(Object::Open(o)) if plain && errors.len() == 1 => {
                    open = Some(o);
                    break;
                }
                Some(other) => objects.push_back(other),
            }
        }
        Ok(Self { errors, open })
    }

    pub(super) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        if self.errors.is_empty() {
            return Err(EncodeError::Empty {
                message: MessageType::PCERR,
                what: "error unit",
            });
        }
        for (i, unit) in self.errors.iter().enumerate() {
            // Units are delimited by their RP/SRP lists (see PcNtf::encode).
            if i > 0 && unit.rps.is_empty() && unit.srps.is_empty() {
                return Err(EncodeError::InvalidField {
                    field: "PCErr unit after the first without RP or SRP",
                });
            }
            if unit.errors.is_empty() {
                return Err(EncodeError::Empty {
                    message: MessageType::PCERR,
                    what: "PCEP-ERROR",
                });
            }
            if !unit.rps.is_empty() && !unit.srps.is_empty() {
                return Err(EncodeError::InvalidField {
                    field: "PCErr unit with both RP and SRP",
                });
            }
            check_rp_encode(&unit.rps, MessageType::PCERR)?;
            let mut w = UnitWriter::new(out, cfg, &unit.unknown);
            w.put_all(&unit.rps)?;
            w.put_all(&unit.srps)?;
            w.put_all(&unit.errors)?;
            w.put_all(&unit.lsps)?;
            w.finish()?;
        }
        if let Some(open) = &self.open {
            let plain = self.errors.len() == 1
                && self
                    .errors
                    .iter()
                    .all(|u| u.rps.is_empty() && u.srps.is_empty() && u.lsps.is_empty());
            if !plain {
                return Err(EncodeError::InvalidField {
                    field: "PCErr OPEN after request-bound errors",
                });
            }
            open.encode(out, cfg)?;
        }
        Ok(())
    }
}
