//! Stateful objects: LSP and SRP (RFC 8231 §7.2-7.3), ASSOCIATION (RFC 8697 §6.1).

use std::net::IpAddr;

use bytes::{BufMut, Bytes, BytesMut};
use serde::Serialize;

use super::{put_object, HeaderFlags};
use crate::wire::codec::Dcx;
use crate::wire::codec::{get_ipv4, get_ipv6, get_u16, get_u32};
use crate::wire::config::WireConfig;
use crate::wire::error::{DecodeError, EncodeError, Problem};
use crate::wire::iana::{AssociationType, ObjectClass, PathSetupType};
use crate::wire::tlv::{
    decode_tlvs, encode_tlvs, find, DisjointnessFlags, Ipv4LspIdentifiers, Ipv6LspIdentifiers, Tlv,
};

fn body_err(class: ObjectClass) -> impl Fn(Problem) -> DecodeError {
    move |problem| DecodeError::ObjectBody {
        class,
        object_type: 1,
        problem,
    }
}

/// LSP operational status, the O field of the LSP object (RFC 8231 §7.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct OperationalStatus(pub u8);

impl OperationalStatus {
    /// DOWN: not active.
    pub const DOWN: Self = Self(0);
    /// UP: signalled.
    pub const UP: Self = Self(1);
    /// ACTIVE: up and carrying traffic.
    pub const ACTIVE: Self = Self(2);
    /// GOING-DOWN: being torn down.
    pub const GOING_DOWN: Self = Self(3);
    /// GOING-UP: being signalled.
    pub const GOING_UP: Self = Self(4);
}

/// LSP object (class 32, type 1; RFC 8231 §7.3).
///
/// ```text
/// |                PLSP-ID                |    Flags    |C|  O  |A|R|S|D|
/// //                        TLVs                                       //
/// ```
/// The four high flag bits (P2MP, fragmentation, ERO-compression,
/// PCE-allocation; RFC 8623, RFC 9604) are kept raw in `extra_flags`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Lsp {
    /// P and I flags (MUST be 0 and are ignored on receipt, RFC 8231 §7.3).
    pub header: HeaderFlags,
    /// PLSP-ID, 20 bits; 0 and 0xFFFFF are reserved.
    pub plsp_id: u32,
    /// D: delegate.
    pub delegate: bool,
    /// S: sync (part of a state synchronization).
    pub sync: bool,
    /// R: remove.
    pub remove: bool,
    /// A: administrative (desired) state up.
    pub administrative: bool,
    /// O: operational status.
    pub operational: OperationalStatus,
    /// C: create (PCE-initiated LSP, RFC 8281).
    pub create: bool,
    /// Flag bits 0x100-0x800, kept as received.
    pub extra_flags: u16,
    /// TLVs.
    pub tlvs: Vec<Tlv>,
}

impl Lsp {
    /// Largest valid PLSP-ID + 1 (0xFFFFF is reserved).
    pub const PLSP_ID_MAX: u32 = 0xF_FFFF;

    /// The end-of-synchronization marker's LSP object (RFC 8231 §5.6):
    /// PLSP-ID 0, S=0.
    pub fn end_of_sync() -> Self {
        Self::default()
    }

    /// The object with its flags and PLSP-ID but no TLVs (as a PCErr
    /// names an LSP), without copying the TLVs.
    pub const fn without_tlvs(&self) -> Self {
        Self {
            header: self.header,
            plsp_id: self.plsp_id,
            delegate: self.delegate,
            sync: self.sync,
            remove: self.remove,
            administrative: self.administrative,
            operational: self.operational,
            create: self.create,
            extra_flags: self.extra_flags,
            tlvs: Vec::new(),
        }
    }

    /// Whether this is the end-of-synchronization marker.
    pub const fn is_end_of_sync(&self) -> bool {
        self.plsp_id == 0 && !self.sync
    }

    /// SYMBOLIC-PATH-NAME.
    pub fn symbolic_name(&self) -> Option<&Bytes> {
        find(&self.tlvs, |t| match t {
            Tlv::SymbolicPathName(n) => Some(n),
            _ => None,
        })
    }

    /// IPV4-LSP-IDENTIFIERS.
    pub fn ipv4_identifiers(&self) -> Option<&Ipv4LspIdentifiers> {
        find(&self.tlvs, |t| match t {
            Tlv::Ipv4LspIdentifiers(i) => Some(i),
            _ => None,
        })
    }

    /// IPV6-LSP-IDENTIFIERS.
    pub fn ipv6_identifiers(&self) -> Option<&Ipv6LspIdentifiers> {
        find(&self.tlvs, |t| match t {
            Tlv::Ipv6LspIdentifiers(i) => Some(&**i),
            _ => None,
        })
    }

    /// LSP-DB-VERSION (RFC 8232).
    pub fn db_version(&self) -> Option<u64> {
        find(&self.tlvs, |t| match t {
            Tlv::LspDbVersion(v) => Some(*v),
            _ => None,
        })
    }

    /// ORIGINAL-LSP-DB-VERSION (state-sync draft).
    pub fn original_db_version(&self) -> Option<u64> {
        find(&self.tlvs, |t| match t {
            Tlv::OriginalLspDbVersion(v) => Some(*v),
            _ => None,
        })
    }

    /// SPEAKER-ENTITY-ID.
    pub fn speaker_entity_id(&self) -> Option<&Bytes> {
        find(&self.tlvs, |t| match t {
            Tlv::SpeakerEntityId(v) => Some(v),
            _ => None,
        })
    }

    /// LSP-ERROR-CODE.
    pub fn error_code(&self) -> Option<u32> {
        find(&self.tlvs, |t| match t {
            Tlv::LspErrorCode(v) => Some(*v),
            _ => None,
        })
    }

    const fn flag_bits(&self) -> u32 {
        (self.delegate as u32)
            | (self.sync as u32) << 1
            | (self.remove as u32) << 2
            | (self.administrative as u32) << 3
            | ((self.operational.0 & 0x7) as u32) << 4
            | (self.create as u32) << 7
            | (self.extra_flags & 0x0f00) as u32
    }

    pub(crate) fn decode(
        header: HeaderFlags,
        mut b: &[u8],
        dcx: &Dcx<'_>,
    ) -> Result<Self, DecodeError> {
        let e = body_err(ObjectClass::LSP);
        let word = get_u32(&mut b).map_err(e)?;
        Ok(Self {
            header,
            plsp_id: word >> 12,
            delegate: word & 0x001 != 0,
            sync: word & 0x002 != 0,
            remove: word & 0x004 != 0,
            administrative: word & 0x008 != 0,
            operational: OperationalStatus(((word >> 4) & 0x7) as u8),
            create: word & 0x080 != 0,
            extra_flags: (word & 0x0f00) as u16,
            tlvs: decode_tlvs(b, ObjectClass::LSP, dcx)?,
        })
    }

    pub(crate) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        if self.plsp_id > Self::PLSP_ID_MAX {
            return Err(EncodeError::InvalidField { field: "PLSP-ID" });
        }
        if self.operational.0 > 7 || self.extra_flags & !0x0f00 != 0 {
            return Err(EncodeError::InvalidField { field: "LSP Flags" });
        }
        put_object(out, ObjectClass::LSP, 1, self.header, |o| {
            o.put_u32(self.plsp_id << 12 | self.flag_bits());
            encode_tlvs(&self.tlvs, o, cfg)
        })
    }
}

/// SRP object (class 33, type 1; RFC 8231 §7.2).
///
/// ```text
/// |                          Flags                              |R|
/// |                        SRP-ID-number                          |
/// //                      Optional TLVs                          //
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Srp {
    /// P and I flags (MUST be 0, ignored on receipt).
    pub header: HeaderFlags,
    /// The 32-bit flags word: R (0x1) LSP remove (RFC 8281).
    pub srp_flags: u32,
    /// SRP-ID-number; 0 and 0xFFFFFFFF are reserved.
    pub srp_id: u32,
    /// Optional TLVs (PATH-SETUP-TYPE).
    pub tlvs: Vec<Tlv>,
}

impl Srp {
    /// R: LSP removal (RFC 8281 §5.2).
    pub const REMOVE: u32 = 0x1;

    /// R flag.
    pub const fn remove(&self) -> bool {
        self.srp_flags & Self::REMOVE != 0
    }

    /// PATH-SETUP-TYPE, 0 (RSVP-TE) when absent (RFC 8408 §3).
    pub fn path_setup_type(&self) -> PathSetupType {
        find(&self.tlvs, |t| match t {
            Tlv::PathSetupType(p) => Some(*p),
            _ => None,
        })
        .unwrap_or(PathSetupType::RSVP_TE)
    }

    pub(crate) fn decode(
        header: HeaderFlags,
        mut b: &[u8],
        dcx: &Dcx<'_>,
    ) -> Result<Self, DecodeError> {
        let e = body_err(ObjectClass::SRP);
        Ok(Self {
            header,
            srp_flags: get_u32(&mut b).map_err(&e)?,
            srp_id: get_u32(&mut b).map_err(&e)?,
            tlvs: decode_tlvs(b, ObjectClass::SRP, dcx)?,
        })
    }

    pub(crate) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        put_object(out, ObjectClass::SRP, 1, self.header, |o| {
            o.put_u32(self.srp_flags);
            o.put_u32(self.srp_id);
            encode_tlvs(&self.tlvs, o, cfg)
        })
    }
}

/// ASSOCIATION object (class 40; RFC 8697 §6.1): type 1 with an IPv4
/// Association Source, type 2 with an IPv6 one.
///
/// ```text
/// |           Reserved            |            Flags            |R|
/// |      Association Type         |      Association ID           |
/// |              IPv4 / IPv6 Association Source                   |
/// //                   Optional TLVs                             //
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Association {
    /// P and I flags.
    pub header: HeaderFlags,
    /// Flags: R (0x0001) removal.
    pub association_flags: u16,
    /// Association Type.
    pub association_type: AssociationType,
    /// Association ID; 0 and 0xFFFF are reserved (0xFFFF with R: all).
    pub association_id: u16,
    /// Association Source; its family sets the object type.
    pub source: IpAddr,
    /// TLVs (GLOBAL-ASSOCIATION-SOURCE, EXTENDED-ASSOCIATION-ID,
    /// DISJOINTNESS-CONFIGURATION/STATUS, ...).
    pub tlvs: Vec<Tlv>,
}

impl Association {
    /// R: remove the LSP from the association.
    pub const REMOVE: u16 = 0x0001;

    /// R flag.
    pub const fn remove(&self) -> bool {
        self.association_flags & Self::REMOVE != 0
    }

    /// DISJOINTNESS-CONFIGURATION (RFC 8800).
    pub fn disjointness_configuration(&self) -> Option<DisjointnessFlags> {
        find(&self.tlvs, |t| match t {
            Tlv::DisjointnessConfiguration(f) => Some(*f),
            _ => None,
        })
    }

    /// DISJOINTNESS-STATUS (RFC 8800).
    pub fn disjointness_status(&self) -> Option<DisjointnessFlags> {
        find(&self.tlvs, |t| match t {
            Tlv::DisjointnessStatus(f) => Some(*f),
            _ => None,
        })
    }

    /// GLOBAL-ASSOCIATION-SOURCE.
    pub fn global_source(&self) -> Option<u32> {
        find(&self.tlvs, |t| match t {
            Tlv::GlobalAssociationSource(g) => Some(*g),
            _ => None,
        })
    }

    /// EXTENDED-ASSOCIATION-ID.
    pub fn extended_id(&self) -> Option<&Bytes> {
        find(&self.tlvs, |t| match t {
            Tlv::ExtendedAssociationId(x) => Some(x),
            _ => None,
        })
    }

    pub(crate) fn decode(
        header: HeaderFlags,
        ot: u8,
        mut b: &[u8],
        dcx: &Dcx<'_>,
    ) -> Result<Self, DecodeError> {
        let e = |problem| DecodeError::ObjectBody {
            class: ObjectClass::ASSOCIATION,
            object_type: ot,
            problem,
        };
        let _reserved = get_u16(&mut b).map_err(e)?;
        let association_flags = get_u16(&mut b).map_err(e)?;
        let association_type = AssociationType(get_u16(&mut b).map_err(e)?);
        let association_id = get_u16(&mut b).map_err(e)?;
        let source = if ot == 1 {
            IpAddr::V4(get_ipv4(&mut b).map_err(e)?)
        } else {
            IpAddr::V6(get_ipv6(&mut b).map_err(e)?)
        };
        let assoc = Self {
            header,
            association_flags,
            association_type,
            association_id,
            source,
            tlvs: decode_tlvs(b, ObjectClass::ASSOCIATION, dcx)?,
        };
        // RFC 8800 §5.2: a disjoint association MUST carry
        // DISJOINTNESS-CONFIGURATION (6/15); a removal need not.
        if assoc.association_type == AssociationType::DISJOINT
            && !assoc.remove()
            && assoc.disjointness_configuration().is_none()
        {
            return Err(DecodeError::MissingDisjointnessConfiguration);
        }
        Ok(assoc)
    }

    pub(crate) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        if self.association_type == AssociationType::DISJOINT
            && !self.remove()
            && self.disjointness_configuration().is_none()
        {
            return Err(EncodeError::InvalidField {
                field: "disjoint association without DISJOINTNESS-CONFIGURATION",
            });
        }
        let ot = if self.source.is_ipv4() { 1 } else { 2 };
        put_object(out, ObjectClass::ASSOCIATION, ot, self.header, |o| {
            o.put_u16(0);
            o.put_u16(self.association_flags);
            o.put_u16(self.association_type.0);
            o.put_u16(self.association_id);
            match self.source {
                IpAddr::V4(a) => o.put_slice(&a.octets()),
                IpAddr::V6(a) => o.put_slice(&a.octets()),
            }
            encode_tlvs(&self.tlvs, o, cfg)
        })
    }
}
