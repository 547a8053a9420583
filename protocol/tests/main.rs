//! One integration test binary for the protocol crate (STYLE §1).

mod session;
mod wire;
