//! `readpoint` with no command: runs the kiosk full-screen on the configured cache (the bundled
//! content on first start), or in a window with `--windowed WxH` for development. Full screen,
//! the keys of a keyboard on its terminal cannot stop it (`kiosk::tty`); SIGTERM still does.

use std::cell::RefCell;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use slint::{ComponentHandle, PhysicalSize};

use super::{CommandError, Context};
use crate::kiosk::{Kiosk, KioskOptions, Worker, tty};
use crate::sync::schedule::{Mode, WATCH_POLL};
use crate::systemd;
use crate::ui::AppWindow;

/// Opens the cache, starts the store worker and runs the UI until the window closes.
pub fn run(context: &Context, windowed: Option<(u32, u32)>) -> Result<ExitCode, CommandError> {
    // Full screen is the kiosk: a keyboard plugged into the terminal cannot stop, suspend or
    // switch away from it (`kiosk::tty`). Locked before the window opens, released after it
    // closed (declared first, dropped last). A development window keeps Ctrl+C.
    let keyboard = windowed.is_none().then(|| {
        if let Err(err) = tty::ignore_keyboard_signals() {
            tracing::warn!(%err, "Ctrl+C, Ctrl+\\ and Ctrl+Z on the kiosk's terminal are not ignored");
        }
        Rc::new(RefCell::new(tty::KeyboardLock::stdin()))
    });
    // An invalid configuration file: the kiosk runs on the last one that loaded (or the
    // defaults) and says so loudly — in the log, to systemd, on the staff screen and in every
    // status document. A valid one is remembered for that.
    match &context.config_fallback {
        Some(fallback) => tracing::error!("{}", fallback.message()),
        None if context.paths.config_file.exists() => {
            let file = &context.paths.config_file;
            match crate::config::last_good::remember(file, &context.last_good_dir) {
                Ok(true) => tracing::info!(
                    file = %context.paths.config_file.display(),
                    "configuration saved as the last one that loaded"
                ),
                Ok(false) => {}
                Err(err) => tracing::warn!("{err}"),
            }
        }
        None => {}
    }
    let store = context.open_store()?;
    let app = AppWindow::new().map_err(|err| {
        CommandError::Other(format!(
            "the kiosk window could not be opened: {err} — fix: run it on a graphical display \
             (X11 or Wayland: check DISPLAY / WAYLAND_DISPLAY); on a terminal without X or \
             Wayland, give it the DRM device it draws on (/dev/dri, groups video, input, \
             render); or use `readpoint screenshot` to render screens without one"
        ))
    })?;
    let worker = Worker::spawn(store)
        .map_err(|err| CommandError::Other(format!("the store worker did not start: {err}")))?;
    // Uptime marker and heartbeat (stats.report_url), each on its own; never blocking the UI.
    let reporting = crate::fleet::KioskReporting::start(
        &context.config,
        &context.paths,
        context.cache_path(),
        context.config_fallback.as_ref(),
    );
    let options = KioskOptions {
        state_dir: Some(context.paths.data_dir.clone()),
        config_file: context
            .paths
            .config_file
            .exists()
            .then(|| context.paths.config_file.clone()),
        status: Some(
            crate::fleet::Collector::new(
                &context.config,
                &context.paths,
                crate::fleet::Producer::Kiosk,
            )
            .with_config_fallback(context.config_fallback.as_ref()),
        ),
        ..KioskOptions::from_config(&context.config)
    };
    let kiosk = Kiosk::start(&app, worker, options);
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
    let flush = kiosk.usage_recorder();
    let console = keyboard.clone();
    kiosk.set_restart_hook(Box::new(move || {
        // Counts since the last flush are stored before the process image is replaced; the
        // screen waits for that at most two seconds.
        if let Err(err) = flush.flush_within(std::time::Duration::from_secs(2)) {
            tracing::warn!(%err, "usage counts since the last flush are lost in the restart");
        }
        // The new image finds the console as it was and locks it again.
        if let Some(console) = &console {
            console.borrow_mut().release();
        }
        let failed = restart_in_place();
        if let Some(console) = &console {
            console.borrow_mut().relock();
        }
        failed
    }));
    // The unattended sync (when a feed is configured) runs on its own thread and runtime.
    match crate::sync::SyncSettings::from_config(&context.config, &context.paths.data_dir) {
        Some(settings) => {
            // With sync.in_kiosk = false the systemd timer syncs; the kiosk watches the cache.
            let mode = if context.config.sync.in_kiosk {
                Mode::Scheduled
            } else {
                Mode::WatchOnly { poll: WATCH_POLL }
            };
            let interval = context.config.sync.interval;
            let after_check = reporting.after_sync();
            if let Err(err) =
                kiosk.start_sync_in(settings, context.cache_path(), interval, mode, after_check)
            {
                tracing::error!(%err, "the sync thread did not start; the kiosk shows its cache");
            }
        }
        None => tracing::info!("no sync.feed_url configured: the kiosk shows its cache only"),
    }
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
        let status_line = match &context.config_fallback {
            Some(_) => "kiosk running on the last good configuration: readpoint.toml is invalid",
            None => "kiosk running",
        };
        slint::Timer::single_shot(Duration::ZERO, move || {
            notifier.ready();
            notifier.status(status_line);
        });
    }
    let result = app.run();
    notifier.stopping();
    // What was counted since the last flush is stored before the process ends.
    if let Some(usage) = usage_thread {
        usage.shutdown();
    }
    // The console's text mode and keyboard are back before the process ends.
    if let Some(console) = &keyboard {
        console.borrow_mut().release();
    }
    result
        .map_err(|err| CommandError::Other(format!("the kiosk UI stopped with an error: {err}")))?;
    // 退出信息查阅点 on the staff screen: an exit code the service does not restart on.
    Ok(kiosk.exit_code().map_or(ExitCode::SUCCESS, ExitCode::from))
}

/// 重新载入配置, once the new file checked out: the kiosk replaces itself with a fresh start
/// of the same binary and arguments (same process id, so systemd keeps watching it), which
/// applies every setting. The sync thread's open transaction, if any, is rolled back by
/// SQLite, and its lock file closes with the old image.
/// Returns only when the restart failed, with the reason.
fn restart_in_place() -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let program = std::env::current_exe().map_err(|err| {
        tracing::error!(%err, "cannot restart to load the configuration: the binary's path is unknown — fix: restart the kiosk service");
        err.to_string()
    })?;
    // After a package upgrade the running image's file is gone: Linux reports the path with
    // " (deleted)"; the new binary is at the same path.
    let program = match program.to_str().and_then(|p| p.strip_suffix(" (deleted)")) {
        Some(path) => std::path::PathBuf::from(path),
        None => program,
    };
    tracing::info!(binary = %program.display(), "restarting to load the new configuration");
    let err = std::process::Command::new(&program)
        .args(std::env::args_os().skip(1))
        .exec();
    tracing::error!(%err, binary = %program.display(), "cannot restart to load the configuration — fix: restart the kiosk service");
    Err(err.to_string())
}
