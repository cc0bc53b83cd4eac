//! What the store keeps in memory per connection and reads again after each commit (the
//! catalogue's facet cube, every document's search facets): the cache keyed by the cache file's
//! state, and facet values numbered so counts add integers instead of comparing text.
//!
//! Owns: the cache key (`PRAGMA data_version` for other connections' commits, the connection's
//! total changes for its own), the slot, and the numbering. Must never: serve a value read
//! before the cache's last commit, or read anything itself (the caller's `load` does).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use rusqlite::Connection;
use rusqlite::types::ValueRef;

/// The id of a NULL value (not counted in any facet).
pub(super) const NULL: u32 = u32::MAX;
/// The id of a filter value nothing has (nothing passes it).
pub(super) const ABSENT: u32 = u32::MAX - 1;

/// What a value was read at: `PRAGMA data_version` and the connection's total changes.
type CacheKey = (i64, u64);

/// One connection's value of `T`, as of the cache's last commit.
pub(super) struct PerCommit<T> {
    slot: RefCell<Option<(CacheKey, Arc<T>)>>,
}

impl<T> Default for PerCommit<T> {
    fn default() -> Self {
        PerCommit {
            slot: RefCell::new(None),
        }
    }
}

impl<T> PerCommit<T> {
    /// The value as of the cache's last commit: the cached one, or `load`'s when the cache
    /// changed since (another connection's commit, or this one's own).
    pub(super) fn get(
        &self,
        conn: &Connection,
        load: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<Arc<T>> {
        let data_version: i64 = conn.query_row("PRAGMA data_version", [], |row| row.get(0))?;
        let key = (data_version, conn.total_changes());
        if let Some((cached, value)) = self.slot.borrow().as_ref()
            && *cached == key
        {
            return Ok(Arc::clone(value));
        }
        let value = Arc::new(load(conn)?);
        *self.slot.borrow_mut() = Some((key, Arc::clone(&value)));
        Ok(value)
    }
}

/// One facet's text values, numbered in the order they were first seen.
#[derive(Default)]
pub(super) struct Numbering {
    values: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Numbering {
    /// The id of `text`, numbering it if it is new (allocates only then).
    pub(super) fn number(&mut self, text: &str) -> u32 {
        if let Some(id) = self.ids.get(text) {
            return *id;
        }
        let id = u32::try_from(self.values.len()).unwrap_or(ABSENT);
        self.values.push(text.to_owned());
        self.ids.insert(text.to_owned(), id);
        id
    }

    /// The id of `text` ([`ABSENT`] when it was never numbered).
    pub(super) fn id(&self, text: &str) -> u32 {
        self.ids.get(text).copied().unwrap_or(ABSENT)
    }

    /// How many values there are (ids are below it).
    pub(super) fn len(&self) -> usize {
        self.values.len()
    }

    /// The value numbered `id` (empty for an id never given).
    pub(super) fn value(&self, id: usize) -> &str {
        self.values.get(id).map_or("", String::as_str)
    }

    /// The id of a column's value: text as it is, an integer (a year) as decimal text, NULL
    /// (or anything else) as [`NULL`]. `scratch` holds the decimal text.
    pub(super) fn number_column(&mut self, value: ValueRef<'_>, scratch: &mut String) -> u32 {
        match value {
            ValueRef::Text(bytes) => self.number(std::str::from_utf8(bytes).unwrap_or_default()),
            ValueRef::Integer(n) => {
                scratch.clear();
                let _ = write!(scratch, "{n}");
                self.number(scratch)
            }
            _ => NULL,
        }
    }
}
