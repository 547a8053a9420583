//! PCE-initiated LSPs (RFC 8281): creation and deletion.

use std::net::IpAddr;

use pcep::wire::object::{Ero, Lsp, Srp};
use pcep::wire::tlv::Tlv;
use pcep::wire::{Attributes, InitiateRequest, Message, PathSetupType, PcInitiate};

use crate::lspdb::PccId;
use crate::pce::compute::srp_with;
use crate::pce::intent::IntentKind;
use crate::pce::{name_key, CommandError, Pce, SessionId};
use crate::pcreq::{compute_path, PathAsk, Unreachable};

/// A PCE-initiated LSP as the operator asked for it.
#[derive(Clone, Debug, PartialEq)]
pub struct InitiateSpec {
    /// The head end's PCC (its session address).
    pub pcc: IpAddr,
    /// Symbolic path name, unique per PCC.
    pub name: String,
    /// Head end and tail end addresses (mapped onto topology nodes).
    pub source: IpAddr,
    /// Tail end.
    pub destination: IpAddr,
    /// RSVP-TE or SR-TE.
    pub setup: PathSetupType,
    /// Constraints and objective (BANDWIDTH, LSPA, METRIC, IRO, XRO).
    pub attributes: Attributes,
    /// SR policy colour, sent in Cisco's VENDOR-INFORMATION encoding (FRR
    /// and IOS-XR key a PCE-initiated SR policy by colour and endpoint).
    pub color: Option<u32>,
    /// The disjoint association group to put it in (RFC 8697 §6.2.1: the
    /// PCInitiate carries the ASSOCIATION; RFC 8800), computed jointly
    /// with the group's other members once the PCC reports it.
    pub disjoint_group: Option<DisjointGroup>,
}

/// A disjoint association group (RFC 8800) for a PCE-initiated LSP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DisjointGroup {
    /// Association ID (1 to 65534).
    pub id: u16,
    /// Association source.
    pub source: IpAddr,
    /// DISJOINTNESS-CONFIGURATION flags: L, N, S, P, T
    /// ([`pcep::wire::tlv::DisjointnessFlags`]).
    pub flags: u32,
}

impl DisjointGroup {
    /// The ASSOCIATION object.
    pub fn association(&self) -> pcep::wire::object::Association {
        pcep::wire::object::Association {
            header: pcep::wire::object::HeaderFlags::default(),
            association_flags: 0,
            association_type: pcep::wire::AssociationType::DISJOINT,
            association_id: self.id,
            source: self.source,
            tlvs: vec![Tlv::DisjointnessConfiguration(
                pcep::wire::tlv::DisjointnessFlags(self.flags),
            )],
        }
    }
}

impl Pce {
    /// Create a PCE-initiated LSP (RFC 8281 §5.1): compute its path and send
    /// the PCInitiate; returns the SRP-ID. The LSP appears in the database
    /// when the PCC reports it.
    pub fn initiate(&mut self, spec: InitiateSpec) -> Result<u32, CommandError> {
        // A name in use is refused whatever the session's state: the name
        // is the LSP's durable key (RFC 8231 §7.3.2).
        let pcc = PccId::Addr(spec.pcc);
        if self.lspdb.by_name(pcc, spec.name.as_bytes()).is_some()
            || self
                .initiated
                .contains_key(&name_key(pcc, spec.name.as_bytes()))
        {
            return Err(CommandError::NameInUse {
                pcc: spec.pcc,
                name: spec.name,
            });
        }
        // No session with the head end: a peer that has one creates it for
        // us (draft §3.7).
        let session = match self.synced_session(spec.pcc, true) {
            Ok(s) => s,
            Err(CommandError::NoSession(a)) => self
                .relay_session_for(pcc)
                .ok_or(CommandError::NoSession(a))?,
            Err(e) => return Err(e),
        };
        let srp = self.send_initiate(session, &spec)?;
        let key = name_key(pcc, spec.name.as_bytes());
        self.intent_touched(IntentKind::Initiated, &key);
        self.initiated.insert(key, spec);
        Ok(srp)
    }

    pub(super) fn send_initiate(
        &mut self,
        session: SessionId,
        spec: &InitiateSpec,
    ) -> Result<u32, CommandError> {
        let via_peer = self.peer_of(session).is_some();
        let peer_sr = if via_peer {
            self.pcc_open(PccId::Addr(spec.pcc))
                .and_then(pcep::wire::object::Open::sr_capability)
        } else {
            self.sessions
                .get(&session)
                .and_then(|s| s.negotiated.peer_sr)
        };
        let topo = std::sync::Arc::clone(&self.topology);
        let ask = PathAsk {
            source: spec.source,
            destination: spec.destination,
            attributes: &spec.attributes,
            setup: spec.setup,
            peer_sr,
        };
        self.counters.computations += 1;
        let path = compute_path(&topo, &self.reservations, &ask, &mut self.ws).map_err(|e| {
            CommandError::NoPath(match e {
                Unreachable::UnknownEndpoints(_) => "an end point is not in the topology".into(),
                Unreachable::NoPath { .. } => "no path satisfies the constraints".into(),
            })
        })?;
        let Some(s) = self.sessions.get_mut(&session) else {
            return Err(CommandError::NoSession(spec.pcc));
        };
        let srp_id = s.srp_id();
        s.initiations.insert(
            srp_id,
            name_key(PccId::Addr(spec.pcc), spec.name.as_bytes()),
        );
        let srp = srp_with(srp_id, spec.setup);
        let end_points = match (spec.source, spec.destination) {
            (IpAddr::V4(source), IpAddr::V4(destination)) => {
                Some(pcep::wire::object::EndPoints::Ipv4 {
                    header: pcep::wire::object::HeaderFlags::PROCESSING,
                    source,
                    destination,
                })
            }
            (IpAddr::V6(source), IpAddr::V6(destination)) => {
                Some(pcep::wire::object::EndPoints::Ipv6 {
                    header: pcep::wire::object::HeaderFlags::PROCESSING,
                    source,
                    destination,
                })
            }
            _ => None,
        };
        let request = InitiateRequest {
            srp,
            lsp: Lsp {
                plsp_id: 0,
                delegate: true,
                administrative: true,
                tlvs: if via_peer {
                    vec![
                        Tlv::SymbolicPathName(spec.name.clone().into()),
                        Tlv::SpeakerEntityId(self.speaker_id(PccId::Addr(spec.pcc))),
                    ]
                } else {
                    vec![Tlv::SymbolicPathName(spec.name.clone().into())]
                },
                ..Lsp::default()
            },
            end_points,
            associations: spec
                .disjoint_group
                .iter()
                .map(DisjointGroup::association)
                .collect(),
            ero: Some(Ero::new(path.ero)),
            attributes: Attributes {
                lspa: spec.attributes.lspa.clone(),
                vendor: spec
                    .color
                    .map(pcep::wire::object::VendorInformation::sr_policy_color)
                    .into_iter()
                    .collect(),
                ..path.attributes
            },
            unknown: Vec::new(),
        };
        self.send_initiate_request(session, request);
        Ok(srp_id)
    }

    pub(super) fn send_initiate_request(&mut self, session: SessionId, request: InitiateRequest) {
        self.send(
            session,
            Message::PcInitiate(PcInitiate {
                requests: vec![request],
            }),
        );
    }

    /// Delete a PCE-initiated LSP (RFC 8281 §5.2: SRP R=1); without a
    /// session with its head end, through the peer that created it for us
    /// (draft §3.7).
    pub fn delete_initiated(&mut self, pcc: IpAddr, name: &str) -> Result<u32, CommandError> {
        let id = PccId::Addr(pcc);
        let session = match self.synced_session(pcc, true) {
            Ok(s) => s,
            Err(CommandError::NoSession(a)) => self
                .relay_session_for(id)
                .ok_or(CommandError::NoSession(a))?,
            Err(e) => return Err(e),
        };
        let via_peer = self.peer_of(session).is_some();
        let durable = name_key(id, name.as_bytes());
        self.intent_touched(IntentKind::Initiated, &durable);
        if self.initiated.remove(&durable).is_none() {
            return Err(CommandError::UnknownLsp {
                pcc,
                name: name.to_owned(),
            });
        }
        let Some(key) = self.lspdb.by_name(id, name.as_bytes()) else {
            // Not reported yet (or already gone): nothing on the PCC to remove.
            return Ok(0);
        };
        let Some(s) = self.sessions.get_mut(&session) else {
            return Err(CommandError::NoSession(pcc));
        };
        let srp_id = s.srp_id();
        let request = InitiateRequest {
            srp: Srp {
                srp_id,
                srp_flags: Srp::REMOVE,
                ..Srp::default()
            },
            lsp: Lsp {
                plsp_id: key.plsp_id,
                // Through a peer: the owner named, as on every message of a
                // state-sync session.
                tlvs: if via_peer {
                    vec![Tlv::SpeakerEntityId(self.speaker_id(id))]
                } else {
                    Vec::new()
                },
                ..Lsp::default()
            },
            end_points: None,
            associations: Vec::new(),
            ero: None,
            attributes: Attributes::default(),
            unknown: Vec::new(),
        };
        self.send_initiate_request(session, request);
        Ok(srp_id)
    }
}
