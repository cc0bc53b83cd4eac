//! Shard objects: `{"format": "readpoint-shard/1", "documents": […]}` as gzip-compressed JSON.
//!
//! Encoding is deterministic (documents sorted by id, object keys sorted, a gzip header with no
//! time or name), so publishing the same documents twice gives byte-identical objects. Decoding
//! is bounded: it stops at the configured decompressed size, document count and string length,
//! so a gzip bomb or a runaway publisher cannot exhaust a kiosk's memory. Pure: bytes in, bytes or
//! values out.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::GzDecoder;
use serde_json::Value;

use super::Limits;
use crate::content::SHARD_FORMAT;

/// Why a shard object was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// Not gzip, or a corrupt gzip stream.
    #[error("is not a gzip file ({0})")]
    Gzip(String),
    /// More decompressed bytes than allowed.
    #[error("decompresses to more than {0} bytes (a gzip bomb, or a shard far too large)")]
    TooLarge(u64),
    /// Not JSON, or not a shard.
    #[error("is not a readpoint shard: {0}")]
    Shape(String),
    /// More documents than allowed, or more than the manifest declares.
    #[error("{0}")]
    Count(String),
    /// A string longer than allowed.
    #[error("document {id}: a text field is {len} bytes long, more than {max}")]
    LongString {
        /// The document.
        id: String,
        /// Its longest string.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// Encodes documents as a shard object: sorted by `id`, compact JSON, gzip with a fixed header.
pub fn encode(documents: &[Value]) -> Vec<u8> {
    let mut sorted: Vec<&Value> = documents.iter().collect();
    sorted.sort_by(|a, b| id_of(a).cmp(id_of(b)));
    let body = serde_json::json!({ "format": SHARD_FORMAT, "documents": sorted });
    let json = serde_json::to_vec(&body).unwrap_or_default();
    // mtime 0, no file name, OS "unknown": the same JSON always gives the same bytes.
    let mut encoder = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::with_capacity(json.len() / 4), Compression::new(6));
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(&json);
    encoder.finish().unwrap_or_default()
}

fn id_of(value: &Value) -> &str {
    value.get("id").and_then(Value::as_str).unwrap_or_default()
}

/// Decodes a shard object within `limits`, expecting `expected_documents` documents (the
/// manifest's count). Returns the documents, not yet validated.
pub fn decode(
    bytes: &[u8],
    expected_documents: u64,
    limits: &Limits,
) -> Result<Vec<Value>, ShardError> {
    if bytes.len() < 2 || bytes[..2] != [0x1f, 0x8b] {
        return Err(ShardError::Gzip(
            "it does not start with the gzip magic bytes".into(),
        ));
    }
    let mut json = Vec::new();
    GzDecoder::new(bytes)
        .take(limits.max_shard_json + 1)
        .read_to_end(&mut json)
        .map_err(|e| ShardError::Gzip(e.to_string()))?;
    if json.len() as u64 > limits.max_shard_json {
        return Err(ShardError::TooLarge(limits.max_shard_json));
    }
    let value: Value =
        serde_json::from_slice(&json).map_err(|e| ShardError::Shape(e.to_string()))?;
    drop(json);
    let Value::Object(mut object) = value else {
        return Err(ShardError::Shape("expected a JSON object".into()));
    };
    match object.get("format") {
        Some(Value::String(f)) if f == SHARD_FORMAT => {}
        other => {
            return Err(ShardError::Shape(format!(
                "\"format\" is {}, expected \"{SHARD_FORMAT}\"",
                other.map_or_else(|| "missing".to_owned(), Value::to_string)
            )));
        }
    }
    let Some(Value::Array(documents)) = object.remove("documents") else {
        return Err(ShardError::Shape("\"documents\" is not a list".into()));
    };
    if documents.len() as u64 > limits.max_documents {
        return Err(ShardError::Count(format!(
            "holds {} documents, more than max_documents ({})",
            documents.len(),
            limits.max_documents
        )));
    }
    if documents.len() as u64 != expected_documents {
        return Err(ShardError::Count(format!(
            "holds {} documents but the manifest says {expected_documents}",
            documents.len()
        )));
    }
    for doc in &documents {
        let longest = longest_string(doc);
        if longest > limits.max_string {
            return Err(ShardError::LongString {
                id: id_of(doc).to_owned(),
                len: longest,
                max: limits.max_string,
            });
        }
    }
    Ok(documents)
}

/// Length in bytes of the longest string (or object key) in `value`.
fn longest_string(value: &Value) -> usize {
    match value {
        Value::String(s) => s.len(),
        Value::Array(items) => items.iter().map(longest_string).max().unwrap_or(0),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| k.len().max(longest_string(v)))
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}
