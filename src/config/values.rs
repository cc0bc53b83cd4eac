//! Value syntaxes used in `readpoint.toml`: durations, byte sizes, URLs, display-schedule
//! ranges, minisign public keys, argon2 PHC hashes and a tiny base64 decoder.
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

/// A minisign Ed25519 public key, as found base64-encoded on the second line of a `.pub` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinisignPublicKey {
    /// The 8-byte key id (signatures name the key that made them by this id).
    pub key_id: [u8; 8],
    /// The 32-byte Ed25519 public key.
    pub public_key: [u8; 32],
}

impl MinisignPublicKey {
    /// Parses the base64 line of a minisign `.pub` file (56 characters, 42 bytes, starting with
    /// `Ed`). Returns a reason a staff member can act on.
    ///
    /// A whole `.pub` file pasted in (the `untrusted comment:` line, then the key line) is
    /// accepted: only its last non-empty line is read.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text
            .lines()
            .map(str::trim)
            .rfind(|line| !line.is_empty())
            .unwrap_or_default();
        if text.starts_with("untrusted comment:") {
            return Err("is the comment line of the .pub file, not the key".to_owned());
        }
        let bytes = decode_base64(text)
            .map_err(|reason| format!("is not a minisign public key ({reason})"))?;
        if bytes.len() != 42 {
            return Err(format!(
                "is not a minisign public key (it decodes to {} bytes, a key has 42; is it cut off?)",
                bytes.len()
            ));
        }
        if &bytes[..2] != b"Ed" {
            return Err(
                "is not a minisign Ed25519 public key (it does not start with \"RW\")".to_owned(),
            );
        }
        let mut key_id = [0u8; 8];
        key_id.copy_from_slice(&bytes[2..10]);
        let mut public_key = [0u8; 32];
        public_key.copy_from_slice(&bytes[10..42]);
        Ok(Self { key_id, public_key })
    }

    /// The key id as minisign prints it (16 upper-case hex digits).
    pub fn key_id_hex(&self) -> String {
        format!("{:016X}", u64::from_le_bytes(self.key_id))
    }

    /// The key as the second line of a `.pub` file (base64 of `Ed`, key id, key).
    pub fn to_base64(&self) -> String {
        let mut bytes = Vec::with_capacity(42);
        bytes.extend_from_slice(b"Ed");
        bytes.extend_from_slice(&self.key_id);
        bytes.extend_from_slice(&self.public_key);
        encode_base64(&bytes)
    }
}

/// Encodes standard base64 with `=` padding.
pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (`A-Z a-z 0-9 + /`), with or without `=` padding.
pub(crate) fn decode_base64(text: &str) -> Result<Vec<u8>, &'static str> {
    let body = text.trim_end_matches('=');
    let padding = text.len() - body.len();
    if padding > 2 || (padding > 0 && !text.len().is_multiple_of(4)) {
        return Err("wrong padding");
    }
    if body.len() % 4 == 1 {
        return Err("wrong length");
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in body.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err("contains a character that is not base64"),
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

/// Least argon2id memory accepted for the PIN hash, in KiB (OWASP's minimum with `t=2`).
pub(crate) const ARGON2_MIN_MEMORY_KIB: u32 = 19_456;
/// Least argon2id passes accepted for the PIN hash.
pub(crate) const ARGON2_MIN_PASSES: u32 = 2;
/// Most argon2id memory accepted, in KiB (256 MiB): a kiosk checks the PIN beside the running
/// UI, and a hash asking for gigabytes would exhaust its memory.
pub(crate) const ARGON2_MAX_MEMORY_KIB: u32 = 262_144;
/// Most argon2id work accepted, as memory × passes (KiB): the argon2 crate runs the lanes one
/// after another, so the time of a check grows with `m × t`. 524288 (256 MiB × 2, 64 MiB × 8)
/// takes about 0.6 s on a 2020s x86 core at the build's opt-level 1 — below 2 s with room for a
/// slower kiosk; the default (`m=19456,t=2`) is 1/13 of it, the documented example
/// (`m=65536,t=3`) about 1/3.
pub(crate) const ARGON2_MAX_WORK: u64 = 524_288;
/// Most argon2id lanes accepted (argon2 allows 2^24 - 1; PIN hashes use 1 to 4).
pub(crate) const ARGON2_MAX_LANES: u32 = 16;
/// Longest salt and hash accepted, in bytes (argon2 tools write 16 and 32).
const ARGON2_MAX_BYTES: usize = 64;

/// Checks that `text` looks like an argon2id PHC string:
/// `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>` (salt and hash in unpadded
/// base64, salt 8 to 64 bytes, hash 16 to 64 bytes), with parameters that are allowed
/// (`m >= 8 * p`), strong enough (`m >= 19456`, `t >= 2`) and bounded, so that checking a PIN
/// against it neither exhausts memory nor takes seconds (`m <= 262144`, `m × t <= 524288`,
/// `p <= 16`). `staff::pin::verify_pin` runs argon2 only on hashes that pass this check.
pub(crate) fn check_argon2_phc(text: &str) -> Result<(), &'static str> {
    let parts: Vec<&str> = text.split('$').collect();
    let [empty, algorithm, version, params, salt, hash] = parts.as_slice() else {
        return Err("does not have the six $-separated parts of an argon2 hash");
    };
    if !empty.is_empty() {
        return Err("does not start with $argon2id$");
    }
    if *algorithm != "argon2id" {
        return Err("is not an argon2id hash (it must start with $argon2id$)");
    }
    if *version != "v=19" {
        return Err("has an unsupported version (expected v=19)");
    }
    let mut seen = [false; 3];
    let mut values = [0u32; 3];
    for (index, param) in params.split(',').enumerate() {
        let Some((name, value)) = param.split_once('=') else {
            return Err("has malformed parameters (expected m=…,t=…,p=…)");
        };
        let expected = ["m", "t", "p"].get(index).copied();
        if expected != Some(name) {
            return Err("has malformed parameters (expected m=…,t=…,p=…)");
        }
        let number = value
            .parse::<u32>()
            .ok()
            .filter(|v| *v > 0 && value.bytes().all(|b| b.is_ascii_digit()));
        let Some(number) = number else {
            return Err("has a parameter that is not a positive number");
        };
        seen[index] = true;
        values[index] = number;
    }
    if !seen.iter().all(|s| *s) {
        return Err("has malformed parameters (expected m=…,t=…,p=…)");
    }
    let [memory, passes, lanes] = values;
    if u64::from(memory) < 8 * u64::from(lanes) {
        return Err("has m (memory) smaller than 8 × p (lanes), which argon2 does not allow");
    }
    if memory < ARGON2_MIN_MEMORY_KIB {
        return Err("uses too little memory to be safe (m must be at least 19456)");
    }
    if passes < ARGON2_MIN_PASSES {
        return Err("uses too few passes to be safe (t must be at least 2)");
    }
    if memory > ARGON2_MAX_MEMORY_KIB {
        return Err(
            "uses too much memory for a kiosk (m must be at most 262144, i.e. 256 MiB; \
             `readpoint config set-pin` uses 19456)",
        );
    }
    if u64::from(memory) * u64::from(passes) > ARGON2_MAX_WORK {
        return Err(
            "would take too long to check on a kiosk (m × t must be at most 524288, e.g. \
             m=65536,t=8 or m=262144,t=2; `readpoint config set-pin` uses m=19456,t=2)",
        );
    }
    if lanes > ARGON2_MAX_LANES {
        return Err("uses too many lanes (p must be at most 16)");
    }
    if salt.contains('=') || hash.contains('=') {
        return Err("has padding in the salt or hash (argon2 hashes use base64 without =)");
    }
    match decode_base64(salt) {
        Ok(bytes) if (8..=ARGON2_MAX_BYTES).contains(&bytes.len()) => {}
        Ok(bytes) if bytes.len() > ARGON2_MAX_BYTES => {
            return Err("has a salt longer than 64 bytes");
        }
        Ok(_) => return Err("has a salt shorter than 8 bytes"),
        Err(_) => return Err("has a salt that is not base64"),
    }
    match decode_base64(hash) {
        Ok(bytes) if (16..=ARGON2_MAX_BYTES).contains(&bytes.len()) => {}
        Ok(bytes) if bytes.len() > ARGON2_MAX_BYTES => {
            return Err("has a hash longer than 64 bytes");
        }
        Ok(_) => return Err("has a hash shorter than 16 bytes"),
        Err(_) => return Err("has a hash that is not base64"),
    }
    Ok(())
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

    #[test]
    fn base64_decodes() {
        assert_eq!(decode_base64(""), Ok(Vec::new()));
        assert_eq!(decode_base64("TWFu"), Ok(b"Man".to_vec()));
        assert_eq!(decode_base64("TWE="), Ok(b"Ma".to_vec()));
        assert_eq!(decode_base64("TWE"), Ok(b"Ma".to_vec()));
        assert_eq!(decode_base64("TQ=="), Ok(b"M".to_vec()));
        assert_eq!(decode_base64("5LmQ5bGx"), Ok("乐山".as_bytes().to_vec()));
        assert!(decode_base64("TWF*").is_err());
        assert!(decode_base64("T").is_err());
        assert!(decode_base64("TQ===").is_err());
        assert!(decode_base64("TQ=").is_err());
    }

    /// The public key of minisign's own documentation example.
    pub(crate) const EXAMPLE_KEY: &str = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3";

    #[test]
    fn minisign_keys() {
        let key = MinisignPublicKey::parse(EXAMPLE_KEY);
        assert!(key.is_ok(), "{key:?}");
        if let Ok(key) = key {
            assert_eq!(key.key_id_hex(), "E7620F1842B4E81F");
        }
        assert!(MinisignPublicKey::parse(&EXAMPLE_KEY[..40]).is_err());
        assert!(MinisignPublicKey::parse("untrusted comment: minisign public key").is_err());
        // A whole .pub file (comment line, key line, trailing newline) is accepted.
        let whole =
            format!("untrusted comment: minisign public key E7620F1842B4E81F\r\n{EXAMPLE_KEY}\n\n");
        assert_eq!(
            MinisignPublicKey::parse(&whole),
            MinisignPublicKey::parse(EXAMPLE_KEY)
        );
        // Only the last line counts: a key followed by junk is still refused.
        assert!(MinisignPublicKey::parse(&format!("{EXAMPLE_KEY}\njunk")).is_err());
        assert!(MinisignPublicKey::parse("not base64!").is_err());
        if let Ok(key) = MinisignPublicKey::parse(EXAMPLE_KEY) {
            assert_eq!(key.to_base64(), EXAMPLE_KEY);
        }
        assert_eq!(encode_base64(b"ab"), "YWI=");
        assert_eq!(encode_base64(b"a"), "YQ==");
        assert_eq!(
            decode_base64(&encode_base64(b"hello world")),
            Ok(b"hello world".to_vec())
        );
        // 42 bytes but not starting with "Ed".
        let not_ed = "AAAf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3";
        assert!(MinisignPublicKey::parse(not_ed).is_err());
    }

    pub(crate) const EXAMPLE_HASH: &str = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk";

    #[test]
    fn argon2_hashes() {
        assert_eq!(check_argon2_phc(EXAMPLE_HASH), Ok(()));
        for bad in [
            "",
            "123456",
            "$argon2i$v=19$m=65536,t=3,p=4$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk",
            "$argon2id$v=16$m=65536,t=3,p=4$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk",
            "$argon2id$v=19$t=3,m=65536,p=4$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk",
            "$argon2id$v=19$m=65536,t=0,p=4$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk",
            "$argon2id$v=19$m=65536,t=3$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk",
            "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk",
            "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQxMjM0$c2hvcnQ",
            "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXX*uJj6Qq1v2FxNxJxH3Pq6tjFvTk",
        ] {
            assert!(check_argon2_phc(bad).is_err(), "{bad}");
        }
        let with = |params: &str| {
            check_argon2_phc(&format!(
                "$argon2id$v=19${params}$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk"
            ))
        };
        // OWASP minimums: m=19456 with t=2 is the least accepted.
        assert_eq!(with("m=19456,t=2,p=1"), Ok(()));
        assert!(with("m=19455,t=2,p=1").is_err_and(|e| e.contains("19456")));
        assert!(with("m=4096,t=3,p=1").is_err_and(|e| e.contains("19456")));
        assert!(with("m=65536,t=1,p=1").is_err_and(|e| e.contains("at least 2")));
        // argon2 itself needs m >= 8 * p.
        assert!(with("m=19456,t=2,p=4096").is_err_and(|e| e.contains("8 × p")));
        assert!(with("m=32768,t=2,p=4096").is_err_and(|e| e.contains("at most 16")));
        assert_eq!(with("m=32768,t=2,p=16"), Ok(()));
        assert!(with("m=32768,t=2,p=17").is_err_and(|e| e.contains("at most 16")));
        // Upper bounds: memory a kiosk has, and a check well under 2 s.
        assert_eq!(with("m=262144,t=2,p=1"), Ok(()));
        assert!(with("m=262145,t=2,p=1").is_err_and(|e| e.contains("262144")));
        assert!(with("m=4194304,t=2,p=1").is_err_and(|e| e.contains("262144")));
        assert!(with("m=4294967295,t=2,p=1").is_err_and(|e| e.contains("262144")));
        assert_eq!(with("m=65536,t=8,p=4"), Ok(()));
        assert!(with("m=65536,t=9,p=4").is_err_and(|e| e.contains("m × t")));
        assert!(with("m=19456,t=4294967295,p=1").is_err_and(|e| e.contains("m × t")));
        // What `config set-pin` writes and the documented example stay inside.
        assert_eq!(with("m=19456,t=2,p=1"), Ok(()));
        assert_eq!(with("m=65536,t=3,p=4"), Ok(()));
        // Salt and hash lengths are bounded too (64 bytes each).
        let long = encode_base64(&[7u8; 65]).replace('=', "");
        let fits = encode_base64(&[7u8; 64]).replace('=', "");
        let salted = |salt: &str, hash: &str| {
            check_argon2_phc(&format!("$argon2id$v=19$m=19456,t=2,p=1${salt}${hash}"))
        };
        assert_eq!(salted(&fits, &fits), Ok(()));
        assert!(salted(&long, &fits).is_err_and(|e| e.contains("salt longer")));
        assert!(salted(&fits, &long).is_err_and(|e| e.contains("hash longer")));
    }
}
