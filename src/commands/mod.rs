//! Dispatch of the command line: one file per subcommand. Commands print to stdout (results)
//! and stderr (errors, logs) and map every failure to an exit code; the library modules below
//! never print.
//!
//! Exit codes: 0 success; 1 error (usage, bad configuration, bad input file, cache failure, a
//! query with nothing to search for, no display for the kiosk); for `sync`, 2 the feed was
//! rejected and 3 a transient failure after retries (see [`CommandError::exit_code`]).

mod config_check;
mod config_set_pin;
mod feed;
mod import;
mod print;
mod run_kiosk;
mod screenshot;
mod search;
mod show;
mod stats;
mod status;
mod sync;

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::{Cli, Command, ConfigCommand};
use crate::config::{self, Config, ConfigErrors, Paths};
use crate::import::ImportError;
use crate::store::{CACHE_FILE, Store, StoreError};

/// The paths from the command line and the process environment, with `config_file` set to the
/// configuration file in effect: the `--config` file, else the first candidate that exists
/// (else the first candidate, and defaults apply).
fn resolve_paths(cli: &Cli) -> Paths {
    Paths::from_process_env(cli.config.as_deref(), cli.data_dir.as_deref())
        .select_config_file(&|path| path.exists())
}

/// A command's failure, printed by [`main`] as `error: …`.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The configuration file is invalid.
    #[error("{0}")]
    Config(#[from] ConfigErrors),
    /// The cache failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A content file was not imported.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The sync failed (the cache keeps its content).
    #[error("sync failed ({}, {}): {}", .0.class.as_str(), .0.check, .0)]
    Sync(#[from] crate::sync::SyncError),
    /// Anything else, already phrased for the user.
    #[error("{0}")]
    Other(String),
}

impl CommandError {
    /// The process exit code: 2 for a rejected feed, 3 for a transient sync failure, else 1.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CommandError::Sync(e) => match e.class {
                crate::sync::ErrorClass::Transient => ExitCode::from(3),
                crate::sync::ErrorClass::Permanent => ExitCode::from(2),
                crate::sync::ErrorClass::Local => ExitCode::FAILURE,
            },
            _ => ExitCode::FAILURE,
        }
    }
}

/// What every command starts from: resolved paths and the validated configuration.
pub struct Context {
    /// Where the configuration and the cache live.
    pub paths: Paths,
    /// The configuration (defaults when the file does not exist).
    pub config: Config,
    /// Set for the kiosk and `status` when the file is invalid: they run on (and report) the
    /// last configuration that loaded, or the defaults ([`config::last_good`]).
    pub config_fallback: Option<config::last_good::Fallback>,
    /// Where the kiosk keeps the last configuration that loaded: the data folder before
    /// `cache.data_dir` applies (`--data-dir`, else the system or user default).
    pub last_good_dir: PathBuf,
}

impl Context {
    /// Resolves paths from the command line, the configuration file and the environment.
    /// No configuration file at all means defaults; an invalid one is an error, and so is a
    /// `--config` file that does not exist.
    pub fn load(cli: &Cli) -> Result<Context, CommandError> {
        let paths = resolve_paths(cli);
        if paths.config_explicit && !paths.config_file.exists() {
            return Err(CommandError::Other(format!(
                "the configuration file {} does not exist — fix: check the path, or copy \
                 kiosk-config/readpoint.toml there",
                paths.config_file.display()
            )));
        }
        let config = config::load_or_default(&paths.config_file)?;
        let last_good_dir = paths.data_dir.clone();
        let paths = paths.with_config(&config, cli.data_dir.as_deref());
        refuse_root_over_foreign_data_dir(&paths)?;
        Ok(Context {
            paths,
            config,
            config_fallback: None,
            last_good_dir,
        })
    }

    /// Like [`Context::load`], but an invalid file gives the last configuration that loaded
    /// (kept in the data folder the environment or `--data-dir` names), or the defaults, with
    /// [`Context::config_fallback`] set: the kiosk must not stop (and be restarted every few
    /// seconds in front of a blank screen) because of an edit.
    pub fn load_or_last_good(cli: &Cli) -> Result<Context, CommandError> {
        let paths = resolve_paths(cli);
        if paths.config_explicit && !paths.config_file.exists() {
            return Self::load(cli);
        }
        let last_good_dir = paths.data_dir.clone();
        let loaded = config::last_good::load_or_last_good(&paths.config_file, &last_good_dir);
        let paths = paths.with_config(&loaded.config, cli.data_dir.as_deref());
        refuse_root_over_foreign_data_dir(&paths)?;
        Ok(Context {
            paths,
            config: loaded.config,
            config_fallback: loaded.fallback,
            last_good_dir,
        })
    }

    /// The cache file.
    pub fn cache_path(&self) -> PathBuf {
        self.paths.data_dir.join(CACHE_FILE)
    }

    /// Opens the cache, recovering from an unusable file, and fills an empty cache with the
    /// bundled sample content so a new kiosk never starts blank.
    pub fn open_store(&self) -> Result<Store, CommandError> {
        let (mut store, report) = Store::open_or_recover(&self.cache_path())?;
        if let Some(moved) = &report.moved_aside {
            eprintln!(
                "warning: the cache was unusable ({}); it was moved to {} and rebuilt",
                report.reason.as_deref().unwrap_or("unknown reason"),
                moved.display()
            );
        }
        if store.is_empty()? {
            let summary = crate::import::load_bundled(&mut store)?;
            tracing::info!(
                documents = summary.added,
                "empty cache filled with the bundled content"
            );
        }
        Ok(store)
    }
}

/// Root must not work in a data folder another user owns (see
/// [`Paths::refuse_foreign_data_dir`]): checked before logging or the cache create anything.
fn refuse_root_over_foreign_data_dir(paths: &Paths) -> Result<(), CommandError> {
    use std::os::unix::fs::MetadataExt;
    let owner = std::fs::metadata(&paths.data_dir)
        .ok()
        .map(|meta| (meta.uid(), user_name(meta.uid())));
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    let owner = owner.as_ref().map(|(uid, name)| (*uid, name.as_deref()));
    match paths.refuse_foreign_data_dir(euid, owner) {
        Some(message) => Err(CommandError::Other(message)),
        None => Ok(()),
    }
}

/// The name of user `uid`, if the system knows it.
fn user_name(uid: u32) -> Option<String> {
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: passwd is plain data (integers and pointers), for which all zeroes is valid.
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is to a live, writable value of the right type, and the buffer's
    // length is passed with it; getpwuid_r writes only within them.
    let status = unsafe {
        libc::getpwuid_r(
            uid,
            &mut entry,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        )
    };
    if status != 0 || found.is_null() || entry.pw_name.is_null() {
        return None;
    }
    // SAFETY: on success pw_name points to a NUL-terminated string inside `buffer`, alive here.
    let name = unsafe { std::ffi::CStr::from_ptr(entry.pw_name) };
    Some(name.to_string_lossy().into_owned())
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    // Before any thread: a long-running kiosk must not keep freed memory (see there).
    crate::kiosk::keep_returning_freed_memory();
    // Usage errors exit 1 (2 is "feed rejected").
    let cli: Cli = match crate::cli::parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    // The configuration is loaded before logging starts, so the kiosk and the sync log at
    // their configured level and to their configured files; staff commands stay quiet unless
    // asked with -v.
    // The kiosk and `status` (which reports on it) fall back to the last configuration that
    // loaded when the file is invalid; every other command refuses to run on it.
    let context = match &cli.command {
        None | Some(Command::Status(_)) => Context::load_or_last_good(&cli),
        Some(_) => Context::load(&cli),
    };
    let _log_guard = init_logging(&cli, context.as_ref().ok());
    if let Ok(context) = &context
        && !context.config.display.time_zone.is_known()
    {
        tracing::warn!(
            time_zone = context.config.display.time_zone.name(),
            "this system's time-zone database does not know display.time_zone: dates, days and \
             the screen schedule use UTC+8 (install tzdata)"
        );
    }
    let result = match &cli.command {
        // Checking must work even when the configuration in use is broken.
        Some(Command::Config(ConfigCommand::Check { file })) => {
            config_check::run(&cli, file.as_deref())
        }
        Some(Command::Config(ConfigCommand::SetPin { file, stdin })) => {
            config_set_pin::run(&cli, file.as_deref(), *stdin)
        }
        Some(Command::Config(ConfigCommand::Example)) => {
            print!("{}", config::example_file());
            Ok(ExitCode::SUCCESS)
        }
        // Publishing happens on the portal: no kiosk configuration or cache involved.
        Some(Command::Feed(command)) => feed::run(command),
        None => context.and_then(|c| run_kiosk::run(&c, cli.windowed)),
        Some(Command::Screenshot(args)) => context.and_then(|c| screenshot::run(&c, args)),
        Some(Command::Search(args)) => context.and_then(|c| search::run(&c, args)),
        Some(Command::Show(args)) => context.and_then(|c| show::run(&c, args)),
        Some(Command::Print(args)) => context.and_then(|c| print::run(&c, args)),
        Some(Command::Import(args)) => context.and_then(|c| import::run(&c, args)),
        Some(Command::Status(args)) => context.and_then(|c| status::run(&c, args)),
        Some(Command::Sync(args)) => context.and_then(|c| sync::run(&c, args)),
        Some(Command::Stats(args)) => context.and_then(|c| stats::run(&c, args)),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            err.exit_code()
        }
    }
}

/// Starts logging (see [`crate::logging`]). Filter: `RUST_LOG` if set, else `-v` counts, else
/// the configured level (kiosk and sync), else warnings and errors.
fn init_logging(cli: &Cli, context: Option<&Context>) -> crate::logging::LogGuard {
    use crate::logging::{self, ProcessKind};
    let kind = match &cli.command {
        None => ProcessKind::Kiosk,
        Some(Command::Sync(args)) if args.once => ProcessKind::SyncOnce,
        Some(Command::Sync(_)) => ProcessKind::SyncLoop,
        Some(_) => ProcessKind::Staff,
    };
    let output = match context {
        Some(context) => logging::choose_output(
            kind,
            logging::stderr_is_journal(),
            cli.verbose,
            &context.paths.data_dir,
            Some(&context.config.log),
        ),
        None => logging::Output::Stderr,
    };
    // The configured level applies to the journal and the files, not to a shell's stderr.
    let configured = match (&output, context) {
        (logging::Output::Stderr, _) | (_, None) => None,
        (_, Some(context)) => Some(context.config.log.level.as_str()),
    };
    let default = match (cli.verbose, configured) {
        (0, Some(level)) => level,
        (0, None) => "warn",
        (1, _) => "info",
        (2, _) => "debug",
        _ => "trace",
    };
    logging::init(&output, default)
}
