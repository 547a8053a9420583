//! `cluster-sim`: the seeded cluster simulation (`pce_tests::cluster`)
//! over many seeds.
//!
//! ```text
//! cluster-sim [--seeds N] [--first S] [--steps K]   run seeds S..S+N
//! cluster-sim --seed S [--verbose]                  one seed, its events
//! ```
//! Exits 1 at the first failing seed, which it prints with the command
//! that reproduces it.

use std::process::ExitCode;

fn arg(args: &[String], name: &str) -> Option<u64> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        eprintln!("cluster-sim [--seeds N] [--first S] [--steps K] | --seed S [--verbose]");
        return ExitCode::SUCCESS;
    }
    let verbose = args.iter().any(|a| a == "--verbose");
    let steps = arg(&args, "--steps").map_or(400, |s| s as usize);
    let (first, count) = match arg(&args, "--seed") {
        Some(s) => (s, 1),
        None => (
            arg(&args, "--first").unwrap_or(0),
            arg(&args, "--seeds").unwrap_or(1000),
        ),
    };
    #[allow(clippy::disallowed_methods)] // reporting wall time only
    let t0 = std::time::Instant::now();
    let mut total = pce_tests::cluster::Summary::default();
    for seed in first..first + count {
        match pce_tests::cluster::run_seed(seed, steps, verbose) {
            Ok(s) => {
                if count == 1 {
                    eprintln!("seed {seed}: trace {:016x}", s.trace);
                }
                total.delivered += s.delivered;
                total.events += s.events;
                total.updates += s.updates;
            }
            Err(f) => {
                eprintln!("{f}");
                return ExitCode::from(1);
            }
        }
    }
    eprintln!(
        "{count} seeds passed ({first}..{}), {} steps each: {} messages, {} events, {} updates in {:.1} s",
        first + count,
        steps,
        total.delivered,
        total.events,
        total.updates,
        t0.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
