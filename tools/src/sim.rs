//! A simulated PCC (sans-IO): the LSPs of one head end, reported and
//! delegated as RFC 8231 and RFC 8281 describe, to one or more PCEs.
//!
//! * On a session coming up it synchronizes: one report per LSP with S=1,
//!   then the end-of-sync marker. Reports go to every connected PCE
//!   (RFC 8231 §5.7), with D=1 only towards the PCE holding the delegation.
//! * Delegation follows a preference order (the order of the PCEs): the
//!   most preferred connected PCE holds it. When that session fails, the
//!   LSPs are delegated to the next connected PCE once the Redelegation
//!   Timeout has passed (RFC 8231 §5.7.4); when a more preferred PCE comes
//!   (back) up, it takes them over (as FRR's PCE precedence does), the
//!   previous holder being told first by reports with D=0.
//! * A PCUpd for a delegated LSP is applied and acknowledged by a report
//!   echoing its SRP-ID; one for an unknown PLSP-ID gets PCErr 19/3, one
//!   for an LSP not delegated to that PCE 19/1.
//! * A PCInitiate creates an LSP (a new PLSP-ID, C=1, D=1 towards the
//!   initiating PCE) or removes one (SRP R=1), with the RFC 8281 errors.
//!
//! * With [`SyncOptimizations`] it follows RFC 8232 as a PCC: it keeps an
//!   LSP State Database version, raised by every change of an LSP, sent in
//!   its Open and in every report (S); it skips the synchronization when
//!   the PCE's Open carries the same version (§3.2), sends only what
//!   changed since the PCE's version when it can (D, §3.3), waits for the
//!   PCE's trigger before synchronizing (F, §3.4) and resynchronizes one
//!   LSP or all of them when the PCE asks (T, §3.5); a trigger without the
//!   capability gets PCErr 20/4.
//!
//! Time is explicit; the binary `pcc-sim` drives it over TCP.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use bytes::Bytes;
use pcep::wire::object::{
    Association, Bandwidth, Ero, HeaderFlags, Lsp, OperationalStatus, PcepError, Srp, Subobject,
};
use pcep::wire::tlv::{DisjointnessFlags, Ipv4LspIdentifiers, Tlv};
use pcep::wire::{
    AssociationType, Attributes, ErrorUnit, Message, PathSetupType, PcErr, PcErrCode, PcRpt,
    StateReport,
};
use serde::Serialize;

/// One simulated LSP.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimLsp {
    /// PLSP-ID.
    pub plsp_id: u32,
    /// Symbolic name.
    pub name: String,
    /// Tunnel sender (head end).
    pub source: Ipv4Addr,
    /// Tunnel endpoint.
    pub destination: Ipv4Addr,
    /// SR-TE (else RSVP-TE).
    pub sr: bool,
    /// Bandwidth, bytes per second.
    pub bandwidth: f32,
    /// Whether this LSP is delegated at all (operator configuration).
    pub delegate: bool,
    /// PCE-initiated (C=1), and by which PCE.
    pub initiated_by: Option<usize>,
    /// The current path.
    #[serde(skip)]
    pub ero: Vec<Subobject>,
    /// Updates applied.
    pub updates: u64,
    /// A disjoint association group (RFC 8800), with link disjointness.
    pub disjoint_group: Option<DisjointGroup>,
}

impl SimLsp {
    /// A delegated RSVP-TE LSP without bandwidth, path or group (its
    /// PLSP-ID is given by [`SimPcc::add_lsp`]).
    pub fn delegated(name: &str, source: Ipv4Addr, destination: Ipv4Addr) -> Self {
        Self {
            plsp_id: 0,
            name: name.into(),
            source,
            destination,
            sr: false,
            bandwidth: 0.0,
            delegate: true,
            initiated_by: None,
            ero: Vec::new(),
            updates: 0,
            disjoint_group: None,
        }
    }
}

/// A disjoint association group's key (RFC 8697: type, ID, source) and
/// its DISJOINTNESS-CONFIGURATION.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DisjointGroup {
    /// Association ID.
    pub id: u16,
    /// Association source (the simulator uses the PCC's address).
    pub source: IpAddr,
    /// DISJOINTNESS-CONFIGURATION flags (RFC 8800 §5.2: L, N, S, P, T),
    /// as configured, or as a PCInitiate gave them.
    pub flags: u32,
}

impl DisjointGroup {
    /// A link-disjoint group; `strict`: no fallback (T).
    pub const fn link(id: u16, source: IpAddr, strict: bool) -> Self {
        Self {
            id,
            source,
            flags: DisjointnessFlags::LINK | if strict { DisjointnessFlags::STRICT } else { 0 },
        }
    }
}

/// What the simulator asks its driver to do.
#[derive(Clone, Debug, PartialEq)]
pub enum SimOutput {
    /// Send to PCE `pce`.
    Send {
        /// Index of the PCE (its preference rank).
        pce: usize,
        /// The message.
        message: Message,
    },
}

/// An update as received, for the JSON record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UpdateRecord {
    /// When, since the simulation started.
    pub at_ms: f64,
    /// From which PCE.
    pub pce: usize,
    /// PLSP-ID.
    pub plsp_id: u32,
    /// LSP name ("" if unknown).
    pub name: String,
    /// SRP-ID.
    pub srp_id: u32,
    /// Hops of the new path (addresses or SIDs).
    pub path: Vec<String>,
    /// What the simulator answered: "ack", or the PCErr sent.
    pub answer: String,
}

/// The RFC 8232 procedures a simulated PCC offers (all off: RFC 8231
/// alone). On a session, what both sides set is what applies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[allow(clippy::struct_excessive_bools)]
pub struct SyncOptimizations {
    /// S: LSP-DB-VERSION in the Open and in every report; the
    /// synchronization is skipped when both versions match (§3.2).
    pub db_version: bool,
    /// D: incremental synchronization (§3.3).
    pub delta: bool,
    /// F: the initial synchronization waits for the PCE's trigger (§3.4).
    pub triggered_initial: bool,
    /// T: the PCE may trigger a resynchronization (§3.5).
    pub triggered_resync: bool,
}

impl SyncOptimizations {
    /// All four.
    pub const ALL: Self = Self {
        db_version: true,
        delta: true,
        triggered_initial: true,
        triggered_resync: true,
    };

    /// The STATEFUL-PCE-CAPABILITY flags for these.
    pub const fn flags(self) -> u32 {
        use pcep::wire::tlv::StatefulCapability as C;
        let mut f = 0;
        if self.db_version {
            f |= C::INCLUDE_DB_VERSION;
        }
        if self.delta {
            f |= C::DELTA_LSP_SYNC;
        }
        if self.triggered_initial {
            f |= C::TRIGGERED_INITIAL_SYNC;
        }
        if self.triggered_resync {
            f |= C::TRIGGERED_RESYNC;
        }
        f
    }

    /// What applies on a session whose peer sent these flags: what both
    /// set (D and F only with S, RFC 8232 §3.3, §3.4).
    pub const fn with_peer(self, peer: pcep::wire::tlv::StatefulCapability) -> Self {
        let db_version = self.db_version && peer.include_db_version();
        Self {
            db_version,
            delta: db_version && self.delta && peer.delta_lsp_sync(),
            triggered_initial: self.triggered_initial && peer.triggered_initial_sync(),
            triggered_resync: self.triggered_resync && peer.triggered_resync(),
        }
    }
}

/// Changes kept for incremental synchronization: removals beyond this
/// many make older versions ask for a full one.
const DELTA_LOG: usize = 4096;

/// What the PCC has for one PCE session.
#[derive(Clone, Copy, Debug, Default)]
struct PceSession {
    /// What RFC 8232 procedures apply on it.
    negotiated: SyncOptimizations,
    /// The LSP-DB-VERSION in the PCE's Open.
    pce_version: Option<u64>,
    /// F: the initial synchronization waits for the trigger.
    awaiting_trigger: bool,
}

/// A simulated PCC.
#[derive(Debug)]
pub struct SimPcc {
    lsps: BTreeMap<u32, SimLsp>,
    next_plsp: u32,
    up: Vec<bool>,
    sessions: Vec<PceSession>,
    /// RFC 8232 procedures offered.
    optimizations: SyncOptimizations,
    /// The LSP State Database version: raised by every change.
    version: u64,
    /// The version of each LSP's last change.
    changed: BTreeMap<u32, u64>,
    /// Removals: version and PLSP-ID, oldest first.
    removed: std::collections::VecDeque<(u64, u32)>,
    /// The oldest PCE version an incremental synchronization can start from.
    delta_floor: u64,
    /// Which PCE holds the delegation.
    delegate_to: Option<usize>,
    /// When the delegation moves (Redelegation Timeout running).
    redelegate_at: Option<Instant>,
    redelegation_timeout: Duration,
    out: Vec<SimOutput>,
    /// Every update received.
    pub record: Vec<UpdateRecord>,
    start: Instant,
    batch: usize,
}

/// The OPEN object of a simulated PCC: stateful with updates and
/// PCE-initiated LSPs, RSVP-TE and SR-TE with this MSD.
pub fn pcc_open(keepalive: u8, msd: u8) -> pcep::wire::object::Open {
    use pcep::wire::tlv::{PathSetupTypeCapability, SrPceCapability, StatefulCapability, SubTlv};
    pcep::wire::object::Open {
        keepalive,
        dead_timer: keepalive.saturating_mul(4),
        tlvs: vec![
            Tlv::StatefulPceCapability(StatefulCapability(
                StatefulCapability::UPDATE | StatefulCapability::INSTANTIATION,
            )),
            Tlv::PathSetupTypeCapability(Box::new(PathSetupTypeCapability {
                path_setup_types: vec![PathSetupType::RSVP_TE, PathSetupType::SR_TE],
                sub_tlvs: vec![SubTlv::SrPceCapability(SrPceCapability { flags: 0, msd })],
            })),
        ],
        ..pcep::wire::object::Open::default()
    }
}

impl SimPcc {
    /// A PCC with sessions to `pces` PCEs (in preference order).
    pub fn new(pces: usize, redelegation_timeout: Duration, start: Instant) -> Self {
        Self {
            lsps: BTreeMap::new(),
            next_plsp: 1,
            up: vec![false; pces],
            sessions: vec![PceSession::default(); pces],
            optimizations: SyncOptimizations::default(),
            version: 1,
            changed: BTreeMap::new(),
            removed: std::collections::VecDeque::new(),
            delta_floor: 1,
            delegate_to: None,
            redelegate_at: None,
            redelegation_timeout,
            out: Vec::new(),
            record: Vec::new(),
            start,
            batch: 64,
        }
    }

    /// Offer these RFC 8232 procedures (before any session comes up).
    #[must_use]
    pub const fn with_optimizations(mut self, optimizations: SyncOptimizations) -> Self {
        self.optimizations = optimizations;
        self
    }

    /// The RFC 8232 procedures offered.
    pub const fn optimizations(&self) -> SyncOptimizations {
        self.optimizations
    }

    /// The LSP State Database version.
    pub const fn db_version(&self) -> u64 {
        self.version
    }

    /// The Open for a new session: [`pcc_open`] with the RFC 8232 flags
    /// offered, and the database version when S is (§3.2).
    pub fn open(&self, keepalive: u8, msd: u8) -> pcep::wire::object::Open {
        let mut open = pcc_open(keepalive, msd);
        for t in &mut open.tlvs {
            if let Tlv::StatefulPceCapability(c) = t {
                c.0 |= self.optimizations.flags();
            }
        }
        if self.optimizations.db_version {
            open.tlvs.push(Tlv::LspDbVersion(self.version));
        }
        open
    }

    /// An LSP changed: the database version goes up.
    fn bump(&mut self, plsp_id: u32) {
        self.version += 1;
        self.changed.insert(plsp_id, self.version);
    }

    /// An LSP went away.
    fn bump_removed(&mut self, plsp_id: u32) {
        self.version += 1;
        self.changed.remove(&plsp_id);
        self.removed.push_back((self.version, plsp_id));
        while self.removed.len() > DELTA_LOG {
            if let Some((v, _)) = self.removed.pop_front() {
                self.delta_floor = v;
            }
        }
    }

    /// Count the record's times from `start`.
    pub fn restart_clock(&mut self, start: Instant) {
        self.start = start;
    }

    /// Add an LSP (reported at once on every session that is up).
    pub fn add_lsp(&mut self, mut lsp: SimLsp) -> u32 {
        let id = self.next_plsp;
        self.next_plsp += 1;
        lsp.plsp_id = id;
        self.lsps.insert(id, lsp);
        self.bump(id);
        self.report_all(&[id], false);
        id
    }

    /// Remove an LSP by name (a report with R=1 to every PCE).
    pub fn remove_lsp(&mut self, name: &str) -> bool {
        let Some(id) = self.id_of(name) else {
            return false;
        };
        if let Some(lsp) = self.lsps.remove(&id) {
            self.bump_removed(id);
            for pce in self.connected() {
                let mut r = self.report_of(&lsp, pce, false, 0);
                r.lsp.remove = true;
                self.send_reports(pce, vec![r]);
            }
        }
        true
    }

    /// Change an LSP's bandwidth (a report to every PCE).
    pub fn set_bandwidth(&mut self, name: &str, bandwidth: f32) -> bool {
        let Some(id) = self.id_of(name) else {
            return false;
        };
        if let Some(l) = self.lsps.get_mut(&id) {
            l.bandwidth = bandwidth;
        }
        self.bump(id);
        self.report_all(&[id], false);
        true
    }

    /// Report an LSP with another path (as if it moved locally): a PCE that
    /// holds its delegation answers with an update.
    pub fn perturb(&mut self, plsp_id: u32, ero: Vec<Subobject>) {
        if let Some(l) = self.lsps.get_mut(&plsp_id) {
            l.ero = ero;
            self.bump(plsp_id);
        }
        self.report_all(&[plsp_id], false);
    }

    fn id_of(&self, name: &str) -> Option<u32> {
        self.lsps
            .values()
            .find(|l| l.name == name)
            .map(|l| l.plsp_id)
    }

    /// The LSPs.
    pub fn lsps(&self) -> impl Iterator<Item = &SimLsp> {
        self.lsps.values()
    }

    /// Number of LSPs.
    pub fn len(&self) -> usize {
        self.lsps.len()
    }

    /// Whether it has no LSP.
    pub fn is_empty(&self) -> bool {
        self.lsps.is_empty()
    }

    /// Which PCE holds the delegation.
    pub const fn delegate(&self) -> Option<usize> {
        self.delegate_to
    }

    fn connected(&self) -> Vec<usize> {
        (0..self.up.len())
            .filter(|i| self.up.get(*i).copied().unwrap_or(false))
            .collect()
    }

    /// The next output.
    pub fn poll_output(&mut self) -> Option<SimOutput> {
        if self.out.is_empty() {
            None
        } else {
            Some(self.out.remove(0))
        }
    }

    /// Every pending output at once.
    pub fn drain(&mut self) -> Vec<SimOutput> {
        std::mem::take(&mut self.out)
    }

    /// When [`SimPcc::handle_timeout`] is due.
    pub const fn poll_timeout(&self) -> Option<Instant> {
        self.redelegate_at
    }

    /// The Redelegation Timeout expired: delegate to the best connected PCE.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.redelegate_at.is_some_and(|t| t <= now) {
            self.redelegate_at = None;
            self.delegate_to = self.connected().first().copied();
            if let Some(pce) = self.delegate_to {
                let ids: Vec<u32> = self.lsps.keys().copied().collect();
                let reports = ids
                    .iter()
                    .filter_map(|id| self.lsps.get(id))
                    .map(|l| self.report_of(l, pce, false, 0))
                    .collect();
                self.send_reports(pce, reports);
            }
        }
    }

    /// A session came up (RFC 8231 alone): synchronize on it.
    pub fn session_up(&mut self, pce: usize) {
        self.session_up_with(pce, &pcep::wire::object::Open::default());
    }

    /// A session came up; `pce_open` is the PCE's Open (its RFC 8232 flags
    /// and the LSP-DB-VERSION it holds for this PCC).
    pub fn session_up_with(&mut self, pce: usize, pce_open: &pcep::wire::object::Open) {
        if let Some(u) = self.up.get_mut(pce) {
            *u = true;
        }
        let peer_flags = pce_open
            .tlvs
            .iter()
            .find_map(|t| match t {
                Tlv::StatefulPceCapability(c) => Some(*c),
                _ => None,
            })
            .unwrap_or_default();
        let negotiated = self.optimizations.with_peer(peer_flags);
        let pce_version = pce_open.tlvs.iter().find_map(|t| match t {
            Tlv::LspDbVersion(v) => Some(*v),
            _ => None,
        });
        if let Some(s) = self.sessions.get_mut(pce) {
            *s = PceSession {
                negotiated,
                pce_version,
                awaiting_trigger: false,
            };
        }
        // The most preferred connected PCE holds the delegations (as FRR's
        // PCE precedence does): a better one coming up takes them over, and
        // the one losing them is told first (reports with D=0).
        let best = self.connected().first().copied();
        let previous = self.delegate_to;
        if (previous.is_none() && self.redelegate_at.is_none()) || best < previous {
            self.delegate_to = best;
            self.redelegate_at = None;
            if let Some(old) = previous.filter(|&o| o != pce) {
                let revoke: Vec<StateReport> = self
                    .lsps
                    .values()
                    .filter(|l| l.initiated_by.is_none())
                    .map(|l| self.report_of(l, old, false, 0))
                    .collect();
                self.send_reports(old, revoke);
            }
        }
        if negotiated.db_version && pce_version == Some(self.version) {
            // §3.2: the PCE holds this very database; no synchronization,
            // only the delegations this PCE is to hold.
            self.redelegate(pce, &BTreeSet::new());
            return;
        }
        if negotiated.triggered_initial {
            if let Some(s) = self.sessions.get_mut(pce) {
                s.awaiting_trigger = true;
            }
            return;
        }
        self.synchronize(pce, false);
    }

    /// The initial synchronization on a session: incremental when both set
    /// D and the PCE's version is one the changes are known since (§3.3),
    /// else every LSP; then the end-of-synchronization marker.
    fn synchronize(&mut self, pce: usize, full: bool) {
        let s = self.sessions.get(pce).copied().unwrap_or_default();
        let since = s.pce_version.filter(|v| {
            !full && s.negotiated.delta && *v >= self.delta_floor && *v <= self.version
        });
        let mut reported = BTreeSet::new();
        let mut reports = Vec::new();
        for l in self.lsps.values() {
            let changed = self.changed.get(&l.plsp_id).copied().unwrap_or(u64::MAX);
            if since.is_none_or(|v| changed > v) {
                reported.insert(l.plsp_id);
                reports.push(self.report_of(l, pce, true, 0));
            }
        }
        if let Some(v) = since {
            for &(version, plsp_id) in &self.removed {
                if version > v {
                    let mut r = StateReport {
                        lsp: Lsp {
                            plsp_id,
                            sync: true,
                            remove: true,
                            ..Lsp::default()
                        },
                        ..StateReport::default()
                    };
                    self.versioned(pce, &mut r.lsp);
                    reports.push(r);
                }
            }
        }
        self.send_reports(pce, reports);
        self.end_of_sync(pce);
        if since.is_some() {
            self.redelegate(pce, &reported);
        }
    }

    fn end_of_sync(&mut self, pce: usize) {
        let mut eos = Lsp::end_of_sync();
        self.versioned(pce, &mut eos);
        self.send_reports(
            pce,
            vec![StateReport {
                lsp: eos,
                ..StateReport::default()
            }],
        );
    }

    /// Ordinary reports of the LSPs delegated to `pce` that a skipped or
    /// incremental synchronization did not carry (`except`): delegation
    /// is not part of the database version, so the PCE learns it this way.
    fn redelegate(&mut self, pce: usize, except: &BTreeSet<u32>) {
        let reports = self
            .lsps
            .values()
            .filter(|l| !except.contains(&l.plsp_id) && self.target(l) == Some(pce))
            .map(|l| self.report_of(l, pce, false, 0))
            .collect();
        self.send_reports(pce, reports);
    }

    /// LSP-DB-VERSION in an LSP object, where S applies: the version at
    /// which the LSP's reported state came to be (the database's version
    /// for the end-of-sync marker and removals). A synchronization
    /// re-sends old states with their own versions, so that the same state
    /// carries the same version on every session, and a peer PCE that
    /// compares versions (draft-ietf-pce-state-sync §3.4) sees one state.
    fn versioned(&self, pce: usize, lsp: &mut Lsp) {
        if self
            .sessions
            .get(pce)
            .is_some_and(|s| s.negotiated.db_version)
        {
            let v = if lsp.plsp_id == 0 || lsp.remove {
                self.version
            } else {
                self.changed
                    .get(&lsp.plsp_id)
                    .copied()
                    .unwrap_or(self.version)
            };
            lsp.tlvs.push(Tlv::LspDbVersion(v));
        }
    }

    /// A PCUpd with S=1 (RFC 8232 §3.4, §3.5): PLSP-ID 0 triggers the
    /// initial synchronization (F) or a resynchronization of every LSP
    /// (T); another PLSP-ID resynchronizes that LSP (T). What it answered.
    fn trigger(&mut self, pce: usize, srp: &Srp, lsp: &Lsp) -> String {
        let s = self.sessions.get(pce).copied().unwrap_or_default();
        if lsp.plsp_id == 0 && s.awaiting_trigger {
            if let Some(s) = self.sessions.get_mut(pce) {
                s.awaiting_trigger = false;
            }
            self.synchronize(pce, false);
            return "initial sync".into();
        }
        if !s.negotiated.triggered_resync {
            self.error(pce, PcErrCode::TRIGGER_WITHOUT_CAPABILITY, srp, Some(lsp));
            return "PCErr 20/4".into();
        }
        if lsp.plsp_id == 0 {
            self.synchronize(pce, true);
            return "resync".into();
        }
        let Some(l) = self.lsps.get(&lsp.plsp_id) else {
            self.error(pce, PcErrCode::UNKNOWN_PLSP_ID, srp, Some(lsp));
            return "PCErr 19/3".into();
        };
        let r = self.report_of(l, pce, true, srp.srp_id);
        self.send_reports(pce, vec![r]);
        self.end_of_sync(pce);
        "resync".into()
    }

    /// A session went down.
    pub fn session_down(&mut self, pce: usize, now: Instant) {
        if let Some(u) = self.up.get_mut(pce) {
            *u = false;
        }
        if self.delegate_to == Some(pce) {
            self.delegate_to = None;
            self.redelegate_at = Some(now + self.redelegation_timeout);
            if self.redelegation_timeout.is_zero() {
                self.handle_timeout(now);
            }
        }
    }

    fn report_all(&mut self, ids: &[u32], sync: bool) {
        for pce in self.connected() {
            let reports = ids
                .iter()
                .filter_map(|id| self.lsps.get(id))
                .map(|l| self.report_of(l, pce, sync, 0))
                .collect();
            self.send_reports(pce, reports);
        }
    }

    fn send_reports(&mut self, pce: usize, reports: Vec<StateReport>) {
        // A PCE whose trigger is awaited gets the state in the
        // synchronization it triggers, not before (RFC 8232 §3.4).
        if self.sessions.get(pce).is_some_and(|s| s.awaiting_trigger) {
            return;
        }
        let mut it = reports.into_iter().peekable();
        while it.peek().is_some() {
            let chunk: Vec<StateReport> = it.by_ref().take(self.batch).collect();
            self.out.push(SimOutput::Send {
                pce,
                message: Message::PcRpt(PcRpt { reports: chunk }),
            });
        }
    }

    /// The PCE an LSP is delegated to: its initiating PCE while that one is
    /// connected, else the PCC's current choice.
    fn target(&self, l: &SimLsp) -> Option<usize> {
        if !l.delegate {
            return None;
        }
        l.initiated_by
            .filter(|p| self.up.get(*p).copied().unwrap_or(false))
            .or(self.delegate_to)
    }

    fn report_of(&self, l: &SimLsp, pce: usize, sync: bool, srp_id: u32) -> StateReport {
        let delegated = self.target(l) == Some(pce);
        let mut srp = None;
        if l.sr || srp_id != 0 {
            let mut s = Srp {
                srp_id,
                ..Srp::default()
            };
            if l.sr {
                s.tlvs.push(Tlv::PathSetupType(PathSetupType::SR_TE));
            }
            srp = Some(s);
        }
        let mut r = StateReport {
            srp,
            lsp: Lsp {
                plsp_id: l.plsp_id,
                delegate: delegated,
                sync,
                administrative: true,
                operational: OperationalStatus(1),
                create: l.initiated_by.is_some(),
                tlvs: vec![
                    Tlv::SymbolicPathName(Bytes::from(l.name.clone().into_bytes())),
                    Tlv::Ipv4LspIdentifiers(Ipv4LspIdentifiers {
                        sender: l.source,
                        lsp_id: 1,
                        tunnel_id: (l.plsp_id & 0xffff) as u16,
                        extended_tunnel_id: l.source,
                        endpoint: l.destination,
                    }),
                ],
                ..Lsp::default()
            },
            associations: l
                .disjoint_group
                .map(|g| Association {
                    header: HeaderFlags::default(),
                    association_flags: 0,
                    association_type: AssociationType::DISJOINT,
                    association_id: g.id,
                    source: g.source,
                    tlvs: vec![Tlv::DisjointnessConfiguration(DisjointnessFlags(g.flags))],
                })
                .into_iter()
                .collect(),
            ero: Ero::new(l.ero.clone()),
            actual: None,
            intended: Attributes {
                bandwidth: (l.bandwidth > 0.0).then_some(Bandwidth {
                    bandwidth: l.bandwidth,
                    ..Bandwidth::default()
                }),
                ..Attributes::default()
            },
            unknown: Vec::new(),
        };
        self.versioned(pce, &mut r.lsp);
        r
    }

    fn error(&mut self, pce: usize, code: PcErrCode, srp: &Srp, lsp: Option<&Lsp>) {
        self.out.push(SimOutput::Send {
            pce,
            message: Message::PcErr(PcErr {
                errors: vec![ErrorUnit {
                    srps: vec![Srp {
                        tlvs: Vec::new(),
                        ..srp.clone()
                    }],
                    errors: vec![PcepError::new(code)],
                    lsps: lsp.map(|l| vec![l.clone()]).unwrap_or_default(),
                    ..ErrorUnit::default()
                }],
                open: None,
            }),
        });
    }

    /// A message from PCE `pce`.
    pub fn handle_message(&mut self, pce: usize, message: &Message, now: Instant) {
        let at_ms = now.saturating_duration_since(self.start).as_secs_f64() * 1e3;
        match message {
            Message::PcUpd(upd) => {
                for u in &upd.updates {
                    let answer = if u.lsp.sync {
                        self.trigger(pce, &u.srp, &u.lsp)
                    } else {
                        self.apply_update(pce, &u.srp, &u.lsp, &u.ero.subobjects)
                    };
                    let name = self
                        .lsps
                        .get(&u.lsp.plsp_id)
                        .map(|l| l.name.clone())
                        .unwrap_or_default();
                    self.record.push(UpdateRecord {
                        at_ms,
                        pce,
                        plsp_id: u.lsp.plsp_id,
                        name,
                        srp_id: u.srp.srp_id,
                        path: u.ero.subobjects.iter().map(ToString::to_string).collect(),
                        answer,
                    });
                }
            }
            Message::PcInitiate(init) => {
                for r in &init.requests {
                    self.initiate(pce, r);
                }
            }
            _ => {}
        }
    }

    fn apply_update(&mut self, pce: usize, srp: &Srp, lsp: &Lsp, ero: &[Subobject]) -> String {
        let delegated_here = self
            .lsps
            .get(&lsp.plsp_id)
            .is_some_and(|l| self.target(l) == Some(pce));
        let Some(l) = self.lsps.get_mut(&lsp.plsp_id) else {
            self.error(pce, PcErrCode::UNKNOWN_PLSP_ID, srp, Some(lsp));
            return "PCErr 19/3".into();
        };
        if !delegated_here {
            self.error(pce, PcErrCode::NOT_DELEGATED, srp, Some(lsp));
            return "PCErr 19/1".into();
        }
        if !lsp.delegate {
            // The PCE returns the delegation (RFC 8231 §5.7.3).
            l.delegate = false;
        }
        if !ero.is_empty() {
            l.ero = ero.to_vec();
        }
        l.updates += 1;
        let id = l.plsp_id;
        self.bump(id);
        // The acknowledgement goes to every PCE (each holds the state); the
        // SRP-ID only to the PCE that sent the update.
        for p in self.connected() {
            let Some(l) = self.lsps.get(&id) else {
                break;
            };
            let r = self.report_of(l, p, false, if p == pce { srp.srp_id } else { 0 });
            self.send_reports(p, vec![r]);
        }
        "ack".into()
    }

    fn initiate(&mut self, pce: usize, r: &pcep::wire::InitiateRequest) {
        if r.srp.remove() {
            let Some(l) = self.lsps.get(&r.lsp.plsp_id) else {
                self.error(pce, PcErrCode::UNKNOWN_PLSP_ID, &r.srp, Some(&r.lsp));
                return;
            };
            if l.initiated_by.is_none() {
                self.error(pce, PcErrCode::NOT_PCE_INITIATED, &r.srp, Some(&r.lsp));
                return;
            }
            let Some(l) = self.lsps.remove(&r.lsp.plsp_id) else {
                return;
            };
            self.bump_removed(l.plsp_id);
            for p in self.connected() {
                let mut rep = self.report_of(&l, p, false, if p == pce { r.srp.srp_id } else { 0 });
                rep.lsp.remove = true;
                if p == pce {
                    if let Some(s) = rep.srp.as_mut() {
                        s.srp_flags |= Srp::REMOVE;
                    }
                }
                self.send_reports(p, vec![rep]);
            }
            return;
        }
        if r.lsp.plsp_id != 0 {
            self.error(pce, PcErrCode::NON_ZERO_PLSP_ID, &r.srp, Some(&r.lsp));
            return;
        }
        let Some(name) = r.lsp.symbolic_name() else {
            self.error(
                pce,
                PcErrCode::SYMBOLIC_PATH_NAME_MISSING,
                &r.srp,
                Some(&r.lsp),
            );
            return;
        };
        let name = String::from_utf8_lossy(name).into_owned();
        if self.id_of(&name).is_some() {
            self.error(
                pce,
                PcErrCode::SYMBOLIC_PATH_NAME_IN_USE,
                &r.srp,
                Some(&r.lsp),
            );
            return;
        }
        let Some(pcep::wire::object::EndPoints::Ipv4 {
            source,
            destination,
            ..
        }) = r.end_points
        else {
            self.error(
                pce,
                PcErrCode::UNACCEPTABLE_INSTANTIATION,
                &r.srp,
                Some(&r.lsp),
            );
            return;
        };
        let id = self.next_plsp;
        self.next_plsp += 1;
        let lsp = SimLsp {
            plsp_id: id,
            name,
            source,
            destination,
            sr: r.srp.path_setup_type() == PathSetupType::SR_TE,
            bandwidth: r.attributes.bandwidth.map_or(0.0, |b| b.bandwidth),
            delegate: true,
            initiated_by: Some(pce),
            ero: r
                .ero
                .as_ref()
                .map(|e| e.subobjects.clone())
                .unwrap_or_default(),
            updates: 0,
            disjoint_group: r
                .associations
                .iter()
                .find(|a| a.association_type == AssociationType::DISJOINT)
                .map(|a| DisjointGroup {
                    id: a.association_id,
                    source: a.source,
                    // As the PCE configured it; link disjointness when it
                    // said nothing (RFC 8800 §5.2's default).
                    flags: a
                        .disjointness_configuration()
                        .map_or(DisjointnessFlags::LINK, |f| f.0),
                }),
        };
        // The initiating PCE holds the delegation of what it initiated.
        self.lsps.insert(id, lsp);
        self.bump(id);
        for p in self.connected() {
            let Some(l) = self.lsps.get(&id) else {
                break;
            };
            let rep = self.report_of(l, p, false, if p == pce { r.srp.srp_id } else { 0 });
            self.send_reports(p, vec![rep]);
        }
    }
}
