//! `pce serve` on loopback with a configuration of its own (`[pce]`
//! address, port and API on free ports, then `more`), ready when it
//! answers `/health`.

use std::process::{Command, Stdio};
use std::time::Duration;

use pce_tests::{bin_dir, scratch_dir};

use super::free_port::free_port;
use super::running::{spawn, Running};
use super::wait_json::wait_json;

/// The process, its PCEP port and its API port.
pub(crate) fn pce_serve(tag: &str, more: &str) -> (Running, u16, u16) {
    pce_serve_limited(tag, more, None)
}

/// The same, its log (standard error) written to `log`.
pub(crate) fn pce_serve_logged(
    tag: &str,
    more: &str,
    log: &std::path::Path,
) -> (Running, u16, u16) {
    start(tag, more, None, Some(log))
}

/// The same, with both descriptor limits at `nofile` when given (so that
/// it cannot raise them).
pub(crate) fn pce_serve_limited(tag: &str, more: &str, nofile: Option<u64>) -> (Running, u16, u16) {
    start(tag, more, nofile, None)
}

fn start(
    tag: &str,
    more: &str,
    nofile: Option<u64>,
    log: Option<&std::path::Path>,
) -> (Running, u16, u16) {
    let dir = scratch_dir(tag);
    let (port, api) = (free_port(), free_port());
    let config = dir.join("pce.toml");
    std::fs::write(
        &config,
        format!("[pce]\naddress = \"127.0.0.1\"\nport = {port}\napi = \"127.0.0.1:{api}\"\n{more}"),
    )
    .unwrap();
    let pce = match (nofile, log) {
        (None, Some(log)) => Running(
            Command::new(bin_dir().join("pce"))
                .args(["serve", "--config", &config.display().to_string()])
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(log).unwrap())
                .spawn()
                .unwrap(),
        ),
        (None, None) => spawn(
            &bin_dir().join("pce"),
            &["serve", "--config", &config.display().to_string()],
        ),
        (Some(n), _) => Running(
            Command::new("bash")
                .args([
                    "-c",
                    &format!("ulimit -n {n} && exec \"$0\" serve --config \"$1\""),
                ])
                .arg(bin_dir().join("pce"))
                .arg(&config)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        ),
    };
    if more.contains("[api_tls]") {
        // HTTPS: ready when the API accepts connections (the test checks
        // /health with its own TLS settings).
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", api)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "the API did not come up"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    } else {
        wait_json(
            &format!("http://127.0.0.1:{api}/health"),
            Duration::from_secs(30),
            |h| h["status"] == "ok",
        );
    }
    (pce, port, api)
}

/// `pce serve` at `me` (its PCEP address) with its API at `api`, `more` in
/// its `[pce]` section, and one state-sync peer reached at `peer`; not
/// waited for.
pub(crate) fn state_sync_pce(
    dir: &std::path::Path,
    me: &str,
    port: u16,
    api: std::net::SocketAddr,
    more: &str,
    peer: std::net::SocketAddr,
) -> Running {
    let config = dir.join(format!("{me}.toml"));
    std::fs::write(
        &config,
        format!(
            "[pce]\naddress = \"{me}\"\nport = {port}\napi = \"{api}\"\n{more}\n\
             [state_sync]\n[[state_sync.peers]]\naddress = \"{}\"\nport = {}\n",
            peer.ip(),
            peer.port()
        ),
    )
    .unwrap();
    spawn(
        &bin_dir().join("pce"),
        &["serve", "--config", &config.display().to_string()],
    )
}
