//! TLVs (RFC 5440 §7.1) and every TLV a stateful PCE with state-sync needs.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |             Type              |            Length             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! //              Value (Length bytes, zero-padded to 4)         //
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//! Length counts the value only. Unknown TLVs are kept as raw bytes and
//! re-encoded unchanged ("Unknown TLVs MUST be ignored", RFC 5440 §7.1, which
//! is the engine's job, not the codec's).

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::{BufMut, Bytes, BytesMut};
use serde::Serialize;

use super::codec::{
    ensure_empty, get_ipv4, get_ipv6, get_u16, get_u32, get_u64, get_u8, need, pad4, patch_u16,
    placeholder_u16, put_padding, take, Dcx,
};
use super::config::{StateSyncCodepoints, WireConfig};
use super::error::{DecodeError, EncodeError, Problem};
use super::iana::{AssociationType, ObjectClass, OfCode, PathSetupType, TlvType};
use super::text::{as_hex, text_or_hex};

/// STATEFUL-PCE-CAPABILITY flags (RFC 8231 §7.1.1, RFC 8232, RFC 8281); the
/// raw 32-bit field, so unassigned bits survive a round trip.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct StatefulCapability(pub u32);

impl StatefulCapability {
    /// U: LSP-UPDATE-CAPABILITY (RFC 8231).
    pub const UPDATE: u32 = 0x01;
    /// S: INCLUDE-DB-VERSION (RFC 8232).
    pub const INCLUDE_DB_VERSION: u32 = 0x02;
    /// I: LSP-INSTANTIATION-CAPABILITY (RFC 8281).
    pub const INSTANTIATION: u32 = 0x04;
    /// T: TRIGGERED-RESYNC (RFC 8232).
    pub const TRIGGERED_RESYNC: u32 = 0x08;
    /// D: DELTA-LSP-SYNC-CAPABILITY (RFC 8232).
    pub const DELTA_LSP_SYNC: u32 = 0x10;
    /// F: TRIGGERED-INITIAL-SYNC (RFC 8232).
    pub const TRIGGERED_INITIAL_SYNC: u32 = 0x20;

    /// Whether every bit of `mask` is set.
    pub const fn has(self, mask: u32) -> bool {
        self.0 & mask == mask
    }
    /// U flag.
    pub const fn update(self) -> bool {
        self.has(Self::UPDATE)
    }
    /// S flag.
    pub const fn include_db_version(self) -> bool {
        self.has(Self::INCLUDE_DB_VERSION)
    }
    /// I flag.
    pub const fn instantiation(self) -> bool {
        self.has(Self::INSTANTIATION)
    }
    /// T flag.
    pub const fn triggered_resync(self) -> bool {
        self.has(Self::TRIGGERED_RESYNC)
    }
    /// D flag.
    pub const fn delta_lsp_sync(self) -> bool {
        self.has(Self::DELTA_LSP_SYNC)
    }
    /// F flag.
    pub const fn triggered_initial_sync(self) -> bool {
        self.has(Self::TRIGGERED_INITIAL_SYNC)
    }
    /// The state-sync draft's INTER-PCE-CAPABILITY flag, at its configured bit.
    pub const fn inter_pce(self, codepoints: &StateSyncCodepoints) -> bool {
        self.has(codepoints.inter_pce_capability_mask)
    }
    /// Set or clear the bits of `mask`.
    #[must_use]
    pub const fn with(self, mask: u32, on: bool) -> Self {
        if on {
            Self(self.0 | mask)
        } else {
            Self(self.0 & !mask)
        }
    }
}

/// DISJOINTNESS-CONFIGURATION / DISJOINTNESS-STATUS flags (RFC 8800 §5.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct DisjointnessFlags(pub u32);

impl DisjointnessFlags {
    /// L: link-diverse.
    pub const LINK: u32 = 0x01;
    /// N: node-diverse.
    pub const NODE: u32 = 0x02;
    /// S: SRLG-diverse.
    pub const SRLG: u32 = 0x04;
    /// P: shortest path (compute this LSP as if alone).
    pub const SHORTEST_PATH: u32 = 0x08;
    /// T: strict disjointness (no fallback).
    pub const STRICT: u32 = 0x10;

    /// Whether every bit of `mask` is set.
    pub const fn has(self, mask: u32) -> bool {
        self.0 & mask == mask
    }
}

/// SR-PCE-CAPABILITY (RFC 8664 §4.1.2): as a sub-TLV of
/// PATH-SETUP-TYPE-CAPABILITY, or as the deprecated top-level TLV 26.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct SrPceCapability {
    /// Flags: N (0x02) NAI-to-SID resolution, X (0x01) unlimited MSD.
    pub flags: u8,
    /// Maximum SID Depth.
    pub msd: u8,
}

impl SrPceCapability {
    /// X: unlimited MSD (RFC 8664; "L" in early drafts).
    pub const UNLIMITED_MSD: u8 = 0x01;
    /// N: the PCC can resolve an NAI to a SID.
    pub const NAI_TO_SID: u8 = 0x02;
}

/// IPV4-LSP-IDENTIFIERS (RFC 8231 §7.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Ipv4LspIdentifiers {
    /// IPv4 Tunnel Sender Address.
    pub sender: Ipv4Addr,
    /// LSP ID (0: not yet signalled).
    pub lsp_id: u16,
    /// Tunnel ID.
    pub tunnel_id: u16,
    /// Extended Tunnel ID.
    pub extended_tunnel_id: Ipv4Addr,
    /// IPv4 Tunnel Endpoint Address.
    pub endpoint: Ipv4Addr,
}

/// IPV6-LSP-IDENTIFIERS (RFC 8231 §7.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Ipv6LspIdentifiers {
    /// IPv6 Tunnel Sender Address.
    pub sender: Ipv6Addr,
    /// LSP ID.
    pub lsp_id: u16,
    /// Tunnel ID.
    pub tunnel_id: u16,
    /// Extended Tunnel ID.
    pub extended_tunnel_id: Ipv6Addr,
    /// IPv6 Tunnel Endpoint Address.
    pub endpoint: Ipv6Addr,
}

/// One entry of OPERATOR-CONFIGURED-ASSOCIATION-RANGE (RFC 8697 §6.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct AssociationRange {
    /// Association type the range applies to.
    pub association_type: AssociationType,
    /// First association ID of the range.
    pub start: u16,
    /// Number of IDs in the range.
    pub range: u16,
}

/// A TLV, known or not.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "tlv", content = "value", rename_all = "SCREAMING-KEBAB-CASE")]
pub enum Tlv {
    /// NO-PATH-VECTOR (type 1, RFC 5440 §7.5): reasons as a 32-bit flag field.
    NoPathVector(u32),
    /// OVERLOADED-DURATION (type 2, RFC 5440 §7.14): seconds.
    OverloadedDuration(u32),
    /// REQ-MISSING (type 3, RFC 5440 §7.15): the missing Request-ID.
    ReqMissing(u32),
    /// OF-LIST (type 4, RFC 5541 §2.1).
    OfList(Vec<OfCode>),
    /// VENDOR-INFORMATION TLV (type 7, RFC 7470 §4).
    VendorInformation {
        /// IANA enterprise number.
        enterprise: u32,
        /// Enterprise-specific information.
        #[serde(serialize_with = "as_hex")]
        info: Bytes,
    },
    /// STATEFUL-PCE-CAPABILITY (type 16, RFC 8231 §7.1.1).
    StatefulPceCapability(StatefulCapability),
    /// SYMBOLIC-PATH-NAME (type 17, RFC 8231 §7.3.2): non-empty.
    SymbolicPathName(#[serde(serialize_with = "text_or_hex")] Bytes),
    /// IPV4-LSP-IDENTIFIERS (type 18).
    Ipv4LspIdentifiers(Ipv4LspIdentifiers),
    /// IPV6-LSP-IDENTIFIERS (type 19); boxed, as the largest and rarest
    /// variant (a `Tlv` stays 40 bytes to move).
    Ipv6LspIdentifiers(Box<Ipv6LspIdentifiers>),
    /// LSP-ERROR-CODE (type 20, RFC 8231 §7.3.3).
    LspErrorCode(u32),
    /// RSVP-ERROR-SPEC (type 21, RFC 8231 §7.3.4): the RSVP object, opaque.
    RsvpErrorSpec(#[serde(serialize_with = "as_hex")] Bytes),
    /// LSP-DB-VERSION (type 23, RFC 8232 §4.1).
    LspDbVersion(u64),
    /// SPEAKER-ENTITY-ID (type 24, RFC 8232 §4.1.1): non-empty.
    SpeakerEntityId(#[serde(serialize_with = "text_or_hex")] Bytes),
    /// SR-PCE-CAPABILITY in its deprecated top-level form (type 26).
    SrPceCapability(SrPceCapability),
    /// PATH-SETUP-TYPE (type 28, RFC 8408 §3).
    PathSetupType(PathSetupType),
    /// OPERATOR-CONFIGURED-ASSOCIATION-RANGE (type 29, RFC 8697 §6.1.3).
    OperatorConfiguredAssociationRange(Vec<AssociationRange>),
    /// GLOBAL-ASSOCIATION-SOURCE (type 30, RFC 8697 §6.1.5).
    GlobalAssociationSource(u32),
    /// EXTENDED-ASSOCIATION-ID (type 31, RFC 8697 §6.1.6): opaque.
    ExtendedAssociationId(#[serde(serialize_with = "as_hex")] Bytes),
    /// PATH-SETUP-TYPE-CAPABILITY (type 34, RFC 8408 §3); boxed (Open only).
    PathSetupTypeCapability(Box<PathSetupTypeCapability>),
    /// ASSOC-TYPE-LIST (type 35, RFC 8697 §6.1.4).
    AssocTypeList(Vec<AssociationType>),
    /// DISJOINTNESS-CONFIGURATION (type 46, RFC 8800 §5.2).
    DisjointnessConfiguration(DisjointnessFlags),
    /// DISJOINTNESS-STATUS (type 47, RFC 8800 §5.3).
    DisjointnessStatus(DisjointnessFlags),
    /// ORIGINAL-LSP-DB-VERSION (draft-ietf-pce-state-sync; type configured in
    /// [`StateSyncCodepoints::original_lsp_db_version_tlv`]).
    OriginalLspDbVersion(u64),
    /// Any other TLV, kept raw.
    Unknown {
        /// Its type.
        tlv_type: TlvType,
        /// Its value, without padding.
        #[serde(serialize_with = "as_hex")]
        value: Bytes,
    },
}

/// PATH-SETUP-TYPE-CAPABILITY body (RFC 8408 §3).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PathSetupTypeCapability {
    /// Supported path setup types; never empty on the wire.
    pub path_setup_types: Vec<PathSetupType>,
    /// Sub-TLVs: [`SubTlv::SrPceCapability`] for PST 1, others kept raw.
    pub sub_tlvs: Vec<SubTlv>,
}

impl PathSetupTypeCapability {
    /// The SR-PCE-CAPABILITY sub-TLV, if present.
    pub fn sr_capability(&self) -> Option<SrPceCapability> {
        self.sub_tlvs.iter().find_map(|t| match t {
            SubTlv::SrPceCapability(c) => Some(*c),
            SubTlv::Unknown { .. } => None,
        })
    }
}

/// A sub-TLV of PATH-SETUP-TYPE-CAPABILITY (its own registry, RFC 8408 §6.2).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(
    tag = "sub_tlv",
    content = "value",
    rename_all = "SCREAMING-KEBAB-CASE"
)]
pub enum SubTlv {
    /// SR-PCE-CAPABILITY (sub-TLV 26, RFC 8664 §4.1.2).
    SrPceCapability(SrPceCapability),
    /// Any other sub-TLV, kept raw.
    Unknown {
        /// Its type.
        sub_tlv_type: u16,
        /// Its value, without padding.
        #[serde(serialize_with = "as_hex")]
        value: Bytes,
    },
}

const SUB_TLV_SR_PCE_CAPABILITY: u16 = 26;

// ===== impl Tlv =====

impl Tlv {
    /// The TLV type this value is written with.
    pub const fn tlv_type(&self, codepoints: &StateSyncCodepoints) -> TlvType {
        match self {
            Self::NoPathVector(_) => TlvType::NO_PATH_VECTOR,
            Self::OverloadedDuration(_) => TlvType::OVERLOADED_DURATION,
            Self::ReqMissing(_) => TlvType::REQ_MISSING,
            Self::OfList(_) => TlvType::OF_LIST,
            Self::VendorInformation { .. } => TlvType::VENDOR_INFORMATION,
            Self::StatefulPceCapability(_) => TlvType::STATEFUL_PCE_CAPABILITY,
            Self::SymbolicPathName(_) => TlvType::SYMBOLIC_PATH_NAME,
            Self::Ipv4LspIdentifiers(_) => TlvType::IPV4_LSP_IDENTIFIERS,
            Self::Ipv6LspIdentifiers(_) => TlvType::IPV6_LSP_IDENTIFIERS,
            Self::LspErrorCode(_) => TlvType::LSP_ERROR_CODE,
            Self::RsvpErrorSpec(_) => TlvType::RSVP_ERROR_SPEC,
            Self::LspDbVersion(_) => TlvType::LSP_DB_VERSION,
            Self::SpeakerEntityId(_) => TlvType::SPEAKER_ENTITY_ID,
            Self::SrPceCapability(_) => TlvType::SR_PCE_CAPABILITY,
            Self::PathSetupType(_) => TlvType::PATH_SETUP_TYPE,
            Self::OperatorConfiguredAssociationRange(_) => {
                TlvType::OPERATOR_CONFIGURED_ASSOCIATION_RANGE
            }
            Self::GlobalAssociationSource(_) => TlvType::GLOBAL_ASSOCIATION_SOURCE,
            Self::ExtendedAssociationId(_) => TlvType::EXTENDED_ASSOCIATION_ID,
            Self::PathSetupTypeCapability(_) => TlvType::PATH_SETUP_TYPE_CAPABILITY,
            Self::AssocTypeList(_) => TlvType::ASSOC_TYPE_LIST,
            Self::DisjointnessConfiguration(_) => TlvType::DISJOINTNESS_CONFIGURATION,
            Self::DisjointnessStatus(_) => TlvType::DISJOINTNESS_STATUS,
            Self::OriginalLspDbVersion(_) => codepoints.original_lsp_db_version(),
            Self::Unknown { tlv_type, .. } => *tlv_type,
        }
    }

    fn decode(tlv_type: TlvType, mut v: &[u8], dcx: &Dcx<'_>) -> Result<Self, DecodeError> {
        let err = |problem| DecodeError::Tlv {
            tlv: tlv_type,
            problem,
        };
        // The draft's TLV has a configured type: it takes precedence, and the
        // configuration refuses types that collide with assigned ones.
        if tlv_type == dcx.cfg.state_sync.original_lsp_db_version() {
            return fixed(v, 8)
                .and_then(|()| get_u64(&mut v))
                .map(Self::OriginalLspDbVersion)
                .map_err(err);
        }
        let tlv = match tlv_type {
            TlvType::NO_PATH_VECTOR => Self::NoPathVector(u32_value(&mut v).map_err(err)?),
            TlvType::OVERLOADED_DURATION => {
                Self::OverloadedDuration(u32_value(&mut v).map_err(err)?)
            }
            TlvType::REQ_MISSING => Self::ReqMissing(u32_value(&mut v).map_err(err)?),
            TlvType::OF_LIST => Self::OfList(u16_list(&mut v).map_err(err)?.map(OfCode).collect()),
            TlvType::VENDOR_INFORMATION => {
                let enterprise = get_u32(&mut v).map_err(err)?;
                Self::VendorInformation {
                    enterprise,
                    info: dcx.bytes(v),
                }
            }
            TlvType::STATEFUL_PCE_CAPABILITY => {
                // RFC 8231 §7.1.1: length 4; RFC 8232 and later grew no
                // second word, but tolerate one (kept in the flags' silence).
                Self::StatefulPceCapability(StatefulCapability(u32_value(&mut v).map_err(err)?))
            }
            TlvType::SYMBOLIC_PATH_NAME => {
                Self::SymbolicPathName(dcx.bytes(non_empty(v).map_err(err)?))
            }
            TlvType::IPV4_LSP_IDENTIFIERS => {
                fixed(v, 16).map_err(err)?;
                Self::Ipv4LspIdentifiers(Ipv4LspIdentifiers {
                    sender: get_ipv4(&mut v).map_err(err)?,
                    lsp_id: get_u16(&mut v).map_err(err)?,
                    tunnel_id: get_u16(&mut v).map_err(err)?,
                    extended_tunnel_id: get_ipv4(&mut v).map_err(err)?,
                    endpoint: get_ipv4(&mut v).map_err(err)?,
                })
            }
            TlvType::IPV6_LSP_IDENTIFIERS => {
                fixed(v, 52).map_err(err)?;
                Self::Ipv6LspIdentifiers(Box::new(Ipv6LspIdentifiers {
                    sender: get_ipv6(&mut v).map_err(err)?,
                    lsp_id: get_u16(&mut v).map_err(err)?,
                    tunnel_id: get_u16(&mut v).map_err(err)?,
                    extended_tunnel_id: get_ipv6(&mut v).map_err(err)?,
                    endpoint: get_ipv6(&mut v).map_err(err)?,
                }))
            }
            TlvType::LSP_ERROR_CODE => Self::LspErrorCode(u32_value(&mut v).map_err(err)?),
            TlvType::RSVP_ERROR_SPEC => Self::RsvpErrorSpec(dcx.bytes(v)),
            TlvType::LSP_DB_VERSION => {
                fixed(v, 8).map_err(err)?;
                Self::LspDbVersion(get_u64(&mut v).map_err(err)?)
            }
            TlvType::SPEAKER_ENTITY_ID => {
                Self::SpeakerEntityId(dcx.bytes(non_empty(v).map_err(err)?))
            }
            TlvType::SR_PCE_CAPABILITY => {
                Self::SrPceCapability(sr_capability(&mut v).map_err(err)?)
            }
            TlvType::PATH_SETUP_TYPE => {
                fixed(v, 4).map_err(err)?;
                let word = get_u32(&mut v).map_err(err)?;
                // RFC 8408 §3: Reserved(24) | PST(8); reserved bits ignored.
                Self::PathSetupType(PathSetupType((word & 0xff) as u8))
            }
            TlvType::OPERATOR_CONFIGURED_ASSOCIATION_RANGE => {
                if v.is_empty() || v.len() % 8 != 0 {
                    return Err(err(Problem::BadLength { length: v.len() }));
                }
                let mut ranges = Vec::with_capacity(v.len() / 8);
                while !v.is_empty() {
                    let _reserved = get_u16(&mut v).map_err(err)?;
                    ranges.push(AssociationRange {
                        association_type: AssociationType(get_u16(&mut v).map_err(err)?),
                        start: get_u16(&mut v).map_err(err)?,
                        range: get_u16(&mut v).map_err(err)?,
                    });
                }
                Self::OperatorConfiguredAssociationRange(ranges)
            }
            TlvType::GLOBAL_ASSOCIATION_SOURCE => {
                Self::GlobalAssociationSource(u32_value(&mut v).map_err(err)?)
            }
            TlvType::EXTENDED_ASSOCIATION_ID => {
                Self::ExtendedAssociationId(dcx.bytes(non_empty(v).map_err(err)?))
            }
            TlvType::PATH_SETUP_TYPE_CAPABILITY => {
                Self::PathSetupTypeCapability(Box::new(pst_capability(&mut v, dcx).map_err(err)?))
            }
            TlvType::ASSOC_TYPE_LIST => Self::AssocTypeList(
                u16_list(&mut v)
                    .map_err(err)?
                    .map(AssociationType)
                    .collect(),
            ),
            TlvType::DISJOINTNESS_CONFIGURATION => {
                Self::DisjointnessConfiguration(DisjointnessFlags(u32_value(&mut v).map_err(err)?))
            }
            TlvType::DISJOINTNESS_STATUS => {
                Self::DisjointnessStatus(DisjointnessFlags(u32_value(&mut v).map_err(err)?))
            }
            _ => Self::Unknown {
                tlv_type,
                value: dcx.bytes(v),
            },
        };
        Ok(tlv)
    }

    fn encode_value(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        match self {
            Self::NoPathVector(x)
            | Self::OverloadedDuration(x)
            | Self::ReqMissing(x)
            | Self::LspErrorCode(x)
            | Self::GlobalAssociationSource(x) => out.put_u32(*x),
            Self::StatefulPceCapability(c) => out.put_u32(c.0),
            Self::DisjointnessConfiguration(f) | Self::DisjointnessStatus(f) => out.put_u32(f.0),
            Self::OfList(codes) => codes.iter().for_each(|c| out.put_u16(c.0)),
            Self::AssocTypeList(types) => types.iter().for_each(|t| out.put_u16(t.0)),
            Self::VendorInformation { enterprise, info } => {
                out.put_u32(*enterprise);
                out.put_slice(info);
            }
            Self::SymbolicPathName(b)
            | Self::SpeakerEntityId(b)
            | Self::ExtendedAssociationId(b) => {
                if b.is_empty() {
                    return Err(EncodeError::InvalidField {
                        field: "empty TLV value",
                    });
                }
                out.put_slice(b);
            }
            Self::RsvpErrorSpec(b) => out.put_slice(b),
            Self::Ipv4LspIdentifiers(ids) => {
                out.put_slice(&ids.sender.octets());
                out.put_u16(ids.lsp_id);
                out.put_u16(ids.tunnel_id);
                out.put_slice(&ids.extended_tunnel_id.octets());
                out.put_slice(&ids.endpoint.octets());
            }
            Self::Ipv6LspIdentifiers(ids) => {
                out.put_slice(&ids.sender.octets());
                out.put_u16(ids.lsp_id);
                out.put_u16(ids.tunnel_id);
                out.put_slice(&ids.extended_tunnel_id.octets());
                out.put_slice(&ids.endpoint.octets());
            }
            Self::LspDbVersion(v) | Self::OriginalLspDbVersion(v) => out.put_u64(*v),
            Self::SrPceCapability(c) => put_sr_capability(out, *c),
            Self::PathSetupType(pst) => out.put_u32(u32::from(pst.0)),
            Self::OperatorConfiguredAssociationRange(ranges) => {
                if ranges.is_empty() {
                    return Err(EncodeError::InvalidField {
                        field: "empty association range list",
                    });
                }
                for r in ranges {
                    out.put_u16(0);
                    out.put_u16(r.association_type.0);
                    out.put_u16(r.start);
                    out.put_u16(r.range);
                }
            }
            Self::PathSetupTypeCapability(cap) => {
                let n =
                    u8::try_from(cap.path_setup_types.len()).map_err(|_| EncodeError::TooLong {
                        what: "PST list",
                        length: cap.path_setup_types.len(),
                    })?;
                if n == 0 {
                    return Err(EncodeError::InvalidField {
                        field: "empty PST list",
                    });
                }
                out.put_slice(&[0, 0, 0, n]);
                let start = out.len();
                cap.path_setup_types.iter().for_each(|p| out.put_u8(p.0));
                put_padding(out, start);
                for sub in &cap.sub_tlvs {
                    match sub {
                        SubTlv::SrPceCapability(c) => {
                            put_tlv(out, SUB_TLV_SR_PCE_CAPABILITY, |o| {
                                put_sr_capability(o, *c);
                                Ok(())
                            })?;
                        }
                        SubTlv::Unknown {
                            sub_tlv_type,
                            value,
                        } => {
                            put_tlv(out, *sub_tlv_type, |o| {
                                o.put_slice(value);
                                Ok(())
                            })?;
                        }
                    }
                }
            }
            Self::Unknown { value, .. } => out.put_slice(value),
        }
        Ok(())
    }
}

// ===== TLV lists =====

/// Decode the TLVs that fill the rest of an object body.
pub(crate) fn decode_tlvs(
    mut body: &[u8],
    class: ObjectClass,
    dcx: &Dcx<'_>,
) -> Result<Vec<Tlv>, DecodeError> {
    if body.is_empty() {
        return Ok(Vec::new());
    }
    let mut tlvs = Vec::with_capacity(4);
    while !body.is_empty() {
        let (tlv_type, value) =
            next_tlv(&mut body).map_err(|problem| DecodeError::TlvFraming { class, problem })?;
        tlvs.push(Tlv::decode(TlvType(tlv_type), value, dcx)?);
    }
    Ok(tlvs)
}

/// Encode a TLV list.
pub(crate) fn encode_tlvs(
    tlvs: &[Tlv],
    out: &mut BytesMut,
    cfg: &WireConfig,
) -> Result<(), EncodeError> {
    for tlv in tlvs {
        put_tlv(out, tlv.tlv_type(&cfg.state_sync).0, |o| {
            tlv.encode_value(o)
        })?;
    }
    Ok(())
}

/// Split one TLV (type, value) off `buf`, consuming its padding.
fn next_tlv<'a>(buf: &mut &'a [u8]) -> Result<(u16, &'a [u8]), Problem> {
    let tlv_type = get_u16(buf)?;
    let len = usize::from(get_u16(buf)?);
    let value = take(buf, len)?;
    let pad = pad4(len);
    // RFC 5440 §7.1: the value is padded to 4 bytes; padding content is not
    // checked (liberal in what we accept), its presence is.
    take(buf, pad)?;
    Ok((tlv_type, value))
}

/// Write a TLV header, the value `f` writes, the back-patched length and padding.
fn put_tlv(
    out: &mut BytesMut,
    tlv_type: u16,
    f: impl FnOnce(&mut BytesMut) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    out.put_u16(tlv_type);
    let len_pos = placeholder_u16(out);
    let start = out.len();
    f(out)?;
    patch_u16(out, len_pos, out.len() - start, "TLV")?;
    put_padding(out, start);
    Ok(())
}

// ===== helper functions =====

fn fixed(v: &[u8], len: usize) -> Result<(), Problem> {
    if v.len() == len {
        Ok(())
    } else {
        Err(Problem::BadLength { length: v.len() })
    }
}

fn u32_value(v: &mut &[u8]) -> Result<u32, Problem> {
    fixed(v, 4)?;
    get_u32(v)
}

fn non_empty(v: &[u8]) -> Result<&[u8], Problem> {
    if v.is_empty() {
        Err(Problem::BadLength { length: 0 })
    } else {
        Ok(v)
    }
}

fn u16_list<'a, 'b>(
    v: &'a mut &'b [u8],
) -> Result<impl Iterator<Item = u16> + use<'a, 'b>, Problem> {
    if v.len() % 2 != 0 {
        return Err(Problem::BadLength { length: v.len() });
    }
    Ok(std::iter::from_fn(move || get_u16(v).ok()))
}

fn sr_capability(v: &mut &[u8]) -> Result<SrPceCapability, Problem> {
    fixed(v, 4)?;
    let _reserved = get_u16(v)?;
    Ok(SrPceCapability {
        flags: get_u8(v)?,
        msd: get_u8(v)?,
    })
}

fn put_sr_capability(out: &mut BytesMut, c: SrPceCapability) {
    out.put_u16(0);
    out.put_u8(c.flags);
    out.put_u8(c.msd);
}

fn pst_capability(v: &mut &[u8], dcx: &Dcx<'_>) -> Result<PathSetupTypeCapability, Problem> {
    need(v, 4)?;
    let _reserved = [get_u8(v)?, get_u8(v)?, get_u8(v)?];
    let n = usize::from(get_u8(v)?);
    // RFC 8408 §3: Num of PSTs MUST be non-zero; a malformed TLV is 10/11.
    if n == 0 {
        return Err(Problem::InvalidField {
            field: "Num of PSTs",
        });
    }
    let list = take(v, n)?;
    take(v, pad4(n))?;
    let path_setup_types = list.iter().copied().map(PathSetupType).collect();
    let mut sub_tlvs = Vec::new();
    while !v.is_empty() {
        let (sub_tlv_type, mut value) = next_tlv(v)?;
        sub_tlvs.push(if sub_tlv_type == SUB_TLV_SR_PCE_CAPABILITY {
            SubTlv::SrPceCapability(sr_capability(&mut value)?)
        } else {
            SubTlv::Unknown {
                sub_tlv_type,
                value: dcx.bytes(value),
            }
        });
    }
    ensure_empty(v)?;
    Ok(PathSetupTypeCapability {
        path_setup_types,
        sub_tlvs,
    })
}

/// Find the first TLV matching `f` in a list.
pub(crate) fn find<'a, T>(tlvs: &'a [Tlv], f: impl FnMut(&'a Tlv) -> Option<T>) -> Option<T> {
    tlvs.iter().find_map(f)
}
