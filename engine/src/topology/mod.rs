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
use std::sync::Arc;

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
    /// Bit 0: usable (the link and both its nodes up); bit 1: has SRLGs;
    /// bit 2: the link itself up ([`Topology::link_up`]).
    pub(crate) flags: u32,
}

impl HotLink {
    pub(crate) const UP: u32 = 1;
    pub(crate) const HAS_SRLG: u32 = 2;
    pub(crate) const LINK_UP: u32 = 4;
}

/// An immutable topology snapshot.
#[derive(Clone, Debug, Default)]
pub struct Topology {
    nodes: Arc<Vec<Node>>,
    /// Hot copy of `links` for the search loop, same indices.
    hot: Vec<HotLink>,
    /// Reservable bandwidth per link, same indices.
    bandwidth: Vec<f64>,
    /// Directed links, sorted by `from` (CSR order), shared between
    /// snapshots until one changes an attribute (their states are in
    /// `hot`: a failure copies only the hot links).
    links: Arc<Vec<Link>>,
    /// `first_link[n]..first_link[n + 1]` are node `n`'s outgoing links.
    first_link: Arc<Vec<u32>>,
    /// For each link, the opposite direction of the same physical link.
    reverse: Arc<Vec<LinkId>>,
    /// SRLG values of all links, each link holding a range.
    srlgs: Vec<u32>,
    by_name: Arc<HashMap<String, NodeId>>,
    by_address: Arc<HashMap<IpAddr, NodeId>>,
    /// Numbered interfaces: the directed link whose local address it is.
    by_interface: Arc<HashMap<IpAddr, LinkId>>,
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
    /// Any of a link's attributes, on both directions or only the one
    /// from `a` to `b`: what BGP-LS, the API or a changed file says.
    Link {
        /// One end.
        a: String,
        /// The other end.
        b: String,
        /// Which of parallel links: its interface at `a` (needed only
        /// when more than one link joins `a` and `b`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        a_interface: Option<Interface>,
        /// Only the direction from `a` to `b`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        one_way: bool,
        /// What changes.
        set: LinkPatch,
    },
}

/// New values for some of a link's attributes; what is absent stays.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkPatch {
    /// Up or down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up: Option<bool>,
    /// IGP metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub igp_metric: Option<u32>,
    /// TE metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub te_metric: Option<u32>,
    /// Unidirectional delay, microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_us: Option<u32>,
    /// Reservable bandwidth, bits per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth_bps: Option<f64>,
    /// Administrative groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_groups: Option<u32>,
    /// Shared risk link groups (the whole list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub srlgs: Option<Vec<u32>>,
}

impl LinkPatch {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
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
        self.links.as_slice()
    }

    /// Whether a link is up (its own state: its nodes have theirs).
    #[inline]
    pub fn link_up(&self, id: LinkId) -> bool {
        self.hot
            .get(id.index())
            .is_some_and(|h| h.flags & HotLink::LINK_UP != 0)
    }

    /// Whether a link can carry traffic: it and both its nodes are up.
    #[inline]
    pub fn link_usable(&self, id: LinkId) -> bool {
        self.hot
            .get(id.index())
            .is_some_and(|h| h.flags & HotLink::UP != 0)
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

    /// Rebuild the derived arrays after `nodes` or `links` changed (each
    /// link's state kept; up on the first build).
    pub(crate) fn refresh(&mut self) {
        self.hot = self
            .links
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let up = self
                    .hot
                    .get(i)
                    .is_none_or(|h| h.flags & HotLink::LINK_UP != 0);
                self.hot_of(l, up)
            })
            .collect();
        self.bandwidth = self.links.iter().map(|l| l.bandwidth).collect();
    }

    /// [`Self::refresh`] of `links` only (the others unchanged, their
    /// nodes' states too).
    fn refresh_links(&mut self, links: &[LinkId]) {
        for &id in links {
            let Some(l) = self.links.get(id.index()) else {
                continue;
            };
            let (hot, bandwidth) = (self.hot_of(l, self.link_up(id)), l.bandwidth);
            if let Some(h) = self.hot.get_mut(id.index()) {
                *h = hot;
            }
            if let Some(b) = self.bandwidth.get_mut(id.index()) {
                *b = bandwidth;
            }
        }
    }

    /// A link's hot copy, the link itself `up` or not.
    fn hot_of(&self, l: &Link, up: bool) -> HotLink {
        HotLink {
            to: l.to.0,
            igp: l.igp,
            te: l.te,
            delay_us: l.delay_us,
            admin_groups: l.admin_groups,
            // A link is usable when it and both its ends are up.
            flags: if up
                && self.nodes.get(l.to.index()).is_some_and(|n| n.up)
                && self.nodes.get(l.from.index()).is_some_and(|n| n.up)
            {
                HotLink::UP
            } else {
                0
            } | if l.srlg_len > 0 { HotLink::HAS_SRLG } else { 0 }
                | if up { HotLink::LINK_UP } else { 0 },
        }
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
    /// topology (same links): the links whose state, metrics, delay,
    /// bandwidth, admin groups or SRLGs differ, or whose end nodes went up
    /// or down. Rerouting exactly the
    /// LSPs on these links handles link, node and SRLG failures and metric
    /// changes incrementally (a metric *decrease* can also make other LSPs'
    /// paths suboptimal: that is global reoptimization's job).
    pub fn changed_links(&self, next: &Self) -> Vec<LinkId> {
        // Nodes shared: no node's state changed; links shared: no link's
        // attributes did (their states are in the hot links).
        let same_nodes = Arc::ptr_eq(&self.nodes, &next.nodes);
        let same_links = Arc::ptr_eq(&self.links, &next.links);
        let state = |h: &HotLink| h.flags & HotLink::LINK_UP;
        self.links
            .iter()
            .zip(next.links.iter())
            .zip(self.hot.iter().zip(&next.hot))
            .enumerate()
            .filter(|(_, ((a, b), (ha, hb)))| {
                state(ha) != state(hb)
                    || (!same_links && self.attributes_differ(next, a, b))
                    || (!same_nodes
                        && (self.node(a.to).map(|n| n.up) != next.node(b.to).map(|n| n.up)
                            || self.node(a.from).map(|n| n.up) != next.node(b.from).map(|n| n.up)))
            })
            .map(|(i, _)| LinkId(i as u32))
            .collect()
    }

    /// Whether a link's attributes (not its state) differ in `next`.
    fn attributes_differ(&self, next: &Self, a: &Link, b: &Link) -> bool {
        a.igp != b.igp
            || a.te != b.te
            || a.bandwidth != b.bandwidth
            || a.delay_us != b.delay_us
            || a.admin_groups != b.admin_groups
            || self.srlgs(a) != next.srlgs(b)
    }

    /// Whether a later snapshot `next` (same links) can have a shorter or
    /// feasible path where this one has none: one of the `changed` links
    /// is usable there and was not here, or has a lower metric or delay,
    /// more bandwidth, other admin groups or fewer SRLGs.
    pub fn may_shorten(&self, next: &Self, changed: &[LinkId]) -> bool {
        changed.iter().any(|&id| {
            let (Some(a), Some(b), Some(la), Some(lb)) = (
                self.hot.get(id.index()),
                next.hot.get(id.index()),
                self.link(id),
                next.link(id),
            ) else {
                return true;
            };
            b.flags & HotLink::UP != 0
                && (a.flags & HotLink::UP == 0
                    || b.igp < a.igp
                    || b.te < a.te
                    || b.delay_us < a.delay_us
                    || lb.bandwidth > la.bandwidth
                    || b.admin_groups != a.admin_groups
                    || !self.srlgs(la).iter().all(|s| next.srlgs(lb).contains(s)))
        })
    }

    /// A copy of what [`Self::only_lengthens`] compares (the structure and
    /// each link's lengths and admin groups), nothing else: what landmark
    /// tables remember of the snapshot they were computed on, at a sixth
    /// of its memory.
    pub(crate) fn lengths(&self) -> Self {
        Self {
            hot: self.hot.clone(),
            first_link: self.first_link.clone(),
            ..Self::default()
        }
    }

    /// Whether every link of `next` is at least as long as here, up or
    /// down: the same nodes and links, no metric (IGP, TE, delay) lower,
    /// the same admin groups. What a failure, a repair, a cost-out or a
    /// cost-in back to these metrics makes. Lower bounds computed on every
    /// link of this snapshot (up or not: the landmark tables) then hold in
    /// `next`, on every subset of links a query may use.
    pub fn only_lengthens(&self, next: &Self) -> bool {
        self.first_link == next.first_link
            && self.hot.len() == next.hot.len()
            && self.hot.iter().zip(&next.hot).all(|(a, b)| {
                a.to == b.to
                    && a.admin_groups == b.admin_groups
                    && b.igp >= a.igp
                    && b.te >= a.te
                    && b.delay_us >= a.delay_us
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
        self.apply_all(std::slice::from_ref(event))
    }

    /// A new snapshot with `events` applied in order: all of them, or
    /// none when one cannot be (the error names it).
    pub fn apply_all(&self, events: &[TopologyEvent]) -> Result<Self, TopologyError> {
        let mut next = self.clone();
        let mut touched = Some(Vec::new());
        for event in events {
            self.apply_to(&mut next, event, &mut touched)?;
        }
        match touched {
            Some(links) => next.refresh_links(&links),
            None => next.refresh(),
        }
        Ok(next)
    }

    /// Both directions of the link joining `a` and `b` (forward first),
    /// the one whose interface at `a` is `at` among parallel links.
    fn both(&self, a: &str, b: &str, at: Option<&Interface>) -> Result<Vec<LinkId>, TopologyError> {
        let (a, b) = (self.named(a)?, self.named(b)?);
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
                .copied()
                .chain(forward.iter().filter_map(|&l| self.reverse(l)))
                .collect()),
            count => Err(TopologyError::AmbiguousLink {
                a: self.name(a),
                b: self.name(b),
                count,
            }),
        }
    }

    fn named(&self, name: &str) -> Result<NodeId, TopologyError> {
        self.node_by_name(name)
            .ok_or_else(|| TopologyError::UnknownNode {
                node: name.to_string(),
            })
    }

    /// Apply `event` to `next`, a copy of this snapshot (names and link
    /// indices are the same); `next.refresh()` is the caller's.
    /// Apply `event` to `next` (a copy of this snapshot), noting in
    /// `touched` the links whose own attributes it changed (`None`: more,
    /// a node's state).
    fn apply_to(
        &self,
        next: &mut Self,
        event: &TopologyEvent,
        touched: &mut Option<Vec<LinkId>>,
    ) -> Result<(), TopologyError> {
        let (a, b, at, one_way, patch) = match event {
            TopologyEvent::NodeState { node, up } => {
                let id = self.named(node)?;
                if let Some(n) = Arc::make_mut(&mut next.nodes).get_mut(id.index()) {
                    n.up = *up;
                }
                *touched = None;
                return Ok(());
            }
            TopologyEvent::LinkState {
                a,
                b,
                up,
                a_interface,
            } => (
                a,
                b,
                a_interface,
                false,
                LinkPatch {
                    up: Some(*up),
                    ..LinkPatch::default()
                },
            ),
            TopologyEvent::LinkMetric {
                a,
                b,
                igp,
                te,
                a_interface,
            } => (
                a,
                b,
                a_interface,
                false,
                LinkPatch {
                    igp_metric: Some(*igp),
                    te_metric: Some(*te),
                    ..LinkPatch::default()
                },
            ),
            TopologyEvent::LinkBandwidth {
                a,
                b,
                bandwidth,
                a_interface,
            } => (
                a,
                b,
                a_interface,
                false,
                LinkPatch {
                    bandwidth_bps: Some(*bandwidth),
                    ..LinkPatch::default()
                },
            ),
            TopologyEvent::Link {
                a,
                b,
                a_interface,
                one_way,
                set,
            } => (a, b, a_interface, *one_way, set.clone()),
        };
        if patch
            .bandwidth_bps
            .is_some_and(|bw| bw.is_nan() || bw < 0.0)
        {
            return Err(TopologyError::BadBandwidth {
                a: a.clone(),
                b: b.clone(),
            });
        }
        let mut links = self.both(a, b, at.as_ref())?;
        if one_way {
            links.truncate(1);
        }
        // A change of state alone leaves the links shared.
        let attributes = LinkPatch {
            up: None,
            ..patch.clone()
        };
        for id in links {
            if let (Some(up), Some(h)) = (patch.up, next.hot.get_mut(id.index())) {
                h.flags = if up {
                    h.flags | HotLink::LINK_UP
                } else {
                    h.flags & !HotLink::LINK_UP
                };
            }
            if let Some(t) = touched {
                t.push(id);
            }
            if attributes.is_empty() {
                continue;
            }
            let Some(l) = Arc::make_mut(&mut next.links).get_mut(id.index()) else {
                continue;
            };
            l.igp = patch.igp_metric.unwrap_or(l.igp);
            l.te = patch.te_metric.unwrap_or(l.te);
            l.delay_us = patch.delay_us.unwrap_or(l.delay_us);
            l.bandwidth = patch.bandwidth_bps.unwrap_or(l.bandwidth);
            l.admin_groups = patch.admin_groups.unwrap_or(l.admin_groups);
            if let Some(srlgs) = &patch.srlgs {
                let mut srlgs = srlgs.clone();
                srlgs.sort_unstable();
                srlgs.dedup();
                if srlgs.as_slice() != self.srlgs(l) {
                    // A new range at the end (the old one stays unused
                    // until the next full build).
                    l.srlg_start = u32::try_from(next.srlgs.len())
                        .map_err(|_| TopologyError::TooLarge { what: "srlgs" })?;
                    l.srlg_len = u32::try_from(srlgs.len())
                        .map_err(|_| TopologyError::TooLarge { what: "srlgs" })?;
                    next.srlgs.extend_from_slice(&srlgs);
                }
            }
        }
        Ok(())
    }

    /// This snapshot changed to what `fresh` (a new build of the same
    /// network: a reloaded file, a rebuilt BGP-LS TED) says, keeping this
    /// one's nodes and link indices, with the events that make the
    /// difference: changed attributes, links and nodes that went up or
    /// down. What `fresh` no longer has goes down (and stays, down, until
    /// a structural change). `None` when `fresh` differs in structure: a
    /// node or link this one lacks, other addresses or SIDs; then it
    /// replaces this one whole.
    pub fn rebase(&self, fresh: &Self) -> Option<(Self, Vec<TopologyEvent>)> {
        let mut next = self.clone();
        let mut events = Vec::new();
        // Nodes by name, with the same identity.
        let mut node_map = vec![None; fresh.nodes.len()];
        let mut seen_nodes = vec![false; self.nodes.len()];
        for (i, n) in fresh.nodes.iter().enumerate() {
            let id = self.node_by_name(&n.name)?;
            let old = self.node(id)?;
            if old.router_id != n.router_id
                || old.addresses != n.addresses
                || old.node_sid != n.node_sid
            {
                return None;
            }
            *node_map.get_mut(i)? = Some(id);
            *seen_nodes.get_mut(id.index())? = true;
        }
        // Directed links by ends and local interface.
        let key = |l: &Link, from: NodeId, to: NodeId| {
            (
                from,
                to,
                l.local_address,
                l.local_interface_id,
                l.remote_address,
                l.remote_interface_id,
            )
        };
        let index: HashMap<_, LinkId> = self
            .links
            .iter()
            .enumerate()
            .map(|(i, l)| (key(l, l.from, l.to), LinkId(i as u32)))
            .collect();
        let mut seen_links = vec![false; self.links.len()];
        for (fid, l) in fresh.links.iter().enumerate() {
            let (from, to) = (
                node_map.get(l.from.index()).copied().flatten()?,
                node_map.get(l.to.index()).copied().flatten()?,
            );
            let id = *index.get(&key(l, from, to))?;
            let old = self.link(id)?;
            if old.adj_sid != l.adj_sid {
                return None;
            }
            *seen_links.get_mut(id.index())? = true;
            let mut set = LinkPatch::default();
            let fresh_srlgs = fresh.srlgs(l);
            let up = fresh.link_up(LinkId(fid as u32));
            if self.link_up(id) != up {
                set.up = Some(up);
            }
            if old.igp != l.igp {
                set.igp_metric = Some(l.igp);
            }
            if old.te != l.te {
                set.te_metric = Some(l.te);
            }
            if old.delay_us != l.delay_us {
                set.delay_us = Some(l.delay_us);
            }
            if old.bandwidth != l.bandwidth {
                set.bandwidth_bps = Some(l.bandwidth);
            }
            if old.admin_groups != l.admin_groups {
                set.admin_groups = Some(l.admin_groups);
            }
            if self.srlgs(old) != fresh_srlgs {
                set.srlgs = Some(fresh_srlgs.to_vec());
            }
            if !set.is_empty() {
                events.push(self.one_way(id, set));
            }
        }
        for (id, seen) in seen_links.iter().enumerate() {
            let id = LinkId(id as u32);
            if !seen && self.link_up(id) {
                events.push(self.one_way(
                    id,
                    LinkPatch {
                        up: Some(false),
                        ..LinkPatch::default()
                    },
                ));
            }
        }
        for (i, n) in fresh.nodes.iter().enumerate() {
            let id = node_map.get(i).copied().flatten()?;
            if self.node(id).is_some_and(|o| o.up != n.up) {
                events.push(TopologyEvent::NodeState {
                    node: n.name.clone(),
                    up: n.up,
                });
            }
        }
        for (id, seen) in seen_nodes.iter().enumerate() {
            let node = self.nodes.get(id)?;
            if !seen && node.up {
                events.push(TopologyEvent::NodeState {
                    node: node.name.clone(),
                    up: false,
                });
            }
        }
        for event in &events {
            self.apply_to(&mut next, event, &mut None).ok()?;
        }
        next.refresh();
        Some((next, events))
    }

    /// An event that sets `set` on the one direction `id`.
    fn one_way(&self, id: LinkId, set: LinkPatch) -> TopologyEvent {
        let l = self.link(id);
        let a_interface = l.filter(|_| self.is_parallel(id)).and_then(|l| {
            l.local_address
                .map(Interface::Address)
                .or(l.local_interface_id.map(Interface::Id))
        });
        TopologyEvent::Link {
            a: l.map(|l| self.name(l.from)).unwrap_or_default(),
            b: l.map(|l| self.name(l.to)).unwrap_or_default(),
            a_interface,
            one_way: true,
            set,
        }
    }

    fn name(&self, id: NodeId) -> String {
        self.node(id).map(|n| n.name.clone()).unwrap_or_default()
    }
}
