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
//! * LSPA affinities; IRO nodes to traverse; XRO nodes and SRLGs to avoid.
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

/// Paths tried, in increasing cost, for one whose segment list fits the
/// head end's MSD.
pub const MSD_CANDIDATES: usize = 64;

/// Compute and encode one path: with SR, the best path whose segment list
/// fits the head end's MSD (and any SID-depth bound), not merely the best
/// path.
pub fn compute_path(
    topo: &Prepared,
    reservations: &Reservations,
    ask: &PathAsk<'_>,
    ws: &mut Workspace,
) -> Result<ComputedPath, Unreachable> {
    let req = path_request(topo, ask)?;
    let no_path = |e: crate::solver::cspf::NoPath| Unreachable::NoPath {
        proven: !matches!(e, crate::solver::cspf::NoPath::Infeasible { proven: false }),
    };
    let path = compute(topo, reservations, &req, ws).map_err(no_path)?;
    let optimal = path.optimal;
    match encode_path(topo, ask, path.links, &path.metrics) {
        Ok(p) => Ok(ComputedPath { optimal, ..p }),
        // The best path needs more segments than the head end can push:
        // the next ones, in increasing cost, until one fits (the first
        // that fits is the best that does, MSD-aware).
        Err(Unreachable::NoPath { .. }) if ask.setup == PathSetupType::SR_TE => {
            let candidates =
                crate::solver::disjoint::k_shortest(topo, reservations, &req, MSD_CANDIDATES, ws)
                    .map_err(no_path)?;
            let exhausted = candidates.len() < MSD_CANDIDATES;
            for c in candidates.into_iter().skip(1) {
                let fits_optimal = optimal && c.optimal;
                if let Ok(p) = encode_path(topo, ask, c.links, &c.metrics) {
                    return Ok(ComputedPath {
                        optimal: fits_optimal,
                        ..p
                    });
                }
            }
            // None of them fits: proven when they were every path there is.
            Err(Unreachable::NoPath {
                proven: exhausted && optimal,
            })
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
    let waypoints = |subs: &[Subobject]| -> Vec<NodeId> {
        subs.iter()
            .filter_map(|s| match s {
                Subobject::Ipv4Prefix { address, .. } => node_of(topo, IpAddr::V4(*address)),
                Subobject::Ipv6Prefix { address, .. } => node_of(topo, IpAddr::V6(*address)),
                _ => None,
            })
            .collect()
    };
    let constraints = Constraints {
        bandwidth: a.bandwidth.map_or(0.0, |b| f64::from(b.bandwidth) * 8.0),
        exclude_any: lspa.map_or(0, |l| l.exclude_any),
        include_any: lspa.map_or(0, |l| l.include_any),
        include_all: lspa.map_or(0, |l| l.include_all),
        exclude_srlgs: a
            .xro
            .as_ref()
            .map(|x| {
                x.subobjects
                    .iter()
                    .filter_map(|s| {
                        if let Subobject::Srlg { srlg, .. } = s {
                            Some(*srlg)
                        } else {
                            None
                        }
                    })
                    .collect()
            })
            .unwrap_or_default(),
        exclude_nodes: a
            .xro
            .as_ref()
            .map(|x| waypoints(&x.subobjects))
            .unwrap_or_default(),
        exclude_links: Vec::new(),
        include_nodes: a
            .iro
            .as_ref()
            .map(|i| waypoints(&i.subobjects))
            .unwrap_or_default(),
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

/// Encode a computed path for the PCC: an SR-ERO within its MSD (and any
/// SID-depth bound), or strict IP hops; with the computed metrics.
pub fn encode_path(
    topo: &Topology,
    ask: &PathAsk<'_>,
    links: Vec<crate::topology::LinkId>,
    metrics: &PathMetrics,
) -> Result<ComputedPath, Unreachable> {
    let a = ask.attributes;
    let bound = |t: MetricType| {
        a.metrics
            .iter()
            .find(|m| m.bound() && m.metric_type == t)
            .map(|m| m.value.max(0.0).floor() as u64)
    };
    let ero = if ask.setup == PathSetupType::SR_TE {
        // The PCC's MSD (X: unlimited), capped by a SID-depth bound.
        let msd = ask.peer_sr.map(msd);
        let sid_bound = bound(MetricType::SID_DEPTH).map(|b| b.min(255) as u8);
        let limit = match (msd, sid_bound) {
            (Some(m), Some(b)) => Some(m.min(b)),
            (m, b) => m.or(b),
        };
        // Not proven: another path may fit the MSD (issue 14).
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
