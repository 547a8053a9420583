//! The core task's queues, in process: a session whose outbox is full, or
//! that takes nothing from it for its DeadTimer while messages wait (a
//! peer that does not read), is dropped by the core, which never waits on
//! it, while the other sessions proceed.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use pce_engine::pce::SessionId;
use pce_engine::runtime::config::Config;
use pce_engine::runtime::server::{
    budget::Charge, outbox_of, start_core, CoreInput, Outbox, SessionCommand, Shared,
};
use pcep::session::Negotiated;
use pcep::wire::object::Open;
use pcep::wire::{Attributes, Message, StateSyncCodepoints};

use super::pcreq::request;
use super::support::load;

fn up(session: u64, peer: &str, outbox: Outbox) -> CoreInput {
    CoreInput::Up {
        session: SessionId(session),
        peer: peer.parse::<IpAddr>().unwrap(),
        negotiated: Box::new(Negotiated::new(
            &Open::default(),
            &Open::default(),
            &StateSyncCodepoints::default(),
        )),
        outbox,
    }
}

#[test]
fn a_session_that_does_not_read_is_dropped_and_the_others_proceed() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let shared = Arc::new(Shared::new(
            Config::default(),
            load("draft-topology-a.json"),
        ));
        let core = start_core(&shared);
        // The slow session's queue holds one message; it never reads.
        let (slow_tx, mut slow_rx) = outbox_of(1);
        let (fast_tx, mut fast_rx) = outbox_of(16);
        assert!(core.send(up(1, "192.0.2.1", slow_tx)));
        assert!(core.send(up(2, "192.0.2.3", fast_tx)));
        let req = || Message::PcReq(request("192.0.2.2", false, Attributes::default()));
        for _ in 0..3 {
            assert!(core.send(CoreInput::Message(SessionId(1), req(), Charge::none())));
        }
        assert!(core.send(CoreInput::Message(SessionId(2), req(), Charge::none())));
        let wait = Duration::from_secs(10);
        // The other session gets its answer.
        let got = tokio::time::timeout(wait, fast_rx.recv()).await.unwrap();
        assert!(
            matches!(got, Some(SessionCommand::Send(Message::PcRep(_)))),
            "{got:?}"
        );
        // The slow one, which reads nothing: its queue is closed by the
        // core (its session task then closes the connection) when the
        // second reply does not fit; the reply that fitted is still there.
        tokio::time::timeout(wait, async {
            while !slow_rx.is_closed() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await
        .expect("the slow session's queue is closed");
        let first = tokio::time::timeout(wait, slow_rx.recv()).await.unwrap();
        assert!(matches!(
            first,
            Some(SessionCommand::Send(Message::PcRep(_)))
        ));
        let end = tokio::time::timeout(wait, slow_rx.recv()).await.unwrap();
        assert!(end.is_none(), "{end:?}");
        // The core still serves the fast session.
        assert!(core.send(CoreInput::Message(SessionId(2), req(), Charge::none())));
        let again = tokio::time::timeout(wait, fast_rx.recv()).await.unwrap();
        assert!(matches!(
            again,
            Some(SessionCommand::Send(Message::PcRep(_)))
        ));
    });
}

#[test]
fn a_session_that_takes_nothing_for_its_dead_timer_is_dropped() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut config = Config::default();
        (config.pce.keepalive, config.pce.dead_timer) = (1, 1);
        let shared = Arc::new(Shared::new(config, load("draft-topology-a.json")));
        let core = start_core(&shared);
        // Room for everything: only the time tells it does not read.
        let (slow_tx, slow_rx) = outbox_of(1 << 10);
        let (fast_tx, mut fast_rx) = outbox_of(1 << 10);
        assert!(core.send(up(1, "192.0.2.1", slow_tx)));
        assert!(core.send(up(2, "192.0.2.3", fast_tx)));
        let req = || Message::PcReq(request("192.0.2.2", false, Attributes::default()));
        assert!(core.send(CoreInput::Message(SessionId(1), req(), Charge::none())));
        // The fast one reads, and keeps the core busy meanwhile.
        let wait = Duration::from_secs(10);
        let mut answers = 0;
        while !slow_rx.is_closed() {
            assert!(core.send(CoreInput::Message(SessionId(2), req(), Charge::none())));
            let got = tokio::time::timeout(wait, fast_rx.recv()).await.unwrap();
            assert!(matches!(got, Some(SessionCommand::Send(Message::PcRep(_)))));
            answers += 1;
            assert!(answers < 10_000, "the slow session is never dropped");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // A session that reads is never dropped, however long it lives.
        assert!(!fast_rx.is_closed());
        assert!(core.send(CoreInput::Message(SessionId(2), req(), Charge::none())));
        let again = tokio::time::timeout(wait, fast_rx.recv()).await.unwrap();
        assert!(matches!(
            again,
            Some(SessionCommand::Send(Message::PcRep(_)))
        ));
    });
}
