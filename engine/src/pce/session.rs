//! PCEP sessions in the core: a PCC's session coming up (RFC 8232 sync
//! avoidance, delta or full synchronization decided here) and going down
//! (State Timeout and Redelegation Timeout armed, RFC 8231 §5.6, §5.7.4).

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::time::Instant;

use pcep::session::Negotiated;

use crate::lspdb::PccId;
use crate::pce::{CommandError, Pce, SessionId};

/// A PCC's state in the core.
#[derive(Clone, Debug)]
pub(super) struct PccState {
    pub(super) session: Option<SessionId>,
    /// When its LSPs are purged, while it is disconnected.
    pub(super) purge_at: Option<Instant>,
    /// When its delegations lapse, while it is disconnected.
    pub(super) undelegate_at: Option<Instant>,
}

/// Who is at the other end of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Remote {
    /// A PCC, keyed by its session address.
    Pcc(PccId),
    /// A peer PCE on a state-sync session, by its identity address.
    Pce(IpAddr),
}

/// A live session's state.
#[derive(Clone, Debug)]
pub(super) struct SessionState {
    pub(super) remote: Remote,
    pub(super) negotiated: Box<Negotiated>,
    pub(super) synced: bool,
    /// PLSP-IDs reported during the current synchronization.
    pub(super) seen: HashSet<u32>,
    /// Whether LSPs not re-reported are dropped at end of sync.
    pub(super) full_sync: bool,
    /// A resynchronization this PCE triggered is running (RFC 8232 §3.5):
    /// the session had synchronized once, so its end keeps the LSPs.
    pub(super) resync: bool,
    /// The PCC's LSPs from an earlier session were still held when this one
    /// came up.
    pub(super) stale: bool,
    pub(super) next_srp: u32,
    /// PCInitiate requests awaiting their report: SRP-ID to name.
    pub(super) initiations: HashMap<u32, crate::pce::NameKey>,
    /// Its updates: those in flight, those waiting for room.
    pub(super) paced: crate::pce::pacing::Paced,
}

impl SessionState {
    /// The PCC of a PCC session.
    pub(super) const fn pcc(&self) -> Option<PccId> {
        match self.remote {
            Remote::Pcc(pcc) => Some(pcc),
            Remote::Pce(_) => None,
        }
    }

    /// The peer PCE of a state-sync session.
    pub(super) const fn peer_pce(&self) -> Option<IpAddr> {
        match self.remote {
            Remote::Pce(peer) => Some(peer),
            Remote::Pcc(_) => None,
        }
    }

    pub(super) fn srp_id(&mut self) -> u32 {
        let id = self.next_srp;
        self.next_srp = match id.wrapping_add(1) {
            0 | u32::MAX => 1,
            n => n,
        };
        id
    }
}

/// `a` is at least `b` in SRP-ID order, which wraps (RFC 8231 §7.2).
pub(super) fn srp_at_least(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) >= 0
}

/// A report or forwarded report with `srp_id` acknowledges the pending
/// update when its SRP-ID is at least the pending one: the update is
/// settled; the pending SRP-ID it acknowledged, if any.
pub(super) fn acknowledge(c: &mut crate::lspdb::Control, srp_id: u32) -> Option<u32> {
    let p = c.pending_srp?;
    if srp_id == 0 || !srp_at_least(srp_id, p) {
        return None;
    }
    c.pending_srp = None;
    c.acked_srp = Some(srp_id);
    c.unacknowledged = 0;
    Some(p)
}

impl Pce {
    /// A session came up with a PCC.
    pub fn session_up(&mut self, session: SessionId, peer: IpAddr, negotiated: Negotiated) {
        let pcc = PccId::Addr(peer);
        if negotiated.capabilities.inter_pce && self.is_configured_peer(peer) {
            // A state-sync session (both set INTER-PCE-CAPABILITY with U,
            // and the peer is one of ours; any other is an ordinary
            // session, draft-ietf-pce-state-sync §3.1.1).
            self.sessions.insert(
                session,
                SessionState {
                    remote: Remote::Pce(peer),
                    negotiated: Box::new(negotiated),
                    synced: false,
                    seen: HashSet::new(),
                    full_sync: false,
                    resync: false,
                    stale: false,
                    next_srp: 1,
                    initiations: HashMap::new(),
                    paced: crate::pce::pacing::Paced::default(),
                },
            );
            if !self.peer_up(session, peer) {
                self.sessions.remove(&session);
            }
            return;
        }
        self.inter_pcc_up(pcc, &negotiated.peer);
        let caps = &negotiated.capabilities;
        let state = self.pccs.entry(pcc).or_insert(PccState {
            session: None,
            purge_at: None,
            undelegate_at: None,
        });
        // A second session from the same PCC replaces the first (the shell
        // refuses concurrent ones with PCErr 9; a stale one may linger).
        state.session = Some(session);
        if let Some(at) = state.purge_at.take() {
            self.purges.remove(&(at, pcc));
        }
        if let Some(at) = state.undelegate_at.take() {
            self.undelegations.remove(&(at, pcc));
        }
        let held = !self.lspdb.of_pcc(pcc).is_empty();
        // RFC 8232 §3.2: the same version on both sides skips the sync.
        let avoided = caps.include_db_version
            && held
            && negotiated.peer_db_version.is_some()
            && negotiated.peer_db_version == self.lspdb.db_version(pcc);
        let full_sync = !(caps.delta_lsp_sync && held);
        if !avoided && full_sync {
            // The database is rebuilt from this synchronization: so is its
            // version (a PCC that restarted counts from anew).
            self.lspdb.set_db_version(pcc, None);
        }
        let synced = avoided || !caps.stateful;
        // RFC 8232 §3.4: with F the PCC waits for our trigger; this PCE
        // triggers at once.
        let trigger = caps.stateful && caps.triggered_initial_sync && !avoided;
        // Updates in flight on the old session are void: the SRP-IDs of the
        // new session start again. So are the delegations made on it (RFC
        // 8231 §5.7: a delegation belongs to its session): the PCC
        // delegates again in its reports, at once in a full synchronization,
        // in ordinary reports after a skipped or incremental one (RFC 8232
        // says nothing of delegation; keeping the old ones let two PCEs
        // control an LSP the PCC had moved while this session was away,
        // cluster-sim seed 1779).
        let local = self.sync_config().map(|s| s.identity);
        let mut revoked = Vec::new();
        for key in self.lspdb.of_pcc(pcc) {
            let was = self.lspdb.with_mut(&key, |e| {
                let c = &mut e.control;
                c.pending_srp = None;
                c.acked_srp = None;
                c.unacknowledged = 0;
                let own = if local.is_some() {
                    c.inter().pcc_delegated
                } else {
                    c.delegated
                };
                if own {
                    c.delegated = match local {
                        Some(local) => {
                            let version = c.inter().version;
                            crate::pce::inter_pce::pcc_reported(c, version, false, None, local)
                        }
                        None => false,
                    };
                }
                own
            });
            if was == Some(true) {
                revoked.push(key);
            }
        }
        // Peers we had sub-delegated them to hear it (D=0).
        for key in revoked {
            self.forward_report(key, None, None);
        }
        self.sessions.insert(
            session,
            SessionState {
                remote: Remote::Pcc(pcc),
                negotiated: Box::new(negotiated),
                synced,
                seen: HashSet::new(),
                full_sync,
                resync: false,
                stale: held,
                next_srp: 1,
                initiations: HashMap::new(),
                paced: crate::pce::pacing::Paced::default(),
            },
        );
        if avoided {
            self.after_sync(session);
        } else if trigger {
            self.send_sync_trigger(session, crate::pce::lsp_sync::Trigger::All);
        }
    }

    /// A session ended.
    pub fn session_down(&mut self, session: SessionId, now: Instant) {
        let Some(s) = self.sessions.remove(&session) else {
            return;
        };
        // Updates in flight on it will not be answered; those waiting will
        // not be sent.
        self.pending_updates.retain(|(s, _), _| *s != session);
        self.forget_paced(&s.paced);
        let pcc = match s.remote {
            Remote::Pce(peer) => {
                self.inter_session_down(session, peer, now);
                return;
            }
            Remote::Pcc(pcc) => pcc,
        };
        // A stale session that a newer one replaced: the PCC is still up.
        let current = self
            .pccs
            .get(&pcc)
            .is_some_and(|p| p.session == Some(session));
        self.inter_pcc_down(session, pcc, current);
        if !current {
            return;
        }
        let Some(p) = self.pccs.get_mut(&pcc) else {
            return;
        };
        p.session = None;
        if !s.synced && !s.resync && s.negotiated.capabilities.stateful {
            // RFC 8231 §5.6: a sync that did not complete is cleaned up.
            self.lspdb.set_db_version(pcc, None);
            self.purge_pcc(pcc, super::PurgeReason::IncompleteSync);
            return;
        }
        let at = now + self.config.state_timeout;
        p.purge_at = Some(at);
        self.purges.insert((at, pcc));
        let at = now
            + self
                .config
                .redelegation_timeout
                .min(self.config.state_timeout);
        p.undelegate_at = Some(at);
        self.undelegations.insert((at, pcc));
    }

    pub(super) fn purge_pcc(&mut self, pcc: PccId, why: super::PurgeReason) {
        let (mut purged, mut kept) = (0, 0);
        for key in self.lspdb.of_pcc(pcc) {
            if self.inter_keeps_purged(key) {
                kept += 1;
                continue;
            }
            purged += 1;
            self.inter_pcc_lsp_purged(key);
            self.forget_lsp(key);
        }
        self.counters.purged += purged as u64;
        if (purged > 0 || kept > 0) && self.purged.len() < super::Purge::KEPT {
            self.purged.push(super::Purge {
                pcc,
                purged,
                kept,
                why,
            });
        }
    }

    pub(super) fn synced_session(
        &self,
        pcc: IpAddr,
        initiation: bool,
    ) -> Result<SessionId, CommandError> {
        let session = self
            .pccs
            .get(&PccId::Addr(pcc))
            .and_then(|p| p.session)
            .ok_or(CommandError::NoSession(pcc))?;
        let s = self
            .sessions
            .get(&session)
            .ok_or(CommandError::NoSession(pcc))?;
        if initiation && !s.negotiated.capabilities.instantiation {
            return Err(CommandError::NotCapable(pcc));
        }
        if !s.synced {
            return Err(CommandError::NotSynchronized(pcc));
        }
        Ok(session)
    }
}
