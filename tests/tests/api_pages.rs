//! Processes: `GET /lsps` in pages. 3 PCCs (`pcc-sim`) report 1,500 LSPs
//! each; the listing comes in pages of `limit`, each pointing at the next
//! (`Link`, `X-Next-Cursor`), together every LSP once and in order;
//! filters hold across pages; `GET /lsps/count` counts without listing;
//! bad paging parameters are refused with a reason. Real time only bounds
//! the waits.
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::time::Duration;

use pce_tests::bin_dir;

#[path = "../support/mod.rs"]
mod support;
use support::pages::{all_pages, get};
use support::pce_serve::pce_serve_logged;
use support::running::spawn;
use support::wait_json::wait_json;

const WAIT: Duration = Duration::from_secs(120);

#[test]
fn lsps_come_in_pages_that_together_hold_each_once() {
    // Sessions' starts and ends at debug from the first (the log is at
    // info): none of the three is in the log.
    let log = pce_tests::scratch_dir("api-pages-log").join("pce.log");
    let (_pce, port, api) = pce_serve_logged(
        "api-pages",
        "log_sessions_up_to = 0\nstate_timeout = 1\nredelegation_timeout = 1\n",
        &log,
    );
    let pccs = spawn(
        &bin_dir().join("pcc-sim"),
        &[
            "--pce",
            &format!("127.0.0.1:{port}"),
            "--source-base",
            "127.11.0.1",
            "--pccs",
            "3",
            "--lsps",
            "1500",
            "--bandwidth-bps",
            "8000000",
            "--delegate",
            "--seconds",
            "900",
        ],
    );
    wait_json(&format!("http://127.0.0.1:{api}/lsps/count"), WAIT, |c| {
        c["count"] == 4_500
    });
    // The default page: 1,000, then the rest through the links.
    let (items, pages) = all_pages(api, "/lsps");
    assert_eq!(pages, 5);
    assert_eq!(items.len(), 4_500);
    let keys: Vec<(String, u64)> = items
        .iter()
        .map(|l| {
            (
                l["pcc"].as_str().unwrap().to_owned(),
                l["plsp_id"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by_key(|(p, id)| (p.parse::<std::net::Ipv4Addr>().unwrap(), *id));
    sorted.dedup();
    assert_eq!(keys, sorted, "in order, each once");
    // Units and names: bits per second as the PCC asked (the object
    // carries bytes), the operational state by its RFC 8231 name.
    for l in &items {
        assert_eq!(l["bandwidth_bps"], 8_000_000.0, "{l}");
        assert!(
            ["down", "up", "active", "going-down", "going-up"]
                .contains(&l["operational"].as_str().unwrap()),
            "{l}"
        );
    }
    // A filter holds across pages; one PCC is its own range.
    let (one, pages) = all_pages(api, "/lsps?pcc=127.11.0.2&limit=400");
    assert_eq!((one.len(), pages), (1_500, 4));
    assert!(one.iter().all(|l| l["pcc"] == "127.11.0.2"));
    let (delegated, _) = all_pages(api, "/lsps?delegated=true&limit=10000");
    assert_eq!(delegated.len(), 4_500);
    let (none, pages) = all_pages(api, "/lsps?initiated=true");
    assert_eq!((none.len(), pages), (0, 1));
    // A name on one PCC.
    let name = one[7]["name"].as_str().unwrap();
    let (found, pages) = all_pages(api, &format!("/lsps?pcc=127.11.0.2&name={name}"));
    assert_eq!((found.len(), pages), (1, 1));
    assert_eq!(found[0]["plsp_id"], one[7]["plsp_id"]);
    // Counts.
    for (q, n) in [
        ("", 4_500),
        ("?delegated=true", 4_500),
        ("?delegated=false", 0),
        ("?initiated=false", 4_500),
        ("?pcc=127.11.0.3", 1_500),
        (&format!("?name={name}") as &str, 1),
    ] {
        let (status, body, ..) = get(api, &format!("/lsps/count{q}"));
        assert_eq!(
            (status, &body["count"]),
            (200, &serde_json::json!(n)),
            "{q}"
        );
    }
    // The CLI pages through: one object per line with --json, a table
    // with one header otherwise; a closed pipe ends it quietly.
    let cli = |args: &[&str]| {
        std::process::Command::new(bin_dir().join("pce"))
            .args(args)
            .args(["--api", &format!("http://127.0.0.1:{api}")])
            .output()
            .unwrap()
    };
    let out = cli(&["lsps", "--json"]);
    assert!(out.status.success());
    let listed: Vec<(String, u64)> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["pcc"].as_str().unwrap().to_owned(),
                v["plsp_id"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(listed == keys, "the CLI's listing is not the API's pages");
    let out = cli(&["lsps"]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert_eq!(table.lines().count(), 4_501, "a header and 4,500 rows");
    assert_eq!(table.lines().filter(|l| l.starts_with("PCC ")).count(), 1);
    let mut head = std::process::Command::new(bin_dir().join("pce"))
        .args(["lsps", "--api", &format!("http://127.0.0.1:{api}")])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::BufRead;
        let mut first = String::new();
        std::io::BufReader::new(head.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.starts_with("PCC"), "{first}");
    } // the pipe is closed here, as `head -1` would
    let done = head.wait_with_output().unwrap();
    assert!(done.status.success(), "{done:?}");
    assert_eq!(String::from_utf8_lossy(&done.stderr), "");

    // The sessions page too, by number.
    let (sessions, pages) = all_pages(api, "/sessions?limit=2");
    assert_eq!((sessions.len(), pages), (3, 2));
    assert!(sessions[0]["id"].as_u64() < sessions[1]["id"].as_u64());

    // Bad paging.
    for (q, needle) in [
        ("/lsps?limit=0", "limit=0"),
        ("/lsps?limit=10001", "1 to 10000"),
        ("/lsps?after=nonsense", "not a cursor"),
        ("/lsps?after=127.0.0.1/x", "not a cursor"),
        ("/sessions?limit=0", "limit=0"),
        ("/sessions?after=x", "not a session number"),
        ("/associations?limit=20000", "1 to 10000"),
        ("/associations?after=2/x/10.0.0.1", "not a cursor"),
    ] {
        let (status, body, ..) = get(api, q);
        assert_eq!(status, 400, "{q}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(needle),
            "{q}: {body}"
        );
    }

    // The PCCs go: after their State Timeout, one line each says what
    // was purged.
    drop(pccs);
    wait_json(&format!("http://127.0.0.1:{api}/lsps/count"), WAIT, |c| {
        c["count"] == 0
    });
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("PCEP listening"), "{text}");
    assert!(!text.contains("session up"), "{text}");
    let purges: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("LSPs of the PCC purged: its State Timeout expired"))
        .collect();
    assert_eq!(purges.len(), 3, "{text}");
    assert!(
        purges.iter().all(|l| l.contains("purged=1500")),
        "{purges:?}"
    );
}
