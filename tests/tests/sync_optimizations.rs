//! RFC 8232 between the PCE core and a simulated PCC that follows the RFC
//! (`pce_tools::sim`, written from the RFC, not from the PCE's code), in
//! memory with explicit time: the Opens are the ones the daemon sends
//! (`runtime::server::pce_open`), and every message crosses the wire
//! codec. Sync avoidance, incremental synchronization, the PCE-triggered
//! initial synchronization and resynchronization of all LSPs or one.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pce_engine::lspdb::{LspDb, LspKey, PccId};
use pce_engine::pce::{Command, CommandError, Input, Output, Pce, SessionId};
use pce_engine::runtime::config::Config;
use pce_engine::runtime::server::{pce_config, pce_open};
use pce_engine::solver::Prepared;
use pce_engine::topology::TopologyFile;
use pce_tools::sim::{SimLsp, SimOutput, SimPcc, SyncOptimizations};
use pcep::session::Negotiated;
use pcep::wire::{Message, PcErrCode, StateSyncCodepoints, WireConfig};

const PCC: &str = "192.0.2.1";
const TOPOLOGY_A: &str = include_str!("../../examples/topologies/draft-topology-a.json");

/// The origin of a test's explicit time (the only clock read).
#[allow(clippy::disallowed_methods)]
fn origin() -> Instant {
    Instant::now()
}

/// What crossed the link, PCC to PCE.
#[derive(Debug, Default)]
struct Seen {
    /// Reports with S=1 (the end-of-sync marker not counted).
    sync_reports: usize,
    /// Reports with S=0.
    other_reports: usize,
    /// End-of-synchronization markers.
    end_of_sync: usize,
    /// PCErr codes the PCC sent.
    errors: Vec<PcErrCode>,
}

/// One PCE core and one simulated PCC on a wire.
struct Link {
    config: Config,
    pce: Pce,
    pcc: SimPcc,
    session: Option<SessionId>,
    next: u64,
    now: Instant,
    /// Triggers (PCUpd with S=1) the PCE sent.
    triggers: Vec<(u32, u32)>,
    seen: Seen,
}

/// Through the codec, as on a real wire.
fn wire(m: &Message) -> Message {
    let cfg = WireConfig::default();
    let bytes = m.to_bytes(&cfg).expect("encodes");
    Message::decode(bytes, &cfg).expect("decodes")
}

impl Link {
    fn new(optimizations: SyncOptimizations, lsps: usize) -> Self {
        let config = Config::parse("", "test").expect("default configuration");
        let now = origin();
        let file = TopologyFile::parse(TOPOLOGY_A, "draft-topology-a.json").unwrap();
        let topology = Arc::new(Prepared::from(file.build().unwrap()));
        let pce = Pce::new(pce_config(&config), topology, LspDb::default());
        let mut pcc =
            SimPcc::new(1, Duration::from_secs(30), now).with_optimizations(optimizations);
        for k in 0..lsps {
            pcc.add_lsp(lsp(&format!("lsp{k}")));
        }
        let _ = pcc.drain();
        Self {
            config,
            pce,
            pcc,
            session: None,
            next: 1,
            now,
            triggers: Vec::new(),
            seen: Seen::default(),
        }
    }

    fn addr() -> IpAddr {
        PCC.parse().unwrap()
    }

    fn up(&mut self) {
        let session = SessionId(self.next);
        self.next += 1;
        let local = pce_open(
            &self.config,
            Self::addr(),
            self.pce.lspdb().db_version(PccId::Addr(Self::addr())),
        );
        let remote = self.pcc.open(30, 10);
        let cp = StateSyncCodepoints::default();
        let negotiated = Negotiated::new(&local, &remote, &cp);
        self.session = Some(session);
        self.seen = Seen::default();
        self.pce.handle(
            Input::SessionUp {
                session,
                peer: Self::addr(),
                negotiated: Box::new(negotiated),
            },
            self.now,
        );
        self.pcc.session_up_with(0, &wire_open(&local));
        self.pump();
    }

    fn down(&mut self) {
        if let Some(session) = self.session.take() {
            self.pce.handle(Input::SessionDown { session }, self.now);
        }
        self.pcc.session_down(0, self.now);
        let _ = self.pcc.drain();
    }

    /// Deliver everything both sides have to say, until quiet.
    fn pump(&mut self) {
        loop {
            let mut moved = false;
            while let Some(out) = self.pce.poll_output() {
                if let Output::Send { session, message } = out {
                    if Some(session) != self.session {
                        continue;
                    }
                    moved = true;
                    if let Message::PcUpd(u) = &message {
                        for x in u.updates.iter().filter(|x| x.lsp.sync) {
                            self.triggers.push((x.srp.srp_id, x.lsp.plsp_id));
                        }
                    }
                    self.pcc.handle_message(0, &wire(&message), self.now);
                }
            }
            for SimOutput::Send { message, .. } in self.pcc.drain() {
                let Some(session) = self.session else {
                    continue;
                };
                moved = true;
                match &message {
                    Message::PcRpt(r) => {
                        for x in &r.reports {
                            if x.lsp.is_end_of_sync() {
                                self.seen.end_of_sync += 1;
                            } else if x.lsp.sync {
                                self.seen.sync_reports += 1;
                            } else {
                                self.seen.other_reports += 1;
                            }
                        }
                    }
                    Message::PcErr(e) => {
                        for u in &e.errors {
                            self.seen.errors.extend(u.errors.iter().map(|x| x.code()));
                        }
                    }
                    _ => {}
                }
                self.pce.handle(
                    Input::Message {
                        session,
                        message: Box::new(wire(&message)),
                    },
                    self.now,
                );
            }
            if !moved {
                return;
            }
        }
    }

    /// Time passes; both sides' timers run.
    fn tick(&mut self, d: Duration) {
        self.now += d;
        self.pce.handle(Input::Timer, self.now);
        self.pcc.handle_timeout(self.now);
        self.pump();
    }

    fn command(&mut self, c: Command) -> Result<u32, CommandError> {
        let r = self
            .pce
            .handle(Input::Command(c), self.now)
            .expect("answer");
        self.pump();
        r
    }

    /// The PCE's LSPs, by name.
    fn pce_names(&self) -> BTreeSet<String> {
        let db = self.pce.lspdb();
        db.keys()
            .into_iter()
            .filter_map(|k: LspKey| db.with(&k, |e| String::from_utf8_lossy(&e.name).into_owned()))
            .collect()
    }

    fn pcc_names(&self) -> BTreeSet<String> {
        self.pcc.lsps().map(|l| l.name.clone()).collect()
    }

    fn synchronized(&self) -> bool {
        self.session
            .and_then(|s| self.pce.synchronized(s))
            .unwrap_or(false)
    }

    /// The PCE and the PCC hold the same LSPs, and the PCE computed and
    /// the PCC acknowledged every delegated one.
    fn assert_agree(&self) {
        assert_eq!(self.pce_names(), self.pcc_names());
    }
}

fn wire_open(open: &pcep::wire::object::Open) -> pcep::wire::object::Open {
    match wire(&Message::Open(open.clone())) {
        Message::Open(o) => o,
        other => panic!("{other:?}"),
    }
}

fn lsp(name: &str) -> SimLsp {
    SimLsp::delegated(name, Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 4))
}

#[test]
fn the_pce_triggers_the_initial_synchronization_when_both_set_f() {
    let mut l = Link::new(SyncOptimizations::ALL, 3);
    l.up();
    // One trigger, PLSP-ID 0, then the PCC's full synchronization.
    assert_eq!(l.triggers.len(), 1);
    assert_eq!(l.triggers[0].1, 0);
    assert_eq!((l.seen.sync_reports, l.seen.end_of_sync), (3, 1));
    assert!(l.synchronized());
    l.assert_agree();
    // Without F on the PCC's side, no trigger: it synchronizes at once.
    let mut l = Link::new(
        SyncOptimizations {
            triggered_initial: false,
            ..SyncOptimizations::ALL
        },
        3,
    );
    l.up();
    assert!(l.triggers.is_empty());
    assert_eq!((l.seen.sync_reports, l.seen.end_of_sync), (3, 1));
    l.assert_agree();
}

#[test]
fn the_same_database_version_skips_the_synchronization_and_keeps_the_delegations() {
    let mut l = Link::new(SyncOptimizations::ALL, 20);
    l.up();
    l.assert_agree();
    let version = l.pcc.db_version();
    assert_eq!(
        l.pce.lspdb().db_version(PccId::Addr(Link::addr())),
        Some(version)
    );
    l.down();
    l.tick(Duration::from_secs(40));
    l.up();
    // No synchronization (no trigger, no S=1 report, no marker); the
    // delegations come back in ordinary reports.
    assert!(l.synchronized());
    assert_eq!(l.triggers.len(), 1, "the first session's trigger only");
    assert_eq!((l.seen.sync_reports, l.seen.end_of_sync), (0, 0));
    assert_eq!(l.seen.other_reports, 20, "one report per delegated LSP");
    l.assert_agree();
    let db = l.pce.lspdb();
    assert!(db
        .keys()
        .into_iter()
        .all(|k| db.with(&k, |e| e.control.delegated) == Some(true)));
}

#[test]
fn changes_while_disconnected_are_synchronized_incrementally() {
    let mut l = Link::new(SyncOptimizations::ALL, 20);
    l.up();
    l.down();
    // While the PCE is away: one LSP removed, one added, one changed.
    assert!(l.pcc.remove_lsp("lsp3"));
    l.pcc.add_lsp(lsp("new"));
    assert!(l.pcc.set_bandwidth("lsp7", 1000.0));
    let _ = l.pcc.drain();
    l.up();
    // Only the delta, then the marker: 2 changed LSPs and 1 removal.
    assert_eq!((l.seen.sync_reports, l.seen.end_of_sync), (3, 1));
    assert!(l.synchronized());
    l.assert_agree();
    assert_eq!(
        l.pce.lspdb().db_version(PccId::Addr(Link::addr())),
        Some(l.pcc.db_version())
    );
    let key = l
        .pce
        .lspdb()
        .by_name(PccId::Addr(Link::addr()), b"lsp7")
        .unwrap();
    let bw = l
        .pce
        .lspdb()
        .with(&key, |e| e.report().intended.bandwidth.map(|b| b.bandwidth));
    assert_eq!(bw, Some(Some(1000.0)));
}

#[test]
fn without_delta_the_pcc_synchronizes_everything_and_the_pce_drops_what_is_gone() {
    let mut l = Link::new(
        SyncOptimizations {
            delta: false,
            ..SyncOptimizations::ALL
        },
        10,
    );
    l.up();
    l.down();
    assert!(l.pcc.remove_lsp("lsp3"));
    let _ = l.pcc.drain();
    l.up();
    assert_eq!((l.seen.sync_reports, l.seen.end_of_sync), (9, 1));
    l.assert_agree();
}

#[test]
fn a_triggered_resynchronization_of_all_lsps_repairs_a_database_that_diverged() {
    let mut l = Link::new(SyncOptimizations::ALL, 10);
    l.up();
    // The removal's report is lost: the PCE still holds lsp2.
    assert!(l.pcc.remove_lsp("lsp2"));
    let _ = l.pcc.drain();
    assert!(l.pce_names().contains("lsp2"));
    l.seen = Seen::default();
    let srp = l.command(Command::Resync {
        pcc: Link::addr(),
        name: None,
    });
    let srp = srp.expect("T negotiated");
    assert_eq!(l.triggers.last(), Some(&(srp, 0)));
    assert_eq!((l.seen.sync_reports, l.seen.end_of_sync), (9, 1));
    assert!(l.synchronized());
    l.assert_agree();
}

#[test]
fn a_triggered_resynchronization_of_one_lsp_touches_nothing_else() {
    let mut l = Link::new(SyncOptimizations::ALL, 10);
    l.up();
    // A lost removal stays lost: only lsp5 is asked for.
    assert!(l.pcc.remove_lsp("lsp2"));
    let _ = l.pcc.drain();
    let before = l.seen.sync_reports;
    let srp = l
        .command(Command::Resync {
            pcc: Link::addr(),
            name: Some("lsp5".into()),
        })
        .unwrap();
    let plsp = l
        .pce
        .lspdb()
        .by_name(PccId::Addr(Link::addr()), b"lsp5")
        .unwrap()
        .plsp_id;
    assert_eq!(l.triggers.last(), Some(&(srp, plsp)));
    assert_eq!(l.seen.sync_reports - before, 1);
    assert!(l.synchronized());
    assert!(l.pce_names().contains("lsp2"));
    // The LSP stayed delegated: the trigger carried D=1.
    let key = l
        .pce
        .lspdb()
        .by_name(PccId::Addr(Link::addr()), b"lsp5")
        .unwrap();
    assert_eq!(
        l.pce.lspdb().with(&key, |e| e.control.delegated),
        Some(true)
    );
    assert!(l.seen.errors.is_empty(), "{:?}", l.seen.errors);
    // An unknown name is the operator's error, not the PCC's.
    assert!(matches!(
        l.command(Command::Resync {
            pcc: Link::addr(),
            name: Some("nope".into()),
        }),
        Err(CommandError::UnknownLsp { .. })
    ));
}

#[test]
fn a_pcc_without_t_is_not_asked_to_resynchronize() {
    let mut l = Link::new(SyncOptimizations::default(), 3);
    l.up();
    assert!(l.triggers.is_empty());
    l.assert_agree();
    assert_eq!(
        l.command(Command::Resync {
            pcc: Link::addr(),
            name: None,
        }),
        Err(CommandError::NoTriggeredResync(Link::addr()))
    );
    assert!(l.triggers.is_empty());
}

#[test]
fn the_simulated_pcc_refuses_a_trigger_without_the_capability() {
    // The PCC side of RFC 8232 §3.5: 20/4.
    let now = origin();
    let mut pcc = SimPcc::new(1, Duration::ZERO, now);
    pcc.add_lsp(lsp("a"));
    let _ = pcc.drain();
    pcc.session_up(0);
    let _ = pcc.drain();
    let trigger = Message::PcUpd(pcep::wire::PcUpd {
        updates: vec![pcep::wire::UpdateRequest {
            srp: pcep::wire::object::Srp {
                srp_id: 7,
                ..Default::default()
            },
            lsp: pcep::wire::object::Lsp {
                sync: true,
                ..Default::default()
            },
            ..Default::default()
        }],
    });
    pcc.handle_message(0, &wire(&trigger), now);
    let out = pcc.drain();
    let codes: Vec<PcErrCode> = out
        .iter()
        .filter_map(|SimOutput::Send { message, .. }| match message {
            Message::PcErr(e) => Some(e.errors[0].errors[0].code()),
            _ => None,
        })
        .collect();
    assert_eq!(codes, vec![PcErrCode::TRIGGER_WITHOUT_CAPABILITY]);
}
