//! The stateful PCE core (RFC 8231, 8232, 8281): sans-IO.
//!
//! The shell feeds it what happened ([`Pce::session_up`],
//! [`Pce::handle_message`], [`Pce::session_down`], [`Pce::handle_timeout`],
//! the management commands) with the current time, and drains what to do
//! ([`Pce::poll_output`]: messages to send, sessions to close) and when to
//! wake it next ([`Pce::poll_timeout`]). It owns no socket, no clock and no
//! thread, so every multi-session behaviour is tested in memory with
//! explicit time (`engine/tests/engine/pce.rs`).
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
//!
//! One file per concern: `session` (sessions up and down), `lsp_sync`
//! (reports, synchronization, delegation), `compute` (plans, the ledger of
//! reservations, updates), `groups` (RFC 8697/8800), `initiate` (RFC 8281),
//! `command` (operator), `pcerr`, `deadlines`, `input` (the one input type);
//! the inter-PCE draft in [`inter_pce`], reached from here through a handful
//! of hooks.

mod command;
mod compute;
mod deadlines;
mod groups;
mod initiate;
mod input;
mod intent;
mod inter_pce;
pub(crate) mod lsp_sync;
mod offline;
mod pacing;
mod pcerr;
pub mod plan;
mod reroute;
mod session;
mod shared;
pub mod snapshot;

pub use command::CommandError;
pub use groups::GroupKey;
pub use initiate::{DisjointGroup, InitiateSpec};
pub use input::{
    with_wire_config, Built, Command, Input, Replacement, TopologyChange, WireMessage,
};
pub use intent::{Initiated, Intent, IntentChange, IntentCursor, Override, Returned};
use inter_pce::InterPce;
pub use inter_pce::{
    address_rank, owner_id, owner_of, GroupPriority, LspPriority, PartialGroup, PeerPce,
    PeerStatus, PrimaryLoss, StateSync,
};
pub use reroute::{ChangeReport, PathlessLsp};
pub(crate) use shared::SharedMap;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use pcep::wire::iana::CloseReason;
use pcep::wire::object::{Lsp, PcepError};
use pcep::wire::{Attributes, ErrorUnit, Message, PcErr, PcErrCode, StateReport};
use serde::Serialize;

use crate::lspdb::{Applied, LspDb, LspKey, PccId, ReportError};
use crate::pcreq::respond;
use crate::solver::cspf::{Reservations, Workspace};
use crate::solver::Prepared;
use session::{PccState, SessionState};

/// A session, as the shell numbers them.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
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
    /// How long an update may wait for its acknowledgement (a report with
    /// its SRP-ID, or a PCErr). Past it the update is void and the LSP is
    /// computed and updated again (a message lost with a relaying session,
    /// a PCC that never answers): at once [`PceConfig::update_retries`]
    /// times in a row, then with a backoff (2x the timeout, doubling, up to
    /// 32x).
    pub update_timeout: Duration,
    /// Unacknowledged updates in a row retried at once (the API shows the
    /// count); past it, with a backoff.
    pub update_retries: u32,
    /// A topology change that can shorten paths (a link or node up, a
    /// metric lowered, bandwidth added) recomputes every controlled LSP;
    /// off, only the LSPs without a path are (the others keep theirs until
    /// a reoptimization). A change that can only lengthen paths recomputes
    /// exactly the LSPs on the links it touched, either way.
    pub reoptimize_on_restore: bool,
    /// LSPs one PCC may have; a report of one more is refused (RFC 8231
    /// §5.6: during the synchronization with PCNtf 4/1 and the session
    /// closes; after it with PCErr 20/1).
    pub max_lsps_per_pcc: usize,
    /// Bytes of unknown TLVs and objects kept with one LSP (for state-sync
    /// peers); beyond them the rest is dropped, as RFC 5440 §7.1 lets a
    /// receiver ignore what it does not know.
    pub max_unknown_bytes_per_lsp: usize,
    /// Updates one session may have sent and not had acknowledged; the
    /// rest wait in the core as the path each LSP is to get (a newer path
    /// for the same LSP replaces the one waiting) and go out as
    /// acknowledgements come in or lapse. The update timeout runs from
    /// when an update is sent.
    pub update_window: usize,
}

/// Default of [`PceConfig::update_window`]: far more than a PCC's round
/// trip needs to keep its link busy, few enough that what waits for one
/// PCC stays in the core (one path per LSP) rather than in its outbox.
pub const UPDATE_WINDOW: usize = 1024;

/// Default of [`PceConfig::max_lsps_per_pcc`]: more than the largest head
/// end (100,000 LSPs is tested), bounding what one PCC costs (about 1 KiB
/// per LSP) at a few hundred MiB.
pub const MAX_LSPS_PER_PCC: usize = 1 << 18;

/// Default of [`PceConfig::max_unknown_bytes_per_lsp`].
pub const MAX_UNKNOWN_BYTES_PER_LSP: usize = 4096;

impl Default for PceConfig {
    fn default() -> Self {
        Self {
            state_timeout: Duration::from_secs(60),
            redelegation_timeout: Duration::from_secs(30),
            state_sync: None,
            update_timeout: Duration::from_secs(30),
            update_retries: 3,
            reoptimize_on_restore: true,
            max_lsps_per_pcc: MAX_LSPS_PER_PCC,
            max_unknown_bytes_per_lsp: MAX_UNKNOWN_BYTES_PER_LSP,
            update_window: UPDATE_WINDOW,
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

/// Counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Reports applied.
    pub reports: u64,
    /// PCUpd messages sent.
    pub updates_sent: u64,
    /// Updates acknowledged by a report.
    pub updates_acked: u64,
    /// Synchronization triggers sent (RFC 8232 §3.4, §3.5; PCUpd messages
    /// not counted in `updates_sent`).
    pub sync_triggers: u64,
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
    /// Reports refused: their PCC had `max_lsps_per_pcc` LSPs.
    pub lsp_limit_refusals: u64,
    /// Bytes of unknown TLVs and objects dropped from reports
    /// (`max_unknown_bytes_per_lsp`).
    pub unknown_bytes_dropped: u64,
    /// Updates that waited for room in their session's window
    /// ([`PceConfig::update_window`]).
    pub updates_paced: u64,
    /// Waiting updates replaced by a newer path for the same LSP before
    /// they were sent.
    pub updates_coalesced: u64,
    /// Updates waiting now (a gauge).
    pub updates_waiting: u64,
    /// Reports of a peer PCE refused: they named a PCC the peer had not
    /// announced (PCErr 20/7).
    pub peer_reports_refused: u64,
}

/// An LSP's durable key: its PCC and symbolic name, as bytes (RFC 8231
/// §7.3.2 does not make the name UTF-8; two names differ when their bytes
/// do).
type NameKey = (PccId, Bytes);

fn name_key(pcc: PccId, name: &[u8]) -> NameKey {
    (pcc, Bytes::copy_from_slice(name))
}

/// The core.
#[derive(Clone, Debug)]
pub struct Pce {
    config: PceConfig,
    /// The topology this core computes on (its own: changes reach it as
    /// inputs, in order with everything else).
    topology: Arc<Prepared>,
    /// The LSP database, plain data; [`Pce::lspdb`] clones of it are the
    /// snapshots the shell publishes.
    lspdb: LspDb,
    /// The last report stored, as the session decoded it: what computing
    /// and forwarding that LSP read, instead of decoding the stored copy
    /// again (one decode per report). Set by every store of a report,
    /// cleared when its LSP goes, so it is never older than the database.
    stored: Option<(LspKey, Arc<StateReport>)>,
    sessions: SharedMap<SessionId, SessionState>,
    pccs: HashMap<PccId, PccState>,
    purges: BTreeSet<(Instant, PccId)>,
    undelegations: BTreeSet<(Instant, PccId)>,
    /// PCE-initiated LSPs by (PCC, name): what the operator asked for.
    initiated: imbl::OrdMap<NameKey, InitiateSpec>,
    /// Operator constraints for delegated LSPs, by (PCC, name): they replace
    /// the PCC's reported ones.
    overrides: imbl::OrdMap<NameKey, Attributes>,
    /// LSPs whose delegation the operator returned: given again by their
    /// PCC, it is returned again (operator intent, kept across restarts).
    returned: imbl::OrdSet<NameKey>,
    /// Entries of `initiated` and `overrides` changed since the shell last
    /// took them ([`Pce::take_intent_changes`]).
    intent_dirty: intent::Dirty,
    /// Bandwidth held by the paths this PCE computed.
    reservations: Reservations,
    placed: shared::Placed,
    /// Disjoint association groups: members with their
    /// DISJOINTNESS-CONFIGURATION flags.
    groups: SharedMap<GroupKey, BTreeMap<LspKey, u32>>,
    lsp_groups: SharedMap<LspKey, Vec<GroupKey>>,
    /// Groups whose computation waits for an acknowledgement.
    deferred: HashSet<GroupKey>,
    /// Inter-PCE state synchronization, when configured.
    inter: Option<InterPce>,
    /// The time of the input being handled ([`Pce::handle`]).
    now: Option<Instant>,
    /// Updates waiting for their acknowledgement: when they lapse, the LSP
    /// and the SRP-ID.
    update_deadlines: imbl::OrdSet<(Instant, LspKey, SessionId, u32)>,
    /// Updates waiting for their acknowledgement, by the session they went
    /// on (to the PCC, or to the peer that relays them) and SRP-ID: a
    /// PCErr finds its LSP without a scan. Checked against the LSP's
    /// `pending_srp` on use.
    pending_updates: SharedMap<(SessionId, u32), LspKey>,
    /// Sessions whose window may have room for updates waiting
    /// ([`pacing`]).
    to_release: BTreeSet<SessionId>,
    /// LSPs whose updates lapsed past `update_retries`: when they are
    /// computed and updated again (the backoff).
    retries: imbl::OrdSet<(Instant, LspKey)>,
    ws: Workspace,
    /// Place LSPs one at a time on this thread, not in parallel rounds (a
    /// plan's copies, which run in parallel with each other); the result
    /// is the same (see `reroute`).
    one_by_one: bool,
    out: VecDeque<Output>,
    counters: Counters,
    /// What the last topology change, reload or reoptimization did.
    last_change: Option<ChangeReport>,
    /// The purges since the shell last took them (at most
    /// [`Purge::KEPT`]).
    purged: Vec<Purge>,
    /// The operator's topology changes, held over every new topology
    /// ([`Intent::topology`]).
    operator_topology: Vec<crate::topology::TopologyEvent>,
}

/// A PCC's LSPs purged (RFC 8231 §5.6): what the shell logs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Purge {
    /// The PCC.
    pub pcc: PccId,
    /// LSPs forgotten.
    pub purged: usize,
    /// LSPs kept because a peer PCE still reports them (state-sync).
    pub kept: usize,
    /// Why.
    pub why: PurgeReason,
}

/// Why a PCC's LSPs were purged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PurgeReason {
    /// Its State Timeout expired while it was disconnected.
    StateTimeout,
    /// Its session ended before its state synchronization completed.
    IncompleteSync,
}

impl Purge {
    /// Purges kept between two takes; more are counted, not kept.
    pub const KEPT: usize = 1_024;
}

impl Pce {
    /// A core over a topology and an LSP database (empty, or restored).
    pub fn new(mut config: PceConfig, topology: Arc<Prepared>, lspdb: LspDb) -> Self {
        let links = topology.link_count();
        let inter = config.state_sync.take().map(InterPce::new);
        Self {
            config,
            topology,
            lspdb,
            stored: None,
            sessions: SharedMap::new(),
            pccs: HashMap::new(),
            purges: BTreeSet::new(),
            undelegations: BTreeSet::new(),
            initiated: imbl::OrdMap::new(),
            overrides: imbl::OrdMap::new(),
            returned: imbl::OrdSet::new(),
            intent_dirty: intent::Dirty::new(),
            reservations: Reservations::new(links),
            placed: shared::Placed::default(),
            groups: SharedMap::new(),
            lsp_groups: SharedMap::new(),
            deferred: HashSet::new(),
            inter,
            now: None,
            update_deadlines: imbl::OrdSet::new(),
            pending_updates: SharedMap::new(),
            to_release: BTreeSet::new(),
            retries: imbl::OrdSet::new(),
            ws: Workspace::new(),
            one_by_one: false,
            out: VecDeque::new(),
            counters: Counters::default(),
            last_change: None,
            purged: Vec::new(),
            operator_topology: Vec::new(),
        }
    }

    /// Store a report of `pcc`'s LSP (as [`LspDb::apply`]), keeping its
    /// decoded form at hand.
    pub(super) fn store_report(
        &mut self,
        pcc: PccId,
        report: StateReport,
    ) -> Result<Applied, ReportError> {
        let applied = self.lspdb.apply(pcc, &report);
        self.stored = match applied {
            Ok(Applied::Created(key) | Applied::Updated(key)) => Some((key, Arc::new(report))),
            _ => None,
        };
        applied
    }

    /// An LSP's last report, decoded: the one at hand, or from the database.
    pub(super) fn report_of(&self, key: LspKey) -> Option<Arc<StateReport>> {
        match &self.stored {
            Some((k, r)) if *k == key => Some(Arc::clone(r)),
            _ => self.lspdb.with(&key, |e| Arc::new(e.report())),
        }
    }

    /// The topology the core computes on, prepared for the solver.
    pub const fn topology(&self) -> &Arc<Prepared> {
        &self.topology
    }

    /// The LSP database; a clone of it (O(1)) is an immutable snapshot.
    pub fn lspdb(&self) -> &LspDb {
        &self.lspdb
    }

    /// Counters.
    pub const fn counters(&self) -> Counters {
        self.counters
    }

    /// What the last topology change, reload or reoptimization did (taken:
    /// the shell logs it once).
    pub fn take_change_report(&mut self) -> Option<ChangeReport> {
        self.last_change.take()
    }

    /// The purges since the last take (the shell logs each).
    pub fn take_purges(&mut self) -> Vec<Purge> {
        std::mem::take(&mut self.purged)
    }

    /// Whether a session finished its state synchronization.
    pub fn synchronized(&self, session: SessionId) -> Option<bool> {
        self.sessions.get(&session).map(|s| s.synced)
    }

    /// The next thing to do.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// A message arrived on a session.
    pub fn handle_message(&mut self, session: SessionId, message: Message) {
        self.on_message(session, message);
        self.release_updates();
    }

    fn on_message(&mut self, session: SessionId, message: Message) {
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
                let pcc = self.sessions.get(&session).and_then(SessionState::pcc);
                if let Some(pcc) = pcc {
                    req = self.forward_requests(session, pcc, req);
                }
                if req.requests.is_empty() {
                    return;
                }
                let topo = Arc::clone(&self.topology);
                let negotiated = self.sessions.get(&session).map(|s| &*s.negotiated);
                self.counters.requests += req.requests.len() as u64;
                let rep = respond(&topo, &self.reservations, &req, negotiated, &mut self.ws);
                self.send(session, Message::PcRep(rep));
            }
            Message::PcErr(err) => self.handle_pcerr(session, &err),
            // What only a PCE sends (RFC 5440 §6.9: a message the receiver
            // does not support, PCErr 2).
            Message::PcUpd(_) | Message::PcInitiate(_) | Message::PcRep(_) => {
                self.send_error(session, PcErrCode::CAPABILITY_NOT_SUPPORTED, None);
            }
            // Keepalive, Open, Close are the session's; PCNtf is
            // informational.
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
}
