-- 0005: the pages of attachments as the publisher rendered them (crate::feed::pages): which page
-- set each attachment has, and each page's picture (an object), size and text, so the viewer
-- opens a page with one indexed read and search can reach the text.
CREATE TABLE attachment_pages (
    attachment TEXT PRIMARY KEY,   -- SHA-256 of the attachment file
    page_set   TEXT NOT NULL,      -- SHA-256 of its page set object
    pages      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE attachment_page (
    attachment TEXT NOT NULL,
    page       INTEGER NOT NULL,   -- 1 = the first page
    image      TEXT NOT NULL,      -- SHA-256 of the page's PNG object
    size       INTEGER NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    text       TEXT NOT NULL,
    boxes      TEXT NOT NULL,      -- JSON: [[start, len, x0, y0, x1, y1], …]
    PRIMARY KEY (attachment, page)
) WITHOUT ROWID;
