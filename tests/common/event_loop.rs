//! Driving Slint's event loop from a test future (the testing backend's event-loop mode):
//! yield once so posted events run, and wait for a condition with a wall-clock deadline.
//! Shared by the test binaries that run the real threads (`#[path]`-included).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Lets the event loop run once (other posted events, such as query results, go first).
pub struct YieldNow(bool);

impl YieldNow {
    /// A future that yields exactly once.
    pub fn new() -> YieldNow {
        YieldNow(false)
    }
}

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Yields to the event loop until `done()` holds; false if `deadline` passes first.
pub async fn wait_until(mut done: impl FnMut() -> bool, deadline: Duration) -> bool {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
        YieldNow::new().await;
    }
    true
}
