//! TED and solver tests.

mod cspf;
mod topology;
