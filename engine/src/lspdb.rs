//! The LSP database: every LSP the PCCs report, keyed by (PCC, PLSP-ID),
//! with an index by (PCC, symbolic path name), the name being the stable key
//! across sessions (RFC 8231 §7.3.2).
//!
//! Plain data, owned by the core (its only writer), and persistent: its
//! maps are `imbl`'s (a B-tree and a hash trie whose nodes are shared
//! between versions), so [`Clone`] is O(1) and a clone is an immutable
//! snapshot. The shell publishes one after each batch of inputs for the
//! API, which reads it without a lock and always sees one consistent
//! version; a change after a snapshot copies the few nodes on its path (and
//! the entry itself, behind its `Arc`), not the database.
//!
//! Reports are applied as RFC 8231 §5.6-5.7 and §6.1 describe:
//! * S=1 reports during state synchronization, then the end-of-sync marker
//!   (PLSP-ID 0, S=0);
//! * R=1 removes the LSP;
//! * a report replaces the LSP's whole reported state (the PCC reports all
//!   of it every time);
//! * the first report of an LSP must name it (SYMBOLIC-PATH-NAME).

use std::net::IpAddr;

use std::sync::Arc;

use ahash::RandomState;
use bytes::Bytes;
use imbl::OrdMap;
use pcep::wire::{Message, StateReport, WireConfig};
use serde::Serialize;

/// The PCC an LSP belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PccId {
    /// A PCC with a session to this PCE, or one a peer PCE names by the
    /// text of an address: its session address.
    Addr(IpAddr),
    /// A PCC a peer PCE names by another SPEAKER-ENTITY-ID (RFC 8232
    /// §4.1.1: a variable-length identifier), that no PCC of ours
    /// advertised: known only through peers.
    Named(SpeakerName),
}

impl PccId {
    /// Its session address, if it is known by one.
    pub const fn addr(self) -> Option<IpAddr> {
        match self {
            Self::Addr(a) => Some(a),
            Self::Named(_) => None,
        }
    }
}

impl std::fmt::Display for PccId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Addr(a) => a.fmt(f),
            Self::Named(n) => n.fmt(f),
        }
    }
}

impl Serialize for PccId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A SPEAKER-ENTITY-ID as a key that copies like an address: up to
/// [`SpeakerName::INLINE`] bytes are kept as they are; a longer one keeps
/// its first bytes and a hash of the whole (FNV-1a 64, stable from run to
/// run), its bytes being kept by whoever must send it again.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpeakerName {
    /// Length, or `u8::MAX` for a hashed name.
    len: u8,
    bytes: [u8; Self::INLINE],
}

impl SpeakerName {
    /// Longest name kept whole.
    pub const INLINE: usize = 32;
    const PREFIX: usize = Self::INLINE - 8;

    /// The key of `id` (not empty: the codec refuses an empty one).
    pub fn new(id: &[u8]) -> Self {
        let mut bytes = [0u8; Self::INLINE];
        if let Ok(len) = u8::try_from(id.len()) {
            if id.len() <= Self::INLINE {
                for (b, x) in bytes.iter_mut().zip(id) {
                    *b = *x;
                }
                return Self { len, bytes };
            }
        }
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in id {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let tail = h.to_be_bytes();
        for (b, x) in bytes
            .iter_mut()
            .zip(id.iter().take(Self::PREFIX).chain(&tail))
        {
            *b = *x;
        }
        Self {
            len: u8::MAX,
            bytes,
        }
    }

    /// The key as bytes (its length mark, then the inline bytes): what
    /// [`SpeakerName::from_raw`] takes back (API cursors).
    pub fn to_raw(&self) -> [u8; Self::INLINE + 1] {
        let mut raw = [0u8; Self::INLINE + 1];
        raw[0] = self.len;
        raw[1..].copy_from_slice(&self.bytes);
        raw
    }

    /// The key [`SpeakerName::to_raw`] gave.
    pub fn from_raw(raw: [u8; Self::INLINE + 1]) -> Self {
        let mut bytes = [0u8; Self::INLINE];
        bytes.copy_from_slice(&raw[1..]);
        Self { len: raw[0], bytes }
    }

    /// The name itself, when it was short enough to be kept whole.
    pub fn bytes(&self) -> Option<&[u8]> {
        if self.len == u8::MAX {
            return None;
        }
        self.bytes.get(..usize::from(self.len))
    }
}

impl std::fmt::Display for SpeakerName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (shown, hashed) = match self.bytes() {
            Some(b) => (b, &[][..]),
            None => self.bytes.split_at(Self::PREFIX),
        };
        match std::str::from_utf8(shown) {
            Ok(t) if t.chars().all(|c| !c.is_control()) => write!(f, "speaker:{t}")?,
            _ => {
                f.write_str("speaker:0x")?;
                for b in shown {
                    write!(f, "{b:02x}")?;
                }
            }
        }
        if !hashed.is_empty() {
            f.write_str("...#")?;
            for b in hashed {
                write!(f, "{b:02x}")?;
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for SpeakerName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// An LSP's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct LspKey {
    /// Its PCC.
    pub pcc: PccId,
    /// PLSP-ID, as the PCC assigned it for the current session.
    pub plsp_id: u32,
}

/// What the database holds for an LSP.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LspEntry {
    /// The symbolic path name.
    #[serde(serialize_with = "name_text")]
    pub name: Bytes,
    /// The last report, whole (flags, ERO/RRO, bandwidth, metrics, LSPA,
    /// associations, LSP identifiers and DB version in its TLVs), kept in
    /// its wire form ([`LspEntry::report`] decodes it): about 150 bytes
    /// where the decoded form takes 400 and more, which is what keeps a
    /// 100,000-LSP database small.
    #[serde(rename = "report", serialize_with = "wire_report")]
    pub wire: Bytes,
    /// Reports received for this LSP.
    pub reports: u64,
    /// What this PCE does with it (delegation, computed path, pending
    /// update); kept across reports, set by the engine core.
    pub control: Control,
}

/// This PCE's control of an LSP (RFC 8231 §5.7, RFC 8281).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Control {
    /// Delegated to this PCE (D=1 in the PCC's last report on its session
    /// to us).
    pub delegated: bool,
    /// PCE-initiated (C=1).
    pub initiated: bool,
    /// The last path this PCE sent (PCUpd or PCInitiate).
    pub computed: Option<Vec<pcep::wire::object::Subobject>>,
    /// The SRP-ID of the update waiting for its acknowledging report.
    pub pending_srp: Option<u32>,
    /// The SRP-ID of the last acknowledged update.
    pub acked_srp: Option<u32>,
    /// Updates in a row that were not acknowledged in time (reset by an
    /// acknowledgement).
    pub unacknowledged: u32,
    /// Updates sent.
    pub updates: u64,
    /// The last computation found no path (the LSP keeps its path).
    pub no_path: bool,
    /// The last computation's answer is proven: the path sent optimal, or
    /// no path at all; else the best found within the search limits (a
    /// feasible path is still sent).
    pub proven: bool,
    /// The last PCErr the PCC answered an update or initiation with.
    pub error: Option<pcep::wire::PcErrCode>,
    /// What inter-PCE state synchronization knows of it (only with
    /// state-sync configured; written by `pce::inter_pce` alone).
    pub inter: Option<Box<InterPceLsp>>,
    /// The disjointness its group achieved when this PCE last computed it
    /// (DISJOINTNESS-STATUS flags, RFC 8800).
    pub disjointness_status: Option<u32>,
}

/// What inter-PCE state synchronization (draft-ietf-pce-state-sync) knows
/// of an LSP: where its state was learned, how fresh it is, who computes
/// it. Boxed in [`Control`] and present only with state-sync, so that a
/// PCE without peers does not carry it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InterPceLsp {
    /// Where this state was learned (draft-ietf-pce-state-sync §3.4): the
    /// PCC itself and/or peer PCEs; the state goes when no source is left.
    pub sources: Vec<Source>,
    /// The freshest LSP-DB-VERSION of the owner PCC seen for this state
    /// (directly, or as ORIGINAL-LSP-DB-VERSION from a peer).
    pub version: Option<u64>,
    /// The PCC delegated it to this PCE directly (D=1 on its session).
    pub pcc_delegated: bool,
    /// Sub-delegated by this PCE to the computing PCE (§3.5).
    pub sub_delegated_to: Option<std::net::IpAddr>,
    /// Sub-delegated to this PCE by that peer, which holds the PCC's
    /// delegation.
    pub delegated_by: Option<std::net::IpAddr>,
    /// The peer PCE seen updating it (its PCUpd copies with D=0).
    pub computed_by: Option<std::net::IpAddr>,
}

/// No inter-PCE state: what [`Control::inter`] gives without it.
static NO_INTER_PCE: InterPceLsp = InterPceLsp {
    sources: Vec::new(),
    version: None,
    pcc_delegated: false,
    sub_delegated_to: None,
    delegated_by: None,
    computed_by: None,
};

impl Control {
    /// Its inter-PCE state (empty without state-sync).
    pub fn inter(&self) -> &InterPceLsp {
        self.inter.as_deref().unwrap_or(&NO_INTER_PCE)
    }

    /// Its inter-PCE state, to change (created on first use).
    pub fn inter_mut(&mut self) -> &mut InterPceLsp {
        self.inter.get_or_insert_with(Box::default)
    }

    /// The peer PCE that sub-delegated the LSP to us: updates go to the
    /// PCC through it (draft-ietf-pce-state-sync §3.5).
    pub fn via_peer(&self) -> Option<std::net::IpAddr> {
        self.inter.as_ref().and_then(|i| i.delegated_by)
    }
}

/// A source of an LSP's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Its PCC, on a PCC session.
    Pcc,
    /// A peer PCE, on a state-sync session.
    Peer(std::net::IpAddr),
}

impl LspEntry {
    /// The last report as received.
    pub fn report(&self) -> StateReport {
        decode_report(&self.wire).unwrap_or_default()
    }

    /// The PCE computing it, as far as this PCE (`me`) knows: the one it
    /// sub-delegated to, else itself when it is delegated to it, else the
    /// peer seen updating it.
    pub fn computing_pce(&self, me: Option<std::net::IpAddr>) -> Option<std::net::IpAddr> {
        let inter = self.control.inter();
        inter
            .sub_delegated_to
            .or_else(|| self.control.delegated.then_some(me).flatten())
            .or(inter.computed_by)
    }
}

/// The wire configuration the database stores reports in (encoded and
/// decoded with the same one, whatever the sessions use).
fn store() -> WireConfig {
    WireConfig::default()
}

fn encode_report(report: &StateReport) -> Option<Bytes> {
    Message::report_to_bytes(report, &store()).ok()
}

pub(crate) fn decode_report(wire: &Bytes) -> Option<StateReport> {
    match Message::decode(wire.clone(), &store()) {
        Ok(Message::PcRpt(mut r)) => r.reports.pop(),
        _ => None,
    }
}

fn wire_report<S: serde::Serializer>(b: &Bytes, s: S) -> Result<S::Ok, S::Error> {
    decode_report(b).serialize(s)
}

fn name_text<S: serde::Serializer>(b: &Bytes, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(b))
}

/// The result of applying a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Applied {
    /// A new LSP.
    Created(LspKey),
    /// An existing LSP's state changed.
    Updated(LspKey),
    /// The LSP was removed (R=1).
    Removed(LspKey),
    /// The end-of-synchronization marker.
    EndOfSync,
}

/// A report the database cannot apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum ReportError {
    /// The first report of an LSP has no SYMBOLIC-PATH-NAME (RFC 8231 §7.3.2).
    #[error("first report of PLSP-ID {0} has no SYMBOLIC-PATH-NAME")]
    Unnamed(u32),
    /// The report does not encode again (it cannot be stored).
    #[error("report of PLSP-ID {0} cannot be stored")]
    Unstorable(u32),
    /// A reserved PLSP-ID (0xFFFFF), or 0 outside the end-of-sync marker
    /// (with S=1, R=1 or a path).
    #[error("reserved PLSP-ID {0}")]
    ReservedPlspId(u32),
    /// The name is already used by another LSP of the same PCC
    /// (RFC 8231 §7.3.2: unique per PCC).
    #[error("symbolic name already used by PLSP-ID {0}")]
    NameInUse(u32),
}

/// The database: the core's, its only writer.
#[derive(Clone, Debug, Default)]
pub struct LspDb {
    /// The LSPs, persistent: [`LspDb::snapshot`] is O(1).
    lsps: LspSnapshot,
    /// (PCC, name) -> PLSP-ID, the core's own index (snapshots find a name
    /// in the PCC's range instead: a persistent hash index would be copied
    /// node by node after each snapshot, its keys being spread by their
    /// hash; measured as a third of a 65,535-LSP sync). ahash: names come
    /// from the network, so a keyed hash (not FxHash), but much faster than
    /// SipHash. Behind an `Arc`, changed in place: a copy of the core (a
    /// dry run, a plan's scenario) shares it until one of them adds or
    /// removes a name.
    names: Arc<std::collections::HashMap<(PccId, Bytes), u32, RandomState>>,
    /// How many LSPs each PCC has (for its limit, in O(1)); shared as
    /// `names`.
    counts: Arc<std::collections::HashMap<PccId, usize, RandomState>>,
}

/// An immutable version of the LSPs (a clone of [`LspDb`]'s, O(1)): what
/// the API reads, without a lock, while the core goes on.
#[derive(Clone, Debug, Default)]
pub struct LspSnapshot {
    /// By (PCC, PLSP-ID), in order: a PCC's LSPs are one range (sync,
    /// purge and State Timeout cost that PCC's LSPs, not the database), and
    /// listings come out sorted. Entries behind an `Arc`: a snapshot shares
    /// them, a change copies only the entry it changes.
    map: OrdMap<LspKey, Arc<LspEntry>>,
    /// Each PCC's LSP-DB-VERSION as of its last report (RFC 8232), while
    /// its LSPs are held: what this PCE puts in its Open to that PCC.
    versions: OrdMap<PccId, u64>,
    /// The LSPs counted by state, as they change.
    tally: Tally,
}

/// LSPs counted by their state, kept as the database changes (what
/// `/metrics` reports without going through the LSPs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Delegated to this PCE (it computes them).
    pub delegated: usize,
    /// PCE-initiated.
    pub initiated: usize,
    /// Delegated, and their last computation found no path.
    pub without_path: usize,
}

/// What of an entry [`Tally`] counts.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Counted(bool, bool, bool);

impl Counted {
    fn of(c: &Control) -> Self {
        Self(c.delegated, c.initiated, c.delegated && c.no_path)
    }
}

impl Tally {
    fn count(&mut self, c: Counted, add: bool) {
        for (n, set) in [
            (&mut self.delegated, c.0),
            (&mut self.initiated, c.1),
            (&mut self.without_path, c.2),
        ] {
            if set {
                if add {
                    *n += 1;
                } else {
                    *n -= 1;
                }
            }
        }
    }
}

impl LspSnapshot {
    /// Number of LSPs.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether it holds no LSP.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// An LSP's entry (shared: a reference count).
    pub fn get(&self, key: &LspKey) -> Option<Arc<LspEntry>> {
        self.map.get(key).cloned()
    }

    /// Run `f` on an LSP's entry, read-only.
    pub fn with<R>(&self, key: &LspKey, f: impl FnOnce(&LspEntry) -> R) -> Option<R> {
        self.map.get(key).map(|e| f(e))
    }

    /// The LSP a PCC reports under `name` (a search of that PCC's LSPs).
    pub fn by_name(&self, pcc: PccId, name: &[u8]) -> Option<LspKey> {
        self.range(pcc)
            .find(|(_, e)| e.name.as_ref() == name)
            .map(|(k, _)| *k)
    }

    /// A PCC's LSPs, by PLSP-ID.
    pub fn range(&self, pcc: PccId) -> impl Iterator<Item = (&LspKey, &Arc<LspEntry>)> {
        self.map.range(
            LspKey { pcc, plsp_id: 0 }..=LspKey {
                pcc,
                plsp_id: u32::MAX,
            },
        )
    }

    /// Every key of a PCC's LSPs, by PLSP-ID.
    pub fn of_pcc(&self, pcc: PccId) -> Vec<LspKey> {
        self.range(pcc).map(|(k, _)| *k).collect()
    }

    /// The LSPs after `after` (all, without it), in key order; only
    /// `pcc`'s, with it (a page of a listing: O(log n) to its start).
    pub fn after(
        &self,
        after: Option<LspKey>,
        pcc: Option<PccId>,
    ) -> impl Iterator<Item = (&LspKey, &Arc<LspEntry>)> {
        use std::ops::Bound::{Excluded, Included, Unbounded};
        let last = |p| LspKey {
            pcc: p,
            plsp_id: u32::MAX,
        };
        let start = match (after, pcc) {
            (Some(a), Some(p)) if a.pcc < p => Included(LspKey { pcc: p, plsp_id: 0 }),
            // Past the PCC's range: nothing (an empty range, not a reversed one).
            (Some(a), Some(p)) if a.pcc > p => Excluded(last(p)),
            (Some(a), _) => Excluded(a),
            (None, Some(p)) => Included(LspKey { pcc: p, plsp_id: 0 }),
            (None, None) => Unbounded,
        };
        let end = pcc.map_or(Unbounded, |p| Included(last(p)));
        self.map.range((start, end))
    }

    /// Every key, sorted (deterministic output for snapshots and APIs).
    pub fn keys(&self) -> Vec<LspKey> {
        self.map.keys().copied().collect()
    }

    /// Every LSP, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&LspKey, &Arc<LspEntry>)> {
        self.map.iter()
    }

    /// What changed from this version to `after` (the entries they do not
    /// share: it costs the changes, not the database).
    pub fn diff<'a>(
        &'a self,
        after: &'a Self,
    ) -> impl Iterator<Item = imbl::ordmap::DiffItem<'a, 'a, LspKey, Arc<LspEntry>>> {
        self.map.diff(&after.map)
    }

    /// The LSPs counted by state (O(1)).
    pub fn tally(&self) -> Tally {
        self.tally
    }

    /// Whether `other` is this very version (nothing changed between
    /// them): O(1).
    pub fn same_version(&self, other: &Self) -> bool {
        self.map.ptr_eq(&other.map) && self.versions.ptr_eq(&other.versions)
    }

    /// A PCC's LSP-DB-VERSION, if its database is held (RFC 8232 §3.2:
    /// what this PCE's Open to it carries, so that it may skip its
    /// synchronization).
    pub fn db_version(&self, pcc: PccId) -> Option<u64> {
        self.versions.get(&pcc).copied()
    }
}

impl LspDb {
    /// An empty database.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current version, immutable (O(1)).
    pub fn snapshot(&self) -> LspSnapshot {
        self.lsps.clone()
    }

    /// Whether `snapshot` is the current version (nothing changed since).
    pub fn is_current(&self, snapshot: &LspSnapshot) -> bool {
        self.lsps.same_version(snapshot)
    }

    /// Number of LSPs.
    pub fn len(&self) -> usize {
        self.lsps.len()
    }

    /// Whether it holds no LSP.
    pub fn is_empty(&self) -> bool {
        self.lsps.is_empty()
    }

    /// Apply a report from `pcc` (stored in its wire form).
    pub fn apply(&mut self, pcc: PccId, report: &StateReport) -> Result<Applied, ReportError> {
        let lsp = &report.lsp;
        // The marker (RFC 8231 §5.6): PLSP-ID 0, S=0 and an empty ERO; a
        // PLSP-ID 0 otherwise (R=1, a path) is a reserved PLSP-ID.
        if lsp.is_end_of_sync() && !lsp.remove && report.ero.subobjects.is_empty() {
            return Ok(Applied::EndOfSync);
        }
        if lsp.plsp_id == 0 || lsp.plsp_id >= pcep::wire::object::Lsp::PLSP_ID_MAX {
            return Err(ReportError::ReservedPlspId(lsp.plsp_id));
        }
        let key = LspKey {
            pcc,
            plsp_id: lsp.plsp_id,
        };
        if lsp.remove {
            // Removing an LSP we never knew: nothing to do.
            self.remove(&key);
            return Ok(Applied::Removed(key));
        }
        let name = match (lsp.symbolic_name(), self.lsps.map.get(&key)) {
            // An owned copy: a slice would keep the whole receive buffer it
            // was decoded from alive for the LSP's lifetime.
            (Some(n), _) => Bytes::copy_from_slice(n),
            (None, Some(existing)) => existing.name.clone(),
            (None, None) => return Err(ReportError::Unnamed(lsp.plsp_id)),
        };
        let plsp_id = lsp.plsp_id;
        // Encoded before the name is indexed: a report that cannot be
        // stored must not leave its name "in use".
        let wire = encode_report(report).ok_or(ReportError::Unstorable(plsp_id))?;
        // The name is unique per PCC: a different PLSP-ID holding it is a
        // conflict (a restarted PCC re-reports under new PLSP-IDs only after
        // its old state was purged).
        match self.names.get(&(pcc, name.clone())) {
            Some(&held) if held != plsp_id => return Err(ReportError::NameInUse(held)),
            Some(_) => {}
            None => {
                Arc::make_mut(&mut self.names).insert((pcc, name.clone()), plsp_id);
            }
        }
        let created = match self.lsps.map.get_mut(&key) {
            Some(e) => {
                let e = Arc::make_mut(e);
                if e.name != name {
                    let old = std::mem::replace(&mut e.name, name);
                    Arc::make_mut(&mut self.names).remove(&(pcc, old));
                }
                e.wire = wire;
                e.reports += 1;
                false
            }
            None => {
                *Arc::make_mut(&mut self.counts).entry(pcc).or_default() += 1;
                self.lsps.map.insert(
                    key,
                    Arc::new(LspEntry {
                        name,
                        wire,
                        reports: 1,
                        control: Control::default(),
                    }),
                );
                true
            }
        };
        Ok(if created {
            Applied::Created(key)
        } else {
            Applied::Updated(key)
        })
    }

    /// An LSP's entry (shared with the database: a reference count).
    pub fn get(&self, key: &LspKey) -> Option<Arc<LspEntry>> {
        self.lsps.get(key)
    }

    /// Run `f` on an LSP's entry, to change it (copied first if a snapshot
    /// shares it).
    pub fn with_mut<R>(&mut self, key: &LspKey, f: impl FnOnce(&mut LspEntry) -> R) -> Option<R> {
        let e = Arc::make_mut(self.lsps.map.get_mut(key)?);
        let before = Counted::of(&e.control);
        let r = f(e);
        let after = Counted::of(&e.control);
        if before != after {
            self.lsps.tally.count(before, false);
            self.lsps.tally.count(after, true);
        }
        Some(r)
    }

    /// Run `f` on an LSP's entry, read-only.
    pub fn with<R>(&self, key: &LspKey, f: impl FnOnce(&LspEntry) -> R) -> Option<R> {
        self.lsps.with(key, f)
    }

    /// Remove one LSP; whether it was there.
    pub fn remove(&mut self, key: &LspKey) -> bool {
        match self.lsps.map.remove(key) {
            Some(e) => {
                self.lsps.tally.count(Counted::of(&e.control), false);
                Arc::make_mut(&mut self.names).remove(&(key.pcc, e.name.clone()));
                if let std::collections::hash_map::Entry::Occupied(mut n) =
                    Arc::make_mut(&mut self.counts).entry(key.pcc)
                {
                    *n.get_mut() -= 1;
                    if *n.get() == 0 {
                        n.remove();
                    }
                }
                true
            }
            None => false,
        }
    }

    /// How many LSPs `pcc` has (O(1)).
    pub fn count(&self, pcc: PccId) -> usize {
        self.counts.get(&pcc).copied().unwrap_or(0)
    }

    /// Whether the database holds this LSP.
    pub fn contains(&self, key: &LspKey) -> bool {
        self.lsps.map.contains_key(key)
    }

    /// The LSP a PCC reports under `name` (indexed).
    pub fn by_name(&self, pcc: PccId, name: &[u8]) -> Option<LspKey> {
        self.names
            .get(&(pcc, Bytes::copy_from_slice(name)))
            .map(|p| LspKey { pcc, plsp_id: *p })
    }

    /// Every LSP of a PCC, by PLSP-ID.
    pub fn of_pcc(&self, pcc: PccId) -> Vec<LspKey> {
        self.lsps.of_pcc(pcc)
    }

    /// A PCC's LSP-DB-VERSION (RFC 8232), as of its last report.
    pub fn db_version(&self, pcc: PccId) -> Option<u64> {
        self.lsps.db_version(pcc)
    }

    /// Set or forget (its database purged) a PCC's LSP-DB-VERSION.
    pub fn set_db_version(&mut self, pcc: PccId, version: Option<u64>) {
        match version {
            Some(v) if self.lsps.versions.get(&pcc) != Some(&v) => {
                self.lsps.versions.insert(pcc, v);
            }
            Some(_) => {}
            None => {
                self.lsps.versions.remove(&pcc);
            }
        }
    }

    /// Forget every LSP of a PCC (its State Timeout expired, RFC 8231 §5.6);
    /// returns how many.
    pub fn purge(&mut self, pcc: PccId) -> usize {
        let keys = self.of_pcc(pcc);
        for k in &keys {
            self.remove(k);
        }
        keys.len()
    }

    /// Every key, sorted (deterministic output for snapshots and APIs).
    pub fn keys(&self) -> Vec<LspKey> {
        self.lsps.keys()
    }

    /// Every LSP, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&LspKey, &Arc<LspEntry>)> {
        self.lsps.iter()
    }
}
