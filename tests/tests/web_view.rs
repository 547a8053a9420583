//! The web view in a real browser: headless Chromium loads `GET /` of a
//! running `pce serve` with `pcc-sim` traffic; the topology is drawn, an
//! LSP selected shows its path, and a topology change arrives live (the
//! page follows `GET /events`) and redraws the path. A screenshot is kept
//! outside the repository (its path is printed).
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::time::Duration;

use pce_tests::scratch_dir;

#[path = "../support/mod.rs"]
mod support;
use support::browser::Browser;
use support::cli::pce_ok;
use support::http::send_json;
use support::pce_serve::pce_serve;
use support::topology_a_pccs::topology_a_pccs;
use support::wait_json::wait_json;

const WAIT: Duration = Duration::from_secs(60);

#[test]
fn the_web_view_draws_the_network_and_follows_it_live() {
    let (_pce, port, api) = pce_serve("web-view", "");
    let base = format!("http://127.0.0.1:{api}");
    // Topology A: two PCCs with four delegated LSPs each, PCC1 to PCC4
    // (over R1-R3-R4) and PCC2 to PCC3 (over R2-R4-R3), 100 Mb/s each.
    let _pccs = topology_a_pccs(port, "127.5.0.1");
    let lsps = wait_json(&format!("{base}/lsps"), WAIT, |v| {
        v.as_array().is_some_and(|l| {
            l.len() == 8
                && l.iter()
                    .all(|l| l["pending_srp"].is_null() && l["computed_path"].is_array())
        })
    });
    let one = lsps
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["source"] == "10.0.0.1")
        .unwrap();
    let key = format!(
        "{}/{}",
        one["pcc"].as_str().unwrap(),
        one["name"].as_str().unwrap()
    );

    let profile = scratch_dir("web-view-chromium");
    let mut page = Browser::open(&format!("{base}/"), &profile);
    let state = "JSON.stringify({ready: document.body.dataset.ready, error: document.getElementById('error').textContent, events: document.body.dataset.events, path: document.body.dataset.selectedPath, rows: document.querySelectorAll('tr.lsp').length})";
    // The topology: Topology A's 8 nodes and 8 links (one line a pair),
    // coloured by utilization; every LSP listed, computed by this PCE.
    page.wait(
        "document.body.dataset.ready === '1' && document.querySelectorAll('tr.lsp').length === 8",
        WAIT,
        state,
    );
    assert_eq!(
        page.eval("document.querySelectorAll('circle.node').length"),
        8
    );
    assert_eq!(
        page.eval("document.querySelectorAll('line.link').length"),
        8
    );
    assert_eq!(
        page.eval("[...document.querySelectorAll('line.link')].filter(l => l.dataset.utilization !== '').length"),
        7,
        "the pairs of nodes whose links carry LSPs have a utilization colour"
    );
    assert_eq!(
        page.eval("[...document.querySelectorAll('tr.lsp')].every(r => r.cells[2].textContent === 'this PCE')"),
        true
    );
    // Selected, an LSP of PCC1 shows its path.
    let select = format!(
        "(() => {{ const r = [...document.querySelectorAll('tr.lsp')].find(r => r.dataset.key === {key:?}); r.click(); return document.body.dataset.selectedPath; }})()"
    );
    assert_eq!(page.eval(&select), "PCC1>R1>R3>R4>PCC4");
    assert_eq!(
        page.eval("document.querySelectorAll('polyline.selected-path').length"),
        1
    );
    page.wait(
        "document.getElementById('live').textContent === 'on'",
        WAIT,
        state,
    );
    // Live: R1-R3 goes down; the event arrives, the page redraws the link
    // as down and the selected LSP on its new path.
    let events: u64 = page
        .eval("Number(document.body.dataset.events)")
        .as_u64()
        .unwrap();
    let (status, down) = send_json(
        "PATCH",
        &format!("{base}/topology/links/R1/R3"),
        r#"{"up": false}"#,
    );
    assert_eq!(status, 200, "{down}");
    page.wait(
        &format!(
            "Number(document.body.dataset.events) > {events} && document.body.dataset.selectedPath === 'PCC1>R1>R2>R4>PCC4'"
        ),
        WAIT,
        state,
    );
    assert_eq!(
        page.eval("document.querySelectorAll('line.link[stroke-dasharray=\"4 3\"]').length"),
        1
    );
    let shot = std::env::temp_dir().join("pce-test-artifacts");
    std::fs::create_dir_all(&shot).unwrap();
    let shot = shot.join("web-view.png");
    page.screenshot(&shot);
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
    println!("screenshot: {}", shot.display());
}

/// The plan report (`pce plan --html`) drawn in a real browser from the
/// file alone: its summary, the topology in worst-case colours, and each
/// figure with what the plan's JSON says.
#[test]
fn the_plan_report_renders_offline() {
    let dir = scratch_dir("plan-report");
    let lsps = dir.join("lsps.json");
    std::fs::write(
        &lsps,
        r#"[{"pcc": "10.0.0.1", "name": "a", "source": "10.0.0.1", "destination": "10.0.0.4", "setup": "rsvp", "bandwidth_bps": 4e9},
            {"pcc": "10.0.0.2", "name": "b", "source": "10.0.0.2", "destination": "10.0.0.4", "setup": "rsvp", "bandwidth_bps": 3e9}]"#,
    )
    .unwrap();
    let (html, json) = (dir.join("report.html"), dir.join("plan.json"));
    let topology = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/topologies/draft-topology-a.json");
    let path = |p: &std::path::Path| p.display().to_string();
    pce_ok(&[
        "plan",
        "--every",
        "links,nodes",
        "--topology",
        &path(&topology),
        "--lsps",
        &path(&lsps),
        "--html",
        &path(&html),
        "-o",
        &path(&json),
    ]);
    let plan: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let worst = plan["worst"].as_array().unwrap().len();
    let lost = plan["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["unplaceable"].as_array().unwrap().is_empty())
        .count();
    assert!(worst > 0 && lost > 0, "{plan}");
    let mut page = Browser::open(
        &format!("file://{}", html.display()),
        &scratch_dir("plan-report-chromium"),
    );
    page.wait(
        "document.body.dataset.ready === '1'",
        WAIT,
        "document.body.innerText.slice(0, 500)",
    );
    assert_eq!(
        page.eval("document.querySelectorAll('#topology circle.node').length"),
        8
    );
    assert_eq!(
        page.eval("document.querySelectorAll('#topology line.link').length"),
        8
    );
    assert_eq!(
        page.eval("document.querySelectorAll('#worst rect').length"),
        worst.min(25)
    );
    assert_eq!(
        page.eval("document.querySelectorAll('#unplaceable rect').length"),
        lost.min(25)
    );
    assert_eq!(
        page.eval("document.getElementById('summary').rows[0].cells[1].textContent"),
        "16"
    );
    // The busiest link in the worst case is drawn in its colour.
    let busiest = plan["worst"][0]["link"].as_str().unwrap();
    let (a, b) = busiest.split_once("->").unwrap();
    let drawn = page.eval(&format!(
        "[...document.querySelectorAll('#topology line.link')].filter(l => (l.dataset.a === {a:?} && l.dataset.b === {b:?}) || (l.dataset.a === {b:?} && l.dataset.b === {a:?})).map(l => Number(l.dataset.utilization))[0]"
    ));
    let expected = plan["worst"][0]["utilization"].as_f64().unwrap();
    assert!(
        (drawn.as_f64().unwrap() - expected).abs() < 1e-3,
        "{drawn} {expected}"
    );
}
