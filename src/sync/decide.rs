//! The sync's decisions, as pure functions of plain data: whether a signed manifest is taken
//! ([`judge`]: feed id, rollback and equivocation against the floor and the cache's record, the
//! clock's plausibility, future dates, expiry), what applying it changes ([`plan`]: shards to
//! replace and remove, objects to keep, the section guard, bulk loading, whether a patch fetches the
//! change instead and takes the cache exactly to the new version), and how a manifest's
//! or shard's problem is reported (format or limits).
//!
//! Owns: the rules of `docs/feed.md` ("The kiosk's sync algorithm" and its deviations), and the
//! text of the errors they give. Never: does I/O (network, disk, cache), reads the clock, or
//! logs — the shell in [`super`] gathers the inputs ([`Applied`], [`Stored`], `now`) and carries
//! the verdict out, so every rule is tested with a table of inputs.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::error::{Check, SyncError};
use super::floor::{FLOOR_FILE, Floor};
use super::{BULK_DOCUMENTS, CLOCK_FLOOR, FUTURE_TOLERANCE, REVALIDATE_AFTER};
use crate::feed::patch::{Patch, PatchRef};
use crate::feed::{Manifest, ManifestError, ShardRef, shard::ShardError};
use crate::store::FeedRecord;

/// What this kiosk applied before, as the shell read it: the cache's `feed.*` record and the
/// rollback floor of the configured feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The feed this kiosk is configured for (`sync.feed_id`).
    pub feed_id: String,
    /// The cache's record is of that feed (not of the bundled content or another portal's feed).
    pub same_feed: bool,
    /// The recorded version (of whichever feed the record is of).
    pub version: Option<u64>,
    /// SHA-256 of the recorded manifest's bytes.
    pub manifest_sha256: Option<String>,
    /// The recorded manifest's `published_at`.
    pub published_at: Option<String>,
    /// Whether the clock was plausible when the recorded manifest was accepted.
    pub clock_plausible: Option<bool>,
    /// The configured feed's rollback floor as read from [`FLOOR_FILE`]: `Ok(None)` when this
    /// kiosk never applied a version of it, an error when the file is damaged or unreadable.
    pub floor: Result<Option<Floor>, SyncError>,
}

impl Applied {
    /// Gathers what the decisions need from the cache's `record` and the `floor` as read.
    pub fn new(
        feed_id: &str,
        record: &FeedRecord,
        floor: Result<Option<Floor>, SyncError>,
    ) -> Applied {
        Applied {
            feed_id: feed_id.to_owned(),
            same_feed: same_feed(record, feed_id),
            version: record.version,
            manifest_sha256: record.manifest_sha256.clone(),
            published_at: record.published_at.clone(),
            clock_plausible: record.clock_plausible,
            floor,
        }
    }

    /// The version of the configured feed the cache holds; `None` on a first sync (bundled
    /// content, or another feed's).
    pub fn feed_version(&self) -> Option<u64> {
        self.version.filter(|_| self.same_feed)
    }
}

fn same_feed(record: &FeedRecord, feed_id: &str) -> bool {
    record.feed_id.as_deref() == Some(feed_id)
}

/// The `If-None-Match` to send: the recorded ETag, but only while the last signed manifest of
/// this feed was verified less than [`REVALIDATE_AFTER`] ago. A `304` proves nothing signed, so
/// a cache or mirror answering `304` for ever cannot keep the kiosk on old content while it
/// reports success.
pub fn conditional_etag<'a>(
    record: &'a FeedRecord,
    feed_id: &str,
    now: jiff::Timestamp,
) -> Option<&'a str> {
    let verified_recently = record
        .last_success
        .as_deref()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .is_some_and(|at| {
            let age = now.duration_since(at);
            age >= jiff::SignedDuration::ZERO && age.as_secs_f64() < REVALIDATE_AFTER.as_secs_f64()
        });
    if same_feed(record, feed_id) && verified_recently {
        record.etag.as_deref()
    } else {
        None
    }
}

/// After a `304`: the floor to write from the cache's record (version, manifest hash), so a
/// kiosk that applied before the floor file existed gets one.
pub fn floor_from_record<'a>(record: &'a FeedRecord, feed_id: &str) -> Option<(u64, &'a str)> {
    match (record.version, record.manifest_sha256.as_deref()) {
        (Some(version), Some(sha)) if same_feed(record, feed_id) => Some((version, sha)),
        _ => None,
    }
}

/// What to do with a signed manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The portal serves the version already applied, byte for byte: record the check.
    Current {
        /// That version.
        version: u64,
    },
    /// Apply it.
    Apply {
        /// The kiosk's clock is plausible ([`clock_plausible`]); when it is not, manifest times
        /// were not judged.
        clock_plausible: bool,
        /// The manifest has expired by a plausible clock: applied, and the content reported
        /// stale.
        expired: bool,
    },
    /// Refuse it; the kiosk keeps its content.
    Reject(SyncError),
}

/// Judges the signed manifest `manifest` (whose bytes hash to `manifest_sha`, fetched from
/// `manifest_url`) against what was `applied`, at `now`. The rules, the first failure deciding:
///
/// 1. the feed id is the configured one ([`Check::FeedId`]);
/// 2. the floor file is readable ([`Check::Floor`] or [`Check::Disk`]), and the version is not
///    below the floor ([`Check::Rollback`]) nor the floor's version with other bytes
///    ([`Check::Equivocation`]) — the floor outlives a cache reset;
/// 3. the same against the cache's record of this feed (which guards a kiosk that applied
///    before the floor file existed); the recorded version with the same bytes is
///    [`Verdict::Current`];
/// 4. by a plausible clock, `published_at` is at most [`FUTURE_TOLERANCE`] ahead
///    ([`Check::Clock`]), and an `expires_at` in the past marks the content stale.
pub fn judge(
    applied: &Applied,
    manifest: &Manifest,
    manifest_sha: &str,
    manifest_url: &str,
    now: jiff::Timestamp,
) -> Verdict {
    match judge_versions(applied, manifest, manifest_sha, manifest_url) {
        Err(error) => Verdict::Reject(error),
        Ok(Some(version)) => Verdict::Current { version },
        Ok(None) => {
            let plausible = clock_plausible(
                applied.published_at.as_deref(),
                applied.clock_plausible,
                now,
            );
            match judge_clock(manifest, plausible, now, manifest_url) {
                Ok(expired) => Verdict::Apply {
                    clock_plausible: plausible,
                    expired,
                },
                Err(error) => Verdict::Reject(error),
            }
        }
    }
}

/// Rules 1–3 of [`judge`]: `Some(version)` when the manifest is the applied one.
fn judge_versions(
    applied: &Applied,
    manifest: &Manifest,
    manifest_sha: &str,
    manifest_url: &str,
) -> Result<Option<u64>, SyncError> {
    if manifest.feed_id != applied.feed_id {
        return Err(SyncError::rejected(
            Check::FeedId,
            format!(
                "{manifest_url}: the feed is {:?}, but this kiosk is configured for {:?} — fix: check sync.feed_url and sync.feed_id (a kiosk never mixes two portals' feeds)",
                manifest.feed_id, applied.feed_id
            ),
        ));
    }
    if let Some(floor) = applied.floor.clone()?
        && (manifest.version < floor.version
            || (manifest.version == floor.version && manifest_sha != floor.manifest_sha256))
    {
        let applied = floor.version;
        let (check, what) = if manifest.version < applied {
            (
                Check::Rollback,
                format!(
                    "version {} is older than version {applied}, which this kiosk applied before (a rollback, or a stale mirror) — the kiosk keeps its content; fix: the portal must publish a version above {applied}",
                    manifest.version
                ),
            )
        } else {
            (
                Check::Equivocation,
                format!(
                    "version {applied} is signed again with different contents (equivocation) — the kiosk keeps its content; fix: the portal must publish changes under a new version number"
                ),
            )
        };
        return Err(SyncError::rejected(
            check,
            format!("{manifest_url}: {what} (the floor is kept in {FLOOR_FILE})"),
        ));
    }
    let Some(version) = applied.feed_version() else {
        return Ok(None);
    };
    if manifest.version < version {
        return Err(SyncError::rejected(
            Check::Rollback,
            format!(
                "{manifest_url}: version {} is older than the applied version {version} (a rollback, or a stale mirror) — the kiosk keeps version {version}; fix: the portal must publish a version above {version}",
                manifest.version
            ),
        ));
    }
    if manifest.version > version {
        return Ok(None);
    }
    if applied.manifest_sha256.as_deref() != Some(manifest_sha) {
        return Err(SyncError::rejected(
            Check::Equivocation,
            format!(
                "{manifest_url}: version {version} is signed again with different contents (equivocation) — the kiosk keeps what it applied; fix: the portal must publish changes under a new version number"
            ),
        ));
    }
    Ok(Some(version))
}

/// The kiosk's clock is plausible: not before [`CLOCK_FLOOR`], and not before the
/// `published_at` of the applied manifest — unless that manifest was itself accepted under an
/// implausible clock (`accepted_plausibly` is `Some(false)`: its date then proves nothing).
pub fn clock_plausible(
    published_at: Option<&str>,
    accepted_plausibly: Option<bool>,
    now: jiff::Timestamp,
) -> bool {
    let floor: jiff::Timestamp = CLOCK_FLOOR.parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let last_published = published_at
        .filter(|_| accepted_plausibly != Some(false))
        .and_then(|t| t.parse::<jiff::Timestamp>().ok());
    now >= floor && last_published.is_none_or(|last| now >= last)
}

/// Rule 4 of [`judge`]: expiry and future dates, judged only by a plausible clock. Returns
/// whether the manifest has expired (it is applied anyway, and the content reported stale).
fn judge_clock(
    manifest: &Manifest,
    plausible: bool,
    now: jiff::Timestamp,
    url: &str,
) -> Result<bool, SyncError> {
    if !plausible {
        return Ok(false);
    }
    let tolerance = jiff::SignedDuration::try_from(FUTURE_TOLERANCE).unwrap_or_default();
    if let Some(published) = manifest.published()
        && published > now.checked_add(tolerance).unwrap_or(now)
    {
        return Err(SyncError::rejected(
            Check::Clock,
            format!(
                "{url}: published_at {} is in the future by this kiosk's clock ({now}) — fix: check the portal's clock, or this kiosk's time (NTP)",
                manifest.published_at
            ),
        ));
    }
    Ok(manifest.expires().is_some_and(|expires| expires < now))
}

/// A manifest that does not parse: over a limit ([`Check::Limits`]) or not in the feed's
/// format ([`Check::Format`]).
pub fn manifest_rejected(manifest_url: &str, error: &ManifestError) -> SyncError {
    let check = match error {
        ManifestError::Limit(_) => Check::Limits,
        _ => Check::Format,
    };
    SyncError::rejected(check, format!("{manifest_url}: {error}"))
}

/// A shard (at `url`, named `shard` in the manifest) that does not decode: not gzip or not a
/// shard ([`Check::Format`]), or over a limit ([`Check::Limits`]).
pub fn shard_rejected(url: &str, shard: &str, error: &ShardError) -> SyncError {
    SyncError::rejected(
        if matches!(error, ShardError::Gzip(_) | ShardError::Shape(_)) {
            Check::Format
        } else {
            Check::Limits
        },
        format!(
            "{url} (shard {shard}) {error} — fix: the portal must publish a valid feed; nothing was applied"
        ),
    )
}

/// What the cache holds, as the shell read it before an apply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    /// Applied feed shards: name → object hash.
    pub feed_shards: HashMap<String, String>,
    /// Every shard name documents are stored under (feed shards, `bundled`, `import:<file>`).
    pub shards: Vec<String>,
    /// Documents per kind.
    pub kind_counts: HashMap<String, u64>,
}

/// Kinds whose every document a new version may not remove: each is a section of the kiosk.
pub const GUARDED_KINDS: &[&str] = &[
    "guide_section",
    "catalogue_entry",
    "annual_report",
    "procedure",
];

/// Which shards change and which go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Shards of the manifest whose object is not the applied one: their documents are
    /// replaced.
    pub changed: Vec<ShardRef>,
    /// Stored shards the manifest does not list (staff imports, `import:<file>`, excepted):
    /// their documents are removed. Sorted.
    pub removed: Vec<String>,
    /// Applied feed shards: name → object hash.
    pub applied: HashMap<String, String>,
    /// Objects of the applied version (kept until the new one is committed).
    pub applied_objects: HashSet<String>,
    /// Documents per kind before, when content from this feed is applied (the bundled sample
    /// content, or another feed's, may be replaced by anything).
    pub guarded_counts: Option<HashMap<String, u64>>,
}

/// Plans applying `manifest` over what is `stored`, given what was `applied`.
pub fn plan(manifest: &Manifest, applied: &Applied, stored: Stored) -> Plan {
    let Stored {
        feed_shards,
        shards,
        kind_counts,
    } = stored;
    let changed: Vec<_> = manifest
        .shards
        .iter()
        .filter(|s| feed_shards.get(&s.name) != Some(&s.sha256))
        .cloned()
        .collect();
    let names: HashSet<&str> = manifest.shards.iter().map(|s| s.name.as_str()).collect();
    let applied_objects = feed_shards.values().cloned().collect();
    let mut removed: Vec<String> = shards
        .into_iter()
        .chain(feed_shards.keys().cloned())
        .filter(|name| !names.contains(name.as_str()) && !name.starts_with("import:"))
        .collect();
    removed.sort();
    removed.dedup();
    Plan {
        changed,
        removed,
        applied: feed_shards,
        applied_objects,
        guarded_counts: applied.feed_version().map(|_| kind_counts),
    }
}

impl Plan {
    /// Documents in shards this cache has never applied (a first sync, a new year): the part of
    /// the apply that certainly adds to the search index.
    pub fn new_documents(&self) -> u64 {
        self.changed
            .iter()
            .filter(|s| !self.applied.contains_key(&s.name))
            .map(|s| s.documents)
            .sum()
    }

    /// The apply is a bulk load (at least [`BULK_DOCUMENTS`] new documents): the search index
    /// does not merge during the transaction.
    pub fn bulk(&self) -> bool {
        self.new_documents() >= BULK_DOCUMENTS
    }

    /// The search index is merged into one segment after the commit: after a bulk load, and
    /// when the first version of this feed replaces the cache's content.
    pub fn merge_after(&self) -> bool {
        self.bulk() || self.guarded_counts.is_none()
    }

    /// The manifest's patch from the applied version ([`crate::feed::patch`]), when content of
    /// this feed is applied, something changes, and the patch is smaller than the changed
    /// shards: fetching it replaces fetching them.
    pub fn patch<'m>(
        &self,
        manifest: &'m Manifest,
        applied_version: Option<u64>,
    ) -> Option<&'m PatchRef> {
        let version = applied_version.filter(|_| self.guarded_counts.is_some())?;
        if self.changed.is_empty() && self.removed.is_empty() {
            return None;
        }
        let shards: u64 = self.changed.iter().map(|s| s.size).sum();
        manifest
            .patches
            .iter()
            .find(|p| p.from == version && (p.size < shards || shards == 0))
    }

    /// Whether `patch` takes this cache exactly to `manifest`: from the applied version to the
    /// manifest's, covering every changed and removed shard and no other, each from the applied
    /// object to the manifest's with the manifest's document count. `Err` says what differs.
    pub fn check_patch(
        &self,
        patch: &Patch,
        manifest: &Manifest,
        applied_version: u64,
    ) -> Result<(), String> {
        if (patch.from, patch.to) != (applied_version, manifest.version) {
            return Err(format!(
                "it goes from version {} to {}, not from {applied_version} to {}",
                patch.from, patch.to, manifest.version
            ));
        }
        let expected: BTreeSet<&str> = self
            .changed
            .iter()
            .map(|s| s.name.as_str())
            .chain(self.removed.iter().map(String::as_str))
            .collect();
        let covered: BTreeSet<&str> = patch.shards.iter().map(|s| s.name.as_str()).collect();
        if covered != expected || covered.len() != patch.shards.len() {
            return Err(format!(
                "it changes shards {covered:?}, but {expected:?} change on this kiosk"
            ));
        }
        for shard in &patch.shards {
            let target = manifest.shards.iter().find(|s| s.name == shard.name);
            let applied = self.applied.get(&shard.name);
            if shard.from.as_ref() != applied
                || shard.to.as_deref() != target.map(|s| s.sha256.as_str())
                || shard.documents != target.map_or(0, |s| s.documents)
            {
                return Err(format!(
                    "shard {} goes from {:?} to {:?} ({} documents) in the patch, but from {:?} to {:?} ({} documents) here",
                    shard.name,
                    shard.from,
                    shard.to,
                    shard.documents,
                    applied,
                    target.map(|s| &s.sha256),
                    target.map_or(0, |s| s.documents)
                ));
            }
        }
        Ok(())
    }

    /// Changed shards whose object is not on disk yet (`on_disk` says which are; an
    /// interrupted sync resumes here), each object once: (hash, size).
    pub fn missing(&self, on_disk: impl Fn(&str) -> bool) -> Vec<(String, u64)> {
        let mut seen = HashSet::new();
        self.changed
            .iter()
            .filter(|s| seen.insert(s.sha256.as_str()))
            .filter(|s| !on_disk(&s.sha256))
            .map(|s| (s.sha256.clone(), s.size))
            .collect()
    }

    /// The section guard: once content from this feed is applied, version `version` may not
    /// remove every document of a [`GUARDED_KINDS`] kind — `after` is the documents per kind
    /// in the apply's transaction ([`Check::Section`]).
    pub fn section_guard(
        &self,
        after: &HashMap<String, u64>,
        manifest_url: &str,
        version: u64,
    ) -> Result<(), SyncError> {
        let Some(before) = &self.guarded_counts else {
            return Ok(());
        };
        for kind in GUARDED_KINDS {
            let had = before.get(*kind).copied().unwrap_or(0);
            if had > 0 && after.get(*kind).copied().unwrap_or(0) == 0 {
                return Err(SyncError::rejected(
                    Check::Section,
                    format!(
                        "{manifest_url}: version {version} would remove every {kind} document ({had} now) — a whole section of the kiosk would go blank, so nothing was applied; fix: the portal must republish with that section (if it is really retired, delete the cache so the kiosk starts from the new feed)"
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::error::ErrorClass;
    use jiff::Timestamp;

    const FEED: &str = "ls-zwzx";
    const URL: &str = "https://portal.example.gov.cn/feed/manifest.json";
    /// Every test runs at this moment, whatever the day.
    const NOW: &str = "2026-06-01T12:00:00Z";

    fn at(t: &str) -> Timestamp {
        t.parse().expect("a test timestamp")
    }

    /// A 64-hex-digit hash, different for each `n`.
    fn sha(n: u8) -> String {
        format!("{n:02x}").repeat(32)
    }

    /// Version `version` of the feed, published this morning, expiring in a month.
    fn manifest(version: u64) -> Manifest {
        Manifest {
            format: crate::feed::MANIFEST_FORMAT.to_owned(),
            feed_id: FEED.to_owned(),
            version,
            published_at: "2026-06-01T08:00:00Z".to_owned(),
            expires_at: Some("2026-07-01T08:00:00Z".to_owned()),
            publisher: None,
            portal_url: None,
            shards: Vec::new(),
            attachments: Vec::new(),
            patches: Vec::new(),
        }
    }

    fn of_feed(feed_id: &str) -> Manifest {
        Manifest {
            feed_id: feed_id.to_owned(),
            ..manifest(6)
        }
    }

    /// Version 6 with these dates.
    fn dated(published_at: &str, expires_at: Option<&str>) -> Manifest {
        Manifest {
            published_at: published_at.to_owned(),
            expires_at: expires_at.map(str::to_owned),
            ..manifest(6)
        }
    }

    /// A kiosk that never applied this feed (bundled content), with no floor.
    fn fresh() -> Applied {
        Applied {
            feed_id: FEED.to_owned(),
            same_feed: false,
            version: None,
            manifest_sha256: None,
            published_at: None,
            clock_plausible: None,
            floor: Ok(None),
        }
    }

    /// A kiosk whose cache applied `version` (hash `sha(version)`) of this feed, published on
    /// 1 May under a plausible clock.
    fn recorded(version: u8) -> Applied {
        Applied {
            same_feed: true,
            version: Some(u64::from(version)),
            manifest_sha256: Some(sha(version)),
            published_at: Some("2026-05-01T00:00:00Z".to_owned()),
            clock_plausible: Some(true),
            ..fresh()
        }
    }

    /// `applied` with the floor at `version` (hash `sha(version)`).
    fn floor(version: u8, applied: Applied) -> Applied {
        let floor = Floor {
            version: u64::from(version),
            manifest_sha256: sha(version),
        };
        Applied {
            floor: Ok(Some(floor)),
            ..applied
        }
    }

    /// `applied` with a floor file that cannot be read.
    fn damaged(applied: Applied) -> Applied {
        let error = SyncError::local(
            Check::Floor,
            "the rollback floor feed-floor.json is damaged",
        );
        Applied {
            floor: Err(error),
            ..applied
        }
    }

    /// `recorded(version)` with the record's `published_at` and `clock_plausible`.
    fn published(version: u8, at: &str, plausibly: bool) -> Applied {
        Applied {
            published_at: Some(at.to_owned()),
            clock_plausible: Some(plausibly),
            ..recorded(version)
        }
    }

    /// What a row expects of [`judge`].
    #[derive(Debug, Clone, Copy)]
    enum Expect {
        Current(u64),
        /// Clock plausible, expired.
        Apply(bool, bool),
        /// The check, and words of the message.
        Reject(Check, &'static str),
    }
    use Expect::{Apply, Current, Reject};

    /// Applied with a plausible clock, not expired.
    const FINE: Expect = Apply(true, false);

    fn assert_verdict(name: &str, verdict: &Verdict, expect: Expect) {
        match (verdict, expect) {
            (Verdict::Current { version }, Current(want)) => assert_eq!(*version, want, "{name}"),
            (
                Verdict::Apply {
                    clock_plausible,
                    expired,
                },
                Apply(plausible, want),
            ) => assert_eq!((*clock_plausible, *expired), (plausible, want), "{name}"),
            (Verdict::Reject(error), Reject(check, words)) => {
                // Only this kiosk's own floor file is staff's to fix; the rest is the feed's.
                let class = match check {
                    Check::Floor => ErrorClass::Local,
                    _ => ErrorClass::Permanent,
                };
                assert_eq!(
                    (error.class, error.check),
                    (class, check),
                    "{name}: {error}"
                );
                assert!(error.message.contains(words), "{name}: {error}");
                if check != Check::Floor {
                    assert!(error.message.starts_with(URL), "{name}: {error}");
                    assert!(error.message.contains("fix:"), "{name}: {error}");
                }
            }
            _ => panic!("{name}: {verdict:?}, expected {expect:?}"),
        }
    }

    #[test]
    fn judge_feed_id_floor_rollback_and_equivocation() {
        // (rule, applied before, manifest, its hash sha(n), verdict)
        #[rustfmt::skip]
        let rows = [
            ("another portal's feed", recorded(5), of_feed("other"), 6,
                Reject(Check::FeedId, "the feed is \"other\", but this kiosk is configured for \"ls-zwzx\"")),
            ("the feed id before a damaged floor", damaged(fresh()), of_feed("other"), 6,
                Reject(Check::FeedId, "sync.feed_id")),
            ("a damaged floor stops the sync", damaged(recorded(5)), manifest(6), 6,
                Reject(Check::Floor, "damaged")),
            ("the first version of a feed", fresh(), manifest(1), 1, FINE),
            ("below the floor (a cache reset)", floor(5, fresh()), manifest(4), 4,
                Reject(Check::Rollback, "version 4 is older than version 5, which this kiosk applied before")),
            ("the floor's version, other bytes", floor(5, fresh()), manifest(5), 6,
                Reject(Check::Equivocation, "version 5 is signed again with different contents (equivocation) — the kiosk keeps its content")),
            ("the floor's version, its bytes, after a cache reset", floor(5, fresh()), manifest(5), 5, FINE),
            ("above the floor", floor(5, recorded(5)), manifest(6), 6, FINE),
            ("the floor before the record", floor(7, recorded(5)), manifest(6), 6,
                Reject(Check::Rollback, "(the floor is kept in feed-floor.json)")),
            ("below the record (no floor file yet)", recorded(5), manifest(4), 4,
                Reject(Check::Rollback, "version 4 is older than the applied version 5")),
            ("the record's version, other bytes", recorded(5), manifest(5), 6,
                Reject(Check::Equivocation, "the kiosk keeps what it applied")),
            ("the record's version, no recorded hash",
                Applied { manifest_sha256: None, ..recorded(5) }, manifest(5), 5,
                Reject(Check::Equivocation, "version 5 is signed again")),
            ("the record's version, its bytes", floor(5, recorded(5)), manifest(5), 5, Current(5)),
            ("current whatever its dates", recorded(5), Manifest { version: 5, ..dated("2027-01-01T00:00:00Z", None) }, 5,
                Current(5)),
            ("above the record", recorded(5), manifest(6), 6, FINE),
            ("another feed's record guards nothing", Applied { same_feed: false, ..recorded(5) }, manifest(1), 1, FINE),
        ];
        for (name, applied, manifest, n, expect) in rows {
            let verdict = judge(&applied, &manifest, &sha(n), URL, at(NOW));
            assert_verdict(name, &verdict, expect);
        }
    }

    #[test]
    fn judge_the_clock_and_expiry() {
        let month = Some("2026-07-01T08:00:00Z");
        let expired = Some("2026-05-31T00:00:00Z");
        // (rule, applied before, manifest (version 6), the kiosk's clock, verdict)
        #[rustfmt::skip]
        let rows = [
            ("a plausible clock, not expired", recorded(5), dated("2026-06-01T08:00:00Z", month), NOW, FINE),
            ("expired: applied, reported stale", recorded(5), dated("2026-05-01T08:00:00Z", Some("2026-06-01T11:59:59Z")), NOW,
                Apply(true, true)),
            ("expiring this very second", recorded(5), dated("2026-05-01T08:00:00Z", Some(NOW)), NOW, FINE),
            ("no expires_at never expires", recorded(5), dated("2026-05-01T08:00:00Z", None), NOW, FINE),
            ("published a day ahead", recorded(5), dated("2026-06-02T12:00:00Z", month), NOW, FINE),
            ("published more than a day ahead", recorded(5), dated("2026-06-02T12:00:01Z", month), NOW,
                Reject(Check::Clock, "published_at 2026-06-02T12:00:01Z is in the future by this kiosk's clock (2026-06-01T12:00:00Z)")),
            ("a clock before CLOCK_FLOOR judges no dates", fresh(), dated("2027-01-01T00:00:00Z", expired), "2025-12-31T23:59:59Z",
                Apply(false, false)),
            ("CLOCK_FLOOR itself is plausible", fresh(), dated("2025-12-01T00:00:00Z", Some("2025-12-31T00:00:00Z")), CLOCK_FLOOR,
                Apply(true, true)),
            ("a clock before the applied publication", published(5, "2026-06-02T00:00:00Z", true), dated("2027-01-01T00:00:00Z", expired), NOW,
                Apply(false, false)),
            ("… unless accepted under an implausible clock", published(5, "2026-06-02T00:00:00Z", false), dated("2027-01-01T00:00:00Z", None), NOW,
                Reject(Check::Clock, "in the future")),
            ("an unreadable applied publication", published(5, "yesterday", true), dated("2026-05-01T08:00:00Z", expired), NOW,
                Apply(true, true)),
            ("another feed's record still dates the clock",
                Applied { same_feed: false, ..published(5, "2026-06-02T00:00:00Z", true) },
                dated("2026-05-01T08:00:00Z", expired), NOW, Apply(false, false)),
        ];
        for (name, applied, manifest, now, expect) in rows {
            let verdict = judge(&applied, &manifest, &sha(6), URL, at(now));
            assert_verdict(name, &verdict, expect);
        }
    }

    /// The texts are recorded, shown to staff and compared by the integration tests.
    #[test]
    fn judge_messages_are_exact() {
        #[rustfmt::skip]
        let rows = [
            (floor(5, fresh()), 4, 4, "version 4 is older than version 5, which this kiosk applied before (a rollback, or a stale mirror) — the kiosk keeps its content; fix: the portal must publish a version above 5 (the floor is kept in feed-floor.json)"),
            (floor(5, fresh()), 5, 6, "version 5 is signed again with different contents (equivocation) — the kiosk keeps its content; fix: the portal must publish changes under a new version number (the floor is kept in feed-floor.json)"),
            (recorded(5), 4, 4, "version 4 is older than the applied version 5 (a rollback, or a stale mirror) — the kiosk keeps version 5; fix: the portal must publish a version above 5"),
            (recorded(5), 5, 9, "version 5 is signed again with different contents (equivocation) — the kiosk keeps what it applied; fix: the portal must publish changes under a new version number"),
        ];
        for (applied, version, n, message) in rows {
            match judge(&applied, &manifest(version), &sha(n), URL, at(NOW)) {
                Verdict::Reject(error) => assert_eq!(error.message, format!("{URL}: {message}")),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_304_is_trusted_only_for_a_day_after_a_verified_manifest_of_this_feed() {
        let record = |feed_id: &str, last_success: Option<&str>| FeedRecord {
            feed_id: Some(feed_id.to_owned()),
            etag: Some("\"abc\"".to_owned()),
            last_success: last_success.map(str::to_owned),
            ..FeedRecord::default()
        };
        // (case, the record, whether If-None-Match is sent)
        #[rustfmt::skip]
        let rows = [
            ("verified an hour ago", record(FEED, Some("2026-06-01T11:00:00Z")), true),
            ("verified a second short of a day ago", record(FEED, Some("2026-05-31T12:00:01Z")), true),
            ("verified a day ago", record(FEED, Some("2026-05-31T12:00:00Z")), false),
            ("verified in the future (a clock set back)", record(FEED, Some("2026-06-01T13:00:00Z")), false),
            ("never verified", record(FEED, None), false),
            ("an unreadable time", record(FEED, Some("noon")), false),
            ("another feed's ETag", record("other", Some("2026-06-01T11:00:00Z")), false),
        ];
        for (name, record, sent) in rows {
            let etag = conditional_etag(&record, FEED, at(NOW));
            assert_eq!(etag, sent.then_some("\"abc\""), "{name}");
        }
    }

    #[test]
    fn a_304_writes_the_floor_from_this_feeds_record() {
        let record = |feed_id: &str, version: Option<u64>, hash: Option<String>| FeedRecord {
            feed_id: Some(feed_id.to_owned()),
            version,
            manifest_sha256: hash,
            ..FeedRecord::default()
        };
        // (the record, the floor written)
        #[rustfmt::skip]
        let rows = [
            (record(FEED, Some(5), Some(sha(5))), Some(5)),
            (record(FEED, Some(5), None), None),
            (record(FEED, None, Some(sha(5))), None),
            (record("other", Some(5), Some(sha(5))), None),
        ];
        for (record, version) in rows {
            let found = floor_from_record(&record, FEED);
            let expected = version.map(|v| (v, sha(5)));
            assert_eq!(
                found.map(|(v, h)| (v, h.to_owned())),
                expected,
                "{record:?}"
            );
        }
    }

    #[test]
    fn applied_is_gathered_from_the_record_and_the_floor() {
        let record = FeedRecord {
            feed_id: Some(FEED.to_owned()),
            version: Some(5),
            manifest_sha256: Some(sha(5)),
            published_at: Some("2026-05-01T00:00:00Z".to_owned()),
            clock_plausible: Some(true),
            last_success: Some(NOW.to_owned()),
            ..FeedRecord::default()
        };
        assert_eq!(Applied::new(FEED, &record, Ok(None)), recorded(5));
        assert_eq!(recorded(5).feed_version(), Some(5));
        let other = Applied::new("other", &record, Ok(None));
        assert_eq!((other.same_feed, other.feed_version()), (false, None));
        assert_eq!(other.version, Some(5), "the record is kept as it is");
    }

    fn shard(name: &str, n: u8, documents: u64) -> ShardRef {
        ShardRef {
            name: name.to_owned(),
            sha256: sha(n),
            size: 100 * u64::from(n),
            documents,
        }
    }

    /// The cache: applied feed shards (name, object `sha(n)`), every stored shard name, and 3
    /// guide sections.
    fn stored(feed_shards: &[(&str, u8)], shards: &[&str]) -> Stored {
        Stored {
            feed_shards: feed_shards
                .iter()
                .map(|(name, n)| ((*name).to_owned(), sha(*n)))
                .collect(),
            shards: shards.iter().map(|s| (*s).to_owned()).collect(),
            kind_counts: HashMap::from([("guide_section".to_owned(), 3)]),
        }
    }

    #[test]
    fn plan_changed_and_removed_shards() {
        let bulk = BULK_DOCUMENTS;
        // (case, applied before, stored, the manifest's shards,
        //  changed, removed, section guard on, new documents, merged after the commit)
        #[rustfmt::skip]
        let rows = [
            ("the first version replaces the bundled content; staff imports stay",
                fresh(), stored(&[], &["bundled", "import:notices.json"]),
                vec![shard("guide_section", 1, 10), shard("procedure", 2, 20)],
                &["guide_section", "procedure"][..], &["bundled"][..], false, 30, true),
            ("the first version of this feed replaces another feed's shards",
                Applied { same_feed: false, ..recorded(5) }, stored(&[("guide_section", 1), ("old", 3)], &["guide_section", "old"]),
                vec![shard("guide_section", 1, 10)],
                &[], &["old"], false, 0, true),
            ("changed shards replaced, new ones added, dropped ones removed",
                recorded(5), stored(&[("guide_section", 1), ("procedure", 2), ("old", 3)], &["guide_section", "procedure", "old", "import:notices.json"]),
                vec![shard("guide_section", 1, 10), shard("procedure", 4, 20), shard("catalogue_entry-2026", 5, 40)],
                &["procedure", "catalogue_entry-2026"], &["old"], true, 40, false),
            ("applied shards without documents go too, each name once, sorted",
                recorded(5), stored(&[("b-empty", 2), ("a-gone", 3)], &["a-gone", "bundled"]),
                vec![shard("guide_section", 1, 10)],
                &["guide_section"], &["a-gone", "b-empty", "bundled"], true, 10, false),
            ("BULK_DOCUMENTS new documents are a bulk load",
                recorded(5), stored(&[("guide_section", 1)], &["guide_section"]),
                vec![shard("guide_section", 2, 4000), shard("catalogue_entry-2026", 3, bulk)],
                &["guide_section", "catalogue_entry-2026"], &[], true, bulk, true),
        ];
        for (name, applied, stored, shards, changed, removed, guarded, new_documents, merged) in
            rows
        {
            let manifest = Manifest {
                shards,
                ..manifest(6)
            };
            let applied_objects: HashSet<String> = stored.feed_shards.values().cloned().collect();
            let plan = plan(&manifest, &applied, stored);
            let names: Vec<&str> = plan.changed.iter().map(|s| s.name.as_str()).collect();
            assert_eq!(names, changed, "{name}");
            assert_eq!(plan.removed, removed, "{name}");
            assert_eq!(plan.guarded_counts.is_some(), guarded, "{name}");
            assert_eq!(plan.applied_objects, applied_objects, "{name}");
            assert_eq!(plan.new_documents(), new_documents, "{name}");
            assert_eq!(plan.bulk(), new_documents >= BULK_DOCUMENTS, "{name}");
            assert_eq!(plan.merge_after(), merged, "{name}");
        }
    }

    #[test]
    fn plan_downloads_each_missing_object_once() {
        let shards = vec![
            shard("a", 1, 1),
            shard("b", 1, 1),
            shard("c", 2, 1),
            shard("d", 3, 1),
        ];
        let manifest = Manifest {
            shards,
            ..manifest(6)
        };
        let plan = plan(&manifest, &recorded(5), stored(&[("d", 3)], &["d"]));
        let on_disk: HashSet<String> = [sha(2)].into();
        let missing = plan.missing(|sha256| on_disk.contains(sha256));
        assert_eq!(
            missing,
            vec![(sha(1), 100)],
            "a, b: one object; c on disk; d applied"
        );
        assert_eq!(plan.missing(|_| true), Vec::new());
    }

    type Counts = HashMap<String, u64>;

    fn counts(pairs: &[(&str, u64)]) -> Counts {
        pairs.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect()
    }

    fn guarded(before: Option<Counts>) -> Plan {
        Plan {
            changed: Vec::new(),
            removed: Vec::new(),
            applied: HashMap::new(),
            applied_objects: HashSet::new(),
            guarded_counts: before,
        }
    }

    #[test]
    fn the_section_guard_keeps_every_section_of_the_kiosk() {
        // (case, documents per kind before (None: the first version of the feed), after,
        //  words of the refusal)
        #[rustfmt::skip]
        let rows = [
            ("the first version may replace anything", None, counts(&[]), None),
            ("a section emptied", Some(counts(&[("guide_section", 3), ("procedure", 2)])), counts(&[("procedure", 2)]),
                Some("version 6 would remove every guide_section document (3 now) — a whole section of the kiosk would go blank")),
            ("a section counted as zero", Some(counts(&[("procedure", 2)])), counts(&[("procedure", 0)]),
                Some("every procedure document (2 now)")),
            ("a section shrinking", Some(counts(&[("guide_section", 3)])), counts(&[("guide_section", 1)]), None),
            ("a section empty before", Some(counts(&[("guide_section", 0)])), counts(&[]), None),
            ("kinds that are not sections", Some(counts(&[("form_template", 4), ("agency", 1)])), counts(&[]), None),
        ];
        for (name, before, after, refused) in rows {
            match (guarded(before).section_guard(&after, URL, 6), refused) {
                (Ok(()), None) => {}
                (Err(error), Some(words)) => {
                    let found = (error.class, error.check);
                    assert_eq!(found, (ErrorClass::Permanent, Check::Section), "{name}");
                    assert!(error.message.starts_with(URL), "{name}: {error}");
                    assert!(error.message.contains(words), "{name}: {error}");
                    assert!(error.message.contains("fix:"), "{name}: {error}");
                }
                (result, _) => panic!("{name}: {result:?}"),
            }
        }
        for kind in GUARDED_KINDS {
            let plan = guarded(Some(counts(&[(kind, 1)])));
            assert!(plan.section_guard(&counts(&[]), URL, 6).is_err(), "{kind}");
        }
    }

    #[test]
    fn manifest_problems_are_format_or_limits() {
        let generous = crate::feed::Limits::new(1 << 20, 1000);
        let no_shards = crate::feed::Limits {
            max_shards: 0,
            ..generous
        };
        let one_shard = Manifest {
            shards: vec![shard("guide_section", 1, 10)],
            ..manifest(6)
        };
        let bytes = serde_json::to_vec(&one_shard).expect("json");
        let parsed = |bytes: &[u8], limits: &crate::feed::Limits| {
            Manifest::parse(bytes, limits).expect_err("a bad manifest")
        };
        let field = ManifestError::Field {
            field: "version".to_owned(),
            problem: "must be at least 1".to_owned(),
        };
        #[rustfmt::skip]
        let rows = [
            (parsed(&bytes, &no_shards), Check::Limits),
            (ManifestError::Limit("too many".to_owned()), Check::Limits),
            (parsed(b"not json", &generous), Check::Format),
            (parsed(br#"{"format": "readpoint-feed/2"}"#, &generous), Check::Format),
            (field, Check::Format),
        ];
        for (problem, check) in rows {
            let error = manifest_rejected(URL, &problem);
            let found = (error.class, error.check);
            assert_eq!(found, (ErrorClass::Permanent, check), "{problem}");
            assert_eq!(error.message, format!("{URL}: {problem}"));
        }
    }

    #[test]
    fn shard_problems_are_format_or_limits() {
        let long = ShardError::LongString {
            id: "a".to_owned(),
            len: 10,
            max: 5,
        };
        #[rustfmt::skip]
        let rows = [
            (ShardError::Gzip("bad header".to_owned()), Check::Format),
            (ShardError::Shape("missing field".to_owned()), Check::Format),
            (ShardError::TooLarge(32 << 20), Check::Limits),
            (ShardError::Count("more documents than declared".to_owned()), Check::Limits),
            (long, Check::Limits),
        ];
        let url = "https://portal.example.gov.cn/feed/objects/ab/abcd";
        for (problem, check) in rows {
            let error = shard_rejected(url, "guide_section", &problem);
            let found = (error.class, error.check);
            assert_eq!(found, (ErrorClass::Permanent, check), "{problem}");
            assert_eq!(
                error.message,
                format!(
                    "{url} (shard guide_section) {problem} — fix: the portal must publish a valid feed; nothing was applied"
                )
            );
        }
    }
}
