//! The freshness line and the agency shown on every screen (`Status` global), refreshed after
//! a sync, a script switch and at start. Must never: read the store on the UI thread.

use std::rc::Rc;

use slint::ComponentHandle;

use super::Kiosk;
use crate::store::StoreError;
use crate::ui::Status;

/// Reads the content version's date off the UI thread and updates the freshness line.
pub(super) fn refresh(kiosk: &Rc<Kiosk>) {
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
    let zone = kiosk.options().zone.clone();
    let syncs = kiosk.options().syncs;
    let weak = Rc::downgrade(kiosk);
    kiosk.worker().run(
        move |store| -> Result<crate::view_models::status::Freshness, StoreError> {
            let published = store.meta("content_published_at")?;
            let now = jiff::Timestamp::now();
            let mut fresh = crate::view_models::status::freshness(
                published.as_deref(),
                now,
                stale_after,
                &zone,
            );
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
