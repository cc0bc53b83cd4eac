//! Placeholder for the catalogue screen's view model (issue 3, in progress).

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

/// The visitor switched script: cached rows must be converted again.
pub fn script_changed(_kiosk: &Rc<Kiosk>) {}

/// Scrolls the catalogue list to `y` pixels from the top.
pub fn scroll_to(_app: &AppWindow, _y: f32) {}
