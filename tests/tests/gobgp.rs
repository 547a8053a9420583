//! Interop with a real BGP speaker: GoBGP originates BGP-LS for the
//! draft's Topology A toward `pce serve` in a network namespace
//! (tools/interop/gobgp-bgpls.sh does the run, waiting on each step as a
//! condition): the TED becomes Topology A, node by node and link by link
//! with its metrics; `pcc-sim` delegates two LSPs; a link GoBGP withdraws
//! goes down, and exactly the LSP over it gets a new path by PCUpd,
//! acknowledged; announced again, it comes back up and the LSP returns.
//! Then every BGP and PCEP message of the run is decoded by tshark: no
//! malformed packet, no warning or error.
//!
//! Needs root, gobgpd, its API protos, tshark and a Python venv with grpcio
//! (tools/test.sh installs the packages; the script makes the venv).
//! Outside CI a machine without them skips with a message; under CI=true
//! it fails.
#![allow(clippy::disallowed_methods)]

use std::process::Command;

use pce_tests::{bin_dir, root_and, tshark_complaints, workspace};

fn prerequisites() -> Result<(), String> {
    root_and(
        &[
            "/usr/bin/gobgpd",
            "/usr/share/gocode/src/github.com/osrg/gobgp/api/gobgp.proto",
            "/usr/bin/tshark",
        ],
        "gobgpd golang-github-osrg-gobgp-dev tshark",
    )
}

#[test]
fn gobgp_feeds_the_ted_of_pce_serve() {
    if let Err(why) = prerequisites() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the GoBGP interop test must run in CI: {why}"
        );
        eprintln!("SKIPPED: {why}");
        return;
    }
    let out = std::env::temp_dir().join(format!("gobgp-bgpls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let run = Command::new("bash")
        .arg(workspace().join("tools/interop/gobgp-bgpls.sh"))
        .arg(bin_dir().join("pce"))
        .arg(&out)
        .arg("60")
        .output()
        .unwrap();
    let tail = |f: &str| std::fs::read_to_string(out.join(f)).unwrap_or_default();
    assert!(
        run.status.success(),
        "{}\n{}\n--- pce log\n{}\n--- gobgpd log\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr),
        tail("pce.log"),
        tail("gobgpd.log")
    );
    let capture = out.join("bgp.pcapng");
    let types = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(&capture)
        .args([
            "-Y", "bgp", "-T", "fields", "-e", "ip.src", "-e", "bgp.type",
        ])
        .output()
        .unwrap();
    let types = String::from_utf8_lossy(&types.stdout);
    let count = |src: &str, t: &str| {
        types
            .lines()
            .filter(|l| {
                let mut f = l.split('\t');
                f.next() == Some(src) && f.next().is_some_and(|x| x.split(',').any(|y| y == t))
            })
            .count()
    };
    // Ours: OPEN and KEEPALIVE; GoBGP's: OPEN, KEEPALIVE and the UPDATEs
    // (40 routes, a withdrawal of 2, 2 again).
    assert_eq!(count("127.0.0.2", "1"), 1, "{types}");
    assert!(count("127.0.0.2", "4") >= 1, "{types}");
    assert!(count("127.0.0.1", "2") >= 43, "{types}");
    for protocol in ["bgp", "pcep"] {
        let bad = tshark_complaints(&capture, protocol);
        assert!(bad.is_empty(), "tshark complains about {protocol}: {bad}");
    }
    // The PCUpds of the run: the two first paths, the move off the link,
    // the move back.
    let updates = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(&capture)
        .args(["-Y", "pcep", "-T", "fields", "-e", "pcep.msg"])
        .output()
        .unwrap();
    // One line per frame, its messages' types separated by commas.
    let updates = String::from_utf8_lossy(&updates.stdout)
        .split([',', '\n'])
        .filter(|t| t.trim() == "11")
        .count();
    assert!(updates >= 4, "{updates} PCUpd messages in the capture");
    let _ = std::fs::remove_dir_all(&out);
}
