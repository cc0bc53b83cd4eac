//! The one way Readpoint builds an HTTP client, and the one text of an HTTP error.
//!
//! Every client (the feed, the heartbeat, the printer) uses rustls with ring, the TLS provider
//! Readpoint ships (reqwest is built without a default one), sends no `Referer`, names itself,
//! bounds the time to connect and follows no redirect unless its caller sets a policy. Must
//! never: send a request itself, or put a URL's query (which may hold a token) in an error text
//! on its own.

use std::time::Duration;

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
