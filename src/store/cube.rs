//! The catalogue's facet cube (`catalogue_cube`, kept by triggers) read into memory with each
//! facet's values numbered, so the facet counts add integers over a few tens of thousands of
//! combinations instead of reading every entry. Read again whenever the cache changed: another
//! connection's commit (`PRAGMA data_version`) or this one's (`total_changes`).
//!
//! Owns: loading and caching the cube for one connection, and counting facets over it. Must
//! never: write, or serve a cube older than the cache's last commit.

use std::sync::Arc;

use rusqlite::Connection;

use super::per_commit::{NULL, Numbering, PerCommit};

/// The five facets, in `catalogue_cube`'s column order: category, topic, year, publisher,
/// disclosure mode.
pub(super) const FACETS: usize = 5;

/// One connection's cube, as of the cache's last commit.
#[derive(Default)]
pub(super) struct CubeCache(PerCommit<Cube>);

/// The cube in memory.
pub(super) struct Cube {
    /// Per facet, its values numbered (years as decimal text).
    values: [Numbering; FACETS],
    /// Each combination: its value ids and how many entries have it (24 bytes a row: a large
    /// cache has tens of thousands of combinations).
    rows: Vec<([u32; FACETS], u32)>,
}

impl CubeCache {
    /// The cube as of the cache's last commit, read again only when that changed.
    pub(super) fn get(&self, conn: &Connection) -> rusqlite::Result<Arc<Cube>> {
        self.0.get(conn, Cube::load)
    }
}

impl Cube {
    fn load(conn: &Connection) -> rusqlite::Result<Cube> {
        let mut cube = Cube {
            values: Default::default(),
            rows: Vec::new(),
        };
        let mut stmt = conn.prepare_cached(
            "SELECT category, topic, year, publisher, disclosure_mode, n FROM catalogue_cube",
        )?;
        let mut rows = stmt.query([])?;
        let mut scratch = String::new();
        while let Some(row) = rows.next()? {
            let mut ids = [NULL; FACETS];
            for (facet, id) in ids.iter_mut().enumerate() {
                *id = cube.values[facet].number_column(row.get_ref(facet)?, &mut scratch);
            }
            // A combination's entries (more than four billion would saturate).
            let n = u32::try_from(row.get::<_, i64>(FACETS)?.max(0)).unwrap_or(u32::MAX);
            cube.rows.push((ids, n));
        }
        cube.rows.shrink_to_fit();
        Ok(cube)
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
                .map(|value| self.values[facet].id(value))
        });
        let mut tallies: [Vec<u64>; FACETS] =
            std::array::from_fn(|facet| vec![0; self.values[facet].len()]);
        let mut total = 0;
        for &(ids, n) in &self.rows {
            let n = u64::from(n);
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
                .map(|(id, n)| (self.values[facet].value(id).to_owned(), *n))
                .collect()
        });
        (total, counts)
    }
}
