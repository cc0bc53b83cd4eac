//! Catalogue (公开目录): facet chips (category, topic, year, publisher, disclosure mode) with
//! counts, and the paging list of entries under the visitor's filter.
//!
//! Owns the facet loading and the wiring of the chips; the visitor's filter lives in
//! `CatalogueAdapter` (so Back from a document finds it again) and the rows in the paging model
//! of [`super::catalogue_model`]. Must never: query the store on the UI thread (facets take
//! ~100 ms at 200k entries), or build a model of every entry.

use std::rc::Rc;

use slint::{ComponentHandle, Model, ModelRc};

use super::catalogue_model::CatalogueRows;
use super::labels::{ChipData, Labels};
use super::{Display, model};
use crate::kiosk::{Kiosk, Place};
use crate::store::{CatalogueFilter, FacetCount, Store, StoreError};
use crate::ui::{AppWindow, CatalogueAdapter, FacetChip};

/// The catalogue's facets under a filter, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FacetsData {
    pub total: u64,
    pub categories: Vec<ChipData>,
    pub topics: Vec<ChipData>,
    pub years: Vec<ChipData>,
    pub publishers: Vec<ChipData>,
    pub modes: Vec<ChipData>,
}

impl FacetsData {
    /// What 朗读 reads: the total and the categories.
    pub fn speech_text(&self) -> String {
        let mut text = format!("公开目录，共{}份文件。分类：", self.total);
        for chip in &self.categories {
            text.push_str(&format!("{}，{}份；", chip.label, chip.count));
        }
        text
    }
}

/// Loads the facet counts under `filter`, with names for codes (worker side).
pub fn load_facets(
    store: &Store,
    filter: &CatalogueFilter,
    display: Display,
) -> Result<FacetsData, StoreError> {
    let facets = store.catalogue_facets(filter)?;
    let labels = Labels::load(store)?;
    let chips = |facet: Vec<FacetCount>, name: &dyn Fn(&str) -> String| {
        facet
            .into_iter()
            .map(|f| ChipData {
                label: display.text(&name(&f.value)),
                value: f.value,
                count: f.count,
            })
            .collect::<Vec<_>>()
    };
    Ok(FacetsData {
        total: facets.total,
        categories: chips(facets.category, &|v| labels.category(v)),
        topics: chips(facets.topic, &|v| labels.topic(v)),
        years: chips(facets.year, &|v| format!("{v}年")),
        publishers: chips(facets.publisher, &|v| v.to_owned()),
        modes: chips(facets.disclosure_mode, &|v| labels.disclosure_mode(v)),
    })
}

/// The visitor's filter, as the adapter holds it ("" = any).
pub fn current_filter(app: &AppWindow) -> CatalogueFilter {
    let adapter = app.global::<CatalogueAdapter>();
    let text = |value: slint::SharedString| (!value.is_empty()).then(|| value.to_string());
    CatalogueFilter {
        category: text(adapter.get_category()),
        topic: text(adapter.get_topic()),
        year: adapter.get_year().parse().ok(),
        publisher: text(adapter.get_publisher()),
        disclosure_mode: text(adapter.get_disclosure_mode()),
    }
}

/// The paging model on the window (installed by [`connect`]).
fn rows(app: &AppWindow) -> Option<Rc<CatalogueRows>> {
    let model = app.global::<CatalogueAdapter>().get_rows();
    // The adapter holds the one model `connect` made; find it again through `as_any`.
    model.as_any().downcast_ref::<CatalogueRows>()?.me()
}

/// Shows the catalogue with the visitor's filter (kept from before, e.g. on Back).
pub fn show(kiosk: &Rc<Kiosk>, app: &AppWindow) {
    refresh(kiosk, app, false);
}

/// Re-queries the facets for the current filter; when they arrive, updates the chips and, if
/// the filter, script or total changed, restarts the list (scrolled to the top if `to_top`).
fn refresh(kiosk: &Rc<Kiosk>, app: &AppWindow, to_top: bool) {
    let filter = current_filter(app);
    let display = kiosk.display();
    app.global::<CatalogueAdapter>().set_loading(true);
    let weak = Rc::downgrade(kiosk);
    kiosk.worker().run(
        {
            let filter = filter.clone();
            move |store| load_facets(store, &filter, display)
        },
        move |result| {
            let Some(kiosk) = weak.upgrade() else { return };
            let Some(app) = kiosk.app() else { return };
            if current_filter(&app) != filter || kiosk.display() != display {
                return; // the visitor has chosen again meanwhile
            }
            match result {
                Ok(data) => {
                    if kiosk.current() == Place::Catalogue {
                        kiosk.set_page_text(data.speech_text());
                    }
                    apply(&app, filter, display, data, to_top);
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

fn chips(items: Vec<ChipData>) -> ModelRc<FacetChip> {
    model(
        items
            .into_iter()
            .map(|chip| FacetChip {
                value: chip.value.into(),
                label: chip.label.into(),
                count: i32::try_from(chip.count).unwrap_or(i32::MAX),
            })
            .collect(),
    )
}

/// Puts the facets on the window and points the list at the filter.
pub fn apply(
    app: &AppWindow,
    filter: CatalogueFilter,
    display: Display,
    data: FacetsData,
    to_top: bool,
) {
    let adapter = app.global::<CatalogueAdapter>();
    let total = usize::try_from(data.total).unwrap_or(usize::MAX);
    adapter.set_total(i32::try_from(data.total).unwrap_or(i32::MAX));
    adapter.set_categories(chips(data.categories));
    adapter.set_topics(chips(data.topics));
    adapter.set_years(chips(data.years));
    adapter.set_publishers(chips(data.publishers));
    adapter.set_modes(chips(data.modes));
    if let Some(rows) = rows(app)
        && (rows.filter() != filter || rows.display() != display || rows.row_count() != total)
    {
        rows.set_query(filter, display, total);
    }
    if to_top {
        adapter.set_scroll_y(0.0);
    }
    adapter.set_loading(false);
}

/// Sets one facet of the filter ("" clears it) and re-queries.
pub fn choose(kiosk: &Rc<Kiosk>, app: &AppWindow, facet: &str, value: &str) {
    let adapter = app.global::<CatalogueAdapter>();
    let value: slint::SharedString = value.into();
    match facet {
        "category" => adapter.set_category(value),
        "topic" => adapter.set_topic(value),
        "year" => adapter.set_year(value),
        "publisher" => adapter.set_publisher(value),
        "disclosure-mode" => adapter.set_disclosure_mode(value),
        other => {
            tracing::warn!(facet = other, "unknown catalogue facet");
            return;
        }
    }
    refresh(kiosk, app, true);
}

/// Clears every filter.
fn clear_filters(app: &AppWindow) {
    let adapter = app.global::<CatalogueAdapter>();
    adapter.set_category("".into());
    adapter.set_topic("".into());
    adapter.set_year("".into());
    adapter.set_publisher("".into());
    adapter.set_disclosure_mode("".into());
}

/// Installs the paging model and wires the chips.
pub fn connect(kiosk: &Rc<Kiosk>, app: &AppWindow) {
    let adapter = app.global::<CatalogueAdapter>();
    let rows = CatalogueRows::new(Box::new(kiosk.worker().clone()));
    adapter.set_rows(ModelRc::from(rows));
    let weak = Rc::downgrade(kiosk);
    adapter.on_choose(move |facet, value| {
        if let Some(kiosk) = weak.upgrade()
            && let Some(app) = kiosk.app()
        {
            choose(&kiosk, &app, &facet, &value);
        }
    });
    adapter.on_clear_filters(kiosk.callback(|kiosk, app| {
        clear_filters(app);
        refresh(kiosk, app, true);
    }));
}

/// Clears the visitor's filter, scroll position and cached rows.
pub fn reset(_kiosk: &Rc<Kiosk>, app: &AppWindow) {
    clear_filters(app);
    app.global::<CatalogueAdapter>().set_scroll_y(0.0);
    if let Some(rows) = rows(app) {
        rows.set_query(CatalogueFilter::default(), Display::default(), 0);
    }
}

/// The visitor switched script: cached rows are dropped and load again converted.
pub fn script_changed(kiosk: &Rc<Kiosk>) {
    let Some(app) = kiosk.app() else { return };
    if let Some(rows) = rows(&app) {
        let total = rows.row_count();
        rows.set_query(rows.filter(), kiosk.display(), total);
    }
}

/// Scrolls the catalogue list to `y` pixels from the top (benchmarks drive scrolling this way).
pub fn scroll_to(app: &AppWindow, y: f32) {
    app.global::<CatalogueAdapter>().set_scroll_y(-y);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Store {
        super::super::bundled_store()
    }

    #[test]
    fn facets_name_categories_and_modes_from_the_taxonomies() {
        let store = bundled();
        let data = load_facets(&store, &CatalogueFilter::default(), Display::default()).unwrap();
        assert_eq!(data.total, 34);
        let jgzn = data.categories.iter().find(|c| c.value == "JGZN").unwrap();
        assert_eq!(jgzn.label, "机构职能");
        assert!(jgzn.count > 0);
        assert_eq!(
            data.categories.iter().map(|c| c.count).sum::<u64>(),
            data.total
        );
        assert!(data.modes.iter().any(|m| m.label == "主动公开"));
        assert!(
            data.years
                .iter()
                .any(|y| y.value == "2012" && y.label == "2012年")
        );
        assert!(data.topics.iter().any(|t| t.label.contains('/')));
        assert!(data.speech_text().contains("机构职能"));
    }

    #[test]
    fn a_filter_narrows_the_total_and_other_facets() {
        let store = bundled();
        let filter = CatalogueFilter {
            category: Some("JGZN".into()),
            ..CatalogueFilter::default()
        };
        let all = load_facets(&store, &CatalogueFilter::default(), Display::default()).unwrap();
        let data = load_facets(&store, &filter, Display::default()).unwrap();
        let jgzn = all.categories.iter().find(|c| c.value == "JGZN").unwrap();
        assert_eq!(data.total, jgzn.count);
        assert!(data.total < all.total);
        // The category facet still offers every category (it ignores its own filter).
        assert_eq!(data.categories, all.categories);
        assert_eq!(data.years.iter().map(|y| y.count).sum::<u64>(), data.total);
    }

    #[test]
    fn labels_in_traditional() {
        let store = bundled();
        let data = load_facets(
            &store,
            &CatalogueFilter::default(),
            Display { traditional: true },
        )
        .unwrap();
        assert!(data.categories.iter().any(|c| c.label == "機構職能"));
    }
}
