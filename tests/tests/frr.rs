//! Interop with a real PCC: FRRouting's pathd against `pce serve` in a
//! network namespace (tools/interop/frr-interop.sh does the run, waiting on
//! each step as a condition): the session comes up, FRR's LSPs synchronize,
//! its dynamic candidate path is computed by PCReq/PCRep, delegated,
//! updated by PCUpd and acknowledged, and an LSP initiated through the
//! management API is created on FRR. Then every packet of the run is
//! decoded by tshark: no malformed packet, no warning or error.
//!
//! Needs root, frr and tshark (tools/test.sh installs them). Outside CI a
//! machine without them skips with a message; under CI=true it fails.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::Command;

use pce_tests::{pce_binary, root_and, workspace};

fn prerequisites() -> Result<(), String> {
    root_and(
        &[
            "/usr/lib/frr/pathd",
            "/usr/lib/frr/zebra",
            "/usr/bin/tshark",
        ],
        "frr tshark",
    )
}

/// Every PCEP message in a capture: (source address, message type, expert
/// warnings and errors, malformed).
fn decode(capture: &Path) -> Vec<(String, u8, Vec<String>)> {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(capture)
        .args(["-d", "tcp.port==4189,pcep", "-T", "pdml"])
        .output()
        .expect("tshark runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdml = String::from_utf8_lossy(&out.stdout);
    let doc = roxmltree::Document::parse(&pdml).expect("PDML");
    let mut messages = Vec::new();
    for packet in doc.descendants().filter(|n| n.has_tag_name("packet")) {
        let field = |name: &str| {
            packet
                .descendants()
                .find(|f| f.attribute("name") == Some(name))
                .and_then(|f| f.attribute("show"))
                .unwrap_or_default()
                .to_string()
        };
        let src = field("ip.src");
        let malformed = packet
            .children()
            .any(|p| p.attribute("name") == Some("_ws.malformed"));
        for proto in packet
            .children()
            .filter(|p| p.attribute("name") == Some("pcep"))
        {
            let mut problems: Vec<String> = proto
                .descendants()
                .filter(|f| f.attribute("name") == Some("_ws.expert"))
                .filter_map(|f| f.attribute("showname"))
                .filter(|t| t.contains("(Warning/") || t.contains("(Error/"))
                .map(ToString::to_string)
                .collect();
            if malformed {
                problems.push("malformed packet".into());
            }
            let msg_type = proto
                .descendants()
                .find(|f| f.attribute("name") == Some("pcep.msg"))
                .and_then(|f| f.attribute("show"))
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            messages.push((src.clone(), msg_type, problems));
        }
    }
    messages
}

/// Run an interop script; its output directory.
fn run_script(script: &str, tag: &str) -> Option<PathBuf> {
    run_script_with(script, tag, &[])
}

/// [`run_script`] with environment variables.
fn run_script_with(script: &str, tag: &str, env: &[(&str, &str)]) -> Option<PathBuf> {
    if let Err(why) = prerequisites() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the FRR interop tests must run in CI: {why}"
        );
        eprintln!("SKIPPED: {why}");
        return None;
    }
    let out = std::env::temp_dir().join(format!("{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let run = Command::new("bash")
        .envs(env.iter().copied())
        .arg(workspace().join("tools/interop").join(script))
        .arg(pce_binary())
        .arg(&out)
        .arg("60")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&run.stdout);
    let tail = |f: &str| std::fs::read_to_string(out.join(f)).unwrap_or_default();
    assert!(
        run.status.success(),
        "{log}\n{}\n--- pce logs\n{}{}{}\n--- vtysh\n{}",
        String::from_utf8_lossy(&run.stderr),
        tail("pce.log"),
        tail("pce1.log"),
        tail("pce2.log"),
        tail("vtysh.txt")
    );
    Some(out)
}

/// Every PCEP message of the capture decodes without malformed packet or
/// warning, and each (source, message type) listed is there.
fn check_capture(out: &Path, expected: &[(&str, u8, &str)]) {
    let messages = decode(&out.join("pcep.pcapng"));
    let from = |src: &str, t: u8| messages.iter().any(|(s, m, _)| s == src && *m == t);
    for (src, t, what) in expected {
        assert!(from(src, *t), "no {what} in the capture: {messages:?}");
    }
    for (src, t, problems) in &messages {
        assert!(
            problems.is_empty(),
            "message type {t} from {src}: tshark reports {problems:?}"
        );
    }
}

#[test]
fn frr_pathd_against_pce_serve() {
    let Some(out) = run_script("frr-interop.sh", "frr-interop") else {
        return;
    };
    // FRR (127.0.0.2): Open, PCRpt, PCReq. The PCE (127.0.0.1): Open,
    // Keepalive, PCRep, PCUpd, PCInitiate.
    check_capture(
        &out,
        &[
            ("127.0.0.2", 1, "FRR's Open"),
            ("127.0.0.2", 10, "FRR's reports"),
            ("127.0.0.2", 3, "FRR's PCReq"),
            ("127.0.0.1", 1, "our Open"),
            ("127.0.0.1", 2, "our Keepalive"),
            ("127.0.0.1", 4, "our PCRep"),
            ("127.0.0.1", 11, "our PCUpd"),
            ("127.0.0.1", 12, "our PCInitiate"),
        ],
    );
    let vtysh = std::fs::read_to_string(out.join("vtysh.txt")).unwrap_or_default();
    assert!(vtysh.contains("Session Status UP"), "{vtysh}");
    let _ = std::fs::remove_dir_all(&out);
}

/// The same with the TED learned over BGP-LS from GoBGP (the PCE starts
/// on another topology; pathd starts once the TED is the interop one).
#[test]
fn frr_pathd_against_pce_serve_with_the_topology_from_bgp_ls() {
    let gobgp = root_and(
        &[
            "/usr/bin/gobgpd",
            "/usr/share/gocode/src/github.com/osrg/gobgp/api/gobgp.proto",
        ],
        "gobgpd golang-github-osrg-gobgp-dev",
    );
    if let Err(why) = gobgp {
        assert!(
            std::env::var_os("CI").is_none(),
            "the FRR interop tests must run in CI: {why}"
        );
        eprintln!("SKIPPED: {why}");
        return;
    }
    let Some(out) = run_script_with(
        "frr-interop.sh",
        "frr-interop-bgp-ls",
        &[("FRR_TED", "bgp-ls")],
    ) else {
        return;
    };
    check_capture(
        &out,
        &[
            ("127.0.0.2", 10, "FRR's reports"),
            ("127.0.0.1", 11, "our PCUpd"),
            ("127.0.0.1", 12, "our PCInitiate"),
        ],
    );
    let bad = pce_tests::tshark_complaints(&out.join("pcep.pcapng"), "bgp");
    assert!(bad.is_empty(), "tshark complains about BGP: {bad}");
    let _ = std::fs::remove_dir_all(&out);
}

/// FRR's pathd connected only to PCE2 while PCE1 has the higher priority:
/// the delegated LSP is computed by PCE1, the update reaches FRR through
/// PCE2, FRR's acknowledgement reaches PCE1 (tools/interop/frr-state-sync.sh
/// waits on each); then every PCE-to-PCE and PCE-to-PCC message decodes.
#[test]
fn frr_pathd_behind_a_sub_delegating_pce() {
    let Some(out) = run_script("frr-state-sync.sh", "frr-state-sync") else {
        return;
    };
    check_capture(
        &out,
        &[
            ("127.0.0.1", 5, "PCE2's PCNtf relaying pathd's Open"),
            ("127.0.0.1", 10, "PCE2's forwarded reports"),
            ("127.0.0.5", 10, "PCE1's end-of-sync marker"),
            ("127.0.0.5", 11, "PCE1's PCUpd to PCE2"),
            ("127.0.0.1", 11, "PCE2's relayed PCUpd to pathd"),
            ("127.0.0.2", 10, "pathd's reports"),
        ],
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// The same run with TCP-MD5 (RFC 2385) on both sides (pathd's
/// `tcp-md5-auth`, the PCE's `[[tcp_md5]]`): every step happens, and every
/// PCEP segment of the session carries the MD5 option.
#[test]
fn frr_pathd_against_pce_serve_over_tcp_md5() {
    let Some(out) = run_script_with(
        "frr-interop.sh",
        "frr-md5",
        &[
            ("PCE_MD5", "interop-md5-key"),
            ("FRR_MD5", "interop-md5-key"),
        ],
    ) else {
        return;
    };
    check_capture(
        &out,
        &[
            ("127.0.0.2", 1, "FRR's Open"),
            ("127.0.0.1", 11, "our PCUpd"),
        ],
    );
    let count = |filter: &str| {
        let o = Command::new("tshark")
            .args(["-r"])
            .arg(out.join("pcep.pcapng"))
            .args(["-Y", filter])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).lines().count()
    };
    // pathd's session (the capture's end marker to 127.0.0.9 aside).
    let session = "ip.addr == 127.0.0.2 && tcp.port == 4189";
    assert!(count(&format!("{session} && tcp.options.md5")) > 10);
    assert_eq!(count(&format!("{session} && !tcp.options.md5")), 0);
    let _ = std::fs::remove_dir_all(&out);
}

/// pathd with another key than the PCE's: the kernel drops its segments
/// (the PCE's pce_tcp_md5_drops_total{reason="failure"} grows) and no
/// session comes up (the script checks both).
#[test]
fn frr_pathd_with_a_wrong_tcp_md5_key_gets_no_session() {
    let Some(out) = run_script_with(
        "frr-interop.sh",
        "frr-md5-wrong",
        &[
            ("PCE_MD5", "interop-md5-key"),
            ("FRR_MD5", "another-key"),
            ("EXPECT", "refused"),
        ],
    ) else {
        return;
    };
    let _ = std::fs::remove_dir_all(&out);
}
