//! Headless UI fixtures: a kiosk on the bundled content in Slint's testing backend (mock time,
//! no event loop, queries run inline), and the moves of a visitor: find a control by its
//! accessible label, tap it, read what the screen shows.

use std::rc::Rc;

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use readpoint::kiosk::{Kiosk, KioskOptions, Worker};
use readpoint::ui::AppWindow;
use slint::ComponentHandle;

use crate::support::bundled_store;

/// A window and its kiosk session; keep both alive for the test.
pub struct UiKiosk {
    pub app: AppWindow,
    #[allow(dead_code)] // kept alive: the window's callbacks hold only weak references
    pub kiosk: Rc<Kiosk>,
}

impl UiKiosk {
    /// A kiosk on the bundled content with default options and a portal for QR codes.
    pub fn new() -> UiKiosk {
        let options = KioskOptions {
            portal_url: Some("https://www.leshan.gov.cn/".into()),
            ..KioskOptions::default()
        };
        UiKiosk::with_options(options)
    }

    /// A kiosk on the bundled content with `options`.
    pub fn with_options(options: KioskOptions) -> UiKiosk {
        UiKiosk::on_store(bundled_store(), options)
    }

    /// A kiosk reading `store` (a cache file another connection may change).
    pub fn on_store(store: readpoint::store::Store, options: KioskOptions) -> UiKiosk {
        thread_local! {
            static PLATFORM: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        }
        // Once per test thread: a second kiosk in one test (a "restart") shares the platform.
        if !PLATFORM.with(|done| done.replace(true)) {
            i_slint_backend_testing::init_no_event_loop();
        }
        let app = AppWindow::new().expect("window");
        let kiosk = Kiosk::start(&app, Worker::inline(store), options);
        app.show().expect("show");
        UiKiosk { app, kiosk }
    }

    /// Controls (role button) whose accessible label is exactly `label`. Screens not on display
    /// are not instantiated, so only controls of the current screen and the bars are found.
    pub fn buttons(&self, label: &str) -> Vec<ElementHandle> {
        ElementHandle::find_by_accessible_label(&self.app, label)
            .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
            .collect()
    }

    /// Taps the first button labelled `label` (panics, naming it, if there is none).
    pub fn tap(&self, label: &str) {
        let buttons = self.buttons(label);
        let Some(button) = buttons.first() else {
            panic!("no button labelled {label:?}");
        };
        button.invoke_accessible_default_action();
    }

    /// Taps the last button labelled `label`: the one on top when an overlay (a dialog, the
    /// description editor) repeats a control of the screen under it.
    #[allow(dead_code)]
    pub fn tap_top(&self, label: &str) {
        let buttons = self.buttons(label);
        let Some(button) = buttons.last() else {
            panic!("no button labelled {label:?}");
        };
        button.invoke_accessible_default_action();
    }

    /// Makes the window very tall, so a whole page is in view: the testing backend (like a
    /// person) only finds what is on screen, not what is scrolled out of view.
    pub fn see_whole_page(&self) {
        self.app
            .window()
            .set_size(slint::PhysicalSize::new(1920, 12_000));
    }

    /// Whether any element's accessible label contains `text`.
    pub fn shows(&self, text: &str) -> bool {
        i_slint_backend_testing::ElementQuery::from_root(&self.app)
            .match_descendants()
            .find_all()
            .into_iter()
            .any(|e| {
                e.accessible_label()
                    .is_some_and(|label| label.contains(text))
            })
    }
}
