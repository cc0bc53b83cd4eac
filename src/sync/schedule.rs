//! The unattended schedule: in the kiosk process a sync thread drives a tokio runtime, checks
//! soon after start, then every `sync.interval` (less up to 10 % jitter, so a fleet switched on
//! together spreads out), retries transient failures with full-jitter exponential backoff capped
//! at the interval (or the server's `Retry-After`), and waits for the next regular check after a
//! rejected feed. Staff can ask for a check now ([`SchedulerHandle::sync_now`]).
//!
//! In [`Mode::WatchOnly`] (`sync.in_kiosk = false`: the systemd timer's `readpoint sync
//! --once` syncs) the thread never checks on its own: it looks at the cache's record every
//! few seconds and reports content or results another process committed; a check asked for
//! with [`SchedulerHandle::sync_now`] still runs at once.
//!
//! Never runs on the UI thread and never blocks it: results go to the `on_event` callback,
//! which the kiosk forwards with `slint::invoke_from_event_loop`.

use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{Check, Outcome, Progress, SyncError, SyncSettings, rfc3339, run_once};
use crate::store::Store;

/// First wait for a transient retry; doubles per attempt.
pub const BACKOFF_BASE: Duration = Duration::from_secs(10);
/// The first check waits at most this long after start.
pub const FIRST_CHECK_MAX: Duration = Duration::from_secs(20);
/// How long the first check waits for the system clock to be set (NTP after boot).
pub const CLOCK_WAIT: Duration = Duration::from_secs(120);

/// A uniform random number in [0, 1) (std's randomly seeded hasher; no crate needed for jitter).
fn random_unit() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Full jitter: a random wait in [0, min(cap, base × 2^attempt)].
pub fn backoff(attempt: u32, base: Duration, cap: Duration, unit: f64) -> Duration {
    let ceiling = base
        .checked_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX))
        .unwrap_or(cap)
        .min(cap);
    ceiling.mul_f64(unit.clamp(0.0, 1.0))
}

/// No retry comes sooner than this, whatever the server says: a `Retry-After: 0` (or a failure
/// that ends at once) must not make a fleet poll the portal in a loop.
pub const RETRY_FLOOR: Duration = Duration::from_secs(10);

/// The wait before retrying a transient failure: the longer of the server's `Retry-After` and
/// full-jitter backoff, at most `cap`, and never under [`RETRY_FLOOR`].
pub fn retry_delay(attempt: u32, error: &SyncError, cap: Duration) -> Duration {
    retry_delay_with(attempt, error, cap, random_unit())
}

/// [`retry_delay`] with the jitter given (`unit` in [0, 1)).
pub fn retry_delay_with(attempt: u32, error: &SyncError, cap: Duration, unit: f64) -> Duration {
    let backoff = backoff(attempt, BACKOFF_BASE, cap, unit);
    let wait = error
        .retry_after
        .map_or(backoff, |after| after.max(backoff));
    wait.min(cap).max(RETRY_FLOOR)
}

/// The wait until the next regular check: the interval less up to 10 %.
pub fn regular_delay(interval: Duration, unit: f64) -> Duration {
    interval.mul_f64(1.0 - 0.1 * unit.clamp(0.0, 1.0))
}

/// How often a watch-only thread looks at the cache for another process's sync.
pub const WATCH_POLL: Duration = Duration::from_secs(30);

/// Whether the thread syncs on its schedule or only watches the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Checks the portal on the schedule (and when asked).
    Scheduled,
    /// Checks only when asked; every `poll`, reports what another process's sync recorded:
    /// [`Progress::Committed`] for new content, [`Outcome::Busy`] ("another process
    /// synced; this one did nothing") for a new check result.
    WatchOnly {
        /// Time between looks at the cache.
        poll: Duration,
    },
}

/// What the sync thread reports.
#[derive(Debug, Clone)]
pub enum SyncEvent {
    /// A check is under way.
    Progress(Progress),
    /// A check ended.
    Finished(Result<Outcome, SyncError>),
}

/// The running sync thread.
pub struct SchedulerHandle {
    thread: crate::net::PokedThread,
}

impl SchedulerHandle {
    /// Checks now instead of waiting for the next regular check.
    pub fn sync_now(&self) {
        self.thread.poke();
    }

    /// Blocks until the thread ends (it runs until [`SchedulerHandle::stop`] or process exit).
    pub fn wait(self) {
        self.thread.join();
    }

    /// Stops the thread after the check in progress, if any.
    pub fn stop(self) {
        self.thread.stop();
    }
}

/// Starts the sync thread for the cache at `cache_path`. It opens its own connection, so
/// visitors keep reading theirs.
pub fn spawn(
    settings: SyncSettings,
    cache_path: PathBuf,
    interval: Duration,
    on_event: Arc<dyn Fn(SyncEvent) + Send + Sync>,
) -> std::io::Result<SchedulerHandle> {
    spawn_with_mode(settings, cache_path, interval, Mode::Scheduled, on_event)
}

/// [`spawn`] in the given [`Mode`].
pub fn spawn_with_mode(
    settings: SyncSettings,
    cache_path: PathBuf,
    interval: Duration,
    mode: Mode,
    on_event: Arc<dyn Fn(SyncEvent) + Send + Sync>,
) -> std::io::Result<SchedulerHandle> {
    let thread = crate::net::PokedThread::spawn("sync", move |trigger, stop| {
        run(
            settings, cache_path, interval, mode, on_event, trigger, stop,
        );
    })?;
    Ok(SchedulerHandle { thread })
}

/// What the cache says about the last sync, to notice another process's work.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Recorded {
    content_version: Option<String>,
    last_check: Option<String>,
    last_success: Option<String>,
    last_error: Option<String>,
}

impl Recorded {
    fn read(store: &Store) -> Option<Recorded> {
        let record = store.feed_record().ok()?;
        Some(Recorded {
            content_version: store.meta("content_version").ok()?,
            last_check: record.last_check,
            last_success: record.last_success,
            last_error: record.last_error.map(|e| format!("{} {}", e.at, e.message)),
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn run(
    settings: SyncSettings,
    cache_path: PathBuf,
    interval: Duration,
    mode: Mode,
    on_event: Arc<dyn Fn(SyncEvent) + Send + Sync>,
    trigger: Arc<tokio::sync::Notify>,
    stop: Arc<AtomicBool>,
) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("sync-io")
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!("cannot start the sync runtime; the kiosk will not update: {e}");
            return;
        }
    };
    let mut store: Option<Store> = None;
    let mut delay = FIRST_CHECK_MAX
        .min(interval)
        .mul_f64(0.25 + 0.75 * random_unit());
    let mut attempt = 0;
    // A terminal without a clock battery starts in 1970 until NTP answers: the first check
    // waits (up to CLOCK_WAIT) for a plausible clock, so manifest times are judged.
    let mut clock_wait = CLOCK_WAIT;
    // Watch-only: the record last seen (None until the cache was first read).
    let mut seen: Option<Recorded> = None;
    if let Mode::WatchOnly { poll } = mode {
        delay = poll;
        clock_wait = Duration::ZERO;
    }
    loop {
        if let (Mode::Scheduled, Some(store)) = (mode, store.as_mut()) {
            let next = jiff::Timestamp::now()
                .checked_add(jiff::SignedDuration::try_from(delay).unwrap_or_default())
                .ok();
            if let Err(e) = store.record_next_check(next.map(rfc3339).as_deref()) {
                tracing::warn!("cannot record the next check: {e}");
            }
        }
        let asked = runtime.block_on(async {
            tokio::select! {
                () = tokio::time::sleep(delay) => false,
                () = trigger.notified() => true,
            }
        });
        if stop.load(Ordering::SeqCst) {
            return;
        }
        if let Mode::WatchOnly { poll } = mode
            && !asked
        {
            delay = poll;
            if store.is_none() {
                match Store::open(&cache_path) {
                    Ok(opened) => store = Some(opened),
                    Err(e) => {
                        tracing::warn!("the sync watcher cannot open the cache: {e}");
                        continue;
                    }
                }
            }
            let now = store.as_ref().and_then(Recorded::read);
            if let (Some(before), Some(now)) = (&seen, &now) {
                if before.content_version != now.content_version {
                    tracing::info!(
                        version = now.content_version.as_deref().unwrap_or(""),
                        "new content committed by another process"
                    );
                    on_event(SyncEvent::Progress(Progress::Committed));
                }
                if before != now {
                    on_event(SyncEvent::Finished(Ok(Outcome::Busy)));
                }
            }
            if now.is_some() {
                seen = now;
            }
            continue;
        }
        let floor: jiff::Timestamp = super::CLOCK_FLOOR
            .parse()
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        if clock_wait > Duration::ZERO && (settings.clock)() < floor {
            tracing::info!("waiting for the system clock to be set before the first check");
            delay = Duration::from_secs(5).min(clock_wait);
            clock_wait = clock_wait.saturating_sub(delay);
            continue;
        }
        clock_wait = Duration::ZERO;
        if store.is_none() {
            match Store::open(&cache_path) {
                Ok(opened) => store = Some(opened),
                Err(e) => {
                    tracing::error!("the sync cannot open the cache: {e}");
                    delay = interval;
                    continue;
                }
            }
        }
        let Some(open) = store.as_mut() else {
            continue;
        };
        let version_before = open.meta("content_version").ok().flatten();
        let committed = AtomicBool::new(false);
        let progress = |p: Progress| {
            if p == Progress::Committed {
                committed.store(true, Ordering::SeqCst);
            }
            on_event(SyncEvent::Progress(p));
        };
        // A bug must not end the kiosk's updates for good: a panic is a failed check.
        let run = std::panic::AssertUnwindSafe(|| run_once(&settings, open, &runtime, &progress));
        let result = std::panic::catch_unwind(run).unwrap_or_else(|_| {
            tracing::error!("the sync panicked; it will try again later");
            Err(SyncError::transient(
                Check::Internal,
                "the sync stopped on an internal error (see the log); it will try again",
            ))
        });
        // Content committed by another process (`readpoint sync --once`) counts as new too.
        if !committed.load(Ordering::SeqCst)
            && open.meta("content_version").ok().flatten() != version_before
        {
            on_event(SyncEvent::Progress(Progress::Committed));
        }
        delay = match &result {
            Err(error) if error.is_transient() && !matches!(error.check, Check::Internal) => {
                let wait = retry_delay(attempt, error, interval);
                attempt += 1;
                wait
            }
            _ => {
                attempt = 0;
                regular_delay(interval, random_unit())
            }
        };
        on_event(SyncEvent::Finished(result));
        if let Mode::WatchOnly { poll } = mode {
            // Back to watching; this process's own result is not reported twice.
            delay = poll;
            seen = Recorded::read(open);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_secs(10);
        let cap = Duration::from_secs(900);
        assert_eq!(backoff(0, base, cap, 1.0), Duration::from_secs(10));
        assert_eq!(backoff(3, base, cap, 1.0), Duration::from_secs(80));
        assert_eq!(backoff(30, base, cap, 1.0), cap);
        assert_eq!(backoff(3, base, cap, 0.5), Duration::from_secs(40));
        assert_eq!(backoff(3, base, cap, 0.0), Duration::ZERO);
    }

    #[test]
    fn retries_wait_for_the_longer_of_retry_after_and_backoff_and_never_under_the_floor() {
        let mut error = SyncError::transient(Check::Http, "503");
        let cap = Duration::from_secs(900);
        // Retry-After: 0 (or a failure that ends at once) cannot make the kiosk poll in a loop.
        error.retry_after = Some(Duration::ZERO);
        for unit in [0.0, 0.3, 0.99] {
            assert_eq!(retry_delay_with(0, &error, cap, unit), RETRY_FLOOR);
        }
        // A short Retry-After does not cut the backoff short.
        error.retry_after = Some(Duration::from_secs(15));
        assert_eq!(
            retry_delay_with(4, &error, cap, 0.5),
            Duration::from_secs(80)
        );
        // A long one wins, up to the cap.
        error.retry_after = Some(Duration::from_secs(120));
        assert_eq!(
            retry_delay_with(0, &error, cap, 0.5),
            Duration::from_secs(120)
        );
        assert_eq!(
            retry_delay_with(0, &error, Duration::from_secs(60), 0.5),
            Duration::from_secs(60)
        );
        // Without Retry-After: backoff, floored.
        error.retry_after = None;
        assert_eq!(retry_delay_with(0, &error, cap, 0.0), RETRY_FLOOR);
        assert_eq!(
            retry_delay_with(2, &error, cap, 0.75),
            Duration::from_secs(30)
        );
        let wait = retry_delay(2, &error, cap);
        assert!(wait >= RETRY_FLOOR && wait <= Duration::from_secs(40));
    }

    #[test]
    fn regular_checks_jitter_by_at_most_a_tenth() {
        let interval = Duration::from_secs(900);
        assert_eq!(regular_delay(interval, 0.0), interval);
        assert_eq!(regular_delay(interval, 1.0), Duration::from_secs(810));
        let unit = random_unit();
        assert!((0.0..1.0).contains(&unit));
    }
}
