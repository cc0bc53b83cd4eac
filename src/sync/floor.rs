//! The rollback floor: the highest feed version this kiosk ever applied, with its manifest's
//! hash, per feed id — kept in `feed-floor.json` in the data folder, *outside* the disposable
//! cache. A cache that is moved aside, deleted or rebuilt from the bundled content therefore
//! cannot be fed an older signed version (a replayed or stale mirror), nor a different
//! manifest under the same version number.
//!
//! Owns that file: written through a temporary file, fsynced, renamed and the folder fsynced,
//! so a power cut leaves the old floor or the new one, never a torn file. Must never: lower a
//! floor, or treat a damaged file as "no floor" (that would reopen the rollback it guards
//! against); a damaged file stops syncing with an error naming the file and the fix.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::{Check, SyncError};

/// The file's name in the data folder.
pub const FLOOR_FILE: &str = "feed-floor.json";

/// The floor of one feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Floor {
    /// The highest version applied.
    pub version: u64,
    /// SHA-256 of that version's manifest bytes.
    pub manifest_sha256: String,
}

/// The file: feed id → floor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Floors {
    feeds: BTreeMap<String, Floor>,
}

fn path_in(data_dir: &Path) -> PathBuf {
    data_dir.join(FLOOR_FILE)
}

/// The floor of feed `feed_id`; `None` when this kiosk never applied a version of it.
pub fn load(data_dir: &Path, feed_id: &str) -> Result<Option<Floor>, SyncError> {
    Ok(read(data_dir)?.feeds.remove(feed_id))
}

fn read(data_dir: &Path) -> Result<Floors, SyncError> {
    let path = path_in(data_dir);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Floors::default()),
        Err(e) => {
            return Err(SyncError::disk(
                &format!("cannot read the rollback floor {}", path.display()),
                &e,
            ));
        }
    };
    serde_json::from_slice(&bytes).map_err(|e| {
        SyncError::local(
            Check::Floor,
            format!(
                "the rollback floor {} is damaged ({e}); syncing stops so an old version cannot be replayed — fix: restore the file from a backup, or delete it only if you trust that the portal serves its newest version",
                path.display()
            ),
        )
    })
}

/// Raises the floor of `feed_id` to `floor` (no change when it is already at or above that
/// version). Durable when it returns.
pub fn raise(data_dir: &Path, feed_id: &str, floor: &Floor) -> Result<(), SyncError> {
    let mut floors = read(data_dir)?;
    if floors
        .feeds
        .get(feed_id)
        .is_some_and(|current| current.version >= floor.version)
    {
        return Ok(());
    }
    floors.feeds.insert(feed_id.to_owned(), floor.clone());
    let path = path_in(data_dir);
    let tmp = data_dir.join(format!("{FLOOR_FILE}.tmp"));
    let io_err =
        |e: std::io::Error| SyncError::disk(&format!("cannot write {}", path.display()), &e);
    let json = serde_json::to_vec_pretty(&floors)
        .map_err(std::io::Error::other)
        .map_err(io_err)?;
    {
        let mut file = std::fs::File::create(&tmp).map_err(io_err)?;
        file.write_all(&json).map_err(io_err)?;
        file.sync_all().map_err(io_err)?;
    }
    std::fs::rename(&tmp, &path).map_err(io_err)?;
    std::fs::File::open(data_dir)
        .and_then(|dir| dir.sync_all())
        .map_err(io_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floor(version: u64) -> Floor {
        Floor {
            version,
            manifest_sha256: format!("{version:064x}"),
        }
    }

    #[test]
    fn a_floor_only_rises_and_is_kept_per_feed() {
        let dir = tempfile::tempdir().expect("temp");
        assert_eq!(load(dir.path(), "a").expect("load"), None);
        raise(dir.path(), "a", &floor(5)).expect("raise");
        raise(dir.path(), "a", &floor(3)).expect("no lowering");
        raise(dir.path(), "b", &floor(1)).expect("another feed");
        assert_eq!(load(dir.path(), "a").expect("load"), Some(floor(5)));
        assert_eq!(load(dir.path(), "b").expect("load"), Some(floor(1)));
        raise(dir.path(), "a", &floor(6)).expect("raise");
        assert_eq!(load(dir.path(), "a").expect("load"), Some(floor(6)));
    }

    #[test]
    fn a_damaged_floor_stops_syncing_with_the_fix() {
        let dir = tempfile::tempdir().expect("temp");
        std::fs::write(dir.path().join(FLOOR_FILE), b"{\"feeds\": {\"a\": ").expect("write");
        let error = load(dir.path(), "a").expect_err("damaged");
        assert!(error.message.contains(FLOOR_FILE), "{error}");
        assert!(error.message.contains("fix:"), "{error}");
        assert!(
            raise(dir.path(), "a", &floor(1)).is_err(),
            "not overwritten blindly"
        );
    }
}
