//! The unattended schedule: in the kiosk process a sync thread drives a tokio runtime, checks
//! soon after start, then every `sync.interval` (less up to 10 % jitter, so a fleet switched on
//! together spreads out), retries transient failures with full-jitter exponential backoff capped
//! at the interval (or the server's `Retry-After`), and waits for the next regular check after a
//! rejected feed. Staff can ask for a check now ([`SchedulerHandle::sync_now`]).
//!
//! Never runs on the UI thread and never blocks it: results go to the `on_event` callback,
//! which the kiosk forwards with `slint::invoke_from_event_loop`.

use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{Outcome, Progress, SyncError, SyncSettings, rfc3339, run_once};
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

/// The wait before retrying a transient failure: the server's `Retry-After` if it sent one
/// (capped), else full-jitter backoff. Never zero, so a failing server is never hammered.
pub fn retry_delay(attempt: u32, error: &SyncError, cap: Duration) -> Duration {
    let wait = match error.retry_after {
        Some(after) => after.min(cap),
        None => backoff(attempt, BACKOFF_BASE, cap, random_unit()),
    };
    wait.max(Duration::from_millis(500))
}

/// The wait until the next regular check: the interval less up to 10 %.
pub fn regular_delay(interval: Duration, unit: f64) -> Duration {
    interval.mul_f64(1.0 - 0.1 * unit.clamp(0.0, 1.0))
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
    trigger: Arc<tokio::sync::Notify>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SchedulerHandle {
    /// Checks now instead of waiting for the next regular check.
    pub fn sync_now(&self) {
        self.trigger.notify_one();
    }

    /// Blocks until the thread ends (it runs until [`SchedulerHandle::stop`] or process exit).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Stops the thread after the check in progress, if any.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.trigger.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
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
    let trigger = Arc::new(tokio::sync::Notify::new());
    let stop = Arc::new(AtomicBool::new(false));
    let thread = {
        let trigger = Arc::clone(&trigger);
        let stop = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("sync".into())
            .spawn(move || run(settings, cache_path, interval, on_event, trigger, stop))?
    };
    Ok(SchedulerHandle {
        trigger,
        stop,
        thread: Some(thread),
    })
}

fn run(
    settings: SyncSettings,
    cache_path: PathBuf,
    interval: Duration,
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
    loop {
        if let Some(store) = store.as_mut() {
            let next = jiff::Timestamp::now()
                .checked_add(jiff::SignedDuration::try_from(delay).unwrap_or_default())
                .ok();
            if let Err(e) = store.record_next_check(next.map(rfc3339).as_deref()) {
                tracing::warn!("cannot record the next check: {e}");
            }
        }
        runtime.block_on(async {
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = trigger.notified() => {}
            }
        });
        if stop.load(Ordering::SeqCst) {
            return;
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
                "internal",
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
            Err(error) if error.is_transient() && error.check != "internal" => {
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
    fn retry_after_wins_but_is_capped() {
        let mut error = SyncError::transient("http", "503");
        error.retry_after = Some(Duration::from_secs(120));
        assert_eq!(
            retry_delay(0, &error, Duration::from_secs(60)),
            Duration::from_secs(60)
        );
        assert_eq!(
            retry_delay(0, &error, Duration::from_secs(900)),
            Duration::from_secs(120)
        );
        error.retry_after = None;
        let wait = retry_delay(2, &error, Duration::from_secs(900));
        assert!(wait >= Duration::from_millis(500) && wait <= Duration::from_secs(40));
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
