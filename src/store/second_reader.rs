//! A second, read-only connection to the cache file, so that a query reading most of the search
//! index — the row ids of a term found in most documents, for a facet count — runs as two
//! halves by row id, one on each core. FTS5 spends its time decoding position lists, which
//! halves cleanly: `政务服务` (166,361 of 200,000 documents) counts in about half the time.
//!
//! The two halves are two read transactions: a commit that lands between them (a sync applying
//! a version) can make that one count mix two versions. Such a count is as stale as any count
//! read just before a commit, and the next one is exact; nothing is written from it.
//!
//! Owns: opening the connection (lazily, once; a cache that cannot have one — in memory, or a
//! file the second open fails on — runs both halves on the caller's connection) and running
//! one closure on it on a scoped thread. Must never: write, or hold a transaction open between
//! calls.

use std::cell::{Cell, RefCell};
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

/// The second connection's page cache, in KiB: the halves it reads are streamed once, so a
/// small cache costs little time and keeps the kiosk's memory flat.
const CACHE_KIB: u32 = 256;

/// The second connection of one [`super::Store`], opened on first use.
#[derive(Default)]
pub(super) struct SecondReader {
    conn: RefCell<Option<Connection>>,
    /// Opening failed once: the caller runs both halves itself from then on.
    unavailable: Cell<bool>,
}

impl SecondReader {
    /// Runs `theirs` on the second connection on another thread while `ours` runs on this one,
    /// and returns both results; `None` (having run neither) when there is no second
    /// connection or no thread could be started for it.
    pub(super) fn join<A, B>(
        &self,
        path: &Path,
        ours: impl FnOnce() -> A,
        theirs: impl FnOnce(&Connection) -> B + Send,
    ) -> Option<(A, B)>
    where
        B: Send,
    {
        let conn = self.take(path)?;
        let (a, b, conn) = std::thread::scope(|scope| {
            let other = std::thread::Builder::new()
                .name("second-reader".into())
                .spawn_scoped(scope, move || {
                    let b = theirs(&conn);
                    (b, conn)
                })
                // The connection went with the closure; it opens again next time.
                .ok()?;
            let a = ours();
            match other.join() {
                Ok((b, conn)) => Some((a, b, conn)),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })?;
        *self.conn.borrow_mut() = Some(conn);
        Some((a, b))
    }

    /// Whether the connection is open (it opens on first use).
    #[cfg(test)]
    pub(super) fn is_open(&self) -> bool {
        self.conn.borrow().is_some()
    }

    /// The connection, opened if needed, taken out for one call.
    fn take(&self, path: &Path) -> Option<Connection> {
        if let Some(conn) = self.conn.borrow_mut().take() {
            return Some(conn);
        }
        if self.unavailable.get() || path.as_os_str() == ":memory:" {
            return None;
        }
        match open(path) {
            Ok(conn) => Some(conn),
            Err(err) => {
                tracing::warn!(
                    %err,
                    path = %path.display(),
                    "searches count their matches on one core: the second reading connection \
                     did not open"
                );
                self.unavailable.set(true);
                None
            }
        }
    }
}

fn open(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(super::BUSY_TIMEOUT)?;
    super::rowid_list::register(&conn)?;
    conn.execute_batch(&format!(
        "PRAGMA query_only = 1; PRAGMA cache_size = -{CACHE_KIB};"
    ))?;
    Ok(conn)
}
