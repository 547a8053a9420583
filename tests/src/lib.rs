//! Helpers for the cross-crate tests: sample captures and tshark's reading
//! of them.

pub mod cluster;
pub mod oracle;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use pce_tools::pcap::{write_capture, Segment};
use pcep::samples;
use pcep::wire::{Message, StateSyncCodepoints, WireConfig};

/// The workspace's top directory.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_path_buf()
}

/// The directory of this build's binaries, with `pce` and `pcc-sim`
/// built.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps")
        .to_path_buf();
    if !dir.join("pce").exists() || !dir.join("pcc-sim").exists() {
        let profile = if cfg!(debug_assertions) {
            None
        } else {
            Some("--release")
        };
        let status = Command::new(env!("CARGO"))
            .arg("build")
            .args(profile)
            .args([
                "-p",
                "pce-engine",
                "--bin",
                "pce",
                "-p",
                "pce-tools",
                "--bin",
                "pcc-sim",
            ])
            .current_dir(workspace())
            .status()
            .expect("cargo");
        assert!(status.success(), "cannot build pce and pcc-sim");
    }
    dir
}

/// A fresh scratch directory for one test.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pce-tests-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Every sample message encoded, alternating PCC->PCE and PCE->PCC.
pub fn sample_segments() -> Vec<(&'static str, Message, bytes::Bytes)> {
    let cfg = WireConfig::default();
    samples::all(&StateSyncCodepoints::default())
        .into_iter()
        .map(|(name, m)| {
            let b = m.to_bytes(&cfg).expect("sample encodes");
            (name, m, b)
        })
        .collect()
}

/// Write `(name, bytes)` messages, one TCP segment each, into a capture.
pub fn write_sample_capture(path: &Path, messages: &[(&'static str, Message, bytes::Bytes)]) {
    let pcc: SocketAddr = "127.0.0.2:40000".parse().expect("addr");
    let pce: SocketAddr = "127.0.0.1:4189".parse().expect("addr");
    let segments: Vec<Segment<'_>> = messages
        .iter()
        .enumerate()
        .map(|(i, (_, _, b))| {
            let (src, dst) = if i % 2 == 0 { (pcc, pce) } else { (pce, pcc) };
            Segment {
                src,
                dst,
                payload: b,
            }
        })
        .collect();
    write_capture(path, &segments).expect("write capture");
}

/// Whether tshark is installed. In CI (CI=true) its absence is a failure:
/// `.ci/run` installs it.
pub fn tshark_available() -> bool {
    let ok = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("tshark is not installed; .ci/run installs it (apt-get install tshark)");
    }
    ok
}

/// Whether the tests run as root (network namespaces), and the files a
/// test needs are there: `Err` says what is missing.
pub fn root_and(files: &[&str], install: &str) -> Result<(), String> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if !root {
        return Err("not root (network namespaces)".into());
    }
    for p in files {
        if !Path::new(p).exists() {
            return Err(format!("{p} missing (apt-get install -y {install})"));
        }
    }
    Ok(())
}

/// The `pce` binary of the test's build profile (built if missing), for a
/// test binary in `target/<profile>/deps/`.
pub fn pce_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let pce = profile_dir.join("pce");
    if !pce.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", "pce-engine", "--bin", "pce"])
            .current_dir(workspace())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cannot build the pce binary");
    }
    pce
}

/// What tshark finds wrong in the packets of `protocol` (a display filter)
/// in a capture: each malformed packet and each warning or error expert
/// item, as `frame<TAB>message` lines.
pub fn tshark_complaints(capture: &Path, protocol: &str) -> String {
    let filter = format!("{protocol} && (_ws.malformed || _ws.expert.severity >= 0x00600000)");
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(capture)
        .args([
            "-Y",
            &filter,
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "_ws.expert.message",
        ])
        .output()
        .expect("tshark runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
