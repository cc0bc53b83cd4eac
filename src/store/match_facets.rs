//! Every document's search facets (category, year, publisher) in memory, by recency key (the
//! search index's rowid), with each facet's values numbered: counting a search's matches per
//! facet then reads only the row ids of the search index and adds integers, instead of joining
//! each match to its document row and copying its values. Read again whenever the cache changed
//! ([`super::per_commit`]).
//!
//! Owns: loading the table for one connection. Must never: write, or serve a table older than
//! the cache's last commit.

use std::sync::Arc;

use rusqlite::Connection;

use super::per_commit::{NULL, Numbering, PerCommit};

/// The facets a search counts: category, year, publisher (the order of `SearchFacets`).
pub(super) const FACETS: usize = 3;

/// One connection's table, as of the cache's last commit.
#[derive(Default)]
pub(super) struct MatchFacetsCache(PerCommit<MatchFacets>);

impl MatchFacetsCache {
    /// The table as of the cache's last commit, read again only when that changed.
    pub(super) fn get(&self, conn: &Connection) -> rusqlite::Result<Arc<MatchFacets>> {
        self.0.get(conn, MatchFacets::load)
    }
}

/// Facet value ids per document, sorted by recency key.
pub(super) struct MatchFacets {
    recency: Vec<i64>,
    ids: Vec<[u32; FACETS]>,
    /// Per facet, its values numbered (years as decimal text).
    pub(super) values: [Numbering; FACETS],
}

impl MatchFacets {
    fn load(conn: &Connection) -> rusqlite::Result<MatchFacets> {
        let mut table = MatchFacets {
            recency: Vec::new(),
            ids: Vec::new(),
            values: Default::default(),
        };
        let mut stmt = conn.prepare_cached(
            "SELECT recency, category, year, publisher FROM document INDEXED BY document_match
             ORDER BY recency",
        )?;
        let mut rows = stmt.query([])?;
        let mut scratch = String::new();
        while let Some(row) = rows.next()? {
            let mut ids = [NULL; FACETS];
            for (facet, id) in ids.iter_mut().enumerate() {
                *id = table.values[facet].number_column(row.get_ref(facet + 1)?, &mut scratch);
            }
            table.recency.push(row.get(0)?);
            table.ids.push(ids);
        }
        table.recency.shrink_to_fit();
        table.ids.shrink_to_fit();
        Ok(table)
    }

    /// The facet value ids of the document at `recency`, if there is one.
    pub(super) fn of(&self, recency: i64) -> Option<&[u32; FACETS]> {
        let at = self.recency.binary_search(&recency).ok()?;
        self.ids.get(at)
    }
}
