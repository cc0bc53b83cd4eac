//! The Readpoint feed, version 1 (`docs/feed.md`): what a portal publishes and a kiosk fetches.
//!
//! This module owns the wire format: the signed `manifest.json` ([`Manifest`], parsed and
//! checked by [`Manifest::parse`]), shard objects (gzip JSON, [`shard`]), minisign signatures
//! ([`signature`]) and content-addressed object names ([`object_path`]). [`publish`] builds a
//! feed directory from content files (`readpoint feed build`) and makes signing keys
//! (`readpoint feed keygen`).
//!
//! It never talks to the network and never touches the cache: fetching and applying a feed is
//! `crate::sync`. Apart from [`publish`], which writes the feed directory it is given, it does
//! no I/O.

pub mod key;
pub mod pages;
pub mod patch;
pub mod publish;
pub mod shard;
pub mod signature;

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use key::MinisignPublicKey;
pub use patch::PatchRef;

use crate::content::is_hidden_or_control;

/// The `format` of a version-1 manifest.
pub const MANIFEST_FORMAT: &str = "readpoint-feed/1";
/// The manifest's file name under the feed URL.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The signature's file name under the feed URL.
pub const SIGNATURE_FILE: &str = "manifest.json.minisig";
/// The folder of content-addressed objects under the feed URL (and in the kiosk's data folder).
pub const OBJECTS_DIR: &str = "objects";
/// Largest `manifest.json` a kiosk accepts (a feed of 10,000 shards is about 1.5 MB).
pub const MAX_MANIFEST_SIZE: u64 = 16 << 20;
/// Largest signature file accepted.
pub const MAX_SIGNATURE_SIZE: u64 = 4096;

/// The signed table of contents of a feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`MANIFEST_FORMAT`].
    pub format: String,
    /// Which portal's feed this is; must equal the kiosk's `sync.feed_id`.
    pub feed_id: String,
    /// Strictly increases with every publish.
    pub version: u64,
    /// When this version was published (RFC 3339, UTC).
    pub published_at: String,
    /// After this time the content counts as stale (RFC 3339, UTC); `None`: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Who publishes the feed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// Base of "continue on your phone" links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal_url: Option<String>,
    /// Every shard of the content, in publishing order.
    pub shards: Vec<ShardRef>,
    /// Files documents refer to by SHA-256.
    #[serde(default)]
    pub attachments: Vec<AttachmentRef>,
    /// Patches from recent versions to this one ([`patch`]): a kiosk that applied one of those
    /// versions fetches its patch instead of the changed shards.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<PatchRef>,
}

/// One shard as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardRef {
    /// Stable name (`guide`, `catalogue_entry-2012`); documents are stored under it.
    pub name: String,
    /// SHA-256 of the compressed bytes (64 lowercase hex digits): the object's name.
    pub sha256: String,
    /// Size of the compressed bytes.
    pub size: u64,
    /// How many documents it holds.
    pub documents: u64,
}

/// One attachment as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    /// SHA-256 of the file (64 lowercase hex digits): the object's name.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// MIME type, e.g. `application/pdf`.
    pub media_type: String,
    /// Name to show.
    pub file_name: String,
    /// The pages rendered by the publisher (PDFs), so a kiosk can show them without parsing
    /// the file ([`pages`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<pages::PagesRef>,
}

/// Limits a kiosk puts on what a feed may make it download and decode (`[sync]` in the
/// configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest shard object (compressed), in bytes.
    pub max_shard_size: u64,
    /// Largest decompressed shard JSON, in bytes (gzip bombs stop here).
    pub max_shard_json: u64,
    /// Most documents in the whole feed.
    pub max_documents: u64,
    /// Longest string anywhere in a document, in bytes.
    pub max_string: usize,
    /// Most shards one manifest may list.
    pub max_shards: usize,
    /// Most attachments one manifest may list.
    pub max_attachments: usize,
    /// Largest sum of all shard sizes (compressed), in bytes: a whole feed's download.
    pub max_feed_size: u64,
}

impl Limits {
    /// Largest decompressed shard accepted whatever `max_shard_size` says: twice what the
    /// publisher writes (16 MiB), so parsing one shard stays within a kiosk's memory.
    pub const MAX_SHARD_JSON: u64 = 32 << 20;
    /// Longest string in a document (a long report body is well under 1 MiB).
    pub const MAX_STRING: usize = 4 << 20;
    /// Most shards in a manifest (a 200,000-document feed in month shards has a few hundred;
    /// a 16 MiB manifest could otherwise list about 100,000).
    pub const MAX_SHARDS: usize = 20_000;
    /// Most attachments in a manifest.
    pub const MAX_ATTACHMENTS: usize = 100_000;
    /// Largest whole feed (sum of compressed shard sizes): about 40 times the 200,000-document
    /// benchmark feed.
    pub const MAX_FEED_SIZE: u64 = 8 << 30;

    /// Limits from the configured shard size and document count.
    pub fn new(max_shard_size: u64, max_documents: u64) -> Limits {
        Limits {
            max_shard_size,
            max_shard_json: Self::MAX_SHARD_JSON,
            max_documents,
            max_string: Self::MAX_STRING,
            max_shards: Self::MAX_SHARDS,
            max_attachments: Self::MAX_ATTACHMENTS,
            max_feed_size: Self::MAX_FEED_SIZE,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        let sync = crate::config::SyncConfig::default();
        Limits::new(sync.max_shard_size, sync.max_documents)
    }
}

/// Why a manifest is not acceptable. Every message names the field and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// Not JSON, or the wrong shape.
    #[error("manifest.json is not a readpoint manifest: {0}")]
    Shape(String),
    /// `format` is missing or unknown.
    #[error(
        "manifest.json has \"format\": {found}; this kiosk reads only \"{MANIFEST_FORMAT}\" (update the kiosk software if the portal moved to a newer format)"
    )]
    Format {
        /// What the manifest says.
        found: String,
    },
    /// A field has a bad value.
    #[error("manifest.json: {field} {problem}")]
    Field {
        /// JSON path of the field, e.g. `shards[3].sha256`.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// The manifest asks for more than the configured limits allow.
    #[error(
        "manifest.json: {0} (raise the limit in [sync] of the configuration if this is expected)"
    )]
    Limit(String),
}

impl Manifest {
    /// Parses and checks the exact bytes of `manifest.json`: the format first, then every field
    /// (times, hashes, names, sizes against `limits`). Unknown fields are ignored.
    pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Manifest, ManifestError> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| ManifestError::Shape(e.to_string()))?;
        match value.get("format") {
            Some(serde_json::Value::String(f)) if f == MANIFEST_FORMAT => {}
            Some(other) => {
                return Err(ManifestError::Format {
                    found: other.to_string(),
                });
            }
            None => {
                return Err(ManifestError::Format {
                    found: "nothing (the field is missing)".to_owned(),
                });
            }
        }
        let manifest: Manifest =
            serde_json::from_value(value).map_err(|e| ManifestError::Shape(e.to_string()))?;
        manifest.check(limits)?;
        Ok(manifest)
    }

    /// The manifest as published: indented JSON (easy to read for portal staff) and a final
    /// newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// `published_at` as a timestamp (checked by [`Manifest::parse`]).
    pub fn published(&self) -> Option<jiff::Timestamp> {
        self.published_at.parse().ok()
    }

    /// `expires_at` as a timestamp.
    pub fn expires(&self) -> Option<jiff::Timestamp> {
        self.expires_at.as_deref().and_then(|t| t.parse().ok())
    }

    /// Total documents over all shards.
    pub fn document_count(&self) -> u64 {
        self.shards.iter().map(|s| s.documents).sum()
    }

    fn check(&self, limits: &Limits) -> Result<(), ManifestError> {
        let field = |field: String, problem: &str| ManifestError::Field {
            field,
            problem: problem.to_owned(),
        };
        if self.feed_id.is_empty() || self.feed_id.len() > 64 {
            return Err(field("feed_id".into(), "must be 1 to 64 characters"));
        }
        // Text that reaches logs, the status document, file names and QR codes: inert.
        let texts = [
            ("feed_id".to_owned(), Some(self.feed_id.as_str())),
            ("publisher".to_owned(), self.publisher.as_deref()),
            ("portal_url".to_owned(), self.portal_url.as_deref()),
        ]
        .into_iter()
        .chain(self.attachments.iter().enumerate().flat_map(|(i, a)| {
            [
                (
                    format!("attachments[{i}].file_name"),
                    Some(a.file_name.as_str()),
                ),
                (
                    format!("attachments[{i}].media_type"),
                    Some(a.media_type.as_str()),
                ),
            ]
        }));
        for (name, text) in texts {
            if let Some(c) = text.and_then(|t| t.chars().find(|&c| is_hidden_or_control(c))) {
                return Err(field(
                    name,
                    &format!(
                        "contains the control or invisible character U+{:04X}; the portal must \
                         publish plain text",
                        u32::from(c)
                    ),
                ));
            }
        }
        let published = self.published_at.parse::<jiff::Timestamp>().map_err(|e| {
            field(
                "published_at".into(),
                &format!("is not an RFC 3339 time ({e})"),
            )
        })?;
        if let Some(expires) = &self.expires_at {
            let expires = expires.parse::<jiff::Timestamp>().map_err(|e| {
                field(
                    "expires_at".into(),
                    &format!("is not an RFC 3339 time ({e})"),
                )
            })?;
            if expires <= published {
                return Err(field("expires_at".into(), "is not after published_at"));
            }
        }
        if let Some(url) = &self.portal_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(field(
                "portal_url".into(),
                "must start with http:// or https://",
            ));
        }
        if self.shards.len() > limits.max_shards {
            return Err(ManifestError::Limit(format!(
                "the manifest lists {} shards, more than a feed may have ({})",
                self.shards.len(),
                limits.max_shards
            )));
        }
        if self.attachments.len() > limits.max_attachments {
            return Err(ManifestError::Limit(format!(
                "the manifest lists {} attachments, more than a feed may have ({})",
                self.attachments.len(),
                limits.max_attachments
            )));
        }
        let size: u64 = self
            .shards
            .iter()
            .fold(0u64, |sum, s| sum.saturating_add(s.size));
        if size > limits.max_feed_size {
            return Err(ManifestError::Limit(format!(
                "the shards add up to {size} bytes, more than a whole feed may be ({} bytes)",
                limits.max_feed_size
            )));
        }
        if let Some(url) = &self.portal_url
            && url.contains(char::is_whitespace)
        {
            return Err(field(
                "portal_url".into(),
                "must be one address without spaces",
            ));
        }
        let mut names = HashSet::new();
        let mut total: u64 = 0;
        for (i, shard) in self.shards.iter().enumerate() {
            if !valid_shard_name(&shard.name) {
                return Err(field(
                    format!("shards[{i}].name"),
                    "must be 1 to 100 characters a-z, 0-9, '.', '_' or '-'",
                ));
            }
            if !names.insert(shard.name.as_str()) {
                return Err(field(
                    format!("shards[{i}].name"),
                    &format!("repeats the shard name {:?}", shard.name),
                ));
            }
            check_sha256(&shard.sha256).map_err(|p| field(format!("shards[{i}].sha256"), p))?;
            if shard.size > limits.max_shard_size {
                return Err(ManifestError::Limit(format!(
                    "shard {:?} is {} bytes, more than max_shard_size ({} bytes)",
                    shard.name, shard.size, limits.max_shard_size
                )));
            }
            total = total.saturating_add(shard.documents);
        }
        if total > limits.max_documents {
            return Err(ManifestError::Limit(format!(
                "the feed holds {total} documents, more than max_documents ({})",
                limits.max_documents
            )));
        }
        if self.patches.len() > patch::MAX_PATCHES {
            return Err(field(
                "patches".into(),
                &format!(
                    "lists {} patches, more than {}",
                    self.patches.len(),
                    patch::MAX_PATCHES
                ),
            ));
        }
        let mut froms = HashSet::new();
        for (i, patch) in self.patches.iter().enumerate() {
            if patch.from >= self.version || !froms.insert(patch.from) {
                return Err(field(
                    format!("patches[{i}].from"),
                    "must be an earlier version than the manifest's, listed once",
                ));
            }
            check_sha256(&patch.sha256).map_err(|p| field(format!("patches[{i}].sha256"), p))?;
            if patch.size > limits.max_shard_size {
                return Err(ManifestError::Limit(format!(
                    "the patch from version {} is {} bytes, more than max_shard_size ({} bytes)",
                    patch.from, patch.size, limits.max_shard_size
                )));
            }
        }
        for (i, attachment) in self.attachments.iter().enumerate() {
            check_sha256(&attachment.sha256)
                .map_err(|p| field(format!("attachments[{i}].sha256"), p))?;
            if attachment.file_name.is_empty()
                || attachment.file_name.contains(['/', '\\'])
                || attachment.file_name.starts_with('.')
            {
                return Err(field(
                    format!("attachments[{i}].file_name"),
                    "must be a plain file name (no folders, not starting with '.')",
                ));
            }
            if let Some(pages) = &attachment.pages {
                check_sha256(&pages.sha256)
                    .map_err(|p| field(format!("attachments[{i}].pages.sha256"), p))?;
                let most = pages::PageLimits::default();
                if pages.count == 0
                    || pages.count as usize > most.max_pages
                    || pages.size == 0
                    || pages.size > most.max_object
                {
                    return Err(field(
                        format!("attachments[{i}].pages"),
                        &format!(
                            "count must be 1 to {} and size 1 to {} bytes",
                            most.max_pages, most.max_object
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Shard names: `[a-z0-9._-]{1,100}`, not starting with `.`.
pub fn valid_shard_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// `Ok` for 64 lowercase hex digits.
pub fn check_sha256(text: &str) -> Result<(), &'static str> {
    if text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err("must be a SHA-256 in 64 lowercase hex digits")
    }
}

/// SHA-256 of `bytes` in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Where the object named `sha256` lives under `root` (a feed directory or the kiosk's data
/// folder): `objects/<first two hex digits>/<sha256>`. `sha256` must be checked first.
pub fn object_path(root: &Path, sha256: &str) -> PathBuf {
    root.join(OBJECTS_DIR)
        .join(sha256.get(..2).unwrap_or("xx"))
        .join(sha256)
}

/// The URL path of an object relative to the feed URL.
pub fn object_url_path(sha256: &str) -> String {
    format!("{OBJECTS_DIR}/{}/{sha256}", sha256.get(..2).unwrap_or("xx"))
}

#[cfg(test)]
mod tests;
