//! The `pce` binary run as an operator runs it.

use std::process::{Command, Output};

use pce_tests::bin_dir;

/// `pce ARGS`: its output, whatever its status.
pub(crate) fn pce(args: &[&str]) -> Output {
    Command::new(bin_dir().join("pce"))
        .args(args)
        .output()
        .unwrap()
}

/// `pce ARGS`, which must succeed (else its standard error fails the
/// test).
pub(crate) fn pce_ok(args: &[&str]) -> Output {
    let out = pce(args);
    assert!(
        out.status.success(),
        "pce {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
