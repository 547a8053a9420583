//! TED and solver tests.

mod cspf;
mod disjoint;
mod sr;
mod topology;
