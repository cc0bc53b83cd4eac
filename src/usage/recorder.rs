//! The usage recorder: [`Recorder::record`] is called on the UI thread and only sends the event
//! with its local day down a channel (never blocks, never fails); the `usage` thread
//! ([`RecorderThread`]) adds it to a [`Tally`] and, with its own cache connection, stores the
//! counts every [`FLUSH_EVERY`], on [`Recorder::flush_now`] and at shutdown. It prunes days
//! older than the retention at start and once a day, and folds query texts older than
//! [`QUERY_RETENTION_DAYS`] into `(other)` at the same time. Before its first flush of a day
//! it reads which query texts an earlier run stored that day (they reached the sessions
//! threshold), so a restart does not hide them again.
//!
//! A busy cache (a sync apply holds SQLite's write lock) or any other write failure keeps the
//! counts in memory for the next flush: nothing is lost while the kiosk runs, nothing waits on
//! SQLite but this thread. Must never: touch Slint, block the caller of `record`, or store
//! anything the pure [`crate::usage`] module did not turn into a count.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::{Event, MAX_KEYS_PER_DAY, QUERY_RETENTION_DAYS, Tally};
use crate::store::{Store, StoreError, UsageEvent};

/// How often counts are written to the cache.
pub const FLUSH_EVERY: Duration = Duration::from_secs(30);

/// How long a write waits for another connection's lock before it is retried at the next
/// flush (a sync apply can hold the lock for a long time).
const BUSY_WAIT: Duration = Duration::from_millis(200);

/// At shutdown, how many times a busy cache is tried before the counts are given up (logged).
const SHUTDOWN_ATTEMPTS: u32 = 10;

/// The clock the recorder reads days from (tests set their own).
pub use crate::Clock;

enum Message {
    Event(Date, Event),
    Flush(Sender<Result<(), StoreError>>),
    Stop,
}

/// The kiosk's handle on the recorder (cheap to clone). A disabled recorder ignores everything.
#[derive(Clone)]
pub struct Recorder {
    sender: Option<Sender<Message>>,
    time_zone: TimeZone,
    clock: Clock,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::disabled()
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("enabled", &self.sender.is_some())
            .finish()
    }
}

/// The running `usage` thread; [`RecorderThread::shutdown`] (or dropping it) stores what is
/// left and stops it.
pub struct RecorderThread {
    sender: Sender<Message>,
    thread: Option<JoinHandle<()>>,
}

/// What the recorder thread needs.
#[derive(Clone)]
pub struct RecorderSettings {
    /// The cache file (the thread opens its own connection).
    pub cache_path: PathBuf,
    /// `display.time_zone`: days are local days.
    pub time_zone: TimeZone,
    /// `stats.retention_days`: days kept, today included (query texts: at most
    /// [`QUERY_RETENTION_DAYS`]).
    pub retention_days: u32,
    /// Now.
    pub clock: Clock,
}

impl RecorderSettings {
    /// Settings for `cache_path` from the configuration, on the system clock.
    pub fn from_config(config: &crate::config::Config, cache_path: PathBuf) -> RecorderSettings {
        RecorderSettings {
            cache_path,
            time_zone: config.display.time_zone.zone().clone(),
            retention_days: config.stats.retention_days,
            clock: std::sync::Arc::new(jiff::Timestamp::now),
        }
    }
}

/// The local day of `now` in `time_zone`.
pub fn local_day(now: jiff::Timestamp, time_zone: &TimeZone) -> Date {
    now.to_zoned(time_zone.clone()).date()
}

/// The oldest day kept on `today` with `retention_days` (today counts as one).
pub fn oldest_kept(today: Date, retention_days: u32) -> Date {
    let back = i64::from(retention_days.max(1)) - 1;
    today
        .checked_sub(jiff::Span::new().days(back))
        .unwrap_or(Date::MIN)
}

impl Recorder {
    /// A recorder that counts nothing (offscreen rendering, benchmarks, tests without stats).
    pub fn disabled() -> Recorder {
        Recorder {
            sender: None,
            time_zone: TimeZone::UTC,
            clock: std::sync::Arc::new(jiff::Timestamp::now),
        }
    }

    /// Starts the `usage` thread. The returned [`Recorder`] goes to the kiosk; keep the
    /// [`RecorderThread`] and shut it down when the kiosk stops.
    pub fn spawn(settings: RecorderSettings) -> std::io::Result<(Recorder, RecorderThread)> {
        let time_zone = settings.time_zone.clone();
        let (sender, receiver) = mpsc::channel();
        let worker_zone = time_zone.clone();
        let worker_settings = settings.clone();
        let thread = std::thread::Builder::new()
            .name("usage".into())
            .spawn(move || run(worker_settings, worker_zone, receiver))?;
        Ok((
            Recorder {
                sender: Some(sender.clone()),
                time_zone,
                clock: settings.clock,
            },
            RecorderThread {
                sender,
                thread: Some(thread),
            },
        ))
    }

    /// Counts `event` on today's local day. Never blocks, never fails (a stopped recorder drops
    /// the event).
    pub fn record(&self, event: Event) {
        let Some(sender) = &self.sender else { return };
        let day = local_day((self.clock)(), &self.time_zone);
        // The thread is gone only after shutdown: nothing is left to count then.
        let _ = sender.send(Message::Event(day, event));
    }

    /// Whether events are counted.
    pub fn is_enabled(&self) -> bool {
        self.sender.is_some()
    }

    /// Stores everything recorded so far and waits for the result: for tests, offscreen runs
    /// and staff tools, never the UI thread of a running kiosk. A busy cache is an error with
    /// the counts kept for the next flush.
    pub fn flush_now(&self) -> Result<(), StoreError> {
        let Some(sender) = &self.sender else {
            return Ok(());
        };
        let (reply, answer) = mpsc::channel();
        let stopped =
            || StoreError::Query("the usage recorder has stopped; nothing was stored".to_owned());
        sender.send(Message::Flush(reply)).map_err(|_| stopped())?;
        answer.recv().map_err(|_| stopped())?
    }

    /// Like [`Recorder::flush_now`], but waits at most `wait` (the UI thread's flush before a
    /// restart: a busy cache must not freeze the screen). Counts not stored by then stay with
    /// the thread, which goes on storing them until the process ends.
    pub fn flush_within(&self, wait: std::time::Duration) -> Result<(), StoreError> {
        let Some(sender) = &self.sender else {
            return Ok(());
        };
        let (reply, answer) = mpsc::channel();
        sender.send(Message::Flush(reply)).map_err(|_| {
            StoreError::Query("the usage recorder has stopped; nothing was stored".to_owned())
        })?;
        match answer.recv_timeout(wait) {
            Ok(result) => result,
            Err(_) => Err(StoreError::Query(format!(
                "the usage counts were not stored within {} s",
                wait.as_secs()
            ))),
        }
    }
}

impl RecorderThread {
    /// Stores what is left (retrying a busy cache a few times) and stops the thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.sender.send(Message::Stop);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the usage thread panicked; counts since the last flush are lost");
        }
    }
}

impl Drop for RecorderThread {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The `usage` thread's state.
struct Flusher {
    settings: RecorderSettings,
    time_zone: TimeZone,
    store: Option<Store>,
    tally: Tally,
    /// The day of the last successful prune.
    pruned: Option<Date>,
    /// The day whose stored query texts were last read into the tally.
    known_read: Option<Date>,
}

impl Flusher {
    fn store(&mut self) -> Result<&mut Store, StoreError> {
        if self.store.is_none() {
            let mut store = Store::open(&self.settings.cache_path)?;
            store.set_busy_timeout(BUSY_WAIT)?;
            self.store = Some(store);
        }
        match self.store.as_mut() {
            Some(store) => Ok(store),
            None => Err(StoreError::Query("the usage cache is not open".to_owned())),
        }
    }

    /// Writes the tally; on failure puts it back.
    fn flush(&mut self) -> Result<(), StoreError> {
        self.prune_if_due();
        self.read_known_queries();
        if self.tally.is_empty() {
            return Ok(());
        }
        let batch = self.tally.take();
        let result = self.store().and_then(|store| {
            store.usage_add_promoted(&batch.counts, &batch.promoted, MAX_KEYS_PER_DAY)
        });
        if let Err(err) = &result {
            if err.is_busy() {
                tracing::debug!("the cache is busy; usage counts are kept for the next flush");
            } else {
                tracing::warn!(%err, "usage counts could not be stored; they are kept and retried");
                // A broken connection is reopened next time.
                self.store = None;
            }
            self.tally.restore(batch);
        }
        result
    }

    /// Once a local day, tells the tally which query texts are already stored for today (a
    /// run earlier that day promoted them); retried at the next flush while it fails.
    fn read_known_queries(&mut self) {
        let today = local_day((self.settings.clock)(), &self.time_zone);
        if self.known_read == Some(today) {
            return;
        }
        match self
            .store()
            .and_then(|store| store.usage_totals(today, today))
        {
            Ok(totals) => {
                self.known_read = Some(today);
                let keys = totals
                    .into_iter()
                    .filter(|t| t.event == UsageEvent::Search)
                    .map(|t| t.key);
                self.tally.mark_known(today, keys);
            }
            Err(err) if err.is_busy() => {}
            Err(err) => tracing::warn!(%err, "today's stored search statistics could not be read"),
        }
    }

    /// Deletes days older than the retention and folds query texts older than
    /// [`QUERY_RETENTION_DAYS`] into `(other)`, once a local day (retried while it fails).
    fn prune_if_due(&mut self) {
        let today = local_day((self.settings.clock)(), &self.time_zone);
        if self.pruned == Some(today) {
            return;
        }
        let retention = self.settings.retention_days;
        let oldest = oldest_kept(today, retention);
        let oldest_query = oldest_kept(today, retention.min(QUERY_RETENTION_DAYS));
        let result = self.store().and_then(|store| {
            let rows = store.usage_prune(oldest)?;
            let texts = store.usage_forget_queries(oldest_query)?;
            Ok((rows, texts))
        });
        match result {
            Ok((rows, texts)) => {
                self.pruned = Some(today);
                if rows > 0 {
                    tracing::info!(rows, before = %oldest, "old usage statistics deleted");
                }
                if texts > 0 {
                    tracing::info!(rows = texts, before = %oldest_query, "old search texts folded into (other)");
                }
            }
            Err(err) if err.is_busy() => {}
            Err(err) => tracing::warn!(%err, "old usage statistics could not be deleted"),
        }
    }
}

fn run(settings: RecorderSettings, time_zone: TimeZone, receiver: Receiver<Message>) {
    let mut flusher = Flusher {
        settings,
        time_zone,
        store: None,
        tally: Tally::default(),
        pruned: None,
        known_read: None,
    };
    flusher.prune_if_due();
    let mut next_flush = Instant::now() + FLUSH_EVERY;
    loop {
        let wait = next_flush.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(wait) {
            Ok(Message::Event(day, event)) => flusher.tally.record(day, event),
            Ok(Message::Flush(reply)) => {
                let _ = reply.send(flusher.flush());
            }
            Err(RecvTimeoutError::Timeout) => {
                let _ = flusher.flush();
                next_flush = Instant::now() + FLUSH_EVERY;
            }
            Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    // Events sent before the stop are in the channel still.
    while let Ok(Message::Event(day, event)) = receiver.try_recv() {
        flusher.tally.record(day, event);
    }
    for attempt in 1..=SHUTDOWN_ATTEMPTS {
        match flusher.flush() {
            Ok(()) => return,
            Err(err) if attempt == SHUTDOWN_ATTEMPTS => {
                tracing::warn!(%err, "usage counts since the last flush could not be stored at shutdown");
            }
            Err(_) => std::thread::sleep(BUSY_WAIT),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use std::sync::{Arc, Mutex};

    fn settings(
        path: PathBuf,
        now: Arc<Mutex<jiff::Timestamp>>,
        retention: u32,
    ) -> RecorderSettings {
        RecorderSettings {
            cache_path: path,
            time_zone: jiff::tz::TimeZone::get("Asia/Shanghai").unwrap(),
            retention_days: retention,
            clock: Arc::new(move || *now.lock().unwrap()),
        }
    }

    #[test]
    fn days_are_local_and_retention_counts_today() {
        let zone = TimeZone::get("Asia/Shanghai").unwrap();
        let late_utc: jiff::Timestamp = "2026-11-29T16:30:00Z".parse().unwrap();
        assert_eq!(local_day(late_utc, &zone), date(2026, 11, 30));
        assert_eq!(oldest_kept(date(2026, 3, 1), 1), date(2026, 3, 1));
        assert_eq!(oldest_kept(date(2026, 3, 1), 2), date(2026, 2, 28));
        assert_eq!(oldest_kept(date(2026, 3, 1), 0), date(2026, 3, 1));
    }

    #[test]
    fn counts_survive_a_busy_cache_and_are_stored_once_it_is_free() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let other = Store::open(&path).unwrap();
        let now = Arc::new(Mutex::new("2026-06-01T04:00:00Z".parse().unwrap()));
        let (recorder, thread) = Recorder::spawn(settings(path.clone(), now, 30)).unwrap();
        recorder.record(Event::ScreenOpened("catalogue"));
        recorder.flush_now().unwrap();

        // Another connection (standing in for a sync apply) holds the write lock: the flush
        // fails as busy and keeps its counts.
        let holder = rusqlite::Connection::open(&path).unwrap();
        holder.execute_batch("BEGIN IMMEDIATE").unwrap();
        recorder.record(Event::ScreenOpened("search"));
        let error = recorder.flush_now().unwrap_err();
        assert!(error.is_busy(), "{error}");
        let error = recorder
            .flush_within(std::time::Duration::from_secs(30))
            .unwrap_err();
        assert!(error.is_busy(), "the bounded flush says why too: {error}");
        holder.execute_batch("ROLLBACK").unwrap();
        recorder.record(Event::ScreenOpened("search"));
        thread.shutdown();
        let totals = other
            .usage_totals(date(2026, 6, 1), date(2026, 6, 1))
            .unwrap();
        let screens: Vec<(&str, u64)> = totals
            .iter()
            .filter(|t| t.event == UsageEvent::Screen)
            .map(|t| (t.key.as_str(), t.count))
            .collect();
        assert_eq!(screens, vec![("search", 2), ("catalogue", 1)]);
        assert!(recorder.flush_now().is_err(), "the recorder has stopped");
    }

    #[test]
    fn start_prunes_days_older_than_the_retention() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let mut store = Store::open(&path).unwrap();
        let mut old = Tally::default();
        for day in [date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 3)] {
            old.record(day, Event::Activity);
            old.record(day, Event::SessionEnded);
        }
        store
            .usage_add(&old.take().counts, MAX_KEYS_PER_DAY)
            .unwrap();
        // 2026-05-04 in Shanghai; keeping 2 days keeps the 3rd and the 4th.
        let now = Arc::new(Mutex::new("2026-05-04T01:00:00Z".parse().unwrap()));
        let (recorder, thread) = Recorder::spawn(settings(path, now.clone(), 2)).unwrap();
        recorder.flush_now().unwrap();
        let days: Vec<String> = store
            .usage_days(date(2026, 1, 1), date(2026, 12, 31))
            .unwrap()
            .into_iter()
            .map(|d| d.date)
            .collect();
        assert_eq!(days, vec!["2026-05-03"]);
        // A day later the next flush prunes again.
        *now.lock().unwrap() = "2026-05-05T01:00:00Z".parse().unwrap();
        recorder.record(Event::Activity);
        recorder.flush_now().unwrap();
        let days: Vec<String> = store
            .usage_days(date(2026, 1, 1), date(2026, 12, 31))
            .unwrap()
            .into_iter()
            .map(|d| d.date)
            .collect();
        assert_eq!(days, vec!["2026-05-05"]);
        thread.shutdown();
    }

    #[test]
    fn query_texts_are_kept_at_most_ninety_days() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let mut store = Store::open(&path).unwrap();
        let count = |day, key: &str| crate::store::UsageCount {
            day,
            event: UsageEvent::Search,
            key: key.to_owned(),
            count: 2,
        };
        // Today is 2026-05-04 in Shanghai: 90 days back, today included, is 2026-02-04.
        let (old, last, kept) = (date(2026, 2, 3), date(2026, 2, 4), date(2026, 4, 1));
        store
            .usage_add(
                &[count(old, "医保"), count(last, "医保"), count(kept, "社保")],
                MAX_KEYS_PER_DAY,
            )
            .unwrap();
        let now = Arc::new(Mutex::new("2026-05-04T01:00:00Z".parse().unwrap()));
        let (recorder, thread) = Recorder::spawn(settings(path, now, 400)).unwrap();
        recorder.flush_now().unwrap();
        thread.shutdown();
        let keys = |day| {
            store
                .usage_totals(day, day)
                .unwrap()
                .into_iter()
                .map(|t| (t.key, t.count))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            keys(old),
            vec![("(other)".to_owned(), 2)],
            "folded, still counted"
        );
        assert_eq!(keys(last), vec![("医保".to_owned(), 2)]);
        assert_eq!(keys(kept), vec![("社保".to_owned(), 2)]);
    }
}
