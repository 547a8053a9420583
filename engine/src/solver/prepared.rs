//! A topology snapshot prepared for search: the snapshot and its landmark
//! tables.

use std::ops::Deref;
use std::sync::Arc;

use super::cspf::Objective;
use super::landmarks::Landmarks;
use crate::topology::{NodeId, Topology};

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
}

impl Prepared {
    /// Prepare a snapshot: choose the landmarks, build their base tables.
    pub fn new(topology: Arc<Topology>) -> Self {
        let landmarks = Arc::new(Landmarks::build(&topology));
        Self {
            topology,
            landmarks,
        }
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
            Self {
                topology,
                landmarks: Arc::clone(&self.landmarks),
            }
        } else {
            Self::new(topology)
        }
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
