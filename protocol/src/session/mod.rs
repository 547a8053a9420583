//! The PCEP session (RFC 5440 §4.2, §6.2-6.3, §6.8, Appendix A), sans-IO.
//!
//! A [`Session`] is driven by its owner:
//! * [`Session::start`] once the TCP connection is up (sends Open, starts
//!   OpenWait);
//! * [`Session::handle_bytes`] with whatever the socket delivered;
//! * [`Session::handle_timeout`] when [`Session::poll_timeout`]'s instant
//!   has passed;
//! * [`Session::send`] to send a message once the session is up;
//! * [`Session::poll_transmit`] for bytes to write, and
//!   [`Session::poll_event`] for what the upper layer must know.
//!
//! With PCEPS (RFC 8253, [`Session::with_tls`]) the StartTLS exchange
//! comes first: [`Event::StartTls`] tells the shell to run the TLS
//! handshake on the connection (taking the bytes already read with
//! [`Session::take_received`]), then [`Session::tls_established`] sends the
//! Open over TLS.
//!
//! Time is always a parameter (`now`); the session never reads a clock and
//! owns no socket, so every exchange can be scripted and replayed in tests.
//! The same session serves a PCE (server) and a PCC (the simulator).

mod negotiate;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

pub use self::negotiate::{Capabilities, Negotiated, OpenPolicy};

use crate::wire::object::{Close, Open, PcepError};
use crate::wire::{
    CloseReason, DecodeError, EncodeError, Framer, Message, PcErr, PcErrCode, WireConfig,
};

/// OpenWait (RFC 5440 §4.2.1): 60 s, fixed.
pub const OPEN_WAIT: Duration = Duration::from_secs(60);
/// KeepWait (RFC 5440 §4.2.1): 60 s, fixed.
pub const KEEP_WAIT: Duration = Duration::from_secs(60);
/// StartTLSWait (RFC 8253 §3.3): 60 s, recommended; not less than OpenWait.
pub const START_TLS_WAIT: Duration = Duration::from_secs(60);
/// Unknown messages per minute at which the session closes (RFC 5440 §7.17, reason 5).
pub const MAX_UNKNOWN_MESSAGES: usize = 5;

/// Which side of the session this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A path computation client (router, simulator).
    Pcc,
    /// A path computation element.
    Pce,
}

/// Session configuration.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    /// Our role.
    pub role: Role,
    /// The OPEN object we send (keepalive, dead timer, capability TLVs).
    pub open: Open,
    /// What we accept from the peer, and what we propose instead.
    pub policy: OpenPolicy,
    /// Codec settings.
    pub wire: WireConfig,
}

/// PCEPS (RFC 8253) on a session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TlsPolicy {
    /// No TLS: Open first. A StartTLS from the peer gets PCErr 25/4 (a
    /// session without TLS is possible) and the connection closes.
    #[default]
    Off,
    /// TLS if the peer asks (a PCE waits for the PCC's first message; a
    /// PCC sends StartTLS first and fails on an Open, for its shell to
    /// retry once without TLS, §3.2).
    Optional,
    /// TLS only: StartTLS first; an Open from the peer gets PCErr 1/1.
    Required,
}

/// Session states (RFC 5440 Appendix A; TCPPending belongs to the shell).
#[derive(Clone, Debug, PartialEq)]
pub enum State {
    /// PCEPS: waiting for the peer's StartTLS (or, with
    /// [`TlsPolicy::Optional`], its Open); `sent`: ours has gone.
    StartTlsWait {
        /// Our StartTLS was sent.
        sent: bool,
    },
    /// PCEPS: both StartTLS messages exchanged; the shell runs the TLS
    /// handshake, then calls [`Session::tls_established`].
    TlsHandshake,
    /// Open sent, waiting for the peer's Open.
    OpenWait {
        /// The peer's Open was acceptable (RemoteOK).
        remote_ok: bool,
        /// Our Open was acknowledged by a Keepalive (LocalOK).
        local_ok: bool,
        /// Unacceptable Opens received (OpenRetry).
        open_retry: u8,
    },
    /// Peer's Open accepted, waiting for the Keepalive acknowledging ours.
    KeepWait {
        /// The peer's accepted Open.
        peer: Box<Open>,
    },
    /// Both Opens acknowledged.
    Up(Box<Negotiated>),
    /// The session is over; the shell closes the connection.
    Closed,
}

/// What the upper layer must know.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The session is up, with these negotiated parameters.
    Up(Box<Negotiated>),
    /// A message (in state Up, other than Keepalive and Close).
    Message(Message),
    /// The peer sent something malformed; a PCErr went back (and, if the
    /// error says so, the session is closing).
    Malformed(DecodeError),
    /// The session closed: `by_peer` when the peer sent Close.
    Closed {
        /// The reason.
        reason: CloseReason,
        /// Whether the peer closed it.
        by_peer: bool,
    },
    /// Establishment failed with this PCErr (sent or received).
    Failed(PcErrCode),
    /// Both StartTLS messages are exchanged: run the TLS handshake now
    /// (RFC 8253 §3.4); the bytes read after the StartTLS are TLS
    /// ([`Session::take_received`]).
    StartTls,
}

/// Why [`Session::send`] sent nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The session is not up.
    #[error("the session is not up")]
    NotUp,
    /// The encoder refused the message.
    #[error("the message cannot be encoded: {0}")]
    Encode(EncodeError),
}

/// Timers (RFC 5440 §4.2.1, §6.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Timers {
    start_tls_wait: Option<Instant>,
    open_wait: Option<Instant>,
    keep_wait: Option<Instant>,
    /// When to send the next Keepalive (if nothing else is sent).
    keepalive: Option<Instant>,
    /// When the peer is declared dead (unless something arrives).
    dead: Option<Instant>,
}

/// A PCEP session.
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    tls: TlsPolicy,
    state: State,
    timers: Timers,
    framer: Framer,
    transmit: VecDeque<Bytes>,
    events: VecDeque<Event>,
    /// Arrival times of unknown messages in the last minute.
    unknown: VecDeque<Instant>,
    /// Messages sent and received (for counters).
    pub stats: Stats,
    /// The PCErrs the session sent itself, not yet taken by the shell.
    errors_sent: Vec<PcErrCode>,
}

/// Message counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Messages received (decoded).
    pub received: u64,
    /// Messages sent.
    pub sent: u64,
    /// PCErr sent.
    pub errors_sent: u64,
    /// Messages received, by message type (types 15 and above share the
    /// last slot).
    pub received_by_type: [u64; 16],
    /// Messages sent, by message type.
    pub sent_by_type: [u64; 16],
    /// Messages the encoder refused (not sent).
    pub encode_failures: u64,
}

impl Session {
    /// A session that has not started yet.
    pub fn new(config: SessionConfig) -> Self {
        let framer = Framer::new(config.wire);
        Self {
            config,
            tls: TlsPolicy::Off,
            state: State::Closed,
            timers: Timers::default(),
            framer,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            unknown: VecDeque::new(),
            stats: Stats::default(),
            errors_sent: Vec::new(),
        }
    }

    /// The PCErrs the session itself sent (establishment failures,
    /// malformed messages) since the last call, for the shell's counters
    /// by Error-Type and Error-value.
    pub fn take_errors_sent(&mut self) -> std::vec::Drain<'_, PcErrCode> {
        self.errors_sent.drain(..)
    }

    /// The current state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The negotiated parameters, once up.
    pub fn negotiated(&self) -> Option<&Negotiated> {
        match &self.state {
            State::Up(n) => Some(n),
            _ => None,
        }
    }

    /// The same with PCEPS as `policy` says (before [`Self::start`]).
    #[must_use]
    pub const fn with_tls(mut self, policy: TlsPolicy) -> Self {
        self.tls = policy;
        self
    }

    /// The TCP connection is up: send Open, start OpenWait (RFC 5440
    /// §4.2.1). With PCEPS, StartTLS first and StartTLSWait (RFC 8253 §3.2,
    /// §3.3): a PCC always sends it first; a PCE that requires TLS does
    /// too, one that allows both waits for the PCC's first message.
    pub fn start(&mut self, now: Instant) {
        let sent = match (self.tls, self.config.role) {
            (TlsPolicy::Off, _) => return self.send_open(now),
            (TlsPolicy::Required, _) | (TlsPolicy::Optional, Role::Pcc) => true,
            (TlsPolicy::Optional, Role::Pce) => false,
        };
        if sent {
            self.queue_own(&Message::StartTls, now);
        }
        self.state = State::StartTlsWait { sent };
        self.timers.start_tls_wait = Some(now + START_TLS_WAIT);
    }

    /// The TLS handshake is done: the PCEP session starts over it (Open,
    /// OpenWait). Ignored in any state but [`State::TlsHandshake`].
    pub fn tls_established(&mut self, now: Instant) {
        if self.state == State::TlsHandshake {
            self.send_open(now);
        }
    }

    /// The bytes read but not yet handled (after a StartTLS exchange: the
    /// start of the TLS handshake, for the shell's TLS layer).
    pub fn take_received(&mut self) -> BytesMut {
        self.framer.buffer_mut().split()
    }

    fn send_open(&mut self, now: Instant) {
        self.state = State::OpenWait {
            remote_ok: false,
            local_ok: false,
            open_retry: 0,
        };
        let open = Message::Open(self.config.open.clone());
        self.queue_own(&open, now);
        self.timers.open_wait = Some(now + OPEN_WAIT);
        self.timers.keep_wait = Some(now + KEEP_WAIT);
    }

    /// Send a message; only in state Up. A message the encoder refuses
    /// (it cannot be written faithfully) is not sent, and says why.
    pub fn send(&mut self, message: &Message, now: Instant) -> Result<(), SendError> {
        if !matches!(self.state, State::Up(_)) {
            return Err(SendError::NotUp);
        }
        self.queue(message, now).map_err(SendError::Encode)
    }

    /// Close the session with `reason` (RFC 5440 §6.8).
    pub fn close(&mut self, reason: CloseReason, now: Instant) {
        if !matches!(self.state, State::Closed) {
            self.queue_own(&Message::Close(Close::new(reason)), now);
            self.enter_closed(reason, false);
        }
    }

    /// Bytes to write to the connection, in order.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmit.pop_front()
    }

    /// The next event for the upper layer.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next instant at which [`Self::handle_timeout`] must run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let t = self.timers;
        [
            t.start_tls_wait,
            t.open_wait,
            t.keep_wait,
            t.keepalive,
            t.dead,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Run the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due = |t: Option<Instant>| t.is_some_and(|t| t <= now);
        match self.state {
            State::StartTlsWait { .. } if due(self.timers.start_tls_wait) => {
                // RFC 8253 §3.3: nothing from the peer in time: 25/5.
                self.fail(PcErrCode::NO_STARTTLS_BEFORE_STARTTLSWAIT, now);
                return;
            }
            State::OpenWait {
                remote_ok: false, ..
            } if due(self.timers.open_wait) => {
                // RFC 5440 §4.2.1: no Open before OpenWait expiry: 1/2.
                self.fail(PcErrCode::NO_OPEN_BEFORE_OPENWAIT, now);
                return;
            }
            State::OpenWait {
                local_ok: false, ..
            }
            | State::KeepWait { .. }
                if due(self.timers.keep_wait) =>
            {
                // No Keepalive (or PCErr) acknowledging our Open: 1/7.
                self.fail(PcErrCode::NO_KEEPALIVE_BEFORE_KEEPWAIT, now);
                return;
            }
            _ => {}
        }
        if let State::Up(_) = self.state {
            if due(self.timers.dead) {
                self.close(CloseReason::DEAD_TIMER, now);
                return;
            }
            if due(self.timers.keepalive) {
                self.queue_own(&Message::Keepalive, now);
            }
        }
    }

    /// Bytes received from the connection.
    pub fn handle_bytes(&mut self, data: &[u8], now: Instant) {
        if matches!(self.state, State::Closed) {
            return;
        }
        self.framer.extend(data);
        self.handle_received(now);
    }

    /// The receive buffer, for a shell that reads straight into it (no
    /// intermediate buffer, no copy, no zeroed memory per connection); call
    /// [`Session::handle_received`] after. At least `min` bytes of spare
    /// capacity are reserved.
    pub fn receive_buffer(&mut self, min: usize) -> &mut bytes::BytesMut {
        let buf = self.framer.buffer_mut();
        buf.reserve(min);
        buf
    }

    /// Process what was read into [`Session::receive_buffer`].
    pub fn handle_received(&mut self, now: Instant) {
        if matches!(self.state, State::Closed) {
            return;
        }
        loop {
            let frame = match self.framer.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => return,
                Err(e) => {
                    self.malformed(e, now);
                    return;
                }
            };
            match Message::decode(frame, &self.config.wire) {
                Ok(m) => {
                    self.stats.received += 1;
                    if let Some(c) = self
                        .stats
                        .received_by_type
                        .get_mut(usize::from(m.message_type().0).min(15))
                    {
                        *c += 1;
                    }
                    self.handle_message(m, now);
                }
                Err(e) => self.malformed(e, now),
            }
            if matches!(self.state, State::Closed | State::TlsHandshake) {
                // After the StartTLS exchange the bytes are TLS: the shell
                // takes them (take_received).
                return;
            }
        }
    }

    fn handle_message(&mut self, m: Message, now: Instant) {
        // RFC 5440 §6.3: any message received restarts the DeadTimer.
        if let State::Up(n) = &self.state {
            self.timers.dead = n.dead_timer().map(|d| now + d);
        }
        match (&self.state, m) {
            (_, Message::Close(c)) => {
                self.enter_closed(c.reason, true);
            }
            (State::StartTlsWait { sent }, m) => {
                let sent = *sent;
                self.in_start_tls_wait(sent, m, now);
            }
            (
                State::OpenWait {
                    remote_ok: false,
                    local_ok: false,
                    open_retry: 0,
                },
                Message::StartTls,
            ) if self.tls == TlsPolicy::Off && self.stats.received == 1 => {
                // RFC 8253 §3.2: a speaker unwilling to do TLS answers a
                // StartTLS with 25/4 (it would talk without TLS) and closes.
                self.fail(PcErrCode::STARTTLS_FALLBACK_POSSIBLE, now);
            }
            (_, Message::StartTls) => {
                // RFC 8253 §3.2: StartTLS after any other exchange: 25/1.
                self.fail(PcErrCode::STARTTLS_AFTER_EXCHANGE, now);
            }
            (
                State::OpenWait {
                    remote_ok: false,
                    local_ok,
                    open_retry,
                },
                Message::Open(open),
            ) => {
                let (local_ok, open_retry) = (*local_ok, *open_retry);
                self.on_open(open, local_ok, open_retry, now);
            }
            (
                State::OpenWait {
                    remote_ok: false,
                    local_ok: false,
                    open_retry,
                },
                Message::Keepalive,
            ) if *open_retry > 0 => {
                // We refused the peer's first Open (1/4) while it accepted
                // ours: its Keepalive sets LocalOK (RFC 5440 App. A); its
                // new Open follows.
                let open_retry = *open_retry;
                self.state = State::OpenWait {
                    remote_ok: false,
                    local_ok: true,
                    open_retry,
                };
            }
            (State::OpenWait { .. } | State::KeepWait { .. }, Message::PcErr(err)) => {
                // The peer refuses our Open, possibly proposing values.
                self.on_open_error(err, now);
            }
            (
                State::OpenWait {
                    remote_ok: false, ..
                },
                _,
            ) => {
                // RFC 5440 §6.2: anything but an Open first: 1/1.
                self.fail(PcErrCode::INVALID_OPEN, now);
            }
            (State::KeepWait { .. }, Message::Keepalive) => {
                let State::KeepWait { peer } = std::mem::replace(&mut self.state, State::Closed)
                else {
                    return;
                };
                self.go_up(*peer, now);
            }
            (State::KeepWait { .. }, _) => self.fail(PcErrCode::INVALID_OPEN, now),
            (State::Up(_), Message::Keepalive) => {}
            (State::Up(_), Message::Open(_)) => {
                // A second Open on an established session (RFC 5440 §6.2).
                self.send_error(PcErrCode::INVALID_OPEN, now);
            }
            (State::Up(_), m) => self.events.push_back(Event::Message(m)),
            (
                State::OpenWait {
                    remote_ok: true, ..
                }
                | State::Closed
                | State::TlsHandshake,
                _,
            ) => {}
        }
    }

    /// A message while waiting for the peer's StartTLS (RFC 8253 §3.2).
    fn in_start_tls_wait(&mut self, sent: bool, m: Message, now: Instant) {
        match m {
            Message::StartTls => {
                if !sent {
                    self.queue_own(&Message::StartTls, now);
                }
                self.timers.start_tls_wait = None;
                self.state = State::TlsHandshake;
                self.events.push_back(Event::StartTls);
            }
            Message::Open(open) if self.tls == TlsPolicy::Optional && !sent => {
                // A PCE allowing both: the PCC chose PCEP without TLS.
                self.timers.start_tls_wait = None;
                self.send_open(now);
                self.on_open(open, false, 0, now);
            }
            // TLS only, or a PCC whose StartTLS got an Open: 1/1 (the PCC's
            // shell may retry once without TLS).
            Message::Open(_) => self.fail(PcErrCode::INVALID_OPEN, now),
            Message::PcErr(err) => {
                // The peer will not do TLS (25/3, 25/4) or refuses StartTLS
                // (1/1 from a speaker without PCEPS).
                let code = err
                    .errors
                    .first()
                    .and_then(|u| u.errors.first())
                    .map_or(PcErrCode::STARTTLS_NO_FALLBACK, PcepError::code);
                self.events.push_back(Event::Failed(code));
                self.enter_closed(CloseReason::NO_EXPLANATION, false);
            }
            _ => self.fail(PcErrCode::STARTTLS_UNEXPECTED_MESSAGE, now),
        }
    }

    fn on_open(&mut self, open: Open, local_ok: bool, open_retry: u8, now: Instant) {
        match self.config.policy.check(&open) {
            Ok(()) => {
                self.queue_own(&Message::Keepalive, now);
                self.timers.open_wait = None;
                if local_ok {
                    self.go_up(open, now);
                } else {
                    self.state = State::KeepWait {
                        peer: Box::new(open),
                    };
                }
            }
            Err(None) => self.fail(PcErrCode::UNACCEPTABLE_NON_NEGOTIABLE, now),
            Err(Some(_)) if open_retry >= 1 => self.fail(PcErrCode::SECOND_OPEN_UNACCEPTABLE, now),
            Err(Some(proposal)) => {
                // RFC 5440 §4.2.1: 1/4 with acceptable values, one retry.
                let err = PcErr {
                    open: Some(proposal),
                    ..PcErr::new(PcepError::new(PcErrCode::UNACCEPTABLE_NEGOTIABLE))
                };
                self.stats.errors_sent += 1;
                self.errors_sent.push(PcErrCode::UNACCEPTABLE_NEGOTIABLE);
                self.queue_own(&Message::PcErr(err), now);
                self.state = State::OpenWait {
                    remote_ok: false,
                    local_ok,
                    open_retry: open_retry + 1,
                };
            }
        }
    }

    /// The peer refused our Open (RFC 5440 §4.2.1, KeepWait).
    fn on_open_error(&mut self, err: PcErr, now: Instant) {
        let code = err
            .errors
            .first()
            .and_then(|u| u.errors.first())
            .map(PcepError::code);
        match (code, err.open) {
            (Some(c), Some(proposal)) if c == PcErrCode::UNACCEPTABLE_NEGOTIABLE => {
                if self.config.policy.adoptable(&proposal) {
                    // Adopt the proposed timers and send a new Open.
                    self.config.open.keepalive = proposal.keepalive;
                    self.config.open.dead_timer = proposal.dead_timer;
                    let open = Message::Open(self.config.open.clone());
                    self.queue_own(&open, now);
                    self.timers.keep_wait = Some(now + KEEP_WAIT);
                } else {
                    self.fail(PcErrCode::PCERR_UNACCEPTABLE_PROPOSAL, now);
                }
            }
            (Some(c), _) => {
                self.events.push_back(Event::Failed(c));
                self.enter_closed(CloseReason::NO_EXPLANATION, false);
            }
            (None, _) => self.fail(PcErrCode::INVALID_OPEN, now),
        }
    }

    fn go_up(&mut self, peer: Open, now: Instant) {
        let negotiated = Negotiated::new(&self.config.open, &peer, &self.config.wire.state_sync);
        self.timers = Timers {
            start_tls_wait: None,
            open_wait: None,
            keep_wait: None,
            keepalive: negotiated.keepalive().map(|k| now + k),
            dead: negotiated.dead_timer().map(|d| now + d),
        };
        self.state = State::Up(Box::new(negotiated.clone()));
        self.events.push_back(Event::Up(Box::new(negotiated)));
    }

    fn malformed(&mut self, e: DecodeError, now: Instant) {
        if matches!(self.state, State::StartTlsWait { .. }) {
            // Neither StartTLS, Open nor PCErr first (RFC 8253 §3.2).
            self.events.push_back(Event::Malformed(e));
            self.fail(PcErrCode::STARTTLS_UNEXPECTED_MESSAGE, now);
            return;
        }
        if matches!(
            self.state,
            State::OpenWait {
                remote_ok: false,
                ..
            }
        ) {
            // Malformed Open (RFC 5440 §6.2): 1/1; a version this side
            // does not speak, 1/8, as once the session is up.
            let code = match e {
                DecodeError::UnsupportedVersion { .. } => PcErrCode::VERSION_NOT_SUPPORTED,
                _ => PcErrCode::INVALID_OPEN,
            };
            self.fail(code, now);
            return;
        }
        if let DecodeError::UnknownMessageType(_) = e {
            // RFC 5440 §7.17: too many unknown messages per minute: Close 5.
            while self
                .unknown
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
            {
                self.unknown.pop_front();
            }
            self.unknown.push_back(now);
            if self.unknown.len() >= MAX_UNKNOWN_MESSAGES {
                self.events.push_back(Event::Malformed(e));
                self.close(CloseReason::UNRECOGNIZED_MESSAGES, now);
                return;
            }
        }
        self.send_error(e.pcerr(), now);
        self.events.push_back(Event::Malformed(e));
        if let Some(reason) = e.close_reason() {
            self.close(reason, now);
        }
    }

    fn send_error(&mut self, code: PcErrCode, now: Instant) {
        self.stats.errors_sent += 1;
        if self.errors_sent.len() < 64 {
            self.errors_sent.push(code);
        }
        self.queue_own(&Message::PcErr(PcErr::new(PcepError::new(code))), now);
    }

    /// Establishment failure: PCErr, then the session ends.
    fn fail(&mut self, code: PcErrCode, now: Instant) {
        self.send_error(code, now);
        self.events.push_back(Event::Failed(code));
        self.enter_closed(CloseReason::NO_EXPLANATION, false);
    }

    fn enter_closed(&mut self, reason: CloseReason, by_peer: bool) {
        self.state = State::Closed;
        self.timers = Timers::default();
        self.events.push_back(Event::Closed { reason, by_peer });
    }

    /// The session's own messages (Open, Keepalive, Close, PCErr): they
    /// encode (a refusal would be counted in the stats and logged by the
    /// shell from them).
    fn queue_own(&mut self, m: &Message, now: Instant) {
        let _ = self.queue(m, now);
    }

    /// Encode and queue a message; a refusal is counted.
    fn queue(&mut self, m: &Message, now: Instant) -> Result<(), EncodeError> {
        let mut out = BytesMut::new();
        if let Err(e) = m.encode(&mut out, &self.config.wire) {
            self.stats.encode_failures += 1;
            return Err(e);
        }
        {
            self.stats.sent += 1;
            if let Some(c) = self
                .stats
                .sent_by_type
                .get_mut(usize::from(m.message_type().0).min(15))
            {
                *c += 1;
            }
            self.transmit.push_back(out.freeze());
            // RFC 5440 §6.3: a Keepalive is due when nothing has been sent
            // for the keepalive period.
            if let State::Up(n) = &self.state {
                self.timers.keepalive = n.keepalive().map(|k| now + k);
            }
        }
        Ok(())
    }
}
