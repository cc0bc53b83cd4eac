//! The staff PIN lockout: every `attempts` wrong PINs lock the staff screen, each lock twice as
//! long as the one before (`duration`, then 2×, 4×, … up to [`MAX_LOCK`]). The count of wrong
//! PINs runs on across locks until a right PIN (or `readpoint config set-pin`, which removes the
//! file) clears it, so a guesser gets 5 tries, then 5 after 5 minutes, 5 after 10 more, … and
//! within days only 5 tries a day. Count and lock survive a restart and a reboot (a small JSON
//! file in the data folder, written through a temporary file, fsync and a rename).
//!
//! Time: a lock is timed by the boot clock ([`LockClock`]: `CLOCK_BOOTTIME`, steady, counting
//! suspend, untouched by a date change, an NTP step or a missing RTC), never by the wall clock.
//! The file keeps what remained of the lock at one reading of that clock, with the boot's id
//! (`/proc/sys/kernel/random/boot_id`). A restart in the same boot goes on from that reading;
//! after a reboot (another boot id) the remaining time counts again from the load, so a reboot
//! can make a lock last longer, never shorter. While locked, each look at the lock writes its
//! progress at most once a minute ([`Lockout::gate`]; the kiosk looks every minute), so a kiosk
//! switched off every night still works through a long lock over the following days.
//!
//! Owns the lockout rule and its file. Must never: hold a PIN, or unlock because the file is
//! damaged, the clock moved or the kiosk rebooted (a damaged file locks for one `duration`; a
//! lock never lasts more than its own period from now, so a damaged or edited file cannot lock
//! staff out for years either).

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The lockout file in the data folder.
pub const LOCKOUT_FILE: &str = "staff-lockout.json";

/// The longest lock: each lock lasts twice the one before, up to this.
pub const MAX_LOCK: Duration = Duration::from_secs(24 * 60 * 60);

/// While locked, the remaining time is written back at most this often.
const CHECKPOINT: Duration = Duration::from_secs(60);

/// One reading of the clock locks are timed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootInstant {
    /// The boot it was taken in; `None` when unknown (a saved reading without an id is always
    /// taken for another boot).
    pub boot_id: Option<String>,
    /// Time since that boot, suspend included.
    pub since_boot: Duration,
}

/// Where the lockout reads time. [`SystemClock`] in the kiosk; tests inject their own to jump
/// the wall clock, reboot, or let a lock run out.
pub trait LockClock: Send + Sync {
    /// The boot clock now.
    fn now(&self) -> BootInstant;
    /// The wall clock, used only to read a lock written by an older version (`locked_until`).
    fn wall(&self) -> Timestamp;
}

/// The machine's clocks: `/proc/sys/kernel/random/boot_id` and `CLOCK_BOOTTIME`. Without
/// `CLOCK_BOOTTIME` the time since this process started, with no boot id (a restart then
/// counts a lock again from the load).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl LockClock for SystemClock {
    fn now(&self) -> BootInstant {
        match boot_time() {
            Some(since_boot) => BootInstant {
                boot_id: boot_id(),
                since_boot,
            },
            None => {
                static START: OnceLock<Instant> = OnceLock::new();
                BootInstant {
                    boot_id: None,
                    since_boot: START.get_or_init(Instant::now).elapsed(),
                }
            }
        }
    }

    fn wall(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// The id of this boot (read once: it cannot change while the process runs).
fn boot_id() -> Option<String> {
    static ID: OnceLock<Option<String>> = OnceLock::new();
    ID.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .ok()
            .map(|text| text.trim().to_owned())
            .filter(|id| !id.is_empty())
    })
    .clone()
}

/// `CLOCK_BOOTTIME`: time since boot, suspend included; `None` where the system has none.
fn boot_time() -> Option<Duration> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec; clock_gettime only writes it.
    let result = unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut now) };
    if result != 0 {
        return None;
    }
    let seconds = u64::try_from(now.tv_sec).ok()?;
    let nanos = u32::try_from(now.tv_nsec).ok()?;
    Some(Duration::new(seconds, nanos))
}

/// What the file holds. Files written before the lock grew (`{"failures":N,"locked_until":T}`)
/// load too: their wall-clock end is read once and replaced by a [`SavedLock`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    /// Wrong PINs since the last right one (not reset when a lock ends): every `attempts`-th
    /// starts a lock, and their number sets how long it lasts.
    failures: u32,
    /// Old files only: Unix seconds until which the screen was locked. Never written.
    #[serde(default, skip_serializing)]
    locked_until: Option<i64>,
    /// The running lock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lock: Option<SavedLock>,
}

/// A running lock: what remained of it at one reading of the boot clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SavedLock {
    /// Milliseconds of the lock still to run at the reading.
    remaining_ms: u64,
    /// The boot of the reading.
    boot_id: Option<String>,
    /// The reading: milliseconds since that boot (`CLOCK_BOOTTIME`).
    boottime_ms: u64,
}

impl SavedLock {
    fn new(remaining: Duration, at: &BootInstant) -> SavedLock {
        SavedLock {
            remaining_ms: millis(remaining),
            boot_id: at.boot_id.clone(),
            boottime_ms: millis(at.since_boot),
        }
    }

    fn remaining(&self) -> Duration {
        Duration::from_millis(self.remaining_ms)
    }

    /// Time since the reading, if `now` is in the same boot and not before it.
    fn elapsed(&self, now: &BootInstant) -> Option<Duration> {
        let since = millis(now.since_boot).checked_sub(self.boottime_ms)?;
        (self.boot_id == now.boot_id).then(|| Duration::from_millis(since))
    }

    /// What is left of the lock at `now`, at most `longest`, and whether that should be saved
    /// as a new reading: after a checkpoint's worth of time, when cut to `longest`, or when
    /// `now` is (or may be, `other_boot`) in another boot — then nothing has elapsed.
    fn left(&self, now: &BootInstant, longest: Duration, other_boot: bool) -> (Duration, bool) {
        let (remaining, moved) = match self.elapsed(now).filter(|_| !other_boot) {
            Some(elapsed) => (
                self.remaining().saturating_sub(elapsed),
                elapsed >= CHECKPOINT,
            ),
            None => (self.remaining(), true),
        };
        if remaining > longest {
            (longest, true)
        } else {
            (remaining, moved)
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Whether a PIN may be tried now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Yes; this many wrong tries are left before the next lock.
    Open { tries_left: u32 },
    /// No, for this much longer.
    Locked { remaining: Duration },
}

/// The lockout of one kiosk. `file: None` keeps it in memory only (offscreen rendering).
#[derive(Clone)]
pub struct Lockout {
    file: Option<PathBuf>,
    attempts: u32,
    duration: Duration,
    clock: Arc<dyn LockClock>,
    state: State,
}

impl std::fmt::Debug for Lockout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lockout")
            .field("file", &self.file)
            .field("attempts", &self.attempts)
            .field("duration", &self.duration)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Lockout {
    /// Reads the lockout from `file` (none yet: no failures), timing locks with `clock`. An
    /// unreadable or damaged file locks for one `duration` from now, and says so in the log.
    pub fn load(
        file: Option<&Path>,
        attempts: u32,
        duration: Duration,
        clock: Arc<dyn LockClock>,
    ) -> Lockout {
        let mut lockout = Lockout {
            file: file.map(Path::to_owned),
            attempts: attempts.max(1),
            duration,
            clock,
            state: State::default(),
        };
        let Some(path) = file else { return lockout };
        match std::fs::read(path) {
            Ok(bytes) => match serde_json::from_slice::<State>(&bytes) {
                Ok(state) => {
                    lockout.state = state;
                    if lockout.settle_loaded() {
                        lockout.save();
                    }
                }
                Err(err) => {
                    tracing::error!(file = %path.display(), %err, "the staff lockout file is damaged; the staff screen stays locked for one lockout period — fix: wait, or set the PIN again with `readpoint config set-pin`");
                    lockout.lock_after_damage();
                    // Written back whole, so the period ends even if the kiosk restarts.
                    lockout.save();
                }
            },
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                tracing::error!(file = %path.display(), %err, "the staff lockout file cannot be read; the staff screen stays locked for one lockout period — fix: check the data folder's permissions");
                lockout.lock_after_damage();
            }
        }
        lockout
    }

    /// Brings a state read from the file to this boot: an old file's wall-clock lock becomes a
    /// boot-clock one; a lock saved in another boot (or an unknown one) counts again from now;
    /// no lock runs longer than its period. Returns whether anything changed.
    fn settle_loaded(&mut self) -> bool {
        let now = self.clock.now();
        let before = self.state.clone();
        if let Some(until) = self.state.locked_until.take() {
            // An older version locked this screen at least once.
            self.state.failures = self.state.failures.max(self.attempts);
            if self.state.lock.is_none() {
                let left = until.saturating_sub(self.clock.wall().as_second());
                let left = Duration::from_secs(u64::try_from(left).unwrap_or(0));
                if !left.is_zero() {
                    self.state.lock = Some(SavedLock::new(left, &now));
                }
            }
        }
        let longest = self.period();
        if let Some(lock) = &mut self.state.lock {
            // Without a boot id a saved reading cannot be told from another boot's.
            let same_boot = lock.boot_id.is_some();
            let (remaining, moved) = lock.left(&now, longest, !same_boot);
            if moved {
                *lock = SavedLock::new(remaining, &now);
            }
        }
        self.state != before
    }

    /// Whether a PIN may be tried now. A lock that has run out opens the pad again, with the
    /// count of wrong PINs kept; a running lock writes its progress at most once a minute.
    pub fn gate(&mut self) -> Gate {
        let now = self.clock.now();
        let longest = self.period();
        if let Some(lock) = &mut self.state.lock {
            let (remaining, moved) = lock.left(&now, longest, false);
            if !remaining.is_zero() {
                if moved {
                    *lock = SavedLock::new(remaining, &now);
                    self.save();
                }
                return Gate::Locked { remaining };
            }
            self.state.lock = None;
            self.save();
        }
        Gate::Open {
            tries_left: self.attempts - self.state.failures % self.attempts,
        }
    }

    /// Counts a wrong PIN; every `attempts`-th starts a lock, twice as long as the one before
    /// (up to [`MAX_LOCK`]). A try while locked is not counted (it was never checked).
    pub fn record_failure(&mut self) -> Gate {
        if let locked @ Gate::Locked { .. } = self.gate() {
            return locked;
        }
        self.state.failures = self.state.failures.saturating_add(1);
        if self.state.failures.is_multiple_of(self.attempts) {
            self.state.lock = Some(SavedLock::new(self.period(), &self.clock.now()));
        }
        self.save();
        self.gate()
    }

    /// A right PIN clears the count: the next lock is a short one again.
    pub fn record_success(&mut self) {
        if self.state != State::default() {
            self.state = State::default();
            self.save();
        }
    }

    /// The length of the latest lock (the first when there was none): `duration` doubled for
    /// each lock before it, up to [`MAX_LOCK`] (or `duration`, if that is longer).
    fn period(&self) -> Duration {
        let locks = (self.state.failures / self.attempts).max(1);
        let doublings = (locks - 1).min(20);
        let longest = MAX_LOCK.max(self.duration);
        self.duration
            .checked_mul(1 << doublings)
            .map_or(longest, |period| period.min(longest))
    }

    fn lock_after_damage(&mut self) {
        self.state = State {
            failures: self.attempts,
            locked_until: None,
            lock: None,
        };
        self.state.lock = Some(SavedLock::new(self.period(), &self.clock.now()));
    }

    /// Writes the state; a failure is logged (the in-memory lock still holds this run).
    fn save(&self) {
        let Some(path) = &self.file else { return };
        let result = serde_json::to_vec(&self.state)
            .map_err(std::io::Error::other)
            .and_then(|bytes| {
                use std::io::Write;
                let temporary = path.with_extension("json.tmp");
                let mut file = std::fs::File::create(&temporary)?;
                file.write_all(&bytes)?;
                // On disk before the rename: a power cut leaves the old file or the new one.
                file.sync_all()?;
                std::fs::rename(&temporary, path)
            });
        if let Err(err) = result {
            tracing::error!(file = %path.display(), %err, "the staff lockout could not be saved; it holds until the kiosk restarts — fix: check that the data folder is writable");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    const FIVE_MIN: Duration = Duration::from_secs(300);
    const MIN: Duration = Duration::from_secs(60);

    /// A clock the test moves: the boot clock and the wall clock separately, and reboots.
    struct TestClock(Mutex<(BootInstant, Timestamp)>);

    impl TestClock {
        fn new() -> Arc<TestClock> {
            Arc::new(TestClock(Mutex::new((
                BootInstant {
                    boot_id: Some("boot-1".into()),
                    since_boot: Duration::from_secs(40),
                },
                Timestamp::from_second(1_790_000_000).expect("timestamp"),
            ))))
        }

        /// Time passes: both clocks move on.
        fn pass(&self, time: Duration) {
            let mut clocks = self.0.lock().expect("clock");
            clocks.0.since_boot += time;
            clocks.1 += time;
        }

        /// The date is set (NTP step, no RTC, staff): only the wall clock moves.
        fn set_wall(&self, second: i64) {
            self.0.lock().expect("clock").1 = Timestamp::from_second(second).expect("timestamp");
        }

        /// The machine was off for `off` and boots again.
        fn reboot(&self, id: &str, off: Duration) {
            let mut clocks = self.0.lock().expect("clock");
            clocks.0 = BootInstant {
                boot_id: Some(id.into()),
                since_boot: Duration::from_secs(20),
            };
            clocks.1 += off;
        }

        fn wall_second(&self) -> i64 {
            self.0.lock().expect("clock").1.as_second()
        }
    }

    impl LockClock for TestClock {
        fn now(&self) -> BootInstant {
            self.0.lock().expect("clock").0.clone()
        }

        fn wall(&self) -> Timestamp {
            self.0.lock().expect("clock").1
        }
    }

    fn load(file: Option<&Path>, attempts: u32, clock: &Arc<TestClock>) -> Lockout {
        Lockout::load(file, attempts, FIVE_MIN, clock.clone())
    }

    fn locked(remaining: Duration) -> Gate {
        Gate::Locked { remaining }
    }

    /// Types `attempts` wrong PINs; returns the gate after the last.
    fn wrong_pins(lockout: &mut Lockout, attempts: u32) -> Gate {
        let mut gate = lockout.gate();
        for _ in 0..attempts {
            gate = lockout.record_failure();
        }
        gate
    }

    #[test]
    fn five_wrong_pins_lock_for_five_minutes_and_the_count_runs_on() {
        let clock = TestClock::new();
        let mut lockout = load(None, 5, &clock);
        assert_eq!(lockout.gate(), Gate::Open { tries_left: 5 });
        for left in (1..5).rev() {
            assert_eq!(lockout.record_failure(), Gate::Open { tries_left: left });
        }
        assert_eq!(lockout.record_failure(), locked(FIVE_MIN));
        // A try during the lock is not even counted.
        assert_eq!(lockout.record_failure(), locked(FIVE_MIN));
        clock.pass(Duration::from_secs(240));
        assert_eq!(lockout.gate(), locked(MIN));
        clock.pass(MIN);
        assert_eq!(lockout.gate(), Gate::Open { tries_left: 5 });
        // The count was not reset: the next five wrong PINs lock for twice as long.
        assert_eq!(lockout.state.failures, 5);
        assert_eq!(wrong_pins(&mut lockout, 5), locked(2 * FIVE_MIN));
    }

    #[test]
    fn each_lock_doubles_up_to_a_day() {
        let clock = TestClock::new();
        let mut lockout = load(None, 5, &clock);
        let mut periods = Vec::new();
        for _ in 0..12 {
            let Gate::Locked { remaining } = wrong_pins(&mut lockout, 5) else {
                panic!("five wrong PINs lock");
            };
            periods.push(remaining.as_secs() / 60);
            // One second before the end it still holds; at the end it opens.
            clock.pass(remaining - Duration::from_secs(1));
            assert_eq!(lockout.gate(), locked(Duration::from_secs(1)));
            clock.pass(Duration::from_secs(1));
            assert_eq!(lockout.gate(), Gate::Open { tries_left: 5 });
        }
        assert_eq!(
            periods,
            [5, 10, 20, 40, 80, 160, 320, 640, 1280, 1440, 1440, 1440]
        );
        // 60 tries in the first 3.6 days, then 5 a day: a 6-digit PIN holds for centuries.
    }

    #[test]
    fn a_right_pin_clears_the_count_and_the_next_lock_is_short_again() {
        let clock = TestClock::new();
        let mut lockout = load(None, 3, &clock);
        wrong_pins(&mut lockout, 3);
        clock.pass(FIVE_MIN);
        lockout.record_failure();
        lockout.record_failure();
        assert_eq!(lockout.gate(), Gate::Open { tries_left: 1 });
        lockout.record_success();
        assert_eq!(lockout.gate(), Gate::Open { tries_left: 3 });
        assert_eq!(wrong_pins(&mut lockout, 3), locked(FIVE_MIN));
    }

    #[test]
    fn the_wall_clock_neither_ends_nor_stretches_a_lock() {
        let clock = TestClock::new();
        let mut lockout = load(None, 5, &clock);
        wrong_pins(&mut lockout, 5);
        // NTP steps the date a year ahead (or an RTC-less board boots in 1970 and then syncs).
        clock.set_wall(clock.wall_second() + 365 * 86_400);
        assert_eq!(lockout.gate(), locked(FIVE_MIN));
        // …and back eleven days.
        clock.set_wall(clock.wall_second() - 376 * 86_400);
        assert_eq!(lockout.gate(), locked(FIVE_MIN));
        clock.pass(FIVE_MIN);
        assert_eq!(lockout.gate(), Gate::Open { tries_left: 5 });
    }

    #[test]
    fn the_lock_and_the_count_survive_a_restart_in_the_same_boot() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join(LOCKOUT_FILE);
        let clock = TestClock::new();
        let mut first = load(Some(&file), 5, &clock);
        first.record_failure();
        first.record_failure();
        let mut second = load(Some(&file), 5, &clock);
        assert_eq!(second.gate(), Gate::Open { tries_left: 3 });
        wrong_pins(&mut second, 3);
        clock.pass(MIN);
        // The date jumps a day ahead while the kiosk restarts: the boot clock still counts.
        clock.set_wall(clock.wall_second() + 86_400);
        let mut third = load(Some(&file), 5, &clock);
        assert_eq!(third.gate(), locked(Duration::from_secs(240)));
        clock.pass(Duration::from_secs(240));
        assert_eq!(third.gate(), Gate::Open { tries_left: 5 });
        // The end of the lock was written back, the count kept: a fourth start is open, and
        // its next lock is the second one.
        let mut fourth = load(Some(&file), 5, &clock);
        assert_eq!(fourth.gate(), Gate::Open { tries_left: 5 });
        assert_eq!(wrong_pins(&mut fourth, 5), locked(2 * FIVE_MIN));
    }

    #[test]
    fn after_a_reboot_the_rest_of_the_lock_counts_from_the_load() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join(LOCKOUT_FILE);
        let clock = TestClock::new();
        let mut lockout = load(Some(&file), 5, &clock);
        wrong_pins(&mut lockout, 5);
        clock.pass(Duration::from_secs(100));
        // Off for a week: the boot clock starts again near zero, the date is a week on.
        clock.reboot("boot-2", Duration::from_secs(7 * 86_400));
        let mut after = load(Some(&file), 5, &clock);
        assert_eq!(after.gate(), locked(FIVE_MIN));
        clock.pass(Duration::from_secs(299));
        assert_eq!(after.gate(), locked(Duration::from_secs(1)));
        // Another reboot before the end: the second left is still owed.
        clock.reboot("boot-3", Duration::ZERO);
        let mut again = load(Some(&file), 5, &clock);
        assert!(matches!(again.gate(), Gate::Locked { .. }));
        clock.pass(FIVE_MIN);
        assert_eq!(again.gate(), Gate::Open { tries_left: 5 });
    }

    #[test]
    fn a_long_lock_keeps_its_progress_across_reboots() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join(LOCKOUT_FILE);
        let clock = TestClock::new();
        let mut lockout = load(Some(&file), 5, &clock);
        for _ in 0..9 {
            wrong_pins(&mut lockout, 5);
            clock.pass(MAX_LOCK);
        }
        assert_eq!(wrong_pins(&mut lockout, 5), locked(MAX_LOCK));
        // The kiosk runs 10 hours a day and is switched off at night; it looks every minute.
        for day in 0..3 {
            let mut today = load(Some(&file), 5, &clock);
            for _ in 0..600 {
                today.gate();
                clock.pass(MIN);
            }
            clock.reboot(&format!("night-{day}"), Duration::from_secs(14 * 3600));
        }
        let mut fourth_day = load(Some(&file), 5, &clock);
        assert_eq!(fourth_day.gate(), Gate::Open { tries_left: 5 });
    }

    #[test]
    fn an_unknown_boot_never_shortens_a_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join(LOCKOUT_FILE);
        let clock = TestClock::new();
        clock.0.lock().expect("clock").0.boot_id = None;
        let mut lockout = load(Some(&file), 5, &clock);
        wrong_pins(&mut lockout, 5);
        clock.pass(Duration::from_secs(200));
        // Same process: the clock is steady, the lock runs down.
        assert_eq!(lockout.gate(), locked(Duration::from_secs(100)));
        // A restart without a boot id: the boot clock could be another one; from the load.
        clock.pass(Duration::from_secs(50));
        let mut restarted = load(Some(&file), 5, &clock);
        assert_eq!(restarted.gate(), locked(Duration::from_secs(100)));
    }

    #[test]
    fn a_file_of_the_previous_version_loads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join(LOCKOUT_FILE);
        let clock = TestClock::new();
        // Some wrong PINs, no lock.
        std::fs::write(&file, br#"{"failures":2,"locked_until":null}"#).expect("write");
        assert_eq!(
            load(Some(&file), 5, &clock).gate(),
            Gate::Open { tries_left: 3 }
        );
        std::fs::write(&file, br#"{"failures":2}"#).expect("write");
        assert_eq!(
            load(Some(&file), 5, &clock).gate(),
            Gate::Open { tries_left: 3 }
        );
        // Locked for two more minutes by the wall clock: read once, then timed by boot clock.
        let until = clock.wall_second() + 120;
        std::fs::write(&file, format!(r#"{{"failures":5,"locked_until":{until}}}"#))
            .expect("write");
        let mut lockout = load(Some(&file), 5, &clock);
        assert_eq!(lockout.gate(), locked(Duration::from_secs(120)));
        let written = std::fs::read_to_string(&file).expect("read");
        assert!(!written.contains("locked_until"), "{written}");
        clock.set_wall(0);
        assert_eq!(lockout.gate(), locked(Duration::from_secs(120)));
        clock.pass(Duration::from_secs(120));
        assert_eq!(lockout.gate(), Gate::Open { tries_left: 5 });
        // That lock counted: the next is the second one.
        assert_eq!(wrong_pins(&mut lockout, 5), locked(2 * FIVE_MIN));
        // A lock far in the future (the clock was wrong when it was written): one period.
        let until = clock.wall_second() + 10 * 365 * 86_400;
        std::fs::write(&file, format!(r#"{{"failures":5,"locked_until":{until}}}"#))
            .expect("write");
        assert_eq!(load(Some(&file), 5, &clock).gate(), locked(FIVE_MIN));
    }

    #[test]
    fn a_damaged_or_edited_file_locks_for_one_period_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join(LOCKOUT_FILE);
        let clock = TestClock::new();
        std::fs::write(&file, b"{not json").expect("write");
        let mut lockout = load(Some(&file), 5, &clock);
        assert_eq!(lockout.gate(), locked(FIVE_MIN));
        // A restart during the period does not start a new one: the lock was written back.
        clock.pass(Duration::from_secs(200));
        let mut again = load(Some(&file), 5, &clock);
        assert_eq!(again.gate(), locked(Duration::from_secs(100)));
        clock.pass(Duration::from_secs(100));
        assert_eq!(lockout.gate(), Gate::Open { tries_left: 5 });
        // A file claiming a lock of years is cut to the period of its lock.
        std::fs::write(
            &file,
            br#"{"failures":5,"lock":{"remaining_ms":99999999999,"boot_id":"boot-1","boottime_ms":0}}"#,
        )
        .expect("write");
        assert_eq!(load(Some(&file), 5, &clock).gate(), locked(FIVE_MIN));
    }

    #[test]
    fn the_system_clock_reads_the_boot_clock() {
        let first = SystemClock.now();
        let second = SystemClock.now();
        assert!(second.since_boot >= first.since_boot);
        assert_eq!(first.boot_id, second.boot_id);
        if Path::new("/proc/sys/kernel/random/boot_id").exists() {
            assert!(first.boot_id.is_some_and(|id| id.len() >= 32));
            // Boot time, not process time: this machine has been up longer than this test.
            assert!(boot_time().is_some());
        }
    }
}
