//! The library figure for the daemon benchmarks (bench/reroute.sh): the
//! LSPs of an end-point file (`topo-gen`) placed on a topology file with
//! `Placement::place` (the solver's parallel placement, 100 Mb/s each, as
//! pcc-sim asks), then the busiest link failed and its LSPs rerouted with
//! `Placement::reroute`; on THREADS threads. Prints milliseconds.
//!
//! With `naive K` (bench/plan.sh's baseline), then K failures spread over
//! the links, each with every LSP placed again from nothing on what is
//! left (what a what-if would cost that re-placed everything per failure):
//! the mean per failure.
//!
//! ```sh
//! place-file TOPOLOGY.json ENDPOINTS.txt THREADS [naive K]
//! ```

use std::time::Instant;

use pce_engine::solver::placement::Placement;
use pce_engine::solver::Prepared;
use pce_engine::topology::{LinkId, TopologyFile};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(topology), Some(pairs), Some(threads)) = (
        args.first(),
        args.get(1),
        args.get(2).and_then(|t| t.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: place-file TOPOLOGY.json ENDPOINTS.txt THREADS");
        std::process::exit(2);
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let file = TopologyFile::load(std::path::Path::new(topology)).expect("a topology file");
    let topo = pool.install(|| Prepared::from(file));
    let requests = pce_bench::queries::from_endpoint_file(&topo, pairs);
    // Once to let the landmark classes settle, as the daemon's first
    // placement does; then timed.
    let _ = pool.install(|| Placement::place(&topo, &requests));
    let _ = topo.prepare();
    let t = Instant::now();
    let placement = pool.install(|| Placement::place(&topo, &requests));
    let place = t.elapsed();
    let busiest = (0..topo.link_count() as u32)
        .map(LinkId)
        .max_by_key(|l| {
            placement.lsps_on(*l).len() + topo.reverse(*l).map_or(0, |r| placement.lsps_on(r).len())
        })
        .expect("links");
    let link = topo.link(busiest).expect("the link");
    let after = Prepared::from(
        topo.apply(&pce_engine::pce::plan::link_down(&topo, busiest))
            .expect("the event applies"),
    );
    let failed = [busiest, topo.reverse(busiest).expect("both directions")];
    let mut rerouted = placement.clone();
    let t = Instant::now();
    let moved = pool.install(|| rerouted.reroute(&after, &requests, &failed));
    let reroute = t.elapsed();
    println!(
        "threads={threads} lsps={} place_ms={:.1} rounds={} busiest={}-{} reroute_lsps={} reroute_ms={:.2}",
        requests.len(),
        place.as_secs_f64() * 1e3,
        placement.rounds,
        topo.node(link.from).map_or("?", |n| &n.name),
        topo.node(link.to).map_or("?", |n| &n.name),
        moved.len(),
        reroute.as_secs_f64() * 1e3,
    );
    if let (Some("naive"), Some(k)) = (
        args.get(3).map(String::as_str),
        args.get(4).and_then(|k| k.parse::<u32>().ok()),
    ) {
        let links = topo.link_count() as u32;
        let mut total = 0.0;
        let mut failures = 0u32;
        for i in 0..k {
            let l = LinkId(i * (links / k.max(1)));
            let Ok(down) = topo.apply(&pce_engine::pce::plan::link_down(&topo, l)) else {
                continue;
            };
            let after = topo.after(std::sync::Arc::new(down));
            let t = Instant::now();
            let _ = pool.install(|| Placement::place(&after, &requests));
            total += t.elapsed().as_secs_f64();
            failures += 1;
        }
        println!(
            "threads={threads} naive: {failures} failures, every LSP placed again: {:.1} ms per failure",
            total * 1e3 / f64::from(failures.max(1))
        );
    }
}
