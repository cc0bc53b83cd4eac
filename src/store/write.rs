//! Writing documents into the cache: every change is one transaction that replaces documents,
//! their search-index rows and the content version together. Readers (the UI) see the old
//! content until the commit and the new content after it, never a mix.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Result, Store, StoreError};
use crate::content::{Document, IndexFields};
use crate::text::pinyin;
use crate::text::segment::{self, IndexStreams};

/// Identifies the content a change brings: shown as 数据更新于 … and in `status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ContentVersion {
    /// The version label: a feed version number, or `bundled-<date>` for the bundled content.
    pub version: String,
    /// When this content was published (RFC 3339), if known.
    pub published_at: Option<String>,
    /// Where it came from: `bundled`, `import:<file>`, or the feed URL.
    pub source: String,
}

/// What a change did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ApplySummary {
    /// Documents that did not exist before.
    pub added: usize,
    /// Documents that replaced one with the same id.
    pub replaced: usize,
    /// Documents removed (their shard went away or was replaced without them).
    pub removed: usize,
    /// Documents of a changed shard that were identical to the stored copy (kept as they were,
    /// search index untouched).
    pub unchanged: usize,
}

/// Days added before shifting, so dates back to the 18th century keep a positive key.
const DAY_OFFSET: i64 = 100_000;
/// Low bits of the recency key: a serial among documents of the same day.
const SERIAL_BITS: u32 = 20;

/// The first recency key of a document's day: newer documents get larger keys. Documents with
/// no date sort before every dated one.
pub(crate) fn recency_base(fields: &IndexFields) -> i64 {
    let days = fields
        .date
        .map(|d| d.days_since_epoch() + DAY_OFFSET)
        .unwrap_or(0)
        .max(0);
    days << SERIAL_BITS
}

impl Store {
    /// Inserts or replaces `documents` (by id), all attributed to `shard`, in one transaction.
    /// `version` is recorded as the cache's content version when given (the bundled content, a
    /// feed); a staff import adds documents without claiming to be a content version. Documents
    /// are expected to be validated already.
    pub fn upsert(
        &mut self,
        documents: &[Document],
        shard: &str,
        version: Option<&ContentVersion>,
    ) -> Result<ApplySummary> {
        self.upsert_checked(documents, shard, version, |_| Ok::<(), StoreError>(()))
    }

    /// Like [`Store::upsert`], but first runs `check` inside the same write transaction, so
    /// what it reads from the cache (documents the new ones refer to) cannot change before the
    /// write. An error from `check` rolls everything back.
    pub fn upsert_checked<E: From<StoreError>>(
        &mut self,
        documents: &[Document],
        shard: &str,
        version: Option<&ContentVersion>,
        check: impl FnOnce(&Store) -> std::result::Result<(), E>,
    ) -> std::result::Result<ApplySummary, E> {
        let tx = WriteTx::begin(self)?;
        check(self)?;
        let wrap = |e| self.sqlite_err(e);
        let mut summary = ApplySummary::default();
        let prepared: Vec<Prepared> = documents.iter().map(Prepared::of).collect();
        // Index rows are added after every document is stored, in rowid order (how FTS5
        // appends fastest); a document replaced within the same batch takes its row along.
        let mut rows = std::collections::BTreeMap::new();
        for doc in &prepared {
            match delete_by_id(&self.conn, &doc.id).map_err(wrap)? {
                Some(recency) => {
                    rows.remove(&recency);
                    summary.replaced += 1;
                }
                None => summary.added += 1,
            }
            if let (Some(recency), Some(row)) =
                (insert_row(&self.conn, doc, shard).map_err(wrap)?, doc.row())
            {
                rows.insert(recency, row);
            }
        }
        for (recency, row) in rows {
            index_document(&self.conn, recency, row).map_err(wrap)?;
        }
        if let Some(version) = version {
            record_version(&self.conn, version).map_err(wrap)?;
        }
        tx.commit()?;
        Ok(summary)
    }

    /// True when the cache holds no documents at all (first start, or just recovered).
    pub fn is_empty(&self) -> Result<bool> {
        self.conn
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM document)", [], |row| {
                row.get(0)
            })
            .map_err(|e| self.sqlite_err(e))
    }
}

/// Deletes the document `id`, if stored; returns the recency key it had.
pub(super) fn delete_by_id(tx: &Connection, id: &str) -> rusqlite::Result<Option<i64>> {
    let recency: Option<i64> = tx
        .prepare_cached("SELECT recency FROM document WHERE id = ?1")?
        .query_row([id], |row| row.get(0))
        .optional()?;
    if let Some(recency) = recency {
        delete_recency(tx, recency)?;
    }
    Ok(recency)
}

pub(super) fn delete_recency(tx: &Connection, recency: i64) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM search_index WHERE rowid = ?1")?
        .execute([recency])?;
    tx.prepare_cached("DELETE FROM search_terms WHERE rowid = ?1")?
        .execute([recency])?;
    tx.prepare_cached("DELETE FROM document WHERE recency = ?1")?
        .execute([recency])?;
    tx.prepare_cached("DELETE FROM document_attachment WHERE recency = ?1")?
        .execute([recency])?;
    Ok(())
}

/// Deletes every document of a shard and returns their ids.
pub(super) fn delete_shard(tx: &Connection, shard: &str) -> rusqlite::Result<Vec<String>> {
    let rows: Vec<(i64, String)> = tx
        .prepare_cached("SELECT recency, id FROM document WHERE shard = ?1")?
        .query_map([shard], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (recency, _) in &rows {
        delete_recency(tx, *recency)?;
    }
    Ok(rows.into_iter().map(|(_, id)| id).collect())
}

/// Inserts a document's row only; returns its recency key when it needs a search-index row
/// (shown kinds), to be added by [`index_document`] or [`index_stored`].
pub(super) fn insert_row(
    tx: &Connection,
    doc: &Prepared,
    shard: &str,
) -> rusqlite::Result<Option<i64>> {
    let fields = &doc.fields;
    let base = recency_base(fields);
    let last: Option<i64> = tx
        .prepare_cached("SELECT max(recency) FROM document WHERE recency >= ?1 AND recency < ?2")?
        .query_row(params![base, base + (1 << SERIAL_BITS)], |row| row.get(0))?;
    let mut recency = last.map_or(base, |r| r + 1);
    if recency >= base + (1 << SERIAL_BITS) {
        // More than a million documents share this day (or have no date): place this one after
        // every other key rather than spill into the next day's range.
        let max: Option<i64> = tx
            .prepare_cached("SELECT max(recency) FROM document")?
            .query_row([], |row| row.get(0))?;
        recency = max.map_or(base, |m| m + 1);
    }
    tx.prepare_cached(
        "INSERT INTO document (recency, id, kind, shown, shard, title, summary, keywords, codes,
                               date, year, category, topic, publisher, disclosure_mode, json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params![
        recency,
        doc.id,
        doc.kind_name,
        doc.shown,
        shard,
        fields.title,
        fields.summary,
        fields.keywords.join("\n"),
        fields.codes.join("\n"),
        fields.date.map(|d| d.to_string()),
        fields.year,
        fields.category,
        fields.topic,
        fields.publisher,
        fields.disclosure_mode,
        doc.packed,
    ])?;
    for (position, (sha256, file_name)) in doc.attachments.iter().enumerate() {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO document_attachment (recency, position, attachment, file_name)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![recency, position as i64, sha256, file_name])?;
    }
    Ok(doc.shown.then_some(recency))
}

/// Adds the search-index rows of stored documents, in ascending rowid order: FTS5 appends rows
/// in rowid order to its in-memory index, but a row with a lower rowid than the previous one
/// makes it flush to a new segment first — in document order that is nearly every row, and the
/// merging of thousands of tiny segments is what made large applies slow. Each document is read
/// back from its stored JSON. Returns how many were indexed.
pub(super) fn index_stored(tx: &Connection, recencies: &mut [i64]) -> rusqlite::Result<usize> {
    recencies.sort_unstable();
    let mut count = 0;
    for &recency in recencies.iter() {
        let indexed = tx
            .prepare_cached("SELECT json FROM document WHERE recency = ?1")?
            .query_row([recency], |row| {
                index_stored_json(tx, recency, row.get_ref(0)?)
            })?;
        count += usize::from(indexed);
    }
    Ok(count)
}

/// Indexes the stored document at `recency` from its stored JSON (`document.json`); returns
/// whether it was. A stored document this build cannot read stays stored but unsearchable.
fn index_stored_json(
    tx: &Connection,
    recency: i64,
    json: rusqlite::types::ValueRef<'_>,
) -> rusqlite::Result<bool> {
    let doc = super::packed::unpack(json)
        .ok()
        .and_then(|json| serde_json::from_str(&json).ok())
        .and_then(|v| Document::from_value(v).ok());
    match doc {
        Some(doc) => {
            index_document(tx, recency, &IndexRow::of(&doc.index_fields()))?;
            Ok(true)
        }
        None => {
            tracing::warn!(
                recency,
                "a stored document no longer validates; not indexed"
            );
            Ok(false)
        }
    }
}

/// A document's search-index rows: in `search_index`, the token streams of its title (with
/// keywords and codes) and of its summary and body, which phrases match by position; in
/// `search_terms`, every CJK character of the document once and the pinyin keys of its title and
/// keywords, which only need to be present. Segmenting is most of the work of indexing and needs
/// no connection, so a large apply prepares rows on another thread ([`Prepared`]). The tokens
/// depend on `text::segment` and `text::pinyin`: change either and bump `INDEX_VERSION`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexRow {
    title: IndexStreams,
    body: String,
    terms: String,
}

impl IndexRow {
    /// Segments a document's fields.
    pub fn of(fields: &IndexFields) -> IndexRow {
        let mut title = IndexStreams::of(&fields.title);
        for text in fields.keywords.iter().chain(&fields.codes) {
            title.push_text(text);
        }
        let mut chars: Vec<char> = Vec::new();
        let mut body = String::new();
        for text in [&fields.summary, &fields.body] {
            segment::push_main(&mut body, text, |c| chars.push(c));
        }
        chars.extend(title.unigrams.chars().filter(|&c| c != ' '));
        chars.sort_unstable();
        chars.dedup();
        let mut py_source = fields.title.clone();
        for keyword in &fields.keywords {
            py_source.push('\u{3000}');
            py_source.push_str(keyword);
        }
        let py = pinyin::index_tokens(&py_source);
        let mut terms = String::with_capacity(4 * chars.len() + py.len());
        for c in chars {
            terms.push(c);
            terms.push(' ');
        }
        terms.push_str(&py);
        IndexRow { title, body, terms }
    }
}

/// A document ready to be written: its stored JSON, its list fields and, for shown kinds, its
/// search-index row — everything the writer needs and nothing more, computed away from the store
/// (the sync decodes and prepares the next shard on another thread while the writer stores this
/// one, so a prepared shard is what sits in memory between them).
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The document's id.
    pub id: String,
    kind_name: String,
    shown: bool,
    /// The document exactly as received, packed for storing (`store::packed`).
    packed: Vec<u8>,
    /// The list fields; the body is left out (it is only searched, through `row`).
    fields: IndexFields,
    /// Catalogue attachments in order: object SHA-256 and file name.
    attachments: Vec<(String, String)>,
    row: Option<IndexRow>,
}

impl Prepared {
    /// Derives the fields and segments the text of `doc`.
    pub fn of(doc: &Document) -> Prepared {
        let mut fields = doc.index_fields();
        let shown = doc.kind.is_shown();
        let row = shown.then(|| IndexRow::of(&fields));
        fields.body = String::new();
        Prepared {
            id: doc.id.clone(),
            kind_name: doc.kind_name.clone(),
            shown,
            packed: super::packed::pack(&doc.raw.to_json()),
            fields,
            attachments: doc
                .as_catalogue_entry()
                .map(|entry| {
                    entry
                        .attachments
                        .iter()
                        .map(|a| (a.sha256.clone(), a.file_name.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            row,
        }
    }

    /// Where the document's recency key starts (its day); documents stored in this order get
    /// ascending keys, which is the order the search index appends fastest.
    pub fn recency_base(&self) -> i64 {
        recency_base(&self.fields)
    }

    pub(super) fn packed(&self) -> &[u8] {
        &self.packed
    }

    pub(super) fn row(&self) -> Option<&IndexRow> {
        self.row.as_ref()
    }
}

/// Adds a document's search-index row.
pub(super) fn index_document(
    tx: &Connection,
    recency: i64,
    row: &IndexRow,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO search_index (rowid, title, title_uni, body) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        recency,
        row.title.main,
        row.title.unigrams,
        row.body
    ])?;
    tx.prepare_cached("INSERT INTO search_terms (rowid, terms) VALUES (?1, ?2)")?
        .execute(params![recency, row.terms])?;
    Ok(())
}

/// Version of the search-index token layout (segmentation, pinyin keys, folding with the pinned
/// OpenCC dictionaries). A cache indexed under another version is re-indexed at open.
pub(crate) const INDEX_VERSION: &str = "6";

impl Store {
    /// Re-indexes every shown document from its stored JSON, and every attachment page from its
    /// stored text, in one transaction, when the cache was indexed by a build with another
    /// `INDEX_VERSION`. Returns how many were indexed.
    ///
    /// Minutes for a large cache: the kiosk runs it on a background thread after start-up
    /// (searches scan until it commits), never on the way to the first screen.
    pub fn reindex_if_stale(&mut self) -> Result<usize> {
        if self.meta("index_version")?.as_deref() == Some(INDEX_VERSION) {
            return Ok(0);
        }
        let tx = WriteTx::begin(self)?;
        let wrap = |e| self.sqlite_err(e);
        self.conn
            .execute_batch(
                "INSERT INTO search_index(search_index) VALUES ('delete-all');
                 INSERT INTO search_terms(search_terms) VALUES ('delete-all');",
            )
            .map_err(wrap)?;
        let mut count = 0;
        {
            let mut stmt = self
                .conn
                .prepare("SELECT recency, json FROM document WHERE shown ORDER BY recency")
                .map_err(wrap)?;
            let mut rows = stmt.query([]).map_err(wrap)?;
            while let Some(row) = rows.next().map_err(wrap)? {
                let recency: i64 = row.get(0).map_err(wrap)?;
                let json = row.get_ref(1).map_err(wrap)?;
                let indexed = index_stored_json(&self.conn, recency, json).map_err(wrap)?;
                count += usize::from(indexed);
            }
        }
        // The attachments' pages are tokenised the same way.
        self.conn
            .execute(
                "INSERT INTO attachment_index(attachment_index) VALUES ('delete-all')",
                [],
            )
            .map_err(wrap)?;
        {
            let mut stmt = self
                .conn
                .prepare("SELECT id, text FROM attachment_page ORDER BY id")
                .map_err(wrap)?;
            let mut rows = stmt.query([]).map_err(wrap)?;
            while let Some(row) = rows.next().map_err(wrap)? {
                let id: i64 = row.get(0).map_err(wrap)?;
                let text: String = row.get(1).map_err(wrap)?;
                super::pages::index_page(&self.conn, id, &text).map_err(wrap)?;
            }
        }
        self.conn
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('index_version', ?1)",
                [INDEX_VERSION],
            )
            .map_err(wrap)?;
        tx.commit()?;
        if count > 0 {
            tracing::info!(
                documents = count,
                version = INDEX_VERSION,
                "search index rebuilt"
            );
        }
        Ok(count)
    }
}

pub(super) fn record_version(tx: &Connection, version: &ContentVersion) -> rusqlite::Result<()> {
    let applied_at = jiff::Timestamp::now().to_string();
    let mut stmt = tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?;
    stmt.execute(params!["content_version", version.version])?;
    stmt.execute(params!["content_source", version.source])?;
    stmt.execute(params!["content_applied_at", applied_at])?;
    match &version.published_at {
        Some(at) => stmt.execute(params!["content_published_at", at])?,
        None => tx.execute("DELETE FROM meta WHERE key = 'content_published_at'", [])?,
    };
    Ok(())
}

/// An `IMMEDIATE` transaction on the store's connection: it takes the write lock at once (so a
/// concurrent writer waits on the busy timeout instead of failing on upgrade), and rolls back
/// when dropped without [`WriteTx::commit`]. Reads through the store see its writes.
pub(super) struct WriteTx<'a> {
    store: &'a Store,
    committed: bool,
}

impl<'a> WriteTx<'a> {
    pub(super) fn begin(store: &'a Store) -> Result<WriteTx<'a>> {
        store
            .conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| store.sqlite_err(e))?;
        Ok(WriteTx {
            store,
            committed: false,
        })
    }

    pub(super) fn commit(mut self) -> Result<()> {
        self.store
            .conn
            .execute_batch("COMMIT")
            .map_err(|e| self.store.sqlite_err(e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for WriteTx<'_> {
    fn drop(&mut self) {
        if !self.committed
            && !self.store.conn.is_autocommit()
            && let Err(err) = self.store.conn.execute_batch("ROLLBACK")
        {
            tracing::error!("rolling back a failed cache write: {err}");
        }
    }
}
