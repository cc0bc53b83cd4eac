-- 0002: what the feed sync has applied. Migrations are append-only.

-- The feed shards whose documents are in `document` (document.shard = feed_shard.name): their
-- object hash, so a sync fetches and re-applies only shards whose hash changed.
CREATE TABLE feed_shard (
    name      TEXT PRIMARY KEY,
    sha256    TEXT NOT NULL,
    documents INTEGER NOT NULL
) WITHOUT ROWID;
