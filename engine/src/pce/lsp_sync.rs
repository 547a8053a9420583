//! State reports from PCCs (RFC 8231 §5.6, §6.1; RFC 8232): applying them,
//! state synchronization and its end, delegation and the acknowledgement
//! of updates.

use std::net::IpAddr;

use pcep::wire::iana::NotificationType;
use pcep::wire::object::{Ero, Lsp, Notification, Srp};
use pcep::wire::tlv::Tlv;
use pcep::wire::{
    Attributes, Message, NotifyUnit, PathSetupType, PcErrCode, PcNtf, PcRpt, PcUpd, StateReport,
    UpdateRequest,
};

use crate::lspdb::{Applied, LspKey, PccId, ReportError};
use crate::pce::groups::disjoint_groups;
use crate::pce::inter_pce::pcc_reported;
use crate::pce::session::acknowledge;
use crate::pce::{CommandError, InitiateSpec, Pce, SessionId};

impl Pce {
    /// An LSP leaves the database: its bandwidth, its groups, what peers
    /// said of it go with it.
    pub(super) fn forget_lsp(&mut self, key: LspKey) {
        self.release(&key);
        self.set_groups(key, Vec::new());
        // A name that leaves here may come back under another PLSP-ID (a
        // resynchronizing PCC): who initiated it is kept.
        self.inter_lsp_removed(key, None);
        if self.stored.as_ref().is_some_and(|(k, _)| *k == key) {
            self.stored = None;
        }
        self.lspdb.remove(&key);
    }

    pub(super) fn handle_report(&mut self, session: SessionId, rpt: PcRpt) {
        let Some(s) = self.sessions.get(&session) else {
            return;
        };
        let caps = s.negotiated.capabilities.clone();
        let Some(pcc) = s.pcc() else {
            return;
        };
        if !caps.stateful {
            // RFC 8231 §5.4: a report without the capability.
            self.fail(session, PcErrCode::REPORT_WITHOUT_STATEFUL, None);
            return;
        }
        for mut report in rpt.reports {
            if !self.sessions.contains_key(&session) {
                return;
            }
            self.counters.reports += 1;
            self.counters.unknown_bytes_dropped +=
                trim_unknown(&mut report, self.config.max_unknown_bytes_per_lsp) as u64;
            if caps.include_db_version && report.lsp.db_version().is_none() {
                self.send_error(
                    session,
                    PcErrCode::LSP_DB_VERSION_MISSING,
                    Some(&report.lsp),
                );
                continue;
            }
            if let Some(v) = report.lsp.db_version() {
                // The highest version reported: a synchronization re-sends
                // older states with their own versions, and its end marker
                // carries the database's (RFC 8232 §3.2).
                let held = self.lspdb.db_version(pcc).unwrap_or(0);
                self.lspdb.set_db_version(pcc, Some(v.max(held)));
            }
            let (synced, stale) = self
                .sessions
                .get(&session)
                .map_or((false, false), |s| (s.synced, s.stale));
            if lacks_lsp_identifiers(&report) {
                // RFC 8231 §7.3.1: an RSVP LSP's report carries its
                // LSP-IDENTIFIERS; without: 6/11, and the session closes.
                self.fail(
                    session,
                    PcErrCode::LSP_IDENTIFIERS_MISSING,
                    Some(&report.lsp),
                );
                return;
            }
            if !synced && stale {
                self.adopt_stale_name(session, pcc, &report);
            }
            if self.over_lsp_limit(pcc, &report) {
                self.counters.lsp_limit_refusals += 1;
                if synced {
                    // One LSP refused; the PCC keeps its session.
                    self.send_error(session, PcErrCode::REPORT_NOT_PROCESSED, Some(&report.lsp));
                    continue;
                }
                // RFC 8231 §5.6: during the synchronization, PCNtf 4/1 and
                // the session ends (what it reported is cleaned up).
                self.send(
                    session,
                    Message::PcNtf(PcNtf {
                        notifications: vec![NotifyUnit {
                            notifications: vec![Notification {
                                header: pcep::wire::object::HeaderFlags::default(),
                                notification_flags: 0,
                                notification_type: NotificationType::STATEFUL_RESOURCE_LIMIT,
                                notification_value: 1,
                                tlvs: Vec::new(),
                            }],
                            ..NotifyUnit::default()
                        }],
                    }),
                );
                self.out.push_back(crate::pce::Output::Close {
                    session,
                    reason: pcep::wire::iana::CloseReason::NO_EXPLANATION,
                });
                return;
            }
            let head = report.lsp.without_tlvs();
            let version = report.lsp.db_version();
            let srp_id = report.srp.as_ref().map_or(0, |p| p.srp_id);
            let groups = disjoint_groups(&report);
            let mut removal = (report.lsp.remove && self.any_peer_up()).then(|| report.clone());
            let removed_name = report.lsp.remove.then(|| {
                let key = crate::lspdb::LspKey {
                    pcc,
                    plsp_id: report.lsp.plsp_id,
                };
                self.lspdb.with(&key, |e| e.name.clone())
            });
            let applied = self.store_report(pcc, report);
            let report = &head;
            match applied {
                Err(_) if !synced => {
                    // RFC 8231 §5.6: 20/1 and the session ends.
                    self.fail(session, PcErrCode::REPORT_NOT_PROCESSED, Some(report));
                    // The shell reports the session down; nothing more from it.
                    if let Some(st) = self.sessions.get_mut(&session) {
                        st.synced = false;
                    }
                    return;
                }
                Err(ReportError::Unnamed(_)) => {
                    self.send_error(session, PcErrCode::SYMBOLIC_PATH_NAME_MISSING, Some(report));
                }
                Err(ReportError::NameInUse(_)) => {
                    self.send_error(session, PcErrCode::SYMBOLIC_PATH_NAME_IN_USE, Some(report));
                }
                Err(ReportError::ReservedPlspId(_) | ReportError::Unstorable(_)) => {
                    self.send_error(session, PcErrCode::REPORT_NOT_PROCESSED, Some(report));
                }
                Ok(Applied::EndOfSync) => {
                    if !synced {
                        self.end_of_sync(session);
                    }
                }
                Ok(Applied::Removed(key)) => {
                    if let Some(r) = removal.take() {
                        self.forward_report(key, None, Some(r));
                    }
                    self.release(&key);
                    self.inter_lsp_removed(key, removed_name.flatten());
                    if let Some(st) = self.sessions.get_mut(&session) {
                        st.seen.remove(&key.plsp_id);
                    }
                    // The rest of its groups may now do better.
                    let groups = self.lsp_groups.get(&key).cloned().unwrap_or_default();
                    self.set_groups(key, Vec::new());
                    if synced {
                        for g in groups {
                            self.compute_group(g, None);
                        }
                    }
                }
                Ok(Applied::Created(key) | Applied::Updated(key)) => {
                    self.set_groups(key, groups);
                    let compute = self.on_report(session, key, report, srp_id, version, synced);
                    // Peers get the report before any update it causes.
                    self.forward_report(key, Some((session, srp_id)), None);
                    if compute {
                        self.compute_and_update(key, false);
                    }
                }
            }
        }
    }

    /// PLSP-IDs are not stable across sessions (RFC 8231 §7.3): during a
    /// synchronization, a name still held by an LSP of the previous session
    /// (not re-reported in this one) moves to the new PLSP-ID.
    pub(super) fn adopt_stale_name(
        &mut self,
        session: SessionId,
        pcc: PccId,
        report: &StateReport,
    ) {
        let Some(name) = report.lsp.symbolic_name() else {
            return;
        };
        let Some(old) = self.lspdb.by_name(pcc, name) else {
            return;
        };
        let seen = self
            .sessions
            .get(&session)
            .is_some_and(|s| s.seen.contains(&old.plsp_id));
        if old.plsp_id != report.lsp.plsp_id && !seen {
            self.forget_lsp(old);
        }
    }

    /// Apply a PCC report's delegation and acknowledgement; whether the LSP
    /// is to be computed now.
    pub(super) fn on_report(
        &mut self,
        session: SessionId,
        key: LspKey,
        lsp: &Lsp,
        srp_id: u32,
        version: Option<u64>,
        synced: bool,
    ) -> bool {
        let Some(s) = self.sessions.get_mut(&session) else {
            return false;
        };
        if !synced {
            s.seen.insert(key.plsp_id);
        }
        let update_capable = s.negotiated.capabilities.update;
        // The report answering a PCInitiate carries its SRP-ID.
        let initiated_name = (srp_id != 0 && lsp.create)
            .then(|| s.initiations.remove(&srp_id))
            .flatten();
        let mut revoked_initiated = false;
        let mut acked = false;
        let mut acked_pending = None;
        // With state-sync, a PCC's delegation goes to the computing PCE: us,
        // or the peer we sub-delegate it to (§3.5).
        let local = self.sync_config().map(|s| s.identity);
        // An LSP we created for a peer stays under that peer's control.
        let initiator = if local.is_some() {
            self.lspdb
                .with(&key, |e| e.name.clone())
                .and_then(|n| self.inter_initiator(key, &n))
        } else {
            None
        };
        let primary = if local.is_some() && lsp.delegate {
            initiator.or_else(|| self.primary_for(key))
        } else {
            None
        };
        let reported = initiated_name
            .is_some()
            .then(|| self.report_of(key).map(|r| r.ero.subobjects.clone()))
            .flatten();
        self.lspdb.with_mut(&key, |e| {
            let c = &mut e.control;
            if initiated_name.is_some() || lsp.create {
                c.initiated = lsp.create;
            }
            if reported.is_some() {
                c.computed = reported;
            }
            // RFC 8231 §5.7: D=1 on a session with the update capability.
            let pcc_delegated = lsp.delegate && update_capable;
            let delegated = match local {
                Some(local) => pcc_reported(c, version, pcc_delegated, primary, local),
                None => pcc_delegated,
            };
            revoked_initiated = c.initiated && c.delegated && !delegated && synced;
            c.delegated = delegated;
            if !delegated {
                c.pending_srp = None;
            }
            acked_pending = acknowledge(c, srp_id);
            acked = acked_pending.is_some();
        });
        if lsp.delegate && update_capable {
            self.inter_pcc_delegates(key);
        }
        // The acknowledgement of exactly the path just sent needs no new
        // computation (half the computations under update load).
        let deferred = self
            .lsp_groups
            .get(&key)
            .is_some_and(|g| g.iter().any(|g| self.deferred.contains(g)));
        let settled = acked
            && !deferred
            && self.report_of(key).is_some_and(|r| {
                self.lspdb.with(&key, |e| {
                    e.control.computed.as_ref() == Some(&r.ero.subobjects)
                }) == Some(true)
            });
        if let Some(p) = acked_pending {
            self.settle_update(session, p);
        }
        if acked {
            self.counters.updates_acked += 1;
        }
        if revoked_initiated {
            // RFC 8281 §5.3: the PCC must not revoke a PCE-initiated LSP.
            self.send_error(
                session,
                PcErrCode::INITIATED_DELEGATION_NOT_REVOCABLE,
                Some(lsp),
            );
        }
        // The operator returned it: given again, it goes back.
        if synced && self.returned_by_operator(key) {
            self.return_again(key);
            return false;
        }
        synced && !settled
    }

    pub(super) fn end_of_sync(&mut self, session: SessionId) {
        let Some(s) = self.sessions.get_mut(&session) else {
            return;
        };
        s.synced = true;
        s.resync = false;
        let seen = std::mem::take(&mut s.seen);
        let Some(pcc) = s.pcc() else {
            return;
        };
        let full = s.full_sync;
        if full {
            for key in self.lspdb.of_pcc(pcc) {
                if !seen.contains(&key.plsp_id) {
                    self.forget_lsp(key);
                }
            }
        }
        // What the operator returned goes back before anything is computed.
        if !self.returned.is_empty() {
            for key in self.lspdb.of_pcc(pcc) {
                if self.returned_by_operator(key) {
                    self.return_again(key);
                }
            }
        }
        self.after_sync(session);
    }

    /// After synchronization: compute the delegated LSPs, and initiate again
    /// what this PCE initiated on the PCC and the PCC no longer has.
    pub(super) fn after_sync(&mut self, session: SessionId) {
        let Some(s) = self.sessions.get(&session) else {
            return;
        };
        let Some(pcc) = s.pcc() else {
            return;
        };
        for key in self.lspdb.of_pcc(pcc) {
            self.compute_and_update(key, false);
        }
        let mut missing: Vec<InitiateSpec> = self
            .initiated
            .iter()
            .filter(|((p, name), _)| *p == pcc && self.lspdb.by_name(pcc, name).is_none())
            .map(|(_, spec)| spec.clone())
            .collect();
        missing.sort_by(|a, b| a.name.cmp(&b.name));
        for spec in missing {
            if self.send_initiate(session, &spec).is_err() {
                // Kept: a later topology change or sync may make it possible.
            }
        }
    }
}

/// What a PCE-triggered synchronization covers (RFC 8232 §3.4, §3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Trigger {
    /// Every LSP: PLSP-ID 0.
    All,
    /// One LSP, whose delegation the trigger keeps (D as it stands: a
    /// PCUpd with D=0 would return it, RFC 8231 §5.7.3).
    One {
        /// Its PLSP-ID.
        plsp_id: u32,
        /// Whether it is delegated to us.
        delegated: bool,
    },
}

impl Pce {
    /// Send a synchronization trigger: a PCUpd whose LSP object has S=1
    /// and an empty ERO (RFC 8232 §3.4, §3.5). Returns its SRP-ID.
    pub(super) fn send_sync_trigger(&mut self, session: SessionId, what: Trigger) -> Option<u32> {
        let s = self.sessions.get_mut(&session)?;
        let srp_id = s.srp_id();
        let (plsp_id, delegate) = match what {
            Trigger::All => (0, false),
            Trigger::One { plsp_id, delegated } => (plsp_id, delegated),
        };
        let update = UpdateRequest {
            srp: Srp {
                srp_id,
                ..Srp::default()
            },
            lsp: Lsp {
                plsp_id,
                delegate,
                sync: true,
                ..Lsp::default()
            },
            associations: Vec::new(),
            ero: Ero::default(),
            attributes: Attributes::default(),
            unknown: Vec::new(),
        };
        self.counters.sync_triggers += 1;
        self.out.push_back(crate::pce::Output::Send {
            session,
            message: Message::PcUpd(PcUpd {
                updates: vec![update],
            }),
        });
        Some(srp_id)
    }

    /// Ask a PCC to synchronize again (RFC 8232 §3.5, T negotiated): every
    /// LSP (`name` None; what it does not report again is dropped at the
    /// end, as after a full initial synchronization) or one. Returns the
    /// trigger's SRP-ID.
    pub fn resync(&mut self, pcc: IpAddr, name: Option<&str>) -> Result<u32, CommandError> {
        let session = self.synced_session(pcc, false)?;
        let capable = self
            .sessions
            .get(&session)
            .is_some_and(|s| s.negotiated.capabilities.triggered_resync);
        if !capable {
            return Err(CommandError::NoTriggeredResync(pcc));
        }
        let what = match name {
            None => Trigger::All,
            Some(name) => {
                let key = self
                    .lspdb
                    .by_name(PccId::Addr(pcc), name.as_bytes())
                    .ok_or_else(|| CommandError::UnknownLsp {
                        pcc,
                        name: name.to_owned(),
                    })?;
                Trigger::One {
                    plsp_id: key.plsp_id,
                    delegated: self.lspdb.with(&key, |e| e.control.delegated) == Some(true),
                }
            }
        };
        let srp_id = self
            .send_sync_trigger(session, what)
            .ok_or(CommandError::NoSession(pcc))?;
        if what == Trigger::All {
            if let Some(s) = self.sessions.get_mut(&session) {
                s.synced = false;
                s.resync = true;
                s.full_sync = true;
                s.seen.clear();
            }
        }
        Ok(srp_id)
    }
}

impl Pce {
    /// Whether `report` would give `pcc` one LSP more than it may have.
    fn over_lsp_limit(&self, pcc: PccId, report: &StateReport) -> bool {
        let lsp = &report.lsp;
        !lsp.remove
            && lsp.plsp_id != 0
            && self.lspdb.count(pcc) >= self.config.max_lsps_per_pcc
            && !self.lspdb.contains(&LspKey {
                pcc,
                plsp_id: lsp.plsp_id,
            })
    }
}

/// Keep at most `budget` bytes (as encoded) of the unknown TLVs and
/// objects of a report, in order; the bytes dropped.
fn trim_unknown(report: &mut StateReport, budget: usize) -> usize {
    let mut left = budget;
    let mut dropped = 0;
    let mut keep = |len: usize| {
        if len <= left {
            left -= len;
            true
        } else {
            dropped += len;
            false
        }
    };
    let padded = |n: usize| 4 + n.div_ceil(4) * 4;
    let tlvs = |tlvs: &mut Vec<Tlv>, keep: &mut dyn FnMut(usize) -> bool| {
        tlvs.retain(|t| match t {
            Tlv::Unknown { value, .. } => keep(padded(value.len())),
            _ => true,
        });
    };
    tlvs(&mut report.lsp.tlvs, &mut keep);
    if let Some(srp) = report.srp.as_mut() {
        tlvs(&mut srp.tlvs, &mut keep);
    }
    for a in &mut report.associations {
        tlvs(&mut a.tlvs, &mut keep);
    }
    report.unknown.retain(|u| keep(4 + u.object.body.len()));
    dropped
}

/// An RSVP-TE LSP's report (no PATH-SETUP-TYPE, or type 0) without
/// IPV4- or IPV6-LSP-IDENTIFIERS; the end-of-sync marker and removals
/// (identified by their PLSP-ID) aside.
fn lacks_lsp_identifiers(report: &StateReport) -> bool {
    let rsvp = report
        .srp
        .as_ref()
        .is_none_or(|s| s.path_setup_type() == PathSetupType::RSVP_TE);
    rsvp && report.lsp.plsp_id != 0
        && !report.lsp.remove
        && !report
            .lsp
            .tlvs
            .iter()
            .any(|t| matches!(t, Tlv::Ipv4LspIdentifiers(_) | Tlv::Ipv6LspIdentifiers(_)))
}
