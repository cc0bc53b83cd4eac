//! Staff access on the kiosk: holding the agency emblem for 5 s opens the PIN pad; the right
//! PIN opens the staff screen (status, sync now, reload configuration, log lines, usage,
//! leaving the kiosk). Both close themselves after a minute without a touch.
//!
//! Owns the typed digits (never in Slint, never logged, wiped as soon as they are checked),
//! the flow between pad and screen, and the staff actions. The PIN check and the lockout file
//! run on the store worker (argon2 takes a noticeable fraction of a second). Must never: record
//! PIN digits in usage statistics or logs, or leave the staff screen open for a visitor.

use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use slint::{ComponentHandle, Timer, TimerMode};
use zeroize::{Zeroize, Zeroizing};

use super::Kiosk;
use crate::staff::lockout::{Gate, LOCKOUT_FILE, Lockout, SystemClock};
use crate::staff::pin;
use crate::sync::{Outcome, Progress, SyncError, schedule::SchedulerHandle};
use crate::ui::{Staff, StaffAdapter};
use crate::view_models;

/// The staff pad and screen close after this long without a touch.
pub const STAFF_IDLE: Duration = Duration::from_secs(60);

/// The exit code of "leave the kiosk": systemd's unit does not restart it
/// (`RestartPreventExitStatus=10`).
pub const LEAVE_EXIT_CODE: u8 = 10;

/// What "reload configuration" does once the new file checked out: the running kiosk replaces
/// itself (see `commands::run_kiosk`); it returns only when that failed, saying why. Without
/// one, staff are told to restart the kiosk.
pub type RestartHook = Box<dyn Fn() -> Result<(), String>>;

/// The lockout shared with the store worker's jobs.
type LockoutCell = std::sync::Arc<std::sync::Mutex<Option<Lockout>>>;

/// While the pad is locked, the worker looks at the lock this often, so that its progress is
/// written down and a reboot does not start a long lock again from the beginning.
const LOCK_CHECKPOINT: Duration = Duration::from_secs(60);

/// Runs `f` on the kiosk's lockout (loading it from `file` the first time, timed by the boot
/// clock), on the worker.
fn with_lockout<T>(
    cell: &LockoutCell,
    file: Option<&std::path::Path>,
    admin: &crate::config::AdminConfig,
    f: impl FnOnce(&mut Lockout) -> T,
) -> T {
    let mut guard = cell
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let lockout = guard.get_or_insert_with(|| {
        Lockout::load(
            file,
            admin.lockout_attempts,
            admin.lockout,
            std::sync::Arc::new(SystemClock),
        )
    });
    f(lockout)
}

/// Staff state of one kiosk.
#[derive(Default)]
pub(super) struct StaffState {
    /// The digits typed on the pad (their memory is zeroed when cleared or dropped).
    digits: RefCell<Zeroizing<String>>,
    /// A PIN is being checked.
    checking: Cell<bool>,
    /// Bumped whenever the pad opens or closes: a PIN check that comes back for an older pad
    /// (cancelled, timed out, the screen went dark) opens nothing.
    pad_generation: Cell<u64>,
    /// The lockout, loaded from its file on first use and kept for this run, so a file that
    /// cannot be written never forgets a wrong try. Used on the store worker only.
    lockout: LockoutCell,
    /// While locked: looks at the lock every [`LOCK_CHECKPOINT`] on the worker, which writes
    /// its progress down.
    lock_checkpoint: Timer,
    /// Closes the pad or the screen after [`STAFF_IDLE`].
    idle: Timer,
    /// The sync thread, for 立即同步.
    sync: RefCell<Option<SchedulerHandle>>,
    /// A sync was asked for from the staff screen and has not finished.
    syncing: Cell<bool>,
    /// Set by "leave the kiosk": the process exit code.
    exit_code: Cell<Option<u8>>,
    restart: RefCell<Option<RestartHook>>,
    /// Delays the restart so staff can read that it is coming.
    restart_timer: Timer,
}

/// Wires the emblem, the pad and the staff screen.
pub(super) fn connect(kiosk: &Rc<Kiosk>, app: &crate::ui::AppWindow) {
    let staff = app.global::<Staff>();
    staff.set_pin_min_length(i32::try_from(pin::MIN_DIGITS).unwrap_or(4));
    staff.on_emblem_held(kiosk.callback(|kiosk, _| open_pad(kiosk)));
    staff.on_pin_digit(
        kiosk.callback_with(|kiosk, _, digit: slint::SharedString| type_digit(kiosk, &digit)),
    );
    staff.on_pin_backspace(kiosk.callback(|kiosk, _| {
        kiosk.staff.digits.borrow_mut().pop();
        show_length(kiosk);
        keep_open(kiosk);
    }));
    staff.on_pin_submit(kiosk.callback(|kiosk, _| submit(kiosk)));
    staff.on_pin_cancel(kiosk.callback(|kiosk, _| close(kiosk)));

    let adapter = app.global::<StaffAdapter>();
    adapter.on_show_panel(kiosk.callback_with(|kiosk, app, panel: i32| {
        app.global::<StaffAdapter>().set_panel(panel);
        load_panel(kiosk, panel);
    }));
    adapter.on_sync_now(kiosk.callback(|kiosk, _| sync_now(kiosk)));
    adapter.on_reload_config(kiosk.callback(|kiosk, _| reload_config(kiosk)));
    adapter.on_confirm_leave_changed(kiosk.callback_with(|_, app, ask: bool| {
        app.global::<StaffAdapter>().set_confirm_leave(ask);
    }));
    adapter.on_leave(kiosk.callback(|kiosk, _| leave(kiosk)));
    adapter.on_close(kiosk.callback(|kiosk, _| close(kiosk)));

    // A lock from before a restart or reboot runs down from the start, not from the first
    // time staff open the pad.
    if kiosk.options().admin.pin_hash.is_some() && kiosk.options().state_dir.is_some() {
        checkpoint_lock(kiosk);
    }
}

/// Looks at the lock on the worker (which writes a running lock's progress down); while it is
/// locked, again every [`LOCK_CHECKPOINT`].
fn checkpoint_lock(kiosk: &Rc<Kiosk>) {
    let admin = kiosk.options().admin.clone();
    let file = lockout_file(kiosk);
    let cell = kiosk.staff.lockout.clone();
    let weak = Rc::downgrade(kiosk);
    kiosk.worker().run(
        move |_| with_lockout(&cell, file.as_deref(), &admin, Lockout::gate),
        move |gate| {
            if let Some(kiosk) = weak.upgrade() {
                watch_lock(&kiosk, gate);
            }
        },
    );
}

/// Keeps the checkpoint timer running while `gate` is locked, and stops it once open.
fn watch_lock(kiosk: &Rc<Kiosk>, gate: Gate) {
    let timer = &kiosk.staff.lock_checkpoint;
    match gate {
        Gate::Locked { .. } if !timer.running() => {
            let weak = Rc::downgrade(kiosk);
            timer.start(TimerMode::Repeated, LOCK_CHECKPOINT, move || {
                if let Some(kiosk) = weak.upgrade() {
                    checkpoint_lock(&kiosk);
                }
            });
        }
        Gate::Locked { .. } => {}
        Gate::Open { .. } => timer.stop(),
    }
}

/// Whether the pad or the staff screen is showing (visitor idle handling steps aside).
pub(super) fn is_open(kiosk: &Kiosk) -> bool {
    kiosk.app().is_some_and(|app| {
        let staff = app.global::<Staff>();
        staff.get_pin_open() || staff.get_open()
    })
}

/// A touch while staff are at the kiosk: the minute starts again.
pub(super) fn keep_open(kiosk: &Rc<Kiosk>) {
    let weak = Rc::downgrade(kiosk);
    kiosk
        .staff
        .idle
        .start(TimerMode::SingleShot, STAFF_IDLE, move || {
            if let Some(kiosk) = weak.upgrade() {
                tracing::info!("staff screen closed after a minute without a touch");
                close(&kiosk);
            }
        });
}

/// Keeps the sync thread for 立即同步.
pub(super) fn set_sync(kiosk: &Kiosk, handle: SchedulerHandle) {
    *kiosk.staff.sync.borrow_mut() = Some(handle);
}

/// Sets what "reload configuration" runs once the new file checked out.
pub(super) fn set_restart(kiosk: &Kiosk, hook: RestartHook) {
    *kiosk.staff.restart.borrow_mut() = Some(hook);
}

/// The exit code staff asked for by leaving the kiosk.
pub(super) fn exit_code(kiosk: &Kiosk) -> Option<u8> {
    kiosk.staff.exit_code.get()
}

fn lockout_file(kiosk: &Kiosk) -> Option<PathBuf> {
    kiosk
        .options()
        .state_dir
        .as_ref()
        .map(|dir| dir.join(LOCKOUT_FILE))
}

fn bump_pad(kiosk: &Kiosk) {
    let generation = &kiosk.staff.pad_generation;
    generation.set(generation.get().wrapping_add(1));
}

fn is_pad_open(kiosk: &Kiosk) -> bool {
    kiosk
        .app()
        .is_some_and(|app| app.global::<Staff>().get_pin_open())
}

fn set_pad(kiosk: &Kiosk, enabled: bool, message: &str) {
    if let Some(app) = kiosk.app() {
        let staff = app.global::<Staff>();
        staff.set_pin_enabled(enabled);
        staff.set_pin_message(message.into());
    }
}

fn show_length(kiosk: &Kiosk) {
    if let Some(app) = kiosk.app() {
        let length = kiosk.staff.digits.borrow().chars().count();
        app.global::<Staff>()
            .set_pin_length(i32::try_from(length).unwrap_or(i32::MAX));
    }
}

fn clear_digits(kiosk: &Kiosk) {
    let mut digits = kiosk.staff.digits.borrow_mut();
    digits.zeroize();
    // Room for the longest PIN at once: typing never moves (and leaves behind) the digits.
    digits.reserve(pin::MAX_DIGITS);
    drop(digits);
    show_length(kiosk);
}

/// The emblem was held: the visitor's session ends and the pad opens, telling at once when it
/// is locked or no PIN is configured.
fn open_pad(kiosk: &Rc<Kiosk>) {
    if is_open(kiosk) {
        return;
    }
    let Some(app) = kiosk.app() else { return };
    tracing::info!("staff PIN pad opened");
    kiosk.reset_session();
    clear_digits(kiosk);
    bump_pad(kiosk);
    app.global::<Staff>().set_pin_open(true);
    keep_open(kiosk);
    if kiosk.options().admin.pin_hash.is_none() {
        set_pad(
            kiosk,
            false,
            "未设置管理 PIN，管理界面已停用。请在本机运行 readpoint config set-pin 设置。",
        );
        return;
    }
    set_pad(kiosk, false, "");
    on_lockout(kiosk, Lockout::gate, |kiosk, gate| {
        show_gate(kiosk, gate, false)
    });
}

/// Runs `job` on the kiosk's lockout on the store worker (the file is read there; a PIN's
/// argon2 check runs there too: at most about 0.6 s by `staff::pin::check_hash`'s bounds, and
/// only while staff, not a visitor, stand at the kiosk), then
/// `apply` on the UI thread — unless the pad it was for has closed meanwhile (cancel, a minute
/// idle, the screen went dark), in which case the result opens or shows nothing.
fn on_lockout<T: Send + 'static>(
    kiosk: &Rc<Kiosk>,
    job: impl FnOnce(&mut Lockout) -> T + Send + 'static,
    apply: impl FnOnce(&Rc<Kiosk>, T) + 'static,
) {
    let admin = kiosk.options().admin.clone();
    let file = lockout_file(kiosk);
    let cell = kiosk.staff.lockout.clone();
    let generation = kiosk.staff.pad_generation.get();
    let weak = Rc::downgrade(kiosk);
    kiosk.worker().run(
        move |_| with_lockout(&cell, file.as_deref(), &admin, job),
        move |result| {
            let Some(kiosk) = weak.upgrade() else { return };
            if kiosk.staff.pad_generation.get() != generation || !is_pad_open(&kiosk) {
                tracing::info!("a lockout check ended after its pad was closed; nothing shown");
                return;
            }
            apply(&kiosk, result);
        },
    );
}

fn show_gate(kiosk: &Rc<Kiosk>, gate: Gate, after_wrong_pin: bool) {
    watch_lock(kiosk, gate);
    match gate {
        Gate::Open { tries_left } if after_wrong_pin => set_pad(
            kiosk,
            true,
            &format!("PIN 不正确，还可以再试 {tries_left} 次"),
        ),
        Gate::Open { .. } => set_pad(kiosk, true, ""),
        Gate::Locked { remaining } => set_pad(
            kiosk,
            false,
            &format!(
                "PIN 错误次数过多，已锁定。请 {}后再试。",
                lock_wait(remaining)
            ),
        ),
    }
}

/// How long a lock still holds, for staff: whole minutes rounded up, in hours and minutes
/// from an hour on (locks grow to a day).
fn lock_wait(remaining: Duration) -> String {
    let minutes = remaining.as_secs().div_ceil(60).max(1);
    match (minutes / 60, minutes % 60) {
        (0, minutes) => format!("{minutes} 分钟"),
        (hours, 0) => format!("{hours} 小时"),
        (hours, minutes) => format!("{hours} 小时 {minutes} 分钟"),
    }
}

fn type_digit(kiosk: &Rc<Kiosk>, digit: &str) {
    keep_open(kiosk);
    if kiosk.staff.checking.get() || digit.len() != 1 || !digit.bytes().all(|b| b.is_ascii_digit())
    {
        return;
    }
    {
        let mut digits = kiosk.staff.digits.borrow_mut();
        if digits.len() < pin::MAX_DIGITS {
            digits.push_str(digit);
        }
    }
    show_length(kiosk);
}

/// 确定: the digits leave the UI thread once, to the worker, where the lockout is consulted,
/// argon2 compares them with the configured hash, and the lockout file is updated.
fn submit(kiosk: &Rc<Kiosk>) {
    keep_open(kiosk);
    let Some(hash) = kiosk.options().admin.pin_hash.clone() else {
        return;
    };
    // No PIN is that short: a short try is not checked and does not count against the lockout.
    if kiosk.staff.digits.borrow().len() < pin::MIN_DIGITS {
        return;
    }
    if kiosk.staff.checking.replace(true) {
        return;
    }
    // Moved to the worker, zeroed when dropped there.
    let typed = Zeroizing::new(std::mem::take(&mut **kiosk.staff.digits.borrow_mut()));
    kiosk.staff.digits.borrow_mut().reserve(pin::MAX_DIGITS);
    show_length(kiosk);
    set_pad(kiosk, false, "正在验证…");
    // Closing the pad clears `checking`; a stale result is dropped by `on_lockout`.
    let check = move |lockout: &mut Lockout| match lockout.gate() {
        locked @ Gate::Locked { .. } => Err(locked),
        Gate::Open { .. } => {
            if pin::verify_pin(&typed, &hash) {
                lockout.record_success();
                Ok(())
            } else {
                Err(lockout.record_failure())
            }
        }
    };
    on_lockout(kiosk, check, |kiosk, result| {
        kiosk.staff.checking.set(false);
        match result {
            Ok(()) => {
                tracing::info!("staff screen opened with the right PIN");
                open_screen(kiosk);
            }
            Err(gate) => {
                match gate {
                    Gate::Open { tries_left } => {
                        tracing::warn!(tries_left, "a wrong staff PIN was entered")
                    }
                    Gate::Locked { remaining } => tracing::warn!(
                        seconds = remaining.as_secs(),
                        "staff PIN locked after too many wrong tries"
                    ),
                }
                show_gate(kiosk, gate, true);
            }
        }
    });
}

pub(super) fn open_screen(kiosk: &Rc<Kiosk>) {
    let Some(app) = kiosk.app() else { return };
    clear_digits(kiosk);
    let staff = app.global::<Staff>();
    staff.set_pin_open(false);
    staff.set_pin_message("".into());
    let adapter = app.global::<StaffAdapter>();
    adapter.set_panel(0);
    adapter.set_confirm_leave(false);
    adapter.set_message("".into());
    adapter.set_sync_available(kiosk.staff.sync.borrow().is_some());
    adapter.set_syncing(kiosk.staff.syncing.get());
    staff.set_open(true);
    load_panel(kiosk, 0);
    keep_open(kiosk);
}

/// Closes the pad or the staff screen and shows Home, as a visitor would find it.
pub(super) fn close(kiosk: &Rc<Kiosk>) {
    kiosk.staff.idle.stop();
    clear_digits(kiosk);
    bump_pad(kiosk);
    kiosk.staff.checking.set(false);
    if let Some(app) = kiosk.app() {
        let staff = app.global::<Staff>();
        staff.set_pin_open(false);
        staff.set_pin_message("".into());
        staff.set_open(false);
        let adapter = app.global::<StaffAdapter>();
        adapter.set_confirm_leave(false);
        adapter.set_message("".into());
        adapter.set_log_lines(view_models::model(Vec::new()));
    }
    kiosk.reset_session();
}

fn set_message(kiosk: &Kiosk, message: &str) {
    if let Some(app) = kiosk.app() {
        app.global::<StaffAdapter>().set_message(message.into());
    }
}

fn sync_now(kiosk: &Rc<Kiosk>) {
    let asked = match kiosk.staff.sync.borrow().as_ref() {
        Some(handle) => {
            handle.sync_now();
            true
        }
        None => false,
    };
    if !asked {
        set_message(kiosk, "未配置同步源（sync.feed_url），本机只显示缓存内容。");
        return;
    }
    tracing::info!("staff asked for a sync now");
    kiosk.staff.syncing.set(true);
    if let Some(app) = kiosk.app() {
        app.global::<StaffAdapter>().set_syncing(true);
    }
    set_message(kiosk, "正在同步：等待开始…");
}

/// A sync step, shown while the staff screen is open.
pub(super) fn progress(kiosk: &Rc<Kiosk>, step: Progress) {
    if !is_open(kiosk) {
        return;
    }
    let text = match step {
        Progress::Checking => "正在同步：检查门户网站是否有新内容…".to_owned(),
        Progress::Downloading { done, total } => format!("正在同步：下载 {done}/{total}"),
        Progress::Applying { done, total } => format!("正在同步：更新本机内容 {done}/{total}"),
        Progress::Committed => "正在同步：新内容已生效，正在收尾…".to_owned(),
        Progress::Finishing => "正在同步：下载附件、清理旧文件…".to_owned(),
    };
    if let Some(app) = kiosk.app() {
        app.global::<StaffAdapter>().set_syncing(true);
    }
    set_message(kiosk, &text);
}

/// A sync ended: its result on the staff screen, and the status panel refreshed.
pub(super) fn finished(kiosk: &Rc<Kiosk>, result: &Result<Outcome, SyncError>) {
    kiosk.staff.syncing.set(false);
    if !is_open(kiosk) {
        return;
    }
    if let Some(app) = kiosk.app() {
        app.global::<StaffAdapter>().set_syncing(false);
    }
    let text = match result {
        Ok(Outcome::Applied(report)) => format!(
            "同步完成：已更新到内容版本 {}（新增 {}，更新 {}，删除 {}）",
            report.version, report.summary.added, report.summary.replaced, report.summary.removed
        ),
        Ok(Outcome::Current { version }) => format!("同步完成：已是最新内容（版本 {version}）"),
        Ok(Outcome::NotModified) => "同步完成：门户网站没有新内容".to_owned(),
        // Another process (`sync --once`, the systemd timer) checked or holds the sync lock.
        Ok(Outcome::Busy) => "同步由另一个进程进行（如定时同步服务）；状态已刷新".to_owned(),
        Err(err) => format!("同步失败（{}）：{err}", err.class.as_str()),
    };
    set_message(kiosk, &text);
    load_panel(kiosk, 0);
}

/// 重新载入配置: the file is read and checked off the UI thread; errors are shown and nothing
/// changes; a valid file restarts the kiosk in place so every setting takes effect.
fn reload_config(kiosk: &Rc<Kiosk>) {
    let Some(path) = kiosk.options().config_file.clone() else {
        set_message(kiosk, "本机没有使用配置文件（使用默认设置），无需载入。");
        return;
    };
    set_message(kiosk, "正在检查配置文件…");
    let weak = Rc::downgrade(kiosk);
    kiosk.worker().run(
        move |_| {
            if !path.exists() {
                return Err(format!(
                    "{} 不存在（without a file the kiosk runs on defaults）",
                    path.display()
                ));
            }
            crate::config::load(&path)
                .map(|_| path.display().to_string())
                .map_err(|errors| errors.to_string())
        },
        move |result| {
            let Some(kiosk) = weak.upgrade() else { return };
            match result {
                Err(errors) => {
                    tracing::warn!("reload refused: the configuration has errors");
                    let shown: String = errors.lines().take(12).collect::<Vec<_>>().join("\n");
                    set_message(
                        &kiosk,
                        &format!("配置文件有错误，未载入，本机继续使用原来的配置：\n{shown}"),
                    );
                }
                Ok(path) => {
                    if kiosk.staff.restart.borrow().is_none() {
                        set_message(&kiosk, "配置文件没有错误。请重新启动本机，新配置才会生效。");
                        return;
                    }
                    tracing::info!(file = %path, "configuration checked; the kiosk restarts to load it");
                    set_message(&kiosk, "配置文件没有错误，正在重新启动以载入新配置…");
                    let weak = Rc::downgrade(&kiosk);
                    kiosk.staff.restart_timer.start(
                        TimerMode::SingleShot,
                        Duration::from_secs(1),
                        move || {
                            let Some(kiosk) = weak.upgrade() else { return };
                            let failed = match kiosk.staff.restart.borrow().as_ref() {
                                Some(restart) => restart().err(),
                                None => None,
                            };
                            if let Some(reason) = failed {
                                set_message(
                                    &kiosk,
                                    &format!(
                                        "无法重新启动（{reason}）。请运行 systemctl restart \
                                         readpoint，新配置才会生效。"
                                    ),
                                );
                            }
                        },
                    );
                }
            }
        },
    );
}

/// 确定退出: ends the kiosk with [`LEAVE_EXIT_CODE`] for maintenance.
fn leave(kiosk: &Rc<Kiosk>) {
    tracing::warn!("staff left the kiosk for maintenance");
    kiosk.staff.exit_code.set(Some(LEAVE_EXIT_CODE));
    close(kiosk);
    if let Err(err) = slint::quit_event_loop() {
        tracing::error!(%err, "the kiosk could not stop its event loop");
    }
}

/// Loads panel `panel` (0 status, 1 log lines, 2 usage) into the staff screen.
fn load_panel(kiosk: &Rc<Kiosk>, panel: i32) {
    match panel {
        1 => {
            if let Some(app) = kiosk.app() {
                // Newest first: what staff look for is what just happened.
                let lines = crate::logging::recent_lines(view_models::staff::LOG_LINES);
                let lines = lines.into_iter().rev().map(Into::into).collect();
                app.global::<StaffAdapter>()
                    .set_log_lines(view_models::model(lines));
            }
        }
        2 => load_usage(kiosk),
        3 => kiosk.refresh_printer_panel(),
        _ => load_status(kiosk),
    }
}

fn load_status(kiosk: &Rc<Kiosk>) {
    let Some(collector) = kiosk.options().status.clone() else {
        return;
    };
    let zone = kiosk.options().zone.clone();
    let by_timer = kiosk.options().synced_by_timer;
    let weak = Rc::downgrade(kiosk);
    kiosk.worker().run(
        move |store| {
            let now = jiff::Timestamp::now();
            collector.collect(store, now).map(|document| {
                let mut view = view_models::staff::status_view(&document, &zone);
                if by_timer {
                    view.next_check =
                        "由 readpoint-sync.timer 安排（systemctl list-timers）".to_owned();
                }
                view
            })
        },
        move |result| {
            let Some(app) = weak.upgrade().and_then(|kiosk| kiosk.app()) else {
                return;
            };
            match result {
                Ok(view) => app.global::<StaffAdapter>().set_status(view.into()),
                Err(err) => tracing::error!(%err, "the staff screen could not read the status"),
            }
        },
    );
}

fn load_usage(kiosk: &Rc<Kiosk>) {
    let zone = kiosk.options().zone.clone();
    let weak = Rc::downgrade(kiosk);
    kiosk.worker().run(
        move |store| {
            let today = zone.to_datetime(jiff::Timestamp::now()).date();
            view_models::staff::load_usage_counts(store, today)
        },
        move |result| {
            let Some(app) = weak.upgrade().and_then(|kiosk| kiosk.app()) else {
                return;
            };
            match result {
                Ok((today, month)) => {
                    let rows = view_models::staff::usage_rows(&today, &month)
                        .into_iter()
                        .map(|(label, today, month)| crate::ui::StaffCountView {
                            label: label.into(),
                            today: today.to_string().into(),
                            month: month.to_string().into(),
                        })
                        .collect();
                    app.global::<StaffAdapter>()
                        .set_usage(view_models::model(rows));
                }
                Err(err) => tracing::error!(%err, "the staff screen could not read usage counts"),
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_waits_read_in_minutes_then_hours() {
        let wait = |secs| lock_wait(Duration::from_secs(secs));
        assert_eq!(wait(1), "1 分钟");
        assert_eq!(wait(300), "5 分钟");
        assert_eq!(wait(301), "6 分钟");
        assert_eq!(wait(3600), "1 小时");
        assert_eq!(wait(20 * 60 * 60 + 1), "20 小时 1 分钟");
        assert_eq!(wait(24 * 60 * 60), "24 小时");
    }
}
