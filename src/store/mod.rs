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

mod feed;
mod migrations;
mod queries;
mod search;
mod usage;
mod write;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

pub use feed::{AppliedManifest, FeedApply, FeedRecord, RecordedError};
pub use queries::{
    CatalogueFacets, CatalogueFilter, CatalogueRow, DocumentRow, FacetCount, KindCount, ReportRow,
    Status,
};
pub use search::{
    MAX_DEPTH, MatchTier, SearchFacets, SearchHit, SearchRequest, SearchResults, Snippet,
};
pub use usage::{OVERFLOW_KEY, UsageCount, UsageCounters, UsageEvent, UsageTotal};
pub use write::{ApplySummary, ContentVersion};

/// File name of the cache inside the data directory.
pub const CACHE_FILE: &str = "cache.db";

/// Caches up to this size are fully checked at open; see `Store::check_integrity`.
const FULL_CHECK_AT_OPEN: u64 = 4 << 20;

/// How long a writer or reader waits for a lock held by another connection.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

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
        };
        store.configure()?;
        // A new file has nothing to check yet; an existing one is checked before it is migrated.
        let fresh = migrations::version(&store.conn).map_err(|e| classify(path, e))? == 0;
        store.check_identity()?;
        if !fresh {
            store.check_integrity()?;
        }
        store.migrate()?;
        store.reindex_if_stale()?;
        Ok(store)
    }

    /// Opens an in-memory cache (tests and benchmarks).
    pub fn open_in_memory() -> Result<Store> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| classify(&path, e))?;
        let mut store = Store { conn, path };
        store.configure()?;
        store.migrate()?;
        store.reindex_if_stale()?;
        Ok(store)
    }

    /// Opens the cache; if the file is unusable, moves it (and its `-wal`/`-shm` files) aside as
    /// `<name>.corrupt-<unix time>`, logs both paths, and starts a fresh cache. Errors only when
    /// even a fresh cache cannot be created (unwritable directory, full disk).
    pub fn open_or_recover(path: &Path) -> Result<(Store, OpenReport)> {
        match Store::open(path) {
            Ok(store) => Ok((store, OpenReport::default())),
            Err(StoreError::Unusable { reason, .. }) => {
                let moved = move_aside(path)?;
                tracing::error!(
                    cache = %path.display(),
                    moved_to = %moved.display(),
                    "the cache was unusable ({reason}); it was moved aside and a fresh cache is \
                     being built from the bundled content (the feed refills it at the next sync)"
                );
                let store = Store::open(path)?;
                Ok((
                    store,
                    OpenReport {
                        moved_aside: Some(moved),
                        reason: Some(reason),
                    },
                ))
            }
            Err(other) => Err(other),
        }
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

    fn configure(&mut self) -> Result<()> {
        let path = self.path.clone();
        self.conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| classify(&path, e))?;
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
                 PRAGMA cache_size = -32768;",
            )
            .map_err(|e| classify(&path, e))?;
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

    /// The check at open. A cache up to [`FULL_CHECK_AT_OPEN`] bytes gets a full
    /// `PRAGMA quick_check` (milliseconds). A larger one would take seconds per 100 MiB, so it
    /// gets probes that read the schema, the small tables in full and the main indexes of
    /// `document` end to end; the full check then runs off the UI thread through [`Store::verify_integrity`].
    fn check_integrity(&self) -> Result<()> {
        if self.file_size()? <= FULL_CHECK_AT_OPEN {
            return self.verify_integrity();
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
        ];
        for sql in probes {
            // Any failure here (a missing table or index included) means the file is unusable.
            let first: rusqlite::types::Value = self
                .conn
                .query_row(sql, [], |row| row.get(0))
                .map_err(|e| StoreError::Unusable {
                    path: self.path.clone(),
                    reason: format!("integrity probe `{sql}` failed: {e}"),
                })?;
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

    /// The full `PRAGMA quick_check`: every page of every b-tree (not index contents). Seconds
    /// for a large cache: run it off the UI thread. An unusable result means the caller should
    /// reopen with [`Store::open_or_recover`] after moving the file aside.
    pub fn verify_integrity(&self) -> Result<()> {
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
        // quick_check does not look inside FTS5's own structures.
        self.conn
            .execute(
                "INSERT INTO search_index(search_index) VALUES ('integrity-check')",
                [],
            )
            .map_err(|e| StoreError::Unusable {
                path: self.path.clone(),
                reason: format!("search index integrity check failed: {e}"),
            })?;
        Ok(())
    }

    fn sqlite_err(&self, source: rusqlite::Error) -> StoreError {
        classify(&self.path, source)
    }
}

/// Maps SQLite errors that mean "this file cannot be a cache" to [`StoreError::Unusable`].
fn classify(path: &Path, source: rusqlite::Error) -> StoreError {
    // A file that exists but cannot be opened as a database (a directory in its place, an
    // unreadable file) is unusable too; a missing one is created, so CANTOPEN then means the
    // directory is the problem, which moving aside would not fix.
    let unopenable = |code| code == ErrorCode::CannotOpen && path.exists();
    if let rusqlite::Error::SqliteFailure(err, ref message) = source
        && (matches!(
            err.code,
            ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt
        ) || unopenable(err.code))
    {
        return StoreError::Unusable {
            path: path.to_path_buf(),
            reason: message.clone().unwrap_or_else(|| err.to_string()),
        };
    }
    StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

fn move_aside(path: &Path) -> Result<PathBuf> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut target = path.as_os_str().to_owned();
    target.push(format!(".corrupt-{stamp}"));
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
    /// after a large import or a bulk feed apply. Then checkpoints what the WAL can give back
    /// without waiting for readers.
    pub fn optimize(&mut self) -> Result<()> {
        self.conn
            .execute_batch(
                "INSERT INTO search_index(search_index) VALUES ('optimize');
                 PRAGMA optimize;
                 PRAGMA wal_checkpoint(PASSIVE);",
            )
            .map_err(|e| self.sqlite_err(e))
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
