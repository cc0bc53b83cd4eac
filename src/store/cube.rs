//! The catalogue's facet cube (`catalogue_cube`, kept by triggers) read into memory with each
//! facet's values numbered, so the facet counts add integers over a few tens of thousands of
//! combinations instead of reading every entry. Read again whenever the cache changed: another
//! connection's commit (`PRAGMA data_version`) or this one's (`total_changes`).
//!
//! Owns: loading and caching the cube for one connection, and counting facets over it. Must
//! never: write, or serve a cube older than the cache's last commit.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use rusqlite::Connection;
use rusqlite::types::ValueRef;

/// The id of a NULL value (not counted in any facet).
const NULL: u32 = u32::MAX;
/// The id of a filter value no entry has (no combination passes it).
const ABSENT: u32 = u32::MAX - 1;

/// The five facets, in `catalogue_cube`'s column order: category, topic, year, publisher,
/// disclosure mode.
pub(super) const FACETS: usize = 5;

/// One connection's cube, cached.
#[derive(Default)]
pub(super) struct CubeCache {
    slot: RefCell<Option<(CacheKey, Arc<Cube>)>>,
}

/// What the cache was read at: `PRAGMA data_version` and the connection's total changes.
pub(super) type CacheKey = (i64, u64);

/// The cache's state as `conn` sees it now: another connection's commit changes
/// `PRAGMA data_version`, this connection's own changes its total changes.
pub(super) fn cache_key(conn: &Connection) -> rusqlite::Result<CacheKey> {
    let data_version: i64 = conn.query_row("PRAGMA data_version", [], |row| row.get(0))?;
    Ok((data_version, conn.total_changes()))
}

/// The cube in memory.
pub(super) struct Cube {
    /// Per facet, its values by id (years as decimal text).
    values: [Vec<String>; FACETS],
    /// Per facet, value → id.
    ids: [HashMap<String, u32>; FACETS],
    /// Each combination: its value ids and how many entries have it.
    rows: Vec<([u32; FACETS], u64)>,
}

impl CubeCache {
    /// The cube as of the cache's last commit, read again only when that changed.
    pub(super) fn get(&self, conn: &Connection) -> rusqlite::Result<Arc<Cube>> {
        let key = cache_key(conn)?;
        if let Some((cached, cube)) = self.slot.borrow().as_ref()
            && *cached == key
        {
            return Ok(Arc::clone(cube));
        }
        let cube = Arc::new(Cube::load(conn)?);
        *self.slot.borrow_mut() = Some((key, Arc::clone(&cube)));
        Ok(cube)
    }
}

impl Cube {
    fn load(conn: &Connection) -> rusqlite::Result<Cube> {
        let mut cube = Cube {
            values: Default::default(),
            ids: Default::default(),
            rows: Vec::new(),
        };
        let mut stmt = conn.prepare_cached(
            "SELECT category, topic, year, publisher, disclosure_mode, n FROM catalogue_cube",
        )?;
        let mut rows = stmt.query([])?;
        let mut number = String::new();
        while let Some(row) = rows.next()? {
            let mut ids = [NULL; FACETS];
            for (facet, id) in ids.iter_mut().enumerate() {
                let text = match row.get_ref(facet)? {
                    ValueRef::Text(bytes) => std::str::from_utf8(bytes).unwrap_or_default(),
                    ValueRef::Integer(n) => {
                        number.clear();
                        let _ = write!(number, "{n}");
                        number.as_str()
                    }
                    _ => continue,
                };
                *id = cube.id_or_insert(facet, text);
            }
            let n = u64::try_from(row.get::<_, i64>(FACETS)?).unwrap_or(0);
            cube.rows.push((ids, n));
        }
        Ok(cube)
    }

    /// The id of `text` in `facet`, numbering it if it is new (allocates only then).
    fn id_or_insert(&mut self, facet: usize, text: &str) -> u32 {
        if let Some(id) = self.ids[facet].get(text) {
            return *id;
        }
        let id = u32::try_from(self.values[facet].len()).unwrap_or(ABSENT);
        self.values[facet].push(text.to_owned());
        self.ids[facet].insert(text.to_owned(), id);
        id
    }

    /// Counts under `wanted` (a value per facet, or none): the total of entries passing every
    /// filter, and per facet, each value's entries among those passing every filter but that
    /// facet's own (so a chosen facet still lists its alternatives). Values with no entries
    /// are left out.
    pub(super) fn count(
        &self,
        wanted: &[Option<String>; FACETS],
    ) -> (u64, [Vec<(String, u64)>; FACETS]) {
        let wanted: [Option<u32>; FACETS] = std::array::from_fn(|facet| {
            wanted[facet]
                .as_ref()
                .map(|value| self.ids[facet].get(value).copied().unwrap_or(ABSENT))
        });
        let mut tallies: [Vec<u64>; FACETS] =
            std::array::from_fn(|facet| vec![0; self.values[facet].len()]);
        let mut total = 0;
        for (ids, n) in &self.rows {
            let mut failed_facet = None;
            let mut failed = 0;
            for facet in 0..FACETS {
                if wanted[facet].is_some_and(|want| want != ids[facet]) {
                    failed += 1;
                    failed_facet = Some(facet);
                }
            }
            match failed {
                0 => {
                    total += n;
                    for facet in 0..FACETS {
                        if let Some(slot) = tallies[facet].get_mut(ids[facet] as usize) {
                            *slot += n;
                        }
                    }
                }
                // Counted only for the one facet whose own filter it fails.
                1 => {
                    if let Some(facet) = failed_facet
                        && let Some(slot) = tallies[facet].get_mut(ids[facet] as usize)
                    {
                        *slot += n;
                    }
                }
                _ => {}
            }
        }
        let counts = std::array::from_fn(|facet| {
            tallies[facet]
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(id, n)| (self.values[facet][id].clone(), *n))
                .collect()
        });
        (total, counts)
    }
}
