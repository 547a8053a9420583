//! Inter-PCE state synchronization (draft-ietf-pce-state-sync; DIGEST §8),
//! in the same sans-IO core.
//!
//! * A session on which both sides set INTER-PCE-CAPABILITY (with U) is a
//!   state-sync session, if the peer is configured; an unknown peer setting
//!   it is refused (PCErr 2 "capability not supported", then Close).
//! * On a state-sync session coming up: a PCNtf relaying the Open
//!   information of every connected PCC, then a report (S=1) of every LSP
//!   learned from a PCC, then the end-of-sync marker (§3.2).
//! * Reports from PCCs are forwarded to every peer with SPEAKER-ENTITY-ID
//!   naming the owner PCC and ORIGINAL-LSP-DB-VERSION, the PLSP-ID
//!   unchanged (§3.3); nothing learned from a peer is forwarded to another.
//! * One state per (owner PCC, PLSP-ID) with its sources; the freshest
//!   version wins; a removal drops one source (§3.4).
//! * The computing PCE of an LSP is the reachable PCE with the highest
//!   priority (per LSP, else per association group, else global), the
//!   highest address breaking ties. A PCE delegated an LSP it does not
//!   compute sub-delegates it (D=1 towards the computing PCE only) and
//!   relays that PCE's PCUpd to the PCC; the PCC's report is the cascaded
//!   acknowledgement (§3.5).
//! * When a state-sync session ends, what was learned only from it goes,
//!   and the LSPs sub-delegated through it follow the configured policy.
//!
//! Decisions on what the draft leaves open (DIGEST §10) are on
//! [`StateSync`]'s fields and in the README.

mod config;
mod peer;
pub(in crate::pce) mod priority;
mod relay;
mod report;

pub use config::{GroupPriority, LspPriority, PartialGroup, PeerPce, PrimaryLoss, StateSync};
pub use peer::PeerStatus;
pub use priority::address_rank;

use std::net::IpAddr;

use bytes::Bytes;
use pcep::wire::object::Lsp;
use pcep::wire::{Message, PcErrCode, StateSyncCodepoints};

use crate::lspdb::PccId;

use crate::pce::groups::disjoint_groups;
use crate::pce::session::srp_at_least;
use crate::pce::{Pce, SessionId};

/// The SPEAKER-ENTITY-ID naming an owner PCC on state-sync sessions: the
/// ASCII text of the address the PCC's sessions come from (DIGEST §10.3:
/// every PCE must use the same rule; PCCs rarely send their own
/// SPEAKER-ENTITY-ID, and the session address is what every PCE keys the
/// PCC by).
pub fn owner_id(pcc: PccId) -> Bytes {
    Bytes::from(pcc.0.to_string().into_bytes())
}

/// The owner PCC named by a SPEAKER-ENTITY-ID.
pub fn owner_of(id: &[u8]) -> Option<PccId> {
    std::str::from_utf8(id).ok()?.parse().ok().map(PccId)
}

impl Pce {
    pub(in crate::pce) fn sync_config(&self) -> Option<&StateSync> {
        self.config.state_sync.as_ref()
    }

    /// Whether `session` is a state-sync session, and with whom.
    pub(in crate::pce) fn peer_of(&self, session: SessionId) -> Option<IpAddr> {
        self.sessions.get(&session).and_then(|s| s.peer_pce)
    }

    /// A message on a state-sync session.
    pub(in crate::pce) fn handle_peer_message(
        &mut self,
        session: SessionId,
        peer: IpAddr,
        message: Message,
    ) {
        match message {
            Message::PcRpt(rpt) => {
                for r in rpt.reports {
                    self.handle_peer_report(session, peer, r);
                }
            }
            Message::PcUpd(upd) => {
                for u in upd.updates {
                    self.handle_peer_update(session, peer, u);
                }
            }
            Message::PcNtf(ntf) => self.handle_peer_notification(peer, &ntf),
            Message::PcReq(req) => self.answer_peer_request(session, &req),
            Message::PcRep(rep) => self.relay_peer_reply(peer, rep),
            Message::PcInitiate(init) => {
                for r in init.requests {
                    self.handle_peer_initiate(session, peer, r);
                }
            }
            Message::PcErr(err) => self.handle_peer_error(session, &err),
            _ => {}
        }
    }

    /// The owner PCC an LSP object on a state-sync session names, or the
    /// PCErr: 6/TBD1 when SPEAKER-ENTITY-ID is missing (the message is
    /// discarded, §3.2), 20/7 when it names no PCC.
    pub(in crate::pce) fn owner_or_error(
        &mut self,
        session: SessionId,
        lsp: &Lsp,
    ) -> Option<PccId> {
        match lsp.speaker_entity_id().map(|id| owner_of(id)) {
            Some(Some(owner)) => Some(owner),
            Some(None) => {
                self.send_error(session, PcErrCode::new(20, 7), Some(&lsp.without_tlvs()));
                None
            }
            None => {
                self.missing_speaker(session, &lsp.without_tlvs());
                None
            }
        }
    }

    pub(in crate::pce) fn missing_speaker(&mut self, session: SessionId, lsp: &Lsp) {
        let v = self.sync_config().map_or(
            StateSyncCodepoints::DEFAULT_SPEAKER_ENTITY_ID_MISSING,
            |s| s.codepoints.speaker_entity_id_missing,
        );
        self.send_error(session, PcErrCode::new(6, v), Some(lsp));
    }
}
