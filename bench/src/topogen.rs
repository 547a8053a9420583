//! A seeded, carrier-like topology generator.
//!
//! Three tiers, as service-provider networks are built:
//! * core: a ring of `n/50` nodes with chords (each core node links to the
//!   nodes 2 and 5 positions ahead), metric ~10, 100 Gb/s;
//! * aggregation: rings of 8 nodes, each ring dual-homed to two adjacent
//!   core nodes, metric ~100, 40 Gb/s;
//! * access: rings of 6 nodes dual-homed to two aggregation nodes, metric
//!   ~1000, 10 Gb/s;
//!
//! then random extra links inside the aggregation tier until the requested
//! link count is reached. The two uplinks of a ring run through one conduit:
//! they share an SRLG. Metrics are jittered +-20%, delays follow the tier,
//! 15% of links carry one of four admin-group colours. Same seed, same
//! topology.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use pce_engine::topology::{LinkSpec, NodeSpec, TopologyFile};

/// Generate a topology with about `nodes` nodes and `links` bidirectional links.
pub fn carrier(nodes: usize, links: usize, seed: u64) -> TopologyFile {
    let mut rng = StdRng::seed_from_u64(seed);
    let core = (nodes / 50).max(6);
    let agg = ((nodes - core) / 4).max(8) / 8 * 8;
    let access = nodes.saturating_sub(core + agg) / 6 * 6;
    let total = core + agg + access;
    let node = |i: usize| NodeSpec {
        name: format!("n{i}"),
        router_id: std::net::Ipv4Addr::from(0x0a00_0000u32 + i as u32).into(),
        addresses: vec![],
        node_sid: Some(16_000 + i as u32),
        srlgs: vec![],
    };
    let mut file = TopologyFile {
        nodes: (0..total).map(node).collect(),
        links: Vec::new(),
    };
    let mut srlg = 1u32;
    // Adjacency SIDs are locally significant: numbered per node (from an
    // SRLB starting at 24000), as routers allocate them.
    let mut next_adj = vec![24_000u32; total];
    let mut add = |file: &mut TopologyFile,
                   rng: &mut StdRng,
                   a: usize,
                   b: usize,
                   metric: u32,
                   gbps: f64,
                   delay: u32,
                   srlgs: Vec<u32>| {
        let jitter = |rng: &mut StdRng, v: u32| {
            (v as f64 * rng.random_range(0.8..1.2)).round().max(1.0) as u32
        };
        let mut adj = |n: usize| {
            let sid = next_adj[n];
            next_adj[n] += 1;
            sid
        };
        let (a_adj, b_adj) = (adj(a), adj(b));
        file.links.push(LinkSpec {
            a: format!("n{a}"),
            b: format!("n{b}"),
            igp_metric: jitter(rng, metric),
            te_metric: Some(jitter(rng, metric)),
            delay_us: jitter(rng, delay),
            bandwidth_bps: Some(gbps * 1e9),
            // Most links carry no colour; 15% carry one of four (e.g. a
            // costly or low-quality medium that some services avoid).
            admin_groups: if rng.random_bool(0.15) {
                1 << rng.random_range(0..4)
            } else {
                0
            },
            srlgs,
            a_address: None,
            b_address: None,
            a_adj_sid: Some(a_adj),
            b_adj_sid: Some(b_adj),
            // Unnumbered interfaces, numbered per node like the SIDs:
            // parallel links (a chord landing on a ring link) stay
            // distinguishable.
            a_interface_id: Some(a_adj),
            b_interface_id: Some(b_adj),
            b_to_a: None,
        });
    };
    // Core ring with chords.
    for i in 0..core {
        for step in [1, 2, 5] {
            if step < core {
                add(
                    &mut file,
                    &mut rng,
                    i,
                    (i + step) % core,
                    10,
                    100.0,
                    500,
                    vec![],
                );
            }
        }
    }
    // Aggregation rings, dual-homed to the core; uplinks share a conduit.
    for (r, base) in (core..core + agg).step_by(8).enumerate() {
        for j in 0..8 {
            add(
                &mut file,
                &mut rng,
                base + j,
                base + (j + 1) % 8,
                100,
                40.0,
                200,
                vec![],
            );
        }
        let c = r % core;
        add(&mut file, &mut rng, base, c, 100, 100.0, 300, vec![srlg]);
        add(
            &mut file,
            &mut rng,
            base + 4,
            (c + 1) % core,
            100,
            100.0,
            300,
            vec![srlg],
        );
        srlg += 1;
    }
    // Access rings, dual-homed to the aggregation tier.
    for (r, base) in (core + agg..total).step_by(6).enumerate() {
        for j in 0..6 {
            add(
                &mut file,
                &mut rng,
                base + j,
                base + (j + 1) % 6,
                1000,
                10.0,
                100,
                vec![],
            );
        }
        let a = core + (r * 3) % agg;
        add(&mut file, &mut rng, base, a, 1000, 10.0, 100, vec![srlg]);
        add(
            &mut file,
            &mut rng,
            base + 3,
            core + (a - core + 1) % agg,
            1000,
            10.0,
            100,
            vec![srlg],
        );
        srlg += 1;
    }
    // Extra meshing in the aggregation tier up to the link count.
    while file.links.len() < links {
        let a = core + rng.random_range(0..agg);
        let b = core + rng.random_range(0..agg);
        if a != b {
            add(&mut file, &mut rng, a, b, 100, 40.0, 200, vec![]);
        }
    }
    file
}

#[cfg(test)]
mod tests {
    /// The benchmark topologies are valid TEDs (parallel links named by
    /// their interfaces), at the sizes the benchmarks use.
    #[test]
    fn carrier_topologies_build() {
        for (nodes, links) in [(2_000, 8_000), (10_000, 40_000)] {
            let topo = super::carrier(nodes, links, 42).build().unwrap();
            assert!(topo.node_count() >= nodes * 9 / 10, "{}", topo.node_count());
        }
    }
}
