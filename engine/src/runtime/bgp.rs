//! The BGP-LS shell: TCP connections to the configured peers, each driven
//! by a sans-IO [`bgpls::session::Session`], their UPDATEs applied to one
//! [`LsDatabase`], and the TED rebuilt from it once the UPDATEs settle and
//! handed to the core as a topology input (every controlled LSP is then
//! recomputed, as on a reload).
//!
//! Active peers are connected to from the router ID (retried every
//! [`CONNECT_RETRY`]); passive peers connect to the listen address, and a
//! connection from an address that is not a configured passive peer, or
//! from a peer whose session is already up, is closed at once. A session
//! that ends takes what its peer announced out of the TED.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bgpls::session::{Config as SessionConfig, Event, Session};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::Notify;

use super::config::{BgpLsSection, BgpPeer};
use super::metrics::BgpLs as BgpLsMetrics;
use super::server::{Command, CoreHandle, Shared};
use crate::pce::{Built, Replacement, TopologyChange};
use crate::solver::Prepared;
use crate::topology::bgp_ls::{LsDatabase, PeerId};
use crate::topology::{Topology, TopologyFile};

/// Time between connection attempts to an active peer (RFC 4271's
/// ConnectRetryTimer, 120 s suggested; shorter here: a PCE without a TED
/// computes nothing).
pub const CONNECT_RETRY: Duration = Duration::from_secs(5);

struct State {
    db: Mutex<LsDatabase>,
    changed: Notify,
    /// Peers whose session is up or being set up.
    busy: Mutex<HashSet<IpAddr>>,
    /// Peers established with the Graceful Restart capability whose
    /// End-of-RIB has not come yet: their initial update is incomplete.
    initial: Mutex<HashSet<IpAddr>>,
    /// `initial` changed.
    initial_changed: Notify,
    /// The shell's state, for its metrics.
    shared: Arc<Shared>,
}

impl State {
    fn initial(&self) -> std::sync::MutexGuard<'_, HashSet<IpAddr>> {
        self.initial
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `peer`'s initial update is complete (End-of-RIB), or will never
    /// be (the session ended).
    fn initial_done(&self, peer: IpAddr) {
        let mut initial = self.initial();
        if initial.remove(&peer) {
            self.gauges()
                .awaiting_end_of_rib
                .store(initial.len() as u64, Ordering::Relaxed);
            self.initial_changed.notify_one();
        }
    }

    fn gauges(&self) -> &BgpLsMetrics {
        &self.shared.metrics.bgp_ls
    }
}

/// Run the BGP-LS side until the process ends.
pub async fn run(
    section: BgpLsSection,
    core: CoreHandle,
    shared: Arc<Shared>,
) -> std::io::Result<()> {
    let state = Arc::new(State {
        db: Mutex::new(LsDatabase::new()),
        changed: Notify::new(),
        busy: Mutex::new(HashSet::new()),
        initial: Mutex::new(HashSet::new()),
        initial_changed: Notify::new(),
        shared,
    });
    let section = Arc::new(section);
    for (i, peer) in section.peers.iter().enumerate() {
        if !peer.passive {
            tokio::spawn(active(
                Arc::clone(&section),
                peer.clone(),
                i as PeerId,
                Arc::clone(&state),
            ));
        }
    }
    tokio::spawn(rebuild(Arc::clone(&section), Arc::clone(&state), core));
    if section.peers.iter().any(|p| p.passive) {
        let addr = section
            .listen
            .unwrap_or(SocketAddr::new(IpAddr::V4(section.router_id), 179));
        let listener = TcpListener::bind(addr).await?;
        tracing::info!(%addr, "BGP-LS: waiting for passive peers");
        loop {
            let (stream, from) = match listener.accept().await {
                Ok(x) => x,
                Err(e) => {
                    // Out of descriptors and the like: the listener stays.
                    tracing::warn!("BGP-LS accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let found = section
                .peers
                .iter()
                .enumerate()
                .find(|(_, p)| p.passive && p.address == from.ip());
            let Some((i, peer)) = found else {
                tracing::warn!(%from, "BGP-LS: connection from an unknown peer closed");
                continue;
            };
            if !claim(&state, peer.address) {
                tracing::warn!(%from, "BGP-LS: a second connection from an established peer closed");
                continue;
            }
            let (section, peer, state) = (Arc::clone(&section), peer.clone(), Arc::clone(&state));
            tokio::spawn(async move {
                session(&section, &peer, i as PeerId, &state, stream).await;
                release(&state, peer.address);
            });
        }
    }
    // Active peers only: their tasks run for good.
    std::future::pending().await
}

fn claim(state: &State, addr: IpAddr) -> bool {
    let mut busy = state
        .busy
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    busy.insert(addr)
}

fn release(state: &State, addr: IpAddr) {
    let mut busy = state
        .busy
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    busy.remove(&addr);
}

async fn active(section: Arc<BgpLsSection>, peer: BgpPeer, id: PeerId, state: Arc<State>) {
    let to = SocketAddr::new(peer.address, peer.port);
    let mut quiet = false;
    loop {
        if claim(&state, peer.address) {
            let from = SocketAddr::new(IpAddr::V4(section.router_id), 0);
            let connected = async {
                let socket = match from {
                    SocketAddr::V4(_) => TcpSocket::new_v4()?,
                    SocketAddr::V6(_) => TcpSocket::new_v6()?,
                };
                socket.bind(from)?;
                tokio::time::timeout(CONNECT_RETRY, socket.connect(to))
                    .await
                    .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))?
            }
            .await;
            match connected {
                Ok(stream) => {
                    quiet = false;
                    session(&section, &peer, id, &state, stream).await;
                }
                Err(e) if !quiet => {
                    tracing::warn!(peer = %to, "BGP-LS: cannot connect ({e}); retrying every {}s", CONNECT_RETRY.as_secs());
                    quiet = true;
                }
                Err(_) => {}
            }
            release(&state, peer.address);
        }
        tokio::time::sleep(CONNECT_RETRY).await;
    }
}

fn now_ms(start: tokio::time::Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// One session, until it closes.
async fn session(
    section: &BgpLsSection,
    peer: &BgpPeer,
    id: PeerId,
    state: &State,
    mut stream: TcpStream,
) {
    let start = tokio::time::Instant::now();
    let cfg = SessionConfig {
        local_as: section.local_as,
        router_id: section.router_id,
        hold_time: section.hold_time,
        peer_as: peer.asn,
        end_of_rib: false,
    };
    let mut s = Session::new(cfg, now_ms(start));
    let mut buf = vec![0u8; 64 * 1024];
    let mut up = false;
    loop {
        let out = s.transmit();
        if !out.is_empty() && stream.write_all(&out).await.is_err() {
            s.connection_lost();
            break;
        }
        let deadline = s.deadline().map(|d| start + Duration::from_millis(d));
        let events = tokio::select! {
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => s.connection_lost().into_iter().collect(),
                Ok(n) => s.receive(now_ms(start), buf.get(..n).unwrap_or_default()),
            },
            () = super::server::sleep_until(deadline) => s.tick(now_ms(start)).into_iter().collect(),
        };
        let mut closed = false;
        for e in events {
            match e {
                Event::Established(open) => {
                    up = true;
                    let eor = open.sends_end_of_rib();
                    if eor {
                        let mut initial = state.initial();
                        initial.insert(peer.address);
                        state
                            .gauges()
                            .awaiting_end_of_rib
                            .store(initial.len() as u64, Ordering::Relaxed);
                    }
                    state.gauges().sessions.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(peer = %peer.address, asn = open.asn, id = %open.identifier, hold = open.hold_time.min(section.hold_time), end_of_rib = eor, "BGP-LS session established");
                }
                Event::Update(u) if u.end_of_rib => {
                    state.gauges().updates.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(peer = %peer.address, "BGP-LS: End-of-RIB, the peer's initial update is complete");
                    state.initial_done(peer.address);
                }
                Event::Update(u) => {
                    state.gauges().updates.fetch_add(1, Ordering::Relaxed);
                    let applied = {
                        let mut db = state
                            .db
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        let applied = db.apply(id, &u);
                        state
                            .gauges()
                            .nlris
                            .store(db.distinct() as u64, Ordering::Relaxed);
                        applied
                    };
                    for f in &applied.faults {
                        tracing::warn!(peer = %peer.address, "BGP-LS: {f}");
                    }
                    for i in &u.ignored {
                        tracing::debug!(peer = %peer.address, "BGP-LS: ignored {i}");
                    }
                    if applied.announced + applied.withdrawn > 0 {
                        state.changed.notify_one();
                    }
                }
                Event::Closed { reason, .. } => {
                    tracing::warn!(peer = %peer.address, "BGP-LS session closed: {reason}");
                    closed = true;
                }
            }
        }
        if closed {
            let out = s.transmit();
            if !out.is_empty() {
                let _ = stream.write_all(&out).await;
            }
            break;
        }
    }
    let _ = stream.shutdown().await;
    state.initial_done(peer.address);
    if up {
        state.gauges().sessions.fetch_sub(1, Ordering::Relaxed);
        let removed = {
            let mut db = state
                .db
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let removed = db.peer_down(id);
            state
                .gauges()
                .nlris
                .store(db.distinct() as u64, Ordering::Relaxed);
            removed
        };
        if removed > 0 {
            tracing::warn!(peer = %peer.address, removed, "BGP-LS: the peer's NLRIs leave the TED");
            state.changed.notify_one();
        }
    }
}

/// Rebuild the TED when UPDATEs settle, and hand it to the core when it
/// differs from the last one.
async fn rebuild(section: Arc<BgpLsSection>, state: Arc<State>, core: CoreHandle) {
    let settle = Duration::from_millis(section.settle_ms);
    let mut last: Option<TopologyFile> = None;
    // The TED the core was last given, built.
    let mut last_built: Option<Arc<Topology>> = None;
    // What the last rebuild cost (the TED built, then adopted by the core).
    let mut cost = Duration::ZERO;
    loop {
        state.changed.notified().await;
        // Quiet for `settle`; while UPDATEs keep coming, at most 10 x
        // settle after the first change, or 4 x what the last rebuild
        // cost when that is longer: a large initial feed is not rebuilt
        // over and over, each time holding the core.
        let until = tokio::time::Instant::now() + (settle * 10).max(cost * 4);
        loop {
            let wait = tokio::time::sleep(settle);
            tokio::select! {
                () = wait => break,
                () = state.changed.notified() => {
                    if tokio::time::Instant::now() >= until {
                        break;
                    }
                }
            }
        }
        // No TED from half a feed: a peer that announced End-of-RIB
        // (Graceful Restart capability, RFC 4724) is waited for, up to
        // `end_of_rib_wait_ms` after this round began.
        let limit = tokio::time::Instant::now() + Duration::from_millis(section.end_of_rib_wait_ms);
        let mut deferred = false;
        loop {
            let waiting = state.initial().len();
            if waiting == 0 {
                break;
            }
            if !deferred {
                deferred = true;
                state.gauges().deferred.fetch_add(1, Ordering::Relaxed);
                tracing::info!(peers = waiting, "BGP-LS: the TED waits for End-of-RIB");
            }
            let notified = state.initial_changed.notified();
            tokio::select! {
                () = notified => {}
                () = tokio::time::sleep_until(limit) => {
                    // Not waited for again (until a new session).
                    let mut initial = state.initial();
                    for peer in initial.drain() {
                        tracing::warn!(%peer, "BGP-LS: no End-of-RIB after {} ms; the TED is built from what came", section.end_of_rib_wait_ms);
                    }
                    state.gauges().awaiting_end_of_rib.store(0, Ordering::Relaxed);
                    break;
                }
            }
        }
        let started = tokio::time::Instant::now();
        // Built on a blocking thread (at carrier size it takes seconds,
        // which neither a runtime worker nor the core must spend): the
        // file, the topology, and when it is a new structure (the first
        // TED, a node or link added) its landmark tables too, so that the
        // core only compares and adopts.
        let db = Arc::clone(&state);
        let previous = last_built.clone();
        let Ok((file, report, built, took)) = tokio::task::spawn_blocking(move || {
            let t = super::clock::now();
            let (file, report) = db
                .db
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .topology();
            let ted = t.elapsed();
            let built = file.build().ok().map(|topology| {
                let whole = previous.is_none_or(|p| p.rebase(&topology).is_none());
                let built = t.elapsed();
                let b = if whole {
                    Built::Prepared(Arc::new(Prepared::new(Arc::new(topology))))
                } else {
                    Built::Topology(Arc::new(topology))
                };
                (b, built)
            });
            let (built, build) = built.map_or((None, ted), |(b, d)| (Some(b), d));
            let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
            let took = [ms(ted), ms(build - ted), ms(t.elapsed() - build)];
            (file, report, built, took)
        })
        .await
        else {
            continue;
        };
        for u in report.unused.iter().take(20) {
            tracing::debug!("BGP-LS: {u}");
        }
        if file.nodes.is_empty() || last.as_ref() == Some(&file) {
            continue;
        }
        let (nodes, links, unused) = (report.nodes, report.links, report.unused.len());
        let topology = built.as_ref().map(|b| match b {
            Built::Topology(t) => Arc::clone(t),
            Built::Prepared(p) => Arc::clone(p.topology()),
        });
        let change = TopologyChange::Replace(Replacement {
            file: Box::new(file.clone()),
            built,
        });
        let answer = core
            .command(|reply| Command::Topology {
                change,
                dry_run: false,
                reply,
            })
            .await;
        cost = started.elapsed();
        match answer {
            Some(Ok(_)) => {
                state.gauges().teds.fetch_add(1, Ordering::Relaxed);
                // The core logged what the change moved.
                let [ted_ms, build_ms, prepare_ms] = took;
                tracing::info!(
                    nodes,
                    links,
                    unused,
                    nlris = report.nlris,
                    ted_ms,
                    build_ms,
                    prepare_ms,
                    "BGP-LS: the TED is the topology now"
                );
                last = Some(file);
                last_built = topology;
            }
            Some(Err(e)) => {
                tracing::error!("BGP-LS: the topology is refused, the current one stays: {e}");
            }
            None => return,
        }
    }
}
