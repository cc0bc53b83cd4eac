//! The freshness line and the agency shown on every screen (`Status` global).

use std::time::Duration;

/// When the content on display was published, as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freshness {
    /// "YYYY-MM-DD HH:mm" in the kiosk's time zone; empty when unknown.
    pub updated_at: String,
    /// Older than `stale_after` (or unknown).
    pub stale: bool,
}

/// Works out the freshness line from the content's publication time (RFC 3339).
pub fn freshness(
    published_at: Option<&str>,
    now: jiff::Timestamp,
    stale_after: Duration,
    zone: &jiff::tz::TimeZone,
) -> Freshness {
    let Some(published) = published_at.and_then(|text| text.parse::<jiff::Timestamp>().ok()) else {
        return Freshness {
            updated_at: String::new(),
            stale: true,
        };
    };
    let updated_at = published
        .to_zoned(zone.clone())
        .strftime("%Y-%m-%d %H:%M")
        .to_string();
    let age = now.duration_since(published);
    let stale = age.as_secs_f64() > stale_after.as_secs_f64();
    Freshness { updated_at, stale }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shanghai() -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get("Asia/Shanghai").unwrap_or_else(|e| panic!("{e}"))
    }

    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn formats_in_the_kiosk_time_zone_and_flags_old_content() {
        let now: jiff::Timestamp = "2026-11-29T12:00:00Z".parse().unwrap();
        let fresh = freshness(Some("2026-11-28T16:30:00Z"), now, 7 * DAY, &shanghai());
        assert_eq!(
            fresh,
            Freshness {
                updated_at: "2026-11-29 00:30".into(),
                stale: false
            }
        );
        let old = freshness(Some("2026-11-01T00:00:00Z"), now, 7 * DAY, &shanghai());
        assert!(old.stale);
        assert_eq!(old.updated_at, "2026-11-01 08:00");
    }

    #[test]
    fn unknown_or_garbled_dates_are_stale_with_no_date() {
        let now = jiff::Timestamp::UNIX_EPOCH;
        for published in [None, Some("yesterday")] {
            let fresh = freshness(published, now, DAY, &shanghai());
            assert_eq!(
                fresh,
                Freshness {
                    updated_at: String::new(),
                    stale: true
                }
            );
        }
    }
}
