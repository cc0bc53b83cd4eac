//! `readpoint` with no command: runs the kiosk full-screen on the configured cache (the bundled
//! content on first start), or in a window with `--windowed WxH` for development.

use std::process::ExitCode;

use slint::{ComponentHandle, PhysicalSize};

use super::{CommandError, Context};
use crate::kiosk::{Kiosk, KioskOptions, Worker};
use crate::ui::AppWindow;

/// Opens the cache, starts the store worker and runs the UI until the window closes.
pub fn run(context: &Context, windowed: Option<(u32, u32)>) -> Result<ExitCode, CommandError> {
    let store = context.open_store()?;
    let app = AppWindow::new().map_err(|err| {
        CommandError::Other(format!(
            "the kiosk window could not be opened: {err} — fix: run it on a graphical display \
             (X11 or Wayland: check DISPLAY / WAYLAND_DISPLAY), or use `readpoint screenshot` \
             to render screens without one"
        ))
    })?;
    let worker = Worker::spawn(store)
        .map_err(|err| CommandError::Other(format!("the store worker did not start: {err}")))?;
    let kiosk = Kiosk::start(&app, worker, KioskOptions::from_config(&context.config));
    // Anonymous usage statistics: counted on the UI thread, stored by their own thread.
    let usage = crate::usage::recorder::RecorderSettings::from_config(
        &context.config,
        context.cache_path(),
    );
    let usage_thread = match crate::usage::Recorder::spawn(usage) {
        Ok((recorder, thread)) => {
            kiosk.set_usage(recorder);
            Some(thread)
        }
        Err(err) => {
            tracing::error!(%err, "the usage statistics thread did not start; nothing is counted");
            None
        }
    };
    // The unattended sync (when a feed is configured) runs on its own thread and runtime.
    let _sync = match crate::sync::SyncSettings::from_config(
        &context.config,
        &context.paths.data_dir,
    ) {
        Some(settings) => {
            match kiosk.start_sync(settings, context.cache_path(), context.config.sync.interval) {
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
    let result = app.run();
    // What was counted since the last flush is stored before the process ends.
    if let Some(usage) = usage_thread {
        usage.shutdown();
    }
    result
        .map_err(|err| CommandError::Other(format!("the kiosk UI stopped with an error: {err}")))?;
    Ok(ExitCode::SUCCESS)
}
