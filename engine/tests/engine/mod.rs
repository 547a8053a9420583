//! TED and solver tests.

mod cspf;
mod sr;
mod topology;
