//! The display schedule on screen: outside the hours of `display.schedule` the kiosk shows a
//! black screen; a touch wakes it for a minute (every further touch extends that minute).
//! Going dark ends the visitor's session and closes the staff screen. The sync and the
//! heartbeat keep running on their own threads.
//!
//! Owns the asleep/awake state and its timer. The rule itself is the pure
//! `config::Schedule::is_on_at` / `next_change`. The clock is injectable (tests drive it
//! together with Slint's mock time). Must never: block, or sleep while someone is touching it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use jiff::Timestamp;
use slint::{ComponentHandle, Timer, TimerMode};

use super::Kiosk;
use crate::ui::Power;

/// A touch outside opening hours keeps the screen on this long.
pub const WAKE_FOR: Duration = Duration::from_secs(60);

/// The schedule is re-read at least this often, so a clock set by NTP after boot, or a
/// suspend, is caught within a minute.
const RECHECK: Duration = Duration::from_secs(60);

/// Where the kiosk reads the time (the wall clock, or a test's).
pub type Clock = Rc<dyn Fn() -> Timestamp>;

/// The power state of one kiosk.
pub(super) struct PowerState {
    timer: Timer,
    awake_until: Cell<Option<Timestamp>>,
    clock: RefCell<Clock>,
}

impl Default for PowerState {
    fn default() -> Self {
        PowerState {
            timer: Timer::default(),
            awake_until: Cell::new(None),
            clock: RefCell::new(Rc::new(Timestamp::now)),
        }
    }
}

/// Wires the black screen's touch and applies the schedule now.
pub(super) fn connect(kiosk: &Rc<Kiosk>, app: &crate::ui::AppWindow) {
    app.global::<Power>()
        .on_wake(kiosk.callback(|kiosk, _| wake(kiosk)));
    evaluate(kiosk);
}

/// Uses `clock` from now on and re-applies the schedule.
pub(super) fn set_clock(kiosk: &Rc<Kiosk>, clock: Clock) {
    *kiosk.power.clock.borrow_mut() = clock;
    evaluate(kiosk);
}

fn now(kiosk: &Kiosk) -> Timestamp {
    (kiosk.power.clock.borrow())()
}

/// A touch on the black screen.
fn wake(kiosk: &Rc<Kiosk>) {
    if kiosk
        .app()
        .is_some_and(|app| app.global::<Power>().get_asleep())
    {
        tracing::info!("screen woken by a touch outside opening hours");
    }
    kiosk
        .power
        .awake_until
        .set(now(kiosk).checked_add(WAKE_FOR).ok());
    evaluate(kiosk);
}

/// Any touch: if the screen is only awake because of a touch, the minute starts again.
pub(super) fn touched(kiosk: &Rc<Kiosk>) {
    if kiosk.power.awake_until.get().is_some() {
        wake(kiosk);
    }
}

/// Whether the screen should be dark at `now`.
fn should_sleep(kiosk: &Kiosk, at: Timestamp) -> bool {
    let options = kiosk.options();
    let scheduled_on = options.schedule.is_on_at(&options.zone, at);
    let woken = kiosk
        .power
        .awake_until
        .get()
        .is_some_and(|until| at < until);
    !scheduled_on && !woken
}

/// Applies the schedule at the clock's time and sets the timer for the next change.
fn evaluate(kiosk: &Rc<Kiosk>) {
    let options = kiosk.options();
    if options.schedule.is_always_on() {
        return;
    }
    let at = now(kiosk);
    if kiosk
        .power
        .awake_until
        .get()
        .is_some_and(|until| at >= until)
    {
        kiosk.power.awake_until.set(None);
    }
    let asleep = should_sleep(kiosk, at);
    if let Some(app) = kiosk.app() {
        let power = app.global::<Power>();
        if asleep && !power.get_asleep() {
            tracing::info!("display schedule: screen off");
            super::staff::close(kiosk);
            kiosk.reset_session();
        } else if !asleep && power.get_asleep() {
            tracing::info!("display schedule: screen on");
        }
        power.set_asleep(asleep);
    }
    // Next look: the schedule's next change, the end of a wake-up, or a minute, whichever
    // comes first.
    let mut next = RECHECK;
    let mut consider = |t: Option<Timestamp>| {
        if let Some(t) = t {
            let wait = at.duration_until(t).unsigned_abs();
            if wait < next {
                next = wait;
            }
        }
    };
    consider(options.schedule.next_change(&options.zone, at, RECHECK));
    consider(kiosk.power.awake_until.get());
    let weak = Rc::downgrade(kiosk);
    kiosk.power.timer.start(
        TimerMode::SingleShot,
        next.max(Duration::from_millis(200)),
        move || {
            if let Some(kiosk) = weak.upgrade() {
                evaluate(&kiosk);
            }
        },
    );
}
