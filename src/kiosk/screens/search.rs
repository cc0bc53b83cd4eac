//! Search (搜索): the query typed on the on-screen keyboard (or a physical keyboard / IME), run
//! as the visitor types, one page of highlighted hits at a time, and the category and year chips
//! that filter them.
//!
//! Owns the search session (query generation, filters, the hits model, the query being
//! counted). Every keystroke bumps a generation number; the query runs on the store worker, and
//! results that arrive for an older generation are dropped (latest wins). A query still queued
//! when a newer one exists is skipped on the worker (coalescing). Must never: run a query on the
//! UI thread, build Slint values on the worker, or apply results of an older query.
//!
//! Usage statistics count a search once per settled query, never per keystroke: the query whose
//! results (or "nothing found") are on display is counted when the visitor opens a result, leaves
//! the search screen, or the session resets, or once it has been on display unchanged for
//! [`SETTLE_AFTER`]. Filters, Back to the same results and a script switch do not count it again;
//! a query replaced by the next keystroke before it settled is not counted, nor one that cannot
//! run. Nothing else typed anywhere is counted.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use slint::{ComponentHandle, Model, SharedString, VecModel};

use super::{Controller, Place};
use crate::kiosk::Kiosk;
use crate::store::{SearchRequest, StoreError};
use crate::ui::{AppWindow, SearchAdapter, SearchHitView, SearchState};
use crate::view_models::labels::ChipData;
use crate::view_models::search::{
    FacetData, PAGE, PageData, SETTLE_AFTER, chip_views, hit_view, load_facets, load_page, plain,
};
use crate::view_models::{Display, model};

/// The search screen's controller: the session of the visitor searching.
#[derive(Default)]
pub(crate) struct SearchScreen {
    session: Session,
}

impl Controller for SearchScreen {
    fn connect(&self, kiosk: &Rc<Kiosk>, app: &AppWindow) {
        connect(kiosk, app);
    }

    fn show(&self, kiosk: &Rc<Kiosk>, app: &AppWindow, _place: &Place) {
        show(kiosk, app);
    }

    fn reset(&self, kiosk: &Rc<Kiosk>, app: &AppWindow) {
        reset(kiosk, app);
    }

    fn is_fresh(&self) -> bool {
        let s = &self.session;
        s.category.borrow().is_none()
            && s.year.get().is_none()
            && s.hits.row_count() == 0
            && s.loaded_in.get().is_none()
            && s.titles.borrow().is_empty()
            && s.shown.borrow().is_none()
            && !s.settle_timer.running()
    }
}

/// The query on display, for the usage statistics.
struct ShownQuery {
    /// The text in the box.
    query: String,
    /// It found something.
    hits: bool,
    /// Already counted.
    counted: bool,
}

/// The search session on the UI thread.
pub(crate) struct Session {
    /// Bumped by every new query or filter: older results are dropped when they arrive.
    generation: Cell<u64>,
    /// The newest generation, shared with worker jobs so queued older queries are skipped.
    latest: Arc<AtomicU64>,
    category: RefCell<Option<String>>,
    year: Cell<Option<i32>>,
    /// The hits on display (appended to by 更多结果).
    hits: Rc<VecModel<SearchHitView>>,
    /// The script the results on display were loaded in; `None` when nothing was loaded.
    loaded_in: Cell<Option<Display>>,
    /// Plain titles of the hits on display, for read-aloud.
    titles: RefCell<Vec<String>>,
    /// The query on display and whether it was counted (usage statistics).
    shown: RefCell<Option<ShownQuery>>,
    /// Counts the query on display once it has stayed [`SETTLE_AFTER`].
    settle_timer: slint::Timer,
}

impl Default for Session {
    fn default() -> Session {
        Session {
            generation: Cell::new(0),
            latest: Arc::new(AtomicU64::new(0)),
            category: RefCell::new(None),
            year: Cell::new(None),
            hits: Rc::new(VecModel::default()),
            loaded_in: Cell::new(None),
            titles: RefCell::new(Vec::new()),
            shown: RefCell::new(None),
            settle_timer: slint::Timer::default(),
        }
    }
}

impl Session {
    /// Starts a new generation and returns it.
    fn bump(&self) -> u64 {
        let generation = self.generation.get().wrapping_add(1);
        self.generation.set(generation);
        self.latest.store(generation, Ordering::SeqCst);
        generation
    }

    fn clear_filters(&self) {
        *self.category.borrow_mut() = None;
        self.year.set(None);
    }
}

/// The request for the query in the box, under the session's filters.
fn request(app: &AppWindow, session: &Session, offset: usize) -> SearchRequest {
    SearchRequest {
        query: app.global::<SearchAdapter>().get_query().to_string(),
        category: session.category.borrow().clone(),
        year: session.year.get(),
        publisher: None,
        offset,
        limit: PAGE,
    }
}

/// What 朗读 reads on the search screen.
fn speech_text(app: &AppWindow, session: &Session) -> String {
    let adapter = app.global::<SearchAdapter>();
    let query = adapter.get_query();
    match adapter.get_state() {
        SearchState::Empty => {
            "搜索。请用屏幕下方的键盘输入要找的内容，可以输入汉字、拼音或拼音首字母。\
             也可以按类别浏览公开目录。"
                .to_owned()
        }
        SearchState::None => format!(
            "没有找到“{query}”的相关内容。可以少输几个字，输入拼音或首字母，或者按类别浏览公开目录。"
        ),
        SearchState::Invalid => "请输入汉字、拼音字母或数字。".to_owned(),
        SearchState::Results => {
            let titles = session.titles.borrow();
            let mut text = match adapter.get_total() {
                total if total >= 0 => format!("搜索“{query}”，找到{total}条结果。"),
                _ => format!("搜索“{query}”的结果。"),
            };
            for (i, title) in titles.iter().enumerate() {
                text.push_str(&format!("第{}条：{title}。", i + 1));
            }
            text
        }
    }
}

fn update_speech(kiosk: &Kiosk, app: &AppWindow, session: &Session) {
    if kiosk.current() == Place::Search {
        kiosk.set_page_text(speech_text(app, session));
    }
}

/// The results of `query` are on display (`hits`: any): starts counting it as settled, unless
/// it is the query already on display.
fn shown(kiosk: &Rc<Kiosk>, session: &Session, query: String, hits: bool) {
    {
        let mut shown = session.shown.borrow_mut();
        match shown.as_mut() {
            Some(current) if current.query == query => {
                current.hits |= hits;
                if current.counted {
                    return;
                }
            }
            _ => {
                *shown = Some(ShownQuery {
                    query,
                    hits,
                    counted: false,
                })
            }
        }
    }
    let weak = Rc::downgrade(kiosk);
    session
        .settle_timer
        .start(slint::TimerMode::SingleShot, SETTLE_AFTER, move || {
            if let Some(kiosk) = weak.upgrade() {
                settle(&kiosk);
            }
        });
}

/// Counts the query on display as a search if it has not been counted (usage statistics): the
/// visitor opens a result, leaves the screen, the session resets, or [`SETTLE_AFTER`] passed.
pub(crate) fn settle(kiosk: &Kiosk) {
    let session = &kiosk.screens().search.session;
    session.settle_timer.stop();
    let mut shown = session.shown.borrow_mut();
    if let Some(current) = shown.as_mut().filter(|current| !current.counted) {
        current.counted = true;
        kiosk.record(crate::usage::Event::Search {
            query: current.query.clone(),
            hits: current.hits,
        });
    }
}

/// Forgets the query on display without counting it (it was replaced before it settled).
fn forget_shown(session: &Session) {
    session.settle_timer.stop();
    *session.shown.borrow_mut() = None;
}

/// Clears results and chips and shows the empty state.
fn show_empty(kiosk: &Kiosk, app: &AppWindow, session: &Session) {
    forget_shown(session);
    session.bump();
    session.clear_filters();
    session.hits.set_vec(Vec::new());
    session.titles.borrow_mut().clear();
    session.loaded_in.set(None);
    let adapter = app.global::<SearchAdapter>();
    adapter.set_state(SearchState::Empty);
    adapter.set_busy(false);
    adapter.set_has_more(false);
    adapter.set_total(-1);
    adapter.set_categories(model(Vec::new()));
    adapter.set_years(model(Vec::new()));
    adapter.set_scroll_y(0.0);
    update_speech(kiosk, app, session);
}

/// Searches the text in the box from the first page (a new generation), then counts the chips.
fn search(kiosk: &Rc<Kiosk>, app: &AppWindow) {
    let session = &kiosk.screens().search.session;
    let adapter = app.global::<SearchAdapter>();
    if adapter.get_query().trim().is_empty() {
        show_empty(kiosk, app, session);
        return;
    }
    let generation = session.bump();
    let display = kiosk.display();
    let req = request(app, session, 0);
    adapter.set_busy(true);

    let latest = session.latest.clone();
    let page_req = req.clone();
    kiosk.query(
        move |store| {
            // A newer query is already queued: skip this one.
            (latest.load(Ordering::SeqCst) == generation)
                .then(|| load_page(store, &page_req, display))
        },
        move |kiosk, app, result| {
            if let Some(result) = result {
                apply_page(kiosk, app, generation, display, result, false);
            }
        },
    );

    let latest = session.latest.clone();
    kiosk.query(
        move |store| {
            (latest.load(Ordering::SeqCst) == generation).then(|| load_facets(store, &req, display))
        },
        move |kiosk, app, result| {
            if let Some(result) = result {
                apply_facets(kiosk, app, generation, result);
            }
        },
    );
}

/// Loads the next page of the current query (更多结果).
fn more(kiosk: &Rc<Kiosk>, app: &AppWindow) {
    let adapter = app.global::<SearchAdapter>();
    // A double tap, or a tap while a new first page is loading, must not fetch a page twice or
    // from a stale offset.
    if adapter.get_busy() || !adapter.get_has_more() {
        return;
    }
    let session = &kiosk.screens().search.session;
    let generation = session.generation.get();
    let display = kiosk.display();
    let offset = session.hits.row_count();
    let req = request(app, session, offset);
    let latest = session.latest.clone();
    app.global::<SearchAdapter>().set_busy(true);
    kiosk.query(
        move |store| {
            (latest.load(Ordering::SeqCst) == generation).then(|| load_page(store, &req, display))
        },
        move |kiosk, app, result| {
            // (Not if the list changed since this page was asked for.)
            if let Some(result) = result
                && session_rows(kiosk) == offset
            {
                apply_page(kiosk, app, generation, display, result, true);
            }
        },
    );
}

/// Rows of results shown now.
fn session_rows(kiosk: &Kiosk) -> usize {
    kiosk.screens().search.session.hits.row_count()
}

/// Puts a page of hits on the window, unless a newer query has started since.
fn apply_page(
    kiosk: &Rc<Kiosk>,
    app: &AppWindow,
    generation: u64,
    display: Display,
    result: Result<PageData, StoreError>,
    append: bool,
) {
    let session = &kiosk.screens().search.session;
    if session.generation.get() != generation {
        return;
    }
    let adapter = app.global::<SearchAdapter>();
    adapter.set_busy(false);
    match result {
        Ok(page) => {
            let views: Vec<SearchHitView> = page.hits.iter().map(hit_view).collect();
            let titles = page.hits.iter().map(|h| plain(&h.title));
            if append {
                for view in views {
                    session.hits.push(view);
                }
                session.titles.borrow_mut().extend(titles);
            } else {
                session.hits.set_vec(views);
                *session.titles.borrow_mut() = titles.collect();
                adapter.set_scroll_y(0.0);
            }
            adapter.set_has_more(page.has_more);
            adapter.set_state(if session.hits.row_count() == 0 {
                SearchState::None
            } else {
                SearchState::Results
            });
            session.loaded_in.set(Some(display));
            if !append {
                let query = adapter.get_query().to_string();
                shown(kiosk, session, query, session.hits.row_count() > 0);
            }
        }
        Err(StoreError::Query(reason)) => {
            tracing::debug!(%reason, "a search that cannot run");
            forget_shown(session);
            session.hits.set_vec(Vec::new());
            session.titles.borrow_mut().clear();
            adapter.set_has_more(false);
            adapter.set_state(SearchState::Invalid);
            session.loaded_in.set(Some(display));
        }
        Err(err) => {
            tracing::error!(%err, "searching failed");
            session.hits.set_vec(Vec::new());
            session.titles.borrow_mut().clear();
            adapter.set_has_more(false);
            adapter.set_state(SearchState::None);
            kiosk.notice_unavailable();
        }
    }
    adapter.set_hits(slint::ModelRc::from(session.hits.clone()));
    update_speech(kiosk, app, session);
}

/// Puts the chip counts on the window, unless a newer query has started since.
fn apply_facets(
    kiosk: &Kiosk,
    app: &AppWindow,
    generation: u64,
    result: Result<FacetData, StoreError>,
) {
    let session = &kiosk.screens().search.session;
    if session.generation.get() != generation {
        return;
    }
    let adapter = app.global::<SearchAdapter>();
    match result {
        Ok(facets) => {
            let category = session.category.borrow().clone();
            let year = session.year.get().map(|y| y.to_string());
            adapter.set_total(i32::try_from(facets.total).unwrap_or(i32::MAX));
            // A facet with a single value and no selection filters nothing: no chips for it.
            let useful = |chips: &[ChipData], selected: &Option<String>| {
                chips.len() > 1 || selected.is_some()
            };
            adapter.set_categories(if useful(&facets.categories, &category) {
                chip_views(&facets.categories, category.as_deref())
            } else {
                model(Vec::new())
            });
            adapter.set_years(if useful(&facets.years, &year) {
                chip_views(&facets.years, year.as_deref())
            } else {
                model(Vec::new())
            });
        }
        Err(err) => {
            // The hits are shown already; only the counts are missing.
            tracing::debug!(%err, "counting search facets failed");
            adapter.set_total(-1);
            adapter.set_categories(model(Vec::new()));
            adapter.set_years(model(Vec::new()));
        }
    }
    update_speech(kiosk, app, session);
}

/// Shows the screen: the empty state, or the query's results (searched again when the visitor
/// has switched script since they were loaded; kept as they were after Back).
fn show(kiosk: &Rc<Kiosk>, app: &AppWindow) {
    let session = &kiosk.screens().search.session;
    let adapter = app.global::<SearchAdapter>();
    adapter.set_hits(slint::ModelRc::from(session.hits.clone()));
    if adapter.get_query().trim().is_empty() {
        show_empty(kiosk, app, session);
    } else if session.loaded_in.get() != Some(kiosk.display()) {
        search(kiosk, app);
    } else {
        update_speech(kiosk, app, session);
    }
}

/// Wires the keyboard, the query box, the chips and 更多结果.
fn connect(kiosk: &Rc<Kiosk>, app: &AppWindow) {
    let adapter = app.global::<SearchAdapter>();
    adapter.set_hits(slint::ModelRc::from(
        kiosk.screens().search.session.hits.clone(),
    ));

    adapter.on_edited(kiosk.callback(search));
    let open_attachment = kiosk.callback_with(
        |kiosk, app, (document, attachment, page): (SharedString, i32, i32)| {
            let find = app.global::<SearchAdapter>().get_query().to_string();
            if let (Ok(attachment), Ok(page)) = (usize::try_from(attachment), u32::try_from(page)) {
                kiosk.go(Place::Viewer(crate::view_models::viewer::Reading {
                    document: document.to_string(),
                    attachment,
                    page,
                    find: Some(find).filter(|f| !f.trim().is_empty()),
                }));
            }
        },
    );
    adapter.on_open_attachment(move |document, attachment, page| {
        open_attachment((document, attachment, page))
    });
    adapter.on_type_key(kiosk.callback_with(|kiosk, app, key: SharedString| {
        let adapter = app.global::<SearchAdapter>();
        let mut query = adapter.get_query().to_string();
        query.push_str(&key);
        adapter.set_query(query.into());
        search(kiosk, app);
    }));
    adapter.on_backspace(kiosk.callback(|kiosk, app| {
        let adapter = app.global::<SearchAdapter>();
        let mut query = adapter.get_query().to_string();
        if query.pop().is_some() {
            adapter.set_query(query.into());
            search(kiosk, app);
        }
    }));
    adapter.on_clear(kiosk.callback(|kiosk, app| {
        app.global::<SearchAdapter>().set_query(SharedString::new());
        search(kiosk, app);
    }));
    adapter.on_more(kiosk.callback(more));
    adapter.on_toggle_category(kiosk.callback_with(|kiosk, app, value: SharedString| {
        let session = &kiosk.screens().search.session;
        {
            let mut category = session.category.borrow_mut();
            *category = match category.as_deref() {
                Some(current) if current == value.as_str() => None,
                _ => Some(value.to_string()),
            };
        }
        search(kiosk, app);
    }));
    adapter.on_toggle_year(kiosk.callback_with(|kiosk, app, value: SharedString| {
        let session = &kiosk.screens().search.session;
        let Ok(year) = value.parse::<i32>() else {
            return;
        };
        session.year.set(match session.year.get() {
            Some(current) if current == year => None,
            _ => Some(year),
        });
        search(kiosk, app);
    }));
}

/// Clears the query, results, chips, filters and scroll position (idle reset).
fn reset(kiosk: &Rc<Kiosk>, app: &AppWindow) {
    settle(kiosk);
    app.global::<SearchAdapter>().set_query(SharedString::new());
    show_empty(kiosk, app, &kiosk.screens().search.session);
}

/// Puts `query` in the search box and searches, as if typed.
pub(crate) fn set_query(kiosk: &Rc<Kiosk>, app: &AppWindow, query: &str) {
    app.global::<SearchAdapter>().set_query(query.into());
    search(kiosk, app);
}
