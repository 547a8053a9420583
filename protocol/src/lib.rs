//! `pcep`: the Path Computation Element Communication Protocol on the wire.
//!
//! This crate is sans-IO: it turns bytes into typed messages and back, and
//! finds message boundaries in a byte stream. It never touches a socket, a
//! clock or a thread. Everything above it (sessions, the PCE engine, the tokio
//! shell) feeds it bytes and takes values.
//!
//! * [`wire`]: the codec. [`wire::Message::decode`] / [`wire::Message::encode`],
//!   [`wire::Framer`] for stream framing, [`wire::DecodeError`] whose
//!   [`wire::DecodeError::pcerr`] gives the PCErr the RFCs prescribe.
//! * [`wire::WireConfig`]: the knobs that change how bytes are read: the
//!   maximum message size, the unknown-object policy, and the
//!   draft-ietf-pce-state-sync code points that IANA has not allocated.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
#![warn(missing_docs)]

#[cfg(feature = "samples")]
pub mod samples;
pub mod session;
pub mod wire;
