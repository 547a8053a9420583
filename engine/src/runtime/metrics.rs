//! Counters the shell keeps for Prometheus (`GET /metrics`), beside the
//! core's own [`crate::pce::Counters`]: messages by type and direction,
//! PCErr by type and value, and how long the core takes per input.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use pcep::wire::Message;

/// Upper bounds of the core-latency histogram, seconds.
const BUCKETS: [f64; 9] = [
    0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1,
];

/// The shell's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    received: [AtomicU64; 16],
    sent: [AtomicU64; 16],
    errors_sent: Mutex<BTreeMap<(u8, u8), u64>>,
    errors_received: Mutex<BTreeMap<(u8, u8), u64>>,
    core_buckets: [AtomicU64; BUCKETS.len()],
    core_count: AtomicU64,
    core_sum_ns: AtomicU64,
    /// The BGP-LS side's gauges and counters.
    pub bgp_ls: BgpLs,
    accept_errors: AtomicU64,
    connections_refused: AtomicU64,
    read_pauses: AtomicU64,
    log_suppressed: AtomicU64,
    api_refused: AtomicU64,
    api_idle_closed: AtomicU64,
    connections_denied: AtomicU64,
    api_unauthorized: AtomicU64,
    api_forbidden: AtomicU64,
    tls_established: AtomicU64,
    tls_failures: Mutex<BTreeMap<&'static str, u64>>,
    api_tls_failures: Mutex<BTreeMap<&'static str, u64>>,
    state_writes: AtomicU64,
    state_changes: AtomicU64,
    state_write_errors: AtomicU64,
}

/// What the BGP-LS side reports (all zero without `[bgp_ls]`).
#[derive(Debug, Default)]
pub struct BgpLs {
    /// Sessions established.
    pub sessions: AtomicU64,
    /// Established sessions whose End-of-RIB has not come yet.
    pub awaiting_end_of_rib: AtomicU64,
    /// Distinct NLRIs in the link-state database.
    pub nlris: AtomicU64,
    /// UPDATEs received.
    pub updates: AtomicU64,
    /// TEDs built from the database and handed to the core.
    pub teds: AtomicU64,
    /// Rebuilds that waited for a peer's End-of-RIB.
    pub deferred: AtomicU64,
}

fn count_errors(map: &Mutex<BTreeMap<(u8, u8), u64>>, m: &Message) {
    if let Message::PcErr(e) = m {
        let mut map = map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for unit in &e.errors {
            for err in &unit.errors {
                *map.entry((err.error_type.0, err.error_value)).or_default() += 1;
            }
        }
    }
}

fn count_reason(map: &Mutex<BTreeMap<&'static str, u64>>, reason: &'static str) {
    *map.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(reason)
        .or_default() += 1;
}

/// A counter by `reason` label.
fn render_reasons(
    out: &mut String,
    metric: &str,
    help: &str,
    map: &Mutex<BTreeMap<&'static str, u64>>,
) {
    let _ = writeln!(out, "# HELP {metric} {help}\n# TYPE {metric} counter");
    let map = map
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for (reason, n) in map.iter() {
        let _ = writeln!(out, "{metric}{{reason=\"{reason}\"}} {n}");
    }
}

impl Metrics {
    /// A message received on a session, passed to the core: PCErr counted
    /// by type and value.
    pub fn received(&self, m: &Message) {
        count_errors(&self.errors_received, m);
    }

    /// A message the core sent on a session: PCErr counted by type and
    /// value.
    pub fn sent(&self, m: &Message) {
        count_errors(&self.errors_sent, m);
    }

    /// A PCErr the session itself sent (not the core): counted by type and
    /// value with the core's.
    pub fn session_error_sent(&self, code: pcep::wire::PcErrCode) {
        *self
            .errors_sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry((code.error_type.0, code.error_value))
            .or_default() += 1;
    }

    /// A session's messages by type since `last` (its counters before).
    pub fn session_delta(&self, last: &pcep::session::Stats, now: &pcep::session::Stats) {
        for (t, c) in self.received.iter().enumerate() {
            let d = now.received_by_type.get(t).copied().unwrap_or(0)
                - last.received_by_type.get(t).copied().unwrap_or(0);
            if d > 0 {
                c.fetch_add(d, Ordering::Relaxed);
            }
        }
        for (t, c) in self.sent.iter().enumerate() {
            let d = now.sent_by_type.get(t).copied().unwrap_or(0)
                - last.sent_by_type.get(t).copied().unwrap_or(0);
            if d > 0 {
                c.fetch_add(d, Ordering::Relaxed);
            }
        }
    }

    /// An accept on the PCEP port failed (out of descriptors or memory).
    pub fn accept_error(&self) {
        self.accept_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// A PCEP connection was closed as it was accepted (max_connections).
    pub fn connection_refused(&self) {
        self.connections_refused.fetch_add(1, Ordering::Relaxed);
    }

    /// A session stopped reading its socket: its read budget, or all
    /// sessions', was used up.
    pub fn read_paused(&self) {
        self.read_pauses.fetch_add(1, Ordering::Relaxed);
    }

    /// A management API connection was closed as it was accepted
    /// (max_api_connections).
    pub fn api_connection_refused(&self) {
        self.api_refused.fetch_add(1, Ordering::Relaxed);
    }

    /// A PCEP connection from an address `[pce] allow` does not list was
    /// closed as it was accepted.
    pub fn connection_denied(&self) {
        self.connections_denied.fetch_add(1, Ordering::Relaxed);
    }

    /// A management API call without a valid token was refused (401).
    pub fn api_unauthorized(&self) {
        self.api_unauthorized.fetch_add(1, Ordering::Relaxed);
    }

    /// A management API call its caller's role does not allow was refused
    /// (403).
    pub fn api_forbidden(&self) {
        self.api_forbidden.fetch_add(1, Ordering::Relaxed);
    }

    /// A management API connection was closed after api_idle_timeout
    /// without traffic.
    pub fn api_idle_closed(&self) {
        self.api_idle_closed.fetch_add(1, Ordering::Relaxed);
    }

    /// A log line a peer caused was not written (one a second per cause).
    pub fn log_suppressed(&self) {
        self.log_suppressed.fetch_add(1, Ordering::Relaxed);
    }

    /// A transaction of the state file (`[pce] state`) with `changes`
    /// entries of the operator's intent: committed, or failed.
    pub fn state_write(&self, changes: usize, ok: bool) {
        if ok {
            self.state_writes.fetch_add(1, Ordering::Relaxed);
            self.state_changes
                .fetch_add(changes as u64, Ordering::Relaxed);
        } else {
            self.state_write_errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A PCEPS handshake: established (`None`), or failed, by reason.
    pub fn tls_handshake(&self, failure: Option<&'static str>) {
        match failure {
            None => {
                self.tls_established.fetch_add(1, Ordering::Relaxed);
            }
            Some(reason) => count_reason(&self.tls_failures, reason),
        }
    }

    /// A management API TLS handshake failed, by reason.
    pub fn api_tls_failure(&self, reason: &'static str) {
        count_reason(&self.api_tls_failures, reason);
    }

    /// The core took `d` for one input.
    pub fn core_input(&self, d: Duration) {
        let s = d.as_secs_f64();
        for (b, c) in BUCKETS.iter().zip(&self.core_buckets) {
            if s <= *b {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.core_count.fetch_add(1, Ordering::Relaxed);
        self.core_sum_ns.fetch_add(
            u64::try_from(d.as_nanos()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// The text exposition of these counters.
    pub fn render(&self, out: &mut String) {
        let name = |t: usize| {
            pcep::wire::MessageType(u8::try_from(t).unwrap_or(0))
                .name()
                .unwrap_or("other")
                .to_string()
        };
        for (metric, help, values) in [
            (
                "pce_messages_received_total",
                "PCEP messages received (decoded), by type.",
                &self.received,
            ),
            (
                "pce_messages_sent_total",
                "PCEP messages sent, by type.",
                &self.sent,
            ),
        ] {
            let _ = writeln!(out, "# HELP {metric} {help}\n# TYPE {metric} counter");
            for (t, c) in values.iter().enumerate() {
                let v = c.load(Ordering::Relaxed);
                if v > 0 {
                    let _ = writeln!(out, "{metric}{{type=\"{}\"}} {v}", name(t));
                }
            }
        }
        for (metric, help, map) in [
            (
                "pce_pcerr_sent_total",
                "PCEP-ERROR objects sent, by Error-Type and Error-value.",
                &self.errors_sent,
            ),
            (
                "pce_pcerr_received_total",
                "PCEP-ERROR objects received, by Error-Type and Error-value.",
                &self.errors_received,
            ),
        ] {
            let _ = writeln!(out, "# HELP {metric} {help}\n# TYPE {metric} counter");
            let map = map
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for ((t, v), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "{metric}{{error_type=\"{t}\",error_value=\"{v}\"}} {n}"
                );
            }
        }
        let metric = "pce_core_input_seconds";
        let _ = writeln!(
            out,
            "# HELP {metric} Time the core takes per input (report, request, update, session event, command), path computations included.\n# TYPE {metric} histogram"
        );
        for (b, c) in BUCKETS.iter().zip(&self.core_buckets) {
            let _ = writeln!(
                out,
                "{metric}_bucket{{le=\"{b}\"}} {}",
                c.load(Ordering::Relaxed)
            );
        }
        let count = self.core_count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{metric}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.core_sum_ns.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{metric}_sum {sum}\n{metric}_count {count}");
        for (metric, help, v) in [
            (
                "pce_accept_errors_total",
                "Accepts on the PCEP port that failed (out of descriptors or memory), each retried after a back-off.",
                &self.accept_errors,
            ),
            (
                "pce_connections_refused_total",
                "PCEP connections closed as they were accepted: max_connections were open.",
                &self.connections_refused,
            ),
            (
                "pce_session_read_pauses_total",
                "Times a PCEP session stopped reading its socket until the core had handled what it read (session_read_budget or read_budget).",
                &self.read_pauses,
            ),
            (
                "pce_log_lines_suppressed_total",
                "Log lines a peer caused that were not written (at most one a second per session and cause, each saying how many were not).",
                &self.log_suppressed,
            ),
            (
                "pce_api_connections_refused_total",
                "Management API connections closed as they were accepted: max_api_connections were open.",
                &self.api_refused,
            ),
            (
                "pce_connections_denied_total",
                "PCEP connections closed as they were accepted, before Open: the address is not in [pce] allow.",
                &self.connections_denied,
            ),
            (
                "pce_api_idle_closed_total",
                "Management API connections closed after api_idle_timeout seconds without traffic.",
                &self.api_idle_closed,
            ),
            (
                "pce_api_unauthorized_total",
                "Management API calls refused with 401: no token, or one [[api_tokens]] does not list.",
                &self.api_unauthorized,
            ),
            (
                "pce_api_forbidden_total",
                "Management API calls refused with 403: the caller's role (read) does not allow them.",
                &self.api_forbidden,
            ),
            (
                "pce_state_writes_total",
                "Transactions committed to the state file ([pce] state), each before the answers of the commands it stores.",
                &self.state_writes,
            ),
            (
                "pce_state_changes_total",
                "Entries of the operator's intent (initiated LSPs, overrides) written or removed in the state file.",
                &self.state_changes,
            ),
            (
                "pce_state_write_errors_total",
                "Transactions of the state file that failed (their changes are tried again with the next).",
                &self.state_write_errors,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {metric} {help}\n# TYPE {metric} counter\n{metric} {}",
                v.load(Ordering::Relaxed)
            );
        }
        let metric = "pce_tls_sessions_established_total";
        let _ = writeln!(
            out,
            "# HELP {metric} PCEP connections on which TLS was established after StartTLS (RFC 8253).\n# TYPE {metric} counter\n{metric} {}",
            self.tls_established.load(Ordering::Relaxed)
        );
        render_reasons(
            out,
            "pce_tls_failures_total",
            "PCEP connections closed because TLS failed, by reason: certificate (invalid, expired, unknown CA), no_certificate, identity (a peer PCE's certificate names another), alert (the peer refused ours), protocol, timeout, closed, client_hello_without_starttls (TLS at once, without StartTLS).",
            &self.tls_failures,
        );
        render_reasons(
            out,
            "pce_api_tls_failures_total",
            "Management API connections closed because the TLS handshake failed ([api_tls]), by reason (as pce_tls_failures_total).",
            &self.api_tls_failures,
        );
        let b = &self.bgp_ls;
        for (metric, kind, help, v) in [
            ("pce_bgp_ls_sessions", "gauge", "BGP-LS sessions established.", &b.sessions),
            (
                "pce_bgp_ls_awaiting_end_of_rib",
                "gauge",
                "BGP-LS sessions whose initial update is not complete (End-of-RIB announced, not received yet).",
                &b.awaiting_end_of_rib,
            ),
            ("pce_bgp_ls_nlris", "gauge", "Distinct NLRIs in the link-state database (one announced by several peers counts once).", &b.nlris),
            ("pce_bgp_ls_updates_received_total", "counter", "BGP UPDATEs received on BGP-LS sessions.", &b.updates),
            ("pce_bgp_ls_teds_total", "counter", "TEDs built from the link-state database and handed to the core.", &b.teds),
            ("pce_bgp_ls_ted_deferrals_total", "counter", "TED rebuilds that waited for a peer's End-of-RIB.", &b.deferred),
        ] {
            let _ = writeln!(
                out,
                "# HELP {metric} {help}\n# TYPE {metric} {kind}\n{metric} {}",
                v.load(Ordering::Relaxed)
            );
        }
    }
}
