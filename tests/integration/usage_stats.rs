//! Anonymous usage statistics end to end: a scripted visitor session in the headless kiosk,
//! counted by the real recorder thread into a cache file, gives exactly the expected counts;
//! search texts reach the file only once three visits searched them that day, never with a
//! phone number in them; `readpoint stats` (text and CSV, through the real binary) reports them;
//! bad dates are refused with the flag and the fix.

use std::sync::Arc;
use std::time::Duration;

use i_slint_backend_testing::mock_elapsed_time;
use jiff::civil::{Date, date};
use readpoint::kiosk::KioskOptions;
use readpoint::store::{UsageCount, UsageEvent};
use readpoint::ui::{Nav, Screen, SearchAdapter, SearchState};
use readpoint::usage::{Event, MAX_KEYS_PER_DAY, Recorder, RecorderSettings};
use slint::ComponentHandle;

use crate::support::{TempKiosk, stderr, stdout};
use crate::ui_support::UiKiosk;

/// The 一站式 catalogue entry (category 便民服务, BMFW); its summary mentions 社保.
const SHEBAO_ENTRY: &str = "ce-2012-00013";

fn type_keys(ui: &UiKiosk, keys: &str) {
    for key in keys.chars() {
        ui.tap(&key.to_string());
    }
}

fn open_document(ui: &UiKiosk, id: &str) {
    ui.app.global::<Nav>().invoke_open_document(id.into());
}

#[test]
fn a_scripted_visitor_session_gives_the_exact_counts() {
    let kiosk = TempKiosk::new();
    let ui = UiKiosk::on_store(kiosk.store(), KioskOptions::default());
    // 2026-06-15, noon in Shanghai.
    let noon: jiff::Timestamp = "2026-06-15T04:00:00Z".parse().unwrap();
    let (recorder, thread) = Recorder::spawn(RecorderSettings {
        cache_path: kiosk.cache_path(),
        time_zone: jiff::tz::TimeZone::get("Asia/Shanghai").unwrap(),
        retention_days: 400,
        clock: Arc::new(move || noon),
    })
    .unwrap();
    ui.kiosk.set_usage(recorder.clone());
    let nav = ui.app.global::<Nav>();

    // First visitor: the catalogue, one entry, back home.
    ui.tap("公开目录");
    open_document(&ui, SHEBAO_ENTRY);
    assert_eq!(nav.get_screen(), Screen::Document);
    ui.tap("返回上一页");
    ui.tap("返回首页");

    // Search: pinyin typed key by key counts once, after it stayed on display for 2 s.
    ui.tap("搜索");
    type_keys(&ui, "shebao");
    assert_eq!(
        ui.app.global::<SearchAdapter>().get_state(),
        SearchState::Results
    );
    mock_elapsed_time(Duration::from_secs(2));
    // A query with no result counts when the visitor leaves the screen.
    ui.tap("清空");
    type_keys(&ui, "zzqx");
    assert_eq!(
        ui.app.global::<SearchAdapter>().get_state(),
        SearchState::None
    );
    ui.tap("返回首页");
    // Back to the same results: not counted again. A new query counts when a result is opened.
    ui.tap("搜索");
    ui.kiosk.search_for("社保");
    open_document(&ui, SHEBAO_ENTRY);
    ui.tap("返回上一页");
    assert_eq!(nav.get_screen(), Screen::Search);
    ui.tap("返回首页");
    ui.tap("大字模式");

    // The visitor walks away: countdown, idle reset (which switches large text off again
    // without counting it as a visitor's toggle).
    mock_elapsed_time(Duration::from_secs(121));
    for _ in 0..21 {
        mock_elapsed_time(Duration::from_secs(1));
    }
    assert_eq!(nav.get_screen(), Screen::Home);
    assert!(!ui.app.global::<readpoint::ui::Theme>().get_large_text());

    // A second visitor.
    ui.tap("年度报告");

    recorder.flush_now().expect("stored");
    let store = kiosk.store();
    let day = date(2026, 6, 15);
    let mut got: Vec<(&str, String, u64)> = store
        .usage_totals(day, day)
        .unwrap()
        .into_iter()
        .map(|t| (t.event.as_str(), t.key, t.count))
        .collect();
    got.sort();
    let mut expected: Vec<(&str, String, u64)> = [
        ("document", SHEBAO_ENTRY, 2),
        ("document_category", "BMFW", 2),
        ("document_kind", "catalogue_entry", 2),
        ("screen", "catalogue", 1),
        ("screen", "document", 2),
        ("screen", "reports", 1),
        ("screen", "search", 2),
        // One visitor's queries are not kept as text (fewer than three visits searched them).
        ("search", "(other)", 3),
        ("search_no_hits", "(other)", 1),
        ("session", "", 2),
        ("toggle", "large_text:on", 1),
    ]
    .into_iter()
    .map(|(event, key, count)| (event, key.to_owned(), count))
    .collect();
    expected.sort();
    assert_eq!(got, expected);
    let today = store.usage_day(day).unwrap();
    assert_eq!(
        (today.sessions, today.screens_opened, today.searches),
        (2, 6, 3)
    );

    // Nothing more is counted twice at shutdown.
    thread.shutdown();
    assert_eq!(kiosk.store().usage_day(day).unwrap(), today);
}

/// Every (event, key, count) in the cache file, read with SQLite itself, not through the store.
fn rows_on_disk(path: &std::path::Path) -> Vec<(String, String, i64)> {
    let conn = rusqlite::Connection::open(path).expect("the cache file");
    let mut statement = conn
        .prepare("SELECT event, key, sum(count) FROM usage_count GROUP BY event, key ORDER BY event, key")
        .expect("query");
    statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// The search rows on disk.
fn searches_on_disk(path: &std::path::Path) -> Vec<(String, String, i64)> {
    rows_on_disk(path)
        .into_iter()
        .filter(|(event, _, _)| event.starts_with("search"))
        .collect()
}

fn row(event: &str, key: &str, n: i64) -> (String, String, i64) {
    (event.to_owned(), key.to_owned(), n)
}

/// Every byte of the cache's files (database, WAL) together.
fn cache_bytes(kiosk: &TempKiosk) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(&kiosk.data_dir).expect("data folder") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            bytes.extend(std::fs::read(&path).expect("a cache file"));
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn search_texts_reach_the_disk_only_after_three_visits_and_without_numbers() {
    let kiosk = TempKiosk::new();
    drop(kiosk.store());
    let noon: jiff::Timestamp = "2026-06-15T04:00:00Z".parse().unwrap();
    let settings = RecorderSettings {
        cache_path: kiosk.cache_path(),
        time_zone: jiff::tz::TimeZone::get("Asia/Shanghai").unwrap(),
        retention_days: 400,
        clock: Arc::new(move || noon),
    };
    let visit = |recorder: &Recorder, queries: &[&str]| {
        for query in queries {
            recorder.record(Event::Search {
                query: (*query).to_owned(),
                hits: true,
            });
        }
        recorder.record(Event::SessionEnded);
    };
    let (recorder, thread) = Recorder::spawn(settings.clone()).unwrap();
    // One visitor types a name and a phone number, several times over.
    visit(
        &recorder,
        &[
            "赵钱孙 低保",
            "赵钱孙 低保",
            "赵钱孙 低保",
            "139 8765 4321",
            "医保",
        ],
    );
    visit(&recorder, &["医保", "139-8765-4321"]);
    recorder.flush_now().expect("stored");
    assert_eq!(
        searches_on_disk(&kiosk.cache_path()),
        vec![row("search", "(other)", 7)],
        "two visits are not enough for 医保"
    );

    // The third visit: 医保's searches move to their text; the phone number, searched in three
    // visits too, is kept only as `#`.
    visit(&recorder, &["醫保", "1３9 8765 4321"]);
    recorder.flush_now().expect("stored");
    assert_eq!(
        searches_on_disk(&kiosk.cache_path()),
        vec![
            row("search", "#", 3),
            row("search", "(other)", 3),
            row("search", "医保", 3),
        ]
    );
    thread.shutdown();

    // Restarted the same day: 医保 counts under its text at once, the name still does not.
    let (recorder, thread) = Recorder::spawn(settings).unwrap();
    visit(&recorder, &["医保", "赵钱孙 低保"]);
    recorder.flush_now().expect("stored");
    thread.shutdown();
    assert_eq!(
        searches_on_disk(&kiosk.cache_path()),
        vec![
            row("search", "#", 3),
            row("search", "(other)", 4),
            row("search", "医保", 4),
        ]
    );
    // Not even a freed page of the files holds them.
    let bytes = cache_bytes(&kiosk);
    for personal in ["赵钱孙", "8765 4321", "8765-4321"] {
        assert!(
            !contains(&bytes, personal),
            "{personal} is in the cache files"
        );
    }

    let output = kiosk.run(&["stats", "--from", "2026-06-15", "--to", "2026-06-15"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("Top 20 searches\n         4  (others: searched in fewer than 3 visits"),
        "{text}"
    );
    assert!(text.contains("         4  医保\n"), "{text}");
    assert!(!text.contains("赵钱孙"), "{text}");
}

fn count(day: Date, event: UsageEvent, key: &str, n: u64) -> UsageCount {
    UsageCount {
        day,
        event,
        key: key.to_owned(),
        count: n,
    }
}

/// A counted query with a comma and quotes in it (a full-width ，typed on the kiosk is folded
/// to a comma).
const AWKWARD_QUERY: &str = "他说\"你好\",再见";

fn seed(kiosk: &TempKiosk) {
    let mut store = kiosk.store();
    let (d1, d2, outside) = (date(2026, 6, 1), date(2026, 6, 30), date(2026, 7, 1));
    store
        .usage_add(
            &[
                count(d1, UsageEvent::Session, "", 3),
                count(d2, UsageEvent::Session, "", 2),
                count(outside, UsageEvent::Session, "", 50),
                count(d1, UsageEvent::Screen, "catalogue", 4),
                count(d1, UsageEvent::Document, SHEBAO_ENTRY, 2),
                count(d2, UsageEvent::Document, SHEBAO_ENTRY, 1),
                count(d2, UsageEvent::Document, "gone-1", 1),
                count(d1, UsageEvent::DocumentKind, "catalogue_entry", 4),
                count(d1, UsageEvent::DocumentCategory, "BMFW", 3),
                count(d1, UsageEvent::DocumentCategory, "", 1),
                count(d1, UsageEvent::Search, "社保", 5),
                count(d2, UsageEvent::Search, AWKWARD_QUERY, 2),
                count(d2, UsageEvent::SearchNoHits, AWKWARD_QUERY, 2),
                count(d2, UsageEvent::Toggle, "large_text:on", 1),
            ],
            MAX_KEYS_PER_DAY,
        )
        .unwrap();
}

#[test]
fn stats_csv_through_the_binary() {
    let kiosk = TempKiosk::new();
    seed(&kiosk);
    let output = kiosk.run(&[
        "stats",
        "--from",
        "2026-06-01",
        "--to",
        "2026-06-30",
        "--csv",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let csv = stdout(&output);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    let expected = [
        "section,key,label,count",
        "summary,visits,visits (visitor sessions),5",
        "summary,days,days with activity,2",
        "summary,screens_opened,screens opened,4",
        "summary,documents_read,documents read,4",
        "summary,documents_distinct,different documents read,2",
        "summary,searches,searches,7",
        "summary,searches_no_result,searches with no result,2",
        "summary,settings_switched,display settings switched,1",
        "summary,print_jobs,print jobs (free printing),0",
        "summary,print_pages,pages printed,0",
        "screen,catalogue,公开目录,4",
        "document_category,BMFW,便民服务,3",
        "document_category,,(no category),1",
        "document_kind,catalogue_entry,catalogue_entry,4",
        "top_document,ce-2012-00013,公共服务单位进驻市政务服务中心实行“一站式”服务,3",
        "top_document,gone-1,(no longer in the cache),1",
        "top_search,社保,社保,5",
        "top_search,\"他说\"\"你好\"\",再见\",\"他说\"\"你好\"\",再见\",2",
        "no_result_search,\"他说\"\"你好\"\",再见\",\"他说\"\"你好\"\",再见\",2",
        "toggle,large_text:on,大字 开,1",
        "",
    ];
    assert_eq!(lines, expected, "{csv}");
}

#[test]
fn stats_text_defaults_to_this_month_and_refuses_bad_dates() {
    let kiosk = TempKiosk::new();
    let zone = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let today = jiff::Timestamp::now().to_zoned(zone.clone()).date();
    kiosk
        .store()
        .usage_add(
            &[
                count(today, UsageEvent::Session, "", 7),
                count(today, UsageEvent::Search, "年度报告", 2),
            ],
            MAX_KEYS_PER_DAY,
        )
        .unwrap();
    let output = kiosk.run(&["stats"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    // The child reads its own clock: judge its period only if the day did not change (in
    // Shanghai) while it ran.
    if jiff::Timestamp::now().to_zoned(zone).date() == today {
        assert!(
            text.starts_with(&format!(
                "Usage statistics {} to {today}",
                today.first_of_month()
            )),
            "{text}"
        );
        assert!(
            text.contains("         7  visits (visitor sessions)\n"),
            "{text}"
        );
        assert!(
            text.contains("Top 20 searches\n         2  年度报告\n"),
            "{text}"
        );
    }

    for (args, flag) in [
        (vec!["stats", "--from", "2026-02-30"], "--from"),
        (vec!["stats", "--to", "29/11/2026"], "--to"),
    ] {
        let output = kiosk.run(&args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let error = stderr(&output);
        assert!(
            error.starts_with(&format!("error: {flag} ")) && error.contains("YYYY-MM-DD"),
            "{error}"
        );
    }
    let output = kiosk.run(&["stats", "--from", "2026-06-02", "--to", "2026-06-01"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("--from 2026-06-02 is after --to 2026-06-01"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn demand_csv_lists_each_day_s_searches_that_found_nothing() {
    let kiosk = TempKiosk::new();
    seed(&kiosk);
    let output = kiosk.run(&[
        "stats",
        "--from",
        "2026-06-01",
        "--to",
        "2026-06-30",
        "--demand",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "date,query,count\r\n2026-06-30,\"他说\"\"你好\"\",再见\",2\r\n"
    );
}
