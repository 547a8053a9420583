//! What-if analysis: failure scenarios on copies of the core.
//!
//! Each scenario (a set of links, nodes or SRLGs down) is applied to a copy
//! of the core by the very input a live topology change is
//! (`Input::Topology`), so its LSPs are placed by the live algorithm:
//! exactly the LSPs on what failed computed again, in setup-priority
//! order, with bandwidth accounting, disjoint groups jointly. The copies'
//! messages are dropped; the live core is not touched. Scenarios run in
//! parallel on the caller's rayon pool, each on its own copy, so the
//! result does not depend on the number of threads.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::lspdb::LspKey;
use crate::solver::cspf::Workspace;
use crate::topology::{Interface, LinkId, LinkPatch, Topology, TopologyEvent};

use super::{PathlessLsp, Pce, TopologyChange};

/// One scenario: what fails together.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// Its name in the report ("link R1-R3", "node R2", "srlg 7", or the
    /// caller's).
    pub name: String,
    /// The events that make it (links and nodes down).
    pub events: Vec<TopologyEvent>,
}

impl Scenario {
    /// Each physical link down alone (parallel links by their interface).
    pub fn every_link(t: &Topology) -> Vec<Self> {
        physical(t)
            .into_iter()
            .map(|l| Self {
                name: format!("link {}", t.link_name(l).replace("->", "-")),
                events: vec![link_down(t, l)],
            })
            .collect()
    }

    /// Each node down alone.
    pub fn every_node(t: &Topology) -> Vec<Self> {
        t.nodes()
            .iter()
            .map(|n| Self {
                name: format!("node {}", n.name),
                events: vec![TopologyEvent::NodeState {
                    node: n.name.clone(),
                    up: false,
                }],
            })
            .collect()
    }

    /// Each SRLG down alone: every link carrying it (a node's SRLGs are on
    /// its links).
    pub fn every_srlg(t: &Topology) -> Vec<Self> {
        let mut by: BTreeMap<u32, Vec<LinkId>> = BTreeMap::new();
        for l in physical(t) {
            if let Some(k) = t.link(l) {
                for &g in t.srlgs(k) {
                    by.entry(g).or_default().push(l);
                }
            }
        }
        by.into_iter()
            .map(|(g, links)| Self {
                name: format!("srlg {g}"),
                events: links.into_iter().map(|l| link_down(t, l)).collect(),
            })
            .collect()
    }
}

impl Scenario {
    /// Each pair of SRLGs down together (N-2 of shared risks): every link
    /// carrying either.
    pub fn every_srlg_pair(t: &Topology) -> Vec<Self> {
        let single = Self::every_srlg(t);
        let mut out = Vec::with_capacity(single.len() * single.len().saturating_sub(1) / 2);
        for (i, a) in single.iter().enumerate() {
            for b in single.iter().skip(i + 1) {
                let mut events = a.events.clone();
                events.extend(b.events.iter().filter(|e| !a.events.contains(e)).cloned());
                out.push(Self {
                    name: format!("{} + {}", a.name, b.name.trim_start_matches("srlg ")),
                    events,
                });
            }
        }
        out
    }
}

/// A change of demand a plan starts from: the bandwidth of the LSPs
/// selected (all, or those of the PCCs and names given) times `scale`, and
/// new LSPs (`add`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Demand {
    /// The factor (1.2: 20% more; 1 by default).
    #[serde(default = "one")]
    pub scale: f64,
    /// Only the LSPs of these PCCs (addresses).
    #[serde(default)]
    pub pccs: Vec<std::net::IpAddr>,
    /// Only the LSPs of these names.
    #[serde(default)]
    pub names: Vec<String>,
    /// LSPs to add, as their PCCs would report them delegated (an LSP
    /// file's; the API and the command line read them).
    #[serde(skip)]
    pub add: Vec<super::InitiateSpec>,
}

impl Default for Demand {
    fn default() -> Self {
        Self {
            scale: 1.0,
            pccs: Vec::new(),
            names: Vec::new(),
            add: Vec::new(),
        }
    }
}

const fn one() -> f64 {
    1.0
}

/// What a change of demand did, before any failure.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DemandReport {
    /// The factor.
    pub scale: f64,
    /// LSPs whose bandwidth changed (computed again, in setup-priority
    /// order, the others holding theirs).
    pub scaled: usize,
    /// LSPs added.
    pub added: usize,
    /// Of them all, those left without a path.
    pub unplaceable: Vec<PathlessLsp>,
}

/// Each physical link once, by its lower direction.
fn physical(t: &Topology) -> Vec<LinkId> {
    (0..t.link_count() as u32)
        .map(LinkId)
        .filter(|&l| t.reverse(l).is_none_or(|r| r.0 >= l.0))
        .collect()
}

/// The event that takes link `l` down, both ways (one of parallel links
/// named by its interface at `a`).
pub fn link_down(t: &Topology, l: LinkId) -> TopologyEvent {
    let k = t.link(l);
    let name = |n| t.node(n).map(|n| n.name.clone()).unwrap_or_default();
    TopologyEvent::Link {
        a: k.map(|k| name(k.from)).unwrap_or_default(),
        b: k.map(|k| name(k.to)).unwrap_or_default(),
        a_interface: k.filter(|_| t.is_parallel(l)).and_then(|k| {
            k.local_address
                .map(Interface::Address)
                .or(k.local_interface_id.map(Interface::Id))
        }),
        one_way: false,
        set: LinkPatch {
            up: Some(false),
            ..LinkPatch::default()
        },
    }
}

/// What one scenario does.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScenarioReport {
    /// The scenario's name.
    pub name: String,
    /// Why it could not be applied (an unknown link or node).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// LSPs computed again (those on what failed, with their disjoint
    /// groups).
    pub recomputed: usize,
    /// Path computations run (an LSP whose first path was taken by one
    /// placed before it is computed again).
    pub computations: u64,
    /// LSPs that move, with their delay before and after.
    pub moved: Vec<Moved>,
    /// The largest delay after over before of the LSPs that move (1 when
    /// none moves).
    pub stretch_max: f64,
    /// Its mean over the LSPs that move.
    pub stretch_mean: f64,
    /// LSPs that had a path and have none, with whether that is proven.
    pub unplaceable: Vec<PathlessLsp>,
    /// Disjoint groups some member of which achieves less disjointness
    /// than before: `TYPE/ID/SOURCE`.
    pub groups_less_disjoint: Vec<String>,
    /// The busiest link's utilization (reserved over reservable).
    pub max_utilization: f64,
    /// The utilization of each link where it differs from the network
    /// without failure ([`PlanReport::base`]), by link name.
    pub utilization: BTreeMap<String, f64>,
}

/// An LSP that moves.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Moved {
    /// Its PCC.
    pub pcc: String,
    /// Its name.
    pub name: String,
    /// Its delay before, microseconds.
    pub delay_before_us: u64,
    /// Its delay after.
    pub delay_after_us: u64,
}

/// What a set of scenarios does, and across them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanReport {
    /// The change of demand the plan starts from, when asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demand: Option<DemandReport>,
    /// The network without failure: each link's utilization (links with
    /// bandwidth and something on them) and the busiest.
    pub base: Base,
    /// Each scenario, in the order given.
    pub scenarios: Vec<ScenarioReport>,
    /// Each link's worst utilization, without failure or in a scenario,
    /// with the first scenario that causes it; busiest first.
    pub worst: Vec<WorstLink>,
    /// Links whose worst utilization reaches `upgrade_above`.
    pub upgrades: Vec<String>,
    /// LSPs unplaceable in some scenario, most often first: (PCC, name,
    /// scenarios).
    pub most_unplaceable: Vec<(String, String, usize)>,
}

/// The network without failure.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Base {
    /// The busiest link's utilization.
    pub max_utilization: f64,
    /// Each link's utilization, by link name (links with bandwidth and
    /// something on them).
    pub utilization: BTreeMap<String, f64>,
}

/// A link's worst utilization.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorstLink {
    /// The link.
    pub link: String,
    /// Its worst utilization.
    pub utilization: f64,
    /// The scenario that causes it (none: the network without failure).
    pub scenario: Option<String>,
}

/// Whether an event only takes links or nodes down or up (no capacity or
/// metric changes).
fn is_state(e: &TopologyEvent) -> bool {
    match e {
        TopologyEvent::LinkState { .. } | TopologyEvent::NodeState { .. } => true,
        TopologyEvent::Link { set, .. } => {
            set.is_empty()
                || LinkPatch {
                    up: None,
                    ..set.clone()
                }
                .is_empty()
        }
        _ => false,
    }
}

/// Each link's reservation over its reservable bandwidth, where that is a
/// utilization (finite and positive bandwidth).
fn utilization<'a>(
    reserved: &'a [f64],
    capacity: &'a [f64],
) -> impl Iterator<Item = (usize, f64)> + 'a {
    reserved
        .iter()
        .zip(capacity)
        .enumerate()
        .filter(|(_, (_, &c))| c.is_finite() && c > 0.0)
        .map(|(i, (r, c))| (i, r / c))
}

impl Pce {
    /// The scenarios, each on its own copy of this core, in parallel on
    /// the caller's pool; `upgrade_above`: the utilization from which a
    /// link is listed for an upgrade.
    pub fn what_if(&self, scenarios: &[Scenario], upgrade_above: f64, now: Instant) -> PlanReport {
        let base = self.plan_base();
        let reports = self.run_scenarios(&base, scenarios, now);
        base.report(reports, upgrade_above)
    }

    /// What every scenario of a plan starts from (built once a plan).
    pub fn plan_base(&self) -> PlanBase {
        let reserved = self.reserved();
        let topo = self.topology.topology();
        let mut base = Base::default();
        let mut busiest: Vec<(f64, LinkId)> = Vec::new();
        for (i, u) in utilization(&reserved, topo.bandwidths()) {
            if u > 0.0 {
                base.utilization.insert(topo.link_name(LinkId(i as u32)), u);
                base.max_utilization = base.max_utilization.max(u);
                busiest.push((u, LinkId(i as u32)));
            }
        }
        busiest.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        // Which LSPs each link carries, built once here for every copy.
        let _ = self.lsps_on(&[]);
        PlanBase {
            reserved,
            busiest,
            base,
            prepared: Arc::new(self.topology.with_exact_distances()),
        }
    }

    /// `scenarios` from `base` (this core's [`Pce::plan_base`]), each on
    /// its own copy of this core, in parallel on the caller's pool.
    pub fn run_scenarios(
        &self,
        base: &PlanBase,
        scenarios: &[Scenario],
        now: Instant,
    ) -> Vec<ScenarioReport> {
        scenarios
            .par_iter()
            .map_init(Workspace::new, |ws, s| self.scenario(s, base, now, ws))
            .collect()
    }
}

impl Pce {
    /// A copy of this core with `demand` applied: the bandwidth of each
    /// LSP it selects scaled (as the operator's constraint on a delegated
    /// LSP, or in an initiated LSP's own), those LSPs computed again by the
    /// live placement (setup-priority order, the others holding their
    /// paths). An unknown PCC or name is an error naming it.
    pub fn with_demand(
        &self,
        demand: &Demand,
        now: Instant,
    ) -> Result<(Self, DemandReport), String> {
        if !(demand.scale.is_finite() && demand.scale > 0.0) {
            return Err(format!(
                "demand.scale: {} is not a positive factor",
                demand.scale
            ));
        }
        let keys: Vec<(LspKey, bytes::Bytes)> = self
            .lspdb
            .iter()
            .map(|(k, e)| (*k, e.name.clone()))
            .collect();
        for pcc in &demand.pccs {
            if !keys.iter().any(|(k, _)| k.pcc.addr() == Some(*pcc)) {
                return Err(format!("demand.pccs: {pcc} has no LSP"));
            }
        }
        for name in &demand.names {
            if !keys.iter().any(|(_, n)| n.as_ref() == name.as_bytes()) {
                return Err(format!("demand.names: no LSP is named {name:?}"));
            }
        }
        let mut copy = self.clone();
        copy.now = Some(now);
        copy.assume_applied();
        let mut selected = Vec::new();
        for (key, name) in keys {
            let by_pcc =
                demand.pccs.is_empty() || key.pcc.addr().is_some_and(|a| demand.pccs.contains(&a));
            let by_name = demand.names.is_empty()
                || demand.names.iter().any(|n| n.as_bytes() == name.as_ref());
            if !(by_pcc && by_name) {
                continue;
            }
            let Some(plan) = copy.plan(key) else {
                continue;
            };
            let Some(mut b) = plan.attributes.bandwidth else {
                continue;
            };
            b.bandwidth *= demand.scale as f32;
            let durable = super::name_key(key.pcc, &name);
            if let Some(spec) = copy.initiated.get_mut(&durable) {
                spec.attributes.bandwidth = Some(b);
            } else {
                let mut attributes = plan.attributes.clone();
                attributes.bandwidth = Some(b);
                copy.overrides.insert(durable, attributes);
            }
            selected.push(key);
        }
        let scaled = selected.len();
        let added = if demand.add.is_empty() {
            Vec::new()
        } else {
            copy.add_lsps(&demand.add, now)?
        };
        // The scaled LSPs and the added ones, placed together: the added
        // ones had none, so every one left without a path is counted.
        selected.extend(&added);
        let placed: Vec<(LspKey, bool)> = copy
            .place(&selected)
            .into_iter()
            .map(|(k, before)| (k, before && !added.contains(&k)))
            .collect();
        copy.assume_applied();
        let mut change = super::ChangeReport::default();
        copy.report_lsps(&mut change, &placed, copy.counters.updates_sent);
        Ok((
            copy,
            DemandReport {
                scale: demand.scale,
                scaled,
                added: added.len(),
                unplaceable: change.lost_path,
            },
        ))
    }
}

/// What every scenario of a plan starts from: the reservations, the links
/// by utilization, the network without failure.
#[derive(Clone, Debug)]
pub struct PlanBase {
    reserved: Vec<f64>,
    busiest: Vec<(f64, LinkId)>,
    base: Base,
    /// The topology the scenarios start from, their searches directed by
    /// exact distances to their tail ends (the scenarios ask for the same
    /// few thousand tail ends again and again).
    prepared: Arc<crate::solver::Prepared>,
}

impl PlanBase {
    /// The plan's report from its scenarios' ones.
    pub fn report(self, reports: Vec<ScenarioReport>, upgrade_above: f64) -> PlanReport {
        let base = self.base;
        let mut worst: BTreeMap<&str, (f64, Option<&str>)> = base
            .utilization
            .iter()
            .map(|(l, &u)| (l.as_str(), (u, None)))
            .collect();
        let mut unplaceable: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for r in &reports {
            for (link, &u) in &r.utilization {
                let w = worst.entry(link).or_insert((u, Some(&r.name)));
                if u > w.0 {
                    *w = (u, Some(&r.name));
                }
            }
            for l in &r.unplaceable {
                *unplaceable.entry((&l.pcc, &l.name)).or_default() += 1;
            }
        }
        let mut worst: Vec<WorstLink> = worst
            .into_iter()
            .filter(|(_, (u, _))| *u > 0.0)
            .map(|(link, (utilization, scenario))| WorstLink {
                link: link.into(),
                utilization,
                scenario: scenario.map(Into::into),
            })
            .collect();
        worst.sort_by(|a, b| b.utilization.total_cmp(&a.utilization));
        let upgrades = worst
            .iter()
            .filter(|w| w.utilization >= upgrade_above)
            .map(|w| w.link.clone())
            .collect();
        let mut most_unplaceable: Vec<(String, String, usize)> = unplaceable
            .into_iter()
            .map(|((p, n), c)| (p.to_string(), n.to_string(), c))
            .collect();
        most_unplaceable.sort_by_key(|u| std::cmp::Reverse(u.2));
        PlanReport {
            demand: None,
            base,
            scenarios: reports,
            worst,
            upgrades,
            most_unplaceable,
        }
    }
}

impl Pce {
    /// One scenario on a copy of this core (`base`: this core's
    /// [`Pce::plan_base`]; `ws`: this thread's workspace, lent to the copy).
    fn scenario(
        &self,
        s: &Scenario,
        base: &PlanBase,
        now: Instant,
        ws: &mut Workspace,
    ) -> ScenarioReport {
        let (reserved, busiest) = (&base.reserved, &base.busiest);
        let mut report = ScenarioReport {
            name: s.name.clone(),
            error: None,
            recomputed: 0,
            computations: 0,
            moved: Vec::new(),
            stretch_max: 1.0,
            stretch_mean: 1.0,
            unplaceable: Vec::new(),
            groups_less_disjoint: Vec::new(),
            max_utilization: 0.0,
            utilization: BTreeMap::new(),
        };
        // What `handle` does with a topology input (`Input::Topology`),
        // keeping the LSPs it placed: only they can move.
        // One LSP at a time: the scenarios run in parallel with each other.
        let mut copy = self.clone();
        copy.now = Some(now);
        copy.one_by_one = true;
        copy.placed.layered();
        copy.topology = Arc::clone(&base.prepared);
        std::mem::swap(&mut copy.ws, ws);
        let placed = copy.change_topology(TopologyChange::Events(s.events.clone()));
        std::mem::swap(&mut copy.ws, ws);
        let placed = match placed {
            Ok(placed) => placed,
            Err(e) => {
                report.error = Some(e.to_string());
                return report;
            }
        };
        copy.release_updates();
        copy.out.clear();
        let change = copy.take_change_report().unwrap_or_default();
        report.recomputed = change.recomputed;
        report.computations = copy.counters.computations - self.counters.computations;
        report.unplaceable = change.lost_path;
        let before_topo = self.topology.topology();
        let after_topo = copy.topology.topology();
        let delay = |t: &Topology, links: &[LinkId]| -> u64 {
            links
                .iter()
                .filter_map(|&l| t.link(l))
                .map(|k| u64::from(k.delay_us))
                .sum()
        };
        let mut keys: Vec<LspKey> = placed.iter().map(|(k, _)| *k).collect();
        keys.sort_unstable();
        let mut stretch_sum = 0.0;
        for key in &keys {
            let (Some((before, _)), Some((after, _))) =
                (self.placed.get(key), copy.placed.get(key))
            else {
                continue;
            };
            if before != after {
                let name = self
                    .lspdb
                    .with(key, |e| String::from_utf8_lossy(&e.name).into_owned())
                    .unwrap_or_default();
                let (b, a) = (delay(before_topo, before), delay(after_topo, after));
                let stretch = if b > 0 { a as f64 / b as f64 } else { 1.0 };
                report.stretch_max = if report.moved.is_empty() {
                    stretch
                } else {
                    report.stretch_max.max(stretch)
                };
                stretch_sum += stretch;
                report.moved.push(Moved {
                    pcc: key.pcc.to_string(),
                    name,
                    delay_before_us: b,
                    delay_after_us: a,
                });
            }
        }
        if !report.moved.is_empty() {
            report.stretch_mean = stretch_sum / report.moved.len() as f64;
        }
        let status = |p: &Self, k: &LspKey| p.lspdb.with(k, |e| e.control.disjointness_status);
        let mut less: Vec<String> = Vec::new();
        for key in &keys {
            let Some(groups) = self.lsp_groups.get(key) else {
                continue;
            };
            let (Some(Some(b)), Some(a)) = (status(self, key), status(&copy, key)) else {
                continue;
            };
            if a.is_none_or(|a| a & b != b) {
                for g in groups {
                    let name = format!("{}/{}/{}", g.association_type, g.id, g.source);
                    if !less.contains(&name) {
                        less.push(name);
                    }
                }
            }
        }
        less.sort();
        report.groups_less_disjoint = less;
        // Only the links on the recomputed LSPs' paths, before and after,
        // can carry another reservation; a change of capacity (a caller's
        // event that is not a state) changes the links it names.
        let mut touched: Vec<LinkId> = Vec::new();
        for key in &keys {
            for p in [self.placed.get(key), copy.placed.get(key)]
                .into_iter()
                .flatten()
            {
                touched.extend_from_slice(&p.0);
            }
        }
        if !s.events.iter().all(is_state) {
            touched.extend(before_topo.changed_links(after_topo));
        }
        touched.sort_unstable();
        touched.dedup();
        let capacity = after_topo.bandwidths();
        for &l in &touched {
            let (Some(&c), Some(&was)) = (capacity.get(l.index()), reserved.get(l.index())) else {
                continue;
            };
            if !(c.is_finite() && c > 0.0) {
                continue;
            }
            let now = copy.reservations.reserved(l);
            let u = now / c;
            report.max_utilization = report.max_utilization.max(u);
            let before = before_topo.bandwidths().get(l.index()).copied();
            if now != was || before != Some(c) {
                report.utilization.insert(after_topo.link_name(l), u);
            }
        }
        // The busiest link the scenario did not touch, as without failure.
        if let Some(&(u, _)) = busiest
            .iter()
            .find(|(_, l)| touched.binary_search(l).is_err())
        {
            report.max_utilization = report.max_utilization.max(u);
        }
        report
    }
}
