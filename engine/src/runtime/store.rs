//! The operator's intent on disk (`[pce] state`): the LSPs this PCE
//! initiated and the constraints put on delegated ones
//! ([`Intent`](crate::pce::Intent)), in an embedded transactional
//! database, each change committed (written and synced) before the API
//! answers the request that made it.
//!
//! redb: a pure-Rust embedded key-value store with ACID transactions and
//! crash safety (copy-on-write B-trees, a commit is durable when
//! `commit` returns). SQLite (rusqlite) would do as well, but brings a C
//! library and SQL for what is a map from a name to a record; sled is
//! unmaintained. Records are JSON of the core's serde forms, whose
//! constraints are the PCInitiate that carries them (the PCEP encoding:
//! stable across versions of this program).

use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use crate::pce::{Initiated, Intent, IntentChange, Override};

/// Entries of the intent: key as [`key`] makes it, value the JSON of an
/// [`Initiated`] or an [`Override`].
const INTENT: TableDefinition<'static, &str, &[u8]> = TableDefinition::new("intent");
/// `format`: the layout of [`INTENT`].
const META: TableDefinition<'static, &str, u64> = TableDefinition::new("meta");
/// This program's layout.
const FORMAT: u64 = 1;

/// Why the state file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused (I/O, corruption, locked by another process).
    #[error("{path}: {source}")]
    Db {
        /// The file.
        path: PathBuf,
        /// What the database said.
        source: Box<redb::Error>,
    },
    /// Written by a version of this program with another layout.
    #[error("{path}: state format {found}, this PCE reads format {FORMAT} (a file from another version of pce: move it away to start without the stored intent)")]
    Format {
        /// The file.
        path: PathBuf,
        /// Its format.
        found: u64,
    },
    /// An entry that does not decode.
    #[error("{path}: entry {key:?} does not decode: {error}")]
    Entry {
        /// The file.
        path: PathBuf,
        /// The entry's key.
        key: String,
        /// Why.
        error: String,
    },
}

/// The state file, open (redb holds a lock on it: a second PCE on the same
/// file is refused).
#[derive(Debug)]
pub struct Store {
    db: Database,
    path: PathBuf,
}

fn db_error(path: &Path, e: impl Into<redb::Error>) -> StoreError {
    StoreError::Db {
        path: path.to_owned(),
        source: Box::new(e.into()),
    }
}

/// The key of an entry: its kind, head end and name (an address holds no
/// tab, so the name may).
fn key(change: &IntentChange) -> String {
    match change {
        IntentChange::Initiated { pcc, name, .. } => format!("initiated\t{pcc}\t{name}"),
        IntentChange::Override { pcc, name, .. } => format!("override\t{pcc}\t{name}"),
        IntentChange::Topology { .. } => "topology".to_owned(),
        IntentChange::Returned { pcc, name, .. } => format!("returned\t{pcc}\t{name}"),
    }
}

impl Store {
    /// Open the file, or create it.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(|e| db_error(path, e))?;
        let tx = db.begin_write().map_err(|e| db_error(path, e))?;
        {
            let mut meta = tx.open_table(META).map_err(|e| db_error(path, e))?;
            let found = meta
                .get("format")
                .map_err(|e| db_error(path, e))?
                .map(|v| v.value());
            match found {
                Some(FORMAT) => {}
                Some(found) => {
                    return Err(StoreError::Format {
                        path: path.to_owned(),
                        found,
                    })
                }
                None => {
                    meta.insert("format", FORMAT)
                        .map_err(|e| db_error(path, e))?;
                }
            }
            tx.open_table(INTENT).map_err(|e| db_error(path, e))?;
        }
        tx.commit().map_err(|e| db_error(path, e))?;
        Ok(Self {
            db,
            path: path.to_owned(),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn db_error(&self, e: impl Into<redb::Error>) -> StoreError {
        db_error(&self.path, e)
    }

    /// Everything stored.
    pub fn load(&self) -> Result<Intent, StoreError> {
        let tx = self.db.begin_read().map_err(|e| self.db_error(e))?;
        let table = tx.open_table(INTENT).map_err(|e| self.db_error(e))?;
        let mut intent = Intent::default();
        for entry in table.iter().map_err(|e| self.db_error(e))? {
            let (k, v) = entry.map_err(|e| self.db_error(e))?;
            let key = k.value().to_owned();
            let bad = |error: String| StoreError::Entry {
                path: self.path.clone(),
                key: key.clone(),
                error,
            };
            if key.starts_with("initiated\t") {
                intent.initiated.push(
                    serde_json::from_slice::<Initiated>(v.value())
                        .map_err(|e| bad(e.to_string()))?,
                );
            } else if key.starts_with("override\t") {
                intent.overrides.push(
                    serde_json::from_slice::<Override>(v.value())
                        .map_err(|e| bad(e.to_string()))?,
                );
            } else if key.starts_with("returned\t") {
                intent
                    .returned
                    .push(serde_json::from_slice(v.value()).map_err(|e| bad(e.to_string()))?);
            } else if key == "topology" {
                intent.topology =
                    serde_json::from_slice(v.value()).map_err(|e| bad(e.to_string()))?;
            } else {
                return Err(bad("unknown kind of entry".into()));
            }
        }
        Ok(intent)
    }

    /// Apply `changes` in one transaction, durable when this returns.
    pub fn apply(&self, changes: &[IntentChange]) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(|e| self.db_error(e))?;
        {
            let mut table = tx.open_table(INTENT).map_err(|e| self.db_error(e))?;
            for change in changes {
                let value = match change {
                    IntentChange::Initiated { now, .. } => now.as_ref().map(serde_json::to_vec),
                    IntentChange::Override { now, .. } => now.as_ref().map(serde_json::to_vec),
                    IntentChange::Topology { now } => {
                        (!now.is_empty()).then(|| serde_json::to_vec(now))
                    }
                    IntentChange::Returned { pcc, name, now } => now.then(|| {
                        serde_json::to_vec(&crate::pce::Returned {
                            pcc: *pcc,
                            name: name.clone(),
                        })
                    }),
                };
                let k = key(change);
                match value {
                    Some(Ok(v)) => {
                        table
                            .insert(k.as_str(), v.as_slice())
                            .map_err(|e| self.db_error(e))?;
                    }
                    Some(Err(e)) => {
                        return Err(StoreError::Entry {
                            path: self.path.clone(),
                            key: k,
                            error: e.to_string(),
                        })
                    }
                    None => {
                        table.remove(k.as_str()).map_err(|e| self.db_error(e))?;
                    }
                }
            }
        }
        tx.commit().map_err(|e| self.db_error(e))
    }
}
