//! Processes: `pce lsp create` and `pce lsp update` carry every
//! constraint the API takes. Two PCE-initiated LSPs are created by the CLI
//! in one strict node-disjoint group (draft Topology A, where their
//! shortest paths share R3 and R4), with bounds, affinities and SRLG and
//! node exclusions: once the PCC reports them with the group, their paths
//! are the group's (as `POST /compute` finds it), and `/intent` holds every
//! constraint as given. Bad constraints are refused with a reason, by the
//! CLI and the API. Real time only bounds the waits.
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::time::Duration;

use pce_tests::bin_dir;

#[path = "../support/mod.rs"]
mod support;
use support::pages::get;
use support::pce_serve::pce_serve;
use support::running::empty_pcc;
use support::wait_json::wait_json;

const WAIT: Duration = Duration::from_secs(60);
const PCC: &str = "127.12.0.1";

/// `pce ARGS --api ...`: exit success, stdout, stderr.
fn cli(api: u16, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(bin_dir().join("pce"))
        .args(args)
        .args(["--api", &format!("http://127.0.0.1:{api}")])
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn post(api: u16, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .post(format!("http://127.0.0.1:{api}{path}"))
        .send_json(body)
        .unwrap();
    (r.status().as_u16(), r.body_mut().read_json().unwrap())
}

#[test]
fn the_cli_creates_lsps_with_every_constraint_and_a_disjoint_group() {
    let topology = format!(
        "{}/../examples/topologies/draft-topology-a.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let (_pce, port, api) = pce_serve("api-constraints", &format!("topology = \"{topology}\"\n"));
    let _pcc = empty_pcc(port, PCC);
    wait_json(&format!("http://127.0.0.1:{api}/health"), WAIT, |h| {
        h["sessions"] == 1
    });
    // Alone, the two share R3 and R4.
    let alone = |from: &str, to: &str| {
        let (status, v) = post(
            api,
            "/compute",
            &serde_json::json!({ "source": from, "destination": to, "setup": "rsvp" }),
        );
        assert_eq!(status, 200, "{v}");
        v["nodes"].clone()
    };
    assert_eq!(
        alone("PCC1", "PCC2"),
        serde_json::json!(["PCC1", "R1", "R3", "R4", "R2", "PCC2"])
    );
    assert_eq!(
        alone("PCC3", "PCC4"),
        serde_json::json!(["PCC3", "R3", "R4", "PCC4"])
    );
    let (status, group) = post(
        api,
        "/compute",
        &serde_json::json!({
            "members": [["PCC1", "PCC2"], ["PCC3", "PCC4"]],
            "disjointness": "node", "strict": true, "setup": "rsvp",
        }),
    );
    assert_eq!(status, 200, "{group}");

    let common = [
        "--setup",
        "rsvp",
        "--disjoint-group",
        "7",
        "--disjointness",
        "node",
        "--strict",
        "--group-source",
        "192.0.2.7",
        "--max-igp",
        "50",
        "--max-delay-us",
        "1000000",
        "--exclude-any",
        "0x80000000",
        "--exclude-srlg",
        "999",
        "--exclude-srlg",
        "998",
    ];
    for (name, from, to) in [("a", "10.0.0.1", "10.0.0.2"), ("b", "10.0.0.3", "10.0.0.4")] {
        let mut args = vec![
            "lsp",
            "create",
            "--pcc",
            PCC,
            "--name",
            name,
            "--source",
            from,
            "--destination",
            to,
        ];
        args.extend(common);
        let (ok, out, err) = cli(api, &args);
        assert!(ok, "{out}{err}");
        assert!(out.contains(&format!("ok: {PCC} {name}")), "{out}");
    }
    // Reported in the group, computed jointly: the group's paths.
    let listed = wait_json(
        &format!("http://127.0.0.1:{api}/lsps?association=7"),
        WAIT,
        |l| {
            l.as_array().is_some_and(|l| {
                l.len() == 2
                    && l[0]["computed_path"] == group["paths"][0]["path"]
                    && l[1]["computed_path"] == group["paths"][1]["path"]
            })
        },
    );
    for l in listed.as_array().unwrap() {
        assert_eq!(l["associations"][0]["source"], "192.0.2.7", "{l}");
        assert_eq!(l["associations"][0]["type"], 2, "{l}");
        assert!(
            l["disjointness_achieved"]
                .as_str()
                .unwrap()
                .contains("node"),
            "{l}"
        );
    }

    // Every constraint kept as given, group included.
    let intent = wait_json(&format!("http://127.0.0.1:{api}/intent"), WAIT, |_| true);
    let a = &intent["initiated"][0];
    assert_eq!(a["name"], "a", "{intent}");
    let c = &a["constraints"];
    assert_eq!(
        (&c["max_igp"], &c["max_delay_us"], &c["exclude_any"]),
        (
            &serde_json::json!(50.0),
            &serde_json::json!(1_000_000.0),
            &serde_json::json!(0x8000_0000_u32)
        ),
        "{c}"
    );
    assert_eq!(c["exclude_srlgs"], serde_json::json!([999, 998]), "{c}");
    assert_eq!(
        a["disjoint_group"],
        serde_json::json!({
            "id": 7, "source": "192.0.2.7", "disjointness": "node",
            "strict": true, "shortest_path": false,
        })
    );

    // The intent in pages: one entry each, the topology changes with the
    // first; the cursor names the entry.
    let (status, first, link, cursor) = get(api, "/intent?limit=1");
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["initiated"][0]["name"], "a", "{first}");
    assert_eq!(cursor.as_deref(), Some(&*format!("i/{PCC}/a")));
    let (_, second, link, _) = get(api, &link.unwrap());
    assert_eq!(second["initiated"][0]["name"], "b", "{second}");
    assert!(link.is_none(), "two entries, two pages");
    for bad in ["/intent?after=x/1.2.3.4/a", "/intent?limit=0"] {
        assert_eq!(get(api, bad).0, 400, "{bad}");
    }

    // An update replaces the constraints: through R4 (an include-node),
    // avoiding node R1, both by name; kept as given.
    let (ok, out, err) = cli(
        api,
        &[
            "lsp",
            "update",
            "--pcc",
            PCC,
            "--name",
            "a",
            "--objective",
            "te",
            "--max-hops",
            "8",
            "--max-te",
            "40",
            "--include-node",
            "R4",
            "--exclude-node",
            "R1",
            "--include-any",
            "0",
            "--bandwidth-bps",
            "1000000",
        ],
    );
    assert!(ok, "{out}{err}");
    let intent = wait_json(&format!("http://127.0.0.1:{api}/intent"), WAIT, |_| true);
    let c = &intent["initiated"][0]["constraints"];
    assert_eq!(c["objective"], "te", "{c}");
    assert_eq!(c["max_hops"], 8.0, "{c}");
    assert_eq!(c["max_te"], 40.0, "{c}");
    assert_eq!(c["bandwidth_bps"], 1_000_000.0, "{c}");
    assert_eq!(c["include_nodes"], serde_json::json!(["10.0.0.8"]), "{c}");
    assert_eq!(c["exclude"], serde_json::json!(["10.0.0.5"]), "{c}");

    // Refused, with the reason: an unknown node, a reserved group ID, a
    // bad mask.
    let (ok, _, err) = cli(
        api,
        &[
            "lsp",
            "update",
            "--pcc",
            PCC,
            "--name",
            "b",
            "--exclude-node",
            "R9",
        ],
    );
    assert!(!ok);
    assert!(
        err.contains("\"R9\" is neither a node name nor an address"),
        "{err}"
    );
    let (status, v) = post(
        api,
        "/lsps",
        &serde_json::json!({
            "pcc": PCC, "name": "c", "source": "10.0.0.1", "destination": "10.0.0.2",
            "disjoint_group": { "id": 0 },
        }),
    );
    assert_eq!(status, 400, "{v}");
    assert!(v["error"].as_str().unwrap().contains("1 to 65534"), "{v}");
    let (ok, _, err) = cli(
        api,
        &[
            "lsp",
            "create",
            "--pcc",
            PCC,
            "--name",
            "d",
            "--source",
            "10.0.0.1",
            "--destination",
            "10.0.0.2",
            "--exclude-any",
            "red",
        ],
    );
    assert!(!ok);
    assert!(err.contains("a 32-bit mask"), "{err}");
}
