//! One sync at a time per cache: the data folder's writer lock ([`crate::store::lock`]), held
//! for the whole run.

use std::path::Path;

use super::error::SyncError;
pub use crate::store::lock::LOCK_FILE;
use crate::store::lock::WriterLock;

/// A held sync lock; released when dropped.
#[derive(Debug)]
pub struct SyncLock {
    _lock: WriterLock,
}

impl SyncLock {
    /// Takes the lock, or returns `None` when another process (or thread) holds it.
    pub fn try_acquire(data_dir: &Path) -> Result<Option<SyncLock>, SyncError> {
        WriterLock::try_acquire(data_dir)
            .map(|lock| lock.map(|lock| SyncLock { _lock: lock }))
            .map_err(|e| {
                let path = data_dir.join(LOCK_FILE);
                SyncError::disk(&format!("cannot open the sync lock {}", path.display()), &e)
            })
    }
}
