//! The kiosk session: navigation, the visitor's display choices, idle reset, read-aloud and
//! the wiring of every screen's view model to the window.
//!
//! Owns the back stack and the session state (large text, high contrast, script, speech); the
//! view models own what each screen shows. Runs on the UI thread only; every store query goes
//! through the [`Worker`], so nothing here blocks on I/O. Must never: run SQL, hold a strong
//! reference to the window in a callback, or keep anything a visitor did past an idle reset.

mod idle;
pub mod offscreen;
pub mod power;
pub mod printing;
pub mod speech;
pub mod staff;
pub mod tty;
pub mod worker;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use slint::ComponentHandle;

pub use self::speech::Speaker;

thread_local! {
    /// The kiosk the sync thread reports to (UI thread only).
    static SYNCED_KIOSK: RefCell<std::rc::Weak<Kiosk>> = const { RefCell::new(std::rc::Weak::new()) };
}
pub use self::worker::Worker;
use crate::config::{Config, Language};
use crate::store::StoreError;
use crate::ui::{AppWindow, Nav, Screen, Session, Theme};
use crate::usage::{self, Setting};
use crate::view_models::{self, Display};

/// What the kiosk needs from the configuration.
#[derive(Debug, Clone)]
pub struct KioskOptions {
    /// Shown in the top bar.
    pub agency_name: String,
    /// Where the terminal stands (free text).
    pub location: String,
    /// Where staff can be found (呼叫工作人员), if configured.
    pub staff_desk: Option<String>,
    /// The portal's public address, for QR codes; `None` hides them.
    pub portal_url: Option<String>,
    /// The language of the UI strings when no visitor has changed anything.
    pub language: Language,
    /// Idle time before the countdown on browsing screens.
    pub idle_timeout: Duration,
    /// Idle time before the countdown on reading screens.
    pub reading_idle_timeout: Duration,
    /// How long the countdown lasts.
    pub idle_countdown: Duration,
    /// Content older than this is flagged as possibly out of date.
    pub stale_after: Duration,
    /// IANA time zone for dates shown on screen.
    pub time_zone: String,
    /// A portal feed is configured: freshness counts from the last successful sync.
    pub syncs: bool,
    /// The systemd timer syncs, not the kiosk (`sync.in_kiosk = false`): the kiosk cannot know
    /// the next check.
    pub synced_by_timer: bool,
    /// The time zone of `time_zone`, looked up once (UTC+8 when the system does not know it).
    pub zone: jiff::tz::TimeZone,
    /// When the screen is on (`display.schedule`).
    pub schedule: crate::config::Schedule,
    /// The staff PIN's hash and lockout rule (`[admin]`).
    pub admin: crate::config::AdminConfig,
    /// The data folder, where the staff lockout survives a restart; `None` keeps it in memory.
    pub state_dir: Option<std::path::PathBuf>,
    /// The configuration file the kiosk runs with (`None`: defaults), for 重新载入配置.
    pub config_file: Option<std::path::PathBuf>,
    /// Gathers the terminal's status for the staff screen; `None` leaves the panel empty.
    pub status: Option<crate::fleet::Collector>,
    /// Free printing (`[print]`).
    pub print: crate::config::PrintConfig,
}

impl KioskOptions {
    /// The kiosk's options from a validated configuration.
    pub fn from_config(config: &Config) -> KioskOptions {
        KioskOptions {
            agency_name: config.kiosk.agency_name.clone(),
            location: config.kiosk.location.clone(),
            staff_desk: config.kiosk.staff_desk.clone(),
            portal_url: config.kiosk.portal_url.clone(),
            language: config.kiosk.language,
            idle_timeout: config.display.idle_timeout,
            reading_idle_timeout: config.display.reading_idle_timeout,
            idle_countdown: config.display.idle_countdown,
            stale_after: config.display.stale_after,
            time_zone: config.display.time_zone.clone(),
            syncs: config.sync.feed.is_some(),
            synced_by_timer: config.sync.feed.is_some() && !config.sync.in_kiosk,
            zone: jiff::tz::TimeZone::get(&config.display.time_zone)
                .unwrap_or_else(|_| jiff::tz::TimeZone::fixed(jiff::tz::offset(8))),
            schedule: config.display.schedule.clone(),
            admin: config.admin.clone(),
            state_dir: None,
            config_file: None,
            status: None,
            print: config.print.clone(),
        }
    }
}

impl Default for KioskOptions {
    fn default() -> Self {
        KioskOptions::from_config(&Config::default())
    }
}

/// A place in the back stack: a screen and, for single documents, which one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Home,
    Guide,
    Catalogue,
    Document(String),
    Reports,
    Report(String),
    Apply,
    Search,
    /// An attachment's page in the viewer.
    Viewer(view_models::viewer::Reading),
}

impl Place {
    fn screen(&self) -> Screen {
        match self {
            Place::Home => Screen::Home,
            Place::Guide => Screen::Guide,
            Place::Catalogue => Screen::Catalogue,
            Place::Document(_) => Screen::Document,
            Place::Reports => Screen::Reports,
            Place::Report(_) => Screen::Report,
            Place::Apply => Screen::Apply,
            Place::Search => Screen::Search,
            Place::Viewer(_) => Screen::Viewer,
        }
    }

    fn from_screen(screen: Screen) -> Option<Place> {
        Some(match screen {
            Screen::Home => Place::Home,
            Screen::Guide => Place::Guide,
            Screen::Catalogue => Place::Catalogue,
            Screen::Reports => Place::Reports,
            Screen::Apply => Place::Apply,
            Screen::Search => Place::Search,
            Screen::Document | Screen::Report | Screen::Viewer => return None,
        })
    }

    /// The screen's name in the usage statistics.
    fn usage_name(&self) -> &'static str {
        match self {
            Place::Home => "home",
            Place::Guide => "guide",
            Place::Catalogue => "catalogue",
            Place::Document(_) => "document",
            Place::Reports => "reports",
            Place::Report(_) => "report",
            Place::Apply => "apply",
            Place::Search => "search",
            Place::Viewer(_) => "viewer",
        }
    }

    /// Reading screens get the longer idle timeout.
    fn is_reading(&self) -> bool {
        matches!(
            self,
            Place::Guide | Place::Document(_) | Place::Report(_) | Place::Apply | Place::Viewer(_)
        )
    }
}

/// The running kiosk session. Lives as long as the window, behind an `Rc`.
pub struct Kiosk {
    app: slint::Weak<AppWindow>,
    worker: Worker,
    options: KioskOptions,
    stack: RefCell<Vec<Place>>,
    display: Cell<Display>,
    /// The current page as plain text, for read-aloud.
    page_text: RefCell<String>,
    speaker: Speaker,
    /// Notices when the voice finishes reading on its own.
    speech_poll: slint::Timer,
    idle: idle::IdleTimer,
    /// Bumped on every navigation: a screen's data that arrives for an older one is dropped.
    generation: Cell<u64>,
    /// The PIN pad and the staff screen.
    staff: staff::StaffState,
    /// The display schedule's black screen.
    power: power::PowerState,
    /// Anonymous usage statistics (disabled unless [`Kiosk::set_usage`] is called).
    usage: RefCell<usage::Recorder>,
    /// The print thread and dialog; `None` when it could not start.
    print: Option<printing::PrintDesk>,
    /// Decoded attachment pages.
    viewer: view_models::viewer::Viewer,
}

impl Kiosk {
    /// Wires the window to the session and shows Home. Keep the returned `Rc` alive as long
    /// as the window runs.
    pub fn start(app: &AppWindow, worker: Worker, options: KioskOptions) -> Rc<Kiosk> {
        let today = jiff::Timestamp::now().to_zoned(options.zone.clone()).date();
        let service = std::sync::Arc::new(crate::print::PrintService::new(
            options.print.clone(),
            today,
            0,
        ));
        let desk = if worker.is_inline() {
            printing::PrintDesk::inline(service)
        } else {
            printing::PrintDesk::spawn(service)
        };
        let print = match desk {
            Ok(desk) => Some(desk),
            Err(err) => {
                tracing::error!(%err, "the print thread cannot start; printing is off");
                None
            }
        };
        let kiosk = Rc::new(Kiosk {
            app: app.as_weak(),
            worker,
            options,
            stack: RefCell::new(vec![Place::Home]),
            display: Cell::new(Display::default()),
            page_text: RefCell::new(String::new()),
            speaker: Speaker::default(),
            speech_poll: slint::Timer::default(),
            idle: idle::IdleTimer::default(),
            generation: Cell::new(0),
            staff: staff::StaffState::default(),
            power: power::PowerState::default(),
            usage: RefCell::new(usage::Recorder::disabled()),
            print,
            viewer: view_models::viewer::Viewer::default(),
        });
        kiosk.connect(app);
        select_language(kiosk.options.language);
        view_models::status::refresh(&kiosk);
        view_models::guide::connect(&kiosk, app);
        view_models::catalogue::connect(&kiosk, app);
        view_models::document::connect(&kiosk, app);
        view_models::reports::connect(&kiosk, app);
        view_models::report::connect(&kiosk, app);
        view_models::apply::connect(&kiosk, app);
        view_models::search::connect(&kiosk, app);
        view_models::viewer::connect(&kiosk, app);
        staff::connect(&kiosk, app);
        printing::connect(&kiosk, app);
        kiosk.restore_print_count(today);
        kiosk.detect_speech();
        kiosk.show_current();
        power::connect(&kiosk, app);
        kiosk.verify_cache_in_background();
        kiosk
    }

    /// A stale search index is rebuilt ([`crate::store::Store::reindex_if_stale`]), then the
    /// full integrity check of a large cache (the open-time check only probes a large file)
    /// runs, on their own thread and connection once the first screen is up, so visitors'
    /// queries never queue behind it. A failure is logged with the fix; the kiosk keeps showing
    /// what it can. Offline rendering (inline worker) skips it.
    fn verify_cache_in_background(&self) {
        if self.worker.is_inline() {
            return;
        }
        self.worker.run(
            |store| store.path().to_owned(),
            |path| {
                let spawned = std::thread::Builder::new()
                    .name("cache-check".into())
                    .spawn(move || {
                        // A search index from another build's token layout is rebuilt
                        // here, after the first screen (searches scan until it commits).
                        let result = crate::store::Store::open(&path).and_then(|mut store| {
                            let started = std::time::Instant::now();
                            let indexed = store.reindex_if_stale()?;
                            if indexed > 0 {
                                tracing::info!(
                                    documents = indexed,
                                    elapsed = ?started.elapsed(),
                                    "search index rebuilt in the background"
                                );
                            }
                            store.verify_integrity()
                        });
                        if let Some(err) = result.as_ref().err().filter(|e| {
                            e.is_busy() || matches!(e, crate::store::StoreError::Unavailable { .. })
                        }) {
                            // Busy (a sync is applying) is not damage: checked at the next start.
                            tracing::warn!(%err, "the cache check was skipped");
                        } else if let Err(err) = result {
                            tracing::error!(
                                %err,
                                "the cache failed its integrity check — fix: stop the kiosk and \
                                 delete the cache file; it is rebuilt from the bundled content \
                                 and the next sync"
                            );
                        }
                    });
                if let Err(err) = spawned {
                    tracing::warn!(%err, "could not start the cache check");
                }
            },
        );
    }

    fn connect(self: &Rc<Self>, app: &AppWindow) {
        let nav = app.global::<Nav>();
        nav.on_open(self.callback_with(|kiosk, _, screen| {
            if let Some(place) = Place::from_screen(screen) {
                kiosk.go(place);
            }
        }));
        nav.on_open_document(
            self.callback_with(|kiosk, _, id: slint::SharedString| kiosk.open_document(&id)),
        );
        nav.on_back(self.callback(|kiosk, _| kiosk.back()));
        nav.on_home(self.callback(|kiosk, _| kiosk.home()));

        let session = app.global::<Session>();
        session.on_toggle_large_text(self.callback(|kiosk, app| {
            let theme = app.global::<Theme>();
            theme.set_large_text(!theme.get_large_text());
            kiosk.record_toggle(Setting::LargeText, theme.get_large_text());
        }));
        session.on_toggle_high_contrast(self.callback(|kiosk, app| {
            let theme = app.global::<Theme>();
            theme.set_high_contrast(!theme.get_high_contrast());
            kiosk.record_toggle(Setting::HighContrast, theme.get_high_contrast());
        }));
        session.on_toggle_script(self.callback(|kiosk, _| {
            let traditional = !kiosk.display().traditional;
            kiosk.set_traditional(traditional);
            kiosk.record_toggle(Setting::Traditional, traditional);
        }));
        session.on_toggle_speech(self.callback(|kiosk, _| kiosk.toggle_speech()));
        session.on_activity(self.callback(|kiosk, _| kiosk.activity()));
        idle::connect(self, app);
    }

    /// The window, while it exists.
    pub fn app(&self) -> Option<AppWindow> {
        self.app.upgrade()
    }

    /// The store worker.
    pub fn worker(&self) -> &Worker {
        &self.worker
    }

    /// The print thread and dialog, when printing could start.
    pub fn print_desk(&self) -> Option<&printing::PrintDesk> {
        self.print.as_ref()
    }

    /// Today's printed pages from the statistics, so a restart keeps the daily cap.
    fn restore_print_count(&self, today: jiff::civil::Date) {
        let Some(desk) = self.print_desk() else {
            return;
        };
        if !desk.service().config().enabled {
            return;
        }
        let service = desk.service().clone();
        self.worker.run(
            move |store| store.usage_day(today).map(|day| day.print_pages),
            move |pages| match pages {
                Ok(pages) => service.restore_count(today, u32::try_from(pages).unwrap_or(u32::MAX)),
                Err(err) => tracing::warn!(%err, "today's print count is unknown; counting from 0"),
            },
        );
    }

    /// The kiosk's configuration.
    pub fn options(&self) -> &KioskOptions {
        &self.options
    }

    /// Counts what visitors do from now on with `recorder` (see `crate::usage`).
    pub fn set_usage(&self, recorder: usage::Recorder) {
        *self.usage.borrow_mut() = recorder;
    }

    /// The usage recorder in use (a clone: flushing before a restart).
    pub fn usage_recorder(&self) -> usage::Recorder {
        self.usage.borrow().clone()
    }

    /// Counts a visitor's action in the usage statistics (never blocks, never fails).
    pub fn record(&self, event: usage::Event) {
        self.usage.borrow().record(event);
    }

    /// A visitor did something: the session is no longer pristine (the idle reset will clear
    /// it, even on Home) and the action is counted.
    fn visitor_action(&self, event: usage::Event) {
        self.idle.mark_dirty();
        self.record(event);
    }

    fn record_toggle(&self, setting: Setting, on: bool) {
        self.visitor_action(usage::Event::Toggle { setting, on });
    }

    /// How content text is shown to the current visitor.
    pub fn display(&self) -> Display {
        self.display.get()
    }

    /// The place on display.
    pub fn current(&self) -> Place {
        self.stack.borrow().last().cloned().unwrap_or(Place::Home)
    }

    /// The navigation generation: compare it before applying a screen's late data.
    pub fn generation(&self) -> u64 {
        self.generation.get()
    }

    /// A Slint callback that runs `f` with the kiosk and its window while both exist. It holds
    /// only a weak reference, so the window's callbacks never keep the kiosk alive.
    pub fn callback(
        self: &Rc<Self>,
        f: impl Fn(&Rc<Kiosk>, &AppWindow) + 'static,
    ) -> impl Fn() + 'static {
        let weak = Rc::downgrade(self);
        move || {
            if let Some(kiosk) = weak.upgrade()
                && let Some(app) = kiosk.app()
            {
                f(&kiosk, &app);
            }
        }
    }

    /// [`Kiosk::callback`] for a callback with one argument.
    pub fn callback_with<T>(
        self: &Rc<Self>,
        f: impl Fn(&Rc<Kiosk>, &AppWindow, T) + 'static,
    ) -> impl Fn(T) + 'static {
        let weak = Rc::downgrade(self);
        move |arg| {
            if let Some(kiosk) = weak.upgrade()
                && let Some(app) = kiosk.app()
            {
                f(&kiosk, &app, arg);
            }
        }
    }

    /// Loads a screen's data with `query` on the worker, then hands it to `apply` on the UI
    /// thread — unless the visitor has moved on meanwhile (the answer is dropped). A failed
    /// query or a missing document (`Ok(None)`) is logged with `what` and shows the
    /// "cannot be opened" notice instead.
    pub fn load_screen<T, Q, A>(self: &Rc<Self>, what: &'static str, query: Q, apply: A)
    where
        T: Send + 'static,
        Q: FnOnce(&crate::store::Store) -> Result<Option<T>, StoreError> + Send + 'static,
        A: FnOnce(&Kiosk, &AppWindow, T) + 'static,
    {
        let generation = self.generation();
        let weak = Rc::downgrade(self);
        self.worker.run(query, move |result| {
            let Some(kiosk) = weak.upgrade() else { return };
            if kiosk.generation() != generation {
                return; // the visitor has moved on
            }
            let Some(app) = kiosk.app() else { return };
            match result {
                Ok(Some(data)) => apply(&kiosk, &app, data),
                Ok(None) => {
                    tracing::warn!(what, "not in the cache");
                    kiosk.notice_unavailable();
                }
                Err(err) => {
                    tracing::error!(what, %err, "loading failed");
                    kiosk.notice_unavailable();
                }
            }
        });
    }

    /// Sets the text that 朗读 reads for the page on display.
    pub fn set_page_text(&self, text: String) {
        *self.page_text.borrow_mut() = text;
    }

    /// What 朗读 would read now.
    pub fn page_text(&self) -> String {
        self.page_text.borrow().clone()
    }

    /// Opens `place` on top of the current one.
    pub fn go(self: &Rc<Self>, place: Place) {
        if place == Place::Home {
            self.home();
            return;
        }
        {
            let mut stack = self.stack.borrow_mut();
            if stack.last() == Some(&place) {
                drop(stack);
                self.show_current();
                return;
            }
            stack.push(place.clone());
        }
        self.visitor_action(usage::Event::ScreenOpened(place.usage_name()));
        self.show_current();
    }

    /// Replaces the place on top with `place` (a page turn in the viewer: Back still goes to
    /// the document, not through every page read).
    pub fn turn_to(self: &Rc<Self>, place: Place) {
        self.visitor_action(usage::Event::Activity);
        if let Some(top) = self.stack.borrow_mut().last_mut() {
            *top = place;
        }
        self.show_current();
    }

    /// The viewer's decoded pages.
    pub fn viewer(&self) -> &view_models::viewer::Viewer {
        &self.viewer
    }

    /// Opens one document by id: an annual report opens the report view, a guide section the
    /// guide, anything else the document view.
    pub fn open_document(self: &Rc<Self>, id: &str) {
        let id = id.to_owned();
        let weak = Rc::downgrade(self);
        // A visitor who went Back, Home or tapped something else meanwhile (or an idle reset)
        // must not have this document pushed on top of where they are now.
        let generation = self.generation();
        self.worker.run(
            {
                let id = id.clone();
                move |store| {
                    store.document(&id).map(|row| {
                        row.map(|row| {
                            let category = crate::content::Document::from_value(row.json)
                                .ok()
                                .and_then(|document| document.index_fields().category);
                            (row.kind, category)
                        })
                    })
                }
            },
            move |found: Result<Option<(String, Option<String>)>, StoreError>| {
                let Some(kiosk) = weak.upgrade() else { return };
                if kiosk.generation() != generation {
                    return;
                }
                if let Ok(Some((kind, category))) = &found {
                    kiosk.visitor_action(usage::Event::DocumentOpened {
                        id: id.clone(),
                        kind: kind.clone(),
                        category: category.clone(),
                    });
                }
                let kind = found.map(|found| found.map(|(kind, _)| kind));
                match kind {
                    Ok(Some(kind)) if kind == "annual_report" => kiosk.go(Place::Report(id)),
                    Ok(Some(kind)) if kind == "guide_section" => kiosk.go(Place::Guide),
                    Ok(Some(_)) => kiosk.go(Place::Document(id)),
                    Ok(None) => {
                        tracing::warn!(?id, "a link points to a document that is not in the cache");
                        kiosk.notice_unavailable();
                    }
                    Err(err) => {
                        tracing::error!(?id, %err, "opening a document failed");
                        kiosk.notice_unavailable();
                    }
                }
            },
        );
    }

    /// Back one place (Home stays Home).
    pub fn back(self: &Rc<Self>) {
        self.visitor_action(usage::Event::Activity);
        {
            let mut stack = self.stack.borrow_mut();
            if stack.len() > 1 {
                stack.pop();
            }
        }
        self.show_current();
    }

    /// Straight to Home, keeping the session's choices.
    pub fn home(self: &Rc<Self>) {
        self.visitor_action(usage::Event::Activity);
        self.stack.borrow_mut().truncate(1);
        self.show_current();
    }

    /// Loads and shows the place on top of the stack.
    fn show_current(self: &Rc<Self>) {
        let Some(app) = self.app() else { return };
        self.generation.set(self.generation.get().wrapping_add(1));
        self.stop_speech();
        self.close_print_dialog();
        let place = self.current();
        tracing::info!(?place, "screen shown");
        if place != Place::Search {
            // Leaving the search screen settles its query (counted once).
            view_models::search::settle(self);
        }
        // Until the screen's data arrives, 朗读 has nothing to read (never the previous page).
        self.set_page_text(String::new());
        let nav = app.global::<Nav>();
        nav.set_can_go_back(self.stack.borrow().len() > 1);
        nav.set_unavailable(false);
        match &place {
            Place::Home => self.set_page_text(home_page_text()),
            Place::Guide => view_models::guide::show(self, &app),
            Place::Catalogue => view_models::catalogue::show(self, &app),
            Place::Document(id) => view_models::document::show(self, &app, id),
            Place::Reports => view_models::reports::show(self, &app),
            Place::Report(id) => view_models::report::show(self, &app, id),
            Place::Apply => view_models::apply::show(self, &app),
            Place::Search => view_models::search::show(self, &app),
            Place::Viewer(reading) => view_models::viewer::show(self, &app, reading),
        }
        nav.set_screen(place.screen());
        self.restart_idle();
    }

    /// Tells the visitor that something could not be opened (a designed message, never blank).
    pub fn notice_unavailable(&self) {
        if let Some(app) = self.app() {
            app.global::<Nav>().set_unavailable(true);
        }
    }

    /// Starts the unattended sync on its own thread (see `crate::sync::schedule`). When it
    /// commits new content the freshness line updates and list screens reload where they are;
    /// a document or report being read stays as it is until the visitor leaves it.
    /// `after_check` (the heartbeat's notify) is called on the sync thread after every check.
    pub fn start_sync(
        self: &Rc<Self>,
        settings: crate::sync::SyncSettings,
        cache_path: std::path::PathBuf,
        interval: Duration,
        after_check: Option<std::sync::Arc<dyn Fn() + Send + Sync>>,
    ) -> std::io::Result<()> {
        self.start_sync_in(
            settings,
            cache_path,
            interval,
            crate::sync::schedule::Mode::Scheduled,
            after_check,
        )
    }

    /// [`Kiosk::start_sync`] in `mode`: `WatchOnly` when the systemd timer syncs
    /// (`sync.in_kiosk = false`) and the kiosk only shows what it commits.
    pub fn start_sync_in(
        self: &Rc<Self>,
        settings: crate::sync::SyncSettings,
        cache_path: std::path::PathBuf,
        interval: Duration,
        mode: crate::sync::schedule::Mode,
        after_check: Option<std::sync::Arc<dyn Fn() + Send + Sync>>,
    ) -> std::io::Result<()> {
        use crate::sync::{Progress, schedule::SyncEvent};
        SYNCED_KIOSK.with(|k| *k.borrow_mut() = Rc::downgrade(self));
        let on_event = std::sync::Arc::new(move |event: SyncEvent| {
            if let (SyncEvent::Finished(_), Some(after_check)) = (&event, &after_check) {
                after_check();
            }
            // New content is shown as soon as it is committed (attachments come later); any
            // finished check updates the freshness line; the staff screen follows each step.
            let posted = slint::invoke_from_event_loop(move || {
                let Some(kiosk) = SYNCED_KIOSK.with(|k| k.borrow().upgrade()) else {
                    return;
                };
                match event {
                    SyncEvent::Progress(step) => {
                        if step == Progress::Committed {
                            kiosk.content_changed();
                        }
                        staff::progress(&kiosk, step);
                    }
                    SyncEvent::Finished(result) => {
                        view_models::status::refresh(&kiosk);
                        staff::finished(&kiosk, &result);
                    }
                }
            });
            if let Err(err) = posted {
                tracing::warn!(%err, "the UI is gone; a sync result was not shown");
            }
        });
        let handle =
            crate::sync::schedule::spawn_with_mode(settings, cache_path, interval, mode, on_event)?;
        staff::set_sync(self, handle);
        Ok(())
    }

    /// What 重新载入配置 runs once the new configuration checked out (the kiosk binary
    /// replaces itself; see `commands::run_kiosk`).
    pub fn set_restart_hook(&self, hook: staff::RestartHook) {
        staff::set_restart(self, hook);
    }

    /// Shows the staff screen without asking for the PIN: for offscreen rendering only
    /// (`readpoint screenshot --screen staff`); nothing on the kiosk's screen leads here.
    pub fn show_staff_screen(self: &Rc<Self>) {
        staff::open_screen(self);
    }

    /// The exit code staff chose with 退出信息查阅点, if they did.
    pub fn exit_code(&self) -> Option<u8> {
        staff::exit_code(self)
    }

    /// Reads the time for the display schedule from `clock` (tests; the default is the
    /// system clock) and applies the schedule at once.
    pub fn set_clock(self: &Rc<Self>, clock: power::Clock) {
        power::set_clock(self, clock);
    }

    /// The sync committed new content: refresh what is on screen without taking it away.
    pub fn content_changed(self: &Rc<Self>) {
        view_models::status::refresh(self);
        view_models::catalogue::script_changed(self);
        match self.current() {
            // Lists reload where they are (filter and scroll kept).
            Place::Catalogue | Place::Reports => self.show_current(),
            // The visitor is reading (or listening): never yank the page away; the next screen
            // they open shows the new content. Search results refresh with the next keystroke.
            Place::Home
            | Place::Guide
            | Place::Document(_)
            | Place::Report(_)
            | Place::Apply
            | Place::Search
            | Place::Viewer(_) => {}
        }
    }

    /// Switches content (and Chinese UI strings) between Simplified and Traditional.
    pub fn set_traditional(self: &Rc<Self>, traditional: bool) {
        self.display.set(Display { traditional });
        if let Some(app) = self.app() {
            app.global::<Session>().set_traditional(traditional);
        }
        let language = match (traditional, self.options.language) {
            (true, Language::ZhHans) => Language::ZhHant,
            (false, language) => language,
            (true, language) => language,
        };
        select_language(language);
        view_models::status::refresh(self);
        view_models::catalogue::script_changed(self);
        if matches!(self.current(), Place::Report(_)) {
            view_models::report::script_changed();
        }
        self.show_current();
    }

    fn detect_speech(self: &Rc<Self>) {
        let app = self.app.clone();
        let spawned = std::thread::Builder::new()
            .name("speech-check".into())
            .spawn(move || {
                let available = Speaker::available();
                let _ = app.upgrade_in_event_loop(move |app| {
                    app.global::<Session>().set_speech_available(available);
                });
            });
        if let Err(err) = spawned {
            tracing::warn!(%err, "could not check for espeak-ng; read-aloud stays hidden");
        }
    }

    fn toggle_speech(self: &Rc<Self>) {
        let Some(app) = self.app() else { return };
        let session = app.global::<Session>();
        if self.speaker.is_speaking() {
            self.stop_speech();
            self.record_toggle(Setting::Speech, false);
            return;
        }
        let text = self.page_text.borrow().clone();
        if text.is_empty() {
            return;
        }
        match self.speaker.speak(&text) {
            Ok(()) => {
                session.set_speaking(true);
                self.record_toggle(Setting::Speech, true);
                let weak = Rc::downgrade(self);
                self.speech_poll.start(
                    slint::TimerMode::Repeated,
                    Duration::from_millis(500),
                    move || {
                        if let Some(kiosk) = weak.upgrade()
                            && !kiosk.speaker.is_speaking()
                        {
                            kiosk.stop_speech();
                        }
                    },
                );
            }
            Err(err) => {
                tracing::warn!(%err, "read-aloud failed to start");
                session.set_speaking(false);
            }
        }
    }

    /// Stops reading aloud and shows 朗读 again.
    fn stop_speech(&self) {
        self.speech_poll.stop();
        self.speaker.stop();
        if let Some(app) = self.app() {
            app.global::<Session>().set_speaking(false);
        }
    }

    /// Any touch: restarts the idle timer.
    pub fn activity(self: &Rc<Self>) {
        power::touched(self);
        if staff::is_open(self) {
            // Staff are at the kiosk: their own minute restarts, the visitor's timer waits.
            staff::keep_open(self);
            return;
        }
        self.visitor_action(usage::Event::Activity);
        self.restart_idle();
    }

    fn restart_idle(self: &Rc<Self>) {
        let timeout = if self.current().is_reading() {
            self.options.reading_idle_timeout
        } else {
            self.options.idle_timeout
        };
        idle::restart(self, timeout);
    }

    /// Shows the idle countdown now, as if the visitor had left (for screenshots and tests).
    pub fn show_idle_countdown(self: &Rc<Self>) {
        self.idle.mark_dirty();
        idle::begin_countdown(self);
    }

    /// Idle reset: back to Home with everything the visitor did cleared (search text, scroll
    /// positions, open documents, text size, contrast, script and speech).
    pub fn reset_session(self: &Rc<Self>) {
        let Some(app) = self.app() else { return };
        self.stop_speech();
        self.close_print_dialog();
        self.stack.borrow_mut().truncate(1);
        let theme = app.global::<Theme>();
        theme.set_large_text(false);
        theme.set_high_contrast(false);
        view_models::guide::reset(&app);
        view_models::catalogue::reset(self, &app);
        view_models::document::reset(&app);
        view_models::reports::reset(&app);
        view_models::report::reset(&app);
        view_models::apply::reset(&app);
        view_models::search::reset(self, &app);
        view_models::viewer::reset(self, &app);
        if self.display().traditional {
            self.set_traditional(false);
        } else {
            self.show_current();
        }
        self.idle.mark_clean();
        // After the search screen's reset settled its query: the visitor's session is over.
        self.record(usage::Event::SessionEnded);
    }
}

/// What 朗读 reads on Home.
fn home_page_text() -> String {
    "欢迎使用政府信息查阅点。请点击：公开指南、公开目录、年度报告、依申请公开，或者搜索。"
        .to_owned()
}

/// Selects the bundled UI translation for `language` (zh-Hans is the source text).
fn select_language(language: Language) {
    let tag = match language {
        Language::ZhHans => "",
        Language::ZhHant => "zh-Hant",
        Language::En => "en",
    };
    if let Err(err) = slint::select_bundled_translation(tag) {
        tracing::warn!(%err, language = language.tag(), "UI translation not available");
    }
}

/// Makes freed memory go back to the system as it does at start, for as long as the kiosk
/// runs. glibc raises its mmap threshold to the size of the largest block freed so far — after
/// a staff PIN check, argon2's 19 MiB — and its trim threshold to twice that, so from then on
/// blocks of up to 19 MiB come from the heap and up to 38 MiB of freed heap stays resident:
/// `bench soak` saw the kiosk's memory jump by 15 MiB at the first staff login and never come
/// back. Setting the threshold (to glibc's default, 128 KiB) switches that adjustment off.
/// Call once at start, before the threads.
pub fn keep_returning_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes glibc allocator parameters; it takes plain integers and
        // touches no memory of ours.
        let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024) };
        if set != 1 {
            tracing::warn!(
                "could not fix the allocator's mmap threshold; memory may grow after staff log in"
            );
        }
    }
}

/// Checks, off the UI thread, that fontconfig knows a Chinese font; logs an error with the fix
/// when it does not (a missing CJK font draws Chinese text as nothing at all).
pub fn check_cjk_font_in_background() {
    let spawned = std::thread::Builder::new()
        .name("font-check".into())
        .spawn(|| {
            match std::process::Command::new("fc-list")
                .args([":lang=zh", "family"])
                .output()
            {
                Ok(output) if output.status.success() && !output.stdout.trim_ascii().is_empty() => {
                }
                Ok(_) => tracing::error!(
                    "no Chinese font is installed: Chinese text will be invisible — fix: \
                 apt-get install fonts-noto-cjk"
                ),
                Err(err) => {
                    tracing::warn!(%err, "could not run fc-list to check for a Chinese font")
                }
            }
        });
    if let Err(err) = spawned {
        tracing::warn!(%err, "could not start the font check");
    }
}
