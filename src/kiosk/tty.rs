//! The kiosk's terminal: a keyboard plugged into the terminal must not stop, suspend or switch
//! away from the kiosk.
//!
//! Owns two layers, both for a full-screen kiosk only (a development window keeps Ctrl+C):
//! - [`KeyboardLock`]: when standard input is a Linux virtual console (the unit's
//!   `TTYPath=/dev/tty1` with `StandardInput=tty-fail`), the console goes into graphics mode
//!   (`KDSETMODE KD_GRAPHICS`: the kernel draws no text or cursor over the kiosk) with its
//!   keyboard off (`KDSKBMODE K_OFF`: keys make no characters, so no Ctrl+C, Ctrl+Z or Ctrl+\,
//!   and no Alt+F*n* console switch or Ctrl+Alt+Del reboot from the console's keymap). Slint
//!   reads touch and keys through libinput, not through the console, so the kiosk still gets
//!   them. Both modes are put back when the lock is released (a normal exit, or before the kiosk
//!   restarts itself); after a kill, systemd's `TTYReset=yes` puts them back.
//! - [`ignore_keyboard_signals`]: SIGINT, SIGQUIT and SIGTSTP are ignored, for a terminal
//!   that is not a virtual console (a pseudo-terminal, a serial line), whose keys still make
//!   those signals.
//!
//! Must never: block or handle SIGTERM (systemd stops the kiosk with it), touch any terminal
//! other than standard input, or fail the kiosk's start: a console it cannot lock is logged
//! with the fix, and the kiosk runs anyway. SysRq is the kernel's, not a terminal's: the .deb's
//! `/usr/lib/sysctl.d/60-readpoint.conf` turns it off (`kernel.sysrq = 0`).

use std::io;
use std::os::raw::{c_int, c_ulong};

/// `KDGETMODE`: the console's display mode (text or graphics); fails on anything that is not a
/// virtual console.
const KDGETMODE: c_ulong = 0x4B3B;
/// `KDSETMODE`.
const KDSETMODE: c_ulong = 0x4B3A;
/// `KDGKBMODE`: the console keyboard's mode.
const KDGKBMODE: c_ulong = 0x4B44;
/// `KDSKBMODE`.
const KDSKBMODE: c_ulong = 0x4B45;
/// Display mode: graphics (the kernel does not draw the console).
pub const KD_GRAPHICS: c_int = 0x01;
/// Keyboard mode: off (keys reach no one through the console).
pub const K_OFF: c_int = 0x04;

/// The four console requests, on a real descriptor or a test double.
pub trait Console {
    /// `KDGETMODE`; an error means this is not a virtual console.
    fn display_mode(&self) -> io::Result<c_int>;
    /// `KDSETMODE`.
    fn set_display_mode(&self, mode: c_int) -> io::Result<()>;
    /// `KDGKBMODE`.
    fn keyboard_mode(&self) -> io::Result<c_int>;
    /// `KDSKBMODE`.
    fn set_keyboard_mode(&self, mode: c_int) -> io::Result<()>;
}

/// A console reached through a file descriptor the process keeps open (standard input).
#[derive(Debug, Clone, Copy)]
pub struct Fd(pub c_int);

impl Fd {
    /// Standard input.
    pub fn stdin() -> Fd {
        Fd(libc::STDIN_FILENO)
    }

    fn get(self, request: c_ulong) -> io::Result<c_int> {
        let mut value: c_int = 0;
        // SAFETY: both requests write one `int` through the pointer, which points to a live
        // `c_int`; on a descriptor that is not a console the kernel writes nothing and fails.
        let result = unsafe { libc::ioctl(self.0, request as _, &mut value as *mut c_int) };
        if result < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(value)
        }
    }

    fn set(self, request: c_ulong, value: c_int) -> io::Result<()> {
        // SAFETY: both requests take the new mode as the integer argument itself; no memory is
        // passed.
        let result =
            unsafe { libc::ioctl(self.0, request as _, c_ulong::from(value.unsigned_abs())) };
        if result < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }
}

impl Console for Fd {
    fn display_mode(&self) -> io::Result<c_int> {
        self.get(KDGETMODE)
    }
    fn set_display_mode(&self, mode: c_int) -> io::Result<()> {
        self.set(KDSETMODE, mode)
    }
    fn keyboard_mode(&self) -> io::Result<c_int> {
        self.get(KDGKBMODE)
    }
    fn set_keyboard_mode(&self, mode: c_int) -> io::Result<()> {
        self.set(KDSKBMODE, mode)
    }
}

/// What [`KeyboardLock::acquire`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Locked {
    /// Standard input is not a virtual console: nothing to lock.
    NotAConsole,
    /// Graphics mode with the keyboard off, until released.
    Locked,
    /// The console could not be locked; nothing was left changed. The text says why and the fix.
    Failed(String),
}

/// The console in graphics mode with its keyboard off, put back as it was when released or
/// dropped.
pub struct KeyboardLock<C: Console = Fd> {
    console: C,
    /// The display and keyboard modes found, while locked.
    saved: Option<(c_int, c_int)>,
}

impl KeyboardLock<Fd> {
    /// Locks standard input's console, logging what happened; the kiosk runs either way.
    pub fn stdin() -> KeyboardLock<Fd> {
        let (lock, outcome) = KeyboardLock::acquire(Fd::stdin());
        match outcome {
            Locked::Locked => tracing::info!(
                "the console is in graphics mode with its keyboard off until the kiosk exits"
            ),
            Locked::NotAConsole => tracing::debug!("standard input is not a virtual console"),
            Locked::Failed(reason) => tracing::warn!("{reason}"),
        }
        lock
    }
}

impl<C: Console> KeyboardLock<C> {
    /// Puts `console` in graphics mode with the keyboard off, remembering both modes.
    pub fn acquire(console: C) -> (KeyboardLock<C>, Locked) {
        let mut lock = KeyboardLock {
            console,
            saved: None,
        };
        let outcome = lock.lock();
        (lock, outcome)
    }

    fn lock(&mut self) -> Locked {
        let Ok(display) = self.console.display_mode() else {
            return Locked::NotAConsole;
        };
        const FIX: &str = "fix: the kiosk must own its console: run it from readpoint.service \
                           (TTYPath=/dev/tty1, StandardInput=tty-fail), which makes tty1 its \
                           controlling terminal";
        let keyboard = match self.console.keyboard_mode() {
            Ok(mode) => mode,
            Err(err) => {
                return Locked::Failed(format!(
                    "the console's keyboard mode cannot be read ({err}); a keyboard can still \
                     type on it — {FIX}"
                ));
            }
        };
        if let Err(err) = self.console.set_display_mode(KD_GRAPHICS) {
            return Locked::Failed(format!(
                "the console cannot be put in graphics mode ({err}); a keyboard can still type \
                 on it — {FIX}"
            ));
        }
        if let Err(err) = self.console.set_keyboard_mode(K_OFF) {
            let _ = self.console.set_display_mode(display);
            return Locked::Failed(format!(
                "the console's keyboard cannot be turned off ({err}); Ctrl+C and console \
                 switching keys still reach it — {FIX}"
            ));
        }
        self.saved = Some((display, keyboard));
        Locked::Locked
    }

    /// Whether the console is locked now.
    pub fn is_locked(&self) -> bool {
        self.saved.is_some()
    }

    /// Puts the keyboard mode back, then the display mode; does nothing when not locked.
    /// Errors are logged: the kiosk is on its way out or restarting.
    pub fn release(&mut self) {
        let Some((display, keyboard)) = self.saved.take() else {
            return;
        };
        if let Err(err) = self.console.set_keyboard_mode(keyboard) {
            tracing::warn!(%err, "the console's keyboard mode could not be put back");
        }
        if let Err(err) = self.console.set_display_mode(display) {
            tracing::warn!(%err, "the console's text mode could not be put back");
        }
    }

    /// Locks again after [`KeyboardLock::release`] (a restart that did not happen).
    pub fn relock(&mut self) -> Locked {
        if self.saved.is_some() {
            return Locked::Locked;
        }
        self.lock()
    }
}

impl<C: Console> Drop for KeyboardLock<C> {
    fn drop(&mut self) {
        self.release();
    }
}

/// The signals a terminal's keys make (Ctrl+C, Ctrl+\, Ctrl+Z); SIGTERM is not among them.
pub const KEYBOARD_SIGNALS: [c_int; 3] = [libc::SIGINT, libc::SIGQUIT, libc::SIGTSTP];

/// Ignores [`KEYBOARD_SIGNALS`] for the rest of the process (and the processes it starts, such
/// as the read-aloud voice, which is stopped with SIGKILL). SIGTERM keeps its default action.
pub fn ignore_keyboard_signals() -> io::Result<()> {
    for signal in KEYBOARD_SIGNALS {
        // SAFETY: SIG_IGN installs no handler code; `signal` is a valid signal number.
        if unsafe { libc::signal(signal, libc::SIG_IGN) } == libc::SIG_ERR {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::*;

    /// A console double: its modes, every request in order, and requests made to fail.
    #[derive(Clone, Default)]
    struct FakeConsole {
        state: Rc<RefCell<FakeState>>,
    }

    #[derive(Default)]
    struct FakeState {
        not_a_console: bool,
        display: c_int,
        keyboard: c_int,
        refuse_keyboard_off: bool,
        refuse_graphics: bool,
        calls: Vec<String>,
    }

    impl FakeConsole {
        fn text_console() -> FakeConsole {
            let console = FakeConsole::default();
            console.state.borrow_mut().keyboard = 0x03; // K_UNICODE
            console
        }
        fn calls(&self) -> Vec<String> {
            self.state.borrow().calls.clone()
        }
        fn modes(&self) -> (c_int, c_int) {
            let state = self.state.borrow();
            (state.display, state.keyboard)
        }
    }

    fn refused() -> io::Error {
        io::Error::from_raw_os_error(libc::EPERM)
    }

    impl Console for FakeConsole {
        fn display_mode(&self) -> io::Result<c_int> {
            let mut state = self.state.borrow_mut();
            state.calls.push("KDGETMODE".into());
            if state.not_a_console {
                return Err(io::Error::from_raw_os_error(libc::ENOTTY));
            }
            Ok(state.display)
        }
        fn set_display_mode(&self, mode: c_int) -> io::Result<()> {
            let mut state = self.state.borrow_mut();
            state.calls.push(format!("KDSETMODE {mode}"));
            if state.refuse_graphics && mode == KD_GRAPHICS {
                return Err(refused());
            }
            state.display = mode;
            Ok(())
        }
        fn keyboard_mode(&self) -> io::Result<c_int> {
            let mut state = self.state.borrow_mut();
            state.calls.push("KDGKBMODE".into());
            Ok(state.keyboard)
        }
        fn set_keyboard_mode(&self, mode: c_int) -> io::Result<()> {
            let mut state = self.state.borrow_mut();
            state.calls.push(format!("KDSKBMODE {mode}"));
            if state.refuse_keyboard_off && mode == K_OFF {
                return Err(refused());
            }
            state.keyboard = mode;
            Ok(())
        }
    }

    #[test]
    fn a_console_goes_to_graphics_with_the_keyboard_off_and_back_when_dropped() {
        let console = FakeConsole::text_console();
        let (lock, outcome) = KeyboardLock::acquire(console.clone());
        assert_eq!(outcome, Locked::Locked);
        assert!(lock.is_locked());
        assert_eq!(console.modes(), (KD_GRAPHICS, K_OFF));
        drop(lock);
        assert_eq!(console.modes(), (0, 0x03), "text mode and K_UNICODE again");
        assert_eq!(
            console.calls(),
            [
                "KDGETMODE",
                "KDGKBMODE",
                "KDSETMODE 1",
                "KDSKBMODE 4",
                // The keyboard first, then the display, the reverse of locking.
                "KDSKBMODE 3",
                "KDSETMODE 0",
            ]
        );
    }

    #[test]
    fn release_then_relock_as_around_a_restart_that_failed() {
        let console = FakeConsole::text_console();
        let (mut lock, _) = KeyboardLock::acquire(console.clone());
        lock.release();
        assert!(!lock.is_locked());
        assert_eq!(console.modes(), (0, 0x03));
        lock.release(); // twice is harmless
        assert_eq!(lock.relock(), Locked::Locked);
        assert_eq!(console.modes(), (KD_GRAPHICS, K_OFF));
        drop(lock);
        assert_eq!(console.modes(), (0, 0x03));
    }

    #[test]
    fn something_that_is_not_a_console_is_left_alone() {
        let console = FakeConsole::text_console();
        console.state.borrow_mut().not_a_console = true;
        let (lock, outcome) = KeyboardLock::acquire(console.clone());
        assert_eq!(outcome, Locked::NotAConsole);
        drop(lock);
        assert_eq!(console.calls(), ["KDGETMODE"]);
    }

    #[test]
    fn a_keyboard_that_cannot_be_turned_off_leaves_the_console_as_it_was_and_says_the_fix() {
        let console = FakeConsole::text_console();
        console.state.borrow_mut().refuse_keyboard_off = true;
        let (lock, outcome) = KeyboardLock::acquire(console.clone());
        let Locked::Failed(reason) = outcome else {
            panic!("{outcome:?}")
        };
        assert!(reason.contains("Operation not permitted"), "{reason}");
        assert!(reason.contains("fix: ") && reason.contains("StandardInput=tty-fail"));
        assert_eq!(console.modes(), (0, 0x03), "graphics mode was undone");
        drop(lock);
        assert_eq!(
            console.calls().last().map(String::as_str),
            Some("KDSETMODE 0"),
            "nothing is released twice"
        );
        assert_eq!(console.calls().len(), 5);
    }

    #[test]
    fn a_console_refusing_graphics_mode_is_left_as_it_was() {
        let console = FakeConsole::text_console();
        console.state.borrow_mut().refuse_graphics = true;
        let (lock, outcome) = KeyboardLock::acquire(console.clone());
        assert!(matches!(outcome, Locked::Failed(_)), "{outcome:?}");
        assert!(!lock.is_locked());
        drop(lock);
        assert_eq!(console.modes(), (0, 0x03));
    }

    #[test]
    fn a_pseudo_terminal_is_not_a_console() {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty writes two descriptors into the two live ints; no name, termios or
        // window size is passed.
        let opened = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(opened, 0, "openpty: {}", io::Error::last_os_error());
        let (lock, outcome) = KeyboardLock::acquire(Fd(slave));
        assert_eq!(outcome, Locked::NotAConsole);
        drop(lock);
        // SAFETY: both descriptors were opened above and are closed once.
        unsafe {
            libc::close(slave);
            libc::close(master);
        }
    }
}
