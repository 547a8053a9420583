//! Indexes of the LSP database for the API's filters: by name, by
//! association group, by computing PCE and by state (delegated, initiated,
//! without a path), beside the database's own order by (PCC, PLSP-ID).
//!
//! Kept by the shell, not by the core, so that the core's batches do not
//! pay for them: built at the first query that needs one, then brought up
//! to date from the difference between the version they index and the
//! newest published snapshot (the snapshots' persistent maps make that
//! difference cost the changes, not the database): at each such query, and
//! once a second in the background once built (so that an old version is
//! not held for long). An index and the version it describes are read
//! together under one lock: a page is one consistent version, at least as
//! new as the newest when the query came.
//!
//! Every set is ordered by LSP key, as listings are: a page goes on from a
//! cursor in O(log n).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::ops::Bound::{Excluded, Unbounded};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};

use ahash::RandomState;
use arc_swap::ArcSwap;
use imbl::ordmap::DiffItem;
use itertools::Itertools;
use smallvec::SmallVec;

use crate::lspdb::{LspEntry, LspKey, LspSnapshot};

/// An association group: type, ID, source (RFC 8697 §6.1).
pub type Group = (u16, u16, IpAddr);

/// The PCE computing an LSP, as far as this PCE (`me`) knows
/// ([`LspEntry::computing_pce`]).
pub fn computing_pce(e: &LspEntry, me: Option<IpAddr>) -> Option<IpAddr> {
    e.computing_pce(me)
}

/// The association groups an LSP's last report puts it in.
pub fn groups_of(e: &LspEntry) -> SmallVec<[Group; 1]> {
    e.report()
        .associations
        .iter()
        .map(|a| (a.association_type.0, a.association_id, a.source))
        .collect()
}

/// Delegated to this PCE.
const DELEGATED: usize = 1;
/// PCE-initiated.
const INITIATED: usize = 2;
/// Delegated, and the last computation found no path.
const WITHOUT_PATH: usize = 4;

fn state_of(e: &LspEntry) -> usize {
    let c = &e.control;
    (usize::from(c.delegated) * DELEGATED)
        | (usize::from(c.initiated) * INITIATED)
        | (usize::from(c.delegated && c.no_path) * WITHOUT_PATH)
}

/// The keys of `set` after `after` (all, without it), in order.
fn after(
    set: &BTreeSet<LspKey>,
    after: Option<LspKey>,
) -> std::collections::btree_set::Range<'_, LspKey> {
    match after {
        Some(a) => set.range((Excluded(a), Unbounded)),
        None => set.range(..),
    }
}

/// The indexes of one version of the LSP database.
#[derive(Debug)]
pub struct Indexed {
    /// The version indexed.
    version: Arc<LspSnapshot>,
    /// This PCE's identity (what "computed by this PCE" is).
    me: Option<IpAddr>,
    /// Keyed hash of a name -> the LSPs of that name (one per PCC that
    /// has it), sorted. Hashes, not names: the entries have the names
    /// (queries compare them), and a hash keeps the index small. Keyed:
    /// names come from the network.
    names: HashMap<u64, SmallVec<[LspKey; 1]>, RandomState>,
    hasher: RandomState,
    /// Association group -> its members.
    groups: BTreeMap<Group, BTreeSet<LspKey>>,
    /// (association ID, LSP) -> in how many groups of that ID the LSP is
    /// (a filter by ID: one range, however many groups have the ID).
    by_id: BTreeMap<(u16, LspKey), u32>,
    /// Computing PCE -> the LSPs it computes.
    computing: HashMap<IpAddr, BTreeSet<LspKey>, RandomState>,
    /// By state: [`DELEGATED`] | [`INITIATED`] | [`WITHOUT_PATH`] -> the
    /// LSPs in that state (each LSP in exactly one).
    states: [BTreeSet<LspKey>; 8],
}

impl Indexed {
    fn new(me: Option<IpAddr>) -> Self {
        Self {
            version: Arc::default(),
            me,
            names: HashMap::default(),
            hasher: RandomState::new(),
            groups: BTreeMap::new(),
            by_id: BTreeMap::new(),
            computing: HashMap::default(),
            states: Default::default(),
        }
    }

    /// The version these indexes describe: the entries a query reads.
    pub fn version(&self) -> &Arc<LspSnapshot> {
        &self.version
    }

    /// The LSPs that may be named `name`, after `from`, in order (a hash
    /// match: compare the entry's name).
    pub fn named(&self, name: &[u8], from: Option<LspKey>) -> impl Iterator<Item = LspKey> + '_ {
        self.names
            .get(&self.hasher.hash_one(name))
            .into_iter()
            .flatten()
            .copied()
            .filter(move |k| from.is_none_or(|f| *k > f))
    }

    /// The members of every group with association ID `id`, after `from`,
    /// in order, each once.
    pub fn with_association_id(
        &self,
        id: u16,
        from: Option<LspKey>,
    ) -> impl Iterator<Item = LspKey> + '_ {
        let last = LspKey {
            pcc: crate::lspdb::PccId::Named(crate::lspdb::SpeakerName::from_raw(
                [u8::MAX; crate::lspdb::SpeakerName::INLINE + 1],
            )),
            plsp_id: u32::MAX,
        };
        let start = match from {
            Some(f) => Excluded((id, f)),
            None => std::ops::Bound::Included((
                id,
                LspKey {
                    pcc: crate::lspdb::PccId::Addr(IpAddr::from([0u8; 4])),
                    plsp_id: 0,
                },
            )),
        };
        self.by_id
            .range((start, std::ops::Bound::Included((id, last))))
            .map(|((_, k), _)| *k)
    }

    /// The LSPs `pce` computes, after `from`, in order.
    pub fn computed_by(
        &self,
        pce: IpAddr,
        from: Option<LspKey>,
    ) -> impl Iterator<Item = LspKey> + '_ {
        self.computing
            .get(&pce)
            .into_iter()
            .flat_map(move |s| after(s, from))
            .copied()
    }

    /// The LSPs in the states asked (each `None` is either), after `from`,
    /// in order.
    pub fn in_state(
        &self,
        delegated: Option<bool>,
        initiated: Option<bool>,
        without_path: Option<bool>,
        from: Option<LspKey>,
    ) -> impl Iterator<Item = LspKey> + '_ {
        let wanted = move |s: usize| {
            delegated.is_none_or(|d| d == (s & DELEGATED != 0))
                && initiated.is_none_or(|i| i == (s & INITIATED != 0))
                && without_path.is_none_or(|w| w == (s & WITHOUT_PATH != 0))
        };
        self.states
            .iter()
            .enumerate()
            .filter(move |(s, _)| wanted(*s))
            .map(move |(_, set)| after(set, from))
            .kmerge()
            .copied()
    }

    /// How many LSPs `pce` computes (O(1)).
    pub fn count_computed_by(&self, pce: IpAddr) -> usize {
        self.computing.get(&pce).map_or(0, BTreeSet::len)
    }

    /// The association groups after `from`, in order, with their members.
    pub fn groups(
        &self,
        from: Option<Group>,
    ) -> impl Iterator<Item = (&Group, &BTreeSet<LspKey>)> + '_ {
        match from {
            Some(g) => self.groups.range((Excluded(g), Unbounded)),
            None => self.groups.range(..),
        }
    }

    /// Number of association groups.
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// Bring the indexes to `latest`.
    fn refresh(&mut self, latest: &Arc<LspSnapshot>) {
        if Arc::ptr_eq(&self.version, latest) {
            return;
        }
        let before = Arc::clone(&self.version);
        for d in before.diff(latest) {
            match d {
                DiffItem::Add(k, e) => self.add(k, e),
                DiffItem::Remove(k, e) => self.remove(k, e),
                DiffItem::Update { old, new } => self.change(new.0, old.1, new.1),
            }
        }
        self.version = Arc::clone(latest);
    }

    fn add(&mut self, k: &LspKey, e: &LspEntry) {
        self.add_name(k, &e.name);
        self.in_state_set(k, state_of(e), true);
        if let Some(p) = computing_pce(e, self.me) {
            self.computing.entry(p).or_default().insert(*k);
        }
        for g in groups_of(e) {
            self.add_group(k, g);
        }
    }

    fn remove(&mut self, k: &LspKey, e: &LspEntry) {
        self.remove_name(k, &e.name);
        self.in_state_set(k, state_of(e), false);
        if let Some(p) = computing_pce(e, self.me) {
            self.remove_computing(k, p);
        }
        for g in groups_of(e) {
            self.remove_group(k, g);
        }
    }

    fn change(&mut self, k: &LspKey, old: &LspEntry, new: &LspEntry) {
        if old.name != new.name {
            self.remove_name(k, &old.name);
            self.add_name(k, &new.name);
        }
        let (s, t) = (state_of(old), state_of(new));
        if s != t {
            self.in_state_set(k, s, false);
            self.in_state_set(k, t, true);
        }
        let (p, q) = (computing_pce(old, self.me), computing_pce(new, self.me));
        if p != q {
            if let Some(p) = p {
                self.remove_computing(k, p);
            }
            if let Some(q) = q {
                self.computing.entry(q).or_default().insert(*k);
            }
        }
        // The groups are in the report: only a new report can change them.
        if old.wire != new.wire {
            let (a, b) = (groups_of(old), groups_of(new));
            if a != b {
                for g in a {
                    self.remove_group(k, g);
                }
                for g in b {
                    self.add_group(k, g);
                }
            }
        }
    }

    fn in_state_set(&mut self, k: &LspKey, state: usize, member: bool) {
        if let Some(set) = self.states.get_mut(state) {
            if member {
                set.insert(*k);
            } else {
                set.remove(k);
            }
        }
    }

    fn add_name(&mut self, k: &LspKey, name: &[u8]) {
        let keys = self.names.entry(self.hasher.hash_one(name)).or_default();
        if let Err(at) = keys.binary_search(k) {
            keys.insert(at, *k);
        }
    }

    fn remove_name(&mut self, k: &LspKey, name: &[u8]) {
        let h = self.hasher.hash_one(name);
        if let Some(keys) = self.names.get_mut(&h) {
            if let Ok(at) = keys.binary_search(k) {
                keys.remove(at);
            }
            if keys.is_empty() {
                self.names.remove(&h);
            }
        }
    }

    fn remove_computing(&mut self, k: &LspKey, p: IpAddr) {
        if let Some(set) = self.computing.get_mut(&p) {
            set.remove(k);
            if set.is_empty() {
                self.computing.remove(&p);
            }
        }
    }

    fn add_group(&mut self, k: &LspKey, g: Group) {
        if self.groups.entry(g).or_default().insert(*k) {
            *self.by_id.entry((g.1, *k)).or_default() += 1;
        }
    }

    fn remove_group(&mut self, k: &LspKey, g: Group) {
        let Some(members) = self.groups.get_mut(&g) else {
            return;
        };
        if !members.remove(k) {
            return;
        }
        if members.is_empty() {
            self.groups.remove(&g);
        }
        if let std::collections::btree_map::Entry::Occupied(mut n) = self.by_id.entry((g.1, *k)) {
            *n.get_mut() -= 1;
            if *n.get() == 0 {
                n.remove();
            }
        }
    }
}

/// The indexes, shared by the API's handlers.
#[derive(Debug)]
pub struct Lookup {
    indexed: RwLock<Indexed>,
    /// A query has used them: the background refresh keeps them current.
    used: AtomicBool,
}

impl Lookup {
    /// Empty indexes; `me` is this PCE's identity.
    pub fn new(me: Option<IpAddr>) -> Self {
        Self {
            indexed: RwLock::new(Indexed::new(me)),
            used: AtomicBool::new(false),
        }
    }

    /// The indexes, at least as new as `source`'s newest version (brought
    /// up to date first if they are older).
    pub fn read(&self, source: &ArcSwap<LspSnapshot>) -> RwLockReadGuard<'_, Indexed> {
        self.used.store(true, Ordering::Relaxed);
        {
            let r = self.indexed.read().unwrap_or_else(PoisonError::into_inner);
            if Arc::ptr_eq(&r.version, &source.load()) {
                return r;
            }
        }
        self.refresh_now(source);
        // Another query may have brought them further since: any version
        // at least as new as the one looked at above will do.
        self.indexed.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Bring the indexes to `source`'s newest version, if a query has
    /// used them (the background refresh): whether they changed.
    pub fn refresh(&self, source: &ArcSwap<LspSnapshot>) -> bool {
        if !self.used.load(Ordering::Relaxed) {
            return false;
        }
        if Arc::ptr_eq(
            &self
                .indexed
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .version,
            &source.load(),
        ) {
            return false;
        }
        self.refresh_now(source);
        true
    }

    fn refresh_now(&self, source: &ArcSwap<LspSnapshot>) {
        let mut w = self.indexed.write().unwrap_or_else(PoisonError::into_inner);
        // The newest when the lock is ours (never back to an older one).
        let latest = source.load_full();
        w.refresh(&latest);
    }
}
