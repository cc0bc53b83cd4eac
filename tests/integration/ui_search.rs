//! The search screen as a visitor uses it, headless: the on-screen keyboard (keys are found by
//! their accessible label, which is the key's character: "s", "7"; the command keys are 删除 and
//! 清空), as-you-type results, facet chips, opening a result, the query box typed into directly
//! (physical keyboard / IME / accessibility), and idle reset. Queries run inline here; the real
//! threaded path is tested in `tests/ui_threaded.rs`.

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use readpoint::ui::{Nav, Screen, SearchAdapter, SearchState};
use slint::{ComponentHandle, Model};

use crate::ui_support::UiKiosk;

/// The 一站式 catalogue entry: its summary mentions 社保.
const SHEBAO_TITLE: &str = "公共服务单位进驻市政务服务中心实行“一站式”服务";
/// A title whose pinyin starts with "bianmin" (便民).
const BIANMIN_TITLE: &str = "乡镇（街道）便民服务中心设置情况";
/// A title whose initials contain "sb" (市并).
const SB_TITLE: &str = "全市并联审批工作业务培训会议召开";

fn open_search(ui: &UiKiosk) {
    ui.tap("搜索");
    assert_eq!(ui.app.global::<Nav>().get_screen(), Screen::Search);
}

fn type_keys(ui: &UiKiosk, keys: &str) {
    for key in keys.chars() {
        ui.tap(&key.to_string());
    }
}

fn query(ui: &UiKiosk) -> String {
    ui.app.global::<SearchAdapter>().get_query().to_string()
}

fn state(ui: &UiKiosk) -> SearchState {
    ui.app.global::<SearchAdapter>().get_state()
}

fn hit_titles(ui: &UiKiosk) -> Vec<String> {
    let hits = ui.app.global::<SearchAdapter>().get_hits();
    hits.iter().map(|hit| hit.title.to_string()).collect()
}

#[test]
fn empty_search_explains_how_and_offers_browsing() {
    let ui = UiKiosk::new();
    open_search(&ui);
    assert_eq!(state(&ui), SearchState::Empty);
    assert!(ui.shows("用屏幕上的键盘输入要找的内容"));
    assert!(ui.shows("shebao"), "an example in pinyin");
    ui.tap("浏览公开目录");
    assert_eq!(ui.app.global::<Nav>().get_screen(), Screen::Catalogue);
}

#[test]
fn keyboard_types_pinyin_and_initials_deletes_and_clears() {
    let ui = UiKiosk::new();
    open_search(&ui);
    for key in ["a", "z", "0", "9", "删除", "清空"] {
        assert_eq!(ui.buttons(key).len(), 1, "one key labelled {key:?}");
    }

    // 社保 typed as pinyin on the letter keys finds the entry that has it as a keyword.
    type_keys(&ui, "shebao");
    assert_eq!(query(&ui), "shebao");
    assert_eq!(state(&ui), SearchState::Results);
    assert!(
        hit_titles(&ui).iter().any(|t| t.contains("一站式")),
        "{:?}",
        hit_titles(&ui)
    );

    ui.tap("删除");
    assert_eq!(query(&ui), "sheba");
    ui.tap("清空");
    assert_eq!(query(&ui), "");

    // Something that is nowhere: the helpful no-result state, with a way on.
    type_keys(&ui, "zzqx");
    assert_eq!(state(&ui), SearchState::None);
    assert!(ui.shows("没有找到“zzqx”的相关内容"));
    assert!(!ui.buttons("浏览公开目录").is_empty());
    ui.tap("清空");
    assert_eq!(query(&ui), "");
    assert_eq!(state(&ui), SearchState::Empty);

    // Pinyin of a title, as typed: results update with every key.
    type_keys(&ui, "bian");
    assert_eq!(state(&ui), SearchState::Results);
    type_keys(&ui, "min");
    assert_eq!(query(&ui), "bianmin");
    assert!(
        hit_titles(&ui).iter().any(|t| t == BIANMIN_TITLE),
        "{:?}",
        hit_titles(&ui)
    );
    assert!(ui.shows(BIANMIN_TITLE), "the result row is on screen");

    // Initials.
    ui.tap("清空");
    type_keys(&ui, "sb");
    assert!(
        hit_titles(&ui).iter().any(|t| t == SB_TITLE),
        "{:?}",
        hit_titles(&ui)
    );
    // The match is marked in the title (bracketed form and highlighted pieces).
    let hits = ui.app.global::<SearchAdapter>().get_hits();
    let hit = hits
        .iter()
        .find(|h| h.title == SB_TITLE)
        .expect("the sb hit");
    assert!(
        hit.title_marked.contains("【市并】"),
        "{}",
        hit.title_marked
    );
    assert!(hit.title_pieces.iter().any(|p| p.hit && p.text == "市并"));

    // Backspace down to nothing returns to the empty state.
    ui.tap("删除");
    ui.tap("删除");
    assert_eq!(query(&ui), "");
    assert_eq!(state(&ui), SearchState::Empty);
    assert_eq!(hit_titles(&ui).len(), 0);
}

#[test]
fn typing_into_the_query_box_searches_and_chips_filter() {
    let ui = UiKiosk::new();
    open_search(&ui);
    let boxes: Vec<ElementHandle> = ElementHandle::find_by_accessible_label(&ui.app, "搜索内容")
        .filter(|e| e.accessible_role() == Some(AccessibleRole::TextInput))
        .collect();
    assert_eq!(boxes.len(), 1, "one query box");
    boxes[0].set_accessible_value("社保");
    assert_eq!(query(&ui), "社保");
    assert_eq!(state(&ui), SearchState::Results);
    assert!(ui.shows(SHEBAO_TITLE));
    let adapter = ui.app.global::<SearchAdapter>();
    assert_eq!(adapter.get_total(), 2);
    assert!(ui.shows("找到 2 条结果"));

    // Category chips, by their Chinese names.
    ui.tap("便民服务");
    assert_eq!(adapter.get_total(), 1);
    assert_eq!(hit_titles(&ui), vec![SHEBAO_TITLE.to_owned()]);
    ui.tap("便民服务");
    assert_eq!(adapter.get_total(), 2);

    // A query of punctuation only cannot be searched: said so, not an error.
    boxes[0].set_accessible_value("，，");
    assert_eq!(state(&ui), SearchState::Invalid);
    assert!(ui.shows("请输入汉字、拼音字母或数字"));
}

#[test]
fn a_result_opens_its_document_and_back_keeps_the_results() {
    let ui = UiKiosk::new();
    open_search(&ui);
    type_keys(&ui, "bianmin");
    ui.tap(BIANMIN_TITLE);
    assert_eq!(ui.app.global::<Nav>().get_screen(), Screen::Document);
    ui.tap("返回上一页");
    assert_eq!(ui.app.global::<Nav>().get_screen(), Screen::Search);
    assert_eq!(query(&ui), "bianmin");
    assert!(ui.shows(BIANMIN_TITLE));
}

#[test]
fn idle_reset_clears_the_search() {
    let ui = UiKiosk::new();
    open_search(&ui);
    type_keys(&ui, "sb");
    assert!(!hit_titles(&ui).is_empty());
    ui.app.global::<SearchAdapter>().set_scroll_y(-600.0);
    ui.kiosk.reset_session();
    assert_eq!(query(&ui), "");
    assert_eq!(state(&ui), SearchState::Empty);
    assert!(hit_titles(&ui).is_empty());
    let adapter = ui.app.global::<SearchAdapter>();
    assert_eq!(adapter.get_categories().row_count(), 0);
    assert_eq!(adapter.get_scroll_y(), 0.0);
}

#[test]
fn on_a_short_landscape_in_large_text_the_keyboard_and_results_take_turns() {
    let ui = UiKiosk::new();
    ui.app
        .window()
        .set_size(slint::PhysicalSize::new(1024, 768));
    ui.app.global::<readpoint::ui::Theme>().set_large_text(true);
    open_search(&ui);
    // Ten 大字 keys do not fit across: the letters in alphabetical rows, the digits behind 123.
    assert!(ui.buttons("7").is_empty(), "no digit row");
    ui.tap("s");
    ui.tap("数字键");
    assert!(ui.buttons("s").is_empty(), "the digits replace the letters");
    ui.tap("7");
    ui.tap("字母键");
    ui.tap("b");
    assert_eq!(query(&ui), "s7b");
    // The keyboard gives way to the results, and comes back.
    ui.tap("收起键盘，看结果");
    assert!(ui.buttons("b").is_empty(), "the keyboard is put away");
    ui.tap("打开键盘");
    assert_eq!(ui.buttons("b").len(), 1);
}
