//! 打印 as a visitor uses it, headless, against a real CUPS scheduler on 127.0.0.1: the button
//! on a document and a report, the page count, 大字打印, the job reaching the printer, the
//! plain-words outcome (printing, no paper), printing off, and an idle reset closing the dialog.

use std::time::{Duration, Instant};

use readpoint::config::PrintConfig;
use readpoint::kiosk::KioskOptions;
use readpoint::ui::{Nav, PrintPhase, Printing};
use slint::ComponentHandle;

use crate::cups_server::{Cups, pdf_pages, pdf_text};
use crate::ui_support::UiKiosk;

const NOTICE: &str = "ce-2012-00012";
const REPORT: &str = "ar-ls-zwzx-2022-sample";
const PRINT_BUTTON: &str = "免费打印本页内容";

fn kiosk(cups: &Cups, queue: &str) -> UiKiosk {
    UiKiosk::with_options(KioskOptions {
        portal_url: Some("https://www.leshan.gov.cn/".into()),
        staff_desk: Some("一楼服务台".into()),
        print: PrintConfig {
            enabled: true,
            printer: cups.uri(queue),
            ..PrintConfig::default()
        },
        ..KioskOptions::default()
    })
}

fn open(ui: &UiKiosk, id: &str) {
    ui.app.global::<Nav>().invoke_open_document(id.into());
}

/// A kiosk printing to a CUPS queue, on the search screen after `query` found nothing.
fn after_a_failed_search(query: &str) -> (Cups, UiKiosk) {
    let cups = Cups::start();
    cups.add_queue("hall", "file:///dev/null");
    let ui = kiosk(&cups, "hall");
    ui.app
        .global::<Nav>()
        .invoke_open(readpoint::ui::Screen::Search);
    ui.kiosk.search_for(query);
    (cups, ui)
}

fn dialog_pages(ui: &UiKiosk) -> i32 {
    let printing = ui.app.global::<Printing>();
    assert_eq!(
        printing.get_phase(),
        PrintPhase::Ready,
        "the count is ready"
    );
    printing.get_pages()
}

#[test]
fn a_visitor_prints_a_document_and_is_told_where_to_collect_it() {
    let cups = Cups::start();
    cups.add_queue("hall", "file:///dev/null");
    let ui = kiosk(&cups, "hall");
    assert!(ui.buttons(PRINT_BUTTON).is_empty(), "no 打印 on Home");
    open(&ui, NOTICE);
    ui.tap(PRINT_BUTTON);
    assert!(
        ui.shows("共 1 页（A4），免费打印"),
        "the dialog says how many pages"
    );
    ui.tap("确认打印");
    assert!(ui.shows("正在打印，共 1 页。请到打印机取件。"));
    // The job reached CUPS: one A4 page with the notice and its provenance.
    let pdf = cups.wait_for_job_file(1);
    assert_eq!(pdf_pages(&pdf), 1);
    let text = pdf_text(&pdf);
    assert!(text.contains("效能告诫办法"), "{text}");
    assert!(text.contains("索引号：000000019/2012-00012"), "{text}");
    assert!(text.contains("本页打印于"), "{text}");
    ui.tap("关闭打印窗口");
    assert!(!ui.app.global::<Printing>().get_dialog_open());
}

#[test]
fn large_print_takes_more_pages_and_the_report_prints_too() {
    let cups = Cups::start();
    cups.add_queue("hall", "file:///dev/null");
    let ui = kiosk(&cups, "hall");
    open(&ui, REPORT);
    ui.tap(PRINT_BUTTON);
    let normal = dialog_pages(&ui);
    assert!(normal >= 2, "the report runs over pages: {normal}");
    ui.tap("大字打印（正文16磅）");
    let large = dialog_pages(&ui);
    assert!(large > normal, "large print {large} pages, normal {normal}");
    ui.tap("确认打印");
    assert_eq!(
        ui.app.global::<Printing>().get_phase(),
        PrintPhase::Printing
    );
    let pdf = cups.wait_for_job_file(1);
    assert_eq!(pdf_pages(&pdf), u32::try_from(large).unwrap_or(0));
}

#[test]
fn no_paper_is_said_plainly_and_the_idle_reset_closes_the_dialog() {
    let cups = Cups::start();
    cups.add_queue("empty", "nopaper:/");
    let ui = kiosk(&cups, "empty");
    open(&ui, NOTICE);
    ui.tap(PRINT_BUTTON);
    ui.tap("确认打印");
    // The backend runs out of paper; CUPS stops the queue with media-empty.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        ui.tap("关闭打印窗口");
        ui.tap(PRINT_BUTTON);
        ui.tap("确认打印");
        if ui.shows("打印机缺纸，暂时不能打印。请向一楼服务台咨询。") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never told about the paper:\n{}",
            cups.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    ui.kiosk.reset_session();
    assert!(!ui.app.global::<Printing>().get_dialog_open());
    assert!(ui.buttons("确认打印").is_empty());
}

#[test]
fn without_printing_there_is_no_print_button() {
    let ui = UiKiosk::new();
    open(&ui, NOTICE);
    assert!(ui.buttons(PRINT_BUTTON).is_empty());
    open(&ui, REPORT);
    assert!(ui.buttons(PRINT_BUTTON).is_empty());
}

#[test]
fn a_search_that_finds_nothing_prints_a_prefilled_application_form() {
    let (cups, ui) = after_a_failed_search("菜市场改造补贴");
    assert!(
        ui.shows("没找到？可以申请公开"),
        "the 申请公开 card after no results"
    );
    ui.tap("打印政府信息公开申请表");
    assert!(
        ui.shows("要找的信息已按您的搜索填好：关于“菜市场改造补贴”的政府信息"),
        "the dialog shows what goes on the form"
    );
    ui.tap("确认打印");
    assert_eq!(
        ui.app.global::<Printing>().get_phase(),
        PrintPhase::Printing
    );
    let pdf = cups.wait_for_job_file(1);
    let text = pdf_text(&pdf);
    for expected in [
        "政府信息公开申请表",
        "关于“菜市场改造补贴”的政府信息",
        "乐山市人民政府政务服务中心",
        "四川省乐山市市中区",
        "姓名",
        "证件号码",
        "办理时限",
        "本页打印于",
    ] {
        assert!(text.contains(expected), "no {expected:?} in\n{text}");
    }
    // Closing forgets what was searched.
    ui.tap("关闭打印窗口");
    assert_eq!(ui.app.global::<Printing>().get_wanted(), "");
}

#[test]
fn the_visitor_edits_the_description_with_the_on_screen_keyboard_before_printing() {
    let (cups, ui) = after_a_failed_search("菜市场改造补贴");
    ui.tap("打印政府信息公开申请表");
    ui.tap("修改要找的信息");
    let printing = ui.app.global::<Printing>();
    assert!(printing.get_editing());
    // 删除 four times takes "的政府信息" down to "的"; then z-h-e-n-g offers 政, tapped.
    for _ in 0..4 {
        ui.tap_top("删除");
    }
    assert_eq!(printing.get_wanted(), "关于“菜市场改造补贴”的");
    for key in ["z", "h", "e", "n", "g"] {
        ui.tap_top(key);
    }
    assert_eq!(printing.get_composing(), "zheng");
    assert!(ui.shows("拼音 zheng"));
    ui.tap("写入 政");
    assert_eq!(
        printing.get_composing(),
        "",
        "a picked character ends the syllable"
    );
    for key in ["c", "e"] {
        ui.tap_top(key);
    }
    ui.tap("写入 策");
    // Digits go straight in.
    ui.tap_top("2");
    ui.tap_top("0");
    ui.tap_top("2");
    ui.tap_top("3");
    assert_eq!(printing.get_wanted(), "关于“菜市场改造补贴”的政策2023");
    ui.tap("完成修改");
    assert!(!printing.get_editing());
    assert!(ui.shows("要找的信息已按您的搜索填好：关于“菜市场改造补贴”的政策2023"));
    ui.tap("确认打印");
    let text = pdf_text(&cups.wait_for_job_file(1));
    assert!(text.contains("关于“菜市场改造补贴”的政策2023"), "{text}");
    // Closing forgets what was written.
    ui.tap("关闭打印窗口");
    assert_eq!(printing.get_wanted(), "");
}

#[test]
fn without_printing_a_failed_search_still_explains_how_to_apply() {
    let ui = UiKiosk::new();
    ui.app
        .global::<Nav>()
        .invoke_open(readpoint::ui::Screen::Search);
    ui.kiosk.search_for("菜市场改造补贴");
    assert!(ui.shows("没找到？可以申请公开"));
    assert!(ui.buttons("打印政府信息公开申请表").is_empty());
    ui.tap("查看依申请公开的办法");
    assert_eq!(
        ui.app.global::<Nav>().get_screen(),
        readpoint::ui::Screen::Apply
    );
}

#[test]
fn staff_release_and_cancel_held_jobs_on_the_printer_panel() {
    let cups = Cups::start();
    cups.add_queue("desk", "file:///dev/null");
    let ui = UiKiosk::with_options(KioskOptions {
        print: PrintConfig {
            enabled: true,
            printer: cups.uri("desk"),
            hold_jobs: true,
            ..PrintConfig::default()
        },
        ..KioskOptions::default()
    });
    for _ in 0..2 {
        open(&ui, NOTICE);
        ui.tap(PRINT_BUTTON);
        ui.tap("确认打印");
        assert!(ui.shows("已提交，共 1 页。请到服务台领取。"));
        ui.tap("关闭打印窗口");
    }
    ui.kiosk.show_staff_screen();
    ui.tap("查看打印机");
    assert!(ui.shows("就绪"), "the printer's state");
    assert!(ui.shows("2 / 500"), "today's pages against the cap");
    assert!(ui.shows("任务 1 readpoint-document 等待放行 1 页"));
    assert!(ui.shows("任务 2 readpoint-document 等待放行 1 页"));
    ui.tap("取消任务 1");
    ui.tap("放行任务 2");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(ui.shows("任务 2 readpoint-document 已完成")
        && ui.shows("任务 1 readpoint-document 已取消"))
    {
        assert!(
            Instant::now() < deadline,
            "jobs never finished:\n{}",
            cups.log()
        );
        std::thread::sleep(Duration::from_millis(100));
        ui.tap("刷新打印机状态");
    }
    assert_eq!(pdf_pages(&cups.wait_for_job_file(2)), 1);
}
