//! Processes: who may talk to the PCE. A connection from an address that
//! `[pce] allow` does not list is closed as it is accepted, before any
//! Open, logged and counted; a configured state-sync peer is let in
//! without being listed. The management API lets in only the callers its
//! `[[api_tokens]]` list, each as its role allows, and writes an audit
//! line for each call that changes state. Real time only bounds the waits.
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::time::Duration;

use socket2::{Domain, Socket, Type};

#[path = "../support/mod.rs"]
mod support;
use support::metrics::metrics;
use support::pce_serve::{pce_serve, pce_serve_logged};
use support::wait_json::bearer;

const WAIT: Duration = Duration::from_secs(30);

/// A connection to `port` from `from`, and the first bytes the PCE sends
/// on it (none: it closed the connection).
fn first_bytes(from: Ipv4Addr, port: u16) -> Vec<u8> {
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    s.bind(&SocketAddr::from(SocketAddrV4::new(from, 0)).into())
        .unwrap();
    s.connect_timeout(
        &SocketAddr::from(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)).into(),
        WAIT,
    )
    .unwrap();
    let mut stream: TcpStream = s.into();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let mut buf = [0u8; 4];
    match stream.read(&mut buf) {
        Ok(n) => buf[..n].to_vec(),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Vec::new(),
        Err(e) => panic!("no answer from {from}: {e}"),
    }
}

#[test]
fn connections_from_outside_the_allow_list_are_closed_before_open() {
    let (_pce, port, api) = pce_serve(
        "allow",
        "allow = [\"127.20.0.0/24\", \"127.21.0.7\"]\n\
         [state_sync]\n[[state_sync.peers]]\naddress = \"127.22.0.1\"\n",
    );
    // Listed (a prefix, an address) and the configured peer: the PCE's
    // Open (version 1, message type 1) comes first.
    for from in ["127.20.0.9", "127.21.0.7", "127.22.0.1"] {
        let bytes = first_bytes(from.parse().unwrap(), port);
        assert_eq!(bytes.get(..2), Some(&[0x20, 1][..]), "{from}: {bytes:?}");
    }
    // Not listed: closed without a byte.
    for from in ["127.21.0.8", "127.23.0.1"] {
        assert_eq!(
            first_bytes(from.parse().unwrap(), port),
            Vec::<u8>::new(),
            "{from}"
        );
    }
    let m = metrics(api).unwrap();
    assert_eq!(m["pce_connections_denied_total"], 2, "{m:?}");
}

/// A call to the API at `api`, with `token` if any: its status and its
/// `WWW-Authenticate` header.
fn call(api: u16, method: &str, path: &str, token: Option<&str>) -> (u16, Option<String>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("http://127.0.0.1:{api}{path}");
    let response = match method {
        "GET" => bearer(agent.get(&url), token).call(),
        "DELETE" => bearer(agent.delete(&url), token).call(),
        _ => bearer(agent.post(&url), token)
            .send_json(serde_json::json!({"pairs": [["192.0.2.1", "192.0.2.2"]]})),
    }
    .unwrap();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    (response.status().as_u16(), challenge)
}

#[test]
fn the_api_lets_in_configured_tokens_as_their_role_allows_and_audits_writes() {
    use pce_engine::runtime::auth::digest;
    let (reader, operator) = ("pce-reader-secret-1", "pce-operator-secret-2");
    let dir = pce_tests::scratch_dir("api-auth");
    let log = dir.join("pce.log");
    let (_pce, _port, api) = pce_serve_logged(
        "api-auth",
        &format!(
            "[[api_tokens]]\nname = \"dashboard\"\nrole = \"read\"\nsha256 = \"{}\"\n\
             [[api_tokens]]\nname = \"noc\"\nrole = \"operator\"\nsha256 = \"{}\"\n",
            digest(reader),
            digest(operator)
        ),
        &log,
    );
    // Probes need no token; nothing else is served without one.
    assert_eq!(call(api, "GET", "/health", None).0, 200);
    let (status, challenge) = call(api, "GET", "/lsps", None);
    assert_eq!((status, challenge.as_deref()), (401, Some("Bearer")));
    assert_eq!(call(api, "GET", "/lsps", Some("pce-guess")).0, 401);
    assert_eq!(call(api, "DELETE", "/lsps/192.0.2.1/x", None).0, 401);
    // Read: reads and offline computations, no writes.
    assert_eq!(call(api, "GET", "/lsps", Some(reader)).0, 200);
    assert_eq!(call(api, "GET", "/metrics", Some(reader)).0, 200);
    let (status, _) = call(api, "POST", "/compute", Some(reader));
    assert!(![401, 403].contains(&status), "{status}");
    assert_eq!(
        call(api, "DELETE", "/lsps/192.0.2.1/x", Some(reader)).0,
        403
    );
    // Operator: the write reaches the PCE (no such LSP: 404).
    assert_eq!(
        call(api, "DELETE", "/lsps/192.0.2.1/x", Some(operator)).0,
        404
    );
    // The CLI sends the token of PCE_API_TOKEN.
    let cli = |token: Option<&str>| {
        let mut c = std::process::Command::new(pce_tests::bin_dir().join("pce"));
        c.args(["sessions", "--api", &format!("http://127.0.0.1:{api}")]);
        c.env_remove("PCE_API_TOKEN");
        if let Some(t) = token {
            c.env("PCE_API_TOKEN", t);
        }
        c.output().unwrap()
    };
    assert!(cli(Some(reader)).status.success());
    let refused = cli(None);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("401"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    // Counted; the operator's write is in the audit log with its name and
    // answer, the reader's refused one with its role.
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let text = bearer(
        agent.get(&format!("http://127.0.0.1:{api}/metrics")),
        Some(reader),
    )
    .call()
    .unwrap()
    .body_mut()
    .read_to_string()
    .unwrap();
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.parse::<u64>().ok())
    };
    assert_eq!(value("pce_api_unauthorized_total"), Some(4), "{text}");
    assert_eq!(value("pce_api_forbidden_total"), Some(1));
    let logged = std::fs::read_to_string(&log).unwrap();
    let audit: Vec<&str> = logged
        .lines()
        .filter(|l| l.contains("pce::audit"))
        .collect();
    assert!(
        audit.iter().any(|l| l.contains("caller=noc")
            && l.contains("role=\"operator\"")
            && l.contains("status=404")
            && l.contains("/lsps/192.0.2.1/x")),
        "{logged}"
    );
    assert!(
        audit
            .iter()
            .any(|l| l.contains("caller=dashboard") && l.contains("status=403")),
        "{logged}"
    );
}

/// `pce_tcp_md5_drops_total{reason}` of the API at `api`.
fn md5_drops(api: u16, reason: &str) -> u64 {
    let text = ureq::get(&format!("http://127.0.0.1:{api}/metrics"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let series = format!("pce_tcp_md5_drops_total{{reason=\"{reason}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&series))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {series} in {text}"))
}

/// The PCC sessions up, by source address.
fn sources_up(api: u16) -> Vec<String> {
    support::sessions::sessions(api, WAIT)
        .into_iter()
        .filter(|s| s.state == "Up")
        .map(|s| s.address)
        .collect()
}

#[test]
fn tcp_md5_lets_in_only_pccs_signing_with_the_key() {
    let (_pce, port, api) = pce_serve(
        "md5",
        "[[tcp_md5]]\npeer = \"127.30.0.0/24\"\nkey = \"right key\"\n",
    );
    let pcc = |source: &str, key: Option<&str>| {
        let mut args = vec![
            "--pce".to_string(),
            format!("127.0.0.1:{port}"),
            "--pccs".into(),
            "2".into(),
            "--lsps".into(),
            "1".into(),
            "--source-base".into(),
            source.into(),
            "--seconds".into(),
            "120".into(),
        ];
        if let Some(k) = key {
            args.extend(["--md5-key".into(), k.into()]);
        }
        support::running::spawn(&pce_tests::bin_dir().join("pcc-sim"), &args)
    };
    let (failed, not_found) = (md5_drops(api, "failure"), md5_drops(api, "not_found"));
    // Signed with the key: up.
    let _good = pcc("127.30.0.1", Some("right key"));
    // A wrong key, and no key, from the prefix: the kernel drops their
    // SYNs (and counts them); the PCE never sees them.
    let _wrong = pcc("127.30.0.11", Some("wrong key"));
    let _none = pcc("127.30.0.21", None);
    // Outside the prefix, no key is needed.
    let _other = pcc("127.31.0.1", None);
    let start = std::time::Instant::now();
    loop {
        let up = sources_up(api);
        let both = ["127.30.0.1", "127.30.0.2", "127.31.0.1", "127.31.0.2"]
            .iter()
            .all(|s| up.iter().any(|u| u == s));
        if both
            && md5_drops(api, "failure") >= failed + 2
            && md5_drops(api, "not_found") >= not_found + 2
        {
            assert!(
                !up.iter()
                    .any(|u| u.starts_with("127.30.0.1") && u != "127.30.0.1"
                        || u.starts_with("127.30.0.2") && u != "127.30.0.2"),
                "{up:?}"
            );
            assert_eq!(up.len(), 4, "{up:?}");
            break;
        }
        assert!(
            start.elapsed() < WAIT,
            "{up:?} failure {failed} -> {}, not_found {not_found} -> {}",
            md5_drops(api, "failure"),
            md5_drops(api, "not_found")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Two peer PCEs with each other's TCP-MD5 key: the state-sync session
/// (opened by the lower address, signed on its socket, checked by the
/// other's listener) comes up.
#[test]
fn state_sync_peers_sign_their_sessions_with_tcp_md5() {
    use std::net::SocketAddr;
    let dir = pce_tests::scratch_dir("md5-peers");
    let (pa, pb) = (
        support::free_port::free_port(),
        support::free_port::free_port(),
    );
    let (aa, ab) = (
        support::free_port::free_port(),
        support::free_port::free_port(),
    );
    let key = |peer: &str| format!("[[tcp_md5]]\npeer = \"{peer}\"\nkey = \"peer key\"\n");
    let _a = support::pce_serve::state_sync_pce(
        &dir,
        "127.0.0.1",
        pa,
        SocketAddr::from(([127, 0, 0, 1], aa)),
        &key("127.0.0.2"),
        SocketAddr::from(([127, 0, 0, 2], pb)),
    );
    let _b = support::pce_serve::state_sync_pce(
        &dir,
        "127.0.0.2",
        pb,
        SocketAddr::from(([127, 0, 0, 1], ab)),
        &key("127.0.0.1"),
        SocketAddr::from(([127, 0, 0, 1], pa)),
    );
    for api in [aa, ab] {
        support::wait_json::wait_json(&format!("http://127.0.0.1:{api}/peers"), WAIT, |v| {
            v["peers"][0]["synchronized"] == true
        });
    }
}
