//! A map whose copy is O(1): what makes a copy of the core cheap (a dry
//! run, `GET /snapshot`, and each scenario of a plan copy it).
//!
//! A hash trie (`imbl`) of `Arc`ed values: a copy shares every node, and a
//! change copies the path to its entry and that entry only. Unshared (the
//! live core between copies) a change is in place, as in a `HashMap`.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, OnceLock};

use crate::lspdb::LspKey;
use crate::topology::LinkId;

/// A persistent hash map of `Arc`ed values (see the module).
#[derive(Debug)]
pub(crate) struct SharedMap<K, V>(
    imbl::GenericHashMap<K, Arc<V>, ahash::RandomState, imbl::shared_ptr::DefaultSharedPtr>,
);

impl<K, V> Clone for SharedMap<K, V>
where
    K: Hash + Eq + Clone,
{
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<K, V> Default for SharedMap<K, V>
where
    K: Hash + Eq + Clone,
{
    fn default() -> Self {
        Self(imbl::GenericHashMap::default())
    }
}

impl<K, V> SharedMap<K, V>
where
    K: Hash + Eq + Clone,
    V: Clone,
{
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.get(key).map(|v| &**v)
    }

    /// The value to change: copied first when a copy of the map shares it.
    pub(crate) fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.get_mut(key).map(Arc::make_mut)
    }

    /// The value of `key`, `make()` inserted first when there is none.
    pub(crate) fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        Arc::make_mut(self.0.entry(key).or_insert_with(|| Arc::new(make())))
    }

    pub(crate) fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.contains_key(key)
    }

    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.0
            .insert(key, Arc::new(value))
            .map(Arc::unwrap_or_clone)
    }

    pub(crate) fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.remove(key).map(Arc::unwrap_or_clone)
    }

    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) {
        self.0.retain(|k, v| keep(k, v));
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, &**v))
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &K> {
        self.0.keys()
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.0.values().map(|v| &**v)
    }
}

impl<'a, K, V> IntoIterator for &'a SharedMap<K, V>
where
    K: Hash + Eq + Clone,
    V: Clone,
{
    type Item = (&'a K, &'a V);
    type IntoIter = Box<dyn Iterator<Item = (&'a K, &'a V)> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// A path placed, with the bandwidth it holds.
type PlacedPath = (Vec<LinkId>, f64);

/// The paths this PCE computed, with the bandwidth each holds, by LSP;
/// which LSPs each link carries is built from them when first asked, kept
/// until they change, and shared by copies (a plan's scenarios ask it of
/// the same paths, each once).
#[derive(Clone, Debug, Default)]
pub(crate) struct Placed {
    paths: SharedMap<LspKey, (Vec<LinkId>, f64)>,
    /// A short-lived copy's changes, over `paths` left as they are
    /// ([`Placed::layered`]): a plan's scenario changes a few of many
    /// LSPs, and each change in the shared map would copy the nodes on
    /// the way to its entry (a quarter of a scenario's bookkeeping).
    overlay: Option<HashMap<LspKey, Option<PlacedPath>>>,
    on_link: OnceLock<Arc<Vec<Vec<LspKey>>>>,
}

impl Placed {
    /// From now on, keep changes apart from the shared paths.
    pub(crate) fn layered(&mut self) {
        self.overlay.get_or_insert_with(HashMap::new);
    }

    pub(crate) fn get(&self, key: &LspKey) -> Option<&(Vec<LinkId>, f64)> {
        match self.overlay.as_ref().and_then(|o| o.get(key)) {
            Some(changed) => changed.as_ref(),
            None => self.paths.get(key),
        }
    }

    pub(crate) fn insert(&mut self, key: LspKey, path: (Vec<LinkId>, f64)) {
        self.on_link = OnceLock::new();
        match &mut self.overlay {
            Some(o) => {
                o.insert(key, Some(path));
            }
            None => {
                self.paths.insert(key, path);
            }
        }
    }

    pub(crate) fn remove(&mut self, key: &LspKey) -> Option<(Vec<LinkId>, f64)> {
        let gone = match &mut self.overlay {
            Some(o) => match o.insert(*key, None) {
                Some(changed) => changed,
                None => self.paths.get(key).cloned(),
            },
            None => self.paths.remove(key),
        };
        if gone.is_some() {
            self.on_link = OnceLock::new();
        }
        gone
    }

    pub(crate) fn clear(&mut self) {
        self.on_link = OnceLock::new();
        self.paths.clear();
        if let Some(o) = &mut self.overlay {
            o.clear();
        }
    }

    /// Every path, by LSP.
    fn iter(&self) -> impl Iterator<Item = (&LspKey, &(Vec<LinkId>, f64))> {
        let overlay = self.overlay.as_ref();
        self.paths
            .iter()
            .filter(move |(k, _)| overlay.is_none_or(|o| !o.contains_key(*k)))
            .chain(
                overlay
                    .into_iter()
                    .flatten()
                    .filter_map(|(k, v)| Some((k, v.as_ref()?))),
            )
    }

    /// The LSPs whose paths use any of `links` (of `link_count`), sorted.
    pub(crate) fn on(&self, links: &[LinkId], link_count: usize) -> Vec<LspKey> {
        let index = self.on_link.get_or_init(|| {
            let mut index = vec![Vec::new(); link_count];
            for (key, (path, _)) in self.iter() {
                for l in path {
                    if let Some(on) = index.get_mut(l.index()) {
                        on.push(*key);
                    }
                }
            }
            Arc::new(index)
        });
        let mut keys: Vec<LspKey> = links
            .iter()
            .filter_map(|l| index.get(l.index()))
            .flatten()
            .copied()
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}
