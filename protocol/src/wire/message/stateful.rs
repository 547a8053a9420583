//! PCRpt and PCUpd (RFC 8231 §6.1-6.2) and PCInitiate (RFC 8281 §5.1), with
//! the association list of RFC 8697 §6.2.

use bytes::BytesMut;
use serde::Serialize;

use super::request::Attributes;
use super::{Objects, UnitWriter, UnknownAt};
use crate::wire::config::WireConfig;
use crate::wire::error::{DecodeError, EncodeError};
use crate::wire::iana::{MessageType, ObjectClass};
use crate::wire::object::{Association, Bandwidth, EndPoints, Ero, Lsp, Metric, Object, Rro, Srp};

/// Collect ASSOCIATION objects and attributes until something else comes;
/// give that back. Associations are accepted anywhere in the unit (RFC 8697
/// puts them right after the LSP object; some PCCs send them later).
fn absorb_attributes(
    objects: &mut Objects<'_>,
    unknown: &mut Vec<UnknownAt>,
    associations: &mut Vec<Association>,
    attributes: &mut Attributes,
    stop_at_rro: bool,
) -> Result<Option<Rro>, DecodeError> {
    loop {
        // Typed fast paths for the attributes almost every report carries.
        if let Some(m) = objects.next_as::<Metric>(unknown)? {
            attributes.metrics.push(m);
            continue;
        }
        if attributes.bandwidth.is_none() {
            if let Some(b) = objects.next_as::<Bandwidth>(unknown)? {
                attributes.bandwidth = Some(b);
                continue;
            }
        }
        let Some(o) = objects.next_known(unknown)? else {
            break;
        };
        match o {
            Object::Association(a) => associations.push(a),
            Object::Rro(rro) if stop_at_rro => return Ok(Some(rro)),
            o => {
                if let Err(other) = attributes.absorb(o) {
                    objects.push_back(other);
                    break;
                }
            }
        }
    }
    Ok(None)
}

/// Collect ASSOCIATION objects; give back the first other object.
fn take_associations(
    objects: &mut Objects<'_>,
    unknown: &mut Vec<UnknownAt>,
    associations: &mut Vec<Association>,
) -> Result<(), DecodeError> {
    while let Some(a) = objects.next_as::<Association>(unknown)? {
        associations.push(a);
    }
    Ok(())
}

/// PCRpt (RFC 8231 §6.1).
///
/// ```text
/// <PCRpt Message> ::= <Common Header> <state-report-list>
/// <state-report> ::= [<SRP>] <LSP> [<association-list>] <path>
/// <path> ::= <intended-path> [<actual-attribute-list> <actual-path>]
///            <intended-attribute-list>
/// ```
/// The LSP object is mandatory (6/8), and so is the ERO, possibly empty (6/9).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PcRpt {
    /// State reports, at least one.
    pub reports: Vec<StateReport>,
}

/// One state report.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StateReport {
    /// SRP (absent is SRP-ID 0; required for non-RSVP PSTs, RFC 8408 §4).
    pub srp: Option<Srp>,
    /// LSP.
    pub lsp: Lsp,
    /// ASSOCIATION objects.
    pub associations: Vec<Association>,
    /// Intended path (ERO), possibly empty.
    pub ero: Ero,
    /// Actual attributes and path (RRO), when reported (boxed: most
    /// reports have none, and a report stays small to move).
    pub actual: Option<Box<ActualPath>>,
    /// Intended attributes.
    pub intended: Attributes,
    /// Unknown objects kept, with their position.
    pub unknown: Vec<UnknownAt>,
}

/// `<actual-attribute-list> <actual-path>`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ActualPath {
    /// Actual attributes (BANDWIDTH type 2, METRIC with C=1).
    pub attributes: Attributes,
    /// Actual path.
    pub rro: Rro,
}

impl StateReport {
    /// The end-of-synchronization marker (RFC 8231 §5.6): PLSP-ID 0, S=0,
    /// empty ERO.
    pub fn end_of_sync() -> Self {
        Self::default()
    }
}

impl PcRpt {
    pub(super) fn decode(objects: &mut Objects<'_>) -> Result<Self, DecodeError> {
        let mut reports = Vec::with_capacity(1);
        loop {
            objects.start_unit();
            let mut unknown = Vec::new();
            let srp = objects.next_as::<Srp>(&mut unknown)?;
            let Some(lsp) = objects.next_as::<Lsp>(&mut unknown)? else {
                return Err(objects.missing(ObjectClass::LSP, None));
            };
            let mut r = StateReport {
                srp,
                lsp,
                unknown,
                ..StateReport::default()
            };
            // Between LSP and ERO only associations may come; anything else
            // means the mandatory ERO is missing (6/9).
            take_associations(objects, &mut r.unknown, &mut r.associations)?;
            r.ero = match objects.next_as::<Ero>(&mut r.unknown)? {
                Some(ero) => ero,
                None => return Err(objects.missing(ObjectClass::ERO, None)),
            };
            // Read straight into `intended`; if an RRO follows, what was read
            // was the actual attribute list (RFC 8231 §6.1) and moves there.
            let rro = absorb_attributes(
                objects,
                &mut r.unknown,
                &mut r.associations,
                &mut r.intended,
                true,
            )?;
            if let Some(rro) = rro {
                r.actual = Some(Box::new(ActualPath {
                    attributes: std::mem::take(&mut r.intended),
                    rro,
                }));
                absorb_attributes(
                    objects,
                    &mut r.unknown,
                    &mut r.associations,
                    &mut r.intended,
                    false,
                )?;
            }
            reports.push(r);
            if objects.at_end()? {
                return Ok(Self { reports });
            }
        }
    }

    pub(super) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        Self::encode_reports(&self.reports, out, cfg)
    }

    pub(super) fn encode_reports(
        reports: &[StateReport],
        out: &mut BytesMut,
        cfg: &WireConfig,
    ) -> Result<(), EncodeError> {
        if reports.is_empty() {
            return Err(EncodeError::Empty {
                message: MessageType::PCRPT,
                what: "state report",
            });
        }
        for r in reports {
            let mut w = UnitWriter::new(out, cfg, &r.unknown);
            w.put_opt(r.srp.as_ref())?;
            w.put(&r.lsp)?;
            w.put_all(&r.associations)?;
            w.put(&r.ero)?;
            if let Some(actual) = &r.actual {
                actual.attributes.encode(&mut w)?;
                w.put(&actual.rro)?;
            }
            r.intended.encode(&mut w)?;
            w.finish()?;
        }
        Ok(())
    }
}

/// PCUpd (RFC 8231 §6.2).
///
/// ```text
/// <PCUpd Message> ::= <Common Header> <update-request-list>
/// <update-request> ::= <SRP> <LSP> [<association-list>] <path>
/// <path> ::= <intended-path> <intended-attribute-list>
/// ```
/// SRP (6/10), LSP (6/8) and ERO (6/9, possibly empty) are mandatory.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PcUpd {
    /// Update requests, at least one.
    pub updates: Vec<UpdateRequest>,
}

/// One update request.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct UpdateRequest {
    /// SRP.
    pub srp: Srp,
    /// LSP.
    pub lsp: Lsp,
    /// ASSOCIATION objects.
    pub associations: Vec<Association>,
    /// Intended path; empty means "no path" (RFC 8231 §6.2).
    pub ero: Ero,
    /// Intended attributes.
    pub attributes: Attributes,
    /// Unknown objects kept, with their position.
    pub unknown: Vec<UnknownAt>,
}

impl PcUpd {
    pub(super) fn decode(objects: &mut Objects<'_>) -> Result<Self, DecodeError> {
        let mut updates = Vec::with_capacity(1);
        loop {
            objects.start_unit();
            let mut unknown = Vec::new();
            let Some(srp) = objects.next_as::<Srp>(&mut unknown)? else {
                return Err(objects.missing(ObjectClass::SRP, None));
            };
            let Some(lsp) = objects.next_as::<Lsp>(&mut unknown)? else {
                return Err(objects.missing(ObjectClass::LSP, None));
            };
            let mut u = UpdateRequest {
                srp,
                lsp,
                unknown,
                ..UpdateRequest::default()
            };
            take_associations(objects, &mut u.unknown, &mut u.associations)?;
            u.ero = match objects.next_as::<Ero>(&mut u.unknown)? {
                Some(ero) => ero,
                None => return Err(objects.missing(ObjectClass::ERO, None)),
            };
            absorb_attributes(
                objects,
                &mut u.unknown,
                &mut u.associations,
                &mut u.attributes,
                false,
            )?;
            updates.push(u);
            if objects.at_end()? {
                return Ok(Self { updates });
            }
        }
    }

    pub(super) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        if self.updates.is_empty() {
            return Err(EncodeError::Empty {
                message: MessageType::PCUPD,
                what: "update request",
            });
        }
        for u in &self.updates {
            let mut w = UnitWriter::new(out, cfg, &u.unknown);
            w.put(&u.srp)?;
            w.put(&u.lsp)?;
            w.put_all(&u.associations)?;
            w.put(&u.ero)?;
            u.attributes.encode(&mut w)?;
            w.finish()?;
        }
        Ok(())
    }
}

/// PCInitiate (RFC 8281 §5.1).
///
/// ```text
/// <PCInitiate Message> ::= <Common Header> <PCE-initiated-lsp-list>
/// <PCE-initiated-lsp-request> ::= <PCE-initiated-lsp-instantiation>
///                                | <PCE-initiated-lsp-deletion>
/// <PCE-initiated-lsp-instantiation> ::= <SRP> <LSP> [<END-POINTS>]
///                                       [<association-list>] <ERO> [<attribute-list>]
/// <PCE-initiated-lsp-deletion> ::= <SRP> <LSP>
/// ```
/// An instantiation (SRP R=0, PLSP-ID 0) needs an ERO (6/9) and a
/// SYMBOLIC-PATH-NAME (10/8). A request with SRP R=0 and a non-zero PLSP-ID
/// and no ERO adopts an orphaned LSP (RFC 8281 §6).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PcInitiate {
    /// Requests, at least one.
    pub requests: Vec<InitiateRequest>,
}

/// One instantiation, deletion or adoption request.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InitiateRequest {
    /// SRP (R=1 for a deletion).
    pub srp: Srp,
    /// LSP.
    pub lsp: Lsp,
    /// END-POINTS.
    pub end_points: Option<EndPoints>,
    /// ASSOCIATION objects.
    pub associations: Vec<Association>,
    /// The path to set up; absent in a deletion or adoption.
    pub ero: Option<Ero>,
    /// Attributes.
    pub attributes: Attributes,
    /// Unknown objects kept, with their position.
    pub unknown: Vec<UnknownAt>,
}

impl InitiateRequest {
    /// Whether this request instantiates a new LSP.
    pub const fn is_instantiation(&self) -> bool {
        !self.srp.remove() && self.lsp.plsp_id == 0
    }
}

impl PcInitiate {
    pub(super) fn decode(objects: &mut Objects<'_>) -> Result<Self, DecodeError> {
        let mut requests = Vec::with_capacity(1);
        loop {
            objects.start_unit();
            let mut unknown = Vec::new();
            let Some(srp) = objects.next_as::<Srp>(&mut unknown)? else {
                return Err(objects.missing(ObjectClass::SRP, None));
            };
            let Some(lsp) = objects.next_as::<Lsp>(&mut unknown)? else {
                return Err(objects.missing(ObjectClass::LSP, None));
            };
            let mut r = InitiateRequest {
                srp,
                lsp,
                unknown,
                ..InitiateRequest::default()
            };
            if !r.srp.remove() {
                while let Some(o) = objects.next_known(&mut r.unknown)? {
                    let o = match o {
                        Object::EndPoints(ep) if r.end_points.is_none() && r.ero.is_none() => {
                            r.end_points = Some(ep);
                            continue;
                        }
                        Object::Association(a) => {
                            r.associations.push(a);
                            continue;
                        }
                        Object::Ero(ero) if r.ero.is_none() => {
                            r.ero = Some(ero);
                            continue;
                        }
                        o if r.ero.is_some() => o,
                        other => {
                            objects.push_back(other);
                            break;
                        }
                    };
                    if let Err(other) = r.attributes.absorb(o) {
                        objects.push_back(other);
                        break;
                    }
                }
                if r.is_instantiation() {
                    if r.ero.is_none() {
                        return Err(DecodeError::MissingObject {
                            message: MessageType::PCINITIATE,
                            object: ObjectClass::ERO,
                        });
                    }
                    if r.lsp.symbolic_name().is_none() {
                        return Err(DecodeError::MissingSymbolicPathName);
                    }
                }
            }
            requests.push(r);
            if objects.at_end()? {
                return Ok(Self { requests });
            }
        }
    }

    pub(super) fn encode(&self, out: &mut BytesMut, cfg: &WireConfig) -> Result<(), EncodeError> {
        if self.requests.is_empty() {
            return Err(EncodeError::Empty {
                message: MessageType::PCINITIATE,
                what: "request",
            });
        }
        for r in &self.requests {
            if r.is_instantiation() && (r.ero.is_none() || r.lsp.symbolic_name().is_none()) {
                return Err(EncodeError::InvalidField {
                    field: "instantiation without ERO or SYMBOLIC-PATH-NAME",
                });
            }
            if r.srp.remove()
                && (r.ero.is_some()
                    || r.end_points.is_some()
                    || !r.associations.is_empty()
                    || !r.attributes.is_empty())
            {
                return Err(EncodeError::InvalidField {
                    field: "deletion with path objects",
                });
            }
            if r.ero.is_none() && !r.attributes.is_empty() {
                return Err(EncodeError::InvalidField {
                    field: "attributes without ERO",
                });
            }
            let mut w = UnitWriter::new(out, cfg, &r.unknown);
            w.put(&r.srp)?;
            w.put(&r.lsp)?;
            w.put_opt(r.end_points.as_ref())?;
            w.put_all(&r.associations)?;
            w.put_opt(r.ero.as_ref())?;
            r.attributes.encode(&mut w)?;
            w.finish()?;
        }
        Ok(())
    }
}
