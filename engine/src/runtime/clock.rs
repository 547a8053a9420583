//! The one place that reads the clock (STYLE R3): the sans-IO cores take
//! `now` as a parameter.

use std::time::Instant;

/// The current instant.
#[allow(clippy::disallowed_methods)]
pub fn now() -> Instant {
    Instant::now()
}
