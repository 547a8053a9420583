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
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Lapse the delegations whose Redelegation Timeout expired, and purge
    /// the PCCs whose State Timeout expired.
    pub fn handle_timeout(&mut self, now: Instant) {
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
                    p.db_version = None;
                    self.purge_pcc(pcc);
                }
            }
        }
    }
}
