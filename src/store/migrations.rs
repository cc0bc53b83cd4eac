//! Schema migrations: numbered, append-only SQL files applied in order, tracked by
//! `PRAGMA user_version`. Each migration runs in its own transaction with the version bump, so a
//! crash leaves the schema at a whole version. Never edit a released migration; add a new one.

use rusqlite::Connection;

/// The migrations, in order; migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_initial", include_str!("migrations/0001_initial.sql")),
    ("0002_feed", include_str!("migrations/0002_feed.sql")),
    ("0003_usage", include_str!("migrations/0003_usage.sql")),
    (
        "0004_usage_queries",
        include_str!("migrations/0004_usage_queries.sql"),
    ),
    (
        "0005_attachment_pages",
        include_str!("migrations/0005_attachment_pages.sql"),
    ),
    (
        "0006_catalogue_cube",
        include_str!("migrations/0006_catalogue_cube.sql"),
    ),
    (
        "0007_search_terms",
        include_str!("migrations/0007_search_terms.sql"),
    ),
];

/// `PRAGMA application_id` of a Readpoint cache ("RDPT"), set by the first migration.
pub const APPLICATION_ID: i64 = 0x5244_5054;

/// The schema version this build writes.
pub const LATEST: u32 = MIGRATIONS.len() as u32;

/// Why migration failed.
#[derive(Debug)]
pub enum MigrateError {
    /// SQLite failed.
    Sqlite(rusqlite::Error),
    /// The file was written by a newer Readpoint.
    TooNew {
        /// Version in the file.
        found: u32,
        /// Latest version this build knows.
        known: u32,
    },
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Sqlite(e)
    }
}

/// Brings the schema to [`LATEST`].
pub fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if current > LATEST {
        return Err(MigrateError::TooNew {
            found: current,
            known: LATEST,
        });
    }
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = index as u32 + 1;
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(migration = name, version, "cache schema migrated");
    }
    Ok(())
}

/// The schema version stored in the file.
pub fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_empty_database_and_is_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), LATEST);
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), LATEST);
    }

    /// A database as a build with `n` migrations left it.
    fn at_version(n: usize) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        for (name, sql) in &MIGRATIONS[..n] {
            conn.execute_batch(sql)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        conn.pragma_update(None, "user_version", n as i64).unwrap();
        conn
    }

    #[test]
    fn search_texts_stored_before_0004_are_folded_into_other() {
        let mut conn = at_version(3);
        conn.execute_batch(
            "INSERT INTO usage_count VALUES
                ('2026-05-01', 'search', '张三 低保', 2),
                ('2026-05-01', 'search', '医保', 5),
                ('2026-05-01', 'search', '(other)', 1),
                ('2026-05-01', 'search_no_hits', '张三 低保', 2),
                ('2026-05-02', 'search', '139 1234 5678', 1),
                ('2026-05-01', 'document', 'ce-1', 3);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let rows: Vec<(String, String, String, i64)> = conn
            .prepare("SELECT day, event, key, count FROM usage_count ORDER BY day, event, key")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let row = |day: &str, event: &str, key: &str, n| {
            (day.to_owned(), event.to_owned(), key.to_owned(), n)
        };
        assert_eq!(
            rows,
            vec![
                row("2026-05-01", "document", "ce-1", 3),
                row("2026-05-01", "search", "(other)", 8),
                row("2026-05-01", "search_no_hits", "(other)", 2),
                row("2026-05-02", "search", "(other)", 1),
            ]
        );
    }

    #[test]
    fn the_search_index_of_schema_6_is_replaced_and_marked_for_rebuilding() {
        let mut conn = at_version(6);
        conn.execute_batch(
            "INSERT INTO search_index (rowid, title, title_uni, body, body_uni, py)
                 VALUES (1, '社保', '社 保', '', '', '');
             INSERT INTO meta (key, value) VALUES ('index_version', '4'),
                 ('content_version', '7');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        // The old tokens are gone and nothing claims the index is current: searches scan until
        // the rebuild.
        assert_eq!(count("SELECT count(*) FROM search_index_docsize"), 0);
        assert_eq!(
            count("SELECT count(*) FROM meta WHERE key = 'index_version'"),
            0
        );
        assert_eq!(count("SELECT count(*) FROM meta"), 1, "other facts stay");
        // The new layout: positions for phrases, a set of terms per document.
        conn.execute_batch(
            "INSERT INTO search_index (rowid, title, title_uni, body) VALUES (1, '社保', '社 保', '');
             INSERT INTO search_terms (rowid, terms) VALUES (1, '社 保');",
        )
        .unwrap();
        assert_eq!(
            count("SELECT count(*) FROM search_index WHERE search_index MATCH '\"社保\"'"),
            1
        );
        assert_eq!(
            count("SELECT count(*) FROM search_terms WHERE search_terms MATCH '社 AND 保'"),
            1
        );
    }

    #[test]
    fn refuses_newer_schema() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", LATEST + 1)
            .unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(MigrateError::TooNew { .. })
        ));
    }
}
