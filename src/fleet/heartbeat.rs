//! The heartbeat: POSTs the status document (`docs/heartbeat.md`) as JSON to `stats.report_url`
//! shortly after start, after every sync check ([`Heartbeat::notify`]) and at least hourly.
//!
//! Runs on its own thread with its own small tokio runtime, HTTP client and cache connection.
//! Every delivery is bounded: at most [`ATTEMPTS`] attempts, each cut off after a short timeout,
//! with a pause of seconds between them; a receiver that refuses, answers errors or never
//! answers costs at most that, and is only logged. Never blocks the UI thread, the store worker
//! or the sync: `notify` returns at once and coalesces (a burst of syncs gives one heartbeat).
//!
//! `stats.report_url` may carry a secret (`?token=…`, `user:password@`): the client follows no
//! redirect (a 3xx is a failed attempt) and sends no `Referer`, and no log line or error text
//! holds more of the address than [`HeartbeatSettings::shown_url`] (scheme, host, port, path).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;

use super::status::{Collector, StatusDocument};
use crate::config::Config;
use crate::store::Store;

/// Attempts per delivery.
pub const ATTEMPTS: u32 = 3;
/// The longest one attempt may take (less when `sync.timeout` is shorter).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// The pause after the first failed attempt; doubles after each further one.
pub const BACKOFF: Duration = Duration::from_secs(2);
/// A heartbeat is sent at least this often.
pub const INTERVAL: Duration = Duration::from_secs(3600);
/// The first heartbeat after start (the fleet sees a restart soon).
pub const FIRST_DELAY: Duration = Duration::from_secs(10);

/// Where and how heartbeats are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatSettings {
    /// `stats.report_url`.
    pub url: String,
    /// `User-Agent`: `readpoint/<version> (<terminal>)`.
    pub user_agent: String,
    /// Attempts per delivery (at least 1).
    pub attempts: u32,
    /// Cut-off for one attempt: connecting, sending and the response head.
    pub timeout: Duration,
    /// The pause after the first failed attempt; doubles after each further one.
    pub backoff: Duration,
    /// The longest time between two heartbeats of the running kiosk.
    pub interval: Duration,
    /// The wait before the first heartbeat of the running kiosk.
    pub first_delay: Duration,
}

impl HeartbeatSettings {
    /// Settings from the configuration; `None` when `stats.report_url` is not set.
    pub fn from_config(config: &Config) -> Option<HeartbeatSettings> {
        let url = config.stats.report_url.clone()?;
        Some(HeartbeatSettings {
            url,
            user_agent: format!(
                "readpoint/{} ({})",
                env!("CARGO_PKG_VERSION"),
                config.kiosk.terminal_name()
            ),
            attempts: ATTEMPTS,
            timeout: config.sync.timeout.min(ATTEMPT_TIMEOUT),
            backoff: BACKOFF,
            interval: INTERVAL,
            first_delay: FIRST_DELAY,
        })
    }

    /// The URL for logs and error texts: without its query and fragment (which may carry a
    /// token) and without a user name or password.
    pub fn shown_url(&self) -> String {
        match reqwest::Url::parse(&self.url) {
            Ok(mut url) => {
                let _ = url.set_username("");
                let _ = url.set_password(None);
                url.set_query(None);
                url.set_fragment(None);
                url.to_string()
            }
            Err(_) => {
                let bare = self.url.split(['?', '#']).next().unwrap_or_default();
                match bare.split_once("://") {
                    Some((scheme, rest)) => {
                        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                        let host = authority.rsplit('@').next().unwrap_or(authority);
                        format!("{scheme}://{host}{path}")
                    }
                    None => bare.to_owned(),
                }
            }
        }
    }

    /// `text` with every form of the full report URL (and its query alone) replaced by
    /// [`HeartbeatSettings::shown_url`]: for texts that come from libraries.
    fn scrub(&self, text: &str) -> String {
        let shown = self.shown_url();
        let mut forms = vec![self.url.clone()];
        if let Ok(url) = reqwest::Url::parse(&self.url) {
            forms.push(url.to_string());
        }
        let mut text = text.to_owned();
        for form in forms {
            if form != shown && !form.is_empty() {
                text = text.replace(&form, &shown);
            }
        }
        if let Some((_, query)) = self.url.split_once('?') {
            let query = query.split('#').next().unwrap_or_default();
            if !query.is_empty() {
                text = text.replace(query, "…");
            }
        }
        text
    }

    /// The pause after failed attempt number `attempt` (0-based).
    fn pause(&self, attempt: u32) -> Duration {
        self.backoff
            .saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX))
    }
}

/// How a delivery ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The receiver answered with a 2xx status.
    Sent {
        /// Attempts it took.
        attempts: u32,
        /// The status.
        status: u16,
    },
    /// Not delivered; the next heartbeat tries again.
    GaveUp {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        error: String,
    },
}

/// An HTTP client for heartbeats.
#[derive(Debug, Clone)]
pub struct Sender {
    client: reqwest::Client,
    settings: HeartbeatSettings,
}

impl Sender {
    /// A client for `settings`.
    pub fn new(settings: HeartbeatSettings) -> Result<Sender, String> {
        // No redirect (the shared default): one would carry the report (and a token in the
        // address) elsewhere.
        let client = crate::net::client_builder(settings.timeout, settings.user_agent.as_str())
            .timeout(settings.timeout)
            .build()
            .map_err(|e| format!("cannot start the heartbeat's HTTP client: {e}"))?;
        Ok(Sender { client, settings })
    }

    /// POSTs `document`, retrying network failures and 408 / 429 / 5xx answers up to
    /// `attempts` times in all; logs the outcome.
    pub async fn send(&self, document: &StatusDocument) -> Delivery {
        let delivery = match serde_json::to_vec(document) {
            Ok(body) => self.deliver(body).await,
            Err(e) => Delivery::GaveUp {
                attempts: 0,
                error: format!("the status document could not be encoded: {e}"),
            },
        };
        let url = self.settings.shown_url();
        match &delivery {
            Delivery::Sent { attempts, status } => {
                tracing::debug!(url, attempts, status, "heartbeat sent");
            }
            Delivery::GaveUp { attempts, error } => tracing::warn!(
                url,
                attempts,
                "heartbeat not delivered, gave up after {attempts} attempt(s): {error} — the \
                 next heartbeat tries again; fix: check stats.report_url and the receiver"
            ),
        }
        delivery
    }

    async fn deliver(&self, body: Vec<u8>) -> Delivery {
        let attempts = self.settings.attempts.max(1);
        let mut error = String::new();
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(self.settings.pause(attempt - 1)).await;
            }
            let request = self
                .client
                .post(&self.settings.url)
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone())
                .send();
            // reqwest's own timeout covers the request; this one also covers anything it
            // might not (a bound that does not depend on the library).
            let bound = self.settings.timeout + Duration::from_secs(1);
            let retry = match tokio::time::timeout(bound, request).await {
                Ok(Ok(response)) => {
                    let status = response.status();
                    if status.is_success() {
                        return Delivery::Sent {
                            attempts: attempt + 1,
                            status: status.as_u16(),
                        };
                    }
                    error = if status.is_redirection() {
                        format!(
                            "the receiver answered {status}, a redirect, which is not followed \
                             (fix: set stats.report_url to the final address)"
                        )
                    } else {
                        format!("the receiver answered {status}")
                    };
                    status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429
                }
                Ok(Err(e)) => {
                    error = self.settings.scrub(&describe(e));
                    true
                }
                Err(_) => {
                    error = format!("no answer within {:?}", self.settings.timeout);
                    true
                }
            };
            tracing::info!(
                url = %self.settings.shown_url(),
                attempt = attempt + 1,
                "heartbeat attempt failed: {error}"
            );
            if !retry {
                return Delivery::GaveUp {
                    attempts: attempt + 1,
                    error,
                };
            }
        }
        Delivery::GaveUp { attempts, error }
    }
}

/// A reqwest error and its causes, without the request's URL (which reqwest's own text
/// carries, query and all).
pub(crate) fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    format!("{what}: {}", crate::net::error_chain(&error))
}

/// Sends one heartbeat now and waits for it (bounded by the settings' attempts, timeouts and
/// pauses): for `readpoint sync --once`.
pub fn send_blocking(settings: &HeartbeatSettings, document: &StatusDocument) -> Delivery {
    let gave_up = |error: String| Delivery::GaveUp { attempts: 0, error };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return gave_up(format!("cannot start the heartbeat's runtime: {e}")),
    };
    match Sender::new(settings.clone()) {
        Ok(sender) => runtime.block_on(sender.send(document)),
        Err(e) => {
            tracing::warn!("heartbeat not sent: {e}");
            gave_up(e)
        }
    }
}

/// The running heartbeat thread.
pub struct Heartbeat {
    /// `None` once stopped.
    thread: Option<crate::net::PokedThread>,
}

impl Heartbeat {
    /// Starts the thread: it opens its own connection to the cache at `cache_path`, sends after
    /// `first_delay`, then after every [`Heartbeat::notify`] and at least every `interval`.
    pub fn spawn(
        settings: HeartbeatSettings,
        collector: Collector,
        cache_path: PathBuf,
    ) -> std::io::Result<Heartbeat> {
        let thread = crate::net::PokedThread::spawn("heartbeat", move |trigger, stop| {
            run(settings, collector, cache_path, trigger, stop);
        })?;
        Ok(Heartbeat {
            thread: Some(thread),
        })
    }

    /// Asks for a heartbeat now. Returns at once; several calls before the thread gets to them
    /// give one heartbeat (one more if one is being sent).
    pub fn notify(&self) {
        if let Some(thread) = &self.thread {
            thread.poke();
        }
    }

    /// A cheap handle that can [`notify`](Heartbeat::notify) from any thread.
    pub fn notifier(&self) -> Arc<dyn Fn() + Send + Sync> {
        match &self.thread {
            Some(thread) => thread.poker(),
            None => Arc::new(|| {}),
        }
    }

    /// Stops the thread after the delivery in progress, if any (bounded), and waits for it.
    pub fn stop(mut self) {
        if let Some(thread) = self.thread.take() {
            thread.stop();
        }
    }
}

impl Drop for Heartbeat {
    /// Asks the thread to end without waiting for it (process exit must never wait on the
    /// network).
    fn drop(&mut self) {
        if let Some(thread) = &self.thread {
            thread.ask_to_stop();
        }
    }
}

fn run(
    settings: HeartbeatSettings,
    collector: Collector,
    cache_path: PathBuf,
    trigger: Arc<tokio::sync::Notify>,
    stop: Arc<AtomicBool>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!("cannot start the heartbeat's runtime; no heartbeats: {e}");
            return;
        }
    };
    let sender = match Sender::new(settings.clone()) {
        Ok(sender) => sender,
        Err(e) => {
            tracing::error!("{e}; no heartbeats");
            return;
        }
    };
    let mut store: Option<Store> = None;
    let mut wait = settings.first_delay;
    loop {
        runtime.block_on(async {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = trigger.notified() => {}
            }
        });
        if stop.load(Ordering::SeqCst) {
            return;
        }
        wait = settings.interval;
        if store.is_none() {
            match Store::open(&cache_path) {
                Ok(opened) => store = Some(opened),
                Err(e) => {
                    tracing::warn!("the heartbeat cannot open the cache; none sent: {e}");
                    continue;
                }
            }
        }
        let Some(open) = store.as_ref() else {
            continue;
        };
        let document = match collector.collect(open, collector.now()) {
            Ok(document) => document,
            Err(e) => {
                tracing::warn!("the heartbeat cannot read the status; none sent: {e}");
                store = None;
                continue;
            }
        };
        runtime.block_on(sender.send(&document));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_follow_the_configuration() {
        let mut config = Config::default();
        assert_eq!(HeartbeatSettings::from_config(&config), None);
        config.stats.report_url = Some("https://fleet.example/hb?token=secret".to_owned());
        config.kiosk.terminal_id = "ls-01".to_owned();
        config.sync.timeout = Duration::from_secs(3);
        let settings = HeartbeatSettings::from_config(&config).expect("settings");
        assert_eq!(settings.timeout, Duration::from_secs(3));
        assert_eq!(settings.attempts, ATTEMPTS);
        assert!(
            settings.user_agent.starts_with("readpoint/")
                && settings.user_agent.ends_with("(ls-01)")
        );
        assert_eq!(settings.shown_url(), "https://fleet.example/hb");
        let mut secret = settings.clone();
        secret.url = "https://kiosk:pw@fleet.example:8443/hb?token=s3cret#x".to_owned();
        assert_eq!(secret.shown_url(), "https://fleet.example:8443/hb");
        assert_eq!(
            secret.scrub(&format!("error sending request for url ({})", secret.url)),
            "error sending request for url (https://fleet.example:8443/hb)"
        );
        assert_eq!(secret.scrub("see token=s3cret"), "see …");
        secret.url = "not a url://u:p@h/x?token=s3cret".to_owned();
        assert_eq!(secret.shown_url(), "not a url://h/x");
        config.sync.timeout = Duration::from_secs(60);
        let settings = HeartbeatSettings::from_config(&config).expect("settings");
        assert_eq!(settings.timeout, ATTEMPT_TIMEOUT);
        assert_eq!(settings.pause(0), BACKOFF);
        assert_eq!(settings.pause(1), BACKOFF * 2);
    }
}
