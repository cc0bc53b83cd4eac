//! View models: store rows → the plain data each screen shows, then → Slint structs and models.
//!
//! One file per screen. Each has the same shape:
//! - `load(&Store, …, Display) -> Result<XxxData, StoreError>` runs on the store worker and
//!   returns plain `Send` data, with content text already in the visitor's script;
//! - `apply(&AppWindow, XxxData)` runs on the UI thread and builds the Slint values.
//!
//! The screen controllers in `kiosk` call them; this layer knows nothing of the kiosk (no
//! navigation, no session) and keeps no visitor state. [`worker`] runs the loads off the UI
//! thread.
//!
//! Must never: import from `kiosk`, run SQL directly (only `store` does), block the UI thread,
//! or build Slint values off the UI thread.

pub mod apply;
pub mod catalogue;
pub mod catalogue_model;
pub mod document;
pub mod guide;
pub mod labels;
pub mod printables;
pub mod qr;
pub mod report;
pub mod report_table;
pub mod reports;
pub mod search;
pub mod staff;
pub mod status;
pub mod viewer;
pub mod worker;

use crate::text::script;

/// How content text is displayed for the current visitor: Simplified as stored, or converted
/// to Traditional (per visitor session).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Display {
    /// Show content in Traditional characters.
    pub traditional: bool,
}

impl Display {
    /// `text` in the visitor's script.
    pub fn text(&self, text: &str) -> String {
        if self.traditional {
            script::to_traditional(text)
        } else {
            text.to_owned()
        }
    }

    /// `text` in the visitor's script, as a Slint string.
    pub fn shared(&self, text: &str) -> slint::SharedString {
        self.text(text).into()
    }
}

/// A Slint model of `items`.
/// A size in bytes as people read it, for visitors and staff alike: "512 B", "640 KB",
/// "3.0 MB", "36.4 GB" (units of 1,024, as Windows shows them; three significant figures).
pub fn size_text(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} B"),
        _ if value >= 100.0 => format!("{value:.0} {}", UNITS[unit]),
        _ => format!("{value:.1} {}", UNITS[unit]),
    }
}

pub(crate) fn model<T: Clone + 'static>(items: Vec<T>) -> slint::ModelRc<T> {
    slint::ModelRc::new(slint::VecModel::from(items))
}

/// A cache in memory holding the bundled content (unit tests of the screens).
/// The portal address for QR codes: `kiosk.portal_url` from the configuration, else the
/// `portal_url` of the applied feed manifest (worker side).
pub(crate) fn portal_url(
    store: &crate::store::Store,
    configured: Option<String>,
) -> Result<Option<String>, crate::store::StoreError> {
    match configured {
        Some(url) => Ok(Some(url)),
        None => store.meta("feed.portal_url"),
    }
}

#[cfg(test)]
pub(crate) fn bundled_store() -> crate::store::Store {
    let mut store = crate::store::Store::open_in_memory().expect("in-memory store");
    crate::import::load_bundled(&mut store).expect("bundled content loads");
    store
}
