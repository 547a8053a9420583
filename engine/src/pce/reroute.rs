//! Placing many LSPs at once, in parallel, as if one by one: what a
//! reoptimization and a topology change run.
//!
//! The result is that of computing the LSPs one at a time in priority
//! order (LSPA setup priority, 0 first; then by key), each on its best
//! path given what the ones before it hold. The work runs in rounds on
//! the caller's rayon pool:
//! * every pending LSP without a candidate path, or whose candidate no
//!   longer fits, is computed in parallel against the current
//!   reservations;
//! * candidates are committed strictly in order (PCUpd and all), up to the
//!   first one that no longer fits (bandwidth an earlier LSP of the round
//!   took), which the next round computes again.
//!
//! Reservations only grow during a placement: a path that was optimal on
//! fewer of them and still fits is optimal now; an LSP without a path on
//! fewer of them has none later. The first pending LSP of a round was
//! computed on the current reservations, so every round commits at least
//! one. What a round computes depends only on the reservations at its
//! start and commits follow the order, so the thread count cannot change
//! the result. A result the solver could not prove within its limits (a
//! path not proven optimal, a "no path" not proven) says nothing about
//! other reservations: it is committed only if nothing was committed
//! since it was computed, else computed again. So the result is exactly
//! that of the one-by-one run, which is what a plan's copies do
//! (`Pce::one_by_one`: they run in parallel with each other, one LSP
//! at a time each, every LSP computed once).
//!
//! A disjoint association group is placed as one unit, at its place in
//! the order (its best member's priority), by its own joint computation.

use std::collections::HashSet;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::lspdb::LspKey;
use crate::pce::compute::Plan;
use crate::pce::{GroupKey, Pce};
use crate::pcreq::{compute_path, ComputedPath, Unreachable};
use crate::solver::cspf::{Reservations, Workspace};
use crate::solver::Prepared;
use crate::topology::{LinkId, TopologyEvent};

/// What a topology change, a reload or a reoptimization did to the LSPs.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ChangeReport {
    /// The change as events (for a new file or TED: its difference from
    /// the topology before).
    pub events: Vec<TopologyEvent>,
    /// The topology was replaced whole (its structure changed): every
    /// controlled LSP was computed again.
    pub replaced: bool,
    /// Every controlled LSP was computed again (a replacement, a
    /// reoptimization, or a change that can shorten paths under the
    /// `reoptimize_on_restore` policy).
    pub reoptimized: bool,
    /// Directed links whose attributes changed.
    pub links_changed: usize,
    /// LSPs computed again (the members of a disjoint group with it).
    pub recomputed: usize,
    /// LSPs sent a new path (PCUpd).
    pub updated: usize,
    /// Of the LSPs computed again, those without a path after it (they
    /// keep the path they have).
    pub without_path: usize,
    /// LSPs that had a path before the change and have none after it.
    pub lost_path: Vec<PathlessLsp>,
    /// How long the core took, microseconds (the shell measures it: the
    /// core has no clock).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub core_us: Option<u64>,
}

/// An LSP without a path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PathlessLsp {
    /// Its head end.
    pub pcc: String,
    /// Its name.
    pub name: String,
    /// No path meets its constraints (else none was found within the
    /// search limits).
    pub proven: bool,
    /// Why, in words: "its head end is down", "its tail end is down",
    /// "its ends are not in the topology", "no path meets its
    /// constraints", "no path found within the search limits".
    pub reason: &'static str,
}

/// One unit of placement.
enum Unit {
    /// An LSP and its candidate, with the commits before it was computed.
    Single(Box<Plan>, Option<(u64, Result<ComputedPath, Unreachable>)>),
    Group(GroupKey),
}

/// An LSP's place in the order: its setup priority (RFC 5440 LSPA, 0
/// highest; without LSPA the lowest, 7, as RSVP-TE's default).
fn priority(plan: &Plan) -> u8 {
    plan.attributes
        .lspa
        .as_ref()
        .map_or(7, |l| l.setup_priority)
}

impl Pce {
    /// Compute `keys` again (the controlled ones, with their groups), in
    /// priority order, in parallel rounds; returns the LSPs placed, each
    /// with whether it was without a path before.
    pub(super) fn place(&mut self, keys: &[LspKey]) -> Vec<(LspKey, bool)> {
        let mut seen_groups = HashSet::new();
        let mut lsps = Vec::new();
        let mut units: Vec<((u8, LspKey), Unit)> = Vec::new();
        // What computing each LSP outside a group needs (its report
        // decoded), in parallel.
        let this = &*self;
        let plan = |key: &LspKey| {
            if this.lsp_groups.contains_key(key) {
                None
            } else {
                this.plan(*key)
            }
        };
        let mut plans: Vec<Option<Plan>> = if self.one_by_one {
            keys.iter().map(plan).collect()
        } else {
            keys.par_iter().map(plan).collect()
        };
        for (&key, plan) in keys.iter().zip(plans.iter_mut()) {
            if let Some(group) = self.lsp_groups.get(&key).and_then(|g| g.first()).copied() {
                if !seen_groups.insert(group) {
                    continue;
                }
                let Some(members) = self.groups.get(&group).cloned() else {
                    continue;
                };
                let mut first: Option<(u8, LspKey)> = None;
                for member in members.keys() {
                    let Some(plan) = self.plan(*member) else {
                        continue;
                    };
                    lsps.push((*member, plan.control.no_path));
                    if plan.controlled && plan.control.pending_srp.is_none() {
                        self.release(member);
                    }
                    let rank = (priority(&plan), *member);
                    first = Some(first.map_or(rank, |f| f.min(rank)));
                }
                if let Some(rank) = first {
                    units.push((rank, Unit::Group(group)));
                }
                continue;
            }
            let Some(plan) = plan.take() else {
                continue;
            };
            if !plan.controlled || plan.control.pending_srp.is_some() {
                continue;
            }
            self.release(&key);
            lsps.push((key, plan.control.no_path));
            units.push(((priority(&plan), key), Unit::Single(Box::new(plan), None)));
        }
        units.sort_by_key(|(rank, _)| *rank);
        let topo = Arc::clone(&self.topology);
        let mut start = 0;
        // Commits so far (paths and groups placed: what changes the
        // reservations).
        let mut commits = 0u64;
        // Whether a unit needs computing: no candidate, or one that can no
        // longer be committed.
        let stale = |u: &Unit, r: &Reservations, commits| match u {
            Unit::Single(plan, Some(c)) => !committable(&topo, r, plan, c, commits),
            Unit::Single(_, None) => true,
            Unit::Group(_) => false,
        };
        while start < units.len() {
            if self.one_by_one {
                // The next unit alone, on this core's workspace.
                if let Some((_, u)) = units.get_mut(start) {
                    if let (true, Unit::Single(plan, candidate)) =
                        (stale(u, &self.reservations, commits), u)
                    {
                        let path =
                            compute_path(&topo, &self.reservations, &plan.ask(), &mut self.ws);
                        *candidate = Some((commits, path));
                        self.counters.computations += 1;
                    }
                }
            } else {
                let current = &self.reservations;
                let round = units
                    .get_mut(start..)
                    .unwrap_or_default()
                    .par_iter_mut()
                    .filter(|(_, u)| stale(u, current, commits))
                    .map_init(Workspace::new, |ws, (_, u)| {
                        if let Unit::Single(plan, candidate) = u {
                            let path = compute_path(&topo, current, &plan.ask(), ws);
                            *candidate = Some((commits, path));
                        }
                        1usize
                    })
                    .sum::<usize>();
                self.counters.computations += round as u64;
            }
            // Commit in order up to the first candidate that can no longer
            // be committed (taken by an earlier LSP of this round, or not
            // proven on what is reserved now).
            while let Some((_, unit)) = units.get_mut(start) {
                if stale(unit, &self.reservations, commits) {
                    break;
                }
                match unit {
                    Unit::Group(group) => {
                        let group = *group;
                        self.compute_group(group, None);
                        commits += 1;
                    }
                    Unit::Single(plan, candidate) => {
                        if let Some((_, result)) = candidate.take() {
                            if self.commit(plan, result) {
                                commits += 1;
                            }
                        }
                    }
                }
                start += 1;
            }
        }
        lsps
    }

    /// Commit an LSP's computed path, or its lack of one; whether its path
    /// now holds bandwidth.
    fn commit(&mut self, plan: &Plan, result: Result<ComputedPath, Unreachable>) -> bool {
        match result {
            Ok(path) => {
                self.apply_path(plan, path, false, Vec::new());
                true
            }
            Err(e) => {
                let proven = match e {
                    Unreachable::NoPath { proven } => proven,
                    Unreachable::UnknownEndpoints(_) => true,
                };
                self.lspdb.with_mut(&plan.key, |e| {
                    e.control.no_path = true;
                    e.control.proven = proven;
                });
                false
            }
        }
    }

    /// The controlled LSPs whose computed paths use any of `links`, sorted.
    pub(super) fn lsps_on(&self, links: &[LinkId]) -> Vec<LspKey> {
        self.placed.on(links, self.topology.link_count())
    }

    /// Delegated LSPs without a path (a scan of the database: only when a
    /// change can give them one).
    pub(super) fn pathless(&self) -> Vec<LspKey> {
        self.lspdb
            .iter()
            .filter(|(_, e)| e.control.delegated && e.control.no_path)
            .map(|(k, _)| *k)
            .collect()
    }

    /// [`ChangeReport`]'s LSP figures: `placed` (each with whether it was
    /// without a path before) after the change.
    pub(super) fn report_lsps(
        &self,
        report: &mut ChangeReport,
        placed: &[(LspKey, bool)],
        updates_before: u64,
    ) {
        report.recomputed = placed.len();
        report.updated = usize::try_from(self.counters.updates_sent - updates_before).unwrap_or(0);
        report.without_path = 0;
        report.lost_path.clear();
        for (key, before) in placed {
            let Some((true, proven, name)) = self.lspdb.with(key, |e| {
                (e.control.no_path, e.control.proven, e.name.clone())
            }) else {
                continue;
            };
            report.without_path += 1;
            if !before {
                report.lost_path.push(PathlessLsp {
                    pcc: key.pcc.to_string(),
                    name: String::from_utf8_lossy(&name).into_owned(),
                    proven,
                    reason: self.why_pathless(*key, proven),
                });
            }
        }
    }
}

impl Pce {
    /// Why an LSP has no path, in words ([`PathlessLsp::reason`]).
    fn why_pathless(&self, key: LspKey, proven: bool) -> &'static str {
        let topo = self.topology.topology();
        let end = |a| topo.node_by_address(a).and_then(|n| topo.node(n));
        match self.plan(key).map(|p| (end(p.source), end(p.destination))) {
            Some((Some(h), _)) if !h.up => "its head end is down",
            Some((_, Some(t))) if !t.up => "its tail end is down",
            Some((None, _) | (_, None)) => "its ends are not in the topology",
            _ if proven => "no path meets its constraints",
            _ => "no path found within the search limits",
        }
    }
}

/// Whether a candidate computed after `at` commits can be committed on
/// `r`, after `commits`: a path that still fits, proven optimal or computed
/// on these very reservations; a "no path" proven, or computed on them.
fn committable(
    topo: &Prepared,
    r: &Reservations,
    plan: &Plan,
    (at, candidate): &(u64, Result<ComputedPath, Unreachable>),
    commits: u64,
) -> bool {
    match candidate {
        Ok(path) => {
            (path.optimal || *at == commits) && fits(topo, r, &path.links, plan.bandwidth_bps())
        }
        Err(Unreachable::NoPath { proven: false }) => *at == commits,
        Err(_) => true,
    }
}

/// Whether `links` still have `bw` unreserved (the solver's own admission
/// test).
fn fits(topo: &Prepared, r: &Reservations, links: &[LinkId], bw: f64) -> bool {
    bw <= 0.0
        || links.iter().all(|l| {
            topo.bandwidths()
                .get(l.index())
                .is_some_and(|b| b - r.reserved(*l) >= bw)
        })
}
