//! Shard objects: `{"format": "readpoint-shard/1", "documents": […]}` as gzip-compressed JSON.
//!
//! Encoding is deterministic (documents sorted by id, object keys sorted, a gzip header with no
//! time or name), so publishing the same documents twice gives byte-identical objects. Decoding
//! is bounded: it stops at the configured decompressed size, document count and string length,
//! so a gzip bomb or a runaway publisher cannot exhaust a kiosk's memory; it streams, so only
//! one document's JSON tree exists at a time. Pure: bytes in, bytes or values out.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::GzDecoder;
use serde::Deserializer;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::Limits;
use crate::content::{SHARD_FORMAT, SourceJson};

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
    #[error("document {id:?}: a text field is {len} bytes long, more than {max}")]
    LongString {
        /// The document.
        id: String,
        /// Its longest string.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// A document as a shard holds it: JSON with an `id` (a shard lists its documents by id).
pub trait ShardDocument: serde::Serialize {
    /// The document's `id` (empty when it has none).
    fn shard_id(&self) -> &str;
}

impl ShardDocument for Value {
    fn shard_id(&self) -> &str {
        self.get("id").and_then(Value::as_str).unwrap_or_default()
    }
}

impl ShardDocument for SourceJson {
    fn shard_id(&self) -> &str {
        self.text("id").unwrap_or_default()
    }
}

impl<T: ShardDocument> ShardDocument for &T {
    fn shard_id(&self) -> &str {
        (**self).shard_id()
    }
}

/// Encodes documents as a shard object: sorted by `id`, compact JSON, gzip with a fixed header.
pub fn encode<T: ShardDocument>(documents: &[T]) -> Vec<u8> {
    let mut sorted: Vec<&T> = documents.iter().collect();
    sorted.sort_by(|a, b| a.shard_id().cmp(b.shard_id()));
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

/// Decodes a shard object within `limits`, expecting `expected_documents` documents (the
/// manifest's count), handing each document to `each` as soon as it is parsed — one
/// document's JSON tree at a time, never the whole shard's — and returns how many there were.
/// The documents are not validated here (the caller turns each into a typed
/// [`crate::content::Document`] at once).
pub fn decode<F: FnMut(Value)>(
    bytes: &[u8],
    expected_documents: u64,
    limits: &Limits,
    mut each: F,
) -> Result<u64, ShardError> {
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
    let mut state = Stream {
        limits,
        each: &mut each,
        count: 0,
        stopped: None,
    };
    let mut deserializer = serde_json::Deserializer::from_slice(&json);
    let parsed = ShardSeed(&mut state)
        .deserialize(&mut deserializer)
        .and_then(|shape| deserializer.end().map(|()| shape));
    if let Some(error) = state.stopped.take() {
        return Err(error);
    }
    let shape = parsed.map_err(|e| ShardError::Shape(e.to_string()))?;
    match shape.format.as_deref() {
        Some(SHARD_FORMAT) => {}
        other => {
            return Err(ShardError::Shape(format!(
                "\"format\" is {}, expected \"{SHARD_FORMAT}\"",
                other.map_or_else(|| "missing".to_owned(), |f| format!("{f:?}"))
            )));
        }
    }
    if !shape.documents {
        return Err(ShardError::Shape("\"documents\" is not a list".into()));
    }
    if state.count != expected_documents {
        return Err(ShardError::Count(format!(
            "holds {} documents but the manifest says {expected_documents}",
            state.count
        )));
    }
    Ok(state.count)
}

/// The streaming decoder's state: the limits, the consumer, and the limit that stopped it.
struct Stream<'a, F> {
    limits: &'a Limits,
    each: &'a mut F,
    count: u64,
    stopped: Option<ShardError>,
}

/// What the top-level object held besides the documents.
struct Shape {
    format: Option<String>,
    documents: bool,
}

struct ShardSeed<'s, 'a, F>(&'s mut Stream<'a, F>);

impl<'de, F: FnMut(Value)> DeserializeSeed<'de> for ShardSeed<'_, '_, F> {
    type Value = Shape;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Shape, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, F: FnMut(Value)> Visitor<'de> for ShardSeed<'_, '_, F> {
    type Value = Shape;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object with \"format\" and \"documents\"")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let mut shape = Shape {
            format: None,
            documents: false,
        };
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "format" if shape.format.is_none() => shape.format = Some(map.next_value()?),
                "documents" if !shape.documents => {
                    map.next_value_seed(DocumentsSeed(&mut *self.0))?;
                    shape.documents = true;
                }
                "format" | "documents" => {
                    return Err(serde::de::Error::custom(format!("\"{key}\" appears twice")));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(shape)
    }
}

struct DocumentsSeed<'s, 'a, F>(&'s mut Stream<'a, F>);

impl<'de, F: FnMut(Value)> DeserializeSeed<'de> for DocumentsSeed<'_, '_, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(Value)> Visitor<'de> for DocumentsSeed<'_, '_, F> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("\"documents\" as a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let state = self.0;
        while let Some(doc) = seq.next_element::<Value>()? {
            state.count += 1;
            if state.count > state.limits.max_documents {
                state.stopped = Some(ShardError::Count(format!(
                    "holds more than max_documents ({}) documents",
                    state.limits.max_documents
                )));
                return Err(serde::de::Error::custom("too many documents"));
            }
            let longest = longest_string(&doc);
            if longest > state.limits.max_string {
                state.stopped = Some(ShardError::LongString {
                    id: doc.shard_id().to_owned(),
                    len: longest,
                    max: state.limits.max_string,
                });
                return Err(serde::de::Error::custom("string too long"));
            }
            (state.each)(doc);
        }
        Ok(())
    }
}

/// Length in bytes of the longest string (or object key) in `value`.
pub(super) fn longest_string(value: &Value) -> usize {
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
