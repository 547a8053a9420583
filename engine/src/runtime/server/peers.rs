//! State-sync sessions this PCE opens to its peers. Both PCEs dial; when
//! both connections reach the Open exchange, the one opened by the higher
//! address survives (RFC 5440 Appendix A, `session::session_task`).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tracing::{debug, info, warn, Instrument};

use super::session::session_task;
use super::{CoreHandle, Shared};

/// Open the state-sync sessions to every peer, from this PCE's identity
/// address, retrying every second while no session with it exists (a peer
/// that only listens, or only dials, still gets its session).
pub(super) fn start_peer_connectors(shared: &Arc<Shared>, core: &CoreHandle) {
    let Some(section) = shared.config.state_sync.clone() else {
        return;
    };
    let me = section.identity.unwrap_or(shared.config.pce.address);
    let configured: Vec<IpAddr> = section.peers.iter().map(|p| p.address).collect();
    info!(identity = %me, peers = ?configured, "state-sync configured (a full mesh is required)");
    for peer in section.peers {
        let shared = Arc::clone(shared);
        let core = core.clone();
        tokio::spawn(async move {
            let target = SocketAddr::new(peer.address, peer.port);
            loop {
                let connected = shared.sessions().contains_key(&peer.address);
                // A peer's connection counts under max_connections too.
                let slot = if connected {
                    None
                } else {
                    shared.connection_slot()
                };
                if let Some(slot) = slot {
                    match connect_from(me, target, shared.config.md5_key(target.ip())).await {
                        Ok(stream) => {
                            let _slot = slot;
                            let id = shared.next_id();
                            let span = tracing::info_span!("peer", %target, id = id.0);
                            info!(%target, "state-sync session opened");
                            if let Err(e) =
                                session_task(stream, target, id, true, &shared, core.clone())
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

/// A connection to `target` from `local`, signed with `md5`'s key if any
/// (RFC 2385).
async fn connect_from(
    local: IpAddr,
    target: SocketAddr,
    md5: Option<&crate::runtime::config::TcpMd5Section>,
) -> std::io::Result<TcpStream> {
    let socket = if target.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    if let Some(k) = md5 {
        pce_sockopt::set_md5_key(
            std::os::fd::AsFd::as_fd(&socket),
            target.ip(),
            None,
            k.key.as_bytes(),
        )?;
    }
    socket.bind(SocketAddr::new(local, 0))?;
    let stream = socket.connect(target).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}
