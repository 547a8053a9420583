//! Route objects and their subobjects: ERO (RFC 5440 §7.9), RRO (§7.10),
//! IRO (§7.12), XRO (RFC 5521), with the RSVP-TE subobjects of RFC 3209 /
//! RFC 3477 and the SR-ERO / SR-RRO subobject of RFC 8664 §4.3.
//!
//! ```text
//! |L|    Type     |     Length    | (Subobject contents)          |
//! ```
//! Length counts the whole subobject. In an RRO the L bit is reserved; in an
//! XRO it is the X bit. This module keeps it as `loose` in every case.

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::{BufMut, Bytes, BytesMut};
use serde::Serialize;

use super::{put_object, HeaderFlags};
use crate::wire::codec::{get_ipv4, get_ipv6, get_u16, get_u32, get_u8, take, Dcx};
use crate::wire::error::{DecodeError, EncodeError, Problem};
use crate::wire::iana::ObjectClass;
use crate::wire::text::as_hex;

/// ERO/RRO/IRO/XRO subobject type: IPv4 prefix (RFC 3209 §4.3.3.1).
pub const SUBOBJECT_IPV4: u8 = 1;
/// IPv6 prefix (RFC 3209 §4.3.3.2).
pub const SUBOBJECT_IPV6: u8 = 2;
/// Unnumbered interface ID (RFC 3477 §4).
pub const SUBOBJECT_UNNUMBERED: u8 = 4;
/// Autonomous system number (RFC 3209 §4.3.3.4).
pub const SUBOBJECT_AS: u8 = 32;
/// SRLG (XRO only, RFC 5521 §2.1.1).
pub const SUBOBJECT_SRLG: u8 = 34;
/// SR-ERO / SR-RRO (RFC 8664 §4.3.1).
pub const SUBOBJECT_SR: u8 = 36;

/// One ERO/RRO/IRO/XRO subobject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "subobject", rename_all = "SCREAMING-KEBAB-CASE")]
pub enum Subobject {
    /// IPv4 prefix (type 1).
    Ipv4Prefix {
        /// L bit (X bit in an XRO).
        loose: bool,
        /// Address.
        address: Ipv4Addr,
        /// Prefix length.
        prefix_length: u8,
        /// Last byte: reserved (ERO), flags (RRO), attribute (XRO).
        attribute: u8,
    },
    /// IPv6 prefix (type 2).
    Ipv6Prefix {
        /// L bit.
        loose: bool,
        /// Address.
        address: Ipv6Addr,
        /// Prefix length.
        prefix_length: u8,
        /// Last byte: reserved (ERO), flags (RRO), attribute (XRO).
        attribute: u8,
    },
    /// Unnumbered interface (type 4).
    Unnumbered {
        /// L bit.
        loose: bool,
        /// Router ID.
        router_id: Ipv4Addr,
        /// Interface ID.
        interface_id: u32,
        /// Second byte after the length: reserved (ERO, RRO), attribute
        /// (XRO, RFC 5521 §2.1.3: 0 interface, 1 node, 2 SRLG).
        attribute: u8,
    },
    /// Autonomous system number (type 32).
    AsNumber {
        /// L bit.
        loose: bool,
        /// Two-octet AS number.
        asn: u16,
    },
    /// SRLG (type 34; XRO).
    Srlg {
        /// X bit.
        loose: bool,
        /// SRLG ID.
        srlg: u32,
        /// Attribute.
        attribute: u8,
    },
    /// SR-ERO / SR-RRO (type 36).
    Sr(SrSubobject),
    /// Any other subobject, kept raw.
    Unknown {
        /// L bit.
        loose: bool,
        /// Type.
        subobject_type: u8,
        /// Contents after the 2-byte header.
        #[serde(serialize_with = "as_hex")]
        body: Bytes,
    },
}

/// One hop as operators read it: `10.0.0.5`, `10.0.0.0/24`, `10.0.0.5 loose`,
/// `SID 16005 (10.0.0.5)`, `SID 24001 (192.0.2.1->192.0.2.2)`, `SRLG 100`.
impl std::fmt::Display for Subobject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let loose = |f: &mut std::fmt::Formatter<'_>, l: bool| {
            if l {
                f.write_str(" loose")
            } else {
                Ok(())
            }
        };
        match self {
            Self::Ipv4Prefix {
                loose: l,
                address,
                prefix_length,
                ..
            } => {
                write!(f, "{address}")?;
                if *prefix_length != 32 {
                    write!(f, "/{prefix_length}")?;
                }
                loose(f, *l)
            }
            Self::Ipv6Prefix {
                loose: l,
                address,
                prefix_length,
                ..
            } => {
                write!(f, "{address}")?;
                if *prefix_length != 128 {
                    write!(f, "/{prefix_length}")?;
                }
                loose(f, *l)
            }
            Self::Unnumbered {
                loose: l,
                router_id,
                interface_id,
                ..
            } => {
                write!(f, "{router_id}%{interface_id}")?;
                loose(f, *l)
            }
            Self::AsNumber { asn, .. } => write!(f, "AS {asn}"),
            Self::Srlg { srlg, .. } => write!(f, "SRLG {srlg}"),
            Self::Sr(sr) => {
                match sr.label() {
                    Some(label) => write!(f, "SID {label}")?,
                    None => match sr.sid {
                        Some(sid) => write!(f, "SID {sid}")?,
                        None => f.write_str("SID -")?,
                    },
                }
                match &sr.nai {
                    Some(Nai::Ipv4Node { address }) => write!(f, " ({address})")?,
                    Some(Nai::Ipv6Node { address }) => write!(f, " ({address})")?,
                    Some(Nai::Ipv4Adjacency { local, remote }) => {
                        write!(f, " ({local}->{remote})")?
                    }
                    Some(Nai::Ipv6Adjacency { local, remote }) => {
                        write!(f, " ({local}->{remote})")?
                    }
                    Some(Nai::UnnumberedAdjacency {
                        local_node,
                        local_interface,
                        remote_node,
                        remote_interface,
                    }) => {
                        write!(
                            f,
                            " ({local_node}%{local_interface}->{remote_node}%{remote_interface})"
                        )?;
                    }
                    Some(Nai::Ipv6LinkLocalAdjacency { local, remote, .. }) => {
                        write!(f, " ({local}->{remote})")?
                    }
                    None => {}
                }
                loose(f, sr.loose)
            }
            Self::Unknown { subobject_type, .. } => write!(f, "subobject type {subobject_type}"),
        }
    }
}

/// SR-ERO / SR-RRO subobject (RFC 8664 §4.3.1).
///
/// ```text
/// |L|   Type=36   |     Length    |  NT   |     Flags     |F|S|C|M|
/// |                         SID (optional)                        |
/// //                   NAI (variable, optional)                  //
/// ```
/// Invariants checked by the encoder (and true of anything decoded):
/// `S` is set exactly when `sid` is `None`; `F` is set or NT is 0 exactly
/// when `nai` is `None`; a present `nai` matches `nai_type`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SrSubobject {
    /// L bit (loose hop).
    pub loose: bool,
    /// NT: the NAI type.
    pub nai_type: u8,
    /// The 12-bit flags field (F, S, C, M and unassigned bits).
    pub sr_flags: u16,
    /// SID; with M=1 an MPLS label stack entry (label << 12).
    pub sid: Option<u32>,
    /// NAI.
    pub nai: Option<Nai>,
}

/// An SR subobject's Node or Adjacency Identifier (RFC 8664 §4.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "nai", rename_all = "kebab-case")]
pub enum Nai {
    /// NT 1.
    Ipv4Node {
        /// Node address.
        address: Ipv4Addr,
    },
    /// NT 2.
    Ipv6Node {
        /// Node address.
        address: Ipv6Addr,
    },
    /// NT 3.
    Ipv4Adjacency {
        /// Local interface address.
        local: Ipv4Addr,
        /// Remote interface address.
        remote: Ipv4Addr,
    },
    /// NT 4 (global addresses).
    Ipv6Adjacency {
        /// Local interface address.
        local: Ipv6Addr,
        /// Remote interface address.
        remote: Ipv6Addr,
    },
    /// NT 5.
    UnnumberedAdjacency {
        /// Local node ID.
        local_node: Ipv4Addr,
        /// Local interface ID.
        local_interface: u32,
        /// Remote node ID.
        remote_node: Ipv4Addr,
        /// Remote interface ID.
        remote_interface: u32,
    },
    /// NT 6 (link-local addresses).
    Ipv6LinkLocalAdjacency {
        /// Local address.
        local: Ipv6Addr,
        /// Local interface ID.
        local_interface: u32,
        /// Remote address.
        remote: Ipv6Addr,
        /// Remote interface ID.
        remote_interface: u32,
    },
}

impl Nai {
    /// Its NT value.
    pub const fn nai_type(&self) -> u8 {
        match self {
            Self::Ipv4Node { .. } => 1,
            Self::Ipv6Node { .. } => 2,
            Self::Ipv4Adjacency { .. } => 3,
            Self::Ipv6Adjacency { .. } => 4,
            Self::UnnumberedAdjacency { .. } => 5,
            Self::Ipv6LinkLocalAdjacency { .. } => 6,
        }
    }

    /// NAI length for NT `nt`, `None` for an unassigned NT.
    const fn length(nt: u8) -> Option<usize> {
        match nt {
            0 => Some(0),
            1 => Some(4),
            2 => Some(16),
            3 => Some(8),
            4 => Some(32),
            5 => Some(16),
            6 => Some(40),
            _ => None,
        }
    }

    /// Decode an NAI of type `nt` that fills `b` exactly (the caller
    /// checked the length against [`Self::length`]).
    fn decode(nt: u8, b: &[u8]) -> Result<Self, Problem> {
        fn v6(b: &[u8]) -> Ipv6Addr {
            <[u8; 16]>::try_from(b)
                .map(Ipv6Addr::from)
                .unwrap_or(Ipv6Addr::UNSPECIFIED)
        }
        fn word(b: &[u8]) -> u32 {
            <[u8; 4]>::try_from(b).map(u32::from_be_bytes).unwrap_or(0)
        }
        // Slice patterns: one length match, then infallible reads (no
        // per-field Result to build and move).
        Ok(match (nt, b) {
            (1, &[a, b, c, d]) => Self::Ipv4Node {
                address: Ipv4Addr::new(a, b, c, d),
            },
            (2, b) if b.len() == 16 => Self::Ipv6Node { address: v6(b) },
            (3, &[a, b, c, d, e, f, g, h]) => Self::Ipv4Adjacency {
                local: Ipv4Addr::new(a, b, c, d),
                remote: Ipv4Addr::new(e, f, g, h),
            },
            (4, b) if b.len() == 32 => {
                let (l, r) = b.split_at(16);
                Self::Ipv6Adjacency {
                    local: v6(l),
                    remote: v6(r),
                }
            }
            (5, b) if b.len() == 16 => {
                let (l, r) = b.split_at(8);
                let (ln, li) = l.split_at(4);
                let (rn, ri) = r.split_at(4);
                Self::UnnumberedAdjacency {
                    local_node: Ipv4Addr::from(word(ln)),
                    local_interface: word(li),
                    remote_node: Ipv4Addr::from(word(rn)),
                    remote_interface: word(ri),
                }
            }
            (6, b) if b.len() == 40 => {
                let (l, r) = b.split_at(20);
                let (la, li) = l.split_at(16);
                let (ra, ri) = r.split_at(16);
                Self::Ipv6LinkLocalAdjacency {
                    local: v6(la),
                    local_interface: word(li),
                    remote: v6(ra),
                    remote_interface: word(ri),
                }
            }
            _ => return Err(Problem::BadLength { length: b.len() }),
        })
    }

    fn encode(&self, out: &mut BytesMut) {
        match self {
            Self::Ipv4Node { address } => out.put_slice(&address.octets()),
            Self::Ipv6Node { address } => out.put_slice(&address.octets()),
            Self::Ipv4Adjacency { local, remote } => {
                out.put_slice(&local.octets());
                out.put_slice(&remote.octets());
            }
            Self::Ipv6Adjacency { local, remote } => {
                out.put_slice(&local.octets());
                out.put_slice(&remote.octets());
            }
            Self::UnnumberedAdjacency {
                local_node,
                local_interface,
                remote_node,
                remote_interface,
            } => {
                out.put_slice(&local_node.octets());
                out.put_u32(*local_interface);
                out.put_slice(&remote_node.octets());
                out.put_u32(*remote_interface);
            }
            Self::Ipv6LinkLocalAdjacency {
                local,
                local_interface,
                remote,
                remote_interface,
            } => {
                out.put_slice(&local.octets());
                out.put_u32(*local_interface);
                out.put_slice(&remote.octets());
                out.put_u32(*remote_interface);
            }
        }
    }
}

impl SrSubobject {
    /// F: the NAI is absent.
    pub const NAI_ABSENT: u16 = 0x008;
    /// S: the SID is absent.
    pub const SID_ABSENT: u16 = 0x004;
    /// C: the SID carries TC, S and TTL (with M).
    pub const CONTROL: u16 = 0x002;
    /// M: the SID is an MPLS label stack entry.
    pub const MPLS: u16 = 0x001;

    /// A strict hop for MPLS `label`, with an optional NAI.
    pub fn mpls(label: u32, nai: Option<Nai>) -> Self {
        let (nai_type, f) = match &nai {
            Some(n) => (n.nai_type(), 0),
            None => (0, Self::NAI_ABSENT),
        };
        Self {
            loose: false,
            nai_type,
            sr_flags: Self::MPLS | f,
            sid: Some(label << 12),
            nai,
        }
    }

    /// The MPLS label, when the SID is one (M=1).
    pub fn label(&self) -> Option<u32> {
        match self.sid {
            Some(sid) if self.sr_flags & Self::MPLS != 0 => Some(sid >> 12),
            _ => None,
        }
    }

    fn decode(loose: bool, b: &[u8], class: ObjectClass) -> Result<Self, DecodeError> {
        let e = |problem| DecodeError::Subobject {
            class,
            subobject_type: SUBOBJECT_SR,
            problem,
        };
        let Some((&[hi, lo], rest)) = b.split_first_chunk::<2>() else {
            return Err(e(Problem::Truncated {
                need: 2,
                have: b.len(),
            }));
        };
        let word = u16::from_be_bytes([hi, lo]);
        let nai_type = (word >> 12) as u8;
        let sr_flags = word & 0x0fff;
        let sid_absent = sr_flags & Self::SID_ABSENT != 0;
        let nai_absent = sr_flags & Self::NAI_ABSENT != 0;
        // RFC 8664 §4.3.1: S and F both set is malformed (10/6 ERO, 10/7 RRO).
        if sid_absent && nai_absent {
            return Err(DecodeError::SrSidAndNaiAbsent { class });
        }
        let (sid, rest) = if sid_absent {
            (None, rest)
        } else {
            match rest.split_first_chunk::<4>() {
                Some((sid, rest)) => (Some(u32::from_be_bytes(*sid)), rest),
                None => {
                    return Err(e(Problem::Truncated {
                        need: 4,
                        have: rest.len(),
                    }))
                }
            }
        };
        let nai = if nai_absent || nai_type == 0 {
            if !rest.is_empty() {
                return Err(e(Problem::TrailingBytes { extra: rest.len() }));
            }
            None
        } else {
            let Some(len) = Nai::length(nai_type) else {
                return Err(DecodeError::UnsupportedNaiType { class, nai_type });
            };
            if rest.len() != len {
                return Err(e(Problem::BadLength {
                    length: b.len() + 2,
                }));
            }
            Some(Nai::decode(nai_type, rest).map_err(e)?)
        };
        Ok(Self {
            loose,
            nai_type,
            sr_flags,
            sid,
            nai,
        })
    }

    fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        let bad = |field| Err(EncodeError::InvalidField { field });
        if self.nai_type > 15 || self.sr_flags > 0x0fff {
            return bad("SR subobject NT/Flags");
        }
        if (self.sr_flags & Self::SID_ABSENT != 0) != self.sid.is_none() {
            return bad("SR subobject S flag disagrees with the SID");
        }
        let nai_absent = self.sr_flags & Self::NAI_ABSENT != 0 || self.nai_type == 0;
        if nai_absent != self.nai.is_none() {
            return bad("SR subobject F flag/NT disagree with the NAI");
        }
        if self.sid.is_none() && self.nai.is_none() {
            return bad("SR subobject without SID and NAI");
        }
        if let Some(nai) = &self.nai {
            if nai.nai_type() != self.nai_type {
                return bad("SR subobject NT disagrees with the NAI");
            }
        }
        out.put_u16(u16::from(self.nai_type) << 12 | self.sr_flags);
        if let Some(sid) = self.sid {
            out.put_u32(sid);
        }
        if let Some(nai) = &self.nai {
            nai.encode(out);
        }
        Ok(())
    }
}

// ===== subobject lists =====

impl Subobject {
    /// The subobject type (without the L bit).
    pub const fn subobject_type(&self) -> u8 {
        match self {
            Self::Ipv4Prefix { .. } => SUBOBJECT_IPV4,
            Self::Ipv6Prefix { .. } => SUBOBJECT_IPV6,
            Self::Unnumbered { .. } => SUBOBJECT_UNNUMBERED,
            Self::AsNumber { .. } => SUBOBJECT_AS,
            Self::Srlg { .. } => SUBOBJECT_SRLG,
            Self::Sr(_) => SUBOBJECT_SR,
            Self::Unknown { subobject_type, .. } => *subobject_type,
        }
    }

    /// The L bit.
    pub const fn loose(&self) -> bool {
        match self {
            Self::Ipv4Prefix { loose, .. }
            | Self::Ipv6Prefix { loose, .. }
            | Self::Unnumbered { loose, .. }
            | Self::AsNumber { loose, .. }
            | Self::Srlg { loose, .. }
            | Self::Unknown { loose, .. } => *loose,
            Self::Sr(sr) => sr.loose,
        }
    }

    fn decode(buf: &mut &[u8], class: ObjectClass, dcx: &Dcx<'_>) -> Result<Self, DecodeError> {
        let frame = |problem| DecodeError::Subobject {
            class,
            subobject_type: 0,
            problem,
        };
        let first = get_u8(buf).map_err(frame)?;
        let (loose, ty) = (first & 0x80 != 0, first & 0x7f);
        let e = |problem| DecodeError::Subobject {
            class,
            subobject_type: ty,
            problem,
        };
        let len = usize::from(get_u8(buf).map_err(e)?);
        if len < 2 {
            return Err(e(Problem::BadLength { length: len }));
        }
        let mut b = take(buf, len - 2).map_err(e)?;
        let fixed = |want: usize| {
            if len == want {
                Ok(())
            } else {
                Err(e(Problem::BadLength { length: len }))
            }
        };
        let so = match ty {
            SUBOBJECT_IPV4 => {
                fixed(8)?;
                Self::Ipv4Prefix {
                    loose,
                    address: get_ipv4(&mut b).map_err(e)?,
                    prefix_length: get_u8(&mut b).map_err(e)?,
                    attribute: get_u8(&mut b).map_err(e)?,
                }
            }
            SUBOBJECT_IPV6 => {
                fixed(20)?;
                Self::Ipv6Prefix {
                    loose,
                    address: get_ipv6(&mut b).map_err(e)?,
                    prefix_length: get_u8(&mut b).map_err(e)?,
                    attribute: get_u8(&mut b).map_err(e)?,
                }
            }
            SUBOBJECT_UNNUMBERED => {
                fixed(12)?;
                let _reserved = get_u8(&mut b).map_err(e)?;
                let attribute = get_u8(&mut b).map_err(e)?;
                Self::Unnumbered {
                    loose,
                    router_id: get_ipv4(&mut b).map_err(e)?,
                    interface_id: get_u32(&mut b).map_err(e)?,
                    attribute,
                }
            }
            SUBOBJECT_AS => {
                fixed(4)?;
                Self::AsNumber {
                    loose,
                    asn: get_u16(&mut b).map_err(e)?,
                }
            }
            SUBOBJECT_SRLG if class == ObjectClass::XRO => {
                fixed(8)?;
                let srlg = get_u32(&mut b).map_err(e)?;
                let _reserved = get_u8(&mut b).map_err(e)?;
                Self::Srlg {
                    loose,
                    srlg,
                    attribute: get_u8(&mut b).map_err(e)?,
                }
            }
            SUBOBJECT_SR => Self::Sr(SrSubobject::decode(loose, b, class)?),
            _ => Self::Unknown {
                loose,
                subobject_type: ty,
                body: dcx.bytes(b),
            },
        };
        Ok(so)
    }

    fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        let start = out.len();
        out.put_u8(u8::from(self.loose()) << 7 | self.subobject_type());
        out.put_u8(0);
        match self {
            Self::Ipv4Prefix {
                address,
                prefix_length,
                attribute,
                ..
            } => {
                out.put_slice(&address.octets());
                out.put_u8(*prefix_length);
                out.put_u8(*attribute);
            }
            Self::Ipv6Prefix {
                address,
                prefix_length,
                attribute,
                ..
            } => {
                out.put_slice(&address.octets());
                out.put_u8(*prefix_length);
                out.put_u8(*attribute);
            }
            Self::Unnumbered {
                router_id,
                interface_id,
                attribute,
                ..
            } => {
                out.put_u8(0);
                out.put_u8(*attribute);
                out.put_slice(&router_id.octets());
                out.put_u32(*interface_id);
            }
            Self::AsNumber { asn, .. } => out.put_u16(*asn),
            Self::Srlg {
                srlg, attribute, ..
            } => {
                out.put_u32(*srlg);
                out.put_u8(0);
                out.put_u8(*attribute);
            }
            Self::Sr(sr) => sr.encode(out)?,
            Self::Unknown {
                subobject_type,
                body,
                ..
            } => {
                if *subobject_type > 0x7f {
                    return Err(EncodeError::InvalidField {
                        field: "subobject Type",
                    });
                }
                out.put_slice(body);
            }
        }
        let len = out.len() - start;
        crate::wire::codec::patch_u8(out, start + 1, len, "subobject")
    }
}

fn decode_subobjects(
    mut b: &[u8],
    class: ObjectClass,
    dcx: &Dcx<'_>,
) -> Result<Vec<Subobject>, DecodeError> {
    let mut list = Vec::with_capacity(b.len() / 8);
    while !b.is_empty() {
        list.push(Subobject::decode(&mut b, class, dcx)?);
    }
    // RFC 8664 §4.3.1: an ERO (RRO) that mixes SR and other subobjects is
    // malformed, 10/5 (10/10).
    if class == ObjectClass::ERO || class == ObjectClass::RRO {
        check_not_mixed(&list).map_err(|()| DecodeError::MixedSrSubobjects { class })?;
    }
    Ok(list)
}

fn check_not_mixed(list: &[Subobject]) -> Result<(), ()> {
    let sr = list
        .iter()
        .filter(|s| matches!(s, Subobject::Sr(_)))
        .count();
    if sr == 0 || sr == list.len() {
        Ok(())
    } else {
        Err(())
    }
}

fn encode_subobjects(list: &[Subobject], out: &mut BytesMut) -> Result<(), EncodeError> {
    list.iter().try_for_each(|s| s.encode(out))?;
    Ok(())
}

macro_rules! route_object {
    ($(#[$meta:meta])* $name:ident, $class:expr, $what:literal, $check_mixed:expr) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
        pub struct $name {
            /// P and I flags.
            pub header: HeaderFlags,
            /// Subobjects in order. Empty is allowed (an empty ERO means "no path").
            pub subobjects: Vec<Subobject>,
        }

        impl $name {
            /// An object with these subobjects and clear header flags.
            pub fn new(subobjects: Vec<Subobject>) -> Self {
                Self { header: HeaderFlags::default(), subobjects }
            }

            pub(crate) fn decode(header: HeaderFlags, b: &[u8], dcx: &Dcx<'_>) -> Result<Self, DecodeError> {
                Ok(Self { header, subobjects: decode_subobjects(b, $class, dcx)? })
            }

            pub(crate) fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
                if $check_mixed && check_not_mixed(&self.subobjects).is_err() {
                    return Err(EncodeError::InvalidField { field: concat!($what, " mixes SR and other subobjects") });
                }
                put_object(out, $class, 1, self.header, |o| encode_subobjects(&self.subobjects, o))
            }
        }
    };
}

route_object!(
    /// ERO object (class 7, type 1; RFC 5440 §7.9).
    Ero, ObjectClass::ERO, "ERO", true
);
route_object!(
    /// RRO object (class 8, type 1; RFC 5440 §7.10).
    Rro, ObjectClass::RRO, "RRO", true
);
route_object!(
    /// IRO object (class 10, type 1; RFC 5440 §7.12).
    Iro, ObjectClass::IRO, "IRO", false
);

/// XRO object (class 17, type 1; RFC 5521 §2.1).
///
/// ```text
/// |          Reserved             |            Flags            |F|
/// //                    (Subobjects)                             //
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Xro {
    /// P and I flags.
    pub header: HeaderFlags,
    /// Flags; F (0x0001): fail if the excluded resources cannot be avoided.
    pub xro_flags: u16,
    /// Subobjects (X bit in `loose`).
    pub subobjects: Vec<Subobject>,
}

impl Xro {
    pub(crate) fn decode(
        header: HeaderFlags,
        mut b: &[u8],
        dcx: &Dcx<'_>,
    ) -> Result<Self, DecodeError> {
        let e = |problem| DecodeError::ObjectBody {
            class: ObjectClass::XRO,
            object_type: 1,
            problem,
        };
        let _reserved = get_u16(&mut b).map_err(e)?;
        let xro_flags = get_u16(&mut b).map_err(e)?;
        Ok(Self {
            header,
            xro_flags,
            subobjects: decode_subobjects(b, ObjectClass::XRO, dcx)?,
        })
    }

    pub(crate) fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        put_object(out, ObjectClass::XRO, 1, self.header, |o| {
            o.put_u16(0);
            o.put_u16(self.xro_flags);
            encode_subobjects(&self.subobjects, o)
        })
    }
}
