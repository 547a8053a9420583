//! How much a path search explores, the queries a failure asks: the LSPs
//! of an end-point file placed on a topology file (`Placement::place`, 100
//! Mb/s each, as `bench/reroute.sh`), then every 37th directed link failed
//! in turn (400 of them) and each LSP on it computed again on what the
//! others hold; the same queries from the tail end (ends swapped: the links
//! the other way, as a search from the tail end walks them); and 5,000 of
//! the LSPs computed again without failure (the daemon's ordinary query).
//! Prints the links scanned per query and microseconds (issue 20: the
//! figures behind the two-sided search in `solver::cspf`).
//!
//! ```sh
//! search-sides TOPOLOGY.json ENDPOINTS.txt
//! ```

use std::time::Instant;

use pce_engine::solver::cspf::{compute, Workspace};
use pce_engine::solver::placement::Placement;
use pce_engine::solver::Prepared;
use pce_engine::topology::{LinkId, TopologyFile};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(topology), Some(pairs)) = (args.first(), args.get(1)) else {
        eprintln!("usage: search-sides TOPOLOGY.json ENDPOINTS.txt");
        std::process::exit(2);
    };
    let file = TopologyFile::load(std::path::Path::new(topology)).expect("a topology file");
    let topo = Prepared::from(file);
    let requests = pce_bench::queries::from_endpoint_file(&topo, pairs);
    // As the daemon: a first placement lets the landmark classes settle.
    let _ = Placement::place(&topo, &requests);
    let _ = topo.prepare();
    let placement = Placement::place(&topo, &requests);
    let mut ws = Workspace::new();
    let (mut n, mut head, mut tail, mut better, mut t_head, mut t_tail) = (0u64, 0, 0, 0, 0.0, 0.0);
    for k in 0..400u32 {
        let l = LinkId((k * 37) % topo.link_count() as u32);
        if topo.link(l).is_none() {
            continue;
        }
        let Ok(down) = topo.apply(&pce_engine::pce::plan::link_down(&topo, l)) else {
            continue;
        };
        let after = topo.after(std::sync::Arc::new(down));
        let mut on = placement.lsps_on(l).to_vec();
        on.extend(topo.reverse(l).map_or(&[][..], |r| placement.lsps_on(r)));
        let mut res = placement.reservations.clone();
        for &i in &on {
            if let Some(Ok(p)) = placement.paths.get(i as usize) {
                res.add(&p.links, -1e8);
            }
        }
        for &i in &on {
            let Some(req) = requests.get(i as usize) else {
                continue;
            };
            let (s, t) = timed(&mut ws, &after, &res, req);
            let mut back = req.clone();
            std::mem::swap(&mut back.source, &mut back.destination);
            let (s2, t2) = timed(&mut ws, &after, &res, &back);
            (n, head, tail, better) = (n + 1, head + s, tail + s2, better + s.min(s2));
            (t_head, t_tail) = (t_head + t, t_tail + t2);
        }
    }
    let n = n.max(1);
    println!(
        "after a failure: {n} queries, links scanned per query: from the head end {}, from the tail end {}, the better of the two {}; us per query {:.1} and {:.1}",
        head / n,
        tail / n,
        better / n,
        t_head * 1e6 / n as f64,
        t_tail * 1e6 / n as f64
    );
    let (mut scanned, mut time) = (0, 0.0);
    let m = requests.len().min(5_000);
    for (i, req) in requests.iter().enumerate().take(m) {
        let mut res = placement.reservations.clone();
        if let Some(Ok(p)) = placement.paths.get(i) {
            res.add(&p.links, -1e8);
        }
        let (s, t) = timed(&mut ws, &topo, &res, req);
        (scanned, time) = (scanned + s, time + t);
    }
    println!(
        "without failure: {m} queries, links scanned per query {}, us per query {:.1}",
        scanned / m.max(1) as u64,
        time * 1e6 / m.max(1) as f64
    );
}

/// One query: links scanned and seconds.
fn timed(
    ws: &mut Workspace,
    topo: &Prepared,
    res: &pce_engine::solver::cspf::Reservations,
    req: &pce_engine::solver::cspf::PathRequest,
) -> (u64, f64) {
    ws.scanned = 0;
    let t = Instant::now();
    let _ = compute(topo, res, req, ws);
    (ws.scanned, t.elapsed().as_secs_f64())
}
