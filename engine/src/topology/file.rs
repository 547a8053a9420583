//! The topology file: JSON, validated before anything uses it.
//!
//! ```json
//! {
//!   "nodes": [
//!     { "name": "R1", "router_id": "10.0.0.1", "addresses": ["192.0.2.1"], "node_sid": 16001 }
//!   ],
//!   "links": [
//!     { "a": "R1", "b": "R2", "igp_metric": 10, "te_metric": 10, "delay_us": 500,
//!       "bandwidth_bps": 10e9, "admin_groups": 0, "srlgs": [7],
//!       "a_address": "10.1.2.1", "b_address": "10.1.2.2",
//!       "a_adj_sid": 24001, "b_adj_sid": 24002 },
//!     { "a": "R1", "b": "R2", "igp_metric": 20, "a_interface_id": 7, "b_interface_id": 9 }
//!   ]
//! }
//! ```
//!
//! * A node's `router_id` and `addresses` map PCEP addresses (session source,
//!   END-POINTS) onto it; all must be unique across nodes.
//! * A link is bidirectional: it becomes two directed links with the same
//!   metrics, bandwidth, admin groups and SRLGs. `a_adj_sid` is the adjacency
//!   SID of the direction from `a` to `b`, `b_adj_sid` of the other one.
//! * `igp_metric` is required and may be 0 (a link that costs nothing, as
//!   IGPs allow for some interfaces; hops still break ties); `te_metric`
//!   defaults to the
//!   IGP metric; `delay_us` to 0; `bandwidth_bps` (reservable, bits per
//!   second) to unlimited; `admin_groups` to 0; `srlgs` to none.
//! * A node may have `srlgs` too: they are added to every link through it
//!   (both directions), as a shared risk of everything the node carries.
//! * An end of a link is its interface: a numbered one has an address
//!   (`a_address`, `b_address`), an unnumbered one an interface ID local
//!   to its node (`a_interface_id`, `b_interface_id`, RFC 3477). No two
//!   interfaces share an address, and no node has two interfaces with the
//!   same ID. Parallel links (two links joining the same nodes) must have
//!   an address or an ID at both ends: that is how an ERO, an XRO, a
//!   topology event and every answer name one of them.
//! * Unknown keys are errors, so a misspelt attribute is never silently
//!   ignored.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Link, LinkId, Node, NodeId, Topology};

/// The file's top level.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopologyFile {
    /// Nodes.
    pub nodes: Vec<NodeSpec>,
    /// Links.
    #[serde(default)]
    pub links: Vec<LinkSpec>,
}

/// A node in the file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    /// Unique name.
    pub name: String,
    /// TE router ID.
    pub router_id: IpAddr,
    /// Addresses its PCC uses.
    #[serde(default)]
    pub addresses: Vec<IpAddr>,
    /// Node SID (MPLS label).
    #[serde(default)]
    pub node_sid: Option<u32>,
    /// SRLGs of the node itself (its chassis, its site): they belong to
    /// every link through it, so avoiding one avoids the node, and two
    /// SRLG-disjoint paths do not both cross it.
    #[serde(default)]
    pub srlgs: Vec<u32>,
}

/// A bidirectional link in the file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// One end (node name).
    pub a: String,
    /// The other end (node name).
    pub b: String,
    /// IGP metric, at least 1.
    pub igp_metric: u32,
    /// TE metric; defaults to the IGP metric.
    #[serde(default)]
    pub te_metric: Option<u32>,
    /// Unidirectional delay in microseconds.
    #[serde(default)]
    pub delay_us: u32,
    /// Reservable bandwidth, bits per second; absent means unlimited.
    #[serde(default)]
    pub bandwidth_bps: Option<f64>,
    /// Administrative groups.
    #[serde(default)]
    pub admin_groups: u32,
    /// Shared risk link groups.
    #[serde(default)]
    pub srlgs: Vec<u32>,
    /// Interface address at `a`.
    #[serde(default)]
    pub a_address: Option<IpAddr>,
    /// Interface address at `b`.
    #[serde(default)]
    pub b_address: Option<IpAddr>,
    /// Adjacency SID of the `a` to `b` direction.
    #[serde(default)]
    pub a_adj_sid: Option<u32>,
    /// Adjacency SID of the `b` to `a` direction.
    #[serde(default)]
    pub b_adj_sid: Option<u32>,
    /// Interface ID at `a` (unnumbered interface, RFC 3477).
    #[serde(default)]
    pub a_interface_id: Option<u32>,
    /// Interface ID at `b`.
    #[serde(default)]
    pub b_interface_id: Option<u32>,
    /// The `b` to `a` direction's own values where they differ from the
    /// link's (asymmetric metrics, as an IGP or BGP-LS describes each
    /// direction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b_to_a: Option<Direction>,
}

/// One direction's own values, each defaulting to the link's.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Direction {
    /// IGP metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub igp_metric: Option<u32>,
    /// TE metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub te_metric: Option<u32>,
    /// Delay, microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_us: Option<u32>,
    /// Reservable bandwidth, bits per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth_bps: Option<f64>,
    /// Administrative groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_groups: Option<u32>,
}

/// A topology that cannot be used, and why.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TopologyError {
    /// The file could not be read.
    #[error("cannot read topology file {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        reason: String,
    },
    /// The JSON does not match the format.
    #[error("topology file {path}: {reason}")]
    Parse {
        /// The file.
        path: String,
        /// serde_json's message, with line and column.
        reason: String,
    },
    /// Two nodes share a name.
    #[error("node {node:?} is defined twice")]
    DuplicateNode {
        /// The name.
        node: String,
    },
    /// Two nodes share an address or router ID.
    #[error("address {address} belongs to both {first:?} and {second:?}")]
    DuplicateAddress {
        /// The address.
        address: IpAddr,
        /// One node.
        first: String,
        /// The other.
        second: String,
    },
    /// Two nodes share a node SID.
    #[error("node SID {sid} belongs to both {first:?} and {second:?}")]
    DuplicateNodeSid {
        /// The SID.
        sid: u32,
        /// One node.
        first: String,
        /// The other.
        second: String,
    },
    /// A link names a node that does not exist.
    #[error("unknown node {node:?}")]
    UnknownNode {
        /// The name.
        node: String,
    },
    /// No link joins these nodes.
    #[error("no link between {a:?} and {b:?}")]
    UnknownLink {
        /// One end.
        a: String,
        /// The other.
        b: String,
    },
    /// Two interfaces share an address, or a node has two interfaces with
    /// the same ID.
    #[error("interface {interface} is on both link {first} and link {second}")]
    DuplicateInterface {
        /// The address, or node and interface ID.
        interface: String,
        /// One link.
        first: String,
        /// The other.
        second: String,
    },
    /// Parallel links that cannot be told apart.
    #[error(
        "links between {a:?} and {b:?} are parallel: give each an address or an interface ID \
         at both ends (a_address/b_address or a_interface_id/b_interface_id), so that paths, \
         exclusions and events can name one"
    )]
    AmbiguousParallelLinks {
        /// One end.
        a: String,
        /// The other.
        b: String,
    },
    /// A link event that matches more than one parallel link.
    #[error(
        "{count} links join {a:?} and {b:?}: name one by its interface at {a:?} (a_interface)"
    )]
    AmbiguousLink {
        /// One end.
        a: String,
        /// The other.
        b: String,
        /// How many links join them.
        count: usize,
    },
    /// A link from a node to itself.
    #[error("link from {node:?} to itself")]
    SelfLoop {
        /// The node.
        node: String,
    },
    /// A negative or non-finite bandwidth.
    #[error("link {a:?}-{b:?}: bandwidth_bps must be a finite, non-negative number")]
    BadBandwidth {
        /// One end.
        a: String,
        /// The other.
        b: String,
    },
    /// An MPLS label out of the 20-bit range.
    #[error("{what}: SID {sid} is not a valid MPLS label (16..=1048575)")]
    BadSid {
        /// Where.
        what: String,
        /// The value.
        sid: u32,
    },
    /// More nodes or links than 32-bit indices can address.
    #[error("topology too large: {what}")]
    TooLarge {
        /// What overflowed.
        what: &'static str,
    },
}

// ===== impl TopologyFile =====

impl Topology {
    /// The topology as a file, with what is down as events to apply to
    /// it: `Topology::apply_all` on what the file builds gives this
    /// topology back, link for link by name (a node's SRLGs are on its
    /// links, where the solver has them). What `GET /snapshot` exports.
    pub fn to_file(&self) -> (TopologyFile, Vec<super::TopologyEvent>) {
        let name = |n: NodeId| self.node(n).map(|n| n.name.clone()).unwrap_or_default();
        let nodes = self
            .nodes()
            .iter()
            .map(|n| NodeSpec {
                name: n.name.clone(),
                router_id: n.router_id,
                addresses: n.addresses.clone(),
                node_sid: n.node_sid,
                srlgs: Vec::new(),
            })
            .collect();
        let mut links = Vec::new();
        let mut down = Vec::new();
        for (i, f) in self.links().iter().enumerate() {
            let id = LinkId(i as u32);
            let back = self.reverse(id).filter(|r| *r != id);
            if back.is_some_and(|r| r.0 < id.0) {
                continue;
            }
            let r = back.and_then(|r| self.link(r)).unwrap_or(f);
            let own = |l: &Link| Direction {
                igp_metric: Some(l.igp),
                te_metric: Some(l.te),
                delay_us: Some(l.delay_us),
                bandwidth_bps: l.bandwidth.is_finite().then_some(l.bandwidth),
                admin_groups: Some(l.admin_groups),
            };
            let (a, b) = (name(f.from), name(f.to));
            links.push(LinkSpec {
                a: a.clone(),
                b: b.clone(),
                igp_metric: f.igp,
                te_metric: Some(f.te),
                delay_us: f.delay_us,
                bandwidth_bps: f.bandwidth.is_finite().then_some(f.bandwidth),
                admin_groups: f.admin_groups,
                srlgs: self.srlgs(f).to_vec(),
                a_address: f.local_address,
                b_address: f.remote_address,
                a_adj_sid: f.adj_sid,
                b_adj_sid: r.adj_sid,
                a_interface_id: f.local_interface_id,
                b_interface_id: f.remote_interface_id,
                b_to_a: (own(r) != own(f)).then(|| own(r)),
            });
            let both = [(id, f, &a, &b), (back.unwrap_or(id), r, &b, &a)];
            for &(lid, l, x, y) in both.iter().take(if back.is_some() { 2 } else { 1 }) {
                if self.link_up(lid) {
                    continue;
                }
                let a_interface = if self.is_parallel(id) {
                    l.local_address
                        .map(super::Interface::Address)
                        .or(l.local_interface_id.map(super::Interface::Id))
                } else {
                    None
                };
                down.push(super::TopologyEvent::Link {
                    a: x.clone(),
                    b: y.clone(),
                    a_interface,
                    one_way: true,
                    set: super::LinkPatch {
                        up: Some(false),
                        ..Default::default()
                    },
                });
            }
        }
        for n in self.nodes().iter().filter(|n| !n.up) {
            down.push(super::TopologyEvent::NodeState {
                node: n.name.clone(),
                up: false,
            });
        }
        (TopologyFile { nodes, links }, down)
    }
}

impl TopologyFile {
    /// Read and parse a file (not yet validated).
    pub fn read(path: &Path) -> Result<Self, TopologyError> {
        let text = std::fs::read_to_string(path).map_err(|e| TopologyError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parse JSON text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, TopologyError> {
        serde_json::from_str(text).map_err(|e| TopologyError::Parse {
            path: origin.to_string(),
            reason: e.to_string(),
        })
    }

    /// Read, parse and validate a topology file.
    pub fn load(path: &Path) -> Result<Topology, TopologyError> {
        Self::read(path)?.build()
    }

    /// Validate and build the snapshot.
    pub fn build(&self) -> Result<Topology, TopologyError> {
        let too_large = |what| TopologyError::TooLarge { what };
        let mut by_name = HashMap::with_capacity(self.nodes.len());
        let mut by_address: HashMap<IpAddr, NodeId> = HashMap::new();
        let mut sids: HashMap<u32, NodeId> = HashMap::new();
        let mut nodes = Vec::with_capacity(self.nodes.len());
        for (i, spec) in self.nodes.iter().enumerate() {
            let id = NodeId(u32::try_from(i).map_err(|_| too_large("nodes"))?);
            if by_name.insert(spec.name.clone(), id).is_some() {
                return Err(TopologyError::DuplicateNode {
                    node: spec.name.clone(),
                });
            }
            let mut addrs = spec.addresses.clone();
            if !addrs.contains(&spec.router_id) {
                addrs.push(spec.router_id);
            }
            for addr in &addrs {
                if let Some(other) = by_address.insert(*addr, id) {
                    if other != id {
                        return Err(TopologyError::DuplicateAddress {
                            address: *addr,
                            first: self
                                .nodes
                                .get(other.index())
                                .map(|n| n.name.clone())
                                .unwrap_or_default(),
                            second: spec.name.clone(),
                        });
                    }
                }
            }
            if let Some(sid) = spec.node_sid {
                check_label(sid, || format!("node {:?}", spec.name))?;
                if let Some(other) = sids.insert(sid, id) {
                    return Err(TopologyError::DuplicateNodeSid {
                        sid,
                        first: self
                            .nodes
                            .get(other.index())
                            .map(|n| n.name.clone())
                            .unwrap_or_default(),
                        second: spec.name.clone(),
                    });
                }
            }
            nodes.push(Node {
                name: spec.name.clone(),
                router_id: spec.router_id,
                addresses: spec.addresses.clone(),
                node_sid: spec.node_sid,
                up: true,
            });
        }

        // Two directed links per spec; sorted into CSR order afterwards.
        let mut directed: Vec<(Link, Vec<u32>, usize)> = Vec::with_capacity(self.links.len() * 2);
        // Interfaces seen (address, or node%ID) and the link they are on;
        // links per node pair, and whether all of them name both ends.
        let mut interfaces: HashMap<String, String> = HashMap::new();
        let mut pairs: HashMap<(NodeId, NodeId), (usize, bool)> = HashMap::new();
        for (i, l) in self.links.iter().enumerate() {
            let node = |n: &str| {
                by_name
                    .get(n)
                    .copied()
                    .ok_or_else(|| TopologyError::UnknownNode {
                        node: n.to_string(),
                    })
            };
            let (a, b) = (node(&l.a)?, node(&l.b)?);
            if a == b {
                return Err(TopologyError::SelfLoop { node: l.a.clone() });
            }
            let this = || format!("{}-{} (#{i})", l.a, l.b);
            let ends = [
                l.a_address.map(|x| x.to_string()),
                l.b_address.map(|x| x.to_string()),
                l.a_interface_id.map(|x| format!("{}%{x}", l.a)),
                l.b_interface_id.map(|x| format!("{}%{x}", l.b)),
            ];
            for key in ends.into_iter().flatten() {
                if let Some(first) = interfaces.insert(key.clone(), this()) {
                    return Err(TopologyError::DuplicateInterface {
                        interface: key,
                        first,
                        second: this(),
                    });
                }
            }
            let named = |addr: Option<IpAddr>, id: Option<u32>| addr.is_some() || id.is_some();
            let pair = (a.min(b), a.max(b));
            let entry = pairs.entry(pair).or_insert((0usize, true));
            entry.0 += 1;
            entry.1 &= named(l.a_address, l.a_interface_id) && named(l.b_address, l.b_interface_id);
            if entry.0 > 1 && !entry.1 {
                return Err(TopologyError::AmbiguousParallelLinks {
                    a: l.a.clone(),
                    b: l.b.clone(),
                });
            }
            let bandwidth = l.bandwidth_bps.unwrap_or(f64::INFINITY);
            if bandwidth.is_nan() || bandwidth < 0.0 {
                return Err(TopologyError::BadBandwidth {
                    a: l.a.clone(),
                    b: l.b.clone(),
                });
            }
            for (sid, end) in [(l.a_adj_sid, &l.a), (l.b_adj_sid, &l.b)] {
                if let Some(sid) = sid {
                    check_label(sid, || format!("link {:?}-{:?} at {end:?}", l.a, l.b))?;
                }
            }
            let mut srlgs = l.srlgs.clone();
            for end in [a, b] {
                if let Some(n) = self.nodes.get(end.index()) {
                    srlgs.extend_from_slice(&n.srlgs);
                }
            }
            srlgs.sort_unstable();
            srlgs.dedup();
            let forward = Direction {
                igp_metric: Some(l.igp_metric),
                te_metric: Some(l.te_metric.unwrap_or(l.igp_metric)),
                delay_us: Some(l.delay_us),
                bandwidth_bps: Some(bandwidth),
                admin_groups: Some(l.admin_groups),
            };
            let backward = match &l.b_to_a {
                None => forward.clone(),
                Some(d) => {
                    let igp = d.igp_metric.unwrap_or(l.igp_metric);
                    Direction {
                        igp_metric: Some(igp),
                        te_metric: d.te_metric.or(l.te_metric).or(Some(igp)),
                        delay_us: d.delay_us.or(forward.delay_us),
                        bandwidth_bps: d.bandwidth_bps.or(forward.bandwidth_bps),
                        admin_groups: d.admin_groups.or(forward.admin_groups),
                    }
                }
            };
            if backward
                .bandwidth_bps
                .is_some_and(|b| b.is_nan() || b < 0.0)
            {
                return Err(TopologyError::BadBandwidth {
                    a: l.a.clone(),
                    b: l.b.clone(),
                });
            }
            let make = |from,
                        to,
                        adj_sid,
                        (local_address, local_id),
                        (remote_address, remote_id),
                        d: &Direction| Link {
                from,
                to,
                igp: d.igp_metric.unwrap_or(l.igp_metric),
                te: d.te_metric.unwrap_or(l.igp_metric),
                delay_us: d.delay_us.unwrap_or(l.delay_us),
                bandwidth: d.bandwidth_bps.unwrap_or(bandwidth),
                admin_groups: d.admin_groups.unwrap_or(l.admin_groups),
                adj_sid,
                local_address,
                remote_address,
                local_interface_id: local_id,
                remote_interface_id: remote_id,
                srlg_start: 0,
                srlg_len: 0,
            };
            directed.push((
                make(
                    a,
                    b,
                    l.a_adj_sid,
                    (l.a_address, l.a_interface_id),
                    (l.b_address, l.b_interface_id),
                    &forward,
                ),
                srlgs.clone(),
                2 * i,
            ));
            directed.push((
                make(
                    b,
                    a,
                    l.b_adj_sid,
                    (l.b_address, l.b_interface_id),
                    (l.a_address, l.a_interface_id),
                    &backward,
                ),
                srlgs,
                2 * i + 1,
            ));
        }
        // CSR: stable sort by head end keeps file order within a node.
        directed.sort_by_key(|(l, _, _)| l.from);
        let mut position = vec![0u32; directed.len()];
        let mut links = Vec::with_capacity(directed.len());
        let mut srlgs = Vec::new();
        for (pos, (mut link, s, original)) in directed.into_iter().enumerate() {
            link.srlg_start = u32::try_from(srlgs.len()).map_err(|_| too_large("SRLGs"))?;
            link.srlg_len = u32::try_from(s.len()).map_err(|_| too_large("SRLGs"))?;
            srlgs.extend(s);
            if let Some(p) = position.get_mut(original) {
                *p = u32::try_from(pos).map_err(|_| too_large("links"))?;
            }
            links.push(link);
        }
        // The reverse of original link 2i is 2i+1 and vice versa.
        let mut reverse = vec![LinkId(0); links.len()];
        for pair in position.chunks(2) {
            if let [x, y] = *pair {
                if let Some(r) = reverse.get_mut(x as usize) {
                    *r = LinkId(y);
                }
                if let Some(r) = reverse.get_mut(y as usize) {
                    *r = LinkId(x);
                }
            }
        }
        let mut first_link = vec![0u32; nodes.len() + 1];
        for l in &links {
            if let Some(c) = first_link.get_mut(l.from.index() + 1) {
                *c += 1;
            }
        }
        for i in 1..first_link.len() {
            let prev = first_link.get(i - 1).copied().unwrap_or(0);
            if let Some(c) = first_link.get_mut(i) {
                *c += prev;
            }
        }
        let by_interface = links
            .iter()
            .enumerate()
            .filter_map(|(i, l)| Some((l.local_address?, LinkId(i as u32))))
            .collect();
        let mut topo = Topology {
            nodes: std::sync::Arc::new(nodes),
            by_interface: std::sync::Arc::new(by_interface),
            links: std::sync::Arc::new(links),
            first_link: std::sync::Arc::new(first_link),
            reverse: std::sync::Arc::new(reverse),
            srlgs,
            by_name: std::sync::Arc::new(by_name),
            by_address: std::sync::Arc::new(by_address),
            ..Topology::default()
        };
        topo.refresh();
        Ok(topo)
    }
}

fn check_label(sid: u32, what: impl FnOnce() -> String) -> Result<(), TopologyError> {
    // 0-15 are reserved labels (RFC 3032); labels are 20 bits.
    if (16..=0xF_FFFF).contains(&sid) {
        Ok(())
    } else {
        Err(TopologyError::BadSid { what: what(), sid })
    }
}
