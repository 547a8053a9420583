//! Computation priority (draft §3.5, §5): the computing PCE of an LSP
//! (per LSP, per association group, global; the highest identity breaks
//! ties), and re-deciding it when the reachable set changes.

use std::net::IpAddr;

use pcep::wire::{Message, PcRpt};

use crate::lspdb::LspKey;
use crate::pce::inter_pce::PrimaryLoss;
use crate::pce::Pce;

/// Highest priority, then highest address (IPv4 compared as IPv4-mapped
/// IPv6, DIGEST §10.13).
pub(in crate::pce) fn rank(priority: u32, address: IpAddr) -> (u32, u128) {
    (priority, address_rank(address))
}

/// The order of PCE identities (DIGEST §10.13): IPv4 as IPv4-mapped IPv6,
/// in 128-bit order. The higher identity wins a tie of priorities; the
/// lower one opens the state-sync session.
pub fn address_rank(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

impl Pce {
    /// The computing PCE of an LSP among the reachable ones (this PCE and
    /// the peers with a state-sync session up).
    pub(in crate::pce) fn primary_for(&self, key: LspKey) -> Option<IpAddr> {
        let ss = self.sync_config()?;
        let name = if ss.lsp_priorities.is_empty() {
            None
        } else {
            self.lspdb.with(&key, |e| e.name.clone())
        };
        let groups = self.lsp_groups.get(&key);
        let priority = |pce: IpAddr, global: u32| -> u32 {
            if let Some(name) = &name {
                if let Some(r) = ss
                    .lsp_priorities
                    .iter()
                    .find(|r| Some(r.pcc) == key.pcc.addr() && r.name.as_bytes() == &name[..])
                {
                    return r
                        .priorities
                        .iter()
                        .find(|(a, _)| *a == pce)
                        .map_or(0, |p| p.1);
                }
            }
            let group_rule = groups.into_iter().flatten().find_map(|g| {
                ss.group_priorities.iter().find(|r| {
                    r.association_type == g.association_type
                        && r.source == g.source
                        && (r.ids.0..=r.ids.1).contains(&g.id)
                })
            });
            if let Some(r) = group_rule {
                return r
                    .priorities
                    .iter()
                    .find(|(a, _)| *a == pce)
                    .map_or(0, |p| p.1);
            }
            global
        };
        let mut best = (
            ss.identity,
            rank(priority(ss.identity, ss.priority), ss.identity),
        );
        for p in &ss.peers {
            if self.peer_session(p.address).is_none() {
                continue;
            }
            let r = rank(priority(p.address, p.priority), p.address);
            if r > best.1 {
                best = (p.address, r);
            }
        }
        Some(best.0)
    }

    /// After the set of reachable PCEs changed: re-decide, for every LSP a
    /// PCC delegated to us, whether we compute it or sub-delegate it, and
    /// tell the peers concerned (D=0 to the old target, D=1 to the new one).
    pub(in crate::pce) fn reassign_primaries(&mut self) {
        let Some(local) = self.sync_config().map(|s| s.identity) else {
            return;
        };
        let policy = self
            .sync_config()
            .map(|s| s.on_primary_loss)
            .unwrap_or_default();
        for key in self.delegated_to_us() {
            let Some(control) = self.lspdb.with(&key, |e| e.control.clone()) else {
                continue;
            };
            if control.inter().delegated_by.is_some() && !control.inter().pcc_delegated {
                // Sub-delegated to us: we compute it while we are the
                // computing PCE as we see the mesh.
                let computing = self.primary_for(key) == Some(local);
                if computing != control.delegated {
                    self.lspdb.with_mut(&key, |e| {
                        e.control.delegated = computing;
                        e.control.pending_srp = None;
                    });
                    if computing {
                        self.compute_and_update(key, false);
                    }
                }
                continue;
            }
            if !control.inter().pcc_delegated {
                continue;
            }
            let old = control.inter().sub_delegated_to;
            let lost = old.is_some_and(|o| self.peer_session(o).is_none());
            let primary = if lost && policy == PrimaryLoss::Reclaim {
                Some(local)
            } else {
                self.primary_for(key)
            };
            let new = primary.filter(|p| *p != local);
            // Unchanged, unless we compute it and have not been (a PCC
            // delegation held back while no primary was decided).
            if new == old && (old.is_some() || control.delegated) {
                continue;
            }
            self.lspdb.with_mut(&key, |e| {
                e.control.inter_mut().sub_delegated_to = new;
                e.control.delegated = new.is_none() || e.control.inter().delegated_by.is_some();
                if new.is_some() {
                    e.control.pending_srp = None;
                }
            });
            for target in [old, new].into_iter().flatten() {
                if let Some(s) = self.peer_session(target) {
                    if let Some(r) = self.forwardable(key, target, false, 0) {
                        self.counters.forwarded_reports += 1;
                        self.send(s, Message::PcRpt(PcRpt { reports: vec![r] }));
                    }
                }
            }
            if new.is_none() {
                self.compute_and_update(key, false);
            }
        }
    }
}
