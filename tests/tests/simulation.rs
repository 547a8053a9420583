//! The seeded cluster simulation (`pce_tests::cluster`) over 1,000 seeds:
//! every invariant after every step, and after healing. A failing seed
//! prints itself and the command that replays it
//! (`cargo run --release -p pce-tests --bin cluster-sim -- --seed N --verbose`);
//! the README gives the command for 100,000 seeds.

use pce_tests::cluster::run_seed;

/// Steps of chaos per seed.
const STEPS: usize = 400;

#[test]
fn a_thousand_seeds_keep_every_invariant() {
    let mut delivered = 0;
    for seed in 0..1_000 {
        match run_seed(seed, STEPS, false) {
            Ok(s) => delivered += s.delivered,
            Err(f) => panic!("{f}"),
        }
    }
    // The runs did something: a quarter of a million messages.
    assert!(delivered > 100_000, "{delivered} messages");
}

/// A seed runs the same way every time: same messages in the same order.
#[test]
fn a_seed_replays_exactly() {
    for seed in [3, 77, 512] {
        let a = run_seed(seed, STEPS, false).unwrap();
        let b = run_seed(seed, STEPS, false).unwrap();
        assert_eq!(a, b, "seed {seed}");
        assert!(a.delivered > 0);
    }
}
