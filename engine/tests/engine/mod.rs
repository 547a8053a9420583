//! TED and solver tests.

mod cspf;
mod disjoint;
mod placement;
mod sr;
mod topology;
