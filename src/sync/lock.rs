//! One sync at a time per cache: an exclusive advisory lock on `sync.lock` in the data folder,
//! held for the whole run and released by the OS when the process ends (even by `kill -9`), so
//! a crashed sync never leaves a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::Path;

use super::error::SyncError;

/// The lock file's name in the data folder.
pub const LOCK_FILE: &str = "sync.lock";

/// A held sync lock; released when dropped.
#[derive(Debug)]
pub struct SyncLock {
    _file: File,
}

impl SyncLock {
    /// Takes the lock, or returns `None` when another process (or thread) holds it.
    pub fn try_acquire(data_dir: &Path) -> Result<Option<SyncLock>, SyncError> {
        let path = data_dir.join(LOCK_FILE);
        let io_err = |e: std::io::Error| {
            SyncError::disk(&format!("cannot open the sync lock {}", path.display()), &e)
        };
        std::fs::create_dir_all(data_dir).map_err(io_err)?;
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => {
                // For people looking at the file: who holds it.
                let _ = file.set_len(0);
                let _ = writeln!(file, "{}", std::process::id());
                Ok(Some(SyncLock { _file: file }))
            }
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(io_err(e)),
        }
    }
}
