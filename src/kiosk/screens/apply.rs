//! 依申请公开: the procedure and the form (loaded whole, scrolled by the page).

use std::rc::Rc;

use slint::ComponentHandle;

use super::{Controller, Place};
use crate::kiosk::Kiosk;
use crate::ui::{AppWindow, ApplyAdapter};
use crate::view_models::{apply, portal_url};

#[derive(Default)]
pub(crate) struct ApplyScreen;

impl Controller for ApplyScreen {
    fn show(&self, kiosk: &Rc<Kiosk>, _app: &AppWindow, _place: &Place) {
        let display = kiosk.display();
        let configured = kiosk.options().portal_url.clone();
        kiosk.load_screen(
            "the procedure",
            move |store| {
                let portal_url = portal_url(store, configured)?;
                apply::load(store, display, portal_url.as_deref()).map(Some)
            },
            |kiosk, app, data| {
                kiosk.set_page_text(data.speech_text());
                apply::apply(app, data);
            },
        );
    }

    /// Scrolls back to the top.
    fn reset(&self, _kiosk: &Rc<Kiosk>, app: &AppWindow) {
        app.global::<ApplyAdapter>().set_scroll_y(0.0);
    }

    fn is_fresh(&self) -> bool {
        true
    }
}
