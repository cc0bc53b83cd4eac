//! Staff configuration: `readpoint.toml`, the one file a reading point's staff edit.
//!
//! Owns: the file's keys, their defaults and allowed values, turning the text into a validated
//! [`Config`] (or every problem at once, as [`ConfigErrors`] with file:line:column, dotted key
//! and a fix in plain words), and where the config file and the data folder live ([`Paths`]).
//!
//! Must never: touch the network or the database, or change any file but the kiosk's copy of
//! the last configuration that loaded ([`last_good`]). [`parse`] never does I/O of its own (the
//! only outside lookup is jiff's time-zone database, to check `time_zone`); [`load`] only reads
//! the one file it is given.
//!
//! Every key is declared once, in `keys` (name, kind, default, bounds, comment): the defaults
//! below, the ranges `validate` enforces, the forms type errors ask for and the commented
//! example file ([`example_file`], shipped as `kiosk-config/readpoint.toml`) come from there.
//!
//! Flow: text → `raw` (serde, unknown keys and wrong types rejected, positions kept) →
//! `validate` (values, ranges and cross-key rules, all errors collected) → [`Config`] with plain
//! types and every default filled in; `display.time_zone` is looked up once, here. An empty file, or none at all, gives [`Config::default`]:
//! a kiosk must start on its bundled content with no configuration.

pub mod edit;
mod error;
pub(crate) mod keys;
pub mod last_good;
mod paths;
mod raw;
mod validate;
pub(crate) mod values;

#[cfg(test)]
mod example_tests;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use error::{ConfigError, ConfigErrors};
pub use paths::{DataDirSource, InstallMode, Paths};
pub use values::{
    ByteSizeError, DurationError, TimeRange, format_byte_size, format_duration, parse_byte_size,
    parse_duration,
};

/// The validated configuration, every default filled in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// `[kiosk]`: who and where this terminal is.
    pub kiosk: KioskConfig,
    /// `[display]`: idle behaviour, staleness warning, screen schedule.
    pub display: DisplayConfig,
    /// `[sync]`: the signed feed from the central portal.
    pub sync: SyncConfig,
    /// `[cache]`: where the offline cache lives.
    pub cache: CacheConfig,
    /// `[admin]`: the staff screen.
    pub admin: AdminConfig,
    /// `[stats]`: usage statistics.
    pub stats: StatsConfig,
    /// `[print]`
    pub print: PrintConfig,
    /// `[log]`: log files.
    pub log: LogConfig,
}

/// Default `kiosk.agency_name`.
pub const DEFAULT_AGENCY_NAME: &str = keys::kiosk::AGENCY_NAME.value.default;

/// Default `display.time_zone`.
pub const DEFAULT_TIME_ZONE: &str = keys::display::TIME_ZONE.value.default;

/// `[kiosk]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskConfig {
    /// Terminal name for logs, statistics and heartbeats; `[A-Za-z0-9._-]`, at most 64
    /// characters; empty means unnamed (see [`KioskConfig::terminal_name`]).
    pub terminal_id: String,
    /// Where the terminal stands, free text; empty when not set.
    pub location: String,
    /// The agency shown in the header.
    pub agency_name: String,
    /// The portal's public address, for QR codes.
    pub portal_url: Option<String>,
    /// Where staff can be found, shown with 呼叫工作人员.
    pub staff_desk: Option<String>,
    /// Interface language.
    pub language: Language,
}

impl KioskConfig {
    /// `terminal_id`, or `"unnamed"` when it is empty.
    pub fn terminal_name(&self) -> &str {
        if self.terminal_id.is_empty() {
            "unnamed"
        } else {
            &self.terminal_id
        }
    }
}

impl Default for KioskConfig {
    fn default() -> Self {
        Self {
            terminal_id: String::new(),
            location: String::new(),
            agency_name: DEFAULT_AGENCY_NAME.to_owned(),
            portal_url: None,
            staff_desk: None,
            language: Language::default(),
        }
    }
}

/// Interface language (`kiosk.language`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    /// `"zh-Hans"`: Simplified Chinese (简体中文).
    #[default]
    ZhHans,
    /// `"zh-Hant"`: Traditional Chinese (繁體中文).
    ZhHant,
    /// `"en"`: English.
    En,
}

impl Language {
    /// All languages, in the order they are offered.
    pub const ALL: [Language; 3] = [Language::ZhHans, Language::ZhHant, Language::En];

    /// The BCP 47 tag as written in the file: `"zh-Hans"`, `"zh-Hant"` or `"en"`.
    pub fn tag(self) -> &'static str {
        match self {
            Language::ZhHans => "zh-Hans",
            Language::ZhHant => "zh-Hant",
            Language::En => "en",
        }
    }

    /// Looks a tag up, ignoring ASCII case (`"zh-hans"` is accepted).
    pub fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(tag))
    }
}

/// `[display]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayConfig {
    /// No touch for this long on a list or search screen → back to the home screen.
    pub idle_timeout: Duration,
    /// The same while a document is open (people read slowly); never shorter than
    /// `idle_timeout`.
    pub reading_idle_timeout: Duration,
    /// How long the "returning to the home screen" countdown is shown.
    pub idle_countdown: Duration,
    /// Content whose last successful sync is older than this shows a warning.
    pub stale_after: Duration,
    /// When the screen is on.
    pub schedule: Schedule,
    /// The time zone the schedule and the statistics' days are read in.
    pub time_zone: TimeZone,
}

impl Default for DisplayConfig {
    fn default() -> Self {
        use keys::display;
        Self {
            idle_timeout: display::IDLE_TIMEOUT.value.default,
            reading_idle_timeout: display::READING_IDLE_TIMEOUT.value.default,
            idle_countdown: display::IDLE_COUNTDOWN.value.default,
            stale_after: display::STALE_AFTER.value.default,
            schedule: Schedule::always_on(),
            time_zone: TimeZone::named(DEFAULT_TIME_ZONE),
        }
    }
}

/// `display.time_zone`: the IANA name as written, and the zone it names, looked up once when
/// the configuration is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZone {
    name: String,
    zone: jiff::tz::TimeZone,
    known: bool,
}

impl TimeZone {
    /// The zone `name` names in the system's time-zone database. A name the database does not
    /// know (no tzdata installed: `config check` could not check it) is read as UTC+8, mainland
    /// China's offset, and [`TimeZone::is_known`] says so.
    pub fn named(name: &str) -> Self {
        let found = jiff::tz::TimeZone::get(name).ok();
        Self {
            name: name.to_owned(),
            known: found.is_some(),
            zone: found.unwrap_or_else(|| jiff::tz::TimeZone::fixed(jiff::tz::offset(8))),
        }
    }

    /// A zone not from the database (tests, tools): `name` is only for display.
    pub fn fixed(name: &str, zone: jiff::tz::TimeZone) -> Self {
        Self {
            name: name.to_owned(),
            zone,
            known: true,
        }
    }

    /// The name as written in the configuration.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone to read instants in.
    pub fn zone(&self) -> &jiff::tz::TimeZone {
        &self.zone
    }

    /// Whether the system's database knew the name (else the zone is UTC+8).
    pub fn is_known(&self) -> bool {
        self.known
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        Self::named(DEFAULT_TIME_ZONE)
    }
}

/// A weekly display schedule: for each weekday, the time ranges the screen is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Index 0 is Monday.
    days: [Vec<TimeRange>; 7],
}

impl Schedule {
    /// On all day, every day (the default).
    pub fn always_on() -> Self {
        Self {
            days: std::array::from_fn(|_| vec![TimeRange::ALL_DAY]),
        }
    }

    /// Whether the screen is on all day every day.
    pub fn is_always_on(&self) -> bool {
        *self == Self::always_on()
    }

    /// The ranges for one weekday, in order, not overlapping; empty when the day is off.
    pub fn ranges(&self, day: jiff::civil::Weekday) -> &[TimeRange] {
        &self.days[Self::index(day)]
    }

    /// Whether the screen should be on at `time` on `day`.
    pub fn is_on(&self, day: jiff::civil::Weekday, time: jiff::civil::Time) -> bool {
        let minute =
            u16::from(time.hour().unsigned_abs()) * 60 + u16::from(time.minute().unsigned_abs());
        self.ranges(day).iter().any(|r| r.contains(minute))
    }

    /// Whether the screen should be on at the instant `at`, read on the wall clock of `zone`:
    /// "08:00" means 08:00 local time on either side of a daylight-saving change, and an hour
    /// that a change skips or repeats is judged like any other time of that day.
    pub fn is_on_at(&self, zone: &jiff::tz::TimeZone, at: jiff::Timestamp) -> bool {
        let local = zone.to_datetime(at);
        self.is_on(local.weekday(), local.time())
    }

    /// The first whole minute after `at`, up to `horizon` later, when [`Schedule::is_on_at`]
    /// changes (`None`: no change that soon; on all day every day never changes). Minutes are
    /// stepped on the real time line, so a daylight-saving change moves the instant, never the
    /// wall-clock time.
    pub fn next_change(
        &self,
        zone: &jiff::tz::TimeZone,
        at: jiff::Timestamp,
        horizon: std::time::Duration,
    ) -> Option<jiff::Timestamp> {
        let minutes = i64::try_from(horizon.as_secs() / 60).unwrap_or(i64::MAX);
        let now = self.is_on_at(zone, at);
        let first = at.as_second().div_euclid(60) + 1;
        (first..first.saturating_add(minutes))
            .filter_map(|minute| jiff::Timestamp::from_second(minute * 60).ok())
            .find(|t| self.is_on_at(zone, *t) != now)
    }

    fn index(day: jiff::civil::Weekday) -> usize {
        usize::from(day.to_monday_zero_offset().unsigned_abs())
    }

    fn set(&mut self, index: usize, ranges: Vec<TimeRange>) {
        if let Some(slot) = self.days.get_mut(index) {
            *slot = ranges;
        }
    }
}

impl Default for Schedule {
    fn default() -> Self {
        Self::always_on()
    }
}

/// `[sync]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncConfig {
    /// The portal feed; `None` when `feed_url` is not set: the kiosk then runs on its cache and
    /// bundled content and never syncs.
    pub feed: Option<FeedConfig>,
    /// Time between sync attempts.
    pub interval: Duration,
    /// Network timeout for one request.
    pub timeout: Duration,
    /// Largest shard file accepted, in bytes.
    pub max_shard_size: u64,
    /// Most documents accepted from a feed.
    pub max_documents: u64,
    /// Disk space for cached attachments, in bytes.
    pub attachment_budget: u64,
    /// Free disk a download must leave in the data folder's file system, in bytes.
    pub disk_reserve: u64,
    /// Hosts other than the feed's own that the portal may redirect to (lower case).
    pub redirect_hosts: Vec<String>,
    /// Whether the kiosk process syncs on its schedule (`true`), or only watches the cache
    /// for content that `readpoint-sync.timer`'s `readpoint sync --once` commits (`false`).
    pub in_kiosk: bool,
}

impl Default for SyncConfig {
    fn default() -> Self {
        use keys::sync;
        Self {
            feed: None,
            interval: sync::INTERVAL.value.default,
            timeout: sync::TIMEOUT.value.default,
            max_shard_size: sync::MAX_SHARD_SIZE.value.default,
            max_documents: sync::MAX_DOCUMENTS.value.default,
            attachment_budget: sync::ATTACHMENT_BUDGET.value.default,
            disk_reserve: sync::DISK_RESERVE.value.default,
            redirect_hosts: Vec::new(),
            in_kiosk: sync::IN_KIOSK.value.default,
        }
    }
}

/// A configured portal feed (all three keys present and valid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedConfig {
    /// `sync.feed_url`.
    pub url: String,
    /// `sync.feed_id`: must match the `feed_id` in the portal's manifest.
    pub id: String,
    /// `sync.trusted_keys`: 1 to 4 keys; a feed is accepted only if signed by one of them.
    pub trusted_keys: Vec<crate::feed::MinisignPublicKey>,
}

/// `[cache]`
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CacheConfig {
    /// Data folder (absolute); `None` → the environment's default (see [`Paths`]).
    pub data_dir: Option<PathBuf>,
}

/// `[admin]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminConfig {
    /// argon2id PHC hash of the staff PIN; `None` disables the staff screen.
    pub pin_hash: Option<String>,
    /// Wrong PINs in a row before the staff screen locks.
    pub lockout_attempts: u32,
    /// How long it then stays locked.
    pub lockout: Duration,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self {
            pin_hash: None,
            lockout_attempts: keys::admin::LOCKOUT_ATTEMPTS.value.default,
            lockout: keys::admin::LOCKOUT.value.default,
        }
    }
}

/// `[stats]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsConfig {
    /// Days usage statistics are kept.
    pub retention_days: u32,
    /// Fleet heartbeat address; `None` sends nothing.
    pub report_url: Option<String>,
}

impl Default for StatsConfig {
    fn default() -> Self {
        Self {
            retention_days: keys::stats::RETENTION_DAYS.value.default,
            report_url: None,
        }
    }
}

/// `[print]`: free printing on the terminal's printer (CUPS or IPP Everywhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintConfig {
    /// Whether visitors may print.
    pub enabled: bool,
    /// The printer's IPP address.
    pub printer: String,
    /// Most pages in one job.
    pub max_pages_per_job: u32,
    /// Most pages a day (kiosk local day).
    pub max_pages_per_day: u32,
    /// Jobs wait for staff release on the staff screen.
    pub hold_jobs: bool,
    /// The font file prints are set in; `None`: the system's Chinese sans-serif.
    pub font: Option<PathBuf>,
}

impl Default for PrintConfig {
    fn default() -> Self {
        use keys::print;
        Self {
            enabled: print::ENABLED.value.default,
            printer: print::PRINTER.value.default.to_owned(),
            max_pages_per_job: print::MAX_PAGES_PER_JOB.value.default,
            max_pages_per_day: print::MAX_PAGES_PER_DAY.value.default,
            hold_jobs: print::HOLD_JOBS.value.default,
            font: None,
        }
    }
}

/// `[log]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogConfig {
    /// Least severe level written.
    pub level: LogLevel,
    /// Size at which a log file is rotated, in bytes.
    pub max_size: u64,
    /// Rotated log files kept.
    pub max_files: u32,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: LogLevel::default(),
            max_size: keys::log::MAX_SIZE.value.default,
            max_files: keys::log::MAX_FILES.value.default,
        }
    }
}

/// `log.level`
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum LogLevel {
    /// Only errors.
    Error,
    /// Errors and warnings.
    Warn,
    /// Normal operation (default).
    #[default]
    Info,
    /// Troubleshooting detail.
    Debug,
    /// Everything.
    Trace,
}

impl LogLevel {
    /// All levels, least verbose first.
    pub const ALL: [LogLevel; 5] = [
        LogLevel::Error,
        LogLevel::Warn,
        LogLevel::Info,
        LogLevel::Debug,
        LogLevel::Trace,
    ];

    /// The name as written in the file (and understood by `tracing`'s filters).
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }

    /// Looks a name up, ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(name))
    }
}

/// The commented example configuration, generated from the key table: every key with what it
/// does, its default and allowed values. `kiosk-config/readpoint.toml` is this text.
pub fn example_file() -> String {
    keys::commented_file()
}

/// Parses and validates the text of a configuration file. Pure: no I/O; `origin` is only used
/// in messages.
///
/// A TOML syntax error, an unknown key or a value of the wrong type stops parsing and is
/// reported alone; otherwise every invalid value is reported at once.
pub fn parse(text: &str, origin: &Path) -> Result<Config, ConfigErrors> {
    let raw: raw::RawConfig = toml::from_str(text)
        .map_err(|e| ConfigErrors::from(error::from_toml_error(&e, text, origin)))?;
    validate::validate(raw, text, origin)
}

/// Reads and parses a configuration file. A file that cannot be read (missing, not allowed,
/// not UTF-8) is one error naming the path, the system's reason and the fix.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| read_error(path, &e))?;
    parse(&text, path)
}

/// Like [`load`], but a file that does not exist gives [`Config::default`]: for the default
/// location, where having no file at all is normal. Use [`load`] for a path the user named.
pub fn load_or_default(path: &Path) -> Result<Config, ConfigErrors> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text, path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(read_error(path, &e)),
    }
}

fn read_error(path: &Path, error: &std::io::Error) -> ConfigErrors {
    use std::io::ErrorKind;
    let shown = path.display();
    let fix = match error.kind() {
        ErrorKind::NotFound => format!(
            "check the path, or create {shown} by copying the example readpoint.toml \
             (or run without it: every setting has a default)"
        ),
        // Not world-readable: the file holds the PIN hash. The service runs as `readpoint`.
        ErrorKind::PermissionDenied => format!(
            "let the kiosk's group read it and nobody else (it holds the PIN hash): \
             `sudo chown root:readpoint {shown} && sudo chmod 640 {shown}`"
        ),
        ErrorKind::InvalidData => {
            "save the file as UTF-8 text (in Notepad: Save As → Encoding: UTF-8)".to_owned()
        }
        ErrorKind::IsADirectory => format!("{shown} is a folder: give the path of the file itself"),
        _ => "check that the path is right and the disk is working".to_owned(),
    };
    let message = if error.kind() == ErrorKind::InvalidData {
        "cannot read the configuration file: it is not UTF-8 text".to_owned()
    } else {
        format!("cannot read the configuration file: {error}")
    };
    ConfigErrors::from(ConfigError {
        file: path.to_path_buf(),
        line: 0,
        column: 0,
        key: String::new(),
        message,
        fix,
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod read_error_tests {
    use super::*;

    #[test]
    fn a_permission_problem_is_fixed_without_exposing_the_pin_hash() {
        let path = Path::new("/etc/readpoint/readpoint.toml");
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let errors = read_error(path, &denied);
        let fix = &errors.errors()[0].fix;
        assert!(
            fix.contains(
                "sudo chown root:readpoint /etc/readpoint/readpoint.toml && sudo chmod 640 \
                 /etc/readpoint/readpoint.toml"
            ),
            "{fix}"
        );
        assert!(!fix.contains("644"), "never world-readable: {fix}");
    }
}
