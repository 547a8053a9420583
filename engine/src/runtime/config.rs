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
//! api = "127.0.0.1:9189"       # management API (REST/JSON) listen address
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
    /// Management API address.
    pub api: std::net::SocketAddr,
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
            api: std::net::SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9189),
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
        let err = |reason: String| ConfigError::Topology {
            path: origin.to_string(),
            reason,
        };
        match &self.pce.topology {
            Some(file) => TopologyFile::load(file).map_err(|e| err(e.to_string())),
            None => TopologyFile::parse(EMBEDDED_TOPOLOGY, "embedded topology")
                .and_then(|f| f.build())
                .map_err(|e| err(e.to_string())),
        }
    }
}
