//! The staff PIN lockout: after `attempts` wrong PINs in a row the staff screen stays locked for
//! `duration`, and the count and the lock survive a restart (a small JSON file in the data
//! folder, written through a temporary file and a rename).
//!
//! Owns the lockout rule and its file. Must never: hold a PIN, or unlock because the file is
//! damaged or the clock moved (a damaged file locks for one `duration`; a lock never lasts more
//! than `duration` from now, so a clock set backwards cannot lock staff out for years).

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The lockout file in the data folder.
pub const LOCKOUT_FILE: &str = "staff-lockout.json";

/// What the file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    /// Wrong PINs since the last right one (or since the last lock ended).
    failures: u32,
    /// Unix seconds until which the screen is locked.
    locked_until: Option<i64>,
}

/// Whether a PIN may be tried now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Yes; this many wrong tries are left before the lock.
    Open { tries_left: u32 },
    /// No, for this much longer.
    Locked { remaining: Duration },
}

/// The lockout of one kiosk. `file: None` keeps it in memory only (offscreen rendering).
#[derive(Debug, Clone)]
pub struct Lockout {
    file: Option<PathBuf>,
    attempts: u32,
    duration: Duration,
    state: State,
}

impl Lockout {
    /// Reads the lockout from `file` (none yet: no failures). An unreadable or damaged file
    /// locks for one `duration` from `now`, and says so in the log.
    pub fn load(file: Option<&Path>, attempts: u32, duration: Duration, now: Timestamp) -> Lockout {
        let mut lockout = Lockout {
            file: file.map(Path::to_owned),
            attempts: attempts.max(1),
            duration,
            state: State::default(),
        };
        let Some(path) = file else { return lockout };
        match std::fs::read(path) {
            Ok(bytes) => match serde_json::from_slice::<State>(&bytes) {
                Ok(state) => lockout.state = state,
                Err(err) => {
                    tracing::error!(file = %path.display(), %err, "the staff lockout file is damaged; the staff screen stays locked for one lockout period — fix: wait, or set the PIN again with `readpoint config set-pin`");
                    lockout.lock(now);
                    // Written back whole, so the period ends even if the kiosk restarts.
                    lockout.save();
                }
            },
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                tracing::error!(file = %path.display(), %err, "the staff lockout file cannot be read; the staff screen stays locked for one lockout period — fix: check the data folder's permissions");
                lockout.lock(now);
            }
        }
        lockout
    }

    /// Whether a PIN may be tried at `now`. An expired lock resets the count.
    pub fn gate(&mut self, now: Timestamp) -> Gate {
        if let Some(until) = self.state.locked_until {
            let longest = now.as_second().saturating_add(duration_secs(self.duration));
            // A clock set backwards cannot stretch a lock beyond one period from now.
            let until = if until > longest {
                self.state.locked_until = Some(longest);
                self.save();
                longest
            } else {
                until
            };
            let remaining = until.saturating_sub(now.as_second());
            if remaining > 0 {
                return Gate::Locked {
                    remaining: Duration::from_secs(u64::try_from(remaining).unwrap_or(0)),
                };
            }
            self.state = State::default();
            self.save();
        }
        Gate::Open {
            tries_left: self.attempts.saturating_sub(self.state.failures),
        }
    }

    /// Counts a wrong PIN; the last allowed one starts the lock.
    pub fn record_failure(&mut self, now: Timestamp) -> Gate {
        self.state.failures = self.state.failures.saturating_add(1);
        if self.state.failures >= self.attempts {
            self.lock(now);
        }
        self.save();
        self.gate(now)
    }

    /// A right PIN clears the count.
    pub fn record_success(&mut self) {
        if self.state != State::default() {
            self.state = State::default();
            self.save();
        }
    }

    fn lock(&mut self, now: Timestamp) {
        self.state.failures = self.attempts;
        self.state.locked_until =
            Some(now.as_second().saturating_add(duration_secs(self.duration)));
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

fn duration_secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIVE_MIN: Duration = Duration::from_secs(300);

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + second).expect("timestamp")
    }

    #[test]
    fn five_wrong_pins_lock_for_five_minutes_then_the_count_starts_again() {
        let mut lockout = Lockout::load(None, 5, FIVE_MIN, at(0));
        assert_eq!(lockout.gate(at(0)), Gate::Open { tries_left: 5 });
        for left in (1..5).rev() {
            assert_eq!(
                lockout.record_failure(at(1)),
                Gate::Open { tries_left: left }
            );
        }
        assert_eq!(
            lockout.record_failure(at(10)),
            Gate::Locked {
                remaining: FIVE_MIN
            }
        );
        assert_eq!(
            lockout.gate(at(250)),
            Gate::Locked {
                remaining: Duration::from_secs(60)
            }
        );
        assert_eq!(lockout.gate(at(310)), Gate::Open { tries_left: 5 });
    }

    #[test]
    fn a_right_pin_clears_the_count() {
        let mut lockout = Lockout::load(None, 3, FIVE_MIN, at(0));
        lockout.record_failure(at(0));
        lockout.record_failure(at(0));
        lockout.record_success();
        assert_eq!(lockout.gate(at(0)), Gate::Open { tries_left: 3 });
    }

    #[test]
    fn the_lock_and_the_count_survive_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join(LOCKOUT_FILE);
        let mut first = Lockout::load(Some(&file), 5, FIVE_MIN, at(0));
        first.record_failure(at(0));
        first.record_failure(at(0));
        let mut second = Lockout::load(Some(&file), 5, FIVE_MIN, at(5));
        assert_eq!(second.gate(at(5)), Gate::Open { tries_left: 3 });
        for _ in 0..3 {
            second.record_failure(at(5));
        }
        let mut third = Lockout::load(Some(&file), 5, FIVE_MIN, at(65));
        assert_eq!(
            third.gate(at(65)),
            Gate::Locked {
                remaining: Duration::from_secs(240)
            }
        );
        assert_eq!(third.gate(at(305)), Gate::Open { tries_left: 5 });
        // The expiry was written back: a fourth start is open too.
        let mut fourth = Lockout::load(Some(&file), 5, FIVE_MIN, at(306));
        assert_eq!(fourth.gate(at(306)), Gate::Open { tries_left: 5 });
    }

    #[test]
    fn a_damaged_file_locks_for_one_period_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join(LOCKOUT_FILE);
        std::fs::write(&file, b"{not json").expect("write");
        let mut lockout = Lockout::load(Some(&file), 5, FIVE_MIN, at(0));
        assert_eq!(
            lockout.gate(at(0)),
            Gate::Locked {
                remaining: FIVE_MIN
            }
        );
        // A restart during the period does not start a new one: the lock was written back.
        let mut again = Lockout::load(Some(&file), 5, FIVE_MIN, at(200));
        assert_eq!(
            again.gate(at(200)),
            Gate::Locked {
                remaining: Duration::from_secs(100)
            }
        );
        assert_eq!(lockout.gate(at(300)), Gate::Open { tries_left: 5 });
    }

    #[test]
    fn a_clock_set_backwards_cannot_stretch_the_lock() {
        let mut lockout = Lockout::load(None, 1, FIVE_MIN, at(0));
        lockout.record_failure(at(1_000_000));
        // The clock jumps back eleven days: still at most one period.
        assert_eq!(
            lockout.gate(at(0)),
            Gate::Locked {
                remaining: FIVE_MIN
            }
        );
        assert_eq!(lockout.gate(at(300)), Gate::Open { tries_left: 1 });
    }
}
