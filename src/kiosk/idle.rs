//! Idle reset: after the idle timeout with no touch, a countdown overlay (继续浏览 cancels it);
//! when it reaches zero the session resets to Home.
//!
//! Owns the two timers and the "has the visitor done anything" flag (a kiosk left on a clean
//! Home screen does not count down). Uses `slint::Timer`, so mock time in tests drives it.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use slint::{ComponentHandle, Timer, TimerMode};

use super::Kiosk;
use crate::ui::{AppWindow, Idle};

/// The idle timers of one kiosk.
#[derive(Default)]
pub(super) struct IdleTimer {
    /// Fires when the visitor has been idle for the timeout.
    idle: Timer,
    /// Ticks once a second during the countdown.
    countdown: Timer,
    /// Something happened since the last reset.
    dirty: Cell<bool>,
}

impl IdleTimer {
    pub(super) fn mark_dirty(&self) {
        self.dirty.set(true);
    }

    pub(super) fn mark_clean(&self) {
        self.dirty.set(false);
    }
}

/// Wires 继续浏览.
pub(super) fn connect(kiosk: &Rc<Kiosk>, app: &AppWindow) {
    app.global::<Idle>()
        .on_keep_browsing(kiosk.callback(|kiosk, _| kiosk.activity()));
}

/// (Re)starts the idle timer with `timeout`, cancelling a running countdown.
pub(super) fn restart(kiosk: &Rc<Kiosk>, timeout: Duration) {
    kiosk.idle.countdown.stop();
    if let Some(app) = kiosk.app() {
        app.global::<Idle>().set_counting_down(false);
    }
    let weak = Rc::downgrade(kiosk);
    kiosk
        .idle
        .idle
        .start(TimerMode::SingleShot, timeout, move || {
            if let Some(kiosk) = weak.upgrade() {
                begin_countdown(&kiosk);
            }
        });
}

pub(super) fn begin_countdown(kiosk: &Rc<Kiosk>) {
    let Some(app) = kiosk.app() else { return };
    let pristine = !kiosk.idle.dirty.get() && kiosk.current() == super::Place::Home;
    if pristine {
        return;
    }
    let seconds = kiosk.options().idle_countdown.as_secs().max(1);
    let idle = app.global::<Idle>();
    idle.set_seconds_left(i32::try_from(seconds).unwrap_or(i32::MAX));
    idle.set_counting_down(true);
    let weak = Rc::downgrade(kiosk);
    kiosk
        .idle
        .countdown
        .start(TimerMode::Repeated, Duration::from_secs(1), move || {
            let Some(kiosk) = weak.upgrade() else { return };
            let Some(app) = kiosk.app() else { return };
            let idle = app.global::<Idle>();
            let left = idle.get_seconds_left() - 1;
            if left > 0 {
                idle.set_seconds_left(left);
            } else {
                kiosk.idle.countdown.stop();
                idle.set_counting_down(false);
                kiosk.reset_session();
            }
        });
}
