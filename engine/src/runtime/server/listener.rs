//! The PCEP listener: accepting connections, one session task each.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tracing::{debug, info, Instrument};

use super::peers::start_peer_connectors;
use super::session::session_task;
use super::{CoreHandle, Shared};

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
                if let Err(e) = session_task(stream, peer, id, false, &shared, core).await {
                    debug!(error = %e, "connection ended");
                }
            }
            .instrument(span),
        );
    }
}
