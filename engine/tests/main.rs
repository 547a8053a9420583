//! Engine tests (one binary).

mod engine;
