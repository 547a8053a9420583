//! Path computation over a topology snapshot.

pub mod cspf;
