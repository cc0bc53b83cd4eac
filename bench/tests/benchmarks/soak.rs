//! `readpoint-bench soak` in short: two simulated hours of visitors, staff, a flapping portal
//! publishing every hour, heartbeats and usage flushes, run in this process with the
//! `readpoint-bench` binary publishing. Asserts what must hold however fast the machine is —
//! every version applied, the kiosk ending with exactly the last version's documents, the cache
//! passing its integrity check, the day's activity really happening — never timings or growth
//! (two hours are too short for a steady state; the 24-hour figures come from the bench).

use std::path::PathBuf;

use readpoint_bench::soak::{self, Options};

#[test]
fn a_short_soak_loses_no_version_and_keeps_the_cache_sound() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = soak::prepare_work_dir(Some(&temp.path().join("soak"))).expect("work folder");
    let options = Options {
        hours: 2,
        warm_up_hours: 1,
        seed: 7,
        docs: 300,
        max_minutes: 4,
        dir,
        exe: Some(PathBuf::from(env!("CARGO_BIN_EXE_readpoint-bench"))),
    };
    let mut out = Vec::new();
    let report = soak::run(&options, &mut out).expect("the soak runs");
    let text = String::from_utf8_lossy(&out);
    assert!(!report.timed_out, "{text}");
    assert_eq!(report.published, 2, "{text}");
    assert!(report.lost.is_empty(), "{text}");
    assert_eq!(report.final_version, Some(2), "{text}");
    assert!(report.applied >= 2, "{text}");
    assert_eq!(report.content_ok, Ok(()), "{text}");
    assert_eq!(report.integrity, Ok(()), "{text}");
    // The day happened: visitors, idle resets, staff, heartbeats, flushes, a flapping portal.
    let c = &report.counts;
    assert!(c.visitors >= 6 && c.screens > 100, "{text}");
    assert_eq!(
        c.idle_resets, c.walk_aways,
        "every session was reset: {text}"
    );
    assert_eq!((c.staff_visits, c.staff_opened), (1, 1), "{text}");
    assert!(c.heartbeats >= 2 && c.flushes >= 200, "{text}");
    assert_eq!(c.portal_states.values().sum::<u64>(), 12, "{text}");
    assert_eq!(report.hours.len(), 2);
    let judged = report.comparisons.iter().filter(|c| !c.info).count();
    assert_eq!(judged, 6, "RSS, files, threads, log, cache, WAL: {text}");
    assert!(text.contains("verdict:"), "{text}");
}
