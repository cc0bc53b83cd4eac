//! The catalogue list as a `slint::Model` that pages from the store: only the pages near what
//! the visitor looks at are held (a small LRU of pages), so 200,000 entries cost no more memory
//! than 200.
//!
//! Owns the page cache, the pages in flight and the model's notifications. `row_data` answers
//! from the cache or with a placeholder, and asks the [`PageSource`] (the store worker) for the
//! missing page; when it arrives, the rows of that page are announced as changed. Results for an
//! older query (filter or script changed meanwhile) are dropped by generation number. Must never:
//! hold every row, run a query on the UI thread other than through the worker, or notify the
//! view from inside `row_data` (the inline worker answers synchronously: the fresh row is
//! returned directly instead).

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use slint::{Model, ModelNotify, ModelTracker, SharedString};

use super::Display;
use super::worker::Worker;
use crate::store::{CatalogueFilter, CatalogueRow, Store, StoreError};
use crate::ui::CatalogueRowView;

/// Rows per page fetched from the store.
pub const PAGE_SIZE: usize = 100;
/// Pages kept in memory at most (the least recently read one goes first).
pub const MAX_PAGES: usize = 8;

/// One catalogue row as plain data, in the visitor's script.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RowData {
    pub id: String,
    /// 标题.
    pub title: String,
    /// 索引号.
    pub index_no: String,
    /// 日期.
    pub date: String,
    /// 发布机构.
    pub publisher: String,
}

impl RowData {
    /// A store row in the visitor's script.
    pub fn from_row(row: CatalogueRow, display: Display) -> RowData {
        RowData {
            id: row.id,
            title: display.text(&row.title),
            index_no: row.index_no.unwrap_or_default(),
            date: row.date.unwrap_or_default(),
            publisher: display.text(row.publisher.as_deref().unwrap_or("")),
        }
    }
}

/// Loads page `page` (rows `page * PAGE_SIZE ..`) of the catalogue under `filter` (worker side).
pub fn load_page(
    store: &Store,
    filter: &CatalogueFilter,
    page: usize,
    display: Display,
) -> Result<Vec<RowData>, StoreError> {
    Ok(store
        .catalogue_page_at(filter, page.saturating_mul(PAGE_SIZE), PAGE_SIZE)?
        .into_iter()
        .map(|row| RowData::from_row(row, display))
        .collect())
}

/// What the model asks its source for.
#[derive(Debug, Clone)]
pub struct PageQuery {
    pub filter: CatalogueFilter,
    pub page: usize,
    pub display: Display,
    /// Whether the page is still wanted when the worker gets to it.
    pub wanted: Wanted,
}

/// Shared between the model and queued page queries: a fast fling through the list queues
/// many pages, and those the visitor has already scrolled far past are skipped on the worker
/// instead of delaying the page on screen.
#[derive(Debug, Clone, Default)]
pub struct Wanted {
    generation: u64,
    latest_generation: Arc<AtomicU64>,
    /// The page the view asked for last.
    focus: Arc<AtomicUsize>,
}

impl Wanted {
    /// Whether `page` is still worth loading: same filter and script, and near the last page
    /// the view asked for.
    pub fn still(&self, page: usize) -> bool {
        self.latest_generation.load(Ordering::Relaxed) == self.generation
            && self.focus.load(Ordering::Relaxed).abs_diff(page) < MAX_PAGES
    }
}

/// Called with a page's rows on the UI thread; `None` when the source skipped the page
/// because it was no longer wanted.
pub type Deliver = Box<dyn FnOnce(Option<Result<Vec<RowData>, StoreError>>)>;

/// Where pages come from: the store worker in the kiosk (tests may deliver pages later by hand).
pub trait PageSource {
    /// Fetches `query` and calls `deliver` with the result on the UI thread, now or later.
    fn fetch(&self, query: PageQuery, deliver: Deliver);
}

impl PageSource for Worker {
    fn fetch(&self, query: PageQuery, deliver: Deliver) {
        self.run(
            move |store| {
                query
                    .wanted
                    .still(query.page)
                    .then(|| load_page(store, &query.filter, query.page, query.display))
            },
            deliver,
        );
    }
}

enum Page {
    Rows(Vec<RowData>),
    Failed,
}

#[derive(Default)]
struct State {
    generation: u64,
    filter: CatalogueFilter,
    display: Display,
    total: usize,
    pages: HashMap<usize, Page>,
    /// Cached page numbers, least recently read first.
    order: VecDeque<usize>,
    in_flight: HashSet<usize>,
    /// The generation as seen from the worker thread.
    latest_generation: Arc<AtomicU64>,
    /// The page the view asked for last, as seen from the worker thread.
    focus: Arc<AtomicUsize>,
}

impl State {
    /// The row if its page is cached (marking the page as recently read).
    fn lookup(&mut self, row: usize) -> Option<CatalogueRowView> {
        let page_no = row / PAGE_SIZE;
        let page = self.pages.get(&page_no)?;
        let view = match page {
            Page::Rows(rows) => match rows.get(row % PAGE_SIZE) {
                Some(data) => view(data),
                // The cache changed under this query (a content update): say so, don't spin.
                None => failed(),
            },
            Page::Failed => failed(),
        };
        if let Some(at) = self.order.iter().position(|p| *p == page_no) {
            self.order.remove(at);
        }
        self.order.push_back(page_no);
        Some(view)
    }

    fn insert(&mut self, page_no: usize, page: Page) {
        self.order.retain(|p| *p != page_no);
        self.order.push_back(page_no);
        self.pages.insert(page_no, page);
        while self.pages.len() > MAX_PAGES {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            self.pages.remove(&oldest);
        }
    }
}

fn view(data: &RowData) -> CatalogueRowView {
    CatalogueRowView {
        id: data.id.as_str().into(),
        title: data.title.as_str().into(),
        index_no: data.index_no.as_str().into(),
        date: data.date.as_str().into(),
        publisher: data.publisher.as_str().into(),
        loaded: true,
        failed: false,
    }
}

fn placeholder() -> CatalogueRowView {
    CatalogueRowView {
        id: SharedString::new(),
        title: SharedString::new(),
        index_no: SharedString::new(),
        date: SharedString::new(),
        publisher: SharedString::new(),
        loaded: false,
        failed: false,
    }
}

fn failed() -> CatalogueRowView {
    CatalogueRowView {
        failed: true,
        ..placeholder()
    }
}

/// The paging list model of the catalogue screen.
pub struct CatalogueRows {
    me: Weak<CatalogueRows>,
    source: Box<dyn PageSource>,
    state: RefCell<State>,
    /// A page is being requested from inside `row_data`: an inline answer must not notify.
    answering: Cell<bool>,
    notify: ModelNotify,
}

impl CatalogueRows {
    /// An empty model (no rows until [`CatalogueRows::set_query`]).
    pub fn new(source: Box<dyn PageSource>) -> Rc<CatalogueRows> {
        Rc::new_cyclic(|me| CatalogueRows {
            me: me.clone(),
            source,
            state: RefCell::new(State::default()),
            answering: Cell::new(false),
            notify: ModelNotify::default(),
        })
    }

    /// Shows `total` rows of `filter` in `display`: drops every cached page and every answer
    /// still on its way, and tells the view to start over.
    pub fn set_query(&self, filter: CatalogueFilter, display: Display, total: usize) {
        {
            let mut state = self.state.borrow_mut();
            state.generation = state.generation.wrapping_add(1);
            state
                .latest_generation
                .store(state.generation, Ordering::Relaxed);
            state.filter = filter;
            state.display = display;
            state.total = total;
            state.pages.clear();
            state.order.clear();
            state.in_flight.clear();
        }
        self.notify.reset();
    }

    /// The model itself, shared (to find it again from the adapter's `ModelRc`).
    pub fn me(&self) -> Option<Rc<CatalogueRows>> {
        self.me.upgrade()
    }

    /// The filter the rows are for.
    pub fn filter(&self) -> CatalogueFilter {
        self.state.borrow().filter.clone()
    }

    /// The script the rows are in.
    pub fn display(&self) -> Display {
        self.state.borrow().display
    }

    /// Pages held in memory now.
    pub fn cached_pages(&self) -> usize {
        self.state.borrow().pages.len()
    }

    /// Pages asked for and not yet answered.
    pub fn pages_in_flight(&self) -> usize {
        self.state.borrow().in_flight.len()
    }

    fn request(&self, page_no: usize) {
        let (query, generation) = {
            let state = self.state.borrow();
            state.focus.store(page_no, Ordering::Relaxed);
            let query = PageQuery {
                filter: state.filter.clone(),
                page: page_no,
                display: state.display,
                wanted: Wanted {
                    generation: state.generation,
                    latest_generation: state.latest_generation.clone(),
                    focus: state.focus.clone(),
                },
            };
            (query, state.generation)
        };
        let me = self.me.clone();
        self.answering.set(true);
        self.source.fetch(
            query,
            Box::new(move |result| {
                if let Some(model) = me.upgrade() {
                    model.receive(generation, page_no, result);
                }
            }),
        );
        self.answering.set(false);
    }

    fn receive(
        &self,
        generation: u64,
        page_no: usize,
        result: Option<Result<Vec<RowData>, StoreError>>,
    ) {
        let rows = {
            let mut state = self.state.borrow_mut();
            if state.generation != generation {
                return; // an answer for a filter or script no longer shown
            }
            state.in_flight.remove(&page_no);
            let Some(result) = result else {
                return; // skipped: scrolled far past; asked again if it comes back into view
            };
            let page = match result {
                Ok(rows) => Page::Rows(rows),
                Err(err) => {
                    tracing::error!(%err, page = page_no, "loading a catalogue page failed");
                    Page::Failed
                }
            };
            state.insert(page_no, page);
            let start = page_no.saturating_mul(PAGE_SIZE).min(state.total);
            start..(start + PAGE_SIZE).min(state.total)
        };
        if !self.answering.get() {
            for row in rows {
                self.notify.row_changed(row);
            }
        }
    }
}

impl Model for CatalogueRows {
    type Data = CatalogueRowView;

    fn row_count(&self) -> usize {
        self.state.borrow().total
    }

    fn row_data(&self, row: usize) -> Option<CatalogueRowView> {
        let page_no = row / PAGE_SIZE;
        {
            let mut state = self.state.borrow_mut();
            if row >= state.total {
                return None;
            }
            if let Some(view) = state.lookup(row) {
                return Some(view);
            }
            if !state.in_flight.insert(page_no) {
                return Some(placeholder()); // asked already; it will be announced
            }
        }
        self.request(page_no);
        // An inline source has answered already: return the fresh row itself.
        Some(
            self.state
                .borrow_mut()
                .lookup(row)
                .unwrap_or_else(placeholder),
        )
    }

    fn model_tracker(&self) -> &dyn ModelTracker {
        &self.notify
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Document;
    use crate::store::ContentVersion;

    /// Holds requests until the test delivers them, like a busy worker thread.
    #[derive(Clone, Default)]
    struct Deferred {
        queue: Rc<RefCell<Vec<(PageQuery, Deliver)>>>,
    }

    impl PageSource for Deferred {
        fn fetch(&self, query: PageQuery, deliver: Deliver) {
            self.queue.borrow_mut().push((query, deliver));
        }
    }

    impl Deferred {
        fn deliver_all(&self, store: &Store) -> usize {
            let queued: Vec<_> = self.queue.borrow_mut().drain(..).collect();
            let n = queued.len();
            for (query, deliver) in queued {
                deliver(Some(load_page(
                    store,
                    &query.filter,
                    query.page,
                    query.display,
                )));
            }
            n
        }
    }

    fn bundled() -> Store {
        super::super::bundled_store()
    }

    /// `n` catalogue entries made from the bundled content's first one: new ids, titles and
    /// index numbers, dates spread over about three years with many days shared (so the
    /// keyset pages must break ties), no related ids.
    fn synthetic(n: usize) -> Store {
        let file = crate::content::ContentFile::parse(crate::import::BUNDLED_CONTENT).unwrap();
        let template = file
            .documents
            .into_iter()
            .find(|d| d["kind"] == "catalogue_entry")
            .unwrap();
        let first_day = jiff::civil::date(2020, 1, 1);
        let docs: Vec<Document> = (0..n)
            .map(|i| {
                let mut entry = template.clone();
                // A scrambled day: generation order is not date order.
                let day = first_day + jiff::Span::new().days(((i * 7_919) % 1_100) as i64);
                entry["id"] = format!("syn-{i:05}").into();
                entry["title"] = format!("合成目录条目第{i}号").into();
                entry["index_no"] = format!("00000000X/{}-{:05}", day.year(), i + 1).into();
                entry["generated_date"] = day.to_string().into();
                entry["published_date"] = day.to_string().into();
                entry["related_ids"] = serde_json::json!([]);
                Document::from_value(entry).unwrap()
            })
            .collect();
        let mut store = Store::open_in_memory().unwrap();
        let version = ContentVersion {
            version: "test".into(),
            published_at: None,
            source: "test".into(),
        };
        store.upsert(&docs, "test", Some(&version)).unwrap();
        store
    }

    #[test]
    fn the_inline_worker_answers_row_data_directly_with_the_store_rows() {
        let store = bundled();
        let filter = CatalogueFilter::default();
        let total = store.catalogue_facets(&filter).unwrap().total as usize;
        let first = store.catalogue_page(&filter, None, 1).unwrap().remove(0);
        let rows = CatalogueRows::new(Box::new(Worker::inline(bundled())));
        rows.set_query(filter, Display::default(), total);
        assert_eq!(rows.row_count(), total);
        let row = rows.row_data(0).unwrap();
        assert!(row.loaded);
        assert_eq!(row.id.as_str(), first.id);
        assert_eq!(row.title.as_str(), first.title);
        assert_eq!(Some(row.index_no.to_string()), first.index_no);
        assert!(rows.row_data(total).is_none());
        assert_eq!(rows.pages_in_flight(), 0);
    }

    #[test]
    fn pages_through_5000_rows_with_a_bounded_cache() {
        let store = synthetic(5_000);
        let filter = CatalogueFilter::default();
        let total = store.catalogue_facets(&filter).unwrap().total as usize;
        assert_eq!(total, 5_000);
        let rows = CatalogueRows::new(Box::new(Worker::inline(synthetic(5_000))));
        rows.set_query(filter.clone(), Display::default(), total);
        assert_eq!(rows.row_count(), 5_000);

        // The last rows are the oldest entries, exactly as the store's keyset pages give them.
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = store.catalogue_page(&filter, after, 1000).unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.key);
            all.extend(page.into_iter().map(|r| r.id));
        }
        assert_eq!(all.len(), 5_000);
        for i in [4_999, 4_900, 2_550, 0, 1] {
            let row = rows.row_data(i).unwrap();
            assert!(row.loaded, "row {i}");
            assert_eq!(row.id.as_str(), all[i], "row {i}");
        }
        // Scroll through everything: memory stays at the page cache's size.
        for i in 0..5_000 {
            assert!(rows.row_data(i).unwrap().loaded);
            assert!(rows.cached_pages() <= MAX_PAGES);
        }
        assert_eq!(rows.cached_pages(), MAX_PAGES);
    }

    #[test]
    fn a_page_is_asked_for_once_and_late_answers_for_an_old_filter_are_dropped() {
        let store = bundled();
        let source = Deferred::default();
        let rows = CatalogueRows::new(Box::new(source.clone()));
        rows.set_query(CatalogueFilter::default(), Display::default(), 30);

        let row = rows.row_data(3).unwrap();
        assert!(
            !row.loaded && !row.failed,
            "a placeholder while the page loads"
        );
        assert!(!rows.row_data(4).unwrap().loaded);
        assert_eq!(rows.pages_in_flight(), 1);
        assert_eq!(source.queue.borrow().len(), 1, "one request for page 0");

        assert_eq!(source.deliver_all(&store), 1);
        assert!(rows.row_data(3).unwrap().loaded);
        assert_eq!(rows.pages_in_flight(), 0);

        // The filter changes while a page is on its way: its answer is dropped.
        rows.set_query(CatalogueFilter::default(), Display::default(), 30);
        assert!(!rows.row_data(0).unwrap().loaded);
        let jgzn = CatalogueFilter {
            category: Some("JGZN".into()),
            ..CatalogueFilter::default()
        };
        rows.set_query(jgzn.clone(), Display::default(), 5);
        assert_eq!(source.deliver_all(&store), 1);
        assert_eq!(rows.cached_pages(), 0, "the stale answer was dropped");
        let row = rows.row_data(0).unwrap();
        assert!(!row.loaded);
        source.deliver_all(&store);
        let row = rows.row_data(0).unwrap();
        let first = store.catalogue_page(&jgzn, None, 1).unwrap().remove(0);
        assert_eq!(row.id.as_str(), first.id);
    }

    #[test]
    fn rows_are_converted_to_traditional_on_the_worker() {
        let rows = CatalogueRows::new(Box::new(Worker::inline(bundled())));
        rows.set_query(
            CatalogueFilter::default(),
            Display { traditional: true },
            10,
        );
        let found = (0..10).any(|i| {
            let row = rows.row_data(i).unwrap();
            row.publisher.contains("樂山市")
        });
        assert!(found, "publishers in Traditional");
    }

    #[test]
    fn pages_scrolled_far_past_or_of_an_old_filter_are_not_wanted() {
        let wanted = Wanted::default();
        assert!(wanted.still(0));
        wanted.focus.store(50, Ordering::Relaxed);
        assert!(!wanted.still(0), "scrolled far past page 0");
        assert!(wanted.still(50 - (MAX_PAGES - 1)));
        wanted.latest_generation.store(1, Ordering::Relaxed);
        assert!(!wanted.still(50), "the filter changed");
    }

    #[test]
    fn a_skipped_page_is_asked_for_again_when_it_comes_back_into_view() {
        let source = Deferred::default();
        let rows = CatalogueRows::new(Box::new(source.clone()));
        rows.set_query(CatalogueFilter::default(), Display::default(), 34);
        assert!(!rows.row_data(0).unwrap().loaded);
        let queued: Vec<_> = source.queue.borrow_mut().drain(..).collect();
        for (_, deliver) in queued {
            deliver(None);
        }
        assert_eq!(rows.pages_in_flight(), 0);
        assert!(!rows.row_data(0).unwrap().loaded);
        assert_eq!(source.deliver_all(&bundled()), 1, "asked again");
        assert!(rows.row_data(0).unwrap().loaded);
    }
}
