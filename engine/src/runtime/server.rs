//! The PCEP listener and its per-connection tasks.

use std::net::SocketAddr;
use std::sync::Arc;

use pcep::session::{Event, OpenPolicy, Role, Session, SessionConfig};
use pcep::wire::object::Open;
use pcep::wire::tlv::{PathSetupTypeCapability, SrPceCapability, StatefulCapability, SubTlv, Tlv};
use pcep::wire::{AssociationType, Message, PathSetupType, WireConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tracing::{debug, info, warn, Instrument};

use super::clock::now;
use super::config::Config;
use crate::lspdb::{LspDb, PccId};
use crate::pcreq::respond;
use crate::solver::cspf::{Reservations, Workspace};
use crate::topology::Ted;

/// This shell does no bandwidth accounting yet: an empty table reads as
/// nothing reserved on any link, without a per-request allocation.
static NO_RESERVATIONS: Reservations = Reservations::EMPTY;

/// What every session task shares.
#[derive(Debug)]
pub struct Shared {
    /// The configuration.
    pub config: Config,
    /// The traffic-engineering database.
    pub ted: Ted,
    /// The LSP database.
    pub lspdb: LspDb,
}

/// The OPEN object this PCE sends: stateful (U, I), SR-capable.
pub fn pce_open(config: &Config) -> Open {
    let caps = StatefulCapability::UPDATE | StatefulCapability::INSTANTIATION;
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

/// Accept PCEP connections until the listener fails.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>) -> std::io::Result<()> {
    info!(address = %listener.local_addr()?, "PCEP listening");
    loop {
        let (stream, peer) = listener.accept().await?;
        let shared = Arc::clone(&shared);
        let span = tracing::info_span!("session", %peer);
        tokio::spawn(
            async move {
                if let Err(e) = session_task(stream, peer, shared).await {
                    debug!(error = %e, "connection ended");
                }
            }
            .instrument(span),
        );
    }
}

async fn session_task(
    mut stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
) -> std::io::Result<()> {
    let config = SessionConfig {
        role: Role::Pce,
        open: pce_open(&shared.config),
        policy: OpenPolicy::default(),
        wire: WireConfig::default(),
    };
    let mut session = Session::new(config);
    let pcc = PccId(peer.ip());
    let mut ws = Workspace::new();
    let mut buf = vec![0u8; 64 * 1024];
    session.start(now());
    loop {
        while let Some(ev) = session.poll_event() {
            match ev {
                Event::Up(n) => info!(
                    stateful = n.capabilities.stateful,
                    update = n.capabilities.update,
                    "session up"
                ),
                Event::Message(Message::PcRpt(rpt)) => {
                    for report in &rpt.reports {
                        if let Err(e) = shared.lspdb.apply(pcc, report) {
                            warn!(error = %e, "report not applied");
                        }
                    }
                }
                Event::Message(Message::PcReq(req)) => {
                    let topo = shared.ted.snapshot();
                    let rep = respond(&topo, &NO_RESERVATIONS, &req, session.negotiated(), &mut ws);
                    session.send(&Message::PcRep(rep), now());
                }
                Event::Message(m) => debug!(message = ?m.message_type(), "not handled yet"),
                Event::Malformed(e) => warn!(error = %e, pcerr = %e.pcerr(), "malformed message"),
                Event::Failed(code) => warn!(pcerr = %code, "session establishment failed"),
                Event::Closed { reason, by_peer } => info!(%reason, by_peer, "session closed"),
            }
        }
        while let Some(bytes) = session.poll_transmit() {
            stream.write_all(&bytes).await?;
        }
        if matches!(session.state(), pcep::session::State::Closed) {
            return Ok(());
        }
        let deadline = session.poll_timeout().map(tokio::time::Instant::from_std);
        tokio::select! {
            biased;
            read = stream.read(&mut buf) => {
                let n = read?;
                if n == 0 {
                    info!("connection closed by peer");
                    return Ok(());
                }
                session.handle_bytes(buf.get(..n).unwrap_or_default(), now());
            }
            () = sleep_until(deadline) => session.handle_timeout(now()),
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
