//! Deadlines: the State Timeout, the Redelegation Timeout and a peer
//! PCE's grace period, as one ordered set each; the shell asks
//! [`Pce::poll_timeout`] when to call [`Pce::handle_timeout`].

use std::time::Instant;

use crate::pce::Pce;

impl Pce {
    /// When [`Pce::handle_timeout`] is next due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.purges.first().map(|(t, _)| *t),
            self.undelegations.first().map(|(t, _)| *t),
            self.inter_deadline(),
            self.update_deadlines.get_min().map(|(t, ..)| *t),
            self.retries.get_min().map(|(t, _)| *t),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Lapse the delegations whose Redelegation Timeout expired, and purge
    /// the PCCs whose State Timeout expired.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.on_timeout(now);
        self.release_updates();
    }

    fn on_timeout(&mut self, now: Instant) {
        self.now = Some(now);
        self.lapse_updates(now);
        self.inter_timeout(now);
        while let Some(&(at, pcc)) = self.undelegations.first() {
            if at > now {
                break;
            }
            self.undelegations.pop_first();
            let due = self
                .pccs
                .get_mut(&pcc)
                .filter(|p| p.session.is_none() && p.undelegate_at == Some(at));
            if let Some(p) = due {
                p.undelegate_at = None;
                for key in self.lspdb.of_pcc(pcc) {
                    self.lspdb.with_mut(&key, |e| {
                        e.control.delegated = false;
                        e.control.pending_srp = None;
                    });
                }
            }
        }
        while let Some(&(at, pcc)) = self.purges.first() {
            if at > now {
                break;
            }
            self.purges.pop_first();
            if let Some(p) = self.pccs.get_mut(&pcc) {
                if p.session.is_none() && p.purge_at == Some(at) {
                    p.purge_at = None;
                    self.lspdb.set_db_version(pcc, None);
                    self.purge_pcc(pcc, super::PurgeReason::StateTimeout);
                }
            }
        }
    }

    /// Updates whose acknowledgement did not come in time: void; the LSP is
    /// computed and updated again at once, `update_retries` times in a row;
    /// after that with a backoff (twice the update timeout, then four
    /// times, up to 32 times), so a PCC that never answers costs one update
    /// every few minutes, and an update lost on the way is still repaired.
    fn lapse_updates(&mut self, now: Instant) {
        let retries = self.config.update_retries;
        while let Some(&(at, key, session, srp)) = self.update_deadlines.get_min() {
            if at > now {
                break;
            }
            self.update_deadlines.remove_min();
            self.settle_update(session, srp);
            let lapsed = self.lspdb.with_mut(&key, |e| {
                let c = &mut e.control;
                if c.pending_srp != Some(srp) {
                    return None;
                }
                c.pending_srp = None;
                c.acked_srp = None;
                c.unacknowledged += 1;
                Some(c.unacknowledged)
            });
            match lapsed.flatten() {
                Some(n) if n <= retries => self.compute_and_update(key, true),
                Some(n) => {
                    let backoff = 1u32 << (n - retries).min(5);
                    self.retries
                        .insert((now + self.config.update_timeout * backoff, key));
                }
                None => {}
            }
        }
        while let Some(&(at, key)) = self.retries.get_min() {
            if at > now {
                break;
            }
            self.retries.remove_min();
            // Unless something computed it meanwhile.
            let idle = self
                .lspdb
                .with(&key, |e| {
                    e.control.pending_srp.is_none() && e.control.delegated
                })
                .unwrap_or(false);
            if idle {
                self.compute_and_update(key, true);
            }
        }
    }
}
