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

use std::net::IpAddr;

use bytes::Bytes;
use pcep::wire::object::{Lsp, Notification, Srp};
use pcep::wire::tlv::Tlv;
use pcep::wire::{
    Message, NotifyUnit, PcErrCode, PcNtf, PcRpt, PcUpd, StateReport, StateSyncCodepoints,
};
use serde::Serialize;

use super::{Pce, SessionId};
use crate::lspdb::{Applied, LspKey, PccId, Source};

/// A configured peer PCE.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeerPce {
    /// Its address (the one its state-sync session comes from or goes to,
    /// and its identity for the tie-break).
    pub address: IpAddr,
    /// Its global computation priority.
    pub priority: u32,
}

/// Priorities for an association group range (draft §3.5, §5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupPriority {
    /// Association type.
    pub association_type: u16,
    /// Association source.
    pub source: IpAddr,
    /// First and last association ID.
    pub ids: (u16, u16),
    /// Priority by PCE address (this PCE's identity included); a PCE not
    /// listed has priority 0 for these groups.
    pub priorities: Vec<(IpAddr, u32)>,
}

/// Priorities for one LSP, by its PCC and symbolic name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LspPriority {
    /// The owner PCC's address.
    pub pcc: IpAddr,
    /// The LSP's symbolic name.
    pub name: String,
    /// Priority by PCE address; unlisted: 0.
    pub priorities: Vec<(IpAddr, u32)>,
}

/// What a PCE does with the LSPs it sub-delegated when the computing PCE
/// (or the session to it) fails (draft §3.5: local policy).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum PrimaryLoss {
    /// Sub-delegate to the next-highest reachable PCE (itself included).
    #[default]
    NextHighest,
    /// Take control back and compute itself.
    Reclaim,
}

/// What the computing PCE does with an association group of which it
/// controls only some members (draft §3.5: SHOULD NOT compute with the
/// constraint; local policy).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum PartialGroup {
    /// Compute the members it controls without the group constraint.
    Relax,
    /// Do not compute them.
    Skip,
    /// Compute them against the reported paths of the others (what a PCE
    /// without state-sync does). The default: it never moves an LSP into a
    /// shared risk with a member this PCE cannot move (after a PCE failure,
    /// say), and with a consistent priority configuration only one PCE
    /// computes a group, so it cannot loop.
    #[default]
    AvoidOthers,
}

/// State-sync configuration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StateSync {
    /// This PCE's identity (tie-break address).
    pub identity: IpAddr,
    /// This PCE's global priority.
    pub priority: u32,
    /// The peers (a full mesh is required: every PCE lists every other).
    pub peers: Vec<PeerPce>,
    /// Per association group priorities (before the global ones).
    pub group_priorities: Vec<GroupPriority>,
    /// Per LSP priorities (before everything).
    pub lsp_priorities: Vec<LspPriority>,
    /// When the computing PCE is lost.
    pub on_primary_loss: PrimaryLoss,
    /// Groups controlled only in part.
    pub partial_group: PartialGroup,
    /// Forward reports of PCCs that send no LSP-DB-VERSION (the draft says
    /// SHOULD NOT; most deployed PCCs, FRR's pathd included, send none, and
    /// without forwarding their LSPs never reach the peers incrementally).
    /// Freshness then falls back to: the PCC's own report wins, else the
    /// last forwarded one.
    pub forward_without_db_version: bool,
    /// The draft's unallocated code points.
    pub codepoints: StateSyncCodepoints,
}

impl StateSync {
    /// A configuration with these peers and defaults elsewhere.
    pub fn new(identity: IpAddr, priority: u32, peers: Vec<PeerPce>) -> Self {
        Self {
            identity,
            priority,
            peers,
            group_priorities: Vec::new(),
            lsp_priorities: Vec::new(),
            on_primary_loss: PrimaryLoss::default(),
            partial_group: PartialGroup::default(),
            forward_without_db_version: true,
            codepoints: StateSyncCodepoints::default(),
        }
    }
}

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

/// Highest priority, then highest address (IPv4 compared as IPv4-mapped
/// IPv6, DIGEST §10.13).
fn rank(priority: u32, address: IpAddr) -> (u32, u128) {
    (priority, address_rank(address))
}

/// The order of PCE identities (DIGEST §10.13): IPv4 as IPv4-mapped IPv6,
/// in 128-bit order. The higher identity wins a tie of priorities; the
/// lower one opens the state-sync session.
pub fn address_rank(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// A configured peer as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeerStatus {
    /// Its address.
    pub address: IpAddr,
    /// Its global priority.
    pub priority: u32,
    /// A state-sync session with it is up.
    pub session_up: bool,
    /// Its initial synchronization towards us is complete (end-of-sync
    /// marker received).
    pub synchronized: bool,
}

impl Pce {
    /// The configured peers and their state; an incomplete mesh shows as
    /// peers whose session is down.
    pub fn peers(&self) -> Vec<PeerStatus> {
        let Some(ss) = self.sync_config() else {
            return Vec::new();
        };
        ss.peers
            .iter()
            .map(|p| {
                let session = self.peers_up.get(&p.address);
                PeerStatus {
                    address: p.address,
                    priority: p.priority,
                    session_up: session.is_some(),
                    synchronized: session
                        .and_then(|s| self.sessions.get(s))
                        .is_some_and(|s| s.synced),
                }
            })
            .collect()
    }

    pub(super) fn sync_config(&self) -> Option<&StateSync> {
        self.config.state_sync.as_ref()
    }

    /// The computing PCE of an LSP among the reachable ones (this PCE and
    /// the peers with a state-sync session up).
    pub(super) fn primary_for(&self, key: LspKey) -> Option<IpAddr> {
        let ss = self.sync_config()?;
        let name = if ss.lsp_priorities.is_empty() {
            None
        } else {
            self.lspdb
                .with(&key, |e| String::from_utf8_lossy(&e.name).into_owned())
        };
        let groups = self.lsp_groups.get(&key);
        let priority = |pce: IpAddr, global: u32| -> u32 {
            if let Some(name) = &name {
                if let Some(r) = ss
                    .lsp_priorities
                    .iter()
                    .find(|r| r.pcc == key.pcc.0 && r.name == *name)
                {
                    return r
                        .priorities
                        .iter()
                        .find(|(a, _)| *a == pce)
                        .map_or(0, |p| p.1);
                }
            }
            let group_rule = groups.into_iter().flatten().find_map(|g| {
                ss.group_priorities.iter().find(|r| {
                    r.association_type == g.association_type
                        && r.source == g.source
                        && (r.ids.0..=r.ids.1).contains(&g.id)
                })
            });
            if let Some(r) = group_rule {
                return r
                    .priorities
                    .iter()
                    .find(|(a, _)| *a == pce)
                    .map_or(0, |p| p.1);
            }
            global
        };
        let mut best = (
            ss.identity,
            rank(priority(ss.identity, ss.priority), ss.identity),
        );
        for p in &ss.peers {
            if !self.peers_up.contains_key(&p.address) {
                continue;
            }
            let r = rank(priority(p.address, p.priority), p.address);
            if r > best.1 {
                best = (p.address, r);
            }
        }
        Some(best.0)
    }

    /// Whether `session` is a state-sync session, and with whom.
    pub(super) fn peer_of(&self, session: SessionId) -> Option<IpAddr> {
        self.sessions.get(&session).and_then(|s| s.peer_pce)
    }

    /// A state-sync session came up (or is refused).
    pub(super) fn peer_up(&mut self, session: SessionId, peer: IpAddr) -> bool {
        let known = self
            .sync_config()
            .is_some_and(|ss| ss.peers.iter().any(|p| p.address == peer));
        if !known {
            // Only configured peers may become state-sync peers.
            self.fail(session, PcErrCode::new(2, 0), None);
            return false;
        }
        self.peers_up.insert(peer, session);
        self.counters.peer_sessions += 1;
        if let Some(at) = self.peer_grace.remove(&peer) {
            self.purges_peer.remove(&(at, peer));
        }
        self.peer_seen
            .insert(peer, std::collections::HashSet::new());
        // PCC Open information first, then the LSPs, then the marker.
        let infos: Vec<(PccId, Vec<Tlv>)> = {
            let mut v: Vec<(PccId, Vec<Tlv>)> = self
                .sessions
                .values()
                .filter(|s| s.peer_pce.is_none())
                .map(|s| (s.pcc, s.negotiated.peer.tlvs.clone()))
                .collect();
            v.sort_by_key(|x| x.0);
            v
        };
        if !infos.is_empty() {
            let units = infos
                .into_iter()
                .map(|(pcc, tlvs)| self.pcc_info_unit(pcc, 1, tlvs))
                .collect();
            self.send(
                session,
                Message::PcNtf(PcNtf {
                    notifications: units,
                }),
            );
        }
        // A new peer may outrank the computing PCE of what we hold.
        self.reassign_primaries();
        let mut reports = Vec::new();
        for key in self.lspdb.keys() {
            let Some(r) = self.forwardable(key, peer, true, 0) else {
                continue;
            };
            reports.push(r);
        }
        reports.push(StateReport {
            lsp: Lsp::end_of_sync(),
            ..StateReport::default()
        });
        for chunk in reports.chunks(64) {
            self.send(
                session,
                Message::PcRpt(PcRpt {
                    reports: chunk.to_vec(),
                }),
            );
        }
        true
    }

    fn pcc_info_unit(&self, pcc: PccId, value: u8, mut tlvs: Vec<Tlv>) -> NotifyUnit {
        let cp = self
            .sync_config()
            .map_or_else(StateSyncCodepoints::default, |s| s.codepoints);
        tlvs.retain(|t| !matches!(t, Tlv::SpeakerEntityId(_)));
        tlvs.insert(0, Tlv::SpeakerEntityId(owner_id(pcc)));
        NotifyUnit {
            rps: Vec::new(),
            notifications: vec![Notification {
                header: pcep::wire::object::HeaderFlags::default(),
                notification_flags: 0,
                notification_type: pcep::wire::NotificationType(cp.pcc_open_notification_type),
                notification_value: value,
                tlvs,
            }],
            unknown: Vec::new(),
        }
    }

    /// Tell every peer that a PCC session came up (value 1, with its Open
    /// TLVs) or went down (value 2).
    pub(super) fn announce_pcc(&mut self, pcc: PccId, up: bool, tlvs: Vec<Tlv>) {
        if self.sync_config().is_none() {
            return;
        }
        let unit = self.pcc_info_unit(
            pcc,
            if up { 1 } else { 2 },
            if up { tlvs } else { Vec::new() },
        );
        let peers: Vec<SessionId> = self.peers_up.values().copied().collect();
        for s in peers {
            self.send(
                s,
                Message::PcNtf(PcNtf {
                    notifications: vec![unit.clone()],
                }),
            );
        }
    }

    /// The report of a PCC-learned LSP as a peer gets it: SPEAKER-ENTITY-ID
    /// and ORIGINAL-LSP-DB-VERSION added, D=1 only towards the PCE it is
    /// sub-delegated to, SRP-ID as given (0: none to acknowledge).
    fn forwardable(
        &self,
        key: LspKey,
        peer: IpAddr,
        sync: bool,
        srp_id: u32,
    ) -> Option<StateReport> {
        let ss = self.sync_config()?;
        let (mut report, control) = self.lspdb.with(&key, |e| (e.report(), e.control.clone()))?;
        if !control.sources.contains(&Source::Pcc) {
            // Learned from a peer: never forwarded (no transit).
            return None;
        }
        if control.version.is_none() && !ss.forward_without_db_version {
            return None;
        }
        report.lsp.sync = sync;
        report.lsp.delegate = control.sub_delegated_to == Some(peer);
        report
            .lsp
            .tlvs
            .retain(|t| !matches!(t, Tlv::SpeakerEntityId(_) | Tlv::OriginalLspDbVersion(_)));
        report
            .lsp
            .tlvs
            .push(Tlv::SpeakerEntityId(owner_id(key.pcc)));
        if let Some(v) = control.version {
            report.lsp.tlvs.push(Tlv::OriginalLspDbVersion(v));
        }
        match report.srp.as_mut() {
            Some(s) => s.srp_id = srp_id,
            None if srp_id != 0 => {
                report.srp = Some(Srp {
                    srp_id,
                    ..Srp::default()
                });
            }
            None => {}
        }
        Some(report)
    }

    /// Forward a PCC's report (just applied) to every peer. `ack`: the PCC
    /// session and the SRP-ID the report carries; if it acknowledges an
    /// update we relayed, the computing PCE gets it with its own SRP-ID.
    /// `removed`: the report of an LSP the database no longer holds.
    pub(super) fn forward_report(
        &mut self,
        key: LspKey,
        ack: Option<(SessionId, u32)>,
        removed: Option<StateReport>,
    ) {
        if self.sync_config().is_none() || self.peers_up.is_empty() {
            return;
        }
        let relay = ack
            .filter(|(_, srp)| *srp != 0)
            .and_then(|k| self.relays.remove(&k));
        let peers: Vec<(IpAddr, SessionId)> = self.peers_up.iter().map(|(a, s)| (*a, *s)).collect();
        for (peer, s) in peers {
            let peer_srp = relay.filter(|r| r.0 == peer).map_or(0, |r| r.1);
            let report = match &removed {
                Some(r) => {
                    let mut r = r.clone();
                    r.lsp.delegate = false;
                    r.lsp.tlvs.retain(|t| {
                        !matches!(t, Tlv::SpeakerEntityId(_) | Tlv::OriginalLspDbVersion(_))
                    });
                    r.lsp.tlvs.push(Tlv::SpeakerEntityId(owner_id(key.pcc)));
                    if let Some(v) = r.lsp.db_version() {
                        r.lsp.tlvs.push(Tlv::OriginalLspDbVersion(v));
                    }
                    if let Some(srp) = r.srp.as_mut() {
                        srp.srp_id = 0;
                    }
                    Some(r)
                }
                None => self.forwardable(key, peer, false, peer_srp),
            };
            if let Some(report) = report {
                self.counters.forwarded_reports += 1;
                self.send(
                    s,
                    Message::PcRpt(PcRpt {
                        reports: vec![report],
                    }),
                );
            }
        }
    }

    /// After the set of reachable PCEs changed: re-decide, for every LSP a
    /// PCC delegated to us, whether we compute it or sub-delegate it, and
    /// tell the peers concerned (D=0 to the old target, D=1 to the new one).
    pub(super) fn reassign_primaries(&mut self) {
        let Some(local) = self.sync_config().map(|s| s.identity) else {
            return;
        };
        let policy = self
            .sync_config()
            .map(|s| s.on_primary_loss)
            .unwrap_or_default();
        for key in self.lspdb.keys() {
            let Some(control) = self.lspdb.with(&key, |e| e.control.clone()) else {
                continue;
            };
            if control.delegated_by.is_some() && !control.pcc_delegated {
                // Sub-delegated to us: we compute it while we are the
                // computing PCE as we see the mesh.
                let computing = self.primary_for(key) == Some(local);
                if computing != control.delegated {
                    self.lspdb.with_mut(&key, |e| {
                        e.control.delegated = computing;
                        e.control.pending_srp = None;
                    });
                    if computing {
                        self.compute_and_update(key, false);
                    }
                }
                continue;
            }
            if !control.pcc_delegated {
                continue;
            }
            let old = control.sub_delegated_to;
            let lost = old.is_some_and(|o| !self.peers_up.contains_key(&o));
            let primary = if lost && policy == PrimaryLoss::Reclaim {
                Some(local)
            } else {
                self.primary_for(key)
            };
            let new = primary.filter(|p| *p != local);
            // Unchanged, unless we compute it and have not been (a PCC
            // delegation held back while no primary was decided).
            if new == old && (old.is_some() || control.delegated) {
                continue;
            }
            self.lspdb.with_mut(&key, |e| {
                e.control.sub_delegated_to = new;
                e.control.delegated = new.is_none() || e.control.delegated_by.is_some();
                if new.is_some() {
                    e.control.pending_srp = None;
                }
            });
            for target in [old, new].into_iter().flatten() {
                if let Some(&s) = self.peers_up.get(&target) {
                    if let Some(r) = self.forwardable(key, target, false, 0) {
                        self.counters.forwarded_reports += 1;
                        self.send(s, Message::PcRpt(PcRpt { reports: vec![r] }));
                    }
                }
            }
            if new.is_none() {
                self.compute_and_update(key, false);
            }
        }
    }

    /// A state-sync session ended.
    pub(super) fn peer_down(&mut self, peer: IpAddr, now: std::time::Instant) {
        self.peers_up.remove(&peer);
        self.pcc_info.retain(|_, (_, from)| *from != Some(peer));
        // Control through that peer ends at once; what it taught us stays
        // for a grace period (the State Timeout, DIGEST §8.12), so that the
        // paths of its LSPs still constrain ours and a quick return resyncs
        // without churn.
        for key in self.lspdb.keys() {
            self.lspdb.with_mut(&key, |e| {
                let c = &mut e.control;
                if c.delegated_by == Some(peer) {
                    c.delegated_by = None;
                    c.delegated = c.pcc_delegated && c.sub_delegated_to.is_none();
                    c.pending_srp = None;
                }
            });
        }
        let at = now + self.config.state_timeout;
        self.peer_grace.insert(peer, at);
        self.purges_peer.insert((at, peer));
        self.relays.retain(|_, r| r.0 != peer);
        self.forwarded_requests.retain(|(p, _), _| *p != peer);
        self.reassign_primaries();
    }

    /// Forget what only `peer` taught us (its grace period ended, or its
    /// resync did not re-report it: `keep`).
    pub(super) fn drop_peer_source(
        &mut self,
        peer: IpAddr,
        keep: &std::collections::HashSet<LspKey>,
    ) {
        for key in self.lspdb.keys() {
            if keep.contains(&key) {
                continue;
            }
            let mut gone = false;
            self.lspdb.with_mut(&key, |e| {
                let c = &mut e.control;
                let before = c.sources.len();
                c.sources.retain(|s| *s != Source::Peer(peer));
                gone = before > 0 && c.sources.is_empty();
            });
            if gone {
                self.release(&key);
                self.set_groups(key, Vec::new());
                self.lspdb.remove(&key);
            }
        }
    }

    /// The grace period of a peer that stayed away ended.
    pub(super) fn peer_grace_expired(&mut self, at: std::time::Instant, peer: IpAddr) {
        if self.peer_grace.get(&peer) == Some(&at) && !self.peers_up.contains_key(&peer) {
            self.peer_grace.remove(&peer);
            self.drop_peer_source(peer, &std::collections::HashSet::new());
        }
    }

    /// A message on a state-sync session.
    pub(super) fn handle_peer_message(
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
    fn owner_or_error(&mut self, session: SessionId, lsp: &Lsp) -> Option<PccId> {
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

    fn missing_speaker(&mut self, session: SessionId, lsp: &Lsp) {
        let v = self.sync_config().map_or(
            StateSyncCodepoints::DEFAULT_SPEAKER_ENTITY_ID_MISSING,
            |s| s.codepoints.speaker_entity_id_missing,
        );
        self.send_error(session, PcErrCode::new(6, v), Some(lsp));
    }

    fn handle_peer_report(&mut self, session: SessionId, peer: IpAddr, report: StateReport) {
        self.counters.reports += 1;
        if report.lsp.is_end_of_sync() {
            let first = self.sessions.get(&session).is_some_and(|s| !s.synced);
            if let Some(s) = self.sessions.get_mut(&session) {
                s.synced = true;
            }
            if first {
                // What the peer taught us before and did not re-report in
                // this sync is gone.
                let seen = self.peer_seen.remove(&peer).unwrap_or_default();
                self.drop_peer_source(peer, &seen);
                // Now compute what the peer sub-delegated to us.
                for key in self.lspdb.keys() {
                    if self
                        .lspdb
                        .with(&key, |e| e.control.delegated_by == Some(peer))
                        == Some(true)
                    {
                        self.compute_and_update(key, false);
                    }
                }
            }
            return;
        }
        let Some(owner) = self.owner_or_error(session, &report.lsp) else {
            return;
        };
        let key = LspKey {
            pcc: owner,
            plsp_id: report.lsp.plsp_id,
        };
        let source = Source::Peer(peer);
        if let Some(seen) = self.peer_seen.get_mut(&peer) {
            seen.insert(key);
        }
        let version = report.lsp.original_db_version();
        let delegate = report.lsp.delegate;
        let report_create = report.lsp.create;
        let srp_id = report.srp.as_ref().map_or(0, |s| s.srp_id);
        if report.lsp.remove {
            let mut gone = false;
            self.lspdb.with_mut(&key, |e| {
                e.control.sources.retain(|s| *s != source);
                gone = e.control.sources.is_empty();
                if e.control.delegated_by == Some(peer) {
                    e.control.delegated_by = None;
                    e.control.delegated = false;
                }
            });
            if gone {
                self.release(&key);
                self.set_groups(key, Vec::new());
                self.lspdb.remove(&key);
            }
            return;
        }
        // §3.4 freshness. A relayed acknowledgement of our own update is the
        // PCC's answer to it: at least as fresh as anything we hold.
        let existing = self
            .lspdb
            .with(&key, |e| (e.control.sources.clone(), e.control.version));
        let acks = srp_id != 0
            && self
                .lspdb
                .with(&key, |e| e.control.pending_srp)
                .flatten()
                .is_some_and(|p| super::srp_at_least(srp_id, p));
        let replace = acks
            || match &existing {
                None => true,
                Some((sources, stored)) => match (version, *stored) {
                    (Some(v), Some(s)) => v > s,
                    (Some(_), None) => !sources.contains(&Source::Pcc),
                    // No versions: the PCC's own report wins, else the last one.
                    (None, _) => !sources.contains(&Source::Pcc),
                },
            };
        let equal = existing
            .as_ref()
            .is_some_and(|(_, s)| version.is_some() && *s == version);
        let groups = super::disjoint_groups(&report);
        if replace {
            let mut stored = report;
            stored
                .lsp
                .tlvs
                .retain(|t| !matches!(t, Tlv::SpeakerEntityId(_) | Tlv::OriginalLspDbVersion(_)));
            match self.lspdb.apply_owned(owner, stored) {
                Ok(Applied::Created(_) | Applied::Updated(_)) => {}
                _ => return,
            }
            self.set_groups(key, groups);
            self.lspdb.with_mut(&key, |e| {
                // An acknowledgement does not make us forget the PCC itself.
                let direct = acks && e.control.sources.contains(&Source::Pcc);
                e.control.sources = if direct {
                    vec![Source::Pcc, source]
                } else {
                    vec![source]
                };
                e.control.version = version;
            });
        } else if existing.is_some() && (equal || version.is_none()) {
            self.lspdb.with_mut(&key, |e| {
                if !e.control.sources.contains(&source) {
                    e.control.sources.push(source);
                }
            });
        }
        // Sub-delegation to us (D=1), or its end (D=0 from the same peer).
        // We compute it only if we are the computing PCE as we see the mesh:
        // a sub-delegated LSP is never sub-delegated again (draft Example
        // 3), so when a higher PCE is reachable from us but not from the
        // sub-delegating one, the LSP has no computing PCE and is left as it
        // is (DIGEST §10.16, the draft's reading).
        let local = self.sync_config().map(|s| s.identity);
        // The report answering a PCInitiate we relayed through this peer.
        let initiated_name = (srp_id != 0 && report_create)
            .then(|| {
                self.sessions
                    .get_mut(&session)
                    .and_then(|s| s.initiations.remove(&srp_id))
            })
            .flatten();
        let ours = initiated_name.is_some()
            || self
                .lspdb
                .with(&key, |e| String::from_utf8_lossy(&e.name).into_owned())
                .is_some_and(|n| self.initiated.contains_key(&(owner, n)));
        let computing = delegate && (ours || self.primary_for(key) == local);
        let mut acked = false;
        self.lspdb.with_mut(&key, |e| {
            if initiated_name.is_some() {
                let ero = e.report().ero.subobjects;
                e.control.initiated = true;
                e.control.computed = Some(ero);
            }
            let c = &mut e.control;
            if delegate {
                c.delegated_by = Some(peer);
                c.delegated = computing;
            } else if c.delegated_by == Some(peer) {
                c.delegated_by = None;
                c.delegated = c.pcc_delegated && c.sub_delegated_to.is_none();
                c.pending_srp = None;
            }
            if let Some(p) = c.pending_srp {
                if srp_id != 0 && super::srp_at_least(srp_id, p) {
                    c.pending_srp = None;
                    c.acked_srp = Some(srp_id);
                    acked = true;
                }
            }
        });
        if acked {
            self.counters.updates_acked += 1;
        }
        let synced = self.sessions.get(&session).is_some_and(|s| s.synced);
        if synced {
            self.compute_and_update(key, false);
        }
    }

    fn handle_peer_update(
        &mut self,
        session: SessionId,
        peer: IpAddr,
        mut u: pcep::wire::UpdateRequest,
    ) {
        let Some(owner) = self.owner_or_error(session, &u.lsp) else {
            return;
        };
        let key = LspKey {
            pcc: owner,
            plsp_id: u.lsp.plsp_id,
        };
        let Some(control) = self.lspdb.with(&key, |e| e.control.clone()) else {
            self.send_error(
                session,
                PcErrCode::UNKNOWN_PLSP_ID,
                Some(&u.lsp.without_tlvs()),
            );
            return;
        };
        if control.sub_delegated_to != Some(peer) {
            if !u.lsp.delegate {
                // The computing PCE's copy: remember who computes it.
                self.lspdb
                    .with_mut(&key, |e| e.control.computed_by = Some(peer));
            }
            if u.lsp.delegate {
                // An update for an LSP not sub-delegated to that peer.
                self.send_error(
                    session,
                    PcErrCode::NOT_DELEGATED,
                    Some(&u.lsp.without_tlvs()),
                );
            }
            // D=0 from the computing PCE: its intended path, informational.
            return;
        }
        if !u.lsp.delegate {
            // The computing PCE returns the sub-delegation: take it back.
            self.lspdb.with_mut(&key, |e| {
                e.control.sub_delegated_to = None;
                e.control.delegated = e.control.pcc_delegated;
            });
            self.compute_and_update(key, false);
            return;
        }
        // Relay to the PCC: our own SRP-ID on its session, the peer's
        // remembered for the cascaded acknowledgement; no SPEAKER-ENTITY-ID.
        let Some(pcc_session) = self.pccs.get(&owner).and_then(|p| p.session) else {
            return;
        };
        let Some(s) = self.sessions.get_mut(&pcc_session) else {
            return;
        };
        let local_srp = s.srp_id();
        self.relays
            .insert((pcc_session, local_srp), (peer, u.srp.srp_id));
        u.srp.srp_id = local_srp;
        u.lsp.tlvs.retain(|t| !matches!(t, Tlv::SpeakerEntityId(_)));
        self.lspdb.with_mut(&key, |e| {
            e.control.computed = Some(u.ero.subobjects.clone());
        });
        self.counters.relayed_updates += 1;
        self.send(pcc_session, Message::PcUpd(PcUpd { updates: vec![u] }));
    }

    /// §3.6: take out of a PCC's PCReq the requests naming an LSP (LSP
    /// object, by PLSP-ID) that a peer computes, and forward each to that
    /// peer with SPEAKER-ENTITY-ID and our own Request-ID; the rest is
    /// answered here. Requests without an LSP object have no owner to name
    /// and are answered here (DIGEST §10.22).
    pub(super) fn forward_requests(
        &mut self,
        session: SessionId,
        pcc: PccId,
        mut req: pcep::wire::PcReq,
    ) -> pcep::wire::PcReq {
        let Some(local) = self.sync_config().map(|s| s.identity) else {
            return req;
        };
        if self.peers_up.is_empty() {
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
                .and_then(|p| self.peers_up.get(&p).map(|s| (p, *s)));
            let Some((peer, peer_session)) = target else {
                keep.push(r);
                continue;
            };
            let rid = self.next_request_id;
            self.next_request_id = self.next_request_id.wrapping_add(1).max(1);
            self.forwarded_requests
                .insert((peer, rid), (session, r.rp.request_id));
            r.rp.request_id = rid;
            if let Some(l) = r.lsp.as_mut() {
                l.tlvs.retain(|t| !matches!(t, Tlv::SpeakerEntityId(_)));
                l.tlvs.push(Tlv::SpeakerEntityId(owner_id(pcc)));
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
    fn answer_peer_request(&mut self, session: SessionId, req: &pcep::wire::PcReq) {
        let owner = req.requests.iter().find_map(|r| {
            r.lsp
                .as_ref()?
                .speaker_entity_id()
                .and_then(|id| owner_of(id))
        });
        let negotiated = owner.and_then(|o| self.pcc_info.get(&o)).map(|(open, _)| {
            pcep::session::Negotiated::new(&open.clone(), open, &StateSyncCodepoints::default())
        });
        let topo = self.ted.snapshot();
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
    fn relay_peer_reply(&mut self, peer: IpAddr, rep: pcep::wire::PcRep) {
        for mut r in rep.responses {
            let Some((session, rid)) = self.forwarded_requests.remove(&(peer, r.rp.request_id))
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

    /// The peer that has a session with `pcc` (its Open relayed to us).
    pub(super) fn relay_session_for(&self, pcc: PccId) -> Option<SessionId> {
        let peer = self.pcc_info.get(&pcc)?.1?;
        let s = *self.peers_up.get(&peer)?;
        self.sessions.get(&s).filter(|x| x.synced).map(|_| s)
    }

    /// A PCInitiate relayed by a peer with no session to the head end
    /// (§3.7): create the LSP on our session with it (the peer keeps
    /// control: the PCC's report goes back to it with D=1), or answer PCErr
    /// 24/TBD5 "no PCEP session with the head end".
    fn handle_peer_initiate(
        &mut self,
        session: SessionId,
        peer: IpAddr,
        mut r: pcep::wire::InitiateRequest,
    ) {
        let Some(owner) = self.owner_or_error(session, &r.lsp) else {
            return;
        };
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
            self.send_srp_error(session, PcErrCode::new(24, v), &r.srp, &r.lsp);
            return;
        };
        let Some(s) = self.sessions.get_mut(&pcc_session) else {
            return;
        };
        let local_srp = s.srp_id();
        if let Some(name) = r.lsp.symbolic_name() {
            self.peer_initiated
                .insert((owner, String::from_utf8_lossy(name).into_owned()), peer);
        }
        self.relays
            .insert((pcc_session, local_srp), (peer, r.srp.srp_id));
        r.srp.srp_id = local_srp;
        r.lsp.tlvs.retain(|t| !matches!(t, Tlv::SpeakerEntityId(_)));
        self.counters.relayed_updates += 1;
        self.send(
            pcc_session,
            Message::PcInitiate(pcep::wire::PcInitiate { requests: vec![r] }),
        );
    }

    fn send_srp_error(&mut self, session: SessionId, code: PcErrCode, srp: &Srp, lsp: &Lsp) {
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
    fn handle_peer_error(&mut self, session: SessionId, err: &pcep::wire::PcErr) {
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
                    self.initiated.retain(|(_, n), _| *n != name);
                    continue;
                }
                for key in self.lspdb.keys() {
                    self.lspdb.with_mut(&key, |e| {
                        let c = &mut e.control;
                        if c.delegated_by.is_some()
                            && c.delegated_by == peer
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

    fn handle_peer_notification(&mut self, peer: IpAddr, ntf: &PcNtf) {
        let Some(nt) = self
            .sync_config()
            .map(|s| s.codepoints.pcc_open_notification_type)
        else {
            return;
        };
        for unit in &ntf.notifications {
            for n in &unit.notifications {
                if n.notification_type.0 != nt {
                    continue;
                }
                let Some(pcc) = n.tlvs.iter().find_map(|t| match t {
                    Tlv::SpeakerEntityId(id) => owner_of(id),
                    _ => None,
                }) else {
                    continue;
                };
                match n.notification_value {
                    1 => {
                        let open = pcep::wire::object::Open {
                            tlvs: n.tlvs.clone(),
                            ..pcep::wire::object::Open::default()
                        };
                        // A PCC we have a session with: our own view wins.
                        self.pcc_info
                            .entry(pcc)
                            .and_modify(|v| {
                                if v.1.is_some() {
                                    *v = (open.clone(), Some(peer));
                                }
                            })
                            .or_insert((open, Some(peer)));
                    }
                    2 if self.pcc_info.get(&pcc).is_some_and(|v| v.1 == Some(peer)) => {
                        self.pcc_info.remove(&pcc);
                    }
                    _ => {}
                }
            }
        }
    }

    /// PCUpd copies for the peers when this PCE updates an LSP (§3.5):
    /// D=1 towards the PCE that sub-delegated it (`delegated_by`), D=0 to
    /// the others, SPEAKER-ENTITY-ID naming the owner. Returns the SRP-ID
    /// used towards `delegated_by`.
    pub(super) fn update_peers(
        &mut self,
        key: LspKey,
        update: &pcep::wire::UpdateRequest,
        delegated_by: Option<IpAddr>,
    ) -> Option<u32> {
        self.sync_config()?;
        let peers: Vec<(IpAddr, SessionId)> = self.peers_up.iter().map(|(a, s)| (*a, *s)).collect();
        let mut towards = None;
        for (peer, s) in peers {
            let Some(state) = self.sessions.get_mut(&s) else {
                continue;
            };
            let srp_id = state.srp_id();
            let mut u = update.clone();
            u.srp.srp_id = srp_id;
            u.lsp.delegate = delegated_by == Some(peer);
            u.lsp.tlvs.retain(|t| !matches!(t, Tlv::SpeakerEntityId(_)));
            u.lsp.tlvs.push(Tlv::SpeakerEntityId(owner_id(key.pcc)));
            if u.lsp.delegate {
                towards = Some(srp_id);
            }
            self.send(s, Message::PcUpd(PcUpd { updates: vec![u] }));
        }
        towards
    }
}
