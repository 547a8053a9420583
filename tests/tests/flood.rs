//! Processes: one PCC sends PCRpt messages of 64 KiB (the largest PCEP
//! allows) as fast as TCP takes them, for 30 s, while another PCC asks
//! for paths. The PCE reads the flooding PCC only as fast as its core
//! handles what it read (a read budget per session and one for all), so
//! its memory stays bounded, the other PCC's requests are answered
//! promptly, the flooder's Keepalives keep coming while its socket is not
//! read (its session task never waits for the core), and neither session
//! is closed. (It used to queue 65,536
//! messages of any size: 150 MB/s of growth, and requests answered in
//! seconds.) Real time only bounds the waits and paces the requests.
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pcep::wire::tlv::Tlv;
use pcep::wire::{Message, PcRpt, StateReport, WireConfig};

#[path = "../support/mod.rs"]
mod support;
use support::blocking_pcc::BlockingPcc;
use support::metrics::metrics;
use support::pce_serve::pce_serve;
use support::wait_json::wait_json;

const FLOOD: Duration = Duration::from_secs(30);
const WAIT: Duration = Duration::from_secs(60);
/// The goal: resident memory grows by less than this during the flood.
const RSS_BOUND: u64 = 512 << 20;
/// The other PCC's requests, 99th percentile: the goal (50 ms) holds for
/// a release build (3 ms in BENCHMARKS.md); a debug build on a shared CI
/// machine measured 13-62 ms, so it is held to 250 ms, which still tells
/// the fixed PCE from the one that answered in seconds.
const P99_BOUND: Duration = if cfg!(debug_assertions) {
    Duration::from_millis(250)
} else {
    Duration::from_millis(50)
};

/// A report of an RSVP LSP with an 8-hop ERO, not delegated.
fn report(plsp_id: u32, sync: bool) -> StateReport {
    let Message::PcRpt(mut r) = pcep::samples::bench_report(plsp_id, 1) else {
        unreachable!("a PCRpt")
    };
    let mut s = r.reports.remove(0);
    s.lsp.sync = sync;
    s.lsp.delegate = false;
    s.lsp.tlvs.retain(|t| !matches!(t, Tlv::LspDbVersion(_)));
    s.associations.clear();
    s
}

fn pcrpt(n: u32, sync: bool) -> Message {
    Message::PcRpt(PcRpt {
        reports: (1..=n).map(|i| report(i, sync)).collect(),
    })
}

/// How many reports fill one message of at most 65,535 bytes.
fn reports_per_message() -> u32 {
    let wire = WireConfig::default();
    let one = pcrpt(1, false).to_bytes(&wire).unwrap().len();
    let two = pcrpt(2, false).to_bytes(&wire).unwrap().len();
    let each = two - one;
    u32::try_from((65_535 - (one - each)) / each).unwrap()
}

fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb * 1024
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[test]
fn a_pcc_flooding_64_kib_reports_is_paused_while_another_is_served() {
    // A Keepalive a second: they must keep coming to the flooder while its
    // socket is not read.
    let (pce, port, api) = pce_serve("flood", "keepalive = 1\ndead_timer = 4\n");
    let pid = pce.0.id();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let n = reports_per_message();
    let wire = WireConfig::default();
    let flood = pcrpt(n, false).to_bytes(&wire).unwrap();
    let flood_len = flood.len();
    assert!(
        flood.len() > 60_000 && flood.len() <= 65_535,
        "{}",
        flood.len()
    );

    // The flooding PCC synchronizes its LSPs, then reports them again and
    // again; the other one is an ordinary PCC with nothing to report.
    let mut flooder = BlockingPcc::connect(addr, Ipv4Addr::new(127, 9, 0, 1), WAIT);
    flooder.send(&pcrpt(n, true));
    flooder.send(&Message::PcRpt(PcRpt {
        reports: vec![StateReport::end_of_sync()],
    }));
    let mut prober = BlockingPcc::connect(addr, Ipv4Addr::new(127, 9, 0, 2), WAIT);
    prober.send(&Message::PcRpt(PcRpt {
        reports: vec![StateReport::end_of_sync()],
    }));
    let lsps = wait_json(&format!("http://127.0.0.1:{api}/lsps/count"), WAIT, |c| {
        c["count"] == n
    });
    assert_eq!(lsps["count"], n);
    let sessions = wait_json(&format!("http://127.0.0.1:{api}/sessions"), WAIT, |s| {
        s.as_array().is_some_and(|s| s.len() == 2)
    });
    // Requests before the flood: the unloaded baseline (and the idle
    // figure includes what serving them costs).
    let mut id = 1;
    let mut unloaded = Vec::new();
    for _ in 0..200 {
        unloaded.push(prober.request(
            id,
            Ipv4Addr::new(10, 0, 0, 1),
            Ipv4Addr::new(10, 0, 0, 4),
            WAIT,
        ));
        id += 1;
        std::thread::sleep(Duration::from_millis(10));
    }
    unloaded.sort();
    let idle = rss(pid);

    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let mut reader = flooder.stream.try_clone().unwrap();
    let keepalives = Arc::new(AtomicU64::new(0));
    let drained = {
        let keepalives = Arc::clone(&keepalives);
        std::thread::spawn(move || {
            // What the PCE sends the flooder: Keepalives, counted by their
            // headers (anything else would be a PCErr or a Close).
            let mut buf = [0u8; 4096];
            let mut pending = Vec::new();
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                pending.extend_from_slice(&buf[..n]);
                while pending.len() >= 4 {
                    let len = usize::from(u16::from_be_bytes([pending[2], pending[3]]));
                    if len < 4 || pending.len() < len {
                        break;
                    }
                    if pending[1] == 2 {
                        keepalives.fetch_add(1, Ordering::Relaxed);
                    }
                    pending.drain(..len);
                }
            }
        })
    };
    let writer = {
        let (stop, written) = (Arc::clone(&stop), Arc::clone(&written));
        let mut stream = flooder.stream.try_clone().unwrap();
        std::thread::spawn(move || {
            // Until the test stops it (its shutdown ends a blocked write).
            while !stop.load(Ordering::Relaxed) && stream.write_all(&flood).is_ok() {
                written.fetch_add(flood.len() as u64, Ordering::Relaxed);
            }
        })
    };
    let peak = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut peak = 0;
            while !stop.load(Ordering::Relaxed) {
                peak = peak.max(rss(pid));
                std::thread::sleep(Duration::from_millis(50));
            }
            peak
        })
    };

    let start = Instant::now();
    let mut rtts = Vec::new();
    while start.elapsed() < FLOOD {
        let rtt = prober.request(
            id,
            Ipv4Addr::new(10, 0, 0, 1),
            Ipv4Addr::new(10, 0, 0, 4),
            WAIT,
        );
        if rtt > P99_BOUND {
            eprintln!("request {id} at {:?} took {rtt:?}", start.elapsed());
        }
        rtts.push(rtt);
        id += 1;
        std::thread::sleep(Duration::from_millis(10));
    }
    let m = metrics(api).unwrap();
    let kept_alive = keepalives.load(Ordering::Relaxed);
    let after: serde_json::Value = ureq::get(&format!("http://127.0.0.1:{api}/sessions"))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    let peak = peak.join().unwrap();
    // The writer may be blocked on a full socket: unblock it.
    flooder
        .stream
        .shutdown(std::net::Shutdown::Both)
        .unwrap_or(());
    let _ = writer.join();
    drop(drained);

    rtts.sort();
    let p99 = percentile(&rtts, 0.99);
    let flooded = written.load(Ordering::Relaxed);
    eprintln!(
        "unloaded: {} requests, p50 {:?}, p99 {:?}",
        unloaded.len(),
        percentile(&unloaded, 0.5),
        percentile(&unloaded, 0.99)
    );
    eprintln!(
        "{n} LSPs, {} bytes per PCRpt; flooded {} MiB in {FLOOD:?}; RSS idle {} MiB, peak {} MiB; {} requests: p50 {:?}, p99 {:?}, max {:?}; read pauses {}",
        flood_len,
        flooded >> 20,
        idle >> 20,
        peak >> 20,
        rtts.len(),
        percentile(&rtts, 0.5),
        p99,
        rtts.last().unwrap(),
        m.get("pce_session_read_pauses_total").copied().unwrap_or(0),
    );
    // The flood was one: far more than the budgets hold, and the PCE paused
    // the flooder to keep up.
    assert!(flooded > 64 << 20, "only {flooded} bytes flooded");
    assert!(m["pce_session_read_pauses_total"] > 0, "{m:?}");
    // Its timers ran while it was paused: a Keepalive about every second.
    eprintln!("Keepalives to the flooder during the flood: {kept_alive}");
    assert!(
        kept_alive >= FLOOD.as_secs() / 2,
        "{kept_alive} Keepalives in {FLOOD:?}"
    );
    assert!(
        peak.saturating_sub(idle) < RSS_BOUND,
        "RSS grew from {idle} to {peak} bytes"
    );
    assert!(p99 < P99_BOUND, "p99 {p99:?} of {} requests", rtts.len());
    // Both sessions are the ones of before.
    let ids = |s: &serde_json::Value| {
        let mut v: Vec<_> = s
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_u64().unwrap())
            .collect();
        v.sort_unstable();
        v
    };
    assert_eq!(ids(&after), ids(&sessions), "{after}");
}
