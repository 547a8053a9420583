//! Computing delegated and initiated LSPs: what one computation needs
//! ([`Plan`]), the ledger of bandwidth reservations, and the PCUpd that
//! carries a changed path (RFC 8231 §6.2).

use std::net::IpAddr;

use pcep::wire::object::{Ero, Lsp, OperationalStatus, Srp};
use pcep::wire::tlv::Tlv;
use pcep::wire::{Attributes, PathSetupType, StateReport, UpdateRequest};

use crate::lspdb::LspKey;
use crate::pce::{name_key, Pce, SessionId};
use crate::pcreq::{compute_path, ComputedPath, PathAsk, Unreachable};
use crate::solver::cspf::Reservations;

/// What computing one LSP needs (see [`Pce::plan`]).
#[derive(Clone, Debug)]
pub(super) struct Plan {
    pub(super) key: LspKey,
    pub(super) session: Option<SessionId>,
    /// Delegated to this PCE on a synchronized session.
    pub(super) controlled: bool,
    pub(super) source: IpAddr,
    pub(super) destination: IpAddr,
    pub(super) attributes: Attributes,
    pub(super) setup: PathSetupType,
    pub(super) peer_sr: Option<pcep::wire::tlv::SrPceCapability>,
    pub(super) report: std::sync::Arc<StateReport>,
    pub(super) control: crate::lspdb::Control,
}

impl Plan {
    pub(super) fn ask(&self) -> PathAsk<'_> {
        PathAsk {
            source: self.source,
            destination: self.destination,
            attributes: &self.attributes,
            setup: self.setup,
            peer_sr: self.peer_sr,
        }
    }

    /// The bandwidth its path holds, bits per second (BANDWIDTH carries
    /// bytes per second).
    pub(super) fn bandwidth_bps(&self) -> f64 {
        self.attributes
            .bandwidth
            .map_or(0.0, |b| f64::from(b.bandwidth) * 8.0)
    }
}

/// An SRP object; PATH-SETUP-TYPE is carried unless RSVP-TE (RFC 8408 §4).
pub(super) fn srp_with(srp_id: u32, setup: PathSetupType) -> Srp {
    let mut srp = Srp {
        srp_id,
        ..Srp::default()
    };
    if setup != PathSetupType::RSVP_TE {
        srp.tlvs.push(Tlv::PathSetupType(setup));
    }
    srp
}

impl Pce {
    /// `key` holds its bandwidth `bw` on `links` (the path placed for it).
    pub(super) fn hold(&mut self, key: LspKey, links: Vec<crate::topology::LinkId>, bw: f64) {
        self.reservations.add(&links, bw);
        self.placed.insert(key, (links, bw));
    }

    pub(super) fn release(&mut self, key: &LspKey) {
        if let Some((links, bw)) = self.placed.remove(key) {
            self.reservations.add(&links, -bw);
        }
    }

    /// Compute a delegated LSP and send a PCUpd when its path changes.
    /// What computing an LSP needs: its ends, constraints, setup type, the
    /// head end's SR capability, and the session to update it on.
    pub(super) fn plan(&self, key: LspKey) -> Option<Plan> {
        let (control, name) = self
            .lspdb
            .with(&key, |e| (e.control.clone(), e.name.clone()))?;
        let report = self.report_of(key)?;
        // Updates go to the PCC, or to the peer that sub-delegated the LSP.
        let session = match control.via_peer() {
            Some(peer) => self.peer_session(peer),
            None => self.pccs.get(&key.pcc).and_then(|p| p.session),
        };
        let state = session.and_then(|s| self.sessions.get(&s));
        // The head end's MSD: from its session, or relayed by a peer.
        let peer_sr = self
            .pccs
            .get(&key.pcc)
            .and_then(|p| p.session)
            .and_then(|s| self.sessions.get(&s))
            .and_then(|s| s.negotiated.peer_sr)
            .or_else(|| {
                self.pcc_open(key.pcc)
                    .and_then(pcep::wire::object::Open::sr_capability)
            });
        let controlled = control.delegated && state.is_some_and(|s| s.synced);
        let durable = name_key(key.pcc, &name);
        let spec = self.initiated.get(&durable);
        let overridden = self.overrides.get(&durable);
        let setup = report
            .srp
            .as_ref()
            .map_or(PathSetupType::RSVP_TE, Srp::path_setup_type);
        let direct = self.pccs.get(&key.pcc).is_some_and(|p| p.session.is_some());
        if setup == PathSetupType::SR_TE && peer_sr.is_none() && !direct {
            // A head end known only through peers, none of which relays
            // its Open any more: its MSD is unknown, so no SR path is
            // computed for it (cluster-sim seed 3686 sent one beyond it).
            return None;
        }
        let reported = || {
            overridden
                .cloned()
                .unwrap_or_else(|| report.intended.clone())
        };
        let (source, destination, attributes) = match (spec, report.lsp.ipv4_identifiers()) {
            (Some(spec), _) => (spec.source, spec.destination, spec.attributes.clone()),
            (None, Some(id)) => {
                let source = if id.sender.is_unspecified() {
                    key.pcc.addr()?
                } else {
                    IpAddr::V4(id.sender)
                };
                (source, IpAddr::V4(id.endpoint), reported())
            }
            // No end points known: nothing to compute.
            (None, None) => report
                .lsp
                .ipv6_identifiers()
                .map(|id| (IpAddr::V6(id.sender), IpAddr::V6(id.endpoint), reported()))?,
        };
        Some(Plan {
            key,
            session,
            controlled,
            source,
            destination,
            attributes,
            setup,
            peer_sr,
            report,
            control,
        })
    }

    /// Compute an LSP and send a PCUpd when its path changes (`force`: in
    /// any case). An LSP in a disjoint association group is computed with
    /// its group.
    pub(super) fn compute_and_update(&mut self, key: LspKey, force: bool) {
        if let Some(group) = self.lsp_groups.get(&key).and_then(|g| g.first()).copied() {
            self.compute_group(group, force.then_some(key));
            return;
        }
        let Some(plan) = self.plan(key) else {
            return;
        };
        self.compute_single(&plan, force);
    }

    /// Compute one controlled LSP on its own.
    pub(super) fn compute_single(&mut self, plan: &Plan, force: bool) {
        if !plan.controlled || plan.control.pending_srp.is_some() {
            return;
        }
        let key = plan.key;
        let topo = std::sync::Arc::clone(&self.topology);
        self.release(&key);
        self.counters.computations += 1;
        match compute_path(&topo, &self.reservations, &plan.ask(), &mut self.ws) {
            Ok(path) => self.apply_path(plan, path, force, Vec::new()),
            Err(Unreachable::NoPath { proven }) => {
                self.lspdb.with_mut(&key, |e| {
                    e.control.no_path = true;
                    e.control.proven = proven;
                });
            }
            Err(Unreachable::UnknownEndpoints(_)) => {
                self.lspdb.with_mut(&key, |e| {
                    e.control.no_path = true;
                    e.control.proven = true;
                });
            }
        }
    }

    /// Record a computed path and send it by PCUpd unless the LSP is on it
    /// already (or acknowledged it in its own words).
    pub(super) fn apply_path(
        &mut self,
        plan: &Plan,
        path: ComputedPath,
        force: bool,
        associations: Vec<pcep::wire::object::Association>,
    ) {
        let key = plan.key;
        let bw = plan.bandwidth_bps();
        self.hold(key, path.links.clone(), bw);
        let control = &plan.control;
        let report = &plan.report;
        let acked_same = control.computed.as_ref() == Some(&path.ero)
            && report.srp.as_ref().map(|p| p.srp_id) == control.acked_srp
            && control.acked_srp.is_some();
        if !force && (report.ero.subobjects == path.ero || acked_same) {
            if let Some(session) = plan.session {
                self.withdraw_update(session, key);
            }
            self.lspdb.with_mut(&key, |e| {
                e.control.no_path = false;
                e.control.proven = path.optimal;
                e.control.computed = Some(path.ero.clone());
            });
            return;
        }
        let Some(session) = plan.session else {
            return;
        };
        let via_peer = plan.control.via_peer();
        if !self.sessions.contains_key(&session) {
            return;
        }
        let update = UpdateRequest {
            // The SRP-ID: the session's next when it is sent.
            srp: srp_with(0, plan.setup),
            lsp: Lsp {
                plsp_id: key.plsp_id,
                delegate: true,
                administrative: true,
                operational: OperationalStatus::default(),
                create: report.lsp.create,
                ..Lsp::default()
            },
            associations,
            ero: Ero::new(path.ero.clone()),
            attributes: Attributes {
                lspa: plan.attributes.lspa.clone(),
                ..path.attributes
            },
            unknown: Vec::new(),
        };
        // §3.5: copies to every peer (D=1 towards the one that sub-delegated
        // it, D=0 elsewhere); to the PCC only when it delegated to us.
        let towards_peer = self.update_peers(key, &update, via_peer);
        let (pending, waits) = match via_peer {
            Some(_) => {
                if let Some(srp) = towards_peer {
                    self.await_ack(session, key, srp);
                }
                (towards_peer, false)
            }
            None => {
                let sent = self.pace_update(session, key, update);
                (sent, sent.is_none())
            }
        };
        self.lspdb.with_mut(&key, |e| {
            e.control.no_path = false;
            e.control.proven = path.optimal;
            e.control.computed = Some(path.ero);
            e.control.pending_srp = pending;
            if !waits {
                e.control.updates += 1;
            }
            e.control.error = None;
        });
    }

    /// Bandwidth held on each link (by link index) by the paths this PCE
    /// computed.
    pub fn reserved(&self) -> Vec<f64> {
        let n = self.topology.link_count();
        (0..n)
            .map(|i| {
                self.reservations.reserved(crate::topology::LinkId(
                    u32::try_from(i).unwrap_or(u32::MAX),
                ))
            })
            .collect()
    }

    /// Recompute every LSP this PCE controls, in parallel (see
    /// `reroute`): those whose path changes get a PCUpd.
    pub fn reoptimize(&mut self) {
        let sent = self.counters.updates_sent;
        let mut report = super::ChangeReport {
            reoptimized: true,
            ..super::ChangeReport::default()
        };
        let placed = self.reoptimize_all();
        self.report_lsps(&mut report, &placed, sent);
        self.last_change = Some(report);
    }

    /// Every controlled LSP computed again from no reservations; the LSPs
    /// placed (see `place`).
    pub(super) fn reoptimize_all(&mut self) -> Vec<(LspKey, bool)> {
        let links = self.topology.link_count();
        self.reservations = Reservations::new(links);
        self.placed.clear();
        let mut controlled = Vec::new();
        for key in self.lspdb.keys() {
            let delegated = self
                .lspdb
                .with_mut(&key, |e| {
                    e.control.acked_srp = None;
                    if e.control.pending_srp.is_some() {
                        // Its update was computed on what the topology was:
                        // its acknowledgement must not settle it (it is
                        // computed again then).
                        e.control.computed = None;
                    }
                    e.control.delegated
                })
                .unwrap_or(false);
            if delegated {
                controlled.push(key);
            }
        }
        self.place(&controlled)
    }
}
