//! The LSP database: every LSP the PCCs report, keyed by (PCC, PLSP-ID),
//! with an index by (PCC, symbolic path name), the name being the stable key
//! across sessions (RFC 8231 §7.3.2).
//!
//! Sharded (dashmap): sessions on different PCCs update in parallel without
//! contending on one lock; a lookup holds one shard's lock for the duration
//! of one call and never across an `.await` (nothing here is async).
//!
//! Reports are applied as RFC 8231 §5.6-5.7 and §6.1 describe:
//! * S=1 reports during state synchronization, then the end-of-sync marker
//!   (PLSP-ID 0, S=0);
//! * R=1 removes the LSP;
//! * a report replaces the LSP's whole reported state (the PCC reports all
//!   of it every time);
//! * the first report of an LSP must name it (SYMBOLIC-PATH-NAME).

use std::net::IpAddr;

use ahash::RandomState;
use bytes::Bytes;
use dashmap::DashMap;
use pcep::wire::{Message, PcRpt, StateReport, WireConfig};
use serde::Serialize;

/// The PCC an LSP belongs to: its session address (state-sync adds the
/// SPEAKER-ENTITY-ID form).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PccId(pub IpAddr);

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
    /// The last PCErr the PCC answered an update or initiation with.
    pub error: Option<pcep::wire::PcErrCode>,
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
    /// The disjointness its group achieved when this PCE last computed it
    /// (DISJOINTNESS-STATUS flags, RFC 8800).
    pub disjointness_status: Option<u32>,
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
}

/// The wire configuration the database stores reports in (encoded and
/// decoded with the same one, whatever the sessions use).
fn store() -> WireConfig {
    WireConfig::default()
}

fn encode_report(report: StateReport) -> Option<Bytes> {
    Message::PcRpt(PcRpt {
        reports: vec![report],
    })
    .to_bytes(&store())
    .ok()
}

fn decode_report(wire: &Bytes) -> Option<StateReport> {
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
    /// A reserved PLSP-ID (0xFFFFF), or 0 outside the end-of-sync marker.
    #[error("reserved PLSP-ID {0}")]
    ReservedPlspId(u32),
    /// The name is already used by another LSP of the same PCC
    /// (RFC 8231 §7.3.2: unique per PCC).
    #[error("symbolic name already used by PLSP-ID {0}")]
    NameInUse(u32),
}

/// The database.
#[derive(Debug, Default)]
pub struct LspDb {
    // ahash: names come from the network, so a keyed hash (not FxHash),
    // but much faster than SipHash (SipHash was 10% of a 65,535-LSP sync).
    // Boxed: the table holds a pointer per slot, so its doublings move and
    // over-allocate 8 bytes per slot instead of a whole entry (measured 960
    // -> 512 bytes per LSP once the state-sync fields grew the entry; see
    // BENCHMARKS.md).
    lsps: DashMap<LspKey, Box<LspEntry>, RandomState>,
    names: DashMap<(PccId, Bytes), u32, RandomState>,
    /// PLSP-IDs by PCC: per-PCC operations (sync, purge, State Timeout) cost
    /// that PCC's LSPs, not the whole database.
    by_pcc: DashMap<PccId, std::collections::BTreeSet<u32>, RandomState>,
}

impl LspDb {
    /// An empty database.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of LSPs.
    pub fn len(&self) -> usize {
        self.lsps.len()
    }

    /// Whether it holds no LSP.
    pub fn is_empty(&self) -> bool {
        self.lsps.is_empty()
    }

    /// Apply a report from `pcc` (a copy of it is stored).
    pub fn apply(&self, pcc: PccId, report: &StateReport) -> Result<Applied, ReportError> {
        self.apply_owned(pcc, report.clone())
    }

    /// Apply a report from `pcc`, storing it without a copy.
    pub fn apply_owned(&self, pcc: PccId, report: StateReport) -> Result<Applied, ReportError> {
        let lsp = &report.lsp;
        if lsp.is_end_of_sync() {
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
        let name = match (lsp.symbolic_name(), self.lsps.get(&key)) {
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
        match self.names.entry((pcc, name.clone())) {
            dashmap::Entry::Occupied(e) if *e.get() != plsp_id => {
                return Err(ReportError::NameInUse(*e.get()));
            }
            dashmap::Entry::Occupied(_) => {}
            dashmap::Entry::Vacant(e) => {
                e.insert(plsp_id);
            }
        }
        let mut created = false;
        let mut renamed_from = None;
        match self.lsps.entry(key) {
            dashmap::Entry::Occupied(mut o) => {
                let e = o.get_mut();
                if e.name != name {
                    renamed_from = Some(std::mem::replace(&mut e.name, name));
                }
                e.wire = wire;
                e.reports += 1;
            }
            dashmap::Entry::Vacant(v) => {
                created = true;
                v.insert(Box::new(LspEntry {
                    name,
                    wire,
                    reports: 1,
                    control: Control::default(),
                }));
            }
        }
        if let Some(old) = renamed_from {
            self.names.remove(&(pcc, old));
        }
        if created {
            self.by_pcc.entry(pcc).or_default().insert(plsp_id);
        }
        Ok(if created {
            Applied::Created(key)
        } else {
            Applied::Updated(key)
        })
    }

    /// An LSP's entry (a copy: no lock is held after the call).
    pub fn get(&self, key: &LspKey) -> Option<LspEntry> {
        self.lsps.get(key).map(|e| LspEntry::clone(&e))
    }

    /// Run `f` on an LSP's entry under its shard lock (do not call back
    /// into the database from `f`).
    pub fn with_mut<R>(&self, key: &LspKey, f: impl FnOnce(&mut LspEntry) -> R) -> Option<R> {
        self.lsps.get_mut(key).map(|mut e| f(&mut e))
    }

    /// Run `f` on an LSP's entry under its shard lock, read-only.
    pub fn with<R>(&self, key: &LspKey, f: impl FnOnce(&LspEntry) -> R) -> Option<R> {
        self.lsps.get(key).map(|e| f(&e))
    }

    /// Remove one LSP; whether it was there.
    pub fn remove(&self, key: &LspKey) -> bool {
        match self.lsps.remove(key) {
            Some((_, e)) => {
                self.names.remove(&(key.pcc, e.name));
                if let Some(mut ids) = self.by_pcc.get_mut(&key.pcc) {
                    ids.remove(&key.plsp_id);
                }
                true
            }
            None => false,
        }
    }

    /// The LSP a PCC reports under `name`.
    pub fn by_name(&self, pcc: PccId, name: &[u8]) -> Option<LspKey> {
        self.names
            .get(&(pcc, Bytes::copy_from_slice(name)))
            .map(|p| LspKey { pcc, plsp_id: *p })
    }

    /// Every LSP of a PCC, by PLSP-ID.
    pub fn of_pcc(&self, pcc: PccId) -> Vec<LspKey> {
        self.by_pcc
            .get(&pcc)
            .map(|ids| ids.iter().map(|&plsp_id| LspKey { pcc, plsp_id }).collect())
            .unwrap_or_default()
    }

    /// Forget every LSP of a PCC (its State Timeout expired, RFC 8231 §5.6);
    /// returns how many.
    pub fn purge(&self, pcc: PccId) -> usize {
        let Some((_, ids)) = self.by_pcc.remove(&pcc) else {
            return 0;
        };
        for plsp_id in &ids {
            if let Some((_, e)) = self.lsps.remove(&LspKey {
                pcc,
                plsp_id: *plsp_id,
            }) {
                self.names.remove(&(pcc, e.name));
            }
        }
        ids.len()
    }

    /// Every key, sorted (deterministic output for snapshots and APIs).
    pub fn keys(&self) -> Vec<LspKey> {
        let mut keys: Vec<LspKey> = self.lsps.iter().map(|e| *e.key()).collect();
        keys.sort_unstable();
        keys
    }
}
