//! A BGP-LS sender for the ingestion benchmark (bench/bgp-ls-ingest.sh):
//! the generated carrier topology (`topogen::carrier`) as the UPDATEs
//! `topology::bgp_ls::originate` makes (one NLRI each), encoded before the
//! peer connects, then written as fast as the peer reads them. It listens
//! for one peer (which connects actively), proposes hold time 0 (no
//! keepalives: the run may outlast a hold time while the peer is busy),
//! ends with End-of-RIB (announced by the Graceful Restart capability,
//! RFC 4724), and prints when it started and finished writing (Unix time,
//! ns).
//!
//! ```sh
//! bgp-ls-send NODES LINKS SEED LISTEN
//! ```

#![allow(clippy::disallowed_methods)] // a benchmark tool: it reads the clock

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bgpls::message::Message;
use bgpls::session::{Config, Event, Session, State};
use pce_bench::topogen::carrier;
use pce_engine::topology::bgp_ls::originate;

fn unix_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

fn fail(what: &str) -> ! {
    eprintln!("bgp-ls-send: {what}");
    std::process::exit(1)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| -> usize {
        args.get(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| fail("usage: bgp-ls-send NODES LINKS SEED LISTEN"))
    };
    let (nodes, links, seed) = (number(0), number(1), number(2) as u64);
    let listen = args
        .get(3)
        .unwrap_or_else(|| fail("usage: bgp-ls-send NODES LINKS SEED LISTEN"));
    let file = carrier(nodes, links, seed);
    let updates = originate(&file, 65000);
    let nlris: usize = updates.iter().map(|u| u.announced.len()).sum();
    let mut wire = Vec::new();
    // The initial update ends with End-of-RIB, as the OPEN's Graceful
    // Restart capability promises (RFC 4724).
    let end = bgpls::message::Update {
        end_of_rib: true,
        ..bgpls::message::Update::default()
    };
    for u in updates.into_iter().chain([end]) {
        match Message::Update(u).encode() {
            Ok(bytes) => wire.extend_from_slice(&bytes),
            Err(e) => fail(&format!("an UPDATE does not encode: {e:?}")),
        }
    }
    let listener = TcpListener::bind(listen).unwrap_or_else(|e| fail(&format!("{listen}: {e}")));
    println!(
        "ready nodes={} links={} nlris={nlris} bytes={}",
        file.nodes.len(),
        file.links.len(),
        wire.len()
    );
    let _ = std::io::stdout().flush();
    let (mut stream, peer) = listener
        .accept()
        .unwrap_or_else(|e| fail(&format!("accept: {e}")));
    let origin = Instant::now();
    let ms = || u64::try_from(origin.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut session = Session::new(
        Config {
            local_as: 65000,
            router_id: "127.0.0.1".parse().unwrap_or(std::net::Ipv4Addr::LOCALHOST),
            hold_time: 0,
            peer_as: 65000,
            end_of_rib: true,
        },
        ms(),
    );
    let mut buf = vec![0u8; 65536];
    while session.state() != State::Established {
        let out = session.transmit();
        if stream.write_all(&out).is_err() {
            fail("the peer closed before the session was up");
        }
        let n = stream.read(&mut buf).unwrap_or(0);
        if n == 0 {
            fail("the peer closed before the session was up");
        }
        for e in session.receive(ms(), &buf[..n]) {
            if let Event::Closed { reason, .. } = e {
                fail(&format!("session closed: {reason}"));
            }
        }
    }
    let _ = stream.write_all(&session.transmit());
    // Whatever the peer sends from now on is read and dropped.
    let mut reader = stream.try_clone().unwrap_or_else(|e| fail(&e.to_string()));
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 65536];
        while reader.read(&mut buf).is_ok_and(|n| n > 0) {}
    });
    let start = unix_ns();
    let t = Instant::now();
    if let Err(e) = stream.write_all(&wire) {
        fail(&format!("writing to {peer}: {e}"));
    }
    println!(
        "sent nlris={nlris} start_ns={start} end_ns={} write_ms={:.1}",
        unix_ns(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let _ = std::io::stdout().flush();
    // Keep the session until the benchmark ends it.
    loop {
        std::thread::park();
    }
}
