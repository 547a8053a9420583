//! Session-level objects: OPEN, CLOSE, PCEP-ERROR, NOTIFICATION (RFC 5440)
//! and VENDOR-INFORMATION (RFC 7470).

use bytes::{BufMut, Bytes, BytesMut};
use serde::Serialize;

use super::{put_object, HeaderFlags};
use crate::wire::codec::Dcx;
use crate::wire::codec::{get_u16, get_u32, get_u8, need};
use crate::wire::config::WireConfig;
use crate::wire::error::{DecodeError, EncodeError, Problem};
use crate::wire::iana::{CloseReason, ErrorType, NotificationType, ObjectClass, PcErrCode};
use crate::wire::text::as_hex;
use crate::wire::tlv::{
    decode_tlvs, encode_tlvs, find, PathSetupTypeCapability, SrPceCapability, StatefulCapability,
    Tlv,
};

fn body_err(class: ObjectClass) -> impl Fn(Problem) -> DecodeError {
    move |problem| DecodeError::ObjectBody {
        class,
        object_type: 1,
        problem,
    }
}

/// OPEN object (class 1, type 1; RFC 5440 §7.3).
///
/// ```text
/// | Ver |  Flags  |   Keepalive   |  DeadTimer    |      SID      |
/// //                       Optional TLVs                         //
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Open {
    /// P and I flags.
    pub header: HeaderFlags,
    /// Ver (3 bits); 1 for this protocol.
    pub version: u8,
    /// The 5 unassigned flag bits, kept as received.
    pub open_flags: u8,
    /// Keepalive period in seconds; 0: no Keepalives will be sent.
    pub keepalive: u8,
    /// DeadTimer in seconds; 0 when Keepalive is 0.
    pub dead_timer: u8,
    /// Session ID (SID).
    pub session_id: u8,
    /// TLVs: capabilities and more.
    pub tlvs: Vec<Tlv>,
}

impl Default for Open {
    fn default() -> Self {
        Self {
            header: HeaderFlags::default(),
            version: 1,
            open_flags: 0,
            keepalive: 30,
            dead_timer: 120,
            session_id: 0,
            tlvs: Vec::new(),
        }
    }
}

impl Open {
    pub(crate) fn decode(
        header: HeaderFlags,
        mut b: &[u8],
        dcx: &Dcx<'_>,
    ) -> Result<Self, DecodeError> {
        let e = body_err(ObjectClass::OPEN);
        need(b, 4).map_err(&e)?;
        let vf = get_u8(&mut b).map_err(&e)?;
        Ok(Self {
            header,
            version: vf >> 5,
            open_flags: vf & 0x1f,
            keepalive: get_u8(&mut b).map_err(&e)?,
            dead_timer: get_u8(&mut b).map_err(&e)?,
            session_id: get_u8(&mut b).map_err(&e)?,
            tlvs: decode_tlvs(b, ObjectClass::OPEN, dcx)?,
        })
    }

    pub(crate) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        if self.version > 7 || self.open_flags > 0x1f {
            return Err(EncodeError::InvalidField {
                field: "OPEN Ver/Flags",
            });
        }
        put_object(out, ObjectClass::OPEN, 1, self.header, |o| {
            o.put_u8(self.version << 5 | self.open_flags);
            o.put_u8(self.keepalive);
            o.put_u8(self.dead_timer);
            o.put_u8(self.session_id);
            encode_tlvs(&self.tlvs, o, cfg)
        })
    }

    /// STATEFUL-PCE-CAPABILITY, if advertised.
    pub fn stateful_capability(&self) -> Option<StatefulCapability> {
        find(&self.tlvs, |t| match t {
            Tlv::StatefulPceCapability(c) => Some(*c),
            _ => None,
        })
    }

    /// PATH-SETUP-TYPE-CAPABILITY, if advertised.
    pub fn path_setup_type_capability(&self) -> Option<&PathSetupTypeCapability> {
        find(&self.tlvs, |t| match t {
            Tlv::PathSetupTypeCapability(c) => Some(&**c),
            _ => None,
        })
    }

    /// The SR capability: the sub-TLV of PATH-SETUP-TYPE-CAPABILITY, or the
    /// deprecated top-level TLV 26 that older PCCs still send.
    pub fn sr_capability(&self) -> Option<SrPceCapability> {
        self.path_setup_type_capability()
            .and_then(PathSetupTypeCapability::sr_capability)
            .or_else(|| {
                find(&self.tlvs, |t| match t {
                    Tlv::SrPceCapability(c) => Some(*c),
                    _ => None,
                })
            })
    }

    /// LSP-DB-VERSION, if present (RFC 8232).
    pub fn lsp_db_version(&self) -> Option<u64> {
        find(&self.tlvs, |t| match t {
            Tlv::LspDbVersion(v) => Some(*v),
            _ => None,
        })
    }

    /// SPEAKER-ENTITY-ID, if present (RFC 8232).
    pub fn speaker_entity_id(&self) -> Option<&Bytes> {
        find(&self.tlvs, |t| match t {
            Tlv::SpeakerEntityId(v) => Some(v),
            _ => None,
        })
    }
}

/// CLOSE object (class 15, type 1; RFC 5440 §7.17).
///
/// ```text
/// |          Reserved             |      Flags    |    Reason     |
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Close {
    /// P and I flags.
    pub header: HeaderFlags,
    /// Unassigned flags, kept as received.
    pub close_flags: u8,
    /// Reason.
    pub reason: CloseReason,
    /// Optional TLVs.
    pub tlvs: Vec<Tlv>,
}

impl Close {
    /// A CLOSE object with `reason` and nothing else.
    pub const fn new(reason: CloseReason) -> Self {
        Self {
            header: HeaderFlags {
                processing: false,
                ignore: false,
            },
            close_flags: 0,
            reason,
            tlvs: Vec::new(),
        }
    }

    pub(crate) fn decode(
        header: HeaderFlags,
        mut b: &[u8],
        dcx: &Dcx<'_>,
    ) -> Result<Self, DecodeError> {
        let e = body_err(ObjectClass::CLOSE);
        let _reserved = get_u16(&mut b).map_err(&e)?;
        Ok(Self {
            header,
            close_flags: get_u8(&mut b).map_err(&e)?,
            reason: CloseReason(get_u8(&mut b).map_err(&e)?),
            tlvs: decode_tlvs(b, ObjectClass::CLOSE, dcx)?,
        })
    }

    pub(crate) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        put_object(out, ObjectClass::CLOSE, 1, self.header, |o| {
            o.put_u16(0);
            o.put_u8(self.close_flags);
            o.put_u8(self.reason.0);
            encode_tlvs(&self.tlvs, o, cfg)
        })
    }
}

/// PCEP-ERROR object (class 13, type 1; RFC 5440 §7.15).
///
/// ```text
/// |   Reserved    |      Flags    |   Error-Type  |  Error-value  |
/// //                     Optional TLVs                           //
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PcepError {
    /// P and I flags.
    pub header: HeaderFlags,
    /// Unassigned flags, kept as received.
    pub error_flags: u8,
    /// Error-Type.
    pub error_type: ErrorType,
    /// Error-value.
    pub error_value: u8,
    /// Optional TLVs (REQ-MISSING).
    pub tlvs: Vec<Tlv>,
}

impl PcepError {
    /// A PCEP-ERROR object for `code`.
    pub const fn new(code: PcErrCode) -> Self {
        Self {
            header: HeaderFlags {
                processing: false,
                ignore: false,
            },
            error_flags: 0,
            error_type: code.error_type,
            error_value: code.error_value,
            tlvs: Vec::new(),
        }
    }

    /// The (Error-Type, Error-value) pair.
    pub const fn code(&self) -> PcErrCode {
        PcErrCode {
            error_type: self.error_type,
            error_value: self.error_value,
        }
    }

    pub(crate) fn decode(
        header: HeaderFlags,
        mut b: &[u8],
        dcx: &Dcx<'_>,
    ) -> Result<Self, DecodeError> {
        let e = body_err(ObjectClass::PCEP_ERROR);
        let _reserved = get_u8(&mut b).map_err(&e)?;
        Ok(Self {
            header,
            error_flags: get_u8(&mut b).map_err(&e)?,
            error_type: ErrorType(get_u8(&mut b).map_err(&e)?),
            error_value: get_u8(&mut b).map_err(&e)?,
            tlvs: decode_tlvs(b, ObjectClass::PCEP_ERROR, dcx)?,
        })
    }

    pub(crate) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        put_object(out, ObjectClass::PCEP_ERROR, 1, self.header, |o| {
            o.put_u8(0);
            o.put_u8(self.error_flags);
            o.put_u8(self.error_type.0);
            o.put_u8(self.error_value);
            encode_tlvs(&self.tlvs, o, cfg)
        })
    }
}

/// NOTIFICATION object (class 12, type 1; RFC 5440 §7.14).
///
/// ```text
/// |   Reserved    |     Flags     |       NT      |      NV       |
/// //                      Optional TLVs                          //
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Notification {
    /// P and I flags.
    pub header: HeaderFlags,
    /// Unassigned flags, kept as received.
    pub notification_flags: u8,
    /// Notification-type (NT).
    pub notification_type: NotificationType,
    /// Notification-value (NV).
    pub notification_value: u8,
    /// Optional TLVs.
    pub tlvs: Vec<Tlv>,
}

impl Notification {
    pub(crate) fn decode(
        header: HeaderFlags,
        mut b: &[u8],
        dcx: &Dcx<'_>,
    ) -> Result<Self, DecodeError> {
        let e = body_err(ObjectClass::NOTIFICATION);
        let _reserved = get_u8(&mut b).map_err(&e)?;
        Ok(Self {
            header,
            notification_flags: get_u8(&mut b).map_err(&e)?,
            notification_type: NotificationType(get_u8(&mut b).map_err(&e)?),
            notification_value: get_u8(&mut b).map_err(&e)?,
            tlvs: decode_tlvs(b, ObjectClass::NOTIFICATION, dcx)?,
        })
    }

    pub(crate) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        put_object(out, ObjectClass::NOTIFICATION, 1, self.header, |o| {
            o.put_u8(0);
            o.put_u8(self.notification_flags);
            o.put_u8(self.notification_type.0);
            o.put_u8(self.notification_value);
            encode_tlvs(&self.tlvs, o, cfg)
        })
    }
}

/// VENDOR-INFORMATION object (class 34, type 1; RFC 7470 §4): opaque.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VendorInformation {
    /// P and I flags.
    pub header: HeaderFlags,
    /// IANA enterprise number.
    pub enterprise: u32,
    /// Enterprise-specific information (4-byte aligned on the wire).
    #[serde(serialize_with = "as_hex")]
    pub info: Bytes,
}

impl VendorInformation {
    /// Enterprise number of Cisco (IANA), whose SR-policy colour encoding
    /// other PCCs (FRR's pathd) read too.
    pub const CISCO: u32 = 9;
    /// The enterprise-specific TLV header of that colour: type 1, length 4.
    const COLOR_TLV: u32 = 0x0001_0004;

    /// The SR policy colour as Cisco encodes it in a PCInitiate (enterprise
    /// 9; a TLV of type 1 and length 4 holding the colour). There is no
    /// standard PCEP encoding for it (the colour TLV of RFC 9862 is newer
    /// than the deployed PCCs).
    pub fn sr_policy_color(color: u32) -> Self {
        let mut info = Vec::with_capacity(8);
        info.extend_from_slice(&Self::COLOR_TLV.to_be_bytes());
        info.extend_from_slice(&color.to_be_bytes());
        Self {
            header: HeaderFlags::default(),
            enterprise: Self::CISCO,
            info: Bytes::from(info),
        }
    }

    /// The colour, if this is [`VendorInformation::sr_policy_color`].
    pub fn color(&self) -> Option<u32> {
        if self.enterprise != Self::CISCO {
            return None;
        }
        let tlv = self.info.get(..4)?;
        let value = self.info.get(4..8)?;
        (u32::from_be_bytes(tlv.try_into().ok()?) == Self::COLOR_TLV)
            .then(|| u32::from_be_bytes(value.try_into().unwrap_or_default()))
    }

    pub(crate) fn decode(
        header: HeaderFlags,
        mut b: &[u8],
        dcx: &Dcx<'_>,
    ) -> Result<Self, Problem> {
        let enterprise = get_u32(&mut b)?;
        Ok(Self {
            header,
            enterprise,
            info: dcx.bytes(b),
        })
    }

    pub(crate) fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        put_object(out, ObjectClass::VENDOR_INFORMATION, 1, self.header, |o| {
            o.put_u32(self.enterprise);
            o.put_slice(&self.info);
            Ok(())
        })
    }
}
