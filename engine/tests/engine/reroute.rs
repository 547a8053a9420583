//! The core's parallel placement (reoptimization, topology events): the
//! same result on any number of threads, equal to placing the LSPs one by
//! one in priority order, and after a topology event exactly the LSPs on
//! the changed links computed again.

use super::support::origin;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pce_engine::lspdb::{LspDb, LspKey, PccId};
use pce_engine::pce::{
    Built, ChangeReport, Command, Input, Output, Pce, PceConfig, Replacement, SessionId,
    TopologyChange,
};
use pce_engine::pcreq::{compute_path, PathAsk};
use pce_engine::solver::cspf::{Reservations, Workspace};
use pce_engine::solver::Prepared;
use pce_engine::topology::{LinkId, LinkPatch, NodeSpec, TopologyEvent, TopologyFile};
use pcep::session::Negotiated;
use pcep::wire::object::{Bandwidth, Ero, Lsp, Lspa, Open, Srp, Subobject};
use pcep::wire::tlv::{Ipv4LspIdentifiers, StatefulCapability, Tlv};
use pcep::wire::{Attributes, Message, PathSetupType, PcRpt, StateReport, StateSyncCodepoints};

/// A 7x7 grid, 1,000 b/s per link: LSPs of 20 bytes/s (160 b/s)
/// contend, six to a link.
fn grid() -> TopologyFile {
    super::support::grid_file(7, false)
}

fn negotiated() -> Negotiated {
    let open = |f| Open {
        tlvs: vec![Tlv::StatefulPceCapability(StatefulCapability(f))],
        ..Open::default()
    };
    let ui = StatefulCapability::UPDATE | StatefulCapability::INSTANTIATION;
    Negotiated::new(&open(ui), &open(ui), &StateSyncCodepoints::default())
}

/// One delegated LSP as its PCC reports it.
#[derive(Clone)]
struct Demand {
    pcc: IpAddr,
    plsp_id: u32,
    name: String,
    to: IpAddr,
    attributes: Attributes,
}

impl Demand {
    fn report(&self, srp_id: u32, ero: Vec<Subobject>, sync: bool) -> StateReport {
        let IpAddr::V4(sender) = self.pcc else {
            unreachable!()
        };
        let IpAddr::V4(endpoint) = self.to else {
            unreachable!()
        };
        StateReport {
            srp: (srp_id != 0).then(|| Srp {
                srp_id,
                ..Srp::default()
            }),
            lsp: Lsp {
                plsp_id: self.plsp_id,
                delegate: true,
                sync,
                administrative: true,
                tlvs: vec![
                    Tlv::SymbolicPathName(self.name.as_bytes().to_vec().into()),
                    Tlv::Ipv4LspIdentifiers(Ipv4LspIdentifiers {
                        sender,
                        lsp_id: 1,
                        tunnel_id: self.plsp_id as u16,
                        extended_tunnel_id: std::net::Ipv4Addr::UNSPECIFIED,
                        endpoint,
                    }),
                ],
                ..Lsp::default()
            },
            ero: Ero::new(ero),
            intended: self.attributes.clone(),
            ..StateReport::default()
        }
    }

    fn key(&self) -> LspKey {
        LspKey {
            pcc: PccId::Addr(self.pcc),
            plsp_id: self.plsp_id,
        }
    }

    fn priority(&self) -> u8 {
        self.attributes
            .lspa
            .as_ref()
            .map_or(7, |l| l.setup_priority)
    }
}

/// Seven PCCs (the grid's first row), 30 LSPs each to nodes across the
/// grid, with setup priorities 0 to 7 and some without LSPA.
fn demands(file: &TopologyFile) -> Vec<Demand> {
    let mut out = Vec::new();
    let n = file.nodes.len();
    for c in 0..7usize {
        let pcc = file.nodes[c].router_id;
        for i in 0..30usize {
            let mut to = (c * 13 + i * 17 + 9) % n;
            if to == c {
                to = (to + 8) % n;
            }
            let k = c * 30 + i;
            out.push(Demand {
                pcc,
                plsp_id: i as u32 + 1,
                name: format!("lsp-{c}-{i}"),
                to: file.nodes[to].router_id,
                attributes: Attributes {
                    bandwidth: Some(Bandwidth {
                        bandwidth: 20.0,
                        ..Bandwidth::default()
                    }),
                    lspa: (k % 5 != 0).then(|| Lspa {
                        setup_priority: (k % 8) as u8,
                        holding_priority: 0,
                        ..Lspa::default()
                    }),
                    ..Attributes::default()
                },
            });
        }
    }
    out
}

/// A core with every demand delegated, computed and acknowledged (the
/// PCCs report the paths they were sent); handled on `pool`.
struct Net {
    pce: Pce,
    pool: rayon::ThreadPool,
    demands: Vec<Demand>,
    sessions: BTreeMap<IpAddr, SessionId>,
    now: Instant,
}

impl Net {
    fn new(threads: usize, config: PceConfig) -> Self {
        let file = grid();
        let demands = demands(&file);
        Self::with(threads, config, &file, demands)
    }

    fn with(threads: usize, config: PceConfig, file: &TopologyFile, demands: Vec<Demand>) -> Self {
        let topo = Prepared::from(file.build().unwrap());
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut net = Self {
            pce: Pce::new(config, Arc::new(topo), LspDb::new()),
            pool,
            demands,
            sessions: BTreeMap::new(),
            now: origin(),
        };
        let pccs: BTreeSet<IpAddr> = net.demands.iter().map(|d| d.pcc).collect();
        for (i, pcc) in pccs.into_iter().enumerate() {
            let session = SessionId(i as u64 + 1);
            net.sessions.insert(pcc, session);
            net.input(Input::SessionUp {
                session,
                peer: pcc,
                negotiated: Box::new(negotiated()),
            });
            let mut reports: Vec<StateReport> = net
                .demands
                .iter()
                .filter(|d| d.pcc == pcc)
                .map(|d| d.report(0, Vec::new(), true))
                .collect();
            reports.push(StateReport {
                lsp: Lsp::end_of_sync(),
                ..StateReport::default()
            });
            net.input(Input::Message {
                session,
                message: Box::new(Message::PcRpt(PcRpt { reports })),
            });
        }
        let out = net.drain();
        net.acknowledge(&out);
        net
    }

    fn input(&mut self, input: Input) -> Option<Result<u32, pce_engine::pce::CommandError>> {
        self.now += Duration::from_millis(1);
        let (pce, now) = (&mut self.pce, self.now);
        self.pool.install(|| pce.handle(input, now))
    }

    fn drain(&mut self) -> Vec<Output> {
        std::iter::from_fn(|| self.pce.poll_output()).collect()
    }

    /// Each PCC reports the path it was sent, with the update's SRP-ID.
    fn acknowledge(&mut self, out: &[Output]) {
        for (session, plsp, srp, ero) in updates(out) {
            let pcc = *self
                .sessions
                .iter()
                .find(|(_, s)| **s == session)
                .unwrap()
                .0;
            let d = self
                .demands
                .iter()
                .find(|d| d.pcc == pcc && d.plsp_id == plsp)
                .unwrap()
                .clone();
            self.input(Input::Message {
                session,
                message: Box::new(Message::PcRpt(PcRpt {
                    reports: vec![d.report(srp, ero, false)],
                })),
            });
        }
        assert!(self.drain().is_empty(), "acknowledged paths are settled");
    }

    /// The links of every LSP's computed path, by key.
    fn paths(&self) -> BTreeMap<LspKey, Option<Vec<LinkId>>> {
        let topo = Arc::clone(self.pce.topology());
        let mut ws = Workspace::new();
        self.demands
            .iter()
            .map(|d| {
                let ero = self
                    .pce
                    .lspdb()
                    .with(&d.key(), |e| {
                        (e.control.computed.clone(), e.control.no_path)
                    })
                    .unwrap();
                let head = topo.node_by_address(d.pcc).unwrap();
                let links = match ero {
                    (Some(ero), false) => {
                        pce_engine::solver::ero::links(&topo, head, &ero, &mut ws)
                    }
                    _ => None,
                };
                (d.key(), links)
            })
            .collect()
    }

    fn change(&mut self, change: TopologyChange) -> (ChangeReport, Vec<Output>) {
        self.input(Input::Topology(change)).unwrap().unwrap();
        let report = self.pce.take_change_report().unwrap();
        (report, self.drain())
    }
}

/// (session, PLSP-ID, SRP-ID, ERO) of every update sent.
fn updates(out: &[Output]) -> Vec<(SessionId, u32, u32, Vec<Subobject>)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send {
                session,
                message: Message::PcUpd(u),
            } => Some(u.updates.iter().map(move |u| {
                (
                    *session,
                    u.lsp.plsp_id,
                    u.srp.srp_id,
                    u.ero.subobjects.clone(),
                )
            })),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Place `order` one by one on `topo` over `reservations`: each LSP's
/// path, or none.
fn one_by_one(
    topo: &Prepared,
    mut reservations: Reservations,
    order: &[&Demand],
) -> BTreeMap<LspKey, Option<Vec<LinkId>>> {
    let mut ws = Workspace::new();
    order
        .iter()
        .map(|d| {
            let ask = PathAsk {
                source: d.pcc,
                destination: d.to,
                attributes: &d.attributes,
                setup: PathSetupType::RSVP_TE,
                peer_sr: None,
            };
            let path = compute_path(topo, &reservations, &ask, &mut ws).ok();
            if let Some(p) = &path {
                reservations.add(&p.links, 160.0);
            }
            (d.key(), path.map(|p| p.links))
        })
        .collect()
}

fn priority_order(demands: &[Demand]) -> Vec<&Demand> {
    let mut order: Vec<&Demand> = demands.iter().collect();
    order.sort_by_key(|d| (d.priority(), d.key()));
    order
}

#[test]
fn reoptimization_is_one_by_one_in_priority_order_on_any_number_of_threads() {
    let mut results = Vec::new();
    for threads in [1, 2, 3] {
        let mut net = Net::new(threads, PceConfig::default());
        net.input(Input::Command(Command::Reoptimize))
            .unwrap()
            .unwrap();
        let report = net.pce.take_change_report().unwrap();
        let out = net.drain();
        let paths = net.paths();
        // Equal to placing them one by one in priority order.
        let topo = Arc::clone(net.pce.topology());
        let expected = one_by_one(
            &topo,
            Reservations::new(topo.link_count()),
            &priority_order(&net.demands),
        );
        assert_eq!(paths, expected, "{threads} threads");
        assert!(report.reoptimized);
        assert_eq!(report.recomputed, net.demands.len());
        assert!(
            paths.values().any(Option::is_none) && report.without_path > 0,
            "the grid is too small for every LSP: some have no path"
        );
        results.push((
            paths,
            updates(&out),
            net.pce.reserved(),
            report.without_path,
        ));
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn a_link_failure_recomputes_exactly_the_lsps_on_it() {
    let mut results = Vec::new();
    for threads in [1, 2] {
        let mut net = Net::new(threads, PceConfig::default());
        let before = net.paths();
        // The busiest link.
        let reserved = net.pce.reserved();
        let busiest = (0..reserved.len())
            .max_by(|&a, &b| reserved[a].total_cmp(&reserved[b]).then(b.cmp(&a)))
            .unwrap();
        let topo = Arc::clone(net.pce.topology());
        let link = topo.link(LinkId(busiest as u32)).unwrap();
        let (a, b) = (
            topo.node(link.from).unwrap().name.clone(),
            topo.node(link.to).unwrap().name.clone(),
        );
        let down = [
            LinkId(busiest as u32),
            topo.reverse(LinkId(busiest as u32)).unwrap(),
        ];
        let on_link: BTreeSet<LspKey> = before
            .iter()
            .filter(|(_, p)| {
                p.as_ref()
                    .is_some_and(|p| p.iter().any(|l| down.contains(l)))
            })
            .map(|(k, _)| *k)
            .collect();
        assert!(on_link.len() >= 4, "{on_link:?}");
        let event = TopologyEvent::LinkState {
            a,
            b,
            up: false,
            a_interface: None,
        };
        // Its plan first: the plan's copy places the LSPs one at a time,
        // the live core in parallel rounds.
        let scenario = pce_engine::pce::plan::Scenario {
            name: "busiest".into(),
            events: vec![event.clone()],
        };
        let now = net.now;
        let plan = net.pool.install(|| {
            net.pce
                .what_if(std::slice::from_ref(&scenario), 0.9, now)
                .scenarios
                .remove(0)
        });
        let (report, out) = net.change(TopologyChange::Event(event));
        assert!(!report.reoptimized && !report.replaced);
        assert_eq!(report.links_changed, 2);
        assert_eq!(report.recomputed, on_link.len());
        let sent: BTreeSet<LspKey> = updates(&out)
            .iter()
            .map(|(s, plsp, _, _)| LspKey {
                pcc: PccId::Addr(*net.sessions.iter().find(|(_, x)| *x == s).unwrap().0),
                plsp_id: *plsp,
            })
            .collect();
        assert_eq!(report.updated, sent.len());
        let after = net.paths();
        // Only LSPs of the link moved; each of them has a new path or none.
        for (key, path) in &after {
            if on_link.contains(key) {
                assert!(path
                    .as_ref()
                    .is_none_or(|p| !p.iter().any(|l| down.contains(l))));
                assert_eq!(sent.contains(key), path.is_some(), "{key:?}");
            } else {
                assert_eq!(path, &before[key], "{key:?} is not on the link");
                assert!(!sent.contains(key));
            }
        }
        let lost: BTreeSet<String> = report.lost_path.iter().map(|l| l.name.clone()).collect();
        let expected_lost: BTreeSet<String> = net
            .demands
            .iter()
            .filter(|d| on_link.contains(&d.key()) && after[&d.key()].is_none())
            .map(|d| d.name.clone())
            .collect();
        assert_eq!(lost, expected_lost);
        // Equal to placing the LSPs of the link one by one, in priority
        // order, over what the others hold.
        let mut held = Reservations::new(topo.link_count());
        for (key, path) in &before {
            if let (false, Some(p)) = (on_link.contains(key), path) {
                held.add(p, 160.0);
            }
        }
        let order: Vec<&Demand> = priority_order(&net.demands)
            .into_iter()
            .filter(|d| on_link.contains(&d.key()))
            .collect();
        let expected = one_by_one(net.pce.topology(), held, &order);
        for (key, path) in expected {
            assert_eq!(after[&key], path, "{key:?}");
        }
        // The plan said it all.
        assert_eq!(plan.recomputed, report.recomputed);
        let names = |v: &mut dyn Iterator<Item = String>| v.collect::<BTreeSet<String>>();
        assert_eq!(
            names(&mut plan.unplaceable.iter().map(|l| l.name.clone())),
            lost
        );
        assert_eq!(
            names(&mut plan.moved.iter().map(|m| m.name.clone())),
            names(
                &mut net
                    .demands
                    .iter()
                    .filter(|d| after[&d.key()].is_some() && after[&d.key()] != before[&d.key()])
                    .map(|d| d.name.clone())
            )
        );
        let live = net.pce.reserved();
        assert!(!plan.utilization.is_empty());
        for (link, u) in &plan.utilization {
            let l = (0..topo.link_count() as u32)
                .map(LinkId)
                .find(|&l| &topo.link_name(l) == link)
                .unwrap();
            let capacity = topo.link(l).unwrap().bandwidth;
            assert_eq!(*u, live[l.index()] / capacity, "{link}");
        }
        results.push((after, updates(&out)));
    }
    assert_eq!(results[0], results[1]);
}

#[test]
fn a_dry_run_says_what_a_change_would_do_and_does_nothing() {
    let mut net = Net::new(2, PceConfig::default());
    let event = TopologyEvent::NodeState {
        node: "g3_3".into(),
        up: false,
    };
    let before = net.paths();
    let (pce, now) = (&net.pce, net.now);
    let dry = net
        .pool
        .install(|| pce.dry_run(TopologyChange::Event(event.clone()), now))
        .unwrap();
    assert!(net.drain().is_empty(), "a dry run sends nothing");
    assert_eq!(net.paths(), before);
    assert!(
        net.pce
            .topology()
            .node(net.pce.topology().node_by_name("g3_3").unwrap())
            .unwrap()
            .up
    );
    assert!(dry.recomputed > 0 && dry.updated > 0);
    let (real, out) = net.change(TopologyChange::Event(event));
    assert_eq!(dry, real);
    assert_eq!(updates(&out).len(), real.updated);
}

#[test]
fn a_new_file_is_applied_as_its_difference() {
    let mut net = Net::new(2, PceConfig::default());
    let mut file = grid();
    // One link fewer, another with a higher metric.
    let gone = file.links.remove(5);
    file.links[7].igp_metric += 10;
    let (report, out) = net.change(TopologyChange::replace(file.clone()));
    net.acknowledge(&out);
    assert!(!report.replaced);
    assert_eq!(report.links_changed, 4);
    let down: Vec<&TopologyEvent> = report
        .events
        .iter()
        .filter(|e| matches!(e, TopologyEvent::Link { set, .. } if set.up == Some(false)))
        .collect();
    assert_eq!(down.len(), 2, "{:?}", report.events);
    assert!(down.iter().all(|e| matches!(e,
        TopologyEvent::Link { a, b, one_way: true, .. }
            if (*a == gone.a && *b == gone.b) || (*a == gone.b && *b == gone.a))));
    // The same file again changes nothing.
    let (again, out) = net.change(TopologyChange::replace(file.clone()));
    assert!(again.events.is_empty() && again.recomputed == 0 && out.is_empty());
    // The link back: up again, still the same structure.
    file.links.push(gone);
    let (back, out) = net.change(TopologyChange::replace(file.clone()));
    net.acknowledge(&out);
    assert!(!back.replaced);
    assert!(back
        .events
        .iter()
        .all(|e| matches!(e, TopologyEvent::Link { set, .. } if set.up == Some(true))));
    // A new node is a new structure: the topology is replaced whole.
    file.nodes.push(NodeSpec {
        name: "new".into(),
        router_id: "10.9.9.9".parse().unwrap(),
        addresses: vec![],
        node_sid: None,
        srlgs: vec![],
    });
    let (replaced, _) = net.change(TopologyChange::replace(file));
    assert!(replaced.replaced && replaced.reoptimized);
    assert_eq!(replaced.recomputed, net.demands.len());
}

/// The shell builds a new TED off the core (`Replacement::built`): a
/// topology to compare, or one already prepared when it replaces the
/// current one whole. The core does exactly what it does with the file
/// alone, and adopts the prepared one as it is.
#[test]
fn a_replacement_built_off_the_core_is_the_same_as_one_built_in_it() {
    let mut changed = grid();
    changed.links.remove(5);
    changed.links[7].igp_metric += 10;
    let mut grown = changed.clone();
    grown.nodes.push(NodeSpec {
        name: "new".into(),
        router_id: "10.9.9.9".parse().unwrap(),
        addresses: vec![],
        node_sid: None,
        srlgs: vec![],
    });
    let prepare = |f: &TopologyFile| Arc::new(Prepared::from(f.build().unwrap()));
    let mut runs = Vec::new();
    for way in 0..3 {
        let mut net = Net::new(2, PceConfig::default());
        let mut run = Vec::new();
        for file in [&changed, &grown] {
            let mut adopted = None;
            let built = match way {
                0 => None,
                1 => Some(Built::Topology(Arc::new(file.build().unwrap()))),
                _ => {
                    let p = prepare(file);
                    adopted = Some(Arc::clone(&p));
                    Some(Built::Prepared(p))
                }
            };
            let (report, out) = net.change(TopologyChange::Replace(Replacement {
                file: Box::new(file.clone()),
                built,
            }));
            net.acknowledge(&out);
            if let Some(p) = adopted {
                // Adopted as it is when it replaces the topology whole.
                assert_eq!(Arc::ptr_eq(net.pce.topology(), &p), report.replaced);
            }
            run.push((report, updates(&out), net.paths()));
        }
        assert!(!run[0].0.replaced && run[1].0.replaced);
        assert!(run[0].0.updated > 0 && run[1].0.recomputed > 0);
        runs.push(run);
    }
    assert_eq!(runs[0], runs[1]);
    assert_eq!(runs[0], runs[2]);
}

#[test]
fn restoration_follows_the_policy() {
    for reoptimize_on_restore in [false, true] {
        let config = PceConfig {
            reoptimize_on_restore,
            ..PceConfig::default()
        };
        let mut net = Net::new(2, config);
        let pathless = net.paths().values().filter(|p| p.is_none()).count();
        assert!(pathless > 0);
        // More bandwidth on every link of g0_0: can shorten paths.
        let events: Vec<TopologyEvent> = ["g0_1", "g1_0"]
            .iter()
            .map(|b| TopologyEvent::Link {
                a: "g0_0".into(),
                b: (*b).into(),
                a_interface: None,
                one_way: false,
                set: LinkPatch {
                    bandwidth_bps: Some(5000.0),
                    ..LinkPatch::default()
                },
            })
            .collect();
        let (report, out) = net.change(TopologyChange::Events(events));
        assert_eq!(report.links_changed, 4);
        assert_eq!(report.reoptimized, reoptimize_on_restore);
        let on_links = report.recomputed;
        if reoptimize_on_restore {
            assert_eq!(report.recomputed, net.demands.len());
        } else {
            // The LSPs without a path, and those on the changed links.
            assert!(
                on_links >= pathless && on_links < net.demands.len(),
                "{report:?}"
            );
        }
        assert_eq!(updates(&out).len(), report.updated);
        // Lengthening never reoptimizes: a metric raised.
        net.acknowledge(&out);
        let (longer, _) = net.change(TopologyChange::Event(TopologyEvent::Link {
            a: "g3_3".into(),
            b: "g3_4".into(),
            a_interface: None,
            one_way: true,
            set: LinkPatch {
                igp_metric: Some(50),
                ..LinkPatch::default()
            },
        }));
        assert!(!longer.reoptimized);
        assert_eq!(longer.links_changed, 1);
    }
}

/// `GET /snapshot` in the core: the topology as a file, every LSP with its
/// request by names, priorities, and the links it holds, which add up to
/// the core's reservations; the report as sent; the format refused by
/// name when it is not this one.
#[test]
fn a_snapshot_holds_the_topology_and_every_lsp_as_placed() {
    use pce_engine::pce::snapshot::{Snapshot, SnapshotError, FORMAT, VERSION};
    let mut net = Net::new(2, PceConfig::default());
    net.input(Input::Topology(TopologyChange::Event(
        TopologyEvent::NodeState {
            node: "g3_3".into(),
            up: false,
        },
    )));
    let out = net.drain();
    net.acknowledge(&out);
    let me: IpAddr = "192.0.2.100".parse().unwrap();
    let snap = net.pce.snapshot(Some(me));
    snap.check().unwrap();
    assert_eq!(
        (snap.format.as_str(), snap.version, snap.pce),
        (FORMAT, VERSION, Some(me))
    );
    let json = serde_json::to_string(&snap).unwrap();
    assert_eq!(serde_json::from_str::<Snapshot>(&json).unwrap(), snap);
    // The topology comes back as the core has it, g3_3 down.
    let topo = net.pce.topology().topology().clone();
    let back = snap
        .topology
        .build()
        .unwrap()
        .apply_all(&snap.down)
        .unwrap();
    assert!(!back.node(back.node_by_name("g3_3").unwrap()).unwrap().up);
    assert_eq!(back.link_count(), topo.link_count());
    // Every LSP, with what its computation uses.
    assert_eq!(snap.lsps.len(), net.demands.len());
    let file = grid();
    let node_of = |a: IpAddr| {
        file.nodes
            .iter()
            .find(|n| n.router_id == a)
            .unwrap()
            .name
            .clone()
    };
    let mut held: BTreeMap<String, f64> = BTreeMap::new();
    for d in &net.demands {
        let l = snap
            .lsps
            .iter()
            .find(|l| l.pcc == d.pcc.to_string() && l.plsp_id == d.plsp_id)
            .unwrap();
        assert_eq!(l.name, d.name);
        assert!(l.delegated && !l.initiated);
        assert_eq!(l.computing_pce, Some(me));
        assert_eq!(l.setup_priority, d.priority());
        let r = l.request.as_ref().unwrap();
        assert_eq!(
            (r.source.clone(), r.destination.clone()),
            (node_of(d.pcc), node_of(d.to))
        );
        assert_eq!(r.bandwidth_bps, 160.0);
        assert!(!hex::decode(&l.report).unwrap().is_empty());
        if let Some(path) = &l.path {
            // Links in order, head to tail.
            let ends: Vec<(&str, &str)> =
                path.iter().map(|p| p.split_once("->").unwrap()).collect();
            assert_eq!(ends.first().unwrap().0, r.source);
            assert_eq!(ends.last().unwrap().1, r.destination);
            assert!(ends.windows(2).all(|w| w[0].1 == w[1].0), "{path:?}");
            assert!(!path.iter().any(|p| p.contains("g3_3")), "{path:?}");
            for p in path {
                *held.entry(p.clone()).or_default() += r.bandwidth_bps;
            }
        }
    }
    let reserved: BTreeMap<String, f64> = net
        .pce
        .reserved()
        .iter()
        .enumerate()
        .filter(|(_, b)| **b > 0.0)
        .map(|(i, b)| (topo.link_name(LinkId(i as u32)), *b))
        .collect();
    assert!(!reserved.is_empty());
    assert_eq!(held, reserved);
    // Another format, a newer version: refused by name.
    let other = Snapshot {
        format: "topology".into(),
        ..snap.clone()
    };
    assert_eq!(other.check(), Err(SnapshotError::Format("topology".into())));
    let newer = Snapshot {
        version: VERSION + 1,
        ..snap
    };
    assert_eq!(newer.check(), Err(SnapshotError::Version(VERSION + 1)));
}

/// Topology A with three 2.5 Gb/s LSPs from PCC1 to PCC4 (no LSPA) and
/// one of 2 Gb/s from PCC2 to PCC4 at setup priority 0, every link 10 Gb/s.
fn topology_a_net(threads: usize) -> Net {
    let mut file = TopologyFile::read(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/topologies/draft-topology-a.json"),
    )
    .unwrap();
    // Delays: 1 ms a link, and 3 ms more on R1-R2 (the plan's stretch).
    for l in &mut file.links {
        l.delay_us = if (l.a.as_str(), l.b.as_str()) == ("R1", "R2") {
            4_000
        } else {
            1_000
        };
    }
    let addr = |s: &str| -> IpAddr { s.parse().unwrap() };
    let bw = |bps: f32| Bandwidth {
        bandwidth: bps / 8.0,
        ..Bandwidth::default()
    };
    let mut demands: Vec<Demand> = (1..=3)
        .map(|i| Demand {
            pcc: addr("10.0.0.1"),
            plsp_id: i,
            name: format!("pcc1-{i}"),
            to: addr("10.0.0.4"),
            attributes: Attributes {
                bandwidth: Some(bw(2.5e9)),
                ..Attributes::default()
            },
        })
        .collect();
    demands.push(Demand {
        pcc: addr("10.0.0.2"),
        plsp_id: 1,
        name: "pcc2".into(),
        to: addr("10.0.0.4"),
        attributes: Attributes {
            bandwidth: Some(bw(2e9)),
            lspa: Some(Lspa {
                setup_priority: 0,
                holding_priority: 0,
                ..Lspa::default()
            }),
            ..Attributes::default()
        },
    });
    Net::with(threads, PceConfig::default(), &file, demands)
}

/// What-if on Topology A, checked by hand: PCC1's LSPs take R1-R3-R4
/// (metric 4, not 13 by R1-R2), PCC2's R2-R4; R4-PCC4 carries 9.5 of 10
/// Gb/s. R1-R3 down: PCC1's three move over R1-R2-R4 (R2-R4 then 9.5).
/// R2-R4 down: PCC2's moves over R2-R1-R3-R4 (R1-R3 then 9.5). R1 down:
/// PCC1's three have no path, proven. The plan of R1-R3 is what the live
/// core then does; the report is the same on one thread and two.
#[test]
fn what_if_on_topology_a_is_what_the_pce_then_does() {
    use pce_engine::pce::plan::Scenario;
    let mut net = topology_a_net(2);
    let topo = net.pce.topology().topology().clone();
    let mut scenarios = Scenario::every_link(&topo);
    scenarios.extend(Scenario::every_node(&topo));
    scenarios.extend(Scenario::every_srlg(&topo));
    assert_eq!(scenarios.len(), 8 + 8 + 8);
    let now = net.now;
    let report = net.pool.install(|| net.pce.what_if(&scenarios, 0.9, now));
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    assert_eq!(
        one.install(|| net.pce.what_if(&scenarios, 0.9, now)),
        report
    );
    let by = |name: &str| report.scenarios.iter().find(|s| s.name == name).unwrap();
    let moved = |name: &str| {
        let mut m: Vec<String> = by(name).moved.iter().map(|m| m.name.clone()).collect();
        m.sort();
        m
    };
    let r13 = by("link R1-R3");
    assert_eq!(moved("link R1-R3"), ["pcc1-1", "pcc1-2", "pcc1-3"]);
    assert!(r13.unplaceable.is_empty());
    assert_eq!(r13.utilization["R2->R4"], 0.95);
    assert_eq!(r13.utilization["R1->R2"], 0.75);
    assert_eq!(r13.max_utilization, 0.95);
    assert_eq!(moved("link R2-R4"), ["pcc2"]);
    assert_eq!(by("link R2-R4").utilization["R1->R3"], 0.95);
    assert!(moved("link R1-R2").is_empty() && moved("link PCC3-R3").is_empty());
    let r1 = by("node R1");
    let mut lost: Vec<(&str, bool)> = r1
        .unplaceable
        .iter()
        .map(|l| (l.name.as_str(), l.proven))
        .collect();
    lost.sort();
    assert_eq!(lost, [("pcc1-1", true), ("pcc1-2", true), ("pcc1-3", true)]);
    // Why, in words: R1 down leaves no path; PCC1 or PCC4 down is an end
    // down.
    let reasons =
        |name: &str| -> BTreeSet<&str> { by(name).unplaceable.iter().map(|l| l.reason).collect() };
    assert_eq!(reasons("node R1"), ["no path meets its constraints"].into());
    assert_eq!(reasons("node PCC1"), ["its head end is down"].into());
    assert_eq!(reasons("node PCC4"), ["its tail end is down"].into());
    assert_eq!(r1.utilization.get("R4->PCC4"), Some(&0.2));
    // The same as R1-R3's own SRLG (106).
    assert_eq!(moved("srlg 106"), moved("link R1-R3"));
    // Across the scenarios: R4->PCC4 carries 9.5 wherever every LSP has a
    // path. Each LSP is unplaceable in 8: its head end, its first router,
    // the link between them and its SRLG; R4, PCC4, R4-PCC4 and its SRLG.
    assert_eq!(report.worst[0].utilization, 0.95);
    for link in ["R4->PCC4", "R2->R4", "R1->R3"] {
        assert!(
            report.upgrades.iter().any(|u| u == link),
            "{link}: {:?}",
            report.upgrades
        );
    }
    assert!(!report.upgrades.iter().any(|u| u == "R1->R2"));
    assert_eq!(report.most_unplaceable.len(), 4);
    assert!(
        report.most_unplaceable.iter().all(|u| u.2 == 8),
        "{:?}",
        report.most_unplaceable
    );
    // R1-R3 down: PCC1's LSPs go from PCC1-R1-R3-R4-PCC4 (4 ms) to
    // PCC1-R1-R2-R4-PCC4 (7 ms). Three LSPs computed again, each once.
    assert!(r13
        .moved
        .iter()
        .all(|m| (m.delay_before_us, m.delay_after_us) == (4_000, 7_000)));
    assert_eq!((r13.stretch_max, r13.stretch_mean), (1.75, 1.75));
    assert_eq!((r13.recomputed, r13.computations), (3, 3));
    // N-2 of shared risks: R1-R2 with R1-R3 cuts PCC1 off; R3-R4 with
    // R2-R4 cuts R4 off, and every LSP goes there.
    let pairs = Scenario::every_srlg_pair(&topo);
    assert_eq!(pairs.len(), 8 * 7 / 2);
    let n2 = net.pool.install(|| net.pce.what_if(&pairs, 0.9, now));
    let lost = |name: &str| {
        let s = n2.scenarios.iter().find(|s| s.name == name).unwrap();
        assert!(s.unplaceable.iter().all(|l| l.proven), "{s:?}");
        let mut l: Vec<String> = s.unplaceable.iter().map(|l| l.name.clone()).collect();
        l.sort();
        l
    };
    assert_eq!(lost("srlg 101 + 106"), ["pcc1-1", "pcc1-2", "pcc1-3"]);
    assert_eq!(
        lost("srlg 104 + 107"),
        ["pcc1-1", "pcc1-2", "pcc1-3", "pcc2"]
    );
    assert!(lost("srlg 100 + 102").len() == 4);
    // Demand 20% up: PCC2's 2.4 Gb/s (setup priority 0) first, then
    // PCC1's 3 Gb/s each: R4->PCC4 holds 2.4 + 3 + 3 of 10, the third has
    // no path (proven). The live core is not touched.
    use pce_engine::pce::plan::Demand;
    let grow = |scale, names: &[&str]| {
        net.pce.with_demand(
            &Demand {
                scale,
                pccs: Vec::new(),
                names: names.iter().map(|n| n.to_string()).collect(),
                ..Demand::default()
            },
            now,
        )
    };
    let (grown, d) = grow(1.2, &[]).unwrap();
    assert_eq!(d.scaled, 4);
    let lost: Vec<(&str, bool)> = d
        .unplaceable
        .iter()
        .map(|l| (l.name.as_str(), l.proven))
        .collect();
    assert_eq!(lost, [("pcc1-3", true)]);
    let g = grown.what_if(&[], 0.9, now);
    assert!(
        (g.base.utilization["R4->PCC4"] - 0.84).abs() < 1e-6,
        "{:?}",
        g.base
    );
    assert!((report.base.utilization["R4->PCC4"] - 0.95).abs() < 1e-9);
    // Only pcc2, doubled: PCC1's keep their 7.5 Gb/s (not scaled, and the
    // PCE preempts nothing), so pcc2's 4 Gb/s no longer fits R4->PCC4.
    let (_, d) = grow(2.0, &["pcc2"]).unwrap();
    assert_eq!(d.scaled, 1);
    assert_eq!(
        d.unplaceable
            .iter()
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>(),
        ["pcc2"]
    );
    assert!(grow(1.2, &["nope"]).unwrap_err().contains("nope"));
    assert!(grow(0.0, &[]).unwrap_err().contains("scale"));
    // Live: R1-R3 goes down; the same LSPs move, to the same reservations.
    let event = scenarios
        .iter()
        .find(|s| s.name == "link R1-R3")
        .unwrap()
        .events
        .clone();
    net.input(Input::Topology(TopologyChange::Events(event)));
    let out = net.drain();
    let mut updated: Vec<String> = updates(&out)
        .into_iter()
        .map(|(_, plsp, _, _)| format!("pcc1-{plsp}"))
        .collect();
    updated.sort();
    assert_eq!(updated, moved("link R1-R3"));
    net.acknowledge(&out);
    let live: BTreeMap<String, f64> = net
        .pce
        .reserved()
        .iter()
        .enumerate()
        .filter(|(_, b)| **b > 0.0)
        .map(|(i, b)| (topo.link_name(LinkId(i as u32)), b / 1e10))
        .collect();
    // The scenario lists the links whose utilization changes; the others
    // are as without failure.
    let mut planned = report.base.utilization.clone();
    planned.extend(r13.utilization.clone());
    planned.retain(|_, u| *u > 0.0);
    assert_eq!(live, planned);
    assert!(r13.utilization.len() < planned.len(), "{r13:?}");
    for (link, u) in &r13.utilization {
        assert_ne!(report.base.utilization.get(link), Some(u), "{link}");
    }
}

/// Planning offline predicts what the live core's plan does: the core
/// rebuilt from its snapshot (through JSON) gives the same report, as does
/// a core built from a topology and the same LSPs as an LSP file; LSPs
/// added to a plan's demand are placed with the others. A disjoint group
/// whose members fall back to sharing a link they do not fit on together
/// is not placed (the solver admits each member alone).
#[test]
fn offline_plans_are_the_live_plan() {
    use pce_engine::pce::plan::{Demand, Scenario};
    use pce_engine::pce::snapshot::Snapshot;
    use pce_engine::pce::{DisjointGroup, InitiateSpec};
    let net = topology_a_net(2);
    let topo = net.pce.topology().topology().clone();
    // Reservations by link name (a topology from a snapshot numbers its
    // links in its own order).
    let held = |p: &Pce| -> BTreeMap<String, f64> {
        let t = p.topology().topology();
        p.reserved()
            .iter()
            .enumerate()
            .map(|(i, b)| (t.link_name(LinkId(i as u32)), *b))
            .collect()
    };
    let mut scenarios = Scenario::every_link(&topo);
    scenarios.extend(Scenario::every_node(&topo));
    scenarios.extend(Scenario::every_srlg(&topo));
    let now = net.now;
    let live = net.pool.install(|| net.pce.what_if(&scenarios, 0.9, now));
    assert!((live.base.utilization["R4->PCC4"] - 0.95).abs() < 1e-9);
    // From the snapshot, through its JSON.
    let text = serde_json::to_string(&net.pce.snapshot(None)).unwrap();
    let snap: Snapshot = serde_json::from_str(&text).unwrap();
    let (rebuilt, skipped) = Pce::from_snapshot(&snap, now).unwrap();
    assert_eq!(skipped, 0);
    assert_eq!(held(&rebuilt), held(&net.pce));
    assert_eq!(
        net.pool.install(|| rebuilt.what_if(&scenarios, 0.9, now)),
        live
    );
    // A snapshot naming a link its topology lacks: refused, by the item.
    let mut bad: Snapshot = serde_json::from_str(&text).unwrap();
    let lsp = bad.lsps.iter_mut().find(|l| l.path.is_some()).unwrap();
    lsp.path.as_mut().unwrap()[0] = "R9->R1".into();
    let name = lsp.name.clone();
    let e = Pce::from_snapshot(&bad, now).unwrap_err();
    assert!(e.contains("R9->R1") && e.contains(&name), "{e}");
    // From a topology and an LSP file of the same LSPs.
    let addr = |s: &str| -> IpAddr { s.parse().unwrap() };
    let spec = |pcc: &str, name: &str, bps: f32, priority: Option<u8>| InitiateSpec {
        pcc: addr(pcc),
        name: name.into(),
        source: addr(pcc),
        destination: addr("10.0.0.4"),
        setup: PathSetupType::RSVP_TE,
        attributes: Attributes {
            bandwidth: Some(Bandwidth {
                bandwidth: bps / 8.0,
                ..Bandwidth::default()
            }),
            lspa: priority.map(|p| Lspa {
                setup_priority: p,
                holding_priority: p,
                ..Lspa::default()
            }),
            ..Attributes::default()
        },
        color: None,
        disjoint_group: None,
    };
    let specs = vec![
        spec("10.0.0.1", "pcc1-1", 2.5e9, None),
        spec("10.0.0.1", "pcc1-2", 2.5e9, None),
        spec("10.0.0.1", "pcc1-3", 2.5e9, None),
        spec("10.0.0.2", "pcc2", 2e9, Some(0)),
    ];
    let built = Pce::from_lsps((*topo).clone(), &specs, now).unwrap();
    assert_eq!(held(&built), held(&net.pce));
    assert_eq!(
        net.pool.install(|| built.what_if(&scenarios, 0.9, now)),
        live
    );
    // Added to the demand: 0.4 Gb/s from PCC3 fits R4->PCC4 (9.9 of 10);
    // 1 Gb/s does not.
    let add = |bps: f32| {
        net.pce.with_demand(
            &Demand {
                add: vec![spec("10.0.0.3", "pcc3", bps, None)],
                ..Demand::default()
            },
            now,
        )
    };
    let (grown, d) = add(0.4e9).unwrap();
    assert_eq!((d.scaled, d.added), (4, 1));
    assert!(d.unplaceable.is_empty());
    let g = grown.what_if(&[], 0.9, now);
    assert!(
        (g.base.utilization["R4->PCC4"] - 0.99).abs() < 1e-6,
        "{g:?}"
    );
    let (_, d) = add(1e9).unwrap();
    assert_eq!(
        d.unplaceable
            .iter()
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>(),
        ["pcc3"]
    );
    let taken = net.pce.with_demand(
        &Demand {
            add: vec![spec("10.0.0.1", "pcc1-2", 1e9, None)],
            ..Demand::default()
        },
        now,
    );
    assert!(taken.unwrap_err().contains("pcc1-2"));
    // A link-disjoint pair from PCC1 and PCC2 (4 and 3 Gb/s) must share
    // R4->PCC4 (PCC4's only link), where an LSP of 4 Gb/s left 6: each
    // fits alone, not both. The group gets no path; 3 Gb/s from PCC3
    // placed after it does.
    let group = DisjointGroup {
        id: 7,
        source: addr("192.0.2.1"),
        flags: pcep::wire::tlv::DisjointnessFlags::LINK,
    };
    let mut a2 = spec("10.0.0.1", "a2", 4e9, None);
    a2.disjoint_group = Some(group);
    let mut b1 = spec("10.0.0.2", "b1", 3e9, None);
    b1.disjoint_group = Some(group);
    let pair = Pce::from_lsps(
        (*topo).clone(),
        &[
            spec("10.0.0.1", "a1", 4e9, None),
            a2,
            b1,
            spec("10.0.0.3", "c1", 3e9, None),
        ],
        now,
    )
    .unwrap();
    let p = pair.what_if(&[], 0.9, now);
    assert!((p.base.utilization["R4->PCC4"] - 0.7).abs() < 1e-9, "{p:?}");
    assert!(p.base.max_utilization <= 1.0);
}
