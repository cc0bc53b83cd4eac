//! The search screen on the real threaded path: a `Worker::spawn` thread runs the queries and
//! posts results back through `slint::invoke_from_event_loop`, while the test drives the event
//! loop. Its own test binary because the testing backend's event-loop mode can be installed once
//! per process (hence exactly one `#[test]`). Proves the UI thread never waits for a query, that
//! results arrive through the event loop, and that of two quick queries only the latter's
//! results end up on screen.

use std::time::{Duration, Instant};

#[path = "common/event_loop.rs"]
mod event_loop;
use event_loop::wait_until;

use readpoint::import::load_bundled;
use readpoint::kiosk::{Kiosk, KioskOptions, Place, Worker};
use readpoint::store::{SearchRequest, Store};
use readpoint::ui::{AppWindow, SearchAdapter, SearchState};
use readpoint::view_models::{Display, search};
use slint::{ComponentHandle, Model};

/// How long the test waits for results at most (wall clock).
const DEADLINE: Duration = Duration::from_secs(10);

fn bundled_store() -> Store {
    let mut store = Store::open_in_memory().expect("in-memory store");
    load_bundled(&mut store).expect("bundled content");
    store
}

fn titles(app: &AppWindow) -> Vec<String> {
    let hits = app.global::<SearchAdapter>().get_hits();
    hits.iter().map(|hit| hit.title.to_string()).collect()
}

/// The titles a query's first page should show, straight from a store.
fn expected_titles(store: &Store, query: &str) -> Vec<String> {
    let req = SearchRequest {
        query: query.into(),
        limit: search::PAGE,
        ..SearchRequest::default()
    };
    search::load_page(store, &req, Display::default())
        .expect("search")
        .hits
        .iter()
        .map(|hit| search::plain(&hit.title))
        .collect()
}

#[test]
fn searches_run_on_the_worker_thread_and_the_latest_query_wins() {
    i_slint_backend_testing::init_integration_test_with_mock_time();
    let reference = bundled_store();
    let want_shebao = expected_titles(&reference, "社保");
    let want_bianmin = expected_titles(&reference, "bianmin");
    let want_sb = expected_titles(&reference, "sb");
    assert!(!want_shebao.is_empty() && !want_sb.is_empty() && !want_bianmin.is_empty());
    assert!(
        want_bianmin.iter().all(|t| !want_sb.contains(t)),
        "distinct results"
    );

    let app = AppWindow::new().expect("window");
    let worker = Worker::spawn(bundled_store()).expect("worker thread");
    assert!(!worker.is_inline());
    let kiosk = Kiosk::start(&app, worker, KioskOptions::default());
    app.show().expect("show");
    kiosk.go(Place::Search);

    kiosk.search_for("社保");
    let adapter = app.global::<SearchAdapter>();
    assert!(adapter.get_busy(), "the query is running");
    assert_eq!(
        adapter.get_hits().row_count(),
        0,
        "results come later, from the event loop: the UI thread did not wait"
    );

    let outcome = std::rc::Rc::new(std::cell::RefCell::new(None::<Result<(), String>>));
    let task = {
        let app = app.clone_strong();
        let kiosk = kiosk.clone();
        let outcome = outcome.clone();
        async move {
            let result = async {
                let arrived = wait_until(
                    || app.global::<SearchAdapter>().get_state() == SearchState::Results,
                    DEADLINE,
                )
                .await;
                if !arrived {
                    return Err("the results of 社保 never arrived".to_owned());
                }
                if titles(&app) != want_shebao {
                    return Err(format!("社保 showed {:?}", titles(&app)));
                }

                // Two quick queries: only the latter's results may end up on screen.
                kiosk.search_for("bianmin");
                kiosk.search_for("sb");
                let arrived = wait_until(
                    || !app.global::<SearchAdapter>().get_busy() && titles(&app) == want_sb,
                    DEADLINE,
                )
                .await;
                if !arrived {
                    return Err("the results of sb never arrived".to_owned());
                }
                // Anything still in flight arrives now and must be dropped.
                let settle = Instant::now();
                wait_until(|| settle.elapsed() > Duration::from_millis(200), DEADLINE).await;
                if titles(&app) != want_sb {
                    return Err(format!("after bianmin then sb: {:?}", titles(&app)));
                }
                let total = app.global::<SearchAdapter>().get_total();
                if total != i32::try_from(want_sb.len()).unwrap_or(-1) {
                    return Err(format!("sb total {total}, want {}", want_sb.len()));
                }

                // Typed, then cleared at once: the late results must not fill the empty box.
                kiosk.search_for("bianmin");
                kiosk.search_for("");
                let settle = Instant::now();
                wait_until(|| settle.elapsed() > Duration::from_millis(200), DEADLINE).await;
                let adapter = app.global::<SearchAdapter>();
                if adapter.get_state() != SearchState::Empty || !titles(&app).is_empty() {
                    return Err(format!(
                        "after clearing: {:?} {:?}",
                        adapter.get_state(),
                        titles(&app)
                    ));
                }

                // A visitor taps a document and presses Home before it has loaded: the late
                // answer must not push the document on top of Home.
                kiosk.open_document("ce-2012-00013");
                kiosk.home();
                let settle = Instant::now();
                wait_until(|| settle.elapsed() > Duration::from_millis(200), DEADLINE).await;
                let screen = app.global::<readpoint::ui::Nav>().get_screen();
                if screen != readpoint::ui::Screen::Home {
                    return Err(format!("a late document opened over Home: {screen:?}"));
                }
                // Without the interruption it opens.
                kiosk.open_document("ce-2012-00013");
                let opened = wait_until(
                    || {
                        app.global::<readpoint::ui::Nav>().get_screen()
                            == readpoint::ui::Screen::Document
                    },
                    DEADLINE,
                )
                .await;
                if !opened {
                    return Err("the document never opened".to_owned());
                }
                Ok(())
            }
            .await;
            *outcome.borrow_mut() = Some(result);
            let _ = slint::quit_event_loop();
        }
    };
    slint::spawn_local(task).expect("spawn the test task");
    slint::run_event_loop().expect("event loop");

    let outcome = outcome.borrow_mut().take();
    match outcome {
        Some(Ok(())) => {}
        Some(Err(message)) => panic!("{message}"),
        None => panic!("the test task did not finish"),
    }
    assert_eq!(adapter.get_query(), "");
}
