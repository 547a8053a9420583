//! Processes: the management API at carrier scale. 10,000 simulated PCCs
//! (`pcc-sim`) report 200,000 delegated LSPs in disjoint pairs (100,000
//! association groups). Every list pages through all of it, each item
//! once and in order: LSPs, sessions, association groups; the indexed
//! filters (name, association, computing PCE, state) find exactly their
//! LSPs, paged and counted; the CLI lists every LSP; `/metrics` counts
//! them; the event stream, followed from before the first PCC, delivers
//! the 200,000 additions in order (or says it skipped, with `reset`).
//! Real time only bounds the waits.
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::collections::HashSet;
use std::time::{Duration, Instant};

use pce_tests::bin_dir;

#[path = "../support/mod.rs"]
mod support;
use support::pages::{all_pages, get};
use support::pce_serve::pce_serve;
use support::running::spawn;
use support::sse::subscribe;
use support::wait_json::wait_json;

const PCCS: usize = 10_000;
const PER_PCC: usize = 20;
const LSPS: usize = PCCS * PER_PCC;
const WAIT: Duration = Duration::from_secs(300);

fn count(api: u16, query: &str) -> u64 {
    let (status, body, ..) = get(api, &format!("/lsps/count{query}"));
    assert_eq!(status, 200, "{query}: {body}");
    body["count"].as_u64().unwrap()
}

#[test]
fn the_api_serves_200000_lsps_of_10000_pccs() {
    // pcc-sim and the PCE each raise their soft limit to the hard one and
    // need a descriptor per PCC.
    let (_, hard) = rlimit::Resource::NOFILE.get().unwrap();
    assert!(
        hard > PCCS as u64 + 512,
        "this test needs a hard descriptor limit above {} (it is {hard})",
        PCCS + 512
    );
    let (_pce, port, api) = pce_serve("api-scale", "max_connections = 12000\n");
    // Followed from before the first PCC.
    let events = subscribe(api, None);
    let _pccs = spawn(
        &bin_dir().join("pcc-sim"),
        &[
            "--pce",
            &format!("127.0.0.1:{port}"),
            "--source-base",
            "127.60.0.1",
            "--pccs",
            &PCCS.to_string(),
            "--lsps",
            &PER_PCC.to_string(),
            "--delegate",
            "--disjoint-pairs",
            "--seconds",
            "3600",
        ],
    );
    wait_json(&format!("http://127.0.0.1:{api}/health"), WAIT, |h| {
        h["lsps"] == LSPS && h["sessions"] == PCCS
    });

    // The event stream: every addition once, in order, numbered without a
    // hole; or a `reset` where the client fell behind what is kept.
    let deadline = Instant::now() + WAIT;
    let (mut added, mut last, mut reset) = (HashSet::new(), 0, false);
    while added.len() < LSPS && !reset {
        let e = events
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|e| panic!("{e}: {} additions", added.len()));
        // A reset's id is the last event when it was sent: the client
        // goes on from there.
        assert!(
            last == 0 || e.id == last + 1 || (e.event == "reset" && e.id > last),
            "{} {} after {last}",
            e.event,
            e.id
        );
        last = e.id;
        match e.event.as_str() {
            "lsp_added" => {
                let key = (
                    e.data["pcc"].as_str().unwrap().to_owned(),
                    e.data["plsp_id"].as_u64().unwrap(),
                );
                assert!(added.insert(key), "{:?} added twice", e.data);
            }
            "reset" => reset = true,
            _ => {}
        }
    }
    println!("events: {} additions, reset: {reset}", added.len());

    // Every LSP, in pages of 10,000, each once and in order.
    let (lsps, pages) = all_pages(api, "/lsps?limit=10000");
    assert_eq!((lsps.len(), pages), (LSPS, LSPS / 10_000));
    let keys: Vec<(std::net::Ipv4Addr, u64)> = lsps
        .iter()
        .map(|l| {
            (
                l["pcc"].as_str().unwrap().parse().unwrap(),
                l["plsp_id"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "in order, each once");
    assert_eq!(keys.iter().map(|k| k.0).collect::<HashSet<_>>().len(), PCCS);

    // Every session, in the default pages of 1,000, by number.
    let (sessions, pages) = all_pages(api, "/sessions");
    assert_eq!((sessions.len(), pages), (PCCS, PCCS / 1_000));
    let ids: Vec<u64> = sessions.iter().map(|s| s["id"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    assert!(sessions.iter().all(|s| s["state"] == "Up"));

    // Every association group (a pair on one PCC: ID j/2+1, source the
    // PCC), both members in each.
    let (groups, pages) = all_pages(api, "/associations?limit=10000");
    assert_eq!((groups.len(), pages), (LSPS / 2, LSPS / 2 / 10_000));
    for g in &groups {
        let members = g["members"].as_array().unwrap();
        assert_eq!(members.len(), 2, "{g}");
        assert!(members.iter().all(|m| m["pcc"] == g["source"]), "{g}");
        assert_eq!(g["computed_by_one_pce"], true, "{g}");
    }

    // The indexed filters, each against the full listing above.
    let name = lsps[123_457]["name"].as_str().unwrap();
    let (found, pages) = all_pages(api, &format!("/lsps?name={name}"));
    assert_eq!((found.len(), pages), (1, 1));
    assert_eq!(found[0]["plsp_id"], lsps[123_457]["plsp_id"]);
    let (first, pages) = all_pages(api, "/lsps?association=1&limit=10000");
    let want: Vec<&serde_json::Value> = lsps
        .iter()
        .filter(|l| {
            l["associations"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["id"] == 1)
        })
        .collect();
    assert_eq!(want.len(), PCCS * 2);
    assert_eq!((first.len(), pages), (want.len(), 2));
    let key = |l: &serde_json::Value| (l["pcc"].clone(), l["plsp_id"].clone());
    assert!(first.iter().zip(&want).all(|(a, b)| key(a) == key(b)));
    let last_pcc = lsps[LSPS - 1]["pcc"].as_str().unwrap();
    let me = lsps[0]["computing_pce"].as_str().unwrap().to_owned();
    for (q, n) in [
        (String::new(), LSPS),
        ("?delegated=true".into(), LSPS),
        ("?delegated=false".into(), 0),
        ("?initiated=true".into(), 0),
        (format!("?computing_pce={me}"), LSPS),
        ("?computing_pce=192.0.2.99".into(), 0),
        ("?association=1".into(), PCCS * 2),
        ("?association=10".into(), PCCS * 2),
        ("?association=11".into(), 0),
        (format!("?name={name}"), 1),
        (format!("?pcc={last_pcc}"), PER_PCC),
        (
            "?without_path=true".into(),
            lsps.iter().filter(|l| l["no_path"] == true).count(),
        ),
    ] {
        assert_eq!(count(api, &q), n as u64, "{q}");
    }
    let (initiated, pages) = all_pages(api, "/lsps?initiated=true");
    assert_eq!((initiated.len(), pages), (0, 1));

    // The metrics count them, from maintained counters.
    let (status, ..) = get(api, "/health");
    assert_eq!(status, 200);
    let metrics = ureq::get(format!("http://127.0.0.1:{api}/metrics"))
        .call()
        .unwrap()
        .into_body()
        .read_to_string()
        .unwrap();
    assert!(
        metrics.contains(&format!("pce_lsps{{computed_here=\"true\"}} {LSPS}\n")),
        "{}",
        metrics
            .lines()
            .filter(|l| l.starts_with("pce_lsps"))
            .collect::<Vec<_>>()
            .join("\n")
    );

    // The CLI lists them all, one object per line.
    let out = std::process::Command::new(bin_dir().join("pce"))
        .args([
            "lsps",
            "--json",
            "--api",
            &format!("http://127.0.0.1:{api}"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), LSPS);
}
