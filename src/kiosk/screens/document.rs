//! One document (文件详情): its catalogue fields, text, attachments, related documents and QR.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use slint::ComponentHandle;

use super::{Controller, Place};
use crate::kiosk::Kiosk;
use crate::ui::{AppWindow, DocumentAdapter};
use crate::view_models::viewer::Reading;
use crate::view_models::{document, portal_url};

/// At most this many remembered scroll positions (a visit is short).
const MAX_SCROLLS: usize = 64;

#[derive(Default)]
pub(crate) struct DocumentScreen {
    /// Where each document of this visit was scrolled to, so Back returns to the same place.
    scrolls: RefCell<HashMap<String, f32>>,
}

impl DocumentScreen {
    /// Blanks the screen (while another document loads, and on idle reset).
    fn blank(app: &AppWindow) {
        document::apply(app, document::DocumentPageData::default());
        app.global::<DocumentAdapter>().set_scroll_y(0.0);
    }
}

impl Controller for DocumentScreen {
    /// Wires 阅读 on an attachment (related documents call `Nav.open-document` directly).
    fn connect(&self, kiosk: &Rc<Kiosk>, app: &AppWindow) {
        app.global::<DocumentAdapter>()
            .on_open_attachment(kiosk.callback_with(|kiosk, app, index: i32| {
                let document = app.global::<DocumentAdapter>().get_id().to_string();
                if let (false, Ok(attachment)) = (document.is_empty(), usize::try_from(index)) {
                    kiosk.go(Place::Viewer(Reading {
                        document,
                        attachment,
                        page: 1,
                        find: None,
                    }));
                }
            }));
    }

    /// Loads and shows the document: at the top, or where the visitor left it on this visit.
    fn show(&self, kiosk: &Rc<Kiosk>, app: &AppWindow, place: &Place) {
        let Place::Document(id) = place else { return };
        let adapter = app.global::<DocumentAdapter>();
        let current = adapter.get_id();
        if current.as_str() != id {
            if !current.is_empty() {
                let mut scrolls = self.scrolls.borrow_mut();
                if scrolls.len() < MAX_SCROLLS || scrolls.contains_key(current.as_str()) {
                    scrolls.insert(current.to_string(), adapter.get_scroll_y());
                }
            }
            // Never show the previous document under this one's title bar while it loads.
            Self::blank(app);
        }
        let display = kiosk.display();
        let configured = kiosk.options().portal_url.clone();
        let id = id.clone();
        kiosk.load_screen(
            "a document",
            move |store| {
                let portal_url = portal_url(store, configured)?;
                document::load(store, &id, portal_url.as_deref(), display)
            },
            |kiosk, app, data| {
                kiosk.set_page_text(data.speech_text());
                let adapter = app.global::<DocumentAdapter>();
                let scroll = (adapter.get_id().as_str() != data.id).then(|| {
                    let scrolls = kiosk.screens().document.scrolls.borrow();
                    scrolls.get(&data.id).copied().unwrap_or(0.0)
                });
                document::apply(app, data);
                if let Some(scroll) = scroll {
                    adapter.set_scroll_y(scroll);
                }
            },
        );
    }

    /// Forgets the document shown and every remembered scroll position.
    fn reset(&self, _kiosk: &Rc<Kiosk>, app: &AppWindow) {
        self.scrolls.borrow_mut().clear();
        Self::blank(app);
    }

    fn is_fresh(&self) -> bool {
        self.scrolls.borrow().is_empty()
    }
}
