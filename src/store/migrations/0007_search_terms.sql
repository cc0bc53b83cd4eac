-- 0007: the search index keeps token positions only where a query needs them.
--
-- A phrase (two or more characters: its bigrams, in order) needs positions; a single character
-- or a pinyin key only needs to be present. Those moved to `search_terms`, with no positions
-- (detail = none) and each term once per document: every CJK character of the title side,
-- summary and body, and the pinyin keys of title and keywords (text::segment, text::pinyin).
-- At 200,000 documents the index is about a fifth smaller and one-character facets read no
-- positions. rowid = document.recency in both tables.
--
-- The old index is dropped with its tokens; `index_version` goes too, so searches scan the
-- documents until the kiosk has rebuilt both tables in the background (Store::reindex_if_stale).
DROP TABLE search_index;

CREATE VIRTUAL TABLE search_index USING fts5(
    title, title_uni, body,
    tokenize = 'ascii',
    content = '',
    contentless_delete = 1
);
INSERT INTO search_index(search_index, rank) VALUES ('hashsize', 16777216);

CREATE VIRTUAL TABLE search_terms USING fts5(
    terms,
    tokenize = 'ascii',
    content = '',
    contentless_delete = 1,
    detail = none
);
INSERT INTO search_terms(search_terms, rank) VALUES ('hashsize', 16777216);

DELETE FROM meta WHERE key = 'index_version';
