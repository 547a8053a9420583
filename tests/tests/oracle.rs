//! The engine against the project's exact oracle (`pce_tests::oracle`):
//! enumeration and a MILP solved by CBC. CI runs a few hundred seeds; the
//! `oracle-agreement` binary runs thousands (BENCHMARKS.md).

use pce_engine::solver::disjoint::Effort;
use pce_tests::oracle::{
    combinations, engine, engine_with, exhaustive, judge, milp, Answer, Exact, Instance, Shape,
    Verdict,
};

/// The two exact solvers agree with each other: the MILP model is checked
/// against enumeration on graphs small enough to list every path.
#[test]
fn milp_and_enumeration_agree() {
    let shape = Shape {
        nodes: (5, 9),
        members: (1, 3),
    };
    let mut kinds = [0usize; 3];
    for seed in 0..150 {
        let inst = Instance::random(seed, shape);
        let by_milp = milp(&inst).expect("cbc runs (Debian package coinor-cbc)");
        assert_eq!(exhaustive(&inst), by_milp, "seed {seed}");
        kinds[match by_milp {
            Exact::NoPath => 0,
            Exact::NotDisjoint => 1,
            Exact::Optimum(_) => 2,
        }] += 1;
    }
    // The instances exercise every outcome.
    assert!(kinds.iter().all(|&k| k >= 5), "{kinds:?}");
}

/// Every answer the engine gives is right: feasible paths, the right
/// status, every claim of optimality true; and it proves all but one.
#[test]
fn engine_agrees_with_the_oracle() {
    let shape = Shape {
        nodes: (8, 30),
        members: (1, 4),
    };
    let (mut unproven, mut groups, mut fallbacks) = (0, 0, 0);
    let seeds = 250;
    for seed in 10_000..10_000 + seeds {
        let inst = Instance::random(seed, shape);
        let exact = if combinations(&inst).is_some_and(|c| c <= 100_000) {
            exhaustive(&inst)
        } else {
            milp(&inst).expect("cbc runs (Debian package coinor-cbc)")
        };
        groups += usize::from(inst.members.len() > 1);
        fallbacks += usize::from(matches!(&exact, Exact::Optimum(v) if v.len() >= 3));
        match judge(&inst, &engine(&inst), &exact) {
            Verdict::Agrees => {}
            Verdict::Unproven { .. } => unproven += 1,
            Verdict::Wrong(why) => panic!("seed {seed}: {why}"),
        }
    }
    assert!(
        groups > seeds as usize / 2 && fallbacks > 5,
        "{groups} {fallbacks}"
    );
    // Not proven: seed 10,080 (26 nodes, four members, a fallback whose
    // last stage, the cost, the MILP's budget leaves open: 659 found, 602
    // the optimum). 1,000 of 1,000 on 8-60 nodes are proven; BENCHMARKS.md.
    assert!(unproven <= 1, "{unproven} not proven");
}

/// Instances the candidate lists and the search by conflicts both left
/// unproven at `4d2db0a` (three strict groups with no disjoint
/// combination, two fallbacks 1-2 above the least sharing): the MILP
/// settles them.
#[test]
fn the_milp_settles_what_the_search_by_conflicts_left() {
    let shape = Shape {
        nodes: (8, 60),
        members: (1, 4),
    };
    for seed in [307, 343, 990, 435, 311] {
        let inst = Instance::random(seed, shape);
        let exact = milp(&inst).expect("cbc runs (Debian package coinor-cbc)");
        let verdict = judge(&inst, &engine(&inst), &exact);
        assert!(
            matches!(verdict, Verdict::Agrees),
            "seed {seed}: {verdict:?}"
        );
    }
}

/// The last two of the 1,000 small instances the MILP left open: T=0
/// groups asked for node and SRLG disjointness on graphs whose nodes carry
/// few SRLG values, so most sharing is unavoidable. Seed 348 (three
/// members between the same ends, 8 shared) needed the rows for what a
/// member cannot avoid and the pairs bounded by the members on an element;
/// seed 605 (four members, 1 shared, then 1 shared link) found its second
/// stage's optimum only from the first stage's paths without their stray
/// cycles.
#[test]
fn the_milp_settles_the_fallbacks_of_unavoidable_sharing() {
    let shape = Shape {
        nodes: (8, 60),
        members: (1, 4),
    };
    for seed in [348, 605] {
        let inst = Instance::random(seed, shape);
        let exact = milp(&inst).expect("cbc runs (Debian package coinor-cbc)");
        assert!(
            matches!(&exact, Exact::Optimum(v) if v.len() == 3),
            "{exact:?}"
        );
        let verdict = judge(&inst, &engine(&inst), &exact);
        assert!(
            matches!(verdict, Verdict::Agrees),
            "seed {seed}: {verdict:?}"
        );
    }
}

/// The stateful core's effort (a tenth of the conflict budget, no MILP)
/// leaves such a group honestly unproven; full effort proves it.
#[test]
fn the_core_effort_says_not_proven_where_full_effort_proves() {
    let shape = Shape {
        nodes: (8, 60),
        members: (1, 4),
    };
    let inst = Instance::random(307, shape);
    assert_eq!(
        engine_with(&inst, Effort::CORE),
        Answer::NotDisjoint { proven: false }
    );
    assert_eq!(engine(&inst), Answer::NotDisjoint { proven: true });
}
