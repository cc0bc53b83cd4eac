//! Readpoint's benchmarks, which print figures: `cargo run -p readpoint-bench -- search|ui|sync|
//! fleet|viewer|soak` (the binary is `src/main.rs`; this library is what it runs, and what the soak's
//! integration test drives). Speed and size targets are checked by reading these figures, never
//! by timed tests.
//!
//! Owns the benchmark runs and their figures: [`search`], [`sync`] (the real `sync --once`
//! against nginx), [`fleet`] (thousands of kiosks polling one nginx), [`ui`] (first frame, memory, scrolling), [`viewer`] and [`soak`] (a simulated
//! day), with the percentiles and memory readings they share. The synthetic corpus and the
//! loopback servers come from `readpoint-test-support`; the kiosk, the store and the sync are
//! the product library's, through its public API only. Must never be a dependency of the
//! product, never listen beyond 127.0.0.1, and never write outside the directory it is given
//! (or a temporary one it removes).

pub mod fleet;
pub mod search;
pub mod soak;
pub mod sync;
pub mod ui;
pub mod viewer;

use std::ffi::OsStr;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The name under which this binary is the product: started with `argv[0]` = `readpoint`, it
/// runs `readpoint::commands::main`, all the product's `readpoint` binary does.
pub const PRODUCT_NAME: &str = "readpoint";

/// Whether this process was started as the product ([`product_command`]).
pub fn started_as_product() -> bool {
    std::env::args_os()
        .next()
        .is_some_and(|arg0| Path::new(&arg0).file_name() == Some(OsStr::new(PRODUCT_NAME)))
}

/// The product's command line in a child process (`readpoint sync --once`, the kiosk): this
/// executable started as `readpoint` ([`started_as_product`]). The same code as the
/// `readpoint` binary, built by the same `cargo run`, so a benchmark never times a stale binary.
pub fn product_command() -> Result<Command, String> {
    let mut command = bench_command()?;
    command.arg0(PRODUCT_NAME);
    Ok(command)
}

/// This benchmark binary in a child process (`ui-screens`, `viewer-pages`), so what it
/// measures is not counted with the parent's memory.
pub fn bench_command() -> Result<Command, String> {
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find the readpoint-bench binary: {e}"))?;
    Ok(Command::new(exe))
}

/// Runs `run` in the benchmark's work directory: `keep` (created if needed, and kept), or a
/// fresh one under the system's temporary directory named after `name`, removed afterwards.
pub fn in_work_dir<T>(
    keep: Option<&Path>,
    name: &str,
    run: impl FnOnce(&Path) -> Result<T, String>,
) -> Result<T, String> {
    let dir = match keep {
        Some(dir) => dir.to_path_buf(),
        None => std::env::temp_dir().join(format!("readpoint-bench-{name}-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let result = run(&dir);
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

/// Latency percentiles of a set of samples.
#[derive(Debug, Clone, Copy, Default)]
pub struct Percentiles {
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest.
    pub max: Duration,
}

impl Percentiles {
    /// Percentiles of `samples` (nearest-rank).
    pub fn of(samples: &mut [Duration]) -> Percentiles {
        if samples.is_empty() {
            return Percentiles::default();
        }
        samples.sort_unstable();
        let rank = |p: f64| {
            let index = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1;
            samples[index]
        };
        Percentiles {
            p50: rank(0.50),
            p99: rank(0.99),
            max: samples[samples.len() - 1],
        }
    }
}

/// Milliseconds with one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// Peak resident memory of this process (VmHWM), if the platform reports it.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let mut samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let p = Percentiles::of(&mut samples);
        assert_eq!(p.p50, Duration::from_millis(50));
        assert_eq!(p.p99, Duration::from_millis(99));
        assert_eq!(p.max, Duration::from_millis(100));
        assert_eq!(Percentiles::of(&mut []).p50, Duration::ZERO);
    }
}
