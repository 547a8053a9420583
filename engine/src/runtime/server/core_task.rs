//! The core task: it owns the [`Pce`], takes what the sessions and the
//! API send it, one input at a time ([`Pce::handle`]), hands the outputs to
//! the sessions' queues after each batch, publishes the core's topology,
//! and records inputs and outputs (`--record`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tracing::{info, warn, Instrument};

use crate::lspdb::LspDb;
use crate::pce::{
    ChangeReport, CommandError, Input, IntentChange, Output, Pce, PceConfig, SessionId,
};
use crate::runtime::clock::now;
use crate::runtime::config::Config;
use crate::runtime::record::Recorder;
use crate::runtime::store::Store;

use super::{budget, sleep_until, Command, CoreHandle, CoreInput, Outbox, SessionCommand, Shared};

/// The core's configuration from the file's.
pub fn pce_config(config: &Config) -> PceConfig {
    PceConfig {
        state_timeout: Duration::from_secs(u64::from(config.pce.state_timeout)),
        redelegation_timeout: Duration::from_secs(u64::from(config.pce.redelegation_timeout)),
        state_sync: config.state_sync(),
        update_timeout: Duration::from_secs(u64::from(config.pce.update_timeout)),
        update_retries: config.pce.update_retries,
        reoptimize_on_restore: config.pce.reoptimize_on_restore,
        max_lsps_per_pcc: config.pce.max_lsps_per_pcc,
        max_unknown_bytes_per_lsp: config.pce.max_unknown_bytes_per_lsp,
        update_window: config.pce.update_window,
    }
}

/// Start the core task.
pub fn start_core(shared: &Arc<Shared>) -> CoreHandle {
    start_core_with(shared, None, None)
}

/// Start the core task; with a recorder, every input and output of the
/// core goes into its file (`pce serve --record`); with a store, every
/// change of the operator's intent is stored before the command that made
/// it has its answer (`[pce] state`).
pub fn start_core_with(
    shared: &Arc<Shared>,
    recorder: Option<Recorder>,
    store: Option<Store>,
) -> CoreHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    let queued = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let pce = Pce::new(
        pce_config(&shared.config),
        shared.topology.load_full(),
        LspDb::new(),
    );
    let threads = shared
        .config
        .pce
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("pce-core-{i}"))
        .build()
        .map_err(|e| warn!("no solver thread pool ({e}): computing on the global one"))
        .ok()
        .map(Arc::new);
    // On a multi-thread runtime (`pce serve`) the core is one of its
    // tasks: a session's input wakes it on the worker the session runs on,
    // and its outputs wake the sessions there, without a thread hand-off
    // each way (a thread of its own cost 1.6x at p50 in report-to-update
    // latency and 20% more CPU under load: BENCHMARKS.md). What may compute
    // at length leaves the worker's other tasks to another thread first
    // (`Core::handle`). On any other runtime, the core has a thread of its
    // own, one of its pool's.
    let on_runtime = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    let core = Core {
        pce,
        outboxes: HashMap::new(),
        swept: now(),
        shared: Arc::clone(shared),
        recorder,
        replies: Vec::new(),
        published: now(),
        last_change: None,
        pool: pool.clone(),
        on_runtime,
        writer: store.map(|s| Writer::start(s, Arc::clone(shared))),
    };
    let task = core_task(core, rx, Arc::clone(&queued)).instrument(tracing::info_span!("core"));
    if on_runtime {
        tokio::spawn(task);
    } else {
        let run = move || match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(task),
            Err(e) => tracing::error!("the core's runtime cannot start: {e}"),
        };
        // Its parallel computations run on the pool it is on; it holds the
        // pool for as long as it runs.
        match pool {
            Some(pool) => {
                let held = Arc::clone(&pool);
                pool.spawn(move || {
                    let _pool = held;
                    run();
                });
            }
            None => {
                if let Err(e) = std::thread::Builder::new()
                    .name("pce-core".into())
                    .spawn(run)
                {
                    tracing::error!("the core's thread cannot start: {e}");
                }
            }
        }
    }
    CoreHandle {
        tx,
        queued,
        read_budget: budget::Budget::new(shared.config.pce.read_budget),
    }
}

/// The core task's state: the core, where each session's messages go, and
/// the recording.
struct Core {
    pce: Pce,
    outboxes: HashMap<SessionId, Outbox>,
    /// When the outboxes were last looked at for peers that stopped
    /// reading.
    swept: std::time::Instant,
    shared: Arc<Shared>,
    recorder: Option<Recorder>,
    /// Answers to operator commands of this batch, sent once its snapshot
    /// is published (an API client that has its answer reads its effect).
    replies: Vec<Answer>,
    /// When the last LSP snapshot was published.
    published: std::time::Instant,
    /// What the last topology change, reload or reoptimization did.
    last_change: Option<ChangeReport>,
    /// The solver's pool (`[pce] threads`).
    pool: Option<Arc<rayon::ThreadPool>>,
    /// The core is a task of a multi-thread runtime (else it has a thread
    /// of its own, one of `pool`'s).
    on_runtime: bool,
    /// Where changes of the operator's intent go to be stored.
    writer: Option<Writer>,
}

/// The thread that stores the operator's intent (`[pce] state`): each
/// batch's changes in one transaction, then the batch's answers, so that
/// an answered command is on disk; a write that fails is tried again with
/// the next batch, and the commands of the batch are answered that their
/// change is not stored.
struct Writer {
    tx: std::sync::mpsc::Sender<(Vec<IntentChange>, Vec<Answer>)>,
}

impl Writer {
    fn start(store: Store, shared: Arc<Shared>) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<(Vec<IntentChange>, Vec<Answer>)>();
        let run = move || {
            let mut failed: Vec<IntentChange> = Vec::new();
            for (changes, answers) in rx {
                let mut all = std::mem::take(&mut failed);
                all.extend(changes);
                let result = store.apply(&all);
                shared.metrics.state_write(all.len(), result.is_ok());
                let not_stored = match result {
                    Ok(()) => None,
                    Err(e) => {
                        tracing::error!(
                            file = %store.path().display(),
                            changes = all.len(),
                            "the operator's intent could not be stored (tried again with the next change): {e}"
                        );
                        failed = all;
                        Some(e.to_string())
                    }
                };
                for answer in answers {
                    match &not_stored {
                        Some(e) => answer.fail_not_stored(e),
                        None => answer.send(),
                    }
                }
            }
        };
        if let Err(e) = std::thread::Builder::new()
            .name("pce-state".into())
            .spawn(run)
        {
            tracing::error!("the state writer's thread cannot start: {e}");
        }
        Self { tx }
    }
}

/// Where a command's answer goes.
type Reply = oneshot::Sender<Result<u32, CommandError>>;

/// A command's answer, and where it goes.
enum Answer {
    Run(Reply, Result<u32, CommandError>),
    Change(
        oneshot::Sender<Result<ChangeReport, CommandError>>,
        Result<ChangeReport, CommandError>,
    ),
}

impl Answer {
    fn send(self) {
        // A requester that gave up is not an error.
        match self {
            Self::Run(reply, result) => {
                let _ = reply.send(result);
            }
            Self::Change(reply, result) => {
                let _ = reply.send(result);
            }
        }
    }

    /// Answered that its change is not stored (when it succeeded).
    fn fail_not_stored(self, why: &str) {
        match self {
            Self::Run(reply, Ok(_)) => {
                let _ = reply.send(Err(CommandError::NotStored(why.into())));
            }
            answer => answer.send(),
        }
    }
}

/// How old the API's LSP snapshot may grow (one is published at once with
/// a command's answer): a snapshot shares the database's nodes, so the
/// first change of each node after one copies it; publishing after every
/// batch made a 65,535-LSP sync from one PCC (about one report per batch)
/// up to twice as slow (BENCHMARKS.md).
const SNAPSHOT_INTERVAL: Duration = Duration::from_millis(20);

/// How long the core, busy, runs before it lets the other tasks of its
/// worker run.
const YIELD_AFTER: Duration = Duration::from_millis(1);

async fn core_task(
    mut core: Core,
    mut rx: mpsc::UnboundedReceiver<CoreInput>,
    queued: Arc<std::sync::atomic::AtomicUsize>,
) {
    let mut fair = Fair::default();
    // When the core last let its worker's other tasks run.
    let mut awake = now();
    loop {
        // Everything queued, without waiting (bounded: see `CoreHandle`).
        while let Ok(i) = rx.try_recv() {
            queued.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            fair.push(i);
        }
        if fair.is_empty() {
            let deadline = core.pce.poll_timeout().map(tokio::time::Instant::from_std);
            let publish = core.publish_at().map(tokio::time::Instant::from_std);
            tokio::select! {
                input = rx.recv() => match input {
                    Some(i) => {
                        queued.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                        fair.push(i);
                    }
                    None => return,
                },
                () = sleep_until(deadline) => {
                    core.handle(Input::Timer);
                    core.flush();
                }
                () = sleep_until(publish) => core.flush(),
            }
            awake = now();
            continue;
        }
        // Busy: timers still run.
        if core.pce.poll_timeout().is_some_and(|t| t <= now()) {
            core.handle(Input::Timer);
        }
        // One input from each source in turn, then their outputs out: a
        // source with much queued delays the others by one input only.
        fair.round(|i| core.take(i));
        core.flush();
        // Busy for long: the sessions this worker has woken run before the
        // next round (yielding after every round cost 40 µs at p50 under
        // load; idle, the core waits on its queue and they run then).
        if now().saturating_duration_since(awake) >= YIELD_AFTER {
            tokio::task::yield_now().await;
            awake = now();
        }
    }
}

/// Whether an input may compute many paths (a topology change, a reload,
/// a reoptimization, the timers that purge or take over LSPs, a session's
/// end): the others compute at most one LSP or group.
fn may_compute_at_length(input: &Input) -> bool {
    use crate::pce::Command as C;
    !matches!(
        input,
        Input::Message { .. }
            | Input::SessionUp { .. }
            | Input::Command(
                C::Initiate(_)
                    | C::UpdateLsp { .. }
                    | C::ReturnDelegation { .. }
                    | C::AcceptDelegation { .. }
                    | C::DeleteInitiated { .. }
                    | C::Resync { .. }
                    | C::ResyncPeer { .. }
                    | C::Restore(_)
            )
    )
}

/// The core's inputs by source (a session, or the API and BGP-LS), taken
/// in turn, each source's in order.
#[derive(Default)]
struct Fair {
    queues: HashMap<Option<SessionId>, std::collections::VecDeque<CoreInput>>,
    /// Sources with inputs waiting, in turn.
    turn: std::collections::VecDeque<Option<SessionId>>,
}

impl Fair {
    fn is_empty(&self) -> bool {
        self.turn.is_empty()
    }

    fn push(&mut self, input: CoreInput) {
        let source = match &input {
            CoreInput::Up { session, .. }
            | CoreInput::Message(session, ..)
            | CoreInput::Down(session) => Some(*session),
            CoreInput::Command(_) => None,
        };
        let queue = self.queues.entry(source).or_default();
        if queue.is_empty() {
            self.turn.push_back(source);
        }
        queue.push_back(input);
    }

    /// One input from each source that has one.
    fn round(&mut self, mut take: impl FnMut(CoreInput)) {
        for _ in 0..self.turn.len() {
            let Some(source) = self.turn.pop_front() else {
                break;
            };
            let Some(queue) = self.queues.get_mut(&source) else {
                continue;
            };
            let Some(input) = queue.pop_front() else {
                continue;
            };
            if queue.is_empty() {
                self.queues.remove(&source);
            } else {
                self.turn.push_back(source);
            }
            take(input);
        }
    }
}

impl Core {
    /// One input into the core, recorded, timed for `/metrics`.
    fn handle(&mut self, input: Input) -> Option<Result<u32, CommandError>> {
        let start = now();
        if let Some(r) = self.recorder.as_mut() {
            r.input(&input, start);
        }
        let what = match &input {
            Input::Topology(_) => "topology change",
            Input::Command(crate::pce::Command::Reload { .. }) => "reload",
            _ => "reoptimization",
        };
        let result = if may_compute_at_length(&input) {
            self.at_length(|pce| pce.handle(input, start))
        } else {
            self.pce.handle(input, start)
        };
        self.shared
            .metrics
            .core_input(now().saturating_duration_since(start));
        if let Some(mut report) = self.pce.take_change_report() {
            report.core_us = u64::try_from(now().saturating_duration_since(start).as_micros()).ok();
            log_change(&report, what);
            self.shared
                .events
                .push([crate::runtime::events::Event::Topology {
                    what: what.to_owned(),
                    recomputed: report.recomputed,
                    without_path: report.without_path,
                }]);
            self.last_change = Some(report);
        }
        for p in self.pce.take_purges() {
            let why = match p.why {
                crate::pce::PurgeReason::StateTimeout => {
                    "its State Timeout expired while it was disconnected"
                }
                crate::pce::PurgeReason::IncompleteSync => {
                    "its session ended before its state synchronization completed"
                }
            };
            info!(
                pcc = %p.pcc,
                purged = p.purged,
                kept_for_peers = p.kept,
                "LSPs of the PCC purged: {why}"
            );
        }
        result
    }

    /// `f` on the core, which may compute at length: on the solver's pool
    /// (`[pce] threads`) and, when the core is a runtime task, with the
    /// worker's other tasks (sessions) moved to another thread meanwhile.
    fn at_length<R: Send>(&mut self, f: impl FnOnce(&mut Pce) -> R + Send) -> R {
        if !self.on_runtime {
            // On a thread of the pool already.
            return f(&mut self.pce);
        }
        let pce = &mut self.pce;
        let pool = self.pool.as_deref();
        tokio::task::block_in_place(move || match pool {
            Some(pool) => pool.install(|| f(pce)),
            None => f(pce),
        })
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
            CoreInput::Message(session, message, charge) => {
                self.handle(Input::Message {
                    session,
                    message: Box::new(message),
                });
                // Its bytes are handled: the session may read more.
                drop(charge);
            }
            CoreInput::Down(session) => {
                self.outboxes.remove(&session);
                self.handle(Input::SessionDown { session });
            }
            CoreInput::Command(Command::Run(command, reply)) => {
                let result = self.handle(Input::Command(command));
                self.replies
                    .push(Answer::Run(reply, result.unwrap_or(Ok(0))));
            }
            CoreInput::Command(Command::Reoptimize(reply)) => {
                self.last_change = None;
                self.handle(Input::Command(crate::pce::Command::Reoptimize));
                let report = self.last_change.take().unwrap_or_default();
                self.replies.push(Answer::Change(reply, Ok(report)));
            }
            CoreInput::Command(Command::Counters(reply)) => {
                let _ = reply.send(self.pce.counters());
            }
            CoreInput::Command(Command::Intent {
                after,
                limit,
                reply,
            }) => {
                let _ = reply.send(self.pce.intent_page(after.as_ref(), limit));
            }
            CoreInput::Command(Command::Peers(reply)) => {
                let _ = reply.send(self.pce.peers());
            }
            CoreInput::Command(Command::Reservations(reply)) => {
                let _ = reply.send(self.pce.reserved());
            }
            CoreInput::Command(Command::Copy(reply)) => {
                let _ = reply.send(Box::new(self.pce.clone()));
            }
            CoreInput::Command(Command::Topology {
                change,
                dry_run: true,
                reply,
            }) => {
                let report = self.at_length(|pce| pce.dry_run(change, now()));
                let _ = reply.send(report);
            }
            CoreInput::Command(Command::Topology {
                change,
                dry_run: false,
                reply,
            }) => {
                self.last_change = None;
                let result = self
                    .handle(Input::Topology(change))
                    .unwrap_or(Ok(0))
                    .map(|_| self.last_change.take().unwrap_or_default());
                self.replies.push(Answer::Change(reply, result));
            }
        }
    }

    /// When the LSP snapshot must be published: the last one is older than
    /// the database, and [`SNAPSHOT_INTERVAL`] after it.
    fn publish_at(&self) -> Option<std::time::Instant> {
        (!self.pce.lspdb().is_current(&self.shared.lspdb.load()))
            .then(|| self.published + SNAPSHOT_INTERVAL)
    }

    /// After a batch: hand the outputs to the sessions, publish the core's
    /// topology and (when a command waits for its answer, or when due) a
    /// snapshot of its LSP database for readers, answer commands, write the
    /// recording out.
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
            if !tx.push(command) {
                // The peer does not read: dropping its queue ends the session
                // task, which closes the connection.
                warn!(
                    session = session.0,
                    queued = tx.queued(),
                    "the peer does not read: its outbox is full; closing the session"
                );
                self.outboxes.remove(&session);
            }
        }
        // Once a second: a peer that has taken nothing for its DeadTimer
        // while messages wait for it has stopped reading.
        let at = now();
        if at.saturating_duration_since(self.swept) >= Duration::from_secs(1) {
            self.swept = at;
            let limit = Duration::from_secs(u64::from(self.shared.config.pce.dead_timer));
            self.outboxes.retain(|session, tx| {
                let stalled = tx.stalled(limit);
                if stalled {
                    warn!(
                        session = session.0,
                        queued = tx.queued(),
                        "the peer has read nothing for {} s while messages wait for it: closing the session",
                        limit.as_secs()
                    );
                }
                !stalled
            });
        }
        // The core's topology is the one readers see (published once per
        // batch, after the inputs that changed it).
        if !Arc::ptr_eq(self.pce.topology(), &self.shared.topology.load()) {
            self.shared.topology.store(Arc::clone(self.pce.topology()));
        }
        // The LSP database likewise: an O(1) clone, one consistent version
        // that the API reads without a lock.
        let at = now();
        if self
            .publish_at()
            .is_some_and(|due| !self.replies.is_empty() || due <= at)
        {
            let next = Arc::new(self.pce.lspdb().snapshot());
            let before = self.shared.lspdb.load();
            self.shared
                .events
                .push(crate::runtime::events::Events::lsp_changes(&before, &next));
            self.shared.lspdb.store(next);
            self.published = at;
        }
        // Changes of the operator's intent are stored before the batch's
        // commands have their answers.
        let changes = self.pce.take_intent_changes();
        match &self.writer {
            Some(w) if !changes.is_empty() => {
                if let Err(std::sync::mpsc::SendError((_, answers))) =
                    w.tx.send((changes, std::mem::take(&mut self.replies)))
                {
                    for answer in answers {
                        answer.fail_not_stored("the state writer has stopped");
                    }
                }
            }
            _ => {
                for answer in self.replies.drain(..) {
                    answer.send();
                }
            }
        }
        if let Some(r) = self.recorder.as_mut() {
            r.flush();
        }
    }
}

/// What a topology change, a reload or a reoptimization moved: at info,
/// and each LSP that lost its path at warn with the reason.
fn log_change(report: &ChangeReport, what: &str) {
    for lsp in &report.lost_path {
        let why = if lsp.proven {
            "no path meets its constraints"
        } else {
            "no path found within the search limits"
        };
        warn!(pcc = %lsp.pcc, lsp = %lsp.name, "LSP without a path after a {what}: {why}; it keeps its path");
    }
    for event in report.events.iter().take(10) {
        info!(
            "{what}: {}",
            serde_json::to_string(event).unwrap_or_default()
        );
    }
    info!(
        events = report.events.len(),
        links_changed = report.links_changed,
        replaced = report.replaced,
        reoptimized = report.reoptimized,
        lsps_recomputed = report.recomputed,
        lsps_updated = report.updated,
        lsps_without_path = report.without_path,
        core_ms = report.core_us.unwrap_or(0) as f64 / 1000.0,
        "{what} applied"
    );
}
