//! Log lines that a peer can cause, at most one a second per cause (and
//! per session, where a session causes them), each saying how many were
//! not written since the last: a PCC sending a million malformed messages
//! gets a million PCErrs but a few log lines.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// One cause's lines: [`Throttled::allow`] says whether this one goes
/// out, with how many did not since the last that did.
#[derive(Debug, Default)]
pub(crate) struct Throttled {
    last: Option<Instant>,
    suppressed: u64,
}

impl Throttled {
    pub(crate) fn allow(&mut self, now: Instant) -> Option<u64> {
        match self.last {
            Some(t) if now.saturating_duration_since(t) < Duration::from_secs(1) => {
                self.suppressed += 1;
                None
            }
            _ => {
                self.last = Some(now);
                Some(std::mem::take(&mut self.suppressed))
            }
        }
    }
}

/// Lines by cause (a session's own).
#[derive(Debug)]
pub(crate) struct Quiet<K> {
    causes: HashMap<K, Throttled>,
}

impl<K> Default for Quiet<K> {
    fn default() -> Self {
        Self {
            causes: HashMap::new(),
        }
    }
}

impl<K: Eq + Hash> Quiet<K> {
    /// Whether a line of `cause` goes out now, with how many of that cause
    /// did not since the last one that did.
    pub(crate) fn allow(&mut self, cause: K, now: Instant) -> Option<u64> {
        self.causes.entry(cause).or_default().allow(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_a_second_per_cause_with_the_count_of_the_others() {
        let t0 = crate::runtime::clock::now();
        let mut q = Quiet::default();
        assert_eq!(q.allow("a", t0), Some(0));
        for i in 1..=99 {
            assert_eq!(q.allow("a", t0 + Duration::from_millis(i * 10)), None);
        }
        // Another cause is not held back by the first.
        assert_eq!(q.allow("b", t0 + Duration::from_millis(5)), Some(0));
        assert_eq!(q.allow("a", t0 + Duration::from_secs(1)), Some(99));
        assert_eq!(q.allow("a", t0 + Duration::from_millis(1500)), None);
        assert_eq!(q.allow("a", t0 + Duration::from_secs(3)), Some(1));
    }
}
