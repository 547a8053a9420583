//! CSPF against petgraph's Dijkstra on real topologies (SNDlib, Topology
//! Zoo, CAIDA) from the PyPI package topohub, converted by
//! `bench/setup-topohub.sh` into bench/target/topohub/. Skipped, with a
//! message, when the setup has not been run.

use std::path::PathBuf;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use pce_bench::baseline::{petgraph_distance, petgraph_of};
use pce_bench::queries::{igp_request, random_pairs};
use pce_engine::solver::cspf::{compute, Constraints, Reservations, Workspace};
use pce_engine::topology::TopologyFile;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn benches(c: &mut Criterion) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/topohub");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "no real topologies: run bench/setup-topohub.sh first ({} missing)",
            dir.display()
        );
        return;
    };
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let topo = pce_engine::solver::Prepared::from(TopologyFile::load(&path).unwrap());
        let g = petgraph_of(&topo);
        let pairs = random_pairs(topo.node_count(), 1000, 7);
        let res = Reservations::new(topo.link_count());
        let mut ws = Workspace::new();
        let constraints = Constraints {
            bandwidth: 1e9,
            ..Constraints::default()
        };
        let req = |p| igp_request(p, &constraints);
        let mut group = c.benchmark_group(format!("real/{name}"));
        group.throughput(Throughput::Elements(pairs.len() as u64));
        group.sample_size(10);
        eprintln!(
            "{name}: {} nodes, {} links",
            topo.node_count(),
            topo.link_count() / 2
        );
        group.bench_function("petgraph_dijkstra", |b| {
            b.iter(|| {
                for &(s, t) in &pairs {
                    black_box(petgraph_distance(&g, s, t));
                }
            })
        });
        group.bench_function("cspf_bandwidth", |b| {
            b.iter(|| {
                for &p in &pairs {
                    let _ = black_box(compute(&topo, &res, &req(p), &mut ws));
                }
            })
        });
        group.finish();
    }
}

criterion_group!(real, benches);
criterion_main!(real);
