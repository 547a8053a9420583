//! Reports across state-sync sessions (§3.3, §3.4): forwarding a PCC's
//! report with SPEAKER-ENTITY-ID and ORIGINAL-LSP-DB-VERSION, and keeping
//! the freshest state of what the peers forward.

use std::net::IpAddr;

use pcep::wire::object::{Lsp, Srp};
use pcep::wire::tlv::Tlv;
use pcep::wire::{Message, PcErrCode, PcRpt, StateReport};

use crate::lspdb::{Applied, LspKey, Source};
use crate::pce::groups::disjoint_groups;
use crate::pce::inter_pce::withdraw_sub_delegation;
use crate::pce::session::{acknowledge, srp_at_least};
use crate::pce::{name_key, Pce, SessionId};

impl Pce {
    /// The report of a PCC-learned LSP as a peer gets it: SPEAKER-ENTITY-ID
    /// and ORIGINAL-LSP-DB-VERSION added, D=1 only towards the PCE it is
    /// sub-delegated to, SRP-ID as given (0: none to acknowledge).
    pub(in crate::pce) fn forwardable(
        &self,
        key: LspKey,
        peer: IpAddr,
        sync: bool,
        srp_id: u32,
    ) -> Option<StateReport> {
        let ss = self.sync_config()?;
        let control = self.lspdb.with(&key, |e| e.control.clone())?;
        if !control.inter().sources.contains(&Source::Pcc) {
            // Learned from a peer: never forwarded (no transit).
            return None;
        }
        if control.inter().version.is_none() && !ss.forward_without_db_version {
            return None;
        }
        let mut report = StateReport::clone(self.report_of(key)?.as_ref());
        report.lsp.sync = sync;
        report.lsp.delegate = control.inter().sub_delegated_to == Some(peer);
        report
            .lsp
            .tlvs
            .retain(|t| !matches!(t, Tlv::SpeakerEntityId(_) | Tlv::OriginalLspDbVersion(_)));
        report
            .lsp
            .tlvs
            .push(Tlv::SpeakerEntityId(self.speaker_id(key.pcc)));
        if let Some(v) = control.inter().version {
            report.lsp.tlvs.push(Tlv::OriginalLspDbVersion(v));
        }
        match report.srp.as_mut() {
            Some(s) => s.srp_id = srp_id,
            None if srp_id != 0 => {
                report.srp = Some(Srp {
                    srp_id,
                    ..Srp::default()
                });
            }
            None => {}
        }
        Some(report)
    }

    /// Forward a PCC's report (just applied) to every peer. `ack`: the PCC
    /// session and the SRP-ID the report carries; if it acknowledges an
    /// update we relayed, the computing PCE gets it with its own SRP-ID.
    /// `removed`: the report of an LSP the database no longer holds.
    pub(in crate::pce) fn forward_report(
        &mut self,
        key: LspKey,
        ack: Option<(SessionId, u32)>,
        removed: Option<StateReport>,
    ) {
        if !self.any_peer_up() {
            return;
        }
        let relay = ack
            .filter(|(_, srp)| *srp != 0)
            .and_then(|k| self.inter.as_mut().and_then(|i| i.relays.remove(&k)));
        for (peer, s) in self.peer_sessions() {
            let peer_srp = relay.filter(|r| r.0 == peer).map_or(0, |r| r.1);
            let report = match &removed {
                Some(r) => {
                    let mut r = r.clone();
                    r.lsp.delegate = false;
                    r.lsp.tlvs.retain(|t| {
                        !matches!(t, Tlv::SpeakerEntityId(_) | Tlv::OriginalLspDbVersion(_))
                    });
                    r.lsp
                        .tlvs
                        .push(Tlv::SpeakerEntityId(self.speaker_id(key.pcc)));
                    if let Some(v) = r.lsp.db_version() {
                        r.lsp.tlvs.push(Tlv::OriginalLspDbVersion(v));
                    }
                    if let Some(srp) = r.srp.as_mut() {
                        srp.srp_id = 0;
                    }
                    Some(r)
                }
                None => self.forwardable(key, peer, false, peer_srp),
            };
            if let Some(report) = report {
                self.counters.forwarded_reports += 1;
                self.send(
                    s,
                    Message::PcRpt(PcRpt {
                        reports: vec![report],
                    }),
                );
            }
        }
    }

    /// Whether `peer` may report this LSP: it announced the PCC (PCNtf,
    /// and has not withdrawn it), or it taught us the LSP before (the state
    /// it keeps through a PCC's State Timeout, across a state-sync session
    /// that came back), or it withdraws it (R=1 only ever removes what the
    /// peer itself taught), or the configuration accepts unannounced PCCs.
    fn may_report(&self, peer: IpAddr, key: LspKey, lsp: &Lsp) -> bool {
        if lsp.remove
            || self
                .sync_config()
                .is_some_and(|s| s.accept_unannounced_pccs)
        {
            return true;
        }
        let announced = self
            .inter
            .as_ref()
            .and_then(|i| i.pcc_info.get(&key.pcc))
            .is_some_and(|from| from.contains_key(&Some(peer)));
        announced
            || self.lspdb.with(&key, |e| {
                e.control.inter().sources.contains(&Source::Peer(peer))
            }) == Some(true)
    }

    pub(in crate::pce) fn handle_peer_report(
        &mut self,
        session: SessionId,
        peer: IpAddr,
        report: StateReport,
    ) {
        self.counters.reports += 1;
        if report.lsp.is_end_of_sync() {
            let first = self.sessions.get(&session).is_some_and(|s| !s.synced);
            if let Some(s) = self.sessions.get_mut(&session) {
                s.synced = true;
            }
            if first {
                // What the peer taught us before and did not re-report in
                // this sync is gone.
                let seen = self
                    .inter
                    .as_mut()
                    .and_then(|i| i.peer_seen.remove(&peer))
                    .unwrap_or_default();
                self.drop_peer_source(peer, &seen);
                // Now compute what the peer sub-delegated to us.
                for key in self.claimed_by(peer) {
                    if self
                        .lspdb
                        .with(&key, |e| e.control.inter().delegated_by == Some(peer))
                        == Some(true)
                    {
                        self.compute_and_update(key, false);
                    }
                }
            }
            return;
        }
        let Some(key) = self.key_or_error(session, &report.lsp) else {
            return;
        };
        let source = Source::Peer(peer);
        if !self.may_report(peer, key, &report.lsp) {
            self.counters.peer_reports_refused += 1;
            self.send_error(
                session,
                PcErrCode::INVALID_SPEAKER_ENTITY_ID,
                Some(&report.lsp.without_tlvs()),
            );
            return;
        }
        if let Some(seen) = self.inter.as_mut().and_then(|i| i.peer_seen.get_mut(&peer)) {
            seen.insert(key);
        }
        let version = report.lsp.original_db_version();
        let delegate = report.lsp.delegate;
        let report_create = report.lsp.create;
        let resync = report.lsp.sync;
        let srp_id = report.srp.as_ref().map_or(0, |s| s.srp_id);
        if report.lsp.remove {
            let mut gone = false;
            let other = self.unclaim(key, peer);
            let computing = self.primary_for(key) == self.sync_config().map(|s| s.identity);
            self.lspdb.with_mut(&key, |e| {
                let c = &mut e.control;
                c.inter_mut().sources.retain(|s| *s != source);
                gone = c.inter().sources.is_empty();
                if c.inter().delegated_by == Some(peer) {
                    withdraw_sub_delegation(c, other, computing);
                }
            });
            if gone {
                self.forget_lsp(key);
            } else if self.lspdb.with(&key, |e| e.control.delegated) == Some(true) {
                self.compute_and_update(key, false);
            }
            return;
        }
        // §3.4 freshness. A relayed acknowledgement of our own update is the
        // PCC's answer to it: at least as fresh as anything we hold.
        let existing = self.lspdb.with(&key, |e| {
            (e.control.inter().sources.clone(), e.control.inter().version)
        });
        let acks = srp_id != 0
            && self
                .lspdb
                .with(&key, |e| e.control.pending_srp)
                .flatten()
                .is_some_and(|p| srp_at_least(srp_id, p));
        let replace = acks
            || match &existing {
                None => true,
                Some((sources, stored)) => match (version, *stored) {
                    (Some(v), Some(s)) => v > s,
                    (Some(_), None) => !sources.contains(&Source::Pcc),
                    // No versions: the PCC's own report wins, else the last one.
                    (None, _) => !sources.contains(&Source::Pcc),
                },
            };
        let equal = existing
            .as_ref()
            .is_some_and(|(_, s)| version.is_some() && *s == version);
        let groups = disjoint_groups(&report);
        if replace {
            let mut stored = report;
            stored
                .lsp
                .tlvs
                .retain(|t| !matches!(t, Tlv::SpeakerEntityId(_) | Tlv::OriginalLspDbVersion(_)));
            match self.store_report(key.pcc, stored) {
                Ok(Applied::Created(_) | Applied::Updated(_)) => {}
                _ => return,
            }
            self.set_groups(key, groups);
            self.lspdb.with_mut(&key, |e| {
                // An acknowledgement does not make us forget the PCC itself.
                let direct = acks && e.control.inter().sources.contains(&Source::Pcc);
                let mut sources = Vec::new();
                if direct {
                    sources.push(Source::Pcc);
                }
                if version.is_none() {
                    // Without versions the last report wins, but the peers
                    // that reported it before still hold the LSP: one of
                    // them withdrawing (its State Timeout purged it) must
                    // not make us forget what the others hold.
                    sources.extend(
                        e.control
                            .inter()
                            .sources
                            .iter()
                            .filter(|s| matches!(s, Source::Peer(p) if Source::Peer(*p) != source)),
                    );
                }
                sources.push(source);
                let i = e.control.inter_mut();
                i.sources = sources;
                i.version = version;
            });
            self.taught_by(peer, key);
        } else if existing.is_some() && (equal || version.is_none()) {
            self.lspdb.with_mut(&key, |e| {
                if !e.control.inter().sources.contains(&source) {
                    e.control.inter_mut().sources.push(source);
                }
            });
            self.taught_by(peer, key);
        }
        // Sub-delegation to us (D=1), or its end (D=0 from the same peer).
        // We compute it only if we are the computing PCE as we see the mesh:
        // a sub-delegated LSP is never sub-delegated again (draft Example
        // 3), so when a higher PCE is reachable from us but not from the
        // sub-delegating one, the LSP has no computing PCE and is left as it
        // is (DIGEST §10.16, the draft's reading).
        let local = self.sync_config().map(|s| s.identity);
        // The report answering a PCInitiate we relayed through this peer.
        let initiated_name = (srp_id != 0 && report_create)
            .then(|| {
                self.sessions
                    .get_mut(&session)
                    .and_then(|s| s.initiations.remove(&srp_id))
            })
            .flatten();
        let ours = initiated_name.is_some()
            || self
                .lspdb
                .with(&key, |e| name_key(key.pcc, &e.name))
                .is_some_and(|n| self.initiated.contains_key(&n));
        let eligible = ours || self.primary_for(key) == local;
        let computing = delegate && eligible;
        // A D=0 from a peer that sub-delegated it: the sub-delegation of
        // another peer that still claims it stands (a PCC moved its
        // delegation and the old holder withdrew late).
        let other = if delegate {
            self.claim(key, peer);
            None
        } else {
            self.unclaim(key, peer)
        };
        let mut acked = false;
        let mut acked_pending = None;
        let reported = initiated_name
            .is_some()
            .then(|| self.report_of(key).map(|r| r.ero.subobjects.clone()))
            .flatten();
        self.lspdb.with_mut(&key, |e| {
            if let Some(ero) = reported {
                e.control.initiated = true;
                e.control.computed = Some(ero);
            }
            let c = &mut e.control;
            if resync && c.inter().delegated_by == Some(peer) {
                // The PCC synchronized again with the peer that relays our
                // updates: one relayed on its previous session is void.
                c.pending_srp = None;
            }
            if delegate {
                if c.inter().delegated_by != Some(peer) {
                    // Sub-delegated through another peer now: what we
                    // relayed through the previous one is void.
                    c.pending_srp = None;
                    c.unacknowledged = 0;
                }
                c.inter_mut().delegated_by = Some(peer);
                c.delegated = computing;
            } else if c.inter().delegated_by == Some(peer) {
                withdraw_sub_delegation(c, other, eligible);
            }
            acked_pending = acknowledge(c, srp_id);
            acked = acked_pending.is_some();
        });
        if let Some(p) = acked_pending {
            self.pending_updates.remove(&(session, p));
        }
        if acked {
            self.counters.updates_acked += 1;
        }
        let synced = self.sessions.get(&session).is_some_and(|s| s.synced);
        if synced {
            self.compute_and_update(key, false);
        }
    }
}

/// A PCC reported its LSP on its own session (`pcc_delegated`: D=1 with the
/// update capability): its report wins over the peers' (§3.4), and the
/// delegation goes to the computing PCE, us or `primary` (§3.5). Whether we
/// compute it.
pub(in crate::pce) fn pcc_reported(
    c: &mut crate::lspdb::Control,
    version: Option<u64>,
    pcc_delegated: bool,
    primary: Option<IpAddr>,
    local: IpAddr,
) -> bool {
    let i = c.inter_mut();
    // The peers that report the LSP still hold it (one of them may
    // sub-delegate it to us).
    if i.sources.first() != Some(&Source::Pcc) {
        i.sources.retain(|s| *s != Source::Pcc);
        i.sources.insert(0, Source::Pcc);
    }
    i.version = version;
    i.pcc_delegated = pcc_delegated;
    i.sub_delegated_to = primary.filter(|p| pcc_delegated && *p != local);
    (pcc_delegated && i.sub_delegated_to.is_none()) || i.delegated_by.is_some()
}
