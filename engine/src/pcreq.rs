//! Answering path computation requests (RFC 5440 §4.2.2, §6.4-6.5;
//! RFC 8231 §5.8.1 passive stateful; RFC 8664 for SR), as a pure function
//! of a topology snapshot and the session's negotiated parameters.
//!
//! Request to constraints:
//! * END-POINTS: addresses mapped to nodes (router ID or PCC addresses);
//!   unknown ones give NO-PATH with NO-PATH-VECTOR "unknown source" /
//!   "unknown destination" (RFC 5440 §7.5).
//! * Objective: the OF object (MCP and the others map to the first METRIC
//!   with B=0), else that METRIC's type, else IGP.
//! * Bounds: METRIC B=1 on IGP, TE, hop count, delay; on SID depth (RFC 8664
//!   type 11) it caps the segment list together with the PCC's MSD.
//! * BANDWIDTH (bytes per second) becomes bits per second to reserve.
//! * LSPA affinities.
//! * IRO: nodes to traverse, in order. An address names the node that owns
//!   it (a router ID, a node address, or an interface address: RFC 3209's
//!   abstract node), an unnumbered interface its router; a hop that names
//!   nothing in the topology makes the request infeasible (proven), never
//!   a silently dropped constraint.
//! * XRO (RFC 5521 §2.1): each subobject by its attribute. Interface (0):
//!   the links whose interface address falls in the prefix, or the
//!   unnumbered interface, both directions; an address that is no
//!   interface's but a node's (a loopback) excludes that node. Node (1):
//!   the nodes with an address in the prefix, or the router of an
//!   unnumbered interface. SRLG (2): the SRLGs of those links (for a
//!   node: of every link through it). An SRLG subobject: that SRLG. X=1
//!   ("avoid if possible") exclusions are dropped when no path avoids
//!   them; X=0 ones never are.
//! * PATH-SETUP-TYPE in the RP: SR gives an SR-ERO (RFC 8664), RSVP-TE a
//!   strict IPv4 ERO of the hops' addresses.
//!
//! The reply echoes the RP (P flag set, PATH-SETUP-TYPE kept: some PCCs
//! match replies through the RP's TLVs) and the LSP object, and reports the
//! computed metrics with C=1 where the request asked (C=1) or bounded them.

use std::net::IpAddr;

use pcep::session::Negotiated;
use pcep::wire::object::{HeaderFlags, Metric, NoPath, Subobject};
use pcep::wire::tlv::{SrPceCapability, Tlv};
use pcep::wire::{
    Attributes, MetricType, PathEntry, PathSetupType, PcRep, PcReq, Request, Response,
};

use crate::solver::cspf::{
    compute, Constraints, Objective, PathMetrics, PathRequest, Reservations, Workspace,
};
use crate::solver::{sr, Prepared};
use crate::topology::{NodeId, Topology};

/// NO-PATH-VECTOR: unknown destination (RFC 5440 §7.5).
pub const NO_PATH_UNKNOWN_DESTINATION: u32 = 0x2;
/// NO-PATH-VECTOR: unknown source.
pub const NO_PATH_UNKNOWN_SOURCE: u32 = 0x4;

/// Answer every request of a PCReq.
pub fn respond(
    topo: &Prepared,
    reservations: &Reservations,
    request: &PcReq,
    session: Option<&Negotiated>,
    ws: &mut Workspace,
) -> PcRep {
    PcRep {
        responses: request
            .requests
            .iter()
            .map(|r| respond_one(topo, reservations, r, session, ws))
            .collect(),
    }
}

fn objective_of(metric: MetricType) -> Option<Objective> {
    match metric {
        MetricType::IGP => Some(Objective::Igp),
        MetricType::TE => Some(Objective::Te),
        MetricType::HOP_COUNT => Some(Objective::Hops),
        MetricType::PATH_DELAY => Some(Objective::Delay),
        _ => None,
    }
}

fn node_of(topo: &Topology, addr: IpAddr) -> Option<NodeId> {
    topo.node_by_address(addr)
}

/// The node an IRO hop names: the owner of an address (a node's, or an
/// interface's), the router of an unnumbered interface.
fn iro_node(topo: &Topology, hop: &Subobject) -> Result<NodeId, ()> {
    let owner = |addr: IpAddr| {
        topo.node_by_address(addr).or_else(|| {
            topo.link_by_interface(addr)
                .and_then(|l| topo.link(l))
                .map(|l| l.from)
        })
    };
    match hop {
        Subobject::Ipv4Prefix { address, .. } => owner(IpAddr::V4(*address)),
        Subobject::Ipv6Prefix { address, .. } => owner(IpAddr::V6(*address)),
        Subobject::Unnumbered { router_id, .. } => owner(IpAddr::V4(*router_id)),
        _ => None,
    }
    .ok_or(())
}

/// What an XRO excludes (RFC 5521 §2.1).
#[derive(Debug, Default)]
struct Exclusions {
    nodes: Vec<NodeId>,
    links: Vec<crate::topology::LinkId>,
    srlgs: Vec<u32>,
}

/// RFC 5521 attributes (0, interface, is the rest).
const XRO_NODE: u8 = 1;
const XRO_SRLG: u8 = 2;

/// Whether `addr` falls in `prefix`/`len`.
fn in_prefix(addr: IpAddr, prefix: IpAddr, len: u8) -> bool {
    match (addr, prefix) {
        (IpAddr::V4(a), IpAddr::V4(p)) => {
            let len = u32::from(len.min(32));
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(a) & mask == u32::from(p) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(p)) => {
            let len = u32::from(len.min(128));
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            u128::from(a) & mask == u128::from(p) & mask
        }
        _ => false,
    }
}

/// The XRO's exclusions, those with X=1 (`soft`) or X=0.
fn exclusions(topo: &Topology, xro: Option<&pcep::wire::object::Xro>, soft: bool) -> Exclusions {
    use crate::topology::LinkId;
    let mut out = Exclusions::default();
    let Some(xro) = xro else {
        return out;
    };
    for s in &xro.subobjects {
        // Links (both directions) and nodes the subobject identifies.
        let (loose, attribute, links, nodes): (bool, u8, Vec<LinkId>, Vec<NodeId>) = match *s {
            Subobject::Srlg { loose, srlg, .. } => {
                if loose == soft {
                    out.srlgs.push(srlg);
                }
                continue;
            }
            Subobject::Ipv4Prefix {
                loose,
                address,
                prefix_length,
                attribute,
            } => {
                let (l, n) = by_prefix(topo, IpAddr::V4(address), prefix_length, 32);
                (loose, attribute, l, n)
            }
            Subobject::Ipv6Prefix {
                loose,
                address,
                prefix_length,
                attribute,
            } => {
                let (l, n) = by_prefix(topo, IpAddr::V6(address), prefix_length, 128);
                (loose, attribute, l, n)
            }
            Subobject::Unnumbered {
                loose,
                router_id,
                interface_id,
                attribute,
            } => {
                let node = topo.node_by_address(IpAddr::V4(router_id));
                let links = node
                    .map(|n| {
                        topo.out_links(n)
                            .map(LinkId)
                            .filter(|&l| {
                                topo.link(l)
                                    .is_some_and(|x| x.local_interface_id == Some(interface_id))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (loose, attribute, links, node.into_iter().collect())
            }
            _ => continue,
        };
        if loose != soft {
            continue;
        }
        let both = |links: &[LinkId]| -> Vec<LinkId> {
            links
                .iter()
                .flat_map(|&l| std::iter::once(l).chain(topo.reverse(l)))
                .collect()
        };
        match attribute {
            XRO_NODE => out.nodes.extend(nodes),
            XRO_SRLG => {
                let mut of: Vec<LinkId> = both(&links);
                if of.is_empty() {
                    of = nodes.iter().flat_map(|&n| topo.links_of_node(n)).collect();
                }
                for l in of.into_iter().filter_map(|l| topo.link(l)) {
                    out.srlgs.extend_from_slice(topo.srlgs(l));
                }
            }
            // Interface (0), and unassigned values read as it.
            _ if !links.is_empty() => out.links.extend(both(&links)),
            _ => out.nodes.extend(nodes),
        }
    }
    out.srlgs.sort_unstable();
    out.srlgs.dedup();
    out.nodes.sort_unstable();
    out.nodes.dedup();
    out.links.sort_unstable();
    out.links.dedup();
    out
}

/// The links whose local interface address falls in a prefix (each
/// direction found from its own end), and the nodes with an address in
/// it. A full-length prefix is an exact lookup; a shorter one a scan.
fn by_prefix(
    topo: &Topology,
    prefix: IpAddr,
    len: u8,
    full: u8,
) -> (Vec<crate::topology::LinkId>, Vec<NodeId>) {
    use crate::topology::LinkId;
    if len >= full {
        return (
            topo.link_by_interface(prefix).into_iter().collect(),
            topo.node_by_address(prefix).into_iter().collect(),
        );
    }
    let links = topo
        .links()
        .iter()
        .enumerate()
        .filter(|(_, l)| l.local_address.is_some_and(|a| in_prefix(a, prefix, len)))
        .map(|(i, _)| LinkId(i as u32))
        .collect();
    let nodes = topo
        .nodes()
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            in_prefix(n.router_id, prefix, len)
                || n.addresses.iter().any(|&a| in_prefix(a, prefix, len))
        })
        .map(|(i, _)| NodeId(i as u32))
        .collect();
    (links, nodes)
}

fn respond_one(
    topo: &Prepared,
    reservations: &Reservations,
    r: &Request,
    session: Option<&Negotiated>,
    ws: &mut Workspace,
) -> Response {
    let mut rp = r.rp.clone();
    rp.header = HeaderFlags::PROCESSING;
    let mut response = Response {
        rp,
        lsp: r.lsp.clone(),
        associations: Vec::new(),
        no_path: None,
        attributes: Attributes::default(),
        paths: Vec::new(),
        unknown: Vec::new(),
    };
    let (src, dst) = match &r.end_points {
        pcep::wire::object::EndPoints::Ipv4 {
            source,
            destination,
            ..
        } => (IpAddr::V4(*source), IpAddr::V4(*destination)),
        pcep::wire::object::EndPoints::Ipv6 {
            source,
            destination,
            ..
        } => (IpAddr::V6(*source), IpAddr::V6(*destination)),
    };
    let ask = PathAsk {
        source: src,
        destination: dst,
        attributes: &r.attributes,
        setup: r.rp.path_setup_type(),
        peer_sr: session.and_then(|n| n.peer_sr),
    };
    match compute_path(topo, reservations, &ask, ws) {
        Ok(c) => response.paths.push(PathEntry {
            ero: pcep::wire::object::Ero::new(c.ero),
            attributes: c.attributes,
        }),
        Err(Unreachable::UnknownEndpoints(vector)) => {
            response.no_path = Some(NoPath {
                tlvs: vec![Tlv::NoPathVector(vector)],
                ..NoPath::default()
            });
        }
        Err(Unreachable::NoPath { .. }) => response.no_path = Some(NoPath::default()),
    }
    response
}

/// What a path is asked for: by a PCReq, for a delegated LSP (from its
/// report) or for a PCE-initiated LSP.
#[derive(Clone, Copy, Debug)]
pub struct PathAsk<'a> {
    /// Head end address (a router ID or an address of its PCC).
    pub source: IpAddr,
    /// Tail end address.
    pub destination: IpAddr,
    /// BANDWIDTH, LSPA, METRIC (objective and bounds), IRO, XRO.
    pub attributes: &'a Attributes,
    /// SR-TE gives an SR-ERO, anything else a strict IP ERO.
    pub setup: PathSetupType,
    /// The head end's SR capability (its MSD).
    pub peer_sr: Option<SrPceCapability>,
}

/// A computed path, encoded for PCEP.
#[derive(Clone, Debug, PartialEq)]
pub struct ComputedPath {
    /// ERO subobjects (SR-ERO or strict IP hops).
    pub ero: Vec<Subobject>,
    /// The links it takes in the snapshot it was computed on.
    pub links: Vec<crate::topology::LinkId>,
    /// BANDWIDTH and the computed METRIC objects to send with it.
    pub attributes: Attributes,
    /// The solver proved it optimal (else it is the best found within the
    /// search limits).
    pub optimal: bool,
}

/// Why no path was computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unreachable {
    /// An end point maps to no node: the NO-PATH-VECTOR bits.
    UnknownEndpoints(u32),
    /// No path satisfies the constraints (or fits the MSD); `proven`: the
    /// search was complete.
    NoPath {
        /// Whether it is proven.
        proven: bool,
    },
}

pub use crate::solver::sr::MSD_CANDIDATES;

/// Compute and encode one path: with SR, the best path whose segment list
/// fits the head end's MSD (and any SID-depth bound), not merely the best
/// path.
pub fn compute_path(
    topo: &Prepared,
    reservations: &Reservations,
    ask: &PathAsk<'_>,
    ws: &mut Workspace,
) -> Result<ComputedPath, Unreachable> {
    let mut req = path_request(topo, ask)?;
    let no_path = |e: crate::solver::cspf::NoPath| Unreachable::NoPath {
        proven: !matches!(e, crate::solver::cspf::NoPath::Infeasible { proven: false }),
    };
    let path = match compute(topo, reservations, &req, ws) {
        Ok(p) => p,
        // What X=1 asks to avoid is avoided only where a path does.
        Err(e) => {
            let soft = exclusions(topo, ask.attributes.xro.as_deref(), true);
            if soft.nodes.is_empty() && soft.links.is_empty() && soft.srlgs.is_empty() {
                return Err(no_path(e));
            }
            let hard = exclusions(topo, ask.attributes.xro.as_deref(), false);
            req.constraints.exclude_nodes = hard.nodes;
            req.constraints.exclude_links = hard.links;
            req.constraints.exclude_srlgs = hard.srlgs;
            compute(topo, reservations, &req, ws).map_err(no_path)?
        }
    };
    let optimal = path.optimal;
    match encode_path(topo, ask, path.links, &path.metrics) {
        Ok(p) => Ok(ComputedPath { optimal, ..p }),
        // The best path needs more segments than the head end can push:
        // the best one that fits (MSD-aware).
        Err(Unreachable::NoPath { .. }) if ask.setup == PathSetupType::SR_TE => {
            let (p, _) =
                crate::solver::sr::best_within(topo, reservations, &req, sid_limit(ask), ws)
                    .map_err(no_path)?;
            let optimal = p.optimal;
            encode_path(topo, ask, p.links, &p.metrics).map(|e| ComputedPath { optimal, ..e })
        }
        Err(e) => Err(e),
    }
}

/// The solver's request for an ask: end points mapped onto nodes, the
/// objective and every constraint.
pub fn path_request(topo: &Topology, ask: &PathAsk<'_>) -> Result<PathRequest, Unreachable> {
    let (source, destination) = match (node_of(topo, ask.source), node_of(topo, ask.destination)) {
        (Some(s), Some(d)) => (s, d),
        (s, d) => {
            let vector = if s.is_none() {
                NO_PATH_UNKNOWN_SOURCE
            } else {
                0
            } | if d.is_none() {
                NO_PATH_UNKNOWN_DESTINATION
            } else {
                0
            };
            return Err(Unreachable::UnknownEndpoints(vector));
        }
    };
    let a = ask.attributes;
    // Minimum cost path (RFC 5541 MCP) on the first METRIC with B=0, IGP by
    // default; other single-path OF codes are treated as MCP.
    let objective = a
        .metrics
        .iter()
        .find(|m| !m.bound())
        .and_then(|m| objective_of(m.metric_type))
        .unwrap_or(Objective::Igp);
    let bound = |t: MetricType| {
        a.metrics
            .iter()
            .find(|m| m.bound() && m.metric_type == t)
            .map(|m| m.value.max(0.0).floor() as u64)
    };
    let lspa = a.lspa.as_ref();
    // Every IRO hop names a node, or no path can traverse it.
    let include_nodes = match &a.iro {
        Some(iro) => iro
            .subobjects
            .iter()
            .map(|s| iro_node(topo, s))
            .collect::<Result<Vec<_>, ()>>()
            .map_err(|()| Unreachable::NoPath { proven: true })?,
        None => Vec::new(),
    };
    let mut excluded = exclusions(topo, a.xro.as_deref(), false);
    let soft = exclusions(topo, a.xro.as_deref(), true);
    excluded.nodes.extend(soft.nodes);
    excluded.links.extend(soft.links);
    excluded.srlgs.extend(soft.srlgs);
    let constraints = Constraints {
        bandwidth: a.bandwidth.map_or(0.0, |b| f64::from(b.bandwidth) * 8.0),
        exclude_any: lspa.map_or(0, |l| l.exclude_any),
        include_any: lspa.map_or(0, |l| l.include_any),
        include_all: lspa.map_or(0, |l| l.include_all),
        exclude_srlgs: excluded.srlgs,
        exclude_nodes: excluded.nodes,
        exclude_links: excluded.links,
        include_nodes,
        max_igp: bound(MetricType::IGP),
        max_te: bound(MetricType::TE),
        max_delay: bound(MetricType::PATH_DELAY),
        max_hops: bound(MetricType::HOP_COUNT).map(|h| h.min(u64::from(u32::MAX)) as u32),
    };
    Ok(PathRequest {
        source,
        destination,
        objective,
        constraints,
    })
}

/// The segments an SR path may have: the PCC's MSD (X: unlimited), capped
/// by a SID-depth bound (RFC 8664 METRIC type 11).
fn sid_limit(ask: &PathAsk<'_>) -> Option<u8> {
    let msd = ask.peer_sr.map(msd);
    let sid_bound = ask
        .attributes
        .metrics
        .iter()
        .find(|m| m.bound() && m.metric_type == MetricType::SID_DEPTH)
        .map(|m| m.value.max(0.0).floor().min(255.0) as u8);
    match (msd, sid_bound) {
        (Some(m), Some(b)) => Some(m.min(b)),
        (m, b) => m.or(b),
    }
}

/// Encode a computed path for the PCC: an SR-ERO within its MSD (and any
/// SID-depth bound), or strict IP hops; with the computed metrics.
pub fn encode_path(
    topo: &Topology,
    ask: &PathAsk<'_>,
    links: Vec<crate::topology::LinkId>,
    metrics: &PathMetrics,
) -> Result<ComputedPath, Unreachable> {
    let a = ask.attributes;
    let ero = if ask.setup == PathSetupType::SR_TE {
        let limit = sid_limit(ask);
        // Not proven: another path may fit the MSD ([`compute_path`]
        // looks for it).
        let segments =
            sr::encode(topo, &links, limit).map_err(|_| Unreachable::NoPath { proven: false })?;
        sr::to_ero(topo, &segments)
    } else {
        rsvp_ero(topo, &links)
    };
    Ok(ComputedPath {
        ero,
        attributes: computed_metrics(a, metrics),
        links,
        optimal: true,
    })
}

/// A strict IPv4/IPv6 ERO: each hop's remote interface address, or its
/// router ID when the topology has none.
pub fn rsvp_ero(topo: &Topology, links: &[crate::topology::LinkId]) -> Vec<Subobject> {
    links
        .iter()
        .filter_map(|l| topo.link(*l))
        .map(|l| {
            // A numbered link by its remote address, an unnumbered one by
            // its remote router and interface ID (RFC 3477), else the next
            // node's router ID.
            if let (None, Some(interface_id), Some(IpAddr::V4(router_id))) = (
                l.remote_address,
                l.remote_interface_id,
                topo.node(l.to).map(|n| n.router_id),
            ) {
                return Subobject::Unnumbered {
                    loose: false,
                    router_id,
                    interface_id,
                    attribute: 0,
                };
            }
            let addr = l
                .remote_address
                .or_else(|| topo.node(l.to).map(|n| n.router_id));
            match addr {
                Some(IpAddr::V6(address)) => Subobject::Ipv6Prefix {
                    loose: false,
                    address,
                    prefix_length: 128,
                    attribute: 0,
                },
                Some(IpAddr::V4(address)) => Subobject::Ipv4Prefix {
                    loose: false,
                    address,
                    prefix_length: 32,
                    attribute: 0,
                },
                None => Subobject::Ipv4Prefix {
                    loose: false,
                    address: std::net::Ipv4Addr::UNSPECIFIED,
                    prefix_length: 32,
                    attribute: 0,
                },
            }
        })
        .collect()
}

/// METRIC objects with C=1 for the metrics the request asked to report or
/// bounded (RFC 5440 §7.8).
fn computed_metrics(a: &Attributes, m: &PathMetrics) -> Attributes {
    let value = |t: MetricType| match t {
        MetricType::IGP => Some(m.igp as f32),
        MetricType::TE => Some(m.te as f32),
        MetricType::HOP_COUNT => Some(m.hops as f32),
        MetricType::PATH_DELAY => Some(m.delay_us as f32),
        _ => None,
    };
    let metrics = a
        .metrics
        .iter()
        .filter(|x| x.computed() || x.bound())
        .filter_map(|x| {
            value(x.metric_type).map(|v| Metric {
                metric_flags: Metric::COMPUTED,
                metric_type: x.metric_type,
                value: v,
                ..Metric::default()
            })
        })
        .collect();
    Attributes {
        metrics,
        bandwidth: a.bandwidth,
        ..Attributes::default()
    }
}

/// The most segments a head end with SR capability `c` imposes: its MSD,
/// or 255 with X (unlimited, RFC 8664 §4.1.2).
pub(crate) const fn msd(c: SrPceCapability) -> u8 {
    if c.flags & SrPceCapability::UNLIMITED_MSD != 0 {
        u8::MAX
    } else {
        c.msd
    }
}
