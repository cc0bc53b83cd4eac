//! `readpoint` with no command: runs the kiosk full-screen on the configured cache (the bundled
//! content on first start), or in a window with `--windowed WxH` for development.

use std::process::ExitCode;
use std::time::Duration;

use slint::{ComponentHandle, PhysicalSize};

use super::{CommandError, Context};
use crate::kiosk::{Kiosk, KioskOptions, Worker};
use crate::sync::schedule::{Mode, WATCH_POLL};
use crate::systemd;
use crate::ui::AppWindow;

/// Opens the cache, starts the store worker and runs the UI until the window closes.
pub fn run(context: &Context, windowed: Option<(u32, u32)>) -> Result<ExitCode, CommandError> {
    let store = context.open_store()?;
    let app = AppWindow::new().map_err(|err| {
        CommandError::Other(format!(
            "the kiosk window could not be opened: {err} — fix: run it on a graphical display \
             (X11 or Wayland: check DISPLAY / WAYLAND_DISPLAY); on a terminal without X or \
             Wayland, install a build with the linuxkms feature (`cargo build --features \
             linuxkms`, as the .deb is) and give it a DRM device (groups video, input, render); \
             or use `readpoint screenshot` to render screens without one"
        ))
    })?;
    let worker = Worker::spawn(store)
        .map_err(|err| CommandError::Other(format!("the store worker did not start: {err}")))?;
    let kiosk = Kiosk::start(&app, worker, KioskOptions::from_config(&context.config));
    // The unattended sync (when a feed is configured) runs on its own thread and runtime.
    let _sync = match crate::sync::SyncSettings::from_config(
        &context.config,
        &context.paths.data_dir,
    ) {
        Some(settings) => {
            // With sync.in_kiosk = false the systemd timer syncs; the kiosk watches the cache.
            let mode = if context.config.sync.in_kiosk {
                Mode::Scheduled
            } else {
                Mode::WatchOnly { poll: WATCH_POLL }
            };
            let interval = context.config.sync.interval;
            match kiosk.start_sync_in(settings, context.cache_path(), interval, mode) {
                Ok(handle) => Some(handle),
                Err(err) => {
                    tracing::error!(%err, "the sync thread did not start; the kiosk shows its cache");
                    None
                }
            }
        }
        None => {
            tracing::info!("no sync.feed_url configured: the kiosk shows its cache only");
            None
        }
    };
    let window = app.window();
    match windowed {
        Some((width, height)) => window.set_size(PhysicalSize::new(width, height)),
        None => {
            window.set_fullscreen(true);
            // Escape routes are closed: Alt+F4 and the like do not end the kiosk (staff exit
            // comes with the staff screen). A development window can be closed.
            window.on_close_requested(|| slint::CloseRequestResponse::KeepWindowShown);
        }
    }
    crate::kiosk::check_cjk_font_in_background();
    // systemd (Type=notify): READY once the event loop runs with the window up, then watchdog
    // pings from a timer on this same loop, so a hung UI thread is restarted.
    let notifier = systemd::notifier().clone();
    let _watchdog = systemd::watchdog_interval()
        .map(|interval| systemd::start_watchdog_timer(notifier.clone(), interval));
    {
        let notifier = notifier.clone();
        slint::Timer::single_shot(Duration::ZERO, move || {
            notifier.ready();
            notifier.status("kiosk running");
        });
    }
    let result = app.run();
    notifier.stopping();
    result
        .map_err(|err| CommandError::Other(format!("the kiosk UI stopped with an error: {err}")))?;
    Ok(ExitCode::SUCCESS)
}
