//! PCEP objects (RFC 5440 §7.2 and later RFCs).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | Object-Class  |   OT  |Res|P|I|   Object Length (bytes)       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! //                        (Object body)                        //
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//! Object Length covers the header, is a multiple of 4 and at least 4.

mod request;
mod route;
mod session;
mod stateful;

use bytes::{BufMut, Bytes, BytesMut};
use serde::Serialize;

pub use self::request::{
    Bandwidth, BandwidthKind, EndPoints, LoadBalancing, Lspa, Metric, NoPath, Of, Rp, Svec,
};
pub use self::route::{
    Ero, Iro, Nai, Rro, SrSubobject, Subobject, Xro, SUBOBJECT_AS, SUBOBJECT_IPV4, SUBOBJECT_IPV6,
    SUBOBJECT_SR, SUBOBJECT_SRLG, SUBOBJECT_UNNUMBERED,
};
pub use self::session::{Close, Notification, Open, PcepError, VendorInformation};
pub use self::stateful::{Association, Lsp, OperationalStatus, Srp};
use super::codec::{patch_u16, placeholder_u16, take, Dcx};
use super::config::{UnknownObjectPolicy, WireConfig};
use super::error::{DecodeError, EncodeError, Problem};
use super::iana::{MessageType, ObjectClass};
use super::text::as_hex;

/// Length of the common object header.
pub const OBJECT_HEADER_LEN: usize = 4;

/// The P (Processing-Rule) and I (Ignore) flags of an object header
/// (RFC 5440 §7.2), kept on every object so they survive a round trip.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct HeaderFlags {
    /// P: in a PCReq, the PCE MUST take the object into account.
    pub processing: bool,
    /// I: in a PCRep, the PCE ignored the (optional) object.
    pub ignore: bool,
}

impl HeaderFlags {
    /// P=1, I=0.
    pub const PROCESSING: Self = Self {
        processing: true,
        ignore: false,
    };

    const fn bits(self) -> u8 {
        (self.processing as u8) << 1 | self.ignore as u8
    }
}

/// An object whose class or type this crate does not know, kept raw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnknownObject {
    /// P and I flags.
    pub header: HeaderFlags,
    /// Object-Class.
    pub class: ObjectClass,
    /// Object-Type.
    pub object_type: u8,
    /// The body, without the header.
    #[serde(serialize_with = "as_hex")]
    pub body: Bytes,
}

/// Any object.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "object", rename_all = "SCREAMING-KEBAB-CASE")]
#[allow(missing_docs)]
pub enum Object {
    Open(Open),
    Rp(Rp),
    NoPath(NoPath),
    EndPoints(EndPoints),
    Bandwidth(Bandwidth),
    Metric(Metric),
    Ero(Ero),
    Rro(Rro),
    Lspa(Lspa),
    Iro(Iro),
    Svec(Svec),
    Notification(Notification),
    PcepError(PcepError),
    LoadBalancing(LoadBalancing),
    Close(Close),
    Xro(Xro),
    Of(Of),
    Lsp(Lsp),
    Srp(Srp),
    VendorInformation(VendorInformation),
    Association(Association),
    Unknown(UnknownObject),
}

/// A length-checked object, before its body is decoded.
pub(crate) struct RawObject<'a> {
    pub(crate) class: ObjectClass,
    pub(crate) object_type: u8,
    pub(crate) header: HeaderFlags,
    pub(crate) body: &'a [u8],
}

/// Split the next object off `buf`, checking its length (RFC 5440 §7.2).
pub(crate) fn next_raw<'a>(buf: &mut &'a [u8]) -> Result<RawObject<'a>, DecodeError> {
    let class = ObjectClass(buf.first().copied().unwrap_or(0));
    let length_err = |problem| DecodeError::ObjectLength { class, problem };
    let Some((&[_, type_flags, l0, l1], rest)) = buf.split_first_chunk::<OBJECT_HEADER_LEN>()
    else {
        return Err(length_err(Problem::Truncated {
            need: OBJECT_HEADER_LEN,
            have: buf.len(),
        }));
    };
    *buf = rest;
    let length = usize::from(u16::from_be_bytes([l0, l1]));
    if length < OBJECT_HEADER_LEN || length % 4 != 0 {
        return Err(length_err(Problem::BadLength { length }));
    }
    let body_len = length - OBJECT_HEADER_LEN;
    if body_len > buf.len() {
        return Err(length_err(Problem::Overrun {
            length,
            remaining: buf.len() + OBJECT_HEADER_LEN,
        }));
    }
    Ok(RawObject {
        class,
        object_type: type_flags >> 4,
        header: HeaderFlags {
            processing: type_flags & 0x02 != 0,
            ignore: type_flags & 0x01 != 0,
        },
        body: take(buf, body_len).map_err(length_err)?,
    })
}

/// Write an object: header, the body `f` writes, back-patched length.
pub(crate) fn put_object(
    out: &mut BytesMut,
    class: ObjectClass,
    object_type: u8,
    header: HeaderFlags,
    f: impl FnOnce(&mut BytesMut) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    if object_type > 15 {
        return Err(EncodeError::InvalidField {
            field: "Object-Type",
        });
    }
    let start = out.len();
    out.put_u8(class.0);
    out.put_u8(object_type << 4 | header.bits());
    let len_pos = placeholder_u16(out);
    f(out)?;
    let len = out.len() - start;
    if len % 4 != 0 {
        return Err(EncodeError::InvalidField {
            field: "object body not 4-byte aligned",
        });
    }
    patch_u16(out, len_pos, len, "object")
}

// ===== impl Object =====

impl Object {
    /// The object's class.
    pub const fn class(&self) -> ObjectClass {
        match self {
            Self::Open(_) => ObjectClass::OPEN,
            Self::Rp(_) => ObjectClass::RP,
            Self::NoPath(_) => ObjectClass::NO_PATH,
            Self::EndPoints(_) => ObjectClass::END_POINTS,
            Self::Bandwidth(_) => ObjectClass::BANDWIDTH,
            Self::Metric(_) => ObjectClass::METRIC,
            Self::Ero(_) => ObjectClass::ERO,
            Self::Rro(_) => ObjectClass::RRO,
            Self::Lspa(_) => ObjectClass::LSPA,
            Self::Iro(_) => ObjectClass::IRO,
            Self::Svec(_) => ObjectClass::SVEC,
            Self::Notification(_) => ObjectClass::NOTIFICATION,
            Self::PcepError(_) => ObjectClass::PCEP_ERROR,
            Self::LoadBalancing(_) => ObjectClass::LOAD_BALANCING,
            Self::Close(_) => ObjectClass::CLOSE,
            Self::Xro(_) => ObjectClass::XRO,
            Self::Of(_) => ObjectClass::OF,
            Self::Lsp(_) => ObjectClass::LSP,
            Self::Srp(_) => ObjectClass::SRP,
            Self::VendorInformation(_) => ObjectClass::VENDOR_INFORMATION,
            Self::Association(_) => ObjectClass::ASSOCIATION,
            Self::Unknown(u) => u.class,
        }
    }

    /// Decode a length-checked object. `message` scopes the unknown-object
    /// policy (the P flag binds only in a PCReq by default).
    pub(crate) fn decode(
        raw: RawObject<'_>,
        message: MessageType,
        dcx: &Dcx<'_>,
    ) -> Result<Self, DecodeError> {
        let RawObject {
            class,
            object_type: ot,
            header: h,
            body,
        } = raw;
        if !is_known(class, ot) {
            return unknown(
                UnknownObject {
                    header: h,
                    class,
                    object_type: ot,
                    body: dcx.bytes(body),
                },
                message,
                dcx.cfg,
            );
        }
        let body_err = |problem| DecodeError::ObjectBody {
            class,
            object_type: ot,
            problem,
        };
        Ok(match class {
            ObjectClass::OPEN => Self::Open(Open::decode(h, body, dcx)?),
            ObjectClass::RP => Self::Rp(Rp::decode(h, body, dcx)?),
            ObjectClass::NO_PATH => Self::NoPath(NoPath::decode(h, body, dcx)?),
            ObjectClass::END_POINTS => {
                Self::EndPoints(EndPoints::decode(h, ot, body).map_err(body_err)?)
            }
            ObjectClass::BANDWIDTH => {
                Self::Bandwidth(Bandwidth::decode(h, ot, body).map_err(body_err)?)
            }
            ObjectClass::METRIC => Self::Metric(Metric::decode(h, body).map_err(body_err)?),
            ObjectClass::ERO => Self::Ero(Ero::decode(h, body, dcx)?),
            ObjectClass::RRO => Self::Rro(Rro::decode(h, body, dcx)?),
            ObjectClass::LSPA => Self::Lspa(Lspa::decode(h, body, dcx)?),
            ObjectClass::IRO => Self::Iro(Iro::decode(h, body, dcx)?),
            ObjectClass::SVEC => Self::Svec(Svec::decode(h, body).map_err(body_err)?),
            ObjectClass::NOTIFICATION => Self::Notification(Notification::decode(h, body, dcx)?),
            ObjectClass::PCEP_ERROR => Self::PcepError(PcepError::decode(h, body, dcx)?),
            ObjectClass::LOAD_BALANCING => {
                Self::LoadBalancing(LoadBalancing::decode(h, body).map_err(body_err)?)
            }
            ObjectClass::CLOSE => Self::Close(Close::decode(h, body, dcx)?),
            ObjectClass::XRO => Self::Xro(Xro::decode(h, body, dcx)?),
            ObjectClass::OF => Self::Of(Of::decode(h, body, dcx)?),
            ObjectClass::LSP => Self::Lsp(Lsp::decode(h, body, dcx)?),
            ObjectClass::SRP => Self::Srp(Srp::decode(h, body, dcx)?),
            ObjectClass::VENDOR_INFORMATION => {
                Self::VendorInformation(VendorInformation::decode(h, body, dcx).map_err(body_err)?)
            }
            ObjectClass::ASSOCIATION => Self::Association(Association::decode(h, ot, body, dcx)?),
            // `is_known` admits nothing else.
            _ => {
                return unknown(
                    UnknownObject {
                        header: h,
                        class,
                        object_type: ot,
                        body: dcx.bytes(body),
                    },
                    message,
                    dcx.cfg,
                )
            }
        })
    }

    /// Encode the object, header included.
    pub fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        match self {
            Self::Open(o) => o.encode(out, cfg),
            Self::Rp(o) => o.encode(out, cfg),
            Self::NoPath(o) => o.encode(out, cfg),
            Self::EndPoints(o) => o.encode(out),
            Self::Bandwidth(o) => o.encode(out),
            Self::Metric(o) => o.encode(out),
            Self::Ero(o) => o.encode(out),
            Self::Rro(o) => o.encode(out),
            Self::Lspa(o) => o.encode(out, cfg),
            Self::Iro(o) => o.encode(out),
            Self::Svec(o) => o.encode(out),
            Self::Notification(o) => o.encode(out, cfg),
            Self::PcepError(o) => o.encode(out, cfg),
            Self::LoadBalancing(o) => o.encode(out),
            Self::Close(o) => o.encode(out, cfg),
            Self::Xro(o) => o.encode(out),
            Self::Of(o) => o.encode(out, cfg),
            Self::Lsp(o) => o.encode(out, cfg),
            Self::Srp(o) => o.encode(out, cfg),
            Self::VendorInformation(o) => o.encode(out),
            Self::Association(o) => o.encode(out, cfg),
            Self::Unknown(o) => o.encode(out),
        }
    }
}

impl UnknownObject {
    /// Re-encode the object exactly as received.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        if self.body.len() % 4 != 0 {
            return Err(EncodeError::InvalidField {
                field: "unknown object body not 4-byte aligned",
            });
        }
        put_object(out, self.class, self.object_type, self.header, |o| {
            o.put_slice(&self.body);
            Ok(())
        })
    }
}

/// Whether this crate decodes objects of this class and type.
const fn is_known(class: ObjectClass, ot: u8) -> bool {
    match class.0 {
        // END-POINTS, BANDWIDTH and ASSOCIATION: types 1 and 2.
        4 | 5 | 40 => ot == 1 || ot == 2,
        1..=3 | 6..=15 | 17 | 21 | 32 | 33 | 34 => ot == 1,
        _ => false,
    }
}

/// Apply the unknown-object policy (RFC 5440 §7.2; see [`UnknownObjectPolicy`]).
fn unknown(
    obj: UnknownObject,
    message: MessageType,
    cfg: &WireConfig,
) -> Result<Object, DecodeError> {
    let reject = match cfg.unknown_objects {
        UnknownObjectPolicy::RejectAll => true,
        UnknownObjectPolicy::RejectProcessing => obj.header.processing,
        UnknownObjectPolicy::RejectProcessingInRequests => {
            obj.header.processing && message == MessageType::PCREQ
        }
    };
    if !reject {
        return Ok(Object::Unknown(obj));
    }
    let (class, object_type, processing) = (obj.class, obj.object_type, obj.header.processing);
    if class.name().is_some() {
        Err(DecodeError::UnknownObjectType {
            class,
            object_type,
            processing,
        })
    } else {
        Err(DecodeError::UnknownObjectClass {
            class,
            object_type,
            processing,
        })
    }
}

/// Uniform object encoding, so grammar writers can take any object.
pub(crate) trait EncodeObject {
    fn encode_object(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError>;
}

macro_rules! encode_object {
    (cfg: $($t:ty),*) => {$(
        impl EncodeObject for $t {
            fn encode_object(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
                self.encode(out, cfg)
            }
        }
    )*};
    (plain: $($t:ty),*) => {$(
        impl EncodeObject for $t {
            fn encode_object(&self, out: &mut BytesMut, _: &WireConfig) -> Result<(), EncodeError> {
                self.encode(out)
            }
        }
    )*};
}

encode_object!(cfg: Open, Rp, NoPath, Lspa, Notification, PcepError, Close, Of, Lsp, Srp, Association, Object);
encode_object!(plain: EndPoints, Bandwidth, Metric, Ero, Rro, Iro, Svec, LoadBalancing, Xro, VendorInformation);

/// Typed decoding for the objects a grammar expects at a fixed place, so
/// they skip the generic [`Object`] enum (and its moves) on the hot path.
pub(crate) trait DecodeObject: Sized {
    /// The class.
    const CLASS: ObjectClass;
    /// Whether `object_type` is one this type decodes.
    fn accepts(object_type: u8) -> bool;
    /// Decode a raw object of this class and an accepted type.
    fn decode_raw(raw: RawObject<'_>, dcx: &Dcx<'_>) -> Result<Self, DecodeError>;
    /// Take this type out of a generically decoded object.
    fn from_object(object: Object) -> Result<Self, Object>;
}

macro_rules! decode_object {
    ($t:ident, $class:ident, |$h:ident, $b:ident, $dcx:ident| $decode:expr) => {
        impl DecodeObject for $t {
            const CLASS: ObjectClass = ObjectClass::$class;
            fn accepts(object_type: u8) -> bool {
                object_type == 1
            }
            fn decode_raw(raw: RawObject<'_>, $dcx: &Dcx<'_>) -> Result<Self, DecodeError> {
                let ($h, $b) = (raw.header, raw.body);
                $decode
            }
            fn from_object(object: Object) -> Result<Self, Object> {
                match object {
                    Object::$t(x) => Ok(x),
                    other => Err(other),
                }
            }
        }
    };
}

decode_object!(Srp, SRP, |h, b, dcx| Srp::decode(h, b, dcx));
decode_object!(Lsp, LSP, |h, b, dcx| Lsp::decode(h, b, dcx));
decode_object!(Ero, ERO, |h, b, dcx| Ero::decode(h, b, dcx));
decode_object!(Rp, RP, |h, b, dcx| Rp::decode(h, b, dcx));

impl DecodeObject for Association {
    const CLASS: ObjectClass = ObjectClass::ASSOCIATION;
    fn accepts(object_type: u8) -> bool {
        object_type == 1 || object_type == 2
    }
    fn decode_raw(raw: RawObject<'_>, dcx: &Dcx<'_>) -> Result<Self, DecodeError> {
        Self::decode(raw.header, raw.object_type, raw.body, dcx)
    }
    fn from_object(object: Object) -> Result<Self, Object> {
        match object {
            Object::Association(x) => Ok(x),
            other => Err(other),
        }
    }
}

impl DecodeObject for Metric {
    const CLASS: ObjectClass = ObjectClass::METRIC;
    fn accepts(object_type: u8) -> bool {
        object_type == 1
    }
    fn decode_raw(raw: RawObject<'_>, _: &Dcx<'_>) -> Result<Self, DecodeError> {
        Self::decode(raw.header, raw.body).map_err(|problem| DecodeError::ObjectBody {
            class: Self::CLASS,
            object_type: raw.object_type,
            problem,
        })
    }
    fn from_object(object: Object) -> Result<Self, Object> {
        match object {
            Object::Metric(x) => Ok(x),
            other => Err(other),
        }
    }
}

impl DecodeObject for Bandwidth {
    const CLASS: ObjectClass = ObjectClass::BANDWIDTH;
    fn accepts(object_type: u8) -> bool {
        object_type == 1 || object_type == 2
    }
    fn decode_raw(raw: RawObject<'_>, _: &Dcx<'_>) -> Result<Self, DecodeError> {
        Self::decode(raw.header, raw.object_type, raw.body).map_err(|problem| {
            DecodeError::ObjectBody {
                class: Self::CLASS,
                object_type: raw.object_type,
                problem,
            }
        })
    }
    fn from_object(object: Object) -> Result<Self, Object> {
        match object {
            Object::Bandwidth(x) => Ok(x),
            other => Err(other),
        }
    }
}
