//! The floor under the search benchmark's phrase chip counts: SQLite alone, beside the product
//! on purpose, counting what the kiosk counts in the way it reads it.
//!
//! Owns two read-only connections to the benchmark's cache. Must never write, or be used by the
//! product: it measures what the product's code adds, by leaving that code out.

use std::path::Path;
use std::time::{Duration, Instant};

use readpoint::store::HALVES_FROM;

use crate::Percentiles;

/// The floor under a phrase's chip count: SQLite alone counting the phrase's matches
/// (`count(*)`: no row ids out, no tally) as the kiosk reads them: from [`HALVES_FROM`]
/// documents on in two halves by row id at once, on two connections with the kiosk's page
/// cache. Printed next to the chip counts, in
/// the same run, so the share of the time that is FTS5's own and the machine's shows.
pub(super) struct BareCount {
    lower: rusqlite::Connection,
    /// Used on the other thread (a connection may move between threads; it is used by one at
    /// a time).
    upper: std::sync::Mutex<rusqlite::Connection>,
    /// The recency key of the middle document, where the upper half starts; none below
    /// [`HALVES_FROM`] documents, where the kiosk reads its matches at once.
    middle: Option<i64>,
}

impl BareCount {
    pub(super) fn open(db_path: &Path) -> Result<BareCount, String> {
        let open = || -> rusqlite::Result<rusqlite::Connection> {
            let conn = rusqlite::Connection::open_with_flags(
                db_path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )?;
            conn.execute_batch(&format!(
                "PRAGMA cache_size = -{}",
                readpoint::view_models::worker::READING_CACHE_KIB
            ))?;
            Ok(conn)
        };
        let fail = |e: rusqlite::Error| format!("the bare count on {}: {e}", db_path.display());
        let lower = open().map_err(fail)?;
        let documents: i64 = lower
            .query_row("SELECT count(*) FROM document", [], |row| row.get(0))
            .map_err(fail)?;
        let middle = match usize::try_from(documents).is_ok_and(|n| n >= HALVES_FROM) {
            true => Some(
                lower
                    .query_row(
                        "SELECT recency FROM document ORDER BY recency LIMIT 1 OFFSET ?1",
                        [documents / 2],
                        |row| row.get(0),
                    )
                    .map_err(fail)?,
            ),
            false => None,
        };
        Ok(BareCount {
            lower,
            upper: std::sync::Mutex::new(open().map_err(fail)?),
            middle,
        })
    }

    /// `query` as one FTS5 phrase of `search_index`, if it is one: only a term of two Chinese
    /// characters or more is (the kiosk looks single characters and pinyin up elsewhere too).
    pub(super) fn phrase(query: &str) -> Option<String> {
        let chinese = query.chars().all(readpoint::text::fold::is_cjk);
        let tokens = readpoint::text::segment::term_tokens(query)
            .filter(|_| chinese && query.chars().count() >= 2)?;
        Some(readpoint::text::segment::fts_phrase(
            &tokens.phrase,
            tokens.prefix,
        ))
    }

    /// The times of counting each of `queries` that is one phrase; `None` when none is.
    pub(super) fn percentiles<'q>(
        &self,
        queries: impl Iterator<Item = &'q str>,
    ) -> Result<Option<Percentiles>, String> {
        let mut times = Vec::new();
        for query in queries {
            times.extend(self.time(query)?);
        }
        Ok((!times.is_empty()).then(|| Percentiles::of(&mut times)))
    }

    /// One count of `query`'s phrase, timed; `None` for a query that is not one phrase.
    fn time(&self, query: &str) -> Result<Option<Duration>, String> {
        let Some(phrase) = Self::phrase(query) else {
            return Ok(None);
        };
        let middle = self.middle;
        let count = |conn: &rusqlite::Connection, bound: &str| -> rusqlite::Result<i64> {
            let sql = "SELECT count(*) FROM search_index WHERE search_index MATCH ?1";
            let mut stmt = conn.prepare_cached(&format!("{sql} {bound}"))?;
            match middle {
                Some(middle) => stmt.query_row(rusqlite::params![phrase, middle], |row| row.get(0)),
                None => stmt.query_row([&phrase], |row| row.get(0)),
            }
        };
        let (lower, upper) = (&self.lower, &self.upper);
        let started = Instant::now();
        let counted = match middle {
            None => count(lower, ""),
            Some(_) => std::thread::scope(|scope| {
                let other = scope.spawn(|| match upper.lock() {
                    Ok(upper) => count(&upper, "AND rowid >= ?2"),
                    Err(poisoned) => count(&poisoned.into_inner(), "AND rowid >= ?2"),
                });
                let lower = count(lower, "AND rowid < ?2");
                match other.join() {
                    Ok(upper) => lower.and(upper),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }),
        };
        let took = started.elapsed();
        counted.map_err(|e| format!("the bare count of {query}: {e}"))?;
        Ok(Some(took))
    }
}
