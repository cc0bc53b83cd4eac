//! The attachment viewer as a visitor uses it, headless: a kiosk synced from a real feed (nginx on
//! 127.0.0.1) whose catalogue entry carries a 10-page PDF. The visitor opens the attachment from
//! the document, turns to page 7, zooms in and out, and hears the page's text; a page the budget
//! kept off the kiosk says so and offers the QR code.

use readpoint::config::PrintConfig;
use readpoint::kiosk::KioskOptions;
use readpoint::ui::{Nav, Printing, Screen, ViewerAdapter};
use readpoint_test_support::feed_server::FeedServer;
use slint::ComponentHandle;

use crate::cups_server::{Cups, pdf_pages, pdf_text};
use crate::sync::{Portal, SyncKiosk, attach, fixture_pdf};
use crate::ui_support::UiKiosk;

const FILE: &str = "2022年度报告.pdf";

/// A kiosk synced with the fixture PDF attached to the first catalogue entry; `budget` limits
/// the attachment disk (`None`: the default). Returns the UI, the entry id and the sync kiosk
/// (keep it: it owns the data folder).
fn synced(budget: Option<&str>) -> (UiKiosk, String, SyncKiosk, FeedServer) {
    synced_with(
        budget,
        KioskOptions {
            portal_url: Some("https://www.leshan.gov.cn/".into()),
            ..KioskOptions::default()
        },
    )
}

/// [`synced`] with the kiosk's `options`.
fn synced_with(
    budget: Option<&str>,
    options: KioskOptions,
) -> (UiKiosk, String, SyncKiosk, FeedServer) {
    let (entry, kiosk, server) = synced_cache(budget);
    let ui = UiKiosk::on_store(kiosk.store(), options);
    ui.app
        .global::<Nav>()
        .invoke_open_document(entry.as_str().into());
    (ui, entry, kiosk, server)
}

/// The synced data folder only (no window): the entry id, the kiosk, the feed server.
fn synced_cache(budget: Option<&str>) -> (String, SyncKiosk, FeedServer) {
    let mut portal = Portal::new();
    let (entry, _) = attach(&mut portal, FILE, "application/pdf", &fixture_pdf());
    portal.publish();
    let server = FeedServer::start(&portal.feed).expect("the feed server starts");
    let kiosk = SyncKiosk::new(&portal, &server.url());
    if let Some(budget) = budget {
        kiosk.set_attachment_budget(&portal, &server.url(), budget);
    }
    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    (entry, kiosk, server)
}

/// Whether every button labelled `label` is disabled (the end of the pages, the zoom's limit).
fn disabled(ui: &UiKiosk, label: &str) -> bool {
    ui.buttons(label)
        .iter()
        .all(|b| b.accessible_enabled() == Some(false))
}

fn page(ui: &UiKiosk) -> (i32, i32) {
    let viewer = ui.app.global::<ViewerAdapter>();
    (viewer.get_page(), viewer.get_pages())
}

#[test]
fn a_visitor_without_a_phone_reads_page_7_of_a_pdf_attachment() {
    let (ui, _, _kiosk, _server) = synced(None);
    ui.see_whole_page();
    assert!(ui.shows(FILE), "the document lists the attachment");
    ui.tap(&format!("阅读附件 {FILE}"));
    assert_eq!(ui.app.global::<Nav>().get_screen(), Screen::Viewer);
    assert_eq!(page(&ui), (1, 10));
    assert!(ui.shows("第 1 页，共 10 页"));
    let viewer = ui.app.global::<ViewerAdapter>();
    assert!(viewer.get_has_picture(), "page 1 is drawn");
    let size = viewer.get_picture().size();
    assert_eq!((size.width, size.height), (1241, 1754));
    assert!(disabled(&ui, "上一页"));
    for _ in 0..6 {
        ui.tap("下一页");
    }
    assert_eq!(page(&ui), (7, 10));
    assert!(ui.shows("第 7 页，共 10 页"));
    assert!(viewer.get_has_picture() && !viewer.get_missing());
    // 朗读 reads this page's text.
    let spoken = ui.kiosk.page_text();
    assert!(spoken.contains("2022年度政府信息公开工作"), "{spoken}");
    // Zoom: 100 % → 400 % in steps, and back; never past either end.
    for _ in 0..5 {
        ui.tap("放大");
    }
    assert_eq!(viewer.get_zoom(), 4.0);
    assert!(ui.shows("放大倍数 400%"));
    assert!(disabled(&ui, "放大"));
    for _ in 0..5 {
        ui.tap("缩小");
    }
    assert_eq!(viewer.get_zoom(), 1.0);
    // Back leaves the viewer for the document, not through every page read.
    ui.tap("返回上一页");
    assert_eq!(ui.app.global::<Nav>().get_screen(), Screen::Document);
    // Opening it again starts at page 1; an idle reset forgets the zoom and the pages.
    ui.tap(&format!("阅读附件 {FILE}"));
    assert_eq!(page(&ui), (1, 10));
}

#[test]
fn a_page_the_budget_kept_off_the_kiosk_says_so_and_offers_the_qr_code() {
    // Room for the page set and about two pages.
    let (ui, _, _kiosk, _server) = synced(Some("500KiB"));
    ui.see_whole_page();
    ui.tap(&format!("阅读附件 {FILE}"));
    let viewer = ui.app.global::<ViewerAdapter>();
    assert!(viewer.get_has_picture(), "page 1 is here");
    for _ in 0..9 {
        ui.tap("下一页");
    }
    assert_eq!(page(&ui), (10, 10));
    assert!(viewer.get_missing(), "page 10 is not on the kiosk");
    assert!(ui.shows("这一页没有存在本机上"));
    assert!(viewer.get_has_qr(), "the QR code to the portal");
    assert!(ui.shows("用手机扫码继续阅读"));
}

#[test]
fn a_visitor_prints_pages_7_to_9_of_the_attachment_with_the_provenance_footer() {
    let cups = Cups::start();
    cups.add_queue("hall", "file:///dev/null");
    let (ui, _, _kiosk, _server) = synced_with(
        None,
        KioskOptions {
            portal_url: Some("https://www.leshan.gov.cn/".into()),
            print: PrintConfig {
                enabled: true,
                printer: cups.uri("hall"),
                ..PrintConfig::default()
            },
            ..KioskOptions::default()
        },
    );
    ui.see_whole_page();
    ui.tap(&format!("阅读附件 {FILE}"));
    for _ in 0..6 {
        ui.tap("下一页");
    }
    assert_eq!(page(&ui), (7, 10));
    ui.tap("免费打印本页内容");
    let printing = ui.app.global::<Printing>();
    assert_eq!(
        (printing.get_range_from(), printing.get_range_to()),
        (7, 7),
        "the page on display"
    );
    assert!(ui.shows("共 1 页（A4），免费打印"));
    ui.tap("结束页加一");
    ui.tap("结束页加一");
    assert_eq!((printing.get_range_from(), printing.get_range_to()), (7, 9));
    assert!(ui.shows("共 3 页（A4），免费打印"), "counted again");
    ui.tap("确认打印");
    assert!(ui.shows("正在打印，共 3 页。请到打印机取件。"));
    let pdf = cups.wait_for_job_file(1);
    assert_eq!(pdf_pages(&pdf), 3);
    let text = pdf_text(&pdf);
    for fact in [
        "索引号：",
        "发布机构：",
        "公开日期：",
        "内容版本",
        "本页打印于",
        "第 3/3 页",
    ] {
        assert!(text.contains(fact), "{fact} in {text}");
    }
}

#[test]
fn the_viewer_renders_page_7_with_the_match_marked_in_every_variant() {
    use readpoint::cli::ScreenName;
    use readpoint::kiosk::offscreen::{Shot, render, write_png};
    let (entry, kiosk, _server) = synced_cache(None);
    let out = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&out).expect("screenshot folder");
    let shoot = |name: &str, edit: &dyn Fn(&mut Shot)| {
        let mut shot = Shot::new(ScreenName::Viewer);
        shot.document = Some(entry.clone());
        shot.page = 7;
        edit(&mut shot);
        let options = KioskOptions {
            portal_url: Some("https://www.leshan.gov.cn/".into()),
            ..KioskOptions::default()
        };
        let pixels = render(&shot, kiosk.store(), options).expect("rendered");
        write_png(&pixels, &out.join(format!("viewer-{name}.png"))).expect("png");
        pixels
    };
    let differ = |a: &slint::SharedPixelBuffer<slint::Rgba8Pixel>,
                  b: &slint::SharedPixelBuffer<slint::Rgba8Pixel>| {
        a.as_slice()
            .iter()
            .zip(b.as_slice())
            .filter(|(x, y)| x != y)
            .count()
    };
    let plain = shoot("normal", &|_| {});
    // The page itself is drawn: many shades of grey from the rendered text.
    let shades: std::collections::HashSet<u8> = plain.as_slice().iter().map(|p| p.r).collect();
    assert!(
        shades.len() > 64,
        "{} shades: is the page drawn?",
        shades.len()
    );
    let marked = shoot("marked", &|s| s.query = Some("统计期限".into()));
    assert!(differ(&plain, &marked) > 500, "the match is marked");
    for (name, edit) in [
        (
            "large",
            &(|s: &mut Shot| s.large_text = true) as &dyn Fn(&mut Shot),
        ),
        ("contrast", &|s: &mut Shot| s.high_contrast = true),
        ("traditional", &|s: &mut Shot| s.traditional = true),
    ] {
        assert!(differ(&plain, &shoot(name, edit)) > 500, "{name} differs");
    }
    let portrait = shoot("portrait", &|s| s.size = (1080, 1920));
    assert_eq!((portrait.width(), portrait.height()), (1080, 1920));
}

#[test]
fn a_search_finds_text_inside_the_attachment_and_opens_its_page_marked() {
    use readpoint::ui::SearchAdapter;
    let (ui, entry, kiosk, _server) = synced(None);
    let title = kiosk
        .store()
        .document(&entry)
        .expect("read")
        .expect("the entry")
        .title;
    ui.app.global::<Nav>().invoke_open(Screen::Search);
    ui.see_whole_page();
    let boxes: Vec<_> =
        i_slint_backend_testing::ElementHandle::find_by_accessible_label(&ui.app, "搜索内容")
            .filter(|e| {
                e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::TextInput)
            })
            .collect();
    boxes[0].set_accessible_value("申请人情况");
    assert_eq!(ui.app.global::<SearchAdapter>().get_query(), "申请人情况");
    let on_page = |n: u32| format!("{title} 附件 {FILE} · 第 {n} 页");
    assert_eq!(ui.buttons(&on_page(8)).len(), 1, "a match on page 8");
    assert_eq!(ui.buttons(&on_page(9)).len(), 1, "and on page 9");
    // A match inside the attachment is listed under its document's title, with file and page.
    ui.tap(&on_page(8));
    assert_eq!(ui.app.global::<Nav>().get_screen(), Screen::Viewer);
    assert_eq!(page(&ui), (8, 10));
    let viewer = ui.app.global::<ViewerAdapter>();
    assert!(viewer.get_has_picture());
    assert!(
        slint::Model::row_count(&viewer.get_marks()) > 0,
        "the match is marked on the page"
    );
    // Back returns to the results.
    ui.tap("返回上一页");
    assert_eq!(ui.app.global::<Nav>().get_screen(), Screen::Search);
}

#[test]
fn a_picture_attachment_opens_in_the_same_viewer() {
    // A 600 × 400 JPEG photo (a notice board, say): kept as a file, shown as itself.
    let mut pixels = image::RgbImage::new(600, 400);
    for (x, y, pixel) in pixels.enumerate_pixels_mut() {
        *pixel = image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]);
    }
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode_image(&pixels)
        .expect("jpeg");
    let mut portal = Portal::new();
    let (entry, _) = attach(&mut portal, "公示栏.jpg", "image/jpeg", &jpeg);
    portal.publish();
    assert!(
        portal.manifest()["attachments"][0].get("pages").is_none(),
        "pictures are not rendered"
    );
    let server = FeedServer::start(&portal.feed).expect("the feed server starts");
    let kiosk = SyncKiosk::new(&portal, &server.url());
    let (code, out) = kiosk.sync();
    assert_eq!(code, 0, "{out}");
    let ui = UiKiosk::on_store(kiosk.store(), KioskOptions::default());
    ui.app
        .global::<Nav>()
        .invoke_open_document(entry.as_str().into());
    ui.see_whole_page();
    ui.tap("阅读附件 公示栏.jpg");
    assert_eq!(page(&ui), (1, 1));
    let viewer = ui.app.global::<ViewerAdapter>();
    assert!(viewer.get_has_picture());
    let size = viewer.get_picture().size();
    assert_eq!((size.width, size.height), (600, 400));
    assert!(disabled(&ui, "下一页"));
}

#[test]
fn the_viewer_fits_every_hall_screen_in_every_mode() {
    use readpoint::kiosk::Place;
    use readpoint::kiosk::offscreen::Session;
    use readpoint::view_models::viewer::Reading;
    let (entry, kiosk, _server) = synced_cache(Some("500KiB"));
    let mut failures = Vec::new();
    for size in crate::ui_layout::SIZES {
        let options = KioskOptions {
            portal_url: Some("https://www.leshan.gov.cn/".into()),
            ..KioskOptions::default()
        };
        let session = Session::start(kiosk.store(), options, size).expect("session");
        let mut session = session;
        for mode in ["normal", "large", "contrast", "traditional"] {
            // Page 7 with a marked match, and page 10 (past the budget: the QR code instead).
            for page in [7, 10] {
                session.kiosk.reset_session();
                let theme = session.app.global::<readpoint::ui::Theme>();
                theme.set_large_text(mode == "large");
                theme.set_high_contrast(mode == "contrast");
                if mode == "traditional" {
                    session.kiosk.set_traditional(true);
                }
                session.kiosk.go(Place::Viewer(Reading {
                    document: entry.clone(),
                    attachment: 0,
                    page,
                    find: Some("统计期限".into()),
                }));
                session.frame();
                for problem in crate::ui_layout::problems(&session, size) {
                    failures.push(format!(
                        "viewer page {page} at {}×{} ({mode}): {problem}",
                        size.0, size.1
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
