//! Patch objects: the documents that changed between an earlier feed version and this one, so a
//! kiosk that applied the earlier version fetches the change instead of every changed shard.
//!
//! `{"format": "readpoint-patch/1", "from": 41, "to": 42, "shards": [{"name", "from", "to",
//! "documents", "remove": [ids], "put": [documents]}]}` as gzip JSON, encoded deterministically
//! like a shard. Each entry says how one shard goes from the object `from` (the applied
//! version's; `null`: the shard is new) to the object `to` (this version's; `null`: the shard is
//! gone): remove these ids from it, then put these documents into it, and it then holds
//! `documents` documents. The manifest lists patches from recent versions to its own
//! (`docs/feed.md`, *Patches*).
//!
//! This module owns the format, the publisher's diff and composition, and bounded decoding. It
//! never touches the cache or the network: the kiosk checks a patch against what it applied and
//! applies it in `crate::sync`. Pure: values and bytes in, values and bytes out.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::GzDecoder;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Limits;
use super::shard::{ShardDocument, ShardError};

/// The `format` of a patch object.
pub const PATCH_FORMAT: &str = "readpoint-patch/1";
/// Largest decompressed patch a kiosk reads. The publisher lists only patches under
/// [`MAX_PUBLISHED_JSON`]; a bigger change is fetched as shards.
pub const MAX_PATCH_JSON: u64 = 8 << 20;
/// Largest decompressed patch the publisher lists in a manifest.
pub const MAX_PUBLISHED_JSON: usize = 4 << 20;
/// Most patches one manifest lists (one for each of the latest versions).
pub const MAX_PATCHES: usize = 16;

/// The manifest's entry for a patch: from which version, and the object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchRef {
    /// The version the patch starts from (below the manifest's version).
    pub from: u64,
    /// SHA-256 of the compressed bytes: the object's name.
    pub sha256: String,
    /// Size of the compressed bytes.
    pub size: u64,
}

/// A decoded patch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Patch {
    /// Always [`PATCH_FORMAT`].
    pub format: String,
    /// The version it applies to.
    pub from: u64,
    /// The version it makes.
    pub to: u64,
    /// Every shard whose object differs between the two versions, sorted by name.
    pub shards: Vec<ShardPatch>,
}

/// How one shard changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardPatch {
    /// The shard's name.
    pub name: String,
    /// Its object in version `from` (`None`: not in that version).
    pub from: Option<String>,
    /// Its object in version `to` (`None`: gone in that version).
    pub to: Option<String>,
    /// How many documents it holds afterwards (0 when gone).
    pub documents: u64,
    /// Ids to remove from it (an id no longer there is skipped), sorted.
    pub remove: Vec<String>,
    /// Documents to put into it, replacing a stored document of the same id (wherever it is),
    /// sorted by id.
    pub put: Vec<Value>,
}

impl Patch {
    /// Documents the patch puts, over all shards.
    pub fn put_count(&self) -> usize {
        self.shards.iter().map(|s| s.put.len()).sum()
    }
}

/// The change of one shard from `old` documents (object `from`) to `new` ones (object `to`).
pub fn diff_shard(
    name: &str,
    from: Option<&str>,
    to: Option<&str>,
    old: &[Value],
    new: &[Value],
) -> ShardPatch {
    let old: BTreeMap<&str, &Value> = old.iter().map(|d| (d.shard_id(), d)).collect();
    let new_ids: BTreeSet<&str> = new.iter().map(ShardDocument::shard_id).collect();
    let mut put: Vec<Value> = new
        .iter()
        .filter(|d| old.get(d.shard_id()) != Some(d))
        .cloned()
        .collect();
    put.sort_by(|a, b| a.shard_id().cmp(b.shard_id()));
    ShardPatch {
        name: name.to_owned(),
        from: from.map(str::to_owned),
        to: to.map(str::to_owned),
        documents: new.len() as u64,
        remove: old
            .keys()
            .filter(|id| !new_ids.contains(*id))
            .map(|id| (*id).to_owned())
            .collect(),
        put,
    }
}

/// The patch from `older.from` to `newer.to`, when `newer` starts where `older` ends: a shard
/// both change goes from `older`'s start to `newer`'s end with `newer`'s documents winning; a
/// shard that ends where it started is left out.
pub fn compose(older: &Patch, newer: &Patch) -> Option<Patch> {
    if older.to != newer.from {
        return None;
    }
    let mut shards: BTreeMap<&str, ShardPatch> = older
        .shards
        .iter()
        .map(|s| (s.name.as_str(), s.clone()))
        .collect();
    for step in &newer.shards {
        let merged = match shards.remove(step.name.as_str()) {
            None => step.clone(),
            Some(first) => {
                let put_ids: BTreeSet<&str> =
                    step.put.iter().map(ShardDocument::shard_id).collect();
                let removed: BTreeSet<&str> = step.remove.iter().map(String::as_str).collect();
                let mut put: BTreeMap<String, Value> = first
                    .put
                    .into_iter()
                    .filter(|d| !removed.contains(d.shard_id()))
                    .map(|d| (d.shard_id().to_owned(), d))
                    .collect();
                for doc in &step.put {
                    put.insert(doc.shard_id().to_owned(), doc.clone());
                }
                // Removing an id the shard did not hold at the start is harmless (skipped).
                let remove: BTreeSet<String> = first
                    .remove
                    .into_iter()
                    .chain(step.remove.iter().cloned())
                    .filter(|id| !put_ids.contains(id.as_str()))
                    .collect();
                ShardPatch {
                    name: step.name.clone(),
                    from: first.from,
                    to: step.to.clone(),
                    documents: step.documents,
                    remove: remove.into_iter().collect(),
                    put: put.into_values().collect(),
                }
            }
        };
        shards.insert(step.name.as_str(), merged);
    }
    Some(Patch {
        format: PATCH_FORMAT.to_owned(),
        from: older.from,
        to: newer.to,
        shards: shards.into_values().filter(|s| s.from != s.to).collect(),
    })
}

/// Encodes a patch: shards sorted by name, compact JSON with sorted keys, gzip with a fixed
/// header (the same patch always gives the same bytes). Returns the bytes and the JSON's length.
pub fn encode(patch: &Patch) -> (Vec<u8>, usize) {
    let mut sorted = patch.clone();
    sorted.shards.sort_by(|a, b| a.name.cmp(&b.name));
    let json = serde_json::to_vec(&sorted).unwrap_or_default();
    let mut encoder = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::with_capacity(json.len() / 4), Compression::new(6));
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(&json);
    (encoder.finish().unwrap_or_default(), json.len())
}

/// Decodes a patch object within `limits`: at most [`MAX_PATCH_JSON`] of JSON, as many
/// documents as a feed may hold, no string longer than `limits.max_string`, shard names valid.
/// The documents are not validated here (the kiosk reads each as a typed document).
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Patch, ShardError> {
    if bytes.len() < 2 || bytes[..2] != [0x1f, 0x8b] {
        return Err(ShardError::Gzip(
            "it does not start with the gzip magic bytes".into(),
        ));
    }
    let most = MAX_PATCH_JSON.min(limits.max_shard_json);
    let mut json = Vec::new();
    GzDecoder::new(bytes)
        .take(most + 1)
        .read_to_end(&mut json)
        .map_err(|e| ShardError::Gzip(e.to_string()))?;
    if json.len() as u64 > most {
        return Err(ShardError::TooLarge(most));
    }
    let patch: Patch =
        serde_json::from_slice(&json).map_err(|e| ShardError::Shape(format!("a patch: {e}")))?;
    if patch.format != PATCH_FORMAT {
        return Err(ShardError::Shape(format!(
            "\"format\" is {:?}, expected \"{PATCH_FORMAT}\"",
            patch.format
        )));
    }
    if patch.put_count() as u64 > limits.max_documents {
        return Err(ShardError::Count(format!(
            "puts {} documents, more than max_documents ({})",
            patch.put_count(),
            limits.max_documents
        )));
    }
    for shard in &patch.shards {
        if !super::valid_shard_name(&shard.name) {
            return Err(ShardError::Shape(format!(
                "shard name {:?} is not a valid shard name",
                shard.name
            )));
        }
        for doc in &shard.put {
            let len = super::shard::longest_string(doc);
            if len > limits.max_string {
                return Err(ShardError::LongString {
                    id: doc.shard_id().to_owned(),
                    len,
                    max: limits.max_string,
                });
            }
        }
    }
    Ok(patch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(id: &str, title: &str) -> Value {
        json!({"id": id, "kind": "catalogue_entry", "title": title})
    }

    /// Applies a patch to shards held as id → document maps, as a kiosk does.
    fn apply(state: &mut BTreeMap<String, BTreeMap<String, Value>>, patch: &Patch) {
        for shard in &patch.shards {
            let docs = state.entry(shard.name.clone()).or_default();
            for id in &shard.remove {
                docs.remove(id);
            }
            for doc in &shard.put {
                let id = doc.shard_id().to_owned();
                for other in state.values_mut() {
                    other.remove(&id);
                }
                state
                    .entry(shard.name.clone())
                    .or_default()
                    .insert(id, doc.clone());
            }
            if shard.to.is_none() {
                state.remove(&shard.name);
            }
        }
    }

    fn state(shards: &[(&str, &[Value])]) -> BTreeMap<String, BTreeMap<String, Value>> {
        shards
            .iter()
            .map(|(name, docs)| {
                (
                    (*name).to_owned(),
                    docs.iter()
                        .map(|d| (d.shard_id().to_owned(), d.clone()))
                        .collect(),
                )
            })
            .collect()
    }

    fn step(
        from: u64,
        before: &BTreeMap<String, BTreeMap<String, Value>>,
        after: &BTreeMap<String, BTreeMap<String, Value>>,
    ) -> Patch {
        let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        let sha = |v: u64, name: &str| Some(format!("{name}@{v}"));
        let shards = names
            .into_iter()
            .filter(|name| before.get(*name) != after.get(*name))
            .map(|name| {
                let old: Vec<Value> = before
                    .get(name)
                    .into_iter()
                    .flat_map(|d| d.values().cloned())
                    .collect();
                let new: Vec<Value> = after
                    .get(name)
                    .into_iter()
                    .flat_map(|d| d.values().cloned())
                    .collect();
                diff_shard(
                    name,
                    before.get(name).and_then(|_| sha(from, name)).as_deref(),
                    after.get(name).and_then(|_| sha(from + 1, name)).as_deref(),
                    &old,
                    &new,
                )
            })
            .collect();
        Patch {
            format: PATCH_FORMAT.into(),
            from,
            to: from + 1,
            shards,
        }
    }

    #[test]
    fn a_diff_removes_and_puts_only_what_changed() {
        let old = [doc("a", "一"), doc("b", "二"), doc("c", "三")];
        let new = [doc("a", "一"), doc("b", "二（更正）"), doc("d", "四")];
        let shard = diff_shard("s", Some("x"), Some("y"), &old, &new);
        assert_eq!(shard.remove, ["c"]);
        assert_eq!(shard.put, [doc("b", "二（更正）"), doc("d", "四")]);
        assert_eq!(shard.documents, 3);
    }

    #[test]
    fn composed_patches_make_the_same_content_as_their_steps() {
        let v1 = state(&[
            ("s-2012", &[doc("a", "一"), doc("b", "二")]),
            ("s-2013", &[doc("c", "三")]),
        ]);
        // v2: b corrected, c moves to 2012 (its date was wrong), a new shard appears.
        let v2 = state(&[
            (
                "s-2012",
                &[doc("a", "一"), doc("b", "二改"), doc("c", "三")],
            ),
            ("s-2014", &[doc("e", "五")]),
        ]);
        // v3: c goes back, b is deleted, e corrected, 2014 shard kept.
        let v3 = state(&[
            ("s-2012", &[doc("a", "一")]),
            ("s-2013", &[doc("c", "三")]),
            ("s-2014", &[doc("e", "五改")]),
        ]);
        let p12 = step(1, &v1, &v2);
        let p23 = step(2, &v2, &v3);
        let p13 = compose(&p12, &p23).expect("consecutive");
        assert_eq!((p13.from, p13.to), (1, 3));
        let mut applied = v1.clone();
        apply(&mut applied, &p13);
        assert_eq!(applied, v3);
        // s-2013 is back where it started, but with its own object name it still counts.
        let mut stepped = v1.clone();
        apply(&mut stepped, &p12);
        apply(&mut stepped, &p23);
        assert_eq!(stepped, v3);
        assert!(compose(&p23, &p12).is_none(), "not consecutive");
    }

    #[test]
    fn encoding_is_deterministic_and_decoding_is_bounded() {
        let patch = Patch {
            format: PATCH_FORMAT.into(),
            from: 1,
            to: 2,
            shards: vec![diff_shard("s", None, Some("x"), &[], &[doc("a", "一")])],
        };
        let (bytes, json_len) = encode(&patch);
        assert_eq!(encode(&patch).0, bytes);
        assert!(json_len > 0);
        let limits = Limits::default();
        assert_eq!(decode(&bytes, &limits).expect("decodes"), patch);

        let tight = Limits {
            max_string: 2,
            ..Limits::default()
        };
        let err = decode(&bytes, &tight).expect_err("a long string");
        assert!(matches!(err, ShardError::LongString { .. }), "{err}");
        let few = Limits {
            max_documents: 0,
            ..Limits::default()
        };
        assert!(matches!(decode(&bytes, &few), Err(ShardError::Count(_))));
        assert!(matches!(decode(b"{}", &limits), Err(ShardError::Gzip(_))));

        let mut other = patch.clone();
        other.format = "readpoint-patch/9".into();
        let err = decode(&encode(&other).0, &limits).expect_err("unknown format");
        assert!(err.to_string().contains("readpoint-patch/9"), "{err}");
        let mut bad_name = patch;
        bad_name.shards[0].name = "../x".into();
        assert!(decode(&encode(&bad_name).0, &limits).is_err());

        // A bomb: far more JSON than a patch may hold.
        let mut encoder = flate2::GzBuilder::new().write(Vec::new(), Compression::new(9));
        let _ = encoder.write_all(&vec![b' '; (MAX_PATCH_JSON + 10) as usize]);
        let bomb = encoder.finish().expect("gzip");
        assert!(matches!(
            decode(&bomb, &limits),
            Err(ShardError::TooLarge(_))
        ));
    }
}
