//! The stateful PCE core (RFC 8231, 8232, 8281): sans-IO.
//!
//! The shell feeds it what happened ([`Pce::session_up`],
//! [`Pce::handle_message`], [`Pce::session_down`], [`Pce::handle_timeout`],
//! the management commands) with the current time, and drains what to do
//! ([`Pce::poll_output`]: messages to send, sessions to close) and when to
//! wake it next ([`Pce::poll_timeout`]). It owns no socket, no clock and no
//! thread, so every multi-session behaviour is tested in memory with
//! explicit time (engine/tests/pce.rs).
//!
//! What it does:
//! * State synchronization (RFC 8231 §5.6): reports with S=1, then the
//!   end-of-sync marker; LSPs the PCC held before and did not re-report are
//!   dropped at the marker (unless the PCC does a delta sync, RFC 8232 §4).
//!   A session that drops during synchronization loses what it reported.
//! * Sync avoidance (RFC 8232 §3): when both sides set S (INCLUDE-DB-VERSION)
//!   and the PCC's OPEN carries the LSP-DB-VERSION this PCE stored for it,
//!   the PCC skips synchronization and the stored state stands.
//! * State Timeout: the LSPs of a PCC whose session went down are kept for
//!   [`PceConfig::state_timeout`], then purged; a PCC that comes back in
//!   time keeps them.
//! * Delegation (RFC 8231 §5.7): D=1 delegates, D=0 revokes; after the
//!   PCC's synchronization, every delegated LSP gets a path from the solver
//!   and a PCUpd (D=1, fresh SRP-ID, PST in the SRP) when that path differs
//!   from the reported one. One update per LSP is in flight at a time; a
//!   report or PCErr with an SRP-ID at least the pending one acknowledges
//!   it. When no path exists the LSP keeps its path (no empty ERO: tearing
//!   down a working LSP is not what an operator asked for) and
//!   `control.no_path` says so.
//! * PCE-initiated LSPs (RFC 8281): create, update, delete; the PLSP-ID is
//!   learned from the report echoing the PCInitiate's SRP-ID. After a PCC's
//!   synchronization, initiated LSPs it no longer has are initiated again.
//! * Misuse gets the RFC's PCErr: a report without stateful capability
//!   (19/5, and the session closes), a report the PCE cannot process during
//!   synchronization (20/1 with the LSP object, and the session closes,
//!   RFC 8231 §5.6), a missing symbolic name (10/8), a name in use (23/1),
//!   a missing LSP-DB-VERSION when S was negotiated (6/12), revoking a
//!   PCE-initiated LSP's delegation while the session is up (19/7).

mod sync;

pub use sync::{
    address_rank, owner_id, owner_of, GroupPriority, LspPriority, PartialGroup, PeerPce,
    PeerStatus, PrimaryLoss, StateSync,
};

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pcep::session::Negotiated;
use pcep::wire::iana::CloseReason;
use pcep::wire::object::{Ero, Lsp, OperationalStatus, PcepError, Srp};
use pcep::wire::tlv::{DisjointnessFlags, Tlv};
use pcep::wire::{
    AssociationType, Attributes, ErrorUnit, InitiateRequest, Message, PathSetupType, PcErr,
    PcErrCode, PcInitiate, PcRpt, PcUpd, StateReport, UpdateRequest,
};
use serde::Serialize;

use crate::lspdb::{Applied, LspDb, LspKey, PccId, ReportError};
use crate::pcreq::{
    compute_path, encode_path, path_request, respond, ComputedPath, PathAsk, Unreachable,
};
use crate::solver::cspf::{Reservations, Workspace};
use crate::solver::disjoint::{self, Disjointness, GroupObjective, GroupRequest};
use crate::solver::ero;
use crate::topology::{LinkId, Ted};

/// A session, as the shell numbers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SessionId(pub u64);

/// Core configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct PceConfig {
    /// How long a disconnected PCC's LSPs are kept (RFC 8231 §5.6).
    pub state_timeout: Duration,
    /// How long a disconnected PCC's delegations are held (RFC 8231
    /// §5.7.4: the PCC waits this long before it revokes them and may
    /// delegate elsewhere); after it the LSPs show as not delegated.
    pub redelegation_timeout: Duration,
    /// Inter-PCE state synchronization (off: `None`).
    pub state_sync: Option<StateSync>,
}

impl Default for PceConfig {
    fn default() -> Self {
        Self {
            state_timeout: Duration::from_secs(60),
            redelegation_timeout: Duration::from_secs(30),
            state_sync: None,
        }
    }
}

/// What the core asks the shell to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Send a message on a session.
    Send {
        /// The session.
        session: SessionId,
        /// The message.
        message: Message,
    },
    /// Close a session with a reason (after what was queued before).
    Close {
        /// The session.
        session: SessionId,
        /// CLOSE reason.
        reason: CloseReason,
    },
}

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
}

/// Why a management command was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// No session to that PCC.
    #[error("no PCEP session with PCC {0}")]
    NoSession(IpAddr),
    /// The PCC did not negotiate instantiation (I flag, RFC 8281 §4).
    #[error("PCC {0} did not negotiate PCE-initiated LSPs (I flag)")]
    NotCapable(IpAddr),
    /// The PCC has not finished its state synchronization.
    #[error("PCC {0} has not finished its state synchronization")]
    NotSynchronized(IpAddr),
    /// The name is taken on that PCC.
    #[error("symbolic name {name:?} already in use on PCC {pcc}")]
    NameInUse {
        /// The PCC.
        pcc: IpAddr,
        /// The name.
        name: String,
    },
    /// The LSP is neither PCE-initiated nor delegated to this PCE.
    #[error("LSP {name:?} on PCC {pcc} is not delegated to this PCE")]
    NotDelegated {
        /// The PCC.
        pcc: IpAddr,
        /// The name.
        name: String,
    },
    /// No LSP of that name (for a deletion: none initiated by this PCE).
    #[error("no LSP {name:?} on PCC {pcc} (for a deletion: none initiated by this PCE)")]
    UnknownLsp {
        /// The PCC.
        pcc: IpAddr,
        /// The name.
        name: String,
    },
    /// The end points are not in the topology, or no path satisfies the
    /// constraints.
    #[error("no path: {0}")]
    NoPath(String),
}

/// Counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Reports applied.
    pub reports: u64,
    /// PCUpd messages sent.
    pub updates_sent: u64,
    /// Updates acknowledged by a report.
    pub updates_acked: u64,
    /// PCInitiate messages sent (creations and deletions).
    pub initiates_sent: u64,
    /// PCErr messages sent.
    pub errors_sent: u64,
    /// PCErr messages received.
    pub errors_received: u64,
    /// Path computations run for delegated or initiated LSPs.
    pub computations: u64,
    /// PCReq requests answered.
    pub requests: u64,
    /// LSPs purged by the State Timeout or a failed synchronization.
    pub purged: u64,
    /// State-sync sessions that came up.
    pub peer_sessions: u64,
    /// PCC reports forwarded to peer PCEs.
    pub forwarded_reports: u64,
    /// Updates of a computing peer relayed to a PCC.
    pub relayed_updates: u64,
    /// PCReq requests forwarded to the computing peer (§3.6).
    pub forwarded_requests: u64,
}

/// A PCC's state in the core.
#[derive(Debug)]
struct PccState {
    session: Option<SessionId>,
    /// The last LSP-DB-VERSION it reported (RFC 8232).
    db_version: Option<u64>,
    /// When its LSPs are purged, while it is disconnected.
    purge_at: Option<Instant>,
    /// When its delegations lapse, while it is disconnected.
    undelegate_at: Option<Instant>,
}

/// What computing one LSP needs (see [`Pce::plan`]).
#[derive(Clone, Debug)]
struct Plan {
    key: LspKey,
    session: Option<SessionId>,
    /// Delegated to this PCE on a synchronized session.
    controlled: bool,
    source: IpAddr,
    destination: IpAddr,
    attributes: Attributes,
    setup: PathSetupType,
    peer_sr: Option<pcep::wire::tlv::SrPceCapability>,
    report: StateReport,
    control: crate::lspdb::Control,
}

impl Plan {
    fn ask(&self) -> PathAsk<'_> {
        PathAsk {
            source: self.source,
            destination: self.destination,
            attributes: &self.attributes,
            setup: self.setup,
            peer_sr: self.peer_sr,
        }
    }
}

/// An association group's key (RFC 8697 §6.1.3: type, ID, source).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct GroupKey {
    /// Association type.
    pub association_type: u16,
    /// Association ID.
    pub id: u16,
    /// Association source.
    pub source: IpAddr,
}

impl GroupKey {
    fn of(a: &pcep::wire::object::Association) -> Self {
        Self {
            association_type: a.association_type.0,
            id: a.association_id,
            source: a.source,
        }
    }
}

/// A live session's state.
#[derive(Debug)]
struct SessionState {
    pcc: PccId,
    /// A state-sync session with this peer PCE.
    peer_pce: Option<IpAddr>,
    negotiated: Box<Negotiated>,
    synced: bool,
    /// PLSP-IDs reported during the current synchronization.
    seen: HashSet<u32>,
    /// Whether LSPs not re-reported are dropped at end of sync.
    full_sync: bool,
    /// The PCC's LSPs from an earlier session were still held when this one
    /// came up.
    stale: bool,
    next_srp: u32,
    /// PCInitiate requests awaiting their report: SRP-ID to name.
    initiations: HashMap<u32, String>,
}

impl SessionState {
    fn srp_id(&mut self) -> u32 {
        let id = self.next_srp;
        self.next_srp = match id.wrapping_add(1) {
            0 | u32::MAX => 1,
            n => n,
        };
        id
    }
}

/// An SRP object; PATH-SETUP-TYPE is carried unless RSVP-TE (RFC 8408 §4).
fn srp_with(srp_id: u32, setup: PathSetupType) -> Srp {
    let mut srp = Srp {
        srp_id,
        ..Srp::default()
    };
    if setup != PathSetupType::RSVP_TE {
        srp.tlvs.push(Tlv::PathSetupType(setup));
    }
    srp
}

/// The disjoint groups a report puts its LSP in, with their
/// DISJOINTNESS-CONFIGURATION flags (a report carries them all; R=1 takes
/// it out of one).
fn disjoint_groups(report: &StateReport) -> Vec<(GroupKey, u32)> {
    report
        .associations
        .iter()
        .filter(|a| a.association_type == AssociationType::DISJOINT && !a.remove())
        .map(|a| {
            let flags = a
                .disjointness_configuration()
                .map_or(DisjointnessFlags::LINK, |f| f.0);
            (GroupKey::of(a), flags)
        })
        .collect()
}

/// `a` is at least `b` in SRP-ID order, which wraps (RFC 8231 §7.2).
fn srp_at_least(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) >= 0
}

/// The core.
#[derive(Debug)]
pub struct Pce {
    config: PceConfig,
    ted: Arc<Ted>,
    lspdb: Arc<LspDb>,
    sessions: HashMap<SessionId, SessionState>,
    pccs: HashMap<PccId, PccState>,
    purges: BTreeSet<(Instant, PccId)>,
    undelegations: BTreeSet<(Instant, PccId)>,
    /// PCE-initiated LSPs by (PCC, name): what the operator asked for.
    initiated: HashMap<(PccId, String), InitiateSpec>,
    /// Operator constraints for delegated LSPs, by (PCC, name): they replace
    /// the PCC's reported ones.
    overrides: HashMap<(PccId, String), Attributes>,
    /// Bandwidth held by the paths this PCE computed.
    reservations: Reservations,
    placed: HashMap<LspKey, (Vec<LinkId>, f64)>,
    /// Disjoint association groups: members with their
    /// DISJOINTNESS-CONFIGURATION flags.
    groups: HashMap<GroupKey, BTreeMap<LspKey, u32>>,
    lsp_groups: HashMap<LspKey, Vec<GroupKey>>,
    /// Groups whose computation waits for an acknowledgement.
    deferred: HashSet<GroupKey>,
    /// State-sync sessions up, by peer address.
    peers_up: HashMap<IpAddr, SessionId>,
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
    peer_initiated: HashMap<(PccId, String), IpAddr>,
    /// Updates relayed to a PCC: (PCC session, our SRP-ID) to (peer, its
    /// SRP-ID), for the cascaded acknowledgement.
    relays: HashMap<(SessionId, u32), (IpAddr, u32)>,
    /// PCC Open information: from our own session (`None`) or relayed by a
    /// peer.
    pcc_info: HashMap<PccId, (pcep::wire::object::Open, Option<IpAddr>)>,
    ws: Workspace,
    out: VecDeque<Output>,
    counters: Counters,
}

impl Pce {
    /// A core over a TED and an LSP database (both shared with readers).
    pub fn new(config: PceConfig, ted: Arc<Ted>, lspdb: Arc<LspDb>) -> Self {
        let links = ted.snapshot().link_count();
        Self {
            config,
            ted,
            lspdb,
            sessions: HashMap::new(),
            pccs: HashMap::new(),
            purges: BTreeSet::new(),
            undelegations: BTreeSet::new(),
            initiated: HashMap::new(),
            overrides: HashMap::new(),
            reservations: Reservations::new(links),
            placed: HashMap::new(),
            groups: HashMap::new(),
            lsp_groups: HashMap::new(),
            deferred: HashSet::new(),
            peers_up: HashMap::new(),
            peer_grace: HashMap::new(),
            purges_peer: BTreeSet::new(),
            peer_seen: HashMap::new(),
            peer_initiated: HashMap::new(),
            forwarded_requests: HashMap::new(),
            next_request_id: 1,
            relays: HashMap::new(),
            pcc_info: HashMap::new(),
            ws: Workspace::new(),
            out: VecDeque::new(),
            counters: Counters::default(),
        }
    }

    /// The LSP database.
    pub fn lspdb(&self) -> &Arc<LspDb> {
        &self.lspdb
    }

    /// Counters.
    pub const fn counters(&self) -> Counters {
        self.counters
    }

    /// Whether a session finished its state synchronization.
    pub fn synchronized(&self, session: SessionId) -> Option<bool> {
        self.sessions.get(&session).map(|s| s.synced)
    }

    /// The next thing to do.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// When [`Pce::handle_timeout`] is next due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.purges.first().map(|(t, _)| *t),
            self.undelegations.first().map(|(t, _)| *t),
            self.purges_peer.first().map(|(t, _)| *t),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Lapse the delegations whose Redelegation Timeout expired, and purge
    /// the PCCs whose State Timeout expired.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&(at, peer)) = self.purges_peer.first() {
            if at > now {
                break;
            }
            self.purges_peer.pop_first();
            self.peer_grace_expired(at, peer);
        }
        while let Some(&(at, pcc)) = self.undelegations.first() {
            if at > now {
                break;
            }
            self.undelegations.pop_first();
            let due = self
                .pccs
                .get_mut(&pcc)
                .filter(|p| p.session.is_none() && p.undelegate_at == Some(at));
            if let Some(p) = due {
                p.undelegate_at = None;
                for key in self.lspdb.of_pcc(pcc) {
                    self.lspdb.with_mut(&key, |e| {
                        e.control.delegated = false;
                        e.control.pending_srp = None;
                    });
                }
            }
        }
        while let Some(&(at, pcc)) = self.purges.first() {
            if at > now {
                break;
            }
            self.purges.pop_first();
            if let Some(p) = self.pccs.get_mut(&pcc) {
                if p.session.is_none() && p.purge_at == Some(at) {
                    p.purge_at = None;
                    p.db_version = None;
                    self.purge_pcc(pcc);
                }
            }
        }
    }

    fn purge_pcc(&mut self, pcc: PccId) {
        for key in self.lspdb.of_pcc(pcc) {
            self.release(&key);
            self.set_groups(key, Vec::new());
            // Peers drop us as a source of what we purge.
            let removal = self.lspdb.with(&key, |e| {
                e.control
                    .sources
                    .contains(&crate::lspdb::Source::Pcc)
                    .then(|| {
                        let mut r = e.report();
                        r.lsp.remove = true;
                        r
                    })
            });
            if let Some(Some(r)) = removal {
                self.forward_report(key, None, Some(r));
            }
        }
        self.counters.purged += self.lspdb.purge(pcc) as u64;
    }

    fn release(&mut self, key: &LspKey) {
        if let Some((links, bw)) = self.placed.remove(key) {
            self.reservations.add(&links, -bw);
        }
    }

    /// A session came up with a PCC.
    pub fn session_up(&mut self, session: SessionId, peer: IpAddr, negotiated: Negotiated) {
        let pcc = PccId(peer);
        if negotiated.capabilities.inter_pce {
            // A state-sync session (both set INTER-PCE-CAPABILITY with U).
            self.sessions.insert(
                session,
                SessionState {
                    pcc,
                    peer_pce: Some(peer),
                    negotiated: Box::new(negotiated),
                    synced: false,
                    seen: HashSet::new(),
                    full_sync: false,
                    stale: false,
                    next_srp: 1,
                    initiations: HashMap::new(),
                },
            );
            if !self.peer_up(session, peer) {
                self.sessions.remove(&session);
            }
            return;
        }
        if self.sync_config().is_some() {
            self.pcc_info.insert(pcc, (negotiated.peer.clone(), None));
            self.announce_pcc(pcc, true, negotiated.peer.tlvs.clone());
        }
        let caps = &negotiated.capabilities;
        let state = self.pccs.entry(pcc).or_insert(PccState {
            session: None,
            db_version: None,
            purge_at: None,
            undelegate_at: None,
        });
        // A second session from the same PCC replaces the first (the shell
        // refuses concurrent ones with PCErr 9; a stale one may linger).
        state.session = Some(session);
        if let Some(at) = state.purge_at.take() {
            self.purges.remove(&(at, pcc));
        }
        if let Some(at) = state.undelegate_at.take() {
            self.undelegations.remove(&(at, pcc));
        }
        let held = !self.lspdb.of_pcc(pcc).is_empty();
        // RFC 8232 §3.2: the same version on both sides skips the sync.
        let avoided = caps.include_db_version
            && held
            && negotiated.peer_db_version.is_some()
            && negotiated.peer_db_version == state.db_version;
        let full_sync = !(caps.delta_lsp_sync && held);
        let synced = avoided || !caps.stateful;
        // Updates in flight on the old session are void: the SRP-IDs of the
        // new session start again.
        for key in self.lspdb.of_pcc(pcc) {
            self.lspdb.with_mut(&key, |e| {
                e.control.pending_srp = None;
                e.control.acked_srp = None;
            });
        }
        self.sessions.insert(
            session,
            SessionState {
                pcc,
                peer_pce: None,
                negotiated: Box::new(negotiated),
                synced,
                seen: HashSet::new(),
                full_sync,
                stale: held,
                next_srp: 1,
                initiations: HashMap::new(),
            },
        );
        if avoided {
            self.after_sync(session);
        }
    }

    /// A session ended.
    pub fn session_down(&mut self, session: SessionId, now: Instant) {
        let Some(s) = self.sessions.remove(&session) else {
            return;
        };
        if let Some(peer) = s.peer_pce {
            if self.peers_up.get(&peer) == Some(&session) {
                self.peer_down(peer, now);
            }
            return;
        }
        if self.sync_config().is_some() {
            if self.pcc_info.get(&s.pcc).is_some_and(|v| v.1.is_none()) {
                self.pcc_info.remove(&s.pcc);
            }
            self.announce_pcc(s.pcc, false, Vec::new());
        }
        self.relays.retain(|(sess, _), _| *sess != session);
        let Some(p) = self.pccs.get_mut(&s.pcc) else {
            return;
        };
        if p.session != Some(session) {
            return;
        }
        p.session = None;
        if !s.synced && s.negotiated.capabilities.stateful {
            // RFC 8231 §5.6: a sync that did not complete is cleaned up.
            p.db_version = None;
            self.purge_pcc(s.pcc);
            return;
        }
        let at = now + self.config.state_timeout;
        p.purge_at = Some(at);
        self.purges.insert((at, s.pcc));
        let at = now
            + self
                .config
                .redelegation_timeout
                .min(self.config.state_timeout);
        p.undelegate_at = Some(at);
        self.undelegations.insert((at, s.pcc));
    }

    /// A message arrived on a session.
    pub fn handle_message(&mut self, session: SessionId, message: Message) {
        if !self.sessions.contains_key(&session) {
            return;
        }
        if let Some(peer) = self.peer_of(session) {
            self.handle_peer_message(session, peer, message);
            return;
        }
        match message {
            Message::PcRpt(rpt) => self.handle_report(session, rpt),
            Message::PcReq(mut req) => {
                // §3.6: requests for LSPs another PCE computes go to it.
                let pcc = self.sessions.get(&session).map(|s| s.pcc);
                if let Some(pcc) = pcc {
                    req = self.forward_requests(session, pcc, req);
                }
                if req.requests.is_empty() {
                    return;
                }
                let topo = self.ted.snapshot();
                let negotiated = self.sessions.get(&session).map(|s| &*s.negotiated);
                self.counters.requests += req.requests.len() as u64;
                let rep = respond(&topo, &self.reservations, &req, negotiated, &mut self.ws);
                self.send(session, Message::PcRep(rep));
            }
            Message::PcErr(err) => self.handle_pcerr(session, &err),
            // Keepalive, Open, Close are the session's; PCUpd/PCInitiate are
            // not for a PCE on a PCC session; PCNtf is informational.
            _ => {}
        }
    }

    fn send(&mut self, session: SessionId, message: Message) {
        match &message {
            Message::PcUpd(u) => self.counters.updates_sent += u.updates.len() as u64,
            Message::PcInitiate(_) => self.counters.initiates_sent += 1,
            Message::PcErr(_) => self.counters.errors_sent += 1,
            _ => {}
        }
        self.out.push_back(Output::Send { session, message });
    }

    fn send_error(&mut self, session: SessionId, code: PcErrCode, lsp: Option<&Lsp>) {
        let unit = ErrorUnit {
            errors: vec![PcepError::new(code)],
            lsps: lsp
                .map(|l| {
                    vec![Lsp {
                        tlvs: Vec::new(),
                        ..l.clone()
                    }]
                })
                .unwrap_or_default(),
            ..ErrorUnit::default()
        };
        self.send(
            session,
            Message::PcErr(PcErr {
                errors: vec![unit],
                open: None,
            }),
        );
    }

    /// A PCErr the session cannot survive, then CLOSE.
    fn fail(&mut self, session: SessionId, code: PcErrCode, lsp: Option<&Lsp>) {
        self.send_error(session, code, lsp);
        self.out.push_back(Output::Close {
            session,
            reason: CloseReason::NO_EXPLANATION,
        });
    }

    fn handle_pcerr(&mut self, session: SessionId, err: &PcErr) {
        self.counters.errors_received += 1;
        let Some(s) = self.sessions.get_mut(&session) else {
            return;
        };
        let pcc = s.pcc;
        for unit in &err.errors {
            let code = unit.errors.first().map(PcepError::code);
            for srp in &unit.srps {
                // An error about an update or initiation we relayed for a
                // computing peer goes back to it with its SRP-ID (§3.5, the
                // cascade of answers).
                if let Some((peer, peer_srp)) = self.relays.remove(&(session, srp.srp_id)) {
                    if let Some(&ps) = self.peers_up.get(&peer) {
                        let mut back = unit.clone();
                        for x in &mut back.srps {
                            if x.srp_id == srp.srp_id {
                                x.srp_id = peer_srp;
                            }
                        }
                        back.lsps.iter_mut().for_each(|l| {
                            l.tlvs.retain(|t| !matches!(t, Tlv::SpeakerEntityId(_)));
                            l.tlvs.push(Tlv::SpeakerEntityId(owner_id(pcc)));
                        });
                        self.send(
                            ps,
                            Message::PcErr(PcErr {
                                errors: vec![back],
                                open: None,
                            }),
                        );
                    }
                    continue;
                }
                let Some(s) = self.sessions.get_mut(&session) else {
                    return;
                };
                if let Some(name) = s.initiations.remove(&srp.srp_id) {
                    // The PCC refused the instantiation: forget the request
                    // (the operator sees the error in the log and counters).
                    self.initiated.remove(&(pcc, name));
                    continue;
                }
                for key in self.lspdb.of_pcc(pcc) {
                    self.lspdb.with_mut(&key, |e| {
                        if e.control.pending_srp == Some(srp.srp_id) {
                            e.control.pending_srp = None;
                            e.control.error = code;
                        }
                    });
                }
            }
        }
    }

    fn handle_report(&mut self, session: SessionId, rpt: PcRpt) {
        let Some(s) = self.sessions.get(&session) else {
            return;
        };
        let caps = s.negotiated.capabilities.clone();
        let pcc = s.pcc;
        if !caps.stateful {
            // RFC 8231 §5.4: a report without the capability.
            self.fail(session, PcErrCode::new(19, 5), None);
            return;
        }
        for report in rpt.reports {
            if !self.sessions.contains_key(&session) {
                return;
            }
            self.counters.reports += 1;
            if caps.include_db_version && report.lsp.db_version().is_none() {
                self.send_error(
                    session,
                    PcErrCode::LSP_DB_VERSION_MISSING,
                    Some(&report.lsp),
                );
                continue;
            }
            if let Some(v) = report.lsp.db_version() {
                if let Some(p) = self.pccs.get_mut(&pcc) {
                    p.db_version = Some(v);
                }
            }
            let (synced, stale) = self
                .sessions
                .get(&session)
                .map_or((false, false), |s| (s.synced, s.stale));
            if !synced && stale {
                self.adopt_stale_name(session, pcc, &report);
            }
            let head = report.lsp.without_tlvs();
            let version = report.lsp.db_version();
            let srp_id = report.srp.as_ref().map_or(0, |p| p.srp_id);
            let groups = disjoint_groups(&report);
            let mut removal =
                (report.lsp.remove && !self.peers_up.is_empty()).then(|| report.clone());
            let applied = self.lspdb.apply_owned(pcc, report);
            let report = &head;
            match applied {
                Err(_) if !synced => {
                    // RFC 8231 §5.6: 20/1 and the session ends.
                    self.fail(session, PcErrCode::new(20, 1), Some(report));
                    // The shell reports the session down; nothing more from it.
                    if let Some(st) = self.sessions.get_mut(&session) {
                        st.synced = false;
                    }
                    return;
                }
                Err(ReportError::Unnamed(_)) => {
                    self.send_error(session, PcErrCode::SYMBOLIC_PATH_NAME_MISSING, Some(report));
                }
                Err(ReportError::NameInUse(_)) => {
                    self.send_error(session, PcErrCode::new(23, 1), Some(report));
                }
                Err(ReportError::ReservedPlspId(_) | ReportError::Unstorable(_)) => {
                    self.send_error(session, PcErrCode::new(20, 1), Some(report));
                }
                Ok(Applied::EndOfSync) => {
                    if !synced {
                        self.end_of_sync(session);
                    }
                }
                Ok(Applied::Removed(key)) => {
                    if let Some(r) = removal.take() {
                        self.forward_report(key, None, Some(r));
                    }
                    self.release(&key);
                    if let Some(st) = self.sessions.get_mut(&session) {
                        st.seen.remove(&key.plsp_id);
                    }
                    // The rest of its groups may now do better.
                    let groups = self.lsp_groups.get(&key).cloned().unwrap_or_default();
                    self.set_groups(key, Vec::new());
                    if synced {
                        for g in groups {
                            self.compute_group(g, None);
                        }
                    }
                }
                Ok(Applied::Created(key) | Applied::Updated(key)) => {
                    self.set_groups(key, groups);
                    let compute = self.on_report(session, key, report, srp_id, version, synced);
                    // Peers get the report before any update it causes.
                    self.forward_report(key, Some((session, srp_id)), None);
                    if compute {
                        self.compute_and_update(key, false);
                    }
                }
            }
        }
    }

    /// PLSP-IDs are not stable across sessions (RFC 8231 §7.3): during a
    /// synchronization, a name still held by an LSP of the previous session
    /// (not re-reported in this one) moves to the new PLSP-ID.
    fn adopt_stale_name(&mut self, session: SessionId, pcc: PccId, report: &StateReport) {
        let Some(name) = report.lsp.symbolic_name() else {
            return;
        };
        let Some(old) = self.lspdb.by_name(pcc, name) else {
            return;
        };
        let seen = self
            .sessions
            .get(&session)
            .is_some_and(|s| s.seen.contains(&old.plsp_id));
        if old.plsp_id != report.lsp.plsp_id && !seen {
            self.release(&old);
            self.set_groups(old, Vec::new());
            self.lspdb.remove(&old);
        }
    }

    /// Apply a PCC report's delegation and acknowledgement; whether the LSP
    /// is to be computed now.
    fn on_report(
        &mut self,
        session: SessionId,
        key: LspKey,
        lsp: &Lsp,
        srp_id: u32,
        version: Option<u64>,
        synced: bool,
    ) -> bool {
        let Some(s) = self.sessions.get_mut(&session) else {
            return false;
        };
        if !synced {
            s.seen.insert(key.plsp_id);
        }
        let update_capable = s.negotiated.capabilities.update;
        // The report answering a PCInitiate carries its SRP-ID.
        let initiated_name = (srp_id != 0 && lsp.create)
            .then(|| s.initiations.remove(&srp_id))
            .flatten();
        let mut revoked_initiated = false;
        let mut acked = false;
        // With state-sync, a PCC's delegation goes to the computing PCE: us,
        // or the peer we sub-delegate it to (§3.5).
        let local = self.sync_config().map(|s| s.identity);
        // An LSP we created for a peer stays under that peer's control.
        let initiator = if self.peer_initiated.is_empty() {
            None
        } else {
            self.lspdb
                .with(&key, |e| String::from_utf8_lossy(&e.name).into_owned())
                .and_then(|n| self.peer_initiated.get(&(key.pcc, n)).copied())
                .filter(|p| self.peers_up.contains_key(p))
        };
        let primary = if local.is_some() && lsp.delegate {
            initiator.or_else(|| self.primary_for(key))
        } else {
            None
        };
        self.lspdb.with_mut(&key, |e| {
            let reported = initiated_name.is_some().then(|| e.report().ero.subobjects);
            let c = &mut e.control;
            if initiated_name.is_some() || lsp.create {
                c.initiated = lsp.create;
            }
            if reported.is_some() {
                c.computed = reported;
            }
            // §3.4: the PCC's own report always wins and resets the sources.
            if c.sources != [crate::lspdb::Source::Pcc] {
                c.sources = vec![crate::lspdb::Source::Pcc];
            }
            c.version = version;
            let pcc_delegated = lsp.delegate && update_capable;
            c.pcc_delegated = pcc_delegated;
            c.sub_delegated_to = primary.filter(|p| pcc_delegated && Some(*p) != local);
            let delegated =
                (pcc_delegated && c.sub_delegated_to.is_none()) || c.delegated_by.is_some();
            revoked_initiated = c.initiated && c.delegated && !delegated && synced;
            c.delegated = delegated;
            if !delegated {
                c.pending_srp = None;
            }
            if let Some(p) = c.pending_srp {
                if srp_id != 0 && srp_at_least(srp_id, p) {
                    c.pending_srp = None;
                    c.acked_srp = Some(srp_id);
                    acked = true;
                }
            }
        });
        // The acknowledgement of exactly the path just sent needs no new
        // computation (half the computations under update load).
        let deferred = self
            .lsp_groups
            .get(&key)
            .is_some_and(|g| g.iter().any(|g| self.deferred.contains(g)));
        let settled = acked
            && !deferred
            && self
                .lspdb
                .with(&key, |e| {
                    e.control.computed.as_ref() == Some(&e.report().ero.subobjects)
                })
                .unwrap_or(false);
        if acked {
            self.counters.updates_acked += 1;
        }
        if revoked_initiated {
            // RFC 8281 §5.3: the PCC must not revoke a PCE-initiated LSP.
            self.send_error(session, PcErrCode::new(19, 7), Some(lsp));
        }
        synced && !settled
    }

    fn end_of_sync(&mut self, session: SessionId) {
        let Some(s) = self.sessions.get_mut(&session) else {
            return;
        };
        s.synced = true;
        let seen = std::mem::take(&mut s.seen);
        let (pcc, full) = (s.pcc, s.full_sync);
        if full {
            for key in self.lspdb.of_pcc(pcc) {
                if !seen.contains(&key.plsp_id) {
                    self.release(&key);
                    self.set_groups(key, Vec::new());
                    self.lspdb.remove(&key);
                }
            }
        }
        self.after_sync(session);
    }

    /// After synchronization: compute the delegated LSPs, and initiate again
    /// what this PCE initiated on the PCC and the PCC no longer has.
    fn after_sync(&mut self, session: SessionId) {
        let Some(s) = self.sessions.get(&session) else {
            return;
        };
        let pcc = s.pcc;
        for key in self.lspdb.of_pcc(pcc) {
            self.compute_and_update(key, false);
        }
        let mut missing: Vec<InitiateSpec> = self
            .initiated
            .iter()
            .filter(|((p, name), _)| {
                *p == pcc && self.lspdb.by_name(pcc, name.as_bytes()).is_none()
            })
            .map(|(_, spec)| spec.clone())
            .collect();
        missing.sort_by(|a, b| a.name.cmp(&b.name));
        for spec in missing {
            if self.send_initiate(session, &spec).is_err() {
                // Kept: a later topology change or sync may make it possible.
            }
        }
    }

    /// Compute a delegated LSP and send a PCUpd when its path changes.
    /// What computing an LSP needs: its ends, constraints, setup type, the
    /// head end's SR capability, and the session to update it on.
    fn plan(&self, key: LspKey) -> Option<Plan> {
        let (report, control, name) = self
            .lspdb
            .with(&key, |e| (e.report(), e.control.clone(), e.name.clone()))?;
        // Updates go to the PCC, or to the peer that sub-delegated the LSP.
        let session = match control.delegated_by {
            Some(peer) => self.peers_up.get(&peer).copied(),
            None => self.pccs.get(&key.pcc).and_then(|p| p.session),
        };
        let state = session.and_then(|s| self.sessions.get(&s));
        // The head end's MSD: from its session, or relayed by a peer.
        let peer_sr = self
            .pccs
            .get(&key.pcc)
            .and_then(|p| p.session)
            .and_then(|s| self.sessions.get(&s))
            .and_then(|s| s.negotiated.peer_sr)
            .or_else(|| {
                self.pcc_info
                    .get(&key.pcc)
                    .and_then(|i| i.0.sr_capability())
            });
        let controlled = control.delegated && state.is_some_and(|s| s.synced);
        let name_key = (key.pcc, String::from_utf8_lossy(&name).into_owned());
        let spec = self.initiated.get(&name_key);
        let overridden = self.overrides.get(&name_key);
        let setup = report
            .srp
            .as_ref()
            .map_or(PathSetupType::RSVP_TE, Srp::path_setup_type);
        let reported = || {
            overridden
                .cloned()
                .unwrap_or_else(|| report.intended.clone())
        };
        let (source, destination, attributes) = match (spec, report.lsp.ipv4_identifiers()) {
            (Some(spec), _) => (spec.source, spec.destination, spec.attributes.clone()),
            (None, Some(id)) => {
                let source = if id.sender.is_unspecified() {
                    key.pcc.0
                } else {
                    IpAddr::V4(id.sender)
                };
                (source, IpAddr::V4(id.endpoint), reported())
            }
            // No end points known: nothing to compute.
            (None, None) => report
                .lsp
                .ipv6_identifiers()
                .map(|id| (IpAddr::V6(id.sender), IpAddr::V6(id.endpoint), reported()))?,
        };
        Some(Plan {
            key,
            session,
            controlled,
            source,
            destination,
            attributes,
            setup,
            peer_sr,
            report,
            control,
        })
    }

    /// Compute an LSP and send a PCUpd when its path changes (`force`: in
    /// any case). An LSP in a disjoint association group is computed with
    /// its group.
    fn compute_and_update(&mut self, key: LspKey, force: bool) {
        if let Some(group) = self.lsp_groups.get(&key).and_then(|g| g.first()).copied() {
            self.compute_group(group, force.then_some(key));
            return;
        }
        let Some(plan) = self.plan(key) else {
            return;
        };
        self.compute_single(&plan, force);
    }

    /// Compute one controlled LSP on its own.
    fn compute_single(&mut self, plan: &Plan, force: bool) {
        if !plan.controlled || plan.control.pending_srp.is_some() {
            return;
        }
        let key = plan.key;
        let topo = self.ted.snapshot();
        self.release(&key);
        self.counters.computations += 1;
        match compute_path(&topo, &self.reservations, &plan.ask(), &mut self.ws) {
            Ok(path) => self.apply_path(plan, path, force, Vec::new()),
            Err(Unreachable::NoPath | Unreachable::UnknownEndpoints(_)) => {
                self.lspdb.with_mut(&key, |e| e.control.no_path = true);
            }
        }
    }

    /// Compute a disjoint association group (RFC 8800): the members this PCE
    /// controls together, disjoint from the reported paths of the members it
    /// does not control (which it cannot move); with the fallback to weaker
    /// disjointness unless the group is strict (T). The achieved
    /// disjointness goes back in DISJOINTNESS-STATUS. Waits while an update
    /// to a member is in flight (its acknowledgement triggers the next
    /// computation). `forced`: send that member's update even if unchanged.
    fn compute_group(&mut self, group: GroupKey, forced: Option<LspKey>) {
        let Some(members) = self.groups.get(&group).cloned() else {
            return;
        };
        let mut plans = Vec::new();
        let mut flags = None;
        self.deferred.remove(&group);
        for (key, f) in &members {
            let Some(plan) = self.plan(*key) else {
                continue;
            };
            if plan.controlled && plan.control.pending_srp.is_some() {
                // Computed again when that update is acknowledged.
                self.deferred.insert(group);
                return;
            }
            flags.get_or_insert(*f);
            plans.push(plan);
        }
        if !plans.iter().any(|p| p.controlled) {
            return;
        }
        // With state-sync, a group controlled only in part follows the
        // configured policy (draft §3.5: SHOULD NOT compute the constraint).
        let policy = self.sync_config().map(|s| s.partial_group);
        if plans.iter().any(|p| !p.controlled) {
            match policy {
                Some(PartialGroup::Skip) => return,
                Some(PartialGroup::Relax) => {
                    for plan in plans.iter().filter(|p| p.controlled) {
                        self.compute_single(plan, forced == Some(plan.key));
                    }
                    return;
                }
                Some(PartialGroup::AvoidOthers) | None => {}
            }
        }
        let flags = flags.unwrap_or(DisjointnessFlags::LINK);
        let topo = self.ted.snapshot();
        let mut requests = Vec::new();
        let mut pinned = Vec::new();
        let mut used = Vec::new();
        for plan in &plans {
            let Ok(req) = path_request(&topo, &plan.ask()) else {
                if plan.controlled {
                    self.lspdb.with_mut(&plan.key, |e| e.control.no_path = true);
                }
                continue;
            };
            let pin = if plan.controlled {
                self.release(&plan.key);
                None
            } else {
                // A member we cannot place on the topology does not constrain.
                let Some(links) =
                    ero::links(&topo, req.source, &plan.report.ero.subobjects, &mut self.ws)
                else {
                    continue;
                };
                Some(crate::solver::cspf::Path {
                    links,
                    metrics: crate::solver::cspf::PathMetrics::default(),
                    optimal: true,
                })
            };
            requests.push(req);
            pinned.push(pin);
            used.push(plan);
        }
        let request = GroupRequest {
            members: requests,
            disjointness: Disjointness {
                link: flags & DisjointnessFlags::LINK != 0,
                node: flags & DisjointnessFlags::NODE != 0,
                srlg: flags & DisjointnessFlags::SRLG != 0,
            },
            strict: flags & DisjointnessFlags::STRICT != 0,
            objective: GroupObjective::MinSum,
            pinned,
        };
        self.counters.computations += 1;
        let result = disjoint::solve(&topo, &self.reservations, &request, &mut self.ws);
        let Ok(result) = result else {
            // No (strictly) disjoint solution: the members keep their paths.
            for plan in used.iter().filter(|p| p.controlled) {
                self.lspdb.with_mut(&plan.key, |e| e.control.no_path = true);
            }
            return;
        };
        let achieved = result.achieved;
        let status = (u32::from(achieved.link) * DisjointnessFlags::LINK)
            | (u32::from(achieved.node) * DisjointnessFlags::NODE)
            | (u32::from(achieved.srlg) * DisjointnessFlags::SRLG);
        let updates: Vec<(Plan, ComputedPath)> = used
            .into_iter()
            .zip(result.paths)
            .filter(|(plan, _)| plan.controlled)
            .filter_map(|(plan, path)| {
                let computed = encode_path(&topo, &plan.ask(), path.links, &path.metrics).ok()?;
                Some((plan.clone(), computed))
            })
            .collect();
        for (plan, computed) in updates {
            let associations = plan
                .report
                .associations
                .iter()
                .filter(|a| GroupKey::of(a) == group)
                .map(|a| {
                    let mut a = a.clone();
                    a.tlvs.retain(|t| !matches!(t, Tlv::DisjointnessStatus(_)));
                    a.tlvs
                        .push(Tlv::DisjointnessStatus(DisjointnessFlags(status)));
                    a
                })
                .collect();
            let force = forced == Some(plan.key);
            self.lspdb
                .with_mut(&plan.key, |e| e.control.disjointness_status = Some(status));
            self.apply_path(&plan, computed, force, associations);
        }
    }

    /// Record a computed path and send it by PCUpd unless the LSP is on it
    /// already (or acknowledged it in its own words).
    fn apply_path(
        &mut self,
        plan: &Plan,
        path: ComputedPath,
        force: bool,
        associations: Vec<pcep::wire::object::Association>,
    ) {
        let key = plan.key;
        let bw = plan
            .attributes
            .bandwidth
            .map_or(0.0, |b| f64::from(b.bandwidth) * 8.0);
        self.reservations.add(&path.links, bw);
        self.placed.insert(key, (path.links.clone(), bw));
        let control = &plan.control;
        let report = &plan.report;
        let acked_same = control.computed.as_ref() == Some(&path.ero)
            && report.srp.as_ref().map(|p| p.srp_id) == control.acked_srp
            && control.acked_srp.is_some();
        if !force && (report.ero.subobjects == path.ero || acked_same) {
            self.lspdb.with_mut(&key, |e| {
                e.control.no_path = false;
                e.control.computed = Some(path.ero.clone());
            });
            return;
        }
        let Some(session) = plan.session else {
            return;
        };
        let via_peer = plan.control.delegated_by;
        let Some(s) = self.sessions.get_mut(&session) else {
            return;
        };
        let srp_id = if via_peer.is_some() { 0 } else { s.srp_id() };
        let update = UpdateRequest {
            srp: srp_with(srp_id, plan.setup),
            lsp: Lsp {
                plsp_id: key.plsp_id,
                delegate: true,
                administrative: true,
                operational: OperationalStatus::default(),
                create: report.lsp.create,
                ..Lsp::default()
            },
            associations,
            ero: Ero::new(path.ero.clone()),
            attributes: Attributes {
                lspa: plan.attributes.lspa.clone(),
                ..path.attributes
            },
            unknown: Vec::new(),
        };
        // §3.5: copies to every peer (D=1 towards the one that sub-delegated
        // it, D=0 elsewhere); to the PCC only when it delegated to us.
        let towards_peer = self.update_peers(key, &update, via_peer);
        let pending = match via_peer {
            Some(_) => towards_peer,
            None => {
                self.send(
                    session,
                    Message::PcUpd(PcUpd {
                        updates: vec![update],
                    }),
                );
                Some(srp_id)
            }
        };
        self.lspdb.with_mut(&key, |e| {
            e.control.no_path = false;
            e.control.computed = Some(path.ero);
            e.control.pending_srp = pending;
            e.control.updates += 1;
            e.control.error = None;
        });
    }

    /// Track the disjoint association groups an LSP is in (from its report;
    /// none when it is removed).
    fn set_groups(&mut self, key: LspKey, now: Vec<(GroupKey, u32)>) {
        let old = self.lsp_groups.remove(&key).unwrap_or_default();
        for g in old {
            if !now.iter().any(|(n, _)| *n == g) {
                if let Some(m) = self.groups.get_mut(&g) {
                    m.remove(&key);
                    if m.is_empty() {
                        self.groups.remove(&g);
                    }
                }
            }
        }
        if now.is_empty() {
            return;
        }
        for (g, flags) in &now {
            self.groups.entry(*g).or_default().insert(key, *flags);
        }
        self.lsp_groups
            .insert(key, now.into_iter().map(|(g, _)| g).collect());
    }

    fn synced_session(&self, pcc: IpAddr, initiation: bool) -> Result<SessionId, CommandError> {
        let session = self
            .pccs
            .get(&PccId(pcc))
            .and_then(|p| p.session)
            .ok_or(CommandError::NoSession(pcc))?;
        let s = self
            .sessions
            .get(&session)
            .ok_or(CommandError::NoSession(pcc))?;
        if initiation && !s.negotiated.capabilities.instantiation {
            return Err(CommandError::NotCapable(pcc));
        }
        if !s.synced {
            return Err(CommandError::NotSynchronized(pcc));
        }
        Ok(session)
    }

    /// Create a PCE-initiated LSP (RFC 8281 §5.1): compute its path and send
    /// the PCInitiate; returns the SRP-ID. The LSP appears in the database
    /// when the PCC reports it.
    pub fn initiate(&mut self, spec: InitiateSpec) -> Result<u32, CommandError> {
        // A name in use is refused whatever the session's state: the name
        // is the LSP's durable key (RFC 8231 §7.3.2).
        let pcc = PccId(spec.pcc);
        if self.lspdb.by_name(pcc, spec.name.as_bytes()).is_some()
            || self.initiated.contains_key(&(pcc, spec.name.clone()))
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
        self.initiated.insert((pcc, spec.name.clone()), spec);
        Ok(srp)
    }

    fn send_initiate(
        &mut self,
        session: SessionId,
        spec: &InitiateSpec,
    ) -> Result<u32, CommandError> {
        let via_peer = self.peer_of(session).is_some();
        let peer_sr = if via_peer {
            self.pcc_info
                .get(&PccId(spec.pcc))
                .and_then(|i| i.0.sr_capability())
        } else {
            self.sessions
                .get(&session)
                .and_then(|s| s.negotiated.peer_sr)
        };
        let topo = self.ted.snapshot();
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
                Unreachable::NoPath => "no path satisfies the constraints".into(),
            })
        })?;
        let Some(s) = self.sessions.get_mut(&session) else {
            return Err(CommandError::NoSession(spec.pcc));
        };
        let srp_id = s.srp_id();
        s.initiations.insert(srp_id, spec.name.clone());
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
                        Tlv::SpeakerEntityId(owner_id(PccId(spec.pcc))),
                    ]
                } else {
                    vec![Tlv::SymbolicPathName(spec.name.clone().into())]
                },
                ..Lsp::default()
            },
            end_points,
            associations: Vec::new(),
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

    fn send_initiate_request(&mut self, session: SessionId, request: InitiateRequest) {
        self.send(
            session,
            Message::PcInitiate(PcInitiate {
                requests: vec![request],
            }),
        );
    }

    /// Change the constraints of a PCE-initiated LSP, or of an LSP delegated
    /// to this PCE (they then override the ones the PCC reports): recompute
    /// and send the update, even when the path stays the same (the
    /// attributes changed).
    pub fn update_lsp(
        &mut self,
        pcc: IpAddr,
        name: &str,
        attributes: Attributes,
    ) -> Result<(), CommandError> {
        let id = PccId(pcc);
        let key = self.lspdb.by_name(id, name.as_bytes());
        // An LSP a peer sub-delegated to us is updated through that peer:
        // no session with its PCC is needed.
        let via_peer = key
            .and_then(|k| {
                self.lspdb.with(&k, |e| {
                    e.control.delegated && e.control.delegated_by.is_some()
                })
            })
            .unwrap_or(false);
        if !via_peer {
            self.synced_session(pcc, false)?;
        }
        if let Some(spec) = self.initiated.get_mut(&(id, name.to_owned())) {
            spec.attributes = attributes;
        } else {
            let key = key.ok_or_else(|| CommandError::UnknownLsp {
                pcc,
                name: name.to_owned(),
            })?;
            if !self
                .lspdb
                .with(&key, |e| e.control.delegated)
                .unwrap_or(false)
            {
                return Err(CommandError::NotDelegated {
                    pcc,
                    name: name.to_owned(),
                });
            }
            self.overrides.insert((id, name.to_owned()), attributes);
        }
        if let Some(key) = key {
            self.lspdb.with_mut(&key, |e| {
                e.control.acked_srp = None;
                e.control.pending_srp = None;
            });
            self.compute_and_update(key, true);
        }
        Ok(())
    }

    /// Return an LSP's delegation to its PCC (RFC 8231 §5.7: a PCUpd with
    /// D=0; it carries the path the LSP has, so the PCC keeps it). Returns
    /// the SRP-ID. Operator constraints for it are dropped.
    pub fn return_delegation(&mut self, pcc: IpAddr, name: &str) -> Result<u32, CommandError> {
        let session = self.synced_session(pcc, false)?;
        let id = PccId(pcc);
        let key =
            self.lspdb
                .by_name(id, name.as_bytes())
                .ok_or_else(|| CommandError::UnknownLsp {
                    pcc,
                    name: name.to_owned(),
                })?;
        let Some((report, delegated)) =
            self.lspdb.with(&key, |e| (e.report(), e.control.delegated))
        else {
            return Err(CommandError::UnknownLsp {
                pcc,
                name: name.to_owned(),
            });
        };
        if !delegated {
            return Err(CommandError::NotDelegated {
                pcc,
                name: name.to_owned(),
            });
        }
        let Some(s) = self.sessions.get_mut(&session) else {
            return Err(CommandError::NoSession(pcc));
        };
        let srp_id = s.srp_id();
        let setup = report
            .srp
            .as_ref()
            .map_or(PathSetupType::RSVP_TE, Srp::path_setup_type);
        let srp = srp_with(srp_id, setup);
        let update = UpdateRequest {
            srp,
            lsp: Lsp {
                plsp_id: key.plsp_id,
                delegate: false,
                administrative: report.lsp.administrative,
                create: report.lsp.create,
                ..Lsp::default()
            },
            associations: Vec::new(),
            ero: report.ero,
            attributes: Attributes::default(),
            unknown: Vec::new(),
        };
        self.overrides.remove(&(id, name.to_owned()));
        self.release(&key);
        self.lspdb.with_mut(&key, |e| {
            e.control.delegated = false;
            e.control.pending_srp = None;
        });
        self.send(
            session,
            Message::PcUpd(PcUpd {
                updates: vec![update],
            }),
        );
        Ok(srp_id)
    }

    /// Delete a PCE-initiated LSP (RFC 8281 §5.2: SRP R=1).
    pub fn delete_initiated(&mut self, pcc: IpAddr, name: &str) -> Result<u32, CommandError> {
        let session = self.synced_session(pcc, true)?;
        let id = PccId(pcc);
        if self.initiated.remove(&(id, name.to_owned())).is_none() {
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

    /// Bandwidth held on each link (by link index) by the paths this PCE
    /// computed.
    pub fn reserved(&self) -> Vec<f64> {
        let n = self.ted.snapshot().link_count();
        (0..n)
            .map(|i| {
                self.reservations.reserved(crate::topology::LinkId(
                    u32::try_from(i).unwrap_or(u32::MAX),
                ))
            })
            .collect()
    }

    /// Recompute every LSP this PCE controls (after a topology change):
    /// those whose path changes get a PCUpd.
    pub fn reoptimize(&mut self) {
        let links = self.ted.snapshot().link_count();
        self.reservations = Reservations::new(links);
        self.placed.clear();
        for key in self.lspdb.keys() {
            let controlled = self
                .lspdb
                .with_mut(&key, |e| {
                    e.control.acked_srp = None;
                    e.control.delegated
                })
                .unwrap_or(false);
            if controlled {
                self.compute_and_update(key, false);
            }
        }
    }

    /// New computation priorities and policies (a configuration reload);
    /// the peers and this PCE's identity stay as they are (they need a
    /// restart). Who computes what is decided again.
    pub fn reload_state_sync(&mut self, new: Option<StateSync>) {
        if let (Some(cur), Some(new)) = (self.config.state_sync.as_mut(), new) {
            cur.priority = new.priority;
            cur.group_priorities = new.group_priorities;
            cur.lsp_priorities = new.lsp_priorities;
            cur.on_primary_loss = new.on_primary_loss;
            cur.partial_group = new.partial_group;
            cur.forward_without_db_version = new.forward_without_db_version;
            for p in &mut cur.peers {
                if let Some(q) = new.peers.iter().find(|q| q.address == p.address) {
                    p.priority = q.priority;
                }
            }
            self.reassign_primaries();
        }
    }
}
