//! The feed sync's side of the cache: which feed shards are applied (table `feed_shard`), the
//! sync's record (`meta` keys `feed.*`: version, manifest hash, ETag, check and error times),
//! and [`FeedApply`], the one transaction that applies a new feed version.
//!
//! Never fetches or decodes anything (that is `crate::sync`); it only stores documents it is
//! given, all or nothing.

use std::collections::HashMap;

use rusqlite::{Connection, params};
use serde::Serialize;

use rusqlite::OptionalExtension;

use super::write::{
    Prepared, WriteTx, delete_recency, delete_shard, index_document, index_stored, insert_row,
    record_version,
};
use super::{ApplySummary, ContentVersion, Result, Store};

/// The last error the sync recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedError {
    /// `transient` (network, server; retried) or `permanent` (the feed was rejected).
    pub class: String,
    /// What failed, with the URL, the check and the fix.
    pub message: String,
    /// When (RFC 3339).
    pub at: String,
}

/// What the sync recorded about the feed, for `status` and the staff screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FeedRecord {
    /// The applied manifest's feed id.
    pub feed_id: Option<String>,
    /// The applied manifest's version.
    pub version: Option<u64>,
    /// SHA-256 of the applied manifest's bytes (equivocation check).
    pub manifest_sha256: Option<String>,
    /// ETag of the applied (or last seen identical) manifest.
    pub etag: Option<String>,
    /// The applied manifest's `published_at`.
    pub published_at: Option<String>,
    /// The applied manifest's `expires_at`.
    pub expires_at: Option<String>,
    /// The applied manifest's `portal_url`.
    pub portal_url: Option<String>,
    /// Last time the portal was asked (RFC 3339), whatever the outcome.
    pub last_check: Option<String>,
    /// Last time a check fetched and verified a signed manifest (a new version applied, or the
    /// applied one served again). A `304 Not Modified` does not count.
    pub last_success: Option<String>,
    /// The last error, cleared by a success.
    pub last_error: Option<RecordedError>,
    /// When the scheduler will check next.
    pub next_check: Option<String>,
    /// Whether the clock was plausible when the applied manifest was accepted.
    pub clock_plausible: Option<bool>,
}

/// FTS5's largest `crisismerge` (one below its 2,000-segment limit): a bulk apply adds a segment
/// per shard and merges them all once, after the commit.
const MAX_CRISIS_MERGE: i64 = 1_999;

/// A manifest being applied: recorded with the documents, in the same transaction.
#[derive(Debug, Clone)]
pub struct AppliedManifest<'a> {
    /// Feed id.
    pub feed_id: &'a str,
    /// Version.
    pub version: u64,
    /// SHA-256 of the manifest's bytes.
    pub manifest_sha256: &'a str,
    /// The manifest response's ETag.
    pub etag: Option<&'a str>,
    /// `published_at`.
    pub published_at: &'a str,
    /// `expires_at`.
    pub expires_at: Option<&'a str>,
    /// `portal_url`.
    pub portal_url: Option<&'a str>,
    /// The feed URL (recorded as the content's source).
    pub source: &'a str,
    /// Now (RFC 3339): the check and success time.
    pub at: &'a str,
    /// The manifest's text (kept for attachments and garbage collection between versions).
    pub manifest: &'a str,
    /// Whether the kiosk's clock was plausible when it accepted the manifest.
    pub clock_plausible: bool,
}

const KEYS: &[&str] = &[
    "feed.feed_id",
    "feed.version",
    "feed.manifest_sha256",
    "feed.etag",
    "feed.published_at",
    "feed.expires_at",
    "feed.portal_url",
    "feed.last_check",
    "feed.last_success",
    "feed.last_error_class",
    "feed.last_error_message",
    "feed.last_error_at",
    "feed.next_check",
    "feed.clock_plausible",
];

fn set(conn: &Connection, key: &str, value: Option<&str>) -> rusqlite::Result<()> {
    match value {
        Some(value) => conn
            .prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
            .execute(params![key, value])?,
        None => conn
            .prepare_cached("DELETE FROM meta WHERE key = ?1")?
            .execute([key])?,
    };
    Ok(())
}

impl Store {
    /// What the sync recorded.
    pub fn feed_record(&self) -> Result<FeedRecord> {
        let mut values: HashMap<String, String> = HashMap::new();
        for key in KEYS {
            if let Some(value) = self.meta(key)? {
                values.insert((*key).to_owned(), value);
            }
        }
        let get = |k: &str| values.get(k).cloned();
        let last_error = match (
            get("feed.last_error_class"),
            get("feed.last_error_message"),
            get("feed.last_error_at"),
        ) {
            (Some(class), Some(message), Some(at)) => Some(RecordedError { class, message, at }),
            _ => None,
        };
        Ok(FeedRecord {
            feed_id: get("feed.feed_id"),
            version: get("feed.version").and_then(|v| v.parse().ok()),
            manifest_sha256: get("feed.manifest_sha256"),
            etag: get("feed.etag"),
            published_at: get("feed.published_at"),
            expires_at: get("feed.expires_at"),
            portal_url: get("feed.portal_url"),
            last_check: get("feed.last_check"),
            last_success: get("feed.last_success"),
            last_error,
            next_check: get("feed.next_check"),
            clock_plausible: get("feed.clock_plausible").map(|v| v == "true"),
        })
    }

    /// The applied manifest's text.
    pub fn feed_manifest(&self) -> Result<Option<String>> {
        self.meta("feed.manifest")
    }

    /// Applied feed shards: name → object SHA-256.
    pub fn feed_shards(&self) -> Result<HashMap<String, String>> {
        let err = |e| self.sqlite_err(e);
        let mut stmt = self
            .conn
            .prepare("SELECT name, sha256 FROM feed_shard")
            .map_err(err)?;
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(err)
    }

    /// Every shard name documents are stored under (feed shards, `bundled`, `import:<file>`).
    pub fn stored_shards(&self) -> Result<Vec<String>> {
        let err = |e| self.sqlite_err(e);
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT shard FROM document")
            .map_err(err)?;
        let rows = stmt.query_map([], |row| row.get(0)).map_err(err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(err)
    }

    /// Records a `304 Not Modified`: the check time only (the error is cleared). It is not a
    /// success: nothing signed was seen, so `last_success` — the last signed manifest verified —
    /// stays as it was.
    pub fn record_feed_not_modified(&mut self, at: &str) -> Result<()> {
        let tx = WriteTx::begin(self)?;
        let wrap = |e| self.sqlite_err(e);
        set(&self.conn, "feed.last_check", Some(at)).map_err(wrap)?;
        clear_error(&self.conn).map_err(wrap)?;
        tx.commit()
    }

    /// Records a check that fetched the applied manifest again with a valid signature: the
    /// check and success time, and the manifest's ETag when the server sent one.
    pub fn record_feed_current(&mut self, at: &str, etag: Option<&str>) -> Result<()> {
        let tx = WriteTx::begin(self)?;
        let wrap = |e| self.sqlite_err(e);
        set(&self.conn, "feed.last_check", Some(at)).map_err(wrap)?;
        set(&self.conn, "feed.last_success", Some(at)).map_err(wrap)?;
        clear_error(&self.conn).map_err(wrap)?;
        if etag.is_some() {
            set(&self.conn, "feed.etag", etag).map_err(wrap)?;
        }
        tx.commit()
    }

    /// Records a failed check: its time and the error.
    pub fn record_feed_error(&mut self, at: &str, class: &str, message: &str) -> Result<()> {
        let tx = WriteTx::begin(self)?;
        let wrap = |e| self.sqlite_err(e);
        set(&self.conn, "feed.last_check", Some(at)).map_err(wrap)?;
        set(&self.conn, "feed.last_error_class", Some(class)).map_err(wrap)?;
        set(&self.conn, "feed.last_error_message", Some(message)).map_err(wrap)?;
        set(&self.conn, "feed.last_error_at", Some(at)).map_err(wrap)?;
        tx.commit()
    }

    /// Records when the scheduler will check next (`None`: no check planned).
    pub fn record_next_check(&mut self, at: Option<&str>) -> Result<()> {
        set(&self.conn, "feed.next_check", at).map_err(|e| self.sqlite_err(e))
    }

    /// Starts applying a feed version: one `IMMEDIATE` transaction that ends with
    /// [`FeedApply::commit`], or rolls back when dropped.
    pub fn begin_feed_apply(&mut self) -> Result<FeedApply<'_>> {
        let tx = WriteTx::begin(self)?;
        Ok(FeedApply {
            store: self,
            _tx: tx,
            summary: ApplySummary::default(),
            removed_ids: std::collections::HashSet::new(),
            bulk: false,
            to_index: Vec::new(),
            last_indexed: None,
        })
    }
}

/// Whether a stored `document.json` value is the prepared document's JSON: the same packed
/// bytes (this build packed both), or the same text (stored as it was, or by another build).
fn same_json(stored: rusqlite::types::ValueRef<'_>, prepared: &Prepared) -> bool {
    if let rusqlite::types::ValueRef::Blob(bytes) = stored
        && bytes == prepared.packed()
    {
        return true;
    }
    let unpacked = |value| super::packed::unpack(value).ok();
    let new = unpacked(rusqlite::types::ValueRef::Blob(prepared.packed()));
    new.is_some() && unpacked(stored) == new
}

fn clear_error(conn: &Connection) -> rusqlite::Result<()> {
    for key in [
        "feed.last_error_class",
        "feed.last_error_message",
        "feed.last_error_at",
    ] {
        set(conn, key, None)?;
    }
    Ok(())
}

/// A feed version being applied. Readers see none of it until [`FeedApply::commit`].
pub struct FeedApply<'a> {
    store: &'a Store,
    _tx: WriteTx<'a>,
    summary: ApplySummary,
    removed_ids: std::collections::HashSet<String>,
    bulk: bool,
    /// Recency keys of inserted documents whose search-index rows are added at the commit.
    to_index: Vec<i64>,
    /// The highest rowid indexed so far in this transaction.
    last_indexed: Option<i64>,
}

impl FeedApply<'_> {
    /// Replaces the documents of shard `name` (none yet, or an older object) with `documents`.
    /// An id that lives in another shard (the bundled content, an import) moves here. A
    /// document identical to its stored copy is kept as it is (only its shard is updated): a
    /// corrected entry re-indexes one document, not its whole shard.
    ///
    /// The shard's new search-index rows are added at once when their rowids all follow the
    /// ones added before in this transaction — a full sync stores month shards oldest first, so
    /// the index grows by appending — and otherwise at the commit, in rowid order, read back
    /// from the stored documents (FTS5 writes a new segment whenever a rowid goes backwards).
    /// FTS5 also writes its pending rows out whenever another statement of the transaction opens
    /// a savepoint — every document insert does, for its triggers — so a large apply leaves one
    /// index segment per shard, which the merge after a first version joins into one.
    pub fn replace_shard(
        &mut self,
        name: &str,
        sha256: &str,
        documents: &[Prepared],
    ) -> Result<()> {
        let conn = &self.store.conn;
        let wrap = |e| self.store.sqlite_err(e);
        let old: HashMap<String, i64> = conn
            .prepare_cached("SELECT id, recency FROM document WHERE shard = ?1")
            .and_then(|mut stmt| {
                stmt.query_map([name], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()
            })
            .map_err(wrap)?;
        let mut kept = std::collections::HashSet::with_capacity(documents.len());
        let mut new_rows = Vec::new();
        for prepared in documents {
            if let Some(recency) = self.put(name, prepared)? {
                new_rows.extend(prepared.row().map(|row| (recency, row)));
            }
            kept.insert(prepared.id.as_str());
        }
        for (id, recency) in old {
            if !kept.contains(id.as_str()) {
                delete_recency(conn, recency).map_err(wrap)?;
                self.removed_ids.insert(id);
            }
        }
        new_rows.sort_unstable_by_key(|(recency, _)| *recency);
        match (new_rows.first(), self.last_indexed) {
            (Some(&(first, _)), Some(last)) if first <= last => {
                self.to_index
                    .extend(new_rows.iter().map(|(recency, _)| *recency));
            }
            _ => {
                for (recency, row) in &new_rows {
                    index_document(conn, *recency, row).map_err(wrap)?;
                    self.last_indexed = Some(*recency);
                }
                // Opening a savepoint makes FTS5 write its pending rows out now, as one
                // segment, rather than inside the next shard's first document insert, where
                // every page it writes would also be copied to that statement's journal.
                if !new_rows.is_empty() {
                    conn.execute_batch("SAVEPOINT index_flush; RELEASE index_flush;")
                        .map_err(wrap)?;
                }
            }
        }
        conn.prepare_cached(
            "INSERT OR REPLACE INTO feed_shard (name, sha256, documents) VALUES (?1, ?2, ?3)",
        )
        .and_then(|mut stmt| stmt.execute(params![name, sha256, documents.len() as i64]))
        .map_err(wrap)?;
        Ok(())
    }

    /// Puts a document into shard `name`: a stored document of the same id, in whatever shard,
    /// is replaced, or only moved here when it is identical (no re-indexing). Its search-index
    /// row is added at the commit.
    pub fn put_document(&mut self, name: &str, prepared: &Prepared) -> Result<()> {
        let recency = self.put(name, prepared)?;
        self.to_index.extend(recency);
        Ok(())
    }

    /// Stores a document as [`FeedApply::put_document`] describes; returns its recency key when
    /// it was inserted (new or changed) and is of a shown kind, so needs its search-index row.
    fn put(&mut self, name: &str, prepared: &Prepared) -> Result<Option<i64>> {
        let conn = &self.store.conn;
        let wrap = |e| self.store.sqlite_err(e);
        let stored: Option<(i64, String, bool)> = conn
            .prepare_cached("SELECT recency, shard, json FROM document WHERE id = ?1")
            .and_then(|mut stmt| {
                stmt.query_row([&prepared.id], |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        same_json(row.get_ref(2)?, prepared),
                    ))
                })
                .optional()
            })
            .map_err(wrap)?;
        let moved_back = self.removed_ids.remove(&prepared.id);
        match stored {
            Some((recency, shard, true)) => {
                if shard != name {
                    conn.prepare_cached("UPDATE document SET shard = ?1 WHERE recency = ?2")
                        .and_then(|mut stmt| stmt.execute(params![name, recency]))
                        .map_err(wrap)?;
                }
                self.summary.unchanged += 1;
                return Ok(None);
            }
            Some((recency, _, _)) => {
                delete_recency(conn, recency).map_err(wrap)?;
                self.summary.replaced += 1;
            }
            None if moved_back => self.summary.replaced += 1,
            None => self.summary.added += 1,
        }
        insert_row(conn, prepared, name).map_err(wrap)
    }

    /// Removes document `id` from shard `name`; an id not in that shard is left alone.
    pub fn remove_document(&mut self, name: &str, id: &str) -> Result<()> {
        let conn = &self.store.conn;
        let wrap = |e| self.store.sqlite_err(e);
        let recency: Option<i64> = conn
            .prepare_cached("SELECT recency FROM document WHERE id = ?1 AND shard = ?2")
            .and_then(|mut stmt| stmt.query_row([id, name], |row| row.get(0)).optional())
            .map_err(wrap)?;
        if let Some(recency) = recency {
            delete_recency(conn, recency).map_err(wrap)?;
            self.removed_ids.insert(id.to_owned());
        }
        Ok(())
    }

    /// Records that shard `name` is now object `sha256` (after [`FeedApply::put_document`] and
    /// [`FeedApply::remove_document`]), and returns how many documents it holds.
    pub fn record_shard(&mut self, name: &str, sha256: &str) -> Result<u64> {
        let conn = &self.store.conn;
        let wrap = |e| self.store.sqlite_err(e);
        let count: i64 = conn
            .prepare_cached("SELECT count(*) FROM document WHERE shard = ?1")
            .and_then(|mut stmt| stmt.query_row([name], |row| row.get(0)))
            .map_err(wrap)?;
        conn.prepare_cached(
            "INSERT OR REPLACE INTO feed_shard (name, sha256, documents) VALUES (?1, ?2, ?3)",
        )
        .and_then(|mut stmt| stmt.execute(params![name, sha256, count]))
        .map_err(wrap)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Removes every document of shard `name` (gone from the feed, or the bundled content).
    pub fn remove_shard(&mut self, name: &str) -> Result<()> {
        let conn = &self.store.conn;
        let wrap = |e| self.store.sqlite_err(e);
        self.removed_ids
            .extend(delete_shard(conn, name).map_err(wrap)?);
        conn.prepare_cached("DELETE FROM feed_shard WHERE name = ?1")
            .and_then(|mut stmt| stmt.execute([name]))
            .map_err(wrap)?;
        Ok(())
    }

    /// Many documents are coming: the search index stops merging its segments as it grows
    /// (each merge rewrites what earlier ones wrote) until the commit; call
    /// [`Store::optimize`] after it to merge once (visitors keep searching meanwhile).
    pub fn bulk(&mut self) -> Result<()> {
        self.set_merging(0, MAX_CRISIS_MERGE)?;
        self.bulk = true;
        Ok(())
    }

    /// Sets FTS5's `automerge` (0: no merging as segments are added) and `crisismerge` (the
    /// segment count at which a merge is forced anyway).
    fn set_merging(&self, automerge: i64, crisismerge: i64) -> Result<()> {
        for sql in [
            "INSERT INTO search_index(search_index, rank) VALUES (?1, ?2)",
            "INSERT INTO search_terms(search_terms, rank) VALUES (?1, ?2)",
        ] {
            let mut stmt = self
                .store
                .conn
                .prepare_cached(sql)
                .map_err(|e| self.store.sqlite_err(e))?;
            for setting in [("automerge", automerge), ("crisismerge", crisismerge)] {
                stmt.execute(params![setting.0, setting.1])
                    .map_err(|e| self.store.sqlite_err(e))?;
            }
        }
        Ok(())
    }

    /// The shard a stored document belongs to (as the transaction sees it).
    pub fn shard_of(&self, id: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        self.store
            .conn
            .prepare_cached("SELECT shard FROM document WHERE id = ?1")
            .and_then(|mut stmt| stmt.query_row([id], |row| row.get(0)).optional())
            .map_err(|e| self.store.sqlite_err(e))
    }

    /// Documents per kind as they would be after the commit.
    pub fn kind_counts(&self) -> Result<HashMap<String, u64>> {
        Ok(self
            .store
            .status()?
            .documents
            .into_iter()
            .map(|k| (k.kind, k.count))
            .collect())
    }

    /// Records the manifest and commits: readers switch to the new content at once.
    pub fn commit(mut self, manifest: &AppliedManifest<'_>) -> Result<ApplySummary> {
        let conn = &self.store.conn;
        let wrap = |e| self.store.sqlite_err(e);
        let version = manifest.version.to_string();
        record_version(
            conn,
            &ContentVersion {
                version: version.clone(),
                published_at: Some(manifest.published_at.to_owned()),
                source: manifest.source.to_owned(),
            },
        )
        .map_err(wrap)?;
        let values = [
            ("feed.feed_id", Some(manifest.feed_id)),
            ("feed.version", Some(version.as_str())),
            ("feed.manifest_sha256", Some(manifest.manifest_sha256)),
            ("feed.etag", manifest.etag),
            ("feed.published_at", Some(manifest.published_at)),
            ("feed.expires_at", manifest.expires_at),
            ("feed.portal_url", manifest.portal_url),
            ("feed.last_check", Some(manifest.at)),
            ("feed.last_success", Some(manifest.at)),
            ("feed.manifest", Some(manifest.manifest)),
            (
                "feed.clock_plausible",
                Some(if manifest.clock_plausible {
                    "true"
                } else {
                    "false"
                }),
            ),
        ];
        for (key, value) in values {
            set(conn, key, value).map_err(wrap)?;
        }
        clear_error(conn).map_err(wrap)?;
        index_stored(conn, &mut self.to_index).map_err(wrap)?;
        if self.bulk {
            // FTS5's defaults, so later small changes merge as they go.
            self.set_merging(4, 16)?;
        }
        self.summary.removed = self.removed_ids.len();
        let summary = self.summary;
        self._tx.commit()?;
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Prepared, SearchRequest};

    fn manifest(version: u64) -> AppliedManifest<'static> {
        AppliedManifest {
            feed_id: "test",
            version,
            manifest_sha256: "00",
            etag: None,
            published_at: "2026-01-01T00:00:00Z",
            expires_at: None,
            portal_url: None,
            source: "http://127.0.0.1/",
            at: "2026-01-01T00:00:00Z",
            manifest: "{}",
            clock_plausible: true,
        }
    }

    /// A setting of both search tables, when they agree.
    fn config(store: &Store, key: &str) -> Option<i64> {
        let of = |table: &str| -> Option<i64> {
            store
                .conn
                .query_row(
                    &format!("SELECT v FROM {table}_config WHERE k = ?1"),
                    [key],
                    |row| row.get(0),
                )
                .optional()
                .expect("config")
        };
        let (index, terms) = (of("search_index"), of("search_terms"));
        assert_eq!(index, terms, "{key}: both tables");
        index
    }

    #[test]
    fn a_stored_document_is_the_same_whether_packed_or_stored_as_text() {
        let documents = crate::import::parse_and_validate(
            crate::import::BUNDLED_CONTENT,
            "bundled content",
            None,
        )
        .expect("bundled content");
        let (one, other) = (Prepared::of(&documents[0]), Prepared::of(&documents[1]));
        let text = documents[0].raw.to_json();
        use rusqlite::types::ValueRef;
        // Packed by this build, and as text by a build before packing: the same document.
        assert!(same_json(ValueRef::Blob(one.packed()), &one));
        assert!(same_json(ValueRef::Text(text.as_bytes()), &one));
        // Another document, packed or not, is not.
        assert!(!same_json(ValueRef::Blob(other.packed()), &one));
        assert!(!same_json(ValueRef::Text(text.as_bytes()), &other));
        // Damaged bytes are never the same.
        assert!(!same_json(ValueRef::Blob(&[1, 2, 3]), &one));
    }

    #[test]
    fn a_bulk_apply_indexes_every_shard_and_then_merges_as_before() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(&dir.path().join("cache.db")).expect("open");
        let documents = crate::import::parse_and_validate(
            crate::import::BUNDLED_CONTENT,
            "bundled content",
            None,
        )
        .expect("bundled content");
        let mut prepared: Vec<Prepared> = documents.iter().map(Prepared::of).collect();
        prepared.sort_by_key(Prepared::recency_base);
        // The newer half first, then the older half: the second shard's rows come before the
        // first's, so they wait for the commit; the first shard's are indexed at once.
        let older = prepared.split_off(prepared.len() / 2);
        let (newer, older) = (older, prepared);
        let mut tx = store.begin_feed_apply().expect("begin");
        tx.bulk().expect("bulk");
        tx.replace_shard("newer", "aa", &newer).expect("newer");
        assert!(tx.last_indexed.is_some());
        tx.replace_shard("older", "bb", &older).expect("older");
        assert!(
            !tx.to_index.is_empty(),
            "the older rows wait for the commit"
        );
        tx.commit(&manifest(1)).expect("commit");
        store.optimize().expect("optimize");
        assert_eq!(config(&store, "automerge"), Some(4));
        assert_eq!(config(&store, "crisismerge"), Some(16));
        // Every shown document is found by its title, whichever way it was indexed.
        for doc in documents.iter().filter(|d| d.kind.is_shown()) {
            let ids = store
                .search_all_ids(&SearchRequest {
                    query: doc.index_fields().title,
                    limit: 1000,
                    ..Default::default()
                })
                .expect("search");
            assert!(ids.contains(&doc.id), "{} not found by its title", doc.id);
        }
        assert_eq!(
            store
                .conn
                .query_row("PRAGMA integrity_check", [], |row| row.get::<_, String>(0))
                .expect("integrity"),
            "ok"
        );
    }
}
