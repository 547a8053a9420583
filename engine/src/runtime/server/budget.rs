//! Bytes read from PCEP sockets that the core has not handled yet, bounded
//! for each session and for all of them together.
//!
//! A session task takes room in its own [`Budget`] and in the core's
//! before each read and reads no more than it got; what it read is held
//! (a [`Charge`]) until the core has handled the messages made of it (the
//! charge travels with the last of them and is given back when dropped).
//! A session without room stops reading its socket, so TCP pushes back on
//! that peer alone, while its timers and the core's messages to it keep
//! going; it reads again as soon as the core has caught up. One PCC can
//! therefore queue at most its budget in front of everybody else's
//! requests, and all sessions together at most the core's.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;

/// Received bytes one session may have waiting for the core (default of
/// `[pce] session_read_budget`): four of the largest PCEP messages, so a
/// peer sending those still streams, and at most a few milliseconds of
/// the core's time in front of another PCC's request.
pub const SESSION_READ_BUDGET: usize = 256 * 1024;

/// Received bytes all sessions together may have waiting for the core
/// (default of `[pce] read_budget`).
pub const READ_BUDGET: usize = 64 << 20;

/// The most one read takes (the largest PCEP message).
pub const MAX_READ: usize = 64 * 1024;

/// Room for bytes: a limit, what is used, and a wake-up for the tasks
/// that wait for room.
pub struct Budget {
    used: AtomicUsize,
    limit: usize,
    /// A task waits for room (set before it looks, cleared by the wake-up).
    waiting: AtomicBool,
    room: Notify,
}

impl fmt::Debug for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Budget")
            .field("used", &self.used())
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl Budget {
    /// A budget of `limit` bytes (at least one).
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self {
            used: AtomicUsize::new(0),
            limit: limit.max(1),
            waiting: AtomicBool::new(false),
            room: Notify::new(),
        })
    }

    /// Bytes taken now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::SeqCst)
    }

    /// The limit.
    pub fn limit(&self) -> usize {
        self.limit
    }

    fn has_room(&self) -> bool {
        self.used() < self.limit
    }

    /// Take up to `max` bytes; how many were taken (0: no room).
    fn take(&self, max: usize) -> usize {
        let mut used = self.used.load(Ordering::SeqCst);
        loop {
            let n = max.min(self.limit.saturating_sub(used));
            if n == 0 {
                return 0;
            }
            match self.used.compare_exchange_weak(
                used,
                used + n,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => return n,
                Err(now) => used = now,
            }
        }
    }

    fn give(&self, n: usize) {
        if n == 0 {
            return;
        }
        self.used.fetch_sub(n, Ordering::SeqCst);
        if self.waiting.swap(false, Ordering::SeqCst) {
            self.room.notify_waiters();
        }
    }
}

/// Wait until both budgets have room.
pub async fn room(session: &Budget, core: &Budget) {
    loop {
        let a = session.room.notified();
        let b = core.room.notified();
        tokio::pin!(a, b);
        a.as_mut().enable();
        b.as_mut().enable();
        session.waiting.store(true, Ordering::SeqCst);
        core.waiting.store(true, Ordering::SeqCst);
        if session.has_room() && core.has_room() {
            return;
        }
        tokio::select! {
            () = a => {}
            () = b => {}
        }
    }
}

/// Bytes held against a session's budget and the core's, given back when
/// dropped.
pub struct Charge {
    bytes: usize,
    budgets: Option<(Arc<Budget>, Arc<Budget>)>,
}

impl fmt::Debug for Charge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Charge({} bytes)", self.bytes)
    }
}

impl Default for Charge {
    fn default() -> Self {
        Self::none()
    }
}

impl Charge {
    /// Nothing held (an input that did not come from a socket).
    pub fn none() -> Self {
        Self {
            bytes: 0,
            budgets: None,
        }
    }

    /// Nothing held yet, against these budgets.
    pub fn empty(session: &Arc<Budget>, core: &Arc<Budget>) -> Self {
        Self {
            bytes: 0,
            budgets: Some((Arc::clone(session), Arc::clone(core))),
        }
    }

    /// Take up to `max` bytes from both budgets; `None` when either has no
    /// room.
    pub fn take(session: &Arc<Budget>, core: &Arc<Budget>, max: usize) -> Option<Self> {
        let n = session.take(max);
        if n == 0 {
            return None;
        }
        let m = core.take(n);
        session.give(n - m);
        if m == 0 {
            return None;
        }
        Some(Self {
            bytes: m,
            budgets: Some((Arc::clone(session), Arc::clone(core))),
        })
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Keep only `n` bytes, giving the rest back.
    pub fn keep(&mut self, n: usize) {
        let back = self.bytes.saturating_sub(n);
        self.bytes -= back;
        if let Some((s, c)) = &self.budgets {
            s.give(back);
            c.give(back);
        }
    }

    /// Move `n` bytes (at most what is held) into a charge of their own.
    pub fn split_off(&mut self, n: usize) -> Self {
        let n = n.min(self.bytes);
        self.bytes -= n;
        Self {
            bytes: n,
            budgets: self.budgets.clone(),
        }
    }

    /// Hold `other`'s bytes too (it must be against the same budgets).
    pub fn merge(&mut self, mut other: Self) {
        debug_assert!(match (&self.budgets, &other.budgets) {
            (Some((a, b)), Some((c, d))) => Arc::ptr_eq(a, c) && Arc::ptr_eq(b, d),
            _ => other.bytes == 0,
        });
        self.bytes += std::mem::take(&mut other.bytes);
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.keep(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_charge_takes_what_both_budgets_allow_and_gives_it_back_when_dropped() {
        let session = Budget::new(100);
        let core = Budget::new(150);
        let a = Charge::take(&session, &core, 80).expect("room");
        assert_eq!(a.bytes(), 80);
        let mut b = Charge::take(&session, &core, 80).expect("room");
        assert_eq!(b.bytes(), 20, "the session's budget is the smaller");
        assert!(Charge::take(&session, &core, 1).is_none());
        let other = Budget::new(100);
        let c = Charge::take(&other, &core, 100).expect("room");
        assert_eq!(c.bytes(), 50, "the core's budget is shared");
        assert_eq!(
            other.used(),
            50,
            "what the core could not give is given back"
        );
        b.keep(5);
        assert_eq!((session.used(), core.used()), (85, 135));
        let part = b.split_off(3);
        drop(b);
        assert_eq!((session.used(), core.used()), (83, 133));
        let mut held = Charge::empty(&session, &core);
        held.merge(part);
        held.merge(a);
        assert_eq!(held.bytes(), 83);
        drop(held);
        drop(c);
        assert_eq!((session.used(), core.used(), other.used()), (0, 0, 0));
    }

    #[tokio::test]
    async fn a_task_waiting_for_room_wakes_when_bytes_are_given_back() {
        let session = Budget::new(10);
        let core = Budget::new(10);
        let full = Charge::take(&session, &core, 10).expect("room");
        let waiter = {
            let (s, c) = (Arc::clone(&session), Arc::clone(&core));
            tokio::spawn(async move { room(&s, &c).await })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(full);
        tokio::time::timeout(std::time::Duration::from_secs(10), waiter)
            .await
            .expect("woken")
            .expect("no panic");
    }
}
