//! The writer lock of a data folder: an exclusive advisory lock on `sync.lock`, held by the sync
//! for a whole run and by cache recovery while it confirms and moves an unusable file aside.
//! The OS releases it when the process ends (even by `kill -9`), so a crash never leaves a
//! stale lock behind.
//!
//! Owns the lock file's name and the locking. Must never: block without a bound, or be taken
//! on the UI thread for longer than a `try`.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// The lock file's name in the data folder.
pub const LOCK_FILE: &str = "sync.lock";

/// A held writer lock; released when dropped.
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
}

impl WriterLock {
    /// Takes the lock, or returns `None` when another process (or another open of the file in
    /// this process) holds it.
    pub fn try_acquire(data_dir: &Path) -> std::io::Result<Option<WriterLock>> {
        std::fs::create_dir_all(data_dir)?;
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(data_dir.join(LOCK_FILE))?;
        match file.try_lock() {
            Ok(()) => {
                // For people looking at the file: who holds it.
                let _ = file.set_len(0);
                let _ = writeln!(file, "{}", std::process::id());
                Ok(Some(WriterLock { _file: file }))
            }
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }

    /// Tries for up to `wait` (every 100 ms); `None` when the holder kept it all that time.
    pub fn acquire_within(data_dir: &Path, wait: Duration) -> std::io::Result<Option<WriterLock>> {
        let until = Instant::now() + wait;
        loop {
            if let Some(lock) = WriterLock::try_acquire(data_dir)? {
                return Ok(Some(lock));
            }
            if Instant::now() >= until {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
