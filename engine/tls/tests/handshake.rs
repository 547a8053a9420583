//! Handshakes over loopback between the server and client configurations,
//! with certificates made by rcgen: a good chain, a peer named otherwise, an
//! expired certificate, and one from another CA.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use pce_tls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use pce_tls::rustls::RootCertStore;
use pce_tls::{handshake, names, server_name, HandshakeError, Side, Stream, Tls};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, SanType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
    der: CertificateDer<'static>,
}

fn ca() -> Ca {
    let mut params = CertificateParams::new(Vec::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let der = cert.der().clone();
    Ca { cert, key, der }
}

fn issue(
    ca: &Ca,
    ip: IpAddr,
    expired: bool,
) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let mut params = CertificateParams::new(Vec::new()).unwrap();
    params.subject_alt_names = vec![SanType::IpAddress(ip)];
    if expired {
        params.not_before = rcgen::date_time_ymd(2001, 1, 1);
        params.not_after = rcgen::date_time_ymd(2002, 1, 1);
    }
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca.cert, &ca.key).unwrap();
    (
        vec![cert.der().clone()],
        PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
    )
}

fn roots(ca: &Ca) -> Arc<RootCertStore> {
    let mut roots = RootCertStore::empty();
    roots.add(ca.der.clone()).unwrap();
    Arc::new(roots)
}

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const WITHIN: Duration = Duration::from_secs(10);

/// Handshake a client (`client`, expecting the server to be `expect`)
/// against a server (`server`); both results.
async fn pair(
    server: Tls,
    client: Tls,
    expect: IpAddr,
) -> (
    Result<pce_tls::TlsStream, HandshakeError>,
    Result<pce_tls::TlsStream, HandshakeError>,
) {
    let listener = tokio::net::TcpListener::bind((LOCAL, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accept = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        handshake(tcp, Side::Server(server.server), &[], WITHIN).await
    });
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = server_name(None, expect).unwrap();
    let client = handshake(tcp, Side::Client(client.client.unwrap(), name), &[], WITHIN).await;
    (accept.await.unwrap(), client)
}

#[tokio::test]
async fn mutual_tls_carries_bytes_both_ways_and_names_the_client() {
    let ca = ca();
    let (sc, sk) = issue(&ca, LOCAL, false);
    let (cc, ck) = issue(&ca, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)), false);
    let server = Tls::new(sc, sk, Some(roots(&ca))).unwrap();
    let client = Tls::new(cc, ck, Some(roots(&ca))).unwrap();
    let (s, c) = pair(server, client, LOCAL).await;
    let (mut s, mut c) = (Stream::Tls(Box::new(s.unwrap())), c.unwrap());
    let Stream::Tls(inner) = &s else {
        unreachable!()
    };
    let presented = inner.peer_certificate().expect("a client certificate");
    assert!(names(
        presented,
        &server_name(None, "192.0.2.7".parse().unwrap()).unwrap()
    ));
    assert!(!names(presented, &server_name(None, LOCAL).unwrap()));
    // Larger than a TLS record and than rustls' default buffer limit.
    let data: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
    let sent = data.clone();
    let writer = tokio::spawn(async move {
        c.write_all(&sent).await.unwrap();
        c.flush().await.unwrap();
        let mut back = vec![0u8; 5];
        c.read_exact(&mut back).await.unwrap();
        back
    });
    let mut got = bytes::BytesMut::new();
    while got.len() < data.len() {
        s.readable().await.unwrap();
        match s.try_read_buf(&mut got) {
            Ok(0) => panic!("closed early"),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(&got[..], &data[..]);
    s.write_all(b"hello").await.unwrap();
    assert_eq!(writer.await.unwrap(), b"hello");
}

#[tokio::test]
async fn a_server_not_named_as_expected_is_refused() {
    let ca = ca();
    let (sc, sk) = issue(&ca, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), false);
    let (cc, ck) = issue(&ca, LOCAL, false);
    let server = Tls::new(sc, sk, Some(roots(&ca))).unwrap();
    let client = Tls::new(cc, ck, Some(roots(&ca))).unwrap();
    let (_, c) = pair(server, client, LOCAL).await;
    let e = c.expect_err("the server's certificate names another address");
    assert_eq!(e.kind(), "certificate", "{e}");
}

#[tokio::test]
async fn an_expired_client_certificate_is_refused_by_the_server() {
    let ca = ca();
    let (sc, sk) = issue(&ca, LOCAL, false);
    let (cc, ck) = issue(&ca, LOCAL, true);
    let server = Tls::new(sc, sk, Some(roots(&ca))).unwrap();
    let client = Tls::new(cc, ck, Some(roots(&ca))).unwrap();
    let (s, _) = pair(server, client, LOCAL).await;
    let e = s.expect_err("the client's certificate expired");
    assert_eq!(e.kind(), "certificate", "{e}");
    assert!(e.to_string().to_lowercase().contains("expired"), "{e}");
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused() {
    let (ca, other) = (ca(), ca());
    let (sc, sk) = issue(&ca, LOCAL, false);
    let (cc, ck) = issue(&other, LOCAL, false);
    let server = Tls::new(sc, sk, Some(roots(&ca))).unwrap();
    let client = Tls::new(cc, ck, Some(roots(&ca))).unwrap();
    let (s, _) = pair(server, client, LOCAL).await;
    let e = s.expect_err("the client's certificate is from another CA");
    assert_eq!(e.kind(), "certificate", "{e}");
}

#[test]
fn a_tls_record_is_recognized_and_pcep_is_not() {
    assert!(pce_tls::looks_like_tls(&[0x16, 0x03, 0x01, 0x02, 0x00]));
    // A PCEP Open: version 1, type 1.
    assert!(!pce_tls::looks_like_tls(&[0x20, 0x01, 0x00, 0x0c]));
    assert!(!pce_tls::looks_like_tls(&[0x16]));
}
