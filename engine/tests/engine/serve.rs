//! `pce serve` as a process: a PCC (our sans-IO session over a real TCP
//! socket) opens a stateful session, reports an LSP and asks for a path.
//! Real time is used only to bound the waits; nothing sleeps.
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pcep::session::{Event, OpenPolicy, Role, Session, SessionConfig, State};
use pcep::wire::object::Open;
use pcep::wire::tlv::{StatefulCapability, Tlv};
use pcep::wire::{Attributes, Message, WireConfig};

use super::pcreq::{hops, request};

const WAIT: Duration = Duration::from_secs(20);

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server() -> (Server, u16, tempdir::Dir) {
    let (server, port, _api, dir) = start_server_with_api();
    (server, port, dir)
}

/// A scratch directory of its own (tests run in parallel).
fn own_dir(tag: &str) -> tempdir::Dir {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tempdir::Dir::new(&format!("{tag}-{n}"))
}

/// The server, its PCEP port, its API port, its scratch directory.
fn start_server_with_api() -> (Server, u16, u16, tempdir::Dir) {
    // Ask the kernel for a free port, then hand it to the server.
    let free = free_port;
    let (port, api) = (free(), free());
    let dir = own_dir("session");
    let config = dir.path.join("pce.toml");
    std::fs::write(
        &config,
        format!(
            "[pce]\naddress = \"127.0.0.1\"\nport = {port}\napi = \"127.0.0.1:{api}\"\nkeepalive = 30\ndead_timer = 120\n"
        ),
    )
    .unwrap();
    (serve(&config), port, api, dir)
}

/// `pce serve` on a configuration file.
fn serve(config: &std::path::Path) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_pce"))
        .args(["serve", "--config"])
        .arg(config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Server(child)
}

/// `pce` run to completion with `args`.
fn run_pce<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pce"))
        .args(args)
        .output()
        .unwrap()
}

/// The standard error of a run that exited with `code`.
fn failure(out: std::process::Output, code: i32, context: &str) -> String {
    assert_eq!(out.status.code(), Some(code), "{context}");
    String::from_utf8(out.stderr).unwrap()
}

#[path = "../../../tests/support/free_port.rs"]
mod free_port;
#[path = "../../../tests/support/wait_json.rs"]
mod wait_json;
use free_port::free_port;
use wait_json::wait_json;

fn connect(port: u16) -> TcpStream {
    let deadline = Instant::now() + WAIT;
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => return s,
            // Still binding: poll the condition until the deadline.
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!("pce serve did not listen within {WAIT:?}: {e}"),
        }
    }
}

/// Pump the session until `done` returns a value, or fail after WAIT.
fn pump<T>(
    s: &mut Session,
    stream: &mut TcpStream,
    mut done: impl FnMut(&Event) -> Option<T>,
) -> T {
    let deadline = Instant::now() + WAIT;
    let mut buf = [0u8; 65536];
    loop {
        while let Some(bytes) = s.poll_transmit() {
            stream.write_all(&bytes).unwrap();
        }
        while let Some(ev) = s.poll_event() {
            assert!(
                !matches!(
                    ev,
                    Event::Closed { .. } | Event::Failed(_) | Event::Malformed(_)
                ),
                "unexpected {ev:?}"
            );
            if let Some(v) = done(&ev) {
                return v;
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "no answer from pce serve within {WAIT:?}");
        stream.set_read_timeout(Some(left)).unwrap();
        let n = stream.read(&mut buf).expect("read from pce serve");
        assert!(n > 0, "pce serve closed the connection");
        s.handle_bytes(&buf[..n], Instant::now());
    }
}

mod tempdir {
    pub(super) struct Dir {
        pub(super) path: std::path::PathBuf,
    }
    impl Dir {
        pub(super) fn new(tag: &str) -> Self {
            let path = std::env::temp_dir().join(format!("pce-serve-{tag}-{}", std::process::id()));
            std::fs::create_dir_all(&path).unwrap();
            Self { path }
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

#[test]
fn stateful_session_report_and_path_request() {
    let (_server, port, _dir) = start_server();
    let mut stream = connect(port);
    let mut pcc = Session::new(SessionConfig {
        role: Role::Pcc,
        open: Open {
            keepalive: 30,
            dead_timer: 120,
            tlvs: vec![Tlv::StatefulPceCapability(StatefulCapability(
                StatefulCapability::UPDATE,
            ))],
            ..Open::default()
        },
        policy: OpenPolicy::default(),
        wire: WireConfig::default(),
    });
    pcc.start(Instant::now());
    let negotiated = pump(&mut pcc, &mut stream, |ev| match ev {
        Event::Up(n) => Some(n.clone()),
        _ => None,
    });
    assert!(negotiated.capabilities.stateful && negotiated.capabilities.update);
    assert!(matches!(pcc.state(), State::Up(_)));

    // A report (applied to the LSP DB; a bad one would draw a PCErr and
    // fail the pump), then a request whose reply proves the session and
    // the solver behind it.
    assert!(pcc
        .send(&pcep::samples::bench_report(1, 1), Instant::now())
        .is_ok());
    let req = request("192.0.2.2", false, Attributes::default());
    assert!(pcc.send(&Message::PcReq(req), Instant::now()).is_ok());
    let rep = pump(&mut pcc, &mut stream, |ev| match ev {
        Event::Message(Message::PcRep(rep)) => Some(rep.clone()),
        Event::Message(Message::PcErr(e)) => panic!("PCErr from pce serve: {e:?}"),
        _ => None,
    });
    assert_eq!(rep.responses[0].rp.request_id, 7);
    assert_eq!(
        hops(&rep),
        ["10.0.0.5", "10.0.0.7", "10.0.0.8", "10.0.0.6", "10.0.0.2"]
    );
    pcc.close(pcep::wire::CloseReason::NO_EXPLANATION, Instant::now());
    while let Some(bytes) = pcc.poll_transmit() {
        stream.write_all(&bytes).unwrap();
    }
}

#[test]
fn bad_configuration_is_refused_with_its_reason() {
    let dir = tempdir::Dir::new("bad");
    let path = dir.path.join("bad.toml");
    for (text, needles) in [
        ("[pce]\nkeepalive = 0\n", &["keepalive", "1 to 255"][..]),
        (
            "[pce]\nstate_timeout = 10\n",
            &["redelegation_timeout", "at most state_timeout"][..],
        ),
        ("[pce]\napi = \"nowhere\"\n", &["api"][..]),
        (
            "[pce]\nsession_read_budget = 1000\n",
            &["session_read_budget", "65536"][..],
        ),
        (
            "[pce]\nsession_read_budget = 1000000\nread_budget = 100000\n",
            &["read_budget", "at least session_read_budget"][..],
        ),
        (
            "[pce]\napi_idle_timeout = 0\n",
            &["api_idle_timeout", "1 to 3600"][..],
        ),
        ("[pce]\nplan_limit = 0\n", &["plan_limit", "1 second"][..]),
        ("[pce]\nupdate_window = 0\n", &["update_window", "1 to 65536"][..]),
        (
            "[[tcp_md5]]\npeer = \"10.0.0.0/8\"\nkey = \"\"\n",
            &["tcp_md5.key", "1 to 80"][..],
        ),
        (
            "[[tcp_md5]]\npeer = \"10.0.0.0/8\"\nkey = \"a\"\n[[tcp_md5]]\npeer = \"10.0.0.0/8\"\nkey = \"b\"\n",
            &["tcp_md5.peer", "once"][..],
        ),
        (
            "[[tcp_md5]]\npeer = \"10.0.0.0/40\"\nkey = \"a\"\n",
            &["line 2", "not an address or prefix"][..],
        ),
        (
            "[pce]\napi = \"0.0.0.0:9189\"\n",
            &["api", "loopback", "api_tokens"][..],
        ),
        (
            "[[api_tokens]]\nname = \"noc\"\nrole = \"admin\"\nsha256 = \"00\"\n",
            &["role", "read", "operator"][..],
        ),
        (
            "[[api_tokens]]\nname = \"noc\"\nrole = \"read\"\nsha256 = \"abc\"\n",
            &["api_tokens.sha256", "64"][..],
        ),
        (
            "[[api_tokens]]\nname = \"a b\"\nrole = \"read\"\nsha256 = \"abc\"\n",
            &["api_tokens.name"][..],
        ),
        (
            "[pce]\nallow = [\"10.0.0.0/33\"]\n",
            &["allow", "not an address or prefix"][..],
        ),
        (
            "[pce]\nstate_timout = 10\n",
            &["unknown field", "state_timout"][..],
        ),
        ("[pce]\nport = \"x\"\n", &["port"][..]),
        (
            "[state_sync]\npartial_group = \"sometimes\"\n",
            &["state_sync.partial_group", "relax, skip or avoid_others"][..],
        ),
        (
            "[pce]\naddress = \"127.0.0.1\"\n[state_sync]\n[[state_sync.peers]]\naddress = \"127.0.0.1\"\n",
            &["state_sync.peers", "other than this PCE's identity"][..],
        ),
        ("[state_sync]\n[[state_sync.peers]]\nadress = \"10.0.0.1\"\n", &["unknown field", "adress"][..]),
        (
            "[state_sync.codepoints]\ninter_pce_capability_mask = 3\n",
            &["state_sync.codepoints", "exactly one bit"][..],
        ),
        (
            "[bgp_ls]\nlocal_as = 1\nrouter_id = \"10.0.0.1\"\nhold_time = 2\n[[bgp_ls.peers]]\naddress = \"10.0.0.2\"\nasn = 1\n",
            &["bgp_ls.hold_time", "3 seconds"][..],
        ),
        (
            "[bgp_ls]\nlocal_as = 1\nrouter_id = \"10.0.0.1\"\npeers = []\n",
            &["bgp_ls.peers", "at least one"][..],
        ),
        (
            "[bgp_ls]\nlocal_as = 1\nrouter_id = \"0.0.0.0\"\n[[bgp_ls.peers]]\naddress = \"10.0.0.2\"\nasn = 1\n",
            &["bgp_ls.router_id"][..],
        ),
    ] {
        std::fs::write(&path, text).unwrap();
        let out = run_pce(&["serve".as_ref(), "--config".as_ref(), path.as_os_str()]);
        let err = failure(out, 2, text);
        assert!(err.contains("bad.toml"), "{text}: {err}");
        for n in needles {
            assert!(err.contains(n), "{text}: {err:?} lacks {n:?}");
        }
    }
}

/// The CLI against a running PCE: tables, JSON, API errors, and a PCE
/// that cannot be reached.
#[test]
fn cli_commands_against_a_running_pce() {
    let (_server, port, api, _dir) = start_server_with_api();
    let _ = connect(port); // listening
    let url = format!("http://127.0.0.1:{api}");
    let pce = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pce"))
            .args(args)
            .args(["--api", &url])
            .output()
            .unwrap()
    };
    // The API comes up with the PCEP listener: wait for it.
    let deadline = Instant::now() + WAIT;
    while !pce(&["sessions"]).status.success() {
        assert!(Instant::now() < deadline, "API not up");
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = pce(&["topology"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("NODE") && text.contains("PCC1"), "{text}");
    // One JSON object per line: none here.
    let out = pce(&["lsps", "--json"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "");
    for what in ["associations", "peers", "sessions"] {
        assert!(pce(&[what]).status.success(), "{what}");
    }
    // API errors: status and message, exit code 1.
    let out = pce(&["lsp", "delete", "--pcc", "192.0.2.1", "--name", "x"]);
    let err = failure(out, 1, "lsp delete");
    assert!(
        err.contains("404") && err.contains("no PCEP session"),
        "{err}"
    );
    let out = pce(&[
        "lsp",
        "create",
        "--pcc",
        "192.0.2.1",
        "--name",
        "x",
        "--source",
        "10.0.0.1",
        "--destination",
        "10.0.0.4",
        "--objective",
        "cheap",
    ]);
    assert!(failure(out, 1, "lsp create").contains("expected igp"));
    for args in [
        &[
            "lsp",
            "update",
            "--pcc",
            "192.0.2.1",
            "--name",
            "x",
            "--bandwidth-bps",
            "1000000",
        ][..],
        &["lsp", "return", "--pcc", "192.0.2.1", "--name", "x"][..],
    ] {
        let context = format!("{args:?}");
        assert!(
            failure(pce(args), 1, &context).contains("no PCEP session"),
            "{context}"
        );
    }
    let out = pce(&["lsps", "--pcc", "192.0.2.1", "--name", "x", "--delegated"]);
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("PCC"));
    // Nobody there.
    let out = run_pce(&["peers", "--api", "http://127.0.0.1:1"]);
    assert!(failure(out, 1, "").contains("cannot reach the PCE's management API"));
}

/// SIGTERM: every session gets a CLOSE, then the PCE exits with status 0.
#[test]
fn sigterm_closes_every_session_then_exits() {
    let (mut server, port, _dir) = start_server();
    let mut stream = connect(port);
    let mut pcc = Session::new(SessionConfig {
        role: Role::Pcc,
        open: Open {
            tlvs: vec![Tlv::StatefulPceCapability(StatefulCapability(
                StatefulCapability::UPDATE,
            ))],
            ..Open::default()
        },
        policy: OpenPolicy::default(),
        wire: WireConfig::default(),
    });
    pcc.start(Instant::now());
    pump(&mut pcc, &mut stream, |ev| {
        matches!(ev, Event::Up(_)).then_some(())
    });
    let status = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // The CLOSE arrives (the session ends by the peer's Close).
    let deadline = Instant::now() + WAIT;
    let mut buf = [0u8; 4096];
    let closed = loop {
        if let Some(ev) = pcc.poll_event() {
            if let Event::Closed { by_peer, .. } = ev {
                break by_peer;
            }
            continue;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "no CLOSE within {WAIT:?}");
        stream.set_read_timeout(Some(left)).unwrap();
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "connection ended without a CLOSE");
        pcc.handle_bytes(&buf[..n], Instant::now());
    };
    assert!(closed, "closed by the PCE");
    let deadline = Instant::now() + WAIT;
    let code = loop {
        if let Some(s) = server.0.try_wait().unwrap() {
            break s.code();
        }
        assert!(Instant::now() < deadline, "pce serve did not exit");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(code, Some(0));
}

/// `--log-format json`: one JSON object per line; a bad `--log-level` is
/// refused with its reason.
#[test]
fn json_logs_and_bad_log_level() {
    let dir = tempdir::Dir::new("logs");
    let free = free_port;
    let config = dir.path.join("pce.toml");
    std::fs::write(
        &config,
        format!("[pce]\nport = {}\napi = \"127.0.0.1:{}\"\n", free(), free()),
    )
    .unwrap();
    let mut child = Server(
        Command::new(env!("CARGO_BIN_EXE_pce"))
            .args([
                "serve",
                "--log-format",
                "json",
                "--log-level",
                "info",
                "--config",
            ])
            .arg(&config)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    let stderr = child.0.stderr.take().unwrap();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stderr), &mut line).unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["level"], "INFO", "{line}");
    assert!(v["fields"]["message"].is_string(), "{line}");
    let args = ["serve", "--log-level", "info,[[", "--config"].map(std::ffi::OsStr::new);
    let out = run_pce(&[&args[..], &[config.as_os_str()]].concat());
    assert!(failure(out, 2, "bad --log-level").contains("--log-level"));
}

/// `[state_sync.codepoints]` reaches the core's configuration.
#[test]
fn state_sync_codepoints_from_the_configuration_file() {
    let c = pce_engine::runtime::config::Config::parse(
        "[state_sync]\n[state_sync.codepoints]\ninter_pce_capability_mask = 0x10000\nspeaker_entity_id_missing = 99\n[[state_sync.peers]]\naddress = \"192.0.2.9\"\n",
        "test.toml",
    )
    .unwrap();
    let ss = c.state_sync().unwrap();
    assert_eq!(ss.codepoints.inter_pce_capability_mask, 0x10000);
    assert_eq!(ss.codepoints.speaker_entity_id_missing, 99);
    assert_eq!(
        ss.codepoints.original_lsp_db_version_tlv,
        pcep::wire::StateSyncCodepoints::default().original_lsp_db_version_tlv
    );
}

/// INTER-PCE-CAPABILITY goes only to the configured peer PCEs: a PCC never
/// sees it, and an unknown PCE that sets it negotiates an ordinary session.
#[test]
fn the_inter_pce_capability_is_offered_to_configured_peers_only() {
    let c = pce_engine::runtime::config::Config::parse(
        "[state_sync]\n[[state_sync.peers]]\naddress = \"192.0.2.9\"\n",
        "test.toml",
    )
    .unwrap();
    let mask = c.state_sync().unwrap().codepoints.inter_pce_capability_mask;
    let flags = |open: &Open| open.stateful_capability().unwrap().0;
    let to_peer = pce_engine::runtime::server::pce_open(&c, "192.0.2.9".parse().unwrap(), None);
    let to_pcc = pce_engine::runtime::server::pce_open(&c, "192.0.2.1".parse().unwrap(), None);
    assert_ne!(flags(&to_peer) & mask, 0);
    assert_eq!(flags(&to_pcc) & mask, 0);
    // F (RFC 8232 §3.4) to PCCs only: a state-sync session's initial
    // synchronization goes both ways at once.
    let f = pcep::wire::tlv::StatefulCapability::TRIGGERED_INITIAL_SYNC;
    assert_ne!(flags(&to_pcc) & f, 0);
    assert_eq!(flags(&to_peer) & f, 0);
    assert_eq!(
        flags(&to_pcc) & !f,
        flags(&to_peer) & !mask,
        "otherwise the same"
    );
    let cp = pcep::wire::StateSyncCodepoints::default();
    let stranger = pcep::session::Negotiated::new(&to_pcc, &to_peer, &cp);
    assert!(!stranger.capabilities.inter_pce);
    assert!(stranger.capabilities.update);
}

/// `[pce] allow`: prefixes and single addresses, IPv4 and IPv6, an
/// IPv4-mapped address as IPv4, the configured state-sync peers always;
/// without it, anyone.
#[test]
fn the_allow_list_matches_prefixes_addresses_and_peers() {
    use pce_engine::runtime::config::Config;
    let c = Config::parse(
        "[pce]\nallow = [\"10.0.0.0/8\", \"192.0.2.1\", \"2001:db8::/32\"]\n\
         [state_sync]\n[[state_sync.peers]]\naddress = \"198.51.100.7\"\n",
        "test.toml",
    )
    .unwrap();
    let allows = |a: &str| c.allows(a.parse().unwrap());
    for yes in [
        "10.1.2.3",
        "192.0.2.1",
        "2001:db8::1",
        "::ffff:10.0.0.1",
        "198.51.100.7",
    ] {
        assert!(allows(yes), "{yes}");
    }
    for no in ["11.0.0.1", "192.0.2.2", "2001:db9::1", "198.51.100.8"] {
        assert!(!allows(no), "{no}");
    }
    let open = Config::parse("", "test.toml").unwrap();
    assert!(open.allows("203.0.113.1".parse().unwrap()));
}

/// `[tls]`: PCEPS per PCC prefix (longest match), mutual TLS towards
/// state-sync peers by default once there is a CA, and the combinations
/// that cannot work refused with the key that is wrong.
#[test]
fn pceps_modes_from_the_configuration() {
    use pce_engine::runtime::config::{Config, ConfigError, TlsMode};
    let tls = "[tls]\ncertificate = \"c.pem\"\nkey = \"k.pem\"\n";
    let c = Config::parse(
        &format!(
            "{tls}ca = \"ca.pem\"\npccs = \"off\"\n\
             [[tls.pcc]]\nprefix = \"10.0.0.0/8\"\nmode = \"optional\"\n\
             [[tls.pcc]]\nprefix = \"10.1.0.0/16\"\nmode = \"required\"\n\
             [state_sync]\n[[state_sync.peers]]\naddress = \"198.51.100.7\"\n\
             [[state_sync.peers]]\naddress = \"198.51.100.8\"\ntls = \"off\"\n"
        ),
        "test.toml",
    )
    .unwrap();
    let mode = |a: &str| c.tls_mode(a.parse().unwrap());
    assert_eq!(mode("10.2.0.1"), TlsMode::Optional);
    assert_eq!(mode("10.1.0.1"), TlsMode::Required);
    assert_eq!(mode("192.0.2.1"), TlsMode::Off);
    assert_eq!(mode("198.51.100.7"), TlsMode::Required);
    assert_eq!(mode("198.51.100.8"), TlsMode::Off);
    // Without [tls], nothing is PCEPS.
    let plain = Config::parse("", "test.toml").unwrap();
    assert_eq!(plain.tls_mode("10.1.0.1".parse().unwrap()), TlsMode::Off);
    // Without a CA a peer has no mutual TLS; optional is no mode for a
    // peer; a PCC certificate needs a CA to check it against.
    for (text, key) in [
        (
            format!("{tls}[state_sync]\n[[state_sync.peers]]\naddress = \"198.51.100.7\"\ntls = \"required\"\n"),
            "state_sync.peers.tls",
        ),
        (
            format!("{tls}ca = \"ca.pem\"\n[state_sync]\n[[state_sync.peers]]\naddress = \"198.51.100.7\"\ntls = \"optional\"\n"),
            "state_sync.peers.tls",
        ),
        (format!("{tls}pcc_certificates = true\n"), "tls.pcc_certificates"),
        (
            "[[api_clients]]\nname = \"noc\"\nrole = \"operator\"\n".to_string(),
            "api_clients",
        ),
        (
            "[api_tls]\ncertificate = \"c\"\nkey = \"k\"\nca = \"ca\"\n[[api_clients]]\nname = \"not a name\"\nrole = \"read\"\n".to_string(),
            "api_clients.name",
        ),
        (
            "[pce]\napi = \"192.0.2.1:9189\"\n[api_tls]\ncertificate = \"c\"\nkey = \"k\"\n".to_string(),
            "api",
        ),
        (format!("{tls}handshake_timeout = 0\n"), "tls.handshake_timeout"),
    ] {
        match Config::parse(&text, "test.toml") {
            Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
    // A mode that does not exist: the parser names it.
    let e = Config::parse(&format!("{tls}pccs = \"maybe\"\n"), "test.toml").unwrap_err();
    assert!(e.to_string().contains("pccs"), "{e}");
}

/// RFC 8232 §3.2: a PCC that reconnects while the PCE still holds its
/// database (within the State Timeout) finds that database's
/// LSP-DB-VERSION in the PCE's Open, so that it may skip its
/// synchronization; the first time, there is none.
#[test]
fn a_reconnecting_pcc_gets_the_lsp_db_version_held_for_it() {
    let (_server, port, api, _dir) = start_server_with_api();
    let pcc_config = || SessionConfig {
        role: Role::Pcc,
        open: Open {
            keepalive: 30,
            dead_timer: 120,
            tlvs: vec![
                Tlv::StatefulPceCapability(StatefulCapability(
                    StatefulCapability::UPDATE | StatefulCapability::INCLUDE_DB_VERSION,
                )),
                Tlv::LspDbVersion(1),
            ],
            ..Open::default()
        },
        policy: OpenPolicy::default(),
        wire: WireConfig::default(),
    };
    let up = |pcc: &mut Session, stream: &mut TcpStream| {
        pcc.start(Instant::now());
        pump(pcc, stream, |ev| match ev {
            Event::Up(n) => Some(n.clone()),
            _ => None,
        })
    };
    let mut stream = connect(port);
    let mut pcc = Session::new(pcc_config());
    let first = up(&mut pcc, &mut stream);
    assert_eq!(first.peer_db_version, None, "nothing held yet");
    let lsp = |plsp_id: u32, tlvs: Vec<Tlv>| pcep::wire::object::Lsp {
        plsp_id,
        sync: plsp_id != 0,
        administrative: plsp_id != 0,
        tlvs,
        ..pcep::wire::object::Lsp::default()
    };
    let reports = vec![
        pcep::wire::StateReport {
            lsp: lsp(
                1,
                vec![
                    Tlv::SymbolicPathName(bytes::Bytes::from_static(b"a")),
                    super::support::identifiers("10.0.0.1", "10.0.0.4"),
                    Tlv::LspDbVersion(5),
                ],
            ),
            ..pcep::wire::StateReport::default()
        },
        pcep::wire::StateReport {
            lsp: lsp(0, vec![Tlv::LspDbVersion(5)]),
            ..pcep::wire::StateReport::default()
        },
    ];
    pcc.send(
        &Message::PcRpt(pcep::wire::PcRpt { reports }),
        Instant::now(),
    )
    .unwrap();
    while let Some(bytes) = pcc.poll_transmit() {
        stream.write_all(&bytes).unwrap();
    }
    // Applied when the API shows it.
    let deadline = Instant::now() + WAIT;
    let url = format!("http://127.0.0.1:{api}/lsps");
    while ureq::get(&url)
        .call()
        .ok()
        .and_then(|mut r| r.body_mut().read_to_string().ok())
        .is_none_or(|b| !b.contains("\"name\":\"a\""))
    {
        assert!(Instant::now() < deadline, "the LSP never showed in the API");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(stream);
    // The connection's end reaches the PCE (a second session from the same
    // address is refused while the first is up): retry until accepted.
    let again = loop {
        let mut stream = connect(port);
        let mut pcc = Session::new(pcc_config());
        pcc.start(Instant::now());
        let mut buf = [0u8; 4096];
        let up = loop {
            while let Some(bytes) = pcc.poll_transmit() {
                stream.write_all(&bytes).unwrap();
            }
            match pcc.poll_event() {
                Some(Event::Up(n)) => break Some(n),
                Some(Event::Closed { .. } | Event::Failed(_) | Event::Malformed(_)) => break None,
                Some(_) => continue,
                None => {}
            }
            stream.set_read_timeout(Some(WAIT)).unwrap();
            match stream.read(&mut buf) {
                Ok(n) if n > 0 => pcc.handle_bytes(&buf[..n], Instant::now()),
                _ => break None,
            }
        };
        if let Some(n) = up {
            break n;
        }
        assert!(Instant::now() < deadline, "no second session");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(again.peer_db_version, Some(5));
}

/// A `pce serve` with state sync towards one peer, at `address`.
fn start_peer_pce(
    name: &str,
    address: &str,
    port: u16,
    api: u16,
    peer: &str,
    peer_port: u16,
) -> (Server, tempdir::Dir) {
    let dir = tempdir::Dir::new(name);
    let config = dir.path.join("pce.toml");
    std::fs::write(
        &config,
        format!(
            "[pce]\naddress = \"{address}\"\nport = {port}\napi = \"{address}:{api}\"\n\
             [state_sync]\n[[state_sync.peers]]\naddress = \"{peer}\"\nport = {peer_port}\n"
        ),
    )
    .unwrap();
    (serve(&config), dir)
}

/// The sessions a PCE's API lists, once `ready` holds for them.
fn sessions_when(
    address: &str,
    api: u16,
    ready: impl Fn(&[serde_json::Value]) -> bool,
) -> Vec<serde_json::Value> {
    let got = wait_json(&format!("http://{address}:{api}/sessions"), WAIT, |v| {
        v.as_array().is_some_and(|s| ready(s))
    });
    got.as_array().cloned().unwrap_or_default()
}

fn one_up(s: &[serde_json::Value]) -> bool {
    s.len() == 1 && s[0]["state"] == "Up"
}

/// Both PCEs dial their peers: a peer with the higher address gets its
/// state-sync session even when the lower one cannot reach it (here the
/// lower one dials a port nobody listens on: a peer that only listens).
/// Before, only the lower address dialled and no session ever came up.
#[test]
fn a_peer_with_the_higher_address_opens_the_session() {
    let (lp, la, hp, ha, nowhere) = (
        free_port(),
        free_port(),
        free_port(),
        free_port(),
        free_port(),
    );
    let (_low, _d1) = start_peer_pce("peer-low", "127.0.0.1", lp, la, "127.0.0.2", nowhere);
    let (_high, _d2) = start_peer_pce("peer-high", "127.0.0.2", hp, ha, "127.0.0.1", lp);
    let low = sessions_when("127.0.0.1", la, one_up);
    let high = sessions_when("127.0.0.2", ha, one_up);
    assert_eq!(low[0]["outbound"], false, "{low:?}");
    assert_eq!(high[0]["outbound"], true, "{high:?}");
    assert_eq!(high[0]["capabilities"]["state_sync"], true, "{high:?}");
}

/// Both PCEs dial each other at once: one session survives on both sides,
/// the same one (RFC 5440 Appendix A: when both reach the Open exchange,
/// the one the higher address opened; a dial that finds a session does not
/// happen), and it is a state-sync session.
#[test]
fn crossing_dials_leave_one_state_sync_session() {
    let (lp, la, hp, ha) = (free_port(), free_port(), free_port(), free_port());
    let (_low, _d1) = start_peer_pce("cross-low", "127.0.0.1", lp, la, "127.0.0.2", hp);
    let (_high, _d2) = start_peer_pce("cross-high", "127.0.0.2", hp, ha, "127.0.0.1", lp);
    let low = sessions_when("127.0.0.1", la, one_up);
    let high = sessions_when("127.0.0.2", ha, one_up);
    assert_ne!(low[0]["outbound"], high[0]["outbound"], "{low:?} {high:?}");
    assert_eq!(low[0]["capabilities"]["state_sync"], true, "{low:?}");
    // The session opened by one side is the one the other side accepted:
    // the dialling side's local port is the listening side's peer port.
    let (dialled, listening) = if high[0]["outbound"] == true {
        (&high[0], &low[0])
    } else {
        (&low[0], &high[0])
    };
    assert_eq!(
        dialled["peer"]
            .as_str()
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap(),
        if dialled == &high[0] { lp } else { hp }.to_string()
    );
    assert_ne!(
        listening["peer"]
            .as_str()
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap(),
        if dialled == &high[0] { hp } else { lp }.to_string()
    );
}

/// `pce serve` learns its topology from a BGP-LS speaker (this test, with
/// the bgpls session over a real socket, originating the draft's topology
/// A): the TED becomes the file's topology; a withdrawn link leaves it.
/// `pce serve` with a file topology of two nodes (X, Y) and one BGP-LS
/// peer: this test, over a real TCP session it accepted from the PCE.
struct BgpLsPeer {
    _server: Server,
    _dir: tempdir::Dir,
    api: u16,
    stream: std::net::TcpStream,
}

impl BgpLsPeer {
    /// `end_of_rib`: the peer's OPEN announces it (Graceful Restart
    /// capability); `more`: further `[bgp_ls]` lines.
    fn start(end_of_rib: bool, more: &str) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let bgp_port = listener.local_addr().unwrap().port();
        let (port, api) = (free_port(), free_port());
        let dir = own_dir("bgp-ls");
        // The file describes two other nodes: BGP-LS replaces them.
        let file = dir.path.join("two.json");
        std::fs::write(
            &file,
            r#"{"nodes":[{"name":"X","router_id":"192.0.2.1"},{"name":"Y","router_id":"192.0.2.2"}],
                "links":[{"a":"X","b":"Y","igp_metric":1}]}"#,
        )
        .unwrap();
        let config = dir.path.join("pce.toml");
        std::fs::write(
            &config,
            format!(
                "[pce]\naddress = \"127.0.0.1\"\nport = {port}\napi = \"127.0.0.1:{api}\"\ntopology = {file:?}\n\
                 [bgp_ls]\nlocal_as = 65000\nrouter_id = \"127.0.0.2\"\nsettle_ms = 20\n{more}\n\
                 [[bgp_ls.peers]]\naddress = \"127.0.0.1\"\nport = {bgp_port}\nasn = 65000\n"
            ),
        )
        .unwrap();
        let server = serve(&config);
        listener.set_nonblocking(false).unwrap();
        let (mut stream, from) = listener.accept().unwrap();
        // Active sessions come from the router ID.
        assert_eq!(from.ip().to_string(), "127.0.0.2");
        let cfg = bgpls::session::Config {
            local_as: 65000,
            router_id: "127.0.0.1".parse().unwrap(),
            hold_time: 90,
            peer_as: 65000,
            end_of_rib,
        };
        let mut s = bgpls::session::Session::new(cfg, 0);
        let deadline = Instant::now() + WAIT;
        let mut buf = [0u8; 4096];
        while s.state() != bgpls::session::State::Established {
            stream.write_all(&s.transmit()).unwrap();
            assert!(Instant::now() < deadline, "no BGP session within {WAIT:?}");
            stream.set_read_timeout(Some(WAIT)).unwrap();
            let n = stream.read(&mut buf).unwrap();
            assert!(n > 0, "pce serve closed the BGP connection");
            for e in s.receive(1, &buf[..n]) {
                assert!(!matches!(e, bgpls::session::Event::Closed { .. }), "{e:?}");
            }
        }
        stream.write_all(&s.transmit()).unwrap();
        Self {
            _server: server,
            _dir: dir,
            api,
            stream,
        }
    }

    /// The value of an unlabelled series of `/metrics`.
    fn metric(&self, name: &str) -> u64 {
        let text = ureq::get(&format!("http://127.0.0.1:{}/metrics", self.api))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    }

    /// Wait until `name` is `want`.
    fn wait_metric(&self, name: &str, want: u64) {
        let deadline = Instant::now() + WAIT;
        loop {
            let got = self.metric(name);
            if got == want {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{name} is {got}, not {want}, after {WAIT:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The names of the nodes of the running TED, sorted.
    fn nodes(&self) -> Vec<String> {
        let topo: serde_json::Value = ureq::get(&format!("http://127.0.0.1:{}/topology", self.api))
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap();
        node_names(&topo)
    }
}

/// The names of the nodes of a `/topology` answer, sorted.
fn node_names(topo: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = topo["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// A peer whose OPEN announces End-of-RIB (Graceful Restart capability,
/// RFC 4724) is waited for: no TED from half a feed, then one TED when the
/// marker comes. A peer that never sends it is waited for
/// `end_of_rib_wait_ms`, then its NLRIs are used.
#[test]
fn a_peer_that_announces_end_of_rib_is_waited_for() {
    use bgpls::message::{Message as Bgp, Update};
    use pce_engine::topology::bgp_ls::originate;
    use pce_engine::topology::TopologyFile;

    let topology_a = TopologyFile::read(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/topologies/draft-topology-a.json"),
    )
    .unwrap();
    let updates = originate(&topology_a, 65000);
    let nlris: usize = updates.iter().map(|u| u.announced.len()).sum();
    let mut expected: Vec<String> = topology_a.nodes.iter().map(|n| n.name.clone()).collect();
    expected.sort();
    let file_nodes = vec!["X".to_string(), "Y".to_string()];
    let send = |peer: &BgpLsPeer, u: Update| {
        (&peer.stream)
            .write_all(&Bgp::Update(u).encode().unwrap())
            .unwrap();
    };

    let peer = BgpLsPeer::start(true, "");
    peer.wait_metric("pce_bgp_ls_awaiting_end_of_rib", 1);
    for u in &updates {
        send(&peer, u.clone());
    }
    // Every NLRI is in the database and a rebuild has begun: it waits.
    peer.wait_metric("pce_bgp_ls_nlris", nlris as u64);
    peer.wait_metric("pce_bgp_ls_ted_deferrals_total", 1);
    assert_eq!(peer.metric("pce_bgp_ls_teds_total"), 0);
    assert_eq!(peer.nodes(), file_nodes);
    send(
        &peer,
        Update {
            end_of_rib: true,
            ..Update::default()
        },
    );
    peer.wait_metric("pce_bgp_ls_teds_total", 1);
    assert_eq!(peer.metric("pce_bgp_ls_awaiting_end_of_rib"), 0);
    assert_eq!(peer.nodes(), expected);

    // Promised, never sent: the TED comes after end_of_rib_wait_ms.
    let silent = BgpLsPeer::start(true, "end_of_rib_wait_ms = 300");
    for u in &updates {
        send(&silent, u.clone());
    }
    silent.wait_metric("pce_bgp_ls_teds_total", 1);
    // Given up on: not waited for again.
    assert_eq!(silent.metric("pce_bgp_ls_ted_deferrals_total"), 1);
    assert_eq!(silent.metric("pce_bgp_ls_awaiting_end_of_rib"), 0);
    assert_eq!(silent.nodes(), expected);
}

#[test]
fn the_topology_comes_from_a_bgp_ls_peer() {
    use bgpls::message::{Message as Bgp, Update};
    use pce_engine::topology::bgp_ls::originate;
    use pce_engine::topology::TopologyFile;

    let peer = BgpLsPeer::start(false, "");
    let (api, mut stream) = (peer.api, peer.stream.try_clone().unwrap());
    let topology_a = TopologyFile::read(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/topologies/draft-topology-a.json"),
    )
    .unwrap();
    let updates = originate(&topology_a, 65000);
    for u in &updates {
        stream
            .write_all(&Bgp::Update(u.clone()).encode().unwrap())
            .unwrap();
    }
    let url = format!("http://127.0.0.1:{api}/topology");
    let links = 2 * topology_a.links.len();
    let topo = wait_json(&url, WAIT, |t| {
        t["links"].as_array().is_some_and(|l| l.len() == links)
    });
    let names = node_names(&topo);
    let mut expected: Vec<String> = topology_a.nodes.iter().map(|n| n.name.clone()).collect();
    expected.sort();
    assert_eq!(names, expected);
    // Withdraw both directions of the first link.
    let link_updates: Vec<&Update> = updates
        .iter()
        .filter(|u| u.announced[0][1] == 2)
        .take(2)
        .collect();
    let withdraw = Update {
        withdrawn: link_updates
            .iter()
            .map(|u| u.announced[0].clone())
            .collect(),
        ..Update::default()
    };
    stream
        .write_all(&Bgp::Update(withdraw).encode().unwrap())
        .unwrap();
    // The link goes down (its index stays, so the LSPs on it are the ones
    // recomputed), everything else stays up.
    let (a, b) = (&topology_a.links[0].a, &topology_a.links[0].b);
    wait_json(&url, WAIT, |t| {
        t["links"].as_array().is_some_and(|l| {
            l.len() == links
                && l.iter().all(|l| {
                    let this =
                        (l["from"] == *a && l["to"] == *b) || (l["from"] == *b && l["to"] == *a);
                    l["up"] == !this
                })
        })
    });
    // The gauge of LSPs without a path is exported (none here: no PCC).
    let metrics = ureq::get(&format!("http://127.0.0.1:{api}/metrics"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(
        metrics.lines().any(|l| l == "pce_lsps_without_path 0"),
        "{metrics}"
    );
    // The TED's size, the withdrawn link counted down.
    for line in [
        format!("pce_ted_nodes {}", topology_a.nodes.len()),
        format!("pce_ted_links{{state=\"up\"}} {}", links - 2),
        "pce_ted_links{state=\"down\"} 2".to_string(),
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line}: {metrics}");
    }
}

#[test]
fn api_tokens_are_known_by_their_digest_and_roles_limit_writes() {
    use axum::http::Method;
    use pce_engine::runtime::auth::{digest, new_token, Refusal, Role, Tokens};
    let token = new_token().unwrap();
    assert!(
        token.starts_with("pce-") && token.len() == 4 + 64,
        "{token}"
    );
    assert_ne!(token, new_token().unwrap());
    let d = digest(&token);
    let tokens = Tokens::new([("noc", Role::Operator, d.as_str())]);
    assert!(tokens.enabled());
    let header = format!("Bearer {token}");
    assert_eq!(
        tokens.check(Some(header.as_bytes())).unwrap().name.as_ref(),
        "noc"
    );
    let lower = format!("bearer  {token} ");
    assert_eq!(
        tokens.check(Some(lower.as_bytes())).unwrap().role,
        Role::Operator
    );
    assert_eq!(tokens.check(None), Err(Refusal::Missing));
    assert_eq!(tokens.check(Some(b"Basic abc")), Err(Refusal::Missing));
    assert_eq!(tokens.check(Some(b"Bearer ")), Err(Refusal::Missing));
    assert_eq!(tokens.check(Some(b"Bearer pce-00")), Err(Refusal::Unknown));
    // The digest itself is no token.
    let by_digest = format!("Bearer {d}");
    assert_eq!(
        tokens.check(Some(by_digest.as_bytes())),
        Err(Refusal::Unknown)
    );
    // Without tokens: everyone, as operator (the API is on loopback then).
    let open = Tokens::default();
    assert_eq!(open.check(None).unwrap().role, Role::Operator);
    // Read: reads and offline computations only.
    assert!(Role::Read.may(&Method::GET, "/lsps"));
    assert!(Role::Read.may(&Method::POST, "/compute"));
    for (m, p) in [
        (Method::POST, "/lsps"),
        (Method::PATCH, "/lsps/192.0.2.1/a"),
        (Method::DELETE, "/lsps/192.0.2.1/a/delegation"),
        (Method::PATCH, "/topology/links/a/b"),
        (Method::POST, "/reoptimize"),
        (Method::POST, "/peers/192.0.2.2/resync"),
    ] {
        assert!(!Role::Read.may(&m, p), "{m} {p}");
        assert!(Role::Operator.may(&m, p), "{m} {p}");
    }
}
