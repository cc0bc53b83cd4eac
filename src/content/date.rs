//! Calendar dates as the content feed writes them: `YYYY-MM-DD`, proleptic Gregorian.
//!
//! Owns parsing, validation (real month lengths, leap years), ordering and the day count used to
//! compare dates. Pure: never performs I/O and never reads the clock.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A validated calendar date between 0001-01-01 and 9999-12-31.
///
/// Ordering is chronological. Serialized as the string `"YYYY-MM-DD"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// Builds a date from its parts, or `None` when the day does not exist (`2013-02-29`) or the
    /// year is outside `1..=9999`.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let valid = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// Parses exactly `YYYY-MM-DD` (four-digit year, two-digit month and day, ASCII digits).
    ///
    /// The error says what was expected and what was found, e.g.
    /// `expected a date YYYY-MM-DD, found "2012-13-01" (there is no month 13)`.
    pub fn parse(s: &str) -> Result<Date, String> {
        let bytes = s.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape_ok {
            return Err(format!("expected a date YYYY-MM-DD, found {s:?}"));
        }
        let number = |range: std::ops::Range<usize>| {
            bytes[range]
                .iter()
                .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
        };
        // At most 9999, 99 and 99: the conversions cannot fail.
        let year = i32::try_from(number(0..4)).unwrap_or(0);
        let month = u8::try_from(number(5..7)).unwrap_or(0);
        let day = u8::try_from(number(8..10)).unwrap_or(0);
        if year == 0 {
            return Err(format!(
                "expected a date YYYY-MM-DD, found {s:?} (there is no year 0000)"
            ));
        }
        if !(1..=12).contains(&month) {
            return Err(format!(
                "expected a date YYYY-MM-DD, found {s:?} (there is no month {month})"
            ));
        }
        Date::new(year, month, day).ok_or_else(|| {
            format!(
                "expected a date YYYY-MM-DD, found {s:?} ({year}-{month:02} has {} days)",
                days_in_month(year, month)
            )
        })
    }

    /// The year, e.g. `2012`.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The month, `1..=12`.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month, `1..=31`.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (which is day 0); negative before it.
    pub fn days_since_epoch(&self) -> i64 {
        // Howard Hinnant's `days_from_civil`, with March as the first month of the year.
        let month = i64::from(self.month);
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month_from_march = (month + 9) % 12;
        let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }
}

/// True for Gregorian leap years.
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days of `month` (1–12) in `year`; 0 for a month that does not exist.
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl std::str::FromStr for Date {
    type Err = String;

    fn from_str(s: &str) -> Result<Date, String> {
        Date::parse(s)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        struct DateVisitor;

        impl Visitor<'_> for DateVisitor {
            type Value = Date;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date YYYY-MM-DD")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Date, E> {
                Date::parse(s).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(DateVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        match Date::parse(s) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn parses_and_displays() {
        let d = date("2012-03-05");
        assert_eq!((d.year(), d.month(), d.day()), (2012, 3, 5));
        assert_eq!(d.to_string(), "2012-03-05");
        assert_eq!("2013-01-08".parse::<Date>(), Ok(date("2013-01-08")));
    }

    #[test]
    fn rejects_impossible_dates_with_a_reason() {
        assert_eq!(
            Date::parse("2012-13-01"),
            Err("expected a date YYYY-MM-DD, found \"2012-13-01\" (there is no month 13)".into())
        );
        let feb = Date::parse("2013-02-29").unwrap_err();
        assert!(feb.contains("2013-02 has 28 days"), "{feb}");
        assert!(Date::parse("2012-02-29").is_ok(), "2012 is a leap year");
        assert!(
            Date::parse("1900-02-29").is_err(),
            "1900 is not a leap year"
        );
        assert!(Date::parse("2000-02-29").is_ok(), "2000 is a leap year");
        assert!(Date::parse("2012-04-31").is_err());
        assert!(Date::parse("2012-01-00").is_err());
        assert!(Date::parse("0000-01-01").is_err());
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "",
            "2012-1-05",
            "2012/01/05",
            "20120105",
            "2012-01-05 ",
            "２０１２-01-05",
            "2012-01-0x",
            "+012-01-05",
        ] {
            let err = Date::parse(bad).unwrap_err();
            assert!(
                err.starts_with("expected a date YYYY-MM-DD"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn days_since_epoch_matches_known_values() {
        assert_eq!(date("1970-01-01").days_since_epoch(), 0);
        assert_eq!(date("1970-01-02").days_since_epoch(), 1);
        assert_eq!(date("1969-12-31").days_since_epoch(), -1);
        assert_eq!(date("2000-03-01").days_since_epoch(), 11_017);
        assert_eq!(date("2019-05-15").days_since_epoch(), 18_031);
        assert_eq!(
            date("2013-01-01").days_since_epoch() - date("2012-01-01").days_since_epoch(),
            366
        );
    }

    #[test]
    fn orders_chronologically() {
        assert!(date("2012-12-31") < date("2013-01-01"));
        assert!(date("2013-01-30") < date("2013-02-01"));
    }

    #[test]
    fn serde_round_trip() {
        let d = date("2023-01-30");
        assert_eq!(
            serde_json::to_string(&d).ok(),
            Some("\"2023-01-30\"".to_string())
        );
        let back: Result<Date, _> = serde_json::from_str("\"2023-01-30\"");
        assert_eq!(back.ok(), Some(d));
        let bad = serde_json::from_str::<Date>("\"2023-02-30\"").unwrap_err();
        assert!(bad.to_string().contains("2023-02 has 28 days"), "{bad}");
        assert!(serde_json::from_str::<Date>("20230130").is_err());
    }
}
