//! Path computation over a topology snapshot.

pub mod cspf;
pub mod disjoint;
pub mod sr;
