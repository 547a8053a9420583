//! The TOML configuration, validated at start-up.
//!
//! ```toml
//! [pce]
//! address = "127.0.0.1"        # PCEP listen address
//! port = 4189                  # PCEP port
//! topology = "topology.json"   # topology file; absent: the embedded example (the draft's topology A)
//! keepalive = 30               # seconds we send Keepalives at (1-255)
//! dead_timer = 120             # seconds after which the peer may declare us dead (>= keepalive)
//! state_timeout = 60           # seconds a disconnected PCC's LSPs are kept (RFC 8231 §5.6)
//! redelegation_timeout = 30    # seconds its delegations are held (<= state_timeout, RFC 8231 §5.7.4)
//! update_timeout = 30          # seconds an update waits for its acknowledgement, then is sent again
//! update_retries = 3           # unacknowledged updates in a row sent again at once; then with a backoff
//! reoptimize_on_restore = true # a link/node up, lower metric or more bandwidth recomputes every LSP
//!                              # (false: only the LSPs without a path; POST /reoptimize does the rest)
//! threads = 2                  # threads computing paths in parallel (default: the machine's cores)
//! max_connections = 10000      # PCEP connections at once, any state (default: what the descriptor limit allows)
//! max_api_connections = 128   # management API connections at once (the excess is closed as accepted)
//! api_idle_timeout = 60        # seconds an API connection may stay without traffic, then it is closed
//! plan_limit = 50              # seconds a what-if plan may be expected to take (refused before it starts beyond; held below api_idle_timeout)
//! session_read_budget = 262144 # bytes one session may have read that the core has not handled (it then stops reading)
//! read_budget = 67108864       # the same for all sessions together
//! max_lsps_per_pcc = 262144    # LSPs one PCC may have (one more: PCNtf 4/1 and close during its sync, PCErr 20/1 after)
//! max_unknown_bytes_per_lsp = 4096 # unknown TLVs and objects kept with an LSP; the rest is dropped (RFC 5440 §7.1)
//! update_window = 1024         # updates a session may have unacknowledged; the rest wait in the core (the newest path per LSP)
//! allow = ["10.0.0.0/8", "192.0.2.1"] # who may open a PCEP session (absent: anyone; state-sync peers always)
//! api = "127.0.0.1:9189"       # management API (REST/JSON) listen address
//! log_sessions_up_to = 1000    # sessions up to which each one's start and end are logged at info (beyond: at debug)
//! state = "/var/lib/pce/state.redb" # the operator's intent (initiated LSPs, overrides), kept across restarts (absent: not kept)
//! ```
//! Unknown keys, wrong types and impossible values are errors naming the
//! file, the key and what is expected.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::topology::{Topology, TopologyFile};

/// The embedded example topology (the draft's topology A).
pub const EMBEDDED_TOPOLOGY: &str =
    include_str!("../../../examples/topologies/draft-topology-a.json");

/// The configuration file.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The `[pce]` section.
    #[serde(default)]
    pub pce: PceSection,
    /// `[state_sync]`: inter-PCE state synchronization (absent: off).
    pub state_sync: Option<StateSyncSection>,
    /// `[bgp_ls]`: the topology learned from BGP-LS peers (absent: from
    /// the file only).
    pub bgp_ls: Option<BgpLsSection>,
    /// `[[api_tokens]]`: who may call the management API (absent: anyone
    /// who can reach it, which must then be a loopback address).
    #[serde(default)]
    pub api_tokens: Vec<ApiTokenSection>,
    /// `[[tcp_md5]]`: TCP-MD5 keys (RFC 2385) of PCCs and peer PCEs.
    #[serde(default)]
    pub tcp_md5: Vec<TcpMd5Section>,
    /// `[tls]`: PCEPS (RFC 8253) towards PCCs and peer PCEs (absent: none).
    pub tls: Option<TlsSection>,
    /// `[api_tls]`: HTTPS for the management API (absent: plain HTTP).
    pub api_tls: Option<ApiTlsSection>,
    /// `[[api_clients]]`: API callers known by their client certificate.
    #[serde(default)]
    pub api_clients: Vec<ApiClientSection>,
}

/// `[api_tls]`: the management API over HTTPS (TLS 1.3 or 1.2).
///
/// ```toml
/// [api_tls]
/// certificate = "/etc/pce/api.crt"   # PEM chain
/// key = "/etc/pce/api.key"           # PEM private key
/// ca = "/etc/pce/clients-ca.crt"     # PEM: client certificates are verified against it ([[api_clients]])
/// handshake_timeout = 10             # seconds
/// ```
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiTlsSection {
    /// The API's certificate chain (PEM).
    pub certificate: PathBuf,
    /// Its private key (PEM).
    pub key: PathBuf,
    /// CA certificates that API clients' certificates chain to (PEM).
    pub ca: Option<PathBuf>,
    /// Seconds a TLS handshake may take.
    #[serde(default = "handshake_timeout")]
    pub handshake_timeout: u64,
}

/// `[[api_clients]]`: an API caller known by its client certificate (a
/// certificate from `[api_tls] ca` whose subject alternative names hold
/// `name`), with a role, as `[[api_tokens]]` give them to tokens.
///
/// ```toml
/// [[api_clients]]
/// name = "noc.example.net"   # a DNS name its certificate carries
/// role = "operator"          # or "read"
/// ```
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiClientSection {
    /// The DNS name its certificate must carry; audit lines name it.
    pub name: String,
    /// `read` or `operator`.
    pub role: crate::runtime::auth::Role,
}

/// `[tls]`: PCEPS (RFC 8253): the StartTLS exchange, then TLS 1.3 or 1.2.
///
/// ```toml
/// [tls]
/// certificate = "/etc/pce/pce.crt"  # PEM, this PCE's chain (end entity first)
/// key = "/etc/pce/pce.key"          # PEM private key
/// ca = "/etc/pce/ca.crt"            # PEM CA(s) that peer PCEs' (and PCCs') certificates chain to
/// pccs = "optional"                 # PCCs: off, optional (TLS if the PCC starts it) or required
/// pcc_certificates = false          # true: a PCC must present a certificate from `ca`
/// handshake_timeout = 10            # seconds
/// [[tls.pcc]]                       # per prefix of PCCs; the longest match wins
/// prefix = "192.0.2.0/24"
/// mode = "required"
/// ```
/// A state-sync peer (`[[state_sync.peers]]`) uses mutual TLS whenever
/// `[tls]` has a `ca`, unless its `tls = "off"`: both PCEs present a
/// certificate from `ca`, and the peer's must name it (`tls_name`, or else
/// its address as an IP subject alternative name).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// This PCE's certificate chain (PEM).
    pub certificate: PathBuf,
    /// Its private key (PEM).
    pub key: PathBuf,
    /// The CA certificates peers and PCCs are verified against (PEM).
    pub ca: Option<PathBuf>,
    /// PCEPS towards PCCs not listed in `[[tls.pcc]]`.
    #[serde(default = "TlsMode::optional")]
    pub pccs: TlsMode,
    /// PCEPS per prefix of PCCs.
    #[serde(default)]
    pub pcc: Vec<TlsPccSection>,
    /// A PCC over TLS must present a certificate that chains to `ca`.
    #[serde(default)]
    pub pcc_certificates: bool,
    /// Seconds a TLS handshake may take.
    #[serde(default = "handshake_timeout")]
    pub handshake_timeout: u64,
}

const fn handshake_timeout() -> u64 {
    10
}

/// `[[tls.pcc]]`: PCEPS for a prefix of PCCs.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsPccSection {
    /// Which PCCs.
    pub prefix: Prefix,
    /// Off, optional or required.
    pub mode: TlsMode,
}

/// Whether a session uses PCEPS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain TCP; a StartTLS gets PCErr 25/4.
    Off,
    /// TLS when the PCC starts with StartTLS, plain when it starts with
    /// Open.
    Optional,
    /// TLS only: an Open first gets PCErr 1/1.
    Required,
}

impl TlsMode {
    const fn optional() -> Self {
        Self::Optional
    }

    /// The session's policy.
    pub const fn policy(self) -> pcep::session::TlsPolicy {
        match self {
            Self::Off => pcep::session::TlsPolicy::Off,
            Self::Optional => pcep::session::TlsPolicy::Optional,
            Self::Required => pcep::session::TlsPolicy::Required,
        }
    }
}

/// `[[tcp_md5]]`: the TCP-MD5 key (RFC 2385) of a PCC, a prefix of PCCs,
/// or a peer PCE.
///
/// ```toml
/// [[tcp_md5]]
/// peer = "10.0.0.0/8"   # an address or a prefix; the longest match wins
/// key = "s3cret"        # 1 to 80 bytes, as the routers have it
/// ```
/// The kernel drops every segment from those addresses that is not signed
/// with the key: such a PCC never reaches the PCE (`/metrics`
/// `pce_tcp_md5_drops_total` shows the kernel's count). TCP-AO (RFC 5925)
/// is not supported: `pce serve` logs whether the kernel has it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TcpMd5Section {
    /// Who.
    pub peer: Prefix,
    /// The key.
    pub key: String,
}

impl std::fmt::Debug for TcpMd5Section {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpMd5Section")
            .field("peer", &self.peer)
            .field("key", &"(hidden)")
            .finish()
    }
}

/// `[[api_tokens]]`: a bearer token of the management API.
///
/// ```toml
/// [[api_tokens]]
/// name = "noc"          # the caller, as audit lines name it
/// role = "operator"     # or "read": reads and offline computations only
/// sha256 = "5e884898..." # SHA-256 of the token, in hex (`pce token` makes a token and its line)
/// ```
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiTokenSection {
    /// The caller's name.
    pub name: String,
    /// `read` or `operator`.
    pub role: crate::runtime::auth::Role,
    /// The token's SHA-256, hex.
    pub sha256: String,
}

/// `[bgp_ls]`: BGP sessions that bring the TED (RFC 9552).
///
/// ```toml
/// [bgp_ls]
/// local_as = 65000
/// router_id = "127.0.0.2"       # BGP Identifier; also the source of active sessions
/// hold_time = 90                # seconds proposed (0, or 3 and more)
/// settle_ms = 200               # quiet time after an UPDATE before the TED is rebuilt
/// end_of_rib_wait_ms = 120000   # how long a peer that announced End-of-RIB is waited for
/// listen = "127.0.0.2:179"      # where passive peers connect (default: router_id, port 179)
/// [[bgp_ls.peers]]
/// address = "127.0.0.1"
/// asn = 65000
/// port = 179                    # active sessions connect to it
/// passive = false               # true: wait for the peer to connect
/// ```
/// Once a BGP-LS peer has described a usable topology, it replaces the
/// file's (which serves until then): the two are the same TED, the file
/// stays for labs and planning.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BgpLsSection {
    /// Local AS.
    pub local_as: u32,
    /// BGP Identifier.
    pub router_id: Ipv4Addr,
    /// Hold time proposed, seconds.
    #[serde(default = "default_hold_time")]
    pub hold_time: u16,
    /// Milliseconds without an UPDATE before the TED is rebuilt.
    #[serde(default = "default_settle_ms")]
    pub settle_ms: u64,
    /// Milliseconds to wait for the End-of-RIB of a peer that announced
    /// it (Graceful Restart capability, RFC 4724) before a TED is built
    /// from its incomplete initial update.
    #[serde(default = "default_end_of_rib_wait_ms")]
    pub end_of_rib_wait_ms: u64,
    /// Listen address for passive peers.
    pub listen: Option<std::net::SocketAddr>,
    /// The peers.
    pub peers: Vec<BgpPeer>,
}

/// A BGP-LS peer.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BgpPeer {
    /// Its address.
    pub address: IpAddr,
    /// Its AS.
    pub asn: u32,
    /// Its port (active sessions).
    #[serde(default = "default_bgp_port")]
    pub port: u16,
    /// Wait for it to connect instead of connecting.
    #[serde(default)]
    pub passive: bool,
}

fn default_hold_time() -> u16 {
    90
}

fn default_settle_ms() -> u64 {
    200
}

fn default_end_of_rib_wait_ms() -> u64 {
    120_000
}

fn default_bgp_port() -> u16 {
    179
}

/// `[state_sync]`.
///
/// ```toml
/// [state_sync]
/// identity = "192.0.2.101"        # this PCE's address: sessions to peers come from it; tie-break
/// priority = 100                  # global computation priority
/// on_primary_loss = "next_highest" # or "reclaim"
/// partial_group = "avoid_others"  # or "relax", "skip"
/// forward_without_db_version = true
/// accept_unannounced_pccs = false # true: peers without the PCNtf relay of PCC Open information
/// [state_sync.codepoints]         # the draft's TBDs (lab defaults shown)
/// inter_pce_capability_mask = 0x8000
/// speaker_entity_id_missing = 23
/// no_headend_session = 4
/// original_lsp_db_version_tlv = 65504
/// pcc_open_notification_type = 6
/// [[state_sync.peers]]
/// address = "192.0.2.102"
/// port = 4189
/// priority = 200
/// [[state_sync.group_priorities]]
/// association_type = 2
/// source = "0.0.0.0"
/// ids = [301, 500]
/// priorities = { "192.0.2.102" = 300 }
/// [[state_sync.lsp_priorities]]
/// pcc = "192.0.2.1"
/// name = "gold"
/// priorities = { "192.0.2.101" = 500 }
/// ```
/// The PCE with the lower identity opens the session to a peer; the other
/// waits for it (no collisions to resolve).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateSyncSection {
    /// This PCE's identity; default: `[pce] address`.
    pub identity: Option<IpAddr>,
    /// Global priority.
    #[serde(default)]
    pub priority: u32,
    /// Peers.
    #[serde(default)]
    pub peers: Vec<PeerSection>,
    /// Per-group priorities.
    #[serde(default)]
    pub group_priorities: Vec<GroupPrioritySection>,
    /// Per-LSP priorities (before the group and global ones).
    #[serde(default)]
    pub lsp_priorities: Vec<LspPrioritySection>,
    /// `next_highest` or `reclaim`.
    #[serde(default)]
    pub on_primary_loss: Option<String>,
    /// `relax`, `skip` or `avoid_others`.
    #[serde(default)]
    pub partial_group: Option<String>,
    /// Forward reports without LSP-DB-VERSION.
    #[serde(default = "yes")]
    pub forward_without_db_version: bool,
    /// Accept a peer's reports for PCCs it has not announced by PCNtf.
    #[serde(default)]
    pub accept_unannounced_pccs: bool,
    /// The draft's unallocated code points (`[state_sync.codepoints]`):
    /// `inter_pce_capability_mask`, `speaker_entity_id_missing`,
    /// `no_headend_session`, `original_lsp_db_version_tlv`,
    /// `pcc_open_notification_type`; every PCE of a cluster must agree.
    #[serde(default)]
    pub codepoints: pcep::wire::StateSyncCodepoints,
}

const fn yes() -> bool {
    true
}

/// `[[state_sync.peers]]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerSection {
    /// Its address.
    pub address: IpAddr,
    /// Its PCEP port.
    #[serde(default = "pcep_port")]
    pub port: u16,
    /// Its global priority.
    #[serde(default)]
    pub priority: u32,
    /// PCEPS with it: `required` (mutual TLS; the default when `[tls]`
    /// has a `ca`) or `off`.
    pub tls: Option<TlsMode>,
    /// The name its certificate must carry (a DNS subject alternative
    /// name); absent: its address, as an IP subject alternative name.
    pub tls_name: Option<String>,
}

const fn pcep_port() -> u16 {
    4189
}

/// `[[state_sync.lsp_priorities]]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LspPrioritySection {
    /// The owner PCC's address.
    pub pcc: IpAddr,
    /// The LSP's symbolic name.
    pub name: String,
    /// Priority by PCE address.
    pub priorities: std::collections::BTreeMap<IpAddr, u32>,
}

/// `[[state_sync.group_priorities]]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupPrioritySection {
    /// Association type.
    pub association_type: u16,
    /// Association source.
    pub source: IpAddr,
    /// First and last ID.
    pub ids: (u16, u16),
    /// Priority by PCE address.
    pub priorities: std::collections::BTreeMap<IpAddr, u32>,
}

/// `[pce]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PceSection {
    /// PCEP listen address.
    pub address: IpAddr,
    /// PCEP port.
    pub port: u16,
    /// Topology file.
    pub topology: Option<PathBuf>,
    /// Keepalive, seconds.
    pub keepalive: u8,
    /// Dead timer, seconds.
    pub dead_timer: u8,
    /// State Timeout, seconds.
    pub state_timeout: u32,
    /// Redelegation Timeout, seconds.
    pub redelegation_timeout: u32,
    /// Seconds an update waits for its acknowledgement before the LSP is
    /// computed and updated again.
    pub update_timeout: u32,
    /// Unacknowledged updates in a row sent again at once; after them,
    /// with a backoff (2x update_timeout, doubling, up to 32x).
    pub update_retries: u32,
    /// A change that can shorten paths recomputes every controlled LSP
    /// (else only those without a path).
    pub reoptimize_on_restore: bool,
    /// Threads computing paths in parallel (the core's rayon pool);
    /// absent: one per core.
    pub threads: Option<usize>,
    /// PCEP connections at once (PCCs and peers, in any state); the
    /// excess is closed as it is accepted, counted and logged. Absent:
    /// the descriptor limit less a reserve (see `runtime::limits`).
    pub max_connections: Option<usize>,
    /// Management API connections at once; the excess is closed as it is
    /// accepted, counted and logged (they share the descriptors kept
    /// aside from PCEP: see `runtime::limits`).
    pub max_api_connections: usize,
    /// Seconds an API connection may pass without traffic before it is
    /// closed (idle keep-alive clients would otherwise hold the slots).
    pub api_idle_timeout: u32,
    /// Bytes one PCEP session may have read that the core has not handled
    /// yet; beyond it the session stops reading its socket until the core
    /// catches up (TCP pushes back on that peer alone).
    pub session_read_budget: usize,
    /// The same bound for all sessions together.
    pub read_budget: usize,
    /// LSPs one PCC may have.
    pub max_lsps_per_pcc: usize,
    /// Bytes of unknown TLVs and objects kept with one LSP.
    pub max_unknown_bytes_per_lsp: usize,
    /// Updates one session may have unacknowledged; the rest wait in the
    /// core, one path per LSP.
    pub update_window: usize,
    /// Who may open a PCEP session: PCC addresses and prefixes (absent:
    /// anyone). The configured state-sync peers are always allowed; any
    /// other connection from outside is closed as it is accepted, before
    /// Open, logged and counted.
    pub allow: Option<Vec<Prefix>>,
    /// Management API address.
    pub api: std::net::SocketAddr,
    /// Seconds a plan (`POST /plan`) may be expected to take: a plan that
    /// a sample of its scenarios says would take longer is refused before
    /// it starts, with the estimate. Held below `api_idle_timeout` (an idle
    /// connection is closed, answer or not).
    pub plan_limit: u32,
    /// PCEP connections up to which a session's start and end are logged
    /// at info; with more, at debug (10,000 PCCs reconnecting would
    /// otherwise be 20,000 lines).
    pub log_sessions_up_to: usize,
    /// Where the operator's intent is kept across restarts (the LSPs
    /// initiated through the API, the constraints put on delegated ones):
    /// an embedded database file, created when missing. Absent: not kept.
    pub state: Option<PathBuf>,
}

/// An address prefix (`10.0.0.0/8`, `2001:db8::/32`), or one address
/// (`192.0.2.1`: a /32 or /128).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Prefix(pub ipnet::IpNet);

impl Prefix {
    /// Whether `addr` is in it (an IPv4-mapped IPv6 address as IPv4).
    pub fn contains(&self, addr: IpAddr) -> bool {
        self.0.contains(&addr.to_canonical())
    }
}

impl std::str::FromStr for Prefix {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<ipnet::IpNet>()
            .map(|n| Self(n.trunc()))
            .or_else(|_| s.parse::<IpAddr>().map(|a| Self(ipnet::IpNet::from(a))))
            .map_err(|_| format!("{s:?} is not an address or prefix (10.0.0.0/8, 192.0.2.1)"))
    }
}

impl<'de> Deserialize<'de> for Prefix {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl Default for PceSection {
    fn default() -> Self {
        Self {
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 4189,
            topology: None,
            keepalive: 30,
            dead_timer: 120,
            state_timeout: 60,
            redelegation_timeout: 30,
            update_timeout: 30,
            update_retries: 3,
            reoptimize_on_restore: true,
            threads: None,
            max_connections: None,
            max_api_connections: 128,
            api_idle_timeout: 60,
            session_read_budget: crate::runtime::server::budget::SESSION_READ_BUDGET,
            read_budget: crate::runtime::server::budget::READ_BUDGET,
            max_lsps_per_pcc: crate::pce::MAX_LSPS_PER_PCC,
            max_unknown_bytes_per_lsp: crate::pce::MAX_UNKNOWN_BYTES_PER_LSP,
            update_window: crate::pce::UPDATE_WINDOW,
            allow: None,
            api: std::net::SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9189),
            plan_limit: 50,
            state: None,
            log_sessions_up_to: 1000,
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Not valid TOML for this format (unknown key, wrong type).
    #[error("{path}: {reason}")]
    Parse {
        /// The file.
        path: String,
        /// The TOML parser's message, with key and position.
        reason: String,
    },
    /// A value out of range.
    #[error("{path}: [pce] {key}: {expected}")]
    Invalid {
        /// The file.
        path: String,
        /// The key.
        key: &'static str,
        /// What is expected.
        expected: &'static str,
    },
    /// The topology file is unusable.
    #[error("{path}: [pce] topology: {reason}")]
    Topology {
        /// The configuration file.
        path: String,
        /// The topology error.
        reason: String,
    },
}

impl Config {
    /// Read and validate a configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: name.clone(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, &name)
    }

    /// Parse and validate TOML text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_string(),
            reason: e.to_string(),
        })?;
        let invalid = |key, expected| ConfigError::Invalid {
            path: origin.to_string(),
            key,
            expected,
        };
        let p = &config.pce;
        if p.keepalive == 0 {
            return Err(invalid("keepalive", "1 to 255 seconds"));
        }
        if p.dead_timer < p.keepalive {
            return Err(invalid(
                "dead_timer",
                "at least keepalive (RFC 5440 recommends 4 x keepalive)",
            ));
        }
        if let Some(b) = &config.bgp_ls {
            if b.hold_time == 1 || b.hold_time == 2 {
                return Err(invalid(
                    "bgp_ls.hold_time",
                    "0, or 3 seconds and more (RFC 4271)",
                ));
            }
            if b.router_id.is_unspecified() {
                return Err(invalid("bgp_ls.router_id", "a non-zero BGP Identifier"));
            }
            if b.peers.is_empty() {
                return Err(invalid("bgp_ls.peers", "at least one peer"));
            }
            let mut seen = std::collections::HashSet::new();
            if !b.peers.iter().all(|q| seen.insert(q.address)) {
                return Err(invalid("bgp_ls.peers", "each peer address once"));
            }
            if b.settle_ms > 60_000 {
                return Err(invalid("bgp_ls.settle_ms", "at most 60000"));
            }
            if b.end_of_rib_wait_ms > 3_600_000 {
                return Err(invalid("bgp_ls.end_of_rib_wait_ms", "at most 3600000"));
            }
        }
        if let Some(ss) = &config.state_sync {
            if ss
                .on_primary_loss
                .as_deref()
                .is_some_and(|v| !["next_highest", "reclaim"].contains(&v))
            {
                return Err(invalid(
                    "state_sync.on_primary_loss",
                    "next_highest or reclaim",
                ));
            }
            if ss
                .partial_group
                .as_deref()
                .is_some_and(|v| !["relax", "skip", "avoid_others"].contains(&v))
            {
                return Err(invalid(
                    "state_sync.partial_group",
                    "relax, skip or avoid_others",
                ));
            }
            let me = ss.identity.unwrap_or(p.address);
            if ss.peers.iter().any(|q| q.address == me) {
                return Err(invalid(
                    "state_sync.peers",
                    "peer addresses other than this PCE's identity",
                ));
            }
            if let Err(e) = ss.codepoints.validate() {
                return Err(ConfigError::Invalid {
                    path: origin.to_string(),
                    key: "state_sync.codepoints",
                    expected: e,
                });
            }
            if ss.group_priorities.iter().any(|g| g.ids.0 > g.ids.1) {
                return Err(invalid(
                    "state_sync.group_priorities.ids",
                    "[first, last] with first <= last",
                ));
            }
        }
        let mut names = std::collections::HashSet::new();
        let mut digests = std::collections::HashSet::new();
        for t in &config.api_tokens {
            if t.name.is_empty()
                || t.name.len() > 64
                || !t.name.bytes().all(|b| b.is_ascii_graphic())
                || !names.insert(&t.name)
            {
                return Err(invalid(
                    "api_tokens.name",
                    "a unique name of 1 to 64 printable characters, no spaces",
                ));
            }
            if t.sha256.len() != 64
                || !t.sha256.bytes().all(|b| b.is_ascii_hexdigit())
                || !digests.insert(t.sha256.to_ascii_lowercase())
            {
                return Err(invalid(
                    "api_tokens.sha256",
                    "a distinct SHA-256 in hex, 64 digits (`pce token` prints one)",
                ));
            }
        }
        let mut peers = std::collections::HashSet::new();
        for t in &config.tcp_md5 {
            if t.key.is_empty() || t.key.len() > 80 {
                return Err(invalid(
                    "tcp_md5.key",
                    "1 to 80 bytes (RFC 2385 keys as Linux takes them)",
                ));
            }
            if !peers.insert(t.peer) {
                return Err(invalid("tcp_md5.peer", "each address or prefix once"));
            }
        }
        if let Some(t) = &config.tls {
            let mut prefixes = std::collections::HashSet::new();
            if !t.pcc.iter().all(|q| prefixes.insert(q.prefix)) {
                return Err(invalid("tls.pcc.prefix", "each prefix once"));
            }
            if t.pcc_certificates && t.ca.is_none() {
                return Err(invalid(
                    "tls.pcc_certificates",
                    "a [tls] ca to verify the PCCs' certificates against",
                ));
            }
            if !(1..=300).contains(&t.handshake_timeout) {
                return Err(invalid("tls.handshake_timeout", "1 to 300 seconds"));
            }
        }
        if let Some(ss) = &config.state_sync {
            for q in &ss.peers {
                match q.tls {
                    Some(TlsMode::Optional) => {
                        return Err(invalid(
                            "state_sync.peers.tls",
                            "required or off (a state-sync session is authenticated or not)",
                        ))
                    }
                    Some(TlsMode::Required)
                        if config.tls.as_ref().is_none_or(|t| t.ca.is_none()) =>
                    {
                        return Err(invalid(
                            "state_sync.peers.tls",
                            "a [tls] section with certificate, key and ca (mutual TLS)",
                        ))
                    }
                    _ => {}
                }
                if let Some(name) = &q.tls_name {
                    if pce_tls::server_name(Some(name), q.address).is_err() {
                        return Err(invalid("state_sync.peers.tls_name", "a DNS name"));
                    }
                }
            }
        }
        if !config.api_clients.is_empty() && config.api_tls.as_ref().is_none_or(|t| t.ca.is_none())
        {
            return Err(invalid(
                "api_clients",
                "an [api_tls] section with a ca to verify client certificates against",
            ));
        }
        let mut clients = std::collections::HashSet::new();
        for c in &config.api_clients {
            if pce_tls::server_name(Some(&c.name), p.api.ip()).is_err() || !clients.insert(&c.name)
            {
                return Err(invalid("api_clients.name", "a unique DNS name"));
            }
        }
        if let Some(t) = &config.api_tls {
            if !(1..=300).contains(&t.handshake_timeout) {
                return Err(invalid("api_tls.handshake_timeout", "1 to 300 seconds"));
            }
        }
        if config.api_tokens.is_empty()
            && config.api_clients.is_empty()
            && !p.api.ip().is_loopback()
        {
            return Err(invalid(
                "api",
                "a loopback address, or [[api_tokens]] or [[api_clients]] to authenticate callers (the API creates and deletes LSPs on routers)",
            ));
        }
        if !(1..=3600).contains(&p.update_timeout) {
            return Err(invalid("update_timeout", "1 to 3600 seconds"));
        }
        if p.threads.is_some_and(|t| !(1..=1024).contains(&t)) {
            return Err(invalid("threads", "1 to 1024"));
        }
        if p.max_connections
            .is_some_and(|m| !(1..=10_000_000).contains(&m))
        {
            return Err(invalid("max_connections", "1 to 10000000"));
        }
        // One largest message must fit, or a peer sending one would stall.
        let (min, max) = (crate::runtime::server::budget::MAX_READ, 1 << 40);
        if !(min..=max).contains(&p.session_read_budget) {
            return Err(invalid(
                "session_read_budget",
                "65536 to 1099511627776 bytes",
            ));
        }
        if !(p.session_read_budget..=max).contains(&p.read_budget) {
            return Err(invalid(
                "read_budget",
                "at least session_read_budget, at most 1099511627776 bytes",
            ));
        }
        if !(1..=100_000).contains(&p.max_api_connections) {
            return Err(invalid("max_api_connections", "1 to 100000"));
        }
        if !(1..=1 << 24).contains(&p.max_lsps_per_pcc) {
            return Err(invalid("max_lsps_per_pcc", "1 to 16777216"));
        }
        if p.max_unknown_bytes_per_lsp > 65_536 {
            return Err(invalid("max_unknown_bytes_per_lsp", "0 to 65536"));
        }
        if p.api_idle_timeout == 0 || p.api_idle_timeout > 3600 {
            return Err(invalid("api_idle_timeout", "1 to 3600 seconds"));
        }
        if p.plan_limit == 0 || p.plan_limit > 3600 {
            return Err(invalid("plan_limit", "1 second to 3600"));
        }
        if p.update_window == 0 || p.update_window > 65_536 {
            return Err(invalid("update_window", "1 to 65536"));
        }
        if p.update_retries > 100 {
            return Err(invalid("update_retries", "0 to 100"));
        }
        if p.redelegation_timeout > p.state_timeout {
            return Err(invalid(
                "redelegation_timeout",
                "at most state_timeout (RFC 8231 §5.7.4: State Timeout >= Redelegation Timeout)",
            ));
        }
        Ok(config)
    }

    /// The topology: the configured file, or the embedded example.
    pub fn topology(&self, origin: &str) -> Result<Topology, ConfigError> {
        self.topology_file(origin)?
            .build()
            .map_err(|e| ConfigError::Topology {
                path: origin.to_string(),
                reason: e.to_string(),
            })
    }

    /// The topology file, read and parsed (not yet built into a snapshot:
    /// the core builds it).
    pub fn topology_file(&self, origin: &str) -> Result<TopologyFile, ConfigError> {
        let err = |reason: String| ConfigError::Topology {
            path: origin.to_string(),
            reason,
        };
        match &self.pce.topology {
            Some(file) => TopologyFile::read(file).map_err(|e| err(e.to_string())),
            None => TopologyFile::parse(EMBEDDED_TOPOLOGY, "embedded topology")
                .map_err(|e| err(e.to_string())),
        }
    }
}

impl Config {
    /// The TCP-MD5 key for `peer`: the longest configured prefix that
    /// holds it.
    pub fn md5_key(&self, peer: IpAddr) -> Option<&TcpMd5Section> {
        let peer = peer.to_canonical();
        self.tcp_md5
            .iter()
            .filter(|t| t.peer.contains(peer))
            .max_by_key(|t| t.peer.0.prefix_len())
    }

    /// The configured state-sync peer at `address`.
    pub fn peer(&self, address: IpAddr) -> Option<&PeerSection> {
        let address = address.to_canonical();
        self.state_sync
            .as_ref()?
            .peers
            .iter()
            .find(|p| p.address == address)
    }

    /// PCEPS on a session with `peer` (a state-sync peer or a PCC).
    pub fn tls_mode(&self, peer: IpAddr) -> TlsMode {
        let Some(tls) = &self.tls else {
            return TlsMode::Off;
        };
        if let Some(p) = self.peer(peer) {
            return p.tls.unwrap_or(if tls.ca.is_some() {
                TlsMode::Required
            } else {
                TlsMode::Off
            });
        }
        let peer = peer.to_canonical();
        tls.pcc
            .iter()
            .filter(|q| q.prefix.contains(peer))
            .max_by_key(|q| q.prefix.0.prefix_len())
            .map_or(tls.pccs, |q| q.mode)
    }

    /// Whether `peer` may open a PCEP session: it is in `[pce] allow`
    /// (absent: anyone may) or a configured state-sync peer.
    pub fn allows(&self, peer: IpAddr) -> bool {
        let Some(allow) = &self.pce.allow else {
            return true;
        };
        let peer = peer.to_canonical();
        allow.iter().any(|p| p.contains(peer))
            || self
                .state_sync
                .as_ref()
                .is_some_and(|ss| ss.peers.iter().any(|p| p.address == peer))
    }

    /// The core's state-sync configuration.
    pub fn state_sync(&self) -> Option<crate::pce::StateSync> {
        use crate::pce::{
            GroupPriority, LspPriority, PartialGroup, PeerPce, PrimaryLoss, StateSync,
        };
        let ss = self.state_sync.as_ref()?;
        let mut out = StateSync::new(
            ss.identity.unwrap_or(self.pce.address),
            ss.priority,
            ss.peers
                .iter()
                .map(|p| PeerPce {
                    address: p.address,
                    priority: p.priority,
                })
                .collect(),
        );
        out.on_primary_loss = match ss.on_primary_loss.as_deref() {
            Some("reclaim") => PrimaryLoss::Reclaim,
            _ => PrimaryLoss::NextHighest,
        };
        out.partial_group = match ss.partial_group.as_deref() {
            Some("skip") => PartialGroup::Skip,
            Some("relax") => PartialGroup::Relax,
            _ => PartialGroup::AvoidOthers,
        };
        out.forward_without_db_version = ss.forward_without_db_version;
        out.accept_unannounced_pccs = ss.accept_unannounced_pccs;
        out.codepoints = ss.codepoints;
        out.group_priorities = ss
            .group_priorities
            .iter()
            .map(|g| GroupPriority {
                association_type: g.association_type,
                source: g.source,
                ids: g.ids,
                priorities: g.priorities.iter().map(|(a, p)| (*a, *p)).collect(),
            })
            .collect();
        out.lsp_priorities = ss
            .lsp_priorities
            .iter()
            .map(|l| LspPriority {
                pcc: l.pcc,
                name: l.name.clone(),
                priorities: l.priorities.iter().map(|(a, p)| (*a, *p)).collect(),
            })
            .collect();
        Some(out)
    }
}
