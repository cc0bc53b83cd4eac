//! 立即同步 on the staff screen, on the real threads: a feed published with `feed build` and
//! served by nginx on 127.0.0.1, the kiosk's own sync thread and store worker, and Slint's
//! event loop in the testing backend. Staff hold the emblem, type the PIN, tap 立即同步: the
//! screen says at once that the sync is under way, then shows the new content version, and the
//! status panel follows. Its own test binary because the testing backend's event-loop mode can
//! be installed once per process (hence exactly one `#[test]`).

use std::rc::Rc;
use std::time::Duration;

#[path = "common/event_loop.rs"]
mod event_loop;
use event_loop::wait_until;

use i_slint_backend_testing::{ElementHandle, mock_elapsed_time};
use readpoint::config::{Config, Paths};
use readpoint::feed::MinisignPublicKey;
use readpoint::feed::publish::{BuildOptions, build};
use readpoint::kiosk::{Kiosk, KioskOptions, Worker};
use readpoint::store::Store;
use readpoint::ui::{AppWindow, Staff, StaffAdapter};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition};

/// How long the test waits for the sync at most (wall clock).
const DEADLINE: Duration = Duration::from_secs(60);
const PIN: &str = "258036";

fn tap(app: &AppWindow, label: &str) {
    let button = ElementHandle::find_by_accessible_label(app, label)
        .find(|e| e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::Button))
        .unwrap_or_else(|| panic!("no button labelled {label:?}"));
    button.invoke_accessible_default_action();
}

fn hold_emblem(app: &AppWindow) {
    let emblem = ElementHandle::find_by_accessible_label(app, "机构标志")
        .next()
        .expect("the agency emblem");
    let (position, size) = (emblem.absolute_position(), emblem.size());
    let centre = LogicalPosition::new(position.x + size.width / 2., position.y + size.height / 2.);
    let button = PointerEventButton::Left;
    app.window().dispatch_event(WindowEvent::PointerPressed {
        position: centre,
        button,
    });
    mock_elapsed_time(Duration::from_millis(5_100));
    app.window().dispatch_event(WindowEvent::PointerReleased {
        position: centre,
        button,
    });
}

#[test]
fn sync_now_shows_progress_and_the_new_content_version() {
    i_slint_backend_testing::init_integration_test_with_mock_time();
    let dir = tempfile::tempdir().expect("tempdir");

    // The portal: the bundled content published as version 1, served by nginx.
    let pair = minisign::KeyPair::generate_unencrypted_keypair().expect("keygen");
    let input = dir.path().join("input");
    std::fs::create_dir_all(&input).expect("input");
    std::fs::write(
        input.join("content.json"),
        readpoint::import::BUNDLED_CONTENT,
    )
    .expect("content");
    let feed = dir.path().join("feed");
    let options = BuildOptions {
        input,
        out: feed.clone(),
        version: None,
        feed_id: Some("ls-zwzx".into()),
        expires_in_days: 30,
        publisher: Some("乐山市人民政府政务服务中心".into()),
        portal_url: Some("https://www.leshan.gov.cn/xxgk/".into()),
        now: jiff::Timestamp::now(),
    };
    let report = build(&options, &pair.sk).expect("feed build");
    assert_eq!(report.version, 1);
    let nginx = readpoint_test_support::nginx::Nginx::start(&feed)
        .unwrap_or_else(|err| panic!("nginx (scripts/setup installs it): {err}"));

    // The kiosk: bundled content in its cache, the feed configured, a staff PIN.
    let data = dir.path().join("data");
    let public = MinisignPublicKey::parse(&pair.pk.to_base64()).expect("public key");
    let text = format!(
        "[kiosk]\nterminal_id = \"ls-test-01\"\n[sync]\nfeed_url = \"{}\"\nfeed_id = \"ls-zwzx\"\n\
         trusted_keys = [\"{}\"]\ntimeout = \"5s\"\ninterval = \"24h\"\n[admin]\npin_hash = \"{}\"\n",
        nginx.url(),
        public.to_base64(),
        readpoint::staff::pin::hash_pin(PIN).expect("hash"),
    );
    let config: Config =
        readpoint::config::parse(&text, std::path::Path::new("readpoint.toml")).expect("config");
    let paths = Paths::resolve(None, Some(&data), &|_| None);
    let cache = data.join(readpoint::store::CACHE_FILE);
    std::fs::create_dir_all(&data).expect("data dir");
    let mut store = Store::open(&cache).expect("cache");
    readpoint::import::load_bundled(&mut store).expect("bundled");

    let app = AppWindow::new().expect("window");
    let options = KioskOptions {
        state_dir: Some(data.clone()),
        status: Some(readpoint::fleet::Collector::new(
            &config,
            &paths,
            readpoint::fleet::Producer::Kiosk,
        )),
        ..KioskOptions::from_config(&config)
    };
    let kiosk: Rc<Kiosk> = Kiosk::start(&app, Worker::spawn(store).expect("worker"), options);
    let settings = readpoint::sync::SyncSettings::from_config(&config, &data).expect("feed");
    kiosk
        .start_sync(settings, cache, config.sync.interval, None)
        .expect("sync thread");
    app.show().expect("show");

    let weak = app.as_weak();
    slint::spawn_local(async move {
        let app = weak.upgrade().expect("window");
        hold_emblem(&app);
        assert!(app.global::<Staff>().get_pin_open());
        // The pad asks the lockout file on the worker: wait for the keys to work.
        assert!(wait_until(|| app.global::<Staff>().get_pin_enabled(), DEADLINE).await);
        for digit in PIN.chars() {
            tap(&app, &digit.to_string());
        }
        tap(&app, "确定");
        assert!(
            wait_until(|| app.global::<Staff>().get_open(), DEADLINE).await,
            "staff screen"
        );
        let adapter = app.global::<StaffAdapter>();
        assert!(
            wait_until(
                || adapter.get_status().content_version.starts_with("bundled-"),
                DEADLINE
            )
            .await,
            "status panel loaded"
        );
        assert!(adapter.get_sync_available());

        tap(&app, "立即同步");
        // At once: the button is busy and the screen says a sync is under way.
        assert!(adapter.get_syncing());
        assert!(
            adapter.get_message().starts_with("正在同步"),
            "{}",
            adapter.get_message()
        );
        let mut seen = Vec::new();
        let finished = wait_until(
            || {
                let message = adapter.get_message().to_string();
                if seen.last() != Some(&message) {
                    seen.push(message);
                }
                !adapter.get_syncing()
            },
            DEADLINE,
        )
        .await;
        assert!(finished, "the sync ended; messages: {seen:?}");
        // Normally this tap's sync applies version 1; on a very slow machine the scheduled first
        // check (5–20 s after start) may have applied it just before, and then it is current.
        let last = adapter.get_message().to_string();
        assert!(
            last.contains("已更新到内容版本 1") || last.contains("已是最新内容（版本 1）"),
            "{last}; messages: {seen:?}"
        );
        assert!(
            wait_until(|| adapter.get_status().content_version == "1", DEADLINE).await,
            "the status panel shows the new version: {:?}",
            adapter.get_status().content_version
        );
        assert!(adapter.get_status().last_success != "—");
        slint::quit_event_loop().expect("quit");
    })
    .expect("spawn");
    slint::run_event_loop().expect("event loop");
    drop(kiosk);
    drop(nginx);
}
