//! The catalogue and document screens as a visitor uses them, headless: filter by a category
//! chip, open a document, see its metadata and QR code, come back to the same filter; the empty
//! state; Traditional rows; idle reset of the filter.

use readpoint::kiosk::KioskOptions;
use readpoint::store::CatalogueFilter;
use readpoint::ui::{CatalogueAdapter, DocumentAdapter, Nav, Screen};
use slint::{ComponentHandle, Model};

use crate::support::bundled_store;
use crate::ui_support::UiKiosk;

/// The newest entry of category JGZN (机构职能) and its 索引号.
fn newest_jgzn() -> (String, String) {
    let filter = CatalogueFilter {
        category: Some("JGZN".into()),
        ..CatalogueFilter::default()
    };
    let row = bundled_store()
        .catalogue_page(&filter, None, 1)
        .expect("page")
        .remove(0);
    (row.title, row.index_no.expect("index_no"))
}

#[test]
fn category_chip_then_document_with_qr_and_back_keeps_the_filter() {
    let ui = UiKiosk::new();
    let nav = ui.app.global::<Nav>();
    let adapter = ui.app.global::<CatalogueAdapter>();
    ui.tap("公开目录");
    assert_eq!(nav.get_screen(), Screen::Catalogue);
    assert_eq!(adapter.get_total(), 34);
    assert!(ui.shows("共 34 份文件"));

    ui.tap("机构职能");
    assert_eq!(adapter.get_category().as_str(), "JGZN");
    let total = adapter.get_total();
    assert!(total > 0 && total < 34, "{total}");
    assert_eq!(adapter.get_rows().row_count(), total as usize);
    assert!(ui.buttons("机构职能")[0].accessible_checked() == Some(true));

    let (title, index_no) = newest_jgzn();
    ui.tap(&title);
    assert_eq!(nav.get_screen(), Screen::Document);
    assert!(ui.shows(&index_no), "the 索引号 {index_no}");
    assert!(ui.shows("用手机扫码继续阅读"), "the QR panel");
    assert!(ui.app.global::<DocumentAdapter>().get_has_qr());

    ui.tap("返回上一页");
    assert_eq!(nav.get_screen(), Screen::Catalogue);
    assert_eq!(adapter.get_category().as_str(), "JGZN", "filter kept");
    assert_eq!(adapter.get_total(), total);
    assert!(ui.buttons("机构职能")[0].accessible_checked() == Some(true));
    assert!(ui.shows(&title));
}

#[test]
fn related_documents_open_and_no_qr_without_a_portal() {
    let ui = UiKiosk::with_options(KioskOptions::default());
    let nav = ui.app.global::<Nav>();
    ui.tap("公开目录");
    ui.tap("机构职能");
    let (title, _) = newest_jgzn();
    ui.tap(&title);
    ui.see_whole_page();
    assert_eq!(nav.get_screen(), Screen::Document);
    assert!(!ui.shows("用手机扫码继续阅读"), "no portal, no QR panel");
    assert!(ui.shows("相关文件"));
    let related = ui.app.global::<DocumentAdapter>().get_related();
    let first = related.row_data(0).expect("a related document");
    ui.tap(first.title.as_str());
    assert_eq!(nav.get_screen(), Screen::Document);
    assert_eq!(ui.app.global::<DocumentAdapter>().get_id(), first.id);
}

#[test]
fn no_match_shows_the_empty_state_and_clearing_brings_everything_back() {
    let ui = UiKiosk::new();
    let adapter = ui.app.global::<CatalogueAdapter>();
    ui.tap("公开目录");
    adapter.invoke_choose("year".into(), "1999".into());
    assert_eq!(adapter.get_total(), 0);
    assert!(ui.shows("没有符合条件的文件"));
    ui.tap("清除筛选条件");
    assert_eq!(adapter.get_year().as_str(), "");
    assert_eq!(adapter.get_total(), 34);
    assert!(!ui.shows("没有符合条件的文件"));
}

#[test]
fn traditional_rows_and_idle_reset_clears_the_filter() {
    let ui = UiKiosk::new();
    let adapter = ui.app.global::<CatalogueAdapter>();
    ui.tap("公开目录");
    ui.tap("机构职能");
    ui.tap("简体繁体切换");
    assert_eq!(adapter.get_category().as_str(), "JGZN", "filter kept");
    assert!(ui.shows("樂山市"), "rows in Traditional");
    assert!(
        ui.buttons("機構職能").len() == 1,
        "chip names in Traditional"
    );

    adapter.set_scroll_y(-600.0);
    ui.kiosk.reset_session();
    assert_eq!(ui.app.global::<Nav>().get_screen(), Screen::Home);
    assert_eq!(adapter.get_category().as_str(), "");
    assert_eq!(adapter.get_scroll_y(), 0.0);
    ui.tap("公开目录");
    assert_eq!(adapter.get_total(), 34);
    assert!(ui.shows("乐山市"));
}

#[test]
fn back_from_a_document_returns_to_the_same_scroll_position() {
    let ui = UiKiosk::new();
    let adapter = ui.app.global::<CatalogueAdapter>();
    let nav = ui.app.global::<Nav>();
    ui.tap("公开目录");
    adapter.set_scroll_y(-600.0);
    let row = adapter.get_rows().row_data(10).expect("row 10");
    assert!(row.loaded);
    nav.invoke_open_document(row.id.clone());
    assert_eq!(nav.get_screen(), Screen::Document);
    ui.tap("返回上一页");
    assert_eq!(nav.get_screen(), Screen::Catalogue);
    assert_eq!(adapter.get_scroll_y(), -600.0);
    assert!(ui.shows(row.title.as_str()), "the same rows in view");
    // A new filter starts at the top.
    ui.tap("机构职能");
    assert_eq!(adapter.get_scroll_y(), 0.0);
}
