//! Path computation over a topology snapshot, [`Prepared`] for search:
//! the topology knows nothing of the solver; what the searches need beyond
//! it (landmark tables) is built here, when a snapshot is adopted, on the
//! caller's thread pool, never inside a query.

pub mod conflicts;
pub mod cspf;
pub mod disjoint;
pub mod ero;
pub(crate) mod landmarks;
pub mod milp;
pub mod placement;
mod prepared;
pub mod sr;
pub(crate) mod suurballe;

pub use prepared::Prepared;
