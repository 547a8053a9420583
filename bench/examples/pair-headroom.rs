//! How far a disjoint pair can get against the engine's single path, in the
//! work counter the benchmarks report (links scanned per query), on the same
//! generated topology and queries as `benches/cspf.rs`.
//!
//! For each query it runs, outside any timing:
//! * the engine's single path and its disjoint pair (links scanned);
//! * an oracle second search: Dijkstra over Suurballe's residual graph (the
//!   engine's path P1 reversed, the rest as is) with the exact residual
//!   distance to the tail end as its potential, computed beforehand by a
//!   label-correcting search. No potential is tighter, so no second search
//!   of this kind scans fewer links; ties are broken by fewest hops;
//! * the same second search with the exact distances to the tail end in
//!   the original graph as its potential (also feasible on the residual
//!   graph: P1 is a shortest path): what knowing the residual graph adds;
//! * the same oracle for the single path (exact distances to the tail end).
//!
//! `cargo run --release -p pce-bench --example pair-headroom [nodes]`

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use pce_bench::queries::{igp_request, random_pairs};
use pce_bench::topogen::carrier;
use pce_engine::solver::cspf::{compute, Constraints, Reservations, Workspace};
use pce_engine::solver::disjoint::{solve, Disjointness, GroupObjective, GroupRequest};
use pce_engine::topology::{LinkId, Topology};

/// Arcs as (from, to, cost).
type Arcs = Vec<(u32, u32, i64)>;

/// Exact distances from every node to `t` over `arcs` (some negative, no
/// negative cycle), by a label-correcting search on the reversed arcs.
fn to_target(n: usize, arcs: &Arcs, t: u32) -> Vec<i64> {
    let mut into: Vec<Vec<(u32, i64)>> = vec![Vec::new(); n];
    for &(a, b, c) in arcs {
        into[b as usize].push((a, c));
    }
    let mut dist = vec![i64::MAX; n];
    let mut queued = vec![false; n];
    let mut queue = VecDeque::from([t]);
    dist[t as usize] = 0;
    while let Some(v) = queue.pop_front() {
        queued[v as usize] = false;
        let dv = dist[v as usize];
        for &(u, c) in &into[v as usize] {
            if dv + c < dist[u as usize] {
                dist[u as usize] = dv + c;
                if !queued[u as usize] {
                    queued[u as usize] = true;
                    queue.push_back(u);
                }
            }
        }
    }
    dist
}

/// Links scanned by Dijkstra from `s` to `t` over `arcs` on reduced costs
/// with the exact potential `pot` (distance to `t`): every popped node
/// scans all its arcs, as the engine counts.
fn oracle_scans(n: usize, arcs: &Arcs, pot: &[i64], s: u32, t: u32) -> u64 {
    let mut out: Vec<Vec<(u32, i64)>> = vec![Vec::new(); n];
    for &(a, b, c) in arcs {
        out[a as usize].push((b, c));
    }
    let mut best = vec![(i64::MAX, u32::MAX); n];
    let mut done = vec![false; n];
    let mut heap = BinaryHeap::from([Reverse((0i64, 0u32, s))]);
    best[s as usize] = (0, 0);
    let mut scanned = 0;
    while let Some(Reverse((key, hops, v))) = heap.pop() {
        if done[v as usize] || (key, hops) > best[v as usize] {
            continue;
        }
        done[v as usize] = true;
        if v == t {
            break;
        }
        scanned += out[v as usize].len() as u64;
        for &(w, c) in &out[v as usize] {
            let reduced = c - pot[v as usize] + pot[w as usize];
            let next = (key + reduced, hops + 1);
            if pot[w as usize] != i64::MAX && next < best[w as usize] {
                best[w as usize] = next;
                heap.push(Reverse((next.0, next.1, w)));
            }
        }
    }
    scanned
}

fn arcs_of(topo: &Topology, p1: &[LinkId]) -> (Arcs, Arcs) {
    let on_p1 = |id: u32| {
        p1.iter()
            .any(|l| l.0 == id || topo.reverse(*l).is_some_and(|r| r.0 == id))
    };
    let mut original = Arcs::new();
    let mut residual = Arcs::new();
    for (id, l) in topo.links().iter().enumerate() {
        let arc = (l.from.0, l.to.0, i64::from(l.igp));
        original.push(arc);
        if !on_p1(id as u32) {
            residual.push(arc);
        }
    }
    for l in p1 {
        if let Some(x) = topo.link(*l) {
            residual.push((x.to.0, x.from.0, -i64::from(x.igp)));
        }
    }
    (original, residual)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(2_000, |x| x.parse().expect("a node count"));
    let topo = carrier(n, 4 * n, 42).build().expect("a valid topology");
    let nodes = topo.node_count();
    let queries = random_pairs(nodes, 1000, 7);
    let res = Reservations::new(topo.link_count());
    let mut ws = Workspace::new();
    let req = |q| igp_request(q, &Constraints::default());
    let (
        mut single,
        mut pair,
        mut single_oracle,
        mut second_oracle,
        mut second_original,
        mut count,
    ) = (0, 0, 0, 0, 0, 0);
    for &q in &queries {
        let Ok(p1) = compute(&topo, &res, &req(q), &mut ws) else {
            continue;
        };
        let single_scans = ws.scanned;
        let group = GroupRequest {
            members: vec![req(q), req(q)],
            disjointness: Disjointness::LINK,
            strict: true,
            objective: GroupObjective::MinSum,
            pinned: Vec::new(),
        };
        if solve(&topo, &res, &group, &mut ws).is_err() {
            continue;
        }
        let pair_scans = ws.scanned;
        let (original, residual) = arcs_of(&topo, &p1.links);
        let exact = to_target(nodes, &original, q.1);
        let exact_residual = to_target(nodes, &residual, q.1);
        single += single_scans;
        pair += pair_scans;
        single_oracle += oracle_scans(nodes, &original, &exact, q.0, q.1);
        second_oracle += oracle_scans(nodes, &residual, &exact_residual, q.0, q.1);
        second_original += oracle_scans(nodes, &residual, &exact, q.0, q.1);
        count += 1;
    }
    let per = |x: u64| x as f64 / f64::from(count);
    println!("{nodes} nodes, {count} queries with a disjoint pair; links scanned per query:");
    println!(
        "  engine single path                             {:4.0}",
        per(single)
    );
    println!(
        "  engine disjoint pair                           {:4.0}",
        per(pair)
    );
    println!(
        "  oracle single path                             {:4.0}",
        per(single_oracle)
    );
    println!(
        "  oracle second search                           {:4.0}",
        per(second_oracle)
    );
    println!(
        "  second search, original-graph exact potential {:4.0}",
        per(second_original)
    );
    println!(
        "  pair/single in links: engine {:.2}x; engine first search + oracle second {:.2}x",
        per(pair) / per(single),
        (per(single) + per(second_oracle)) / per(single)
    );
}
