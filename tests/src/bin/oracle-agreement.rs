//! The engine against the exact oracle on seeded random instances: every
//! path feasible, the right status, every claim of optimality true.
//!
//! ```text
//! cargo run --release -p pce-tests --bin oracle-agreement -- \
//!     --seeds 1000 --nodes 8-60 --members 1-4
//! cargo run --release -p pce-tests --bin oracle-agreement -- \
//!     --seeds 100 --nodes 100-200 --members 3-4 --first 1000000
//! ```
//!
//! Small instances are solved by enumeration where the combinations are
//! few (`--enumerate N`, default 200000), by MILP (CBC) otherwise;
//! `--cross` solves every instance both ways where enumeration is
//! possible and checks that the two exact answers agree. Exits non-zero
//! on any wrong answer, printing its seed.
//! `--show` prints each instance.

use std::process::ExitCode;
use std::time::Instant;

use pce_tests::oracle::{combinations, engine, exhaustive, judge, milp, Instance, Shape, Verdict};

fn range(s: &str) -> (usize, usize) {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    (a.parse().expect("a number"), b.parse().expect("a number"))
}

fn main() -> ExitCode {
    let mut seeds = 1000u64;
    let mut first = 0u64;
    let mut shape = Shape {
        nodes: (8, 60),
        members: (1, 4),
    };
    let mut enumerate = 200_000u128;
    let mut cross = false;
    let mut verbose = false;
    let mut show = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().expect("a value after the flag");
        match a.as_str() {
            "--seeds" => seeds = value().parse().expect("a count"),
            "--first" => first = value().parse().expect("a seed"),
            "--nodes" => shape.nodes = range(&value()),
            "--members" => shape.members = range(&value()),
            "--enumerate" => enumerate = value().parse().expect("a count"),
            "--cross" => cross = true,
            "--verbose" => verbose = true,
            "--show" => show = true,
            other => {
                eprintln!("unknown argument {other:?}");
                return ExitCode::from(2);
            }
        }
    }
    let started = Instant::now();
    let (mut agrees, mut unproven, mut wrong, mut by_milp) = (0u64, 0u64, 0u64, 0u64);
    let mut gaps = Vec::new();
    let mut kinds = [0u64; 4];
    let mut engine_time = std::time::Duration::ZERO;
    let mut slowest = (std::time::Duration::ZERO, 0u64);
    for seed in first..first + seeds {
        let inst = Instance::random(seed, shape);
        if show {
            eprintln!("seed {seed}: {inst:#?}");
        }
        let small = combinations(&inst).is_some_and(|c| c <= enumerate);
        let exact = if small && !cross {
            exhaustive(&inst)
        } else {
            by_milp += 1;
            match milp(&inst) {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("seed {seed}: the MILP failed: {e}");
                    return ExitCode::from(2);
                }
            }
        };
        if cross && small {
            let enumerated = exhaustive(&inst);
            if enumerated != exact {
                eprintln!("seed {seed}: enumeration {enumerated:?} but MILP {exact:?}");
                wrong += 1;
                continue;
            }
        }
        let kind = match &exact {
            pce_tests::oracle::Exact::NoPath => 0,
            pce_tests::oracle::Exact::NotDisjoint => 1,
            pce_tests::oracle::Exact::Optimum(v) if v.len() >= 3 => 3,
            pce_tests::oracle::Exact::Optimum(_) => 2,
        };
        kinds[kind] += 1;
        let t = Instant::now();
        let answer = engine(&inst);
        let took = t.elapsed();
        engine_time += took;
        if took > slowest.0 {
            slowest = (took, seed);
        }
        match judge(&inst, &answer, &exact) {
            Verdict::Agrees => agrees += 1,
            Verdict::Unproven { gap } => {
                unproven += 1;
                gaps.push(gap);
                if verbose {
                    eprintln!(
                        "seed {seed}: not proven, gap {gap} ({} nodes, {} members): exact {exact:?}, engine {answer:?}",
                        inst.nodes,
                        inst.members.len()
                    );
                }
            }
            Verdict::Wrong(why) => {
                wrong += 1;
                eprintln!(
                    "seed {seed}: WRONG: {why} ({} nodes, {} members)",
                    inst.nodes,
                    inst.members.len()
                );
            }
        }
    }
    println!(
        "{seeds} instances (seeds {first}..{}), nodes {}-{}, members {}-{}: {agrees} agree, \
         {unproven} not proven (gaps {gaps:?}), {wrong} wrong; exact answers: {} no path, \
         {} not disjoint (T=1), {} optimum at the level asked, {} fallback; {by_milp} by MILP; \
         {:.1} s; the engine: {:.1} ms in all, slowest {:.1} ms (seed {})",
        first + seeds,
        shape.nodes.0,
        shape.nodes.1,
        shape.members.0,
        shape.members.1,
        kinds[0],
        kinds[1],
        kinds[2],
        kinds[3],
        started.elapsed().as_secs_f64(),
        engine_time.as_secs_f64() * 1e3,
        slowest.0.as_secs_f64() * 1e3,
        slowest.1
    );
    if wrong > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
