//! The kiosk's feed client: the sync algorithm of `docs/feed.md`, step by step.
//!
//! [`run_once`] checks the portal once: conditional GET of the manifest, signature against the
//! trusted keys, format / feed id / rollback / equivocation / clock checks, bounded concurrent
//! download of missing objects (resumable: verified objects stay in the data folder), bounded
//! decoding, one-transaction apply ([`crate::store::FeedApply`]), attachments within the
//! budget, garbage collection. [`schedule`] runs it on a timer in the kiosk process;
//! `readpoint sync --once` runs it from the command line.
//!
//! The decisions about a signed manifest — take it or reject it, which shards to replace and
//! remove, the section guard — are pure functions in [`decide`]; this module is the I/O around
//! them: it gathers their inputs (the cache's record, the floor, what is stored), fetches, and
//! carries their verdicts out.
//!
//! Owns: the data folder's `objects/` and `sync.lock`, and the `feed.*` record in the cache.
//! Never: applies part of a version, touches the UI, or lets a feed problem reach the visitor —
//! on any error the cache keeps its last good content.

pub mod decide;
pub mod error;
pub mod floor;
pub mod http;
pub mod lock;
pub mod schedule;
pub mod status;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use error::{Check, ErrorClass, SyncError};
pub use status::{SyncStatus, sync_status};

use crate::config::{Config, FeedConfig};
use crate::content::Document;
use crate::feed::pages::{PageLimits, PageSet};
use crate::feed::{
    Limits, MANIFEST_FILE, MAX_MANIFEST_SIZE, MAX_SIGNATURE_SIZE, Manifest, SIGNATURE_FILE,
    object_path, object_url_path, sha256_hex, shard, signature,
};
use crate::store::{AppliedManifest, ApplySummary, FeedApply, Prepared, Store};
use decide::{Applied, Plan, Stored, Verdict};
use http::{FeedHttp, Fetched};
use lock::SyncLock;

/// A kiosk clock earlier than this is wrong (this build did not exist yet): expiry is not
/// judged by it and future-dated manifests are accepted.
pub const CLOCK_FLOOR: &str = "2026-01-01T00:00:00Z";
/// A version bringing at least this many documents is applied as a bulk load: the search index
/// merges once after the commit instead of continuously during it.
pub const BULK_DOCUMENTS: u64 = 5000;
/// A `304 Not Modified` is trusted for this long after the last signed manifest was verified;
/// then the manifest is fetched whole again (see `attempt`).
pub const REVALIDATE_AFTER: Duration = Duration::from_secs(24 * 3600);
/// How far in the future a manifest's `published_at` may be before a plausible clock rejects it.
pub const FUTURE_TOLERANCE: Duration = Duration::from_secs(24 * 3600);

/// Everything a sync needs, from the configuration.
#[derive(Clone)]
pub struct SyncSettings {
    /// The feed: URL, id, trusted keys.
    pub feed: FeedConfig,
    /// The data folder (cache, objects, lock).
    pub data_dir: PathBuf,
    /// Network timeout.
    pub timeout: Duration,
    /// Download and decoding limits.
    pub limits: Limits,
    /// Disk for attachments, in bytes.
    pub attachment_budget: u64,
    /// Free disk a download must leave, in bytes.
    pub disk_reserve: u64,
    /// Hosts besides the feed's own that redirects may lead to.
    pub redirect_hosts: Vec<String>,
    /// Parallel object downloads.
    pub concurrency: usize,
    /// Pause before fetching manifest and signature again after a mismatch.
    pub signature_retry_pause: Duration,
    /// `User-Agent` sent to the portal.
    pub user_agent: String,
    /// The clock (tests move it).
    pub clock: crate::Clock,
}

impl std::fmt::Debug for SyncSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncSettings")
            .field("feed", &self.feed.url)
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl SyncSettings {
    /// Settings from the configuration; `None` when no feed is configured.
    pub fn from_config(config: &Config, data_dir: &Path) -> Option<SyncSettings> {
        let feed = config.sync.feed.clone()?;
        let terminal = &config.kiosk.terminal_id;
        Some(SyncSettings {
            feed,
            data_dir: data_dir.to_owned(),
            timeout: config.sync.timeout,
            limits: Limits::new(config.sync.max_shard_size, config.sync.max_documents),
            attachment_budget: config.sync.attachment_budget,
            disk_reserve: config.sync.disk_reserve,
            redirect_hosts: config.sync.redirect_hosts.clone(),
            concurrency: 4,
            signature_retry_pause: Duration::from_secs(2),
            user_agent: format!(
                "readpoint/{} ({})",
                env!("CARGO_PKG_VERSION"),
                if terminal.is_empty() {
                    "unnamed"
                } else {
                    terminal
                }
            ),
            clock: Arc::new(jiff::Timestamp::now),
        })
    }

    fn now(&self) -> jiff::Timestamp {
        (self.clock)()
    }
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The manifest is unchanged (`304`).
    NotModified,
    /// The portal serves the version already applied.
    Current {
        /// That version.
        version: u64,
    },
    /// A new version was applied.
    Applied(AppliedReport),
    /// Another sync of this cache is running; nothing was done.
    Busy,
}

/// What applying a new version did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedReport {
    /// The version before, if any feed version was applied.
    pub from: Option<u64>,
    /// The version now.
    pub version: u64,
    /// Documents added, replaced, removed.
    pub summary: ApplySummary,
    /// Shards whose documents were replaced.
    pub shards_changed: usize,
    /// Shards removed.
    pub shards_removed: usize,
    /// Objects downloaded (shards and attachments).
    pub objects_fetched: usize,
    /// Bytes downloaded, manifest and signature included.
    pub bytes_fetched: u64,
    /// True when the manifest had expired by a plausible clock (content shown as stale).
    pub expired: bool,
    /// Attachments that could not be fetched this time (fetched on a later sync).
    pub attachments_missing: usize,
}

/// Where a sync is, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Asking for the manifest.
    Checking,
    /// Downloading objects: done of total.
    Downloading {
        /// Objects downloaded so far.
        done: usize,
        /// Objects to download.
        total: usize,
    },
    /// Applying shards: done of total.
    Applying {
        /// Shards applied so far.
        done: usize,
        /// Shards to apply.
        total: usize,
    },
    /// The new version is committed: visitors see it from now on.
    Committed,
    /// Fetching attachments, removing unreferenced objects.
    Finishing,
}

/// Runs one sync of the cache `store` (which the caller opened; a visitor-facing kiosk keeps
/// reading its own connection meanwhile). Takes the sync lock; returns [`Outcome::Busy`] when
/// another sync holds it. Records the check, success or error in the cache.
pub fn run_once(
    settings: &SyncSettings,
    store: &mut Store,
    runtime: &tokio::runtime::Runtime,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Outcome, SyncError> {
    let Some(_lock) = SyncLock::try_acquire(&settings.data_dir)? else {
        return Ok(Outcome::Busy);
    };
    let http = FeedHttp::new(
        &settings.feed.url,
        settings.timeout,
        &settings.user_agent,
        &settings.redirect_hosts,
    )?;
    let at = rfc3339(settings.now());
    let result = attempt(settings, store, runtime, &http, progress);
    match &result {
        Ok(Outcome::NotModified) => store.record_feed_not_modified(&at)?,
        Ok(Outcome::Current { .. }) | Ok(Outcome::Applied(_)) | Ok(Outcome::Busy) => {}
        Err(error) => {
            tracing::warn!(
                class = error.class.as_str(),
                check = error.check.as_str(),
                "sync failed: {error}"
            );
            if let Err(record) = store.record_feed_error(&at, error.class.as_str(), &error.message)
            {
                tracing::error!("cannot record the sync error: {record}");
            }
        }
    }
    result
}

/// [`run_with_retries`] starts no retry that could not end within this many `sync.timeout`s of
/// the first attempt's start (a failing check fails fast: each attempt's requests are bounded
/// by [`http::Deadline`]).
pub const RETRY_BUDGET_TIMEOUTS: u32 = 3;

/// Like [`run_once`], retrying transient failures up to `attempts` times in all, with full-jitter
/// exponential backoff (or the server's longer `Retry-After`), each wait at most `max_wait` and
/// at least [`schedule::RETRY_FLOOR`]. A retry starts only if it could still fail within
/// [`RETRY_BUDGET_TIMEOUTS`] × `timeout` of the start, so a dead or trickling portal ends the
/// run as transient within that time.
pub fn run_with_retries(
    settings: &SyncSettings,
    store: &mut Store,
    runtime: &tokio::runtime::Runtime,
    progress: &(dyn Fn(Progress) + Sync),
    attempts: u32,
    max_wait: Duration,
) -> Result<Outcome, SyncError> {
    let started = std::time::Instant::now();
    let budget = settings.timeout * RETRY_BUDGET_TIMEOUTS;
    let mut attempt = 0;
    loop {
        match run_once(settings, store, runtime, progress) {
            Err(error) if error.is_transient() && attempt + 1 < attempts => {
                let wait = schedule::retry_delay(attempt, &error, max_wait);
                if started.elapsed() + wait + settings.timeout > budget {
                    tracing::info!(
                        ?wait,
                        "transient sync failure; no time left for a retry within {RETRY_BUDGET_TIMEOUTS} × sync.timeout"
                    );
                    return Err(error);
                }
                tracing::info!(?wait, "transient sync failure; retrying: {error}");
                std::thread::sleep(wait);
                attempt += 1;
            }
            other => return other,
        }
    }
}

fn rfc3339(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A fetched manifest with its signature checked.
struct Signed {
    bytes: Vec<u8>,
    etag: Option<String>,
    fetched: u64,
}

/// One check, as the I/O shell around [`decide`]: reads what was applied (the cache's record,
/// the floor), fetches, lets [`decide::judge`] and [`decide::plan`] decide, and carries their
/// verdict out (records, downloads, the apply, attachments, garbage collection).
fn attempt(
    settings: &SyncSettings,
    store: &mut Store,
    runtime: &tokio::runtime::Runtime,
    http: &FeedHttp,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Outcome, SyncError> {
    progress(Progress::Checking);
    let record = store.feed_record()?;
    let etag = decide::conditional_etag(&record, &settings.feed.id, settings.now());
    let Some(signed) = runtime.block_on(fetch_signed(settings, http, etag))? else {
        if let Some((version, sha)) = decide::floor_from_record(&record, &settings.feed.id) {
            // A kiosk that applied before the floor file existed gets one.
            raise_floor(settings, version, sha);
        }
        maintain(settings, store, runtime, http);
        return Ok(Outcome::NotModified);
    };
    let manifest_url = http.url(MANIFEST_FILE);
    let manifest = Manifest::parse(&signed.bytes, &settings.limits)
        .map_err(|e| decide::manifest_rejected(&manifest_url, &e))?;
    let manifest_sha = sha256_hex(&signed.bytes);
    let now = settings.now();
    let at = rfc3339(now);
    // The floor outside the cache outlives a cache reset; the cache's record is the floor of a
    // kiosk that applied before the file existed (it is written below). A floor that cannot be
    // read is judged after the feed id.
    let floor = floor::load(&settings.data_dir, &settings.feed.id);
    let applied = Applied::new(&settings.feed.id, &record, floor);
    let (plausible, expired) =
        match decide::judge(&applied, &manifest, &manifest_sha, &manifest_url, now) {
            Verdict::Reject(error) => return Err(error),
            Verdict::Current { version } => {
                store.record_feed_current(&at, signed.etag.as_deref())?;
                raise_floor(settings, version, &manifest_sha);
                maintain(settings, store, runtime, http);
                return Ok(Outcome::Current { version });
            }
            Verdict::Apply {
                clock_plausible,
                expired,
            } => (clock_plausible, expired),
        };
    if !plausible {
        tracing::warn!(%now, "the kiosk's clock is implausible; manifest times are not judged");
    }
    let stored = Stored {
        kind_counts: store
            .status()?
            .documents
            .into_iter()
            .map(|k| (k.kind, k.count))
            .collect(),
        feed_shards: store.feed_shards()?,
        shards: store.stored_shards()?,
    };
    let plan = decide::plan(&manifest, &applied, stored);
    // Disk never holds more than the applied version and the one being fetched: leftovers of
    // rejected versions and dead partial downloads go first.
    let mut keep = plan.applied_objects.clone();
    keep.extend(manifest_objects(&manifest, &settings.data_dir));
    keep.extend(manifest.patches.iter().map(|p| p.sha256.clone()));
    collect_garbage(&settings.data_dir, &keep);
    let manifest_text = String::from_utf8_lossy(&signed.bytes);
    let record = AppliedManifest {
        feed_id: &manifest.feed_id,
        version: manifest.version,
        manifest_sha256: &manifest_sha,
        etag: signed.etag.as_deref(),
        published_at: &manifest.published_at,
        expires_at: manifest.expires_at.as_deref(),
        portal_url: manifest.portal_url.as_deref(),
        source: &settings.feed.url,
        at: &at,
        manifest: &manifest_text,
        clock_plausible: plausible,
    };
    let patched = match (
        plan.patch(&manifest, applied.feed_version()),
        applied.feed_version(),
    ) {
        (Some(patch_ref), Some(from)) => apply_patch(
            settings,
            store,
            runtime,
            http,
            &plan,
            &manifest,
            (patch_ref, from),
            progress,
            &record,
        )?,
        _ => None,
    };
    let (summary, fetched) = match patched {
        Some(done) => done,
        None => {
            let missing = plan.missing(|sha256| object_path(&settings.data_dir, sha256).exists());
            check_disk(settings, missing.iter().map(|(_, size)| *size).sum())?;
            tracing::info!(objects = missing.len(), "downloading");
            let fetched = runtime.block_on(download_all(settings, http, &missing, progress))?;
            let summary = apply(settings, store, http, &plan, progress, &record)?;
            (summary, fetched)
        }
    };
    progress(Progress::Committed);
    raise_floor(settings, manifest.version, &manifest_sha);
    progress(Progress::Finishing);
    // The first version of a feed replaces the cache's content (the bundled sample, or another
    // feed's): its search index is merged into one segment, like a bulk load's. Later FTS5
    // merges then reuse the pages that freed instead of growing the file for most of a day
    // (`bench soak`: +33 % in 24 h without it). Every apply ends with the WAL copied into the
    // cache and truncated, so it does not keep the apply's size on disk.
    if plan.merge_after() {
        let started = std::time::Instant::now();
        match store.optimize() {
            Ok(()) => tracing::info!(elapsed = ?started.elapsed(), "search index merged"),
            // The content is applied; searches are only slower until the next merge.
            Err(e) => tracing::warn!("merging the search index failed: {e}"),
        }
    } else {
        match store.checkpoint() {
            Ok(true) => {}
            Ok(false) => {
                tracing::info!("a reader kept the WAL from being truncated; the next apply does")
            }
            Err(e) => tracing::warn!("checkpointing the cache after the apply failed: {e}"),
        }
    }
    let attachments = runtime.block_on(fetch_attachments(settings, http, &manifest));
    record_page_sets(store, &attachments);
    collect_garbage(
        &settings.data_dir,
        &manifest_objects(&manifest, &settings.data_dir),
    );
    tracing::info!(
        version = manifest.version,
        added = summary.added,
        replaced = summary.replaced,
        removed = summary.removed,
        unchanged = summary.unchanged,
        "feed version applied"
    );
    Ok(Outcome::Applied(AppliedReport {
        from: applied.feed_version(),
        version: manifest.version,
        summary,
        shards_changed: plan.changed.len(),
        shards_removed: plan.removed.len(),
        objects_fetched: fetched.0 + attachments.fetched,
        bytes_fetched: signed.fetched + fetched.1 + attachments.bytes,
        expired,
        attachments_missing: attachments.missing,
    }))
}

/// Refuses a download of `bytes` that would leave less than `sync.disk_reserve` free in the
/// data folder's file system (the apply then grows the cache too; the reserve is its room).
/// Unknown free space (statvfs failed) does not block the sync.
fn check_disk(settings: &SyncSettings, bytes: u64) -> Result<(), SyncError> {
    let Some((free, _)) = crate::fleet::disk::space(&settings.data_dir) else {
        return Ok(());
    };
    let needed = bytes.saturating_add(settings.disk_reserve);
    if free < needed {
        return Err(SyncError::transient(
            Check::Disk,
            format!(
                "{}: the download needs {} and sync.disk_reserve keeps {} free, but only {} is free — nothing was downloaded and the kiosk keeps its content; fix: free disk space (old logs, cache.db.corrupt-* copies), or lower sync.disk_reserve or sync.attachment_budget",
                settings.data_dir.display(),
                crate::config::format_byte_size(bytes),
                crate::config::format_byte_size(settings.disk_reserve),
                crate::config::format_byte_size(free)
            ),
        ));
    }
    Ok(())
}

/// Raises the rollback floor after a version was applied or confirmed. The content is already
/// committed, so a failure is logged loudly (the cache's record still guards this cache) and
/// retried at the next check.
fn raise_floor(settings: &SyncSettings, version: u64, manifest_sha256: &str) {
    let raised = floor::raise(
        &settings.data_dir,
        &settings.feed.id,
        &floor::Floor {
            version,
            manifest_sha256: manifest_sha256.to_owned(),
        },
    );
    if let Err(error) = raised {
        tracing::error!("the rollback floor was not saved (retried at the next check): {error}");
    }
}

/// Steps 1–2: the manifest (conditionally) and a signature that verifies over its exact bytes.
/// A mismatch is retried once after a pause (a cache may briefly pair a new manifest with an
/// old signature). `None` for `304 Not Modified`.
async fn fetch_signed(
    settings: &SyncSettings,
    http: &FeedHttp,
    etag: Option<&str>,
) -> Result<Option<Signed>, SyncError> {
    let mut etag = etag;
    let mut retried = false;
    loop {
        let (bytes, new_etag) = match http.fetch(MANIFEST_FILE, etag, MAX_MANIFEST_SIZE).await? {
            Fetched::NotModified => return Ok(None),
            Fetched::Body { bytes, etag } => (bytes, etag),
        };
        let sig = match http.fetch(SIGNATURE_FILE, None, MAX_SIGNATURE_SIZE).await? {
            Fetched::Body { bytes, .. } => bytes,
            Fetched::NotModified => Vec::new(),
        };
        let fetched = (bytes.len() + sig.len()) as u64;
        let text = String::from_utf8_lossy(&sig);
        match signature::verify(&bytes, &text, &settings.feed.trusted_keys) {
            Ok(key_id) => {
                tracing::debug!(key_id, "manifest signature verified");
                return Ok(Some(Signed {
                    bytes,
                    etag: new_etag,
                    fetched,
                }));
            }
            Err(error) if retried => {
                return Err(SyncError::rejected(
                    Check::Signature,
                    format!(
                        "{}: {error}; the kiosk keeps its content",
                        http.url(SIGNATURE_FILE)
                    ),
                ));
            }
            Err(_) => {
                retried = true;
                etag = None;
                tokio::time::sleep(settings.signature_retry_pause).await;
            }
        }
    }
}

/// The kiosk's clock is plausible by the cache's `record` ([`decide::clock_plausible`]).
pub fn clock_plausible(record: &crate::store::FeedRecord, now: jiff::Timestamp) -> bool {
    decide::clock_plausible(record.published_at.as_deref(), record.clock_plausible, now)
}

/// Every object a manifest needs: shards, attachments, page sets, and the page pictures of the
/// page sets already on disk.
fn manifest_objects(manifest: &Manifest, data_dir: &Path) -> HashSet<String> {
    let mut objects: HashSet<String> = manifest
        .shards
        .iter()
        .map(|s| s.sha256.clone())
        .chain(manifest.attachments.iter().map(|a| a.sha256.clone()))
        .collect();
    for pages in manifest.attachments.iter().filter_map(|a| a.pages.as_ref()) {
        objects.insert(pages.sha256.clone());
        if let Ok(set) = read_page_set(data_dir, &pages.sha256) {
            objects.extend(set.pages.into_iter().map(|p| p.image));
        }
    }
    objects
}

/// After a check that found the cache current: fetch attachments still missing from the applied
/// manifest (a budget raised, a failure last time) and remove unreferenced objects.
fn maintain(
    settings: &SyncSettings,
    store: &mut Store,
    runtime: &tokio::runtime::Runtime,
    http: &FeedHttp,
) {
    let manifest = match store.feed_manifest() {
        Ok(Some(text)) => Manifest::parse(text.as_bytes(), &settings.limits).ok(),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!("cannot read the applied manifest: {e}");
            None
        }
    };
    let Some(manifest) = manifest else {
        return;
    };
    let attachments = runtime.block_on(fetch_attachments(settings, http, &manifest));
    if attachments.fetched > 0 || attachments.missing > 0 {
        tracing::info!(
            fetched = attachments.fetched,
            missing = attachments.missing,
            "attachments of the applied version"
        );
    }
    record_page_sets(store, &attachments);
    collect_garbage(
        &settings.data_dir,
        &manifest_objects(&manifest, &settings.data_dir),
    );
}

/// Step 5: downloads objects with bounded concurrency. A failed object does not stop the others
/// (whatever arrives is kept, so the next attempt resumes with less to fetch); the first failure
/// is reported once all have ended. Returns objects and bytes fetched.
async fn download_all(
    settings: &SyncSettings,
    http: &FeedHttp,
    objects: &[(String, u64)],
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(usize, u64), SyncError> {
    let total = objects.len();
    progress(Progress::Downloading { done: 0, total });
    let semaphore = Arc::new(tokio::sync::Semaphore::new(settings.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (sha256, size) in objects.iter().cloned() {
        let http = http.clone();
        let root = settings.data_dir.clone();
        let semaphore = Arc::clone(&semaphore);
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            http.download(&root, &sha256, size).await
        });
    }
    let mut done = 0;
    let mut bytes = 0;
    let mut first_error: Option<SyncError> = None;
    while let Some(joined) = tasks.join_next().await {
        let result = joined
            .map_err(|e| {
                SyncError::transient(Check::Network, format!("a download task failed: {e}"))
            })
            .and_then(|r| r);
        match result {
            Ok(received) => {
                done += 1;
                bytes += received;
                progress(Progress::Downloading { done, total });
            }
            Err(error) => {
                // A rejected object outranks a network hiccup: it will not go away by retrying.
                let replace = match &first_error {
                    None => true,
                    Some(first) => first.is_transient() && !error.is_transient(),
                };
                if replace {
                    first_error = Some(error);
                }
            }
        }
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok((done, bytes)),
    }
}

/// Steps 6–7: decodes every changed shard within the limits and applies the version in one
/// transaction. Any failure rolls everything back.
///
/// Two threads share the work: a decoder reads, checks, decodes and segments the next shard
/// ([`prepare_shard`]) while this thread writes the one before into the cache. The hand-over
/// waits for the writer (a channel of no capacity), so memory holds two prepared shards at most:
/// the one being written and the next.
fn apply(
    settings: &SyncSettings,
    store: &mut Store,
    http: &FeedHttp,
    plan: &Plan,
    progress: &(dyn Fn(Progress) + Sync),
    applied: &AppliedManifest<'_>,
) -> Result<ApplySummary, SyncError> {
    let total = plan.changed.len();
    tracing::info!(shards = total, "applying");
    let replaced: HashSet<&str> = plan
        .changed
        .iter()
        .map(|s| s.name.as_str())
        .chain(plan.removed.iter().map(String::as_str))
        .collect();
    // Shards of this version already written in this transaction.
    let mut written: HashSet<&str> = HashSet::new();
    let mut tx = store.begin_feed_apply()?;
    if plan.bulk() {
        tx.bulk()?;
    }
    std::thread::scope(|scope| {
        let (sender, prepared) = std::sync::mpsc::sync_channel(0);
        let decoder = std::thread::Builder::new()
            .name("sync-decode".into())
            .spawn_scoped(scope, move || {
                for shard_ref in &plan.changed {
                    let result = prepare_shard(settings, http, shard_ref);
                    let failed = result.is_err();
                    // The writer stops receiving when it fails; then there is nothing to do.
                    if sender.send(result).is_err() || failed {
                        break;
                    }
                }
            });
        if let Err(e) = decoder {
            return Err(SyncError::transient(
                Check::Internal,
                format!("cannot start the decoding thread: {e}"),
            ));
        }
        for (done, shard_ref) in plan.changed.iter().enumerate() {
            progress(Progress::Applying { done, total });
            let documents = prepared.recv().map_err(|_| {
                SyncError::transient(
                    Check::Internal,
                    "the decoding thread stopped early".to_owned(),
                )
            })??;
            let mut in_shard: HashSet<&str> = HashSet::with_capacity(documents.len());
            for doc in &documents {
                // An id must be unique across the feed: twice in this version, or also in a
                // shard this version leaves as it is, would make documents move or vanish later.
                // Where the id is stored now tells: a shard written before in this version, or
                // one this version keeps (an id stored in a shard still to be replaced is moving).
                let twice = !in_shard.insert(doc.id.as_str())
                    || tx.shard_of(&doc.id)?.is_some_and(|shard| {
                        written.contains(shard.as_str())
                            || (plan.applied.contains_key(&shard)
                                && !replaced.contains(shard.as_str()))
                    });
                if twice {
                    return Err(SyncError::rejected(
                        Check::Document,
                        format!(
                            "{} (shard {}): document id {} appears in more than one shard — fix: the portal must publish each id once; nothing was applied",
                            http.url(&object_url_path(&shard_ref.sha256)),
                            shard_ref.name,
                            doc.id
                        ),
                    ));
                }
            }
            tx.replace_shard(&shard_ref.name, &shard_ref.sha256, &documents)?;
            written.insert(&shard_ref.name);
        }
        Ok(())
    })?;
    for name in &plan.removed {
        tx.remove_shard(name)?;
    }
    progress(Progress::Applying { done: total, total });
    guard_and_commit(tx, plan, http, applied)
}

/// Reads a downloaded shard, checks its hash, decodes it within the limits and prepares its
/// documents for the writer, oldest first (so the search index appends).
fn prepare_shard(
    settings: &SyncSettings,
    http: &FeedHttp,
    shard_ref: &crate::feed::ShardRef,
) -> Result<Vec<Prepared>, SyncError> {
    let url = http.url(&object_url_path(&shard_ref.sha256));
    let path = object_path(&settings.data_dir, &shard_ref.sha256);
    let bytes = std::fs::read(&path).map_err(|e| {
        SyncError::transient(
            Check::Disk,
            format!(
                "cannot read the downloaded {} ({e}); it will be fetched again",
                path.display()
            ),
        )
    })?;
    if sha256_hex(&bytes) != shard_ref.sha256 {
        let _ = std::fs::remove_file(&path);
        return Err(SyncError::transient(
            Check::Disk,
            format!(
                "{} was damaged on disk; it will be fetched again",
                path.display()
            ),
        ));
    }
    let mut prepared = decode_documents(&bytes, shard_ref, &settings.limits, &url)?;
    drop(bytes);
    // Stable: documents of one day keep the shard's order, and so their recency keys.
    prepared.sort_by_key(Prepared::recency_base);
    Ok(prepared)
}

/// The end of every apply, by shards or by a patch: the section guard, then the commit.
fn guard_and_commit(
    tx: FeedApply<'_>,
    plan: &Plan,
    http: &FeedHttp,
    applied: &AppliedManifest<'_>,
) -> Result<ApplySummary, SyncError> {
    // The counts are read only when the guard applies (not under the first version of a feed).
    if plan.guarded_counts.is_some() {
        plan.section_guard(
            &tx.kind_counts()?,
            &http.url(MANIFEST_FILE),
            applied.version,
        )?;
    }
    Ok(tx.commit(applied)?)
}

/// What an apply did, and what its downloads fetched (objects, bytes).
type Done = (ApplySummary, (usize, u64));

/// Steps 5–7 with a patch (`docs/feed.md`, *Patches*): fetches the patch from the applied
/// version and applies it in one transaction, checking that it takes this cache exactly to the
/// manifest (shard objects and document counts). Returns `None` when the patch cannot be used
/// here (rejected object, inconsistent with the cache, an invalid document): that is logged and
/// the caller fetches the changed shards instead, which are the authority. Network trouble is an
/// error as for shards (retried later).
#[allow(clippy::too_many_arguments)]
fn apply_patch(
    settings: &SyncSettings,
    store: &mut Store,
    runtime: &tokio::runtime::Runtime,
    http: &FeedHttp,
    plan: &Plan,
    manifest: &Manifest,
    (patch_ref, from): (&crate::feed::PatchRef, u64),
    progress: &(dyn Fn(Progress) + Sync),
    applied: &AppliedManifest<'_>,
) -> Result<Option<Done>, SyncError> {
    let url = http.url(&object_url_path(&patch_ref.sha256));
    let unusable = |why: String| {
        tracing::warn!(%url, "the patch from version {from} cannot be used here ({why}); fetching the changed shards instead");
        Ok(None)
    };
    let missing = if object_path(&settings.data_dir, &patch_ref.sha256).exists() {
        Vec::new()
    } else {
        vec![(patch_ref.sha256.clone(), patch_ref.size)]
    };
    check_disk(settings, patch_ref.size)?;
    tracing::info!(from, bytes = patch_ref.size, "downloading the patch");
    let fetched = match runtime.block_on(download_all(settings, http, &missing, progress)) {
        Ok(fetched) => fetched,
        Err(error) if error.is_transient() => return Err(error),
        Err(error) => return unusable(error.to_string()),
    };
    let path = object_path(&settings.data_dir, &patch_ref.sha256);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) if sha256_hex(&bytes) == patch_ref.sha256 => bytes,
        _ => {
            let _ = std::fs::remove_file(&path);
            return unusable("the downloaded object is damaged".into());
        }
    };
    let patch = match crate::feed::patch::decode(&bytes, &settings.limits) {
        Ok(patch) => patch,
        Err(error) => return unusable(error.to_string()),
    };
    drop(bytes);
    if let Err(why) = plan.check_patch(&patch, manifest, from) {
        return unusable(why);
    }
    let patched: HashSet<&str> = patch.shards.iter().map(|s| s.name.as_str()).collect();
    let total = patch.shards.len();
    tracing::info!(
        shards = total,
        documents = patch.put_count(),
        "applying the patch"
    );
    let mut tx = store.begin_feed_apply()?;
    for (done, shard) in patch.shards.iter().enumerate() {
        progress(Progress::Applying { done, total });
        let crate::content::Intake {
            documents,
            problems,
        } = crate::content::Intake::of(shard.put.iter().cloned());
        if let Some(problem) = problems.first() {
            return unusable(format!("shard {}: {problem}", shard.name));
        }
        for id in &shard.remove {
            tx.remove_document(&shard.name, id)?;
        }
        for doc in &documents {
            // An id of a shard the patch leaves alone would move here: not what shards say.
            if let Some(other) = tx.shard_of(&doc.id)?
                && other != shard.name
                && plan.applied.contains_key(&other)
                && !patched.contains(other.as_str())
            {
                return unusable(format!(
                    "document {} is in shard {other}, which the patch does not change",
                    doc.id
                ));
            }
            tx.put_document(&shard.name, &Prepared::of(doc))?;
        }
        match &shard.to {
            Some(sha256) => {
                let held = tx.record_shard(&shard.name, sha256)?;
                if held != shard.documents {
                    return unusable(format!(
                        "shard {} would hold {held} documents, the manifest says {}",
                        shard.name, shard.documents
                    ));
                }
            }
            None => tx.remove_shard(&shard.name)?,
        }
    }
    progress(Progress::Applying { done: total, total });
    Ok(Some((guard_and_commit(tx, plan, http, applied)?, fetched)))
}

/// Decodes a shard within the limits, validating each document as soon as it is parsed and
/// keeping only what the writer needs of it ([`Prepared`]); the first problems reject the whole
/// version.
fn decode_documents(
    bytes: &[u8],
    shard_ref: &crate::feed::ShardRef,
    limits: &Limits,
    url: &str,
) -> Result<Vec<Prepared>, SyncError> {
    let capacity = usize::try_from(shard_ref.documents.min(limits.max_documents)).unwrap_or(0);
    let mut documents = Vec::with_capacity(capacity.min(1 << 16));
    let mut problems = Vec::new();
    shard::decode(
        bytes,
        shard_ref.documents,
        limits,
        |value| match Document::from_value(value) {
            Ok(doc) => documents.push(Prepared::of(&doc)),
            Err(found) => problems.extend(found),
        },
    )
    .map_err(|e| decide::shard_rejected(url, &shard_ref.name, &e))?;
    if problems.is_empty() {
        return Ok(documents);
    }
    let shown: Vec<String> = problems.iter().take(5).map(ToString::to_string).collect();
    Err(SyncError::rejected(
        Check::Document,
        format!(
            "{url} (shard {}): {} invalid document field(s), e.g. {} — fix: the portal must correct and republish; nothing was applied",
            shard_ref.name,
            problems.len(),
            shown.join("; ")
        ),
    ))
}

/// What fetching attachments did.
#[derive(Debug, Default)]
struct AttachmentsFetched {
    /// Objects downloaded (files, page sets, page pictures).
    fetched: usize,
    /// Their bytes.
    bytes: u64,
    /// Attachments not (completely) on the kiosk: over the budget, or a failure.
    missing: usize,
    /// Verified page sets: (attachment, page set object, its pages).
    page_sets: Vec<(String, String, PageSet)>,
}

/// Whether an object is on disk after [`ensure_object`].
enum Ensured {
    /// It was there, intact.
    Present,
    /// Downloaded now: this many bytes.
    Fetched(u64),
    /// It would not fit `sync.attachment_budget`.
    OverBudget,
    /// Not there: a download or disk failure (logged), retried at the next sync.
    Failed,
}

/// Fetches attachments not yet present, in manifest order, while they fit the budget. An
/// attachment the publisher rendered ([`crate::feed::pages`]) is fetched as its page set and
/// page pictures, first page first (the kiosk shows pages and never needs the file itself).
/// Failures are logged and retried on a later sync.
async fn fetch_attachments(
    settings: &SyncSettings,
    http: &FeedHttp,
    manifest: &Manifest,
) -> AttachmentsFetched {
    let mut used = 0u64;
    let mut out = AttachmentsFetched::default();
    for attachment in &manifest.attachments {
        // The file itself, or for a rendered attachment its page set.
        let first = match &attachment.pages {
            Some(pages) => (pages.sha256.as_str(), pages.size),
            None => (attachment.sha256.as_str(), attachment.size),
        };
        let ensured = ensure_object(settings, http, first, &attachment.file_name, &mut used).await;
        out.count(&ensured);
        if matches!(ensured, Ensured::OverBudget | Ensured::Failed) {
            out.missing += 1;
            continue;
        }
        let Some(pages) = &attachment.pages else {
            continue;
        };
        let set = match read_page_set(&settings.data_dir, &pages.sha256) {
            Ok(set) if set.pages.len() == pages.count as usize => set,
            Ok(set) => {
                out.missing += 1;
                tracing::warn!(
                    file = attachment.file_name,
                    "the page set has {} pages, the manifest says {}; pages not shown — fix: the portal must republish",
                    set.pages.len(),
                    pages.count
                );
                continue;
            }
            Err(error) => {
                out.missing += 1;
                tracing::warn!(
                    file = attachment.file_name,
                    "{error}; pages not shown — fix: the portal must republish"
                );
                continue;
            }
        };
        let mut complete = true;
        for page in &set.pages {
            let ensured = ensure_object(
                settings,
                http,
                (&page.image, page.size),
                &attachment.file_name,
                &mut used,
            )
            .await;
            out.count(&ensured);
            match ensured {
                Ensured::Present | Ensured::Fetched(_) => {}
                Ensured::Failed => complete = false,
                // Pages are read from the first: no gaps left for later, smaller pages.
                Ensured::OverBudget => {
                    complete = false;
                    break;
                }
            }
        }
        if !complete {
            out.missing += 1;
        }
        out.page_sets
            .push((attachment.sha256.clone(), pages.sha256.clone(), set));
    }
    out
}

impl AttachmentsFetched {
    fn count(&mut self, ensured: &Ensured) {
        if let Ensured::Fetched(bytes) = ensured {
            self.fetched += 1;
            self.bytes += bytes;
        }
    }
}

/// Makes sure object `(sha256, size)` is on disk and intact, downloading it if it fits the
/// budget (`used` counts what the attachments before it take).
async fn ensure_object(
    settings: &SyncSettings,
    http: &FeedHttp,
    (sha256, size): (&str, u64),
    file_name: &str,
    used: &mut u64,
) -> Ensured {
    let total = used.saturating_add(size);
    if total > settings.attachment_budget {
        return Ensured::OverBudget;
    }
    *used = total;
    let path = object_path(&settings.data_dir, sha256);
    if path.exists() {
        let (check, sha, path_to_check) = (sha256.to_owned(), size, path.clone());
        let intact =
            tokio::task::spawn_blocking(move || object_intact(&path_to_check, &check, sha))
                .await
                .unwrap_or(false);
        if intact {
            return Ensured::Present;
        }
        // Damaged on disk (a power cut, a bad sector): fetched again below.
        tracing::warn!(file = file_name, path = %path.display(), "a stored attachment object is damaged; fetching it again");
        let _ = std::fs::remove_file(&path);
    } else if let Err(error) = check_disk(settings, size) {
        tracing::warn!(file = file_name, "attachment not fetched: {error}");
        return Ensured::Failed;
    }
    match http.download(&settings.data_dir, sha256, size).await {
        Ok(received) => Ensured::Fetched(received),
        Err(error) => {
            tracing::warn!(file = file_name, "attachment not fetched: {error}");
            Ensured::Failed
        }
    }
}

/// Reads and checks the page set object `sha256` from the object store.
fn read_page_set(data_dir: &Path, sha256: &str) -> Result<PageSet, String> {
    let path = object_path(data_dir, sha256);
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    PageSet::decode(&bytes, &PageLimits::default()).map_err(|e| format!("{}: {e}", path.display()))
}

/// Records the verified page sets in the cache for the viewer (a failure only delays them).
fn record_page_sets(store: &mut Store, fetched: &AttachmentsFetched) {
    if let Err(e) = store.replace_page_sets(&fetched.page_sets) {
        tracing::warn!("cannot record attachment pages in the cache: {e}");
    }
}

/// Step 8: removes objects not in `keep`, and leftover partial downloads (the caller holds the
/// sync lock, so no download is in progress). Never follows a symbolic link: a link in the
/// object store is removed as a link, and a linked `objects/` or sub-folder is left alone (and
/// logged), so GC can never delete files outside the data folder.
fn collect_garbage(data_dir: &Path, keep: &HashSet<String>) {
    let root = data_dir.join(crate::feed::OBJECTS_DIR);
    match std::fs::symlink_metadata(&root) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            tracing::warn!(path = %root.display(), "the object store is not a plain folder (a symbolic link?); garbage collection skipped — fix: make it a real folder owned by the kiosk user");
            return;
        }
        Err(_) => return,
    }
    let Ok(dirs) = std::fs::read_dir(&root) else {
        return;
    };
    let mut removed = 0;
    for dir in dirs.flatten() {
        if !dir.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let Ok(files) = std::fs::read_dir(dir.path()) else {
            continue;
        };
        let is_tmp = dir.file_name() == "tmp";
        for file in files.flatten() {
            let name = file.file_name();
            let removable = file.file_type().is_ok_and(|t| !t.is_dir());
            if removable
                && (is_tmp || !keep.contains(name.to_string_lossy().as_ref()))
                && std::fs::remove_file(file.path()).is_ok()
            {
                removed += 1;
            }
        }
    }
    if removed > 0 {
        tracing::info!(removed, "unreferenced feed objects removed");
    }
}

/// Whether the object file at `path` is a regular file of `size` bytes hashing to `sha256`.
fn object_intact(path: &Path, sha256: &str, size: u64) -> bool {
    use sha2::Digest;
    use std::io::Read;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if !meta.is_file() || meta.len() != size {
        return false;
    }
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buffer[..n]),
            Err(_) => return false,
        }
    }
    crate::feed::hex(&hasher.finalize()) == sha256
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_collection_never_follows_symbolic_links() {
        let data = tempfile::tempdir().expect("temp");
        let outside = tempfile::tempdir().expect("temp");
        let precious = outside.path().join("precious.txt");
        std::fs::write(&precious, b"not the kiosk's").expect("write");
        let objects = data.path().join(crate::feed::OBJECTS_DIR);
        std::fs::create_dir_all(objects.join("ab")).expect("mkdir");
        std::fs::write(objects.join("ab").join("abcd"), b"old object").expect("write");
        // A linked sub-folder and a linked file inside the store.
        std::os::unix::fs::symlink(outside.path(), objects.join("zz")).expect("link");
        std::os::unix::fs::symlink(&precious, objects.join("ab").join("link")).expect("link");
        collect_garbage(data.path(), &HashSet::new());
        assert!(
            precious.exists(),
            "nothing outside the data folder is deleted"
        );
        assert!(!objects.join("ab").join("abcd").exists(), "garbage removed");
        assert!(
            std::fs::symlink_metadata(objects.join("ab").join("link")).is_err(),
            "a link is removed as a link"
        );
        // A linked object store as a whole is left alone.
        let data2 = tempfile::tempdir().expect("temp");
        std::fs::create_dir_all(outside.path().join("cd")).expect("mkdir");
        std::fs::write(outside.path().join("cd").join("cdef"), b"x").expect("write");
        std::os::unix::fs::symlink(outside.path(), data2.path().join(crate::feed::OBJECTS_DIR))
            .expect("link");
        collect_garbage(data2.path(), &HashSet::new());
        assert!(outside.path().join("cd").join("cdef").exists());
        assert!(precious.exists());
    }
}
