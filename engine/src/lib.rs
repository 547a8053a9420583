//! `pce-engine`: the PCE core. Sans-IO: no sockets, no clocks, no threads
//! of its own (the parallel solver takes a rayon pool from its caller).
//!
//! * [`topology`]: the traffic-engineering database: a JSON topology file,
//!   validated into an immutable, compact (CSR) [`topology::Topology`]
//!   snapshot that readers share without locks; [`topology::Ted`] swaps in a
//!   new snapshot atomically on reload or on a link/node event.
//! * [`solver`]: constrained shortest paths (CSPF) over a snapshot, and their
//!   encoding as SR segment lists.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod lspdb;
pub mod pce;
pub mod pcreq;
#[cfg(feature = "runtime")]
pub mod runtime;
pub mod solver;
pub mod topology;
