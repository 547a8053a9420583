//! The unlabelled series of a process's `/metrics`.

use std::collections::HashMap;
use std::time::Duration;

/// Each unlabelled series of `http://127.0.0.1:{api}/metrics` with its
/// value, when the API answers (within 5 s).
pub(crate) fn metrics(api: u16) -> Option<HashMap<String, u64>> {
    metrics_at(&format!("http://127.0.0.1:{api}"))
}

/// The same for the API at `base` (`http://ADDRESS:PORT`).
pub(crate) fn metrics_at(base: &str) -> Option<HashMap<String, u64>> {
    metrics_with(base, None)
}

/// The same, sending the API token `token` if any (`[[api_tokens]]`).
pub(crate) fn metrics_with(base: &str, token: Option<&str>) -> Option<HashMap<String, u64>> {
    let text = super::wait_json::bearer(ureq::get(&format!("{base}/metrics")), token)
        .config()
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .call()
        .ok()?
        .body_mut()
        .read_to_string()
        .ok()?;
    Some(
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.contains('{'))
            .filter_map(|l| {
                let (k, v) = l.split_once(' ')?;
                Some((k.to_string(), v.parse().ok()?))
            })
            .collect(),
    )
}
