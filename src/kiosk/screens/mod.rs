//! The screen controllers and their registry: the one list of the kiosk's screens.
//!
//! Each screen is a struct implementing [`Controller`]: it wires its adapter's callbacks, shows
//! a [`Place`] (loading through [`Kiosk::load_screen`]), and keeps what a visitor did there as
//! plain Rust inside it, which [`Controller::reset`] clears. [`Screens`] owns one of each; the
//! kiosk reaches them only through it. Adding a screen touches this file and the new one (plus
//! its Slint page).
//!
//! Must never: keep visitor state anywhere but in a controller (no thread-locals, no state
//! hidden in Slint globals), run SQL (the view models' `load` functions run on the worker), or
//! block the UI thread.

mod apply;
mod catalogue;
mod document;
mod guide;
mod home;
mod report;
mod reports;
pub(crate) mod search;
mod viewer;

use std::rc::Rc;

use super::Kiosk;
use crate::ui::{AppWindow, Screen};
use crate::view_models::viewer::Reading;

/// A place in the back stack: a screen and, for single documents, which one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Home,
    Guide,
    Catalogue,
    Document(String),
    Reports,
    Report(String),
    Apply,
    Search,
    /// An attachment's page in the viewer.
    Viewer(Reading),
}

impl Place {
    /// The Slint screen that shows this place.
    pub(crate) fn screen(&self) -> Screen {
        match self {
            Place::Home => Screen::Home,
            Place::Guide => Screen::Guide,
            Place::Catalogue => Screen::Catalogue,
            Place::Document(_) => Screen::Document,
            Place::Reports => Screen::Reports,
            Place::Report(_) => Screen::Report,
            Place::Apply => Screen::Apply,
            Place::Search => Screen::Search,
            Place::Viewer(_) => Screen::Viewer,
        }
    }

    /// The place `Nav.open(screen)` opens; screens that show one document are opened by id.
    pub(crate) fn from_screen(screen: Screen) -> Option<Place> {
        Some(match screen {
            Screen::Home => Place::Home,
            Screen::Guide => Place::Guide,
            Screen::Catalogue => Place::Catalogue,
            Screen::Reports => Place::Reports,
            Screen::Apply => Place::Apply,
            Screen::Search => Place::Search,
            Screen::Document | Screen::Report | Screen::Viewer => return None,
        })
    }

    /// The screen's name in the usage statistics.
    pub(crate) fn usage_name(&self) -> &'static str {
        match self {
            Place::Home => "home",
            Place::Guide => "guide",
            Place::Catalogue => "catalogue",
            Place::Document(_) => "document",
            Place::Reports => "reports",
            Place::Report(_) => "report",
            Place::Apply => "apply",
            Place::Search => "search",
            Place::Viewer(_) => "viewer",
        }
    }

    /// Reading screens get the longer idle timeout.
    pub(crate) fn is_reading(&self) -> bool {
        matches!(
            self,
            Place::Guide | Place::Document(_) | Place::Report(_) | Place::Apply | Place::Viewer(_)
        )
    }
}

/// One screen of the kiosk. Every method runs on the UI thread.
pub(crate) trait Controller {
    /// Wires the screen's adapter callbacks (once, at start).
    fn connect(&self, _kiosk: &Rc<Kiosk>, _app: &AppWindow) {}

    /// Shows `place` (one of this screen's): loads its data off the UI thread.
    fn show(&self, kiosk: &Rc<Kiosk>, app: &AppWindow, place: &Place);

    /// Forgets everything the visitor did on this screen (idle reset).
    fn reset(&self, kiosk: &Rc<Kiosk>, app: &AppWindow);

    /// The sync committed new content: drop what was loaded from the old content.
    fn content_changed(&self, _kiosk: &Rc<Kiosk>, _app: &AppWindow) {}

    /// Whether the screen, on display when new content arrives, reloads where it is (lists).
    /// Reading screens never do: the page is not yanked away from the visitor.
    fn reloads_on_new_content(&self) -> bool {
        false
    }

    /// The visitor switched between Simplified and Traditional.
    fn script_changed(&self, _kiosk: &Rc<Kiosk>, _app: &AppWindow) {}

    /// Whether the screen holds nothing of a visitor: its state equals a fresh one's.
    fn is_fresh(&self) -> bool;
}

/// Every screen's controller, one of each.
#[derive(Default)]
pub(crate) struct Screens {
    home: home::HomeScreen,
    guide: guide::GuideScreen,
    catalogue: catalogue::CatalogueScreen,
    document: document::DocumentScreen,
    reports: reports::ReportsScreen,
    report: report::ReportScreen,
    apply: apply::ApplyScreen,
    search: search::SearchScreen,
    viewer: viewer::ViewerScreen,
}

impl Screens {
    /// Every controller.
    pub(crate) fn all(&self) -> [&dyn Controller; 9] {
        [
            &self.home,
            &self.guide,
            &self.catalogue,
            &self.document,
            &self.reports,
            &self.report,
            &self.apply,
            &self.search,
            &self.viewer,
        ]
    }

    /// The controller that shows `place`.
    pub(crate) fn of(&self, place: &Place) -> &dyn Controller {
        match place {
            Place::Home => &self.home,
            Place::Guide => &self.guide,
            Place::Catalogue => &self.catalogue,
            Place::Document(_) => &self.document,
            Place::Reports => &self.reports,
            Place::Report(_) => &self.report,
            Place::Apply => &self.apply,
            Place::Search => &self.search,
            Place::Viewer(_) => &self.viewer,
        }
    }
}
