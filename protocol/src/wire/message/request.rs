//! PCReq and PCRep (RFC 5440 §6.4-6.5, with RFC 5541, RFC 5521, RFC 8231
//! §6.4-6.5 and RFC 8697 additions), and the attribute list they share with
//! the stateful messages.

use bytes::BytesMut;
use serde::Serialize;

use super::basic::{check_rp_encode, check_rp_processing};
use super::{Objects, UnitWriter, UnknownAt};
use crate::wire::config::WireConfig;
use crate::wire::error::{DecodeError, EncodeError};
use crate::wire::iana::{MessageType, ObjectClass};
use crate::wire::object::{
    Association, Bandwidth, EndPoints, Ero, Iro, LoadBalancing, Lsp, Lspa, Metric, NoPath, Object,
    Of, Rp, Rro, Svec, VendorInformation, Xro,
};

/// An attribute list (RFC 5440 §6.5, extended by RFC 5541, RFC 5521 and
/// RFC 7470): constraints in a request, the computed path's attributes in a
/// reply, intended/actual attributes in PCRpt, PCUpd and PCInitiate.
///
/// ```text
/// <attribute-list> ::= [<OF>] [<LSPA>] [<BANDWIDTH>] [<metric-list>]
///                      [<IRO>] [<XRO>] [<VENDOR-INFORMATION>...]
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Attributes {
    /// OF (boxed, like IRO and XRO: rare, and the list stays small to move).
    pub of: Option<Box<Of>>,
    /// LSPA.
    pub lspa: Option<Lspa>,
    /// BANDWIDTH.
    pub bandwidth: Option<Bandwidth>,
    /// METRIC objects.
    pub metrics: Vec<Metric>,
    /// IRO.
    pub iro: Option<Box<Iro>>,
    /// XRO.
    pub xro: Option<Box<Xro>>,
    /// VENDOR-INFORMATION objects.
    pub vendor: Vec<VendorInformation>,
}

impl Attributes {
    /// Place `o` in this list, or give it back if the list has no room for it.
    pub(crate) fn absorb(&mut self, o: Object) -> Result<(), Object> {
        match o {
            Object::Of(x) if self.of.is_none() => self.of = Some(Box::new(x)),
            Object::Lspa(x) if self.lspa.is_none() => self.lspa = Some(x),
            Object::Bandwidth(x) if self.bandwidth.is_none() => self.bandwidth = Some(x),
            Object::Metric(x) => self.metrics.push(x),
            Object::Iro(x) if self.iro.is_none() => self.iro = Some(Box::new(x)),
            Object::Xro(x) if self.xro.is_none() => self.xro = Some(Box::new(x)),
            Object::VendorInformation(x) => self.vendor.push(x),
            other => return Err(other),
        }
        Ok(())
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.of.is_none()
            && self.lspa.is_none()
            && self.bandwidth.is_none()
            && self.metrics.is_empty()
            && self.iro.is_none()
            && self.xro.is_none()
            && self.vendor.is_empty()
    }

    pub(crate) fn encode(&self, w: &mut UnitWriter<'_, '_>) -> Result<(), EncodeError> {
        w.put_opt(self.of.as_deref())?;
        w.put_opt(self.lspa.as_ref())?;
        w.put_opt(self.bandwidth.as_ref())?;
        w.put_all(&self.metrics)?;
        w.put_opt(self.iro.as_deref())?;
        w.put_opt(self.xro.as_deref())?;
        w.put_all(&self.vendor)
    }
}

/// PCReq (RFC 5440 §6.4).
///
/// ```text
/// <PCReq Message> ::= <Common Header> [<svec-list>] <request-list>
/// <svec-list> ::= <SVEC> [<OF>] [<metric-list>] [<svec-list>]
/// <request> ::= <RP> <END-POINTS> [<LSP>] [<association-list>]
///               <attribute-list> [<RRO> [<BANDWIDTH>]] [<LOAD-BALANCING>]
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PcReq {
    /// Synchronization vectors.
    pub svecs: Vec<SvecEntry>,
    /// Requests, at least one.
    pub requests: Vec<Request>,
}

/// One `<svec-list>` entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SvecEntry {
    /// SVEC.
    pub svec: Svec,
    /// OF for the set (RFC 5541).
    pub of: Option<Of>,
    /// Metrics for the set (RFC 5541).
    pub metrics: Vec<Metric>,
    /// Unknown objects kept, with their position.
    pub unknown: Vec<UnknownAt>,
}

/// One path computation request.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Request {
    /// RP (P flag set).
    pub rp: Rp,
    /// END-POINTS.
    pub end_points: EndPoints,
    /// LSP (passive stateful, RFC 8231 §5.8.1).
    pub lsp: Option<Lsp>,
    /// ASSOCIATION objects (RFC 8697).
    pub associations: Vec<Association>,
    /// Constraints.
    pub attributes: Attributes,
    /// RRO of the LSP to reoptimize.
    pub rro: Option<Rro>,
    /// BANDWIDTH following the RRO: the existing LSP's bandwidth.
    pub rro_bandwidth: Option<Bandwidth>,
    /// LOAD-BALANCING.
    pub load_balancing: Option<LoadBalancing>,
    /// Unknown objects kept, with their position.
    pub unknown: Vec<UnknownAt>,
}

impl PcReq {
    pub(super) fn decode(objects: &mut Objects<'_>) -> Result<Self, DecodeError> {
        let mut svecs: Vec<SvecEntry> = Vec::new();
        let mut requests = Vec::new();
        // svec-list
        loop {
            objects.start_unit();
            let mut unknown = Vec::new();
            match objects.next_known(&mut unknown)? {
                Some(Object::Svec(svec)) => {
                    let mut entry = SvecEntry {
                        svec,
                        of: None,
                        metrics: Vec::new(),
                        unknown,
                    };
                    while let Some(o) = objects.next_known(&mut entry.unknown)? {
                        match o {
                            Object::Of(of) if entry.of.is_none() => entry.of = Some(of),
                            Object::Metric(m) => entry.metrics.push(m),
                            other => {
                                objects.push_back(other);
                                break;
                            }
                        }
                    }
                    svecs.push(entry);
                }
                other => {
                    if let Some(o) = other {
                        objects.push_back(o);
                    }
                    // Unknown objects before the first RP belong to it.
                    requests.push(Request::decode(objects, unknown)?);
                    break;
                }
            }
        }
        while !objects.at_end()? {
            objects.start_unit();
            requests.push(Request::decode(objects, Vec::new())?);
        }
        Ok(Self { svecs, requests })
    }

    pub(super) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        if self.requests.is_empty() {
            return Err(EncodeError::Empty {
                message: MessageType::PCREQ,
                what: "request",
            });
        }
        for s in &self.svecs {
            let mut w = UnitWriter::new(out, cfg, &s.unknown);
            w.put(&s.svec)?;
            w.put_opt(s.of.as_ref())?;
            w.put_all(&s.metrics)?;
            w.finish()?;
        }
        for r in &self.requests {
            r.encode(out, cfg)?;
        }
        Ok(())
    }
}

impl Request {
    /// A request with only its mandatory objects.
    pub fn new(rp: Rp, end_points: EndPoints) -> Self {
        Self {
            rp,
            end_points,
            lsp: None,
            associations: Vec::new(),
            attributes: Attributes::default(),
            rro: None,
            rro_bandwidth: None,
            load_balancing: None,
            unknown: Vec::new(),
        }
    }

    fn decode(objects: &mut Objects<'_>, mut unknown: Vec<UnknownAt>) -> Result<Self, DecodeError> {
        let rp = match objects.next_known(&mut unknown)? {
            Some(Object::Rp(rp)) => rp,
            other => return Err(objects.missing(ObjectClass::RP, other)),
        };
        check_rp_processing(&rp, MessageType::PCREQ)?;
        let end_points = match objects.next_known(&mut unknown)? {
            Some(Object::EndPoints(ep)) => ep,
            other => return Err(objects.missing(ObjectClass::END_POINTS, other)),
        };
        let mut r = Self {
            unknown,
            ..Self::new(rp, end_points)
        };
        let mut after_rro = false;
        while let Some(o) = objects.next_known(&mut r.unknown)? {
            let was_after_rro = std::mem::take(&mut after_rro);
            let o = match o {
                Object::Lsp(x) if r.lsp.is_none() => {
                    r.lsp = Some(x);
                    continue;
                }
                Object::Association(x) => {
                    r.associations.push(x);
                    continue;
                }
                Object::Rro(x) if r.rro.is_none() => {
                    r.rro = Some(x);
                    after_rro = true;
                    continue;
                }
                Object::Bandwidth(x) if was_after_rro => {
                    r.rro_bandwidth = Some(x);
                    continue;
                }
                Object::LoadBalancing(x) if r.load_balancing.is_none() => {
                    r.load_balancing = Some(x);
                    continue;
                }
                other => other,
            };
            if let Err(other) = r.attributes.absorb(o) {
                objects.push_back(other);
                break;
            }
        }
        Ok(r)
    }

    fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        if self.rro_bandwidth.is_some() && self.rro.is_none() {
            return Err(EncodeError::InvalidField {
                field: "reoptimization BANDWIDTH without RRO",
            });
        }
        check_rp_encode(std::slice::from_ref(&self.rp), MessageType::PCREQ)?;
        let mut w = UnitWriter::new(out, cfg, &self.unknown);
        w.put(&self.rp)?;
        w.put(&self.end_points)?;
        w.put_opt(self.lsp.as_ref())?;
        w.put_all(&self.associations)?;
        self.attributes.encode(&mut w)?;
        w.put_opt(self.rro.as_ref())?;
        w.put_opt(self.rro_bandwidth.as_ref())?;
        w.put_opt(self.load_balancing.as_ref())?;
        w.finish()
    }
}

/// PCRep (RFC 5440 §6.5).
///
/// ```text
/// <PCRep Message> ::= <Common Header> <response-list>
/// <response> ::= <RP> [<LSP>] [<association-list>] [<NO-PATH>]
///                [<attribute-list>] [<path-list>]
/// <path> ::= <ERO> <attribute-list>
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PcRep {
    /// Responses, at least one.
    pub responses: Vec<Response>,
}

/// One response.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Response {
    /// RP (P flag set).
    pub rp: Rp,
    /// LSP (RFC 8231 §6.5).
    pub lsp: Option<Lsp>,
    /// ASSOCIATION objects (RFC 8697).
    pub associations: Vec<Association>,
    /// NO-PATH, when no path was found.
    pub no_path: Option<NoPath>,
    /// With NO-PATH: the unsatisfied constraints.
    pub attributes: Attributes,
    /// Computed paths.
    pub paths: Vec<PathEntry>,
    /// Unknown objects kept, with their position.
    pub unknown: Vec<UnknownAt>,
}

/// One `<path>`: an ERO and its attributes.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PathEntry {
    /// The path.
    pub ero: Ero,
    /// Its attributes (e.g. the computed metrics).
    pub attributes: Attributes,
}

impl PcRep {
    pub(super) fn decode(objects: &mut Objects<'_>) -> Result<Self, DecodeError> {
        let mut responses = Vec::new();
        loop {
            objects.start_unit();
            responses.push(Response::decode(objects)?);
            if objects.at_end()? {
                return Ok(Self { responses });
            }
        }
    }

    pub(super) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        if self.responses.is_empty() {
            return Err(EncodeError::Empty {
                message: MessageType::PCREP,
                what: "response",
            });
        }
        self.responses.iter().try_for_each(|r| r.encode(out, cfg))
    }
}

impl Response {
    fn decode(objects: &mut Objects<'_>) -> Result<Self, DecodeError> {
        let mut unknown = Vec::new();
        let rp = match objects.next_known(&mut unknown)? {
            Some(Object::Rp(rp)) => rp,
            other => return Err(objects.missing(ObjectClass::RP, other)),
        };
        check_rp_processing(&rp, MessageType::PCREP)?;
        let mut r = Self {
            rp,
            lsp: None,
            associations: Vec::new(),
            no_path: None,
            attributes: Attributes::default(),
            paths: Vec::new(),
            unknown,
        };
        while let Some(o) = objects.next_known(&mut r.unknown)? {
            let o = match o {
                Object::Lsp(x) if r.lsp.is_none() && r.paths.is_empty() => {
                    r.lsp = Some(x);
                    continue;
                }
                Object::Association(x) if r.paths.is_empty() => {
                    r.associations.push(x);
                    continue;
                }
                Object::NoPath(x) if r.no_path.is_none() && r.paths.is_empty() => {
                    r.no_path = Some(x);
                    continue;
                }
                Object::Ero(ero) => {
                    r.paths.push(PathEntry {
                        ero,
                        attributes: Attributes::default(),
                    });
                    continue;
                }
                other => other,
            };
            let target = match r.paths.last_mut() {
                Some(path) => &mut path.attributes,
                None => &mut r.attributes,
            };
            if let Err(other) = target.absorb(o) {
                objects.push_back(other);
                break;
            }
        }
        Ok(r)
    }

    fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        check_rp_encode(std::slice::from_ref(&self.rp), MessageType::PCREP)?;
        let mut w = UnitWriter::new(out, cfg, &self.unknown);
        w.put(&self.rp)?;
        w.put_opt(self.lsp.as_ref())?;
        w.put_all(&self.associations)?;
        w.put_opt(self.no_path.as_ref())?;
        self.attributes.encode(&mut w)?;
        for p in &self.paths {
            w.put(&p.ero)?;
            p.attributes.encode(&mut w)?;
        }
        w.finish()
    }
}
