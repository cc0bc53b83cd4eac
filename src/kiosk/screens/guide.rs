//! The guide (公开指南): loaded whole, scrolled by the page.

use std::rc::Rc;

use slint::ComponentHandle;

use super::{Controller, Place};
use crate::kiosk::Kiosk;
use crate::ui::{AppWindow, GuideAdapter};
use crate::view_models::guide;

#[derive(Default)]
pub(crate) struct GuideScreen;

impl Controller for GuideScreen {
    fn show(&self, kiosk: &Rc<Kiosk>, _app: &AppWindow, _place: &Place) {
        let display = kiosk.display();
        kiosk.load_screen(
            "the guide",
            move |store| guide::load(store, display).map(Some),
            |kiosk, app, data| {
                kiosk.set_page_text(data.speech_text());
                guide::apply(app, data);
            },
        );
    }

    /// Scrolls back to the top.
    fn reset(&self, _kiosk: &Rc<Kiosk>, app: &AppWindow) {
        app.global::<GuideAdapter>().set_scroll_y(0.0);
    }

    fn is_fresh(&self) -> bool {
        true
    }
}
