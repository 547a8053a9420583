//! One PCEP connection's task: its sans-IO [`Session`], its socket, its
//! queue from the core.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::BufMut;
use pce_tls::Stream;
use pcep::session::{Event, OpenPolicy, Role, Session, SessionConfig, State};
use pcep::wire::iana::CloseReason;
use pcep::wire::object::PcepError;
use pcep::wire::{Message, PcErr, PcErrCode, WireConfig};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tracing::{info, warn};

use crate::lspdb::PccId;
use crate::pce::SessionId;
use crate::runtime::clock::now;

use super::budget::{self, Budget, Charge};
use super::quiet::Quiet;
use super::{
    pce_open, sleep_until, Capabilities, CoreHandle, CoreInput, SessionCommand, SessionInfo, Shared,
};

/// A connection to or from `peer`; `outbound` when this PCE opened it (a
/// state-sync session it dialled).
/// A session's start or end: at info while there are at most `[pce]
/// log_sessions_up_to` connections, else at debug.
macro_rules! session_log {
    ($shared:expr, $($arg:tt)*) => {
        if $shared.connections() > $shared.config.pce.log_sessions_up_to {
            tracing::debug!($($arg)*)
        } else {
            tracing::info!($($arg)*)
        }
    };
}

pub(super) async fn session_task(
    stream: TcpStream,
    peer: SocketAddr,
    id: SessionId,
    outbound: bool,
    shared: &Arc<Shared>,
    core: CoreHandle,
) -> std::io::Result<()> {
    let evict = Arc::new(tokio::sync::Notify::new());
    let admitted = {
        let mut sessions = shared.sessions();
        let admitted = match sessions.get(&peer.ip()) {
            None => true,
            Some(existing) => {
                // Two PCEs that both dial each other (RFC 5440 Appendix A,
                // OpenWait): the session opened by the higher address
                // survives, even when the other one just came up on this
                // side (it may not have on the peer's, which then drops it:
                // keeping it would let both die and the next crossing dials
                // race the same way).
                let collision = existing.outbound != outbound;
                let ours_survives = shared
                    .identity_towards(peer.ip())
                    .is_some_and(|me| opened_by_higher(outbound, me, peer.ip()));
                let evicts = collision && ours_survives;
                if evicts {
                    info!(
                        "session collision with a peer PCE: keeping the session opened by the higher address"
                    );
                    existing.evict.notify_one();
                }
                evicts
            }
        };
        if admitted {
            sessions.insert(
                peer.ip(),
                SessionInfo {
                    id: id.0,
                    peer,
                    state: "OpenWait",
                    outbound,
                    evict: Arc::clone(&evict),
                    capabilities: None,
                    counters: Arc::default(),
                    tls: None,
                },
            );
        }
        admitted
    };
    if !admitted {
        if outbound {
            info!("session collision with a peer PCE: its session survives, ours closes");
            return Ok(());
        }
        let allowed = shared
            .refusals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .allow(now());
        match allowed {
            Some(suppressed) => warn!(
                suppressed,
                "second session from the same peer refused (PCErr 9; lines suppressed in the last second: {suppressed})"
            ),
            None => shared.metrics.log_suppressed(),
        }
        return refuse_second(stream).await;
    }
    let result = run_session(
        Stream::Plain(stream),
        peer,
        id,
        outbound,
        shared,
        &core,
        &evict,
    )
    .await;
    let mut sessions = shared.sessions();
    // An evicted session's entry is already its successor's.
    if sessions.get(&peer.ip()).is_some_and(|s| s.id == id.0) {
        let was_up = sessions.remove(&peer.ip()).is_some_and(|s| s.state == "Up");
        drop(sessions);
        if was_up {
            shared.events.push([crate::runtime::events::Event::Session {
                peer: peer.ip(),
                up: false,
            }]);
        }
    }
    result
}

/// Whether the session `outbound` describes (seen from `me`, towards
/// `peer`) was opened by the higher of the two addresses.
fn opened_by_higher(outbound: bool, me: std::net::IpAddr, peer: std::net::IpAddr) -> bool {
    let me_higher = crate::pce::address_rank(me) > crate::pce::address_rank(peer);
    outbound == me_higher
}

/// What a session's log lines are held back by ([`Quiet`]): each kind of
/// malformed message, and each kind of message that could not be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Cause {
    Malformed(PcErrCode),
    NotSent(u8),
}

async fn run_session(
    mut stream: Stream,
    peer: SocketAddr,
    id: SessionId,
    outbound: bool,
    shared: &Arc<Shared>,
    core: &CoreHandle,
    evict: &tokio::sync::Notify,
) -> std::io::Result<()> {
    let config = SessionConfig {
        role: Role::Pce,
        open: pce_open(
            &shared.config,
            peer.ip(),
            shared.lspdb.load().db_version(PccId::Addr(peer.ip())),
        ),
        policy: OpenPolicy::default(),
        wire: shared.wire(),
    };
    // PCEPS as configured for this PCC or peer, when the certificates are
    // loaded.
    let tls = if shared.tls.load().is_some() {
        shared.config.tls_mode(peer.ip()).policy()
    } else {
        pcep::session::TlsPolicy::Off
    };
    let mut session = Session::new(config).with_tls(tls);
    // The StartTLS exchange is done: the handshake follows.
    let mut start_tls = false;
    // Whether the first bytes were looked at (a TLS ClientHello instead
    // of PCEP).
    let mut first_read = true;
    // Log lines the peer causes, by cause (the PCErr they answer with).
    let mut quiet = Quiet::<Cause>::default();
    let read_budget = Budget::new(shared.config.pce.session_read_budget);
    // Bytes read and not yet handed to the core in a message.
    let mut held = Charge::empty(&read_budget, &core.read_budget);
    // No room in the read budgets: the socket is not read until there is.
    let mut paused = false;
    // Messages of the last read, for the core.
    let mut received: Vec<pcep::wire::Message> = Vec::new();
    let (outbox, mut inbox) = super::outbox(&shared.config, peer.ip());
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
                    session_log!(
                        shared,
                        stateful = n.capabilities.stateful,
                        update = n.capabilities.update,
                        instantiation = n.capabilities.instantiation,
                        "session up"
                    );
                    if let Some(ss) = shared.config.state_sync() {
                        let mask = ss.codepoints.inter_pce_capability_mask;
                        let sets = n
                            .peer
                            .stateful_capability()
                            .is_some_and(|c| c.0 & mask != 0);
                        if sets && !n.capabilities.inter_pce {
                            warn!("the peer sets INTER-PCE-CAPABILITY but is not a configured state-sync peer: an ordinary session, without state sync");
                        }
                    }
                    if let Some(s) = shared.sessions().get_mut(&peer.ip()) {
                        s.state = "Up";
                        s.capabilities = Some(Capabilities::of(&n));
                    }
                    shared.events.push([crate::runtime::events::Event::Session {
                        peer: peer.ip(),
                        up: true,
                    }]);
                    if let Some(outbox) = outbox.take() {
                        up = core.send(CoreInput::Up {
                            session: id,
                            peer: peer.ip(),
                            negotiated: n,
                            outbox,
                        });
                    }
                }
                Event::Message(m) => {
                    shared.metrics.received(&m);
                    if up {
                        received.push(m);
                    }
                }
                Event::Malformed(e) => match quiet.allow(Cause::Malformed(e.pcerr()), now()) {
                    Some(suppressed) => warn!(
                        error = %e,
                        pcerr = %e.pcerr(),
                        suppressed,
                        "malformed message (lines of this error suppressed in the last second: {suppressed})"
                    ),
                    None => shared.metrics.log_suppressed(),
                },
                Event::Failed(code) => warn!(pcerr = %code, "session establishment failed"),
                Event::StartTls => start_tls = true,
                Event::Closed { reason, by_peer } => {
                    session_log!(shared, %reason, by_peer, "session closed");
                }
            }
        }
        // What was read is held until the core has handled the messages
        // made of it (the last one carries it); a partial message stays
        // held while it waits in the receive buffer.
        let buffered = session.receive_buffer(0).len();
        let consumed = held.split_off(held.bytes().saturating_sub(buffered));
        if let Some(last) = received.pop() {
            for m in received.drain(..) {
                if !core.send(CoreInput::Message(id, m, Charge::none())) {
                    session.close(CloseReason::NO_EXPLANATION, now());
                }
            }
            if !core.send(CoreInput::Message(id, last, consumed)) {
                session.close(CloseReason::NO_EXPLANATION, now());
            }
        }
        // One write for everything queued.
        let mut out = Vec::new();
        while let Some(bytes) = session.poll_transmit() {
            out.extend_from_slice(&bytes);
        }
        if !out.is_empty() {
            // A peer that takes nothing for its DeadTimer has stopped
            // reading (while this waits, the socket is not read either:
            // it sends no more than its read budget).
            let stall = std::time::Duration::from_secs(u64::from(shared.config.pce.dead_timer));
            match tokio::time::timeout(stall, stream.write_all(&out)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => break Err(e),
                Err(_) => {
                    warn!(
                        "the peer has read nothing for {} s: closing the session",
                        stall.as_secs()
                    );
                    break Ok(());
                }
            }
        }
        if std::mem::take(&mut start_tls) {
            match handshake(stream, &mut session, outbound, peer, shared).await {
                Ok((tls, what)) => {
                    info!(tls = %what, "PCEPS: TLS established");
                    shared.metrics.tls_handshake(None);
                    if let Some(s) = shared.sessions().get_mut(&peer.ip()) {
                        s.tls = Some(what);
                    }
                    stream = tls;
                    session.tls_established(now());
                    continue;
                }
                Err((kind, e)) => {
                    warn!(reason = kind, "PCEPS: TLS failed, connection closed: {e}");
                    shared.metrics.tls_handshake(Some(kind));
                    break Ok(());
                }
            }
        }
        for code in session.take_errors_sent() {
            shared.metrics.session_error_sent(code);
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
            () = evict.notified() => {
                info!("session collision: this session gives way");
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
                                    Err(e) => match quiet.allow(
                                        Cause::NotSent(m.message_type().0),
                                        now(),
                                    ) {
                                        Some(suppressed) => warn!(
                                            message = ?m.message_type(),
                                            suppressed,
                                            "not sent: {e} (lines suppressed in the last second: {suppressed})"
                                        ),
                                        None => shared.metrics.log_suppressed(),
                                    },
                                }
                                next = inbox.try_recv();
                            }
                            SessionCommand::Close(reason) => session.close(reason, now()),
                        }
                    }
                }
                // The core dropped this session (its queue overflowed).
                None => session.close(CloseReason::NO_EXPLANATION, now()),
            },
            ready = stream.readable(), if !paused => {
                if let Err(e) = ready {
                    break Err(e);
                }
                let Some(mut charge) = Charge::take(&read_budget, &core.read_budget, budget::MAX_READ)
                else {
                    paused = true;
                    shared.metrics.read_paused();
                    continue;
                };
                let limit = charge.bytes();
                let buf = session.receive_buffer(limit);
                match stream.try_read_buf(&mut buf.limit(limit)) {
                    Ok(0) => {
                        session_log!(shared, "connection closed by peer");
                        break Ok(());
                    }
                    Ok(n) => {
                        charge.keep(n);
                        held.merge(charge);
                        if std::mem::take(&mut first_read)
                            && !stream.is_tls()
                            && pce_tls::looks_like_tls(session.receive_buffer(0))
                        {
                            warn!("a TLS ClientHello instead of PCEP: the peer starts TLS at once, without the StartTLS exchange of RFC 8253 (or expects a TLS-only port); connection closed");
                            shared.metrics.tls_handshake(Some("client_hello_without_starttls"));
                            break Ok(());
                        }
                        session.handle_received(now());
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => break Err(e),
                }
            }
            () = budget::room(&read_budget, &core.read_budget), if paused => paused = false,
            () = sleep_until(deadline) => session.handle_timeout(now()),
        }
    };
    if up {
        core.send(CoreInput::Down(id));
    }
    result
}

/// The TLS handshake after the StartTLS exchange (RFC 8253 §3.3): this PCE
/// is the server on connections it accepted, the client on those it
/// opened. A state-sync peer must present a certificate that names it; a
/// PCC must present one when `[tls] pcc_certificates` says so. The TLS
/// stream and a description of it, or a metric label and why not.
async fn handshake(
    stream: Stream,
    session: &mut Session,
    outbound: bool,
    peer: SocketAddr,
    shared: &Shared,
) -> Result<(Stream, String), (&'static str, String)> {
    let fail = |kind: &'static str, e: String| (kind, e);
    let Stream::Plain(tcp) = stream else {
        return Err(fail("protocol", "StartTLS on a TLS session".into()));
    };
    let tls = shared.tls.load_full();
    let (Some(tls), Some(section)) = (tls, &shared.config.tls) else {
        return Err(fail("protocol", "no [tls] configuration".into()));
    };
    let early = session.take_received();
    let within = std::time::Duration::from_secs(section.handshake_timeout);
    let configured = shared.config.peer(peer.ip());
    let name = pce_tls::server_name(configured.and_then(|p| p.tls_name.as_deref()), peer.ip())
        .map_err(|e| fail("config", e))?;
    let side = if outbound {
        let client = tls
            .client
            .clone()
            .ok_or_else(|| fail("config", "[tls] has no ca to verify the peer with".into()))?;
        pce_tls::Side::Client(client, name.clone())
    } else {
        pce_tls::Side::Server(Arc::clone(&tls.server))
    };
    let s = pce_tls::handshake(tcp, side, &early, within)
        .await
        .map_err(|e| (e.kind(), e.to_string()))?;
    let presented = s.peer_certificate();
    if configured.is_some() && !outbound {
        match presented {
            None => {
                return Err(fail(
                    "no_certificate",
                    "the peer PCE presented no certificate (state sync requires mutual TLS)".into(),
                ))
            }
            Some(c) if !pce_tls::names(c, &name) => {
                return Err(fail(
                    "identity",
                    format!("the peer PCE's certificate is not issued to {name:?}"),
                ))
            }
            Some(_) => {}
        }
    } else if configured.is_none() && section.pcc_certificates && presented.is_none() {
        return Err(fail(
            "no_certificate",
            "the PCC presented no certificate ([tls] pcc_certificates = true)".into(),
        ));
    }
    let what = format!(
        "{:?} {:?}{}",
        s.protocol_version()
            .unwrap_or(pce_tls::rustls::ProtocolVersion::Unknown(0)),
        s.cipher_suite()
            .unwrap_or(pce_tls::rustls::CipherSuite::Unknown(0)),
        if presented.is_some() {
            ", client certificate"
        } else {
            ""
        }
    );
    Ok((Stream::Tls(Box::new(s)), what))
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
