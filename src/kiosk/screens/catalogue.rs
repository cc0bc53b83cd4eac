//! The catalogue (公开目录): facet chips with counts and the paging list under the visitor's
//! filter. The filter lives here (so Back from a document finds it again) and is mirrored to
//! `CatalogueAdapter` for the chips; the rows live in the paging model.

use std::cell::RefCell;
use std::rc::Rc;

use slint::{ComponentHandle, Model, ModelRc, SharedString};

use super::{Controller, Place};
use crate::kiosk::Kiosk;
use crate::store::CatalogueFilter;
use crate::ui::{AppWindow, CatalogueAdapter};
use crate::view_models::Display;
use crate::view_models::catalogue::{self, Facet};
use crate::view_models::catalogue_model::CatalogueRows;

#[derive(Default)]
pub(crate) struct CatalogueScreen {
    /// The visitor's filter.
    filter: RefCell<CatalogueFilter>,
    /// The paging model on the window (made by `connect`).
    rows: RefCell<Option<Rc<CatalogueRows>>>,
}

impl CatalogueScreen {
    /// Re-queries the facets for the filter; when they arrive, updates the chips and, if the
    /// filter, script or total changed, restarts the list (scrolled to the top if `to_top`).
    fn refresh(&self, kiosk: &Rc<Kiosk>, app: &AppWindow, to_top: bool) {
        let filter = self.filter.borrow().clone();
        catalogue::show_filter(app, &filter);
        let display = kiosk.display();
        app.global::<CatalogueAdapter>().set_loading(true);
        kiosk.query(
            {
                let filter = filter.clone();
                move |store| catalogue::load_facets(store, &filter, display)
            },
            move |kiosk, app, result| {
                let screen = &kiosk.screens().catalogue;
                if *screen.filter.borrow() != filter || kiosk.display() != display {
                    return; // the visitor has chosen again meanwhile
                }
                match result {
                    Ok(data) => {
                        if kiosk.current() == Place::Catalogue {
                            kiosk.set_page_text(data.speech_text());
                        }
                        let total = usize::try_from(data.total).unwrap_or(usize::MAX);
                        catalogue::apply(app, data, to_top);
                        screen.point_rows(filter, display, total);
                    }
                    Err(err) => {
                        tracing::error!(%err, "loading the catalogue facets failed");
                        app.global::<CatalogueAdapter>().set_loading(false);
                        kiosk.notice_unavailable();
                    }
                }
            },
        );
    }

    /// Points the list at `total` entries of `filter` in `display`, unless it shows them
    /// already.
    fn point_rows(&self, filter: CatalogueFilter, display: Display, total: usize) {
        if let Some(rows) = self.rows.borrow().as_ref()
            && (rows.filter() != filter || rows.display() != display || rows.row_count() != total)
        {
            rows.set_query(filter, display, total);
        }
    }

    /// Sets one facet of the filter ("" clears it) and re-queries.
    fn choose(&self, kiosk: &Rc<Kiosk>, app: &AppWindow, facet: &str, value: &str) {
        let Some(facet) = Facet::from_name(facet) else {
            tracing::warn!(facet, "unknown catalogue facet");
            return;
        };
        facet.set(&mut self.filter.borrow_mut(), value);
        self.refresh(kiosk, app, true);
    }

    /// Drops the loaded rows: they load again (in the visitor's script, from new content).
    fn reload_rows(&self, kiosk: &Kiosk) {
        if let Some(rows) = self.rows.borrow().as_ref() {
            let total = rows.row_count();
            rows.set_query(rows.filter(), kiosk.display(), total);
        }
    }
}

impl Controller for CatalogueScreen {
    /// Installs the paging model and wires the chips.
    fn connect(&self, kiosk: &Rc<Kiosk>, app: &AppWindow) {
        let adapter = app.global::<CatalogueAdapter>();
        let rows = CatalogueRows::new(Box::new(kiosk.worker().clone()));
        adapter.set_rows(ModelRc::from(rows.clone()));
        *self.rows.borrow_mut() = Some(rows);
        adapter.on_choose({
            let choose =
                kiosk.callback_with(|kiosk, app, (facet, value): (SharedString, SharedString)| {
                    kiosk.screens().catalogue.choose(kiosk, app, &facet, &value);
                });
            move |facet, value| choose((facet, value))
        });
        adapter.on_clear_filters(kiosk.callback(|kiosk, app| {
            let screen = &kiosk.screens().catalogue;
            *screen.filter.borrow_mut() = CatalogueFilter::default();
            screen.refresh(kiosk, app, true);
        }));
    }

    /// Shows the catalogue with the visitor's filter (kept from before, e.g. on Back).
    fn show(&self, kiosk: &Rc<Kiosk>, app: &AppWindow, _place: &Place) {
        self.refresh(kiosk, app, false);
    }

    /// Clears the visitor's filter, scroll position and cached rows.
    fn reset(&self, _kiosk: &Rc<Kiosk>, app: &AppWindow) {
        *self.filter.borrow_mut() = CatalogueFilter::default();
        catalogue::show_filter(app, &CatalogueFilter::default());
        app.global::<CatalogueAdapter>().set_scroll_y(0.0);
        if let Some(rows) = self.rows.borrow().as_ref() {
            rows.set_query(CatalogueFilter::default(), Display::default(), 0);
        }
    }

    fn content_changed(&self, kiosk: &Rc<Kiosk>, _app: &AppWindow) {
        self.reload_rows(kiosk);
    }

    fn reloads_on_new_content(&self) -> bool {
        true
    }

    fn script_changed(&self, kiosk: &Rc<Kiosk>, _app: &AppWindow) {
        self.reload_rows(kiosk);
    }

    fn is_fresh(&self) -> bool {
        *self.filter.borrow() == CatalogueFilter::default()
            && self.rows.borrow().as_ref().is_none_or(|rows| {
                rows.filter() == CatalogueFilter::default() && rows.row_count() == 0
            })
    }
}
