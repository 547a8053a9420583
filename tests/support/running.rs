//! A child process killed when the test lets go of it (a failing
//! assertion included).

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running child process.
pub(crate) struct Running(pub(crate) Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `bin` with `args`, its output discarded.
pub(crate) fn spawn(bin: &Path, args: &[impl AsRef<OsStr>]) -> Running {
    Running(
        Command::new(bin)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}
