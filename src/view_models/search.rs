//! Placeholder for the search screen's view model (issue 3, in progress).

use std::rc::Rc;

use crate::kiosk::Kiosk;
use crate::ui::AppWindow;

/// Shows the screen.
pub fn show(kiosk: &Rc<Kiosk>, _app: &AppWindow) {
    kiosk.set_page_text(String::new());
}

/// Wires the screen's callbacks.
pub fn connect(_kiosk: &Rc<Kiosk>, _app: &AppWindow) {}

/// Clears what a visitor did here.
pub fn reset(_kiosk: &Rc<Kiosk>, _app: &AppWindow) {}

/// Puts `query` in the search box and searches, as if typed.
pub fn set_query(_kiosk: &Rc<Kiosk>, _app: &AppWindow, _query: &str) {}
