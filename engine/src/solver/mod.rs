//! Path computation over a topology snapshot.

pub mod cspf;
pub mod disjoint;
pub(crate) mod landmarks;
pub mod placement;
pub mod sr;
pub mod suurballe;
