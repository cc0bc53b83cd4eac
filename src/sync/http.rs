//! HTTP for the sync: conditional GET of the manifest and its signature, and streaming object
//! downloads into temporary files with the declared size enforced and the SHA-256 checked
//! before an object is made durable (file and folder fsynced) and renamed into place.
//!
//! Every request has one deadline from the moment it is sent, response head included
//! ([`Deadline`]): the head within `timeout`, and the body at no less than [`MIN_RATE`] on
//! average after that, so a server that trickles header or body bytes cannot hold the sync (and
//! its lock) for ever. Redirects are followed only within the feed's host (or to
//! `sync.redirect_hosts`), at most [`MAX_REDIRECTS`] times, and never from https to http.
//!
//! Owns the mapping from HTTP and socket failures to [`SyncError`] classes. Never decodes or
//! applies anything, never touches the cache database.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::time::Instant;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, ETAG, IF_NONE_MATCH, RETRY_AFTER};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::error::{Check, SyncError};
use crate::feed::{hex, object_path, object_url_path};

/// Slowest transfer accepted, in bytes per second: a body of N bytes must arrive within
/// `timeout + N / MIN_RATE`, so a server that trickles a byte at a time cannot hold the sync
/// (and its lock) for ever.
pub const MIN_RATE: u64 = 16 * 1024;

/// Most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 5;

/// When one request must be over. The response head must arrive within `timeout` of sending;
/// after that the bytes received must keep up with [`MIN_RATE`] on average (by `timeout +
/// received / MIN_RATE` from the start), and the whole request never outlasts `timeout +
/// expected / MIN_RATE`.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    start: Instant,
    timeout: Duration,
    hard: Instant,
}

impl Deadline {
    /// A deadline starting now for a request of at most `expected` body bytes.
    pub fn new(timeout: Duration, expected: u64) -> Deadline {
        Deadline::starting(Instant::now(), timeout, expected)
    }

    fn starting(start: Instant, timeout: Duration, expected: u64) -> Deadline {
        Deadline {
            start,
            timeout,
            hard: start + timeout + rate_time(expected),
        }
    }

    /// By when more bytes must have arrived, `received` bytes into the body.
    pub fn next(&self, received: u64) -> Instant {
        (self.start + self.timeout + rate_time(received)).min(self.hard)
    }

    /// The whole request's limit, for messages.
    fn total(&self) -> Duration {
        self.hard - self.start
    }
}

/// How long `bytes` take at [`MIN_RATE`].
fn rate_time(bytes: u64) -> Duration {
    Duration::from_secs_f64(bytes as f64 / MIN_RATE as f64)
}

/// Whether a redirect from the feed URL `origin` to `to` may be followed: same scheme or an
/// upgrade to https (never https → http), and the same host unless `to`'s host is listed in
/// `allowed_hosts`. `Err` says why not.
pub fn redirect_allowed(
    origin: &reqwest::Url,
    to: &reqwest::Url,
    allowed_hosts: &[String],
) -> Result<(), String> {
    match (origin.scheme(), to.scheme()) {
        ("https", "https") | ("http", "http" | "https") => {}
        ("https", other) => {
            return Err(format!(
                "the portal redirected from https to {other} ({}), which would drop the encryption",
                safe_url(to)
            ));
        }
        (_, other) => return Err(format!("the portal redirected to a {other}: address")),
    }
    let host = to.host_str().unwrap_or_default().to_ascii_lowercase();
    let same = origin.host_str().map(str::to_ascii_lowercase) == Some(host.clone());
    if !same && !allowed_hosts.contains(&host) {
        return Err(format!(
            "the portal redirected to another host, {host}, which sync.redirect_hosts does not list"
        ));
    }
    Ok(())
}

/// A URL without its query and fragment (they may carry tokens), for messages and logs.
pub fn safe_url(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

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
    /// and the wait for each response head ([`Deadline`]); redirects go only to `base`'s host or
    /// to `redirect_hosts`.
    pub fn new(
        base: &str,
        timeout: Duration,
        user_agent: &str,
        redirect_hosts: &[String],
    ) -> Result<FeedHttp, SyncError> {
        let allowed = redirect_hosts.to_vec();
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
            }
            let verdict = match attempt.previous().first() {
                Some(origin) => redirect_allowed(origin, attempt.url(), &allowed),
                None => Ok(()),
            };
            match verdict {
                Ok(()) => attempt.follow(),
                Err(why) => attempt.error(why),
            }
        });
        let client = crate::net::client_builder(timeout, user_agent)
            .redirect(policy)
            .pool_max_idle_per_host(8)
            .build()
            .map_err(|e| {
                SyncError::transient(Check::Network, format!("cannot start the HTTP client: {e}"))
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

    /// Sends `request` within the head part of `deadline`.
    async fn send(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
        deadline: &Deadline,
    ) -> Result<reqwest::Response, SyncError> {
        match tokio::time::timeout_at(deadline.next(0), request.send()).await {
            Ok(result) => result.map_err(|e| network_error(url, &e)),
            Err(_) => Err(SyncError::transient(
                Check::Network,
                format!(
                    "{url}: no complete response head within sync.timeout ({} s); will retry — if it persists, check the network and the portal's web server",
                    self.timeout.as_secs()
                ),
            )),
        }
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
        let deadline = Deadline::new(self.timeout, max);
        let mut response = self.send(&url, request, &deadline).await?;
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
        while let Some(chunk) =
            next_chunk(&url, &mut response, &deadline, bytes.len() as u64).await?
        {
            if bytes.len() as u64 + chunk.len() as u64 > max {
                return Err(too_long(&url, max));
            }
            bytes.extend_from_slice(&chunk[..]);
        }
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
        let deadline = Deadline::new(self.timeout, size);
        let request = self.client.get(&url).header(ACCEPT_ENCODING, "identity");
        let mut response = self.send(&url, request, &deadline).await?;
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
        let body = async {
            while let Some(chunk) = next_chunk(&url, &mut response, &deadline, received).await? {
                received += chunk.len() as u64;
                if received > size {
                    return Err(longer_than_declared(&url, size));
                }
                hasher.update(&chunk[..]);
                file.write_all(&chunk[..]).await.map_err(write_err)?;
            }
            if received < size {
                return Err(truncated(&url, received, size));
            }
            let actual = hex(&hasher.finalize());
            if actual != sha256 {
                return Err(SyncError::rejected(
                    Check::Hash,
                    format!(
                        "{url}: the object's SHA-256 is {actual}, not the {sha256} the signed manifest names (a damaged or replaced file on the server) — fix: the portal must republish the feed; the kiosk keeps its content"
                    ),
                ));
            }
            // Durable before it is named: a power cut must not leave a short or empty file
            // under a verified object's name.
            file.flush().await.map_err(write_err)?;
            file.sync_all().await.map_err(write_err)?;
            Ok(())
        };
        let result = body.await;
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
        if let Some(parent) = dest.parent() {
            sync_dir(parent).await.map_err(write_err)?;
        }
        Ok(received)
    }
}

/// The next body chunk, within `deadline` (`received` bytes in).
async fn next_chunk(
    url: &str,
    response: &mut reqwest::Response,
    deadline: &Deadline,
    received: u64,
) -> Result<Option<impl std::ops::Deref<Target = [u8]>>, SyncError> {
    match tokio::time::timeout_at(deadline.next(received), response.chunk()).await {
        Ok(chunk) => chunk.map_err(|e| network_error(url, &e)),
        Err(_) => Err(too_slow(url, deadline)),
    }
}

/// Makes a rename in `dir` durable.
async fn sync_dir(dir: &Path) -> std::io::Result<()> {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
        .await
        .map_err(std::io::Error::other)?
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
            Check::Http,
            format!("{url}: the server answered {status}; will retry with backoff"),
        )
    } else if code == 404 || code == 410 {
        SyncError::rejected(
            Check::Http,
            format!(
                "{url}: the server answered {status} — fix: check sync.feed_url in the configuration, or ask the portal whether the feed was moved"
            ),
        )
    } else {
        SyncError::rejected(
            Check::Http,
            format!(
                "{url}: the server answered {status} — fix: check sync.feed_url and the portal's web server"
            ),
        )
    };
    error.retry_after = retry_after;
    Err(error)
}

fn network_error(url: &str, error: &reqwest::Error) -> SyncError {
    if error.is_redirect() {
        let why = std::error::Error::source(error)
            .map(crate::net::root_cause)
            .unwrap_or_default();
        return SyncError::rejected(
            Check::Redirect,
            format!(
                "{url}: {why} — fix: set sync.feed_url to the address the feed really lives at, or list a trusted mirror's host in sync.redirect_hosts"
            ),
        );
    }
    let what = if error.is_timeout() {
        "timed out (no data within sync.timeout)"
    } else if error.is_connect() {
        "cannot connect"
    } else if error.is_body() || error.is_decode() {
        "the connection broke during the transfer"
    } else {
        "request failed"
    };
    let detail = crate::net::error_chain(error);
    SyncError::transient(
        Check::Network,
        format!(
            "{url}: {what} ({detail}); will retry — if it persists, check the network and sync.feed_url"
        ),
    )
}

fn too_slow(url: &str, deadline: &Deadline) -> SyncError {
    SyncError::transient(
        Check::Network,
        format!(
            "{url}: the transfer stalled or ran slower than {} KiB/s (allowed: sync.timeout, then that rate; at most {} s in all); will retry — if it persists, check the network",
            MIN_RATE / 1024,
            deadline.total().as_secs()
        ),
    )
}

fn truncated(url: &str, got: u64, expected: u64) -> SyncError {
    SyncError::transient(
        Check::Network,
        format!("{url}: the transfer ended after {got} of {expected} bytes; will retry"),
    )
}

fn too_long(url: &str, max: u64) -> SyncError {
    SyncError::rejected(
        Check::Limits,
        format!(
            "{url}: larger than {max} bytes, more than a feed file may be — fix: the portal must publish a valid feed"
        ),
    )
}

fn longer_than_declared(url: &str, size: u64) -> SyncError {
    SyncError::rejected(
        Check::Size,
        format!(
            "{url}: more bytes than the {size} the signed manifest declares (a damaged or replaced file on the server) — fix: the portal must republish the feed"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> reqwest::Url {
        reqwest::Url::parse(text).expect("url")
    }

    #[test]
    fn redirects_never_downgrade_and_stay_on_the_host_unless_listed() {
        let feed = url("https://portal.example.gov.cn/feed/manifest.json");
        let none: &[String] = &[];
        assert_eq!(
            redirect_allowed(
                &feed,
                &url("https://portal.example.gov.cn/v2/manifest.json"),
                none
            ),
            Ok(())
        );
        let downgrade = redirect_allowed(
            &feed,
            &url("http://portal.example.gov.cn/feed/manifest.json?token=secret"),
            none,
        )
        .expect_err("downgrade");
        assert!(downgrade.contains("https to http"), "{downgrade}");
        assert!(
            !downgrade.contains("secret"),
            "no query string: {downgrade}"
        );
        let other = redirect_allowed(&feed, &url("https://cdn.example.com/manifest.json"), none)
            .expect_err("other host");
        assert!(other.contains("sync.redirect_hosts"), "{other}");
        let listed = ["cdn.example.com".to_owned()];
        assert_eq!(
            redirect_allowed(
                &feed,
                &url("https://CDN.example.com/manifest.json"),
                &listed
            ),
            Ok(())
        );
        assert!(
            redirect_allowed(&feed, &url("http://cdn.example.com/manifest.json"), &listed).is_err(),
            "a listed host still may not downgrade"
        );
        assert!(redirect_allowed(&feed, &url("file:///etc/passwd"), none).is_err());
        // An http feed may be upgraded.
        let plain = url("http://portal.example.gov.cn/feed/manifest.json");
        assert_eq!(
            redirect_allowed(
                &plain,
                &url("https://portal.example.gov.cn/feed/manifest.json"),
                none
            ),
            Ok(())
        );
    }

    #[test]
    fn a_deadline_allows_the_head_within_timeout_then_the_minimum_rate() {
        let start = Instant::now();
        let timeout = Duration::from_secs(10);
        let deadline = Deadline::starting(start, timeout, 64 * MIN_RATE);
        assert_eq!(deadline.next(0), start + timeout);
        assert_eq!(
            deadline.next(MIN_RATE),
            start + timeout + Duration::from_secs(1)
        );
        // Never past the whole request's limit.
        assert_eq!(
            deadline.next(1000 * MIN_RATE),
            start + timeout + Duration::from_secs(64)
        );
        assert_eq!(deadline.total(), Duration::from_secs(74));
    }
}
