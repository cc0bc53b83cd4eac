//! Offscreen rendering of kiosk screens to PNG with Slint's software renderer: no display, no
//! event loop (`readpoint screenshot` and the screenshot tests).
//!
//! Installs a headless Slint platform on first use. Slint's platform is per thread: the thread
//! that renders offscreen cannot also run a real window or the testing backend (other threads
//! can). Data is loaded with an inline [`Worker`], so a screen is complete when it is rendered.
//! Timers and animations run on the real clock, or on a [`MockTime`] the caller moves.

use std::cell::{Cell, OnceCell};
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PhysicalSize, PlatformError, Rgba8Pixel, SharedPixelBuffer};

use super::{Kiosk, KioskOptions, Place, Worker};
use crate::store::{CatalogueFilter, Store};
use crate::ui::{AppWindow, Theme};

/// The screens `readpoint screenshot` can render (its `--screen` values: clap reads the
/// variants' names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScreenName {
    Home,
    Guide,
    Catalogue,
    Document,
    Reports,
    Report,
    Apply,
    Search,
    Idle,
    /// The staff PIN pad (as after holding the agency emblem for 5 s).
    Pin,
    /// The staff screen's status panel (rendered without a PIN: offscreen only).
    Staff,
    /// The black screen outside the display schedule's hours.
    Asleep,
    /// The document screen with the print dialog open (page count; printing shown as on).
    Print,
    /// The staff screen's printer panel (the configured printer's state and jobs).
    StaffPrinter,
    /// The attachment viewer: the first attachment of `--document`, at `--page`, with
    /// `--query` marked on the page.
    Viewer,
    /// Editing the 申请表's description after the search `--query` found nothing, with "zheng"
    /// typed on the on-screen keyboard (printing shown as on).
    ApplicationEditor,
}

/// What to render.
#[derive(Debug, Clone)]
pub struct Shot {
    pub screen: ScreenName,
    pub size: (u32, u32),
    pub large_text: bool,
    pub high_contrast: bool,
    pub traditional: bool,
    /// The document or report to show [default: the newest].
    pub document: Option<String>,
    /// The search text (on `viewer`: the text marked on the page).
    pub query: Option<String>,
    /// The attachment page on `viewer` (1 = the first).
    pub page: u32,
}

impl Shot {
    /// A plain shot of `screen` at 1920×1080.
    pub fn new(screen: ScreenName) -> Shot {
        Shot {
            screen,
            size: (1920, 1080),
            large_text: false,
            high_contrast: false,
            traditional: false,
            document: None,
            query: None,
            page: 1,
        }
    }
}

/// A clock for Slint's timers and animations on the offscreen platform that only moves when
/// told to (`bench soak` runs a simulated day on it). Cheap to clone; clones share the time.
#[derive(Debug, Clone, Default)]
pub struct MockTime(Rc<Cell<Duration>>);

impl MockTime {
    /// Time since the platform started, by this clock.
    pub fn elapsed(&self) -> Duration {
        self.0.get()
    }

    /// Moves the clock forward by `by`. Timers fire at the next
    /// `slint::platform::update_timers_and_animations` (a repeated timer at most once per call).
    pub fn advance(&self, by: Duration) {
        self.0.set(self.0.get().saturating_add(by));
    }
}

struct Headless {
    window: Rc<MinimalSoftwareWindow>,
    /// `None`: the real monotonic clock.
    time: Option<MockTime>,
}

impl Platform for Headless {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }

    fn duration_since_start(&self) -> Duration {
        match &self.time {
            Some(time) => time.elapsed(),
            None => START.with(|start| start.elapsed()),
        }
    }
}

thread_local! {
    static WINDOW: OnceCell<(Rc<MinimalSoftwareWindow>, bool)> = const { OnceCell::new() };
    static START: std::time::Instant = std::time::Instant::now();
}

/// The headless window, installing the platform on first use: on the real clock, or on `time`.
/// A thread whose platform is already installed on the other kind of clock gets an error.
fn headless_window(time: Option<MockTime>) -> Result<Rc<MinimalSoftwareWindow>, String> {
    WINDOW.with(|cell| {
        let mocked = time.is_some();
        if let Some((window, installed_mocked)) = cell.get() {
            if *installed_mocked != mocked || mocked {
                return Err(
                    "the offscreen platform of this thread is already installed (mock time is \
                     set once per thread, before any window)"
                        .to_owned(),
                );
            }
            return Ok(window.clone());
        }
        START.with(|_| ());
        let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        slint::platform::set_platform(Box::new(Headless {
            window: window.clone(),
            time,
        }))
        .map_err(|err| format!("the offscreen renderer could not start: {err}"))?;
        let _ = cell.set((window.clone(), mocked));
        Ok(window)
    })
}

/// Renders one screen of a kiosk on `store` and returns its pixels.
pub fn render(
    shot: &Shot,
    store: Store,
    mut options: KioskOptions,
) -> Result<SharedPixelBuffer<Rgba8Pixel>, String> {
    let window = headless_window(None)?;
    if matches!(
        shot.screen,
        ScreenName::Print | ScreenName::ApplicationEditor
    ) {
        // The dialog as a visitor sees it where printing is on (the count needs no printer).
        options.print.enabled = true;
    }
    window.set_size(PhysicalSize::new(shot.size.0, shot.size.1));
    let default_document = default_document(&store, shot.screen)?;
    let app = AppWindow::new().map_err(|err| format!("creating the window failed: {err}"))?;
    let kiosk = Kiosk::start(&app, Worker::inline(store), options);
    if shot.screen == ScreenName::Pin {
        // Opening the pad ends the visitor's session: before the variant's settings.
        app.global::<crate::ui::Staff>().invoke_emblem_held();
    }
    let theme = app.global::<Theme>();
    theme.set_large_text(shot.large_text);
    theme.set_high_contrast(shot.high_contrast);
    if shot.traditional {
        kiosk.set_traditional(true);
    }
    let document = shot.document.clone().or(default_document);
    match shot.screen {
        ScreenName::Home => {}
        ScreenName::Guide => kiosk.go(Place::Guide),
        ScreenName::Catalogue => kiosk.go(Place::Catalogue),
        ScreenName::Reports => kiosk.go(Place::Reports),
        ScreenName::Apply => kiosk.go(Place::Apply),
        ScreenName::Print => match document {
            Some(id) => {
                kiosk.open_document(&id);
                app.global::<crate::ui::Printing>().invoke_open();
            }
            None => return Err("there is no document to show in the cache".into()),
        },
        ScreenName::Document | ScreenName::Report => match document {
            Some(id) => kiosk.open_document(&id),
            None => return Err("there is no document to show in the cache".into()),
        },
        ScreenName::Search => {
            kiosk.go(Place::Search);
            if let Some(query) = &shot.query {
                kiosk.search_for(query);
            }
        }
        ScreenName::Idle => {
            kiosk.go(Place::Catalogue);
            kiosk.show_idle_countdown();
        }
        ScreenName::Pin => {}
        ScreenName::Staff => kiosk.show_staff_screen(),
        ScreenName::StaffPrinter => {
            kiosk.show_staff_screen();
            app.global::<crate::ui::StaffAdapter>().invoke_show_panel(3);
        }
        ScreenName::Asleep => app.global::<crate::ui::Power>().set_asleep(true),
        ScreenName::ApplicationEditor => {
            kiosk.go(Place::Search);
            let query = shot.query.as_deref().unwrap_or("菜市场改造补贴");
            kiosk.search_for(query);
            let printing = app.global::<crate::ui::Printing>();
            printing.invoke_open_application();
            printing.invoke_edit();
            for key in ["z", "h", "e", "n", "g"] {
                printing.invoke_edit_key(key.into());
            }
        }
        ScreenName::Viewer => match document {
            Some(document) => kiosk.go(Place::Viewer(crate::view_models::viewer::Reading {
                document,
                attachment: 0,
                page: shot.page,
                find: shot.query.clone(),
            })),
            None => return Err("there is no document to show in the cache".into()),
        },
    }
    app.show()
        .map_err(|err| format!("showing the window failed: {err}"))?;
    // Let bindings, layouts and images settle, then draw.
    slint::platform::update_timers_and_animations();
    let pixels = window
        .take_snapshot()
        .map_err(|err| format!("rendering failed: {err}"))?;
    app.hide()
        .map_err(|err| format!("hiding the window failed: {err}"))?;
    drop(kiosk);
    Ok(pixels)
}

/// The newest catalogue entry (document) or annual report (report), for shots that need one.
fn default_document(store: &Store, screen: ScreenName) -> Result<Option<String>, String> {
    let found = match screen {
        ScreenName::Document | ScreenName::Print | ScreenName::Viewer => store
            .catalogue_page(&CatalogueFilter::default(), None, 1)
            .map(|page| page.into_iter().next().map(|row| row.id)),
        ScreenName::Report => store
            .annual_reports()
            .map(|reports| reports.into_iter().next().map(|report| report.id)),
        _ => Ok(None),
    };
    found.map_err(|err| err.to_string())
}

/// A kiosk in the headless window, drawn on demand (for benchmarks).
pub struct Session {
    pub app: AppWindow,
    pub kiosk: Rc<Kiosk>,
    window: Rc<MinimalSoftwareWindow>,
    buffer: Vec<slint::platform::software_renderer::Rgb565Pixel>,
    width: usize,
}

impl Session {
    /// Starts a kiosk of `size` on `store` in the headless window.
    pub fn start(store: Store, options: KioskOptions, size: (u32, u32)) -> Result<Session, String> {
        Session::start_on(store, options, size, None)
    }

    /// [`Session::start`] with Slint's timers and animations on `time` (once per thread, before
    /// any other offscreen window of the thread).
    pub fn start_with_mock_time(
        store: Store,
        options: KioskOptions,
        size: (u32, u32),
        time: MockTime,
    ) -> Result<Session, String> {
        Session::start_on(store, options, size, Some(time))
    }

    fn start_on(
        store: Store,
        options: KioskOptions,
        size: (u32, u32),
        time: Option<MockTime>,
    ) -> Result<Session, String> {
        let window = headless_window(time)?;
        window.set_size(PhysicalSize::new(size.0, size.1));
        let app = AppWindow::new().map_err(|err| format!("creating the window failed: {err}"))?;
        let kiosk = Kiosk::start(&app, Worker::inline(store), options);
        app.show()
            .map_err(|err| format!("showing the window failed: {err}"))?;
        let width = size.0 as usize;
        let buffer = vec![Default::default(); width * size.1 as usize];
        Ok(Session {
            app,
            kiosk,
            window,
            buffer,
            width,
        })
    }

    /// Draws one frame (layout, bindings and rendering into a reused buffer); returns whether
    /// anything was drawn.
    pub fn frame(&mut self) -> bool {
        slint::platform::update_timers_and_animations();
        self.window.request_redraw();
        let (buffer, width) = (&mut self.buffer, self.width);
        self.window.draw_if_needed(|renderer| {
            renderer.render(buffer, width);
        })
    }
}

/// Writes RGBA pixels as a PNG file.
pub fn write_png(pixels: &SharedPixelBuffer<Rgba8Pixel>, path: &Path) -> Result<(), String> {
    let file = std::fs::File::create(path)
        .map_err(|err| format!("cannot create {}: {err}", path.display()))?;
    let mut encoder = png::Encoder::new(
        std::io::BufWriter::new(file),
        pixels.width(),
        pixels.height(),
    );
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(pixels.as_bytes()))
        .map_err(|err| format!("cannot write {}: {err}", path.display()))
}
