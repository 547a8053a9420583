//! The PCEP listener, its per-connection tasks and the core task.
//!
//! Each connection task owns its sans-IO [`Session`] and its socket. It
//! sends what the core must see (session up, messages, session down) into
//! one bounded queue ([`CORE_QUEUE`]); when that queue is full the task
//! waits, so it stops reading its socket and TCP pushes back on that PCC
//! alone. The core task owns the [`Pce`] and answers through one bounded
//! queue per session ([`SESSION_QUEUE`]); it never waits on a session: a
//! session whose queue is full (a peer that does not read) is closed, so a
//! slow or hostile peer never stalls the others.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pcep::session::{Event, Negotiated, OpenPolicy, Role, Session, SessionConfig, State};
use pcep::wire::iana::CloseReason;
use pcep::wire::object::{Open, PcepError};
use pcep::wire::tlv::{PathSetupTypeCapability, SrPceCapability, StatefulCapability, SubTlv, Tlv};
use pcep::wire::{AssociationType, Message, PathSetupType, PcErr, PcErrCode, WireConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info, warn, Instrument};

use super::clock::now;
use super::config::Config;
use super::record::Recorder;
use crate::lspdb::LspDb;
use crate::pce::{Command as PceCommand, CommandError, Input, Output, Pce, PceConfig, SessionId};
use crate::topology::Ted;

/// Depth of the queue from all sessions into the core.
pub const CORE_QUEUE: usize = 65_536;
/// Spare room the receive buffer has before each read: reads go straight
/// into the session's framer (tokio's `read_buf` into uninitialized
/// capacity), so an idle session holds no zeroed read buffer.
const READ_CHUNK: usize = 8 * 1024;

/// Depth of each session's queue from the core.
pub const SESSION_QUEUE: usize = 4_096;

/// What every task shares (read-only, or sharded for concurrent readers).
#[derive(Debug)]
pub struct Shared {
    /// The configuration.
    pub config: Config,
    /// The traffic-engineering database.
    pub ted: Arc<Ted>,
    /// The LSP database (written by the core, read by the API).
    pub lspdb: Arc<LspDb>,
    /// Live sessions, for the API and for refusing a second session.
    pub sessions: Mutex<HashMap<IpAddr, SessionInfo>>,
    /// Session numbers, for accepted and opened connections alike.
    ids: AtomicU64,
    /// Set on shutdown: every session closes (CLOSE, then the connection).
    shutdown: tokio::sync::watch::Sender<bool>,
    /// The shell's counters for `/metrics`.
    pub metrics: super::metrics::Metrics,
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
    /// Negotiated stateful capabilities (when Up).
    pub capabilities: Option<Capabilities>,
    /// Message counters of the session.
    #[serde(serialize_with = "shared_counters")]
    pub counters: Arc<SessionCounters>,
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

impl Shared {
    /// Shared state for a configuration and topology.
    pub fn new(config: Config, ted: Ted) -> Self {
        Self {
            config,
            ted: Arc::new(ted),
            lspdb: Arc::new(LspDb::new()),
            sessions: Mutex::new(HashMap::new()),
            ids: AtomicU64::new(1),
            shutdown: tokio::sync::watch::Sender::new(false),
            metrics: super::metrics::Metrics::default(),
        }
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

/// The OPEN object this PCE sends: stateful with updates (U), PCE-initiated
/// LSPs (I), LSP-DB versions (S) and incremental sync (D, RFC 8232);
/// SR-capable.
pub fn pce_open(config: &Config) -> Open {
    let mut caps = StatefulCapability::UPDATE
        | StatefulCapability::INSTANTIATION
        | StatefulCapability::INCLUDE_DB_VERSION
        | StatefulCapability::DELTA_LSP_SYNC;
    // INTER-PCE-CAPABILITY when state-sync is on: PCCs do not set it, so
    // only sessions with peer PCEs negotiate it.
    if let Some(ss) = config.state_sync() {
        caps |= ss.codepoints.inter_pce_capability_mask;
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
        ],
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
        outbox: mpsc::Sender<SessionCommand>,
    },
    /// A message arrived.
    Message(SessionId, Message),
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
}

/// A handle to the core task.
#[derive(Clone, Debug)]
pub struct CoreHandle {
    tx: mpsc::Sender<CoreInput>,
}

impl CoreHandle {
    /// Inputs waiting in the core's queue.
    pub fn queue_depth(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }

    /// Queue an input for the core (waits while its queue is full); false
    /// if the core has stopped.
    pub async fn send(&self, input: CoreInput) -> bool {
        self.tx.send(input).await.is_ok()
    }

    /// Run an operator command through the core; `None` if the core has
    /// stopped.
    pub async fn run(&self, command: PceCommand) -> Option<Result<u32, CommandError>> {
        self.command(|tx| Command::Run(command, tx)).await
    }

    /// Run a command; `None` if the core has stopped.
    pub async fn command<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(CoreInput::Command(make(tx))).await.ok()?;
        rx.await.ok()
    }
}

/// The core's configuration from the file's.
pub fn pce_config(config: &Config) -> PceConfig {
    PceConfig {
        state_timeout: Duration::from_secs(u64::from(config.pce.state_timeout)),
        redelegation_timeout: Duration::from_secs(u64::from(config.pce.redelegation_timeout)),
        state_sync: config.state_sync(),
        update_timeout: Duration::from_secs(u64::from(config.pce.update_timeout)),
        update_retries: config.pce.update_retries,
    }
}

/// Start the core task.
pub fn start_core(shared: &Arc<Shared>) -> CoreHandle {
    start_core_recording(shared, None)
}

/// Start the core task; with a recorder, every input and output of the
/// core goes into its file (`pce serve --record`).
pub fn start_core_recording(shared: &Arc<Shared>, recorder: Option<Recorder>) -> CoreHandle {
    let (tx, rx) = mpsc::channel(CORE_QUEUE);
    let pce = Pce::new(
        pce_config(&shared.config),
        shared.ted.snapshot(),
        Arc::clone(&shared.lspdb),
    );
    let core = Core {
        pce,
        outboxes: HashMap::new(),
        shared: Arc::clone(shared),
        recorder,
    };
    tokio::spawn(core_task(core, rx).instrument(tracing::info_span!("core")));
    CoreHandle { tx }
}

/// The core task's state: the core, where each session's messages go, and
/// the recording.
struct Core {
    pce: Pce,
    outboxes: HashMap<SessionId, mpsc::Sender<SessionCommand>>,
    shared: Arc<Shared>,
    recorder: Option<Recorder>,
}

async fn core_task(mut core: Core, mut rx: mpsc::Receiver<CoreInput>) {
    loop {
        let deadline = core.pce.poll_timeout().map(tokio::time::Instant::from_std);
        let input = tokio::select! {
            input = rx.recv() => match input {
                Some(i) => Some(i),
                None => return,
            },
            () = sleep_until(deadline) => None,
        };
        match input {
            Some(i) => {
                core.take(i);
                // Take what else is queued before flushing (batching).
                for _ in 0..1024 {
                    match rx.try_recv() {
                        Ok(i) => core.take(i),
                        Err(_) => break,
                    }
                }
            }
            None => {
                core.handle(Input::Timer);
            }
        }
        core.flush();
    }
}

impl Core {
    /// One input into the core, recorded, timed for `/metrics`.
    fn handle(&mut self, input: Input) -> Option<Result<u32, CommandError>> {
        let start = now();
        if let Some(r) = self.recorder.as_mut() {
            r.input(&input, start);
        }
        let result = self.pce.handle(input, start);
        self.shared
            .metrics
            .core_input(now().saturating_duration_since(start));
        result
    }

    /// What a session task or the API sent.
    fn take(&mut self, input: CoreInput) {
        match input {
            CoreInput::Up {
                session,
                peer,
                negotiated,
                outbox,
            } => {
                self.outboxes.insert(session, outbox);
                self.handle(Input::SessionUp {
                    session,
                    peer,
                    negotiated,
                });
            }
            CoreInput::Message(session, message) => {
                self.handle(Input::Message {
                    session,
                    message: Box::new(message),
                });
            }
            CoreInput::Down(session) => {
                self.outboxes.remove(&session);
                self.handle(Input::SessionDown { session });
            }
            // A requester that gave up is not an error.
            CoreInput::Command(Command::Run(command, reply)) => {
                let result = self.handle(Input::Command(command));
                let _ = reply.send(result.unwrap_or(Ok(0)));
            }
            CoreInput::Command(Command::Counters(reply)) => {
                let _ = reply.send(self.pce.counters());
            }
            CoreInput::Command(Command::Peers(reply)) => {
                let _ = reply.send(self.pce.peers());
            }
            CoreInput::Command(Command::Reservations(reply)) => {
                let _ = reply.send(self.pce.reserved());
            }
        }
    }

    /// After a batch: hand the outputs to the sessions, publish the core's
    /// topology for readers, write the recording out.
    fn flush(&mut self) {
        while let Some(out) = self.pce.poll_output() {
            if let Some(r) = self.recorder.as_mut() {
                r.output(&out);
            }
            let (session, command) = match out {
                Output::Send { session, message } => (session, SessionCommand::Send(message)),
                Output::Close { session, reason } => (session, SessionCommand::Close(reason)),
            };
            let Some(tx) = self.outboxes.get(&session) else {
                continue;
            };
            if let Err(mpsc::error::TrySendError::Full(_)) = tx.try_send(command) {
                // The peer does not read: dropping its queue ends the session
                // task, which closes the connection.
                warn!(
                    session = session.0,
                    "session queue full: closing the session"
                );
                self.outboxes.remove(&session);
            }
        }
        // The core's topology is the one readers see (published once per
        // batch, after the inputs that changed it).
        if !Arc::ptr_eq(self.pce.topology(), &self.shared.ted.snapshot()) {
            self.shared.ted.store(Arc::clone(self.pce.topology()));
        }
        if let Some(r) = self.recorder.as_mut() {
            r.flush();
        }
    }
}

/// Listen backlog: thousands of PCCs connect at once after a PCE restart,
/// and a SYN dropped from a full queue costs that PCC a one-second
/// retransmission (the kernel caps it at net.core.somaxconn).
pub const LISTEN_BACKLOG: u32 = 8192;

/// A PCEP listener on `addr` with [`LISTEN_BACKLOG`] (must be called within
/// a tokio runtime).
pub fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Accept PCEP connections until the listener fails.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    core: CoreHandle,
) -> std::io::Result<()> {
    info!(address = %listener.local_addr()?, "PCEP listening");
    start_peer_connectors(&shared, &core);
    loop {
        let (stream, peer) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let core = core.clone();
        let id = shared.next_id();
        let span = tracing::info_span!("session", %peer, id = id.0);
        tokio::spawn(
            async move {
                if let Err(e) = session_task(stream, peer, id, &shared, core).await {
                    debug!(error = %e, "connection ended");
                }
            }
            .instrument(span),
        );
    }
}

/// Open the state-sync sessions this PCE initiates: to every peer with a
/// higher identity (the lower one connects, the higher one listens, so two
/// PCEs never open crossing sessions), from this PCE's identity address,
/// retrying every second while the session is down.
fn start_peer_connectors(shared: &Arc<Shared>, core: &CoreHandle) {
    let Some(section) = shared.config.state_sync.clone() else {
        return;
    };
    let me = section.identity.unwrap_or(shared.config.pce.address);
    let configured: Vec<IpAddr> = section.peers.iter().map(|p| p.address).collect();
    info!(identity = %me, peers = ?configured, "state-sync configured (a full mesh is required)");
    for peer in section
        .peers
        .into_iter()
        .filter(|p| crate::pce::address_rank(p.address) > crate::pce::address_rank(me))
    {
        let shared = Arc::clone(shared);
        let core = core.clone();
        tokio::spawn(async move {
            let target = SocketAddr::new(peer.address, peer.port);
            loop {
                let connected = shared.sessions().contains_key(&peer.address);
                if !connected {
                    match connect_from(me, target).await {
                        Ok(stream) => {
                            let id = shared.next_id();
                            let span = tracing::info_span!("peer", %target, id = id.0);
                            info!(%target, "state-sync session opened");
                            if let Err(e) = session_task(stream, target, id, &shared, core.clone())
                                .instrument(span)
                                .await
                            {
                                debug!(error = %e, "state-sync connection ended");
                            }
                            warn!(%target, "state-sync session down");
                        }
                        Err(e) => debug!(%target, error = %e, "cannot reach peer PCE"),
                    }
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}

async fn connect_from(local: IpAddr, target: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = if target.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.bind(SocketAddr::new(local, 0))?;
    let stream = socket.connect(target).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Refuse a second session from a peer that has one (RFC 5440 §6.7,
/// PCErr 9), before any Open exchange.
async fn refuse_second(mut stream: TcpStream) -> std::io::Result<()> {
    let err = PcErr::new(PcepError::new(PcErrCode::SECOND_SESSION));
    let wire = WireConfig::default();
    if let Ok(b) = Message::PcErr(err).to_bytes(&wire) {
        stream.write_all(&b).await?;
    }
    let close = Message::Close(pcep::wire::object::Close::new(CloseReason::NO_EXPLANATION));
    if let Ok(b) = close.to_bytes(&wire) {
        stream.write_all(&b).await?;
    }
    Ok(())
}

async fn session_task(
    mut stream: TcpStream,
    peer: SocketAddr,
    id: SessionId,
    shared: &Arc<Shared>,
    core: CoreHandle,
) -> std::io::Result<()> {
    let second = {
        let mut sessions = shared.sessions();
        let second = sessions.contains_key(&peer.ip());
        if !second {
            sessions.insert(
                peer.ip(),
                SessionInfo {
                    id: id.0,
                    peer,
                    state: "OpenWait",
                    capabilities: None,
                    counters: Arc::default(),
                },
            );
        }
        second
    };
    if second {
        warn!("second session from the same peer refused (PCErr 9)");
        return refuse_second(stream).await;
    }
    let result = run_session(&mut stream, peer, id, shared, &core).await;
    shared.sessions().remove(&peer.ip());
    result
}

async fn run_session(
    stream: &mut TcpStream,
    peer: SocketAddr,
    id: SessionId,
    shared: &Arc<Shared>,
    core: &CoreHandle,
) -> std::io::Result<()> {
    let config = SessionConfig {
        role: Role::Pce,
        open: pce_open(&shared.config),
        policy: OpenPolicy::default(),
        wire: shared.wire(),
    };
    let mut session = Session::new(config);
    let (outbox, mut inbox) = mpsc::channel(SESSION_QUEUE);
    let mut outbox = Some(outbox);
    let mut up = false;
    let counters = shared
        .sessions()
        .get(&peer.ip())
        .map(|s| Arc::clone(&s.counters))
        .unwrap_or_default();
    let mut last_stats = pcep::session::Stats::default();
    let mut shutdown = shared.shutdown.subscribe();
    let mut closing = *shutdown.borrow();
    if closing {
        return Ok(());
    }
    session.start(now());
    let result = loop {
        while let Some(ev) = session.poll_event() {
            match ev {
                Event::Up(n) => {
                    let configured = shared
                        .config
                        .state_sync
                        .as_ref()
                        .is_some_and(|ss| ss.peers.iter().any(|p| p.address == peer.ip()));
                    if n.capabilities.inter_pce && !configured {
                        warn!(
                            "refusing state-sync from {}: it set INTER-PCE-CAPABILITY but is not a configured [[state_sync.peers]] address (PCErr 2, Close)",
                            peer.ip()
                        );
                    }
                    info!(
                        stateful = n.capabilities.stateful,
                        update = n.capabilities.update,
                        instantiation = n.capabilities.instantiation,
                        "session up"
                    );
                    if let Some(s) = shared.sessions().get_mut(&peer.ip()) {
                        s.state = "Up";
                        s.capabilities = Some(Capabilities::of(&n));
                    }
                    if let Some(outbox) = outbox.take() {
                        up = core
                            .tx
                            .send(CoreInput::Up {
                                session: id,
                                peer: peer.ip(),
                                negotiated: n,
                                outbox,
                            })
                            .await
                            .is_ok();
                    }
                }
                Event::Message(m) => {
                    shared.metrics.received(&m);
                    if up && core.tx.send(CoreInput::Message(id, m)).await.is_err() {
                        session.close(CloseReason::NO_EXPLANATION, now());
                    }
                }
                Event::Malformed(e) => warn!(error = %e, pcerr = %e.pcerr(), "malformed message"),
                Event::Failed(code) => warn!(pcerr = %code, "session establishment failed"),
                Event::Closed { reason, by_peer } => info!(%reason, by_peer, "session closed"),
            }
        }
        // One write for everything queued.
        let mut out = Vec::new();
        while let Some(bytes) = session.poll_transmit() {
            out.extend_from_slice(&bytes);
        }
        if !out.is_empty() {
            if let Err(e) = stream.write_all(&out).await {
                break Err(e);
            }
        }
        shared.metrics.session_delta(&last_stats, &session.stats);
        last_stats = session.stats;
        counters
            .received
            .store(session.stats.received, Ordering::Relaxed);
        counters.sent.store(session.stats.sent, Ordering::Relaxed);
        counters
            .errors_sent
            .store(session.stats.errors_sent, Ordering::Relaxed);
        if matches!(session.state(), State::Closed) {
            break Ok(());
        }
        if matches!(session.state(), State::KeepWait { .. }) {
            if let Some(s) = shared.sessions().get_mut(&peer.ip()) {
                s.state = "KeepWait";
            }
        }
        let deadline = session.poll_timeout().map(tokio::time::Instant::from_std);
        // Unbiased: a peer flooding us does not starve its own Keepalives
        // or the core's messages to it.
        tokio::select! {
            _ = shutdown.changed(), if !closing => {
                closing = true;
                session.close(CloseReason::NO_EXPLANATION, now());
            }
            command = inbox.recv(), if up => match command {
                Some(first) => {
                    // Take what else is queued into the same write.
                    let mut next = Some(first);
                    while let Some(c) = next.take() {
                        match c {
                            SessionCommand::Send(m) => {
                                match session.send(&m, now()) {
                                    Ok(()) => shared.metrics.sent(&m),
                                    // Not sent: the core's pending-update
                                    // timeout computes the LSP again.
                                    Err(e) => warn!(
                                        message = ?m.message_type(),
                                        "not sent: {e}"
                                    ),
                                }
                                next = inbox.try_recv().ok();
                            }
                            SessionCommand::Close(reason) => session.close(reason, now()),
                        }
                    }
                }
                // The core dropped this session (its queue overflowed).
                None => session.close(CloseReason::NO_EXPLANATION, now()),
            },
            read = stream.read_buf(session.receive_buffer(READ_CHUNK)) => {
                match read {
                    Ok(0) => {
                        info!("connection closed by peer");
                        break Ok(());
                    }
                    Ok(_) => session.handle_received(now()),
                    Err(e) => break Err(e),
                }
            }
            () = sleep_until(deadline) => session.handle_timeout(now()),
        }
    };
    if up {
        let _ = core.tx.send(CoreInput::Down(id)).await;
    }
    result
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
