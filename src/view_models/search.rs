//! Search (搜索): the query typed on the on-screen keyboard (or a physical keyboard / IME), run
//! as the visitor types, one page of highlighted hits at a time, and the category and year chips
//! that filter them.
//!
//! Owns the search session state on the UI thread (query generation, filters, the hits model).
//! Every keystroke bumps a generation number; the query runs on the store worker, and results
//! that arrive for an older generation are dropped (latest wins). A query still queued when a
//! newer one exists is skipped on the worker (coalescing). Must never: run a query on the UI
//! thread, build Slint values on the worker, or apply results of an older query.
//!
//! Usage statistics count a search once per settled query, never per keystroke: the query whose
//! results (or "nothing found") are on display is counted when the visitor opens a result, leaves
//! the search screen, or the session resets, or once it has been on display unchanged for
//! [`SETTLE_AFTER`]. Filters, Back to the same results and a script switch do not count it again;
//! a query replaced by the next keystroke before it settled is not counted, nor one that cannot
//! run. Nothing else typed anywhere is counted.

use std::cell::{Cell, RefCell};
use std::ops::Range;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use slint::{ComponentHandle, Model, SharedString, VecModel};

use super::labels::{ChipData, Labels};
use super::{Display, model};

use crate::kiosk::{Kiosk, Place};
use crate::store::{FacetCount, SearchRequest, Snippet, Store, StoreError};
use crate::ui::{AppWindow, FacetChipView, SearchAdapter, SearchHitView, SearchState, TextPiece};

/// Hits per page (更多结果 loads the next).
pub const PAGE: usize = 20;
/// A query on display this long without a change is counted as a search (usage statistics).
pub const SETTLE_AFTER: std::time::Duration = std::time::Duration::from_secs(2);
/// Opening and closing marks around a match where a line wraps.
const MARK_OPEN: &str = "【";
const MARK_CLOSE: &str = "】";

/// A run of text, matched or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub hit: bool,
}

/// Splits `text` into plain and highlighted segments. `highlights` are character ranges, sorted;
/// ranges out of bounds are clipped and overlapping ones merged, so no input can panic.
pub fn segments(text: &str, highlights: &[Range<usize>]) -> Vec<Segment> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<Segment> = Vec::new();
    let mut push = |range: Range<usize>, hit: bool| {
        if range.start >= range.end {
            return;
        }
        let piece: String = chars[range].iter().collect();
        match out.last_mut() {
            Some(last) if last.hit == hit => last.text.push_str(&piece),
            _ => out.push(Segment { text: piece, hit }),
        }
    };
    let mut at = 0;
    for range in highlights {
        let start = range.start.clamp(at, chars.len());
        let end = range.end.clamp(start, chars.len());
        push(at..start, false);
        push(start..end, true);
        at = end;
    }
    push(at..chars.len(), false);
    out
}

/// The segments' text with `【` … `】` around each match.
pub fn marked(segments: &[Segment]) -> String {
    let mut out = String::new();
    for segment in segments {
        if segment.hit {
            out.push_str(MARK_OPEN);
            out.push_str(&segment.text);
            out.push_str(MARK_CLOSE);
        } else {
            out.push_str(&segment.text);
        }
    }
    out
}

/// The segments' text without marks.
pub fn plain(segments: &[Segment]) -> String {
    segments.iter().map(|s| s.text.as_str()).collect()
}

/// `snippet` as segments in the visitor's script.
fn display_segments(snippet: &Snippet, display: Display) -> Vec<Segment> {
    segments(&snippet.text, &snippet.highlights)
        .into_iter()
        .map(|s| Segment {
            text: display.text(&s.text),
            hit: s.hit,
        })
        .collect()
}

/// One hit as plain data, in the visitor's script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitData {
    pub id: String,
    pub kind: String,
    pub title: Vec<Segment>,
    pub snippet: Vec<Segment>,
    /// Date · category · publisher (for a match in an attachment: the file and page).
    pub meta: String,
    /// A match in an attachment: its place on the document and the page.
    pub attachment: Option<(usize, u32)>,
}

/// Matches inside attachments listed after the first page of documents, at most.
const ATTACHMENT_HITS: usize = 5;

/// One page of hits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageData {
    pub hits: Vec<HitData>,
    pub has_more: bool,
}

/// The counts behind the chips and the total.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FacetData {
    /// Matches under every filter.
    pub total: u64,
    /// Category chips, counted under the year filter.
    pub categories: Vec<ChipData>,
    /// Year chips, counted under the category filter.
    pub years: Vec<ChipData>,
}

/// Runs one page of `req` (on the worker).
pub fn load_page(
    store: &Store,
    req: &SearchRequest,
    display: Display,
) -> Result<PageData, StoreError> {
    let results = store.search(req)?;
    let labels = Labels::load(store)?;
    let hits = results
        .hits
        .into_iter()
        .map(|hit| {
            let mut meta: Vec<String> = Vec::new();
            if let Some(date) = hit.date {
                meta.push(date);
            }
            if let Some(category) = &hit.category {
                meta.push(display.text(&labels.category(category)));
            }
            if let Some(publisher) = &hit.publisher {
                meta.push(display.text(publisher));
            }
            HitData {
                id: hit.id,
                kind: hit.kind,
                title: display_segments(&hit.title, display),
                snippet: display_segments(&hit.snippet, display),
                meta: meta.join(" · "),
                attachment: None,
            }
        })
        .collect();
    let mut hits: Vec<HitData> = hits;
    // Matches inside attachments (their rendered pages' text), after the first page of
    // documents; the filters are the documents' and do not apply to pages.
    let unfiltered = req.category.is_none() && req.year.is_none() && req.publisher.is_none();
    if req.offset == 0 && unfiltered {
        for hit in store.search_attachments(&req.query, ATTACHMENT_HITS)? {
            hits.push(HitData {
                id: hit.document,
                kind: "attachment".into(),
                title: display_segments(
                    &crate::store::Snippet {
                        text: hit.title,
                        highlights: Vec::new(),
                    },
                    display,
                ),
                snippet: display_segments(&hit.snippet, display),
                meta: display.text(&format!("附件 {} · 第 {} 页", hit.file_name, hit.page)),
                attachment: Some((hit.position, hit.page)),
            });
        }
    }
    Ok(PageData {
        hits,
        has_more: results.has_more,
    })
}

/// Counts the matches of `req` for the chips (on the worker). Each facet is counted under the
/// other facet's filter, so a chip shows what tapping it would leave; a selected value is kept
/// even when nothing matches it any more, so it can be tapped off.
pub fn load_facets(
    store: &Store,
    req: &SearchRequest,
    display: Display,
) -> Result<FacetData, StoreError> {
    let by_category = store.search_facets(&SearchRequest {
        category: None,
        ..req.clone()
    })?;
    let by_year = store.search_facets(&SearchRequest {
        year: None,
        ..req.clone()
    })?;
    let labels = Labels::load(store)?;
    let total = match &req.category {
        Some(code) => by_category
            .category
            .iter()
            .find(|c| &c.value == code)
            .map_or(0, |c| c.count),
        None => by_category.total,
    };
    let chips =
        |counts: Vec<FacetCount>, selected: Option<String>, label: &dyn Fn(&str) -> String| {
            let mut chips: Vec<ChipData> = counts
                .into_iter()
                .map(|c| ChipData {
                    label: label(&c.value),
                    value: c.value,
                    count: c.count,
                })
                .collect();
            if let Some(selected) = selected
                && !chips.iter().any(|c| c.value == selected)
            {
                chips.insert(
                    0,
                    ChipData {
                        label: label(&selected),
                        value: selected,
                        count: 0,
                    },
                );
            }
            chips
        };
    let categories = chips(by_category.category, req.category.clone(), &|code| {
        display.text(&labels.category(code))
    });
    let years = chips(
        by_year.year,
        req.year.map(|y| y.to_string()),
        &|year: &str| year.to_owned(),
    );
    Ok(FacetData {
        total,
        categories,
        years,
    })
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
struct Session {
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

thread_local! {
    static SESSION: Rc<Session> = Rc::new(Session {
        generation: Cell::new(0),
        latest: Arc::new(AtomicU64::new(0)),
        category: RefCell::new(None),
        year: Cell::new(None),
        hits: Rc::new(VecModel::default()),
        loaded_in: Cell::new(None),
        titles: RefCell::new(Vec::new()),
        shown: RefCell::new(None),
        settle_timer: slint::Timer::default(),
    });
}

fn session() -> Rc<Session> {
    SESSION.with(Rc::clone)
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

fn piece_model(segments: &[Segment]) -> slint::ModelRc<TextPiece> {
    model(
        segments
            .iter()
            .map(|s| TextPiece {
                text: s.text.as_str().into(),
                hit: s.hit,
            })
            .collect(),
    )
}

fn hit_view(hit: &HitData) -> SearchHitView {
    SearchHitView {
        id: hit.id.as_str().into(),
        kind: hit.kind.as_str().into(),
        title: plain(&hit.title).into(),
        title_pieces: piece_model(&hit.title),
        title_marked: marked(&hit.title).into(),
        snippet: plain(&hit.snippet).into(),
        snippet_pieces: piece_model(&hit.snippet),
        snippet_marked: marked(&hit.snippet).into(),
        meta: hit.meta.as_str().into(),
        attachment: hit
            .attachment
            .map_or(-1, |(position, _)| i32::try_from(position).unwrap_or(-1)),
        page: hit
            .attachment
            .map_or(0, |(_, page)| i32::try_from(page).unwrap_or(0)),
    }
}

fn chip_views(chips: &[ChipData], selected: Option<&str>) -> slint::ModelRc<FacetChipView> {
    model(
        chips
            .iter()
            .map(|c| FacetChipView {
                value: c.value.as_str().into(),
                label: c.label.as_str().into(),
                count: i32::try_from(c.count).unwrap_or(i32::MAX),
                selected: selected == Some(c.value.as_str()),
            })
            .collect(),
    )
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
pub fn settle(kiosk: &Kiosk) {
    let session = session();
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
    let session = session();
    let adapter = app.global::<SearchAdapter>();
    if adapter.get_query().trim().is_empty() {
        show_empty(kiosk, app, &session);
        return;
    }
    let generation = session.bump();
    let display = kiosk.display();
    let req = request(app, &session, 0);
    adapter.set_busy(true);

    let latest = session.latest.clone();
    let weak = Rc::downgrade(kiosk);
    let page_req = req.clone();
    kiosk.worker().run(
        move |store| {
            // A newer query is already queued: skip this one.
            (latest.load(Ordering::SeqCst) == generation)
                .then(|| load_page(store, &page_req, display))
        },
        move |result| {
            let Some(result) = result else { return };
            let Some(kiosk) = weak.upgrade() else { return };
            let Some(app) = kiosk.app() else { return };
            apply_page(&kiosk, &app, generation, display, result, false);
        },
    );

    let latest = session.latest.clone();
    let weak = Rc::downgrade(kiosk);
    kiosk.worker().run(
        move |store| {
            (latest.load(Ordering::SeqCst) == generation).then(|| load_facets(store, &req, display))
        },
        move |result| {
            let Some(result) = result else { return };
            let Some(kiosk) = weak.upgrade() else { return };
            let Some(app) = kiosk.app() else { return };
            apply_facets(&kiosk, &app, generation, result);
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
    let session = session();
    let generation = session.generation.get();
    let display = kiosk.display();
    let offset = session.hits.row_count();
    let req = request(app, &session, offset);
    let latest = session.latest.clone();
    let weak = Rc::downgrade(kiosk);
    app.global::<SearchAdapter>().set_busy(true);
    kiosk.worker().run(
        move |store| {
            (latest.load(Ordering::SeqCst) == generation).then(|| load_page(store, &req, display))
        },
        move |result| {
            let Some(result) = result else { return };
            let Some(kiosk) = weak.upgrade() else { return };
            let Some(app) = kiosk.app() else { return };
            if session_rows() != offset {
                return; // the list changed since this page was asked for
            }
            apply_page(&kiosk, &app, generation, display, result, true);
        },
    );
}

/// Rows of results shown now.
fn session_rows() -> usize {
    session().hits.row_count()
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
    let session = session();
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
                shown(kiosk, &session, query, session.hits.row_count() > 0);
            }
        }
        Err(StoreError::Query(reason)) => {
            tracing::debug!(%reason, "a search that cannot run");
            forget_shown(&session);
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
    update_speech(kiosk, app, &session);
}

/// Puts the chip counts on the window, unless a newer query has started since.
fn apply_facets(
    kiosk: &Kiosk,
    app: &AppWindow,
    generation: u64,
    result: Result<FacetData, StoreError>,
) {
    let session = session();
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
    update_speech(kiosk, app, &session);
}

/// Shows the screen: the empty state, or the query's results (searched again when the visitor
/// has switched script since they were loaded; kept as they were after Back).
pub fn show(kiosk: &Rc<Kiosk>, app: &AppWindow) {
    let session = session();
    let adapter = app.global::<SearchAdapter>();
    adapter.set_hits(slint::ModelRc::from(session.hits.clone()));
    if adapter.get_query().trim().is_empty() {
        show_empty(kiosk, app, &session);
    } else if session.loaded_in.get() != Some(kiosk.display()) {
        search(kiosk, app);
    } else {
        update_speech(kiosk, app, &session);
    }
}

/// Wires the keyboard, the query box, the chips and 更多结果.
pub fn connect(kiosk: &Rc<Kiosk>, app: &AppWindow) {
    let adapter = app.global::<SearchAdapter>();
    adapter.set_hits(slint::ModelRc::from(session().hits.clone()));

    adapter.on_edited(kiosk.callback(search));
    let open_attachment = kiosk.callback_with(
        |kiosk, app, (document, attachment, page): (SharedString, i32, i32)| {
            let find = app.global::<SearchAdapter>().get_query().to_string();
            if let (Ok(attachment), Ok(page)) = (usize::try_from(attachment), u32::try_from(page)) {
                kiosk.go(crate::kiosk::Place::Viewer(super::viewer::Reading {
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
        let session = session();
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
        let session = session();
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
pub fn reset(kiosk: &Rc<Kiosk>, app: &AppWindow) {
    settle(kiosk);
    app.global::<SearchAdapter>().set_query(SharedString::new());
    show_empty(kiosk, app, &session());
}

/// Puts `query` in the search box and searches, as if typed.
pub fn set_query(kiosk: &Rc<Kiosk>, app: &AppWindow, query: &str) {
    app.global::<SearchAdapter>().set_query(query.into());
    search(kiosk, app);
}

/// What the visitor looked for and did not find, for the 申请表: the query on display and the
/// labels of the category and year chips they had selected (UI thread; reads the screen).
pub fn wanted(app: &AppWindow) -> Option<String> {
    use slint::Model;
    let adapter = app.global::<SearchAdapter>();
    let query = adapter.get_query();
    if query.trim().is_empty() {
        return None;
    }
    let selected = |chips: slint::ModelRc<FacetChipView>| {
        chips
            .iter()
            .find(|chip| chip.selected)
            .map(|chip| chip.label.to_string())
    };
    Some(super::printables::wanted_description(
        &query,
        selected(adapter.get_categories()).as_deref(),
        selected(adapter.get_years()).as_deref(),
    ))
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)] // one highlight is the common case
mod tests {
    use super::*;
    use crate::view_models::bundled_store;

    fn seg(text: &str, hit: bool) -> Segment {
        Segment {
            text: text.to_owned(),
            hit,
        }
    }

    #[test]
    fn segments_split_text_at_character_ranges() {
        assert_eq!(
            segments("进驻社保医保", &[2..4]),
            vec![seg("进驻", false), seg("社保", true), seg("医保", false)]
        );
        assert_eq!(
            segments("社保医保", &[0..2, 2..4]),
            vec![seg("社保医保", true)],
            "adjacent matches join"
        );
        assert_eq!(
            segments("a社保", &[1..3]),
            vec![seg("a", false), seg("社保", true)]
        );
        assert_eq!(segments("无匹配", &[]), vec![seg("无匹配", false)]);
        assert_eq!(segments("", &[]), vec![]);
    }

    #[test]
    fn segments_never_panic_on_bad_ranges() {
        assert_eq!(
            segments("社保", &[1..9]),
            vec![seg("社", false), seg("保", true)]
        );
        assert_eq!(segments("社保", &[5..9]), vec![seg("社保", false)]);
        #[allow(clippy::reversed_empty_ranges)]
        let reversed = [2..1];
        assert_eq!(segments("社保医", &reversed), vec![seg("社保医", false)]);
        assert_eq!(
            segments("社保医保", &[0..3, 1..4]),
            vec![seg("社保医保", true)],
            "overlapping ranges merge"
        );
    }

    #[test]
    fn marked_brackets_matches_and_plain_drops_marks() {
        let parts = segments("进驻社保医保", &[2..4]);
        assert_eq!(marked(&parts), "进驻【社保】医保");
        assert_eq!(plain(&parts), "进驻社保医保");
        let snippet = Snippet {
            text: "进驻社保医保".into(),
            highlights: vec![2..4],
        };
        assert_eq!(marked(&parts), snippet.marked("【", "】"));
    }

    #[test]
    fn pages_and_facets_of_the_bundled_content() {
        let store = bundled_store();
        let req = SearchRequest {
            query: "社保".into(),
            limit: PAGE,
            ..SearchRequest::default()
        };
        let page = load_page(&store, &req, Display::default()).unwrap();
        let hit = page
            .hits
            .iter()
            .find(|h| h.id == "ce-2012-00013")
            .expect("the 一站式 entry mentions 社保");
        assert!(hit.snippet.iter().any(|s| s.hit && s.text == "社保"));
        assert!(
            hit.meta.contains("便民服务"),
            "category label: {}",
            hit.meta
        );
        assert!(hit.meta.contains("2012-07-02"), "{}", hit.meta);

        let facets = load_facets(&store, &req, Display::default()).unwrap();
        assert_eq!(facets.total as usize, page.hits.len());
        assert!(facets.categories.iter().any(|c| c.label == "便民服务"));
        assert!(facets.years.iter().any(|y| y.value == "2012"));

        let filtered = SearchRequest {
            category: Some("BMFW".into()),
            ..req.clone()
        };
        let facets = load_facets(&store, &filtered, Display::default()).unwrap();
        assert_eq!(facets.total, 1);

        let traditional = load_page(&store, &req, Display { traditional: true }).unwrap();
        assert!(
            traditional
                .hits
                .iter()
                .any(|h| plain(&h.title).contains("公共服務")),
            "titles in Traditional"
        );
    }
}
