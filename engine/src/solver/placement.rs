//! Placing many LSPs with bandwidth accounting, in parallel, with results
//! identical for any number of threads; and rerouting only the LSPs a
//! failure touches.
//!
//! The result is exactly that of placing the LSPs one by one in priority
//! order (index 0 first), each on its best path given what the previous
//! ones hold; the work is done in parallel rounds:
//! * every pending LSP without a usable candidate path is computed, in
//!   parallel, against the current reservations;
//! * candidates are committed strictly in order, stopping at the first one
//!   that no longer fits (capacity an earlier LSP of the round took).
//!
//! This is sound because reservations only grow while placing: a path that
//! was optimal on fewer reservations and still fits is optimal now; an LSP
//! with no path on fewer reservations has none later. The first pending LSP
//! of a round was computed on the current reservations, so every round
//! commits at least one. What is computed depends only on the reservations
//! at the start of a round, and commits follow the LSP order: the thread
//! count cannot change the result.

use rayon::prelude::*;

use super::cspf::{compute, NoPath, Path, PathRequest, Reservations, Workspace};
use super::Prepared;
use crate::topology::LinkId;

/// Placed LSPs: a path (or why none) per request, the reservations they
/// hold, and which LSPs use each link.
#[derive(Clone, Debug)]
pub struct Placement {
    /// Per request, in request order.
    pub paths: Vec<Result<Path, NoPath>>,
    /// Bandwidth held on each link.
    pub reservations: Reservations,
    /// Per link, the LSPs (request indices) whose path uses it.
    link_lsps: Vec<Vec<u32>>,
    /// Optimistic rounds the last placement or reroute took.
    pub rounds: usize,
}

impl Placement {
    /// Place every request, in order of priority (index 0 first).
    pub fn place(topo: &Prepared, requests: &[PathRequest]) -> Self {
        let mut placement = Self {
            paths: vec![Err(NoPath::Infeasible { proven: true }); requests.len()],
            reservations: Reservations::new(topo.link_count()),
            link_lsps: vec![Vec::new(); topo.link_count()],
            rounds: 0,
        };
        let all: Vec<u32> = (0..requests.len() as u32).collect();
        placement.run(topo, requests, all);
        placement
    }

    /// The LSPs using `link`.
    pub fn lsps_on(&self, link: LinkId) -> &[u32] {
        self.link_lsps.get(link.index()).map_or(&[], Vec::as_slice)
    }

    /// After a topology change (`topo` is the new snapshot, with the same
    /// link indices), recompute only the LSPs on `changed` links; returns
    /// them, in order.
    pub fn reroute(
        &mut self,
        topo: &Prepared,
        requests: &[PathRequest],
        changed: &[LinkId],
    ) -> Vec<u32> {
        let mut affected: Vec<u32> = changed
            .iter()
            .flat_map(|l| self.lsps_on(*l).iter().copied())
            .collect();
        affected.sort_unstable();
        affected.dedup();
        for &i in &affected {
            self.release(requests, i);
        }
        self.run(topo, requests, affected.clone());
        affected
    }

    fn release(&mut self, requests: &[PathRequest], i: u32) {
        let Some(Ok(path)) = self.paths.get(i as usize) else {
            return;
        };
        let links = path.links.clone();
        let bw = requests
            .get(i as usize)
            .map_or(0.0, |r| r.constraints.bandwidth);
        self.reservations.add(&links, -bw);
        for l in &links {
            if let Some(v) = self.link_lsps.get_mut(l.index()) {
                v.retain(|&x| x != i);
            }
        }
        if let Some(p) = self.paths.get_mut(i as usize) {
            *p = Err(NoPath::Infeasible { proven: true });
        }
    }

    fn run(&mut self, topo: &Prepared, requests: &[PathRequest], pending: Vec<u32>) {
        self.rounds = 0;
        let bw = |i: u32| {
            requests
                .get(i as usize)
                .map_or(0.0, |r| r.constraints.bandwidth)
        };
        // (LSP, candidate) in priority order.
        let mut pending: Vec<(u32, Option<Result<Path, NoPath>>)> =
            pending.into_iter().map(|i| (i, None)).collect();
        let mut start = 0;
        while start < pending.len() {
            self.rounds += 1;
            let current = &self.reservations;
            // Recompute what has no candidate or one that no longer fits.
            pending
                .get_mut(start..)
                .unwrap_or_default()
                .par_iter_mut()
                .filter(|(i, c)| match c {
                    None => true,
                    Some(Ok(path)) => !fits(topo, current, &path.links, bw(*i)),
                    Some(Err(_)) => false,
                })
                .for_each_init(Workspace::new, |ws, (i, c)| {
                    let r = requests
                        .get(*i as usize)
                        .map_or(Err(NoPath::UnknownNode), |req| {
                            compute(topo, current, req, ws)
                        });
                    *c = Some(r);
                });
            // Commit in order up to the first candidate that no longer fits.
            while let Some((i, candidate)) = pending.get_mut(start) {
                let i = *i;
                match candidate.take() {
                    Some(Ok(path)) if fits(topo, &self.reservations, &path.links, bw(i)) => {
                        self.reservations.add(&path.links, bw(i));
                        for l in &path.links {
                            if let Some(v) = self.link_lsps.get_mut(l.index()) {
                                v.push(i);
                            }
                        }
                        if let Some(p) = self.paths.get_mut(i as usize) {
                            *p = Ok(path);
                        }
                    }
                    Some(Err(e)) => {
                        if let Some(p) = self.paths.get_mut(i as usize) {
                            *p = Err(e);
                        }
                    }
                    other => {
                        // Taken by an earlier LSP of this round: next round.
                        *candidate = other;
                        break;
                    }
                }
                start += 1;
            }
        }
    }
}

fn fits(topo: &Prepared, r: &Reservations, links: &[LinkId], bw: f64) -> bool {
    bw <= 0.0
        || links.iter().all(|l| {
            topo.link(*l)
                .is_some_and(|link| link.bandwidth - r.reserved(*l) >= bw)
        })
}
