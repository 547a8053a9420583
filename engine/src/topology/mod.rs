//! The traffic-engineering database (TED).
//!
//! A topology file (JSON, see [`file`]) is validated into a [`Topology`]: an
//! immutable snapshot whose directed links are stored in compressed sparse
//! row (CSR) order, so a path search walks a node's outgoing links as one
//! contiguous slice. Readers share a snapshot through an `Arc` and never
//! lock; a change ([`TopologyEvent`], a reloaded file) makes a new snapshot
//! ([`Topology::apply`]), which the core adopts as one of its inputs. The
//! topology knows nothing of path computation: what the solver prepares
//! from a snapshot lives in `solver::Prepared`.

pub mod bgp_ls;
pub mod file;

use serde::Serialize;
use std::collections::HashMap;
use std::net::IpAddr;

pub use self::file::{Direction, LinkSpec, NodeSpec, TopologyError, TopologyFile};

/// Index of a node in a [`Topology`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct NodeId(pub u32);

/// Index of a directed link in a [`Topology`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct LinkId(pub u32);

impl NodeId {
    /// As an index.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl LinkId {
    /// As an index.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// A node (router).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Node {
    /// Unique name.
    pub name: String,
    /// TE router ID.
    pub router_id: IpAddr,
    /// Addresses its PCC uses (PCEP session source, END-POINTS).
    pub addresses: Vec<IpAddr>,
    /// Prefix (node) SID, an MPLS label.
    pub node_sid: Option<u32>,
    /// Whether the node is up.
    pub up: bool,
}

/// A directed link (one direction of a physical link).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Link {
    /// Head end.
    pub from: NodeId,
    /// Tail end.
    pub to: NodeId,
    /// IGP metric.
    pub igp: u32,
    /// TE metric.
    pub te: u32,
    /// Unidirectional delay, microseconds.
    pub delay_us: u32,
    /// Reservable bandwidth, bits per second.
    pub bandwidth: f64,
    /// Administrative groups (affinity bits, RFC 3630 / RFC 5440 LSPA).
    pub admin_groups: u32,
    /// Adjacency SID, an MPLS label.
    pub adj_sid: Option<u32>,
    /// Local interface address.
    pub local_address: Option<IpAddr>,
    /// Remote interface address.
    pub remote_address: Option<IpAddr>,
    /// Local interface ID (unnumbered, RFC 3477).
    pub local_interface_id: Option<u32>,
    /// Remote interface ID.
    pub remote_interface_id: Option<u32>,
    /// Whether the link is up.
    pub up: bool,
    srlg_start: u32,
    srlg_len: u32,
}

/// The fields a path search reads for every link it scans, packed in 24
/// bytes (the full [`Link`] is ~100): a search walks contiguous hot links.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct HotLink {
    pub(crate) to: u32,
    pub(crate) igp: u32,
    pub(crate) te: u32,
    pub(crate) delay_us: u32,
    pub(crate) admin_groups: u32,
    /// Bit 0: up (and its tail node up); bit 1: has SRLGs.
    pub(crate) flags: u32,
}

impl HotLink {
    pub(crate) const UP: u32 = 1;
    pub(crate) const HAS_SRLG: u32 = 2;
}

/// An immutable topology snapshot.
#[derive(Clone, Debug, Default)]
pub struct Topology {
    nodes: Vec<Node>,
    /// Hot copy of `links` for the search loop, same indices.
    hot: Vec<HotLink>,
    /// Reservable bandwidth per link, same indices.
    bandwidth: Vec<f64>,
    /// Directed links, sorted by `from` (CSR order).
    links: Vec<Link>,
    /// `first_link[n]..first_link[n + 1]` are node `n`'s outgoing links.
    first_link: Vec<u32>,
    /// For each link, the opposite direction of the same physical link.
    reverse: Vec<LinkId>,
    /// SRLG values of all links, each link holding a range.
    srlgs: Vec<u32>,
    by_name: HashMap<String, NodeId>,
    by_address: HashMap<IpAddr, NodeId>,
    /// Numbered interfaces: the directed link whose local address it is.
    by_interface: HashMap<IpAddr, LinkId>,
}

/// One interface of a link: how an event names one of parallel links.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interface {
    /// A numbered interface, by its address.
    Address(IpAddr),
    /// An unnumbered interface, by its ID on its node.
    Id(u32),
}

/// A change to the topology.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopologyEvent {
    /// Both directions of the link between `a` and `b` go up or down.
    LinkState {
        /// One end, by name.
        a: String,
        /// The other end, by name.
        b: String,
        /// New state.
        up: bool,
        /// Which of parallel links: its interface at `a` (needed only
        /// when more than one link joins `a` and `b`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        a_interface: Option<Interface>,
    },
    /// A node goes up or down.
    NodeState {
        /// Its name.
        node: String,
        /// New state.
        up: bool,
    },
    /// New metrics on both directions of a link.
    LinkMetric {
        /// One end.
        a: String,
        /// The other end.
        b: String,
        /// IGP metric.
        igp: u32,
        /// TE metric.
        te: u32,
        /// Which of parallel links: its interface at `a` (needed only
        /// when more than one link joins `a` and `b`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        a_interface: Option<Interface>,
    },
    /// New reservable bandwidth on both directions of a link.
    LinkBandwidth {
        /// One end.
        a: String,
        /// The other end.
        b: String,
        /// Bits per second.
        bandwidth: f64,
        /// Which of parallel links: its interface at `a` (needed only
        /// when more than one link joins `a` and `b`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        a_interface: Option<Interface>,
    },
}

// ===== impl Topology =====

impl Topology {
    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of directed links.
    pub fn link_count(&self) -> usize {
        self.links.len()
    }

    /// Heap memory held by the snapshot (the solver's landmark tables are
    /// its own: `solver::Prepared::landmark_bytes`).
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        let names: usize = self
            .nodes
            .iter()
            .map(|n| n.name.capacity() + n.addresses.capacity() * size_of::<IpAddr>())
            .sum();
        self.nodes.capacity() * size_of::<Node>()
            + names
            + self.links.capacity() * size_of::<Link>()
            + self.hot.capacity() * size_of::<HotLink>()
            + self.bandwidth.capacity() * size_of::<f64>()
            + self.first_link.capacity() * size_of::<u32>()
            + self.reverse.capacity() * size_of::<LinkId>()
            + self.srlgs.capacity() * size_of::<u32>()
            // Hash maps: entries plus control bytes, approximately.
            + self.by_name.capacity() * (size_of::<String>() + size_of::<NodeId>() + 1)
            + self.by_address.capacity() * (size_of::<IpAddr>() + size_of::<NodeId>() + 1)
            + self.by_interface.capacity() * (size_of::<IpAddr>() + size_of::<LinkId>() + 1)
    }

    /// A node.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.index())
    }

    /// All nodes, indexed by [`NodeId`].
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// A directed link.
    pub fn link(&self, id: LinkId) -> Option<&Link> {
        self.links.get(id.index())
    }

    /// All directed links, indexed by [`LinkId`].
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// The opposite direction of a link.
    pub fn reverse(&self, id: LinkId) -> Option<LinkId> {
        self.reverse.get(id.index()).copied()
    }

    /// A node by name.
    pub fn node_by_name(&self, name: &str) -> Option<NodeId> {
        self.by_name.get(name).copied()
    }

    /// A node by one of its addresses or its router ID (how END-POINTS and
    /// PCC session addresses map onto nodes).
    pub fn node_by_address(&self, addr: IpAddr) -> Option<NodeId> {
        self.by_address.get(&addr).copied()
    }

    /// The directed link leaving the interface with this address.
    pub fn link_by_interface(&self, addr: IpAddr) -> Option<LinkId> {
        self.by_interface.get(&addr).copied()
    }

    /// The directed link leaving an interface named as people do: its
    /// address (`10.1.2.1`), or `NODE%ID` for an unnumbered one (`R1%7`).
    pub fn link_by_interface_name(&self, name: &str) -> Option<LinkId> {
        if let Ok(addr) = name.parse::<IpAddr>() {
            return self.link_by_interface(addr);
        }
        let (node, id) = name.rsplit_once('%')?;
        let (node, id) = (self.node_by_name(node)?, id.parse::<u32>().ok()?);
        self.out_links(node).map(LinkId).find(|&l| {
            self.link(l)
                .is_some_and(|l| l.local_interface_id == Some(id))
        })
    }

    /// Whether another link joins the same two nodes.
    pub fn is_parallel(&self, id: LinkId) -> bool {
        self.link(id).is_some_and(|l| {
            self.out_links(l.from)
                .filter(|&o| self.link(LinkId(o)).is_some_and(|x| x.to == l.to))
                .nth(1)
                .is_some()
        })
    }

    /// A link's name for people: `R1->R2`, and its local interface when
    /// parallel links join the same nodes (`R1->R2 [10.1.2.1]`,
    /// `R1->R2 [if 7]`).
    pub fn link_name(&self, id: LinkId) -> String {
        let Some(l) = self.link(id) else {
            return format!("link #{}", id.0);
        };
        let mut out = format!("{}->{}", self.name(l.from), self.name(l.to));
        if self.is_parallel(id) {
            match (l.local_address, l.local_interface_id) {
                (Some(a), _) => out.push_str(&format!(" [{a}]")),
                (None, Some(i)) => out.push_str(&format!(" [if {i}]")),
                (None, None) => out.push_str(&format!(" [#{}]", id.0)),
            }
        }
        out
    }

    #[inline]
    pub(crate) fn hot(&self) -> &[HotLink] {
        &self.hot
    }

    #[inline]
    pub(crate) fn bandwidths(&self) -> &[f64] {
        &self.bandwidth
    }

    /// Rebuild the derived arrays after `nodes` or `links` changed.
    pub(crate) fn refresh(&mut self) {
        self.hot = self
            .links
            .iter()
            .map(|l| HotLink {
                to: l.to.0,
                igp: l.igp,
                te: l.te,
                delay_us: l.delay_us,
                admin_groups: l.admin_groups,
                // A link is usable when it and both its ends are up.
                flags: if l.up
                    && self.nodes.get(l.to.index()).is_some_and(|n| n.up)
                    && self.nodes.get(l.from.index()).is_some_and(|n| n.up)
                {
                    HotLink::UP
                } else {
                    0
                } | if l.srlg_len > 0 { HotLink::HAS_SRLG } else { 0 },
            })
            .collect();
        self.bandwidth = self.links.iter().map(|l| l.bandwidth).collect();
    }

    /// A node's outgoing links, as a contiguous range of link IDs.
    #[inline]
    pub fn out_links(&self, node: NodeId) -> std::ops::Range<u32> {
        let start = self.first_link.get(node.index()).copied().unwrap_or(0);
        let end = self
            .first_link
            .get(node.index() + 1)
            .copied()
            .unwrap_or(start);
        start..end
    }

    /// A link's SRLGs.
    #[inline]
    pub fn srlgs(&self, link: &Link) -> &[u32] {
        let start = link.srlg_start as usize;
        self.srlgs
            .get(start..start + link.srlg_len as usize)
            .unwrap_or_default()
    }

    /// Every directed link touching `node` (both directions): what a node
    /// failure takes down.
    pub fn links_of_node(&self, node: NodeId) -> Vec<LinkId> {
        let mut out: Vec<LinkId> = self.out_links(node).map(LinkId).collect();
        out.extend(out.clone().into_iter().filter_map(|l| self.reverse(l)));
        out.sort_unstable();
        out
    }

    /// Every directed link in shared risk link group `srlg`.
    pub fn links_of_srlg(&self, srlg: u32) -> Vec<LinkId> {
        (0..self.links.len() as u32)
            .map(LinkId)
            .filter(|l| {
                self.link(*l)
                    .is_some_and(|link| self.srlgs(link).contains(&srlg))
            })
            .collect()
    }

    /// What changed between `self` and a later snapshot `next` of the same
    /// topology (same links): the links whose state, metrics or bandwidth
    /// differ, or whose tail node went up or down. Rerouting exactly the
    /// LSPs on these links handles link, node and SRLG failures and metric
    /// changes incrementally (a metric *decrease* can also make other LSPs'
    /// paths suboptimal: that is global reoptimization's job).
    pub fn changed_links(&self, next: &Self) -> Vec<LinkId> {
        self.links
            .iter()
            .zip(&next.links)
            .enumerate()
            .filter(|(_, (a, b))| {
                a.up != b.up
                    || a.igp != b.igp
                    || a.te != b.te
                    || a.bandwidth != b.bandwidth
                    || self.node(a.to).map(|n| n.up) != next.node(b.to).map(|n| n.up)
                    || self.node(a.from).map(|n| n.up) != next.node(b.from).map(|n| n.up)
            })
            .map(|(i, _)| LinkId(i as u32))
            .collect()
    }

    /// Whether `next` only removes or lengthens links of this snapshot: the
    /// same nodes and links, none usable in `next` that is not here, no
    /// metric (IGP, TE, delay) lower, the same admin groups. What a link or
    /// node failure, or a metric increase, makes. Then every distance of
    /// `next` is at least this one's, on every subset of links a query may
    /// use, so lower bounds computed here hold there.
    pub fn only_lengthens(&self, next: &Self) -> bool {
        self.first_link == next.first_link
            && self.hot.len() == next.hot.len()
            && self.hot.iter().zip(&next.hot).all(|(a, b)| {
                a.to == b.to
                    && a.admin_groups == b.admin_groups
                    && (b.flags & HotLink::UP == 0
                        || (a.flags & HotLink::UP != 0
                            && b.igp >= a.igp
                            && b.te >= a.te
                            && b.delay_us >= a.delay_us))
            })
    }

    /// The link from `a` to `b` (the first, if parallel links exist).
    pub fn link_between(&self, a: NodeId, b: NodeId) -> Option<LinkId> {
        self.out_links(a)
            .map(LinkId)
            .find(|l| self.link(*l).is_some_and(|l| l.to == b))
    }

    /// A new snapshot with `event` applied.
    pub fn apply(&self, event: &TopologyEvent) -> Result<Self, TopologyError> {
        let mut next = self.clone();
        let node = |name: &str| {
            self.node_by_name(name)
                .ok_or_else(|| TopologyError::UnknownNode {
                    node: name.to_string(),
                })
        };
        // Both directions of the link joining a and b, the one whose
        // interface at a is `at` among parallel links.
        let both =
            |a: &str, b: &str, at: &Option<Interface>| -> Result<Vec<usize>, TopologyError> {
                let (a, b) = (node(a)?, node(b)?);
                let forward: Vec<LinkId> = self
                    .out_links(a)
                    .map(LinkId)
                    .filter(|&l| {
                        self.link(l).is_some_and(|l| {
                            l.to == b
                                && match at {
                                    None => true,
                                    Some(Interface::Address(x)) => l.local_address == Some(*x),
                                    Some(Interface::Id(x)) => l.local_interface_id == Some(*x),
                                }
                        })
                    })
                    .collect();
                match forward.len() {
                    0 => Err(TopologyError::UnknownLink {
                        a: self.name(a),
                        b: self.name(b),
                    }),
                    1 => Ok(forward
                        .iter()
                        .chain(forward.iter().filter_map(|&l| self.reverse.get(l.index())))
                        .map(|l| l.index())
                        .collect()),
                    count => Err(TopologyError::AmbiguousLink {
                        a: self.name(a),
                        b: self.name(b),
                        count,
                    }),
                }
            };
        match event {
            TopologyEvent::LinkState {
                a,
                b,
                up,
                a_interface,
            } => {
                for i in both(a, b, a_interface)? {
                    if let Some(l) = next.links.get_mut(i) {
                        l.up = *up;
                    }
                }
            }
            TopologyEvent::NodeState { node: n, up } => {
                let id = node(n)?;
                if let Some(n) = next.nodes.get_mut(id.index()) {
                    n.up = *up;
                }
            }
            TopologyEvent::LinkMetric {
                a,
                b,
                igp,
                te,
                a_interface,
            } => {
                for i in both(a, b, a_interface)? {
                    if let Some(l) = next.links.get_mut(i) {
                        (l.igp, l.te) = (*igp, *te);
                    }
                }
            }
            TopologyEvent::LinkBandwidth {
                a,
                b,
                bandwidth,
                a_interface,
            } => {
                if !(bandwidth.is_finite() && *bandwidth >= 0.0) {
                    return Err(TopologyError::BadBandwidth {
                        a: a.clone(),
                        b: b.clone(),
                    });
                }
                for i in both(a, b, a_interface)? {
                    if let Some(l) = next.links.get_mut(i) {
                        l.bandwidth = *bandwidth;
                    }
                }
            }
        }
        next.refresh();
        Ok(next)
    }

    fn name(&self, id: NodeId) -> String {
        self.node(id).map(|n| n.name.clone()).unwrap_or_default()
    }
}
