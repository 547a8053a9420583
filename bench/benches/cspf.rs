//! CSPF against petgraph's Dijkstra on the same carrier-like topology, in
//! the same run. petgraph runs unconstrained (IGP metric, stopping at the
//! goal); the engine runs unconstrained and constrained (1 Gb/s bandwidth +
//! exclude-any of one of the four admin-group colours). Work counters
//! (links scanned per query) are printed beside the times: they do not drift
//! on noisy machines.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use pce_bench::baseline::{petgraph_distance, petgraph_of};
use pce_bench::queries::{igp_request, random_pairs};
use pce_bench::topogen::carrier;
use pce_engine::solver::cspf::{compute, Constraints, Reservations, Workspace};
use pce_engine::solver::disjoint::{solve, Disjointness, GroupObjective, GroupRequest};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const QUERIES: usize = 1000;

fn run(c: &mut Criterion, name: &str, nodes: usize, links: usize) {
    let topo = pce_engine::solver::Prepared::from(carrier(nodes, links, 42).build().unwrap());
    let g = petgraph_of(&topo);
    let pairs = random_pairs(topo.node_count(), QUERIES, 7);
    let res = Reservations::new(topo.link_count());
    let constrained = Constraints {
        bandwidth: 1e9,
        exclude_any: 0b0100,
        ..Constraints::default()
    };
    let req = igp_request;
    let pair = |p: (u32, u32), c: &Constraints| GroupRequest {
        members: vec![req(p, c), req(p, c)],
        disjointness: Disjointness::LINK,
        strict: true,
        objective: GroupObjective::MinSum,
        pinned: Vec::new(),
    };
    // Work counters, once, outside the timing: (links scanned, found) per
    // kind of query.
    let mut ws = Workspace::new();
    eprintln!(
        "{name}: {} nodes, {} directed links",
        topo.node_count(),
        topo.link_count()
    );
    let per_query = |scanned: u64| scanned as f64 / pairs.len() as f64;
    for (label, cons) in [
        ("unconstrained", Constraints::default()),
        ("constrained", constrained.clone()),
    ] {
        let (mut single, mut double) = ((0u64, 0usize), (0u64, 0usize));
        for &p in &pairs {
            single.1 += compute(&topo, &res, &req(p, &cons), &mut ws).is_ok() as usize;
            single.0 += ws.scanned;
            double.1 += solve(&topo, &res, &pair(p, &cons), &mut ws).is_ok() as usize;
            double.0 += ws.scanned;
        }
        let n = pairs.len();
        eprintln!(
            "{name}: cspf {label}: {:.0} links scanned per query, {}/{n} found",
            per_query(single.0),
            single.1
        );
        eprintln!(
            "{name}: disjoint pair {label}: {:.0} links scanned per pair, {}/{n} found",
            per_query(double.0),
            double.1
        );
    }

    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(pairs.len() as u64));
    group.sample_size(10);
    group.bench_function("petgraph_dijkstra", |b| {
        b.iter(|| {
            for &(s, t) in &pairs {
                black_box(petgraph_distance(&g, s, t));
            }
        })
    });
    group.bench_function("cspf_unconstrained", |b| {
        let unconstrained = Constraints::default();
        b.iter(|| {
            for &p in &pairs {
                let _ = black_box(compute(&topo, &res, &req(p, &unconstrained), &mut ws));
            }
        })
    });
    group.bench_function("cspf_bandwidth_affinity", |b| {
        b.iter(|| {
            for &p in &pairs {
                let _ = black_box(compute(&topo, &res, &req(p, &constrained), &mut ws));
            }
        })
    });
    group.bench_function("disjoint_pair_shared_ends_link", |b| {
        let unconstrained = Constraints::default();
        b.iter(|| {
            for &p in &pairs {
                let _ = black_box(solve(&topo, &res, &pair(p, &unconstrained), &mut ws));
            }
        })
    });
    group.bench_function("disjoint_pair_bandwidth_affinity", |b| {
        b.iter(|| {
            for &p in &pairs {
                let _ = black_box(solve(&topo, &res, &pair(p, &constrained), &mut ws));
            }
        })
    });
    // Include-nodes (IRO, two waypoints per query), alone and with an IGP
    // bound: the exact waypoint search where the legs alone do not join
    // into a simple path, or a bound applies.
    let waypoints = random_pairs(topo.node_count(), QUERIES, 11);
    let iro = |p: (u32, u32), w: (u32, u32), bound: Option<u64>| {
        let mut r = req(p, &Constraints::default());
        r.constraints.include_nodes = vec![
            pce_engine::topology::NodeId(w.0),
            pce_engine::topology::NodeId(w.1),
        ];
        r.constraints.max_igp = bound;
        r
    };
    for (label, bound) in [("iro", None), ("iro_bounded", Some(u64::MAX / 4))] {
        let (mut found, mut proven_none, mut unproven) = (0, 0, 0);
        let mut times = Vec::with_capacity(pairs.len());
        for (&p, &w) in pairs.iter().zip(&waypoints) {
            let t = std::time::Instant::now();
            let got = compute(&topo, &res, &iro(p, w, bound), &mut ws);
            times.push(t.elapsed());
            match got {
                Ok(path) if path.optimal => found += 1,
                Ok(_) => unproven += 1,
                Err(pce_engine::solver::cspf::NoPath::Infeasible { proven: false }) => {
                    unproven += 1
                }
                Err(_) => proven_none += 1,
            }
        }
        eprintln!(
            "{name}: cspf {label}: {found} optimal, {proven_none} proven without path, {unproven} not proven, of {}; per query {}",
            pairs.len(),
            spread(&mut times)
        );
        group.bench_function(format!("cspf_{label}"), |b| {
            b.iter(|| {
                for (&p, &w) in pairs.iter().zip(&waypoints) {
                    let _ = black_box(compute(&topo, &res, &iro(p, w, bound), &mut ws));
                }
            })
        });
    }
    // MSD-aware SR (issue 14): constrained paths (bandwidth, an excluded
    // admin group) leave the IGP shortest paths, so their segment lists
    // grow; with an MSD of 3 the search over segments (SID count as a
    // resource) or the candidates find the best path that fits.
    let msd = 3u8;
    let (mut fits, mut optimal, mut unproven, mut proven_none) = (0, 0, 0, 0);
    let mut times = Vec::with_capacity(pairs.len());
    for &p in &pairs {
        let r = req(p, &constrained);
        let t = std::time::Instant::now();
        let got = pce_engine::solver::sr::best_within(&topo, &res, &r, Some(msd), &mut ws);
        times.push(t.elapsed());
        let direct = compute(&topo, &res, &r, &mut ws)
            .ok()
            .is_some_and(|b| pce_engine::solver::sr::encode(&topo, &b.links, Some(msd)).is_ok());
        match got {
            Ok(_) if direct => fits += 1,
            Ok((path, _)) if path.optimal => optimal += 1,
            Ok(_) | Err(pce_engine::solver::cspf::NoPath::Infeasible { proven: false }) => {
                unproven += 1
            }
            Err(_) => proven_none += 1,
        }
    }
    eprintln!(
        "{name}: sr msd {msd} constrained: {fits} best path fits, {optimal} best that fits (proven), {proven_none} proven without path, {unproven} not proven, of {}; per query {}",
        pairs.len(),
        spread(&mut times)
    );
    group.bench_function(format!("sr_msd{msd}_constrained"), |b| {
        b.iter(|| {
            for &p in &pairs {
                let _ = black_box(pce_engine::solver::sr::best_within(
                    &topo,
                    &res,
                    &req(p, &constrained),
                    Some(msd),
                    &mut ws,
                ));
            }
        })
    });
    group.finish();
}

/// "p50 .. p99 .. max ..", of per-query times.
fn spread(times: &mut [std::time::Duration]) -> String {
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    format!("p50 {:?} p99 {:?} max {:?}", at(0.5), at(0.99), at(1.0))
}

fn benches(c: &mut Criterion) {
    run(c, "cspf_2k", 2_000, 8_000);
    run(c, "cspf_10k", 10_000, 40_000);
}

criterion_group!(cspf, benches);
criterion_main!(cspf);
