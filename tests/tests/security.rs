//! Processes: who may talk to the PCE. A connection from an address that
//! `[pce] allow` does not list is closed as it is accepted, before any
//! Open, logged and counted; a configured state-sync peer is let in
//! without being listed. Real time
//! only bounds the waits.
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::time::Duration;

use socket2::{Domain, Socket, Type};

#[path = "../support/mod.rs"]
mod support;
use support::metrics::metrics;
use support::pce_serve::pce_serve;

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
