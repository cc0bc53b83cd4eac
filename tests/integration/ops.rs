//! Operations around the kiosk: systemd notifications (the watchdog timer on the UI event loop,
//! driven by Slint's mock time), the systemd units shipped in kiosk-config/systemd, and the
//! watch-only sync of a kiosk whose updates come from readpoint-sync.timer.

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use i_slint_backend_testing::mock_elapsed_time;
use readpoint::sync::schedule::{self, Mode, SyncEvent};
use readpoint::sync::{Outcome, Progress, SyncSettings};
use readpoint::systemd::{self, Notifier};

use crate::feed_server::FeedServer;
use crate::support::TempKiosk;
use crate::sync::Portal;

/// Datagrams waiting on `socket`, without blocking.
fn drain(socket: &UnixDatagram) -> Vec<String> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 256];
    while let Ok(n) = socket.recv(&mut buffer) {
        received.push(String::from_utf8_lossy(&buffer[..n]).into_owned());
    }
    received
}

#[test]
fn the_watchdog_timer_pings_from_the_event_loop_as_time_passes() {
    i_slint_backend_testing::init_no_event_loop();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("notify");
    let socket = UnixDatagram::bind(&path).expect("bind");
    socket.set_nonblocking(true).expect("nonblocking");
    let notifier = Notifier::for_socket(&path.to_string_lossy()).expect("notifier");

    let timer = systemd::start_watchdog_timer(notifier, Duration::from_secs(30));
    assert!(timer.running());
    mock_elapsed_time(Duration::from_secs(10));
    assert!(
        drain(&socket).is_empty(),
        "no ping before half the interval"
    );
    mock_elapsed_time(Duration::from_secs(6));
    assert_eq!(drain(&socket), ["WATCHDOG=1"]);
    mock_elapsed_time(Duration::from_secs(15));
    assert_eq!(drain(&socket), ["WATCHDOG=1"]);
    // A stopped loop (here: a stopped timer) sends nothing more, so systemd would restart.
    drop(timer);
    mock_elapsed_time(Duration::from_secs(60));
    assert!(drain(&socket).is_empty());
}

/// The unit files as shipped.
fn unit(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("kiosk-config/systemd")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `Key=value` lines of a unit (comments skipped).
fn settings(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#') && !line.starts_with('['))
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn has(text: &str, key: &str, value: &str) -> bool {
    settings(text).iter().any(|(k, v)| k == key && v == value)
}

#[test]
fn the_units_name_the_binary_the_exit_code_the_folders_and_the_timers_service() {
    let kiosk = unit("readpoint.service");
    for (key, value) in [
        ("Type", "notify"),
        ("NotifyAccess", "main"),
        ("ExecStart", "/usr/bin/readpoint"),
        ("Restart", "always"),
        ("RestartPreventExitStatus", "10"),
        ("SuccessExitStatus", "10"),
        ("StateDirectory", "readpoint"),
        ("ConfigurationDirectory", "readpoint"),
        ("User", "readpoint"),
        ("StandardError", "journal"),
    ] {
        assert!(
            has(&kiosk, key, value),
            "readpoint.service lacks {key}={value}"
        );
    }
    assert!(
        settings(&kiosk).iter().any(|(k, _)| k == "WatchdogSec"),
        "readpoint.service has no WatchdogSec"
    );
    // The kiosk must be able to open /dev/dri and /dev/input.
    for hiding in [
        "PrivateDevices",
        "DevicePolicy",
        "DeviceAllow",
        "ProtectClock",
    ] {
        assert!(
            !settings(&kiosk).iter().any(|(k, _)| k == hiding),
            "readpoint.service sets {hiding}, which hides the display or the touch screen"
        );
    }
    assert!(
        has(&kiosk, "SupplementaryGroups", "video input render audio"),
        "groups"
    );

    let sync = unit("readpoint-sync.service");
    for (key, value) in [
        ("Type", "oneshot"),
        ("ExecStart", "/usr/bin/readpoint sync --once"),
        ("StateDirectory", "readpoint"),
        ("ConfigurationDirectory", "readpoint"),
        ("User", "readpoint"),
    ] {
        assert!(
            has(&sync, key, value),
            "readpoint-sync.service lacks {key}={value}"
        );
    }

    let timer = unit("readpoint-sync.timer");
    for (key, value) in [
        ("Unit", "readpoint-sync.service"),
        ("Persistent", "yes"),
        ("WantedBy", "timers.target"),
    ] {
        assert!(
            has(&timer, key, value),
            "readpoint-sync.timer lacks {key}={value}"
        );
    }
    for key in ["OnBootSec", "OnCalendar", "RandomizedDelaySec"] {
        assert!(
            settings(&timer).iter().any(|(k, _)| k == key),
            "readpoint-sync.timer has no {key}"
        );
    }
}

/// `systemd-analyze verify` on the units with the binary under test in place of
/// /usr/bin/readpoint; skipped where systemd-analyze is not installed.
#[test]
fn systemd_analyze_accepts_the_units_where_it_is_installed() {
    let found = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("systemd-analyze is not installed: the units are not verified here");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let binary = env!("CARGO_BIN_EXE_readpoint");
    let mut paths = Vec::new();
    for name in [
        "readpoint.service",
        "readpoint-sync.service",
        "readpoint-sync.timer",
    ] {
        let text = unit(name).replace("/usr/bin/readpoint", binary);
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write unit");
        paths.push(path);
    }
    let output = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .args(&paths)
        .output()
        .expect("systemd-analyze");
    let messages = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{messages}");
    assert!(
        !messages.contains("Unknown key") && !messages.contains("Failed to parse"),
        "{messages}"
    );
}

/// Sync settings for `kiosk` reading `portal`'s feed at `url`.
fn settings_for(kiosk: &TempKiosk, portal: &Portal, url: &str) -> SyncSettings {
    SyncSettings {
        feed: readpoint::config::FeedConfig {
            url: url.to_owned(),
            id: "ls-zwzx".into(),
            trusted_keys: vec![portal.public.clone()],
        },
        data_dir: kiosk.data_dir.clone(),
        timeout: Duration::from_secs(5),
        limits: readpoint::feed::Limits::default(),
        attachment_budget: 1 << 30,
        disk_reserve: 0,
        redirect_hosts: Vec::new(),
        concurrency: 2,
        signature_retry_pause: Duration::from_millis(100),
        user_agent: "readpoint-test".into(),
        clock: Arc::new(jiff::Timestamp::now),
    }
}

/// Waits (bounded) for an event matching `wanted`, returning the others seen before it.
fn wait_for(
    events: &mpsc::Receiver<SyncEvent>,
    wanted: impl Fn(&SyncEvent) -> bool,
    what: &str,
) -> Vec<SyncEvent> {
    let mut seen = Vec::new();
    loop {
        match events.recv_timeout(Duration::from_secs(60)) {
            Ok(event) if wanted(&event) => return seen,
            Ok(event) => seen.push(event),
            Err(e) => panic!("no {what} ({e}); seen: {seen:?}"),
        }
    }
}

#[test]
fn a_watch_only_kiosk_never_syncs_itself_but_shows_what_the_timer_commits() {
    let portal = Portal::new();
    portal.publish();
    let server = FeedServer::start(&portal.feed);
    let kiosk = TempKiosk::new();
    let mut timer_store = kiosk.store();
    let (tx, events) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let handle = schedule::spawn_with_mode(
        settings_for(&kiosk, &portal, &server.url()),
        kiosk.cache_path(),
        Duration::from_secs(60),
        Mode::WatchOnly {
            poll: Duration::from_millis(50),
        },
        Arc::new(move |event| {
            if let Ok(tx) = tx.lock() {
                let _ = tx.send(event);
            }
        }),
    )
    .expect("spawn");

    // Wait until the watcher has looked at the cache once: a result recorded by another
    // process is then reported (bounded: a minute of probes).
    let mut watching = false;
    for probe in 0..600 {
        timer_store
            .record_feed_error(
                "2026-11-29T12:00:00Z",
                "transient",
                &format!("probe {probe}"),
            )
            .expect("record");
        if let Ok(SyncEvent::Finished(Ok(Outcome::Busy))) =
            events.recv_timeout(Duration::from_millis(100))
        {
            watching = true;
            break;
        }
    }
    assert!(watching, "the watcher never reported a recorded result");

    // The timer's `readpoint sync --once`, here in process on its own connection.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let settings = settings_for(&kiosk, &portal, &server.url());
    let outcome =
        readpoint::sync::run_once(&settings, &mut timer_store, &runtime, &|_| {}).expect("sync");
    assert!(matches!(outcome, Outcome::Applied(_)), "{outcome:?}");
    let requests_by_the_timer = server.requests().len();

    let before = wait_for(
        &events,
        |e| matches!(e, SyncEvent::Progress(Progress::Committed)),
        "new content noticed",
    );
    assert!(
        before
            .iter()
            .all(|e| matches!(e, SyncEvent::Finished(Ok(Outcome::Busy)))),
        "{before:?}"
    );
    wait_for(
        &events,
        |e| matches!(e, SyncEvent::Finished(Ok(Outcome::Busy))),
        "the timer's result noticed",
    );
    // Watching never asked the portal.
    assert_eq!(server.requests().len(), requests_by_the_timer);

    // Staff's "sync now" still checks at once.
    handle.sync_now();
    let seen = wait_for(
        &events,
        |e| {
            matches!(
                e,
                SyncEvent::Finished(Ok(Outcome::NotModified | Outcome::Current { .. }))
            )
        },
        "a check asked for",
    );
    assert!(
        seen.iter().all(|e| matches!(e, SyncEvent::Progress(_))),
        "{seen:?}"
    );
    assert!(server.requests().len() > requests_by_the_timer);
    handle.stop();
}
