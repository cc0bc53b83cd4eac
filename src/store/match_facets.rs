//! Every document's search facets (category, year, publisher) in memory, by recency key (the
//! search index's rowid), with each facet's values numbered: counting a search's matches per
//! facet then reads only the row ids of the search index and adds integers, instead of joining
//! each match to its document row and copying its values. Read again whenever the cache changed
//! ([`super::per_commit`]).
//!
//! Owns: loading the table for one connection. Must never: write, or serve a table older than
//! the cache's last commit.

use std::ops::Range;
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

/// Facet value ids per document, sorted by recency key, stored compactly (12 bytes a document
/// at most, 6 when every facet has fewer than 65,535 values; it was 20, and at 200,000
/// documents this table is a good part of the kiosk's heap).
pub(super) struct MatchFacets {
    keys: Keys,
    ids: Ids,
    /// Per facet, its values numbered (years as decimal text).
    pub(super) values: [Numbering; FACETS],
}

impl MatchFacets {
    fn load(conn: &Connection) -> rusqlite::Result<MatchFacets> {
        let mut table = MatchFacets {
            keys: Keys::default(),
            ids: Ids::Narrow(Vec::new()),
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
            table.push(row.get(0)?, ids);
        }
        table.keys.shrink_to_fit();
        table.ids.shrink_to_fit();
        Ok(table)
    }

    /// Appends a document: its recency key (not below the last one) and facet value ids.
    fn push(&mut self, key: i64, ids: [u32; FACETS]) {
        self.keys.push(key);
        self.ids.push(ids);
    }

    #[cfg(test)]
    fn of_rows(rows: impl IntoIterator<Item = (i64, [u32; FACETS])>) -> MatchFacets {
        let mut table = MatchFacets {
            keys: Keys::default(),
            ids: Ids::Narrow(Vec::new()),
            values: Default::default(),
        };
        for (key, ids) in rows {
            table.push(key, ids);
        }
        table
    }

    /// The recency key that splits the documents into two halves (the lower half is below
    /// it), when there are at least `from` documents (and two).
    pub(super) fn middle_key(&self, from: usize) -> Option<i64> {
        let count = self.keys.low.len();
        (count >= from.max(2))
            .then(|| self.keys.key(count / 2))
            .flatten()
    }

    /// A lookup for recency keys that mostly come in ascending order (as FTS5 returns row ids).
    pub(super) fn walk(&self) -> Walk<'_> {
        Walk {
            table: self,
            at: 0,
            segment: None,
        }
    }
}

/// Sorted recency keys in 4 bytes each: the low 32 bits of every key, and where each run of
/// keys with the same high bits starts. A key is a day << 20 | a serial, so the keys of about
/// 11 years share their high bits: a cache has one or a few runs.
#[derive(Default)]
struct Keys {
    low: Vec<u32>,
    /// (high bits, index of the run's first key), in key order.
    runs: Vec<(i64, usize)>,
}

impl Keys {
    /// Appends a key, which must not be below the last one.
    fn push(&mut self, key: i64) {
        let high = key >> 32;
        if self.runs.last().is_none_or(|&(last, _)| last != high) {
            self.runs.push((high, self.low.len()));
        }
        self.low.push(key as u32);
    }

    fn shrink_to_fit(&mut self) {
        self.low.shrink_to_fit();
        self.runs.shrink_to_fit();
    }

    /// The indexes of the run of keys whose high bits are `high`, if there is one.
    fn run(&self, high: i64) -> Option<Range<usize>> {
        let at = self.runs.binary_search_by_key(&high, |&(h, _)| h).ok()?;
        let end = self
            .runs
            .get(at + 1)
            .map_or(self.low.len(), |&(_, start)| start);
        Some(self.runs[at].1..end)
    }

    /// The key at `index`.
    fn key(&self, index: usize) -> Option<i64> {
        let low = *self.low.get(index)?;
        let run = self.runs.partition_point(|&(_, start)| start <= index);
        let (high, _) = self.runs.get(run.checked_sub(1)?)?;
        Some(high << 32 | i64::from(low))
    }
}

/// Facet value ids, narrow while every id fits (`u16::MAX` standing for [`NULL`]).
enum Ids {
    Narrow(Vec<[u16; FACETS]>),
    Wide(Vec<[u32; FACETS]>),
}

impl Ids {
    fn push(&mut self, ids: [u32; FACETS]) {
        if let Ids::Narrow(narrow) = self {
            if let Some(fits) = Self::narrowed(ids) {
                narrow.push(fits);
                return;
            }
            let wide = narrow.iter().map(|&n| Self::widened(n)).collect();
            *self = Ids::Wide(wide);
        }
        if let Ids::Wide(wide) = self {
            wide.push(ids);
        }
    }

    fn narrowed(ids: [u32; FACETS]) -> Option<[u16; FACETS]> {
        let mut narrow = [u16::MAX; FACETS];
        for (n, id) in narrow.iter_mut().zip(ids) {
            if id != NULL {
                *n = u16::try_from(id).ok().filter(|&n| n != u16::MAX)?;
            }
        }
        Some(narrow)
    }

    fn widened(ids: [u16; FACETS]) -> [u32; FACETS] {
        ids.map(|id| if id == u16::MAX { NULL } else { u32::from(id) })
    }

    fn get(&self, index: usize) -> Option<[u32; FACETS]> {
        match self {
            Ids::Narrow(narrow) => narrow.get(index).map(|&ids| Self::widened(ids)),
            Ids::Wide(wide) => wide.get(index).copied(),
        }
    }

    fn shrink_to_fit(&mut self) {
        match self {
            Ids::Narrow(narrow) => narrow.shrink_to_fit(),
            Ids::Wide(wide) => wide.shrink_to_fit(),
        }
    }
}

/// Keys a [`Walk`] compares one by one before it gallops.
const NEAR: usize = 4;

/// Looks documents up in a [`MatchFacets`] from where the last lookup ended: a key after the
/// last one is found among the next few or by galloping forward (a few comparisons when matches
/// are dense, where one binary search each would be most of a facet count's time); one before
/// it, by binary search.
pub(super) struct Walk<'t> {
    table: &'t MatchFacets,
    at: usize,
    /// The run of keys of the last lookup: (its high bits, its indexes).
    segment: Option<(i64, Range<usize>)>,
}

impl Walk<'_> {
    /// The facet value ids of the document at `recency`, if there is one.
    #[inline]
    pub(super) fn of(&mut self, recency: i64) -> Option<[u32; FACETS]> {
        let high = recency >> 32;
        let run = match &self.segment {
            Some((h, run)) if *h == high => run.clone(),
            _ => {
                let run = self.table.keys.run(high)?;
                self.at = run.start;
                self.segment = Some((high, run.clone()));
                run
            }
        };
        let keys = &self.table.keys.low[run.clone()];
        let low = recency as u32;
        let at = self.at - run.start;
        let found = match keys.get(at) {
            Some(&key) if key <= low => seek(keys, at, low),
            _ => keys.binary_search(&low),
        };
        match found {
            Ok(at) => {
                self.at = run.start + at;
                self.table.ids.get(self.at)
            }
            Err(at) => {
                self.at = run.start + at;
                None
            }
        }
    }
}

/// Where `low` is in `keys` (or would be inserted), knowing it is not below `keys[at]`: among
/// the next [`NEAR`] keys, or by galloping on from them.
fn seek(keys: &[u32], at: usize, low: u32) -> Result<usize, usize> {
    let near = &keys[at..keys.len().min(at + NEAR)];
    if let Some(i) = near.iter().position(|&key| key >= low) {
        return if near[i] == low {
            Ok(at + i)
        } else {
            Err(at + i)
        };
    }
    // Gallop: the key lies in keys[from..=to].
    let (mut from, mut step) = (at + near.len(), 1);
    let mut to = from;
    while to < keys.len() && keys[to] < low {
        from = to;
        to = to.saturating_add(step).min(keys.len());
        step *= 2;
    }
    let end = (to + 1).min(keys.len());
    keys[from..end]
        .binary_search(&low)
        .map(|i| from + i)
        .map_err(|i| from + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_finds_keys_in_any_order() {
        let recency: Vec<i64> = (0..1000).map(|i| i * 3).collect();
        let table = MatchFacets::of_rows(recency.iter().map(|&r| (r, [r as u32, 0, 0])));
        let mut walk = table.walk();
        // Ascending, dense and sparse, present and absent, then backwards and past the end.
        for key in [0, 3, 4, 6, 9, 300, 301, 2997, 2998, 5000, 30, 2, 2997, 0] {
            let want = (key % 3 == 0 && key < 3000).then_some([key as u32, 0, 0]);
            assert_eq!(walk.of(key), want, "{key}");
        }
        let empty = MatchFacets::of_rows([]);
        assert_eq!(empty.walk().of(5), None);
    }

    #[test]
    fn seeking_forward_agrees_with_a_binary_search() {
        let keys: Vec<u32> = (0..40).map(|i| i * 2).collect();
        for at in 0..keys.len() {
            for low in keys[at]..=keys[keys.len() - 1] + 2 {
                assert_eq!(
                    seek(&keys, at, low),
                    keys.binary_search(&low),
                    "from {at} to {low}"
                );
            }
        }
    }

    #[test]
    fn keys_across_runs_of_high_bits_are_found_as_they_were_stored() {
        // Negative keys, undated ones (day 0), and days decades apart: several runs.
        let day = |d: i64| (d + 100_000) << 20;
        let mut keys = vec![
            -5,
            -1,
            0,
            1,
            2,
            day(0),
            day(1) + 7,
            day(20_000),
            day(20_000) + 1,
        ];
        keys.extend((0..50).map(|i| day(20_400) + i));
        keys.push(i64::MAX);
        let table = MatchFacets::of_rows(keys.iter().enumerate().map(|(i, &k)| (k, [i as u32; 3])));
        assert!(table.keys.runs.len() > 3, "{:?}", table.keys.runs);
        for (i, &key) in keys.iter().enumerate() {
            assert_eq!(table.keys.key(i), Some(key));
        }
        let mut walk = table.walk();
        // Ascending, then out of order, each present one with its ids, and keys in between.
        let order = (0..keys.len())
            .chain((0..keys.len()).rev())
            .chain([3, 40, 0, 12]);
        for i in order {
            assert_eq!(walk.of(keys[i]), Some([i as u32; 3]), "{}", keys[i]);
            assert_eq!(
                walk.of(keys[i] - 1).is_some(),
                i > 0 && keys[i - 1] == keys[i] - 1
            );
        }
        assert_eq!(walk.of(day(5)), None);
        assert_eq!(walk.of(i64::MIN), None);
    }

    #[test]
    fn ids_stay_narrow_until_one_does_not_fit() {
        let table = MatchFacets::of_rows([(1, [0, NULL, 65_534]), (2, [NULL, NULL, NULL])]);
        assert!(matches!(table.ids, Ids::Narrow(_)));
        assert_eq!(table.walk().of(1), Some([0, NULL, 65_534]));
        assert_eq!(table.walk().of(2), Some([NULL; 3]));
        // u16::MAX stands for NULL, so the id 65,535 needs the wide form, as larger ones do.
        let table = MatchFacets::of_rows([
            (1, [0, NULL, 7]),
            (2, [65_535, 1, 2]),
            (3, [70_000, NULL, 3]),
        ]);
        assert!(matches!(table.ids, Ids::Wide(_)));
        let mut walk = table.walk();
        assert_eq!(walk.of(1), Some([0, NULL, 7]));
        assert_eq!(walk.of(2), Some([65_535, 1, 2]));
        assert_eq!(walk.of(3), Some([70_000, NULL, 3]));
    }

    #[test]
    fn the_middle_key_splits_the_documents_in_two() {
        let table = MatchFacets::of_rows([10, 20, 30, 40, 50].map(|k| (k, [0; FACETS])));
        assert_eq!(table.middle_key(5), Some(30));
        assert_eq!(table.middle_key(6), None);
        assert_eq!(table.middle_key(0), Some(30));
        let one = MatchFacets::of_rows([(10, [0; FACETS])]);
        assert_eq!(one.middle_key(0), None);
        let runs = MatchFacets::of_rows([1, 2, 3 << 32, 5 << 32].map(|k| (k, [0; FACETS])));
        assert_eq!(runs.middle_key(0), Some(3 << 32));
    }
}
