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

/// The check that failed: one word, recorded in logs and printed by `readpoint sync` exactly as
/// [`Check::as_str`] spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The cache could not be read or written.
    Cache,
    /// `published_at` is in the future by a plausible clock.
    Clock,
    /// The data folder: a download or an object on disk, free space, permissions.
    Disk,
    /// A document is invalid, or its id is not unique across the feed.
    Document,
    /// A version signed again with different contents.
    Equivocation,
    /// The manifest is of another feed than `sync.feed_id`.
    FeedId,
    /// The rollback floor file is damaged.
    Floor,
    /// The manifest or a shard is not in the feed's format.
    Format,
    /// A downloaded object does not hash to its name.
    Hash,
    /// The server answered with an error status.
    Http,
    /// A bug in the sync (a panic), not the feed's fault.
    Internal,
    /// The manifest or a shard asks for more than the limits allow.
    Limits,
    /// Connecting, a timeout, a stalled or truncated transfer.
    Network,
    /// A redirect to a host the configuration does not allow.
    Redirect,
    /// A version older than one this kiosk applied.
    Rollback,
    /// A version would remove a whole section of the kiosk.
    Section,
    /// The manifest's signature does not verify.
    Signature,
    /// An object is larger than the manifest declares.
    Size,
}

impl Check {
    /// The word recorded and printed: `network`, `feed_id`, `rollback`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Cache => "cache",
            Check::Clock => "clock",
            Check::Disk => "disk",
            Check::Document => "document",
            Check::Equivocation => "equivocation",
            Check::FeedId => "feed_id",
            Check::Floor => "floor",
            Check::Format => "format",
            Check::Hash => "hash",
            Check::Http => "http",
            Check::Internal => "internal",
            Check::Limits => "limits",
            Check::Network => "network",
            Check::Redirect => "redirect",
            Check::Rollback => "rollback",
            Check::Section => "section",
            Check::Signature => "signature",
            Check::Size => "size",
        }
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed sync. The cache still holds its last good content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyncError {
    /// Transient or permanent.
    pub class: ErrorClass,
    /// The check that failed (`network`, `http`, `signature`, `rollback`, …).
    pub check: Check,
    /// What failed: the URL or file, the problem, the fix.
    pub message: String,
    /// The server's `Retry-After`, if it sent one.
    pub retry_after: Option<Duration>,
}

impl SyncError {
    /// A transient failure.
    pub fn transient(check: Check, message: impl Into<String>) -> SyncError {
        SyncError {
            class: ErrorClass::Transient,
            check,
            message: message.into(),
            retry_after: None,
        }
    }

    /// A rejected feed.
    pub fn rejected(check: Check, message: impl Into<String>) -> SyncError {
        SyncError {
            class: ErrorClass::Permanent,
            check,
            message: message.into(),
            retry_after: None,
        }
    }

    /// A problem of this kiosk that staff must fix ([`ErrorClass::Local`]).
    pub fn local(check: Check, message: impl Into<String>) -> SyncError {
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
            check: Check::Disk,
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
            Check::Cache,
            format!(
                "the cache could not be written ({e}); the previous content is kept — fix: check free disk space and the data folder's permissions"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words are recorded in the cache, logged and printed: they never change.
    #[test]
    fn every_check_keeps_its_recorded_word() {
        let table = [
            (Check::Cache, "cache"),
            (Check::Clock, "clock"),
            (Check::Disk, "disk"),
            (Check::Document, "document"),
            (Check::Equivocation, "equivocation"),
            (Check::FeedId, "feed_id"),
            (Check::Floor, "floor"),
            (Check::Format, "format"),
            (Check::Hash, "hash"),
            (Check::Http, "http"),
            (Check::Internal, "internal"),
            (Check::Limits, "limits"),
            (Check::Network, "network"),
            (Check::Redirect, "redirect"),
            (Check::Rollback, "rollback"),
            (Check::Section, "section"),
            (Check::Signature, "signature"),
            (Check::Size, "size"),
        ];
        for (check, word) in table {
            assert_eq!(check.as_str(), word);
            assert_eq!(check.to_string(), word);
            assert_eq!(
                serde_json::to_value(check).expect("serialize"),
                serde_json::Value::from(word)
            );
        }
    }

    #[test]
    fn disk_errors_are_local_only_when_staff_must_act() {
        let table = [
            (std::io::ErrorKind::PermissionDenied, ErrorClass::Local),
            (std::io::ErrorKind::ReadOnlyFilesystem, ErrorClass::Local),
            (std::io::ErrorKind::NotADirectory, ErrorClass::Local),
            (std::io::ErrorKind::StorageFull, ErrorClass::Transient),
            (std::io::ErrorKind::NotFound, ErrorClass::Transient),
        ];
        for (kind, class) in table {
            let error = SyncError::disk("cannot write x", &std::io::Error::from(kind));
            assert_eq!((error.class, error.check), (class, Check::Disk), "{kind:?}");
            assert!(error.message.starts_with("cannot write x ("), "{error}");
        }
    }
}
