//! One annual report (年度报告) with its tables and 查看原文.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use slint::ComponentHandle;

use super::{Controller, Place};
use crate::kiosk::Kiosk;
use crate::ui::{AppWindow, ReportAdapter};
use crate::view_models::report;

#[derive(Default)]
pub(crate) struct ReportScreen {
    /// The report on display.
    shown: RefCell<String>,
    /// Set when the visitor switches script: the next `show` of the same report reloads it in
    /// place, keeping the scroll position and the 查看原文 choice.
    reload_in_place: Cell<bool>,
}

impl Controller for ReportScreen {
    /// A newly opened report starts at the top with 查看原文 off; after a script switch the same
    /// report keeps its place.
    fn show(&self, kiosk: &Rc<Kiosk>, app: &AppWindow, place: &Place) {
        let Place::Report(id) = place else { return };
        let same = self.reload_in_place.replace(false) && *self.shown.borrow() == *id;
        if !same {
            self.reset(kiosk, app);
            *self.shown.borrow_mut() = id.clone();
        }
        let display = kiosk.display();
        let id = id.clone();
        kiosk.load_screen(
            "a report",
            move |store| report::load(store, &id, display),
            |kiosk, app, data| {
                kiosk.set_page_text(data.speech_text());
                report::apply(app, data);
            },
        );
    }

    /// Scrolls back to the top with 查看原文 off.
    fn reset(&self, _kiosk: &Rc<Kiosk>, app: &AppWindow) {
        self.shown.borrow_mut().clear();
        self.reload_in_place.set(false);
        let adapter = app.global::<ReportAdapter>();
        adapter.set_scroll_y(0.0);
        adapter.set_show_original(false);
    }

    fn script_changed(&self, kiosk: &Rc<Kiosk>, _app: &AppWindow) {
        if matches!(kiosk.current(), Place::Report(_)) {
            self.reload_in_place.set(true);
        }
    }

    fn is_fresh(&self) -> bool {
        self.shown.borrow().is_empty() && !self.reload_in_place.get()
    }
}
