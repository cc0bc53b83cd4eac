//! A feed shard as the sync applies it: `shard::decode` streams the documents of a gzip JSON
//! object and each one becomes a typed `Document` (`Document::from_value`), then its search
//! index fields are derived.
//!
//! An input that starts with the gzip magic bytes is decoded as it is (the decompressor and its
//! checks are fuzzed); any other input is taken as the shard's JSON and gzipped first (stored
//! blocks: compressing costs more than the rest of the run), so the mutations reach the
//! streaming JSON decoder and the document types rather than dying on gzip's checksum. The decompressed size limit is 1 MiB here instead of the product's 32 MiB,
//! so a gzip bomb costs milliseconds, not seconds; the limit's logic is the same.
#![no_main]

use flate2::Crc;
use libfuzzer_sys::fuzz_target;
use readpoint::content::Document;
use readpoint::feed::{Limits, shard};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_shard_json: 1 << 20,
        ..Limits::default()
    };
    let gzipped;
    let bytes = if data.starts_with(&[0x1f, 0x8b]) {
        data
    } else {
        gzipped = gzip_stored(data);
        &gzipped
    };
    let mut seen = 0u64;
    // The manifest's count is unknown here: 1 lets a one-document shard decode fully; any other
    // count is reported as a count error after every document was seen, as in a real sync.
    let result = shard::decode(bytes, 1, &limits, |value| {
        seen += 1;
        if let Ok(document) = Document::from_value(value) {
            let _ = document.index_fields();
        }
    });
    if let Ok(count) = result {
        assert_eq!(count, seen, "decode counted what it handed over");
    }
});

/// `data` as a gzip member (RFC 1952) of uncompressed deflate blocks (RFC 1951, BTYPE 00).
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 32);
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    let mut chunks = data.chunks(u16::MAX as usize).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    let mut crc = Crc::new();
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}
