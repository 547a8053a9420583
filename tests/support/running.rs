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

/// Start `bin` with `args`, its output discarded; with `PCE_TEST_LOGS` set
/// to a directory, its log (stderr) is kept there, one file per process
/// (`<binary>-<n>.log`), to see what a failing process test's daemons did.
pub(crate) fn spawn(bin: &Path, args: &[impl AsRef<OsStr>]) -> Running {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let stderr = std::env::var_os("PCE_TEST_LOGS").map_or_else(Stdio::null, |dir| {
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = bin.file_name().unwrap_or_default().to_string_lossy();
        let path = Path::new(&dir).join(format!("{name}-{}-{n}.log", std::process::id()));
        std::fs::File::create(&path).map_or_else(|_| Stdio::null(), Stdio::from)
    });
    Running(
        Command::new(bin)
            .args(args)
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap(),
    )
}

/// One simulated PCC (`pcc-sim`) at `source`, with no LSP of its own (the
/// PCE initiates them), connected to the PCE on `port` for 15 minutes.
pub(crate) fn empty_pcc(port: u16, source: &str) -> Running {
    spawn(
        &pce_tests::bin_dir().join("pcc-sim"),
        &[
            "--pce",
            &format!("127.0.0.1:{port}"),
            "--source-base",
            source,
            "--pccs",
            "1",
            "--lsps",
            "0",
            "--seconds",
            "900",
        ],
    )
}
