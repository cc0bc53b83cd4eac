//! Where the configuration file and the data folder live.
//!
//! Owns: choosing between a system install and a per-user install, the config files looked
//! for and their order, the precedence of the data folder's sources, and the rule that root
//! does not work in another user's data folder ([`Paths::refuse_foreign_data_dir`]). Must never:
//! read the environment itself except in [`Paths::from_process_env`], or create, read or check
//! any file or folder (which candidate exists, and who owns the data folder, is asked of the
//! caller, see [`Paths::select_config_file`]).
//!
//! Precedence, highest first:
//! - config file: `--config` flag (only that file) > the first existing candidate below;
//! - data folder: `--data-dir` flag > `cache.data_dir` in the config file > system/user default.
//!
//! A **system install** is detected when `READPOINT_SYSTEM=1`, or when systemd's
//! `StateDirectory=`/`ConfigurationDirectory=` are in use (`STATE_DIRECTORY` or
//! `CONFIGURATION_DIRECTORY` set). Its defaults are the first `:`-separated entry of those
//! variables, else `/etc/readpoint/readpoint.toml` and `/var/lib/readpoint`. Otherwise it is a
//! **user install** following XDG. Its config candidates, in order:
//! `$XDG_CONFIG_HOME/readpoint/readpoint.toml` (default `$HOME/.config/…`), then
//! `readpoint/readpoint.toml` in each `$XDG_CONFIG_DIRS` entry (default `/etc/xdg`), then the
//! system file `/etc/readpoint/readpoint.toml`; its data folder is `$XDG_DATA_HOME/readpoint`
//! (default `$HOME/.local/share/readpoint`). Empty and relative `XDG_*` values and entries are
//! ignored, as the XDG specification says. With neither `XDG_*` nor `HOME`, the system data
//! folder is used.

use std::path::{Path, PathBuf};

use super::Config;

/// System config file.
const SYSTEM_CONFIG_FILE: &str = "/etc/readpoint/readpoint.toml";
/// System data folder.
const SYSTEM_DATA_DIR: &str = "/var/lib/readpoint";
/// Name of the config file inside a configuration folder.
const CONFIG_FILE_NAME: &str = "readpoint.toml";

/// How this process is installed, which decides the default paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallMode {
    /// A system service: `/etc/readpoint`, `/var/lib/readpoint` (or systemd's folders).
    System,
    /// A desktop user: XDG folders under the home directory.
    User,
}

impl InstallMode {
    /// Detects the mode from the environment (see the module documentation).
    pub fn detect(env: &dyn Fn(&str) -> Option<String>) -> Self {
        let set = |name: &str| non_empty(env, name).is_some();
        if non_empty(env, "READPOINT_SYSTEM").as_deref() == Some("1")
            || set("STATE_DIRECTORY")
            || set("CONFIGURATION_DIRECTORY")
        {
            InstallMode::System
        } else {
            InstallMode::User
        }
    }
}

/// Where the data folder came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataDirSource {
    /// The `--data-dir` command-line flag.
    CommandLine,
    /// `cache.data_dir` in the config file.
    ConfigFile,
    /// The system or user default.
    Default,
}

/// Default `XDG_CONFIG_DIRS`.
const DEFAULT_XDG_CONFIG_DIRS: &str = "/etc/xdg";

/// The resolved locations of the config file and the data folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The configuration file in effect: after [`Paths::select_config_file`], the first
    /// candidate that exists, or the first candidate when none does (then defaults apply).
    pub config_file: PathBuf,
    /// Every config file looked for, in order of precedence (never empty): only the `--config`
    /// file when it is given.
    pub config_candidates: Vec<PathBuf>,
    /// Whether the config file was named on the command line (`--config`).
    pub config_explicit: bool,
    /// The data folder (cache database, attachments, logs, statistics).
    pub data_dir: PathBuf,
    /// Where `data_dir` came from, for `readpoint config check` and logs.
    pub data_dir_source: DataDirSource,
}

impl Paths {
    /// Resolves both paths from the command-line overrides and the environment (`env` looks a
    /// variable up; injected so this stays pure). Call [`Paths::with_config`] after loading the
    /// config file to apply `cache.data_dir`.
    pub fn resolve(
        config_override: Option<&Path>,
        data_dir_override: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Paths {
        let (candidates, default_data) = match InstallMode::detect(env) {
            InstallMode::System => {
                let (config, data) = system_defaults(env);
                (vec![config], data)
            }
            InstallMode::User => user_defaults(env),
        };
        let (data_dir, data_dir_source) = match data_dir_override {
            Some(path) => (path.to_path_buf(), DataDirSource::CommandLine),
            None => (default_data, DataDirSource::Default),
        };
        let config_candidates = match config_override {
            Some(path) => vec![path.to_path_buf()],
            None => candidates,
        };
        let config_file = config_candidates
            .first()
            .cloned()
            .unwrap_or_else(|| PathBuf::from(SYSTEM_CONFIG_FILE));
        Paths {
            config_file,
            config_candidates,
            config_explicit: config_override.is_some(),
            data_dir,
            data_dir_source,
        }
    }

    /// Sets `config_file` to the first candidate for which `exists` is true, or to the first
    /// candidate when none exists. `exists` is injected (e.g. `|p| p.exists()`) so this stays
    /// pure.
    pub fn select_config_file(self, exists: &dyn Fn(&Path) -> bool) -> Paths {
        let config_file = self
            .config_candidates
            .iter()
            .find(|path| exists(path))
            .or(self.config_candidates.first())
            .cloned()
            .unwrap_or(self.config_file);
        Paths {
            config_file,
            ..self
        }
    }

    /// [`Paths::resolve`] with the process's real environment.
    pub fn from_process_env(
        config_override: Option<&Path>,
        data_dir_override: Option<&Path>,
    ) -> Paths {
        Self::resolve(config_override, data_dir_override, &|name| {
            std::env::var(name).ok()
        })
    }

    /// Applies `cache.data_dir` from the loaded config with the precedence
    /// `--data-dir` flag > `cache.data_dir` > environment default. `data_dir_override` is the
    /// flag again (the same value given to [`Paths::resolve`]; passing it here too keeps the
    /// rule in one place even if `self` was built some other way).
    pub fn with_config(self, config: &Config, data_dir_override: Option<&Path>) -> Paths {
        if let Some(flag) = data_dir_override {
            return Paths {
                data_dir: flag.to_path_buf(),
                data_dir_source: DataDirSource::CommandLine,
                ..self
            };
        }
        match (&config.cache.data_dir, self.data_dir_source) {
            (Some(dir), DataDirSource::Default) => Paths {
                data_dir: dir.clone(),
                data_dir_source: DataDirSource::ConfigFile,
                ..self
            },
            _ => self,
        }
    }
}

impl Paths {
    /// The error for a process running as root (`euid` 0) over a data folder that another user
    /// owns (`owner`: its uid and, when the system knows it, its name; `None` when the folder
    /// does not exist yet): whatever root creates there
    /// (the cache's journal, logs, downloads) would belong to root, and the kiosk, running as
    /// the folder's owner, could no longer write its own data. `None` when the process may go
    /// on. The message names the folder, its owner and the fix.
    pub fn refuse_foreign_data_dir(
        &self,
        euid: u32,
        owner: Option<(u32, Option<&str>)>,
    ) -> Option<String> {
        let (uid, name) = owner?;
        if euid != 0 || uid == 0 {
            return None;
        }
        let (who, run_as) = match name {
            Some(name) => (format!("the user {name} (uid {uid})"), name.to_owned()),
            None => (format!("uid {uid}"), format!("#{uid}")),
        };
        Some(format!(
            "refusing to run as root: the data folder {} belongs to {who}, and files root \
             creates there (the cache's journal, logs, downloads) would lock the kiosk out of its \
             own data — fix: run the command as the folder's owner, e.g. `sudo -u {run_as} \
             readpoint …` (the kiosk's services run as the `readpoint` user)",
            self.data_dir.display()
        ))
    }
}

fn non_empty(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).filter(|value| !value.is_empty())
}

/// First entry of a `:`-separated systemd directory list.
fn first_entry(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<PathBuf> {
    let value = non_empty(env, name)?;
    let first = value.split(':').next().filter(|s| !s.is_empty())?;
    Some(PathBuf::from(first))
}

fn system_defaults(env: &dyn Fn(&str) -> Option<String>) -> (PathBuf, PathBuf) {
    let config = first_entry(env, "CONFIGURATION_DIRECTORY").map_or_else(
        || PathBuf::from(SYSTEM_CONFIG_FILE),
        |dir| dir.join(CONFIG_FILE_NAME),
    );
    let data =
        first_entry(env, "STATE_DIRECTORY").unwrap_or_else(|| PathBuf::from(SYSTEM_DATA_DIR));
    (config, data)
}

/// XDG paths: the config candidates in order (never empty) and the data folder (the system
/// one when no base can be found: no usable `XDG_DATA_HOME` and no `HOME`).
fn user_defaults(env: &dyn Fn(&str) -> Option<String>) -> (Vec<PathBuf>, PathBuf) {
    let absolute = |name: &str| {
        non_empty(env, name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let home = absolute("HOME");
    let config_home =
        absolute("XDG_CONFIG_HOME").or_else(|| home.as_ref().map(|h| h.join(".config")));
    let data_home =
        absolute("XDG_DATA_HOME").or_else(|| home.as_ref().map(|h| h.join(".local/share")));
    let config_dirs =
        non_empty(env, "XDG_CONFIG_DIRS").unwrap_or_else(|| DEFAULT_XDG_CONFIG_DIRS.to_owned());
    let mut candidates: Vec<PathBuf> = Vec::new();
    let bases = config_home.into_iter().chain(
        config_dirs
            .split(':')
            .map(PathBuf::from)
            .filter(|p| p.is_absolute()),
    );
    for path in bases
        .map(|base| base.join("readpoint").join(CONFIG_FILE_NAME))
        .chain(std::iter::once(PathBuf::from(SYSTEM_CONFIG_FILE)))
    {
        if !candidates.contains(&path) {
            candidates.push(path);
        }
    }
    let data = data_home.map_or_else(|| PathBuf::from(SYSTEM_DATA_DIR), |d| d.join("readpoint"));
    (candidates, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn user_install_uses_home() {
        let paths = Paths::resolve(None, None, &env_of(&[("HOME", "/home/kiosk")]));
        assert_eq!(
            paths.config_file,
            PathBuf::from("/home/kiosk/.config/readpoint/readpoint.toml")
        );
        assert_eq!(
            paths.data_dir,
            PathBuf::from("/home/kiosk/.local/share/readpoint")
        );
        assert_eq!(paths.data_dir_source, DataDirSource::Default);
    }

    #[test]
    fn user_install_uses_xdg_and_ignores_relative_or_empty() {
        let env = env_of(&[
            ("HOME", "/home/kiosk"),
            ("XDG_CONFIG_HOME", "/cfg"),
            ("XDG_DATA_HOME", "/data"),
        ]);
        let paths = Paths::resolve(None, None, &env);
        assert_eq!(
            paths.config_file,
            PathBuf::from("/cfg/readpoint/readpoint.toml")
        );
        assert_eq!(paths.data_dir, PathBuf::from("/data/readpoint"));

        let env = env_of(&[
            ("HOME", "/home/kiosk"),
            ("XDG_CONFIG_HOME", "relative/cfg"),
            ("XDG_DATA_HOME", ""),
        ]);
        let paths = Paths::resolve(None, None, &env);
        assert_eq!(
            paths.config_file,
            PathBuf::from("/home/kiosk/.config/readpoint/readpoint.toml")
        );
        assert_eq!(
            paths.data_dir,
            PathBuf::from("/home/kiosk/.local/share/readpoint")
        );
    }

    #[test]
    fn no_home_falls_back_to_system_paths() {
        let paths = Paths::resolve(None, None, &env_of(&[]));
        assert_eq!(
            paths.config_candidates,
            [
                PathBuf::from("/etc/xdg/readpoint/readpoint.toml"),
                PathBuf::from(SYSTEM_CONFIG_FILE)
            ]
        );
        assert_eq!(paths.data_dir, PathBuf::from(SYSTEM_DATA_DIR));
    }

    fn paths(list: &[&str]) -> Vec<PathBuf> {
        list.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn user_install_looks_in_xdg_config_dirs_then_etc() {
        // Default XDG_CONFIG_DIRS is /etc/xdg.
        let resolved = Paths::resolve(None, None, &env_of(&[("HOME", "/home/kiosk")]));
        assert_eq!(
            resolved.config_candidates,
            paths(&[
                "/home/kiosk/.config/readpoint/readpoint.toml",
                "/etc/xdg/readpoint/readpoint.toml",
                "/etc/readpoint/readpoint.toml",
            ])
        );
        assert!(!resolved.config_explicit);
        // Each absolute entry in order; empty and relative entries ignored; no duplicates.
        let env = env_of(&[
            ("HOME", "/home/kiosk"),
            ("XDG_CONFIG_DIRS", "/opt/cfg::relative:/etc:/opt/cfg"),
        ]);
        assert_eq!(
            Paths::resolve(None, None, &env).config_candidates,
            paths(&[
                "/home/kiosk/.config/readpoint/readpoint.toml",
                "/opt/cfg/readpoint/readpoint.toml",
                "/etc/readpoint/readpoint.toml",
            ])
        );
    }

    #[test]
    fn explicit_and_system_installs_have_one_candidate() {
        let env = env_of(&[("HOME", "/home/kiosk"), ("XDG_CONFIG_DIRS", "/opt/cfg")]);
        let resolved = Paths::resolve(Some(Path::new("/tmp/t.toml")), None, &env);
        assert_eq!(resolved.config_candidates, paths(&["/tmp/t.toml"]));
        assert!(resolved.config_explicit);
        // Even when the file is missing and others exist, --config is the one in effect.
        let selected = resolved.select_config_file(&|_| true);
        assert_eq!(selected.config_file, PathBuf::from("/tmp/t.toml"));

        let env = env_of(&[("READPOINT_SYSTEM", "1"), ("XDG_CONFIG_DIRS", "/opt/cfg")]);
        assert_eq!(
            Paths::resolve(None, None, &env).config_candidates,
            paths(&[SYSTEM_CONFIG_FILE])
        );
        let env = env_of(&[("CONFIGURATION_DIRECTORY", "/etc/rp-a")]);
        assert_eq!(
            Paths::resolve(None, None, &env).config_candidates,
            paths(&["/etc/rp-a/readpoint.toml"])
        );
    }

    #[test]
    fn the_first_existing_candidate_is_in_effect() {
        let env = env_of(&[("HOME", "/home/kiosk")]);
        let resolved = Paths::resolve(None, None, &env);
        // Only the system file exists: staff editing /etc/readpoint/readpoint.toml are heard.
        let selected = resolved
            .clone()
            .select_config_file(&|p| p == Path::new(SYSTEM_CONFIG_FILE));
        assert_eq!(selected.config_file, PathBuf::from(SYSTEM_CONFIG_FILE));
        // The user's file wins over the system one.
        let selected = resolved.clone().select_config_file(&|p| {
            p == Path::new(SYSTEM_CONFIG_FILE)
                || p == Path::new("/home/kiosk/.config/readpoint/readpoint.toml")
        });
        assert_eq!(
            selected.config_file,
            PathBuf::from("/home/kiosk/.config/readpoint/readpoint.toml")
        );
        // None exists: the first candidate (where a new file should go).
        let selected = resolved.select_config_file(&|_| false);
        assert_eq!(
            selected.config_file,
            PathBuf::from("/home/kiosk/.config/readpoint/readpoint.toml")
        );
    }

    #[test]
    fn system_install_by_flag_variable() {
        let env = env_of(&[("READPOINT_SYSTEM", "1"), ("HOME", "/root")]);
        assert_eq!(InstallMode::detect(&env), InstallMode::System);
        let paths = Paths::resolve(None, None, &env);
        assert_eq!(
            paths.config_file,
            PathBuf::from("/etc/readpoint/readpoint.toml")
        );
        assert_eq!(paths.data_dir, PathBuf::from("/var/lib/readpoint"));
        // Any other value is not "system".
        let env = env_of(&[("READPOINT_SYSTEM", "0"), ("HOME", "/root")]);
        assert_eq!(InstallMode::detect(&env), InstallMode::User);
    }

    #[test]
    fn system_install_under_systemd_uses_first_entries() {
        let env = env_of(&[
            ("HOME", "/root"),
            ("STATE_DIRECTORY", "/var/lib/readpoint-a:/var/lib/other"),
            ("CONFIGURATION_DIRECTORY", "/etc/readpoint-a"),
        ]);
        assert_eq!(InstallMode::detect(&env), InstallMode::System);
        let paths = Paths::resolve(None, None, &env);
        assert_eq!(
            paths.config_file,
            PathBuf::from("/etc/readpoint-a/readpoint.toml")
        );
        assert_eq!(paths.data_dir, PathBuf::from("/var/lib/readpoint-a"));

        // Only StateDirectory= in the unit: config stays in /etc/readpoint.
        let env = env_of(&[("STATE_DIRECTORY", "/var/lib/rp")]);
        let paths = Paths::resolve(None, None, &env);
        assert_eq!(paths.config_file, PathBuf::from(SYSTEM_CONFIG_FILE));
        assert_eq!(paths.data_dir, PathBuf::from("/var/lib/rp"));
    }

    #[test]
    fn precedence_flag_then_config_then_default() {
        let env = env_of(&[("HOME", "/home/kiosk")]);
        let mut config = Config::default();
        config.cache.data_dir = Some(PathBuf::from("/srv/readpoint"));

        // Flags win over everything.
        let paths = Paths::resolve(
            Some(Path::new("/tmp/test.toml")),
            Some(Path::new("/mnt/usb/readpoint")),
            &env,
        )
        .with_config(&config, Some(Path::new("/mnt/usb/readpoint")));
        assert_eq!(paths.config_file, PathBuf::from("/tmp/test.toml"));
        assert_eq!(paths.data_dir, PathBuf::from("/mnt/usb/readpoint"));
        assert_eq!(paths.data_dir_source, DataDirSource::CommandLine);

        // The flag given only to with_config still wins over the config key.
        let paths = Paths::resolve(None, None, &env)
            .with_config(&config, Some(Path::new("/mnt/usb/readpoint")));
        assert_eq!(paths.data_dir, PathBuf::from("/mnt/usb/readpoint"));
        assert_eq!(paths.data_dir_source, DataDirSource::CommandLine);

        // The config key wins over the environment default.
        let paths = Paths::resolve(None, None, &env).with_config(&config, None);
        assert_eq!(paths.data_dir, PathBuf::from("/srv/readpoint"));
        assert_eq!(paths.data_dir_source, DataDirSource::ConfigFile);

        // No key: the default stays.
        let paths = Paths::resolve(None, None, &env).with_config(&Config::default(), None);
        assert_eq!(
            paths.data_dir,
            PathBuf::from("/home/kiosk/.local/share/readpoint")
        );
        assert_eq!(paths.data_dir_source, DataDirSource::Default);
    }

    #[test]
    fn root_is_refused_over_another_users_data_folder() {
        let paths = Paths::resolve(None, Some(Path::new("/var/lib/readpoint")), &|_| None);
        let readpoint = Some((998, Some("readpoint")));
        let message = paths
            .refuse_foreign_data_dir(0, readpoint)
            .expect("root over readpoint's folder");
        for part in [
            "the data folder /var/lib/readpoint belongs to the user readpoint (uid 998)",
            "fix: run the command as the folder's owner",
            "sudo -u readpoint readpoint",
        ] {
            assert!(message.contains(part), "{part}: {message}");
        }
        let message = paths
            .refuse_foreign_data_dir(0, Some((4321, None)))
            .unwrap_or_default();
        assert!(message.contains("belongs to uid 4321") && message.contains("sudo -u #4321"));
        // Root over its own folder, anyone else, or a folder not made yet: go on.
        assert_eq!(
            paths.refuse_foreign_data_dir(0, Some((0, Some("root")))),
            None
        );
        assert_eq!(paths.refuse_foreign_data_dir(998, readpoint), None);
        assert_eq!(paths.refuse_foreign_data_dir(1000, readpoint), None);
        assert_eq!(paths.refuse_foreign_data_dir(0, None), None);
    }
}
