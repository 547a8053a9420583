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

/// The Prometheus `process_*` series of this process from /proc (the
/// descriptors are rendered with the connections): resident and virtual
/// memory, CPU seconds, start time.
pub fn render_process(out: &mut String) {
    use std::fmt::Write as _;
    // USER_HZ, the unit of /proc's times: 100 on every Linux architecture
    // this builds for.
    const HZ: f64 = 100.0;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(0, |k| k * 1024)
    };
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After the command's closing parenthesis: fields 3 onwards.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let field = |n: usize| {
        fields
            .get(n - 3)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let cpu = (field(14) + field(15)) / HZ;
    let boot = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("btime "))
                .and_then(|v| v.trim().parse::<f64>().ok())
        })
        .unwrap_or(0.0);
    let start = boot + field(22) / HZ;
    for (name, kind, help, v) in [
        (
            "process_resident_memory_bytes",
            "gauge",
            "Resident memory size in bytes.",
            kib("VmRSS:") as f64,
        ),
        (
            "process_virtual_memory_bytes",
            "gauge",
            "Virtual memory size in bytes.",
            kib("VmSize:") as f64,
        ),
        (
            "process_cpu_seconds_total",
            "counter",
            "User and system CPU time spent in seconds.",
            cpu,
        ),
        (
            "process_start_time_seconds",
            "gauge",
            "Start time of the process since the Unix epoch in seconds.",
            start,
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}"
        );
    }
}

/// Descriptors open now (the entries of /proc/self/fd; 0 where there is
/// no /proc).
pub fn open_descriptors() -> u64 {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count() as u64)
}
