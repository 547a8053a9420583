//! Every runnable setup in examples/ starts and reaches its documented
//! state (each script's `--check` mode waits on the state, with deadlines,
//! and exits 0 once it is reached).
#![allow(clippy::disallowed_methods)]

use std::path::PathBuf;
use std::process::Command;

use pce_tests::workspace;

/// The directory of this build's binaries, with pce and pcc-sim built.
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    if !dir.join("pce").exists() || !dir.join("pcc-sim").exists() {
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
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
            .unwrap();
        assert!(status.success(), "cannot build pce and pcc-sim");
    }
    dir
}

#[test]
fn every_example_reaches_its_documented_state() {
    let bins = bin_dir();
    // One after the other: they use fixed loopback ports.
    for (script, args) in [
        ("single-pce/run.sh", vec!["--check"]),
        ("state-sync-cluster/run.sh", vec!["--check"]),
        ("split-brain/run.sh", vec!["--check", "3"]),
    ] {
        let out = Command::new("bash")
            .arg(workspace().join("examples").join(script))
            .args(&args)
            .env("PCE_BIN_DIR", &bins)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{script}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
