-- 0006: the catalogue's facet counts, kept current by SQLite itself: one row per combination of
-- the five facet values that catalogue entries have, with how many entries have it. The
-- catalogue's facet counts read these few rows instead of every entry (store::queries), and
-- triggers keep them in the same transaction as every write to `document`, whichever code makes
-- it. NULL values are kept as NULL and compared with IS.
CREATE TABLE catalogue_cube (
    category        TEXT,
    topic           TEXT,
    year            INTEGER,
    publisher       TEXT,
    disclosure_mode TEXT,
    n               INTEGER NOT NULL
);

CREATE INDEX catalogue_cube_values
    ON catalogue_cube(category, topic, year, publisher, disclosure_mode);

INSERT INTO catalogue_cube (category, topic, year, publisher, disclosure_mode, n)
    SELECT category, topic, year, publisher, disclosure_mode, count(*)
    FROM document WHERE kind = 'catalogue_entry'
    GROUP BY category, topic, year, publisher, disclosure_mode;

CREATE TRIGGER catalogue_cube_insert AFTER INSERT ON document
WHEN new.kind = 'catalogue_entry'
BEGIN
    INSERT INTO catalogue_cube (category, topic, year, publisher, disclosure_mode, n)
        SELECT new.category, new.topic, new.year, new.publisher, new.disclosure_mode, 0
        WHERE NOT EXISTS (
            SELECT 1 FROM catalogue_cube
            WHERE category IS new.category AND topic IS new.topic AND year IS new.year
              AND publisher IS new.publisher AND disclosure_mode IS new.disclosure_mode);
    UPDATE catalogue_cube SET n = n + 1
        WHERE category IS new.category AND topic IS new.topic AND year IS new.year
          AND publisher IS new.publisher AND disclosure_mode IS new.disclosure_mode;
END;

CREATE TRIGGER catalogue_cube_delete AFTER DELETE ON document
WHEN old.kind = 'catalogue_entry'
BEGIN
    UPDATE catalogue_cube SET n = n - 1
        WHERE category IS old.category AND topic IS old.topic AND year IS old.year
          AND publisher IS old.publisher AND disclosure_mode IS old.disclosure_mode;
    DELETE FROM catalogue_cube
        WHERE n <= 0 AND category IS old.category AND topic IS old.topic AND year IS old.year
          AND publisher IS old.publisher AND disclosure_mode IS old.disclosure_mode;
END;

-- Updates of the facet columns or the kind (none today: writes delete and insert) count as a
-- delete and an insert.
CREATE TRIGGER catalogue_cube_update
AFTER UPDATE OF kind, category, topic, year, publisher, disclosure_mode ON document
BEGIN
    UPDATE catalogue_cube SET n = n - 1
        WHERE old.kind = 'catalogue_entry'
          AND category IS old.category AND topic IS old.topic AND year IS old.year
          AND publisher IS old.publisher AND disclosure_mode IS old.disclosure_mode;
    DELETE FROM catalogue_cube WHERE n <= 0;
    INSERT INTO catalogue_cube (category, topic, year, publisher, disclosure_mode, n)
        SELECT new.category, new.topic, new.year, new.publisher, new.disclosure_mode, 0
        WHERE new.kind = 'catalogue_entry' AND NOT EXISTS (
            SELECT 1 FROM catalogue_cube
            WHERE category IS new.category AND topic IS new.topic AND year IS new.year
              AND publisher IS new.publisher AND disclosure_mode IS new.disclosure_mode);
    UPDATE catalogue_cube SET n = n + 1
        WHERE new.kind = 'catalogue_entry'
          AND category IS new.category AND topic IS new.topic AND year IS new.year
          AND publisher IS new.publisher AND disclosure_mode IS new.disclosure_mode;
END;

-- The covering index the facet counts scanned before (0001) has no reader left.
DROP INDEX document_facets;
