//! The attachment viewer (阅读附件): one page at a time, turned by swipe or buttons, zoomed and
//! panned on the page, with a search's words marked.
//!
//! Owns the decoded pages of the attachment open: the page shown and its neighbours, prefetched
//! on the worker so a turn is instant. Must never: keep more than [`CACHED_PAGES`] decoded
//! pages, decode on the UI thread, or show a blank page (a page that is not on the kiosk says so
//! and offers the QR code).

use std::cell::RefCell;
use std::rc::Rc;

use slint::{ComponentHandle, Image};

use super::{Controller, Place};
use crate::feed::pages::Highlight;
use crate::kiosk::Kiosk;
use crate::store::StoreError;
use crate::ui::{AppWindow, MarkView, ViewerAdapter};
use crate::view_models::viewer::{PageData, Reading, load};
use crate::view_models::{model, portal_url};

/// Decoded pages kept: the one shown, the previous and the next.
pub const CACHED_PAGES: usize = 3;

impl Controller for ViewerScreen {
    fn connect(&self, kiosk: &Rc<Kiosk>, app: &AppWindow) {
        connect(kiosk, app);
    }

    fn show(&self, kiosk: &Rc<Kiosk>, app: &AppWindow, place: &Place) {
        if let Place::Viewer(reading) = place {
            show(kiosk, app, reading);
        }
    }

    fn reset(&self, kiosk: &Rc<Kiosk>, app: &AppWindow) {
        reset(kiosk, app);
    }

    fn is_fresh(&self) -> bool {
        self.cache.borrow().is_empty()
    }
}

/// A page ready to show (UI side).
#[derive(Clone)]
struct Shown {
    title: String,
    number: u32,
    count: u32,
    picture: Option<Image>,
    text: String,
    marks: Vec<Highlight>,
    qr: Option<Image>,
}

impl Shown {
    fn from_data(data: PageData) -> Shown {
        Shown {
            title: data.title,
            number: data.number,
            count: data.count,
            picture: data.pixels.map(Image::from_rgb8),
            text: data.text,
            marks: data.marks,
            qr: data.qr.map(|qr| qr.to_image()),
        }
    }
}

/// The viewer's controller: decoded pages of the attachment open (see [`CACHED_PAGES`]).
#[derive(Default)]
pub(crate) struct ViewerScreen {
    cache: RefCell<Vec<(Reading, Shown)>>,
}

impl ViewerScreen {
    fn cached(&self, reading: &Reading) -> Option<Shown> {
        self.cache
            .borrow()
            .iter()
            .find(|(r, _)| r == reading)
            .map(|(_, shown)| shown.clone())
    }

    fn keep(&self, reading: Reading, shown: Shown) {
        let mut cache = self.cache.borrow_mut();
        // Only other pages of the same attachment stay.
        cache.retain(|(r, _)| {
            r != &reading && r.document == reading.document && r.attachment == reading.attachment
        });
        cache.push((reading, shown));
        while cache.len() > CACHED_PAGES {
            cache.remove(0);
        }
    }

    /// Forgets every decoded page (idle reset, new content).
    fn clear(&self) {
        self.cache.borrow_mut().clear();
    }
}

/// Decodes the next and previous pages on the worker, so turning to them is instant.
fn prefetch(kiosk: &Rc<Kiosk>, reading: &Reading, count: u32) {
    let neighbours = [reading.page + 1, reading.page.saturating_sub(1)];
    for page in neighbours.into_iter().filter(|&p| p >= 1 && p <= count) {
        let next = Reading {
            page,
            ..reading.clone()
        };
        if kiosk.screens().viewer.cached(&next).is_some() {
            continue;
        }
        let display = kiosk.display();
        let configured = kiosk.options().portal_url.clone();
        let query = next.clone();
        kiosk.query(
            move |store| {
                let portal_url = portal_url(store, configured)?;
                load(store, &query, portal_url.as_deref(), display)
            },
            move |kiosk, _, result: Result<Option<PageData>, StoreError>| {
                // Still reading this attachment: keep it for the turn.
                let same = matches!(kiosk.current(), Place::Viewer(r)
                    if r.document == next.document && r.attachment == next.attachment);
                if let (true, Ok(Some(data))) = (same, result) {
                    kiosk.screens().viewer.keep(next, Shown::from_data(data));
                }
            },
        );
    }
}

fn apply(kiosk: &Kiosk, app: &AppWindow, shown: &Shown) {
    let adapter = app.global::<ViewerAdapter>();
    adapter.set_title(shown.title.as_str().into());
    adapter.set_page(shown.number as i32);
    adapter.set_pages(shown.count as i32);
    adapter.set_loading(false);
    adapter.set_missing(shown.picture.is_none());
    adapter.set_has_picture(shown.picture.is_some());
    adapter.set_picture(shown.picture.clone().unwrap_or_default());
    adapter.set_marks(model(
        shown
            .marks
            .iter()
            .map(|m| MarkView {
                x: m.x,
                y: m.y,
                width: m.width,
                height: m.height,
            })
            .collect(),
    ));
    adapter.set_has_qr(shown.qr.is_some());
    adapter.set_qr(shown.qr.clone().unwrap_or_default());
    kiosk.set_page_text(shown.text.clone());
}

/// Shows `reading` (off the UI thread unless its page is cached).
fn show(kiosk: &Rc<Kiosk>, app: &AppWindow, reading: &Reading) {
    let adapter = app.global::<ViewerAdapter>();
    if let Some(shown) = kiosk.screens().viewer.cached(reading) {
        apply(kiosk, app, &shown);
        prefetch(kiosk, reading, shown.count);
        return;
    }
    adapter.set_loading(true);
    adapter.set_has_picture(false);
    adapter.set_missing(false);
    adapter.set_marks(model(Vec::new()));
    adapter.set_page(reading.page as i32);
    let display = kiosk.display();
    let configured = kiosk.options().portal_url.clone();
    let query_reading = reading.clone();
    let reading = reading.clone();
    kiosk.load_screen(
        "an attachment page",
        move |store| {
            let portal_url = portal_url(store, configured)?;
            load(store, &query_reading, portal_url.as_deref(), display)
        },
        move |kiosk, app, data| {
            let shown = Shown::from_data(data);
            kiosk.screens().viewer.keep(reading.clone(), shown.clone());
            apply(kiosk, app, &shown);
            prefetch(kiosk, &reading, shown.count);
        },
    );
}

/// Wires the page-turn callback.
fn connect(kiosk: &Rc<Kiosk>, app: &AppWindow) {
    app.global::<ViewerAdapter>()
        .on_turn(kiosk.callback_with(|kiosk, _, delta: i32| {
            let Place::Viewer(reading) = kiosk.current() else {
                return;
            };
            let Some(app) = kiosk.app() else { return };
            let count = app.global::<ViewerAdapter>().get_pages().max(1) as u32;
            let page = (reading.page as i64 + i64::from(delta)).clamp(1, i64::from(count)) as u32;
            if page == reading.page {
                return;
            }
            kiosk.turn_to(Place::Viewer(Reading { page, ..reading }));
        }));
}

/// Forgets decoded pages and resets the zoom (idle reset).
fn reset(kiosk: &Kiosk, app: &AppWindow) {
    kiosk.screens().viewer.clear();
    let adapter = app.global::<ViewerAdapter>();
    adapter.set_zoom(1.0);
    adapter.set_has_picture(false);
    adapter.set_picture(Image::default());
    adapter.set_marks(model(Vec::new()));
}
