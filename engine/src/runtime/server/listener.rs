//! The PCEP listener: accepting connections, one session task each.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tracing::{debug, info, warn, Instrument};

use super::peers::start_peer_connectors;
use super::quiet::Throttled;
use super::session::session_task;
use super::{CoreHandle, Shared};
use crate::runtime::clock::now;

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

/// Set the `[[tcp_md5]]` keys on the PCEP listener: the connections it
/// accepts from those addresses must be signed with them (RFC 2385). A key
/// of the other address family than the listener's cannot apply to it and
/// is skipped with a warning. Logs whether the kernel has TCP-AO (RFC
/// 5925), which this PCE does not implement.
pub fn set_md5_keys(
    listener: &TcpListener,
    keys: &[crate::runtime::config::TcpMd5Section],
) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    let mut set = 0;
    for k in keys {
        if k.peer.0.addr().is_ipv4() != local.is_ipv4() {
            tracing::warn!(peer = %k.peer.0, listener = %local, "TCP-MD5 key not set: the listener is of the other address family");
            continue;
        }
        let full = k.peer.0.max_prefix_len();
        let prefix = (k.peer.0.prefix_len() != full).then_some(k.peer.0.prefix_len());
        pce_sockopt::set_md5_key(
            std::os::fd::AsFd::as_fd(listener),
            k.peer.0.addr(),
            prefix,
            k.key.as_bytes(),
        )
        .map_err(|e| std::io::Error::new(e.kind(), format!("TCP-MD5 key for {}: {e}", k.peer.0)))?;
        set += 1;
    }
    if !keys.is_empty() {
        tracing::info!(
            keys = set,
            tcp_ao_in_kernel = pce_sockopt::tcp_ao_supported(),
            "TCP-MD5 (RFC 2385) keys set on the PCEP listener; TCP-AO (RFC 5925) is not supported by this PCE"
        );
    }
    Ok(())
}

/// Accept PCEP connections for as long as the process runs. An accept
/// error is never fatal: out of descriptors or memory (EMFILE, ENFILE,
/// ENOBUFS, ENOMEM) it is logged (at most once a second, with how many
/// were not), counted, and retried after a back-off (10 ms, doubling to 1
/// s) that lets connections close; a connection that failed before it was
/// accepted (ECONNABORTED and the like) is skipped. Beyond
/// `max_connections` a connection is closed as it is accepted, counted and
/// logged the same way, and so is a connection from an address that
/// `[pce] allow` does not list.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    core: CoreHandle,
) -> std::io::Result<()> {
    info!(address = %listener.local_addr()?, max_connections = shared.max_connections, "PCEP listening");
    let fits = crate::runtime::limits::connections_that_fit();
    if shared.max_connections > fits {
        warn!(
            max_connections = shared.max_connections,
            "max_connections is more than the descriptor limit allows ({fits}): accepts will fail when descriptors run out (each is retried)"
        );
    }
    start_peer_connectors(&shared, &core);
    let mut backoff = MIN_BACKOFF;
    let mut errors = Throttled::default();
    let mut refusals = Throttled::default();
    let mut denials = Throttled::default();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => {
                backoff = MIN_BACKOFF;
                accepted
            }
            Err(e) if connection_error(&e) => continue,
            Err(e) => {
                shared.metrics.accept_error();
                if let Some(suppressed) = errors.allow(now()) {
                    warn!(error = %e, suppressed, retry_ms = backoff.as_millis(), "PCEP: cannot accept a connection (lines suppressed in the last second: {suppressed})");
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        if !shared.config.allows(peer.ip()) {
            shared.metrics.connection_denied();
            if let Some(suppressed) = denials.allow(now()) {
                warn!(%peer, suppressed, "PCEP: connection refused, the address is not in [pce] allow (closed before Open; lines suppressed in the last second: {suppressed})");
            }
            drop(stream);
            continue;
        }
        let Some(slot) = shared.connection_slot() else {
            shared.metrics.connection_refused();
            if let Some(suppressed) = refusals.allow(now()) {
                warn!(%peer, max_connections = shared.max_connections, suppressed, "PCEP: connection refused, max_connections are open (closed unread)");
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let core = core.clone();
        let id = shared.next_id();
        let span = tracing::info_span!("session", %peer, id = id.0);
        tokio::spawn(
            async move {
                let _slot = slot;
                if let Err(e) = session_task(stream, peer, id, false, &shared, core).await {
                    debug!(error = %e, "connection ended");
                }
            }
            .instrument(span),
        );
    }
}

const MIN_BACKOFF: Duration = Duration::from_millis(10);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Errors of one connection that failed before or while it was accepted:
/// the listener is fine, the next accept goes on.
fn connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset, Interrupted};
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset | Interrupted
    )
}
