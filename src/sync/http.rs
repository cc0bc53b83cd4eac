//! HTTP for the sync: conditional GET of the manifest and its signature, and streaming object
//! downloads into temporary files with the declared size enforced and the SHA-256 checked
//! before an object is renamed into place.
//!
//! Owns the mapping from HTTP and socket failures to [`SyncError`] classes. Never decodes or
//! applies anything, never touches the cache database.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, ETAG, IF_NONE_MATCH, RETRY_AFTER};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::error::SyncError;
use crate::feed::{hex, object_path, object_url_path};

/// Slowest transfer accepted, in bytes per second: a body of N bytes must arrive within
/// `timeout + N / MIN_RATE`, so a server that trickles a byte at a time cannot hold the sync
/// (and its lock) for ever.
pub const MIN_RATE: u64 = 16 * 1024;

/// An HTTP client for one feed URL.
#[derive(Debug, Clone)]
pub struct FeedHttp {
    client: reqwest::Client,
    base: String,
    timeout: Duration,
}

/// A small file fetched whole.
#[derive(Debug)]
pub enum Fetched {
    /// `304 Not Modified`: the stored ETag still holds.
    NotModified,
    /// `200` with the body and its ETag.
    Body {
        /// The exact bytes received.
        bytes: Vec<u8>,
        /// The response's `ETag`.
        etag: Option<String>,
    },
}

impl FeedHttp {
    /// A client for the feed at `base` (with or without a final `/`). `timeout` bounds connecting
    /// and every wait for bytes (a stalled server fails after it, a slow one does not).
    pub fn new(base: &str, timeout: Duration, user_agent: &str) -> Result<FeedHttp, SyncError> {
        // reqwest is built without a default TLS provider; ring is the one we ship.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .connect_timeout(timeout)
            .read_timeout(timeout)
            .user_agent(user_agent)
            .pool_max_idle_per_host(8)
            .build()
            .map_err(|e| {
                SyncError::transient("network", format!("cannot start the HTTP client: {e}"))
            })?;
        let mut base = base.to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        Ok(FeedHttp {
            client,
            base,
            timeout,
        })
    }

    /// The longest a body of `bytes` may take.
    fn deadline(&self, bytes: u64) -> Duration {
        self.timeout + Duration::from_secs(bytes / MIN_RATE)
    }

    /// The absolute URL of `path` under the feed.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GETs a small file (the manifest, its signature), conditionally when `etag` is given, and
    /// refuses bodies over `max` bytes.
    pub async fn fetch(
        &self,
        path: &str,
        etag: Option<&str>,
        max: u64,
    ) -> Result<Fetched, SyncError> {
        let url = self.url(path);
        let mut request = self.client.get(&url).header(ACCEPT_ENCODING, "identity");
        if let Some(etag) = etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        let mut response = request.send().await.map_err(|e| network_error(&url, &e))?;
        if response.status() == StatusCode::NOT_MODIFIED && etag.is_some() {
            return Ok(Fetched::NotModified);
        }
        check_status(&url, &response)?;
        let etag = response
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Some(length) = response.content_length()
            && length > max
        {
            return Err(too_long(&url, max));
        }
        let mut bytes = Vec::new();
        let deadline = self.deadline(response.content_length().unwrap_or(max).min(max));
        let body = async {
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| network_error(&url, &e))?
            {
                if bytes.len() as u64 + chunk.len() as u64 > max {
                    return Err(too_long(&url, max));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(())
        };
        tokio::time::timeout(deadline, body)
            .await
            .map_err(|_| too_slow(&url, deadline))??;
        if let Some(length) = response.content_length()
            && (bytes.len() as u64) < length
        {
            return Err(truncated(&url, bytes.len() as u64, length));
        }
        Ok(Fetched::Body { bytes, etag })
    }

    /// Downloads object `sha256` of declared `size` into `root`'s object store: streamed into
    /// `objects/tmp/`, aborted as soon as more than `size` bytes arrive, hashed, and renamed to
    /// `objects/aa/<sha256>` only when the hash matches. Returns the bytes received.
    pub async fn download(&self, root: &Path, sha256: &str, size: u64) -> Result<u64, SyncError> {
        let url = self.url(&object_url_path(sha256));
        let mut response = self
            .client
            .get(&url)
            .header(ACCEPT_ENCODING, "identity")
            .send()
            .await
            .map_err(|e| network_error(&url, &e))?;
        check_status(&url, &response)?;
        if let Some(length) = response.content_length()
            && length > size
        {
            return Err(longer_than_declared(&url, size));
        }
        let tmp = temp_path(root, sha256);
        let write_err =
            |e: std::io::Error| SyncError::disk(&format!("cannot write {}", tmp.display()), &e);
        if let Some(parent) = tmp.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(write_err)?;
        }
        let mut file = tokio::fs::File::create(&tmp).await.map_err(write_err)?;
        let mut hasher = Sha256::new();
        let mut received: u64 = 0;
        let deadline = self.deadline(size);
        let body = async {
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| network_error(&url, &e))?
            {
                received += chunk.len() as u64;
                if received > size {
                    return Err(longer_than_declared(&url, size));
                }
                hasher.update(&chunk);
                file.write_all(&chunk).await.map_err(write_err)?;
            }
            file.flush().await.map_err(write_err)?;
            if received < size {
                return Err(truncated(&url, received, size));
            }
            let actual = hex(&hasher.finalize());
            if actual != sha256 {
                return Err(SyncError::rejected(
                    "hash",
                    format!(
                        "{url}: the object's SHA-256 is {actual}, not the {sha256} the signed manifest names (a damaged or replaced file on the server) — fix: the portal must republish the feed; the kiosk keeps its content"
                    ),
                ));
            }
            Ok(())
        };
        let result = tokio::time::timeout(deadline, body)
            .await
            .unwrap_or_else(|_| Err(too_slow(&url, deadline)));
        drop(file);
        if let Err(err) = result {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(err);
        }
        let dest = object_path(root, sha256);
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(write_err)?;
        }
        tokio::fs::rename(&tmp, &dest).await.map_err(write_err)?;
        Ok(received)
    }
}

/// Where an object is downloaded before its hash is checked.
pub fn temp_path(root: &Path, sha256: &str) -> PathBuf {
    root.join(crate::feed::OBJECTS_DIR)
        .join("tmp")
        .join(format!("{sha256}.part"))
}

fn check_status(url: &str, response: &reqwest::Response) -> Result<(), SyncError> {
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let code = status.as_u16();
    let mut error = if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
    {
        SyncError::transient(
            "http",
            format!("{url}: the server answered {status}; will retry with backoff"),
        )
    } else if code == 404 || code == 410 {
        SyncError::rejected(
            "http",
            format!(
                "{url}: the server answered {status} — fix: check sync.feed_url in the configuration, or ask the portal whether the feed was moved"
            ),
        )
    } else {
        SyncError::rejected(
            "http",
            format!(
                "{url}: the server answered {status} — fix: check sync.feed_url and the portal's web server"
            ),
        )
    };
    error.retry_after = retry_after;
    Err(error)
}

fn network_error(url: &str, error: &reqwest::Error) -> SyncError {
    let what = if error.is_timeout() {
        "timed out (no data within sync.timeout)"
    } else if error.is_connect() {
        "cannot connect"
    } else if error.is_body() || error.is_decode() {
        "the connection broke during the transfer"
    } else {
        "request failed"
    };
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        detail.push_str(": ");
        detail.push_str(&inner.to_string());
        source = inner.source();
    }
    SyncError::transient(
        "network",
        format!(
            "{url}: {what} ({detail}); will retry — if it persists, check the network and sync.feed_url"
        ),
    )
}

fn too_slow(url: &str, deadline: Duration) -> SyncError {
    SyncError::transient(
        "network",
        format!(
            "{url}: the transfer did not finish within {} s (slower than {} KiB/s); will retry — if it persists, check the network",
            deadline.as_secs(),
            MIN_RATE / 1024
        ),
    )
}

fn truncated(url: &str, got: u64, expected: u64) -> SyncError {
    SyncError::transient(
        "network",
        format!("{url}: the transfer ended after {got} of {expected} bytes; will retry"),
    )
}

fn too_long(url: &str, max: u64) -> SyncError {
    SyncError::rejected(
        "limits",
        format!(
            "{url}: larger than {max} bytes, more than a feed file may be — fix: the portal must publish a valid feed"
        ),
    )
}

fn longer_than_declared(url: &str, size: u64) -> SyncError {
    SyncError::rejected(
        "size",
        format!(
            "{url}: more bytes than the {size} the signed manifest declares (a damaged or replaced file on the server) — fix: the portal must republish the feed"
        ),
    )
}
