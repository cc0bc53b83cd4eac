//! The soak's figures: what the process holds (resident memory, open file descriptors and
//! threads, from `/proc/self`) and what the kiosk's data folder holds (log files, cache, WAL),
//! sampled every few simulated minutes, summed up per simulated hour, and the verdict.
//!
//! Per hour, memory, descriptors and threads are the lowest sample (a transient peak — a
//! download, a blocking-pool thread — is not a leak; a leak raises the floor), the cache is its
//! size at the end of the hour, and the log the largest the log folder has been so far (it
//! rotates: its high-water mark must stop at the cap). The WAL is judged by what is left of it
//! right after the hour's version was applied (the sync truncates it then; what a truncation
//! leaves behind — a reader holding an old snapshot — is what would pile up); the largest WAL
//! within the hour (the writes between two applies, checkpointed every 4 MiB) is shown too.
//! Reads only; never writes.

use std::collections::BTreeMap;
use std::path::Path;

/// Largest growth allowed from the end of the warm-up to the end, in percent.
pub const MAX_GROWTH_PERCENT: f64 = 5.0;

/// One look at the process and the data folder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sample {
    /// Resident memory (VmRSS), KiB: anonymous (heap, stacks) plus file pages (the binary's
    /// code, fonts, mapped as they are first used).
    pub rss_kib: u64,
    /// Its anonymous part (RssAnon), KiB.
    pub rss_anon_kib: u64,
    /// Open file descriptors.
    pub fds: u64,
    /// Threads.
    pub threads: u64,
    /// Bytes in the log folder.
    pub log: u64,
    /// Bytes of `cache.db`.
    pub cache: u64,
    /// Bytes of `cache.db-wal`.
    pub wal: u64,
    /// Bytes glibc's allocator has handed out and not got back (heap and mapped blocks).
    pub heap: u64,
    /// Bytes SQLite has allocated, all connections together (page caches, statements).
    pub sqlite: u64,
}

impl Sample {
    /// Takes a sample of this process and of the data folder `data_dir`.
    pub fn take(data_dir: &Path) -> Sample {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        let fds = std::fs::read_dir("/proc/self/fd").map_or(0, |dir| dir.count() as u64);
        let cache = data_dir.join(readpoint::store::CACHE_FILE);
        let wal = data_dir.join(format!("{}-wal", readpoint::store::CACHE_FILE));
        Sample {
            rss_kib: field("VmRSS:"),
            rss_anon_kib: field("RssAnon:"),
            fds,
            threads: field("Threads:"),
            log: folder_size(&data_dir.join("logs")),
            cache: std::fs::metadata(cache).map_or(0, |m| m.len()),
            wal: std::fs::metadata(wal).map_or(0, |m| m.len()),
            heap: heap_in_use(),
            sqlite: sqlite_memory(),
        }
    }
}

/// Bytes in use in glibc's allocator (all arenas), 0 elsewhere.
pub(crate) fn heap_in_use() -> u64 {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallinfo2 only reads the allocator's statistics and returns them by value.
        let info = unsafe { libc::mallinfo2() };
        (info.uordblks + info.hblkhd) as u64
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    0
}

/// Bytes SQLite has allocated in this process.
pub(crate) fn sqlite_memory() -> u64 {
    let (mut current, mut highwater) = (0i64, 0i64);
    // SAFETY: both pointers are to live, writable i64s; the call only writes them.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_status64(
            rusqlite::ffi::SQLITE_STATUS_MEMORY_USED,
            &mut current,
            &mut highwater,
            0,
        )
    };
    if rc == rusqlite::ffi::SQLITE_OK {
        current.max(0).unsigned_abs()
    } else {
        0
    }
}

/// The threads of this process by name (`/proc/self/task/*/comm`).
pub fn thread_names() -> BTreeMap<String, u64> {
    let mut names = BTreeMap::new();
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            *names.entry(name.trim().to_owned()).or_default() += 1;
        }
    }
    names
}

/// The open file descriptors of this process by what they point at: `socket`, `pipe`,
/// `anon_inode:[eventfd]`, or a file's path (with the working folder shortened to `…`).
pub fn descriptor_kinds(work_dir: &Path) -> BTreeMap<String, u64> {
    let mut kinds = BTreeMap::new();
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        for fd in fds.flatten() {
            let Ok(target) = std::fs::read_link(fd.path()) else {
                continue;
            };
            let text = target.to_string_lossy();
            let kind = match text.split_once(':') {
                Some((kind @ ("socket" | "pipe"), _)) => kind.to_owned(),
                _ => text.replace(&format!("{}/", work_dir.display()), "…/"),
            };
            *kinds.entry(kind).or_default() += 1;
        }
    }
    kinds
}

/// `name ×n` pairs, comma-separated.
pub fn listed(map: &BTreeMap<String, u64>) -> String {
    map.iter()
        .map(|(k, n)| {
            if *n == 1 {
                k.clone()
            } else {
                format!("{k} ×{n}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Bytes of the regular files directly in `dir` (0 when it does not exist).
pub fn folder_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .filter(|m| m.is_file())
            .map(|m| m.len())
            .sum()
    })
}

/// One simulated hour's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hour {
    /// Hours since the start at the end of this one (1 for the first).
    pub hour: u32,
    /// Lowest and highest resident memory, KiB.
    pub rss_min: u64,
    pub rss_max: u64,
    /// Lowest and highest number of open file descriptors.
    pub fds_min: u64,
    pub fds_max: u64,
    /// Lowest and highest number of threads.
    pub threads_min: u64,
    pub threads_max: u64,
    /// Largest the log folder has been since the start.
    pub log_high: u64,
    /// Cache size at the end of the hour.
    pub cache: u64,
    /// Largest WAL within the hour.
    pub wal_max: u64,
    /// The WAL right after the hour's version was applied (the largest such, if several; the
    /// largest WAL of the hour when nothing was applied).
    pub wal_after_apply: u64,
    /// Lowest anonymous resident memory, KiB.
    pub rss_anon_min: u64,
    /// Lowest heap in use and SQLite memory (where memory went, if RSS grew).
    pub heap_min: u64,
    pub sqlite_min: u64,
    /// Samples taken.
    pub samples: usize,
}

impl Hour {
    /// Sums up `samples` (at least one) of hour `hour` and the WAL sizes seen right after its
    /// applies; `log_high` is the log's high-water mark before this hour.
    pub fn of(hour: u32, samples: &[Sample], wal_after_apply: &[u64], log_high: u64) -> Hour {
        let min = |f: fn(&Sample) -> u64| samples.iter().map(f).min().unwrap_or(0);
        let max = |f: fn(&Sample) -> u64| samples.iter().map(f).max().unwrap_or(0);
        Hour {
            hour,
            rss_min: min(|s| s.rss_kib),
            rss_max: max(|s| s.rss_kib),
            fds_min: min(|s| s.fds),
            fds_max: max(|s| s.fds),
            threads_min: min(|s| s.threads),
            threads_max: max(|s| s.threads),
            log_high: log_high.max(max(|s| s.log)),
            cache: samples.last().map_or(0, |s| s.cache),
            wal_max: max(|s| s.wal),
            wal_after_apply: wal_after_apply
                .iter()
                .copied()
                .max()
                .unwrap_or_else(|| max(|s| s.wal)),
            rss_anon_min: min(|s| s.rss_anon_kib),
            heap_min: min(|s| s.heap),
            sqlite_min: min(|s| s.sqlite),
            samples: samples.len(),
        }
    }
}

/// A figure compared between the end of the warm-up and the end.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// What is compared, e.g. `RSS (lowest in the hour)`.
    pub name: &'static str,
    /// The unit the values are shown in.
    pub unit: &'static str,
    /// At the end of the warm-up.
    pub warm: u64,
    /// At the end.
    pub end: u64,
    /// How values are shown: divided by this.
    pub scale: f64,
    /// Shown for information, not judged.
    pub info: bool,
}

impl Comparison {
    /// Growth in percent (0 when both are 0; infinite from 0 to more).
    pub fn growth(&self) -> f64 {
        match (self.warm, self.end) {
            (0, 0) => 0.0,
            (0, _) => f64::INFINITY,
            (warm, end) => (end as f64 - warm as f64) * 100.0 / warm as f64,
        }
    }

    /// Whether it grew at most [`MAX_GROWTH_PERCENT`] (an information row always passes).
    pub fn passed(&self) -> bool {
        self.info || self.growth() <= MAX_GROWTH_PERCENT
    }

    /// A value in the comparison's unit.
    pub fn shown(&self, value: u64) -> String {
        if self.scale == 1.0 {
            value.to_string()
        } else {
            format!("{:.1}", value as f64 / self.scale)
        }
    }
}

/// The comparisons of the soak: six judged, one for information.
pub fn compare(warm: &Hour, end: &Hour) -> Vec<Comparison> {
    let row = |name, unit, scale, f: fn(&Hour) -> u64| Comparison {
        name,
        unit,
        warm: f(warm),
        end: f(end),
        scale,
        info: false,
    };
    vec![
        row("RSS (lowest in the hour)", "MiB", 1024.0, |h| h.rss_min),
        row("open file descriptors (lowest)", "", 1.0, |h| h.fds_min),
        row("threads (lowest)", "", 1.0, |h| h.threads_min),
        row("log folder (high-water mark)", "KiB", 1024.0, |h| {
            h.log_high
        }),
        row("cache.db (end of the hour)", "MiB", 1048576.0, |h| h.cache),
        row("cache.db-wal (after the apply)", "MiB", 1048576.0, |h| {
            h.wal_after_apply
        }),
        Comparison {
            info: true,
            ..row(
                "cache.db-wal (largest in the hour)",
                "MiB",
                1048576.0,
                |h| h.wal_max,
            )
        },
        Comparison {
            info: true,
            ..row("RSS anonymous part (lowest)", "MiB", 1024.0, |h| {
                h.rss_anon_min
            })
        },
        Comparison {
            info: true,
            ..row("heap in use (lowest)", "MiB", 1048576.0, |h| h.heap_min)
        },
        Comparison {
            info: true,
            ..row("SQLite memory (lowest)", "MiB", 1048576.0, |h| h.sqlite_min)
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_take_floors_peaks_and_the_last_cache_size() {
        let samples = [
            Sample {
                rss_kib: 100,
                rss_anon_kib: 60,
                fds: 20,
                threads: 12,
                log: 50,
                cache: 1000,
                wal: 10,
                heap: 5,
                sqlite: 3,
            },
            Sample {
                rss_kib: 90,
                rss_anon_kib: 50,
                fds: 25,
                threads: 15,
                log: 40,
                cache: 1100,
                wal: 30,
                heap: 4,
                sqlite: 6,
            },
        ];
        let hour = Hour::of(3, &samples, &[0, 16384], 70);
        assert_eq!((hour.rss_min, hour.rss_max), (90, 100));
        assert_eq!((hour.fds_min, hour.threads_min), (20, 12));
        assert_eq!(hour.log_high, 70);
        assert_eq!(
            (hour.cache, hour.wal_max, hour.wal_after_apply),
            (1100, 30, 16384)
        );
        assert_eq!(
            (hour.rss_anon_min, hour.heap_min, hour.sqlite_min),
            (50, 4, 3)
        );
        let quiet = Hour::of(4, &samples, &[], 0);
        assert_eq!((quiet.log_high, quiet.wal_after_apply), (50, 30));
    }

    #[test]
    fn growth_is_judged_against_five_percent() {
        let c = |warm, end| Comparison {
            name: "x",
            unit: "",
            warm,
            end,
            scale: 1.0,
            info: false,
        };
        assert!(c(100, 105).passed());
        assert!(!c(100, 106).passed());
        assert!(c(100, 50).passed());
        assert!(c(0, 0).passed());
        assert!(!c(0, 1).passed());
        assert_eq!(c(200, 210).growth(), 5.0);
        let info = Comparison {
            info: true,
            ..c(1, 10)
        };
        assert!(info.passed());
    }

    #[test]
    fn a_sample_of_this_process_sees_memory_files_and_threads() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("logs")).expect("logs");
        std::fs::write(dir.path().join("logs/readpoint.log"), b"12345").expect("log");
        std::fs::write(dir.path().join("cache.db"), b"123").expect("cache");
        let sample = Sample::take(dir.path());
        assert!(sample.rss_kib > 0 && sample.fds > 0 && sample.threads > 0);
        assert!(sample.rss_anon_kib > 0 && sample.rss_anon_kib <= sample.rss_kib);
        let _store = readpoint::store::Store::open_in_memory().expect("store");
        assert!(
            Sample::take(dir.path()).sqlite > 0,
            "an open cache uses SQLite memory"
        );
        assert_eq!((sample.log, sample.cache, sample.wal), (5, 3, 0));
    }
}
