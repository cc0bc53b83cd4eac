//! The staff screen as staff use it, headless: hold the agency emblem for 5 s, type the PIN on
//! the number pad, and the staff screen opens; wrong PINs lock the pad, each lock longer than
//! the one before, and the lock holds for a new kiosk on the same data folder and after a
//! reboot; the screen closes itself after a minute; reload and leave; and the display
//! schedule's black screen with a mock clock.

use std::cell::Cell;
use std::path::Path;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::Duration;

use i_slint_backend_testing::{ElementHandle, mock_elapsed_time};
use readpoint::config::{Config, Paths};
use readpoint::kiosk::KioskOptions;
use readpoint::ui::{Power, Staff, StaffAdapter};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition};

use crate::ui_support::UiKiosk;

const PIN: &str = "258036";

/// One argon2 hash of [`PIN`] for every test (hashing costs a noticeable fraction of a second).
fn pin_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| readpoint::staff::pin::hash_pin(PIN).expect("hash"))
        .clone()
}

/// Options of a kiosk whose staff PIN is [`PIN`], keeping its lockout in `data_dir`.
fn staff_options(data_dir: &Path) -> KioskOptions {
    let mut config = Config::default();
    config.kiosk.terminal_id = "ls-zwzx-hall-01".into();
    config.kiosk.location = "一楼大厅".into();
    config.admin.pin_hash = Some(pin_hash());
    let paths = Paths::resolve(
        Some(&data_dir.join("readpoint.toml")),
        Some(data_dir),
        &|_| None,
    );
    KioskOptions {
        state_dir: Some(data_dir.to_owned()),
        status: Some(readpoint::fleet::Collector::new(
            &config,
            &paths,
            readpoint::fleet::Producer::Kiosk,
        )),
        ..KioskOptions::from_config(&config)
    }
}

/// Presses the agency emblem, keeps it pressed for `held`, releases it.
fn hold_emblem(ui: &UiKiosk, held: Duration) {
    let emblem = ElementHandle::find_by_accessible_label(&ui.app, "机构标志")
        .next()
        .expect("the agency emblem");
    let position = emblem.absolute_position();
    let size = emblem.size();
    let centre = LogicalPosition::new(position.x + size.width / 2., position.y + size.height / 2.);
    let window = ui.app.window();
    window.dispatch_event(WindowEvent::PointerPressed {
        position: centre,
        button: PointerEventButton::Left,
    });
    mock_elapsed_time(held);
    window.dispatch_event(WindowEvent::PointerReleased {
        position: centre,
        button: PointerEventButton::Left,
    });
}

fn type_pin(ui: &UiKiosk, pin: &str) {
    for digit in pin.chars() {
        ui.tap(&digit.to_string());
    }
    ui.tap("确定");
}

fn staff(ui: &UiKiosk) -> Staff<'_> {
    ui.app.global::<Staff>()
}

#[test]
fn holding_the_emblem_and_the_right_pin_open_the_staff_screen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ui = UiKiosk::with_options(staff_options(dir.path()));
    ui.tap("公开指南");

    // A tap, or a hold shorter than 5 s, does nothing.
    hold_emblem(&ui, Duration::from_millis(4_500));
    assert!(!staff(&ui).get_pin_open());

    hold_emblem(&ui, Duration::from_millis(5_100));
    assert!(staff(&ui).get_pin_open(), "the PIN pad opens");
    assert!(ui.shows("已输入 0 位"));
    // The visitor's session ended: Home is underneath.
    assert_eq!(ui.kiosk.current(), readpoint::kiosk::Place::Home);

    // Digits show as dots only; the PIN is never in the UI tree.
    for digit in PIN.chars() {
        ui.tap(&digit.to_string());
    }
    assert!(ui.shows("已输入 6 位"));
    assert!(!ui.shows(PIN));
    ui.tap("删除一位");
    assert!(ui.shows("已输入 5 位"));
    ui.tap("6");
    ui.tap("确定");

    assert!(!staff(&ui).get_pin_open());
    assert!(staff(&ui).get_open(), "the staff screen opens");
    assert!(ui.shows("管理界面 · ls-zwzx-hall-01"));
    let status = ui.app.global::<StaffAdapter>().get_status();
    assert_eq!(status.terminal_id, "ls-zwzx-hall-01");
    assert_eq!(status.location, "一楼大厅");
    assert_eq!(status.app_version, env!("CARGO_PKG_VERSION"));
    assert!(
        status.content_version.starts_with("bundled-"),
        "{}",
        status.content_version
    );
    assert!(
        status.documents.contains("catalogue_entry"),
        "{}",
        status.documents
    );
    assert_eq!(status.last_check, "未配置同步源（sync.feed_url）");
    assert_eq!(
        status.config_warning, "",
        "the configuration loaded: no warning"
    );
    assert_ne!(status.cache_size, "");
    assert!(ui.shows("软件版本 "));

    // Without a feed, 立即同步 is there but cannot be used.
    let sync = ui.buttons("立即同步");
    assert_eq!(sync.len(), 1);
    assert_eq!(sync[0].accessible_enabled(), Some(false));

    // The log panel shows recent lines; the usage panel the counts.
    ui.tap("查看日志");
    assert_eq!(ui.app.global::<StaffAdapter>().get_panel(), 1);
    ui.tap("查看使用统计");
    assert!(ui.shows("访问人次（会话）"));

    ui.tap("关闭管理界面");
    assert!(!staff(&ui).get_open());
    assert_eq!(ui.kiosk.current(), readpoint::kiosk::Place::Home);
}

#[test]
fn five_wrong_pins_lock_the_pad_and_the_lock_survives_a_new_kiosk() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let ui = UiKiosk::with_options(staff_options(dir.path()));
        hold_emblem(&ui, Duration::from_secs(6));
        // Fewer digits than any PIN has: 确定 stays off, and nothing counts against staff.
        ui.tap("1");
        assert_eq!(ui.buttons("确定")[0].accessible_enabled(), Some(false));
        ui.tap("确定");
        ui.tap("删除一位");
        assert_eq!(staff(&ui).get_pin_message(), "");
        for tries_left in (1..5).rev() {
            type_pin(&ui, "111222");
            assert!(
                ui.shows(&format!("PIN 不正确，还可以再试 {tries_left} 次")),
                "{}",
                staff(&ui).get_pin_message()
            );
        }
        type_pin(&ui, "111222");
        assert!(
            ui.shows("PIN 错误次数过多，已锁定。请 5 分钟后再试。"),
            "{}",
            staff(&ui).get_pin_message()
        );
        assert!(!staff(&ui).get_pin_enabled());
        assert_eq!(ui.buttons("1")[0].accessible_enabled(), Some(false));
        assert!(!staff(&ui).get_open());
    }
    assert!(dir.path().join("staff-lockout.json").exists());

    // A new kiosk (as after a restart) on the same data folder: still locked, even for the
    // right PIN.
    let ui = UiKiosk::with_options(staff_options(dir.path()));
    hold_emblem(&ui, Duration::from_secs(6));
    assert!(staff(&ui).get_pin_open());
    assert!(ui.shows("已锁定"), "{}", staff(&ui).get_pin_message());
    assert!(!staff(&ui).get_pin_enabled());
    ui.tap("取消登录");
    assert!(!staff(&ui).get_pin_open());

    // `config set-pin` lifts the lock (the PIN-forgotten path) by removing the file; the
    // running kiosk keeps its lock until it restarts (as the README says: restart it).
    std::fs::remove_file(dir.path().join("staff-lockout.json")).expect("remove");
    hold_emblem(&ui, Duration::from_secs(6));
    assert!(ui.shows("已锁定"));
    ui.tap("取消登录");
    drop(ui);
    let ui = UiKiosk::with_options(staff_options(dir.path()));
    hold_emblem(&ui, Duration::from_secs(6));
    type_pin(&ui, PIN);
    assert!(staff(&ui).get_open());
}

#[test]
fn each_lock_is_longer_and_a_lock_from_another_boot_holds_from_the_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("staff-lockout.json");
    // One lock has run out; the count of wrong PINs was kept (only a right PIN clears it).
    std::fs::write(&file, r#"{"failures":5}"#).expect("write");
    {
        let ui = UiKiosk::with_options(staff_options(dir.path()));
        hold_emblem(&ui, Duration::from_secs(6));
        assert!(staff(&ui).get_pin_enabled());
        for _ in 0..4 {
            type_pin(&ui, "111222");
        }
        assert!(ui.shows("PIN 不正确，还可以再试 1 次"));
        type_pin(&ui, "111222");
        assert!(
            ui.shows("PIN 错误次数过多，已锁定。请 10 分钟后再试。"),
            "the second lock is twice as long: {}",
            staff(&ui).get_pin_message()
        );
    }

    // Twenty hours were left of the ninth lock when the kiosk was switched off: after the
    // reboot they count from the start, whatever the date says.
    std::fs::write(
        &file,
        r#"{"failures":45,"lock":{"remaining_ms":72000000,"boot_id":"another-boot","boottime_ms":1}}"#,
    )
    .expect("write");
    let ui = UiKiosk::with_options(staff_options(dir.path()));
    // Read at start, not when staff first open the pad: the file holds this boot's reading.
    let saved = std::fs::read_to_string(&file).expect("read");
    assert!(!saved.contains("another-boot"), "{saved}");
    hold_emblem(&ui, Duration::from_secs(6));
    assert!(
        ui.shows("PIN 错误次数过多，已锁定。请 20 小时后再试。"),
        "{}",
        staff(&ui).get_pin_message()
    );
    assert!(!staff(&ui).get_pin_enabled());
}

#[test]
fn wrong_pins_lock_even_when_the_lockout_file_cannot_be_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The data folder is not there (or read-only, or full): saving fails every time.
    let options = staff_options(&dir.path().join("missing"));
    let ui = UiKiosk::with_options(options);
    hold_emblem(&ui, Duration::from_secs(6));
    for _ in 0..5 {
        type_pin(&ui, "111222");
    }
    assert!(ui.shows("已锁定"), "{}", staff(&ui).get_pin_message());
    ui.tap("取消登录");
    hold_emblem(&ui, Duration::from_secs(6));
    assert!(ui.shows("已锁定"), "still locked when the pad opens again");
}

#[test]
fn without_a_pin_the_staff_screen_is_disabled() {
    let ui = UiKiosk::with_options(KioskOptions::default());
    hold_emblem(&ui, Duration::from_secs(6));
    assert!(staff(&ui).get_pin_open());
    assert!(ui.shows("未设置管理 PIN"));
    assert!(!staff(&ui).get_pin_enabled());
}

#[test]
fn the_pad_and_the_staff_screen_close_after_a_minute_without_a_touch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ui = UiKiosk::with_options(staff_options(dir.path()));
    hold_emblem(&ui, Duration::from_secs(6));
    mock_elapsed_time(Duration::from_secs(61));
    assert!(!staff(&ui).get_pin_open(), "an abandoned pad closes");

    hold_emblem(&ui, Duration::from_secs(6));
    type_pin(&ui, PIN);
    assert!(staff(&ui).get_open());
    // Touches keep it open…
    for _ in 0..3 {
        mock_elapsed_time(Duration::from_secs(50));
        ui.tap("查看状态");
    }
    assert!(staff(&ui).get_open());
    // …the visitor's idle countdown never shows over it…
    assert!(!ui.app.global::<readpoint::ui::Idle>().get_counting_down());
    // …and a minute without one closes it.
    mock_elapsed_time(Duration::from_secs(61));
    assert!(!staff(&ui).get_open());
    assert_eq!(ui.kiosk.current(), readpoint::kiosk::Place::Home);
}

#[test]
fn reload_refuses_a_broken_file_and_restarts_for_a_good_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("readpoint.toml");
    std::fs::write(&config, "[display]\nidle_timeout = \"5 minutes\"\n").expect("config");
    let restarted = Rc::new(Cell::new(0));
    let options = KioskOptions {
        config_file: Some(config.clone()),
        ..staff_options(dir.path())
    };
    let ui = UiKiosk::with_options(options);
    let count = restarted.clone();
    ui.kiosk.set_restart_hook(Box::new(move || {
        count.set(count.get() + 1);
        // As when exec fails: staff are told.
        Err("no such file".into())
    }));
    hold_emblem(&ui, Duration::from_secs(6));
    type_pin(&ui, PIN);

    ui.tap("重新载入配置");
    let message = ui.app.global::<StaffAdapter>().get_message();
    assert!(message.contains("配置文件有错误，未载入"), "{message}");
    assert!(message.contains("display.idle_timeout"), "{message}");
    mock_elapsed_time(Duration::from_secs(2));
    assert_eq!(restarted.get(), 0);

    std::fs::write(&config, "[display]\nidle_timeout = \"5m\"\n").expect("config");
    ui.tap("重新载入配置");
    assert!(ui.shows("配置文件没有错误，正在重新启动"));
    mock_elapsed_time(Duration::from_millis(1_100));
    assert_eq!(restarted.get(), 1);
    assert!(ui.shows("无法重新启动（no such file）"));
}

#[test]
fn an_invalid_configuration_file_is_a_warning_above_the_staff_screen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("readpoint.toml");
    std::fs::write(&file, "[kiosk]\nterminal_id = \"ls-zwzx-hall-01\"\n").expect("config");
    readpoint::config::last_good::remember(&file, dir.path()).expect("remembered");
    std::fs::write(&file, "[kiosk]\nterminal_id = \"hall 01!\"\n").expect("broken");
    let loaded = readpoint::config::last_good::load_or_last_good(&file, dir.path());
    let fallback = loaded.fallback.expect("the file is invalid");
    let mut options = staff_options(dir.path());
    options.status = options
        .status
        .map(|collector| collector.with_config_fallback(Some(&fallback)));
    let ui = UiKiosk::with_options(options);
    hold_emblem(&ui, Duration::from_secs(6));
    type_pin(&ui, PIN);

    let status = ui.app.global::<StaffAdapter>().get_status();
    let warning = status.config_warning.to_string();
    assert!(warning.contains("配置文件有错误，未能载入"), "{warning}");
    assert!(warning.contains("上次能正常载入的配置"), "{warning}");
    assert!(warning.contains(&file.display().to_string()), "{warning}");
    assert!(warning.contains("kiosk.terminal_id"), "{warning}");
    // On screen, above the panels, whichever panel shows.
    assert!(ui.shows("配置文件有错误，未能载入"));
    ui.tap("查看日志");
    assert!(ui.shows("配置文件有错误，未能载入"));
}

#[test]
fn leaving_the_kiosk_asks_first_then_sets_exit_code_10() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ui = UiKiosk::with_options(staff_options(dir.path()));
    hold_emblem(&ui, Duration::from_secs(6));
    type_pin(&ui, PIN);
    ui.tap("退出信息查阅点（维护）");
    assert!(ui.shows("确定要退出吗"));
    ui.tap("不退出");
    assert_eq!(ui.kiosk.exit_code(), None);
    ui.tap("退出信息查阅点（维护）");
    ui.tap("确定退出");
    assert_eq!(ui.kiosk.exit_code(), Some(10));
    assert!(!staff(&ui).get_open());
}

/// A test clock the kiosk reads; advance it together with Slint's mock time.
struct TestClock(Rc<Cell<jiff::Timestamp>>);

impl TestClock {
    fn at(ui: &UiKiosk, local: &str, zone: &jiff::tz::TimeZone) -> TestClock {
        let civil: jiff::civil::DateTime = local.parse().expect("date time");
        let start = zone
            .to_ambiguous_timestamp(civil)
            .compatible()
            .expect("instant");
        let cell = Rc::new(Cell::new(start));
        let read = cell.clone();
        ui.kiosk.set_clock(Rc::new(move || read.get()));
        TestClock(cell)
    }

    fn advance(&self, by: Duration) {
        self.0.set(self.0.get() + by);
        mock_elapsed_time(by);
    }
}

#[test]
fn off_hours_show_a_black_screen_that_a_touch_wakes_for_a_minute() {
    let mut config = Config::default();
    config = readpoint::config::parse(
        "[display]\nschedule = { mon = \"07:30-18:00\", tue = \"07:30-18:00\" }\ntime_zone = \"Asia/Shanghai\"\n",
        Path::new("readpoint.toml"),
    )
    .unwrap_or(config);
    let options = KioskOptions {
        zone: jiff::tz::TimeZone::fixed(jiff::tz::offset(8)),
        ..KioskOptions::from_config(&config)
    };
    let zone = options.zone.clone();
    let ui = UiKiosk::with_options(options);
    // 2026-11-30 is a Monday.
    let clock = TestClock::at(&ui, "2026-11-30T17:59", &zone);
    let power = || ui.app.global::<Power>();
    assert!(!power().get_asleep());
    ui.tap("公开目录");

    clock.advance(Duration::from_secs(61));
    assert!(power().get_asleep(), "18:00: the screen goes dark");
    assert_eq!(
        ui.kiosk.current(),
        readpoint::kiosk::Place::Home,
        "the session ended"
    );
    assert!(ui.shows("屏幕已关闭，轻触唤醒"));

    // A touch wakes it for a minute; touches keep it awake; then it goes dark again.
    ui.tap("屏幕已关闭，轻触唤醒");
    assert!(!power().get_asleep());
    clock.advance(Duration::from_secs(45));
    ui.tap("公开指南");
    clock.advance(Duration::from_secs(45));
    assert!(
        !power().get_asleep(),
        "the touch 45 s ago extended the minute"
    );
    clock.advance(Duration::from_secs(20));
    assert!(power().get_asleep());

    // Through the night (midnight included) it stays dark, and at 07:30 it comes on.
    for _ in 0..(13 * 60 + 28) {
        clock.advance(Duration::from_secs(60));
    }
    assert!(power().get_asleep(), "07:29 Tuesday");
    clock.advance(Duration::from_secs(60));
    assert!(!power().get_asleep(), "07:30 Tuesday");
}
