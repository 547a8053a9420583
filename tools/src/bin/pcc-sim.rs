//! `pcc-sim`: simulated PCCs against one or more PCEs, on the same session
//! core (`pcep::session`) as the PCE.
//!
//! ```text
//! pcc-sim --pce 127.0.0.1:4189 --pccs 4 --lsps 10 --delegate --seconds 5 --record out.json
//! pcc-sim --pce 127.0.0.1:4189 --pccs 2000 --lsps 50 --measure-sync
//! pcc-sim --pce 127.0.0.1:4189 --pccs 100 --lsps 100 --delegate --load 10000 --seconds 10
//! pcc-sim --pce ... --scenario events.json --record out.json
//! ```
//! Each PCC connects from its own address (`--source-base`, then the next
//! addresses: 127.1.0.1, 127.1.0.2, ...), synchronizes its LSPs, delegates
//! them to the first connected PCE in `--pce` order, acknowledges every
//! update, accepts PCE-initiated LSPs, and fails over as a real PCC does
//! (Redelegation Timeout, then the next PCE; reconnection every second).
//!
//! Modes:
//! * default: run `--seconds` (or until the scenario's last event plus
//!   `--seconds`), then write the record (every update received, the final
//!   state of every LSP) to `--record` and print a summary; with
//!   `--expect-updates N [--expect-lsps M]`, run until that many updates
//!   arrived (and LSPs exist) instead, exiting 1 at `--timeout` (for tests:
//!   they wait on a condition, not a duration);
//! * `--measure-sync`: after its end-of-sync marker each PCC sends a PCReq;
//!   the PCE answers it after applying everything sent before it on that
//!   session, so the last PCRep marks the whole synchronization as
//!   processed. Prints sync time and reports per second;
//! * `--load RATE`: after the sync, perturb delegated LSPs at RATE per
//!   second (open loop: on schedule, whatever the answers) by reporting
//!   them on another path; the PCE answers each with a PCUpd. Prints the
//!   report-to-update latency percentiles (hdrhistogram).

#![allow(clippy::disallowed_methods)] // the shell reads the clock

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use hdrhistogram::Histogram;
use pce_tools::sim::{DisjointGroup, SimLsp, SimOutput, SimPcc, SyncOptimizations, UpdateRecord};
use pcep::session::{Event, OpenPolicy, Role, Session, SessionConfig, State};
use pcep::wire::object::{EndPoints, HeaderFlags, Rp, Subobject};
use pcep::wire::{Message, PcReq, Request, WireConfig};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;
use tokio::sync::mpsc;

#[derive(Parser, Debug, Clone)]
#[command(version, about = "Simulated PCCs for a stateful PCE (RFC 8231/8281)")]
struct Args {
    /// PCE address:port, in delegation preference order (repeatable).
    #[arg(long, required = true)]
    pce: Vec<SocketAddr>,
    /// Number of PCCs.
    #[arg(long, default_value_t = 1)]
    pccs: usize,
    /// LSPs per PCC.
    #[arg(long, default_value_t = 1)]
    lsps: usize,
    /// First PCC source address; the others follow.
    #[arg(long, default_value = "127.1.0.1")]
    source_base: Ipv4Addr,
    /// LSP end points, HEAD:TAIL router addresses, used round-robin.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "10.0.0.1:10.0.0.2,10.0.0.3:10.0.0.4"
    )]
    endpoints: Vec<String>,
    /// LSP end points from a file, one HEAD:TAIL per line (instead of
    /// `--endpoints`: tens of thousands of pairs).
    #[arg(long)]
    endpoints_file: Option<PathBuf>,
    /// SR-TE LSPs (else RSVP-TE).
    #[arg(long)]
    sr: bool,
    /// MSD advertised in the PCC's OPEN (SR).
    #[arg(long, default_value_t = 10)]
    msd: u8,
    /// One-way latency of everything the PCCs send, milliseconds (a WAN
    /// between PCCs and PCEs; the draft's motivation uses 150 ms).
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Bandwidth of each LSP, bits per second (as the PCE's API and
    /// `pce compute` take it; the BANDWIDTH object carries bytes).
    #[arg(long, default_value_t = 0.0)]
    bandwidth_bps: f64,
    /// Delegate the LSPs.
    #[arg(long)]
    delegate: bool,
    /// Put each PCC's LSPs two by two into disjoint association groups
    /// (RFC 8800, link disjointness; IDs 1, 2, ... per PCC).
    #[arg(long)]
    disjoint_pairs: bool,
    /// Put every LSP into this disjoint association group (with
    /// `--group-source`): groups spanning several PCCs (or several pcc-sim
    /// runs), as the draft's scenarios have.
    #[arg(long, conflicts_with = "disjoint_pairs")]
    group: Option<u16>,
    /// The association source of `--group`.
    #[arg(long, default_value = "0.0.0.0")]
    group_source: IpAddr,
    /// Strict disjointness (T flag) for the groups.
    #[arg(long)]
    strict: bool,
    /// Redelegation Timeout, seconds.
    #[arg(long, default_value_t = 0.0)]
    redelegation_timeout: f64,
    /// Keepalive, seconds.
    #[arg(long, default_value_t = 30)]
    keepalive: u8,
    /// Seconds to run after the sync (or after the scenario's last event).
    #[arg(long, default_value_t = 2.0)]
    seconds: f64,
    /// Scenario file (JSON): timed events.
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Write the record (updates received, final LSP state) here.
    #[arg(long)]
    record: Option<PathBuf>,
    /// Measure the state synchronization and exit.
    #[arg(long)]
    measure_sync: bool,
    /// With `--measure-sync`: then close every session, reconnect at once
    /// and measure the second synchronization (what RFC 8232 saves).
    #[arg(long, requires = "measure_sync")]
    reconnect: bool,
    /// Sign every session with this TCP-MD5 key (RFC 2385), as a router
    /// configured with one does.
    #[arg(long)]
    md5_key: Option<String>,
    /// PCEPS (RFC 8253): send StartTLS first and verify the PCE's
    /// certificate against this CA file (PEM).
    #[arg(long)]
    tls_ca: Option<PathBuf>,
    /// With `--tls-ca`: the client certificate chain to present (PEM).
    #[arg(long, requires_all = ["tls_ca", "tls_key"])]
    tls_cert: Option<PathBuf>,
    /// With `--tls-cert`: its private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// With `--tls-ca`: the name the PCE's certificate must carry (default:
    /// its address).
    #[arg(long, requires = "tls_ca")]
    tls_name: Option<String>,
    /// Follow RFC 8232 as a PCC: LSP-DB-VERSION (sync avoidance), delta
    /// synchronization, PCE-triggered initial synchronization and
    /// resynchronization (S, D, F, T).
    #[arg(long)]
    sync_optimizations: bool,
    /// Open-loop load: LSP perturbations per second after the sync.
    #[arg(long)]
    load: Option<f64>,
    /// Instead of running `--seconds`: run until this many updates were
    /// received in all (and `--expect-lsps` holds), or fail at `--timeout`.
    #[arg(long)]
    expect_updates: Option<u64>,
    /// With `--expect-updates`: also wait until the PCCs hold this many
    /// LSPs in all (PCE-initiated ones included).
    #[arg(long)]
    expect_lsps: Option<usize>,
    /// Give up when the sessions are not up and synchronized by then, seconds.
    #[arg(long, default_value_t = 60.0)]
    timeout: f64,
}

/// A scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    events: Vec<ScenarioEvent>,
}

// No deny_unknown_fields here (serde does not allow it with flatten); the
// action enum refuses unknown fields instead.
#[derive(Debug, Clone, Deserialize)]
struct ScenarioEvent {
    /// Milliseconds after all sessions came up.
    at_ms: u64,
    /// PCC index (default 0).
    #[serde(default)]
    pcc: usize,
    #[serde(flatten)]
    action: Action,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
enum Action {
    SessionDown {
        pce: usize,
    },
    SessionUp {
        pce: usize,
    },
    AddLsp {
        name: String,
        source: Ipv4Addr,
        destination: Ipv4Addr,
        #[serde(default)]
        sr: bool,
        /// Bits per second.
        #[serde(default)]
        bandwidth_bps: f64,
        #[serde(default = "yes")]
        delegate: bool,
        /// Disjoint association group ID.
        #[serde(default)]
        disjoint_group: Option<u16>,
        /// Its association source (default: the PCC's address).
        #[serde(default)]
        group_source: Option<IpAddr>,
        /// Strict disjointness (T).
        #[serde(default)]
        strict: bool,
    },
    RemoveLsp {
        name: String,
    },
    Bandwidth {
        name: String,
        /// Bits per second.
        bandwidth_bps: f64,
    },
}

/// The BANDWIDTH object's unit (bytes per second, RFC 5440 §7.7) from
/// bits per second.
#[allow(clippy::cast_possible_truncation)]
fn bytes_per_second(bps: f64) -> f32 {
    (bps / 8.0) as f32
}

const fn yes() -> bool {
    true
}

/// Commands from the driver to a PCC task.
#[derive(Debug)]
enum Control {
    Scenario(Action),
    Perturb(u32),
    /// Close every session and connect again at once.
    Reconnect,
    Finish(tokio::sync::oneshot::Sender<PccRecord>),
}

#[derive(Debug, Serialize)]
struct PccRecord {
    address: IpAddr,
    delegated_to: Option<usize>,
    updates: Vec<UpdateRecord>,
    lsps: Vec<LspRecord>,
}

#[derive(Debug, Serialize)]
struct LspRecord {
    #[serde(flatten)]
    lsp: SimLsp,
    path: Vec<String>,
}

/// What all PCC tasks report to the driver.
#[derive(Debug, Default)]
struct Progress {
    /// Sessions whose PCRep after the sync arrived (`--measure-sync`).
    synced: AtomicUsize,
    /// Sessions up.
    up: AtomicUsize,
    reports: AtomicU64,
    /// Report-to-update latency, microseconds.
    latency: Mutex<Option<Histogram<u64>>>,
    updates: AtomicU64,
    /// LSPs the PCCs hold, in all.
    lsps: AtomicUsize,
}

/// Wait until nothing has been reported or updated for [`QUIET`] (the
/// sessions' sync and the PCE's answers to it are over), at most until
/// `deadline`.
async fn settle(progress: &Progress, deadline: Instant) -> Result<(), String> {
    const QUIET: Duration = Duration::from_millis(250);
    let from = Instant::now();
    let seen = || {
        (
            progress.reports.load(Ordering::Relaxed),
            progress.updates.load(Ordering::Relaxed),
        )
    };
    let mut last = seen();
    let mut since = Instant::now();
    while since.elapsed() < QUIET {
        if Instant::now() > deadline {
            return Err(format!(
                "the sync did not settle: still {} reports and {} updates at --timeout",
                last.0, last.1
            ));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        let now = seen();
        if now != last {
            last = now;
            since = Instant::now();
        }
    }
    eprintln!(
        "pcc-sim: sync settled ({} reports, {} updates) in {:.1} ms",
        last.0,
        last.1,
        (from.elapsed().saturating_sub(QUIET)).as_secs_f64() * 1e3
    );
    Ok(())
}

fn endpoints(args: &Args) -> Result<Vec<(Ipv4Addr, Ipv4Addr)>, String> {
    let from_file = match &args.endpoints_file {
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| format!("--endpoints-file {}: {e}", p.display()))?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
        None => args.endpoints.clone(),
    };
    from_file
        .iter()
        .map(|e| {
            let (a, b) = e
                .split_once(':')
                .ok_or_else(|| format!("--endpoints {e:?}: expected HEAD:TAIL"))?;
            Ok((
                a.parse()
                    .map_err(|_| format!("--endpoints: bad address {a:?}"))?,
                b.parse()
                    .map_err(|_| format!("--endpoints: bad address {b:?}"))?,
            ))
        })
        .collect()
}

/// The "other path" a perturbation reports: a loose hop to the tail.
fn detour(destination: Ipv4Addr) -> Vec<Subobject> {
    vec![Subobject::Ipv4Prefix {
        loose: true,
        address: destination,
        prefix_length: 32,
        attribute: 0,
    }]
}

fn main() {
    let args = Args::parse();
    // One descriptor per simulated PCC (and per PCE): as many as the hard
    // limit allows, as the PCE does.
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("pcc-sim: cannot raise the descriptor limit: {e}");
    }
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pcc-sim: tokio runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = rt.block_on(run(args)) {
        eprintln!("pcc-sim: {e}");
        std::process::exit(1);
    }
}

#[allow(clippy::too_many_lines)]
async fn run(args: Args) -> Result<(), String> {
    let tls = match &args.tls_ca {
        Some(ca) => {
            let roots = pce_tls::load_roots(ca).map_err(|e| format!("--tls-ca: {e}"))?;
            let identity = match (&args.tls_cert, &args.tls_key) {
                (Some(c), Some(k)) => Some((
                    pce_tls::load_certificates(c).map_err(|e| format!("--tls-cert: {e}"))?,
                    pce_tls::load_key(k).map_err(|e| format!("--tls-key: {e}"))?,
                )),
                _ => None,
            };
            let config =
                pce_tls::client_config(roots, identity).map_err(|e| format!("--tls-ca: {e}"))?;
            Some(config)
        }
        None => None,
    };
    // Every PCC's connections use it.
    let _ = TLS.set(tls);
    let pairs = endpoints(&args)?;
    if pairs.is_empty() {
        return Err("--endpoints: at least one HEAD:TAIL".into());
    }
    let scenario = match &args.scenario {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("{}: cannot read: {e}", p.display()))?;
            let s: Scenario =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?;
            for e in &s.events {
                if e.pcc >= args.pccs {
                    return Err(format!(
                        "{}: event at {} ms names PCC {} of {}",
                        p.display(),
                        e.at_ms,
                        e.pcc,
                        args.pccs
                    ));
                }
            }
            s.events
        }
        None => Vec::new(),
    };
    let progress = Arc::new(Progress {
        latency: Mutex::new(Histogram::new_with_bounds(1, 60_000_000, 3).ok()),
        ..Progress::default()
    });
    let built = Instant::now();
    let base = u32::from(args.source_base);
    let mut controls = Vec::with_capacity(args.pccs);
    let mut sims = Vec::with_capacity(args.pccs);
    let mut total_lsps = 0;
    for i in 0..args.pccs {
        let addr = Ipv4Addr::from(base + i as u32);
        let mut sim = SimPcc::new(
            args.pce.len(),
            Duration::from_secs_f64(args.redelegation_timeout),
            built,
        )
        .with_optimizations(if args.sync_optimizations {
            SyncOptimizations::ALL
        } else {
            SyncOptimizations::default()
        });
        for j in 0..args.lsps {
            let (source, destination) = pairs[(i * args.lsps + j) % pairs.len()];
            sim.add_lsp(SimLsp {
                plsp_id: 0,
                name: format!("pcc{i}-lsp{j}"),
                source,
                destination,
                sr: args.sr,
                bandwidth: bytes_per_second(args.bandwidth_bps),
                delegate: args.delegate,
                initiated_by: None,
                ero: detour(destination),
                updates: 0,
                disjoint_group: match args.group {
                    Some(id) => Some(DisjointGroup::link(id, args.group_source, args.strict)),
                    None => args.disjoint_pairs.then_some(DisjointGroup::link(
                        (j / 2 + 1) as u16,
                        IpAddr::V4(addr),
                        args.strict,
                    )),
                },
            });
            total_lsps += 1;
        }
        sim.drain();
        progress.lsps.fetch_add(args.lsps, Ordering::Relaxed);
        sims.push((addr, sim));
    }
    // Times count from here: every PCC is built, none has connected.
    let start = Instant::now();
    for (addr, mut sim) in sims {
        sim.restart_clock(start);
        let (tx, rx) = mpsc::channel(1024);
        controls.push(tx);
        tokio::spawn(pcc_task(args.clone(), addr, sim, rx, Arc::clone(&progress)));
    }
    let sessions = args.pccs * args.pce.len();
    let deadline = start + Duration::from_secs_f64(args.timeout);
    let target = if args.measure_sync {
        &progress.synced
    } else {
        &progress.up
    };
    let mut all_up = None;
    while target.load(Ordering::Relaxed) < sessions {
        if all_up.is_none() && progress.up.load(Ordering::Relaxed) >= sessions {
            all_up = Some(start.elapsed());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "only {} of {sessions} sessions {} after {} s",
                target.load(Ordering::Relaxed),
                if args.measure_sync {
                    "synchronized"
                } else {
                    "up"
                },
                args.timeout
            ));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let synced_at = start.elapsed();
    if args.measure_sync {
        let reports = progress.reports.swap(0, Ordering::Relaxed);
        println!(
            "sync: {} PCCs x {} PCEs, {total_lsps} LSPs, {reports} reports in {:.1} ms ({:.0} reports/s, connection to last PCRep; all sessions up at {:.1} ms)",
            args.pccs,
            args.pce.len(),
            synced_at.as_secs_f64() * 1e3,
            reports as f64 / synced_at.as_secs_f64(),
            all_up.unwrap_or(synced_at).as_secs_f64() * 1e3
        );
        if args.reconnect {
            progress.synced.store(0, Ordering::Relaxed);
            let again = Instant::now();
            let deadline = again + Duration::from_secs_f64(args.timeout);
            for c in &controls {
                let _ = c.send(Control::Reconnect).await;
            }
            while progress.synced.load(Ordering::Relaxed) < sessions {
                if Instant::now() > deadline {
                    return Err(format!(
                        "only {} of {sessions} sessions synchronized again after {} s",
                        progress.synced.load(Ordering::Relaxed),
                        args.timeout
                    ));
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            let took = again.elapsed();
            println!(
                "resync: {} PCCs x {} PCEs, {total_lsps} LSPs, {} reports in {:.1} ms (close, reconnect, last PCRep; RFC 8232 {})",
                args.pccs,
                args.pce.len(),
                progress.reports.load(Ordering::Relaxed),
                took.as_secs_f64() * 1e3,
                if args.sync_optimizations { "on" } else { "off" }
            );
        }
        return Ok(());
    }
    eprintln!(
        "pcc-sim: {sessions} sessions up in {:.1} ms",
        synced_at.as_secs_f64() * 1e3
    );
    let t0 = tokio::time::Instant::now();
    let mut last = 0;
    for e in &scenario {
        tokio::time::sleep_until(t0 + Duration::from_millis(e.at_ms)).await;
        last = last.max(e.at_ms);
        if let Some(c) = controls.get(e.pcc) {
            let _ = c.send(Control::Scenario(e.action.clone())).await;
        }
    }
    let run_for = Duration::from_secs_f64(args.seconds);
    if let Some(rate) = args.load {
        // Steady state: the load starts once the sync and the updates the
        // PCE sends after it (one per delegated LSP whose path it changes)
        // are over; perturbations sent meanwhile would wait behind them and
        // measure the sync, not the report-to-update path.
        settle(&progress, deadline).await?;
        let updates_before = progress.updates.load(Ordering::Relaxed);
        // Open loop: perturbation k goes out at t0 + k / rate whatever the
        // answers; LSPs taken round-robin over the PCCs.
        let t1 = tokio::time::Instant::now();
        let n = (rate * args.seconds) as u64;
        for k in 0..n {
            tokio::time::sleep_until(t1 + Duration::from_secs_f64(k as f64 / rate)).await;
            let pcc = (k as usize) % args.pccs;
            let lsp = ((k as usize) / args.pccs) % args.lsps.max(1) + 1;
            if let Some(c) = controls.get(pcc) {
                let _ = c.try_send(Control::Perturb(lsp as u32));
            }
        }
        // Let the last answers arrive.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let sent = n;
        let received = progress.updates.load(Ordering::Relaxed) - updates_before;
        if let Ok(h) = progress.latency.lock() {
            if let Some(h) = h.as_ref() {
                println!(
                    "load: {sent} perturbations at {rate}/s, {received} updates; report-to-update latency us: p50 {} p90 {} p99 {} p99.9 {} max {}",
                    h.value_at_quantile(0.5),
                    h.value_at_quantile(0.9),
                    h.value_at_quantile(0.99),
                    h.value_at_quantile(0.999),
                    h.max()
                );
            }
        }
    } else if let Some(want) = args.expect_updates {
        let lsps = args.expect_lsps.unwrap_or(0);
        loop {
            let got = progress.updates.load(Ordering::Relaxed);
            let held = progress.lsps.load(Ordering::Relaxed);
            if got >= want && held >= lsps {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{got} of {want} updates and {held} of {lsps} LSPs after {} s",
                    args.timeout
                ));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    } else {
        tokio::time::sleep_until(t0 + Duration::from_millis(last) + run_for).await;
    }
    let mut records = Vec::new();
    for c in &controls {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if c.send(Control::Finish(tx)).await.is_ok() {
            if let Ok(r) = rx.await {
                records.push(r);
            }
        }
    }
    let updates: usize = records.iter().map(|r| r.updates.len()).sum();
    println!(
        "pcc-sim: {} PCCs, {} LSPs, {updates} updates received",
        records.len(),
        records.iter().map(|r| r.lsps.len()).sum::<usize>()
    );
    if let Some(path) = &args.record {
        let json = serde_json::to_string_pretty(&serde_json::json!({ "pccs": records }))
            .map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// Bytes or end of stream from a PCE connection's reader.
#[derive(Debug)]
enum Inbound {
    Bytes(usize, u64, bytes::Bytes),
    Eof(usize, u64),
}

struct Conn {
    session: Session,
    writer: Option<tokio::io::WriteHalf<pce_tls::Stream>>,
    /// Bytes waiting out `--latency-ms`: (when due, bytes).
    delayed: std::collections::VecDeque<(Instant, Vec<u8>)>,
    generation: u64,
    /// Held down by the scenario: no reconnection.
    held_down: bool,
    /// Reconnect soon after the session closed, until it is up again
    /// (`--reconnect`).
    at_once: bool,
    retry_at: Option<Instant>,
    was_up: bool,
}

#[allow(clippy::too_many_lines)]
async fn pcc_task(
    args: Args,
    addr: Ipv4Addr,
    mut sim: SimPcc,
    mut control: mpsc::Receiver<Control>,
    progress: Arc<Progress>,
) {
    let (in_tx, mut in_rx) = mpsc::channel::<Inbound>(256);
    let config = SessionConfig {
        role: Role::Pcc,
        open: pce_tools::sim::pcc_open(args.keepalive, args.msd),
        policy: OpenPolicy::default(),
        wire: WireConfig::default(),
    };
    let mut conns: Vec<Conn> = args
        .pce
        .iter()
        .map(|_| Conn {
            session: Session::new(config.clone()),
            writer: None,
            delayed: std::collections::VecDeque::new(),
            generation: 0,
            held_down: false,
            at_once: false,
            retry_at: Some(Instant::now()),
            was_up: false,
        })
        .collect();
    let latency = Duration::from_millis(args.latency_ms);
    // Perturbation send times, for latency: PLSP-ID to when.
    let mut perturbed: HashMap<u32, Instant> = HashMap::new();
    loop {
        let now = Instant::now();
        // (Re)connect what is due.
        for (i, c) in conns.iter_mut().enumerate() {
            if c.writer.is_none() && !c.held_down && c.retry_at.is_some_and(|t| t <= now) {
                match connect(
                    addr,
                    args.pce[i],
                    args.md5_key.as_deref(),
                    args.tls_name.as_deref(),
                )
                .await
                {
                    Ok(stream) => {
                        let (mut reader, writer) = tokio::io::split(stream);
                        c.generation += 1;
                        let generation = c.generation;
                        let tx = in_tx.clone();
                        tokio::spawn(async move {
                            // Read into uninitialized capacity: no zeroed
                            // buffer per connection.
                            let mut buf = bytes::BytesMut::new();
                            loop {
                                buf.reserve(8 * 1024);
                                match reader.read_buf(&mut buf).await {
                                    Ok(0) | Err(_) => {
                                        let _ = tx.send(Inbound::Eof(i, generation)).await;
                                        return;
                                    }
                                    Ok(_) => {
                                        let chunk = buf.split().freeze();
                                        if tx
                                            .send(Inbound::Bytes(i, generation, chunk))
                                            .await
                                            .is_err()
                                        {
                                            return;
                                        }
                                    }
                                }
                            }
                        });
                        c.writer = Some(writer);
                        c.retry_at = None;
                        // The Open carries the database version as it is
                        // now (RFC 8232 §3.2).
                        c.session = Session::new(SessionConfig {
                            open: sim.open(args.keepalive, args.msd),
                            ..config.clone()
                        });
                        c.session.start(Instant::now());
                    }
                    Err(e) => {
                        // PCEPS failures say why (the rest: not listening yet).
                        if e.kind() == std::io::ErrorKind::Other {
                            eprintln!("pcc-sim {addr}: {}: {e}", args.pce[i]);
                        }
                        c.retry_at = Some(now + Duration::from_secs(1));
                    }
                }
            }
        }
        // Session events into the simulator.
        let now = Instant::now();
        for i in 0..conns.len() {
            let mut events = Vec::new();
            if let Some(c) = conns.get_mut(i) {
                while let Some(ev) = c.session.poll_event() {
                    events.push(ev);
                }
            }
            for ev in events {
                match ev {
                    Event::Up(negotiated) => {
                        sim.session_up_with(i, &negotiated.peer);
                        if let Some(c) = conns.get_mut(i) {
                            c.was_up = true;
                            c.at_once = false;
                        }
                        progress.up.fetch_add(1, Ordering::Relaxed);
                        flush_sim(&mut sim, &mut conns, &progress, now);
                        if args.measure_sync {
                            if let Some(c) = conns.get_mut(i) {
                                let _ = c.session.send(&sync_probe(&sim), now);
                            }
                        }
                    }
                    Event::Message(Message::PcRep(_)) if args.measure_sync => {
                        progress.synced.fetch_add(1, Ordering::Relaxed);
                    }
                    Event::Message(m) => {
                        if let Message::PcUpd(u) = &m {
                            progress
                                .updates
                                .fetch_add(u.updates.len() as u64, Ordering::Relaxed);
                            for up in &u.updates {
                                if let Some(t) = perturbed.remove(&up.lsp.plsp_id) {
                                    if let Ok(mut h) = progress.latency.lock() {
                                        if let Some(h) = h.as_mut() {
                                            let _ = h.record(
                                                now.saturating_duration_since(t).as_micros().max(1)
                                                    as u64,
                                            );
                                        }
                                    }
                                }
                            }
                        }
                        let before = sim.len();
                        sim.handle_message(i, &m, now);
                        count_lsps(&progress, before, sim.len());
                    }
                    Event::Closed { .. } | Event::Failed(_) | Event::StartTls => {}
                    Event::Malformed(e) => eprintln!("pcc-sim {addr}: malformed message: {e}"),
                }
            }
        }
        flush_sim(&mut sim, &mut conns, &progress, now);
        // Transmit, and notice closed sessions.
        for (i, c) in conns.iter_mut().enumerate() {
            let mut out = Vec::new();
            while let Some(b) = c.session.poll_transmit() {
                out.extend_from_slice(&b);
            }
            // One-way latency towards the PCEs (a WAN between PCC and PCE).
            if !out.is_empty() {
                c.delayed.push_back((now + latency, out));
            }
            let mut out = Vec::new();
            while c.delayed.front().is_some_and(|(due, _)| *due <= now) {
                if let Some((_, b)) = c.delayed.pop_front() {
                    out.extend_from_slice(&b);
                }
            }
            let mut failed = false;
            if let Some(w) = c.writer.as_mut() {
                if !out.is_empty() && (w.write_all(&out).await.is_err() || w.flush().await.is_err())
                {
                    failed = true;
                }
            }
            if failed || (c.writer.is_some() && matches!(c.session.state(), State::Closed)) {
                c.writer = None;
                c.generation += 1;
                if !c.held_down {
                    c.retry_at = Some(now + retry_wait(c.at_once));
                }
                if c.was_up {
                    c.was_up = false;
                    sim.session_down(i, now);
                }
            }
        }
        flush_sim(&mut sim, &mut conns, &progress, now);
        // Wait for the next thing.
        let mut deadline: Option<Instant> = sim.poll_timeout();
        for c in &conns {
            for t in [
                c.session.poll_timeout().filter(|_| c.writer.is_some()),
                c.retry_at,
                c.delayed.front().map(|(due, _)| *due),
            ] {
                deadline = match (deadline, t) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
        }
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            inbound = in_rx.recv() => match inbound {
                Some(Inbound::Bytes(i, generation, data)) => {
                    if let Some(c) = conns.get_mut(i) {
                        if c.generation == generation {
                            c.session.handle_bytes(&data, Instant::now());
                        }
                    }
                }
                Some(Inbound::Eof(i, generation)) => {
                    if let Some(c) = conns.get_mut(i) {
                        if c.generation == generation {
                            c.writer = None;
                            c.generation += 1;
                            c.session = Session::new(config.clone());
                            if !c.held_down {
                                c.retry_at = Some(Instant::now() + retry_wait(c.at_once));
                            }
                            if c.was_up {
                                c.was_up = false;
                                sim.session_down(i, Instant::now());
                            }
                        }
                    }
                }
                None => return,
            },
            command = control.recv() => match command {
                Some(Control::Scenario(action)) => {
                    let before = sim.len();
                    apply(&mut sim, &mut conns, action, &args, addr);
                    count_lsps(&progress, before, sim.len());
                }
                Some(Control::Reconnect) => {
                    for c in &mut conns {
                        c.at_once = true;
                        c.session.close(pcep::wire::iana::CloseReason::NO_EXPLANATION, Instant::now());
                    }
                }
                Some(Control::Perturb(plsp)) => {
                    let dst = sim.lsps().find(|l| l.plsp_id == plsp).map(|l| l.destination);
                    if let Some(dst) = dst {
                        perturbed.insert(plsp, Instant::now());
                        sim.perturb(plsp, detour(dst));
                    }
                }
                Some(Control::Finish(reply)) => {
                    let record = PccRecord {
                        address: IpAddr::V4(addr),
                        delegated_to: sim.delegate(),
                        updates: std::mem::take(&mut sim.record),
                        lsps: sim
                            .lsps()
                            .map(|l| LspRecord {
                                path: l.ero.iter().map(ToString::to_string).collect(),
                                lsp: l.clone(),
                            })
                            .collect(),
                    };
                    let _ = reply.send(record);
                    // End the sessions properly: Close, then the connection.
                    for c in &mut conns {
                        c.session.close(pcep::wire::iana::CloseReason::NO_EXPLANATION, Instant::now());
                        let mut out = Vec::new();
                        while let Some(b) = c.session.poll_transmit() {
                            out.extend_from_slice(&b);
                        }
                        if let Some(w) = c.writer.as_mut() {
                            let _ = w.write_all(&out).await;
                            let _ = w.flush().await;
                            let _ = w.shutdown().await;
                        }
                    }
                    return;
                }
                None => return,
            },
            () = sleep => {
                let now = Instant::now();
                sim.handle_timeout(now);
                for c in &mut conns {
                    if c.writer.is_some() {
                        c.session.handle_timeout(now);
                    }
                }
            }
        }
    }
}

/// When to connect again after a session ended: a second, or soon while
/// `--reconnect` is bringing the session back (the PCE may still be ending
/// the previous one and refuse the new one with PCErr 9 meanwhile).
fn retry_wait(at_once: bool) -> Duration {
    if at_once {
        Duration::from_millis(20)
    } else {
        Duration::from_secs(1)
    }
}

fn apply(sim: &mut SimPcc, conns: &mut [Conn], action: Action, args: &Args, addr: Ipv4Addr) {
    match action {
        Action::SessionDown { pce } => {
            if let Some(c) = conns.get_mut(pce) {
                c.held_down = true;
                c.session.close(
                    pcep::wire::iana::CloseReason::NO_EXPLANATION,
                    Instant::now(),
                );
            }
        }
        Action::SessionUp { pce } => {
            if let Some(c) = conns.get_mut(pce) {
                c.held_down = false;
                c.retry_at = Some(Instant::now());
            }
        }
        Action::AddLsp {
            name,
            source,
            destination,
            sr,
            bandwidth_bps,
            delegate,
            disjoint_group,
            group_source,
            strict,
        } => {
            sim.add_lsp(SimLsp {
                plsp_id: 0,
                name,
                source,
                destination,
                sr: sr || args.sr,
                bandwidth: bytes_per_second(bandwidth_bps),
                delegate,
                initiated_by: None,
                // A newly configured LSP has no path yet: an empty ERO.
                ero: Vec::new(),
                updates: 0,
                disjoint_group: disjoint_group.map(|id| {
                    DisjointGroup::link(
                        id,
                        group_source.unwrap_or(IpAddr::V4(addr)),
                        strict || args.strict,
                    )
                }),
            });
        }
        Action::RemoveLsp { name } => {
            sim.remove_lsp(&name);
        }
        Action::Bandwidth {
            name,
            bandwidth_bps,
        } => {
            sim.set_bandwidth(&name, bytes_per_second(bandwidth_bps));
        }
    }
}

fn count_lsps(progress: &Progress, before: usize, after: usize) {
    if after > before {
        progress.lsps.fetch_add(after - before, Ordering::Relaxed);
    } else {
        progress.lsps.fetch_sub(before - after, Ordering::Relaxed);
    }
}

/// Hand the simulator's messages to the sessions.
fn flush_sim(sim: &mut SimPcc, conns: &mut [Conn], progress: &Progress, now: Instant) {
    for SimOutput::Send { pce, message } in sim.drain() {
        if let Message::PcRpt(r) = &message {
            progress
                .reports
                .fetch_add(r.reports.len() as u64, Ordering::Relaxed);
        }
        if let Some(c) = conns.get_mut(pce) {
            if let Err(e) = c.session.send(&message, now) {
                eprintln!("pcc-sim: not sent: {e}");
            }
        }
    }
}

/// The PCReq sent after the sync: its PCRep marks the sync as processed.
fn sync_probe(sim: &SimPcc) -> Message {
    let (source, destination) = sim.lsps().next().map_or(
        (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2)),
        |l| (l.source, l.destination),
    );
    Message::PcReq(PcReq {
        svecs: Vec::new(),
        requests: vec![Request::new(
            Rp {
                header: HeaderFlags::PROCESSING,
                rp_flags: 0,
                request_id: 1,
                tlvs: Vec::new(),
            },
            EndPoints::Ipv4 {
                header: HeaderFlags::PROCESSING,
                source,
                destination,
            },
        )],
    })
}

/// `--tls-ca`: the PCEPS client configuration every connection uses.
static TLS: std::sync::OnceLock<Option<Arc<pce_tls::rustls::ClientConfig>>> =
    std::sync::OnceLock::new();

/// A connection to `pce` from `local`; with `--tls-ca`, the StartTLS
/// exchange (RFC 8253 §3.2: the PCC sends StartTLS first) and the TLS
/// handshake are done on it before the PCEP session starts.
async fn connect(
    local: Ipv4Addr,
    pce: SocketAddr,
    md5_key: Option<&str>,
    tls_name: Option<&str>,
) -> std::io::Result<pce_tls::Stream> {
    let tcp = connect_tcp(local, pce, md5_key).await?;
    let Some(Some(config)) = TLS.get() else {
        return Ok(pce_tls::Stream::Plain(tcp));
    };
    let mut tcp = tcp;
    let wire = WireConfig::default();
    let start = Message::StartTls
        .to_bytes(&wire)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    tcp.write_all(&start).await?;
    let mut header = [0u8; 4];
    tcp.read_exact(&mut header).await?;
    let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
    let mut body = vec![0u8; len.saturating_sub(4)];
    tcp.read_exact(&mut body).await?;
    if header[1] != 13 {
        let mut all = header.to_vec();
        all.extend_from_slice(&body);
        let answer = Message::decode(bytes::Bytes::from(all), &wire)
            .map_or_else(|e| format!("undecodable: {e}"), |m| format!("{m:?}"));
        return Err(std::io::Error::other(format!(
            "the PCE answered StartTLS with {answer}"
        )));
    }
    let name = pce_tls::server_name(tls_name, pce.ip()).map_err(std::io::Error::other)?;
    let tls = pce_tls::handshake(
        tcp,
        pce_tls::Side::Client(Arc::clone(config), name),
        &[],
        Duration::from_secs(10),
    )
    .await
    .map_err(|e| std::io::Error::other(format!("TLS: {e}")))?;
    Ok(pce_tls::Stream::Tls(Box::new(tls)))
}

async fn connect_tcp(
    local: Ipv4Addr,
    pce: SocketAddr,
    md5_key: Option<&str>,
) -> std::io::Result<tokio::net::TcpStream> {
    let socket = if pce.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if let Some(key) = md5_key {
        pce_sockopt::set_md5_key(
            std::os::fd::AsFd::as_fd(&socket),
            pce.ip(),
            None,
            key.as_bytes(),
        )?;
    }
    if pce.is_ipv4() && local.is_loopback() == pce.ip().is_loopback() {
        socket.bind(SocketAddr::new(IpAddr::V4(local), 0))?;
    }
    let stream = socket.connect(pce).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}
