//! The TED from BGP-LS: the link-state NLRIs that peers announce, kept
//! per peer under their raw bytes, made into the same [`TopologyFile`] a
//! file would give (so a topology learned over BGP-LS and its JSON form
//! compute the same paths).
//!
//! Sans-IO: [`LsDatabase::apply`] takes an UPDATE as the session decoded
//! it, [`LsDatabase::topology`] builds. Faults get the RFC's treatment
//! (RFC 7606, RFC 9552 §8.2.2): an NLRI or attribute that does not decode
//! withdraws what it announces (treat-as-withdraw) and is reported; an
//! NLRI of an unknown type is ignored. What cannot be used yet (a link
//! whose end or reverse direction is not described, a node without a
//! router ID) stays in the database, out of the topology, and is listed
//! in the [`LsReport`]; it is used as soon as what it lacks arrives.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

use bgpls::ls::{protocol, Attribute, LsError, Nlri, NlriType, NodeDescriptor, Sid};
use bgpls::message::Update;
use serde::Serialize;

use super::file::{Direction, LinkSpec, NodeSpec, TopologyFile};

/// A peer, by the shell's number for it.
pub type PeerId = u32;

#[derive(Clone, Debug)]
struct Entry {
    nlri: Nlri,
    attribute: Arc<Attribute>,
}

/// What one UPDATE did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// NLRIs installed or replaced.
    pub announced: usize,
    /// NLRIs removed (withdrawn, or treated as withdrawn).
    pub withdrawn: usize,
    /// Faults met, in words.
    pub faults: Vec<String>,
}

/// Why parts of the database are not in the topology.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LsReport {
    /// Nodes in the topology.
    pub nodes: usize,
    /// Links (both directions described) in the topology.
    pub links: usize,
    /// NLRIs in the database.
    pub nlris: usize,
    /// What is left out, and why.
    pub unused: Vec<String>,
}

/// The link-state database.
#[derive(Clone, Debug, Default)]
pub struct LsDatabase {
    /// Raw NLRI -> per peer, the entry.
    entries: BTreeMap<Vec<u8>, BTreeMap<PeerId, Entry>>,
}

/// A node as links name it: the routing universe, the AS and the IGP or
/// BGP router ID (the area and the protocol left out: an ABR or an L1L2
/// router is one node).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct NodeKey {
    identifier: u64,
    asn: Option<u32>,
    router_id: Vec<u8>,
    bgp_router_id: Option<std::net::Ipv4Addr>,
}

impl NodeKey {
    fn of(identifier: u64, d: &NodeDescriptor) -> Self {
        Self {
            identifier,
            asn: d.asn,
            router_id: d.igp_router_id.clone(),
            bgp_router_id: d.bgp_router_id,
        }
    }
}

impl LsDatabase {
    /// An empty database.
    pub fn new() -> Self {
        Self::default()
    }

    /// NLRIs held (all peers).
    pub fn len(&self) -> usize {
        self.entries.values().map(BTreeMap::len).sum()
    }

    /// Distinct NLRIs held (one announced by two peers counts once), in
    /// constant time.
    pub fn distinct(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn remove(&mut self, peer: PeerId, raw: &[u8]) -> bool {
        let Some(per_peer) = self.entries.get_mut(raw) else {
            return false;
        };
        let removed = per_peer.remove(&peer).is_some();
        if per_peer.is_empty() {
            self.entries.remove(raw);
        }
        removed
    }

    /// Apply an UPDATE from `peer`.
    pub fn apply(&mut self, peer: PeerId, update: &Update) -> Applied {
        let mut applied = Applied::default();
        for raw in &update.withdrawn {
            if self.remove(peer, raw) {
                applied.withdrawn += 1;
            }
        }
        if update.announced.is_empty() {
            return applied;
        }
        let attribute = match (&update.treat_as_withdraw, &update.ls_attribute) {
            (Some(why), _) => Err(why.clone()),
            (None, Some(a)) => {
                Attribute::decode(a).map_err(|e| format!("malformed BGP-LS attribute: {e}"))
            }
            (None, None) => Ok(Attribute::default()),
        };
        let attribute = match attribute {
            Ok(a) => Arc::new(a),
            Err(why) => {
                applied.faults.push(format!(
                    "{why}: {} NLRIs treated as withdrawn",
                    update.announced.len()
                ));
                for raw in &update.announced {
                    if self.remove(peer, raw) {
                        applied.withdrawn += 1;
                    }
                }
                return applied;
            }
        };
        for raw in &update.announced {
            match Nlri::decode(raw) {
                Ok(nlri) => {
                    self.entries.entry(raw.clone()).or_default().insert(
                        peer,
                        Entry {
                            nlri,
                            attribute: Arc::clone(&attribute),
                        },
                    );
                    applied.announced += 1;
                }
                // RFC 9552 §5.2: an NLRI type not understood is ignored.
                Err(LsError::UnknownNlriType(t)) => {
                    applied
                        .faults
                        .push(format!("NLRI of unknown type {t} ignored"));
                }
                Err(e) => {
                    applied
                        .faults
                        .push(format!("malformed NLRI treated as withdrawn: {e}"));
                    if self.remove(peer, raw) {
                        applied.withdrawn += 1;
                    }
                }
            }
        }
        applied
    }

    /// A peer's session ended: everything it announced goes.
    pub fn peer_down(&mut self, peer: PeerId) -> usize {
        let before = self.len();
        self.entries.retain(|_, per_peer| {
            per_peer.remove(&peer);
            !per_peer.is_empty()
        });
        before - self.len()
    }

    /// Each NLRI once: the lowest-numbered peer's copy.
    fn best(&self) -> impl Iterator<Item = &Entry> {
        self.entries
            .values()
            .filter_map(|per_peer| per_peer.values().next())
    }

    /// The topology the database describes, and what it leaves out.
    pub fn topology(&self) -> (TopologyFile, LsReport) {
        let mut report = LsReport {
            nlris: self.len(),
            ..LsReport::default()
        };
        // Nodes.
        let mut nodes: BTreeMap<NodeKey, (String, Option<IpAddr>, Arc<Attribute>)> =
            BTreeMap::new();
        for e in self.best().filter(|e| e.nlri.kind == NlriType::Node) {
            if e.nlri.local.is_pseudonode() {
                report.unused.push(format!(
                    "pseudonode {} (LAN): not used",
                    e.nlri.local.router_id_text()
                ));
                continue;
            }
            let a = &e.attribute;
            let router_id = a
                .router_id_v4
                .map(IpAddr::V4)
                .or(a.router_id_v6.map(IpAddr::V6))
                .or(match e.nlri.local.igp_router_id.as_slice() {
                    [w, x, y, z]
                        if e.nlri.protocol != protocol::ISIS_L1
                            && e.nlri.protocol != protocol::ISIS_L2 =>
                    {
                        Some(IpAddr::from([*w, *x, *y, *z]))
                    }
                    _ => None,
                });
            let name = a
                .node_name
                .clone()
                .unwrap_or_else(|| e.nlri.local.router_id_text());
            nodes.insert(
                NodeKey::of(e.nlri.identifier, &e.nlri.local),
                (name, router_id, Arc::clone(a)),
            );
        }
        // Prefixes: host routes are the node's addresses; the prefix SID
        // of its router ID (else of a prefix with the N flag) its node SID.
        let mut addresses: HashMap<NodeKey, Vec<IpAddr>> = HashMap::new();
        let mut sids: HashMap<NodeKey, (bool, u32)> = HashMap::new();
        for e in self
            .best()
            .filter(|e| matches!(e.nlri.kind, NlriType::Prefix4 | NlriType::Prefix6))
        {
            let key = NodeKey::of(e.nlri.identifier, &e.nlri.local);
            let Some(p) = &e.nlri.prefix else { continue };
            let (addr, len) = p.prefix;
            let host = matches!((addr, len), (IpAddr::V4(_), 32) | (IpAddr::V6(_), 128));
            if host {
                addresses.entry(key.clone()).or_default().push(addr);
            }
            let Some((_, router_id, node_attr)) = nodes.get(&key) else {
                continue;
            };
            let is_router_id = host && Some(addr) == *router_id;
            let isis = matches!(e.nlri.protocol, protocol::ISIS_L1 | protocol::ISIS_L2);
            for ps in e.attribute.prefix_sids.iter().filter(|s| s.algorithm == 0) {
                let node_flag = isis && ps.flags & 0x40 != 0;
                if !(is_router_id || node_flag) {
                    continue;
                }
                let label = match ps.sid {
                    Sid::Label(l) => Some(l),
                    Sid::Index(i) => srgb_label(node_attr, i),
                };
                let Some(label) = label else { continue };
                let better = sids.get(&key).is_none_or(|(rid, _)| is_router_id && !rid);
                if better {
                    sids.insert(key.clone(), (is_router_id, label));
                }
            }
        }
        let mut specs: Vec<NodeSpec> = Vec::new();
        let mut names: HashMap<NodeKey, String> = HashMap::new();
        let mut taken: HashSet<String> = HashSet::new();
        let mut claimed: HashSet<IpAddr> = HashSet::new();
        for (key, (name, router_id, _)) in &nodes {
            let mut addrs = addresses.remove(key).unwrap_or_default();
            addrs.sort();
            addrs.dedup();
            let Some(router_id) = router_id.or_else(|| addrs.first().copied()) else {
                report.unused.push(format!(
                    "node {name}: no router ID (TLV 1028/1029) and no host prefix"
                ));
                continue;
            };
            // An address two nodes claim belongs to neither.
            if !claimed.insert(router_id) {
                report.unused.push(format!(
                    "node {name}: router ID {router_id} is another node's"
                ));
                continue;
            }
            addrs.retain(|a| *a != router_id && claimed.insert(*a));
            let mut unique = name.clone();
            if !taken.insert(unique.clone()) {
                unique = format!("{name}@{router_id}");
                taken.insert(unique.clone());
            }
            names.insert(key.clone(), unique.clone());
            specs.push(NodeSpec {
                name: unique,
                router_id,
                addresses: addrs,
                node_sid: sids.get(key).map(|&(_, l)| l),
                srlgs: Vec::new(),
            });
        }
        report.nodes = specs.len();
        // Links: each direction from its own NLRI, paired with its reverse.
        let mut directed: Vec<(NodeKey, NodeKey, &Entry)> = Vec::new();
        for e in self.best().filter(|e| e.nlri.kind == NlriType::Link) {
            let Some(remote) = &e.nlri.remote else {
                continue;
            };
            let (a, b) = (
                NodeKey::of(e.nlri.identifier, &e.nlri.local),
                NodeKey::of(e.nlri.identifier, remote),
            );
            let describe = || {
                format!(
                    "link {} -> {}",
                    e.nlri.local.router_id_text(),
                    remote.router_id_text()
                )
            };
            if e.nlri.local.is_pseudonode() || remote.is_pseudonode() {
                report.unused.push(format!(
                    "{}: through a pseudonode (LAN), not used",
                    describe()
                ));
                continue;
            }
            if !names.contains_key(&a) || !names.contains_key(&b) {
                report.unused.push(format!(
                    "{}: an end is not described (no usable Node NLRI)",
                    describe()
                ));
                continue;
            }
            if a == b {
                report.unused.push(format!("{}: a loop", describe()));
                continue;
            }
            if e.attribute.igp_metric.is_none() {
                report
                    .unused
                    .push(format!("{}: no IGP metric (TLV 1095)", describe()));
                continue;
            }
            directed.push((a, b, e));
        }
        let mut used = vec![false; directed.len()];
        let mut links = Vec::new();
        // Directions by (from, to): each link looks up its reverse's pair
        // (linear in the links, not quadratic).
        let mut by_ends: HashMap<(&NodeKey, &NodeKey), Vec<usize>> = HashMap::new();
        for (i, (a, b, _)) in directed.iter().enumerate() {
            by_ends.entry((a, b)).or_default().push(i);
        }
        for i in 0..directed.len() {
            if used.get(i).copied().unwrap_or(true) {
                continue;
            }
            let Some((a, b, e)) = directed.get(i) else {
                continue;
            };
            let d = &e.nlri.link;
            // The reverse: the other way between the same nodes, its
            // identifiers mirrored; without identifiers, the only one.
            let candidates: Vec<usize> = by_ends
                .get(&(b, a))
                .into_iter()
                .flatten()
                .copied()
                .filter(|&j| !used.get(j).copied().unwrap_or(true))
                .collect();
            let mirrored = |j: &usize| {
                directed.get(*j).is_some_and(|(_, _, f)| {
                    let r = &f.nlri.link;
                    (d.ids.is_some() && r.ids == d.ids.map(|(x, y)| (y, x)))
                        || (d.ipv4_local.is_some()
                            && r.ipv4_local == d.ipv4_remote
                            && r.ipv4_remote == d.ipv4_local)
                        || (d.ipv6_local.is_some()
                            && r.ipv6_local == d.ipv6_remote
                            && r.ipv6_remote == d.ipv6_local)
                })
            };
            let reverse = candidates
                .iter()
                .copied()
                .find(|j| mirrored(j))
                .or_else(|| {
                    (candidates.len() == 1)
                        .then(|| candidates.first().copied())
                        .flatten()
                });
            let Some(j) = reverse else {
                report.unused.push(format!(
                    "link {} -> {}: the reverse direction is not described",
                    e.nlri.local.router_id_text(),
                    e.nlri
                        .remote
                        .as_ref()
                        .map(NodeDescriptor::router_id_text)
                        .unwrap_or_default()
                ));
                continue;
            };
            let Some((_, _, f)) = directed.get(j) else {
                continue;
            };
            if let Some(u) = used.get_mut(i) {
                *u = true;
            }
            if let Some(u) = used.get_mut(j) {
                *u = true;
            }
            let (Some(na), Some(nb)) = (names.get(a), names.get(b)) else {
                continue;
            };
            links.push(link_spec(na, nb, &e.nlri, &e.attribute, &f.attribute));
        }
        report.links = links.len();
        (
            TopologyFile {
                nodes: specs,
                links,
            },
            report,
        )
    }
}

/// The label of SID index `i` in the node's SRGB (its ranges in order).
fn srgb_label(node: &Attribute, i: u32) -> Option<u32> {
    let (_, ranges) = node.sr_capabilities.as_ref()?;
    let mut rest = i;
    for r in ranges {
        if rest < r.size {
            return match r.first {
                Sid::Label(base) => base.checked_add(rest),
                Sid::Index(_) => None,
            };
        }
        rest -= r.size;
    }
    None
}

/// Bytes per second (IEEE float) as bits per second.
fn bps(bytes_per_second: f32) -> f64 {
    f64::from(bytes_per_second) * 8.0
}

/// A direction's values from its attribute.
fn direction(a: &Attribute) -> Direction {
    let igp = a.igp_metric.unwrap_or(0);
    Direction {
        igp_metric: Some(igp),
        te_metric: Some(a.te_metric.unwrap_or(igp)),
        delay_us: Some(a.delay.map_or(0, |(_, d)| d)),
        bandwidth_bps: a
            .max_reservable_bandwidth
            .or(a.unreserved_bandwidth.map(|u| u[0]))
            .map(bps),
        admin_groups: Some(
            a.admin_group
                .or(a
                    .extended_admin_group
                    .as_ref()
                    .and_then(|e| e.first().copied()))
                .unwrap_or(0),
        ),
    }
}

/// An adjacency SID that is a label (V and L flags: IS-IS 0x30, OSPF
/// 0x60; a 3-byte SID is a label whatever the flags).
fn adj_label(a: &Attribute) -> Option<u32> {
    a.adj_sids.iter().find_map(|s| match s.sid {
        Sid::Label(l) => Some(l),
        Sid::Index(_) => None,
    })
}

fn link_spec(a: &str, b: &str, nlri: &Nlri, forward: &Attribute, backward: &Attribute) -> LinkSpec {
    let (f, r) = (direction(forward), direction(backward));
    let mut srlgs: Vec<u32> = forward
        .srlgs
        .iter()
        .chain(backward.srlgs.iter())
        .flatten()
        .copied()
        .collect();
    srlgs.sort_unstable();
    srlgs.dedup();
    let d = &nlri.link;
    let b_to_a = (r != f).then(|| Direction {
        igp_metric: r.igp_metric.filter(|x| Some(*x) != f.igp_metric),
        te_metric: r.te_metric.filter(|x| Some(*x) != f.te_metric),
        delay_us: r.delay_us.filter(|x| Some(*x) != f.delay_us),
        bandwidth_bps: r.bandwidth_bps.filter(|x| Some(*x) != f.bandwidth_bps),
        admin_groups: r.admin_groups.filter(|x| Some(*x) != f.admin_groups),
    });
    LinkSpec {
        a: a.to_string(),
        b: b.to_string(),
        igp_metric: f.igp_metric.unwrap_or(0),
        te_metric: f.te_metric,
        delay_us: f.delay_us.unwrap_or(0),
        bandwidth_bps: f.bandwidth_bps,
        admin_groups: f.admin_groups.unwrap_or(0),
        srlgs,
        a_address: d
            .ipv4_local
            .map(IpAddr::V4)
            .or(d.ipv6_local.map(IpAddr::V6)),
        b_address: d
            .ipv4_remote
            .map(IpAddr::V4)
            .or(d.ipv6_remote.map(IpAddr::V6)),
        a_adj_sid: adj_label(forward),
        b_adj_sid: adj_label(backward),
        a_interface_id: d.ids.map(|(l, _)| l),
        b_interface_id: d.ids.map(|(_, r)| r),
        b_to_a,
    }
}

/// The IS-IS system ID of a router ID as operators derive it (each octet
/// as three decimal digits: 10.0.0.1 is 0100.0000.0001); a non-IPv4
/// router ID takes the node's index.
fn system_id(router_id: IpAddr, index: usize) -> Vec<u8> {
    let digits = match router_id {
        IpAddr::V4(a) => a
            .octets()
            .iter()
            .map(|o| format!("{o:03}"))
            .collect::<String>(),
        IpAddr::V6(_) => format!("{index:012}"),
    };
    digits
        .as_bytes()
        .chunks(2)
        .map(|p| match *p {
            [h, l] => ((h - b'0') << 4) | (l - b'0'),
            _ => 0,
        })
        .collect()
}

/// The first label of the SRGB [`originate`] advertises.
pub const SRGB_BASE: u32 = 16_000;
/// Its size.
pub const SRGB_SIZE: u32 = 8_000;

/// The UPDATEs a BGP-LS speaker would originate for `file` (IS-IS level 2,
/// routing universe 0, AS `asn`): per node a Node NLRI (name, router ID,
/// SRGB) and the Prefix NLRI of its router ID (its node SID as an index
/// in the SRGB, or as a label outside it); per link a Link NLRI for each
/// direction with its attributes. For tests, tools and benchmarks: what
/// the receiver must make back into the same topology. One NLRI per
/// UPDATE, as GoBGP sends them.
pub fn originate(file: &TopologyFile, asn: u32) -> Vec<Update> {
    use bgpls::ls::{AdjSid, LinkDescriptor, PrefixDescriptor, PrefixSid, SrRange};
    let mut out = Vec::new();
    let descriptor = |i: usize| {
        let n = file.nodes.get(i)?;
        Some(NodeDescriptor {
            asn: Some(asn),
            igp_router_id: system_id(n.router_id, i),
            ..NodeDescriptor::default()
        })
    };
    let index: HashMap<&str, usize> = file
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_str(), i))
        .collect();
    let mut push = |nlri: &Nlri, attr: &Attribute| {
        let (mut raw, mut a) = (Vec::new(), Vec::new());
        if nlri.encode(&mut raw).is_ok() && attr.encode(&mut a).is_ok() {
            out.push(Update {
                announced: vec![raw],
                ls_attribute: Some(a),
                ..Update::default()
            });
        }
    };
    let v4 = |a: IpAddr| match a {
        IpAddr::V4(x) => Some(x),
        IpAddr::V6(_) => None,
    };
    let v6 = |a: IpAddr| match a {
        IpAddr::V6(x) => Some(x),
        IpAddr::V4(_) => None,
    };
    for (i, n) in file.nodes.iter().enumerate() {
        let Some(local) = descriptor(i) else { continue };
        let node = Nlri {
            kind: NlriType::Node,
            protocol: protocol::ISIS_L2,
            identifier: 0,
            local: local.clone(),
            remote: None,
            link: LinkDescriptor::default(),
            prefix: None,
        };
        push(
            &node,
            &Attribute {
                node_name: Some(n.name.clone()),
                router_id_v4: v4(n.router_id),
                router_id_v6: v6(n.router_id),
                sr_capabilities: Some((
                    0x80,
                    vec![SrRange {
                        size: SRGB_SIZE,
                        first: Sid::Label(SRGB_BASE),
                    }],
                )),
                sr_algorithms: Some(vec![0]),
                ..Attribute::default()
            },
        );
        let mut hosts = vec![n.router_id];
        hosts.extend(n.addresses.iter().filter(|a| **a != n.router_id));
        for (k, addr) in hosts.into_iter().enumerate() {
            let (kind, len) = match addr {
                IpAddr::V4(_) => (NlriType::Prefix4, 32),
                IpAddr::V6(_) => (NlriType::Prefix6, 128),
            };
            let sid = n.node_sid.filter(|_| k == 0).map(|label| {
                if (SRGB_BASE..SRGB_BASE + SRGB_SIZE).contains(&label) {
                    PrefixSid {
                        flags: 0x40,
                        algorithm: 0,
                        sid: Sid::Index(label - SRGB_BASE),
                    }
                } else {
                    // N, V, L: a label, not an index.
                    PrefixSid {
                        flags: 0x4C,
                        algorithm: 0,
                        sid: Sid::Label(label),
                    }
                }
            });
            push(
                &Nlri {
                    kind,
                    prefix: Some(PrefixDescriptor {
                        mt_ids: Vec::new(),
                        ospf_route_type: None,
                        prefix: (addr, len),
                    }),
                    ..node.clone()
                },
                &Attribute {
                    prefix_metric: Some(0),
                    prefix_sids: sid.into_iter().collect(),
                    ..Attribute::default()
                },
            );
        }
    }
    for l in &file.links {
        let (Some(&ia), Some(&ib)) = (index.get(l.a.as_str()), index.get(l.b.as_str())) else {
            continue;
        };
        let (Some(da), Some(db)) = (descriptor(ia), descriptor(ib)) else {
            continue;
        };
        let r = l.b_to_a.clone().unwrap_or_default();
        // A node's own SRLGs belong to its links (as the IGP advertises
        // them).
        let mut srlgs = l.srlgs.clone();
        for i in [ia, ib] {
            srlgs.extend(
                file.nodes
                    .get(i)
                    .map(|n| n.srlgs.clone())
                    .unwrap_or_default(),
            );
        }
        srlgs.sort_unstable();
        srlgs.dedup();
        let te = l.te_metric.unwrap_or(l.igp_metric);
        let ends = [
            (
                &da,
                &db,
                l.a_address,
                l.b_address,
                l.a_interface_id,
                l.b_interface_id,
                l.a_adj_sid,
                (
                    l.igp_metric,
                    te,
                    l.delay_us,
                    l.bandwidth_bps,
                    l.admin_groups,
                ),
            ),
            (
                &db,
                &da,
                l.b_address,
                l.a_address,
                l.b_interface_id,
                l.a_interface_id,
                l.b_adj_sid,
                (
                    r.igp_metric.unwrap_or(l.igp_metric),
                    r.te_metric
                        .or(l.te_metric)
                        .unwrap_or(r.igp_metric.unwrap_or(l.igp_metric)),
                    r.delay_us.unwrap_or(l.delay_us),
                    r.bandwidth_bps.or(l.bandwidth_bps),
                    r.admin_groups.unwrap_or(l.admin_groups),
                ),
            ),
        ];
        for (local, remote, la, ra, lid, rid, adj, (igp, te, delay, bw, ag)) in ends {
            let link = LinkDescriptor {
                ids: lid.zip(rid),
                ipv4_local: la.and_then(v4),
                ipv4_remote: ra.and_then(v4),
                ipv6_local: la.and_then(v6),
                ipv6_remote: ra.and_then(v6),
                mt_ids: Vec::new(),
            };
            let bytes = bw.filter(|b| b.is_finite()).map(|b| (b / 8.0) as f32);
            push(
                &Nlri {
                    kind: NlriType::Link,
                    protocol: protocol::ISIS_L2,
                    identifier: 0,
                    local: local.clone(),
                    remote: Some(remote.clone()),
                    link,
                    prefix: None,
                },
                &Attribute {
                    admin_group: Some(ag),
                    max_reservable_bandwidth: bytes,
                    unreserved_bandwidth: bytes.map(|b| [b; 8]),
                    te_metric: Some(te),
                    igp_metric: Some(igp),
                    srlgs: (!srlgs.is_empty()).then(|| srlgs.clone()),
                    adj_sids: adj
                        .map(|s| AdjSid {
                            flags: 0x30,
                            weight: 0,
                            sid: Sid::Label(s),
                        })
                        .into_iter()
                        .collect(),
                    delay: (delay > 0).then_some((false, delay)),
                    ..Attribute::default()
                },
            );
        }
    }
    out
}
