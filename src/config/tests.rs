//! Unit tests of `config::parse` and `config::load`: defaults, every kind of error with its
//! exact position, key and fix, and reading files.
//!
//! Owns: behaviour of the public parsing API. Must never: depend on the machine's own config.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::civil::{Time, Weekday};

use super::*;

fn origin() -> &'static Path {
    Path::new("readpoint.toml")
}

/// Parses `text`, expecting failure; returns the errors.
fn errors(text: &str) -> Vec<ConfigError> {
    match parse(text, origin()) {
        Ok(config) => panic!("expected errors, got {config:?}"),
        Err(errors) => errors.into_iter().collect(),
    }
}

/// Parses `text`, expecting exactly one error.
fn one_error(text: &str) -> ConfigError {
    let mut all = errors(text);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.remove(0)
}

/// Parses `text`, expecting success.
fn ok(text: &str) -> Config {
    match parse(text, origin()) {
        Ok(config) => config,
        Err(errors) => panic!("unexpected errors:\n{errors}"),
    }
}

fn position(error: &ConfigError) -> (usize, usize) {
    (error.line, error.column)
}

// ---- defaults ------------------------------------------------------------------------------

#[test]
fn empty_file_gives_defaults() {
    assert_eq!(ok(""), Config::default());
    assert_eq!(ok("# only a comment\n\n"), Config::default());
    assert_eq!(
        ok("[kiosk]\n[display]\n[sync]\n[cache]\n[admin]\n[stats]\n[log]\n"),
        Config::default()
    );
}

#[test]
fn default_values_are_the_documented_ones() {
    let config = Config::default();
    assert_eq!(config.kiosk.terminal_name(), "unnamed");
    assert_eq!(config.kiosk.agency_name, "乐山市人民政府政务服务中心");
    assert_eq!(config.kiosk.language, Language::ZhHans);
    assert_eq!(config.display.idle_timeout, Duration::from_secs(120));
    assert_eq!(
        config.display.reading_idle_timeout,
        Duration::from_secs(300)
    );
    assert_eq!(config.display.idle_countdown, Duration::from_secs(20));
    assert_eq!(config.display.stale_after, Duration::from_secs(7 * 86_400));
    assert!(config.display.schedule.is_always_on());
    assert_eq!(config.display.time_zone.name(), "Asia/Shanghai");
    assert_eq!(config.sync.feed, None);
    assert_eq!(config.sync.interval, Duration::from_secs(900));
    assert_eq!(config.sync.timeout, Duration::from_secs(30));
    assert_eq!(config.sync.max_shard_size, 64 * 1024 * 1024);
    assert_eq!(config.sync.max_documents, 500_000);
    assert_eq!(config.sync.attachment_budget, 2 * 1024 * 1024 * 1024);
    assert!(config.sync.in_kiosk);
    assert_eq!(config.cache.data_dir, None);
    assert_eq!(config.admin.pin_hash, None);
    assert_eq!(config.admin.lockout_attempts, 5);
    assert_eq!(config.admin.lockout, Duration::from_secs(300));
    assert_eq!(config.stats.retention_days, 400);
    assert_eq!(config.stats.report_url, None);
    assert_eq!(config.log.level, LogLevel::Info);
    assert_eq!(config.log.max_size, 10 * 1024 * 1024);
    assert_eq!(config.log.max_files, 5);
}

#[test]
fn all_values_are_read() {
    let config = ok(r#"
[kiosk]
terminal_id = "ls-zwzx-hall-01"
location = "乐山市政务服务中心一楼大厅"
agency_name = "乐山市市中区政务服务中心"
portal_url = "https://www.leshan.gov.cn/"
staff_desk = "一楼综合服务窗口"
language = "zh-hant"

[display]
idle_timeout = "1m30s"
reading_idle_timeout = "10m"
idle_countdown = "15s"
stale_after = "2d"
schedule = { mon = "08:00-12:00,13:30-17:30", sun = "off" }
time_zone = "UTC"

[sync]
interval = "1h"
timeout = "45s"
max_shard_size = "128MiB"
max_documents = 1000
attachment_budget = "500MB"
in_kiosk = false

[cache]
data_dir = "/srv/readpoint"

[admin]
lockout_attempts = 3
lockout = "15m"

[stats]
retention_days = 30
report_url = "http://10.1.2.3:8080/heartbeat"

[log]
level = "DEBUG"
max_size = "1MiB"
max_files = 10
"#);
    assert_eq!(config.kiosk.terminal_name(), "ls-zwzx-hall-01");
    assert_eq!(config.kiosk.agency_name, "乐山市市中区政务服务中心");
    assert_eq!(
        config.kiosk.portal_url.as_deref(),
        Some("https://www.leshan.gov.cn/")
    );
    assert_eq!(config.kiosk.staff_desk.as_deref(), Some("一楼综合服务窗口"));
    assert_eq!(config.kiosk.language, Language::ZhHant);
    assert_eq!(config.display.idle_timeout, Duration::from_secs(90));
    assert_eq!(
        config.display.reading_idle_timeout,
        Duration::from_secs(600)
    );
    assert_eq!(config.display.idle_countdown, Duration::from_secs(15));
    assert_eq!(config.display.stale_after, Duration::from_secs(2 * 86_400));
    assert_eq!(config.display.time_zone.name(), "UTC");
    assert_eq!(config.sync.interval, Duration::from_secs(3600));
    assert_eq!(config.sync.timeout, Duration::from_secs(45));
    assert_eq!(config.sync.max_shard_size, 128 << 20);
    assert_eq!(config.sync.max_documents, 1000);
    assert_eq!(config.sync.attachment_budget, 500_000_000);
    assert!(!config.sync.in_kiosk);
    assert_eq!(config.cache.data_dir, Some(PathBuf::from("/srv/readpoint")));
    assert_eq!(config.admin.lockout_attempts, 3);
    assert_eq!(config.admin.lockout, Duration::from_secs(900));
    assert_eq!(config.stats.retention_days, 30);
    assert_eq!(
        config.stats.report_url.as_deref(),
        Some("http://10.1.2.3:8080/heartbeat")
    );
    assert_eq!(config.log.level, LogLevel::Debug);
    assert_eq!(config.log.max_size, 1 << 20);
    assert_eq!(config.log.max_files, 10);
}

// ---- the schedule --------------------------------------------------------------------------

#[test]
fn schedule_is_applied_per_day() {
    let config = ok(r#"[display]
schedule = { mon = "08:00-12:00, 13:30-17:30", sat = "09:00-12:00", sun = "off" }
"#);
    let schedule = &config.display.schedule;
    let at = |h, m| Time::new(h, m, 0, 0).unwrap_or(Time::midnight());
    assert!(schedule.is_on(Weekday::Monday, at(8, 0)));
    assert!(schedule.is_on(Weekday::Monday, at(11, 59)));
    assert!(!schedule.is_on(Weekday::Monday, at(12, 0)));
    assert!(!schedule.is_on(Weekday::Monday, at(7, 59)));
    assert!(schedule.is_on(Weekday::Monday, at(17, 29)));
    assert!(!schedule.is_on(Weekday::Monday, at(17, 30)));
    assert!(!schedule.is_on(Weekday::Sunday, at(10, 0)));
    assert!(schedule.ranges(Weekday::Sunday).is_empty());
    assert!(schedule.is_on(Weekday::Saturday, at(9, 0)));
    // Days left out stay on all day.
    assert!(schedule.is_on(Weekday::Tuesday, at(0, 0)));
    assert!(schedule.is_on(Weekday::Tuesday, at(23, 59)));
    assert!(!schedule.is_always_on());
}

/// An instant given as local wall-clock time in `zone` (the earlier one when it is repeated).
fn local(zone: &jiff::tz::TimeZone, text: &str) -> jiff::Timestamp {
    let civil: jiff::civil::DateTime = text.parse().unwrap_or_default();
    zone.to_ambiguous_timestamp(civil)
        .compatible()
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// Far enough ahead for any weekly schedule.
const WEEK: Duration = Duration::from_secs(8 * 86_400);

/// Central European time with its daylight-saving rule, without the system's tz database.
fn berlin() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap_or(jiff::tz::TimeZone::UTC)
}

#[test]
fn schedule_follows_the_wall_clock_across_daylight_saving_changes() {
    let config = ok("[display]\nschedule = { sun = \"07:30-18:00\", mon = \"07:30-18:00\" }\n");
    let schedule = &config.display.schedule;
    let zone = berlin();
    // 2026-03-29 is the Sunday clocks go 02:00 → 03:00; 2026-10-25 the Sunday they go back.
    for day in ["2026-03-29", "2026-10-25"] {
        let on = |time: &str| schedule.is_on_at(&zone, local(&zone, &format!("{day}T{time}")));
        assert!(!on("02:30"), "{day}");
        assert!(!on("07:29"), "{day}");
        assert!(on("07:30"), "{day}");
        assert!(on("17:59"), "{day}");
        assert!(!on("18:00"), "{day}");
    }
    // The next change after the night before spring-forward is 07:30 local, 05:30 UTC.
    let night = local(&zone, "2026-03-29T01:00");
    let change = schedule.next_change(&zone, night, WEEK).expect("a change");
    assert_eq!(zone.to_datetime(change).to_string(), "2026-03-29T07:30:00");
    assert_eq!(change.to_string(), "2026-03-29T05:30:00Z");
    // In autumn the repeated hour makes that night 1 h longer; 07:30 is still 07:30.
    let night = local(&zone, "2026-10-25T01:00");
    let change = schedule.next_change(&zone, night, WEEK).expect("a change");
    assert_eq!(zone.to_datetime(change).to_string(), "2026-10-25T07:30:00");
    assert_eq!(change.to_string(), "2026-10-25T06:30:00Z");
    let close = schedule.next_change(&zone, change, WEEK).expect("a change");
    assert_eq!(zone.to_datetime(close).to_string(), "2026-10-25T18:00:00");
}

#[test]
fn schedule_changes_at_midnight_and_never_when_always_on() {
    let config = ok("[display]\nschedule = { fri = \"20:00-24:00\", sat = \"00:00-02:00\" }\n");
    let schedule = &config.display.schedule;
    let zone = jiff::tz::TimeZone::posix("CST-8").unwrap_or(jiff::tz::TimeZone::UTC);
    // 2026-12-04 is a Friday: on from 20:00 through midnight to Saturday 02:00.
    assert!(schedule.is_on_at(&zone, local(&zone, "2026-12-04T23:59")));
    assert!(schedule.is_on_at(&zone, local(&zone, "2026-12-05T00:00")));
    assert!(!schedule.is_on_at(&zone, local(&zone, "2026-12-05T02:00")));
    let change = schedule
        .next_change(&zone, local(&zone, "2026-12-04T23:00"), WEEK)
        .expect("a change");
    assert_eq!(zone.to_datetime(change).to_string(), "2026-12-05T02:00:00");
    // Saturday is off from 02:00; Sunday, left out, is on all day.
    let change = schedule.next_change(&zone, change, WEEK).expect("a change");
    assert_eq!(zone.to_datetime(change).to_string(), "2026-12-06T00:00:00");
    assert_eq!(
        Schedule::always_on().next_change(&zone, local(&zone, "2026-12-04T23:00"), WEEK),
        None
    );
}

#[test]
fn bad_time_range_is_reported_with_its_day() {
    let error = one_error("[display]\nschedule = { mon = \"18:00-07:30\" }\n");
    assert_eq!(error.key, "display.schedule.mon");
    assert_eq!(position(&error), (2, 20));
    assert!(
        error.message.contains("does not end later than it starts"),
        "{}",
        error.message
    );
    assert!(error.fix.contains("\"07:30-18:00\""), "{}", error.fix);

    let error = one_error("[display]\nschedule = { tue = \"25:00-26:00\" }\n");
    assert_eq!(error.key, "display.schedule.tue");
    assert!(
        error.message.contains("\"25:00\" is not a time"),
        "{}",
        error.message
    );
}

#[test]
fn schedule_errors_count_columns_in_characters() {
    let errors = errors("[display]\nschedule = { sat = \"九点\", mon = \"x\" }\n");
    let found: Vec<_> = errors
        .iter()
        .map(|e| (e.key.as_str(), e.line, e.column))
        .collect();
    assert_eq!(
        found,
        [
            ("display.schedule.mon", 2, 32),
            ("display.schedule.sat", 2, 20)
        ]
        .iter()
        .rev()
        .copied()
        .collect::<Vec<_>>()
    );
}

#[test]
fn unknown_weekday_is_an_unknown_key() {
    let error = one_error("[display]\nschedule = { monday = \"08:00-17:00\" }\n");
    assert_eq!(error.key, "display.schedule.monday");
    assert_eq!(position(&error), (2, 14));
    assert_eq!(error.message, "unknown key `monday`");
    assert!(
        error.fix.contains("`mon`") && error.fix.contains("`sun`"),
        "{}",
        error.fix
    );

    let error = one_error("[display]\nschedule = { thr = \"off\" }\n");
    assert!(
        error.fix.starts_with("did you mean `thu`?"),
        "{}",
        error.fix
    );
}

// ---- syntax, unknown keys, wrong types -------------------------------------------------------

#[test]
fn display_format_is_exact() {
    let error = one_error("[sync]\ninterval = \"15 minutes\"\n");
    assert_eq!(
        error.to_string(),
        "readpoint.toml:2:12: sync.interval: \"15 minutes\" is not a duration: \" minutes\" is \
         not a unit (use d, h, m or s) — fix: write whole numbers with units d, h, m or s, \
         largest first, no spaces, e.g. \"15m\", \"1h30m\", \"90s\""
    );
}

#[test]
fn unknown_key_suggests_the_closest() {
    let error = one_error("[display]\nidle_timout = \"60s\"\n");
    assert_eq!(position(&error), (2, 1));
    assert_eq!(error.key, "display.idle_timout");
    assert_eq!(error.message, "unknown key `idle_timout`");
    assert!(
        error.fix.starts_with("did you mean `idle_timeout`?"),
        "{}",
        error.fix
    );
    assert_eq!(
        error.to_string().lines().next().map(|l| l.starts_with("readpoint.toml:2:1: display.idle_timout: unknown key `idle_timout` — fix: did you mean `idle_timeout`?")),
        Some(true)
    );
}

#[test]
fn unknown_key_without_close_match_lists_the_known_ones() {
    let error = one_error("[log]\ncolour = \"red\"\n");
    assert_eq!(error.key, "log.colour");
    assert_eq!(
        error.fix,
        "remove it or use one of the known keys: `level`, `max_size`, `max_files`"
    );
}

#[test]
fn unknown_table_suggests_the_closest() {
    let error = one_error("[dispaly]\nidle_timeout = \"60s\"\n");
    assert_eq!(position(&error), (1, 2));
    assert_eq!(error.key, "dispaly");
    assert_eq!(error.message, "unknown table `dispaly`");
    assert!(
        error.fix.starts_with("did you mean `display`?"),
        "{}",
        error.fix
    );
}

#[test]
fn top_level_key_is_not_taken_for_a_table() {
    let error = one_error("foo = 1\n");
    assert_eq!(position(&error), (1, 1));
    assert_eq!(error.message, "unknown key `foo` outside any [table]");
    // "foo" is two edits from "log", but that is no typo: no suggestion.
    assert!(
        error.fix.starts_with("move it below the [table]"),
        "{}",
        error.fix
    );
}

#[test]
fn syntax_errors_have_exact_positions() {
    let error = one_error("[kiosk]\nlocation = 一楼大厅\n");
    assert_eq!(position(&error), (2, 12));
    assert_eq!(error.key, "kiosk.location");
    assert!(
        error.message.starts_with("this is not valid TOML"),
        "{}",
        error.message
    );
    assert!(error.fix.contains("double quotes"), "{}", error.fix);

    let error = one_error("[kiosk\nlocation = \"x\"\n");
    assert_eq!(position(&error), (1, 7));
    assert_eq!(error.key, "kiosk");

    let error = one_error("[kiosk]\nlocation = \"一楼\nterminal_id = \"a\"\n");
    assert_eq!(error.line, 2);
    assert_eq!(error.key, "kiosk.location");

    // The column counts characters, not bytes.
    let error = one_error("[kiosk]\nlocation = \"一楼\" x\n");
    assert_eq!(position(&error), (2, 17));
}

#[test]
fn duplicate_key_is_a_syntax_error() {
    let error = one_error("[log]\nmax_files = 3\nmax_files = 4\n");
    assert_eq!(position(&error), (3, 1));
    assert!(error.fix.contains("only once"), "{}", error.fix);
}

#[test]
fn wrong_type_names_the_key_and_the_expected_form() {
    let error = one_error("[display]\nidle_timeout = 120\n");
    assert_eq!(position(&error), (2, 16));
    assert_eq!(error.key, "display.idle_timeout");
    assert_eq!(
        error.message,
        "expected a duration in double quotes, found integer `120`"
    );
    assert_eq!(error.fix, "write it like idle_timeout = \"2m\"");

    let error = one_error("[sync]\nmax_documents = \"500000\"\n");
    assert_eq!(error.key, "sync.max_documents");
    assert_eq!(
        error.message,
        "expected a whole number without quotes, found string \"500000\""
    );

    let error = one_error("[sync]\nmax_documents = 1.5\n");
    assert_eq!(error.key, "sync.max_documents");

    let error = one_error("display = 5\n");
    assert_eq!(error.key, "display");
    assert_eq!(error.message, "expected a table, found integer `5`");
    assert_eq!(
        error.fix,
        "write [display] on a line of its own, with its settings on the lines below"
    );

    let error = one_error("[sync]\ntrusted_keys = [\"RW\", 3]\n");
    assert_eq!(error.key, "sync.trusted_keys");
    assert_eq!(position(&error), (2, 23));

    let error = one_error("[sync]\ntrusted_keys = \"RW\"\n");
    assert_eq!(error.key, "sync.trusted_keys");

    let error = one_error("[sync]\nin_kiosk = \"no\"\n");
    assert_eq!(error.key, "sync.in_kiosk");
    assert_eq!(position(&error), (2, 12));
    assert_eq!(
        error.message,
        "expected true or false without quotes, found string \"no\""
    );
    assert_eq!(error.fix, "write it like in_kiosk = true");

    let error = one_error("[sync]\nin_kiosk = 1\n");
    assert_eq!(error.key, "sync.in_kiosk");

    // Dotted keys find their way too.
    let error = one_error("log.max_files = \"5\"\n");
    assert_eq!(error.key, "log.max_files");
}

// ---- values and ranges ---------------------------------------------------------------------

#[test]
fn out_of_range_values() {
    for (text, key) in [
        ("[display]\nidle_timeout = \"10s\"", "display.idle_timeout"),
        (
            "[display]\nidle_timeout = \"2h\"\nreading_idle_timeout = \"3h\"",
            "display.idle_timeout",
        ),
        (
            "[display]\nidle_countdown = \"61s\"",
            "display.idle_countdown",
        ),
        ("[display]\nstale_after = \"30m\"", "display.stale_after"),
        ("[sync]\ninterval = \"30s\"", "sync.interval"),
        ("[sync]\ntimeout = \"0s\"", "sync.timeout"),
        ("[sync]\nmax_shard_size = \"1KiB\"", "sync.max_shard_size"),
        ("[sync]\nmax_documents = 0", "sync.max_documents"),
        (
            "[sync]\nattachment_budget = \"2TiB\"",
            "sync.attachment_budget",
        ),
        ("[admin]\nlockout_attempts = -1", "admin.lockout_attempts"),
        ("[admin]\nlockout = \"2d\"", "admin.lockout"),
        ("[stats]\nretention_days = 0", "stats.retention_days"),
        ("[stats]\nretention_days = 3651", "stats.retention_days"),
        ("[log]\nmax_size = \"1KiB\"", "log.max_size"),
        ("[log]\nmax_files = 1000", "log.max_files"),
    ] {
        let error = one_error(text);
        assert_eq!(error.key, key, "{text}");
        assert_eq!(error.line, 2, "{text}");
        assert!(
            error.fix.contains("the default is"),
            "{text}: {}",
            error.fix
        );
    }
    let error = one_error("[display]\nidle_timeout = \"10s\"");
    assert_eq!(error.message, "\"10s\" is too short (at least \"30s\")");
    assert_eq!(
        error.fix,
        "use a duration from \"30s\" to \"1h\" (the default is \"2m\")"
    );
    let error = one_error("[stats]\nretention_days = 0");
    assert_eq!(error.message, "0 is out of range (1 to 3650)");
    assert_eq!(
        error.fix,
        "use a whole number from 1 to 3650 (the default is 400)"
    );
}

#[test]
fn invalid_reading_timeout_is_reported_once() {
    // The invalid value is replaced by the default (5m) internally; that must not produce a
    // second error comparing the default with idle_timeout.
    let error = one_error("[display]\nidle_timeout = \"10m\"\nreading_idle_timeout = \"soon\"\n");
    assert_eq!(error.key, "display.reading_idle_timeout");
    assert!(
        error.message.contains("not a duration"),
        "{}",
        error.message
    );
    let error = one_error("[display]\nidle_timeout = \"2h\"\nreading_idle_timeout = \"1h\"\n");
    assert_eq!(error.key, "display.idle_timeout");
}

#[test]
fn idle_countdown_must_be_shorter_than_idle_timeout() {
    let error = one_error("[display]\nidle_timeout = \"30s\"\nidle_countdown = \"45s\"\n");
    assert_eq!(error.key, "display.idle_countdown");
    assert_eq!(position(&error), (3, 18));
    assert!(error.fix.contains("\"30s\""), "{}", error.fix);
    let error = one_error("[display]\nidle_timeout = \"30s\"\nidle_countdown = \"30s\"\n");
    assert_eq!(error.key, "display.idle_countdown");
    ok("[display]\nidle_timeout = \"30s\"\nidle_countdown = \"29s\"\n");
}

#[test]
fn schedule_all_days_off_is_rejected() {
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .map(|d| format!("{d} = \"off\""))
        .join(", ");
    let error = one_error(&format!("[display]\nschedule = {{ {days} }}\n"));
    assert_eq!(error.key, "display.schedule");
    assert_eq!(position(&error), (2, 12));
    assert!(
        error.fix.contains("delete the `schedule` line"),
        "{}",
        error.fix
    );
    // Six days off is fine; a day left out is on.
    ok(
        "[display]\nschedule = { mon = \"off\", tue = \"off\", wed = \"off\", thu = \"off\", \
        fri = \"off\", sat = \"off\" }\n",
    );
}

#[test]
fn etc_gmt_time_zones_are_refused() {
    for name in ["Etc/GMT+8", "Etc/GMT-8", "etc/gmt+8"] {
        let error = one_error(&format!("[display]\ntime_zone = \"{name}\"\n"));
        assert_eq!(error.key, "display.time_zone");
        assert!(error.message.contains("inverted"), "{}", error.message);
        assert!(error.fix.contains("Asia/Shanghai"), "{}", error.fix);
    }
    let error = one_error("[display]\ntime_zone = \"Etc/GMT+8\"\n");
    assert!(error.message.contains("UTC−8"), "{}", error.message);
    ok("[display]\ntime_zone = \"Etc/GMT+0\"\n");
    ok("[display]\ntime_zone = \"Etc/UTC\"\n");
}

#[test]
fn reading_timeout_must_not_be_shorter_than_idle() {
    let error = one_error("[display]\nidle_timeout = \"10m\"\nreading_idle_timeout = \"5m\"\n");
    assert_eq!(error.key, "display.reading_idle_timeout");
    assert_eq!(position(&error), (3, 24));
    // Only idle_timeout written: point at it.
    let error = one_error("[display]\nidle_timeout = \"10m\"\n");
    assert_eq!(error.key, "display.reading_idle_timeout");
    assert_eq!(position(&error), (2, 16));
}

#[test]
fn bad_durations_and_sizes() {
    let error = one_error("[admin]\nlockout = \"5 min\"\n");
    assert_eq!(error.key, "admin.lockout");
    assert_eq!(
        error.message,
        "\"5 min\" is not a duration: \" min\" is not a unit (use d, h, m or s)"
    );
    let error = one_error("[log]\nmax_size = \"10 MB\"\n");
    assert_eq!(error.key, "log.max_size");
    assert_eq!(
        error.message,
        "\"10 MB\" is not a size: \" MB\" is not a unit (use B, KiB, MiB, GiB, TiB, KB, MB, GB \
         or TB)"
    );
    assert!(error.fix.contains("\"10MiB\""), "{}", error.fix);
    let words: Vec<&str> = error
        .fix
        .split(|c: char| !c.is_ascii_alphanumeric())
        .collect();
    for unit in ["B", "KiB", "MiB", "GiB", "TiB", "KB", "MB", "GB", "TB"] {
        assert!(words.contains(&unit), "{unit}: {}", error.fix);
    }
}

#[test]
fn duration_and_size_errors_say_why() {
    let error = one_error("[display]\nidle_timeout = \"30m1h\"\n");
    assert!(
        error.message.contains("largest to smallest"),
        "{}",
        error.message
    );
    let error = one_error("[display]\nidle_timeout = \"1.5m\"\n");
    assert!(error.message.contains("fractions"), "{}", error.message);
    let error = one_error("[sync]\nmax_shard_size = \"1.5GiB\"\n");
    assert!(error.message.contains("fractions"), "{}", error.message);
    // Overflow: the fix is the allowed range.
    let error = one_error("[display]\nidle_timeout = \"99999999999999999d\"\n");
    assert!(error.message.contains("too large"), "{}", error.message);
    assert_eq!(
        error.fix,
        "use a duration from \"30s\" to \"1h\" (the default is \"2m\")"
    );
    let error = one_error("[log]\nmax_size = \"99999999999TiB\"\n");
    assert!(error.message.contains("too large"), "{}", error.message);
    assert_eq!(
        error.fix,
        "use a size from \"64KiB\" to \"1GiB\" (the default is \"10MiB\")"
    );
    // Out of range, both ways, named with the bounds.
    let error = one_error("[sync]\nmax_shard_size = \"1KiB\"\n");
    assert_eq!(error.message, "\"1KiB\" is too small (at least \"1MiB\")");
    let error = one_error("[sync]\nmax_shard_size = \"5GiB\"\n");
    assert_eq!(error.message, "\"5GiB\" is too large (at most \"4GiB\")");
    assert_eq!(
        error.fix,
        "use a size from \"1MiB\" to \"4GiB\" (the default is \"64MiB\")"
    );
}

#[test]
fn echoed_values_are_escaped_and_shortened() {
    // A TOML escape must not break the message over lines or reach the terminal raw.
    let found = errors(
        "[kiosk]\nlanguage = \"en\\nzh\"\n[log]\nlevel = \"\\u001b[31mred\"\n\
         [display]\ntime_zone = \"Asia/\\u202eX\"\n",
    );
    assert_eq!(found.len(), 3, "{found:#?}");
    for error in &found {
        let shown = error.to_string();
        assert!(
            !shown.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{shown:?}"
        );
    }
    assert!(
        found[0].message.starts_with("\"en\\nzh\""),
        "{}",
        found[0].message
    );
    assert!(
        found[1].message.starts_with("\"\\u{1b}[31mred\""),
        "{}",
        found[1].message
    );
    let long = "x".repeat(500);
    let error = one_error(&format!("[sync]\nfeed_id = \"{long} \"\n"));
    assert!(error.message.len() < 120, "{}", error.message);
    assert!(error.message.contains("…"), "{}", error.message);
}

#[test]
fn bad_urls() {
    for (text, key) in [
        (
            &"[kiosk]\nportal_url = \"www.leshan.gov.cn\"".to_owned(),
            "kiosk.portal_url",
        ),
        (
            &"[stats]\nreport_url = \"https://exa mple.com\"".to_owned(),
            "stats.report_url",
        ),
        (
            &format!(
                "[sync]\nfeed_url = \"https://\"\nfeed_id = \"x\"\ntrusted_keys = [\"{KEY_A}\"]"
            ),
            "sync.feed_url",
        ),
    ] {
        let error = one_error(text);
        assert_eq!(error.key, key, "{text}");
        assert!(
            error.message.contains("is not a web address"),
            "{}",
            error.message
        );
        assert!(error.fix.contains("http://"), "{}", error.fix);
    }
}

#[test]
fn feed_url_alone_reports_both_missing_keys_at_once() {
    let errors = errors("[sync]\nfeed_url = \"https://portal.example.gov.cn/feed\"\n");
    let keys: Vec<_> = errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["sync.feed_id", "sync.trusted_keys"]);
    assert!(errors.iter().all(|e| position(e) == (2, 12)));
    assert_eq!(
        errors[0].fix,
        "set `sync.feed_id` to the feed id your portal publishes (the `feed_id` in its \
         manifest.json)"
    );
    // An empty key list is pointed at.
    let error = one_error(
        "[sync]\nfeed_url = \"https://p.example/feed\"\nfeed_id = \"x\"\ntrusted_keys = []\n",
    );
    assert_eq!(error.key, "sync.trusted_keys");
    assert_eq!(position(&error), (4, 16));
}

const KEY_A: &str = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3";
const KEY_B: &str = "RWQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

#[test]
fn complete_feed_is_configured() {
    let config = ok(&format!(
        "[sync]\nfeed_url = \"https://p.example/feed\"\nfeed_id = \"leshan-zwgk\"\n\
         trusted_keys = [\"{KEY_A}\", \"{KEY_B}\"]\n"
    ));
    let feed = config.sync.feed.unwrap_or_else(|| panic!("feed expected"));
    assert_eq!(feed.url, "https://p.example/feed");
    assert_eq!(feed.id, "leshan-zwgk");
    assert_eq!(feed.trusted_keys.len(), 2);
    assert_eq!(feed.trusted_keys[1].public_key, [0; 32]);
}

#[test]
fn bad_minisign_keys() {
    let error = one_error("[sync]\ntrusted_keys = [\"RWQf6LRCGA9i53mlYecO4IzT51\"]\n");
    assert_eq!(error.key, "sync.trusted_keys");
    assert_eq!(position(&error), (2, 17));
    assert!(error.message.starts_with("key 1: "), "{}", error.message);
    assert!(error.fix.contains("second line"), "{}", error.fix);

    let found = errors(&format!(
        "[sync]\ntrusted_keys = [\"{KEY_A}\", \"untrusted comment: minisign public key\"]\n"
    ));
    assert_eq!(found.len(), 1);
    assert!(
        found[0].message.contains("comment line"),
        "{}",
        found[0].message
    );

    // A whole .pub file pasted in: the key line is used.
    let config = ok(&format!(
        "[sync]\nfeed_url = \"https://p.example/feed\"\nfeed_id = \"f\"\n\
         trusted_keys = [\"\"\"\nuntrusted comment: minisign public key 1234\n{KEY_A}\n\"\"\"]\n"
    ));
    assert_eq!(config.sync.feed.map(|f| f.trusted_keys.len()), Some(1));

    let five = vec![format!("\"{KEY_A}\""); 5].join(", ");
    let found = errors(&format!("[sync]\ntrusted_keys = [{five}]\n"));
    assert!(
        found.iter().any(|e| e.message.contains("at most 4")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|e| e.message.contains("listed twice")),
        "{found:#?}"
    );
}

#[test]
fn bad_pin_hashes() {
    let error = one_error("[admin]\npin_hash = \"123456\"\n");
    assert_eq!(error.key, "admin.pin_hash");
    assert!(
        error.message.contains("the PIN itself"),
        "{}",
        error.message
    );
    assert!(error.fix.contains("argon2"), "{}", error.fix);

    let error = one_error("[admin]\npin_hash = \"$2b$12$abcdefghijklmnopqrstuv\"\n");
    assert!(
        error.message.starts_with("the PIN hash "),
        "{}",
        error.message
    );

    let good = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk";
    let config = ok(&format!("[admin]\npin_hash = '{good}'\n"));
    assert_eq!(config.admin.pin_hash.as_deref(), Some(good));

    // The argon2 tool's defaults (m=4096, t=3, p=1) are too weak.
    let weak = "$argon2id$v=19$m=4096,t=3,p=1$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk";
    let error = one_error(&format!("[admin]\npin_hash = '{weak}'\n"));
    assert!(error.message.contains("19456"), "{}", error.message);
    assert!(
        error.fix.contains("readpoint config set-pin"),
        "{}",
        error.fix
    );
    assert!(error.fix.contains("-m 16"), "{}", error.fix);
}

#[test]
fn kiosk_identity_checks() {
    let error = one_error("[kiosk]\nterminal_id = \"大厅 01\"\n");
    assert_eq!(error.key, "kiosk.terminal_id");
    assert_eq!(error.message, "\"大厅 01\" contains \"大\"");
    let error = one_error(&format!("[kiosk]\nterminal_id = \"{}\"\n", "a".repeat(65)));
    assert!(
        error.message.contains("longer than 64"),
        "{}",
        error.message
    );

    let error = one_error("[kiosk]\nlanguage = \"fr\"\n");
    assert_eq!(error.key, "kiosk.language");
    assert!(error.fix.contains("\"zh-Hans\""), "{}", error.fix);

    let error = one_error("[kiosk]\nagency_name = \" \"\n");
    assert_eq!(error.key, "kiosk.agency_name");

    let error = one_error("[kiosk]\nlocation = \"\"\"\n一楼\n大厅\"\"\"\n");
    assert_eq!(error.key, "kiosk.location");
    assert!(error.message.contains("line break"), "{}", error.message);

    let error = one_error(&format!("[kiosk]\nlocation = \"{}\"\n", "楼".repeat(201)));
    assert!(
        error.message.contains("201 characters"),
        "{}",
        error.message
    );

    assert_eq!(ok("[kiosk]\nstaff_desk = \"\"\n").kiosk.staff_desk, None);
}

#[test]
fn time_zones() {
    assert_eq!(
        ok("[display]\ntime_zone = \"Asia/Urumqi\"\n")
            .display
            .time_zone
            .name(),
        "Asia/Urumqi"
    );
    for bad in ["", "Asia/../etc", "/etc/passwd", "Asia Shanghai"] {
        let error = one_error(&format!("[display]\ntime_zone = \"{bad}\"\n"));
        assert_eq!(error.key, "display.time_zone", "{bad}");
    }
    // Only a real database can know this one does not exist.
    if !jiff::tz::db().is_definitively_empty() {
        let error = one_error("[display]\ntime_zone = \"Asia/Shangai\"\n");
        assert!(error.fix.contains("Asia/Shanghai"), "{}", error.fix);
    }
}

#[test]
fn data_dir_must_be_a_full_path() {
    for bad in ["", "data", "~/readpoint", "./x"] {
        let error = one_error(&format!("[cache]\ndata_dir = \"{bad}\"\n"));
        assert_eq!(error.key, "cache.data_dir", "{bad}");
    }
}

#[test]
fn log_level() {
    assert_eq!(ok("[log]\nlevel = \"warn\"\n").log.level, LogLevel::Warn);
    let error = one_error("[log]\nlevel = \"verbose\"\n");
    assert_eq!(error.key, "log.level");
    assert!(error.fix.contains("\"debug\""), "{}", error.fix);
}

#[test]
fn semantic_errors_are_all_reported_in_file_order() {
    let errors = errors(
        "[log]\nmax_files = 0\n\
         [kiosk]\nlanguage = \"de\"\nportal_url = \"ftp://x\"\n\
         [display]\nidle_countdown = \"1d\"\n",
    );
    let found: Vec<_> = errors.iter().map(|e| (e.line, e.key.as_str())).collect();
    assert_eq!(
        found,
        [
            (2, "log.max_files"),
            (4, "kiosk.language"),
            (5, "kiosk.portal_url"),
            (7, "display.idle_countdown")
        ]
    );
}

// ---- files ---------------------------------------------------------------------------------

#[test]
fn load_reads_a_file() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("readpoint.toml");
    std::fs::write(&path, "[kiosk]\nterminal_id = \"t1\"\n")?;
    assert_eq!(load(&path)?.kiosk.terminal_id, "t1");
    assert_eq!(load_or_default(&path)?.kiosk.terminal_id, "t1");

    std::fs::write(&path, "[kiosk]\nterminal_id = 1\n")?;
    let errors = load(&path)
        .err()
        .unwrap_or_else(|| panic!("error expected"));
    let first = errors.iter().next().map(|e| e.file.clone());
    assert_eq!(first, Some(path.clone()), "errors name the real path");
    Ok(())
}

#[test]
fn missing_file_is_an_error_for_load_and_defaults_for_load_or_default()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("missing.toml");
    let errors = load(&path)
        .err()
        .unwrap_or_else(|| panic!("error expected"));
    assert_eq!(errors.len(), 1);
    let text = errors.to_string();
    assert!(
        text.starts_with(&format!(
            "{}: cannot read the configuration file: ",
            path.display()
        )),
        "{text}"
    );
    assert!(text.contains("— fix: check the path"), "{text}");
    assert_eq!(load_or_default(&path)?, Config::default());

    // A folder is not a file, for either function.
    assert!(load_or_default(dir.path()).is_err());
    Ok(())
}

#[test]
fn non_utf8_file_is_explained() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("gbk.toml");
    // "乐山" in GBK, as Windows Notepad on a Chinese system may save it.
    std::fs::write(&path, b"[kiosk]\nlocation = \"\xc0\xd6\xc9\xbd\"\n")?;
    let errors = load(&path)
        .err()
        .unwrap_or_else(|| panic!("error expected"));
    let text = errors.to_string();
    assert!(text.contains("not UTF-8"), "{text}");
    assert!(text.contains("UTF-8 text"), "{text}");
    Ok(())
}

#[test]
fn byte_order_mark_is_accepted() {
    assert_eq!(
        ok("\u{feff}[kiosk]\nterminal_id = \"t\"\n")
            .kiosk
            .terminal_id,
        "t"
    );
}
