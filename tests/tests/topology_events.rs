//! Processes: topology events reach `pce serve` through its API and move
//! exactly the delegated LSPs (from `pcc-sim`) on the changed link; each
//! new path goes out by PCUpd and is acknowledged. A dry run says the
//! same and changes nothing. The link's return reoptimizes (the default
//! `reoptimize_on_restore`). Real time only bounds the waits.
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::collections::BTreeMap;
use std::time::Duration;

#[path = "../support/mod.rs"]
mod support;
use support::cli::pce;
use support::http::{get_json, send_json};
use support::pce_serve::pce_serve;
use support::topology_a_pccs::topology_a_pccs;
use support::wait_json::wait_json;

const WAIT: Duration = Duration::from_secs(30);

fn patch(url: &str, body: &str) -> serde_json::Value {
    let (status, v) = send_json("PATCH", url, body);
    assert_eq!(status, 200, "{url}: {v}");
    v
}

/// Per LSP ("source pcc/name"): (computed path, updates sent), once every LSP is
/// delegated, computed and its update acknowledged.
fn settled(lsps: &serde_json::Value) -> Option<BTreeMap<String, (Vec<String>, u64)>> {
    let list = lsps.as_array()?;
    list.iter()
        .map(|l| {
            let done = l["delegated"] == true
                && l["pending_srp"].is_null()
                && l["computed_path"].is_array();
            done.then(|| {
                let path = l["computed_path"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| h.as_str().unwrap().to_string())
                    .collect();
                (
                    format!(
                        "{} {}/{}",
                        l["source"].as_str().unwrap(),
                        l["pcc"].as_str().unwrap(),
                        l["name"].as_str().unwrap()
                    ),
                    (path, l["updates"].as_u64().unwrap()),
                )
            })
        })
        .collect()
}

/// An LSP in an answer, as `PCC/NAME`.
fn pcc_name(l: &serde_json::Value) -> String {
    format!(
        "{}/{}",
        l["pcc"].as_str().unwrap(),
        l["name"].as_str().unwrap()
    )
}

/// Whether a path crosses R3 (router ID 10.0.0.7, address 192.0.2.7).
fn via_r3(path: &[String]) -> bool {
    path.iter().any(|h| h == "10.0.0.7" || h == "192.0.2.7")
}

#[test]
fn a_link_event_moves_exactly_the_lsps_on_the_link() {
    let (_pce, port, api) = pce_serve("topology-events", "");
    let base = format!("http://127.0.0.1:{api}");
    // Two PCCs, four LSPs each: PCC1 to PCC4 (over R1-R3-R4 in topology
    // A) and PCC2 to PCC3 (over R2-R4-R3), alternately.
    let _pccs = topology_a_pccs(port, "127.4.0.1");
    let lsps = format!("{base}/lsps");
    let ready =
        |v: &serde_json::Value| v.as_array().is_some_and(|l| l.len() == 8) && settled(v).is_some();
    let before = settled(&wait_json(&lsps, WAIT, ready)).unwrap();
    // Those from PCC1 cross R1-R3.
    let on_link: Vec<&String> = before
        .keys()
        .filter(|name| name.starts_with("10.0.0.1 "))
        .collect();
    assert_eq!(on_link.len(), 4, "{before:?}");
    assert!(before.values().all(|(path, _)| via_r3(path)), "{before:?}");

    // A dry run: what R1-R3 going down would do, and nothing done.
    let link = format!("{base}/topology/links/R1/R3");
    let dry = patch(&format!("{link}?dry_run=true"), r#"{"up": false}"#);
    assert_eq!(dry["dry_run"], true, "{dry}");
    assert_eq!(dry["links_changed"], 2, "{dry}");
    assert_eq!(dry["recomputed"], 4, "{dry}");
    assert_eq!(dry["updated"], 4, "{dry}");
    assert_eq!(dry["reoptimized"], false, "{dry}");
    let topology: serde_json::Value = get_json(&format!("{base}/topology"));
    assert!(topology["links"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["up"] == true));
    assert_eq!(settled(&wait_json(&lsps, WAIT, ready)).unwrap(), before);

    // The plan of that failure (POST /plan), before it happens: the LSPs
    // it moves and each link's utilization after it, to hold against what
    // the PCE then does.
    let (status, predicted) = send_json(
        "POST",
        &format!("{base}/plan"),
        r#"{"scenarios": [{"name": "R1-R3", "events": [{"link_state": {"a": "R1", "b": "R3", "up": false}}]}]}"#,
    );
    assert_eq!(status, 200, "{predicted}");
    let scenario = &predicted["scenarios"][0];
    let mut moves: Vec<String> = scenario["moved"]
        .as_array()
        .unwrap()
        .iter()
        .map(pcc_name)
        .collect();
    moves.sort();
    let mut expected: Vec<String> = on_link
        .iter()
        .map(|n| n.split_once(' ').unwrap().1.to_string())
        .collect();
    expected.sort();
    assert_eq!(moves, expected, "{scenario}");
    let mut planned: BTreeMap<String, f64> = predicted["base"]["utilization"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_f64().unwrap()))
        .collect();
    for (k, v) in scenario["utilization"].as_object().unwrap() {
        planned.insert(k.clone(), v.as_f64().unwrap());
    }
    planned.retain(|_, u| *u > 0.0);
    assert!(planned.contains_key("R1->R2"), "{planned:?}");

    // The event: exactly the LSPs over R1-R3 get a new path, by PCUpd,
    // acknowledged; the others are not touched.
    let down = patch(&link, r#"{"up": false}"#);
    assert_eq!(down["dry_run"], false);
    for key in ["links_changed", "recomputed", "updated", "reoptimized"] {
        assert_eq!(down[key], dry[key], "{key}: {down} against {dry}");
    }
    let after = settled(&wait_json(&lsps, WAIT, |v| {
        ready(v)
            && settled(v)
                .unwrap()
                .iter()
                .all(|(n, (p, _))| !on_link.contains(&n) || !via_r3(p))
    }))
    .unwrap();
    for (name, (path, updates)) in &after {
        let (old_path, old_updates) = &before[name];
        if on_link.contains(&name) {
            assert_eq!(*updates, old_updates + 1, "{name}: one update");
            assert_ne!(path, old_path);
        } else {
            assert_eq!((path, updates), (old_path, old_updates), "{name} moved");
        }
    }
    // As planned: each link's utilization now.
    let topology: serde_json::Value = get_json(&format!("{base}/topology"));
    let live: BTreeMap<String, f64> = topology["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["reserved_bps"].as_f64().unwrap() > 0.0)
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_string(),
                l["reserved_bps"].as_f64().unwrap() / l["bandwidth_bps"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(live, planned);
    // The snapshot for planning (`pce snapshot`): R1-R3 down both ways,
    // every LSP delegated with the links it holds, none over R1-R3.
    let file = std::env::temp_dir().join(format!("snapshot-{}.json", std::process::id()));
    let cli = pce(&[
        "snapshot",
        "--api",
        &base,
        "-o",
        &file.display().to_string(),
    ]);
    let said = String::from_utf8_lossy(&cli.stderr);
    assert!(cli.status.success(), "{said}");
    assert!(said.contains("8 nodes, 8 links, 8 LSPs"), "{said}");
    let snap: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    std::fs::remove_file(&file).unwrap();
    assert_eq!(snap["format"], "pce-snapshot");
    let down: Vec<String> = snap["down"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}-{} {}",
                e["link"]["a"], e["link"]["b"], e["link"]["set"]["up"]
            )
        })
        .collect();
    assert_eq!(
        down,
        [r#""R1"-"R3" false"#, r#""R3"-"R1" false"#],
        "{}",
        snap["down"]
    );
    let held = snap["lsps"].as_array().unwrap();
    assert_eq!(held.len(), 8);
    for l in held {
        let path: Vec<&str> = l["path"]
            .as_array()
            .unwrap_or_else(|| panic!("{l}"))
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert!(l["delegated"] == true && !path.is_empty(), "{l}");
        assert!(
            !path.contains(&"R1->R3") && !path.contains(&"R3->R1"),
            "{l}"
        );
    }

    // What-if on the running PCE (`POST /plan`): every link alone; with
    // R1-R3 already down, R1-R2 down too leaves PCC1's four without a
    // path; the live LSPs are not touched. Bad plans are refused by name.
    let post = |body: &str| send_json("POST", &format!("{base}/plan"), body);
    let (status, plan) = post(r#"{"every": ["links"]}"#);
    assert_eq!(status, 200, "{plan}");
    let scenarios = plan["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 8, "{plan}");
    let r1r2 = scenarios
        .iter()
        .find(|s| s["name"] == "link R1-R2")
        .unwrap();
    assert_eq!(r1r2["unplaceable"].as_array().unwrap().len(), 4, "{r1r2}");
    // N-2 of shared risks: each of the 8 links has its own SRLG.
    let (status, pairs) = post(r#"{"every": ["srlg_pairs"]}"#);
    assert_eq!(status, 200, "{pairs}");
    assert_eq!(pairs["scenarios"].as_array().unwrap().len(), 28, "{pairs}");
    // The same through the CLI: a summary, and the whole answer in a file.
    let answer = std::env::temp_dir().join(format!("plan-{}.json", std::process::id()));
    let cli = pce(&[
        "plan",
        "--api",
        &base,
        "--every",
        "links,nodes",
        "-o",
        &answer.display().to_string(),
    ]);
    let said = String::from_utf8_lossy(&cli.stdout);
    assert!(
        cli.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&cli.stderr)
    );
    assert!(said.contains("16 scenarios"), "{said}");
    assert!(said.contains("without a path in"), "{said}");
    let whole: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&answer).unwrap()).unwrap();
    std::fs::remove_file(&answer).unwrap();
    assert_eq!(whole["scenarios"].as_array().unwrap().len(), 16);
    // Offline, on the running PCE's snapshot: the same plan, scenario by
    // scenario; and its report as one HTML page.
    let snap_file = std::env::temp_dir().join(format!("plan-snap-{}.json", std::process::id()));
    let cli = pce(&[
        "snapshot",
        "--api",
        &base,
        "-o",
        &snap_file.display().to_string(),
    ]);
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let offline = std::env::temp_dir().join(format!("plan-offline-{}.json", std::process::id()));
    let html = std::env::temp_dir().join(format!("plan-{}.html", std::process::id()));
    let (snap_arg, offline_arg, html_arg) = (
        snap_file.display().to_string(),
        offline.display().to_string(),
        html.display().to_string(),
    );
    let cli = pce(&[
        "plan",
        "--every",
        "links,nodes",
        "--snapshot",
        &snap_arg,
        "-o",
        &offline_arg,
        "--html",
        &html_arg,
    ]);
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let offline_plan: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&offline).unwrap()).unwrap();
    let by_name = |p: &serde_json::Value| -> BTreeMap<String, serde_json::Value> {
        p["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["name"].as_str().unwrap().to_string(), s.clone()))
            .collect()
    };
    assert_eq!(by_name(&offline_plan), by_name(&whole));
    assert_eq!(offline_plan["base"], whole["base"]);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("const PLAN = {") && page.contains("const TOPO = {"));
    assert!(!page.contains("src=\"http"), "the report fetches nothing");
    // An LSP file added to the demand, offline: its LSP has a path.
    let add = std::env::temp_dir().join(format!("plan-add-{}.json", std::process::id()));
    std::fs::write(
        &add,
        r#"[{"pcc": "10.0.0.3", "name": "new", "source": "10.0.0.3", "destination": "10.0.0.4", "setup": "rsvp", "bandwidth_bps": 1e8}]"#,
    )
    .unwrap();
    let add_arg = add.display().to_string();
    let cli = pce(&["plan", "--json", "--snapshot", &snap_arg, "--add", &add_arg]);
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let grown: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(grown["demand"]["added"], 1, "{grown}");
    assert_eq!(
        grown["demand"]["unplaceable"],
        serde_json::json!([]),
        "{grown}"
    );
    // A malformed LSP file: refused, naming the LSP.
    std::fs::write(
        &add,
        r#"[{"pcc": "10.0.0.3", "name": "bad", "source": "10.0.0.3", "destination": "10.9.9.9"}]"#,
    )
    .unwrap();
    let cli = pce(&["plan", "--snapshot", &snap_arg, "--add", &add_arg]);
    let said = String::from_utf8_lossy(&cli.stderr);
    assert!(
        !cli.status.success() && said.contains("LSP 1 \"bad\"") && said.contains("10.9.9.9"),
        "{said}"
    );
    for f in [&snap_file, &offline, &html, &add] {
        std::fs::remove_file(f).unwrap();
    }
    let cli = pce(&["plan", "--api", &base, "--every", "racks"]);
    assert!(!cli.status.success());
    assert!(String::from_utf8_lossy(&cli.stderr).contains("racks"));
    // Demand growth alone: the network without failure, grown.
    let (status, grown) = post(r#"{"demand": {"scale": 1.5}}"#);
    assert_eq!(status, 200, "{grown}");
    assert_eq!(grown["demand"]["scale"], 1.5, "{grown}");
    assert!(grown["scenarios"].as_array().unwrap().is_empty(), "{grown}");
    assert_eq!(settled(&wait_json(&lsps, WAIT, ready)).unwrap(), after);
    for (body, says) in [
        (
            r#"{"every": ["links"], "scenarios": [{"name": "x", "events": [{"node_state": {"node": "R9", "up": false}}]}]}"#,
            "R9",
        ),
        (r#"{"every": ["racks"]}"#, "racks"),
        (r#"{"demand": {"scale": 1.2, "names": ["nope"]}}"#, "nope"),
        (r#"{"demand": {"scale": -1}}"#, "scale"),
        (r#"{}"#, "nothing to plan"),
    ] {
        let (status, v) = post(body);
        assert_eq!(status, 422, "{body}: {v}");
        assert!(v["error"].as_str().unwrap().contains(says), "{body}: {v}");
    }

    // The link back: the default policy reoptimizes, and the LSPs return
    // to their shortest paths.
    let up = patch(&link, r#"{"up": true}"#);
    assert_eq!(up["reoptimized"], true, "{up}");
    assert_eq!(up["recomputed"], 8, "{up}");
    let back = settled(&wait_json(&lsps, WAIT, |v| {
        ready(v)
            && settled(v)
                .unwrap()
                .iter()
                .all(|(n, (p, _))| p == &before[n].0)
    }))
    .unwrap();
    for (name, (_, updates)) in &back {
        let expected = before[name].1 + if on_link.contains(&name) { 2 } else { 0 };
        assert_eq!(*updates, expected, "{name}");
    }
    // R1 down: PCC1 has no other way out, its LSPs keep their paths but
    // have none computed; the report names them, the gauge counts them,
    // the CLI shows them.
    let r1_down = patch(&format!("{base}/topology/nodes/R1"), r#"{"up": false}"#);
    assert_eq!(r1_down["without_path"], 4, "{r1_down}");
    let mut lost: Vec<String> = r1_down["lost_path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            assert_eq!(l["proven"], true, "{l}");
            format!("10.0.0.1 {}", pcc_name(l))
        })
        .collect();
    lost.sort();
    assert_eq!(lost.iter().collect::<Vec<_>>(), on_link);
    let metrics = ureq::get(&format!("{base}/metrics"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(
        metrics.lines().any(|l| l == "pce_lsps_without_path 4"),
        "{metrics}"
    );
    let cli = pce(&["lsps", "--api", &base]);
    let table = String::from_utf8(cli.stdout).unwrap();
    let none = table.lines().filter(|l| l.contains("none exists")).count();
    assert!(
        table.starts_with("PCC") && table.contains("NO PATH") && none == 4,
        "{table}"
    );
    let r1_up = patch(&format!("{base}/topology/nodes/R1"), r#"{"up": true}"#);
    assert_eq!(r1_up["without_path"], 0, "{r1_up}");

    // Bad events get clear errors and change nothing.
    for (url, body, status) in [
        (
            format!("{base}/topology/links/R1/R9"),
            r#"{"up": false}"#,
            422,
        ),
        (link.clone(), r#"{}"#, 400),
        (link.clone(), r#"{"up": false, "colour": 3}"#, 400),
        (link.clone(), r#"{"bandwidth_bps": -1}"#, 422),
        (format!("{base}/topology/nodes/R9"), r#"{"up": false}"#, 422),
        (format!("{link}?dry_run=maybe"), r#"{"up": false}"#, 400),
    ] {
        let r = ureq::patch(&url)
            .header("content-type", "application/json")
            .config()
            .http_status_as_error(false)
            .build()
            .send(body)
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{url} {body}");
    }
}
