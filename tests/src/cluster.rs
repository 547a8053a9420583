//! Seeded simulation of whole clusters, in the style of FoundationDB's and
//! TigerBeetle's deterministic simulators: 2 to 5 PCE cores with state-sync
//! and 2 to 4 simulated PCCs, in memory. One seed drives everything:
//! which message is delivered next (each session is FIFO, as TCP is, but
//! sessions race each other), time, sessions dropping and coming back, PCEs
//! crashing and restarting empty, PCCs redelegating, links going down and
//! up. A seed that fails says so and runs again exactly the same.
//!
//! Checked after every step:
//! * every path a PCE sends (PCUpd, PCInitiate, the copies to its peers)
//!   is a connected path of up links in that PCE's topology;
//! * no LSP is updated more than [`UPDATE_BOUND`] times between two
//!   events (no computation loop).
//!
//! Checked once the chaos ends, every session is up again and the network
//! is quiet:
//! * the network goes quiet (no loop);
//! * every delegated LSP has exactly one computing PCE, the one the
//!   priorities name (highest priority, then highest address);
//! * the members of a group are computed by one PCE;
//! * every PCE's database holds exactly the LSPs the PCCs have;
//! * when every LSP is disturbed once more, only the PCE holding each PCC's
//!   delegation updates it, a bounded number of times.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pce_engine::lspdb::{LspDb, LspKey, PccId};
use pce_engine::pce::{
    Input, Output, Pce, PceConfig, PeerPce, SessionId, StateSync, TopologyChange,
};
use pce_engine::solver::cspf::Workspace;
use pce_engine::solver::ero;
use pce_engine::solver::Prepared;
use pce_engine::topology::{TopologyEvent, TopologyFile};
use pce_tools::sim::{DisjointGroup, SimLsp, SimOutput, SimPcc, SyncOptimizations};
use pcep::session::Negotiated;
use pcep::wire::object::{Open, Subobject};
use pcep::wire::tlv::{StatefulCapability, Tlv};
use pcep::wire::{Message, StateSyncCodepoints, WireConfig};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The MSD of the `pcc`th simulated PCC (in its Open): 2 to 4, so that
/// some SR paths of the topology do not fit.
fn pcc_msd(pcc: usize) -> u8 {
    [2, 3, 4][pcc % 3]
}

/// Updates of one LSP between two events past which it is a loop.
pub const UPDATE_BOUND: usize = 12;

/// Messages the network may take to settle after the chaos.
const SETTLE_BUDGET: usize = 50_000;

/// The core links of the draft's Topology A that may fail (the access
/// links stay up: a PCC cut off from the network has nothing to compute).
const CORE_LINKS: [(&str, &str); 4] = [("R1", "R2"), ("R3", "R4"), ("R1", "R3"), ("R2", "R4")];

/// The PCCs of Topology A: session address, router ID.
const PCCS: [(&str, &str); 4] = [
    ("192.0.2.1", "10.0.0.1"),
    ("192.0.2.2", "10.0.0.2"),
    ("192.0.2.3", "10.0.0.3"),
    ("192.0.2.4", "10.0.0.4"),
];

/// What a failing seed did wrong.
#[derive(Debug)]
pub struct Failure {
    /// The seed.
    pub seed: u64,
    /// The step at which it was found (after the chaos: `usize::MAX`).
    pub step: usize,
    /// What is wrong.
    pub what: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.step == usize::MAX {
            "after the chaos".to_string()
        } else {
            format!("at step {}", self.step)
        };
        write!(
            f,
            "seed {} failed {at}: {}\n  reproduce: cargo run --release -p pce-tests --bin cluster-sim -- --seed {} --verbose",
            self.seed, self.what, self.seed
        )
    }
}

/// What a passing seed did (for the summary and the determinism check).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Messages delivered.
    pub delivered: u64,
    /// Events injected (drops, crashes, topology changes, time jumps).
    pub events: u64,
    /// PCUpd messages PCCs received.
    pub updates: u64,
    /// A hash of every message delivered, in order: two runs of a seed give
    /// the same one.
    pub trace: u64,
}

/// One end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum EndPoint {
    /// PCE `pce`, its session number.
    Pce { pce: usize, session: SessionId },
    /// PCC `pcc`, its PCE slot.
    Pcc { pcc: usize, slot: usize },
}

/// A TCP connection: two ends, a FIFO queue each way.
#[derive(Debug)]
struct Connection {
    ends: [EndPoint; 2],
    /// Messages towards `ends[0]` and towards `ends[1]`.
    queues: [VecDeque<Message>; 2],
}

/// Which connections exist when everything is up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Wire {
    /// PCC `pcc` to its PCE in `slot`.
    Pcc { pcc: usize, slot: usize },
    /// PCE `a` to PCE `b` (a < b).
    Peer { a: usize, b: usize },
}

/// A cluster under simulation.
pub struct Cluster {
    seed: u64,
    rng: ChaCha8Rng,
    verbose: bool,
    topology: Arc<Prepared>,
    pces: Vec<Option<Pce>>,
    configs: Vec<PceConfig>,
    pce_addr: Vec<IpAddr>,
    priority: Vec<u32>,
    pccs: Vec<SimPcc>,
    pcc_addr: Vec<IpAddr>,
    pcc_pces: Vec<Vec<usize>>,
    /// Connections up, by wire.
    connections: BTreeMap<Wire, Connection>,
    next_session: u64,
    start: Instant,
    now: Instant,
    step: usize,
    /// Updates per (PCC, PLSP-ID) since the last event.
    updates_since_event: BTreeMap<(usize, u32), usize>,
    /// Senders of PCUpd per (PCC, PLSP-ID), while recording.
    senders: Option<BTreeMap<(usize, u32), BTreeSet<usize>>>,
    summary: Summary,
    watched: String,
    hasher: std::hash::DefaultHasher,
    ws: Workspace,
}

#[allow(clippy::disallowed_methods)]
fn origin() -> Instant {
    // The only clock read: every later instant is derived from it, so a
    // run does not depend on when it happens.
    Instant::now()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

fn pce_open(cp: &StateSyncCodepoints) -> Open {
    let flags = StatefulCapability::UPDATE
        | StatefulCapability::INSTANTIATION
        | cp.inter_pce_capability_mask;
    Open {
        tlvs: vec![Tlv::StatefulPceCapability(StatefulCapability(flags))],
        ..Open::default()
    }
}

impl Cluster {
    /// The cluster seed `seed` describes, on the draft's Topology A.
    pub fn new(seed: u64, topology: &TopologyFile, verbose: bool) -> Result<Self, String> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let topology = Arc::new(Prepared::from(topology.build().map_err(|e| e.to_string())?));
        let n = rng.random_range(2..=5usize);
        let pce_addr: Vec<IpAddr> = (0..n)
            .map(|i| ip(&format!("192.0.2.{}", 101 + i)))
            .collect();
        // Priorities from a small range: ties happen, and the highest
        // address must break them.
        let priority: Vec<u32> = (0..n).map(|_| rng.random_range(1..=3u32) * 100).collect();
        let configs: Vec<PceConfig> = (0..n)
            .map(|i| PceConfig {
                state_timeout: Duration::from_secs(60),
                redelegation_timeout: Duration::from_secs(30),
                state_sync: Some(StateSync::new(
                    pce_addr[i],
                    priority[i],
                    (0..n)
                        .filter(|&j| j != i)
                        .map(|j| PeerPce {
                            address: pce_addr[j],
                            priority: priority[j],
                        })
                        .collect(),
                )),
                ..PceConfig::default()
            })
            .collect();
        let now = origin();
        let pces = configs
            .iter()
            .map(|c| Some(Pce::new(c.clone(), Arc::clone(&topology), LspDb::default())))
            .collect();
        let mut cluster = Self {
            seed,
            rng,
            verbose,
            topology,
            pces,
            configs,
            pce_addr,
            priority,
            pccs: Vec::new(),
            pcc_addr: Vec::new(),
            pcc_pces: Vec::new(),
            connections: BTreeMap::new(),
            next_session: 0,
            start: now,
            now,
            step: 0,
            updates_since_event: BTreeMap::new(),
            senders: None,
            summary: Summary::default(),
            watched: String::new(),
            hasher: std::hash::DefaultHasher::new(),
            ws: Workspace::new(),
        };
        cluster.add_pccs();
        for wire in cluster.all_wires() {
            cluster.connect(wire);
        }
        Ok(cluster)
    }

    /// 2 to 4 PCCs, each with sessions to 1 or 2 PCEs and 1 to 3 LSPs; the
    /// first LSP of PCC1 and of PCC3 may form a disjoint group (the
    /// draft's scenario).
    fn add_pccs(&mut self) {
        let m = self.rng.random_range(2..=4usize);
        let n = self.pces.len();
        let grouped = self.rng.random_bool(0.6);
        for (j, (addr, router)) in PCCS.iter().take(m).enumerate() {
            let first = self.rng.random_range(0..n);
            let mut pces = vec![first];
            if self.rng.random_bool(0.7) {
                let second = (first + self.rng.random_range(1..n)) % n;
                pces.push(second);
            }
            let redelegation = if self.rng.random_bool(0.5) {
                Duration::ZERO
            } else {
                Duration::from_secs(self.rng.random_range(1..=20))
            };
            // Half the PCCs follow RFC 8232 (sync avoidance, delta and
            // triggered synchronization), as the PCE's Open offers.
            let optimizations = if self.rng.random_bool(0.5) {
                SyncOptimizations::ALL
            } else {
                SyncOptimizations::default()
            };
            let mut pcc =
                SimPcc::new(pces.len(), redelegation, self.now).with_optimizations(optimizations);
            let lsps = self.rng.random_range(1..=3usize);
            for k in 0..lsps {
                // To another PCC's router.
                let to = (j + 1 + self.rng.random_range(0..3)) % 4;
                let group = (grouped && k == 0 && (j == 0 || j == 2))
                    .then(|| DisjointGroup::link(1, ip("192.0.2.100"), false));
                pcc.add_lsp(SimLsp {
                    plsp_id: 0,
                    name: format!("pcc{j}-lsp{k}"),
                    source: router.parse().unwrap_or(Ipv4Addr::UNSPECIFIED),
                    destination: PCCS[to].1.parse().unwrap_or(Ipv4Addr::UNSPECIFIED),
                    sr: self.rng.random_bool(0.3),
                    bandwidth: 0.0,
                    delegate: self.rng.random_bool(0.9),
                    initiated_by: None,
                    ero: Vec::new(),
                    updates: 0,
                    disjoint_group: group,
                });
            }
            // Reports made before any session is up go nowhere.
            let _ = pcc.drain();
            self.pccs.push(pcc);
            self.pcc_addr.push(ip(addr));
            self.pcc_pces.push(pces);
        }
    }

    fn all_wires(&self) -> Vec<Wire> {
        let mut w = Vec::new();
        for (pcc, pces) in self.pcc_pces.iter().enumerate() {
            for slot in 0..pces.len() {
                w.push(Wire::Pcc { pcc, slot });
            }
        }
        for a in 0..self.pces.len() {
            for b in a + 1..self.pces.len() {
                w.push(Wire::Peer { a, b });
            }
        }
        w
    }

    fn log(&self, what: impl FnOnce() -> String) {
        if self.verbose {
            eprintln!(
                "[{:>5} {:>9.3}s] {}",
                self.step,
                self.elapsed().as_secs_f64(),
                what()
            );
        }
    }

    fn elapsed(&self) -> Duration {
        self.now.saturating_duration_since(self.start)
    }

    fn session(&mut self) -> SessionId {
        self.next_session += 1;
        SessionId(self.next_session)
    }

    fn alive(&self, pce: usize) -> bool {
        self.pces.get(pce).is_some_and(Option::is_some)
    }

    fn input(&mut self, pce: usize, input: Input) {
        let now = self.now;
        if let Some(Some(p)) = self.pces.get_mut(pce) {
            let _ = p.handle(input, now);
        }
    }

    /// Bring a wire's connection up (both ends alive, not up yet).
    fn connect(&mut self, wire: Wire) {
        if self.connections.contains_key(&wire) {
            return;
        }
        let cp = StateSyncCodepoints::default();
        match wire {
            Wire::Pcc { pcc, slot } => {
                let pce = self.pcc_pces[pcc][slot];
                if !self.alive(pce) {
                    return;
                }
                let s = self.session();
                self.connections.insert(
                    wire,
                    Connection {
                        ends: [
                            EndPoint::Pce { pce, session: s },
                            EndPoint::Pcc { pcc, slot },
                        ],
                        queues: [VecDeque::new(), VecDeque::new()],
                    },
                );
                let peer = self.pcc_addr[pcc];
                // As the daemon's Open to a PCC: RFC 8232 S, D, T, F and the
                // database version held for it.
                let mut local = pce_open(&cp);
                for t in &mut local.tlvs {
                    if let Tlv::StatefulPceCapability(c) = t {
                        c.0 |= SyncOptimizations::ALL.flags();
                        c.0 &= !cp.inter_pce_capability_mask;
                    }
                }
                if let Some(v) = self.pces[pce]
                    .as_ref()
                    .and_then(|p| p.lspdb().db_version(PccId::Addr(peer)))
                {
                    local.tlvs.push(Tlv::LspDbVersion(v));
                }
                let remote = self.pccs[pcc].open(30, pcc_msd(pcc));
                let negotiated = Negotiated::new(&local, &remote, &cp);
                self.input(
                    pce,
                    Input::SessionUp {
                        session: s,
                        peer,
                        negotiated: Box::new(negotiated),
                    },
                );
                self.pccs[pcc].session_up_with(slot, &local);
            }
            Wire::Peer { a, b } => {
                if !self.alive(a) || !self.alive(b) {
                    return;
                }
                let (sa, sb) = (self.session(), self.session());
                self.connections.insert(
                    wire,
                    Connection {
                        ends: [
                            EndPoint::Pce {
                                pce: a,
                                session: sa,
                            },
                            EndPoint::Pce {
                                pce: b,
                                session: sb,
                            },
                        ],
                        queues: [VecDeque::new(), VecDeque::new()],
                    },
                );
                let negotiated = Negotiated::new(&pce_open(&cp), &pce_open(&cp), &cp);
                let (addr_a, addr_b) = (self.pce_addr[a], self.pce_addr[b]);
                self.input(
                    a,
                    Input::SessionUp {
                        session: sa,
                        peer: addr_b,
                        negotiated: Box::new(negotiated.clone()),
                    },
                );
                self.input(
                    b,
                    Input::SessionUp {
                        session: sb,
                        peer: addr_a,
                        negotiated: Box::new(negotiated),
                    },
                );
            }
        }
        self.log(|| format!("up {wire:?}"));
    }

    /// Take a connection down: what was in flight is lost; every live end
    /// sees it go.
    fn disconnect(&mut self, wire: Wire) {
        let Some(c) = self.connections.remove(&wire) else {
            return;
        };
        for end in c.ends {
            match end {
                EndPoint::Pce { pce, session } => self.input(pce, Input::SessionDown { session }),
                EndPoint::Pcc { pcc, slot } => self.pccs[pcc].session_down(slot, self.now),
            }
        }
        self.log(|| format!("down {wire:?}"));
    }

    /// A PCE crashes: its connections drop (it does not see them go), its
    /// state is lost.
    fn crash(&mut self, pce: usize) {
        let wires: Vec<Wire> = self
            .connections
            .iter()
            .filter(|(_, c)| {
                c.ends
                    .iter()
                    .any(|e| matches!(e, EndPoint::Pce { pce: p, .. } if *p == pce))
            })
            .map(|(w, _)| *w)
            .collect();
        self.pces[pce] = None;
        for w in wires {
            self.disconnect(w);
        }
        self.log(|| format!("crash PCE {pce}"));
    }

    /// A crashed PCE starts again, empty, on the current topology.
    fn restart(&mut self, pce: usize) {
        if self.alive(pce) {
            return;
        }
        self.pces[pce] = Some(Pce::new(
            self.configs[pce].clone(),
            Arc::clone(&self.topology),
            LspDb::default(),
        ));
        self.log(|| format!("restart PCE {pce}"));
    }

    /// Flip a core link; every live PCE learns it.
    fn flip_link(&mut self) -> Result<(), String> {
        let (a, b) = CORE_LINKS[self.rng.random_range(0..CORE_LINKS.len())];
        let (na, nb) = (
            self.topology.node_by_name(a).ok_or("no node")?,
            self.topology.node_by_name(b).ok_or("no node")?,
        );
        let up = self
            .topology
            .link_between(na, nb)
            .is_some_and(|l| !self.topology.link_up(l));
        let event = TopologyEvent::LinkState {
            a: a.into(),
            b: b.into(),
            up,
            a_interface: None,
        };
        self.topology = Arc::new(Prepared::from(
            self.topology.apply(&event).map_err(|e| e.to_string())?,
        ));
        for pce in 0..self.pces.len() {
            self.input(pce, Input::Topology(TopologyChange::Event(event.clone())));
        }
        self.log(|| format!("link {a}-{b} {}", if up { "up" } else { "down" }));
        Ok(())
    }

    /// Fire what is due at `now` on every PCE and PCC.
    fn timers(&mut self) {
        let now = self.now;
        for p in self.pces.iter_mut().flatten() {
            if p.poll_timeout().is_some_and(|t| t <= now) {
                let _ = p.handle(Input::Timer, now);
            }
        }
        for pcc in &mut self.pccs {
            if pcc.poll_timeout().is_some_and(|t| t <= now) {
                pcc.handle_timeout(now);
            }
        }
    }

    /// Move what the cores and PCCs emitted into the connections' queues,
    /// checking every path a PCE sends.
    fn collect(&mut self) -> Result<(), String> {
        for pce in 0..self.pces.len() {
            while let Some(out) = self
                .pces
                .get_mut(pce)
                .and_then(|p| p.as_mut())
                .and_then(Pce::poll_output)
            {
                match out {
                    Output::Send { session, message } => {
                        self.check_paths(pce, session, &message)?;
                        self.enqueue(EndPoint::Pce { pce, session }, message);
                    }
                    Output::Close { session, .. } => {
                        let wire = self.wire_of(EndPoint::Pce { pce, session });
                        if let Some(w) = wire {
                            self.disconnect(w);
                        }
                    }
                }
            }
        }
        for pcc in 0..self.pccs.len() {
            for SimOutput::Send { pce: slot, message } in self.pccs[pcc].drain() {
                self.enqueue(EndPoint::Pcc { pcc, slot }, message);
            }
        }
        Ok(())
    }

    fn wire_of(&self, from: EndPoint) -> Option<Wire> {
        self.connections
            .iter()
            .find(|(_, c)| c.ends.contains(&from))
            .map(|(w, _)| *w)
    }

    fn enqueue(&mut self, from: EndPoint, message: Message) {
        for c in self.connections.values_mut() {
            if c.ends[0] == from {
                c.queues[1].push_back(message);
                return;
            }
            if c.ends[1] == from {
                c.queues[0].push_back(message);
                return;
            }
        }
        // A session that is gone: the message is lost with it.
    }

    /// Every ERO a PCE sends is a path of up links in its topology, from
    /// the head end the LSP belongs to.
    fn check_paths(
        &mut self,
        pce: usize,
        session: SessionId,
        message: &Message,
    ) -> Result<(), String> {
        let (eros, owner): (Vec<&[Subobject]>, Option<PccId>) = match message {
            Message::PcUpd(u) => (
                u.updates
                    .iter()
                    .map(|x| x.ero.subobjects.as_slice())
                    .collect(),
                u.updates
                    .first()
                    .and_then(|x| x.lsp.speaker_entity_id())
                    .map(|id| pce_engine::pce::owner_of(id)),
            ),
            Message::PcInitiate(i) => (
                i.requests
                    .iter()
                    .filter_map(|x| x.ero.as_ref().map(|e| e.subobjects.as_slice()))
                    .collect(),
                None,
            ),
            _ => return Ok(()),
        };
        let head = match owner {
            Some(o) => o.addr(),
            None => self.connections.values().find_map(|c| {
                if c.ends[0] == (EndPoint::Pce { pce, session }) {
                    match c.ends[1] {
                        EndPoint::Pcc { pcc, .. } => Some(self.pcc_addr[pcc]),
                        EndPoint::Pce { .. } => None,
                    }
                } else {
                    None
                }
            }),
        };
        let Some(head) = head else {
            return Ok(());
        };
        let Some(Some(p)) = self.pces.get(pce) else {
            return Ok(());
        };
        // An update relayed for the computing peer carries that peer's
        // path, computed on its topology when it computed it: checked
        // there, not here.
        if let (Message::PcUpd(u), None) = (message, owner) {
            let relayed = u.updates.iter().any(|x| {
                p.lspdb()
                    .get(&LspKey {
                        pcc: PccId::Addr(head),
                        plsp_id: x.lsp.plsp_id,
                    })
                    .is_some_and(|e| e.control.inter().sub_delegated_to.is_some())
            });
            if relayed {
                return Ok(());
            }
        }
        let topo = Arc::clone(p.topology());
        let Some(node) = topo.node_by_address(head) else {
            return Err(format!("PCE {pce} sent a path for unknown head end {head}"));
        };
        for e in eros.into_iter().filter(|e| !e.is_empty()) {
            // No SR path beyond its head end's MSD, whether the PCE has a
            // session with that PCC or learned its MSD from a peer.
            let segments = e.iter().filter(|o| matches!(o, Subobject::Sr(_))).count();
            let msd = self.pcc_addr.iter().position(|a| *a == head).map(pcc_msd);
            if let Some(msd) = msd.filter(|m| segments > usize::from(*m)) {
                return Err(format!(
                    "PCE {pce} sent an SR path of {segments} segments for head end {head}, whose MSD is {msd}: {e:?}"
                ));
            }
            let kind = match message {
                Message::PcUpd(u) => format!(
                    "PCUpd D={} SRP {}",
                    u.updates[0].lsp.delegate, u.updates[0].srp.srp_id
                ),
                _ => "PCInitiate".into(),
            };
            let to = self.connections.values().find_map(|c| {
                if c.ends[0] == (EndPoint::Pce { pce, session }) {
                    Some(c.ends[1])
                } else if c.ends[1] == (EndPoint::Pce { pce, session }) {
                    Some(c.ends[0])
                } else {
                    None
                }
            });
            let links = ero::links(&topo, node, e, &mut self.ws)
                .ok_or_else(|| format!("PCE {pce} sent ({kind} to {to:?}) a path that is not connected from {head}: {e:?}"))?;
            if let Some(l) = links.iter().find(|l| !topo.link_up(**l)) {
                return Err(format!(
                    "PCE {pce} sent a path over link {l:?}, which is down in its topology"
                ));
            }
        }
        Ok(())
    }

    /// Deliver one message from a random non-empty queue; false if none.
    fn deliver_one(&mut self) -> Result<bool, String> {
        self.collect()?;
        let ready: Vec<(Wire, usize)> = self
            .connections
            .iter()
            .flat_map(|(w, c)| {
                (0..2)
                    .filter(|&d| !c.queues[d].is_empty())
                    .map(move |d| (*w, d))
            })
            .collect();
        if ready.is_empty() {
            return Ok(false);
        }
        let (wire, dir) = ready[self.rng.random_range(0..ready.len())];
        let Some(c) = self.connections.get_mut(&wire) else {
            return Ok(false);
        };
        let to = c.ends[dir];
        let Some(message) = c.queues[dir].pop_front() else {
            return Ok(false);
        };
        self.now += Duration::from_micros(self.rng.random_range(100..3_000));
        self.summary.delivered += 1;
        // Every message crosses the wire: one the codec cannot encode would
        // never reach a real peer (a PCNtf of several PCCs' Open
        // information once did not), and the peer gets what it decodes.
        let cfg = WireConfig::default();
        let bytes = message
            .to_bytes(&cfg)
            .map_err(|e| format!("a message that cannot be encoded ({e}): {message:?}"))?;
        bytes.hash(&mut self.hasher);
        let message = Message::decode(bytes, &cfg)
            .map_err(|e| format!("a message that does not decode ({e}): {message:?}"))?;
        if self.verbose {
            let from = c_from(&self.connections, wire, dir);
            self.log(|| format!("deliver {from:?} -> {to:?}: {}", describe(&message)));
        }
        match to {
            EndPoint::Pce { pce, session } => {
                self.input(
                    pce,
                    Input::Message {
                        session,
                        message: Box::new(message),
                    },
                );
            }
            EndPoint::Pcc { pcc, slot } => {
                if let Message::PcUpd(u) = &message {
                    let from = self.pcc_pces[pcc][slot];
                    for up in &u.updates {
                        self.summary.updates += 1;
                        let key = (pcc, up.lsp.plsp_id);
                        let n = self.updates_since_event.entry(key).or_insert(0);
                        *n += 1;
                        if *n > UPDATE_BOUND {
                            return Err(format!(
                                "LSP {} of PCC {pcc} updated {n} times without an event in between (a loop)",
                                up.lsp.plsp_id
                            ));
                        }
                        if let Some(s) = self.senders.as_mut() {
                            s.entry(key).or_default().insert(from);
                        }
                    }
                }
                let now = self.now;
                self.pccs[pcc].handle_message(slot, &message, now);
            }
        }
        self.timers();
        self.collect()?;
        self.watch();
        Ok(true)
    }

    /// `SIM_WATCH=pce,pcc-address,plsp-id`: print that LSP's control at
    /// that PCE whenever it changes (for finding out why a seed fails).
    fn watch(&mut self) {
        let Ok(w) = std::env::var("SIM_WATCH") else {
            return;
        };
        let parts: Vec<&str> = w.split(',').collect();
        let [pce, pcc, plsp] = parts[..] else {
            return;
        };
        let key = LspKey {
            pcc: PccId::Addr(ip(pcc)),
            plsp_id: plsp.parse().unwrap_or(0),
        };
        let now = self
            .pces
            .get(pce.parse::<usize>().unwrap_or(0))
            .and_then(|p| p.as_ref())
            .and_then(|p| p.lspdb().get(&key))
            .map(|e| format!("{:?}", e.control))
            .unwrap_or_default();
        if now != self.watched {
            eprintln!("WATCH step {}: {now}", self.step);
            self.watched = now;
        }
    }

    /// One of `wires` that `kind` picks, at random: down if it is up, up if
    /// it is down.
    fn flip_wire(&mut self, wires: &[Wire], kind: impl Fn(&Wire) -> bool) {
        let some: Vec<Wire> = wires.iter().copied().filter(|w| kind(w)).collect();
        if some.is_empty() {
            return;
        }
        let w = some[self.rng.random_range(0..some.len())];
        if self.connections.contains_key(&w) {
            self.disconnect(w);
        } else {
            self.connect(w);
        }
    }

    /// One random event.
    fn event(&mut self) -> Result<(), String> {
        // What the cores emitted is checked against the topology they
        // computed it on, before anything changes.
        self.collect()?;
        self.summary.events += 1;
        self.updates_since_event.clear();
        let wires = self.all_wires();
        match self.rng.random_range(0..100u32) {
            // A PCC session drops or comes back.
            0..=29 => self.flip_wire(&wires, |w| matches!(w, Wire::Pcc { .. })),
            // A state-sync session drops or comes back.
            30..=49 => self.flip_wire(&wires, |w| matches!(w, Wire::Peer { .. })),
            50..=61 => {
                // A PCE crashes, or a crashed one restarts and reconnects.
                let pce = self.rng.random_range(0..self.pces.len());
                if self.alive(pce) {
                    self.crash(pce);
                } else {
                    self.restart(pce);
                    for w in wires {
                        self.connect(w);
                    }
                }
            }
            62..=79 => self.flip_link()?,
            _ => {
                // Time passes: timeouts (redelegation, State Timeout) fire.
                let d = Duration::from_millis(self.rng.random_range(100..40_000));
                self.now += d;
                self.timers();
                self.log(|| format!("time +{d:?}"));
            }
        }
        Ok(())
    }

    fn fail(&self, what: String) -> Failure {
        Failure {
            seed: self.seed,
            step: self.step,
            what,
        }
    }

    /// Run the seed: `steps` steps of chaos, then heal and check.
    pub fn run(mut self, steps: usize) -> Result<Summary, Failure> {
        for step in 0..steps {
            self.step = step;
            let r = if self.rng.random_bool(0.85) {
                self.deliver_one().map(|_| ())
            } else {
                self.event()
            };
            r.map_err(|w| self.fail(w))?;
        }
        self.step = usize::MAX;
        self.heal().map_err(|w| self.fail(w))?;
        self.summary.trace = self.hasher.finish();
        Ok(self.summary)
    }

    /// Deliver until nothing is in flight.
    fn settle(&mut self) -> Result<(), String> {
        for _ in 0..SETTLE_BUDGET {
            if !self.deliver_one()? {
                return Ok(());
            }
        }
        Err(format!(
            "the network did not go quiet within {SETTLE_BUDGET} messages (a loop)"
        ))
    }

    /// Every PCE up, every session up, the links as they are; time passes
    /// until every timeout has fired; then the final checks.
    fn heal(&mut self) -> Result<(), String> {
        self.updates_since_event.clear();
        for pce in 0..self.pces.len() {
            self.restart(pce);
        }
        for w in self.all_wires() {
            self.connect(w);
        }
        self.settle()?;
        // Long enough for every timeout, the longest update backoff (32
        // update timeouts) included.
        for _ in 0..40 {
            self.now += Duration::from_secs(31);
            self.timers();
            self.updates_since_event.clear();
            self.settle()?;
        }
        self.check_computing()?;
        self.check_databases()?;
        self.check_final_paths()?;
        // Disturb every delegated LSP once more: only the PCC's delegate
        // may answer, a bounded number of times.
        self.senders = Some(BTreeMap::new());
        self.updates_since_event.clear();
        for pcc in 0..self.pccs.len() {
            let ids: Vec<u32> = self.pccs[pcc].lsps().map(|l| l.plsp_id).collect();
            for id in ids {
                self.pccs[pcc].perturb(id, Vec::new());
            }
        }
        self.settle()?;
        self.check_senders()?;
        Ok(())
    }

    /// The PCE the priorities name among all (every PCE is reachable now).
    fn expected_computing(&self) -> usize {
        (0..self.pces.len())
            .max_by_key(|&i| {
                (
                    self.priority[i],
                    pce_engine::pce::address_rank(self.pce_addr[i]),
                )
            })
            .unwrap_or(0)
    }

    /// Each delegated LSP: exactly one computing PCE, the expected one; a
    /// group's members: one computing PCE.
    fn check_computing(&self) -> Result<(), String> {
        let expected = self.expected_computing();
        let mut group_computers = BTreeSet::new();
        for (j, pcc) in self.pccs.iter().enumerate() {
            if pcc.delegate().is_none() {
                return Err(format!("PCC {j} delegates to no PCE with every session up"));
            }
            for lsp in pcc.lsps().filter(|l| l.delegate) {
                let key = LspKey {
                    pcc: PccId::Addr(self.pcc_addr[j]),
                    plsp_id: lsp.plsp_id,
                };
                let computing: Vec<usize> = (0..self.pces.len())
                    .filter(|&i| {
                        self.pces[i]
                            .as_ref()
                            .and_then(|p| p.lspdb().get(&key))
                            .is_some_and(|e| e.control.delegated)
                    })
                    .collect();
                if computing != [expected] {
                    let states = self.states(key);
                    return Err(format!(
                        "LSP {} of PCC {j} (PCEs {:?}, delegating to slot {:?}) is computed by PCEs {computing:?}, expected [{expected}] (priorities {:?})\n    {}",
                        lsp.name,
                        self.pcc_pces[j],
                        pcc.delegate(),
                        self.priority,
                        states
                    ));
                }
                if lsp.disjoint_group.is_some() {
                    group_computers.extend(computing);
                }
            }
        }
        if group_computers.len() > 1 {
            return Err(format!(
                "a disjoint group is computed by PCEs {group_computers:?}"
            ));
        }
        Ok(())
    }

    /// Every delegated LSP whose computing PCE found a path is on a path
    /// of up links now.
    fn check_final_paths(&mut self) -> Result<(), String> {
        let topo = Arc::clone(&self.topology);
        for j in 0..self.pccs.len() {
            let Some(head) = topo.node_by_address(self.pcc_addr[j]) else {
                continue;
            };
            let lsps: Vec<(u32, String, Vec<Subobject>)> = self.pccs[j]
                .lsps()
                .filter(|l| l.delegate)
                .map(|l| (l.plsp_id, l.name.clone(), l.ero.clone()))
                .collect();
            for (plsp_id, name, ero) in lsps {
                let key = LspKey {
                    pcc: PccId::Addr(self.pcc_addr[j]),
                    plsp_id,
                };
                let no_path = self.pces.iter().flatten().any(|p| {
                    p.lspdb()
                        .get(&key)
                        .is_some_and(|e| e.control.delegated && e.control.no_path)
                });
                if no_path {
                    continue;
                }
                let ok = ero::links(&topo, head, &ero, &mut self.ws)
                    .is_some_and(|l| l.iter().all(|x| topo.link_up(*x)));
                if !ok {
                    return Err(format!(
                        "LSP {name} of PCC {j} is left on a path that is down: {:?}\n    {}",
                        hops(&ero),
                        self.states(key)
                    ));
                }
            }
        }
        Ok(())
    }

    /// What each PCE holds of an LSP, for a failure's message.
    fn states(&self, key: LspKey) -> String {
        self.pces
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let c = p.as_ref().and_then(|p| p.lspdb().get(&key)).map(|e| e.control.clone());
                format!(
                    "PCE {i}: {}",
                    c.map_or("-".into(), |c| format!(
                        "delegated {} pcc_delegated {} sub_delegated_to {:?} delegated_by {:?} pending {:?} no_path {} sources {:?}",
                        c.delegated,
                        c.inter().pcc_delegated,
                        c.inter().sub_delegated_to,
                        c.inter().delegated_by,
                        c.pending_srp,
                        c.no_path,
                        c.inter().sources
                    ))
                )
            })
            .collect::<Vec<_>>()
            .join("\n    ")
    }

    /// Every PCE knows exactly the LSPs the PCCs have.
    fn check_databases(&self) -> Result<(), String> {
        let mut truth = BTreeSet::new();
        for (j, pcc) in self.pccs.iter().enumerate() {
            for l in pcc.lsps() {
                truth.insert(LspKey {
                    pcc: PccId::Addr(self.pcc_addr[j]),
                    plsp_id: l.plsp_id,
                });
            }
        }
        for (i, p) in self.pces.iter().enumerate() {
            let Some(p) = p else { continue };
            let held: BTreeSet<LspKey> = p.lspdb().keys().into_iter().collect();
            if held != truth {
                let missing: Vec<_> = truth.difference(&held).collect();
                let extra: Vec<_> = held.difference(&truth).collect();
                return Err(format!(
                    "PCE {i}'s database differs from the PCCs': missing {missing:?}, extra {extra:?}"
                ));
            }
        }
        Ok(())
    }

    /// While every session is up, only the PCE holding a PCC's delegation
    /// sends it updates.
    fn check_senders(&self) -> Result<(), String> {
        let Some(senders) = &self.senders else {
            return Ok(());
        };
        for (&(pcc, plsp), from) in senders {
            let delegate = self.pccs[pcc]
                .delegate()
                .map(|slot| self.pcc_pces[pcc][slot]);
            let expected: BTreeSet<usize> = delegate.into_iter().collect();
            if *from != expected {
                return Err(format!(
                    "LSP {plsp} of PCC {pcc} was updated by PCEs {from:?}; its PCC delegates to {delegate:?}"
                ));
            }
        }
        Ok(())
    }
}

/// A path as the draft writes it, hop by hop.
fn hops(ero: &[Subobject]) -> Vec<String> {
    ero.iter().map(ToString::to_string).collect()
}

/// One line about a message, for --verbose.
fn describe(m: &Message) -> String {
    let owner = |l: &pcep::wire::object::Lsp| {
        l.speaker_entity_id()
            .map(|b| format!(" owner {}", String::from_utf8_lossy(b)))
            .unwrap_or_default()
    };
    match m {
        Message::PcRpt(r) => format!(
            "PCRpt [{}]",
            r.reports
                .iter()
                .map(|r| format!(
                    "plsp {}{} D={} S={} R={} srp {} ero {:?}",
                    r.lsp.plsp_id,
                    owner(&r.lsp),
                    u8::from(r.lsp.delegate),
                    u8::from(r.lsp.sync),
                    u8::from(r.lsp.remove),
                    r.srp.as_ref().map_or(0, |s| s.srp_id),
                    hops(&r.ero.subobjects)
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Message::PcUpd(u) => format!(
            "PCUpd [{}]",
            u.updates
                .iter()
                .map(|u| format!(
                    "plsp {}{} D={} srp {} ero {:?}",
                    u.lsp.plsp_id,
                    owner(&u.lsp),
                    u8::from(u.lsp.delegate),
                    u.srp.srp_id,
                    hops(&u.ero.subobjects)
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => format!("{:?}", other.message_type()),
    }
}

fn c_from(c: &BTreeMap<Wire, Connection>, wire: Wire, dir: usize) -> Option<EndPoint> {
    c.get(&wire).map(|c| c.ends[1 - dir])
}

/// Run one seed on Topology A.
pub fn run_seed(seed: u64, steps: usize, verbose: bool) -> Result<Summary, Failure> {
    let file = TopologyFile::parse(TOPOLOGY_A, "draft-topology-a.json").map_err(|e| Failure {
        seed,
        step: 0,
        what: e.to_string(),
    })?;
    let cluster = Cluster::new(seed, &file, verbose).map_err(|what| Failure {
        seed,
        step: 0,
        what,
    })?;
    cluster.run(steps)
}

/// The draft's Topology A (the examples' copy).
const TOPOLOGY_A: &str = include_str!("../../examples/topologies/draft-topology-a.json");
