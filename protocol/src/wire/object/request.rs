//! Path-computation objects: RP, NO-PATH, END-POINTS, BANDWIDTH, METRIC,
//! LSPA, SVEC, LOAD-BALANCING (RFC 5440) and OF (RFC 5541).

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::{BufMut, BytesMut};
use serde::Serialize;

use super::{put_object, HeaderFlags};
use crate::wire::codec::Dcx;
use crate::wire::codec::{ensure_empty, get_f32, get_ipv4, get_ipv6, get_u16, get_u32, get_u8};
use crate::wire::config::WireConfig;
use crate::wire::error::{DecodeError, EncodeError, Problem};
use crate::wire::iana::{MetricType, ObjectClass, OfCode, PathSetupType};
use crate::wire::tlv::{decode_tlvs, encode_tlvs, find, Tlv};

fn body_err(class: ObjectClass) -> impl Fn(Problem) -> DecodeError {
    move |problem| DecodeError::ObjectBody {
        class,
        object_type: 1,
        problem,
    }
}

/// RP object (class 2, type 1; RFC 5440 §7.4).
///
/// ```text
/// |                          Flags                    |O|B|R| Pri |
/// |                        Request-ID-number                      |
/// //                      Optional TLVs                          //
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Rp {
    /// P and I flags. P MUST be set in PCReq and PCRep (RFC 5440 §7.4).
    pub header: HeaderFlags,
    /// The 32-bit flags word (Pri, R, B, O and later RFCs' bits).
    pub rp_flags: u32,
    /// Request-ID-number.
    pub request_id: u32,
    /// Optional TLVs (PATH-SETUP-TYPE).
    pub tlvs: Vec<Tlv>,
}

impl Rp {
    /// Pri: request priority, 0-7.
    pub const PRIORITY_MASK: u32 = 0x07;
    /// R: reoptimization.
    pub const REOPTIMIZATION: u32 = 0x08;
    /// B: bidirectional.
    pub const BIDIRECTIONAL: u32 = 0x10;
    /// O: a loose path is acceptable.
    pub const LOOSE: u32 = 0x20;

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
        let e = body_err(ObjectClass::RP);
        Ok(Self {
            header,
            rp_flags: get_u32(&mut b).map_err(&e)?,
            request_id: get_u32(&mut b).map_err(&e)?,
            tlvs: decode_tlvs(b, ObjectClass::RP, dcx)?,
        })
    }

    pub(crate) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        put_object(out, ObjectClass::RP, 1, self.header, |o| {
            o.put_u32(self.rp_flags);
            o.put_u32(self.request_id);
            encode_tlvs(&self.tlvs, o, cfg)
        })
    }
}

/// NO-PATH object (class 3, type 1; RFC 5440 §7.5).
///
/// ```text
/// |Nature of Issue|C|          Flags              |   Reserved    |
/// //                      Optional TLVs                          //
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NoPath {
    /// P and I flags.
    pub header: HeaderFlags,
    /// NI: 0 no path satisfies the constraints, 1 PCE chain broken.
    pub nature_of_issue: u8,
    /// Flags; C (0x8000): unsatisfied constraints are listed in the reply.
    pub no_path_flags: u16,
    /// Optional TLVs (NO-PATH-VECTOR).
    pub tlvs: Vec<Tlv>,
}

impl NoPath {
    /// C: the PCRep lists the unsatisfied constraints.
    pub const UNSATISFIED_CONSTRAINTS: u16 = 0x8000;

    pub(crate) fn decode(
        header: HeaderFlags,
        mut b: &[u8],
        dcx: &Dcx<'_>,
    ) -> Result<Self, DecodeError> {
        let e = body_err(ObjectClass::NO_PATH);
        let nature_of_issue = get_u8(&mut b).map_err(&e)?;
        let no_path_flags = get_u16(&mut b).map_err(&e)?;
        let _reserved = get_u8(&mut b).map_err(&e)?;
        Ok(Self {
            header,
            nature_of_issue,
            no_path_flags,
            tlvs: decode_tlvs(b, ObjectClass::NO_PATH, dcx)?,
        })
    }

    pub(crate) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        put_object(out, ObjectClass::NO_PATH, 1, self.header, |o| {
            o.put_u8(self.nature_of_issue);
            o.put_u16(self.no_path_flags);
            o.put_u8(0);
            encode_tlvs(&self.tlvs, o, cfg)
        })
    }
}

/// END-POINTS object (class 4; RFC 5440 §7.6): type 1 IPv4, type 2 IPv6.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "family")]
pub enum EndPoints {
    /// Object type 1.
    Ipv4 {
        /// P and I flags.
        header: HeaderFlags,
        /// Source IPv4 address.
        source: Ipv4Addr,
        /// Destination IPv4 address.
        destination: Ipv4Addr,
    },
    /// Object type 2.
    Ipv6 {
        /// P and I flags.
        header: HeaderFlags,
        /// Source IPv6 address.
        source: Ipv6Addr,
        /// Destination IPv6 address.
        destination: Ipv6Addr,
    },
}

impl EndPoints {
    /// P and I flags.
    pub const fn header(&self) -> HeaderFlags {
        match self {
            Self::Ipv4 { header, .. } | Self::Ipv6 { header, .. } => *header,
        }
    }

    pub(crate) fn decode(header: HeaderFlags, ot: u8, mut b: &[u8]) -> Result<Self, Problem> {
        let ep = if ot == 1 {
            Self::Ipv4 {
                header,
                source: get_ipv4(&mut b)?,
                destination: get_ipv4(&mut b)?,
            }
        } else {
            Self::Ipv6 {
                header,
                source: get_ipv6(&mut b)?,
                destination: get_ipv6(&mut b)?,
            }
        };
        ensure_empty(b)?;
        Ok(ep)
    }

    pub(crate) fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        match self {
            Self::Ipv4 {
                header,
                source,
                destination,
            } => put_object(out, ObjectClass::END_POINTS, 1, *header, |o| {
                o.put_slice(&source.octets());
                o.put_slice(&destination.octets());
                Ok(())
            }),
            Self::Ipv6 {
                header,
                source,
                destination,
            } => put_object(out, ObjectClass::END_POINTS, 2, *header, |o| {
                o.put_slice(&source.octets());
                o.put_slice(&destination.octets());
                Ok(())
            }),
        }
    }
}

/// Which BANDWIDTH object type (RFC 5440 §7.7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum BandwidthKind {
    /// Type 1: requested bandwidth.
    #[default]
    Requested,
    /// Type 2: bandwidth of an existing TE LSP (reoptimization; in PCRpt,
    /// the actual bandwidth).
    Existing,
}

/// BANDWIDTH object (class 5, types 1 and 2; RFC 5440 §7.7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Bandwidth {
    /// P and I flags.
    pub header: HeaderFlags,
    /// Object type.
    pub kind: BandwidthKind,
    /// Bandwidth in bytes per second (IEEE 754 single precision).
    pub bandwidth: f32,
}

impl Bandwidth {
    pub(crate) fn decode(header: HeaderFlags, ot: u8, mut b: &[u8]) -> Result<Self, Problem> {
        let kind = if ot == 1 {
            BandwidthKind::Requested
        } else {
            BandwidthKind::Existing
        };
        let bandwidth = get_f32(&mut b)?;
        ensure_empty(b)?;
        Ok(Self {
            header,
            kind,
            bandwidth,
        })
    }

    pub(crate) fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        let ot = match self.kind {
            BandwidthKind::Requested => 1,
            BandwidthKind::Existing => 2,
        };
        put_object(out, ObjectClass::BANDWIDTH, ot, self.header, |o| {
            o.put_f32(self.bandwidth);
            Ok(())
        })
    }
}

/// METRIC object (class 6, type 1; RFC 5440 §7.8).
///
/// ```text
/// |          Reserved             |    Flags  |C|B|       T       |
/// |                          metric-value                         |
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Metric {
    /// P and I flags.
    pub header: HeaderFlags,
    /// Flags: B (0x01) bound, C (0x02) computed metric requested/reported.
    pub metric_flags: u8,
    /// T: the metric type.
    pub metric_type: MetricType,
    /// The value (IEEE 754 single precision).
    pub value: f32,
}

impl Metric {
    /// B: the value is a bound (maximum).
    pub const BOUND: u8 = 0x01;
    /// C: the computed value is requested (PCReq) or reported.
    pub const COMPUTED: u8 = 0x02;

    /// B flag.
    pub const fn bound(&self) -> bool {
        self.metric_flags & Self::BOUND != 0
    }
    /// C flag.
    pub const fn computed(&self) -> bool {
        self.metric_flags & Self::COMPUTED != 0
    }

    pub(crate) fn decode(header: HeaderFlags, mut b: &[u8]) -> Result<Self, Problem> {
        let _reserved = get_u16(&mut b)?;
        let m = Self {
            header,
            metric_flags: get_u8(&mut b)?,
            metric_type: MetricType(get_u8(&mut b)?),
            value: get_f32(&mut b)?,
        };
        ensure_empty(b)?;
        Ok(m)
    }

    pub(crate) fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        put_object(out, ObjectClass::METRIC, 1, self.header, |o| {
            o.put_u16(0);
            o.put_u8(self.metric_flags);
            o.put_u8(self.metric_type.0);
            o.put_f32(self.value);
            Ok(())
        })
    }
}

/// LSPA object (class 9, type 1; RFC 5440 §7.11).
///
/// ```text
/// |                       Exclude-any                             |
/// |                       Include-any                             |
/// |                       Include-all                             |
/// |  Setup Prio   |  Holding Prio |     Flags   |L|   Reserved    |
/// //                     Optional TLVs                           //
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Lspa {
    /// P and I flags.
    pub header: HeaderFlags,
    /// Exclude-any affinity.
    pub exclude_any: u32,
    /// Include-any affinity.
    pub include_any: u32,
    /// Include-all affinity.
    pub include_all: u32,
    /// Setup priority (0 highest).
    pub setup_priority: u8,
    /// Holding priority (0 highest).
    pub holding_priority: u8,
    /// Flags: L (0x01) local protection desired, E (0x02, RFC 9488).
    pub lspa_flags: u8,
    /// Optional TLVs.
    pub tlvs: Vec<Tlv>,
}

impl Lspa {
    /// L: local protection desired.
    pub const LOCAL_PROTECTION: u8 = 0x01;

    pub(crate) fn decode(
        header: HeaderFlags,
        mut b: &[u8],
        dcx: &Dcx<'_>,
    ) -> Result<Self, DecodeError> {
        let e = body_err(ObjectClass::LSPA);
        let lspa = Self {
            header,
            exclude_any: get_u32(&mut b).map_err(&e)?,
            include_any: get_u32(&mut b).map_err(&e)?,
            include_all: get_u32(&mut b).map_err(&e)?,
            setup_priority: get_u8(&mut b).map_err(&e)?,
            holding_priority: get_u8(&mut b).map_err(&e)?,
            lspa_flags: get_u8(&mut b).map_err(&e)?,
            tlvs: Vec::new(),
        };
        let _reserved = get_u8(&mut b).map_err(&e)?;
        Ok(Self {
            tlvs: decode_tlvs(b, ObjectClass::LSPA, dcx)?,
            ..lspa
        })
    }

    pub(crate) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        put_object(out, ObjectClass::LSPA, 1, self.header, |o| {
            o.put_u32(self.exclude_any);
            o.put_u32(self.include_any);
            o.put_u32(self.include_all);
            o.put_u8(self.setup_priority);
            o.put_u8(self.holding_priority);
            o.put_u8(self.lspa_flags);
            o.put_u8(0);
            encode_tlvs(&self.tlvs, o, cfg)
        })
    }
}

/// SVEC object (class 11, type 1; RFC 5440 §7.13).
///
/// ```text
/// |   Reserved    |                   Flags                 |S|N|L|
/// |                     Request-ID-number #1                      |
/// //                                                             //
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Svec {
    /// P and I flags.
    pub header: HeaderFlags,
    /// The 24-bit flags field: L (0x01) link, N (0x02) node, S (0x04) SRLG diverse.
    pub svec_flags: u32,
    /// The synchronized requests.
    pub request_ids: Vec<u32>,
}

impl Svec {
    pub(crate) fn decode(header: HeaderFlags, mut b: &[u8]) -> Result<Self, Problem> {
        let svec_flags = get_u32(&mut b)? & 0x00ff_ffff;
        let mut request_ids = Vec::with_capacity(b.len() / 4);
        while !b.is_empty() {
            request_ids.push(get_u32(&mut b)?);
        }
        Ok(Self {
            header,
            svec_flags,
            request_ids,
        })
    }

    pub(crate) fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        if self.svec_flags > 0x00ff_ffff {
            return Err(EncodeError::InvalidField {
                field: "SVEC Flags",
            });
        }
        put_object(out, ObjectClass::SVEC, 1, self.header, |o| {
            o.put_u32(self.svec_flags);
            self.request_ids.iter().for_each(|id| o.put_u32(*id));
            Ok(())
        })
    }
}

/// OF object (class 21, type 1; RFC 5541 §3.2).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Of {
    /// P and I flags.
    pub header: HeaderFlags,
    /// Objective function code.
    pub code: OfCode,
    /// Optional TLVs.
    pub tlvs: Vec<Tlv>,
}

impl Default for OfCode {
    fn default() -> Self {
        Self::MCP
    }
}

impl Of {
    pub(crate) fn decode(
        header: HeaderFlags,
        mut b: &[u8],
        dcx: &Dcx<'_>,
    ) -> Result<Self, DecodeError> {
        let e = body_err(ObjectClass::OF);
        let code = OfCode(get_u16(&mut b).map_err(&e)?);
        let _reserved = get_u16(&mut b).map_err(&e)?;
        Ok(Self {
            header,
            code,
            tlvs: decode_tlvs(b, ObjectClass::OF, dcx)?,
        })
    }

    pub(crate) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        put_object(out, ObjectClass::OF, 1, self.header, |o| {
            o.put_u16(self.code.0);
            o.put_u16(0);
            encode_tlvs(&self.tlvs, o, cfg)
        })
    }
}

/// LOAD-BALANCING object (class 14, type 1; RFC 5440 §7.16).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct LoadBalancing {
    /// P and I flags.
    pub header: HeaderFlags,
    /// Flags (none assigned).
    pub lb_flags: u8,
    /// Maximum number of TE LSPs in the set.
    pub max_lsp: u8,
    /// Minimum bandwidth of each element of the set, bytes per second.
    pub min_bandwidth: f32,
}

impl LoadBalancing {
    pub(crate) fn decode(header: HeaderFlags, mut b: &[u8]) -> Result<Self, Problem> {
        let _reserved = get_u16(&mut b)?;
        let lb = Self {
            header,
            lb_flags: get_u8(&mut b)?,
            max_lsp: get_u8(&mut b)?,
            min_bandwidth: get_f32(&mut b)?,
        };
        ensure_empty(b)?;
        Ok(lb)
    }

    pub(crate) fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        put_object(out, ObjectClass::LOAD_BALANCING, 1, self.header, |o| {
            o.put_u16(0);
            o.put_u8(self.lb_flags);
            o.put_u8(self.max_lsp);
            o.put_f32(self.min_bandwidth);
            Ok(())
        })
    }
}

impl Default for MetricType {
    fn default() -> Self {
        Self::IGP
    }
}
