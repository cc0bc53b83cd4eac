-- 0001: documents, their search index, and cache metadata.
-- Migrations are append-only: never edit this file once released; add 0002_… instead.

-- Marks the file as a Readpoint cache ("RDPT"; store::migrations::APPLICATION_ID).
PRAGMA application_id = 1380208724;

-- Every document the kiosk holds, shown or not. `recency` is the recency key
-- ((days since 1970 + 100000) << 20 | serial, see store::write::recency_base), so "newest first"
-- is `ORDER BY recency DESC`, for browsing and for search alike; it is also the document's rowid
-- in search_index. The table's own rowid only grows, so pages fill densely.
CREATE TABLE document (
    rowid           INTEGER PRIMARY KEY,
    recency         INTEGER NOT NULL UNIQUE,
    id              TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,          -- wire name, unknown kinds included
    shown           INTEGER NOT NULL,       -- 0 for reference kinds and unknown kinds
    shard           TEXT NOT NULL,          -- where it came from: feed shard, 'bundled', 'import:<file>'
    title           TEXT NOT NULL,
    summary         TEXT NOT NULL,
    keywords        TEXT NOT NULL,          -- one per line
    codes           TEXT NOT NULL,          -- 索引号 and 文号, one per line
    date            TEXT,                   -- YYYY-MM-DD
    year            INTEGER,
    category        TEXT,
    topic           TEXT,
    publisher       TEXT,
    disclosure_mode TEXT,
    json            TEXT NOT NULL           -- the document exactly as received
);

CREATE INDEX document_kind ON document(kind, recency);
CREATE INDEX document_shard ON document(shard);
CREATE INDEX document_category ON document(kind, category, recency);
CREATE INDEX document_topic ON document(kind, topic, recency);
CREATE INDEX document_year ON document(kind, year, recency);
CREATE INDEX document_publisher ON document(kind, publisher, recency);
CREATE INDEX document_disclosure_mode ON document(kind, disclosure_mode, recency);
-- Covering index for the catalogue's facet counts (store::queries::catalogue_facets): every
-- GROUP BY reads index entries only, never the documents' rows.
CREATE INDEX document_facets ON document(kind, category, topic, year, publisher, disclosure_mode);
-- Covering index for counting search matches per facet (store::search::for_each_match).
CREATE INDEX document_match ON document(recency, id, category, year, publisher);

-- Search index over pre-segmented text (see text::segment): contentless, rowid = document.recency.
-- title/title_uni: title, keywords, 索引号 and 文号; body/body_uni: summary and body;
-- py: pinyin keys of title and keywords.
CREATE VIRTUAL TABLE search_index USING fts5(
    title, title_uni, body, body_uni, py,
    tokenize = 'ascii',
    content = '',
    contentless_delete = 1
);
-- A 16 MiB in-memory term hash (default 1 MiB): a large apply flushes far fewer level-0
-- segments, so FTS5 has less merging to do while indexing.
INSERT INTO search_index(search_index, rank) VALUES ('hashsize', 16777216);

-- Cache-wide facts: content version, its publication time, where it came from, when applied.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
