//! Annual reports as a visitor uses them, headless: the list by year, a standard report's table
//! found cell by cell through its spoken labels, 查看原文 on the converted 2012 report, and the
//! year-over-year chart, which needs two standard-format reports (a second one is imported here).

use std::io::Write;

use i_slint_backend_testing::ElementHandle;
use readpoint::kiosk::{Kiosk, KioskOptions, Worker};
use readpoint::store::Store;
use readpoint::ui::AppWindow;
use serde_json::{Value, json};
use slint::ComponentHandle;

use crate::support::bundled_store;
use crate::ui_support::UiKiosk;

const REPORT_2022: &str = "乐山市政务服务中心2022年度政府信息公开工作年度报告（格式示例·数据虚构）";
const REPORT_2012: &str = "乐山市政务服务中心2012年度政府信息公开工作年度报告";
/// The spoken label of a bar of the chart: figure, year, value.
const CHART_BAR_2022: &str = "本年新收政府信息公开申请（件） 2022年 12";

/// A kiosk on `store` (the bundled content plus whatever a test imported).
fn kiosk_on(store: Store) -> UiKiosk {
    i_slint_backend_testing::init_no_event_loop();
    let app = AppWindow::new().expect("window");
    let kiosk = Kiosk::start(&app, Worker::inline(store), KioskOptions::default());
    app.show().expect("show");
    UiKiosk { app, kiosk }
}

/// Elements whose accessible label is exactly `label`.
fn labelled(ui: &UiKiosk, label: &str) -> usize {
    ElementHandle::find_by_accessible_label(&ui.app, label).count()
}

/// The bundled 2022 sample as a 2021 report with other numbers (still consistent: the new
/// applications and the granted ones both grow by 10, so every total and the balance hold).
fn report_2021() -> Value {
    let bundled: Value =
        serde_json::from_str(readpoint::import::BUNDLED_CONTENT).expect("bundled json");
    let mut report = bundled["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["id"] == "ar-ls-zwzx-2022-sample")
        .expect("the 2022 sample")
        .clone();
    report["id"] = json!("ar-ls-zwzx-2021-test");
    report["year"] = json!(2021);
    report["title"] = json!("乐山市政务服务中心2021年度政府信息公开工作年度报告（测试）");
    report["statistical_period"] = json!({ "from": "2021-01-01", "to": "2021-12-31" });
    report["published_date"] = json!("2022-01-28");
    let tables = report["tables"].as_array_mut().expect("tables");
    let t3 = tables
        .iter_mut()
        .find(|t| t["template_table_id"] == "t3_applications")
        .expect("t3");
    for row in ["new", "granted", "result_total"] {
        for col in ["natural", "total"] {
            let cell = &mut t3["cells"][row][col];
            *cell = json!(cell.as_i64().expect("a count") + 10);
        }
    }
    report
}

/// The bundled content plus a 2021 report in the same standard format, imported as staff would.
fn store_with_two_standard_reports() -> Store {
    let mut store = bundled_store();
    let shard = json!({ "format": "readpoint-shard/1", "documents": [report_2021()] });
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(shard.to_string().as_bytes())
        .expect("write shard");
    let report = readpoint::import::import_file(&mut store, file.path()).expect("import");
    assert_eq!(report.added, 1);
    store
}

#[test]
fn home_to_the_2022_report_finds_table_cells_by_row_and_column() {
    let ui = UiKiosk::new();
    ui.tap("年度报告");
    assert!(ui.shows("2022年度"), "the list groups reports by year");
    assert!(ui.shows("2012年度"));
    ui.tap(REPORT_2022);
    ui.see_whole_page();
    assert!(ui.shows("三、收到和处理政府信息公开申请情况"));
    // Value cells speak their row, column and value; totals and thousands are formatted.
    assert_eq!(
        labelled(&ui, "一、本年新收政府信息公开申请数量 申请人情况 总计 12"),
        1
    );
    assert_eq!(
        labelled(
            &ui,
            "三、本年度办理结果 （三）不予公开 6.属于四类过程性信息 申请人情况 自然人 1"
        ),
        1
    );
    assert_eq!(labelled(&ui, "行政许可 本年处理决定数量 12,486"), 1);
    // Merged headers are drawn once, not once per column.
    assert_eq!(labelled(&ui, "法人或其他组织"), 1);
    assert_eq!(labelled(&ui, "三、本年度办理结果"), 1);
    // A standard report has no original to show.
    assert!(ui.buttons("查看原文").is_empty());
}

#[test]
fn the_original_toggle_switches_the_2012_report_to_its_traditional_text() {
    let ui = UiKiosk::new();
    ui.tap("年度报告");
    ui.tap(REPORT_2012);
    ui.see_whole_page();
    assert!(ui.shows("（一）工作机构和人员落实情况"));
    assert!(!ui.shows("(一)工作機構和人員落實情況"));
    // The key figure keeps the report's wording.
    assert!(ui.shows("20万余条"));
    assert!(!ui.shows("200000"));

    ui.tap("查看原文");
    assert!(ui.shows("(一)工作機構和人員落實情況"));
    assert!(ui.shows("一、開展政府信息公開工作基本情況"));
    assert!(!ui.shows("（一）工作机构和人员落实情况"));

    ui.tap("查看原文");
    assert!(ui.shows("（一）工作机构和人员落实情况"));
    assert!(!ui.shows("(一)工作機構和人員落實情況"));
}

#[test]
fn the_original_toggle_is_off_again_on_the_next_visit() {
    let ui = UiKiosk::new();
    ui.tap("年度报告");
    ui.tap(REPORT_2012);
    ui.tap("查看原文");
    ui.tap("返回上一页");
    ui.tap(REPORT_2012);
    ui.see_whole_page();
    assert!(ui.shows("（一）工作机构和人员落实情况"));
}

#[test]
fn no_chart_with_one_standard_report() {
    let one = UiKiosk::new();
    one.tap("年度报告");
    one.see_whole_page();
    assert!(one.shows(REPORT_2022));
    assert!(
        !one.shows(CHART_BAR_2022),
        "one standard report is nothing to compare"
    );
}

#[test]
fn two_standard_reports_get_a_year_over_year_chart() {
    let two = kiosk_on(store_with_two_standard_reports());
    two.tap("年度报告");
    two.see_whole_page();
    assert!(two.shows("2021年度"));
    assert_eq!(labelled(&two, CHART_BAR_2022), 1);
    assert_eq!(
        labelled(&two, "本年新收政府信息公开申请（件） 2021年 22"),
        1
    );
    assert_eq!(labelled(&two, "予以公开（件） 2021年 15"), 1);
    assert_eq!(labelled(&two, "予以公开（件） 2022年 5"), 1);
}

#[test]
fn the_header_band_stays_in_view_while_the_page_scrolls_through_a_long_table() {
    let ui = UiKiosk::new();
    ui.tap("年度报告");
    ui.tap(REPORT_2022);
    let header = |ui: &UiKiosk| {
        ElementHandle::find_by_accessible_label(&ui.app, "法人或其他组织")
            .next()
            .map(|e| e.absolute_position().y)
    };
    let Some(start) = header(&ui) else {
        // Not in view yet at the top of the page: scroll to it first.
        ui.app
            .global::<readpoint::ui::ReportAdapter>()
            .set_scroll_y(-1600.0);
        let y = header(&ui).expect("the header is in view");
        return check_sticky(&ui, y);
    };
    check_sticky(&ui, start);
}

/// Scrolls the page 800 px further: the table's header band follows (stays in view) while the
/// body rows move up.
fn check_sticky(ui: &UiKiosk, header_y: f32) {
    let adapter = ui.app.global::<readpoint::ui::ReportAdapter>();
    // The first body row's 自然人 cell, wherever it is on screen.
    let body = |ui: &UiKiosk| {
        i_slint_backend_testing::ElementQuery::from_root(&ui.app)
            .match_descendants()
            .find_all()
            .into_iter()
            .find(|e| {
                e.accessible_label()
                    .is_some_and(|l| l.starts_with("一、本年新收") && l.contains("自然人"))
            })
            .map(|e| e.absolute_position().y)
    };
    adapter.set_scroll_y(adapter.get_scroll_y() - 800.0);
    let header_after = ElementHandle::find_by_accessible_label(&ui.app, "法人或其他组织")
        .next()
        .map(|e| e.absolute_position().y)
        .expect("the header band is still in view");
    assert!(
        header_after > header_y - 800.0 + 1.0,
        "the header moved with the page: {header_y} → {header_after}"
    );
    // The body rows scroll under it.
    let before = body(ui).expect("a body cell in view once the table is on screen");
    let header_before = header_after;
    adapter.set_scroll_y(adapter.get_scroll_y() - 100.0);
    let after = body(ui).expect("the body cell still in view");
    assert!(
        (before - 100.0 - after).abs() < 1.0,
        "the body did not scroll: {before} → {after}"
    );
    let header_now = ElementHandle::find_by_accessible_label(&ui.app, "法人或其他组织")
        .next()
        .map(|e| e.absolute_position().y)
        .expect("the header band is still in view");
    assert!(
        (header_now - header_before).abs() < 1.0,
        "the header band moved"
    );
}
