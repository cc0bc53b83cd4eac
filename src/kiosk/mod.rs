//! The kiosk session: navigation, the visitor's display choices, idle reset, read-aloud, and
//! the screen controllers (`screens`) that load each screen through the view models.
//!
//! Owns the back stack and the session state (large text, high contrast, script, speech); each
//! screen's controller owns what the visitor did on it. Runs on the UI thread only; every store
//! query goes through the [`Worker`] ([`Kiosk::load_screen`], [`Kiosk::query`]), so nothing
//! here blocks on I/O. Must never: run SQL, hold a strong
//! reference to the window in a callback, or keep anything a visitor did past an idle reset.

mod idle;
mod navigation;
pub mod offscreen;
pub mod power;
pub mod printing;
mod screens;
pub mod speech;
pub mod staff;
mod status;
pub mod tty;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use slint::ComponentHandle;

pub use self::speech::Speaker;

pub use self::screens::Place;
use self::screens::Screens;
use crate::config::{Config, Language};
use crate::content::Kind;
use crate::store::StoreError;
use crate::ui::{AppWindow, Nav, Session, Theme};
use crate::usage::{self, Setting};
use crate::view_models::Display;
pub use crate::view_models::worker::Worker;

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
    /// A portal feed is configured: freshness counts from the last successful sync.
    pub syncs: bool,
    /// The systemd timer syncs, not the kiosk (`sync.in_kiosk = false`): the kiosk cannot know
    /// the next check.
    pub synced_by_timer: bool,
    /// The time zone of dates shown and printed, and of the screen schedule
    /// (`display.time_zone`, looked up when the configuration was read).
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
            syncs: config.sync.feed.is_some(),
            synced_by_timer: config.sync.feed.is_some() && !config.sync.in_kiosk,
            zone: config.display.time_zone.zone().clone(),
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

/// The running kiosk session. Lives as long as the window, behind an `Rc`.
pub struct Kiosk {
    app: slint::Weak<AppWindow>,
    worker: Worker,
    options: KioskOptions,
    stack: RefCell<navigation::BackStack>,
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
    /// Every screen's controller.
    screens: Screens,
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
            stack: RefCell::new(navigation::BackStack::default()),
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
            screens: Screens::default(),
        });
        kiosk.connect(app);
        select_language(kiosk.options.language);
        status::refresh(&kiosk);
        for screen in kiosk.screens.all() {
            screen.connect(&kiosk, app);
        }
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
        self.stack.borrow().current().clone()
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

    /// Runs `query` on the store worker, then `apply` on the UI thread with the kiosk and its
    /// window, while both exist. Loads that judge their own freshness (search generations, the
    /// catalogue's filter) use it; screens use [`Kiosk::load_screen`].
    pub fn query<T, Q, A>(self: &Rc<Self>, query: Q, apply: A)
    where
        T: Send + 'static,
        Q: FnOnce(&crate::store::Store) -> T + Send + 'static,
        A: FnOnce(&Rc<Kiosk>, &AppWindow, T) + 'static,
    {
        let weak = Rc::downgrade(self);
        self.worker.run(query, move |result| {
            if let Some(kiosk) = weak.upgrade()
                && let Some(app) = kiosk.app()
            {
                apply(&kiosk, &app, result);
            }
        });
    }

    /// Loads a screen's data with `query` on the worker, then hands it to `apply` on the UI
    /// thread — unless the visitor has moved on meanwhile (the answer is dropped). A failed
    /// query or a missing document (`Ok(None)`) is logged with `what` and shows the
    /// "cannot be opened" notice instead.
    pub fn load_screen<T, Q, A>(self: &Rc<Self>, what: &'static str, query: Q, apply: A)
    where
        T: Send + 'static,
        Q: FnOnce(&crate::store::Store) -> Result<Option<T>, StoreError> + Send + 'static,
        A: FnOnce(&Rc<Kiosk>, &AppWindow, T) + 'static,
    {
        let generation = self.generation();
        self.query(query, move |kiosk, app, result| {
            if kiosk.generation() != generation {
                return; // the visitor has moved on
            }
            match result {
                Ok(Some(data)) => apply(kiosk, app, data),
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
        let opened = self.stack.borrow_mut().open(place.clone());
        match opened {
            navigation::Opened::Pushed => {
                self.visitor_action(usage::Event::ScreenOpened(place.usage_name()))
            }
            navigation::Opened::Home => self.visitor_action(usage::Event::Activity),
            navigation::Opened::Again => {}
        }
        self.show_current();
    }

    /// Replaces the place on top with `place` (a page turn in the viewer: Back still goes to
    /// the document, not through every page read).
    pub fn turn_to(self: &Rc<Self>, place: Place) {
        self.visitor_action(usage::Event::Activity);
        self.stack.borrow_mut().turn_to(place);
        self.show_current();
    }

    /// Reads the freshness line again (after a sync outside the kiosk's own scheduler).
    pub fn refresh_status(self: &Rc<Self>) {
        status::refresh(self);
    }

    /// Whether every screen holds nothing of a visitor (as after an idle reset): each screen
    /// controller's state equals a fresh one's.
    pub fn screens_are_fresh(&self) -> bool {
        self.screens.all().iter().all(|screen| screen.is_fresh())
    }

    /// Every screen's controller.
    pub(crate) fn screens(&self) -> &Screens {
        &self.screens
    }

    /// Puts `query` in the search box and searches, as if typed (tests, screenshots).
    pub fn search_for(self: &Rc<Self>, query: &str) {
        if let Some(app) = self.app() {
            screens::search::set_query(self, &app, query);
        }
    }

    /// Opens one document by id: an annual report opens the report view, a guide section the
    /// guide, anything else the document view.
    pub fn open_document(self: &Rc<Self>, id: &str) {
        // A visitor who went Back, Home or tapped something else meanwhile (or an idle reset)
        // must not have this document pushed on top of where they are now: `load_screen` drops
        // the answer then.
        let query_id = id.to_owned();
        let id = id.to_owned();
        self.load_screen(
            "a linked document",
            move |store| {
                store.document(&query_id).map(|row| {
                    row.map(|row| {
                        let category = row.document.index_fields().category;
                        (row.kind, row.document.kind_name, category)
                    })
                })
            },
            move |kiosk, _, (kind, kind_name, category): (Kind, String, Option<String>)| {
                kiosk.visitor_action(usage::Event::DocumentOpened {
                    id: id.clone(),
                    kind: kind_name,
                    category,
                });
                match kind {
                    Kind::AnnualReport => kiosk.go(Place::Report(id)),
                    Kind::GuideSection => kiosk.go(Place::Guide),
                    _ => kiosk.go(Place::Document(id)),
                }
            },
        );
    }

    /// Back one place (Home stays Home).
    pub fn back(self: &Rc<Self>) {
        self.visitor_action(usage::Event::Activity);
        self.stack.borrow_mut().back();
        self.show_current();
    }

    /// Straight to Home, keeping the session's choices.
    pub fn home(self: &Rc<Self>) {
        self.visitor_action(usage::Event::Activity);
        self.stack.borrow_mut().home();
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
            screens::search::settle(self);
        }
        // Until the screen's data arrives, 朗读 has nothing to read (never the previous page).
        self.set_page_text(String::new());
        let nav = app.global::<Nav>();
        nav.set_can_go_back(self.stack.borrow().can_go_back());
        nav.set_unavailable(false);
        self.screens.of(&place).show(self, &app, &place);
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
        let Some(app) = self.app() else {
            return Ok(());
        };
        // The sync thread queues its events and pokes the window's `Status.sync-news`, whose
        // handler (on the UI thread, holding the kiosk weakly) takes them in order.
        let news = std::sync::Arc::new(std::sync::Mutex::new(std::collections::VecDeque::new()));
        let queued = news.clone();
        app.global::<crate::ui::Status>()
            .on_sync_news(self.callback(move |kiosk, _| {
                let events: Vec<SyncEvent> = match queued.lock() {
                    Ok(mut events) => events.drain(..).collect(),
                    Err(poisoned) => poisoned.into_inner().drain(..).collect(),
                };
                for event in events {
                    // New content is shown as soon as it is committed (attachments come
                    // later); any finished check updates the freshness line; the staff screen
                    // follows each step.
                    match event {
                        SyncEvent::Progress(step) => {
                            if step == Progress::Committed {
                                kiosk.content_changed();
                            }
                            staff::progress(kiosk, step);
                        }
                        SyncEvent::Finished(result) => {
                            status::refresh(kiosk);
                            staff::finished(kiosk, &result);
                        }
                    }
                }
            }));
        let window = app.as_weak();
        let on_event = std::sync::Arc::new(move |event: SyncEvent| {
            if let (SyncEvent::Finished(_), Some(after_check)) = (&event, &after_check) {
                after_check();
            }
            match news.lock() {
                Ok(mut events) => events.push_back(event),
                Err(poisoned) => poisoned.into_inner().push_back(event),
            }
            let posted = window.upgrade_in_event_loop(|app| {
                app.global::<crate::ui::Status>().invoke_sync_news();
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
        status::refresh(self);
        let Some(app) = self.app() else { return };
        for screen in self.screens.all() {
            screen.content_changed(self, &app);
        }
        // Lists reload where they are (filter and scroll kept). A visitor reading (or
        // listening) keeps the page: the next screen they open shows the new content; search
        // results refresh with the next keystroke.
        if self.screens.of(&self.current()).reloads_on_new_content() {
            self.show_current();
        }
    }

    /// Switches content (and Chinese UI strings) between Simplified and Traditional.
    pub fn set_traditional(self: &Rc<Self>, traditional: bool) {
        self.display.set(Display { traditional });
        if let Some(app) = self.app() {
            app.global::<Session>().set_traditional(traditional);
        }
        select_language(navigation::language_for(traditional, self.options.language));
        status::refresh(self);
        if let Some(app) = self.app() {
            for screen in self.screens.all() {
                screen.script_changed(self, &app);
            }
        }
        self.show_current();
    }

    /// Shows 朗读 once `espeak-ng` is found. The check runs on its own thread; offline rendering
    /// (inline worker, no event loop to come back to) checks in place, so an offscreen twin
    /// lays out the same buttons as the kiosk on this machine.
    fn detect_speech(self: &Rc<Self>) {
        if self.worker.is_inline() {
            if let Some(app) = self.app.upgrade() {
                app.global::<Session>()
                    .set_speech_available(Speaker::available());
            }
            return;
        }
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
        self.stack.borrow_mut().home();
        let theme = app.global::<Theme>();
        theme.set_large_text(false);
        theme.set_high_contrast(false);
        for screen in self.screens.all() {
            screen.reset(self, &app);
        }
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
