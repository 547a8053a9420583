//! Processes: one PCC (`pcc-sim`) delegates 100,000 LSPs whose paths the
//! PCE changes, so the PCE has 100,000 PCUpds for one session at once. The
//! PCC reads them, so it gets them all, acknowledges them all, and keeps
//! its session (it used to be closed after 4,096, its queue's depth); the
//! core sends a window of them at a time, the rest waiting as paths.
//! Real time only bounds the waits.
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::time::{Duration, Instant};

use pce_tests::bin_dir;

#[path = "../support/mod.rs"]
mod support;
use support::metrics::metrics;
use support::pce_serve::pce_serve;
use support::running::spawn;
use support::wait_json::wait_json;

const WAIT: Duration = Duration::from_secs(600);
const LSPS: u64 = 100_000;

#[test]
fn a_head_end_with_100000_delegated_lsps_gets_every_update() {
    let (_pce, port, api) = pce_serve("head-end", "");
    let base = format!("http://127.0.0.1:{api}");
    // PCC1 to PCC4 and PCC2 to PCC3 in topology A: reported without a
    // path, computed by the PCE, each updated once.
    let _pcc = spawn(
        &bin_dir().join("pcc-sim"),
        &[
            "--pce",
            &format!("127.0.0.1:{port}"),
            "--source-base",
            "127.7.0.1",
            "--pccs",
            "1",
            "--lsps",
            &LSPS.to_string(),
            "--delegate",
            "--endpoints",
            "10.0.0.1:10.0.0.4,10.0.0.2:10.0.0.3",
            "--seconds",
            "900",
        ],
    );
    let session = wait_json(&format!("{base}/sessions"), Duration::from_secs(30), |s| {
        s.as_array()
            .is_some_and(|s| s.len() == 1 && s[0]["state"] == "Up")
    })[0]["id"]
        .clone();
    let deadline = Instant::now() + WAIT;
    loop {
        let m = metrics(api).unwrap_or_default();
        let acked = m.get("pce_updates_acked_total").copied().unwrap_or(0);
        if acked >= LSPS {
            // One update per LSP, every one acknowledged.
            assert_eq!(m["pce_updates_sent_total"], LSPS);
            assert_eq!(acked, LSPS);
            // Paced: all but a window waited in the core, none is left.
            assert!(m["pce_updates_paced_total"] >= LSPS - 1024, "{m:?}");
            assert_eq!(m["pce_updates_waiting"], 0);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{acked} of {LSPS} updates acknowledged after {WAIT:?}: {m:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // The same session throughout.
    let sessions: serde_json::Value = ureq::get(&format!("{base}/sessions"))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(sessions.as_array().map(Vec::len), Some(1), "{sessions}");
    assert_eq!(sessions[0]["id"], session, "{sessions}");
    assert_eq!(sessions[0]["state"], "Up", "{sessions}");
}
