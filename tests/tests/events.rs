//! Processes: `GET /events` (server-sent events). A PCC comes up and
//! reports delegated LSPs: the stream carries the session, each LSP added,
//! and their updates (the PCE's paths); a client that reconnects with
//! `Last-Event-ID` gets what followed, in order. Real time only bounds the
//! waits.
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::sync::mpsc;
use std::time::{Duration, Instant};

use pce_tests::bin_dir;

#[path = "../support/mod.rs"]
mod support;
use support::pce_serve::pce_serve_logged;
use support::running::spawn;
use support::sse::{subscribe, Sse};
use support::wait_json::wait_json;

const WAIT: Duration = Duration::from_secs(60);

/// Events until `done` says the list is complete.
fn until(rx: &mpsc::Receiver<Sse>, done: impl Fn(&[Sse]) -> bool) -> Vec<Sse> {
    let deadline = Instant::now() + WAIT;
    let mut got = Vec::new();
    while !done(&got) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(e) => got.push(e),
            Err(e) => panic!("{e}: after {got:?}"),
        }
    }
    got
}

#[test]
fn the_event_stream_carries_sessions_and_lsps_and_resumes() {
    let log = pce_tests::scratch_dir("events-log").join("pce.log");
    let (_pce, port, api) = pce_serve_logged("events", "", &log);
    let live = subscribe(api, None);
    let _pcc = spawn(
        &bin_dir().join("pcc-sim"),
        &[
            "--pce",
            &format!("127.0.0.1:{port}"),
            "--source-base",
            "127.12.0.1",
            "--pccs",
            "1",
            "--lsps",
            "3",
            "--delegate",
            "--seconds",
            "900",
        ],
    );
    let added = |l: &[Sse]| l.iter().filter(|e| e.event == "lsp_added").count();
    let got = until(&live, |l| {
        added(l) == 3 && l.iter().any(|e| e.event == "lsp_updated")
    });
    // In order, numbered one by one.
    for w in got.windows(2) {
        assert_eq!(w[1].id, w[0].id + 1, "{got:?}");
    }
    let up = got
        .iter()
        .position(|e| e.event == "session")
        .expect("session up");
    assert_eq!(got[up].data["peer"], "127.12.0.1");
    assert_eq!(got[up].data["up"], true);
    let first_lsp = got.iter().position(|e| e.event == "lsp_added").unwrap();
    assert!(up < first_lsp, "the session comes up before its LSPs");
    let names: Vec<&str> = got
        .iter()
        .filter(|e| e.event == "lsp_added")
        .map(|e| e.data["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["pcc0-lsp0", "pcc0-lsp1", "pcc0-lsp2"]);
    assert!(got
        .iter()
        .filter(|e| e.event.starts_with("lsp_"))
        .all(|e| e.data["pcc"] == "127.12.0.1"));
    // Every LSP is delegated once the PCE has them.
    wait_json(
        &format!("http://127.0.0.1:{api}/lsps/count?delegated=true"),
        WAIT,
        |c| c["count"] == 3,
    );

    // A client that saw up to the session resumes from there: it gets
    // what followed, from the next id on, the same events.
    let resumed = subscribe(api, Some(got[up].id));
    let again = until(&resumed, |l| l.len() >= got.len() - up - 1);
    for (a, b) in again.iter().zip(&got[up + 1..]) {
        assert_eq!((a.id, &a.event, &a.data), (b.id, &b.event, &b.data));
    }
    // One session, under log_sessions_up_to: its start at info.
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.matches("session up").count(), 1, "{text}");
    // A bad resume point is refused.
    let r = ureq::get(format!("http://127.0.0.1:{api}/events"))
        .header("Last-Event-ID", "x")
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
}
