//! State-sync sessions with peer PCEs: coming up (PCC Open information,
//! then the LSPs, then the end-of-sync marker, §3.2), going down (control
//! through the peer ends, what it taught us stays for a grace period), and
//! the PCC Open information relayed by PCNtf.

use std::collections::HashSet;
use std::net::IpAddr;

use bytes::Bytes;

use pcep::wire::object::{Lsp, Notification};
use pcep::wire::tlv::Tlv;
use pcep::wire::{Message, NotifyUnit, PcErrCode, PcNtf, PcRpt, StateReport, StateSyncCodepoints};
use serde::Serialize;

use crate::lspdb::{LspKey, PccId, Source};
use crate::pce::inter_pce::withdraw_sub_delegation;
use crate::pce::{CommandError, Pce, SessionId};

/// A configured peer as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeerStatus {
    /// Its address.
    pub address: IpAddr,
    /// Its global priority.
    pub priority: u32,
    /// A state-sync session with it is up.
    pub session_up: bool,
    /// Its initial synchronization towards us is complete (end-of-sync
    /// marker received).
    pub synchronized: bool,
    /// The PCCs whose Open information it relayed (PCNtf, §3.2).
    pub pccs: Vec<RelayedPcc>,
}

/// A PCC's Open information as a peer relayed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RelayedPcc {
    /// The PCC.
    pub pcc: PccId,
    /// Its SR MSD (255: no limit), when it advertised SR.
    pub msd: Option<u8>,
}

impl Pce {
    /// The configured peers and their state; an incomplete mesh shows as
    /// peers whose session is down.
    pub fn peers(&self) -> Vec<PeerStatus> {
        let Some(ss) = self.sync_config() else {
            return Vec::new();
        };
        ss.peers
            .iter()
            .map(|p| {
                let session = self.peer_session(p.address);
                PeerStatus {
                    address: p.address,
                    priority: p.priority,
                    session_up: session.is_some(),
                    synchronized: session
                        .and_then(|s| self.sessions.get(&s))
                        .is_some_and(|s| s.synced),
                    pccs: self.relayed_by(p.address),
                }
            })
            .collect()
    }

    /// The PCC Open information `peer` relayed, by PCC.
    fn relayed_by(&self, peer: IpAddr) -> Vec<RelayedPcc> {
        let Some(i) = self.inter.as_ref() else {
            return Vec::new();
        };
        let mut v: Vec<RelayedPcc> = i
            .pcc_info
            .iter()
            .filter_map(|(pcc, from)| {
                let open = from.get(&Some(peer))?;
                Some(RelayedPcc {
                    pcc: *pcc,
                    msd: open.sr_capability().map(crate::pcreq::msd),
                })
            })
            .collect();
        v.sort_by_key(|r| r.pcc);
        v
    }

    /// Whether `peer` is a configured state-sync peer: only those get
    /// state-sync sessions.
    pub(in crate::pce) fn is_configured_peer(&self, peer: IpAddr) -> bool {
        self.sync_config()
            .is_some_and(|ss| ss.peers.iter().any(|p| p.address == peer))
    }

    /// A state-sync session with a configured peer came up.
    pub(in crate::pce) fn peer_up(&mut self, session: SessionId, peer: IpAddr) -> bool {
        let Some(i) = self.inter.as_mut() else {
            return false;
        };
        i.peers_up.insert(peer, session);
        if let Some(at) = i.peer_grace.remove(&peer) {
            i.purges_peer.remove(&(at, peer));
        }
        i.peer_seen.insert(peer, HashSet::new());
        self.counters.peer_sessions += 1;
        // PCC Open information first, then the LSPs, then the marker.
        let infos: Vec<(PccId, Vec<Tlv>)> = {
            let mut v: Vec<(PccId, Vec<Tlv>)> = self
                .sessions
                .values()
                .filter_map(|s| Some((s.pcc()?, s.negotiated.peer.tlvs.clone())))
                .collect();
            v.sort_by_key(|x| x.0);
            v
        };
        if !infos.is_empty() {
            // One NOTIFICATION object per PCC, in one <notify> of RFC
            // 5440's grammar (§3.2: a second <notify> without RP objects
            // could not be told from the first), in as many PCNtfs as the
            // 65,535-byte message length needs (2,000 PCCs take ~100 KB).
            let notifications: Vec<Notification> = infos
                .into_iter()
                .flat_map(|(pcc, tlvs)| self.pcc_info_unit(pcc, 1, tlvs).notifications)
                .collect();
            for m in pcntf_batches(notifications) {
                self.send(session, m);
            }
        }
        self.send_peer_sync(session, peer, None);
        // A new peer may outrank the computing PCE of what we hold: what
        // that changes is reported after the synchronization, which comes
        // before any other report.
        self.reassign_primaries();
        true
    }

    /// Our state to a peer: every LSP we may forward it with S=1 (or the
    /// one `only` names), then the end-of-synchronization marker.
    fn send_peer_sync(&mut self, session: SessionId, peer: IpAddr, only: Option<(LspKey, u32)>) {
        let mut reports = Vec::new();
        match only {
            None => {
                // Only the LSPs of PCCs we have a session with: those we
                // announced first (peer_up). A peer takes reports only for
                // PCCs announced to it (`may_report`); the state we keep for
                // a PCC in its State Timeout is its own again once it
                // reconnects and synchronizes, with us or with the peer.
                let connected: HashSet<PccId> =
                    self.sessions.values().filter_map(|s| s.pcc()).collect();
                for key in self.lspdb.keys() {
                    if !connected.contains(&key.pcc) {
                        continue;
                    }
                    if let Some(r) = self.forwardable(key, peer, true, 0) {
                        reports.push(r);
                    }
                }
            }
            Some((key, srp_id)) => reports.extend(self.forwardable(key, peer, true, srp_id)),
        }
        reports.push(StateReport {
            lsp: Lsp::end_of_sync(),
            ..StateReport::default()
        });
        for chunk in reports.chunks(64) {
            self.send(
                session,
                Message::PcRpt(PcRpt {
                    reports: chunk.to_vec(),
                }),
            );
        }
    }

    /// A peer's synchronization trigger (a PCUpd with S=1, RFC 8232 §3.5
    /// applied to a state-sync session, draft §3.2 allowing RFC 8232 there):
    /// PLSP-ID 0 asks for our whole state again, another PLSP-ID (with the
    /// SPEAKER-ENTITY-ID of its owner) for that LSP. Without T negotiated,
    /// PCErr 20/4.
    pub(in crate::pce) fn handle_peer_trigger(
        &mut self,
        session: SessionId,
        peer: IpAddr,
        u: &pcep::wire::UpdateRequest,
    ) {
        let capable = self
            .sessions
            .get(&session)
            .is_some_and(|s| s.negotiated.capabilities.triggered_resync);
        if !capable {
            self.send_error(
                session,
                PcErrCode::TRIGGER_WITHOUT_CAPABILITY,
                Some(&u.lsp.without_tlvs()),
            );
            return;
        }
        if u.lsp.plsp_id == 0 {
            self.send_peer_sync(session, peer, None);
            return;
        }
        let Some(key) = self.key_or_error(session, &u.lsp) else {
            return;
        };
        if self.lspdb.with(&key, |_| ()).is_none() {
            self.send_error(
                session,
                PcErrCode::UNKNOWN_PLSP_ID,
                Some(&u.lsp.without_tlvs()),
            );
            return;
        }
        self.send_peer_sync(session, peer, Some((key, u.srp.srp_id)));
    }

    /// Ask a peer for its whole state again (RFC 8232 §3.5 on a state-sync
    /// session): what it taught us and does not report again is dropped at
    /// the end, as after the initial synchronization.
    pub fn resync_peer(&mut self, peer: IpAddr) -> Result<u32, CommandError> {
        let session = self
            .inter
            .as_ref()
            .and_then(|i| i.peers_up.get(&peer).copied())
            .ok_or(CommandError::NoSession(peer))?;
        let s = self
            .sessions
            .get(&session)
            .ok_or(CommandError::NoSession(peer))?;
        if !s.synced {
            return Err(CommandError::NotSynchronized(peer));
        }
        if !s.negotiated.capabilities.triggered_resync {
            return Err(CommandError::NoTriggeredResync(peer));
        }
        let srp_id = self
            .send_sync_trigger(session, crate::pce::lsp_sync::Trigger::All)
            .ok_or(CommandError::NoSession(peer))?;
        if let Some(s) = self.sessions.get_mut(&session) {
            s.synced = false;
        }
        if let Some(i) = self.inter.as_mut() {
            i.peer_seen.insert(peer, HashSet::new());
        }
        Ok(srp_id)
    }

    /// A state-sync session ended.
    pub(in crate::pce) fn peer_down(&mut self, peer: IpAddr, now: std::time::Instant) {
        let Some(i) = self.inter.as_mut() else {
            return;
        };
        i.peers_up.remove(&peer);
        i.pcc_info.retain(|_, from| {
            from.remove(&Some(peer));
            !from.is_empty()
        });
        // Control through that peer ends at once; what it taught us stays
        // for a grace period (the State Timeout, DIGEST §8.12), so that the
        // paths of its LSPs still constrain ours and a quick return resyncs
        // without churn.
        // (Another peer's sub-delegation of the same LSP stands; whether we
        // compute it is decided again below.)
        let mut ours = Vec::new();
        for key in self.claimed_by(peer) {
            let other = self.unclaim(key, peer);
            let now_ours = self.lspdb.with_mut(&key, |e| {
                let c = &mut e.control;
                if c.inter().delegated_by != Some(peer) {
                    return false;
                }
                // Whether we compute what another peer still sub-delegates
                // is decided below, with the priorities.
                withdraw_sub_delegation(c, other, false);
                c.delegated
            });
            if now_ours == Some(true) {
                ours.push(key);
            }
        }
        let at = now + self.config.state_timeout;
        if let Some(i) = self.inter.as_mut() {
            i.peer_grace.insert(peer, at);
            i.purges_peer.insert((at, peer));
            i.relays.retain(|_, r| r.0 != peer);
            i.forwarded_requests.retain(|(p, _), _| *p != peer);
        }
        self.reassign_primaries();
        // What that peer had sub-delegated to us and its PCC delegates to
        // us directly: an update relayed through the peer is lost with its
        // session, so the LSP is computed and updated here.
        for key in ours {
            if self.lspdb.with(&key, |e| e.control.delegated) == Some(true) {
                self.compute_and_update(key, false);
            }
        }
    }

    /// A PCC's State Timeout purges its LSP (RFC 8231 §5.6), but what a
    /// peer still reports stays, learned from it alone (the PCC may well be
    /// connected to that peer): whether it stays. Peers learn that it left
    /// us (a removal report).
    pub(in crate::pce) fn inter_keeps_purged(&mut self, key: LspKey) -> bool {
        if self.inter.is_none() {
            return false;
        }
        let kept = self
            .lspdb
            .with_mut(&key, |e| {
                let c = &mut e.control;
                if !c
                    .inter()
                    .sources
                    .iter()
                    .any(|s| matches!(s, Source::Peer(_)))
                {
                    return false;
                }
                let via_peer = c.via_peer();
                let i = c.inter_mut();
                i.sources.retain(|s| *s != Source::Pcc);
                i.pcc_delegated = false;
                i.sub_delegated_to = None;
                c.delegated = via_peer.is_some();
                c.pending_srp = None;
                true
            })
            .unwrap_or(false);
        if kept {
            self.forward_removal(key);
        }
        kept
    }

    /// A PCC's LSP is purged: peers drop us as its source.
    pub(in crate::pce) fn inter_pcc_lsp_purged(&mut self, key: LspKey) {
        let direct = self
            .lspdb
            .with(&key, |e| e.control.inter().sources.contains(&Source::Pcc))
            == Some(true);
        if direct {
            self.forward_removal(key);
        }
    }

    /// Tell the peers the LSP left us (its report with R=1).
    fn forward_removal(&mut self, key: LspKey) {
        let removal = self.report_of(key).map(|r| {
            let mut r = StateReport::clone(&r);
            r.lsp.remove = true;
            r
        });
        if let Some(r) = removal {
            self.forward_report(key, None, Some(r));
        }
    }

    /// Forget what only `peer` taught us (its grace period ended, or its
    /// resync did not re-report it: `keep`).
    pub(in crate::pce) fn drop_peer_source(
        &mut self,
        peer: IpAddr,
        keep: &std::collections::HashSet<LspKey>,
    ) {
        for key in self.take_taught(peer) {
            if keep.contains(&key) {
                self.taught_by(peer, key);
                continue;
            }
            let mut gone = false;
            self.lspdb.with_mut(&key, |e| {
                let c = &mut e.control;
                let before = c.inter().sources.len();
                c.inter_mut().sources.retain(|s| *s != Source::Peer(peer));
                gone = before > 0 && c.inter().sources.is_empty();
            });
            if gone {
                self.forget_lsp(key);
            }
        }
    }

    /// The grace period of a peer that stayed away ended.
    pub(in crate::pce) fn peer_grace_expired(&mut self, at: std::time::Instant, peer: IpAddr) {
        let Some(i) = self.inter.as_mut() else {
            return;
        };
        if i.peer_grace.get(&peer) == Some(&at) && !i.peers_up.contains_key(&peer) {
            i.peer_grace.remove(&peer);
            self.drop_peer_source(peer, &HashSet::new());
        }
    }

    pub(in crate::pce) fn pcc_info_unit(
        &self,
        pcc: PccId,
        value: u8,
        mut tlvs: Vec<Tlv>,
    ) -> NotifyUnit {
        let cp = self
            .sync_config()
            .map_or_else(StateSyncCodepoints::default, |s| s.codepoints);
        tlvs.retain(|t| !matches!(t, Tlv::SpeakerEntityId(_)));
        tlvs.insert(0, Tlv::SpeakerEntityId(self.speaker_id(pcc)));
        NotifyUnit {
            rps: Vec::new(),
            notifications: vec![Notification {
                header: pcep::wire::object::HeaderFlags::default(),
                notification_flags: 0,
                notification_type: pcep::wire::NotificationType(cp.pcc_open_notification_type),
                notification_value: value,
                tlvs,
            }],
            unknown: Vec::new(),
        }
    }

    /// Tell every peer that a PCC session came up (value 1, with its Open
    /// TLVs) or went down (value 2).
    pub(in crate::pce) fn announce_pcc(&mut self, pcc: PccId, up: bool, tlvs: Vec<Tlv>) {
        if self.sync_config().is_none() {
            return;
        }
        let unit = self.pcc_info_unit(
            pcc,
            if up { 1 } else { 2 },
            if up { tlvs } else { Vec::new() },
        );
        for (_, s) in self.peer_sessions() {
            self.send(
                s,
                Message::PcNtf(PcNtf {
                    notifications: vec![unit.clone()],
                }),
            );
        }
    }

    pub(in crate::pce) fn handle_peer_notification(&mut self, peer: IpAddr, ntf: &PcNtf) {
        let Some(nt) = self
            .sync_config()
            .map(|s| s.codepoints.pcc_open_notification_type)
        else {
            return;
        };
        for unit in &ntf.notifications {
            for n in &unit.notifications {
                if n.notification_type.0 != nt {
                    continue;
                }
                let ids: Vec<&Bytes> = n
                    .tlvs
                    .iter()
                    .filter_map(|t| match t {
                        Tlv::SpeakerEntityId(id) => Some(id),
                        _ => None,
                    })
                    .collect();
                let Some(first) = ids.first().copied() else {
                    continue;
                };
                let mut pcc = self.owner_named(first);
                if matches!(pcc, PccId::Named(_)) {
                    // The peer names the PCC its own way; the Open it
                    // relays may carry the PCC's own SPEAKER-ENTITY-ID, that
                    // one of our PCCs advertised: the peer's name is then
                    // an alias of that PCC.
                    let known = ids
                        .iter()
                        .skip(1)
                        .find_map(|id| self.inter.as_ref()?.named.get(*id).copied());
                    if let (Some(known), Some(i)) = (known, self.inter.as_mut()) {
                        i.named.insert(first.clone(), known);
                        pcc = known;
                    }
                }
                match n.notification_value {
                    1 => {
                        let open = pcep::wire::object::Open {
                            tlvs: n.tlvs.clone(),
                            ..pcep::wire::object::Open::default()
                        };
                        // Kept per peer; a PCC we have a session with:
                        // our own view comes first (`pcc_open`).
                        let Some(i) = self.inter.as_mut() else {
                            return;
                        };
                        i.pcc_info.entry(pcc).or_default().insert(Some(peer), open);
                    }
                    2 => {
                        if let Some(i) = self.inter.as_mut() {
                            if let Some(from) = i.pcc_info.get_mut(&pcc) {
                                from.remove(&Some(peer));
                                if from.is_empty() {
                                    i.pcc_info.remove(&pcc);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// PCNtfs of one `<notify>` each that carry `notifications` in order, each
/// small enough to encode: batches of 256, halved until they fit.
fn pcntf_batches(notifications: Vec<Notification>) -> Vec<Message> {
    let wire = pcep::wire::WireConfig::default();
    let unit = |notifications: Vec<Notification>| {
        Message::PcNtf(PcNtf {
            notifications: vec![NotifyUnit {
                rps: Vec::new(),
                notifications,
                unknown: Vec::new(),
            }],
        })
    };
    let mut out = Vec::new();
    let mut pending: Vec<Vec<Notification>> = notifications
        .chunks(256)
        .rev()
        .map(<[Notification]>::to_vec)
        .collect();
    while let Some(mut batch) = pending.pop() {
        let m = unit(batch.clone());
        if batch.len() <= 1 || m.to_bytes(&wire).is_ok() {
            out.push(m);
        } else {
            let second = batch.split_off(batch.len() / 2);
            pending.push(second);
            pending.push(batch);
        }
    }
    out
}
