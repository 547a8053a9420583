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
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bgpls::session::{Config as SessionConfig, Event, Session};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::Notify;

use super::config::{BgpLsSection, BgpPeer};
use super::server::{Command, CoreHandle};
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
}

/// Run the BGP-LS side until the process ends.
pub async fn run(section: BgpLsSection, core: CoreHandle) -> std::io::Result<()> {
    let state = Arc::new(State {
        db: Mutex::new(LsDatabase::new()),
        changed: Notify::new(),
        busy: Mutex::new(HashSet::new()),
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
                    tracing::info!(peer = %peer.address, asn = open.asn, id = %open.identifier, hold = open.hold_time.min(section.hold_time), "BGP-LS session established");
                }
                Event::Update(u) => {
                    let applied = {
                        let mut db = state
                            .db
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        db.apply(id, &u)
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
    if up {
        let removed = {
            let mut db = state
                .db
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            db.peer_down(id)
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
