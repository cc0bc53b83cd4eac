//! The list of annual reports (年度报告) with the chart of key figures.

use std::rc::Rc;

use slint::ComponentHandle;

use super::{Controller, Place};
use crate::kiosk::Kiosk;
use crate::ui::{AppWindow, ReportsAdapter};
use crate::view_models::reports;

#[derive(Default)]
pub(crate) struct ReportsScreen;

impl Controller for ReportsScreen {
    fn show(&self, kiosk: &Rc<Kiosk>, _app: &AppWindow, _place: &Place) {
        let display = kiosk.display();
        kiosk.load_screen(
            "the annual reports",
            move |store| reports::load(store, display).map(Some),
            move |kiosk, app, data| {
                kiosk.set_page_text(data.speech_text());
                reports::apply(app, data, display);
            },
        );
    }

    /// Scrolls back to the top.
    fn reset(&self, _kiosk: &Rc<Kiosk>, app: &AppWindow) {
        app.global::<ReportsAdapter>().set_scroll_y(0.0);
    }

    /// The list reloads where it is.
    fn reloads_on_new_content(&self) -> bool {
        true
    }

    fn is_fresh(&self) -> bool {
        true
    }
}
