//! The process's descriptor limit, and how many PCEP connections it
//! allows.
//!
//! A PCE that runs out of descriptors cannot accept, open files or answer
//! the API. At startup the soft limit on open descriptors is raised to the
//! hard one (systemd's default soft limit is 1,024, its hard limit 524,288),
//! and PCEP connections are capped below it, leaving [`RESERVE`] for the
//! rest: the excess is closed as it is accepted, and the API still answers.

use rlimit::Resource;

/// Descriptors kept for what is not a PCEP connection: the listeners, the
/// management API's connections, BGP-LS sessions, the record file, the
/// runtime's own.
pub const RESERVE: u64 = 256;

/// The descriptor limit, before and after [`raise_descriptor_limit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Descriptors {
    /// The soft limit found.
    pub before: u64,
    /// The soft limit now.
    pub soft: u64,
    /// The hard limit.
    pub hard: u64,
}

/// The PCEP connections that fit under a soft limit of `soft`
/// descriptors: less [`RESERVE`], at least 16.
pub fn connections_within(soft: u64) -> usize {
    usize::try_from(soft.saturating_sub(RESERVE).max(16)).unwrap_or(usize::MAX)
}

/// The PCEP connections that fit under the current soft limit (1,024
/// assumed when it cannot be read).
pub fn connections_that_fit() -> usize {
    connections_within(Resource::NOFILE.get().map_or(1024, |(soft, _)| soft))
}

/// Raise the soft limit on open descriptors to the hard one; the limits
/// found and set. An error leaves the limit as it was (and says so).
pub fn raise_descriptor_limit() -> std::io::Result<Descriptors> {
    let (before, hard) = Resource::NOFILE.get()?;
    if before < hard {
        Resource::NOFILE.set(hard, hard)?;
    }
    let (soft, hard) = Resource::NOFILE.get()?;
    Ok(Descriptors { before, soft, hard })
}

/// Descriptors open now (the entries of /proc/self/fd; 0 where there is
/// no /proc).
pub fn open_descriptors() -> u64 {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count() as u64)
}
