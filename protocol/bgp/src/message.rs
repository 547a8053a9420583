//! BGP messages (RFC 4271 §4) and what a fault in each means on the wire.
//!
//! ```text
//!  | Marker (16, all ones) | Length (2) | Type (1) | body |
//! ```
//!
//! Faults that make the session unusable are a [`Notification`] to send
//! before closing (RFC 4271 §6). Faults in an UPDATE that leave its NLRIs
//! locatable are not: the UPDATE decodes with
//! [`Update::treat_as_withdraw`] set (RFC 7606 §2), and the receiver
//! withdraws what it announces.

use std::net::Ipv4Addr;

use serde::Serialize;

use crate::reader::{Reader, TooLong};
use crate::{AFI_LS, SAFI_LS};

/// Header length.
pub const HEADER_LEN: usize = 19;
/// Largest message without the extended message capability (RFC 8654),
/// which this speaker does not advertise.
pub const MAX_LEN: usize = 4096;
/// The AS number an OPEN carries for a 4-octet AS (RFC 6793).
pub const AS_TRANS: u16 = 23456;

/// Message types.
mod kind {
    pub(super) const OPEN: u8 = 1;
    pub(super) const UPDATE: u8 = 2;
    pub(super) const NOTIFICATION: u8 = 3;
    pub(super) const KEEPALIVE: u8 = 4;
    pub(super) const ROUTE_REFRESH: u8 = 5;
}

/// Path attribute type codes.
mod attr {
    pub(super) const ORIGIN: u8 = 1;
    pub(super) const AS_PATH: u8 = 2;
    pub(super) const NEXT_HOP: u8 = 3;
    pub(super) const MED: u8 = 4;
    pub(super) const LOCAL_PREF: u8 = 5;
    pub(super) const MP_REACH: u8 = 14;
    pub(super) const MP_UNREACH: u8 = 15;
    pub(super) const BGP_LS: u8 = 29;
}

/// Optional attributes of the IANA registry (their flags say optional).
const KNOWN_OPTIONAL: [u8; 17] = [
    4, 7, 8, 9, 10, 14, 15, 16, 17, 18, 22, 23, 25, 26, 29, 32, 35,
];

const OPTIONAL: u8 = 0x80;
const TRANSITIVE: u8 = 0x40;
const EXTENDED: u8 = 0x10;

/// A NOTIFICATION (RFC 4271 §4.5): error code, subcode, data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// Error code.
    pub code: u8,
    /// Error subcode.
    pub subcode: u8,
    /// Data.
    pub data: Vec<u8>,
}

/// Error codes and subcodes (RFC 4271 §4.5, RFC 4486, RFC 5492).
pub mod error {
    /// Message Header Error.
    pub const HEADER: u8 = 1;
    /// Connection not synchronized (bad marker).
    pub const HEADER_NOT_SYNCHRONIZED: u8 = 1;
    /// Bad message length.
    pub const HEADER_BAD_LENGTH: u8 = 2;
    /// Bad message type.
    pub const HEADER_BAD_TYPE: u8 = 3;
    /// OPEN Message Error.
    pub const OPEN: u8 = 2;
    /// Unsupported version number.
    pub const OPEN_VERSION: u8 = 1;
    /// Bad peer AS.
    pub const OPEN_BAD_PEER_AS: u8 = 2;
    /// Bad BGP identifier.
    pub const OPEN_BAD_IDENTIFIER: u8 = 3;
    /// Unsupported optional parameter.
    pub const OPEN_UNSUPPORTED_PARAMETER: u8 = 4;
    /// Unacceptable hold time.
    pub const OPEN_HOLD_TIME: u8 = 6;
    /// Unsupported capability (RFC 5492).
    pub const OPEN_UNSUPPORTED_CAPABILITY: u8 = 7;
    /// UPDATE Message Error.
    pub const UPDATE: u8 = 3;
    /// Malformed attribute list.
    pub const UPDATE_MALFORMED_LIST: u8 = 1;
    /// Unrecognized well-known attribute.
    pub const UPDATE_UNRECOGNIZED_WELL_KNOWN: u8 = 2;
    /// Attribute flags error.
    pub const UPDATE_FLAGS: u8 = 4;
    /// Attribute length error.
    pub const UPDATE_LENGTH: u8 = 5;
    /// Optional attribute error.
    pub const UPDATE_OPTIONAL: u8 = 9;
    /// Hold Timer Expired.
    pub const HOLD_TIMER: u8 = 4;
    /// Finite State Machine Error.
    pub const FSM: u8 = 5;
    /// Cease.
    pub const CEASE: u8 = 6;
    /// Administrative shutdown (RFC 4486).
    pub const CEASE_SHUTDOWN: u8 = 2;
    /// Connection collision resolution (RFC 4486).
    pub const CEASE_COLLISION: u8 = 7;
    /// Out of resources (RFC 4486).
    pub const CEASE_RESOURCES: u8 = 8;
}

impl Notification {
    /// A notification without data.
    pub const fn new(code: u8, subcode: u8) -> Self {
        Self {
            code,
            subcode,
            data: Vec::new(),
        }
    }

    fn with(code: u8, subcode: u8, data: &[u8]) -> Self {
        Self {
            code,
            subcode,
            data: data.to_vec(),
        }
    }

    /// The error's name, for logs.
    pub fn describe(&self) -> String {
        use error::*;
        let what = match (self.code, self.subcode) {
            (HEADER, HEADER_NOT_SYNCHRONIZED) => "message header: connection not synchronized",
            (HEADER, HEADER_BAD_LENGTH) => "message header: bad message length",
            (HEADER, HEADER_BAD_TYPE) => "message header: bad message type",
            (HEADER, _) => "message header error",
            (OPEN, OPEN_VERSION) => "OPEN: unsupported version number",
            (OPEN, OPEN_BAD_PEER_AS) => "OPEN: bad peer AS",
            (OPEN, OPEN_BAD_IDENTIFIER) => "OPEN: bad BGP identifier",
            (OPEN, OPEN_UNSUPPORTED_PARAMETER) => "OPEN: unsupported optional parameter",
            (OPEN, OPEN_HOLD_TIME) => "OPEN: unacceptable hold time",
            (OPEN, OPEN_UNSUPPORTED_CAPABILITY) => "OPEN: unsupported capability",
            (OPEN, _) => "OPEN message error",
            (UPDATE, UPDATE_MALFORMED_LIST) => "UPDATE: malformed attribute list",
            (UPDATE, UPDATE_UNRECOGNIZED_WELL_KNOWN) => "UPDATE: unrecognized well-known attribute",
            (UPDATE, UPDATE_FLAGS) => "UPDATE: attribute flags error",
            (UPDATE, UPDATE_LENGTH) => "UPDATE: attribute length error",
            (UPDATE, UPDATE_OPTIONAL) => "UPDATE: optional attribute error",
            (UPDATE, _) => "UPDATE message error",
            (HOLD_TIMER, _) => "hold timer expired",
            (FSM, _) => "finite state machine error",
            (CEASE, CEASE_SHUTDOWN) => "cease: administrative shutdown",
            (CEASE, CEASE_COLLISION) => "cease: connection collision resolution",
            (CEASE, CEASE_RESOURCES) => "cease: out of resources",
            (CEASE, _) => "cease",
            _ => "unknown error",
        };
        format!("{what} ({}/{})", self.code, self.subcode)
    }
}

/// A capability (RFC 5492).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Capability {
    /// 1: Multiprotocol extensions (RFC 4760): AFI, SAFI.
    Multiprotocol(u16, u8),
    /// 2: Route refresh (RFC 2918).
    RouteRefresh,
    /// 65: 4-octet AS number (RFC 6793).
    FourOctetAs(u32),
    /// Any other, kept: code and value.
    Other(u8, Vec<u8>),
}

/// An OPEN (RFC 4271 §4.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Open {
    /// The sender's AS (from the 4-octet capability where present).
    pub asn: u32,
    /// Hold time, seconds (0, or 3 and more).
    pub hold_time: u16,
    /// BGP Identifier.
    pub identifier: Ipv4Addr,
    /// Capabilities.
    pub capabilities: Vec<Capability>,
}

impl Open {
    /// Whether it advertises `afi`/`safi`.
    pub fn supports(&self, afi: u16, safi: u8) -> bool {
        self.capabilities
            .contains(&Capability::Multiprotocol(afi, safi))
    }

    /// Whether it advertises the Graceful Restart capability (64): with
    /// or without address families, the sender says that it ends its
    /// initial update with an End-of-RIB marker (RFC 4724 §2-3).
    pub fn sends_end_of_rib(&self) -> bool {
        self.capabilities
            .iter()
            .any(|c| matches!(c, Capability::Other(GRACEFUL_RESTART, _)))
    }
}

/// The Graceful Restart capability's code (RFC 4724 §3).
pub const GRACEFUL_RESTART: u8 = 64;

/// An UPDATE as a BGP-LS receiver reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Update {
    /// Link-state NLRIs announced (MP_REACH_NLRI, AFI 16388 / SAFI 71),
    /// each its full TLV.
    pub announced: Vec<Vec<u8>>,
    /// Link-state NLRIs withdrawn (MP_UNREACH_NLRI).
    pub withdrawn: Vec<Vec<u8>>,
    /// The BGP-LS attribute's value (type 29).
    pub ls_attribute: Option<Vec<u8>>,
    /// The AS_PATH's AS numbers, in order.
    pub as_path: Vec<u32>,
    /// Why the announced NLRIs must be treated as withdrawn (RFC 7606
    /// §2), if they must.
    pub treat_as_withdraw: Option<String>,
    /// What was ignored: other address families, attributes discarded.
    pub ignored: Vec<String>,
    /// The End-of-RIB marker of BGP-LS (RFC 4724 §2): an UPDATE whose
    /// only attribute is an MP_UNREACH_NLRI of AFI 16388 / SAFI 71 with
    /// no NLRI. The sender's initial update is complete.
    pub end_of_rib: bool,
}

/// A BGP message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Message {
    /// OPEN.
    Open(Open),
    /// UPDATE.
    Update(Update),
    /// NOTIFICATION.
    Notification(Notification),
    /// KEEPALIVE.
    Keepalive,
    /// ROUTE-REFRESH (RFC 2918): AFI, SAFI.
    RouteRefresh(u16, u8),
}

/// The length of the message at the head of `buf`, from its header:
/// `Ok(None)` until the header is there, the NOTIFICATION to send when
/// the marker or the length is wrong (RFC 4271 §6.1).
pub fn frame_len(buf: &[u8]) -> Result<Option<usize>, Notification> {
    let Some(header) = buf.get(..HEADER_LEN) else {
        return Ok(None);
    };
    let (marker, rest) = header.split_at(16);
    if marker.iter().any(|&b| b != 0xFF) {
        return Err(Notification::new(
            error::HEADER,
            error::HEADER_NOT_SYNCHRONIZED,
        ));
    }
    let (len, ty) = match *rest {
        [a, b, t] => (usize::from(u16::from_be_bytes([a, b])), t),
        _ => return Ok(None),
    };
    let min = match ty {
        kind::OPEN => 29,
        kind::UPDATE => 23,
        kind::NOTIFICATION => 21,
        kind::ROUTE_REFRESH => 23,
        _ => HEADER_LEN,
    };
    let exact =
        (ty == kind::KEEPALIVE && len != HEADER_LEN) || (ty == kind::ROUTE_REFRESH && len != 23);
    if !(min..=MAX_LEN).contains(&len) || exact {
        let l = u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes();
        return Err(Notification::with(
            error::HEADER,
            error::HEADER_BAD_LENGTH,
            &l,
        ));
    }
    Ok(Some(len))
}

impl Message {
    /// Decode one whole message (as [`frame_len`] delimited it); `four_octet`
    /// says whether both sides advertised 4-octet AS numbers (AS_PATH
    /// width). An error is the NOTIFICATION to send before closing.
    pub fn decode(frame: &[u8], four_octet: bool) -> Result<Self, Notification> {
        let len = frame_len(frame)?
            .ok_or_else(|| Notification::new(error::HEADER, error::HEADER_BAD_LENGTH))?;
        let (Some(&ty), Some(body)) = (frame.get(18), frame.get(HEADER_LEN..len)) else {
            return Err(Notification::new(error::HEADER, error::HEADER_BAD_LENGTH));
        };
        match ty {
            kind::OPEN => decode_open(body).map(Self::Open),
            kind::UPDATE => decode_update(body, four_octet).map(Self::Update),
            kind::NOTIFICATION => {
                let mut r = Reader::new(body);
                let code = r.u8().unwrap_or(0);
                let subcode = r.u8().unwrap_or(0);
                Ok(Self::Notification(Notification::with(
                    code,
                    subcode,
                    r.rest(),
                )))
            }
            kind::KEEPALIVE => Ok(Self::Keepalive),
            kind::ROUTE_REFRESH => {
                let mut r = Reader::new(body);
                let afi = r.u16().unwrap_or(0);
                r.u8().unwrap_or(0);
                Ok(Self::RouteRefresh(afi, r.u8().unwrap_or(0)))
            }
            other => Err(Notification::with(
                error::HEADER,
                error::HEADER_BAD_TYPE,
                &[other],
            )),
        }
    }

    /// Encode, header included.
    pub fn encode(&self) -> Result<Vec<u8>, TooLong> {
        let mut out = vec![0xFF; 16];
        out.extend_from_slice(&[0, 0, 0]);
        let ty = match self {
            Self::Open(o) => {
                encode_open(o, &mut out)?;
                kind::OPEN
            }
            Self::Update(u) => {
                encode_update(u, &mut out)?;
                kind::UPDATE
            }
            Self::Notification(n) => {
                out.extend_from_slice(&[n.code, n.subcode]);
                out.extend_from_slice(&n.data);
                kind::NOTIFICATION
            }
            Self::Keepalive => kind::KEEPALIVE,
            Self::RouteRefresh(afi, safi) => {
                out.extend_from_slice(&afi.to_be_bytes());
                out.extend_from_slice(&[0, *safi]);
                kind::ROUTE_REFRESH
            }
        };
        if out.len() > MAX_LEN {
            return Err(TooLong);
        }
        let len = u16::try_from(out.len()).map_err(|_| TooLong)?;
        if let Some(slot) = out.get_mut(16..19) {
            let [a, b] = len.to_be_bytes();
            slot.copy_from_slice(&[a, b, ty]);
        }
        Ok(out)
    }
}

/// ```text
///  | Version (1) | My AS (2) | Hold Time (2) | BGP Identifier (4) |
///  | Opt Parm Len (1) | Optional Parameters |
/// ```
fn decode_open(body: &[u8]) -> Result<Open, Notification> {
    let bad_len = || Notification::new(error::HEADER, error::HEADER_BAD_LENGTH);
    let mut r = Reader::new(body);
    let version = r.u8().map_err(|_| bad_len())?;
    if version != 4 {
        return Err(Notification::with(
            error::OPEN,
            error::OPEN_VERSION,
            &[0, 4],
        ));
    }
    let my_as = r.u16().map_err(|_| bad_len())?;
    let hold_time = r.u16().map_err(|_| bad_len())?;
    let identifier = Ipv4Addr::from(r.u32().map_err(|_| bad_len())?);
    let mut opt_len = usize::from(r.u8().map_err(|_| bad_len())?);
    let mut extended = false;
    // RFC 9072: extended optional parameters length.
    if opt_len == 255 && r.remaining() >= 3 && body.get(10) == Some(&255) {
        r.u8().map_err(|_| bad_len())?;
        opt_len = usize::from(r.u16().map_err(|_| bad_len())?);
        extended = true;
    }
    if opt_len != r.remaining() {
        return Err(Notification::new(error::OPEN, 0));
    }
    let mut capabilities = Vec::new();
    while !r.is_empty() {
        let ptype = r.u8().map_err(|_| Notification::new(error::OPEN, 0))?;
        let plen = if extended {
            r.u16().map(usize::from)
        } else {
            r.u8().map(usize::from)
        }
        .map_err(|_| Notification::new(error::OPEN, 0))?;
        let value = r
            .take(plen)
            .map_err(|_| Notification::new(error::OPEN, 0))?;
        if ptype != 2 {
            return Err(Notification::new(
                error::OPEN,
                error::OPEN_UNSUPPORTED_PARAMETER,
            ));
        }
        let mut c = Reader::new(value);
        while !c.is_empty() {
            let malformed = |_| Notification::new(error::OPEN, 0);
            let code = c.u8().map_err(malformed)?;
            let len = usize::from(c.u8().map_err(malformed)?);
            let v = c.take(len).map_err(malformed)?;
            capabilities.push(match (code, v) {
                (1, [a, b, _, s]) => Capability::Multiprotocol(u16::from_be_bytes([*a, *b]), *s),
                (2, []) => Capability::RouteRefresh,
                (65, [a, b, x, y]) => Capability::FourOctetAs(u32::from_be_bytes([*a, *b, *x, *y])),
                (1 | 2 | 65, _) => return Err(Notification::new(error::OPEN, 0)),
                (code, v) => Capability::Other(code, v.to_vec()),
            });
        }
    }
    if hold_time == 1 || hold_time == 2 {
        return Err(Notification::new(error::OPEN, error::OPEN_HOLD_TIME));
    }
    let asn = capabilities
        .iter()
        .find_map(|c| match c {
            Capability::FourOctetAs(a) => Some(*a),
            _ => None,
        })
        .unwrap_or(u32::from(my_as));
    Ok(Open {
        asn,
        hold_time,
        identifier,
        capabilities,
    })
}

fn encode_open(o: &Open, out: &mut Vec<u8>) -> Result<(), TooLong> {
    out.push(4);
    let my_as = u16::try_from(o.asn).unwrap_or(AS_TRANS);
    out.extend_from_slice(&my_as.to_be_bytes());
    out.extend_from_slice(&o.hold_time.to_be_bytes());
    out.extend_from_slice(&o.identifier.octets());
    let mut caps = Vec::new();
    for c in &o.capabilities {
        let (code, v) = match c {
            Capability::Multiprotocol(afi, safi) => {
                let [a, b] = afi.to_be_bytes();
                (1, vec![a, b, 0, *safi])
            }
            Capability::RouteRefresh => (2, Vec::new()),
            Capability::FourOctetAs(a) => (65, a.to_be_bytes().to_vec()),
            Capability::Other(code, v) => (*code, v.clone()),
        };
        caps.push(code);
        caps.push(u8::try_from(v.len()).map_err(|_| TooLong)?);
        caps.extend_from_slice(&v);
    }
    // One Capabilities parameter.
    let param_len = u8::try_from(caps.len()).map_err(|_| TooLong)?;
    if caps.is_empty() {
        out.push(0);
    } else {
        out.push(param_len.checked_add(2).ok_or(TooLong)?);
        out.extend_from_slice(&[2, param_len]);
        out.extend_from_slice(&caps);
    }
    Ok(())
}

/// One path attribute's header and value.
struct RawAttr<'a> {
    flags: u8,
    code: u8,
    value: &'a [u8],
}

/// ```text
///  | Withdrawn Routes Length (2) | Withdrawn Routes |
///  | Total Path Attribute Length (2) | Path Attributes | NLRI |
/// ```
fn decode_update(body: &[u8], four_octet: bool) -> Result<Update, Notification> {
    let malformed = || Notification::new(error::UPDATE, error::UPDATE_MALFORMED_LIST);
    let mut r = Reader::new(body);
    let wlen = usize::from(r.u16().map_err(|_| malformed())?);
    let withdrawn_v4 = r.take(wlen).map_err(|_| malformed())?;
    let alen = usize::from(r.u16().map_err(|_| malformed())?);
    let attrs = r.take(alen).map_err(|_| malformed())?;
    let nlri_v4 = r.rest();
    let mut u = Update::default();
    if !withdrawn_v4.is_empty() || !nlri_v4.is_empty() {
        u.ignored
            .push("IPv4 unicast routes (address family not negotiated)".into());
    }
    // Split the attributes; a length past the list leaves the rest
    // unreadable: treat-as-withdraw if the MP attributes came before it,
    // else a session reset (RFC 7606 §4: the NLRIs cannot be located).
    let mut list = Vec::new();
    let mut a = Reader::new(attrs);
    let mut overrun = false;
    while !a.is_empty() {
        let parsed = (|| {
            let flags = a.u8()?;
            let code = a.u8()?;
            let len = if flags & EXTENDED != 0 {
                usize::from(a.u16()?)
            } else {
                usize::from(a.u8()?)
            };
            Ok::<_, crate::reader::Short>(RawAttr {
                flags,
                code,
                value: a.take(len)?,
            })
        })();
        match parsed {
            Ok(x) => list.push(x),
            Err(_) => {
                overrun = true;
                break;
            }
        }
    }
    let mut seen: Vec<u8> = Vec::new();
    let mut fault: Option<String> = None;
    let withdraw_fault = |f: &mut Option<String>, why: String| {
        if f.is_none() {
            *f = Some(why);
        }
    };
    let (mut has_origin, mut has_as_path) = (false, false);
    for x in &list {
        if seen.contains(&x.code) {
            if matches!(x.code, attr::MP_REACH | attr::MP_UNREACH) {
                // RFC 7606 §3 g.
                return Err(malformed());
            }
            u.ignored
                .push(format!("a second attribute of type {} (discarded)", x.code));
            continue;
        }
        seen.push(x.code);
        let well_known = x.flags & OPTIONAL == 0;
        let flags_ok = |optional: bool, transitive: bool| {
            (x.flags & OPTIONAL != 0) == optional && (x.flags & TRANSITIVE != 0) == transitive
        };
        match x.code {
            attr::ORIGIN => {
                has_origin = true;
                if !flags_ok(false, true) || !matches!(x.value, [0..=2]) {
                    withdraw_fault(&mut fault, "malformed ORIGIN".into());
                }
            }
            attr::AS_PATH => {
                has_as_path = true;
                match (flags_ok(false, true), as_path(x.value, four_octet)) {
                    (true, Some(path)) => u.as_path = path,
                    _ => withdraw_fault(&mut fault, "malformed AS_PATH".into()),
                }
            }
            attr::NEXT_HOP if !flags_ok(false, true) || x.value.len() != 4 => {
                withdraw_fault(&mut fault, "malformed NEXT_HOP".into());
            }
            attr::MED if !flags_ok(true, false) || x.value.len() != 4 => {
                withdraw_fault(&mut fault, "malformed MULTI_EXIT_DISC".into());
            }
            attr::LOCAL_PREF if !flags_ok(false, true) || x.value.len() != 4 => {
                withdraw_fault(&mut fault, "malformed LOCAL_PREF".into());
            }
            // RFC 7606 §7.11: an MP attribute that cannot be parsed is a
            // session reset (or AFI/SAFI disable; this session carries
            // only BGP-LS).
            attr::MP_REACH | attr::MP_UNREACH => {
                if !flags_ok(true, false) {
                    return Err(Notification::new(error::UPDATE, error::UPDATE_FLAGS));
                }
                let reach = x.code == attr::MP_REACH;
                match mp_nlris(x.value, reach)? {
                    Ok(nlris) if reach => u.announced = nlris,
                    Ok(nlris) => u.withdrawn = nlris,
                    Err((afi, safi)) => u.ignored.push(format!(
                        "{} of AFI {afi} SAFI {safi} (not negotiated)",
                        if reach {
                            "MP_REACH_NLRI"
                        } else {
                            "MP_UNREACH_NLRI"
                        }
                    )),
                }
            }
            attr::BGP_LS => {
                if !flags_ok(true, false) {
                    withdraw_fault(&mut fault, "BGP-LS attribute with wrong flags".into());
                } else {
                    u.ls_attribute = Some(x.value.to_vec());
                }
            }
            // Well formed, or ATOMIC_AGGREGATE: nothing more to check.
            attr::NEXT_HOP | attr::MED | attr::LOCAL_PREF | 6 => {}
            // A known optional attribute without the optional flag (RFC
            // 7606 §3 c).
            code if well_known && KNOWN_OPTIONAL.contains(&code) => {
                withdraw_fault(&mut fault, format!("attribute {code} with wrong flags"));
            }
            code if well_known => {
                // RFC 4271 §6.3 (unchanged by RFC 7606).
                let mut data = vec![x.flags, code];
                if let Ok(l) = u8::try_from(x.value.len()) {
                    data.push(l);
                }
                data.extend_from_slice(x.value);
                return Err(Notification::with(
                    error::UPDATE,
                    error::UPDATE_UNRECOGNIZED_WELL_KNOWN,
                    &data,
                ));
            }
            _ => {}
        }
    }
    if overrun {
        if !seen
            .iter()
            .any(|&c| c == attr::MP_REACH || c == attr::MP_UNREACH)
        {
            return Err(malformed());
        }
        withdraw_fault(&mut fault, "path attributes overrun their list".into());
    }
    if !u.announced.is_empty() && (!has_origin || !has_as_path) {
        withdraw_fault(&mut fault, "ORIGIN or AS_PATH missing".into());
    }
    u.end_of_rib = list.len() == 1
        && u.announced.is_empty()
        && u.withdrawn.is_empty()
        && list.first().is_some_and(|x| {
            x.code == attr::MP_UNREACH
                && x.value == [AFI_LS.to_be_bytes()[0], AFI_LS.to_be_bytes()[1], SAFI_LS]
        });
    u.treat_as_withdraw = fault;
    Ok(u)
}

/// An MP attribute's link-state NLRIs (`Ok(Ok)`), its AFI and SAFI when
/// they are not BGP-LS (`Ok(Err)`), or the NOTIFICATION when it cannot be
/// parsed. MP_REACH_NLRI has a next hop and a reserved byte after them.
#[allow(clippy::type_complexity)]
fn mp_nlris(v: &[u8], reach: bool) -> Result<Result<Vec<Vec<u8>>, (u16, u8)>, Notification> {
    let opt = || Notification::new(error::UPDATE, error::UPDATE_OPTIONAL);
    let mut m = Reader::new(v);
    let afi = m.u16().map_err(|_| opt())?;
    let safi = m.u8().map_err(|_| opt())?;
    if reach {
        let nh_len = usize::from(m.u8().map_err(|_| opt())?);
        m.take(nh_len).map_err(|_| opt())?;
        m.u8().map_err(|_| opt())?;
    }
    if (afi, safi) != (AFI_LS, SAFI_LS) {
        return Ok(Err((afi, safi)));
    }
    split_nlris(m.rest()).map(Ok).ok_or_else(opt)
}

/// AS_PATH segments (RFC 4271 §4.3): type (1-4), count, ASes.
fn as_path(v: &[u8], four_octet: bool) -> Option<Vec<u32>> {
    let mut r = Reader::new(v);
    let mut path = Vec::new();
    while !r.is_empty() {
        let ty = r.u8().ok()?;
        let n = usize::from(r.u8().ok()?);
        if !(1..=4).contains(&ty) || n == 0 {
            return None;
        }
        for _ in 0..n {
            path.push(if four_octet {
                r.u32().ok()?
            } else {
                u32::from(r.u16().ok()?)
            });
        }
    }
    Some(path)
}

/// The NLRIs of an MP attribute, each its full TLV; `None` when one
/// overruns the attribute (the rest cannot be located).
fn split_nlris(v: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut r = Reader::new(v);
    let mut out = Vec::new();
    while !r.is_empty() {
        let head = r.take(4).ok()?;
        let len = match *head {
            [_, _, a, b] => usize::from(u16::from_be_bytes([a, b])),
            _ => return None,
        };
        let body = r.take(len).ok()?;
        let mut nlri = head.to_vec();
        nlri.extend_from_slice(body);
        out.push(nlri);
    }
    Some(out)
}

fn put_attr(out: &mut Vec<u8>, flags: u8, code: u8, value: &[u8]) -> Result<(), TooLong> {
    if value.len() > 255 {
        out.extend_from_slice(&[flags | EXTENDED, code]);
        out.extend_from_slice(
            &u16::try_from(value.len())
                .map_err(|_| TooLong)?
                .to_be_bytes(),
        );
    } else {
        out.extend_from_slice(&[flags, code, value.len() as u8]);
    }
    out.extend_from_slice(value);
    Ok(())
}

/// An UPDATE as an originator sends it (tests and tools): ORIGIN IGP,
/// the AS_PATH (one AS_SEQUENCE, 4-octet ASes), MP_REACH_NLRI with next
/// hop 0.0.0.0 for the announced NLRIs and the BGP-LS attribute, or
/// MP_UNREACH_NLRI for the withdrawn (without NLRIs: the End-of-RIB
/// marker).
fn encode_update(u: &Update, out: &mut Vec<u8>) -> Result<(), TooLong> {
    out.extend_from_slice(&[0, 0]);
    let mut attrs = Vec::new();
    if !u.announced.is_empty() {
        put_attr(&mut attrs, TRANSITIVE, attr::ORIGIN, &[0])?;
        let mut path = Vec::new();
        if !u.as_path.is_empty() {
            path.push(2);
            path.push(u8::try_from(u.as_path.len()).map_err(|_| TooLong)?);
            for a in &u.as_path {
                path.extend_from_slice(&a.to_be_bytes());
            }
        }
        put_attr(&mut attrs, TRANSITIVE, attr::AS_PATH, &path)?;
        let mut mp = AFI_LS.to_be_bytes().to_vec();
        mp.extend_from_slice(&[SAFI_LS, 4, 0, 0, 0, 0, 0]);
        for n in &u.announced {
            mp.extend_from_slice(n);
        }
        put_attr(&mut attrs, OPTIONAL, attr::MP_REACH, &mp)?;
    }
    if !u.withdrawn.is_empty() || u.end_of_rib {
        let mut mp = AFI_LS.to_be_bytes().to_vec();
        mp.push(SAFI_LS);
        for n in &u.withdrawn {
            mp.extend_from_slice(n);
        }
        put_attr(&mut attrs, OPTIONAL, attr::MP_UNREACH, &mp)?;
    }
    if let Some(a) = &u.ls_attribute {
        put_attr(&mut attrs, OPTIONAL, attr::BGP_LS, a)?;
    }
    out.extend_from_slice(
        &u16::try_from(attrs.len())
            .map_err(|_| TooLong)?
            .to_be_bytes(),
    );
    out.extend_from_slice(&attrs);
    Ok(())
}
