//! Processes: a state-sync cluster of two PCEs and ten PCCs (`pcc-sim`,
//! 200 delegated LSPs, sessions to both PCEs), every connection through a
//! fault relay (`support/chaos_proxy.rs`): segments split byte by byte
//! with delay and jitter from the start, then a stall of the PCCs' link to
//! one PCE past its DeadTimer, a reset of the PCEs' state-sync link, and a
//! reset of every PCC session. After each fault the sessions come back,
//! no LSP is lost, both PCEs hold the same LSPs and agree on which PCE
//! computes each (no split brain), and once the faults stop no update
//! flows (no update loop). Real time only bounds the waits.
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use pce_tests::{bin_dir, scratch_dir};
use serde_json::Value;

#[path = "../support/mod.rs"]
mod support;
use support::chaos_proxy::ChaosProxy;
use support::free_port::free_port;
use support::metrics::metrics;
use support::pce_serve::state_sync_pce;
use support::running::{spawn, Running};
use support::wait_json::wait_json;

const WAIT: Duration = Duration::from_secs(120);
const PCCS: usize = 10;
const LSPS: usize = 20 * PCCS;

/// A PCE at `me` whose state-sync peer is reached at `peer` (a relay).
fn pce(dir: &Path, me: &str, port: u16, api: u16, peer: SocketAddr) -> Running {
    state_sync_pce(
        dir,
        me,
        port,
        SocketAddr::from(([127, 0, 0, 1], api)),
        "keepalive = 1\ndead_timer = 4\nstate_timeout = 300\nredelegation_timeout = 120",
        peer,
    )
}

/// A document of a PCE's API (waiting for the API to answer).
fn get(api: u16, path: &str) -> Value {
    wait_json(&format!("http://127.0.0.1:{api}{path}"), WAIT, |v| {
        !v.is_null()
    })
}

/// Each LSP a PCE holds, by (PCC, name): the PCE computing it.
fn lsps(api: u16) -> BTreeMap<(String, String), Value> {
    get(api, "/lsps")
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                (l["pcc"].to_string(), l["name"].to_string()),
                l["computing_pce"].clone(),
            )
        })
        .collect()
}

/// PCC sessions up on a PCE (its peer PCE's session aside).
fn pcc_sessions_up(api: u16) -> usize {
    get(api, "/sessions")
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            s["state"] == "Up" && s["peer"].as_str().is_some_and(|p| p.starts_with("127.11."))
        })
        .count()
}

/// Messages received on a PCE's sessions, all together.
fn received(api: u16) -> u64 {
    get(api, "/sessions")
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["counters"]["received"].as_u64().unwrap_or(0))
        .sum()
}

/// Wait until `cond` holds (checked every 100 ms), at most [`WAIT`].
fn until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(start.elapsed() < WAIT, "{what}: not within {WAIT:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("chaos: {what}: {:.1} s", start.elapsed().as_secs_f64());
}

/// Both PCEs hold all the LSPs, the same ones, with every PCC session up,
/// the peers synchronized, and agree on who computes each LSP.
fn converged(a: u16, b: u16) -> bool {
    if pcc_sessions_up(a) < PCCS || pcc_sessions_up(b) < PCCS {
        return false;
    }
    let synced = |api| get(api, "/peers")["peers"][0]["synchronized"] == true;
    if !synced(a) || !synced(b) {
        return false;
    }
    let (la, lb) = (lsps(a), lsps(b));
    la.len() == LSPS && la == lb && la.values().all(|c| !c.is_null())
}

#[test]
fn a_cluster_and_its_pccs_through_faults_lose_nothing_and_settle() {
    let dir = scratch_dir("chaos");
    let (pa, aa, pb, ab) = (free_port(), free_port(), free_port(), free_port());
    let at = |ip: &str, port: u16| SocketAddr::new(ip.parse().unwrap(), port);
    // Each PCE reaches the other through a relay, and so do the PCCs.
    let to_b = ChaosProxy::start(at("127.0.0.2", 0), at("127.0.0.2", pb), 1);
    let to_a = ChaosProxy::start(at("127.0.0.1", 0), at("127.0.0.1", pa), 2);
    let pccs_a = ChaosProxy::start(at("127.0.0.1", 0), at("127.0.0.1", pa), 3);
    let pccs_b = ChaosProxy::start(at("127.0.0.2", 0), at("127.0.0.2", pb), 4);
    let relays = [&to_b, &to_a, &pccs_a, &pccs_b];
    // Byte by byte, 1-4 ms late, from the start.
    for r in relays {
        r.faults.chunk.store(1, Ordering::SeqCst);
        r.faults.delay_ms.store(1, Ordering::SeqCst);
        r.faults.jitter_ms.store(3, Ordering::SeqCst);
    }
    let _a = pce(&dir, "127.0.0.1", pa, aa, to_b.addr);
    let _b = pce(&dir, "127.0.0.2", pb, ab, to_a.addr);
    let _pccs = spawn(
        &bin_dir().join("pcc-sim"),
        &[
            "--pce".into(),
            pccs_a.addr.to_string(),
            "--pce".into(),
            pccs_b.addr.to_string(),
            "--source-base".into(),
            "127.11.0.1".into(),
            "--pccs".into(),
            PCCS.to_string(),
            "--lsps".into(),
            (LSPS / PCCS).to_string(),
            "--delegate".into(),
            "--keepalive".into(),
            "1".into(),
            "--seconds".into(),
            "900".into(),
            "--timeout".into(),
            "120".into(),
        ],
    );
    until("the first sync through byte-by-byte segments", || {
        converged(aa, ab)
    });
    let names: Vec<_> = lsps(aa).into_keys().collect();

    // The PCCs' link to PCE A stalls past A's DeadTimer (4 s): their
    // sessions to A end; the PCCs keep their sessions to B.
    pccs_a.faults.stalled.store(true, Ordering::SeqCst);
    until("PCE A drops the stalled sessions", || {
        pcc_sessions_up(aa) == 0
    });
    assert_eq!(lsps(aa).len(), LSPS, "kept through the State Timeout");
    assert_eq!(pcc_sessions_up(ab), PCCS, "PCE B's sessions are untouched");
    assert_eq!(lsps(ab).len(), LSPS);
    pccs_a.faults.stalled.store(false, Ordering::SeqCst);
    until("the sessions to A come back", || converged(aa, ab));

    // The state-sync link resets both ways: the peers reconnect and
    // synchronize again.
    let peer_sessions = |api| get(api, "/counters")["peer_sessions"].as_u64();
    let before = (peer_sessions(aa), peer_sessions(ab));
    to_a.faults.reset_all();
    to_b.faults.reset_all();
    until("the state-sync session comes back", || {
        (peer_sessions(aa), peer_sessions(ab)) != before && converged(aa, ab)
    });

    // Every PCC session to both PCEs is reset at once.
    pccs_a.faults.reset_all();
    pccs_b.faults.reset_all();
    until("the PCC sessions come back", || {
        pccs_a.faults.resets.load(Ordering::SeqCst) > 0 && converged(aa, ab)
    });
    let resets: u64 = relays
        .iter()
        .map(|r| r.faults.resets.load(Ordering::SeqCst))
        .sum();
    assert!(resets >= 4, "{resets} connections reset");

    // The faults stop. Nothing is lost, both PCEs agree, and the network
    // goes quiet: no update flows while both PCEs exchange a few seconds
    // of Keepalives with every PCC (an update loop never would).
    for r in relays {
        r.faults.chunk.store(0, Ordering::SeqCst);
        r.faults.jitter_ms.store(0, Ordering::SeqCst);
        r.faults.delay_ms.store(0, Ordering::SeqCst);
    }
    until("settled", || converged(aa, ab));
    let now: Vec<_> = lsps(aa).into_keys().collect();
    assert_eq!(now, names, "the same LSPs as before the faults");
    let updates = |api| metrics(api).map(|m| m["pce_updates_sent_total"]);
    until("no update for three Keepalive rounds", || {
        let sent = (updates(aa), updates(ab));
        let heard = received(aa);
        until("three Keepalives from each PCC", || {
            received(aa) >= heard + 3 * PCCS as u64
        });
        (updates(aa), updates(ab)) == sent
    });
    assert!(converged(aa, ab));
}
