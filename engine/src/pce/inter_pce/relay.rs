//! Relaying for peers (§3.5-§3.7): sub-delegated updates with their
//! cascaded acknowledgement, PCUpd copies, forwarded PCReq, relayed
//! PCInitiate, and PCErr about what we relayed.

use std::net::IpAddr;

use bytes::Bytes;

use pcep::wire::object::{Lsp, Srp, Subobject};
use pcep::wire::tlv::Tlv;
use pcep::wire::{Message, PcErrCode, PcUpd, StateSyncCodepoints};

use crate::lspdb::{LspKey, PccId};
use crate::pce::{Pce, SessionId};

impl Pce {
    pub(in crate::pce) fn handle_peer_update(
        &mut self,
        session: SessionId,
        peer: IpAddr,
        mut u: pcep::wire::UpdateRequest,
    ) {
        let Some(key) = self.key_or_error(session, &u.lsp) else {
            return;
        };
        let Some(control) = self.lspdb.with(&key, |e| e.control.clone()) else {
            self.send_error(
                session,
                PcErrCode::UNKNOWN_PLSP_ID,
                Some(&u.lsp.without_tlvs()),
            );
            return;
        };
        if !u.lsp.delegate {
            // D=0: the computing PCE's intended path, informational; we
            // remember who computes the LSP. Never a return of a
            // sub-delegation: the computing PCE sends D=0 copies to every
            // peer but the one whose sub-delegation it acts on, and while a
            // PCC moves its delegation two peers may claim an LSP at once,
            // so a copy meant as information can reach the claimant it does
            // not act for (cluster-sim seed 460 took such a copy for a
            // return, and two PCEs computed the LSP). Who computes is the
            // priorities' decision.
            self.lspdb
                .with_mut(&key, |e| e.control.inter_mut().computed_by = Some(peer));
            return;
        }
        if control.inter().sub_delegated_to != Some(peer) {
            // An update for an LSP not sub-delegated to that peer.
            self.send_error(
                session,
                PcErrCode::NOT_DELEGATED,
                Some(&u.lsp.without_tlvs()),
            );
            return;
        }
        // Relay to the PCC: our own SRP-ID on its session, the peer's
        // remembered for the cascaded acknowledgement; no SPEAKER-ENTITY-ID.
        let Some(pcc_session) = self.pccs.get(&key.pcc).and_then(|p| p.session) else {
            return;
        };
        let Some(s) = self.sessions.get_mut(&pcc_session) else {
            return;
        };
        // The head end cannot impose more segments than its MSD: refused
        // back to the computing PCE with the error the PCC would send (RFC
        // 8664 §6.2), not forwarded.
        let segments = sr_segments(&u.ero.subobjects);
        if let Some(max) = s.negotiated.peer_sr.map(crate::pcreq::msd) {
            if segments > usize::from(max) {
                self.send_srp_error(session, PcErrCode::SR_ERO_EXCEEDS_MSD, &u.srp, &u.lsp);
                return;
            }
        }
        let local_srp = s.srp_id();
        if let Some(i) = self.inter.as_mut() {
            i.relays
                .insert((pcc_session, local_srp), (peer, u.srp.srp_id));
        }
        u.srp.srp_id = local_srp;
        u.lsp.tlvs.retain(|t| !matches!(t, Tlv::SpeakerEntityId(_)));
        self.lspdb.with_mut(&key, |e| {
            e.control.computed = Some(u.ero.subobjects.clone());
        });
        self.counters.relayed_updates += 1;
        self.send(pcc_session, Message::PcUpd(PcUpd { updates: vec![u] }));
    }

    /// PCUpd copies for the peers when this PCE updates an LSP (§3.5):
    /// D=1 towards the PCE that sub-delegated it (`delegated_by`), D=0 to
    /// the others, SPEAKER-ENTITY-ID naming the owner. Returns the SRP-ID
    /// used towards `delegated_by`.
    pub(in crate::pce) fn update_peers(
        &mut self,
        key: LspKey,
        update: &pcep::wire::UpdateRequest,
        delegated_by: Option<IpAddr>,
    ) -> Option<u32> {
        self.sync_config()?;
        let mut towards = None;
        for (peer, s) in self.peer_sessions() {
            let Some(state) = self.sessions.get_mut(&s) else {
                continue;
            };
            let srp_id = state.srp_id();
            let mut u = update.clone();
            u.srp.srp_id = srp_id;
            u.lsp.delegate = delegated_by == Some(peer);
            u.lsp.tlvs.retain(|t| !matches!(t, Tlv::SpeakerEntityId(_)));
            u.lsp
                .tlvs
                .push(Tlv::SpeakerEntityId(self.speaker_id(key.pcc)));
            if u.lsp.delegate {
                towards = Some(srp_id);
            }
            self.send(s, Message::PcUpd(PcUpd { updates: vec![u] }));
        }
        towards
    }

    /// §3.6: take out of a PCC's PCReq the requests naming an LSP (LSP
    /// object, by PLSP-ID) that a peer computes, and forward each to that
    /// peer with SPEAKER-ENTITY-ID and our own Request-ID; the rest is
    /// answered here. Requests without an LSP object have no owner to name
    /// and are answered here (DIGEST §10.22).
    pub(in crate::pce) fn forward_requests(
        &mut self,
        session: SessionId,
        pcc: PccId,
        mut req: pcep::wire::PcReq,
    ) -> pcep::wire::PcReq {
        let Some(local) = self.sync_config().map(|s| s.identity) else {
            return req;
        };
        if !self.any_peer_up() {
            return req;
        }
        let mut keep = Vec::new();
        for mut r in std::mem::take(&mut req.requests) {
            let target = r
                .lsp
                .as_ref()
                .map(|l| LspKey {
                    pcc,
                    plsp_id: l.plsp_id,
                })
                .filter(|k| self.lspdb.with(k, |_| ()).is_some())
                .and_then(|k| self.primary_for(k))
                .filter(|p| *p != local)
                .and_then(|p| self.peer_session(p).map(|s| (p, s)));
            let Some((peer, peer_session)) = target else {
                keep.push(r);
                continue;
            };
            let Some(i) = self.inter.as_mut() else {
                keep.push(r);
                continue;
            };
            let rid = i.next_request_id;
            i.next_request_id = i.next_request_id.wrapping_add(1).max(1);
            i.forwarded_requests
                .insert((peer, rid), (session, r.rp.request_id));
            r.rp.request_id = rid;
            if let Some(l) = r.lsp.as_mut() {
                l.tlvs.retain(|t| !matches!(t, Tlv::SpeakerEntityId(_)));
                l.tlvs.push(Tlv::SpeakerEntityId(self.speaker_id(pcc)));
            }
            self.counters.forwarded_requests += 1;
            self.send(
                peer_session,
                Message::PcReq(pcep::wire::PcReq {
                    svecs: Vec::new(),
                    requests: vec![r],
                }),
            );
        }
        req.requests = keep;
        req
    }

    /// A PCReq forwarded by a peer: computed here, for the PCC named in its
    /// LSP object (that PCC's MSD, relayed by PCNtf).
    pub(in crate::pce) fn answer_peer_request(
        &mut self,
        session: SessionId,
        req: &pcep::wire::PcReq,
    ) {
        let owner = req
            .requests
            .iter()
            .find_map(|r| r.lsp.as_ref()?.speaker_entity_id().cloned())
            .map(|id| self.owner_named(&id));
        let codepoints = self
            .sync_config()
            .map_or_else(StateSyncCodepoints::default, |s| s.codepoints);
        let negotiated = owner
            .and_then(|o| self.pcc_open(o))
            .map(|open| pcep::session::Negotiated::new(open, open, &codepoints));
        let topo = std::sync::Arc::clone(&self.topology);
        self.counters.requests += req.requests.len() as u64;
        let rep = crate::pcreq::respond(
            &topo,
            &self.reservations,
            req,
            negotiated.as_ref(),
            &mut self.ws,
        );
        self.send(session, Message::PcRep(rep));
    }

    /// The computing peer's PCRep: back to the PCC with its Request-ID,
    /// without SPEAKER-ENTITY-ID.
    pub(in crate::pce) fn relay_peer_reply(&mut self, peer: IpAddr, rep: pcep::wire::PcRep) {
        for mut r in rep.responses {
            let Some((session, rid)) = self
                .inter
                .as_mut()
                .and_then(|i| i.forwarded_requests.remove(&(peer, r.rp.request_id)))
            else {
                continue;
            };
            r.rp.request_id = rid;
            if let Some(l) = r.lsp.as_mut() {
                l.tlvs.retain(|t| !matches!(t, Tlv::SpeakerEntityId(_)));
            }
            self.send(
                session,
                Message::PcRep(pcep::wire::PcRep { responses: vec![r] }),
            );
        }
    }

    /// A synchronized session with a peer that has a session with `pcc`
    /// (its Open relayed to us): the lowest-addressed such peer.
    pub(in crate::pce) fn relay_session_for(&self, pcc: PccId) -> Option<SessionId> {
        self.inter
            .as_ref()?
            .pcc_info
            .get(&pcc)?
            .keys()
            .flatten()
            .filter_map(|peer| self.peer_session(*peer))
            .find(|s| self.sessions.get(s).is_some_and(|x| x.synced))
    }

    /// A PCInitiate relayed by a peer with no session to the head end
    /// (§3.7): create the LSP on our session with it (the peer keeps
    /// control: the PCC's report goes back to it with D=1), or answer PCErr
    /// 24/TBD5 "no PCEP session with the head end".
    pub(in crate::pce) fn handle_peer_initiate(
        &mut self,
        session: SessionId,
        peer: IpAddr,
        mut r: pcep::wire::InitiateRequest,
    ) {
        let Some(owner) = self.owner_or_error(session, &r.lsp) else {
            return;
        };
        if r.srp.srp_flags & Srp::REMOVE != 0 {
            // A deletion (RFC 8281 §5.2) only from the peer we created the
            // LSP for, of an LSP we know.
            let key = LspKey {
                pcc: owner,
                plsp_id: r.lsp.plsp_id,
            };
            let Some(name) = self.lspdb.with(&key, |e| e.name.clone()) else {
                self.send_srp_error(session, PcErrCode::UNKNOWN_PLSP_ID, &r.srp, &r.lsp);
                return;
            };
            if self.inter_initiator(key, &name) != Some(peer) {
                // Not created for that peer (RFC 8281 §5.2's error).
                self.send_srp_error(session, PcErrCode::NOT_PCE_INITIATED, &r.srp, &r.lsp);
                return;
            }
        }
        let pcc_session = self.pccs.get(&owner).and_then(|p| p.session).filter(|s| {
            self.sessions
                .get(s)
                .is_some_and(|x| x.synced && x.negotiated.capabilities.instantiation)
        });
        let Some(pcc_session) = pcc_session else {
            let v = self
                .sync_config()
                .map_or(StateSyncCodepoints::DEFAULT_NO_HEADEND_SESSION, |s| {
                    s.codepoints.no_headend_session
                });
            self.send_srp_error(session, PcErrCode::instantiation_error(v), &r.srp, &r.lsp);
            return;
        };
        let Some(s) = self.sessions.get_mut(&pcc_session) else {
            return;
        };
        // The head end cannot impose more segments than its MSD: refused
        // back to the computing PCE with the error the PCC would send (RFC
        // 8664 §6.2), not forwarded.
        let segments = r.ero.as_ref().map_or(0, |e| sr_segments(&e.subobjects));
        if let Some(max) = s.negotiated.peer_sr.map(crate::pcreq::msd) {
            if segments > usize::from(max) {
                self.send_srp_error(session, PcErrCode::SR_ERO_EXCEEDS_MSD, &r.srp, &r.lsp);
                return;
            }
        }
        let local_srp = s.srp_id();
        if let Some(i) = self.inter.as_mut() {
            if let Some(name) = r.lsp.symbolic_name() {
                i.peer_initiated
                    .insert((owner, Bytes::copy_from_slice(name)), peer);
            }
            i.relays
                .insert((pcc_session, local_srp), (peer, r.srp.srp_id));
        }
        r.srp.srp_id = local_srp;
        r.lsp.tlvs.retain(|t| !matches!(t, Tlv::SpeakerEntityId(_)));
        self.counters.relayed_updates += 1;
        self.send(
            pcc_session,
            Message::PcInitiate(pcep::wire::PcInitiate { requests: vec![r] }),
        );
    }

    pub(in crate::pce) fn send_srp_error(
        &mut self,
        session: SessionId,
        code: PcErrCode,
        srp: &Srp,
        lsp: &Lsp,
    ) {
        self.send(
            session,
            Message::PcErr(pcep::wire::PcErr {
                errors: vec![pcep::wire::ErrorUnit {
                    srps: vec![Srp {
                        tlvs: Vec::new(),
                        ..srp.clone()
                    }],
                    errors: vec![pcep::wire::object::PcepError::new(code)],
                    lsps: vec![lsp.without_tlvs()],
                    ..pcep::wire::ErrorUnit::default()
                }],
                open: None,
            }),
        );
    }

    /// A PCErr from a peer: an initiation it could not relay is forgotten.
    /// A PCErr from a peer: an initiation it could not relay is forgotten;
    /// an update it relayed and the PCC refused is no longer pending (the
    /// error is recorded on the LSP).
    pub(in crate::pce) fn handle_peer_error(
        &mut self,
        session: SessionId,
        err: &pcep::wire::PcErr,
    ) {
        self.counters.errors_received += 1;
        let peer = self.peer_of(session);
        for unit in &err.errors {
            let code = unit.errors.first().map(pcep::wire::object::PcepError::code);
            for srp in &unit.srps {
                let name = self
                    .sessions
                    .get_mut(&session)
                    .and_then(|s| s.initiations.remove(&srp.srp_id));
                if let Some(name) = name {
                    // Only that PCC's initiation of that name.
                    self.initiated.remove(&name);
                    continue;
                }
                // The update the PCC refused (found by its SRP-ID).
                if let Some(key) = self.pending_updates.remove(&(session, srp.srp_id)) {
                    self.lspdb.with_mut(&key, |e| {
                        let c = &mut e.control;
                        if c.inter().delegated_by.is_some()
                            && c.inter().delegated_by == peer
                            && c.pending_srp == Some(srp.srp_id)
                        {
                            c.pending_srp = None;
                            c.error = code;
                        }
                    });
                }
            }
        }
    }
}

/// SR-ERO subobjects in an ERO: the segments its head end must impose.
fn sr_segments(ero: &[Subobject]) -> usize {
    ero.iter().filter(|o| matches!(o, Subobject::Sr(_))).count()
}
