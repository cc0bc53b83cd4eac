//! `rowid_list(rowid)`: an aggregate that collects the row ids it is given, in order, as one
//! BLOB of native-endian `i64`s (empty for none; read it with [`rowids_of`]).
//!
//! Counting a search's matches per facet reads every matching row id, often most of the index.
//! Returned to Rust one row at a time, each would cost a statement step, twice what FTS5 takes
//! to find it; through rusqlite's safe aggregate API each still cost a boxed call and a value
//! conversion, and the list was copied four times on its way out. Here each step is one
//! `sqlite3_value_int64` and a store into an array SQLite allocated, and the array becomes the
//! result as it is: SQLite frees it with the statement's result.
//!
//! Owns: registering the function on a connection, through SQLite's C API. Must never: unwind
//! across the C boundary, or read anything but the one argument of each step.

use std::ffi::{c_int, c_void};
use std::ptr;

use rusqlite::Connection;
use rusqlite::ffi;

/// Room for this many row ids is allocated first; the array doubles as it fills.
const FIRST_CAPACITY: usize = 1024;

/// The state of one aggregation, in the zeroed memory `sqlite3_aggregate_context` hands out:
/// an array from `sqlite3_realloc64` (null until the first step), its length and capacity.
#[repr(C)]
struct List {
    rowids: *mut i64,
    len: usize,
    capacity: usize,
}

/// Registers `rowid_list` on `conn`.
pub(super) fn register(conn: &Connection) -> rusqlite::Result<()> {
    // SAFETY: the handle belongs to `conn`, borrowed for the call; the name is a NUL-terminated
    // literal; the callbacks are plain `extern "C"` fns without user data.
    let rc = unsafe {
        ffi::sqlite3_create_function_v2(
            conn.handle(),
            c"rowid_list".as_ptr(),
            1,
            // Direct only: a view or trigger in a damaged or foreign file cannot call it.
            ffi::SQLITE_UTF8 | ffi::SQLITE_DETERMINISTIC | ffi::SQLITE_DIRECTONLY,
            ptr::null_mut(),
            None,
            Some(step),
            Some(finish),
            None,
        )
    };
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(rusqlite::Error::SqliteFailure(
            ffi::Error::new(rc),
            Some("registering rowid_list".into()),
        ))
    }
}

/// The row ids of a `rowid_list` BLOB.
pub(super) fn rowids_of(list: &[u8]) -> impl Iterator<Item = i64> + '_ {
    list.chunks_exact(8).map(|bytes| {
        let mut word = [0; 8];
        word.copy_from_slice(bytes);
        i64::from_ne_bytes(word)
    })
}

unsafe extern "C" fn step(
    ctx: *mut ffi::sqlite3_context,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: SQLite calls this with a live context and `argc` live values (the function was
    // registered with one argument); the aggregate context is zeroed memory of the requested
    // size, private to this aggregation, where an all-zero `List` is the empty one.
    unsafe {
        if argc != 1 {
            return ffi::sqlite3_result_error_code(ctx, ffi::SQLITE_MISUSE);
        }
        let list = ffi::sqlite3_aggregate_context(ctx, size_of::<List>() as c_int).cast::<List>();
        let Some(list) = list.as_mut() else {
            return ffi::sqlite3_result_error_nomem(ctx);
        };
        if list.len == list.capacity {
            let capacity = (list.capacity * 2).max(FIRST_CAPACITY);
            let grown = ffi::sqlite3_realloc64(
                list.rowids.cast::<c_void>(),
                (capacity * size_of::<i64>()) as u64,
            )
            .cast::<i64>();
            if grown.is_null() {
                return ffi::sqlite3_result_error_nomem(ctx);
            }
            list.rowids = grown;
            list.capacity = capacity;
        }
        *list.rowids.add(list.len) = ffi::sqlite3_value_int64(*argv);
        list.len += 1;
    }
}

unsafe extern "C" fn finish(ctx: *mut ffi::sqlite3_context) {
    // SAFETY: as in `step`; asking for no memory returns the aggregation's context if a step
    // made one, or null for none. The array came from `sqlite3_realloc64`, so `sqlite3_free` is
    // its destructor: the result takes it over, and nothing here touches it afterwards.
    unsafe {
        let list = ffi::sqlite3_aggregate_context(ctx, 0).cast::<List>();
        match list.as_mut() {
            Some(list) if !list.rowids.is_null() => {
                let rowids = std::mem::replace(&mut list.rowids, ptr::null_mut());
                ffi::sqlite3_result_blob64(
                    ctx,
                    rowids.cast::<c_void>(),
                    (list.len * size_of::<i64>()) as u64,
                    Some(ffi::sqlite3_free),
                );
            }
            _ => ffi::sqlite3_result_zeroblob(ctx, 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_in_order() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        let values: Vec<i64> = [i64::MIN, -1, 0, 7, i64::MAX]
            .into_iter()
            .chain(0..5_000)
            .collect();
        for v in &values {
            conn.execute("INSERT INTO t VALUES (?1)", [v]).unwrap();
        }
        let list = |sql: &str| -> Vec<i64> {
            conn.query_row(sql, [], |r| {
                Ok(rowids_of(r.get_ref(0)?.as_blob()?).collect())
            })
            .unwrap()
        };
        assert_eq!(
            list("SELECT rowid_list(x) FROM (SELECT x FROM t ORDER BY rowid)"),
            values
        );
        assert!(list("SELECT rowid_list(x) FROM t WHERE x > 1e20").is_empty());
        // Grouped: one list per group, each freed with its row.
        let mut stmt = conn
            .prepare("SELECT rowid_list(x) FROM t GROUP BY x % 3 ORDER BY x % 3")
            .unwrap();
        let lens: Vec<usize> = stmt
            .query_map([], |r| Ok(rowids_of(r.get_ref(0)?.as_blob()?).count()))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(lens.iter().sum::<usize>(), values.len());
    }
}
