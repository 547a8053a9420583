//! `pce-engine`: the PCE core (LSP database, path computation, inter-PCE
//! state synchronization) and its tokio shell.
//!
//! Not built yet: this crate is created with the workspace so the layout is
//! in place; its contents are the server, solver and state-sync issues.
