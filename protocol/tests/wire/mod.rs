//! Codec tests: vectors, malformed input, framing, properties.

mod framing;
mod malformed;
mod properties;
mod support;
mod vectors;
