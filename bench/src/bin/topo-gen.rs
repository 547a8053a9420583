//! Write a generated carrier topology (`topogen::carrier`) as a topology
//! file, and random LSP end points between its nodes (router IDs, one
//! HEAD:TAIL per line, for `pcc-sim --endpoints-file`): the inputs of the
//! daemon benchmarks (bench/reroute.sh).
//!
//! ```sh
//! topo-gen NODES LINKS SEED TOPOLOGY.json [PAIRS ENDPOINTS.txt]
//! ```

use std::io::Write;

use pce_bench::topogen::carrier;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        eprintln!("usage: topo-gen NODES LINKS SEED TOPOLOGY.json [PAIRS ENDPOINTS.txt]");
        std::process::exit(2)
    };
    let number = |i: usize| -> usize {
        args.get(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| usage())
    };
    let (nodes, links, seed) = (number(0), number(1), number(2) as u64);
    let Some(out) = args.get(3) else { usage() };
    let file = carrier(nodes, links, seed);
    let json = serde_json::to_string(&file).unwrap_or_else(|e| {
        eprintln!("topo-gen: {e}");
        std::process::exit(1)
    });
    if let Err(e) = std::fs::write(out, json) {
        eprintln!("topo-gen: {out}: {e}");
        std::process::exit(1);
    }
    if args.len() > 4 {
        let pairs = number(4);
        let Some(path) = args.get(5) else { usage() };
        let mut rng = StdRng::seed_from_u64(seed + 1);
        let n = file.nodes.len();
        let mut text = Vec::new();
        for _ in 0..pairs {
            let a = rng.random_range(0..n);
            let b = (a + 1 + rng.random_range(0..n - 1)) % n;
            let _ = writeln!(
                text,
                "{}:{}",
                file.nodes[a].router_id, file.nodes[b].router_id
            );
        }
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("topo-gen: {path}: {e}");
            std::process::exit(1);
        }
    }
}
