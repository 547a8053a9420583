//! `pce-engine`: the PCE core. Sans-IO: no sockets, no clocks, no threads
//! of its own (the parallel solver takes a rayon pool from its caller).
//!
//! * [`topology`]: the traffic-engineering database: a JSON topology file,
//!   validated into an immutable, compact (CSR) [`topology::Topology`]
//!   snapshot that readers share without locks. A leaf: it knows nothing of
//!   the solver.
//! * [`solver`]: constrained shortest paths (CSPF) over a snapshot
//!   [`solver::Prepared`] for search (its landmark tables), SR segment
//!   lists, disjoint groups, placement.
//! * [`lspdb`]: the LSP database.
//! * [`pcreq`]: stateless path requests (PCReq/PCRep).
//! * [`pce`]: the stateful core, one input type ([`pce::Input`]), inter-PCE
//!   state synchronization in [`pce::inter_pce`].
//! * `runtime` (feature): the tokio shell.
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
