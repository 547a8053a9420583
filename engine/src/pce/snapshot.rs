//! What the PCE knows, exported for planning offline (`GET /snapshot`,
//! `pce snapshot`): the topology as a file with what is down as events,
//! and every LSP with what its computation uses (ends, constraints,
//! priorities, groups), who computes it, the path it holds, and its last
//! report as the PCC sent it (hex), from which the same core rebuilds it
//! exactly.
//!
//! The format is versioned ([`FORMAT`], [`VERSION`]): a reader refuses a
//! snapshot of another format or a newer version by name
//! ([`Snapshot::check`]).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::lspdb::LspKey;
use crate::pcreq::{path_request, Unreachable};
use crate::solver::cspf::Objective;
use crate::topology::{NodeId, Topology, TopologyEvent, TopologyFile};

use super::Pce;

/// The value of a snapshot's `format`.
pub const FORMAT: &str = "pce-snapshot";

/// The version this build writes and the newest it reads.
pub const VERSION: u32 = 2;

/// A snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`] when written.
    pub version: u32,
    /// The PCE that took it (its state-sync identity or address).
    #[serde(default)]
    pub pce: Option<IpAddr>,
    /// The topology, with every attribute as the PCE has it now (the
    /// operator's changes applied).
    pub topology: TopologyFile,
    /// What is down, as events to apply to `topology`.
    #[serde(default)]
    pub down: Vec<TopologyEvent>,
    /// Every LSP, by PCC and PLSP-ID.
    #[serde(default)]
    pub lsps: Vec<SnapshotLsp>,
}

/// An LSP in a snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotLsp {
    /// Its PCC (an address, or `speaker:NAME`).
    pub pcc: String,
    /// PLSP-ID.
    pub plsp_id: u32,
    /// Symbolic name.
    pub name: String,
    /// Delegated to (controlled by) the PCE that took the snapshot.
    pub delegated: bool,
    /// PCE-initiated.
    pub initiated: bool,
    /// The PCE computing it, as far as the snapshot's PCE knows.
    #[serde(default)]
    pub computing_pce: Option<IpAddr>,
    /// "sr" or "rsvp".
    pub setup: String,
    /// LSPA setup priority (0 highest; 7 without LSPA), the order of
    /// placement.
    pub setup_priority: u8,
    /// LSPA holding priority.
    pub holding_priority: u8,
    /// What its computation asks, by node and link names; absent with
    /// `unplaceable` when its ends are not in the topology.
    #[serde(default)]
    pub request: Option<Request>,
    /// Why it has no request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unplaceable: Option<String>,
    /// The links it holds bandwidth on, in order (the path the PCE
    /// computed and placed); absent when it holds none.
    #[serde(default)]
    pub path: Option<Vec<String>>,
    /// The path its PCC reports (ERO subobjects).
    #[serde(default)]
    pub reported_path: Vec<String>,
    /// Association groups (RFC 8697), with the disjointness asked.
    #[serde(default)]
    pub associations: Vec<Group>,
    /// The disjointness its disjoint group achieves for it (the
    /// DISJOINTNESS-STATUS flags, RFC 8800), when this PCE computed it.
    #[serde(default)]
    pub disjointness_status: Option<u32>,
    /// The last report's objects as the PCC sent them, hex.
    pub report: String,
}

/// What an LSP's computation asks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Head end (node name).
    pub source: String,
    /// Tail end.
    pub destination: String,
    /// "igp", "te", "delay" or "hops".
    pub objective: String,
    /// Bits per second.
    #[serde(default)]
    pub bandwidth_bps: f64,
    /// Affinities.
    #[serde(default)]
    pub exclude_any: u32,
    /// Include-any.
    #[serde(default)]
    pub include_any: u32,
    /// Include-all.
    #[serde(default)]
    pub include_all: u32,
    /// SRLGs to avoid.
    #[serde(default)]
    pub exclude_srlgs: Vec<u32>,
    /// Nodes to avoid.
    #[serde(default)]
    pub exclude_nodes: Vec<String>,
    /// Links to avoid.
    #[serde(default)]
    pub exclude_links: Vec<String>,
    /// Nodes to visit in order.
    #[serde(default)]
    pub include_nodes: Vec<String>,
    /// Bound on the IGP metric.
    #[serde(default)]
    pub max_igp: Option<u64>,
    /// Bound on the TE metric.
    #[serde(default)]
    pub max_te: Option<u64>,
    /// Bound on the delay, microseconds.
    #[serde(default)]
    pub max_delay_us: Option<u64>,
    /// Bound on the hops.
    #[serde(default)]
    pub max_hops: Option<u32>,
}

/// An association group membership.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Association type (2: disjoint).
    #[serde(rename = "type")]
    pub association_type: u16,
    /// Association ID.
    pub id: u16,
    /// Association source.
    pub source: IpAddr,
    /// DISJOINTNESS-CONFIGURATION flags (RFC 8800: L 1, N 2, S 4, P 8,
    /// T 16), for a disjoint group.
    #[serde(default)]
    pub disjointness: Option<u32>,
}

/// Why a snapshot cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// Not a snapshot.
    #[error("not a PCE snapshot: format is {0:?}, expected {FORMAT:?}")]
    Format(String),
    /// Written by a newer version.
    #[error("snapshot version {0} is newer than this build reads ({VERSION})")]
    Version(u32),
}

impl Snapshot {
    /// Refuse a snapshot of another format or a newer version.
    pub fn check(&self) -> Result<(), SnapshotError> {
        if self.format != FORMAT {
            return Err(SnapshotError::Format(self.format.clone()));
        }
        if self.version > VERSION {
            return Err(SnapshotError::Version(self.version));
        }
        Ok(())
    }
}

fn objective_name(o: Objective) -> &'static str {
    match o {
        Objective::Igp => "igp",
        Objective::Te => "te",
        Objective::Delay => "delay",
        Objective::Hops => "hops",
    }
}

impl Pce {
    /// The snapshot of this core, as taken by `me`: one version of the
    /// topology and the LSP database (a copy of the core answers without
    /// holding it).
    pub fn snapshot(&self, me: Option<IpAddr>) -> Snapshot {
        let topo: &Topology = self.topology.topology();
        let (topology, down) = topo.to_file();
        let name = |n: NodeId| topo.node(n).map(|n| n.name.clone()).unwrap_or_default();
        let mut keys = self.lspdb.keys();
        keys.sort();
        let lsps = keys
            .into_iter()
            .filter_map(|key| self.snapshot_lsp(topo, key, me, &name))
            .collect();
        Snapshot {
            format: FORMAT.into(),
            version: VERSION,
            pce: me,
            topology,
            down,
            lsps,
        }
    }

    fn snapshot_lsp(
        &self,
        topo: &Topology,
        key: LspKey,
        me: Option<IpAddr>,
        name: &dyn Fn(NodeId) -> String,
    ) -> Option<SnapshotLsp> {
        let (entry_name, wire, control, report, computing_pce) = self.lspdb.with(&key, |e| {
            (
                e.name.clone(),
                e.wire.clone(),
                e.control.clone(),
                e.report(),
                e.computing_pce(me),
            )
        })?;
        let plan = self.plan(key);
        let lspa = report.intended.lspa.as_ref();
        let (request, unplaceable) = match plan.as_ref().map(|p| path_request(topo, &p.ask())) {
            Some(Ok(r)) => {
                let c = &r.constraints;
                (
                    Some(Request {
                        source: name(r.source),
                        destination: name(r.destination),
                        objective: objective_name(r.objective).into(),
                        bandwidth_bps: c.bandwidth,
                        exclude_any: c.exclude_any,
                        include_any: c.include_any,
                        include_all: c.include_all,
                        exclude_srlgs: c.exclude_srlgs.clone(),
                        exclude_nodes: c.exclude_nodes.iter().map(|&n| name(n)).collect(),
                        exclude_links: c.exclude_links.iter().map(|&l| topo.link_name(l)).collect(),
                        include_nodes: c.include_nodes.iter().map(|&n| name(n)).collect(),
                        max_igp: c.max_igp,
                        max_te: c.max_te,
                        max_delay_us: c.max_delay,
                        max_hops: c.max_hops,
                    }),
                    None,
                )
            }
            Some(Err(Unreachable::UnknownEndpoints(_))) => {
                (None, Some("its ends are not in the topology".into()))
            }
            Some(Err(Unreachable::NoPath { .. })) => {
                (None, Some("its request cannot be made".into()))
            }
            None => (None, Some("its report cannot be read".into())),
        };
        Some(SnapshotLsp {
            pcc: key.pcc.to_string(),
            plsp_id: key.plsp_id,
            name: String::from_utf8_lossy(&entry_name).into_owned(),
            delegated: control.delegated,
            initiated: control.initiated,
            computing_pce,
            setup: if plan
                .as_ref()
                .is_some_and(|p| p.setup == pcep::wire::iana::PathSetupType::SR_TE)
            {
                "sr".into()
            } else {
                "rsvp".into()
            },
            setup_priority: lspa.map_or(7, |l| l.setup_priority),
            holding_priority: lspa.map_or(7, |l| l.holding_priority),
            request,
            unplaceable,
            path: self
                .placed
                .get(&key)
                .map(|(links, _)| links.iter().map(|&l| topo.link_name(l)).collect()),
            reported_path: report
                .ero
                .subobjects
                .iter()
                .map(ToString::to_string)
                .collect(),
            associations: report
                .associations
                .iter()
                .map(|a| Group {
                    association_type: a.association_type.0,
                    id: a.association_id,
                    source: a.source,
                    disjointness: a.disjointness_configuration().map(|f| f.0),
                })
                .collect(),
            disjointness_status: control.disjointness_status,
            report: hex::encode(&wire),
        })
    }
}
