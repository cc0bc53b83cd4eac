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

    /// The recency key that splits the documents into two halves (the lower half is below
    /// it), when there are at least `from` documents (and two).
    pub(super) fn middle_key(&self, from: usize) -> Option<i64> {
        let count = self.recency.len();
        (count >= from.max(2))
            .then(|| self.recency.get(count / 2).copied())
            .flatten()
    }

    /// A lookup for recency keys that mostly come in ascending order (as FTS5 returns row ids).
    pub(super) fn walk(&self) -> Walk<'_> {
        Walk { table: self, at: 0 }
    }
}

/// Looks documents up in a [`MatchFacets`] from where the last lookup ended: a key after the
/// last one is found by galloping forward (a few comparisons when matches are dense, where one
/// binary search each would be most of a facet count's time); one before it, by binary search.
pub(super) struct Walk<'t> {
    table: &'t MatchFacets,
    at: usize,
}

impl<'t> Walk<'t> {
    /// The facet value ids of the document at `recency`, if there is one.
    #[inline]
    pub(super) fn of(&mut self, recency: i64) -> Option<&'t [u32; FACETS]> {
        let keys = &self.table.recency;
        let found = match keys.get(self.at) {
            Some(&key) if key <= recency => {
                // Gallop: the key lies in keys[low..=high].
                let (mut low, mut step) = (self.at, 1);
                let mut high = low;
                while high < keys.len() && keys[high] < recency {
                    low = high;
                    high = high.saturating_add(step).min(keys.len());
                    step *= 2;
                }
                let end = (high + 1).min(keys.len());
                keys[low..end].binary_search(&recency).map(|i| low + i)
            }
            _ => keys.binary_search(&recency),
        };
        match found {
            Ok(at) => {
                self.at = at;
                self.table.ids.get(at)
            }
            Err(at) => {
                self.at = at;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_finds_keys_in_any_order() {
        let recency: Vec<i64> = (0..1000).map(|i| i * 3).collect();
        let table = MatchFacets {
            ids: recency.iter().map(|&r| [r as u32, 0, 0]).collect(),
            recency,
            values: Default::default(),
        };
        let mut walk = table.walk();
        // Ascending, dense and sparse, present and absent, then backwards and past the end.
        for key in [0, 3, 4, 6, 9, 300, 301, 2997, 2998, 5000, 30, 2, 2997, 0] {
            let want = (key % 3 == 0 && key < 3000).then_some([key as u32, 0, 0]);
            assert_eq!(walk.of(key).copied(), want, "{key}");
        }
        let empty = MatchFacets {
            ids: Vec::new(),
            recency: Vec::new(),
            values: Default::default(),
        };
        assert_eq!(empty.walk().of(5), None);
    }

    #[test]
    fn the_middle_key_splits_the_documents_in_two() {
        let table = MatchFacets {
            ids: vec![[0; FACETS]; 5],
            recency: vec![10, 20, 30, 40, 50],
            values: Default::default(),
        };
        assert_eq!(table.middle_key(5), Some(30));
        assert_eq!(table.middle_key(6), None);
        assert_eq!(table.middle_key(0), Some(30));
        let one = MatchFacets {
            ids: vec![[0; FACETS]],
            recency: vec![10],
            values: Default::default(),
        };
        assert_eq!(one.middle_key(0), None);
    }
}
