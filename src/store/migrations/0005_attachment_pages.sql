-- 0005: the pages of attachments as the publisher rendered them (crate::feed::pages): which page
-- set each attachment has and each page's picture (an object), size and text, so the viewer
-- opens a page with one indexed read; a search index over the pages' text; and which documents
-- list which attachment, so a match in an attachment leads to its document.
CREATE TABLE attachment_pages (
    attachment TEXT PRIMARY KEY,   -- SHA-256 of the attachment file
    page_set   TEXT NOT NULL,      -- SHA-256 of its page set object
    pages      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE attachment_page (
    id         INTEGER PRIMARY KEY,  -- the rowid of its attachment_index row
    attachment TEXT NOT NULL,
    page       INTEGER NOT NULL,     -- 1 = the first page
    image      TEXT NOT NULL,        -- SHA-256 of the page's PNG object
    size       INTEGER NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    text       TEXT NOT NULL,
    boxes      TEXT NOT NULL,        -- JSON: [[start, len, x0, y0, x1, y1], …]
    UNIQUE (attachment, page)
);

-- The pages' text, tokenised like the documents' (crate::text::segment).
CREATE VIRTUAL TABLE attachment_index USING fts5(
    text, text_uni,
    tokenize = 'ascii',
    content = '',
    contentless_delete = 1
);

-- Document (by its recency key) → its attachments, in the document's order.
CREATE TABLE document_attachment (
    recency    INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    attachment TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    PRIMARY KEY (recency, position)
) WITHOUT ROWID;
CREATE INDEX document_attachment_by_file ON document_attachment (attachment);

INSERT INTO document_attachment (recency, position, attachment, file_name)
SELECT d.recency, a.key, json_extract(a.value, '$.sha256'), json_extract(a.value, '$.file_name')
FROM document d, json_each(d.json, '$.attachments') a
WHERE json_valid(d.json) AND json_extract(a.value, '$.sha256') IS NOT NULL;
