//! Free printing against a real CUPS scheduler on 127.0.0.1 (`cups_server`): what reaches the
//! printer is read back from CUPS's spool with poppler (pdfinfo, pdftotext). Caps, printing
//! off, a stopped queue and a printer out of paper each refuse with the visitor's message, and
//! refused jobs never reach the printer.

use std::time::{Duration, Instant};

use readpoint::config::PrintConfig;
use readpoint::print::{PrintKind, PrintService, Refusal};
use readpoint::view_models::Display;
use readpoint::view_models::printables::{self, PrintContext};

use crate::cups_server::{Cups, pdf_pages, pdf_text};
use crate::support::{TempKiosk, bundled_store, stderr, stdout, write_file};

/// The 2022 sample report: three A4 pages with its statistical tables.
const REPORT: &str = "ar-ls-zwzx-2022-sample";
/// A one-page catalogue entry.
const NOTICE: &str = "ce-2012-00012";

fn day() -> jiff::civil::Date {
    jiff::civil::date(2026, 12, 6)
}

fn context() -> PrintContext {
    PrintContext {
        time_zone: jiff::tz::TimeZone::fixed(jiff::tz::offset(8)),
        now: "2026-12-06T02:15:00Z".parse().expect("a timestamp"),
        portal_url: Some("https://www.leshan.gov.cn/".into()),
        large: false,
        display: Display::default(),
    }
}

fn config(cups: &Cups, queue: &str) -> PrintConfig {
    PrintConfig {
        enabled: true,
        printer: cups.uri(queue),
        ..PrintConfig::default()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

#[test]
fn the_2022_report_prints_through_cups_with_its_tables_and_provenance_on_every_page() {
    let cups = Cups::start();
    cups.add_queue("hall", "file:///dev/null");
    let kiosk = TempKiosk::new();
    let config = write_file(
        &kiosk.home,
        "readpoint.toml",
        &format!(
            "[kiosk]\nportal_url = \"https://www.leshan.gov.cn/\"\n\n[print]\nenabled = true\nprinter = \"{}\"\n",
            cups.uri("hall")
        ),
    );
    let config = config.to_string_lossy().into_owned();
    let output = kiosk.run(&["--config", &config, "print", REPORT]);
    assert!(output.status.success(), "{}", stderr(&output));
    // "job 1 sent to ipp://…: 3 pages"
    let said = stdout(&output);
    let job: i32 = said
        .strip_prefix("job ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no job number in {said:?}"));
    let pages: u32 = said
        .rsplit(": ")
        .next()
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no page count in {said:?}"));
    let pdf = cups.wait_for_job_file(job);
    assert_eq!(pdf_pages(&pdf), pages, "the job's page count");
    assert!(pages >= 2, "the report with its tables runs over pages");
    let text = pdf_text(&pdf);
    let sheets: Vec<&str> = text
        .split('\u{c}')
        .filter(|s| !s.trim().is_empty())
        .collect();
    assert_eq!(sheets.len() as u32, pages);
    for (i, sheet) in sheets.iter().enumerate() {
        for expected in [
            "发布机构：乐山市人民政府政务服务中心",
            "公开日期：2023-01-30",
            "内容版本：",
            "缓存更新于：",
            "本页打印于 ",
            &format!("第 {}/{pages} 页", i + 1),
            "网上查看：https://www.leshan.gov.cn/",
        ] {
            assert!(
                sheet.contains(expected),
                "page {}: no {expected:?} in\n{sheet}",
                i + 1
            );
        }
    }
    // The statistical tables are there, header and cells.
    assert!(text.contains("收到和处理政府信息公开申请情况"), "{text}");
    assert!(text.contains("行政事业性收费"), "{text}");
    // CUPS recorded the kiosk's fixed user and a generic job name: nothing of a visitor.
    let jobs = cups.lpstat(&["-W", "all", "-o", "hall"]);
    assert!(jobs.contains("readpoint"), "{jobs}");
    // And the statistics counted it.
    let stats = kiosk.run(&["--config", &config, "status"]);
    assert!(
        stdout(&stats).contains(&format!("1 prints ({pages} pages)")),
        "{}",
        stdout(&stats)
    );
}

#[test]
fn caps_and_printing_off_refuse_before_anything_reaches_the_printer() {
    let cups = Cups::start();
    cups.add_queue("hall", "file:///dev/null");
    let store = bundled_store();
    let context = context();
    let (report, title) = printables::report(&store, REPORT, &context)
        .expect("the store answers")
        .expect("the 2022 report is bundled");
    let runtime = runtime();

    // Off.
    let off = PrintService::new(
        PrintConfig {
            enabled: false,
            ..config(&cups, "hall")
        },
        day(),
        0,
    );
    assert_eq!(
        runtime.block_on(off.print(PrintKind::Report, &title, &report, day())),
        Err(Refusal::Off)
    );

    // Pages per job.
    let short = PrintService::new(
        PrintConfig {
            max_pages_per_job: 2,
            ..config(&cups, "hall")
        },
        day(),
        0,
    );
    let refused = runtime.block_on(short.print(PrintKind::Report, &title, &report, day()));
    let Err(Refusal::TooManyPages { pages, max: 2 }) = refused else {
        panic!("expected too many pages, got {refused:?}");
    };
    assert!(pages > 2);
    assert!(
        Refusal::TooManyPages { pages, max: 2 }
            .visitor_text(None)
            .contains("一次最多打印 2 页")
    );

    // Pages per day: the first job fits, the second does not; the count survives a restart
    // through what the statistics hold (`printed_today`).
    let daily = PrintService::new(
        PrintConfig {
            max_pages_per_day: pages + 1,
            ..config(&cups, "hall")
        },
        day(),
        0,
    );
    let printed = runtime
        .block_on(daily.print(PrintKind::Report, &title, &report, day()))
        .expect("the first report fits the day");
    assert_eq!(printed.pages, pages);
    assert_eq!(
        runtime.block_on(daily.print(PrintKind::Report, &title, &report, day())),
        Err(Refusal::DayUsedUp { pages, left: 1 })
    );
    let restarted = PrintService::new(
        PrintConfig {
            max_pages_per_day: pages + 1,
            ..config(&cups, "hall")
        },
        day(),
        pages,
    );
    assert_eq!(
        runtime.block_on(restarted.print(PrintKind::Report, &title, &report, day())),
        Err(Refusal::DayUsedUp { pages, left: 1 })
    );
    // A new day starts a new count.
    let tomorrow = day().tomorrow().expect("a date");
    assert!(
        runtime
            .block_on(daily.print(PrintKind::Report, &title, &report, tomorrow))
            .is_ok()
    );

    // Exactly the two accepted jobs reached CUPS.
    let jobs = cups.lpstat(&["-W", "all", "-o", "hall"]);
    assert_eq!(jobs.lines().count(), 2, "{jobs}");
}

#[test]
fn a_stopped_queue_and_a_printer_out_of_paper_are_told_plainly() {
    let cups = Cups::start();
    cups.add_queue("hall", "file:///dev/null");
    cups.add_queue("empty", "nopaper:/");
    let store = bundled_store();
    let context = context();
    let (notice, title) = printables::document(&store, NOTICE, &context)
        .expect("the store answers")
        .expect("the notice is bundled");
    let runtime = runtime();

    // Staff stopped the queue (cupsdisable): refused, then fine once it is enabled again.
    let service = PrintService::new(config(&cups, "hall"), day(), 0);
    cups.admin("cupsdisable", &["hall"]);
    let refused = runtime.block_on(service.print(PrintKind::Document, &title, &notice, day()));
    assert!(
        matches!(refused, Err(Refusal::PrinterStopped { .. })),
        "{refused:?}"
    );
    assert!(
        refused
            .err()
            .map(|r| r.visitor_text(Some("一楼服务台")))
            .unwrap_or_default()
            .contains("打印机暂时不能使用。请到一楼服务台咨询。")
    );
    cups.admin("cupsenable", &["hall"]);
    assert!(
        runtime
            .block_on(service.print(PrintKind::Document, &title, &notice, day()))
            .is_ok()
    );

    // The paper runs out during a job: the backend reports media-empty and CUPS stops the
    // queue; the next visitor is told, and the printer's state says why.
    let empty = PrintService::new(config(&cups, "empty"), day(), 0);
    runtime
        .block_on(empty.print(PrintKind::Document, &title, &notice, day()))
        .expect("the first job is accepted");
    let printer = empty.printer().expect("a printer address");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = runtime
            .block_on(printer.status())
            .expect("the printer answers");
        if status.out_of_paper() {
            assert!(!status.can_print());
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never out of paper: {status:?}\n{}",
            cups.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        runtime.block_on(empty.print(PrintKind::Document, &title, &notice, day())),
        Err(Refusal::OutOfPaper)
    );
    assert!(
        Refusal::OutOfPaper
            .visitor_text(None)
            .contains("打印机缺纸")
    );
}

#[test]
fn staff_see_the_queue_and_cancel_a_held_job() {
    let cups = Cups::start();
    cups.add_queue("desk", "file:///dev/null");
    let store = bundled_store();
    let context = context();
    let (notice, title) = printables::document(&store, NOTICE, &context)
        .expect("the store answers")
        .expect("the notice is bundled");
    let runtime = runtime();
    let service = PrintService::new(
        PrintConfig {
            hold_jobs: true,
            ..config(&cups, "desk")
        },
        day(),
        0,
    );
    let first = runtime
        .block_on(service.print(PrintKind::Document, &title, &notice, day()))
        .expect("accepted");
    let second = runtime
        .block_on(service.print(PrintKind::Document, &title, &notice, day()))
        .expect("accepted");
    assert!(first.held && second.held);
    let printer = service.printer().expect("a printer address");
    let queue = runtime
        .block_on(printer.jobs(readpoint::print::ipp::Which::NotCompleted, 10))
        .expect("the queue");
    let ids: Vec<i32> = queue.iter().map(|j| j.id).collect();
    assert_eq!(ids, [second.job, first.job], "newest first: {queue:?}");
    assert!(
        queue
            .iter()
            .all(|j| j.state == readpoint::print::ipp::JobState::Held)
    );
    assert!(queue.iter().all(|j| j.name == "readpoint-document"));

    // Staff cancel one and release the other: it prints.
    runtime.block_on(printer.cancel(first.job)).expect("cancel");
    runtime
        .block_on(printer.release(second.job))
        .expect("release");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let done = runtime
            .block_on(printer.jobs(readpoint::print::ipp::Which::Completed, 10))
            .expect("the finished jobs");
        let state = |id| done.iter().find(|j| j.id == id).map(|j| j.state);
        if state(second.job) == Some(readpoint::print::ipp::JobState::Completed) {
            assert_eq!(
                state(first.job),
                Some(readpoint::print::ipp::JobState::Canceled)
            );
            break;
        }
        assert!(Instant::now() < deadline, "{done:?}\n{}", cups.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(pdf_pages(&cups.wait_for_job_file(second.job)), second.pages);
}
