//! The PCEP listener, its per-connection tasks and the core task.
//!
//! Each connection task owns its sans-IO [`Session`] and its socket. It
//! sends what the core must see (session up, messages, session down) into
//! the core's queue, which is bounded in bytes ([`budget`]): a session
//! whose messages wait for the core beyond its read budget, or when all
//! sessions' together reach the core's, stops reading its socket (TCP
//! pushes back on that peer alone) but never stops its timers or its
//! messages from the core. The core task owns the [`Pce`] and answers through one
//! [`Outbox`] per session; it never waits on a session. The core paces
//! its updates per session (`[pce] update_window` in flight, the rest wait
//! in the core as one path per LSP), so an outbox holds a window of
//! updates and the answers to what the session sent, far below
//! [`SESSION_QUEUE`]; a peer that stops reading (nothing taken from its
//! outbox for its DeadTimer while messages wait, or the outbox full) is
//! closed, so a slow or hostile peer never stalls the others.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pcep::session::Negotiated;
use pcep::wire::iana::CloseReason;
use pcep::wire::object::Open;
use pcep::wire::tlv::{PathSetupTypeCapability, SrPceCapability, StatefulCapability, SubTlv, Tlv};
use pcep::wire::{AssociationType, Message, PathSetupType, WireConfig};
use tokio::sync::{mpsc, oneshot};

use super::config::Config;
use crate::lspdb::LspSnapshot;
use crate::pce::{Command as PceCommand, CommandError, SessionId};
use crate::solver::Prepared;

pub mod budget;
mod core_task;
mod listener;
mod peers;
mod quiet;
pub(crate) use quiet::Throttled;
mod session;

pub use core_task::{pce_config, start_core, start_core_with};
pub use listener::{listen, serve, set_md5_keys, LISTEN_BACKLOG};

/// Messages the core may have queued for a PCC's session: 16 times the
/// default window of updates (the core keeps the rest of a head end's
/// updates as paths), so that only a PCC that stops reading fills it
/// (with answers to its requests, or updates it never takes); then it is
/// closed. Each message is its decoded form, a few hundred bytes: a few
/// MiB per session at most. A session that cannot write stops reading, so
/// what a PCC sends beyond its read budget adds nothing.
pub const SESSION_QUEUE: usize = 16 * crate::pce::UPDATE_WINDOW;

/// The same for a configured peer PCE's session: the reports of every PCC
/// are forwarded on it, unpaced (a sync of 100,000 LSPs from PCCs is
/// 100,000 forwarded reports), so it holds more than a large network's
/// LSPs at once.
pub const PEER_QUEUE: usize = 1 << 18;

/// The core's queue of messages for one session (unbounded as a channel,
/// bounded by [`SESSION_QUEUE`] here), with what tells a peer that reads
/// slowly from one that has stopped.
#[derive(Debug)]
pub struct Outbox {
    tx: mpsc::UnboundedSender<SessionCommand>,
    state: Arc<OutboxState>,
    capacity: usize,
}

/// The session task's end of an [`Outbox`].
#[derive(Debug)]
pub struct Inbox {
    rx: mpsc::UnboundedReceiver<SessionCommand>,
    state: Arc<OutboxState>,
}

#[derive(Debug, Default)]
struct OutboxState {
    /// Messages queued, not yet taken.
    queued: std::sync::atomic::AtomicUsize,
    /// When the session last took a message, or the first one came while
    /// none waited (ms since [`origin`]).
    since_ms: AtomicU64,
}

/// The instant the outboxes measure from.
fn origin() -> std::time::Instant {
    static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    *ORIGIN.get_or_init(super::clock::now)
}

fn ms_since_origin() -> u64 {
    u64::try_from(
        super::clock::now()
            .saturating_duration_since(origin())
            .as_millis(),
    )
    .unwrap_or(u64::MAX)
}

/// A new session's outbox and inbox: [`PEER_QUEUE`] messages for a
/// configured peer PCE, else [`SESSION_QUEUE`].
pub fn outbox(config: &Config, peer: IpAddr) -> (Outbox, Inbox) {
    let peer_pce = config
        .state_sync()
        .is_some_and(|ss| ss.peers.iter().any(|p| p.address == peer));
    outbox_of(if peer_pce { PEER_QUEUE } else { SESSION_QUEUE })
}

/// An outbox of `capacity` messages, and its inbox.
pub fn outbox_of(capacity: usize) -> (Outbox, Inbox) {
    let (tx, rx) = mpsc::unbounded_channel();
    let state = Arc::new(OutboxState::default());
    (
        Outbox {
            tx,
            state: Arc::clone(&state),
            capacity,
        },
        Inbox { rx, state },
    )
}

impl Outbox {
    /// Queue `command`; `false` when the outbox is full (the peer does
    /// not read: close it).
    pub fn push(&self, command: SessionCommand) -> bool {
        let before = self.state.queued.fetch_add(1, Ordering::AcqRel);
        if before >= self.capacity {
            self.state.queued.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        if before == 0 {
            self.state
                .since_ms
                .store(ms_since_origin(), Ordering::Relaxed);
        }
        // A session task that ended has dropped its inbox: nothing to do.
        let _ = self.tx.send(command);
        true
    }

    /// Messages waiting.
    pub fn queued(&self) -> usize {
        self.state.queued.load(Ordering::Relaxed)
    }

    /// Whether messages wait and none was taken for `limit`.
    pub fn stalled(&self, limit: Duration) -> bool {
        self.queued() > 0
            && ms_since_origin().saturating_sub(self.state.since_ms.load(Ordering::Relaxed))
                > u64::try_from(limit.as_millis()).unwrap_or(u64::MAX)
    }
}

impl Inbox {
    fn took(&self) {
        self.state.queued.fetch_sub(1, Ordering::AcqRel);
        self.state
            .since_ms
            .store(ms_since_origin(), Ordering::Relaxed);
    }

    /// The next command; `None` once the core has dropped the outbox.
    pub async fn recv(&mut self) -> Option<SessionCommand> {
        let c = self.rx.recv().await;
        if c.is_some() {
            self.took();
        }
        c
    }

    /// Whether the core has dropped the outbox (the session must close),
    /// whatever still waits in it.
    pub fn is_closed(&self) -> bool {
        self.rx.is_closed()
    }

    /// The next command, if one waits.
    pub fn try_recv(&mut self) -> Option<SessionCommand> {
        let c = self.rx.try_recv().ok();
        if c.is_some() {
            self.took();
        }
        c
    }
}

/// What every task shares (read-only, or snapshots the core publishes).
#[derive(Debug)]
pub struct Shared {
    /// The configuration.
    pub config: Config,
    /// The core's topology, prepared for the solver, as of its last batch
    /// (replaced when a change reaches the core).
    pub topology: arc_swap::ArcSwap<Prepared>,
    /// The core's LSP database as of its last batch (an immutable
    /// snapshot, replaced after each batch that changed it).
    pub lspdb: arc_swap::ArcSwap<LspSnapshot>,
    /// Live sessions, for the API and for refusing a second session.
    pub sessions: Mutex<HashMap<IpAddr, SessionInfo>>,
    /// Session numbers, for accepted and opened connections alike.
    ids: AtomicU64,
    /// Set on shutdown: every session closes (CLOSE, then the connection).
    shutdown: tokio::sync::watch::Sender<bool>,
    /// The shell's counters for `/metrics`.
    pub metrics: super::metrics::Metrics,
    /// What `GET /events` streams.
    pub events: super::events::Events,
    /// The API's indexes of the LSP database (its filters).
    pub lookup: super::lookup::Lookup,
    /// PCEP connections open now (any state, both directions).
    connections: std::sync::atomic::AtomicUsize,
    /// At most this many ([`super::config::PceSection::max_connections`],
    /// or what the descriptor limit allows).
    pub max_connections: usize,
    /// Log lines about refused second sessions (a peer that reconnects in
    /// a loop), at most one a second.
    refusals: Mutex<quiet::Throttled>,
    /// PCEPS: the TLS configurations made from `[tls]`'s files (read
    /// again on SIGHUP: a rotated certificate applies to new sessions).
    pub tls: arc_swap::ArcSwapOption<pce_tls::Tls>,
    /// HTTPS for the management API, from `[api_tls]`'s files (the same).
    pub api_tls: arc_swap::ArcSwapOption<pce_tls::Tls>,
}

/// The TLS configurations of `[tls]`: its certificate, key and CA files
/// read and checked (a clear error naming the file otherwise).
pub fn load_tls(config: &Config) -> Result<Option<pce_tls::Tls>, String> {
    let files = config
        .tls
        .as_ref()
        .map(|t| (&t.certificate, &t.key, t.ca.as_deref()));
    load_files("[tls]", files)
}

fn load_files(
    what: &str,
    files: Option<(
        &std::path::PathBuf,
        &std::path::PathBuf,
        Option<&std::path::Path>,
    )>,
) -> Result<Option<pce_tls::Tls>, String> {
    let Some((certificate, key, ca)) = files else {
        return Ok(None);
    };
    pce_tls::Tls::load(certificate, key, ca)
        .map(Some)
        .map_err(|e| format!("{what}: {e}"))
}

/// SIGHUP: read the certificate, key and CA files of `[tls]` and
/// `[api_tls]` again (a rotated certificate); sessions and API connections
/// opened from now on use them. A file that cannot be used keeps the
/// running TLS configuration and says why.
pub fn reload_tls(shared: &Shared) {
    for (what, slot, loaded) in [
        ("[tls]", &shared.tls, load_tls(&shared.config)),
        ("[api_tls]", &shared.api_tls, load_api_tls(&shared.config)),
    ] {
        match loaded {
            Ok(Some(tls)) => {
                slot.store(Some(Arc::new(tls)));
                tracing::info!(
                    "reload: {what} certificate, key and CA read again (new connections use them)"
                );
            }
            Ok(None) => {}
            Err(e) => tracing::error!("reload: {e}; the running {what} certificates stay"),
        }
    }
}

/// The same for `[api_tls]`.
pub fn load_api_tls(config: &Config) -> Result<Option<pce_tls::Tls>, String> {
    let files = config
        .api_tls
        .as_ref()
        .map(|t| (&t.certificate, &t.key, t.ca.as_deref()));
    load_files("[api_tls]", files)
}

/// A live session as the API shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SessionInfo {
    /// Session number.
    pub id: u64,
    /// The peer's address and port.
    pub peer: SocketAddr,
    /// OpenWait, KeepWait or Up.
    pub state: &'static str,
    /// This PCE opened the connection (a state-sync session it dialled).
    pub outbound: bool,
    /// Tells the session's task to end (it lost a collision, RFC 5440
    /// Appendix A).
    #[serde(skip)]
    pub evict: Arc<tokio::sync::Notify>,
    /// Negotiated stateful capabilities (when Up).
    pub capabilities: Option<Capabilities>,
    /// Message counters of the session.
    #[serde(serialize_with = "shared_counters")]
    pub counters: Arc<SessionCounters>,
    /// PCEPS: the TLS version and cipher suite, once established.
    pub tls: Option<String>,
}

fn shared_counters<S: serde::Serializer>(
    c: &Arc<SessionCounters>,
    s: S,
) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(c.as_ref(), s)
}

/// A session's message counters (every PCEP message, Keepalives
/// included), kept current by its task.
#[derive(Debug, Default, serde::Serialize)]
pub struct SessionCounters {
    /// Messages received.
    #[serde(serialize_with = "load")]
    pub received: AtomicU64,
    /// Messages sent.
    #[serde(serialize_with = "load")]
    pub sent: AtomicU64,
    /// PCErr messages sent by the session layer (malformed input, Open
    /// negotiation).
    #[serde(serialize_with = "load")]
    pub errors_sent: AtomicU64,
}

fn load<S: serde::Serializer>(v: &AtomicU64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(v.load(Ordering::Relaxed))
}

/// Negotiated capabilities, for display.
#[derive(Clone, Debug, serde::Serialize)]
#[allow(clippy::struct_excessive_bools)]
pub struct Capabilities {
    /// Stateful (both sent STATEFUL-PCE-CAPABILITY).
    pub stateful: bool,
    /// U: updates and delegation.
    pub update: bool,
    /// I: PCE-initiated LSPs.
    pub instantiation: bool,
    /// S: LSP-DB-VERSION.
    pub include_db_version: bool,
    /// INTER-PCE-CAPABILITY on both sides: a state-sync session.
    pub state_sync: bool,
    /// SR path setup negotiated.
    pub segment_routing: bool,
    /// The peer's MSD, when it sent one.
    pub msd: Option<u8>,
    /// Keepalive we send at, seconds.
    pub keepalive: u8,
    /// Dead timer we apply to the peer, seconds.
    pub dead_timer: u8,
}

impl Capabilities {
    fn of(n: &Negotiated) -> Self {
        let c = &n.capabilities;
        Self {
            stateful: c.stateful,
            update: c.update,
            instantiation: c.instantiation,
            include_db_version: c.include_db_version,
            state_sync: c.inter_pce,
            segment_routing: c.path_setup_types.contains(&PathSetupType::SR_TE),
            msd: n.peer_sr.map(|s| s.msd),
            keepalive: n.local.keepalive,
            dead_timer: n.peer.dead_timer,
        }
    }
}

/// One PCEP connection's place under `max_connections`, given back when
/// dropped.
#[derive(Debug)]
pub(crate) struct ConnectionSlot(Arc<Shared>);

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Shared {
    /// Shared state for a configuration and topology.
    pub fn new(config: Config, topology: impl Into<Prepared>) -> Self {
        Self {
            topology: arc_swap::ArcSwap::from_pointee(topology.into()),
            lspdb: arc_swap::ArcSwap::default(),
            sessions: Mutex::new(HashMap::new()),
            ids: AtomicU64::new(1),
            shutdown: tokio::sync::watch::Sender::new(false),
            metrics: super::metrics::Metrics::default(),
            events: super::events::Events::default(),
            lookup: super::lookup::Lookup::new(Some(
                config
                    .state_sync
                    .as_ref()
                    .and_then(|s| s.identity)
                    .unwrap_or(config.pce.address),
            )),
            connections: std::sync::atomic::AtomicUsize::new(0),
            max_connections: config
                .pce
                .max_connections
                .unwrap_or_else(super::limits::connections_that_fit),
            refusals: Mutex::default(),
            config,
            tls: arc_swap::ArcSwapOption::empty(),
            api_tls: arc_swap::ArcSwapOption::empty(),
        }
    }

    /// With HTTPS on the API (`[api_tls]`, loaded by [`load_tls`]).
    #[must_use]
    pub fn with_api_tls(self, tls: Option<pce_tls::Tls>) -> Self {
        self.api_tls.store(tls.map(Arc::new));
        self
    }

    /// With PCEPS (the certificates of `[tls]`, loaded by [`load_tls`]).
    #[must_use]
    pub fn with_tls(self, tls: Option<pce_tls::Tls>) -> Self {
        self.tls.store(tls.map(Arc::new));
        self
    }

    /// A slot for one more PCEP connection, or `None` when
    /// `max_connections` are open: held for the connection's life.
    pub(crate) fn connection_slot(self: &Arc<Self>) -> Option<ConnectionSlot> {
        let n = self.connections.fetch_add(1, Ordering::AcqRel);
        if n >= self.max_connections {
            self.connections.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(ConnectionSlot(Arc::clone(self)))
    }

    /// PCEP connections open now.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// Close every session (CLOSE with reason 1, "no explanation": RFC 5440
    /// has no "shutting down") and wait, at most `within`, until all are
    /// gone.
    pub async fn shutdown(&self, within: Duration) {
        self.shutdown.send_replace(true);
        let deadline = tokio::time::Instant::now() + within;
        while !self.sessions().is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// This PCE's state-sync identity, when `peer` is a configured peer.
    fn identity_towards(&self, peer: IpAddr) -> Option<IpAddr> {
        let ss = self.config.state_sync.as_ref()?;
        ss.peers
            .iter()
            .any(|p| p.address == peer)
            .then(|| ss.identity.unwrap_or(self.config.pce.address))
    }

    fn next_id(&self) -> SessionId {
        SessionId(self.ids.fetch_add(1, Ordering::Relaxed))
    }

    /// The wire configuration (the state-sync code points configured).
    pub fn wire(&self) -> WireConfig {
        let mut w = WireConfig::default();
        if let Some(ss) = self.config.state_sync() {
            w.state_sync = ss.codepoints;
        }
        w
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, SessionInfo>> {
        // A panic while holding this lock cannot leave the map inconsistent
        // (every update is one insert or remove).
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The OPEN object this PCE sends to `peer`: stateful with updates (U),
/// PCE-initiated LSPs (I), LSP-DB versions (S) and incremental sync (D, RFC
/// 8232); SR-capable. `db_version`: the LSP-DB-VERSION of the peer's
/// database if this PCE still holds it (RFC 8232 §3.2: the PCC may then
/// skip its synchronization).
pub fn pce_open(config: &Config, peer: IpAddr, db_version: Option<u64>) -> Open {
    let mut caps = StatefulCapability::UPDATE
        | StatefulCapability::INSTANTIATION
        | StatefulCapability::INCLUDE_DB_VERSION
        | StatefulCapability::DELTA_LSP_SYNC
        | StatefulCapability::TRIGGERED_RESYNC;
    // INTER-PCE-CAPABILITY only to the configured peer PCEs: never to a
    // PCC, and a PCE we do not know that sets it gets an ordinary session
    // (draft-ietf-pce-state-sync §3.1.1: P on one side only).
    let peer_pce = config
        .state_sync()
        .filter(|ss| ss.peers.iter().any(|p| p.address == peer));
    match peer_pce {
        Some(ss) => caps |= ss.codepoints.inter_pce_capability_mask,
        // F to PCCs only: this PCE triggers a PCC's initial synchronization
        // as soon as the session is up (RFC 8232 §3.4). A state-sync
        // session's initial synchronization goes both ways at once.
        None => caps |= StatefulCapability::TRIGGERED_INITIAL_SYNC,
    }
    Open {
        keepalive: config.pce.keepalive,
        dead_timer: config.pce.dead_timer,
        tlvs: vec![
            Tlv::StatefulPceCapability(StatefulCapability(caps)),
            Tlv::PathSetupTypeCapability(Box::new(PathSetupTypeCapability {
                path_setup_types: vec![PathSetupType::RSVP_TE, PathSetupType::SR_TE],
                sub_tlvs: vec![SubTlv::SrPceCapability(SrPceCapability {
                    flags: SrPceCapability::UNLIMITED_MSD,
                    msd: 0,
                })],
            })),
            Tlv::AssocTypeList(vec![AssociationType::DISJOINT]),
        ]
        .into_iter()
        .chain(db_version.map(Tlv::LspDbVersion))
        .collect(),
        ..Open::default()
    }
}

/// What a session task tells the core.
#[derive(Debug)]
pub enum CoreInput {
    /// A session is up.
    Up {
        /// Its number.
        session: SessionId,
        /// The peer's address.
        peer: IpAddr,
        /// What was negotiated.
        negotiated: Box<Negotiated>,
        /// Where the core sends this session's messages.
        outbox: Outbox,
    },
    /// A message arrived; the bytes it was read from are held until the
    /// core has handled it.
    Message(SessionId, Message, budget::Charge),
    /// The session ended.
    Down(SessionId),
    /// A management command.
    Command(Command),
}

/// What the core tells a session task.
#[derive(Debug)]
pub enum SessionCommand {
    /// Send a message.
    Send(Message),
    /// Close with a reason.
    Close(CloseReason),
}

/// Management commands, with where to answer.
#[derive(Debug)]
pub enum Command {
    /// An operator command, an input of the core ([`PceCommand`]): its
    /// result (an SRP-ID or 0).
    Run(PceCommand, oneshot::Sender<Result<u32, CommandError>>),
    /// The core's counters.
    Counters(oneshot::Sender<crate::pce::Counters>),
    /// The configured peer PCEs and their state.
    Peers(oneshot::Sender<Vec<crate::pce::PeerStatus>>),
    /// Bandwidth held per link (by link index).
    Reservations(oneshot::Sender<Vec<f64>>),
    /// A copy of the core, for work that must not hold it (a snapshot):
    /// the copy a dry run makes.
    Copy(oneshot::Sender<Box<crate::pce::Pce>>),
    /// The operator's intent (what `[pce] state` keeps).
    Intent {
        /// Where the page starts.
        after: Option<crate::pce::IntentCursor>,
        /// At most this many entries.
        limit: usize,
        reply: oneshot::Sender<(crate::pce::Intent, Option<crate::pce::IntentCursor>)>,
    },
    /// Recompute every controlled LSP (an input of the core); what it
    /// did.
    Reoptimize(oneshot::Sender<Result<crate::pce::ChangeReport, CommandError>>),
    /// A topology change (BGP-LS, the API), an input of the core; with
    /// `dry_run`, what it would do, on a copy of the core.
    Topology {
        /// The change.
        change: crate::pce::TopologyChange,
        /// Only say what it would do.
        dry_run: bool,
        /// What it did (or would do).
        reply: oneshot::Sender<Result<crate::pce::ChangeReport, CommandError>>,
    },
}

/// A handle to the core task.
///
/// Its queue is a channel without a bound of its own: what fills it is
/// bounded elsewhere. Messages from sockets are bounded in bytes by the
/// read budgets ([`budget`]); a session's up and down come once each; an
/// API or BGP-LS command waits for its answer before the next.
#[derive(Clone, Debug)]
pub struct CoreHandle {
    tx: mpsc::UnboundedSender<CoreInput>,
    /// Inputs queued, not yet taken by the core.
    queued: Arc<std::sync::atomic::AtomicUsize>,
    /// Bytes all sessions together may have read and not had handled.
    pub(crate) read_budget: Arc<budget::Budget>,
}

impl CoreHandle {
    /// Inputs waiting in the core's queue.
    pub fn queue_depth(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Bytes read from sockets that the core has not handled yet.
    pub fn queued_bytes(&self) -> usize {
        self.read_budget.used()
    }

    /// Queue an input for the core; false if the core has stopped.
    pub fn send(&self, input: CoreInput) -> bool {
        self.queued.fetch_add(1, Ordering::Relaxed);
        let sent = self.tx.send(input).is_ok();
        if !sent {
            self.queued.fetch_sub(1, Ordering::Relaxed);
        }
        sent
    }

    /// Run an operator command through the core; `None` if the core has
    /// stopped.
    pub async fn run(&self, command: PceCommand) -> Option<Result<u32, CommandError>> {
        self.command(|tx| Command::Run(command, tx)).await
    }

    /// Run a command; `None` if the core has stopped.
    pub async fn command<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        if !self.send(CoreInput::Command(make(tx))) {
            return None;
        }
        rx.await.ok()
    }
}

pub(crate) async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
