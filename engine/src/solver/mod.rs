//! Path computation over a topology snapshot.

pub mod cspf;
pub mod disjoint;
pub mod ero;
pub(crate) mod landmarks;
pub mod placement;
pub mod sr;
pub mod suurballe;
