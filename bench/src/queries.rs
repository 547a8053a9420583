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
