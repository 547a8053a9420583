//! Who may call the management API: bearer tokens, each with a name (the
//! caller's identity in audit lines) and a role.
//!
//! The configuration holds only the SHA-256 of each token
//! (`[[api_tokens]]`), so a leaked configuration file or backup does not
//! give API access. A token is 32 random bytes (`pce token` makes one):
//! with that much entropy a fast hash is as safe as a slow password hash
//! (there is no dictionary to try), and it costs microseconds per call
//! where bcrypt or argon2 would cost milliseconds. Looking the digest up
//! leaks nothing useful through timing: an attacker who learned a digest
//! still needs a preimage.
//!
//! Roles: `read` may read everything and compute paths offline
//! (`POST /compute` changes nothing); `operator` may also create, update
//! and delete LSPs, return delegations, change the topology, reoptimize
//! and trigger resynchronizations.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// A caller's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads, and offline computations.
    Read,
    /// Everything.
    Operator,
}

impl Role {
    /// Its name in the configuration and in audit lines.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Operator => "operator",
        }
    }

    /// Whether this role may call `method path`.
    pub fn may(self, method: &axum::http::Method, path: &str) -> bool {
        self == Self::Operator || !changes_state(method, path)
    }
}

/// Whether `method path` changes the PCE's or the network's state (an
/// operator's call, written to the audit log).
pub fn changes_state(method: &axum::http::Method, path: &str) -> bool {
    use axum::http::Method;
    !(method == Method::GET
        || method == Method::HEAD
        || method == Method::OPTIONS
        || (method == Method::POST && path == "/compute"))
}

/// A caller the API let in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// Its token's name; `anonymous` without authentication.
    pub name: Arc<str>,
    /// Its role.
    pub role: Role,
}

/// Why a call was refused (401).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization: Bearer` header.
    Missing,
    /// A token that is not configured.
    Unknown,
}

impl Refusal {
    /// What the caller is told.
    pub const fn message(self) -> &'static str {
        match self {
            Self::Missing => "authentication required: send Authorization: Bearer <token>",
            Self::Unknown => "unknown token",
        }
    }
}

/// The configured tokens, by digest. None: no authentication (the API is
/// then on a loopback address only: the configuration refuses anything
/// else).
#[derive(Clone, Debug, Default)]
pub struct Tokens {
    by_digest: HashMap<[u8; 32], Caller>,
    /// Callers must authenticate even without tokens (`[[api_clients]]`:
    /// by client certificate).
    required: bool,
}

impl Tokens {
    /// From `(name, role, SHA-256 in hex)`; the configuration has checked
    /// the digests.
    pub fn new<'a>(tokens: impl IntoIterator<Item = (&'a str, Role, &'a str)>) -> Self {
        let by_digest = tokens
            .into_iter()
            .filter_map(|(name, role, hex)| {
                let digest: [u8; 32] = hex::decode(hex).ok()?.try_into().ok()?;
                Some((
                    digest,
                    Caller {
                        name: name.into(),
                        role,
                    },
                ))
            })
            .collect();
        Self {
            by_digest,
            required: false,
        }
    }

    /// The same, requiring authentication even without tokens (callers
    /// known by client certificates).
    #[must_use]
    pub fn requiring(mut self, required: bool) -> Self {
        self.required = required;
        self
    }

    /// Whether callers must authenticate.
    pub fn enabled(&self) -> bool {
        self.required || !self.by_digest.is_empty()
    }

    /// The caller an `Authorization` header names.
    pub fn check(&self, authorization: Option<&[u8]>) -> Result<Caller, Refusal> {
        if !self.enabled() {
            return Ok(Caller {
                name: "anonymous".into(),
                role: Role::Operator,
            });
        }
        let token = authorization
            .and_then(|h| {
                let (scheme, rest) = h.split_at_checked(7)?;
                scheme.eq_ignore_ascii_case(b"bearer ").then_some(rest)
            })
            .map(<[u8]>::trim_ascii)
            .filter(|t| !t.is_empty())
            .ok_or(Refusal::Missing)?;
        let digest: [u8; 32] = Sha256::digest(token).into();
        self.by_digest.get(&digest).cloned().ok_or(Refusal::Unknown)
    }
}

/// The SHA-256 of a token, in hex (what `[[api_tokens]] sha256` holds).
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new token: `pce-` and 32 random bytes in hex.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("pce-{}", hex::encode(bytes)))
}
