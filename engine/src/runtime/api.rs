//! The management API: REST/JSON on `[pce] api` (described in
//! `engine/openapi.yaml`, which a test checks against [`ROUTES`]).
//!
//! Reads (sessions, LSPs, topology, health) come from the snapshots the core
//! task publishes (one consistent version, no lock) without going through
//! the core; writes (PCE-initiated LSPs) are commands to the core task,
//! answered when the core has acted and its snapshot shows it.
//! Every error is `{"error": "..."}` with a 4xx/5xx status that says what
//! was wrong.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use pcep::wire::object::{Bandwidth, Lspa, Metric};
use pcep::wire::{Attributes, MetricType, PathSetupType};
use serde::{Deserialize, Serialize};

use super::auth::{changes_state, Caller, Role, Tokens};
use super::server::{Command, CoreHandle, Shared};
use crate::lspdb::{LspEntry, LspKey, LspSnapshot, PccId};
use crate::pce::{Command as PceCommand, CommandError, InitiateSpec};

/// Every route, as `METHOD path` (the OpenAPI file must list exactly these).
pub const ROUTES: &[&str] = &[
    "GET /",
    "GET /health",
    "GET /sessions",
    "GET /lsps",
    "POST /lsps",
    "GET /lsps/{pcc}/{name}",
    "PATCH /lsps/{pcc}/{name}",
    "DELETE /lsps/{pcc}/{name}",
    "DELETE /lsps/{pcc}/{name}/delegation",
    "POST /lsps/{pcc}/{name}/delegation",
    "POST /lsps/{pcc}/{name}/resync",
    "POST /pccs/{pcc}/resync",
    "GET /topology",
    "PATCH /topology/links/{a}/{b}",
    "PATCH /topology/nodes/{node}",
    "DELETE /topology/overrides",
    "POST /reoptimize",
    "GET /snapshot",
    "POST /plan",
    "GET /counters",
    "GET /lsps/count",
    "GET /intent",
    "GET /events",
    "GET /peers",
    "POST /peers/{peer}/resync",
    "GET /associations",
    "GET /metrics",
    "POST /compute",
];

#[derive(Clone)]
struct Api {
    shared: Arc<Shared>,
    core: CoreHandle,
    tokens: Arc<Tokens>,
    /// Refusal log lines (at most one a second).
    refusals: Arc<std::sync::Mutex<crate::runtime::server::Throttled>>,
}

/// An API error: a status and a message.
#[derive(Debug)]
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl From<CommandError> for ApiError {
    fn from(e: CommandError) -> Self {
        let status = match e {
            CommandError::NoSession(_) | CommandError::UnknownLsp { .. } => StatusCode::NOT_FOUND,
            CommandError::NameInUse { .. } | CommandError::NotDelegated { .. } => {
                StatusCode::CONFLICT
            }
            CommandError::NotCapable(_)
            | CommandError::NoTriggeredResync(_)
            | CommandError::NotSynchronized(_)
            | CommandError::NoPath(_)
            | CommandError::Topology(_) => StatusCode::UNPROCESSABLE_ENTITY,
            CommandError::NotStored(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self(status, e.to_string())
    }
}

fn core_gone() -> ApiError {
    ApiError(
        StatusCode::SERVICE_UNAVAILABLE,
        "the PCE core is not running".into(),
    )
}

/// The router.
pub fn router(shared: Arc<Shared>, core: CoreHandle) -> Router {
    let tokens = Tokens::new(
        shared
            .config
            .api_tokens
            .iter()
            .map(|t| (t.name.as_str(), t.role, t.sha256.as_str())),
    )
    .requiring(!shared.config.api_clients.is_empty());
    let api = Api {
        shared,
        core,
        tokens: Arc::new(tokens),
        refusals: Arc::default(),
    };
    Router::new()
        .route("/", get(super::web::view))
        .route("/health", get(health))
        .route("/sessions", get(sessions))
        .route("/lsps", get(lsps).post(create))
        .route("/lsps/count", get(lsps_count))
        .route("/lsps/{pcc}/{name}", get(lsp).patch(update).delete(delete))
        .route(
            "/lsps/{pcc}/{name}/delegation",
            axum::routing::delete(return_delegation).post(accept_delegation),
        )
        .route("/lsps/{pcc}/{name}/resync", axum::routing::post(resync_lsp))
        .route("/pccs/{pcc}/resync", axum::routing::post(resync_pcc))
        .route("/peers/{peer}/resync", axum::routing::post(resync_peer))
        .route("/topology", get(topology))
        .route("/topology/links/{a}/{b}", axum::routing::patch(patch_link))
        .route("/topology/nodes/{node}", axum::routing::patch(patch_node))
        .route(
            "/topology/overrides",
            axum::routing::delete(clear_topology_overrides),
        )
        .route("/reoptimize", axum::routing::post(reoptimize))
        .route("/snapshot", get(snapshot))
        .route("/plan", axum::routing::post(plan))
        .route("/counters", get(counters))
        .route("/intent", get(intent))
        .route("/events", get(events))
        .route("/peers", get(peers))
        .route("/associations", get(associations))
        .route("/metrics", get(metrics))
        .route("/compute", axum::routing::post(compute))
        .fallback(|| async {
            ApiError(
                StatusCode::NOT_FOUND,
                "no such route (see engine/openapi.yaml)".into(),
            )
        })
        .layer(axum::middleware::from_fn_with_state(api.clone(), authorize))
        .with_state(api)
}

/// Every call: its caller (a token's name and role, `[[api_tokens]]`),
/// what the role allows, and an audit line for each call that changes
/// state, with the caller, its address and the answer's status. Without
/// tokens every caller is `anonymous` with the operator role (the API is
/// then on a loopback address). `GET /health` needs no token (probes).
async fn authorize(
    State(api): State<Api>,
    axum::extract::ConnectInfo(Peer(peer, certified)): axum::extract::ConnectInfo<Peer>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let presented = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .map(axum::http::HeaderValue::as_bytes);
    // A token, when one is presented, else the client certificate's caller.
    let checked = match (presented, certified) {
        (None, Some(caller)) => Ok(caller),
        (presented, _) => api.tokens.check(presented),
    };
    let caller = match checked {
        Ok(c) => c,
        // The web view's page holds no state: its calls present the token.
        Err(_) if method == axum::http::Method::GET && (path == "/health" || path == "/") => {
            Caller {
                name: "anonymous".into(),
                role: Role::Read,
            }
        }
        Err(refusal) => {
            api.shared.metrics.api_unauthorized();
            api.refused(|suppressed| {
                tracing::warn!(%peer, %method, path, suppressed, "management API: call refused (401): {} (lines suppressed in the last second: {suppressed})", refusal.message());
            });
            let mut r =
                ApiError(StatusCode::UNAUTHORIZED, refusal.message().into()).into_response();
            r.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
            return r;
        }
    };
    if !caller.role.may(&method, &path) {
        api.shared.metrics.api_forbidden();
        // An audit line, never suppressed: the caller is known (a flood
        // of anonymous calls is what the throttle is for).
        tracing::warn!(target: "pce::audit", caller = %caller.name, role = caller.role.name(), %peer, %method, path, status = 403, "management API call refused: the role does not allow it");
        return ApiError(
            StatusCode::FORBIDDEN,
            format!(
                "{method} {path} needs the operator role; token {:?} has the role {}",
                caller.name,
                caller.role.name()
            ),
        )
        .into_response();
    }
    let audit = changes_state(&method, &path);
    let response = next.run(request).await;
    if audit {
        tracing::info!(target: "pce::audit", caller = %caller.name, role = caller.role.name(), %peer, %method, path, status = response.status().as_u16(), "management API call");
    }
    response
}

/// The address an API call came from, and the caller its client
/// certificate names (`[[api_clients]]`), if any.
#[derive(Clone, Debug)]
struct Peer(SocketAddr, Option<Caller>);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, Limited>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, Limited>) -> Self {
        Self(*stream.remote_addr(), stream.io().caller.clone())
    }
}

/// The `[[api_clients]]` caller a client certificate names, if any.
fn certified_caller(shared: &Shared, tls: &pce_tls::TlsStream) -> Option<Caller> {
    let cert = tls.peer_certificate()?;
    shared.config.api_clients.iter().find_map(|c| {
        let name = pce_tls::server_name(Some(&c.name), shared.config.pce.api.ip()).ok()?;
        pce_tls::names(cert, &name).then(|| Caller {
            name: c.name.as_str().into(),
            role: c.role,
        })
    })
}

impl Api {
    /// Log a refusal, at most once a second (`line` gets how many were not
    /// logged).
    fn refused(&self, line: impl FnOnce(u64)) {
        let allowed = self
            .refusals
            .lock()
            .ok()
            .and_then(|mut t| t.allow(crate::runtime::clock::now()));
        match allowed {
            Some(suppressed) => line(suppressed),
            None => self.shared.metrics.log_suppressed(),
        }
    }
}

/// Serve the API on `addr`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    core: CoreHandle,
) -> std::io::Result<()> {
    let https = shared.api_tls.load().is_some();
    tracing::info!(address = %listener.local_addr()?, https, "management API listening");
    if !https && !shared.config.pce.api.ip().is_loopback() {
        tracing::warn!("the management API is not on a loopback address and has no [api_tls]: its tokens travel in clear");
    }
    // The filters' indexes, once a query has built them, follow the
    // database once a second, off the runtime's workers: an old version
    // is not held for long.
    let weak = Arc::downgrade(&shared);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(s) = weak.upgrade() else { return };
            if tokio::task::spawn_blocking(move || s.lookup.refresh(&s.lspdb))
                .await
                .is_err()
            {
                return;
            }
        }
    });
    let (ready_tx, ready) = tokio::sync::mpsc::channel(64);
    let limited = Limited {
        slots: Arc::new(tokio::sync::Semaphore::new(
            shared.config.pce.max_api_connections,
        )),
        listener,
        shared: Arc::clone(&shared),
        errors: crate::runtime::server::Throttled::default(),
        refusals: crate::runtime::server::Throttled::default(),
        ready_tx,
        ready,
        failures: Arc::default(),
    };
    axum::serve(
        limited,
        router(shared, core).into_make_service_with_connect_info::<Peer>(),
    )
    .await
}

/// The API's listener: at most `max_api_connections` connections at once
/// (the excess is closed as it is accepted, counted and logged), so API
/// clients cannot take the descriptors PCEP sessions need; accept errors
/// are retried after a pause, never fatal.
struct Limited {
    listener: tokio::net::TcpListener,
    slots: Arc<tokio::sync::Semaphore>,
    shared: Arc<Shared>,
    errors: crate::runtime::server::Throttled,
    refusals: crate::runtime::server::Throttled,
    /// HTTPS (`[api_tls]`): each connection's handshake runs in a task of
    /// its own (a slow client does not hold up the others' accepts), and
    /// its connection comes back through `ready`.
    ready_tx: tokio::sync::mpsc::Sender<(Slotted, SocketAddr)>,
    ready: tokio::sync::mpsc::Receiver<(Slotted, SocketAddr)>,
    /// Log lines about failed handshakes, at most one a second.
    failures: Arc<std::sync::Mutex<crate::runtime::server::Throttled>>,
}

/// An API connection, holding its slot until it closes, or until nothing
/// has been read or written on it for `api_idle_timeout` (then reads end
/// and writes fail: the connection closes and its slot is free; idle
/// keep-alive clients cannot hold every slot).
struct Slotted {
    stream: pce_tls::Stream,
    /// The caller its client certificate names (`[[api_clients]]`).
    caller: Option<Caller>,
    _slot: tokio::sync::OwnedSemaphorePermit,
    idle: std::pin::Pin<Box<tokio::time::Sleep>>,
    timeout: std::time::Duration,
    /// The idle timeout has fired (counted once).
    idled: bool,
    shared: Arc<Shared>,
}

impl Slotted {
    fn new(
        stream: pce_tls::Stream,
        slot: tokio::sync::OwnedSemaphorePermit,
        shared: Arc<Shared>,
    ) -> Self {
        let timeout = std::time::Duration::from_secs(u64::from(shared.config.pce.api_idle_timeout));
        let caller = match &stream {
            pce_tls::Stream::Tls(t) => certified_caller(&shared, t),
            pce_tls::Stream::Plain(_) => None,
        };
        Self {
            stream,
            caller,
            _slot: slot,
            idle: Box::pin(tokio::time::sleep(timeout)),
            timeout,
            idled: false,
            shared,
        }
    }

    /// Something passed: the idle timer starts again.
    fn touch(&mut self) {
        let at = tokio::time::Instant::from_std(crate::runtime::clock::now()) + self.timeout;
        self.idle.as_mut().reset(at);
    }

    /// Whether the connection has been idle too long (counted once).
    fn expired(&mut self, cx: &mut std::task::Context<'_>) -> bool {
        if std::future::Future::poll(self.idle.as_mut(), cx).is_pending() {
            return false;
        }
        if !std::mem::replace(&mut self.idled, true) {
            self.shared.metrics.api_idle_closed();
        }
        true
    }
}

impl axum::serve::Listener for Limited {
    type Io = Slotted;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                Some(ready) = self.ready.recv() => return ready,
            };
            match accepted {
                Ok((stream, peer)) => match Arc::clone(&self.slots).try_acquire_owned() {
                    Ok(slot) => {
                        let Some(tls) = self.shared.api_tls.load_full() else {
                            let stream = pce_tls::Stream::Plain(stream);
                            return (Slotted::new(stream, slot, Arc::clone(&self.shared)), peer);
                        };
                        self.handshake(stream, peer, slot, Arc::clone(&tls.server));
                    }
                    Err(_) => {
                        self.shared.metrics.api_connection_refused();
                        if let Some(suppressed) = self.refusals.allow(crate::runtime::clock::now())
                        {
                            tracing::warn!(%peer, max_api_connections = self.shared.config.pce.max_api_connections, suppressed, "management API: connection refused, max_api_connections are open (lines suppressed in the last second: {suppressed})");
                        }
                    }
                },
                Err(e) => {
                    self.shared.metrics.accept_error();
                    if let Some(suppressed) = self.errors.allow(crate::runtime::clock::now()) {
                        tracing::warn!(error = %e, suppressed, "management API: cannot accept a connection (lines suppressed in the last second: {suppressed})");
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

impl Limited {
    /// The TLS handshake of an accepted connection, in a task of its own;
    /// the connection is served once it completes, closed (logged and
    /// counted by reason) if it fails.
    fn handshake(
        &self,
        stream: tokio::net::TcpStream,
        peer: SocketAddr,
        slot: tokio::sync::OwnedSemaphorePermit,
        tls: Arc<pce_tls::rustls::ServerConfig>,
    ) {
        let shared = Arc::clone(&self.shared);
        let ready = self.ready_tx.clone();
        let failures = Arc::clone(&self.failures);
        let within = std::time::Duration::from_secs(
            shared
                .config
                .api_tls
                .as_ref()
                .map_or(10, |t| t.handshake_timeout),
        );
        tokio::spawn(async move {
            match pce_tls::handshake(stream, pce_tls::Side::Server(tls), &[], within).await {
                Ok(s) => {
                    let io =
                        Slotted::new(pce_tls::Stream::Tls(Box::new(s)), slot, Arc::clone(&shared));
                    let _ = ready.send((io, peer)).await;
                }
                Err(e) => {
                    shared.metrics.api_tls_failure(e.kind());
                    let allowed = failures
                        .lock()
                        .ok()
                        .and_then(|mut t| t.allow(crate::runtime::clock::now()));
                    match allowed {
                        Some(suppressed) => {
                            tracing::warn!(%peer, reason = e.kind(), suppressed, "management API: TLS failed, connection closed: {e} (lines suppressed in the last second: {suppressed})")
                        }
                        None => shared.metrics.log_suppressed(),
                    }
                }
            }
        });
    }
}

impl tokio::io::AsyncRead for Slotted {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        match std::pin::Pin::new(&mut self.stream).poll_read(cx, buf) {
            std::task::Poll::Pending if self.expired(cx) => {
                // End of stream: the server closes the connection.
                std::task::Poll::Ready(Ok(()))
            }
            std::task::Poll::Ready(Ok(())) if buf.filled().len() > before => {
                self.touch();
                std::task::Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl tokio::io::AsyncWrite for Slotted {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        match std::pin::Pin::new(&mut self.stream).poll_write(cx, buf) {
            std::task::Poll::Pending if self.expired(cx) => std::task::Poll::Ready(Err(
                std::io::Error::new(std::io::ErrorKind::TimedOut, "API client idle"),
            )),
            std::task::Poll::Ready(Ok(n)) if n > 0 => {
                self.touch();
                std::task::Poll::Ready(Ok(n))
            }
            other => other,
        }
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

async fn health(State(api): State<Api>) -> Json<serde_json::Value> {
    let sessions = api.shared.sessions.lock().map_or(0, |s| s.len());
    Json(serde_json::json!({
        "status": "ok",
        "sessions": sessions,
        "lsps": api.shared.lspdb.load().len(),
    }))
}

/// `GET /sessions`: a page of sessions, by session number.
async fn sessions(
    State(api): State<Api>,
    paging: Result<Query<Paging>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let p = query_of(paging)?;
    let limit = p.limit()?;
    let from = match p.after.as_deref() {
        None => 0,
        Some(a) => a.parse().map_err(|_| {
            ApiError(
                StatusCode::BAD_REQUEST,
                format!("after={a:?}: not a session number"),
            )
        })?,
    };
    // The `limit` lowest numbers after `from`, and whether there are more
    // (a bounded heap: the sessions are not all copied, nor sorted).
    let mut more = false;
    let mut page: Vec<super::server::SessionInfo> = {
        let sessions = api.shared.sessions.lock().map_err(|_| core_gone())?;
        let mut heap = std::collections::BinaryHeap::with_capacity(limit + 1);
        for s in sessions.values().filter(|s| s.id > from) {
            heap.push(s.id);
            if heap.len() > limit {
                heap.pop();
                more = true;
            }
        }
        let ids: std::collections::HashSet<u64> = heap.into_iter().collect();
        sessions
            .values()
            .filter(|s| ids.contains(&s.id))
            .cloned()
            .collect()
    };
    page.sort_by_key(|s| s.id);
    let next = more
        .then(|| page.last().map(|s| s.id.to_string()))
        .flatten();
    Ok(with_next(Json(page).into_response(), next, |c| {
        p.next("/sessions", c)
    }))
}

/// An LSP as the API shows it.
#[derive(Debug, Serialize)]
pub struct LspView {
    /// Its PCC: its address, or `speaker:NAME` for a PCC known only by a
    /// peer's SPEAKER-ENTITY-ID.
    pub pcc: PccId,
    /// PLSP-ID.
    pub plsp_id: u32,
    /// Symbolic name.
    pub name: String,
    /// Delegated to this PCE.
    pub delegated: bool,
    /// PCE-initiated.
    pub initiated: bool,
    /// A: administratively up.
    pub administrative: bool,
    /// O: operational status (RFC 8231 §7.3): "down", "up", "active",
    /// "going-down", "going-up" (or "reserved-N").
    pub operational: std::borrow::Cow<'static, str>,
    /// "sr" or "rsvp".
    pub setup: &'static str,
    /// Tunnel sender and endpoint (LSP-IDENTIFIERS).
    pub source: Option<IpAddr>,
    /// Tunnel endpoint.
    pub destination: Option<IpAddr>,
    /// Requested bandwidth, bits per second (as `POST /lsps` takes it;
    /// the BANDWIDTH object carries bytes per second).
    pub bandwidth_bps: Option<f64>,
    /// The path the PCC reports.
    pub reported_path: Vec<String>,
    /// The path this PCE computed and sent.
    pub computed_path: Option<Vec<String>>,
    /// The update in flight.
    pub pending_srp: Option<u32>,
    /// Updates in a row that lapsed unacknowledged (past `update_retries`
    /// they are sent again with a backoff).
    pub unacknowledged: u32,
    /// Updates sent.
    pub updates: u64,
    /// Reports received.
    pub reports: u64,
    /// The last computation found no path.
    pub no_path: bool,
    /// The last computation's answer is proven: an optimal path, or no
    /// path at all (else the best found within the search limits).
    pub proven: bool,
    /// The PCErr the PCC answered the last update with.
    pub error: Option<String>,
    /// Association groups the LSP is in (RFC 8697).
    pub associations: Vec<AssociationView>,
    /// Where the state was learned: "pcc" and/or peer PCE addresses.
    pub sources: Vec<crate::lspdb::Source>,
    /// The PCC delegated it to this PCE.
    pub pcc_delegated: bool,
    /// This PCE sub-delegated it to that computing PCE.
    pub sub_delegated_to: Option<IpAddr>,
    /// That peer sub-delegated it to this PCE.
    pub delegated_by: Option<IpAddr>,
    /// The PCE computing it, as far as this PCE knows ("this PCE" is its
    /// identity).
    pub computing_pce: Option<IpAddr>,
    /// The disjointness its group achieved when this PCE computed it:
    /// "link", "node", "srlg" (comma-separated) or "none".
    pub disjointness_achieved: Option<String>,
}

/// An association group membership.
#[derive(Debug, Serialize)]
pub struct AssociationView {
    /// Association type (2: disjoint, RFC 8800).
    #[serde(rename = "type")]
    pub association_type: u16,
    /// Association ID.
    pub id: u16,
    /// Association source.
    pub source: IpAddr,
}

fn view(key: &LspKey, e: &LspEntry, me: Option<IpAddr>) -> LspView {
    let r = e.report();
    let (source, destination) = match (r.lsp.ipv4_identifiers(), r.lsp.ipv6_identifiers()) {
        (Some(id), _) => (Some(IpAddr::V4(id.sender)), Some(IpAddr::V4(id.endpoint))),
        (None, Some(id)) => (Some(IpAddr::V6(id.sender)), Some(IpAddr::V6(id.endpoint))),
        (None, None) => (None, None),
    };
    let sr = r
        .srp
        .as_ref()
        .is_some_and(|s| s.path_setup_type() == PathSetupType::SR_TE);
    LspView {
        pcc: key.pcc,
        plsp_id: key.plsp_id,
        name: String::from_utf8_lossy(&e.name).into_owned(),
        delegated: e.control.delegated,
        initiated: e.control.initiated,
        administrative: r.lsp.administrative,
        operational: match r.lsp.operational.0 {
            0 => "down".into(),
            1 => "up".into(),
            2 => "active".into(),
            3 => "going-down".into(),
            4 => "going-up".into(),
            n => format!("reserved-{n}").into(),
        },
        setup: if sr { "sr" } else { "rsvp" },
        source,
        destination,
        bandwidth_bps: r.intended.bandwidth.map(|b| f64::from(b.bandwidth) * 8.0),
        reported_path: r.ero.subobjects.iter().map(ToString::to_string).collect(),
        computed_path: e
            .control
            .computed
            .as_ref()
            .map(|p| p.iter().map(ToString::to_string).collect()),
        pending_srp: e.control.pending_srp,
        unacknowledged: e.control.unacknowledged,
        updates: e.control.updates,
        reports: e.reports,
        no_path: e.control.no_path,
        proven: e.control.proven,
        error: e.control.error.map(|c| c.to_string()),
        associations: r
            .associations
            .iter()
            .map(|a| AssociationView {
                association_type: a.association_type.0,
                id: a.association_id,
                source: a.source,
            })
            .collect(),
        sources: e.control.inter().sources.clone(),
        pcc_delegated: e.control.inter().pcc_delegated,
        sub_delegated_to: e.control.inter().sub_delegated_to,
        delegated_by: e.control.inter().delegated_by,
        computing_pce: super::lookup::computing_pce(e, me),
        disjointness_achieved: e.control.disjointness_status.map(|f| {
            let names: Vec<&str> = [(1, "link"), (2, "node"), (4, "srlg")]
                .into_iter()
                .filter(|(bit, _)| f & bit != 0)
                .map(|(_, n)| n)
                .collect();
            if names.is_empty() {
                "none".into()
            } else {
                names.join(",")
            }
        }),
    }
}

/// `GET /lsps` filters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LspFilter {
    pcc: Option<IpAddr>,
    name: Option<String>,
    delegated: Option<bool>,
    initiated: Option<bool>,
    /// Member of an association group with this ID.
    association: Option<u16>,
    /// Computed by this PCE (the delegation holder, as far as we know).
    computing_pce: Option<IpAddr>,
    /// Delegated and without a path (the last computation found none).
    without_path: Option<bool>,
    /// Page size (default [`PAGE`], at most [`MAX_PAGE`]).
    limit: Option<usize>,
    /// The cursor of the page before (its `next`).
    after: Option<String>,
}

/// LSPs in a page of `GET /lsps` unless `limit` says otherwise.
const PAGE: usize = 1_000;
/// The largest page.
const MAX_PAGE: usize = 10_000;
/// LSPs one request looks at, at most: a filter that matches few stops
/// there with a cursor to go on from (a page may then hold fewer than
/// `limit`), so that no request goes through the whole database.
const SCAN: usize = 100_000;

/// A cursor a listing did not give.
fn bad_cursor(s: &str) -> ApiError {
    ApiError(
        StatusCode::BAD_REQUEST,
        format!("after={s:?}: not a cursor (take it from the Link header or X-Next-Cursor of the page before)"),
    )
}

/// A listing cursor: the last key of a page.
fn cursor(k: &LspKey) -> String {
    match k.pcc {
        PccId::Addr(a) => format!("{a}/{}", k.plsp_id),
        PccId::Named(n) => format!("n{}/{}", hex::encode(n.to_raw()), k.plsp_id),
    }
}

fn parse_cursor(s: &str) -> Result<LspKey, ApiError> {
    let bad = || bad_cursor(s);
    let (pcc, plsp) = s.rsplit_once('/').ok_or_else(bad)?;
    let plsp_id = plsp.parse().map_err(|_| bad())?;
    let pcc = match pcc.strip_prefix('n') {
        Some(h) => PccId::Named(crate::lspdb::SpeakerName::from_raw(
            hex::decode(h)
                .ok()
                .and_then(|v| v.try_into().ok())
                .ok_or_else(bad)?,
        )),
        None => PccId::Addr(pcc.parse().map_err(|_| bad())?),
    };
    Ok(LspKey { pcc, plsp_id })
}

impl LspFilter {
    /// Whether an LSP passes every filter (its report decoded only for
    /// the association filter).
    fn keeps(&self, k: &LspKey, e: &LspEntry, me: Option<IpAddr>) -> bool {
        self.pcc.is_none_or(|p| k.pcc == PccId::Addr(p))
            && self
                .name
                .as_ref()
                .is_none_or(|n| String::from_utf8_lossy(&e.name) == n.as_str())
            && self.delegated.is_none_or(|d| d == e.control.delegated)
            && self.initiated.is_none_or(|i| i == e.control.initiated)
            && self
                .without_path
                .is_none_or(|w| w == (e.control.delegated && e.control.no_path))
            && self
                .computing_pce
                .is_none_or(|p| super::lookup::computing_pce(e, me) == Some(p))
            && self.association.is_none_or(|a| {
                // Its index found them: no report to decode.
                self.by_association() || super::lookup::groups_of(e).iter().any(|g| g.1 == a)
            })
    }

    /// Whether the association index gives the candidates (so that they
    /// are members already).
    fn by_association(&self) -> bool {
        self.indexed() && self.name.is_none() && self.association.is_some()
    }

    /// Whether the filters need the indexes: all but `pcc` (the
    /// database's own order) do, unless `pcc` narrows the listing first.
    fn indexed(&self) -> bool {
        self.pcc.is_none()
            && (self.name.is_some()
                || self.association.is_some()
                || self.computing_pce.is_some()
                || self.flags())
    }

    /// Whether a state filter (delegated, initiated, without a path) is set.
    fn flags(&self) -> bool {
        self.delegated.is_some() || self.initiated.is_some() || self.without_path.is_some()
    }

    /// The LSPs that may pass, after `from`, in order, from the most
    /// selective index the filters have (the others are checked on each).
    fn candidates<'a>(
        &self,
        ix: &'a super::lookup::Indexed,
        from: Option<LspKey>,
    ) -> Box<dyn Iterator<Item = LspKey> + 'a> {
        if let Some(n) = &self.name {
            Box::new(ix.named(n.as_bytes(), from))
        } else if let Some(a) = self.association {
            Box::new(ix.with_association_id(a, from))
        } else if let Some(p) = self.computing_pce {
            Box::new(ix.computed_by(p, from))
        } else {
            Box::new(ix.in_state(self.delegated, self.initiated, self.without_path, from))
        }
    }

    /// The query string of these filters (for the next page's link).
    fn query(&self) -> Vec<String> {
        let mut q = Vec::new();
        if let Some(p) = self.pcc {
            q.push(format!("pcc={p}"));
        }
        if let Some(n) = &self.name {
            q.push(format!("name={}", urlencode(n)));
        }
        for (k, v) in [
            ("delegated", self.delegated),
            ("initiated", self.initiated),
            ("without_path", self.without_path),
        ] {
            if let Some(v) = v {
                q.push(format!("{k}={v}"));
            }
        }
        if let Some(a) = self.association {
            q.push(format!("association={a}"));
        }
        if let Some(p) = self.computing_pce {
            q.push(format!("computing_pce={p}"));
        }
        if let Some(l) = self.limit {
            q.push(format!("limit={l}"));
        }
        q
    }
}

/// Percent-encoding of a query value (RFC 3986 unreserved characters kept).
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /lsps`: a page of LSPs in (PCC, PLSP-ID) order, filtered. When
/// there is more, the `Link` header (RFC 8288, `rel="next"`) and
/// `X-Next-Cursor` say where the next page starts.
async fn lsps(
    State(api): State<Api>,
    filter: Result<Query<LspFilter>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let f = query_of(filter)?;
    let limit = f.limit.unwrap_or(PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!("limit={limit}: 1 to {MAX_PAGE}"),
        ));
    }
    let after = f.after.as_deref().map(parse_cursor).transpose()?;
    let me = identity(&api);
    let (list, next) = if f.indexed() {
        let ix = api.shared.lookup.read(&api.shared.lspdb);
        lsp_page(&f, ix.version(), f.candidates(&ix, after), limit, me)
    } else {
        // The snapshot of the core's last batch: no lock, one version.
        let db = api.shared.lspdb.load_full();
        let keys = db.after(after, f.pcc.map(PccId::Addr)).map(|(k, _)| *k);
        lsp_page(&f, &db, keys, limit, me)
    };
    let mut q = f.query();
    Ok(with_next(Json(list).into_response(), next, |c| {
        q.push(format!("after={}", urlencode(c)));
        format!("/lsps?{}", q.join("&"))
    }))
}

/// A page of LSPs: those of `keys` that pass the filters, at most
/// `limit`, looking at no more than [`SCAN`]; and the cursor of the next
/// page, if there is more to look at.
fn lsp_page(
    f: &LspFilter,
    db: &LspSnapshot,
    keys: impl Iterator<Item = LspKey>,
    limit: usize,
    me: Option<IpAddr>,
) -> (Vec<LspView>, Option<String>) {
    let mut list = Vec::new();
    // The last key looked at: where the next page starts.
    let mut last = None;
    for (seen, k) in keys.enumerate() {
        if list.len() == limit || seen == SCAN {
            return (list, last.as_ref().map(cursor));
        }
        if let Some(Some(v)) = db.with(&k, |e| f.keeps(&k, e, me).then(|| view(&k, e, me))) {
            list.push(v);
        }
        last = Some(k);
    }
    (list, None)
}

/// `response` with the next page's link (RFC 8288, `rel="next"`) and
/// `X-Next-Cursor`, when there is a next page; `path` makes the link's
/// path from the cursor.
fn with_next(
    mut response: Response,
    next: Option<String>,
    path: impl FnOnce(&str) -> String,
) -> Response {
    if let Some(c) = next {
        let link = format!("<{}>; rel=\"next\"", path(&c));
        for (name, value) in [("link", link), ("x-next-cursor", c)] {
            if let Ok(v) = axum::http::HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, v);
            }
        }
    }
    response
}

/// `GET /lsps/count`: how many LSPs pass the filters of `GET /lsps`
/// (without a filter, or by delegated, initiated or without a path only:
/// from the counts the database keeps, without going through the LSPs).
async fn lsps_count(
    State(api): State<Api>,
    filter: Result<Query<LspFilter>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let f = query_of(filter)?;
    let db = api.shared.lspdb.load_full();
    let tally = db.tally();
    let flags_only = f.pcc.is_none()
        && f.name.is_none()
        && f.association.is_none()
        && f.computing_pce.is_none()
        && f.after.is_none();
    let kept = match (f.delegated, f.initiated, f.without_path) {
        _ if !flags_only => None,
        (None, None, None) => Some(db.len()),
        (Some(true), None, None) => Some(tally.delegated),
        (Some(false), None, None) => Some(db.len() - tally.delegated),
        (None, Some(true), None) => Some(tally.initiated),
        (None, Some(false), None) => Some(db.len() - tally.initiated),
        (None, None, Some(true)) => Some(tally.without_path),
        (None, None, Some(false)) => Some(db.len() - tally.without_path),
        _ => None,
    };
    let me = identity(&api);
    let count = match kept {
        Some(n) => n,
        None if f.indexed() => {
            let ix = api.shared.lookup.read(&api.shared.lspdb);
            match f.computing_pce {
                Some(p) if f.name.is_none() && f.association.is_none() && !f.flags() => {
                    ix.count_computed_by(p)
                }
                _ => {
                    let db = ix.version();
                    f.candidates(&ix, None)
                        .filter(|k| db.with(k, |e| f.keeps(k, e, me)) == Some(true))
                        .count()
                }
            }
        }
        None => db
            .after(None, f.pcc.map(PccId::Addr))
            .filter(|(k, e)| f.keeps(k, e, me))
            .count(),
    };
    Ok(Json(serde_json::json!({ "count": count })))
}

/// This PCE's identity (state-sync), or its PCEP address.
fn identity(api: &Api) -> Option<IpAddr> {
    let c = &api.shared.config;
    Some(
        c.state_sync
            .as_ref()
            .and_then(|s| s.identity)
            .unwrap_or(c.pce.address),
    )
}

/// "sr" (the default) or "rsvp".
fn parse_setup(setup: Option<&str>) -> Result<PathSetupType, ApiError> {
    match setup {
        None | Some("sr") => Ok(PathSetupType::SR_TE),
        Some("rsvp") => Ok(PathSetupType::RSVP_TE),
        Some(o) => Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!("setup {o:?}: expected sr or rsvp"),
        )),
    }
}

fn pcc_address(pcc: &str) -> Result<IpAddr, ApiError> {
    pcc.parse().map_err(|_| {
        ApiError(
            StatusCode::BAD_REQUEST,
            format!("{pcc:?} is not a PCC address"),
        )
    })
}

fn find(db: &LspSnapshot, pcc: &str, name: &str) -> Result<(IpAddr, LspKey), ApiError> {
    let addr = pcc_address(pcc)?;
    let key = db
        .by_name(PccId::Addr(addr), name.as_bytes())
        .ok_or_else(|| {
            ApiError(
                StatusCode::NOT_FOUND,
                format!("no LSP {name:?} on PCC {addr}"),
            )
        })?;
    Ok((addr, key))
}

async fn lsp(
    State(api): State<Api>,
    Path((pcc, name)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let db = api.shared.lspdb.load_full();
    let (_, key) = find(&db, &pcc, &name)?;
    let me = identity(&api);
    let body = db
        .with(&key, |e| {
            let mut v = serde_json::to_value(view(&key, e, me)).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert(
                    "report".into(),
                    serde_json::to_value(e.report()).unwrap_or_default(),
                );
            }
            v
        })
        .ok_or_else(|| {
            ApiError(
                StatusCode::NOT_FOUND,
                format!("no LSP {name:?} on PCC {pcc}"),
            )
        })?;
    Ok(Json(body))
}

/// Constraints of a PCE-initiated LSP.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    /// Bandwidth, bits per second.
    #[serde(default)]
    pub bandwidth_bps: Option<f64>,
    /// Objective: "igp" (default), "te", "delay", "hops".
    #[serde(default)]
    pub objective: Option<String>,
    /// Affinities (LSPA).
    #[serde(default)]
    pub exclude_any: u32,
    /// Include-any.
    #[serde(default)]
    pub include_any: u32,
    /// Include-all.
    #[serde(default)]
    pub include_all: u32,
    /// Hop limit.
    #[serde(default)]
    pub max_hops: Option<u32>,
    /// Include-nodes, in order (IRO): names or addresses.
    #[serde(default)]
    pub include_nodes: Vec<String>,
    /// Nodes to avoid (XRO): names or addresses.
    #[serde(default)]
    pub exclude_nodes: Vec<String>,
    /// SRLGs to avoid (XRO).
    #[serde(default)]
    pub exclude_srlgs: Vec<u32>,
    /// Interfaces to avoid, both directions of their link (XRO): an
    /// address, or `NODE%ID` for an unnumbered one.
    #[serde(default)]
    pub exclude_interfaces: Vec<String>,
    /// Bound on the path's IGP metric.
    #[serde(default)]
    pub max_igp: Option<u32>,
    /// Bound on the path's TE metric.
    #[serde(default)]
    pub max_te: Option<u32>,
    /// Bound on the path's delay, µs.
    #[serde(default)]
    pub max_delay_us: Option<u32>,
}

impl Constraints {
    /// The PCEP attributes these constraints amount to (nodes and
    /// interfaces looked up in `topo`).
    fn attributes(&self, topo: &crate::topology::Topology) -> Result<Attributes, ApiError> {
        let mut a = self.plain_attributes()?;
        for (t, b) in [
            (MetricType::IGP, self.max_igp),
            (MetricType::TE, self.max_te),
            (MetricType::PATH_DELAY, self.max_delay_us),
        ] {
            if let Some(b) = b {
                a.metrics.push(Metric {
                    metric_type: t,
                    metric_flags: Metric::BOUND,
                    value: b as f32,
                    ..Metric::default()
                });
            }
        }
        if !self.include_nodes.is_empty() {
            let subobjects = self
                .include_nodes
                .iter()
                .map(|n| node_address(topo, n).map(|a| prefix(a, 0)))
                .collect::<Result<_, _>>()?;
            a.iro = Some(Box::new(pcep::wire::object::Iro {
                subobjects,
                ..pcep::wire::object::Iro::default()
            }));
        }
        if !self.exclude_nodes.is_empty()
            || !self.exclude_srlgs.is_empty()
            || !self.exclude_interfaces.is_empty()
        {
            let mut subobjects: Vec<pcep::wire::object::Subobject> = self
                .exclude_nodes
                .iter()
                .map(|n| node_address(topo, n).map(|a| prefix(a, 1)))
                .collect::<Result<_, _>>()?;
            for i in &self.exclude_interfaces {
                subobjects.push(interface(topo, i)?);
            }
            subobjects.extend(self.exclude_srlgs.iter().map(|&srlg| {
                pcep::wire::object::Subobject::Srlg {
                    loose: false,
                    srlg,
                    attribute: 0,
                }
            }));
            a.xro = Some(Box::new(pcep::wire::object::Xro {
                subobjects,
                ..pcep::wire::object::Xro::default()
            }));
        }
        Ok(a)
    }

    /// Objective, bandwidth, affinities and hop limit.
    fn plain_attributes(&self) -> Result<Attributes, ApiError> {
        let objective = match self.objective.as_deref() {
            None | Some("igp") => MetricType::IGP,
            Some("te") => MetricType::TE,
            Some("delay") => MetricType::PATH_DELAY,
            Some("hops") => MetricType::HOP_COUNT,
            Some(o) => {
                return Err(ApiError(
                    StatusCode::BAD_REQUEST,
                    format!("objective {o:?}: expected igp, te, delay or hops"),
                ))
            }
        };
        if let Some(b) = self.bandwidth_bps {
            if !(b.is_finite() && b >= 0.0) {
                return Err(ApiError(
                    StatusCode::BAD_REQUEST,
                    "bandwidth_bps: a non-negative number of bits per second".into(),
                ));
            }
        }
        let mut metrics = vec![Metric {
            metric_type: objective,
            ..Metric::default()
        }];
        if let Some(h) = self.max_hops {
            metrics.push(Metric {
                metric_type: MetricType::HOP_COUNT,
                metric_flags: Metric::BOUND,
                value: h as f32,
                ..Metric::default()
            });
        }
        let affinities = self.exclude_any | self.include_any | self.include_all != 0;
        Ok(Attributes {
            bandwidth: self.bandwidth_bps.map(|b| Bandwidth {
                bandwidth: (b / 8.0) as f32,
                ..Bandwidth::default()
            }),
            lspa: affinities.then(|| Lspa {
                exclude_any: self.exclude_any,
                include_any: self.include_any,
                include_all: self.include_all,
                setup_priority: 7,
                holding_priority: 7,
                ..Lspa::default()
            }),
            metrics,
            ..Attributes::default()
        })
    }
}

/// `POST /lsps`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateLsp {
    pcc: IpAddr,
    name: String,
    source: IpAddr,
    destination: IpAddr,
    /// "sr" (default) or "rsvp".
    #[serde(default)]
    setup: Option<String>,
    /// SR policy colour (sent as Cisco's VENDOR-INFORMATION).
    #[serde(default)]
    color: Option<u32>,
    /// A disjoint association group for it (RFC 8800).
    #[serde(default)]
    disjoint_group: Option<GroupAsk>,
    #[serde(flatten)]
    constraints: Constraints,
}

/// The disjoint group of `POST /lsps`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupAsk {
    /// Association ID, 1 to 65534.
    id: u16,
    /// Association source (default: this PCE's identity).
    #[serde(default)]
    source: Option<IpAddr>,
    /// "link" (default), "node", "srlg", or a combination.
    #[serde(default)]
    disjointness: Option<String>,
    /// No fallback to weaker disjointness (T).
    #[serde(default)]
    strict: bool,
    /// Compute this member first, as if alone (P).
    #[serde(default)]
    shortest_path: bool,
}

impl GroupAsk {
    fn group(&self, me: Option<IpAddr>) -> Result<crate::pce::DisjointGroup, ApiError> {
        use pcep::wire::tlv::DisjointnessFlags as F;
        if self.id == 0 || self.id == u16::MAX {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                format!(
                    "disjoint_group.id {}: 1 to 65534 (0 and 65535 are reserved, RFC 8697)",
                    self.id
                ),
            ));
        }
        let d = parse_disjointness(self.disjointness.as_deref())?;
        let flags = [
            (d.link, F::LINK),
            (d.node, F::NODE),
            (d.srlg, F::SRLG),
            (self.shortest_path, F::SHORTEST_PATH),
            (self.strict, F::STRICT),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .fold(0, |f, (_, bit)| f | bit);
        let source = self.source.or(me).ok_or_else(|| {
            ApiError(
                StatusCode::BAD_REQUEST,
                "disjoint_group.source: give one (this PCE has no address to use)".into(),
            )
        })?;
        Ok(crate::pce::DisjointGroup {
            id: self.id,
            source,
            flags,
        })
    }
}

/// A query string, or a 400 naming what is wrong with it.
fn query_of<T>(
    query: Result<Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))
}

fn json_body<T>(
    body: Result<Json<T>, axum::extract::rejection::JsonRejection>,
) -> Result<T, ApiError> {
    body.map(|Json(b)| b)
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))
}

async fn create(
    State(api): State<Api>,
    body: Result<Json<CreateLsp>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let c = json_body(body)?;
    let topo = api.shared.topology.load_full();
    let spec = c.spec(&topo, identity(&api))?;
    let srp = api
        .core
        .run(PceCommand::Initiate(Box::new(spec)))
        .await
        .ok_or_else(core_gone)??;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "pcc": c.pcc, "name": c.name, "srp_id": srp })),
    ))
}

impl CreateLsp {
    /// What the core initiates (`me`: the default association source).
    fn spec(
        &self,
        topo: &crate::topology::Topology,
        me: Option<IpAddr>,
    ) -> Result<InitiateSpec, ApiError> {
        if self.name.is_empty() || self.name.len() > 255 {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                "name: 1 to 255 bytes".into(),
            ));
        }
        Ok(InitiateSpec {
            pcc: self.pcc,
            name: self.name.clone(),
            source: self.source,
            destination: self.destination,
            setup: parse_setup(self.setup.as_deref())?,
            attributes: self.constraints.attributes(topo)?,
            color: self.color,
            disjoint_group: self
                .disjoint_group
                .as_ref()
                .map(|g| g.group(me))
                .transpose()?,
        })
    }
}

/// The LSPs of an LSP file (`pce plan --lsps`, `POST /plan`'s
/// `demand.add`): each as the body of `POST /lsps`, on `topo` (its ends
/// must be nodes' addresses); `me`: the default association source. An
/// error names the LSP by its place and name.
pub fn lsp_file(
    lsps: &[serde_json::Value],
    topo: &crate::topology::Topology,
    me: Option<IpAddr>,
) -> Result<Vec<InitiateSpec>, String> {
    let mut names = std::collections::HashSet::new();
    lsps.iter()
        .enumerate()
        .map(|(i, v)| {
            let named = v.get("name").and_then(|n| n.as_str()).unwrap_or("");
            let item = format!("LSP {} {named:?}", i + 1);
            let c: CreateLsp =
                serde_json::from_value(v.clone()).map_err(|e| format!("{item}: {e}"))?;
            for (what, a) in [("source", c.source), ("destination", c.destination)] {
                if topo.node_by_address(a).is_none() {
                    return Err(format!("{item}: {what} {a} is no node's address"));
                }
            }
            if !names.insert((c.pcc, c.name.clone())) {
                return Err(format!(
                    "{item}: a second LSP of that name on PCC {}",
                    c.pcc
                ));
            }
            c.spec(topo, me).map_err(|e| format!("{item}: {}", e.1))
        })
        .collect()
}

async fn update(
    State(api): State<Api>,
    Path((pcc, name)): Path<(String, String)>,
    body: Result<Json<Constraints>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let constraints = json_body(body)?;
    let addr = pcc_address(&pcc)?;
    let attributes = constraints.attributes(&api.shared.topology.load_full())?;
    api.core
        .run(PceCommand::UpdateLsp {
            pcc: addr,
            name: name.clone(),
            attributes: Box::new(attributes),
        })
        .await
        .ok_or_else(core_gone)??;
    Ok(Json(serde_json::json!({ "pcc": addr, "name": name })))
}

/// A command on one LSP that answers with an SRP-ID.
async fn srp_command(
    api: &Api,
    pcc: &str,
    name: String,
    make: fn(IpAddr, String) -> PceCommand,
) -> Result<Json<serde_json::Value>, ApiError> {
    let addr = pcc_address(pcc)?;
    let srp = api
        .core
        .run(make(addr, name.clone()))
        .await
        .ok_or_else(core_gone)??;
    Ok(Json(
        serde_json::json!({ "pcc": addr, "name": name, "srp_id": srp }),
    ))
}

async fn delete(
    State(api): State<Api>,
    Path((pcc, name)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    srp_command(&api, &pcc, name, |pcc, name| PceCommand::DeleteInitiated {
        pcc,
        name,
    })
    .await
}

async fn return_delegation(
    State(api): State<Api>,
    Path((pcc, name)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    srp_command(&api, &pcc, name, |pcc, name| PceCommand::ReturnDelegation {
        pcc,
        name,
    })
    .await
}

/// `POST /lsps/{pcc}/{name}/delegation`: the operator no longer returns
/// the LSP's delegation; the next time its PCC delegates it, this PCE
/// keeps it (only the PCC can delegate, RFC 8231 §5.7).
async fn accept_delegation(
    State(api): State<Api>,
    Path((pcc, name)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let addr = pcc_address(&pcc)?;
    let was = api
        .core
        .run(PceCommand::AcceptDelegation {
            pcc: addr,
            name: name.clone(),
        })
        .await
        .ok_or_else(core_gone)??;
    Ok(Json(
        serde_json::json!({ "pcc": addr, "name": name, "was_returned": was == 1 }),
    ))
}

/// RFC 8232 §3.5: ask the PCC to report one LSP again.
async fn resync_lsp(
    State(api): State<Api>,
    Path((pcc, name)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    srp_command(&api, &pcc, name, |pcc, name| PceCommand::Resync {
        pcc,
        name: Some(name),
    })
    .await
}

/// RFC 8232 §3.5: ask the PCC to report all its LSPs again; what it does
/// not report is dropped at the end of the synchronization.
async fn resync_pcc(
    State(api): State<Api>,
    Path(pcc): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let addr = pcc_address(&pcc)?;
    let srp = api
        .core
        .run(PceCommand::Resync {
            pcc: addr,
            name: None,
        })
        .await
        .ok_or_else(core_gone)??;
    Ok(Json(serde_json::json!({ "pcc": addr, "srp_id": srp })))
}

/// RFC 8232 §3.5 on a state-sync session: ask a peer PCE for its state.
async fn resync_peer(
    State(api): State<Api>,
    Path(peer): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let addr = pcc_address(&peer)?;
    let srp = api
        .core
        .run(PceCommand::ResyncPeer { peer: addr })
        .await
        .ok_or_else(core_gone)??;
    Ok(Json(serde_json::json!({ "peer": addr, "srp_id": srp })))
}

#[derive(Debug, Serialize)]
struct NodeView {
    name: String,
    router_id: IpAddr,
    addresses: Vec<IpAddr>,
    node_sid: Option<u32>,
    up: bool,
}

#[derive(Debug, Serialize)]
struct LinkView {
    /// As plans and snapshots name it (`A->B`, with the interface when
    /// links are parallel).
    name: String,
    from: String,
    to: String,
    igp_metric: u32,
    te_metric: u32,
    delay_us: u32,
    bandwidth_bps: f64,
    /// Bandwidth held by the paths this PCE computed.
    reserved_bps: f64,
    up: bool,
}

/// `PATCH /topology/links/{a}/{b}`: new values for some of a link's
/// attributes (both directions, or with `one_way` the one from `a`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkChange {
    /// Which of parallel links: `{"address": "10.1.2.1"}` or `{"id": 7}`,
    /// its interface at `a`.
    #[serde(default)]
    a_interface: Option<crate::topology::Interface>,
    #[serde(default)]
    one_way: bool,
    #[serde(default)]
    up: Option<bool>,
    #[serde(default)]
    igp_metric: Option<u32>,
    #[serde(default)]
    te_metric: Option<u32>,
    #[serde(default)]
    delay_us: Option<u32>,
    #[serde(default)]
    bandwidth_bps: Option<f64>,
    #[serde(default)]
    admin_groups: Option<u32>,
    #[serde(default)]
    srlgs: Option<Vec<u32>>,
}

/// `PATCH /topology/nodes/{node}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeChange {
    up: bool,
}

/// `?dry_run=true`: say what a change would do, do nothing.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DryRun {
    #[serde(default)]
    dry_run: bool,
}

async fn patch_link(
    State(api): State<Api>,
    Path((a, b)): Path<(String, String)>,
    query: Result<Query<DryRun>, axum::extract::rejection::QueryRejection>,
    body: Result<Json<LinkChange>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(DryRun { dry_run }) =
        query.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let c = json_body(body)?;
    let set = crate::topology::LinkPatch {
        up: c.up,
        igp_metric: c.igp_metric,
        te_metric: c.te_metric,
        delay_us: c.delay_us,
        bandwidth_bps: c.bandwidth_bps,
        admin_groups: c.admin_groups,
        srlgs: c.srlgs,
    };
    if set.is_empty() {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "nothing to change: give up, igp_metric, te_metric, delay_us, bandwidth_bps, admin_groups or srlgs".into(),
        ));
    }
    let event = crate::topology::TopologyEvent::Link {
        a,
        b,
        a_interface: c.a_interface,
        one_way: c.one_way,
        set,
    };
    topology_change(&api, event, dry_run).await
}

async fn patch_node(
    State(api): State<Api>,
    Path(node): Path<String>,
    query: Result<Query<DryRun>, axum::extract::rejection::QueryRejection>,
    body: Result<Json<NodeChange>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(DryRun { dry_run }) =
        query.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let c = json_body(body)?;
    let event = crate::topology::TopologyEvent::NodeState { node, up: c.up };
    topology_change(&api, event, dry_run).await
}

/// `DELETE /topology/overrides`: the operator's topology changes no
/// longer hold over the next topology (a reload, a BGP-LS update, a
/// restart); the current one stays as it is.
async fn clear_topology_overrides(
    State(api): State<Api>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let n = api
        .core
        .run(PceCommand::ClearOperatorTopology)
        .await
        .ok_or_else(core_gone)??;
    Ok(Json(serde_json::json!({ "cleared": n })))
}

/// A topology event through the core; what it did (or would do).
async fn topology_change(
    api: &Api,
    event: crate::topology::TopologyEvent,
    dry_run: bool,
) -> Result<Json<serde_json::Value>, ApiError> {
    let report = api
        .core
        .command(|reply| Command::Topology {
            change: crate::pce::TopologyChange::Event(event),
            dry_run,
            reply,
        })
        .await
        .ok_or_else(core_gone)??;
    Ok(Json(change_json(&report, dry_run)))
}

fn change_json(report: &crate::pce::ChangeReport, dry_run: bool) -> serde_json::Value {
    let mut v = serde_json::to_value(report).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("dry_run".into(), dry_run.into());
    }
    v
}

/// `GET /snapshot`: the topology and every LSP, for planning offline
/// (`pce::snapshot`), built from a copy of the core on a blocking thread.
async fn snapshot(State(api): State<Api>) -> Result<Response, ApiError> {
    let core = api
        .core
        .command(Command::Copy)
        .await
        .ok_or_else(core_gone)?;
    let me = identity(&api);
    let body = tokio::task::spawn_blocking(move || serde_json::to_vec(&core.snapshot(me)))
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

/// `POST /plan`'s body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// Failures each alone: "links", "nodes", "srlgs".
    #[serde(default)]
    pub every: Vec<String>,
    /// Failure sets of the caller's: a name and its events (links and
    /// nodes down).
    #[serde(default)]
    pub scenarios: Vec<crate::pce::plan::Scenario>,
    /// The utilization from which a link is listed for an upgrade
    /// (default 0.8).
    #[serde(default)]
    pub upgrade_above: Option<f64>,
    /// A change of demand the plan starts from (bandwidth scaled, LSPs
    /// added).
    #[serde(default)]
    pub demand: Option<DemandAsk>,
}

/// `POST /plan`'s `demand`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandAsk {
    /// The factor on the bandwidth of the LSPs selected (1 by default).
    #[serde(default)]
    pub scale: Option<f64>,
    /// Only the LSPs of these PCCs.
    #[serde(default)]
    pub pccs: Vec<IpAddr>,
    /// Only the LSPs of these names.
    #[serde(default)]
    pub names: Vec<String>,
    /// LSPs to add, each as the body of `POST /lsps`.
    #[serde(default)]
    pub add: Vec<serde_json::Value>,
}

impl DemandAsk {
    /// The core's demand, the LSPs added read on `topo`.
    pub fn demand(
        &self,
        topo: &crate::topology::Topology,
        me: Option<IpAddr>,
    ) -> Result<crate::pce::plan::Demand, String> {
        Ok(crate::pce::plan::Demand {
            scale: self.scale.unwrap_or(1.0),
            pccs: self.pccs.clone(),
            names: self.names.clone(),
            add: lsp_file(&self.add, topo, me).map_err(|e| format!("demand.add: {e}"))?,
        })
    }
}

/// Scenarios a plan runs first to say how long the whole would take.
const PLAN_SAMPLE: usize = 32;

/// `POST /plan`: what-if analysis on copies of the core
/// (`pce::plan`), on a blocking thread; the live core goes on.
async fn plan(
    State(api): State<Api>,
    body: Result<Json<PlanRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<crate::pce::plan::PlanReport>, ApiError> {
    let b = json_body(body)?;
    let unprocessable = |m: String| ApiError(StatusCode::UNPROCESSABLE_ENTITY, m);
    b.check().map_err(unprocessable)?;
    let _permits = SOLVER_SLOTS
        .acquire_many(u32::try_from(solver_cores()).unwrap_or(1))
        .await
        .map_err(|e| ApiError(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
    // Held below the idle timeout: a connection idle that long is closed
    // under a running plan, answer or not (measured).
    let limit_s = api
        .shared
        .config
        .pce
        .plan_limit
        .min(api.shared.config.pce.api_idle_timeout.saturating_sub(1))
        .max(1);
    let core = api
        .core
        .command(Command::Copy)
        .await
        .ok_or_else(core_gone)?;
    let me = identity(&api);
    tokio::task::spawn_blocking(move || {
        run_plan(*core, b, me, Some(limit_s), &|_, _| {})
            .map(Json)
            .map_err(unprocessable)
    })
    .await
    .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
}

impl PlanRequest {
    /// What can be refused before any work: an unknown `every`, nothing to
    /// plan, an upgrade threshold that is no utilization.
    pub fn check(&self) -> Result<(), String> {
        if let Some(e) = self
            .every
            .iter()
            .find(|e| !["links", "nodes", "srlgs", "srlg_pairs"].contains(&e.as_str()))
        {
            return Err(format!(
                "every: {e:?} is none of links, nodes, srlgs, srlg_pairs"
            ));
        }
        if self.every.is_empty() && self.scenarios.is_empty() && self.demand.is_none() {
            return Err(
                "nothing to plan: give every (links, nodes, srlgs, srlg_pairs), scenarios or demand"
                    .into(),
            );
        }
        let upgrade_above = self.upgrade_above.unwrap_or(0.8);
        if !upgrade_above.is_finite() || upgrade_above < 0.0 {
            return Err(format!(
                "upgrade_above: {upgrade_above} is not a utilization"
            ));
        }
        Ok(())
    }
}

/// Run the plan `b` on `core` (a copy of the live core, or one built
/// offline) on the caller's rayon pool: scenarios checked against the
/// topology (one naming what it lacks is refused whole, by its name and
/// the item), the demand applied, then the scenarios, `progress` told
/// (done, of) as they finish. With `limit_s`, a plan that would run longer
/// is refused before it runs: a sample of its scenarios, spread over it,
/// says how long the whole would take (their reports are kept).
pub fn run_plan(
    mut core: crate::pce::Pce,
    b: PlanRequest,
    me: Option<IpAddr>,
    limit_s: Option<u32>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<crate::pce::plan::PlanReport, String> {
    use crate::pce::plan::Scenario;
    b.check()?;
    let upgrade_above = b.upgrade_above.unwrap_or(0.8);
    core.assume_applied();
    let t = core.topology().topology();
    for s in &b.scenarios {
        if s.events.is_empty() {
            return Err(format!("scenario {:?}: no events", s.name));
        }
        t.apply_all(&s.events)
            .map_err(|e| format!("scenario {:?}: {e}", s.name))?;
    }
    let mut scenarios = Vec::new();
    for e in &b.every {
        scenarios.extend(match e.as_str() {
            "links" => Scenario::every_link(t),
            "nodes" => Scenario::every_node(t),
            "srlgs" => Scenario::every_srlg(t),
            _ => Scenario::every_srlg_pair(t),
        });
    }
    scenarios.extend(b.scenarios);
    let now = crate::runtime::clock::now;
    let (core, demand) = match &b.demand {
        Some(d) => {
            let d = d.demand(t, me)?;
            let (grown, report) = core.with_demand(&d, now())?;
            (grown, Some(report))
        }
        None => (core, None),
    };
    let base = core.plan_base();
    let n = scenarios.len();
    let mut reports: Vec<Option<crate::pce::plan::ScenarioReport>> = vec![None; n];
    let mut done = 0;
    if let Some(limit_s) = limit_s.filter(|_| n > PLAN_SAMPLE) {
        let limit = f64::from(limit_s);
        let step = (n / PLAN_SAMPLE).max(1);
        let sample: Vec<usize> = (0..n).step_by(step).take(PLAN_SAMPLE).collect();
        let picked: Vec<Scenario> = sample
            .iter()
            .filter_map(|&i| scenarios.get(i).cloned())
            .collect();
        let t0 = now();
        let ran = core.run_scenarios(&base, &picked, now());
        let took = now().duration_since(t0).as_secs_f64();
        let estimate = took * n as f64 / picked.len().max(1) as f64;
        if estimate > limit {
            return Err(format!(
                "a plan of {n} scenarios would take about {estimate:.0} s here \
                 (a sample of {} took {took:.2} s), more than the limit ({limit_s} s: [pce] plan_limit, \
                 held below api_idle_timeout): ask for fewer scenarios, or raise them",
                picked.len()
            ));
        }
        done = ran.len();
        for (&i, r) in sample.iter().zip(ran) {
            if let Some(slot) = reports.get_mut(i) {
                *slot = Some(r);
            }
        }
        progress(done, n);
    }
    let rest: Vec<Scenario> = scenarios
        .iter()
        .zip(&reports)
        .filter(|(_, r)| r.is_none())
        .map(|(s, _)| s.clone())
        .collect();
    // In slices, to tell the progress: enough per slice to keep every
    // thread busy.
    let slice = (rest.len() / 100).max(4 * rayon::current_num_threads());
    let mut ran = Vec::with_capacity(rest.len());
    for chunk in rest.chunks(slice) {
        ran.extend(core.run_scenarios(&base, chunk, now()));
        done += chunk.len();
        progress(done, n);
    }
    let mut ran = ran.into_iter();
    let reports = reports
        .into_iter()
        .filter_map(|r| r.or_else(|| ran.next()))
        .collect();
    let mut plan = base.report(reports, upgrade_above);
    plan.demand = demand;
    Ok(plan)
}

/// `POST /reoptimize`: every controlled LSP computed again.
async fn reoptimize(State(api): State<Api>) -> Result<Json<serde_json::Value>, ApiError> {
    let report = api
        .core
        .command(Command::Reoptimize)
        .await
        .ok_or_else(core_gone)??;
    Ok(Json(change_json(&report, false)))
}

async fn topology(State(api): State<Api>) -> Json<serde_json::Value> {
    let reserved = api
        .core
        .command(Command::Reservations)
        .await
        .unwrap_or_default();
    Json(topology_json(&api.shared.topology.load_full(), &reserved))
}

/// `GET /topology`'s answer: `topo` with `reserved` (bits per second held
/// on each link, by index).
pub fn topology_json(topo: &crate::topology::Topology, reserved: &[f64]) -> serde_json::Value {
    let name = |n| topo.node(n).map(|n| n.name.clone()).unwrap_or_default();
    let nodes: Vec<NodeView> = topo
        .nodes()
        .iter()
        .map(|n| NodeView {
            name: n.name.clone(),
            router_id: n.router_id,
            addresses: n.addresses.clone(),
            node_sid: n.node_sid,
            up: n.up,
        })
        .collect();
    let links: Vec<LinkView> = topo
        .links()
        .iter()
        .enumerate()
        .map(|(i, l)| LinkView {
            name: topo.link_name(crate::topology::LinkId(i as u32)),
            from: name(l.from),
            to: name(l.to),
            igp_metric: l.igp,
            te_metric: l.te,
            delay_us: l.delay_us,
            reserved_bps: reserved.get(i).copied().unwrap_or(0.0),
            bandwidth_bps: l.bandwidth,
            up: topo.link_up(crate::topology::LinkId(i as u32)),
        })
        .collect();
    serde_json::json!({ "nodes": nodes, "links": links })
}

/// `GET /events`: the query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsQuery {
    /// Resume after this event (as `Last-Event-ID` does).
    after: Option<u64>,
}

/// `GET /events`: server-sent events (LSPs added, updated, removed,
/// delegation changes, sessions up and down, topology changes), each with
/// its sequence number as the SSE `id`. A client that reconnects with
/// `Last-Event-ID` (or `?after=`) gets what it missed, or a `reset` event
/// when that is no longer kept (then it lists again). Without either, it
/// starts with the next event.
async fn events(
    State(api): State<Api>,
    headers: axum::http::HeaderMap,
    query: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    use axum::response::sse::{Event as Sse, KeepAlive};
    let q = query_of(query)?;
    let resume = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    ApiError(
                        StatusCode::BAD_REQUEST,
                        "Last-Event-ID: an event's id (a number)".into(),
                    )
                })?,
        ),
        None => q.after,
    };
    let shared = Arc::clone(&api.shared);
    let start = resume.unwrap_or_else(|| shared.events.last());
    let rx = shared.events.subscribe();
    let pending: std::collections::VecDeque<(u64, crate::runtime::events::Event)> =
        std::collections::VecDeque::new();
    let state = (start, rx, pending, shared);
    let stream = futures_util::stream::unfold(
        state,
        |(mut after, mut rx, mut pending, shared)| async move {
            loop {
                if let Some((n, e)) = pending.pop_front() {
                    // The SSE event name is the event's `type`.
                    let data = serde_json::to_value(&e).unwrap_or_default();
                    let kind = data
                        .get("type")
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or("event")
                        .to_owned();
                    let ev = Sse::default()
                        .event(kind)
                        .id(n.to_string())
                        .data(data.to_string());
                    return Some((
                        Ok::<_, std::convert::Infallible>(ev),
                        (after, rx, pending, shared),
                    ));
                }
                match shared.events.since(after, 1024) {
                    Ok(list) if !list.is_empty() => {
                        after = list.last().map_or(after, |(n, _)| *n);
                        pending.extend(list);
                    }
                    Ok(_) => {
                        if rx.changed().await.is_err() {
                            return None;
                        }
                    }
                    Err(gap) => {
                        after = gap.last;
                        let ev = Sse::default()
                            .event("reset")
                            .id(gap.last.to_string())
                            .data(r#"{"type":"reset","why":"the events since the client's last are no longer kept: list again"}"#);
                        return Some((Ok(ev), (after, rx, pending, shared)));
                    }
                }
            }
        },
    );
    // Comments often enough that the idle timeout does not close it.
    let idle = u64::from(api.shared.config.pce.api_idle_timeout).max(2);
    let every = std::time::Duration::from_secs((idle / 2).clamp(1, 15));
    Ok(axum::response::sse::Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(every))
        .into_response())
}

/// `GET /intent`: what the operator asked for, as `[pce] state` keeps it
/// across restarts (constraints in the form `POST /lsps` takes).
/// An intent cursor: `KIND/PCC/NAME` (KIND `i`nitiated, `o`verride,
/// `r`eturned).
fn parse_intent_cursor(s: &str) -> Result<crate::pce::IntentCursor, ApiError> {
    let bad = || bad_cursor(s);
    let mut parts = s.splitn(3, '/');
    let kind = match parts.next() {
        Some("i") => 0,
        Some("o") => 1,
        Some("r") => 2,
        _ => return Err(bad()),
    };
    let pcc = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let name = parts.next().ok_or_else(bad)?.to_owned();
    Ok(crate::pce::IntentCursor { kind, pcc, name })
}

async fn intent(
    State(api): State<Api>,
    paging: Result<Query<Paging>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let p = query_of(paging)?;
    let limit = p.limit()?;
    let after = p.after.as_deref().map(parse_intent_cursor).transpose()?;
    let (intent, next) = api
        .core
        .command(|reply| Command::Intent {
            after,
            limit,
            reply,
        })
        .await
        .ok_or_else(core_gone)?;
    let next = next.map(|c| {
        let kind = match c.kind {
            0 => "i",
            1 => "o",
            _ => "r",
        };
        format!("{kind}/{}/{}", c.pcc, c.name)
    });
    let initiated: Vec<serde_json::Value> = intent
        .initiated
        .iter()
        .map(|crate::pce::Initiated(s)| {
            serde_json::json!({
                "pcc": s.pcc,
                "name": s.name,
                "source": s.source,
                "destination": s.destination,
                "setup": if s.setup == PathSetupType::RSVP_TE { "rsvp" } else { "sr" },
                "color": s.color,
                "constraints": constraints_view(&s.attributes),
                "disjoint_group": s.disjoint_group.map(|g| {
                    use pcep::wire::tlv::DisjointnessFlags as F;
                    let f = F(g.flags);
                    let kinds: Vec<&str> = [(F::LINK, "link"), (F::NODE, "node"), (F::SRLG, "srlg")]
                        .into_iter()
                        .filter(|(bit, _)| f.has(*bit))
                        .map(|(_, n)| n)
                        .collect();
                    serde_json::json!({
                        "id": g.id,
                        "source": g.source,
                        "disjointness": kinds.join(","),
                        "strict": f.has(F::STRICT),
                        "shortest_path": f.has(F::SHORTEST_PATH),
                    })
                }),
            })
        })
        .collect();
    let overrides: Vec<serde_json::Value> = intent
        .overrides
        .iter()
        .map(|o| {
            serde_json::json!({
                "pcc": o.pcc,
                "name": o.name,
                "constraints": constraints_view(&o.attributes),
            })
        })
        .collect();
    let page = Json(serde_json::json!({
        "stored": api.shared.config.pce.state,
        "initiated": initiated,
        "overrides": overrides,
        "topology": intent.topology,
        "returned": intent.returned,
    }));
    Ok(with_next(page.into_response(), next, |c| {
        p.next("/intent", c)
    }))
}

/// Attributes in the form of [`Constraints`].
fn constraints_view(a: &Attributes) -> serde_json::Value {
    let objective = a
        .metrics
        .iter()
        .find(|m| m.metric_flags & Metric::BOUND == 0)
        .map(|m| match m.metric_type {
            MetricType::TE => "te".to_string(),
            MetricType::PATH_DELAY => "delay".to_string(),
            MetricType::HOP_COUNT => "hops".to_string(),
            MetricType::IGP => "igp".to_string(),
            other => format!("metric type {}", other.0),
        });
    let bound = |t: MetricType| {
        a.metrics
            .iter()
            .find(|m| m.metric_type == t && m.metric_flags & Metric::BOUND != 0)
            .map(|m| m.value)
    };
    let lspa = a.lspa.clone().unwrap_or_default();
    let subobjects = |list: Option<&[pcep::wire::object::Subobject]>| -> Vec<String> {
        list.unwrap_or_default()
            .iter()
            .filter(|s| !matches!(s, pcep::wire::object::Subobject::Srlg { .. }))
            .map(ToString::to_string)
            .collect()
    };
    let xro = a.xro.as_ref().map(|x| x.subobjects.as_slice());
    let srlgs: Vec<u32> = xro
        .unwrap_or_default()
        .iter()
        .filter_map(|s| match s {
            pcep::wire::object::Subobject::Srlg { srlg, .. } => Some(*srlg),
            _ => None,
        })
        .collect();
    serde_json::json!({
        "bandwidth_bps": a.bandwidth.as_ref().map(|b| f64::from(b.bandwidth) * 8.0),
        "objective": objective,
        "exclude_any": lspa.exclude_any,
        "include_any": lspa.include_any,
        "include_all": lspa.include_all,
        "max_hops": bound(MetricType::HOP_COUNT),
        "max_igp": bound(MetricType::IGP),
        "max_te": bound(MetricType::TE),
        "max_delay_us": bound(MetricType::PATH_DELAY),
        "include_nodes": subobjects(a.iro.as_ref().map(|i| i.subobjects.as_slice())),
        "exclude": subobjects(xro),
        "exclude_srlgs": srlgs,
    })
}

async fn counters(State(api): State<Api>) -> Result<Json<crate::pce::Counters>, ApiError> {
    api.core
        .command(Command::Counters)
        .await
        .map(Json)
        .ok_or_else(core_gone)
}

async fn peers(State(api): State<Api>) -> Result<Json<serde_json::Value>, ApiError> {
    let peers = api
        .core
        .command(Command::Peers)
        .await
        .ok_or_else(core_gone)?;
    let configured = api.shared.config.state_sync.is_some();
    let complete = peers.iter().all(|p| p.session_up);
    Ok(Json(serde_json::json!({
        "state_sync": configured,
        "mesh_complete": configured && complete,
        "peers": peers,
    })))
}

/// `GET /associations` and `GET /sessions` paging.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Paging {
    /// Page size (default [`PAGE`], at most [`MAX_PAGE`]).
    limit: Option<usize>,
    /// The cursor of the page before (its `next`).
    after: Option<String>,
}

impl Paging {
    fn limit(&self) -> Result<usize, ApiError> {
        match self.limit.unwrap_or(PAGE) {
            l @ 1..=MAX_PAGE => Ok(l),
            l => Err(ApiError(
                StatusCode::BAD_REQUEST,
                format!("limit={l}: 1 to {MAX_PAGE}"),
            )),
        }
    }

    /// The next page's path.
    fn next(&self, path: &str, cursor: &str) -> String {
        let mut q = Vec::new();
        if let Some(l) = self.limit {
            q.push(format!("limit={l}"));
        }
        q.push(format!("after={}", urlencode(cursor)));
        format!("{path}?{}", q.join("&"))
    }
}

/// A group's cursor: `TYPE/ID/SOURCE`.
fn parse_group(s: &str) -> Result<super::lookup::Group, ApiError> {
    let mut parts = s.splitn(3, '/');
    let mut next = || parts.next().unwrap_or_default();
    match (next().parse(), next().parse(), next().parse()) {
        (Ok(t), Ok(id), Ok(source)) => Ok((t, id, source)),
        _ => Err(bad_cursor(s)),
    }
}

/// Association groups, a page at a time in (type, ID, source) order:
/// their members (from the reports), the PCE computing each member as far
/// as this PCE knows, and whether a single PCE computes them all (the
/// draft's condition against split-brain). From the association index:
/// the LSPs outside groups are not looked at.
async fn associations(
    State(api): State<Api>,
    paging: Result<Query<Paging>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let p = query_of(paging)?;
    let limit = p.limit()?;
    let from = p.after.as_deref().map(parse_group).transpose()?;
    let me = identity(&api);
    let (page, next) = {
        let ix = api.shared.lookup.read(&api.shared.lspdb);
        let db = ix.version();
        let mut groups = ix.groups(from);
        let mut last = None;
        let page: Vec<serde_json::Value> = groups
            .by_ref()
            .take(limit)
            .map(|(&(t, id, source), keys)| {
                let members: Vec<LspView> = keys
                    .iter()
                    .filter_map(|k| db.with(k, |e| view(k, e, me)))
                    .collect();
                last = Some((t, id, source));
                group_json(t, id, source, &members)
            })
            .collect();
        let next = last
            .filter(|_| groups.next().is_some())
            .map(|(t, id, source)| format!("{t}/{id}/{source}"));
        (page, next)
    };
    Ok(with_next(Json(page).into_response(), next, |c| {
        p.next("/associations", c)
    }))
}

fn group_json(t: u16, id: u16, source: IpAddr, members: &[LspView]) -> serde_json::Value {
    let pces: std::collections::BTreeSet<Option<IpAddr>> =
        members.iter().map(|m| m.computing_pce).collect();
    let one = pces.len() == 1 && !pces.contains(&None);
    let achieved = members.iter().find_map(|m| m.disjointness_achieved.clone());
    let members: Vec<serde_json::Value> = members
        .iter()
        .map(|v| {
            serde_json::json!({
                "pcc": v.pcc,
                "name": v.name,
                "plsp_id": v.plsp_id,
                "computing_pce": v.computing_pce,
                "disjointness_achieved": v.disjointness_achieved,
                "reported_path": v.reported_path,
            })
        })
        .collect();
    serde_json::json!({
        "disjointness_achieved": achieved,
        "type": t,
        "id": id,
        "source": source,
        "members": members,
        "computed_by_one_pce": one,
    })
}

/// Prometheus text exposition: sessions by role and state, LSPs by
/// delegation, the core's counters, messages by type, PCErr by type and
/// value, the core's latency per input, the core's queue depth.
async fn metrics(State(api): State<Api>) -> Result<Response, ApiError> {
    use std::fmt::Write as _;
    let counters = api
        .core
        .command(Command::Counters)
        .await
        .ok_or_else(core_gone)?;
    let mut out = String::new();
    let mut sessions: std::collections::BTreeMap<(&str, &str), u64> = Default::default();
    if let Ok(s) = api.shared.sessions.lock() {
        for info in s.values() {
            let role = if info.capabilities.as_ref().is_some_and(|c| c.state_sync) {
                "peer"
            } else {
                "pcc"
            };
            *sessions.entry((role, info.state)).or_default() += 1;
        }
    }
    let _ = writeln!(out, "# HELP pce_sessions PCEP sessions by role (pcc, peer PCE) and state.\n# TYPE pce_sessions gauge");
    for ((role, state), n) in &sessions {
        let _ = writeln!(out, "pce_sessions{{role=\"{role}\",state=\"{state}\"}} {n}");
    }
    // Counts the database keeps as it changes: no LSP is looked at.
    let (tally, total) = {
        let db = api.shared.lspdb.load();
        (db.tally(), db.len())
    };
    let (delegated, other, initiated, without_path) = (
        tally.delegated,
        total - tally.delegated,
        tally.initiated,
        tally.without_path,
    );
    // Each configured state-sync peer: its session up or not (found by
    // address, not by going through the sessions).
    if let Some(ss) = api.shared.config.state_sync() {
        let _ = writeln!(out, "# HELP pce_peer_session_up Whether the state-sync session with a configured peer PCE is up (1) or not (0).\n# TYPE pce_peer_session_up gauge");
        if let Ok(s) = api.shared.sessions.lock() {
            for peer in &ss.peers {
                let up = s.get(&peer.address).is_some_and(|i| i.state == "Up");
                let _ = writeln!(
                    out,
                    "pce_peer_session_up{{peer=\"{}\"}} {}",
                    peer.address,
                    u8::from(up)
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "# HELP pce_build_info This build: its version.\n# TYPE pce_build_info gauge\npce_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    crate::runtime::limits::render_process(&mut out);
    let _ = writeln!(
        out,
        "# HELP pce_lsps LSPs known, by whether this PCE computes them.\n# TYPE pce_lsps gauge"
    );
    let _ = writeln!(out, "pce_lsps{{computed_here=\"true\"}} {delegated}\npce_lsps{{computed_here=\"false\"}} {other}");
    let _ = writeln!(out, "# HELP pce_lsps_initiated PCE-initiated LSPs.\n# TYPE pce_lsps_initiated gauge\npce_lsps_initiated {initiated}");
    let topo = api.shared.topology.load();
    let links_up = (0..topo.link_count() as u32)
        .filter(|&l| topo.link_usable(crate::topology::LinkId(l)))
        .count();
    let _ = writeln!(
        out,
        "# HELP pce_ted_nodes Nodes in the TED.\n# TYPE pce_ted_nodes gauge\npce_ted_nodes {}",
        topo.node_count()
    );
    let _ = writeln!(out, "# HELP pce_ted_links Directed links in the TED, by state (up: usable, with both ends up).\n# TYPE pce_ted_links gauge\npce_ted_links{{state=\"up\"}} {links_up}\npce_ted_links{{state=\"down\"}} {}", topo.link_count() - links_up);
    let _ = writeln!(out, "# HELP pce_lsps_without_path LSPs this PCE computes whose last computation found no path (they keep their path).\n# TYPE pce_lsps_without_path gauge\npce_lsps_without_path {without_path}");
    for (name, help, v) in [
        (
            "pce_reports_total",
            "State reports applied.",
            counters.reports,
        ),
        (
            "pce_updates_sent_total",
            "PCUpd requests sent.",
            counters.updates_sent,
        ),
        (
            "pce_updates_acked_total",
            "Updates acknowledged.",
            counters.updates_acked,
        ),
        (
            "pce_initiates_sent_total",
            "PCInitiate messages sent.",
            counters.initiates_sent,
        ),
        (
            "pce_computations_total",
            "Path computations for delegated or initiated LSPs.",
            counters.computations,
        ),
        (
            "pce_requests_total",
            "PCReq requests answered.",
            counters.requests,
        ),
        (
            "pce_purged_lsps_total",
            "LSPs purged (State Timeout, failed sync).",
            counters.purged,
        ),
        (
            "pce_forwarded_reports_total",
            "PCC reports forwarded to peer PCEs.",
            counters.forwarded_reports,
        ),
        (
            "pce_relayed_updates_total",
            "Updates of a computing peer relayed to a PCC.",
            counters.relayed_updates,
        ),
        (
            "pce_forwarded_requests_total",
            "PCReq requests forwarded to the computing peer.",
            counters.forwarded_requests,
        ),
        (
            "pce_lsp_limit_refusals_total",
            "Reports of a new LSP refused: the PCC had max_lsps_per_pcc LSPs (PCNtf 4/1 and close during its synchronization, PCErr 20/1 after).",
            counters.lsp_limit_refusals,
        ),
        (
            "pce_unknown_bytes_dropped_total",
            "Bytes of unknown TLVs and objects not kept with LSPs (max_unknown_bytes_per_lsp).",
            counters.unknown_bytes_dropped,
        ),
        (
            "pce_updates_paced_total",
            "Updates that waited in the core for room in their session's window of unacknowledged updates (update_window).",
            counters.updates_paced,
        ),
        (
            "pce_updates_coalesced_total",
            "Waiting updates replaced by a newer path for the same LSP before they were sent.",
            counters.updates_coalesced,
        ),
        (
            "pce_peer_reports_refused_total",
            "Reports of a peer PCE refused with PCErr 20/7: they named a PCC the peer had not announced (accept_unannounced_pccs).",
            counters.peer_reports_refused,
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}"
        );
    }
    let _ = writeln!(
        out,
        "# HELP pce_core_queue_depth Inputs waiting for the core.\n# TYPE pce_core_queue_depth gauge\npce_core_queue_depth {}",
        api.core.queue_depth()
    );
    let _ = writeln!(
        out,
        "# HELP pce_core_queue_bytes Bytes read from PCEP sessions that the core has not handled yet (at most read_budget).\n# TYPE pce_core_queue_bytes gauge\npce_core_queue_bytes {}",
        api.core.queued_bytes()
    );
    let _ = writeln!(
        out,
        "# HELP pce_updates_waiting Updates waiting in the core for room in their session's window (update_window).\n# TYPE pce_updates_waiting gauge\npce_updates_waiting {}",
        counters.updates_waiting
    );
    let fds = crate::runtime::limits::open_descriptors();
    let limit = rlimit::Resource::NOFILE.get().map_or(0, |(soft, _)| soft);
    for (name, kind, help, v) in [
        (
            "pce_connections",
            "gauge",
            "PCEP connections open (any state).",
            api.shared.connections() as u64,
        ),
        (
            "pce_connections_max",
            "gauge",
            "PCEP connections allowed at once (max_connections).",
            api.shared.max_connections as u64,
        ),
        ("process_open_fds", "gauge", "Open file descriptors.", fds),
        (
            "process_max_fds",
            "gauge",
            "Maximum number of open file descriptors (the soft limit).",
            limit,
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}"
        );
    }
    if !api.shared.config.tcp_md5.is_empty() {
        // The kernel drops what fails TCP-MD5 before the PCE sees it: its
        // counters are how an operator sees a wrong or missing key.
        let _ = writeln!(
            out,
            "# HELP pce_tcp_md5_drops_total TCP segments the kernel dropped for TCP-MD5 (network namespace wide): failure = wrong signature (a wrong key), not_found = unsigned where a key is set (no key on the router), unexpected = signed where no key is set.\n# TYPE pce_tcp_md5_drops_total counter"
        );
        for (name, v) in pce_sockopt::md5_drop_counters() {
            let reason = match name.as_str() {
                "TCPMD5Failure" => "failure",
                "TCPMD5Unexpected" => "unexpected",
                "TCPMD5NotFound" => "not_found",
                _ => continue,
            };
            let _ = writeln!(out, "pce_tcp_md5_drops_total{{reason=\"{reason}\"}} {v}");
        }
    }
    api.shared.metrics.render(&mut out);
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        out,
    )
        .into_response())
}

/// `POST /compute`: a path (`source`, `destination`) or a disjoint group
/// (`members`), with every constraint `pce compute` takes.
///
/// A member is `[head, tail]`, with the request's constraints, or an object
/// `{"source", "destination", ...}` whose constraint fields replace the
/// request's for that member (the others are inherited): members of one
/// group may differ in bandwidth, bounds, inclusions and exclusions.
#[derive(Debug, Deserialize)]
struct ComputeRequest {
    /// Head end: a node name or address.
    #[serde(default)]
    source: Option<String>,
    /// Tail end: a node name or address.
    #[serde(default)]
    destination: Option<String>,
    /// A disjoint group instead: each member's [head end, tail end], or an
    /// object (see above).
    #[serde(default)]
    members: Vec<serde_json::Value>,
    /// "sr" (default) or "rsvp".
    #[serde(default)]
    setup: Option<String>,
    /// The head end's MSD (SR; default: no limit).
    #[serde(default)]
    msd: Option<u8>,
    /// Group disjointness: "link" (default), "node", "srlg", or a
    /// combination such as "node,srlg".
    #[serde(default)]
    disjointness: Option<String>,
    /// Group: no fallback to weaker disjointness (T).
    #[serde(default)]
    strict: bool,
    /// Group objective min-max (default min-sum).
    #[serde(default)]
    min_max: bool,
    #[serde(flatten)]
    constraints: Constraints,
}

/// Every key `POST /compute` takes (its own and [`Constraints`]').
const COMPUTE_KEYS: &[&str] = &[
    "source",
    "destination",
    "members",
    "setup",
    "msd",
    "include_nodes",
    "exclude_nodes",
    "exclude_srlgs",
    "exclude_interfaces",
    "max_igp",
    "max_te",
    "max_delay_us",
    "disjointness",
    "strict",
    "min_max",
    "bandwidth_bps",
    "objective",
    "exclude_any",
    "include_any",
    "include_all",
    "max_hops",
];

/// A node by name or address, as an address the solver maps back.
fn node_address(topo: &crate::topology::Topology, n: &str) -> Result<IpAddr, ApiError> {
    if let Some(id) = topo.node_by_name(n) {
        if let Some(node) = topo.node(id) {
            return Ok(node.router_id);
        }
    }
    n.parse().map_err(|_| {
        ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{n:?} is neither a node name nor an address"),
        )
    })
}

/// An address as an IRO/XRO subobject; `attribute` is RFC 5521's in an
/// XRO (0 interface, 1 node), 0 in an IRO.
fn prefix(a: IpAddr, attribute: u8) -> pcep::wire::object::Subobject {
    match a {
        IpAddr::V4(address) => pcep::wire::object::Subobject::Ipv4Prefix {
            loose: false,
            address,
            prefix_length: 32,
            attribute,
        },
        IpAddr::V6(address) => pcep::wire::object::Subobject::Ipv6Prefix {
            loose: false,
            address,
            prefix_length: 128,
            attribute,
        },
    }
}

/// An interface to exclude, as an XRO subobject (attribute: interface).
fn interface(
    topo: &crate::topology::Topology,
    name: &str,
) -> Result<pcep::wire::object::Subobject, ApiError> {
    let unknown = || {
        ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{name:?} is no interface of the topology (an address, or NODE%ID)"),
        )
    };
    let link = topo
        .link_by_interface_name(name)
        .and_then(|l| topo.link(l))
        .ok_or_else(unknown)?;
    match (link.local_address, link.local_interface_id) {
        (Some(a), _) => Ok(prefix(a, 0)),
        (None, Some(interface_id)) => match topo.node(link.from).map(|n| n.router_id) {
            Some(IpAddr::V4(router_id)) => Ok(pcep::wire::object::Subobject::Unnumbered {
                loose: false,
                router_id,
                interface_id,
                attribute: 0,
            }),
            _ => Err(unknown()),
        },
        (None, None) => Err(unknown()),
    }
}

impl ComputeRequest {
    /// The PCEP attributes the request amounts to (the daemon computes
    /// from these for PCCs too).
    fn attributes(&self, topo: &crate::topology::Topology) -> Result<Attributes, ApiError> {
        self.constraints.attributes(topo)
    }

    fn disjointness(&self) -> Result<crate::solver::disjoint::Disjointness, ApiError> {
        parse_disjointness(self.disjointness.as_deref())
    }
}

/// "link" (the default), "node", "srlg", or a combination ("node,srlg").
fn parse_disjointness(
    text: Option<&str>,
) -> Result<crate::solver::disjoint::Disjointness, ApiError> {
    let mut d = crate::solver::disjoint::Disjointness::NONE;
    for part in text.unwrap_or("link").split(',') {
        match part.trim() {
            "link" => d.link = true,
            "node" => d.node = true,
            "srlg" => d.srlg = true,
            o => {
                return Err(ApiError(
                    StatusCode::BAD_REQUEST,
                    format!("disjointness {o:?}: expected link, node, srlg or a combination"),
                ))
            }
        }
    }
    Ok(d)
}

/// A computed path as the API shows it.
fn path_view(
    topo: &crate::topology::Topology,
    head: crate::topology::NodeId,
    p: &crate::pcreq::ComputedPath,
    metrics: &crate::solver::cspf::PathMetrics,
) -> serde_json::Value {
    let name = |n| topo.node(n).map(|n| n.name.clone()).unwrap_or_default();
    let nodes: Vec<String> = std::iter::once(name(head))
        .chain(
            p.links
                .iter()
                .filter_map(|l| topo.link(*l))
                .map(|l| name(l.to)),
        )
        .collect();
    serde_json::json!({
        "path": p.ero.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "nodes": nodes,
        "links": p.links.iter().map(|&l| topo.link_name(l)).collect::<Vec<_>>(),
        "hops": p.links.len(),
        "path_metrics": metrics,
        "metrics": p.attributes.metrics.iter().map(|m| serde_json::json!({
            "type": m.metric_type.0, "value": m.value
        })).collect::<Vec<_>>(),
        "optimal": p.optimal,
    })
}

fn unreachable(e: crate::pcreq::Unreachable) -> ApiError {
    ApiError(
        StatusCode::UNPROCESSABLE_ENTITY,
        match e {
            crate::pcreq::Unreachable::UnknownEndpoints(_) => {
                "an end point is not in the topology".into()
            }
            crate::pcreq::Unreachable::NoPath { proven: true } => {
                "no path satisfies the constraints (proven)".into()
            }
            crate::pcreq::Unreachable::NoPath { proven: false } => {
                "no path found within the search limits (not proven impossible)".into()
            }
        },
    )
}

/// The cores the API's own solver work may use: `POST /compute` takes
/// one, a plan (`POST /plan`, on every core) all of them, so plans run
/// one at a time and computations wait for a plan, and the other way round.
static SOLVER_SLOTS: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(solver_cores()));

fn solver_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// An offline path or group computation on the current topology
/// (bandwidth held by placed LSPs is not counted).
async fn compute(
    State(api): State<Api>,
    body: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let body = json_body(body)?;
    // A computation may take seconds (a disjoint group's exact search at
    // full effort): on a blocking thread, one per core at a time, never on
    // the runtime's workers.
    let _permit = SOLVER_SLOTS
        .acquire()
        .await
        .map_err(|e| ApiError(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
    tokio::task::spawn_blocking(move || compute_now(&api, body))
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map(Json)
}

fn compute_now(api: &Api, body: serde_json::Value) -> Result<serde_json::Value, ApiError> {
    use crate::solver::cspf::{metrics_of_path, Reservations, Workspace};
    // serde cannot refuse unknown keys beside a flattened struct: a
    // misspelt constraint must not be silently ignored.
    let check_keys = |v: &serde_json::Value| -> Result<(), ApiError> {
        for k in v.as_object().into_iter().flat_map(|o| o.keys()) {
            if !COMPUTE_KEYS.contains(&k.as_str()) {
                return Err(ApiError(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "unknown field {k:?}, expected one of {}",
                        COMPUTE_KEYS.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    };
    check_keys(&body)?;
    if let Some(members) = body.get("members").and_then(|m| m.as_array()) {
        for m in members {
            check_keys(m)?;
        }
    }
    let parse = |v: serde_json::Value| {
        serde_json::from_value::<ComputeRequest>(v)
            .map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.to_string()))
    };
    let c = parse(body.clone())?;
    let setup = parse_setup(c.setup.as_deref())?;
    let topo = api.shared.topology.load_full();
    let attributes = c.attributes(&topo)?;
    let peer_sr = c
        .msd
        .map(|msd| pcep::wire::tlv::SrPceCapability { flags: 0, msd });
    let ask = |source, destination| crate::pcreq::PathAsk {
        source,
        destination,
        attributes: &attributes,
        setup,
        peer_sr,
    };
    let mut ws = Workspace::new();
    let res = Reservations::EMPTY;
    if c.members.is_empty() {
        let (Some(s), Some(d)) = (&c.source, &c.destination) else {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                "give source and destination, or members".into(),
            ));
        };
        let a = ask(node_address(&topo, s)?, node_address(&topo, d)?);
        let head = crate::pcreq::path_request(&topo, &a)
            .map_err(unreachable)?
            .source;
        let p = crate::pcreq::compute_path(&topo, &res, &a, &mut ws).map_err(unreachable)?;
        let m = metrics_of_path(&topo, &p.links);
        return Ok(path_view(&topo, head, &p, &m));
    }
    // Each member's own request: the request's fields, with a member
    // object's replacing them.
    let mut own = Vec::with_capacity(c.members.len());
    for m in &c.members {
        let bad = || {
            ApiError(
                StatusCode::BAD_REQUEST,
                format!(
                    "member {m}: expected [head, tail] or {{\"source\", \"destination\", ...}}"
                ),
            )
        };
        let mut merged = body.clone();
        let fields = merged.as_object_mut().ok_or_else(bad)?;
        fields.remove("members");
        match m {
            serde_json::Value::Array(pair) => match pair.as_slice() {
                [h, t] => {
                    fields.insert("source".into(), h.clone());
                    fields.insert("destination".into(), t.clone());
                }
                _ => return Err(bad()),
            },
            serde_json::Value::Object(o) => {
                for (k, v) in o {
                    if matches!(
                        k.as_str(),
                        "members" | "disjointness" | "strict" | "min_max"
                    ) {
                        return Err(ApiError(
                            StatusCode::BAD_REQUEST,
                            format!("member {m}: {k:?} belongs to the group, not a member"),
                        ));
                    }
                    fields.insert(k.clone(), v.clone());
                }
            }
            _ => return Err(bad()),
        }
        let r = parse(merged)?;
        let (Some(s), Some(d)) = (&r.source, &r.destination) else {
            return Err(bad());
        };
        let (s, d) = (node_address(&topo, s)?, node_address(&topo, d)?);
        own.push((
            s,
            d,
            r.attributes(&topo)?,
            parse_setup(r.setup.as_deref())?,
            r.msd,
        ));
    }
    let asks: Vec<_> = own
        .iter()
        .map(|(s, d, attributes, setup, msd)| crate::pcreq::PathAsk {
            source: *s,
            destination: *d,
            attributes,
            setup: *setup,
            peer_sr: msd.map(|msd| pcep::wire::tlv::SrPceCapability { flags: 0, msd }),
        })
        .collect();
    let members = asks
        .iter()
        .map(|a| crate::pcreq::path_request(&topo, a))
        .collect::<Result<Vec<_>, _>>()
        .map_err(unreachable)?;
    let group = crate::solver::disjoint::GroupRequest {
        members,
        disjointness: c.disjointness()?,
        strict: c.strict,
        objective: if c.min_max {
            crate::solver::disjoint::GroupObjective::MinMax
        } else {
            crate::solver::disjoint::GroupObjective::MinSum
        },
        pinned: Vec::new(),
    };
    let result = crate::solver::disjoint::solve(&topo, &res, &group, &mut ws)
        .map_err(|e| ApiError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    let mut paths = Vec::with_capacity(result.paths.len());
    for ((p, a), m) in result.paths.iter().zip(&asks).zip(&group.members) {
        let encoded = crate::pcreq::encode_path(&topo, a, p.links.clone(), &p.metrics)
            .map_err(unreachable)?;
        paths.push(path_view(
            &topo,
            m.source,
            &crate::pcreq::ComputedPath {
                optimal: result.optimal,
                ..encoded
            },
            &p.metrics,
        ));
    }
    Ok(serde_json::json!({
        "paths": paths,
        "achieved": result.achieved,
        "optimal": result.optimal,
    }))
}

/// Bind the API listener.
pub async fn listen(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}
