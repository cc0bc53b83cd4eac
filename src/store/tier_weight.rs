//! `tier_weight(table, column…)`: an FTS5 auxiliary function that weighs one search hit within
//! its ranking tier — BM25's term-frequency part, without its IDF.
//!
//! FTS5's own `bm25()` starts every query by counting, for each phrase, every row of the whole
//! index that holds it (its IDF), which for a phrase of common bigrams means reading most of the
//! index's position lists again: 13 of the 19 ms that ranking the 1,438 title hits of `行政复议`
//! took at 200,000 documents. Within one tier every hit holds every phrase, so IDF only shifts
//! weight between the phrases of a query of several words; the part that orders the hits —
//! how often each phrase occurs against how long the text is — needs nothing but the row
//! itself. With this weight a tier is read and ranked in one pass.
//!
//! For each phrase *p* of the query, with *f* its instances in the row (only in the columns the
//! expression filters to, as FTS5 reports them), *L* the row's length in tokens over the
//! `column…` arguments (every column when none is given) and *avgL* that length's mean over the
//! table: `Σ f·(k1+1) / (f + k1·(1 − b + b·L/avgL))`, with BM25's k1 = 1.2 and b = 0.75. Higher
//! is better (FTS5's `bm25()` is negative).
//!
//! Owns: registering the function on a connection, through FTS5's C API (there is no safe
//! wrapper for auxiliary functions). Must never: unwind across the C boundary, read anything but
//! what the API hands over, or keep state between rows.

use std::ffi::{c_int, c_void};
use std::ptr;

use rusqlite::Connection;
use rusqlite::ffi;

/// BM25's term-frequency saturation.
const K1: f64 = 1.2;
/// BM25's length normalisation.
const B: f64 = 0.75;

/// Registers `tier_weight` on `conn`.
pub(super) fn register(conn: &Connection) -> rusqlite::Result<()> {
    let api = fts5_api(conn)?;
    // SAFETY: `api` is the connection's live FTS5 API (it lives as long as the connection);
    // the name is a NUL-terminated literal, the function a plain `extern "C"` fn without user
    // data, so there is nothing to destroy.
    let rc = unsafe {
        match (*api).xCreateFunction {
            Some(create) => create(
                api,
                c"tier_weight".as_ptr(),
                ptr::null_mut(),
                Some(tier_weight),
                None,
            ),
            None => ffi::SQLITE_MISUSE,
        }
    };
    check(rc)
}

/// The connection's `fts5_api`, fetched as FTS5's documentation prescribes: `SELECT fts5(?1)`
/// with a pointer bound as `fts5_api_ptr`.
fn fts5_api(conn: &Connection) -> rusqlite::Result<*mut ffi::fts5_api> {
    let mut api: *mut ffi::fts5_api = ptr::null_mut();
    let mut stmt: *mut ffi::sqlite3_stmt = ptr::null_mut();
    // SAFETY: the handle is only used on this thread while `conn` is borrowed; the statement is
    // finalized on every path; the bound pointer outlives the statement.
    unsafe {
        let db = conn.handle();
        check(ffi::sqlite3_prepare_v2(
            db,
            c"SELECT fts5(?1)".as_ptr(),
            -1,
            &mut stmt,
            ptr::null_mut(),
        ))?;
        let mut rc = ffi::sqlite3_bind_pointer(
            stmt,
            1,
            (&raw mut api).cast::<c_void>(),
            c"fts5_api_ptr".as_ptr(),
            None,
        );
        if rc == ffi::SQLITE_OK {
            rc = ffi::sqlite3_step(stmt);
        }
        ffi::sqlite3_finalize(stmt);
        if rc != ffi::SQLITE_ROW && rc != ffi::SQLITE_DONE {
            return Err(error(rc));
        }
    }
    if api.is_null() {
        return Err(error(ffi::SQLITE_MISUSE));
    }
    Ok(api)
}

fn check(rc: c_int) -> rusqlite::Result<()> {
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(error(rc))
    }
}

fn error(rc: c_int) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(ffi::Error::new(rc), Some("registering tier_weight".into()))
}

/// The FTS5 entry point: computes the weight, or reports FTS5's error code.
unsafe extern "C" fn tier_weight(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    ctx: *mut ffi::sqlite3_context,
    n_val: c_int,
    values: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: FTS5 calls this with a valid API table and context for the current row, and
    // `values` holding `n_val` arguments.
    unsafe {
        let columns: Vec<c_int> = (0..usize::try_from(n_val).unwrap_or(0))
            .map(|i| ffi::sqlite3_value_int(*values.add(i)))
            .collect();
        match weigh(&*api, fts, &columns) {
            Ok(weight) => ffi::sqlite3_result_double(ctx, weight),
            Err(rc) => ffi::sqlite3_result_error_code(ctx, rc),
        }
    }
}

/// The weight of the current row; `columns` are those whose length counts (all when empty).
///
/// # Safety
/// `api` and `fts` must be what FTS5 passed to the auxiliary function for the current row.
unsafe fn weigh(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    columns: &[c_int],
) -> Result<f64, c_int> {
    let missing = ffi::SQLITE_MISUSE;
    let (Some(phrase_count), Some(inst_count), Some(inst)) =
        (api.xPhraseCount, api.xInstCount, api.xInst)
    else {
        return Err(missing);
    };
    let (Some(column_size), Some(total_size), Some(row_count)) =
        (api.xColumnSize, api.xColumnTotalSize, api.xRowCount)
    else {
        return Err(missing);
    };
    let ok = |rc: c_int| {
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(rc)
        }
    };
    // SAFETY (every call below): the caller's contract; out-pointers are locals.
    unsafe {
        let phrases = usize::try_from(phrase_count(fts)).unwrap_or(0);
        let mut frequency = vec![0.0_f64; phrases];
        let mut instances: c_int = 0;
        ok(inst_count(fts, &mut instances))?;
        for i in 0..instances {
            let (mut phrase, mut column, mut offset) = (0, 0, 0);
            ok(inst(fts, i, &mut phrase, &mut column, &mut offset))?;
            if let Some(f) = usize::try_from(phrase)
                .ok()
                .and_then(|p| frequency.get_mut(p))
            {
                *f += 1.0;
            }
        }
        let (mut length, mut total) = (0_i64, 0_i64);
        let all = [-1];
        for &column in if columns.is_empty() {
            &all[..]
        } else {
            columns
        } {
            let (mut size, mut column_total): (c_int, i64) = (0, 0);
            ok(column_size(fts, column, &mut size))?;
            ok(total_size(fts, column, &mut column_total))?;
            length += i64::from(size);
            total += column_total;
        }
        let mut rows: i64 = 0;
        ok(row_count(fts, &mut rows))?;
        let mean = if rows > 0 && total > 0 {
            total as f64 / rows as f64
        } else {
            1.0
        };
        let norm = K1 * (1.0 - B + B * length as f64 / mean);
        Ok(frequency.iter().map(|&f| f * (K1 + 1.0) / (f + norm)).sum())
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        super::register(&conn).unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize = 'ascii');
             INSERT INTO t(rowid, title, body) VALUES
               (1, 'tax office', 'opening hours of the tax office'),
               (2, 'tax', 'tax tax tax'),
               (3, 'tax office annual report for the city', 'nothing'),
               (4, 'parks', 'tax');",
        )
        .unwrap();
        conn
    }

    fn weights(conn: &Connection, sql: &str) -> Vec<(i64, f64)> {
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn shorter_titles_and_more_instances_weigh_more() {
        let conn = table();
        let title = weights(
            &conn,
            "SELECT rowid, tier_weight(t, 0) FROM t WHERE t MATCH '{title} : tax'
             ORDER BY tier_weight(t, 0) DESC",
        );
        let order: Vec<i64> = title.iter().map(|(rowid, _)| *rowid).collect();
        // Only the title counts: the one-word title first, the long one last; row 4 has it
        // only in its body.
        assert_eq!(order, [2, 1, 3]);
        assert!(title.iter().all(|(_, w)| *w > 0.0));
        // Over every column, three instances in a short row outweigh one.
        let all = weights(
            &conn,
            "SELECT rowid, tier_weight(t) FROM t WHERE t MATCH 'tax'
             ORDER BY tier_weight(t) DESC",
        );
        assert_eq!(all.first().map(|(rowid, _)| *rowid), Some(2));
    }

    #[test]
    fn every_phrase_of_the_query_adds_its_part() {
        let conn = table();
        let one = weights(
            &conn,
            "SELECT rowid, tier_weight(t) FROM t WHERE t MATCH 'tax' AND rowid = 1",
        );
        let two = weights(
            &conn,
            "SELECT rowid, tier_weight(t) FROM t WHERE t MATCH 'tax AND office' AND rowid = 1",
        );
        assert!(two[0].1 > one[0].1, "{one:?} {two:?}");
    }
}
