//! Cores built for planning offline (`pce plan --snapshot`, `pce plan
//! --topology --lsps`) and LSPs added to a plan's copy: the PCCs are
//! simulated in memory, each on a session synchronized as RFC 8231 §5.6
//! has it, so every LSP goes through the same reports, groups and
//! placement as on the live PCE. Updates the copy sends are taken as
//! applied by their PCCs ([`Pce::assume_applied`]): a plan predicts the
//! paths the PCE gives, not a PCC's acknowledgement.
//!
//! A simulated PCC advertises an unlimited MSD (RFC 8664 §4.1.2, X): a
//! snapshot does not carry the head ends' Opens.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use pcep::session::Negotiated;
use pcep::wire::object::{Ero, Lsp, Open};
use pcep::wire::tlv::{
    Ipv4LspIdentifiers, Ipv6LspIdentifiers, PathSetupTypeCapability, SrPceCapability,
    StatefulCapability, SubTlv, Tlv,
};
use pcep::wire::{
    AssociationType, Message, PathSetupType, PcRpt, StateReport, StateSyncCodepoints,
};

use super::snapshot::Snapshot;
use super::{InitiateSpec, Pce, PceConfig, SessionId};
use crate::lspdb::{LspDb, LspKey, PccId};
use crate::solver::Prepared;
use crate::topology::{LinkId, Topology};

/// What the simulated PCCs and this PCE negotiate: stateful with update
/// and instantiation, RSVP-TE and SR-TE (MSD unlimited), disjoint
/// association groups.
fn simulated() -> Negotiated {
    let open = Open {
        tlvs: vec![
            Tlv::StatefulPceCapability(StatefulCapability(
                StatefulCapability::UPDATE | StatefulCapability::INSTANTIATION,
            )),
            Tlv::PathSetupTypeCapability(Box::new(PathSetupTypeCapability {
                path_setup_types: vec![PathSetupType::RSVP_TE, PathSetupType::SR_TE],
                sub_tlvs: vec![SubTlv::SrPceCapability(SrPceCapability {
                    flags: 0x01,
                    msd: 0,
                })],
            })),
            Tlv::AssocTypeList(vec![AssociationType::DISJOINT]),
        ],
        ..Open::default()
    };
    Negotiated::new(&open, &open, &StateSyncCodepoints::default())
}

/// A report of an LSP the operator asks for (`spec`), as its PCC would
/// send it delegated and without a path yet.
fn spec_report(spec: &InitiateSpec, plsp_id: u32) -> Result<StateReport, String> {
    let ids = match (spec.source, spec.destination) {
        (IpAddr::V4(sender), IpAddr::V4(endpoint)) => Tlv::Ipv4LspIdentifiers(Ipv4LspIdentifiers {
            sender,
            lsp_id: 1,
            tunnel_id: plsp_id as u16,
            extended_tunnel_id: std::net::Ipv4Addr::UNSPECIFIED,
            endpoint,
        }),
        (IpAddr::V6(sender), IpAddr::V6(endpoint)) => {
            Tlv::Ipv6LspIdentifiers(Box::new(Ipv6LspIdentifiers {
                sender,
                lsp_id: 1,
                tunnel_id: plsp_id as u16,
                extended_tunnel_id: std::net::Ipv6Addr::UNSPECIFIED,
                endpoint,
            }))
        }
        _ => {
            return Err(format!(
                "{}: source {} and destination {} are not of one address family",
                spec.name, spec.source, spec.destination
            ))
        }
    };
    Ok(StateReport {
        srp: (spec.setup != PathSetupType::RSVP_TE)
            .then(|| super::compute::srp_with(0, spec.setup)),
        lsp: Lsp {
            plsp_id,
            delegate: true,
            administrative: true,
            tlvs: vec![
                Tlv::SymbolicPathName(spec.name.as_bytes().to_vec().into()),
                ids,
            ],
            ..Lsp::default()
        },
        associations: spec
            .disjoint_group
            .iter()
            .map(super::DisjointGroup::association)
            .collect(),
        ero: Ero::new(Vec::new()),
        intended: spec.attributes.clone(),
        ..StateReport::default()
    })
}

impl Pce {
    /// Every update sent or waiting taken as applied by its PCC: nothing
    /// is pending, so every LSP can be computed again (what a plan's copy
    /// assumes of the PCCs; the messages themselves are dropped). For a
    /// copy of the live core, once before planning on it.
    pub fn assume_applied(&mut self) {
        let pending: Vec<LspKey> = self.pending_updates.values().copied().collect();
        for key in pending {
            self.lspdb.with_mut(&key, |e| e.control.pending_srp = None);
        }
        self.pending_updates = super::SharedMap::new();
        self.update_deadlines = imbl::OrdSet::new();
        let sessions: Vec<SessionId> = self
            .sessions
            .iter()
            .filter(|(_, s)| !s.paced.is_idle())
            .map(|(id, _)| *id)
            .collect();
        for s in sessions {
            if let Some(state) = self.sessions.get_mut(&s) {
                state.paced = super::pacing::Paced::default();
            }
        }
        self.counters.updates_waiting = 0;
        self.to_release.clear();
        self.out.clear();
    }

    /// `reports` of `pcc`: on its session when it has one synchronized;
    /// else on a new simulated session as its synchronization, ended by
    /// hand (what it reports is placed by the caller, not computed one by
    /// one as the synchronization's end would).
    fn simulated_reports(&mut self, pcc: IpAddr, mut reports: Vec<StateReport>, now: Instant) {
        let session = self
            .pccs
            .get(&PccId::Addr(pcc))
            .and_then(|p| p.session)
            .filter(|s| self.sessions.get(s).is_some_and(|s| s.synced));
        let Some(session) = session else {
            let session = SessionId(self.sessions.keys().map(|s| s.0).max().unwrap_or(0) + 1);
            self.handle(
                super::Input::SessionUp {
                    session,
                    peer: pcc,
                    negotiated: Box::new(simulated()),
                },
                now,
            );
            for r in &mut reports {
                r.lsp.sync = true;
            }
            self.handle(
                super::Input::Message {
                    session,
                    message: Box::new(Message::PcRpt(PcRpt { reports })),
                },
                now,
            );
            if let Some(s) = self.sessions.get_mut(&session) {
                s.synced = true;
                s.resync = false;
                s.seen.clear();
            }
            return;
        };
        self.handle(
            super::Input::Message {
                session,
                message: Box::new(Message::PcRpt(PcRpt { reports })),
            },
            now,
        );
    }

    /// Add the LSPs `specs` as their PCCs would report them, delegated
    /// (each PCC on its session, a simulated one when it has none); the
    /// caller places them ([`Pce::place`]: each was computed as it came).
    /// A name its PCC already has is an error naming it. Returns the keys
    /// added.
    pub(super) fn add_lsps(
        &mut self,
        specs: &[InitiateSpec],
        now: Instant,
    ) -> Result<Vec<LspKey>, String> {
        let mut next: HashMap<IpAddr, u32> = HashMap::new();
        let mut reports: BTreeMap<IpAddr, Vec<StateReport>> = BTreeMap::new();
        for spec in specs {
            let pcc = PccId::Addr(spec.pcc);
            if self.lspdb.by_name(pcc, spec.name.as_bytes()).is_some()
                || reports.get(&spec.pcc).is_some_and(|r| {
                    r.iter().any(|r| {
                        r.lsp
                            .symbolic_name()
                            .is_some_and(|n| n.as_ref() == spec.name.as_bytes())
                    })
                })
            {
                return Err(format!(
                    "LSP {:?} of {}: its PCC has an LSP of that name",
                    spec.name, spec.pcc
                ));
            }
            let plsp = next.entry(spec.pcc).or_insert_with(|| {
                self.lspdb
                    .of_pcc(pcc)
                    .iter()
                    .map(|k| k.plsp_id)
                    .max()
                    .unwrap_or(0)
            });
            *plsp += 1;
            if *plsp > 0x000F_FFFF {
                return Err(format!("{}: more PLSP-IDs than one PCC has", spec.pcc));
            }
            reports
                .entry(spec.pcc)
                .or_default()
                .push(spec_report(spec, *plsp)?);
        }
        let mut added = Vec::new();
        for (pcc, reports) in reports {
            for r in &reports {
                added.push(LspKey {
                    pcc: PccId::Addr(pcc),
                    plsp_id: r.lsp.plsp_id,
                });
            }
            self.simulated_reports(pcc, reports, now);
        }
        self.assume_applied();
        Ok(added)
    }

    /// A core on `topology` with the LSPs `specs` placed from an empty
    /// network by the live placement (setup-priority order, disjoint
    /// groups jointly): what a PCE would do were these LSPs delegated to
    /// it at once.
    pub fn from_lsps(
        topology: Topology,
        specs: &[InitiateSpec],
        now: Instant,
    ) -> Result<Self, String> {
        let mut pce = Self::new(
            PceConfig::default(),
            Arc::new(Prepared::from(topology)),
            LspDb::new(),
        );
        pce.now = Some(now);
        let added = pce.add_lsps(specs, now)?;
        pce.place(&added);
        pce.assume_applied();
        Ok(pce)
    }

    /// A core rebuilt from `snapshot`: its topology with what was down,
    /// every LSP of an addressed PCC from the report its PCC sent (on a
    /// simulated session, delegated as it was to the snapshot's PCE), and
    /// the paths that PCE had placed held as they were (not computed
    /// again), with their groups' disjointness. LSPs another PCE computes
    /// are held as not delegated. Returns the core and the LSPs left out
    /// (those of PCCs named only by a peer's SPEAKER-ENTITY-ID).
    pub fn from_snapshot(snapshot: &Snapshot, now: Instant) -> Result<(Self, usize), String> {
        snapshot.check().map_err(|e| e.to_string())?;
        let topo = snapshot
            .topology
            .build()
            .map_err(|e| format!("topology: {e}"))?;
        let topo = topo
            .apply_all(&snapshot.down)
            .map_err(|e| format!("down: {e}"))?;
        let by_name: HashMap<String, LinkId> = (0..topo.link_count() as u32)
            .map(LinkId)
            .map(|l| (topo.link_name(l), l))
            .collect();
        let mut pce = Self::new(
            PceConfig::default(),
            Arc::new(Prepared::from(topo)),
            LspDb::new(),
        );
        pce.now = Some(now);
        let mut by_pcc: BTreeMap<IpAddr, Vec<StateReport>> = BTreeMap::new();
        let mut held: Vec<(LspKey, Option<Vec<LinkId>>, Option<u32>)> = Vec::new();
        let mut skipped = 0;
        for l in &snapshot.lsps {
            let Ok(pcc) = l.pcc.parse::<IpAddr>() else {
                skipped += 1;
                continue;
            };
            let item = || format!("LSP {:?} of {}", l.name, l.pcc);
            let wire = hex::decode(&l.report).map_err(|e| format!("{}: report: {e}", item()))?;
            let mut report = crate::lspdb::decode_report(&bytes::Bytes::from(wire))
                .ok_or_else(|| format!("{}: report: not a PCRpt this build reads", item()))?;
            if report.lsp.plsp_id != l.plsp_id {
                return Err(format!(
                    "{}: report: PLSP-ID {} where the snapshot says {}",
                    item(),
                    report.lsp.plsp_id,
                    l.plsp_id
                ));
            }
            let ours = l.computing_pce.is_none() || l.computing_pce == snapshot.pce;
            report.lsp.delegate = l.delegated && ours;
            let path = match &l.path {
                Some(names) => Some(
                    names
                        .iter()
                        .map(|n| {
                            by_name.get(n).copied().ok_or_else(|| {
                                format!("{}: path: link {n:?} is not in the topology", item())
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                None => None,
            };
            if report.lsp.delegate {
                held.push((
                    LspKey {
                        pcc: PccId::Addr(pcc),
                        plsp_id: l.plsp_id,
                    },
                    path,
                    l.disjointness_status,
                ));
            }
            by_pcc.entry(pcc).or_default().push(report);
        }
        for (pcc, reports) in by_pcc {
            if reports.len() > pce.config.max_lsps_per_pcc {
                return Err(format!(
                    "PCC {pcc}: {} LSPs, more than one PCC may have ({})",
                    reports.len(),
                    pce.config.max_lsps_per_pcc
                ));
            }
            // What the snapshot's PCE placed is held below, not computed
            // again.
            pce.simulated_reports(pcc, reports, now);
        }
        pce.assume_applied();
        // Every delegated LSP on the path the snapshot's PCE had placed.
        let keys: Vec<LspKey> = held.iter().map(|h| h.0).collect();
        for key in &keys {
            pce.release(key);
        }
        for (key, path, status) in held {
            let Some(plan) = pce.plan(key) else {
                continue;
            };
            let bw = plan.bandwidth_bps();
            let placed = path.is_some();
            if let Some(links) = path {
                pce.hold(key, links, bw);
            }
            pce.lspdb.with_mut(&key, |e| {
                e.control.no_path = !placed;
                e.control.disjointness_status = status;
            });
        }
        Ok((pce, skipped))
    }
}
