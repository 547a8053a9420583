//! `pce`: the PCE's command line: the server, and the offline path
//! computation.
//!
//! ```text
//! pce serve [--config FILE] [--record FILE]
//! pce replay FILE [--check] [--quiet]
//! pce compute --topology FILE --from PCC1 --to PCC2 [constraints] [--sr] [--json]
//! pce compute --topology FILE --pair PCC1:PCC2 --pair PCC3:PCC4 [--node] [--strict] [--json]
//! pce sessions | lsps | associations | peers | topology   [--api URL] [--json]
//! pce lsp create|update|delete|return ...                 [--api URL] [--json]
//! pce token --name NAME [--role read|operator]
//! ```
//! The commands that call a running PCE send the token of the
//! `PCE_API_TOKEN` environment variable, or of `--token-file`, when the
//! PCE's `[[api_tokens]]` ask for one.

use std::path::PathBuf;

// mimalloc: many small, short-lived allocations per message on several
// threads; it is faster than glibc malloc here and returns memory better.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use pce_engine::solver::cspf::{
    compute, Constraints, Objective, Path, PathRequest, Reservations, Workspace,
};
use pce_engine::solver::disjoint::{solve, Disjointness, GroupObjective, GroupRequest};
use pce_engine::solver::sr;
use pce_engine::topology::{LinkId, NodeId, Topology, TopologyFile};
use serde_json::json;

#[derive(Parser)]
#[command(
    name = "pce",
    version,
    about = "Stateful PCE with inter-PCE state synchronization"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[path = "pce/client.rs"]
mod client;

#[derive(Subcommand)]
enum Command {
    /// Compute a path, or a disjoint group, offline from a topology file.
    Compute(Box<ComputeArgs>),
    /// Print the BGP-LS a speaker would originate for a topology file
    /// (IS-IS level 2), one NLRI per line: the NLRI and the BGP-LS
    /// attribute, in hex (for feeding a BGP speaker in tests).
    BgpLsOriginate {
        /// The topology file.
        topology: PathBuf,
        /// The AS in the node descriptors.
        #[arg(long, default_value_t = 65000)]
        asn: u32,
    },
    /// Run the PCE: PCEP listener and management API on the configured
    /// addresses.
    Serve {
        /// Configuration file (TOML); without it, the embedded default
        /// (127.0.0.1:4189, API on 127.0.0.1:9189, embedded example topology).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Log level or filter (tracing's syntax, e.g. `debug` or
        /// `info,pce_engine::runtime=debug`); default: RUST_LOG, else info.
        #[arg(long)]
        log_level: Option<String>,
        /// Log lines as text or as JSON objects (one per line).
        #[arg(long, value_enum, default_value = "text")]
        log_format: LogFormat,
        /// Record every input of the core, with its time, and every output
        /// in FILE (JSON lines; `pce replay` reads it).
        #[arg(long)]
        record: Option<PathBuf>,
    },
    /// Run a recording (`pce serve --record`) through a fresh core and
    /// print what it sends, one JSON object per line.
    Replay {
        /// The recording.
        file: PathBuf,
        /// Compare with the outputs in the recording; exit 1 at the first
        /// difference.
        #[arg(long)]
        check: bool,
        /// Print no outputs (with --check: only the verdict).
        #[arg(long)]
        quiet: bool,
    },
    /// PCEP sessions of a running PCE.
    Sessions(client::Target),
    /// LSPs of a running PCE.
    Lsps {
        #[command(flatten)]
        target: client::Target,
        #[command(flatten)]
        filter: client::LspFilter,
    },
    /// Association groups, and who computes them.
    Associations(client::Target),
    /// State-sync peers.
    Peers(client::Target),
    /// The topology a running PCE uses.
    Topology(client::Target),
    /// A running PCE's topology and every LSP, as a snapshot file for
    /// planning offline (`GET /snapshot`).
    Snapshot {
        #[command(flatten)]
        target: client::Target,
        /// Write it here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// A what-if plan on a running PCE (`POST /plan`): failures each
    /// alone (`--every links,nodes,srlgs,srlg_pairs`), the caller's failure
    /// sets, grown demand; a summary, the whole answer with `--output`.
    Plan {
        #[command(flatten)]
        target: client::Target,
        #[command(flatten)]
        plan: client::PlanArgs,
    },
    /// Make a management API token: print it (give it to the caller) and
    /// the `[[api_tokens]]` lines that let it in (only its SHA-256 goes in
    /// the configuration).
    Token {
        /// The caller's name, as audit lines will show it.
        #[arg(long)]
        name: String,
        /// `read` (reads and offline computations) or `operator`.
        #[arg(long, default_value = "read")]
        role: String,
    },
    /// Create, update or delete a PCE-initiated LSP; return a delegation.
    Lsp {
        #[command(flatten)]
        target: client::Target,
        #[command(subcommand)]
        command: Box<client::LspCommand>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Metric {
    Igp,
    Te,
    Delay,
    Hops,
}

#[derive(Args)]
struct ComputeArgs {
    /// Topology file (JSON).
    #[arg(long)]
    topology: PathBuf,
    /// Head end (node name or address), for a single path.
    #[arg(long, requires = "to", conflicts_with = "pair")]
    from: Option<String>,
    /// Tail end (node name or address), for a single path.
    #[arg(long, requires = "from")]
    to: Option<String>,
    /// A member of a disjoint group, HEAD:TAIL; repeat for each member.
    /// Its own constraints follow as KEY=VALUE after commas and replace the
    /// command's for this member (`R1:R4,max-igp=30,exclude-node=R2`):
    /// bandwidth, objective, max-igp, max-te, max-delay, max-hops,
    /// exclude-node, include-node, exclude-srlg, exclude-interface (list
    /// values separated by `+`).
    #[arg(long, value_name = "HEAD:TAIL[,KEY=VALUE...]")]
    pair: Vec<String>,
    /// Metric to minimize.
    #[arg(long, value_enum, default_value = "igp")]
    objective: Metric,
    /// Bandwidth to fit, bits per second.
    #[arg(long, default_value_t = 0.0)]
    bandwidth: f64,
    /// LSPA exclude-any affinity bits.
    #[arg(long, default_value_t = 0)]
    exclude_any: u32,
    /// LSPA include-any affinity bits.
    #[arg(long, default_value_t = 0)]
    include_any: u32,
    /// LSPA include-all affinity bits.
    #[arg(long, default_value_t = 0)]
    include_all: u32,
    /// SRLG to avoid (repeatable).
    #[arg(long)]
    exclude_srlg: Vec<u32>,
    /// Node to avoid (repeatable).
    #[arg(long)]
    exclude_node: Vec<String>,
    /// Interface to avoid, both directions of its link (repeatable; an
    /// address, or NODE%ID for an unnumbered one).
    #[arg(long)]
    exclude_interface: Vec<String>,
    /// Node to traverse, in order (repeatable; an IRO).
    #[arg(long)]
    include_node: Vec<String>,
    /// Upper bound on the IGP metric.
    #[arg(long)]
    max_igp: Option<u64>,
    /// Upper bound on the TE metric.
    #[arg(long)]
    max_te: Option<u64>,
    /// Upper bound on delay, microseconds.
    #[arg(long)]
    max_delay: Option<u64>,
    /// Upper bound on hops.
    #[arg(long)]
    max_hops: Option<u32>,
    /// Also encode the path as an SR segment list.
    #[arg(long)]
    sr: bool,
    /// Head end's maximum SID depth for --sr.
    #[arg(long)]
    msd: Option<u8>,
    /// Disjoint group: node-disjoint (default link-disjoint).
    #[arg(long)]
    node: bool,
    /// Disjoint group: SRLG-disjoint.
    #[arg(long)]
    srlg: bool,
    /// Disjoint group: no fallback to weaker disjointness (RFC 8800 T flag).
    #[arg(long)]
    strict: bool,
    /// Disjoint group: minimize the largest member cost instead of the sum.
    #[arg(long)]
    min_max: bool,
    /// JSON output.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Compute(args) => match run_compute(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(msg) => {
                eprintln!("pce compute: {msg}");
                ExitCode::from(2)
            }
        },
        Command::Replay { file, check, quiet } => run_replay(&file, check, quiet),
        Command::Token { name, role } => {
            if !["read", "operator"].contains(&role.as_str()) {
                eprintln!("pce token: --role is read or operator, not {role:?}");
                return ExitCode::from(2);
            }
            match pce_engine::runtime::auth::new_token() {
                Ok(token) => {
                    println!("token: {token}");
                    println!();
                    println!("[[api_tokens]]");
                    println!("name = {name:?}");
                    println!("role = {role:?}");
                    println!("sha256 = {:?}", pce_engine::runtime::auth::digest(&token));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("pce token: no randomness from the system: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::BgpLsOriginate { topology, asn } => {
            match pce_engine::topology::TopologyFile::read(&topology) {
                Ok(file) => {
                    for u in pce_engine::topology::bgp_ls::originate(&file, asn) {
                        for n in &u.announced {
                            println!(
                                "{} {}",
                                hex::encode(n),
                                hex::encode(u.ls_attribute.as_deref().unwrap_or_default())
                            );
                        }
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("pce bgp-ls-originate: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Serve {
            config,
            log_level,
            log_format,
            record,
        } => match run_serve(
            config.as_deref(),
            log_level.as_deref(),
            log_format,
            record.as_deref(),
        ) {
            Ok(()) => ExitCode::SUCCESS,
            Err(msg) => {
                eprintln!("pce serve: {msg}");
                ExitCode::from(2)
            }
        },
        Command::Sessions(t) => client_exit("sessions", client::run(&t, "sessions", None, None)),
        Command::Lsps { target, filter } => {
            client_exit("lsps", client::run(&target, "lsps", Some(&filter), None))
        }
        Command::Associations(t) => {
            client_exit("associations", client::run(&t, "associations", None, None))
        }
        Command::Peers(t) => client_exit("peers", client::run(&t, "peers", None, None)),
        Command::Topology(t) => client_exit("topology", client::run(&t, "topology", None, None)),
        Command::Snapshot { target, output } => {
            client_exit("snapshot", client::snapshot(&target, output.as_deref()))
        }
        Command::Plan { target, plan } => client_exit("plan", client::plan(&target, &plan)),
        Command::Lsp { target, command } => {
            client_exit("lsp", client::run(&target, "lsp", None, Some(&command)))
        }
    }
}

fn client_exit(what: &str, r: Result<(), String>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("pce {what}: {msg}");
            ExitCode::from(1)
        }
    }
}

fn run_replay(file: &std::path::Path, check: bool, quiet: bool) -> ExitCode {
    use pce_engine::runtime::record;
    use std::io::Write;
    let reader = match std::fs::File::open(file) {
        Ok(f) => std::io::BufReader::new(f),
        Err(e) => {
            eprintln!("pce replay: {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let replayed = record::replay(reader, |o| {
        if !quiet {
            let _ = writeln!(out, "{}", record::display(o));
        }
    });
    let replayed = match replayed {
        Ok(r) => r,
        Err(e) => {
            eprintln!("pce replay: {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "pce replay: {} inputs, {} outputs ({} recorded)",
        replayed.inputs,
        replayed.outputs.len(),
        replayed.recorded.len()
    );
    if replayed.truncated {
        eprintln!("pce replay: the recording ends in the middle of a line (cut); replayed what precedes it");
    }
    if check {
        if let Some(i) = replayed.first_difference() {
            eprintln!(
                "pce replay: output {i} differs:\n  replayed: {}\n  recorded: {}",
                replayed
                    .outputs
                    .get(i)
                    .map_or("(none)".into(), |o| record::display(o).to_string()),
                replayed
                    .recorded
                    .get(i)
                    .map_or("(none)".into(), |o| record::display(o).to_string()),
            );
            return ExitCode::from(1);
        }
        eprintln!("pce replay: the same outputs as recorded");
    }
    ExitCode::SUCCESS
}

fn run_serve(
    path: Option<&std::path::Path>,
    log_level: Option<&str>,
    log_format: LogFormat,
    record: Option<&std::path::Path>,
) -> Result<(), String> {
    use pce_engine::runtime::{config::Config, server};
    use std::sync::Arc;
    let filter = match log_level {
        Some(l) => tracing_subscriber::EnvFilter::try_new(l)
            .map_err(|e| format!("--log-level {l:?}: {e}"))?,
        None => tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
    };
    // Colours only on a terminal (and never with NO_COLOR): a log file or
    // the journal gets plain text that grep and parsers read.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    match log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    match pce_engine::runtime::limits::raise_descriptor_limit() {
        Ok(d) if d.before < d.soft => tracing::info!(
            soft = d.soft,
            hard = d.hard,
            "file descriptors: soft limit raised from {} to the hard limit",
            d.before
        ),
        Ok(d) => tracing::info!(soft = d.soft, hard = d.hard, "file descriptors"),
        Err(e) => tracing::warn!("file descriptors: the limit could not be read or raised: {e}"),
    }
    // 4 KiB pages: with huge pages the allocator's returned memory cost a
    // 2 MiB zeroing on each reuse (pce_sockopt). MIMALLOC_ALLOW_THP=1 keeps
    // them.
    if std::env::var("MIMALLOC_ALLOW_THP").as_deref() != Ok("1") {
        if let Err(e) = pce_sockopt::disable_transparent_huge_pages() {
            tracing::warn!("transparent huge pages could not be turned off: {e}");
        }
    }
    let (config, origin) = match path {
        Some(p) => (
            Config::load(p).map_err(|e| e.to_string())?,
            p.display().to_string(),
        ),
        None => (
            Config::default(),
            "embedded default configuration".to_string(),
        ),
    };
    if let Some(p) = path.filter(|_| !config.tcp_md5.is_empty()) {
        // TCP-MD5 keys are in the file in clear (the kernel needs them).
        use std::os::unix::fs::PermissionsExt;
        if std::fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o004 != 0) {
            tracing::warn!(file = %p.display(), "the configuration holds TCP-MD5 keys and every user may read it (chmod o-r)");
        }
    }
    let tls = server::load_tls(&config)?;
    let api_tls = server::load_api_tls(&config)?;
    if let Some(t) = &config.tls {
        tracing::info!(certificate = %t.certificate.display(), ca = ?t.ca, pccs = ?t.pccs, "PCEPS (RFC 8253) configured");
    }
    // The operator's intent kept across restarts, read before anything
    // starts: a file that cannot be used stops the start.
    let state = match &config.pce.state {
        Some(file) => {
            let store = pce_engine::runtime::store::Store::open(file)
                .map_err(|e| format!("[pce] state: {e}"))?;
            let intent = store.load().map_err(|e| format!("[pce] state: {e}"))?;
            tracing::info!(
                file = %file.display(),
                initiated = intent.initiated.len(),
                overrides = intent.overrides.len(),
                "operator intent read from the state file"
            );
            Some((store, intent))
        }
        None => {
            tracing::info!("operator intent is not kept across restarts ([pce] state is not set)");
            None
        }
    };
    let topology_file = config.topology_file(&origin).map_err(|e| e.to_string())?;
    let topo = config.topology(&origin).map_err(|e| e.to_string())?;
    let addr = std::net::SocketAddr::new(config.pce.address, config.pce.port);
    let rt = tokio::runtime::Runtime::new().map_err(|e| format!("tokio runtime: {e}"))?;
    rt.block_on(async move {
        let listener = server::listen(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        server::set_md5_keys(&listener, &config.tcp_md5)
            .map_err(|e| format!("cannot set TCP-MD5 keys on {addr}: {e}"))?;
        let api_addr = config.pce.api;
        let api_listener = pce_engine::runtime::api::listen(api_addr)
            .await
            .map_err(|e| format!("cannot listen on {api_addr} (management API): {e}"))?;
        let shared = Arc::new(server::Shared::new(config, topo)
                .with_tls(tls)
                .with_api_tls(api_tls));
        let recorder = match record {
            Some(file) => {
                let header = pce_engine::runtime::record::Header::new(
                    &server::pce_config(&shared.config),
                    topology_file,
                    shared.wire().state_sync,
                );
                let r = pce_engine::runtime::record::Recorder::create(
                    file,
                    &header,
                    pce_engine::runtime::clock::now(),
                )
                .map_err(|e| format!("--record {}: {e}", file.display()))?;
                tracing::info!(file = %file.display(), "recording the core's inputs and outputs");
                Some(r)
            }
            None => None,
        };
        let (store, intent) = state.unzip();
        let core = server::start_core_with(&shared, recorder, store);
        if let Some(intent) = intent {
            // The core's first input, before any session or API call.
            core.run(pce_engine::pce::Command::Restore(Box::new(intent)))
                .await
                .ok_or("the core stopped")?
                .map_err(|e| format!("[pce] state: restoring the operator's intent: {e}"))?;
        }
        let api = pce_engine::runtime::api::serve(api_listener, Arc::clone(&shared), core.clone());
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| format!("SIGTERM handler: {e}"))?;
        let bgp_ls = {
            let section = shared.config.bgp_ls.clone();
            let core = core.clone();
            let shared = Arc::clone(&shared);
            async move {
                match section {
                    Some(section) => pce_engine::runtime::bgp::run(section, core, shared).await,
                    None => std::future::pending().await,
                }
            }
        };
        let reloads = reload_on_sighup(path.map(std::path::Path::to_path_buf), Arc::clone(&shared), core.clone())?;
        tokio::select! {
            () = reloads => Ok(()),
            r = bgp_ls => r.map_err(|e| format!("BGP-LS listener failed: {e}")),
            r = server::serve(listener, Arc::clone(&shared), core) => r.map_err(|e| format!("PCEP listener failed: {e}")),
            r = api => r.map_err(|e| format!("management API failed: {e}")),
            _ = term.recv() => {
                tracing::info!("SIGTERM: closing every session");
                shared.shutdown(std::time::Duration::from_secs(3)).await;
                Ok(())
            }
            _ = tokio::signal::ctrl_c() => {
                tracing::info!("interrupted: closing every session");
                shared.shutdown(std::time::Duration::from_secs(3)).await;
                Ok(())
            }
        }
    })
}

/// SIGHUP: read the configuration file again; publish its topology and its
/// priorities (every controlled LSP is recomputed). A bad file keeps the
/// running configuration and says why; keys that need a restart (addresses,
/// ports, timers, peers) are reported if they changed.
fn reload_on_sighup(
    path: Option<PathBuf>,
    shared: std::sync::Arc<pce_engine::runtime::server::Shared>,
    core: pce_engine::runtime::server::CoreHandle,
) -> Result<impl std::future::Future<Output = ()>, String> {
    use pce_engine::runtime::config::Config;
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .map_err(|e| format!("SIGHUP handler: {e}"))?;
    Ok(async move {
        loop {
            if hup.recv().await.is_none() {
                return std::future::pending().await;
            }
            let Some(path) = &path else {
                tracing::warn!("SIGHUP: running on the embedded configuration, nothing to reload");
                continue;
            };
            let origin = path.display().to_string();
            let new =
                match Config::load(path).and_then(|c| c.topology_file(&origin).map(|t| (c, t))) {
                    Ok(v) => v,
                    Err(e) => {
                        tracing::error!("reload refused, the running configuration stays: {e}");
                        continue;
                    }
                };
            let (config, topology) = new;
            pce_engine::runtime::server::reload_tls(&shared);
            let old = &shared.config;
            if config.pce.address != old.pce.address
                || config.pce.port != old.pce.port
                || config.pce.api != old.pce.api
                || config.pce.keepalive != old.pce.keepalive
                || config.pce.dead_timer != old.pce.dead_timer
                || config.state_sync.as_ref().map(|s| {
                    (
                        s.identity,
                        s.peers
                            .iter()
                            .map(|p| (p.address, p.port))
                            .collect::<Vec<_>>(),
                    )
                }) != old.state_sync.as_ref().map(|s| {
                    (
                        s.identity,
                        s.peers
                            .iter()
                            .map(|p| (p.address, p.port))
                            .collect::<Vec<_>>(),
                    )
                })
            {
                tracing::warn!("reload: addresses, ports, timers and the peer list take effect at the next start");
            }
            // The core builds the topology: a file that does not build is
            // refused there, and nothing of this reload is applied.
            let reload = pce_engine::pce::Command::Reload {
                topology: Some(Box::new(topology)),
                state_sync: config.state_sync().map(Box::new),
            };
            match core.run(reload).await {
                Some(Ok(_)) => {
                    tracing::info!(file = %origin, "reloaded: topology and computation priorities");
                }
                Some(Err(e)) => {
                    tracing::error!("reload refused, the running configuration stays: {e}");
                }
                None => {}
            }
        }
    })
}

fn node(topo: &Topology, s: &str) -> Result<NodeId, String> {
    topo.node_by_name(s)
        .or_else(|| s.parse().ok().and_then(|a| topo.node_by_address(a)))
        .ok_or_else(|| format!("unknown node {s:?} (neither a node name nor an address of one)"))
}

fn run_compute(a: &ComputeArgs) -> Result<(), String> {
    let topo = pce_engine::solver::Prepared::from(
        TopologyFile::load(&a.topology).map_err(|e| e.to_string())?,
    );
    let objective = match a.objective {
        Metric::Igp => Objective::Igp,
        Metric::Te => Objective::Te,
        Metric::Delay => Objective::Delay,
        Metric::Hops => Objective::Hops,
    };
    let constraints = Constraints {
        bandwidth: a.bandwidth,
        exclude_any: a.exclude_any,
        include_any: a.include_any,
        include_all: a.include_all,
        exclude_srlgs: a.exclude_srlg.clone(),
        exclude_nodes: a
            .exclude_node
            .iter()
            .map(|n| node(&topo, n))
            .collect::<Result<_, _>>()?,
        exclude_links: interfaces(&topo, &a.exclude_interface)?,
        include_nodes: a
            .include_node
            .iter()
            .map(|n| node(&topo, n))
            .collect::<Result<_, _>>()?,
        max_igp: a.max_igp,
        max_te: a.max_te,
        max_delay: a.max_delay,
        max_hops: a.max_hops,
    };
    let request = |from: &str, to: &str| -> Result<PathRequest, String> {
        Ok(PathRequest {
            source: node(&topo, from)?,
            destination: node(&topo, to)?,
            objective,
            constraints: constraints.clone(),
        })
    };
    let res = Reservations::new(topo.link_count());
    let mut ws = Workspace::new();
    if let (Some(from), Some(to)) = (&a.from, &a.to) {
        let req = request(from, to)?;
        let no_path = |e| format!("no path from {from} to {to}: {e}");
        // With --sr, the best path whose segment list fits the MSD.
        let (path, segments) = if a.sr {
            let (p, s) = sr::best_within(&topo, &res, &req, a.msd, &mut ws).map_err(no_path)?;
            (p, Some(s))
        } else {
            (compute(&topo, &res, &req, &mut ws).map_err(no_path)?, None)
        };
        if a.json {
            let labels: Option<Vec<u32>> = segments
                .as_ref()
                .map(|s| s.iter().map(segment_label).collect());
            println!(
                "{}",
                json!({ "hops": hops(&topo, &req, &path), "links": link_names(&topo, &path), "metrics": path.metrics, "optimal": path.optimal, "sr_labels": labels })
            );
        } else {
            print_path(&topo, &req, &path);
            if let Some(s) = segments {
                println!(
                    "SR labels: {}",
                    s.iter()
                        .map(|x| segment_label(x).to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                );
            }
        }
        return Ok(());
    }
    if a.pair.len() < 2 {
        return Err("give --from and --to, or at least two --pair HEAD:TAIL".into());
    }
    let members = a
        .pair
        .iter()
        .map(|p| {
            let mut parts = p.split(',');
            let (h, t) = parts
                .next()
                .and_then(|e| e.split_once(':'))
                .ok_or_else(|| format!("--pair {p:?}: expected HEAD:TAIL[,KEY=VALUE...]"))?;
            let mut r = request(h, t)?;
            for kv in parts {
                member_constraint(&topo, &mut r, kv).map_err(|e| format!("--pair {p:?}: {e}"))?;
            }
            Ok(r)
        })
        .collect::<Result<Vec<_>, String>>()?;
    let group = GroupRequest {
        members,
        disjointness: Disjointness {
            link: !a.node && !a.srlg,
            node: a.node,
            srlg: a.srlg,
        },
        strict: a.strict,
        objective: if a.min_max {
            GroupObjective::MinMax
        } else {
            GroupObjective::MinSum
        },
        pinned: Vec::new(),
    };
    let result = solve(&topo, &res, &group, &mut ws).map_err(|e| e.to_string())?;
    if a.json {
        let paths: Vec<_> = result
            .paths
            .iter()
            .zip(&group.members)
            .map(|(p, m)| json!({ "hops": hops(&topo, m, p), "links": link_names(&topo, p), "metrics": p.metrics }))
            .collect();
        println!(
            "{}",
            json!({ "paths": paths, "achieved": result.achieved, "optimal": result.optimal })
        );
    } else {
        for (p, m) in result.paths.iter().zip(&group.members) {
            print_path(&topo, m, p);
        }
        let d = result.achieved;
        println!(
            "disjointness achieved: {}{}{}{}; optimal: {}",
            if d.link { "link " } else { "" },
            if d.node { "node " } else { "" },
            if d.srlg { "srlg " } else { "" },
            if d.any() { "" } else { "none" },
            result.optimal
        );
    }
    Ok(())
}

/// Both directions of each named interface's link.
fn interfaces(topo: &Topology, names: &[String]) -> Result<Vec<LinkId>, String> {
    let mut out = Vec::new();
    for n in names {
        let l = topo
            .link_by_interface_name(n)
            .ok_or_else(|| format!("unknown interface {n:?} (an interface address, or NODE%ID)"))?;
        out.push(l);
        out.extend(topo.reverse(l));
    }
    Ok(out)
}

/// One KEY=VALUE of a --pair: replaces that constraint for the member.
fn member_constraint(topo: &Topology, r: &mut PathRequest, kv: &str) -> Result<(), String> {
    let (k, v) = kv
        .split_once('=')
        .ok_or_else(|| format!("{kv:?}: expected KEY=VALUE"))?;
    let list = || v.split('+').filter(|x| !x.is_empty()).map(str::to_string);
    let num = |what: &str| -> Result<u64, String> {
        v.parse()
            .map_err(|_| format!("{what}={v:?}: expected a whole number"))
    };
    let c = &mut r.constraints;
    match k {
        "bandwidth" => {
            c.bandwidth = v
                .parse::<f64>()
                .ok()
                .filter(|b| b.is_finite() && *b >= 0.0)
                .ok_or_else(|| format!("bandwidth={v:?}: expected bits per second"))?;
        }
        "objective" => {
            r.objective = match v {
                "igp" => Objective::Igp,
                "te" => Objective::Te,
                "delay" => Objective::Delay,
                "hops" => Objective::Hops,
                _ => return Err(format!("objective={v:?}: expected igp, te, delay or hops")),
            };
        }
        "max-igp" => c.max_igp = Some(num(k)?),
        "max-te" => c.max_te = Some(num(k)?),
        "max-delay" => c.max_delay = Some(num(k)?),
        "max-hops" => c.max_hops = Some(u32::try_from(num(k)?).map_err(|e| e.to_string())?),
        "exclude-node" => {
            c.exclude_nodes = list().map(|n| node(topo, &n)).collect::<Result<_, _>>()?;
        }
        "include-node" => {
            c.include_nodes = list().map(|n| node(topo, &n)).collect::<Result<_, _>>()?;
        }
        "exclude-srlg" => {
            c.exclude_srlgs = list()
                .map(|x| {
                    x.parse()
                        .map_err(|_| format!("exclude-srlg: {x:?} is no SRLG"))
                })
                .collect::<Result<_, _>>()?;
        }
        "exclude-interface" => c.exclude_links = interfaces(topo, &list().collect::<Vec<_>>())?,
        _ => {
            return Err(format!(
                "unknown key {k:?} (bandwidth, objective, max-igp, max-te, max-delay, max-hops, \
                 exclude-node, include-node, exclude-srlg, exclude-interface)"
            ))
        }
    }
    Ok(())
}

/// The path's links by name (parallel links with their interface).
fn link_names(topo: &Topology, p: &Path) -> Vec<String> {
    p.links.iter().map(|&l| topo.link_name(l)).collect()
}

fn segment_label(s: &sr::Segment) -> u32 {
    match *s {
        sr::Segment::Node { label, .. } | sr::Segment::Adjacency { label, .. } => label,
    }
}

fn hops(topo: &Topology, req: &PathRequest, p: &Path) -> Vec<String> {
    let mut v = vec![topo
        .node(req.source)
        .map(|n| n.name.clone())
        .unwrap_or_default()];
    v.extend(
        p.links
            .iter()
            .filter_map(|l| topo.link(*l))
            .filter_map(|l| topo.node(l.to))
            .map(|n| n.name.clone()),
    );
    v
}

fn print_path(topo: &Topology, req: &PathRequest, p: &Path) {
    // Node names; a parallel link shows its interface: R1 -[10.1.2.1]-> R2.
    let mut line = topo
        .node(req.source)
        .map(|n| n.name.clone())
        .unwrap_or_default();
    for &l in &p.links {
        let Some(link) = topo.link(l) else { continue };
        let to = topo.node(link.to).map(|n| n.name.as_str()).unwrap_or("?");
        match (
            topo.is_parallel(l),
            link.local_address,
            link.local_interface_id,
        ) {
            (true, Some(a), _) => line.push_str(&format!(" -[{a}]-> {to}")),
            (true, None, Some(i)) => line.push_str(&format!(" -[if {i}]-> {to}")),
            _ => line.push_str(&format!(" -> {to}")),
        }
    }
    println!(
        "{}  igp={} te={} delay_us={} hops={}{}",
        line,
        p.metrics.igp,
        p.metrics.te,
        p.metrics.delay_us,
        p.metrics.hops,
        if p.optimal {
            ""
        } else {
            " (not proven optimal)"
        }
    );
}
