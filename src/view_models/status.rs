//! The freshness line and the agency shown on every screen (`Status` global).

use std::rc::Rc;
use std::time::Duration;

use slint::ComponentHandle;

use crate::kiosk::Kiosk;
use crate::store::StoreError;
use crate::ui::Status;

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
    time_zone: &str,
) -> Freshness {
    let Some(published) = published_at.and_then(|text| text.parse::<jiff::Timestamp>().ok()) else {
        return Freshness {
            updated_at: String::new(),
            stale: true,
        };
    };
    let zone = jiff::tz::TimeZone::get(time_zone)
        .unwrap_or_else(|_| jiff::tz::TimeZone::fixed(jiff::tz::offset(8)));
    let updated_at = published
        .to_zoned(zone)
        .strftime("%Y-%m-%d %H:%M")
        .to_string();
    let age = now.duration_since(published);
    let stale = age.as_secs_f64() > stale_after.as_secs_f64();
    Freshness { updated_at, stale }
}

/// Reads the content version's date off the UI thread and updates the freshness line.
pub fn refresh(kiosk: &Rc<Kiosk>) {
    if let Some(app) = kiosk.app() {
        let status = app.global::<Status>();
        let options = kiosk.options();
        // Names from the configuration are shown like content: in the visitor's script.
        let display = kiosk.display();
        status.set_agency_name(display.shared(&options.agency_name));
        status.set_location(display.shared(&options.location));
        status.set_staff_desk(display.shared(options.staff_desk.as_deref().unwrap_or("")));
    }
    let stale_after = kiosk.options().stale_after;
    let time_zone = kiosk.options().time_zone.clone();
    let syncs = kiosk.options().syncs;
    let weak = Rc::downgrade(kiosk);
    kiosk.worker().run(
        move |store| -> Result<Freshness, StoreError> {
            let published = store.meta("content_published_at")?;
            let now = jiff::Timestamp::now();
            let mut fresh = freshness(published.as_deref(), now, stale_after, &time_zone);
            // Stale by the sync's rule: an expired feed, or no successful check for too long.
            let record = store.feed_record()?;
            fresh.stale = crate::sync::status::stale_reason(
                &record,
                published.as_deref(),
                syncs,
                stale_after,
                now,
            )
            .is_some();
            Ok(fresh)
        },
        move |result| {
            let Some(app) = weak.upgrade().and_then(|kiosk| kiosk.app()) else {
                return;
            };
            match result {
                Ok(fresh) => {
                    let status = app.global::<Status>();
                    status.set_updated_at(fresh.updated_at.into());
                    status.set_stale(fresh.stale);
                }
                Err(err) => tracing::error!(%err, "reading the content version failed"),
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn formats_in_the_kiosk_time_zone_and_flags_old_content() {
        let now: jiff::Timestamp = "2026-11-29T12:00:00Z".parse().unwrap();
        let fresh = freshness(Some("2026-11-28T16:30:00Z"), now, 7 * DAY, "Asia/Shanghai");
        assert_eq!(
            fresh,
            Freshness {
                updated_at: "2026-11-29 00:30".into(),
                stale: false
            }
        );
        let old = freshness(Some("2026-11-01T00:00:00Z"), now, 7 * DAY, "Asia/Shanghai");
        assert!(old.stale);
        assert_eq!(old.updated_at, "2026-11-01 08:00");
    }

    #[test]
    fn unknown_or_garbled_dates_are_stale_with_no_date() {
        let now = jiff::Timestamp::UNIX_EPOCH;
        for published in [None, Some("yesterday")] {
            let fresh = freshness(published, now, DAY, "Asia/Shanghai");
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
