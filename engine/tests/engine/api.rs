//! The management API in process: every route, its error cases, and the
//! OpenAPI file against the routes the server really has.
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeSet;
use std::sync::Arc;

use pce_engine::runtime::api::{self, ROUTES};
use pce_engine::runtime::config::Config;
use pce_engine::runtime::server::{start_core, Shared};
use serde_json::Value;

use super::support::load;

#[test]
fn openapi_file_lists_exactly_the_routes() {
    let text = include_str!("../../openapi.yaml");
    let mut documented = BTreeSet::new();
    let mut in_paths = false;
    let mut path = String::new();
    for line in text.lines() {
        if !line.starts_with(' ') {
            in_paths = line == "paths:";
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(p) = line.strip_prefix("  /") {
            path = format!("/{}", p.trim_end_matches(':'));
        } else if let Some(m) = line.strip_prefix("    ") {
            let m = m.trim_end_matches(':');
            if ["get", "post", "patch", "delete", "put"].contains(&m) {
                documented.insert(format!("{} {path}", m.to_uppercase()));
            }
        }
    }
    let served: BTreeSet<String> = ROUTES.iter().map(ToString::to_string).collect();
    assert_eq!(documented, served);
}

struct Running {
    base: String,
    _rt: tokio::runtime::Runtime,
}

fn start() -> Running {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let base = rt.block_on(async {
        let shared = Arc::new(Shared::new(
            Config::default(),
            load("draft-topology-a.json"),
        ));
        let core = start_core(&shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(api::serve(listener, shared, core));
        format!("http://{addr}")
    });
    Running { base, _rt: rt }
}

fn call(method: &str, url: &str, body: Option<Value>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = match (method, body) {
        ("GET", _) => agent.get(url).call(),
        ("DELETE", _) => agent.delete(url).call(),
        ("POST", Some(b)) => agent.post(url).send_json(b),
        ("POST", None) => agent.post(url).content_type("application/json").send("{"),
        ("PATCH", Some(b)) => agent.patch(url).send_json(b),
        (m, _) => panic!("{m}"),
    }
    .unwrap();
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Every route in [`ROUTES`] is served (not the fallback, not 405).
#[test]
fn every_listed_route_is_served() {
    let s = start();
    for route in ROUTES {
        let (method, path) = route.split_once(' ').unwrap();
        let path = path
            .replace("{pcc}", "127.0.0.1")
            .replace("{peer}", "127.0.0.2")
            .replace("{name}", "x");
        let body = matches!(method, "POST" | "PATCH").then(|| serde_json::json!({}));
        // The event stream does not end: asked so that it is refused.
        let path = if path == "/events" {
            "/events?after=x".to_string()
        } else {
            path
        };
        let (status, v) = call(method, &format!("{}{path}", s.base), body);
        assert_ne!(status, 405, "{route}");
        assert!(
            !v["error"]
                .as_str()
                .unwrap_or_default()
                .contains("no such route"),
            "{route}: {v}"
        );
    }
}

#[test]
fn every_route_and_its_errors() {
    let s = start();
    let url = |p: &str| format!("{}{p}", s.base);
    let (st, h) = call("GET", &url("/health"), None);
    assert_eq!((st, h["status"].as_str()), (200, Some("ok")));
    assert_eq!(h["lsps"], 0);
    assert_eq!(
        call("GET", &url("/sessions"), None),
        (200, serde_json::json!([]))
    );
    assert_eq!(
        call("GET", &url("/lsps"), None),
        (200, serde_json::json!([]))
    );
    let (st, topo) = call("GET", &url("/topology"), None);
    assert_eq!(st, 200);
    assert_eq!(topo["nodes"].as_array().unwrap().len(), 8);
    assert_eq!(
        topo["links"].as_array().unwrap().len(),
        16,
        "both directions of 8 links"
    );
    let (st, c) = call("GET", &url("/counters"), None);
    assert_eq!((st, &c["reports"]), (200, &serde_json::json!(0)));
    // Prometheus text: every family has HELP and TYPE, values parse.
    let (st, m) = call("GET", &url("/metrics"), None);
    assert_eq!(st, 200);
    let text = m.as_str().unwrap();
    for family in [
        "pce_lsps",
        "pce_reports_total",
        "pce_forwarded_reports_total",
        "pce_relayed_updates_total",
        "pce_core_queue_depth",
        "pce_core_input_seconds",
        "pce_lsps_without_path",
        "pce_build_info",
        "pce_state_writes_total",
        "process_resident_memory_bytes",
        "process_virtual_memory_bytes",
        "process_cpu_seconds_total",
        "process_start_time_seconds",
        "process_open_fds",
    ] {
        assert!(
            text.contains(&format!("# TYPE {family} ")),
            "{family} in {text}"
        );
    }
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("{name} in {text}"))
    };
    // The process's own figures, as /proc has them.
    assert!(value("process_resident_memory_bytes") > 1e6);
    assert!(value("process_virtual_memory_bytes") >= value("process_resident_memory_bytes"));
    let started = value("process_start_time_seconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(
        started > now - 3600.0 && started <= now + 1.0,
        "{started} {now}"
    );
    // Every series present at zero.
    for zero in [
        "pce_lsps_without_path 0",
        "pce_lsps_initiated 0",
        "pce_state_writes_total 0",
    ] {
        assert!(text.lines().any(|l| l == zero), "{zero} in {text}");
    }
    assert!(text.contains(&format!(
        "pce_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    )));
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "{line}");
    }

    // Errors: status and a message naming the problem.
    let err = |method: &str, path: &str, body: Option<Value>, status: u16, needle: &str| {
        let (st, v) = call(method, &url(path), body);
        assert_eq!(st, status, "{method} {path}: {v}");
        let msg = v["error"].as_str().unwrap_or_default();
        assert!(
            msg.contains(needle),
            "{method} {path}: {msg:?} lacks {needle:?}"
        );
    };
    err("GET", "/lsps?pcc=nonsense", None, 400, "pcc");
    err("GET", "/lsps?colour=red", None, 400, "colour");
    err(
        "GET",
        "/lsps/127.0.0.1/x",
        None,
        404,
        "no LSP \"x\" on PCC 127.0.0.1",
    );
    err("GET", "/lsps/nonsense/x", None, 400, "not a PCC address");
    err("GET", "/nope", None, 404, "no such route");
    err("POST", "/lsps", None, 400, "");
    err(
        "POST",
        "/lsps",
        Some(serde_json::json!({"pcc": "127.0.0.1"})),
        400,
        "missing field",
    );
    let create = |extra: Value| {
        let mut b = serde_json::json!({
            "pcc": "127.0.0.1", "name": "a", "source": "10.0.0.1", "destination": "10.0.0.4"
        });
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    err(
        "POST",
        "/lsps",
        Some(create(serde_json::json!({}))),
        404,
        "no PCEP session with PCC 127.0.0.1",
    );
    err(
        "POST",
        "/lsps",
        Some(create(serde_json::json!({"setup": "mpls"}))),
        400,
        "expected sr or rsvp",
    );
    err(
        "POST",
        "/lsps",
        Some(create(serde_json::json!({"objective": "cheap"}))),
        400,
        "expected igp",
    );
    err(
        "POST",
        "/lsps",
        Some(create(serde_json::json!({"bandwidth_bps": -1}))),
        400,
        "bandwidth_bps",
    );
    err(
        "POST",
        "/lsps",
        Some(create(serde_json::json!({"name": ""}))),
        400,
        "name",
    );
    err(
        "POST",
        "/lsps",
        Some(create(serde_json::json!({"extra": 1}))),
        400,
        "extra",
    );
    err(
        "PATCH",
        "/lsps/127.0.0.1/a",
        Some(serde_json::json!({"bandwidth_bps": 1e6})),
        404,
        "no PCEP session",
    );
    err("DELETE", "/lsps/127.0.0.1/a", None, 404, "no PCEP session");
    err("DELETE", "/lsps/nonsense/a", None, 400, "not a PCC address");
    err(
        "DELETE",
        "/lsps/127.0.0.1/a/delegation",
        None,
        404,
        "no PCEP session",
    );
    err(
        "POST",
        "/pccs/127.0.0.1/resync",
        None,
        404,
        "no PCEP session",
    );
    err(
        "POST",
        "/pccs/nonsense/resync",
        None,
        400,
        "not a PCC address",
    );
    err(
        "POST",
        "/lsps/127.0.0.1/a/resync",
        None,
        404,
        "no PCEP session",
    );
    err(
        "POST",
        "/peers/127.0.0.2/resync",
        None,
        404,
        "no PCEP session",
    );
}

/// `POST /compute` answers what `pce compute` does: node names, include
/// and exclude nodes, bounds, objectives, and disjoint groups, each answer
/// the solver's own on the same request, with its claim of optimality.
#[test]
fn compute_takes_every_constraint_and_groups() {
    use pce_engine::solver::cspf::{
        compute, Constraints, Objective, PathRequest, Reservations, Workspace,
    };
    use pce_engine::solver::disjoint::{solve, Disjointness, GroupObjective, GroupRequest};
    let s = start();
    let url = format!("{}/compute", s.base);
    let topo = load("draft-topology-a.json");
    let id = |n: &str| topo.node_by_name(n).unwrap();
    let names = |v: &Value| -> Vec<String> {
        v["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    // One path, through R2, around R3, on the TE metric, bounded.
    let (status, v) = call(
        "POST",
        &url,
        Some(serde_json::json!({
            "source": "PCC1", "destination": "PCC4", "setup": "rsvp", "objective": "te",
            "include_nodes": ["R2"], "exclude_nodes": ["R3"], "max_igp": 1000
        })),
    );
    assert_eq!(status, 200, "{v}");
    let req = PathRequest {
        source: id("PCC1"),
        destination: id("PCC4"),
        objective: Objective::Te,
        constraints: Constraints {
            include_nodes: vec![id("R2")],
            exclude_nodes: vec![id("R3")],
            max_igp: Some(1000),
            ..Constraints::default()
        },
    };
    let r = Reservations::new(topo.link_count());
    let want = compute(&topo, &r, &req, &mut Workspace::new()).unwrap();
    let mut want_nodes = vec!["PCC1".to_string()];
    want_nodes.extend(
        want.links
            .iter()
            .map(|l| topo.node(topo.link(*l).unwrap().to).unwrap().name.clone()),
    );
    assert_eq!(names(&v), want_nodes);
    assert!(names(&v).contains(&"R2".to_string()) && !names(&v).contains(&"R3".to_string()));
    assert_eq!(v["path_metrics"]["te"], want.metrics.te);
    assert_eq!(v["optimal"], true);

    // A node-disjoint group, strict (its links differ too).
    let (status, v) = call(
        "POST",
        &url,
        Some(serde_json::json!({
            "members": [["PCC1", "PCC3"], ["PCC2", "PCC4"]], "disjointness": "node", "strict": true
        })),
    );
    assert_eq!(status, 200, "{v}");
    let g = GroupRequest {
        members: [("PCC1", "PCC3"), ("PCC2", "PCC4")]
            .iter()
            .map(|(a, b)| PathRequest {
                source: id(a),
                destination: id(b),
                objective: Objective::Igp,
                constraints: Constraints::default(),
            })
            .collect(),
        disjointness: Disjointness::NODE,
        strict: true,
        objective: GroupObjective::MinSum,
        pinned: vec![],
    };
    let want = solve(&topo, &r, &g, &mut Workspace::new()).unwrap();
    let paths = v["paths"].as_array().unwrap();
    assert_eq!(paths.len(), 2);
    for (got, want) in paths.iter().zip(&want.paths) {
        assert_eq!(got["path_metrics"]["igp"], want.metrics.igp);
    }
    let (a, b) = (names(&paths[0]), names(&paths[1]));
    let hops = |v: &[String]| -> Vec<(String, String)> {
        v.windows(2)
            .map(|w| {
                let (x, y) = (w[0].clone(), w[1].clone());
                if x < y {
                    (x, y)
                } else {
                    (y, x)
                }
            })
            .collect()
    };
    assert!(
        hops(&a).iter().all(|h| !hops(&b).contains(h)),
        "{a:?} {b:?}"
    );
    assert_eq!(v["achieved"]["node"], true);
    assert_eq!(v["optimal"], want.optimal);

    // Members with their own constraints: one must pass R2 and keep its
    // IGP metric within 20, the other inherits the request's (none).
    let (status, v) = call(
        "POST",
        &url,
        Some(serde_json::json!({
            "members": [
                {"source": "PCC1", "destination": "PCC4", "include_nodes": ["R2"], "max_igp": 20},
                ["PCC2", "PCC3"]
            ],
            "disjointness": "link"
        })),
    );
    assert_eq!(status, 200, "{v}");
    let mut g = g;
    g.disjointness = Disjointness::LINK;
    g.strict = false;
    g.members[0].destination = id("PCC4");
    g.members[1].destination = id("PCC3");
    g.members[0].constraints.include_nodes = vec![id("R2")];
    g.members[0].constraints.max_igp = Some(20);
    let want = solve(&topo, &r, &g, &mut Workspace::new()).unwrap();
    let paths = v["paths"].as_array().unwrap();
    for (got, want) in paths.iter().zip(&want.paths) {
        assert_eq!(got["path_metrics"]["igp"], want.metrics.igp);
        assert_eq!(got["links"].as_array().unwrap().len(), want.links.len());
    }
    assert!(names(&paths[0]).contains(&"R2".to_string()), "{v}");
    assert!(!names(&paths[1]).contains(&"R1".to_string()), "{v}");
    assert_eq!(
        paths[0]["links"][0].as_str().unwrap(),
        topo.link_name(want.paths[0].links[0])
    );

    // Its errors.
    for (body, code, text) in [
        (
            serde_json::json!({"members": [{"source": "PCC1", "destination": "PCC3", "strict": true}, ["PCC2", "PCC4"]]}),
            400,
            "belongs to the group",
        ),
        (
            serde_json::json!({"members": [["PCC1"], ["PCC2", "PCC4"]]}),
            400,
            "expected [head, tail]",
        ),
        (
            serde_json::json!({"source": "PCC1", "destination": "PCC4", "max_igpp": 3}),
            400,
            "unknown field \"max_igpp\"",
        ),
        (
            serde_json::json!({"members": [{"source": "PCC1", "destination": "PCC3", "exclude_node": ["R1"]}, ["PCC2", "PCC4"]]}),
            400,
            "unknown field \"exclude_node\"",
        ),
        (
            serde_json::json!({"source": "PCC1", "destination": "PCC4", "exclude_interfaces": ["10.99.0.1"]}),
            422,
            "no interface",
        ),
        (
            serde_json::json!({"source": "PCC1", "destination": "nowhere"}),
            422,
            "neither a node name",
        ),
        (
            serde_json::json!({"members": [["PCC1", "PCC4"], ["PCC2", "PCC3"]], "disjointness": "pink"}),
            400,
            "disjointness",
        ),
        (
            serde_json::json!({"setup": "sr"}),
            400,
            "source and destination",
        ),
        (
            serde_json::json!({"source": "PCC1", "destination": "PCC4", "include_nodes": ["PCC4", "R1"]}),
            422,
            "(proven)",
        ),
    ] {
        let (status, v) = call("POST", &url, Some(body.clone()));
        assert_eq!(status, code, "{body}: {v}");
        assert!(v["error"].as_str().unwrap().contains(text), "{body}: {v}");
    }
}

/// The event ring: numbered in order, read from any kept point, a gap
/// said as such once the events a client lacks are no longer kept.
#[test]
fn events_resume_from_a_kept_point_and_say_when_they_cannot() {
    use pce_engine::runtime::events::{Event, Events, Gap, KEPT};
    let ev = |i: u64| Event::Session {
        peer: std::net::IpAddr::from([192, 0, 2, (i % 250) as u8]),
        up: i % 2 == 0,
    };
    let events = Events::default();
    let mut rx = events.subscribe();
    assert_eq!(events.since(0, 10), Ok(vec![]));
    events.push((1..=3).map(ev));
    assert!(rx.has_changed().unwrap());
    assert_eq!(*rx.borrow_and_update(), 3);
    assert_eq!(events.since(1, 10), Ok(vec![(2, ev(2)), (3, ev(3))]));
    assert_eq!(events.since(0, 2), Ok(vec![(1, ev(1)), (2, ev(2))]));
    assert_eq!(events.since(3, 10), Ok(vec![]));
    events.push((4..=KEPT as u64 + 10).map(ev));
    let last = KEPT as u64 + 10;
    assert_eq!(events.last(), last);
    // The first 10 are gone: a client at 5 has a gap, one at 10 does not.
    assert_eq!(events.since(5, 1), Err(Gap { last }));
    assert_eq!(events.since(10, 1), Ok(vec![(11, ev(11))]));
    assert_eq!(events.since(last - 1, 10), Ok(vec![(last, ev(last))]));
}
