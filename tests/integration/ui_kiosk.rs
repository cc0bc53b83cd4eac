//! The kiosk as a visitor uses it, headless: navigation from Home, the accessibility bar, and
//! idle reset with mock time.

use std::time::Duration;

use i_slint_backend_testing::mock_elapsed_time;
use readpoint::ui::{Idle, Nav, Screen, Session, Theme};
use slint::{ComponentHandle, Model};

use crate::ui_support::UiKiosk;

#[test]
fn home_tiles_open_their_screens_and_back_returns() {
    let ui = UiKiosk::new();
    let nav = ui.app.global::<Nav>();
    assert_eq!(nav.get_screen(), Screen::Home);
    for (tile, screen) in [
        ("公开指南", Screen::Guide),
        ("公开目录", Screen::Catalogue),
        ("年度报告", Screen::Reports),
        ("依申请公开", Screen::Apply),
        ("搜索", Screen::Search),
    ] {
        ui.tap(tile);
        assert_eq!(nav.get_screen(), screen, "after tapping {tile}");
        ui.tap("返回上一页");
        assert_eq!(nav.get_screen(), Screen::Home, "back from {tile}");
    }
}

#[test]
fn guide_shows_its_sections_with_the_historical_badge_and_contact_card() {
    let ui = UiKiosk::new();
    ui.tap("公开指南");
    ui.see_whole_page();
    assert!(ui.shows("乐山市人民政府政务服务中心政府信息公开指南"));
    assert!(ui.shows("按2007年条例编写"));
    assert!(ui.shows("办公室"), "the contact card");
}

#[test]
fn apply_shows_time_limits_and_the_form_qr() {
    let ui = UiKiosk::new();
    ui.tap("依申请公开");
    ui.see_whole_page();
    assert!(ui.shows("20个工作日"));
    assert!(ui.shows("7个工作日"));
    assert!(
        ui.shows("扫码下载空白申请表"),
        "QR panel shown when a portal is configured"
    );
}

#[test]
fn accessibility_bar_toggles_and_traditional_converts_content_and_ui() {
    let ui = UiKiosk::new();
    let theme = ui.app.global::<Theme>();
    ui.tap("大字模式");
    assert!(theme.get_large_text());
    assert!(theme.get_body_size() >= 40.0);
    ui.tap("高对比模式");
    assert!(theme.get_high_contrast());
    ui.tap("公开指南");
    ui.tap("简体繁体切换");
    assert!(ui.app.global::<Session>().get_traditional());
    assert!(ui.shows("公開指南"), "content in Traditional");
    assert_eq!(ui.buttons("返回首頁").len(), 1, "UI strings in Traditional");
    let agency = ui.app.global::<readpoint::ui::Status>().get_agency_name();
    assert_eq!(
        agency, "樂山市人民政府政務服務中心",
        "the agency's name too"
    );
    ui.tap("簡體繁體切換");
    assert!(ui.shows("公开指南"));
}

#[test]
fn idle_counts_down_then_resets_everything_a_visitor_changed() {
    let ui = UiKiosk::new();
    let idle = ui.app.global::<Idle>();
    ui.tap("搜索");
    ui.kiosk.search_for("社保");
    ui.tap("返回首页");
    ui.tap("大字模式");
    ui.tap("高对比模式");
    ui.app.global::<Session>().set_speech_available(true);
    ui.tap("朗读本页");
    ui.tap("简体繁体切换");
    ui.tap("公開目錄");
    assert_eq!(ui.app.global::<Nav>().get_screen(), Screen::Catalogue);

    // Browsing screen: 120 s, then a 20 s countdown.
    mock_elapsed_time(Duration::from_secs(119));
    assert!(!idle.get_counting_down());
    mock_elapsed_time(Duration::from_secs(2));
    assert!(idle.get_counting_down());
    assert_eq!(idle.get_seconds_left(), 20);

    // 继续浏览 cancels it and nothing is lost.
    ui.tap("繼續瀏覽");
    assert!(!idle.get_counting_down());
    assert_eq!(ui.app.global::<Nav>().get_screen(), Screen::Catalogue);
    assert!(ui.app.global::<Theme>().get_large_text());

    // Left alone: countdown, then everything is reset.
    mock_elapsed_time(Duration::from_secs(121));
    assert!(idle.get_counting_down());
    for _ in 0..20 {
        mock_elapsed_time(Duration::from_secs(1));
    }
    assert!(!idle.get_counting_down());
    assert_eq!(ui.app.global::<Nav>().get_screen(), Screen::Home);
    assert!(!ui.app.global::<Nav>().get_can_go_back());
    let theme = ui.app.global::<Theme>();
    assert!(!theme.get_large_text());
    assert!(!theme.get_high_contrast());
    assert!(!ui.app.global::<Session>().get_traditional());
    assert!(!ui.app.global::<Session>().get_speaking());
    let search = ui.app.global::<readpoint::ui::SearchAdapter>();
    assert_eq!(search.get_query(), "", "search text cleared");
    assert_eq!(search.get_hits().row_count(), 0, "search results cleared");

    // A clean Home screen does not count down again.
    mock_elapsed_time(Duration::from_secs(300));
    assert!(!idle.get_counting_down());
}

#[test]
fn reading_screens_wait_longer_before_the_countdown() {
    let ui = UiKiosk::new();
    let idle = ui.app.global::<Idle>();
    ui.tap("公开指南");
    mock_elapsed_time(Duration::from_secs(200));
    assert!(!idle.get_counting_down(), "300 s on reading screens");
    mock_elapsed_time(Duration::from_secs(101));
    assert!(idle.get_counting_down());
}

#[test]
fn english_ui_when_configured() {
    let options = readpoint::kiosk::KioskOptions {
        language: readpoint::config::Language::En,
        ..Default::default()
    };
    let ui = UiKiosk::with_options(options);
    ui.tap("Catalogue");
    assert_eq!(ui.app.global::<Nav>().get_screen(), Screen::Catalogue);
    assert_eq!(ui.buttons("Back to the home screen").len(), 1);
}

#[test]
fn read_aloud_is_hidden_without_a_voice_and_offered_with_one() {
    let ui = UiKiosk::new();
    let session = ui.app.global::<Session>();
    session.set_speech_available(false);
    assert!(
        ui.buttons("朗读本页").is_empty(),
        "no broken button without espeak-ng"
    );
    session.set_speech_available(true);
    assert_eq!(ui.buttons("朗读本页").len(), 1);
}

#[test]
fn after_an_idle_reset_every_screen_holds_what_a_fresh_one_holds() {
    let store = crate::support::bundled_store();
    let entries = store
        .catalogue_page(&Default::default(), None, 2)
        .expect("catalogue");
    let report = store.annual_reports().expect("reports").remove(0).id;
    drop(store);
    let ui = UiKiosk::new();
    assert!(ui.kiosk.screens_are_fresh(), "a kiosk that just started");

    // A visitor filters the catalogue, reads two documents and a report, and searches.
    ui.tap("公开目录");
    ui.app
        .global::<readpoint::ui::CatalogueAdapter>()
        .invoke_choose("category".into(), "JGZN".into());
    for entry in &entries {
        ui.kiosk.open_document(&entry.id);
    }
    ui.kiosk.go(readpoint::kiosk::Place::Report(report));
    ui.kiosk.set_traditional(true);
    ui.kiosk.go(readpoint::kiosk::Place::Search);
    ui.kiosk.search_for("社保");
    assert!(!ui.kiosk.screens_are_fresh(), "the visit left state behind");

    ui.kiosk.reset_session();
    assert!(
        ui.kiosk.screens_are_fresh(),
        "every screen controller is as a fresh one after the reset"
    );
}
