//! `readpoint` with no command: runs the kiosk. The touch UI is not part of this build yet, so
//! this says so plainly and exits non-zero rather than showing a placeholder window.

use std::process::ExitCode;

use super::{CommandError, Context};

/// Prepares the cache (so a later start is instant) and reports that the UI is not available.
pub fn run(context: &Context) -> Result<ExitCode, CommandError> {
    let store = context.open_store()?;
    let status = store.status()?;
    let count: u64 = status.documents.iter().map(|k| k.count).sum();
    eprintln!(
        "The kiosk screen is not built yet: this version of Readpoint has the offline cache and \
         search, but not the touch UI.\nThe cache at {} is ready ({count} documents). Try \
         `readpoint search 社保` or `readpoint status`.",
        store.path().display()
    );
    Ok(ExitCode::from(2))
}
