//! Disjoint association groups (RFC 8697, RFC 8800): membership from the
//! reports, and the joint computation of a group's members.

use std::net::IpAddr;

use pcep::wire::tlv::{DisjointnessFlags, Tlv};
use pcep::wire::{AssociationType, StateReport};
use serde::Serialize;

use crate::lspdb::LspKey;
use crate::pce::compute::Plan;
use crate::pce::inter_pce::PartialGroup;
use crate::pce::Pce;
use crate::pcreq::{encode_path, path_request, ComputedPath};
use crate::solver::disjoint::{self, Disjointness, GroupError, GroupObjective, GroupRequest};
use crate::solver::ero;

/// An association group's key (RFC 8697 §6.1.3: type, ID, source).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct GroupKey {
    /// Association type.
    pub association_type: u16,
    /// Association ID.
    pub id: u16,
    /// Association source.
    pub source: IpAddr,
}

impl GroupKey {
    pub(super) fn of(a: &pcep::wire::object::Association) -> Self {
        Self {
            association_type: a.association_type.0,
            id: a.association_id,
            source: a.source,
        }
    }
}

/// The disjoint groups a report puts its LSP in, with their
/// DISJOINTNESS-CONFIGURATION flags (a report carries them all; R=1 takes
/// it out of one).
pub(super) fn disjoint_groups(report: &StateReport) -> Vec<(GroupKey, u32)> {
    report
        .associations
        .iter()
        .filter(|a| a.association_type == AssociationType::DISJOINT && !a.remove())
        .map(|a| {
            let flags = a
                .disjointness_configuration()
                .map_or(DisjointnessFlags::LINK, |f| f.0);
            (GroupKey::of(a), flags)
        })
        .collect()
}

impl Pce {
    /// Compute a disjoint association group (RFC 8800): the members this PCE
    /// controls together, disjoint from the reported paths of the members it
    /// does not control (which it cannot move); with the fallback to weaker
    /// disjointness unless the group is strict (T). The achieved
    /// disjointness goes back in DISJOINTNESS-STATUS. Waits while an update
    /// to a member is in flight (its acknowledgement triggers the next
    /// computation). `forced`: send that member's update even if unchanged.
    pub(super) fn compute_group(&mut self, group: GroupKey, forced: Option<LspKey>) {
        let Some(members) = self.groups.get(&group).cloned() else {
            return;
        };
        let mut plans = Vec::new();
        let mut flags = None;
        self.deferred.remove(&group);
        for (key, f) in &members {
            let Some(plan) = self.plan(*key) else {
                continue;
            };
            if plan.controlled && plan.control.pending_srp.is_some() {
                // Computed again when that update is acknowledged.
                self.deferred.insert(group);
                return;
            }
            flags.get_or_insert(*f);
            plans.push(plan);
        }
        if !plans.iter().any(|p| p.controlled) {
            return;
        }
        // With state-sync, a group controlled only in part follows the
        // configured policy (draft §3.5: SHOULD NOT compute the constraint).
        let policy = self.sync_config().map(|s| s.partial_group);
        if plans.iter().any(|p| !p.controlled) {
            match policy {
                Some(PartialGroup::Skip) => return,
                Some(PartialGroup::Relax) => {
                    for plan in plans.iter().filter(|p| p.controlled) {
                        self.compute_single(plan, forced == Some(plan.key));
                    }
                    return;
                }
                Some(PartialGroup::AvoidOthers) | None => {}
            }
        }
        let flags = flags.unwrap_or(DisjointnessFlags::LINK);
        let topo = std::sync::Arc::clone(&self.topology);
        let mut requests = Vec::new();
        let mut pinned = Vec::new();
        let mut used = Vec::new();
        for plan in &plans {
            let Ok(req) = path_request(&topo, &plan.ask()) else {
                if plan.controlled {
                    self.lspdb.with_mut(&plan.key, |e| e.control.no_path = true);
                }
                continue;
            };
            let pin = if plan.controlled {
                self.release(&plan.key);
                // P (RFC 8800 §5.2): this member's path is its shortest as
                // if it were alone; the others are computed disjoint from it.
                let alone = members
                    .get(&plan.key)
                    .is_some_and(|f| f & DisjointnessFlags::SHORTEST_PATH != 0);
                if alone {
                    crate::solver::cspf::compute(&topo, &self.reservations, &req, &mut self.ws).ok()
                } else {
                    None
                }
            } else {
                // A member we cannot place on the topology does not constrain.
                let Some(links) =
                    ero::links(&topo, req.source, &plan.report.ero.subobjects, &mut self.ws)
                else {
                    continue;
                };
                Some(crate::solver::cspf::Path {
                    links,
                    metrics: crate::solver::cspf::PathMetrics::default(),
                    optimal: true,
                })
            };
            requests.push(req);
            pinned.push(pin);
            used.push(plan);
        }
        let request = GroupRequest {
            members: requests,
            disjointness: Disjointness {
                link: flags & DisjointnessFlags::LINK != 0,
                node: flags & DisjointnessFlags::NODE != 0,
                srlg: flags & DisjointnessFlags::SRLG != 0,
            },
            strict: flags & DisjointnessFlags::STRICT != 0,
            objective: GroupObjective::MinSum,
            pinned,
        };
        self.counters.computations += 1;
        // The core's own task: the exact searches at the core's budget.
        let result = disjoint::solve_with(
            &topo,
            &self.reservations,
            &request,
            disjoint::Effort::CORE,
            &mut self.ws,
        );
        let result = match result {
            Ok(result) => result,
            Err(e) => {
                // No (strictly) disjoint solution: the members keep their
                // paths; whether that is proven, the API says.
                let proven = !matches!(
                    e,
                    GroupError::NotDisjoint { proven: false }
                        | GroupError::Member {
                            reason: crate::solver::cspf::NoPath::Infeasible { proven: false },
                            ..
                        }
                );
                for plan in used.iter().filter(|p| p.controlled) {
                    self.lspdb.with_mut(&plan.key, |e| {
                        e.control.no_path = true;
                        e.control.proven = proven;
                    });
                }
                return;
            }
        };
        // Members sharing a link (a fallback to less disjointness) must fit
        // on it together: the solver admits each path alone.
        let mut load: std::collections::HashMap<crate::topology::LinkId, f64> =
            std::collections::HashMap::new();
        for (plan, path) in used.iter().zip(&result.paths) {
            let bw = plan.bandwidth_bps();
            if plan.controlled && bw > 0.0 {
                for l in &path.links {
                    *load.entry(*l).or_default() += bw;
                }
            }
        }
        let over = load.iter().any(|(l, need)| {
            topo.bandwidths()
                .get(l.index())
                .is_some_and(|b| b - self.reservations.reserved(*l) < *need)
        });
        if over {
            for plan in used.iter().filter(|p| p.controlled) {
                self.lspdb.with_mut(&plan.key, |e| {
                    e.control.no_path = true;
                    e.control.proven = false;
                });
            }
            return;
        }
        let achieved = result.achieved;
        let status = (u32::from(achieved.link) * DisjointnessFlags::LINK)
            | (u32::from(achieved.node) * DisjointnessFlags::NODE)
            | (u32::from(achieved.srlg) * DisjointnessFlags::SRLG);
        let updates: Vec<(Plan, ComputedPath)> = used
            .into_iter()
            .zip(result.paths)
            .filter(|(plan, _)| plan.controlled)
            .filter_map(|(plan, path)| {
                let computed = encode_path(&topo, &plan.ask(), path.links, &path.metrics)
                    .ok()
                    .map(|c| crate::pcreq::ComputedPath {
                        optimal: result.optimal,
                        ..c
                    })?;
                Some((plan.clone(), computed))
            })
            .collect();
        for (plan, computed) in updates {
            let associations = plan
                .report
                .associations
                .iter()
                .filter(|a| GroupKey::of(a) == group)
                .map(|a| {
                    let mut a = a.clone();
                    a.tlvs.retain(|t| !matches!(t, Tlv::DisjointnessStatus(_)));
                    a.tlvs
                        .push(Tlv::DisjointnessStatus(DisjointnessFlags(status)));
                    a
                })
                .collect();
            let force = forced == Some(plan.key);
            self.lspdb
                .with_mut(&plan.key, |e| e.control.disjointness_status = Some(status));
            self.apply_path(&plan, computed, force, associations);
        }
    }

    /// Track the disjoint association groups an LSP is in (from its report;
    /// none when it is removed).
    pub(super) fn set_groups(&mut self, key: LspKey, now: Vec<(GroupKey, u32)>) {
        let old = self.lsp_groups.remove(&key).unwrap_or_default();
        for g in old {
            if !now.iter().any(|(n, _)| *n == g) {
                if let Some(m) = self.groups.get_mut(&g) {
                    m.remove(&key);
                    if m.is_empty() {
                        self.groups.remove(&g);
                    }
                }
            }
        }
        if now.is_empty() {
            return;
        }
        for (g, flags) in &now {
            self.groups
                .get_or_insert_with(*g, std::collections::BTreeMap::new)
                .insert(key, *flags);
        }
        self.lsp_groups
            .insert(key, now.into_iter().map(|(g, _)| g).collect());
    }
}
