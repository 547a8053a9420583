//! Interop with a real BGP speaker: GoBGP originates BGP-LS for the
//! draft's Topology A toward `pce serve` in a network namespace
//! (tools/interop/gobgp-bgpls.sh does the run, waiting on each step as a
//! condition): the TED becomes Topology A, node by node and link by link
//! with its metrics; `pcc-sim` delegates two LSPs; a link GoBGP withdraws
//! goes down, and exactly the LSP over it gets a new path by PCUpd,
//! acknowledged; announced again, it comes back up and the LSP returns.
//! Then GoBGP replaces it with a generated topology of 300 nodes, and
//! paths computed on the TED learned from it are the same as on the file.
//! Then every BGP and PCEP message of the run is decoded by tshark: no
//! malformed packet, no warning or error.
//!
//! Needs root, gobgpd, its API protos, tshark and a Python venv with grpcio
//! (tools/test.sh installs the packages; the script makes the venv).
//! Outside CI a machine without them skips with a message; under CI=true
//! it fails.
#![allow(clippy::disallowed_methods)]

use std::collections::HashSet;
use std::process::Command;

use pce_engine::topology::{LinkSpec, NodeSpec, TopologyFile};
use pce_tests::{bin_dir, root_and, tshark_complaints, workspace};
use rand::{Rng, SeedableRng};

/// A seeded topology of `n` nodes: a ring with two random chords per node;
/// metrics, delays, bandwidths, admin groups, SRLGs and SIDs drawn at
/// random (metrics from a wide range: no ties between paths, so the
/// comparison sees one answer).
fn generated(n: usize, seed: u64) -> TopologyFile {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let nodes = (0..n)
        .map(|i| NodeSpec {
            name: format!("g{i}"),
            router_id: format!("10.1.{}.{}", i / 250, i % 250 + 1).parse().unwrap(),
            addresses: vec![],
            node_sid: Some(16_000 + i as u32),
            srlgs: vec![],
        })
        .collect();
    let mut pairs = HashSet::new();
    let mut links = Vec::new();
    for i in 0..n {
        let chords: Vec<usize> = (0..2).map(|_| rng.random_range(0..n)).collect();
        for j in std::iter::once((i + 1) % n).chain(chords) {
            if j == i || !pairs.insert((i.min(j), i.max(j))) {
                continue;
            }
            let k = links.len() as u32;
            links.push(LinkSpec {
                a: format!("g{i}"),
                b: format!("g{j}"),
                igp_metric: rng.random_range(1..100_000),
                te_metric: Some(rng.random_range(1..100_000)),
                delay_us: rng.random_range(1..20_000),
                bandwidth_bps: Some([1e9, 1e10, 4e10][rng.random_range(0..3)]),
                admin_groups: rng.random_range(0..4),
                srlgs: (0..rng.random_range(0..3))
                    .map(|_| rng.random_range(1..64))
                    .collect(),
                a_address: None,
                b_address: None,
                a_adj_sid: Some(24_000 + 2 * k),
                b_adj_sid: Some(24_001 + 2 * k),
                a_interface_id: None,
                b_interface_id: None,
                b_to_a: None,
            });
        }
    }
    TopologyFile { nodes, links }
}

fn prerequisites() -> Result<(), String> {
    root_and(
        &[
            "/usr/bin/gobgpd",
            "/usr/share/gocode/src/github.com/osrg/gobgp/api/gobgp.proto",
            "/usr/bin/tshark",
        ],
        "gobgpd golang-github-osrg-gobgp-dev tshark",
    )
}

#[test]
fn gobgp_feeds_the_ted_of_pce_serve() {
    if let Err(why) = prerequisites() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the GoBGP interop test must run in CI: {why}"
        );
        eprintln!("SKIPPED: {why}");
        return;
    }
    let out = std::env::temp_dir().join(format!("gobgp-bgpls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let topology = out.join("generated.json");
    std::fs::write(
        &topology,
        serde_json::to_string(&generated(300, 16)).unwrap(),
    )
    .unwrap();
    let run = Command::new("bash")
        .arg(workspace().join("tools/interop/gobgp-bgpls.sh"))
        .arg(bin_dir().join("pce"))
        .arg(&out)
        .arg("60")
        .arg(&topology)
        .output()
        .unwrap();
    let tail = |f: &str| std::fs::read_to_string(out.join(f)).unwrap_or_default();
    assert!(
        run.status.success(),
        "{}\n{}\n--- pce log\n{}\n--- gobgpd log\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr),
        tail("pce.log"),
        tail("gobgpd.log")
    );
    let capture = out.join("bgp.pcapng");
    let types = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(&capture)
        .args([
            "-Y", "bgp", "-T", "fields", "-e", "ip.src", "-e", "bgp.type",
        ])
        .output()
        .unwrap();
    let types = String::from_utf8_lossy(&types.stdout);
    let count = |src: &str, t: &str| {
        types
            .lines()
            .filter(|l| {
                let mut f = l.split('\t');
                f.next() == Some(src) && f.next().is_some_and(|x| x.split(',').any(|y| y == t))
            })
            .count()
    };
    // Ours: OPEN and KEEPALIVE; GoBGP's: OPEN, KEEPALIVE and the UPDATEs
    // (40 routes, a withdrawal of 2, 2 again).
    assert_eq!(count("127.0.0.2", "1"), 1, "{types}");
    assert!(count("127.0.0.2", "4") >= 1, "{types}");
    assert!(count("127.0.0.1", "2") >= 43, "{types}");
    for protocol in ["bgp", "pcep"] {
        let bad = tshark_complaints(&capture, protocol);
        assert!(bad.is_empty(), "tshark complains about {protocol}: {bad}");
    }
    // The PCUpds of the run: the two first paths, the move off the link,
    // the move back.
    let updates = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(&capture)
        .args(["-Y", "pcep", "-T", "fields", "-e", "pcep.msg"])
        .output()
        .unwrap();
    // One line per frame, its messages' types separated by commas.
    let updates = String::from_utf8_lossy(&updates.stdout)
        .split([',', '\n'])
        .filter(|t| t.trim() == "11")
        .count();
    assert!(updates >= 4, "{updates} PCUpd messages in the capture");
    let _ = std::fs::remove_dir_all(&out);
}
