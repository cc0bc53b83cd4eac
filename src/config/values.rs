//! Value syntaxes used in `readpoint.toml`: durations, byte sizes, URLs and display-schedule
//! ranges. (A trusted key is read by `feed::key`, a PIN hash checked by `staff::pin`: the
//! layers that use them.)
//!
//! Owns: turning one string into one typed value, or a short reason why it is not one.
//! Must never: do I/O, know about files, line numbers or TOML (that is `config::validate`'s job).

use std::fmt;
use std::time::Duration;

/// Why a string is not a duration (see [`parse_duration`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// The string is empty.
    #[error("the value is empty")]
    Empty,
    /// A number is not followed by a unit, e.g. `"90"`.
    #[error("a number has no unit")]
    MissingUnit,
    /// A unit other than `d`, `h`, `m`, `s`.
    #[error("{} is not a unit (use d, h, m or s)", quote(.0))]
    UnknownUnit(String),
    /// A fraction such as `"1.5h"`.
    #[error("fractions are not allowed (write \"1h30m\", not \"1.5h\")")]
    Fraction,
    /// A unit is missing its number, e.g. `"h"`.
    #[error("a unit has no number before it")]
    MissingNumber,
    /// Units repeated or not from largest to smallest, e.g. `"30m1h"`.
    #[error("units must go from largest to smallest, each once (e.g. \"1h30m\")")]
    UnitOrder,
    /// The duration does not fit in 64-bit seconds.
    #[error("the number is too large")]
    Overflow,
}

/// Parses a duration such as `"90s"`, `"15m"`, `"2h"`, `"7d"` or `"1h30m"`.
///
/// Units: `d` (days), `h`, `m`, `s`; combined from largest to smallest, each at most once.
/// No spaces, no fractions; the number is required for every unit.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    let mut rest = text;
    let mut total: u64 = 0;
    // Rank of the previous unit; units must strictly decrease.
    let mut last_rank = usize::MAX;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (number, after) = rest.split_at(digits);
        let unit_len = after
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit())
            .map_or(after.len(), |(i, _)| i);
        let (unit, next) = after.split_at(unit_len);
        if !number.is_empty() && is_fraction(after) {
            return Err(DurationError::Fraction);
        }
        if number.is_empty() {
            return Err(if unit.chars().all(|c| c.is_ascii_alphabetic()) {
                DurationError::MissingNumber
            } else {
                DurationError::UnknownUnit(unit.to_owned())
            });
        }
        if unit.is_empty() {
            return Err(DurationError::MissingUnit);
        }
        let (rank, seconds_per_unit) = match unit {
            "d" => (3, 86_400),
            "h" => (2, 3_600),
            "m" => (1, 60),
            "s" => (0, 1),
            other => return Err(DurationError::UnknownUnit(other.to_owned())),
        };
        if rank >= last_rank {
            return Err(DurationError::UnitOrder);
        }
        last_rank = rank;
        let value: u64 = number.parse().map_err(|_| DurationError::Overflow)?;
        total = value
            .checked_mul(seconds_per_unit)
            .and_then(|s| total.checked_add(s))
            .ok_or(DurationError::Overflow)?;
        rest = next;
    }
    Ok(Duration::from_secs(total))
}

/// Formats a duration the way [`parse_duration`] reads it: `"2m"`, `"1h30m"`, `"7d"`, `"0s"`.
/// Sub-second parts are dropped.
pub fn format_duration(duration: Duration) -> String {
    let mut secs = duration.as_secs();
    if secs == 0 {
        return "0s".to_owned();
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        let count = secs / size;
        if count > 0 {
            out.push_str(&count.to_string());
            out.push_str(unit);
            secs %= size;
        }
    }
    out
}

/// Why a string is not a byte size (see [`parse_byte_size`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ByteSizeError {
    /// The string is empty.
    #[error("the value is empty")]
    Empty,
    /// No digits before the unit.
    #[error("the number is missing")]
    MissingNumber,
    /// No unit after the number, e.g. `"1024"`.
    #[error("the unit is missing")]
    MissingUnit,
    /// An unknown unit.
    #[error("{} is not a unit (use {})", quote(.0), BYTE_UNIT_LIST)]
    UnknownUnit(String),
    /// A fraction such as `"1.5GiB"`.
    #[error("fractions are not allowed (write \"1536MiB\", not \"1.5GiB\")")]
    Fraction,
    /// The size does not fit in 64 bits.
    #[error("the number is too large")]
    Overflow,
}

/// Every unit [`parse_byte_size`] accepts, for messages.
pub(crate) const BYTE_UNIT_LIST: &str = "B, KiB, MiB, GiB, TiB, KB, MB, GB or TB";

const BYTE_UNITS: [(&str, u64); 9] = [
    ("B", 1),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("TiB", 1 << 40),
    ("KB", 1_000),
    ("MB", 1_000_000),
    ("GB", 1_000_000_000),
    ("TB", 1_000_000_000_000),
];

/// Parses a byte size such as `"64MiB"`, `"2GiB"`, `"500KB"` or `"4096B"`.
///
/// A whole number followed directly by a unit: `B`, binary `KiB`/`MiB`/`GiB`/`TiB`
/// (powers of 1024) or decimal `KB`/`MB`/`GB`/`TB` (powers of 1000). Units are case-sensitive.
pub fn parse_byte_size(text: &str) -> Result<u64, ByteSizeError> {
    if text.is_empty() {
        return Err(ByteSizeError::Empty);
    }
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    if number.is_empty() {
        return Err(ByteSizeError::MissingNumber);
    }
    if unit.is_empty() {
        return Err(ByteSizeError::MissingUnit);
    }
    if is_fraction(unit) {
        return Err(ByteSizeError::Fraction);
    }
    let multiplier = BYTE_UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|(_, size)| *size)
        .ok_or_else(|| ByteSizeError::UnknownUnit(unit.to_owned()))?;
    let value: u64 = number.parse().map_err(|_| ByteSizeError::Overflow)?;
    value.checked_mul(multiplier).ok_or(ByteSizeError::Overflow)
}

/// Whether `rest`, the text right after a number, continues it with a decimal point and a digit.
fn is_fraction(rest: &str) -> bool {
    let mut chars = rest.chars();
    matches!(chars.next(), Some('.' | ',')) && chars.next().is_some_and(|c| c.is_ascii_digit())
}

/// Most characters of a value [`quote`] shows.
const MAX_QUOTED_CHARS: usize = 60;

/// A value from the file as messages show it: in double quotes, with line breaks, control
/// characters and quotes escaped (so a message stays on one line and cannot send terminal
/// escapes), cut after 60 characters with "…".
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(4 * MAX_QUOTED_CHARS) + 2);
    out.push('"');
    for (index, c) in text.chars().enumerate() {
        if index == MAX_QUOTED_CHARS {
            out.push('…');
            break;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.extend(c.escape_debug()),
            c if is_invisible(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Format characters that change how text is shown without being visible themselves
/// (bidirectional overrides, zero-width characters).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Formats a byte size with the largest binary unit that divides it exactly: `"64MiB"`,
/// `"1536KiB"`, `"100B"`.
pub fn format_byte_size(bytes: u64) -> String {
    for (unit, size) in [
        ("TiB", 1u64 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ] {
        if bytes != 0 && bytes.is_multiple_of(size) {
            return format!("{}{unit}", bytes / size);
        }
    }
    format!("{bytes}B")
}

/// Checks an `http://` or `https://` address by hand. Returns a short reason when it is not one.
pub(crate) fn check_url(text: &str) -> Result<(), &'static str> {
    if text.is_empty() {
        return Err("is empty");
    }
    if text.chars().any(char::is_whitespace) {
        return Err("contains a space");
    }
    if text.chars().any(char::is_control) {
        return Err("contains a control character");
    }
    let lower_prefix: String = text
        .chars()
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    let rest = if lower_prefix.starts_with("https://") {
        &text[8..]
    } else if lower_prefix.starts_with("http://") {
        &text[7..]
    } else {
        return Err("does not start with http:// or https://");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err("has no host name after the //");
    }
    if authority.contains('@') {
        return Err("contains a user name or password");
    }
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let Some((inside, after)) = bracketed.split_once(']') else {
            return Err("has an unclosed [ in the host");
        };
        if inside.is_empty()
            || !inside
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err("has an invalid IPv6 address");
        }
        match after.strip_prefix(':') {
            Some(port) => (inside, Some(port)),
            None if after.is_empty() => (inside, None),
            None => return Err("has text after the IPv6 address"),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err("has no host name after the //");
    }
    if !authority.starts_with('[') {
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.chars().all(|c| {
                    c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric())
                })
        };
        if !host.split('.').all(label_ok) {
            return Err("has an invalid host name");
        }
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|p| p > 0);
        if !valid {
            return Err("has an invalid port number (1–65535)");
        }
    }
    Ok(())
}

/// One `HH:MM-HH:MM` range of a display schedule, in minutes since midnight.
///
/// `start < end`, `end <= 1440` (24:00); the end is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    start: u16,
    end: u16,
}

impl TimeRange {
    /// The whole day, 00:00-24:00.
    pub const ALL_DAY: TimeRange = TimeRange {
        start: 0,
        end: 1440,
    };

    /// First minute of the range (minutes since midnight).
    pub fn start_minute(self) -> u16 {
        self.start
    }

    /// Minute after the last one of the range (minutes since midnight, at most 1440).
    pub fn end_minute(self) -> u16 {
        self.end
    }

    /// Whether `minute` (minutes since midnight) lies in the range.
    pub fn contains(self, minute: u16) -> bool {
        (self.start..self.end).contains(&minute)
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start / 60,
            self.start % 60,
            self.end / 60,
            self.end % 60
        )
    }
}

/// Parses one day of a display schedule: `"off"` or comma-separated `HH:MM-HH:MM` ranges in
/// order, not overlapping. Returns the reason on failure.
pub(crate) fn parse_day_ranges(text: &str) -> Result<Vec<TimeRange>, String> {
    let text = text.trim();
    if text == "off" {
        return Ok(Vec::new());
    }
    if text.is_empty() {
        return Err("is empty".to_owned());
    }
    let mut ranges: Vec<TimeRange> = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        let Some((start, end)) = part.split_once('-') else {
            return Err(format!(
                "{} is not a range like \"07:30-18:00\"",
                quote(part)
            ));
        };
        let start = parse_clock(start.trim()).ok_or_else(|| {
            format!(
                "{} is not a time between 00:00 and 24:00",
                quote(start.trim())
            )
        })?;
        let end = parse_clock(end.trim()).ok_or_else(|| {
            format!(
                "{} is not a time between 00:00 and 24:00",
                quote(end.trim())
            )
        })?;
        if start >= end {
            return Err(format!("{} does not end later than it starts", quote(part)));
        }
        if let Some(previous) = ranges.last()
            && start < previous.end
        {
            return Err(format!(
                "{} overlaps or comes before \"{previous}\"",
                quote(part)
            ));
        }
        ranges.push(TimeRange { start, end });
    }
    Ok(ranges)
}

/// `H:MM` or `HH:MM`, 00:00 to 24:00 inclusive, as minutes since midnight.
fn parse_clock(text: &str) -> Option<u16> {
    let (hours, minutes) = text.split_once(':')?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(hours) || hours.len() > 2 || !all_digits(minutes) || minutes.len() != 2 {
        return None;
    }
    let hours: u16 = hours.parse().ok()?;
    let minutes: u16 = minutes.parse().ok()?;
    let total = hours * 60 + minutes;
    (minutes < 60 && total <= 1440).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1d2h3m4s"), Ok(Duration::from_secs(93_784)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn durations_reject() {
        assert_eq!(parse_duration(""), Err(DurationError::Empty));
        assert_eq!(parse_duration("90"), Err(DurationError::MissingUnit));
        assert_eq!(parse_duration("1h30"), Err(DurationError::MissingUnit));
        assert_eq!(parse_duration("h"), Err(DurationError::MissingNumber));
        assert_eq!(
            parse_duration("15 minutes"),
            Err(DurationError::UnknownUnit(" minutes".to_owned()))
        );
        assert_eq!(
            parse_duration("5ms"),
            Err(DurationError::UnknownUnit("ms".to_owned()))
        );
        assert_eq!(parse_duration("30m1h"), Err(DurationError::UnitOrder));
        assert_eq!(parse_duration("1m1m"), Err(DurationError::UnitOrder));
        assert_eq!(
            parse_duration("-5s"),
            Err(DurationError::UnknownUnit("-".to_owned()))
        );
        assert_eq!(parse_duration("1.5h"), Err(DurationError::Fraction));
        assert_eq!(parse_duration("1h0.5m"), Err(DurationError::Fraction));
        assert_eq!(
            parse_duration("1."),
            Err(DurationError::UnknownUnit(".".to_owned()))
        );
        assert_eq!(
            parse_duration("99999999999999999999d"),
            Err(DurationError::Overflow)
        );
        assert_eq!(
            parse_duration("999999999999999999d"),
            Err(DurationError::Overflow)
        );
    }

    #[test]
    fn durations_round_trip_through_format() {
        for text in ["0s", "90s", "2m", "1h30m", "7d", "1d2h3m4s", "24h"] {
            let parsed = parse_duration(text).unwrap_or_default();
            assert_eq!(
                parse_duration(&format_duration(parsed)),
                Ok(parsed),
                "{text}"
            );
        }
        assert_eq!(format_duration(Duration::from_secs(120)), "2m");
        assert_eq!(format_duration(Duration::from_secs(86_400)), "1d");
    }

    #[test]
    fn byte_sizes_parse() {
        assert_eq!(parse_byte_size("4096B"), Ok(4096));
        assert_eq!(parse_byte_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_byte_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_byte_size("1KiB"), Ok(1024));
        assert_eq!(parse_byte_size("1TiB"), Ok(1 << 40));
        assert_eq!(parse_byte_size("500KB"), Ok(500_000));
        assert_eq!(parse_byte_size("10MB"), Ok(10_000_000));
        assert_eq!(parse_byte_size("3GB"), Ok(3_000_000_000));
    }

    #[test]
    fn byte_sizes_reject() {
        assert_eq!(parse_byte_size(""), Err(ByteSizeError::Empty));
        assert_eq!(parse_byte_size("1024"), Err(ByteSizeError::MissingUnit));
        assert_eq!(parse_byte_size("MiB"), Err(ByteSizeError::MissingNumber));
        assert_eq!(
            parse_byte_size("64mb"),
            Err(ByteSizeError::UnknownUnit("mb".to_owned()))
        );
        assert_eq!(
            parse_byte_size("64 MiB"),
            Err(ByteSizeError::UnknownUnit(" MiB".to_owned()))
        );
        assert_eq!(parse_byte_size("1.5GiB"), Err(ByteSizeError::Fraction));
        assert_eq!(parse_byte_size("1,5GB"), Err(ByteSizeError::Fraction));
        assert_eq!(
            parse_byte_size("99999999999TiB"),
            Err(ByteSizeError::Overflow)
        );
    }

    #[test]
    fn byte_sizes_format() {
        assert_eq!(format_byte_size(64 << 20), "64MiB");
        assert_eq!(format_byte_size(1536 << 10), "1536KiB");
        assert_eq!(format_byte_size(100), "100B");
        assert_eq!(format_byte_size(0), "0B");
    }

    #[test]
    fn urls() {
        for good in [
            "https://zwgk.leshan.gov.cn/readpoint/feed",
            "http://10.0.0.5:8080/feed.json",
            "HTTPS://Example.com",
            "https://[2001:db8::1]:443/x?y=1#z",
            "https://乐山.政务.cn/",
        ] {
            assert_eq!(check_url(good), Ok(()), "{good}");
        }
        for (bad, reason) in [
            ("", "is empty"),
            (
                "ftp://example.com",
                "does not start with http:// or https://",
            ),
            ("example.com", "does not start with http:// or https://"),
            ("https://", "has no host name after the //"),
            ("https:///path", "has no host name after the //"),
            ("https://exa mple.com", "contains a space"),
            (
                "https://user:pw@example.com",
                "contains a user name or password",
            ),
            (
                "https://example.com:99999/",
                "has an invalid port number (1–65535)",
            ),
            (
                "https://example.com:/",
                "has an invalid port number (1–65535)",
            ),
            ("https://exa_mple.com", "has an invalid host name"),
            ("https://example..com", "has an invalid host name"),
            ("https://[zz]/", "has an invalid IPv6 address"),
        ] {
            assert_eq!(check_url(bad), Err(reason), "{bad}");
        }
    }

    #[test]
    fn day_ranges() {
        assert_eq!(parse_day_ranges("off"), Ok(Vec::new()));
        let ranges = parse_day_ranges("07:30-12:00, 13:30-24:00").unwrap_or_default();
        assert_eq!(ranges.len(), 2);
        assert_eq!(ranges[0].start_minute(), 450);
        assert_eq!(ranges[1].end_minute(), 1440);
        assert_eq!(ranges[1].to_string(), "13:30-24:00");
        assert!(ranges[0].contains(450) && !ranges[0].contains(720));
        assert_eq!(parse_day_ranges("7:30-8:00").map(|r| r.len()), Ok(1));
        assert!(parse_day_ranges("").is_err());
        assert!(parse_day_ranges("18:00-07:30").is_err());
        assert!(parse_day_ranges("08:00-08:00").is_err());
        assert!(parse_day_ranges("08:00-24:01").is_err());
        assert!(parse_day_ranges("25:00-26:00").is_err());
        assert!(parse_day_ranges("08:60-09:00").is_err());
        assert!(parse_day_ranges("0800-0900").is_err());
        assert!(parse_day_ranges("08:00-12:00,11:00-13:00").is_err());
        assert!(parse_day_ranges("13:00-14:00,08:00-09:00").is_err());
        assert!(parse_day_ranges("on").is_err());
    }

    #[test]
    fn error_texts_quote_the_unit() {
        assert_eq!(
            DurationError::UnknownUnit("m\n".to_owned()).to_string(),
            "\"m\\n\" is not a unit (use d, h, m or s)"
        );
        assert_eq!(
            ByteSizeError::UnknownUnit("mb".to_owned()).to_string(),
            "\"mb\" is not a unit (use B, KiB, MiB, GiB, TiB, KB, MB, GB or TB)"
        );
    }

    #[test]
    fn quote_escapes_and_truncates() {
        assert_eq!(quote("一楼大厅"), "\"一楼大厅\"");
        assert_eq!(quote("a\nb"), "\"a\\nb\"");
        assert_eq!(quote("\u{1b}[2J"), "\"\\u{1b}[2J\"");
        assert_eq!(quote("say \"hi\" \\o/"), "\"say \\\"hi\\\" \\\\o/\"");
        assert_eq!(quote("a\u{202e}b"), "\"a\\u{202e}b\"");
        let long = "长".repeat(100);
        let shown = quote(&long);
        assert_eq!(shown.chars().count(), 60 + 3);
        assert!(shown.ends_with("…\""), "{shown}");
        assert_eq!(quote(&"x".repeat(60)), format!("\"{}\"", "x".repeat(60)));
    }
}
