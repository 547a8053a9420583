//! `pce compute` against the draft's topologies, including error cases.

use std::process::Command;

fn pce(args: &[&str]) -> (Option<i32>, String, String) {
    pce_on("draft-topology-a.json", args)
}

/// `pce compute` on one of the example topologies: (exit code, stdout,
/// stderr).
fn pce_on(topology: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let topo = format!(
        "{}/../examples/topologies/{topology}",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = Command::new(env!("CARGO_BIN_EXE_pce"))
        .args(["compute", "--topology", &topo])
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

/// A member's own constraints after its HEAD:TAIL replace the command's for
/// it; the others keep the command's.
#[test]
fn group_members_take_their_own_constraints() {
    let (code, out, err) = pce(&[
        "--pair",
        "PCC1:PCC4,include-node=R2,max-igp=20",
        "--pair",
        "PCC2:PCC3",
        "--json",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["paths"][0]["hops"],
        serde_json::json!(["PCC1", "R1", "R2", "R4", "PCC4"])
    );
    assert_eq!(v["paths"][0]["metrics"]["igp"], 13);
    // The same member bounded below what passing R2 costs: no path.
    let (code, _, err) = pce(&[
        "--pair",
        "PCC1:PCC4,include-node=R2,max-igp=12",
        "--pair",
        "PCC2:PCC3",
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("member 0 has no path"), "{err}");
    for (pair, text) in [
        ("PCC1:PCC4,colour=red", "unknown key \"colour\""),
        ("PCC1:PCC4,max-igp=lots", "expected a whole number"),
        ("PCC1:PCC4,exclude-node=R9", "unknown node \"R9\""),
        ("PCC1:PCC4,max-igp", "expected KEY=VALUE"),
    ] {
        let (code, _, err) = pce(&["--pair", pair, "--pair", "PCC2:PCC3"]);
        assert_eq!(code, Some(2), "{pair}");
        assert!(err.contains(text), "{pair}: {err}");
    }
}

/// Parallel links: answers name the link taken, and an interface can be
/// excluded by its address or as NODE%ID.
#[test]
fn parallel_links_are_named_and_interfaces_excluded() {
    let run = |args: &[&str]| {
        let mut all = vec!["--from", "R1", "--to", "R4"];
        all.extend_from_slice(args);
        pce_on("parallel-links.json", &all)
    };
    let (code, out, err) = run(&[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("R1 -[10.1.2.1]-> R2 -> R4 "), "{out}");
    let (_, out, _) = run(&["--exclude-interface", "10.1.2.1"]);
    assert!(out.starts_with("R1 -[if 7]-> R2 -> R4 "), "{out}");
    let (_, out, _) = run(&["--exclude-interface", "10.1.2.2", "--json", "--sr"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["links"], serde_json::json!(["R1->R2 [if 7]", "R2->R4"]));
    // The unnumbered link is pinned by its adjacency SID.
    assert_eq!(v["sr_labels"][0], 24112);
    let (_, out, _) = run(&[
        "--exclude-interface",
        "10.1.2.1",
        "--exclude-interface",
        "R2%9",
    ]);
    assert!(out.starts_with("R1 -> R3 -> R4 "), "{out}");
    let (code, _, err) = run(&["--exclude-interface", "R2%8"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("unknown interface \"R2%8\""), "{err}");
}
