-- 0004: search texts counted before they were kept only when three visitor sessions of a day
-- searched them (crate::usage, QUERY_MIN_SESSIONS) cannot be checked any more: their counts are
-- folded into the key `(other)` of their day and event, and the texts are deleted. Totals per
-- day do not change. Migrations are append-only.
INSERT INTO usage_count (day, event, key, count)
SELECT day, event, '(other)', sum(count) FROM usage_count
WHERE event IN ('search', 'search_no_hits') AND key <> '(other)'
GROUP BY day, event
ON CONFLICT (day, event, key) DO UPDATE SET count = count + excluded.count;

DELETE FROM usage_count WHERE event IN ('search', 'search_no_hits') AND key <> '(other)';
