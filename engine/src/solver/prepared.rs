//! A topology snapshot prepared for search: the snapshot and its landmark
//! tables.

use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use super::cspf::Objective;
use super::landmarks::{self, Landmarks};
use crate::topology::{LinkId, NodeId, Topology};

/// A topology snapshot with what the searches need beyond it: landmark
/// lower bounds (`landmarks`), per objective, and per affinity class that
/// keeps coming back.
///
/// [`Prepared::new`] builds the base tables of every objective (in parallel
/// on the current rayon pool: call it inside `pool.install` to choose the
/// pool). A query never builds anything: it counts the affinity classes it
/// meets, and [`Prepared::prepare`] builds the tables of those that came
/// back often enough, between queries. Derefs to the [`Topology`].
#[derive(Debug)]
pub struct Prepared {
    topology: Arc<Topology>,
    /// Shared with the snapshots before this one while changes only
    /// lengthened links ([`Prepared::after`]).
    landmarks: Arc<Landmarks>,
    /// Each node's piece of the network (links up, either direction),
    /// found when first asked: ends in different pieces have no path, and
    /// no search needs to prove it (what a failure that cuts the network
    /// asks of every LSP across the cut).
    pieces: OnceLock<Vec<u32>>,
    /// Whether every link's reverse is the link back between the same two
    /// nodes: then a node's links in are its links out's reverses, and a
    /// search can go backwards ([`Self::links_in_known`]).
    paired: OnceLock<bool>,
    /// Exact distances to tail ends, when asked for
    /// ([`Self::with_exact_distances`]).
    exact: Option<Arc<Exact>>,
}

/// Exact distances to tail ends, each computed on the links of one
/// snapshot (`base`), up or down, when a search first goes there: the
/// tightest consistent bound there is, for every later snapshot whose
/// links are no shorter (as the landmark tables). After a failure, a
/// search directed by them explores little beyond the detour, where one
/// directed by landmarks explores everything the landmarks cannot tell
/// apart. A row costs a search of the whole network and `4 x nodes`
/// bytes, so only what runs many searches to few tail ends on one
/// network asks for them (a plan's scenarios), within [`EXACT_BUDGET`].
#[derive(Debug)]
struct Exact {
    base: Arc<Topology>,
    /// By objective ([`landmarks::OBJECTIVES`] order), by tail end: the
    /// distances to it; then by head end, from it (what directs a search
    /// backwards).
    rows: [Vec<OnceLock<Box<[u32]>>>; 8],
    /// Rows the budget still allows.
    left: AtomicUsize,
}

/// Memory the exact distances may take, per snapshot they are computed
/// on (64 MiB: every tail end of a 4,096-node network, by one objective).
const EXACT_BUDGET: usize = 64 << 20;

impl Prepared {
    /// Prepare a snapshot: choose the landmarks, build their base tables.
    pub fn new(topology: Arc<Topology>) -> Self {
        let landmarks = Arc::new(Landmarks::build(&topology));
        Self {
            topology,
            landmarks,
            pieces: OnceLock::new(),
            paired: OnceLock::new(),
            exact: None,
        }
    }

    /// This snapshot, its searches directed by exact distances to their
    /// tail ends ([`Exact`]), and the snapshots after it that only
    /// lengthen links. Without the paired links a search backwards needs
    /// ([`Self::links_in_known`]), as it was.
    pub fn with_exact_distances(&self) -> Self {
        let n = self.topology.node_count().max(1);
        Self {
            topology: Arc::clone(&self.topology),
            landmarks: Arc::clone(&self.landmarks),
            pieces: self.pieces.clone(),
            paired: self.paired.clone(),
            exact: self.links_in_known().then(|| {
                Arc::new(Exact {
                    base: Arc::clone(&self.topology),
                    rows: std::array::from_fn(|_| (0..n).map(|_| OnceLock::new()).collect()),
                    left: AtomicUsize::new(EXACT_BUDGET / (4 * n)),
                })
            }),
        }
    }

    /// Whether searches on this snapshot are directed by exact distances.
    pub fn has_exact_distances(&self) -> bool {
        self.exact.is_some()
    }

    /// The exact distances from every node to `t` (`backward`: from `t`
    /// to every node) by `objective`, on every link up or down
    /// (`u32::MAX`: none), when this snapshot has them and the budget
    /// allows: computed here on first use.
    pub(crate) fn exact(&self, objective: Objective, t: u32, backward: bool) -> Option<&[u32]> {
        let exact = self.exact.as_ref()?;
        let i = landmarks::OBJECTIVES.iter().position(|&o| o == objective)?;
        let slot = exact
            .rows
            .get(i + if backward { 4 } else { 0 })?
            .get(t as usize)?;
        if let Some(row) = slot.get() {
            return Some(row);
        }
        let granted = exact
            .left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| l.checked_sub(1))
            .is_ok();
        granted.then(|| {
            &**slot.get_or_init(|| {
                landmarks::dijkstra(&exact.base, t, objective, !backward, |_| true)
                    .into_boxed_slice()
            })
        })
    }

    /// The snapshot that follows this one. The landmark tables are
    /// computed on every link, up or down, so they still bound distances
    /// from below (admissible and consistent: a link down removes a
    /// constraint, a longer one loosens it) whenever no link of `topology`
    /// is shorter than in the snapshot they were computed on
    /// ([`Topology::only_lengthens`]): then they are kept, so a failure, a
    /// repair, or a cost-out and its cost-in cost no rebuild. Otherwise
    /// they are built anew.
    pub fn after(&self, topology: Arc<Topology>) -> Self {
        if self.landmarks.base().only_lengthens(&topology) {
            let exact = self
                .exact
                .as_ref()
                .filter(|e| e.base.only_lengthens(&topology))
                .cloned();
            Self {
                topology,
                landmarks: Arc::clone(&self.landmarks),
                pieces: OnceLock::new(),
                // Same structure (`only_lengthens`).
                paired: self.paired.clone(),
                exact,
            }
        } else {
            Self::new(topology)
        }
    }

    /// Whether every link into a node is the reverse of one of its links
    /// out (each link paired with the link back).
    pub fn links_in_known(&self) -> bool {
        *self.paired.get_or_init(|| {
            let t = &self.topology;
            (0..t.link_count() as u32).map(LinkId).all(|l| {
                match (t.link(l), t.reverse(l).and_then(|r| t.link(r))) {
                    (Some(a), Some(b)) => a.from == b.to && a.to == b.from,
                    _ => false,
                }
            })
        })
    }

    /// Whether no path can join `a` and `b`, both up: no chain of links up
    /// joins them, whatever the direction.
    pub fn separated(&self, a: NodeId, b: NodeId) -> bool {
        let pieces = self.pieces.get_or_init(|| self.find_pieces());
        self.apart(pieces, a, b)
    }

    /// Each node's piece of the network made of the links up, either
    /// direction (union-find).
    fn find_pieces(&self) -> Vec<u32> {
        let t = &self.topology;
        let mut parent: Vec<u32> = (0..t.node_count() as u32).collect();
        fn root(parent: &mut [u32], mut n: u32) -> u32 {
            while let Some(&p) = parent.get(n as usize) {
                if p == n {
                    break;
                }
                let up = parent.get(p as usize).copied().unwrap_or(p);
                if let Some(slot) = parent.get_mut(n as usize) {
                    *slot = up;
                }
                n = p;
            }
            n
        }
        for n in 0..t.node_count() as u32 {
            for l in t.out_links(NodeId(n)) {
                let Some(h) = t.hot().get(l as usize) else {
                    continue;
                };
                if h.flags & crate::topology::HotLink::UP != 0 {
                    let (x, y) = (root(&mut parent, n), root(&mut parent, h.to));
                    if let Some(slot) = parent.get_mut(x.max(y) as usize) {
                        *slot = x.min(y);
                    }
                }
            }
        }
        (0..t.node_count() as u32)
            .map(|n| root(&mut parent, n))
            .collect()
    }

    /// Whether `a` and `b`, both up, are in different `pieces`
    /// ([`Self::find_pieces`]).
    fn apart(&self, pieces: &[u32], a: NodeId, b: NodeId) -> bool {
        let up = |n: NodeId| self.topology.node(n).is_some_and(|n| n.up);
        // An end unknown or down is the search's to report, as such.
        up(a) && up(b) && pieces.get(a.index()) != pieces.get(b.index())
    }

    /// Whether `other` uses this one's landmark tables.
    pub fn shares_tables_with(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.landmarks, &other.landmarks)
    }

    /// Build the tables of the affinity classes that queries met often
    /// enough since the last call (on the current rayon pool); how many.
    pub fn prepare(&self) -> usize {
        self.landmarks.build_due(&self.topology)
    }

    /// The snapshot.
    pub const fn topology(&self) -> &Arc<Topology> {
        &self.topology
    }

    pub(crate) fn landmarks(&self) -> &Landmarks {
        &self.landmarks
    }

    /// Memory of the landmark tables.
    pub fn landmark_bytes(&self) -> usize {
        self.landmarks.memory_bytes()
    }

    /// Affinity classes that have their own landmark tables.
    pub fn landmark_classes(&self) -> usize {
        self.landmarks.class_tables()
    }

    /// A lower bound on the distance from `from` to `to` by `objective`,
    /// from the landmark tables: what the path searches use to direct
    /// themselves, for tools that study them.
    pub fn distance_bound(&self, objective: Objective, from: NodeId, to: NodeId) -> u64 {
        let table = self.landmarks.table(objective);
        table.bound(&table.target(to.0), from.0)
    }
}

impl From<Topology> for Prepared {
    fn from(topology: Topology) -> Self {
        Self::new(Arc::new(topology))
    }
}

impl From<Arc<Topology>> for Prepared {
    fn from(topology: Arc<Topology>) -> Self {
        Self::new(topology)
    }
}

impl Deref for Prepared {
    type Target = Topology;

    fn deref(&self) -> &Topology {
        &self.topology
    }
}
