//! An in-memory network of PCE cores and simulated PCCs, with explicit
//! time: every message a core or a PCC emits is delivered in FIFO order to
//! its peer, one at a time, until nothing is in flight (or a step budget is
//! spent, which is how a computation loop shows).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pce_engine::lspdb::LspDb;
use pce_engine::pce::{Output, Pce, PceConfig, SessionId};
use pce_engine::solver::Prepared;
use pce_engine::topology::TopologyFile;
use pce_tools::sim::{SimOutput, SimPcc};
use pcep::session::Negotiated;
use pcep::wire::object::Open;
use pcep::wire::tlv::{StatefulCapability, Tlv};
use pcep::wire::{Message, StateSyncCodepoints, WireConfig};

/// Where a PCE session leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// PCC `pcc`, which numbers this PCE `slot` among its PCEs.
    Pcc { pcc: usize, slot: usize },
    /// PCE `pce`, on its session `session`.
    Pce { pce: usize, session: SessionId },
}

/// A message in flight.
#[derive(Clone, Debug)]
enum Hop {
    ToPce {
        pce: usize,
        session: SessionId,
        message: Message,
    },
    ToPcc {
        pcc: usize,
        slot: usize,
        message: Message,
    },
}

/// The network.
pub(crate) struct Net {
    pub(crate) pces: Vec<Pce>,
    pub(crate) pccs: Vec<SimPcc>,
    /// PCC's PCE slots: PCE indices in its preference order.
    pub(crate) pcc_pces: Vec<Vec<usize>>,
    /// PCC addresses.
    pub(crate) pcc_addr: Vec<IpAddr>,
    /// PCE addresses.
    pub(crate) pce_addr: Vec<IpAddr>,
    ends: HashMap<(usize, SessionId), End>,
    pcc_sessions: HashMap<(usize, usize), (usize, SessionId)>,
    next_session: u64,
    queue: VecDeque<Hop>,
    pub(crate) now: Instant,
    /// Every PCUpd a PCC received: (pcc, PLSP-ID, from PCE index).
    pub(crate) updates: Vec<(usize, u32, usize)>,
    /// Every PCRep a PCC received: (pcc, reply).
    pub(crate) replies: Vec<(usize, pcep::wire::PcRep)>,
}

#[allow(clippy::disallowed_methods)]
fn origin() -> Instant {
    Instant::now()
}

/// The OPEN a PCE sends; `inter_pce` sets the state-sync capability.
pub(crate) fn pce_open(inter_pce: bool) -> Open {
    let cp = StateSyncCodepoints::default();
    let mut flags = StatefulCapability::UPDATE | StatefulCapability::INSTANTIATION;
    if inter_pce {
        flags |= cp.inter_pce_capability_mask;
    }
    Open {
        tlvs: vec![Tlv::StatefulPceCapability(StatefulCapability(flags))],
        ..Open::default()
    }
}

impl Net {
    /// PCE cores over a topology file of examples/topologies/.
    pub(crate) fn new(topology: &str, configs: Vec<(IpAddr, PceConfig)>) -> Self {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/topologies")
            .join(topology);
        let topo = Arc::new(Prepared::from(TopologyFile::load(&path).unwrap()));
        let (pce_addr, pces) = configs
            .into_iter()
            .map(|(addr, c)| (addr, Pce::new(c, Arc::clone(&topo), LspDb::new())))
            .unzip();
        Self {
            pces,
            pccs: Vec::new(),
            pcc_pces: Vec::new(),
            pcc_addr: Vec::new(),
            pce_addr,
            ends: HashMap::new(),
            pcc_sessions: HashMap::new(),
            next_session: 1,
            queue: VecDeque::new(),
            now: origin(),
            updates: Vec::new(),
            replies: Vec::new(),
        }
    }

    /// A PCC at `addr` with sessions to `pces` (preference order), not yet up.
    pub(crate) fn add_pcc(&mut self, addr: &str, pces: &[usize]) -> usize {
        self.pccs
            .push(SimPcc::new(pces.len(), Duration::ZERO, self.now));
        self.pcc_pces.push(pces.to_vec());
        self.pcc_addr.push(addr.parse().unwrap());
        self.pccs.len() - 1
    }

    fn session(&mut self) -> SessionId {
        self.next_session += 1;
        SessionId(self.next_session)
    }

    /// Bring up the session of PCC `pcc` to its PCE in `slot`.
    pub(crate) fn pcc_up(&mut self, pcc: usize, slot: usize) {
        let pce = self.pcc_pces[pcc][slot];
        let s = self.session();
        self.ends.insert((pce, s), End::Pcc { pcc, slot });
        self.pcc_sessions.insert((pcc, slot), (pce, s));
        let n = Negotiated::new(
            &pce_open(false),
            &pce_tools::sim::pcc_open(30, 10),
            &StateSyncCodepoints::default(),
        );
        self.pces[pce].session_up(s, self.pcc_addr[pcc], n);
        self.pccs[pcc].session_up(slot);
    }

    /// Take down the session of PCC `pcc` to its PCE in `slot`.
    pub(crate) fn pcc_down(&mut self, pcc: usize, slot: usize) {
        if let Some((pce, s)) = self.pcc_sessions.remove(&(pcc, slot)) {
            self.ends.remove(&(pce, s));
            self.pces[pce].session_down(s, self.now);
            self.pccs[pcc].session_down(slot, self.now);
        }
    }

    /// Bring up a PCE-PCE session; `inter_pce`: both set the capability.
    pub(crate) fn pce_up(&mut self, a: usize, b: usize, inter_pce: bool) -> (SessionId, SessionId) {
        let (sa, sb) = (self.session(), self.session());
        self.ends.insert(
            (a, sa),
            End::Pce {
                pce: b,
                session: sb,
            },
        );
        self.ends.insert(
            (b, sb),
            End::Pce {
                pce: a,
                session: sa,
            },
        );
        let cp = StateSyncCodepoints::default();
        let n = Negotiated::new(&pce_open(inter_pce), &pce_open(inter_pce), &cp);
        self.pces[a].session_up(sa, self.pce_addr[b], n.clone());
        self.pces[b].session_up(sb, self.pce_addr[a], n);
        (sa, sb)
    }

    /// Take down a PCE-PCE session (both ends see it).
    pub(crate) fn pce_down(&mut self, a: usize, sa: SessionId) {
        if let Some(End::Pce {
            pce: b,
            session: sb,
        }) = self.ends.remove(&(a, sa))
        {
            self.ends.remove(&(b, sb));
            self.pces[a].session_down(sa, self.now);
            self.pces[b].session_down(sb, self.now);
        }
    }

    fn collect(&mut self) {
        let wire = WireConfig::default();
        for (i, pce) in self.pces.iter_mut().enumerate() {
            while let Some(out) = pce.poll_output() {
                if let Output::Send { session, message } = out {
                    // Everything a core emits encodes and decodes as itself.
                    let bytes = message.to_bytes(&wire).unwrap();
                    assert_eq!(Message::decode(bytes, &wire).unwrap(), message);
                    match self.ends.get(&(i, session)) {
                        Some(End::Pcc { pcc, slot }) => self.queue.push_back(Hop::ToPcc {
                            pcc: *pcc,
                            slot: *slot,
                            message,
                        }),
                        Some(End::Pce { pce, session }) => self.queue.push_back(Hop::ToPce {
                            pce: *pce,
                            session: *session,
                            message,
                        }),
                        None => {}
                    }
                }
            }
        }
        for (i, pcc) in self.pccs.iter_mut().enumerate() {
            for SimOutput::Send { pce: slot, message } in pcc.drain() {
                if let Some((pce, session)) = self.pcc_sessions.get(&(i, slot)) {
                    self.queue.push_back(Hop::ToPce {
                        pce: *pce,
                        session: *session,
                        message,
                    });
                }
            }
        }
    }

    /// Deliver until nothing is in flight or `budget` messages were
    /// delivered; returns whether it went quiet.
    pub(crate) fn run(&mut self, budget: usize) -> bool {
        for _ in 0..budget {
            self.collect();
            let Some(hop) = self.queue.pop_front() else {
                return true;
            };
            self.now += Duration::from_millis(1);
            match hop {
                Hop::ToPce {
                    pce,
                    session,
                    message,
                } => {
                    self.pces[pce].handle_message(session, message);
                }
                Hop::ToPcc { pcc, slot, message } => {
                    if let Message::PcRep(r) = &message {
                        self.replies.push((pcc, r.clone()));
                    }
                    if let Message::PcUpd(u) = &message {
                        for up in &u.updates {
                            self.updates
                                .push((pcc, up.lsp.plsp_id, self.pcc_pces[pcc][slot]));
                        }
                    }
                    self.pccs[pcc].handle_message(slot, &message, self.now);
                }
            }
        }
        self.collect();
        self.queue.is_empty()
    }

    /// The path (hop texts) PCC `pcc` has for its LSP `plsp_id`.
    pub(crate) fn path(&self, pcc: usize, plsp_id: u32) -> Vec<String> {
        self.pccs[pcc]
            .lsps()
            .find(|l| l.plsp_id == plsp_id)
            .map(|l| l.ero.iter().map(ToString::to_string).collect())
            .unwrap_or_default()
    }

    /// PCC `pcc` sends `message` on its session in `slot`.
    pub(crate) fn pcc_sends(&mut self, pcc: usize, slot: usize, message: Message) {
        if let Some((pce, session)) = self.pcc_sessions.get(&(pcc, slot)).copied() {
            self.pces[pce].handle_message(session, message);
        }
    }

    /// Let `d` pass: the cores' timers that are due fire.
    pub(crate) fn advance(&mut self, d: Duration) {
        self.now += d;
        for pce in &mut self.pces {
            pce.handle_timeout(self.now);
        }
    }

    /// PCUpd messages received for (pcc, PLSP-ID).
    pub(crate) fn updates_of(&self, pcc: usize, plsp_id: u32) -> usize {
        self.updates
            .iter()
            .filter(|(p, l, _)| *p == pcc && *l == plsp_id)
            .count()
    }
}
