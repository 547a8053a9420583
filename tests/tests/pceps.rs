//! Processes: PCEPS (RFC 8253) in `pce serve`. PCCs (`pcc-sim --tls-ca`)
//! exchange StartTLS, then run PCEP over TLS; where `[tls]` makes TLS
//! optional a plain PCC still gets its session, where it is required a
//! plain Open gets PCErr 1/1. A PCC that does not trust the PCE's
//! certificate, an expired or foreign client certificate, a missing one
//! where one is required, and a TLS ClientHello sent without StartTLS are
//! each refused, logged by reason and counted. State-sync peers run mutual
//! TLS and are identified by their certificates. tshark sees the two
//! StartTLS messages and then only TLS records. Certificates come from a
//! throw-away CA (`pce_tools::pki`). Real time only bounds the waits.
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pce_tools::pki::{Ca, Issued};

#[path = "../support/mod.rs"]
mod support;
use support::free_port::free_port;
use support::pce_serve::{pce_serve_logged, state_sync_pce};
use support::running::{spawn, Running};
use support::wait_json::wait_json;

const WAIT: Duration = Duration::from_secs(30);

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A CA with certificates for the PCEs (127.0.0.1, 127.0.0.2), a PCC, an
/// expired PCC, and a PCC of another CA.
struct Pki {
    authority: Ca,
    dir: PathBuf,
    ca: PathBuf,
    pce: Issued,
    pce2: Issued,
    pcc: Issued,
    expired: Issued,
    foreign: Issued,
    foreign_ca: PathBuf,
}

fn pki(tag: &str) -> Pki {
    let dir = pce_tests::scratch_dir(tag);
    let ca = Ca::new(&dir, "ca").unwrap();
    let other = Ca::new(&dir, "other-ca").unwrap();
    Pki {
        pce: ca.issue(&dir, "pce1", &[ip("127.0.0.1")], false).unwrap(),
        pce2: ca.issue(&dir, "pce2", &[ip("127.0.0.2")], false).unwrap(),
        pcc: ca.issue(&dir, "pcc", &[], false).unwrap(),
        expired: ca.issue(&dir, "old-pcc", &[], true).unwrap(),
        foreign: other.issue(&dir, "foreign-pcc", &[], false).unwrap(),
        foreign_ca: other.certificate.clone(),
        ca: ca.certificate.clone(),
        authority: ca,
        dir,
    }
}

/// A `[tls]` section with `who`'s certificate and the CA, then `more`.
fn tls_section(p: &Pki, who: &Issued, more: &str) -> String {
    format!(
        "[tls]\ncertificate = \"{}\"\nkey = \"{}\"\nca = \"{}\"\n{more}\n",
        who.certificate.display(),
        who.key.display(),
        p.ca.display()
    )
}

/// `pcc-sim`: `pccs` PCCs from `source`, one LSP each, to the PCE on
/// `port`, with `extra` arguments (`--tls-ca` and the like); its standard
/// error goes to `log`.
fn pcc(port: u16, source: &str, pccs: usize, extra: &[String], log: &Path) -> Running {
    let mut args = vec![
        "--pce".to_string(),
        format!("127.0.0.1:{port}"),
        "--pccs".into(),
        pccs.to_string(),
        "--lsps".into(),
        "1".into(),
        "--delegate".into(),
        "--source-base".into(),
        source.into(),
        "--seconds".into(),
        "120".into(),
    ];
    args.extend_from_slice(extra);
    Running(
        std::process::Command::new(pce_tests::bin_dir().join("pcc-sim"))
            .args(&args)
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap(),
    )
}

fn tls_args(ca: &Path, identity: Option<&Issued>) -> Vec<String> {
    let mut args = vec!["--tls-ca".to_string(), ca.display().to_string()];
    if let Some(i) = identity {
        args.extend([
            "--tls-cert".into(),
            i.certificate.display().to_string(),
            "--tls-key".into(),
            i.key.display().to_string(),
        ]);
    }
    args
}

/// The sessions of the PCE whose API is on `api`: (source address, state,
/// TLS).
fn sessions(api: u16) -> Vec<(String, String, Option<String>)> {
    support::sessions::sessions(api, WAIT)
        .into_iter()
        .map(|s| (s.address, s.state, s.tls))
        .collect()
}

/// A labelled series of `/metrics` (0 when absent).
fn series(api: u16, name: &str) -> u64 {
    // Not answering yet: nothing counted yet.
    let Some(text) = ureq::get(&format!("http://127.0.0.1:{api}/metrics"))
        .call()
        .ok()
        .and_then(|mut r| r.body_mut().read_to_string().ok())
    else {
        return 0;
    };
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0)
}

/// Wait until `cond` holds, at most [`WAIT`]; `what` says what it is.
fn until(what: impl Fn() -> String, cond: impl Fn() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(start.elapsed() < WAIT, "not within {WAIT:?}: {}", what());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn pccs_use_tls_where_it_is_optional_and_must_where_it_is_required() {
    let p = pki("pceps-pccs");
    let log = p.dir.join("pce.log");
    let (_pce, port, api) = pce_serve_logged(
        "pceps-pccs-pce",
        &tls_section(
            &p,
            &p.pce,
            "pccs = \"optional\"\n[[tls.pcc]]\nprefix = \"127.40.0.0/24\"\nmode = \"required\"",
        ),
        &log,
    );
    let tls = tls_args(&p.ca, None);
    let _a = pcc(port, "127.41.0.1", 2, &tls, &p.dir.join("a.log"));
    let _b = pcc(port, "127.41.0.11", 2, &[], &p.dir.join("b.log"));
    let _c = pcc(port, "127.40.0.1", 2, &tls, &p.dir.join("c.log"));
    // Plain where TLS is required: its Open gets PCErr 1/1, again and again.
    let _d = pcc(port, "127.40.0.11", 2, &[], &p.dir.join("d.log"));
    let expect = [
        ("127.41.0.1", true),
        ("127.41.0.2", true),
        ("127.41.0.11", false),
        ("127.41.0.12", false),
        ("127.40.0.1", true),
        ("127.40.0.2", true),
    ];
    until(
        || format!("{:?}", sessions(api)),
        || {
            let s = sessions(api);
            expect.iter().all(|(a, tls)| {
                s.iter()
                    .any(|(b, state, t)| a == b && state == "Up" && t.is_some() == *tls)
            }) && series(
                api,
                "pce_pcerr_sent_total{error_type=\"1\",error_value=\"1\"}",
            ) >= 2
        },
    );
    let s = sessions(api);
    assert!(
        !s.iter().any(
            |(a, state, _)| ["127.40.0.11", "127.40.0.12"].contains(&a.as_str()) && state == "Up"
        ),
        "a plain PCC got a session where TLS is required: {s:?}"
    );
    let tls_up: Vec<_> = s.iter().filter_map(|(_, _, t)| t.clone()).collect();
    assert!(
        tls_up.iter().all(|t| t.starts_with("TLSv1_3")),
        "{tls_up:?}"
    );
    // The TLS PCCs' LSPs are synchronized like the others'.
    let lsps = wait_json(&format!("http://127.0.0.1:{api}/lsps"), WAIT, |v| {
        v.as_array().is_some_and(|a| a.len() == 6)
    });
    assert_eq!(lsps.as_array().unwrap().len(), 6);
    assert!(series(api, "pce_tls_sessions_established_total") >= 4);
}

#[test]
fn bad_certificates_and_tls_without_starttls_are_refused_with_a_reason() {
    let p = pki("pceps-bad");
    let log = p.dir.join("pce.log");
    let (_pce, port, api) = pce_serve_logged(
        "pceps-bad-pce",
        &tls_section(&p, &p.pce, "pccs = \"required\"\npcc_certificates = true"),
        &log,
    );
    let failures = |reason: &str| {
        series(
            api,
            &format!("pce_tls_failures_total{{reason=\"{reason}\"}}"),
        )
    };
    // A client certificate from the CA: up.
    let _good = pcc(
        port,
        "127.42.0.1",
        1,
        &tls_args(&p.ca, Some(&p.pcc)),
        &p.dir.join("good.log"),
    );
    // No client certificate, an expired one, one of another CA.
    let _none = pcc(
        port,
        "127.42.0.2",
        1,
        &tls_args(&p.ca, None),
        &p.dir.join("none.log"),
    );
    let _old = pcc(
        port,
        "127.42.0.3",
        1,
        &tls_args(&p.ca, Some(&p.expired)),
        &p.dir.join("old.log"),
    );
    let _foreign = pcc(
        port,
        "127.42.0.4",
        1,
        &tls_args(&p.ca, Some(&p.foreign)),
        &p.dir.join("foreign.log"),
    );
    // A PCC that does not trust the PCE's certificate: its own side
    // aborts the handshake with an alert.
    let untrusting = p.dir.join("untrusting.log");
    let _untrusting = pcc(
        port,
        "127.42.0.5",
        1,
        &tls_args(&p.foreign_ca, Some(&p.foreign)),
        &untrusting,
    );
    until(
        || {
            format!(
                "{:?} {}",
                sessions(api),
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        },
        || {
            sessions(api)
                .iter()
                .any(|(a, s, t)| a == "127.42.0.1" && s == "Up" && t.is_some())
                && failures("no_certificate") >= 1
                && failures("certificate") >= 2
                && failures("alert") >= 1
        },
    );
    let s = sessions(api);
    assert_eq!(
        s.iter().filter(|(_, state, _)| state == "Up").count(),
        1,
        "only the PCC with a valid certificate is up: {s:?}"
    );
    // A ClientHello straight away (TLS without StartTLS).
    let before = failures("client_hello_without_starttls");
    let mut raw = TcpStream::connect(("127.0.0.1", port)).unwrap();
    raw.set_read_timeout(Some(WAIT)).unwrap();
    let roots = {
        let mut r = pce_tls::rustls::RootCertStore::empty();
        for c in pce_tls::load_certificates(&p.ca).unwrap() {
            r.add(c).unwrap();
        }
        r
    };
    let config = pce_tls::client_config(roots, None).unwrap();
    let mut conn = pce_tls::rustls::ClientConnection::new(
        config,
        pce_tls::server_name(None, ip("127.0.0.1")).unwrap(),
    )
    .unwrap();
    conn.write_tls(&mut raw).unwrap();
    until(
        || format!("failures {before}"),
        || failures("client_hello_without_starttls") > before,
    );
    // The PCE sent its StartTLS (TLS is required here), then closed the
    // connection without answering in TLS or PCEP.
    let mut rest = Vec::new();
    let _ = raw.read_to_end(&mut rest);
    assert_eq!(rest, [0x20, 13, 0, 4], "{rest:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    for needle in [
        "a TLS ClientHello instead of PCEP",
        "presented no certificate",
        "expired",
        "UnknownIssuer",
    ] {
        assert!(text.contains(needle), "no {needle:?} in the log:\n{text}");
    }
    let sim = std::fs::read_to_string(&untrusting).unwrap();
    assert!(sim.contains("UnknownIssuer"), "{sim}");
}

/// Two PCEs at 127.0.0.1 and 127.0.0.2 with `[tls]` (mutual TLS with each
/// other by default), each with `more` in its configuration: their APIs.
fn two_pces(p: &Pki, tag: &str, more: [&str; 2], certs: [&Issued; 2]) -> (Vec<Running>, [u16; 2]) {
    let dir = pce_tests::scratch_dir(tag);
    let (pa, pb) = (free_port(), free_port());
    let (aa, ab) = (free_port(), free_port());
    let a = state_sync_pce(
        &dir,
        "127.0.0.1",
        pa,
        SocketAddr::from(([127, 0, 0, 1], aa)),
        &tls_section(p, certs[0], more[0]),
        SocketAddr::from(([127, 0, 0, 2], pb)),
    );
    let b = state_sync_pce(
        &dir,
        "127.0.0.2",
        pb,
        SocketAddr::from(([127, 0, 0, 1], ab)),
        &tls_section(p, certs[1], more[1]),
        SocketAddr::from(([127, 0, 0, 1], pa)),
    );
    (vec![a, b], [aa, ab])
}

#[test]
fn state_sync_peers_run_mutual_tls_and_are_known_by_their_certificates() {
    let p = pki("pceps-peers");
    let (_pces, apis) = two_pces(&p, "pceps-peers-run", ["", ""], [&p.pce, &p.pce2]);
    for api in apis {
        wait_json(&format!("http://127.0.0.1:{api}/peers"), WAIT, |v| {
            v["peers"][0]["synchronized"] == true
        });
        let s = sessions(api);
        assert!(
            s.iter().any(|(_, state, t)| state == "Up"
                && t.as_deref()
                    .is_some_and(|t| t.contains("client certificate"))),
            "{s:?}"
        );
    }
    // PCE 127.0.0.2 presenting 127.0.0.1's certificate (a stolen or
    // misissued one): the other refuses it, by identity or by name.
    let (_pces, apis) = two_pces(&p, "pceps-impostor", ["", ""], [&p.pce, &p.pce]);
    until(
        || "an identity failure".into(),
        || {
            apis.iter().any(|&api| {
                series(api, "pce_tls_failures_total{reason=\"identity\"}")
                    + series(api, "pce_tls_failures_total{reason=\"certificate\"}")
                    + series(api, "pce_tls_failures_total{reason=\"alert\"}")
                    > 0
            })
        },
    );
    for api in apis {
        let s = sessions(api);
        assert!(!s.iter().any(|(_, state, _)| state == "Up"), "{s:?}");
    }
}

/// What a relay forwarded, in order: (from the client, bytes).
type Chunks = Arc<Mutex<Vec<(bool, Vec<u8>)>>>;

/// A relay from a listener to `upstream` that keeps every chunk it
/// forwards: (from the client, bytes).
fn recording_relay(upstream: SocketAddr) -> (SocketAddr, Chunks) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = Arc::clone(&log);
    std::thread::spawn(move || {
        let Ok((client, _)) = listener.accept() else {
            return;
        };
        let server = TcpStream::connect(upstream).unwrap();
        for (mut from, mut to, dir) in [
            (
                client.try_clone().unwrap(),
                server.try_clone().unwrap(),
                true,
            ),
            (server, client, false),
        ] {
            let l = Arc::clone(&l);
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(n) = from.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    l.lock().unwrap().push((dir, buf[..n].to_vec()));
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = to.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    (addr, log)
}

/// Fields of every frame of a capture, decoded as `proto` on `port`: one
/// row per frame, each field's values (a field may occur several times).
fn tshark_rows(capture: &Path, port: u16, proto: &str, fields: &[&str]) -> Vec<Vec<Vec<String>>> {
    let mut args = vec![
        "-n".to_string(),
        "-r".into(),
        capture.display().to_string(),
        "-d".into(),
        format!("tcp.port=={port},{proto}"),
        "-T".into(),
        "fields".into(),
        "-E".into(),
        "separator=/t".into(),
        "-E".into(),
        "occurrence=a".into(),
        "-E".into(),
        "aggregator=,".into(),
    ];
    for f in fields {
        args.extend(["-e".to_string(), (*f).to_string()]);
    }
    let out = std::process::Command::new("tshark")
        .args(&args)
        .output()
        .expect("tshark runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            l.split('\t')
                .map(|f| {
                    f.split(',')
                        .filter(|v| !v.is_empty())
                        .map(String::from)
                        .collect()
                })
                .collect()
        })
        .collect()
}

#[test]
fn tshark_sees_starttls_then_only_tls() {
    if std::process::Command::new("tshark")
        .arg("-v")
        .output()
        .is_err()
    {
        assert!(std::env::var_os("CI").is_none(), "tshark must run in CI");
        eprintln!("SKIPPED: no tshark");
        return;
    }
    let p = pki("pceps-tshark");
    let (_pce, port, api) = pce_serve_logged(
        "pceps-tshark-pce",
        &tls_section(&p, &p.pce, "pccs = \"required\""),
        &p.dir.join("pce.log"),
    );
    let (relay, log) = recording_relay(SocketAddr::from(([127, 0, 0, 1], port)));
    let mut args = vec![
        "--pce".to_string(),
        relay.to_string(),
        "--pccs".into(),
        "1".into(),
        "--lsps".into(),
        "20".into(),
        "--delegate".into(),
        "--source-base".into(),
        "127.0.0.1".into(),
        "--seconds".into(),
        "120".into(),
        "--tls-name".into(),
        "pce1".into(),
    ];
    args.extend(tls_args(&p.ca, None));
    let _sim = spawn(&pce_tests::bin_dir().join("pcc-sim"), &args);
    wait_json(&format!("http://127.0.0.1:{api}/lsps"), WAIT, |v| {
        v.as_array().is_some_and(|a| a.len() == 20)
    });
    let chunks = log.lock().unwrap().clone();
    let (client, server) = (
        SocketAddr::from(([127, 0, 0, 3], 40000)),
        SocketAddr::from(([127, 0, 0, 1], 4189)),
    );
    let segments: Vec<_> = chunks
        .iter()
        .map(|(up, bytes)| pce_tools::pcap::Segment {
            src: if *up { client } else { server },
            dst: if *up { server } else { client },
            payload: bytes,
        })
        .collect();
    let capture = p.dir.join("pceps.pcap");
    pce_tools::pcap::write_capture(&capture, &segments).unwrap();
    // As PCEP: the first two frames are the two StartTLS messages (type
    // 13), which tshark decodes cleanly.
    let pcep = tshark_rows(
        &capture,
        4189,
        "pcep",
        &["pcep.msg", "pcep.version", "tcp.len"],
    );
    assert!(pcep.len() > 2, "{pcep:?}");
    for row in &pcep[..2] {
        assert_eq!(row[0], ["13"], "{pcep:?}");
        assert_eq!(row[1], ["0x01"], "{pcep:?}");
    }
    // As TLS: every byte after them is in a TLS record (handshake 22,
    // change cipher spec 20, alert 21, application data 23), nothing in
    // clear; the application data carries the rest of the handshake, the
    // session and the 20 reports.
    // (A capture of the bytes after StartTLS: TLS decoding of the stream
    // from its start loses its way on the two PCEP messages.)
    let after = p.dir.join("after-starttls.pcap");
    pce_tools::pcap::write_capture(&after, &segments[2..]).unwrap();
    let tls = tshark_rows(
        &after,
        4189,
        "tls",
        &[
            "tcp.len",
            "tls.record.length",
            "tls.record.content_type",
            "tls.record.opaque_type",
        ],
    );
    let (mut payload, mut records, mut application) = (0u64, 0u64, 0);
    for row in &tls {
        payload += row[0].first().map_or(0, |l| l.parse::<u64>().unwrap());
        records += row[1]
            .iter()
            .map(|l| l.parse::<u64>().unwrap() + 5)
            .sum::<u64>();
        // TLS 1.3 shows a protected record's type as its opaque type.
        assert_eq!(row[1].len(), row[2].len() + row[3].len(), "{tls:?}");
        for t in row[2].iter().chain(&row[3]) {
            assert!(["20", "21", "22", "23"].contains(&t.as_str()), "{tls:?}");
            application += usize::from(t == "23");
        }
    }
    assert!(payload > 0);
    assert_eq!(payload, records, "bytes outside TLS records: {tls:?}");
    assert!(application >= 3, "{tls:?}");
}

/// A ureq agent for HTTPS that trusts `ca` and presents `client` if any.
fn https(ca: &Path, client: Option<&Issued>) -> ureq::Agent {
    use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};
    let root = Certificate::from_pem(&std::fs::read(ca).unwrap()).unwrap();
    let mut tls = TlsConfig::builder().root_certs(RootCerts::new_with_certs(&[root]));
    if let Some(c) = client {
        let chain = Certificate::from_pem(&std::fs::read(&c.certificate).unwrap()).unwrap();
        let key = PrivateKey::from_pem(&std::fs::read(&c.key).unwrap()).unwrap();
        tls = tls.client_cert(Some(ClientCert::new_with_certs(&[chain], key)));
    }
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .tls_config(tls.build())
        .build()
        .into()
}

/// The status of `method path` on the API at `base`, or the transport
/// error.
fn status(agent: &ureq::Agent, method: &str, url: &str) -> Result<u16, String> {
    let r = match method {
        "GET" => agent.get(url).call(),
        _ => agent.post(url).send_empty(),
    };
    r.map(|r| r.status().as_u16()).map_err(|e| e.to_string())
}

#[test]
fn the_api_over_https_knows_callers_by_client_certificate() {
    let p = pki("api-tls");
    let noc = p.authority.issue(&p.dir, "noc", &[], false).unwrap();
    let viewer = p.authority.issue(&p.dir, "viewer", &[], false).unwrap();
    let stranger = p.authority.issue(&p.dir, "stranger", &[], false).unwrap();
    let log = p.dir.join("pce.log");
    let (_pce, _port, api) = pce_serve_logged(
        "api-tls-pce",
        &format!(
            "[api_tls]\ncertificate = \"{}\"\nkey = \"{}\"\nca = \"{}\"\n\
             [[api_clients]]\nname = \"noc\"\nrole = \"operator\"\n\
             [[api_clients]]\nname = \"viewer\"\nrole = \"read\"\n",
            p.pce.certificate.display(),
            p.pce.key.display(),
            p.ca.display()
        ),
        &log,
    );
    let base = format!("https://127.0.0.1:{api}");
    let url = |path: &str| format!("{base}{path}");
    let anonymous = https(&p.ca, None);
    // /health is open (it is how pce_serve waited for the process).
    assert_eq!(status(&anonymous, "GET", &url("/health")), Ok(200));
    assert_eq!(status(&anonymous, "GET", &url("/sessions")), Ok(401));
    // A certificate from the CA that [[api_clients]] does not list.
    assert_eq!(
        status(&https(&p.ca, Some(&stranger)), "GET", &url("/sessions")),
        Ok(401)
    );
    let viewer = https(&p.ca, Some(&viewer));
    assert_eq!(status(&viewer, "GET", &url("/sessions")), Ok(200));
    assert_eq!(status(&viewer, "POST", &url("/reoptimize")), Ok(403));
    let noc = https(&p.ca, Some(&noc));
    let s = status(&noc, "POST", &url("/reoptimize")).unwrap();
    assert!((200..300).contains(&s), "{s}");
    // A certificate of another CA: the handshake fails.
    let foreign = status(&https(&p.ca, Some(&p.foreign)), "GET", &url("/sessions"));
    assert!(foreign.is_err(), "{foreign:?}");
    // Plain HTTP to the HTTPS port: no answer in clear.
    let plain = ureq::get(&format!("http://127.0.0.1:{api}/health")).call();
    assert!(plain.is_err(), "{:?}", plain.map(|r| r.status()));
    let metrics = |reason: &str| -> u64 {
        let mut r = noc.get(&url("/metrics")).call().unwrap();
        let text = r.body_mut().read_to_string().unwrap();
        let series = format!("pce_api_tls_failures_total{{reason=\"{reason}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&series)?.parse().ok())
            .unwrap_or(0)
    };
    until(
        || {
            format!(
                "certificate {} protocol {}",
                metrics("certificate"),
                metrics("protocol")
            )
        },
        || metrics("certificate") >= 1 && metrics("protocol") >= 1,
    );
    // The CLI over HTTPS with a client certificate.
    let out = std::process::Command::new(pce_tests::bin_dir().join("pce"))
        .args(["sessions", "--api", &base, "--ca-file"])
        .arg(&p.ca)
        .arg("--cert-file")
        .arg(p.dir.join("noc.crt"))
        .arg("--key-file")
        .arg(p.dir.join("noc.key"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The audit line names the certificate's caller.
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.lines().any(|l| l.contains("pce::audit")
            && l.contains("caller=noc")
            && l.contains("/reoptimize")),
        "{text}"
    );
}

/// Certificate rotation: new files in place and SIGHUP; sessions opened
/// from then on get the new certificate (here the only one carrying the
/// name the PCC expects), and a file that cannot be used keeps the old.
#[test]
fn a_rotated_certificate_applies_after_sighup() {
    let p = pki("pceps-rotate");
    let (cert, key) = (p.dir.join("served.crt"), p.dir.join("served.key"));
    std::fs::copy(&p.pce.certificate, &cert).unwrap();
    std::fs::copy(&p.pce.key, &key).unwrap();
    let log = p.dir.join("pce.log");
    let (pce, port, api) = pce_serve_logged(
        "pceps-rotate-pce",
        &format!(
            "[tls]\ncertificate = \"{}\"\nkey = \"{}\"\nca = \"{}\"\npccs = \"required\"\n",
            cert.display(),
            key.display(),
            p.ca.display()
        ),
        &log,
    );
    let rotated = p
        .authority
        .issue(&p.dir, "pce-rotated", &[ip("127.0.0.1")], false)
        .unwrap();
    let mut args = tls_args(&p.ca, None);
    args.extend(["--tls-name".into(), "pce-rotated".into()]);
    let sim_log = p.dir.join("sim.log");
    let _sim = pcc(port, "127.43.0.1", 1, &args, &sim_log);
    // The served certificate does not carry that name: refused by the PCC.
    until(
        || std::fs::read_to_string(&sim_log).unwrap_or_default(),
        || std::fs::read_to_string(&sim_log).is_ok_and(|t| t.contains("not valid for name")),
    );
    let hup = || {
        let ok = std::process::Command::new("kill")
            .args(["-HUP", &pce.0.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    };
    // A broken file first: the running certificate stays.
    std::fs::write(&cert, "not a certificate").unwrap();
    hup();
    until(
        || std::fs::read_to_string(&log).unwrap_or_default(),
        || {
            std::fs::read_to_string(&log)
                .is_ok_and(|t| t.contains("the running [tls] certificates stay"))
        },
    );
    std::fs::copy(&rotated.certificate, &cert).unwrap();
    std::fs::copy(&rotated.key, &key).unwrap();
    hup();
    until(
        || format!("{:?}", sessions(api)),
        || {
            sessions(api)
                .iter()
                .any(|(a, s, t)| a == "127.43.0.1" && s == "Up" && t.is_some())
        },
    );
}
