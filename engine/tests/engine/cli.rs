//! `pce compute` against the draft's topologies, including error cases.

use std::process::Command;

fn pce(args: &[&str]) -> (Option<i32>, String, String) {
    let topo = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/topologies/draft-topology-a.json"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_pce"))
        .args(["compute", "--topology", topo])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn single_path_as_json_with_sr_labels() {
    let (code, out, _) = pce(&[
        "--from",
        "PCC1",
        "--to",
        "192.0.2.2",
        "--sr",
        "--msd",
        "4",
        "--json",
    ]);
    assert_eq!(code, Some(0));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["hops"],
        serde_json::json!(["PCC1", "R1", "R3", "R4", "R2", "PCC2"])
    );
    assert_eq!(v["metrics"]["igp"], 5);
    assert_eq!(v["sr_labels"], serde_json::json!([16002]));
}

#[test]
fn constraints_change_the_path() {
    // Avoid R3: the only way left is R1-R2 (12).
    let (code, out, _) = pce(&[
        "--from",
        "PCC1",
        "--to",
        "PCC2",
        "--exclude-node",
        "R3",
        "--json",
    ]);
    assert_eq!(code, Some(0));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["metrics"]["igp"], 12);
    // A hop bound of 2 leaves nothing.
    let (code, _, err) = pce(&["--from", "PCC1", "--to", "PCC2", "--max-hops", "2"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no path from PCC1 to PCC2"), "{err}");
}

#[test]
fn disjoint_group_as_json() {
    let (code, out, _) = pce(&[
        "--pair",
        "PCC1:PCC2",
        "--pair",
        "PCC3:PCC4",
        "--node",
        "--strict",
        "--json",
    ]);
    assert_eq!(code, Some(0));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["paths"][0]["hops"],
        serde_json::json!(["PCC1", "R1", "R2", "PCC2"])
    );
    assert_eq!(
        v["paths"][1]["hops"],
        serde_json::json!(["PCC3", "R3", "R4", "PCC4"])
    );
    assert_eq!(v["achieved"]["node"], true);
    assert_eq!(v["optimal"], true);
}

#[test]
fn errors_say_what_is_wrong() {
    let (code, _, err) = pce(&["--from", "PCC1", "--to", "nowhere"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("unknown node \"nowhere\""), "{err}");
    let (code, _, err) = pce(&["--pair", "PCC1-PCC2", "--pair", "PCC3:PCC4"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("expected HEAD:TAIL"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_pce"))
        .args([
            "compute",
            "--topology",
            "/nonexistent.json",
            "--from",
            "a",
            "--to",
            "b",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("cannot read topology file /nonexistent.json"));
}
