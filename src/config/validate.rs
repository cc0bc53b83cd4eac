//! Raw → validated: checks every value of a [`RawConfig`], fills in defaults and collects every
//! problem (with position, key and fix) instead of stopping at the first.
//!
//! Owns: allowed ranges, cross-key rules (a feed needs an id and keys; reading idle ≥ idle;
//! countdown < idle; not every day off), the quoting of echoed values (via `values::quote`) and
//! the wording of those errors. Must never: do I/O (beyond jiff's time-zone lookup), or touch the
//! network or the database.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use super::error::{ConfigError, ConfigErrors, error_at};
use super::keys::{
    Durations, Key, Sizes, Whole, admin, cache, display, kiosk, log, print, stats, sync,
};
use super::raw::{
    RawAdmin, RawCache, RawConfig, RawDisplay, RawKiosk, RawLog, RawPrint, RawStats, RawSync,
};
use super::values::{
    BYTE_UNIT_LIST, ByteSizeError, DurationError, check_url, format_byte_size, format_duration,
    parse_byte_size, parse_day_ranges, parse_duration, quote,
};
use super::{
    AdminConfig, CacheConfig, Config, DEFAULT_AGENCY_NAME, DisplayConfig, FeedConfig, KioskConfig,
    Language, LogConfig, LogLevel, PrintConfig, Schedule, StatsConfig, SyncConfig, TimeZone,
};
use crate::feed::MinisignPublicKey;

/// Most characters in a free-text value.
const MAX_TEXT_CHARS: usize = 200;
/// Most keys in `sync.trusted_keys`.
const MAX_TRUSTED_KEYS: usize = 4;

/// Validates `raw`; `text` and `file` are only used to locate errors.
pub(crate) fn validate(raw: RawConfig, text: &str, file: &Path) -> Result<Config, ConfigErrors> {
    let mut checker = Checker {
        text,
        file,
        errors: Vec::new(),
    };
    let config = Config {
        kiosk: checker.kiosk(raw.kiosk),
        display: checker.display(raw.display),
        sync: checker.sync(raw.sync),
        cache: checker.cache(raw.cache),
        admin: checker.admin(raw.admin),
        stats: checker.stats(raw.stats),
        print: checker.print(raw.print),
        log: checker.log(raw.log),
    };
    match ConfigErrors::new(checker.errors) {
        Some(errors) => Err(errors),
        None => Ok(config),
    }
}

struct Checker<'a> {
    text: &'a str,
    file: &'a Path,
    errors: Vec<ConfigError>,
}

type Text = Option<Spanned<String>>;

impl Checker<'_> {
    fn report(
        &mut self,
        span: Range<usize>,
        key: &str,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) {
        let error = error_at(self.text, self.file, Some(span), key, message, fix);
        self.errors.push(error);
    }

    // ---- sections -------------------------------------------------------------------------

    fn kiosk(&mut self, raw: RawKiosk) -> KioskConfig {
        let defaults = KioskConfig::default();
        let terminal_id = match raw.terminal_id {
            Some(value) => self.terminal_id(value),
            None => defaults.terminal_id,
        };
        let location = self
            .text_value(&kiosk::LOCATION.dotted(), raw.location)
            .unwrap_or(defaults.location);
        let agency_name = match raw.agency_name {
            Some(value) if value.get_ref().trim().is_empty() => {
                self.report(
                    value.span(),
                    &kiosk::AGENCY_NAME.dotted(),
                    "the agency name is empty",
                    format!(
                        "write the agency's name, or delete the line to use the default \
                         \"{DEFAULT_AGENCY_NAME}\""
                    ),
                );
                defaults.agency_name
            }
            value => self
                .text_value(&kiosk::AGENCY_NAME.dotted(), value)
                .unwrap_or(defaults.agency_name),
        };
        let portal_url = self.url(
            &kiosk::PORTAL_URL.dotted(),
            raw.portal_url,
            "https://www.leshan.gov.cn/",
        );
        let staff_desk = self
            .text_value(&kiosk::STAFF_DESK.dotted(), raw.staff_desk)
            .filter(|s| !s.trim().is_empty());
        let language = match raw.language {
            None => defaults.language,
            Some(value) => Language::from_tag(value.get_ref()).unwrap_or_else(|| {
                self.report(
                    value.span(),
                    &kiosk::LANGUAGE.dotted(),
                    format!("{} is not a supported language", quote(value.get_ref())),
                    "write \"zh-Hans\" (简体中文), \"zh-Hant\" (繁體中文) or \"en\" (English)",
                );
                defaults.language
            }),
        };
        KioskConfig {
            terminal_id,
            location,
            agency_name,
            portal_url,
            staff_desk,
            language,
        }
    }

    fn display(&mut self, raw: RawDisplay) -> DisplayConfig {
        let defaults = DisplayConfig::default();
        let idle_timeout = self.duration(&display::IDLE_TIMEOUT, raw.idle_timeout.as_ref());
        let reading_span = raw.reading_idle_timeout.as_ref().map(Spanned::span);
        let reading_idle_timeout = self.duration(
            &display::READING_IDLE_TIMEOUT,
            raw.reading_idle_timeout.as_ref(),
        );
        // Cross-key rules only between values the staff member wrote validly: comparing with a
        // default that replaced an invalid value would report a second, misleading problem.
        let idle_ok = !self.has_error(&display::IDLE_TIMEOUT.dotted());
        if idle_ok
            && !self.has_error(&display::READING_IDLE_TIMEOUT.dotted())
            && reading_idle_timeout < idle_timeout
        {
            // Point at whichever of the two the staff member wrote (reading first).
            let span = reading_span
                .or_else(|| raw.idle_timeout.as_ref().map(Spanned::span))
                .unwrap_or(0..0);
            self.report(
                span,
                &display::READING_IDLE_TIMEOUT.dotted(),
                format!(
                    "reading_idle_timeout ({}) is shorter than idle_timeout ({})",
                    format_duration(reading_idle_timeout),
                    format_duration(idle_timeout)
                ),
                format!(
                    "make reading_idle_timeout at least \"{}\": people need more time to read \
                     a document than to pick one",
                    format_duration(idle_timeout)
                ),
            );
        }
        let idle_countdown = self.duration(&display::IDLE_COUNTDOWN, raw.idle_countdown.as_ref());
        if idle_ok
            && !self.has_error(&display::IDLE_COUNTDOWN.dotted())
            && idle_countdown >= idle_timeout
        {
            let span = raw
                .idle_countdown
                .as_ref()
                .or(raw.idle_timeout.as_ref())
                .map_or(0..0, Spanned::span);
            self.report(
                span,
                &display::IDLE_COUNTDOWN.dotted(),
                format!(
                    "idle_countdown ({}) is not shorter than idle_timeout ({})",
                    format_duration(idle_countdown),
                    format_duration(idle_timeout)
                ),
                format!(
                    "make idle_countdown shorter than idle_timeout (\"{}\"): the countdown is \
                     shown during the last part of the idle time",
                    format_duration(idle_timeout)
                ),
            );
        }
        let stale_after = self.duration(&display::STALE_AFTER, raw.stale_after.as_ref());
        let schedule = match raw.schedule {
            Some(schedule) => {
                let span = schedule.span();
                self.schedule(schedule.into_inner(), span)
            }
            None => defaults.schedule,
        };
        let time_zone = match raw.time_zone {
            Some(value) => self
                .time_zone(value)
                .map_or(defaults.time_zone, |name| TimeZone::named(&name)),
            None => defaults.time_zone,
        };
        DisplayConfig {
            idle_timeout,
            reading_idle_timeout,
            idle_countdown,
            stale_after,
            schedule,
            time_zone,
        }
    }

    fn sync(&mut self, raw: RawSync) -> SyncConfig {
        let defaults = SyncConfig::default();
        let feed_url_span = raw.feed_url.as_ref().map(Spanned::span);
        let feed_url = self.url(
            &sync::FEED_URL.dotted(),
            raw.feed_url,
            "https://portal.example.gov.cn/readpoint/feed",
        );
        let feed_id = match raw.feed_id {
            None => None,
            Some(value) => {
                let id = value.get_ref().trim();
                let valid = !id.is_empty()
                    && id.chars().count() <= 128
                    && !id.chars().any(|c| c.is_whitespace() || c.is_control());
                if valid {
                    Some(id.to_owned())
                } else {
                    self.report(
                        value.span(),
                        &sync::FEED_ID.dotted(),
                        format!("{} is not a feed id", quote(value.get_ref())),
                        "copy the feed id your portal publishes (the `feed_id` in its \
                         manifest.json): no spaces, at most 128 characters",
                    );
                    None
                }
            }
        };
        let trusted_keys_span = raw.trusted_keys.as_ref().map(Spanned::span);
        let trusted_keys = match raw.trusted_keys {
            None => Some(Vec::new()),
            Some(keys) => self.trusted_keys(keys),
        };
        // Cross-key rules: a feed needs its id and at least one key. Reported at feed_url.
        if let Some(span) = feed_url_span {
            if feed_id.is_none() && !self.has_error(&sync::FEED_ID.dotted()) {
                self.report(
                    span.clone(),
                    &sync::FEED_ID.dotted(),
                    "feed_url is set but feed_id is missing",
                    "set `sync.feed_id` to the feed id your portal publishes (the `feed_id` in \
                     its manifest.json)",
                );
            }
            if trusted_keys.as_ref().is_some_and(Vec::is_empty) {
                self.report(
                    trusted_keys_span.unwrap_or(span),
                    &sync::TRUSTED_KEYS.dotted(),
                    "feed_url is set but no trusted key is given, so no update could ever be \
                     accepted",
                    "add the portal's minisign public key: trusted_keys = [\"RW…\"] with the \
                     second line of the portal's .pub file",
                );
            }
        }
        let feed = match (feed_url, feed_id, trusted_keys) {
            (Some(url), Some(id), Some(trusted_keys)) if !trusted_keys.is_empty() => {
                Some(FeedConfig {
                    url,
                    id,
                    trusted_keys,
                })
            }
            _ => None,
        };
        SyncConfig {
            feed,
            interval: self.duration(&sync::INTERVAL, raw.interval.as_ref()),
            timeout: self.duration(&sync::TIMEOUT, raw.timeout.as_ref()),
            max_shard_size: self.byte_size(&sync::MAX_SHARD_SIZE, raw.max_shard_size.as_ref()),
            max_documents: self.integer(&sync::MAX_DOCUMENTS, raw.max_documents.as_ref()),
            attachment_budget: self
                .byte_size(&sync::ATTACHMENT_BUDGET, raw.attachment_budget.as_ref()),
            disk_reserve: self.byte_size(&sync::DISK_RESERVE, raw.disk_reserve.as_ref()),
            redirect_hosts: raw
                .redirect_hosts
                .map_or_else(Vec::new, |hosts| self.redirect_hosts(hosts)),
            in_kiosk: raw
                .in_kiosk
                .map_or(defaults.in_kiosk, |flag| *flag.get_ref()),
        }
    }

    fn redirect_hosts(&mut self, hosts: Spanned<Vec<Spanned<String>>>) -> Vec<String> {
        let mut valid = Vec::new();
        for host in hosts.into_inner() {
            let name = host.get_ref().trim().to_ascii_lowercase();
            let ok = !name.is_empty()
                && name.len() <= 253
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
                && !name.starts_with(['.', '-']);
            if ok {
                valid.push(name);
            } else {
                self.report(
                    host.span(),
                    &sync::REDIRECT_HOSTS.dotted(),
                    format!("{} is not a host name", quote(host.get_ref())),
                    "write just the host name the portal redirects to, e.g. \"cdn.example.gov.cn\" \
                     (no https://, no path)",
                );
            }
        }
        valid
    }

    fn cache(&mut self, raw: RawCache) -> CacheConfig {
        let Some(value) = raw.data_dir else {
            return CacheConfig::default();
        };
        let text = value.get_ref();
        let problem = if text.trim().is_empty() {
            Some("the folder path is empty")
        } else if text.starts_with('~') {
            Some("`~` is not expanded here")
        } else if !Path::new(text).is_absolute() {
            Some("the folder path is not a full path")
        } else if text.chars().any(char::is_control) {
            Some("the folder path contains a control character")
        } else {
            None
        };
        match problem {
            Some(problem) => {
                self.report(
                    value.span(),
                    &cache::DATA_DIR.dotted(),
                    format!("{}: {problem}", quote(text)),
                    "write a full path starting with /, e.g. data_dir = \"/var/lib/readpoint\", \
                     or delete the line to use the default folder",
                );
                CacheConfig::default()
            }
            None => CacheConfig {
                data_dir: Some(PathBuf::from(text)),
            },
        }
    }

    fn admin(&mut self, raw: RawAdmin) -> AdminConfig {
        let pin_hash = raw.pin_hash.and_then(|value| {
            let hash = value.get_ref().trim();
            match crate::staff::pin::check_hash(hash) {
                Ok(()) => Some(hash.to_owned()),
                Err(reason) => {
                    let message = if hash.bytes().all(|b| b.is_ascii_digit()) && !hash.is_empty() {
                        "this looks like the PIN itself; only its argon2id hash may be stored here"
                            .to_owned()
                    } else {
                        format!("the PIN hash {reason}")
                    };
                    self.report(
                        value.span(),
                        &admin::PIN_HASH.dotted(),
                        message,
                        "run `sudo READPOINT_SYSTEM=1 readpoint config set-pin FILE` (it asks for \
                         the PIN and writes this line), or make an \
                         argon2id hash with m ≥ 19456 and t ≥ 2 on a computer with the argon2 \
                         tool: echo -n 'YOUR-PIN' | argon2 'a-random-salt-16' -id -t 3 -m 16 -e \
                         — and paste the whole line starting with $argon2id$ (or delete the \
                         line: the staff screen is then disabled)",
                    );
                    None
                }
            }
        });
        AdminConfig {
            pin_hash,
            lockout_attempts: self.integer(&admin::LOCKOUT_ATTEMPTS, raw.lockout_attempts.as_ref()),
            lockout: self.duration(&admin::LOCKOUT, raw.lockout.as_ref()),
        }
    }

    fn stats(&mut self, raw: RawStats) -> StatsConfig {
        StatsConfig {
            retention_days: self.integer(&stats::RETENTION_DAYS, raw.retention_days.as_ref()),
            report_url: self.url(
                &stats::REPORT_URL.dotted(),
                raw.report_url,
                "https://portal.example.gov.cn/readpoint/heartbeat",
            ),
        }
    }

    fn print(&mut self, raw: RawPrint) -> PrintConfig {
        let defaults = PrintConfig::default();
        let printer = match raw.printer {
            None => defaults.printer.clone(),
            Some(value) => {
                let text = value.get_ref();
                if crate::print::ipp::http_url(text).is_some() {
                    text.clone()
                } else {
                    self.report(
                        value.span(),
                        &print::PRINTER.dotted(),
                        format!("{} is not a printer's IPP address", quote(text)),
                        "write the CUPS queue as printer = \"ipp://localhost:631/printers/<name>\" \
                         (lpstat -v lists the names), or an IPP Everywhere printer's \
                         ipp://<address>/ipp/print",
                    );
                    defaults.printer.clone()
                }
            }
        };
        let font = match raw.font {
            None => None,
            Some(value) => {
                let text = value.get_ref();
                if Path::new(text).is_absolute() && !text.chars().any(char::is_control) {
                    Some(PathBuf::from(text))
                } else {
                    self.report(
                        value.span(),
                        &print::FONT.dotted(),
                        format!("{} is not a full path to a font file", quote(text)),
                        "write a full path, e.g. font = \"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc\", \
                         or delete the line to use the system's Chinese font",
                    );
                    None
                }
            }
        };
        let max_pages_per_job =
            self.integer(&print::MAX_PAGES_PER_JOB, raw.max_pages_per_job.as_ref());
        let max_pages_per_day =
            self.integer(&print::MAX_PAGES_PER_DAY, raw.max_pages_per_day.as_ref());
        PrintConfig {
            enabled: raw.enabled.map_or(defaults.enabled, |flag| *flag.get_ref()),
            printer,
            max_pages_per_job,
            max_pages_per_day,
            hold_jobs: raw
                .hold_jobs
                .map_or(defaults.hold_jobs, |flag| *flag.get_ref()),
            font,
        }
    }

    fn log(&mut self, raw: RawLog) -> LogConfig {
        let defaults = LogConfig::default();
        let level = match raw.level {
            None => defaults.level,
            Some(value) => LogLevel::from_name(value.get_ref()).unwrap_or_else(|| {
                self.report(
                    value.span(),
                    &log::LEVEL.dotted(),
                    format!("{} is not a log level", quote(value.get_ref())),
                    "write one of \"error\", \"warn\", \"info\", \"debug\", \"trace\" \
                     (\"info\" is normal; \"debug\" when troubleshooting)",
                );
                defaults.level
            }),
        };
        LogConfig {
            level,
            max_size: self.byte_size(&log::MAX_SIZE, raw.max_size.as_ref()),
            max_files: self.integer(&log::MAX_FILES, raw.max_files.as_ref()),
        }
    }

    // ---- single values --------------------------------------------------------------------

    fn has_error(&self, key: &str) -> bool {
        self.errors.iter().any(|e| e.key == key)
    }

    fn duration(&mut self, key: &Key<Durations>, value: Option<&Spanned<String>>) -> Duration {
        let Durations { default, min, max } = key.value;
        let form = Measure {
            noun: "duration",
            below: "too short",
            above: "too long",
            format: format_duration,
            parse: |text| {
                parse_duration(text).map_err(|e| (e.to_string(), e == DurationError::Overflow))
            },
            syntax_fix: |_| {
                "write whole numbers with units d, h, m or s, largest first, no spaces, e.g. \
                 \"15m\", \"1h30m\", \"90s\""
                    .to_owned()
            },
        };
        self.measure(&key.dotted(), value, [default, min, max], &form)
    }

    fn byte_size(&mut self, key: &Key<Sizes>, value: Option<&Spanned<String>>) -> u64 {
        let Sizes { default, min, max } = key.value;
        let form = Measure {
            noun: "size",
            below: "too small",
            above: "too large",
            format: format_byte_size,
            parse: |text| {
                parse_byte_size(text).map_err(|e| (e.to_string(), e == ByteSizeError::Overflow))
            },
            syntax_fix: |default| {
                format!(
                    "write a whole number directly followed by a unit ({BYTE_UNIT_LIST}), e.g. \
                     \"{}\"",
                    format_byte_size(default)
                )
            },
        };
        self.measure(&key.dotted(), value, [default, min, max], &form)
    }

    /// A duration or size: parsed by `form`, kept within `min..=max`; anything else is reported
    /// and gives `default`.
    fn measure<T: PartialOrd + Copy>(
        &mut self,
        key: &str,
        value: Option<&Spanned<String>>,
        [default, min, max]: [T; 3],
        form: &Measure<T>,
    ) -> T {
        let Some(value) = value else {
            return default;
        };
        let text = value.get_ref();
        let shown = quote(text);
        let format = form.format;
        let range_fix = format!(
            "use a {} from \"{}\" to \"{}\" (the default is \"{}\")",
            form.noun,
            format(min),
            format(max),
            format(default)
        );
        let (message, fix) = match (form.parse)(text) {
            Err((error, overflow)) => (
                format!("{shown} is not a {}: {error}", form.noun),
                if overflow {
                    range_fix
                } else {
                    (form.syntax_fix)(default)
                },
            ),
            Ok(parsed) if parsed < min => (
                format!("{shown} is {} (at least \"{}\")", form.below, format(min)),
                range_fix,
            ),
            Ok(parsed) if parsed > max => (
                format!("{shown} is {} (at most \"{}\")", form.above, format(max)),
                range_fix,
            ),
            Ok(parsed) => return parsed,
        };
        self.report(value.span(), key, message, fix);
        default
    }

    fn integer<T>(&mut self, key: &Key<Whole<T>>, value: Option<&Spanned<i64>>) -> T
    where
        T: TryFrom<i64> + Copy + std::fmt::Display,
    {
        let Whole { default, min, max } = key.value;
        let Some(value) = value else {
            return default;
        };
        let allowed = min..=max;
        let key = &key.dotted();
        let number = *value.get_ref();
        if allowed.contains(&number)
            && let Ok(converted) = T::try_from(number)
        {
            return converted;
        }
        self.report(
            value.span(),
            key,
            format!(
                "{number} is out of range ({} to {})",
                allowed.start(),
                allowed.end()
            ),
            format!(
                "use a whole number from {} to {} (the default is {default})",
                allowed.start(),
                allowed.end()
            ),
        );
        default
    }

    /// Free text: no control characters (tabs allowed), at most [`MAX_TEXT_CHARS`].
    fn text_value(&mut self, key: &str, value: Text) -> Option<String> {
        let value = value?;
        let text = value.get_ref();
        if text.chars().any(|c| c.is_control() && c != '\t') {
            self.report(
                value.span(),
                key,
                "the text contains a line break or control character",
                "write it on one line between double quotes",
            );
            return None;
        }
        let count = text.chars().count();
        if count > MAX_TEXT_CHARS {
            self.report(
                value.span(),
                key,
                format!("the text is {count} characters long (at most {MAX_TEXT_CHARS})"),
                "shorten it: it has to fit on the screen",
            );
            return None;
        }
        Some(text.clone())
    }

    fn url(&mut self, key: &str, value: Text, example: &str) -> Option<String> {
        let value = value?;
        let text = value.get_ref();
        match check_url(text) {
            Ok(()) => Some(text.clone()),
            Err(reason) => {
                self.report(
                    value.span(),
                    key,
                    format!("{} is not a web address: it {reason}", quote(text)),
                    format!(
                        "write the full address starting with http:// or https://, e.g. \
                         \"{example}\" (or delete the line)"
                    ),
                );
                None
            }
        }
    }

    fn terminal_id(&mut self, value: Spanned<String>) -> String {
        let text = value.get_ref();
        let bad = text
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')));
        let problem = match bad {
            Some(c) if c.is_whitespace() => Some("contains a space".to_owned()),
            Some(c) => Some(format!("contains {}", quote(&c.to_string()))),
            None if text.chars().count() > 64 => Some("is longer than 64 characters".to_owned()),
            None => None,
        };
        match problem {
            Some(problem) => {
                self.report(
                    value.span(),
                    &kiosk::TERMINAL_ID.dotted(),
                    format!("{} {problem}", quote(text)),
                    "use at most 64 letters A–Z, digits, dots, dashes and underscores, e.g. \
                     \"ls-zwzx-hall-01\" (put the Chinese place name in `location`)",
                );
                String::new()
            }
            None => text.clone(),
        }
    }

    fn schedule(&mut self, raw: super::raw::RawSchedule, span: Range<usize>) -> Schedule {
        let mut schedule = Schedule::always_on();
        let mut days_off = 0;
        for (index, (day, value)) in raw.days().into_iter().enumerate() {
            let Some(value) = value else {
                continue;
            };
            match parse_day_ranges(value.get_ref()) {
                Ok(ranges) => {
                    days_off += usize::from(ranges.is_empty());
                    schedule.set(index, ranges);
                }
                Err(reason) => self.report(
                    value.span(),
                    &format!("display.schedule.{day}"),
                    // A reason names the faulty range; name the whole value when it has several.
                    if value.get_ref().contains(',') {
                        format!("{}: {reason}", quote(value.get_ref()))
                    } else {
                        reason
                    },
                    "write \"off\" or times like \"07:30-18:00\" (several separated by commas, \
                     in order, each ending the same day, latest end \"24:00\"), e.g. \
                     \"08:00-12:00,13:30-17:30\"",
                ),
            }
        }
        if days_off == 7 {
            self.report(
                span,
                &display::SCHEDULE.dotted(),
                "every day is \"off\", so the screen would never turn on",
                "give the opening hours of at least one day, e.g. mon = \"08:00-17:30\", or \
                 delete the `schedule` line to keep the screen on all the time",
            );
            return Schedule::always_on();
        }
        schedule
    }

    fn time_zone(&mut self, value: Spanned<String>) -> Option<String> {
        let name = value.get_ref();
        let syntax_ok = !name.is_empty()
            && name.len() <= 64
            && !name.starts_with('/')
            && !name
                .split('/')
                .any(|part| part.is_empty() || part == "." || part == "..")
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'));
        let database = jiff::tz::db();
        let known = syntax_ok && (database.is_definitively_empty() || database.get(name).is_ok());
        if known && let Some(offset) = etc_gmt_offset(name) {
            // POSIX inverts the sign of these names: Etc/GMT+8 is eight hours *behind* UTC.
            let (sign, hours) = if offset < 0 {
                ('−', -offset)
            } else {
                ('+', offset)
            };
            self.report(
                value.span(),
                &display::TIME_ZONE.dotted(),
                format!(
                    "{} is UTC{sign}{hours}, not what it seems: the sign of \"Etc/GMT\" names \
                     is inverted (Etc/GMT+8 is 8 hours behind UTC, Etc/GMT-8 is 8 hours ahead)",
                    quote(name)
                ),
                "write a place name instead: \"Asia/Shanghai\" for mainland China (UTC+8), or \
                 delete the line to use \"Asia/Shanghai\"",
            );
            return None;
        }
        if known {
            Some(name.clone())
        } else {
            self.report(
                value.span(),
                &display::TIME_ZONE.dotted(),
                format!("{} is not a known time zone", quote(name)),
                "write an IANA time-zone name such as \"Asia/Shanghai\" (mainland China) or \
                 \"Asia/Hong_Kong\", or delete the line to use \"Asia/Shanghai\"",
            );
            None
        }
    }

    fn trusted_keys(
        &mut self,
        keys: Spanned<Vec<Spanned<String>>>,
    ) -> Option<Vec<MinisignPublicKey>> {
        let span = keys.span();
        let keys = keys.into_inner();
        let mut parsed = Vec::new();
        let mut ok = true;
        if keys.len() > MAX_TRUSTED_KEYS {
            self.report(
                span,
                &sync::TRUSTED_KEYS.dotted(),
                format!(
                    "{} keys are listed (at most {MAX_TRUSTED_KEYS})",
                    keys.len()
                ),
                "keep only the portal's current key and the next one it will switch to",
            );
            ok = false;
        }
        for (index, key) in keys.iter().enumerate() {
            match MinisignPublicKey::parse(key.get_ref()) {
                Ok(public) if parsed.contains(&public) => {
                    self.report(
                        key.span(),
                        &sync::TRUSTED_KEYS.dotted(),
                        format!("key {} is listed twice", index + 1),
                        "remove the duplicate",
                    );
                    ok = false;
                }
                Ok(public) => parsed.push(public),
                Err(reason) => {
                    self.report(
                        key.span(),
                        &sync::TRUSTED_KEYS.dotted(),
                        format!("key {}: {} {reason}", index + 1, quote(key.get_ref())),
                        "paste the second line of the portal's minisign .pub file: 56 characters \
                         starting with \"RW\"",
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(parsed)
    }
}

/// How one kind of measure (a duration, a size) is read and named in messages.
struct Measure<T> {
    /// "duration", "size".
    noun: &'static str,
    /// "too short", "too small".
    below: &'static str,
    /// "too long", "too large".
    above: &'static str,
    /// Writes a value the way the file does.
    format: fn(T) -> String,
    /// Reads one; an error says why, and whether the number was merely too large to hold.
    parse: fn(&str) -> Result<T, (String, bool)>,
    /// The fix for text that is not this kind of value at all (given the default).
    syntax_fix: fn(T) -> String,
}

/// The UTC offset in hours of an `Etc/GMT±N` zone name (any case, with or without `Etc/`),
/// with the sign as people read it (`Etc/GMT+8` → −8); `None` for other names and for ±0.
fn etc_gmt_offset(name: &str) -> Option<i32> {
    let lower = name.to_ascii_lowercase();
    let rest = lower.strip_prefix("etc/").unwrap_or(&lower);
    let rest = rest.strip_prefix("gmt")?;
    let (sign, digits) = match rest.split_at_checked(1)? {
        ("+", digits) => (-1, digits),
        ("-", digits) => (1, digits),
        _ => return None,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits.parse().ok()?;
    (hours != 0).then_some(sign * hours)
}
