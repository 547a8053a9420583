//! Processes: a state-sync cluster of two PCEs and ten PCCs (`pcc-sim`,
//! 200 delegated LSPs, sessions to both PCEs), every connection through a
//! fault relay (`support/chaos_proxy.rs`): segments split byte by byte
//! with delay and jitter from the start, then a stall of the PCCs' link to
//! one PCE past its DeadTimer, a reset of the PCEs' state-sync link, and a
//! reset of every PCC session. After each fault the sessions come back,
//! no LSP is lost, both PCEs hold the same LSPs and agree on which PCE
//! computes each (no split brain), and once the faults stop no update
//! flows (no update loop). The same cluster then runs in a lab of network
//! namespaces through packet loss and a partition between the PCEs
//! (`support/netns_lab.rs`). Real time only bounds the waits.
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
use support::metrics::metrics_with;
use support::netns_lab::Lab;
use support::pce_serve::state_sync_pce;
use support::running::{spawn, Running};
use support::wait_json::wait_json_with;

const WAIT: Duration = Duration::from_secs(120);
const PCCS: usize = 10;
const LSPS: usize = 20 * PCCS;

/// The lab's API token (its APIs are on non-loopback addresses).
const LAB_TOKEN: &str = "pce-chaos-lab";

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

/// A PCE's API at `base` (`http://ADDRESS:PORT`), and how its PCC
/// sessions are told from its peer's: the PCCs' source addresses.
/// The API token when the API is not on a loopback address (`[[api_tokens]]`).
#[derive(Clone, Copy)]
struct Api<'a> {
    base: &'a str,
    pccs: &'a [String],
    token: Option<&'a str>,
}

impl<'a> Api<'a> {
    const fn new(base: &'a str, pccs: &'a [String]) -> Self {
        Self {
            base,
            pccs,
            token: None,
        }
    }

    /// A document (waiting for the API to answer).
    fn get(&self, path: &str) -> Value {
        wait_json_with(&format!("{}{path}", self.base), self.token, WAIT, |v| {
            !v.is_null()
        })
    }

    /// Each LSP, by (PCC, name): the PCE computing it.
    fn lsps(&self) -> BTreeMap<(String, String), Value> {
        self.get("/lsps")
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

    /// PCC sessions up (the peer PCE's session aside).
    fn pcc_sessions_up(&self) -> usize {
        self.get("/sessions")
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| {
                s["state"] == "Up"
                    && s["peer"].as_str().is_some_and(|p| {
                        p.rsplit_once(':')
                            .is_some_and(|(ip, _)| self.pccs.iter().any(|a| a == ip))
                    })
            })
            .count()
    }

    /// Messages received on its sessions, all together.
    fn received(&self) -> u64 {
        self.get("/sessions")
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["counters"]["received"].as_u64().unwrap_or(0))
            .sum()
    }

    fn synchronized(&self) -> bool {
        self.get("/peers")["peers"][0]["synchronized"] == true
    }

    fn updates_sent(&self) -> Option<u64> {
        metrics_with(self.base, self.token).map(|m| m["pce_updates_sent_total"])
    }
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
fn converged(a: Api<'_>, b: Api<'_>) -> bool {
    if a.pcc_sessions_up() < PCCS || b.pcc_sessions_up() < PCCS {
        return false;
    }
    if !a.synchronized() || !b.synchronized() {
        return false;
    }
    let (la, lb) = (a.lsps(), b.lsps());
    la.len() == LSPS && la == lb && la.values().all(|c| !c.is_null())
}

/// The network goes quiet: no update from either PCE while `a` hears
/// three Keepalives from each PCC (an update loop never would).
fn quiet(a: Api<'_>, b: Api<'_>) {
    until("no update for three Keepalive rounds", || {
        let sent = (a.updates_sent(), b.updates_sent());
        let heard = a.received();
        until("three Keepalives from each PCC", || {
            a.received() >= heard + 3 * PCCS as u64
        });
        (a.updates_sent(), b.updates_sent()) == sent
    });
}

/// `pcc-sim`'s arguments: ten PCCs from `source`, 200 delegated LSPs,
/// sessions to both PCEs.
fn pcc_args(a: &str, b: &str, source: &str) -> Vec<String> {
    [
        "--pce",
        a,
        "--pce",
        b,
        "--source-base",
        source,
        "--pccs",
        &PCCS.to_string(),
        "--lsps",
        &(LSPS / PCCS).to_string(),
        "--delegate",
        "--keepalive",
        "1",
        "--seconds",
        "900",
        "--timeout",
        "120",
    ]
    .map(String::from)
    .to_vec()
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
        &pcc_args(
            &pccs_a.addr.to_string(),
            &pccs_b.addr.to_string(),
            "127.11.0.1",
        ),
    );
    let sources: Vec<String> = (1..=PCCS).map(|i| format!("127.11.0.{i}")).collect();
    let (base_a, base_b) = (
        format!("http://127.0.0.1:{aa}"),
        format!("http://127.0.0.1:{ab}"),
    );
    let (a, b) = (Api::new(&base_a, &sources), Api::new(&base_b, &sources));
    until("the first sync through byte-by-byte segments", || {
        converged(a, b)
    });
    let names: Vec<_> = a.lsps().into_keys().collect();

    // The PCCs' link to PCE A stalls past A's DeadTimer (4 s): their
    // sessions to A end; the PCCs keep their sessions to B.
    pccs_a.faults.stalled.store(true, Ordering::SeqCst);
    until("PCE A drops the stalled sessions", || {
        a.pcc_sessions_up() == 0
    });
    assert_eq!(a.lsps().len(), LSPS, "kept through the State Timeout");
    assert_eq!(b.pcc_sessions_up(), PCCS, "PCE B's sessions are untouched");
    assert_eq!(b.lsps().len(), LSPS);
    pccs_a.faults.stalled.store(false, Ordering::SeqCst);
    until("the sessions to A come back", || converged(a, b));

    // The state-sync link resets both ways: the peers reconnect and
    // synchronize again.
    let peer_sessions = |api: Api<'_>| api.get("/counters")["peer_sessions"].as_u64();
    let before = (peer_sessions(a), peer_sessions(b));
    to_a.faults.reset_all();
    to_b.faults.reset_all();
    until("the state-sync session comes back", || {
        (peer_sessions(a), peer_sessions(b)) != before && converged(a, b)
    });

    // Every PCC session to both PCEs is reset at once.
    pccs_a.faults.reset_all();
    pccs_b.faults.reset_all();
    until("the PCC sessions come back", || {
        pccs_a.faults.resets.load(Ordering::SeqCst) > 0 && converged(a, b)
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
    until("settled", || converged(a, b));
    let now: Vec<_> = a.lsps().into_keys().collect();
    assert_eq!(now, names, "the same LSPs as before the faults");
    quiet(a, b);
    assert!(converged(a, b));
}

/// The same cluster in a lab of network namespaces (PCE A, PCE B, and a
/// host with the ten PCCs, on one bridge): the PCCs' host and PCE A lose
/// 10% of what they send, then PCE A and PCE B are cut off from each
/// other past their DeadTimer (the PCCs still reach both), then the
/// partition heals. The PCC sessions ride out the loss, no LSP is lost
/// anywhere, and once healed the PCEs agree again and go quiet. Needs
/// root, iproute2 and nftables (CI has them; elsewhere the test says why
/// it did not run).
#[test]
fn a_cluster_through_loss_and_a_partition_in_a_namespace_lab() {
    if let Err(why) = Lab::possible() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the lab: {why}"
        );
        eprintln!("chaos lab not run: {why}");
        return;
    }
    let dir = scratch_dir("chaos-lab");
    let lab = Lab::up("cl", &["pce1", "pce2", "pccs"]);
    let (ip_a, ip_b) = (lab.addr("pce1"), lab.addr("pce2"));
    let sources: Vec<String> = (0..PCCS)
        .map(|k| lab.add_address("pccs", 10 + u8::try_from(k).unwrap()))
        .collect();
    let serve = |host: &str, me: &str, peer: &str| {
        let config = dir.join(format!("{host}.toml"));
        std::fs::write(
            &config,
            format!(
                "[pce]\naddress = \"{me}\"\nport = 4189\napi = \"{me}:9189\"\n\
                 keepalive = 1\ndead_timer = 4\nstate_timeout = 300\nredelegation_timeout = 120\n\
                 [state_sync]\n[[state_sync.peers]]\naddress = \"{peer}\"\nport = 4189\n\
                 [[api_tokens]]\nname = \"lab\"\nrole = \"read\"\nsha256 = \"{}\"\n",
                pce_engine::runtime::auth::digest(LAB_TOKEN)
            ),
        )
        .unwrap();
        lab.spawn(
            host,
            &bin_dir().join("pce"),
            &["serve", "--config", &config.display().to_string()],
        )
    };
    let _a = serve("pce1", &ip_a, &ip_b);
    let _b = serve("pce2", &ip_b, &ip_a);
    let _pccs = lab.spawn(
        "pccs",
        &bin_dir().join("pcc-sim"),
        &pcc_args(
            &format!("{ip_a}:4189"),
            &format!("{ip_b}:4189"),
            &sources[0],
        ),
    );
    let (base_a, base_b) = (format!("http://{ip_a}:9189"), format!("http://{ip_b}:9189"));
    // The API is on the lab's addresses: a token is required.
    let (a, b) = (
        Api {
            token: Some(LAB_TOKEN),
            ..Api::new(&base_a, &sources)
        },
        Api {
            token: Some(LAB_TOKEN),
            ..Api::new(&base_b, &sources)
        },
    );
    until("the first sync", || converged(a, b));
    let names: Vec<_> = a.lsps().into_keys().collect();

    // 10% loss on what the PCCs and PCE A send, for five Keepalive rounds:
    // TCP repairs it, no session ends.
    let sessions = b.pcc_sessions_up();
    lab.loss("pccs", 10);
    lab.loss("pce1", 10);
    let heard = a.received();
    until("five Keepalives from each PCC through the loss", || {
        a.received() >= heard + 5 * PCCS as u64
    });
    assert_eq!(a.pcc_sessions_up(), PCCS, "no session lost to 10% loss");
    assert_eq!(b.pcc_sessions_up(), sessions);
    lab.heal("pccs");
    lab.heal("pce1");
    until("converged after the loss", || converged(a, b));

    // PCE A and PCE B cut off from each other: their state-sync session
    // ends at the DeadTimer; each keeps every LSP and every PCC session.
    lab.partition("pce1", "pce2");
    until("the state-sync session ends", || {
        !a.synchronized() && !b.synchronized()
    });
    for pce in [a, b] {
        assert_eq!(pce.lsps().into_keys().collect::<Vec<_>>(), names);
        assert_eq!(pce.pcc_sessions_up(), PCCS);
    }
    lab.heal("pce1");
    until("converged after the partition", || converged(a, b));
    assert_eq!(a.lsps().into_keys().collect::<Vec<_>>(), names);
    quiet(a, b);
    assert!(converged(a, b));
}
