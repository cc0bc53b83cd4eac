//! How long the machine and the kiosk process have been up. The kiosk writes a small start
//! marker (`kiosk.started`: its pid, the kernel's start time of that process, and the wall-clock
//! start) into the data folder and removes it when it ends, so `readpoint status --json` run
//! from a shell, or `readpoint sync` run by a timer, can report the kiosk's uptime too. A marker
//! left by a crashed kiosk is recognised (the pid is gone or belongs to another process) and
//! ignored.
//!
//! Never: fails a status because of this information (everything here is best effort and
//! `None` when unknown), or touches the cache.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The marker's file name in the data folder.
pub const MARKER_FILE: &str = "kiosk.started";

/// A running kiosk process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskStart {
    /// Its process id.
    pub pid: u32,
    /// Field 22 of `/proc/<pid>/stat` (clock ticks after boot): tells a reused pid apart.
    pub proc_start: u64,
    /// When it started (RFC 3339).
    pub started_at: String,
}

impl KioskStart {
    /// This process, starting now.
    pub fn this_process(now: jiff::Timestamp) -> Option<KioskStart> {
        let pid = std::process::id();
        Some(KioskStart {
            pid,
            proc_start: process_start_ticks(pid)?,
            started_at: super::status::rfc3339(now),
        })
    }

    /// Whether the process this marker names is still running (the same process, not a new
    /// one that got its pid).
    pub fn is_running(&self) -> bool {
        process_start_ticks(self.pid) == Some(self.proc_start)
    }

    /// Seconds since it started, by `now` (0 when the clock went backwards).
    pub fn seconds(&self, now: jiff::Timestamp) -> Option<u64> {
        let started: jiff::Timestamp = self.started_at.parse().ok()?;
        Some(now.duration_since(started).as_secs().max(0).unsigned_abs())
    }
}

/// The marker written at start and removed when dropped.
#[derive(Debug)]
pub struct Marker {
    path: PathBuf,
    /// What was written.
    pub start: KioskStart,
}

impl Marker {
    /// Writes the marker for this process into `data_dir` (atomically: a temporary file renamed
    /// into place). A kiosk that cannot write it still runs; only its uptime is unknown to
    /// other processes.
    pub fn record(data_dir: &Path, now: jiff::Timestamp) -> std::io::Result<Marker> {
        let start = KioskStart::this_process(now).ok_or_else(|| {
            std::io::Error::other("this process's start time is not readable from /proc")
        })?;
        let json = serde_json::to_vec(&start).map_err(std::io::Error::other)?;
        std::fs::create_dir_all(data_dir)?;
        let path = data_dir.join(MARKER_FILE);
        let temporary = data_dir.join(format!("{MARKER_FILE}.tmp-{}", start.pid));
        std::fs::write(&temporary, json)?;
        std::fs::rename(&temporary, &path)?;
        Ok(Marker { path, start })
    }
}

impl Drop for Marker {
    fn drop(&mut self) {
        // Only our own marker: a newer kiosk may have replaced it.
        if read_marker(&self.path).is_some_and(|m| m == self.start) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn read_marker(path: &Path) -> Option<KioskStart> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The kiosk running on the data folder `data_dir`, if any.
pub fn running_kiosk(data_dir: &Path) -> Option<KioskStart> {
    read_marker(&data_dir.join(MARKER_FILE)).filter(KioskStart::is_running)
}

/// Seconds since the machine booted (`sysinfo(2)`, the figure of `/proc/uptime`, which the
/// service's `ProcSubset=pid` hides).
// `uptime` is a C long: i64 on 64-bit Linux, narrower on some 32-bit targets.
#[allow(clippy::useless_conversion)]
pub fn system_seconds() -> Option<u64> {
    let mut info = std::mem::MaybeUninit::<libc::sysinfo>::zeroed();
    // SAFETY: `info` points to writable memory of the right type; it is read only after
    // sysinfo reported success.
    let info = unsafe {
        if libc::sysinfo(info.as_mut_ptr()) != 0 {
            return None;
        }
        info.assume_init()
    };
    u64::try_from(i64::from(info.uptime)).ok()
}

/// Field 22 (`starttime`) of `/proc/<pid>/stat`.
fn process_start_ticks(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat_start(&text)
}

fn parse_stat_start(stat: &str) -> Option<u64> {
    // The command name (field 2) is in parentheses and may hold spaces and ')': fields after
    // the last ')' start with field 3.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(22 - 3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_formats_are_parsed() {
        let stat = "4242 (read point) x) S 1 4242 4242 0 -1 4194560 1 0 0 0 2 3 0 0 20 0 \
                    5 0 987654 1000 10 18446744073709551615";
        assert_eq!(parse_stat_start(stat), Some(987_654));
        assert_eq!(parse_stat_start("4242 (no fields)"), None);
    }

    #[test]
    fn the_marker_names_this_process_and_goes_away_with_it() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let now = jiff::Timestamp::now();
        let marker = Marker::record(dir.path(), now).expect("marker written");
        let running = running_kiosk(dir.path()).expect("this process is running");
        assert_eq!(running, marker.start);
        assert_eq!(running.seconds(now), Some(0));
        drop(marker);
        assert!(!dir.path().join(MARKER_FILE).exists());
        assert_eq!(running_kiosk(dir.path()), None);
    }

    #[test]
    fn a_marker_of_a_dead_or_reused_pid_is_ignored() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut stale = KioskStart::this_process(jiff::Timestamp::now()).expect("own stat");
        stale.proc_start += 1; // the pid now belongs to another process
        std::fs::write(
            dir.path().join(MARKER_FILE),
            serde_json::to_vec(&stale).expect("json"),
        )
        .expect("write");
        assert_eq!(running_kiosk(dir.path()), None);
        std::fs::write(dir.path().join(MARKER_FILE), b"not json").expect("write");
        assert_eq!(running_kiosk(dir.path()), None);
    }
}
