//! The event stream of `GET /events` (server-sent events): LSPs added,
//! updated and removed, delegation changes, sessions up and down, topology
//! changes, each with a sequence number a client resumes from
//! (`Last-Event-ID`).
//!
//! LSP events are the difference between two published snapshots of the
//! LSP database (persistent maps: the difference skips what they share, so
//! it costs what changed, not the database). Events are kept in a ring of
//! [`KEPT`]; a client that resumes from an event no longer kept is told to
//! list again (`reset`).

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::Mutex;

use serde::Serialize;

use crate::lspdb::{LspSnapshot, PccId};

/// Events kept for clients that resume.
pub const KEPT: usize = 65_536;

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// An LSP appeared (a report).
    LspAdded {
        /// Its PCC.
        pcc: PccId,
        /// Its PLSP-ID.
        plsp_id: u32,
        /// Its name.
        name: String,
        /// Delegated to this PCE.
        delegated: bool,
    },
    /// An LSP changed (a report, a path, an acknowledgement).
    LspUpdated {
        /// Its PCC.
        pcc: PccId,
        /// Its PLSP-ID.
        plsp_id: u32,
        /// Its name.
        name: String,
        /// Delegated to this PCE.
        delegated: bool,
        /// The delegation changed with it.
        delegation_changed: bool,
    },
    /// An LSP went (removed, purged).
    LspRemoved {
        /// Its PCC.
        pcc: PccId,
        /// Its PLSP-ID.
        plsp_id: u32,
        /// Its name.
        name: String,
    },
    /// A PCEP session (a PCC or a peer PCE) came up or went down.
    Session {
        /// The peer's address.
        peer: IpAddr,
        /// Up, or down.
        up: bool,
    },
    /// The topology changed (an event, a BGP-LS update, a reload).
    Topology {
        /// What it was.
        what: String,
        /// LSPs computed again.
        recomputed: usize,
        /// LSPs left without a path.
        without_path: usize,
    },
}

#[derive(Debug, Default)]
struct Ring {
    /// The sequence number of the last event (0: none yet).
    last: u64,
    kept: VecDeque<(u64, Event)>,
}

/// The events, and who waits for them.
#[derive(Debug)]
pub struct Events {
    ring: Mutex<Ring>,
    /// The last sequence number, for waiting clients.
    latest: tokio::sync::watch::Sender<u64>,
}

impl Default for Events {
    fn default() -> Self {
        Self {
            ring: Mutex::default(),
            latest: tokio::sync::watch::Sender::new(0),
        }
    }
}

/// Events since a client's last one are no longer kept.
#[derive(Debug, PartialEq, Eq)]
pub struct Gap {
    /// The last sequence number now.
    pub last: u64,
}

impl Events {
    /// Add events, numbered in order.
    pub fn push(&self, events: impl IntoIterator<Item = Event>) {
        let Ok(mut ring) = self.ring.lock() else {
            return;
        };
        let before = ring.last;
        for e in events {
            ring.last += 1;
            let n = ring.last;
            if ring.kept.len() == KEPT {
                ring.kept.pop_front();
            }
            ring.kept.push_back((n, e));
        }
        let last = ring.last;
        drop(ring);
        if last != before {
            self.latest.send_replace(last);
        }
    }

    /// The LSP events that take `before` to `after`.
    pub fn lsp_changes(before: &LspSnapshot, after: &LspSnapshot) -> Vec<Event> {
        use imbl::ordmap::DiffItem;
        let name = |n: &bytes::Bytes| String::from_utf8_lossy(n).into_owned();
        before
            .diff(after)
            .map(|d| match d {
                DiffItem::Add(k, e) => Event::LspAdded {
                    pcc: k.pcc,
                    plsp_id: k.plsp_id,
                    name: name(&e.name),
                    delegated: e.control.delegated,
                },
                DiffItem::Update { old, new } => Event::LspUpdated {
                    pcc: new.0.pcc,
                    plsp_id: new.0.plsp_id,
                    name: name(&new.1.name),
                    delegated: new.1.control.delegated,
                    delegation_changed: old.1.control.delegated != new.1.control.delegated,
                },
                DiffItem::Remove(k, e) => Event::LspRemoved {
                    pcc: k.pcc,
                    plsp_id: k.plsp_id,
                    name: name(&e.name),
                },
            })
            .collect()
    }

    /// The events after `after`, at most `max`; a [`Gap`] when some of
    /// them are no longer kept.
    pub fn since(&self, after: u64, max: usize) -> Result<Vec<(u64, Event)>, Gap> {
        let ring = self.ring.lock().map_err(|_| Gap { last: 0 })?;
        let first = ring.kept.front().map_or(ring.last + 1, |(n, _)| *n);
        if after + 1 < first && after < ring.last {
            return Err(Gap { last: ring.last });
        }
        let skip = usize::try_from((after + 1).saturating_sub(first)).unwrap_or(usize::MAX);
        Ok(ring.kept.iter().skip(skip).take(max).cloned().collect())
    }

    /// The last sequence number.
    pub fn last(&self) -> u64 {
        *self.latest.borrow()
    }

    /// A receiver that sees each new last sequence number.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.latest.subscribe()
    }
}
