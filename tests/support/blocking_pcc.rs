//! A PCC on a blocking socket, driven by the protocol crate's sans-IO
//! session: for tests that must send exactly what they choose (floods,
//! hostile input) and time single requests.
#![allow(clippy::disallowed_methods)] // wall-clock deadlines and timings

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use pcep::session::{Event, OpenPolicy, Role, Session, SessionConfig, State};
use pcep::wire::object::{EndPoints, HeaderFlags, Rp};
use pcep::wire::{Message, PcReq, Request, WireConfig};

/// A PCEP session from `local` to the PCE.
pub(crate) struct BlockingPcc {
    pub(crate) stream: TcpStream,
    pub(crate) session: Session,
}

impl BlockingPcc {
    /// Connect from `local` (a loopback address of its own: the PCE takes
    /// one session per address) and bring the session up.
    pub(crate) fn connect(pce: SocketAddr, local: Ipv4Addr, wait: Duration) -> Self {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
            .expect("socket");
        socket
            .bind(&SocketAddr::new(local.into(), 0).into())
            .expect("bind");
        socket.connect(&pce.into()).expect("connect");
        let stream: TcpStream = socket.into();
        stream.set_nodelay(true).expect("nodelay");
        let mut session = Session::new(SessionConfig {
            role: Role::Pcc,
            open: pce_tools::sim::pcc_open(30, 10),
            policy: OpenPolicy::default(),
            wire: WireConfig::default(),
        });
        session.start(Instant::now());
        let mut pcc = Self { stream, session };
        let deadline = Instant::now() + wait;
        while !matches!(pcc.session.state(), State::Up(_)) {
            assert!(Instant::now() < deadline, "no session within {wait:?}");
            assert!(
                !matches!(pcc.session.state(), State::Closed),
                "the PCE refused the session"
            );
            pcc.pump(deadline);
        }
        pcc
    }

    /// Write what the session has queued, then read once (until
    /// `deadline` at most) and hand it to the session; the events.
    pub(crate) fn pump(&mut self, deadline: Instant) -> Vec<Event> {
        let mut out = Vec::new();
        while let Some(b) = self.session.poll_transmit() {
            out.extend_from_slice(&b);
        }
        if !out.is_empty() {
            self.stream.write_all(&out).expect("write");
        }
        let left = deadline.saturating_duration_since(Instant::now());
        self.stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .expect("timeout");
        let mut buf = [0u8; 65_536];
        match self.stream.read(&mut buf) {
            Ok(0) => panic!("the PCE closed the connection"),
            Ok(n) => self.session.handle_bytes(&buf[..n], Instant::now()),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("read: {e}"),
        }
        self.session.handle_timeout(Instant::now());
        std::iter::from_fn(|| self.session.poll_event()).collect()
    }

    /// Send `m` now.
    pub(crate) fn send(&mut self, m: &Message) {
        self.session.send(m, Instant::now()).expect("send");
        let mut out = Vec::new();
        while let Some(b) = self.session.poll_transmit() {
            out.extend_from_slice(&b);
        }
        self.stream.write_all(&out).expect("write");
    }

    /// A PCReq for a path from `source` to `destination`, and how long its
    /// answer took.
    pub(crate) fn request(
        &mut self,
        id: u32,
        source: Ipv4Addr,
        destination: Ipv4Addr,
        wait: Duration,
    ) -> Duration {
        let start = Instant::now();
        self.send(&Message::PcReq(PcReq {
            svecs: Vec::new(),
            requests: vec![Request::new(
                Rp {
                    header: HeaderFlags::PROCESSING,
                    rp_flags: 0,
                    request_id: id,
                    tlvs: Vec::new(),
                },
                EndPoints::Ipv4 {
                    header: HeaderFlags::PROCESSING,
                    source,
                    destination,
                },
            )],
        }));
        let deadline = start + wait;
        loop {
            assert!(Instant::now() < deadline, "no PCRep to {id} in {wait:?}");
            for e in self.pump(deadline) {
                match e {
                    Event::Message(Message::PcRep(rep))
                        if rep.responses.iter().any(|r| r.rp.request_id == id) =>
                    {
                        return start.elapsed();
                    }
                    Event::Message(Message::PcErr(e)) => panic!("PCErr: {e:?}"),
                    Event::Closed { reason, .. } => panic!("closed: {reason}"),
                    _ => {}
                }
            }
        }
    }
}
