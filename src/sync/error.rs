//! Sync errors, classified the way FEED.md asks: *transient* (network, timeouts, 5xx, 429,
//! truncated bodies: retried with backoff) or *rejected* (the feed itself is wrong: signature,
//! rollback, equivocation, hash, format, limits: not retried until the next scheduled check).
//! Every message names the URL or file, the check that failed, and the fix.

use std::time::Duration;

/// How a failure is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorClass {
    /// Try again soon (with backoff).
    Transient,
    /// The feed was rejected: wait for the next scheduled check and tell staff.
    Permanent,
    /// This kiosk cannot sync as configured (no permission on the data folder, a read-only
    /// disk): staff must fix it; retried at the next scheduled check.
    Local,
}

impl ErrorClass {
    /// `transient` or `permanent`, as recorded and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Transient => "transient",
            ErrorClass::Permanent => "permanent",
            ErrorClass::Local => "local",
        }
    }
}

/// A failed sync. The cache still holds its last good content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyncError {
    /// Transient or permanent.
    pub class: ErrorClass,
    /// The check that failed, one word (`network`, `http`, `signature`, `rollback`, …).
    pub check: &'static str,
    /// What failed: the URL or file, the problem, the fix.
    pub message: String,
    /// The server's `Retry-After`, if it sent one.
    pub retry_after: Option<Duration>,
}

impl SyncError {
    /// A transient failure.
    pub fn transient(check: &'static str, message: impl Into<String>) -> SyncError {
        SyncError {
            class: ErrorClass::Transient,
            check,
            message: message.into(),
            retry_after: None,
        }
    }

    /// A rejected feed.
    pub fn rejected(check: &'static str, message: impl Into<String>) -> SyncError {
        SyncError {
            class: ErrorClass::Permanent,
            check,
            message: message.into(),
            retry_after: None,
        }
    }

    /// A problem of this kiosk that staff must fix ([`ErrorClass::Local`]).
    pub fn local(check: &'static str, message: impl Into<String>) -> SyncError {
        SyncError {
            class: ErrorClass::Local,
            check,
            message: message.into(),
            retry_after: None,
        }
    }

    /// A failure of this kiosk's own disk or folder: [`ErrorClass::Local`] when staff must act
    /// (permissions, read-only), transient otherwise (disk full may clear).
    pub fn disk(what: &str, error: &std::io::Error) -> SyncError {
        use std::io::ErrorKind;
        let local = matches!(
            error.kind(),
            ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem | ErrorKind::NotADirectory
        );
        SyncError {
            class: if local {
                ErrorClass::Local
            } else {
                ErrorClass::Transient
            },
            check: "disk",
            message: format!(
                "{what} ({error}) — fix: check that the data folder exists, is writable by the kiosk's user and has free space"
            ),
            retry_after: None,
        }
    }

    /// True for transient failures.
    pub fn is_transient(&self) -> bool {
        self.class == ErrorClass::Transient
    }
}

impl From<crate::store::StoreError> for SyncError {
    fn from(e: crate::store::StoreError) -> Self {
        SyncError::transient(
            "cache",
            format!(
                "the cache could not be written ({e}); the previous content is kept — fix: check free disk space and the data folder's permissions"
            ),
        )
    }
}
