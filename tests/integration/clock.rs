//! The test clock. `scripts/test` with `READPOINT_TEST_AT` runs every test binary under
//! libfaketime at that date (CI: `2031-07-01 10:00:00` UTC), so a test that pins a literal date
//! next to the real clock fails at once instead of on the day the calendar passes it. This
//! checks that the faked date really reaches the tests and the `readpoint` processes they start.

use crate::support::{TempKiosk, stderr, stdout};

/// `READPOINT_TEST_AT` (`YYYY-MM-DD HH:MM:SS`, UTC) as an instant, when the suite runs faked.
fn faked_date() -> Option<jiff::Timestamp> {
    let at = std::env::var("READPOINT_TEST_AT").ok()?;
    let civil: jiff::civil::DateTime = at
        .trim()
        .replace(' ', "T")
        .parse()
        .unwrap_or_else(|e| panic!("READPOINT_TEST_AT={at:?} is not YYYY-MM-DD HH:MM:SS: {e}"));
    Some(
        civil
            .to_zoned(jiff::tz::TimeZone::UTC)
            .expect("a UTC time")
            .timestamp(),
    )
}

/// `now` is the faked date plus at most the suite's running time.
fn assert_near(at: jiff::Timestamp, now: jiff::Timestamp, whose: &str) {
    let since = now.duration_since(at);
    assert!(
        since >= jiff::SignedDuration::from_secs(-60)
            && since <= jiff::SignedDuration::from_hours(2),
        "{whose} clock reads {now}, not the faked {at}: is libfaketime (Debian's faketime) missing?"
    );
}

#[test]
fn a_faked_date_reaches_the_tests_and_the_kiosk_processes_they_start() {
    let Some(at) = faked_date() else {
        eprintln!("READPOINT_TEST_AT is not set: the suite runs at the real date");
        return;
    };
    assert_near(at, jiff::Timestamp::now(), "the test's");
    let output = TempKiosk::new().run(&["status", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let status: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("status JSON");
    let generated: jiff::Timestamp = status["generated_at"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no generated_at in {status}"));
    assert_near(at, generated, "the `readpoint status` process's");
}
