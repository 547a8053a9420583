//! How far a disjoint pair can get against the engine's single path, in the
//! work counter the benchmarks report (links scanned per query), on the same
//! generated topology and queries as `benches/cspf.rs`.
//!
//! For each query it runs, outside any timing:
//! * the engine's single path and its disjoint pair (links scanned);
//! * the floor: the links out of every node the result paths leave (a
//!   search must scan them to label each path's next node), the pair's
//!   nodes counted once, as if one search with perfect information found
//!   both paths and labelled nothing else;
//! * an oracle second search: Dijkstra over Suurballe's residual graph (the
//!   engine's path P1 reversed, the rest as is) with the exact residual
//!   distance to the tail end as its potential, computed beforehand by a
//!   label-correcting search. No potential is tighter, so no second search
//!   of this kind scans fewer links; ties are broken by fewest hops;
//! * the same second search with the exact distances to the tail end in
//!   the original graph as its potential (also feasible on the residual
//!   graph: P1 is a shortest path): what knowing the residual graph adds;
//! * bidirectional versions of both (average potentials, the side with the
//!   smaller queue next, as in the engine);
//! * the same oracle for the single path (exact distances to the tail end);
//! * the second path searched in the graph without P1 (no reversed links)
//!   with three exact potentials, how often Suurballe's optimum interlaces
//!   with P1 (runs part of it backwards), and how often the pair without
//!   interlacing is proven optimal by a simple argument: a pair that does
//!   not contain P1 has a path that avoids P1's first link and one that
//!   avoids its last; either two different paths (cost >= S + T) or one
//!   that avoids both (>= B) beside another (>= D);
//! * a tail-aware potential for the second search that stays feasible on
//!   the residual graph: `H = max(Hp, min(h', Hp + gain))`, with `Hp` the
//!   engine's potential (`max(h, D - d)`), `h'` a bound on the distance to
//!   t without P1's links, and `gain` the least `d(x) + h'(x) - D` over
//!   P1's nodes but its ends (links into the head end are dropped: a
//!   search from it never needs them). Built from exact distances, from
//!   the engine's landmark bounds (`Topology::distance_bound`) to the
//!   tail's entry nodes, and from a local exact search over the tail end's
//!   access region joined to the landmark bounds of its gateways, each of
//!   the last two also with `h'` raised to exact distances inside the head
//!   end's access region; each is checked feasible (no negative reduced
//!   link);
//! * bidirectional second searches with landmark potentials, and with
//!   both ends aware: the best forward potential above and its mirror from
//!   the head end's access region for the backward side.
//!
//! Lines: "second" is a second search over the residual graph, "without
//! P1" one over the graph less P1's links; "exact" names the distances its
//! potential is made of.
//!
//! `cargo run --release -p pce-bench --example pair-headroom [nodes]`

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use pce_bench::queries::{igp_request, random_pairs};
use pce_bench::topogen::carrier;
use pce_engine::solver::cspf::{compute, Constraints, Objective, Reservations, Workspace};
use pce_engine::solver::disjoint::{solve, Disjointness, GroupObjective, GroupRequest};
use pce_engine::topology::{LinkId, NodeId, Topology};

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

/// Links scanned by bidirectional Dijkstra from `s` and `t` over `arcs`
/// with the average potential of `to_t` (distances to `t`) and `from_s`
/// (distances from `s`), in half units; the side with the smaller queue
/// goes next, as in the engine.
fn bidirectional_scans(n: usize, arcs: &Arcs, to_t: &[i64], from_s: &[i64], s: u32, t: u32) -> u64 {
    let mut out: Vec<Vec<(u32, i64)>> = vec![Vec::new(); n];
    let mut into: Vec<Vec<(u32, i64)>> = vec![Vec::new(); n];
    let pot = |v: u32| to_t[v as usize].saturating_sub(from_s[v as usize]);
    for &(a, b, c) in arcs {
        if to_t[a as usize] == i64::MAX || to_t[b as usize] == i64::MAX {
            continue;
        }
        let reduced = 2 * c - pot(a) + pot(b);
        out[a as usize].push((b, reduced));
        into[b as usize].push((a, reduced));
    }
    let mut dist = [vec![i64::MAX; n], vec![i64::MAX; n]];
    let mut done = [vec![false; n], vec![false; n]];
    let mut heaps = [
        BinaryHeap::from([Reverse((0i64, s))]),
        BinaryHeap::from([Reverse((0i64, t))]),
    ];
    dist[0][s as usize] = 0;
    dist[1][t as usize] = 0;
    let (mut best, mut tops, mut scanned) = (i64::MAX, [0i64, 0], 0);
    loop {
        let side = usize::from(heaps[0].len() > heaps[1].len());
        let Some(Reverse((key, v))) = heaps[side].pop() else {
            break;
        };
        if best != i64::MAX && key + tops[1 - side] >= best {
            break;
        }
        tops[side] = key;
        if done[side][v as usize] || key > dist[side][v as usize] {
            continue;
        }
        done[side][v as usize] = true;
        let arcs = if side == 0 {
            &out[v as usize]
        } else {
            &into[v as usize]
        };
        scanned += arcs.len() as u64;
        for &(w, c) in arcs {
            let next = key + c;
            if next < dist[side][w as usize] {
                dist[side][w as usize] = next;
                heaps[side].push(Reverse((next, w)));
                if dist[1 - side][w as usize] != i64::MAX {
                    best = best.min(next + dist[1 - side][w as usize]);
                }
            }
        }
    }
    scanned
}

/// The directed links of `topo` less both directions of `removed`.
fn without(topo: &Topology, removed: &[LinkId]) -> Arcs {
    let gone = |id: u32| {
        removed
            .iter()
            .any(|l| l.0 == id || topo.reverse(*l).is_some_and(|r| r.0 == id))
    };
    topo.links()
        .iter()
        .enumerate()
        .filter(|&(id, _)| !gone(id as u32))
        .map(|(_, l)| (l.from.0, l.to.0, i64::from(l.igp)))
        .collect()
}

/// Suurballe's residual graph: the links less P1's, plus P1's links
/// reversed at the opposite cost.
fn residual(topo: &Topology, p1: &[LinkId]) -> Arcs {
    let mut arcs = without(topo, p1);
    arcs.extend(
        p1.iter()
            .filter_map(|l| topo.link(*l))
            .map(|x| (x.to.0, x.from.0, -i64::from(x.igp))),
    );
    arcs
}

/// Whether `v` has at most three links: an access-tier node.
fn small(topo: &Topology, v: u32) -> bool {
    topo.out_links(NodeId(v)).len() <= 3
}

/// Exact distances over `arcs` from `end` (to it, when `backward`) through
/// the nodes of at most three links around it (its access region), and the
/// first nodes of more links reached (the region's gateways) with theirs.
fn region_search(
    topo: &Topology,
    arcs: &Arcs,
    end: u32,
    backward: bool,
) -> (Vec<i64>, Vec<(u32, i64)>) {
    let n = topo.node_count();
    let mut next: Vec<Vec<(u32, i64)>> = vec![Vec::new(); n];
    for &(a, b, c) in arcs {
        let (from, to) = if backward { (b, a) } else { (a, b) };
        next[from as usize].push((to, c));
    }
    let mut dist = vec![i64::MAX; n];
    let mut gateways = Vec::new();
    let mut done = vec![false; n];
    let mut heap = BinaryHeap::from([Reverse((0i64, end))]);
    dist[end as usize] = 0;
    while let Some(Reverse((dv, v))) = heap.pop() {
        if std::mem::replace(&mut done[v as usize], true) {
            continue;
        }
        if v != end && !small(topo, v) {
            gateways.push((v, dv));
            continue;
        }
        for &(u, c) in &next[v as usize] {
            if dv + c < dist[u as usize] {
                dist[u as usize] = dv + c;
                heap.push(Reverse((dv + c, u)));
            }
        }
    }
    (dist, gateways)
}

fn reversed(arcs: &Arcs) -> Arcs {
    arcs.iter().map(|&(a, b, c)| (b, a, c)).collect()
}

/// Links scanned, summed over the queries, per search, in the order the
/// searches first report.
#[derive(Default)]
struct Tally(Vec<(&'static str, u64)>);

impl Tally {
    fn add(&mut self, label: &'static str, scanned: u64) {
        match self.0.iter_mut().find(|(l, _)| *l == label) {
            Some((_, sum)) => *sum += scanned,
            None => self.0.push((label, scanned)),
        }
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(2_000, |x| x.parse().expect("a node count"));
    let topo = pce_engine::solver::Prepared::from(
        carrier(n, 4 * n, 42).build().expect("a valid topology"),
    );
    let nodes = topo.node_count();
    let res = Reservations::new(topo.link_count());
    let mut ws = Workspace::new();
    let req = |q| igp_request(q, &Constraints::default());
    let mut k = Tally::default();
    let (mut queries, mut interlaced, mut certified) = (0u64, 0u64, 0u64);
    for (s, t) in random_pairs(nodes, 1000, 7) {
        let Ok(p1) = compute(&topo, &res, &req((s, t)), &mut ws) else {
            continue;
        };
        let single_scans = ws.scanned;
        let group = GroupRequest {
            members: vec![req((s, t)), req((s, t))],
            disjointness: Disjointness::LINK,
            strict: true,
            objective: GroupObjective::MinSum,
            pinned: Vec::new(),
        };
        let Ok(pair) = solve(&topo, &res, &group, &mut ws) else {
            continue;
        };
        queries += 1;
        k.add("engine single path", single_scans);
        k.add("engine disjoint pair", ws.scanned);
        // The floor: the links out of every node a result path leaves,
        // which a search must scan to label the path's next node (the
        // pair's nodes counted once, as if one search found both paths).
        let leaves = |paths: &[&[LinkId]]| {
            let mut tails: Vec<u32> = paths
                .iter()
                .flat_map(|p| p.iter())
                .filter_map(|l| topo.link(*l).map(|x| x.from.0))
                .collect();
            tails.sort_unstable();
            tails.dedup();
            tails
                .iter()
                .map(|&v| topo.out_links(NodeId(v)).len() as u64)
                .sum::<u64>()
        };
        k.add("floor: single path", leaves(&[&p1.links]));
        let pair_links: Vec<&[LinkId]> = pair.paths.iter().map(|p| &p.links[..]).collect();
        k.add("floor: disjoint pair", leaves(&pair_links));
        let p1 = &p1.links;
        let original = without(&topo, &[]);
        let residual = residual(&topo, p1);
        let to_t = to_target(nodes, &original, t);
        let from_s = to_target(nodes, &reversed(&original), s);
        let to_t_residual = to_target(nodes, &residual, t);
        let from_s_residual = to_target(nodes, &reversed(&residual), s);
        k.add(
            "oracle single path",
            oracle_scans(nodes, &original, &to_t, s, t),
        );
        k.add(
            "oracle second search",
            oracle_scans(nodes, &residual, &to_t_residual, s, t),
        );
        k.add(
            "second, exact original",
            oracle_scans(nodes, &residual, &to_t, s, t),
        );
        k.add(
            "second bidirectional, exact original",
            bidirectional_scans(nodes, &residual, &to_t, &from_s, s, t),
        );
        k.add(
            "second bidirectional, exact residual",
            bidirectional_scans(nodes, &residual, &to_t_residual, &from_s_residual, s, t),
        );

        // The second path searched in the graph without P1 (no reversed
        // links), whose optimum is Suurballe's unless the optimal second
        // path "interlaces" (runs part of P1 backwards).
        let no_p1 = without(&topo, p1);
        let no_p1_to_t = to_target(nodes, &no_p1, t);
        let (Some(first), Some(last)) = (p1.first(), p1.last()) else {
            continue;
        };
        let no_last_to_t = to_target(nodes, &without(&topo, &[*last]), t);
        let no_first_to_t = to_target(nodes, &without(&topo, &[*first]), t);
        let without_p1 = [
            ("without P1, exact", &no_p1_to_t),
            ("without P1, exact less P1's last link", &no_last_to_t),
            ("without P1, exact original", &to_t),
        ];
        let d = to_t[s as usize];
        let mut p1_nodes = vec![s];
        p1_nodes.extend(p1.iter().filter_map(|l| topo.link(*l)).map(|l| l.to.0));
        let inner = &p1_nodes[..p1_nodes.len() - 1];
        // The tail-aware potential, from landmark bounds: h' from the
        // tail's entries (each residual link into t followed back
        // through nodes of two links, off P1, to the first other node).
        let lb =
            |v: u32, to: u32| topo.distance_bound(Objective::Igp, NodeId(v), NodeId(to)) as i64;
        let on_p1 = |v: u32| p1_nodes.contains(&v);
        let other_end = |l: u32| topo.links().get(l as usize).map_or(u32::MAX, |x| x.to.0);
        let mut chain = vec![i64::MAX; nodes];
        let mut entries: Vec<(u32, i64)> = Vec::new();
        for out in topo.out_links(NodeId(t)) {
            if p1
                .iter()
                .any(|l| l.0 == out || topo.reverse(*l).is_some_and(|r| r.0 == out))
            {
                continue;
            }
            let (mut x, mut succ) = (other_end(out), t);
            let mut rem = topo.link(LinkId(out)).map_or(0, |l| i64::from(l.igp));
            while x != s
                && !on_p1(x)
                && topo.out_links(NodeId(x)).len() == 2
                && chain[x as usize] == i64::MAX
            {
                let Some(back) = topo.out_links(NodeId(x)).find(|&l| other_end(l) != succ) else {
                    break;
                };
                chain[x as usize] = rem;
                rem += topo.link(LinkId(back)).map_or(0, |l| i64::from(l.igp));
                (succ, x) = (x, other_end(back));
            }
            entries.push((x, rem));
        }
        let h_lm: Vec<i64> = (0..nodes as u32).map(|v| lb(v, t)).collect();
        let h2_lm: Vec<i64> = (0..nodes as u32)
            .map(|v| {
                if v == t {
                    0
                } else if chain[v as usize] != i64::MAX {
                    chain[v as usize]
                } else {
                    entries
                        .iter()
                        .map(|&(e, rem)| lb(v, e) + rem)
                        .min()
                        .unwrap_or(0)
                }
            })
            .collect();
        // h' from a local exact search: Dijkstra backwards from t without
        // P1's links through nodes of at most three links (the access
        // region), stopping at the first nodes of more (its gateways);
        // h'(v) = min(region distance, min over gateways g of lb(v, g) +
        // region distance of g).
        let (region, gateways) = region_search(&topo, &no_p1, t, true);
        let h2_region: Vec<i64> = (0..nodes as u32)
            .map(|v| {
                let via = gateways
                    .iter()
                    .map(|&(g, dg)| lb(v, g) + dg)
                    .min()
                    .unwrap_or(i64::MAX);
                via.min(region[v as usize])
            })
            .collect();
        let tail_gateways = gateways.len() as u64;
        // The head end's access region (nodes of at most three links around
        // s) raised to exact distances to its gateways plus h' there:
        // phi(u) = min over gateways g of region distance(u, g) + h'(g),
        // over links not on P1. Raising nodes of the region keeps h'
        // consistent: links into them only gain, links out of them reach a
        // region node or a gateway, where phi is at most the link plus h'.
        let raise_head = |base: &[i64]| -> Vec<i64> {
            let mut raised = base.to_vec();
            let (reach, gateways) = region_search(&topo, &no_p1, s, false);
            let in_region = |v: u32| reach[v as usize] != i64::MAX && small(&topo, v);
            let mut into: Vec<Vec<(u32, i64)>> = vec![Vec::new(); nodes];
            for &(a, b, c) in &no_p1 {
                if in_region(a) {
                    into[b as usize].push((a, c));
                }
            }
            let mut phi = vec![i64::MAX; nodes];
            let mut heap = BinaryHeap::new();
            for &(g, _) in &gateways {
                phi[g as usize] = base[g as usize];
                heap.push(Reverse((phi[g as usize], g)));
            }
            while let Some(Reverse((dv, v))) = heap.pop() {
                if dv > phi[v as usize] {
                    continue;
                }
                for &(u, c) in &into[v as usize] {
                    if dv + c < phi[u as usize] {
                        phi[u as usize] = dv + c;
                        heap.push(Reverse((dv + c, u)));
                    }
                }
            }
            for v in 0..nodes as u32 {
                if in_region(v) && phi[v as usize] != i64::MAX && v != t {
                    raised[v as usize] = raised[v as usize].max(phi[v as usize]);
                }
            }
            raised
        };
        let h2_head = raise_head(&h2_lm);
        let from_s_d = &from_s;
        // H = max(Hp, min(h', Hp + gain)), Hp = max(h, D - d), gain the
        // least d(x) + h'(x) - D over P1's inner nodes (links into s are
        // dropped: a search from s never needs them). Feasible on the
        // residual graph (checked below).
        let combine = |h: &[i64], h2: &[i64]| -> Vec<i64> {
            let hp = |v: usize| h[v].max(d - from_s_d[v]);
            let c = inner[1..]
                .iter()
                .map(|&x| from_s_d[x as usize].saturating_add(h2[x as usize]))
                .min()
                .unwrap_or(d);
            let gain = (c - d).max(0);
            (0..nodes)
                .map(|v| hp(v).max(h2[v].min(hp(v).saturating_add(gain))))
                .collect()
        };
        let into_s_dropped: Arcs = residual.iter().copied().filter(|a| a.1 != s).collect();
        for (label, pot) in [
            ("second, tail-aware, exact", combine(&to_t, &no_last_to_t)),
            (
                "second, tail-aware, landmark h and h'",
                combine(&h_lm, &h2_lm),
            ),
            (
                "the same, h' exact in the head's region",
                combine(&h_lm, &h2_head),
            ),
            (
                "second, tail-aware, landmark h, exact h'",
                combine(&h_lm, &no_last_to_t),
            ),
            (
                "second, tail-aware, exact h, landmark h'",
                combine(&to_t, &h2_lm),
            ),
            (
                "second, tail-aware, h' via gateways",
                combine(&h_lm, &h2_region),
            ),
            (
                "the same via gateways, exact in head region",
                combine(&h_lm, &raise_head(&h2_region)),
            ),
        ] {
            let negative = into_s_dropped
                .iter()
                .filter(|&&(a, b, c)| c - pot[a as usize] + pot[b as usize] < 0)
                .count();
            assert_eq!(negative, 0, "infeasible potential: {label}");
            k.add(label, oracle_scans(nodes, &into_s_dropped, &pot, s, t));
        }
        k.add("  (tail region gateways per query)", tail_gateways);
        // Both ends aware, bidirectionally: H as above (forward) and its
        // mirror B for the backward side, from d and the head end's region:
        // hs'(v) = exact distance from s without P1 inside s's access
        // region, else the least region distance to a gateway g plus lb(g,
        // v); B = max(Bp, min(hs', Bp + gain_s)), Bp = min(d, D - h),
        // gain_s the least hs'(x) - d(x) over P1's inner nodes.
        let two_sided = {
            let (reg, gateways) = region_search(&topo, &no_p1, s, false);
            let hs2: Vec<i64> = (0..nodes as u32)
                .map(|v| {
                    let via = gateways
                        .iter()
                        .map(|&(g, dg)| dg + lb(g, v))
                        .min()
                        .unwrap_or(i64::MAX);
                    if gateways.is_empty() || small(&topo, s) {
                        via.min(reg[v as usize])
                    } else {
                        lb(s, v)
                    }
                })
                .collect();
            let bp = |v: usize| from_s_d[v].min(d - h_lm[v]);
            let gain_s = inner[1..]
                .iter()
                .map(|&x| hs2[x as usize] - from_s_d[x as usize])
                .min()
                .unwrap_or(0)
                .max(0);
            let b: Vec<i64> = (0..nodes)
                .map(|v| bp(v).max(hs2[v].min(bp(v) + gain_s)))
                .collect();
            let h = combine(&h_lm, &raise_head(&h2_region));
            let arcs: Arcs = residual
                .iter()
                .copied()
                .filter(|a| a.1 != s && a.0 != t)
                .collect();
            let negative = arcs
                .iter()
                .filter(|&&(x, y, c)| c + b[x as usize] - b[y as usize] < 0)
                .count();
            assert_eq!(negative, 0, "infeasible backward potential");
            let hp: Vec<i64> = (0..nodes).map(|v| h_lm[v].max(d - from_s_d[v])).collect();
            let bpv: Vec<i64> = (0..nodes).map(bp).collect();
            (
                bidirectional_scans(nodes, &arcs, &hp, &bpv, s, t),
                bidirectional_scans(nodes, &arcs, &h, &b, s, t),
            )
        };
        k.add("second bidirectional, landmark", two_sided.0);
        k.add("second bidirectional, both ends aware", two_sided.1);
        for (label, pot) in without_p1 {
            k.add(label, oracle_scans(nodes, &no_p1, pot, s, t));
        }
        let (suurballe, no_p1_best) = (d + to_t_residual[s as usize], no_p1_to_t[s as usize]);
        interlaced += u64::from(suurballe < no_p1_best);
        // A pair that does not contain P1 has a path without P1's first
        // link and a path without its last: two paths (at least S + T), or
        // one that avoids both (at least B) beside another (at least D).
        let both = to_target(nodes, &without(&topo, &[*first, *last]), t)[s as usize];
        let (first_avoided, last_avoided) = (no_first_to_t[s as usize], no_last_to_t[s as usize]);
        let bound = first_avoided
            .saturating_add(last_avoided)
            .min(both.saturating_add(d));
        certified += u64::from(d + no_p1_best <= bound);
    }
    let per = |x: u64| x as f64 / queries as f64;
    let of = |label: &str| k.0.iter().find(|(l, _)| *l == label).map_or(0, |x| x.1);
    println!("{nodes} nodes, {queries} queries with a disjoint pair; links scanned per query:");
    for &(label, x) in &k.0 {
        println!("  {label:<44} {:6.0}", per(x));
    }
    println!("  optimal second path interlaces with P1: {interlaced} of {queries}");
    println!(
        "  pair without interlacing proven optimal by min(S + T, B + D): {certified} of {queries}"
    );
    let (single, pair, oracle) = (
        per(of("engine single path")),
        per(of("engine disjoint pair")),
        per(of("oracle second search")),
    );
    let (oracle_single, oracle_both) = (
        per(of("oracle single path")),
        per(of("second bidirectional, exact residual")),
    );
    println!(
        "  pair/single in links: engine {:.2}x; engine first search + oracle second {:.2}x",
        pair / single,
        (single + oracle) / single
    );
    println!(
        "  pair/single in links with exact distances for both: {:.2}x (one-sided second), \
         {:.2}x (bidirectional second); floor {:.2}x",
        (oracle_single + oracle) / oracle_single,
        (oracle_single + oracle_both) / oracle_single,
        per(of("floor: disjoint pair")) / per(of("floor: single path")),
    );
}
