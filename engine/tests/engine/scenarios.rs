//! The draft's split-brain scenarios 1 and 3-5 (DIGEST §9.3-9.7) at the
//! solver level: what each PCE computes from what it knows. (The
//! multi-PCE message flows are the state-sync issue's tests; these pin the
//! paths those flows must produce.)

use pce_engine::solver::cspf::{compute, NoPath, Path, PathRequest, Reservations, Workspace};
use pce_engine::solver::disjoint::{solve, Disjointness, GroupObjective, GroupRequest};
use pce_engine::solver::Prepared;
use pce_engine::topology::LinkId;

use super::support::{hops, load, req};

/// One PCE computing `lsp` link-disjoint from `other`'s current path (the
/// other LSP is not delegated to it, so it cannot move it).
fn disjoint_from(t: &Prepared, lsp: &PathRequest, other: &Path) -> Result<Path, NoPath> {
    let mut r = lsp.clone();
    r.constraints.exclude_links = other
        .links
        .iter()
        .flat_map(|l| [*l, t.reverse(*l).unwrap()])
        .collect::<Vec<LinkId>>();
    compute(
        t,
        &Reservations::new(t.link_count()),
        &r,
        &mut Workspace::new(),
    )
}

fn shortest(t: &Prepared, lsp: &PathRequest) -> Path {
    compute(
        t,
        &Reservations::new(t.link_count()),
        lsp,
        &mut Workspace::new(),
    )
    .unwrap()
}

fn joint(t: &Prepared, a: &PathRequest, b: &PathRequest, strict: bool) -> (Path, Path) {
    let g = GroupRequest {
        members: vec![a.clone(), b.clone()],
        disjointness: Disjointness::LINK,
        strict,
        objective: GroupObjective::MinSum,
        pinned: Vec::new(),
    };
    let mut res = solve(
        t,
        &Reservations::new(t.link_count()),
        &g,
        &mut Workspace::new(),
    )
    .unwrap();
    let q = res.paths.pop().unwrap();
    (res.paths.pop().unwrap(), q)
}

/// Scenario 1: one PCE holds both delegations. LSP1 alone gets its shortest
/// path; once LSP2 arrives, the joint computation moves LSP1 to R1-R2.
#[test]
fn scenario_1_single_pce() {
    let t = load("draft-topology-a.json");
    let (l1, l2) = (req(&t, "PCC1", "PCC2"), req(&t, "PCC3", "PCC4"));
    assert_eq!(
        hops(&t, &shortest(&t, &l1)),
        ["R1", "R3", "R4", "R2", "PCC2"]
    );
    let (p1, p2) = joint(&t, &l1, &l2, true);
    assert_eq!(
        (hops(&t, &p1), hops(&t, &p2)),
        (
            vec!["R1".into(), "R2".into(), "PCC2".into()],
            vec!["R3".into(), "R4".into(), "PCC4".into()]
        )
    );
}

/// Scenario 3: PCE2 holds only LSP2 and must leave LSP1 on its shortest
/// path: strict disjointness has no solution.
#[test]
fn scenario_3_no_solution() {
    let t = load("draft-topology-a.json");
    let (l1, l2) = (req(&t, "PCC1", "PCC2"), req(&t, "PCC3", "PCC4"));
    let p1 = shortest(&t, &l1);
    assert_eq!(
        disjoint_from(&t, &l2, &p1),
        Err(NoPath::Infeasible { proven: true })
    );
}

/// Scenario 4: with fallback, PCE2 gives LSP2 its shortest path; PCE1 then
/// moves LSP1 off it (R1-R2), and PCE2 finds no change: converged.
#[test]
fn scenario_4_fallback_converges() {
    let t = load("draft-topology-a.json");
    let (l1, l2) = (req(&t, "PCC1", "PCC2"), req(&t, "PCC3", "PCC4"));
    let p1 = shortest(&t, &l1);
    let p2 = disjoint_from(&t, &l2, &p1).unwrap_or_else(|_| shortest(&t, &l2));
    assert_eq!(hops(&t, &p2), ["R3", "R4", "PCC4"]);
    let p1 = disjoint_from(&t, &l1, &p2).unwrap();
    assert_eq!(hops(&t, &p1), ["R1", "R2", "PCC2"]);
    assert_eq!(
        disjoint_from(&t, &l2, &p1).unwrap().links,
        p2.links,
        "PCE2 recomputes: no change"
    );
}

/// Scenario 5: two PCEs each move only their own LSP, reacting to the
/// other's previous path: the paths flap forever (a 2-cycle). A single
/// computing PCE (state-sync + priority) computes the pair jointly once.
#[test]
fn scenario_5_computation_loop_and_its_cure() {
    let t = load("draft-topology-b.json");
    let (l1, l2) = (req(&t, "PCC1", "PCC2"), req(&t, "PCC3", "PCC4"));
    // Step 1: both configured at once, each PCE computes alone.
    let (mut p1, mut p2) = (shortest(&t, &l1), shortest(&t, &l2));
    assert_eq!(
        (hops(&t, &p1), p1.metrics.igp),
        (vec!["R1".into(), "PCC2".into()], 2)
    );
    assert_eq!(
        (hops(&t, &p2), p2.metrics.igp),
        (
            vec!["R3".into(), "R1".into(), "PCC2".into(), "PCC4".into()],
            6
        )
    );
    let mut seen = Vec::new();
    for _ in 0..6 {
        // Step 2/3: each reacts to the other's old path, simultaneously.
        let n1 = disjoint_from(&t, &l1, &p2).unwrap_or_else(|_| shortest(&t, &l1));
        let n2 = disjoint_from(&t, &l2, &p1).unwrap_or_else(|_| shortest(&t, &l2));
        seen.push((n1.metrics.igp, n2.metrics.igp));
        (p1, p2) = (n1, n2);
    }
    // Never disjoint, never stable: (100, 11), (2, 6), (100, 11), ...
    assert_eq!(
        seen,
        vec![(100, 11), (2, 6), (100, 11), (2, 6), (100, 11), (2, 6)]
    );
    // The cure: one PCE computes both, once.
    let (q1, q2) = joint(&t, &l1, &l2, true);
    assert_eq!(
        (hops(&t, &q1), hops(&t, &q2)),
        (
            vec!["R1".into(), "PCC2".into()],
            vec!["R3".into(), "PCC4".into()]
        )
    );
    assert_eq!(q1.metrics.igp + q2.metrics.igp, 13);
}
