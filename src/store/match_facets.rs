//! Every document's search facets (category, year, publisher) in memory, by recency key (the
//! search index's rowid), with each facet's values numbered: counting a search's matches per
//! facet then reads only the row ids of the search index and adds integers, instead of joining
//! each match to its document row and copying its values. Read again whenever the cache changed
//! (the same key as the catalogue's cube: `PRAGMA data_version` and the connection's changes).
//!
//! Owns: loading and caching the table for one connection. Must never: write, or serve a table
//! older than the cache's last commit.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use super::cube::{CacheKey, cache_key};

/// The facets a search counts: category, year, publisher (the order of `SearchFacets`).
pub(super) const FACETS: usize = 3;
/// The id of a NULL value (not counted).
pub(super) const NULL: u32 = u32::MAX;
/// The id of a filter value no document has.
pub(super) const ABSENT: u32 = u32::MAX - 1;

/// One connection's table, cached.
#[derive(Default)]
pub(super) struct MatchFacetsCache {
    slot: RefCell<Option<(CacheKey, Arc<MatchFacets>)>>,
}

impl MatchFacetsCache {
    /// The table as of the cache's last commit, read again only when that changed.
    pub(super) fn get(&self, conn: &Connection) -> rusqlite::Result<Arc<MatchFacets>> {
        let key = cache_key(conn)?;
        if let Some((cached, table)) = self.slot.borrow().as_ref()
            && *cached == key
        {
            return Ok(Arc::clone(table));
        }
        let table = Arc::new(MatchFacets::load(conn)?);
        *self.slot.borrow_mut() = Some((key, Arc::clone(&table)));
        Ok(table)
    }
}

/// Facet value ids per document, sorted by recency key.
pub(super) struct MatchFacets {
    recency: Vec<i64>,
    ids: Vec<[u32; FACETS]>,
    values: [Vec<String>; FACETS],
    numbers: [HashMap<String, u32>; FACETS],
}

impl MatchFacets {
    fn load(conn: &Connection) -> rusqlite::Result<MatchFacets> {
        let mut table = MatchFacets {
            recency: Vec::new(),
            ids: Vec::new(),
            values: Default::default(),
            numbers: Default::default(),
        };
        let mut stmt = conn.prepare_cached(
            "SELECT recency, category, year, publisher FROM document INDEXED BY document_match
             ORDER BY recency",
        )?;
        let mut rows = stmt.query([])?;
        let mut number = String::new();
        while let Some(row) = rows.next()? {
            let mut ids = [NULL; FACETS];
            for (facet, id) in ids.iter_mut().enumerate() {
                let text = match row.get_ref(facet + 1)? {
                    ValueRef::Text(bytes) => std::str::from_utf8(bytes).unwrap_or_default(),
                    ValueRef::Integer(n) => {
                        number.clear();
                        number.push_str(&n.to_string());
                        number.as_str()
                    }
                    _ => continue,
                };
                *id = table.number(facet, text);
            }
            table.recency.push(row.get(0)?);
            table.ids.push(ids);
        }
        table.recency.shrink_to_fit();
        table.ids.shrink_to_fit();
        Ok(table)
    }

    /// The id of `text` in `facet`, numbering it if it is new (allocates only then).
    fn number(&mut self, facet: usize, text: &str) -> u32 {
        if let Some(id) = self.numbers[facet].get(text) {
            return *id;
        }
        let id = u32::try_from(self.values[facet].len()).unwrap_or(ABSENT);
        self.values[facet].push(text.to_owned());
        self.numbers[facet].insert(text.to_owned(), id);
        id
    }

    /// The facet value ids of the document at `recency`, if there is one.
    pub(super) fn of(&self, recency: i64) -> Option<&[u32; FACETS]> {
        let at = self.recency.binary_search(&recency).ok()?;
        self.ids.get(at)
    }

    /// The id of `value` in `facet` ([`ABSENT`] when no document has it).
    pub(super) fn id(&self, facet: usize, value: &str) -> u32 {
        self.numbers[facet].get(value).copied().unwrap_or(ABSENT)
    }

    /// How many values `facet` has (ids are below it).
    pub(super) fn len(&self, facet: usize) -> usize {
        self.values[facet].len()
    }

    /// The value of `id` in `facet`.
    pub(super) fn value(&self, facet: usize, id: usize) -> &str {
        self.values[facet].get(id).map_or("", String::as_str)
    }
}
