//! Catalogue (公开目录): facet chips (category, topic, year, publisher, disclosure mode) with
//! counts, and the paging list of entries under the visitor's filter.
//!
//! Owns the facet loading and how facets and the filter look on the window; the visitor's
//! filter lives in the catalogue's screen controller, the rows in the paging model of
//! [`super::catalogue_model`]. Must never: query the store on the UI thread (facets take
//! ~100 ms at 200k entries), or build a model of every entry.

use slint::{ComponentHandle, ModelRc};

use super::labels::{ChipData, Labels};
use super::{Display, model};
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

/// A facet of the catalogue filter, by the name the chips send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    Category,
    Topic,
    Year,
    Publisher,
    DisclosureMode,
}

impl Facet {
    /// The facet a chip row names (`category`, `topic`, `year`, `publisher`,
    /// `disclosure-mode`).
    pub fn from_name(name: &str) -> Option<Facet> {
        Some(match name {
            "category" => Facet::Category,
            "topic" => Facet::Topic,
            "year" => Facet::Year,
            "publisher" => Facet::Publisher,
            "disclosure-mode" => Facet::DisclosureMode,
            _ => return None,
        })
    }

    /// Sets this facet of `filter` to `value` ("" clears it; a year that is not a number too).
    pub fn set(self, filter: &mut CatalogueFilter, value: &str) {
        let text = (!value.is_empty()).then(|| value.to_owned());
        match self {
            Facet::Category => filter.category = text,
            Facet::Topic => filter.topic = text,
            Facet::Year => filter.year = value.parse().ok(),
            Facet::Publisher => filter.publisher = text,
            Facet::DisclosureMode => filter.disclosure_mode = text,
        }
    }
}

/// Shows `filter` on the chips ("" = any).
pub fn show_filter(app: &AppWindow, filter: &CatalogueFilter) {
    let adapter = app.global::<CatalogueAdapter>();
    let text = |value: &Option<String>| value.as_deref().unwrap_or("").into();
    adapter.set_category(text(&filter.category));
    adapter.set_topic(text(&filter.topic));
    adapter.set_year(
        filter
            .year
            .map(|y| y.to_string())
            .unwrap_or_default()
            .into(),
    );
    adapter.set_publisher(text(&filter.publisher));
    adapter.set_disclosure_mode(text(&filter.disclosure_mode));
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

/// Puts the facets on the window (the controller points the list at the filter).
pub fn apply(app: &AppWindow, data: FacetsData, to_top: bool) {
    let adapter = app.global::<CatalogueAdapter>();
    adapter.set_total(i32::try_from(data.total).unwrap_or(i32::MAX));
    adapter.set_categories(chips(data.categories));
    adapter.set_topics(chips(data.topics));
    adapter.set_years(chips(data.years));
    adapter.set_publishers(chips(data.publishers));
    adapter.set_modes(chips(data.modes));
    if to_top {
        adapter.set_scroll_y(0.0);
    }
    adapter.set_loading(false);
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
