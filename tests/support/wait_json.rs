//! Waiting on a process's HTTP API: GET a JSON document until a condition
//! holds, or fail at a deadline (real time bounds the wait; nothing sleeps
//! for a result).
#![allow(clippy::disallowed_methods)] // wall-clock deadlines

use std::time::{Duration, Instant};

/// GET `url` as JSON until `ready` holds; panics after `within`.
pub(crate) fn wait_json(
    url: &str,
    within: Duration,
    ready: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    wait_json_with(url, None, within, ready)
}

/// The same, sending the API token `token` if any (`[[api_tokens]]`).
pub(crate) fn wait_json_with(
    url: &str,
    token: Option<&str>,
    within: Duration,
    ready: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + within;
    loop {
        let got: serde_json::Value = bearer(ureq::get(url), token)
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_to_string().ok())
            .and_then(|b| serde_json::from_str(&b).ok())
            .unwrap_or_default();
        if ready(&got) {
            return got;
        }
        assert!(Instant::now() < deadline, "{url}: {got}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `request` with `Authorization: Bearer <token>` when there is a token
/// (the API's `[[api_tokens]]`).
pub(crate) fn bearer<B>(
    request: ureq::RequestBuilder<B>,
    token: Option<&str>,
) -> ureq::RequestBuilder<B> {
    match token {
        Some(t) => request.header("Authorization", &format!("Bearer {t}")),
        None => request,
    }
}
