//! Every runnable setup in examples/ starts and reaches its documented
//! state (each script's `--check` mode waits on the state, with deadlines,
//! and exits 0 once it is reached).
#![allow(clippy::disallowed_methods)]

use std::process::Command;

use pce_tests::{bin_dir, workspace};

#[test]
fn every_example_reaches_its_documented_state() {
    let bins = bin_dir();
    // One after the other: they use fixed loopback ports.
    for (script, args) in [
        ("single-pce/run.sh", vec!["--check"]),
        ("state-sync-cluster/run.sh", vec!["--check"]),
        ("split-brain/run.sh", vec!["--check", "3"]),
        // The same cluster over PCEPS: PCCs over TLS, the PCEs' state
        // sync over mutual TLS.
        ("split-brain/run.sh", vec!["--check", "--tls", "3"]),
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
