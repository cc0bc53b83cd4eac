//! The one way Readpoint builds an HTTP client, the one text of an HTTP error, and the one
//! shape of a network thread ([`PokedThread`]: the sync and the heartbeat).
//!
//! Every client (the feed, the heartbeat, the printer) uses rustls with ring, the TLS provider
//! Readpoint ships (reqwest is built without a default one), sends no `Referer`, names itself,
//! bounds the time to connect and follows no redirect unless its caller sets a policy. Must
//! never: send a request itself, or put a URL's query (which may hold a token) in an error text
//! on its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A background network thread that waits on a trigger: poked to work now, asked to stop
/// between pieces of work. Its body gets the trigger and the stop flag.
pub struct PokedThread {
    trigger: Arc<tokio::sync::Notify>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PokedThread {
    /// Starts a thread named `name` running `body(trigger, stop)`.
    pub fn spawn(
        name: &str,
        body: impl FnOnce(Arc<tokio::sync::Notify>, Arc<AtomicBool>) + Send + 'static,
    ) -> std::io::Result<PokedThread> {
        let trigger = Arc::new(tokio::sync::Notify::new());
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let trigger = Arc::clone(&trigger);
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name(name.to_owned())
                .spawn(move || body(trigger, stop))?
        };
        Ok(PokedThread {
            trigger,
            stop,
            thread: Some(thread),
        })
    }

    /// Wakes the thread to work now. Several pokes before it gets to them count as one.
    pub fn poke(&self) {
        self.trigger.notify_one();
    }

    /// A cheap handle that pokes from any thread.
    pub fn poker(&self) -> Arc<dyn Fn() + Send + Sync> {
        let trigger = Arc::clone(&self.trigger);
        Arc::new(move || trigger.notify_one())
    }

    /// Asks the thread to end after the work in progress, without waiting for it.
    pub fn ask_to_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.trigger.notify_one();
    }

    /// Asks the thread to end and waits for it.
    pub fn stop(mut self) {
        self.ask_to_stop();
        self.join_thread();
    }

    /// Waits until the thread ends by itself.
    pub fn join(mut self) {
        self.join_thread();
    }

    fn join_thread(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A client builder with the settings every Readpoint client shares; the caller adds its own
/// (overall timeout, redirect policy, pool) and builds it.
pub fn client_builder(connect_timeout: Duration, user_agent: &str) -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .user_agent(user_agent)
}

/// An error and its causes, outermost first, joined by ": ".
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The innermost cause of an error (the one that says what really went wrong).
pub fn root_cause(error: &dyn std::error::Error) -> String {
    let mut last = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        last = cause.to_string();
        source = cause.source();
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|l| l as _)
        }
    }

    #[test]
    fn chains_name_every_cause_and_the_root_is_the_innermost() {
        let error = Layer(
            "request failed",
            Some(Box::new(Layer(
                "tls",
                Some(Box::new(Layer("certificate expired", None))),
            ))),
        );
        assert_eq!(
            error_chain(&error),
            "request failed: tls: certificate expired"
        );
        assert_eq!(root_cause(&error), "certificate expired");
        assert_eq!(root_cause(&Layer("alone", None)), "alone");
    }
}
