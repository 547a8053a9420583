//! The link-state NLRIs and the BGP-LS attribute (RFC 9552 §5, RFC 9085,
//! RFC 8571, RFC 8814), decoded into values and encoded back.
//!
//! An NLRI is kept by the receiver under its raw bytes (its TLVs are in a
//! canonical order, RFC 9552 §5.1): a withdrawal names the same bytes. The
//! decoded [`Nlri`] says what it describes. Every fault is an [`LsError`];
//! which treatment it gets (treat-as-withdraw, session reset) is decided
//! where the NLRI or attribute sits, in [`crate::message`].
//!
//! ```text
//!  NLRI:  | NLRI Type (2) | Total NLRI Length (2) | Protocol-ID (1) |
//!         | Identifier (8) | Local Node Descriptors (TLV 256) |
//!         | [Remote Node Descriptors (257)] | [Link / Prefix Descriptors] |
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use crate::reader::{put_tlv, u24, Reader, TooLong};

/// What is wrong with an NLRI or a BGP-LS attribute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum LsError {
    /// A TLV or field runs past its enclosing unit.
    #[error("{what} is truncated")]
    Truncated {
        /// Where.
        what: &'static str,
    },
    /// A known TLV with a length its definition does not allow.
    #[error("TLV {tlv} has length {length}, which its definition does not allow")]
    BadLength {
        /// The TLV type.
        tlv: u16,
        /// The length found.
        length: usize,
    },
    /// A mandatory TLV is missing.
    #[error("{what} lacks TLV {tlv}")]
    Missing {
        /// Where.
        what: &'static str,
        /// The TLV type.
        tlv: u16,
    },
    /// A TLV that may appear once appears twice.
    #[error("TLV {tlv} appears twice in {what}")]
    Duplicate {
        /// Where.
        what: &'static str,
        /// The TLV type.
        tlv: u16,
    },
    /// A descriptor TLV that has no place in this NLRI.
    #[error("TLV {tlv} has no place in {what}")]
    Unexpected {
        /// Where.
        what: &'static str,
        /// The TLV type.
        tlv: u16,
    },
    /// An NLRI type this receiver does not know (RFC 9552 §5.2: ignored,
    /// not an error; reported so that it can be counted).
    #[error("unknown NLRI type {0}")]
    UnknownNlriType(u16),
    /// A field holds a value the format forbids.
    #[error("invalid {0}")]
    Invalid(&'static str),
}

fn short(what: &'static str) -> impl Fn(crate::reader::Short) -> LsError {
    move |_| LsError::Truncated { what }
}

/// NLRI types (RFC 9552 §5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum NlriType {
    /// 1: a node.
    Node,
    /// 2: a link (one direction).
    Link,
    /// 3: an IPv4 topology prefix.
    Prefix4,
    /// 4: an IPv6 topology prefix.
    Prefix6,
}

impl NlriType {
    /// The code point.
    pub const fn code(self) -> u16 {
        match self {
            Self::Node => 1,
            Self::Link => 2,
            Self::Prefix4 => 3,
            Self::Prefix6 => 4,
        }
    }

    fn from_code(c: u16) -> Option<Self> {
        Some(match c {
            1 => Self::Node,
            2 => Self::Link,
            3 => Self::Prefix4,
            4 => Self::Prefix6,
            _ => return None,
        })
    }
}

/// Protocol-IDs (RFC 9552 §5.2).
pub mod protocol {
    /// IS-IS level 1.
    pub const ISIS_L1: u8 = 1;
    /// IS-IS level 2.
    pub const ISIS_L2: u8 = 2;
    /// OSPFv2.
    pub const OSPFV2: u8 = 3;
    /// Direct.
    pub const DIRECT: u8 = 4;
    /// Static configuration.
    pub const STATIC: u8 = 5;
    /// OSPFv3.
    pub const OSPFV3: u8 = 6;
    /// BGP (RFC 9086).
    pub const BGP: u8 = 7;
}

/// A node, as the NLRIs name it (RFC 9552 §5.2.1.4): the key by which a
/// Link NLRI finds its ends.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct NodeDescriptor {
    /// 512: Autonomous System.
    pub asn: Option<u32>,
    /// 513: BGP-LS Identifier (deprecated by RFC 9552, still accepted).
    pub bgp_ls_id: Option<u32>,
    /// 514: OSPF Area-ID.
    pub ospf_area: Option<u32>,
    /// 515: IGP Router-ID: IS-IS system ID (6), pseudonode (7), OSPF
    /// router ID (4), pseudonode (8).
    pub igp_router_id: Vec<u8>,
    /// 516: BGP Router-ID (RFC 9086).
    pub bgp_router_id: Option<Ipv4Addr>,
    /// 517: Member-AS (RFC 9086).
    pub member_as: Option<u32>,
}

/// A link's identifiers (RFC 9552 §5.2.2).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct LinkDescriptor {
    /// 258: Link Local/Remote Identifiers (unnumbered, RFC 5307).
    pub ids: Option<(u32, u32)>,
    /// 259: IPv4 interface address.
    pub ipv4_local: Option<Ipv4Addr>,
    /// 260: IPv4 neighbor address.
    pub ipv4_remote: Option<Ipv4Addr>,
    /// 261: IPv6 interface address.
    pub ipv6_local: Option<Ipv6Addr>,
    /// 262: IPv6 neighbor address.
    pub ipv6_remote: Option<Ipv6Addr>,
    /// 263: Multi-Topology IDs.
    pub mt_ids: Vec<u16>,
}

/// A prefix's descriptors (RFC 9552 §5.2.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PrefixDescriptor {
    /// 263: Multi-Topology IDs.
    pub mt_ids: Vec<u16>,
    /// 264: OSPF route type.
    pub ospf_route_type: Option<u8>,
    /// 265: the prefix and its length.
    pub prefix: (IpAddr, u8),
}

/// A link-state NLRI.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Nlri {
    /// Which kind.
    pub kind: NlriType,
    /// The IGP it came from ([`protocol`]).
    pub protocol: u8,
    /// The routing universe (RFC 9552 §5.2: 0 is the default).
    pub identifier: u64,
    /// The node, or the link's local end, or the prefix's originator.
    pub local: NodeDescriptor,
    /// The link's remote end (Link NLRIs).
    pub remote: Option<NodeDescriptor>,
    /// The link's identifiers (Link NLRIs).
    pub link: LinkDescriptor,
    /// The prefix (Prefix NLRIs).
    pub prefix: Option<PrefixDescriptor>,
}

const LOCAL_NODE: u16 = 256;
const REMOTE_NODE: u16 = 257;

impl Nlri {
    /// Decode one NLRI from its full TLV (type, length, value); the length
    /// must cover exactly `raw`.
    pub fn decode(raw: &[u8]) -> Result<Self, LsError> {
        let mut r = Reader::new(raw);
        let (ty, body) = r.tlv().map_err(short("NLRI"))?;
        if !r.is_empty() {
            return Err(LsError::Invalid("NLRI length"));
        }
        let kind = NlriType::from_code(ty).ok_or(LsError::UnknownNlriType(ty))?;
        let mut r = Reader::new(body);
        let protocol = r.u8().map_err(short("NLRI"))?;
        let identifier = r.u64().map_err(short("NLRI"))?;
        if protocol == 0 {
            return Err(LsError::Invalid("Protocol-ID 0"));
        }
        let mut local = None;
        let mut remote = None;
        let mut link = LinkDescriptor::default();
        let mut mt_ids = None;
        let mut route_type = None;
        let mut prefix = None;
        let mut seen: Vec<u16> = Vec::new();
        while !r.is_empty() {
            let (t, v) = r.tlv().map_err(short("NLRI descriptor"))?;
            if seen.contains(&t) {
                return Err(LsError::Duplicate {
                    what: "NLRI",
                    tlv: t,
                });
            }
            seen.push(t);
            let unexpected = LsError::Unexpected {
                what: "NLRI",
                tlv: t,
            };
            match (kind, t) {
                (_, LOCAL_NODE) => local = Some(NodeDescriptor::decode(v)?),
                (NlriType::Link, REMOTE_NODE) => remote = Some(NodeDescriptor::decode(v)?),
                (NlriType::Link, 258) => {
                    let mut d = Reader::new(v);
                    let ids = (
                        d.u32().map_err(|_| bad(t, v))?,
                        d.u32().map_err(|_| bad(t, v))?,
                    );
                    if !d.is_empty() {
                        return Err(bad(t, v));
                    }
                    link.ids = Some(ids);
                }
                (NlriType::Link, 259) => link.ipv4_local = Some(ipv4(t, v)?),
                (NlriType::Link, 260) => link.ipv4_remote = Some(ipv4(t, v)?),
                (NlriType::Link, 261) => link.ipv6_local = Some(ipv6(t, v)?),
                (NlriType::Link, 262) => link.ipv6_remote = Some(ipv6(t, v)?),
                (NlriType::Link | NlriType::Prefix4 | NlriType::Prefix6, 263) => {
                    if v.is_empty() || v.len() % 2 != 0 {
                        return Err(bad(t, v));
                    }
                    mt_ids = Some(
                        v.chunks_exact(2)
                            .map(|c| u16::from_be_bytes(c.try_into().unwrap_or([0; 2])) & 0x0FFF)
                            .collect(),
                    );
                }
                (NlriType::Prefix4 | NlriType::Prefix6, 264) => match *v {
                    [x] => route_type = Some(x),
                    _ => return Err(bad(t, v)),
                },
                (NlriType::Prefix4 | NlriType::Prefix6, 265) => {
                    prefix = Some(ip_reachability(kind, t, v)?);
                }
                _ => return Err(unexpected),
            }
        }
        let local = local.ok_or(LsError::Missing {
            what: "NLRI",
            tlv: LOCAL_NODE,
        })?;
        if kind == NlriType::Link && remote.is_none() {
            return Err(LsError::Missing {
                what: "Link NLRI",
                tlv: REMOTE_NODE,
            });
        }
        let prefix = match kind {
            NlriType::Prefix4 | NlriType::Prefix6 => Some(PrefixDescriptor {
                mt_ids: mt_ids.unwrap_or_default(),
                ospf_route_type: route_type,
                prefix: prefix.ok_or(LsError::Missing {
                    what: "Prefix NLRI",
                    tlv: 265,
                })?,
            }),
            _ => {
                link.mt_ids = mt_ids.unwrap_or_default();
                None
            }
        };
        Ok(Self {
            kind,
            protocol,
            identifier,
            local,
            remote,
            link,
            prefix,
        })
    }

    /// Encode as a full NLRI TLV, descriptors in ascending type order.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), TooLong> {
        put_tlv(out, self.kind.code(), |o| {
            o.push(self.protocol);
            o.extend_from_slice(&self.identifier.to_be_bytes());
            put_tlv(o, LOCAL_NODE, |o| self.local.encode(o))?;
            if let Some(remote) = &self.remote {
                put_tlv(o, REMOTE_NODE, |o| remote.encode(o))?;
            }
            let l = &self.link;
            if let Some((a, b)) = l.ids {
                put_tlv(o, 258, |o| {
                    o.extend_from_slice(&a.to_be_bytes());
                    o.extend_from_slice(&b.to_be_bytes());
                    Ok(())
                })?;
            }
            let octets = |o: &mut Vec<u8>, t: u16, b: &[u8]| {
                put_tlv(o, t, |o| {
                    o.extend_from_slice(b);
                    Ok(())
                })
            };
            if let Some(a) = l.ipv4_local {
                octets(o, 259, &a.octets())?;
            }
            if let Some(a) = l.ipv4_remote {
                octets(o, 260, &a.octets())?;
            }
            if let Some(a) = l.ipv6_local {
                octets(o, 261, &a.octets())?;
            }
            if let Some(a) = l.ipv6_remote {
                octets(o, 262, &a.octets())?;
            }
            let mt = self.prefix.as_ref().map_or(&l.mt_ids, |p| &p.mt_ids);
            if !mt.is_empty() {
                let b: Vec<u8> = mt.iter().flat_map(|m| m.to_be_bytes()).collect();
                octets(o, 263, &b)?;
            }
            if let Some(p) = &self.prefix {
                if let Some(rt) = p.ospf_route_type {
                    octets(o, 264, &[rt])?;
                }
                let (addr, len) = p.prefix;
                let bytes = match addr {
                    IpAddr::V4(a) => a.octets().to_vec(),
                    IpAddr::V6(a) => a.octets().to_vec(),
                };
                let n = usize::from(len).div_ceil(8).min(bytes.len());
                let mut v = vec![len];
                v.extend_from_slice(bytes.get(..n).unwrap_or_default());
                octets(o, 265, &v)?;
            }
            Ok(())
        })
    }
}

fn bad(tlv: u16, v: &[u8]) -> LsError {
    LsError::BadLength {
        tlv,
        length: v.len(),
    }
}

fn ipv4(t: u16, v: &[u8]) -> Result<Ipv4Addr, LsError> {
    <[u8; 4]>::try_from(v)
        .map(Ipv4Addr::from)
        .map_err(|_| bad(t, v))
}

fn ipv6(t: u16, v: &[u8]) -> Result<Ipv6Addr, LsError> {
    <[u8; 16]>::try_from(v)
        .map(Ipv6Addr::from)
        .map_err(|_| bad(t, v))
}

fn u32_of(t: u16, v: &[u8]) -> Result<u32, LsError> {
    <[u8; 4]>::try_from(v)
        .map(u32::from_be_bytes)
        .map_err(|_| bad(t, v))
}

/// TLV 265: prefix length, then the prefix in as few bytes as it needs.
fn ip_reachability(kind: NlriType, t: u16, v: &[u8]) -> Result<(IpAddr, u8), LsError> {
    let (&len, bytes) = v.split_first().ok_or_else(|| bad(t, v))?;
    let max = if kind == NlriType::Prefix4 { 32 } else { 128 };
    if len > max || bytes.len() != usize::from(len).div_ceil(8) {
        return Err(bad(t, v));
    }
    let addr = if kind == NlriType::Prefix4 {
        let mut a = [0u8; 4];
        a.get_mut(..bytes.len())
            .ok_or_else(|| bad(t, v))?
            .copy_from_slice(bytes);
        IpAddr::V4(Ipv4Addr::from(a))
    } else {
        let mut a = [0u8; 16];
        a.get_mut(..bytes.len())
            .ok_or_else(|| bad(t, v))?
            .copy_from_slice(bytes);
        IpAddr::V6(Ipv6Addr::from(a))
    };
    Ok((addr, len))
}

impl NodeDescriptor {
    fn decode(v: &[u8]) -> Result<Self, LsError> {
        let mut d = Self::default();
        let mut r = Reader::new(v);
        let mut seen: Vec<u16> = Vec::new();
        while !r.is_empty() {
            let (t, v) = r.tlv().map_err(short("node descriptor"))?;
            if seen.contains(&t) {
                return Err(LsError::Duplicate {
                    what: "node descriptor",
                    tlv: t,
                });
            }
            seen.push(t);
            match t {
                512 => d.asn = Some(u32_of(t, v)?),
                513 => d.bgp_ls_id = Some(u32_of(t, v)?),
                514 => d.ospf_area = Some(u32_of(t, v)?),
                515 => {
                    if ![4, 6, 7, 8].contains(&v.len()) {
                        return Err(bad(t, v));
                    }
                    d.igp_router_id = v.to_vec();
                }
                516 => d.bgp_router_id = Some(ipv4(t, v)?),
                517 => d.member_as = Some(u32_of(t, v)?),
                _ => {
                    return Err(LsError::Unexpected {
                        what: "node descriptor",
                        tlv: t,
                    })
                }
            }
        }
        if d.igp_router_id.is_empty() && d.bgp_router_id.is_none() {
            return Err(LsError::Missing {
                what: "node descriptor",
                tlv: 515,
            });
        }
        Ok(d)
    }

    fn encode(&self, o: &mut Vec<u8>) -> Result<(), TooLong> {
        let mut put = |t: u16, b: &[u8]| {
            put_tlv(o, t, |o| {
                o.extend_from_slice(b);
                Ok(())
            })
        };
        if let Some(x) = self.asn {
            put(512, &x.to_be_bytes())?;
        }
        if let Some(x) = self.bgp_ls_id {
            put(513, &x.to_be_bytes())?;
        }
        if let Some(x) = self.ospf_area {
            put(514, &x.to_be_bytes())?;
        }
        if !self.igp_router_id.is_empty() {
            put(515, &self.igp_router_id)?;
        }
        if let Some(x) = self.bgp_router_id {
            put(516, &x.octets())?;
        }
        if let Some(x) = self.member_as {
            put(517, &x.to_be_bytes())?;
        }
        Ok(())
    }

    /// The IGP Router-ID as text: an IS-IS system ID as `0100.0000.0001`
    /// (pseudonode `.NN` appended), an OSPF router ID as an address.
    pub fn router_id_text(&self) -> String {
        match self.igp_router_id.as_slice() {
            [a, b, c, d] => Ipv4Addr::new(*a, *b, *c, *d).to_string(),
            [a, b, c, d, e, f, rest @ ..] if rest.len() <= 1 => {
                let mut s = format!("{a:02x}{b:02x}.{c:02x}{d:02x}.{e:02x}{f:02x}");
                if let [p] = rest {
                    s.push_str(&format!(".{p:02x}"));
                }
                s
            }
            [a, b, c, d, e, f, g, h] => format!(
                "{}:{}",
                Ipv4Addr::new(*a, *b, *c, *d),
                Ipv4Addr::new(*e, *f, *g, *h)
            ),
            _ => self
                .bgp_router_id
                .map_or_else(String::new, |a| a.to_string()),
        }
    }

    /// Whether it names a pseudonode (a LAN's designated router or DIS,
    /// RFC 9552 §5.2.1.4): IS-IS 7 bytes, OSPF 8.
    pub fn is_pseudonode(&self) -> bool {
        matches!(self.igp_router_id.len(), 7 | 8)
    }
}

/// A SID or a label (RFC 9085 §2.1.1): an MPLS label (3 bytes, 20 bits)
/// or an index into the SRGB (4 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Sid {
    /// An MPLS label.
    Label(u32),
    /// An index.
    Index(u32),
}

impl Sid {
    fn decode(t: u16, v: &[u8]) -> Result<Self, LsError> {
        match v.len() {
            3 => Ok(Self::Label(u24(v).unwrap_or(0) & 0xF_FFFF)),
            4 => Ok(Self::Index(u32_of(t, v)?)),
            _ => Err(bad(t, v)),
        }
    }

    fn encode(self, o: &mut Vec<u8>) {
        match self {
            Self::Label(l) => o.extend_from_slice(&three(l)),
            Self::Index(i) => o.extend_from_slice(&i.to_be_bytes()),
        }
    }
}

/// An SRGB range (SR Capabilities, RFC 9085 §2.1.2): first SID and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SrRange {
    /// Number of SIDs.
    pub size: u32,
    /// The first.
    pub first: Sid,
}

/// An adjacency SID (RFC 9085 §2.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AdjSid {
    /// Flags (IS-IS: F B V L S P; OSPF: B V L G P).
    pub flags: u8,
    /// Weight.
    pub weight: u8,
    /// The SID.
    pub sid: Sid,
}

/// A prefix SID (RFC 9085 §2.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PrefixSid {
    /// Flags (IS-IS: R N P E V L; OSPF: NP M E V L).
    pub flags: u8,
    /// Algorithm (0: SPF).
    pub algorithm: u8,
    /// The SID.
    pub sid: Sid,
}

/// The BGP-LS attribute's TLVs (RFC 9552 §5.3, RFC 9085, RFC 8571), those a
/// PCE uses decoded, the rest kept by type.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Attribute {
    /// 1024: Node Flag Bits.
    pub node_flags: Option<u8>,
    /// 1026: Node Name.
    pub node_name: Option<String>,
    /// 1027: IS-IS Area Identifier.
    pub isis_area: Option<Vec<u8>>,
    /// 1028: IPv4 Router-ID of the local node.
    pub router_id_v4: Option<Ipv4Addr>,
    /// 1029: IPv6 Router-ID of the local node.
    pub router_id_v6: Option<Ipv6Addr>,
    /// 1030: IPv4 Router-ID of the remote node.
    pub remote_router_id_v4: Option<Ipv4Addr>,
    /// 1031: IPv6 Router-ID of the remote node.
    pub remote_router_id_v6: Option<Ipv6Addr>,
    /// 1034: SR Capabilities: flags and the SRGB ranges.
    pub sr_capabilities: Option<(u8, Vec<SrRange>)>,
    /// 1035: SR algorithms.
    pub sr_algorithms: Option<Vec<u8>>,
    /// 266: Node MSD (RFC 8814): (type, value).
    pub node_msd: Option<Vec<(u8, u8)>>,
    /// 267: Link MSD (RFC 8814).
    pub link_msd: Option<Vec<(u8, u8)>>,
    /// 1088: Administrative group.
    pub admin_group: Option<u32>,
    /// 1089: Maximum link bandwidth, bytes per second.
    pub max_bandwidth: Option<f32>,
    /// 1090: Maximum reservable bandwidth, bytes per second.
    pub max_reservable_bandwidth: Option<f32>,
    /// 1091: Unreserved bandwidth per priority, bytes per second.
    pub unreserved_bandwidth: Option<[f32; 8]>,
    /// 1092: TE default metric.
    pub te_metric: Option<u32>,
    /// 1095: IGP metric.
    pub igp_metric: Option<u32>,
    /// 1096: SRLGs.
    pub srlgs: Option<Vec<u32>>,
    /// 1098: Link Name.
    pub link_name: Option<String>,
    /// 1099: Adjacency SIDs.
    pub adj_sids: Vec<AdjSid>,
    /// 1114: Unidirectional link delay, microseconds, and the A (anomalous)
    /// flag.
    pub delay: Option<(bool, u32)>,
    /// 1152: IGP Flags.
    pub igp_flags: Option<u8>,
    /// 1155: Prefix metric.
    pub prefix_metric: Option<u32>,
    /// 1158: Prefix SIDs.
    pub prefix_sids: Vec<PrefixSid>,
    /// 1173: Extended administrative group (RFC 9104).
    pub extended_admin_group: Option<Vec<u32>>,
    /// TLVs not decoded here, in order: (type, value).
    pub other: Vec<(u16, Vec<u8>)>,
}

/// The low 3 bytes, big-endian.
fn three(x: u32) -> [u8; 3] {
    let [_, a, b, c] = x.to_be_bytes();
    [a, b, c]
}

fn f32_of(t: u16, v: &[u8]) -> Result<f32, LsError> {
    u32_of(t, v).map(f32::from_bits)
}

fn text(t: u16, v: &[u8]) -> Result<String, LsError> {
    if v.is_empty() || v.len() > 255 {
        return Err(bad(t, v));
    }
    Ok(String::from_utf8_lossy(v).into_owned())
}

fn pairs(t: u16, v: &[u8]) -> Result<Vec<(u8, u8)>, LsError> {
    if v.len() % 2 != 0 {
        return Err(bad(t, v));
    }
    Ok(v.chunks_exact(2)
        .map(|c| match *c {
            [a, b] => (a, b),
            _ => (0, 0),
        })
        .collect())
}

fn words(t: u16, v: &[u8]) -> Result<Vec<u32>, LsError> {
    if v.len() % 4 != 0 {
        return Err(bad(t, v));
    }
    Ok(v.chunks_exact(4)
        .map(|c| u32::from_be_bytes(c.try_into().unwrap_or([0; 4])))
        .collect())
}

impl Attribute {
    /// Decode the attribute's value. A TLV whose length overruns the
    /// attribute, a known TLV with a length its definition forbids, or a
    /// single-instance TLV twice, is an error (the attribute is malformed,
    /// RFC 9552 §8.2.2); an unknown TLV is kept in [`Attribute::other`].
    pub fn decode(v: &[u8]) -> Result<Self, LsError> {
        let mut a = Self::default();
        let mut r = Reader::new(v);
        let mut seen: Vec<u16> = Vec::new();
        while !r.is_empty() {
            let (t, v) = r.tlv().map_err(short("BGP-LS attribute"))?;
            let known = a.decode_tlv(t, v)?;
            let repeatable = matches!(t, 1099 | 1158) || !known;
            if !repeatable && seen.contains(&t) {
                return Err(LsError::Duplicate {
                    what: "BGP-LS attribute",
                    tlv: t,
                });
            }
            seen.push(t);
        }
        Ok(a)
    }

    /// Decode one TLV into its field: whether it is one decoded here.
    fn decode_tlv(&mut self, t: u16, v: &[u8]) -> Result<bool, LsError> {
        match t {
            266 => self.node_msd = Some(pairs(t, v)?),
            267 => self.link_msd = Some(pairs(t, v)?),
            1024 => match *v {
                [x] => self.node_flags = Some(x),
                _ => return Err(bad(t, v)),
            },
            1026 => self.node_name = Some(text(t, v)?),
            1027 => {
                if v.is_empty() || v.len() > 13 {
                    return Err(bad(t, v));
                }
                self.isis_area = Some(v.to_vec());
            }
            1028 => self.router_id_v4 = Some(ipv4(t, v)?),
            1029 => self.router_id_v6 = Some(ipv6(t, v)?),
            1030 => self.remote_router_id_v4 = Some(ipv4(t, v)?),
            1031 => self.remote_router_id_v6 = Some(ipv6(t, v)?),
            1034 => {
                let mut r = Reader::new(v);
                let flags = r.u8().map_err(|_| bad(t, v))?;
                r.u8().map_err(|_| bad(t, v))?;
                let mut ranges = Vec::new();
                while !r.is_empty() {
                    let size = u24(r.take(3).map_err(|_| bad(t, v))?).unwrap_or(0);
                    let (st, sv) = r.tlv().map_err(|_| bad(t, v))?;
                    if st != 1161 {
                        return Err(LsError::Unexpected {
                            what: "SR Capabilities",
                            tlv: st,
                        });
                    }
                    ranges.push(SrRange {
                        size,
                        first: Sid::decode(st, sv)?,
                    });
                }
                if ranges.is_empty() {
                    return Err(bad(t, v));
                }
                self.sr_capabilities = Some((flags, ranges));
            }
            1035 => self.sr_algorithms = Some(v.to_vec()),
            1088 => self.admin_group = Some(u32_of(t, v)?),
            1089 => self.max_bandwidth = Some(f32_of(t, v)?),
            1090 => self.max_reservable_bandwidth = Some(f32_of(t, v)?),
            1091 => {
                if v.len() != 32 {
                    return Err(bad(t, v));
                }
                let mut u = [0f32; 8];
                for (slot, c) in u.iter_mut().zip(v.chunks_exact(4)) {
                    *slot = f32::from_bits(u32::from_be_bytes(c.try_into().unwrap_or([0; 4])));
                }
                self.unreserved_bandwidth = Some(u);
            }
            // RFC 9552 §5.3.2.3: 4 bytes (some speakers sent 3 under RFC
            // 7752; accepted).
            1092 => {
                self.te_metric = Some(match v.len() {
                    3 => u24(v).unwrap_or(0),
                    _ => u32_of(t, v)?,
                })
            }
            // 1 byte (IS-IS narrow, 6 bits), 2 (OSPF), 3 (IS-IS wide).
            1095 => {
                self.igp_metric = Some(match *v {
                    [x] => u32::from(x & 0x3F),
                    [x, y] => u32::from(u16::from_be_bytes([x, y])),
                    [_, _, _] => u24(v).unwrap_or(0),
                    _ => return Err(bad(t, v)),
                })
            }
            1096 => self.srlgs = Some(words(t, v)?),
            1098 => self.link_name = Some(text(t, v)?),
            1099 => {
                let mut r = Reader::new(v);
                let flags = r.u8().map_err(|_| bad(t, v))?;
                let weight = r.u8().map_err(|_| bad(t, v))?;
                r.u16().map_err(|_| bad(t, v))?;
                let sid = Sid::decode(t, r.rest())?;
                self.adj_sids.push(AdjSid { flags, weight, sid });
            }
            1114 => {
                let x = u32_of(t, v)?;
                self.delay = Some((x & 0x8000_0000 != 0, x & 0x00FF_FFFF));
            }
            1152 => match *v {
                [x] => self.igp_flags = Some(x),
                _ => return Err(bad(t, v)),
            },
            1155 => self.prefix_metric = Some(u32_of(t, v)?),
            1158 => {
                let mut r = Reader::new(v);
                let flags = r.u8().map_err(|_| bad(t, v))?;
                let algorithm = r.u8().map_err(|_| bad(t, v))?;
                r.u16().map_err(|_| bad(t, v))?;
                let sid = Sid::decode(t, r.rest())?;
                self.prefix_sids.push(PrefixSid {
                    flags,
                    algorithm,
                    sid,
                });
            }
            1173 => self.extended_admin_group = Some(words(t, v)?),
            _ => {
                self.other.push((t, v.to_vec()));
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Encode the attribute's value, TLVs in ascending type order (the
    /// unknown ones last).
    pub fn encode(&self, o: &mut Vec<u8>) -> Result<(), TooLong> {
        fn put(o: &mut Vec<u8>, t: u16, b: &[u8]) -> Result<(), TooLong> {
            put_tlv(o, t, |o| {
                o.extend_from_slice(b);
                Ok(())
            })
        }
        let flat = |p: &[(u8, u8)]| p.iter().flat_map(|&(a, b)| [a, b]).collect::<Vec<u8>>();
        let words = |w: &[u32]| w.iter().flat_map(|x| x.to_be_bytes()).collect::<Vec<u8>>();
        if let Some(m) = &self.node_msd {
            put(o, 266, &flat(m))?;
        }
        if let Some(m) = &self.link_msd {
            put(o, 267, &flat(m))?;
        }
        if let Some(x) = self.node_flags {
            put(o, 1024, &[x])?;
        }
        if let Some(x) = &self.node_name {
            put(o, 1026, x.as_bytes())?;
        }
        if let Some(x) = &self.isis_area {
            put(o, 1027, x)?;
        }
        if let Some(x) = self.router_id_v4 {
            put(o, 1028, &x.octets())?;
        }
        if let Some(x) = self.router_id_v6 {
            put(o, 1029, &x.octets())?;
        }
        if let Some(x) = self.remote_router_id_v4 {
            put(o, 1030, &x.octets())?;
        }
        if let Some(x) = self.remote_router_id_v6 {
            put(o, 1031, &x.octets())?;
        }
        if let Some((flags, ranges)) = &self.sr_capabilities {
            put_tlv(o, 1034, |o| {
                o.extend_from_slice(&[*flags, 0]);
                for r in ranges {
                    o.extend_from_slice(&three(r.size));
                    put_tlv(o, 1161, |o| {
                        r.first.encode(o);
                        Ok(())
                    })?;
                }
                Ok(())
            })?;
        }
        if let Some(x) = &self.sr_algorithms {
            put(o, 1035, x)?;
        }
        if let Some(x) = self.admin_group {
            put(o, 1088, &x.to_be_bytes())?;
        }
        if let Some(x) = self.max_bandwidth {
            put(o, 1089, &x.to_bits().to_be_bytes())?;
        }
        if let Some(x) = self.max_reservable_bandwidth {
            put(o, 1090, &x.to_bits().to_be_bytes())?;
        }
        if let Some(u) = &self.unreserved_bandwidth {
            let b: Vec<u8> = u.iter().flat_map(|x| x.to_bits().to_be_bytes()).collect();
            put(o, 1091, &b)?;
        }
        if let Some(x) = self.te_metric {
            put(o, 1092, &x.to_be_bytes())?;
        }
        if let Some(x) = self.igp_metric {
            put(o, 1095, &three(x))?;
        }
        if let Some(x) = &self.srlgs {
            put(o, 1096, &words(x))?;
        }
        if let Some(x) = &self.link_name {
            put(o, 1098, x.as_bytes())?;
        }
        for a in &self.adj_sids {
            put_tlv(o, 1099, |o| {
                o.extend_from_slice(&[a.flags, a.weight, 0, 0]);
                a.sid.encode(o);
                Ok(())
            })?;
        }
        if let Some((anomalous, d)) = self.delay {
            let x = (d & 0x00FF_FFFF) | if anomalous { 0x8000_0000 } else { 0 };
            put(o, 1114, &x.to_be_bytes())?;
        }
        if let Some(x) = self.igp_flags {
            put(o, 1152, &[x])?;
        }
        if let Some(x) = self.prefix_metric {
            put(o, 1155, &x.to_be_bytes())?;
        }
        for p in &self.prefix_sids {
            put_tlv(o, 1158, |o| {
                o.extend_from_slice(&[p.flags, p.algorithm, 0, 0]);
                p.sid.encode(o);
                Ok(())
            })?;
        }
        if let Some(x) = &self.extended_admin_group {
            put(o, 1173, &words(x))?;
        }
        for (t, v) in &self.other {
            put(o, *t, v)?;
        }
        Ok(())
    }
}
