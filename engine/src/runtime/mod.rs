//! The tokio shell (feature `runtime`): the only code here that touches
//! sockets and clocks.
//!
//! ```text
//!  TcpListener ──accept──▶ one task per PCEP connection
//!                          │  Session (sans-IO FSM, protocol::session)
//!                          │  ├─ PCRpt ──▶ LspDb (sharded, shared)
//!                          │  └─ PCReq ──▶ pcreq::respond(TED snapshot) ──▶ PCRep
//!                          └─ one timer: Session::poll_timeout
//! ```
//! This first shell handles passive stateful sessions (reports, requests).
//! Delegation, updates and initiation go through the engine core that the
//! server issue adds, fed by bounded queues.

pub mod api;
pub mod clock;
pub mod config;
pub mod metrics;
pub mod record;
pub mod server;
