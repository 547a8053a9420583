//! Processes: the operator's intent outlives `kill -9` (`[pce] state`).
//!
//! A stream of API writes (LSPs initiated, their constraints changed,
//! deleted, and creations the PCE refuses) runs against `pce serve` with a
//! PCC connected; the PCE is killed with SIGKILL at a random point, started
//! again on the same state file, and its `/intent` must hold every write
//! the API acknowledged and nothing it refused (the one request in flight
//! at the kill may have gone either way). Then a PCC that lost every LSP
//! connects: the PCE initiates all of them again.
//!
//! `PERSISTENCE_ITERATIONS` (default 12) kills; `PERSISTENCE_SEED` the
//! random kill points and writes. Real time only chooses the kill points
//! and bounds the waits.
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pce_tests::bin_dir;

#[path = "../support/mod.rs"]
mod support;
use support::free_port::free_port;
use support::pages::get;
use support::running::{empty_pcc, spawn, Running};
use support::wait_json::wait_json;

const WAIT: Duration = Duration::from_secs(60);
const PCC: &str = "127.9.0.1";

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A write and what became of it.
#[derive(Clone, Debug)]
enum Write {
    Create(String, u64),
    CreateBad(String),
    Patch(String, u64),
    Delete(String),
}

/// What the API answered: acknowledged LSPs with their last acknowledged
/// bandwidth, names it refused or deleted, and the write without an answer.
#[derive(Debug, Default)]
struct Model {
    acked: BTreeMap<String, u64>,
    refused: BTreeSet<String>,
    deleted: BTreeSet<String>,
    in_flight: Option<Write>,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// One write; its status, or `None` when the PCE did not answer.
fn send(agent: &ureq::Agent, api: u16, w: &Write) -> Option<(u16, String)> {
    let base = format!("http://127.0.0.1:{api}");
    let create = |name: &str, destination: &str, bw: u64| {
        agent
            .post(format!("{base}/lsps"))
            .send_json(serde_json::json!({
                "pcc": PCC, "name": name, "source": "10.0.0.1",
                "destination": destination, "setup": "rsvp", "bandwidth_bps": bw,
            }))
    };
    let r = match w {
        Write::Create(name, bw) => create(name, "10.0.0.4", *bw),
        Write::CreateBad(name) => create(name, "10.9.9.9", 1_000),
        Write::Patch(name, bw) => agent
            .patch(format!("{base}/lsps/{PCC}/{name}"))
            .send_json(serde_json::json!({ "bandwidth_bps": bw })),
        Write::Delete(name) => agent.delete(format!("{base}/lsps/{PCC}/{name}")).call(),
    };
    let mut r = r.ok()?;
    let status = r.status().as_u16();
    let body = r.body_mut().read_to_string().ok()?;
    Some((status, body))
}

/// Writes until the PCE stops answering (or `stop`).
fn write_stream(api: u16, round: usize, seed: u64, model: &mut Model, stop: &AtomicBool) {
    let agent = agent();
    let mut rng = Rng(seed | 1);
    for k in 0.. {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let names: Vec<&String> = model.acked.keys().collect();
        let pick = |rng: &mut Rng| names[rng.below(names.len() as u64) as usize].clone();
        let bw = 1_000_000 * (1 + rng.below(50));
        let w = match rng.below(20) {
            0..=9 => Write::Create(format!("lsp-{round}-{k}"), bw),
            10..=12 => Write::CreateBad(format!("bad-{round}-{k}")),
            13..=16 if !names.is_empty() => Write::Patch(pick(&mut rng), bw),
            17..=19 if !names.is_empty() => Write::Delete(pick(&mut rng)),
            _ => Write::Create(format!("lsp-{round}-{k}"), bw),
        };
        let Some((status, body)) = send(&agent, api, &w) else {
            model.in_flight = Some(w);
            return;
        };
        match (&w, status) {
            (Write::Create(name, bw), 201) => {
                model.acked.insert(name.clone(), *bw);
            }
            // Refused: no session yet, no path, not synchronized.
            (Write::Create(name, _) | Write::CreateBad(name), 404 | 409 | 422) => {
                model.refused.insert(name.clone());
            }
            (Write::Patch(name, bw), 200) => {
                model.acked.insert(name.clone(), *bw);
            }
            (Write::Patch(..), 404 | 422) => {}
            (Write::Delete(name), 200 | 202 | 204) => {
                model.acked.remove(name);
                model.deleted.insert(name.clone());
            }
            (Write::Delete(..), 404 | 422) => {}
            _ => panic!("{w:?}: unexpected answer {status}: {body}"),
        }
    }
}

fn start(config: &std::path::Path, api: u16) -> Running {
    let pce = spawn(
        &bin_dir().join("pce"),
        &["serve", "--config", &config.display().to_string()],
    );
    wait_json(&format!("http://127.0.0.1:{api}/health"), WAIT, |h| {
        h["status"] == "ok"
    });
    pce
}

fn pcc(port: u16) -> Running {
    empty_pcc(port, PCC)
}

/// `/intent`: the initiated LSPs on [`PCC`], by name, with their
/// bandwidth.
fn intent(api: u16) -> BTreeMap<String, u64> {
    // Every page (the LSPs initiated may pass a page's 1,000).
    let (mut all, mut path) = (BTreeMap::new(), Some("/intent".to_owned()));
    while let Some(p) = path {
        let (status, v, next, _) = get(api, &p);
        assert_eq!(status, 200, "{v}");
        all.extend(v["initiated"].as_array().unwrap().iter().map(|i| {
            assert_eq!(i["pcc"], PCC, "{i}");
            let bw = i["constraints"]["bandwidth_bps"].as_f64().unwrap();
            (i["name"].as_str().unwrap().to_owned(), bw.round() as u64)
        }));
        path = next;
    }
    all
}

/// What the restarted PCE holds agrees with what the API answered; the
/// model then takes the in-flight write's outcome from it.
fn check(stored: &BTreeMap<String, u64>, model: &mut Model) {
    let in_flight = model.in_flight.take();
    for name in &model.refused {
        assert!(!stored.contains_key(name), "refused {name} is stored");
    }
    for (name, bw) in &model.acked {
        match (stored.get(name), &in_flight) {
            (Some(s), _) if s == bw => {}
            (Some(s), Some(Write::Patch(n, p))) if n == name && s == p => {}
            (None, Some(Write::Delete(n))) if n == name => {}
            (s, _) => {
                panic!("acknowledged {name} ({bw} b/s) is stored as {s:?}; in flight {in_flight:?}")
            }
        }
    }
    for name in stored.keys() {
        let created_in_flight = matches!(&in_flight, Some(Write::Create(n, _)) if n == name);
        assert!(
            model.acked.contains_key(name) || created_in_flight,
            "{name} is stored but was never acknowledged"
        );
        assert!(!model.deleted.contains(name), "deleted {name} is stored");
    }
    // The in-flight write went the way the store says.
    model.acked = stored.clone();
}

#[test]
fn acknowledged_writes_survive_kill_9_and_refused_ones_never_appear() {
    let iterations: usize = std::env::var("PERSISTENCE_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let seed: u64 = std::env::var("PERSISTENCE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_2026);
    eprintln!("PERSISTENCE_SEED={seed} PERSISTENCE_ITERATIONS={iterations}");
    let dir = pce_tests::scratch_dir("persistence");
    let (port, api) = (free_port(), free_port());
    let config = dir.join("pce.toml");
    std::fs::write(
        &config,
        format!(
            "[pce]\naddress = \"127.0.0.1\"\nport = {port}\napi = \"127.0.0.1:{api}\"\nstate = \"{}\"\n",
            dir.join("state.redb").display()
        ),
    )
    .unwrap();
    let mut rng = Rng(seed);
    let mut model = Model::default();
    let mut pce = start(&config, api);
    let mut sim = pcc(port);
    for round in 0..iterations {
        // The PCC's session is up (it reconnects within a second).
        wait_json(&format!("http://127.0.0.1:{api}/sessions"), WAIT, |s| {
            s.as_array()
                .is_some_and(|s| s.len() == 1 && s[0]["state"] == "Up")
        });
        let stop = Arc::new(AtomicBool::new(false));
        let kill_after = Duration::from_millis(30 + rng.below(400));
        let stream_seed = rng.next();
        let mut m = std::mem::take(&mut model);
        let writer = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                write_stream(api, round, stream_seed, &mut m, &stop);
                m
            })
        };
        std::thread::sleep(kill_after);
        pce.0.kill().unwrap(); // SIGKILL
        pce.0.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        model = writer.join().unwrap();
        pce = start(&config, api);
        let stored = intent(api);
        eprintln!(
            "round {round}: killed after {kill_after:?}; {} acknowledged, {} refused, {} deleted, in flight {:?}; {} stored",
            model.acked.len(),
            model.refused.len(),
            model.deleted.len(),
            model.in_flight,
            stored.len()
        );
        check(&stored, &mut model);
    }
    assert!(
        model.acked.len() >= iterations,
        "too few writes were acknowledged to mean anything: {}",
        model.acked.len()
    );
    assert!(!model.refused.is_empty());
    // A PCC that lost every LSP (a new one at the same address): the PCE
    // initiates every stored LSP on it again.
    drop(sim);
    sim = pcc(port);
    let want = model.acked.len();
    let lsps = wait_json(
        &format!("http://127.0.0.1:{api}/lsps?pcc={PCC}&initiated=true"),
        WAIT,
        |l| l.as_array().is_some_and(|l| l.len() == want),
    );
    let names: BTreeSet<&str> = lsps
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        model
            .acked
            .keys()
            .map(String::as_str)
            .collect::<BTreeSet<_>>()
    );
    drop(sim);
    drop(pce);
}

/// The operator's topology changes outlive `kill -9` too, and hold over
/// the topology file the PCE starts on, until cleared.
#[test]
fn operator_topology_changes_survive_a_kill() {
    let dir = pce_tests::scratch_dir("persistence-topology");
    let (port, api) = (free_port(), free_port());
    let config = dir.join("pce.toml");
    std::fs::write(
        &config,
        format!(
            "[pce]\naddress = \"127.0.0.1\"\nport = {port}\napi = \"127.0.0.1:{api}\"\nstate = \"{}\"\ntopology = \"{}/../examples/topologies/draft-topology-a.json\"\n",
            dir.join("state.redb").display(),
            env!("CARGO_MANIFEST_DIR"),
        ),
    )
    .unwrap();
    let base = format!("http://127.0.0.1:{api}");
    let link_up = |from: &str, to: &str| {
        let t = wait_json(&format!("{base}/topology"), WAIT, |_| true);
        t["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["from"] == from && l["to"] == to)
            .map(|l| l["up"].as_bool().unwrap())
            .unwrap()
    };
    let node_up = |n: &str| {
        let t = wait_json(&format!("{base}/topology"), WAIT, |_| true);
        t["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == n)
            .map(|x| x["up"].as_bool().unwrap())
            .unwrap()
    };
    let agent = agent();
    let mut pce = start(&config, api);
    for (path, body) in [
        ("/topology/links/R1/R3", serde_json::json!({ "up": false })),
        ("/topology/nodes/R4", serde_json::json!({ "up": false })),
    ] {
        let r = agent
            .patch(format!("{base}{path}"))
            .send_json(body)
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
    }
    assert!(!link_up("R1", "R3") && !link_up("R3", "R1") && !node_up("R4"));
    // Killed, started again on the file: the changes hold.
    let _ = pce.0.kill();
    let _ = pce.0.wait();
    pce = start(&config, api);
    assert!(!link_up("R1", "R3") && !link_up("R3", "R1") && !node_up("R4"));
    let intent = wait_json(&format!("{base}/intent"), WAIT, |_| true);
    assert_eq!(intent["topology"].as_array().unwrap().len(), 2, "{intent}");
    // Cleared: after the next start the file stands as it is.
    let mut r = agent
        .delete(format!("{base}/topology/overrides"))
        .call()
        .unwrap();
    assert_eq!(
        r.body_mut().read_json::<serde_json::Value>().unwrap()["cleared"],
        2
    );
    let _ = pce.0.kill();
    let _ = pce.0.wait();
    let _pce = start(&config, api);
    assert!(link_up("R1", "R3") && link_up("R3", "R1") && node_up("R4"));
}
