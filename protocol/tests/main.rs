//! One integration test binary for the codec (STYLE §1: one test binary per crate).

mod wire;
