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
    let _kiosk = Kiosk::start(&app, worker, KioskOptions::from_config(&context.config));
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
    app.run()
        .map_err(|err| CommandError::Other(format!("the kiosk UI stopped with an error: {err}")))?;
    Ok(ExitCode::SUCCESS)
}
