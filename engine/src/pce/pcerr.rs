//! PCErr from a PCC: errors about relayed updates go back to the
//! computing peer; a refused initiation is forgotten; a refused update is
//! no longer pending.

use pcep::wire::object::PcepError;
use pcep::wire::PcErr;

use crate::pce::intent::IntentKind;
use crate::pce::{Pce, SessionId};

impl Pce {
    pub(super) fn handle_pcerr(&mut self, session: SessionId, err: &PcErr) {
        self.counters.errors_received += 1;
        let Some(s) = self.sessions.get_mut(&session) else {
            return;
        };
        let Some(pcc) = s.pcc() else {
            return;
        };
        for unit in &err.errors {
            let code = unit.errors.first().map(PcepError::code);
            for srp in &unit.srps {
                // An error about an update or initiation we relayed for a
                // computing peer goes back to it with its SRP-ID (§3.5, the
                // cascade of answers).
                if self.inter_relayed_error(session, pcc, unit, srp.srp_id) {
                    continue;
                }
                let Some(s) = self.sessions.get_mut(&session) else {
                    return;
                };
                if let Some(initiation) = s.initiations.remove(&srp.srp_id) {
                    // The PCC refused the instantiation: forget the request
                    // (the operator sees the error in the log and counters).
                    if self.initiated.remove(&initiation).is_some() {
                        self.intent_touched(IntentKind::Initiated, &initiation);
                    }
                    continue;
                }
                // The update it refuses (found by its SRP-ID, no scan).
                if let Some(key) = self.settle_update(session, srp.srp_id) {
                    self.lspdb.with_mut(&key, |e| {
                        if e.control.pending_srp == Some(srp.srp_id) {
                            e.control.pending_srp = None;
                            e.control.error = code;
                        }
                    });
                }
            }
        }
    }
}
