//! One JSON call to a process's API, whatever its status: the status and
//! the body (an empty object when it is not JSON).

/// `method` `url` with the JSON `body`.
pub(crate) fn send_json(method: &str, url: &str, body: &str) -> (u16, serde_json::Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let request = match method {
        "POST" => agent.post(url),
        "PATCH" => agent.patch(url),
        "PUT" => agent.put(url),
        other => panic!("send_json: {other} takes no body"),
    };
    let mut r = request
        .header("content-type", "application/json")
        .send(body)
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| serde_json::json!({})),
    )
}

/// GET `url` as JSON (its status must be a success).
pub(crate) fn get_json(url: &str) -> serde_json::Value {
    ureq::get(url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .body_mut()
        .read_json()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
}
