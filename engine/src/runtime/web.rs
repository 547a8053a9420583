//! The web view (`GET /` on the API address) and the plan report (`pce
//! plan --html`): pages whose scripts and data are in the page itself
//! (embedded in this binary, no build step, nothing fetched from
//! elsewhere). The view reads the management API (the token given after
//! `#token=` in its address goes in every call) and follows `GET /events`
//! to redraw as reports, updates and topology changes flow; the report
//! carries its plan and topology, readable offline.

use axum::response::{Html, IntoResponse};

const PLOT: &str = include_str!("web/plot.js");
const VIEW: &str = include_str!("web/view.html");
const REPORT: &str = include_str!("web/report.html");

/// `GET /`: the web view.
pub async fn view() -> impl IntoResponse {
    (
        [
            (axum::http::header::CACHE_CONTROL, "no-store"),
            (
                axum::http::header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:",
            ),
        ],
        Html(VIEW.replace("/*PLOT*/", PLOT)),
    )
}

/// JSON as a script's literal: `</` cannot close the script.
fn literal(v: &serde_json::Value) -> Result<String, String> {
    Ok(serde_json::to_string(v)
        .map_err(|e| e.to_string())?
        .replace("</", "<\\/"))
}

/// A plan's report: one HTML page with `plan` (a `POST /plan` answer) and
/// `topology` (a `GET /topology` answer) in it.
pub fn plan_report(
    plan: &serde_json::Value,
    topology: &serde_json::Value,
) -> Result<String, String> {
    let data = format!(
        "const PLAN = {};\nconst TOPO = {};",
        literal(plan)?,
        literal(topology)?
    );
    Ok(REPORT
        .replace("/*PLOT*/", PLOT)
        .replacen("/*DATA*/", &data, 1))
}
