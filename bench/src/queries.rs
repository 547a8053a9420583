//! The benchmarks' queries: random (head, tail) pairs and their requests.

use pce_engine::solver::cspf::{Constraints, Objective, PathRequest};
use pce_engine::topology::NodeId;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// `count` random (head, tail) pairs of distinct nodes among `nodes`, the
/// same for the same seed.
pub fn random_pairs(nodes: usize, count: usize, seed: u64) -> Vec<(u32, u32)> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|_| loop {
            let (a, b) = (
                rng.random_range(0..nodes as u32),
                rng.random_range(0..nodes as u32),
            );
            if a != b {
                break (a, b);
            }
        })
        .collect()
}

/// A path request from `a` to `b` on the IGP metric.
pub fn igp_request((a, b): (u32, u32), constraints: &Constraints) -> PathRequest {
    PathRequest {
        source: NodeId(a),
        destination: NodeId(b),
        objective: Objective::Igp,
        constraints: constraints.clone(),
    }
}

/// The LSPs of an end-point file (`topo-gen`: `HEAD:TAIL` router IDs, one
/// a line) as path requests on `topo`, 100 Mb/s each, as `pcc-sim` asks;
/// lines naming no node are left out.
pub fn from_endpoint_file(
    topo: &pce_engine::solver::Prepared,
    path: &str,
) -> Vec<pce_engine::solver::cspf::PathRequest> {
    use pce_engine::pcreq::{path_request, PathAsk};
    use pcep::wire::object::Bandwidth;
    use pcep::wire::{Attributes, PathSetupType};
    let attributes = Attributes {
        bandwidth: Some(Bandwidth {
            bandwidth: 12_500_000.0,
            ..Bandwidth::default()
        }),
        ..Attributes::default()
    };
    std::fs::read_to_string(path)
        .expect("an end-point file")
        .lines()
        .filter_map(|l| l.split_once(':'))
        .filter_map(|(a, b)| {
            let ask = PathAsk {
                source: a.parse().ok()?,
                destination: b.parse().ok()?,
                attributes: &attributes,
                setup: PathSetupType::RSVP_TE,
                peer_sr: None,
            };
            path_request(topo, &ask).ok()
        })
        .collect()
}
