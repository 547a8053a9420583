//! PCErr from a PCC: errors about relayed updates go back to the
//! computing peer; a refused initiation is forgotten; a refused update is
//! no longer pending.

use pcep::wire::object::PcepError;
use pcep::wire::tlv::Tlv;
use pcep::wire::{Message, PcErr};

use crate::pce::inter_pce::owner_id;
use crate::pce::{Pce, SessionId};

impl Pce {
    pub(super) fn handle_pcerr(&mut self, session: SessionId, err: &PcErr) {
        self.counters.errors_received += 1;
        let Some(s) = self.sessions.get_mut(&session) else {
            return;
        };
        let pcc = s.pcc;
        for unit in &err.errors {
            let code = unit.errors.first().map(PcepError::code);
            for srp in &unit.srps {
                // An error about an update or initiation we relayed for a
                // computing peer goes back to it with its SRP-ID (§3.5, the
                // cascade of answers).
                if let Some((peer, peer_srp)) = self.relays.remove(&(session, srp.srp_id)) {
                    if let Some(&ps) = self.peers_up.get(&peer) {
                        let mut back = unit.clone();
                        for x in &mut back.srps {
                            if x.srp_id == srp.srp_id {
                                x.srp_id = peer_srp;
                            }
                        }
                        back.lsps.iter_mut().for_each(|l| {
                            l.tlvs.retain(|t| !matches!(t, Tlv::SpeakerEntityId(_)));
                            l.tlvs.push(Tlv::SpeakerEntityId(owner_id(pcc)));
                        });
                        self.send(
                            ps,
                            Message::PcErr(PcErr {
                                errors: vec![back],
                                open: None,
                            }),
                        );
                    }
                    continue;
                }
                let Some(s) = self.sessions.get_mut(&session) else {
                    return;
                };
                if let Some(name) = s.initiations.remove(&srp.srp_id) {
                    // The PCC refused the instantiation: forget the request
                    // (the operator sees the error in the log and counters).
                    self.initiated.remove(&(pcc, name));
                    continue;
                }
                for key in self.lspdb.of_pcc(pcc) {
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
