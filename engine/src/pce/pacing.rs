//! Updates paced per session. At most [`PceConfig::update_window`] updates
//! are in flight on a session (sent, not yet acknowledged by a report, a
//! PCErr or their update timeout); beyond them the path each LSP is to get
//! waits here, a newer one replacing the one waiting for the same LSP, and
//! goes out as the window drains. A PCC whose 100,000 delegated LSPs all
//! change path gets every path at the pace it acknowledges them; its outbox
//! holds a window of messages, not 100,000; an update's timeout runs from
//! when it is sent, not from when it was computed.
//!
//! [`PceConfig::update_window`]: crate::pce::PceConfig::update_window

use std::collections::{HashMap, HashSet, VecDeque};

use pcep::wire::{Message, PcUpd, UpdateRequest};

use crate::lspdb::LspKey;
use crate::pce::{Pce, SessionId};

/// A session's updates in flight and waiting.
#[derive(Clone, Debug, Default)]
pub(crate) struct Paced {
    /// SRP-IDs of the updates sent on the session and not yet settled.
    in_flight: HashSet<u32>,
    /// LSPs whose update waits, in the order they began to wait (a key
    /// whose update was withdrawn stays until its turn, then is skipped).
    order: VecDeque<LspKey>,
    /// The update each waiting LSP is to get: the newest computed.
    waiting: HashMap<LspKey, UpdateRequest>,
}

impl Paced {
    /// Nothing in flight and nothing waiting.
    pub(super) fn is_idle(&self) -> bool {
        self.in_flight.is_empty() && self.waiting.is_empty() && self.order.is_empty()
    }
}

impl Pce {
    /// Send `update` of `key` on `session` when its window has room and
    /// nothing waits before it, else keep it waiting (replacing an older
    /// one for the same LSP). The SRP-ID it went with; `None` when it
    /// waits (or the session is gone).
    pub(super) fn pace_update(
        &mut self,
        session: SessionId,
        key: LspKey,
        update: UpdateRequest,
    ) -> Option<u32> {
        let window = self.config.update_window;
        let s = self.sessions.get_mut(&session)?;
        if s.paced.waiting.is_empty() && s.paced.in_flight.len() < window {
            return Some(self.dispatch(session, key, update));
        }
        if s.paced.waiting.insert(key, update).is_some() {
            self.counters.updates_coalesced += 1;
        } else {
            s.paced.order.push_back(key);
            self.counters.updates_waiting += 1;
        }
        self.counters.updates_paced += 1;
        self.to_release.insert(session);
        None
    }

    /// `key` needs no update any more (its LSP is on the path, or is
    /// gone): what waited for it is dropped.
    pub(super) fn withdraw_update(&mut self, session: SessionId, key: LspKey) {
        if let Some(s) = self.sessions.get_mut(&session) {
            if s.paced.waiting.remove(&key).is_some() {
                self.counters.updates_waiting -= 1;
            }
        }
    }

    /// The update with SRP-ID `srp` on `session` is settled (acknowledged,
    /// refused or lapsed): its LSP, if it was still awaited; its place in
    /// the window is free.
    pub(super) fn settle_update(&mut self, session: SessionId, srp: u32) -> Option<LspKey> {
        if let Some(s) = self.sessions.get_mut(&session) {
            if s.paced.in_flight.remove(&srp) && !s.paced.waiting.is_empty() {
                self.to_release.insert(session);
            }
        }
        self.pending_updates.remove(&(session, srp))
    }

    /// A session went: what waited on it is gone with it.
    pub(super) fn forget_paced(&mut self, paced: &Paced) {
        self.counters.updates_waiting -= paced.waiting.len() as u64;
    }

    /// Send what waits on the sessions whose windows have room (after each
    /// input).
    pub(super) fn release_updates(&mut self) {
        let window = self.config.update_window;
        while let Some(session) = self.to_release.pop_first() {
            while let Some(key) = self.sessions.get_mut(&session).and_then(|s| {
                (s.paced.in_flight.len() < window)
                    .then(|| s.paced.order.pop_front())
                    .flatten()
            }) {
                let Some(s) = self.sessions.get_mut(&session) else {
                    break;
                };
                let Some(update) = s.paced.waiting.remove(&key) else {
                    continue;
                };
                self.counters.updates_waiting -= 1;
                // Still ours to update, and not updated meanwhile.
                let due = self
                    .lspdb
                    .with(&key, |e| {
                        e.control.delegated && e.control.pending_srp.is_none()
                    })
                    .unwrap_or(false);
                if !due {
                    continue;
                }
                let srp = self.dispatch(session, key, update);
                self.lspdb.with_mut(&key, |e| {
                    e.control.pending_srp = Some(srp);
                    e.control.updates += 1;
                });
            }
        }
    }

    /// Send `update` on `session` with the session's next SRP-ID, in the
    /// window, awaiting its acknowledgement until the update timeout.
    fn dispatch(&mut self, session: SessionId, key: LspKey, mut update: UpdateRequest) -> u32 {
        let Some(s) = self.sessions.get_mut(&session) else {
            return 0;
        };
        let srp = s.srp_id();
        s.paced.in_flight.insert(srp);
        update.srp.srp_id = srp;
        self.send(
            session,
            Message::PcUpd(PcUpd {
                updates: vec![update],
            }),
        );
        self.await_ack(session, key, srp);
        srp
    }

    /// An update with SRP-ID `srp` for `key` went on `session`: it lapses
    /// at the update timeout unless settled before.
    pub(super) fn await_ack(&mut self, session: SessionId, key: LspKey, srp: u32) {
        self.pending_updates.insert((session, srp), key);
        if let Some(now) = self.now {
            self.update_deadlines
                .insert((now + self.config.update_timeout, key, session, srp));
        }
    }
}
