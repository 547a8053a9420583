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
pub(in crate::pce) use report::pcc_reported;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;
use std::time::Instant;

use bytes::Bytes;
use pcep::wire::object::{Lsp, Open};
use pcep::wire::tlv::Tlv;
use pcep::wire::{ErrorUnit, Message, PcErr, PcErrCode, StateSyncCodepoints};

use crate::lspdb::{LspKey, PccId, SpeakerName};
use crate::pce::session::SessionState;
use crate::pce::{Pce, SessionId};

/// The SPEAKER-ENTITY-ID naming an owner PCC on state-sync sessions when
/// it advertised none of its own (DIGEST §10.3): the ASCII text of the
/// address its sessions come from; a PCC known only by a peer's name, that
/// name. [`Pce::speaker_id`] is what this PCE sends.
pub fn owner_id(pcc: PccId) -> Bytes {
    match pcc {
        PccId::Addr(a) => Bytes::from(a.to_string().into_bytes()),
        PccId::Named(n) => Bytes::copy_from_slice(n.bytes().unwrap_or_default()),
    }
}

/// The owner PCC a SPEAKER-ENTITY-ID names when it is no PCC's own: the
/// address its text spells, else the PCC known by that name (RFC 8232
/// §4.1.1: any variable-length identifier). [`Pce::owner_named`] looks at
/// the PCCs' own identifiers first.
pub fn owner_of(id: &[u8]) -> PccId {
    std::str::from_utf8(id)
        .ok()
        .and_then(|t| t.parse().ok())
        .map_or_else(|| PccId::Named(SpeakerName::new(id)), PccId::Addr)
}

/// The core's inter-PCE state: the configuration, the state-sync sessions
/// and what is relayed through them. The base stateful code reaches it
/// through the hooks on [`Pce`] in this module and never reads it.
#[derive(Clone, Debug)]
pub(in crate::pce) struct InterPce {
    pub(in crate::pce) config: StateSync,
    /// State-sync sessions up, by peer address (ordered: what is sent to
    /// every peer goes out in one order, run after run).
    peers_up: BTreeMap<IpAddr, SessionId>,
    /// Peers down, until when what they taught us is kept.
    peer_grace: HashMap<IpAddr, Instant>,
    purges_peer: BTreeSet<(Instant, IpAddr)>,
    /// LSPs a peer re-reported during its current initial sync.
    peer_seen: HashMap<IpAddr, HashSet<LspKey>>,
    /// PCReqs forwarded to a peer (§3.6): (peer, our Request-ID) to (PCC
    /// session, its Request-ID).
    forwarded_requests: HashMap<(IpAddr, u32), (SessionId, u32)>,
    next_request_id: u32,
    /// LSPs we created for a peer (§3.7): (PCC, name) to that peer, which
    /// keeps control of them.
    peer_initiated: HashMap<(PccId, Bytes), IpAddr>,
    /// Updates relayed to a PCC: (PCC session, our SRP-ID) to (peer, its
    /// SRP-ID), for the cascaded acknowledgement.
    relays: HashMap<(SessionId, u32), (IpAddr, u32)>,
    /// PCC Open information, by where it came from: our own session
    /// (`None`, first) or each peer that relayed it (kept per peer: one
    /// peer going down must not take what another still relays).
    pcc_info: HashMap<PccId, BTreeMap<Option<IpAddr>, Open>>,
    /// The peers that sub-delegate an LSP to us (D=1 in their last report
    /// of it), the latest last. Usually one; two while a PCC moves its
    /// delegation from one PCE to another and the first has not heard yet:
    /// when the latest withdraws, the other's sub-delegation stands.
    claims: crate::pce::SharedMap<LspKey, Vec<IpAddr>>,
    /// The LSPs a PCC delegated to us directly (a superset: entries whose
    /// LSP no longer says so are dropped when met), so that deciding again
    /// who computes what costs the delegated LSPs, not the database.
    pcc_delegated: imbl::OrdSet<LspKey>,
    /// The LSPs each peer taught us (a superset: entries whose LSP no
    /// longer lists the peer as a source are dropped when met), so that
    /// forgetting what a peer taught costs its LSPs, not the database.
    taught: HashMap<IpAddr, imbl::HashSet<LspKey>>,
    /// SPEAKER-ENTITY-IDs other than the default ([`owner_id`]): a PCC's
    /// own (RFC 8232, from its Open), a long name's bytes.
    speakers: HashMap<PccId, Bytes>,
    /// The PCCs that advertised their own SPEAKER-ENTITY-ID, by it.
    named: HashMap<Bytes, PccId>,
}

impl InterPce {
    pub(in crate::pce) fn new(config: StateSync) -> Self {
        Self {
            config,
            peers_up: BTreeMap::new(),
            peer_grace: HashMap::new(),
            purges_peer: BTreeSet::new(),
            peer_seen: HashMap::new(),
            forwarded_requests: HashMap::new(),
            next_request_id: 1,
            peer_initiated: HashMap::new(),
            relays: HashMap::new(),
            pcc_info: HashMap::new(),
            claims: crate::pce::SharedMap::new(),
            pcc_delegated: imbl::OrdSet::new(),
            taught: HashMap::new(),
            speakers: HashMap::new(),
            named: HashMap::new(),
        }
    }
}

/// A peer no longer sub-delegates an LSP to us (D=0, removal, session
/// down): the sub-delegation of another peer that still claims it stands
/// (`other`; we compute it if `eligible`), else the PCC's own delegation to
/// us, if any. An update relayed through the peer is void.
pub(in crate::pce) fn withdraw_sub_delegation(
    c: &mut crate::lspdb::Control,
    other: Option<IpAddr>,
    eligible: bool,
) {
    c.inter_mut().delegated_by = other;
    c.delegated = if other.is_some() {
        eligible
    } else {
        c.inter().pcc_delegated && c.inter().sub_delegated_to.is_none()
    };
    c.pending_srp = None;
}

impl Pce {
    pub(in crate::pce) fn sync_config(&self) -> Option<&StateSync> {
        self.inter.as_ref().map(|i| &i.config)
    }

    /// New computation priorities and policies (a configuration reload);
    /// the peers and this PCE's identity stay as they are (they need a
    /// restart). Who computes what is decided again.
    pub fn reload_state_sync(&mut self, new: Option<StateSync>) {
        if let (Some(cur), Some(new)) = (self.inter.as_mut().map(|i| &mut i.config), new) {
            cur.priority = new.priority;
            cur.group_priorities = new.group_priorities;
            cur.lsp_priorities = new.lsp_priorities;
            cur.on_primary_loss = new.on_primary_loss;
            cur.partial_group = new.partial_group;
            cur.forward_without_db_version = new.forward_without_db_version;
            cur.accept_unannounced_pccs = new.accept_unannounced_pccs;
            for p in &mut cur.peers {
                if let Some(q) = new.peers.iter().find(|q| q.address == p.address) {
                    p.priority = q.priority;
                }
            }
            self.reassign_primaries();
        }
    }

    /// `peer` sub-delegates `key` to us (a report with D=1).
    pub(in crate::pce) fn claim(&mut self, key: LspKey, peer: IpAddr) {
        if let Some(i) = self.inter.as_mut() {
            let v = i.claims.get_or_insert_with(key, Vec::new);
            v.retain(|p| *p != peer);
            v.push(peer);
        }
    }

    /// `peer` no longer sub-delegates `key` to us; the peer that still
    /// does (the latest), if any.
    pub(in crate::pce) fn unclaim(&mut self, key: LspKey, peer: IpAddr) -> Option<IpAddr> {
        let i = self.inter.as_mut()?;
        let v = i.claims.get_mut(&key)?;
        v.retain(|p| *p != peer);
        let latest = v.last().copied();
        if v.is_empty() {
            i.claims.remove(&key);
        }
        latest
    }

    /// Hook: a PCC delegated `key` to us.
    pub(in crate::pce) fn inter_pcc_delegates(&mut self, key: LspKey) {
        if let Some(i) = self.inter.as_mut() {
            i.pcc_delegated.insert(key);
        }
    }

    /// The LSPs whose computing PCE may have to be decided again: those a
    /// PCC delegated to us and those peers sub-delegate to us, in order.
    pub(in crate::pce) fn delegated_to_us(&mut self) -> Vec<LspKey> {
        let Some(i) = self.inter.as_mut() else {
            return Vec::new();
        };
        let lspdb = &self.lspdb;
        let gone: Vec<LspKey> = i
            .pcc_delegated
            .iter()
            .filter(|k| lspdb.with(k, |e| e.control.inter().pcc_delegated) != Some(true))
            .copied()
            .collect();
        for k in &gone {
            i.pcc_delegated.remove(k);
        }
        let mut keys: Vec<LspKey> = i
            .pcc_delegated
            .iter()
            .chain(i.claims.keys())
            .copied()
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// An LSP left the database: no peer claims or taught it any more.
    pub(in crate::pce) fn inter_lsp_removed(&mut self, key: LspKey, name: Option<Bytes>) {
        if let Some(i) = self.inter.as_mut() {
            i.claims.remove(&key);
            // An LSP we created for a peer, deleted by its PCC (R=1): a new
            // one of that name is not the peer's.
            if let Some(name) = name {
                i.peer_initiated.remove(&(key.pcc, name));
            }
            for keys in i.taught.values_mut() {
                keys.remove(&key);
            }
        }
    }

    /// `peer` taught us the LSP (it is one of its sources now).
    pub(in crate::pce) fn taught_by(&mut self, peer: IpAddr, key: LspKey) {
        if let Some(i) = self.inter.as_mut() {
            i.taught.entry(peer).or_default().insert(key);
        }
    }

    /// The LSPs `peer` may have taught us (a superset), sorted; the index
    /// forgets them.
    pub(in crate::pce) fn take_taught(&mut self, peer: IpAddr) -> Vec<LspKey> {
        let mut keys: Vec<LspKey> = self
            .inter
            .as_mut()
            .and_then(|i| i.taught.remove(&peer))
            .map(|k| k.into_iter().collect())
            .unwrap_or_default();
        keys.sort_unstable();
        keys
    }

    /// The LSPs `peer` sub-delegates to us.
    pub(in crate::pce) fn claimed_by(&self, peer: IpAddr) -> Vec<LspKey> {
        let Some(i) = self.inter.as_ref() else {
            return Vec::new();
        };
        let mut keys: Vec<LspKey> = i
            .claims
            .iter()
            .filter(|(_, v)| v.contains(&peer))
            .map(|(k, _)| *k)
            .collect();
        keys.sort_unstable();
        keys
    }

    /// The session with a peer PCE, if up.
    pub(in crate::pce) fn peer_session(&self, peer: IpAddr) -> Option<SessionId> {
        self.inter.as_ref()?.peers_up.get(&peer).copied()
    }

    /// Whether any state-sync session is up.
    pub(in crate::pce) fn any_peer_up(&self) -> bool {
        self.inter.as_ref().is_some_and(|i| !i.peers_up.is_empty())
    }

    /// The state-sync sessions up, by peer address.
    pub(in crate::pce) fn peer_sessions(&self) -> Vec<(IpAddr, SessionId)> {
        self.inter.as_ref().map_or_else(Vec::new, |i| {
            i.peers_up.iter().map(|(a, s)| (*a, *s)).collect()
        })
    }

    /// A PCC's Open as seen on our session or relayed by a peer (its MSD).
    pub(in crate::pce) fn pcc_open(&self, pcc: PccId) -> Option<&Open> {
        // Our own view first, else the lowest-addressed peer's.
        self.inter.as_ref()?.pcc_info.get(&pcc)?.values().next()
    }

    /// Hook: a PCC's session came up (its Open goes to the peers, §3.2).
    pub(in crate::pce) fn inter_pcc_up(&mut self, pcc: PccId, open: &Open) {
        let Some(i) = self.inter.as_mut() else {
            return;
        };
        // A PCC with its own SPEAKER-ENTITY-ID (RFC 8232) is named by it on
        // state-sync sessions, and a peer naming it so names this PCC.
        if let Some(own) = open.speaker_entity_id() {
            i.speakers.insert(pcc, own.clone());
            let before = i.named.insert(own.clone(), pcc);
            let known_as = owner_of(own);
            if before != Some(pcc) && known_as != pcc {
                // What peers taught us of it under that name is its: their
                // announcements now name this PCC (its reports through them
                // are still theirs to send).
                if let Some(from) = i.pcc_info.remove(&known_as) {
                    let to = i.pcc_info.entry(pcc).or_default();
                    for (peer, open) in from {
                        to.entry(peer).or_insert(open);
                    }
                }
                for key in self.lspdb.of_pcc(known_as) {
                    self.forget_lsp(key);
                }
            }
        }
        let Some(i) = self.inter.as_mut() else {
            return;
        };
        i.pcc_info
            .entry(pcc)
            .or_default()
            .insert(None, open.clone());
        self.announce_pcc(pcc, true, open.tlvs.clone());
    }

    /// Hook: a PCC's session went down; `current`: it was the PCC's session
    /// (a stale one a newer session replaced leaves the PCC up: its Open
    /// information stays, and the peers hear nothing).
    pub(in crate::pce) fn inter_pcc_down(&mut self, session: SessionId, pcc: PccId, current: bool) {
        let Some(i) = self.inter.as_mut() else {
            return;
        };
        i.relays.retain(|(sess, _), _| *sess != session);
        if !current {
            return;
        }
        if let Some(v) = i.pcc_info.get_mut(&pcc) {
            v.remove(&None);
            if v.is_empty() {
                i.pcc_info.remove(&pcc);
            }
        }
        self.announce_pcc(pcc, false, Vec::new());
    }

    /// Hook: a state-sync session went down.
    pub(in crate::pce) fn inter_session_down(
        &mut self,
        session: SessionId,
        peer: IpAddr,
        now: Instant,
    ) {
        if self.peer_session(peer) == Some(session) {
            self.peer_down(peer, now);
        }
    }

    /// Hook: the PCC answered an update or initiation we relayed for a
    /// computing peer with a PCErr: it goes back to that peer with its
    /// SRP-ID (§3.5, the cascade of answers). Whether it was one.
    pub(in crate::pce) fn inter_relayed_error(
        &mut self,
        session: SessionId,
        pcc: PccId,
        unit: &ErrorUnit,
        srp_id: u32,
    ) -> bool {
        let Some(i) = self.inter.as_mut() else {
            return false;
        };
        let Some((peer, peer_srp)) = i.relays.remove(&(session, srp_id)) else {
            return false;
        };
        if let Some(ps) = self.peer_session(peer) {
            let mut back = unit.clone();
            for x in &mut back.srps {
                if x.srp_id == srp_id {
                    x.srp_id = peer_srp;
                }
            }
            back.lsps.iter_mut().for_each(|l| {
                l.tlvs.retain(|t| !matches!(t, Tlv::SpeakerEntityId(_)));
                l.tlvs.push(Tlv::SpeakerEntityId(self.speaker_id(pcc)));
            });
            self.send(
                ps,
                Message::PcErr(PcErr {
                    errors: vec![back],
                    open: None,
                }),
            );
        }
        true
    }

    /// Hook: the peer that created this LSP for us keeps its control
    /// (§3.7), while its session is up.
    pub(in crate::pce) fn inter_initiator(&self, key: LspKey, name: &Bytes) -> Option<IpAddr> {
        let i = self.inter.as_ref()?;
        if i.peer_initiated.is_empty() {
            return None;
        }
        i.peer_initiated
            .get(&(key.pcc, name.clone()))
            .copied()
            .filter(|p| i.peers_up.contains_key(p))
    }

    /// When the next peer grace period ends.
    pub(in crate::pce) fn inter_deadline(&self) -> Option<Instant> {
        self.inter.as_ref()?.purges_peer.first().map(|(t, _)| *t)
    }

    /// Hook: end the peer grace periods due by `now`.
    pub(in crate::pce) fn inter_timeout(&mut self, now: Instant) {
        loop {
            let Some(i) = self.inter.as_mut() else {
                return;
            };
            let Some(&(at, peer)) = i.purges_peer.first() else {
                return;
            };
            if at > now {
                return;
            }
            i.purges_peer.pop_first();
            self.peer_grace_expired(at, peer);
        }
    }

    /// Whether `session` is a state-sync session, and with whom.
    pub(in crate::pce) fn peer_of(&self, session: SessionId) -> Option<IpAddr> {
        self.sessions.get(&session).and_then(SessionState::peer_pce)
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
                    if u.lsp.sync {
                        self.handle_peer_trigger(session, peer, &u);
                    } else {
                        self.handle_peer_update(session, peer, u);
                    }
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

    /// The SPEAKER-ENTITY-ID this PCE sends for `pcc`: its own when it
    /// advertised one (DIGEST §10.3's default), else [`owner_id`].
    pub(in crate::pce) fn speaker_id(&self, pcc: PccId) -> Bytes {
        self.inter
            .as_ref()
            .and_then(|i| i.speakers.get(&pcc).cloned())
            .unwrap_or_else(|| owner_id(pcc))
    }

    /// The PCC a SPEAKER-ENTITY-ID names: a PCC of ours that advertised it,
    /// else [`owner_of`]. A long name is remembered, to be sent back whole.
    pub(in crate::pce) fn owner_named(&mut self, id: &Bytes) -> PccId {
        let Some(i) = self.inter.as_mut() else {
            return owner_of(id);
        };
        if let Some(pcc) = i.named.get(id) {
            return *pcc;
        }
        let pcc = owner_of(id);
        if matches!(pcc, PccId::Named(n) if n.bytes().is_none()) {
            i.speakers.entry(pcc).or_insert_with(|| id.clone());
        }
        pcc
    }

    /// The owner PCC an LSP object on a state-sync session names, or the
    /// PCErr: 6/TBD1 when SPEAKER-ENTITY-ID is missing (the message is
    /// discarded, §3.2), 20/7 when it names this PCE or a peer PCE (a PCE
    /// is no PCC: a loop or a confused peer).
    pub(in crate::pce) fn owner_or_error(
        &mut self,
        session: SessionId,
        lsp: &Lsp,
    ) -> Option<PccId> {
        let owner = lsp.speaker_entity_id().map(|id| {
            let pcc = self.owner_named(id);
            let a_pce = pcc.addr().is_some_and(|a| {
                self.sync_config()
                    .is_some_and(|s| s.identity == a || s.peers.iter().any(|p| p.address == a))
            });
            (!a_pce).then_some(pcc)
        });
        match owner {
            Some(Some(owner)) => Some(owner),
            Some(None) => {
                self.send_error(
                    session,
                    PcErrCode::INVALID_SPEAKER_ENTITY_ID,
                    Some(&lsp.without_tlvs()),
                );
                None
            }
            None => {
                self.missing_speaker(session, &lsp.without_tlvs());
                None
            }
        }
    }

    /// The LSP an LSP object on a state-sync session names (its owner by
    /// SPEAKER-ENTITY-ID, its PLSP-ID), or the PCErr of
    /// [`Self::owner_or_error`].
    pub(in crate::pce) fn key_or_error(&mut self, session: SessionId, lsp: &Lsp) -> Option<LspKey> {
        let owner = self.owner_or_error(session, lsp)?;
        Some(LspKey {
            pcc: owner,
            plsp_id: lsp.plsp_id,
        })
    }

    pub(in crate::pce) fn missing_speaker(&mut self, session: SessionId, lsp: &Lsp) {
        let v = self.sync_config().map_or(
            StateSyncCodepoints::DEFAULT_SPEAKER_ENTITY_ID_MISSING,
            |s| s.codepoints.speaker_entity_id_missing,
        );
        self.send_error(session, PcErrCode::mandatory_object_missing(v), Some(lsp));
    }
}
