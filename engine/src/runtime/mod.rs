//! The tokio shell (feature `runtime`): the only code here that touches
//! sockets and clocks.
//!
//! ```text
//!  TcpListener ──accept──▶ one task per PCEP connection (server/session.rs)
//!                          │  Session (sans-IO FSM, protocol::session):
//!                          │  decode, timers, Open/Keepalive/Close
//!                          └─ Up / Message / Down ──▶ bounded queue ──▶ core task
//!  management API (api.rs) ── commands ─────────────────────────────▶ core task
//!  core task (server/core_task.rs): Pce::handle(Input, now) (engine::pce), outputs back to the
//!  sessions' bounded queues; publishes the core's topology after each
//!  batch; records inputs and outputs with --record (record.rs)
//! ```

pub mod api;
pub mod auth;
pub mod bgp;
pub mod clock;
pub mod config;
pub mod events;
pub mod limits;
pub mod lookup;
pub(crate) mod metrics;
pub mod record;
pub mod server;
pub mod store;
pub mod web;
