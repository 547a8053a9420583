//! A real browser: headless Chromium (the Debian package) driven over the
//! DevTools protocol (a WebSocket): evaluate script in the page, wait for
//! a condition, take a screenshot.
#![allow(clippy::disallowed_methods)] // wall-clock deadlines

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use super::running::Running;

/// A headless Chromium on one page.
pub(crate) struct Browser {
    _process: Running,
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    next: u64,
    _profile: PathBuf,
}

impl Browser {
    /// Chromium on `url`, its profile in `profile` (a scratch directory).
    pub(crate) fn open(url: &str, profile: &Path) -> Self {
        let binary = ["chromium", "chromium-browser", "google-chrome"]
            .into_iter()
            .find(|b| {
                std::process::Command::new(b)
                    .arg("--version")
                    .output()
                    .is_ok_and(|o| o.status.success())
            })
            .expect("no chromium: tools/test.sh installs the Debian package");
        let _ = std::fs::remove_dir_all(profile);
        std::fs::create_dir_all(profile).unwrap();
        let process = Running(
            std::process::Command::new(binary)
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--no-first-run",
                    "--window-size=1400,900",
                    "--remote-debugging-port=0",
                ])
                .arg(format!("--user-data-dir={}", profile.display()))
                .arg(url)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
        // Chromium writes the port it took in the profile.
        let deadline = Instant::now() + Duration::from_secs(60);
        let port = loop {
            if let Some(p) = std::fs::read_to_string(profile.join("DevToolsActivePort"))
                .ok()
                .and_then(|t| t.lines().next().and_then(|l| l.trim().parse::<u16>().ok()))
            {
                break p;
            }
            assert!(Instant::now() < deadline, "chromium did not start");
            std::thread::sleep(Duration::from_millis(50));
        };
        let page = loop {
            let list: Value = ureq::get(&format!("http://127.0.0.1:{port}/json/list"))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_json().ok())
                .unwrap_or_default();
            if let Some(ws) = list.as_array().and_then(|l| {
                l.iter()
                    .find(|p| p["type"] == "page")
                    .and_then(|p| p["webSocketDebuggerUrl"].as_str().map(String::from))
            }) {
                break ws;
            }
            assert!(Instant::now() < deadline, "chromium has no page: {list}");
            std::thread::sleep(Duration::from_millis(50));
        };
        let (socket, _) = tungstenite::connect(page.as_str()).unwrap();
        Self {
            _process: process,
            socket,
            next: 1,
            _profile: profile.to_path_buf(),
        }
    }

    /// A DevTools command's result (its events on the way are skipped).
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        self.socket
            .send(Message::text(
                json!({"id": id, "method": method, "params": params}).to_string(),
            ))
            .unwrap();
        loop {
            let m = self.socket.read().unwrap();
            let Message::Text(t) = m else { continue };
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["id"] == id {
                assert!(v["error"].is_null(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    /// The value of `expression` in the page (its exception fails the
    /// test).
    pub(crate) fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        assert!(
            r["exceptionDetails"].is_null(),
            "{expression}: {}",
            r["exceptionDetails"]
        );
        r["result"]["value"].clone()
    }

    /// Evaluate `expression` until it is true (an exception, as while the
    /// page loads, is not); panics after `within` with `show` evaluated.
    pub(crate) fn wait(&mut self, expression: &str, within: Duration, show: &str) {
        let deadline = Instant::now() + within;
        let guarded = format!(
            "(() => {{ try {{ return ({expression}); }} catch (e) {{ return false; }} }})()"
        );
        while self.eval(&guarded) != Value::Bool(true) {
            if Instant::now() >= deadline {
                let seen = self.eval(&format!(
                    "(() => {{ try {{ return ({show}); }} catch (e) {{ return String(e); }} }})()"
                ));
                panic!("{expression}: not within {within:?}; {seen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A PNG of the page as it is drawn.
    pub(crate) fn screenshot(&mut self, to: &Path) {
        let r = self.call("Page.captureScreenshot", json!({"format": "png"}));
        let png = base64::engine::general_purpose::STANDARD
            .decode(r["data"].as_str().unwrap())
            .unwrap();
        std::fs::write(to, png).unwrap();
    }
}
