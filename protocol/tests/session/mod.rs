//! Session scripts in memory with explicit time (RFC 5440 App. A).

use std::time::{Duration, Instant};

use bytes::Bytes;
use pcep::samples;
use pcep::session::{
    Event, OpenPolicy, Role, Session, SessionConfig, State, TlsPolicy, START_TLS_WAIT,
};
use pcep::wire::object::Open;
use pcep::wire::tlv::{StatefulCapability, Tlv};
use pcep::wire::{CloseReason, Message, PcErrCode, StateSyncCodepoints, WireConfig};

#[allow(clippy::disallowed_methods)] // the test's epoch; time is then advanced explicitly
fn epoch() -> Instant {
    Instant::now()
}

fn config(role: Role, keepalive: u8, dead: u8) -> SessionConfig {
    let caps = StatefulCapability::UPDATE | StatefulCapability::INSTANTIATION;
    SessionConfig {
        role,
        open: Open {
            keepalive,
            dead_timer: dead,
            tlvs: vec![Tlv::StatefulPceCapability(StatefulCapability(caps))],
            ..Open::default()
        },
        policy: OpenPolicy {
            min_keepalive: 5,
            max_keepalive: 60,
            allow_no_keepalive: false,
            max_dead_timer: 240,
        },
        wire: WireConfig::default(),
    }
}

/// Move everything one side transmitted to the other.
fn pump(from: &mut Session, to: &mut Session, now: Instant) -> usize {
    let mut n = 0;
    while let Some(b) = from.poll_transmit() {
        to.handle_bytes(&b, now);
        n += 1;
    }
    n
}

fn events(s: &mut Session) -> Vec<Event> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn sent(s: &mut Session) -> Vec<Message> {
    std::iter::from_fn(|| s.poll_transmit())
        .map(|b| Message::decode(b, &WireConfig::default()).unwrap())
        .collect()
}

fn up_pair(now: Instant) -> (Session, Session) {
    let mut pcc = Session::new(config(Role::Pcc, 30, 120));
    let mut pce = Session::new(config(Role::Pce, 20, 80));
    pcc.start(now);
    pce.start(now);
    while pump(&mut pcc, &mut pce, now) + pump(&mut pce, &mut pcc, now) > 0 {}
    (pcc, pce)
}

#[test]
fn both_sides_come_up_and_negotiate() {
    let now = epoch();
    let (mut pcc, mut pce) = up_pair(now);
    for s in [&mut pcc, &mut pce] {
        let ev = events(s);
        let Some(Event::Up(n)) = ev.first() else {
            panic!("{ev:?}")
        };
        assert!(n.capabilities.stateful && n.capabilities.update && n.capabilities.instantiation);
        assert!(!n.capabilities.include_db_version && !n.capabilities.inter_pce);
    }
    let n = pcc.negotiated().unwrap();
    // We send keepalives at our own interval; the peer is dead after its DeadTimer.
    assert_eq!(n.keepalive(), Some(Duration::from_secs(30)));
    assert_eq!(n.dead_timer(), Some(Duration::from_secs(80)));
}

#[test]
fn keepalives_keep_the_session_alive_and_silence_kills_it() {
    let t0 = epoch();
    let (mut pcc, mut pce) = up_pair(t0);
    events(&mut pcc);
    events(&mut pce);
    // Advance 10 minutes in steps, delivering keepalives both ways.
    let mut now = t0;
    for _ in 0..600 {
        now += Duration::from_secs(1);
        pcc.handle_timeout(now);
        pce.handle_timeout(now);
        pump(&mut pcc, &mut pce, now);
        pump(&mut pce, &mut pcc, now);
    }
    assert!(matches!(pcc.state(), State::Up(_)) && matches!(pce.state(), State::Up(_)));
    // The PCE's keepalive is 20 s: about 30 in 600 s.
    assert!(
        (29..=31).contains(&(pce.stats.sent as i64 - 3)),
        "sent {}",
        pce.stats.sent
    );
    // The PCC goes silent: after the PCC's DeadTimer (120 s) the PCE closes with reason 2.
    let silent_from = now;
    loop {
        now += Duration::from_secs(1);
        pce.handle_timeout(now);
        if matches!(pce.state(), State::Closed) {
            break;
        }
        assert!(now - silent_from <= Duration::from_secs(121));
    }
    assert_eq!(now - silent_from, Duration::from_secs(120));
    assert!(events(&mut pce).contains(&Event::Closed {
        reason: CloseReason::DEAD_TIMER,
        by_peer: false
    }));
    assert!(
        matches!(sent(&mut pce).last(), Some(Message::Close(c)) if c.reason == CloseReason::DEAD_TIMER)
    );
}

#[test]
fn open_wait_and_keep_wait_expire_with_their_pcerr() {
    let t0 = epoch();
    let mut pce = Session::new(config(Role::Pce, 30, 120));
    pce.start(t0);
    sent(&mut pce);
    pce.handle_timeout(t0 + Duration::from_secs(59));
    assert!(matches!(pce.state(), State::OpenWait { .. }));
    pce.handle_timeout(t0 + Duration::from_secs(60));
    assert_eq!(
        events(&mut pce),
        vec![
            Event::Failed(PcErrCode::NO_OPEN_BEFORE_OPENWAIT),
            Event::Closed {
                reason: CloseReason::NO_EXPLANATION,
                by_peer: false
            }
        ]
    );
    let Some(Message::PcErr(e)) = sent(&mut pce).pop() else {
        panic!()
    };
    assert_eq!(
        e.errors[0].errors[0].code(),
        PcErrCode::NO_OPEN_BEFORE_OPENWAIT
    );

    // The peer's Open arrives but no Keepalive for ours: 1/7.
    let mut pce = Session::new(config(Role::Pce, 30, 120));
    let mut pcc = Session::new(config(Role::Pcc, 30, 120));
    pce.start(t0);
    pcc.start(t0);
    sent(&mut pce); // our Open is lost
    pump(&mut pcc, &mut pce, t0);
    assert!(matches!(pce.state(), State::KeepWait { .. }));
    pce.handle_timeout(t0 + Duration::from_secs(60));
    assert!(events(&mut pce).contains(&Event::Failed(PcErrCode::NO_KEEPALIVE_BEFORE_KEEPWAIT)));
}

#[test]
fn unacceptable_open_is_negotiated_once_then_refused() {
    let t0 = epoch();
    let mut pce = Session::new(config(Role::Pce, 30, 120));
    pce.start(t0);
    sent(&mut pce);
    // Keepalive 1 s is below the PCE's minimum of 5: PCErr 1/4 with a proposal.
    let bad = Message::Open(Open {
        keepalive: 1,
        dead_timer: 4,
        ..Open::default()
    });
    pce.handle_bytes(&bad.to_bytes(&WireConfig::default()).unwrap(), t0);
    let Some(Message::PcErr(e)) = sent(&mut pce).pop() else {
        panic!()
    };
    assert_eq!(
        e.errors[0].errors[0].code(),
        PcErrCode::UNACCEPTABLE_NEGOTIABLE
    );
    let proposal = e.open.unwrap();
    assert_eq!((proposal.keepalive, proposal.dead_timer), (5, 20));
    assert!(matches!(pce.state(), State::OpenWait { open_retry: 1, .. }));
    // The second Open is still unacceptable: 1/5, and the session ends.
    pce.handle_bytes(&bad.to_bytes(&WireConfig::default()).unwrap(), t0);
    assert!(events(&mut pce).contains(&Event::Failed(PcErrCode::SECOND_OPEN_UNACCEPTABLE)));
    assert!(matches!(pce.state(), State::Closed));
}

#[test]
fn a_peer_proposal_is_adopted_and_the_session_comes_up() {
    let t0 = epoch();
    // The PCC announces keepalive 2 s; the PCE wants at least 5 and proposes 5/20.
    let mut pcc = Session::new(SessionConfig {
        policy: OpenPolicy::default(),
        ..config(Role::Pcc, 2, 8)
    });
    let mut pce = Session::new(config(Role::Pce, 30, 120));
    pcc.start(t0);
    pce.start(t0);
    for _ in 0..10 {
        pump(&mut pcc, &mut pce, t0);
        pump(&mut pce, &mut pcc, t0);
    }
    assert!(matches!(pce.state(), State::Up(_)), "{:?}", pce.state());
    assert!(matches!(pcc.state(), State::Up(_)), "{:?}", pcc.state());
    assert_eq!(
        pcc.negotiated().unwrap().keepalive(),
        Some(Duration::from_secs(5))
    );
}

#[test]
fn anything_but_open_first_is_refused_with_1_1() {
    let t0 = epoch();
    let mut pce = Session::new(config(Role::Pce, 30, 120));
    pce.start(t0);
    sent(&mut pce);
    pce.handle_bytes(&[0x20, 0x02, 0x00, 0x04], t0); // Keepalive before Open
    assert!(events(&mut pce).contains(&Event::Failed(PcErrCode::INVALID_OPEN)));
}

#[test]
fn a_version_this_side_does_not_speak_is_1_8_before_and_after_open() {
    let t0 = epoch();
    // Version 2 (the top three bits 010): an Open-typed header.
    let mut pce = Session::new(config(Role::Pce, 30, 120));
    pce.start(t0);
    sent(&mut pce);
    pce.handle_bytes(&[0x40, 0x01, 0x00, 0x04], t0);
    assert!(events(&mut pce).contains(&Event::Failed(PcErrCode::VERSION_NOT_SUPPORTED)));
    let Some(Message::PcErr(e)) = sent(&mut pce).into_iter().next() else {
        panic!("a PCErr first")
    };
    assert_eq!(
        e.errors[0].errors[0].code(),
        PcErrCode::VERSION_NOT_SUPPORTED
    );
    assert!(matches!(pce.state(), State::Closed));
    // Once up: the same error.
    let (_, mut pce) = up_pair(t0);
    sent(&mut pce);
    pce.handle_bytes(&[0x40, 0x02, 0x00, 0x04], t0);
    assert!(sent(&mut pce).iter().any(|m| matches!(m,
        Message::PcErr(e) if e.errors[0].errors[0].code() == PcErrCode::VERSION_NOT_SUPPORTED)));
}

#[test]
fn malformed_and_unknown_messages_when_up() {
    let t0 = epoch();
    let (_pcc, mut pce) = up_pair(t0);
    events(&mut pce);
    sent(&mut pce);
    // A PCUpd without SRP: PCErr 6/10, the session stays up.
    pce.handle_bytes(
        &[
            0x20, 0x0b, 0, 0x10, 0x20, 0x10, 0, 8, 0, 0, 0x10, 9, 7, 0x10, 0, 4,
        ],
        t0,
    );
    let Some(Message::PcErr(e)) = sent(&mut pce).pop() else {
        panic!()
    };
    assert_eq!(e.errors[0].errors[0].code(), PcErrCode::SRP_MISSING);
    assert!(matches!(pce.state(), State::Up(_)));
    // Five unknown messages within a minute: Close with reason 5.
    for i in 0..5 {
        pce.handle_bytes(&[0x20, 0x09, 0x00, 0x04], t0 + Duration::from_secs(i));
    }
    assert!(matches!(pce.state(), State::Closed));
    assert!(
        matches!(sent(&mut pce).last(), Some(Message::Close(c)) if c.reason == CloseReason::UNRECOGNIZED_MESSAGES)
    );
    // A broken header closes with reason 3.
    let (_, mut pce) = up_pair(t0);
    sent(&mut pce);
    pce.handle_bytes(&[0x40, 0x02, 0x00, 0x04], t0);
    assert!(
        matches!(sent(&mut pce).last(), Some(Message::Close(c)) if c.reason == CloseReason::MALFORMED)
    );
}

#[test]
fn messages_flow_byte_by_byte_once_up() {
    let t0 = epoch();
    let (mut pcc, mut pce) = up_pair(t0);
    events(&mut pce);
    let cp = StateSyncCodepoints::default();
    let reports: Vec<Message> = samples::all(&cp)
        .into_iter()
        .map(|(_, m)| m)
        .filter(|m| matches!(m, Message::PcRpt(_)))
        .collect();
    for r in &reports {
        assert!(pcc.send(r, t0).is_ok());
    }
    let bytes: Vec<Bytes> = std::iter::from_fn(|| pcc.poll_transmit()).collect();
    for b in bytes {
        for byte in b.iter() {
            pce.handle_bytes(std::slice::from_ref(byte), t0);
        }
    }
    let got: Vec<Message> = events(&mut pce)
        .into_iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(got, reports);
}

#[test]
fn close_from_the_peer_is_reported() {
    let t0 = epoch();
    let (mut pcc, mut pce) = up_pair(t0);
    events(&mut pce);
    pcc.close(CloseReason::NO_EXPLANATION, t0);
    pump(&mut pcc, &mut pce, t0);
    assert_eq!(
        events(&mut pce),
        vec![Event::Closed {
            reason: CloseReason::NO_EXPLANATION,
            by_peer: true
        }]
    );
    assert!(
        pce.send(&Message::Keepalive, t0).is_err(),
        "nothing is sent on a closed session"
    );
}

/// A message the encoder refuses is not sent and `send` says why (it used
/// to report success): nothing reaches the transmit queue, the stats count
/// it.
#[test]
fn a_message_that_cannot_be_encoded_is_refused_by_send() {
    let t0 = epoch();
    let (pcc, mut pce) = up_pair(t0);
    events(&mut pce);
    while pce.poll_transmit().is_some() {}
    let update = Message::PcUpd(pcep::wire::PcUpd {
        updates: vec![pcep::wire::UpdateRequest {
            srp: pcep::wire::object::Srp::default(),
            lsp: pcep::wire::object::Lsp {
                // Over the 20 bits a PLSP-ID has.
                plsp_id: 1 << 21,
                ..pcep::wire::object::Lsp::default()
            },
            associations: vec![],
            ero: pcep::wire::object::Ero::new(vec![]),
            attributes: pcep::wire::Attributes::default(),
            unknown: vec![],
        }],
    });
    assert!(matches!(
        pce.send(&update, t0),
        Err(pcep::session::SendError::Encode(_))
    ));
    assert!(pce.poll_transmit().is_none());
    assert_eq!(pce.stats.encode_failures, 1);
    assert!(pce.send(&Message::Keepalive, t0).is_ok());
    drop(pcc);
}

/// Two sessions with these PCEPS policies, started and pumped until quiet.
fn tls_pair(pcc: TlsPolicy, pce: TlsPolicy, now: Instant) -> (Session, Session) {
    let mut c = Session::new(config(Role::Pcc, 30, 120)).with_tls(pcc);
    let mut e = Session::new(config(Role::Pce, 30, 120)).with_tls(pce);
    c.start(now);
    e.start(now);
    while pump(&mut c, &mut e, now) + pump(&mut e, &mut c, now) > 0 {}
    (c, e)
}

/// RFC 8253 Figures 1 and 4: both send StartTLS (the PCE that allows both
/// waits for the PCC's); both stop at the TLS handshake, then the PCEP
/// session comes up over it.
#[test]
fn starttls_is_exchanged_before_open_and_the_session_comes_up_after_tls() {
    let now = epoch();
    for pce_policy in [TlsPolicy::Required, TlsPolicy::Optional] {
        let (mut pcc, mut pce) = tls_pair(TlsPolicy::Required, pce_policy, now);
        for s in [&mut pcc, &mut pce] {
            assert_eq!(s.state(), &State::TlsHandshake);
            assert_eq!(events(s), [Event::StartTls]);
            assert_eq!(s.stats.sent_by_type[13], 1, "one StartTLS each");
            assert_eq!(s.stats.sent_by_type[1], 0, "no Open before TLS");
        }
        // Bytes after the StartTLS are TLS: the session leaves them.
        pce.handle_bytes(&[0x16, 0x03, 0x01], now);
        assert_eq!(&pce.take_received()[..], &[0x16, 0x03, 0x01]);
        pcc.tls_established(now);
        pce.tls_established(now);
        while pump(&mut pcc, &mut pce, now) + pump(&mut pce, &mut pcc, now) > 0 {}
        assert!(matches!(pcc.state(), State::Up(_)), "{:?}", pcc.state());
        assert!(matches!(pce.state(), State::Up(_)));
    }
}

/// A PCE that allows both answers an Open with an Open (§3.2); one that
/// requires TLS answers it with 1/1 and closes.
#[test]
fn an_open_first_is_welcome_only_where_tls_is_optional() {
    let now = epoch();
    let (pcc, pce) = tls_pair(TlsPolicy::Off, TlsPolicy::Optional, now);
    assert!(matches!(pcc.state(), State::Up(_)));
    assert!(matches!(pce.state(), State::Up(_)));
    let (mut pcc, mut pce) = tls_pair(TlsPolicy::Off, TlsPolicy::Required, now);
    assert_eq!(pce.state(), &State::Closed);
    assert!(events(&mut pce).contains(&Event::Failed(PcErrCode::INVALID_OPEN)));
    // The PCC without PCEPS got the PCE's StartTLS first: 25/4.
    assert!(events(&mut pcc).contains(&Event::Failed(PcErrCode::STARTTLS_FALLBACK_POSSIBLE)));
}

/// RFC 8253 Figure 3: a PCE without PCEPS that gets a StartTLS first
/// answers 25/4 (it would talk without TLS) and closes; the PCC, which got
/// the PCE's Open instead of a StartTLS, answers 1/1 and closes, for its
/// shell to retry once without TLS.
#[test]
fn a_speaker_without_tls_answers_starttls_with_25_4() {
    let now = epoch();
    let (mut pcc, mut pce) = tls_pair(TlsPolicy::Required, TlsPolicy::Off, now);
    assert!(events(&mut pce).contains(&Event::Failed(PcErrCode::STARTTLS_FALLBACK_POSSIBLE)));
    assert!(events(&mut pcc).contains(&Event::Failed(PcErrCode::INVALID_OPEN)));
    assert_eq!(pcc.state(), &State::Closed);
    assert_eq!(pce.state(), &State::Closed);
}

/// StartTLS after the Open exchange is 25/1; any other message before
/// StartTLS is 25/2; silence until StartTLSWait is 25/5.
#[test]
fn starttls_errors_25_1_25_2_and_25_5() {
    let now = epoch();
    let (mut pcc, mut pce) = up_pair(now);
    events(&mut pce);
    pcc.handle_bytes(&[], now);
    let start_tls = Message::StartTls.to_bytes(&WireConfig::default()).unwrap();
    pce.handle_bytes(&start_tls, now);
    assert!(events(&mut pce).contains(&Event::Failed(PcErrCode::STARTTLS_AFTER_EXCHANGE)));
    assert_eq!(pce.state(), &State::Closed);

    let mut pce = Session::new(config(Role::Pce, 30, 120)).with_tls(TlsPolicy::Required);
    pce.start(now);
    sent(&mut pce);
    pce.handle_bytes(
        &Message::Keepalive.to_bytes(&WireConfig::default()).unwrap(),
        now,
    );
    assert!(events(&mut pce).contains(&Event::Failed(PcErrCode::STARTTLS_UNEXPECTED_MESSAGE)));
    let errs: Vec<_> = sent(&mut pce);
    assert!(
        matches!(&errs[0], Message::PcErr(e) if e.errors[0].errors[0].code() == PcErrCode::STARTTLS_UNEXPECTED_MESSAGE),
        "{errs:?}"
    );

    let mut pce = Session::new(config(Role::Pce, 30, 120)).with_tls(TlsPolicy::Optional);
    pce.start(now);
    assert!(sent(&mut pce).is_empty(), "a PCE allowing both waits");
    assert_eq!(pce.poll_timeout(), Some(now + START_TLS_WAIT));
    pce.handle_timeout(now + START_TLS_WAIT);
    assert!(events(&mut pce).contains(&Event::Failed(PcErrCode::NO_STARTTLS_BEFORE_STARTTLSWAIT)));
    assert_eq!(pce.state(), &State::Closed);
}
