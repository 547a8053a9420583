//! The sessions a PCE's API lists, waited for.

use std::time::Duration;

use super::wait_json::wait_json;

/// A session as the API at `api` (on 127.0.0.1) lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Listed {
    /// The peer's address (without the port).
    pub(crate) address: String,
    /// Its state (`Up`, `OpenWait`...).
    pub(crate) state: String,
    /// PCEPS: the TLS version and cipher suite.
    pub(crate) tls: Option<String>,
}

/// The sessions of the PCE whose API is on 127.0.0.1:`api`.
pub(crate) fn sessions(api: u16, within: Duration) -> Vec<Listed> {
    let v = wait_json(
        &format!("http://127.0.0.1:{api}/sessions"),
        within,
        serde_json::Value::is_array,
    );
    v.as_array()
        .into_iter()
        .flatten()
        .map(|s| Listed {
            address: s["peer"]
                .as_str()
                .and_then(|p| p.rsplit_once(':'))
                .map(|(a, _)| a.to_string())
                .unwrap_or_default(),
            state: s["state"].as_str().unwrap_or_default().to_string(),
            tls: s["tls"].as_str().map(String::from),
        })
        .collect()
}
