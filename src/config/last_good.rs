//! The last configuration that loaded: a kiosk whose file was broken by an edit starts on the
//! copy it saved the last time the file was valid, instead of exiting and being restarted by
//! systemd every few seconds in front of a blank screen.
//!
//! Owns: the copy (`readpoint.toml.last-good` in the data folder the environment names, before
//! `cache.data_dir` applies, so it is found whatever the broken file says), writing it
//! atomically with mode 0640 (it holds the staff PIN's hash), and choosing what a kiosk runs
//! on ([`load_or_last_good`]): the file when it is valid, else the copy, else the defaults,
//! with a [`Fallback`] saying which and why. Must never: be used by `config check` or the other
//! staff commands (they refuse an invalid file), write anything but the copy, or save a text
//! that does not parse.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Config, ConfigErrors, load_or_default, parse};

/// The copy's file name in the data folder.
pub const LAST_GOOD_FILE: &str = "readpoint.toml.last-good";

/// What the kiosk runs on instead of an invalid configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Using {
    /// The copy saved when the file last loaded.
    LastGood {
        /// The copy.
        file: PathBuf,
        /// When it was saved (its modification time), if known.
        saved_at: Option<jiff::Timestamp>,
    },
    /// No usable copy: every setting at its default (no staff PIN, no feed).
    Defaults,
}

/// The configuration file is invalid (or unreadable), and the kiosk runs on something else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fallback {
    /// The file staff edit.
    pub file: PathBuf,
    /// What is wrong with it, every problem with its fix.
    pub errors: ConfigErrors,
    /// What the kiosk runs on instead.
    pub using: Using,
}

impl Fallback {
    /// One paragraph for logs and `readpoint status`: the file, what runs instead, the fix,
    /// then every error on its own line.
    pub fn message(&self) -> String {
        let file = self.file.display();
        let instead = match &self.using {
            Using::LastGood { file, saved_at } => format!(
                "the kiosk runs on the last configuration that loaded ({}, saved {})",
                file.display(),
                saved_at.map_or_else(
                    || "at an unknown time".to_owned(),
                    |t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
                )
            ),
            Using::Defaults => "no earlier configuration loaded on this terminal, so the kiosk \
                                runs on the defaults (no staff PIN, no sync)"
                .to_owned(),
        };
        format!(
            "the configuration file {file} is invalid; {instead} — fix: correct the file \
             (`readpoint config check {file}` lists every error), then tap 重新载入配置 on the \
             staff screen or run `systemctl restart readpoint`:\n{}",
            self.errors
        )
    }
}

/// A configuration chosen for the kiosk.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// What to run on.
    pub config: Config,
    /// Set when the file was invalid: what runs instead, and why.
    pub fallback: Option<Fallback>,
}

/// The configuration for a kiosk (and `readpoint status`, which reports on it): `file` when
/// it is valid or missing (defaults), else the copy in `state_dir` when it parses, else the
/// defaults. Reads only; the kiosk saves the copy with [`remember`].
pub fn load_or_last_good(file: &Path, state_dir: &Path) -> Loaded {
    let errors = match load_or_default(file) {
        Ok(config) => {
            return Loaded {
                config,
                fallback: None,
            };
        }
        Err(errors) => errors,
    };
    let copy = state_dir.join(LAST_GOOD_FILE);
    let (config, using) = match std::fs::read_to_string(&copy) {
        Ok(text) => match parse(&text, &copy) {
            Ok(config) => {
                let saved_at = std::fs::metadata(&copy)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| jiff::Timestamp::try_from(t).ok());
                (
                    config,
                    Using::LastGood {
                        file: copy,
                        saved_at,
                    },
                )
            }
            // Saved by an older release whose rules changed since: not usable.
            Err(copy_errors) => {
                tracing::warn!(file = %copy.display(), "the last good configuration no longer loads:\n{copy_errors}");
                (Config::default(), Using::Defaults)
            }
        },
        Err(_) => (Config::default(), Using::Defaults),
    };
    Loaded {
        config,
        fallback: Some(Fallback {
            file: file.to_path_buf(),
            errors,
            using,
        }),
    }
}

/// After the kiosk started on a valid `file`: saves its text as the copy in `state_dir`
/// (created if missing), unless the copy already holds the same text. The text is parsed again
/// first, so an edit made meanwhile that broke the file is never saved. Returns whether it
/// wrote.
pub fn remember(file: &Path, state_dir: &Path) -> Result<bool, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|err| format!("cannot read {}: {err}", file.display()))?;
    if let Err(errors) = parse(&text, file) {
        return Err(format!(
            "{} changed since the kiosk loaded it and is not saved as the last good \
             configuration:\n{errors}",
            file.display()
        ));
    }
    let copy = state_dir.join(LAST_GOOD_FILE);
    if std::fs::read(&copy).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(false);
    }
    write_private(&copy, text.as_bytes()).map_err(|err| {
        format!(
            "cannot save the last good configuration as {}: {err} — fix: let the kiosk's user \
             write its data folder {}",
            copy.display(),
            state_dir.display()
        )
    })?;
    Ok(true)
}

/// Writes `bytes` to `path` through a temporary file in the same folder (mode 0640, flushed to
/// disk, then renamed over `path`), so a power cut leaves the old copy or the new one.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("the copy's path has no folder"))?;
    std::fs::create_dir_all(dir)?;
    let temporary = dir.join(format!(".{LAST_GOOD_FILE}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o640)
            .open(&temporary)?;
        // A leftover temporary file keeps its old mode: set it whatever the umask was.
        file.set_permissions(std::fs::Permissions::from_mode(0o640))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    const GOOD: &str = "[kiosk]\nterminal_id = \"hall-01\"\n";
    const BAD: &str = "[kiosk]\nterminal_id = \"hall 01!\"\n";

    #[test]
    fn a_valid_file_is_used_and_remembered_once_with_mode_0640() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("readpoint.toml");
        let state = dir.path().join("state");
        std::fs::write(&file, GOOD).expect("write");
        let loaded = load_or_last_good(&file, &state);
        assert_eq!(loaded.config.kiosk.terminal_id, "hall-01");
        assert_eq!(loaded.fallback, None);
        assert_eq!(remember(&file, &state), Ok(true));
        let copy = state.join(LAST_GOOD_FILE);
        assert_eq!(std::fs::read_to_string(&copy).expect("copy"), GOOD);
        let mode = std::fs::metadata(&copy).expect("copy").permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(
            remember(&file, &state),
            Ok(false),
            "the same text is not written again"
        );
        assert_eq!(
            std::fs::read_dir(&state).expect("state").count(),
            1,
            "no temporary file is left"
        );
    }

    #[test]
    fn an_invalid_file_falls_back_to_the_copy_with_the_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("readpoint.toml");
        std::fs::write(&file, GOOD).expect("write");
        remember(&file, dir.path()).expect("remembered");
        std::fs::write(&file, BAD).expect("break it");

        let loaded = load_or_last_good(&file, dir.path());
        assert_eq!(
            loaded.config.kiosk.terminal_id, "hall-01",
            "the copy's settings"
        );
        let fallback = loaded.fallback.expect("a fallback");
        assert_eq!(fallback.file, file);
        assert!(matches!(
            &fallback.using,
            Using::LastGood { file, saved_at: Some(_) } if *file == dir.path().join(LAST_GOOD_FILE)
        ));
        let message = fallback.message();
        assert!(message.contains("kiosk.terminal_id"), "{message}");
        assert!(message.contains(&file.display().to_string()), "{message}");
        assert!(message.contains("fix: correct the file"), "{message}");
        assert!(
            message.contains("last configuration that loaded"),
            "{message}"
        );

        // A broken file is never saved over the copy.
        assert!(remember(&file, dir.path()).is_err());
        assert_eq!(
            std::fs::read_to_string(dir.path().join(LAST_GOOD_FILE)).expect("copy"),
            GOOD
        );
    }

    #[test]
    fn without_a_usable_copy_an_invalid_file_falls_back_to_the_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("readpoint.toml");
        std::fs::write(&file, BAD).expect("write");
        let loaded = load_or_last_good(&file, dir.path());
        assert_eq!(loaded.config, Config::default());
        let fallback = loaded.fallback.expect("a fallback");
        assert_eq!(fallback.using, Using::Defaults);
        assert!(fallback.message().contains("defaults"));

        // A copy that no longer parses is no better.
        std::fs::write(dir.path().join(LAST_GOOD_FILE), "[nonsense").expect("write");
        let loaded = load_or_last_good(&file, dir.path());
        assert_eq!(loaded.fallback.map(|f| f.using), Some(Using::Defaults));
    }

    #[test]
    fn no_file_at_all_is_the_defaults_without_a_warning() {
        let dir = tempfile::tempdir().expect("tempdir");
        let loaded = load_or_last_good(&dir.path().join("missing.toml"), dir.path());
        assert_eq!(loaded.config, Config::default());
        assert_eq!(loaded.fallback, None);
    }
}
