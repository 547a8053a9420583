//! The BGP finite-state machine (RFC 4271 §8) from an established TCP
//! connection on: OpenSent, OpenConfirm, Established, Closed.
//!
//! Sans-IO: the shell feeds what the socket reads ([`Session::receive`])
//! and the time ([`Session::tick`], by [`Session::deadline`]), writes what
//! [`Session::transmit`] returns, and closes the connection at
//! [`Event::Closed`]. Time is milliseconds on any monotonic clock the
//! shell chooses. Connecting, retrying and collision resolution (RFC 4271
//! §6.8) belong to the shell, which knows the connections.
//!
//! The session sends OPEN, KEEPALIVE and NOTIFICATION only: a BGP-LS
//! consumer advertises nothing.

use std::net::Ipv4Addr;

use serde::Serialize;

use crate::message::{
    error, frame_len, Capability, Message, Notification, Open, Update, GRACEFUL_RESTART,
};
use crate::{AFI_LS, SAFI_LS};

/// RFC 4271 §8: the hold time before the OPEN exchange ends ("a large
/// value", 4 minutes suggested).
pub const OPEN_HOLD_MS: u64 = 240_000;

/// What the session is configured with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Config {
    /// Local AS.
    pub local_as: u32,
    /// BGP Identifier.
    pub router_id: Ipv4Addr,
    /// Hold time proposed, seconds (0: no keepalives; else at least 3).
    pub hold_time: u16,
    /// The AS the peer must have.
    pub peer_as: u32,
    /// Advertise the Graceful Restart capability (restart time 0, no
    /// address family): this side ends its initial update with End-of-RIB
    /// (RFC 4724 §2-3). A sender's promise; a receiver leaves it false.
    pub end_of_rib: bool,
}

/// The state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum State {
    /// OPEN sent, waiting for the peer's.
    OpenSent,
    /// OPENs exchanged, waiting for the first KEEPALIVE.
    OpenConfirm,
    /// Routes flow.
    Established,
    /// Done: the connection is to be closed.
    Closed,
}

/// What the shell learns from the session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Event {
    /// The session is up; the peer's OPEN.
    Established(Open),
    /// An UPDATE, checked (RFC 7606's verdict in
    /// [`Update::treat_as_withdraw`]).
    Update(Update),
    /// The session ended: the NOTIFICATION sent or received, and why.
    Closed {
        /// The NOTIFICATION this side sent (already queued).
        sent: Option<Notification>,
        /// The NOTIFICATION the peer sent.
        received: Option<Notification>,
        /// In words.
        reason: String,
    },
}

/// One BGP session over one connection.
#[derive(Debug)]
pub struct Session {
    cfg: Config,
    state: State,
    rx: Vec<u8>,
    tx: Vec<u8>,
    peer: Option<Open>,
    four_octet: bool,
    /// Negotiated hold time, milliseconds (0: none).
    hold_ms: u64,
    hold_deadline: Option<u64>,
    keepalive_at: Option<u64>,
}

impl Session {
    /// A session on a connection just established at `now`: its OPEN is
    /// queued.
    pub fn new(cfg: Config, now: u64) -> Self {
        let mut s = Self {
            cfg,
            state: State::OpenSent,
            rx: Vec::new(),
            tx: Vec::new(),
            peer: None,
            four_octet: false,
            hold_ms: 0,
            hold_deadline: Some(now.saturating_add(OPEN_HOLD_MS)),
            keepalive_at: None,
        };
        let open = Message::Open(s.local_open());
        s.send(&open);
        s
    }

    /// The OPEN this side sends.
    pub fn local_open(&self) -> Open {
        Open {
            asn: self.cfg.local_as,
            hold_time: self.cfg.hold_time,
            identifier: self.cfg.router_id,
            capabilities: [
                Capability::Multiprotocol(AFI_LS, SAFI_LS),
                Capability::RouteRefresh,
                Capability::FourOctetAs(self.cfg.local_as),
            ]
            .into_iter()
            .chain(
                self.cfg
                    .end_of_rib
                    .then(|| Capability::Other(GRACEFUL_RESTART, vec![0, 0])),
            )
            .collect(),
        }
    }

    /// The state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The peer's OPEN, once received.
    pub fn peer(&self) -> Option<&Open> {
        self.peer.as_ref()
    }

    /// Bytes to write to the connection (taken).
    pub fn transmit(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.tx)
    }

    /// When [`Session::tick`] must next be called.
    pub fn deadline(&self) -> Option<u64> {
        if self.state == State::Closed {
            return None;
        }
        match (self.hold_deadline, self.keepalive_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn send(&mut self, m: &Message) {
        // Only OPEN, KEEPALIVE and NOTIFICATION of bounded size are sent.
        if let Ok(bytes) = m.encode() {
            self.tx.extend_from_slice(&bytes);
        }
    }

    fn close(&mut self, sent: Option<Notification>, received: Option<Notification>) -> Event {
        let reason = match (&sent, &received) {
            (Some(n), _) => format!("sent NOTIFICATION: {}", n.describe()),
            (None, Some(n)) => format!("received NOTIFICATION: {}", n.describe()),
            (None, None) => "closed".to_string(),
        };
        if let Some(n) = &sent {
            self.send(&Message::Notification(n.clone()));
        }
        self.state = State::Closed;
        self.hold_deadline = None;
        self.keepalive_at = None;
        Event::Closed {
            sent,
            received,
            reason,
        }
    }

    /// End the session (Cease, administrative shutdown, RFC 4486).
    pub fn shutdown(&mut self) -> Option<Event> {
        (self.state != State::Closed).then(|| {
            self.close(
                Some(Notification::new(error::CEASE, error::CEASE_SHUTDOWN)),
                None,
            )
        })
    }

    /// The connection was lost (no NOTIFICATION either way).
    pub fn connection_lost(&mut self) -> Option<Event> {
        (self.state != State::Closed).then(|| self.close(None, None))
    }

    /// Timers at `now`: the hold timer's expiry closes the session
    /// (NOTIFICATION Hold Timer Expired); a keepalive due is sent.
    pub fn tick(&mut self, now: u64) -> Option<Event> {
        if self.state == State::Closed {
            return None;
        }
        if self.hold_deadline.is_some_and(|d| now >= d) {
            return Some(self.close(Some(Notification::new(error::HOLD_TIMER, 0)), None));
        }
        if let Some(at) = self.keepalive_at.filter(|&at| now >= at) {
            self.send(&Message::Keepalive);
            let period = (self.hold_ms / 3).max(1);
            // The next one a period after this one was due, not drifting.
            let mut next = at.saturating_add(period);
            if next <= now {
                next = now.saturating_add(period);
            }
            self.keepalive_at = Some(next);
        }
        None
    }

    /// Bytes read from the connection at `now`: the events they make.
    pub fn receive(&mut self, now: u64, data: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        if self.state == State::Closed {
            return events;
        }
        self.rx.extend_from_slice(data);
        // Whole messages from `at` on; the buffer is shifted once, after.
        let rx = std::mem::take(&mut self.rx);
        let mut at = 0;
        loop {
            let rest = rx.get(at..).unwrap_or_default();
            let len = match frame_len(rest) {
                Ok(Some(len)) if rest.len() >= len => len,
                Ok(_) => break,
                Err(n) => {
                    events.push(self.close(Some(n), None));
                    break;
                }
            };
            let frame = rest.get(..len).unwrap_or_default();
            at += len;
            let message = match Message::decode(frame, self.four_octet) {
                Ok(m) => m,
                Err(n) => {
                    events.push(self.close(Some(n), None));
                    break;
                }
            };
            if let Some(e) = self.on_message(now, message) {
                let closed = matches!(e, Event::Closed { .. });
                events.push(e);
                if closed {
                    break;
                }
            }
        }
        if self.state != State::Closed {
            self.rx = rx;
            self.rx.drain(..at.min(self.rx.len()));
        }
        events
    }

    fn restart_hold(&mut self, now: u64) {
        if self.hold_ms > 0 {
            self.hold_deadline = Some(now.saturating_add(self.hold_ms));
        }
    }

    fn on_message(&mut self, now: u64, m: Message) -> Option<Event> {
        // RFC 6608 subcodes: an unexpected message in OpenSent (1),
        // OpenConfirm (2), Established (3).
        let fsm = |s: State| {
            Notification::new(
                error::FSM,
                match s {
                    State::OpenSent => 1,
                    State::OpenConfirm => 2,
                    _ => 3,
                },
            )
        };
        match (self.state, m) {
            (_, Message::Notification(n)) => Some(self.close(None, Some(n))),
            (State::OpenSent, Message::Open(open)) => self.on_open(now, open),
            (State::OpenConfirm, Message::Keepalive) => {
                self.state = State::Established;
                self.restart_hold(now);
                self.peer.clone().map(Event::Established)
            }
            (State::Established, Message::Keepalive | Message::RouteRefresh(..)) => {
                self.restart_hold(now);
                None
            }
            (State::Established, Message::Update(u)) => {
                self.restart_hold(now);
                let mut u = u;
                // RFC 4271 §9.1.2: a route whose AS_PATH holds this AS is
                // not used (an implicit withdrawal of what it replaces).
                if !u.announced.is_empty()
                    && u.as_path.contains(&self.cfg.local_as)
                    && u.treat_as_withdraw.is_none()
                {
                    u.treat_as_withdraw = Some("AS_PATH loop".into());
                }
                Some(Event::Update(u))
            }
            (s, _) => Some(self.close(Some(fsm(s)), None)),
        }
    }

    fn on_open(&mut self, now: u64, open: Open) -> Option<Event> {
        if open.asn != self.cfg.peer_as {
            let data = u16::try_from(open.asn)
                .unwrap_or(crate::message::AS_TRANS)
                .to_be_bytes();
            return Some(self.close(
                Some(Notification {
                    code: error::OPEN,
                    subcode: error::OPEN_BAD_PEER_AS,
                    data: data.to_vec(),
                }),
                None,
            ));
        }
        let ibgp = open.asn == self.cfg.local_as;
        if open.identifier.is_unspecified() || (ibgp && open.identifier == self.cfg.router_id) {
            return Some(self.close(
                Some(Notification::new(error::OPEN, error::OPEN_BAD_IDENTIFIER)),
                None,
            ));
        }
        if !open.supports(AFI_LS, SAFI_LS) {
            // RFC 5492 §3: the capability this side needs, in the data.
            let mut data = vec![1, 4];
            data.extend_from_slice(&AFI_LS.to_be_bytes());
            data.extend_from_slice(&[0, SAFI_LS]);
            return Some(self.close(
                Some(Notification {
                    code: error::OPEN,
                    subcode: error::OPEN_UNSUPPORTED_CAPABILITY,
                    data,
                }),
                None,
            ));
        }
        self.four_octet = open
            .capabilities
            .iter()
            .any(|c| matches!(c, Capability::FourOctetAs(_)));
        let hold = open.hold_time.min(self.cfg.hold_time);
        self.hold_ms = u64::from(hold) * 1000;
        self.peer = Some(open);
        self.state = State::OpenConfirm;
        self.send(&Message::Keepalive);
        if self.hold_ms > 0 {
            self.hold_deadline = Some(now.saturating_add(self.hold_ms));
            self.keepalive_at = Some(now.saturating_add(self.hold_ms / 3));
        } else {
            self.hold_deadline = None;
            self.keepalive_at = None;
        }
        None
    }
}
