//! Read aloud (朗读): speaks page text offline with espeak-ng, when it is installed.
//!
//! Owns the speech child process. The Mandarin voice `cmn-latn-pinyin` speaks Chinese properly
//! on Debian 12 (plain `cmn` reads tone digits in English). Must never block the UI thread: the
//! check for espeak-ng runs on a thread at start, and speaking is a child process fed through
//! stdin; stopping kills it.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};

/// The espeak-ng voice for Mandarin.
pub const VOICE: &str = "cmn-latn-pinyin";

/// The longest text handed to the voice at once (roughly 20–25 minutes of speech).
const MAX_CHARS: usize = 4_000;

/// Speaks text with espeak-ng; cheap to clone.
#[derive(Clone, Default)]
pub struct Speaker {
    child: Arc<Mutex<Option<Child>>>,
}

impl Speaker {
    /// Whether `espeak-ng` can be run (`espeak-ng --version` succeeds). Blocks for the
    /// process start: call it off the UI thread.
    pub fn available() -> bool {
        Command::new("espeak-ng")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }

    /// Starts reading `text` aloud, stopping whatever was being read.
    pub fn speak(&self, text: &str) -> std::io::Result<()> {
        self.stop();
        let text: String = text.chars().take(MAX_CHARS).collect();
        let mut child = Command::new("espeak-ng")
            .args(["-v", VOICE, "-s", "150", "--stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            // espeak-ng reads stdin to the end before speaking; the pipe buffer holds the text.
            std::thread::spawn(move || {
                let _ = stdin.write_all(text.as_bytes());
            });
        }
        *self.child.lock().unwrap_or_else(PoisonError::into_inner) = Some(child);
        Ok(())
    }

    /// Whether a page is being read now.
    pub fn is_speaking(&self) -> bool {
        let mut guard = self.child.lock().unwrap_or_else(PoisonError::into_inner);
        match guard.as_mut().map(Child::try_wait) {
            Some(Ok(None)) => true,
            Some(_) => {
                *guard = None;
                false
            }
            None => false,
        }
    }

    /// Stops reading (kills the voice process).
    pub fn stop(&self) {
        let child = self
            .child
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(mut child) = child {
            let _ = child.kill();
            // Reap it on a thread: wait() after kill() is quick, but never on the UI thread.
            std::thread::spawn(move || {
                let _ = child.wait();
            });
        }
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        if Arc::strong_count(&self.child) == 1 {
            self.stop();
        }
    }
}
