//! The sync's status as staff see it (the `sync` and `content` parts of the status document,
//! `crate::fleet::status`; later the staff screen):
//! the applied content version and date, the check times, the last error, the next check, and
//! whether the content is stale. Reads the cache's record; never changes anything.

use std::time::Duration;

use serde::Serialize;

use crate::store::{FeedRecord, RecordedError, Store, StoreError};

/// The sync part of `readpoint status --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    /// The configured feed URL (`null`: this kiosk never syncs).
    pub feed_url: Option<String>,
    /// The content version on display: a feed version number, or `bundled-…`.
    pub content_version: Option<String>,
    /// When that content was published (RFC 3339).
    pub published_at: Option<String>,
    /// When the applied manifest expires (RFC 3339).
    pub expires_at: Option<String>,
    /// Last time the portal was asked.
    pub last_check: Option<String>,
    /// Last time a check fetched and verified a signed manifest (a 304 does not count).
    pub last_success: Option<String>,
    /// The last error since the last success.
    pub last_error: Option<RecordedError>,
    /// When the kiosk will check next (while it runs).
    pub next_check: Option<String>,
    /// The content may be out of date: see `stale_reason`.
    pub stale: bool,
    /// Why it is stale.
    pub stale_reason: Option<String>,
}

/// Reads the status from the cache. `stale_after` is `display.stale_after`.
pub fn sync_status(
    store: &Store,
    feed_url: Option<&str>,
    stale_after: Duration,
    now: jiff::Timestamp,
) -> Result<SyncStatus, StoreError> {
    let record = store.feed_record()?;
    let published_at = store.meta("content_published_at")?;
    let stale_reason = stale_reason(
        &record,
        published_at.as_deref(),
        feed_url.is_some(),
        stale_after,
        now,
    );
    Ok(SyncStatus {
        feed_url: feed_url.map(str::to_owned),
        content_version: store.meta("content_version")?,
        published_at,
        expires_at: record.expires_at.clone(),
        last_check: record.last_check.clone(),
        last_success: record.last_success.clone(),
        last_error: record.last_error.clone(),
        next_check: record.next_check.clone(),
        stale: stale_reason.is_some(),
        stale_reason,
    })
}

/// Why the content on display may be out of date, or `None`. Content is stale when its signed
/// manifest has expired (by a plausible clock), or when the last successful check — or, for a
/// kiosk that has never synced, the content's publication — is older than `stale_after`.
pub fn stale_reason(
    record: &FeedRecord,
    content_published_at: Option<&str>,
    syncs: bool,
    stale_after: Duration,
    now: jiff::Timestamp,
) -> Option<String> {
    let parse = |t: Option<&str>| t.and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let plausible = super::clock_plausible(record, now);
    if plausible
        && let Some(expires) = parse(record.expires_at.as_deref())
        && expires < now
    {
        return Some(format!(
            "the portal's feed expired at {expires}; the portal has not published since"
        ));
    }
    let (reference, what) = match parse(record.last_success.as_deref()) {
        Some(at) if syncs => (at, "the last successful update"),
        _ => match parse(content_published_at) {
            Some(at) => (at, "the content's publication"),
            None => return Some("the content's date is unknown".to_owned()),
        },
    };
    let age = now.duration_since(reference);
    if plausible && age.as_secs_f64() > stale_after.as_secs_f64() {
        return Some(format!(
            "{what} was at {reference}, longer ago than display.stale_after ({})",
            crate::config::format_duration(stale_after)
        ));
    }
    None
}
