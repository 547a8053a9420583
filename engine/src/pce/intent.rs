//! Operator intent: what the operator asked of this PCE (the LSPs it
//! initiated, with their constraints as last changed, and the constraints
//! it put on delegated LSPs), which must outlive the process.
//!
//! The core keeps it in its maps; it says what changed
//! ([`Pce::take_intent_changes`]) for the shell to store before the
//! operator has an answer, and takes it back whole at startup
//! ([`Command::Restore`](super::Command::Restore)): initiated LSPs that a
//! PCC no longer has are initiated again when it has synchronized, and
//! overrides apply as before.

use std::collections::BTreeSet;
use std::net::IpAddr;

use pcep::wire::Attributes;
use serde::{Deserialize, Serialize};

use crate::lspdb::PccId;
use crate::pce::{name_key, CommandError, InitiateSpec, NameKey, Pce};
use crate::topology::TopologyEvent;

/// The operator's intent, whole.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    /// PCE-initiated LSPs as asked for, with later constraint changes.
    #[serde(default)]
    pub initiated: Vec<Initiated>,
    /// Operator constraints on delegated LSPs.
    #[serde(default)]
    pub overrides: Vec<Override>,
    /// The operator's changes to the topology (`PATCH /topology/...`), in
    /// order, each link's or node's merged into one: applied again over
    /// every new topology (a file reloaded, a BGP-LS update, a restart),
    /// until lifted.
    #[serde(default)]
    pub topology: Vec<TopologyEvent>,
    /// LSPs whose delegation the operator returned (returned again when
    /// their PCC delegates them).
    #[serde(default)]
    pub returned: Vec<Returned>,
}

/// An LSP whose delegation the operator returned.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Returned {
    /// The head end.
    pub pcc: IpAddr,
    /// The LSP's symbolic name.
    pub name: String,
}

/// A PCE-initiated LSP, in the form that is stored (the attributes as the
/// PCInitiate that would carry them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Initiated(#[serde(with = "super::input::wire_spec")] pub Box<InitiateSpec>);

/// Operator constraints for a delegated LSP, which replace the PCC's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Override {
    /// The head end.
    pub pcc: IpAddr,
    /// The LSP's symbolic name.
    pub name: String,
    /// The constraints.
    #[serde(with = "super::input::wire_attributes")]
    pub attributes: Box<Attributes>,
}

/// An entry of the intent as it now stands, after a change (`None`: it is
/// gone).
#[derive(Clone, Debug, PartialEq)]
pub enum IntentChange {
    /// A PCE-initiated LSP.
    Initiated {
        /// The head end.
        pcc: IpAddr,
        /// The LSP's name.
        name: String,
        /// What is asked for now.
        now: Option<Initiated>,
    },
    /// Constraints on a delegated LSP.
    Override {
        /// The head end.
        pcc: IpAddr,
        /// The LSP's name.
        name: String,
        /// What is asked for now.
        now: Option<Override>,
    },
    /// A returned delegation.
    Returned {
        /// The head end.
        pcc: IpAddr,
        /// The LSP's name.
        name: String,
        /// Returned now (else taken back).
        now: bool,
    },
    /// The operator's topology changes, whole (as [`Intent::topology`]).
    Topology {
        /// As they now stand.
        now: Vec<TopologyEvent>,
    },
}

/// Which map of the intent an entry is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum IntentKind {
    Initiated,
    Override,
    /// The topology changes (one entry: the key is a placeholder).
    Topology,
    Returned,
}

fn address(key: &NameKey) -> Option<(IpAddr, String)> {
    match &key.0 {
        PccId::Addr(a) => Some((*a, String::from_utf8_lossy(&key.1).into_owned())),
        PccId::Named(_) => None,
    }
}

/// Where a page of the intent ends: an entry's kind (0 initiated, 1
/// override, 2 returned), head end and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntentCursor {
    /// 0 initiated, 1 override, 2 returned.
    pub kind: u8,
    /// The head end.
    pub pcc: IpAddr,
    /// The LSP's name.
    pub name: String,
}

impl Pce {
    /// A page of the intent: at most `limit` entries (initiated LSPs,
    /// then overrides, then returned delegations, each by head end and
    /// name) after `after`, the topology changes with the first page; and
    /// where the next page starts, if there is more. From ordered maps:
    /// O(log n + limit), whatever the intent holds.
    pub fn intent_page(
        &self,
        after: Option<&IntentCursor>,
        limit: usize,
    ) -> (Intent, Option<IntentCursor>) {
        use std::ops::Bound::{Excluded, Unbounded};
        let from = after.map(|a| (a.kind, name_key(PccId::Addr(a.pcc), a.name.as_bytes())));
        // The keys of kind `kind` after the cursor.
        let start = |kind: u8| match &from {
            Some((k, key)) if *k == kind => Some(Excluded(key.clone())),
            Some((k, _)) if *k > kind => None,
            _ => Some(Unbounded),
        };
        let mut page = Intent {
            topology: if after.is_none() {
                self.operator_topology.clone()
            } else {
                Vec::new()
            },
            ..Intent::default()
        };
        let mut last: Option<(u8, NameKey)> = None;
        let mut left = limit;
        let mut more = false;
        if let Some(b) = start(0) {
            for (key, spec) in self.initiated.range((b, Unbounded)) {
                if left == 0 {
                    more = true;
                    break;
                }
                page.initiated.push(Initiated(Box::new(spec.clone())));
                last = Some((0, key.clone()));
                left -= 1;
            }
        }
        if let Some(b) = start(1).filter(|_| !more) {
            for (key, attributes) in self.overrides.range((b, Unbounded)) {
                let Some((pcc, name)) = address(key) else {
                    continue;
                };
                if left == 0 {
                    more = true;
                    break;
                }
                page.overrides.push(Override {
                    pcc,
                    name,
                    attributes: Box::new(attributes.clone()),
                });
                last = Some((1, key.clone()));
                left -= 1;
            }
        }
        if let Some(b) = start(2).filter(|_| !more) {
            for key in self.returned.range((b, Unbounded)) {
                let Some((pcc, name)) = address(key) else {
                    continue;
                };
                if left == 0 {
                    more = true;
                    break;
                }
                page.returned.push(Returned { pcc, name });
                last = Some((2, key.clone()));
                left -= 1;
            }
        }
        let next = more
            .then(|| {
                let (kind, key) = last?;
                let (pcc, name) = address(&key)?;
                Some(IntentCursor { kind, pcc, name })
            })
            .flatten();
        (page, next)
    }

    /// The operator's intent, whole, sorted by head end and name.
    pub fn intent(&self) -> Intent {
        self.intent_page(None, usize::MAX).0
    }

    /// The entries of the intent changed since the last call, each as it
    /// now stands.
    pub fn take_intent_changes(&mut self) -> Vec<IntentChange> {
        std::mem::take(&mut self.intent_dirty)
            .into_iter()
            .filter_map(|(kind, key)| {
                if kind == IntentKind::Topology {
                    return Some(IntentChange::Topology {
                        now: self.operator_topology.clone(),
                    });
                }
                let (pcc, name) = address(&key)?;
                Some(match kind {
                    IntentKind::Topology => return None,
                    IntentKind::Returned => IntentChange::Returned {
                        now: self.returned.contains(&key),
                        pcc,
                        name,
                    },
                    IntentKind::Initiated => IntentChange::Initiated {
                        now: self
                            .initiated
                            .get(&key)
                            .map(|s| Initiated(Box::new(s.clone()))),
                        pcc,
                        name,
                    },
                    IntentKind::Override => IntentChange::Override {
                        now: self.overrides.get(&key).map(|a| Override {
                            pcc,
                            name: name.clone(),
                            attributes: Box::new(a.clone()),
                        }),
                        pcc,
                        name,
                    },
                })
            })
            .collect()
    }

    /// An entry of the intent changed (or went).
    pub(super) fn intent_touched(&mut self, kind: IntentKind, key: &NameKey) {
        self.intent_dirty.insert((kind, key.clone()));
    }

    /// The intent stored before a restart, taken back: nothing is sent now;
    /// a PCC that synchronizes without an initiated LSP gets it initiated
    /// again, and overrides apply to the next computation. Returns how many
    /// entries it holds.
    pub(super) fn restore(&mut self, intent: Intent) -> Result<u32, CommandError> {
        let n = intent.initiated.len()
            + intent.overrides.len()
            + intent.topology.len()
            + intent.returned.len();
        for r in intent.returned {
            self.returned
                .insert(name_key(PccId::Addr(r.pcc), r.name.as_bytes()));
        }
        if !intent.topology.is_empty() {
            self.operator_topology = intent.topology;
            // Over the topology this PCE started with (what no longer
            // applies, a link or node gone, is skipped).
            let base = crate::topology::Topology::clone(self.topology.topology());
            let next = self.with_operator_topology(base);
            if let Some((next, _)) = self.topology.rebase(&next) {
                self.adopt_topology(next);
            }
        }
        for Initiated(spec) in intent.initiated {
            let key = name_key(PccId::Addr(spec.pcc), spec.name.as_bytes());
            self.initiated.insert(key, *spec);
        }
        for o in intent.overrides {
            let key = name_key(PccId::Addr(o.pcc), o.name.as_bytes());
            self.overrides.insert(key, *o.attributes);
        }
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }
}

impl Pce {
    /// An operator's topology change, kept (merged with the same link's
    /// or node's before it): bringing a link or node up lifts that part of
    /// the override rather than pinning it up.
    pub(super) fn keep_operator_event(&mut self, event: &TopologyEvent) {
        let kept = &mut self.operator_topology;
        match event {
            TopologyEvent::NodeState { node, up } => {
                kept.retain(
                    |e| !matches!(e, TopologyEvent::NodeState { node: n, .. } if n == node),
                );
                if !up {
                    kept.push(event.clone());
                }
            }
            TopologyEvent::Link {
                a,
                b,
                a_interface,
                one_way,
                set,
            } => {
                let same = |e: &TopologyEvent| {
                    matches!(e, TopologyEvent::Link { a: x, b: y, a_interface: i, one_way: o, .. }
                        if x == a && y == b && i == a_interface && o == one_way)
                };
                let mut merged = match kept.iter().position(same) {
                    Some(at) => match kept.remove(at) {
                        TopologyEvent::Link { set, .. } => set,
                        _ => crate::topology::LinkPatch::default(),
                    },
                    None => crate::topology::LinkPatch::default(),
                };
                let s = set.clone();
                merged.up = match s.up {
                    Some(true) => None,
                    Some(false) => Some(false),
                    None => merged.up,
                };
                merged.igp_metric = s.igp_metric.or(merged.igp_metric);
                merged.te_metric = s.te_metric.or(merged.te_metric);
                merged.delay_us = s.delay_us.or(merged.delay_us);
                merged.bandwidth_bps = s.bandwidth_bps.or(merged.bandwidth_bps);
                merged.admin_groups = s.admin_groups.or(merged.admin_groups);
                merged.srlgs = s.srlgs.or(merged.srlgs);
                if !merged.is_empty() {
                    kept.push(TopologyEvent::Link {
                        a: a.clone(),
                        b: b.clone(),
                        a_interface: *a_interface,
                        one_way: *one_way,
                        set: merged,
                    });
                }
            }
            // Other kinds come from files and scenarios, not the operator's
            // API; they are not kept.
            _ => return,
        }
        self.topology_touched();
    }

    /// The topology changes changed (one entry of the intent: its key is
    /// a placeholder).
    fn topology_touched(&mut self) {
        self.intent_touched(
            IntentKind::Topology,
            &name_key(PccId::Addr(IpAddr::from([0u8; 4])), b""),
        );
    }

    /// Forget the operator's topology changes (`DELETE
    /// /topology/overrides`); the next topology (a reload, a BGP-LS
    /// update) is taken as it comes. How many there were.
    pub fn clear_operator_topology(&mut self) -> usize {
        let n = self.operator_topology.len();
        if n > 0 {
            self.operator_topology.clear();
            self.topology_touched();
        }
        n
    }

    /// `base` with the operator's changes applied (each that applies).
    pub(super) fn with_operator_topology(
        &self,
        mut base: crate::topology::Topology,
    ) -> crate::topology::Topology {
        for e in &self.operator_topology {
            if let Ok(next) = base.apply(e) {
                base = next;
            }
        }
        base
    }
}

/// The keys of changed entries, by map.
pub(super) type Dirty = BTreeSet<(IntentKind, NameKey)>;
