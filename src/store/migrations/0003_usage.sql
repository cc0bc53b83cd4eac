-- 0003: anonymous usage statistics. Migrations are append-only.

-- Per-day counters (store::usage). `day` is the kiosk's local date (display.time_zone),
-- YYYY-MM-DD: nothing finer than the day is kept. `event` is what happened (`session`, `screen`,
-- `document`, `document_kind`, `document_category`, `search`, `search_no_hits`, `toggle`), `key`
-- which one (a screen name, a document id, the folded query of a search box, `large_text:on`…).
-- Nothing here identifies a visitor.
CREATE TABLE usage_count (
    day   TEXT NOT NULL,
    event TEXT NOT NULL,
    key   TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, event, key)
) WITHOUT ROWID;
