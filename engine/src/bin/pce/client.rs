//! The CLI commands that talk to a running PCE's management API: readable
//! tables by default, `--json` for scripts, `--api URL` for a remote PCE.

use clap::{Args, Subcommand};
use serde_json::{json, Value};

/// Where the API is, and how to print.
#[derive(Args, Clone)]
pub(crate) struct Target {
    /// The management API (the `[pce] api` of the PCE).
    #[arg(long, global = true, default_value = "http://127.0.0.1:9189")]
    pub(crate) api: String,
    /// Print the API's JSON instead of a table.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// A file holding the API token (else the PCE_API_TOKEN environment
    /// variable; neither: no token).
    #[arg(long, global = true)]
    pub(crate) token_file: Option<std::path::PathBuf>,
    /// With an `https://` API: the CA certificate file (PEM) its
    /// certificate is verified against.
    #[arg(long, global = true)]
    pub(crate) ca_file: Option<std::path::PathBuf>,
    /// With an `https://` API: a client certificate to present (PEM;
    /// `[[api_clients]]`), with `--key-file`.
    #[arg(long, global = true, requires = "key_file")]
    pub(crate) cert_file: Option<std::path::PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(long, global = true, requires = "cert_file")]
    pub(crate) key_file: Option<std::path::PathBuf>,
}

impl Target {
    /// An HTTP agent with the TLS settings given (`--ca-file`,
    /// `--cert-file`, `--key-file`).
    fn agent(&self) -> Result<ureq::Agent, String> {
        use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};
        let read = |what: &str, p: &std::path::Path| {
            std::fs::read(p).map_err(|e| format!("{what} {}: {e}", p.display()))
        };
        let mut tls = TlsConfig::builder();
        if let Some(p) = &self.ca_file {
            let pem = read("--ca-file", p)?;
            let certs = ureq::tls::parse_pem(&pem)
                .filter_map(|i| match i {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect::<Vec<Certificate<'static>>>();
            if certs.is_empty() {
                return Err(format!("--ca-file {}: no certificate", p.display()));
            }
            tls = tls.root_certs(RootCerts::new_with_certs(&certs));
        }
        if let (Some(c), Some(k)) = (&self.cert_file, &self.key_file) {
            let chain = Certificate::from_pem(&read("--cert-file", c)?)
                .map_err(|e| format!("--cert-file {}: {e}", c.display()))?;
            let key = PrivateKey::from_pem(&read("--key-file", k)?)
                .map_err(|e| format!("--key-file {}: {e}", k.display()))?;
            tls = tls.client_cert(Some(ClientCert::new_with_certs(&[chain], key)));
        }
        Ok(ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls.build())
            .build()
            .into())
    }

    /// The token to send, if any.
    fn token(&self) -> Result<Option<String>, String> {
        if let Some(path) = &self.token_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--token-file {}: {e}", path.display()))?;
            return Ok(Some(text.trim().to_string()));
        }
        Ok(std::env::var("PCE_API_TOKEN")
            .ok()
            .filter(|t| !t.is_empty()))
    }
}

/// `pce lsps` filters.
#[derive(Args, Clone)]
pub(crate) struct LspFilter {
    /// Only this PCC's LSPs.
    #[arg(long)]
    pub(crate) pcc: Option<String>,
    /// Only the LSP of this name.
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// Only LSPs delegated to this PCE.
    #[arg(long)]
    pub(crate) delegated: bool,
    /// Only PCE-initiated LSPs.
    #[arg(long)]
    pub(crate) initiated: bool,
    /// Only LSPs this PCE computes that have no path.
    #[arg(long)]
    pub(crate) without_path: bool,
    /// Only members of association groups with this ID.
    #[arg(long)]
    pub(crate) association: Option<u16>,
    /// Only LSPs this PCE (by its address) computes.
    #[arg(long)]
    pub(crate) computing_pce: Option<String>,
}

/// Constraints for `pce lsp create|update` (what `POST /lsps` and
/// `PATCH /lsps/{pcc}/{name}` take).
#[derive(Args, Clone)]
pub(crate) struct Constraints {
    /// Bandwidth, bits per second.
    #[arg(long)]
    pub(crate) bandwidth_bps: Option<f64>,
    /// igp, te, delay or hops.
    #[arg(long)]
    pub(crate) objective: Option<String>,
    /// Hop limit.
    #[arg(long)]
    pub(crate) max_hops: Option<u32>,
    /// Bound on the path's IGP metric.
    #[arg(long)]
    pub(crate) max_igp: Option<u32>,
    /// Bound on the path's TE metric.
    #[arg(long)]
    pub(crate) max_te: Option<u32>,
    /// Bound on the path's delay, microseconds.
    #[arg(long)]
    pub(crate) max_delay_us: Option<u32>,
    /// Affinities: links with any of these colours are avoided (a 32-bit
    /// mask, decimal or 0x hex).
    #[arg(long, value_parser = mask)]
    pub(crate) exclude_any: Option<u32>,
    /// Affinities: links with at least one of these colours only.
    #[arg(long, value_parser = mask)]
    pub(crate) include_any: Option<u32>,
    /// Affinities: links with all of these colours only.
    #[arg(long, value_parser = mask)]
    pub(crate) include_all: Option<u32>,
    /// An SRLG to avoid (repeatable).
    #[arg(long = "exclude-srlg")]
    pub(crate) exclude_srlgs: Vec<u32>,
    /// A node to avoid, by name or address (repeatable).
    #[arg(long = "exclude-node")]
    pub(crate) exclude_nodes: Vec<String>,
    /// An interface to avoid: an address, or NODE%ID (repeatable).
    #[arg(long = "exclude-interface")]
    pub(crate) exclude_interfaces: Vec<String>,
    /// A node to pass through, in order (repeatable).
    #[arg(long = "include-node")]
    pub(crate) include_nodes: Vec<String>,
}

/// A 32-bit mask, decimal or `0x` hex.
fn mask(s: &str) -> Result<u32, String> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16),
        None => s.parse(),
    }
    .map_err(|_| format!("{s:?}: a 32-bit mask (decimal or 0x hex)"))
}

/// The disjoint group of `pce lsp create`.
#[derive(Args, Clone)]
pub(crate) struct Group {
    /// Put the LSP into this disjoint association group (ID 1 to 65534,
    /// RFC 8800).
    #[arg(long)]
    pub(crate) disjoint_group: Option<u16>,
    /// The group's association source (default: the PCE's identity).
    #[arg(long, requires = "disjoint_group")]
    pub(crate) group_source: Option<String>,
    /// link (default), node, srlg, or a combination such as node,srlg.
    #[arg(long, requires = "disjoint_group")]
    pub(crate) disjointness: Option<String>,
    /// No fallback to weaker disjointness (T).
    #[arg(long, requires = "disjoint_group")]
    pub(crate) strict: bool,
    /// Compute this member first, as if alone (P).
    #[arg(long, requires = "disjoint_group")]
    pub(crate) shortest_path: bool,
}

/// `pce lsp ...`.
#[derive(Subcommand, Clone)]
pub(crate) enum LspCommand {
    /// Create a PCE-initiated LSP.
    Create {
        #[arg(long)]
        pcc: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        source: String,
        #[arg(long)]
        destination: String,
        /// sr or rsvp.
        #[arg(long, default_value = "sr")]
        setup: String,
        /// SR policy colour.
        #[arg(long)]
        color: Option<u32>,
        #[command(flatten)]
        constraints: Constraints,
        #[command(flatten)]
        group: Group,
    },
    /// Change the constraints of a PCE-initiated or delegated LSP.
    Update {
        #[arg(long)]
        pcc: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        constraints: Constraints,
    },
    /// Delete a PCE-initiated LSP.
    Delete {
        #[arg(long)]
        pcc: String,
        #[arg(long)]
        name: String,
    },
    /// Return an LSP's delegation to its PCC (and again whenever it
    /// delegates it, until `accept`).
    Return {
        #[arg(long)]
        pcc: String,
        #[arg(long)]
        name: String,
    },
    /// Keep an LSP's delegation again the next time its PCC gives it.
    Accept {
        #[arg(long)]
        pcc: String,
        #[arg(long)]
        name: String,
    },
}

fn constraints_json(c: &Constraints) -> Value {
    let mut v = json!({});
    if let Some(b) = c.bandwidth_bps {
        v["bandwidth_bps"] = json!(b);
    }
    if let Some(o) = &c.objective {
        v["objective"] = json!(o);
    }
    for (k, n) in [
        ("max_hops", c.max_hops),
        ("max_igp", c.max_igp),
        ("max_te", c.max_te),
        ("max_delay_us", c.max_delay_us),
        ("exclude_any", c.exclude_any),
        ("include_any", c.include_any),
        ("include_all", c.include_all),
    ] {
        if let Some(n) = n {
            v[k] = json!(n);
        }
    }
    if !c.exclude_srlgs.is_empty() {
        v["exclude_srlgs"] = json!(c.exclude_srlgs);
    }
    for (k, list) in [
        ("exclude_nodes", &c.exclude_nodes),
        ("exclude_interfaces", &c.exclude_interfaces),
        ("include_nodes", &c.include_nodes),
    ] {
        if !list.is_empty() {
            v[k] = json!(list);
        }
    }
    v
}

fn group_json(g: &Group) -> Option<Value> {
    let id = g.disjoint_group?;
    let mut v = json!({ "id": id, "strict": g.strict, "shortest_path": g.shortest_path });
    if let Some(s) = &g.group_source {
        v["source"] = json!(s);
    }
    if let Some(d) = &g.disjointness {
        v["disjointness"] = json!(d);
    }
    Some(v)
}

/// A request with the `Authorization` header, when there is a token.
fn with_token<B>(r: ureq::RequestBuilder<B>, bearer: Option<&str>) -> ureq::RequestBuilder<B> {
    match bearer {
        Some(b) => r.header("Authorization", b),
        None => r,
    }
}

/// An API call; `Err` is the message to print.
fn call(t: &Target, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
    let url = format!("{}{path}", t.api.trim_end_matches('/'));
    let agent = t.agent()?;
    let bearer = t.token()?.map(|t| format!("Bearer {t}"));
    let bearer = bearer.as_deref();
    let response = match (method, body) {
        ("GET", _) => with_token(agent.get(&url), bearer).call(),
        ("DELETE", _) => with_token(agent.delete(&url), bearer).call(),
        ("POST", Some(b)) => with_token(agent.post(&url), bearer).send_json(b),
        ("PATCH", Some(b)) => with_token(agent.patch(&url), bearer).send_json(b),
        _ => return Err(format!("internal: {method} without a body")),
    };
    answer(t, &url, response).map(|(v, _)| v)
}

/// `pce snapshot`: `GET /snapshot` into `output` (else standard output),
/// a summary on standard error. The body is not parsed whole (it is
/// hundreds of MB at 200,000 LSPs); only its counts are read back.
/// The body of an answer however large, or the API's error.
fn whole_answer(
    t: &Target,
    url: &str,
    sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<Vec<u8>, String> {
    let mut r = sent.map_err(|e| {
        format!(
            "cannot reach the PCE's management API at {}: {e} (is `pce serve` running? --api URL)",
            t.api
        )
    })?;
    let status = r.status().as_u16();
    let body = r
        .body_mut()
        .with_config()
        .limit(u64::MAX)
        .read_to_vec()
        .map_err(|e| format!("{url}: {e}"))?;
    if status >= 400 {
        let v: Value = serde_json::from_slice(&body).unwrap_or_default();
        return Err(format!(
            "{status}: {}",
            v["error"].as_str().unwrap_or("error")
        ));
    }
    Ok(body)
}

pub(crate) fn snapshot(t: &Target, output: Option<&std::path::Path>) -> Result<(), String> {
    let url = format!("{}/snapshot", t.api.trim_end_matches('/'));
    let bearer = t.token()?.map(|t| format!("Bearer {t}"));
    let body = whole_answer(
        t,
        &url,
        with_token(t.agent()?.get(&url), bearer.as_deref()).call(),
    )?;
    #[derive(serde::Deserialize)]
    struct Counts {
        topology: Topology,
        lsps: Vec<serde::de::IgnoredAny>,
    }
    #[derive(serde::Deserialize)]
    struct Topology {
        nodes: Vec<serde::de::IgnoredAny>,
        links: Vec<serde::de::IgnoredAny>,
    }
    let counts: Counts =
        serde_json::from_slice(&body).map_err(|e| format!("{url}: not a snapshot: {e}"))?;
    match output {
        Some(path) => {
            std::fs::write(path, &body).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(&body)
                .map_err(|e| format!("standard output: {e}"))?;
        }
    }
    eprintln!(
        "snapshot: {} nodes, {} links, {} LSPs{}",
        counts.topology.nodes.len(),
        counts.topology.links.len(),
        counts.lsps.len(),
        output
            .map(|p| format!(", in {}", p.display()))
            .unwrap_or_default()
    );
    Ok(())
}

/// The body of an API answer, and the next page's path (the `Link`
/// header, RFC 8288) when there is more; `Err` is the message to print.
fn answer(
    t: &Target,
    url: &str,
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<(Value, Option<String>), String> {
    let mut r = response.map_err(|e| {
        format!(
            "cannot reach the PCE's management API at {}: {e} (is `pce serve` running? --api URL)",
            t.api
        )
    })?;
    let next = r
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .and_then(|l| l.strip_prefix('<'))
        .and_then(|l| l.strip_suffix(">; rel=\"next\""))
        .map(String::from);
    let status = r.status().as_u16();
    let v: Value = r
        .body_mut()
        .read_json()
        .map_err(|e| format!("{url}: answer is not JSON: {e}"))?;
    if status >= 400 {
        return Err(format!(
            "{status}: {}",
            v["error"].as_str().unwrap_or("error")
        ));
    }
    Ok((v, next))
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

/// Print rows as aligned columns.
fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut width: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.len());
        }
    }
    let line = |cells: Vec<String>| {
        let s: Vec<String> = cells
            .iter()
            .zip(&width)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", s.join("  ").trim_end());
    };
    line(headers.iter().map(ToString::to_string).collect());
    for r in rows {
        line(r.clone());
    }
}

fn rows(v: &Value, cols: &[&dyn Fn(&Value) -> String]) -> Vec<Vec<String>> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| cols.iter().map(|c| c(x)).collect())
                .collect()
        })
        .unwrap_or_default()
}

/// How a command's answer is printed as text.
type Printer = Box<dyn Fn(&Value)>;

/// A GET of one page: the body, and the next page's path.
fn page(t: &Target, path: &str) -> Result<(Value, Option<String>), String> {
    let url = format!("{}{path}", t.api.trim_end_matches('/'));
    let agent = t.agent()?;
    let bearer = t.token()?.map(|t| format!("Bearer {t}"));
    let response = with_token(agent.get(&url), bearer.as_deref()).call();
    answer(t, &url, response)
}

/// Every page of a listing, from `path` on, as one array.
fn every_page(t: &Target, path: &str) -> Result<Value, String> {
    let (mut all, mut next) = (Vec::new(), Some(path.to_owned()));
    while let Some(p) = next {
        let (v, n) = page(t, &p)?;
        all.extend(v.as_array().cloned().unwrap_or_default());
        next = n;
    }
    Ok(Value::Array(all))
}

/// The columns of `pce lsps`.
const LSP_COLUMNS: [&str; 12] = [
    "PCC",
    "PLSP",
    "NAME",
    "SETUP",
    "OPER",
    "DELEG",
    "INIT",
    "COMPUTED BY",
    "SUB-DELEGATED",
    "PENDING",
    "NO PATH",
    "PATH",
];

fn lsp_row(x: &Value) -> Vec<String> {
    vec![
        text(&x["pcc"]),
        text(&x["plsp_id"]),
        text(&x["name"]),
        text(&x["setup"]),
        text(&x["operational"]),
        text(&x["delegated"]),
        text(&x["initiated"]),
        text(&x["computing_pce"]),
        // This PCE sub-delegated it to a peer, or a peer to this PCE
        // (draft-ietf-pce-state-sync §3.5).
        match (&x["sub_delegated_to"], &x["delegated_by"]) {
            (Value::String(to), _) => format!("to {to}"),
            (_, Value::String(by)) => format!("by {by}"),
            _ => "-".into(),
        },
        text(&x["pending_srp"]),
        // Whether the last computation found none: proven, or not within
        // the search limits.
        match (&x["no_path"], &x["proven"]) {
            (Value::Bool(true), Value::Bool(true)) => "none exists".into(),
            (Value::Bool(true), _) => "none found".into(),
            _ => "-".into(),
        },
        text(&x["reported_path"]),
    ]
}

/// `pce lsps`: every page of `GET /lsps`, printed as it comes (a table
/// whose columns are as wide as the first page needs, or with `--json` one
/// object per line); a closed pipe (`pce lsps | head`) ends it quietly.
fn list_lsps(t: &Target, filter: Option<&LspFilter>) -> Result<(), String> {
    use std::io::Write;
    let mut q = Vec::new();
    if let Some(f) = filter {
        if let Some(p) = &f.pcc {
            q.push(format!("pcc={p}"));
        }
        if let Some(n) = &f.name {
            q.push(format!("name={}", pce_engine::runtime::api::urlencode(n)));
        }
        for (k, on) in [
            ("delegated", f.delegated),
            ("initiated", f.initiated),
            ("without_path", f.without_path),
        ] {
            if on {
                q.push(format!("{k}=true"));
            }
        }
        if let Some(a) = f.association {
            q.push(format!("association={a}"));
        }
        if let Some(p) = &f.computing_pce {
            q.push(format!(
                "computing_pce={}",
                pce_engine::runtime::api::urlencode(p)
            ));
        }
    }
    let mut path = Some(if q.is_empty() {
        "/lsps".to_string()
    } else {
        format!("/lsps?{}", q.join("&"))
    });
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut width: Option<Vec<usize>> = None;
    let written = (|| -> std::io::Result<()> {
        while let Some(p) = path.take() {
            let (v, next) = page(t, &p).map_err(std::io::Error::other)?;
            let items = v.as_array().cloned().unwrap_or_default();
            if t.json {
                for x in &items {
                    writeln!(out, "{x}")?;
                }
            } else {
                let rows: Vec<Vec<String>> = items.iter().map(lsp_row).collect();
                let w = width.get_or_insert_with(|| {
                    let mut w: Vec<usize> = LSP_COLUMNS.iter().map(|h| h.len()).collect();
                    for r in &rows {
                        for (w, c) in w.iter_mut().zip(r) {
                            *w = (*w).max(c.len());
                        }
                    }
                    w
                });
                let line = |cells: &[String]| {
                    let s: Vec<String> = cells
                        .iter()
                        .zip(w.iter())
                        .map(|(c, w)| format!("{c:<w$}"))
                        .collect();
                    s.join("  ").trim_end().to_owned()
                };
                // The header once, before the first page.
                if !p.contains("after=") {
                    let header: Vec<String> = LSP_COLUMNS.iter().map(ToString::to_string).collect();
                    writeln!(out, "{}", line(&header))?;
                }
                for r in &rows {
                    writeln!(out, "{}", line(r))?;
                }
            }
            out.flush()?;
            path = next;
        }
        Ok(())
    })();
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// `pce plan`'s options: on a running PCE (`POST /plan`), or offline on a
/// snapshot file or a topology and an LSP file.
#[derive(Args, Clone)]
pub(crate) struct PlanArgs {
    /// Failures each alone: links, nodes, srlgs, srlg_pairs
    /// (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub(crate) every: Vec<String>,
    /// A JSON file of failure sets: `[{"name": ..., "events": [...]}]`.
    #[arg(long)]
    pub(crate) scenarios: Option<std::path::PathBuf>,
    /// Start from grown demand: the selected LSPs' bandwidth times this.
    #[arg(long)]
    pub(crate) demand: Option<f64>,
    /// With --demand: only the LSPs of these PCCs (comma-separated).
    #[arg(long, value_delimiter = ',', requires = "demand")]
    pub(crate) demand_pccs: Vec<String>,
    /// With --demand: only the LSPs of these names (comma-separated).
    #[arg(long, value_delimiter = ',', requires = "demand")]
    pub(crate) demand_names: Vec<String>,
    /// Start from LSPs added: an LSP file (a JSON list of `POST /lsps`
    /// bodies: pcc, name, source, destination, bandwidth, constraints,
    /// disjoint_group).
    #[arg(long)]
    pub(crate) add: Option<std::path::PathBuf>,
    /// Plan offline on a snapshot file (`pce snapshot`), not on a
    /// running PCE.
    #[arg(long, conflicts_with_all = ["topology", "lsps"])]
    pub(crate) snapshot: Option<std::path::PathBuf>,
    /// Plan offline on a topology file with the LSPs of `--lsps` placed
    /// on it from an empty network.
    #[arg(long, requires = "lsps")]
    pub(crate) topology: Option<std::path::PathBuf>,
    /// The LSP file placed on `--topology` (as `--add`'s).
    #[arg(long, requires = "topology")]
    pub(crate) lsps: Option<std::path::PathBuf>,
    /// The utilization from which a link is listed for an upgrade.
    #[arg(long, default_value_t = 0.8)]
    pub(crate) upgrade_above: f64,
    /// Write the whole answer (JSON) here.
    #[arg(long, short)]
    pub(crate) output: Option<std::path::PathBuf>,
    /// Write a report here: one HTML file, readable offline, with its
    /// plots (utilization histogram, worst utilization per link, LSPs
    /// without a path per scenario, the topology in worst-case colours).
    #[arg(long)]
    pub(crate) html: Option<std::path::PathBuf>,
}

fn read_json(what: &str, p: &std::path::Path) -> Result<Value, String> {
    let text = std::fs::read(p).map_err(|e| format!("{what} {}: {e}", p.display()))?;
    serde_json::from_slice(&text).map_err(|e| format!("{what} {}: not JSON: {e}", p.display()))
}

/// `pce plan`: a what-if plan on a running PCE (`POST /plan`) or offline;
/// a summary on standard output (the API's JSON with `--json`), the whole
/// answer in `--output`, a report in `--html`.
pub(crate) fn plan(t: &Target, a: &PlanArgs) -> Result<(), String> {
    let scenarios: Value = match &a.scenarios {
        Some(p) => read_json("--scenarios", p)?,
        None => json!([]),
    };
    let mut body = json!({
        "every": a.every,
        "scenarios": scenarios,
        "upgrade_above": a.upgrade_above,
    });
    if a.demand.is_some() || a.add.is_some() {
        let add = match &a.add {
            Some(p) => read_json("--add", p)?,
            None => json!([]),
        };
        body["demand"] = json!({
            "scale": a.demand.unwrap_or(1.0),
            "pccs": a.demand_pccs,
            "names": a.demand_names,
            "add": add,
        });
    }
    let offline = a.snapshot.is_some() || a.topology.is_some();
    let (raw, topology) = if offline {
        offline_plan(a, body)?
    } else {
        let url = format!("{}/plan", t.api.trim_end_matches('/'));
        let bearer = t.token()?.map(|t| format!("Bearer {t}"));
        // The server says nothing until it answers: on a terminal, the
        // time so far (the plan's limit is the server's plan_limit).
        let running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let ticker = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
            let running = std::sync::Arc::clone(&running);
            let start = pce_engine::runtime::clock::now();
            std::thread::spawn(move || {
                while running.load(std::sync::atomic::Ordering::Relaxed) {
                    eprint!(
                        "\rplanning on the PCE: {:.0} s",
                        start.elapsed().as_secs_f64()
                    );
                    std::thread::park_timeout(std::time::Duration::from_millis(500));
                }
                eprintln!();
            })
        });
        let raw = whole_answer(
            t,
            &url,
            with_token(t.agent()?.post(&url), bearer.as_deref())
                .header("content-type", "application/json")
                .send(body.to_string()),
        );
        running.store(false, std::sync::atomic::Ordering::Relaxed);
        if let Some(ticker) = ticker {
            ticker.thread().unpark();
            let _ = ticker.join();
        }
        let raw = raw?;
        let topology = match &a.html {
            Some(_) => Some(call(t, "GET", "/topology", None)?),
            None => None,
        };
        (raw, topology)
    };
    let v: Value = serde_json::from_slice(&raw).map_err(|e| format!("plan: not JSON: {e}"))?;
    if let Some(path) = &a.output {
        std::fs::write(path, &raw).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let (Some(path), Some(topology)) = (&a.html, topology) {
        let html = pce_engine::runtime::web::plan_report(&v, &topology)?;
        std::fs::write(path, html).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if t.json {
        println!("{v}");
        return Ok(());
    }
    print!("{}", plan_summary(&v, a.upgrade_above));
    Ok(())
}

/// A plan offline: the core built from the snapshot or the topology and
/// LSP file, the plan run on this machine's cores with a progress bar on
/// a terminal. The answer and the topology (as `GET /topology`).
fn offline_plan(a: &PlanArgs, body: Value) -> Result<(Vec<u8>, Option<Value>), String> {
    use pce_engine::pce::Pce;
    let now = pce_engine::runtime::clock::now();
    let (core, me) = if let Some(p) = &a.snapshot {
        let text = std::fs::read(p).map_err(|e| format!("--snapshot {}: {e}", p.display()))?;
        let snap: pce_engine::pce::snapshot::Snapshot = serde_json::from_slice(&text)
            .map_err(|e| format!("--snapshot {}: {e}", p.display()))?;
        let (core, skipped) = Pce::from_snapshot(&snap, now)
            .map_err(|e| format!("--snapshot {}: {e}", p.display()))?;
        if skipped > 0 {
            eprintln!(
                "{skipped} LSPs of PCCs named only by a peer PCE left out (they hold no bandwidth of this PCE's)"
            );
        }
        (core, snap.pce)
    } else {
        let (Some(tp), Some(lp)) = (&a.topology, &a.lsps) else {
            return Err("offline: --snapshot, or --topology with --lsps".into());
        };
        let topo = pce_engine::topology::TopologyFile::load(tp)
            .map_err(|e| format!("--topology {}: {e}", tp.display()))?;
        let lsps = read_json("--lsps", lp)?;
        let lsps = lsps
            .as_array()
            .ok_or_else(|| format!("--lsps {}: not a JSON list", lp.display()))?;
        let specs = pce_engine::runtime::api::lsp_file(lsps, &topo, None)
            .map_err(|e| format!("--lsps {}: {e}", lp.display()))?;
        let core = Pce::from_lsps(topo, &specs, now)
            .map_err(|e| format!("--lsps {}: {e}", lp.display()))?;
        (core, None)
    };
    let topology =
        pce_engine::runtime::api::topology_json(core.topology().topology(), &core.reserved());
    let req: pce_engine::runtime::api::PlanRequest =
        serde_json::from_value(body).map_err(|e| e.to_string())?;
    let bar = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = |done: usize, of: usize| {
        if bar && of > 0 {
            let width = 40;
            let filled = done * width / of;
            eprint!(
                "\r[{}{}] {done}/{of} scenarios",
                "#".repeat(filled),
                " ".repeat(width - filled)
            );
            if done == of {
                eprintln!();
            }
        }
    };
    let report = pce_engine::runtime::api::run_plan(core, req, me, None, &progress)?;
    let raw = serde_json::to_vec(&report).map_err(|e| e.to_string())?;
    Ok((raw, a.html.as_ref().map(|_| topology)))
}

/// A plan's answer in a few lines.
fn plan_summary(v: &Value, upgrade_above: f64) -> String {
    use std::fmt::Write;
    let pct = |u: &Value| format!("{:.1}%", u.as_f64().unwrap_or(0.0) * 100.0);
    let empty = Vec::new();
    let list = |k: &str| v[k].as_array().unwrap_or(&empty);
    let scenarios = list("scenarios");
    let mut out = String::new();
    if let Some(d) = v.get("demand") {
        let _ = writeln!(
            out,
            "demand x{}: {} LSPs scaled, {} added, {} left without a path",
            d["scale"],
            d["scaled"],
            d["added"],
            d["unplaceable"].as_array().map_or(0, Vec::len)
        );
    }
    let _ = writeln!(
        out,
        "without failure: busiest link at {}",
        pct(&v["base"]["max_utilization"])
    );
    let moved: usize = scenarios
        .iter()
        .map(|s| s["moved"].as_array().map_or(0, Vec::len))
        .sum();
    let lost: usize = scenarios
        .iter()
        .map(|s| s["unplaceable"].as_array().map_or(0, Vec::len))
        .sum();
    let _ = writeln!(
        out,
        "{} scenarios: {moved} LSP moves, {lost} LSPs left without a path",
        scenarios.len()
    );
    for w in list("worst").iter().take(5) {
        let _ = writeln!(
            out,
            "  worst {:<24} {:>7}  ({})",
            w["link"].as_str().unwrap_or("?"),
            pct(&w["utilization"]),
            w["scenario"].as_str().unwrap_or("without failure")
        );
    }
    let _ = writeln!(
        out,
        "{} links at or above {:.0}% in some scenario",
        list("upgrades").len(),
        upgrade_above * 100.0
    );
    for u in list("most_unplaceable").iter().take(5) {
        let _ = writeln!(
            out,
            "  without a path in {} scenarios: {} {}",
            u[2],
            u[0].as_str().unwrap_or("?"),
            u[1].as_str().unwrap_or("?")
        );
    }
    out
}

/// Run a client command.
pub(crate) fn run(
    t: &Target,
    what: &str,
    filter: Option<&LspFilter>,
    lsp: Option<&LspCommand>,
) -> Result<(), String> {
    if what == "lsps" {
        return list_lsps(t, filter);
    }
    let (v, show): (Value, Printer) = match (what, lsp) {
        ("sessions", _) => (
            every_page(t, "/sessions")?,
            Box::new(|v: &Value| {
                table(
                    &[
                        "ID", "PEER", "STATE", "STATEFUL", "UPDATE", "INITIATE", "SR", "MSD",
                    ],
                    &rows(
                        v,
                        &[
                            &|x| text(&x["id"]),
                            &|x| text(&x["peer"]),
                            &|x| text(&x["state"]),
                            &|x| text(&x["capabilities"]["stateful"]),
                            &|x| text(&x["capabilities"]["update"]),
                            &|x| text(&x["capabilities"]["instantiation"]),
                            &|x| text(&x["capabilities"]["segment_routing"]),
                            &|x| text(&x["capabilities"]["msd"]),
                        ],
                    ),
                );
            }),
        ),
        ("associations", _) => (
            every_page(t, "/associations")?,
            Box::new(|v: &Value| {
                table(
                    &["TYPE", "ID", "SOURCE", "MEMBERS", "ONE PCE"],
                    &rows(
                        v,
                        &[
                            &|x| text(&x["type"]),
                            &|x| text(&x["id"]),
                            &|x| text(&x["source"]),
                            &|x| {
                                x["members"]
                                    .as_array()
                                    .map(|m| {
                                        m.iter()
                                            .map(|m| {
                                                format!("{}/{}", text(&m["pcc"]), text(&m["name"]))
                                            })
                                            .collect::<Vec<_>>()
                                            .join(",")
                                    })
                                    .unwrap_or_default()
                            },
                            &|x| text(&x["computed_by_one_pce"]),
                        ],
                    ),
                );
            }),
        ),
        ("peers", _) => (
            call(t, "GET", "/peers", None)?,
            Box::new(|v: &Value| {
                println!(
                    "state-sync: {}, mesh complete: {}",
                    text(&v["state_sync"]),
                    text(&v["mesh_complete"])
                );
                table(
                    &["PEER", "PRIORITY", "SESSION", "SYNCHRONIZED"],
                    &rows(
                        &v["peers"],
                        &[
                            &|x| text(&x["address"]),
                            &|x| text(&x["priority"]),
                            &|x| text(&x["session_up"]),
                            &|x| text(&x["synchronized"]),
                        ],
                    ),
                );
            }),
        ),
        ("topology", _) => (
            call(t, "GET", "/topology", None)?,
            Box::new(|v: &Value| {
                table(
                    &["NODE", "ROUTER-ID", "SID", "ADDRESSES"],
                    &rows(
                        &v["nodes"],
                        &[
                            &|x| text(&x["name"]),
                            &|x| text(&x["router_id"]),
                            &|x| text(&x["node_sid"]),
                            &|x| text(&x["addresses"]),
                        ],
                    ),
                );
                println!();
                table(
                    &[
                        "FROM",
                        "TO",
                        "IGP",
                        "TE",
                        "DELAY(us)",
                        "BANDWIDTH(bps)",
                        "UP",
                    ],
                    &rows(
                        &v["links"],
                        &[
                            &|x| text(&x["from"]),
                            &|x| text(&x["to"]),
                            &|x| text(&x["igp_metric"]),
                            &|x| text(&x["te_metric"]),
                            &|x| text(&x["delay_us"]),
                            &|x| text(&x["bandwidth_bps"]),
                            &|x| text(&x["up"]),
                        ],
                    ),
                );
            }),
        ),
        ("lsp", Some(cmd)) => {
            let v = match cmd {
                LspCommand::Create {
                    pcc,
                    name,
                    source,
                    destination,
                    setup,
                    color,
                    constraints,
                    group,
                } => {
                    let mut body = constraints_json(constraints);
                    if let Some(g) = group_json(group) {
                        body["disjoint_group"] = g;
                    }
                    body["pcc"] = json!(pcc);
                    body["name"] = json!(name);
                    body["source"] = json!(source);
                    body["destination"] = json!(destination);
                    body["setup"] = json!(setup);
                    if let Some(c) = color {
                        body["color"] = json!(c);
                    }
                    call(t, "POST", "/lsps", Some(body))?
                }
                LspCommand::Update {
                    pcc,
                    name,
                    constraints,
                } => call(
                    t,
                    "PATCH",
                    &format!("/lsps/{pcc}/{name}"),
                    Some(constraints_json(constraints)),
                )?,
                LspCommand::Delete { pcc, name } => {
                    call(t, "DELETE", &format!("/lsps/{pcc}/{name}"), None)?
                }
                LspCommand::Return { pcc, name } => {
                    call(t, "DELETE", &format!("/lsps/{pcc}/{name}/delegation"), None)?
                }
                LspCommand::Accept { pcc, name } => call(
                    t,
                    "POST",
                    &format!("/lsps/{pcc}/{name}/delegation"),
                    Some(json!({})),
                )?,
            };
            (
                v,
                Box::new(|v: &Value| {
                    println!(
                        "ok: {} {}{}",
                        text(&v["pcc"]),
                        text(&v["name"]),
                        v.get("srp_id")
                            .map(|s| format!(" (SRP-ID {s})"))
                            .unwrap_or_default()
                    );
                }),
            )
        }
        _ => return Err(format!("unknown command {what}")),
    };
    if t.json {
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        show(&v);
    }
    Ok(())
}
