//! Processes: a state-sync peer that starts late learns the Open
//! information (here the SR MSD) of the PCCs already connected to the
//! other PCE (draft-ietf-pce-state-sync §3.2, seed 003: "for each of the
//! PCCs it already has ... prior to the State Synchronization"), and its
//! API shows it. Real time only bounds the waits.
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use pce_tests::{bin_dir, scratch_dir};

#[path = "../support/mod.rs"]
mod support;
use support::free_port::free_port;
use support::pce_serve::state_sync_pce;
use support::running::{spawn, Running};
use support::wait_json::wait_json;

const WAIT: Duration = Duration::from_secs(30);

fn pce(dir: &Path, me: &str, port: u16, api: u16, peer: &str, peer_port: u16) -> Running {
    let at = |ip: &str, port| SocketAddr::new(ip.parse().unwrap(), port);
    state_sync_pce(dir, me, port, at(me, api), "", at(peer, peer_port))
}

fn wait_for(url: &str, ready: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    wait_json(url, WAIT, ready)
}

#[test]
fn a_late_peer_learns_the_msd_of_pccs_already_connected() {
    let dir = scratch_dir("late-peer");
    let (pa, aa, pb, ab) = (free_port(), free_port(), free_port(), free_port());
    let _a = pce(&dir, "127.0.0.1", pa, aa, "127.0.0.2", pb);
    // A PCC with MSD 3 on PCE A alone, with its LSPs.
    let _pcc = spawn(
        &bin_dir().join("pcc-sim"),
        &[
            "--pce".into(),
            format!("127.0.0.1:{pa}"),
            "--source-base".into(),
            "127.3.0.1".into(),
            "--lsps".into(),
            "2".into(),
            "--sr".into(),
            "--msd".into(),
            "3".into(),
            "--seconds".into(),
            "120".into(),
        ],
    );
    wait_for(&format!("http://127.0.0.1:{aa}/lsps"), |v| {
        v.as_array().is_some_and(|l| l.len() == 2)
    });
    // PCE B starts now.
    let _b = pce(&dir, "127.0.0.2", pb, ab, "127.0.0.1", pa);
    let peers = wait_for(&format!("http://127.0.0.2:{ab}/peers"), |v| {
        v["peers"][0]["synchronized"] == true
    });
    assert_eq!(
        peers["peers"][0]["pccs"],
        serde_json::json!([{ "pcc": "127.3.0.1", "msd": 3 }]),
        "{peers}"
    );
    // And the LSPs came with the synchronization.
    wait_for(&format!("http://127.0.0.2:{ab}/lsps"), |v| {
        v.as_array().is_some_and(|l| l.len() == 2)
    });
}
