//! The status document: everything a fleet operator needs to know about one terminal, in one
//! JSON object with a schema version (`docs/heartbeat.md`, `docs/status.schema.json`). The same
//! document is printed by `readpoint status --json` and POSTed by the heartbeat.
//!
//! [`Collector::collect`] reads the configuration, the cache (through a [`Store`] the caller
//! opened on its own thread), the sync's record and a few machine facts. Never: writes
//! anything, or includes anything about a visitor beyond the anonymous counters
//! (`usage_today`: totals only, no document ids) and `demand`: searches that found nothing,
//! only as the statistics keep them (a text searched in 3 sessions of a day, digits masked).

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{disk, uptime};
use crate::config::{Config, Paths};
use crate::store::{KindCount, RecordedError, Store, StoreError, UsageCounters};
use crate::sync::sync_status;

/// The document's schema identifier; changes only when a field changes meaning or goes away
/// (new fields may be added within a version).
pub const SCHEMA: &str = "readpoint-status/1";

/// Which process produced the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Producer {
    /// The running kiosk (its heartbeat).
    Kiosk,
    /// `readpoint sync` (a timer or a staff member).
    Sync,
    /// `readpoint status --json`.
    Status,
}

/// One terminal's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusDocument {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// When the document was made (RFC 3339, UTC).
    pub generated_at: String,
    /// Which process made it.
    pub producer: Producer,
    /// Which terminal.
    pub terminal: Terminal,
    /// The software.
    pub app: App,
    /// The configuration file in effect; `None` when none exists and defaults apply.
    pub config_file: Option<String>,
    /// Set when that file is invalid and the terminal runs on the last configuration that
    /// loaded, or on the defaults: staff must fix the file.
    pub config_fallback: Option<ConfigFallback>,
    /// The content on display.
    pub content: Content,
    /// The portal sync.
    pub sync: SyncSection,
    /// Machine and kiosk uptime.
    pub uptime: Uptime,
    /// The data folder's disk use.
    pub disk: Disk,
    /// Today's anonymous usage counters (the local day in `display.time_zone`), as counted in
    /// the cache so far (the kiosk adds its counts every 30 s).
    pub usage_today: UsageCounters,
    /// What visitors looked for and did not find (条例 art. 44: repeated requests should
    /// become proactive disclosure): the search-box queries with no result, per local day,
    /// over the last [`DEMAND_DAYS`] days. Only query texts the statistics may keep (searched
    /// in at least 3 sessions of that day, digit groups masked); the rest count as `(other)`.
    pub demand: Vec<Demand>,
}

/// Days of unmet searches the status document carries.
pub const DEMAND_DAYS: i64 = 7;
/// Most entries of `demand`.
pub const MAX_DEMAND: usize = 200;

/// One entry of `demand`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Demand {
    /// The local day, `YYYY-MM-DD`.
    pub date: String,
    /// The folded query text, or `(other)`.
    pub query: String,
    /// Searches with no result that day.
    pub count: u64,
}

/// `config_fallback`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigFallback {
    /// The invalid configuration file.
    pub file: String,
    /// What runs instead.
    pub running_on: RunningOn,
    /// The saved copy in use (with `last_good`).
    pub last_good_file: Option<String>,
    /// When that copy was saved (RFC 3339).
    pub last_good_saved_at: Option<String>,
    /// Every problem in the file with its fix, one per line.
    pub errors: Vec<String>,
    /// The whole warning for people: the file, what runs instead, the fix, the problems.
    pub message: String,
}

/// What a terminal with an invalid configuration file runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunningOn {
    /// The copy saved the last time the file loaded.
    LastGood,
    /// Every setting at its default (no staff PIN, no sync).
    Defaults,
}

impl ConfigFallback {
    /// The status form of a [`Fallback`](crate::config::last_good::Fallback).
    pub fn from_fallback(fallback: &crate::config::last_good::Fallback) -> ConfigFallback {
        use crate::config::last_good::Using;
        let (running_on, last_good_file, last_good_saved_at) = match &fallback.using {
            Using::LastGood { file, saved_at } => (
                RunningOn::LastGood,
                Some(file.display().to_string()),
                saved_at.map(rfc3339),
            ),
            Using::Defaults => (RunningOn::Defaults, None, None),
        };
        ConfigFallback {
            file: fallback.file.display().to_string(),
            running_on,
            last_good_file,
            last_good_saved_at,
            errors: fallback
                .errors
                .errors()
                .iter()
                .map(ToString::to_string)
                .collect(),
            message: fallback.message(),
        }
    }
}

/// `terminal`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Terminal {
    /// `kiosk.terminal_id`; `None` when not configured.
    pub id: Option<String>,
    /// `kiosk.location`; `None` when not configured.
    pub location: Option<String>,
    /// The machine's host name, which tells unnamed terminals apart.
    pub hostname: Option<String>,
}

/// `app`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct App {
    /// Readpoint's version.
    pub version: &'static str,
}

/// `content`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Content {
    /// The content version on display: a feed version number, or `bundled-…`.
    pub version: Option<String>,
    /// When it was published (RFC 3339).
    pub published_at: Option<String>,
    /// When it was applied to this cache (RFC 3339).
    pub applied_at: Option<String>,
    /// Where it came from (`bundled`, or the feed URL).
    pub source: Option<String>,
    /// When the applied feed manifest expires (RFC 3339).
    pub expires_at: Option<String>,
    /// Documents by kind, in kind order.
    pub documents: Vec<KindCount>,
    /// The content may be out of date.
    pub stale: bool,
    /// Why it is stale.
    pub stale_reason: Option<String>,
}

/// How the last sync check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LastResult {
    /// No check recorded.
    Never,
    /// The cache was current after the last check (applied, or nothing new).
    Success,
    /// The last check failed: see `last_error`.
    Error,
}

/// `sync`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncSection {
    /// `sync.feed_url`; `None`: this terminal never syncs.
    pub feed_url: Option<String>,
    /// Last time the portal was asked (RFC 3339).
    pub last_check: Option<String>,
    /// Last time a check fetched and verified a signed manifest (a 304 does not count).
    pub last_success: Option<String>,
    /// How the last check ended.
    pub last_result: LastResult,
    /// The last error since the last success.
    pub last_error: Option<RecordedError>,
    /// When the kiosk will check next (recorded while it runs).
    pub next_check: Option<String>,
}

/// `uptime`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Uptime {
    /// Seconds since the machine booted.
    pub system_seconds: Option<u64>,
    /// The kiosk process on this data folder; `None` when it is not running.
    pub kiosk: Option<KioskUptime>,
}

/// `uptime.kiosk`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KioskUptime {
    /// Its process id.
    pub pid: u32,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// Seconds since then.
    pub seconds: u64,
}

/// `disk`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disk {
    /// The data folder.
    pub data_dir: String,
    /// The cache file.
    pub cache_path: String,
    /// The cache's schema version.
    pub cache_schema_version: u32,
    /// Bytes of the cache file and its write-ahead log.
    pub cache_bytes: u64,
    /// Bytes of downloaded feed objects (shards, attachments).
    pub objects_bytes: u64,
    /// Bytes free for Readpoint on the data folder's file system.
    pub free_bytes: Option<u64>,
    /// Size of that file system.
    pub total_bytes: Option<u64>,
}

/// Gathers status documents for one terminal; cheap to clone into a thread.
#[derive(Clone)]
pub struct Collector {
    config: Config,
    config_file: PathBuf,
    data_dir: PathBuf,
    producer: Producer,
    kiosk: Option<uptime::KioskStart>,
    config_fallback: Option<ConfigFallback>,
    clock: crate::Clock,
}

impl std::fmt::Debug for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collector")
            .field("config_file", &self.config_file)
            .field("data_dir", &self.data_dir)
            .field("producer", &self.producer)
            .field("kiosk", &self.kiosk)
            .finish_non_exhaustive()
    }
}

impl Collector {
    /// A collector for the terminal configured by `config` with its files at `paths`.
    pub fn new(config: &Config, paths: &Paths, producer: Producer) -> Collector {
        Collector {
            config: config.clone(),
            config_file: paths.config_file.clone(),
            data_dir: paths.data_dir.clone(),
            producer,
            kiosk: None,
            config_fallback: None,
            clock: std::sync::Arc::new(jiff::Timestamp::now),
        }
    }

    /// The configuration file is invalid and the terminal runs on `fallback`'s choice: every
    /// document says so.
    pub fn with_config_fallback(
        mut self,
        fallback: Option<&crate::config::last_good::Fallback>,
    ) -> Collector {
        self.config_fallback = fallback.map(ConfigFallback::from_fallback);
        self
    }

    /// The clock that dates the documents the heartbeat thread collects (tests inject one).
    pub fn with_clock(mut self, clock: crate::Clock) -> Collector {
        self.clock = clock;
        self
    }

    /// The time by this collector's clock.
    pub fn now(&self) -> jiff::Timestamp {
        (self.clock)()
    }

    /// The kiosk process itself: its own start, whether or not its marker file was written.
    pub fn with_kiosk_start(mut self, start: uptime::KioskStart) -> Collector {
        self.kiosk = Some(start);
        self
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The document as of `now`, from `store` (the cache in the data folder).
    pub fn collect(
        &self,
        store: &Store,
        now: jiff::Timestamp,
    ) -> Result<StatusDocument, StoreError> {
        let cache = store.status()?;
        let feed_url = self.config.sync.feed.as_ref().map(|f| f.url.as_str());
        let sync = sync_status(store, feed_url, self.config.display.stale_after, now)?;
        let last_result = match (&sync.last_check, &sync.last_error) {
            (None, None) => LastResult::Never,
            (_, Some(_)) => LastResult::Error,
            (Some(_), None) => LastResult::Success,
        };
        let kiosk = self
            .kiosk
            .clone()
            .or_else(|| uptime::running_kiosk(&self.data_dir))
            .and_then(|start| {
                Some(KioskUptime {
                    seconds: start.seconds(now)?,
                    pid: start.pid,
                    started_at: start.started_at,
                })
            });
        let space = disk::space(&self.data_dir);
        let today = crate::usage::recorder::local_day(now, self.config.display.time_zone.zone());
        let usage_today = store.usage_day(today)?;
        let first = today
            .checked_sub(jiff::Span::new().days(DEMAND_DAYS - 1))
            .unwrap_or(today);
        let demand = store
            .usage_by_day(
                crate::store::UsageEvent::SearchNoHits,
                first,
                today,
                MAX_DEMAND,
            )?
            .into_iter()
            .map(|(day, query, count)| Demand {
                date: day.to_string(),
                query,
                count,
            })
            .collect();
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Ok(StatusDocument {
            schema: SCHEMA,
            generated_at: rfc3339(now),
            producer: self.producer,
            terminal: Terminal {
                id: non_empty(&self.config.kiosk.terminal_id),
                location: non_empty(&self.config.kiosk.location),
                hostname: hostname(),
            },
            app: App {
                version: env!("CARGO_PKG_VERSION"),
            },
            config_file: self
                .config_file
                .exists()
                .then(|| self.config_file.display().to_string()),
            config_fallback: self.config_fallback.clone(),
            content: Content {
                version: sync.content_version,
                published_at: sync.published_at,
                applied_at: cache.content_applied_at,
                source: cache.content_source,
                expires_at: sync.expires_at,
                documents: cache.documents,
                stale: sync.stale,
                stale_reason: sync.stale_reason,
            },
            sync: SyncSection {
                feed_url: sync.feed_url,
                last_check: sync.last_check,
                last_success: sync.last_success,
                last_result,
                last_error: sync.last_error,
                next_check: sync.next_check,
            },
            uptime: Uptime {
                system_seconds: uptime::system_seconds(),
                kiosk,
            },
            disk: Disk {
                data_dir: self.data_dir.display().to_string(),
                cache_path: cache.cache_path,
                cache_schema_version: cache.schema_version,
                cache_bytes: store.file_size()?,
                objects_bytes: disk::tree_size(&self.data_dir.join("objects")),
                free_bytes: space.map(|(free, _)| free),
                total_bytes: space.map(|(_, total)| total),
            },
            usage_today,
            demand,
        })
    }
}

/// RFC 3339 in UTC to the second, as the sync records times.
pub fn rfc3339(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The machine's host name (`gethostname(2)`, not `/proc/sys/kernel/hostname`, which the
/// service's `ProcSubset=pid` hides).
fn hostname() -> Option<String> {
    let mut buffer = [0u8; 256];
    // SAFETY: the pointer and length describe `buffer`, which outlives the call; one byte is
    // kept back so the name is NUL-terminated even when the kernel truncates it.
    let result = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len() - 1) };
    if result != 0 {
        return None;
    }
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    let name = String::from_utf8_lossy(&buffer[..end]);
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_owned())
}
