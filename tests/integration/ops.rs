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

use crate::support::TempKiosk;
use crate::sync::Portal;
use readpoint_test_support::feed_server::FeedServer;

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
    // The kiosk must be able to open /dev/dri, /dev/input and its console, and nothing else.
    assert!(
        !settings(&kiosk).iter().any(|(k, _)| k == "PrivateDevices"),
        "readpoint.service sets PrivateDevices, which hides the display and the touch screen"
    );
    for (key, value) in [
        ("DevicePolicy", "closed"),
        ("DeviceAllow", "char-drm rw"),
        ("DeviceAllow", "char-fb rw"),
        ("DeviceAllow", "char-input rw"),
        ("DeviceAllow", "/dev/tty1 rw"),
        ("DeviceAllow", "char-alsa rw"),
    ] {
        assert!(
            has(&kiosk, key, value),
            "readpoint.service lacks {key}={value}"
        );
    }
    let sync = unit("readpoint-sync.service");
    // Hardening both services share (the sync's devices are private).
    for (name, text) in [
        ("readpoint.service", &kiosk),
        ("readpoint-sync.service", &sync),
    ] {
        for (key, value) in [
            ("SystemCallFilter", "@system-service"),
            ("SystemCallFilter", "~@privileged @resources"),
            ("SystemCallErrorNumber", "EPERM"),
            ("ProtectProc", "invisible"),
            ("ProcSubset", "pid"),
            ("MemoryDenyWriteExecute", "yes"),
            ("DevicePolicy", "closed"),
            ("ProtectClock", "yes"),
            ("NoNewPrivileges", "yes"),
        ] {
            assert!(has(text, key, value), "{name} lacks {key}={value}");
        }
        for key in ["MemoryHigh", "MemoryMax"] {
            assert!(
                settings(text).iter().any(|(k, _)| k == key),
                "{name} has no {key}"
            );
        }
    }
    assert!(
        has(&kiosk, "SupplementaryGroups", "video input render audio"),
        "groups"
    );

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

/// `systemd-analyze security --offline=true` rates both services' exposure at most 2.0 (of
/// 10; "OK"); skipped where systemd-analyze is older than 252 or not installed.
#[test]
fn systemd_analyze_rates_the_services_exposure_low_where_it_is_installed() {
    let offline = std::process::Command::new("systemd-analyze")
        .args(["security", "--help"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("--offline"));
    if !offline {
        eprintln!("systemd-analyze security --offline is not available: exposure not rated here");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["readpoint.service", "readpoint-sync.service"] {
        let path = dir.path().join(name);
        std::fs::write(&path, unit(name)).expect("write unit");
        let output = std::process::Command::new("systemd-analyze")
            .args(["security", "--offline=true", "--no-pager"])
            .arg(&path)
            .output()
            .expect("systemd-analyze");
        let text = String::from_utf8_lossy(&output.stdout);
        let score: f64 = text
            .lines()
            .find_map(|line| {
                line.split_once("Overall exposure level for ")?
                    .1
                    .split_once(": ")
            })
            .and_then(|(_, rest)| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("no overall exposure for {name} in:\n{text}"));
        assert!(score <= 2.0, "{name}: exposure {score}\n{text}");
    }
}

/// `[package.metadata.deb]`: HTTPS to the portal needs the system's root certificates, SysRq
/// is off through a sysctl.d file, and every file the package ships exists.
#[test]
fn the_package_depends_on_root_certificates_and_turns_sysrq_off() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml"))
            .expect("Cargo.toml parses");
    let deb = &manifest["package"]["metadata"]["deb"];
    let depends = deb["depends"].as_str().expect("depends");
    assert!(
        depends.split(',').any(|d| d.trim() == "ca-certificates"),
        "{depends}"
    );
    let assets = deb["assets"].as_array().expect("assets");
    let mut sysctl = None;
    for asset in assets {
        let (source, target) = (
            asset[0].as_str().expect("source"),
            asset[1].as_str().expect("target"),
        );
        if !source.contains('*') && !source.starts_with("target/") {
            assert!(
                root.join(source).exists(),
                "the package ships {source}, which is missing"
            );
        }
        if target.starts_with("usr/lib/sysctl.d/") {
            sysctl = Some(source.to_owned());
        }
    }
    let sysctl = sysctl.expect("a file in /usr/lib/sysctl.d");
    let text = std::fs::read_to_string(root.join(&sysctl)).expect("sysctl file");
    assert!(has(&text, "kernel.sysrq", "0"), "{sysctl}: {text}");
}

/// kiosk-config/debian/postinst under a systemd whose commands are recorded: a first install
/// starts nothing; an upgrade restarts the kiosk if it runs (`try-restart`), and applies the
/// SysRq setting either way. Runs with a private /run (a mount namespace) so the script sees
/// systemd; skipped where namespaces cannot be made (not root, no `unshare`).
#[test]
fn postinst_restarts_a_running_kiosk_on_upgrade_only() {
    let possible = std::process::Command::new("unshare")
        .args(["--mount", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !possible {
        eprintln!("unshare cannot make namespaces here: postinst is not run");
        return;
    }
    let postinst = Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-config/debian/postinst");
    let run = |args: &[&str]| -> String {
        let dir = tempfile::tempdir().expect("tempdir");
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).expect("bin");
        let log = dir.path().join("calls");
        // Every outside command the script runs is a stub that records its arguments.
        for name in [
            "systemctl",
            "systemd-sysctl",
            "adduser",
            "getent",
            "chown",
            "chmod",
        ] {
            let stub = bin.join(name);
            std::fs::write(
                &stub,
                format!("#!/bin/sh\necho \"{name} $*\" >> '{}'\n", log.display()),
            )
            .expect("stub");
            let mut permissions = std::fs::metadata(&stub).expect("stub").permissions();
            std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
            std::fs::set_permissions(&stub, permissions).expect("chmod stub");
        }
        let script = "mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && exec sh \"$@\"";
        let output = std::process::Command::new("unshare")
            .args(["--mount", "sh", "-c", script, "sh"])
            .arg(&postinst)
            .args(args)
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .output()
            .expect("postinst runs");
        assert!(
            output.status.success(),
            "postinst {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::read_to_string(&log).unwrap_or_default()
    };

    let install = run(&["configure"]);
    assert!(install.contains("systemctl daemon-reload"), "{install}");
    assert!(
        install.contains("systemd-sysctl /usr/lib/sysctl.d/60-readpoint.conf"),
        "{install}"
    );
    assert!(
        !install.contains("restart"),
        "a first install starts nothing: {install}"
    );
    assert!(
        !install.contains("systemctl start") && !install.contains("enable"),
        "{install}"
    );

    let upgrade = run(&["configure", "0.1.0"]);
    assert!(
        upgrade.contains("systemctl try-restart readpoint.service"),
        "{upgrade}"
    );
    assert!(
        !upgrade.contains("systemctl restart"),
        "only a running kiosk: {upgrade}"
    );
}

/// readpoint.service's `ProtectProc=invisible` and `ProcSubset=pid` leave only process
/// directories in /proc: the status (the heartbeat's and `readpoint status`'s) still knows the
/// host name and the machine's uptime. Runs `status --json` in mount and pid namespaces of its
/// own with such a /proc; skipped where namespaces cannot be made (not root, no `unshare`).
#[test]
fn the_status_knows_host_and_uptime_when_proc_shows_only_processes() {
    let possible = std::process::Command::new("unshare")
        .args(["--mount", "--pid", "--fork", "--mount-proc", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !possible {
        eprintln!("unshare cannot make namespaces here: /proc restrictions are not tried");
        return;
    }
    let kiosk = TempKiosk::new();
    // Like the unit's /proc, and checked to be so before readpoint runs.
    let script = "mount -o remount,subset=pid,hidepid=invisible /proc \
                  && test ! -e /proc/uptime && test ! -e /proc/sys/kernel/hostname \
                  && exec \"$0\" \"$@\"";
    let output = std::process::Command::new("unshare")
        .args([
            "--mount",
            "--pid",
            "--fork",
            "--mount-proc",
            "sh",
            "-c",
            script,
        ])
        .arg(env!("CARGO_BIN_EXE_readpoint"))
        .arg("--data-dir")
        .arg(&kiosk.data_dir)
        .args(["status", "--json"])
        .env_clear()
        .env("HOME", &kiosk.home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(crate::support::test_clock_env())
        .output()
        .expect("unshare runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let status: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("status --json prints JSON");
    assert!(
        status["terminal"]["hostname"].is_string(),
        "{}",
        status["terminal"]
    );
    assert!(
        status["uptime"]["system_seconds"].as_u64().is_some(),
        "{}",
        status["uptime"]
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
    let server = FeedServer::start(&portal.feed).expect("the feed server starts");
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
