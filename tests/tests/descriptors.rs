//! Processes: `pce serve` under a descriptor limit of 1,024 (systemd's
//! default soft limit, here the hard limit too, so it cannot be raised)
//! against 20,000 idle TCP connections from as many addresses. It never
//! exits: beyond `max_connections` (by default what the limit allows, less
//! a reserve) connections are closed as they are accepted and counted, the
//! API keeps answering; with `max_connections` set above what fits,
//! accepts fail (EMFILE), are counted and retried. Either way, once the
//! idle connections are gone, a PCC gets its session. Real time only
//! bounds the waits.
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::time::{Duration, Instant};

use pce_tests::bin_dir;
use socket2::{Domain, Socket, Type};

#[path = "../support/mod.rs"]
mod support;
use support::metrics::metrics;
use support::pce_serve::pce_serve_limited;
use support::running::{spawn, Running};
use support::wait_json::wait_json;

const WAIT: Duration = Duration::from_secs(60);
const LIMIT: u64 = 1024;

/// `pce serve` with both descriptor limits at [`LIMIT`]; its PCEP and API
/// ports.
fn pce_limited(tag: &str, more: &str) -> (Running, u16, u16) {
    pce_serve_limited(tag, more, Some(LIMIT))
}

/// Wait until the metrics satisfy `ok`.
fn wait_metrics(api: u16, ok: impl Fn(&std::collections::HashMap<String, u64>) -> bool) {
    let deadline = Instant::now() + WAIT;
    loop {
        let m = metrics(api);
        if m.as_ref().is_some_and(&ok) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "metrics never as expected: {m:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Up to `n` idle connections to `port`, the i-th from 127.1.x.y (one
/// address each, so none is a second session of another), each given
/// `each` to connect; those that connected.
fn idle_connections(port: u16, n: usize, each: Duration) -> Vec<TcpStream> {
    let to: SocketAddr = SocketAddrV4::new(Ipv4Addr::LOCALHOST, port).into();
    (0..n)
        .filter_map(|i| {
            let from = Ipv4Addr::new(127, 1, (i / 250) as u8, (i % 250 + 1) as u8);
            let s = Socket::new(Domain::IPV4, Type::STREAM, None).ok()?;
            s.bind(&SocketAddr::from(SocketAddrV4::new(from, 0)).into())
                .ok()?;
            s.connect_timeout(&to.into(), each).ok()?;
            Some(s.into())
        })
        .collect()
}

/// A PCC (`pcc-sim`, one LSP) gets a session and reports its LSP.
fn a_pcc_is_served(port: u16, api: u16) {
    let _pcc = spawn(
        &bin_dir().join("pcc-sim"),
        &[
            "--pce",
            &format!("127.0.0.1:{port}"),
            "--source-base",
            "127.6.0.1",
            "--pccs",
            "1",
            "--lsps",
            "1",
            "--seconds",
            "60",
        ],
    );
    wait_json(&format!("http://127.0.0.1:{api}/lsps"), WAIT, |l| {
        l.as_array().is_some_and(|l| l.len() == 1)
    });
}

/// The test process's own limit, raised to its hard limit: the number of
/// connections it can hold.
fn own_room() -> usize {
    let (soft, hard) = rlimit::Resource::NOFILE.get().unwrap();
    if soft < hard {
        rlimit::Resource::NOFILE.set(hard, hard).unwrap();
    }
    usize::try_from(hard.saturating_sub(256)).unwrap_or(usize::MAX)
}

#[test]
fn twenty_thousand_idle_connections_at_a_limit_of_1024() {
    let n = own_room().min(20_000);
    assert!(
        n > 2 * LIMIT as usize,
        "this test needs {} descriptors",
        2 * LIMIT
    );

    // The default max_connections: the limit less the reserve.
    let (_pce, port, api) = pce_limited("descriptors-default", "");
    let mut held = idle_connections(port, n, Duration::from_secs(2));
    let max = (LIMIT - pce_engine::runtime::limits::RESERVE) as usize;
    // Every connection beyond max_connections was accepted and closed;
    // the API still answers.
    wait_metrics(api, |m| {
        m.get("pce_connections") == Some(&(max as u64))
            && m.get("pce_connections_max") == Some(&(max as u64))
            && m.get("process_max_fds") == Some(&LIMIT)
            && m["pce_connections_refused_total"] + max as u64 >= held.len() as u64
    });
    assert!(held.len() >= n - 100, "{} of {n} connected", held.len());
    held.clear();
    wait_metrics(api, |m| m.get("pce_connections") == Some(&0));
    a_pcc_is_served(port, api);

    // max_connections above what fits: accepts fail, are retried.
    let (pce, port, api) = pce_limited("descriptors-emfile", "max_connections = 100000\n");
    let mut held = idle_connections(port, 3 * LIMIT as usize, Duration::from_millis(300));
    assert!(held.len() > LIMIT as usize, "{} connected", held.len());
    // Held until the PCE has used up its descriptors (it accepts at its
    // own pace; closed before, they would never pile up), so that its
    // next accept fails.
    let fds = |pid: u32| std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count);
    let deadline = Instant::now() + WAIT;
    while fds(pce.0.id()) < LIMIT as usize - 8 {
        assert!(
            Instant::now() < deadline,
            "{} descriptors open in the PCE",
            fds(pce.0.id())
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    held.clear();
    wait_metrics(api, |m| {
        m["pce_accept_errors_total"] > 0 && m.get("pce_connections") == Some(&0)
    });
    a_pcc_is_served(port, api);
}

/// `pce serve` turns transparent huge pages off for itself (each reuse of
/// memory its allocator had returned zeroed 2 MiB: BENCHMARKS.md).
#[test]
fn the_daemon_runs_without_transparent_huge_pages() {
    let (pce, _port, api) = pce_limited("thp", "");
    wait_metrics(api, |m| m.contains_key("process_max_fds"));
    let status = std::fs::read_to_string(format!("/proc/{}/status", pce.0.id())).unwrap();
    let thp = status
        .lines()
        .find_map(|l| l.strip_prefix("THP_enabled:"))
        .map(str::trim);
    assert_eq!(thp, Some("0"), "{status}");
}

/// The management API holds at most `max_api_connections`: the next is
/// closed as it is accepted and counted, PCEP is not disturbed, and once
/// the idle ones are gone the API answers again.
#[test]
fn api_connections_beyond_max_api_connections_are_closed_and_counted() {
    use std::io::Read;
    let (_pce, port, api) = pce_limited("api-limit", "max_api_connections = 8\n");
    let addr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, api));
    let idle: Vec<TcpStream> = (0..8).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let mut extra = TcpStream::connect(addr).unwrap();
    extra.set_read_timeout(Some(WAIT)).unwrap();
    let mut buf = [0u8; 16];
    let start = Instant::now();
    match extra.read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("the ninth connection was not closed: {other:?}"),
    }
    assert!(start.elapsed() < WAIT, "closed at once, not timed out");
    a_pcc_is_served(port, api_after(idle, api));
}

/// API connections that stay silent are closed after `api_idle_timeout`
/// (idle keep-alive clients cannot hold every slot), counted, and the API
/// answers again.
#[test]
fn idle_api_connections_are_closed_after_api_idle_timeout() {
    use std::io::Read;
    let (_pce, _port, api) = pce_limited(
        "api-idle",
        "max_api_connections = 8\napi_idle_timeout = 1\n", // room for the four and the readiness check's kept connection (it idles out too)
    );
    let addr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, api));
    let start = Instant::now();
    let idle: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(addr).unwrap()).collect();
    for mut c in idle {
        c.set_read_timeout(Some(WAIT)).unwrap();
        let mut buf = [0u8; 16];
        match c.read(&mut buf) {
            Ok(0) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            other => panic!("an idle connection was not closed: {other:?}"),
        }
    }
    // Not before its second without traffic.
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "{:?}",
        start.elapsed()
    );
    // Counted, none refused, and the API answers (the metrics are a
    // request on a fresh connection).
    wait_metrics(api, |m| {
        m.get("pce_api_idle_closed_total") >= Some(&4)
            && m.get("pce_api_connections_refused_total") == Some(&0)
    });
}

/// Close `idle` and wait until the API answers again; its port.
fn api_after(idle: Vec<TcpStream>, api: u16) -> u16 {
    drop(idle);
    wait_metrics(api, |m| {
        m.get("pce_api_connections_refused_total") >= Some(&1)
    });
    api
}
