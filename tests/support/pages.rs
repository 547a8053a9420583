//! Paged listings of the API: one page, or every page following the
//! `Link` headers.

/// One GET: status, body, and the next page's path from the Link header.
pub(crate) fn get(
    api: u16,
    path: &str,
) -> (u16, serde_json::Value, Option<String>, Option<String>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .get(format!("http://127.0.0.1:{api}{path}"))
        .call()
        .unwrap();
    let header = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let link = header("link").map(|l| {
        assert!(l.ends_with(">; rel=\"next\""), "{l}");
        l.trim_start_matches('<')
            .trim_end_matches(">; rel=\"next\"")
            .to_owned()
    });
    let cursor = header("x-next-cursor");
    let status = r.status().as_u16();
    // Read whole, then parsed: serde_json reading through the body's
    // reader a byte at a time is slow in test builds.
    let text = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .unwrap();
    let body = serde_json::from_str(&text).unwrap();
    (status, body, link, cursor)
}

/// Every page from `first`, following the links: the items and the
/// number of pages.
pub(crate) fn all_pages(api: u16, first: &str) -> (Vec<serde_json::Value>, usize) {
    let (mut items, mut pages, mut path) = (Vec::new(), 0, Some(first.to_owned()));
    while let Some(p) = path {
        let (status, body, link, cursor) = get(api, &p);
        assert_eq!(status, 200, "{p}: {body}");
        assert_eq!(link.is_some(), cursor.is_some());
        items.extend(body.as_array().unwrap().iter().cloned());
        pages += 1;
        path = link;
    }
    (items, pages)
}
