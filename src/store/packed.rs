//! The stored form of a document's JSON (`document.json`): deflated, a third of the cache.
//!
//! A document's JSON is a few KiB of field names and Chinese text; each is compressed on its
//! own (a document is read alone), so the field names, repeated in every document but only
//! once in each, are what deflate finds least of. [`DICTIONARY`] primes the window with them:
//! the format's keys and closed vocabularies (`docs/feed.md`, `content::document`), nothing of
//! any particular portal's text.
//!
//! A packed value is a BLOB: [`FORMAT`], then the raw deflate stream that follows the
//! dictionary's own (the dictionary is compressed first and its bytes dropped, so decoding
//! replays it and continues). A TEXT value is JSON stored as it is, by builds before packing;
//! both are read the same way, so no cache is rewritten to be read. SQL reads the JSON through
//! the function `doc_json(json)` ([`register`]); Rust through [`unpack`]. Never does I/O.

use std::sync::OnceLock;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;

/// The first byte of a packed value: raw deflate after [`DICTIONARY`]. Another dictionary
/// would take another byte, and this one stays readable.
const FORMAT: u8 = 1;

/// Field names and closed vocabularies of the document format, in the order serde_json writes
/// keys (sorted), so that the start of most documents repeats it. Changing it makes a new
/// format: never edit it in place.
const DICTIONARY: &str = concat!(
    r#"{"attachments":[{"file_name":"","media_type":"application/pdf","page_count":,"#,
    r#""sha256":"","size":}],"audience":["面向公民","面向法人"],"body":"","category":"","#,
    r#""disclosure_channels":["政府网站","政府信息查阅点"],"disclosure_mode":"主动公开","#,
    r#""依申请公开","不予公开","disclosure_mode_reason":"","doc_number":null,"#,
    r#""generated_date":"","genre":"","guide_id":"","id":"","index_no":"","#,
    r#""keywords":[],"kind":"catalogue_entry","guide_section","annual_report","#,
    r#""language":"zh-Hans","legal_basis":[],"notes":[],"order":,"#,
    r#""provenance":{"metadata_status":"illustrative","source":""},"#,
    r#""published_date":"","publisher":{"id":"","name":""},"related_ids":[],"#,
    r#""status":"current","summary":"","time_limit":"长期公开","title":"","#,
    r#""topic_gov_cn":[],"topic_sichuan":[],"validity":"有效"}"#,
);

/// Packs a document's JSON for storing.
pub(super) fn pack(json: &str) -> Vec<u8> {
    let mut compress = Compress::new(Compression::fast(), false);
    let mut out = Vec::new();
    // Deflate output outgrows its input by a few bytes per block at most: with that much room
    // a step is one call. The loop only guards against a library that wants more calls.
    let mut step = |input: &[u8], flush: FlushCompress, out: &mut Vec<u8>| {
        let start = compress.total_in();
        loop {
            let done = usize::try_from(compress.total_in() - start).unwrap_or(input.len());
            out.reserve(input.len() - done + 1024);
            let produced = compress.total_out();
            let status = compress.compress_vec(&input[done..], out, flush);
            let consumed = usize::try_from(compress.total_in() - start).unwrap_or(input.len());
            let finished = match (flush, status) {
                (_, Err(_)) => true,
                (FlushCompress::Finish, Ok(status)) => status == Status::StreamEnd,
                // A sync flush is done when all input is in and the output stopped short of
                // the room it had.
                _ => consumed == input.len() && out.len() < out.capacity(),
            };
            if finished || (consumed == done && compress.total_out() == produced) {
                break;
            }
        }
    };
    step(DICTIONARY.as_bytes(), FlushCompress::Sync, &mut out);
    let prefix = out.len();
    step(json.as_bytes(), FlushCompress::Finish, &mut out);
    let mut packed = Vec::with_capacity(out.len() - prefix + 1);
    packed.push(FORMAT);
    packed.extend_from_slice(&out[prefix..]);
    packed
}

/// The dictionary compressed and sync-flushed: what a packed value's stream continues.
fn dictionary_stream() -> &'static [u8] {
    static STREAM: OnceLock<Vec<u8>> = OnceLock::new();
    STREAM.get_or_init(|| {
        let mut compress = Compress::new(Compression::fast(), false);
        let mut out = Vec::with_capacity(DICTIONARY.len() * 2 + 64);
        let _ = compress.compress_vec(DICTIONARY.as_bytes(), &mut out, FlushCompress::Sync);
        out
    })
}

/// The JSON text of a stored `document.json` value: packed (BLOB) or as it is (TEXT).
pub(super) fn unpack(value: ValueRef<'_>) -> Result<String, String> {
    match value {
        ValueRef::Text(text) => String::from_utf8(text.to_vec())
            .map_err(|_| "the stored document is not UTF-8".to_owned()),
        ValueRef::Blob([FORMAT, stream @ ..]) => inflate(stream),
        ValueRef::Blob(_) => Err("the stored document is packed in an unknown format".into()),
        _ => Err("the stored document is neither text nor packed".into()),
    }
}

/// Largest JSON a packed value may expand to: twice the largest shard a kiosk accepts
/// (`feed::Limits::MAX_SHARD_JSON`), so no document is too large, and a damaged value cannot
/// grow without bound.
const MAX_UNPACKED: usize = 64 << 20;

fn inflate(stream: &[u8]) -> Result<String, String> {
    let damaged = || "the stored document's packed bytes are damaged".to_owned();
    let mut input = Vec::with_capacity(dictionary_stream().len() + stream.len());
    input.extend_from_slice(dictionary_stream());
    input.extend_from_slice(stream);
    let mut decompress = Decompress::new(false);
    let mut out = Vec::with_capacity(DICTIONARY.len() + stream.len() * 4);
    loop {
        if out.capacity() - out.len() < 4096 {
            out.reserve(out.capacity().max(4096));
        }
        let (read, written) = (decompress.total_in(), decompress.total_out());
        let done = usize::try_from(read).map_err(|_| damaged())?;
        let status = decompress
            .decompress_vec(&input[done..], &mut out, FlushDecompress::None)
            .map_err(|_| damaged())?;
        if status == Status::StreamEnd {
            break;
        }
        // No progress with room to spare: the stream ended early.
        let stuck = decompress.total_in() == read && decompress.total_out() == written;
        if stuck || out.len() > MAX_UNPACKED + DICTIONARY.len() {
            return Err(damaged());
        }
    }
    let json = out.get(DICTIONARY.len()..).ok_or_else(damaged)?;
    String::from_utf8(json.to_vec()).map_err(|_| damaged())
}

/// Registers `doc_json(value)` on `conn`: the JSON text of a stored `document.json` value, for
/// SQL's own JSON functions (`json_extract(doc_json(json), '$.index_no')`).
pub(super) fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "doc_json",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| unpack(ctx.get_raw(0)).map_err(|e| rusqlite::Error::UserFunctionError(e.into())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_document_round_trips_and_shrinks() {
        let file: serde_json::Value =
            serde_json::from_str(crate::import::BUNDLED_CONTENT).expect("bundled content");
        let documents = file["documents"].as_array().expect("documents");
        assert!(!documents.is_empty());
        let (mut plain, mut packed_total) = (0, 0);
        for document in documents {
            let json = document.to_string();
            let packed = pack(&json);
            assert_eq!(packed[0], FORMAT);
            assert_eq!(
                unpack(ValueRef::Blob(&packed)).as_deref(),
                Ok(json.as_str())
            );
            plain += json.len();
            packed_total += packed.len();
        }
        assert!(packed_total * 2 < plain, "{packed_total} of {plain} bytes");
        // Text stored by earlier builds reads as it is.
        assert_eq!(
            unpack(ValueRef::Text(b"{\"id\":\"a\"}")).as_deref(),
            Ok("{\"id\":\"a\"}")
        );
        // An empty document and a long one.
        for json in [String::new(), "社".repeat(100_000)] {
            assert_eq!(unpack(ValueRef::Blob(&pack(&json))), Ok(json));
        }
    }

    #[test]
    fn damaged_values_are_errors_not_garbage() {
        let packed = pack(r#"{"id":"a","title":"政府信息公开指南"}"#);
        for damaged in [
            packed[..packed.len() / 2].to_vec(),
            vec![FORMAT],
            vec![FORMAT, 0xff, 0xff, 0xff],
            vec![9, 1, 2, 3],
            Vec::new(),
        ] {
            assert!(unpack(ValueRef::Blob(&damaged)).is_err(), "{damaged:?}");
        }
        assert!(unpack(ValueRef::Integer(1)).is_err());
        assert!(unpack(ValueRef::Text(&[0xff, 0xfe])).is_err());
    }

    #[test]
    fn sql_reads_packed_and_plain_json_alike() {
        let conn = Connection::open_in_memory().expect("open");
        register(&conn).expect("register");
        conn.execute_batch("CREATE TABLE t (json)").expect("table");
        let json = r#"{"index_no":"000000019/2012-00001","title":"公开指南"}"#;
        conn.execute("INSERT INTO t VALUES (?1)", [pack(json)])
            .expect("packed");
        conn.execute("INSERT INTO t VALUES (?1)", [json])
            .expect("plain");
        let found: Vec<String> = conn
            .prepare("SELECT json_extract(doc_json(json), '$.index_no') FROM t")
            .and_then(|mut s| s.query_map([], |row| row.get(0))?.collect())
            .expect("select");
        assert_eq!(found, ["000000019/2012-00001", "000000019/2012-00001"]);
    }
}
