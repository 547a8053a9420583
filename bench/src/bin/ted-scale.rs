//! Macro benchmark: build a TED at Cisco SR-PCE's published ceiling
//! (50,000 nodes, 500,000 links) from the carrier generator, report build
//! time and memory, and run a few CSPF queries (the first one builds the
//! landmark tables).
//!
//! ```sh
//! cargo run --release -p pce-bench --bin ted-scale -- [NODES] [LINKS]
//! ```

use std::time::Instant;

use pce_bench::topogen::carrier;
use pce_engine::solver::cspf::{
    compute, Constraints, Objective, PathRequest, Reservations, Workspace,
};
use pce_engine::topology::NodeId;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let nodes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let links: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(500_000);
    let t = Instant::now();
    let file = carrier(nodes, links, 42);
    let generated = t.elapsed();
    let t = Instant::now();
    let topo = file.build().expect("valid topology");
    let built = t.elapsed();
    drop(file);
    println!(
        "TED: {} nodes, {} links ({} directed); generated in {:.2?}, built in {:.2?}; snapshot memory {:.1} MiB ({:.0} bytes per directed link)",
        topo.node_count(),
        topo.link_count() / 2,
        topo.link_count(),
        generated,
        built,
        topo.memory_bytes() as f64 / (1 << 20) as f64,
        topo.memory_bytes() as f64 / topo.link_count() as f64
    );
    let t = Instant::now();
    let topo = pce_engine::solver::Prepared::from(topo);
    println!(
        "prepared for the solver (landmark tables of the four objectives) in {:.2?}; landmark memory {:.1} MiB",
        t.elapsed(),
        topo.landmark_bytes() as f64 / (1 << 20) as f64
    );
    let res = Reservations::new(topo.link_count());
    let mut ws = Workspace::new();
    let n = topo.node_count() as u32;
    let query = |i: u32| PathRequest {
        source: NodeId((i * 7919) % n),
        destination: NodeId((i * 104_729 + 13) % n),
        objective: Objective::Igp,
        constraints: Constraints {
            bandwidth: 1e9,
            ..Constraints::default()
        },
    };
    let t = Instant::now();
    let _ = compute(&topo, &res, &query(1), &mut ws);
    println!("first query: {:.2?}", t.elapsed());
    let t = Instant::now();
    let (mut found, mut scanned) = (0, 0u64);
    for i in 2..1002 {
        found += compute(&topo, &res, &query(i), &mut ws).is_ok() as u32;
        scanned += ws.scanned;
    }
    let el = t.elapsed();
    println!(
        "1,000 constrained queries: {:.2?} ({:.0} paths/s), {found} found, {:.0} links scanned per query",
        el,
        1000.0 / el.as_secs_f64(),
        scanned as f64 / 1000.0
    );
    // A link fails, then comes back: what adopting each snapshot costs the
    // core (the failure keeps the tables; the repair rebuilds them).
    let link = topo.link(pce_engine::topology::LinkId(0)).expect("a link");
    let (a, b) = (
        topo.node(link.from).expect("a node").name.clone(),
        topo.node(link.to).expect("a node").name.clone(),
    );
    let event = |up| pce_engine::topology::TopologyEvent::LinkState {
        a: a.clone(),
        b: b.clone(),
        up,
        a_interface: None,
    };
    let down = std::sync::Arc::new(topo.apply(&event(false)).expect("the link exists"));
    let t = Instant::now();
    let failed = topo.after(down);
    let kept = t.elapsed();
    let up = std::sync::Arc::new(failed.apply(&event(true)).expect("the link exists"));
    let t = Instant::now();
    let repaired = failed.after(up);
    let rebuilt = t.elapsed();
    println!(
        "a link fails: prepared in {kept:.2?} (tables kept: {}); it comes back: prepared in {rebuilt:.2?} (tables kept: {})",
        failed.shares_tables_with(&topo),
        repaired.shares_tables_with(&failed)
    );
}
