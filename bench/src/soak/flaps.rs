//! How the soak's portal flaps: every simulated hour is cut into six 10-minute slots, each up,
//! slow, down (connections reset), busy (`503` with `Retry-After`) or hung (the response head
//! trickles in slower than `sync.timeout` allows), drawn from the seed. Two adjacent slots of
//! every hour are up or slow, so a kiosk that retries as it should always gets the hour's
//! version: a version it misses is a lost version, not bad luck.
//!
//! Pure apart from [`apply`], which sets the faults of a [`FeedServer`].

use std::time::Duration;

use readpoint_test_support::corpus::Rng;
use readpoint_test_support::feed_server::{Fault, FeedServer};

/// One slot's length.
pub const SLOT: Duration = Duration::from_secs(600);
/// Slots per hour.
pub const SLOTS: usize = 6;
/// A slow portal's pause after each response head (well within `sync.timeout`).
pub const SLOW_PAUSE: Duration = Duration::from_millis(300);
/// A hung portal's pause between the bytes of a response head (the head never arrives within
/// `sync.timeout`).
pub const HUNG_PAUSE: Duration = Duration::from_millis(250);
/// A busy portal's `Retry-After`, in seconds.
pub const BUSY_RETRY_AFTER: u64 = 120;

/// What the portal does during a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PortalState {
    /// Answers normally.
    Up,
    /// Answers, each response a little late.
    Slow,
    /// Resets every connection.
    Down,
    /// `503 Service Unavailable` with `Retry-After`.
    Busy,
    /// Sends response heads too slowly to ever finish within the timeout.
    Hung,
}

impl PortalState {
    /// A short name for the report.
    pub fn name(self) -> &'static str {
        match self {
            PortalState::Up => "up",
            PortalState::Slow => "slow",
            PortalState::Down => "down",
            PortalState::Busy => "503",
            PortalState::Hung => "hung",
        }
    }
}

/// The six slots of one hour.
pub(crate) fn hour_plan(rng: &mut Rng) -> [PortalState; SLOTS] {
    let mut plan = [PortalState::Up; SLOTS];
    for slot in &mut plan {
        let draw = rng.unit();
        *slot = if draw < 0.45 {
            PortalState::Up
        } else if draw < 0.65 {
            PortalState::Slow
        } else if draw < 0.80 {
            PortalState::Down
        } else if draw < 0.95 {
            PortalState::Busy
        } else {
            PortalState::Hung
        };
    }
    // The version published at the top of the hour can be fetched in two adjacent slots.
    let open = rng.below(SLOTS - 1);
    for slot in &mut plan[open..open + 2] {
        if !matches!(slot, PortalState::Up | PortalState::Slow) {
            *slot = PortalState::Up;
        }
    }
    plan
}

/// Makes `server` behave as `state` (for every path) from now on.
pub fn apply(server: &FeedServer, state: PortalState) {
    server.clear_faults();
    let fault = match state {
        PortalState::Up => return,
        PortalState::Slow => Fault::Stall(SLOW_PAUSE),
        PortalState::Down => Fault::Reset,
        PortalState::Busy => Fault::Status {
            code: 503,
            retry_after: Some(BUSY_RETRY_AFTER),
        },
        PortalState::Hung => Fault::TrickleHead(HUNG_PAUSE),
    };
    server.fault("", fault, None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hour_has_two_adjacent_usable_slots_and_all_states_occur() {
        let mut rng = Rng::new(2012);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let plan = hour_plan(&mut rng);
            let usable = |s: &PortalState| matches!(s, PortalState::Up | PortalState::Slow);
            assert!(
                plan.windows(2).any(|w| usable(&w[0]) && usable(&w[1])),
                "{plan:?}"
            );
            seen.extend(plan);
        }
        assert_eq!(seen.len(), 5, "{seen:?}");
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        assert_eq!(hour_plan(&mut a), hour_plan(&mut b));
    }
}
