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

/// What the report draws of a plan: the plan, each scenario cut to its
/// counts (the LSPs it moves, those left without a path by reason, the
/// groups less disjoint, the largest stretch), so a plan of 10,000
/// scenarios and hundreds of thousands of moves is a page of a few MB.
fn for_report(plan: &serde_json::Value) -> serde_json::Value {
    let mut plan = plan.clone();
    let count = |v: &serde_json::Value| v.as_array().map_or(0, Vec::len);
    if let Some(list) = plan
        .get_mut("scenarios")
        .and_then(serde_json::Value::as_array_mut)
    {
        for s in list.iter_mut() {
            let mut reasons = serde_json::Map::new();
            for l in s["unplaceable"].as_array().into_iter().flatten() {
                let why = l["reason"].as_str().unwrap_or("unknown").to_string();
                let n = reasons
                    .get(&why)
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(0);
                reasons.insert(why, (n + 1).into());
            }
            *s = serde_json::json!({
                "name": s["name"],
                "error": s.get("error"),
                "moved": count(&s["moved"]),
                "unplaceable": count(&s["unplaceable"]),
                "reasons": reasons,
                "groups_less_disjoint": count(&s["groups_less_disjoint"]),
                "stretch_max": s["stretch_max"],
                "max_utilization": s["max_utilization"],
            });
        }
    }
    plan
}

/// A plan's report: one HTML page with `plan` (a `POST /plan` answer, its
/// scenarios cut to their counts) and `topology` (a `GET /topology`
/// answer) in it.
pub fn plan_report(
    plan: &serde_json::Value,
    topology: &serde_json::Value,
) -> Result<String, String> {
    let data = format!(
        "const PLAN = {};\nconst TOPO = {};",
        literal(&for_report(plan))?,
        literal(topology)?
    );
    Ok(REPORT
        .replace("/*PLOT*/", PLOT)
        .replacen("/*DATA*/", &data, 1))
}
