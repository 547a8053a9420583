//! `pce serve` and `pcc-sim` as processes over loopback: delegated LSPs get
//! their computed paths by PCUpd and acknowledge them; an LSP initiated
//! through the management API is created on the PCC; a session going down
//! and up resynchronizes without losing anything. Every wait is on a
//! condition with a deadline.
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const WAIT: Duration = Duration::from_secs(30);

#[path = "../../tests/support/free_port.rs"]
mod free_port;
use free_port::free_port;

/// The `pce` binary, built beside `pcc-sim` (cargo test --workspace builds
/// it; a lone `cargo test -p pce-tools` builds it here).
fn pce_binary() -> PathBuf {
    let sim = PathBuf::from(env!("CARGO_BIN_EXE_pcc-sim"));
    let pce = sim.with_file_name("pce");
    if !pce.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", "pce-engine", "--bin", "pce"])
            .status()
            .unwrap();
        assert!(status.success(), "cannot build the pce binary");
    }
    pce
}

struct Pce {
    child: Child,
    port: u16,
    /// Its stderr (the log).
    log: PathBuf,
    address: String,
    api: String,
    _dir: TempDir,
}

impl Drop for Pce {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let p = std::env::temp_dir().join(format!("pcc-sim-test-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn start_pce(tag: &str) -> Pce {
    start_pce_with(tag, "127.0.0.1", free_port(), "")
}

/// A PCE on `address:port` with more configuration (`extra`, TOML).
fn start_pce_with(tag: &str, address: &str, port: u16, extra: &str) -> Pce {
    start_pce_args(tag, address, port, extra, &[])
}

/// The same, with more arguments to `pce serve`.
fn start_pce_args(tag: &str, address: &str, port: u16, extra: &str, args: &[&str]) -> Pce {
    let api_port = free_port();
    let dir = TempDir::new(tag);
    let config = dir.0.join("pce.toml");
    std::fs::write(
        &config,
        format!(
            "[pce]\naddress = \"{address}\"\nport = {port}\napi = \"127.0.0.1:{api_port}\"\nstate_timeout = 300\n{extra}"
        ),
    )
    .unwrap();
    let log = dir.0.join("pce.log");
    let child = Command::new(pce_binary())
        .args(["serve", "--config"])
        .arg(&config)
        .args(args)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let pce = Pce {
        child,
        port,
        log,
        address: address.to_string(),
        api: format!("http://127.0.0.1:{api_port}"),
        _dir: dir,
    };
    wait_for(|| get(&pce, "/health").ok().filter(|h| h["status"] == "ok"));
    pce
}

fn get(pce: &Pce, path: &str) -> Result<Value, String> {
    let mut r = ureq::get(&format!("{}{path}", pce.api))
        .call()
        .map_err(|e| e.to_string())?;
    r.body_mut().read_json().map_err(|e| e.to_string())
}

fn wait_for<T>(mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "condition not met within {WAIT:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn sim(pce: &Pce, base: &str, record: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pcc-sim"))
        .args(["--pce", &format!("{}:{}", pce.address, pce.port)])
        .args(["--source-base", base, "--record"])
        .arg(record)
        .args(["--timeout", "30"])
        .args(extra)
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

/// Two PCCs with two delegated LSPs each (PCC1->PCC2 and PCC3->PCC4 of
/// the draft's topology, reported on a detour); the simulator ends once it
/// has seen `updates` updates and 5 LSPs (one more is initiated).
fn two_pccs_delegating(pce: &Pce, base: &str, record: &Path, updates: &str) -> Child {
    sim(
        pce,
        base,
        record,
        &[
            "--pccs",
            "2",
            "--lsps",
            "2",
            "--delegate",
            "--expect-updates",
            updates,
            "--expect-lsps",
            "5",
        ],
    )
}

fn finish(mut child: Child) {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "pcc-sim failed: {status}");
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("pcc-sim did not finish within {WAIT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn lsp<'a>(record: &'a Value, pcc: usize, name: &str) -> &'a Value {
    record["pccs"][pcc]["lsps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("no LSP {name} on PCC {pcc}: {record}"))
}

fn path(v: &Value) -> Vec<&str> {
    v["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect()
}

#[test]
fn delegated_lsps_are_updated_and_initiated_lsps_created() {
    let pce = start_pce("delegation");
    // Hostile and broken peers beside the PCCs: one sends garbage, one
    // connects and says nothing. Neither may disturb the others.
    let mut garbage = std::net::TcpStream::connect(("127.0.0.1", pce.port)).unwrap();
    let _ = std::io::Write::write_all(&mut garbage, &[0xff; 4096]);
    let _silent = std::net::TcpStream::connect(("127.0.0.1", pce.port)).unwrap();
    let dir = TempDir::new("delegation-record");
    let record = dir.0.join("record.json");
    // Two PCCs, two delegated LSPs each (PCC1->PCC2 and PCC3->PCC4 of the
    // draft's topology, reported on a detour); one more LSP is initiated.
    let child = two_pccs_delegating(&pce, "127.11.0.1", &record, "5");
    // Every delegated LSP updated and acknowledged.
    wait_for(|| {
        let l = get(&pce, "/lsps?delegated=true").ok()?;
        let all = l.as_array()?;
        (all.len() == 4
            && all
                .iter()
                .all(|x| x["updates"] == 1 && x["pending_srp"].is_null()))
        .then_some(())
    });
    // Per-session counters: the PCCs' sessions carried reports and updates.
    let sessions = get(&pce, "/sessions").unwrap();
    let up: Vec<&Value> = sessions
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["state"] == "Up")
        .collect();
    assert_eq!(up.len(), 2, "{sessions}");
    assert!(
        up.iter()
            .all(|s| s["counters"]["received"].as_u64().unwrap() >= 3
                && s["counters"]["sent"].as_u64().unwrap() >= 3),
        "{sessions}"
    );
    // Prometheus: messages by type, the session layer's included.
    let metrics = ureq::get(&format!("{}/metrics", pce.api))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    for line in [
        "pce_messages_received_total{type=\"Open\"} ",
        "pce_messages_received_total{type=\"PCRpt\"} ",
        "pce_messages_sent_total{type=\"PCUpd\"} 4",
        "pce_sessions{role=\"pcc\",state=\"Up\"} 2",
        "pce_updates_acked_total 4",
    ] {
        assert!(metrics.contains(line), "{line:?} not in\n{metrics}");
    }
    let mut r = ureq::post(&format!("{}/lsps", pce.api))
        .send_json(serde_json::json!({
            "pcc": "127.11.0.1", "name": "init-1", "source": "10.0.0.1",
            "destination": "10.0.0.4", "setup": "rsvp"
        }))
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.body_mut().read_json().unwrap();
    assert!(created["srp_id"].as_u64().unwrap() > 0);
    // The same name again: 409 with a message.
    let again = ureq::post(&format!("{}/lsps", pce.api))
        .config()
        .http_status_as_error(false)
        .build()
        .send_json(serde_json::json!({
            "pcc": "127.11.0.1", "name": "init-1", "source": "10.0.0.1", "destination": "10.0.0.4"
        }))
        .unwrap();
    assert_eq!(again.status(), 409);
    // The operator hands one LSP back to its PCC: a PCUpd with D=0.
    let back = ureq::delete(&format!("{}/lsps/127.11.0.1/pcc0-lsp1/delegation", pce.api))
        .call()
        .unwrap();
    assert_eq!(back.status(), 200);
    finish(child);
    // The garbage session was closed (PCErr, Close); the silent one waits
    // in OpenWait for its timer.
    wait_for(|| {
        let sessions = get(&pce, "/sessions").ok()?;
        let states: Vec<&str> = sessions
            .as_array()?
            .iter()
            .filter_map(|s| s["state"].as_str())
            .collect();
        (states == ["OpenWait"]).then_some(())
    });

    let rec: Value = serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    for (pcc, n) in [(0, 3), (1, 2)] {
        let updates = rec["pccs"][pcc]["updates"].as_array().unwrap();
        assert_eq!(
            updates.len(),
            n,
            "one update per LSP, one return: {updates:?}"
        );
        assert!(updates.iter().all(|u| u["answer"] == "ack"));
    }
    assert_eq!(lsp(&rec, 0, "pcc0-lsp1")["delegate"], false, "returned");
    assert_eq!(lsp(&rec, 0, "pcc0-lsp0")["delegate"], true);
    // The draft's Topology A: PCC1-R1-R3-R4-R2-PCC2 (IGP 5), not R1-R2.
    assert_eq!(
        path(lsp(&rec, 0, "pcc0-lsp0")),
        ["10.0.0.5", "10.0.0.7", "10.0.0.8", "10.0.0.6", "10.0.0.2"]
    );
    assert_eq!(
        path(lsp(&rec, 0, "pcc0-lsp1")),
        ["10.0.0.7", "10.0.0.8", "10.0.0.4"]
    );
    let init = lsp(&rec, 0, "init-1");
    assert_eq!(init["initiated_by"], 0);
    assert_eq!(path(init), ["10.0.0.5", "10.0.0.7", "10.0.0.8", "10.0.0.4"]);
}

#[test]
fn session_down_and_up_resynchronizes_without_loss() {
    let pce = start_pce("resync");
    let dir = TempDir::new("resync-record");
    let record = dir.0.join("record.json");
    let scenario = dir.0.join("scenario.json");
    std::fs::write(
        &scenario,
        r#"{"events": [
            {"at_ms": 0, "action": "session_down", "pce": 0},
            {"at_ms": 50, "action": "add_lsp", "name": "late", "source": "10.0.0.3", "destination": "10.0.0.4"},
            {"at_ms": 100, "action": "session_up", "pce": 0}
        ]}"#,
    )
    .unwrap();
    let child = sim(
        &pce,
        "127.12.0.1",
        &record,
        &[
            "--lsps",
            "3",
            "--delegate",
            "--scenario",
            scenario.to_str().unwrap(),
            "--expect-updates",
            "4",
            "--expect-lsps",
            "4",
        ],
    );
    finish(child);
    // After the resync the PCE holds all four LSPs, all delegated, with the
    // paths it computed, and nothing is pending.
    let lsps = wait_for(|| {
        let l = get(&pce, "/lsps?pcc=127.12.0.1").ok()?;
        (l.as_array()?.len() == 4).then_some(l)
    });
    let rec: Value = serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    let updates = rec["pccs"][0]["updates"].as_array().unwrap();
    // Three LSPs updated before the session went down, the new one after; the
    // old ones were acknowledged already and are not updated again.
    assert!(updates.len() >= 4, "{updates:?}");
    let late: Vec<_> = updates.iter().filter(|u| u["name"] == "late").collect();
    assert_eq!(late.len(), 1, "{updates:?}");
    for name in ["pcc0-lsp0", "pcc0-lsp1", "pcc0-lsp2"] {
        let n = updates.iter().filter(|u| u["name"] == name).count();
        assert!((1..=2).contains(&n), "{name}: {n} updates");
    }
    assert!(lsps
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["delegated"] == true));
}

#[test]
fn pcc_fails_over_to_its_second_pce() {
    let (a, b) = (start_pce("failover-a"), start_pce("failover-b"));
    let dir = TempDir::new("failover-record");
    let scenario = dir.0.join("scenario.json");
    std::fs::write(
        &scenario,
        r#"{"events": [{"at_ms": 300, "action": "session_down", "pce": 0}]}"#,
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pcc-sim"))
        .args(["--pce", &format!("{}:{}", a.address, a.port)])
        .args(["--pce", &format!("{}:{}", b.address, b.port)])
        .args(["--source-base", "127.13.0.1", "--lsps", "2", "--delegate"])
        .args(["--redelegation-timeout", "0", "--seconds", "60"])
        .arg("--scenario")
        .arg(&scenario)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // First PCE A holds the delegations and B only the state; then the
    // session to A goes down and B gets them, computes and (if A's updates
    // had not landed) updates: either way both LSPs end on the computed
    // path, delegated to B, nothing pending.
    wait_for(|| {
        let l = get(&a, "/lsps?delegated=true").ok()?;
        (l.as_array()?.len() == 2).then_some(())
    });
    let settled = wait_for(|| {
        let l = get(&b, "/lsps?pcc=127.13.0.1").ok()?;
        let all = l.as_array()?;
        (all.len() == 2
            && all.iter().all(|x| {
                x["delegated"] == true
                    && x["pending_srp"].is_null()
                    && x["computed_path"] == x["reported_path"]
            }))
        .then_some(l)
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        settled[0]["reported_path"],
        serde_json::json!(["10.0.0.5", "10.0.0.7", "10.0.0.8", "10.0.0.6", "10.0.0.2"])
    );
}

/// The draft's scenario 5 (Topology B) with real processes: PCC1 on PCE1
/// (delegating) and PCE2, PCC3 on PCE2 (delegating) and PCE1, one disjoint
/// group. Returns the two simulators' records after `seconds`.
fn scenario_5(tag: &str, state_sync: bool, seconds: &str) -> (Value, Value, Pce, Pce) {
    let port = free_port();
    let topology = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/topologies/draft-topology-b.json");
    let sync = |me: &str, prio: u32, peer: &str, peer_prio: u32| {
        if state_sync {
            format!(
                "topology = {topology:?}\n[state_sync]\npriority = {prio}\n[[state_sync.peers]]\naddress = \"{peer}\"\nport = {port}\npriority = {peer_prio}\n"
            )
        } else {
            format!("topology = {topology:?}\n")
        }
        .replace("{me}", me)
    };
    let (a1, a2) = ("127.0.0.11", "127.0.0.12");
    let pce1 = start_pce_with(&format!("{tag}-1"), a1, port, &sync(a1, 200, a2, 100));
    let pce2 = start_pce_with(&format!("{tag}-2"), a2, port, &sync(a2, 100, a1, 200));
    if state_sync {
        wait_for(|| {
            let p = get(&pce1, "/peers").ok()?;
            (p["mesh_complete"] == true && p["peers"][0]["synchronized"] == true).then_some(())
        });
    }
    let dir = TempDir::new(&format!("{tag}-records"));
    // Each PCC configures its LSP (no path yet) 300 ms after its sessions
    // are up: the two LSPs appear at about the same time, as in the draft;
    // PCC-to-PCE latency is 20 ms (the draft's motivation: PCE-PCC paths are
    // slower than PCE-PCE ones), so each PCE acts on the other's old path.
    let run = |pces: [&Pce; 2], base: &str, (from, to): (&str, &str), name: &str| {
        let scenario = dir.0.join(format!("{name}.scenario.json"));
        std::fs::write(
            &scenario,
            format!(
                r#"{{"events": [{{"at_ms": 300, "action": "add_lsp", "name": "lsp", "source": "{from}",
                   "destination": "{to}", "disjoint_group": 1, "group_source": "192.0.2.100"}}]}}"#
            ),
        )
        .unwrap();
        Command::new(env!("CARGO_BIN_EXE_pcc-sim"))
            .args(["--pce", &format!("{}:{}", pces[0].address, pces[0].port)])
            .args(["--pce", &format!("{}:{}", pces[1].address, pces[1].port)])
            .args(["--source-base", base, "--lsps", "0", "--latency-ms", "20"])
            .arg("--scenario")
            .arg(&scenario)
            .args(["--seconds", seconds, "--timeout", "30", "--record"])
            .arg(dir.0.join(format!("{name}.json")))
            .stdout(Stdio::null())
            .spawn()
            .unwrap()
    };
    let (r1, r3) = (dir.0.join("pcc1.json"), dir.0.join("pcc3.json"));
    let s1 = run(
        [&pce1, &pce2],
        "127.21.0.1",
        ("10.0.0.1", "10.0.0.2"),
        "pcc1",
    );
    let s3 = run(
        [&pce2, &pce1],
        "127.22.0.1",
        ("10.0.0.3", "10.0.0.4"),
        "pcc3",
    );
    finish(s1);
    finish(s3);
    let read =
        |p: &Path| -> Value { serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap() };
    (read(&r1), read(&r3), pce1, pce2)
}

/// Without state-sync the two PCEs chase each other: within the run the
/// LSPs are updated over and over.
#[test]
fn scenario_5_flaps_without_state_sync() {
    let (r1, r3, _a, _b) = scenario_5("s5-off", false, "3");
    let n1 = r1["pccs"][0]["updates"].as_array().unwrap().len();
    let n3 = r3["pccs"][0]["updates"].as_array().unwrap().len();
    assert!(n1 > 20 && n3 > 20, "flapping: {n1} and {n3} updates in 3 s");
}

/// With state-sync and priorities (PCE1 200, PCE2 100): PCE1 computes both,
/// LSP1 = R1-PCC2, LSP2 = R3-PCC4 (via PCE2), at most two updates each in
/// the same window.
#[test]
fn scenario_5_converges_with_state_sync() {
    let (r1, r3, pce1, pce2) = scenario_5("s5-on", true, "3");
    let n1 = r1["pccs"][0]["updates"].as_array().unwrap().len();
    let n3 = r3["pccs"][0]["updates"].as_array().unwrap().len();
    assert!(
        n1 <= 2 && n3 <= 2,
        "bounded: {n1} and {n3} updates: {} {}",
        r1["pccs"][0]["updates"],
        r3["pccs"][0]["updates"]
    );
    assert_eq!(path(lsp(&r1, 0, "lsp")), ["10.0.0.5", "10.0.0.2"]);
    assert_eq!(path(lsp(&r3, 0, "lsp")), ["10.0.0.6", "10.0.0.4"]);
    let c2 = get(&pce2, "/counters").unwrap();
    assert!(c2["relayed_updates"].as_u64().unwrap() >= 1, "{c2}");
    let c1 = get(&pce1, "/counters").unwrap();
    assert_eq!(c1["relayed_updates"], 0, "PCE1 computes, it relays nothing");
    // One PCE computes the whole group, as both PCEs see it.
    for pce in [&pce1, &pce2] {
        let groups = get(pce, "/associations").unwrap();
        assert_eq!(
            groups[0]["members"].as_array().unwrap().len(),
            2,
            "{groups}"
        );
        assert_eq!(groups[0]["computed_by_one_pce"], true, "{groups}");
    }
}

/// Failover end to end (Example 1's layout, Topology A): PCC1 on PCE1 only,
/// PCC3 on PCE2 only, PCE2 (200) computes both. PCE2 is killed with
/// SIGKILL: PCE1 takes LSP1 back (next highest: itself), the paths stay.
/// PCE2 restarts: the PCEs resync and PCE2 computes again.
#[test]
fn computing_pce_killed_and_restarted() {
    let port = free_port();
    let topology = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/topologies/draft-topology-a.json");
    let (a1, a2) = ("127.0.0.13", "127.0.0.14");
    let conf = |prio: u32, peer: &str, peer_prio: u32| {
        format!(
            "topology = {topology:?}\n[state_sync]\npriority = {prio}\n[[state_sync.peers]]\naddress = \"{peer}\"\nport = {port}\npriority = {peer_prio}\n"
        )
    };
    let pce1 = start_pce_with("kill-1", a1, port, &conf(100, a2, 200));
    let mut pce2 = start_pce_with("kill-2", a2, port, &conf(200, a1, 100));
    let sim = |pce: &Pce, base: &str, ends: &str| {
        Command::new(env!("CARGO_BIN_EXE_pcc-sim"))
            .args(["--pce", &format!("{}:{}", pce.address, pce.port)])
            .args(["--source-base", base, "--endpoints", ends, "--delegate"])
            .args(["--group", "1", "--group-source", "192.0.2.100"])
            .args(["--seconds", "120"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut s1 = sim(&pce1, "127.23.0.1", "10.0.0.1:10.0.0.2");
    let mut s3 = sim(&pce2, "127.24.0.1", "10.0.0.3:10.0.0.4");
    let lsp1_path = serde_json::json!(["10.0.0.5", "10.0.0.6", "10.0.0.2"]);
    // Converged: PCE2 computes, LSP1 over R1-R2 (disjoint from LSP2).
    wait_for(|| {
        let l = get(&pce1, "/lsps?pcc=127.23.0.1").ok()?;
        let x = l.get(0)?.clone();
        (x["reported_path"] == lsp1_path && x["sub_delegated_to"] == a2).then_some(())
    });
    let _ = pce2.child.kill();
    let _ = pce2.child.wait();
    // PCE1 notices, takes LSP1 back and leaves it where it is.
    wait_for(|| {
        let p = get(&pce1, "/peers").ok()?;
        let l = get(&pce1, "/lsps?pcc=127.23.0.1").ok()?;
        let x = l.get(0)?.clone();
        (p["peers"][0]["session_up"] == false
            && x["computing_pce"] == a1
            && x["delegated"] == true
            && x["reported_path"] == lsp1_path)
            .then_some(())
    });
    assert_eq!(
        get(&pce1, "/lsps").unwrap().as_array().unwrap().len(),
        2,
        "LSP2 kept during the grace period"
    );
    // PCE2 comes back: the PCEs resync; LSP1 is sub-delegated to it again.
    let pce2b = start_pce_with("kill-2b", a2, port, &conf(200, a1, 100));
    wait_for(|| {
        let p = get(&pce1, "/peers").ok()?;
        let l = get(&pce1, "/lsps?pcc=127.23.0.1").ok()?;
        let x = l.get(0)?.clone();
        let back = get(&pce2b, "/lsps").ok()?.as_array()?.len() == 2;
        (p["peers"][0]["synchronized"] == true
            && x["sub_delegated_to"] == a2
            && x["reported_path"] == lsp1_path
            && back)
            .then_some(())
    });
    let _ = s1.kill();
    let _ = s3.kill();
    let _ = s1.wait();
    let _ = s3.wait();
}

/// A PCC of a process-level scenario: its address, its PCEs (indices, in
/// preference order), its LSP's ends, when the LSP is configured.
struct ScenarioPcc {
    base: &'static str,
    pces: &'static [usize],
    from: &'static str,
    to: &'static str,
    at_ms: u64,
}

impl ScenarioPcc {
    /// PCC1 (at `base`) with LSP1, PCC1 to PCC2, configured at 100 ms.
    const fn lsp1(base: &'static str, pces: &'static [usize]) -> Self {
        Self {
            base,
            pces,
            from: "10.0.0.1",
            to: "10.0.0.2",
            at_ms: 100,
        }
    }

    /// PCC3 (at `base`) with LSP2, PCC3 to PCC4, configured at 600 ms.
    const fn lsp2(base: &'static str, pces: &'static [usize]) -> Self {
        Self {
            base,
            pces,
            from: "10.0.0.3",
            to: "10.0.0.4",
            at_ms: 600,
        }
    }
}

/// Run a draft scenario with real processes: PCEs on 127.0.0.2x (with
/// `sync`: a full mesh of state-sync sessions, the given global priorities),
/// one pcc-sim per PCC, one disjoint group, each LSP configured at its time
/// (without a path), PCC-to-PCE latency 5 ms. Returns each PCC's record
/// after `seconds`.
fn run_scenario(
    tag: &str,
    topology: &str,
    priorities: &[u32],
    sync: bool,
    strict: bool,
    pccs: &[ScenarioPcc],
    seconds: &str,
) -> Vec<Value> {
    let port = free_port();
    let topology = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/topologies")
        .join(topology);
    let addr = |i: usize| format!("127.0.0.{}", 21 + i);
    let pces: Vec<Pce> = priorities
        .iter()
        .enumerate()
        .map(|(i, prio)| {
            let mut extra = format!("topology = {topology:?}\n");
            if sync {
                extra.push_str(&format!("[state_sync]\npriority = {prio}\n"));
                for (j, p) in priorities.iter().enumerate().filter(|(j, _)| *j != i) {
                    extra.push_str(&format!(
                        "[[state_sync.peers]]\naddress = \"{}\"\nport = {port}\npriority = {p}\n",
                        addr(j)
                    ));
                }
            }
            start_pce_with(&format!("{tag}-{i}"), &addr(i), port, &extra)
        })
        .collect();
    if sync {
        for p in &pces {
            wait_for(|| {
                let v = get(p, "/peers").ok()?;
                let all = v["peers"]
                    .as_array()?
                    .iter()
                    .all(|x| x["synchronized"] == true);
                (v["mesh_complete"] == true && all).then_some(())
            });
        }
    }
    let dir = TempDir::new(&format!("{tag}-records"));
    let children: Vec<(Child, PathBuf)> = pccs
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let scenario = dir.0.join(format!("{k}.scenario.json"));
            std::fs::write(
                &scenario,
                format!(
                    r#"{{"events": [{{"at_ms": {}, "action": "add_lsp", "name": "lsp", "source": "{}",
                       "destination": "{}", "disjoint_group": 1, "group_source": "192.0.2.100", "strict": {strict}}}]}}"#,
                    c.at_ms, c.from, c.to
                ),
            )
            .unwrap();
            let record = dir.0.join(format!("{k}.json"));
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_pcc-sim"));
            for &i in c.pces {
                cmd.args(["--pce", &format!("{}:{port}", addr(i))]);
            }
            let child = cmd
                .args(["--source-base", c.base, "--lsps", "0", "--latency-ms", "5"])
                .arg("--scenario")
                .arg(&scenario)
                .args(["--seconds", seconds, "--timeout", "30", "--record"])
                .arg(&record)
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            (child, record)
        })
        .collect();
    children
        .into_iter()
        .map(|(child, record)| {
            finish(child);
            serde_json::from_str(&std::fs::read_to_string(record).unwrap()).unwrap()
        })
        .collect()
}

fn final_path(rec: &Value) -> Vec<String> {
    rec["pccs"][0]["lsps"][0]["path"]
        .as_array()
        .map(|a| a.iter().map(|h| h.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn update_count(rec: &Value) -> usize {
    rec["pccs"][0]["updates"].as_array().map_or(0, Vec::len)
}

/// Topology A's optimal disjoint pair, reached with at most two updates
/// for LSP1 and one for LSP2.
fn assert_optimal_pair(r: &[Value]) {
    assert_eq!(final_path(&r[0]), VIA_R1_R2);
    assert_eq!(final_path(&r[1]), VIA_R3_R4);
    assert!(update_count(&r[0]) <= 2 && update_count(&r[1]) <= 1);
}

const VIA_R1_R2: [&str; 3] = ["10.0.0.5", "10.0.0.6", "10.0.0.2"];
const VIA_R3_R4: [&str; 3] = ["10.0.0.7", "10.0.0.8", "10.0.0.4"];
const SHORTEST_1_2: [&str; 5] = ["10.0.0.5", "10.0.0.7", "10.0.0.8", "10.0.0.6", "10.0.0.2"];

/// Scenario 1 (Topology A): both PCCs delegate to PCE1; LSP1 first (its
/// shortest path), then LSP2: LSP1 moves to R1-R2-PCC2, LSP2 takes
/// R3-R4-PCC4.
#[test]
fn scenario_1_single_pce_with_processes() {
    let r = run_scenario(
        "s1",
        "draft-topology-a.json",
        &[0],
        false,
        false,
        &[
            ScenarioPcc::lsp1("127.51.0.1", &[0]),
            ScenarioPcc::lsp2("127.52.0.1", &[0]),
        ],
        "1.5",
    );
    assert_optimal_pair(&r);
}

/// Scenario 2: PCC1 only on PCE2, PCC3 on PCE1 (delegating) and PCE2.
/// LSP1 gets its shortest path from PCE2; PCE1 gives LSP2 its shortest;
/// PCE2, holding LSP1 and seeing LSP2, moves LSP1: disjoint by luck.
#[test]
fn scenario_2_disjoint_by_luck_with_processes() {
    let r = run_scenario(
        "s2",
        "draft-topology-a.json",
        &[0, 0],
        false,
        false,
        &[
            ScenarioPcc::lsp1("127.53.0.1", &[1]),
            ScenarioPcc::lsp2("127.54.0.1", &[0, 1]),
        ],
        "1.5",
    );
    assert_optimal_pair(&r);
}

/// Scenario 3 (strict): PCC1 on PCE1 (delegating) and PCE2, PCC3 on PCE2
/// only. PCE2 cannot move LSP1 and finds no link-disjoint path for LSP2:
/// LSP2 gets none, LSP1 keeps its shortest path.
#[test]
fn scenario_3_no_solution_with_processes() {
    let r = run_scenario(
        "s3",
        "draft-topology-a.json",
        &[0, 0],
        false,
        true,
        &[
            ScenarioPcc::lsp1("127.55.0.1", &[0, 1]),
            ScenarioPcc::lsp2("127.56.0.1", &[1]),
        ],
        "1.5",
    );
    assert_eq!(final_path(&r[0]), SHORTEST_1_2);
    assert_eq!(update_count(&r[1]), 0, "no path for LSP2");
    assert!(final_path(&r[1]).is_empty());
}

/// Scenario 4 (fallback): PCC1 delegates to PCE1, PCC3 to PCE2, each
/// reporting to both. LSP2 falls back to its shortest path; PCE1 then
/// moves LSP1: disjoint after one extra round, and it stays there.
#[test]
fn scenario_4_fallback_converges_with_processes() {
    let r = run_scenario(
        "s4",
        "draft-topology-a.json",
        &[0, 0],
        false,
        false,
        &[
            ScenarioPcc::lsp1("127.57.0.1", &[0, 1]),
            ScenarioPcc::lsp2("127.58.0.1", &[1, 0]),
        ],
        "1.5",
    );
    assert_optimal_pair(&r);
}

/// Scenario 6 (Topology A, two domains): PCE1/PCE2 serve PCC1 and PCC3,
/// PCE3/PCE4 serve PCC2 and PCC4; disjoint LSPs PCC1->PCC2 and PCC4->PCC3.
/// Without state-sync no PCE knows both (they share R3-R4); with a full
/// mesh of four and PCE1 the highest, PCE1 computes both: disjoint.
#[test]
fn scenario_6_two_domains_with_processes() {
    let layout = [
        ScenarioPcc::lsp1("127.59.0.1", &[0, 1]),
        ScenarioPcc {
            base: "127.60.0.1",
            pces: &[2, 3],
            from: "10.0.0.4",
            to: "10.0.0.3",
            at_ms: 100,
        },
    ];
    let off = run_scenario(
        "s6-off",
        "draft-topology-a.json",
        &[400, 300, 200, 100],
        false,
        false,
        &layout,
        "1.5",
    );
    assert_eq!(
        final_path(&off[0]),
        SHORTEST_1_2,
        "PCE1 alone: LSP1's shortest path"
    );
    assert_eq!(
        final_path(&off[1]),
        ["10.0.0.8", "10.0.0.7", "10.0.0.3"],
        "PCE3 alone: over R4-R3 too"
    );
    let on = run_scenario(
        "s6-on",
        "draft-topology-a.json",
        &[400, 300, 200, 100],
        true,
        false,
        &layout,
        "1.5",
    );
    assert_eq!(final_path(&on[0]), VIA_R1_R2);
    assert_eq!(final_path(&on[1]), ["10.0.0.8", "10.0.0.7", "10.0.0.3"]);
}

/// SIGHUP reloads the topology: a delegated LSP moves to the path the new
/// metrics make shortest; a bad file is refused and the running topology
/// stays.
#[test]
fn sighup_reloads_the_topology_and_refuses_a_bad_one() {
    let dir = TempDir::new("reload-topology");
    let topo = dir.0.join("topology.json");
    let original = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/topologies/draft-topology-a.json"),
    )
    .unwrap();
    std::fs::write(&topo, &original).unwrap();
    let pce = start_pce_with(
        "reload",
        "127.0.0.1",
        free_port(),
        &format!("topology = {topo:?}\n"),
    );
    let mut sim = Command::new(env!("CARGO_BIN_EXE_pcc-sim"))
        .args(["--pce", &format!("{}:{}", pce.address, pce.port)])
        .args([
            "--source-base",
            "127.61.0.1",
            "--endpoints",
            "10.0.0.1:10.0.0.2",
            "--delegate",
        ])
        .args(["--seconds", "60"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let path_is = |want: &[&str]| {
        let l = get(&pce, "/lsps").ok()?;
        let x = l.get(0)?;
        (x["reported_path"] == serde_json::json!(want) && x["pending_srp"].is_null()).then_some(())
    };
    wait_for(|| path_is(&["10.0.0.5", "10.0.0.7", "10.0.0.8", "10.0.0.6", "10.0.0.2"]));
    // R1-R2 becomes cheap: the LSP is moved there.
    let mut t: Value = serde_json::from_str(&original).unwrap();
    for l in t["links"].as_array_mut().unwrap() {
        if l["a"] == "R1" && l["b"] == "R2" {
            l["igp_metric"] = serde_json::json!(1);
        }
    }
    std::fs::write(&topo, serde_json::to_string(&t).unwrap()).unwrap();
    let hup = |pce: &Pce| {
        let ok = Command::new("kill")
            .args(["-HUP", &pce.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    };
    hup(&pce);
    wait_for(|| path_is(&["10.0.0.5", "10.0.0.6", "10.0.0.2"]));
    // A broken file: refused, the PCE keeps serving the topology it had.
    std::fs::write(&topo, "{ not json").unwrap();
    hup(&pce);
    let r1_r2 = || {
        let t = get(&pce, "/topology").ok()?;
        t["links"]
            .as_array()?
            .iter()
            .find(|l| l["from"] == "R1" && l["to"] == "R2")
            .map(|l| l["igp_metric"].clone())
    };
    wait_for(|| {
        std::fs::read_to_string(&pce.log)
            .ok()?
            .contains("reload refused, the running configuration stays")
            .then_some(())
    });
    assert_eq!(r1_r2(), Some(serde_json::json!(1)));
    assert!(get(&pce, "/health").is_ok(), "still serving");
    let _ = sim.kill();
    let _ = sim.wait();
}

/// `pce serve --record`: a run with PCCs delegating, an initiation through
/// the API and a PCC going away replays through a fresh core to the same
/// outputs (`pce replay --check`); a recording whose outputs were altered
/// is caught.
#[test]
fn a_recorded_run_replays_to_the_same_outputs() {
    let dir = TempDir::new("replay-files");
    let recording = dir.0.join("run.jsonl");
    let rec = recording.to_str().unwrap().to_string();
    let pce = start_pce_args("replay", "127.0.0.1", free_port(), "", &["--record", &rec]);
    let record = dir.0.join("sim.json");
    let child = two_pccs_delegating(&pce, "127.13.0.1", &record, "4");
    wait_for(|| {
        let l = get(&pce, "/lsps?delegated=true").ok()?;
        let all = l.as_array()?;
        (all.len() == 4 && all.iter().all(|x| x["pending_srp"].is_null())).then_some(())
    });
    let r = ureq::post(&format!("{}/lsps", pce.api))
        .send_json(serde_json::json!({
            "pcc": "127.13.0.1", "name": "init-1", "source": "10.0.0.1",
            "destination": "10.0.0.4", "setup": "rsvp"
        }))
        .unwrap();
    assert_eq!(r.status(), 201);
    finish(child);
    // The PCCs are gone: both sessions went down in the core.
    wait_for(|| {
        let s = get(&pce, "/sessions").ok()?;
        s.as_array()?.is_empty().then_some(())
    });
    drop(pce);
    let replay = |file: &Path| {
        Command::new(pce_binary())
            .args(["replay", "--check", "--quiet"])
            .arg(file)
            .output()
            .unwrap()
    };
    let out = replay(&recording);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("the same outputs as recorded"), "{stderr}");
    let text = std::fs::read_to_string(&recording).unwrap();
    let outputs = text
        .lines()
        .filter(|l| l.starts_with("{\"output\""))
        .count();
    let inputs = text.lines().filter(|l| l.starts_with("{\"input\"")).count();
    // Four PCUpd and the PCInitiate; Opens, reports, the API command,
    // sessions going down.
    assert!(
        outputs >= 5 && inputs >= 10,
        "{inputs} inputs, {outputs} outputs"
    );
    // Cut in the middle of its last line (a writer killed): what precedes
    // the cut replays, and its outputs begin the replay's.
    let cut_file = dir.0.join("cut.jsonl");
    std::fs::write(&cut_file, &text[..text.trim_end().len() - 10]).unwrap();
    let out = replay(&cut_file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("cut") && stderr.contains("the same outputs"),
        "{stderr}"
    );
    // Drop one recorded output: the check fails and says where.
    let cut: Vec<&str> = {
        let mut skipped = false;
        text.lines()
            .filter(|l| {
                if !skipped && l.starts_with("{\"output\"") {
                    skipped = true;
                    return false;
                }
                true
            })
            .collect()
    };
    let altered = dir.0.join("altered.jsonl");
    std::fs::write(&altered, cut.join("\n")).unwrap();
    let out = replay(&altered);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("differs"));
}
