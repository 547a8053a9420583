//! Bulk placement: deterministic for any thread count, equal in cost to
//! one-by-one placement, within capacity; incremental reroute.

use pce_engine::solver::cspf::{
    compute, Constraints, Objective, PathRequest, Reservations, Workspace,
};
use pce_engine::solver::placement::Placement;
use pce_engine::solver::Prepared;
use pce_engine::topology::{NodeId, Topology, TopologyEvent, TopologyFile};

/// A 8x8 grid with uneven metrics and tight bandwidth: contention forces
/// LSPs off their shortest paths.
fn grid() -> Prepared {
    grid_coloured(false)
}

/// [`grid`], with admin groups 1 and 2 on some links when `coloured`.
fn grid_coloured(coloured: bool) -> Prepared {
    Prepared::from(super::support::grid_file(8, coloured).build().unwrap())
}

fn demands(topo: &Topology, count: usize) -> Vec<PathRequest> {
    let n = topo.node_count() as u32;
    (0..count as u32)
        .map(|i| {
            let a = (i * 17 + 3) % n;
            let b = (i * 29 + 11) % n;
            PathRequest {
                source: NodeId(a),
                destination: NodeId(if a == b { (b + 1) % n } else { b }),
                objective: Objective::Igp,
                constraints: Constraints {
                    bandwidth: 100.0 + f64::from(i % 5) * 50.0,
                    ..Constraints::default()
                },
            }
        })
        .collect()
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn same_result_for_any_thread_count_and_equal_to_one_by_one() {
    let topo = grid();
    let reqs = demands(&topo, 400);
    let one = in_pool(1, || Placement::place(&topo, &reqs));
    let four = in_pool(4, || Placement::place(&topo, &reqs));
    assert_eq!(one.paths, four.paths);
    assert!(one.rounds > 1, "the grid is tight enough to need retries");
    let placed = one.paths.iter().filter(|p| p.is_ok()).count();
    assert!(
        placed > 100 && placed < 400,
        "placed {placed}: contention must bite both ways"
    );

    // One by one, each against what the previous ones hold.
    let mut res = Reservations::new(topo.link_count());
    let mut ws = Workspace::new();
    for (i, req) in reqs.iter().enumerate() {
        let seq = compute(&topo, &res, req, &mut ws);
        match (&seq, &one.paths[i]) {
            (Ok(s), Ok(p)) => {
                assert_eq!(s.metrics.igp, p.metrics.igp, "LSP {i}");
                res.add(&p.links, req.constraints.bandwidth);
            }
            (Err(_), Err(_)) => {}
            other => panic!("LSP {i}: {other:?}"),
        }
    }
    // Within capacity, and the link index agrees with the paths.
    for (l, link) in topo.links().iter().enumerate() {
        let id = pce_engine::topology::LinkId(l as u32);
        assert!(one.reservations.reserved(id) <= link.bandwidth + 1e-9);
        let expected: f64 = one
            .lsps_on(id)
            .iter()
            .map(|&i| reqs[i as usize].constraints.bandwidth)
            .sum();
        assert!((one.reservations.reserved(id) - expected).abs() < 1e-9);
    }
}

/// Queries never build tables: parallel placement only counts the affinity
/// classes it meets; `prepare`, between placements, builds the recurring
/// ones. The paths are the same with and without class tables, on one
/// thread or four.
#[test]
fn class_tables_are_prepared_between_placements_and_change_no_path() {
    let topo = grid_coloured(true);
    let mut reqs = demands(&topo, 400);
    for (i, r) in reqs.iter_mut().enumerate() {
        r.constraints.exclude_any = [0, 1, 2, 3][i % 4];
    }
    let before = in_pool(4, || Placement::place(&topo, &reqs)).paths;
    assert_eq!(topo.landmark_classes(), 0, "no table built inside a query");
    assert_eq!(in_pool(2, || topo.prepare()), 3, "three recurring classes");
    assert_eq!(topo.landmark_classes(), 3);
    assert_eq!(topo.prepare(), 0, "each class is built once");
    let one = in_pool(1, || Placement::place(&topo, &reqs)).paths;
    let four = in_pool(4, || Placement::place(&topo, &reqs)).paths;
    assert_eq!(one, before);
    assert_eq!(four, before);
}

#[test]
fn reroute_moves_only_the_lsps_of_the_failed_link() {
    let topo = grid();
    let reqs = demands(&topo, 300);
    let mut placement = Placement::place(&topo, &reqs);
    let before = placement.paths.clone();
    // The busiest link fails.
    let busiest = (0..topo.link_count() as u32)
        .map(pce_engine::topology::LinkId)
        .max_by_key(|l| placement.lsps_on(*l).len())
        .unwrap();
    let link = topo.link(busiest).unwrap();
    let (a, b) = (
        topo.node(link.from).unwrap().name.clone(),
        topo.node(link.to).unwrap().name.clone(),
    );
    let after = Prepared::from(
        topo.apply(&TopologyEvent::LinkState {
            a,
            b,
            up: false,
            a_interface: None,
        })
        .unwrap(),
    );
    let failed = [busiest, topo.reverse(busiest).unwrap()];
    let mut on_link: Vec<u32> = failed
        .iter()
        .flat_map(|l| placement.lsps_on(*l).to_vec())
        .collect();
    on_link.sort_unstable();
    on_link.dedup();
    assert!(!on_link.is_empty());
    let moved = placement.reroute(&after, &reqs, &failed);
    assert_eq!(moved, on_link);
    for (i, p) in placement.paths.iter().enumerate() {
        if let Ok(p) = p {
            assert!(
                !p.links.contains(&failed[0]) && !p.links.contains(&failed[1]),
                "LSP {i} still on the failed link"
            );
        }
        if !on_link.contains(&(i as u32)) {
            assert_eq!(
                p, &before[i],
                "LSP {i} was not on the link and must not move"
            );
        }
    }
}

/// A node failure reroutes exactly the LSPs crossing it, found through
/// `changed_links` (every link touching the node, both directions).
#[test]
fn node_failure_reroutes_incrementally() {
    let topo = grid();
    let reqs = demands(&topo, 200);
    let mut placement = Placement::place(&topo, &reqs);
    let victim = topo.node_by_name("g3_3").unwrap();
    let after = Prepared::from(
        topo.apply(&TopologyEvent::NodeState {
            node: "g3_3".into(),
            up: false,
        })
        .unwrap(),
    );
    let changed = topo.changed_links(&after);
    assert_eq!(changed, topo.links_of_node(victim));
    let touched: Vec<u32> = {
        let mut v: Vec<u32> = changed
            .iter()
            .flat_map(|l| placement.lsps_on(*l).to_vec())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let moved = placement.reroute(&after, &reqs, &changed);
    assert_eq!(moved, touched);
    for (i, p) in placement.paths.iter().enumerate() {
        if let Ok(p) = p {
            let transits = p.links.iter().any(|l| {
                after.link(*l).unwrap().from == victim || after.link(*l).unwrap().to == victim
            });
            assert!(!transits, "LSP {i} still crosses the failed node");
        }
    }
    assert!(!after.node(victim).unwrap().up);
}

#[test]
fn srlg_failure_takes_down_every_link_of_the_group() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/topologies/draft-topology-a.json");
    let topo = TopologyFile::load(&path).unwrap();
    let r3r4 = topo
        .link_between(
            topo.node_by_name("R3").unwrap(),
            topo.node_by_name("R4").unwrap(),
        )
        .unwrap();
    let srlg = topo.srlgs(topo.link(r3r4).unwrap())[0];
    let group = topo.links_of_srlg(srlg);
    assert_eq!(group, {
        let mut v = vec![r3r4, topo.reverse(r3r4).unwrap()];
        v.sort_unstable();
        v
    });
}
