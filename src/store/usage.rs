//! Anonymous usage statistics in the cache (table `usage_count`, migration 0003): per local day,
//! per [`UsageEvent`], per key, a count. Adding is one transaction per batch (count += n), so a
//! batch is counted whole or not at all; reading gives totals over a date range or a compact
//! per-day summary; pruning drops days older than the retention.
//!
//! Never stores anything finer than the day or anything that identifies a visitor: the keys are
//! screen names, document ids, kinds and categories, folded search-box queries and toggle names,
//! chosen by `crate::usage`. Never decides what is counted (that is `crate::usage`).

use std::collections::HashMap;
use std::time::Duration;

use jiff::civil::Date;
use rusqlite::{ErrorCode, params};
use serde::Serialize;

use super::write::WriteTx;
use super::{Result, Store, StoreError};

/// The key a count is filed under once a day already has the maximum number of distinct keys
/// for its event (see [`Store::usage_add`]).
pub const OVERFLOW_KEY: &str = "(other)";

/// What a count counts: the `event` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageEvent {
    /// A visitor session that had any activity (key: empty).
    Session,
    /// A screen opened (key: the screen's name, e.g. `catalogue`).
    Screen,
    /// A document opened (key: its id).
    Document,
    /// A document opened, by kind (key: the kind's wire name).
    DocumentKind,
    /// A document opened, by category (key: the category, or empty when it has none).
    DocumentCategory,
    /// A settled search (key: the folded query text).
    Search,
    /// A settled search with no result (key: the folded query text); also counted as `Search`.
    SearchNoHits,
    /// A display or speech setting switched (key: `<which>:<state>`, e.g. `large_text:on`).
    Toggle,
    /// A print job the printer accepted (key: what was printed: `document`, `report`,
    /// `attachment`, `application`).
    PrintJob,
    /// Pages of those jobs (same keys).
    PrintPages,
}

impl UsageEvent {
    /// Every event, in report order.
    pub const ALL: [UsageEvent; 10] = [
        UsageEvent::Session,
        UsageEvent::Screen,
        UsageEvent::Document,
        UsageEvent::DocumentKind,
        UsageEvent::DocumentCategory,
        UsageEvent::Search,
        UsageEvent::SearchNoHits,
        UsageEvent::Toggle,
        UsageEvent::PrintJob,
        UsageEvent::PrintPages,
    ];

    /// The name stored in the `event` column.
    pub fn as_str(self) -> &'static str {
        match self {
            UsageEvent::Session => "session",
            UsageEvent::Screen => "screen",
            UsageEvent::Document => "document",
            UsageEvent::DocumentKind => "document_kind",
            UsageEvent::DocumentCategory => "document_category",
            UsageEvent::Search => "search",
            UsageEvent::SearchNoHits => "search_no_hits",
            UsageEvent::Toggle => "toggle",
            UsageEvent::PrintJob => "print_job",
            UsageEvent::PrintPages => "print_pages",
        }
    }

    /// The event stored as `name`, if this build knows it.
    pub fn from_name(name: &str) -> Option<UsageEvent> {
        UsageEvent::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

/// One count to add: `count` more of (`day`, `event`, `key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageCount {
    /// The local day.
    pub day: Date,
    /// What happened.
    pub event: UsageEvent,
    /// Which one.
    pub key: String,
    /// How many times.
    pub count: u64,
}

/// A total over a date range (see [`Store::usage_totals`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsageTotal {
    /// What happened.
    pub event: UsageEvent,
    /// Which one.
    pub key: String,
    /// How many times, summed over the range.
    pub count: u64,
}

/// One day's counters in brief: the fleet heartbeat's `usage` and the per-day summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UsageCounters {
    /// The local day, `YYYY-MM-DD`.
    pub date: String,
    /// Visitor sessions with any activity.
    pub sessions: u64,
    /// Screens opened.
    pub screens_opened: u64,
    /// Documents opened.
    pub documents_opened: u64,
    /// Settled searches, with or without results.
    pub searches: u64,
    /// Settled searches that found nothing.
    pub searches_no_hits: u64,
    /// Display and speech settings switched.
    pub toggles: u64,
    /// Print jobs the printer accepted.
    pub print_jobs: u64,
    /// Pages of those jobs.
    pub print_pages: u64,
}

impl UsageCounters {
    fn add(&mut self, event: UsageEvent, count: u64) {
        let field = match event {
            UsageEvent::Session => &mut self.sessions,
            UsageEvent::Screen => &mut self.screens_opened,
            UsageEvent::Document => &mut self.documents_opened,
            UsageEvent::Search => &mut self.searches,
            UsageEvent::SearchNoHits => &mut self.searches_no_hits,
            UsageEvent::Toggle => &mut self.toggles,
            UsageEvent::PrintJob => &mut self.print_jobs,
            UsageEvent::PrintPages => &mut self.print_pages,
            // Breakdowns of `Document`, not counted twice.
            UsageEvent::DocumentKind | UsageEvent::DocumentCategory => return,
        };
        *field = field.saturating_add(count);
    }
}

impl StoreError {
    /// Whether the cache was busy (another connection held the write lock past the busy
    /// timeout): the same write can simply be tried again later.
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite {
                source: rusqlite::Error::SqliteFailure(err, _),
                ..
            } if matches!(err.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
        )
    }
}

fn to_i64(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

fn to_u64(count: i64) -> u64 {
    u64::try_from(count).unwrap_or(0)
}

impl Store {
    /// How long this connection waits for another one's write lock before a write fails with a
    /// busy error ([`StoreError::is_busy`]). The usage recorder uses a short wait and retries.
    pub fn set_busy_timeout(&mut self, timeout: Duration) -> Result<()> {
        self.conn
            .busy_timeout(timeout)
            .map_err(|e| self.sqlite_err(e))
    }

    /// Adds `counts` in one transaction (count += n per day, event and key). A day keeps at most
    /// `max_keys` distinct keys per event: counts for further keys are added under
    /// [`OVERFLOW_KEY`], so the table stays bounded whatever visitors type. A busy cache fails
    /// with nothing written ([`StoreError::is_busy`]): the caller keeps the counts and retries.
    pub fn usage_add(&mut self, counts: &[UsageCount], max_keys: usize) -> Result<()> {
        self.usage_add_promoted(counts, &[], max_keys)
    }

    /// [`Store::usage_add`], then, in the same transaction, moves each of `promoted` from
    /// [`OVERFLOW_KEY`] to its own key: counts stored under `(other)` until `crate::usage`
    /// allowed their key to be stored (never more than `(other)` holds; a key beyond
    /// `max_keys` stays under `(other)`). Totals per day and event do not change.
    pub fn usage_add_promoted(
        &mut self,
        counts: &[UsageCount],
        promoted: &[UsageCount],
        max_keys: usize,
    ) -> Result<()> {
        if counts.is_empty() && promoted.is_empty() {
            return Ok(());
        }
        let tx = WriteTx::begin(self)?;
        let wrap = |e| self.sqlite_err(e);
        // Distinct keys per (day, event), counted once per batch and kept up to date.
        let mut distinct: HashMap<(String, UsageEvent), usize> = HashMap::new();
        for count in counts.iter().filter(|c| c.count > 0) {
            self.usage_add_one(&mut distinct, count, count.count, max_keys)
                .map_err(wrap)?;
        }
        for count in promoted.iter().filter(|c| c.key != OVERFLOW_KEY) {
            let day = count.day.to_string();
            let event = count.event.as_str();
            let held: i64 = self
                .conn
                .prepare_cached(
                    "SELECT coalesce(sum(count), 0) FROM usage_count \
                     WHERE day = ?1 AND event = ?2 AND key = ?3",
                )
                .and_then(|mut s| s.query_row(params![day, event, OVERFLOW_KEY], |r| r.get(0)))
                .map_err(wrap)?;
            let moved = count.count.min(to_u64(held));
            if moved == 0 {
                continue;
            }
            self.conn
                .prepare_cached(
                    "UPDATE usage_count SET count = count - ?4 \
                     WHERE day = ?1 AND event = ?2 AND key = ?3",
                )
                .and_then(|mut s| s.execute(params![day, event, OVERFLOW_KEY, to_i64(moved)]))
                .map_err(wrap)?;
            self.conn
                .prepare_cached(
                    "DELETE FROM usage_count \
                     WHERE day = ?1 AND event = ?2 AND key = ?3 AND count <= 0",
                )
                .and_then(|mut s| s.execute(params![day, event, OVERFLOW_KEY]))
                .map_err(wrap)?;
            self.usage_add_one(&mut distinct, count, moved, max_keys)
                .map_err(wrap)?;
        }
        tx.commit()
    }

    /// Adds `n` to `count`'s day, event and key, or to [`OVERFLOW_KEY`] when the day already
    /// has `max_keys` other keys for the event (`distinct` caches those numbers).
    fn usage_add_one(
        &self,
        distinct: &mut HashMap<(String, UsageEvent), usize>,
        count: &UsageCount,
        n: u64,
        max_keys: usize,
    ) -> rusqlite::Result<()> {
        let day = count.day.to_string();
        let event = count.event.as_str();
        let exists = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM usage_count WHERE day = ?1 AND event = ?2 AND key = ?3",
            )
            .and_then(|mut s| {
                s.query_row(params![day, event, count.key], |r| r.get::<_, i64>(0))
            })?
            > 0;
        let mut key = count.key.as_str();
        if !exists && key != OVERFLOW_KEY {
            let slot = match distinct.entry((day.clone(), count.event)) {
                std::collections::hash_map::Entry::Occupied(slot) => slot.into_mut(),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    let n: i64 = self
                        .conn
                        .prepare_cached(
                            "SELECT count(*) FROM usage_count \
                             WHERE day = ?1 AND event = ?2 AND key <> ?3",
                        )
                        .and_then(|mut s| {
                            s.query_row(params![day, event, OVERFLOW_KEY], |r| r.get(0))
                        })?;
                    slot.insert(usize::try_from(n).unwrap_or(usize::MAX))
                }
            };
            if *slot >= max_keys {
                key = OVERFLOW_KEY;
            } else {
                *slot += 1;
            }
        }
        self.conn
            .prepare_cached(
                "INSERT INTO usage_count (day, event, key, count) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (day, event, key) DO UPDATE SET count = count + excluded.count",
            )
            .and_then(|mut s| s.execute(params![day, event, key, to_i64(n)]))?;
        Ok(())
    }

    /// Per-day counts of `event` over `from..=to`: (day, key, count), newest day first, then
    /// largest count; at most `limit` rows.
    pub fn usage_by_day(
        &self,
        event: UsageEvent,
        from: Date,
        to: Date,
        limit: usize,
    ) -> Result<Vec<(Date, String, u64)>> {
        let wrap = |e| self.sqlite_err(e);
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT day, key, count FROM usage_count
                 WHERE event = ?1 AND day BETWEEN ?2 AND ?3
                 ORDER BY day DESC, count DESC, key
                 LIMIT ?4",
            )
            .map_err(wrap)?;
        let rows = statement
            .query_map(
                params![
                    event.as_str(),
                    from.to_string(),
                    to.to_string(),
                    i64::try_from(limit).unwrap_or(i64::MAX)
                ],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, i64>(2)?,
                    ))
                },
            )
            .map_err(wrap)?;
        let mut out = Vec::new();
        for row in rows {
            let (day, key, count) = row.map_err(wrap)?;
            // A day this build cannot read is skipped, not fatal (the cache is disposable).
            if let Ok(day) = day.parse::<Date>() {
                out.push((day, key, u64::try_from(count).unwrap_or(0)));
            }
        }
        Ok(out)
    }

    /// Totals per event and key over `from..=to` (local days), largest first within an event.
    /// Rows of events this build does not know are skipped.
    pub fn usage_totals(&self, from: Date, to: Date) -> Result<Vec<UsageTotal>> {
        let wrap = |e| self.sqlite_err(e);
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT event, key, sum(count) AS total FROM usage_count
                 WHERE day BETWEEN ?1 AND ?2
                 GROUP BY event, key
                 ORDER BY event, total DESC, key",
            )
            .map_err(wrap)?;
        let rows = statement
            .query_map(params![from.to_string(), to.to_string()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })
            .map_err(wrap)?;
        let mut totals = Vec::new();
        for row in rows {
            let (event, key, count) = row.map_err(wrap)?;
            if let Some(event) = UsageEvent::from_name(&event) {
                totals.push(UsageTotal {
                    event,
                    key,
                    count: to_u64(count),
                });
            }
        }
        Ok(totals)
    }

    /// One day's counters (all zero for a day with no activity).
    pub fn usage_day(&self, date: Date) -> Result<UsageCounters> {
        let mut days = self.usage_days(date, date)?;
        Ok(days.pop().unwrap_or_else(|| UsageCounters {
            date: date.to_string(),
            ..UsageCounters::default()
        }))
    }

    /// The compact per-day summary over `from..=to`: one entry per day that had any activity,
    /// oldest first.
    pub fn usage_days(&self, from: Date, to: Date) -> Result<Vec<UsageCounters>> {
        let wrap = |e| self.sqlite_err(e);
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT day, event, sum(count) FROM usage_count
                 WHERE day BETWEEN ?1 AND ?2
                 GROUP BY day, event
                 ORDER BY day",
            )
            .map_err(wrap)?;
        let rows = statement
            .query_map(params![from.to_string(), to.to_string()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })
            .map_err(wrap)?;
        let mut days: Vec<UsageCounters> = Vec::new();
        for row in rows {
            let (day, event, count) = row.map_err(wrap)?;
            if days.last().is_none_or(|last| last.date != day) {
                days.push(UsageCounters {
                    date: day,
                    ..UsageCounters::default()
                });
            }
            if let (Some(current), Some(event)) = (days.last_mut(), UsageEvent::from_name(&event)) {
                current.add(event, to_u64(count));
            }
        }
        Ok(days)
    }

    /// Folds the query texts of every day before `oldest_kept` into [`OVERFLOW_KEY`] (events
    /// `search` and `search_no_hits`): the counts stay, the texts go. One transaction; returns
    /// how many rows with a text went.
    pub fn usage_forget_queries(&mut self, oldest_kept: Date) -> Result<usize> {
        let tx = WriteTx::begin(self)?;
        let wrap = |e| self.sqlite_err(e);
        let day = oldest_kept.to_string();
        let events = [
            UsageEvent::Search.as_str(),
            UsageEvent::SearchNoHits.as_str(),
        ];
        self.conn
            .prepare_cached(
                "INSERT INTO usage_count (day, event, key, count)
                 SELECT day, event, ?1, sum(count) FROM usage_count
                 WHERE day < ?2 AND event IN (?3, ?4) AND key <> ?1
                 GROUP BY day, event
                 ON CONFLICT (day, event, key) DO UPDATE SET count = count + excluded.count",
            )
            .and_then(|mut s| s.execute(params![OVERFLOW_KEY, day, events[0], events[1]]))
            .map_err(wrap)?;
        let rows = self
            .conn
            .prepare_cached(
                "DELETE FROM usage_count WHERE day < ?2 AND event IN (?3, ?4) AND key <> ?1",
            )
            .and_then(|mut s| s.execute(params![OVERFLOW_KEY, day, events[0], events[1]]))
            .map_err(wrap)?;
        tx.commit()?;
        Ok(rows)
    }

    /// Deletes every day before `oldest_kept`; returns how many rows went.
    pub fn usage_prune(&mut self, oldest_kept: Date) -> Result<usize> {
        self.conn
            .prepare_cached("DELETE FROM usage_count WHERE day < ?1")
            .and_then(|mut s| s.execute([oldest_kept.to_string()]))
            .map_err(|e| self.sqlite_err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn count(day: Date, event: UsageEvent, key: &str, n: u64) -> UsageCount {
        UsageCount {
            day,
            event,
            key: key.to_owned(),
            count: n,
        }
    }

    #[test]
    fn adding_sums_per_day_event_and_key() {
        let mut store = Store::open_in_memory().unwrap();
        let day = date(2026, 11, 29);
        store
            .usage_add(
                &[
                    count(day, UsageEvent::Search, "医保", 1),
                    count(day, UsageEvent::Search, "医保", 2),
                    count(day, UsageEvent::Session, "", 1),
                ],
                100,
            )
            .unwrap();
        store
            .usage_add(&[count(day, UsageEvent::Search, "医保", 4)], 100)
            .unwrap();
        let totals = store.usage_totals(day, day).unwrap();
        assert_eq!(
            totals,
            vec![
                UsageTotal {
                    event: UsageEvent::Search,
                    key: "医保".into(),
                    count: 7
                },
                UsageTotal {
                    event: UsageEvent::Session,
                    key: String::new(),
                    count: 1
                },
            ]
        );
    }

    #[test]
    fn totals_cover_the_range_only_and_rank_by_count() {
        let mut store = Store::open_in_memory().unwrap();
        let (d1, d2, d3) = (date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 2));
        store
            .usage_add(
                &[
                    count(d1, UsageEvent::Document, "a", 100),
                    count(d2, UsageEvent::Document, "a", 1),
                    count(d2, UsageEvent::Document, "b", 2),
                    count(d3, UsageEvent::Document, "b", 3),
                    count(d3, UsageEvent::Document, "c", 9),
                ],
                100,
            )
            .unwrap();
        let totals = store.usage_totals(d2, d3).unwrap();
        let got: Vec<(&str, u64)> = totals.iter().map(|t| (t.key.as_str(), t.count)).collect();
        assert_eq!(got, vec![("c", 9), ("b", 5), ("a", 1)]);
    }

    #[test]
    fn day_counters_and_per_day_summary() {
        let mut store = Store::open_in_memory().unwrap();
        let (d1, d2) = (date(2026, 3, 1), date(2026, 3, 3));
        store
            .usage_add(
                &[
                    count(d1, UsageEvent::Session, "", 2),
                    count(d1, UsageEvent::Screen, "catalogue", 3),
                    count(d1, UsageEvent::Screen, "search", 1),
                    count(d1, UsageEvent::Document, "x", 2),
                    count(d1, UsageEvent::DocumentKind, "catalogue_entry", 2),
                    count(d1, UsageEvent::Search, "q", 2),
                    count(d1, UsageEvent::SearchNoHits, "q", 1),
                    count(d1, UsageEvent::Toggle, "large_text:on", 1),
                    count(d2, UsageEvent::Session, "", 5),
                ],
                100,
            )
            .unwrap();
        assert_eq!(
            store.usage_day(d1).unwrap(),
            UsageCounters {
                date: "2026-03-01".into(),
                sessions: 2,
                screens_opened: 4,
                documents_opened: 2,
                searches: 2,
                searches_no_hits: 1,
                toggles: 1,
                print_jobs: 0,
                print_pages: 0,
            }
        );
        let empty = store.usage_day(date(2026, 3, 2)).unwrap();
        assert_eq!(empty.date, "2026-03-02");
        assert_eq!(empty.sessions + empty.screens_opened + empty.toggles, 0);
        let days = store.usage_days(d1, d2).unwrap();
        assert_eq!(days.len(), 2);
        assert_eq!((days[1].date.as_str(), days[1].sessions), ("2026-03-03", 5));
    }

    #[test]
    fn distinct_keys_per_day_are_capped_into_the_overflow_key() {
        let mut store = Store::open_in_memory().unwrap();
        let day = date(2026, 4, 1);
        let batch: Vec<UsageCount> = ["a", "b", "c", "d"]
            .iter()
            .map(|k| count(day, UsageEvent::Search, k, 1))
            .collect();
        store.usage_add(&batch, 2).unwrap();
        // Known keys still count under their own name; new ones go to the overflow key.
        store
            .usage_add(
                &[
                    count(day, UsageEvent::Search, "a", 5),
                    count(day, UsageEvent::Search, "e", 1),
                    count(day, UsageEvent::Screen, "home", 1),
                ],
                2,
            )
            .unwrap();
        let totals = store.usage_totals(day, day).unwrap();
        let got: Vec<(&str, u64)> = totals
            .iter()
            .filter(|t| t.event == UsageEvent::Search)
            .map(|t| (t.key.as_str(), t.count))
            .collect();
        assert_eq!(got, vec![("a", 6), (OVERFLOW_KEY, 3), ("b", 1)]);
        assert!(
            totals
                .iter()
                .any(|t| t.event == UsageEvent::Screen && t.key == "home")
        );
    }

    #[test]
    fn promoted_counts_move_from_other_to_their_key() {
        let mut store = Store::open_in_memory().unwrap();
        let day = date(2026, 4, 2);
        store
            .usage_add(
                &[
                    count(day, UsageEvent::Search, OVERFLOW_KEY, 3),
                    count(day, UsageEvent::SearchNoHits, OVERFLOW_KEY, 1),
                ],
                10,
            )
            .unwrap();
        store
            .usage_add_promoted(
                &[count(day, UsageEvent::Search, OVERFLOW_KEY, 1)],
                &[
                    count(day, UsageEvent::Search, "医保", 3),
                    count(day, UsageEvent::SearchNoHits, "医保", 1),
                    // Never more than (other) holds.
                    count(day, UsageEvent::Search, "社保", 5),
                ],
                10,
            )
            .unwrap();
        let totals = store.usage_totals(day, day).unwrap();
        let got: Vec<(UsageEvent, &str, u64)> = totals
            .iter()
            .map(|t| (t.event, t.key.as_str(), t.count))
            .collect();
        assert_eq!(
            got,
            vec![
                (UsageEvent::Search, "医保", 3),
                (UsageEvent::Search, "社保", 1),
                (UsageEvent::SearchNoHits, "医保", 1),
            ],
            "(other) is emptied and its rows deleted"
        );
        let day_counters = store.usage_day(day).unwrap();
        assert_eq!(
            (day_counters.searches, day_counters.searches_no_hits),
            (4, 1),
            "the totals do not change"
        );
    }

    #[test]
    fn query_texts_of_older_days_are_folded_into_other() {
        let mut store = Store::open_in_memory().unwrap();
        let (old, kept) = (date(2026, 1, 1), date(2026, 1, 2));
        let mut batch = Vec::new();
        for day in [old, kept] {
            batch.extend([
                count(day, UsageEvent::Search, "医保", 4),
                count(day, UsageEvent::Search, OVERFLOW_KEY, 2),
                count(day, UsageEvent::SearchNoHits, "zzqx", 3),
                count(day, UsageEvent::Document, "ce-1", 5),
            ]);
        }
        store.usage_add(&batch, 10).unwrap();
        assert_eq!(store.usage_forget_queries(kept).unwrap(), 2);
        let of = |day| {
            store
                .usage_totals(day, day)
                .unwrap()
                .into_iter()
                .map(|t| (t.event, t.key, t.count))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            of(old),
            vec![
                (UsageEvent::Document, "ce-1".to_owned(), 5),
                (UsageEvent::Search, OVERFLOW_KEY.to_owned(), 6),
                (UsageEvent::SearchNoHits, OVERFLOW_KEY.to_owned(), 3),
            ]
        );
        assert!(of(kept).contains(&(UsageEvent::Search, "医保".to_owned(), 4)));
        assert_eq!(store.usage_day(old).unwrap().searches, 6);
        assert_eq!(store.usage_forget_queries(kept).unwrap(), 0);
    }

    #[test]
    fn prune_deletes_older_days_and_keeps_newer() {
        let mut store = Store::open_in_memory().unwrap();
        let days = [date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 2)];
        let batch: Vec<UsageCount> = days
            .iter()
            .map(|d| count(*d, UsageEvent::Session, "", 1))
            .collect();
        store.usage_add(&batch, 10).unwrap();
        assert_eq!(store.usage_prune(date(2026, 1, 1)).unwrap(), 1);
        let left: Vec<String> = store
            .usage_days(date(2000, 1, 1), date(2100, 1, 1))
            .unwrap()
            .into_iter()
            .map(|d| d.date)
            .collect();
        assert_eq!(left, vec!["2026-01-01", "2026-01-02"]);
    }

    #[test]
    fn a_busy_cache_is_reported_as_busy_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let mut writer = Store::open(&path).unwrap();
        let mut recorder = Store::open(&path).unwrap();
        recorder
            .set_busy_timeout(Duration::from_millis(10))
            .unwrap();
        let day = date(2026, 5, 1);
        let held = WriteTx::begin(&writer).unwrap();
        let error = recorder
            .usage_add(&[count(day, UsageEvent::Session, "", 1)], 10)
            .unwrap_err();
        assert!(error.is_busy(), "{error}");
        drop(held);
        assert_eq!(writer.usage_day(day).unwrap().sessions, 0);
        recorder
            .usage_add(&[count(day, UsageEvent::Session, "", 1)], 10)
            .unwrap();
        assert_eq!(writer.usage_day(day).unwrap().sessions, 1);
        writer.usage_prune(day).unwrap();
    }
}
