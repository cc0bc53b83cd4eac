//! Shared fixtures: a temporary kiosk (data and config directories that live as long as the
//! fixture) and a runner for the real `readpoint` binary inside it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use readpoint::store::Store;
use tempfile::TempDir;

/// A kiosk's directories in a temporary folder, removed when dropped.
pub struct TempKiosk {
    _dir: TempDir,
    /// Home directory (XDG paths resolve under it).
    pub home: PathBuf,
    /// The data directory holding the cache.
    pub data_dir: PathBuf,
}

impl TempKiosk {
    /// A fresh, empty kiosk.
    pub fn new() -> TempKiosk {
        let dir = tempfile::tempdir().expect("temporary directory");
        let home = dir.path().join("home");
        let data_dir = dir.path().join("data");
        std::fs::create_dir_all(&home).expect("home");
        TempKiosk {
            _dir: dir,
            home,
            data_dir,
        }
    }

    /// The cache file.
    pub fn cache_path(&self) -> PathBuf {
        self.data_dir.join(readpoint::store::CACHE_FILE)
    }

    /// `readpoint ARGS…` with this kiosk's data directory and a home without configuration.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_readpoint"));
        cmd.env_clear()
            .env("HOME", &self.home)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LANG", "C.UTF-8")
            .envs(test_clock_env())
            .arg("--data-dir")
            .arg(&self.data_dir);
        cmd
    }

    /// Runs the binary with `args` and returns its output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command()
            .args(args)
            .output()
            .expect("running readpoint")
    }

    /// Opens the cache directly (as the kiosk would), filling it with the bundled content.
    pub fn store(&self) -> Store {
        let (mut store, _) = Store::open_or_recover(&self.cache_path()).expect("open cache");
        if store.is_empty().expect("is_empty") {
            readpoint::import::load_bundled(&mut store).expect("bundled content loads");
        }
        store
    }
}

/// A store holding exactly the bundled content, in memory.
pub fn bundled_store() -> Store {
    let mut store = Store::open_in_memory().expect("in-memory store");
    readpoint::import::load_bundled(&mut store).expect("bundled content loads");
    store
}

/// stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write file");
    path
}

/// The variables that carry a faked clock into child processes: with `READPOINT_TEST_AT`,
/// `scripts/test` runs every test binary under libfaketime (`LD_PRELOAD` and `FAKETIME…`), and
/// a child started with a cleared environment must see the same clock as the test that
/// started it.
pub fn test_clock_env() -> impl Iterator<Item = (std::ffi::OsString, std::ffi::OsString)> {
    std::env::vars_os().filter(|(key, _)| {
        key.to_str()
            .is_some_and(|k| k == "LD_PRELOAD" || k.starts_with("FAKETIME"))
    })
}
