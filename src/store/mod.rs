//! The offline cache: one SQLite file (WAL, busy timeout) holding every document the kiosk can
//! show, its search index and the applied content version.
//!
//! **Architecture invariant:** this is the only module that knows SQL. Callers get typed rows.
//! The store never talks to the network and never touches Slint types.
//!
//! Opening is defensive: a file that is not a database, fails the integrity check or was written
//! by a newer schema is moved aside (logged with both paths) and a fresh cache is created, which
//! the caller fills from the bundled content. A kiosk never crash-loops on a bad cache file and
//! never shows an empty screen without saying why.
//!
//! Opening never mistakes a cache *in use* for a broken one: only SQLite's NOTADB and CORRUPT
//! (and a foreign or newer file) count as unusable, and a file is moved aside only after the
//! verdict is confirmed under the data folder's writer lock ([`lock`]), so a sync applying a
//! feed in another process is never pulled from under it. Busy, locked and permission errors
//! are reported (with the fix) and retried, never "repaired". Opening writes nothing to an
//! existing, current cache. Integrity checks only read: `PRAGMA quick_check` covers the b-trees
//! and, through each FTS5 table's `xIntegrity`, the search indexes; a large cache gets it in the
//! background verifier ([`Store::verify_integrity`]).

mod cube;
mod feed;
pub mod lock;
mod match_facets;
mod migrations;
mod packed;
mod pages;
mod per_commit;
mod queries;
mod rowid_list;
mod search;
mod second_reader;
mod tier_weight;
mod usage;
mod write;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

pub use feed::{AppliedManifest, FeedApply, FeedRecord, RecordedError};
pub use pages::{PageRow, attachment_present};
pub use queries::{
    CatalogueFacets, CatalogueFilter, CatalogueRow, DocumentRow, FacetCount, KindCount, ReportRow,
    Status,
};
pub use search::{
    AttachmentHit, HALVES_FROM, MAX_DEPTH, MatchTier, SearchFacets, SearchHit, SearchRequest,
    SearchResults, Snippet,
};
pub use usage::{OVERFLOW_KEY, UsageCount, UsageCounters, UsageEvent, UsageTotal};
pub use write::{ApplySummary, ContentVersion, IndexRow, Prepared};

/// File name of the cache inside the data directory.
pub const CACHE_FILE: &str = "cache.db";

/// Caches up to this size are fully checked at open; see `Store::check_integrity`.
const FULL_CHECK_AT_OPEN: u64 = 4 << 20;

/// How long a writer or reader waits for a lock held by another connection.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long [`Store::open_or_recover`] keeps retrying a busy cache, and waits for the writer
/// lock before it may move an unusable file aside.
const RECOVER_WAIT: Duration = Duration::from_secs(30);

/// How many moved-aside copies (`cache.db.corrupt-*`) are kept for inspection; older ones are
/// deleted, so a recurring fault cannot fill the disk.
pub const KEEP_CORRUPT_COPIES: usize = 3;

/// The WAL is truncated back to this size when a checkpoint lets writers start it over (a bulk
/// apply can grow it to hundreds of MiB; the sync truncates it to nothing after each apply).
const JOURNAL_SIZE_LIMIT: u64 = 4 << 20;

/// Pages in the WAL after which a commit copies them into the database (a passive checkpoint):
/// 4 MiB of 16 KiB pages. SQLite's default of 1,000 pages would let the small writes between
/// two syncs (usage counts every 30 s) keep 16 MiB of WAL on disk for good.
const WAL_AUTOCHECKPOINT_PAGES: u64 = JOURNAL_SIZE_LIMIT / 16384;

/// What went wrong in the store. Messages name the file and, where there is one, the fix.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("cache database {path}: {source}")]
    Sqlite {
        /// The cache file.
        path: PathBuf,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// The file is not a usable cache (corrupt, not a database, or from a newer Readpoint).
    #[error("cache database {path} is unusable: {reason}")]
    Unusable {
        /// The cache file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The cache cannot be opened for want of permission, or cannot be recovered now because
    /// a sync holds the writer lock; nothing was moved or changed.
    #[error("cache database {path} cannot be opened now: {reason} — nothing was moved; {fix}")]
    Unavailable {
        /// The cache file.
        path: PathBuf,
        /// Why.
        reason: String,
        /// What to do.
        fix: &'static str,
    },
    /// A filesystem operation around the cache failed.
    #[error(
        "{action} {path}: {source} — fix: check that the data directory exists, is writable by the kiosk user and the disk is not full"
    )]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A search query that cannot be run (empty after folding, or too long).
    #[error("{0}")]
    Query(String),
}

/// Result alias for store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open cache. Each thread opens its own `Store` (a connection is `Send`, not `Sync`).
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The catalogue's facet cube in memory, as of the last commit.
    cube: cube::CubeCache,
    /// Every document's search facets in memory, as of the last commit.
    match_facets: match_facets::MatchFacetsCache,
    /// A read-only connection for the second half of a long row-id list.
    second_reader: second_reader::SecondReader,
    /// From this many documents on, a row-id list is read in two halves.
    halves_from: usize,
}

/// What [`Store::open_or_recover`] had to do to give back a working cache.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OpenReport {
    /// The unusable file was moved here (the cache was then created anew).
    pub moved_aside: Option<PathBuf>,
    /// Why it was moved aside.
    pub reason: Option<String>,
}

impl Store {
    /// Opens (creating if needed) the cache at `path` and brings its schema up to date. Fails if
    /// the file is unusable; see [`Store::open_or_recover`] for the kiosk's forgiving variant.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                action: "creating the data directory",
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| classify(path, e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            cube: cube::CubeCache::default(),
            match_facets: match_facets::MatchFacetsCache::default(),
            second_reader: second_reader::SecondReader::default(),
            halves_from: search::HALVES_FROM,
        };
        store.configure()?;
        // A new file has nothing to check yet; an existing one is checked before it is migrated.
        let fresh = migrations::version(&store.conn).map_err(|e| classify(path, e))? == 0;
        store.check_identity()?;
        if !fresh {
            store.check_integrity()?;
        }
        store.migrate()?;
        if fresh {
            // A new cache's (empty) index has this build's layout: record it, so searches use
            // the index from the first document on.
            store.reindex_if_stale()?;
        }
        // A stale search index is rebuilt later, off the start-up path
        // ([`Store::reindex_if_stale`]); searches scan meanwhile.
        Ok(store)
    }

    /// Opens an in-memory cache (tests and benchmarks).
    pub fn open_in_memory() -> Result<Store> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| classify(&path, e))?;
        let mut store = Store {
            conn,
            path,
            cube: cube::CubeCache::default(),
            match_facets: match_facets::MatchFacetsCache::default(),
            second_reader: second_reader::SecondReader::default(),
            halves_from: search::HALVES_FROM,
        };
        store.configure()?;
        store.migrate()?;
        store.reindex_if_stale()?;
        Ok(store)
    }

    /// Opens the cache; if the file is unusable, moves it (and its `-wal`/`-shm` files) aside as
    /// `<name>.corrupt-<unix time>`, logs both paths, and starts a fresh cache. The verdict is
    /// confirmed under the data folder's writer lock before anything moves (a sync in another
    /// process may be mid-apply); only the newest [`KEEP_CORRUPT_COPIES`] copies are kept.
    ///
    /// A busy or locked cache is retried for a while, then reported as
    /// [`StoreError::Unavailable`]; so is a file this user may not open. Errors also when even a
    /// fresh cache cannot be created (unwritable directory, full disk).
    pub fn open_or_recover(path: &Path) -> Result<(Store, OpenReport)> {
        Store::open_or_recover_waiting(path, RECOVER_WAIT)
    }

    /// [`Store::open_or_recover`], retrying a busy cache and waiting for the writer lock for
    /// up to `wait` each.
    pub fn open_or_recover_waiting(path: &Path, wait: Duration) -> Result<(Store, OpenReport)> {
        let reason = match open_retrying_busy(path, wait) {
            Ok(store) => return Ok((store, OpenReport::default())),
            Err(StoreError::Unusable { reason, .. }) => reason,
            Err(other) => return Err(other),
        };
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let lock = lock::WriterLock::acquire_within(dir, wait)
            .map_err(|source| StoreError::Io {
                action: "taking the writer lock to recover",
                path: dir.join(lock::LOCK_FILE),
                source,
            })?
            .ok_or_else(|| StoreError::Unavailable {
                path: path.to_path_buf(),
                reason: format!(
                    "it looked unusable ({reason}), but another process (a sync) holds {} so it \
                     was not checked again",
                    lock::LOCK_FILE
                ),
                fix: "the kiosk tries again at its next start; if this persists, stop the sync and \
                      run `readpoint status`",
            })?;
        // Confirm under the lock: a sync that was replacing the file may have finished.
        let reason = match open_retrying_busy(path, wait) {
            Ok(store) => return Ok((store, OpenReport::default())),
            Err(StoreError::Unusable { reason: again, .. }) => {
                if again == reason {
                    again
                } else {
                    format!("{reason}; checked again: {again}")
                }
            }
            Err(other) => return Err(other),
        };
        let moved = move_aside(path)?;
        prune_corrupt_copies(path, KEEP_CORRUPT_COPIES);
        tracing::error!(
            cache = %path.display(),
            moved_to = %moved.display(),
            "the cache was unusable ({reason}); it was moved aside and a fresh cache is \
             being built from the bundled content (the feed refills it at the next sync)"
        );
        let store = Store::open(path)?;
        drop(lock);
        Ok((
            store,
            OpenReport {
                moved_aside: Some(moved),
                reason: Some(reason),
            },
        ))
    }

    /// Brings the schema up to date; a schema from a newer Readpoint makes the file unusable.
    fn migrate(&mut self) -> Result<()> {
        migrations::migrate(&mut self.conn).map_err(|e| match e {
            migrations::MigrateError::Sqlite(e) => classify(&self.path, e),
            migrations::MigrateError::TooNew { found, known } => StoreError::Unusable {
                path: self.path.clone(),
                reason: format!(
                    "its schema version {found} is newer than this Readpoint knows ({known}); \
                     fix: upgrade Readpoint, or delete the file to rebuild the cache"
                ),
            },
        })
    }

    /// The cache file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Caps this connection's page cache at `kib` KiB (from the 16 MiB every connection opens
    /// with, which bulk writes use: a full sync of 200,000 documents was no faster with 32). For the kiosk's reading connection: the operating system
    /// caches the file's pages anyway, outside the process, so a page SQLite no longer holds is
    /// read again without touching the disk.
    pub fn limit_page_cache(&self, kib: u32) -> Result<()> {
        self.conn
            .execute_batch(&format!("PRAGMA cache_size = -{kib}"))
            .map_err(|e| self.sqlite_err(e))
    }

    fn configure(&mut self) -> Result<()> {
        let path = self.path.clone();
        self.conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| classify(&path, e))?;
        packed::register(&self.conn).map_err(|e| classify(&path, e))?;
        rowid_list::register(&self.conn).map_err(|e| classify(&path, e))?;
        // 16 KiB pages: a document row (its JSON is a few KiB of UTF-8 Chinese) packs several to
        // a page instead of leaving most of a 4 KiB page empty. Takes effect only on a new file,
        // and only before it is switched to WAL.
        self.conn
            .execute_batch("PRAGMA page_size = 16384")
            .map_err(|e| classify(&path, e))?;
        // journal_mode is the first statement that reads the header: a file that is not a
        // database fails here with SQLITE_NOTADB.
        self.conn
            .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .map_err(|e| classify(&path, e))?;
        self.conn
            .execute_batch(
                "PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA temp_store = MEMORY;
                 PRAGMA cache_size = -16384;",
            )
            .map_err(|e| classify(&path, e))?;
        // Checkpoints truncate the WAL back to this size, so one bulk apply does not leave
        // hundreds of MiB of log on disk for ever; small writes are checkpointed every 4 MiB.
        self.conn
            .query_row(
                &format!("PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}"),
                [],
                |_| Ok(()),
            )
            .map_err(|e| classify(&path, e))?;
        self.conn
            .query_row(
                &format!("PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}"),
                [],
                |_| Ok(()),
            )
            .map_err(|e| classify(&path, e))?;
        // Last: fetching FTS5's API runs a statement, which reads the file's schema (the page
        // size and journal mode above must come first).
        tier_weight::register(&self.conn).map_err(|e| classify(&path, e))?;
        Ok(())
    }

    /// Refuses a file that is an SQLite database but not a Readpoint cache: its
    /// `application_id` is another program's, or it has tables but no Readpoint id. A fresh,
    /// empty file passes and gets the id from the first migration.
    fn check_identity(&self) -> Result<()> {
        let err = |e| classify(&self.path, e);
        let id: i64 = self
            .conn
            .query_row("PRAGMA application_id", [], |row| row.get(0))
            .map_err(err)?;
        if id == migrations::APPLICATION_ID {
            return Ok(());
        }
        let tables: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
            .map_err(err)?;
        if id == 0 && tables == 0 {
            return Ok(());
        }
        Err(StoreError::Unusable {
            path: self.path.clone(),
            reason: format!(
                "it is an SQLite database of another program (application_id {id:#x}), not a Readpoint cache"
            ),
        })
    }

    /// The check at open, read-only. A cache up to [`FULL_CHECK_AT_OPEN`] bytes gets a full
    /// `PRAGMA quick_check` (milliseconds). A larger one would take seconds per 100 MiB, so it
    /// gets probes that read the schema, the small tables in full and the main indexes of
    /// `document` end to end; the full check then runs off the UI thread through [`Store::verify_integrity`].
    fn check_integrity(&self) -> Result<()> {
        if self.file_size()? <= FULL_CHECK_AT_OPEN {
            return self.quick_check();
        }
        let probes = [
            "PRAGMA quick_check(meta)",
            "PRAGMA quick_check(sqlite_schema)",
            "SELECT count(*) FROM document",
            "SELECT count(*) FROM document INDEXED BY document_category",
            "SELECT count(*) FROM document INDEXED BY document_kind",
            "SELECT count(*) FROM document INDEXED BY document_year",
            "SELECT max(recency), min(recency) FROM document",
            "SELECT count(*) FROM search_index_docsize",
            // The rightmost path only: counting would bring the whole table into the page
            // cache, 3 MiB more of the kiosk's memory at 200,000 documents.
            "SELECT max(id) FROM search_terms_docsize",
        ];
        for sql in probes {
            // A failure here (a missing table or index included) means the file is unusable,
            // unless it says the file is busy or out of reach right now.
            let first: rusqlite::types::Value = self
                .conn
                .query_row(sql, [], |row| row.get(0))
                .map_err(|e| self.unusable(e, &format!("integrity probe `{sql}` failed")))?;
            if let rusqlite::types::Value::Text(text) = first
                && text != "ok"
            {
                return Err(StoreError::Unusable {
                    path: self.path.clone(),
                    reason: format!("integrity check failed: {text}"),
                });
            }
        }
        Ok(())
    }

    /// A failed check: the file is unusable (`what`: which check), unless SQLite says it is
    /// only busy or out of reach right now.
    fn unusable(&self, error: rusqlite::Error, what: &str) -> StoreError {
        if is_unavailable(&error) {
            classify(&self.path, error)
        } else {
            StoreError::Unusable {
                path: self.path.clone(),
                reason: format!("{what}: {error}"),
            }
        }
    }

    /// The full `PRAGMA quick_check`: every page of every b-tree (not the contents of ordinary
    /// indexes), and each FTS5 table's own check of its inverted index. Reads only.
    fn quick_check(&self) -> Result<()> {
        let result: String = self
            .conn
            .query_row("PRAGMA quick_check(1)", [], |row| row.get(0))
            .map_err(|e| classify(&self.path, e))?;
        if result != "ok" {
            return Err(StoreError::Unusable {
                path: self.path.clone(),
                reason: format!("integrity check failed: {result}"),
            });
        }
        Ok(())
    }

    /// The background verifier's check: the full `PRAGMA quick_check`, which also runs each
    /// FTS5 table's own integrity check (its `xIntegrity`, the same as FTS5's `integrity-check`
    /// command). Reads only; seconds for a large cache (14 s at 200,000 documents), so run it
    /// off the UI thread. An unusable result means the caller should reopen with
    /// [`Store::open_or_recover`]; a busy one, try again later.
    pub fn verify_integrity(&self) -> Result<()> {
        self.quick_check()
    }

    fn sqlite_err(&self, source: rusqlite::Error) -> StoreError {
        classify(&self.path, source)
    }
}

/// Opens, retrying for up to `wait` while the cache is busy (another process holds a write lock
/// longer than the busy timeout).
fn open_retrying_busy(path: &Path, wait: Duration) -> Result<Store> {
    let until = std::time::Instant::now() + wait;
    loop {
        match Store::open(path) {
            Err(error) if error.is_busy() && std::time::Instant::now() < until => {
                tracing::warn!(cache = %path.display(), "the cache is busy ({error}); retrying");
                std::thread::sleep(Duration::from_millis(500));
            }
            other => return other,
        }
    }
}

/// Errors that say the file is out of reach right now, not that it is broken.
fn is_unavailable(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(err, _) if matches!(
            err.code,
            ErrorCode::DatabaseBusy
                | ErrorCode::DatabaseLocked
                | ErrorCode::CannotOpen
                | ErrorCode::PermissionDenied
                | ErrorCode::ReadOnly
                | ErrorCode::SystemIoFailure
                | ErrorCode::DiskFull
                | ErrorCode::OutOfMemory
        )
    )
}

/// Maps SQLite errors: "this file cannot be a cache" → [`StoreError::Unusable`]; "not allowed"
/// → [`StoreError::Unavailable`]; anything else (busy and locked included) stays an SQLite
/// error.
fn classify(path: &Path, source: rusqlite::Error) -> StoreError {
    let rusqlite::Error::SqliteFailure(err, ref message) = source else {
        return StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
    };
    let detail = message.clone().unwrap_or_else(|| err.to_string());
    // A directory where the cache file should be can never be opened: move it aside. Any other
    // CANTOPEN is a permission or ownership problem (a root-owned `-shm`), which moving the
    // cache would not fix and would lose its content.
    let unusable = matches!(
        err.code,
        ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt
    ) || (err.code == ErrorCode::CannotOpen && path.is_dir());
    if unusable {
        return StoreError::Unusable {
            path: path.to_path_buf(),
            reason: detail,
        };
    }
    // Busy and locked stay SQLite errors ([`StoreError::is_busy`]): callers retry them.
    match err.code {
        ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly => {
            StoreError::Unavailable {
                path: path.to_path_buf(),
                reason: format!("permission or ownership ({detail})"),
                fix: "the cache, its -wal and -shm files and the data folder must belong to the \
                      kiosk's user, e.g. `sudo chown -R readpoint: /var/lib/readpoint`",
            }
        }
        _ => StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        },
    }
}

/// The moved-aside copies of `path` (`<name>.corrupt-<stamp>`), newest first.
fn corrupt_copies(path: &Path) -> Vec<(u64, PathBuf)> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Vec::new();
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{}.corrupt-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut copies: Vec<(u64, PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let file = entry.file_name().to_string_lossy().into_owned();
            let stamp = file.strip_prefix(&prefix)?.parse::<u64>().ok()?;
            Some((stamp, entry.path()))
        })
        .collect();
    copies.sort_by(|a, b| b.cmp(a));
    copies
}

/// Deletes all but the newest `keep` moved-aside copies of `path` (with their `-wal`/`-shm`).
fn prune_corrupt_copies(path: &Path, keep: usize) {
    for (_, old) in corrupt_copies(path).into_iter().skip(keep) {
        for suffix in ["", "-wal", "-shm"] {
            let mut side = old.as_os_str().to_owned();
            side.push(suffix);
            let side = PathBuf::from(side);
            if side.exists()
                && let Err(err) = std::fs::remove_file(&side)
            {
                tracing::warn!(file = %side.display(), %err, "cannot delete an old moved-aside cache");
            }
        }
    }
}

fn move_aside(path: &Path) -> Result<PathBuf> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Stamps only grow, so two recoveries in one second neither overwrite a copy nor make the
    // newest look the oldest.
    let newest = corrupt_copies(path)
        .first()
        .map_or(0, |(stamp, _)| stamp + 1);
    let mut target = path.as_os_str().to_owned();
    target.push(format!(".corrupt-{}", stamp.max(newest)));
    let target = PathBuf::from(target);
    std::fs::rename(path, &target).map_err(|source| StoreError::Io {
        action: "moving the unusable cache aside",
        path: path.to_path_buf(),
        source,
    })?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        if side.exists() {
            let mut side_target = target.as_os_str().to_owned();
            side_target.push(suffix);
            // A stale WAL next to a fresh database would be replayed into it: it must go too.
            std::fs::rename(&side, PathBuf::from(side_target)).map_err(|source| {
                StoreError::Io {
                    action: "moving the unusable cache aside",
                    path: side.clone(),
                    source,
                }
            })?;
        }
    }
    Ok(target)
}

impl Store {
    /// Merges the search index's segments and refreshes the query planner's statistics; run
    /// after a large import or a bulk feed apply. Then checkpoints the WAL into the database and
    /// truncates it ([`Store::checkpoint`]).
    pub fn optimize(&mut self) -> Result<()> {
        self.conn
            .execute_batch(
                "INSERT INTO search_index(search_index) VALUES ('optimize');
                 INSERT INTO search_terms(search_terms) VALUES ('optimize');
                 PRAGMA optimize;",
            )
            .map_err(|e| self.sqlite_err(e))?;
        self.checkpoint().map(|_| ())
    }

    /// Copies the WAL into the database and truncates it to zero bytes (`TRUNCATE`), waiting up
    /// to the busy timeout for readers. Returns whether it completed; when a reader kept it
    /// from finishing, the WAL is truncated at a later checkpoint (and never grows past
    /// `JOURNAL_SIZE_LIMIT` after one).
    pub fn checkpoint(&mut self) -> Result<bool> {
        let busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
            .map_err(|e| self.sqlite_err(e))?;
        Ok(busy == 0)
    }

    /// Bytes used by the cache: the database file and its write-ahead log.
    pub fn file_size(&self) -> Result<u64> {
        let mut total = 0;
        for suffix in ["", "-wal"] {
            let mut path = self.path.as_os_str().to_owned();
            path.push(suffix);
            if let Ok(meta) = std::fs::metadata(PathBuf::from(path)) {
                total += meta.len();
            }
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row of `sql` as text, for comparing result sets.
    fn rows_of(store: &Store, sql: &str) -> Vec<String> {
        let mut statement = store.conn.prepare(sql).expect("prepare");
        let columns = statement.column_count();
        statement
            .query_map([], |row| {
                (0..columns)
                    .map(|i| row.get::<_, rusqlite::types::Value>(i))
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map(|values| format!("{values:?}"))
            })
            .expect("query")
            .collect::<rusqlite::Result<Vec<_>>>()
            .expect("rows")
    }

    #[test]
    fn catalogue_facets_follow_every_commit_of_either_connection() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(CACHE_FILE);
        let mut store = Store::open(&path).expect("open");
        crate::import::load_bundled(&mut store).expect("bundled");
        let all = CatalogueFilter::default();
        let before = store.catalogue_facets(&all).expect("facets");
        assert!(before.total > 1 && !before.category.is_empty());
        // A chosen category still lists the others; the total is its own.
        let chosen = before.category[0].clone();
        let filtered = store
            .catalogue_facets(&CatalogueFilter {
                category: Some(chosen.value.clone()),
                ..Default::default()
            })
            .expect("facets");
        assert_eq!(filtered.total, chosen.count);
        assert_eq!(filtered.category, before.category);
        let nothing = CatalogueFilter {
            category: Some("no such category".into()),
            ..Default::default()
        };
        assert_eq!(store.catalogue_facets(&nothing).expect("facets").total, 0);
        // Another connection (a sync) commits: the next count sees it.
        let other = Connection::open(&path).expect("second connection");
        other
            .execute(
                "DELETE FROM document WHERE recency =
                   (SELECT max(recency) FROM document WHERE kind = 'catalogue_entry')",
                [],
            )
            .expect("delete");
        assert_eq!(
            store.catalogue_facets(&all).expect("facets").total,
            before.total - 1
        );
        // So does this connection's own write.
        store
            .conn
            .execute(
                "DELETE FROM document WHERE recency =
                   (SELECT max(recency) FROM document WHERE kind = 'catalogue_entry')",
                [],
            )
            .expect("delete");
        assert_eq!(
            store.catalogue_facets(&all).expect("facets").total,
            before.total - 2
        );
    }

    #[test]
    fn a_new_cache_searches_its_index_from_the_first_document() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join(CACHE_FILE)).expect("open");
        assert!(
            store.index_ready().expect("meta"),
            "no scan, no reindex later"
        );
    }

    #[test]
    fn the_catalogue_cube_counts_what_the_documents_hold_after_every_write() {
        let mut store = Store::open_in_memory().expect("open");
        let columns = "category, topic, year, publisher, disclosure_mode";
        let cube = format!("SELECT {columns}, n FROM catalogue_cube ORDER BY {columns}");
        let truth = format!(
            "SELECT {columns}, count(*) FROM document WHERE kind = 'catalogue_entry' \
             GROUP BY {columns} ORDER BY {columns}"
        );
        let same = |store: &Store, after: &str| {
            let (cube, truth) = (rows_of(store, &cube), rows_of(store, &truth));
            assert_eq!(cube, truth, "after {after}");
            cube.len()
        };
        assert_eq!(same(&store, "opening an empty cache"), 0);
        crate::import::load_bundled(&mut store).expect("bundled");
        assert!(same(&store, "the bundled content") > 1);
        crate::import::load_bundled(&mut store).expect("bundled again");
        same(&store, "replacing the bundled content");
        store
            .conn
            .execute_batch(
                "DELETE FROM document WHERE recency IN
                   (SELECT recency FROM document WHERE kind = 'catalogue_entry' LIMIT 3);
                 UPDATE document SET category = 'moved', year = NULL WHERE recency =
                   (SELECT max(recency) FROM document WHERE kind = 'catalogue_entry');
                 UPDATE document SET kind = 'catalogue_entry' WHERE recency =
                   (SELECT min(recency) FROM document WHERE kind <> 'catalogue_entry');",
            )
            .expect("writes");
        same(&store, "deletes and updates");
    }

    #[test]
    fn the_wal_is_bounded_and_truncated_by_a_checkpoint() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(CACHE_FILE);
        let mut store = Store::open(&path).expect("open");
        let limit: i64 = store
            .conn
            .query_row("PRAGMA journal_size_limit", [], |row| row.get(0))
            .expect("pragma");
        assert_eq!(limit as u64, JOURNAL_SIZE_LIMIT);
        store
            .conn
            .execute_batch(
                "CREATE TABLE filler (x BLOB);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
                 INSERT INTO filler SELECT randomblob(16000) FROM n;",
            )
            .expect("fill");
        let wal = dir.path().join(format!("{CACHE_FILE}-wal"));
        assert!(std::fs::metadata(&wal).expect("wal").len() > 1 << 20);
        assert!(
            store.checkpoint().expect("checkpoint"),
            "no reader holds it"
        );
        assert_eq!(std::fs::metadata(&wal).expect("wal").len(), 0);
    }

    #[test]
    fn busy_and_permission_errors_are_not_unusable() {
        let path = Path::new("/nonexistent/cache.db");
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        );
        let busy = classify(path, busy);
        assert!(busy.is_busy() && !matches!(busy, StoreError::Unusable { .. }));
        let cantopen = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
            None,
        );
        assert!(matches!(
            classify(path, cantopen),
            StoreError::Unavailable { .. }
        ));
        let corrupt = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
            None,
        );
        assert!(matches!(
            classify(path, corrupt),
            StoreError::Unusable { .. }
        ));
    }
}
