//! Placing 50,000 LSPs with bandwidth accounting on the 2,000-node carrier
//! topology (rayon, all cores), and rerouting the LSPs of the busiest link
//! when it fails. Baseline in the same run: the same 50,000 paths computed
//! one by one on one thread, without accounting.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use pce_bench::topogen::carrier;
use pce_engine::solver::cspf::{
    compute, Constraints, Objective, PathRequest, Reservations, Workspace,
};
use pce_engine::solver::placement::Placement;
use pce_engine::topology::{LinkId, NodeId, TopologyEvent};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const LSPS: usize = 50_000;

fn benches(c: &mut Criterion) {
    let topo = pce_engine::solver::Prepared::from(carrier(2_000, 8_000, 42).build().unwrap());
    let mut rng = StdRng::seed_from_u64(11);
    let n = topo.node_count() as u32;
    let reqs: Vec<PathRequest> = (0..LSPS)
        .map(|_| {
            let a = rng.random_range(0..n);
            let b = (a + 1 + rng.random_range(0..n - 1)) % n;
            PathRequest {
                source: NodeId(a),
                destination: NodeId(b),
                objective: Objective::Te,
                constraints: Constraints {
                    bandwidth: rng.random_range(10e6..200e6),
                    ..Constraints::default()
                },
            }
        })
        .collect();
    let placement = Placement::place(&topo, &reqs);
    let placed = placement.paths.iter().filter(|p| p.is_ok()).count();
    let busiest = (0..topo.link_count() as u32)
        .map(LinkId)
        .max_by_key(|l| placement.lsps_on(*l).len())
        .unwrap();
    let link = topo.link(busiest).unwrap();
    let failed = [busiest, topo.reverse(busiest).unwrap()];
    let on_link: usize = failed.iter().map(|l| placement.lsps_on(*l).len()).sum();
    let after = pce_engine::solver::Prepared::from(
        topo.apply(&TopologyEvent::LinkState {
            a: topo.node(link.from).unwrap().name.clone(),
            b: topo.node(link.to).unwrap().name.clone(),
            up: false,
            a_interface: None,
        })
        .unwrap(),
    );
    eprintln!(
        "placement: {placed}/{LSPS} placed in {} rounds on {} threads; busiest link carries {on_link} LSPs",
        placement.rounds,
        rayon::current_num_threads()
    );

    let mut g = c.benchmark_group("placement");
    g.sample_size(10);
    g.bench_function("baseline_50k_paths_one_thread_no_accounting", |b| {
        let res = Reservations::new(topo.link_count());
        let mut ws = Workspace::new();
        b.iter(|| {
            for r in &reqs {
                let _ = black_box(compute(&topo, &res, r, &mut ws));
            }
        })
    });
    g.bench_function("place_50k_with_accounting", |b| {
        b.iter(|| black_box(Placement::place(&topo, &reqs)))
    });
    g.bench_function("reroute_busiest_link", |b| {
        b.iter_batched(
            || placement.clone(),
            |mut p| black_box(p.reroute(&after, &reqs, &failed)),
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(placement, benches);
criterion_main!(placement);
